/**
 * JS side of the fused training kernels (`assembly/train.ts`): copies the operands into the WASM
 * arena, calls the kernel and copies the results back. See `ref/train.ts` for the semantics.
 */
import type { AdamConsts } from "../ref/train.js";
import type { WasmRuntime } from "./loader.js";

interface TrainExports {
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
  adamF32(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    b1: number,
    b2: number,
    stepSize: number,
    bc2Sqrt: number,
    eps: number,
    l2: number,
    decay: number,
    sign: number,
  ): void;
  transpose32(a: number, out: number, R: number, C: number): void;
  channelStatsNclF32(x: number, N: number, C: number, L: number, mean: number, vr: number): void;
  bernoulliMaskF32(out: number, n: number, state: number, thr: number, scale: number): void;
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

function ex(rt: WasmRuntime): TrainExports {
  return rt.exports as unknown as TrainExports;
}

function f64View(rt: WasmRuntime, ptr: number, n: number): Float64Array {
  return new Float64Array(rt.memory.buffer, ptr, n);
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
  ex(rt).channelStatsF32(pX, N, C, pM, pV);
  mean.set(f64View(rt, pM, C));
  vr.set(f64View(rt, pV, C));
}

/** Whether the loaded module has the channels-first batch-norm kernels (a build older than them has not). */
export function hasChannelNclWasm(rt: WasmRuntime): boolean {
  return typeof (rt.exports as unknown as { channelStatsNclF32?: unknown }).channelStatsNclF32 === "function";
}

/** Whether the loaded module has the dropout-mask kernel of the Generator's stream. */
export function hasBernoulliMaskWasm(rt: WasmRuntime): boolean {
  return typeof (rt.exports as unknown as { bernoulliMaskF32?: unknown }).bernoulliMaskF32 === "function";
}

/** Dropout mask from a xoshiro128** state (advanced in place); see bernoulliMaskRef. */
export function bernoulliMaskWasm(
  rt: WasmRuntime,
  out: Float32Array,
  state: Int32Array,
  thr: number,
  scale: number,
): void {
  rt.reset();
  const n = out.length;
  const pS = rt.alloc(16);
  const pO = rt.alloc(n * 4);
  rt.i32.set(state.subarray(0, 4), pS >> 2);
  ex(rt).bernoulliMaskF32(pO, n, pS, thr, Math.fround(scale));
  out.set(rt.f32.subarray(pO >> 2, (pO >> 2) + n));
  state.set(rt.i32.subarray(pS >> 2, (pS >> 2) + 4));
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
  ex(rt).channelStatsNclF32(pX, N, C, L, pM, pV);
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
  ex(rt).channelAffineNclF32(pX, pX, N, C, L, pS, pT);
  out.set(rt.f32.subarray(pX >> 2, (pX >> 2) + n));
}

/** Batch-norm gradient over x[N][C][L]; see channelGradNclRef. */
export function channelGradNclWasm(
  rt: WasmRuntime,
  x: Float32Array,
  g: Float32Array,
  dx: Float32Array,
  N: number,
  C: number,
  L: number,
  mean: Float64Array,
  invStd: Float64Array,
  k: Float64Array,
  useBatch: boolean,
  sums: Float64Array,
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
  ex(rt).channelGradNclF32(pX, pG, pX, N, C, L, pP, pP + C * 8, pP + 2 * C * 8, useBatch ? 1 : 0, pP + 3 * C * 8);
  sums.set(f64View(rt, pP + 3 * C * 8, 2 * C));
  dx.set(rt.f32.subarray(pX >> 2, (pX >> 2) + n));
}

/** y = x·scale + shift per channel (optional ReLU). */
export function channelAffineWasm(
  rt: WasmRuntime,
  x: Float32Array,
  y: Float32Array,
  N: number,
  C: number,
  scale: Float32Array,
  shift: Float32Array,
  relu: boolean,
): void {
  rt.reset();
  const pX = rt.alloc(N * C * 4);
  const pS = rt.alloc(C * 4);
  const pT = rt.alloc(C * 4);
  const f = rt.f32;
  f.set(x.subarray(0, N * C), pX >> 2);
  f.set(scale, pS >> 2);
  f.set(shift, pT >> 2);
  ex(rt).channelAffineF32(pX, pX, N, C, pS, pT, relu ? 1 : 0);
  y.set(f.subarray(pX >> 2, (pX >> 2) + N * C));
}

/** Batch-norm gradient sums (and dx when given); see `bnGradRef`. */
export function bnGradWasm(
  rt: WasmRuntime,
  x: Float32Array,
  y: Float32Array,
  g: Float32Array,
  dx: Float32Array | null,
  N: number,
  C: number,
  mean: Float64Array,
  scale: Float32Array,
  invStd: Float64Array,
  M: number,
  useBatch: boolean,
  relu: boolean,
  sums: Float64Array,
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
  f.set(scale.subarray(0, C), pS >> 2);
  // dx overwrites g in place (each element is read before it is written)
  ex(rt).bnGradF32(
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

/** One Adam step in place on p, m, v. */
export function adamWasm(
  rt: WasmRuntime,
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  k: AdamConsts,
): void {
  rt.reset();
  const n = p.length;
  const pP = rt.alloc(n * 4);
  const pG = rt.alloc(n * 4);
  const pM = rt.alloc(n * 4);
  const pV = rt.alloc(n * 4);
  const f = rt.f32;
  f.set(p, pP >> 2);
  f.set(g.subarray(0, n), pG >> 2);
  f.set(m, pM >> 2);
  f.set(v, pV >> 2);
  ex(rt).adamF32(pP, pG, pM, pV, n, k.b1, k.b2, k.stepSize, k.bc2Sqrt, k.eps, k.l2, k.decay, k.sign);
  const f2 = rt.f32;
  p.set(f2.subarray(pP >> 2, (pP >> 2) + n));
  m.set(f2.subarray(pM >> 2, (pM >> 2) + n));
  v.set(f2.subarray(pV >> 2, (pV >> 2) + n));
}

/** out[C×R] = aᵀ for a[R×C] of 32-bit elements. */
export function transposeWasm(
  rt: WasmRuntime,
  a: Float32Array | Int32Array,
  out: Float32Array | Int32Array,
  R: number,
  C: number,
): void {
  rt.reset();
  const n = R * C;
  const pA = rt.alloc(n * 4);
  const pO = rt.alloc(n * 4);
  const view = a instanceof Float32Array ? rt.f32 : rt.i32;
  view.set(a.subarray(0, n) as never, pA >> 2);
  ex(rt).transpose32(pA, pO, R, C);
  const back = out instanceof Float32Array ? rt.f32 : rt.i32;
  out.set(back.subarray(pO >> 2, (pO >> 2) + n) as never);
}

/** out[rows×F] = A·X for CSR A, F a multiple of 16 (column-blocked kernel). */
export function spmmWideWasm(
  rt: WasmRuntime,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array | null,
  rows: number,
  X: Float32Array,
  F: number,
  out: Float32Array,
): void {
  rt.reset();
  const nnz = indptr[rows]!;
  const pPtr = rt.alloc((rows + 1) * 4);
  const pIdx = rt.alloc(nnz * 4);
  const pVal = values === null ? 0 : rt.alloc(nnz * 4);
  const pX = rt.alloc(X.length * 4);
  const pOut = rt.alloc(rows * F * 4);
  const i32 = rt.i32;
  i32.set(indptr.subarray(0, rows + 1), pPtr >> 2);
  i32.set(indices.subarray(0, nnz), pIdx >> 2);
  const f = rt.f32;
  if (values !== null) f.set(values.subarray(0, nnz), pVal >> 2);
  f.set(X, pX >> 2);
  (rt.exports as unknown as { spmmCsrCols16F32(...a: number[]): void }).spmmCsrCols16F32(
    pPtr,
    pIdx,
    pVal,
    values === null ? 0 : 1,
    rows,
    pX,
    F,
    pOut,
  );
  out.set(rt.f32.subarray(pOut >> 2, (pOut >> 2) + rows * F));
}

interface SparseLinearExports {
  sparseLinearF32(
    indptr: number,
    indices: number,
    values: number,
    hasValues: number,
    rows: number,
    W: number,
    F: number,
    inF: number,
    bias: number,
    hasBias: number,
    wt: number,
    out: number,
    packed: number,
  ): void;
  flagRowsF32(G: number, rows: number, F: number, indptr: number, flags: number): number;
  sparseLinearGradScatterF32(
    indptr: number,
    indices: number,
    values: number,
    hasValues: number,
    rows: number,
    G: number,
    F: number,
    flags: number,
    dwt: number,
    inF: number,
  ): void;
  sparseLinearGradGatherF32(
    tptr: number,
    tcol: number,
    perm: number,
    values: number,
    hasValues: number,
    inF: number,
    G: number,
    F: number,
    dwt: number,
  ): void;
  colSumsFlaggedF32(G: number, rows: number, F: number, flags: number, out: number): void;
  dropoutMaskF32(
    d: number,
    mask: number,
    out: number,
    n: number,
    s0: number,
    s1: number,
    s2: number,
    s3: number,
    thr: number,
    scale: number,
    relu: number,
    wantMask: number,
  ): void;
}

/** Whether the loaded module has the sparse-input linear kernels. */
export function hasSparseLinearWasm(rt: WasmRuntime): boolean {
  return typeof (rt.exports as unknown as { sparseLinearF32?: unknown }).sparseLinearF32 === "function";
}

/** out[rows×F] = A·Wᵀ (+ bias) for CSR A [rows×inF], W [F×inF], F a multiple of 16 (one call: transpose, product, bias). */
export function sparseLinearWasm(
  rt: WasmRuntime,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array | null,
  rows: number,
  W: Float32Array,
  F: number,
  inF: number,
  bias: Float32Array | null,
  out: Float32Array,
): void {
  rt.reset();
  const nnz = indptr[rows]!;
  const pPtr = rt.alloc((rows + 1) * 4);
  const pIdx = rt.alloc(nnz * 4);
  const pVal = values === null ? 0 : rt.alloc(nnz * 4);
  const pW = rt.alloc(F * inF * 4);
  const pWt = rt.alloc(F * inF * 4);
  const pB = bias === null ? 0 : rt.alloc(F * 4);
  const pOut = rt.alloc(rows * F * 4);
  const pPacked = values === null ? 0 : rt.alloc((rows + 1 + 2 * nnz) * 4);
  const i32 = rt.i32;
  i32.set(indptr.subarray(0, rows + 1), pPtr >> 2);
  i32.set(indices.subarray(0, nnz), pIdx >> 2);
  const f = rt.f32;
  if (values !== null) f.set(values.subarray(0, nnz), pVal >> 2);
  f.set(W.subarray(0, F * inF), pW >> 2);
  if (bias !== null) f.set(bias.subarray(0, F), pB >> 2);
  (rt.exports as unknown as SparseLinearExports).sparseLinearF32(
    pPtr,
    pIdx,
    pVal,
    values === null ? 0 : 1,
    rows,
    pW,
    F,
    inF,
    pB,
    bias === null ? 0 : 1,
    pWt,
    pOut,
    pPacked,
  );
  out.set(rt.f32.subarray(pOut >> 2, (pOut >> 2) + rows * F));
}

/** The transposed CSR structure of A (`ptr`/`col` of Aᵀ and the stored entry of A behind each entry). */
export interface CsrTransposeArrays {
  ptr: Int32Array;
  col: Int32Array;
  perm: Int32Array;
}

/**
 * Gradients of {@link sparseLinearWasm}: dW [F×inF] = (Aᵀ·G)ᵀ and db [F] = column sums of G, for
 * G [rows×F] (F a multiple of 16). Rows of G that are all zero are skipped; when the remaining rows
 * hold at most half of A's entries the product scatters them, else it gathers over Aᵀ (`transposed()`
 * is called only then).
 */
export function sparseLinearGradWasm(
  rt: WasmRuntime,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array | null,
  rows: number,
  G: Float32Array,
  F: number,
  inF: number,
  transposed: () => CsrTransposeArrays,
  dW: Float32Array | null,
  db: Float32Array | null,
): void {
  rt.reset();
  const e = rt.exports as unknown as SparseLinearExports;
  const nnz = indptr[rows]!;
  const pPtr = rt.alloc((rows + 1) * 4);
  const pG = rt.alloc(rows * F * 4);
  const pFlags = rt.alloc(rows * 4);
  rt.i32.set(indptr.subarray(0, rows + 1), pPtr >> 2);
  rt.f32.set(G.subarray(0, rows * F), pG >> 2);
  const flagged = e.flagRowsF32(pG, rows, F, pPtr, pFlags);
  let pDb = 0;
  if (db !== null) {
    pDb = rt.alloc(F * 4);
    e.colSumsFlaggedF32(pG, rows, F, pFlags, pDb);
  }
  let pDw = 0;
  if (dW !== null) {
    const pVal = values === null ? 0 : rt.alloc(nnz * 4);
    if (values !== null) rt.f32.set(values.subarray(0, nnz), pVal >> 2);
    const pDwt = rt.alloc(F * inF * 4);
    if (2 * flagged <= nnz) {
      const pIdx = rt.alloc(nnz * 4);
      rt.i32.set(indices.subarray(0, nnz), pIdx >> 2);
      e.sparseLinearGradScatterF32(pPtr, pIdx, pVal, values === null ? 0 : 1, rows, pG, F, pFlags, pDwt, inF);
    } else {
      const t = transposed();
      const pTp = rt.alloc((inF + 1) * 4);
      const pTc = rt.alloc(nnz * 4);
      const pPerm = rt.alloc(nnz * 4);
      const i32 = rt.i32;
      i32.set(t.ptr.subarray(0, inF + 1), pTp >> 2);
      i32.set(t.col.subarray(0, nnz), pTc >> 2);
      i32.set(t.perm.subarray(0, nnz), pPerm >> 2);
      e.sparseLinearGradGatherF32(pTp, pTc, pPerm, pVal, values === null ? 0 : 1, inF, pG, F, pDwt);
    }
    pDw = rt.alloc(F * inF * 4);
    (rt.exports as unknown as TrainExports).transpose32(pDwt, pDw, inF, F);
  }
  const f = rt.f32;
  if (db !== null) db.set(f.subarray(pDb >> 2, (pDb >> 2) + F));
  if (dW !== null) dW.set(f.subarray(pDw >> 2, (pDw >> 2) + F * inF));
}

/** Whether the loaded module has the dropout-mask kernel. */
export function hasDropoutMaskWasm(rt: WasmRuntime): boolean {
  return typeof (rt.exports as unknown as { dropoutMaskF32?: unknown }).dropoutMaskF32 === "function";
}

/** Inverted dropout (optionally fused with ReLU) with the graph models' local stream; see `dropoutMaskRef`. */
export function dropoutMaskWasm(
  rt: WasmRuntime,
  d: Float32Array,
  mask: Float32Array | null,
  out: Float32Array,
  n: number,
  seed: readonly number[],
  p: number,
  relu: boolean,
): void {
  rt.reset();
  const pD = rt.alloc(n * 4);
  const pM = mask === null ? 0 : rt.alloc(n * 4);
  const pO = rt.alloc(n * 4);
  rt.f32.set(d.subarray(0, n), pD >> 2);
  let [s0, s1, s2, s3] = [seed[0]! | 0, seed[1]! | 0, seed[2]! | 0, seed[3]! | 0];
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  (rt.exports as unknown as SparseLinearExports).dropoutMaskF32(
    pD,
    pM,
    pO,
    n,
    s0,
    s1,
    s2,
    s3,
    Math.floor(p * 65536),
    Math.fround(1 / (1 - p)),
    relu ? 1 : 0,
    mask === null ? 0 : 1,
  );
  const f = rt.f32;
  if (mask !== null) mask.set(f.subarray(pM >> 2, (pM >> 2) + n));
  out.set(f.subarray(pO >> 2, (pO >> 2) + n));
}
