/**
 * JS side of the depthwise convolutions (`assembly/depthwise.ts`): the forward map, the input gradient
 * and the weight gradient of a depthwise 1-D/2-D convolution, float32 in and out with float64 sums in
 * the reference's order, so the results equal `ref/depthwise.ts` bit for bit. A call copies its inputs
 * into the arena whole, writes the geometry block (i32 slots) and runs one team job
 * ({@link TEAM_JOB.depthwise}) whose chunks are ranges of channels, each over every image: a channel's
 * outputs (and its weight-gradient sums over the images) are computed wholly by one thread, so the
 * numbers do not depend on the thread count. Each thread has its own block of scratch (padded planes,
 * tap tables). Twins: `ref/depthwise.ts`.
 */
import { depthwiseApplies, depthwisePlane } from "../ref/depthwise.js";
import type { ConvGeometry } from "../ref/im2col.js";
import { kernelTeam, TEAM_MAX_CHUNKS } from "../team.js";
import { DEPTHWISE_ARGS, DEPTHWISE_PASS, TEAM_JOB } from "../team_jobs.js";
import { runTeamJob } from "../team_run.js";
import { alignUp, type WasmRuntime } from "./loader.js";

/** The exports of `assembly/depthwise.ts` (d: the geometry block; c0, c1: the channel range). */
export interface DepthwiseExports {
  dwForwardF32(
    d: number,
    x: number,
    w: number,
    b: number,
    hasBias: number,
    y: number,
    scratch: number,
    c0: number,
    c1: number,
  ): void;
  dwInputGradF32(d: number, gy: number, w: number, gx: number, scratch: number, c0: number, c1: number): void;
  dwWeightGradF32(d: number, x: number, gy: number, gw: number, scratch: number, c0: number, c1: number): void;
}

type Pass = (typeof DEPTHWISE_PASS)[keyof typeof DEPTHWISE_PASS];

/** Multiply-adds of a depthwise pass: one per tap and output. */
export function depthwiseWork(g: ConvGeometry): number {
  return g.N * g.Cin * g.outS[1] * g.outS[2] * g.k[1] * g.k[2];
}

/**
 * The geometry block and the per-thread scratch of a pass: the reference's padded plane Hp×Wp; the
 * sw column-phase planes of the padded input (Hp × Wq each, one spare column for the last pair of
 * outputs); the output gradient zero-padded by Ly rows and Lx columns before (the taps' reach in
 * outputs) and past both the outputs and the padded input's reach after (Hg×Wg, two spare columns);
 * then the tap tables (sh·sw phases of kh·kw taps) and the weight gradient's kh·kw sums.
 */
function depthwisePlan(g: ConvGeometry, pass: Pass) {
  const { H, W, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, Hp, Wp } = depthwisePlane(g);
  const Wq = Math.ceil(Wp / sw) + 1;
  const Ly = Math.floor((dh * (kh - 1)) / sh);
  const Lx = Math.floor((dw * (kw - 1)) / sw);
  const Hg = Ly + Math.max(oh, Math.ceil(Hp / sh));
  const Wg = Lx + Math.max(ow, Math.ceil(Wp / sw)) + 2;
  const taps = sh * sw * kh * kw;
  const planes = alignUp(8 * (pass === DEPTHWISE_PASS.inputGrad ? Hg * Wg + Hp * Wp : sw * Hp * Wq));
  const offTw = planes;
  const offTo = offTw + alignUp(8 * taps);
  const offTn = offTo + alignUp(4 * taps);
  const offAcc = offTn + alignUp(4 * sh * sw);
  const stride = offAcc + alignUp(8 * kh * kw);
  // the geometry block's i32 slots, in the order of the DW_* constants of `assembly/depthwise.ts`
  const slots = [g.N, g.Cin, H, W, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, Hp, Wp, Wq, Hg, Wg, Ly, Lx];
  slots.push(offTw, offTo, offTn, offAcc);
  return { slots, stride };
}

/** Throws unless g is a depthwise geometry the kernels cover and each array holds what it says. */
function checkDepthwise(op: string, g: ConvGeometry, arrays: [string, Float32Array | null, number][]): void {
  const dims = [...g.inS, ...g.outS, ...g.k, ...g.s, ...g.d, g.N, g.Cin];
  if (!depthwiseApplies(g) || dims.some((v) => !Number.isInteger(v) || v < 1) || g.p.some((v) => v < 0)) {
    throw new Error(
      `${op}: argument 'g' expected a depthwise 1-D/2-D geometry with positive sizes and non-negative padding, got ${JSON.stringify(g)}`,
    );
  }
  for (const [name, a, n] of arrays) {
    if (a !== null && a.length < n)
      throw new Error(`${op}: argument '${name}' expected at least ${n} elements for the geometry, got ${a.length}`);
  }
}

