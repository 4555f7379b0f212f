/**
 * Sparse matrices for graphs and sparse features. A {@link SparseMatrix} keeps its entries sorted by
 * (row, column): the same arrays serve as COO (`row`, `col`, `values`) and as CSR (`rowPtr`, `col`,
 * `values`). `perm` maps each stored entry back to the position it had in the input, and the stored
 * `values` are a differentiable selection of the input values, so gradients reach the caller's tensor.
 * `spmm(A, X)` multiplies by a dense matrix with gradients to `X` and to the values.
 */
import type { FloatArray } from "../kernels/ref/linalg.js";
import { spmmCsr, spmmCsrT } from "../kernels/registry.js";
import { freshGrad, record } from "./autograd.js";
import { allocate, allocateEmpty, type DType, type FloatDType, isFloat } from "./dtype.js";
import { fmtShape, opError } from "./errors.js";
import { checkIndex, indexSelect, intTensor } from "./ops/indexing.js";
import { type OutOption, takeOut, wrote } from "./ops/out.js";
import { checkPtr, ptrToIndex, scatter, segment } from "./ops/scatter.js";
import { Tensor } from "./tensor.js";

/** Integer indices: an int32 tensor, an Int32Array or a plain array of integers. */
export type IndexLike = Tensor | Int32Array | readonly number[];

/** Options of the {@link SparseMatrix} factories. */
export interface SparseOptions {
  /**
   * One float value per entry, in the order of the given indices (1-D, length nnz). `null` or
   * absent means every entry is 1 (a pattern matrix).
   */
  values?: Tensor | null;
  /** `[rows, cols]`; inferred from the largest indices when absent. */
  shape?: readonly number[];
}

function toInt32(op: string, arg: string, x: IndexLike): Int32Array {
  if (x instanceof Tensor) {
    if (x.dtype !== "int32") opError(op, arg, "dtype int32", x.dtype);
    if (x.ndim !== 1) opError(op, arg, "a 1-D tensor", `shape ${fmtShape(x.shape)}`);
    return x.data as Int32Array;
  }
  if (x instanceof Int32Array) return x;
  if (Array.isArray(x)) {
    const out = new Int32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!Number.isInteger(v)) opError(op, arg, "integers", `${v} at position ${i}`);
      out[i] = v;
    }
    return out;
  }
  return opError(op, arg, "an int32 Tensor, an Int32Array or an array of integers", typeof x);
}

function maxPlusOne(a: Int32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! + 1 > m) m = a[i]! + 1;
  return m;
}

function checkShape(op: string, shape: readonly number[] | undefined, rows: number, cols: number): [number, number] {
  if (shape === undefined) return [rows, cols];
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    opError(
      op,
      "shape",
      "[rows, cols] with non-negative integers",
      Array.isArray(shape) ? fmtShape(shape) : String(shape),
    );
  }
  return [shape[0]!, shape[1]!];
}

function checkValues(op: string, values: Tensor | null | undefined, nnz: number): Tensor | null {
  if (values === undefined || values === null) return null;
  if (!(values instanceof Tensor)) opError(op, "values", "a Tensor or null", typeof values);
  if (!isFloat(values.dtype)) opError(op, "values", "dtype float32 or float64", values.dtype);
  if (values.ndim !== 1 || values.size !== nnz)
    opError(op, "values", `a 1-D tensor of length ${nnz} (nnz)`, `shape ${fmtShape(values.shape)}`);
  return values;
}

/**
 * A sparse `rows × cols` matrix with entries sorted by (row, column), in COO and CSR form at once.
 * Build it with {@link SparseMatrix.fromEdgeIndex}, {@link SparseMatrix.fromCoo},
 * {@link SparseMatrix.fromCsr} or {@link SparseMatrix.fromDense}. Duplicated entries are allowed (they
 * add up in products and in {@link SparseMatrix.toDense}); {@link SparseMatrix.coalesce} merges them.
 */
export class SparseMatrix {
  /** `[rows, cols]`. */
  readonly shape: readonly [number, number];
  /** Row of each stored entry (sorted). */
  readonly row: Int32Array;
  /** Column of each stored entry (sorted within each row). */
  readonly col: Int32Array;
  /** CSR row pointers: the entries of row `r` are `rowPtr[r] .. rowPtr[r+1]-1`. */
  readonly rowPtr: Int32Array;
  /** Value of each stored entry (1-D float tensor), or `null` for an all-ones pattern. */
  readonly values: Tensor | null;
  /** `perm[p]` is the position in the input (COO order) of stored entry `p`. */
  readonly perm: Int32Array;
  /** True when no (row, col) pair appears twice. */
  readonly isCoalesced: boolean;

