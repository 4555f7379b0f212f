/**
 * Small pieces the recipes share: a circular-padding wrapper for the group convolutions (so that
 * feature maps live on a torus and cyclic translations act exactly), parameter-free stages, actions
 * on state records, and the seeded generator of a build.
 */
import { Module } from "../nn/module.js";
import type { Action } from "../symmetry/actions.js";
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { pad } from "../tensor/ops/shape.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import type { AnyAction, BlueprintStep, Stage } from "./model.js";

/**
 * Pads the last `dims` axes circularly by `(k − 1) / 2` before a convolution with no padding of its own:
 * the convolution then commutes with every cyclic shift of the grid, and (square grids) with the
 * rotations and reflections of the torus.
 */
export class CircularPadded extends Module<[Tensor], Tensor> {
  constructor(
    /** The wrapped convolution (its own padding must be 0). */
    readonly conv: Module<[Tensor], Tensor>,
    readonly padding: number,
    readonly dims: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (this.padding === 0) return this.conv.forward(x);
    const pads = new Array<number>(2 * this.dims).fill(this.padding);
    return this.conv.forward(pad(x, pads, "circular"));
  }
  override extraRepr(): string {
    return `circular padding ${this.padding}`;
  }
}

/** Options of {@link stage}. */
export interface StageOptions {
  name: string;
  step: BlueprintStep;
  module?: Module | null;
  inType: string;
  outType: string;
  note?: string;
  run: (s: unknown) => unknown;
  actions: Record<string, AnyAction>;
}

/** Builds a {@link Stage}. */
export function stage(o: StageOptions): Stage {
  return {
    name: o.name,
    step: o.step,
    module: o.module ?? null,
    inType: o.inType,
    outType: o.outType,
    note: o.note,
    run: o.run,
    actions: o.actions,
  };
}

/** The name of a module's class (for plans). */
export function className(m: Module): string {
  const inner = m instanceof CircularPadded ? m.conv : m;
  return inner.constructor.name;
}

/** Leaves values unchanged (invariant stage outputs). */
export const invariant: AnyAction = (_g, x) => x;

/**
 * An action on state records: the listed keys transform by their action, every other key is copied
 * (keys starting with `_` are structural and skipped by the checker's comparison).
 */
// biome-ignore lint/suspicious/noExplicitAny: the element type varies by check.
export function recordAction(parts: Record<string, Action<any, Tensor>>): AnyAction {
  return (g, s) => {
    const src = s as Record<string, unknown>;
    const out: Record<string, unknown> = { ...src };
    for (const [k, act] of Object.entries(parts)) {
      const v = src[k];
      if (v !== undefined && v !== null) out[k] = act(g, v as Tensor);
    }
    return out;
  };
}

/** Throws unless `x` is a tensor of `ndim` dims with `channels` on axis 1. */
export function checkInputTensor(op: string, x: unknown, ndim: number, channels: number, layout: string): Tensor {
  const t = x as Tensor;
  if (t === null || typeof t !== "object" || !("shape" in t) || t.ndim !== ndim || t.shape[1] !== channels)
    throw new ErlangenError(
      `${op}: argument 'input' expected a tensor ${layout} with ${channels} channel${channels === 1 ? "" : "s"}, got ${t && typeof t === "object" && "shape" in t ? fmtShape(t.shape) : typeof x}`,
    );
  return t;
}

/** Layer options from the build context. */
export interface BuildContext {
  dtype: "float32" | "float64";
  generator: Generator | undefined;
}
