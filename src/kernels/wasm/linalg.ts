/**
 * JS side of the dense linear-algebra kernels (`assembly/linalg.ts`): GEMM, copied in row (or k) panels
 * that the kernel consumes while they are hot, and a blocked 2-D transpose. Twins: `ref/linalg.ts`.
 * Each function allocates every block before writing any output, so a failed allocation (RangeError
 * from memory.grow) leaves the outputs untouched.
 */

import { copyBoxPlan } from "../ref/linalg.js";
import { chunkSpan, jobArgs, type KernelTeam, kernelTeam, TEAM_MAX_CHUNKS, type TeamStream } from "../team.js";
import { COPY_BOX_ARGS, GATHERED_ROWS_ARGS, GEMM_ROWS_ARGS, TEAM_JOB } from "../team_jobs.js";
import { runTeamJob } from "../team_run.js";
import { pad4, type WasmRuntime } from "./loader.js";

/** The exports of `assembly/linalg.ts`. */
export interface LinalgExports {
  gatheredRowsF32(
    a: number,
    K: number,
    ids: number,
    offs: number,
    U: number,
    mats: number,
    N: number,
    out: number,
    R: number,
    r0: number,
    r1: number,
  ): void;
  gatheredRowsGradF32(
    gy: number,
    ids: number,
    offs: number,
    offs4: number,
    U: number,
    matsT: number,
    N: number,
    ga: number,
    K: number,
    R: number,
    r0: number,
    r1: number,
  ): void;
  gemmPackB(B: number, Bp: number, K: number, N: number, transB: number): void;
  gemmRows(
    A: number,
    lda: number,
    Bp: number,
    C: number,
    m: number,
    N: number,
    K: number,
    accumulate: number,
    Ap: number,
  ): void;
  gemmTransA(
    Ablk: number,
    M: number,
    Bp: number,
    K: number,
    k0: number,
    kc: number,
    C: number,
    N: number,
    Ap: number,
    init: number,
  ): void;
  transpose32(a: number, out: number, R: number, C: number): void;
  copyBox32(
    src: number,
    dst: number,
    nd: number,
    dims: number,
    sStr: number,
    dStr: number,
    r0: number,
    r1: number,
  ): void;
}

/** Bytes of A (and C) copied per GEMM panel: half of a 512 KiB – 1 MiB L2. */
export let GEMM_PANEL_BYTES = 262144;

/** Overrides {@link GEMM_PANEL_BYTES} (tuning and tests). */
export function setGemmPanelBytes(bytes: number): void {
  GEMM_PANEL_BYTES = bytes;
}

/** The GEMM's register tile (MR×NR) and cache blocks (MC×KC of packed A), as in `assembly/linalg.ts`. */
export const MR = 4;
export const NR = 8;
export const MC = 64;
export const KC = 256;

