/**
 * Reductions over any set of axes (`sum`, `mean`, `max`, `min`, `prod`, `logsumexp`, `variance`,
 * `std`, `norm`), `argmax`/`argmin`, `softmax`/`logSoftmax`. (`sumToShape`, which folds a broadcast
 * gradient back onto an input's shape, lives with the broadcasting rules in `tensor/broadcast.ts`.)
 *
 * `axis` may be a number, a list of distinct numbers (negative counts from the end), or omitted
 * for all axes; an empty list reduces nothing. Float data goes through the `reduceAxis` and
 * `softmaxRows` kernels; int and bool data are reduced in float64 and converted back.
 */
import type { ReduceOpName } from "../../kernels/ref/elementwise.js";
import type { FloatArray } from "../../kernels/ref/linalg.js";
import { softmaxRows } from "../../kernels/registry.js";
import { record } from "../autograd.js";
import { broadcastIndexMap, expandTo, reduceAxes } from "../broadcast.js";
import { allocate, allocateEmpty, type DType, type FloatDType, isFloat } from "../dtype.js";
import { fmtShape, normAxis, opError } from "../errors.js";
import { type Shape, shapeSize, Tensor } from "../tensor.js";
import { abs, add, div, exp, log, mul, ne, pow, sqrt, sub } from "./elementwise.js";
import { type OutOption, takeOut, wrote } from "./out.js";

/** Axis argument of the reductions. */
export type Axes = number | readonly number[];

// ---------------------------------------------------------------------------------------------
// helpers

function checkTensor(op: string, v: unknown): asserts v is Tensor {
  if (!(v instanceof Tensor)) opError(op, "a", "a Tensor", v === null ? "null" : typeof v);
}

/** Normalized, sorted, distinct axes. */
function normAxes(op: string, axis: Axes | undefined, ndim: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out: number[] = [];
  for (const ax of list) {
    if (typeof ax !== "number") opError(op, "axis", "integer axes", String(ax));
    const a = normAxis(op, ax, Math.max(ndim, 1));
    if (out.includes(a)) opError(op, "axis", "distinct axes", `[${list.join(", ")}]`);
    out.push(a);
  }
  if (ndim === 0) return [];
  return out.sort((x, y) => x - y);
}

/** The shape with `axes` set to 1. */
function keepShapeOf(shape: Shape, axes: readonly number[]): number[] {
  const s = [...shape];
  for (const a of axes) s[a] = 1;
  return s;
}

