/** JS side of the optimiser kernels (`assembly/optim.ts`). Twins: `ref/optim.ts`. */
import type { AdamConsts } from "../ref/optim.js";
import { CHUNK } from "./elementwise.js";
import { pad4, type WasmRuntime } from "./loader.js";

/** The exports of `assembly/optim.ts`. */
export interface OptimExports {
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
}

/**
 * One Adam step in place on p, m, v, {@link CHUNK} values at a time (a multiple of 4, so only the last
 * chunk has a scalar tail, as in one call over all n): each chunk's four arrays are copied in, updated
 * and copied out while they are still in L2, instead of streaming all four through memory three times.
 */
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
  const ch = Math.min(CHUNK, pad4(n));
  const pP = rt.alloc(ch * 4);
  const pG = rt.alloc(ch * 4);
  const pM = rt.alloc(ch * 4);
  const pV = rt.alloc(ch * 4);
  const f = rt.f32;
  const [oP, oM, oV] = [pP >> 2, pM >> 2, pV >> 2];
  for (let s = 0; s < n; s += CHUNK) {
    const e = Math.min(n, s + CHUNK);
    f.set(p.subarray(s, e), oP);
    f.set(g.subarray(s, e), pG >> 2);
    f.set(m.subarray(s, e), oM);
    f.set(v.subarray(s, e), oV);
    rt.exports.adamF32(pP, pG, pM, pV, e - s, k.b1, k.b2, k.stepSize, k.bc2Sqrt, k.eps, k.l2, k.decay, k.sign);
    p.set(f.subarray(oP, oP + e - s), s);
    m.set(f.subarray(oM, oM + e - s), s);
    v.set(f.subarray(oV, oV + e - s), s);
  }
}
