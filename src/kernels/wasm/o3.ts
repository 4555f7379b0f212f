/**
 * JS side of the O(3) kernels (`assembly/o3.ts`, `o3_backward.ts`, `o3_bases.ts`): tensor products through packed paths, spherical
 * harmonics and their gradient, radial bases times cutoffs. Twins and layouts: `ref/o3.ts`. Each
 * function allocates every block of a chunk before writing any output, so a failed allocation
 * (RangeError from memory.grow) leaves the outputs untouched.
 */

import {
  type RadialBasisSpec,
  type RadialCutoffSpec,
  radialCount,
  type ShTable,
  type TensorProductPlan,
  TP_MODES,
  TP_PD,
  type TpSizes,
} from "../ref/o3.js";
import { chunkSpan, jobArgs, type KernelTeam, kernelTeam, TEAM_MAX_CHUNKS } from "../team.js";
import { SH_ARGS, TEAM_JOB, TP_BACKWARD_ARGS, TP_BACKWARD_MAX_RANGES, TP_FORWARD_ARGS } from "../team_jobs.js";
import { type ElementwiseExports, WASM_BINARY } from "./elementwise.js";
import { alignUp, pad4, type WasmRuntime } from "./loader.js";

/** The exports of `assembly/o3.ts`. */
export interface O3Exports {
  tpForwardF32(
    x1: number,
    x2: number,
    w: number,
    perSample: number,
    Z: number,
    D1: number,
    D2: number,
    D3: number,
    P: number,
    desc: number,
    nPaths: number,
    pw: number,
    ei: number,
    ej: number,
    ev: number,
    gptr: number,
    out: number,
    scratch: number,
  ): void;
  tpBackwardF32(
    x1: number,
    x2: number,
    w: number,
    perSample: number,
    Z: number,
    D1: number,
    D2: number,
    D3: number,
    P: number,
    maxRT: number,
    desc: number,
    nPaths: number,
    pw: number,
    ei: number,
    ej: number,
    ek: number,
    ev: number,
    gptr: number,
    g: number,
    g1: number,
    g2: number,
    gw: number,
    scratch: number,
  ): void;
  shForwardF32(
    xyz: number,
    n: number,
    lmax: number,
    normalize: number,
    dim: number,
    mc: number,
    ms: number,
    tri: number,
    slots: number,
    ptr: number,
    out: number,
    scratch: number,
  ): number;
  shBackwardF32(
    xyz: number,
    g: number,
    n: number,
    lmax: number,
    normalize: number,
    dim: number,
    mc: number,
    ms: number,
    tri: number,
    slots: number,
    ptr: number,
    gx: number,
    scratch: number,
  ): void;
  shForward3F32(
    xyz: number,
    n: number,
    normalize: number,
    dim: number,
    k: number,
    out: number,
    scratch: number,
  ): number;
  shBackward3F32(
    xyz: number,
    g: number,
    n: number,
    normalize: number,
    dim: number,
    k: number,
    gx: number,
    scratch: number,
  ): void;
  radialForwardF32(
    basis: number,
    x: number,
    n: number,
    K: number,
    params: number,
    cutoff: number,
    rc: number,
    p: number,
    out: number,
    scratch: number,
  ): void;
  radialBackwardF32(
    basis: number,
    x: number,
    n: number,
    K: number,
    params: number,
    cutoff: number,
    rc: number,
    p: number,
    g: number,
    gx: number,
    gw: number,
    scratch: number,
  ): void;
}

function o3(rt: WasmRuntime): O3Exports {
  return rt.exports as unknown as O3Exports;
}

/** Floats of the per-call arrays kept in the arena at once (samples are processed in chunks). */
const CHUNK_FLOATS = 1 << 20;

/** Samples per chunk: a multiple of 4 with about CHUNK_FLOATS floats of per-sample data. */
function chunkOf(perSampleFloats: number, total: number): number {
  const c = Math.max(4, Math.floor(CHUNK_FLOATS / Math.max(1, perSampleFloats)) & ~3);
  return Math.min(c, total);
}

interface PlanPtrs {
  desc: number;
  pw: number;
  ei: number;
  ej: number;
  ek: number;
  ev: number;
  gptr: number;
}

/** Copies the packed paths into the arena. */
function planIn(rt: WasmRuntime, plan: TensorProductPlan, withEk: boolean): PlanPtrs {
  const ne = plan.ev32.length;
  const p: PlanPtrs = {
    desc: rt.alloc(plan.desc.length * 4),
    pw: rt.alloc(plan.nPaths * 4),
    ei: rt.alloc(ne * 4),
    ej: rt.alloc(ne * 4),
    ek: withEk ? rt.alloc(ne * 4) : 0,
    ev: rt.alloc(ne * 4),
    gptr: rt.alloc(plan.gptr.length * 4),
  };
  const i = rt.i32;
  const f = rt.f32;
  i.set(plan.desc, p.desc >> 2);
  f.set(plan.pw32, p.pw >> 2);
  i.set(plan.ei, p.ei >> 2);
  i.set(plan.ej, p.ej >> 2);
  if (withEk) i.set(plan.ek, p.ek >> 2);
  f.set(plan.ev32, p.ev >> 2);
  i.set(plan.gptr, p.gptr >> 2);
  return p;
}

