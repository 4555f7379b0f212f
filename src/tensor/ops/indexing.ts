/**
 * Indexing ops: selecting, gathering and scattering along an axis (`indexSelect`, `gather`,
 * `scatterAdd`, `indexAdd`), masks (`maskedSelect`, `maskedFill`, `nonzero`), `oneHot`, and
 * ordering (`sort`, `argsort`, `topk`). Every index tensor is int32 and is bounds-checked here,
 * before any kernel runs. Gradients of selections are scatter-adds and vice versa.
 */
import type { FloatArray } from "../../kernels/ref/linalg.js";
import { gatherRows, scatterAddRows } from "../../kernels/registry.js";
import { freshGrad, record } from "../autograd.js";
import { broadcastIndexMap, broadcastShapes, sameShape } from "../broadcast.js";
import { allocate, allocateEmpty, type DType, isFloat, type TypedArray } from "../dtype.js";
import { fmtShape, normAxis, opError } from "../errors.js";
import { type Shape, shapeSize, stridesOf, Tensor } from "../tensor.js";
import { type OutOption, takeOut, wrote } from "./out.js";
import { int32View } from "./strided_copy.js";

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by scatter.ts and sparse.ts)
// ---------------------------------------------------------------------------------------------

/** The value range of an index tensor's storage as last scanned, and the storage and version it held then. */
interface IndexRange {
  data: Int32Array;
  version: number;
  min: number;
  max: number;
}

/** Index tensors at least this long keep their scanned range (shorter ones are rescanned: cheaper than the lookup). */
const RANGE_CACHE_MIN = 256;

/** Scanned ranges per index tensor (see {@link checkIndex}). */
const ranges = new WeakMap<Tensor, IndexRange>();

/**
 * Validates an index tensor: an int32 {@link Tensor} (of `ndim` axes when given) whose values all lie
 * in `[0, dimSize)`. Throws an error naming `op`, `arg`, the valid range and the first offending
 * value with its (flat) position. Returns the index storage.
 *
 * The scan is O(1) amortised: it records the minimum and maximum of the values on the tensor, with
 * the storage and {@link Tensor.version} it saw, and a later call on the same storage and version
 * compares `dimSize` with them instead of rescanning (the edge index of a graph is checked once per
 * training run, not once per op). Every in-place op of the library bumps `version`; code that writes
 * into an index tensor's `data` directly must bump it too (or build a new tensor) before the tensor
 * is used as an index again.
 */
export function checkIndex(op: string, arg: string, index: Tensor, dimSize: number, ndim?: number): Int32Array {
  if (!(index instanceof Tensor)) opError(op, arg, "an int32 Tensor", typeof index);
  if (index.dtype !== "int32") opError(op, arg, "dtype int32", index.dtype);
  if (ndim !== undefined && index.ndim !== ndim)
    opError(op, arg, `a ${ndim}-D tensor`, `shape ${fmtShape(index.shape)}`);
  const d = index.data as Int32Array;
  if (!indexInRange(index, dimSize)) {
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v < 0 || v >= dimSize) opError(op, arg, `values in [0, ${dimSize})`, `${v} at position ${i}`);
    }
  }
  return d;
}

/** The value range of a non-empty int32 tensor: the kept one when current, else a scan (kept when long). */
function rangeOf(index: Tensor): IndexRange {
  const d = index.data as Int32Array;
  const n = d.length;
  const long = n >= RANGE_CACHE_MIN;
  const kept = long ? ranges.get(index) : undefined;
  if (kept !== undefined && kept.data === d && kept.version === index.version) return kept;
  let lo = d[0]!;
  let hi = lo;
  for (let i = 1; i < n; i++) {
    const v = d[i]!;
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  const r = { data: d, version: index.version, min: lo, max: hi };
  if (long) ranges.set(index, r);
  return r;
}

/**
 * Whether every value of the int32 tensor `index` lies in `[0, dimSize)`: O(1) for a long tensor whose
 * range {@link checkIndex} has kept (same storage and version), else one scan. Callers that need their
 * own error message use it before a scan for the first offending value.
 */
export function indexInRange(index: Tensor, dimSize: number): boolean {
  if (index.size === 0) return true;
  const r = rangeOf(index);
  return r.min >= 0 && r.max < dimSize;
}

/** The largest value of an int32 index tensor (−1 when empty), from the range {@link checkIndex} keeps. */
export function indexMax(index: Tensor): number {
  return index.size === 0 ? -1 : rangeOf(index).max;
}

/** Sizes before, at and after `axis`: the tensor viewed as `[outer, n, inner]`. */
export function splitAxis(shape: Shape, axis: number): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, n: shape[axis] ?? 1, inner };
}

/**
 * Slices of at least this many elements (`idx.length·inner`) go through the row kernels one slice at a
 * time; smaller ones, where a kernel call per slice would cost more than its copy, in one loop here.
 */
