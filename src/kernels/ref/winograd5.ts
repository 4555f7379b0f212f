/**
 * Reference (plain TypeScript) Winograd F(4×4, 5×5) convolution for 5×5, stride-1, undilated 2-D
 * convolutions, the twin of `wg5InputF32` / `wg5KernelF32` / `wg5OutputF32` in
 * src/kernels/wasm/assembly/winograd5.ts (Lavin & Gray, CVPR 2016).
 *
 * Each 4×4 output tile is Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A for the 8×8 input tile d (tiles overlap by 4):
 * 64 products per tile and channel pair instead of 400. The points are 0, 1, −1, 2, −2, 1/2, −1/2 and
 * ∞ (those of NNPACK's F(6×6, 3×3), which has the same 8×8 Bᵀ); G is 8×5 and Aᵀ 4×8. The arithmetic is
 * float64 here, stored in the output's dtype.
 *
 * Layouts: x [N, G·Cg, H, W], y [N, G·Og, oh, ow], w [G·Og, Cg, 5, 5]; `ph`, `pw` are the zero padding
 * before each axis (the padding after is implied by oh, ow).
 */
import { type FloatArray, gatheredMatmulGradRef, gatheredMatmulRef } from "./linalg.js";
import type { WinogradGeometry } from "./winograd.js";

/** Side of the output tile (m) and of the transformed tile (n = m + 4). */
export const WINOGRAD5_M = 4;
const WG5_N = 8;

/** The finite points, in the order of ξ (∞ is the last). */
const WG5_POINTS = [0, 1, -1, 2, -2, 0.5, -0.5];

/**
 * Bᵀ (8×8), row-major: rows are the coefficients (x⁰ … x⁷) of M(x)/(x − a) for the finite points a,
 * M(x) = ∏(x − a) = x(x² − 1)(x² − 4)(x² − 1/4), then of M itself; row 0's sign is flipped (and G's).
 */
export const WINOGRAD5_BT: readonly number[] = [
  1, 0, -5.25, 0, 5.25, 0, -1, 0, 0, 1, 1, -4.25, -4.25, 1, 1, 0, 0, -1, 1, 4.25, -4.25, -1, 1, 0, 0, 0.5, 0.25, -2.5,
  -1.25, 2, 1, 0, 0, -0.5, 0.25, 2.5, -1.25, -2, 1, 0, 0, 2, 4, -2.5, -5, 0.5, 1, 0, 0, -2, 4, 2.5, -5, -0.5, 1, 0, 0,
  -1, 0, 5.25, 0, -5.25, 0, 1,
];

/** G (8×5), row-major: f(a)·(1, a, …, a⁴) with f(a) = 1/∏_{b≠a}(a − b) (row 0: +1), then ∞: (0, 0, 0, 0, 1). */
export const WINOGRAD5_G: readonly number[] = (() => {
  const g: number[] = [];
  WG5_POINTS.forEach((a, i) => {
    let den = 1;
    WG5_POINTS.forEach((b, j) => {
      if (j !== i) den *= a - b;
    });
    const f = i === 0 ? 1 : 1 / den;
    for (let k = 0; k < 5; k++) g.push(f * a ** k);
  });
  g.push(0, 0, 0, 0, 1);
  return g;
})();

/** Aᵀ (4×8), row-major: columns (1, a, a², a³) for the finite points, then (0, 0, 0, 1). */
export const WINOGRAD5_AT: readonly number[] = (() => {
  const at: number[] = [];
  for (let k = 0; k < 4; k++) at.push(...WG5_POINTS.map((a) => a ** k), k === 3 ? 1 : 0);
  return at;
})();

const N8 = WG5_N;
const M4 = WINOGRAD5_M;
/** Positions ξ of the transformed tile. */
const XI = N8 * N8;

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

/** U[(m·Cg + c)·64 + ξ] = (G·w[m, c]·Gᵀ)[ξ] for the Og·Cg 5×5 kernels of one group (float64). */
export function winograd5KernelTransform(w: FloatArray, off: number, Og: number, Cg: number): Float64Array {
  const U = new Float64Array(Og * Cg * XI);
  const out = new Float64Array(XI);
  for (let k = 0; k < Og * Cg; k++) {
    sandwich(WINOGRAD5_G, N8, 5, w.subarray(off + k * 25, off + (k + 1) * 25), 5, WINOGRAD5_G, N8, out);
    U.set(out, k * XI);
  }
  return U;
}

