/**
 * Reference (plain TypeScript) Winograd F(4×4, 3×3) kernels for 3×3, stride-1, undilated 2-D
 * convolutions (Lavin & Gray, CVPR 2016), the twins of src/kernels/wasm/assembly/winograd.ts.
 *
 * Each 4×4 output tile is Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A for the 6×6 input tile d (tiles overlap by 2),
 * with the interpolation points 0, ±1, ±2, ∞: 36 products per tile and channel pair instead of 144.
 * The weight gradient uses the same input transform: by the transposition principle,
 * gw = Gᵀ[Σ_tiles (A·gy·Aᵀ) ⊙ (Bᵀ·d·B)]G for the 4×4 tiles of gy (zero past the output's edge).
 *
 * Layouts: x [N, G·Cg, H, W], y / gy [N, G·Og, oh, ow], w / gw [G·Og, Cg, 3, 3]; `ph`, `pw` are the
 * zero padding before each axis (the padding after is implied by oh, ow).
 */
import type { FloatArray } from "./linalg.js";

/** Bᵀ (6×6), row-major. */
export const WINOGRAD_BT: readonly number[] = [
  4, 0, -5, 0, 1, 0, 0, -4, -4, 1, 1, 0, 0, 4, -4, -1, 1, 0, 0, -2, -1, 2, 1, 0, 0, 2, -1, -2, 1, 0, 0, 4, 0, -5, 0, 1,
];
/** G (6×3), row-major. */
export const WINOGRAD_G: readonly number[] = [
  1 / 4,
  0,
  0,
  -1 / 6,
  -1 / 6,
  -1 / 6,
  -1 / 6,
  1 / 6,
  -1 / 6,
  1 / 24,
  1 / 12,
  1 / 6,
  1 / 24,
  -1 / 12,
  1 / 6,
  0,
  0,
  1,
];
/** Aᵀ (4×6), row-major. */
export const WINOGRAD_AT: readonly number[] = [
  1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1,
];

/** out (r×c2) = L (r×k) · X (k×c) · Rᵀ (c×c2) for small row-major matrices (R is c2×c). */
const sandwichScratch = new Float64Array(36);

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
  const t = sandwichScratch;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += L[i * k + q]! * X[q * c + j]!;
      t[i * c + j] = s;
    }
  }
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c2; j++) {
      let s = 0;
      for (let q = 0; q < c; q++) s += t[i * c + q]! * R[j * c + q]!;
      out[i * c2 + j] = s;
    }
  }
}

/** Rows padded to a multiple of 4 (the WASM GEMM works on 4 output channels at once). */
export const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * U[gi][ξ][m][c] = (G·w[gi·Og + m, c]·Gᵀ)[ξ] for the 36 positions ξ of the 6×6 transformed tile, with
 * `Ogp` ≥ Og rows per position (the rows past Og are zero). Twin of the WASM kernel wgKernelF32 (the
 * same float64 arithmetic, so the same float32 results), which also writes the transposed layout of the
 * input gradient's products.
 */
export function winogradKernelTransform(
  w: FloatArray,
  G: number,
  Og: number,
  Cg: number,
  Ogp: number,
  f64 = false,
): FloatArray {
  const U = f64 ? new Float64Array(G * 36 * Ogp * Cg) : new Float32Array(G * 36 * Ogp * Cg);
  const t = new Float64Array(18);
  const st = Ogp * Cg;
  for (let gi = 0; gi < G; gi++) {
    for (let m = 0; m < Og; m++) {
      for (let c = 0; c < Cg; c++) {
        const o = ((gi * Og + m) * Cg + c) * 9;
        // t = G·g (6×3), column by column
        for (let j = 0; j < 3; j++) gColumn(w[o + j]!, w[o + 3 + j]!, w[o + 6 + j]!, t, j, 3);
        // U = t·Gᵀ, row by row: U[i][·] = G·t[i][·]
        const base = gi * 36 * st + m * Cg + c;
        for (let i = 0; i < 6; i++) {
          const a = t[3 * i]!;
          const b = t[3 * i + 1]!;
          const e = t[3 * i + 2]!;
          const r = base + 6 * i * st;
          const s1 = a + e;
          U[r] = a / 4;
          U[r + st] = -(s1 + b) / 6;
          U[r + 2 * st] = -(s1 - b) / 6;
          U[r + 3 * st] = a / 24 + b / 12 + e / 6;
          U[r + 4 * st] = a / 24 - b / 12 + e / 6;
          U[r + 5 * st] = e;
        }
      }
    }
  }
  return U;
}

