/**
 * The k eigenvalues nearest a shift σ, and their eigenvectors, of the generalised symmetric problem
 * `A x = λ B x` (A symmetric, B symmetric positive definite: a positive diagonal or a sparse matrix), in
 * the manner of SciPy's `eigsh(A, k, M=B, sigma=σ)`:
 *
 * - **Shift-invert**: the operator `OP = (A − σB)⁻¹ B` has the eigenvalues `θ = 1 / (λ − σ)` with the
 *   same eigenvectors, so the λ nearest σ become the θ of largest magnitude, which Krylov methods find
 *   first. `A − σB` is factorised once by the sparse LDLᵀ of `cholesky.ts`; σ must lie below the
 *   smallest eigenvalue so that it is positive definite. The default σ is slightly below 0
 *   (`−1e-8 · mean(diag A) / mean(diag B)`), as DiffusionNet's `eigsh(L + εM, k, M, sigma=ε)`, for the
 *   smallest eigenpairs of a positive semi-definite A (a Laplacian).
 * - **Lanczos in the B-inner product**: OP is self-adjoint for `⟨x, y⟩_B = xᵀ B y`. Each new Krylov
 *   vector is B-orthogonalised against the whole basis by classical Gram–Schmidt, repeated once when
 *   cancellation is large (full reorthogonalisation, "twice is enough").
 * - **Thick restarts (Krylov–Schur, Stewart 2001)**: the basis holds `ncv` vectors; when it is full, the
 *   projected matrix is diagonalised, the `p` Ritz vectors of largest |θ| are kept (with the residual
 *   vector), and the expansion resumes. A Ritz pair has converged when its residual
 *   `|β · y_last| ≤ tol · |θ|` (ARPACK's test). Eigenvalues return ascending, eigenvectors
 *   B-orthonormal (`Xᵀ B X = I`), as a row-major `[n, k]` array.
 *
 * Memory is `n · (ncv + 1)` floats for the basis plus the factor; no dense `n × n` matrix is formed
 * unless `n ≤ denseThreshold`, where a dense generalised eigensolve (Householder + QL on
 * `B^-1/2 A B^-1/2`) is faster and exact.
 */
import { ErlangenError, opError } from "../tensor/errors.js";
import { Generator } from "../tensor/rng.js";
import { type CholeskyFactor, type CholeskyOrdering, cholesky } from "./cholesky.js";
import { CsrMatrix } from "./csr.js";
import { symEigDense } from "./dense_eigen.js";

/** Options of {@link eigsh}. */
export interface EigshOptions {
  /** Shift σ (below the smallest wanted eigenvalue; default `−1e-8 · mean(diag A) / mean(diag B)`). */
  sigma?: number;
  /** Relative residual tolerance of the Ritz pairs (default 1e-10). */
  tol?: number;
  /** Maximum number of thick restarts (default 300). */
  maxIter?: number;
  /** Krylov basis size (default `min(n, max(2k + 1, 20))`, as ARPACK/SciPy). */
  ncv?: number;
  /** Seed of the random start vector (default 0). */
  seed?: number;
  /** Start vector (default: seeded Gaussian). */
  v0?: ArrayLike<number>;
  /** Problems with `n ≤ denseThreshold` are solved densely (default 300; 0 forces the Krylov method). */
  denseThreshold?: number;
  /**
   * After convergence, lock the pairs found and expand a few steps from a random vector in their
   * complement, to catch copies of exactly repeated eigenvalues that a single Krylov sequence misses
   * (default true).
   */
  verify?: boolean;
  /** Fill-reducing ordering of the factorisation of `A − σB` (default nested dissection). */
  ordering?: CholeskyOrdering;
}

