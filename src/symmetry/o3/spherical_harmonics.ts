/**
 * Real spherical harmonics up to l = 8 in e3nn's conventions (polar axis y; order m = −l..l; the
 * three normalisations `component` (Σ_m Y² = 2l+1), `norm` (Σ_m Y² = 1) and `integral` (∫Y² = 1)).
 * e3nn(x, y, z)[l][m+l] equals the textbook real harmonic Y_lm (polar axis z', no Condon–Shortley
 * phase) at (x', y', z') = (z, x, y).
 *
 * Each Y_lm is stored as a homogeneous polynomial of degree l (a solid harmonic), so
 * `normalize: false` gives the raw polynomials of the input and gradients are exact. The polynomials
 * and their derivatives are packed once per (degrees, normalisation) and evaluated by the kernels
 * `sphericalHarmonicsForward` / `sphericalHarmonicsBackward` (WASM for float32).
 */
import { packSphericalHarmonics, type ShPolynomial, type ShTable } from "../../kernels/ref/o3.js";
import { sphericalHarmonicsBackward, sphericalHarmonicsForward } from "../../kernels/registry.js";
import { record } from "../../tensor/autograd.js";
import { allocateEmpty } from "../../tensor/dtype.js";
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

/** The packed monomial table of each (degrees, normalisation) used so far. */
const packed = new Map<string, ShTable>();

/**
 * The harmonics of degrees `ls` in a normalisation as the kernels evaluate them: monomial lists of each
 * value and its x, y, z derivatives (`ShTable`, see `packSphericalHarmonics`), built once and cached.
 */
export function shPacked(ls: readonly number[], normalization: SHNormalization): ShTable {
  const key = `${normalization}:${ls.join(",")}`;
  let t = packed.get(key);
  if (t) return t;
  const tab = shTable();
  const cols: ShPolynomial[] = [];
  for (const l of ls) {
    const f = normFactor(l, normalization);
    for (let m = -l; m <= l; m++) {
      const monos = tab[l * l + l + m]!;
      cols.push({
        c: monos.map((mo) => f * mo.c),
        a: monos.map((mo) => mo.a),
        b: monos.map((mo) => mo.b),
        d: monos.map((mo) => mo.d),
      });
    }
  }
  t = packSphericalHarmonics(cols, Math.max(0, ...ls));
  packed.set(key, t);
  return t;
}

/**
 * Evaluates the harmonics of degrees `ls` at points `xyz` [n, 3], writing values [n, Σ(2l+1)] into `out`
 * (float64 arithmetic for float64 arrays). Returns the flat index of the first NaN in `xyz`, or −1.
 */
export function evalSphericalHarmonics(
  ls: readonly number[],
  xyz: Float32Array | Float64Array,
  n: number,
  normalize: boolean,
  normalization: SHNormalization,
  out: Float32Array | Float64Array,
): number {
  return sphericalHarmonicsForward(shPacked(ls, normalization), xyz, n, normalize, out);
}

/**
 * Spherical harmonics of `x` [..., 3] for degrees `ls` (number L = 0..L, or a list), as a tensor
 * [..., Σ(2l+1)] in e3nn's layout. Differentiable with respect to `x` (the gradient is evaluated from
 * the derivative polynomials; no Jacobian is stored). Throws on NaN input.
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
  const normalize = opts.normalize ?? true;
  const table = shPacked(list, opts.normalization ?? "integral");
  const n = x.size / 3;
  const dim = table.dim;
  const xd = x.data as Float32Array | Float64Array;
  const dtype = x.dtype;
  const out = allocateEmpty(dtype, n * dim);
  const bad = sphericalHarmonicsForward(table, xd, n, normalize, out);
  if (bad >= 0) throw new ErlangenError(`sphericalHarmonics: argument 'x' contains NaN at flat index ${bad}`);
  const res = new Tensor(out, [...x.shape.slice(0, -1), dim], x.dtype);
  return record("sphericalHarmonics", [x], res, (g) => {
    const gx = allocateEmpty(dtype, x.size);
    sphericalHarmonicsBackward(table, xd, g.data as Float32Array | Float64Array, n, normalize, gx);
    return [new Tensor(gx, x.shape, x.dtype)];
  });
}
