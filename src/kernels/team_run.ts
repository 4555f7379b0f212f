/**
 * What each thread of a kernel team runs (`team.ts`): {@link runTeamJob} and the chunk of every job kind
 * of `team_jobs.ts`, which holds the job kinds and their argument slots. A chunk reads its arguments
 * from the control block and calls module exports only: it never allocates and never touches a JS
 * array; `tid` picks the thread's block of the per-thread buffers the caller allocated.
 */

import { TP_PD } from "./ref/o3.js";
import {
  BATCHED_GEMM_ARGS,
  BN_NCL_ARGS,
  BN_NCL_PASS,
  CONV_STRIDE1_ARGS,
  CONV_STRIDE1_PASS,
  COPY_BOX_ARGS,
  DEPTHWISE_ARGS,
  DEPTHWISE_PASS,
  GATHERED_ROWS_ARGS,
  GEMM_ROWS_ARGS,
  SH_ARGS,
  SPMM_ROWS_ARGS,
  TEAM_JOB,
  TP_BACKWARD_ARGS,
  TP_FORWARD_ARGS,
  UNARY_MAP_ARGS,
  WINOGRAD_BACKWARD_ARGS,
  WINOGRAD_FORWARD_ARGS,
  WINOGRAD5_TRANSFORM,
  WINOGRAD5_TRANSFORM_ARGS,
} from "./team_jobs.js";
import type { WasmExports } from "./wasm/loader.js";
import type { O3Exports } from "./wasm/o3.js";

/**
 * Runs chunk `chunk` of job `job` with arguments `a` on thread `tid` through the module exports `e`;
 * returns the chunk's int32 result where its job has one (see KernelTeam.chunkResult).
 */