  private constructor(
    shape: [number, number],
    row: Int32Array,
    col: Int32Array,
    rowPtr: Int32Array,
    values: Tensor | null,
    perm: Int32Array,
    isCoalesced: boolean,
  ) {
    this.shape = Object.freeze(shape) as readonly [number, number];
    this.row = row;
    this.col = col;
    this.rowPtr = rowPtr;
    this.values = values;
    this.perm = perm;
    this.isCoalesced = isCoalesced;
  }

  /** Sorts validated COO entries by (row, col) (two stable counting sorts) and builds the matrix. */
  private static build(shape: [number, number], row: Int32Array, col: Int32Array, values: Tensor | null): SparseMatrix {
    const [rows, cols] = shape;
    const nnz = row.length;
    let sorted = true;
    for (let p = 1; p < nnz && sorted; p++) {
      if (row[p]! < row[p - 1]! || (row[p] === row[p - 1] && col[p]! < col[p - 1]!)) sorted = false;
    }
    const rowPtr = new Int32Array(rows + 1);
    for (let p = 0; p < nnz; p++) rowPtr[row[p]! + 1]!++;
    for (let r = 0; r < rows; r++) rowPtr[r + 1]! += rowPtr[r]!;
    let perm: Int32Array;
    let sRow = row;
    let sCol = col;
    let sVals = values;
    if (sorted) {
      perm = new Int32Array(nnz);
      for (let p = 0; p < nnz; p++) perm[p] = p;
    } else {
      const byCol = new Int32Array(nnz);
      const cptr = new Int32Array(cols + 1);
      for (let p = 0; p < nnz; p++) cptr[col[p]! + 1]!++;
      for (let c = 0; c < cols; c++) cptr[c + 1]! += cptr[c]!;
      for (let p = 0; p < nnz; p++) byCol[cptr[col[p]!]!++] = p;
      perm = new Int32Array(nnz);
      const cursor = rowPtr.slice(0, rows);
      for (let q = 0; q < nnz; q++) {
        const p = byCol[q]!;
        perm[cursor[row[p]!]!++] = p;
      }
      sRow = new Int32Array(nnz);
      sCol = new Int32Array(nnz);
      for (let p = 0; p < nnz; p++) {
        sRow[p] = row[perm[p]!]!;
        sCol[p] = col[perm[p]!]!;
      }
      if (values !== null) sVals = indexSelect(values, 0, intTensor(perm));
    }
    let coalesced = true;
    for (let p = 1; p < nnz; p++) {
      if (sRow[p] === sRow[p - 1] && sCol[p] === sCol[p - 1]) {
        coalesced = false;
        break;
      }
    }
    return new SparseMatrix(shape, sRow, sCol, rowPtr, sVals, perm, coalesced);
  }

  /**
   * From coordinates: entry `i` is at (`row[i]`, `col[i]`) with value `values[i]` (1 when no values are
   * given). Indices are bounds-checked against `shape` (inferred as `max + 1` per axis when absent).
   */
  static fromCoo(row: IndexLike, col: IndexLike, opts: SparseOptions = {}): SparseMatrix {
    const op = "SparseMatrix.fromCoo";
    const r = toInt32(op, "row", row);
    const c = toInt32(op, "col", col);
    if (c.length !== r.length) opError(op, "col", `length ${r.length} (the length of 'row')`, `${c.length}`);
    const shape = checkShape(op, opts.shape, maxPlusOne(r), maxPlusOne(c));
    checkIndex(op, "row", intTensor(r), shape[0]);
    checkIndex(op, "col", intTensor(c), shape[1]);
    const values = checkValues(op, opts.values, r.length);
    return SparseMatrix.build(shape, r, c, values);
  }

