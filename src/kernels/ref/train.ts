/**
 * Reference (TypeScript) twins of the fused training kernels in `wasm/assembly/train.ts`: batch-norm
 * statistics, affine map and gradient (optional fused ReLU), the Adam update and a 2-D transpose.
 * Statistics accumulate in float64.
 */
import type { FloatArray } from "./linalg.js";

/** Per-channel mean and biased variance of x[N×C] into mean[C], vr[C] (two passes). */
export function channelStatsRef(x: FloatArray, N: number, C: number, mean: Float64Array, vr: Float64Array): void {
  mean.fill(0, 0, C);
  vr.fill(0, 0, C);
  for (let n = 0, o = 0; n < N; n++, o += C) for (let c = 0; c < C; c++) mean[c]! += x[o + c]!;
  for (let c = 0; c < C; c++) mean[c] = mean[c]! / N;
  for (let n = 0, o = 0; n < N; n++, o += C) {
    for (let c = 0; c < C; c++) {
      const d = x[o + c]! - mean[c]!;
      vr[c]! += d * d;
    }
  }
  for (let c = 0; c < C; c++) vr[c] = vr[c]! / N;
}

/** y = x·scale[c] + shift[c] per channel of x[N×C], then max(·, 0) when `relu`. */
export function channelAffineRef(
  x: FloatArray,
  y: FloatArray,
  N: number,
  C: number,
  scale: ArrayLike<number>,
  shift: ArrayLike<number>,
  relu: boolean,
): void {
  for (let n = 0, o = 0; n < N; n++, o += C) {
    for (let c = 0; c < C; c++) {
      const v = x[o + c]! * scale[c]! + shift[c]!;
      y[o + c] = relu && v < 0 ? 0 : v;
    }
  }
}

/**
 * Batch-norm gradient over x[N×C]: g' = relu ? g·[y > 0] : g; sums[c] = Σ g', sums[C + c] = Σ g'·(x − mean);
 * with `dx`, dx = scale·(g' − a − (x − mean)·b), a = Σg'/M and b = Σg'(x − mean)·invStd²/M when
 * `useBatch`, else a = b = 0.
 */
export function bnGradRef(
  x: FloatArray,
  y: FloatArray,
  g: FloatArray,
  dx: FloatArray | null,
  N: number,
  C: number,
  mean: Float64Array,
  scale: ArrayLike<number>,
  invStd: Float64Array,
  M: number,
  useBatch: boolean,
  relu: boolean,
  sums: Float64Array,
): void {
  sums.fill(0, 0, 2 * C);
  for (let n = 0, o = 0; n < N; n++, o += C) {
    for (let c = 0; c < C; c++) {
      const gs = relu && !(y[o + c]! > 0) ? 0 : g[o + c]!;
      sums[c]! += gs;
      sums[C + c]! += gs * (x[o + c]! - mean[c]!);
    }
  }
  if (dx === null) return;
  const a = new Float64Array(C);
  const b = new Float64Array(C);
  if (useBatch) {
    for (let c = 0; c < C; c++) {
      a[c] = sums[c]! / M;
      b[c] = (sums[C + c]! * invStd[c]! * invStd[c]!) / M;
    }
  }
  for (let n = 0, o = 0; n < N; n++, o += C) {
    for (let c = 0; c < C; c++) {
      const gs = relu && !(y[o + c]! > 0) ? 0 : g[o + c]!;
      dx[o + c] = scale[c]! * (gs - a[c]! - (x[o + c]! - mean[c]!) * b[c]!);
    }
  }
}

/** Constants of one Adam step (see {@link adamRef}). */
export interface AdamConsts {
  b1: number;
  b2: number;
  stepSize: number;
  bc2Sqrt: number;
  eps: number;
  /** L2 penalty added to the gradient (0 for AdamW). */
  l2: number;
  /** Multiplier of the parameters before the step (AdamW's 1 − lr·wd; 1 for Adam). */
  decay: number;
  /** −1 to maximise. */
  sign: number;
}

/**
 * One Adam step in place: p ← p·decay; g' = sign·g + l2·p; m ← m + (g' − m)(1 − β₁);
 * v ← β₂v + (1 − β₂)g'²; p ← p − stepSize·m / (√v / bc2Sqrt + eps).
 */
export function adamRef(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, k: AdamConsts): void {
  const { b1, b2, stepSize, bc2Sqrt, eps, l2, decay, sign } = k;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    let x = p[i]!;
    if (decay !== 1) x *= decay;
    const gr = sign * g[i]! + l2 * x;
    const mm = m[i]! + (gr - m[i]!) * c1;
    const vv = b2 * v[i]! + c2 * gr * gr;
    m[i] = mm;
    v[i] = vv;
    p[i] = x - (stepSize * mm) / (Math.sqrt(vv) / bc2Sqrt + eps);
  }
}