/** Result of {@link eigsh}. */
export interface EigshResult {
  /** The k eigenvalues, ascending. */
  values: Float64Array;
  /** Row-major `[n, k]`: column j is the eigenvector of `values[j]`, B-orthonormal. */
  vectors: Float64Array;
  n: number;
  k: number;
  /** The shift used. */
  sigma: number;
  /** `"dense"` or `"krylov-schur"`. */
  method: "dense" | "krylov-schur";
  /** Thick restarts performed (Krylov path). */
  restarts: number;
  /** Applications of OP (one sparse solve each). */
  solves: number;
  /** Non-zeros of the factor of `A − σB` (Krylov path; 0 on the dense path). */
  nnzFactor: number;
}

type BOperator = { kind: "identity" } | { kind: "diag"; d: Float64Array } | { kind: "sparse"; m: CsrMatrix };

function toB(op: string, n: number, b: CsrMatrix | ArrayLike<number> | null | undefined): BOperator {
  if (b === undefined || b === null) return { kind: "identity" };
  if (b instanceof CsrMatrix) {
    if (b.rows !== n || b.cols !== n) opError(op, "B", `a ${n}×${n} matrix`, `${b.rows}×${b.cols}`);
    return { kind: "sparse", m: b };
  }
  if (b.length !== n) opError(op, "B", `a diagonal of length ${n} or a CsrMatrix`, `length ${b.length}`);
  const d = Float64Array.from(b);
  for (let i = 0; i < n; i++)
    if (!(d[i]! > 0) || !Number.isFinite(d[i]!)) opError(op, "B", "a positive diagonal", `${d[i]} at row ${i}`);
  return { kind: "diag", d };
}

function applyB(B: BOperator, x: Float64Array, out: Float64Array): void {
  if (B.kind === "identity") out.set(x);
  else if (B.kind === "diag") {
    const d = B.d;
    for (let i = 0; i < x.length; i++) out[i] = d[i]! * x[i]!;
  } else B.m.matvec(x, out);
}

/**
 * The `k` eigenpairs of `A x = λ B x` nearest `sigma` (by default the k smallest of a positive
 * semi-definite A). `B` is a positive diagonal (`ArrayLike<number>`), a sparse SPD {@link CsrMatrix},
 * or absent (the identity). `k` larger than n is clamped to n. See the module docs for the method.
 */
export function eigsh(
  a: CsrMatrix,
  k: number,
  b?: CsrMatrix | ArrayLike<number> | null,
  opts: EigshOptions = {},
): EigshResult {
  const op = "eigsh";
  if (!(a instanceof CsrMatrix)) opError(op, "A", "a CsrMatrix", typeof a);
  if (a.rows !== a.cols) opError(op, "A", "a square matrix", `${a.rows}×${a.cols}`);
  const n = a.rows;
  if (!Number.isInteger(k) || k < 1) opError(op, "k", "a positive integer", String(k));
  const kk = Math.min(k, n);
  const B = toB(op, n, b);
  const tol = opts.tol ?? 1e-10;
  if (!(tol > 0)) opError(op, "tol", "a positive number", String(tol));
  let sigma = opts.sigma;
  if (sigma === undefined) {
    const da = a.diagonal();
    let sa = 0;
    for (const v of da) sa += Math.abs(v);
    let sb = n;
    if (B.kind === "diag") sb = B.d.reduce((s, v) => s + v, 0);
    else if (B.kind === "sparse") sb = B.m.diagonal().reduce((s, v) => s + Math.abs(v), 0);
    const scale = sa > 0 && sb > 0 ? sa / sb : 1;
    sigma = -1e-8 * scale;
  }
  if (!Number.isFinite(sigma)) opError(op, "sigma", "a finite number", String(sigma));
  const denseThreshold = opts.denseThreshold ?? 300;
  if (n <= denseThreshold) return denseEig(a, kk, B, sigma);
  // factorise A − σB
  const shifted =
    B.kind === "identity"
      ? a.addDiagonal(-sigma)
      : B.kind === "diag"
        ? a.addDiagonal(B.d.map((v) => -sigma! * v))
        : a.add(B.m, 1, -sigma);
  let factor: CholeskyFactor;
  try {
    factor = cholesky(shifted, { ordering: opts.ordering ?? "nested-dissection" });
  } catch (e) {
    if (e instanceof ErlangenError)
      throw new ErlangenError(
        `eigsh: A − σB with σ = ${sigma} is not positive definite (${e.message}); ` +
          "A must be positive semi-definite, or pass a sigma below its smallest eigenvalue",
      );
    throw e;
  }
  const res = krylovSchur(a, kk, factor, B, sigma, tol, opts);
  return { ...res, nnzFactor: factor.symbolic.nnzL + n };
}

