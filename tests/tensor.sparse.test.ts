import { describe, expect, it } from "vitest";
import { Generator, gradcheck, randn, SparseMatrix, sddmm, spmm, Tensor, tensor } from "../src/tensor/index.js";

const i32 = (v: number[], shape?: number[]) => tensor(v, { dtype: "int32", shape });

// Directed edges given out of order, with one duplicate (2 -> 0 twice).
const edgeIndex = i32([2, 0, 1, 2, 0, 0, 1, 0, 0, 2], [2, 5]);
const w = tensor([1, 2, 3, 4, 5], { dtype: "float64" });

function denseRef(rows: number, cols: number, r: number[], c: number[], v: number[]): number[][] {
  const d = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < r.length; i++) d[r[i]!]![c[i]!]! += v[i]!;
  return d;
}

describe("SparseMatrix construction", () => {
  it("fromEdgeIndex sorts by (row, col) and keeps the permutation", () => {
    const A = SparseMatrix.fromEdgeIndex(edgeIndex, { values: w });
    expect(A.shape).toEqual([3, 3]);
    expect(A.nnz).toBe(5);
    expect(Array.from(A.row)).toEqual([0, 0, 1, 2, 2]);
    expect(Array.from(A.col)).toEqual([1, 2, 0, 0, 0]);
    expect(Array.from(A.rowPtr)).toEqual([0, 2, 3, 5]);
    expect(Array.from(A.perm)).toEqual([1, 4, 2, 0, 3]);
    expect(A.values!.toFlatArray()).toEqual([2, 5, 3, 1, 4]);
    expect(A.isCoalesced).toBe(false);
    expect(A.toDense().toArray()).toEqual(denseRef(3, 3, [2, 0, 1, 2, 0], [0, 1, 0, 0, 2], [1, 2, 3, 4, 5]));
    expect(A.edgeIndex().toArray()).toEqual([
      [0, 0, 1, 2, 2],
      [1, 2, 0, 0, 0],
    ]);
  });

  it("coalesce sums duplicates; transpose; pattern matrices", () => {
    const A = SparseMatrix.fromEdgeIndex(edgeIndex, { values: w }).coalesce();
    expect(A.nnz).toBe(4);
    expect(A.isCoalesced).toBe(true);
    expect(A.values!.toFlatArray()).toEqual([2, 5, 3, 5]);
    const T = A.transpose();
    expect(T.toDense().toArray()).toEqual([
      [0, 3, 5],
      [2, 0, 0],
      [5, 0, 0],
    ]);
    const P = SparseMatrix.fromEdgeIndex(edgeIndex, { shape: [3, 4] });
    expect(P.values).toBeNull();
    expect(P.shape).toEqual([3, 4]);
    expect(P.coalesce().values!.toFlatArray()).toEqual([1, 1, 1, 2]);
    expect(P.sum(1).toFlatArray()).toEqual([2, 1, 2]);
    expect(P.sum(0).toFlatArray()).toEqual([3, 1, 1, 0]);
  });

  it("fromCoo, fromCsr and fromDense agree", () => {
    const dense = tensor([
      [0, 1.5, 0],
      [2, 0, -1],
    ]);
    const D = SparseMatrix.fromDense(dense);
    expect(Array.from(D.rowPtr)).toEqual([0, 1, 3]);
    expect(D.toDense().toArray()).toEqual(dense.toArray());
    const C = SparseMatrix.fromCsr([0, 1, 3], [1, 2, 0], { values: tensor([1.5, -1, 2]), shape: [2, 3] });
    expect(C.toDense().toArray()).toEqual(dense.toArray());
    const O = SparseMatrix.fromCoo([1, 0, 1], [0, 1, 2], { values: tensor([2, 1.5, -1]), shape: [2, 3] });
    expect(O.toDense().toArray()).toEqual(dense.toArray());
  });

  it("validates indices, shape, values and pointers", () => {
    expect(() => SparseMatrix.fromEdgeIndex(edgeIndex, { shape: [2, 3] })).toThrow(
      /SparseMatrix.fromEdgeIndex: argument 'edgeIndex\[0\]' expected values in \[0, 2\), got 2 at position 0/,
    );
    expect(() => SparseMatrix.fromEdgeIndex(i32([0, 1, 2], [3, 1]))).toThrow(
      /argument 'edgeIndex' expected shape \[2, E\], got \[3, 1\]/,
    );
    expect(() => SparseMatrix.fromEdgeIndex(tensor([[0], [1]]))).toThrow(
      /argument 'edgeIndex' expected dtype int32, got float32/,
    );
    expect(() => SparseMatrix.fromEdgeIndex(edgeIndex, { values: tensor([1, 2]) })).toThrow(
      /argument 'values' expected a 1-D tensor of length 5/,
    );
    expect(() => SparseMatrix.fromCsr([0, 2, 1], [0, 1])).toThrow(
      /SparseMatrix.fromCsr: argument 'rowPtr' expected non-decreasing values/,
    );
    expect(() => SparseMatrix.fromCoo([0, -1], [0, 0])).toThrow(/argument 'row' expected values in/);
  });
});

