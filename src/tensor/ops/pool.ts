/**
 * Pooling on regular grids, modelled on `torch.nn.functional`: max, average and adaptive average
 * pooling in 1-3 dimensions, with their autograd. Average pooling is a separable linear map (one
 * sparse map per spatial axis, recorded with its adjoint); max pooling is an index selection within
 * each plane, recorded as a gather whose backward is the matching scatter (and vice versa). The
 * loops on typed arrays are in `kernels/ref/pool.ts` and `kernels/ref/resample.ts`.
 */
import { volume } from "../../kernels/ref/im2col.js";
import type { FloatArray } from "../../kernels/ref/linalg.js";
import { gatherPlanes, maxPoolIndices, scatterPlanes } from "../../kernels/ref/pool.js";
import { type AxisMap, axisMap } from "../../kernels/ref/resample.js";
import { record } from "../autograd.js";
import { allocate } from "../dtype.js";
import { check, fmtShape, opError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { batched, checkFloat, type IntOrTuple, separable, tupleArg } from "./grid.js";

/** ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1, or the ceil-mode size (the last window must start inside input or left padding). */
function poolOutSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let o = ceil ? Math.ceil(span / s) + 1 : Math.floor(span / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

/** Options of the max and average pooling functions. */
export interface PoolOptions {
  /** Step between windows (default: the kernel size). */
  stride?: IntOrTuple | null;
  /** Implicit border on both sides (−∞ for max pooling, zeros for average pooling; default 0). */
  padding?: IntOrTuple;
  /** Use ⌈⌉ instead of ⌊⌋ for the output size (default false). */
  ceilMode?: boolean;
}

/** Options of {@link maxPool2d} and friends. */
export interface MaxPoolOptions extends PoolOptions {
  /** Spacing between window taps (default 1). */
  dilation?: IntOrTuple;
}

/** Options of {@link avgPool2d} and friends. */
export interface AvgPoolOptions extends PoolOptions {
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead. */
  divisorOverride?: number;
}

interface PoolGeom {
  D: number;
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  inS: number[];
  outS: number[];
}

function poolGeom(op: string, x: Tensor, D: number, kernelSize: IntOrTuple, opts: MaxPoolOptions): PoolGeom {
  const k = tupleArg(op, "kernelSize", kernelSize, D, 1, 1);
  const s =
    opts.stride === undefined || opts.stride === null ? k.slice() : tupleArg(op, "stride", opts.stride, D, 1, 1);
  const p = tupleArg(op, "padding", opts.padding, D, 0, 0);
  const d = tupleArg(op, "dilation", opts.dilation, D, 1, 1);
  const inS = x.shape.slice(2);
  const outS: number[] = [];
  for (let i = 0; i < D; i++) {
    check(
      2 * p[i]! <= k[i]!,
      op,
      "padding",
      `at most half the kernel size (kernel [${k.join(", ")}])`,
      `[${p.join(", ")}]`,
    );
    const eff = d[i]! * (k[i]! - 1) + 1;
    if (eff > inS[i]! + 2 * p[i]!) {
      opError(
        op,
        "kernelSize",
        `a window (${k.join("×")}, dilation [${d.join(", ")}]) no larger than the padded input (${inS.join("×")} plus padding [${p.join(", ")}])`,
        `effective size ${eff} > ${inS[i]! + 2 * p[i]!} on spatial axis ${i}`,
      );
    }
    outS.push(poolOutSize(inS[i]!, k[i]!, s[i]!, p[i]!, d[i]!, opts.ceilMode ?? false));
  }
  return { D, k, s, p, d, inS, outS };
}

function avgPoolNd(op: string, D: number, input: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions): Tensor {
  const { x, unbatched } = batched(op, input, D);
  checkFloat(op, "input", x);
  const g = poolGeom(op, x, D, kernelSize, { ...opts, dilation: 1 });
  const includePad = opts.countIncludePad ?? true;
  const over = opts.divisorOverride;
  if (over !== undefined)
    check(Number.isFinite(over) && over !== 0, op, "divisorOverride", "a non-zero number", String(over));
  const maps: AxisMap[] = [];
  for (let i = 0; i < D; i++) {
    const n = g.inS[i]!;
    const k = g.k[i]!;
    const s = g.s[i]!;
    const p = g.p[i]!;
    maps.push(
      axisMap(n, g.outS[i]!, (o, push) => {
        let start = o * s - p;
        let end = Math.min(start + k, n + p);
        const padCount = end - start;
        start = Math.max(start, 0);
        end = Math.min(end, n);
        const div = over !== undefined ? (i === 0 ? over : 1) : includePad ? padCount : end - start;
        for (let j = start; j < end; j++) push(j, 1 / div);
      }),
    );
  }
  const y = separable(op, x, maps);
  return unbatched ? y.reshape(y.shape.slice(1)) : y;
}

/** 1-D average pooling over windows of `kernelSize` on [N, C, L]. */
export function avgPool1d(input: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd("avgPool1d", 1, input, kernelSize, opts);
}

/** 2-D average pooling on [N, C, H, W] (as `torch.nn.functional.avg_pool2d`). */
export function avgPool2d(input: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd("avgPool2d", 2, input, kernelSize, opts);
}

/** 3-D average pooling on [N, C, D, H, W]. */
export function avgPool3d(input: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd("avgPool3d", 3, input, kernelSize, opts);
}

function adaptiveAvgPoolNd(
  op: string,
  D: number,
  input: Tensor,
  outputSize: number | readonly (number | null)[],
): Tensor {
  const { x, unbatched } = batched(op, input, D);
  checkFloat(op, "input", x);
  const inS = x.shape.slice(2);
  const req = typeof outputSize === "number" ? new Array<number | null>(D).fill(outputSize) : [...outputSize];
  if (req.length !== D || req.some((v) => v !== null && (!Number.isInteger(v) || v < 1))) {
    opError(
      op,
      "outputSize",
      `a positive integer or ${D} of them (null keeps an axis)`,
      typeof outputSize === "number" ? String(outputSize) : `[${outputSize.join(", ")}]`,
    );
  }
  const maps: AxisMap[] = [];
  for (let i = 0; i < D; i++) {
    const n = inS[i]!;
    const m = req[i] ?? n;
    check(n > 0, op, "input", "non-empty spatial axes", `shape ${fmtShape(input.shape)}`);
    maps.push(
      axisMap(n, m, (o, push) => {
        const start = Math.floor((o * n) / m);
        const end = Math.ceil(((o + 1) * n) / m);
        for (let j = start; j < end; j++) push(j, 1 / (end - start));
      }),
    );
  }
  const y = separable(op, x, maps);
  return unbatched ? y.reshape(y.shape.slice(1)) : y;
}

/** 1-D adaptive average pooling to `outputSize` positions (windows ⌊o·L/m⌋ … ⌈(o+1)·L/m⌉). */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  return adaptiveAvgPoolNd("adaptiveAvgPool1d", 1, input, outputSize);
}

/** 2-D adaptive average pooling to `outputSize` (e.g. 1 for global average pooling). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  return adaptiveAvgPoolNd("adaptiveAvgPool2d", 2, input, outputSize);
}

/** 3-D adaptive average pooling to `outputSize`. */
export function adaptiveAvgPool3d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  return adaptiveAvgPoolNd("adaptiveAvgPool3d", 3, input, outputSize);
}

