/**
 * Steerable kernel bases (Weiler & Cesa, "General E(2)-Equivariant Steerable CNNs", 2019).
 *
 * A convolution kernel k: R² → R^{d_out × d_in} between fields of types ρ_in and ρ_out is equivariant
 * when it satisfies the kernel constraint
 *
 *     k(g·x) = ρ_out(g) · k(x) · ρ_in(g)⁻¹     for all g ∈ G, x ∈ R².
 *
 * In polar coordinates x = (r cos φ, r sin φ) we expand k in Gaussian rings times circular harmonics,
 * k(x) = Σ_rings exp(−(r − r_i)² / 2σ²) · (A cos jφ + B sin jφ), and solve the constraint on the
 * angular part, frequency by frequency:
 *
 * - SO(2) irreps ψ_m ← ψ_n: analytic, k(φ) = ψ_m(φ) E ψ_n(φ)ᵀ, which gives the frequencies |m − n|
 *   (E commuting with rotations) and m + n (E anticommuting);
 * - O(2): the SO(2) solutions symmetrised over the reflection;
 * - Cn, Dn irreps: the projection Σ_g g·k / |G| onto the solutions, per frequency (this includes the
 *   aliased frequencies j ≡ m ± n mod N);
 * - any other representation (regular, direct sums, …): decomposed into irreps with an orthogonal
 *   change of basis Q (see `decompose.ts`), k = Q_out · [irrep blocks] · Q_inᵀ.
 *
 * Each frequency is band-limited per ring (`frequencyCutoff`, default escnn's policy, 0 at the centre), and the
 * basis is sampled on the k×k filter grid (x = column − c, y = c − row) and normalised. Bases are
 * cached by (group, representations, size, options).
 */

import type { Group } from "../../../symmetry/group.js";
import { isFiniteGroup } from "../../../symmetry/group.js";
import { CyclicGroup, DihedralGroup, O2, SO2 } from "../../../symmetry/groups.js";
import type { Representation } from "../../../symmetry/representation.js";
import { ErlangenError } from "../../../tensor/errors.js";
import { Tensor } from "../../../tensor/tensor.js";
import { clearDecompositionCache, decompose, probeMatrix, repKey } from "./decompose.js";
import { checkPlanarGroup, type PlanarMotion, planarMotion } from "./planar.js";

/**
 * An angular function with one frequency: A·cos(jφ) + B·sin(jφ), A and B row-major [rows × cols]
 * (for j = 0 only A counts and B is zero).
 */
export interface HarmonicTerm {
  freq: number;
  rows: number;
  cols: number;
  A: Float64Array;
  B: Float64Array;
}

/** Options of the kernel basis. */
export interface KernelBasisOptions {
  /** Ring radii in pixels (default 0, 1, …, ⌊(kernelSize − 1)/2⌋). */
  rings?: readonly number[];
  /**
   * Width of the Gaussian rings: one number for all rings (default 0.6), or one per ring (escnn's
   * default is 0.6, 0.4 on the outermost ring and 0.005 at the centre; on rotated MNIST that trained
   * more slowly here than 0.6 everywhere, docs/results.md).
   */
  sigma?: number | readonly number[];
  /**
   * Highest angular frequency on a ring of radius r (always 0 at r = 0). The default is escnn's
   * band-limiting policy: min(2r, 2) on the outermost ring (r = ⌊k/2⌋) and min(2r, 2r − ((r + 1) mod 2))
   * on the inner rings, so a 3×3 kernel has frequencies up to 2 on its ring. Higher frequencies are
   * poorly resolved by the pixel grid and cost equivariance to non-90° rotations.
   */
  frequencyCutoff?: (radius: number) => number;
  /** Global cap on the angular frequency (default none). */
  maxFrequency?: number;
}

const J2 = new Float64Array([0, -1, 1, 0]);

function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p]!;
      if (v === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += v * b[p * m + j]!;
    }
  }
  return out;
}

