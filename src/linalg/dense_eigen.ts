/**
 * Dense symmetric eigensolvers in float64 on typed arrays: Householder reduction to tridiagonal form
 * followed by the implicit QL algorithm with Wilkinson-type shifts (the classic tred2/tql2 pair), and
 * the QL step alone for tridiagonal matrices (the projected problem of Lanczos methods). O(n³) time and
 * O(n²) memory: meant for matrices up to a few thousand rows. Eigenvectors are stored contiguously
 * (column-major internally). Moved here from `domains/graph/eigen.ts`, which re-exports them.
 */
import { opError } from "../tensor/errors.js";

/** Eigenvalues (ascending) and the matching unit eigenvectors. */
export interface SymEigResult {
  /** `n` eigenvalues in ascending order. */
  values: Float64Array;
  /** Row-major `[n, n]`: column `j` is the eigenvector of `values[j]`. */
  vectors: Float64Array;
  n: number;
}

/**
 * Eigen-decomposition of the symmetric `n × n` matrix `a` (row-major; only symmetric input is
 * meaningful, the lower triangle is read). Returns ascending eigenvalues and orthonormal eigenvectors.
 */
export function symEigDense(a: ArrayLike<number>, n: number): SymEigResult {
  if (a.length !== n * n) opError("symEig", "a", `${n * n} elements for a ${n}×${n} matrix`, String(a.length));
  // v is column-major: V[row][col] = v[col * n + row]; start from A (symmetric, so either layout)
  const v = Float64Array.from(a as ArrayLike<number>);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: new Float64Array(0), n };
  tred2(v, d, e, n);
  tql2(v, d, e, n);
  // sort ascending (selection of indices), write row-major vectors
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i]! - d[j]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let jj = 0; jj < n; jj++) {
    const j = order[jj]!;
    values[jj] = d[j]!;
    const col = j * n;
    for (let r = 0; r < n; r++) vectors[r * n + jj] = v[col + r]!;
  }
  return { values, vectors, n };
}

/**
 * Eigen-decomposition of the symmetric tridiagonal matrix with diagonal `diag` (length n) and
 * off-diagonal `off` (length n-1). Returns ascending values and row-major eigenvectors (columns).
 */
export function symTridiagEig(diag: ArrayLike<number>, off: ArrayLike<number>): SymEigResult {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 1; i < n; i++) e[i] = off[i - 1]!;
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  if (n > 0) tql2(v, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i]! - d[j]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let jj = 0; jj < n; jj++) {
    const j = order[jj]!;
    values[jj] = d[j]!;
    for (let r = 0; r < n; r++) vectors[r * n + jj] = v[j * n + r]!;
  }
  return { values, vectors, n };
}

/** Householder tridiagonalisation; on return d = diagonal, e = subdiagonal (e[0] = 0), v = transform. */
function tred2(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  const V = (r: number, c: number) => c * n + r;
  for (let j = 0; j < n; j++) d[j] = v[V(n - 1, j)]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[V(i - 1, j)]!;
        v[V(i, j)] = 0;
        v[V(j, i)] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[V(j, i)] = f;
        const cj = j * n;
        g = e[j]! + v[cj + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = v[cj + k]!;
          g += vkj * d[k]!;
          e[k]! += vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const cj = j * n;
        for (let k = j; k <= i - 1; k++) v[cj + k]! -= f * e[k]! + g * d[k]!;
        d[j] = v[V(i - 1, j)]!;
        v[V(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  // accumulate transformations
  for (let i = 0; i < n - 1; i++) {
    v[V(n - 1, i)] = v[V(i, i)]!;
    v[V(i, i)] = 1;
    const h = d[i + 1]!;
    const ci1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[ci1 + k]! / h;
      for (let j = 0; j <= i; j++) {
        const cj = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[ci1 + k]! * v[cj + k]!;
        for (let k = 0; k <= i; k++) v[cj + k]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[ci1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[V(n - 1, j)]!;
    v[V(n - 1, j)] = 0;
  }
  v[V(n - 1, n - 1)] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e), accumulating rotations into v. */
function tql2(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m === n) m = n - 1;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60)
          opError("symEig", "a", "a symmetric matrix (QL iteration converges)", "no convergence after 60 iterations");
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const ci = i * n;
          const ci1 = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const hk = v[ci1 + k]!;
            const vk = v[ci + k]!;
            v[ci1 + k] = s * vk + c * hk;
            v[ci + k] = c * vk - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}