/** Dense path: the full generalised problem through `C = R⁻¹ A R⁻ᵀ` with `B = R Rᵀ`. */
function denseEig(a: CsrMatrix, k: number, B: BOperator, sigma: number): EigshResult {
  const n = a.rows;
  const A = a.toDense();
  // symmetrise (only symmetric input is meaningful)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (A[i * n + j]! + A[j * n + i]!);
      A[i * n + j] = s;
      A[j * n + i] = s;
    }
  let C: Float64Array;
  let back: (y: Float64Array) => Float64Array; // [n, n] eigvecs of C (columns) → X
  if (B.kind !== "sparse") {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = B.kind === "diag" ? 1 / Math.sqrt(B.d[i]!) : 1;
    C = A;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j]! *= s[i]! * s[j]!;
    back = (y) => {
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i * n + j]! *= s[i]!;
      return y;
    };
  } else {
    const R = denseCholesky(B.m.toDense(), n);
    // W = R⁻¹ A (columns), C = W R⁻ᵀ = (R⁻¹ Wᵀ)ᵀ
    const W = lowerSolveColumns(R, A, n);
    const Wt = transposeDense(W, n);
    C = transposeDense(lowerSolveColumns(R, Wt, n), n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) {
        const v = 0.5 * (C[i * n + j]! + C[j * n + i]!);
        C[i * n + j] = v;
        C[j * n + i] = v;
      }
    back = (y) => upperTransposeSolveColumns(R, y, n);
  }
  const e = symEigDense(C, n);
  const X = back(e.vectors);
  // the k eigenvalues nearest sigma, ascending
  const idx = Array.from({ length: n }, (_, i) => i)
    .sort((i, j) => Math.abs(e.values[i]! - sigma) - Math.abs(e.values[j]! - sigma) || i - j)
    .slice(0, k)
    .sort((i, j) => e.values[i]! - e.values[j]! || i - j);
  const values = new Float64Array(k);
  const vectors = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    const j = idx[c]!;
    values[c] = e.values[j]!;
    for (let r = 0; r < n; r++) vectors[r * k + c] = X[r * n + j]!;
  }
  return { values, vectors, n, k, sigma, method: "dense", restarts: 0, solves: 0, nnzFactor: 0 };
}

/** Dense lower Cholesky factor R (row-major) with `B = R Rᵀ`. */
function denseCholesky(b: Float64Array, n: number): Float64Array {
  const R = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = b[j * n + j]!;
    for (let t = 0; t < j; t++) d -= R[j * n + t]! * R[j * n + t]!;
    if (!(d > 0)) opError("eigsh", "B", "a symmetric positive definite matrix", `pivot ${d} at row ${j}`);
    const rjj = Math.sqrt(d);
    R[j * n + j] = rjj;
    for (let i = j + 1; i < n; i++) {
      let s = b[i * n + j]!;
      for (let t = 0; t < j; t++) s -= R[i * n + t]! * R[j * n + t]!;
      R[i * n + j] = s / rjj;
    }
  }
  return R;
}