export function runTeamJob(
  e: WasmExports,
  job: number,
  a: Float64Array,
  chunk: number,
  tid: number,
): number | undefined {
  if (job === TEAM_JOB.gemmRows) {
    const R = GEMM_ROWS_ARGS;
    const lda = a[R.lda]!;
    const N = a[R.N]!;
    const rows = a[R.rows]!;
    const i0 = chunk * rows;
    const m = Math.min(rows, a[R.M]! - i0);
    e.gemmRows(
      a[R.A]! + i0 * lda * 4,
      lda,
      a[R.Bp]!,
      a[R.C]! + i0 * N * 4,
      m,
      N,
      a[R.K]!,
      a[R.accumulate]!,
      a[R.Ap]! + tid * a[R.apStride]!,
    );
    return;
  }
  if (job === TEAM_JOB.winogradForward) {
    const R = WINOGRAD_FORWARD_ARGS;
    const G = a[R.G]!;
    const gi = a[R.gi]!;
    const Cg = a[R.Cg]!;
    const H = a[R.H]!;
    const W = a[R.W]!;
    const ph = a[R.ph]!;
    const pw = a[R.pw]!;
    const th = a[R.th]!;
    const tw = a[R.tw]!;
    const Tp = a[R.Tp]!;
    const Og = a[R.Og]!;
    const oh = a[R.oh]!;
    const ow = a[R.ow]!;
    const Ms = a[R.Ms]!;
    const T1 = a[R.T1]!;
    const nb = a[R.nb]!;
    const hasBias = a[R.hasBias]!;
    const xs = Cg * H * W;
    const ys = Og * oh * ow;
    const blk = a[R.blocks]! + tid * a[R.blockStride]!;
    const pV = blk;
    const pM = blk + a[R.offM]!;
    const pXp = blk + a[R.offXp]!;
    const pTb = blk + a[R.offTb]!;
    const n0 = chunk * nb;
    const nI = Math.min(nb, a[R.N]! - n0);
    for (let k = 0; k < nI; k++) {
      const px = a[R.x]! + ((n0 + k) * G + gi) * xs * 4;
      e.wgInputF32(px, Cg, H, W, ph, pw, th, tw, pXp, pTb, pV, a[R.Cs]!, Tp, k * T1);
    }
    e.wgGemmF32(a[R.U]!, pV, pM, a[R.Ogp]!, Cg, a[R.Cs]!, Tp, Ms);
    for (let k = 0; k < nI; k++) {
      const py = a[R.y]! + ((n0 + k) * G + gi) * ys * 4;
      e.wgOutputF32(pM, Ms, Tp, k * T1, th, tw, py, Og, oh, ow, a[R.bias]!, hasBias);
    }
    return;
  }
  if (job === TEAM_JOB.winogradBackward) {
    winogradBackwardChunk(e, a, chunk, tid);
    return;
  }
  if (job === TEAM_JOB.spmmRows) {
    // a row's entries are at absolute positions indptr[r] … indptr[r + 1]: a range of rows is the
    // same product from an offset indptr
    const R = SPMM_ROWS_ARGS;
    const F = a[R.F]!;
    const r0 = chunk * a[R.chunkRows]!;
    const n = Math.min(a[R.chunkRows]!, a[R.rows]! - r0);
    const ptr = a[R.indptr]! + r0 * 4;
    const out = a[R.out]! + r0 * F * 4;
    if (a[R.wide] !== 0) e.spmmCsrCols16F32(ptr, a[R.indices]!, a[R.values]!, a[R.hasValues]!, n, a[R.X]!, F, out);
    else e.spmmCsrF32(ptr, a[R.indices]!, a[R.values]!, a[R.hasValues]!, n, a[R.X]!, F, out);
    return;
  }
  if (job === TEAM_JOB.tpForward) {
    const R = TP_FORWARD_ARGS;
    const P = a[R.P]!;
    const perSample = a[R.perSample]!;
    const z0 = chunk * a[R.chunkZ]!;
    const nz = Math.min(a[R.chunkZ]!, a[R.Z]! - z0);
    (e as unknown as O3Exports).tpForwardF32(
      a[R.x1]! + z0 * a[R.D1]! * 4,
      a[R.x2]! + z0 * a[R.D2]! * 4,
      a[R.w]! + (perSample !== 0 ? z0 * P * 4 : 0),
      perSample,
      nz,
      a[R.D1]!,
      a[R.D2]!,
      a[R.D3]!,
      P,
      a[R.desc]!,
      a[R.nPaths]!,
      a[R.pw]!,
      a[R.ei]!,
      a[R.ej]!,
      a[R.ev]!,
      a[R.gptr]!,
      a[R.out]! + z0 * a[R.D3]! * 4,
      a[R.scratch]! + tid * a[R.scratchStride]!,
    );
    return;
  }
  if (job === TEAM_JOB.sphericalHarmonics) return harmonicsChunk(e as unknown as O3Exports, a, chunk, tid);
  if (job === TEAM_JOB.tpBackward) {
    tpBackwardChunk(e as unknown as O3Exports, a, chunk, tid);
    return;
  }
  if (job === TEAM_JOB.winograd5Transform) {
    winograd5TransformChunk(e, a, chunk, tid);
    return;
  }
  if (job === TEAM_JOB.batchedGemm) {
    const R = BATCHED_GEMM_ARGS;
    const blk = a[R.scratch]! + tid * a[R.scratchStride]!;
    e.gemmPackB(a[R.B]! + chunk * a[R.bStride]!, blk, a[R.Kb]!, a[R.Nb]!, a[R.transB]!);
    e.gemmRows(
      a[R.A]! + chunk * a[R.aStride]!,
      a[R.lda]!,
      blk,
      a[R.C]! + chunk * a[R.cStride]!,
      a[R.m]!,
      a[R.N]!,
      a[R.K]!,
      a[R.accumulate]!,
      blk + a[R.offAp]!,
    );
    return;
  }
  if (job === TEAM_JOB.depthwise) {
    depthwiseChunk(e, a, chunk, tid);
    return;
  }
  if (job === TEAM_JOB.copyBox) {
    const R = COPY_BOX_ARGS;
    const r0 = chunk * a[R.rowsPer]!;
    const r1 = Math.min(a[R.rows]!, r0 + a[R.rowsPer]!);
    if (r1 > r0) e.copyBox32(a[R.src]!, a[R.dst]!, a[R.nd]!, a[R.dims]!, a[R.sStr]!, a[R.dStr]!, r0, r1);
    return;
  }
  if (job === TEAM_JOB.batchNormNcl) {
    batchNormNclChunk(e, a, chunk);
    return;
  }
  if (job === TEAM_JOB.gatheredRows) {
    const R = GATHERED_ROWS_ARGS;
    const rows = a[R.R]!;
    const r0 = chunk * a[R.rowsPer]!;
    const r1 = Math.min(rows, r0 + a[R.rowsPer]!);
    if (r1 <= r0) return;
    if (a[R.pass] === 0)
      e.gatheredRowsF32(
        a[R.src]!,
        a[R.K]!,
        a[R.ids]!,
        a[R.offs]!,
        a[R.U]!,
        a[R.mats]!,
        a[R.N]!,
        a[R.dst]!,
        rows,
        r0,
        r1,
      );
    else
      e.gatheredRowsGradF32(
        a[R.src]!,
        a[R.ids]!,
        a[R.offs]!,
        a[R.offs4]!,
        a[R.U]!,
        a[R.mats]!,
        a[R.N]!,
        a[R.dst]!,
        a[R.K]!,
        rows,
        r0,
        r1,
      );
    return;
  }
  if (job === TEAM_JOB.convStride1) {
    convStride1Chunk(e, a, chunk, tid);
    return;
  }
  if (job === TEAM_JOB.unaryMap) {
    unaryMapChunk(e, a, chunk);
    return;
  }
  throw new Error(`kernel team: unknown job ${job}`);
}

