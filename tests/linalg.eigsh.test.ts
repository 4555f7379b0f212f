import { describe, expect, it } from "vitest";
import { symEigDense as symEigDenseGraph, symTridiagEig as symTridiagEigGraph } from "../src/domains/graph/eigen.js";
import { CsrMatrix, eigsh, symEigDense, symTridiagEig } from "../src/linalg/index.js";
import { Generator } from "../src/tensor/rng.js";

/** Laplacian of a random connected weighted graph (a path plus random chords): PSD, one zero eigenvalue. */
function randomLaplacian(n: number, extra: number, seed: number): CsrMatrix {
  const g = new Generator(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const edge = (i: number, j: number, w: number): void => {
    rows.push(i, j, i, j);
    cols.push(j, i, i, j);
    vals.push(-w, -w, w, w);
  };
  for (let i = 1; i < n; i++) edge(i - 1, i, g.uniform(0.5, 1.5));
  for (let e = 0; e < extra; e++) {
    const i = g.randint(0, n);
    const j = g.randint(0, n);
    if (i !== j) edge(i, j, g.uniform(0.1, 1));
  }
  return CsrMatrix.fromCoo(n, n, rows, cols, vals);
}

/** Reference eigenvalues of A x = λ diag(b) x by the dense solver on B^-1/2 A B^-1/2. */
function denseGeneralized(a: CsrMatrix, b: Float64Array): Float64Array {
  const n = a.rows;
  const d = a.toDense();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j]! /= Math.sqrt(b[i]! * b[j]!);
  return symEigDense(d, n).values;
}

/** max |Xᵀ B X − I| for row-major X [n, k] and diagonal or sparse B. */
function bOrthoError(x: Float64Array, n: number, k: number, b: Float64Array | CsrMatrix): number {
  let worst = 0;
  const bx = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    const xj = Float64Array.from({ length: n }, (_, r) => x[r * k + j]!);
    if (b instanceof CsrMatrix) b.matvec(xj, bx);
    else for (let r = 0; r < n; r++) bx[r] = b[r]! * xj[r]!;
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += x[r * k + i]! * bx[r]!;
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

/** max_j ‖A x_j − λ_j B x_j‖ / max(1, |λ_j|) ‖B x_j‖. */
function residual(
  a: CsrMatrix,
  b: Float64Array,
  r: { values: Float64Array; vectors: Float64Array; k: number },
): number {
  const n = a.rows;
  let worst = 0;
  for (let j = 0; j < r.k; j++) {
    const x = Float64Array.from({ length: n }, (_, i) => r.vectors[i * r.k + j]!);
    const ax = a.matvec(x);
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      num += (ax[i]! - r.values[j]! * b[i]! * x[i]!) ** 2;
      den += (b[i]! * x[i]!) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(num / den) / Math.max(1, Math.abs(r.values[j]!)));
  }
  return worst;
}

describe("dense eigensolvers moved to linalg", () => {
  it("are re-exported from domains/graph/eigen", () => {
    expect(symEigDenseGraph).toBe(symEigDense);
    expect(symTridiagEigGraph).toBe(symTridiagEig);
  });
});

describe("eigsh (shift-invert Krylov–Schur)", () => {
  it("matches the dense generalised eigenvalues and is B-orthonormal (diagonal B)", () => {
    const n = 150;
    const a = randomLaplacian(n, 200, 1);
    const g = new Generator(2);
    const b = Float64Array.from({ length: n }, () => g.uniform(0.5, 2));
    const ref = denseGeneralized(a, b);
    for (const k of [1, 6, 40]) {
      const r = eigsh(a, k, b, { denseThreshold: 0 });
      expect(r.method).toBe("krylov-schur");
      expect(r.k).toBe(k);
      for (let i = 0; i < k; i++) expect(Math.abs(r.values[i]! - ref[i]!)).toBeLessThan(1e-9 * Math.max(1, ref[i]!));
      expect(bOrthoError(r.vectors, n, k, b)).toBeLessThan(1e-10);
      expect(residual(a, b, r)).toBeLessThan(1e-8);
    }
    // the dense path agrees
    const d = eigsh(a, 6, b);
    expect(d.method).toBe("dense");
    for (let i = 0; i < 6; i++) expect(d.values[i]).toBeCloseTo(ref[i]!, 10);
    expect(bOrthoError(d.vectors, n, 6, b)).toBeLessThan(1e-10);
  });

  it("finds the zero eigenvalue of a Laplacian with a constant eigenvector", () => {
    const n = 400;
    const a = randomLaplacian(n, 300, 3);
    const r = eigsh(a, 5, null);
    expect(r.method).toBe("krylov-schur");
    expect(Math.abs(r.values[0]!)).toBeLessThan(1e-10);
    const v0 = Array.from({ length: n }, (_, i) => r.vectors[i * 5]!);
    const mean = v0.reduce((s, v) => s + v, 0) / n;
    for (const v of v0) expect(v).toBeCloseTo(mean, 10);
    expect(Math.abs(mean)).toBeCloseTo(1 / Math.sqrt(n), 10);
  });

  it("handles a sparse SPD B like the dense path", () => {
    const n = 90;
    const a = randomLaplacian(n, 60, 4);
    // a tridiagonal SPD "consistent mass" matrix
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    for (let i = 0; i < n; i++) {
      rows.push(i);
      cols.push(i);
      vals.push(4 / 6);
      if (i + 1 < n) {
        rows.push(i, i + 1);
        cols.push(i + 1, i);
        vals.push(1 / 6, 1 / 6);
      }
    }
    const b = CsrMatrix.fromCoo(n, n, rows, cols, vals);
    const dense = eigsh(a, 10, b);
    const sparse = eigsh(a, 10, b, { denseThreshold: 0 });
    expect(dense.method).toBe("dense");
    for (let i = 0; i < 10; i++) expect(sparse.values[i]).toBeCloseTo(dense.values[i]!, 9);
    expect(bOrthoError(sparse.vectors, n, 10, b)).toBeLessThan(1e-10);
    expect(bOrthoError(dense.vectors, n, 10, b)).toBeLessThan(1e-10);
  });

  it("returns every eigenpair when k reaches n (exhausted Krylov space)", () => {
    const n = 30;
    const a = randomLaplacian(n, 20, 5);
    const b = new Float64Array(n).fill(1);
    const ref = denseGeneralized(a, b);
    const r = eigsh(a, 40, b, { denseThreshold: 0 });
    expect(r.k).toBe(n);
    for (let i = 0; i < n; i++) expect(Math.abs(r.values[i]! - ref[i]!)).toBeLessThan(1e-9 * Math.max(1, ref[i]!));
    expect(bOrthoError(r.vectors, n, n, b)).toBeLessThan(1e-9);
  });

  it("explains a shift that leaves A − σB indefinite, and bad arguments", () => {
    const a = randomLaplacian(20, 5, 6);
    expect(() => eigsh(a, 3, null, { sigma: 0.5, denseThreshold: 0 })).toThrow(/not positive definite.*sigma below/);
    expect(() => eigsh(a, 0)).toThrow(/'k' expected a positive integer/);
    expect(() => eigsh(a, 2, new Float64Array(20))).toThrow(/'B' expected a positive diagonal, got 0 at row 0/);
  });
});
