/**
 * JS side of the WASM kernels: copies typed arrays into the arena, calls the module, copies results
 * out. Copies are sized to stay in cache where the kernel allows it: elementwise ops, reductions and
 * softmax run in chunks of {@link CHUNK} floats, GEMM copies A in row (or k) panels that the kernel
 * consumes while they are hot. Each function allocates every block before writing any output, so
 * a failed allocation (RangeError from memory.grow) leaves the outputs untouched.
 */

import type { Stride1Geometry } from "../ref/conv.js";
import type { BinaryOpName, ReduceOpName, UnaryOpName } from "../ref/elementwise.js";
import { type WinogradGeometry, winogradWeightGradFinish } from "../ref/winograd.js";
import type { WasmRuntime } from "./loader.js";

/** Floats per chunk for streaming kernels (64 KiB per array: in and out stay in L2). */
export const CHUNK = 16384;

/** Bytes of A (and C) copied per GEMM panel: half of a 512 KiB – 1 MiB L2. */
export let GEMM_PANEL_BYTES = 262144;

/** Overrides {@link GEMM_PANEL_BYTES} (tuning and tests). */
export function setGemmPanelBytes(bytes: number): void {
  GEMM_PANEL_BYTES = bytes;
}

const MR = 4;
const NR = 8;
const MC = 64;
const KC = 256;

/** Unary ops with a WASM kernel, and their op codes (see assembly/elementwise.ts). */
export const WASM_UNARY: Partial<Record<UnaryOpName, number>> = {
  neg: 0,
  exp: 1,
  log: 2,
  log1p: 3,
  sqrt: 4,
  rsqrt: 5,
  abs: 6,
  sign: 7,
  tanh: 8,
  sigmoid: 9,
  relu: 10,
  leakyRelu: 11,
  elu: 12,
  gelu: 13,
  silu: 14,
  softplus: 15,
};

/** Binary ops with a WASM kernel, and their op codes. */
export const WASM_BINARY: Partial<Record<BinaryOpName, number>> = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 };

const REDUCE_CODE: Record<ReduceOpName, number> = { sum: 0, max: 1, min: 2, prod: 3 };

const pad4 = (n: number): number => (n + 3) & ~3;

/** C = op(A)·op(B) (+C), float32. See gemmRef for the layout contract. */
export function gemmWasm(
  rt: WasmRuntime,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
): void {
  const x = rt.exports;
  rt.reset();
  const panels = Math.ceil(N / NR);
  const pB = rt.alloc(K * N * 4);
  const pBp = rt.alloc(panels * K * NR * 4);
  const pAp = rt.alloc(MC * KC * 4);
  if (!transA) {
    // row panels of A (contiguous) and of C, ~256 KiB together, multiple of MR rows: the copy of A
    // lands in L2 where the kernel reads it, and C is copied out while it is still there
    const rows = Math.min(M, Math.max(MR, Math.floor(GEMM_PANEL_BYTES / 4 / (K + N) / MR) * MR));
    const pA = rt.alloc(rows * K * 4);
    const pC = rt.alloc(rows * N * 4);
    const f = rt.f32;
    f.set(B.subarray(0, K * N), pB >> 2);
    x.gemmPackB(pB, pBp, K, N, transB ? 1 : 0);
    for (let i0 = 0; i0 < M; i0 += rows) {
      const m = Math.min(rows, M - i0);
      f.set(A.subarray(i0 * K, (i0 + m) * K), pA >> 2);
      if (accumulate) f.set(C.subarray(i0 * N, (i0 + m) * N), pC >> 2);
      x.gemmRows(pA, K, pBp, pC, m, N, K, accumulate ? 1 : 0, pAp);
      C.set(f.subarray(pC >> 2, (pC >> 2) + m * N), i0 * N);
    }
  } else {
    // k panels of A (rows of the K×M storage, contiguous), ~256 KiB each
    const kb = Math.min(K, Math.max(1, Math.floor(GEMM_PANEL_BYTES / 4 / Math.max(M, 1))));
    const pA = rt.alloc(kb * M * 4);
    const pC = rt.alloc(M * N * 4);
    const f = rt.f32;
    f.set(B.subarray(0, K * N), pB >> 2);
    x.gemmPackB(pB, pBp, K, N, transB ? 1 : 0);
    if (accumulate) f.set(C.subarray(0, M * N), pC >> 2);
    for (let k0 = 0; k0 < K; k0 += kb) {
      const kc = Math.min(kb, K - k0);
      f.set(A.subarray(k0 * M, (k0 + kc) * M), pA >> 2);
      x.gemmTransA(pA, M, pBp, K, k0, kc, pC, N, pAp, k0 === 0 && !accumulate ? 1 : 0);
    }
    if (K === 0 && !accumulate) C.fill(0, 0, M * N);
    else C.set(f.subarray(pC >> 2, (pC >> 2) + M * N));
  }
}

