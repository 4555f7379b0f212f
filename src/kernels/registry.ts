/**
 * The kernel registry: one entry per compute kernel with a WASM twin, each the function that
 * `src/kernels/index.ts` exports. An entry names its reference (`ref/`), its WASM binding (`wasm/`), the
 * module exports the binding needs, the work of a call (−1 where the arguments do not suit WASM:
 * float64, empty, a layout without a kernel) and the size threshold of the `auto` backend; `kernel` and
 * `fastPath` (`dispatch.ts`) turn it into the dispatching function. Each function takes typed arrays
 * and sizes; both paths give the same numbers up to float32 rounding (tests/kernels.registry.test.ts
 * checks every entry). Index arguments are validated by the calling op before they get here.
 */
import { f32, f32OrNull, fastPath, kernel } from "./dispatch.js";
import {
  binaryRef,
  positiveGradRef,
  reduceAxisRef,
  softmaxRowsRef,
  unaryGradRef,
  unaryRef,
} from "./ref/elementwise.js";
import {
  copyBoxPlan,
  type FloatArray,
  gatheredMatmulGradRef,
  gatheredMatmulRef,
  gemmRef,
  permuteCopyRef,
  transpose2dRef,
} from "./ref/linalg.js";
import { linearActRef } from "./ref/linear_act.js";
import {
  bnGradRef,
  channelAffineNclRef,
  channelAffineRef,
  channelGradNclRef,
  channelStatsNclRef,
  channelStatsRef,
} from "./ref/norms.js";
import {
  type RadialCutoffSpec,
  radialBackwardRef,
  radialCount,
  radialForwardRef,
  shBackwardRef,
  shForwardRef,
  tpBackwardRef,
  tpForwardRef,
} from "./ref/o3.js";
import { adamRef } from "./ref/optim.js";
import { bernoulliMaskRef, dropoutMaskRef } from "./ref/random.js";
import {
  gatherMulAddRowsRef,
  gatherMulRowsRef,
  gatherMulScatterRef,
  gatherRowsRef,
  scatterAddRowsRef,
  scatterMaxRowsRef,
  segmentSumCsrRef,
  sparseLinearGradRef,
  sparseLinearRef,
  spmmCsrRef,
  spmmCsrTRef,
} from "./ref/sparse.js";
import {
  binaryWasm,
  positiveGradWasm,
  reduceAxisWasm,
  softmaxRowsWasm,
  unaryGradWasm,
  unaryTeamWork,
  unaryWasm,
  WASM_BINARY,
  WASM_UNARY,
} from "./wasm/elementwise.js";
import {
  COPY_WORK_PER_VALUE,
  gatheredMatmulGradWasm,
  gatheredMatmulWasm,
  gemmWasm,
  permuteCopyWasm,
  transpose2dWasm,
} from "./wasm/linalg.js";
import { linearActWasm } from "./wasm/linear_act.js";
import {
  bnGradWasm,
  channelAffineNclWasm,
  channelAffineWasm,
  channelGradNclWasm,
  channelStatsNclWasm,
  channelStatsWasm,
  NCL_WORK_PER_VALUE,
} from "./wasm/norms.js";
import {
  radialBackwardWasm,
  radialForwardWasm,
  shBackwardWasm,
  shForwardWasm,
  shTeamWork,
  tpBackwardWasm,
  tpForwardWasm,
} from "./wasm/o3.js";
import { adamWasm } from "./wasm/optim.js";
import { bernoulliMaskWasm, dropoutMaskWasm } from "./wasm/random.js";
import {
  gatherMulAddRowsWasm,
  gatherMulRowsWasm,
  gatherMulScatterWasm,
  gatherRowsWasm,
  scatterAddRowsWasm,
  scatterMaxRowsWasm,
  segmentSumWasm,
  sparseLinearGradWasm,
  sparseLinearWasm,
  spmmCsrTWasm,
  spmmCsrWasm,
  spmmCsrWideWasm,
} from "./wasm/sparse.js";