/** The geometry of one (image, group) item of a stride-1 convolution (`Stride1Geometry` and its layout). */
export interface Stride1Item {
  Cg: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  dh: number;
  dw: number;
  oh: number;
  ow: number;
  Og: number;
  /** Padded row width, plane size, output rows per GEMM and the offset of the first interior value. */
  Wp: number;
  plane: number;
  rowsPer: number;
  inner: number;
}

/**
 * The forward of one (image, group) item, as the one-thread pass and the team's chunks run it: the
 * item's planes `x` padded into `scratch[0]`, then per block of output rows the B panels packed into
 * `scratch[1]`, the GEMM with the group's weights `w` into `scratch[2]` (packed A in `scratch[3]`), and
 * the rows unpadded into `y` with the group's bias `b` added. All arguments are byte offsets.
 */
export function stride1ItemForward(
  e: WasmExports,
  s: Stride1Item,
  x: number,
  w: number,
  b: number,
  y: number,
  scratch: readonly [number, number, number, number],
): void {
  const [pXp, pBp, pC, pAp] = scratch;
  const Kg = s.Cg * s.kh * s.kw;
  e.convPadPlanesF32(x, s.Cg, s.H, s.W, pXp, s.Wp, s.plane, s.inner);
  for (let r0 = 0; r0 < s.oh; r0 += s.rowsPer) {
    const rows = Math.min(s.rowsPer, s.oh - r0);
    const len = rows * s.Wp;
    e.convPackBF32(pXp, pBp, s.Cg, s.kh, s.kw, s.dh, s.dw, s.Wp, s.plane, r0 * s.Wp, len);
    e.gemmRows(w, Kg, pBp, pC, s.Og, len, Kg, 0, pAp);
    e.convUnpadRowsF32(pC, s.Og, rows, s.Wp, s.ow, y, s.oh * s.ow, r0, b, 1);
  }
}