describe("spmm", () => {
  it("matches the dense product (float32 and float64, 1-D and 2-D X)", () => {
    const A = SparseMatrix.fromEdgeIndex(edgeIndex, { values: w });
    const X = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const out = spmm(A, X);
    expect(out.dtype).toBe("float32");
    // dense A = [[0,2,5],[3,0,0],[5,0,0]]
    expect(out.toArray()).toEqual([
      [31, 38],
      [3, 6],
      [5, 10],
    ]);
    expect(A.matmul(X.double()).dtype).toBe("float64");
    expect(A.matmul(tensor([1, 1, 1])).toFlatArray()).toEqual([7, 3, 5]);
    const P = SparseMatrix.fromEdgeIndex(edgeIndex);
    expect(spmm(P, X).toArray()).toEqual([
      [8, 10],
      [1, 2],
      [2, 4],
    ]);
    expect(() => spmm(A, tensor([[1, 2]]))).toThrow(
      /spmm: argument 'X' expected shape \[3, \.\.\.\] \(A is 3×3\), got \[1, 2\]/,
    );
    expect(() => spmm(A, tensor([1, 2, 3], { dtype: "int32" }))).toThrow(
      /spmm: argument 'X' expected dtype float32 or float64/,
    );
  });

  it("gradcheck wrt X and wrt the values (through the COO→CSR permutation)", () => {
    const X = randn([3, 4]).double().requiresGrad_();
    const v = randn([5]).double().requiresGrad_();
    gradcheck((x, vals) => spmm(SparseMatrix.fromEdgeIndex(edgeIndex, { values: vals, shape: [3, 3] }), x), [X, v]);
    const rect = SparseMatrix.fromCoo([0, 3, 1, 3], [1, 0, 1, 2], { shape: [4, 3] });
    gradcheck((x) => spmm(rect, x), [X]);
    gradcheck(
      (vals) =>
        SparseMatrix.fromCoo([0, 3, 1, 3], [1, 0, 1, 2], { values: vals, shape: [4, 3] })
          .coalesce()
          .transpose()
          .toDense(),
      [randn([4]).double().requiresGrad_()],
    );
  });

  it("gradcheck sddmm", () => {
    const A = SparseMatrix.fromEdgeIndex(edgeIndex);
    const U = randn([3, 2]).double().requiresGrad_();
    const V = randn([3, 2]).double().requiresGrad_();
    gradcheck((u, v) => sddmm(A, u, v), [U, V]);
  });

  it("values grad lands on the caller's tensor", () => {
    const v = tensor([1, 2, 3, 4, 5]).requiresGrad_();
    const A = SparseMatrix.fromEdgeIndex(edgeIndex, { values: v });
    const X = tensor([[1], [10], [100]]);
    spmm(A, X).backward(tensor([[1], [1], [1]]));
    // dv_e = X[col_e] for the edge's own column
    expect(v.grad!.toFlatArray()).toEqual([1, 10, 1, 1, 100]);
  });

  it("sparse features (Cora-sized, 1.3% dense) times a dense weight, as a first layer", () => {
    const g = new Generator(7);
    const N = 2708;
    const D = 1433;
    const nnz = 49216;
    const r = new Int32Array(nnz);
    const c = new Int32Array(nnz);
    for (let i = 0; i < nnz; i++) {
      r[i] = g.randint(0, N);
      c[i] = g.randint(0, D);
    }
    const Xs = SparseMatrix.fromCoo(r, c, { shape: [N, D] });
    const W = randn([D, 16], { generator: g }).requiresGrad_();
    const H = Xs.matmul(W);
    expect(H.shape).toEqual([N, 16]);
    H.backward(new Tensor(new Float32Array(N * 16).fill(1), [N, 16], "float32"));
    expect(W.grad!.shape).toEqual([D, 16]);
    // W.grad[d, :] = number of entries in column d
    const colCount = new Float64Array(D);
    for (let i = 0; i < nnz; i++) colCount[c[i]!]!++;
    for (const d of [0, 17, 1432]) expect(W.grad!.data[d * 16]).toBe(colCount[d]);
    // spot-check a row of H
    const row5 = new Float64Array(16);
    for (let i = 0; i < nnz; i++) if (r[i] === 5) for (let f = 0; f < 16; f++) row5[f]! += W.data[c[i]! * 16 + f]!;
    for (let f = 0; f < 16; f++) expect(Math.abs(H.data[5 * 16 + f]! - row5[f]!)).toBeLessThan(1e-4);
  });
});
