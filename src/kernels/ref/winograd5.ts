/**
 * Reference (plain TypeScript) Winograd F(2×2, 5×5) convolution for 5×5, stride-1, undilated 2-D
 * convolutions, the twin of `wg5InputF32` / `wg5KernelF32` / `wg5OutputF32` in
 * src/kernels/wasm/assembly/winograd.ts (Lavin & Gray, CVPR 2016).
 *
 * Each 2×2 output tile is Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A for the 6×6 input tile d (tiles overlap by 4):
 * 36 products per tile and channel pair instead of 100. The points are those of F(4×4, 3×3)
 * (0, ±1, ±2, ∞), so Bᵀ is shared ({@link WINOGRAD_BT}); G is 6×5 and Aᵀ 2×6. The arithmetic is
 * float64 here, stored in the output's dtype.
 *
 * Layouts: x [N, G·Cg, H, W], y [N, G·Og, oh, ow], w [G·Og, Cg, 5, 5]; `ph`, `pw` are the zero padding
 * before each axis (the padding after is implied by oh, ow).
 */
import type { FloatArray } from "./linalg.js";
import { WINOGRAD_BT, type WinogradGeometry } from "./winograd.js";

/** G (6×5), row-major: s·(1, x, x², x³, x⁴) for x = 0, 1, −1, 2, −2 (s = 1/4, −1/6, −1/6, 1/24, 1/24), then ∞. */
export const WINOGRAD5_G: readonly number[] = (() => {
  const g: number[] = [];
  const pts = [0, 1, -1, 2, -2];
  const sc = [1 / 4, -1 / 6, -1 / 6, 1 / 24, 1 / 24];
  pts.forEach((x, i) => {
    for (let k = 0; k < 5; k++) g.push(sc[i]! * x ** k);
  });
  g.push(0, 0, 0, 0, 1);
  return g;
})();

/** Aᵀ (2×6), row-major. */
export const WINOGRAD5_AT: readonly number[] = [1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 1];

/** out (r×c2) = L (r×k) · X (k×c) · Rᵀ (c2×c, so Rᵀ is c×c2), small row-major matrices. */
function sandwich(
  L: readonly number[],
  r: number,
  k: number,
  X: ArrayLike<number>,
  c: number,
  R: readonly number[],
  c2: number,
  out: Float64Array,
): void {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += L[i * k + q]! * X[q * c + j]!;
      t[i * c + j] = s;
    }
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c2; j++) {
      let s = 0;
      for (let q = 0; q < c; q++) s += t[i * c + q]! * R[j * c + q]!;
      out[i * c2 + j] = s;
    }
}

/** U[(m·Cg + c)·36 + ξ] = (G·w[m, c]·Gᵀ)[ξ] for the Og·Cg 5×5 kernels of one group (float64). */
export function winograd5KernelTransform(w: FloatArray, off: number, Og: number, Cg: number): Float64Array {
  const U = new Float64Array(Og * Cg * 36);
  const out = new Float64Array(36);
  for (let k = 0; k < Og * Cg; k++) {
    sandwich(WINOGRAD5_G, 6, 5, w.subarray(off + k * 25, off + (k + 1) * 25), 5, WINOGRAD5_G, 6, out);
    U.set(out, k * 36);
  }
  return U;
}