const ROWS_KERNEL_MIN = 1024;

/**
 * out[o, j, :] = src[o, idx[j], :] for the view `[outer, n, inner]` of `src` and `[outer, k, inner]` of
 * `out` (k = idx.length). Indices must be checked already.
 */
export function gatherAlong(
  src: TypedArray,
  outer: number,
  n: number,
  inner: number,
  idx: Int32Array,
  out: TypedArray,
): void {
  const k = idx.length;
  if (src instanceof Uint8Array) {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < k; j++) {
        const s = (o * n + idx[j]!) * inner;
        out.set(src.subarray(s, s + inner), (o * k + j) * inner);
      }
    }
    return;
  }
  if (outer === 1) {
    gatherRows(src as FloatArray, idx, inner, out as FloatArray);
    return;
  }
  if (inner === 1 && k < ROWS_KERNEL_MIN) {
    if (src.BYTES_PER_ELEMENT === 4) gatherColumns32(int32View(src), outer, n, idx, int32View(out));
    else gatherColumns(src, outer, n, idx, out);
    return;
  }
  if (k * inner < ROWS_KERNEL_MIN) {
    for (let o = 0, so = 0, d = 0; o < outer; o++, so += n * inner) {
      for (let j = 0; j < k; j++, d += inner) {
        const s = so + idx[j]! * inner;
        for (let f = 0; f < inner; f++) out[d + f] = src[s + f]!;
      }
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const s = src.subarray(o * n * inner, (o + 1) * n * inner) as FloatArray;
    const d = out.subarray(o * k * inner, (o + 1) * k * inner) as FloatArray;
    gatherRows(s, idx, inner, d);
  }
}

/**
 * {@link gatherAlong} with `inner` = 1 (columns of a matrix, as R2Conv's factored filter selects
 * coefficients): `out[o·k + j] = src[o·n + idx[j]]`, one loop unrolled by four.
 */
function gatherColumns(src: TypedArray, outer: number, n: number, idx: Int32Array, out: TypedArray): void {
  const k = idx.length;
  const k4 = k - (k % 4);
  for (let o = 0, so = 0, d = 0; o < outer; o++, so += n) {
    let j = 0;
    for (; j < k4; j += 4, d += 4) {
      out[d] = src[so + idx[j]!]!;
      out[d + 1] = src[so + idx[j + 1]!]!;
      out[d + 2] = src[so + idx[j + 2]!]!;
      out[d + 3] = src[so + idx[j + 3]!]!;
    }
    for (; j < k; j++, d++) out[d] = src[so + idx[j]!]!;
  }
}

/**
 * {@link gatherColumns} for Int32Array views of 4-byte elements (float32 and int32 data): the same
 * code, a separate function, so that its element access sees one array type (V8 keeps type feedback
 * per function) and the bits move as integers.
 */
function gatherColumns32(src: Int32Array, outer: number, n: number, idx: Int32Array, out: Int32Array): void {
  const k = idx.length;
  const k4 = k - (k % 4);
  for (let o = 0, so = 0, d = 0; o < outer; o++, so += n) {
    let j = 0;
    for (; j < k4; j += 4, d += 4) {
      out[d] = src[so + idx[j]!]!;
      out[d + 1] = src[so + idx[j + 1]!]!;
      out[d + 2] = src[so + idx[j + 2]!]!;
      out[d + 3] = src[so + idx[j + 3]!]!;
    }
    for (; j < k; j++, d++) out[d] = src[so + idx[j]!]!;
  }
}

/**
 * {@link scatterAddAlong} with `inner` = 1 for float32 (the gradient of {@link gatherColumns}):
 * `out[o·m + idx[j]] += src[o·k + j]` in the order of the general loop (o, then j; unrolled by four),
 * so the same sums.
 */
function scatterAddColumns32(src: Float32Array, outer: number, m: number, idx: Int32Array, out: Float32Array): void {
  const k = idx.length;
  const k4 = k - (k % 4);
  for (let o = 0, so = 0, d = 0; o < outer; o++, so += m) {
    let j = 0;
    for (; j < k4; j += 4, d += 4) {
      out[so + idx[j]!]! += src[d]!;
      out[so + idx[j + 1]!]! += src[d + 1]!;
      out[so + idx[j + 2]!]! += src[d + 2]!;
      out[so + idx[j + 3]!]! += src[d + 3]!;
    }
    for (; j < k; j++, d++) out[so + idx[j]!]! += src[d]!;
  }
}

/**
 * out[o, idx[j], :] += src[o, j, :] for the view `[outer, k, inner]` of `src` and `[outer, m, inner]` of
 * `out` (k = idx.length). Indices must be checked already; `out` is not cleared.
 */