/**
 * The threaded tensor products hold every sample in the arena at once: up to this many floats (1 GiB),
 * beyond which a call keeps the one-thread path's chunks.
 */
const TEAM_ARENA_MAX_FLOATS = 1 << 28;

function teamArenaFits(floats: number): boolean {
  return floats <= TEAM_ARENA_MAX_FLOATS;
}

/** out[Z×D3] = tensor product (see tpForwardRef), in chunks of samples. */
export function tpForwardWasm(
  rt: WasmRuntime,
  plan: TensorProductPlan,
  x1: Float32Array,
  x2: Float32Array,
  w: Float32Array | null,
  s: TpSizes,
  out: Float32Array,
): void {
  const { Z, D1, D2, D3, P, perSample } = s;
  const team = kernelTeam(rt, Z * plan.workPerSample);
  if (team !== null && Z >= 8 && teamArenaFits(Z * (D1 + D2 + D3 + (perSample ? P : 0)))) {
    tpForwardTeam(team, plan, x1, x2, w, s, out);
    return;
  }
  const x = o3(rt);
  rt.reset();
  const pp = planIn(rt, plan, false);
  const zc = chunkOf(D1 + D2 + D3 + (perSample ? P : 0), Z);
  const pX1 = rt.alloc(zc * D1 * 4);
  const pX2 = rt.alloc(zc * D2 * 4);
  const pW = rt.alloc((perSample ? zc * P : P) * 4);
  const pOut = rt.alloc(zc * D3 * 4);
  const pS = rt.alloc((D1 + D2 + D3 + P + plan.maxRT) * 16);
  const f = rt.f32;
  if (!perSample && w !== null) f.set(w.subarray(0, P), pW >> 2);
  if (w === null) f.fill(0, pW >> 2, (pW >> 2) + (perSample ? zc * P : P));
  for (let z0 = 0; z0 < Z; z0 += zc) {
    const nz = Math.min(zc, Z - z0);
    f.set(x1.subarray(z0 * D1, (z0 + nz) * D1), pX1 >> 2);
    f.set(x2.subarray(z0 * D2, (z0 + nz) * D2), pX2 >> 2);
    if (perSample && w !== null) f.set(w.subarray(z0 * P, (z0 + nz) * P), pW >> 2);
    x.tpForwardF32(
      pX1,
      pX2,
      pW,
      perSample ? 1 : 0,
      nz,
      D1,
      D2,
      D3,
      P,
      pp.desc,
      plan.nPaths,
      pp.pw,
      pp.ei,
      pp.ej,
      pp.ev,
      pp.gptr,
      pOut,
      pS,
    );
    out.set(f.subarray(pOut >> 2, (pOut >> 2) + nz * D3), z0 * D3);
  }
}

/**
 * {@link tpForwardWasm} over the threads of a kernel team: x1, x2 (and per-sample weights) copied in
 * whole, each chunk a range of samples (a multiple of 4, the kernel's lanes) with its thread's scratch.
 * Samples do not mix, and a range starting at a multiple of 4 computes each sample in the lanes the
 * one-thread call does: the result equals one thread's bit for bit.
 */
