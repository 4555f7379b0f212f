/**
 * The work a kernel team splits: one function per job kind, run by every thread of the team (the
 * calling one and the workers) on the chunks it claims. A job reads its arguments (byte offsets into
 * the shared WASM memory, sizes) from the team's control block and calls module exports only: it
 * never allocates and never touches a JS array. Each thread passes its index `tid` (0 the calling
 * thread), which picks that thread's block of the per-thread buffers the caller allocated.
 *
 * A chunk writes its own range of the output; no chunk reads what another writes. So a result never
 * depends on which thread ran which chunk, and the chunks of every job are the blocks the one-thread
 * path already computes one after the other: the numbers are those of one thread, bit for bit.
 */
import type { WasmExports } from "./wasm/loader.js";
import type { O3Exports } from "./wasm/o3.js";

/** Job kinds (the index of each in {@link runTeamJob}). */
export const TEAM_JOB = {
  /** C rows [i0, i0 + m) = A rows · packed B (`gemmRows`); chunk c covers rows [c·rows, (c+1)·rows). */
  gemmRows: 0,
  /** Winograd F(4×4, 3×3) forward of one group over one block of images per chunk. */
  winogradForward: 1,
  /** CSR product A·X (`spmmCsrF32`, or `spmmCsrCols16F32` when `wide`) over one range of rows per chunk. */
  spmmRows: 2,
  /** Tensor-product forward (`tpForwardF32`) over one range of samples (a multiple of 4) per chunk. */
  tpForward: 3,
  /**
   * One transform of a Winograd F(4×4, 5×5) block (input, output gradient or output, see
   * {@link WINOGRAD5_TRANSFORM_ARGS}) over one range of channels per chunk, the block's images in order.
   */
  winograd5Transform: 4,
  /** A batch of GEMMs (`gemmPackB` then `gemmRows`, see {@link BATCHED_GEMM_ARGS}), one per chunk. */
  batchedGemm: 5,
  /**
   * A depthwise convolution pass (forward, input or weight gradient, see {@link DEPTHWISE_ARGS}) over one
   * range of channels per chunk, every image of each channel in order.
   */
  depthwise: 6,
  /**
   * The Winograd F(4×4, 3×3) backward of one group over one block of images per chunk (see
   * {@link WINOGRAD_BACKWARD_ARGS}): the transforms of x and gy, the block's weight-gradient sums into
   * the chunk's own slot, the input gradient.
   */
  winogradBackward: 7,
  /**
   * A channels-first batch-norm pass over x[N][C][L] (statistics or gradient, see {@link BN_NCL_ARGS})
   * over one range of channels per chunk: each channel's sums run whole in one chunk, in the one-thread
   * order.
   */
  batchNormNcl: 8,
  /** A strided copy (`copyBox32`, see {@link COPY_BOX_ARGS}) over one range of its outer rows per chunk. */
  copyBox: 9,
  /**
   * Products of gathered columns or their gradient (`gatheredRowsF32` / `gatheredRowsGradF32`, see
   * {@link GATHERED_ROWS_ARGS}) over one range of rows per chunk.
   */
  gatheredRows: 10,
  /**
   * A stride-1 convolution without an im2col matrix (see {@link CONV_STRIDE1_ARGS}): the forward over
   * one range of (image, group) items per chunk, or the weight gradient over one range of a group's
   * output channels per chunk, every image in order.
   */
  convStride1: 11,
} as const;

/** Passes of {@link TEAM_JOB.convStride1}. */
export const CONV_STRIDE1_PASS = {
  /** y = conv2d(x, w) + b: chunk c runs items [c·per, (c + 1)·per) of the N·G (image, group) items. */
  forward: 0,
  /**
   * gw = ∂⟨gy, conv2d(x, w)⟩/∂w: chunk c runs output channels [m0, m0 + per) of group ⌊c / cpg⌋
   * (m0 = (c mod cpg)·per), accumulating over every image in order as the one-thread pass does.
   */
  weightGrad: 1,
} as const;

