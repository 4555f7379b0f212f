/** SparseMatrix.plusIdentity: the matrix fromCoo builds from A's entries and the diagonal, without a sort. */
import { describe, expect, it } from "vitest";
import { Generator } from "../src/tensor/rng.js";
import { SparseMatrix } from "../src/tensor/sparse.js";
import { Tensor } from "../src/tensor/tensor.js";

function viaCoo(A: SparseMatrix, c: number, dtype: "float32" | "float64"): SparseMatrix {
  const n = A.rows;
  const nnz = A.nnz;
  const row = new Int32Array(nnz + n);
  const col = new Int32Array(nnz + n);
  row.set(A.row);
  col.set(A.col);
  for (let i = 0; i < n; i++) {
    row[nnz + i] = i;
    col[nnz + i] = i;
  }
  let values: Tensor | null = null;
  if (c !== 1) {
    const v = dtype === "float64" ? new Float64Array(nnz + n) : new Float32Array(nnz + n);
    v.fill(1).fill(c, nnz);
    values = new Tensor(v, [nnz + n], dtype);
  }
  return SparseMatrix.fromCoo(row, col, { values, shape: [n, n] });
}

function same(a: SparseMatrix, b: SparseMatrix): void {
  expect(a.shape).toEqual(b.shape);
  expect(Array.from(a.row)).toEqual(Array.from(b.row));
  expect(Array.from(a.col)).toEqual(Array.from(b.col));
  expect(Array.from(a.rowPtr)).toEqual(Array.from(b.rowPtr));
  expect(Array.from(a.perm)).toEqual(Array.from(b.perm));
  expect(a.isCoalesced).toBe(b.isCoalesced);
  expect(a.values === null).toBe(b.values === null);
  if (a.values !== null && b.values !== null) {
    expect(a.values.dtype).toBe(b.values.dtype);
    expect(Array.from(a.values.data)).toEqual(Array.from(b.values.data));
  }
}

describe("SparseMatrix.plusIdentity", () => {
  it("equals fromCoo over A's entries and the diagonal (duplicates, self loops, empty rows)", () => {
    const g = new Generator(4);
    for (const [n, E] of [
      [1, 0],
      [5, 0],
      [6, 14],
      [30, 90],
      [17, 200],
    ] as const) {
      const r = new Int32Array(E);
      const c = new Int32Array(E);
      for (let e = 0; e < E; e++) {
        r[e] = Math.floor(g.random() * n);
        c[e] = Math.floor(g.random() * n);
      }
      const A = SparseMatrix.fromCoo(r, c, { shape: [n, n] });
      for (const k of [1, 2.5, 0])
        for (const dtype of ["float32", "float64"] as const) same(A.plusIdentity(k, dtype), viaCoo(A, k, dtype));
    }
  });

  it("refuses matrices with values and non-square ones", () => {
    const A = SparseMatrix.fromCoo([0, 1], [1, 2], { shape: [2, 3] });
    expect(() => A.plusIdentity()).toThrow(/square/);
    const B = SparseMatrix.fromCoo([0, 1], [1, 0], { shape: [2, 2] });
    const withValues = B.withValues(new Tensor(new Float32Array([1, 2]), [2], "float32"));
    expect(() => withValues.plusIdentity()).toThrow(/pattern/);
  });
});