/** The shape without `axes`. */
function dropAxes(shape: Shape, axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/** Number of elements reduced into each output. */
function reducedCount(shape: Shape, axes: readonly number[]): number {
  let n = 1;
  for (const a of axes) n *= shape[a]!;
  return n;
}

/** Reduces any-dtype tensor data into storage of `outDt` (ints go through float64). */
function reduceData(op: ReduceOpName, a: Tensor, axes: readonly number[], outDt: DType): ReturnType<typeof allocate> {
  if (isFloat(a.dtype) && a.dtype === outDt) return reduceAxes(op, a.data as FloatArray, a.shape, axes);
  const src = isFloat(a.dtype) ? (a.data as FloatArray) : Float64Array.from(a.data);
  const r = reduceAxes(op, src, a.shape, axes);
  const out = allocate(outDt, r.length);
  if (outDt === "bool") for (let i = 0; i < r.length; i++) out[i] = r[i] !== 0 ? 1 : 0;
  else out.set(r);
  return out;
}

/** `a` as a float tensor (int and bool become float32). */
function asFloat(a: Tensor): Tensor {
  return isFloat(a.dtype) ? a : a.cast("float32");
}

function finishShape(a: Tensor, axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? keepShapeOf(a.shape, axes) : dropAxes(a.shape, axes);
}

// ---------------------------------------------------------------------------------------------
// sum / mean / prod / max / min

/** Sum over `axis` (all axes when omitted). Int and bool sum to int32. */
export function sum(a: Tensor, axis?: Axes, keepDims = false): Tensor {
  checkTensor("sum", a);
  const axes = normAxes("sum", axis, a.ndim);
  const dt: DType = isFloat(a.dtype) ? a.dtype : "int32";
  const out = new Tensor(reduceData("sum", a, axes, dt), finishShape(a, axes, keepDims), dt);
  if (!isFloat(dt)) return out;
  const keep = keepShapeOf(a.shape, axes);
  const inShape = a.shape;
  return record("sum", [a], out, (g) => [expandTo(g.reshape(keep), inShape)]);
}

/** Mean over `axis` (all axes when omitted); NaN over an empty set. Int and bool give float32. */
export function mean(a: Tensor, axis?: Axes, keepDims = false): Tensor {
  checkTensor("mean", a);
  const x = asFloat(a);
  const axes = normAxes("mean", axis, x.ndim);
  const n = reducedCount(x.shape, axes);
  const data = reduceAxes("sum", x.data as FloatArray, x.shape, axes);
  for (let i = 0; i < data.length; i++) data[i] = data[i]! / n;
  const out = new Tensor(data, finishShape(x, axes, keepDims), x.dtype);
  const keep = keepShapeOf(x.shape, axes);
  const inShape = x.shape;
  return record("mean", [x], out, (g) => [div(expandTo(g.reshape(keep), inShape), n)]);
}

/** Product over `axis` (all axes when omitted). Gradients are exact with zeros in the input. */
export function prod(a: Tensor, axis?: Axes, keepDims = false): Tensor {
  checkTensor("prod", a);
  const axes = normAxes("prod", axis, a.ndim);
  const dt: DType = isFloat(a.dtype) ? a.dtype : "int32";
  const out = new Tensor(reduceData("prod", a, axes, dt), finishShape(a, axes, keepDims), dt);
  if (!isFloat(dt)) return out;
  const keep = keepShapeOf(a.shape, axes);
  return record("prod", [a], out, (g) => {
    // d/dx_i of the product = product of the others; computed per group without dividing by 0.
    const map = broadcastIndexMap(keep, a.shape);
    const m = out.size;
    const zeros = new Int32Array(m);
    const nz = new Float64Array(m).fill(1);
    const x = a.data;
    for (let i = 0; i < x.length; i++) {
      const o = map[i]!;
      if (x[i] === 0) zeros[o]!++;
      else nz[o]! *= x[i]!;
    }
    const d = allocate(g.dtype, x.length);
    for (let i = 0; i < x.length; i++) {
      const o = map[i]!;
      const z = zeros[o]!;
      d[i] = z === 0 ? nz[o]! / x[i]! : z === 1 && x[i] === 0 ? nz[o]! : 0;
    }
    return [mul(expandTo(g.reshape(keep), a.shape), new Tensor(d, a.shape, g.dtype))];
  });
}

function extremum(op: "max" | "min", a: Tensor, axis: Axes | undefined, keepDims: boolean): Tensor {
  checkTensor(op, a);
  const axes = normAxes(op, axis, a.ndim);
  if (axes.length > 0 && reducedCount(a.shape, axes) === 0) {
    opError(op, "a", "a non-empty reduction", `shape ${fmtShape(a.shape)} over axes [${axes.join(", ")}]`);
  }
  const out = new Tensor(reduceData(op, a, axes, a.dtype), finishShape(a, axes, keepDims), a.dtype);
  if (!isFloat(a.dtype)) return out;
  const keep = keepShapeOf(a.shape, axes);
  return record(op, [a], out, (g) => {
    // The gradient goes to the first (row-major) element equal to the extremum of its group.
    const map = broadcastIndexMap(keep, a.shape);
    const taken = new Uint8Array(out.size);
    const mask = allocate(g.dtype, a.size);
    const x = a.data;
    const m = out.data;
    for (let i = 0; i < x.length; i++) {
      const o = map[i]!;
      if (taken[o]) continue;
      const v = x[i]!;
      const w = m[o]!;
      if (v === w || (Number.isNaN(v) && Number.isNaN(w))) {
        mask[i] = 1;
        taken[o] = 1;
      }
    }
    return [mul(expandTo(g.reshape(keep), a.shape), new Tensor(mask, a.shape, g.dtype))];
  });
}

/**
 * Maximum over `axis` (all axes when omitted); NaN propagates. The gradient goes to the first
 * occurrence of the maximum. Reducing an empty axis is an error.
 */
export function max(a: Tensor, axis?: Axes, keepDims = false): Tensor {
  return extremum("max", a, axis, keepDims);
}

/**
 * Minimum over `axis` (all axes when omitted); NaN propagates. The gradient goes to the first
 * occurrence of the minimum. Reducing an empty axis is an error.
 */
export function min(a: Tensor, axis?: Axes, keepDims = false): Tensor {
  return extremum("min", a, axis, keepDims);
}

// ---------------------------------------------------------------------------------------------
// argmax / argmin

function argExtremum(op: "argmax" | "argmin", a: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  checkTensor(op, a);
  const isMax = op === "argmax";
  let outer: number;
  let n: number;
  let inner: number;
  let shape: number[];
  if (axis === undefined || axis === null) {
    outer = 1;
    n = a.size;
    inner = 1;
    shape = keepDims ? a.shape.map(() => 1) : [];
  } else {
    if (typeof axis !== "number") opError(op, "axis", "a single integer axis or undefined", String(axis));
    const ax = normAxis(op, axis, Math.max(a.ndim, 1));
    const s = a.ndim === 0 ? [1] : a.shape;
    outer = shapeSize(s.slice(0, ax));
    n = s[ax]!;
    inner = shapeSize(s.slice(ax + 1));
    shape = a.ndim === 0 ? [] : finishShape(a, [ax], keepDims);
  }
  if (n === 0) opError(op, "a", "a non-empty reduction", `shape ${fmtShape(a.shape)}`);
  const out = new Int32Array(outer * inner);
  const d = a.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let best = d[base]!;
      let bi = 0;
      if (!Number.isNaN(best)) {
        for (let k = 1; k < n; k++) {
          const v = d[base + k * inner]!;
          if (Number.isNaN(v)) {
            bi = k;
            break;
          }
          if (isMax ? v > best : v < best) {
            best = v;
            bi = k;
          }
        }
      }
      out[o * inner + j] = bi;
    }
  }
  return new Tensor(out, shape, "int32");
}

