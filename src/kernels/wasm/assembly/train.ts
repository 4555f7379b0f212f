// Fused kernels of the training hot paths (f32): per-channel statistics, affine map and gradient of
// batch normalisation (with an optional fused ReLU), the Adam update, and a blocked 2-D transpose.
// Channel statistics accumulate in f64 like the reference (src/kernels/ref/train.ts).
import { madd } from "./math";

// @ts-ignore: decorator
@inline function hi2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3));
}

// @ts-ignore: decorator
@inline function lo2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/**
 * Per-channel mean and biased variance of x[N×C] (row-major) into the f64 arrays mean[C], vr[C]
 * (two passes: sums, then centred squares).
 */
export function channelStatsF32(x: usize, N: i32, C: i32, mean: usize, vr: usize): void {
  const C4 = C & ~3;
  const rowB = <usize>C << 2;
  memory.fill(mean, 0, <usize>C << 3);
  memory.fill(vr, 0, <usize>C << 3);
  for (let n = 0; n < N; n++) {
    const row = x + <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const m = mean + (<usize>c << 3);
      v128.store(m, f64x2.add(v128.load(m), lo2(v)));
      v128.store(m, f64x2.add(v128.load(m, 16), hi2(v)), 16);
    }
    for (; c < C; c++) {
      const m = mean + (<usize>c << 3);
      store<f64>(m, load<f64>(m) + <f64>load<f32>(row + (<usize>c << 2)));
    }
  }
  const inv = 1.0 / <f64>N;
  for (let c = 0; c < C; c++) store<f64>(mean + (<usize>c << 3), load<f64>(mean + (<usize>c << 3)) * inv);
  for (let n = 0; n < N; n++) {
    const row = x + <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const m = mean + (<usize>c << 3);
      const s = vr + (<usize>c << 3);
      const d0 = f64x2.sub(lo2(v), v128.load(m));
      const d1 = f64x2.sub(hi2(v), v128.load(m, 16));
      v128.store(s, f64x2.add(v128.load(s), f64x2.mul(d0, d0)));
      v128.store(s, f64x2.add(v128.load(s, 16), f64x2.mul(d1, d1)), 16);
    }
    for (; c < C; c++) {
      const d = <f64>load<f32>(row + (<usize>c << 2)) - load<f64>(mean + (<usize>c << 3));
      const s = vr + (<usize>c << 3);
      store<f64>(s, load<f64>(s) + d * d);
    }
  }
  for (let c = 0; c < C; c++) store<f64>(vr + (<usize>c << 3), load<f64>(vr + (<usize>c << 3)) * inv);
}

/** y[n, c] = x[n, c]·scale[c] + shift[c] (f32 scale/shift), then max(·, 0) when `relu`. */
export function channelAffineF32(x: usize, y: usize, N: i32, C: i32, scale: usize, shift: usize, relu: bool): void {
  const C4 = C & ~3;
  const rowB = <usize>C << 2;
  const zero = f32x4.splat(0);
  for (let n = 0; n < N; n++) {
    const xr = x + <usize>n * rowB;
    const yr = y + <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const o = <usize>c << 2;
      let v = f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(scale + o)), v128.load(shift + o));
      if (relu) v = f32x4.max(v, zero);
      v128.store(yr + o, v);
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      let v = load<f32>(xr + o) * load<f32>(scale + o) + load<f32>(shift + o);
      if (relu && v < 0) v = 0;
      store<f32>(yr + o, v);
    }
  }
}

/**
 * Batch-norm gradient over x[N×C] given the output y (for the ReLU mask) and the upstream g:
 * g' = relu ? g·[y > 0] : g; sums[c] = Σ g', sums[C + c] = Σ g'·(x − mean[c]) (f64). With `wantDx`,
 * dx = scale·(g' − a − (x − mean)·b) where, with batch statistics (`useBatch`), a = Σg'/M and
 * b = Σ g'(x − mean)·invStd²/M, else a = b = 0. `scratch` holds 3C f32.
 */
