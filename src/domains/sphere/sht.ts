/**
 * The real spherical harmonic transform (SHT) on an iso-latitude {@link SphereGrid}, up to band limit L
 * (degrees 0 ≤ l < L), in the library's (e3nn's) real basis:
 *
 *   f(θ, φ) = Σ_{l<L} Σ_{m=−l..l} c_lm B_lm(θ, φ),   B_lm = s_l · Y_lm,
 *   Y_lm = P̄_l^{|m|}(cos θ) · { √2 cos mφ (m > 0),  1 (m = 0),  √2 sin|m|φ (m < 0) },
 *
 * with θ, φ the grid's angles (polar axis +y, φ from +z towards +x), P̄ the orthonormal associated
 * Legendre functions without Condon–Shortley phase, so that Y_lm(θ, φ) equals
 * `sphericalHarmonics(l, xyz, { normalization: "integral" })[l + m]` at the point's (x, y, z).
 * Coefficients are stored flat as [..., L²], entry l² + l + m (e3nn's layout for lmax = L − 1).
 * `normalization` picks s_l as `sphericalHarmonics` does: `integral` s_l = 1 (orthonormal, the
 * default: ∫f² dΩ = Σc²), `component` s_l = √(4π), `norm` s_l = √(4π/(2l+1)).
 *
 * Forward (analysis):  c_lm = (1/s_l²) Σ_p w_p f(p) B_lm(p)  (quadrature of ∫ f B_lm / ∫ B_lm²)
 * Inverse (synthesis): f(p) = Σ_lm c_lm B_lm(p)
 *
 * Both run as one FFT per ring (two real rings packed in one complex FFT) and the associated-Legendre
 * sums per order m over a table precomputed per (grid, L) and cached: O(nlat·L² + nlat·nlon log nlon)
 * per signal, never the dense L² × npix matrix. Orders m ≥ n on a ring of n pixels alias onto bin
 * m mod n with the ring's phase, so the forward is the exact quadrature sum on every grid (HEALPix's
 * short polar rings included) and the inverse its exact transpose.
 */
import { fftPlan } from "../../kernels/ref/fft.js";
import type { SHNormalization } from "../../symmetry/o3/spherical_harmonics.js";
import { record } from "../../tensor/autograd.js";
import { allocate } from "../../tensor/dtype.js";
import { ErlangenError } from "../../tensor/errors.js";
import { add, sub } from "../../tensor/ops/elementwise.js";
import { Tensor } from "../../tensor/tensor.js";
import type { SphereGrid } from "./grid.js";
import { checkTrailing } from "./internal.js";
import { type LegendreTable, legendreTable } from "./legendre.js";

const tableCache = new WeakMap<SphereGrid, Map<number, LegendreTable>>();

/** The cached Legendre table of a grid for band limit L, on the rings `rows`. */
function cachedTable(grid: SphereGrid, L: number, rows: Int32Array): LegendreTable {
  let byL = tableCache.get(grid);
  if (!byL) {
    byL = new Map();
    tableCache.set(grid, byL);
  }
  let t = byL.get(L);
  if (!t) {
    const theta = Float64Array.from(rows, (r) => grid.rings.theta[r]!);
    t = legendreTable(theta, L);
    byL.set(L, t);
  }
  return t;
}

/** Options of {@link shtPlan}. */
export interface SHTOptions {
  /** Basis normalisation as in `sphericalHarmonics` (default `integral`: orthonormal). */
  normalization?: SHNormalization;
  /**
   * Refinement steps of the forward transform on grids whose quadrature is not exact (HEALPix):
   * c ← c + sht(f − isht(c)), as healpy's `map2alm(iter=…)` (default 0; exact grids gain nothing).
   */
  iterations?: number;
}

/** Number of real coefficients up to band limit L: L². */
export function shCoeffCount(L: number): number {
  return L * L;
}

/** Flat index of (l, m) in the [L²] coefficient layout: l² + l + m. */
export function shIndex(l: number, m: number): number {
  return l * l + l + m;
}

/** Scale s_l of the basis B_lm = s_l Y_lm for a normalisation. */
export function shScale(l: number, normalization: SHNormalization): number {
  if (normalization === "integral") return 1;
  const c = Math.sqrt(4 * Math.PI);
  return normalization === "component" ? c : c / Math.sqrt(2 * l + 1);
}

