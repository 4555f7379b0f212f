/**
 * The one dispatch point for compute kernels. Each function takes typed arrays and sizes and
 * runs either the plain TypeScript reference (`ref/`) or the AssemblyScript SIMD build (`wasm/`).
 * Both give the same numbers up to float32 rounding (property tests check it). Index arguments are
 * validated by the calling op before they get here.
 *
 * Backend choice: `auto` (default: WASM for float32 above a small size, where the copy into WASM
 * memory pays off), `wasm` (WASM for every float32 call) or `ref` (plain TypeScript), set with
 * {@link setKernelBackend} or the environment variable `ERLANGEN_KERNELS=ref|wasm|auto`.
 * float64 always runs the reference. {@link activeKernelBackend} and {@link lastKernelBackend} tell
 * which path is in force and which one ran.
 */
import {
  type BinaryOpName,
  binaryRef,
  type ReduceOpName,
  reduceAxisRef,
  softmaxRowsRef,
  type UnaryOpName,
  unaryRef,
} from "./ref/elementwise.js";
import { type FloatArray, gemmRef } from "./ref/linalg.js";
import {
  gatherRowsRef,
  scatterAddRowsRef,
  scatterMaxRowsRef,
  segmentSumCsrRef,
  spmmCsrRef,
  spmmCsrTRef,
} from "./ref/sparse.js";
import { channelSumRef, type WinogradGeometry, winogradConv3x3Ref, winogradWeightGrad3x3Ref } from "./ref/winograd.js";
import {
  binaryBroadcastWasm,
  binarySameWasm,
  binaryScalarWasm,
  gatherRowsWasm,
  gemmWasm,
  reduceAxisWasm,
  scatterAddRowsWasm,
  scatterMaxRowsWasm,
  segmentSumWasm,
  softmaxRowsWasm,
  spmmWasm,
  unaryWasm,
  WASM_BINARY,
  WASM_UNARY,
} from "./wasm/kernels.js";
import { getWasmRuntime, kernelsReady, type WasmRuntime, wasmFeatures } from "./wasm/loader.js";

export { type FFTPlan, fftPlan } from "./ref/fft.js";
export type { WinogradGeometry } from "./ref/winograd.js";

import type { Stride1Geometry } from "./ref/conv.js";
import {
  convStride1Wasm,
  convStride1WeightGradWasm,
  hasConvStride1Wasm,
  hasWinogradBackwardWasm,
  winogradBackwardWasm,
  winogradConvWasm,
  winogradWeightGradWasm,
} from "./wasm/kernels.js";

export type { Stride1Geometry } from "./ref/conv.js";

import {
  type RadialBasisSpec,
  type RadialCutoffSpec,
  radialBackwardRef,
  radialCount,
  radialForwardRef,
  type ShTable,
  shBackwardRef,
  shForwardRef,
  type TensorProductPlan,
  type TpSizes,
  tpBackwardRef,
  tpForwardRef,
} from "./ref/o3.js";
import {
  type AdamConsts,
  adamRef,
  bernoulliMaskRef,
  bnGradRef,
  channelAffineNclRef,
  channelAffineRef,
  channelGradNclRef,
  channelStatsNclRef,
  channelStatsRef,
  dropoutMaskRef,
  sparseLinearGradRef,
  sparseLinearRef,
  transpose2dRef,
} from "./ref/train.js";
import {
  hasO3Wasm,
  radialBackwardWasm,
  radialForwardWasm,
  shBackwardWasm,
  shForwardWasm,
  tpBackwardWasm,
  tpForwardWasm,
} from "./wasm/o3.js";
import {
  adamWasm,
  bernoulliMaskWasm,
  bnGradWasm,
  type CsrTransposeArrays,
  channelAffineNclWasm,
  channelAffineWasm,
  channelGradNclWasm,
  channelStatsNclWasm,
  channelStatsWasm,
  dropoutMaskWasm,
  hasBernoulliMaskWasm,
  hasChannelNclWasm,
  hasDropoutMaskWasm,
  hasSparseLinearWasm,
  sparseLinearGradWasm,
  sparseLinearWasm,
  spmmWideWasm,
  transposeWasm,
} from "./wasm/train.js";

export type { AdamConsts, BinaryOpName, FloatArray, ReduceOpName, UnaryOpName };
export { kernelsReady, wasmFeatures };

/** `auto`: WASM for float32 above a size threshold; `wasm`: WASM for all float32; `ref`: TypeScript. */
export type KernelBackend = "auto" | "ref" | "wasm";

function envBackend(): KernelBackend {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const v = g.process?.env?.ERLANGEN_KERNELS;
  return v === "ref" || v === "wasm" ? v : "auto";
}

let backend: KernelBackend = envBackend();
let last: "ref" | "wasm" | "none" = "none";

/**
 * Chooses the kernel backend: `auto` (default), `ref` (plain TypeScript) or `wasm` (every float32
 * call through WASM; throws if the WASM kernels cannot be loaded now — in a browser main thread,
 * `await kernelsReady()` first).
 */
export function setKernelBackend(b: KernelBackend): void {
  if (b !== "auto" && b !== "ref" && b !== "wasm")
    throw new Error(`setKernelBackend: argument 'backend' expected 'auto' | 'ref' | 'wasm', got ${String(b)}`);
  if (b === "wasm" && getWasmRuntime() === null) {
    throw new Error(
      "setKernelBackend: argument 'backend' expected a backend available here, got 'wasm' (WebAssembly SIMD kernels not loaded; await kernelsReady())",
    );
  }
  backend = b;
}