/** A·Bᵀ for A [n×k], B [m×k]. */
function matmulT(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[j * k + p]!;
      out[i * m + j] = s;
    }
  }
  return out;
}

/**
 * g·k for a harmonic term: x ↦ ρ_out(g) k(g⁻¹x) ρ_in(g)ᵀ (ρ orthogonal). `Rout`, `Rin` are ρ(g); `m`
 * is the planar motion of g (rotation by θ after the flip (x, y) ↦ (−x, y) when f = 1).
 */
export function actOnTerm(t: HarmonicTerm, m: PlanarMotion, Rout: Float64Array, Rin: Float64Array): HarmonicTerm {
  const j = t.freq;
  const sgn = j % 2 === 0 ? 1 : -1;
  // k(F y) = (−1)^j A cos jφ − (−1)^j B sin jφ
  const fa = m.f ? sgn : 1;
  const fb = m.f ? -sgn : 1;
  const c = Math.cos(j * m.theta);
  const s = Math.sin(j * m.theta);
  const n = t.rows * t.cols;
  const A1 = new Float64Array(n);
  const B1 = new Float64Array(n);
  // k(R₋θ y) at angle φ − θ: (A c − B s) cos jφ + (A s + B c) sin jφ
  for (let i = 0; i < n; i++) {
    const a = fa * t.A[i]!;
    const b = fb * t.B[i]!;
    A1[i] = a * c - b * s;
    B1[i] = j === 0 ? 0 : a * s + b * c;
  }
  const conj = (X: Float64Array) => matmulT(matmul(Rout, X, t.rows, t.rows, t.cols), Rin, t.rows, t.cols, t.cols);
  return { freq: j, rows: t.rows, cols: t.cols, A: conj(A1), B: conj(B1) };
}

/** Gram–Schmidt on terms of equal frequency; drops those in the span of earlier ones. */
function orthonormalize(terms: HarmonicTerm[], tol = 1e-8): HarmonicTerm[] {
  const out: HarmonicTerm[] = [];
  for (const t of terms) {
    const A = t.A.slice();
    const B = t.B.slice();
    for (const q of out) {
      if (q.freq !== t.freq) continue;
      let dot = 0;
      for (let i = 0; i < A.length; i++) dot += A[i]! * q.A[i]! + B[i]! * q.B[i]!;
      for (let i = 0; i < A.length; i++) {
        A[i]! -= dot * q.A[i]!;
        B[i]! -= dot * q.B[i]!;
      }
    }
    let nrm = 0;
    for (let i = 0; i < A.length; i++) nrm += A[i]! ** 2 + B[i]! ** 2;
    nrm = Math.sqrt(nrm);
    if (nrm < tol) continue;
    for (let i = 0; i < A.length; i++) {
      A[i]! /= nrm;
      B[i]! /= nrm;
    }
    out.push({ freq: t.freq, rows: t.rows, cols: t.cols, A, B });
  }
  return out;
}

/** Frequency k of an SO(2) irrep or of the SO(2) part of an O(2) irrep, from its name. */
function so2Frequency(rep: Representation<unknown>): number {
  if (rep.name === "trivial") return 0;
  const m = /^irrep\((?:[01],)?(\d+)\)$/.exec(rep.name);
  if (!m) throw new ErlangenError(`kernelBasis: expected an irrep name 'irrep(k)' or 'irrep(j,k)', got '${rep.name}'`);
  return Number(m[1]);
}