/** C = op(A)·op(B) (+C), float32. See gemmRef for the layout contract. */
export function gemmWasm(
  rt: WasmRuntime,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  M: number,
  N: number,
  K: number,
  transA = false,
  transB = false,
  accumulate = false,
): void {
  const team = kernelTeam(rt, M * N * K);
  if (team !== null) {
    gemmTeam(team, A, B, C, M, N, K, transA, transB, accumulate);
    return;
  }
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

/** out[C×R] = aᵀ for a[R×C] of 32-bit elements. */
export function transpose2dWasm(
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
  rt.exports.transpose32(pA, pO, R, C);
  const back = out instanceof Float32Array ? rt.f32 : rt.i32;
  out.set(back.subarray(pO >> 2, (pO >> 2) + n) as never);
}

/**
 * Kernel-team work per element of a strided copy: each element is one load and one store, but on the
 * strided side a cache line serves few elements.
 */
export const COPY_WORK_PER_VALUE = 8;

/**
 * out = src read from `offset` with `srcStrides` over `outShape` (see permuteCopyRef): the spanned
 * source copied in whole, `copyBox32` over the rows of its plan (split over the kernel team where the
 * call is big enough: chunks write disjoint elements), the result copied out. Pure data movement, so
 * the bits do not depend on the path or the thread count. The caller checked the plan exists.
 */
export function permuteCopyWasm(
  rt: WasmRuntime,
  src: Float32Array | Int32Array,
  offset: number,
  srcStrides: readonly number[],
  outShape: readonly number[],
  out: Float32Array | Int32Array,
): void {
  const plan = copyBoxPlan(srcStrides, outShape);
  if (plan === null)
    throw new Error("permuteCopy: argument 'srcStrides' expected a strided copy with a plan, got none");
  const { dims, sStr, dStr, extent } = plan;
  const nd = dims.length;
  let n = 1;
  for (const d of dims) n *= d;
  const rows = n / (dims[nd - 2]! * dims[nd - 1]!);
  const team = kernelTeam(rt, COPY_WORK_PER_VALUE * n);
  rt.reset();
  const pS = rt.alloc(extent * 4);
  const pD = rt.alloc(n * 4);
  const pI = rt.alloc(3 * nd * 4);
  const ints = rt.i32;
  ints.set(dims, pI >> 2);
  ints.set(sStr, (pI >> 2) + nd);
  ints.set(dStr, (pI >> 2) + 2 * nd);
  const view = src instanceof Float32Array ? rt.f32 : rt.i32;
  view.set(src.subarray(offset, offset + extent) as never, pS >> 2);
  if (team === null) {
    rt.exports.copyBox32(pS, pD, nd, pI, pI + 4 * nd, pI + 8 * nd, 0, rows);
  } else {
    const rowsPer = Math.ceil(rows / Math.min(rows, 4 * team.size, TEAM_MAX_CHUNKS));
    const R = COPY_BOX_ARGS;
    const args: number[] = [];
    args[R.src] = pS;
    args[R.dst] = pD;
    args[R.nd] = nd;
    args[R.dims] = pI;
    args[R.sStr] = pI + 4 * nd;
    args[R.dStr] = pI + 8 * nd;
    args[R.rows] = rows;
    args[R.rowsPer] = rowsPer;
    team.run(TEAM_JOB.copyBox, Math.ceil(rows / rowsPer), args);
  }
  const back = out instanceof Float32Array ? rt.f32 : rt.i32;
  out.set(back.subarray(pD >> 2, (pD >> 2) + n) as never);
}

/**
 * {@link gemmWasm} split by rows of C over the threads of a kernel team: A (transposed first when
 * `transA`) and C are copied in whole, B packed once, and each chunk of rows runs `gemmRows` with its
 * thread's packing block. A row of C depends on the rows of A and on B only, and each element is the
 * same float32 sum over k in order whatever the blocking (the accumulators are float32 registers,
 * stored exactly between k blocks): the result equals one thread's bit for bit, for every thread count.
 */
function gemmTeam(
  team: KernelTeam,
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
  const rt = team.runtime;
  const x = rt.exports;
  rt.reset();
  const panels = Math.ceil(N / NR);
  const pB = rt.alloc(K * N * 4);
  const pBp = rt.alloc(panels * K * NR * 4);
  const apStride = MC * KC * 4;
  const pAp = rt.alloc(team.size * apStride);
  const pA = rt.alloc(M * K * 4);
  const pAt = transA ? rt.alloc(M * K * 4) : pA;
  const pC = rt.alloc(M * N * 4);
  const f = rt.f32;
  f.set(B.subarray(0, K * N), pB >> 2);
  x.gemmPackB(pB, pBp, K, N, transB ? 1 : 0);
  if (transA) {
    f.set(A.subarray(0, K * M), pAt >> 2);
    x.transpose32(pAt, pA, K, M);
  }
  // chunks of whole MC blocks, up to sixteen per thread: the last chunk is the tail the other threads
  // wait for (with four per thread, 1024³ on two threads waited up to an eighth of the call)
  const blocks = Math.ceil(M / MC);
  const chunks = Math.min(TEAM_MAX_CHUNKS, blocks, 16 * team.size);
  const rows = Math.ceil(blocks / chunks) * MC;
  const R = GEMM_ROWS_ARGS;
  const args: number[] = [];
  args[R.A] = pA;
  args[R.lda] = K;
  args[R.Bp] = pBp;
  args[R.C] = pC;
  args[R.N] = N;
  args[R.K] = K;
  args[R.accumulate] = accumulate ? 1 : 0;
  args[R.Ap] = pAp;
  args[R.apStride] = apStride;
  args[R.M] = M;
  args[R.rows] = rows;
  // chunk k is rows [k·rows, (k+1)·rows) of A and C: the calling thread copies them in (A's unless
  // transposed above, C's when accumulating) and C's out while the other threads compute
  team.run(TEAM_JOB.gemmRows, Math.ceil(M / rows), args, {
    feed: (k) => {
      if (!transA) {
        const [a, z] = chunkSpan(k, rows, M, K);
        f.set(A.subarray(a, z), (pA >> 2) + a);
      }
      if (accumulate) {
        const [a, z] = chunkSpan(k, rows, M, N);
        f.set(C.subarray(a, z), (pC >> 2) + a);
      }
    },
    drain: (k) => {
      const [a, z] = chunkSpan(k, rows, M, N);
      C.set(f.subarray((pC >> 2) + a, (pC >> 2) + z), a);
    },
  });
}

/** Smallest normal float32 (2^-126). */
const MIN_NORMAL = 1.1754943508222875e-38;

/** A subnormal float32 to ±0 (sign kept), as the kernels' packing flushes their inputs; others unchanged. */
function daz(v: number): number {
  return Math.abs(v) < MIN_NORMAL ? v * 0 : v;
}

/** Rows per chunk of a gathered-products job over R rows on `threads` threads: about four chunks per thread. */
export function gatheredRowsPer(threads: number, R: number): number {
  return threads <= 1 ? R : Math.ceil(R / Math.min(R, 4 * threads, TEAM_MAX_CHUNKS));
}

/**
 * The parts of a gathered-products job in the arena (after `rt.reset()`): the ids, the U + 1 offsets
 * and the stacked matrices (subnormals flushed, as the kernels' packing would), or for the gradient
 * also the padded offsets and the matrices transposed per part, padded to a multiple of 4 columns.
 * Returns the job's arguments with `src`, `dst`, `K`, `R` and `rowsPer` left to set.
 */
export function stageGathered(
  rt: WasmRuntime,
  ids: Int32Array,
  offs: Int32Array,
  mats: Float32Array,
  N: number,
  grad: boolean,
): number[] {
  const U = offs.length - 1;
  const S = ids.length;
  const offs4 = new Int32Array(U + 1);
  if (grad) for (let u = 0; u < U; u++) offs4[u + 1] = offs4[u]! + pad4(offs[u + 1]! - offs[u]!);
  const S4 = grad ? offs4[U]! : S;
  // every allocation first: growing the memory replaces the views
  const pI = rt.alloc(S * 4);
  const pO = rt.alloc((U + 1) * 4);
  const pO4 = grad ? rt.alloc((U + 1) * 4) : 0;
  const pM = rt.alloc(S4 * N * 4);
  const ints = rt.i32;
  const f = rt.f32;
  ints.set(ids, pI >> 2);
  ints.set(offs, pO >> 2);
  const m = pM >> 2;
  if (!grad) {
    for (let i = 0; i < S * N; i++) f[m + i] = daz(mats[i]!);
  } else {
    ints.set(offs4, pO4 >> 2);
    f.fill(0, m, m + S4 * N);
    for (let u = 0; u < U; u++) {
      const j0 = offs[u]!;
      const k = offs[u + 1]! - j0;
      const k4 = offs4[u + 1]! - offs4[u]!;
      const base = m + offs4[u]! * N;
      for (let j = 0; j < k; j++) for (let n = 0; n < N; n++) f[base + n * k4 + j] = daz(mats[(j0 + j) * N + n]!);
    }
  }
  return jobArgs(GATHERED_ROWS_ARGS, { pass: grad ? 1 : 0, ids: pI, offs: pO, offs4: pO4, mats: pM, U, N });
}

/** Sets the source, destination and sizes of staged gathered-job arguments (see {@link stageGathered}). */
export function gatheredJob(args: number[], src: number, dst: number, K: number, R: number, rowsPer: number): number[] {
  return jobArgs(GATHERED_ROWS_ARGS, { src, dst, K, R, rowsPer }, args);
}

/**
 * Runs a gathered-products job over R rows: over the team's threads (with `stream`'s copies on the
 * calling thread, chunk by chunk), or in one call here.
 */
function runGathered(rt: WasmRuntime, team: KernelTeam | null, args: number[], stream: TeamStream): void {
  const R = GATHERED_ROWS_ARGS;
  if (team !== null) {
    team.run(TEAM_JOB.gatheredRows, Math.ceil(args[R.R]! / args[R.rowsPer]!), args, stream);
    return;
  }
  // one chunk of all rows (rowsPer = R)
  stream.feed?.(0);
  runTeamJob(rt.exports, TEAM_JOB.gatheredRows, Float64Array.from(args), 0, 0);
  stream.drain?.(0);
}

/** Copies rows [r0, r1) of each of the U planes of R×N floats between a JS array and the arena at float offset p. */
function planeRows(
  f: Float32Array,
  js: Float32Array,
  p: number,
  dir: "in" | "out",
  U: number,
  R: number,
  N: number,
  r0: number,
  r1: number,
): void {
  for (let u = 0; u < U; u++) {
    const o = u * R * N;
    if (dir === "in") f.set(js.subarray(o + r0 * N, o + r1 * N), p + o + r0 * N);
    else js.set(f.subarray(p + o + r0 * N, p + o + r1 * N), o + r0 * N);
  }
}

/**
 * out [U×R×N] = the products of gathered columns (`gatheredRowsF32`): a [R×K]; ids (i32) and offs
 * (U + 1 offsets into ids) each part's columns; mats [Σk×N] the parts' matrices stacked. Split by rows
 * over the kernel team where the call is big enough: every element is the same float32 chain on any
 * thread, so the bits are one thread's (and gemmRows', see gatheredMatmulRef).
 */
export function gatheredMatmulWasm(
  rt: WasmRuntime,
  a: Float32Array,
  ids: Int32Array,
  offs: Int32Array,
  mats: Float32Array,
  out: Float32Array,
  R: number,
  K: number,
  N: number,
): void {
  const U = offs.length - 1;
  const team = kernelTeam(rt, R * ids.length * N);
  rt.reset();
  const pA = rt.alloc(R * K * 4);
  const pY = rt.alloc(U * R * N * 4);
  const rowsPer = gatheredRowsPer(team?.size ?? 1, R);
  const args = gatheredJob(stageGathered(rt, ids, offs, mats, N, false), pA, pY, K, R, rowsPer);
  const f = rt.f32;
  f.set(a.subarray(0, R * K), pA >> 2);
  // the calling thread copies each chunk's rows of the U planes out while the other threads compute
  runGathered(rt, team, args, {
    drain: (k) => {
      const [r0, r1] = chunkSpan(k, rowsPer, R);
      planeRows(f, out, pY >> 2, "out", U, R, N, r0, r1);
    },
  });
}

/**
 * ga [R×K] = the gradient of {@link gatheredMatmulWasm} for gy [U×R×N] (`gatheredRowsGradF32`): per
 * row, each part's gy·matsᵀ added into the row's columns in the order of the parts; the matrices go
 * in transposed, each padded to a multiple of 4 columns. Split by rows like the products (one
 * thread's bits).
 */
export function gatheredMatmulGradWasm(
  rt: WasmRuntime,
  gy: Float32Array,
  ids: Int32Array,
  offs: Int32Array,
  mats: Float32Array,
  ga: Float32Array,
  R: number,
  K: number,
  N: number,
): void {
  const U = offs.length - 1;
  const team = kernelTeam(rt, R * ids.length * N);
  rt.reset();
  const pG = rt.alloc(U * R * N * 4);
  const pA = rt.alloc(R * K * 4);
  const rowsPer = gatheredRowsPer(team?.size ?? 1, R);
  const args = gatheredJob(stageGathered(rt, ids, offs, mats, N, true), pG, pA, K, R, rowsPer);
  const f = rt.f32;
  // the calling thread copies each chunk's rows of gy in and of ga out while the other threads compute
  runGathered(rt, team, args, {
    feed: (k) => {
      const [r0, r1] = chunkSpan(k, rowsPer, R);
      planeRows(f, gy, pG >> 2, "in", U, R, N, r0, r1);
    },
    drain: (k) => {
      const [a0, a1] = chunkSpan(k, rowsPer, R, K);
      ga.set(f.subarray((pA >> 2) + a0, (pA >> 2) + a1), a0);
    },
  });
}