  /**
   * From a `[2, E]` int32 edge index: edge `e` becomes the entry (`edgeIndex[0][e]`, `edgeIndex[1][e]`),
   * as in PyG's `to_torch_coo_tensor`. The shape defaults to `[N, N]` with `N = max + 1` over both rows.
   * For message passing from sources (row 0) to targets (row 1), aggregate with the transpose.
   */
  static fromEdgeIndex(edgeIndex: Tensor, opts: SparseOptions = {}): SparseMatrix {
    const op = "SparseMatrix.fromEdgeIndex";
    if (!(edgeIndex instanceof Tensor)) opError(op, "edgeIndex", "an int32 Tensor of shape [2, E]", typeof edgeIndex);
    if (edgeIndex.dtype !== "int32") opError(op, "edgeIndex", "dtype int32", edgeIndex.dtype);
    if (edgeIndex.ndim !== 2 || edgeIndex.shape[0] !== 2)
      opError(op, "edgeIndex", "shape [2, E]", fmtShape(edgeIndex.shape));
    const E = edgeIndex.shape[1]!;
    const d = edgeIndex.data as Int32Array;
    const r = d.slice(0, E);
    const c = d.slice(E, 2 * E);
    const n = Math.max(maxPlusOne(r), maxPlusOne(c));
    const shape = checkShape(op, opts.shape, n, n);
    checkIndex(op, "edgeIndex[0]", intTensor(r), shape[0]);
    checkIndex(op, "edgeIndex[1]", intTensor(c), shape[1]);
    const values = checkValues(op, opts.values, E);
    return SparseMatrix.build(shape, r, c, values);
  }

  /**
   * From CSR arrays: row `r` holds the entries `rowPtr[r] .. rowPtr[r+1]-1` with columns `col` and
   * values `values` (in that order). `rowPtr` starts at 0, is non-decreasing and ends at `col.length`.
   */
  static fromCsr(rowPtr: IndexLike, col: IndexLike, opts: SparseOptions = {}): SparseMatrix {
    const op = "SparseMatrix.fromCsr";
    const c = toInt32(op, "col", col);
    const ptr = checkPtr(op, "rowPtr", intTensor(toInt32(op, "rowPtr", rowPtr)), c.length);
    const shape = checkShape(op, opts.shape, ptr.length - 1, maxPlusOne(c));
    if (shape[0] !== ptr.length - 1)
      opError(op, "shape", `${ptr.length - 1} rows (rowPtr.length - 1)`, fmtShape(shape));
    checkIndex(op, "col", intTensor(c), shape[1]);
    const values = checkValues(op, opts.values, c.length);
    return SparseMatrix.build(shape, ptrToIndex(ptr), c, values);
  }