/** d (8×8) = the input tile at (m·ty, m·tx) of channel plane `off` of x, zero outside the image. */
function inputTile(x: FloatArray, off: number, H: number, W: number, y0: number, x0: number, d: Float64Array): void {
  for (let i = 0; i < N8; i++) {
    const iy = y0 + i;
    for (let j = 0; j < N8; j++) {
      const ix = x0 + j;
      d[i * N8 + j] = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[off + iy * W + ix]! : 0;
    }
  }
}

/**
 * y = conv2d(x, w) + b (5×5, stride 1) by F(4×4, 5×5), b may be null. With `flipped`, w holds the kernels
 * [G·Cg, Og, 5, 5] of the convolution whose input gradient this is (kernel (m, c) is w[c, m] with both
 * kernel axes reversed).
 */
export function winograd5ConvRef(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  y: FloatArray,
  geom: WinogradGeometry,
  flipped = false,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  if (flipped) {
    const wf = new Float64Array(w.length);
    for (let gi = 0; gi < G; gi++)
      for (let m = 0; m < Og; m++)
        for (let c = 0; c < Cg; c++)
          for (let t = 0; t < 25; t++)
            wf[((gi * Og + m) * Cg + c) * 25 + t] = w[((gi * Cg + c) * Og + m) * 25 + 24 - t]!;
    winograd5ConvRef(x, wf, b, y, geom);
    return;
  }
  const th = Math.ceil(oh / M4);
  const tw = Math.ceil(ow / M4);
  const d = new Float64Array(XI);
  const V = new Float64Array(Cg * XI);
  const Mt = new Float64Array(XI);
  const Y = new Float64Array(M4 * M4);
  for (let gi = 0; gi < G; gi++) {
    const U = winograd5KernelTransform(w, gi * Og * Cg * 25, Og, Cg);
    for (let n = 0; n < N; n++) {
      const xOff = (n * G + gi) * Cg * H * W;
      const yOff = (n * G + gi) * Og * oh * ow;
      for (let ty = 0; ty < th; ty++) {
        for (let tx = 0; tx < tw; tx++) {
          for (let c = 0; c < Cg; c++) {
            inputTile(x, xOff + c * H * W, H, W, M4 * ty - ph, M4 * tx - pw, d);
            sandwich(WINOGRAD5_BT, N8, N8, d, N8, WINOGRAD5_BT, N8, V.subarray(c * XI, (c + 1) * XI));
          }
          for (let m = 0; m < Og; m++) {
            Mt.fill(0);
            for (let c = 0; c < Cg; c++) {
              const u = (m * Cg + c) * XI;
              for (let q = 0; q < XI; q++) Mt[q]! += U[u + q]! * V[c * XI + q]!;
            }
            sandwich(WINOGRAD5_AT, M4, N8, Mt, N8, WINOGRAD5_AT, M4, Y);
            const bv = b === null ? 0 : b[gi * Og + m]!;
            for (let i = 0; i < M4; i++) {
              const oy = M4 * ty + i;
              if (oy >= oh) continue;
              for (let j = 0; j < M4; j++) {
                const ox = M4 * tx + j;
                if (ox < ow) y[yOff + (m * oh + oy) * ow + ox] = Y[i * M4 + j]! + bv;
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
 * transposition principle: gw[m, c] = Gᵀ[Σ_tiles (A·gy·Aᵀ) ⊙ (Bᵀ·d·B)]G, with the 4×4 tiles of gy
 * (zero past the output's edge).
 */
export function winograd5WeightGradRef(x: FloatArray, gy: FloatArray, gw: FloatArray, geom: WinogradGeometry): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const th = Math.ceil(oh / M4);
  const tw = Math.ceil(ow / M4);
  const d = new Float64Array(XI);
  const V = new Float64Array(Cg * XI);
  const gt = new Float64Array(M4 * M4);
  const Y = new Float64Array(XI);
  const out = new Float64Array(25);
  // A (8×4) = (Aᵀ)ᵀ and Gᵀ (5×8), row-major
  const A: number[] = [];
  for (let i = 0; i < N8; i++) for (let k = 0; k < M4; k++) A.push(WINOGRAD5_AT[k * N8 + i]!);
  const GT: number[] = [];
  for (let k = 0; k < 5; k++) for (let i = 0; i < N8; i++) GT.push(WINOGRAD5_G[i * 5 + k]!);
  for (let gi = 0; gi < G; gi++) {
    const S = new Float64Array(Og * Cg * XI);
    for (let n = 0; n < N; n++) {
      const xOff = (n * G + gi) * Cg * H * W;
      const yOff = (n * G + gi) * Og * oh * ow;
      for (let ty = 0; ty < th; ty++) {
        for (let tx = 0; tx < tw; tx++) {
          for (let c = 0; c < Cg; c++) {
            inputTile(x, xOff + c * H * W, H, W, M4 * ty - ph, M4 * tx - pw, d);
            sandwich(WINOGRAD5_BT, N8, N8, d, N8, WINOGRAD5_BT, N8, V.subarray(c * XI, (c + 1) * XI));
          }
          for (let m = 0; m < Og; m++) {
            for (let i = 0; i < M4; i++)
              for (let j = 0; j < M4; j++) {
                const oy = M4 * ty + i;
                const ox = M4 * tx + j;
                gt[i * M4 + j] = oy < oh && ox < ow ? gy[yOff + (m * oh + oy) * ow + ox]! : 0;
              }
            sandwich(A, N8, M4, gt, M4, A, N8, Y);
            for (let c = 0; c < Cg; c++) {
              const s = (m * Cg + c) * XI;
              for (let q = 0; q < XI; q++) S[s + q]! += Y[q]! * V[c * XI + q]!;
            }
          }
        }
      }
    }
    for (let k = 0; k < Og * Cg; k++) {
      sandwich(GT, 5, N8, S.subarray(k * XI, (k + 1) * XI), N8, GT, 5, out);
      for (let t = 0; t < 25; t++) gw[(gi * Og * Cg + k) * 25 + t] = out[t]!;
    }
  }
}

/**
 * Fixed 5×5 profiles P_u (nU of them) for kernels in factored form, kernel r = Σ_u Y_u[r]·P_u (the
 * planes Y_u of {@link Winograd5Factors}), with their F(4×4, 5×5) transforms: the kernel transform is
 * linear, so the transformed kernel is Σ_u Y_u[r]·(G·P_u·Gᵀ) and the factors stand in for the 5×5
 * filter (see R2Conv).
 */
export interface Winograd5Profiles {
  /** Profiles per kernel. */
  nU: number;
  /** [nU, 25], float64. */
  P: Float64Array;
  /** TP[ξ·nUp + u] = (G·P_u·Gᵀ)[ξ], 64 rows of nUp = nU rounded up to even (zero-padded), float32. */
  TP: Float32Array;
  /** The same for the profiles with both axes reversed (the input gradient's kernels). */
  TPf: Float32Array;
}

/** The profiles [nU, 25] and their transforms (float64 products, rounded once to float32). */
export function winograd5Profiles(P: ArrayLike<number>, nU: number): Winograd5Profiles {
  if (P.length !== nU * 25)
    throw new Error(
      `winograd5Profiles: expected ${nU}·25 = ${nU * 25} values of nU = ${nU} 5×5 profiles, got ${P.length}`,
    );
  const P64 = Float64Array.from(P);
  const Pf = new Float64Array(nU * 25);
  for (let u = 0; u < nU; u++) for (let t = 0; t < 25; t++) Pf[u * 25 + t] = P64[u * 25 + 24 - t]!;
  const nUp = (nU + 1) & ~1;
  const rows = (p: Float64Array): Float32Array => {
    const U = winograd5KernelTransform(p, 0, nU, 1);
    const T = new Float32Array(XI * nUp);
    for (let u = 0; u < nU; u++) for (let q = 0; q < XI; q++) T[q * nUp + u] = U[u * XI + q]!;
    return T;
  };
  return { nU, P: P64, TP: rows(P64), TPf: rows(Pf) };
}

/**
 * Kernels in factored form for the F(4×4, 5×5) paths: `nU` planes of factors (one per profile of
 * `prof`), each over the G·Oo·Io kernels of a filter [G·Oo, Io, 5, 5], kernel (o, i) of a group at
 * ((⌊o/dO⌋·Io/dI + ⌊i/dI⌋)·dO + o mod dO)·dI + i mod dI: blocks of dO×dI kernels (a steerable
 * layer's pairs of fields) one after another; dO = dI = 1 is the filter's own order.
 */
export interface Winograd5Factors {
  prof: Winograd5Profiles;
  dO: number;
  dI: number;
  /**
   * Factors given as products of gathered columns (one group only): the factor argument is then a
   * source a [R×K] (R = the filter's Oo·Io/(dO·dI) pairs of blocks) and the planes are plane u =
   * a[:, ids[offs[u]..offs[u+1])]·mats rows (see `gatheredMatmulRef`, N = dO·dI), formed where the
   * kernels run; the factors' gradient is then the source's [R×K].
   */
  gathered?: GatheredFactors;
}

/** The columns (i32 ids, U + 1 part offsets, values in [0, K)) and stacked matrices [Σk×dO·dI] of gathered factors. */
export interface GatheredFactors {
  ids: Int32Array;
  offs: Int32Array;
  mats: FloatArray;
  K: number;
}

/** The factor planes of `fac` from its gathered source a (one group: Oo·Io kernels), or Y itself. */
function factorPlanes(Y: FloatArray, fac: Winograd5Factors, Oo: number, Io: number): FloatArray {
  const q = fac.gathered;
  if (q === undefined) return Y;
  const N = fac.dO * fac.dI;
  const R = (Oo * Io) / N;
  const planes = new Float64Array(fac.prof.nU * R * N);
  gatheredMatmulRef(Y, q.ids, q.offs, q.mats, planes, R, q.K, N);
  return planes;
}

/** The offset in a group's plane of kernel (o, i) of an Oo×Io filter (see {@link Winograd5Factors}). */
export function factorOffset(o: number, i: number, Io: number, dO: number, dI: number): number {
  const ob = Math.floor(o / dO);
  const ib = Math.floor(i / dI);
  return ((ob * (Io / dI) + ib) * dO + (o - ob * dO)) * dI + (i - ib * dI);
}

/** The 5×5 kernels [G·Oo, Io, 5, 5] (float64) of the factors Y (planes as {@link Winograd5Factors}). */
export function winograd5FactoredKernels(
  Y: FloatArray,
  fac: Winograd5Factors,
  G: number,
  Oo: number,
  Io: number,
): Float64Array {
  const { prof, dO, dI } = fac;
  const R = Oo * Io;
  const w = new Float64Array(G * R * 25);
  for (let gi = 0; gi < G; gi++)
    for (let o = 0; o < Oo; o++)
      for (let i = 0; i < Io; i++) {
        const at = gi * R + factorOffset(o, i, Io, dO, dI);
        const k = (gi * R + o * Io + i) * 25;
        for (let u = 0; u < prof.nU; u++) {
          const a = Y[u * G * R + at]!;
          for (let t = 0; t < 25; t++) w[k + t]! += a * prof.P[u * 25 + t]!;
        }
      }
  return w;
}

/**
 * {@link winograd5ConvRef} with the kernels in factored form ({@link Winograd5Factors}) of the filter
 * [G·Og, Cg, 5, 5], or with `flipped` of the filter [G·Cg, Og, 5, 5] of the convolution whose input
 * gradient this is.
 */
export function winograd5FactoredConvRef(
  x: FloatArray,
  Y: FloatArray,
  fac: Winograd5Factors,
  b: FloatArray | null,
  y: FloatArray,
  geom: WinogradGeometry,
  flipped = false,
): void {
  const { G, Og, Cg } = geom;
  const P = factorPlanes(Y, fac, Og, Cg);
  const w = flipped ? winograd5FactoredKernels(P, fac, G, Cg, Og) : winograd5FactoredKernels(P, fac, G, Og, Cg);
  winograd5ConvRef(x, w, b, y, geom, flipped);
}

/** The gradient gY of the factors (planes as Y, overwritten): gY_u[(o, i)] = Σ_t gw[o, i, t]·P_u[t]. */
export function winograd5FactoredWeightGradRef(
  x: FloatArray,
  gy: FloatArray,
  gY: FloatArray,
  fac: Winograd5Factors,
  geom: WinogradGeometry,
): void {
  const { prof, dO, dI } = fac;
  const { G, Og, Cg } = geom;
  const R = Og * Cg;
  const q = fac.gathered;
  if (q !== undefined) {
    // the planes' gradient, then the source's
    const gP = new Float64Array(prof.nU * R);
    winograd5FactoredWeightGradRef(x, gy, gP, { prof, dO, dI }, geom);
    const N = dO * dI;
    gatheredMatmulGradRef(gP, q.ids, q.offs, q.mats, gY, R / N, q.K, N);
    return;
  }
  const gw = new Float64Array(G * R * 25);
  winograd5WeightGradRef(x, gy, gw, geom);
  for (let gi = 0; gi < G; gi++)
    for (let o = 0; o < Og; o++)
      for (let i = 0; i < Cg; i++) {
        const k = (gi * R + o * Cg + i) * 25;
        const at = gi * R + factorOffset(o, i, Cg, dO, dI);
        for (let u = 0; u < prof.nU; u++) {
          let s = 0;
          for (let t = 0; t < 25; t++) s += gw[k + t]! * prof.P[u * 25 + t]!;
          gY[u * G * R + at] = s;
        }
      }
}
