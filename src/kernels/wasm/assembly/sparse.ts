// Sparse and row-indexing kernels on rows of F floats. Indices are trusted (the calling op checks
// them). Rows are processed 16 floats at a time in registers, then 4, then one.

import { madd } from "./math";

// @ts-ignore: decorator
@inline function axpyRow(dst: usize, src: usize, v: v128, vs: f32, F: i32): void {
  // dst[0..F) += v * src[0..F)
  const bytes = <usize>F << 2;
  let o: usize = 0;
  for (; o + 64 <= bytes; o += 64) {
    v128.store(dst + o, madd(v, v128.load(src + o), v128.load(dst + o)));
    v128.store(dst + o, madd(v, v128.load(src + o, 16), v128.load(dst + o, 16)), 16);
    v128.store(dst + o, madd(v, v128.load(src + o, 32), v128.load(dst + o, 32)), 32);
    v128.store(dst + o, madd(v, v128.load(src + o, 48), v128.load(dst + o, 48)), 48);
  }
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, madd(v, v128.load(src + o), v128.load(dst + o)));
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(dst + o) + vs * load<f32>(src + o));
}

/** out[rows×F] = A·X for CSR A (values 0 → all ones when !hasValues), X[cols×F]. */
export function spmmCsrF32(indptr: usize, indices: usize, values: usize, hasValues: bool, rows: i32, X: usize, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  if (F == 16) {
    for (let r = 0; r < rows; r++) {
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
      for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
        const x = X + (<usize>load<i32>(indices + (<usize>p << 2)) << 6);
        if (hasValues) {
          const v = v128.load32_splat(values + (<usize>p << 2));
          a0 = madd(v, v128.load(x), a0);
          a1 = madd(v, v128.load(x, 16), a1);
          a2 = madd(v, v128.load(x, 32), a2);
          a3 = madd(v, v128.load(x, 48), a3);
        } else {
          a0 = f32x4.add(a0, v128.load(x));
          a1 = f32x4.add(a1, v128.load(x, 16));
          a2 = f32x4.add(a2, v128.load(x, 32));
          a3 = f32x4.add(a3, v128.load(x, 48));
        }
      }
      const o = out + (<usize>r << 6);
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
    return;
  }
  memory.fill(out, 0, <usize>rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    const o = out + <usize>r * rowBytes;
    const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
      const x = X + <usize>load<i32>(indices + (<usize>p << 2)) * rowBytes;
      const vs: f32 = hasValues ? load<f32>(values + (<usize>p << 2)) : 1;
      axpyRow(o, x, f32x4.splat(vs), vs, F);
    }
  }
}

/** out[cols×F] = Aᵀ·X for CSR A with `rows` rows, X[rows×F]. */
export function spmmCsrTF32(indptr: usize, indices: usize, values: usize, hasValues: bool, rows: i32, cols: i32, X: usize, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  memory.fill(out, 0, <usize>cols * rowBytes);
  for (let r = 0; r < rows; r++) {
    const x = X + <usize>r * rowBytes;
    const p1 = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let p = load<i32>(indptr + (<usize>r << 2)); p < p1; p++) {
      const o = out + <usize>load<i32>(indices + (<usize>p << 2)) * rowBytes;
      const vs: f32 = hasValues ? load<f32>(values + (<usize>p << 2)) : 1;
      axpyRow(o, x, f32x4.splat(vs), vs, F);
    }
  }
}