export function scatterAddAlong(
  src: TypedArray,
  outer: number,
  m: number,
  inner: number,
  idx: Int32Array,
  out: TypedArray,
): void {
  const k = idx.length;
  if ((src instanceof Float32Array || src instanceof Float64Array) && (outer === 1 || k * inner >= ROWS_KERNEL_MIN)) {
    if (outer === 1) {
      scatterAddRows(src, idx, inner, out as FloatArray);
      return;
    }
    for (let o = 0; o < outer; o++) {
      const s = src.subarray(o * k * inner, (o + 1) * k * inner) as FloatArray;
      const d = out.subarray(o * m * inner, (o + 1) * m * inner) as FloatArray;
      scatterAddRows(s, idx, inner, d);
    }
    return;
  }
  if (inner === 1 && src instanceof Float32Array) {
    scatterAddColumns32(src, outer, m, idx, out as Float32Array);
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const s = (o * k + j) * inner;
      const d = (o * m + idx[j]!) * inner;
      for (let f = 0; f < inner; f++) out[d + f]! += src[s + f]!;
    }
  }
}

/** An int32 tensor from an Int32Array (not copied). */
export function intTensor(data: Int32Array, shape?: Shape): Tensor {
  return new Tensor(data, shape ?? [data.length], "int32");
}

function zerosOf(shape: Shape, dtype: DType): Tensor {
  return new Tensor(allocate(dtype, shapeSize(shape)), shape, dtype);
}

/** x·c elementwise for a constant array `c` of the same size (recorded; gradient g·c). */
export function mulConst(x: Tensor, c: TypedArray): Tensor {
  const out = allocate(x.dtype, x.size);
  const a = x.data;
  for (let i = 0; i < out.length; i++) out[i] = a[i]! * c[i]!;
  const t = new Tensor(out, x.shape, x.dtype);
  return record("mulConst", [x], t, (g) => [mulConst(g, c)]);
}

/**
 * Sums the slices of `src` along `ax` into `m` groups given by the checked 1-D `index` (storage `idx`):
 * the shared core of scatter-sum and of the gradient of {@link indexSelect}. Recorded; its gradient
 * is {@link indexSelect}. With `into` (an `out` tensor {@link takeOut} has checked), it is cleared and
 * written, and nothing is recorded.
 * @internal
 */
export function scatterSumAlong(src: Tensor, ax: number, index: Tensor, m: number, into?: Tensor | null): Tensor {
  const { outer, inner } = splitAxis(src.shape, ax);
  const idx = index.data as Int32Array;
  if (into !== undefined && into !== null) {
    into.data.fill(0);
    scatterAddAlong(src.data, outer, m, inner, idx, into.data);
    return wrote(into);
  }
  const shape = [...src.shape];
  shape[ax] = m;
  const out = allocate(src.dtype, outer * m * inner);
  scatterAddAlong(src.data, outer, m, inner, idx, out);
  const t = new Tensor(out, shape, src.dtype);
  if (!isFloat(src.dtype)) return t;
  return record("scatterSum", [src], t, (g) => [freshGrad(indexSelect(g, ax, index))]);
}

/** x·alpha for a number (recorded). */
function scaleBy(x: Tensor, alpha: number): Tensor {
  if (alpha === 1) return x;
  const out = allocate(x.dtype, x.size);
  const a = x.data;
  for (let i = 0; i < out.length; i++) out[i] = a[i]! * alpha;
  const t = new Tensor(out, x.shape, x.dtype);
  return record("scale", [x], t, (g) => [scaleBy(g, alpha)]);
}

/**
 * Sums a gradient of the broadcast shape `from` back onto `shape` (the shape of the input that was
 * broadcast), using the broadcast index map.
 */
function reduceBroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const map = broadcastIndexMap(shape, g.shape);
  const out = allocate(g.dtype, shapeSize(shape));
  const gd = g.data;
  for (let i = 0; i < map.length; i++) out[map[i]!]! += gd[i]!;
  return new Tensor(out, shape, g.dtype);
}

function checkTensor(op: string, arg: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) opError(op, arg, "a Tensor", t === null ? "null" : typeof t);
}

function check1DIndex(op: string, index: Tensor, dimSize: number): Int32Array {
  checkTensor(op, "index", index);
  if (index.ndim > 1) opError(op, "index", "a 1-D (or 0-D) tensor", `shape ${fmtShape(index.shape)}`);
  return checkIndex(op, "index", index, dimSize);
}

// ---------------------------------------------------------------------------------------------
// indexSelect / indexAdd
// ---------------------------------------------------------------------------------------------

/**
 * Selects entries of `a` along `axis` at the positions in the 1-D int32 `index` (like
 * `torch.index_select`). The output has `index.size` entries along `axis`. Differentiable in `a`
 * (the gradient is a scatter-add). With `opts.out` the result is written into that tensor and
 * returned, as PyTorch's `out=` (see {@link OutOption}: same shape and dtype, no shared memory with `a`
 * or `index`, no gradient recorded).
 */
