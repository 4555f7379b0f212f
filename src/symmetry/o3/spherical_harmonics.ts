/**
 * Real spherical harmonics up to l = 8 in e3nn's conventions (polar axis y; order m = −l..l; the
 * three normalisations `component` (Σ_m Y² = 2l+1), `norm` (Σ_m Y² = 1) and `integral` (∫Y² = 1)).
 * e3nn(x, y, z)[l][m+l] equals the textbook real harmonic Y_lm (polar axis z', no Condon–Shortley
 * phase) at (x', y', z') = (z, x, y).
 *
 * Each Y_lm is stored as a homogeneous polynomial of degree l (a solid harmonic), so
 * `normalize: false` gives the raw polynomials of the input and gradients are exact.
 */
import { record } from "../../tensor/autograd.js";
import { allocate } from "../../tensor/dtype.js";
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";

/** A monomial coef · x^a y^b z^c in e3nn's input coordinates. */
interface Monomial {
  c: number;
  a: number;
  b: number;
  d: number;
}

export type SHNormalization = "component" | "norm" | "integral";

export const SH_LMAX = 8;

type Poly = Map<string, number>; // key "i,j,k" = exponents of (X, Y, Z), textbook coordinates

function polyMul(p: Poly, q: Poly): Poly {
  const out: Poly = new Map();
  for (const [k1, c1] of p) {
    const [a1, b1, d1] = k1.split(",").map(Number) as [number, number, number];
    for (const [k2, c2] of q) {
      const [a2, b2, d2] = k2.split(",").map(Number) as [number, number, number];
      const key = `${a1 + a2},${b1 + b2},${d1 + d2}`;
      out.set(key, (out.get(key) ?? 0) + c1 * c2);
    }
  }
  return out;
}

function polyScale(p: Poly, s: number): Poly {
  const out: Poly = new Map();
  for (const [k, c] of p) out.set(k, c * s);
  return out;
}

