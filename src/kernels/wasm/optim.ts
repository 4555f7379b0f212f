/** JS side of the optimiser kernels (`assembly/optim.ts`). Twins: `ref/optim.ts`. */
import type { AdamConsts } from "../ref/optim.js";
import type { WasmRuntime } from "./loader.js";

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

/** One Adam step in place on p, m, v. */
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
  const pP = rt.alloc(n * 4);
  const pG = rt.alloc(n * 4);
  const pM = rt.alloc(n * 4);
  const pV = rt.alloc(n * 4);
  const f = rt.f32;
  f.set(p, pP >> 2);
  f.set(g.subarray(0, n), pG >> 2);
  f.set(m, pM >> 2);
  f.set(v, pV >> 2);
  rt.exports.adamF32(pP, pG, pM, pV, n, k.b1, k.b2, k.stepSize, k.bc2Sqrt, k.eps, k.l2, k.decay, k.sign);
  const f2 = rt.f32;
  p.set(f2.subarray(pP >> 2, (pP >> 2) + n));
  m.set(f2.subarray(pM >> 2, (pM >> 2) + n));
  v.set(f2.subarray(pV >> 2, (pV >> 2) + n));
}
