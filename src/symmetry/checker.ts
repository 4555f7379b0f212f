/**
 * The equivariance checker: for any function (a layer, a model, a plain function), a group, and how
 * the group acts on the input and the output, it measures ‖f(g·x) − g·f(x)‖ / ‖g·f(x)‖ over group
 * elements and inputs. Invariance is the case of the trivial output action. Works for every domain:
 * the actions are plain functions (see `actions.ts`).
 *
 * ```ts
 * // a p4 model on images [B, C, H, W] is invariant to 90° rotations:
 * assertEquivariant((x) => model.forward(x), { group: p4(), inputAction: gridAction(p4()), inputs: [x] });
 * // a graph layer is permutation equivariant (the action permutes x and relabels edgeIndex):
 * checkEquivariance((g) => conv.forward(g.x, g.edgeIndex), {
 *   group: Sn(x.shape[0]), inputAction: graphPermutationAction(), outputAction: nodePermutationAction(),
 *   inputs: [{ x, edgeIndex }],
 * });
 * // a readout is invariant: leave out outputAction
 * checkEquivariance((g) => globalAddPool(conv.forward(g.x, g.edgeIndex)), {
 *   group: Sn(x.shape[0]), inputAction: graphPermutationAction(), inputs: [{ x, edgeIndex }],
 * });
 * ```
 */
import { ErlangenError } from "../tensor/errors.js";
import { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import type { Action } from "./actions.js";
import type { Group } from "./group.js";
import { isFiniteGroup } from "./group.js";

export interface EquivarianceOptions<E, I, O> {
  group: Group<E>;
  /** How g acts on the input. */
  inputAction: Action<E, I>;
  /** How g acts on the output; omit for invariance (output unchanged). */
  outputAction?: Action<E, O>;
  /** Inputs to test on; or give `sampler`. */
  inputs?: I[];
  /** Draws a random input from the generator. */
  sampler?: (generator: Generator) => I;
  /** Number of group elements per input (default 8; finite groups with ≤ `samples` elements are enumerated). */
  samples?: number;
  /** Elements to test instead of sampled ones. */
  elements?: E[];
  /** Absolute tolerance on the error norm (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Seed for sampling (default 0). */
  seed?: number;
}

export interface EquivarianceSample {
  element: string;
  input: number;
  /** ‖f(g·x) − g·f(x)‖ / max(‖g·f(x)‖, tiny). */
  relError: number;
  absError: number;
  pass: boolean;
}

export interface EquivarianceReport {
  group: string;
  samples: EquivarianceSample[];
  maxRelError: number;
  maxAbsError: number;
  pass: boolean;
}

/** Flattens an output (Tensor, number, arrays or records of them) into numbers, in a fixed order. */
export function flattenValue(v: unknown, out: number[] = []): number[] {
  if (v instanceof Tensor) {
    for (let i = 0; i < v.size; i++) out.push(Number(v.data[i]));
  } else if (typeof v === "number") out.push(v);
  else if (typeof v === "boolean") out.push(v ? 1 : 0);
  else if (ArrayBuffer.isView(v)) {
    const a = v as unknown as ArrayLike<number>;
    for (let i = 0; i < a.length; i++) out.push(Number(a[i]));
  } else if (Array.isArray(v)) for (const x of v) flattenValue(x, out);
  else if (v !== null && typeof v === "object") {
    for (const k of Object.keys(v).sort()) if (!k.startsWith("_")) flattenValue((v as Record<string, unknown>)[k], out);
  }
  return out;
}

function compare(a: unknown, b: unknown): { abs: number; rel: number } {
  const x = flattenValue(a);
  const y = flattenValue(b);
  if (x.length !== y.length) {
    throw new ErlangenError(
      `checkEquivariance: f(g·x) has ${x.length} values but g·f(x) has ${y.length}: the output action changes the output's size`,
    );
  }
  let d = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    d += (x[i]! - y[i]!) ** 2;
    n += y[i]! ** 2;
  }
  const abs = Math.sqrt(d);
  return { abs, rel: abs / Math.max(Math.sqrt(n), 1e-30) };
}

function elementsToTest<E>(opts: { group: Group<E>; elements?: E[]; samples?: number }, gen: Generator): E[] {
  if (opts.elements) return opts.elements;
  const n = opts.samples ?? 8;
  const g = opts.group;
  if (isFiniteGroup(g) && g.order <= Math.max(n, 16)) return g.elements();
  return Array.from({ length: n }, () => g.sample(gen));
}

/** Measures equivariance of `fn`; see the module docs. Never throws for a failing check (see {@link assertEquivariant}). */
export function checkEquivariance<E, I, O>(fn: (x: I) => O, opts: EquivarianceOptions<E, I, O>): EquivarianceReport {
  const gen = new Generator(opts.seed ?? 0);
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  let inputs = opts.inputs;
  if (!inputs) {
    if (!opts.sampler)
      throw new ErlangenError("checkEquivariance: argument 'inputs' expected inputs or a sampler, got neither");
    inputs = [opts.sampler(gen)];
  }
  const outAct: Action<E, O> = opts.outputAction ?? ((_g, y) => y);
  const els = elementsToTest(opts, gen);
  const samples: EquivarianceSample[] = [];
  inputs.forEach((x, idx) => {
    const fx = fn(x);
    for (const g of els) {
      const lhs = fn(opts.inputAction(g, x));
      const rhs = outAct(g, fx);
      const { abs, rel } = compare(lhs, rhs);
      samples.push({
        element: opts.group.format(g),
        input: idx,
        relError: rel,
        absError: abs,
        pass: abs <= atol || rel <= rtol,
      });
    }
  });
  const maxRel = samples.reduce((m, s) => Math.max(m, Number.isNaN(s.relError) ? Infinity : s.relError), 0);
  const maxAbs = samples.reduce((m, s) => Math.max(m, Number.isNaN(s.absError) ? Infinity : s.absError), 0);
  return {
    group: opts.group.name,
    samples,
    maxRelError: maxRel,
    maxAbsError: maxAbs,
    pass: samples.every((s) => s.pass),
  };
}