function tpForwardTeam(
  team: KernelTeam,
  plan: TensorProductPlan,
  x1: Float32Array,
  x2: Float32Array,
  w: Float32Array | null,
  s: TpSizes,
  out: Float32Array,
): void {
  const rt = team.runtime;
  const { Z, D1, D2, D3, P, perSample } = s;
  rt.reset();
  const pp = planIn(rt, plan, false);
  const pX1 = rt.alloc(Z * D1 * 4);
  const pX2 = rt.alloc(Z * D2 * 4);
  const pW = rt.alloc((perSample ? Z * P : P) * 4);
  const pOut = rt.alloc(Z * D3 * 4);
  const scratchStride = Math.ceil(((D1 + D2 + D3 + P + plan.maxRT) * 16) / 64) * 64;
  const pS = rt.alloc(team.size * scratchStride);
  const f = rt.f32;
  f.set(x1.subarray(0, Z * D1), pX1 >> 2);
  f.set(x2.subarray(0, Z * D2), pX2 >> 2);
  if (w !== null) f.set(w.subarray(0, perSample ? Z * P : P), pW >> 2);
  else f.fill(0, pW >> 2, (pW >> 2) + (perSample ? Z * P : P));
  // about eight chunks per thread, each a multiple of 4 samples
  const chunkZ = Math.max(4, Math.ceil(Z / Math.min(TEAM_MAX_CHUNKS, 8 * team.size) / 4) * 4);
  const R = TP_FORWARD_ARGS;
  const args: number[] = [];
  args[R.x1] = pX1;
  args[R.x2] = pX2;
  args[R.w] = pW;
  args[R.perSample] = perSample ? 1 : 0;
  args[R.Z] = Z;
  args[R.D1] = D1;
  args[R.D2] = D2;
  args[R.D3] = D3;
  args[R.P] = P;
  args[R.desc] = pp.desc;
  args[R.nPaths] = plan.nPaths;
  args[R.pw] = pp.pw;
  args[R.ei] = pp.ei;
  args[R.ej] = pp.ej;
  args[R.ev] = pp.ev;
  args[R.gptr] = pp.gptr;
  args[R.out] = pOut;
  args[R.scratch] = pS;
  args[R.scratchStride] = scratchStride;
  args[R.chunkZ] = chunkZ;
  team.run(TEAM_JOB.tpForward, Math.ceil(Z / chunkZ), args);
  out.set(rt.f32.subarray(pOut >> 2, (pOut >> 2) + Z * D3));
}

/**
 * gw[o, o + n) += the n floats at `src` in the arena, through the module's same-shape add (`acc`: n
 * floats of scratch, both regions padded to a multiple of 4): the sums a JS loop over the float32
 * values gives, at SIMD speed.
 */
function addRowsInto(rt: WasmRuntime, gw: Float32Array, o: number, n: number, src: number, acc: number): void {
  const f = rt.f32;
  f.set(gw.subarray(o, o + n), acc >> 2);
  (rt.exports as unknown as ElementwiseExports).binarySameF32(WASM_BINARY.add!, acc, src, acc, pad4(n));
  gw.set(f.subarray(acc >> 2, (acc >> 2) + n), o);
}

/**
 * Bytes of tpBackwardF32's scratch: lanes of x1, x2, g, w, the weight-gradient sums, gx1, gx2, then T
 * (maxRT rows·d3 of the dense paths) and GT, which every path with an input gradient writes (rows·d3
 * of any path: maxGT).
 */
function tpBackwardScratch(plan: TensorProductPlan, D1: number, D2: number, D3: number, P: number): number {
  return (2 * D1 + 2 * D2 + D3 + 2 * P + plan.maxRT + Math.max(plan.maxRT, plan.maxGT)) * 16;
}

/** Gradients of the tensor product (see tpBackwardRef; gw accumulated into), in chunks of samples. */
export function tpBackwardWasm(
  rt: WasmRuntime,
  plan: TensorProductPlan,
  x1: Float32Array,
  x2: Float32Array,
  w: Float32Array | null,
  s: TpSizes,
  g: Float32Array,
  g1: Float32Array | null,
  g2: Float32Array | null,
  gw: Float32Array | null,
): void {
  const { Z, D1, D2, D3, P, perSample } = s;
  const per = D1 + D2 + D3 + (g1 ? D1 : 0) + (g2 ? D2 : 0) + (perSample ? (gw ? 2 * P : P) : 0);
  const zc = chunkOf(per, Z);
  const team = kernelTeam(rt, Z * plan.workPerSample);
  const whole = Z * (per + (perSample ? 0 : P));
  if (team !== null && Z >= 8 && teamArenaFits(whole) && tpBackwardTeam(team, plan, x1, x2, w, s, g, g1, g2, gw, zc))
    return;
  const x = o3(rt);
  rt.reset();
  const pp = planIn(rt, plan, true);
  const pX1 = rt.alloc(zc * D1 * 4);
  const pX2 = rt.alloc(zc * D2 * 4);
  const pG = rt.alloc(zc * D3 * 4);
  const pW = rt.alloc((perSample ? zc * P : P) * 4);
  const pG1 = g1 ? rt.alloc(zc * D1 * 4) : 0;
  const pG2 = g2 ? rt.alloc(zc * D2 * 4) : 0;
  const pGW = gw ? rt.alloc(pad4(perSample ? zc * P : P) * 4) : 0;
  // per-sample weight gradients are accumulated into gw: its rows come in here and the kernel's are added
  const pAcc = gw && perSample ? rt.alloc(pad4(zc * P) * 4) : 0;
  const pS = rt.alloc(tpBackwardScratch(plan, D1, D2, D3, P));
  const f = rt.f32;
  if (!perSample && w !== null) f.set(w.subarray(0, P), pW >> 2);
  if (w === null) f.fill(0, pW >> 2, (pW >> 2) + (perSample ? zc * P : P));
  if (gw && !perSample) f.fill(0, pGW >> 2, (pGW >> 2) + P);
  for (let z0 = 0; z0 < Z; z0 += zc) {
    const nz = Math.min(zc, Z - z0);
    f.set(x1.subarray(z0 * D1, (z0 + nz) * D1), pX1 >> 2);
    f.set(x2.subarray(z0 * D2, (z0 + nz) * D2), pX2 >> 2);
    f.set(g.subarray(z0 * D3, (z0 + nz) * D3), pG >> 2);
    if (perSample && w !== null) f.set(w.subarray(z0 * P, (z0 + nz) * P), pW >> 2);
    x.tpBackwardF32(
      pX1,
      pX2,
      pW,
      perSample ? 1 : 0,
      nz,
      D1,
      D2,
      D3,
      P,
      plan.maxRT,
      pp.desc,
      plan.nPaths,
      pp.pw,
      pp.ei,
      pp.ej,
      pp.ek,
      pp.ev,
      pp.gptr,
      pG,
      pG1,
      pG2,
      pGW,
      pS,
    );
    if (g1) g1.set(f.subarray(pG1 >> 2, (pG1 >> 2) + nz * D1), z0 * D1);
    if (g2) g2.set(f.subarray(pG2 >> 2, (pG2 >> 2) + nz * D2), z0 * D2);
    if (gw && perSample) addRowsInto(rt, gw, z0 * P, nz * P, pGW, pAcc);
  }
  if (gw && !perSample) {
    const src = f.subarray(pGW >> 2, (pGW >> 2) + P);
    for (let i = 0; i < P; i++) gw[i]! += src[i]!;
  }
}