/**
 * Index (int32) of the maximum along `axis`, or into the flattened tensor when `axis` is omitted.
 * Ties give the first occurrence; NaN counts as the maximum.
 */
export function argmax(a: Tensor, axis?: number, keepDims = false): Tensor {
  return argExtremum("argmax", a, axis, keepDims);
}

/**
 * Index (int32) of the minimum along `axis`, or into the flattened tensor when `axis` is omitted.
 * Ties give the first occurrence; NaN counts as the minimum.
 */
export function argmin(a: Tensor, axis?: number, keepDims = false): Tensor {
  return argExtremum("argmin", a, axis, keepDims);
}

// ---------------------------------------------------------------------------------------------
// logsumexp / variance / std / norm

/** `log(sum(exp(a)))` over `axis`, computed stably (shifted by the maximum). */
export function logsumexp(a: Tensor, axis?: Axes, keepDims = false): Tensor {
  checkTensor("logsumexp", a);
  const x = asFloat(a);
  const axes = normAxes("logsumexp", axis, x.ndim);
  const keep = keepShapeOf(x.shape, axes);
  const md = reduceAxes("max", x.data as FloatArray, x.shape, axes);
  for (let i = 0; i < md.length; i++) if (!Number.isFinite(md[i]!)) md[i] = 0;
  const m = new Tensor(md, keep, x.dtype);
  const out = add(log(sum(exp(sub(x, m)), axes, true)), m);
  return keepDims ? out : out.reshape(dropAxes(x.shape, axes));
}

/** Options of {@link variance} and {@link std}. */
export interface VarianceOptions {
  /** Keep reduced axes with size 1 (default false). */
  keepDims?: boolean;
  /** Subtracted from the count in the denominator: 1 = unbiased (default, like PyTorch), 0 = population. */
  correction?: number;
}

/**
 * Variance over `axis` (all axes when omitted): `sum((a − mean)²) / max(0, N − correction)`.
 * As a method, `a.var(axis, opts)`.
 */
export function variance(a: Tensor, axis?: Axes, opts: VarianceOptions = {}): Tensor {
  checkTensor("variance", a);
  const correction = opts.correction ?? 1;
  if (typeof correction !== "number" || !Number.isFinite(correction))
    opError("variance", "correction", "a finite number", String(correction));
  const x = asFloat(a);
  const axes = normAxes("variance", axis, x.ndim);
  const n = reducedCount(x.shape, axes);
  const d = sub(x, mean(x, axes, true));
  return div(sum(mul(d, d), axes, opts.keepDims ?? false), Math.max(0, n - correction));
}

/** Standard deviation: `sqrt(variance(a, axis, opts))`. */
export function std(a: Tensor, axis?: Axes, opts: VarianceOptions = {}): Tensor {
  return sqrt(variance(a, axis, opts));
}