/** `R⁻¹ X` for lower-triangular R and row-major X `[n, n]`. */
function lowerSolveColumns(R: Float64Array, X: Float64Array, n: number): Float64Array {
  const Y = Float64Array.from(X);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < i; t++) {
      const r = R[i * n + t]!;
      if (r !== 0) for (let c = 0; c < n; c++) Y[i * n + c]! -= r * Y[t * n + c]!;
    }
    const d = R[i * n + i]!;
    for (let c = 0; c < n; c++) Y[i * n + c]! /= d;
  }
  return Y;
}

/** `R⁻ᵀ X` for lower-triangular R and row-major X `[n, n]`. */
function upperTransposeSolveColumns(R: Float64Array, X: Float64Array, n: number): Float64Array {
  const Y = Float64Array.from(X);
  for (let i = n - 1; i >= 0; i--) {
    for (let t = i + 1; t < n; t++) {
      const r = R[t * n + i]!;
      if (r !== 0) for (let c = 0; c < n; c++) Y[i * n + c]! -= r * Y[t * n + c]!;
    }
    const d = R[i * n + i]!;
    for (let c = 0; c < n; c++) Y[i * n + c]! /= d;
  }
  return Y;
}

function transposeDense(X: Float64Array, n: number): Float64Array {
  const Y = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Y[j * n + i] = X[i * n + j]!;
  return Y;
}

/**
 * One classical Gram–Schmidt pass against the first `c` columns of the column-major basis
 * `Q [ld·n]` (column i at `Q[i·n ..]`): `t = Qᵀ z` (z = B w), `w −= Q t`, `h += t`. Four columns at a
 * time, so that each sweep over w and z serves four basis vectors.
 */
function gsPass(
  Q: Float64Array,
  n: number,
  c: number,
  w: Float64Array,
  z: Float64Array,
  t: Float64Array,
  h: Float64Array,
): void {
  let i = 0;
  for (; i + 4 <= c; i += 4) {
    const o0 = i * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let r = 0; r < n; r++) {
      const zr = z[r]!;
      s0 += Q[o0 + r]! * zr;
      s1 += Q[o1 + r]! * zr;
      s2 += Q[o2 + r]! * zr;
      s3 += Q[o3 + r]! * zr;
    }
    t[i] = s0;
    t[i + 1] = s1;
    t[i + 2] = s2;
    t[i + 3] = s3;
  }
  for (; i < c; i++) {
    const o = i * n;
    let s = 0;
    for (let r = 0; r < n; r++) s += Q[o + r]! * z[r]!;
    t[i] = s;
  }
  i = 0;
  for (; i + 4 <= c; i += 4) {
    const o0 = i * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    const t0 = t[i]!;
    const t1 = t[i + 1]!;
    const t2 = t[i + 2]!;
    const t3 = t[i + 3]!;
    for (let r = 0; r < n; r++) w[r]! -= Q[o0 + r]! * t0 + Q[o1 + r]! * t1 + Q[o2 + r]! * t2 + Q[o3 + r]! * t3;
  }
  for (; i < c; i++) {
    const o = i * n;
    const ti = t[i]!;
    for (let r = 0; r < n; r++) w[r]! -= Q[o + r]! * ti;
  }
  for (let j = 0; j < c; j++) h[j]! += t[j]!;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Rows per block of the basis rotations (a block of the basis stays in cache). */
const ROW_BLOCK = 128;

/**
 * `out[:, c] = Σ_l Q[:, l] · Y[l, c]` for c < cols, l < m, all column-major with column length n; `Y`
 * is column-major `[m, cols]` (`Y[c·m + l]`). Row-blocked; `out` may be `Q` itself (in-place rotation,
 * cols ≤ m) because each row block is finished in a scratch buffer before it is written back.
 */