const i32 = (a: unknown): a is Int32Array => a instanceof Int32Array;

/** Multiply-adds of a CSR product over rows [0, rows) with F columns, plus the output rows. */
const csrWork = (indptr: Int32Array, rows: number, F: number, outRows: number): number =>
  (indptr[rows]! - indptr[0]!) * F + outRows * F;

const GEMM_EXPORTS = ["gemmPackB", "gemmRows", "gemmTransA"];

// ---- dense linear algebra ----

/**
 * C[M×N] = op(A)·op(B) (+ C when `accumulate`), row-major. op(A) is A[M×K] or, with `transA`, the
 * transpose of A[K×M]; likewise op(B) is B[K×N] or the transpose of B[N×K].
 */
export const gemm = kernel({
  name: "gemm",
  team: true,
  ref: gemmRef,
  wasm: gemmWasm,
  exports: GEMM_EXPORTS,
  threshold: "gemm",
  work: (A, B, C, M, N, K) => (f32(A) && f32(B) && f32(C) && M > 0 && N > 0 ? M * N * K : -1),
  teamWork: (_A, _B, _C, M, N, K) => M * N * K,
});

/**
 * Products of gathered columns (`gatheredMatmul`): out [U×R×N] with out[u][r][:] = Σ_j a[r, ids[j]]·
 * mats[j][:] over j in [offs[u], offs[u+1]) for a [R×K] and the parts' matrices stacked in mats
 * [Σk×N]. Float32 in WASM, split by rows over the kernel team (one thread's bits, and the bits of
 * gemm on the gathered columns).
 */
export const gatheredMatmul = kernel({
  name: "gatheredMatmul",
  team: true,
  ref: gatheredMatmulRef,
  wasm: gatheredMatmulWasm,
  exports: ["gatheredRowsF32"],
  threshold: "gemm",
  work: (a, ids, _offs, mats, out, R, _K, N) =>
    f32(a) && f32(mats) && f32(out) && R > 0 && N > 0 ? R * ids.length * N : -1,
});

/** ga [R×K] = the gradient of {@link gatheredMatmul} in `a` for gy [U×R×N] (the same split and bits). */
export const gatheredMatmulGrad = kernel({
  name: "gatheredMatmulGrad",
  team: true,
  ref: gatheredMatmulGradRef,
  wasm: gatheredMatmulGradWasm,
  exports: ["gatheredRowsGradF32"],
  threshold: "gemm",
  work: (gy, ids, _offs, mats, ga, R, _K, N) =>
    f32(gy) && f32(mats) && f32(ga) && R > 0 && N > 0 ? R * ids.length * N : -1,
});

/** out[C×R] = transpose of a[R×C] (any typed arrays of one kind; 32-bit ones may run in WASM). */
export const transpose2d = kernel({
  name: "transpose2d",
  ref: transpose2dRef,
  wasm: transpose2dWasm,
  exports: ["transpose32"],
  threshold: "elementwise",
  work: (a, out, R, C) => (((f32(a) && f32(out)) || (i32(a) && i32(out))) && R * C > 0 ? R * C : -1),
});

/**
 * out (contiguous, shape `outShape`) = `src` read from `offset` with strides `srcStrides` (a permute's
 * data movement, 32-bit elements bit for bit), split over the kernel team with threads. A fast path:
 * false, copying nothing, below 32768 elements or where the copy has no {@link copyBoxPlan}; the caller
 * then copies in TypeScript (`permute` does on one thread too: its tiled copy is as fast as the copies
 * in and out of WASM and the copy there).
 */
export const permuteCopy = fastPath({
  name: "permuteCopy",
  team: true,
  ref: permuteCopyRef,
  wasm: permuteCopyWasm,
  refWhenOutOfMemory: false,
  exports: ["copyBox32"],
  threshold: "elementwise",
  work: (src, _offset, srcStrides, outShape, out) => {
    if (!((f32(src) && f32(out)) || (i32(src) && i32(out))) || out.length < PERMUTE_MIN) return -1;
    return copyBoxPlan(srcStrides, outShape) === null ? -1 : out.length;
  },
  teamWork: (_src, _offset, _srcStrides, _outShape, out) => COPY_WORK_PER_VALUE * out.length,
});