/** Signals per Legendre pass: the table is streamed once per block (it outgrows the caches at large L). */
const MAX_BLOCK = 16;

/**
 * The rings whose Legendre rows are stored: every ring, or on a grid symmetric about the equator
 * (θ_{R−1−r} = π − θ_r, all built-in grids) only the northern half with their mirrors, since
 * P̄_l^m(−x) = (−1)^{l+m} P̄_l^m(x) halves both the table and the work.
 */
function rowRings(grid: SphereGrid): { rows: Int32Array; mirror: Int32Array } {
  const { theta, count } = grid.rings;
  const R = grid.nrings;
  let symmetric = true;
  for (let r = 0; r < R && symmetric; r++)
    if (Math.abs(theta[r]! + theta[R - 1 - r]! - Math.PI) > 1e-12 || count[r] !== count[R - 1 - r]) symmetric = false;
  if (!symmetric) {
    const rows = Int32Array.from({ length: R }, (_, r) => r);
    return { rows, mirror: new Int32Array(R).fill(-1) };
  }
  const H = (R + 1) >> 1;
  const rows = Int32Array.from({ length: H }, (_, r) => r);
  const mirror = Int32Array.from({ length: H }, (_, r) => (R - 1 - r === r ? -1 : R - 1 - r));
  return { rows, mirror };
}

/**
 * A spherical harmonic transform on one grid at one band limit: the Legendre table (shared between
 * plans of the same grid and L), ring pairing and FFT plans, and scratch space. Build with
 * {@link shtPlan}; run with {@link sht} / {@link isht} (tensors) or {@link SHTPlan.forward} /
 * {@link SHTPlan.inverse} (typed arrays).
 */
export class SHTPlan {
  readonly grid: SphereGrid;
  /** Band limit: degrees 0 ≤ l < L. */
  readonly L: number;
  readonly normalization: SHNormalization;
  /** Refinement steps of the forward transform (see {@link SHTOptions.iterations}). */
  readonly iterations: number;
  /** L², the length of one coefficient vector. */
  readonly ncoeffs: number;
  private readonly table: LegendreTable;
  /** Rings with a table row, and each one's mirror ring (−1: none). */
  private readonly rows: Int32Array;
  private readonly mirror: Int32Array;
  /** s_l per degree. */
  private readonly scale: Float64Array;
  /** Per-ring spectra S_r(m) (real and imaginary parts) of a block of signals, [block, nrings, L]. */
  private sr: Float64Array;
  private si: Float64Array;
  /** FFT scratch for the largest ring. */
  private readonly bre: Float64Array;
  private readonly bim: Float64Array;
  /** e^{imφ₀} per ring and order (cos, sin), [nrings, L]. */
  private readonly pc: Float64Array;
  private readonly ps: Float64Array;

  constructor(grid: SphereGrid, L: number, opts: SHTOptions = {}) {
    if (!Number.isInteger(L) || L < 1)
      throw new ErlangenError(`shtPlan: argument 'L' expected a positive integer band limit, got ${L}`);
    const normalization = opts.normalization ?? "integral";
    if (normalization !== "integral" && normalization !== "component" && normalization !== "norm")
      throw new ErlangenError(
        `shtPlan: argument 'normalization' expected "integral", "component" or "norm", got ${String(normalization)}`,
      );
    const iterations = opts.iterations ?? 0;
    if (!Number.isInteger(iterations) || iterations < 0)
      throw new ErlangenError(`shtPlan: argument 'iterations' expected a non-negative integer, got ${iterations}`);
    this.grid = grid;
    this.L = L;
    this.normalization = normalization;
    this.iterations = iterations;
    this.ncoeffs = L * L;
    const { rows, mirror } = rowRings(grid);
    this.rows = rows;
    this.mirror = mirror;
    this.table = cachedTable(grid, L, rows);
    this.scale = new Float64Array(L);
    for (let l = 0; l < L; l++) this.scale[l] = shScale(l, normalization);
    const R = grid.nrings;
    this.sr = new Float64Array(R * L);
    this.si = new Float64Array(R * L);
    let nmax = 1;
    for (let r = 0; r < R; r++) nmax = Math.max(nmax, grid.rings.count[r]!);
    this.bre = new Float64Array(nmax);
    this.bim = new Float64Array(nmax);
    this.pc = new Float64Array(R * L);
    this.ps = new Float64Array(R * L);
    for (let r = 0; r < R; r++) {
      const p0 = grid.rings.phi0[r]!;
      for (let m = 0; m < L; m++) {
        this.pc[r * L + m] = Math.cos(m * p0);
        this.ps[r * L + m] = Math.sin(m * p0);
      }
    }
  }

