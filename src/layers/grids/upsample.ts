/** `Upsample`: resizing of grid signals by nearest-neighbour or (bi/tri)linear interpolation. */
import { Module } from "../../nn/module.js";
import type { IntOrTuple } from "../../tensor/ops/grid.js";
import { type InterpolateMode, interpolate } from "../../tensor/ops/interpolate.js";
import type { Tensor } from "../../tensor/tensor.js";

/** Options of {@link Upsample}: give `size` or `scaleFactor`. */
export interface UpsampleOptions {
  size?: IntOrTuple;
  scaleFactor?: number | readonly number[];
  /** Default `'nearest'`. */
  mode?: InterpolateMode;
  /** Linear modes only (default false). */
  alignCorners?: boolean;
}

/** Resizes [N, C, *spatial] (like `torch.nn.Upsample`); see `interpolate`. */
export class Upsample extends Module<[Tensor], Tensor> {
  constructor(readonly opts: UpsampleOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.opts);
  }
  override extraRepr(): string {
    const o = this.opts;
    return [
      o.size !== undefined ? `size=${String(o.size)}` : `scaleFactor=${String(o.scaleFactor)}`,
      `mode=${o.mode ?? "nearest"}`,
    ].join(", ");
  }
}
