/**
 * Scatter and segment reductions, the message-aggregation step of graph neural networks
 * (torch_scatter / PyG semantics): `scatter(src, index, axis, dimSize, reduce)` reduces the slices of
 * `src` along `axis` into `dimSize` groups given by a 1-D int32 `index`; `segment(src, ptr, reduce)`
 * does the same for consecutive rows given by CSR pointers; `scatterSoftmax` and
 * `scatterLogsumexp` normalise within groups; {@link gatherMulScatter} is SchNet's continuous-filter
 * message passing in one pass. Empty groups give 0 for every reduction.
 */
import type { FloatArray } from "../../kernels/ref/linalg.js";
import {
  binary,
  gatherMulAddRows,
  gatherMulRows,
  gatherMulScatter as gatherMulScatterKernel,
  gatherRows,
  scatterAddRows,
  scatterMaxRows,
  segmentSumCsr,
  unary,
} from "../../kernels/registry.js";
import { noGrad, record } from "../autograd.js";
import { allocate, allocateEmpty, isFloat, type TypedArray } from "../dtype.js";
import { fmtShape, normAxis, opError } from "../errors.js";
import { type Shape, Tensor } from "../tensor.js";
import {
  checkIndex,
  indexInRange,
  indexMax,
  indexSelect,
  intTensor,
  mulConst,
  scatterSumAlong,
  splitAxis,
} from "./indexing.js";
import { type OutOption, takeOut, wrote } from "./out.js";

/** Reductions of {@link scatter}: `'add'` is an alias of `'sum'`. */
export type ScatterReduce = "sum" | "add" | "mean" | "max" | "min" | "mul";

/** Reductions of {@link segment}. */
export type SegmentReduce = "sum" | "add" | "mean" | "max" | "min";

const REDUCES: readonly string[] = ["sum", "add", "mean", "max", "min", "mul"];

interface ScatterPlan {
  ax: number;
  idx: Int32Array;
  dimSize: number;
  outer: number;
  n: number;
  inner: number;
  outShape: number[];
}

function plan(op: string, src: Tensor, index: Tensor, axis: number, dimSize: number | undefined): ScatterPlan {
  if (!(src instanceof Tensor)) opError(op, "src", "a Tensor", typeof src);
  if (src.ndim === 0) opError(op, "src", "a tensor with at least one axis", "a 0-D tensor");
  const ax = normAxis(op, axis, src.ndim);
  if (!(index instanceof Tensor)) opError(op, "index", "an int32 Tensor", typeof index);
  if (index.dtype !== "int32") opError(op, "index", "dtype int32", index.dtype);
  if (index.ndim !== 1 || index.size !== src.shape[ax]) {
    opError(
      op,
      "index",
      `a 1-D tensor of length ${src.shape[ax]} (size of 'src' axis ${ax})`,
      `shape ${fmtShape(index.shape)}`,
    );
  }
  let size: number;
  if (dimSize === undefined || dimSize === null) {
    size = Math.max(indexMax(index) + 1, 0);
  } else {
    if (!Number.isInteger(dimSize) || dimSize < 0) opError(op, "dimSize", "a non-negative integer", String(dimSize));
    size = dimSize;
  }
  const idx = checkIndex(op, "index", index, size);
  const { outer, n, inner } = splitAxis(src.shape, ax);
  const outShape = [...src.shape];
  outShape[ax] = size;
  return { ax, idx, dimSize: size, outer, n, inner, outShape };
}

/** Number of entries per group. */
function groupCounts(idx: Int32Array, dimSize: number): Int32Array {
  const c = new Int32Array(dimSize);
  for (let i = 0; i < idx.length; i++) c[idx[i]!]!++;
  return c;
}