/** y = conv2d(x, w) + b (5×5, stride 1) by F(2×2, 5×5), b may be null. */
export function winograd5ConvRef(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  y: FloatArray,
  geom: WinogradGeometry,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const th = Math.ceil(oh / 2);
  const tw = Math.ceil(ow / 2);
  const d = new Float64Array(36);
  const V = new Float64Array(Cg * 36);
  const Mt = new Float64Array(36);
  const Y = new Float64Array(4);
  for (let gi = 0; gi < G; gi++) {
    const U = winograd5KernelTransform(w, gi * Og * Cg * 25, Og, Cg);
    for (let n = 0; n < N; n++) {
      const xOff = (n * G + gi) * Cg * H * W;
      const yOff = (n * G + gi) * Og * oh * ow;
      for (let ty = 0; ty < th; ty++) {
        for (let tx = 0; tx < tw; tx++) {
          for (let c = 0; c < Cg; c++) {
            for (let i = 0; i < 6; i++) {
              const iy = 2 * ty + i - ph;
              for (let j = 0; j < 6; j++) {
                const ix = 2 * tx + j - pw;
                d[i * 6 + j] = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[xOff + (c * H + iy) * W + ix]! : 0;
              }
            }
            const v = V.subarray(c * 36, (c + 1) * 36);
            sandwich(WINOGRAD_BT, 6, 6, d, 6, WINOGRAD_BT, 6, v);
          }
          for (let m = 0; m < Og; m++) {
            Mt.fill(0);
            for (let c = 0; c < Cg; c++) {
              const u = (m * Cg + c) * 36;
              for (let q = 0; q < 36; q++) Mt[q]! += U[u + q]! * V[c * 36 + q]!;
            }
            sandwich(WINOGRAD5_AT, 2, 6, Mt, 6, WINOGRAD5_AT, 2, Y);
            const bv = b === null ? 0 : b[gi * Og + m]!;
            for (let i = 0; i < 2; i++) {
              const oy = 2 * ty + i;
              if (oy >= oh) continue;
              for (let j = 0; j < 2; j++) {
                const ox = 2 * tx + j;
                if (ox < ow) y[yOff + (m * oh + oy) * ow + ox] = Y[i * 2 + j]! + bv;
              }
            }
          }
        }
      }
    }
  }
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link winograd5ConvRef} (overwritten), by the
 * transposition principle: gw[m, c] = Gᵀ[Σ_tiles (A·gy·Aᵀ) ⊙ (Bᵀ·d·B)]G, with the 2×2 tiles of gy
 * (zero past the output's edge).
 */
export function winograd5WeightGradRef(x: FloatArray, gy: FloatArray, gw: FloatArray, geom: WinogradGeometry): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const th = Math.ceil(oh / 2);
  const tw = Math.ceil(ow / 2);
  const d = new Float64Array(36);
  const V = new Float64Array(Cg * 36);
  const gt = new Float64Array(4);
  const Y = new Float64Array(36);
  const out = new Float64Array(25);
  // A (6×2) = (Aᵀ)ᵀ and Gᵀ (5×6), row-major
  const A: number[] = [];
  for (let i = 0; i < 6; i++) A.push(WINOGRAD5_AT[i]!, WINOGRAD5_AT[6 + i]!);
  const GT: number[] = [];
  for (let k = 0; k < 5; k++) for (let i = 0; i < 6; i++) GT.push(WINOGRAD5_G[i * 5 + k]!);
  for (let gi = 0; gi < G; gi++) {
    const S = new Float64Array(Og * Cg * 36);
    for (let n = 0; n < N; n++) {
      const xOff = (n * G + gi) * Cg * H * W;
      const yOff = (n * G + gi) * Og * oh * ow;
      for (let ty = 0; ty < th; ty++) {
        for (let tx = 0; tx < tw; tx++) {
          for (let c = 0; c < Cg; c++) {
            for (let i = 0; i < 6; i++) {
              const iy = 2 * ty + i - ph;
              for (let j = 0; j < 6; j++) {
                const ix = 2 * tx + j - pw;
                d[i * 6 + j] = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[xOff + (c * H + iy) * W + ix]! : 0;
              }
            }
            sandwich(WINOGRAD_BT, 6, 6, d, 6, WINOGRAD_BT, 6, V.subarray(c * 36, (c + 1) * 36));
          }
          for (let m = 0; m < Og; m++) {
            for (let i = 0; i < 2; i++)
              for (let j = 0; j < 2; j++) {
                const oy = 2 * ty + i;
                const ox = 2 * tx + j;
                gt[i * 2 + j] = oy < oh && ox < ow ? gy[yOff + (m * oh + oy) * ow + ox]! : 0;
              }
            sandwich(A, 6, 2, gt, 2, A, 6, Y);
            for (let c = 0; c < Cg; c++) {
              const s = (m * Cg + c) * 36;
              for (let q = 0; q < 36; q++) S[s + q]! += Y[q]! * V[c * 36 + q]!;
            }
          }
        }
      }
    }
    for (let k = 0; k < Og * Cg; k++) {
      sandwich(GT, 5, 6, S.subarray(k * 36, (k + 1) * 36), 6, GT, 5, out);
      for (let t = 0; t < 25; t++) gw[(gi * Og * Cg + k) * 25 + t] = out[t]!;
    }
  }
}