/**
 * Vector p-norm over `axis` (all axes when omitted): p = 2 (default; gradient 0 where the norm is
 * 0), 1, Infinity, -Infinity, 0 (count of non-zeros, no gradient), or any other real p.
 * `'fro'` is accepted as p = 2.
 */
export function norm(a: Tensor, p: number | "fro" = 2, axis?: Axes, keepDims = false): Tensor {
  checkTensor("norm", a);
  if (p === "fro") p = 2;
  if (typeof p !== "number" || Number.isNaN(p)) opError("norm", "p", "a number or 'fro'", String(p));
  const x = asFloat(a);
  const axes = normAxes("norm", axis, x.ndim);
  if (p === 1) return sum(abs(x), axes, keepDims);
  if (p === Number.POSITIVE_INFINITY) return max(abs(x), axes, keepDims);
  if (p === Number.NEGATIVE_INFINITY) return min(abs(x), axes, keepDims);
  if (p === 0) return sum(ne(x, 0), axes, keepDims).cast(x.dtype);
  if (p !== 2) return pow(sum(pow(abs(x), p), axes, keepDims), 1 / p);
  const xd = x.data as FloatArray;
  const sq = (xd instanceof Float64Array ? new Float64Array(xd.length) : new Float32Array(xd.length)) as FloatArray;
  for (let i = 0; i < xd.length; i++) sq[i] = xd[i]! * xd[i]!;
  const r = reduceAxes("sum", sq, x.shape, axes);
  for (let i = 0; i < r.length; i++) r[i] = Math.sqrt(r[i]!);
  const out = new Tensor(r, finishShape(x, axes, keepDims), x.dtype);
  const keep = keepShapeOf(x.shape, axes);
  return record("norm", [x], out, (g) => {
    const safe = allocate(x.dtype, r.length);
    for (let i = 0; i < r.length; i++) safe[i] = r[i] === 0 ? Number.POSITIVE_INFINITY : r[i]!;
    return [mul(expandTo(g.reshape(keep), x.shape), div(x, new Tensor(safe, keep, x.dtype)))];
  });
}

// ---------------------------------------------------------------------------------------------
// softmax / logSoftmax

/** Copies [outer, n, inner] into [outer, inner, n] (or back when `back`), into `into` when given. */
function moveAxisLast(
  src: FloatArray,
  outer: number,
  n: number,
  inner: number,
  back: boolean,
  into?: FloatArray,
): FloatArray {
  const dst =
    into ?? ((src instanceof Float64Array ? new Float64Array(src.length) : new Float32Array(src.length)) as FloatArray);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < inner; j++) {
        const p = base + k * inner + j;
        const q = base + j * n + k;
        if (back) dst[p] = src[q]!;
        else dst[q] = src[p]!;
      }
    }
  }
  return dst;
}

function softmaxImpl(op: "softmax" | "logSoftmax", a: Tensor, axis: number, opts: OutOption | undefined): Tensor {
  checkTensor(op, a);
  const x = asFloat(a);
  const ax = normAxis(op, axis, Math.max(x.ndim, 1));
  const s = x.ndim === 0 ? [1] : x.shape;
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= s[i]!;
  const n = s[ax]!;
  let inner = 1;
  for (let i = ax + 1; i < s.length; i++) inner *= s[i]!;
  const isLog = op === "logSoftmax";
  const into = takeOut(op, opts, x.shape, x.dtype, { a });
  let data: FloatArray;
  if (inner === 1) {
    data = (into?.data as FloatArray | undefined) ?? allocateEmpty(x.dtype as FloatDType, x.size);
    softmaxRows(x.data as FloatArray, outer, n, data, isLog);
  } else {
    const t = moveAxisLast(x.data as FloatArray, outer, n, inner, false);
    const r = (x.dtype === "float64" ? new Float64Array(x.size) : new Float32Array(x.size)) as FloatArray;
    softmaxRows(t, outer * inner, n, r, isLog);
    data = moveAxisLast(r, outer, n, inner, true, into?.data as FloatArray | undefined);
  }
  if (into !== null) return wrote(into);
  const out = new Tensor(data, x.shape, x.dtype);
  const gax = x.ndim === 0 ? undefined : ax;
  if (isLog) return record(op, [x], out, (g) => [sub(g, mul(exp(out), sum(g, gax, true)))]);
  return record(op, [x], out, (g) => [mul(out, sub(g, sum(mul(g, out), gax, true)))]);
}

