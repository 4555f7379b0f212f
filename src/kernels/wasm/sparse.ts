/**
 * JS side of the sparse and row-indexing kernels (`assembly/sparse.ts`): CSR products, row gathers and
 * scatters, segment sums, and the sparse-input linear map with its gradients. Twins: `ref/sparse.ts`.
 * Each function allocates every block before writing any output, so a failed allocation (RangeError
 * from memory.grow) leaves the outputs untouched.
 */
import type { WasmArgs } from "../dispatch.js";
import type { spmmCsrTRef } from "../ref/sparse.js";
import { type KernelTeam, kernelTeam, TEAM_MAX_CHUNKS } from "../team.js";
import { SPMM_ROWS_ARGS, TEAM_JOB } from "../team_jobs.js";
import type { WasmRuntime } from "./loader.js";

/** out[rows×F] = A·X for CSR A (pointers to indptr, indices, values; `hasValues` 0 means all ones). */
type CsrProduct = (
  indptr: number,
  indices: number,
  values: number,
  hasValues: number,
  rows: number,
  X: number,
  F: number,
  out: number,
) => void;

/** The exports of `assembly/sparse.ts`. */
export interface SparseExports {
  spmmCsrF32: CsrProduct;
  /** out[cols×F] = Aᵀ·X, as {@link CsrProduct} with A's column count after `rows`. */
  spmmCsrTF32(
    indptr: number,
    indices: number,
    values: number,
    hasValues: number,
    rows: number,
    cols: number,
    X: number,
    F: number,
    out: number,
  ): void;
  spmmCsrCols16F32: CsrProduct;
  gatherRows32(src: number, index: number, n: number, F: number, out: number): void;
  scatterAddRowsF32(src: number, index: number, n: number, F: number, out: number): void;
  gatherMulScatterF32(x: number, w: number, src: number, dst: number, E: number, F: number, out: number): void;
  gatherMulRowsF32(a: number, ia: number, b: number, ib: number, E: number, F: number, out: number): void;
  scatterMaxRowsF32(
    src: number,
    index: number,
    n: number,
    F: number,
    out: number,
    arg: number,
    outRows: number,
    isMin: number,
  ): void;
  segmentSumF32(src: number, ptr: number, S: number, F: number, out: number): void;
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
}

/**
 * out[rows×F] = A·X for CSR A, float32 (see spmmCsrRef); with `cols`, out[cols×F] = Aᵀ·X for X
 * [rows×F] instead (see spmmCsrTRef).
 */
export function spmmCsrWasm(
  rt: WasmRuntime,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array | null,
  rows: number,
  X: Float32Array,
  F: number,
  out: Float32Array,
  cols: number | null = null,
): void {
  const x = rt.exports;
  const team = cols === null ? kernelTeam(rt, (indptr[rows]! - indptr[0]! + rows) * F) : null;
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
  if (team !== null) spmmTeam(team, false, pPtr, pIdx, pVal, values !== null, rows, pX, F, pOut);
  else if (cols === null) x.spmmCsrF32(pPtr, pIdx, pVal, values === null ? 0 : 1, rows, pX, F, pOut);
  else x.spmmCsrTF32(pPtr, pIdx, pVal, values === null ? 0 : 1, rows, cols, pX, F, pOut);
  out.set(f.subarray(pOut >> 2, (pOut >> 2) + outRows * F));
}

/** out[cols×F] = Aᵀ·X for CSR A with `rows` rows, float32 (see spmmCsrTRef). */
export function spmmCsrTWasm(
  rt: WasmRuntime,
  ...[indptr, indices, values, rows, cols, X, F, out]: WasmArgs<Parameters<typeof spmmCsrTRef>>
): void {
  spmmCsrWasm(rt, indptr, indices, values, rows, X, F, out, cols);
}

/**
 * Elements of the output block that {@link gatherRowsWasm} gathers into and copies out at a time: 16 KB,
 * so that the block is still in L1 when it is copied out (one 849 KB block for Cora's 13,264 × 16
 * gather went to L2 and back: 0.100 -> 0.070 ms into a fresh output).
 */
const GATHER_BLOCK = 4096;