/**
 * Argument slots of {@link TEAM_JOB.convStride1}: the pass, x (all items), y (or gy) and w (or the
 * gw accumulator, zeroed), the bias (G·Og, zeros when none), the per-thread blocks (zeroed; padded planes
 * at +0, packed B at +offBp, the GEMM result (forward) or the padded gy rows (weight gradient) at
 * +offC, packed A at +offAp), the geometry (as `Stride1Geometry`, with the padded row width Wp, plane
 * size and output rows per GEMM), items or channels per chunk and the chunks per group (cpg).
 */
export const CONV_STRIDE1_ARGS = {
  pass: 0,
  x: 1,
  y: 2,
  w: 3,
  bias: 4,
  blocks: 5,
  blockStride: 6,
  offBp: 7,
  offC: 8,
  offAp: 9,
  N: 10,
  G: 11,
  Cg: 12,
  Og: 13,
  H: 14,
  W: 15,
  kh: 16,
  kw: 17,
  dh: 18,
  dw: 19,
  ph: 20,
  pw: 21,
  oh: 22,
  ow: 23,
  Wp: 24,
  plane: 25,
  rowsPer: 26,
  per: 27,
  cpg: 28,
} as const;

/**
 * Argument slots of {@link TEAM_JOB.gatheredRows}: the pass (0 products, 1 gradient), the input (a
 * [R×K], or gy [U×R×N]), the output (out [U×R×N], or ga [R×K]), the i32 ids and the U + 1 part offsets
 * (and for the gradient the padded ones, offs4), the stacked matrices (mats, or the padded matsT), the
 * sizes and the rows per chunk: chunk c covers rows [c·rowsPer, (c + 1)·rowsPer).
 */
export const GATHERED_ROWS_ARGS = {
  pass: 0,
  src: 1,
  dst: 2,
  ids: 3,
  offs: 4,
  offs4: 5,
  mats: 6,
  U: 7,
  N: 8,
  K: 9,
  R: 10,
  rowsPer: 11,
} as const;

/**
 * Argument slots of {@link TEAM_JOB.copyBox}: source and destination, the box's rank and its i32 arrays
 * (sizes, source and destination strides), its outer rows and the rows per chunk.
 */
export const COPY_BOX_ARGS = {
  src: 0,
  dst: 1,
  nd: 2,
  dims: 3,
  sStr: 4,
  dStr: 5,
  rows: 6,
  rowsPer: 7,
} as const;

/** Passes of {@link TEAM_JOB.batchNormNcl}. */
export const BN_NCL_PASS = {
  /** `channelStatsNclF32`: mean and biased variance per channel. */
  stats: 0,
  /** `channelGradNclF32`: the gradient sums per channel and dx. */
  grad: 1,
} as const;

/**
 * Argument slots of {@link TEAM_JOB.batchNormNcl}: x[N][C][L] and (gradient) g and dx; statistics: the
 * outputs mean (p0) and vr (p1); gradient: mean (p0), invStd (p1), k (p2), useBatch and the 2·C sums.
 * Chunk c covers channels [c·cPer, (c + 1)·cPer).
 */
export const BN_NCL_ARGS = {
  pass: 0,
  x: 1,
  g: 2,
  dx: 3,
  N: 4,
  C: 5,
  L: 6,
  p0: 7,
  p1: 8,
  p2: 9,
  useBatch: 10,
  sums: 11,
  cPer: 12,
} as const;

/** Passes of {@link TEAM_JOB.depthwise}. */
export const DEPTHWISE_PASS = {
  /** `dwForwardF32`: y = conv(x, w) + b. */
  forward: 0,
  /** `dwInputGradF32`: gx from gy. */
  inputGrad: 1,
  /** `dwWeightGradF32`: gw from x and gy. */
  weightGrad: 2,
} as const;

/**
 * Argument slots of {@link TEAM_JOB.depthwise}: the pass ({@link DEPTHWISE_PASS}), the
 * geometry block d, the inputs (forward: x, w, b; input gradient: gy, w; weight gradient: x, gy) and
 * the output. Chunk c covers channels [c·cPer, (c + 1)·cPer).
 */