export function indexSelect(a: Tensor, axis: number, index: Tensor, opts?: OutOption): Tensor {
  checkTensor("indexSelect", "a", a);
  if (a.ndim === 0) opError("indexSelect", "a", "a tensor with at least one axis", "a 0-D tensor");
  const ax = normAxis("indexSelect", axis, a.ndim);
  const idx = check1DIndex("indexSelect", index, a.shape[ax]!);
  const { outer, n, inner } = splitAxis(a.shape, ax);
  const outShape = [...a.shape];
  outShape[ax] = idx.length;
  const into = takeOut("indexSelect", opts, outShape, a.dtype, { a, index });
  if (into !== null) {
    gatherAlong(a.data, outer, n, inner, idx, into.data);
    return wrote(into);
  }
  const size = outer * idx.length * inner;
  // every entry is written: float outputs need no zero fill
  const out = isFloat(a.dtype) ? allocateEmpty(a.dtype, size) : allocate(a.dtype, size);
  gatherAlong(a.data, outer, n, inner, idx, out);
  const t = new Tensor(out, outShape, a.dtype);
  if (!isFloat(a.dtype)) return t;
  const n0 = a.shape[ax]!;
  return record("indexSelect", [a], t, (g) => [scatterSumAlong(g, ax, index, n0)]);
}

/**
 * The rows of `a` (along axis 0) in the order `order`, a permutation of `[0, a.shape[0])`, with
 * `inverse` its inverse (`inverse[order[q]] = q`, which the caller keeps beside `order`): like
 * `indexSelect(a, 0, order)`, but the gradient is gathered back through `inverse` (each row receives
 * exactly one gradient row, bit for bit) instead of scatter-added. Both are checked as indices; that
 * they are inverse permutations is the caller's promise.
 */
export function reorderRows(a: Tensor, order: Tensor, inverse: Tensor): Tensor {
  checkTensor("reorderRows", "a", a);
  if (a.ndim === 0) opError("reorderRows", "a", "a tensor with at least one axis", "a 0-D tensor");
  const n = a.shape[0]!;
  for (const [arg, t] of [
    ["order", order],
    ["inverse", inverse],
  ] as const) {
    checkTensor("reorderRows", arg, t);
    if (t.ndim !== 1 || t.size !== n) opError("reorderRows", arg, `a 1-D tensor of length ${n}`, fmtShape(t.shape));
    checkIndex("reorderRows", arg, t, n);
  }
  const { inner } = splitAxis(a.shape, 0);
  const out = isFloat(a.dtype) ? allocateEmpty(a.dtype, a.size) : allocate(a.dtype, a.size);
  gatherAlong(a.data, 1, n, inner, order.data as Int32Array, out);
  const t = new Tensor(out, a.shape, a.dtype);
  if (!isFloat(a.dtype)) return t;
  return record("reorderRows", [a], t, (g) => [reorderRows(g, inverse, order)]);
}

/**
 * `a` with `alpha · src` added at the positions `index` along `axis` (like `torch.index_add`):
 * `out[..., index[j], ...] += alpha · src[..., j, ...]`. Repeated indices accumulate. `src` has the
 * shape of `a` with `index.size` entries along `axis` and the dtype of `a`. Differentiable in `a` and `src`.
 */
export function indexAdd(a: Tensor, axis: number, index: Tensor, src: Tensor, alpha = 1): Tensor {
  checkTensor("indexAdd", "a", a);
  checkTensor("indexAdd", "src", src);
  if (a.ndim === 0) opError("indexAdd", "a", "a tensor with at least one axis", "a 0-D tensor");
  if (a.dtype === "bool") opError("indexAdd", "a", "dtype float32, float64 or int32", a.dtype);
  const ax = normAxis("indexAdd", axis, a.ndim);
  const idx = check1DIndex("indexAdd", index, a.shape[ax]!);
  if (src.dtype !== a.dtype) opError("indexAdd", "src", `dtype ${a.dtype} (the dtype of 'a')`, src.dtype);
  const want = [...a.shape];
  want[ax] = idx.length;
  if (!sameShape(src.shape, want)) opError("indexAdd", "src", `shape ${fmtShape(want)}`, fmtShape(src.shape));
  const { outer, n, inner } = splitAxis(a.shape, ax);
  const out = a.data.slice() as TypedArray;
  let s = src.data;
  if (alpha !== 1) {
    s = allocate(src.dtype, src.size);
    for (let i = 0; i < s.length; i++) s[i] = src.data[i]! * alpha;
  }
  scatterAddAlong(s, outer, n, inner, idx, out);
  const t = new Tensor(out, a.shape, a.dtype);
  if (!isFloat(a.dtype)) return t;
  return record("indexAdd", [a, src], t, (g) => [
    g,
    src.requiresGrad ? scaleBy(indexSelect(g, ax, index), alpha) : null,
  ]);
}

