/**
 * The one dispatch point for compute kernels. Each function takes typed arrays and sizes and
 * runs either the plain TypeScript reference (`ref/`) or the AssemblyScript SIMD build (`wasm/`).
 * Both give the same numbers (property tests check it). Index arguments are validated by the
 * calling op before they get here.
 *
 * Backend choice: `auto` (WASM for float32 when available), or forced `ref` with
 * `setKernelBackend('ref')` or the environment variable `ERLANGEN_KERNELS=ref`.
 */
import { type BinaryOpName, binaryRef, type ReduceOpName, reduceAxisRef, softmaxRowsRef, type UnaryOpName, unaryRef } from "./ref/elementwise.js";
import { gemmRef, type FloatArray } from "./ref/linalg.js";
import { gatherRowsRef, scatterAddRowsRef, scatterMaxRowsRef, segmentSumCsrRef, spmmCsrRef, spmmCsrTRef } from "./ref/sparse.js";

export type { BinaryOpName, FloatArray, ReduceOpName, UnaryOpName };

export type KernelBackend = "auto" | "ref" | "wasm";

function envBackend(): KernelBackend {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const v = g.process?.env?.ERLANGEN_KERNELS;
  return v === "ref" || v === "wasm" ? v : "auto";
}

let backend: KernelBackend = envBackend();

/** Chooses the kernel backend: `auto` (default), `ref` (plain TypeScript) or `wasm`. */
export function setKernelBackend(b: KernelBackend): void {
  backend = b;
}

/** The backend setting now in force. */
export function getKernelBackend(): KernelBackend {
  return backend;
}

/** C = op(A)·op(B) (+C); see {@link gemmRef}. */
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
  gemmRef(A, B, C, M, N, K, transA, transB, accumulate);
}

/** out = A·X for CSR A; see {@link spmmCsrRef}. */
export function spmmCsr(
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray | null,
  rows: number,
  X: FloatArray,
  F: number,
  out: FloatArray,
): void {
  spmmCsrRef(indptr, indices, values, rows, X, F, out);
}

/** out = Aᵀ·X for CSR A; see {@link spmmCsrTRef}. */
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
  spmmCsrTRef(indptr, indices, values, rows, cols, X, F, out);
}

/** Row gather; see {@link gatherRowsRef}. */
export function gatherRows(src: FloatArray | Int32Array, index: Int32Array, F: number, out: FloatArray | Int32Array): void {
  gatherRowsRef(src, index, F, out);
}

/** Row scatter-add; see {@link scatterAddRowsRef}. */
export function scatterAddRows(src: FloatArray, index: Int32Array, F: number, out: FloatArray): void {
  scatterAddRowsRef(src, index, F, out);
}

/** Row scatter-max/min with argmax; see {@link scatterMaxRowsRef}. */
export function scatterMaxRows(src: FloatArray, index: Int32Array, F: number, out: FloatArray, arg: Int32Array, mode: "max" | "min" = "max"): void {
  scatterMaxRowsRef(src, index, F, out, arg, mode);
}

/** Segment sum over CSR pointers; see {@link segmentSumCsrRef}. */
export function segmentSumCsr(src: FloatArray, ptr: Int32Array, F: number, out: FloatArray): void {
  segmentSumCsrRef(src, ptr, F, out);
}

/** Broadcast binary op; see {@link binaryRef}. */
export function binary(
  op: BinaryOpName,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  outShape: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
): void {
  binaryRef(op, a, b, out, outShape, aStrides, bStrides);
}

/** Unary op; see {@link unaryRef}. */
export function unary(op: UnaryOpName, a: FloatArray, out: FloatArray, param = 0): void {
  unaryRef(op, a, out, param);
}

/** Reduction over the middle axis of [outer, n, inner]; see {@link reduceAxisRef}. */
export function reduceAxis(op: ReduceOpName, a: FloatArray, outer: number, n: number, inner: number, out: FloatArray): void {
  reduceAxisRef(op, a, outer, n, inner, out);
}

/** Row softmax / log-softmax; see {@link softmaxRowsRef}. */
export function softmaxRows(a: FloatArray, rows: number, cols: number, out: FloatArray, log = false): void {
  softmaxRowsRef(a, rows, cols, out, log);
}