/** out = A·X (or Aᵀ·X when `cols` is given) for CSR A, float32. */
export function spmmWasm(
  rt: WasmRuntime,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array | null,
  rows: number,
  X: Float32Array,
  F: number,
  out: Float32Array,
  cols: number | null,
): void {
  const x = rt.exports;
  rt.reset();
  const nnz = indptr[rows]!;
  const outRows = cols === null ? rows : cols;
  const xLen = cols === null ? X.length : rows * F;
  const pPtr = rt.alloc((rows + 1) * 4);
  const pIdx = rt.alloc(nnz * 4);
  const pVal = values === null ? 0 : rt.alloc(nnz * 4);
  const pX = rt.alloc(xLen * 4);
  const pOut = rt.alloc(outRows * F * 4);
  const f = rt.f32;
  const i = rt.i32;
  i.set(indptr.subarray(0, rows + 1), pPtr >> 2);
  i.set(indices.subarray(0, nnz), pIdx >> 2);
  if (values !== null) f.set(values.subarray(0, nnz), pVal >> 2);
  f.set(X.subarray(0, xLen), pX >> 2);
  if (cols === null) x.spmmCsrF32(pPtr, pIdx, pVal, values === null ? 0 : 1, rows, pX, F, pOut);
  else x.spmmCsrTF32(pPtr, pIdx, pVal, values === null ? 0 : 1, rows, cols, pX, F, pOut);
  out.set(f.subarray(pOut >> 2, (pOut >> 2) + outRows * F));
}

/** out[i] = src[index[i]] row-wise (32-bit elements). */
export function gatherRowsWasm(
  rt: WasmRuntime,
  src: Float32Array | Int32Array,
  index: Int32Array,
  F: number,
  out: Float32Array | Int32Array,
): void {
  const x = rt.exports;
  rt.reset();
  const n = index.length;
  const pSrc = rt.alloc(src.length * 4);
  const pIdx = rt.alloc(n * 4);
  const pOut = rt.alloc(n * F * 4);
  const view = src instanceof Int32Array ? rt.i32 : rt.f32;
  view.set(src, pSrc >> 2);
  rt.i32.set(index, pIdx >> 2);
  x.gatherRows32(pSrc, pIdx, n, F, pOut);
  const oview = out instanceof Int32Array ? rt.i32 : rt.f32;
  out.set(oview.subarray(pOut >> 2, (pOut >> 2) + n * F));
}

/** out[index[i]] += src[i] row-wise. */
export function scatterAddRowsWasm(
  rt: WasmRuntime,
  src: Float32Array,
  index: Int32Array,
  F: number,
  out: Float32Array,
): void {
  const x = rt.exports;
  rt.reset();
  const n = index.length;
  const pSrc = rt.alloc(n * F * 4);
  const pIdx = rt.alloc(n * 4);
  const pOut = rt.alloc(out.length * 4);
  const f = rt.f32;
  f.set(src.subarray(0, n * F), pSrc >> 2);
  rt.i32.set(index, pIdx >> 2);
  f.set(out, pOut >> 2);
  x.scatterAddRowsF32(pSrc, pIdx, n, F, pOut);
  out.set(f.subarray(pOut >> 2, (pOut >> 2) + out.length));
}

/** Row scatter-max/min with the winning row in `arg` (see scatterMaxRowsRef). */
export function scatterMaxRowsWasm(
  rt: WasmRuntime,
  src: Float32Array,
  index: Int32Array,
  F: number,
  out: Float32Array,
  arg: Int32Array,
  mode: "max" | "min",
): void {
  const x = rt.exports;
  rt.reset();
  const n = index.length;
  const outRows = F > 0 ? Math.floor(out.length / F) : 0;
  const total = outRows * F;
  const pSrc = rt.alloc(n * F * 4);
  const pIdx = rt.alloc(n * 4);
  const pOut = rt.alloc(total * 4);
  const pArg = rt.alloc(total * 4);
  rt.f32.set(src.subarray(0, n * F), pSrc >> 2);
  rt.i32.set(index, pIdx >> 2);
  x.scatterMaxRowsF32(pSrc, pIdx, n, F, pOut, pArg, outRows, mode === "min" ? 1 : 0);
  out.set(rt.f32.subarray(pOut >> 2, (pOut >> 2) + total));
  arg.set(rt.i32.subarray(pArg >> 2, (pArg >> 2) + total));
  // entries past outRows·F (not possible for well-formed calls) follow the reference
  for (let j = total; j < arg.length; j++) {
    arg[j] = -1;
    out[j] = 0;
  }
}