function rotate(Q: Float64Array, n: number, m: number, Y: Float64Array, cols: number, out: Float64Array): void {
  const RB = ROW_BLOCK;
  const buf = new Float64Array(RB * cols);
  for (let r0 = 0; r0 < n; r0 += RB) {
    const R = Math.min(RB, n - r0);
    buf.fill(0);
    let c = 0;
    // four output columns at a time, two basis columns per inner sweep
    for (; c + 4 <= cols; c += 4) {
      const y0 = c * m;
      const y1 = y0 + m;
      const y2 = y1 + m;
      const y3 = y2 + m;
      const b0 = c * RB;
      const b1 = b0 + RB;
      const b2 = b1 + RB;
      const b3 = b2 + RB;
      let l = 0;
      for (; l + 2 <= m; l += 2) {
        const a0 = Y[y0 + l]!;
        const a1 = Y[y1 + l]!;
        const a2 = Y[y2 + l]!;
        const a3 = Y[y3 + l]!;
        const e0 = Y[y0 + l + 1]!;
        const e1 = Y[y1 + l + 1]!;
        const e2 = Y[y2 + l + 1]!;
        const e3 = Y[y3 + l + 1]!;
        const q0 = l * n + r0;
        const q1 = q0 + n;
        for (let r = 0; r < R; r++) {
          const x = Q[q0 + r]!;
          const xx = Q[q1 + r]!;
          buf[b0 + r]! += x * a0 + xx * e0;
          buf[b1 + r]! += x * a1 + xx * e1;
          buf[b2 + r]! += x * a2 + xx * e2;
          buf[b3 + r]! += x * a3 + xx * e3;
        }
      }
      for (; l < m; l++) {
        const q = l * n + r0;
        const a0 = Y[y0 + l]!;
        const a1 = Y[y1 + l]!;
        const a2 = Y[y2 + l]!;
        const a3 = Y[y3 + l]!;
        for (let r = 0; r < R; r++) {
          const x = Q[q + r]!;
          buf[b0 + r]! += x * a0;
          buf[b1 + r]! += x * a1;
          buf[b2 + r]! += x * a2;
          buf[b3 + r]! += x * a3;
        }
      }
    }
    for (; c < cols; c++) {
      const yo = c * m;
      const bo = c * RB;
      for (let l = 0; l < m; l++) {
        const y = Y[yo + l]!;
        const q = l * n + r0;
        for (let r = 0; r < R; r++) buf[bo + r]! += Q[q + r]! * y;
      }
    }
    for (let c2 = 0; c2 < cols; c2++) out.set(buf.subarray(c2 * RB, c2 * RB + R), c2 * n + r0);
  }
}

