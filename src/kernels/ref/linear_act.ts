/** Reference of the fused affine map + activation (`linearAct`): the GEMM, bias and activation twins in sequence. */
import { binaryRef, unaryRef } from "./elementwise.js";
import { type FloatArray, gemmRef } from "./linalg.js";

/** The activations {@link linearActRef} applies after the affine map (`none`: the map alone). */
export type LinearActName = "none" | "relu" | "shiftedSoftplus";

/**
 * out[M×N] = act(x[M×K]·wᵀ + bias) ⊙ scale with `w` stored [N×K] (a Linear's weight), `bias` [N] or
 * null and `scale` [M] (row r multiplied by scale[r]) or null; `pre` (when given) receives x·wᵀ + bias,
 * the activation's input (its gradient reads it).
 */
export function linearActRef(
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | null,
  out: FloatArray,
  pre: FloatArray | null,
  M: number,
  N: number,
  K: number,
  act: LinearActName,
  scale: FloatArray | null,
): void {
  const n = M * N;
  const y = out.subarray(0, n);
  gemmRef(x, w, y, M, N, K, false, true, false);
  if (bias !== null) binaryRef("add", y, bias, y, [M, N], [N, 1], [0, 1]);
  if (pre !== null) pre.set(y);
  if (act !== "none") unaryRef(act, y, y, 0);
  if (scale !== null) binaryRef("mul", y, scale, y, [M, N], [N, 1], [1, 0]);
}