/** out[s] = Σ src[ptr[s]..ptr[s+1]) row-wise. */
export function segmentSumWasm(
  rt: WasmRuntime,
  src: Float32Array,
  ptr: Int32Array,
  F: number,
  out: Float32Array,
): void {
  const x = rt.exports;
  rt.reset();
  const S = ptr.length - 1;
  const rowsUsed = S > 0 ? ptr[S]! : 0;
  const pSrc = rt.alloc(rowsUsed * F * 4);
  const pPtr = rt.alloc(ptr.length * 4);
  const pOut = rt.alloc(S * F * 4);
  rt.f32.set(src.subarray(0, rowsUsed * F), pSrc >> 2);
  rt.i32.set(ptr, pPtr >> 2);
  x.segmentSumF32(pSrc, pPtr, S, F, pOut);
  out.set(rt.f32.subarray(pOut >> 2, (pOut >> 2) + S * F));
}

/** out[i] = f(a[i]) in chunks. `code` from {@link WASM_UNARY}. */
export function unaryWasm(rt: WasmRuntime, code: number, a: Float32Array, out: Float32Array, param: number): void {
  const x = rt.exports;
  rt.reset();
  const n = a.length;
  const ch = Math.min(CHUNK, pad4(n));
  const pA = rt.alloc(ch * 4);
  const pO = rt.alloc(ch * 4);
  const f = rt.f32;
  for (let s = 0; s < n; s += CHUNK) {
    const m = Math.min(CHUNK, n - s);
    f.set(a.subarray(s, s + m), pA >> 2);
    x.unaryF32(code, pA, pO, pad4(m), param);
    out.set(f.subarray(pO >> 2, (pO >> 2) + m), s);
  }
}

/** out[i] = a[i] op b[i] (same shape) in chunks. */
export function binarySameWasm(
  rt: WasmRuntime,
  code: number,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
): void {
  const x = rt.exports;
  rt.reset();
  const n = out.length;
  const ch = Math.min(CHUNK, pad4(n));
  const pA = rt.alloc(ch * 4);
  const pB = rt.alloc(ch * 4);
  const pO = rt.alloc(ch * 4);
  const f = rt.f32;
  for (let s = 0; s < n; s += CHUNK) {
    const m = Math.min(CHUNK, n - s);
    f.set(a.subarray(s, s + m), pA >> 2);
    f.set(b.subarray(s, s + m), pB >> 2);
    x.binarySameF32(code, pA, pB, pO, pad4(m));
    out.set(f.subarray(pO >> 2, (pO >> 2) + m), s);
  }
}

/** out[i] = a[i] op s (or s op a[i] when swap) in chunks. */
export function binaryScalarWasm(
  rt: WasmRuntime,
  code: number,
  a: Float32Array,
  s: number,
  out: Float32Array,
  swap: boolean,
): void {
  const x = rt.exports;
  rt.reset();
  const n = out.length;
  const ch = Math.min(CHUNK, pad4(n));
  const pA = rt.alloc(ch * 4);
  const pO = rt.alloc(ch * 4);
  const f = rt.f32;
  for (let o = 0; o < n; o += CHUNK) {
    const m = Math.min(CHUNK, n - o);
    f.set(a.subarray(o, o + m), pA >> 2);
    x.binaryScalarF32(code, pA, s, pO, pad4(m), swap ? 1 : 0);
    out.set(f.subarray(pO >> 2, (pO >> 2) + m), o);
  }
}

/**
 * Broadcast of a vector along rows (`col` false: b[L] against a[R, L]) or columns (`col` true:
 * b[R] against a[R, L]); `swap` puts b on the left of the op.
 */
export function binaryBroadcastWasm(
  rt: WasmRuntime,
  code: number,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  R: number,
  L: number,
  col: boolean,
  swap: boolean,
): void {
  const x = rt.exports;
  rt.reset();
  const rowsPer = Math.max(1, Math.floor(CHUNK / Math.max(L, 1)));
  const chRows = Math.min(R, rowsPer);
  const pB = rt.alloc((col ? R : L) * 4);
  const pA = rt.alloc(chRows * L * 4);
  const pO = rt.alloc(chRows * L * 4);
  const f = rt.f32;
  if (!col) f.set(b.subarray(0, L), pB >> 2);
  for (let r0 = 0; r0 < R; r0 += rowsPer) {
    const r = Math.min(rowsPer, R - r0);
    f.set(a.subarray(r0 * L, (r0 + r) * L), pA >> 2);
    if (col) {
      f.set(b.subarray(r0, r0 + r), pB >> 2);
      x.binaryColF32(code, pA, pB, pO, r, L, swap ? 1 : 0);
    } else {
      x.binaryRowF32(code, pA, pB, pO, r, L, swap ? 1 : 0);
    }
    out.set(f.subarray(pO >> 2, (pO >> 2) + r * L), r0 * L);
  }
}