/** Fewer elements than this are permuted in TypeScript (the copies in and out cost more than they save). */
const PERMUTE_MIN = 1 << 15;

// ---- elementwise maps, reductions, softmax ----

/**
 * out[i] = a[ia(i)] op b[ib(i)] over `outShape`, where ia/ib follow `aStrides`/`bStrides`
 * (0 on broadcast axes). Same-shape, scalar and row/column broadcasts of float32 run in WASM.
 */
export const binary = kernel({
  name: "binary",
  ref: binaryRef,
  wasm: binaryWasm,
  exports: ["binarySameF32", "binaryScalarF32", "binaryRowF32", "binaryColF32"],
  threshold: "elementwise",
  work: (op, a, b, out) => (WASM_BINARY[op] !== undefined && f32(a) && f32(b) && f32(out) ? out.length : -1),
});

/** out[i] = f(a[i]); `param` is the op's parameter (slope, alpha, beta). */
export const unary = kernel({
  name: "unary",
  ref: unaryRef,
  wasm: unaryWasm,
  exports: ["unaryF32"],
  threshold: "elementwise",
  work: (op, a, out) => (WASM_UNARY[op] !== undefined && f32(a) && f32(out) ? a.length : -1),
  team: true,
  teamWork: (op, a) => unaryTeamWork(op, a.length, false),
});

/** out[i] = g[i]·f'(x[i]) for the forward op f named by `op` (softplus with β = `param`, shifted softplus). */
export const unaryGrad = kernel({
  name: "unaryGrad",
  ref: unaryGradRef,
  wasm: unaryGradWasm,
  exports: ["unaryGradF32"],
  threshold: "elementwise",
  work: (_op, x, g, out) => (f32(x) && f32(g) && f32(out) && g.length >= x.length ? x.length : -1),
  team: true,
  teamWork: (op, x) => unaryTeamWork(op, x.length, true),
});

/**
 * out[i] = g[i]·(x[i] > 0 ? 1 : slope): the ReLU (slope 0) and leaky-ReLU gradient, one product per
 * value, so WASM and the reference agree bit for bit.
 */
export const positiveGrad = kernel({
  name: "positiveGrad",
  ref: positiveGradRef,
  wasm: positiveGradWasm,
  exports: ["positiveGradF32"],
  threshold: "elementwise",
  work: (x, g, out) => (f32(x) && f32(g) && f32(out) && g.length >= x.length && out.length >= x.length ? x.length : -1),
});

/**
 * out[M×N] = act(x[M×K]·wᵀ + bias) ⊙ scale with `w` [N×K] (a Linear's weight), `bias` [N] or null,
 * `scale` [M] (one factor per row) or null; `pre` (when given) receives x·wᵀ + bias. In WASM the bias,
 * activation and scale run on each panel of C before it is copied out (one copy instead of a pass
 * each); elsewhere (float64, small calls, a GEMM split over threads) it is {@link gemm}, {@link binary}
 * and {@link unary} in turn: the same kernels.
 */
export const linearAct = kernel({
  name: "linearAct",
  ref: linearActRef,
  wasm: linearActWasm,
  // typed by the ref twin's signature (as `work` is)
  fallback: (x, w, bias, out, pre, M, N, K, act, scale) => {
    const y = out.subarray(0, M * N);
    gemm(x, w, y, M, N, K, false, true, false);
    if (bias !== null) binary("add", y, bias, y, [M, N], [N, 1], [0, 1]);
    if (pre !== null) pre.set(y);
    if (act !== "none") unary(act, y, y, 0);
    if (scale !== null) binary("mul", y, scale, y, [M, N], [N, 1], [1, 0]);
  },
  exports: [...GEMM_EXPORTS, "binaryRowF32", "binaryColF32", "unaryF32", "unaryGradF32"],
  threshold: "gemm",
  work: (x, w, bias, out, pre, M, N, K, _act, scale) =>
    f32(x) && f32(w) && f32(out) && f32OrNull(bias) && f32OrNull(pre) && f32OrNull(scale) && M > 0 && N > 0
      ? M * N * K
      : -1,
});

