/**
 * Reference sparse and indexing kernels (rows of width F): CSR products, row gathers and scatters,
 * segment sums, and the sparse-input linear map with its gradients. Indices are assumed in range:
 * callers check.
 */
import type { FloatArray } from "./linalg.js";

/** out[r×F] = A·X for CSR A (rows r), X[cols×F]. `values` null means all ones. */
export function spmmCsrRef(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  X: FloatArray,
  F: number,
  out: FloatArray,
): void {
  out.fill(0, 0, rows * F);
  for (let r = 0; r < rows; r++) {
    const o = r * F;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const c = indices[p]! * F;
      const v = values === null ? 1 : values[p]!;
      for (let f = 0; f < F; f++) out[o + f]! += v * X[c + f]!;
    }
  }
}

/** out[cols×F] = Aᵀ·X for CSR A with `rows` rows, X[rows×F]. */
export function spmmCsrTRef(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  cols: number,
  X: FloatArray,
  F: number,
  out: FloatArray,
): void {
  out.fill(0, 0, cols * F);
  for (let r = 0; r < rows; r++) {
    const x = r * F;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const o = indices[p]! * F;
      const v = values === null ? 1 : values[p]!;
      for (let f = 0; f < F; f++) out[o + f]! += v * X[x + f]!;
    }
  }
}

/** out[i] = src[index[i]] row-wise (rows of width F). */
export function gatherRowsRef(
  src: FloatArray | Int32Array,
  index: Int32Array,
  F: number,
  out: FloatArray | Int32Array,
): void {
  for (let i = 0; i < index.length; i++) {
    const s = index[i]! * F;
    const o = i * F;
    for (let f = 0; f < F; f++) out[o + f] = src[s + f]!;
  }
}

/**
 * Continuous-filter message passing: out[dst[e]] += x[src[e]] ⊙ w[e] for every edge e, rows of F
 * (`out` is not cleared); with `wIndex`, edge e reads the filter row w[wIndex[e]] (filters shared by
 * edges, such as an edge and its reverse). With the gradient of the output as `x` and src/dst
 * exchanged, it is the gradient with respect to x.
 */
export function gatherMulScatterRef(
  x: FloatArray,
  w: FloatArray,
  src: Int32Array,
  dst: Int32Array,
  F: number,
  out: FloatArray,
  wIndex: Int32Array | null = null,
): void {
  for (let e = 0; e < src.length; e++) {
    const xo = src[e]! * F;
    const oo = dst[e]! * F;
    const wo = (wIndex === null ? e : wIndex[e]!) * F;
    for (let f = 0; f < F; f++) out[oo + f]! += x[xo + f]! * w[wo + f]!;
  }
}

/** out[e] = a[ia[e]] ⊙ b[ib[e]] row-wise (rows of F): the filter gradient of {@link gatherMulScatterRef}. */
export function gatherMulRowsRef(
  a: FloatArray,
  ia: Int32Array,
  b: FloatArray,
  ib: Int32Array,
  F: number,
  out: FloatArray,
): void {
  for (let e = 0; e < ia.length; e++) {
    const ao = ia[e]! * F;
    const bo = ib[e]! * F;
    const oo = e * F;
    for (let f = 0; f < F; f++) out[oo + f] = a[ao + f]! * b[bo + f]!;
  }
}

/**
 * out[index[e]] += a[ia[e]] ⊙ b[ib[e]] row-wise (rows of F; `out` is not cleared): the gradient of
 * shared filter rows in {@link gatherMulScatterRef} with `wIndex`.
 */
export function gatherMulAddRowsRef(
  a: FloatArray,
  ia: Int32Array,
  b: FloatArray,
  ib: Int32Array,
  index: Int32Array,
  F: number,
  out: FloatArray,
): void {
  for (let e = 0; e < ia.length; e++) {
    const ao = ia[e]! * F;
    const bo = ib[e]! * F;
    const oo = index[e]! * F;
    for (let f = 0; f < F; f++) out[oo + f]! += a[ao + f]! * b[bo + f]!;
  }
}

