/**
 * JS side of the stride-1 2-D convolutions without an im2col matrix (`assembly/conv.ts`): per image,
 * the input planes are padded in the arena once, and each block of output rows is one GEMM whose B
 * panels are packed straight from the padded planes; the weights are copied once per group.
 * Twins: `ref/conv.ts`.
 */
import type { Stride1Geometry } from "../ref/conv.js";
import { KC, MC, NR } from "./linalg.js";
import type { WasmRuntime } from "./loader.js";

/** Packs the GEMM's B panels (or Bᵀ) for `len` columns from `off` of C padded planes and kh×kw taps. */
type PackB = (
  xp: number,
  Bp: number,
  C: number,
  kh: number,
  kw: number,
  dh: number,
  dw: number,
  Wp: number,
  plane: number,
  off: number,
  len: number,
) => void;

/** The exports of `assembly/conv.ts` (the bindings also call `gemmRows` and `wgZero`). */
export interface ConvExports {
  convPadPlanesF32(
    x: number,
    C: number,
    H: number,
    W: number,
    xp: number,
    Wp: number,
    plane: number,
    inner: number,
  ): void;
  convPackBF32: PackB;
  convPackBTF32: PackB;
  convUnpadRowsF32(
    Cm: number,
    M: number,
    rows: number,
    Wp: number,
    ow: number,
    y: number,
    P: number,
    r0: number,
    bias: number,
    hasBias: number,
  ): void;
}

/** Bytes of packed B panels per block of output rows (the block stays in L2 while the GEMM runs). */
const CONV_PANEL_BYTES = 524288;

/**
 * Fewest output positions per GEMM (rows of a block × Wp), whatever the panel bytes: with long
 * kernels (Kg = Cg·kh·kw in the thousands) the 512 KiB rule gives one output row per GEMM, and the
 * [Og, Kg] weight matrix (several MB, past L2) is then streamed from memory for every row; with at
 * least this many columns each packed block of weights serves 64 panels of B.
 */
const CONV_MIN_COLUMNS = 512;

/**
 * The padded layout of {@link convStride1Wasm} and the blocks of output rows per GEMM; resets the arena
 * and allocates the image block pX and its padded planes pXp (zeroed: only the interior is written).
 */
function stride1Plan(rt: WasmRuntime, geom: Stride1Geometry) {
  const { Cg, H, W, kh, kw, dh, dw, oh, ow } = geom;
  const Kg = Cg * kh * kw;
  const Wp = ow + dw * (kw - 1);
  const plane = (oh + dh * (kh - 1)) * Wp;
  // planes plus the run that taps of the last rows read past the last plane, plus a panel's width
  const tail = dw * (kw - 1) + NR;
  const rowsPer = Math.min(
    oh,
    Math.max(1, Math.floor(CONV_PANEL_BYTES / 4 / Math.max(Kg, 1) / Wp), Math.ceil(CONV_MIN_COLUMNS / Wp)),
  );
  const xs = Cg * H * W;
  rt.reset();
  const pX = rt.alloc(xs * 4);
  const pXp = rt.alloc((Cg * plane + tail) * 4);
  rt.exports.wgZero(pXp, Cg * plane + tail);
  return { Kg, Wp, plane, P: oh * ow, xs, rowsPer, maxLen: rowsPer * Wp, pX, pXp };
}

/** y = conv2d(x, w) + b, stride 1, float32. See convStride1Ref for the layouts. */
export function convStride1Wasm(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  geom: Stride1Geometry,
): void {
  const { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow } = geom;
  const e = rt.exports;
  const { Kg, Wp, plane, P, xs, rowsPer, maxLen, pX, pXp } = stride1Plan(rt, geom);
  const pA = rt.alloc(Og * Kg * 4);
  const pBp = rt.alloc(Math.ceil(maxLen / NR) * Kg * NR * 4);
  const pC = rt.alloc(Og * maxLen * 4);
  const pAp = rt.alloc(MC * KC * 4);
  const pY = rt.alloc(Og * P * 4);
  const pB = rt.alloc(Math.max(Og, 1) * 4);
  const f = rt.f32;
  if (b === null) e.wgZero(pB, Math.max(Og, 1));
  for (let gi = 0; gi < G; gi++) {
    f.set(w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg), pA >> 2);
    if (b !== null) f.set(b.subarray(gi * Og, (gi + 1) * Og), pB >> 2);
    for (let n = 0; n < N; n++) {
      const src = (n * G + gi) * xs;
      f.set(x.subarray(src, src + xs), pX >> 2);
      e.convPadPlanesF32(pX, Cg, H, W, pXp, Wp, plane, ph * Wp + pw);
      for (let r0 = 0; r0 < oh; r0 += rowsPer) {
        const rows = Math.min(rowsPer, oh - r0);
        const len = rows * Wp;
        e.convPackBF32(pXp, pBp, Cg, kh, kw, dh, dw, Wp, plane, r0 * Wp, len);
        e.gemmRows(pA, Kg, pBp, pC, Og, len, Kg, 0, pAp);
        e.convUnpadRowsF32(pC, Og, rows, Wp, ow, pY, P, r0, pB, 1);
      }
      const dst = (n * G + gi) * Og * P;
      y.set(f.subarray(pY >> 2, (pY >> 2) + Og * P), dst);
    }
  }
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link convStride1Wasm} (overwritten), float32:
 * per block of output rows, gw[m][k] += Σ_j gy[m][j]·B[k][j] with gy in padded rows (zero past ow)
 * and Bᵀ packed from the padded input planes; gw accumulates in the arena over all images.
 */
export function convStride1WeightGradWasm(
  rt: WasmRuntime,
  x: Float32Array,
  gy: Float32Array,
  gw: Float32Array,
  geom: Stride1Geometry,
): void {
  const { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow } = geom;
  const e = rt.exports;
  const { Kg, Wp, plane, P, xs, rowsPer, maxLen, pX, pXp } = stride1Plan(rt, geom);
  const pG = rt.alloc(Og * P * 4);
  const pGp = rt.alloc(Og * oh * Wp * 4);
  const pBp = rt.alloc(Math.ceil(Kg / NR) * maxLen * NR * 4);
  const pC = rt.alloc(Og * Kg * 4);
  const pAp = rt.alloc(MC * KC * 4);
  const f = rt.f32;
  e.wgZero(pGp, Og * oh * Wp);
  for (let gi = 0; gi < G; gi++) {
    e.wgZero(pC, Og * Kg);
    for (let n = 0; n < N; n++) {
      const sx = (n * G + gi) * xs;
      f.set(x.subarray(sx, sx + xs), pX >> 2);
      e.convPadPlanesF32(pX, Cg, H, W, pXp, Wp, plane, ph * Wp + pw);
      const sy = (n * G + gi) * Og * P;
      f.set(gy.subarray(sy, sy + Og * P), pG >> 2);
      e.convPadPlanesF32(pG, Og, oh, ow, pGp, Wp, oh * Wp, 0);
      for (let r0 = 0; r0 < oh; r0 += rowsPer) {
        const len = Math.min(rowsPer, oh - r0) * Wp;
        e.convPackBTF32(pXp, pBp, Cg, kh, kw, dh, dw, Wp, plane, r0 * Wp, len);
        e.gemmRows(pGp + r0 * Wp * 4, oh * Wp, pBp, pC, Og, Kg, len, 1, pAp);
      }
    }
    gw.set(f.subarray(pC >> 2, (pC >> 2) + Og * Kg), gi * Og * Kg);
  }
}