/** out[i] = src[index[i]] row-wise (32-bit elements), gathered and copied out in blocks of rows. */
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
  const per = Math.max(1, Math.floor(GATHER_BLOCK / Math.max(F, 1)));
  const pSrc = rt.alloc(src.length * 4);
  const pIdx = rt.alloc(n * 4);
  const pOut = rt.alloc(Math.min(n, per) * F * 4);
  const view = src instanceof Int32Array ? rt.i32 : rt.f32;
  view.set(src, pSrc >> 2);
  rt.i32.set(index, pIdx >> 2);
  const oview = out instanceof Int32Array ? rt.i32 : rt.f32;
  for (let i0 = 0; i0 < n; i0 += per) {
    const r = Math.min(per, n - i0);
    x.gatherRows32(pSrc, pIdx + i0 * 4, r, F, pOut);
    out.set(oview.subarray(pOut >> 2, (pOut >> 2) + r * F), i0 * F);
  }
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

/** Floats of the per-edge rows (w, or the output of gatherMulRows) copied per block. */
const EDGE_BLOCK_FLOATS = 262144;

/** Where an edge-blocked call's buffers lie: the resident row arrays, then one block of edge rows and of each id list. */
interface EdgeBlockPtrs {
  res: number[];
  rows: number;
  ids: number[];
}

/**
 * The frame of the per-edge row kernels: copies the resident arrays in whole, then walks the edges in
 * blocks of at most {@link EDGE_BLOCK_FLOATS} floats of F-wide rows, copying each block's ids (one
 * list per entry of `ids`, all of the edges' length) in before `step` (which moves the block's rows
 * and runs the kernels). Returns the pointers (for copying a resident output back out).
 */
function edgeBlocks(
  rt: WasmRuntime,
  res: readonly Float32Array[],
  ids: readonly Int32Array[],
  F: number,
  step: (p: EdgeBlockPtrs, e0: number, m: number) => void,
): EdgeBlockPtrs {
  rt.reset();
  const E = ids[0]!.length;
  const per = Math.max(1, Math.min(E, Math.floor(EDGE_BLOCK_FLOATS / Math.max(F, 1))));
  const pRes = res.map((r) => rt.alloc(r.length * 4));
  const p: EdgeBlockPtrs = { res: pRes, rows: rt.alloc(per * F * 4), ids: ids.map(() => rt.alloc(per * 4)) };
  const f = rt.f32;
  const i = rt.i32;
  for (let k = 0; k < res.length; k++) f.set(res[k]!, pRes[k]! >> 2);
  for (let e0 = 0; e0 < E; e0 += per) {
    const m = Math.min(per, E - e0);
    for (let k = 0; k < ids.length; k++) i.set(ids[k]!.subarray(e0, e0 + m), p.ids[k]! >> 2);
    step(p, e0, m);
  }
  return p;
}

/**
 * out[dst[e]] += x[src[e]] ⊙ w[e] (see gatherMulScatterRef): x and out resident, edges in blocks;
 * with `wIndex`, w is resident too and each block's rows w[wIndex[e]] are gathered in WASM memory.
 */
export function gatherMulScatterWasm(
  rt: WasmRuntime,
  xs: Float32Array,
  w: Float32Array,
  src: Int32Array,
  dst: Int32Array,
  F: number,
  out: Float32Array,
  wIndex: Int32Array | null = null,
): void {
  const x = rt.exports;
  const shared = wIndex !== null;
  const p = edgeBlocks(
    rt,
    shared ? [xs, out, w] : [xs, out],
    shared ? [src, dst, wIndex] : [src, dst],
    F,
    (q, e0, m) => {
      const [r0, r1, rw] = q.res;
      const [i0, i1, iw] = q.ids;
      if (shared) x.gatherRows32(rw!, iw!, m, F, q.rows);
      else rt.f32.set(w.subarray(e0 * F, (e0 + m) * F), q.rows >> 2);
      x.gatherMulScatterF32(r0!, q.rows, i0!, i1!, m, F, r1!);
    },
  );
  out.set(rt.f32.subarray(p.res[1]! >> 2, (p.res[1]! >> 2) + out.length));
}