// ---------------------------------------------------------------------------------------------
// gather / scatterAdd (torch semantics: index has the rank of the data)
// ---------------------------------------------------------------------------------------------

/**
 * For each position of `shape` (the index shape), the flat offset into a tensor of shape `dataShape`
 * with the `axis` coordinate dropped (set to 0; pass -1 to keep every coordinate).
 */
function baseOffsets(shape: Shape, dataShape: Shape, axis: number): Int32Array {
  const strides = stridesOf(dataShape);
  if (axis >= 0) strides[axis] = 0;
  const size = shapeSize(shape);
  const out = new Int32Array(size);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let i = 0; i < size; i++) {
    out[i] = off;
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      off += strides[k]!;
      if (idx[k]! < shape[k]!) break;
      off -= strides[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return out;
}

function checkAlongIndex(
  op: string,
  a: Shape,
  axis: number,
  index: Tensor,
  indexArg: string,
  bigger: "data" | "index",
): void {
  checkTensor(op, indexArg, index);
  if (index.ndim !== a.length) {
    opError(op, indexArg, `${a.length} axes (like the data, shape ${fmtShape(a)})`, `shape ${fmtShape(index.shape)}`);
  }
  for (let d = 0; d < a.length; d++) {
    if (d === axis) continue;
    if (index.shape[d]! > a[d]!) {
      opError(
        op,
        indexArg,
        `size <= ${a[d]} on axis ${d} (${bigger} shape ${fmtShape(a)})`,
        `shape ${fmtShape(index.shape)}`,
      );
    }
  }
}

/**
 * Gathers values along `axis` (like `torch.gather`): for a 3-D tensor and axis 1,
 * `out[i][j][k] = a[i][index[i][j][k]][k]`. `index` is int32 with the rank of `a` and sizes no larger
 * than those of `a` on the other axes; the output has the shape of `index`. Differentiable in `a`.
 * With `opts.out` the result is written into that tensor and returned (see {@link OutOption}).
 */
export function gather(a: Tensor, axis: number, index: Tensor, opts?: OutOption): Tensor {
  checkTensor("gather", "a", a);
  const ax = normAxis("gather", axis, a.ndim);
  if (a.ndim === 0) {
    checkIndex("gather", "index", index, 1);
    const into = takeOut("gather", opts, index.shape, a.dtype, { a, index });
    const r = indexSelect(a.reshape([1]), 0, index.reshape([-1]));
    if (into === null) return r.reshape(index.shape);
    into.data.set(r.data);
    return wrote(into);
  }
  checkAlongIndex("gather", a.shape, ax, index, "index", "data");
  const idx = checkIndex("gather", "index", index, a.shape[ax]!);
  const into = takeOut("gather", opts, index.shape, a.dtype, { a, index });
  const base = baseOffsets(index.shape, a.shape, ax);
  const stride = stridesOf(a.shape)[ax]!;
  const out = into === null ? allocate(a.dtype, idx.length) : into.data;
  const ad = a.data;
  for (let i = 0; i < idx.length; i++) out[i] = ad[base[i]! + idx[i]! * stride]!;
  if (into !== null) return wrote(into);
  const t = new Tensor(out, index.shape, a.dtype);
  if (!isFloat(a.dtype)) return t;
  const aShape = a.shape;
  return record("gather", [a], t, (g) => [scatterAdd(zerosOf(aShape, g.dtype), ax, index, g)]);
}

/**
 * Adds `src` into a copy of `a` at the positions given by `index` along `axis` (like
 * `torch.scatter_add`): for axis 1, `out[i][index[i][j][k]][k] += src[i][j][k]`. `index` is int32 with the
 * shape of `src` (or smaller: only its extent is used), the rank of `a`, and no larger than `a` on the
 * other axes. Differentiable in `a` and `src` (the gradient of `src` is a {@link gather}).
 * For PyG-style scatter with a 1-D index see `scatter`. With `opts.out` the result (a copy of `a` with
 * `src` added) is written into that tensor and returned (see {@link OutOption}).
 */
export function scatterAdd(a: Tensor, axis: number, index: Tensor, src: Tensor, opts?: OutOption): Tensor {
  checkTensor("scatterAdd", "a", a);
  checkTensor("scatterAdd", "src", src);
  if (a.dtype === "bool") opError("scatterAdd", "a", "dtype float32, float64 or int32", a.dtype);
  if (src.dtype !== a.dtype) opError("scatterAdd", "src", `dtype ${a.dtype} (the dtype of 'a')`, src.dtype);
  if (a.ndim === 0) opError("scatterAdd", "a", "a tensor with at least one axis", "a 0-D tensor");
  const ax = normAxis("scatterAdd", axis, a.ndim);
  checkAlongIndex("scatterAdd", a.shape, ax, index, "index", "data");
  if (src.ndim !== index.ndim || index.shape.some((d, k) => d > src.shape[k]!)) {
    opError(
      "scatterAdd",
      "index",
      `a shape no larger than 'src' ${fmtShape(src.shape)} on every axis`,
      fmtShape(index.shape),
    );
  }
  const idx = checkIndex("scatterAdd", "index", index, a.shape[ax]!);
  const into = takeOut("scatterAdd", opts, a.shape, a.dtype, { a, index, src });
  const base = baseOffsets(index.shape, a.shape, ax);
  const srcOff = sameShape(index.shape, src.shape) ? null : baseOffsets(index.shape, src.shape, -1);
  const stride = stridesOf(a.shape)[ax]!;
  let out: TypedArray;
  if (into === null) out = a.data.slice() as TypedArray;
  else {
    out = into.data;
    out.set(a.data);
  }
  const sd = src.data;
  for (let i = 0; i < idx.length; i++) out[base[i]! + idx[i]! * stride]! += sd[srcOff === null ? i : srcOff[i]!]!;
  if (into !== null) return wrote(into);
  const t = new Tensor(out, a.shape, a.dtype);
  if (!isFloat(a.dtype)) return t;
  const srcShape = src.shape;
  return record("scatterAdd", [a, src], t, (g) => {
    if (!src.requiresGrad) return [g, null];
    const gs = gather(g, ax, index);
    if (srcOff === null) return [g, gs];
    const full = allocate(g.dtype, shapeSize(srcShape));
    for (let i = 0; i < srcOff.length; i++) full[srcOff[i]!] = gs.data[i]!;
    return [g, new Tensor(full, srcShape, g.dtype)];
  });
}

// ---------------------------------------------------------------------------------------------
// oneHot
// ---------------------------------------------------------------------------------------------

/**
 * One-hot encoding of an int32 tensor of class indices: the output has shape `[...index.shape,
 * numClasses]` (like `torch.nn.functional.one_hot`). `numClasses = -1` uses `max(index) + 1`.
 * The dtype is int32 unless given (e.g. `'float32'` for use as targets).
 */
export function oneHot(index: Tensor, numClasses = -1, dtype: DType = "int32"): Tensor {
  checkTensor("oneHot", "index", index);
  if (index.dtype !== "int32") opError("oneHot", "index", "dtype int32", index.dtype);
  const d = index.data as Int32Array;
  let c = numClasses;
  if (c === -1) {
    c = 0;
    for (let i = 0; i < d.length; i++) if (d[i]! + 1 > c) c = d[i]! + 1;
  } else if (!Number.isInteger(c) || c < 0) {
    opError("oneHot", "numClasses", "a non-negative integer or -1", String(numClasses));
  }
  checkIndex("oneHot", "index", index, c);
  const out = allocate(dtype, d.length * c);
  for (let i = 0; i < d.length; i++) out[i * c + d[i]!] = 1;
  return new Tensor(out, [...index.shape, c], dtype);
}

// ---------------------------------------------------------------------------------------------
// Masks
// ---------------------------------------------------------------------------------------------

function checkMask(op: string, mask: Tensor): void {
  checkTensor(op, "mask", mask);
  if (mask.dtype !== "bool") opError(op, "mask", "dtype bool", mask.dtype);
}

/**
 * The entries of `a` where the bool `mask` is true, as a 1-D tensor in row-major order (like
 * `torch.masked_select`). `a` and `mask` broadcast together. Differentiable in `a`.
 */
export function maskedSelect(a: Tensor, mask: Tensor): Tensor {
  checkTensor("maskedSelect", "a", a);
  checkMask("maskedSelect", mask);
  const shape = broadcastShapes("maskedSelect", a.shape, mask.shape, "a", "mask");
  const mMap = sameShape(mask.shape, shape) ? null : broadcastIndexMap(mask.shape, shape);
  const aMap = sameShape(a.shape, shape) ? null : broadcastIndexMap(a.shape, shape);
  const md = mask.data;
  const size = shapeSize(shape);
  let count = 0;
  for (let i = 0; i < size; i++) if (md[mMap === null ? i : mMap[i]!]) count++;
  const pos = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < size; i++) if (md[mMap === null ? i : mMap[i]!]) pos[k++] = aMap === null ? i : aMap[i]!;
  return indexSelect(a.reshape([a.size]), 0, intTensor(pos));
}