/**
 * Contiguous ranges of the weighted paths of `plan` for the shared weights' gradient, balanced by
 * work (about `k` of them): their bounds (path indices), or null when the weights of the paths do not
 * come in increasing, disjoint blocks in path order (each weight's gradient must come from one range).
 */
function pathRanges(plan: TensorProductPlan, k: number): number[] | null {
  const { desc, gptr, nPaths } = plan;
  const work: number[] = [];
  let total = 0;
  let lastOff = -1;
  for (let q = 0; q < nPaths; q++) {
    const b = q * TP_PD;
    if (desc[b + 10] === 0) {
      work.push(0);
      continue;
    }
    const off = desc[b + 11]!;
    if (off <= lastOff) return null;
    lastOff = off;
    // the packing's work estimate (packTensorProduct): uuw and uuu have U rows, the others U·V
    const mode = TP_MODES[desc[b]!];
    const rows = mode === "uuw" || mode === "uuu" ? desc[b + 1]! : desc[b + 1]! * desc[b + 2]!;
    const g0 = desc[b + 12]!;
    const entries = gptr[g0 + desc[b + 6]!]! - gptr[g0]!;
    const dense = mode === "uvw" || mode === "uuw";
    const wq = rows * entries + rows * desc[b + 6]! * (dense ? desc[b + 3]! : 1);
    work.push(wq);
    total += wq;
  }
  const bounds = [0];
  let acc = 0;
  let next = total / k;
  for (let q = 0; q < nPaths; q++) {
    acc += work[q]!;
    if (acc >= next && q + 1 < nPaths && bounds.length < k) {
      bounds.push(q + 1);
      next = (total * bounds.length) / k;
    }
  }
  bounds.push(nPaths);
  return bounds;
}

/**
 * {@link tpBackwardWasm} over the threads of a kernel team, with one thread's bits: the shared
 * weights' gradient by ranges of paths (each range over every sample, in the calls of `zc` samples the
 * one-thread path makes, into a zeroed block of its own that is then added into gw exactly as that
 * path adds its block), and the per-sample results (g1, g2, per-sample weights' gradient) by ranges of
 * samples. Returns false, computing nothing, where the paths' weights do not allow the split.
 */