/** Analytic SO(2) solutions for ψ_m ← ψ_n (m, n ≥ 0), all frequencies (no cutoff). */
function so2PairTerms(m: number, n: number): HarmonicTerm[] {
  const dO = m === 0 ? 1 : 2;
  const dI = n === 0 ? 1 : 2;
  const term = (freq: number, A: number[], B: number[]): HarmonicTerm => ({
    freq,
    rows: dO,
    cols: dI,
    A: new Float64Array(A),
    B: new Float64Array(freq === 0 ? A.map(() => 0) : B),
  });
  if (m === 0 && n === 0) return [term(0, [1], [0])];
  if (m === 0) {
    // E·rot(−nφ) = E cos nφ − E·J sin nφ, E ∈ {[1, 0], [0, 1]}
    return [
      [1, 0],
      [0, 1],
    ].map((E) => term(n, E, [-(E[0]! * J2[0]! + E[1]! * J2[2]!), -(E[0]! * J2[1]! + E[1]! * J2[3]!)]));
  }
  if (n === 0) {
    // rot(mφ)·E = E cos mφ + J·E sin mφ, E ∈ {[1; 0], [0; 1]}
    return [
      [1, 0],
      [0, 1],
    ].map((E) => term(m, E, [J2[0]! * E[0]! + J2[1]! * E[1]!, J2[2]! * E[0]! + J2[3]! * E[1]!]));
  }
  const mm = (a: number[], b: number[]) => Array.from(matmul(new Float64Array(a), new Float64Array(b), 2, 2, 2));
  const J = Array.from(J2);
  const I = [1, 0, 0, 1];
  const F = [1, 0, 0, -1];
  const FJ = mm(F, J);
  const out: HarmonicTerm[] = [];
  // E commuting with rotations: rot((m−n)φ)·E
  const a = m - n;
  for (const E of [I, J])
    out.push(
      term(
        Math.abs(a),
        E,
        mm(J, E).map((v) => Math.sign(a) * v),
      ),
    );
  // E anticommuting: rot((m+n)φ)·E
  for (const E of [F, FJ]) out.push(term(m + n, E, mm(J, E)));
  return out;
}

/** The reflection (x, y) ↦ (−x, y) as an element of O(2) or Dn. */
function reflectionOf<E>(group: Group<E>): E {
  const g = group as unknown;
  if (g instanceof O2) return { theta: 0, f: 1 } as unknown as E;
  return { r: 0, f: 1 } as unknown as E;
}

const motionCache = new WeakMap<object, PlanarMotion[]>();

/**
 * Solutions for a finite group by projection: P = (1/|G|) Σ_g L_g, where L_g maps the coefficients
 * (A, B) of frequency j to those of g·k; the columns of P span the solutions.
 */
function finitePairTerms<E>(
  group: Group<E> & { elements(): E[] },
  out: Representation<E>,
  inn: Representation<E>,
  maxFreq: number,
): HarmonicTerm[] {
  const els = group.elements();
  const rows = out.size;
  const cols = inn.size;
  const d = rows * cols;
  // K_g[(i,j),(a,b)] = Rout[i,a]·Rin[j,b]: vec(Rout X Rinᵀ) = K_g vec(X)
  // the probe elements of a finite group (order ≤ 256) are its elements, in this order: their
  // matrices are computed once per representation (see decompose.ts)
  const probe = group.order <= 256;
  let motions = motionCache.get(group);
  if (!motions) {
    motions = els.map((e) => planarMotion(group, e));
    motionCache.set(group, motions);
  }
  const acts = els.map((e, gi) => {
    const Ro = probe ? probeMatrix(out, gi) : out.matrix(e);
    const Ri = probe ? probeMatrix(inn, gi) : inn.matrix(e);
    const K = new Float64Array(d * d);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++)
        for (let a = 0; a < rows; a++) {
          const ro = Ro[i * rows + a]!;
          if (ro === 0) continue;
          for (let b = 0; b < cols; b++) K[(i * cols + j) * d + a * cols + b] = ro * Ri[j * cols + b]!;
        }
    return { m: motions[gi]!, K };
  });
  const res: HarmonicTerm[] = [];
  for (let j = 0; j <= maxFreq; j++) {
    const parts = j === 0 ? 1 : 2;
    const D = parts * d;
    const P = new Float64Array(D * D);
    const sgn = j % 2 === 0 ? 1 : -1;
    for (const { m, K } of acts) {
      const fa = m.f ? sgn : 1;
      const fb = m.f ? -sgn : 1;
      const c = Math.cos(j * m.theta);
      const s = Math.sin(j * m.theta);
      // A' = fa·c·A − fb·s·B, B' = fa·s·A + fb·c·B (then conjugated by K)
      const M = parts === 1 ? [fa * c] : [fa * c, -fb * s, fa * s, fb * c];
      for (let u = 0; u < parts; u++)
        for (let v = 0; v < parts; v++) {
          const w = M[u * parts + v]! / els.length;
          if (Math.abs(w) < 1e-15) continue;
          for (let p = 0; p < d; p++)
            for (let q = 0; q < d; q++) {
              const kv = K[p * d + q]!;
              if (kv !== 0) P[(u * d + p) * D + v * d + q]! += w * kv;
            }
        }
    }
    const cand: HarmonicTerm[] = [];
    for (let col = 0; col < D; col++) {
      const A = new Float64Array(d);
      const B = new Float64Array(d);
      for (let p = 0; p < d; p++) {
        A[p] = P[p * D + col]!;
        if (parts === 2) B[p] = P[(d + p) * D + col]!;
      }
      cand.push({ freq: j, rows, cols, A, B });
    }
    res.push(...orthonormalize(cand));
  }
  return res;
}

