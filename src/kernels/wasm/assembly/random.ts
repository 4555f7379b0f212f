// Random masks from xoshiro128** streams (f32 outputs): the graph models' local dropout stream and the
// Generator's Bernoulli masks. Twins: src/kernels/ref/random.ts (same draws, same masks).

/**
 * Inverted dropout with the local xoshiro128** stream of the graph models' `fastDropout` /
 * `reluDropout` (seed s0..s3, not all zero): each 32-bit draw decides two elements (low 16 bits,
 * then high), an element is kept when its 16 bits are ≥ thr, and kept elements are scaled by
 * `scale`; with `relu`, elements that are not > 0 are dropped too. Writes out = d·k and, with
 * `wantMask`, mask = k.
 */
export function dropoutMaskF32(d: usize, mask: usize, out: usize, n: i32, s0: i32, s1: i32, s2: i32, s3: i32, thr: i32, scale: f32, relu: bool, wantMask: bool): void {
  // four elements per step from two draws: their 16-bit halves, widened, are the lanes
  // [lo₀, hi₀, lo₁, hi₁] in element order; k = scale or 0 by masking bits (no branches)
  const vthr = i32x4.splat(thr);
  const vscale = f32x4.splat(scale);
  const zero = f32x4.splat(0);
  const ones = i32x4.splat(-1);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    let m5 = s1 * 5;
    const ra = rotl<i32>(m5, 7) * 9;
    let t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<i32>(s3, 11);
    m5 = s1 * 5;
    const rb = rotl<i32>(m5, 7) * 9;
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<i32>(s3, 11);
    const bits = i32x4.extend_low_i16x8_u(i32x4.replace_lane(i32x4.splat(ra), 1, rb));
    const o = <usize>i << 2;
    const x = v128.load(d + o);
    let keep = i32x4.ge_s(bits, vthr);
    keep = v128.and(keep, relu ? f32x4.gt(x, zero) : ones);
    const k = v128.and(vscale, keep);
    if (wantMask) v128.store(mask + o, k);
    v128.store(out + o, f32x4.mul(x, k));
  }
  const sb = reinterpret<i32>(scale);
  const nr = <i32>!relu;
  for (; i < n; i += 2) {
    const m5 = s1 * 5;
    const r = rotl<i32>(m5, 7) * 9;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<i32>(s3, 11);
    const o = <usize>i << 2;
    const d0 = load<f32>(d + o);
    const keep0 = <i32>((r & 0xffff) >= thr) & (nr | <i32>(d0 > 0));
    const k0 = reinterpret<f32>(sb & -keep0);
    if (wantMask) store<f32>(mask + o, k0);
    store<f32>(out + o, d0 * k0);
    if (i + 1 == n) break;
    const d1 = load<f32>(d + o, 4);
    const keep1 = <i32>(<i32>(<u32>r >>> 16) >= thr) & (nr | <i32>(d1 > 0));
    const k1 = reinterpret<f32>(sb & -keep1);
    if (wantMask) store<f32>(mask + o, k1, 4);
    store<f32>(out + o, d1 * k1, 4);
  }
}

/**
 * Inverted-dropout mask from the Generator's xoshiro128** stream (twin: bernoulliMaskRef): one draw
 * per element, out[i] = scale when its top 24 bits are ≥ thr, else 0. The state (four i32 at
 * `state`) is read and written back.
 */
export function bernoulliMaskF32(out: usize, n: i32, state: usize, thr: i32, scale: f32): void {
  let s0 = load<i32>(state);
  let s1 = load<i32>(state, 4);
  let s2 = load<i32>(state, 8);
  let s3 = load<i32>(state, 12);
  for (let i = 0; i < n; i++) {
    const r = <i32>(<u32>(rotl<i32>(s1 * 5, 7) * 9) >>> 8);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<i32>(s3, 11);
    store<f32>(out + (<usize>i << 2), r >= thr ? scale : 0);
  }
  store<i32>(state, s0);
  store<i32>(state, s1, 4);
  store<i32>(state, s2, 8);
  store<i32>(state, s3, 12);
}
