/**
 * Localised filters of the spherical convolutions (s2cnn: Cohen, Geiger, Köhler & Welling, ICLR 2018)
 * and their spectra. A filter is a weighted sum of point masses on a small set of points near the north
 * pole of S² (+y, the library's pole) or near the identity of SO(3):
 *
 *   ψ = Σ_p w_p δ_{x_p}  ⇒  ψ^l_n = Σ_p w_p Y^l_n(x_p)          (S², real orthonormal harmonics)
 *   Ψ = Σ_p w_p δ_{R_p}  ⇒  Ψ^l_{mn} = Σ_p w_p D^l_{mn}(R_p)     (SO(3), real Wigner-D)
 *
 * so a filter's spectrum is its weights times a fixed basis matrix ([P, L²] or [P, L(4L²−1)/3]),
 * computed once per layer. The point sets follow s2cnn's `s2_near_identity_grid` (rings of n_α points
 * at colatitudes β = k·β_max/n_β) and `so3_near_identity_grid` (the same rings, each point with n_γ
 * rotations γ = γ' − α about it, γ' evenly spaced in [−γ_max, γ_max]), in the library's Y-X-Y angles.
 */
import { legendreTable } from "../../domains/sphere/legendre.js";
import { so3CoeffCount } from "../../domains/sphere/so3.js";
import { wignerDBlocksFromAngles } from "../../symmetry/o3/wigner_blocks.js";
import { ErlangenError } from "../../tensor/errors.js";

/** A point of S² in the angles of the sphere grids: colatitude β from +y, longitude α from +z towards +x. */
export interface S2Point {
  beta: number;
  alpha: number;
}

/** A rotation in the library's Y-X-Y Euler angles, R = Ry(α) Rx(β) Ry(γ). */
export interface SO3Point {
  alpha: number;
  beta: number;
  gamma: number;
}

/** Options of {@link s2NearIdentityGrid}. */
export interface S2NearIdentityGridOptions {
  /** Largest colatitude of the rings (default π/8). */
  maxBeta?: number;
  /** Points per ring (default 8). */
  nAlpha?: number;
  /** Rings (default 3). */
  nBeta?: number;
}

function positiveInt(op: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new ErlangenError(`${op}: argument '${arg}' expected an integer ≥ 1, got ${v}`);
}

/**
 * Rings of points around the north pole: β_k = k·maxBeta/nBeta (k = 1..nBeta), α_i = 2πi/nAlpha
 * (s2cnn's `s2_near_identity_grid`, default 24 points within π/8 of the pole).
 */
export function s2NearIdentityGrid(opts: S2NearIdentityGridOptions = {}): S2Point[] {
  const maxBeta = opts.maxBeta ?? Math.PI / 8;
  const nAlpha = opts.nAlpha ?? 8;
  const nBeta = opts.nBeta ?? 3;
  positiveInt("s2NearIdentityGrid", "nAlpha", nAlpha);
  positiveInt("s2NearIdentityGrid", "nBeta", nBeta);
  if (!(maxBeta > 0 && maxBeta <= Math.PI))
    throw new ErlangenError(`s2NearIdentityGrid: argument 'maxBeta' expected a number in (0, π], got ${maxBeta}`);
  const out: S2Point[] = [];
  for (let k = 1; k <= nBeta; k++)
    for (let i = 0; i < nAlpha; i++) out.push({ beta: (k * maxBeta) / nBeta, alpha: (2 * Math.PI * i) / nAlpha });
  return out;
}

/** Options of {@link so3NearIdentityGrid}. */
export interface SO3NearIdentityGridOptions extends S2NearIdentityGridOptions {
  /** Half-range of the rotation about each point (default 2π). */
  maxGamma?: number;
  /** Rotations per point (default nAlpha). */
  nGamma?: number;
}

/**
 * Rotations near the identity: for each point (β, α) of {@link s2NearIdentityGrid}, nGamma rotations
 * R(α, β, γ' − α) with γ' evenly spaced in [−maxGamma, maxGamma] (endpoints included, as s2cnn's
 * `so3_near_identity_grid`; with maxGamma = π the two ends coincide). R(α, β, γ' − α) is a tilt by β
 * composed with a turn by ≈ γ' about the pole, so every ring lies at the same distance from the identity.
 */
export function so3NearIdentityGrid(opts: SO3NearIdentityGridOptions = {}): SO3Point[] {
  const nAlpha = opts.nAlpha ?? 8;
  const nGamma = opts.nGamma ?? nAlpha;
  const maxGamma = opts.maxGamma ?? 2 * Math.PI;
  positiveInt("so3NearIdentityGrid", "nGamma", nGamma);
  if (!(maxGamma >= 0))
    throw new ErlangenError(`so3NearIdentityGrid: argument 'maxGamma' expected a number ≥ 0, got ${maxGamma}`);
  const out: SO3Point[] = [];
  for (const p of s2NearIdentityGrid(opts))
    for (let j = 0; j < nGamma; j++) {
      const g = nGamma === 1 ? 0 : -maxGamma + (2 * maxGamma * j) / (nGamma - 1);
      out.push({ alpha: p.alpha, beta: p.beta, gamma: g - p.alpha });
    }
  return out;
}

/**
 * The real orthonormal harmonics Y^l_n (l < L, layout l² + l + n, the SHT's) at the points: a
 * float64 [P, L²] row-major matrix, the spectra of unit point masses.
 */
export function s2FilterBasis(points: readonly S2Point[], L: number): Float64Array {
  positiveInt("s2FilterBasis", "L", L);
  if (points.length === 0)
    throw new ErlangenError("s2FilterBasis: argument 'points' expected at least one point, got 0");
  const P = points.length;
  const table = legendreTable(
    Float64Array.from(points, (p) => p.beta),
    L,
  );
  const out = new Float64Array(P * L * L);
  for (let r = 0; r < P; r++) {
    const a = points[r]!.alpha;
    for (let m = 0; m < L; m++) {
      const base = table.offset[m]! + r * (L - m);
      const c = Math.cos(m * a);
      const s = Math.sin(m * a);
      for (let l = m; l < L; l++) {
        const p = table.values[base + l - m]!;
        if (m === 0) out[r * L * L + l * l + l] = p;
        else {
          out[r * L * L + l * l + l + m] = p * c;
          out[r * L * L + l * l + l - m] = p * s;
        }
      }
    }
  }
  return out;
}

/**
 * The real Wigner-D matrices D^l(R_p) (l < L, flattened in the SO(3) coefficient layout of `so3Fft`)
 * at the rotations: a float64 [P, L(4L²−1)/3] row-major matrix, the spectra of unit point masses.
 */
export function so3FilterBasis(points: readonly SO3Point[], L: number): Float64Array {
  positiveInt("so3FilterBasis", "L", L);
  if (points.length === 0)
    throw new ErlangenError("so3FilterBasis: argument 'points' expected at least one rotation, got 0");
  const nc = so3CoeffCount(L);
  const out = new Float64Array(points.length * nc);
  points.forEach((p, r) => {
    const D = wignerDBlocksFromAngles(L, p.alpha, p.beta, p.gamma);
    let o = r * nc;
    for (const block of D) {
      out.set(block, o);
      o += block.length;
    }
  });
  return out;
}