export const DEPTHWISE_ARGS = {
  pass: 0,
  d: 1,
  in0: 2,
  in1: 3,
  in2: 4,
  hasBias: 5,
  out: 6,
  /** Per-thread blocks: `scratch + tid · scratchStride`. */
  scratch: 7,
  scratchStride: 8,
  C: 9,
  cPer: 10,
} as const;

/** Kinds of {@link TEAM_JOB.winograd5Transform}. */
export const WINOGRAD5_TRANSFORM = {
  /** `wg5InputF32`: images at src (C planes of H×W) → tile rows at dst. */
  input: 0,
  /** `wg5GradOutF32`: output gradients at src (C planes of oh×ow) → tile rows at dst. */
  gradOut: 1,
  /** `wg5OutputF32`: tile rows at src → outputs at dst (C planes of oh×ow), plus the bias. */
  output: 2,
  /**
   * `wg5KernelF32`: the C×Cg kernels at src → transformed kernels at dst (row stride `rows` floats),
   * flipped when `flip` is 1; chunks are ranges of the C output channels.
   */
  kernel: 3,
  /**
   * `wg5FinishF32`: the weight gradient's sums S at src (rows of Cgp, `rows` floats per ξ; Cg and Cgp
   * in their slots) → the C×Cg 5×5 gradients at dst; chunks are ranges of the C output channels.
   */
  finish: 4,
  /**
   * `wg5FactoredKernelF32`: the `nU` planes of factors at src of the C×Cg kernels (in blocks of
   * dO×dI) and the transformed profiles at `prof` → transformed kernels at dst (row stride `rows`), as
   * `kernel`.
   */
  factoredKernel: 5,
  /** `wg5FactoredFinishF32`: the sums S at src (as `finish`) → the factors' gradient at dst (planes as src). */
  factoredFinish: 6,
} as const;

/**
 * Argument slots of {@link TEAM_JOB.winograd5Transform}. Images and planes are whole in the arena: image
 * n0 + k of group gi starts at ((n0 + k)·G + gi)·C planes; its tiles start at lane k·T1 of rows of Tp
 * floats, `rows` rows per ξ. Chunk c covers channels [c·cPer, (c + 1)·cPer).
 */
export const WINOGRAD5_TRANSFORM_ARGS = {
  kind: 0,
  src: 1,
  dst: 2,
  G: 3,
  gi: 4,
  C: 5,
  H: 6,
  W: 7,
  ph: 8,
  pw: 9,
  oh: 10,
  ow: 11,
  th: 12,
  tw: 13,
  Tp: 14,
  T1: 15,
  n0: 16,
  nI: 17,
  rows: 18,
  cPer: 19,
  bias: 20,
  hasBias: 21,
  /** Per-thread blocks (`scratch + tid · scratchStride`): the padded plane at +0, then the row buffer. */
  scratch: 22,
  scratchStride: 23,
  offTb: 24,
  /** Kernel transform and finish: input channels per group; the kernel transform's flip (1: read flipped). */
  Cg: 25,
  flip: 26,
  /** Finish only: the padded row length of S (Cgp). */
  Cgp: 27,
  /** Factored kinds only: the factors per kernel, the transformed profiles' byte offset, the blocks. */
  nU: 28,
  prof: 29,
  dO: 30,
  dI: 31,
} as const;

/**
 * Argument slots of {@link TEAM_JOB.batchedGemm}: for chunk i, B + i·bStride (Kb×Nb, or Nb×Kb when
 * transB) is packed into the thread's panel block, then C + i·cStride [m×N] (+)= (A + i·aStride)
 * [m×K, row stride lda] · B (strides in bytes).
 */
export const BATCHED_GEMM_ARGS = {
  A: 0,
  aStride: 1,
  lda: 2,
  B: 3,
  bStride: 4,
  Kb: 5,
  Nb: 6,
  transB: 7,
  C: 8,
  cStride: 9,
  m: 10,
  N: 11,
  K: 12,
  accumulate: 13,
  /** Per-thread blocks (`scratch + tid · scratchStride`): packed B at +0, the packed block of A at +offAp. */
  scratch: 14,
  scratchStride: 15,
  offAp: 16,
} as const;