/** Chunk `chunk` of a {@link TEAM_JOB.convStride1}: the one-thread pass's work for its items or channels. */
function convStride1Chunk(e: WasmExports, a: Float64Array, chunk: number, tid: number): void {
  const R = CONV_STRIDE1_ARGS;
  const [N, G, Cg, Og, H, W] = [a[R.N]!, a[R.G]!, a[R.Cg]!, a[R.Og]!, a[R.H]!, a[R.W]!];
  const [kh, kw, dh, dw, oh, ow] = [a[R.kh]!, a[R.kw]!, a[R.dh]!, a[R.dw]!, a[R.oh]!, a[R.ow]!];
  const [Wp, plane, rowsPer, per] = [a[R.Wp]!, a[R.plane]!, a[R.rowsPer]!, a[R.per]!];
  const Kg = Cg * kh * kw;
  const P = oh * ow;
  const xs = Cg * H * W;
  const inner = a[R.ph]! * Wp + a[R.pw]!;
  const blk = a[R.blocks]! + tid * a[R.blockStride]!;
  const [pXp, pBp, pC, pAp] = [blk, blk + a[R.offBp]!, blk + a[R.offC]!, blk + a[R.offAp]!];
  if (a[R.pass] === CONV_STRIDE1_PASS.forward) {
    const item: Stride1Item = { Cg, H, W, kh, kw, dh, dw, oh, ow, Og, Wp, plane, rowsPer, inner };
    const i1 = Math.min(N * G, (chunk + 1) * per);
    for (let i = chunk * per; i < i1; i++) {
      const gi = i % G;
      const w = a[R.w]! + gi * Og * Kg * 4;
      const y = a[R.y]! + i * Og * P * 4;
      stride1ItemForward(e, item, a[R.x]! + i * xs * 4, w, a[R.bias]! + gi * Og * 4, y, [pXp, pBp, pC, pAp]);
    }
    return;
  }
  const cpg = a[R.cpg]!;
  const gi = Math.floor(chunk / cpg);
  const m0 = (chunk % cpg) * per;
  const m = Math.min(Og, m0 + per) - m0;
  if (m <= 0) return;
  // this chunk's rows of gw, and of each image's gy padded to rows of Wp (zero past ow) in its block
  const gw = a[R.w]! + (gi * Og + m0) * Kg * 4;
  for (let n = 0; n < N; n++) {
    const item = n * G + gi;
    e.convPadPlanesF32(a[R.x]! + item * xs * 4, Cg, H, W, pXp, Wp, plane, inner);
    e.convPadPlanesF32(a[R.y]! + (item * Og + m0) * P * 4, m, oh, ow, pC, Wp, oh * Wp, 0);
    for (let r0 = 0; r0 < oh; r0 += rowsPer) {
      const len = Math.min(rowsPer, oh - r0) * Wp;
      e.convPackBTF32(pXp, pBp, Cg, kh, kw, dh, dw, Wp, plane, r0 * Wp, len);
      e.gemmRows(pC + r0 * Wp * 4, oh * Wp, pBp, gw, m, Kg, len, 1, pAp);
    }
  }
}

/** Chunk `chunk` of a {@link TEAM_JOB.depthwise}: its channels, each over every image. */
function depthwiseChunk(e: WasmExports, a: Float64Array, chunk: number, tid: number): void {
  const R = DEPTHWISE_ARGS;
  const c0 = chunk * a[R.cPer]!;
  const c1 = Math.min(a[R.C]!, c0 + a[R.cPer]!);
  const d = a[R.d]!;
  const s = a[R.scratch]! + tid * a[R.scratchStride]!;
  const pass = a[R.pass]!;
  if (pass === DEPTHWISE_PASS.forward)
    e.dwForwardF32(d, a[R.in0]!, a[R.in1]!, a[R.in2]!, a[R.hasBias]!, a[R.out]!, s, c0, c1);
  else if (pass === DEPTHWISE_PASS.inputGrad) e.dwInputGradF32(d, a[R.in0]!, a[R.in1]!, a[R.out]!, s, c0, c1);
  else e.dwWeightGradF32(d, a[R.in0]!, a[R.in1]!, a[R.out]!, s, c0, c1);
}

/** Chunk `chunk` of a {@link TEAM_JOB.batchNormNcl}: its channels, each over every image. */
function batchNormNclChunk(e: WasmExports, a: Float64Array, chunk: number): void {
  const R = BN_NCL_ARGS;
  const C = a[R.C]!;
  const c0 = chunk * a[R.cPer]!;
  const c1 = Math.min(C, c0 + a[R.cPer]!);
  if (c1 <= c0) return;
  const [N, L] = [a[R.N]!, a[R.L]!];
  if (a[R.pass] === BN_NCL_PASS.stats) e.channelStatsNclF32(a[R.x]!, N, C, L, a[R.p0]!, a[R.p1]!, c0, c1);
  else
    e.channelGradNclF32(
      a[R.x]!,
      a[R.g]!,
      a[R.dx]!,
      N,
      C,
      L,
      a[R.p0]!,
      a[R.p1]!,
      a[R.p2]!,
      a[R.useBatch]!,
      a[R.sums]!,
      c0,
      c1,
    );
}