/** Solutions for a pair of irreps (out ← in), frequencies ≤ maxFreq, orthonormal per frequency. */
function irrepPairTerms<E>(
  group: Group<E>,
  out: Representation<E>,
  inn: Representation<E>,
  maxFreq: number,
): HarmonicTerm[] {
  const g = group as unknown;
  if (g instanceof SO2) {
    return so2PairTerms(
      so2Frequency(out as Representation<unknown>),
      so2Frequency(inn as Representation<unknown>),
    ).filter((t) => t.freq <= maxFreq);
  }
  if (g instanceof O2) {
    const base = so2PairTerms(
      so2Frequency(out as Representation<unknown>),
      so2Frequency(inn as Representation<unknown>),
    ).filter((t) => t.freq <= maxFreq);
    const F = reflectionOf(group);
    const mF = planarMotion(group, F);
    const Ro = out.matrix(F);
    const Ri = inn.matrix(F);
    const sym = base.map((t) => {
      const ft = actOnTerm(t, mF, Ro, Ri);
      return { ...t, A: t.A.map((v, i) => (v + ft.A[i]!) / 2), B: t.B.map((v, i) => (v + ft.B[i]!) / 2) };
    });
    return orthonormalize(sym);
  }
  if (g instanceof CyclicGroup || g instanceof DihedralGroup) {
    if (!isFiniteGroup(group)) throw new ErlangenError(`kernelBasis: ${group.name} must enumerate its elements`);
    return finitePairTerms(group, out, inn, maxFreq);
  }
  throw new ErlangenError(`kernelBasis: argument 'group' expected Cn, Dn, SO(2) or O(2), got ${group.name}`);
}

const pairCache = new Map<string, HarmonicTerm[]>();

/**
 * The angular solutions of the kernel constraint for representations ρ_in → ρ_out with frequencies
 * ≤ `maxFreq`: harmonic terms [d_out × d_in], each satisfying k(g·x) = ρ_out(g) k(x) ρ_in(g)ᵀ.
 */
export function harmonicBasis<E>(
  group: Group<E>,
  inRep: Representation<E>,
  outRep: Representation<E>,
  maxFreq: number,
): HarmonicTerm[] {
  checkPlanarGroup("harmonicBasis", "group", group);
  const key = `${group.name}#${repKey(inRep)}#${repKey(outRep)}#${maxFreq}`;
  const hit = harmonicCache.get(key);
  if (hit) return hit;
  const res = embedTerms(group, inRep, outRep, maxFreq);
  harmonicCache.set(key, res);
  return res;
}

