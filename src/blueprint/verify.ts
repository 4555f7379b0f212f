/**
 * Verification of a built model: every claim of its plan goes through the library's checker, on the
 * whole model (‖f(g·x) − g·f(x)‖ / ‖g·f(x)‖ over the claim's group elements) and layer by layer
 * (`checkEquivarianceLayers` with each stage's output action), in eval mode. Exact claims must pass;
 * approximate ones (interpolated rotations, continuous gauge rotations) are measured and reported.
 */
import { checkEquivariance, checkEquivarianceLayers, type LayerStage } from "../symmetry/checker.js";
import { float64Twin } from "./builder.js";
import type { BlueprintCheck, BlueprintModel } from "./model.js";

/** The result of one claim. */
export interface ClaimResult {
  /** The claim, as in the plan. */
  name: string;
  group: string;
  exact: boolean;
  rtol: number;
  atol: number;
  /** Group elements × inputs tested. */
  samples: number;
  maxRelError: number;
  maxAbsError: number;
  /** Within tolerance. */
  pass: boolean;
  /** Per-stage errors (absent when the claim is checked on the whole model only). */
  layers?: { name: string; maxRelError: number; pass: boolean }[];
  ms: number;
}

/** The result of {@link verifyBlueprint}. */
export interface VerifyReport {
  /** Every exact claim passes. */
  pass: boolean;
  /** The precision the claims were checked in. */
  dtype: "float32" | "float64";
  claims: ClaimResult[];
}

/** Options of {@link verifyBlueprint}. */
export interface VerifyOptions {
  /** Seed of the sample inputs and sampled elements (default 0). */
  seed?: number;
  /** Run the per-layer checks (default true). */
  layers?: boolean;
  /** Only the claims whose name contains this (default all). */
  filter?: string;
  /**
   * `float64` (default): check a float64 copy of the model with the same weights, exact claims at rtol
   * 1e-9 — the architecture's symmetry without float32 round-off; `model`: check the model as it is
   * (float32 models at rtol 1e-4).
   */
  precision?: "float64" | "model";
}

function runClaim(model: BlueprintModel, c0: BlueprintCheck, seed: number, layers: boolean, f64: boolean): ClaimResult {
  const t0 = performance.now();
  let c = c0;
  if (f64 && c0.exact) {
    c = Object.create(c0) as BlueprintCheck;
    c.rtol = Math.min(c0.rtol, 1e-9);
    c.atol = c0.atol === undefined ? undefined : c0.atol * 1e-5;
  }
  const fn = c.fn ?? ((x: unknown) => model.forward(x));
  const r = checkEquivariance(fn, {
    group: c.group,
    inputAction: c.inputAction,
    outputAction: c.outputAction,
    inputs: [c.input],
    elements: c.elements,
    samples: c.samples,
    rtol: c.rtol,
    atol: c.atol ?? 0,
    seed,
  });
  const out: ClaimResult = {
    name: c.name,
    group: c.group.name,
    exact: c.exact,
    rtol: c.rtol,
    atol: c.atol ?? 0,
    samples: r.samples.length,
    maxRelError: r.maxRelError,
    maxAbsError: r.maxAbsError,
    pass: r.pass,
    ms: 0,
  };
  if (layers && c.layers !== false && c.fn === undefined) {
    const stages: LayerStage<unknown>[] = model.stages.map((s, i) => ({
      name: `${i}:${s.name}`,
      fn: i === 0 ? (x: unknown) => s.run(model.prepare(x)) : (x: unknown) => s.run(x),
      outputAction: s.actions[c.id] ?? ((_g: unknown, x: unknown) => x),
    }));
    const lr = checkEquivarianceLayers(stages, {
      group: c.group,
      inputAction: c.inputAction,
      inputs: [c.input],
      elements: c.elements,
      samples: c.samples,
      rtol: c.rtol,
      atol: Math.max(c.atol ?? 0, 1e-6),
      seed,
    });
    out.layers = lr.layers.map((l) => ({ name: l.name, maxRelError: l.maxRelError, pass: l.pass }));
  }
  out.ms = performance.now() - t0;
  return out;
}

/**
 * Runs every claim of `model` through the checker (in eval mode; the mode is restored afterwards).
 * `pass` is false when an exact claim fails; approximate claims only report their error.
 */
export function verifyBlueprint(model: BlueprintModel, opts: VerifyOptions = {}): VerifyReport {
  const seed = opts.seed ?? 0;
  const f64 = (opts.precision ?? "float64") === "float64";
  const target = f64 && model.spec.dtype !== "float64" ? float64Twin(model) : model;
  const wasTraining = target.training;
  target.eval();
  try {
    const claims = target
      .checks(seed)
      .filter((c) => opts.filter === undefined || c.name.includes(opts.filter))
      .map((c) => runClaim(target, c, seed, opts.layers ?? true, f64));
    return { pass: claims.every((c) => !c.exact || c.pass), claims, dtype: f64 ? "float64" : model.spec.dtype };
  } finally {
    target.train(wasTraining);
  }
}

/** A verification report as text lines. */
export function formatVerifyReport(r: VerifyReport): string {
  const lines: string[] = [];
  for (const c of r.claims) {
    const status = c.exact ? (c.pass ? "PASS" : "FAIL") : "measured";
    lines.push(`${status.padEnd(8)} ${c.group.padEnd(12)} max rel error ${c.maxRelError.toExponential(2)}  ${c.name}`);
    if (c.layers)
      for (const l of c.layers)
        lines.push(
          `           ${l.pass ? "ok  " : c.exact ? "FAIL" : "  ~ "} ${l.name.padEnd(34)} ${l.maxRelError.toExponential(2)}`,
        );
  }
  lines.push(`${r.pass ? "every exact claim holds" : "an exact claim FAILED"} (checked in ${r.dtype})`);
  return lines.join("\n");
}
