/** Small dense float64 matrix helpers (row-major) for group elements and representations. */

/** n×n identity. */
export function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/** C = A·B for A [n×k], B [k×m]. */
export function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p]!;
      if (v === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j]! += v * b[p * m + j]!;
    }
  }
  return c;
}

/** Square product A·B (n×n). */
export function matmulSq(a: Float64Array, b: Float64Array, n: number): Float64Array {
  return matmul(a, b, n, n, n);
}

/** y = A·x for A [n×m]. */
export function matvec(a: Float64Array, x: ArrayLike<number>, n: number, m: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[i * m + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** Transpose of A [n×m]. */
export function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const t = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j]!;
  return t;
}

/** Block-diagonal matrix of square blocks. */
export function blockDiag(blocks: readonly { m: Float64Array; n: number }[]): Float64Array {
  let n = 0;
  for (const b of blocks) n += b.n;
  const out = new Float64Array(n * n);
  let off = 0;
  for (const b of blocks) {
    for (let i = 0; i < b.n; i++) for (let j = 0; j < b.n; j++) out[(off + i) * n + off + j] = b.m[i * b.n + j]!;
    off += b.n;
  }
  return out;
}

/** Kronecker product of square A (n×n) and B (m×m). */
export function kron(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const N = n * m;
  const out = new Float64Array(N * N);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const v = a[i * n + j]!;
      if (v === 0) continue;
      for (let k = 0; k < m; k++) for (let l = 0; l < m; l++) out[(i * m + k) * N + j * m + l] = v * b[k * m + l]!;
    }
  return out;
}

/** Determinant of a 3×3 or 2×2 matrix. */
export function det(a: Float64Array, n: number): number {
  if (n === 1) return a[0]!;
  if (n === 2) return a[0]! * a[3]! - a[1]! * a[2]!;
  if (n === 3) {
    return (
      a[0]! * (a[4]! * a[8]! - a[5]! * a[7]!) -
      a[1]! * (a[3]! * a[8]! - a[5]! * a[6]!) +
      a[2]! * (a[3]! * a[7]! - a[4]! * a[6]!)
    );
  }
  // LU with partial pivoting
  const m = a.slice();
  let d = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    if (m[p * n + c] === 0) return 0;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        const t = m[c * n + k]!;
        m[c * n + k] = m[p * n + k]!;
        m[p * n + k] = t;
      }
      d = -d;
    }
    d *= m[c * n + c]!;
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / m[c * n + c]!;
      for (let k = c; k < n; k++) m[r * n + k]! -= f * m[c * n + k]!;
    }
  }
  return d;
}

/** Max |A − B|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** 2×2 rotation by angle θ (counter-clockwise). */
export function rot2(theta: number): Float64Array {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return new Float64Array([c, -s, s, c]);
}

/** Gram–Schmidt orthonormalisation of the columns of A [n×n] (used to make random orthogonal matrices). */
export function orthonormalizeColumns(a: Float64Array, n: number): Float64Array {
  const q = a.slice();
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[i * n + j]! * q[i * n + k]!;
      for (let i = 0; i < n; i++) q[i * n + j]! -= dot * q[i * n + k]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * n + j]! /= norm;
  }
  return q;
}