const harmonicCache = new Map<string, HarmonicTerm[]>();

/**
 * out += Qo[:, oo:oo+rows] · T · Qi[:, oi:oi+cols]ᵀ for T [rows × cols], Qo [nO × nO], Qi [nI × nI]
 * (row-major), as (Qo-block · T) row by row, then times the Qi block.
 */
function embedBlock(
  out: Float64Array,
  T: Float64Array,
  Qo: Float64Array,
  nO: number,
  oo: number,
  rows: number,
  Qi: Float64Array,
  nI: number,
  oi: number,
  cols: number,
): void {
  const m = new Float64Array(cols);
  for (let r = 0; r < nO; r++) {
    let any = false;
    m.fill(0);
    for (let a = 0; a < rows; a++) {
      const q = Qo[r * nO + oo + a]!;
      if (q === 0) continue;
      any = true;
      for (let b = 0; b < cols; b++) m[b]! += q * T[a * cols + b]!;
    }
    if (!any) continue;
    for (let c = 0; c < nI; c++) {
      let s = 0;
      for (let b = 0; b < cols; b++) s += Qi[c * nI + oi + b]! * m[b]!;
      out[r * nI + c] = s;
    }
  }
}

function embedTerms<E>(
  group: Group<E>,
  inRep: Representation<E>,
  outRep: Representation<E>,
  maxFreq: number,
): HarmonicTerm[] {
  const dIn = decompose(inRep);
  const dOut = decompose(outRep);
  const nI = inRep.size;
  const nO = outRep.size;
  const res: HarmonicTerm[] = [];
  dOut.irreps.forEach((po, i) => {
    const oo = dOut.offsets[i]!;
    dIn.irreps.forEach((pi, j) => {
      const oi = dIn.offsets[j]!;
      const key = `${group.name}|${po.name}|${pi.name}|${maxFreq}`;
      let terms = pairCache.get(key);
      if (!terms) {
        terms = irrepPairTerms(group, po, pi, maxFreq);
        pairCache.set(key, terms);
      }
      for (const t of terms) {
        // embed the block and change basis: Q_out[:, block i] · T · Q_in[:, block j]ᵀ
        const A = new Float64Array(nO * nI);
        const B = new Float64Array(nO * nI);
        embedBlock(A, t.A, dOut.Q, nO, oo, t.rows, dIn.Q, nI, oi, t.cols);
        if (t.freq !== 0) embedBlock(B, t.B, dOut.Q, nO, oo, t.rows, dIn.Q, nI, oi, t.cols);
        res.push({ freq: t.freq, rows: nO, cols: nI, A, B });
      }
    });
  });
  return res;
}

