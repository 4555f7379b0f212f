/**
 * Broadcasting (NumPy/PyTorch rules: align trailing axes; sizes must match or be 1) and its inverse:
 * {@link expandTo} copies a tensor up to a broadcast shape, {@link sumToShape} sums a broadcast
 * gradient back down to an input's shape. The two are each other's gradient, so every op that
 * broadcasts (elementwise, shape, reduce) folds its gradients here without importing another op family.
 */
import type { ReduceOpName } from "../kernels/ref/elementwise.js";
import type { FloatArray } from "../kernels/ref/linalg.js";
import { reduceAxis } from "../kernels/registry.js";
import { record } from "./autograd.js";
import { allocate, allocateEmpty, type FloatDType, isFloat, type TypedArray } from "./dtype.js";
import { fmtShape, opError } from "./errors.js";
import { type Shape, shapeSize, stridesOf, Tensor } from "./tensor.js";

/** The broadcast shape of `a` and `b`, or an error naming `op`. */
export function broadcastShapes(op: string, a: Shape, b: Shape, argA = "a", argB = "b"): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      opError(op, argB, `a shape broadcastable with '${argA}' ${fmtShape(a)}`, fmtShape(b));
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `inShape` viewed in the broadcast `outShape` (0 on broadcast axes). */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const s = stridesOf(inShape);
  const out = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - inShape.length;
  for (let i = 0; i < inShape.length; i++) out[off + i] = inShape[i] === 1 ? 0 : s[i]!;
  return out;
}

/** For each element of `outShape`, the flat index of the element of `inShape` broadcast onto it. */
export function broadcastIndexMap(inShape: Shape, outShape: Shape): Int32Array {
  const strides = broadcastStrides(inShape, outShape);
  let size = 1;
  for (const d of outShape) size *= d;
  const map = new Int32Array(size);
  const nd = outShape.length;
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let i = 0; i < size; i++) {
    map[i] = off;
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      off += strides[k]!;
      if (idx[k]! < outShape[k]!) break;
      off -= strides[k]! * outShape[k]!;
      idx[k] = 0;
    }
  }
  return map;
}

/** True when two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reduces float `data` of `shape` over sorted `axes` (runs of adjacent axes in one kernel call).
 * Returns new storage of the same type, shaped like `shape` with `axes` set to 1 (the
 * reductions of `ops/reduce.ts` and {@link sumToShape} share it).
 */
export function reduceAxes(op: ReduceOpName, data: FloatArray, shape: Shape, axes: readonly number[]): FloatArray {
  if (axes.length === 0) return data.slice();
  const runs: [number, number][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === a - 1) last[1] = a;
    else runs.push([a, a]);
  }
  const cur = [...shape];
  let buf = data;
  for (let r = runs.length - 1; r >= 0; r--) {
    const [s, e] = runs[r]!;
    let outer = 1;
    for (let i = 0; i < s; i++) outer *= cur[i]!;
    let n = 1;
    for (let i = s; i <= e; i++) n *= cur[i]!;
    let inner = 1;
    for (let i = e + 1; i < cur.length; i++) inner *= cur[i]!;
    const out = (
      buf instanceof Float64Array ? new Float64Array(outer * inner) : new Float32Array(outer * inner)
    ) as FloatArray;
    reduceAxis(op, buf, outer, n, inner, out);
    for (let i = s; i <= e; i++) cur[i] = 1;
    buf = out;
  }
  return buf;
}

/**
 * Copies `src` (shape `from`, broadcastable to `to`) into `out` (shape `to`), with contiguous
 * block copies and fills: adjacent axes of the same kind (broadcast or not) are merged first.
 */
function expandData(src: TypedArray, from: Shape, to: Shape, out: TypedArray): void {
  if (src.length === 1) {
    out.fill(src[0]!);
    return;
  }
  const off = to.length - from.length;
  const sizes: number[] = [];
  const bcast: boolean[] = [];
  for (let i = 0; i < to.length; i++) {
    const n = to[i]!;
    if (n === 1) continue;
    const b = (i < off ? 1 : from[i - off]!) === 1;
    const last = sizes.length - 1;
    if (last >= 0 && bcast[last] === b) sizes[last]! *= n;
    else {
      sizes.push(n);
      bcast.push(b);
    }
  }
  if (sizes.length === 0) {
    out.set(src.subarray(0, out.length));
    return;
  }
  const nl = sizes.length;
  const outStride = new Array<number>(nl);
  const srcStride = new Array<number>(nl);
  let so = 1;
  let ss = 1;
  for (let l = nl - 1; l >= 0; l--) {
    outStride[l] = so;
    srcStride[l] = bcast[l] ? 0 : ss;
    so *= sizes[l]!;
    if (!bcast[l]) ss *= sizes[l]!;
  }
  if (nl === 2 && !bcast[0] && bcast[1]) {
    // [n0, 1] → [n0, n1] (a per-row scalar over a row, e.g. a per-head sum over its channels)
    const n0 = sizes[0]!;
    const n1 = sizes[1]!;
    for (let i = 0; i < n0; i++) {
      const v = src[i]!;
      const o = i * n1;
      for (let k = 0; k < n1; k++) out[o + k] = v;
    }
    return;
  }
  const rec = (l: number, si: number, oi: number): void => {
    const n = sizes[l]!;
    if (l === nl - 1) {
      if (!bcast[l]) out.set(src.subarray(si, si + n), oi);
      else if (n > 16) out.fill(src[si]!, oi, oi + n);
      else {
        // short runs (a per-head scalar over its channels): a loop beats a call of fill per run
        const v = src[si]!;
        for (let k = 0; k < n; k++) out[oi + k] = v;
      }
      return;
    }
    const os = outStride[l]!;
    const st = srcStride[l]!;
    for (let k = 0; k < n; k++) rec(l + 1, si + k * st, oi + k * os);
  };
  rec(0, 0, 0);
}

/** Differentiable broadcast of `g` up to `shape` (its gradient is {@link sumToShape}); used by reduction gradients. */
export function expandTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  // expandData writes every element: no zero fill
  const n = shapeSize(shape);
  const out = isFloat(g.dtype) ? allocateEmpty(g.dtype as FloatDType, n) : allocate(g.dtype, n);
  expandData(g.data, g.shape, shape, out);
  const from = g.shape;
  return record("expand", [g], new Tensor(out, shape, g.dtype), (gg) => [sumToShape(gg, from)]);
}

/**
 * Sums `g` down to `shape`, undoing broadcasting: leading extra axes are summed away, and axes
 * where `shape` has size 1 are summed with keepDims. Used by the backward of broadcasting ops.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const bad = () => opError("sumToShape", "shape", `a shape that broadcasts to ${fmtShape(g.shape)}`, fmtShape(shape));
  if (lead < 0) bad();
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  for (let i = 0; i < shape.length; i++) {
    const d = g.shape[lead + i]!;
    if (shape[i] === d) continue;
    if (shape[i] === 1) axes.push(lead + i);
    else bad();
  }
  if (!isFloat(g.dtype)) {
    // integer and bool data sum in float64 to int32, as `sum` does
    const r = reduceAxes("sum", Float64Array.from(g.data), g.shape, axes);
    const out = allocate("int32", r.length);
    out.set(r);
    return new Tensor(out, shape, "int32");
  }
  const out = new Tensor(reduceAxes("sum", g.data as FloatArray, g.shape, axes), shape, g.dtype);
  const from = g.shape;
  return record("sumToShape", [g], out, (gg) => [expandTo(gg, from)]);
}