/**
 * Runs one pass: copies `ins` into the arena, runs the channel chunks (over the kernel team where the
 * call is big enough), copies `n` floats of the result into `out`.
 */
function depthwisePass(
  rt: WasmRuntime,
  g: ConvGeometry,
  pass: Pass,
  ins: (Float32Array | null)[],
  out: Float32Array,
  n: number,
): void {
  const C = g.Cin;
  const team = kernelTeam(rt, depthwiseWork(g));
  const threads = team?.size ?? 1;
  const { slots, stride } = depthwisePlan(g, pass);
  rt.reset();
  const scratch = rt.alloc(threads * stride);
  const pD = rt.alloc(slots.length * 4);
  const ptrs = ins.map((a) => (a === null ? 0 : rt.alloc(a.length * 4)));
  const pOut = rt.alloc(n * 4);
  rt.i32.set(slots, pD >> 2);
  const f = rt.f32;
  ins.forEach((a, i) => {
    if (a !== null) f.set(a, ptrs[i]! >> 2);
  });
  const chunks = threads === 1 ? 1 : Math.min(C, 4 * threads, TEAM_MAX_CHUNKS);
  const cPer = Math.ceil(C / chunks);
  const R = DEPTHWISE_ARGS;
  const args: number[] = [];
  args[R.pass] = pass;
  args[R.d] = pD;
  args[R.in0] = ptrs[0]!;
  args[R.in1] = ptrs[1]!;
  args[R.in2] = ptrs[2] ?? 0;
  args[R.hasBias] = ins[2] == null ? 0 : 1;
  args[R.out] = pOut;
  args[R.scratch] = scratch;
  args[R.scratchStride] = stride;
  args[R.C] = C;
  args[R.cPer] = cPer;
  if (team !== null) team.run(TEAM_JOB.depthwise, Math.ceil(C / cPer), args);
  else runTeamJob(rt.exports, TEAM_JOB.depthwise, Float64Array.from(args), 0, 0);
  out.set(rt.f32.subarray(pOut >> 2, (pOut >> 2) + n));
}

/** The sizes of a depthwise geometry: channels, taps, input and output floats. */
function sizes(g: ConvGeometry) {
  const C = g.Cin;
  return { C, kk: g.k[1] * g.k[2], xs: g.N * C * g.inS[1] * g.inS[2], ys: g.N * C * g.outS[1] * g.outS[2] };
}

/** y = conv(x, w) + b, depthwise, float32 (y [N, C, oh, ow] overwritten). See depthwiseForwardRef. */
export function depthwiseForwardWasm(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  g: ConvGeometry,
): void {
  const { C, kk, xs, ys } = sizes(g);
  checkDepthwise("depthwiseForward", g, [
    ["x", x, xs],
    ["w", w, C * kk],
    ["b", b, C],
    ["y", y, ys],
  ]);
  const bias = b === null ? null : b.subarray(0, C);
  depthwisePass(rt, g, DEPTHWISE_PASS.forward, [x.subarray(0, xs), w.subarray(0, C * kk), bias], y, ys);
}

/** gx = ∂⟨gy, conv(x, w)⟩/∂x, depthwise, float32 (gx [N, C, H, W] overwritten). See depthwiseInputGradRef. */
export function depthwiseInputGradWasm(
  rt: WasmRuntime,
  gy: Float32Array,
  w: Float32Array,
  gx: Float32Array,
  g: ConvGeometry,
): void {
  const { C, kk, xs, ys } = sizes(g);
  checkDepthwise("depthwiseInputGrad", g, [
    ["gy", gy, ys],
    ["w", w, C * kk],
    ["gx", gx, xs],
  ]);
  depthwisePass(rt, g, DEPTHWISE_PASS.inputGrad, [gy.subarray(0, ys), w.subarray(0, C * kk)], gx, xs);
}

/** gw = ∂⟨gy, conv(x, w)⟩/∂w, depthwise, float32 (gw [C, 1, kh, kw] overwritten). See depthwiseWeightGradRef. */
export function depthwiseWeightGradWasm(
  rt: WasmRuntime,
  x: Float32Array,
  gy: Float32Array,
  gw: Float32Array,
  g: ConvGeometry,
): void {
  const { C, kk, xs, ys } = sizes(g);
  checkDepthwise("depthwiseWeightGrad", g, [
    ["x", x, xs],
    ["gy", gy, ys],
    ["gw", gw, C * kk],
  ]);
  depthwisePass(rt, g, DEPTHWISE_PASS.weightGrad, [x.subarray(0, xs), gy.subarray(0, ys)], gw, C * kk);
}