/** Reduction of the middle axis of [outer, n, inner] (see reduceAxisRef). */
export function reduceAxisWasm(
  rt: WasmRuntime,
  op: ReduceOpName,
  a: Float32Array,
  outer: number,
  n: number,
  inner: number,
  out: Float32Array,
): void {
  const x = rt.exports;
  const code = REDUCE_CODE[op];
  rt.reset();
  if (outer * inner === 1) {
    // one contiguous reduction: partial results per chunk, combined here in float64
    const pA = rt.alloc(Math.min(CHUNK, n) * 4);
    const f = rt.f32;
    let acc = op === "sum" ? 0 : op === "prod" ? 1 : Number.NaN;
    for (let s = 0; s < n; s += CHUNK) {
      const m = Math.min(CHUNK, n - s);
      f.set(a.subarray(s, s + m), pA >> 2);
      const v = x.reduceContig(code, pA, m);
      if (op === "sum") acc += v;
      else if (op === "prod") acc *= v;
      else if (s === 0) acc = v;
      else if (op === "max") acc = v > acc || Number.isNaN(v) ? v : acc;
      else acc = v < acc || Number.isNaN(v) ? v : acc;
    }
    out[0] = acc;
    return;
  }
  const slab = n * inner;
  const per = Math.max(1, Math.floor(CHUNK / Math.max(slab, 1)));
  const ch = Math.min(outer, per);
  const pA = rt.alloc(ch * slab * 4);
  const pO = rt.alloc(ch * inner * 4);
  const pS = rt.alloc(inner * 8 + 16);
  const f = rt.f32;
  for (let o0 = 0; o0 < outer; o0 += per) {
    const m = Math.min(per, outer - o0);
    f.set(a.subarray(o0 * slab, (o0 + m) * slab), pA >> 2);
    x.reduceAxisF32(code, pA, m, n, inner, pO, pS);
    out.set(f.subarray(pO >> 2, (pO >> 2) + m * inner), o0 * inner);
  }
}

/** Row softmax / log-softmax of a [rows, cols] array in chunks of rows. */
export function softmaxRowsWasm(
  rt: WasmRuntime,
  a: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  log: boolean,
): void {
  const x = rt.exports;
  rt.reset();
  const per = Math.max(1, Math.floor(CHUNK / Math.max(cols, 1)));
  const ch = Math.min(rows, per);
  const pA = rt.alloc((ch * cols + 4) * 4);
  const pO = rt.alloc((ch * cols + 4) * 4);
  const f = rt.f32;
  for (let r0 = 0; r0 < rows; r0 += per) {
    const r = Math.min(per, rows - r0);
    f.set(a.subarray(r0 * cols, (r0 + r) * cols), pA >> 2);
    x.softmaxRowsF32(pA, r, cols, pO, log ? 1 : 0);
    out.set(f.subarray(pO >> 2, (pO >> 2) + r * cols), r0 * cols);
  }
}

// ---------------------------------------------------------------------------------------------
// Winograd F(4×4, 3×3) convolutions (assembly/winograd.ts). The data stays in the arena from the
// input transform through the 36 products to the output transform; images are copied in and out one
// block at a time (about WINOGRAD_TILE_BLOCK tiles, so that V and M stay in L2).

/** Tiles per block of images in the Winograd kernels (at least one image per block). */
export let WINOGRAD_TILE_BLOCK = 196;

/** Overrides {@link WINOGRAD_TILE_BLOCK} (tuning and tests). */
export function setWinogradTileBlock(tiles: number): void {
  WINOGRAD_TILE_BLOCK = tiles;
}

interface WinogradPlan {
  th: number;
  tw: number;
  T1: number;
  nb: number;
  Tp: number;
  Wq: number;
  Hp: number;
}

function winogradPlan(N: number, oh: number, ow: number): WinogradPlan {
  const th = Math.ceil(oh / 4);
  const tw = Math.ceil(ow / 4);
  const T1 = th * tw;
  const nb = Math.max(1, Math.min(N, Math.floor(WINOGRAD_TILE_BLOCK / T1)));
  const Tp = Math.ceil((nb * T1 + 3) / 8) * 8;
  return { th, tw, T1, nb, Tp, Wq: 16 * Math.ceil(tw / 4) + 4, Hp: 4 * th + 2 };
}