/** out[C×R] = transpose of a[R×C], in cache blocks. */
export function transpose2dRef(a: ArrayLike<number>, out: { [i: number]: number }, R: number, C: number): void {
  const B = 32;
  for (let r0 = 0; r0 < R; r0 += B) {
    const r1 = Math.min(R, r0 + B);
    for (let c0 = 0; c0 < C; c0 += B) {
      const c1 = Math.min(C, c0 + B);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * R + r] = a[r * C + c]!;
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

/**
 * Inverted dropout with a local xoshiro128** stream (seed: four int32 words, not all zero; an all-zero
 * seed is replaced by [1, 0, 0, 0]): each 32-bit draw decides two elements (its low 16 bits, then its
 * high 16 bits); an element is kept when those bits are ≥ ⌊p·65536⌋, and kept elements are scaled
 * by 1/(1 − p) (rounded to the array's precision). With `relu`, elements that are not > 0 are
 * dropped too. Writes out = d·k and, when given, mask = k. (The stream of the graph models'
 * `fastDropout` / `reluDropout`.)
 */
export function dropoutMaskRef(
  d: FloatArray,
  mask: FloatArray | null,
  out: FloatArray,
  n: number,
  seed: readonly number[],
  p: number,
  relu: boolean,
): void {
  let s0 = seed[0]! | 0;
  let s1 = seed[1]! | 0;
  let s2 = seed[2]! | 0;
  let s3 = seed[3]! | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  const thr = Math.floor(p * 65536);
  const scale = d instanceof Float32Array ? Math.fround(1 / (1 - p)) : 1 / (1 - p);
  for (let i = 0; i < n; i += 2) {
    const m5 = Math.imul(s1, 5);
    const r = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const d0 = d[i]!;
    const k0 = (r & 0xffff) >= thr && (!relu || d0 > 0) ? scale : 0;
    if (mask !== null) mask[i] = k0;
    out[i] = d0 * k0;
    if (i + 1 < n) {
      const d1 = d[i + 1]!;
      const k1 = r >>> 16 >= thr && (!relu || d1 > 0) ? scale : 0;
      if (mask !== null) mask[i + 1] = k1;
      out[i + 1] = d1 * k1;
    }
  }
}

// Channels-first batch norm over x[N][C][L] (twins of channelStatsNclF32, channelAffineNclF32 and
// channelGradNclF32): sequential float64 sums, float64 elementwise maps.

/** mean[c] and biased variance vr[c] of x[N][C][L] over images and positions (two passes per channel). */
export function channelStatsNclRef(
  x: FloatArray,
  N: number,
  C: number,
  L: number,
  mean: Float64Array,
  vr: Float64Array,
): void {
  const n = N * L;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let b = 0; b < N; b++) {
      const o = (b * C + c) * L;
      for (let l = 0; l < L; l++) s += x[o + l]!;
    }
    const m = s / n;
    let v = 0;
    for (let b = 0; b < N; b++) {
      const o = (b * C + c) * L;
      for (let l = 0; l < L; l++) {
        const d = x[o + l]! - m;
        v += d * d;
      }
    }
    mean[c] = m;
    vr[c] = v / n;
  }
}

/** out = x·scale[c] + shift[c] over x[N][C][L] (out may be x). */
export function channelAffineNclRef(
  x: FloatArray,
  out: FloatArray,
  N: number,
  C: number,
  L: number,
  scale: Float64Array,
  shift: Float64Array,
): void {
  for (let c = 0; c < C; c++) {
    const a = scale[c]!;
    const sh = shift[c]!;
    for (let b = 0; b < N; b++) {
      const o = (b * C + c) * L;
      for (let l = 0; l < L; l++) out[o + l] = x[o + l]! * a + sh;
    }
  }
}

/**
 * Batch-norm gradient over x[N][C][L]: sums[c] = Σ g, sums[C + c] = Σ g·(x − mean)·invStd; dx =
 * k·(g − Σg/n − (x − mean)·invStd·sums[C + c]/n) when `useBatch` (n = N·L), else k·g.
 */
export function channelGradNclRef(
  x: FloatArray,
  g: FloatArray,
  dx: FloatArray,
  N: number,
  C: number,
  L: number,
  mean: Float64Array,
  invStd: Float64Array,
  k: Float64Array,
  useBatch: boolean,
  sums: Float64Array,
): void {
  const n = N * L;
  for (let c = 0; c < C; c++) {
    const m = mean[c]!;
    const is = invStd[c]!;
    let sg = 0;
    let sgx = 0;
    for (let b = 0; b < N; b++) {
      const o = (b * C + c) * L;
      for (let l = 0; l < L; l++) {
        const gv = g[o + l]!;
        sg += gv;
        sgx += gv * (x[o + l]! - m) * is;
      }
    }
    sums[c] = sg;
    sums[C + c] = sgx;
    const kc = k[c]!;
    if (useBatch) {
      const mg = sg / n;
      const mgx = sgx / n;
      for (let b = 0; b < N; b++) {
        const o = (b * C + c) * L;
        for (let l = 0; l < L; l++) dx[o + l] = kc * (g[o + l]! - mg - (x[o + l]! - m) * is * mgx);
      }
    } else {
      for (let b = 0; b < N; b++) {
        const o = (b * C + c) * L;
        for (let l = 0; l < L; l++) dx[o + l] = kc * g[o + l]!;
      }
    }
  }
}

/**
 * Inverted-dropout mask from a xoshiro128** state (the Generator's stream): one draw per element,
 * out[i] = `scale` when the draw's top 24 bits are ≥ thr, else 0; `state` (s0..s3 as int32) is advanced.
 */
export function bernoulliMaskRef(out: FloatArray, state: Int32Array, thr: number, scale: number): void {
  let s0 = state[0]!;
  let s1 = state[1]!;
  let s2 = state[2]!;
  let s3 = state[3]!;
  for (let i = 0; i < out.length; i++) {
    const m5 = Math.imul(s1, 5);
    const r = Math.imul((m5 << 7) | (m5 >>> 25), 9) >>> 8;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    out[i] = r >= thr ? scale : 0;
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}