/** ca[p] = prof[p]·cos(jφ_p), sa[p] = prof[p]·sin(jφ_p); at the origin only frequency 0 survives. */
function angularProfile(
  j: number,
  rad: Float64Array,
  ang: Float64Array,
  prof: Float64Array,
  ca: Float64Array,
  sa: Float64Array,
): void {
  for (let p = 0; p < rad.length; p++) {
    if (rad[p]! < 1e-12) {
      ca[p] = j === 0 ? prof[p]! : 0;
      sa[p] = 0;
    } else {
      ca[p] = Math.cos(j * ang[p]!) * prof[p]!;
      sa[p] = Math.sin(j * ang[p]!) * prof[p]!;
    }
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** One element of a {@link SteerableKernelBasis}: a ring times a harmonic term, with its normalisation. */
export interface BasisElement {
  radius: number;
  /** Width of the element's Gaussian ring. */
  sigma: number;
  term: HarmonicTerm;
  /** Factor making the sampled filter of unit Frobenius norm. */
  scale: number;
}

/**
 * The sampled basis in factored form: element b is the filter
 * `scale_b · (A_b ⊗ profiles[cosIndex_b] + B_b ⊗ profiles[sinIndex_b])` (the sine part absent when
 * `sinIndex_b` is −1), where A_b, B_b are the [d_out·d_in] coefficients of its harmonic term and each
 * profile is a ring times cos(jφ) or sin(jφ) sampled on the k×k grid. Expanding a filter through
 * this form costs O(size·d + d·profiles·k²) per output instead of O(size·d·k²).
 */
export interface FactoredKernelBasis {
  /** Number of sampled profiles U. */
  count: number;
  /** [U, k·k] row-major. */
  profiles: Float64Array;
  /** Profile of each element's cosine part [size]. */
  cosIndex: Int32Array;
  /** Profile of each element's sine part [size] (−1 for frequency 0). */
  sinIndex: Int32Array;
}

/**
 * A basis of equivariant kernels for ρ_in → ρ_out sampled on a k×k grid. `sampled` holds the filters
 * [size, d_out, d_in, k, k] (expanded on first use; {@link SteerableKernelBasis.factored} is the same
 * basis without the expansion); {@link SteerableKernelBasis.evaluate} evaluates the same (continuous)
 * functions at any point of the plane.
 */
export class SteerableKernelBasis<E> {
  readonly dimIn: number;
  readonly dimOut: number;
  readonly elements: BasisElement[];
  /** Milliseconds the construction took. */
  readonly buildMs: number;
  private readonly _factored: FactoredKernelBasis;
  private _sampled: Float64Array | null = null;

  constructor(
    readonly group: Group<E>,
    readonly inRep: Representation<E>,
    readonly outRep: Representation<E>,
    readonly kernelSize: number,
    readonly sigmas: readonly number[],
    rings: readonly number[],
    cutoff: (r: number) => number,
  ) {
    const t0 = performance.now();
    this.dimIn = inRep.size;
    this.dimOut = outRep.size;
    const k = kernelSize;
    const c = (k - 1) / 2;
    const maxF = Math.max(0, ...rings.map((r) => (r === 0 ? 0 : Math.floor(cutoff(r)))));
    const terms = harmonicBasis(group, inRep, outRep, maxF);
    const kk = k * k;
    // polar coordinates of the grid points
    const rad = new Float64Array(kk);
    const ang = new Float64Array(kk);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        rad[i * k + j] = Math.hypot(j - c, c - i);
        ang[i * k + j] = Math.atan2(c - i, j - c);
      }
    }
    // ‖A ⊗ ca + B ⊗ sa‖² = ‖A‖²‖ca‖² + 2(A·B)(ca·sa) + ‖B‖²‖sa‖²: the norms need no sampled filter
    const termDots = terms.map((t) => [dot(t.A, t.A), dot(t.A, t.B), dot(t.B, t.B)] as const);
    const profiles: Float64Array[] = [];
    const candidates: BasisElement[] = [];
    const cosIdx: number[] = [];
    const sinIdx: number[] = [];
    for (const [ri, radius] of rings.entries()) {
      const sigma = sigmas[ri]!;
      const fmax = radius === 0 ? 0 : Math.floor(cutoff(radius));
      const prof = new Float64Array(kk);
      for (let p = 0; p < kk; p++) prof[p] = Math.exp(-((rad[p]! - radius) ** 2) / (2 * sigma * sigma));
      // profiles of this ring by frequency, added when an element uses them
      const byFreq = new Map<
        number,
        { ca: Float64Array; sa: Float64Array; cc: number; cs: number; ss: number; ic: number; is: number }
      >();
      terms.forEach((term, ti) => {
        if (term.freq > fmax) return;
        let pr = byFreq.get(term.freq);
        if (!pr) {
          const ca = new Float64Array(kk);
          const sa = new Float64Array(kk);
          angularProfile(term.freq, rad, ang, prof, ca, sa);
          pr = { ca, sa, cc: dot(ca, ca), cs: dot(ca, sa), ss: dot(sa, sa), ic: -1, is: -1 };
          byFreq.set(term.freq, pr);
        }
        const [aa, ab, bb] = termDots[ti]!;
        const nrm = Math.sqrt(Math.max(0, aa * pr.cc + 2 * ab * pr.cs + bb * pr.ss));
        if (nrm < 1e-6) return;
        if (pr.ic < 0) {
          pr.ic = profiles.length;
          profiles.push(pr.ca);
        }
        if (term.freq !== 0 && pr.is < 0) {
          pr.is = profiles.length;
          profiles.push(pr.sa);
        }
        candidates.push({ radius, sigma, term, scale: 1 / nrm });
        cosIdx.push(pr.ic);
        sinIdx.push(term.freq === 0 ? -1 : pr.is);
      });
    }
    this.elements = candidates;
    const P = new Float64Array(profiles.length * kk);
    profiles.forEach((pr, u) => {
      P.set(pr, u * kk);
    });
    this._factored = {
      count: profiles.length,
      profiles: P,
      cosIndex: Int32Array.from(cosIdx),
      sinIndex: Int32Array.from(sinIdx),
    };
    this.buildMs = performance.now() - t0;
  }

  /** The basis in factored form (rings × circular harmonics on the grid, and the coefficient matrices). */
  factored(): FactoredKernelBasis {
    return this._factored;
  }

  /** The sampled filters [size, d_out, d_in, k, k], row-major (expanded on first access, then kept). */
  get sampled(): Float64Array {
    if (this._sampled) return this._sampled;
    const d = this.dimIn * this.dimOut;
    const kk = this.kernelSize * this.kernelSize;
    const size = d * kk;
    const out = new Float64Array(this.size * size);
    const { profiles, cosIndex, sinIndex } = this._factored;
    this.elements.forEach((el, b) => {
      const ca = profiles.subarray(cosIndex[b]! * kk, (cosIndex[b]! + 1) * kk);
      const si = sinIndex[b]!;
      const sa = si < 0 ? null : profiles.subarray(si * kk, (si + 1) * kk);
      const { A, B } = el.term;
      const s = el.scale;
      for (let q = 0; q < d; q++) {
        const a = A[q]! * s;
        const bq = B[q]! * s;
        if (a === 0 && bq === 0) continue;
        const o = b * size + q * kk;
        if (sa === null || bq === 0) for (let p = 0; p < kk; p++) out[o + p] = a * ca[p]!;
        else for (let p = 0; p < kk; p++) out[o + p] = a * ca[p]! + bq * sa[p]!;
      }
    });
    this._sampled = out;
    return out;
  }

  /** Number of basis filters. */
  get size(): number {
    return this.elements.length;
  }

  private evalElement(el: BasisElement, x: number, y: number): Float64Array {
    const r = Math.hypot(x, y);
    const radial = Math.exp(-((r - el.radius) ** 2) / (2 * el.sigma ** 2)) * el.scale;
    const t = el.term;
    const out = new Float64Array(t.rows * t.cols);
    if (r < 1e-12) {
      // the angular mean at the origin: only frequency 0 survives
      if (t.freq === 0) for (let i = 0; i < out.length; i++) out[i] = radial * t.A[i]!;
      return out;
    }
    const phi = Math.atan2(y, x);
    const ca = Math.cos(t.freq * phi);
    const sa = Math.sin(t.freq * phi);
    for (let i = 0; i < out.length; i++) out[i] = radial * (t.A[i]! * ca + t.B[i]! * sa);
    return out;
  }

  /** The continuous basis at the point (x, y) of the plane: [size, d_out, d_in]. */
  evaluate(x: number, y: number): Float64Array {
    const d = this.dimIn * this.dimOut;
    const out = new Float64Array(this.size * d);
    this.elements.forEach((el, b) => {
      out.set(this.evalElement(el, x, y), b * d);
    });
    return out;
  }

  /** The sampled basis as a tensor [size, d_out·d_in·k·k]. */
  toTensor(dtype: "float32" | "float64" = "float32"): Tensor {
    const n = this.dimIn * this.dimOut * this.kernelSize * this.kernelSize;
    const data = dtype === "float64" ? this.sampled.slice() : Float32Array.from(this.sampled);
    return new Tensor(data, [this.size, n], dtype);
  }
}