/** y = conv2d(x, w) + b (3×3, stride 1, zero padding ph/pw, G groups), float32. See winogradConv3x3Ref. */
export function winogradConvWasm(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  geom: WinogradGeometry,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const e = rt.exports;
  const { th, tw, T1, nb, Tp, Wq, Hp } = winogradPlan(N, oh, ow);
  const Ogp = pad4(Og);
  const xs = Cg * H * W;
  const ys = Og * oh * ow;
  rt.reset();
  const pU = rt.alloc(36 * Ogp * Cg * 4);
  // V gets an odd number of rows per ξ: with Cg·Tp floats (a multiple of 256 bytes) the input
  // transform's 36 stores per tile group hit a few L1 sets only (1.3 -> 1.2 CPU-ms per 64 images, A/B);
  // likewise M's rows for the output transform's loads
  const Cs = Cg | 1;
  const Ms = Ogp + winogradRowPad(rt);
  const pV = rt.alloc(36 * Cs * Tp * 4);
  const pM = rt.alloc(36 * Ms * Tp * 4);
  const pX = rt.alloc(nb * xs * 4);
  const pY = rt.alloc(nb * ys * 4);
  const pXp = rt.alloc(Hp * Wq * 4);
  const pTb = rt.alloc(6 * Wq * 4);
  const pB = rt.alloc(Math.max(Og, 1) * 4);
  const pW = rt.alloc(Og * Cg * 9 * 4);
  const f = rt.f32;
  for (let gi = 0; gi < G; gi++) {
    // U[ξ][m][c] (Ogp rows of Cg, zero past Og)
    f.set(w.subarray(gi * Og * Cg * 9, (gi + 1) * Og * Cg * 9), pW >> 2);
    e.wgZero(pU, 36 * Ogp * Cg);
    e.wgKernelF32(pW, Og, Cg, pU, Ogp * Cg, Cg, 1);
    if (b !== null) f.set(b.subarray(gi * Og, (gi + 1) * Og), pB >> 2);
    for (let n0 = 0; n0 < N; n0 += nb) {
      const nI = Math.min(nb, N - n0);
      for (let k = 0; k < nI; k++) {
        const src = ((n0 + k) * G + gi) * xs;
        f.set(x.subarray(src, src + xs), (pX >> 2) + k * xs);
        e.wgInputF32(pX + k * xs * 4, Cg, H, W, ph, pw, th, tw, pXp, pTb, pV, Cs, Tp, k * T1);
      }
      e.wgGemmF32(pU, pV, pM, Ogp, Cg, Cs, Tp, Ms);
      for (let k = 0; k < nI; k++) {
        e.wgOutputF32(pM, Ms, Tp, k * T1, th, tw, pY + k * ys * 4, Og, oh, ow, pB, b === null ? 0 : 1);
        const dst = ((n0 + k) * G + gi) * ys;
        y.set(f.subarray((pY >> 2) + k * ys, (pY >> 2) + (k + 1) * ys), dst);
      }
    }
  }
}

/**
 * One spare row per ξ (the odd row counts that keep the transforms' strided accesses spread over the
 * L1 sets) where the module's products take separate row counts; 0 with an older build.
 */
function winogradRowPad(rt: WasmRuntime): number {
  return (rt.exports.wgGemmF32 as unknown as (...a: number[]) => void).length >= 8 ? 1 : 0;
}

/** Whether the loaded module has the shared-backward kernel (a build older than it has not). */
export function hasWinogradBackwardWasm(rt: WasmRuntime): boolean {
  return typeof (rt.exports as unknown as Record<string, unknown>).wgInputAdjF32 === "function";
}

/**
 * The whole backward of {@link winogradConvWasm} from one transform of gy per tile: Y = A·gy·Aᵀ is
 * shared by the weight gradient (Σ_t Y·Vᵀ, V the input transform) and the input gradient (Uᵀ·Y, then
 * the adjoint of the input transform); the bias gradient is summed while gy is copied in. Each of gx,
 * gw, gb may be null (not computed); all three are overwritten. Float32.
 */
