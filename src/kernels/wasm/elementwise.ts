/**
 * JS side of the elementwise kernels, reductions and row softmax (`assembly/elementwise.ts`,
 * `assembly/reduce.ts`). Copies are sized to stay in cache: the kernels run in chunks of
 * {@link CHUNK} floats. The unary maps that cost more than their copies (exp, tanh, GELU, softplus,
 * …, and the softplus gradients) split those chunks over the kernel team (job `unaryMap`): each value
 * is computed alone, so the numbers are one thread's. Twins: `ref/elementwise.ts`. Each function
 * allocates every block before writing any output, so a failed allocation (RangeError from
 * memory.grow) leaves the outputs untouched.
 */
import type { BinaryOpName, ReduceOpName, UnaryGradOpName, UnaryOpName } from "../ref/elementwise.js";
import { chunkSpan, jobArgs, type KernelTeam, kernelTeam, TEAM_MAX_CHUNKS } from "../team.js";
import { TEAM_JOB, UNARY_MAP_ARGS } from "../team_jobs.js";
import { pad4, type WasmRuntime } from "./loader.js";

/** The exports of `assembly/elementwise.ts` and `assembly/reduce.ts`. */
export interface ElementwiseExports {
  unaryF32(op: number, a: number, out: number, n: number, param: number): void;
  unaryGradF32(op: number, x: number, g: number, out: number, n: number, param: number): void;
  positiveGradF32(x: number, g: number, out: number, n: number, slope: number): void;
  binarySameF32(op: number, a: number, b: number, out: number, n: number): void;
  binaryScalarF32(op: number, a: number, s: number, out: number, n: number, swap: number): void;
  binaryRowF32(op: number, a: number, b: number, out: number, R: number, L: number, swap: number): void;
  binaryColF32(op: number, a: number, b: number, out: number, R: number, L: number, swap: number): void;
  reduceContig(op: number, a: number, n: number): number;
  reduceAxisF32(op: number, a: number, outer: number, n: number, inner: number, out: number, scratch: number): void;
  softmaxRowsF32(a: number, rows: number, cols: number, out: number, log: number): void;
}

/** Floats per chunk for streaming kernels (64 KiB per array: in and out stay in L2). */
export const CHUNK = 16384;

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
  shiftedSoftplus: 16,
};

/** Unary gradients with a WASM kernel, and their op codes (see assembly/elementwise.ts). */
const WASM_UNARY_GRAD: Record<UnaryGradOpName, number> = { softplus: 0, shiftedSoftplus: 1 };

/** Binary ops with a WASM kernel, and their op codes. */
export const WASM_BINARY: Partial<Record<BinaryOpName, number>> = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 };

const REDUCE_CODE: Record<ReduceOpName, number> = { sum: 0, max: 1, min: 2, prod: 3 };

/**
 * The unary maps that split over a kernel team: about 1–4 ns per value in one thread, against about
 * 0.1 ns for a copy in and out. The others (neg, abs, sign, ReLU, leaky ReLU, sqrt, rsqrt) cost about
 * their copies, which only the calling thread can make: they stay on one thread.
 */
const TEAM_UNARY: ReadonlySet<UnaryOpName> = new Set<UnaryOpName>([
  "exp",
  "log",
  "log1p",
  "tanh",
  "sigmoid",
  "elu",
  "gelu",
  "silu",
  "softplus",
  "shiftedSoftplus",
]);

/** The work of one value of a {@link TEAM_UNARY} map or a unary gradient, in multiply-adds' time. */
const UNARY_WORK_PER_VALUE = 32;

/**
 * The work a unary map (`grad` false, op `op`) or gradient of n values hands to the kernel team, or −1
 * where it never splits (the registry runs those calls on the private-memory runtime).
 */
export function unaryTeamWork(op: UnaryOpName | UnaryGradOpName, n: number, grad: boolean): number {
  return grad || TEAM_UNARY.has(op as UnaryOpName) ? n * UNARY_WORK_PER_VALUE : -1;
}

/**
 * x ↦ f(x) (op code `code`, gradient op when `g` is given: g·f'(x)) over the threads of `team`: the
 * calling thread copies chunk k in (x, and g) and its result out while the others compute it in place.
 * Every chunk is copied in before any result is copied out, so `out` may be `x` or `g`.
 */
function unaryMapTeam(
  team: KernelTeam,
  code: number,
  x: Float32Array,
  g: Float32Array | null,
  out: Float32Array,
  param: number,
): void {
  const rt = team.runtime;
  const n = x.length;
  const per = Math.max(CHUNK, Math.ceil(n / TEAM_MAX_CHUNKS / 16) * 16);
  rt.reset();
  const pX = rt.alloc(pad4(n) * 4);
  const pG = g === null ? 0 : rt.alloc(pad4(n) * 4);
  const f = rt.f32;
  const args = jobArgs(UNARY_MAP_ARGS, { grad: g === null ? 0 : 1, op: code, x: pX, g: pG, n, per, param });
  team.run(TEAM_JOB.unaryMap, Math.ceil(n / per), args, {
    feed: (k) => {
      const [a, z] = chunkSpan(k, per, n);
      f.set(x.subarray(a, z), (pX >> 2) + a);
      if (g !== null) f.set(g.subarray(a, z), (pG >> 2) + a);
    },
    drain: (k) => {
      const [a, z] = chunkSpan(k, per, n);
      out.set(f.subarray((pX >> 2) + a, (pX >> 2) + z), a);
    },
  });
}