/** x scaled per position along `ax` by `w[d]` (recorded; the gradient is scaled the same way). */
function scaleAlong(x: Tensor, ax: number, w: Float64Array): Tensor {
  const { outer, n, inner } = splitAxis(x.shape, ax);
  const out = allocate(x.dtype, x.size);
  const a = x.data;
  for (let o = 0; o < outer; o++) {
    for (let d = 0; d < n; d++) {
      const s = w[d]!;
      const b = (o * n + d) * inner;
      for (let f = 0; f < inner; f++) out[b + f] = a[b + f]! * s;
    }
  }
  const t = new Tensor(out, x.shape, x.dtype);
  return record("scaleAlong", [x], t, (g) => [scaleAlong(g, ax, w)]);
}

function scatterMaxMin(src: Tensor, index: Tensor, p: ScatterPlan, mode: "max" | "min"): Tensor {
  const { outer, n, inner, dimSize } = p;
  const out = allocate(src.dtype, outer * dimSize * inner) as FloatArray;
  out.fill(mode === "max" ? -Infinity : Infinity);
  const arg = new Int32Array(out.length);
  const sd = src.data as FloatArray;
  for (let o = 0; o < outer; o++) {
    const s = sd.subarray(o * n * inner, (o + 1) * n * inner) as FloatArray;
    const ob = o * dimSize * inner;
    scatterMaxRows(
      s,
      p.idx,
      inner,
      out.subarray(ob, ob + dimSize * inner) as FloatArray,
      arg.subarray(ob, ob + dimSize * inner),
      mode,
    );
  }
  const t = new Tensor(out, p.outShape, src.dtype);
  return record(mode === "max" ? "scatterMax" : "scatterMin", [src], t, (g) => {
    // Each source entry wins at most one output entry: the one of its own group.
    const win = allocate(g.dtype, src.size);
    for (let o = 0; o < outer; o++) {
      for (let d = 0; d < dimSize; d++) {
        const b = (o * dimSize + d) * inner;
        for (let f = 0; f < inner; f++) {
          const a = arg[b + f]!;
          if (a >= 0) win[(o * n + a) * inner + f] = 1;
        }
      }
    }
    return [mulConst(indexSelect(g, p.ax, index), win)];
  });
}

function scatterMul(src: Tensor, index: Tensor, p: ScatterPlan): Tensor {
  const { outer, n, inner, dimSize, idx } = p;
  const size = outer * dimSize * inner;
  const prodNz = new Float64Array(size).fill(1);
  const zeros = new Int32Array(size);
  const cnt = groupCounts(idx, dimSize);
  const sd = src.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const s = (o * n + i) * inner;
      const d = (o * dimSize + idx[i]!) * inner;
      for (let f = 0; f < inner; f++) {
        const v = sd[s + f]!;
        if (v === 0) zeros[d + f]!++;
        else prodNz[d + f]! *= v;
      }
    }
  }
  const out = allocate(src.dtype, size);
  for (let o = 0; o < outer; o++) {
    for (let d = 0; d < dimSize; d++) {
      if (cnt[d] === 0) continue;
      const b = (o * dimSize + d) * inner;
      for (let f = 0; f < inner; f++) out[b + f] = zeros[b + f]! > 0 ? 0 : prodNz[b + f]!;
    }
  }
  const t = new Tensor(out, p.outShape, src.dtype);
  return record("scatterMul", [src], t, (g) => {
    // d out / d src_i = product of the other members of the group (exact with zeros).
    const others = allocate(g.dtype, src.size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < n; i++) {
        const s = (o * n + i) * inner;
        const d = (o * dimSize + idx[i]!) * inner;
        for (let f = 0; f < inner; f++) {
          const v = sd[s + f]!;
          const z = zeros[d + f]!;
          if (z === 0) others[s + f] = prodNz[d + f]! / v;
          else if (z === 1 && v === 0) others[s + f] = prodNz[d + f]!;
        }
      }
    }
    return [mulConst(indexSelect(g, p.ax, index), others)];
  });
}