/** Reduction over the middle axis of a row-major [outer, n, inner] array into out[outer, inner]. */
export const reduceAxis = kernel({
  name: "reduceAxis",
  ref: reduceAxisRef,
  wasm: reduceAxisWasm,
  exports: ["reduceContig", "reduceAxisF32"],
  threshold: "reduce",
  work: (_op, a, outer, n, inner, out) => (f32(a) && f32(out) && outer * inner > 0 ? outer * n * inner : -1),
});

/** Row-wise softmax (or log-softmax) of a [rows, cols] array. */
export const softmaxRows = kernel({
  name: "softmaxRows",
  ref: softmaxRowsRef,
  wasm: softmaxRowsWasm,
  exports: ["softmaxRowsF32"],
  threshold: "reduce",
  work: (a, rows, cols, out) => (f32(a) && f32(out) && rows * cols > 0 ? rows * cols : -1),
});

// ---- sparse products, gathers and scatters ----

/** out[rows×F] = A·X for CSR A (rows `rows`), X[cols×F]; `values` null means all ones. */
export const spmmCsr = kernel({
  name: "spmmCsr",
  team: true,
  ref: spmmCsrRef,
  wasm: spmmCsrWasm,
  exports: ["spmmCsrF32"],
  threshold: "sparse",
  work: (indptr, _indices, values, rows, X, F, out) =>
    f32(X) && f32(out) && f32OrNull(values) ? csrWork(indptr, rows, F, rows) : -1,
  teamWork: (indptr, _indices, _values, rows, _X, F) => (indptr[rows]! - indptr[0]! + rows) * F,
});

/** out[cols×F] = Aᵀ·X for CSR A with `rows` rows, X[rows×F]. */
export const spmmCsrT = kernel({
  name: "spmmCsrT",
  ref: spmmCsrTRef,
  wasm: spmmCsrTWasm,
  exports: ["spmmCsrTF32"],
  threshold: "sparse",
  work: (indptr, _indices, values, rows, cols, X, F, out) =>
    f32(X) && f32(out) && f32OrNull(values) ? csrWork(indptr, rows, F, cols) : -1,
});

/**
 * out[rows×F] = A·X for CSR A, as {@link spmmCsr}; rows wider than 16 with F a multiple of 16 run a
 * column-blocked WASM kernel that keeps each 16-wide block of the output row in registers.
 */
export const spmmCsrWide = kernel({
  name: "spmmCsrWide",
  team: true,
  ref: spmmCsrRef,
  wasm: spmmCsrWideWasm,
  fallback: spmmCsr,
  exports: ["spmmCsrCols16F32"],
  threshold: "sparse",
  work: (indptr, _indices, values, rows, X, F, out) =>
    F > 16 && F % 16 === 0 && f32(X) && f32(out) && f32OrNull(values) ? csrWork(indptr, rows, F, rows) : -1,
  teamWork: (indptr, _indices, _values, rows, _X, F) => (indptr[rows]! - indptr[0]! + rows) * F,
});

/** out[i] = src[index[i]] row-wise (rows of width F); float32 and int32 run in WASM. */
export const gatherRows = kernel({
  name: "gatherRows",
  ref: gatherRowsRef,
  wasm: gatherRowsWasm,
  exports: ["gatherRows32"],
  threshold: "sparse",
  work: (src, index, F, out) => ((f32(src) && f32(out)) || (i32(src) && i32(out)) ? index.length * F : -1),
});

