/**
 * Iso-latitude sampling grids on the unit sphere S², in e3nn's frame (the library's): the polar axis
 * is +y. A point has colatitude θ ∈ [0, π] measured from +y and longitude φ ∈ [0, 2π) measured from +z
 * towards +x:
 *
 *   (x, y, z) = (sin θ sin φ, cos θ, sin θ cos φ),   i.e. e3nn's (β, α) = (θ, φ).
 *
 * Every grid is a list of rings (one colatitude each) of equally spaced longitudes φ_j = φ₀ + 2πj/n,
 * which is what the spherical harmonic transform needs (an FFT per ring). Pixels are numbered ring by
 * ring from the north pole (+y), each ring in increasing φ; signals on the regular grids have shape
 * [..., nlat, nlon], on HEALPix [..., npix] (RING ordering). Quadrature weights w_p sum to 4π, so
 * Σ_p w_p f(p) ≈ ∫_{S²} f dΩ:
 *
 * - `driscollHealyGrid(L)`: 2L × 2L equiangular, θ_j = π(2j+1)/(4L) (the half-sample-shifted grid of
 *   SOFT and s2cnn, no pole), φ_k = 2πk/(2L), Driscoll–Healy weights; exact for band limit L.
 * - `gaussLegendreGrid(L)`: L × 2L (nlon ≥ 2L − 1 on request), θ_j = arccos of the Gauss–Legendre
 *   nodes; exact for band limit L (integrates degree ≤ 2L − 1 in cos θ).
 * - `healpixGrid(nside)`: 12·nside² equal-area pixels on 4·nside − 1 rings (Górski et al. 2005),
 *   weights 4π/npix; not an exact quadrature (nominal band limit 3·nside).
 */
import { ErlangenError } from "../../tensor/errors.js";
import { driscollHealyWeights, gaussLegendre } from "./legendre.js";

export type SphereGridKind = "driscoll-healy" | "gauss-legendre" | "healpix";

/** The ring description every grid shares (all arrays have one entry per ring). */
export interface SphereGridRings {
  /** Colatitude of each ring (from +y), increasing. */
  theta: Float64Array;
  /** Pixels in each ring. */
  count: Int32Array;
  /** Index of each ring's first pixel. */
  start: Int32Array;
  /** Longitude of each ring's first pixel. */
  phi0: Float64Array;
  /** Quadrature weight of every pixel of the ring. */
  weight: Float64Array;
}

/** A sampling grid on S²: rings of equally spaced pixels with quadrature weights. */
export class SphereGrid {
  readonly kind: SphereGridKind;
  /** Trailing shape of a signal on this grid: [nlat, nlon] or [npix]. */
  readonly shape: readonly number[];
  readonly npix: number;
  readonly nrings: number;
  readonly rings: Readonly<SphereGridRings>;
  /**
   * Band limit L (degrees l < L) for which the quadrature makes the SHT round trip exact; for HEALPix
   * the customary nominal 3·nside, where it is only approximate (see `exact`).
   */
  readonly bandLimit: number;
  /** Whether the quadrature is exact for band-limited signals up to `bandLimit`. */
  readonly exact: boolean;
  /** HEALPix nside (0 for other grids). */
  readonly nside: number;
  private cache: { theta?: Float64Array; phi?: Float64Array; xyz?: Float64Array; weights?: Float64Array } = {};

  constructor(
    kind: SphereGridKind,
    shape: readonly number[],
    rings: SphereGridRings,
    bandLimit: number,
    exact: boolean,
    nside = 0,
  ) {
    this.kind = kind;
    this.shape = [...shape];
    this.rings = rings;
    this.nrings = rings.theta.length;
    let n = 0;
    for (let r = 0; r < this.nrings; r++) n += rings.count[r]!;
    this.npix = n;
    this.bandLimit = bandLimit;
    this.exact = exact;
    this.nside = nside;
  }

  /** Number of rings (latitudes). */
  get nlat(): number {
    return this.nrings;
  }

