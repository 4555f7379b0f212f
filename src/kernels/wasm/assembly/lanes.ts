// Transposes between rows of samples and f32x4 lanes (four samples per block), shared by the O(3)
// kernels (o3.ts, o3_bases.ts), and the row copy of the Winograd transforms (winograd.ts,
// winograd5.ts). Not a module export: index.ts does not re-export this file.
// ---- lanes <-> rows ----------------------------------------------------------------------------

/** dst[f] (v128) gets lane l = src[l·stride + f] (f32) for l < nl, 0 in the other lanes; f < n. */
export function rowsToLanes(src: usize, stride: usize, nl: i32, n: i32, dst: usize): void {
  let f = 0;
  if (nl == 4) {
    const r1 = src + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    for (; f + 4 <= n; f += 4) {
      const o = <usize>f << 2;
      const q0 = v128.load(src + o);
      const q1 = v128.load(r1 + o);
      const q2 = v128.load(r2 + o);
      const q3 = v128.load(r3 + o);
      const t0 = v128.shuffle<i32>(q0, q1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(q0, q1, 2, 6, 3, 7);
      const t2 = v128.shuffle<i32>(q2, q3, 0, 4, 1, 5);
      const t3 = v128.shuffle<i32>(q2, q3, 2, 6, 3, 7);
      const d = dst + (<usize>f << 4);
      v128.store(d, v128.shuffle<i64>(t0, t2, 0, 2));
      v128.store(d, v128.shuffle<i64>(t0, t2, 1, 3), 16);
      v128.store(d, v128.shuffle<i64>(t1, t3, 0, 2), 32);
      v128.store(d, v128.shuffle<i64>(t1, t3, 1, 3), 48);
    }
  }
  for (; f < n; f++) {
    const o = <usize>f << 2;
    let v = f32x4.splat(0);
    if (nl > 0) v = f32x4.replace_lane(v, 0, load<f32>(src + o));
    if (nl > 1) v = f32x4.replace_lane(v, 1, load<f32>(src + stride + o));
    if (nl > 2) v = f32x4.replace_lane(v, 2, load<f32>(src + 2 * stride + o));
    if (nl > 3) v = f32x4.replace_lane(v, 3, load<f32>(src + 3 * stride + o));
    v128.store(dst + (<usize>f << 4), v);
  }
}

/** dst[l·stride + f] = lane l of src[f] for l < nl, f < n (the inverse of {@link rowsToLanes}). */
export function lanesToRows(src: usize, n: i32, nl: i32, dst: usize, stride: usize): void {
  let f = 0;
  if (nl == 4) {
    const r1 = dst + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    for (; f + 4 <= n; f += 4) {
      const s = src + (<usize>f << 4);
      const q0 = v128.load(s);
      const q1 = v128.load(s, 16);
      const q2 = v128.load(s, 32);
      const q3 = v128.load(s, 48);
      const t0 = v128.shuffle<i32>(q0, q1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(q0, q1, 2, 6, 3, 7);
      const t2 = v128.shuffle<i32>(q2, q3, 0, 4, 1, 5);
      const t3 = v128.shuffle<i32>(q2, q3, 2, 6, 3, 7);
      const o = <usize>f << 2;
      v128.store(dst + o, v128.shuffle<i64>(t0, t2, 0, 2));
      v128.store(r1 + o, v128.shuffle<i64>(t0, t2, 1, 3));
      v128.store(r2 + o, v128.shuffle<i64>(t1, t3, 0, 2));
      v128.store(r3 + o, v128.shuffle<i64>(t1, t3, 1, 3));
    }
  }
  for (; f < n; f++) {
    const v = v128.load(src + (<usize>f << 4));
    const o = <usize>f << 2;
    if (nl > 0) store<f32>(dst + o, f32x4.extract_lane(v, 0));
    if (nl > 1) store<f32>(dst + stride + o, f32x4.extract_lane(v, 1));
    if (nl > 2) store<f32>(dst + 2 * stride + o, f32x4.extract_lane(v, 2));
    if (nl > 3) store<f32>(dst + 3 * stride + o, f32x4.extract_lane(v, 3));
  }
}

/** The sum of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// ---- rows ------------------------------------------------------------------------------------

/** Copies n floats from src to dst (v128 body, scalar tail; memory.copy is a call per row in V8). */
// @ts-ignore: decorator
@inline export function copyRow(dst: usize, src: usize, n: i32): void {
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o + 16 <= nb; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < nb; o += 4) store<f32>(dst + o, load<f32>(src + o));
}