/** out[index[i]] += src[i] row-wise. `out` is not cleared. */
export const scatterAddRows = kernel({
  name: "scatterAddRows",
  ref: scatterAddRowsRef,
  wasm: scatterAddRowsWasm,
  exports: ["scatterAddRowsF32"],
  threshold: "sparse",
  work: (src, index, F, out) => (f32(src) && f32(out) ? index.length * F : -1),
});

/**
 * Continuous-filter message passing: out[dst[e]] += x[src[e]] ⊙ w[e] row-wise (rows of F; `out` is
 * not cleared), or ⊙ w[wIndex[e]] with `wIndex`. Node and row ids are checked by the calling op.
 */
export const gatherMulScatter = kernel({
  name: "gatherMulScatter",
  ref: gatherMulScatterRef,
  wasm: gatherMulScatterWasm,
  exports: ["gatherMulScatterF32", "gatherRows32"],
  threshold: "sparse",
  work: (x, w, src, _dst, F, out) => (f32(x) && f32(w) && f32(out) ? src.length * F : -1),
});

/** out[e] = a[ia[e]] ⊙ b[ib[e]] row-wise (rows of F): the filter gradient of {@link gatherMulScatter}. */
export const gatherMulRows = kernel({
  name: "gatherMulRows",
  ref: gatherMulRowsRef,
  wasm: gatherMulRowsWasm,
  exports: ["gatherMulRowsF32"],
  threshold: "sparse",
  work: (a, ia, b, _ib, F, out) => (f32(a) && f32(b) && f32(out) ? ia.length * F : -1),
});

/**
 * out[index[e]] += a[ia[e]] ⊙ b[ib[e]] row-wise (rows of F; `out` is not cleared): the gradient of the
 * shared filter rows of {@link gatherMulScatter} with `wIndex`.
 */
export const gatherMulAddRows = kernel({
  name: "gatherMulAddRows",
  ref: gatherMulAddRowsRef,
  wasm: gatherMulAddRowsWasm,
  exports: ["gatherMulRowsF32", "scatterAddRowsF32"],
  threshold: "sparse",
  work: (a, ia, b, _ib, _index, F, out) => (f32(a) && f32(b) && f32(out) ? ia.length * F : -1),
});

/**
 * out[index[i]] = max (or min) of the rows src[i] sent there; `arg` receives the winning source row
 * (−1, with out 0, where no row arrived).
 */
export const scatterMaxRows = kernel({
  name: "scatterMaxRows",
  ref: scatterMaxRowsRef,
  wasm: scatterMaxRowsWasm,
  exports: ["scatterMaxRowsF32"],
  threshold: "sparse",
  work: (src, index, F, out, arg) => (f32(src) && f32(out) && arg.length === out.length ? index.length * F : -1),
});

/** out[s] = Σ src[ptr[s]..ptr[s+1]) row-wise (segments given by CSR pointers). */
export const segmentSumCsr = kernel({
  name: "segmentSumCsr",
  ref: segmentSumCsrRef,
  wasm: segmentSumWasm,
  exports: ["segmentSumF32"],
  threshold: "sparse",
  work: (src, ptr, F, out) => {
    const S = ptr.length - 1;
    return f32(src) && f32(out) && S > 0 ? csrWork(ptr, S, F, S) : -1;
  },
});

/**
 * Sparse-input linear map: out[rows×F] = A·Wᵀ (+ bias) for CSR A [rows×inF] (`values` null: all
 * ones) and W [F×inF], as one WASM call (transpose, column-blocked product, bias) for float32 with
 * F a multiple of 16; stored zeros of A are skipped. Returns false, computing nothing, for
 * other cases (the caller then composes `transpose2d`, `spmmCsrWide` and `binary`).
 */