/**
 * Reduces the slices of `src` along `axis` into `dimSize` groups: slice `i` goes to group `index[i]`
 * (torch_scatter / PyG `scatter`). `index` is 1-D int32 of length `src.shape[axis]` with values in
 * `[0, dimSize)`; `dimSize` defaults to `max(index) + 1`. The output has the shape of `src` with
 * `dimSize` entries along `axis`. Reductions: `'sum'` (`'add'`), `'mean'`, `'max'`, `'min'`, `'mul'`;
 * empty groups give 0. Differentiable in `src`: max/min send the gradient to the winning entry only.
 * Integer `src` is reduced exactly (through float64) without gradients.
 *
 * With `opts.out` the result is written into that tensor and returned, as PyTorch's `out=` (see
 * {@link OutOption}: the result's shape and dtype, no memory shared with `src` or `index`, no gradient
 * recorded). `'sum'` (`'add'`) writes it directly, the other reductions compute it and copy it in.
 */
export function scatter(
  src: Tensor,
  index: Tensor,
  axis = 0,
  dimSize?: number,
  reduce: ScatterReduce = "sum",
  opts?: OutOption,
): Tensor {
  if (!REDUCES.includes(reduce))
    opError("scatter", "reduce", "one of 'sum', 'add', 'mean', 'max', 'min', 'mul'", String(reduce));
  const p = plan("scatter", src, index, axis, dimSize);
  const into = takeOut("scatter", opts, p.outShape, src.dtype, { src, index });
  if (into !== null) {
    if (isFloat(src.dtype) && (reduce === "sum" || reduce === "add"))
      return scatterSumAlong(src, p.ax, index, p.dimSize, into);
    into.data.set(scatter(src, index, p.ax, p.dimSize, reduce).data);
    return wrote(into);
  }
  if (!isFloat(src.dtype)) {
    if (src.dtype !== "int32") opError("scatter", "src", "dtype float32, float64 or int32", src.dtype);
    const r = noGrad(() => scatter(src.double(), index, p.ax, p.dimSize, reduce));
    if (reduce !== "mean") return r.cast("int32");
    const out = new Int32Array(r.size);
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(r.data[i]!);
    return new Tensor(out, r.shape, "int32");
  }
  switch (reduce) {
    case "sum":
    case "add":
      return scatterSumAlong(src, p.ax, index, p.dimSize);
    case "mean": {
      const cnt = groupCounts(p.idx, p.dimSize);
      const w = new Float64Array(p.dimSize);
      for (let d = 0; d < w.length; d++) w[d] = 1 / Math.max(cnt[d]!, 1);
      return scaleAlong(scatterSumAlong(src, p.ax, index, p.dimSize), p.ax, w);
    }
    case "max":
    case "min":
      return scatterMaxMin(src, index, p, reduce);
    case "mul":
      return scatterMul(src, index, p);
  }
}

// ---------------------------------------------------------------------------------------------
// segment (CSR pointers)
// ---------------------------------------------------------------------------------------------

/**
 * Validates CSR pointers for `rows` rows: 1-D int32, starting at 0, non-decreasing, ending at `rows`.
 * Returns the pointer storage.
 */
export function checkPtr(op: string, arg: string, ptr: Tensor, rows: number): Int32Array {
  if (!(ptr instanceof Tensor)) opError(op, arg, "an int32 Tensor", typeof ptr);
  if (ptr.dtype !== "int32") opError(op, arg, "dtype int32", ptr.dtype);
  if (ptr.ndim !== 1 || ptr.size < 1)
    opError(op, arg, "a 1-D tensor with at least one entry", `shape ${fmtShape(ptr.shape)}`);
  const d = ptr.data as Int32Array;
  if (d[0] !== 0) opError(op, arg, "to start at 0", `${d[0]} at position 0`);
  for (let i = 1; i < d.length; i++) {
    if (d[i]! < d[i - 1]!) opError(op, arg, "non-decreasing values", `${d[i]} after ${d[i - 1]} at position ${i}`);
  }
  if (d[d.length - 1] !== rows)
    opError(op, arg, `to end at ${rows} (the number of rows)`, `${d[d.length - 1]} at position ${d.length - 1}`);
  return d;
}