  /** Colatitude θ of every pixel [npix]. */
  get theta(): Float64Array {
    if (!this.cache.theta) {
      const t = new Float64Array(this.npix);
      const { theta, count, start } = this.rings;
      for (let r = 0; r < this.nrings; r++) t.fill(theta[r]!, start[r]!, start[r]! + count[r]!);
      this.cache.theta = t;
    }
    return this.cache.theta;
  }

  /** Longitude φ ∈ [0, 2π) of every pixel [npix]. */
  get phi(): Float64Array {
    if (!this.cache.phi) {
      const p = new Float64Array(this.npix);
      const { count, start, phi0 } = this.rings;
      for (let r = 0; r < this.nrings; r++) {
        const n = count[r]!;
        for (let j = 0; j < n; j++) p[start[r]! + j] = phi0[r]! + (2 * Math.PI * j) / n;
      }
      this.cache.phi = p;
    }
    return this.cache.phi;
  }

  /** Unit vectors (x, y, z) of every pixel, [npix · 3] row-major. */
  get xyz(): Float64Array {
    if (!this.cache.xyz) {
      const th = this.theta;
      const ph = this.phi;
      const out = new Float64Array(this.npix * 3);
      for (let p = 0; p < this.npix; p++) {
        const [x, y, z] = sphericalToCartesian(th[p]!, ph[p]!);
        out[p * 3] = x;
        out[p * 3 + 1] = y;
        out[p * 3 + 2] = z;
      }
      this.cache.xyz = out;
    }
    return this.cache.xyz;
  }

  /** Quadrature weight of every pixel [npix] (sum 4π). */
  get weights(): Float64Array {
    if (!this.cache.weights) {
      const w = new Float64Array(this.npix);
      const { count, start, weight } = this.rings;
      for (let r = 0; r < this.nrings; r++) w.fill(weight[r]!, start[r]!, start[r]! + count[r]!);
      this.cache.weights = w;
    }
    return this.cache.weights;
  }

  /** Σ_p w_p f_p: the quadrature of one signal (typed array of length npix) over the sphere. */
  integrate(f: ArrayLike<number>): number {
    if (f.length !== this.npix)
      throw new ErlangenError(`SphereGrid.integrate: argument 'f' expected ${this.npix} values, got ${f.length}`);
    const w = this.weights;
    let s = 0;
    for (let p = 0; p < this.npix; p++) s += w[p]! * f[p]!;
    return s;
  }

  toString(): string {
    return `SphereGrid(${this.kind}, shape [${this.shape.join(", ")}], bandLimit ${this.bandLimit}${this.exact ? "" : ", approximate"})`;
  }
}

/** (x, y, z) of colatitude θ (from +y) and longitude φ (from +z towards +x). */
export function sphericalToCartesian(theta: number, phi: number): [number, number, number] {
  const s = Math.sin(theta);
  return [s * Math.sin(phi), Math.cos(theta), s * Math.cos(phi)];
}

/** (θ, φ) of a non-zero vector: θ = arccos(y/|v|) ∈ [0, π], φ = atan2(x, z) ∈ [0, 2π). */
export function cartesianToSpherical(x: number, y: number, z: number): [number, number] {
  const r = Math.hypot(x, y, z);
  if (!(r > 0))
    throw new ErlangenError(`cartesianToSpherical: argument 'v' expected a non-zero vector, got [${x}, ${y}, ${z}]`);
  const theta = Math.acos(Math.min(1, Math.max(-1, y / r)));
  let phi = Math.atan2(x, z);
  if (phi < 0) phi += 2 * Math.PI;
  return [theta, phi];
}

function checkPositiveInt(op: string, arg: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min)
    throw new ErlangenError(`${op}: argument '${arg}' expected an integer ≥ ${min}, got ${v}`);
}

function regularRings(theta: Float64Array, nlon: number, latWeight: Float64Array): SphereGridRings {
  const R = theta.length;
  const count = new Int32Array(R).fill(nlon);
  const start = new Int32Array(R);
  for (let r = 0; r < R; r++) start[r] = r * nlon;
  const weight = new Float64Array(R);
  for (let r = 0; r < R; r++) weight[r] = (latWeight[r]! * 2 * Math.PI) / nlon;
  return { theta, count, start, phi0: new Float64Array(R), weight };
}

