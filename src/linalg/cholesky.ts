/**
 * Sparse Cholesky factorisation `P A Pᵀ = L D Lᵀ` (L unit lower triangular, D diagonal and positive)
 * of a symmetric positive definite {@link CsrMatrix}, in float64.
 *
 * - **Ordering**: a fill-reducing permutation P, by default nested dissection
 *   (see `ordering.ts`); reverse Cuthill–McKee or the natural order on request.
 * - **Symbolic phase** ({@link analyzeCholesky}): the elimination tree and the column counts of L,
 *   found row by row by walking the tree from each nonzero of the row (Liu's algorithm); L's storage is
 *   allocated once. A {@link SymbolicCholesky} is reusable for any matrix with the same pattern.
 * - **Numeric phase** ({@link SymbolicCholesky.factor}): up-looking LDLᵀ. Row k of L is the solution of
 *   a sparse triangular system whose pattern is the set of tree paths from the nonzeros of row k of the
 *   upper triangle (a sparse "reach"), so the work is proportional to the floating-point operations.
 * - **Solves**: forward substitution with L, division by D, back substitution with Lᵀ (column-oriented,
 *   L stored by columns).
 *
 * A pivot that is not positive (or that falls below `pivotTolerance` times the matrix entry on the
 * diagonal: a numerically singular matrix) raises an {@link ErlangenError} naming the row.
 */
import { ErlangenError, opError } from "../tensor/errors.js";
import type { CsrMatrix } from "./csr.js";
import { adjacencyOf, invertPermutation, nestedDissection, reverseCuthillMcKee } from "./ordering.js";

/** Fill-reducing ordering of a factorisation. */
export type CholeskyOrdering = "nested-dissection" | "rcm" | "natural";

/** Options of {@link analyzeCholesky} and {@link cholesky}. */
export interface CholeskyOptions {
  /** Fill-reducing ordering (default `"nested-dissection"`). Or an explicit permutation (`perm[k]` = row eliminated k-th). */
  ordering?: CholeskyOrdering | Int32Array;
  /**
   * A pivot `d_k ≤ pivotTolerance · |a_kk|` is rejected as not positive definite (default 1e-14): the
   * matrix is singular to working precision there.
   */
  pivotTolerance?: number;
}

/** Upper triangle of `P A Pᵀ` by columns (rows < column, diagonal included) and the map back into `A.values`. */
interface PermutedUpper {
  ptr: Int32Array;
  row: Int32Array;
  /** Position in `A.values` of each entry. */
  src: Int32Array;
}

function permutedUpper(a: CsrMatrix, pinv: Int32Array): PermutedUpper {
  const n = a.rows;
  const count = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) {
    const pr = pinv[r]!;
    for (let p = a.rowPtr[r]!; p < a.rowPtr[r + 1]!; p++) {
      const pc = pinv[a.colIndex[p]!]!;
      // entry (pr, pc) of the permuted matrix, kept when pc ≤ pr: it lies in column pr, row pc of the upper triangle
      if (pc <= pr) count[pr + 1]!++;
    }
  }
  for (let k = 0; k < n; k++) count[k + 1]! += count[k]!;
  const ptr = count.slice();
  const fill = count.slice(0, n);
  const row = new Int32Array(ptr[n]!);
  const src = new Int32Array(ptr[n]!);
  for (let r = 0; r < n; r++) {
    const pr = pinv[r]!;
    for (let p = a.rowPtr[r]!; p < a.rowPtr[r + 1]!; p++) {
      const pc = pinv[a.colIndex[p]!]!;
      if (pc <= pr) {
        const q = fill[pr]!++;
        row[q] = pc;
        src[q] = p;
      }
    }
  }
  return { ptr, row, src };
}

/**
 * The symbolic factorisation of a symmetric pattern: ordering, elimination tree and the storage of L.
 * {@link SymbolicCholesky.factor} computes the numeric factors of any matrix with that pattern.
 */
export class SymbolicCholesky {
  readonly n: number;
  /** The ordering: `perm[k]` is the row of A eliminated k-th. */
  readonly perm: Int32Array;
  /** Its inverse: `pinv[i]` is the step at which row i is eliminated. */
  readonly pinv: Int32Array;
  /** Elimination tree of the permuted matrix (`parent[k]`, −1 at roots). */
  readonly parent: Int32Array;
  /** Column pointers of L (strictly lower part, stored by columns) `[n + 1]`. */
  readonly colPtr: Int32Array;
  /** Pattern dimensions and positions of A's entries it was built from. */
  readonly #nnzA: number;
  readonly #rowPtrA: Int32Array;
  readonly #colIndexA: Int32Array;
  readonly #upper: PermutedUpper;