/** Thick-restart Lanczos (Krylov–Schur) on `OP = (A − σB)⁻¹ B` in the B-inner product. */
function krylovSchur(
  a: CsrMatrix,
  k: number,
  factor: CholeskyFactor,
  B: BOperator,
  sigma: number,
  tol: number,
  opts: EigshOptions,
): Omit<EigshResult, "nnzFactor"> {
  const op = "eigsh";
  const n = a.rows;
  if (opts.ncv !== undefined && (!Number.isInteger(opts.ncv) || opts.ncv <= k) && k < n)
    opError(op, "ncv", `an integer > k (${k})`, String(opts.ncv));
  const m = Math.min(n, Math.max(opts.ncv ?? Math.max(2 * k + 1, 20), k + 1));
  const maxIter = opts.maxIter ?? 300;
  // column-major basis: column j is Q[j·n .. (j+1)·n)
  const Q = new Float64Array(n * (m + 1));
  const col = (j: number): Float64Array => Q.subarray(j * n, (j + 1) * n);
  const T = new Float64Array(m * m);
  const w = new Float64Array(n);
  const z = new Float64Array(n);
  const bq = new Float64Array(n);
  const h = new Float64Array(m + 1);
  const t = new Float64Array(m + 1);
  const gen = new Generator(opts.seed ?? 0);
  let solves = 0;

  /**
   * Reorthogonalises w against columns [0, c) (one pass, a second when the B-norm fell below 1/√2 of
   * its value before the pass: DGKS); coefficients accumulate into h. Returns ‖w‖_B.
   */
  const reorthogonalize = (c: number, norm0: number): number => {
    let before = norm0;
    for (let pass = 0; pass < 3; pass++) {
      applyB(B, w, z);
      gsPass(Q, n, c, w, z, t, h);
      applyB(B, w, z);
      const norm = Math.sqrt(Math.max(dot(w, z), 0));
      if (norm > Math.SQRT1_2 * before) return norm;
      before = norm;
    }
    return before;
  };
  const bnorm = (v: Float64Array): number => {
    applyB(B, v, z);
    return Math.sqrt(Math.max(dot(v, z), 0));
  };
  /** A random unit vector B-orthogonal to columns [0, c), into column c; false if none exists. */
  const randomColumn = (c: number, v0?: ArrayLike<number>): boolean => {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (v0 && attempt === 0) for (let i = 0; i < n; i++) w[i] = v0[i]!;
      else for (let i = 0; i < n; i++) w[i] = gen.normal();
      const n0 = bnorm(w);
      h.fill(0, 0, c);
      const nr = c > 0 ? reorthogonalize(c, n0) : n0;
      if (nr > 1e-8 * n0 && Number.isFinite(nr)) {
        const q = col(c);
        for (let i = 0; i < n; i++) q[i] = w[i]! / nr;
        return true;
      }
    }
    return false;
  };

  if (opts.v0 !== undefined && opts.v0.length !== n) opError(op, "v0", `length ${n}`, String(opts.v0.length));
  if (!randomColumn(0, opts.v0)) opError(op, "v0", "a vector with a positive B-norm", "zero");

  let p = 0; // columns kept from the last restart (the residual vector is column p)
  let nlock = 0; // columns [0, nlock) hold converged Ritz vectors, decoupled from the rest of T
  let beta = 0;
  let restarts = 0;
  let limit = m; // basis size this expansion goes to (shorter in a verification round)
  let verify = opts.verify ?? true;
  let checking = false; // this expansion is a verification round
  for (;;) {
    let size = limit;
    let exhausted = false;
    for (let j = p; j < limit; j++) {
      const qj = col(j);
      applyB(B, qj, bq);
      factor.solve(bq, w);
      solves++;
      h.fill(0, 0, j + 1);
      const norm0 = bnorm(w);
      let norm = norm0;
      if (j > p) {
        // three-term recurrence first (OP is B-self-adjoint: w is B-orthogonal to all but q_{j-1}, q_j)
        const qm = col(j - 1);
        const b1 = T[(j - 1) * m + j]!;
        const alpha = dot(bq, w);
        for (let i = 0; i < n; i++) w[i]! -= b1 * qm[i]! + alpha * qj[i]!;
        h[j - 1] = b1;
        h[j] = alpha;
        norm = bnorm(w);
      }
      // full reorthogonalisation (right after a restart, this pass also finds the arrow couplings);
      // the round-off couplings to locked columns are dropped from T
      beta = reorthogonalize(j + 1, Math.max(norm, 1e-300));
      for (let i = 0; i <= j; i++) {
        const v = i < nlock ? 0 : h[i]!;
        T[i * m + j] = v;
        T[j * m + i] = v;
      }
      if (j + 1 === n) {
        beta = 0;
        size = j + 1;
        exhausted = true;
        break;
      }
      if (!(beta > 1e-13 * norm0) || !Number.isFinite(beta)) {
        // invariant subspace: continue with a fresh direction (no coupling)
        beta = 0;
        if (!randomColumn(j + 1)) {
          size = j + 1;
          exhausted = true;
          break;
        }
      } else {
        const q = col(j + 1);
        for (let i = 0; i < n; i++) q[i] = w[i]! / beta;
      }
      if (j + 1 < m) {
        T[j * m + j + 1] = beta;
        T[(j + 1) * m + j] = beta;
      }
    }
    // Ritz pairs: the locked block of T is diagonal, so only the active block is diagonalised
    const na = size - nlock;
    const Ta = new Float64Array(na * na);
    for (let i = 0; i < na; i++) for (let j = 0; j < na; j++) Ta[i * na + j] = T[(i + nlock) * m + j + nlock]!;
    const ea = symEigDense(Ta, na);
    const theta = new Float64Array(size);
    const last = new Float64Array(size); // last component of each Ritz vector's coordinates
    for (let i = 0; i < nlock; i++) theta[i] = T[i * m + i]!;
    for (let c = 0; c < na; c++) {
      theta[nlock + c] = ea.values[c]!;
      last[nlock + c] = ea.vectors[(na - 1) * na + c]!;
    }
    const order = Array.from({ length: size }, (_, i) => i).sort(
      (i, j) => Math.abs(theta[j]!) - Math.abs(theta[i]!) || i - j,
    );
    const conv = (i: number): boolean => Math.abs(beta * last[i]!) <= tol * Math.abs(theta[i]!);
    const want = Math.min(k, size);
    let nconv = 0;
    for (let c = 0; c < want; c++) if (conv(order[c]!)) nconv++;
    if (checking) {
      // did the verification round bring in a wanted Ritz pair from outside the locked ones?
      let found = false;
      for (let c = 0; c < want && !found; c++) {
        const i = order[c]!;
        if (i < nlock) continue;
        let wNew = 0;
        for (let l = p; l < size; l++) wNew += ea.vectors[(l - nlock) * na + i - nlock]! ** 2;
        if (wNew > 0.5) found = true;
      }
      verify = found; // a missing pair was found: check again once it has converged
      checking = false;
    }
    const converged = nconv >= want || exhausted;
    if (converged && !(verify && want < n - 1 && want < m))
      return finish(a, Q, n, nlock, size, ea.vectors, order.slice(0, want), bnorm, sigma, restarts, solves, w);
    if (!converged && restarts >= maxIter)
      throw new ErlangenError(
        `eigsh: no convergence after ${restarts} restarts (${nconv} of ${k} eigenpairs converged to tol ${tol}); ` +
          "raise maxIter or ncv, or loosen tol",
      );
    // Restart. Normally thick: keep the `keep` Ritz vectors of largest |θ| and the residual vector.
    // After convergence, a verification round instead: a single-vector Krylov space holds one
    // direction per eigenspace (more only through round-off), so exactly repeated eigenvalues
    // (symmetric shapes) can be missed; the wanted pairs are locked and a few steps are taken from a
    // random vector B-orthogonal to them, where a missing eigenvalue is the dominant θ.
    const verifying = converged;
    if (verifying) {
      verify = false;
      checking = true;
    } else restarts++;
    const keep = verifying
      ? want
      : Math.max(nlock + 1, Math.min(size - 1, Math.max(want + ((m - want) >> 1), nconv + ((m - nconv) >> 1))));
    const top = order.slice(0, keep);
    const locked = top.filter((i) => i < nlock);
    const fresh = top.filter((i) => i >= nlock && (verifying || conv(i)));
    const rest = top.filter((i) => i >= nlock && !(verifying || conv(i)));
    let sel: number[];
    if (locked.length === nlock) {
      // the locked columns stay in place; rotate the active ones: [newly converged, unconverged]
      locked.sort((x, y) => x - y);
      const act = [...fresh, ...rest];
      const Y = new Float64Array(na * act.length);
      for (let c = 0; c < act.length; c++)
        for (let l = 0; l < na; l++) Y[c * na + l] = ea.vectors[l * na + act[c]! - nlock]!;
      const Qa = Q.subarray(nlock * n);
      rotate(Qa, n, na, Y, act.length, Qa);
      sel = [...locked, ...act];
    } else {
      // some locked pairs fell out of the wanted set (rare): a general rotation
      sel = [...locked, ...fresh, ...rest];
      const Y = new Float64Array(size * keep);
      for (let c = 0; c < keep; c++) {
        const i = sel[c]!;
        if (i < nlock) Y[c * size + i] = 1;
        else for (let l = nlock; l < size; l++) Y[c * size + l] = ea.vectors[(l - nlock) * na + i - nlock]!;
      }
      rotate(Q, n, size, Y, keep, Q);
    }
    T.fill(0);
    const newLock = locked.length + fresh.length;
    for (let c = 0; c < keep; c++) {
      const i = sel[c]!;
      T[c * m + c] = theta[i]!;
      if (c >= newLock) {
        const coupling = beta * last[i]!;
        T[c * m + keep] = coupling;
        T[keep * m + c] = coupling;
      }
    }
    nlock = newLock;
    p = keep;
    if (verifying) {
      if (!randomColumn(keep)) {
        // the complement is empty: the locked pairs are all there is
        const ident = new Float64Array(0);
        return finish(
          a,
          Q,
          n,
          keep,
          keep,
          ident,
          Array.from({ length: keep }, (_, c) => c),
          bnorm,
          sigma,
          restarts,
          solves,
          w,
        );
      }
      limit = Math.min(m, keep + Math.max(20, Math.ceil(keep / 4)));
    } else {
      Q.copyWithin(keep * n, size * n, (size + 1) * n);
      limit = m;
    }
  }
}

