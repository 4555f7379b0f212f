/**
 * The rescaled mesh Laplacian of spectral Chebyshev convolutions on a surface,
 *
 *   L̂ = 2 Δ / λ_max − I,   Δ = M⁻¹ L (`mass`, the discrete Laplace–Beltrami operator)
 *                          or Δ = M^{−½} L M^{−½} (`sym`, its symmetric form),
 *
 * from the cotangent Laplacian L = D − W (PSD) and the lumped mass M. Both forms have the same real
 * spectrum in [0, λ_max], so T_k(L̂) is bounded on it; `mass` acts on functions (a constant is in its
 * kernel, and the filters do not depend on the mesh's resolution to first order), `sym` on
 * M^{½}-weighted ones. λ_max is the largest eigenvalue of Δ: given, or estimated by power iteration on
 * the symmetric form (Rayleigh quotient, then 1 % added so that the spectrum of L̂ stays in [−1, 1]).
 */
import { CsrMatrix } from "../../linalg/csr.js";
import { opError } from "../../tensor/errors.js";

/** Options of {@link chebyshevLaplacian}. */
export interface ChebyshevLaplacianOptions {
  /** `mass` (M⁻¹L, default) or `sym` (M^{−½} L M^{−½}). */
  normalization?: "mass" | "sym";
  /** The largest eigenvalue of the normalised operator (default: estimated, see the module docs). */
  lambdaMax?: number;
}

function checkCsr(op: string, L: CsrMatrix, mass: ArrayLike<number>): number {
  const V = L.rows;
  if (L.cols !== V) opError(op, "L", "a square matrix", `${L.rows}×${L.cols}`);
  if (mass.length !== V) opError(op, "mass", `length ${V} (L's size)`, String(mass.length));
  for (let i = 0; i < V; i++)
    if (!(mass[i]! > 0)) opError(op, "mass", "positive vertex areas", `${mass[i]} at vertex ${i}`);
  return V;
}

/**
 * The largest eigenvalue of M^{−½} L M^{−½} (equal to that of M⁻¹L) by power iteration from a fixed
 * start, to relative change 1e-7 or `maxIter` steps (default 500).
 */
export function laplacianLambdaMax(L: CsrMatrix, mass: ArrayLike<number>, maxIter = 500): number {
  const V = checkCsr("laplacianLambdaMax", L, mass);
  const s = new Float64Array(V);
  for (let i = 0; i < V; i++) s[i] = 1 / Math.sqrt(mass[i]!);
  let x = new Float64Array(V);
  // a start with components on every high-frequency mode: alternating signs, irregular magnitudes
  for (let i = 0; i < V; i++) x[i] = (i % 2 === 0 ? 1 : -1) * (1 + ((i * 7919) % 13) / 13);
  let lam = 0;
  for (let it = 0; it < maxIter; it++) {
    let nx = 0;
    for (let i = 0; i < V; i++) nx += x[i]! * x[i]!;
    nx = Math.sqrt(nx);
    if (nx === 0) return 0;
    const y = new Float64Array(V);
    for (let i = 0; i < V; i++) {
      let acc = 0;
      for (let p = L.rowPtr[i]!; p < L.rowPtr[i + 1]!; p++)
        acc += L.values[p]! * s[L.colIndex[p]!]! * x[L.colIndex[p]!]!;
      y[i] = (s[i]! * acc) / nx;
    }
    let q = 0;
    for (let i = 0; i < V; i++) q += (x[i]! / nx) * y[i]!;
    const done = Math.abs(q - lam) <= 1e-7 * Math.abs(q);
    lam = q;
    x = y;
    if (done && it > 10) break;
  }
  return lam;
}

/** The rescaled Laplacian L̂ = 2Δ/λ_max − I as CSR (see the module docs). */
export function chebyshevLaplacian(
  L: CsrMatrix,
  mass: ArrayLike<number>,
  opts: ChebyshevLaplacianOptions = {},
): CsrMatrix {
  const op = "chebyshevLaplacian";
  const V = checkCsr(op, L, mass);
  const norm = opts.normalization ?? "mass";
  if (norm !== "mass" && norm !== "sym") opError(op, "normalization", "'mass' or 'sym'", String(norm));
  const lam = opts.lambdaMax ?? 1.01 * laplacianLambdaMax(L, mass);
  if (!(lam > 0) || !Number.isFinite(lam)) opError(op, "lambdaMax", "a positive finite number", String(lam));
  // rows with the diagonal entry present (insert it where L has none)
  const rowPtr = new Int32Array(V + 1);
  for (let i = 0; i < V; i++) {
    let hasDiag = false;
    for (let p = L.rowPtr[i]!; p < L.rowPtr[i + 1]!; p++) if (L.colIndex[p] === i) hasDiag = true;
    rowPtr[i + 1] = rowPtr[i]! + (L.rowPtr[i + 1]! - L.rowPtr[i]!) + (hasDiag ? 0 : 1);
  }
  const colIndex = new Int32Array(rowPtr[V]!);
  const values = new Float64Array(rowPtr[V]!);
  for (let i = 0; i < V; i++) {
    let q = rowPtr[i]!;
    let placed = false;
    const put = (c: number, v: number) => {
      colIndex[q] = c;
      values[q] = v;
      q++;
    };
    for (let p = L.rowPtr[i]!; p < L.rowPtr[i + 1]!; p++) {
      const j = L.colIndex[p]!;
      if (!placed && j > i) {
        put(i, -1);
        placed = true;
      }
      const scale = norm === "mass" ? 1 / mass[i]! : 1 / Math.sqrt(mass[i]! * mass[j]!);
      const v = (2 * L.values[p]! * scale) / lam;
      if (j === i) {
        put(i, v - 1);
        placed = true;
      } else put(j, v);
    }
    if (!placed) put(i, -1);
  }
  return new CsrMatrix(V, V, rowPtr, colIndex, values);
}