/** Chunk `chunk` of a {@link TEAM_JOB.winograd5Transform}: its channels of every image of the block, in order. */
function winograd5TransformChunk(e: WasmExports, a: Float64Array, chunk: number, tid: number): void {
  const R = WINOGRAD5_TRANSFORM_ARGS;
  const C = a[R.C]!;
  const c0 = chunk * a[R.cPer]!;
  const nc = Math.min(a[R.cPer]!, C - c0);
  if (nc <= 0) return;
  const kind = a[R.kind]!;
  if (kind === WINOGRAD5_TRANSFORM.kernel) {
    e.wg5KernelF32(a[R.src]!, C, a[R.Cg]!, a[R.dst]!, a[R.rows]!, a[R.flip]!, c0, c0 + nc);
    return;
  }
  if (kind === WINOGRAD5_TRANSFORM.finish) {
    e.wg5FinishF32(a[R.src]!, C, a[R.Cg]!, a[R.rows]!, a[R.Cgp]!, a[R.dst]!, c0, c0 + nc);
    return;
  }
  if (kind === WINOGRAD5_TRANSFORM.factoredKernel) {
    e.wg5FactoredKernelF32(
      a[R.src]!,
      a[R.nU]!,
      a[R.prof]!,
      C,
      a[R.Cg]!,
      a[R.dst]!,
      a[R.rows]!,
      a[R.flip]!,
      c0,
      c0 + nc,
      a[R.dO]!,
      a[R.dI]!,
    );
    return;
  }
  if (kind === WINOGRAD5_TRANSFORM.factoredFinish) {
    e.wg5FactoredFinishF32(
      a[R.src]!,
      C,
      a[R.Cg]!,
      a[R.rows]!,
      a[R.Cgp]!,
      a[R.prof]!,
      a[R.nU]!,
      a[R.dst]!,
      c0,
      c0 + nc,
      a[R.dO]!,
      a[R.dI]!,
    );
    return;
  }
  const G = a[R.G]!;
  const gi = a[R.gi]!;
  const H = a[R.H]!;
  const W = a[R.W]!;
  const oh = a[R.oh]!;
  const ow = a[R.ow]!;
  const th = a[R.th]!;
  const tw = a[R.tw]!;
  const Tp = a[R.Tp]!;
  const T1 = a[R.T1]!;
  const n0 = a[R.n0]!;
  const rows = a[R.rows]!;
  const xp = a[R.scratch]! + tid * a[R.scratchStride]!;
  const tb = xp + a[R.offTb]!;
  // planes of the images (input: H×W; output gradient and output: oh×ow), and the chunk's first tile row
  const plane = (kind === WINOGRAD5_TRANSFORM.input ? H * W : oh * ow) * 4;
  const lanes = c0 * Tp * 4;
  for (let k = 0; k < a[R.nI]!; k++) {
    const img = ((n0 + k) * G + gi) * C * plane + c0 * plane;
    if (kind === WINOGRAD5_TRANSFORM.input)
      e.wg5InputF32(a[R.src]! + img, nc, H, W, a[R.ph]!, a[R.pw]!, th, tw, xp, tb, a[R.dst]! + lanes, rows, Tp, k * T1);
    else if (kind === WINOGRAD5_TRANSFORM.gradOut)
      e.wg5GradOutF32(a[R.src]! + img, nc, oh, ow, th, tw, xp, tb, a[R.dst]! + lanes, rows, Tp, k * T1);
    else
      e.wg5OutputF32(
        a[R.src]! + lanes,
        rows,
        Tp,
        k * T1,
        th,
        tw,
        a[R.dst]! + img,
        nc,
        oh,
        ow,
        a[R.bias]! + c0 * 4,
        a[R.hasBias]!,
      );
  }
}