/** The backend setting now in force. */
export function getKernelBackend(): KernelBackend {
  return backend;
}

/**
 * The path float32 kernels take now: `wasm` when the setting allows it and the WASM kernels are
 * loaded, else `ref`. (Small calls under `auto` and all float64 calls still use `ref`.)
 */
export function activeKernelBackend(): "ref" | "wasm" {
  if (backend === "ref") return "ref";
  return getWasmRuntime() !== null ? "wasm" : "ref";
}

/** The path the most recent kernel call took (`none` before the first call). */
export function lastKernelBackend(): "ref" | "wasm" | "none" {
  return last;
}

/**
 * Work sizes (elements touched, or multiply-adds for GEMM/SpMM) below which `auto` stays in
 * TypeScript: for tiny arrays the call and copy overhead (about 0.3 µs) outweighs the SIMD speed-up.
 * Measured crossovers (Node 20, x64): unary ~32–64 elements, binary ~64, sum ~512, GEMM ~8³, gather ~512.
 */
export const WASM_THRESHOLDS = {
  gemm: 512,
  sparse: 512,
  elementwise: 64,
  reduce: 512,
};

/** The WASM runtime when `work` is large enough under the current backend, else null. */
function pick(work: number, threshold: number): WasmRuntime | null {
  if (backend === "ref" || (backend === "auto" && work < threshold)) {
    last = "ref";
    return null;
  }
  const rt = getWasmRuntime();
  last = rt === null ? "ref" : "wasm";
  return rt;
}

function noWasm(): null {
  last = "ref";
  return null;
}

const f32 = (a: unknown): a is Float32Array => a instanceof Float32Array;

/** True when a WASM call failed only because memory could not grow (then the ref path runs). */
function isOom(e: unknown): boolean {
  if (e instanceof RangeError) {
    last = "ref";
    return true;
  }
  return false;
}

/**
 * C[M×N] = op(A)·op(B) (+ C when `accumulate`), row-major. op(A) is A[M×K] or, with `transA`, the
 * transpose of A[K×M]; likewise op(B) is B[K×N] or the transpose of B[N×K].
 */
