/**
 * Preconditioned conjugate gradients for symmetric positive (semi-)definite systems `A x = b`, the
 * matrix-free fallback where a factorisation is too large. Jacobi (diagonal) preconditioning by
 * default; any preconditioner `z = M⁻¹ r` can be passed.
 */
import { opError } from "../tensor/errors.js";
import { CsrMatrix } from "./csr.js";

/** A linear operator: writes `A x` into `y`. */
export type LinearOperator = (x: Float64Array, y: Float64Array) => void;

/** Options of {@link conjugateGradient}. */
export interface CgOptions {
  /** Stop when `‖r‖ ≤ tol · ‖b‖` (default 1e-10). */
  tol?: number;
  /** Iteration cap (default `max(100, 10 n)`). */
  maxIter?: number;
  /**
   * `"jacobi"` (default for a {@link CsrMatrix}: divide by the diagonal), `"none"`, or a function
   * writing `M⁻¹ r` into `z`.
   */
  preconditioner?: "jacobi" | "none" | ((r: Float64Array, z: Float64Array) => void);
  /** Initial guess (default 0). */
  x0?: ArrayLike<number>;
}

/** Solution and convergence record of {@link conjugateGradient}. */
export interface CgResult {
  x: Float64Array;
  iterations: number;
  /** Final relative residual `‖b − A x‖ / ‖b‖`. */
  residual: number;
  converged: boolean;
}

/** Solves `A x = b` by preconditioned conjugate gradients (see the module docs). */
export function conjugateGradient(a: CsrMatrix | LinearOperator, b: ArrayLike<number>, opts: CgOptions = {}): CgResult {
  const op = "conjugateGradient";
  const n = b.length;
  if (a instanceof CsrMatrix && (a.rows !== n || a.cols !== n))
    opError(op, "a", `a ${n}×${n} matrix (the length of b)`, `${a.rows}×${a.cols}`);
  const apply: LinearOperator = a instanceof CsrMatrix ? (x, y) => a.matvec(x, y) : a;
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? Math.max(100, 10 * n);
  let precond: ((r: Float64Array, z: Float64Array) => void) | null = null;
  const pc = opts.preconditioner ?? (a instanceof CsrMatrix ? "jacobi" : "none");
  if (pc === "jacobi") {
    if (!(a instanceof CsrMatrix))
      opError(op, "preconditioner", "'none' or a function for a matrix-free operator", "'jacobi'");
    const d = a.diagonal();
    const inv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (!(d[i]! > 0)) opError(op, "a", "a positive diagonal for the Jacobi preconditioner", `${d[i]} at row ${i}`);
      inv[i] = 1 / d[i]!;
    }
    precond = (r, z) => {
      for (let i = 0; i < n; i++) z[i] = inv[i]! * r[i]!;
    };
  } else if (typeof pc === "function") precond = pc;
  else if (pc !== "none") opError(op, "preconditioner", "'jacobi', 'none' or a function", String(pc));
  const x = new Float64Array(n);
  if (opts.x0) {
    if (opts.x0.length !== n) opError(op, "x0", `length ${n}`, String(opts.x0.length));
    x.set(opts.x0);
  }
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  apply(x, q);
  let bnorm = 0;
  for (let i = 0; i < n; i++) {
    r[i] = b[i]! - q[i]!;
    bnorm += b[i]! * b[i]!;
  }
  bnorm = Math.sqrt(bnorm);
  if (bnorm === 0) return { x: new Float64Array(n), iterations: 0, residual: 0, converged: true };
  const rnorm = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += r[i]! * r[i]!;
    return Math.sqrt(s);
  };
  let res = rnorm() / bnorm;
  if (res <= tol) return { x, iterations: 0, residual: res, converged: true };
  if (precond) precond(r, z);
  else z.set(r);
  p.set(z);
  let rz = 0;
  for (let i = 0; i < n; i++) rz += r[i]! * z[i]!;
  let it = 0;
  while (it < maxIter) {
    it++;
    apply(p, q);
    let pq = 0;
    for (let i = 0; i < n; i++) pq += p[i]! * q[i]!;
    if (!(pq > 0)) break; // breakdown: A not positive definite along p
    const alpha = rz / pq;
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * p[i]!;
      r[i]! -= alpha * q[i]!;
    }
    res = rnorm() / bnorm;
    if (res <= tol) break;
    if (precond) precond(r, z);
    else z.set(r);
    let rzNew = 0;
    for (let i = 0; i < n; i++) rzNew += r[i]! * z[i]!;
    const beta = rzNew / rz;
    rz = rzNew;
    for (let i = 0; i < n; i++) p[i] = z[i]! + beta * p[i]!;
  }
  return { x, iterations: it, residual: res, converged: res <= tol };
}
