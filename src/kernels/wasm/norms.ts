/**
 * JS side of the batch-norm kernels (`assembly/norms.ts`): copies the operands into the WASM arena,
 * calls the kernel and copies the results back. Twins: `ref/norms.ts`.
 */
import type { WasmArgs } from "../dispatch.js";
import type { bnGradRef, channelGradNclRef } from "../ref/norms.js";
import { f64View, type WasmRuntime } from "./loader.js";

/** The exports of `assembly/norms.ts`. */
export interface NormsExports {
  channelStatsF32(x: number, N: number, C: number, mean: number, vr: number): void;
  channelAffineF32(x: number, y: number, N: number, C: number, scale: number, shift: number, relu: number): void;
  bnGradF32(
    x: number,
    y: number,
    g: number,
    dx: number,
    N: number,
    C: number,
    mean: number,
    scale: number,
    invStd: number,
    M: number,
    useBatch: number,
    relu: number,
    wantDx: number,
    sums: number,
    scratch: number,
  ): void;
  channelStatsNclF32(x: number, N: number, C: number, L: number, mean: number, vr: number): void;
  channelAffineNclF32(x: number, out: number, N: number, C: number, L: number, scale: number, shift: number): void;
  channelGradNclF32(
    x: number,
    g: number,
    dx: number,
    N: number,
    C: number,
    L: number,
    mean: number,
    invStd: number,
    k: number,
    useBatch: number,
    sums: number,
  ): void;
}

/** Per-channel mean and biased variance of x[N×C]. */
export function channelStatsWasm(
  rt: WasmRuntime,
  x: Float32Array,
  N: number,
  C: number,
  mean: Float64Array,
  vr: Float64Array,
): void {
  rt.reset();
  const pX = rt.alloc(N * C * 4);
  const pM = rt.alloc(C * 8);
  const pV = rt.alloc(C * 8);
  rt.f32.set(x.subarray(0, N * C), pX >> 2);
  rt.exports.channelStatsF32(pX, N, C, pM, pV);
  mean.set(f64View(rt, pM, C));
  vr.set(f64View(rt, pV, C));
}

/** y = x·scale + shift per channel (optional ReLU), with scale and shift rounded to float32. */
export function channelAffineWasm(
  rt: WasmRuntime,
  x: Float32Array,
  y: Float32Array,
  N: number,
  C: number,
  scale: ArrayLike<number>,
  shift: ArrayLike<number>,
  relu: boolean,
): void {
  rt.reset();
  const pX = rt.alloc(N * C * 4);
  const pS = rt.alloc(C * 4);
  const pT = rt.alloc(C * 4);
  const f = rt.f32;
  f.set(x.subarray(0, N * C), pX >> 2);
  f.set(Float32Array.from(scale), pS >> 2);
  f.set(Float32Array.from(shift), pT >> 2);
  rt.exports.channelAffineF32(pX, pX, N, C, pS, pT, relu ? 1 : 0);
  y.set(f.subarray(pX >> 2, (pX >> 2) + N * C));
}

/** Batch-norm gradient sums (and dx when given), with scale rounded to float32; see `bnGradRef`. */
export function bnGradWasm(
  rt: WasmRuntime,
  ...[x, y, g, dx, N, C, mean, scale, invStd, M, useBatch, relu, sums]: WasmArgs<Parameters<typeof bnGradRef>>
): void {
  rt.reset();
  const n = N * C;
  const pX = rt.alloc(n * 4);
  const pY = relu ? rt.alloc(n * 4) : pX;
  const pG = rt.alloc(n * 4);
  const pM = rt.alloc(C * 8);
  const pI = rt.alloc(C * 8);
  const pS = rt.alloc(C * 4);
  const pSums = rt.alloc(C * 16);
  const pScr = rt.alloc(C * 12);
  const f = rt.f32;
  f.set(x.subarray(0, n), pX >> 2);
  if (relu) f.set(y.subarray(0, n), pY >> 2);
  f.set(g.subarray(0, n), pG >> 2);
  f64View(rt, pM, C).set(mean.subarray(0, C));
  f64View(rt, pI, C).set(invStd.subarray(0, C));
  f.set(Float32Array.from(scale).subarray(0, C), pS >> 2);
  // dx overwrites g in place (each element is read before it is written)
  rt.exports.bnGradF32(
    pX,
    pY,
    pG,
    pG,
    N,
    C,
    pM,
    pS,
    pI,
    M,
    useBatch ? 1 : 0,
    relu ? 1 : 0,
    dx !== null ? 1 : 0,
    pSums,
    pScr,
  );
  sums.set(f64View(rt, pSums, 2 * C));
  if (dx !== null) dx.set(rt.f32.subarray(pG >> 2, (pG >> 2) + n));
}

/** Per-channel mean and biased variance of x[N][C][L]; see channelStatsNclRef. */
export function channelStatsNclWasm(
  rt: WasmRuntime,
  x: Float32Array,
  N: number,
  C: number,
  L: number,
  mean: Float64Array,
  vr: Float64Array,
): void {
  rt.reset();
  const n = N * C * L;
  const pX = rt.alloc(n * 4);
  const pM = rt.alloc(C * 8);
  const pV = rt.alloc(C * 8);
  rt.f32.set(x.subarray(0, n), pX >> 2);
  rt.exports.channelStatsNclF32(pX, N, C, L, pM, pV);
  mean.set(f64View(rt, pM, C));
  vr.set(f64View(rt, pV, C));
}

/** out = x·scale[c] + shift[c] over x[N][C][L]; see channelAffineNclRef. */
export function channelAffineNclWasm(
  rt: WasmRuntime,
  x: Float32Array,
  out: Float32Array,
  N: number,
  C: number,
  L: number,
  scale: Float64Array,
  shift: Float64Array,
): void {
  rt.reset();
  const n = N * C * L;
  const pX = rt.alloc(n * 4);
  const pS = rt.alloc(C * 8);
  const pT = rt.alloc(C * 8);
  rt.f32.set(x.subarray(0, n), pX >> 2);
  f64View(rt, pS, C).set(scale.subarray(0, C));
  f64View(rt, pT, C).set(shift.subarray(0, C));
  rt.exports.channelAffineNclF32(pX, pX, N, C, L, pS, pT);
  out.set(rt.f32.subarray(pX >> 2, (pX >> 2) + n));
}

/** Batch-norm gradient over x[N][C][L]; see channelGradNclRef. */
export function channelGradNclWasm(
  rt: WasmRuntime,
  ...[x, g, dx, N, C, L, mean, invStd, k, useBatch, sums]: WasmArgs<Parameters<typeof channelGradNclRef>>
): void {
  rt.reset();
  const n = N * C * L;
  const pX = rt.alloc(n * 4);
  const pG = rt.alloc(n * 4);
  const pP = rt.alloc(5 * C * 8);
  const f = rt.f32;
  f.set(x.subarray(0, n), pX >> 2);
  f.set(g.subarray(0, n), pG >> 2);
  const par = f64View(rt, pP, 5 * C);
  par.set(mean.subarray(0, C), 0);
  par.set(invStd.subarray(0, C), C);
  par.set(k.subarray(0, C), 2 * C);
  rt.exports.channelGradNclF32(pX, pG, pX, N, C, L, pP, pP + C * 8, pP + 2 * C * 8, useBatch ? 1 : 0, pP + 3 * C * 8);
  sums.set(f64View(rt, pP + 3 * C * 8, 2 * C));
  dx.set(rt.f32.subarray(pX >> 2, (pX >> 2) + n));
}