/** One chunk (block of images) of {@link TEAM_JOB.winogradBackward}: the one-thread path's block, in its order. */
function winogradBackwardChunk(e: WasmExports, a: Float64Array, chunk: number, tid: number): void {
  const R = WINOGRAD_BACKWARD_ARGS;
  const Cg = a[R.Cg]!;
  const Og = a[R.Og]!;
  const H = a[R.H]!;
  const W = a[R.W]!;
  const ph = a[R.ph]!;
  const pw = a[R.pw]!;
  const oh = a[R.oh]!;
  const ow = a[R.ow]!;
  const th = a[R.th]!;
  const tw = a[R.tw]!;
  const Tp = a[R.Tp]!;
  const T1 = a[R.T1]!;
  const nb = a[R.nb]!;
  const Vs = a[R.Vs]!;
  const Ys = a[R.Ys]!;
  const Ogp = a[R.Ogp]!;
  const Cgp = a[R.Cgp]!;
  const what = a[R.what]!;
  const weights = (what & 1) !== 0;
  const input = (what & 2) !== 0;
  const bias = (what & 4) !== 0;
  const xs = Cg * H * W * 4;
  const ys = Og * oh * ow * 4;
  const blk = a[R.blocks]! + tid * a[R.blockStride]!;
  const pV = blk;
  const pY = blk + a[R.offY]!;
  const pXp = blk + a[R.offXp]!;
  const pTb = blk + a[R.offTb]!;
  const pGp = blk + a[R.offGp]!;
  const n0 = chunk * nb;
  const nI = Math.min(nb, a[R.N]! - n0);
  for (let k = 0; k < nI; k++) {
    const n = n0 + k;
    if (weights) e.wgInputF32(a[R.x]! + n * xs, Cg, H, W, ph, pw, th, tw, pXp, pTb, pV, Vs, Tp, k * T1);
    const slot = a[R.slots]! + n * Og * 4;
    e.wgGradOutF32(a[R.gy]! + n * ys, Og, oh, ow, th, tw, pGp, pTb, pY, Ys, Tp, k * T1, slot, bias ? 1 : 0);
  }
  if (nI < nb) e.wgZeroLanes(pY, 36 * Ys, Tp, nI * T1);
  if (weights) {
    const pD = a[R.D]! + chunk * 36 * Ogp * Cgp * 4;
    e.wgZero(pD, 36 * Ogp * Cgp);
    e.wgDotF32(pY, pV, pD, Ogp, Cgp, Tp, Ys, Vs);
  }
  if (input) {
    // dV = Uᵀ·Y over V's rows (V is spent), then the adjoint input transform per image into x's place
    e.wgGemmF32(a[R.UT]!, pY, pV, Cgp, Ogp, Ys, Tp, Vs);
    for (let k = 0; k < nI; k++)
      e.wgInputAdjF32(pV, Vs, Tp, k * T1, Cg, H, W, ph, pw, th, tw, pXp, pTb, a[R.x]! + (n0 + k) * xs);
  }
}

/** Chunk `chunk` of a {@link TEAM_JOB.unaryMap}: its values in place (the last chunk padded to whole vectors). */
function unaryMapChunk(e: WasmExports, a: Float64Array, chunk: number): void {
  const R = UNARY_MAP_ARGS;
  const s = chunk * a[R.per]!;
  const m = (Math.min(a[R.per]!, a[R.n]! - s) + 3) & ~3;
  const px = a[R.x]! + s * 4;
  if (a[R.grad] === 0) e.unaryF32(a[R.op]!, px, px, m, a[R.param]!);
  else e.unaryGradF32(a[R.op]!, px, a[R.g]! + s * 4, px, m, a[R.param]!);
}

/**
 * Chunk `chunk` of {@link TEAM_JOB.sphericalHarmonics}: its vectors' harmonics (forward: returns the
 * flat index into xyz of the chunk's first NaN, or −1) or their gradient.
 */