/** The export that came with the shifted softplus op code (16): a module without it lacks the op. */
const SSP_EXPORTS = ["unaryGradF32"];

/**
 * out[i] = f(a[i]) in chunks, for the ops of {@link WASM_UNARY}. Declines (returns false, computing
 * nothing) an op code newer than the loaded module, whose unaryF32 would leave `out` untouched.
 */
export function unaryWasm(rt: WasmRuntime, op: UnaryOpName, a: Float32Array, out: Float32Array, param = 0): boolean {
  if (op === "shiftedSoftplus" && !rt.hasExports(SSP_EXPORTS)) return false;
  const x = rt.exports;
  const code = WASM_UNARY[op]!;
  const team = kernelTeam(rt, unaryTeamWork(op, a.length, false));
  if (team !== null) {
    unaryMapTeam(team, code, a, null, out, param);
    return true;
  }
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
  return true;
}

/** out[i] = g[i]·f'(x[i]) in chunks (see unaryGradRef). */
export function unaryGradWasm(
  rt: WasmRuntime,
  op: UnaryGradOpName,
  xs: Float32Array,
  g: Float32Array,
  out: Float32Array,
  param = 1,
): void {
  const x = rt.exports;
  const code = WASM_UNARY_GRAD[op];
  const team = kernelTeam(rt, unaryTeamWork(op, xs.length, true));
  if (team !== null) {
    unaryMapTeam(team, code, xs, g, out, param);
    return;
  }
  rt.reset();
  const n = xs.length;
  const ch = Math.min(CHUNK, pad4(n));
  const pX = rt.alloc(ch * 4);
  const pG = rt.alloc(ch * 4);
  const pO = rt.alloc(ch * 4);
  const f = rt.f32;
  for (let s = 0; s < n; s += CHUNK) {
    const m = Math.min(CHUNK, n - s);
    f.set(xs.subarray(s, s + m), pX >> 2);
    f.set(g.subarray(s, s + m), pG >> 2);
    x.unaryGradF32(code, pX, pG, pO, pad4(m), param);
    out.set(f.subarray(pO >> 2, (pO >> 2) + m), s);
  }
}

/** out[i] = g[i]·(x[i] > 0 ? 1 : slope) in chunks (see positiveGradRef). */
export function positiveGradWasm(
  rt: WasmRuntime,
  xs: Float32Array,
  g: Float32Array,
  out: Float32Array,
  slope: number,
): void {
  const x = rt.exports;
  twoInChunks(rt, xs, g, out, (pX, pG, pO, n4) => x.positiveGradF32(pX, pG, pO, n4, slope));
}

/** out[i] = a[i] op b[i] (same shape) in chunks. */
function binarySame(rt: WasmRuntime, code: number, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const x = rt.exports;
  twoInChunks(rt, a, b, out, (pA, pB, pO, n4) => x.binarySameF32(code, pA, pB, pO, n4));
}

/**
 * out = k(a, b) elementwise, CHUNK floats at a time: both inputs copied into the arena, `k` run on the
 * chunk (its length padded to a multiple of 4), the result copied out.
 */
function twoInChunks(
  rt: WasmRuntime,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  k: (pA: number, pB: number, pO: number, n4: number) => void,
): void {
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
    k(pA, pB, pO, pad4(m));
    out.set(f.subarray(pO >> 2, (pO >> 2) + m), s);
  }
}

/** out[i] = a[i] op s (or s op a[i] when swap) in chunks. */
function binaryScalar(
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
function binaryBroadcast(
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

/**
 * out[i] = a[ia(i)] op b[ib(i)] over `outShape` (see binaryRef) for the ops of {@link WASM_BINARY},
 * where the stride patterns have a kernel: same shape, a scalar, or a vector repeated along rows or
 * columns. Returns false, computing nothing, for other patterns.
 */
export function binaryWasm(
  rt: WasmRuntime,
  op: BinaryOpName,
  A: Float32Array,
  B: Float32Array,
  O: Float32Array,
  outShape: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
): boolean {
  const code = WASM_BINARY[op]!;
  const pa = classify(outShape, aStrides);
  const pb = classify(outShape, bStrides);
  const nd = outShape.length;
  if (pa.kind === "contig" && pb.kind === "contig") binarySame(rt, code, A, B, O);
  else if (pa.kind === "contig" && pb.kind === "zero") binaryScalar(rt, code, A, B[0]!, O, false);
  else if (pa.kind === "zero" && pb.kind === "contig") binaryScalar(rt, code, B, A[0]!, O, true);
  else if (pa.kind === "contig" && (pb.kind === "row" || pb.kind === "col")) {
    binaryBroadcast(
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
    binaryBroadcast(
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
  log = false,
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
