/**
 * JS side of the batch-norm kernels (`assembly/norms.ts`): copies the operands into the WASM arena,
 * calls the kernel and copies the results back. Twins: `ref/norms.ts`. The channels-first statistics
 * and gradient may split over the kernel team by ranges of channels ({@link TEAM_JOB.batchNormNcl}):
 * each channel's float64 sums run whole on one thread in the one-thread order, so the numbers do not
 * depend on the thread count; the calling thread copies each chunk's channels in (and the gradient's
 * out) while the others compute.
 */
import type { WasmArgs } from "../dispatch.js";
import type { bnGradRef, channelGradNclRef } from "../ref/norms.js";
import { jobArgs, type KernelTeam, kernelTeam, TEAM_MAX_CHUNKS } from "../team.js";
import { BN_NCL_ARGS, BN_NCL_PASS, TEAM_JOB } from "../team_jobs.js";
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
  channelStatsNclF32(
    x: number,
    N: number,
    C: number,
    L: number,
    mean: number,
    vr: number,
    c0: number,
    c1: number,
  ): void;
  channelAffineNclF32(
    x: number,
    out: number,
    N: number,
    C: number,
    L: number,
    scale: number,
    shift: number,
    c0: number,
    c1: number,
  ): void;
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
    c0: number,
    c1: number,
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

/**
 * The kernel-team work of a channels-first statistics or gradient pass over n values: the float64 sums
 * run one after another (each add waits for the last), about eight multiply-adds' time per value.
 */
export const NCL_WORK_PER_VALUE = 8;

/** Channels per chunk of a {@link TEAM_JOB.batchNormNcl} over C channels on `team`. */
function nclChunkChannels(team: KernelTeam, C: number): number {
  return Math.ceil(C / Math.min(C, 4 * team.size, TEAM_MAX_CHUNKS));
}

/**
 * The copy of chunk k's channels [k·cPer, (k+1)·cPer) of every image between the JS array `arr` and the
 * arena at byte offset `p` (both [N][C][L]): into the arena (`in`) or out of it (`out`).
 */
function nclChunkCopy(
  rt: WasmRuntime,
  arr: Float32Array,
  p: number,
  dir: "in" | "out",
  N: number,
  C: number,
  L: number,
  cPer: number,
): (k: number) => void {
  return (k) => {
    const c0 = k * cPer;
    const c1 = Math.min(C, c0 + cPer);
    const f = rt.f32;
    for (let b = 0; b < N; b++) {
      const a = (b * C + c0) * L;
      const z = (b * C + c1) * L;
      if (dir === "in") f.set(arr.subarray(a, z), (p >> 2) + a);
      else arr.set(f.subarray((p >> 2) + a, (p >> 2) + z), a);
    }
  };
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
  const n = N * C * L;
  const team = kernelTeam(rt, NCL_WORK_PER_VALUE * n);
  rt.reset();
  const pX = rt.alloc(n * 4);
  const pM = rt.alloc(C * 8);
  const pV = rt.alloc(C * 8);
  if (team === null) {
    rt.f32.set(x.subarray(0, n), pX >> 2);
    rt.exports.channelStatsNclF32(pX, N, C, L, pM, pV, 0, C);
  } else {
    const cPer = nclChunkChannels(team, C);
    const args = jobArgs(BN_NCL_ARGS, { pass: BN_NCL_PASS.stats, x: pX, N, C, L, p0: pM, p1: pV, cPer });
    team.run(TEAM_JOB.batchNormNcl, Math.ceil(C / cPer), args, { feed: nclChunkCopy(rt, x, pX, "in", N, C, L, cPer) });
  }
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
  rt.exports.channelAffineNclF32(pX, pX, N, C, L, pS, pT, 0, C);
  out.set(rt.f32.subarray(pX >> 2, (pX >> 2) + n));
}

/** Batch-norm gradient over x[N][C][L]; see channelGradNclRef. */
export function channelGradNclWasm(
  rt: WasmRuntime,
  ...[x, g, dx, N, C, L, mean, invStd, k, useBatch, sums]: WasmArgs<Parameters<typeof channelGradNclRef>>
): void {
  const n = N * C * L;
  const team = kernelTeam(rt, NCL_WORK_PER_VALUE * n);
  rt.reset();
  const pX = rt.alloc(n * 4);
  const pG = rt.alloc(n * 4);
  const pP = rt.alloc(5 * C * 8);
  const par = f64View(rt, pP, 5 * C);
  par.set(mean.subarray(0, C), 0);
  par.set(invStd.subarray(0, C), C);
  par.set(k.subarray(0, C), 2 * C);
  const [pM, pI, pK, pS] = [pP, pP + C * 8, pP + 2 * C * 8, pP + 3 * C * 8];
  if (team === null) {
    const f = rt.f32;
    f.set(x.subarray(0, n), pX >> 2);
    f.set(g.subarray(0, n), pG >> 2);
    rt.exports.channelGradNclF32(pX, pG, pX, N, C, L, pM, pI, pK, useBatch ? 1 : 0, pS, 0, C);
    dx.set(rt.f32.subarray(pX >> 2, (pX >> 2) + n));
  } else {
    const cPer = nclChunkChannels(team, C);
    const args = jobArgs(BN_NCL_ARGS, {
      pass: BN_NCL_PASS.grad,
      x: pX,
      g: pG,
      dx: pX,
      N,
      C,
      L,
      p0: pM,
      p1: pI,
      p2: pK,
      useBatch: useBatch ? 1 : 0,
      sums: pS,
      cPer,
    });
    const inX = nclChunkCopy(rt, x, pX, "in", N, C, L, cPer);
    const inG = nclChunkCopy(rt, g, pG, "in", N, C, L, cPer);
    team.run(TEAM_JOB.batchNormNcl, Math.ceil(C / cPer), args, {
      feed: (c) => {
        inX(c);
        inG(c);
      },
      drain: nclChunkCopy(rt, dx, pX, "out", N, C, L, cPer),
    });
  }
  sums.set(f64View(rt, pS, 2 * C));
}