/** Expands CSR pointers to the group index of every row. */
export function ptrToIndex(ptr: Int32Array): Int32Array {
  const rows = ptr[ptr.length - 1] ?? 0;
  const out = new Int32Array(rows);
  for (let s = 0; s + 1 < ptr.length; s++) out.fill(s, ptr[s]!, ptr[s + 1]!);
  return out;
}

/**
 * Reduces consecutive rows (axis 0) of `src` into segments given by CSR pointers `ptr`: segment `s`
 * holds rows `ptr[s] .. ptr[s+1]-1` (like torch_scatter `segment_csr`). `ptr` is 1-D int32, starts at
 * 0, is non-decreasing and ends at `src.shape[0]`. The output has `ptr.size - 1` rows. Reductions:
 * `'sum'`, `'mean'`, `'max'`, `'min'`; empty segments give 0. Differentiable in `src`.
 */
export function segment(src: Tensor, ptr: Tensor, reduce: SegmentReduce = "sum"): Tensor {
  if (!(src instanceof Tensor)) opError("segment", "src", "a Tensor", typeof src);
  if (src.ndim === 0) opError("segment", "src", "a tensor with at least one axis", "a 0-D tensor");
  if (!["sum", "add", "mean", "max", "min"].includes(reduce)) {
    opError("segment", "reduce", "one of 'sum', 'add', 'mean', 'max', 'min'", String(reduce));
  }
  const p = checkPtr("segment", "ptr", ptr, src.shape[0]!);
  const S = p.length - 1;
  const index = intTensor(ptrToIndex(p));
  if ((reduce === "sum" || reduce === "add") && isFloat(src.dtype)) {
    let F = 1;
    for (let k = 1; k < src.ndim; k++) F *= src.shape[k]!;
    const outShape: Shape = [S, ...src.shape.slice(1)];
    const out = allocate(src.dtype, S * F) as FloatArray;
    segmentSumCsr(src.data as FloatArray, p, F, out);
    const t = new Tensor(out, outShape, src.dtype);
    return record("segmentSum", [src], t, (g) => [indexSelect(g, 0, index)]);
  }
  return scatter(src, index, 0, S, reduce);
}

// ---------------------------------------------------------------------------------------------
// Group softmax / logsumexp
// ---------------------------------------------------------------------------------------------

/** Per-group maxima along `ax` (0 for empty groups and groups whose maximum is not finite). */
function groupMax(src: Tensor, p: ScatterPlan): Float64Array {
  const { outer, n, inner, dimSize, idx } = p;
  const m = new Float64Array(outer * dimSize * inner).fill(-Infinity);
  const sd = src.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const s = (o * n + i) * inner;
      const d = (o * dimSize + idx[i]!) * inner;
      for (let f = 0; f < inner; f++) if (sd[s + f]! > m[d + f]!) m[d + f] = sd[s + f]!;
    }
  }
  for (let i = 0; i < m.length; i++) if (!Number.isFinite(m[i]!)) m[i] = 0;
  return m;
}

/** exp(src - max) per entry and the per-group sums of those. */
function groupExp(src: Tensor, p: ScatterPlan, m: Float64Array): { e: Float64Array; sum: Float64Array } {
  const { outer, n, inner, dimSize, idx } = p;
  const e = new Float64Array(src.size);
  const sum = new Float64Array(outer * dimSize * inner);
  const sd = src.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const s = (o * n + i) * inner;
      const d = (o * dimSize + idx[i]!) * inner;
      for (let f = 0; f < inner; f++) {
        const v = Math.exp(sd[s + f]! - m[d + f]!);
        e[s + f] = v;
        sum[d + f]! += v;
      }
    }
  }
  return { e, sum };
}