const basisCache = new Map<string, SteerableKernelBasis<unknown>>();

function defaultRings(kernelSize: number): number[] {
  const out: number[] = [];
  for (let r = 0; r <= (kernelSize - 1) / 2 + 1e-9; r++) out.push(r);
  return out;
}

/** The ring widths: `sigma` (default 0.6) broadcast, or checked against the rings. */
function ringSigmas(op: string, rings: readonly number[], sigma: number | readonly number[] | undefined): number[] {
  const out = sigma === undefined || typeof sigma === "number" ? rings.map(() => sigma ?? 0.6) : [...sigma];
  if (out.length !== rings.length)
    throw new ErlangenError(
      `${op}: argument 'sigma' expected ${rings.length} widths (one per ring), got ${out.length}`,
    );
  const bad = out.find((v) => !(v > 0 && Number.isFinite(v)));
  if (bad !== undefined) throw new ErlangenError(`${op}: argument 'sigma' expected positive ring widths, got ${bad}`);
  return out;
}

/**
 * escnn's default band limit for a ring of radius r in a kernel whose outermost ring has radius
 * `maxRadius` (= ⌊k/2⌋): 0 at the centre, min(2r, 2) on the outermost ring, min(2r, 2r − ((r + 1) mod 2))
 * inside (integer radii; others are rounded down first).
 */