/** out[k·stride + j] for k = 0..5 ← G·(g0, g1, g2). */
function gColumn(g0: number, g1: number, g2: number, out: Float64Array, j: number, stride: number): void {
  const s1 = g0 + g2;
  out[j] = g0 / 4;
  out[stride + j] = -(s1 + g1) / 6;
  out[2 * stride + j] = -(s1 - g1) / 6;
  out[3 * stride + j] = g0 / 24 + g1 / 12 + g2 / 6;
  out[4 * stride + j] = g0 / 24 - g1 / 12 + g2 / 6;
  out[5 * stride + j] = g2;
}

/** Gᵀ·(s0..s5) (3 values) into out[0], out[stride], out[2·stride] from offset `o`. */
function gtVector(
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  s4: number,
  s5: number,
  out: Float64Array,
  o: number,
  stride: number,
): void {
  out[o] = s0 / 4 - (s1 + s2) / 6 + (s3 + s4) / 24;
  out[o + stride] = (s2 - s1) / 6 + (s3 - s4) / 12;
  out[o + 2 * stride] = (s3 + s4 - s1 - s2) / 6 + s5;
}

/** gw[gi·Og + m, c] = Gᵀ·S[gi][·][m][c]·G for the transformed-domain sums S[gi][ξ][m (Ogp)][c (Cgp)]. */
export function winogradWeightGradFinish(
  S: ArrayLike<number>,
  G: number,
  Og: number,
  Cg: number,
  Ogp: number,
  Cgp: number,
  gw: FloatArray,
): void {
  const st = Ogp * Cgp;
  const t = new Float64Array(18);
  const out = new Float64Array(9);
  for (let gi = 0; gi < G; gi++) {
    for (let m = 0; m < Og; m++) {
      for (let c = 0; c < Cg; c++) {
        const b = gi * 36 * st + m * Cgp + c;
        // t (3×6) = Gᵀ·S: column j of S is S[(6i + j)] over i
        for (let j = 0; j < 6; j++) {
          const q = b + j * st;
          gtVector(S[q]!, S[q + 6 * st]!, S[q + 12 * st]!, S[q + 18 * st]!, S[q + 24 * st]!, S[q + 30 * st]!, t, j, 6);
        }
        // gw = t·G: row a of gw = Gᵀ·t[a][·]
        for (let a = 0; a < 3; a++) {
          const r = 6 * a;
          gtVector(t[r]!, t[r + 1]!, t[r + 2]!, t[r + 3]!, t[r + 4]!, t[r + 5]!, out, 3 * a, 1);
        }
        const d = ((gi * Og + m) * Cg + c) * 9;
        for (let q = 0; q < 9; q++) gw[d + q] = out[q]!;
      }
    }
  }
}

/** The 6×6 input tile of plane `p` (offset `off`, H×W) whose top-left output is (4ty, 4tx), zero outside. */
function inputTile(
  x: FloatArray,
  off: number,
  H: number,
  W: number,
  ph: number,
  pw: number,
  ty: number,
  tx: number,
  d: Float64Array,
): void {
  for (let i = 0; i < 6; i++) {
    const r = 4 * ty + i - ph;
    for (let j = 0; j < 6; j++) {
      const cc = 4 * tx + j - pw;
      d[i * 6 + j] = r >= 0 && r < H && cc >= 0 && cc < W ? x[off + r * W + cc]! : 0;
    }
  }
}