/** out[i] = src[index[i]] for n rows of F 32-bit elements (bit copy: float32 or int32). */
export function gatherRows32(src: usize, index: usize, n: i32, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  if (F == 16) {
    for (let i = 0; i < n; i++) {
      const s = src + (<usize>load<i32>(index + (<usize>i << 2)) << 6);
      const o = out + (<usize>i << 6);
      v128.store(o, v128.load(s));
      v128.store(o, v128.load(s, 16), 16);
      v128.store(o, v128.load(s, 32), 32);
      v128.store(o, v128.load(s, 48), 48);
    }
    return;
  }
  if (F == 1) {
    for (let i = 0; i < n; i++) {
      store<i32>(out + (<usize>i << 2), load<i32>(src + (<usize>load<i32>(index + (<usize>i << 2)) << 2)));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const s = src + <usize>load<i32>(index + (<usize>i << 2)) * rowBytes;
    const d = out + <usize>i * rowBytes;
    let o: usize = 0;
    for (; o + 16 <= rowBytes; o += 16) v128.store(d + o, v128.load(s + o));
    for (; o < rowBytes; o += 4) store<i32>(d + o, load<i32>(s + o));
  }
}

/** out[index[i]] += src[i] for n rows of F floats (out not cleared). */
export function scatterAddRowsF32(src: usize, index: usize, n: i32, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  if (F == 16) {
    for (let i = 0; i < n; i++) {
      const o = out + (<usize>load<i32>(index + (<usize>i << 2)) << 6);
      const s = src + (<usize>i << 6);
      v128.store(o, f32x4.add(v128.load(o), v128.load(s)));
      v128.store(o, f32x4.add(v128.load(o, 16), v128.load(s, 16)), 16);
      v128.store(o, f32x4.add(v128.load(o, 32), v128.load(s, 32)), 32);
      v128.store(o, f32x4.add(v128.load(o, 48), v128.load(s, 48)), 48);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const o = out + <usize>load<i32>(index + (<usize>i << 2)) * rowBytes;
    const s = src + <usize>i * rowBytes;
    let b: usize = 0;
    for (; b + 16 <= rowBytes; b += 16) v128.store(o + b, f32x4.add(v128.load(o + b), v128.load(s + b)));
    for (; b < rowBytes; b += 4) store<f32>(o + b, load<f32>(o + b) + load<f32>(s + b));
  }
}

/**
 * out[index[i]] = max (or min) over rows i of src; arg gets the winning row (−1 and out 0 where no
 * row arrived). out and arg hold outRows×F entries; neither needs initialising.
 */
export function scatterMaxRowsF32(src: usize, index: usize, n: i32, F: i32, out: usize, arg: usize, outRows: i32, isMin: bool): void {
  const rowBytes = <usize>F << 2;
  const total = <usize>outRows * rowBytes;
  memory.fill(arg, 0xff, total);
  const none = i32x4.splat(-1);
  for (let i = 0; i < n; i++) {
    const ob = <usize>load<i32>(index + (<usize>i << 2)) * rowBytes;
    const o = out + ob;
    const g = arg + ob;
    const s = src + <usize>i * rowBytes;
    const vi = i32x4.splat(i);
    let b: usize = 0;
    for (; b + 16 <= rowBytes; b += 16) {
      const v = v128.load(s + b);
      const cur = v128.load(o + b);
      const ar = v128.load(g + b);
      const better = isMin ? f32x4.lt(v, cur) : f32x4.gt(v, cur);
      const take = v128.or(i32x4.eq(ar, none), better);
      v128.store(o + b, v128.bitselect(v, cur, take));
      v128.store(g + b, v128.bitselect(vi, ar, take));
    }
    for (; b < rowBytes; b += 4) {
      const v = load<f32>(s + b);
      const cur = load<f32>(o + b);
      if (load<i32>(g + b) == -1 || (isMin ? v < cur : v > cur)) {
        store<f32>(o + b, v);
        store<i32>(g + b, i);
      }
    }
  }
  let b: usize = 0;
  for (; b + 16 <= total; b += 16) {
    const ar = v128.load(arg + b);
    v128.store(out + b, v128.andnot(v128.load(out + b), i32x4.eq(ar, none)));
  }
  for (; b < total; b += 4) if (load<i32>(arg + b) == -1) store<f32>(out + b, 0);
}

/** out[s] = Σ src[ptr[s]..ptr[s+1]) for S segments of rows of F floats. */
export function segmentSumF32(src: usize, ptr: usize, S: i32, F: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  if (F == 16) {
    for (let s = 0; s < S; s++) {
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      const r1 = load<i32>(ptr + (<usize>(s + 1) << 2));
      for (let r = load<i32>(ptr + (<usize>s << 2)); r < r1; r++) {
        const x = src + (<usize>r << 6);
        a0 = f32x4.add(a0, v128.load(x));
        a1 = f32x4.add(a1, v128.load(x, 16));
        a2 = f32x4.add(a2, v128.load(x, 32));
        a3 = f32x4.add(a3, v128.load(x, 48));
      }
      const o = out + (<usize>s << 6);
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
    return;
  }
  memory.fill(out, 0, <usize>S * rowBytes);
  const one = f32x4.splat(1);
  for (let s = 0; s < S; s++) {
    const o = out + <usize>s * rowBytes;
    const r1 = load<i32>(ptr + (<usize>(s + 1) << 2));
    for (let r = load<i32>(ptr + (<usize>s << 2)); r < r1; r++) axpyRow(o, src + <usize>r * rowBytes, one, 1, F);
  }
}