/**
 * Softmax along `axis` (default last), computed stably. With `opts.out` the result is written into that
 * tensor and returned, as PyTorch's `out=` (see {@link OutOption}: the result's shape and dtype, no
 * memory shared with `a`, no gradient recorded).
 */
export function softmax(a: Tensor, axis = -1, opts?: OutOption): Tensor {
  return softmaxImpl("softmax", a, axis, opts);
}

/**
 * Log-softmax along `axis` (default last), computed stably. With `opts.out` the result is written into
 * that tensor and returned (see {@link softmax}).
 */
export function logSoftmax(a: Tensor, axis = -1, opts?: OutOption): Tensor {
  return softmaxImpl("logSoftmax", a, axis, opts);
}

// ---------------------------------------------------------------------------------------------
// methods

declare module "../tensor.js" {
  interface Tensor {
    /** See {@link sum}. */
    sum(axis?: Axes, keepDims?: boolean): Tensor;
    /** See {@link mean}. */
    mean(axis?: Axes, keepDims?: boolean): Tensor;
    /** See {@link prod}. */
    prod(axis?: Axes, keepDims?: boolean): Tensor;
    /** See {@link max}. */
    max(axis?: Axes, keepDims?: boolean): Tensor;
    /** See {@link min}. */
    min(axis?: Axes, keepDims?: boolean): Tensor;
    /** See {@link argmax}. */
    argmax(axis?: number, keepDims?: boolean): Tensor;
    /** See {@link argmin}. */
    argmin(axis?: number, keepDims?: boolean): Tensor;
    /** See {@link logsumexp}. */
    logsumexp(axis?: Axes, keepDims?: boolean): Tensor;
    /** Variance; see {@link variance}. */
    var(axis?: Axes, opts?: VarianceOptions): Tensor;
    /** See {@link variance}. */
    variance(axis?: Axes, opts?: VarianceOptions): Tensor;
    /** See {@link std}. */
    std(axis?: Axes, opts?: VarianceOptions): Tensor;
    /** See {@link norm}. */
    norm(p?: number | "fro", axis?: Axes, keepDims?: boolean): Tensor;
    /** See {@link softmax}. */
    softmax(axis?: number, opts?: OutOption): Tensor;
    /** See {@link logSoftmax}. */
    logSoftmax(axis?: number, opts?: OutOption): Tensor;
  }
}

Tensor.prototype.sum = function (this: Tensor, axis?: Axes, keepDims?: boolean) {
  return sum(this, axis, keepDims);
};
Tensor.prototype.mean = function (this: Tensor, axis?: Axes, keepDims?: boolean) {
  return mean(this, axis, keepDims);
};
Tensor.prototype.prod = function (this: Tensor, axis?: Axes, keepDims?: boolean) {
  return prod(this, axis, keepDims);
};
Tensor.prototype.max = function (this: Tensor, axis?: Axes, keepDims?: boolean) {
  return max(this, axis, keepDims);
};
Tensor.prototype.min = function (this: Tensor, axis?: Axes, keepDims?: boolean) {
  return min(this, axis, keepDims);
};
Tensor.prototype.argmax = function (this: Tensor, axis?: number, keepDims?: boolean) {
  return argmax(this, axis, keepDims);
};
Tensor.prototype.argmin = function (this: Tensor, axis?: number, keepDims?: boolean) {
  return argmin(this, axis, keepDims);
};
Tensor.prototype.logsumexp = function (this: Tensor, axis?: Axes, keepDims?: boolean) {
  return logsumexp(this, axis, keepDims);
};
Tensor.prototype.var = function (this: Tensor, axis?: Axes, opts?: VarianceOptions) {
  return variance(this, axis, opts);
};
Tensor.prototype.variance = function (this: Tensor, axis?: Axes, opts?: VarianceOptions) {
  return variance(this, axis, opts);
};
Tensor.prototype.std = function (this: Tensor, axis?: Axes, opts?: VarianceOptions) {
  return std(this, axis, opts);
};
Tensor.prototype.norm = function (this: Tensor, p?: number | "fro", axis?: Axes, keepDims?: boolean) {
  return norm(this, p, axis, keepDims);
};
Tensor.prototype.softmax = function (this: Tensor, axis?: number, opts?: OutOption) {
  return softmax(this, axis, opts);
};
Tensor.prototype.logSoftmax = function (this: Tensor, axis?: number, opts?: OutOption) {
  return logSoftmax(this, axis, opts);
};
