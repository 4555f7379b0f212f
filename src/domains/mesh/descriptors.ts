/**
 * Spectral point descriptors from a Laplace–Beltrami eigenbasis (`eigenbasis.ts`), invariant to
 * isometries of the surface:
 *
 * - **Heat kernel signature** (Sun, Ovsjanikov, Guibas 2009): `HKS(x, t) = Σ_i exp(−λ_i t) φ_i(x)²`, the
 *   heat remaining at x after time t from a unit source at x. Default times: `count` (16, as
 *   DiffusionNet) values log-spaced over Sun et al.'s range `[4 ln 10 / λ_max, 4 ln 10 / λ_1]` (λ_1 the
 *   first non-zero eigenvalue, λ_max the largest in the basis), so it adapts to the shape's scale.
 *   DiffusionNet's own choice, `t = logspace(−2, 0, 16)` on shapes scaled to unit size, is
 *   `heatKernelSignature(basis, logspace(-2, 0, 16))`.
 * - **Wave kernel signature** (Aubry, Schlickewei, Cremers 2011): the probability of a quantum particle
 *   with energy distribution centred at log-energy e to be at x,
 *   `WKS(x, e) = Σ_i φ_i(x)² exp(−(e − log λ_i)² / 2σ²) / Σ_i exp(−(e − log λ_i)² / 2σ²)` over the
 *   non-zero eigenvalues. Default energies: `count` (100, as Aubry et al.) values evenly spaced in
 *   `[log λ_1 + 2σ, log λ_max − 2σ]` with `σ = 7 δ`, δ = (log λ_max − log λ_1) / count (their variance
 *   rule).
 *
 * Outputs are row-major `[V, T]` float64 arrays.
 */
import { opError } from "../../tensor/errors.js";
import type { MeshEigenbasis } from "./eigenbasis.js";

/** `n` values `10^a .. 10^b`, evenly spaced in log10 (NumPy's `logspace`). */
export function logspace(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 10 ** (n === 1 ? a : a + ((b - a) * i) / (n - 1));
  return out;
}

/** Eigenvalues that count as zero (the constant functions): below 1e-10 times the largest. */
function firstNonZero(values: Float64Array): number {
  const vmax = values[values.length - 1] ?? 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > 1e-10 * vmax) return i;
  return values.length;
}

function checkBasis(op: string, basis: MeshEigenbasis): void {
  const V = basis.numVertices;
  const k = basis.values.length;
  if (basis.vectors.length !== V * k)
    opError(op, "basis", `vectors of length V·k = ${V * k}`, String(basis.vectors.length));
}

/** Sun et al.'s default times: `count` values log-spaced in `[4 ln 10 / λ_max, 4 ln 10 / λ_1]`. */
export function hksTimes(values: Float64Array, count = 16): Float64Array {
  const i1 = firstNonZero(values);
  if (i1 >= values.length) opError("hksTimes", "values", "at least one non-zero eigenvalue", "none");
  const c = 4 * Math.log(10);
  const tmin = c / values[values.length - 1]!;
  const tmax = c / values[i1]!;
  return logspace(Math.log10(tmin), Math.log10(tmax), count);
}

/**
 * Heat kernel signature `[V, T]` at the given `times` (an array, or a count for {@link hksTimes}; default
 * 16 of them). All eigenpairs of the basis are used, the constant one included.
 */
export function heatKernelSignature(basis: MeshEigenbasis, times: ArrayLike<number> | number = 16): Float64Array {
  const op = "heatKernelSignature";
  checkBasis(op, basis);
  const ts = typeof times === "number" ? hksTimes(basis.values, times) : Float64Array.from(times);
  for (let j = 0; j < ts.length; j++)
    if (!(ts[j]! >= 0 && Number.isFinite(ts[j]!)))
      opError(op, "times", "non-negative finite times", `${ts[j]} at ${j}`);
  const V = basis.numVertices;
  const k = basis.values.length;
  const T = ts.length;
  // coefficient table exp(−λ_i t_j), [k, T]
  const coef = new Float64Array(k * T);
  for (let i = 0; i < k; i++) for (let j = 0; j < T; j++) coef[i * T + j] = Math.exp(-basis.values[i]! * ts[j]!);
  const out = new Float64Array(V * T);
  const phi = basis.vectors;
  for (let v = 0; v < V; v++) {
    const o = v * T;
    for (let i = 0; i < k; i++) {
      const p = phi[v * k + i]!;
      const p2 = p * p;
      for (let j = 0; j < T; j++) out[o + j]! += p2 * coef[i * T + j]!;
    }
  }
  return out;
}

/** Aubry et al.'s default energies and σ (see the module docs). */
export function wksEnergies(values: Float64Array, count = 100): { energies: Float64Array; sigma: number } {
  const i1 = firstNonZero(values);
  if (values.length - i1 < 2)
    opError("wksEnergies", "values", "at least two non-zero eigenvalues", String(values.length - i1));
  let emin = Math.log(values[i1]!);
  let emax = Math.log(values[values.length - 1]!);
  const sigma = (7 * (emax - emin)) / count;
  emin += 2 * sigma;
  emax -= 2 * sigma;
  const energies = new Float64Array(count);
  for (let j = 0; j < count; j++)
    energies[j] = count === 1 ? (emin + emax) / 2 : emin + ((emax - emin) * j) / (count - 1);
  return { energies, sigma };
}

/**
 * Wave kernel signature `[V, E]` at log-energies `energies` with bandwidth `sigma` (an array and σ, or a
 * count for {@link wksEnergies}; default 100 energies). Zero eigenvalues are skipped.
 */
export function waveKernelSignature(
  basis: MeshEigenbasis,
  energies: ArrayLike<number> | number = 100,
  sigma?: number,
): Float64Array {
  const op = "waveKernelSignature";
  checkBasis(op, basis);
  let es: Float64Array;
  let s: number;
  if (typeof energies === "number") {
    const d = wksEnergies(basis.values, energies);
    es = d.energies;
    s = sigma ?? d.sigma;
  } else {
    es = Float64Array.from(energies);
    if (sigma === undefined) return opError(op, "sigma", "a positive bandwidth when energies are given", "undefined");
    s = sigma;
  }
  if (!(s > 0)) opError(op, "sigma", "a positive number", String(s));
  const V = basis.numVertices;
  const k = basis.values.length;
  const E = es.length;
  const i1 = firstNonZero(basis.values);
  const coef = new Float64Array(k * E);
  const norm = new Float64Array(E);
  for (let i = i1; i < k; i++) {
    const le = Math.log(basis.values[i]!);
    for (let j = 0; j < E; j++) {
      const c = Math.exp(-((es[j]! - le) ** 2) / (2 * s * s));
      coef[i * E + j] = c;
      norm[j]! += c;
    }
  }
  for (let j = 0; j < E; j++) {
    if (!(norm[j]! > 0))
      opError(op, "energies", "energies within reach of the eigenvalues' logarithms", `${es[j]} (weights underflow)`);
    for (let i = i1; i < k; i++) coef[i * E + j]! /= norm[j]!;
  }
  const out = new Float64Array(V * E);
  const phi = basis.vectors;
  for (let v = 0; v < V; v++) {
    const o = v * E;
    for (let i = i1; i < k; i++) {
      const p = phi[v * k + i]!;
      const p2 = p * p;
      for (let j = 0; j < E; j++) out[o + j]! += p2 * coef[i * E + j]!;
    }
  }
  return out;
}