/** Formats a report as a small table. */
export function formatReport(r: EquivarianceReport): string {
  const lines = [
    `equivariance under ${r.group}: ${r.pass ? "PASS" : "FAIL"} (max rel error ${r.maxRelError.toExponential(2)}, max abs ${r.maxAbsError.toExponential(2)})`,
  ];
  for (const s of r.samples.slice(0, 32))
    lines.push(
      `  ${s.pass ? "ok  " : "FAIL"} input ${s.input} g=${s.element}  rel ${s.relError.toExponential(2)}  abs ${s.absError.toExponential(2)}`,
    );
  if (r.samples.length > 32) lines.push(`  … ${r.samples.length - 32} more`);
  return lines.join("\n");
}

/** Like {@link checkEquivariance}, but throws with the report when any sample fails. */
export function assertEquivariant<E, I, O>(fn: (x: I) => O, opts: EquivarianceOptions<E, I, O>): EquivarianceReport {
  const r = checkEquivariance(fn, opts);
  if (!r.pass) throw new ErlangenError(`assertEquivariant: not equivariant\n${formatReport(r)}`);
  return r;
}

/** One stage of a layered model for the per-layer check: the function and how g acts on its output. */
export interface LayerStage<E> {
  name: string;
  fn: (x: unknown) => unknown;
  outputAction: Action<E, unknown>;
}

export interface LayerwiseReport {
  group: string;
  layers: { name: string; maxRelError: number; maxAbsError: number; pass: boolean }[];
  pass: boolean;
}

/**
 * Per-layer mode: runs x and g·x through the stages in order and reports, after each stage, how far
 * stage_k(…(g·x)) is from g·stage_k(…(x)). The first failing layer is where equivariance breaks.
 * Stages can be built from a `Sequential`-like model with {@link stagesOf}.
 */
export function checkEquivarianceLayers<E, I>(
  stages: LayerStage<E>[],
  opts: Omit<EquivarianceOptions<E, I, unknown>, "outputAction">,
): LayerwiseReport {
  const gen = new Generator(opts.seed ?? 0);
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  const inputs = opts.inputs ?? (opts.sampler ? [opts.sampler(gen)] : []);
  if (inputs.length === 0)
    throw new ErlangenError("checkEquivarianceLayers: argument 'inputs' expected inputs or a sampler, got neither");
  const els = elementsToTest(opts, gen);
  const layers = stages.map((s) => ({ name: s.name, maxRelError: 0, maxAbsError: 0, pass: true }));
  for (const x of inputs) {
    for (const g of els) {
      let a: unknown = x;
      let b: unknown = opts.inputAction(g, x);
      stages.forEach((s, k) => {
        a = s.fn(a);
        b = s.fn(b);
        const { abs, rel } = compare(b, s.outputAction(g, a));
        const L = layers[k]!;
        L.maxRelError = Math.max(L.maxRelError, rel);
        L.maxAbsError = Math.max(L.maxAbsError, abs);
        if (!(abs <= atol || rel <= rtol)) L.pass = false;
      });
    }
  }
  return { group: opts.group.name, layers, pass: layers.every((l) => l.pass) };
}

/**
 * Builds per-layer stages from a model that lists its layers (`layers`, `modules` or `children()`),
 * taking each layer's output action from `actions[i]` or from the layer's own `outputAction`.
 */
export function stagesOf<E>(model: unknown, actions?: Action<E, unknown>[]): LayerStage<E>[] {
  const m = model as {
    layers?: unknown;
    modules?: unknown;
    children?: () => Iterable<unknown>;
    [Symbol.iterator]?: () => Iterator<unknown>;
  };
  const list = Array.isArray(m.layers)
    ? m.layers
    : Array.isArray(m.modules)
      ? m.modules
      : typeof m.children === "function"
        ? [...m.children()]
        : typeof m[Symbol.iterator] === "function"
          ? [...(m as Iterable<unknown>)]
          : undefined;
  if (!Array.isArray(list))
    throw new ErlangenError("stagesOf: argument 'model' expected a model with layers (Sequential-like), got none");
  return list.map((layer, i) => {
    const l = layer as {
      forward?: (x: unknown) => unknown;
      outputAction?: Action<E, unknown>;
      constructor: { name: string };
    };
    const act = actions?.[i] ?? l.outputAction;
    if (!act)
      throw new ErlangenError(
        `stagesOf: layer ${i} (${l.constructor.name}) has no output action; pass one in 'actions'`,
      );
    const fn = typeof layer === "function" ? (layer as (x: unknown) => unknown) : (x: unknown) => l.forward!(x);
    return { name: `${i}:${l.constructor.name}`, fn, outputAction: act };
  });
}