export function winogradBackwardWasm(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  gy: Float32Array,
  gx: Float32Array | null,
  gw: Float32Array | null,
  gb: Float32Array | null,
  geom: WinogradGeometry,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const e = rt.exports;
  const { th, tw, T1, nb, Tp, Wq, Hp } = winogradPlan(N, oh, ow);
  const Ogp = pad4(Og);
  const Cgp = pad4(Cg);
  const xs = Cg * H * W;
  const ys = Og * oh * ow;
  const Wg = 16 * Math.ceil(tw / 4);
  rt.reset();
  // odd row counts per ξ for V (also dV) and Y, as in winogradConvWasm
  const pad = winogradRowPad(rt);
  const Vs = Cgp + pad;
  const Ys = Ogp + pad;
  const pV = rt.alloc(36 * Vs * Tp * 4);
  const pYt = rt.alloc(36 * Ys * Tp * 4);
  const pS = rt.alloc(36 * Ogp * Cgp * 4);
  const pUT = rt.alloc(36 * Cgp * Ogp * 4);
  const pX = rt.alloc(nb * xs * 4);
  const pG = rt.alloc(nb * ys * 4);
  const pXp = rt.alloc(Hp * Wq * 4);
  const pTb = rt.alloc(6 * Wq * 4);
  const pGp = rt.alloc(4 * th * Wg * 4);
  const pBs = rt.alloc(Math.max(Og, 1) * 4);
  const pW = gx === null ? 0 : rt.alloc(Og * Cg * 9 * 4);
  const f = rt.f32;
  const S = gw === null ? null : new Float32Array(G * 36 * Ogp * Cgp);
  e.wgZero(pV, 36 * Vs * Tp);
  e.wgZero(pYt, 36 * Ys * Tp);
  for (let gi = 0; gi < G; gi++) {
    if (S !== null) e.wgZero(pS, 36 * Ogp * Cgp);
    e.wgZero(pBs, Og);
    if (gx !== null) {
      // Uᵀ[ξ][c][m] (Cgp rows of Ogp, zero past Cg and Og): the input gradient's products dV = Uᵀ·Y
      f.set(w.subarray(gi * Og * Cg * 9, (gi + 1) * Og * Cg * 9), pW >> 2);
      e.wgZero(pUT, 36 * Cgp * Ogp);
      e.wgKernelF32(pW, Og, Cg, pUT, Cgp * Ogp, 1, Ogp);
    }
    for (let n0 = 0; n0 < N; n0 += nb) {
      const nI = Math.min(nb, N - n0);
      for (let k = 0; k < nI; k++) {
        if (S !== null) {
          const sx = ((n0 + k) * G + gi) * xs;
          f.set(x.subarray(sx, sx + xs), (pX >> 2) + k * xs);
          e.wgInputF32(pX + k * xs * 4, Cg, H, W, ph, pw, th, tw, pXp, pTb, pV, Vs, Tp, k * T1);
        }
        const sy = ((n0 + k) * G + gi) * ys;
        f.set(gy.subarray(sy, sy + ys), (pG >> 2) + k * ys);
        e.wgGradOutF32(pG + k * ys * 4, Og, oh, ow, th, tw, pGp, pTb, pYt, Ys, Tp, k * T1, pBs, gb === null ? 0 : 1);
      }
      if (nI < nb) e.wgZeroLanes(pYt, 36 * Ys, Tp, nI * T1);
      if (S !== null) e.wgDotF32(pYt, pV, pS, Ogp, Cgp, Tp, Ys, Vs);
      if (gx !== null) {
        // dV = Uᵀ·Y over V's rows (V is spent), then the adjoint input transform per image
        e.wgGemmF32(pUT, pYt, pV, Cgp, Ogp, Ys, Tp, Vs);
        for (let k = 0; k < nI; k++) {
          e.wgInputAdjF32(pV, Vs, Tp, k * T1, Cg, H, W, ph, pw, th, tw, pXp, pTb, pX + k * xs * 4);
          const dst = ((n0 + k) * G + gi) * xs;
          gx.set(f.subarray((pX >> 2) + k * xs, (pX >> 2) + (k + 1) * xs), dst);
        }
      }
    }
    if (S !== null) S.set(f.subarray(pS >> 2, (pS >> 2) + 36 * Ogp * Cgp), gi * 36 * Ogp * Cgp);
    if (gb !== null) gb.set(f.subarray(pBs >> 2, (pBs >> 2) + Og), gi * Og);
  }
  if (S !== null && gw !== null) winogradWeightGradFinish(S, G, Og, Cg, Ogp, Cgp, gw);
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link winogradConvWasm}, float32; when `gb`
 * is given, also the bias gradient gb[c] = Σ gy[·, c] (summed while gy is copied into the transform).
 */