/**
 * The geometry of a 3×3, stride-1 Winograd convolution: N images, G groups of Cg input and Og output
 * channels, input H×W, output oh×ow, zero padding (ph, pw). One record for every Winograd kernel.
 */
export interface WinogradGeometry {
  N: number;
  G: number;
  Cg: number;
  Og: number;
  H: number;
  W: number;
  oh: number;
  ow: number;
  ph: number;
  pw: number;
}

/**
 * y = conv2d(x, w) + b for a 3×3 kernel, stride 1, zero padding (ph, pw), `G` groups of Cg input and
 * Og output channels, by Winograd F(4×4, 3×3). `b` may be null.
 */
export function winogradConv3x3Ref(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  y: FloatArray,
  geom: WinogradGeometry,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const U = winogradKernelTransform(w, G, Og, Cg, Og, w instanceof Float64Array);
  const th = Math.ceil(oh / 4);
  const tw = Math.ceil(ow / 4);
  const T = th * tw;
  const V = new Float64Array(36 * Cg * T);
  const d = new Float64Array(36);
  const v = new Float64Array(36);
  const acc = new Float64Array(36);
  const o16 = new Float64Array(16);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      for (let c = 0; c < Cg; c++) {
        const off = (n * G * Cg + gi * Cg + c) * H * W;
        for (let ty = 0; ty < th; ty++) {
          for (let tx = 0; tx < tw; tx++) {
            inputTile(x, off, H, W, ph, pw, ty, tx, d);
            sandwich(WINOGRAD_BT, 6, 6, d, 6, WINOGRAD_BT, 6, v);
            for (let xi = 0; xi < 36; xi++) V[(xi * Cg + c) * T + ty * tw + tx] = v[xi]!;
          }
        }
      }
      for (let m = 0; m < Og; m++) {
        const bv = b === null ? 0 : b[gi * Og + m]!;
        const yOff = (n * G * Og + gi * Og + m) * oh * ow;
        for (let t = 0; t < T; t++) {
          acc.fill(0);
          for (let xi = 0; xi < 36; xi++) {
            const u = (gi * 36 + xi) * Og * Cg + m * Cg;
            let s = 0;
            for (let c = 0; c < Cg; c++) s += U[u + c]! * V[(xi * Cg + c) * T + t]!;
            acc[xi] = s;
          }
          sandwich(WINOGRAD_AT, 4, 6, acc, 6, WINOGRAD_AT, 4, o16);
          const ty = Math.floor(t / tw);
          const tx = t - ty * tw;
          for (let a = 0; a < 4; a++) {
            const r = 4 * ty + a;
            if (r >= oh) break;
            for (let e = 0; e < 4; e++) {
              const cc = 4 * tx + e;
              if (cc >= ow) break;
              y[yOff + r * ow + cc] = o16[a * 4 + e]! + bv;
            }
          }
        }
      }
    }
  }
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link winogradConv3x3Ref}, by the F(4×4, 3×3)
 * transforms (transposition principle). Overwrites gw; when `gb` ([G·Og]) is given, also overwrites
 * it with the bias gradient Σ gy over images and positions.
 */
