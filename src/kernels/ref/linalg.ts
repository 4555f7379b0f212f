/** Reference (plain TypeScript) dense linear-algebra kernels. Typed arrays and sizes only. */
export type FloatArray = Float32Array | Float64Array;

/**
 * C[M×N] = op(A)·op(B) (+ C when `accumulate`), row-major. op(A) is A[M×K] or, with `transA`,
 * the transpose of A[K×M]; likewise op(B) is B[K×N] or the transpose of B[N×K].
 */
export function gemmRef(
  A: FloatArray,
  B: FloatArray,
  C: FloatArray,
  M: number,
  N: number,
  K: number,
  transA = false,
  transB = false,
  accumulate = false,
): void {
  if (!accumulate) C.fill(0, 0, M * N);
  for (let i = 0; i < M; i++) {
    const crow = i * N;
    for (let k = 0; k < K; k++) {
      const a = transA ? A[k * M + i]! : A[i * K + k]!;
      if (a === 0) continue;
      if (transB) {
        for (let j = 0; j < N; j++) C[crow + j]! += a * B[j * K + k]!;
      } else {
        const brow = k * N;
        for (let j = 0; j < N; j++) C[crow + j]! += a * B[brow + j]!;
      }
    }
  }
}

/** out[C×R] = transpose of a[R×C], in cache blocks. */
export function transpose2dRef(
  a: FloatArray | Int32Array | Uint8Array,
  out: FloatArray | Int32Array | Uint8Array,
  R: number,
  C: number,
): void {
  const B = 32;
  for (let r0 = 0; r0 < R; r0 += B) {
    const r1 = Math.min(R, r0 + B);
    for (let c0 = 0; c0 < C; c0 += B) {
      const c1 = Math.min(C, c0 + B);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * R + r] = a[r * C + c]!;
    }
  }
}