export function defaultFrequencyCutoff(radius: number, maxRadius: number): number {
  if (radius < 1e-9) return 0;
  const r = Math.floor(radius + 1e-9);
  if (r === 0) return 0;
  return Math.min(2 * r, r >= maxRadius ? 2 : 2 * r - ((r + 1) % 2));
}

/**
 * The (cached) steerable kernel basis for fields ρ_in → ρ_out of a planar group on a k×k grid.
 * Throws for groups that do not act on the plane and for representations that cannot be decomposed.
 */
export function kernelBasis<E>(
  group: Group<E>,
  inRep: Representation<E>,
  outRep: Representation<E>,
  kernelSize: number,
  opts: KernelBasisOptions = {},
): SteerableKernelBasis<E> {
  checkPlanarGroup("kernelBasis", "group", group);
  if (!Number.isInteger(kernelSize) || kernelSize < 1)
    throw new ErlangenError(`kernelBasis: argument 'kernelSize' expected a positive integer, got ${kernelSize}`);
  const rings = opts.rings ?? defaultRings(kernelSize);
  const sigma = ringSigmas("kernelBasis", rings, opts.sigma);
  const cap = opts.maxFrequency ?? Number.POSITIVE_INFINITY;
  const userCut = opts.frequencyCutoff;
  const cutoff = (r: number) =>
    Math.min(cap, userCut ? userCut(r) : defaultFrequencyCutoff(r, Math.floor(kernelSize / 2)));
  const key = [
    repKey(inRep),
    repKey(outRep),
    kernelSize,
    sigma.join(","),
    rings.join(","),
    rings.map((r) => cutoff(r)).join(","),
  ].join("#");
  const hit = basisCache.get(key);
  if (hit) return hit as SteerableKernelBasis<E>;
  const b = new SteerableKernelBasis(group, inRep, outRep, kernelSize, sigma, rings, cutoff);
  basisCache.set(key, b as SteerableKernelBasis<unknown>);
  return b;
}

/** Empties the basis caches (for timing the construction). */
export function clearKernelBasisCache(): void {
  basisCache.clear();
  pairCache.clear();
  harmonicCache.clear();
  clearDecompositionCache();
}