  /**
   * The non-zero entries of a 2-D dense tensor. Float values stay differentiable (the gradient of the
   * stored values flows back to the dense entries); int and bool tensors give float32 values.
   */
  static fromDense(dense: Tensor): SparseMatrix {
    const op = "SparseMatrix.fromDense";
    if (!(dense instanceof Tensor)) opError(op, "dense", "a 2-D Tensor", typeof dense);
    if (dense.ndim !== 2) opError(op, "dense", "a 2-D tensor", `shape ${fmtShape(dense.shape)}`);
    const [rows, cols] = dense.shape as [number, number];
    const d = dense.data;
    let nnz = 0;
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) nnz++;
    const flat = new Int32Array(nnz);
    const r = new Int32Array(nnz);
    const c = new Int32Array(nnz);
    let k = 0;
    for (let i = 0; i < d.length; i++) {
      if (d[i] === 0) continue;
      flat[k] = i;
      r[k] = Math.floor(i / cols);
      c[k] = i % cols;
      k++;
    }
    const src = isFloat(dense.dtype) ? dense : dense.cast("float32");
    const values = indexSelect(src.reshape([src.size]), 0, intTensor(flat));
    return SparseMatrix.build([rows, cols], r, c, values);
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.row.length;
  }

  /** Number of rows. */
  get rows(): number {
    return this.shape[0];
  }

  /** Number of columns. */
  get cols(): number {
    return this.shape[1];
  }

  /** The dtype of the values (`float32` for a pattern matrix). */
  get dtype(): DType {
    return this.values?.dtype ?? "float32";
  }

  /** The values, or a float32 tensor of ones for a pattern matrix. */
  valuesOrOnes(): Tensor {
    return this.values ?? new Tensor(new Float32Array(this.nnz).fill(1), [this.nnz], "float32");
  }

  /**
   * The COO view: rows, columns and values of the stored entries (sorted by row, then column; the
   * same order as the CSR arrays).
   */
  coo(): { row: Int32Array; col: Int32Array; values: Tensor | null } {
    return { row: this.row, col: this.col, values: this.values };
  }

  /** The values in COO (stored) order; ones (float32) for a pattern matrix. */
  cooValues(): Tensor {
    return this.valuesOrOnes();
  }

  /** The stored entries as a `[2, nnz]` int32 edge index (rows, then columns). */
  edgeIndex(): Tensor {
    const n = this.nnz;
    const out = new Int32Array(2 * n);
    out.set(this.row, 0);
    out.set(this.col, n);
    return new Tensor(out, [2, n], "int32");
  }

  /**
   * The same sparsity structure with other values, given in stored order (1-D float of length nnz),
   * or `null` for all ones. Differentiable in the new values.
   */
  withValues(values: Tensor | null): SparseMatrix {
    const v = checkValues("SparseMatrix.withValues", values, this.nnz);
    return new SparseMatrix([this.rows, this.cols], this.row, this.col, this.rowPtr, v, this.perm, this.isCoalesced);
  }

  /**
   * `A + c·I` for a square pattern matrix `A` (no values): the matrix that
   * `SparseMatrix.fromCoo([...A.row, 0, …, n−1], [...A.col, 0, …, n−1], { values, shape })` builds,
   * with `values` one for the entries of `A` and `c` for the diagonal (no values when `c` is 1) in
   * `dtype` — the same entries in the same stored order, with the same `perm` — merged row by row
   * from the sorted entries instead of sorted again. A diagonal entry follows the row's entries of
   * `A` whose column is at most its own.
   */
  plusIdentity(c = 1, dtype: FloatDType = "float32"): SparseMatrix {
    const op = "SparseMatrix.plusIdentity";
    const [rows, cols] = this.shape;
    if (rows !== cols) opError(op, "this", "a square matrix", `shape [${rows}, ${cols}]`);
    if (this.values !== null) opError(op, "this", "a pattern matrix (no values)", "a matrix with values");
    const n = rows;
    const nnz = this.nnz;
    const total = nnz + n;
    const row = new Int32Array(total);
    const col = new Int32Array(total);
    const perm = new Int32Array(total);
    const rowPtr = new Int32Array(n + 1);
    const v = c === 1 ? null : dtype === "float64" ? new Float64Array(total) : new Float32Array(total);
    const src = this.col;
    let q = 0;
    // entry q: row r, column k, source position s (A's, or nnz + r for the diagonal), value x
    const put = (r: number, k: number, s: number, x: number): void => {
      row[q] = r;
      col[q] = k;
      perm[q] = s;
      if (v !== null) v[q] = x;
      q++;
    };
    let coalesced = this.isCoalesced;
    for (let r = 0; r < n; r++) {
      const end = this.rowPtr[r + 1]!;
      let p = this.rowPtr[r]!;
      for (; p < end && src[p]! <= r; p++) put(r, src[p]!, p, 1);
      if (q > 0 && col[q - 1] === r && row[q - 1] === r) coalesced = false;
      put(r, r, nnz + r, c);
      for (; p < end; p++) put(r, src[p]!, p, 1);
      rowPtr[r + 1] = q;
    }
    const values = v === null ? null : new Tensor(v, [total], dtype);
    return new SparseMatrix([n, n], row, col, rowPtr, values, perm, coalesced);
  }

  /**
   * Merges duplicated (row, col) entries by summing their values (a pattern matrix gets the counts).
   * Differentiable in the values.
   */
  coalesce(): SparseMatrix {
    if (this.isCoalesced) return this;
    const n = this.nnz;
    const group = new Int32Array(n);
    let u = -1;
    for (let p = 0; p < n; p++) {
      if (p === 0 || this.row[p] !== this.row[p - 1] || this.col[p] !== this.col[p - 1]) u++;
      group[p] = u;
    }
    const U = u + 1;
    const row = new Int32Array(U);
    const col = new Int32Array(U);
    for (let p = 0; p < n; p++) {
      row[group[p]!] = this.row[p]!;
      col[group[p]!] = this.col[p]!;
    }
    const values = scatter(this.valuesOrOnes(), intTensor(group), 0, U, "sum");
    const rowPtr = new Int32Array(this.rows + 1);
    for (let p = 0; p < U; p++) rowPtr[row[p]! + 1]!++;
    for (let r = 0; r < this.rows; r++) rowPtr[r + 1]! += rowPtr[r]!;
    const perm = new Int32Array(U);
    for (let p = 0; p < U; p++) perm[p] = p;
    return new SparseMatrix([this.rows, this.cols], row, col, rowPtr, values, perm, true);
  }

  /** The transpose (`cols × rows`); values follow their entries (differentiable). */
  transpose(): SparseMatrix {
    return SparseMatrix.build([this.cols, this.rows], this.col, this.row, this.values);
  }

  /** Alias of {@link SparseMatrix.transpose}. */
  t(): SparseMatrix {
    return this.transpose();
  }

  /** The dense `rows × cols` tensor (duplicates add up). Differentiable in the values. */
  toDense(): Tensor {
    const [rows, cols] = this.shape;
    const lin = new Int32Array(this.nnz);
    for (let p = 0; p < lin.length; p++) lin[p] = this.row[p]! * cols + this.col[p]!;
    return scatter(this.valuesOrOnes(), intTensor(lin), 0, rows * cols, "sum").reshape([rows, cols]);
  }

  /**
   * Sums of the values along `axis` as a dense 1-D tensor: `axis = 1` gives row sums (length rows,
   * e.g. out-degrees of a pattern matrix), `axis = 0` column sums. Differentiable in the values.
   */
  sum(axis: 0 | 1 = 1): Tensor {
    const v = this.valuesOrOnes();
    if (axis === 1) return segment(v, intTensor(this.rowPtr), "sum");
    if (axis === 0) return scatter(v, intTensor(this.col), 0, this.cols, "sum");
    return opError("SparseMatrix.sum", "axis", "0 or 1", String(axis));
  }

  /** `this · X` for a dense `X`; see {@link spmm} (and its `out` option). */
  matmul(X: Tensor, opts?: OutOption): Tensor {
    return spmm(this, X, opts);
  }

  toString(): string {
    return `SparseMatrix(shape=${fmtShape(this.shape)}, nnz=${this.nnz}, dtype=${this.dtype}${this.values?.requiresGrad ? ", requiresGrad=true" : ""})`;
  }

  /** Node's `console.log` shows the summary. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * CSR product: `A·X` (rows × F) or, `transposed`, `Aᵀ·X` (cols × F), with `vals` the values in stored
 * order (or null for ones). Recorded; gradients to `X` and `vals`.
 */
