import { describe, expect, it } from "vitest";
import {
  adjacencyOf,
  analyzeCholesky,
  CsrMatrix,
  cholesky,
  conjugateGradient,
  nestedDissection,
  reverseCuthillMcKee,
} from "../src/linalg/index.js";
import { Generator } from "../src/tensor/rng.js";

/** A random sparse symmetric positive definite matrix: a weighted random graph Laplacian plus a positive diagonal. */
function randomSpd(n: number, density: number, seed: number): CsrMatrix {
  const g = new Generator(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (g.random() < density) {
        const w = g.uniform(0.1, 2);
        rows.push(i, j, i, j);
        cols.push(j, i, i, j);
        vals.push(-w, -w, w, w);
      }
    }
    rows.push(i);
    cols.push(i);
    vals.push(g.uniform(0.01, 1));
  }
  return CsrMatrix.fromCoo(n, n, rows, cols, vals);
}

/** Dense solve by Gaussian elimination with partial pivoting (the reference). */
function denseSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const A = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i * n + k]!) > Math.abs(A[piv * n + k]!)) piv = i;
    if (piv !== k) {
      for (let j = 0; j < n; j++) [A[k * n + j], A[piv * n + j]] = [A[piv * n + j]!, A[k * n + j]!];
      [x[k], x[piv]] = [x[piv]!, x[k]!];
    }
    for (let i = k + 1; i < n; i++) {
      const f = A[i * n + k]! / A[k * n + k]!;
      for (let j = k; j < n; j++) A[i * n + j]! -= f * A[k * n + j]!;
      x[i]! -= f * x[k]!;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = x[k]!;
    for (let j = k + 1; j < n; j++) s -= A[k * n + j]! * x[j]!;
    x[k] = s / A[k * n + k]!;
  }
  return x;
}

const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

describe("CsrMatrix", () => {
  it("sums duplicate COO entries and sorts columns", () => {
    const a = CsrMatrix.fromCoo(3, 4, [2, 0, 2, 0, 1], [1, 3, 1, 0, 2], [1, 2, 3, 4, 5]);
    expect(Array.from(a.rowPtr)).toEqual([0, 2, 3, 4]);
    expect(Array.from(a.colIndex)).toEqual([0, 3, 2, 1]);
    expect(Array.from(a.values)).toEqual([4, 2, 5, 4]);
    expect(Array.from(a.toDense())).toEqual([4, 0, 0, 2, 0, 0, 5, 0, 0, 4, 0, 0]);
  });

  it("multiplies, transposes, adds, scales and reads the diagonal like its dense copy", () => {
    const g = new Generator(1);
    const a = randomSpd(12, 0.3, 2);
    const b = CsrMatrix.fromCoo(12, 12, [0, 5, 11], [3, 5, 0], [1, -2, 3]);
    const x = Float64Array.from({ length: 12 }, () => g.normal());
    const da = a.toDense();
    const ax = a.matvec(x);
    for (let i = 0; i < 12; i++) {
      let s = 0;
      for (let j = 0; j < 12; j++) s += da[i * 12 + j]! * x[j]!;
      expect(ax[i]).toBeCloseTo(s, 12);
    }
    const c = a.add(b, 2, -1).toDense();
    const db = b.toDense();
    for (let i = 0; i < 144; i++) expect(c[i]).toBeCloseTo(2 * da[i]! - db[i]!, 12);
    const bt = b.transpose().toDense();
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) expect(bt[i * 12 + j]).toBe(db[j * 12 + i]);
    expect(Array.from(a.scale(3).diagonal())).toEqual(Array.from(a.diagonal()).map((v) => 3 * v));
    expect(a.asymmetry()).toBe(0);
    expect(b.asymmetry()).toBeGreaterThan(0);
    const xm = Float64Array.from({ length: 24 }, () => g.normal());
    const y = a.matmat(xm, 2);
    for (let c2 = 0; c2 < 2; c2++) {
      const col = Float64Array.from({ length: 12 }, (_, i) => xm[i * 2 + c2]!);
      const ay = a.matvec(col);
      for (let i = 0; i < 12; i++) expect(y[i * 2 + c2]).toBeCloseTo(ay[i]!, 12);
    }
  });

  it("converts to the tensor engine's SparseMatrix in float32 and float64", () => {
    const a = randomSpd(7, 0.4, 3);
    for (const dtype of ["float32", "float64"] as const) {
      const s = a.toSparseMatrix(dtype);
      expect(s.shape).toEqual([7, 7]);
      expect(s.dtype).toBe(dtype);
      const d = s.toDense().data;
      const ref = a.toDense();
      for (let i = 0; i < 49; i++) expect(d[i]).toBeCloseTo(ref[i]!, dtype === "float32" ? 6 : 14);
    }
  });

  it("rejects unsorted CSR input and out-of-range COO indices", () => {
    expect(() => new CsrMatrix(1, 3, Int32Array.from([0, 2]), Int32Array.from([2, 1]), new Float64Array(2))).toThrow(
      /increasing column ids/,
    );
    expect(() => CsrMatrix.fromCoo(2, 2, [0, 2], [0, 0], [1, 1])).toThrow(/rowIndex.*\[0, 2\).*got 2/);
  });
});