  /** Signals per block for `batch` signals, growing the spectra scratch to fit. */
  private block(batch: number): number {
    const RL = this.grid.nrings * this.L;
    const nb = Math.max(1, Math.min(batch, MAX_BLOCK, Math.floor((1 << 20) / RL)));
    if (this.sr.length < nb * RL) {
      this.sr = new Float64Array(nb * RL);
      this.si = new Float64Array(nb * RL);
    }
    return nb;
  }

  /**
   * Forward transforms of `batch` signals: `x` [batch, npix] → `out` [batch, L²].
   * `weighted: false` drops the quadrature weights and the 1/s_l (the exact transpose of the unscaled
   * {@link inverse}, used by the backward passes).
   */
  forward(x: ArrayLike<number>, out: Float64Array | Float32Array, batch: number, weighted = true): void {
    const npix = this.grid.npix;
    const RL = this.grid.nrings * this.L;
    const block = this.block(batch);
    for (let b0 = 0; b0 < batch; b0 += block) {
      const nb = Math.min(block, batch - b0);
      for (let b = 0; b < nb; b++) this.ringSpectra(x, (b0 + b) * npix, weighted, b * RL);
      this.legendreForward(out, b0, nb, weighted);
    }
  }

  /**
   * Inverse transforms of `batch` coefficient vectors: `c` [batch, L²] → `out` [batch, npix].
   * `scaled: false` drops the s_l (the transpose of the unweighted forward).
   */
  inverse(c: ArrayLike<number>, out: Float64Array | Float32Array, batch: number, scaled = true): void {
    const npix = this.grid.npix;
    const RL = this.grid.nrings * this.L;
    const block = this.block(batch);
    for (let b0 = 0; b0 < batch; b0 += block) {
      const nb = Math.min(block, batch - b0);
      this.legendreInverse(c, b0, nb, scaled);
      for (let b = 0; b < nb; b++) this.ringSynthesis(out, (b0 + b) * npix, b * RL);
    }
  }

  /** S_r(m) = (w_r) Σ_j f_rj e^{imφ_rj} for every ring r and order m < L, into the spectra at `so`. */
  private ringSpectra(x: ArrayLike<number>, off: number, weighted: boolean, so: number): void {
    const { grid, L, sr, si, bre, bim, pc, ps } = this;
    const { count, start, weight } = grid.rings;
    const R = grid.nrings;
    for (let r = 0, q = R - 1; r <= q; r++, q--) {
      const n = count[r]!;
      const pair = q > r && count[q]! === n;
      const sR = off + start[r]!;
      const sQ = off + start[q]!;
      for (let j = 0; j < n; j++) {
        bre[j] = x[sR + j]!;
        bim[j] = pair ? x[sQ + j]! : 0;
      }
      fftPlan(n).transform(bre, bim);
      const wr = weighted ? weight[r]! : 1;
      const wq = weighted ? weight[q]! : 1;
      for (let m = 0; m < L; m++) {
        const k = m % n;
        const k2 = k === 0 ? 0 : n - k;
        const zr = bre[k]!;
        const zi = bim[k]!;
        const cr = bre[k2]!;
        const ci = -bim[k2]!;
        // X_k = (Z_k + conj Z_{n−k})/2, Y_k = (Z_k − conj Z_{n−k})/(2i); S = e^{imφ₀} conj(X_k)
        const xr = 0.5 * (zr + cr);
        const xi = 0.5 * (zi + ci);
        let o = r * L + m;
        sr[so + o] = wr * (pc[o]! * xr + ps[o]! * xi);
        si[so + o] = wr * (ps[o]! * xr - pc[o]! * xi);
        if (pair) {
          const yr = 0.5 * (zi - ci);
          const yi = -0.5 * (zr - cr);
          o = q * L + m;
          sr[so + o] = wq * (pc[o]! * yr + ps[o]! * yi);
          si[so + o] = wq * (ps[o]! * yr - pc[o]! * yi);
        }
      }
      if (!pair && q > r) {
        // rings of different lengths (none of the built-in grids): transform q on its own
        const nq = count[q]!;
        for (let j = 0; j < nq; j++) {
          bre[j] = x[sQ + j]!;
          bim[j] = 0;
        }
        fftPlan(nq).transform(bre, bim);
        for (let m = 0; m < L; m++) {
          const k = m % nq;
          const o = q * L + m;
          sr[so + o] = wq * (pc[o]! * bre[k]! + ps[o]! * bim[k]!);
          si[so + o] = wq * (ps[o]! * bre[k]! - pc[o]! * bim[k]!);
        }
      }
    }
  }