export const sparseLinear = fastPath({
  name: "sparseLinear",
  ref: sparseLinearRef,
  wasm: sparseLinearWasm,
  refWhenOutOfMemory: true,
  exports: ["sparseLinearF32"],
  threshold: "sparse",
  work: (indptr, _indices, values, rows, W, F, _inF, bias, out) =>
    F >= 16 && F % 16 === 0 && f32(W) && f32(out) && f32OrNull(values) && f32OrNull(bias)
      ? csrWork(indptr, rows, F, rows)
      : -1,
});

/** The transposed CSR structure of A (`ptr`/`col` of Aᵀ and the stored entry of A behind each entry). */
export interface CsrTransposeArrays {
  ptr: Int32Array;
  col: Int32Array;
  perm: Int32Array;
}

/**
 * Gradients of {@link sparseLinear} for the output gradient G [rows×F]: dW [F×inF] = Gᵀ·A and db [F]
 * = column sums of G (either may be null). All-zero rows of G are skipped (a loss on a subset of
 * the rows leaves most of them zero); `transposed` gives Aᵀ's structure when the WASM path gathers.
 * Same cases as {@link sparseLinear}: returns false, computing nothing, for the others.
 */
export const sparseLinearGrad = fastPath({
  name: "sparseLinearGrad",
  ref: (
    indptr: Int32Array,
    indices: Int32Array,
    values: FloatArray | null,
    rows: number,
    G: FloatArray,
    F: number,
    inF: number,
    _transposed: () => CsrTransposeArrays,
    dW: FloatArray | null,
    db: FloatArray | null,
  ) => sparseLinearGradRef(indptr, indices, values, rows, G, F, inF, dW, db),
  wasm: sparseLinearGradWasm,
  refWhenOutOfMemory: true,
  exports: [
    "flagRowsF32",
    "colSumsFlaggedF32",
    "sparseLinearGradScatterF32",
    "sparseLinearGradGatherF32",
    "transpose32",
  ],
  threshold: "sparse",
  work: (indptr, _indices, values, rows, G, F, _inF, _transposed, dW, db) =>
    F >= 16 && F % 16 === 0 && f32(G) && f32OrNull(values) && f32OrNull(dW) && f32OrNull(db)
      ? csrWork(indptr, rows, F, rows)
      : -1,
});

// ---- batch normalisation ----

/** Per-channel mean and biased variance (float64) of a row-major x[N×C]. */
export const channelStats = kernel({
  name: "channelStats",
  ref: channelStatsRef,
  wasm: channelStatsWasm,
  exports: ["channelStatsF32"],
  threshold: "reduce",
  work: (x, N, C) => (f32(x) && N * C > 0 ? N * C : -1),
});

/** y = x·scale[c] + shift[c] per channel of x[N×C] (then ReLU when `relu`); y may be x. */
export const channelAffine = kernel({
  name: "channelAffine",
  ref: channelAffineRef,
  wasm: channelAffineWasm,
  exports: ["channelAffineF32"],
  threshold: "elementwise",
  work: (x, y, N, C) => (f32(x) && f32(y) && N * C > 0 ? N * C : -1),
});

/**
 * Batch-norm gradient over x[N×C] (see `bnGradRef`): sums[0..C) = Σ g', sums[C..2C) = Σ g'·(x − mean),
 * and dx (when not null) with the batch-statistics terms when `useBatch`. g' is g masked by y > 0
 * when `relu`.
 */
export const batchNormGrad = kernel({
  name: "batchNormGrad",
  ref: bnGradRef,
  wasm: bnGradWasm,
  exports: ["bnGradF32"],
  threshold: "reduce",
  work: (x, y, g, dx, N, C) => (f32(x) && f32(y) && f32(g) && f32OrNull(dx) && N * C > 0 ? N * C : -1),
});

/**
 * Per-channel mean and biased variance (float64) of a channels-first x[N][C][L] over images and
 * positions. float32 runs in WASM with the reference's sequential float64 sums: the same numbers (over
 * the kernel team by ranges of channels, each channel's sums on one thread).
 */
