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
export function channelAffineRef(x: FloatArray, y: FloatArray, N: number, C: number, scale: ArrayLike<number>, shift: ArrayLike<number>, relu: boolean): void {
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