/**
 * `a` with the entries where the bool `mask` is true replaced by `value` (like `torch.masked_fill`).
 * `mask` broadcasts with `a`; `value` is a number or a one-element tensor. Differentiable in `a` and in
 * a tensor `value` (which receives the sum of the gradient over the filled entries).
 */
export function maskedFill(a: Tensor, mask: Tensor, value: Tensor | number): Tensor {
  checkTensor("maskedFill", "a", a);
  checkMask("maskedFill", mask);
  let v: number;
  if (value instanceof Tensor) {
    if (value.size !== 1)
      opError("maskedFill", "value", "a number or a one-element tensor", `shape ${fmtShape(value.shape)}`);
    v = value.data[0]!;
  } else if (typeof value === "number") {
    v = value;
  } else {
    opError("maskedFill", "value", "a number or a one-element tensor", typeof value);
  }
  const shape = broadcastShapes("maskedFill", a.shape, mask.shape, "a", "mask");
  const mMap = sameShape(mask.shape, shape) ? null : broadcastIndexMap(mask.shape, shape);
  const aMap = sameShape(a.shape, shape) ? null : broadcastIndexMap(a.shape, shape);
  const size = shapeSize(shape);
  const out = allocate(a.dtype, size);
  const ad = a.data;
  const md = mask.data;
  const fill = a.dtype === "int32" ? Math.trunc(v) : a.dtype === "bool" ? (v !== 0 ? 1 : 0) : v;
  for (let i = 0; i < size; i++) out[i] = md[mMap === null ? i : mMap[i]!] ? fill : ad[aMap === null ? i : aMap[i]!]!;
  const t = new Tensor(out, shape, a.dtype);
  if (!isFloat(a.dtype)) return t;
  const inputs = value instanceof Tensor ? [a, value] : [a];
  const aShape = a.shape;
  return record("maskedFill", inputs, t, (g) => {
    const ga = a.requiresGrad ? reduceBroadcast(maskedFill(g, mask, 0), aShape) : null;
    if (!(value instanceof Tensor) || !value.requiresGrad) return [ga, null];
    let s = 0;
    const gd = g.data;
    for (let i = 0; i < size; i++) if (md[mMap === null ? i : mMap[i]!]) s += gd[i]!;
    const gv = allocate(value.dtype, 1);
    gv[0] = s;
    return [ga, new Tensor(gv, value.shape, value.dtype)];
  });
}