  /** @internal use {@link analyzeCholesky}. */
  constructor(a: CsrMatrix, perm: Int32Array) {
    const n = a.rows;
    this.n = n;
    this.perm = perm;
    this.pinv = invertPermutation(perm);
    this.#nnzA = a.nnz;
    this.#rowPtrA = a.rowPtr;
    this.#colIndexA = a.colIndex;
    const up = permutedUpper(a, this.pinv);
    this.#upper = up;
    // elimination tree and column counts of L (strict lower part)
    const parent = new Int32Array(n).fill(-1);
    const flag = new Int32Array(n);
    const lnz = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      flag[k] = k;
      for (let p = up.ptr[k]!; p < up.ptr[k + 1]!; p++) {
        let i = up.row[p]!;
        // walk up the tree from i until a vertex already on row k's pattern
        while (i < k && flag[i] !== k) {
          if (parent[i] === -1) parent[i] = k;
          lnz[i]!++;
          flag[i] = k;
          i = parent[i]!;
        }
      }
    }
    const colPtr = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) colPtr[k + 1] = colPtr[k]! + lnz[k]!;
    this.parent = parent;
    this.colPtr = colPtr;
  }

  /** Number of stored entries in L (strictly below the diagonal). */
  get nnzL(): number {
    return this.colPtr[this.n]!;
  }

  /**
   * Numeric LDLᵀ of `a`, which must have the pattern this was analysed with (same `rowPtr` and
   * `colIndex` contents). Throws when a pivot is not positive.
   */
  factor(a: CsrMatrix, opts: { pivotTolerance?: number } = {}): CholeskyFactor {
    const op = "cholesky";
    if (a.rows !== this.n || a.cols !== this.n || a.nnz !== this.#nnzA)
      opError(
        op,
        "a",
        `the analysed pattern (${this.n}×${this.n}, nnz ${this.#nnzA})`,
        `${a.rows}×${a.cols}, nnz ${a.nnz}`,
      );
    if (a.rowPtr !== this.#rowPtrA || a.colIndex !== this.#colIndexA) {
      for (let r = 0; r <= this.n; r++)
        if (a.rowPtr[r] !== this.#rowPtrA[r]) opError(op, "a", "the analysed pattern", `a different row ${r}`);
      for (let p = 0; p < a.nnz; p++)
        if (a.colIndex[p] !== this.#colIndexA[p]) opError(op, "a", "the analysed pattern", "different column indices");
    }
    const tolerance = opts.pivotTolerance ?? 1e-14;
    const n = this.n;
    const { ptr: uptr, row: urow, src } = this.#upper;
    const vals = a.values;
    const parent = this.parent;
    const Lp = this.colPtr;
    const Li = new Int32Array(this.nnzL);
    const Lx = new Float64Array(this.nnzL);
    const D = new Float64Array(n);
    const y = new Float64Array(n);
    const flag = new Int32Array(n);
    const pattern = new Int32Array(n);
    const lnz = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      // nonzero pattern of row k of L: the tree paths from the upper-triangle entries of column k
      let top = n;
      flag[k] = k;
      let akk = 0;
      for (let p = uptr[k]!; p < uptr[k + 1]!; p++) {
        let i = urow[p]!;
        const v = vals[src[p]!]!;
        y[i]! += v;
        if (i === k) {
          akk += v;
          continue;
        }
        let len = 0;
        while (flag[i] !== k) {
          pattern[len++] = i;
          flag[i] = k;
          i = parent[i]!;
        }
        while (len > 0) pattern[--top] = pattern[--len]!;
      }
      let d = y[k]!;
      y[k] = 0;
      for (; top < n; top++) {
        const i = pattern[top]!;
        const yi = y[i]!;
        y[i] = 0;
        const p2 = Lp[i]! + lnz[i]!;
        for (let p = Lp[i]!; p < p2; p++) y[Li[p]!]! -= Lx[p]! * yi;
        const lki = yi / D[i]!;
        d -= lki * yi;
        Li[p2] = k;
        Lx[p2] = lki;
        lnz[i]!++;
      }
      if (!(d > tolerance * Math.abs(akk))) {
        const row = this.perm[k]!;
        throw new ErlangenError(
          `cholesky: argument 'a' expected a symmetric positive definite matrix, got pivot ${d} at row ${row} ` +
            `(elimination step ${k} of ${n}; diagonal entry ${akk})${d > 0 ? ": numerically singular" : ""}`,
        );
      }
      D[k] = d;
    }
    return new CholeskyFactor(this, Li, Lx, D);
  }
}

/** The numeric factors `P A Pᵀ = L D Lᵀ`; solves `A x = b`. */
export class CholeskyFactor {
  readonly symbolic: SymbolicCholesky;
  /** Row indices of L's strictly lower entries, by columns (`symbolic.colPtr`). */
  readonly rowIndex: Int32Array;
  /** Values of L's strictly lower entries. */
  readonly values: Float64Array;
  /** The diagonal D (positive). */
  readonly diag: Float64Array;
  #work: Float64Array;

  constructor(symbolic: SymbolicCholesky, rowIndex: Int32Array, values: Float64Array, diag: Float64Array) {
    this.symbolic = symbolic;
    this.rowIndex = rowIndex;
    this.values = values;
    this.diag = diag;
    this.#work = new Float64Array(symbolic.n);
  }

  get n(): number {
    return this.symbolic.n;
  }

  /** `x = A⁻¹ b` (a new array unless `out` is given; `out` may be `b`). */
  solve(b: ArrayLike<number>, out?: Float64Array): Float64Array {
    const n = this.n;
    if (b.length !== n) opError("CholeskyFactor.solve", "b", `length ${n}`, String(b.length));
    const x = out ?? new Float64Array(n);
    if (x.length !== n) opError("CholeskyFactor.solve", "out", `length ${n}`, String(x.length));
    const w = this.#work;
    const { perm, colPtr } = this.symbolic;
    const Li = this.rowIndex;
    const Lx = this.values;
    const D = this.diag;
    for (let k = 0; k < n; k++) w[k] = b[perm[k]!]!;
    // L y = w
    for (let j = 0; j < n; j++) {
      const wj = w[j]!;
      if (wj !== 0) for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) w[Li[p]!]! -= Lx[p]! * wj;
    }
    for (let j = 0; j < n; j++) w[j]! /= D[j]!;
    // Lᵀ x = y
    for (let j = n - 1; j >= 0; j--) {
      let s = w[j]!;
      for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) s -= Lx[p]! * w[Li[p]!]!;
      w[j] = s;
    }
    for (let k = 0; k < n; k++) x[perm[k]!] = w[k]!;
    return x;
  }

  /** `log det A` (the sum of the logarithms of the pivots). */
  logDet(): number {
    let s = 0;
    for (const d of this.diag) s += Math.log(d);
    return s;
  }
}