export const channelStatsNCL = kernel({
  name: "channelStatsNCL",
  team: true,
  ref: channelStatsNclRef,
  wasm: channelStatsNclWasm,
  exports: ["channelStatsNclF32"],
  threshold: "reduce",
  work: (x, N, C, L) => (f32(x) && N * C * L > 0 ? N * C * L : -1),
  teamWork: (_x, N, C, L) => NCL_WORK_PER_VALUE * N * C * L,
});

/** out = x·scale[c] + shift[c] over a channels-first x[N][C][L], computed in float64 (out may be x). */
export const channelAffineNCL = kernel({
  name: "channelAffineNCL",
  ref: channelAffineNclRef,
  wasm: channelAffineNclWasm,
  exports: ["channelAffineNclF32"],
  threshold: "elementwise",
  work: (x, out, N, C, L) => (f32(x) && f32(out) && N * C * L > 0 ? N * C * L : -1),
});

/**
 * Batch-norm gradient over a channels-first x[N][C][L] (see `channelGradNclRef`): sums[c] = Σ g,
 * sums[C + c] = Σ g·x̂, and dx (with the batch-statistics terms when `useBatch`); split over the kernel
 * team by ranges of channels, with one thread's numbers.
 */
export const batchNormGradNCL = kernel({
  name: "batchNormGradNCL",
  team: true,
  ref: channelGradNclRef,
  wasm: channelGradNclWasm,
  exports: ["channelGradNclF32"],
  threshold: "reduce",
  work: (x, g, dx, N, C, L) => (f32(x) && f32(g) && f32(dx) && N * C * L > 0 ? N * C * L : -1),
  teamWork: (_x, _g, _dx, N, C, L) => NCL_WORK_PER_VALUE * N * C * L,
});

// ---- O(3): tensor products, spherical harmonics, radial bases ----

/**
 * out[Z×D3] = the tensor product of x1[Z×D1] and x2[Z×D2] through the packed paths of `plan`, with
 * weights w ([P], or [Z×P] when `s.perSample`; null when no path has weights). Written.
 */
export const tensorProductForward = kernel({
  name: "tensorProductForward",
  team: true,
  ref: tpForwardRef,
  wasm: tpForwardWasm,
  exports: ["tpForwardF32"],
  threshold: "gemm",
  work: (plan, x1, x2, w, s, out) =>
    f32(x1) && f32(x2) && f32(out) && f32OrNull(w) && s.Z > 0 ? s.Z * plan.workPerSample : -1,
  teamWork: (plan, _x1, _x2, _w, s) => (s.Z >= 8 ? s.Z * plan.workPerSample : -1),
});

/**
 * Gradients of {@link tensorProductForward} given g[Z×D3]: g1, g2 (written) and gw (accumulated into);
 * null where not needed.
 */
export const tensorProductBackward = kernel({
  name: "tensorProductBackward",
  team: true,
  ref: tpBackwardRef,
  wasm: tpBackwardWasm,
  exports: ["tpBackwardF32"],
  threshold: "gemm",
  work: (plan, x1, x2, w, s, g, g1, g2, gw) =>
    f32(x1) && f32(x2) && f32(g) && f32OrNull(w) && f32OrNull(g1) && f32OrNull(g2) && f32OrNull(gw) && s.Z > 0
      ? s.Z * plan.workPerSample
      : -1,
  teamWork: (plan, _x1, _x2, _w, s) => (s.Z >= 8 ? s.Z * plan.workPerSample : -1),
});

/**
 * out[n×dim] = the spherical harmonics of `table` at xyz[n×3] (normalised first when `normalize`).
 * Returns the flat index of the first NaN in xyz, or −1 (out is complete only then).
 */
export const sphericalHarmonicsForward = kernel({
  name: "sphericalHarmonicsForward",
  team: true,
  ref: shForwardRef,
  wasm: shForwardWasm,
  exports: ["shForwardF32", "shForward3F32"],
  threshold: "elementwise",
  work: (table, xyz, n, _normalize, out) => (f32(xyz) && f32(out) && n > 0 ? n * table.dim : -1),
  teamWork: (table, _xyz, n) => shTeamWork(table, n),
});