/** Argument slots of {@link TEAM_JOB.tpForward}. */
export const TP_FORWARD_ARGS = {
  x1: 0,
  x2: 1,
  w: 2,
  perSample: 3,
  Z: 4,
  D1: 5,
  D2: 6,
  D3: 7,
  P: 8,
  desc: 9,
  nPaths: 10,
  pw: 11,
  ei: 12,
  ej: 13,
  ev: 14,
  gptr: 15,
  out: 16,
  /** Per-thread scratch: `scratch + tid · scratchStride`. */
  scratch: 17,
  scratchStride: 18,
  /** Samples per chunk. */
  chunkZ: 19,
} as const;

/** Argument slots of {@link TEAM_JOB.spmmRows}. */
export const SPMM_ROWS_ARGS = {
  wide: 0,
  indptr: 1,
  indices: 2,
  values: 3,
  hasValues: 4,
  rows: 5,
  X: 6,
  F: 7,
  out: 8,
  /** Rows per chunk. */
  chunkRows: 9,
} as const;

/** Argument slots of {@link TEAM_JOB.gemmRows}. */
export const GEMM_ROWS_ARGS = {
  A: 0,
  lda: 1,
  Bp: 2,
  C: 3,
  N: 4,
  K: 5,
  accumulate: 6,
  Ap: 7,
  apStride: 8,
  M: 9,
  rows: 10,
} as const;

/** Argument slots of {@link TEAM_JOB.winogradForward}. */
export const WINOGRAD_FORWARD_ARGS = {
  U: 0,
  x: 1,
  y: 2,
  G: 3,
  gi: 4,
  Cg: 5,
  H: 6,
  W: 7,
  ph: 8,
  pw: 9,
  th: 10,
  tw: 11,
  Tp: 12,
  Cs: 13,
  Ms: 14,
  Ogp: 15,
  Og: 16,
  oh: 17,
  ow: 18,
  bias: 19,
  hasBias: 20,
  nb: 21,
  N: 22,
  T1: 23,
  /** Per-thread blocks: V at +0, M at +offM, the padded plane at +offXp, the row buffer at +offTb. */
  blocks: 24,
  blockStride: 25,
  offM: 26,
  offXp: 27,
  offTb: 28,
} as const;

/** Argument slots of {@link TEAM_JOB.winogradBackward} (one group; images n at x + n·xs, gy + n·ys). */
export const WINOGRAD_BACKWARD_ARGS = {
  /** The group's images [N, Cg, H, W]; the input gradient overwrites them. */
  x: 0,
  /** The group's output gradients [N, Og, oh, ow]. */
  gy: 1,
  /** Uᵀ[ξ][c][m] (the input gradient's products). */
  UT: 2,
  /** Per chunk: 36·Ogp·Cgp floats of the block's weight-gradient sums (written). */
  D: 3,
  /** Per image: Og floats of its bias-gradient sums (zeroed by the caller). */
  slots: 4,
  Cg: 5,
  Og: 6,
  H: 7,
  W: 8,
  ph: 9,
  pw: 10,
  oh: 11,
  ow: 12,
  th: 13,
  tw: 14,
  Tp: 15,
  T1: 16,
  nb: 17,
  N: 18,
  Vs: 19,
  Ys: 20,
  Ogp: 21,
  Cgp: 22,
  /** Per-thread blocks: V at +0, Y at +offY, the padded plane at +offXp, the row buffer at +offTb, gy's plane at +offGp. */
  blocks: 23,
  blockStride: 24,
  offY: 25,
  offXp: 26,
  offTb: 27,
  offGp: 28,
  /** Bits: 1 weight gradient, 2 input gradient, 4 bias gradient. */
  what: 29,
} as const;

/** The most argument slots a job has. */
export const TEAM_MAX_ARGS = 32;

/** Runs chunk `chunk` of job `job` with arguments `a` on thread `tid` through the module exports `e`. */
export function runTeamJob(e: WasmExports, job: number, a: Float64Array, chunk: number, tid: number): void {
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