// ---------------------------------------------------------------------------------------------
// max pooling

/** out[r, j] = x[r, idx[r, j]] for planes r: recorded, with {@link planeScatter} as backward. */
function planeGather(x: Tensor, idx: Int32Array, outShape: readonly number[]): Tensor {
  const plane = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const rows = x.size / Math.max(plane, 1);
  const out = allocate(x.dtype, idx.length) as FloatArray;
  gatherPlanes(x.data as FloatArray, plane, rows, idx, out);
  const inShape = x.shape;
  return record("maxPoolGather", [x], new Tensor(out, outShape, x.dtype), (g) => [planeScatter(g, idx, inShape)]);
}

/** gx[r, idx[r, j]] += g[r, j]: recorded, with {@link planeGather} as backward. */
function planeScatter(g: Tensor, idx: Int32Array, inShape: readonly number[]): Tensor {
  const plane = inShape.slice(2).reduce((a, b) => a * b, 1);
  const rows = volume(inShape) / Math.max(plane, 1);
  const out = allocate(g.dtype, volume(inShape)) as FloatArray;
  scatterPlanes(g.data as FloatArray, plane, rows, idx, out);
  const outShape = g.shape;
  return record("maxPoolScatter", [g], new Tensor(out, inShape, g.dtype), (h) => [planeGather(h, idx, outShape)]);
}

/** Max-pooling values and the flat index of each maximum within its input plane (int32, like PyTorch). */
export interface MaxPoolResult {
  values: Tensor;
  indices: Tensor;
}