describe("orderings", () => {
  it("are permutations (nested dissection, RCM) on a disconnected graph", () => {
    const a = CsrMatrix.fromCoo(
      10,
      10,
      [0, 1, 1, 2, 5, 6, 6, 7, 8, 9],
      [1, 0, 2, 1, 6, 5, 7, 6, 9, 8],
      new Array(10).fill(1),
    );
    for (const perm of [nestedDissection(adjacencyOf(a), { leafSize: 2 }), reverseCuthillMcKee(adjacencyOf(a))]) {
      expect(Array.from(perm).sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }
  });
});

describe("sparse Cholesky", () => {
  it("solves random SPD systems like a dense solve, for every ordering", () => {
    for (const [n, density, seed] of [
      [1, 0, 1],
      [30, 0.15, 4],
      [120, 0.04, 5],
      [200, 0.01, 6],
    ] as const) {
      const a = randomSpd(n, density, seed);
      const g = new Generator(seed + 100);
      const b = Float64Array.from({ length: n }, () => g.normal());
      const ref = denseSolve(a.toDense(), b, n);
      for (const ordering of ["nested-dissection", "rcm", "natural"] as const) {
        const f = cholesky(a, { ordering });
        const x = f.solve(b);
        const err = maxAbs(x.map((v, i) => v - ref[i]!)) / Math.max(1, maxAbs(ref));
        expect(err).toBeLessThan(1e-10);
        // the residual of the sparse solve itself
        const r = a.matvec(x).map((v, i) => v - b[i]!);
        expect(maxAbs(r)).toBeLessThan(1e-10 * Math.max(1, maxAbs(b)));
      }
    }
  });

  it("reuses a symbolic analysis for new values and matches the log-determinant", () => {
    const a = randomSpd(40, 0.1, 7);
    const sym = analyzeCholesky(a);
    const a2 = a.scale(2);
    const f2 = sym.factor(a2);
    const f1 = cholesky(a);
    expect(f2.logDet()).toBeCloseTo(f1.logDet() + 40 * Math.log(2), 9);
    expect(sym.nnzL).toBeGreaterThan(0);
  });

  it("names the pivot when the matrix is not positive definite", () => {
    const a = CsrMatrix.fromCoo(3, 3, [0, 0, 1, 1, 2], [0, 1, 0, 1, 2], [1, 2, 2, 1, 1]);
    expect(() => cholesky(a, { ordering: "natural" })).toThrow(
      /cholesky: argument 'a' expected a symmetric positive definite matrix, got pivot -3 at row 1/,
    );
    // a singular PSD matrix (a path Laplacian) is rejected as numerically singular
    const lap = CsrMatrix.fromCoo(3, 3, [0, 0, 1, 1, 1, 2, 2], [0, 1, 0, 1, 2, 1, 2], [1, -1, -1, 2, -1, -1, 1]);
    expect(() => cholesky(lap)).toThrow(/positive definite/);
  });
});

describe("conjugate gradients", () => {
  it("converges with the Jacobi preconditioner to the dense solution", () => {
    const n = 80;
    const a = randomSpd(n, 0.05, 8);
    const g = new Generator(9);
    const b = Float64Array.from({ length: n }, () => g.normal());
    const ref = denseSolve(a.toDense(), b, n);
    const r = conjugateGradient(a, b, { tol: 1e-12 });
    expect(r.converged).toBe(true);
    expect(maxAbs(r.x.map((v, i) => v - ref[i]!)) / maxAbs(ref)).toBeLessThan(1e-8);
    const plain = conjugateGradient((x, y) => a.matvec(x, y), b, { tol: 1e-12 });
    expect(plain.converged).toBe(true);
  });
});