export function bnGradF32(
  x: usize,
  y: usize,
  g: usize,
  dx: usize,
  N: i32,
  C: i32,
  mean: usize,
  scale: usize,
  invStd: usize,
  M: f64,
  useBatch: bool,
  relu: bool,
  wantDx: bool,
  sums: usize,
  scratch: usize,
): void {
  const C4 = C & ~3;
  const rowB = <usize>C << 2;
  const zero = f32x4.splat(0);
  const sumG = sums;
  const sumGX = sums + (<usize>C << 3);
  memory.fill(sums, 0, <usize>C << 4);
  for (let n = 0; n < N; n++) {
    const off = <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const o = <usize>c << 2;
      let gv = v128.load(g + off + o);
      if (relu) gv = v128.and(gv, f32x4.gt(v128.load(y + off + o), zero));
      const xv = v128.load(x + off + o);
      const m = mean + (<usize>c << 3);
      const g0 = lo2(gv);
      const g1 = hi2(gv);
      const sg = sumG + (<usize>c << 3);
      const sx = sumGX + (<usize>c << 3);
      v128.store(sg, f64x2.add(v128.load(sg), g0));
      v128.store(sg, f64x2.add(v128.load(sg, 16), g1), 16);
      v128.store(sx, f64x2.add(v128.load(sx), f64x2.mul(g0, f64x2.sub(lo2(xv), v128.load(m)))));
      v128.store(sx, f64x2.add(v128.load(sx, 16), f64x2.mul(g1, f64x2.sub(hi2(xv), v128.load(m, 16)))), 16);
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      let gs = <f64>load<f32>(g + off + o);
      if (relu && !(load<f32>(y + off + o) > 0)) gs = 0;
      const d = <f64>load<f32>(x + off + o) - load<f64>(mean + (<usize>c << 3));
      const sg = sumG + (<usize>c << 3);
      const sx = sumGX + (<usize>c << 3);
      store<f64>(sg, load<f64>(sg) + gs);
      store<f64>(sx, load<f64>(sx) + gs * d);
    }
  }
  if (!wantDx) return;
  // per-channel f32 constants: a, b, mean
  const sa = scratch;
  const sb = scratch + (<usize>C << 2);
  const sm = scratch + (<usize>C << 3);
  for (let c = 0; c < C; c++) {
    const o4 = <usize>c << 2;
    const o8 = <usize>c << 3;
    if (useBatch) {
      const is = load<f64>(invStd + o8);
      store<f32>(sa + o4, <f32>(load<f64>(sumG + o8) / M));
      store<f32>(sb + o4, <f32>((load<f64>(sumGX + o8) * is * is) / M));
    } else {
      store<f32>(sa + o4, 0);
      store<f32>(sb + o4, 0);
    }
    store<f32>(sm + o4, <f32>load<f64>(mean + o8));
  }
  for (let n = 0; n < N; n++) {
    const off = <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const o = <usize>c << 2;
      let gv = v128.load(g + off + o);
      if (relu) gv = v128.and(gv, f32x4.gt(v128.load(y + off + o), zero));
      const d = f32x4.sub(v128.load(x + off + o), v128.load(sm + o));
      const t = f32x4.sub(f32x4.sub(gv, v128.load(sa + o)), f32x4.mul(d, v128.load(sb + o)));
      v128.store(dx + off + o, f32x4.mul(v128.load(scale + o), t));
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      let gs = load<f32>(g + off + o);
      if (relu && !(load<f32>(y + off + o) > 0)) gs = 0;
      const d = load<f32>(x + off + o) - load<f32>(sm + o);
      store<f32>(dx + off + o, load<f32>(scale + o) * (gs - load<f32>(sa + o) - d * load<f32>(sb + o)));
    }
  }
}

/**
 * One Adam step over n parameters in place: p ← p·decay; g' = sign·g + l2·p;
 * m ← m + (g' − m)(1 − β₁); v ← β₂v + (1 − β₂)g'²; p ← p − stepSize·m / (√v / bc2Sqrt + eps).
 */