function tpBackwardTeam(
  team: KernelTeam,
  plan: TensorProductPlan,
  x1: Float32Array,
  x2: Float32Array,
  w: Float32Array | null,
  s: TpSizes,
  g: Float32Array,
  g1: Float32Array | null,
  g2: Float32Array | null,
  gw: Float32Array | null,
  zc: number,
): boolean {
  const { Z, D1, D2, D3, P, perSample } = s;
  const shared = gw !== null && !perSample;
  const bounds = shared ? pathRanges(plan, Math.min(TP_BACKWARD_MAX_RANGES, 2 * team.size)) : [];
  if (bounds === null) return false;
  const ranges = Math.max(0, bounds.length - 1);
  const rows = g1 !== null || g2 !== null || (gw !== null && perSample);
  const chunkZ = Math.max(4, Math.ceil(Z / Math.min(TEAM_MAX_CHUNKS - ranges, 8 * team.size) / 4) * 4);
  const rowChunks = rows ? Math.ceil(Z / chunkZ) : 0;
  const rt = team.runtime;
  rt.reset();
  const pp = planIn(rt, plan, true);
  const pX1 = rt.alloc(Z * D1 * 4);
  const pX2 = rt.alloc(Z * D2 * 4);
  const pG = rt.alloc(Z * D3 * 4);
  const pW = rt.alloc((perSample ? Z * P : P) * 4);
  const pG1 = g1 ? rt.alloc(Z * D1 * 4) : 0;
  const pG2 = g2 ? rt.alloc(Z * D2 * 4) : 0;
  const pGW = shared ? rt.alloc(ranges * P * 4) : 0;
  const pRows = gw !== null && perSample ? rt.alloc(pad4(Z * P) * 4) : 0;
  const pAcc = gw !== null && perSample ? rt.alloc(pad4(Z * P) * 4) : 0;
  const scratchStride = alignUp(tpBackwardScratch(plan, D1, D2, D3, P));
  const pS = rt.alloc(team.size * scratchStride);
  const f = rt.f32;
  f.set(x1.subarray(0, Z * D1), pX1 >> 2);
  f.set(x2.subarray(0, Z * D2), pX2 >> 2);
  f.set(g.subarray(0, Z * D3), pG >> 2);
  if (w !== null) f.set(w.subarray(0, perSample ? Z * P : P), pW >> 2);
  else f.fill(0, pW >> 2, (pW >> 2) + (perSample ? Z * P : P));
  if (shared) f.fill(0, pGW >> 2, (pGW >> 2) + ranges * P);
  const R = TP_BACKWARD_ARGS;
  const args = jobArgs(R, {
    x1: pX1,
    x2: pX2,
    w: pW,
    perSample: perSample ? 1 : 0,
    Z,
    D1,
    D2,
    D3,
    P,
    maxRT: plan.maxRT,
    desc: pp.desc,
    nPaths: plan.nPaths,
    pw: pp.pw,
    ei: pp.ei,
    ej: pp.ej,
    ek: pp.ek,
    ev: pp.ev,
    gptr: pp.gptr,
    g: pG,
    g1: pG1,
    g2: pG2,
    gw: pGW,
    gwRows: pRows,
    scratch: pS,
    scratchStride,
    chunkZ,
    zc,
    ranges,
  });
  bounds.forEach((q, i) => {
    args[R.bounds + i] = q;
  });
  team.run(TEAM_JOB.tpBackward, ranges + rowChunks, args);
  if (g1) g1.set(f.subarray(pG1 >> 2, (pG1 >> 2) + Z * D1));
  if (g2) g2.set(f.subarray(pG2 >> 2, (pG2 >> 2) + Z * D2));
  if (gw !== null && perSample) addRowsInto(rt, gw, 0, Z * P, pRows, pAcc);
  if (shared) {
    // each weight's block is its path's range's: add it as the one-thread path adds its one block
    for (let r = 0; r < ranges; r++) {
      const src = f.subarray((pGW >> 2) + r * P, (pGW >> 2) + (r + 1) * P);
      const lo = r === 0 ? 0 : weightStart(plan, bounds[r]!, P);
      const hi = r === ranges - 1 ? P : weightStart(plan, bounds[r + 1]!, P);
      for (let i = lo; i < hi; i++) gw[i]! += src[i]!;
    }
  }
  return true;
}

/** The first weight of path q or of the first weighted path after it (P, the weight count, when none). */
function weightStart(plan: TensorProductPlan, q: number, P: number): number {
  for (let p = q; p < plan.nPaths; p++) if (plan.desc[p * TP_PD + 10] !== 0) return plan.desc[p * TP_PD + 11]!;
  return P;
}

interface ShPtrs {
  mc: number;
  ms: number;
  tri: number;
  ptr: number;
  /** Bytes of the kernels' scratch: points, powers, one block of outputs, the distinct monomials. */
  scratch: number;
}

function shTableIn(rt: WasmRuntime, t: ShTable): ShPtrs {
  const m = t.mc32.length;
  const p: ShPtrs = {
    mc: rt.alloc(m * 4),
    ms: rt.alloc(m * 4),
    tri: rt.alloc(t.tri.length * 4),
    ptr: rt.alloc(t.ptr.length * 4),
    scratch: (3 + 3 * (t.lmax + 1) + t.dim + t.tri.length / 3) * 16,
  };
  rt.f32.set(t.mc32, p.mc >> 2);
  const i = rt.i32;
  i.set(t.ms, p.ms >> 2);
  i.set(t.tri, p.tri >> 2);
  i.set(t.ptr, p.ptr >> 2);
  return p;
}