export function winogradWeightGradWasm(
  rt: WasmRuntime,
  x: Float32Array,
  gy: Float32Array,
  gw: Float32Array,
  geom: WinogradGeometry,
  gb: Float32Array | null = null,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const e = rt.exports;
  const { th, tw, T1, nb, Tp, Wq, Hp } = winogradPlan(N, oh, ow);
  const Ogp = pad4(Og);
  const Cgp = pad4(Cg);
  const xs = Cg * H * W;
  const ys = Og * oh * ow;
  const Wg = 16 * Math.ceil(tw / 4);
  rt.reset();
  const pV = rt.alloc(36 * Cgp * Tp * 4);
  const pYt = rt.alloc(36 * Ogp * Tp * 4);
  const pS = rt.alloc(36 * Ogp * Cgp * 4);
  const pX = rt.alloc(nb * xs * 4);
  const pG = rt.alloc(nb * ys * 4);
  const pXp = rt.alloc(Hp * Wq * 4);
  const pTb = rt.alloc(6 * Wq * 4);
  const pGp = rt.alloc(4 * th * Wg * 4);
  const pBs = rt.alloc(Math.max(Og, 1) * 4);
  const f = rt.f32;
  const S = new Float32Array(G * 36 * Ogp * Cgp);
  e.wgZero(pV, 36 * Cgp * Tp);
  e.wgZero(pYt, 36 * Ogp * Tp);
  for (let gi = 0; gi < G; gi++) {
    e.wgZero(pS, 36 * Ogp * Cgp);
    e.wgZero(pBs, Og);
    for (let n0 = 0; n0 < N; n0 += nb) {
      const nI = Math.min(nb, N - n0);
      for (let k = 0; k < nI; k++) {
        const sx = ((n0 + k) * G + gi) * xs;
        f.set(x.subarray(sx, sx + xs), (pX >> 2) + k * xs);
        e.wgInputF32(pX + k * xs * 4, Cg, H, W, ph, pw, th, tw, pXp, pTb, pV, Cgp, Tp, k * T1);
        const sy = ((n0 + k) * G + gi) * ys;
        f.set(gy.subarray(sy, sy + ys), (pG >> 2) + k * ys);
        e.wgGradOutF32(pG + k * ys * 4, Og, oh, ow, th, tw, pGp, pTb, pYt, Ogp, Tp, k * T1, pBs, gb === null ? 0 : 1);
      }
      // lanes past the block's tiles: zero in Y (its spill there is a transform of zeros), so V's may hold anything
      // finite; only a short last block leaves earlier tiles in Y's lanes
      if (nI < nb) e.wgZeroLanes(pYt, 36 * Ogp, Tp, nI * T1);
      e.wgDotF32(pYt, pV, pS, Ogp, Cgp, Tp, Ogp, Cgp);
    }
    S.set(f.subarray(pS >> 2, (pS >> 2) + 36 * Ogp * Cgp), gi * 36 * Ogp * Cgp);
    if (gb !== null) gb.set(f.subarray(pBs >> 2, (pBs >> 2) + Og), gi * Og);
  }
  winogradWeightGradFinish(S, G, Og, Cg, Ogp, Cgp, gw);
}

// ---------------------------------------------------------------------------------------------
// Stride-1 2-D convolutions without an im2col matrix (assembly/conv.ts): per image, the input planes
// are padded in the arena once, and each block of output rows is one GEMM whose B panels are packed
// straight from the padded planes; the weights are copied once per group.

/** Bytes of packed B panels per block of output rows (the block stays in L2 while the GEMM runs). */
const CONV_PANEL_BYTES = 524288;

/** The padded layout of {@link convStride1Wasm} and the blocks of output rows per GEMM. */
function stride1Plan(geom: Stride1Geometry) {
  const { Cg, H, W, kh, kw, dh, dw, oh, ow } = geom;
  const Kg = Cg * kh * kw;
  const Wp = ow + dw * (kw - 1);
  const plane = (oh + dh * (kh - 1)) * Wp;
  // planes plus the run that taps of the last rows read past the last plane, plus a panel's width
  const tail = dw * (kw - 1) + NR;
  const rowsPer = Math.max(1, Math.min(oh, Math.floor(CONV_PANEL_BYTES / 4 / Math.max(Kg, 1) / Wp)));
  return { Kg, Wp, plane, tail, P: oh * ow, xs: Cg * H * W, rowsPer, maxLen: rowsPer * Wp };
}

/** Whether the loaded module has the stride-1 convolution kernels, forward and weight gradient (an older build has not). */
export function hasConvStride1Wasm(rt: WasmRuntime): boolean {
  const e = rt.exports as unknown as Record<string, unknown>;
  return typeof e.convPackBF32 === "function" && typeof e.convPackBTF32 === "function";
}