export function adamF32(p: usize, g: usize, m: usize, v: usize, n: i32, b1: f32, b2: f32, stepSize: f32, bc2Sqrt: f32, eps: f32, l2: f32, decay: f32, sign: f32): void {
  const n4 = n & ~3;
  const vdecay = f32x4.splat(decay);
  const vsign = f32x4.splat(sign);
  const vl2 = f32x4.splat(l2);
  const v1b1 = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2);
  const v1b2 = f32x4.splat(1 - b2);
  const vstep = f32x4.splat(stepSize);
  const vinvbc2 = f32x4.splat(1 / bc2Sqrt);
  const veps = f32x4.splat(eps);
  const useDecay = decay != 1;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    let x = v128.load(p + o);
    if (useDecay) x = f32x4.mul(x, vdecay);
    const gr = f32x4.add(f32x4.mul(vsign, v128.load(g + o)), f32x4.mul(vl2, x));
    let mm = v128.load(m + o);
    mm = f32x4.add(mm, f32x4.mul(f32x4.sub(gr, mm), v1b1));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(v1b2, f32x4.mul(gr, gr)));
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vinvbc2), veps);
    x = f32x4.sub(x, f32x4.div(f32x4.mul(vstep, mm), denom));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    v128.store(p + o, x);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let x = load<f32>(p + o);
    if (useDecay) x *= decay;
    const gr = sign * load<f32>(g + o) + l2 * x;
    let mm = load<f32>(m + o);
    mm = mm + (gr - mm) * (1 - b1);
    const vv = b2 * load<f32>(v + o) + (1 - b2) * gr * gr;
    x -= (stepSize * mm) / (sqrt<f32>(vv) / bc2Sqrt + eps);
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(p + o, x);
  }
}