/** gx[n×3] = Σ_c g[p, c]·∂Y_c/∂x of {@link sphericalHarmonicsForward} (written). */
export const sphericalHarmonicsBackward = kernel({
  name: "sphericalHarmonicsBackward",
  team: true,
  ref: shBackwardRef,
  wasm: shBackwardWasm,
  exports: ["shBackwardF32", "shBackward3F32"],
  threshold: "elementwise",
  work: (table, xyz, g, n, _normalize, gx) => (f32(xyz) && f32(g) && f32(gx) && n > 0 ? n * table.dim : -1),
  teamWork: (table, _xyz, _g, n) => shTeamWork(table, n),
});

/** The WASM radial kernel takes integer polynomial exponents 1..64 only. */
const radialWasmOk = (c: RadialCutoffSpec): boolean =>
  c.kind !== "polynomial" || (Number.isInteger(c.p) && c.p >= 1 && c.p <= 64);

/** out[n×K] = basis_k(x_i)·cutoff(x_i) (`weights`: the Bessel frequencies, else null). Written. */
export const radialForward = kernel({
  name: "radialForward",
  ref: radialForwardRef,
  wasm: radialForwardWasm,
  exports: ["radialForwardF32"],
  threshold: "elementwise",
  work: (basis, weights, cutoff, x, n, out) =>
    f32(x) && f32(out) && n > 0 && radialWasmOk(cutoff) ? n * radialCount(basis, weights) : -1,
});

/** gx[n] (written) and, for Bessel, gw[K] (accumulated into; null = not needed) of {@link radialForward}. */
export const radialBackward = kernel({
  name: "radialBackward",
  ref: radialBackwardRef,
  wasm: radialBackwardWasm,
  exports: ["radialBackwardF32"],
  threshold: "elementwise",
  work: (basis, weights, cutoff, x, n, g, gx, gw) =>
    f32(x) && f32(g) && f32(gx) && f32OrNull(gw) && n > 0 && radialWasmOk(cutoff)
      ? n * radialCount(basis, weights)
      : -1,
});

// ---- optimisers ----

/** One Adam step in place on the parameters `p` and the moments `m`, `v` (see `adamRef`). */
export const adamStep = kernel({
  name: "adamStep",
  ref: adamRef,
  wasm: adamWasm,
  exports: ["adamF32"],
  threshold: "elementwise",
  work: (p, g, m, v) => (f32(p) && f32(g) && f32(m) && f32(v) ? p.length : -1),
});

// ---- random masks ----

/**
 * Inverted dropout (optionally fused with ReLU) with the local xoshiro128** stream of the graph
 * models' `fastDropout` / `reluDropout`: out = d·k and, when `mask` is given, mask = k (see
 * `dropoutMaskRef` for the stream). float32 runs in WASM; both paths give identical numbers.
 */
export const dropoutMask = kernel({
  name: "dropoutMask",
  ref: dropoutMaskRef,
  wasm: dropoutMaskWasm,
  exports: ["dropoutMaskF32"],
  threshold: "elementwise",
  work: (d, mask, out, n) => (f32(d) && f32(out) && f32OrNull(mask) ? n : -1),
});

/**
 * Inverted-dropout mask from a xoshiro128** state (s0..s3 as int32, advanced in place): one draw per
 * element, out[i] = `scale` when its top 24 bits are ≥ `thr`, else 0 (see `bernoulliMaskRef`). float32
 * runs in WASM; both paths give the same mask and the same final state.
 */
export const bernoulliMask = kernel({
  name: "bernoulliMask",
  ref: bernoulliMaskRef,
  wasm: bernoulliMaskWasm,
  exports: ["bernoulliMaskF32"],
  threshold: "elementwise",
  work: (out) => (f32(out) && out.length > 0 ? out.length : -1),
});

export * from "./registry_conv.js";
