/**
 * JS side of the fused affine map + activation (`linearAct`): the GEMM of `linalg.ts` over row panels,
 * with the bias (`binaryRowF32`), the activation (`unaryF32`) and a row scale (`binaryColF32`) applied
 * to each panel of C while it is in WASM memory, so C is copied out once. The same kernels as the
 * unfused ops, in the same order: the same bits. Twin: `ref/linear_act.ts`.
 */

import { getNumThreads } from "../pool.js";
import type { LinearActName } from "../ref/linear_act.js";
import { TEAM_MIN_WORK } from "../team.js";
import { WASM_BINARY, WASM_UNARY } from "./elementwise.js";
import { GEMM_PANEL_BYTES, KC, MC, MR, NR } from "./linalg.js";
import { pad4, type WasmRuntime } from "./loader.js";

/**
 * out = act(x·wᵀ + bias) ⊙ scale, `pre` = x·wᵀ + bias when given (see linearActRef). Declines (returns
 * false) where the GEMM would be split over a kernel team (the caller composes the unfused kernels).
 */
export function linearActWasm(
  rt: WasmRuntime,
  xs: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  out: Float32Array,
  pre: Float32Array | null,
  M: number,
  N: number,
  K: number,
  act: LinearActName,
  scale: Float32Array | null,
): boolean {
  if (getNumThreads() > 1 && M * N * K >= TEAM_MIN_WORK) return false;
  const code = act === "none" ? -1 : WASM_UNARY[act];
  if (code === undefined) return false;
  const x = rt.exports;
  rt.reset();
  const pB = rt.alloc(K * N * 4);
  const pBp = rt.alloc(Math.ceil(N / NR) * K * NR * 4);
  const pAp = rt.alloc(MC * KC * 4);
  const pBias = bias === null ? 0 : rt.alloc(N * 4);
  const pScale = scale === null ? 0 : rt.alloc(M * 4);
  // row panels of A and C as in gemmWasm: the bias and activation run on C while it is in L2
  const rows = Math.min(M, Math.max(MR, Math.floor(GEMM_PANEL_BYTES / 4 / (K + N) / MR) * MR));
  const pA = rt.alloc(rows * K * 4);
  const pC = rt.alloc(pad4(rows * N) * 4);
  const f = rt.f32;
  f.set(w.subarray(0, K * N), pB >> 2);
  x.gemmPackB(pB, pBp, K, N, 1);
  if (bias !== null) f.set(bias.subarray(0, N), pBias >> 2);
  if (scale !== null) f.set(scale.subarray(0, M), pScale >> 2);
  const c = pC >> 2;
  for (let i0 = 0; i0 < M; i0 += rows) {
    const m = Math.min(rows, M - i0);
    f.set(xs.subarray(i0 * K, (i0 + m) * K), pA >> 2);
    x.gemmRows(pA, K, pBp, pC, m, N, K, 0, pAp);
    if (bias !== null) x.binaryRowF32(WASM_BINARY.add!, pC, pBias, pC, m, N, 0);
    if (pre !== null) pre.set(f.subarray(c, c + m * N), i0 * N);
    if (code >= 0) x.unaryF32(code, pC, pC, pad4(m * N), 0);
    if (scale !== null) x.binaryColF32(WASM_BINARY.mul!, pC, pScale + i0 * 4, pC, m, N, 0);
    out.set(f.subarray(c, c + m * N), i0 * N);
  }
  return true;
}