/**
 * The group softmax of float32 `src` along its first axis (outer = 1) into `out`, through the row
 * kernels: group maxima (scatter-max; 0 for empty groups and non-finite maxima, as {@link groupMax}),
 * src − max gathered, its exponential, the group sums (scatter-add in index order), then the quotient
 * (0 where a group's sum is 0). float32 throughout, as the kernels compute.
 */
function groupSoftmaxF32(src: Float32Array, p: ScatterPlan, out: Float32Array): void {
  const { n, inner: F, dimSize: D, idx } = p;
  const m = new Float32Array(D * F).fill(-Infinity);
  scatterMaxRows(src, idx, F, m, new Int32Array(D * F));
  for (let j = 0; j < m.length; j++) if (!Number.isFinite(m[j]!)) m[j] = 0;
  const e = allocateEmpty("float32", n * F) as Float32Array;
  gatherRows(m, idx, F, e);
  binary("sub", src, e, e, [n * F], [1], [1]);
  unary("exp", e, e);
  const z = new Float32Array(D * F);
  scatterAddRows(e, idx, F, z);
  for (let i = 0; i < n; i++) {
    const s = i * F;
    const d = idx[i]! * F;
    for (let f = 0; f < F; f++) {
      const zf = z[d + f]!;
      out[s + f] = zf > 0 ? e[s + f]! / zf : 0;
    }
  }
}

/** out[i] = e[i] / (its group's sum), 0 where that sum is 0: each entry's share of its group. */
function groupShares(e: Float64Array, sum: Float64Array, p: ScatterPlan, out: TypedArray): void {
  const { outer, n, inner, dimSize: D, idx } = p;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const s = (o * n + i) * inner;
      const d = (o * D + idx[i]!) * inner;
      for (let f = 0; f < inner; f++) {
        const z = sum[d + f]!;
        out[s + f] = z > 0 ? e[s + f]! / z : 0;
      }
    }
  }
}

function checkFloatSrc(op: string, src: Tensor): void {
  if (src instanceof Tensor && !isFloat(src.dtype)) opError(op, "src", "dtype float32 or float64", src.dtype);
}

/**
 * Softmax of `src` within the groups given by `index` along `axis` (PyG `utils.softmax`):
 * `out_i = exp(src_i - max_g) / Σ_{j in g} exp(src_j - max_g)` where `g = index[i]`. Numerically stable.
 * `index` is 1-D int32 of length `src.shape[axis]`; `dimSize` defaults to `max(index) + 1`.
 * The output has the shape of `src`. Differentiable in `src`. With `opts.out` the result is written
 * into that tensor and returned (see {@link OutOption}).
 */
export function scatterSoftmax(src: Tensor, index: Tensor, dimSize?: number, axis = 0, opts?: OutOption): Tensor {
  checkFloatSrc("scatterSoftmax", src);
  const p = plan("scatterSoftmax", src, index, axis, dimSize);
  const into = takeOut("scatterSoftmax", opts, src.shape, src.dtype, { src, index });
  const { outer, n, inner, dimSize: D, idx } = p;
  const out = into === null ? allocateEmpty(src.dtype as "float32" | "float64", src.size) : into.data;
  if (src.dtype === "float32" && outer === 1) {
    groupSoftmaxF32(src.data as Float32Array, p, out as Float32Array);
  } else {
    // float64 (and the other axes): exponentials and sums in float64, one rounding per output
    const { e, sum } = groupExp(src, p, groupMax(src, p));
    groupShares(e, sum, p, out);
  }
  if (into !== null) return wrote(into);
  const t = new Tensor(out, src.shape, src.dtype);
  return record("scatterSoftmax", [src], t, (g) => {
    // d src = y ⊙ (g − Σ_group (g ⊙ y)[index]), in two passes: the group sums of g ⊙ y (each product
    // rounded to the dtype, then summed in the dtype in index order, as a scatter-sum of the product
    // tensor would), then the result, computed in float64 and rounded once
    const gd = g.data;
    const acc = allocate(g.dtype, outer * D * inner);
    const f32 = g.dtype === "float32";
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < n; i++) {
        const s = (o * n + i) * inner;
        const d = (o * D + idx[i]!) * inner;
        for (let f = 0; f < inner; f++) {
          const gy = gd[s + f]! * out[s + f]!;
          acc[d + f]! += f32 ? Math.fround(gy) : gy;
        }
      }
    }
    const r = allocate(g.dtype, g.size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < n; i++) {
        const s = (o * n + i) * inner;
        const d = (o * D + idx[i]!) * inner;
        for (let f = 0; f < inner; f++) r[s + f] = out[s + f]! * (gd[s + f]! - acc[d + f]!);
      }
    }
    return [new Tensor(r, g.shape, g.dtype)];
  });
}

