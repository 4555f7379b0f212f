/** Reference (TypeScript) optimiser steps, twins of `wasm/assembly/optim.ts`. */
import type { FloatArray } from "./linalg.js";

/** Constants of one Adam step (see {@link adamRef}). */
export interface AdamConsts {
  b1: number;
  b2: number;
  stepSize: number;
  bc2Sqrt: number;
  eps: number;
  /** L2 penalty added to the gradient (0 for AdamW). */
  l2: number;
  /** Multiplier of the parameters before the step (AdamW's 1 − lr·wd; 1 for Adam). */
  decay: number;
  /** −1 to maximise. */
  sign: number;
}

/**
 * One Adam step in place: p ← p·decay; g' = sign·g + l2·p; m ← m + (g' − m)(1 − β₁);
 * v ← β₂v + (1 − β₂)g'²; p ← p − stepSize·m / (√v / bc2Sqrt + eps).
 */
export function adamRef(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, k: AdamConsts): void {
  const { b1, b2, stepSize, bc2Sqrt, eps, l2, decay, sign } = k;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    let x = p[i]!;
    if (decay !== 1) x *= decay;
    const gr = sign * g[i]! + l2 * x;
    const mm = m[i]! + (gr - m[i]!) * c1;
    const vv = b2 * v[i]! + c2 * gr * gr;
    m[i] = mm;
    v[i] = vv;
    p[i] = x - (stepSize * mm) / (Math.sqrt(vv) / bc2Sqrt + eps);
  }
}
