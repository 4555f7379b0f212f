/**
 * Resampling on regular grids, modelled on `torch.nn.functional.interpolate`: nearest, nearest-exact
 * and (bi/tri)linear, as separable linear maps (one sparse map per spatial axis, recorded with its
 * adjoint: the backward is the transposed resampling).
 */
import { type AxisMap, axisMap } from "../../kernels/ref/resample.js";
import { check, fmtShape, opError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { checkFloat, type IntOrTuple, separable, tupleArg } from "./grid.js";

/** Interpolation modes of {@link interpolate}. */
export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "trilinear";

/** Options of {@link interpolate}. */
export interface InterpolateOptions {
  /** Output spatial size (one number for all axes, or one per axis). Give this or `scaleFactor`. */
  size?: IntOrTuple;
  /** Multiplier of the spatial size (output ⌊input·factor⌋). */
  scaleFactor?: number | readonly number[];
  /** Default `'nearest'`. `linear`/`bilinear`/`trilinear` need 1/2/3 spatial axes. */
  mode?: InterpolateMode;
  /** Linear modes: map corner pixel centres onto each other (default false, as in PyTorch). */
  alignCorners?: boolean;
}

/**
 * Resizes `input` [N, C, *spatial] (1-3 spatial axes) like `torch.nn.functional.interpolate`:
 * nearest neighbour (`src = ⌊o·scale⌋`), `nearest-exact` (`⌊(o + ½)·scale⌋`) or (bi/tri)linear with or
 * without `alignCorners`. With `scaleFactor`, the coordinate scale is 1/factor (as PyTorch without
 * `recompute_scale_factor`). Differentiable (the backward is the transposed resampling).
 */
export function interpolate(input: Tensor, opts: InterpolateOptions): Tensor {
  const op = "interpolate";
  if (!(input instanceof Tensor)) opError(op, "input", "a Tensor", typeof input);
  check(
    input.ndim >= 3 && input.ndim <= 5,
    op,
    "input",
    "3-D, 4-D or 5-D [N, C, *spatial]",
    `shape ${fmtShape(input.shape)}`,
  );
  checkFloat(op, "input", input);
  const D = input.ndim - 2;
  const mode = opts.mode ?? "nearest";
  const linearD = mode === "linear" ? 1 : mode === "bilinear" ? 2 : mode === "trilinear" ? 3 : 0;
  if (mode !== "nearest" && mode !== "nearest-exact" && linearD === 0) {
    opError(op, "mode", "'nearest', 'nearest-exact', 'linear', 'bilinear' or 'trilinear'", String(mode));
  }
  if (linearD !== 0)
    check(linearD === D, op, "input", `${linearD + 2}-D input for mode '${mode}'`, `shape ${fmtShape(input.shape)}`);
  if (opts.alignCorners !== undefined && linearD === 0)
    opError(op, "alignCorners", "undefined for nearest modes", String(opts.alignCorners));
  const align = opts.alignCorners ?? false;
  const inS = input.shape.slice(2);
  let outS: number[];
  let scales: (number | null)[];
  if (opts.size !== undefined) {
    check(
      opts.scaleFactor === undefined,
      op,
      "scaleFactor",
      "undefined when 'size' is given",
      String(opts.scaleFactor),
    );
    outS = tupleArg(op, "size", opts.size, D, 1, 1);
    scales = new Array<number | null>(D).fill(null);
  } else if (opts.scaleFactor !== undefined) {
    const sf =
      typeof opts.scaleFactor === "number" ? new Array<number>(D).fill(opts.scaleFactor) : [...opts.scaleFactor];
    if (sf.length !== D || sf.some((v) => !(v > 0) || !Number.isFinite(v))) {
      opError(op, "scaleFactor", `a positive number or ${D} of them`, String(opts.scaleFactor));
    }
    outS = inS.map((n, i) => Math.floor(n * sf[i]!));
    check(
      outS.every((v) => v > 0),
      op,
      "scaleFactor",
      "a factor giving a non-empty output",
      `[${sf.join(", ")}] (output [${outS.join(", ")}])`,
    );
    scales = sf.map((v) => 1 / v);
  } else {
    return opError(op, "size", "either 'size' or 'scaleFactor'", "neither");
  }
  const maps: AxisMap[] = [];
  for (let i = 0; i < D; i++) {
    const n = inS[i]!;
    const m = outS[i]!;
    check(n > 0, op, "input", "non-empty spatial axes", `shape ${fmtShape(input.shape)}`);
    const scale = scales[i] ?? n / m;
    if (linearD === 0) {
      const exact = mode === "nearest-exact";
      maps.push(
        axisMap(n, m, (o, push) => {
          const src = Math.min(Math.floor(exact ? (o + 0.5) * scale : o * scale), n - 1);
          push(src, 1);
        }),
      );
    } else {
      maps.push(
        axisMap(n, m, (o, push) => {
          let src: number;
          if (align) src = m > 1 ? (o * (n - 1)) / (m - 1) : 0;
          else src = Math.max((o + 0.5) * scale - 0.5, 0);
          const i0 = Math.min(Math.floor(src), n - 1);
          const i1 = Math.min(i0 + 1, n - 1);
          const l = src - i0;
          if (i1 === i0 || l === 0) push(i0, 1);
          else {
            push(i0, 1 - l);
            push(i1, l);
          }
        }),
      );
    }
  }
  return separable(op, input, maps);
}

/** Alias of {@link interpolate} (as `torch.nn.functional.upsample`). */
export function upsample(input: Tensor, opts: InterpolateOptions): Tensor {
  return interpolate(input, opts);
}

// ---------------------------------------------------------------------------------------------
// Tensor methods

declare module "../tensor.js" {
  interface Tensor {
    interpolate(opts: InterpolateOptions): Tensor;
  }
}

Tensor.prototype.interpolate = function (this: Tensor, opts: InterpolateOptions) {
  return interpolate(this, opts);
};
