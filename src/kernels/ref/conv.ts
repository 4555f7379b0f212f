/**
 * Reference (plain TypeScript) stride-1 2-D convolution, the twin of the fused WASM path in
 * src/kernels/wasm/assembly/conv.ts (padded planes, B panels packed from them, one GEMM per block of
 * output rows). Direct sums in float64.
 *
 * Layouts: x [N, G·Cg, H, W], w [G·Og, Cg, kh, kw], y [N, G·Og, oh, ow]; `ph`, `pw` are the zero
 * padding before each axis (the padding after is implied by oh, ow), dh, dw the dilations.
 */
import type { FloatArray } from "./linalg.js";
import type { WinogradGeometry } from "./winograd.js";

/** Shape of a stride-1 2-D convolution: the Winograd record plus the kernel size and dilation. */
export interface Stride1Geometry extends WinogradGeometry {
  kh: number;
  kw: number;
  dh: number;
  dw: number;
}

/** y = conv2d(x, w) + b, stride 1 (b may be null). */
export function convStride1Ref(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  y: FloatArray,
  geom: Stride1Geometry,
): void {
  const { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow } = geom;
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      for (let m = 0; m < Og; m++) {
        const o = gi * Og + m;
        const yOff = ((n * G + gi) * Og + m) * oh * ow;
        for (let i = 0; i < oh; i++) {
          for (let j = 0; j < ow; j++) {
            let s = b === null ? 0 : b[o]!;
            for (let c = 0; c < Cg; c++) {
              const xOff = ((n * G + gi) * Cg + c) * H * W;
              const wOff = (o * Cg + c) * kh * kw;
              for (let a = 0; a < kh; a++) {
                const r = i + a * dh - ph;
                if (r < 0 || r >= H) continue;
                for (let e = 0; e < kw; e++) {
                  const q = j + e * dw - pw;
                  if (q < 0 || q >= W) continue;
                  s += w[wOff + a * kw + e]! * x[xOff + r * W + q]!;
                }
              }
            }
            y[yOff + i * ow + j] = s;
          }
        }
      }
    }
  }
}

/** gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link convStride1Ref} (gw overwritten). */
export function convStride1WeightGradRef(x: FloatArray, gy: FloatArray, gw: FloatArray, geom: Stride1Geometry): void {
  const { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow } = geom;
  for (let o = 0; o < G * Og; o++) {
    const gi = Math.floor(o / Og);
    for (let c = 0; c < Cg; c++) {
      for (let a = 0; a < kh; a++) {
        for (let e = 0; e < kw; e++) {
          let s = 0;
          for (let n = 0; n < N; n++) {
            const xOff = ((n * G + gi) * Cg + c) * H * W;
            const yOff = (n * G * Og + o) * oh * ow;
            for (let i = 0; i < oh; i++) {
              const r = i + a * dh - ph;
              if (r < 0 || r >= H) continue;
              for (let j = 0; j < ow; j++) {
                const q = j + e * dw - pw;
                if (q < 0 || q >= W) continue;
                s += gy[yOff + i * ow + j]! * x[xOff + r * W + q]!;
              }
            }
          }
          gw[((o * Cg + c) * kh + a) * kw + e] = s;
        }
      }
    }
  }
}