  /**
   * c_lm = (1/s_l) Σ_r P̄(m, r, l) · {Re S_r(m) (m ≥ 0), Im S_r(|m|) (m < 0)} for signals b0..b0+nb−1;
   * a mirrored ring q enters through the row of r with the sign (−1)^{l+m}.
   */
  private legendreForward(out: Float64Array | Float32Array, b0: number, nb: number, weighted: boolean): void {
    const { L, sr, si, scale, rows, mirror } = this;
    const { offset, values } = this.table;
    const RL = this.grid.nrings * L;
    const nc = this.ncoeffs;
    const acc = new Float64Array(nb * 2 * L);
    for (let m = 0; m < L; m++) {
      const len = L - m;
      acc.fill(0);
      const base = offset[m]!;
      for (let t = 0; t < rows.length; t++) {
        const r = rows[t]!;
        const q = mirror[t]!;
        const row = base + t * len;
        for (let b = 0; b < nb; b++) {
          const o = b * RL + r * L + m;
          let er = sr[o]!;
          let ei = si[o]!;
          let odr = er;
          let odi = ei;
          if (q >= 0) {
            const oq = b * RL + q * L + m;
            const qr = sr[oq]!;
            const qi = si[oq]!;
            er += qr;
            ei += qi;
            odr -= qr;
            odi -= qi;
          }
          const ab = b * 2 * L;
          let i = 0;
          for (; i + 1 < len; i += 2) {
            const p0 = values[row + i]!;
            const p1 = values[row + i + 1]!;
            acc[ab + 2 * i]! += p0 * er;
            acc[ab + 2 * i + 1]! += p0 * ei;
            acc[ab + 2 * i + 2]! += p1 * odr;
            acc[ab + 2 * i + 3]! += p1 * odi;
          }
          if (i < len) {
            const p0 = values[row + i]!;
            acc[ab + 2 * i]! += p0 * er;
            acc[ab + 2 * i + 1]! += p0 * ei;
          }
        }
      }
      for (let b = 0; b < nb; b++) {
        const ab = b * 2 * L;
        const o = (b0 + b) * nc;
        for (let i = 0; i < len; i++) {
          const l = m + i;
          const f = weighted ? 1 / scale[l]! : 1;
          out[o + l * l + l + m] = acc[ab + 2 * i]! * f;
          if (m > 0) out[o + l * l + l - m] = acc[ab + 2 * i + 1]! * f;
        }
      }
    }
  }

  /** A_r(m) = Σ_l P̄ c_{l,m}, B_r(m) = Σ_l P̄ c_{l,−m} into the spectra, for signals b0..b0+nb−1. */
  private legendreInverse(c: ArrayLike<number>, b0: number, nb: number, scaled: boolean): void {
    const { L, sr, si, scale, rows, mirror } = this;
    const { offset, values } = this.table;
    const RL = this.grid.nrings * L;
    const nc = this.ncoeffs;
    // interleaved (c_{l,m}, c_{l,−m}) per signal
    const cc = new Float64Array(nb * 2 * L);
    for (let m = 0; m < L; m++) {
      const len = L - m;
      for (let b = 0; b < nb; b++) {
        const o = (b0 + b) * nc;
        const ab = b * 2 * L;
        for (let i = 0; i < len; i++) {
          const l = m + i;
          const f = scaled ? scale[l]! : 1;
          cc[ab + 2 * i] = c[o + l * l + l + m]! * f;
          cc[ab + 2 * i + 1] = m === 0 ? 0 : c[o + l * l + l - m]! * f;
        }
      }
      const base = offset[m]!;
      for (let t = 0; t < rows.length; t++) {
        const r = rows[t]!;
        const q = mirror[t]!;
        const row = base + t * len;
        for (let b = 0; b < nb; b++) {
          const ab = b * 2 * L;
          let ea = 0;
          let eb = 0;
          let oa = 0;
          let ob = 0;
          let i = 0;
          for (; i + 1 < len; i += 2) {
            const p0 = values[row + i]!;
            const p1 = values[row + i + 1]!;
            ea += p0 * cc[ab + 2 * i]!;
            eb += p0 * cc[ab + 2 * i + 1]!;
            oa += p1 * cc[ab + 2 * i + 2]!;
            ob += p1 * cc[ab + 2 * i + 3]!;
          }
          if (i < len) {
            const p0 = values[row + i]!;
            ea += p0 * cc[ab + 2 * i]!;
            eb += p0 * cc[ab + 2 * i + 1]!;
          }
          const o = b * RL + r * L + m;
          sr[o] = ea + oa;
          si[o] = eb + ob;
          if (q >= 0) {
            const oq = b * RL + q * L + m;
            sr[oq] = ea - oa;
            si[oq] = eb - ob;
          }
        }
      }
    }
  }