/**
 * The terms of the unrolled degree ≤ 3 kernels (`shForward3F32` / `shBackward3F32`), in the order they
 * read their coefficients: [list, column, a, b, d] for the monomial x^a·y^b·z^d of list 0 (the value)
 * or 1..3 (∂x, ∂y, ∂z) of a column (e3nn's order: column l² + l + m), written "column:abd" per list.
 */
const SH3_TERMS: readonly (readonly [number, number, number, number, number])[] = [
  // value
  "0:000 1:100 2:010 3:001 4:101 5:110 6:020 6:002 6:200 7:011 8:002 8:200 9:102 9:300 10:111 11:120 11:102 11:300 12:030 12:012 12:210 13:021 13:003 13:201 14:012 14:210 15:003 15:201",
  // ∂x
  "1:000 4:001 5:010 6:100 8:100 9:002 9:200 10:011 11:020 11:002 11:200 12:110 13:101 14:110 15:101",
  // ∂y
  "2:000 5:100 6:010 7:001 10:101 11:110 12:020 12:002 12:200 13:011 14:002 14:200",
  // ∂z
  "3:000 4:100 6:001 7:010 8:001 9:101 10:110 11:101 12:011 13:020 13:002 13:200 14:011 15:002 15:200",
].flatMap((list, L) =>
  list.split(" ").map((t) => {
    const [c, abd] = t.split(":") as [string, string];
    return [L, Number(c), Number(abd[0]), Number(abd[1]), Number(abd[2])] as const;
  }),
);

/** The coefficients of each table for the unrolled kernels, or null where they do not apply. */
const sh3Coefficients = new WeakMap<ShTable, Float32Array | null>();

/**
 * The coefficients of {@link SH3_TERMS} for `t` when its columns are the degrees 0..lmax (lmax ≤ 3)
 * with exactly the terms the unrolled kernels evaluate (zeros for the columns beyond dim), else null.
 */
export function sh3CoefficientsOf(t: ShTable): Float32Array | null {
  let k = sh3Coefficients.get(t);
  if (k !== undefined) return k;
  k = null;
  if (t.lmax <= 3 && t.dim === (t.lmax + 1) ** 2) {
    const found = new Map<string, number>();
    for (let L = 0; L < 4; L++) {
      for (let c = 0; c < t.dim; c++) {
        const b = L * (t.dim + 1) + c;
        for (let m = t.ptr[b]!; m < t.ptr[b + 1]!; m++) {
          const key = `${L},${c},${t.ma[m]},${t.mb[m]},${t.md[m]}`;
          found.set(key, (found.get(key) ?? 0) + t.mc[m]!);
        }
      }
    }
    const coef = new Float32Array(SH3_TERMS.length);
    let used = 0;
    SH3_TERMS.forEach(([L, c, a, b, d], i) => {
      const v = found.get(`${L},${c},${a},${b},${d}`);
      if (v !== undefined) {
        coef[i] = v;
        used++;
      }
    });
    if (used === found.size) k = coef;
  }
  sh3Coefficients.set(t, k);
  return k;
}

/** The unrolled kernels' coefficients in the arena (70 floats) and their scratch bytes, or null. */
function sh3In(rt: WasmRuntime, t: ShTable): { k: number; scratch: number } | null {
  const coef = sh3CoefficientsOf(t);
  if (!coef) return null;
  const k = rt.alloc(coef.length * 4);
  rt.f32.set(coef, k >> 2);
  return { k, scratch: 19 * 16 };
}

/** out[n×dim] = harmonics at xyz[n×3]; returns the flat index of the first NaN of xyz, or −1. */
export function shForwardWasm(
  rt: WasmRuntime,
  t: ShTable,
  xyz: Float32Array,
  n: number,
  normalize: boolean,
  out: Float32Array,
): number {
  const team = kernelTeam(rt, shTeamWork(t, n));
  if (team !== null) return shTeam(team, t, xyz, null, n, normalize, out);
  const x = o3(rt);
  rt.reset();
  const s3 = sh3In(rt, t);
  const tp = s3 ? null : shTableIn(rt, t);
  const nc = chunkOf(3 + t.dim, n);
  const pX = rt.alloc(nc * 12);
  const pOut = rt.alloc(nc * t.dim * 4);
  const pS = rt.alloc(s3 ? s3.scratch : tp!.scratch);
  const f = rt.f32;
  const slots = t.tri.length / 3;
  const nz = normalize ? 1 : 0;
  for (let p0 = 0; p0 < n; p0 += nc) {
    const m = Math.min(nc, n - p0);
    f.set(xyz.subarray(3 * p0, 3 * (p0 + m)), pX >> 2);
    const bad = s3
      ? x.shForward3F32(pX, m, nz, t.dim, s3.k, pOut, pS)
      : x.shForwardF32(pX, m, t.lmax, nz, t.dim, tp!.mc, tp!.ms, tp!.tri, slots, tp!.ptr, pOut, pS);
    if (bad >= 0) return 3 * p0 + bad;
    out.set(f.subarray(pOut >> 2, (pOut >> 2) + m * t.dim), p0 * t.dim);
  }
  return -1;
}