/** out[index[i]] += src[i] row-wise. `out` is not cleared. */
export function scatterAddRowsRef(src: FloatArray, index: Int32Array, F: number, out: FloatArray): void {
  for (let i = 0; i < index.length; i++) {
    const s = i * F;
    const o = index[i]! * F;
    for (let f = 0; f < F; f++) out[o + f]! += src[s + f]!;
  }
}

/**
 * out[index[i]] = max(out, src[i]) row-wise; `arg` receives, per output entry, the source row that won
 * (−1 where no row arrived; those outputs are set to 0). `out` must be filled with −Infinity
 * by the caller (or `mode` "min" with +Infinity).
 */
export function scatterMaxRowsRef(
  src: FloatArray,
  index: Int32Array,
  F: number,
  out: FloatArray,
  arg: Int32Array,
  mode: "max" | "min" = "max",
): void {
  arg.fill(-1);
  const sign = mode === "max" ? 1 : -1;
  for (let i = 0; i < index.length; i++) {
    const s = i * F;
    const o = index[i]! * F;
    for (let f = 0; f < F; f++) {
      const v = src[s + f]!;
      if (arg[o + f] === -1 || sign * v > sign * out[o + f]!) {
        out[o + f] = v;
        arg[o + f] = i;
      }
    }
  }
  for (let j = 0; j < arg.length; j++) if (arg[j] === -1) out[j] = 0;
}

/** out[s] = Σ src[ptr[s]..ptr[s+1]) row-wise (segments given by CSR pointers). */
export function segmentSumCsrRef(src: FloatArray, ptr: Int32Array, F: number, out: FloatArray): void {
  const S = ptr.length - 1;
  out.fill(0, 0, S * F);
  for (let s = 0; s < S; s++) {
    const o = s * F;
    for (let r = ptr[s]!; r < ptr[s + 1]!; r++) {
      const x = r * F;
      for (let f = 0; f < F; f++) out[o + f]! += src[x + f]!;
    }
  }
}

/**
 * out[rows×F] = A·Wᵀ (+ bias) for CSR A [rows×inF] (`values` null: all ones) and W [F×inF], row by
 * row in entry order; stored zeros are skipped (they add nothing).
 */
export function sparseLinearRef(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  W: FloatArray,
  F: number,
  inF: number,
  bias: FloatArray | null,
  out: FloatArray,
): void {
  out.fill(0, 0, rows * F);
  for (let r = 0; r < rows; r++) {
    const o = r * F;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const v = values === null ? 1 : values[p]!;
      if (v === 0) continue;
      const c = indices[p]!;
      for (let k = 0; k < F; k++) out[o + k]! += v * W[k * inF + c]!;
    }
    if (bias !== null) for (let k = 0; k < F; k++) out[o + k]! += bias[k]!;
  }
}

/**
 * Gradients of {@link sparseLinearRef} for G [rows×F]: dW [F×inF] = Gᵀ·A and db [F] = column sums of
 * G (either may be null). Rows of G that are all zero are skipped.
 */
export function sparseLinearGradRef(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  G: FloatArray,
  F: number,
  inF: number,
  dW: FloatArray | null,
  db: FloatArray | null,
): void {
  if (dW !== null) dW.fill(0, 0, F * inF);
  if (db !== null) db.fill(0, 0, F);
  for (let r = 0; r < rows; r++) {
    const g = r * F;
    let any = false;
    for (let k = 0; k < F; k++) if (G[g + k] !== 0) any = true;
    if (!any) continue;
    if (db !== null) for (let k = 0; k < F; k++) db[k]! += G[g + k]!;
    if (dW === null) continue;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const v = values === null ? 1 : values[p]!;
      if (v === 0) continue;
      const c = indices[p]!;
      for (let k = 0; k < F; k++) dW[k * inF + c]! += v * G[g + k]!;
    }
  }
}