/**
 * The converged pairs `sel` (indices into [locked columns, active Ritz vectors]): eigenvectors
 * (locked columns as they are, active ones rotated by `V`, the eigenvectors of T's active block),
 * eigenvalues as Rayleigh quotients `xᵀAx / xᵀBx` (accurate to the squared residual, also for the λ far
 * from σ whose θ = 1/(λ − σ) carry little relative precision), sorted ascending; vectors row-major.
 */
function finish(
  a: CsrMatrix,
  Q: Float64Array,
  n: number,
  nlock: number,
  size: number,
  V: Float64Array,
  sel: number[],
  bnorm: (v: Float64Array) => number,
  sigma: number,
  restarts: number,
  solves: number,
  w: Float64Array,
): Omit<EigshResult, "nnzFactor"> {
  const want = sel.length;
  const na = size - nlock;
  const Xc = new Float64Array(n * want);
  const act = sel.filter((i) => i >= nlock);
  if (act.length > 0) {
    const Y = new Float64Array(na * act.length);
    for (let c = 0; c < act.length; c++) for (let l = 0; l < na; l++) Y[c * na + l] = V[l * na + act[c]! - nlock]!;
    const Xa = new Float64Array(n * act.length);
    rotate(Q.subarray(nlock * n), n, na, Y, act.length, Xa);
    let c = 0;
    for (let s = 0; s < want; s++) if (sel[s]! >= nlock) Xc.set(Xa.subarray(c * n, (c++ + 1) * n), s * n);
  }
  for (let s = 0; s < want; s++) if (sel[s]! < nlock) Xc.set(Q.subarray(sel[s]! * n, (sel[s]! + 1) * n), s * n);
  const rq = new Float64Array(want);
  for (let c = 0; c < want; c++) {
    const x = Xc.subarray(c * n, (c + 1) * n);
    a.matvec(x, w);
    rq[c] = dot(x, w) / bnorm(x) ** 2;
  }
  const asc = Array.from({ length: want }, (_, c) => c).sort((i, j) => rq[i]! - rq[j]! || i - j);
  const values = new Float64Array(want);
  const vectors = new Float64Array(n * want);
  for (let c = 0; c < want; c++) {
    const src = asc[c]!;
    values[c] = rq[src]!;
    const o = src * n;
    for (let r = 0; r < n; r++) vectors[r * want + c] = Xc[o + r]!;
  }
  return { values, vectors, n, k: want, sigma, method: "krylov-schur", restarts, solves };
}