/**
 * The coordinates of the non-zero (true) entries of `a`, as an int32 tensor of shape `[count, ndim]`
 * in row-major order (like `torch.nonzero`).
 */
export function nonzero(a: Tensor): Tensor {
  checkTensor("nonzero", "a", a);
  const d = a.data;
  const nd = a.ndim;
  let count = 0;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) count++;
  const out = new Int32Array(count * nd);
  const strides = a.strides;
  let k = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i] === 0) continue;
    let r = i;
    for (let j = 0; j < nd; j++) {
      out[k * nd + j] = Math.floor(r / strides[j]!);
      r %= strides[j]!;
    }
    k++;
  }
  return new Tensor(out, [count, nd], "int32");
}

// ---------------------------------------------------------------------------------------------
// Ordering: sort / argsort / topk
// ---------------------------------------------------------------------------------------------

/** Result of {@link sort} and {@link topk}. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/**
 * For each line along `axis`, the (stable) order of its entries, truncated to the first `k`.
 * NaN counts as larger than every number (last ascending, first descending), as in PyTorch.
 */
function orderAlong(a: Tensor, ax: number, descending: boolean, k: number): Tensor {
  const { outer, n, inner } = splitAxis(a.shape, ax);
  const out = new Int32Array(outer * k * inner);
  const line = new Float64Array(n);
  const order: number[] = new Array(n);
  const d = a.data;
  const cmp = descending
    ? (i: number, j: number): number => {
        const x = line[i]!;
        const y = line[j]!;
        if (x > y) return -1;
        if (x < y) return 1;
        const xn = Number.isNaN(x);
        const yn = Number.isNaN(y);
        if (xn !== yn) return xn ? -1 : 1;
        return i - j;
      }
    : (i: number, j: number): number => {
        const x = line[i]!;
        const y = line[j]!;
        if (x < y) return -1;
        if (x > y) return 1;
        const xn = Number.isNaN(x);
        const yn = Number.isNaN(y);
        if (xn !== yn) return xn ? 1 : -1;
        return i - j;
      };
  for (let o = 0; o < outer; o++) {
    for (let f = 0; f < inner; f++) {
      const base = o * n * inner + f;
      for (let i = 0; i < n; i++) {
        line[i] = d[base + i * inner]!;
        order[i] = i;
      }
      order.sort(cmp);
      const ob = o * k * inner + f;
      for (let i = 0; i < k; i++) out[ob + i * inner] = order[i]!;
    }
  }
  const shape = [...a.shape];
  shape[ax] = k;
  return new Tensor(out, shape, "int32");
}