/**
 * Log-sum-exp of `src` within the groups given by `index` along `axis` (torch_scatter
 * `scatter_logsumexp`), computed stably around the group maximum. Empty groups give 0. The output has
 * `dimSize` entries along `axis`. Differentiable in `src` (the gradient is the group softmax).
 */
export function scatterLogsumexp(src: Tensor, index: Tensor, dimSize?: number, axis = 0): Tensor {
  checkFloatSrc("scatterLogsumexp", src);
  const p = plan("scatterLogsumexp", src, index, axis, dimSize);
  const m = groupMax(src, p);
  const { e, sum } = groupExp(src, p, m);
  const out = allocate(src.dtype, sum.length);
  const cnt = groupCounts(p.idx, p.dimSize);
  for (let o = 0; o < p.outer; o++) {
    for (let d = 0; d < p.dimSize; d++) {
      if (cnt[d] === 0) continue;
      const b = (o * p.dimSize + d) * p.inner;
      for (let f = 0; f < p.inner; f++) out[b + f] = m[b + f]! + Math.log(sum[b + f]!);
    }
  }
  const t = new Tensor(out, p.outShape, src.dtype);
  return record("scatterLogsumexp", [src], t, (g) => {
    const w = allocate(g.dtype, src.size) as TypedArray;
    groupShares(e, sum, p, w);
    return [mulConst(indexSelect(g, p.ax, index), w)];
  });
}

// ---------------------------------------------------------------------------------------------
// Tensor methods
// ---------------------------------------------------------------------------------------------

/** Checks an int32 `[E]` id list with ids in [0, hi) (errors name the op and the argument). */
function checkIds(op: string, name: string, t: Tensor, E: number, hi: number, what: string): void {
  if (t.dtype !== "int32" || t.ndim !== 1 || t.shape[0] !== E)
    opError(op, name, `int32 [${E}]`, `${t.dtype} ${fmtShape(t.shape)}`);
  if (!indexInRange(t, hi)) {
    for (let e = 0; e < E; e++) {
      const v = t.data[e]!;
      if (v < 0 || v >= hi) opError(op, name, `${what} in [0, ${hi})`, `${v} at edge ${e}`);
    }
  }
}

/**
 * Continuous-filter message passing: `out[dst[e]] += x[src[e]] ⊙ w[e]` for every edge e.
 * `x` `[N, F]`, `w` `[E, F]` (same float dtype), `src`/`dst` int32 `[E]` node ids (checked);
 * returns `[numNodes, F]`. With `wIndex` (int32 `[E]`, checked), `w` is `[P, F]` and edge e uses the
 * row `w[wIndex[e]]` (filters shared by edges, e.g. an edge and its reverse). Differentiable in `x` and `w`.
 */