/** `A·X` (or `Aᵀ·X`); into `into` (an `out` tensor {@link takeOut} has checked), unrecorded, when given. */
function csrMatmul(A: SparseMatrix, vals: Tensor | null, X: Tensor, transposed: boolean, into?: Tensor | null): Tensor {
  const F = X.shape[1]!;
  const outRows = transposed ? A.cols : A.rows;
  // both products write every output row
  const out =
    (into?.data as FloatArray | undefined) ?? (allocateEmpty(X.dtype as FloatDType, outRows * F) as FloatArray);
  const v = vals === null ? null : (vals.data as FloatArray);
  if (transposed) spmmCsrT(A.rowPtr, A.col, v, A.rows, A.cols, X.data as FloatArray, F, out);
  else spmmCsr(A.rowPtr, A.col, v, A.rows, X.data as FloatArray, F, out);
  if (into !== undefined && into !== null) return wrote(into);
  const t = new Tensor(out, [outRows, F], X.dtype);
  const inputs = vals === null ? [X] : [X, vals];
  return record(
    transposed ? "spmmT" : "spmm",
    inputs,
    t,
    (g) => [
      X.requiresGrad ? freshGrad(csrMatmul(A, vals, g, !transposed)) : null,
      vals?.requiresGrad ? (transposed ? sddmm(A, X, g) : sddmm(A, g, X)) : null,
    ],
    { releasesGrad: true },
  );
}

/**
 * Sampled dense-dense product on the sparsity pattern of `A`: for each stored entry `p`,
 * `out[p] = <U[row_p], V[col_p]>` (a 1-D tensor in stored order). `U` is `[rows, F]`, `V` is `[cols, F]`,
 * both of one float dtype. This is the gradient of {@link spmm} with respect to the values, and the
 * score step of attention over edges. Differentiable in `U` and `V`.
 */
