// Sparse and row-indexing kernels on rows of F floats: CSR products, gathers, scatters, segment sums,
// and the sparse-input linear map with its gradients. Indices are trusted (the calling op checks
// them). Rows are processed 16 floats at a time in registers, then 4, then one.

import { transpose32 } from "./linalg";
import { madd } from "./math";

// @ts-ignore: decorator
@inline function axpyRow(dst: usize, src: usize, v: v128, vs: f32, F: i32): void {
  // dst[0..F) += v * src[0..F)
  const bytes = <usize>F << 2;
  let o: usize = 0;
  for (; o + 64 <= bytes; o += 64) {
    v128.store(dst + o, madd(v, v128.load(src + o), v128.load(dst + o)));
    v128.store(dst + o, madd(v, v128.load(src + o, 16), v128.load(dst + o, 16)), 16);
    v128.store(dst + o, madd(v, v128.load(src + o, 32), v128.load(dst + o, 32)), 32);
    v128.store(dst + o, madd(v, v128.load(src + o, 48), v128.load(dst + o, 48)), 48);
  }
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, madd(v, v128.load(src + o), v128.load(dst + o)));
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(dst + o) + vs * load<f32>(src + o));
}

/** out[rows×F] = A·X for CSR A (values 0 → all ones when !hasValues), X[cols×F]. */
export function spmmCsrF32(indptr: usize, indices: usize, values: usize, hasValues: bool, rows: i32, X: usize, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  if (F == 16) {
    for (let r = 0; r < rows; r++) {
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
      for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
        const x = X + (<usize>load<i32>(indices + (<usize>p << 2)) << 6);
        if (hasValues) {
          const v = v128.load32_splat(values + (<usize>p << 2));
          a0 = madd(v, v128.load(x), a0);
          a1 = madd(v, v128.load(x, 16), a1);
          a2 = madd(v, v128.load(x, 32), a2);
          a3 = madd(v, v128.load(x, 48), a3);
        } else {
          a0 = f32x4.add(a0, v128.load(x));
          a1 = f32x4.add(a1, v128.load(x, 16));
          a2 = f32x4.add(a2, v128.load(x, 32));
          a3 = f32x4.add(a3, v128.load(x, 48));
        }
      }
      const o = out + (<usize>r << 6);
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
    return;
  }
  memory.fill(out, 0, <usize>rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    const o = out + <usize>r * rowBytes;
    const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
      const x = X + <usize>load<i32>(indices + (<usize>p << 2)) * rowBytes;
      const vs: f32 = hasValues ? load<f32>(values + (<usize>p << 2)) : 1;
      axpyRow(o, x, f32x4.splat(vs), vs, F);
    }
  }
}

/** out[cols×F] = Aᵀ·X for CSR A with `rows` rows, X[rows×F]. */
export function spmmCsrTF32(indptr: usize, indices: usize, values: usize, hasValues: bool, rows: i32, cols: i32, X: usize, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  memory.fill(out, 0, <usize>cols * rowBytes);
  for (let r = 0; r < rows; r++) {
    const x = X + <usize>r * rowBytes;
    const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
      const o = out + <usize>load<i32>(indices + (<usize>p << 2)) * rowBytes;
      const vs: f32 = hasValues ? load<f32>(values + (<usize>p << 2)) : 1;
      axpyRow(o, x, f32x4.splat(vs), vs, F);
    }
  }
}

