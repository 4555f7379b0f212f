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

/**
 * How {@link permuteCopyRef}'s WASM twin walks a strided copy: the box `dims` with source and output
 * strides (elements), in output order when the source's densest axis is one of the output's last two
 * (a gather), else in source order when the output's last axis is one of the source's densest two (a
 * scatter, with the output's last axis innermost); each visits rows of the two innermost axes, so both
 * sides move in runs that stay in cache.
 * Size-1 axes are dropped and mergeable ones merged first. `extent`: the source elements spanned. Null
 * for fewer than two axes after merging (a plain run), a zero stride, or neither order.
 */
export interface CopyBoxPlan {
  dims: number[];
  sStr: number[];
  dStr: number[];
  extent: number;
}

/** The {@link CopyBoxPlan} of reading `outShape` from strides `srcStrides` into contiguous storage. */
export function copyBoxPlan(srcStrides: readonly number[], outShape: readonly number[]): CopyBoxPlan | null {
  const shape: number[] = [];
  const st: number[] = [];
  for (let k = 0; k < outShape.length; k++) {
    const n = outShape[k]!;
    if (n === 1) continue;
    const s = srcStrides[k]!;
    if (n === 0 || s <= 0) return null;
    const m = shape.length - 1;
    if (m >= 0 && st[m] === s * n) {
      shape[m]! *= n;
      st[m] = s;
    } else {
      shape.push(n);
      st.push(s);
    }
  }
  const m = shape.length;
  if (m < 2) return null;
  const ds = new Array<number>(m);
  let extent = 1;
  for (let k = m - 1, p = 1; k >= 0; k--) {
    ds[k] = p;
    p *= shape[k]!;
    extent += (shape[k]! - 1) * st[k]!;
  }
  let kmin = 0;
  for (let k = 1; k < m; k++) if (st[k]! < st[kmin]!) kmin = k;
  if (kmin >= m - 2) return { dims: shape, sStr: st, dStr: ds, extent };
  const order = Array.from({ length: m }, (_, k) => k).sort((x, y) => st[y]! - st[x]!);
  const at = order.indexOf(m - 1);
  if (at < m - 2) return null;
  // the output's dense axis innermost: contiguous runs of stores (measured: 2× faster than one store
  // per far-apart run when the runs are short)
  if (at === m - 2) [order[m - 2], order[m - 1]] = [order[m - 1]!, order[m - 2]!];
  return { dims: order.map((k) => shape[k]!), sStr: order.map((k) => st[k]!), dStr: order.map((k) => ds[k]!), extent };
}

/**
 * out (contiguous, shape `outShape`) = `src` read from `offset` with strides `srcStrides`: out[i] =
 * src[offset + Σ i_k·srcStrides_k] in output order, the data movement of a permute. Returns true (the
 * fast path's contract: the copy ran).
 */
export function permuteCopyRef(
  src: Float32Array | Int32Array,
  offset: number,
  srcStrides: readonly number[],
  outShape: readonly number[],
  out: Float32Array | Int32Array,
): boolean {
  const nd = outShape.length;
  let n = 1;
  for (const d of outShape) n *= d;
  if (n === 0) return true;
  // 32-bit words, so that every element (NaN payloads too) arrives bit for bit
  const from = new Int32Array(src.buffer, src.byteOffset, src.length);
  const to = new Int32Array(out.buffer, out.byteOffset, out.length);
  const idx = new Array<number>(nd).fill(0);
  let s = offset;
  for (let i = 0; i < n; i++) {
    to[i] = from[s]!;
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      s += srcStrides[k]!;
      if (idx[k]! < outShape[k]!) break;
      s -= srcStrides[k]! * outShape[k]!;
      idx[k] = 0;
    }
  }
  return true;
}

/**
 * Products of gathered columns: out[u][r][n] = Σ_j a[r·K + ids[j]]·mats[j·N + n] over j in [offs[u],
 * offs[u+1]) in order, for the U = offs.length − 1 planes of R×N (twin of `gatheredMatmulWasm`).
 */
export function gatheredMatmulRef(
  a: FloatArray,
  ids: Int32Array,
  offs: Int32Array,
  mats: FloatArray,
  out: FloatArray,
  R: number,
  K: number,
  N: number,
): void {
  const U = offs.length - 1;
  for (let u = 0; u < U; u++) {
    for (let r = 0; r < R; r++) {
      const o = (u * R + r) * N;
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let j = offs[u]!; j < offs[u + 1]!; j++) s += a[r * K + ids[j]!]! * mats[j * N + n]!;
        out[o + n] = s;
      }
    }
  }
}

/**
 * The gradient of {@link gatheredMatmulRef}: ga (cleared) gets Σ_n gy[u][r][n]·mats[j·N + n] added at
 * [r·K + ids[j]] for every row, then part u and j in order (twin of `gatheredMatmulGradWasm`).
 */
export function gatheredMatmulGradRef(
  gy: FloatArray,
  ids: Int32Array,
  offs: Int32Array,
  mats: FloatArray,
  ga: FloatArray,
  R: number,
  K: number,
  N: number,
): void {
  const U = offs.length - 1;
  ga.fill(0, 0, R * K);
  for (let r = 0; r < R; r++) {
    for (let u = 0; u < U; u++) {
      const g = (u * R + r) * N;
      for (let j = offs[u]!; j < offs[u + 1]!; j++) {
        let s = 0;
        for (let n = 0; n < N; n++) s += gy[g + n]! * mats[j * N + n]!;
        ga[r * K + ids[j]!]! += s;
      }
    }
  }
}