function harmonicsChunk(x: O3Exports, a: Float64Array, chunk: number, tid: number): number {
  const R = SH_ARGS;
  const per = a[R.per]!;
  const p0 = chunk * per;
  const m = Math.min(per, a[R.n]! - p0);
  const dim = a[R.dim]!;
  const nz = a[R.normalize]!;
  const pX = a[R.xyz]! + p0 * 12;
  const pS = a[R.scratch]! + tid * a[R.scratchStride]!;
  const unrolled = a[R.unrolled]! !== 0;
  if (a[R.grad]! !== 0) {
    const pG = a[R.g]! + p0 * dim * 4;
    const pGX = a[R.gx]! + p0 * 12;
    if (unrolled) x.shBackward3F32(pX, pG, m, nz, dim, a[R.coef]!, pGX, pS);
    else
      x.shBackwardF32(pX, pG, m, a[R.lmax]!, nz, dim, a[R.mc]!, a[R.ms]!, a[R.tri]!, a[R.slots]!, a[R.ptr]!, pGX, pS);
    return 0;
  }
  const pOut = a[R.out]! + p0 * dim * 4;
  const bad = unrolled
    ? x.shForward3F32(pX, m, nz, dim, a[R.coef]!, pOut, pS)
    : x.shForwardF32(pX, m, a[R.lmax]!, nz, dim, a[R.mc]!, a[R.ms]!, a[R.tri]!, a[R.slots]!, a[R.ptr]!, pOut, pS);
  return bad < 0 ? -1 : 3 * p0 + bad;
}

/** Chunk `chunk` of {@link TEAM_JOB.tpBackward} (see {@link TP_BACKWARD_ARGS}). */
function tpBackwardChunk(x: O3Exports, a: Float64Array, chunk: number, tid: number): void {
  const R = TP_BACKWARD_ARGS;
  const D1 = a[R.D1]!;
  const D2 = a[R.D2]!;
  const D3 = a[R.D3]!;
  const P = a[R.P]!;
  const Z = a[R.Z]!;
  const perSample = a[R.perSample]!;
  const ranges = a[R.ranges]!;
  const pS = a[R.scratch]! + tid * a[R.scratchStride]!;
  const call = (z0: number, nz: number, q0: number, q1: number, g1: number, g2: number, gw: number): void =>
    x.tpBackwardF32(
      a[R.x1]! + z0 * D1 * 4,
      a[R.x2]! + z0 * D2 * 4,
      a[R.w]! + (perSample !== 0 ? z0 * P * 4 : 0),
      perSample,
      nz,
      D1,
      D2,
      D3,
      P,
      a[R.maxRT]!,
      a[R.desc]! + q0 * TP_PD * 4,
      q1 - q0,
      a[R.pw]! + q0 * 4,
      a[R.ei]!,
      a[R.ej]!,
      a[R.ek]!,
      a[R.ev]!,
      a[R.gptr]!,
      a[R.g]! + z0 * D3 * 4,
      g1,
      g2,
      gw,
      pS,
    );
  if (chunk < ranges) {
    // the shared weights' gradient of a range of paths, in the one-thread path's calls
    const q0 = a[R.bounds + chunk]!;
    const q1 = a[R.bounds + chunk + 1]!;
    const gw = a[R.gw]! + chunk * P * 4;
    const zc = a[R.zc]!;
    for (let z0 = 0; z0 < Z; z0 += zc) call(z0, Math.min(zc, Z - z0), q0, q1, 0, 0, gw);
    return;
  }
  const chunkZ = a[R.chunkZ]!;
  const z0 = (chunk - ranges) * chunkZ;
  const nz = Math.min(chunkZ, Z - z0);
  const g1 = a[R.g1]!;
  const g2 = a[R.g2]!;
  const gwRows = a[R.gwRows]!;
  call(
    z0,
    nz,
    0,
    a[R.nPaths]!,
    g1 !== 0 ? g1 + z0 * D1 * 4 : 0,
    g2 !== 0 ? g2 + z0 * D2 * 4 : 0,
    gwRows !== 0 ? gwRows + z0 * P * 4 : 0,
  );
}