export function winogradWeightGrad3x3Ref(
  x: FloatArray,
  gy: FloatArray,
  gw: FloatArray,
  geom: WinogradGeometry,
  gb: FloatArray | null = null,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const th = Math.ceil(oh / 4);
  const tw = Math.ceil(ow / 4);
  const T = th * tw;
  const S = new Float64Array(G * 36 * Og * Cg);
  const V = new Float64Array(36 * Cg * T);
  const Y = new Float64Array(36 * Og * T);
  const d = new Float64Array(36);
  const v = new Float64Array(36);
  const g16 = new Float64Array(16);
  // A (6×4) = (Aᵀ)ᵀ
  const A: number[] = [];
  for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) A.push(WINOGRAD_AT[j * 6 + i]!);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      for (let c = 0; c < Cg; c++) {
        const off = (n * G * Cg + gi * Cg + c) * H * W;
        for (let t = 0; t < T; t++) {
          const ty = Math.floor(t / tw);
          inputTile(x, off, H, W, ph, pw, ty, t - ty * tw, d);
          sandwich(WINOGRAD_BT, 6, 6, d, 6, WINOGRAD_BT, 6, v);
          for (let xi = 0; xi < 36; xi++) V[(xi * Cg + c) * T + t] = v[xi]!;
        }
      }
      for (let m = 0; m < Og; m++) {
        const off = (n * G * Og + gi * Og + m) * oh * ow;
        for (let t = 0; t < T; t++) {
          const ty = Math.floor(t / tw);
          const tx = t - ty * tw;
          for (let a = 0; a < 4; a++) {
            for (let e = 0; e < 4; e++) {
              const r = 4 * ty + a;
              const cc = 4 * tx + e;
              g16[a * 4 + e] = r < oh && cc < ow ? gy[off + r * ow + cc]! : 0;
            }
          }
          sandwich(A, 6, 4, g16, 4, A, 6, v);
          for (let xi = 0; xi < 36; xi++) Y[(xi * Og + m) * T + t] = v[xi]!;
        }
      }
      for (let xi = 0; xi < 36; xi++) {
        for (let m = 0; m < Og; m++) {
          for (let c = 0; c < Cg; c++) {
            let s = 0;
            const ya = (xi * Og + m) * T;
            const va = (xi * Cg + c) * T;
            for (let t = 0; t < T; t++) s += Y[ya + t]! * V[va + t]!;
            S[((gi * 36 + xi) * Og + m) * Cg + c]! += s;
          }
        }
      }
    }
  }
  winogradWeightGradFinish(S, G, Og, Cg, Og, Cg, gw);
  if (gb !== null) channelSumRef(gy, gb, N, G * Og, oh * ow);
}

/**
 * The backward of {@link winogradConv3x3Ref} in one call (the twin of the fused WASM pass): overwrites
 * each of gx [N, G·Cg, H, W] (direct sums of the transposed convolution, in float64), gw [G·Og, Cg, 3, 3]
 * and gb [G·Og] (as {@link winogradWeightGrad3x3Ref}) that is not null.
 */
export function winogradBackward3x3Ref(
  x: FloatArray,
  w: FloatArray,
  gy: FloatArray,
  gx: FloatArray | null,
  gw: FloatArray | null,
  gb: FloatArray | null,
  geom: WinogradGeometry,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  if (gw !== null) winogradWeightGrad3x3Ref(x, gy, gw, geom, gb);
  else if (gb !== null) channelSumRef(gy, gb, N, G * Og, oh * ow);
  if (gx === null) return;
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      for (let c = 0; c < Cg; c++) {
        const xOff = ((n * G + gi) * Cg + c) * H * W;
        for (let r = 0; r < H; r++) {
          for (let q = 0; q < W; q++) {
            let s = 0;
            for (let m = 0; m < Og; m++) {
              const wOff = ((gi * Og + m) * Cg + c) * 9;
              const yOff = ((n * G + gi) * Og + m) * oh * ow;
              for (let a = 0; a < 3; a++) {
                const i = r + ph - a;
                if (i < 0 || i >= oh) continue;
                for (let e = 0; e < 3; e++) {
                  const j = q + pw - e;
                  if (j >= 0 && j < ow) s += w[wOff + a * 3 + e]! * gy[yOff + i * ow + j]!;
                }
              }
            }
            gx[xOff + r * W + q] = s;
          }
        }
      }
    }
  }
}

/** gb[c] = Σ over images n and positions p of gy[n, c, p] (gy [N, C, P]), accumulated in float64. */
export function channelSumRef(gy: FloatArray, gb: FloatArray, N: number, C: number, P: number): void {
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * P;
      for (let i = 0; i < P; i++) s += gy[o + i]!;
    }
    gb[c] = s;
  }
}