export function gatherMulScatter(
  x: Tensor,
  w: Tensor,
  src: Tensor,
  dst: Tensor,
  numNodes: number,
  wIndex: Tensor | null = null,
): Tensor {
  const op = "gatherMulScatter";
  if (x.ndim !== 2) opError(op, "x", "shape [N, F]", fmtShape(x.shape));
  const N = x.shape[0]!;
  const F = x.shape[1]!;
  if (w.ndim !== 2 || w.shape[1] !== F)
    opError(op, "w", `shape [${wIndex === null ? "E" : "P"}, ${F}]`, fmtShape(w.shape));
  if (x.dtype !== w.dtype || (x.dtype !== "float32" && x.dtype !== "float64"))
    opError(op, "w", `float dtype equal to x's (${x.dtype})`, w.dtype);
  const E = wIndex === null ? w.shape[0]! : src.shape[0]!;
  checkIds(op, "src", src, E, N, "node ids");
  checkIds(op, "dst", dst, E, numNodes, "node ids");
  if (wIndex !== null) checkIds(op, "wIndex", wIndex, E, w.shape[0]!, "rows of w");
  const s = src.data as Int32Array;
  const d = dst.data as Int32Array;
  const wi = wIndex === null ? null : (wIndex.data as Int32Array);
  const xd = x.data as FloatArray;
  const wd = w.data as FloatArray;
  const out = allocate(x.dtype, numNodes * F) as FloatArray;
  gatherMulScatterKernel(xd, wd, s, d, F, out, wi);
  return record(op, [x, w], new Tensor(out, [numNodes, F], x.dtype), (g) => {
    const gd = (g.dtype === x.dtype ? g : g.cast(x.dtype)).data as FloatArray;
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    if (x.requiresGrad) {
      // gx[src[e]] += g[dst[e]] ⊙ w[e]: the same kernel with the node ids exchanged
      const a = allocate(x.dtype, N * F) as FloatArray;
      gatherMulScatterKernel(gd, wd, d, s, F, a, wi);
      gx = new Tensor(a, x.shape, x.dtype);
    }
    if (w.requiresGrad) {
      // gw[e] = g[dst[e]] ⊙ x[src[e]], summed over the edges that share a row with wIndex
      const a = allocate(w.dtype, w.size) as FloatArray;
      if (wi === null) gatherMulRows(gd, d, xd, s, F, a);
      else gatherMulAddRows(gd, d, xd, s, wi, F, a);
      gw = new Tensor(a, w.shape, w.dtype);
    }
    return [gx, gw];
  });
}

declare module "../tensor.js" {
  interface Tensor {
    /** See {@link scatter}. */
    scatter(index: Tensor, axis?: number, dimSize?: number, reduce?: ScatterReduce, opts?: OutOption): Tensor;
    /** See {@link segment}. */
    segment(ptr: Tensor, reduce?: SegmentReduce): Tensor;
    /** See {@link scatterSoftmax}. */
    scatterSoftmax(index: Tensor, dimSize?: number, axis?: number, opts?: OutOption): Tensor;
    /** See {@link scatterLogsumexp}. */
    scatterLogsumexp(index: Tensor, dimSize?: number, axis?: number): Tensor;
  }
}

Tensor.prototype.scatter = function (
  this: Tensor,
  index: Tensor,
  axis?: number,
  dimSize?: number,
  reduce?: ScatterReduce,
  opts?: OutOption,
) {
  return scatter(this, index, axis, dimSize, reduce, opts);
};
Tensor.prototype.segment = function (this: Tensor, ptr: Tensor, reduce?: SegmentReduce) {
  return segment(this, ptr, reduce);
};
Tensor.prototype.scatterSoftmax = function (
  this: Tensor,
  index: Tensor,
  dimSize?: number,
  axis?: number,
  opts?: OutOption,
) {
  return scatterSoftmax(this, index, dimSize, axis, opts);
};
Tensor.prototype.scatterLogsumexp = function (this: Tensor, index: Tensor, dimSize?: number, axis?: number) {
  return scatterLogsumexp(this, index, dimSize, axis);
};