  /** f_rj = Re Σ_m (A_r(m) − i B_r(m)) e^{imφ_rj}: folded spectra, one complex inverse FFT per ring pair. */
  private ringSynthesis(out: Float64Array | Float32Array, off: number, so: number): void {
    const { grid, L, sr, si, bre, bim, pc, ps } = this;
    const { count, start } = grid.rings;
    const R = grid.nrings;
    for (let r = 0, q = R - 1; r <= q; r++, q--) {
      const n = count[r]!;
      const pair = q > r && count[q]! === n;
      bre.fill(0, 0, n);
      bim.fill(0, 0, n);
      // G_k for ring r (real part) and ring q (imaginary part), Hermitian-symmetrised so that the
      // inverse FFT of each is real
      for (let side = 0; side < (pair ? 2 : 1); side++) {
        const rr = side === 0 ? r : q;
        for (let m = 0; m < L; m++) {
          const o = rr * L + m;
          const A = sr[so + o]!;
          const B = si[so + o]!;
          // g = (A − iB)(cos mφ₀ + i sin mφ₀)
          const gr = A * pc[o]! + B * ps[o]!;
          const gi = A * ps[o]! - B * pc[o]!;
          const k = m % n;
          const k2 = k === 0 ? 0 : n - k;
          // H_k += g/2, H_{−k} += conj(g)/2; ring q enters as i·H
          if (side === 0) {
            bre[k]! += 0.5 * gr;
            bim[k]! += 0.5 * gi;
            bre[k2]! += 0.5 * gr;
            bim[k2]! -= 0.5 * gi;
          } else {
            bre[k]! -= 0.5 * gi;
            bim[k]! += 0.5 * gr;
            bre[k2]! += 0.5 * gi;
            bim[k2]! += 0.5 * gr;
          }
        }
      }
      fftPlan(n).transform(bre, bim, true);
      const sR = off + start[r]!;
      for (let j = 0; j < n; j++) out[sR + j] = bre[j]!;
      if (pair) {
        const sQ = off + start[q]!;
        for (let j = 0; j < n; j++) out[sQ + j] = bim[j]!;
      } else if (q > r) {
        this.ringSynthesisSingle(out, off, q, so);
      }
    }
  }

  private ringSynthesisSingle(out: Float64Array | Float32Array, off: number, r: number, so: number): void {
    const { L, sr, si, bre, bim, pc, ps } = this;
    const n = this.grid.rings.count[r]!;
    bre.fill(0, 0, n);
    bim.fill(0, 0, n);
    for (let m = 0; m < L; m++) {
      const o = r * L + m;
      const A = sr[so + o]!;
      const B = si[so + o]!;
      const gr = A * pc[o]! + B * ps[o]!;
      const gi = A * ps[o]! - B * pc[o]!;
      const k = m % n;
      const k2 = k === 0 ? 0 : n - k;
      bre[k]! += 0.5 * gr;
      bim[k]! += 0.5 * gi;
      bre[k2]! += 0.5 * gr;
      bim[k2]! -= 0.5 * gi;
    }
    fftPlan(n).transform(bre, bim, true);
    const s = off + this.grid.rings.start[r]!;
    for (let j = 0; j < n; j++) out[s + j] = bre[j]!;
  }
}