/**
 * The 2L × 2L equiangular Driscoll–Healy grid (SOFT/s2cnn layout): θ_j = π(2j+1)/(4L),
 * φ_k = πk/L, Driscoll–Healy quadrature weights; the SHT round trip is exact for degrees l < L.
 * `nlon` (default 2L) may be raised; it must be ≥ 2L − 1 for the exactness to hold.
 */
export function driscollHealyGrid(L: number, opts: { nlon?: number } = {}): SphereGrid {
  checkPositiveInt("driscollHealyGrid", "L", L);
  const nlon = opts.nlon ?? 2 * L;
  checkPositiveInt("driscollHealyGrid", "nlon", nlon);
  const nlat = 2 * L;
  const theta = new Float64Array(nlat);
  for (let j = 0; j < nlat; j++) theta[j] = (Math.PI * (2 * j + 1)) / (4 * L);
  const rings = regularRings(theta, nlon, driscollHealyWeights(L));
  return new SphereGrid("driscoll-healy", [nlat, nlon], rings, Math.min(L, Math.floor((nlon + 1) / 2)), true);
}

/**
 * The Gauss–Legendre grid with L rings (θ_j = arccos x_j, x_j the Gauss–Legendre nodes, north to
 * south) and `nlon` (default 2L, as torch-harmonics) longitudes φ_k = 2πk/nlon; the SHT round trip is
 * exact for degrees l < L when nlon ≥ 2L − 1.
 */
export function gaussLegendreGrid(L: number, opts: { nlon?: number } = {}): SphereGrid {
  checkPositiveInt("gaussLegendreGrid", "L", L);
  const nlon = opts.nlon ?? 2 * L;
  checkPositiveInt("gaussLegendreGrid", "nlon", nlon);
  const { x, w } = gaussLegendre(L);
  const theta = new Float64Array(L);
  for (let j = 0; j < L; j++) theta[j] = Math.acos(x[j]!);
  const rings = regularRings(theta, nlon, w);
  return new SphereGrid("gauss-legendre", [L, nlon], rings, Math.min(L, Math.floor((nlon + 1) / 2)), true);
}

/**
 * The HEALPix grid of resolution `nside` (any positive integer; RING ordering): 12·nside² pixels of
 * equal area 4π/npix on 4·nside − 1 rings, polar caps with 4i pixels on ring i, the equatorial belt
 * with 4·nside. Nominal band limit 3·nside; the quadrature is approximate.
 */
export function healpixGrid(nside: number): SphereGrid {
  checkPositiveInt("healpixGrid", "nside", nside);
  const R = 4 * nside - 1;
  const theta = new Float64Array(R);
  const count = new Int32Array(R);
  const start = new Int32Array(R);
  const phi0 = new Float64Array(R);
  const npix = 12 * nside * nside;
  let s = 0;
  for (let i = 1; i <= R; i++) {
    const r = i - 1;
    let z: number;
    let n: number;
    let p0: number;
    if (i < nside || i > 3 * nside) {
      const k = i < nside ? i : 4 * nside - i;
      z = 1 - (k * k) / (3 * nside * nside);
      if (i > 3 * nside) z = -z;
      n = 4 * k;
      p0 = Math.PI / (4 * k);
    } else {
      z = 4 / 3 - (2 * i) / (3 * nside);
      n = 4 * nside;
      const shift = (i - nside + 1) % 2;
      p0 = (Math.PI / (4 * nside)) * shift;
    }
    theta[r] = Math.acos(Math.min(1, Math.max(-1, z)));
    count[r] = n;
    start[r] = s;
    phi0[r] = p0;
    s += n;
  }
  const weight = new Float64Array(R).fill((4 * Math.PI) / npix);
  return new SphereGrid("healpix", [npix], { theta, count, start, phi0, weight }, 3 * nside, false, nside);
}