/** y = conv2d(x, w) + b, stride 1, float32. See convStride1Ref for the layouts. */
export function convStride1Wasm(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  geom: Stride1Geometry,
): void {
  const { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow } = geom;
  const e = rt.exports;
  const { Kg, Wp, plane, tail, P, xs, rowsPer, maxLen } = stride1Plan(geom);
  rt.reset();
  const pA = rt.alloc(Og * Kg * 4);
  const pX = rt.alloc(xs * 4);
  const pXp = rt.alloc((Cg * plane + tail) * 4);
  const pBp = rt.alloc(Math.ceil(maxLen / NR) * Kg * NR * 4);
  const pC = rt.alloc(Og * maxLen * 4);
  const pAp = rt.alloc(MC * KC * 4);
  const pY = rt.alloc(Og * P * 4);
  const pB = rt.alloc(Math.max(Og, 1) * 4);
  const f = rt.f32;
  e.wgZero(pXp, Cg * plane + tail);
  if (b === null) e.wgZero(pB, Math.max(Og, 1));
  for (let gi = 0; gi < G; gi++) {
    f.set(w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg), pA >> 2);
    if (b !== null) f.set(b.subarray(gi * Og, (gi + 1) * Og), pB >> 2);
    for (let n = 0; n < N; n++) {
      const src = (n * G + gi) * xs;
      f.set(x.subarray(src, src + xs), pX >> 2);
      e.convPadPlanesF32(pX, Cg, H, W, pXp, Wp, plane, ph * Wp + pw);
      for (let r0 = 0; r0 < oh; r0 += rowsPer) {
        const rows = Math.min(rowsPer, oh - r0);
        const len = rows * Wp;
        e.convPackBF32(pXp, pBp, Cg, kh, kw, dh, dw, Wp, plane, r0 * Wp, len);
        e.gemmRows(pA, Kg, pBp, pC, Og, len, Kg, 0, pAp);
        e.convUnpadRowsF32(pC, Og, rows, Wp, ow, pY, P, r0, pB, 1);
      }
      const dst = (n * G + gi) * Og * P;
      y.set(f.subarray(pY >> 2, (pY >> 2) + Og * P), dst);
    }
  }
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link convStride1Wasm} (overwritten), float32:
 * per block of output rows, gw[m][k] += Σ_j gy[m][j]·B[k][j] with gy in padded rows (zero past ow)
 * and Bᵀ packed from the padded input planes; gw accumulates in the arena over all images.
 */
export function convStride1WeightGradWasm(
  rt: WasmRuntime,
  x: Float32Array,
  gy: Float32Array,
  gw: Float32Array,
  geom: Stride1Geometry,
): void {
  const { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow } = geom;
  const e = rt.exports;
  const { Kg, Wp, plane, tail, P, xs, rowsPer, maxLen } = stride1Plan(geom);
  rt.reset();
  const pX = rt.alloc(xs * 4);
  const pXp = rt.alloc((Cg * plane + tail) * 4);
  const pG = rt.alloc(Og * P * 4);
  const pGp = rt.alloc(Og * oh * Wp * 4);
  const pBp = rt.alloc(Math.ceil(Kg / NR) * maxLen * NR * 4);
  const pC = rt.alloc(Og * Kg * 4);
  const pAp = rt.alloc(MC * KC * 4);
  const f = rt.f32;
  e.wgZero(pXp, Cg * plane + tail);
  e.wgZero(pGp, Og * oh * Wp);
  for (let gi = 0; gi < G; gi++) {
    e.wgZero(pC, Og * Kg);
    for (let n = 0; n < N; n++) {
      const sx = (n * G + gi) * xs;
      f.set(x.subarray(sx, sx + xs), pX >> 2);
      e.convPadPlanesF32(pX, Cg, H, W, pXp, Wp, plane, ph * Wp + pw);
      const sy = (n * G + gi) * Og * P;
      f.set(gy.subarray(sy, sy + Og * P), pG >> 2);
      e.convPadPlanesF32(pG, Og, oh, ow, pGp, Wp, oh * Wp, 0);
      for (let r0 = 0; r0 < oh; r0 += rowsPer) {
        const len = Math.min(rowsPer, oh - r0) * Wp;
        e.convPackBTF32(pXp, pBp, Cg, kh, kw, dh, dw, Wp, plane, r0 * Wp, len);
        e.gemmRows(pGp + r0 * Wp * 4, oh * Wp, pBp, pC, Og, Kg, len, 1, pAp);
      }
    }
    gw.set(f.subarray(pC >> 2, (pC >> 2) + Og * Kg), gi * Og * Kg);
  }
}