function orderedAxis(op: string, a: Tensor, axis: number): number {
  checkTensor(op, "a", a);
  if (a.ndim === 0) opError(op, "a", "a tensor with at least one axis", "a 0-D tensor");
  return normAxis(op, axis, a.ndim);
}

/**
 * Sorts `a` along `axis` (stable: equal entries keep their order), ascending unless `descending`.
 * Returns the sorted values and their int32 positions in `a` (like `torch.sort(stable=True)`).
 * The values are differentiable in `a`.
 */
export function sort(a: Tensor, axis = -1, descending = false): ValuesIndices {
  const ax = orderedAxis("sort", a, axis);
  const indices = orderAlong(a, ax, descending, a.shape[ax]!);
  return { values: gather(a, ax, indices), indices };
}

/** The int32 positions that sort `a` along `axis` (stable), like `torch.argsort(stable=True)`. */
export function argsort(a: Tensor, axis = -1, descending = false): Tensor {
  const ax = orderedAxis("argsort", a, axis);
  return orderAlong(a, ax, descending, a.shape[ax]!);
}

/**
 * The `k` largest (or, with `largest = false`, smallest) entries along `axis`, in sorted order, with
 * their int32 positions (like `torch.topk`); ties keep the lower position first. The values are
 * differentiable in `a` (the gradient flows to the selected positions).
 */
export function topk(a: Tensor, k: number, axis = -1, largest = true): ValuesIndices {
  const ax = orderedAxis("topk", a, axis);
  const n = a.shape[ax]!;
  if (!Number.isInteger(k) || k < 0 || k > n)
    opError("topk", "k", `an integer in [0, ${n}] (size of axis ${ax})`, String(k));
  const indices = orderAlong(a, ax, largest, k);
  return { values: gather(a, ax, indices), indices };
}

// ---------------------------------------------------------------------------------------------
// Tensor methods
// ---------------------------------------------------------------------------------------------

declare module "../tensor.js" {
  interface Tensor {
    /** See {@link indexSelect}. */
    indexSelect(axis: number, index: Tensor, opts?: OutOption): Tensor;
    /** See {@link indexAdd}. */
    indexAdd(axis: number, index: Tensor, src: Tensor, alpha?: number): Tensor;
    /** See {@link gather}. */
    gather(axis: number, index: Tensor, opts?: OutOption): Tensor;
    /** See {@link scatterAdd}. */
    scatterAdd(axis: number, index: Tensor, src: Tensor, opts?: OutOption): Tensor;
    /** See {@link oneHot}. */
    oneHot(numClasses?: number, dtype?: DType): Tensor;
    /** See {@link maskedSelect}. */
    maskedSelect(mask: Tensor): Tensor;
    /** See {@link maskedFill}. */
    maskedFill(mask: Tensor, value: Tensor | number): Tensor;
    /** See {@link nonzero}. */
    nonzero(): Tensor;
    /** See {@link sort}. */
    sort(axis?: number, descending?: boolean): ValuesIndices;
    /** See {@link argsort}. */
    argsort(axis?: number, descending?: boolean): Tensor;
    /** See {@link topk}. */
    topk(k: number, axis?: number, largest?: boolean): ValuesIndices;
  }
}

Tensor.prototype.indexSelect = function (this: Tensor, axis: number, index: Tensor, opts?: OutOption) {
  return indexSelect(this, axis, index, opts);
};
Tensor.prototype.indexAdd = function (this: Tensor, axis: number, index: Tensor, src: Tensor, alpha?: number) {
  return indexAdd(this, axis, index, src, alpha);
};
Tensor.prototype.gather = function (this: Tensor, axis: number, index: Tensor, opts?: OutOption) {
  return gather(this, axis, index, opts);
};
Tensor.prototype.scatterAdd = function (this: Tensor, axis: number, index: Tensor, src: Tensor, opts?: OutOption) {
  return scatterAdd(this, axis, index, src, opts);
};
Tensor.prototype.oneHot = function (this: Tensor, numClasses?: number, dtype?: DType) {
  return oneHot(this, numClasses, dtype);
};
Tensor.prototype.maskedSelect = function (this: Tensor, mask: Tensor) {
  return maskedSelect(this, mask);
};
Tensor.prototype.maskedFill = function (this: Tensor, mask: Tensor, value: Tensor | number) {
  return maskedFill(this, mask, value);
};
Tensor.prototype.nonzero = function (this: Tensor) {
  return nonzero(this);
};
Tensor.prototype.sort = function (this: Tensor, axis?: number, descending?: boolean) {
  return sort(this, axis, descending);
};
Tensor.prototype.argsort = function (this: Tensor, axis?: number, descending?: boolean) {
  return argsort(this, axis, descending);
};
Tensor.prototype.topk = function (this: Tensor, k: number, axis?: number, largest?: boolean) {
  return topk(this, k, axis, largest);
};