/** Chooses the ordering and builds the symbolic factorisation of the pattern of `a` (square, symmetric pattern). */
export function analyzeCholesky(a: CsrMatrix, opts: CholeskyOptions = {}): SymbolicCholesky {
  if (a.rows !== a.cols) opError("cholesky", "a", "a square matrix", `${a.rows}×${a.cols}`);
  const n = a.rows;
  const ord = opts.ordering ?? "nested-dissection";
  let perm: Int32Array;
  if (ord instanceof Int32Array) {
    if (ord.length !== n) opError("cholesky", "ordering", `a permutation of length ${n}`, `length ${ord.length}`);
    const seen = new Uint8Array(n);
    for (const v of ord) {
      if (!(v >= 0 && v < n) || seen[v])
        opError("cholesky", "ordering", `a permutation of 0..${n - 1}`, `repeated or out-of-range ${v}`);
      seen[v] = 1;
    }
    perm = ord;
  } else if (ord === "natural") {
    perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
  } else if (ord === "rcm") perm = reverseCuthillMcKee(adjacencyOf(a));
  else if (ord === "nested-dissection") perm = nestedDissection(adjacencyOf(a));
  else return opError("cholesky", "ordering", "'nested-dissection', 'rcm', 'natural' or an Int32Array", String(ord));
  return new SymbolicCholesky(a, perm);
}

/**
 * Sparse LDLᵀ factorisation of the symmetric positive definite `a` (only the lower triangle of the
 * permuted matrix is read, i.e. `a` is taken as symmetric). Throws an {@link ErlangenError} naming the
 * row whose pivot is not positive.
 */
export function cholesky(a: CsrMatrix, opts: CholeskyOptions = {}): CholeskyFactor {
  return analyzeCholesky(a, opts).factor(a, opts);
}
