/** JS side of the random-mask kernels (`assembly/random.ts`). Twins: `ref/random.ts` (the same masks). */
import type { WasmRuntime } from "./loader.js";

/** The exports of `assembly/random.ts`. */
export interface RandomExports {
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
  bernoulliMaskF32(out: number, n: number, state: number, thr: number, scale: number): void;
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
  rt.exports.dropoutMaskF32(
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
  rt.exports.bernoulliMaskF32(pO, n, pS, thr, Math.fround(scale));
  out.set(rt.f32.subarray(pO >> 2, (pO >> 2) + n));
  state.set(rt.i32.subarray(pS >> 2, (pS >> 2) + 4));
}