/** out[C×R] = transpose of a[R×C] (32-bit elements), in 4×4 register blocks. */
export function transpose32(a: usize, out: usize, R: i32, C: i32): void {
  const R4 = R & ~3;
  const C4 = C & ~3;
  const rowA = <usize>C << 2;
  const rowO = <usize>R << 2;
  for (let r = 0; r < R4; r += 4) {
    const a0 = a + <usize>r * rowA;
    for (let c = 0; c < C4; c += 4) {
      const p = a0 + (<usize>c << 2);
      const x0 = v128.load(p);
      const x1 = v128.load(p + rowA);
      const x2 = v128.load(p + 2 * rowA);
      const x3 = v128.load(p + 3 * rowA);
      const t0 = v128.shuffle<i32>(x0, x1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(x2, x3, 0, 4, 1, 5);
      const t2 = v128.shuffle<i32>(x0, x1, 2, 6, 3, 7);
      const t3 = v128.shuffle<i32>(x2, x3, 2, 6, 3, 7);
      const q = out + <usize>c * rowO + (<usize>r << 2);
      v128.store(q, v128.shuffle<i64>(t0, t1, 0, 2));
      v128.store(q + rowO, v128.shuffle<i64>(t0, t1, 1, 3));
      v128.store(q + 2 * rowO, v128.shuffle<i64>(t2, t3, 0, 2));
      v128.store(q + 3 * rowO, v128.shuffle<i64>(t2, t3, 1, 3));
    }
    for (let c = C4; c < C; c++) {
      for (let k = 0; k < 4; k++) store<i32>(out + <usize>c * rowO + (<usize>(r + k) << 2), load<i32>(a0 + <usize>k * rowA + (<usize>c << 2)));
    }
  }
  for (let r = R4; r < R; r++) {
    const ar = a + <usize>r * rowA;
    for (let c = 0; c < C; c++) store<i32>(out + <usize>c * rowO + (<usize>r << 2), load<i32>(ar + (<usize>c << 2)));
  }
}

/**
 * out[rows×F] = A·X for CSR A and X[·×F] with F a multiple of 16, in column blocks of 16 whose four
 * accumulators stay in registers across each row's entries (wide rows, e.g. a sparse-input Linear).
 */
export function spmmCsrCols16F32(indptr: usize, indices: usize, values: usize, hasValues: bool, rows: i32, X: usize, F: i32, out: usize): void {
  const rowB = <usize>F << 2;
  for (let c0 = 0; c0 < F; c0 += 16) {
    const xo = X + (<usize>c0 << 2);
    const oo = out + (<usize>c0 << 2);
    for (let r = 0; r < rows; r++) {
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
      for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
        const x = xo + <usize>load<i32>(indices + (<usize>p << 2)) * rowB;
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
      const o = oo + <usize>r * rowB;
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
  }
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
  const rowB = <usize>F << 2;
  const zero = f32x4.splat(0);
  for (let c0 = 0; c0 < F; c0 += 16) {
    const xo = wt + (<usize>c0 << 2);
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
      const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
      for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
        const x = xo + <usize>load<i32>(indices + (<usize>p << 2)) * rowB;
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
  const rowB = <usize>F << 2;
  const zero = f32x4.splat(0);
  for (let c0 = 0; c0 < F; c0 += 16) {
    const go = G + (<usize>c0 << 2);
    const oo = dwt + (<usize>c0 << 2);
    for (let j = 0; j < inF; j++) {
      let a0 = zero;
      let a1 = zero;
      let a2 = zero;
      let a3 = zero;
      const q1 = load<i32>(tptr + (<usize>(j + 1) << 2));
      for (let q = load<i32>(tptr + (<usize>j << 2)); q < q1; q++) {
        const x = go + <usize>load<i32>(tcol + (<usize>q << 2)) * rowB;
        if (hasValues) {
          const v = v128.load32_splat(values + (<usize>load<i32>(perm + (<usize>q << 2)) << 2));
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
      const o = oo + <usize>j * rowB;
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
  }
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

/**
 * Inverted dropout with the local xoshiro128** stream of the graph models' `fastDropout` /
 * `reluDropout` (seed s0..s3, not all zero): each 32-bit draw decides two elements (low 16 bits,
 * then high), an element is kept when its 16 bits are ≥ thr, and kept elements are scaled by
 * `scale`; with `relu`, elements that are not > 0 are dropped too. Writes out = d·k and, with
 * `wantMask`, mask = k.
 */
export function dropoutMaskF32(d: usize, mask: usize, out: usize, n: i32, s0: i32, s1: i32, s2: i32, s3: i32, thr: i32, scale: f32, relu: bool, wantMask: bool): void {
  // four elements per step from two draws: their 16-bit halves, widened, are the lanes
  // [lo₀, hi₀, lo₁, hi₁] in element order; k = scale or 0 by masking bits (no branches)
  const vthr = i32x4.splat(thr);
  const vscale = f32x4.splat(scale);
  const zero = f32x4.splat(0);
  const ones = i32x4.splat(-1);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    let m5 = s1 * 5;
    const ra = rotl<i32>(m5, 7) * 9;
    let t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<i32>(s3, 11);
    m5 = s1 * 5;
    const rb = rotl<i32>(m5, 7) * 9;
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<i32>(s3, 11);
    const bits = i32x4.extend_low_i16x8_u(i32x4.replace_lane(i32x4.splat(ra), 1, rb));
    const o = <usize>i << 2;
    const x = v128.load(d + o);
    let keep = i32x4.ge_s(bits, vthr);
    keep = v128.and(keep, relu ? f32x4.gt(x, zero) : ones);
    const k = v128.and(vscale, keep);
    if (wantMask) v128.store(mask + o, k);
    v128.store(out + o, f32x4.mul(x, k));
  }
  const sb = reinterpret<i32>(scale);
  const nr = <i32>!relu;
  for (; i < n; i += 2) {
    const m5 = s1 * 5;
    const r = rotl<i32>(m5, 7) * 9;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<i32>(s3, 11);
    const o = <usize>i << 2;
    const d0 = load<f32>(d + o);
    const keep0 = <i32>((r & 0xffff) >= thr) & (nr | <i32>(d0 > 0));
    const k0 = reinterpret<f32>(sb & -keep0);
    if (wantMask) store<f32>(mask + o, k0);
    store<f32>(out + o, d0 * k0);
    if (i + 1 == n) break;
    const d1 = load<f32>(d + o, 4);
    const keep1 = <i32>(<i32>(<u32>r >>> 16) >= thr) & (nr | <i32>(d1 > 0));
    const k1 = reinterpret<f32>(sb & -keep1);
    if (wantMask) store<f32>(mask + o, k1, 4);
    store<f32>(out + o, d1 * k1, 4);
  }
}

// ---------------------------------------------------------------------------------------------
// Channels-first batch norm over x[N][C][L] (the G-CNN and steerable feature maps, L = |H|·H·W):
// statistics and gradient sums are sequential f64 sums in the reference's order, and the elementwise
// maps are f64 per value, so the results equal the reference's (src/kernels/ref/train.ts) bit for bit.

/** mean[c] = Σ x / (N·L) and vr[c] = Σ (x − mean)² / (N·L) over images and positions (f64 outputs). */
export function channelStatsNclF32(x: usize, N: i32, C: i32, L: i32, mean: usize, vr: usize): void {
  const n = <f64>N * <f64>L;
  const planeB = <usize>L << 2;
  for (let c = 0; c < C; c++) {
    let s: f64 = 0;
    for (let b = 0; b < N; b++) {
      const p = x + <usize>(b * C + c) * planeB;
      for (let o: usize = 0; o < planeB; o += 4) s += <f64>load<f32>(p + o);
    }
    const m = s / n;
    let v: f64 = 0;
    for (let b = 0; b < N; b++) {
      const p = x + <usize>(b * C + c) * planeB;
      for (let o: usize = 0; o < planeB; o += 4) {
        const d = <f64>load<f32>(p + o) - m;
        v += d * d;
      }
    }
    store<f64>(mean + (<usize>c << 3), m);
    store<f64>(vr + (<usize>c << 3), v / n);
  }
}

/** a·x + b in f64 for four f32 lanes, rounded back to f32. */
// @ts-ignore: decorator
@inline function affine4(v: v128, a: v128, b: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(lo2(v), a), b));
  const hi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(hi2(v), a), b));
  return v128.shuffle<i64>(lo, hi, 0, 2);
}

/** out = x·scale[c] + shift[c] (f64 scale and shift, computed in f64) over x[N][C][L]; out may be x. */
export function channelAffineNclF32(x: usize, out: usize, N: i32, C: i32, L: i32, scale: usize, shift: usize): void {
  const planeB = <usize>L << 2;
  const L4B = <usize>(L & ~3) << 2;
  for (let b = 0; b < N; b++) {
    for (let c = 0; c < C; c++) {
      const a = load<f64>(scale + (<usize>c << 3));
      const sh = load<f64>(shift + (<usize>c << 3));
      const av = f64x2.splat(a);
      const sv = f64x2.splat(sh);
      const off = <usize>(b * C + c) * planeB;
      const p = x + off;
      const q = out + off;
      let o: usize = 0;
      for (; o < L4B; o += 16) v128.store(q + o, affine4(v128.load(p + o), av, sv));
      for (; o < planeB; o += 4) store<f32>(q + o, <f32>(<f64>load<f32>(p + o) * a + sh));
    }
  }
}

/**
 * Batch-norm gradient over x[N][C][L]: sums[c] = Σ g, sums[C + c] = Σ g·(x − mean)·invStd (sequential
 * f64), then dx = k·(g − Σg/n − (x − mean)·invStd·Σg(x − mean)invStd/n) when `useBatch`, else k·g,
 * with n = N·L and k[c] (f64) the caller's weight·invStd.
 */
export function channelGradNclF32(x: usize, g: usize, dx: usize, N: i32, C: i32, L: i32, mean: usize, invStd: usize, k: usize, useBatch: bool, sums: usize): void {
  const n = <f64>N * <f64>L;
  const planeB = <usize>L << 2;
  const L4B = <usize>(L & ~3) << 2;
  for (let c = 0; c < C; c++) {
    const m = load<f64>(mean + (<usize>c << 3));
    const is = load<f64>(invStd + (<usize>c << 3));
    let sg: f64 = 0;
    let sgx: f64 = 0;
    for (let b = 0; b < N; b++) {
      const off = <usize>(b * C + c) * planeB;
      for (let o: usize = 0; o < planeB; o += 4) {
        const gv = <f64>load<f32>(g + off + o);
        sg += gv;
        sgx += gv * (<f64>load<f32>(x + off + o) - m) * is;
      }
    }
    store<f64>(sums + (<usize>c << 3), sg);
    store<f64>(sums + (<usize>(C + c) << 3), sgx);
    const kc = load<f64>(k + (<usize>c << 3));
    const kv = f64x2.splat(kc);
    if (useBatch) {
      const mg = sg / n;
      const mgx = sgx / n;
      const mv = f64x2.splat(m);
      const isv = f64x2.splat(is);
      const mgv = f64x2.splat(mg);
      const mgxv = f64x2.splat(mgx);
      for (let b = 0; b < N; b++) {
        const off = <usize>(b * C + c) * planeB;
        let o: usize = 0;
        for (; o < L4B; o += 16) {
          const gq = v128.load(g + off + o);
          const xq = v128.load(x + off + o);
          const lo = f64x2.mul(kv, f64x2.sub(f64x2.sub(lo2(gq), mgv), f64x2.mul(f64x2.mul(f64x2.sub(lo2(xq), mv), isv), mgxv)));
          const hi = f64x2.mul(kv, f64x2.sub(f64x2.sub(hi2(gq), mgv), f64x2.mul(f64x2.mul(f64x2.sub(hi2(xq), mv), isv), mgxv)));
          v128.store(dx + off + o, v128.shuffle<i64>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2));
        }
        for (; o < planeB; o += 4) {
          const gv = <f64>load<f32>(g + off + o);
          const xv = <f64>load<f32>(x + off + o);
          store<f32>(dx + off + o, <f32>(kc * (gv - mg - (xv - m) * is * mgx)));
        }
      }
    } else {
      for (let b = 0; b < N; b++) {
        const off = <usize>(b * C + c) * planeB;
        let o: usize = 0;
        for (; o < L4B; o += 16) {
          const gq = v128.load(g + off + o);
          v128.store(dx + off + o, v128.shuffle<i64>(f32x4.demote_f64x2_zero(f64x2.mul(kv, lo2(gq))), f32x4.demote_f64x2_zero(f64x2.mul(kv, hi2(gq))), 0, 2));
        }
        for (; o < planeB; o += 4) store<f32>(dx + off + o, <f32>(kc * <f64>load<f32>(g + off + o)));
      }
    }
  }
}

/**
 * Inverted-dropout mask from the Generator's xoshiro128** stream (twin: bernoulliMaskRef): one draw
 * per element, out[i] = scale when its top 24 bits are ≥ thr, else 0. The state (four i32 at
 * `state`) is read and written back.
 */
export function bernoulliMaskF32(out: usize, n: i32, state: usize, thr: i32, scale: f32): void {
  let s0 = load<i32>(state);
  let s1 = load<i32>(state, 4);
  let s2 = load<i32>(state, 8);
  let s3 = load<i32>(state, 12);
  for (let i = 0; i < n; i++) {
    const r = <i32>(<u32>(rotl<i32>(s1 * 5, 7) * 9) >>> 8);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<i32>(s3, 11);
    store<f32>(out + (<usize>i << 2), r >= thr ? scale : 0);
  }
  store<i32>(state, s0);
  store<i32>(state, s1, 4);
  store<i32>(state, s2, 8);
  store<i32>(state, s3, 12);
}