/** out[e] = a[ia[e]] ⊙ b[ib[e]] (see gatherMulRowsRef): a and b resident, edges in blocks. */
export function gatherMulRowsWasm(
  rt: WasmRuntime,
  a: Float32Array,
  ia: Int32Array,
  b: Float32Array,
  ib: Int32Array,
  F: number,
  out: Float32Array,
): void {
  const x = rt.exports;
  edgeBlocks(rt, [a, b], [ia, ib], F, (q, e0, m) => {
    x.gatherMulRowsF32(q.res[0]!, q.ids[0]!, q.res[1]!, q.ids[1]!, m, F, q.rows);
    out.set(rt.f32.subarray(q.rows >> 2, (q.rows >> 2) + m * F), e0 * F);
  });
}

/**
 * out[index[e]] += a[ia[e]] ⊙ b[ib[e]] (see gatherMulAddRowsRef): a, b and out resident, edges in
 * blocks, each block's products formed in WASM memory and added into out in edge order.
 */
export function gatherMulAddRowsWasm(
  rt: WasmRuntime,
  a: Float32Array,
  ia: Int32Array,
  b: Float32Array,
  ib: Int32Array,
  index: Int32Array,
  F: number,
  out: Float32Array,
): void {
  const x = rt.exports;
  const p = edgeBlocks(rt, [a, b, out], [ia, ib, index], F, (q, _e0, m) => {
    const [ra, rb, ro] = q.res;
    const [ja, jb, jo] = q.ids;
    x.gatherMulRowsF32(ra!, ja!, rb!, jb!, m, F, q.rows);
    x.scatterAddRowsF32(q.rows, jo!, m, F, ro!);
  });
  out.set(rt.f32.subarray(p.res[2]! >> 2, (p.res[2]! >> 2) + out.length));
}

/** Row scatter-max/min with the winning row in `arg` (see scatterMaxRowsRef). */
export function scatterMaxRowsWasm(
  rt: WasmRuntime,
  src: Float32Array,
  index: Int32Array,
  F: number,
  out: Float32Array,
  arg: Int32Array,
  mode: "max" | "min" = "max",
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

/** out[rows×F] = A·X for CSR A, F a multiple of 16 (column-blocked kernel). */
export const spmmCsrWideWasm: typeof spmmCsrWasm = (rt, indptr, indices, values, rows, X, F, out) => {
  const team = kernelTeam(rt, (indptr[rows]! - indptr[0]! + rows) * F);
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
  if (team !== null) spmmTeam(team, true, pPtr, pIdx, pVal, values !== null, rows, pX, F, pOut);
  else rt.exports.spmmCsrCols16F32(pPtr, pIdx, pVal, values === null ? 0 : 1, rows, pX, F, pOut);
  out.set(rt.f32.subarray(pOut >> 2, (pOut >> 2) + rows * F));
};

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
  rt.exports.sparseLinearF32(
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
  const e = rt.exports;
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
    rt.exports.transpose32(pDwt, pDw, inF, F);
  }
  const f = rt.f32;
  if (db !== null) db.set(f.subarray(pDb >> 2, (pDb >> 2) + F));
  if (dW !== null) dW.set(f.subarray(pDw >> 2, (pDw >> 2) + F * inF));
}

/**
 * A CSR product over the threads of a kernel team, by ranges of rows (about eight per thread, so
 * that rows of many entries even out): each output row is the one-thread kernel's, bit for bit.
 */
function spmmTeam(
  team: KernelTeam,
  wide: boolean,
  pPtr: number,
  pIdx: number,
  pVal: number,
  hasValues: boolean,
  rows: number,
  pX: number,
  F: number,
  pOut: number,
): void {
  const chunkRows = Math.max(1, Math.ceil(rows / Math.min(TEAM_MAX_CHUNKS, 8 * team.size)));
  const R = SPMM_ROWS_ARGS;
  const args: number[] = [];
  args[R.wide] = wide ? 1 : 0;
  args[R.indptr] = pPtr;
  args[R.indices] = pIdx;
  args[R.values] = pVal;
  args[R.hasValues] = hasValues ? 1 : 0;
  args[R.rows] = rows;
  args[R.X] = pX;
  args[R.F] = F;
  args[R.out] = pOut;
  args[R.chunkRows] = chunkRows;
  team.run(TEAM_JOB.spmmRows, Math.ceil(rows / chunkRows), args);
}