function maxPoolNd(op: string, D: number, input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions): MaxPoolResult {
  const { x, unbatched } = batched(op, input, D);
  checkFloat(op, "input", x);
  const g = poolGeom(op, x, D, kernelSize, opts);
  const idx = maxPoolIndices(x.data as FloatArray, x.shape[0]! * x.shape[1]!, g);
  const outShape = [x.shape[0]!, x.shape[1]!, ...g.outS];
  let values = planeGather(x, idx, outShape);
  let indices = new Tensor(idx, outShape, "int32");
  if (unbatched) {
    values = values.reshape(outShape.slice(1));
    indices = indices.reshape(outShape.slice(1));
  }
  return { values, indices };
}

/** 1-D max pooling on [N, C, L]. */
export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolNd("maxPool1d", 1, input, kernelSize, opts).values;
}

/**
 * 2-D max pooling on [N, C, H, W] (as `torch.nn.functional.max_pool2d`; padding counts as −∞). The
 * gradient goes to the position of each maximum (the first one on ties).
 */
export function maxPool2d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolNd("maxPool2d", 2, input, kernelSize, opts).values;
}

/** 3-D max pooling on [N, C, D, H, W]. */
export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolNd("maxPool3d", 3, input, kernelSize, opts).values;
}

/** {@link maxPool1d} with the indices of the maxima (`return_indices=True`). */
export function maxPool1dWithIndices(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): MaxPoolResult {
  return maxPoolNd("maxPool1d", 1, input, kernelSize, opts);
}

/** {@link maxPool2d} with the indices of the maxima (flat positions in each H·W plane). */
export function maxPool2dWithIndices(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): MaxPoolResult {
  return maxPoolNd("maxPool2d", 2, input, kernelSize, opts);
}

/** {@link maxPool3d} with the indices of the maxima (flat positions in each D·H·W volume). */
export function maxPool3dWithIndices(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): MaxPoolResult {
  return maxPoolNd("maxPool3d", 3, input, kernelSize, opts);
}

// ---------------------------------------------------------------------------------------------
// Tensor methods

declare module "../tensor.js" {
  interface Tensor {
    maxPool1d(kernelSize: IntOrTuple, opts?: MaxPoolOptions): Tensor;
    maxPool2d(kernelSize: IntOrTuple, opts?: MaxPoolOptions): Tensor;
    maxPool3d(kernelSize: IntOrTuple, opts?: MaxPoolOptions): Tensor;
    avgPool1d(kernelSize: IntOrTuple, opts?: AvgPoolOptions): Tensor;
    avgPool2d(kernelSize: IntOrTuple, opts?: AvgPoolOptions): Tensor;
    avgPool3d(kernelSize: IntOrTuple, opts?: AvgPoolOptions): Tensor;
    adaptiveAvgPool1d(outputSize: number | readonly (number | null)[]): Tensor;
    adaptiveAvgPool2d(outputSize: number | readonly (number | null)[]): Tensor;
    adaptiveAvgPool3d(outputSize: number | readonly (number | null)[]): Tensor;
  }
}

Tensor.prototype.maxPool1d = function (this: Tensor, kernelSize: IntOrTuple, opts?: MaxPoolOptions) {
  return maxPool1d(this, kernelSize, opts);
};
Tensor.prototype.maxPool2d = function (this: Tensor, kernelSize: IntOrTuple, opts?: MaxPoolOptions) {
  return maxPool2d(this, kernelSize, opts);
};
Tensor.prototype.maxPool3d = function (this: Tensor, kernelSize: IntOrTuple, opts?: MaxPoolOptions) {
  return maxPool3d(this, kernelSize, opts);
};
Tensor.prototype.avgPool1d = function (this: Tensor, kernelSize: IntOrTuple, opts?: AvgPoolOptions) {
  return avgPool1d(this, kernelSize, opts);
};
Tensor.prototype.avgPool2d = function (this: Tensor, kernelSize: IntOrTuple, opts?: AvgPoolOptions) {
  return avgPool2d(this, kernelSize, opts);
};
Tensor.prototype.avgPool3d = function (this: Tensor, kernelSize: IntOrTuple, opts?: AvgPoolOptions) {
  return avgPool3d(this, kernelSize, opts);
};
Tensor.prototype.adaptiveAvgPool1d = function (this: Tensor, outputSize: number | readonly (number | null)[]) {
  return adaptiveAvgPool1d(this, outputSize);
};
Tensor.prototype.adaptiveAvgPool2d = function (this: Tensor, outputSize: number | readonly (number | null)[]) {
  return adaptiveAvgPool2d(this, outputSize);
};
Tensor.prototype.adaptiveAvgPool3d = function (this: Tensor, outputSize: number | readonly (number | null)[]) {
  return adaptiveAvgPool3d(this, outputSize);
};
