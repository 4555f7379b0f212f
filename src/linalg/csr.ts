/**
 * Compressed sparse row matrices in float64 on plain typed arrays: no tensors, no autograd. The
 * numerical workhorse of the mesh operators (Laplacians, mass matrices, gradient operators) and of the
 * solvers in this folder. Column indices are sorted within each row and unique (builders sum
 * duplicates). {@link CsrMatrix.toSparseMatrix} hands a matrix to the tensor engine's
 * {@link SparseMatrix} (float32 or float64) for use in layers.
 */
import { allocate } from "../tensor/dtype.js";
import { ErlangenError, opError } from "../tensor/errors.js";
import { SparseMatrix } from "../tensor/sparse.js";
import { Tensor } from "../tensor/tensor.js";

/** A sparse `rows × cols` float64 matrix in CSR form (sorted, unique column indices per row). */
export class CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row pointers `[rows + 1]`: row `r` holds entries `rowPtr[r] .. rowPtr[r+1]-1`. */
  readonly rowPtr: Int32Array;
  /** Column of each stored entry `[nnz]`, increasing within a row. */
  readonly colIndex: Int32Array;
  /** Value of each stored entry `[nnz]`. */
  readonly values: Float64Array;

  /**
   * Wraps CSR arrays as they are (no copy). Checks lengths and index ranges; column indices must be
   * strictly increasing within each row (use {@link CsrMatrix.fromCoo} for unsorted input).
   */
  constructor(rows: number, cols: number, rowPtr: Int32Array, colIndex: Int32Array, values: Float64Array) {
    const op = "CsrMatrix";
    if (!Number.isInteger(rows) || rows < 0) opError(op, "rows", "a non-negative integer", String(rows));
    if (!Number.isInteger(cols) || cols < 0) opError(op, "cols", "a non-negative integer", String(cols));
    if (rowPtr.length !== rows + 1) opError(op, "rowPtr", `length ${rows + 1} (rows + 1)`, String(rowPtr.length));
    const nnz = colIndex.length;
    if (values.length !== nnz) opError(op, "values", `length ${nnz} (colIndex.length)`, String(values.length));
    if (rowPtr[0] !== 0 || rowPtr[rows] !== nnz)
      opError(op, "rowPtr", `to run from 0 to ${nnz}`, `${rowPtr[0]} .. ${rowPtr[rows]}`);
    for (let r = 0; r < rows; r++) {
      const a = rowPtr[r]!;
      const b = rowPtr[r + 1]!;
      if (b < a) opError(op, "rowPtr", "non-decreasing row pointers", `${a} then ${b} at row ${r}`);
      let prev = -1;
      for (let p = a; p < b; p++) {
        const c = colIndex[p]!;
        if (c <= prev || c >= cols)
          opError(op, "colIndex", `increasing column ids in [0, ${cols}) within each row`, `${c} in row ${r}`);
        prev = c;
      }
    }
    this.rows = rows;
    this.cols = cols;
    this.rowPtr = rowPtr;
    this.colIndex = colIndex;
    this.values = values;
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.colIndex.length;
  }

  /**
   * From COO triplets: entry `i` is `values[i]` at (`rowIndex[i]`, `colIndex[i]`); duplicates are summed
   * (in input order, so the result is deterministic). Explicit zeros are kept.
   */
  static fromCoo(
    rows: number,
    cols: number,
    rowIndex: ArrayLike<number>,
    colIndex: ArrayLike<number>,
    values: ArrayLike<number>,
  ): CsrMatrix {
    const op = "CsrMatrix.fromCoo";
    const n = rowIndex.length;
    if (colIndex.length !== n) opError(op, "colIndex", `length ${n} (rowIndex.length)`, String(colIndex.length));
    if (values.length !== n) opError(op, "values", `length ${n} (rowIndex.length)`, String(values.length));
    // counting sort by column, then stable counting sort by row: entries end up sorted by (row, col)
    const colCount = new Int32Array(cols + 1);
    for (let i = 0; i < n; i++) {
      const r = rowIndex[i]!;
      const c = colIndex[i]!;
      if (!(Number.isInteger(r) && r >= 0 && r < rows))
        opError(op, "rowIndex", `integers in [0, ${rows})`, `${r} at position ${i}`);
      if (!(Number.isInteger(c) && c >= 0 && c < cols))
        opError(op, "colIndex", `integers in [0, ${cols})`, `${c} at position ${i}`);
      colCount[c + 1]!++;
    }
    for (let c = 0; c < cols; c++) colCount[c + 1]! += colCount[c]!;
    const byCol = new Int32Array(n);
    for (let i = 0; i < n; i++) byCol[colCount[colIndex[i]!]!++] = i;
    const rowCount = new Int32Array(rows + 1);
    for (let i = 0; i < n; i++) rowCount[rowIndex[i]! + 1]!++;
    for (let r = 0; r < rows; r++) rowCount[r + 1]! += rowCount[r]!;
    const order = new Int32Array(n);
    const fill = rowCount.slice(0, rows);
    for (let t = 0; t < n; t++) {
      const i = byCol[t]!;
      order[fill[rowIndex[i]!]!++] = i;
    }
    // merge duplicates (adjacent after sorting); sum in input order for determinism
    const rowPtr = new Int32Array(rows + 1);
    const outCol = new Int32Array(n);
    const outVal = new Float64Array(n);
    let nnz = 0;
    for (let r = 0; r < rows; r++) {
      const a = rowCount[r]!;
      const b = rowCount[r + 1]!;
      let t = a;
      while (t < b) {
        const c = colIndex[order[t]!]!;
        let s = 0;
        // duplicates of (r, c) sit in order[t..u) sorted by input position (both sorts are stable)
        let u = t;
        while (u < b && colIndex[order[u]!] === c) s += values[order[u++]!]!;
        outCol[nnz] = c;
        outVal[nnz] = s;
        nnz++;
        t = u;
      }
      rowPtr[r + 1] = nnz;
    }
    return new CsrMatrix(rows, cols, rowPtr, outCol.slice(0, nnz), outVal.slice(0, nnz));
  }

  /** From a row-major dense `rows × cols` array (entries equal to 0 are dropped). */
  static fromDense(dense: ArrayLike<number>, rows: number, cols: number): CsrMatrix {
    if (dense.length !== rows * cols)
      opError("CsrMatrix.fromDense", "dense", `${rows * cols} entries (${rows}×${cols})`, String(dense.length));
    const rowPtr = new Int32Array(rows + 1);
    const col: number[] = [];
    const val: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = dense[r * cols + c]!;
        if (v !== 0) {
          col.push(c);
          val.push(v);
        }
      }
      rowPtr[r + 1] = col.length;
    }
    return new CsrMatrix(rows, cols, rowPtr, Int32Array.from(col), Float64Array.from(val));
  }

  /** The `n × n` identity times `scale`. */
  static identity(n: number, scale = 1): CsrMatrix {
    return CsrMatrix.diag(new Float64Array(n).fill(scale));
  }

  /** The diagonal matrix with diagonal `d`. */
  static diag(d: ArrayLike<number>): CsrMatrix {
    const n = d.length;
    const rowPtr = new Int32Array(n + 1);
    const col = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      rowPtr[i + 1] = i + 1;
      col[i] = i;
    }
    return new CsrMatrix(n, n, rowPtr, col, Float64Array.from(d));
  }

  /** `y = A x` (`x` of length `cols`; writes into `out` when given, which must not alias `x`). */
  matvec(x: ArrayLike<number>, out?: Float64Array): Float64Array {
    if (x.length !== this.cols) opError("CsrMatrix.matvec", "x", `length ${this.cols}`, String(x.length));
    const y = out ?? new Float64Array(this.rows);
    if (y.length !== this.rows) opError("CsrMatrix.matvec", "out", `length ${this.rows}`, String(y.length));
    const { rowPtr, colIndex, values } = this;
    for (let r = 0; r < this.rows; r++) {
      let s = 0;
      const b = rowPtr[r + 1]!;
      for (let p = rowPtr[r]!; p < b; p++) s += values[p]! * x[colIndex[p]!]!;
      y[r] = s;
    }
    return y;
  }

  /** `Y = A X` for a row-major dense `X [cols, k]`; returns row-major `[rows, k]`. */
  matmat(x: ArrayLike<number>, k: number): Float64Array {
    if (x.length !== this.cols * k)
      opError("CsrMatrix.matmat", "x", `${this.cols * k} entries ([${this.cols}, ${k}])`, String(x.length));
    const y = new Float64Array(this.rows * k);
    const { rowPtr, colIndex, values } = this;
    for (let r = 0; r < this.rows; r++) {
      const yo = r * k;
      for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
        const v = values[p]!;
        const xo = colIndex[p]! * k;
        for (let j = 0; j < k; j++) y[yo + j]! += v * x[xo + j]!;
      }
    }
    return y;
  }

  /** `Aᵀ` as a new CSR matrix. */
  transpose(): CsrMatrix {
    const { rows, cols, rowPtr, colIndex, values } = this;
    const nnz = this.nnz;
    const ptr = new Int32Array(cols + 1);
    for (let p = 0; p < nnz; p++) ptr[colIndex[p]! + 1]!++;
    for (let c = 0; c < cols; c++) ptr[c + 1]! += ptr[c]!;
    const fill = ptr.slice(0, cols);
    const col = new Int32Array(nnz);
    const val = new Float64Array(nnz);
    for (let r = 0; r < rows; r++) {
      for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
        const q = fill[colIndex[p]!]!++;
        col[q] = r;
        val[q] = values[p]!;
      }
    }
    return new CsrMatrix(cols, rows, ptr, col, val);
  }

  /** `alpha·A + beta·B` (same shape; the union of both patterns). */
  add(b: CsrMatrix, alpha = 1, beta = 1): CsrMatrix {
    if (b.rows !== this.rows || b.cols !== this.cols)
      opError("CsrMatrix.add", "b", `shape [${this.rows}, ${this.cols}]`, `[${b.rows}, ${b.cols}]`);
    const rowPtr = new Int32Array(this.rows + 1);
    const col = new Int32Array(this.nnz + b.nnz);
    const val = new Float64Array(this.nnz + b.nnz);
    let q = 0;
    for (let r = 0; r < this.rows; r++) {
      let p = this.rowPtr[r]!;
      const pe = this.rowPtr[r + 1]!;
      let s = b.rowPtr[r]!;
      const se = b.rowPtr[r + 1]!;
      while (p < pe || s < se) {
        const ca = p < pe ? this.colIndex[p]! : this.cols;
        const cb = s < se ? b.colIndex[s]! : this.cols;
        if (ca === cb) {
          col[q] = ca;
          val[q++] = alpha * this.values[p++]! + beta * b.values[s++]!;
        } else if (ca < cb) {
          col[q] = ca;
          val[q++] = alpha * this.values[p++]!;
        } else {
          col[q] = cb;
          val[q++] = beta * b.values[s++]!;
        }
      }
      rowPtr[r + 1] = q;
    }
    return new CsrMatrix(this.rows, this.cols, rowPtr, col.slice(0, q), val.slice(0, q));
  }

  /** `s·A` (same pattern). */
  scale(s: number): CsrMatrix {
    const val = new Float64Array(this.nnz);
    for (let p = 0; p < val.length; p++) val[p] = s * this.values[p]!;
    return new CsrMatrix(this.rows, this.cols, this.rowPtr, this.colIndex, val);
  }

  /** `A + diag(d)` for a square matrix (adds the diagonal entries that are missing). */
  addDiagonal(d: ArrayLike<number> | number): CsrMatrix {
    if (this.rows !== this.cols)
      opError("CsrMatrix.addDiagonal", "this", "a square matrix", `${this.rows}×${this.cols}`);
    const dd = typeof d === "number" ? new Float64Array(this.rows).fill(d) : d;
    if (dd.length !== this.rows) opError("CsrMatrix.addDiagonal", "d", `length ${this.rows}`, String(dd.length));
    return this.add(CsrMatrix.diag(dd));
  }

  /** The main diagonal (length `min(rows, cols)`; zeros where no entry is stored). */
  diagonal(): Float64Array {
    const n = Math.min(this.rows, this.cols);
    const d = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      for (let p = this.rowPtr[r]!; p < this.rowPtr[r + 1]!; p++) {
        if (this.colIndex[p] === r) {
          d[r] = this.values[p]!;
          break;
        }
      }
    }
    return d;
  }

  /** The entry at (r, c) (0 when not stored). */
  get(r: number, c: number): number {
    let lo = this.rowPtr[r]!;
    let hi = this.rowPtr[r + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const cm = this.colIndex[mid]!;
      if (cm === c) return this.values[mid]!;
      if (cm < c) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Row sums `[rows]`. */
  rowSums(): Float64Array {
    const s = new Float64Array(this.rows);
    for (let r = 0; r < this.rows; r++) {
      let t = 0;
      for (let p = this.rowPtr[r]!; p < this.rowPtr[r + 1]!; p++) t += this.values[p]!;
      s[r] = t;
    }
    return s;
  }

  /**
   * The largest `|A[i,j] − A[j,i]|` relative to the largest `|A[i,j]|` (0 for an exactly symmetric
   * matrix). Throws for a non-square matrix.
   */
  asymmetry(): number {
    if (this.rows !== this.cols) opError("CsrMatrix.asymmetry", "this", "a square matrix", `${this.rows}×${this.cols}`);
    let maxAbs = 0;
    let maxDiff = 0;
    for (let r = 0; r < this.rows; r++) {
      for (let p = this.rowPtr[r]!; p < this.rowPtr[r + 1]!; p++) {
        const v = this.values[p]!;
        maxAbs = Math.max(maxAbs, Math.abs(v));
        maxDiff = Math.max(maxDiff, Math.abs(v - this.get(this.colIndex[p]!, r)));
      }
    }
    return maxAbs === 0 ? 0 : maxDiff / maxAbs;
  }

  /** Row-major dense copy `[rows, cols]` (for tests and small matrices). */
  toDense(): Float64Array {
    if (this.rows * this.cols > 1 << 26)
      throw new ErlangenError(`CsrMatrix.toDense: ${this.rows}×${this.cols} is too large for a dense copy`);
    const d = new Float64Array(this.rows * this.cols);
    for (let r = 0; r < this.rows; r++)
      for (let p = this.rowPtr[r]!; p < this.rowPtr[r + 1]!; p++)
        d[r * this.cols + this.colIndex[p]!] = this.values[p]!;
    return d;
  }

  /**
   * The tensor engine's {@link SparseMatrix} with the same entries, values as a `dtype` tensor
   * (float32 by default, as layers use), for `spmm` and message passing.
   */
  toSparseMatrix(dtype: "float32" | "float64" = "float32"): SparseMatrix {
    if (dtype !== "float32" && dtype !== "float64")
      opError("CsrMatrix.toSparseMatrix", "dtype", "'float32' or 'float64'", String(dtype));
    const vals = allocate(dtype, this.nnz) as Float32Array | Float64Array;
    vals.set(this.values);
    return SparseMatrix.fromCsr(this.rowPtr, this.colIndex, {
      values: new Tensor(vals, [this.nnz], dtype),
      shape: [this.rows, this.cols],
    });
  }
}