export function gemm(
  A: FloatArray,
  B: FloatArray,
  C: FloatArray,
  M: number,
  N: number,
  K: number,
  transA = false,
  transB = false,
  accumulate = false,
): void {
  const rt = f32(A) && f32(B) && f32(C) && M > 0 && N > 0 ? pick(M * N * K, WASM_THRESHOLDS.gemm) : noWasm();
  if (rt) {
    try {
      gemmWasm(rt, A as Float32Array, B as Float32Array, C as Float32Array, M, N, K, transA, transB, accumulate);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  gemmRef(A, B, C, M, N, K, transA, transB, accumulate);
}

/** out[rows×F] = A·X for CSR A (rows `rows`), X[cols×F]; `values` null means all ones. */
export function spmmCsr(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  X: FloatArray,
  F: number,
  out: FloatArray,
): void {
  const ok = f32(X) && f32(out) && (values === null || f32(values));
  const rt = ok ? pick((indptr[rows]! - indptr[0]!) * F + rows * F, WASM_THRESHOLDS.sparse) : noWasm();
  if (rt) {
    try {
      spmmWasm(
        rt,
        indptr,
        indices,
        values as Float32Array | null,
        rows,
        X as Float32Array,
        F,
        out as Float32Array,
        null,
      );
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  spmmCsrRef(indptr, indices, values, rows, X, F, out);
}

/** out[cols×F] = Aᵀ·X for CSR A with `rows` rows, X[rows×F]. */
export function spmmCsrT(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  cols: number,
  X: FloatArray,
  F: number,
  out: FloatArray,
): void {
  const ok = f32(X) && f32(out) && (values === null || f32(values));
  const rt = ok ? pick((indptr[rows]! - indptr[0]!) * F + cols * F, WASM_THRESHOLDS.sparse) : noWasm();
  if (rt) {
    try {
      spmmWasm(
        rt,
        indptr,
        indices,
        values as Float32Array | null,
        rows,
        X as Float32Array,
        F,
        out as Float32Array,
        cols,
      );
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  spmmCsrTRef(indptr, indices, values, rows, cols, X, F, out);
}

/** out[i] = src[index[i]] row-wise (rows of width F); float32 and int32 run in WASM. */
export function gatherRows(
  src: FloatArray | Int32Array,
  index: Int32Array,
  F: number,
  out: FloatArray | Int32Array,
): void {
  const ok = (f32(src) && f32(out)) || (src instanceof Int32Array && out instanceof Int32Array);
  const rt = ok ? pick(index.length * F, WASM_THRESHOLDS.sparse) : noWasm();
  if (rt) {
    try {
      gatherRowsWasm(rt, src as Float32Array | Int32Array, index, F, out as Float32Array | Int32Array);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  gatherRowsRef(src, index, F, out);
}

/** out[index[i]] += src[i] row-wise. `out` is not cleared. */
export function scatterAddRows(src: FloatArray, index: Int32Array, F: number, out: FloatArray): void {
  const rt = f32(src) && f32(out) ? pick(index.length * F, WASM_THRESHOLDS.sparse) : noWasm();
  if (rt) {
    try {
      scatterAddRowsWasm(rt, src as Float32Array, index, F, out as Float32Array);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  scatterAddRowsRef(src, index, F, out);
}

/**
 * out[index[i]] = max (or min) of the rows src[i] sent there; `arg` receives the winning source row
 * (−1, with out 0, where no row arrived).
 */
export function scatterMaxRows(
  src: FloatArray,
  index: Int32Array,
  F: number,
  out: FloatArray,
  arg: Int32Array,
  mode: "max" | "min" = "max",
): void {
  const rt =
    f32(src) && f32(out) && arg.length === out.length ? pick(index.length * F, WASM_THRESHOLDS.sparse) : noWasm();
  if (rt) {
    try {
      scatterMaxRowsWasm(rt, src as Float32Array, index, F, out as Float32Array, arg, mode);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  scatterMaxRowsRef(src, index, F, out, arg, mode);
}

/** out[s] = Σ src[ptr[s]..ptr[s+1]) row-wise (segments given by CSR pointers). */
export function segmentSumCsr(src: FloatArray, ptr: Int32Array, F: number, out: FloatArray): void {
  const S = ptr.length - 1;
  const rt = f32(src) && f32(out) && S > 0 ? pick((ptr[S]! - ptr[0]!) * F + S * F, WASM_THRESHOLDS.sparse) : noWasm();
  if (rt) {
    try {
      segmentSumWasm(rt, src as Float32Array, ptr, F, out as Float32Array);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  segmentSumCsrRef(src, ptr, F, out);
}

type StridePattern =
  | { kind: "contig" }
  | { kind: "zero" }
  | { kind: "row"; split: number }
  | { kind: "col"; split: number }
  | { kind: "other" };

/**
 * Classifies strides over `shape`: contiguous row-major, all zero (a scalar), zeros then a contiguous
 * block (`row`: a vector repeated along leading axes) or a contiguous block then zeros (`col`).
 */
function classify(shape: readonly number[], strides: readonly number[]): StridePattern {
  const nd = shape.length;
  // the zero/non-zero pattern, with size-1 axes as wildcards
  let firstNZ = -1;
  let lastNZ = -1;
  let firstZ = -1;
  let lastZ = -1;
  for (let i = 0; i < nd; i++) {
    if (shape[i] === 1) continue;
    if (strides[i] === 0) {
      if (firstZ < 0) firstZ = i;
      lastZ = i;
    } else {
      if (firstNZ < 0) firstNZ = i;
      lastNZ = i;
    }
  }
  if (firstNZ < 0) return { kind: "zero" };
  // the non-zero axes must be contiguous row-major among themselves
  let acc = 1;
  for (let i = nd - 1; i >= 0; i--) {
    if (shape[i] === 1 || strides[i] === 0) continue;
    if (strides[i] !== acc) return { kind: "other" };
    acc *= shape[i]!;
  }
  if (firstZ < 0) return { kind: "contig" };
  if (lastZ < firstNZ) return { kind: "row", split: lastZ + 1 };
  if (lastNZ < firstZ) return { kind: "col", split: firstZ };
  return { kind: "other" };
}

function prod(shape: readonly number[], from: number, to: number): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i]!;
  return p;
}

/** Runs a binary op in WASM when the stride patterns have a kernel; false when they do not. */
function binaryWasm(
  rt: WasmRuntime,
  code: number,
  A: Float32Array,
  B: Float32Array,
  O: Float32Array,
  outShape: readonly number[],
  pa: StridePattern,
  pb: StridePattern,
): boolean {
  const nd = outShape.length;
  if (pa.kind === "contig" && pb.kind === "contig") binarySameWasm(rt, code, A, B, O);
  else if (pa.kind === "contig" && pb.kind === "zero") binaryScalarWasm(rt, code, A, B[0]!, O, false);
  else if (pa.kind === "zero" && pb.kind === "contig") binaryScalarWasm(rt, code, B, A[0]!, O, true);
  else if (pa.kind === "contig" && (pb.kind === "row" || pb.kind === "col")) {
    binaryBroadcastWasm(
      rt,
      code,
      A,
      B,
      O,
      prod(outShape, 0, pb.split),
      prod(outShape, pb.split, nd),
      pb.kind === "col",
      false,
    );
  } else if (pb.kind === "contig" && (pa.kind === "row" || pa.kind === "col")) {
    binaryBroadcastWasm(
      rt,
      code,
      B,
      A,
      O,
      prod(outShape, 0, pa.split),
      prod(outShape, pa.split, nd),
      pa.kind === "col",
      true,
    );
  } else return false;
  return true;
}

/**
 * out[i] = a[ia(i)] op b[ib(i)] over `outShape`, where ia/ib follow `aStrides`/`bStrides`
 * (0 on broadcast axes). Same-shape, scalar and row/column broadcasts of float32 run in WASM.
 */
export function binary(
  op: BinaryOpName,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  outShape: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
): void {
  const code = WASM_BINARY[op];
  const rt =
    code !== undefined && f32(a) && f32(b) && f32(out) ? pick(out.length, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt && code !== undefined) {
    const A = a as Float32Array;
    const B = b as Float32Array;
    const O = out as Float32Array;
    const pa = classify(outShape, aStrides);
    const pb = classify(outShape, bStrides);
    try {
      if (binaryWasm(rt, code, A, B, O, outShape, pa, pb)) return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
    last = "ref";
  }
  binaryRef(op, a, b, out, outShape, aStrides, bStrides);
}

/** out[i] = f(a[i]); `param` is the op's parameter (slope, alpha, beta). */
export function unary(op: UnaryOpName, a: FloatArray, out: FloatArray, param = 0): void {
  const code = WASM_UNARY[op];
  const rt = code !== undefined && f32(a) && f32(out) ? pick(a.length, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt && code !== undefined) {
    try {
      unaryWasm(rt, code, a as Float32Array, out as Float32Array, param);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  unaryRef(op, a, out, param);
}

/** Reduction over the middle axis of a row-major [outer, n, inner] array into out[outer, inner]. */
export function reduceAxis(
  op: ReduceOpName,
  a: FloatArray,
  outer: number,
  n: number,
  inner: number,
  out: FloatArray,
): void {
  const rt = f32(a) && f32(out) && outer * inner > 0 ? pick(outer * n * inner, WASM_THRESHOLDS.reduce) : noWasm();
  if (rt) {
    try {
      reduceAxisWasm(rt, op, a as Float32Array, outer, n, inner, out as Float32Array);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  reduceAxisRef(op, a, outer, n, inner, out);
}

/** Row-wise softmax (or log-softmax) of a [rows, cols] array. */
export function softmaxRows(a: FloatArray, rows: number, cols: number, out: FloatArray, log = false): void {
  const rt = f32(a) && f32(out) && rows * cols > 0 ? pick(rows * cols, WASM_THRESHOLDS.reduce) : noWasm();
  if (rt) {
    try {
      softmaxRowsWasm(rt, a as Float32Array, rows, cols, out as Float32Array, log);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  softmaxRowsRef(a, rows, cols, out, log);
}

// ---- fused training kernels (batch norm, Adam, transpose): ref/train.ts and wasm/train.ts ----

/** The runtime when it carries the fused training kernels (an older generated module may not). */
function trainRt(work: number, threshold: number): WasmRuntime | null {
  const rt = pick(work, threshold);
  if (rt !== null && typeof (rt.exports as unknown as { adamF32?: unknown }).adamF32 !== "function") {
    last = "ref";
    return null;
  }
  return rt;
}

/** Per-channel mean and biased variance (float64) of a row-major x[N×C]. */
export function channelStats(x: FloatArray, N: number, C: number, mean: Float64Array, vr: Float64Array): void {
  const rt = f32(x) && N * C > 0 ? trainRt(N * C, WASM_THRESHOLDS.reduce) : noWasm();
  if (rt) {
    try {
      channelStatsWasm(rt, x as Float32Array, N, C, mean, vr);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  channelStatsRef(x, N, C, mean, vr);
}

/** y = x·scale[c] + shift[c] per channel of x[N×C] (then ReLU when `relu`); y may be x. */
export function channelAffine(
  x: FloatArray,
  y: FloatArray,
  N: number,
  C: number,
  scale: Float32Array | Float64Array,
  shift: Float32Array | Float64Array,
  relu: boolean,
): void {
  const rt = f32(x) && f32(y) && N * C > 0 ? trainRt(N * C, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt) {
    try {
      channelAffineWasm(
        rt,
        x as Float32Array,
        y as Float32Array,
        N,
        C,
        Float32Array.from(scale),
        Float32Array.from(shift),
        relu,
      );
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  channelAffineRef(x, y, N, C, scale, shift, relu);
}

/**
 * Batch-norm gradient over x[N×C] (see `bnGradRef`): sums[0..C) = Σ g', sums[C..2C) = Σ g'·(x − mean),
 * and dx (when not null) with the batch-statistics terms when `useBatch`. g' is g masked by y > 0
 * when `relu`.
 */
export function batchNormGrad(
  x: FloatArray,
  y: FloatArray,
  g: FloatArray,
  dx: FloatArray | null,
  N: number,
  C: number,
  mean: Float64Array,
  scale: Float64Array,
  invStd: Float64Array,
  M: number,
  useBatch: boolean,
  relu: boolean,
  sums: Float64Array,
): void {
  const ok = f32(x) && f32(y) && f32(g) && (dx === null || f32(dx)) && N * C > 0;
  const rt = ok ? trainRt(N * C, WASM_THRESHOLDS.reduce) : noWasm();
  if (rt) {
    try {
      bnGradWasm(
        rt,
        x as Float32Array,
        y as Float32Array,
        g as Float32Array,
        dx as Float32Array | null,
        N,
        C,
        mean,
        Float32Array.from(scale),
        invStd,
        M,
        useBatch,
        relu,
        sums,
      );
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  bnGradRef(x, y, g, dx, N, C, mean, scale, invStd, M, useBatch, relu, sums);
}

/**
 * Inverted-dropout mask from a xoshiro128** state (s0..s3 as int32, advanced in place): one draw per
 * element, out[i] = `scale` when its top 24 bits are ≥ `thr`, else 0 (see `bernoulliMaskRef`). float32
 * runs in WASM; both paths give the same mask and the same final state.
 */
export function bernoulliMask(out: FloatArray, state: Int32Array, thr: number, scale: number): void {
  const rt = f32(out) && out.length > 0 ? trainRt(out.length, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt && hasBernoulliMaskWasm(rt)) {
    try {
      bernoulliMaskWasm(rt, out as Float32Array, state, thr, scale);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  bernoulliMaskRef(out, state, thr, scale);
}

/** The WASM runtime for a channels-first batch-norm kernel over `work` floats, or null. */
function nclRt(work: number, threshold: number): WasmRuntime | null {
  const rt = trainRt(work, threshold);
  if (rt !== null && !hasChannelNclWasm(rt)) {
    last = "ref";
    return null;
  }
  return rt;
}

/**
 * Per-channel mean and biased variance (float64) of a channels-first x[N][C][L] over images and
 * positions. float32 runs in WASM with the reference's sequential float64 sums: the same numbers.
 */
export function channelStatsNCL(
  x: FloatArray,
  N: number,
  C: number,
  L: number,
  mean: Float64Array,
  vr: Float64Array,
): void {
  const rt = f32(x) && N * C * L > 0 ? nclRt(N * C * L, WASM_THRESHOLDS.reduce) : noWasm();
  if (rt) {
    try {
      channelStatsNclWasm(rt, x as Float32Array, N, C, L, mean, vr);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  channelStatsNclRef(x, N, C, L, mean, vr);
}

/** out = x·scale[c] + shift[c] over a channels-first x[N][C][L], computed in float64 (out may be x). */
export function channelAffineNCL(
  x: FloatArray,
  out: FloatArray,
  N: number,
  C: number,
  L: number,
  scale: Float64Array,
  shift: Float64Array,
): void {
  const rt = f32(x) && f32(out) && N * C * L > 0 ? nclRt(N * C * L, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt) {
    try {
      channelAffineNclWasm(rt, x as Float32Array, out as Float32Array, N, C, L, scale, shift);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  channelAffineNclRef(x, out, N, C, L, scale, shift);
}

/**
 * Batch-norm gradient over a channels-first x[N][C][L] (see `channelGradNclRef`): sums[c] = Σ g,
 * sums[C + c] = Σ g·x̂, and dx (with the batch-statistics terms when `useBatch`).
 */
export function batchNormGradNCL(
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
  const rt = f32(x) && f32(g) && f32(dx) && N * C * L > 0 ? nclRt(N * C * L, WASM_THRESHOLDS.reduce) : noWasm();
  if (rt) {
    try {
      channelGradNclWasm(
        rt,
        x as Float32Array,
        g as Float32Array,
        dx as Float32Array,
        N,
        C,
        L,
        mean,
        invStd,
        k,
        useBatch,
        sums,
      );
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  channelGradNclRef(x, g, dx, N, C, L, mean, invStd, k, useBatch, sums);
}

/** One Adam step in place on the parameters `p` and the moments `m`, `v` (see `adamRef`). */
export function adamStep(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, k: AdamConsts): void {
  const ok = f32(p) && f32(g) && f32(m) && f32(v);
  const rt = ok ? trainRt(p.length, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt) {
    try {
      adamWasm(rt, p as Float32Array, g as Float32Array, m as Float32Array, v as Float32Array, k);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  adamRef(p, g, m, v, k);
}

/** out[C×R] = transpose of a[R×C] (any typed arrays of one kind; 32-bit ones may run in WASM). */
export function transpose2d(
  a: FloatArray | Int32Array | Uint8Array,
  out: FloatArray | Int32Array | Uint8Array,
  R: number,
  C: number,
): void {
  const ok =
    (a instanceof Float32Array && out instanceof Float32Array) ||
    (a instanceof Int32Array && out instanceof Int32Array);
  const rt = ok && R * C > 0 ? trainRt(R * C, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt) {
    try {
      transposeWasm(rt, a as Float32Array | Int32Array, out as Float32Array | Int32Array, R, C);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  transpose2dRef(a, out, R, C);
}

/**
 * out[rows×F] = A·X for CSR A, as {@link spmmCsr}; rows wider than 16 with F a multiple of 16 run a
 * column-blocked WASM kernel that keeps each 16-wide block of the output row in registers.
 */
export function spmmCsrWide(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  X: FloatArray,
  F: number,
  out: FloatArray,
): void {
  if (F <= 16 || F % 16 !== 0 || !(f32(X) && f32(out) && (values === null || f32(values)))) {
    spmmCsr(indptr, indices, values, rows, X, F, out);
    return;
  }
  const rt = pick((indptr[rows]! - indptr[0]!) * F + rows * F, WASM_THRESHOLDS.sparse);
  if (rt !== null && typeof (rt.exports as unknown as { spmmCsrCols16F32?: unknown }).spmmCsrCols16F32 === "function") {
    try {
      spmmWideWasm(rt, indptr, indices, values as Float32Array | null, rows, X as Float32Array, F, out as Float32Array);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  spmmCsr(indptr, indices, values, rows, X, F, out);
}

export type { CsrTransposeArrays };

/**
 * Sparse-input linear map: out[rows×F] = A·Wᵀ (+ bias) for CSR A [rows×inF] (`values` null: all
 * ones) and W [F×inF], as one WASM call (transpose, column-blocked product, bias) for float32 with
 * F a multiple of 16; stored zeros of A are skipped. Returns false, computing nothing, for
 * other cases (the caller then composes `transpose2d`, `spmmCsrWide` and `binary`).
 */
export function sparseLinear(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  W: FloatArray,
  F: number,
  inF: number,
  bias: FloatArray | null,
  out: FloatArray,
): boolean {
  const ok =
    F >= 16 && F % 16 === 0 && f32(W) && f32(out) && (values === null || f32(values)) && (bias === null || f32(bias));
  const rt = ok ? pick((indptr[rows]! - indptr[0]!) * F + rows * F, WASM_THRESHOLDS.sparse) : null;
  if (rt === null || !hasSparseLinearWasm(rt)) return false;
  try {
    sparseLinearWasm(
      rt,
      indptr,
      indices,
      values as Float32Array | null,
      rows,
      W as Float32Array,
      F,
      inF,
      bias as Float32Array | null,
      out as Float32Array,
    );
  } catch (e) {
    if (!isOom(e)) throw e;
    sparseLinearRef(indptr, indices, values, rows, W, F, inF, bias, out);
  }
  return true;
}

/**
 * Gradients of {@link sparseLinear} for the output gradient G [rows×F]: dW [F×inF] = Gᵀ·A and db [F]
 * = column sums of G (either may be null). All-zero rows of G are skipped (a loss on a subset of
 * the rows leaves most of them zero); `transposed` gives Aᵀ's structure when the WASM path gathers.
 * Same cases as {@link sparseLinear}: returns false, computing nothing, for the others.
 */
export function sparseLinearGrad(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  G: FloatArray,
  F: number,
  inF: number,
  transposed: () => CsrTransposeArrays,
  dW: FloatArray | null,
  db: FloatArray | null,
): boolean {
  const ok =
    F >= 16 &&
    F % 16 === 0 &&
    f32(G) &&
    (values === null || f32(values)) &&
    (dW === null || f32(dW)) &&
    (db === null || f32(db));
  const rt = ok ? pick((indptr[rows]! - indptr[0]!) * F + rows * F, WASM_THRESHOLDS.sparse) : null;
  if (rt === null || !hasSparseLinearWasm(rt)) return false;
  try {
    sparseLinearGradWasm(
      rt,
      indptr,
      indices,
      values as Float32Array | null,
      rows,
      G as Float32Array,
      F,
      inF,
      transposed,
      dW as Float32Array | null,
      db as Float32Array | null,
    );
  } catch (e) {
    if (!isOom(e)) throw e;
    sparseLinearGradRef(indptr, indices, values, rows, G, F, inF, dW, db);
  }
  return true;
}

/**
 * y = conv2d(x, w) + b for a 3×3 kernel, stride 1, zero padding (ph, pw) before each axis, `G`
 * groups of Cg input and Og output channels, by Winograd F(4×4, 3×3): x [N, G·Cg, H, W], w
 * [G·Og, Cg, 3, 3], y [N, G·Og, oh, ow]; `b` may be null. Float32 runs in WASM (the data stays in
 * the module's memory from transform to inverse transform); float64 runs the reference.
 */
export function winogradConv3x3(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  y: FloatArray,
  geom: WinogradGeometry,
): void {
  const { N, G, Cg, Og, oh, ow } = geom;
  const all32 = f32(x) && f32(w) && f32(y) && (b === null || f32(b));
  const rt = all32 ? pick(N * G * Og * Cg * oh * ow, WASM_THRESHOLDS.gemm) : noWasm();
  if (rt) {
    try {
      winogradConvWasm(rt, x as Float32Array, w as Float32Array, b as Float32Array | null, y as Float32Array, geom);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  winogradConv3x3Ref(x, w, b, y, geom);
}

/**
 * Checks a stride-1 geometry before any WASM call: the output fits the padded input (the padding
 * after each axis is not negative) and every array holds at least what the geometry says.
 */
function checkStride1(op: string, g: Stride1Geometry, arrays: [string, FloatArray | null, number][]): void {
  const { H, W, kh, kw, dh, dw, ph, pw, oh, ow } = g;
  const hp = oh + dh * (kh - 1);
  const wp = ow + dw * (kw - 1);
  if (oh < 1 || ow < 1 || ph < 0 || pw < 0 || hp < H + ph || wp < W + pw) {
    throw new Error(
      `${op}: argument 'geom' expected an output of at least 1×1 inside the zero-padded input, got ${oh}×${ow} from ${H}×${W} with padding (${ph}, ${pw}), kernel ${kh}×${kw}, dilation (${dh}, ${dw})`,
    );
  }
  for (const [name, a, n] of arrays) {
    if (a !== null && a.length < n)
      throw new Error(`${op}: argument '${name}' expected at least ${n} elements for the geometry, got ${a.length}`);
  }
}

/**
 * y = conv2d(x, w) + b for a stride-1 2-D convolution in float32 WASM without an im2col matrix (the
 * B panels of one GEMM per block of output rows are packed straight from zero-padded input planes):
 * x [N, G·Cg, H, W], w [G·Og, Cg, kh, kw], y [N, G·Og, oh, ow] (overwritten in full), `b` may be null.
 * Returns false, computing nothing, where it does not run (not all float32, no WASM, a module
 * without the kernels); the caller then uses its im2col path. Reference twin: convStride1Ref.
 */
export function convStride1(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  y: FloatArray,
  geom: Stride1Geometry,
): boolean {
  const { N, G, Cg, Og, kh, kw, oh, ow } = geom;
  checkStride1("convStride1", geom, [
    ["x", x, N * G * Cg * geom.H * geom.W],
    ["w", w, G * Og * Cg * kh * kw],
    ["y", y, N * G * Og * oh * ow],
    ["b", b, G * Og],
  ]);
  const all32 = f32(x) && f32(w) && f32(y) && (b === null || f32(b));
  const rt = all32 ? pick(N * G * Og * Cg * kh * kw * oh * ow, WASM_THRESHOLDS.gemm) : null;
  if (rt === null || !hasConvStride1Wasm(rt)) return false;
  try {
    convStride1Wasm(rt, x as Float32Array, w as Float32Array, b as Float32Array | null, y as Float32Array, geom);
    return true;
  } catch (e) {
    if (!isOom(e)) throw e;
    return false;
  }
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the stride-1 convolutions of {@link convStride1} (gw [G·Og, Cg, kh,
 * kw] overwritten), float32 WASM without an im2col matrix. Returns false, computing nothing, where it
 * does not run; the caller then uses its im2col path.
 */
export function convStride1WeightGrad(x: FloatArray, gy: FloatArray, gw: FloatArray, geom: Stride1Geometry): boolean {
  const { N, G, Cg, Og, kh, kw, oh, ow } = geom;
  checkStride1("convStride1WeightGrad", geom, [
    ["x", x, N * G * Cg * geom.H * geom.W],
    ["gy", gy, N * G * Og * oh * ow],
    ["gw", gw, G * Og * Cg * kh * kw],
  ]);
  const all32 = f32(x) && f32(gy) && f32(gw);
  const rt = all32 ? pick(N * G * Og * Cg * kh * kw * oh * ow, WASM_THRESHOLDS.gemm) : null;
  if (rt === null || !hasConvStride1Wasm(rt)) return false;
  try {
    convStride1WeightGradWasm(rt, x as Float32Array, gy as Float32Array, gw as Float32Array, geom);
    return true;
  } catch (e) {
    if (!isOom(e)) throw e;
    return false;
  }
}

/**
 * The backward of {@link winogradConv3x3} in one pass (gy transformed once for the weight and the
 * input gradient, the bias gradient summed on the way): overwrites each of gx [N, G·Cg, H, W],
 * gw [G·Og, Cg, 3, 3], gb [G·Og] that is not null. Returns false, computing nothing, where it does
 * not run (not all float32, no WASM, or a module without the kernel); the caller then uses the
 * separate maps (the input gradient as a convolution with the flipped kernel, {@link winogradWeightGrad3x3}).
 */
export function winogradBackward3x3(
  x: FloatArray,
  w: FloatArray,
  gy: FloatArray,
  gx: FloatArray | null,
  gw: FloatArray | null,
  gb: FloatArray | null,
  geom: WinogradGeometry,
): boolean {
  const { N, G, Cg, Og, oh, ow } = geom;
  const all32 =
    f32(x) && f32(w) && f32(gy) && (gx === null || f32(gx)) && (gw === null || f32(gw)) && (gb === null || f32(gb));
  const rt = all32 ? pick(N * G * Og * Cg * oh * ow, WASM_THRESHOLDS.gemm) : null;
  if (rt === null || !hasWinogradBackwardWasm(rt)) return false;
  try {
    winogradBackwardWasm(
      rt,
      x as Float32Array,
      w as Float32Array,
      gy as Float32Array,
      gx as Float32Array | null,
      gw as Float32Array | null,
      gb as Float32Array | null,
      geom,
    );
    return true;
  } catch (e) {
    if (!isOom(e)) throw e;
    return false;
  }
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link winogradConv3x3} (overwrites gw); when
 * `gb` ([G·Og]) is given, also overwrites it with the bias gradient Σ gy over images and positions
 * (fused into the pass over gy in WASM).
 */
export function winogradWeightGrad3x3(
  x: FloatArray,
  gy: FloatArray,
  gw: FloatArray,
  geom: WinogradGeometry,
  gb: FloatArray | null = null,
): void {
  const { N, G, Cg, Og, oh, ow } = geom;
  const rt =
    f32(x) && f32(gy) && f32(gw) && (gb === null || f32(gb))
      ? pick(N * G * Og * Cg * oh * ow, WASM_THRESHOLDS.gemm)
      : noWasm();
  if (rt) {
    try {
      winogradWeightGradWasm(
        rt,
        x as Float32Array,
        gy as Float32Array,
        gw as Float32Array,
        geom,
        gb as Float32Array | null,
      );
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  winogradWeightGrad3x3Ref(x, gy, gw, geom);
  if (gb !== null) channelSumRef(gy, gb, N, G * Og, oh * ow);
}

/**
 * Inverted dropout (optionally fused with ReLU) with the local xoshiro128** stream of the graph
 * models' `fastDropout` / `reluDropout`: out = d·k and, when `mask` is given, mask = k (see
 * `dropoutMaskRef` for the stream). float32 runs in WASM; both paths give identical numbers.
 */
export function dropoutMask(
  d: FloatArray,
  mask: FloatArray | null,
  out: FloatArray,
  n: number,
  seed: readonly number[],
  p: number,
  relu: boolean,
): void {
  const ok = f32(d) && f32(out) && (mask === null || f32(mask));
  const rt = ok ? pick(n, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt !== null && hasDropoutMaskWasm(rt)) {
    try {
      dropoutMaskWasm(rt, d as Float32Array, mask as Float32Array | null, out as Float32Array, n, seed, p, relu);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  last = "ref";
  dropoutMaskRef(d, mask, out, n, seed, p, relu);
}

// ---- O(3): tensor products, spherical harmonics, radial bases (ref/o3.ts, wasm/o3.ts) ----
// Kept together so that they move as one block into the kernel registry.

export {
  packSphericalHarmonics,
  packTensorProduct,
  type RadialBasisSpec,
  type RadialCutoffSpec,
  type ShPolynomial,
  type ShTable,
  type TensorProductPlan,
  TP_MODES,
  type TpMode,
  type TpPathSpec,
  type TpSizes,
} from "./ref/o3.js";

/**
 * out[Z×D3] = the tensor product of x1[Z×D1] and x2[Z×D2] through the packed paths of `plan`, with
 * weights w ([P], or [Z×P] when `s.perSample`; null when no path has weights). Written.
 */
export function tensorProductForward(
  plan: TensorProductPlan,
  x1: FloatArray,
  x2: FloatArray,
  w: FloatArray | null,
  s: TpSizes,
  out: FloatArray,
): void {
  const ok = f32(x1) && f32(x2) && f32(out) && (w === null || f32(w)) && s.Z > 0;
  const rt = ok ? pick(s.Z * plan.workPerSample, WASM_THRESHOLDS.gemm) : noWasm();
  if (rt !== null && hasO3Wasm(rt)) {
    try {
      tpForwardWasm(rt, plan, x1 as Float32Array, x2 as Float32Array, w as Float32Array | null, s, out as Float32Array);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  last = "ref";
  tpForwardRef(plan, x1, x2, w, s, out);
}

/**
 * Gradients of {@link tensorProductForward} given g[Z×D3]: g1, g2 (written) and gw (accumulated into);
 * null where not needed.
 */
export function tensorProductBackward(
  plan: TensorProductPlan,
  x1: FloatArray,
  x2: FloatArray,
  w: FloatArray | null,
  s: TpSizes,
  g: FloatArray,
  g1: FloatArray | null,
  g2: FloatArray | null,
  gw: FloatArray | null,
): void {
  const ok =
    f32(x1) &&
    f32(x2) &&
    f32(g) &&
    (w === null || f32(w)) &&
    (g1 === null || f32(g1)) &&
    (g2 === null || f32(g2)) &&
    (gw === null || f32(gw)) &&
    s.Z > 0;
  const rt = ok ? pick(s.Z * plan.workPerSample, WASM_THRESHOLDS.gemm) : noWasm();
  if (rt !== null && hasO3Wasm(rt)) {
    try {
      tpBackwardWasm(
        rt,
        plan,
        x1 as Float32Array,
        x2 as Float32Array,
        w as Float32Array | null,
        s,
        g as Float32Array,
        g1 as Float32Array | null,
        g2 as Float32Array | null,
        gw as Float32Array | null,
      );
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  last = "ref";
  tpBackwardRef(plan, x1, x2, w, s, g, g1, g2, gw);
}

/**
 * out[n×dim] = the spherical harmonics of `table` at xyz[n×3] (normalised first when `normalize`).
 * Returns the flat index of the first NaN in xyz, or −1 (out is complete only then).
 */
export function sphericalHarmonicsForward(
  table: ShTable,
  xyz: FloatArray,
  n: number,
  normalize: boolean,
  out: FloatArray,
): number {
  const rt = f32(xyz) && f32(out) && n > 0 ? pick(n * table.dim, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt !== null && hasO3Wasm(rt)) {
    try {
      return shForwardWasm(rt, table, xyz as Float32Array, n, normalize, out as Float32Array);
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  last = "ref";
  return shForwardRef(table, xyz, n, normalize, out);
}

/** gx[n×3] = Σ_c g[p, c]·∂Y_c/∂x of {@link sphericalHarmonicsForward} (written). */
export function sphericalHarmonicsBackward(
  table: ShTable,
  xyz: FloatArray,
  g: FloatArray,
  n: number,
  normalize: boolean,
  gx: FloatArray,
): void {
  const ok = f32(xyz) && f32(g) && f32(gx) && n > 0;
  const rt = ok ? pick(n * table.dim, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt !== null && hasO3Wasm(rt)) {
    try {
      shBackwardWasm(rt, table, xyz as Float32Array, g as Float32Array, n, normalize, gx as Float32Array);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  last = "ref";
  shBackwardRef(table, xyz, g, n, normalize, gx);
}

/** The WASM radial kernel takes integer polynomial exponents 1..64 only. */
function radialWasmOk(c: RadialCutoffSpec): boolean {
  return c.kind !== "polynomial" || (Number.isInteger(c.p) && c.p >= 1 && c.p <= 64);
}

/** out[n×K] = basis_k(x_i)·cutoff(x_i) (`weights`: the Bessel frequencies, else null). Written. */
export function radialForward(
  basis: RadialBasisSpec,
  weights: FloatArray | null,
  cutoff: RadialCutoffSpec,
  x: FloatArray,
  n: number,
  out: FloatArray,
): void {
  const K = radialCount(basis, weights);
  const ok = f32(x) && f32(out) && n > 0 && radialWasmOk(cutoff);
  const rt = ok ? pick(n * K, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt !== null && hasO3Wasm(rt)) {
    try {
      radialForwardWasm(rt, basis, weights, cutoff, K, x as Float32Array, n, out as Float32Array);
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  last = "ref";
  radialForwardRef(basis, weights, cutoff, x, n, out);
}

/** gx[n] (written) and, for Bessel, gw[K] (accumulated into; null = not needed) of {@link radialForward}. */
export function radialBackward(
  basis: RadialBasisSpec,
  weights: FloatArray | null,
  cutoff: RadialCutoffSpec,
  x: FloatArray,
  n: number,
  g: FloatArray,
  gx: FloatArray,
  gw: FloatArray | null,
): void {
  const K = radialCount(basis, weights);
  const ok = f32(x) && f32(g) && f32(gx) && (gw === null || f32(gw)) && n > 0 && radialWasmOk(cutoff);
  const rt = ok ? pick(n * K, WASM_THRESHOLDS.elementwise) : noWasm();
  if (rt !== null && hasO3Wasm(rt)) {
    try {
      radialBackwardWasm(
        rt,
        basis,
        weights,
        cutoff,
        K,
        x as Float32Array,
        n,
        g as Float32Array,
        gx as Float32Array,
        gw as Float32Array | null,
      );
      return;
    } catch (e) {
      if (!isOom(e)) throw e;
    }
  }
  last = "ref";
  radialBackwardRef(basis, weights, cutoff, x, n, g, gx, gw);
}