/** gx[n×3] = Σ_c g[p, c]·∂Y_c/∂x (written). */
export function shBackwardWasm(
  rt: WasmRuntime,
  t: ShTable,
  xyz: Float32Array,
  g: Float32Array,
  n: number,
  normalize: boolean,
  gx: Float32Array,
): void {
  const team = kernelTeam(rt, shTeamWork(t, n));
  if (team !== null) {
    shTeam(team, t, xyz, g, n, normalize, gx);
    return;
  }
  const x = o3(rt);
  rt.reset();
  const s3 = sh3In(rt, t);
  const tp = s3 ? null : shTableIn(rt, t);
  const nc = chunkOf(6 + t.dim, n);
  const pX = rt.alloc(nc * 12);
  const pG = rt.alloc(nc * t.dim * 4);
  const pGX = rt.alloc(nc * 12);
  const pS = rt.alloc(s3 ? s3.scratch : tp!.scratch);
  const f = rt.f32;
  const slots = t.tri.length / 3;
  const nz = normalize ? 1 : 0;
  for (let p0 = 0; p0 < n; p0 += nc) {
    const m = Math.min(nc, n - p0);
    f.set(xyz.subarray(3 * p0, 3 * (p0 + m)), pX >> 2);
    f.set(g.subarray(p0 * t.dim, (p0 + m) * t.dim), pG >> 2);
    if (s3) x.shBackward3F32(pX, pG, m, nz, t.dim, s3.k, pGX, pS);
    else x.shBackwardF32(pX, pG, m, t.lmax, nz, t.dim, tp!.mc, tp!.ms, tp!.tri, slots, tp!.ptr, pGX, pS);
    gx.set(f.subarray(pGX >> 2, (pGX >> 2) + 3 * m), 3 * p0);
  }
}

/** The work a kernel team weighs one harmonic value by (about its flops, forward or gradient). */
export const SH_WORK_PER_VALUE = 8;

/** The work of a harmonics call as {@link kernelTeam} weighs it: n vectors of `t.dim` values. */
export function shTeamWork(t: ShTable, n: number): number {
  return SH_WORK_PER_VALUE * n * t.dim;
}

/** Vectors per chunk of a threaded harmonics call (at least; a multiple of 4). */
const SH_TEAM_CHUNK = 2048;

/**
 * {@link shForwardWasm} (g null; returns the flat index of the first NaN of xyz, or −1) or
 * {@link shBackwardWasm} (out = gx) over the threads of a kernel team, by ranges of vectors: the
 * calling thread copies chunk k's vectors (and g) in and its results out while the other threads
 * compute. Each vector is computed alone in its lane, so the numbers are one thread's bit for bit.
 */
function shTeam(
  team: KernelTeam,
  t: ShTable,
  xyz: Float32Array,
  g: Float32Array | null,
  n: number,
  normalize: boolean,
  out: Float32Array,
): number {
  const rt = team.runtime;
  rt.reset();
  const s3 = sh3In(rt, t);
  const tp = s3 ? null : shTableIn(rt, t);
  const { dim } = t;
  const width = g === null ? dim : 3;
  const pX = rt.alloc(n * 12);
  const pG = g === null ? 0 : rt.alloc(n * dim * 4);
  const pOut = rt.alloc(n * width * 4);
  const scratchStride = alignUp(s3 ? s3.scratch : tp!.scratch);
  const pS = rt.alloc(team.size * scratchStride);
  const per = Math.max(SH_TEAM_CHUNK, Math.ceil(n / TEAM_MAX_CHUNKS / 4) * 4);
  const chunks = Math.ceil(n / per);
  const args = jobArgs(SH_ARGS, {
    grad: g === null ? 0 : 1,
    unrolled: s3 ? 1 : 0,
    xyz: pX,
    out: pOut,
    g: pG,
    gx: pOut,
    n,
    per,
    normalize: normalize ? 1 : 0,
    dim,
    lmax: t.lmax,
    coef: s3 ? s3.k : 0,
    mc: tp ? tp.mc : 0,
    ms: tp ? tp.ms : 0,
    tri: tp ? tp.tri : 0,
    slots: t.tri.length / 3,
    ptr: tp ? tp.ptr : 0,
    scratch: pS,
    scratchStride,
  });
  const f = rt.f32;
  team.run(TEAM_JOB.sphericalHarmonics, chunks, args, {
    feed: (k) => {
      const [a, z] = chunkSpan(k, per, n);
      f.set(xyz.subarray(3 * a, 3 * z), (pX >> 2) + 3 * a);
      if (g !== null) f.set(g.subarray(a * dim, z * dim), (pG >> 2) + a * dim);
    },
    drain: (k) => {
      const [a, z] = chunkSpan(k, per, n, width);
      out.set(f.subarray((pOut >> 2) + a, (pOut >> 2) + z), a);
    },
  });
  if (g === null) {
    for (let k = 0; k < chunks; k++) {
      const bad = team.chunkResult(k);
      if (bad >= 0) return bad;
    }
  }
  return -1;
}

