/**
 * The work a kernel team splits: the job kinds and each one's argument slots (byte offsets into the
 * shared WASM memory, sizes) in the team's control block. What a thread runs for a chunk of each kind
 * is in `team_run.ts`.
 *
 * A chunk writes its own range of the output; no chunk reads what another writes. So a result never
 * depends on which thread ran which chunk, and the chunks of every job are the blocks the one-thread
 * path already computes one after the other: the numbers are those of one thread, bit for bit.
 */
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
  /**
   * An elementwise map in place (`unaryF32`, or `unaryGradF32`: see {@link UNARY_MAP_ARGS}) over one
   * range of values per chunk.
   */
  unaryMap: 12,
  /**
   * Spherical harmonics (`shForward3F32` / `shForwardF32`, or the gradients `shBackward3F32` /
   * `shBackwardF32`: see {@link SH_ARGS}) over one range of vectors per chunk. A forward chunk returns
   * the flat index into xyz of its first NaN, or −1.
   */
  sphericalHarmonics: 13,
  /**
   * Tensor-product backward (`tpBackwardF32`, see {@link TP_BACKWARD_ARGS}): the shared weights'
   * gradient over one range of paths per chunk (every sample, in the one-thread call's order), then the
   * input gradients (and per-sample weights' gradient) over one range of samples per chunk.
   */
  tpBackward: 14,
} as const;

/** The most path ranges of a {@link TEAM_JOB.tpBackward} job (their bounds fill the last slots). */
export const TP_BACKWARD_MAX_RANGES = 8;

/**
 * Argument slots of {@link TEAM_JOB.tpBackward}. Chunks [0, ranges) compute the shared weights'
 * gradient of paths [bounds + c, bounds + c + 1) (the slots from `bounds` on hold ranges + 1 path
 * indices) over all Z samples, in calls of `zc` samples as the one-thread path makes them, into
 * their own zeroed block of P floats at `gw + c·P·4`; the input gradient pointers are 0 there. The
 * other chunks k compute g1 and g2 (and per-sample weights' gradient into `gwRows`) of samples
 * [(k − ranges)·chunkZ, …) (chunkZ a multiple of 4), without the shared weights' gradient.
 */
export const TP_BACKWARD_ARGS = {
  x1: 0,
  x2: 1,
  w: 2,
  perSample: 3,
  Z: 4,
  D1: 5,
  D2: 6,
  D3: 7,
  P: 8,
  maxRT: 9,
  desc: 10,
  nPaths: 11,
  pw: 12,
  ei: 13,
  ej: 14,
  ek: 15,
  ev: 16,
  gptr: 17,
  g: 18,
  g1: 19,
  g2: 20,
  gw: 21,
  gwRows: 22,
  scratch: 23,
  scratchStride: 24,
  chunkZ: 25,
  zc: 26,
  ranges: 27,
  bounds: 28,
} as const;

/**
 * Argument slots of {@link TEAM_JOB.sphericalHarmonics}: chunk c covers vectors [c·per, min(n, (c + 1)·per))
 * of xyz [n×3] and out (the forward, [n×dim]) or g ([n×dim]) and gx ([n×3]) (`grad` 1); `unrolled` 1
 * for the l ≤ 3 kernels with their coefficients at `coef`, else the packed table (mc, ms, tri, slots,
 * ptr) up to `lmax`; per-thread scratch at `scratch + tid · scratchStride`.
 */
export const SH_ARGS = {
  grad: 0,
  unrolled: 1,
  xyz: 2,
  out: 3,
  g: 4,
  gx: 5,
  n: 6,
  per: 7,
  normalize: 8,
  dim: 9,
  lmax: 10,
  coef: 11,
  mc: 12,
  ms: 13,
  tri: 14,
  slots: 15,
  ptr: 16,
  scratch: 17,
  scratchStride: 18,
} as const;

/**
 * Argument slots of {@link TEAM_JOB.unaryMap}: chunk c maps values [c·per, min(n, (c + 1)·per)) of x
 * (per a multiple of 16) in place, x = f(x) (`grad` 0, op code `op` with parameter `param`) or
 * x = g·f'(x) (`grad` 1, the gradient op code).
 */
export const UNARY_MAP_ARGS = {
  grad: 0,
  op: 1,
  x: 2,
  g: 3,
  n: 4,
  per: 5,
  param: 6,
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
export const TEAM_MAX_ARGS = 40;