function polyAdd(p: Poly, q: Poly): Poly {
  const out: Poly = new Map(p);
  for (const [k, c] of q) out.set(k, (out.get(k) ?? 0) + c);
  return out;
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

function binom(n: number, k: number): number {
  return factorial(n) / (factorial(k) * factorial(n - k));
}

/** Textbook real solid harmonic r^l·Y_lm (integral normalisation) as a polynomial in (X, Y, Z). */
function solidHarmonic(l: number, m: number): Poly {
  const am = Math.abs(m);
  // d^m/dZ^m P_l(Z) = Σ_k coef_k Z^(l-2k-m), homogenised with r^(2k)
  const r2: Poly = new Map([
    ["2,0,0", 1],
    ["0,2,0", 1],
    ["0,0,2", 1],
  ]);
  let legendre: Poly = new Map();
  for (let k = 0; 2 * k <= l - am; k++) {
    const e = l - 2 * k;
    const c =
      ((-1) ** k * factorial(2 * l - 2 * k)) / (2 ** l * factorial(k) * factorial(l - k) * factorial(l - 2 * k));
    const dc = c * (factorial(e) / factorial(e - am));
    let term: Poly = new Map([[`0,0,${e - am}`, dc]]);
    for (let j = 0; j < k; j++) term = polyMul(term, r2);
    legendre = polyAdd(legendre, term);
  }
  // Re / Im of (X + iY)^|m|
  let trig: Poly = new Map();
  for (let j = 0; j <= am; j++) {
    const c = binom(am, j);
    if (m >= 0 && j % 2 === 0) trig.set(`${am - j},${j},0`, c * (-1) ** (j / 2));
    if (m < 0 && j % 2 === 1) trig.set(`${am - j},${j},0`, c * (-1) ** ((j - 1) / 2));
  }
  if (am === 0) trig = new Map([["0,0,0", 1]]);
  const N =
    Math.sqrt(((2 * l + 1) / (4 * Math.PI)) * (factorial(l - am) / factorial(l + am))) * (m === 0 ? 1 : Math.SQRT2);
  return polyScale(polyMul(legendre, trig), N);
}

let table: Monomial[][] | null = null;

/** Monomials of each (l, m), flattened in e3nn order (l = 0..8, m = −l..l), integral normalisation. */
function shTable(): Monomial[][] {
  if (table) return table;
  table = [];
  for (let l = 0; l <= SH_LMAX; l++) {
    for (let m = -l; m <= l; m++) {
      const poly = solidHarmonic(l, m);
      const monos: Monomial[] = [];
      for (const [k, c] of poly) {
        if (Math.abs(c) < 1e-300) continue;
        const [X, Y, Z] = k.split(",").map(Number) as [number, number, number];
        // X = z, Y = x, Z = y in e3nn coordinates
        monos.push({ c, a: Y, b: Z, d: X });
      }
      table.push(monos);
    }
  }
  return table;
}

function normFactor(l: number, normalization: SHNormalization): number {
  if (normalization === "integral") return 1;
  const comp = Math.sqrt(4 * Math.PI);
  return normalization === "component" ? comp : comp / Math.sqrt(2 * l + 1);
}

export interface SphericalHarmonicsOptions {
  /** Normalise the input vectors first (default true). */
  normalize?: boolean;
  /** `component` (e3nn's default for Irreps-based modules), `norm` or `integral` (default `integral`, as e3nn's function). */
  normalization?: SHNormalization;
}

function parseLs(op: string, ls: number | readonly number[]): number[] {
  const list = typeof ls === "number" ? Array.from({ length: ls + 1 }, (_, l) => l) : [...ls];
  for (const l of list) {
    if (!Number.isInteger(l) || l < 0 || l > SH_LMAX)
      throw new ErlangenError(`${op}: argument 'ls' expected degrees in [0, ${SH_LMAX}], got ${l}`);
  }
  return list;
}

/**
 * Evaluates the harmonics of degrees `ls` (a number L means 0..L) at points `xyz` [N, 3]
 * (float64 arrays), returning values [N, Σ(2l+1)] and, when `jac` is given, fills d value / d xyz
 * [N, Σ(2l+1), 3] with respect to the raw input (normalisation included).
 */
export function evalSphericalHarmonics(
  ls: readonly number[],
  xyz: ArrayLike<number>,
  n: number,
  normalize: boolean,
  normalization: SHNormalization,
  out: Float32Array | Float64Array,
  jac?: Float64Array,
): void {
  const tab = shTable();
  const dim = ls.reduce((s, l) => s + 2 * l + 1, 0);
  const lmax = Math.max(0, ...ls);
  const px = new Float64Array(lmax + 1);
  const py = new Float64Array(lmax + 1);
  const pz = new Float64Array(lmax + 1);
  const g = new Float64Array(3);
  for (let p = 0; p < n; p++) {
    let x = xyz[p * 3]!;
    let y = xyz[p * 3 + 1]!;
    let z = xyz[p * 3 + 2]!;
    let r = 1;
    if (normalize) {
      r = Math.hypot(x, y, z);
      if (r > 0) {
        x /= r;
        y /= r;
        z /= r;
      }
    }
    px[0] = py[0] = pz[0] = 1;
    for (let k = 1; k <= lmax; k++) {
      px[k] = px[k - 1]! * x;
      py[k] = py[k - 1]! * y;
      pz[k] = pz[k - 1]! * z;
    }
    let col = 0;
    for (const l of ls) {
      const f = normFactor(l, normalization);
      for (let m = -l; m <= l; m++, col++) {
        const monos = tab[l * l + l + m]!;
        let v = 0;
        let gx = 0;
        let gy = 0;
        let gz = 0;
        for (const mo of monos) {
          v += mo.c * px[mo.a]! * py[mo.b]! * pz[mo.d]!;
          if (jac) {
            if (mo.a > 0) gx += mo.c * mo.a * px[mo.a - 1]! * py[mo.b]! * pz[mo.d]!;
            if (mo.b > 0) gy += mo.c * mo.b * px[mo.a]! * py[mo.b - 1]! * pz[mo.d]!;
            if (mo.d > 0) gz += mo.c * mo.d * px[mo.a]! * py[mo.b]! * pz[mo.d - 1]!;
          }
        }
        out[p * dim + col] = f * v;
        if (jac) {
          g[0] = f * gx;
          g[1] = f * gy;
          g[2] = f * gz;
          if (normalize && r > 0) {
            // d/dx of P(x/r) = (I − x̂x̂ᵀ) ∇P / r
            const dot = g[0] * x + g[1] * y + g[2] * z;
            g[0] = (g[0] - dot * x) / r;
            g[1] = (g[1] - dot * y) / r;
            g[2] = (g[2] - dot * z) / r;
          } else if (normalize) {
            g[0] = g[1] = g[2] = 0;
          }
          const o = (p * dim + col) * 3;
          jac[o] = g[0];
          jac[o + 1] = g[1];
          jac[o + 2] = g[2];
        }
      }
    }
  }
}

/**
 * Spherical harmonics of `x` [..., 3] for degrees `ls` (number L = 0..L, or a list), as a tensor
 * [..., Σ(2l+1)] in e3nn's layout. Differentiable with respect to `x`. Throws on NaN input.
 */
export function sphericalHarmonics(
  ls: number | readonly number[],
  x: Tensor,
  opts: SphericalHarmonicsOptions = {},
): Tensor {
  const list = parseLs("sphericalHarmonics", ls);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== 3) {
    throw new ErlangenError(`sphericalHarmonics: argument 'x' expected shape [..., 3], got ${fmtShape(x.shape)}`);
  }
  if (x.dtype !== "float32" && x.dtype !== "float64")
    throw new ErlangenError(`sphericalHarmonics: argument 'x' expected a float tensor, got ${x.dtype}`);
  for (let i = 0; i < x.size; i++) {
    if (Number.isNaN(x.data[i]!))
      throw new ErlangenError(`sphericalHarmonics: argument 'x' contains NaN at flat index ${i}`);
  }
  const normalize = opts.normalize ?? true;
  const normalization = opts.normalization ?? "integral";
  const n = x.size / 3;
  const dim = list.reduce((s, l) => s + 2 * l + 1, 0);
  const out = allocate(x.dtype, n * dim) as Float32Array | Float64Array;
  const needJac = x.requiresGrad;
  const jac = needJac ? new Float64Array(n * dim * 3) : undefined;
  evalSphericalHarmonics(list, x.data as Float32Array | Float64Array, n, normalize, normalization, out, jac);
  const res = new Tensor(out, [...x.shape.slice(0, -1), dim], x.dtype);
  return record("sphericalHarmonics", [x], res, (g) => {
    const gx = allocate(x.dtype, x.size);
    const gd = g.data;
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < dim; c++) {
        const v = gd[p * dim + c]!;
        if (v === 0) continue;
        const o = (p * dim + c) * 3;
        gx[p * 3]! += v * jac![o]!;
        gx[p * 3 + 1]! += v * jac![o + 1]!;
        gx[p * 3 + 2]! += v * jac![o + 2]!;
      }
    }
    return [new Tensor(gx, x.shape, x.dtype)];
  });
}