const BASIS_CODE = { none: 0, gaussian: 1, bessel: 2 } as const;
const CUTOFF_CODE = { none: 0, cosine: 1, polynomial: 2 } as const;

/** The basis parameters as the kernel reads them: K values padded to a multiple of 4, then one scalar. */
function radialParams(rt: WasmRuntime, b: RadialBasisSpec, weights: ArrayLike<number> | null, K: number): number {
  const K4 = (K + 3) & ~3;
  const p = rt.alloc((K4 + 1) * 4);
  const f = rt.f32;
  f.fill(0, p >> 2, (p >> 2) + K4 + 1);
  if (b.kind === "gaussian") {
    for (let k = 0; k < K; k++) f[(p >> 2) + k] = b.centers[k]!;
    f[(p >> 2) + K4] = b.coeff;
  } else if (b.kind === "bessel") {
    for (let k = 0; k < K; k++) f[(p >> 2) + k] = weights![k]!;
    f[(p >> 2) + K4] = b.rc;
  }
  return p;
}

function cutoffArgs(c: RadialCutoffSpec): [number, number, number] {
  return [CUTOFF_CODE[c.kind], c.kind === "none" ? 0 : c.rc, c.kind === "polynomial" ? c.p : 0];
}

/** out[n×K] = basis_k(x_i)·cutoff(x_i). */
export function radialForwardWasm(
  rt: WasmRuntime,
  b: RadialBasisSpec,
  weights: ArrayLike<number> | null,
  c: RadialCutoffSpec,
  x: Float32Array,
  n: number,
  out: Float32Array,
): void {
  const K = radialCount(b, weights);
  const k = o3(rt);
  rt.reset();
  const pP = radialParams(rt, b, weights, K);
  const nc = chunkOf(1 + K, n);
  const pX = rt.alloc(nc * 4);
  const pOut = rt.alloc(nc * K * 4);
  const pS = rt.alloc(64 + ((K + 3) & ~3) * 4);
  const [cc, rc, p] = cutoffArgs(c);
  const f = rt.f32;
  for (let i0 = 0; i0 < n; i0 += nc) {
    const m = Math.min(nc, n - i0);
    f.set(x.subarray(i0, i0 + m), pX >> 2);
    k.radialForwardF32(BASIS_CODE[b.kind], pX, m, K, pP, cc, rc, p, pOut, pS);
    out.set(f.subarray(pOut >> 2, (pOut >> 2) + m * K), i0 * K);
  }
}

/** gx[n] (written) and, for Bessel, gw[K] (accumulated into) of {@link radialForwardWasm}. */
export function radialBackwardWasm(
  rt: WasmRuntime,
  b: RadialBasisSpec,
  weights: ArrayLike<number> | null,
  c: RadialCutoffSpec,
  x: Float32Array,
  n: number,
  g: Float32Array,
  gx: Float32Array,
  gw: Float32Array | null,
): void {
  const K = radialCount(b, weights);
  const k = o3(rt);
  rt.reset();
  const pP = radialParams(rt, b, weights, K);
  const nc = chunkOf(2 + K, n);
  const pX = rt.alloc(nc * 4);
  const pG = rt.alloc(nc * K * 4);
  const pGX = rt.alloc(nc * 4);
  const pGW = gw ? rt.alloc(K * 4) : 0;
  const pS = rt.alloc(64 + 2 * ((K + 3) & ~3) * 4);
  const [cc, rc, p] = cutoffArgs(c);
  const f = rt.f32;
  if (gw) f.fill(0, pGW >> 2, (pGW >> 2) + K);
  for (let i0 = 0; i0 < n; i0 += nc) {
    const m = Math.min(nc, n - i0);
    f.set(x.subarray(i0, i0 + m), pX >> 2);
    f.set(g.subarray(i0 * K, (i0 + m) * K), pG >> 2);
    k.radialBackwardF32(BASIS_CODE[b.kind], pX, m, K, pP, cc, rc, p, pG, pGX, pGW, pS);
    gx.set(f.subarray(pGX >> 2, (pGX >> 2) + m), i0);
  }
  if (gw) {
    const src = f.subarray(pGW >> 2, (pGW >> 2) + K);
    for (let i = 0; i < K; i++) gw[i]! += src[i]!;
  }
}