export function sddmm(A: SparseMatrix, U: Tensor, V: Tensor): Tensor {
  const op = "sddmm";
  if (!(A instanceof SparseMatrix)) opError(op, "A", "a SparseMatrix", typeof A);
  if (!(U instanceof Tensor) || !isFloat(U.dtype))
    opError(op, "U", "a float Tensor", U instanceof Tensor ? U.dtype : typeof U);
  if (!(V instanceof Tensor) || V.dtype !== U.dtype)
    opError(op, "V", `a ${U.dtype} Tensor (the dtype of 'U')`, V instanceof Tensor ? V.dtype : typeof V);
  if (U.ndim !== 2 || U.shape[0] !== A.rows) opError(op, "U", `shape [${A.rows}, F]`, fmtShape(U.shape));
  if (V.ndim !== 2 || V.shape[0] !== A.cols || V.shape[1] !== U.shape[1]) {
    opError(op, "V", `shape [${A.cols}, ${U.shape[1]}]`, fmtShape(V.shape));
  }
  const F = U.shape[1]!;
  const n = A.nnz;
  const out = allocate(U.dtype, n);
  const ud = U.data;
  const vd = V.data;
  const row = A.row;
  const col = A.col;
  if (F === 8) {
    // eight channels (a GAT head): the same sum, in the same order, unrolled
    for (let p = 0; p < n; p++) {
      const a = row[p]! * 8;
      const b = col[p]! * 8;
      let s = 0;
      s += ud[a]! * vd[b]!;
      s += ud[a + 1]! * vd[b + 1]!;
      s += ud[a + 2]! * vd[b + 2]!;
      s += ud[a + 3]! * vd[b + 3]!;
      s += ud[a + 4]! * vd[b + 4]!;
      s += ud[a + 5]! * vd[b + 5]!;
      s += ud[a + 6]! * vd[b + 6]!;
      s += ud[a + 7]! * vd[b + 7]!;
      out[p] = s;
    }
  } else {
    for (let p = 0; p < n; p++) {
      const a = row[p]! * F;
      const b = col[p]! * F;
      let s = 0;
      for (let f = 0; f < F; f++) s += ud[a + f]! * vd[b + f]!;
      out[p] = s;
    }
  }
  const t = new Tensor(out, [n], U.dtype);
  return record("sddmm", [U, V], t, (g) => [
    U.requiresGrad ? csrMatmul(A, g, V, false) : null,
    V.requiresGrad ? csrMatmul(A, g, U, true) : null,
  ]);
}

/**
 * Sparse × dense product `A·X` for a `rows × cols` {@link SparseMatrix} `A` and a dense float `X` of
 * shape `[cols, ...]` (1-D `X` gives a 1-D result). The result has shape `[rows, ...]` and the dtype of
 * `X` (the values are cast to it). Differentiable in `X` (gradient `Aᵀ·G`, computed from the CSR form
 * directly) and in `A.values` when they require grad (gradient `<G[row_p], X[col_p]>` per entry).
 * With `opts.out` the result is written into that tensor and returned, as PyTorch's `out=` (see
 * {@link OutOption}: the result's shape and dtype, no memory shared with `X` or the values, no gradient
 * recorded).
 */
export function spmm(A: SparseMatrix, X: Tensor, opts?: OutOption): Tensor {
  const op = "spmm";
  if (!(A instanceof SparseMatrix)) opError(op, "A", "a SparseMatrix", typeof A);
  if (!(X instanceof Tensor)) opError(op, "X", "a Tensor", typeof X);
  if (!isFloat(X.dtype)) opError(op, "X", "dtype float32 or float64", X.dtype);
  if (X.ndim === 0 || X.shape[0] !== A.cols)
    opError(op, "X", `shape [${A.cols}, ...] (A is ${A.rows}×${A.cols})`, fmtShape(X.shape));
  const rest = X.shape.slice(1);
  let F = 1;
  for (const d of rest) F *= d;
  const into = takeOut(op, opts, [A.rows, ...rest], X.dtype, { X, values: A.values });
  const vals = A.values === null ? null : A.values.dtype === X.dtype ? A.values : A.values.cast(X.dtype);
  const out = csrMatmul(A, vals, X.ndim === 2 ? X : X.reshape([A.cols, F]), false, into);
  return X.ndim === 2 || into !== null ? out : out.reshape([A.rows, ...rest]);
}
