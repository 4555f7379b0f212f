/**
 * Reference (TypeScript) batch-normalisation kernels, twins of `wasm/assembly/norms.ts`: per-channel
 * statistics, affine map and gradient (optional fused ReLU) over rows x[N×C], and the same three over
 * channels-first x[N][C][L]. Statistics accumulate in float64.
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