/** out[i] = src[index[i]] for n rows of F 32-bit elements (bit copy: float32 or int32). */
export function gatherRows32(src: usize, index: usize, n: i32, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  if (F == 16) {
    for (let i = 0; i < n; i++) {
      const s = src + (<usize>load<i32>(index + (<usize>i << 2)) << 6);
      const o = out + (<usize>i << 6);
      v128.store(o, v128.load(s));
      v128.store(o, v128.load(s, 16), 16);
      v128.store(o, v128.load(s, 32), 32);
      v128.store(o, v128.load(s, 48), 48);
    }
    return;
  }
  if (F == 1) {
    for (let i = 0; i < n; i++) {
      store<i32>(out + (<usize>i << 2), load<i32>(src + (<usize>load<i32>(index + (<usize>i << 2)) << 2)));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const s = src + <usize>load<i32>(index + (<usize>i << 2)) * rowBytes;
    const d = out + <usize>i * rowBytes;
    let o: usize = 0;
    for (; o + 16 <= rowBytes; o += 16) v128.store(d + o, v128.load(s + o));
    for (; o < rowBytes; o += 4) store<i32>(d + o, load<i32>(s + o));
  }
}

/**
 * Continuous-filter message passing: out[dst[e]] += x[src[e]] ⊙ w[e] for e < E, rows of F floats
 * (out not cleared). With x and w swapped in role (x the gradient, src and dst exchanged) it is the
 * gradient with respect to x.
 */
export function gatherMulScatterF32(x: usize, w: usize, src: usize, dst: usize, E: i32, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  for (let e = 0; e < E; e++) {
    const xs = x + <usize>load<i32>(src + (<usize>e << 2)) * rowBytes;
    const o = out + <usize>load<i32>(dst + (<usize>e << 2)) * rowBytes;
    const ws = w + <usize>e * rowBytes;
    let b: usize = 0;
    for (; b + 64 <= rowBytes; b += 64) {
      v128.store(o + b, madd(v128.load(xs + b), v128.load(ws + b), v128.load(o + b)));
      v128.store(o + b, madd(v128.load(xs + b, 16), v128.load(ws + b, 16), v128.load(o + b, 16)), 16);
      v128.store(o + b, madd(v128.load(xs + b, 32), v128.load(ws + b, 32), v128.load(o + b, 32)), 32);
      v128.store(o + b, madd(v128.load(xs + b, 48), v128.load(ws + b, 48), v128.load(o + b, 48)), 48);
    }
    for (; b + 16 <= rowBytes; b += 16) v128.store(o + b, madd(v128.load(xs + b), v128.load(ws + b), v128.load(o + b)));
    for (; b < rowBytes; b += 4) store<f32>(o + b, load<f32>(o + b) + load<f32>(xs + b) * load<f32>(ws + b));
  }
}

/** out[e] = a[ia[e]] ⊙ b[ib[e]] for e < E, rows of F floats (the filter gradient of gatherMulScatterF32). */
export function gatherMulRowsF32(a: usize, ia: usize, b: usize, ib: usize, E: i32, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  for (let e = 0; e < E; e++) {
    const pa = a + <usize>load<i32>(ia + (<usize>e << 2)) * rowBytes;
    const pb = b + <usize>load<i32>(ib + (<usize>e << 2)) * rowBytes;
    const o = out + <usize>e * rowBytes;
    let c: usize = 0;
    for (; c + 64 <= rowBytes; c += 64) {
      v128.store(o + c, f32x4.mul(v128.load(pa + c), v128.load(pb + c)));
      v128.store(o + c, f32x4.mul(v128.load(pa + c, 16), v128.load(pb + c, 16)), 16);
      v128.store(o + c, f32x4.mul(v128.load(pa + c, 32), v128.load(pb + c, 32)), 32);
      v128.store(o + c, f32x4.mul(v128.load(pa + c, 48), v128.load(pb + c, 48)), 48);
    }
    for (; c + 16 <= rowBytes; c += 16) v128.store(o + c, f32x4.mul(v128.load(pa + c), v128.load(pb + c)));
    for (; c < rowBytes; c += 4) store<f32>(o + c, load<f32>(pa + c) * load<f32>(pb + c));
  }
}

/** out[index[i]] += src[i] for n rows of F floats (out not cleared). */
export function scatterAddRowsF32(src: usize, index: usize, n: i32, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  if (F == 16) {
    for (let i = 0; i < n; i++) {
      const o = out + (<usize>load<i32>(index + (<usize>i << 2)) << 6);
      const s = src + (<usize>i << 6);
      v128.store(o, f32x4.add(v128.load(o), v128.load(s)));
      v128.store(o, f32x4.add(v128.load(o, 16), v128.load(s, 16)), 16);
      v128.store(o, f32x4.add(v128.load(o, 32), v128.load(s, 32)), 32);
      v128.store(o, f32x4.add(v128.load(o, 48), v128.load(s, 48)), 48);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const o = out + <usize>load<i32>(index + (<usize>i << 2)) * rowBytes;
    const s = src + <usize>i * rowBytes;
    let b: usize = 0;
    for (; b + 16 <= rowBytes; b += 16) v128.store(o + b, f32x4.add(v128.load(o + b), v128.load(s + b)));
    for (; b < rowBytes; b += 4) store<f32>(o + b, load<f32>(o + b) + load<f32>(s + b));
  }
}

/**
 * out[index[i]] = max (or min) over rows i of src; arg gets the winning row (−1 and out 0 where no
 * row arrived). out and arg hold outRows×F entries; neither needs initialising.
 */
export function scatterMaxRowsF32(src: usize, index: usize, n: i32, F: i32, out: usize, arg: usize, outRows: i32, isMin: bool): void {
  const rowBytes = <usize>F << 2;
  const total = <usize>outRows * rowBytes;
  memory.fill(arg, 0xff, total);
  const none = i32x4.splat(-1);
  for (let i = 0; i < n; i++) {
    const ob = <usize>load<i32>(index + (<usize>i << 2)) * rowBytes;
    const o = out + ob;
    const g = arg + ob;
    const s = src + <usize>i * rowBytes;
    const vi = i32x4.splat(i);
    let b: usize = 0;
    for (; b + 16 <= rowBytes; b += 16) {
      const v = v128.load(s + b);
      const cur = v128.load(o + b);
      const ar = v128.load(g + b);
      const better = isMin ? f32x4.lt(v, cur) : f32x4.gt(v, cur);
      const take = v128.or(i32x4.eq(ar, none), better);
      v128.store(o + b, v128.bitselect(v, cur, take));
      v128.store(g + b, v128.bitselect(vi, ar, take));
    }
    for (; b < rowBytes; b += 4) {
      const v = load<f32>(s + b);
      const cur = load<f32>(o + b);
      if (load<i32>(g + b) == -1 || (isMin ? v < cur : v > cur)) {
        store<f32>(o + b, v);
        store<i32>(g + b, i);
      }
    }
  }
  let b: usize = 0;
  for (; b + 16 <= total; b += 16) {
    const ar = v128.load(arg + b);
    v128.store(out + b, v128.andnot(v128.load(out + b), i32x4.eq(ar, none)));
  }
  for (; b < total; b += 4) if (load<i32>(arg + b) == -1) store<f32>(out + b, 0);
}

/** out[s] = Σ src[ptr[s]..ptr[s+1]) for S segments of rows of F floats. */
export function segmentSumF32(src: usize, ptr: usize, S: i32, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  if (F == 16) {
    for (let s = 0; s < S; s++) {
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      const r1 = load<i32>(ptr + (<usize>(s + 1) << 2));
      for (let r = load<i32>(ptr + (<usize>s << 2)); r < r1; r++) {
        const x = src + (<usize>r << 6);
        a0 = f32x4.add(a0, v128.load(x));
        a1 = f32x4.add(a1, v128.load(x, 16));
        a2 = f32x4.add(a2, v128.load(x, 32));
        a3 = f32x4.add(a3, v128.load(x, 48));
      }
      const o = out + (<usize>s << 6);
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
    return;
  }
  memory.fill(out, 0, <usize>S * rowBytes);
  const one = f32x4.splat(1);
  for (let s = 0; s < S; s++) {
    const o = out + <usize>s * rowBytes;
    const r1 = load<i32>(ptr + (<usize>(s + 1) << 2));
    for (let r = load<i32>(ptr + (<usize>s << 2)); r < r1; r++) axpyRow(o, src + <usize>r * rowBytes, one, 1, F);
  }
}

/**
 * out[rows×F] = A·X (+ bias) for CSR A (`ptr`, `idx`, `values`) and X[·×F] with F a multiple of 16, in
 * column blocks of 16 whose four accumulators stay in registers across each row's entries. With
 * `hasPerm`, the value of entry q is values[perm[q]] (A given as the transposed structure of another).
 */
// @ts-ignore: decorator
@inline function cols16(ptr: usize, idx: usize, values: usize, hasValues: bool, perm: usize, hasPerm: bool, rows: i32, X: usize, F: i32, out: usize, bias: usize, hasBias: bool): void {
  const rowB = <usize>F << 2;
  const zero = f32x4.splat(0);
  for (let c0 = 0; c0 < F; c0 += 16) {
    const xo = X + (<usize>c0 << 2);
    const oo = out + (<usize>c0 << 2);
    const bo = bias + (<usize>c0 << 2);
    const b0 = hasBias ? v128.load(bo) : zero;
    const b1 = hasBias ? v128.load(bo, 16) : zero;
    const b2 = hasBias ? v128.load(bo, 32) : zero;
    const b3 = hasBias ? v128.load(bo, 48) : zero;
    for (let r = 0; r < rows; r++) {
      let a0 = zero;
      let a1 = zero;
      let a2 = zero;
      let a3 = zero;
      const p1 = load<i32>(ptr + (<usize>(r + 1) << 2));
      for (let p = load<i32>(ptr + (<usize>r << 2)); p < p1; p++) {
        const x = xo + <usize>load<i32>(idx + (<usize>p << 2)) * rowB;
        if (hasValues) {
          const e = hasPerm ? load<i32>(perm + (<usize>p << 2)) : p;
          const v = v128.load32_splat(values + (<usize>e << 2));
          a0 = madd(v, v128.load(x), a0);
          a1 = madd(v, v128.load(x, 16), a1);
          a2 = madd(v, v128.load(x, 32), a2);
          a3 = madd(v, v128.load(x, 48), a3);
        } else {
          a0 = f32x4.add(a0, v128.load(x));
          a1 = f32x4.add(a1, v128.load(x, 16));
          a2 = f32x4.add(a2, v128.load(x, 32));
          a3 = f32x4.add(a3, v128.load(x, 48));
        }
      }
      if (hasBias) {
        a0 = f32x4.add(a0, b0);
        a1 = f32x4.add(a1, b1);
        a2 = f32x4.add(a2, b2);
        a3 = f32x4.add(a3, b3);
      }
      const o = oo + <usize>r * rowB;
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
  }
}

/**
 * out[rows×F] = A·X for CSR A and X[·×F] with F a multiple of 16, in column blocks of 16 whose four
 * accumulators stay in registers across each row's entries (wide rows, e.g. a sparse-input Linear).
 */
export function spmmCsrCols16F32(indptr: usize, indices: usize, values: usize, hasValues: bool, rows: i32, X: usize, F: i32, out: usize): void {
  cols16(indptr, indices, values, hasValues, 0, false, rows, X, F, out, 0, false);
}

/**
 * Sparse-input linear map: out[rows×F] = A·Wᵀ (+ bias) for CSR A [rows×inF] and W [F×inF] (F a
 * multiple of 16). `wt` (scratch, inF×F) receives Wᵀ; the product then runs in column blocks of 16
 * held in registers as in {@link spmmCsrCols16F32}. Stored zeros of A (e.g. dropped inputs) are
 * packed out first (into `packed`: rows + 1 + 2·nnz words): they add nothing.
 */
export function sparseLinearF32(indptr: usize, indices: usize, values: usize, hasValues: bool, rows: i32, W: usize, F: i32, inF: i32, bias: usize, hasBias: bool, wt: usize, out: usize, packed: usize): void {
  transpose32(W, wt, F, inF);
  if (hasValues) {
    // drop the stored zeros first, branch-free (a data-dependent branch in the product loop would
    // mispredict on every other dropped entry): `packed` holds rows + 1 pointers, then the entries
    const nnz = load<i32>(indptr + (<usize>rows << 2));
    const ptr2 = packed;
    const idx2 = packed + ((<usize>rows + 1) << 2);
    const val2 = idx2 + (<usize>nnz << 2);
    let q = 0;
    for (let r = 0; r < rows; r++) {
      store<i32>(ptr2 + (<usize>r << 2), q);
      const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
      for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
        const s = load<f32>(values + (<usize>p << 2));
        store<i32>(idx2 + (<usize>q << 2), load<i32>(indices + (<usize>p << 2)));
        store<f32>(val2 + (<usize>q << 2), s);
        q += <i32>(s != 0);
      }
    }
    store<i32>(ptr2 + (<usize>rows << 2), q);
    indptr = ptr2;
    indices = idx2;
    values = val2;
  }
  cols16(indptr, indices, values, hasValues, 0, false, rows, wt, F, out, bias, hasBias);
}

/**
 * Flags (i32 0/1 per row) the rows of G[rows×F] that hold a non-zero (or NaN) entry and returns the
 * number of stored entries of the CSR matrix `indptr` in those rows.
 */
export function flagRowsF32(G: usize, rows: i32, F: i32, indptr: usize, flags: usize): i32 {
  const F4 = F & ~3;
  const rowB = <usize>F << 2;
  const zero = f32x4.splat(0);
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    const g = G + <usize>r * rowB;
    let any = zero;
    let c = 0;
    for (; c < F4; c += 4) any = v128.or(any, f32x4.ne(v128.load(g + (<usize>c << 2)), zero));
    let f = v128.any_true(any) ? 1 : 0;
    for (; c < F; c++) if (load<f32>(g + (<usize>c << 2)) != 0) f = 1;
    store<i32>(flags + (<usize>r << 2), f);
    if (f) nnz += load<i32>(indptr + (<usize>(r + 1) << 2)) - load<i32>(indptr + (<usize>r << 2));
  }
  return nnz;
}

/**
 * dwt[inF×F] = Aᵀ·G for CSR A [rows×inF] and G[rows×F] (F a multiple of 4), visiting only the rows
 * flagged in `flags` (the others of G are zero): each stored entry adds its value times its row of
 * G to the row of dwt of its column, in row order (the same sums, in the same order, as the
 * gathering product over Aᵀ). Stored zeros are skipped.
 */
export function sparseLinearGradScatterF32(indptr: usize, indices: usize, values: usize, hasValues: bool, rows: i32, G: usize, F: i32, flags: usize, dwt: usize, inF: i32): void {
  const rowB = <usize>F << 2;
  memory.fill(dwt, 0, <usize>inF * rowB);
  const one = f32x4.splat(1);
  for (let r = 0; r < rows; r++) {
    if (load<i32>(flags + (<usize>r << 2)) == 0) continue;
    const g = G + <usize>r * rowB;
    const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
      let v = one;
      if (hasValues) {
        const s = load<f32>(values + (<usize>p << 2));
        if (s == 0) continue;
        v = f32x4.splat(s);
      }
      const d = dwt + <usize>load<i32>(indices + (<usize>p << 2)) * rowB;
      for (let c: usize = 0; c < rowB; c += 16) {
        if (hasValues) v128.store(d + c, madd(v, v128.load(g + c), v128.load(d + c)));
        else v128.store(d + c, f32x4.add(v128.load(d + c), v128.load(g + c)));
      }
    }
  }
}

/**
 * dwt[inF×F] = Aᵀ·G through the transposed structure of A (`tptr`/`tcol` with `perm`, the stored
 * entry of A behind each entry of Aᵀ), F a multiple of 16, in column blocks held in registers.
 */
export function sparseLinearGradGatherF32(tptr: usize, tcol: usize, perm: usize, values: usize, hasValues: bool, inF: i32, G: usize, F: i32, dwt: usize): void {
  cols16(tptr, tcol, values, hasValues, perm, true, inF, G, F, dwt, 0, false);
}

/** out[F] = column sums of G[rows×F] over the rows flagged in `flags` (F a multiple of 4), in row order. */
export function colSumsFlaggedF32(G: usize, rows: i32, F: i32, flags: usize, out: usize): void {
  const rowB = <usize>F << 2;
  memory.fill(out, 0, rowB);
  for (let r = 0; r < rows; r++) {
    if (load<i32>(flags + (<usize>r << 2)) == 0) continue;
    const g = G + <usize>r * rowB;
    for (let c: usize = 0; c < rowB; c += 16) v128.store(out + c, f32x4.add(v128.load(out + c), v128.load(g + c)));
  }
}