const planCache = new WeakMap<SphereGrid, Map<string, SHTPlan>>();

/**
 * The (cached) SHT plan for `grid` and band limit L (degrees l < L). The round trip is exact for
 * L ≤ grid.bandLimit on Gauss–Legendre and Driscoll–Healy grids; HEALPix is approximate.
 */
export function shtPlan(grid: SphereGrid, L: number, opts: SHTOptions = {}): SHTPlan {
  const key = `${L}:${opts.normalization ?? "integral"}:${opts.iterations ?? 0}`;
  let byKey = planCache.get(grid);
  if (!byKey) {
    byKey = new Map();
    planCache.set(grid, byKey);
  }
  let p = byKey.get(key);
  if (!p) {
    p = new SHTPlan(grid, L, opts);
    byKey.set(key, p);
  }
  return p;
}

/**
 * The forward real SHT of signals `x` [..., *grid.shape] (grid.shape = [nlat, nlon], or [npix] for
 * HEALPix) to coefficients [..., L²] (entry l² + l + m) in the plan's normalisation. Differentiable:
 * the backward pass is the adjoint (quadrature weights times the synthesis). Computes in float64 and
 * returns the input's dtype. With `plan.iterations` > 0, each refinement step adds
 * sht(x − isht(c)) (differentiable the same way).
 */
export function sht(x: Tensor, plan: SHTPlan): Tensor {
  let c = shtOnce(x, plan);
  for (let k = 0; k < plan.iterations; k++) c = add(c, shtOnce(sub(x, isht(c, plan)), plan));
  return c;
}

function shtOnce(x: Tensor, plan: SHTPlan): Tensor {
  const grid = plan.grid;
  const batch = checkTrailing("sht", "x", x, grid.shape, `a signal on ${grid}`);
  const nc = plan.ncoeffs;
  const out = allocate(x.dtype, batch * nc) as Float32Array | Float64Array;
  plan.forward(x.data as Float32Array | Float64Array, out, batch);
  const lead = x.shape.slice(0, x.ndim - grid.shape.length);
  const res = new Tensor(out, [...lead, nc], x.dtype);
  return record("sht", [x], res, (g) => {
    const L = plan.L;
    const gs = new Float64Array(g.size);
    const gd = g.data;
    for (let b = 0; b < batch; b++)
      for (let l = 0; l < L; l++) {
        const s = shScale(l, plan.normalization);
        for (let i = l * l; i < (l + 1) * (l + 1); i++) gs[b * nc + i] = gd[b * nc + i]! / s;
      }
    const gx = allocate(x.dtype, x.size) as Float32Array | Float64Array;
    plan.inverse(gs, gx, batch, false);
    const w = grid.weights;
    const npix = grid.npix;
    for (let b = 0; b < batch; b++) for (let p = 0; p < npix; p++) gx[b * npix + p]! *= w[p]!;
    return [new Tensor(gx, x.shape, x.dtype)];
  });
}

/**
 * The inverse real SHT: coefficients `c` [..., L²] to signals [..., *grid.shape]. Differentiable: the
 * backward pass is the adjoint (the unweighted analysis). Computes in float64 and returns c's dtype.
 */
export function isht(c: Tensor, plan: SHTPlan): Tensor {
  const grid = plan.grid;
  const nc = plan.ncoeffs;
  const batch = checkTrailing("isht", "c", c, [nc], `L² = ${nc} coefficients for band limit L = ${plan.L}`);
  const npix = grid.npix;
  const out = allocate(c.dtype, batch * npix) as Float32Array | Float64Array;
  plan.inverse(c.data as Float32Array | Float64Array, out, batch);
  const res = new Tensor(out, [...c.shape.slice(0, -1), ...grid.shape], c.dtype);
  return record("isht", [c], res, (g) => {
    const gc = allocate(c.dtype, c.size) as Float32Array | Float64Array;
    plan.forward(g.data as Float32Array | Float64Array, gc, batch, false);
    const L = plan.L;
    if (plan.normalization !== "integral")
      for (let b = 0; b < batch; b++)
        for (let l = 0; l < L; l++) {
          const s = shScale(l, plan.normalization);
          for (let i = l * l; i < (l + 1) * (l + 1); i++) gc[b * nc + i]! *= s;
        }
    return [new Tensor(gc, c.shape, c.dtype)];
  });
}
