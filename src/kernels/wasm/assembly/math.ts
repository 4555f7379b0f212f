// Vector math on f32x4 lanes. Each function agrees with the correctly rounded result to a few ulp
// (property tests compare against the float64 reference to ~1e-6 relative) and follows the
// reference's special values (NaN in, NaN out; overflow to ±Infinity; underflow to 0 / subnormals).

// @ts-ignore: decorator
@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/**
 * a·b + c. The relaxed-SIMD build (picked at load time where the engine supports it: Node ≥ 22,
 * current browsers) fuses it into one FMA; the baseline build multiplies and adds.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * c − a·b: one fused operation in the relaxed-SIMD build, a multiply and a subtract (the same bits as
 * `f32x4.sub(c, f32x4.mul(a, b))`) in the baseline build.
 */
// @ts-ignore: decorator
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

// Constants live in a table in memory and are broadcast from it where used (one vbroadcastss):
// V8 rebuilds a v128 constant from immediates with three instructions at every use in a loop.
// @ts-ignore: decorator
@inline export const K_EXP_LO = 0;
// @ts-ignore: decorator
@inline export const K_EXP_HI = 1;
// @ts-ignore: decorator
@inline export const K_LOG2E = 2;
// @ts-ignore: decorator
@inline export const K_MAGIC = 3;
// @ts-ignore: decorator
@inline export const K_LN2_HI = 4;
// @ts-ignore: decorator
@inline export const K_LN2_LO = 5;
// @ts-ignore: decorator
@inline export const K_E7 = 6;
// @ts-ignore: decorator
@inline export const K_E6 = 7;
// @ts-ignore: decorator
@inline export const K_E5 = 8;
// @ts-ignore: decorator
@inline export const K_E4 = 9;
// @ts-ignore: decorator
@inline export const K_E3 = 10;
// @ts-ignore: decorator
@inline export const K_HALF = 11;
// @ts-ignore: decorator
@inline export const K_ONE = 12;
// @ts-ignore: decorator
@inline export const K_TWO = 13;
// @ts-ignore: decorator
@inline export const K_E8 = 14;
// @ts-ignore: decorator
@inline export const K_EXPM1_SMALL = 15;
// @ts-ignore: decorator
@inline export const K_MIN_NORMAL = 16;
// @ts-ignore: decorator
@inline export const K_TWO23 = 17;
// @ts-ignore: decorator
@inline export const K_SQRT2 = 18;
// @ts-ignore: decorator
@inline export const K_L11 = 19;
// @ts-ignore: decorator
@inline export const K_L9 = 20;
// @ts-ignore: decorator
@inline export const K_L7 = 21;
// @ts-ignore: decorator
@inline export const K_L5 = 22;
// @ts-ignore: decorator
@inline export const K_L3 = 23;
// @ts-ignore: decorator
@inline export const K_LG_LN2_LO = 24;
// @ts-ignore: decorator
@inline export const K_LG_LN2_HI = 25;
// @ts-ignore: decorator
@inline export const K_NINF = 26;
// @ts-ignore: decorator
@inline export const K_PINF = 27;
// @ts-ignore: decorator
@inline export const K_QNAN = 28;
// @ts-ignore: decorator
@inline export const K_T17 = 29;
// @ts-ignore: decorator
@inline export const K_T15 = 30;
// @ts-ignore: decorator
@inline export const K_T13 = 31;
// @ts-ignore: decorator
@inline export const K_T11 = 32;
// @ts-ignore: decorator
@inline export const K_T9 = 33;
// @ts-ignore: decorator
@inline export const K_T7 = 34;
// @ts-ignore: decorator
@inline export const K_T5 = 35;
// @ts-ignore: decorator
@inline export const K_T3 = 36;
// @ts-ignore: decorator
@inline export const K_TANH_SMALL = 37;
// @ts-ignore: decorator
@inline export const K_NEG_ONE = 38;
// @ts-ignore: decorator
@inline export const K_TWENTY = 39;
// @ts-ignore: decorator
@inline export const K_TWENTYTHREE = 40;
/** −86: above it e^x is a normal float (n ≥ −125), so 2^n scales in one step ({@link vexpNormalFused}). */
// @ts-ignore: decorator
@inline export const K_EXP_NORMAL_LO = 41;
/** 2/13: a coefficient of the atanh series in {@link vssp}. */
// @ts-ignore: decorator
@inline export const K_L13 = 42;
const KTAB: usize = memory.data<f32>([-104.0, 89.0, 1.44269504089, 12582912.0, 0.693359375, -2.12194440e-4, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 2.0, 1.0 / 40320.0, 0.35, 1.17549435e-38, 8388608.0, 1.41421356, 2.0 / 11.0, 2.0 / 9.0, 2.0 / 7.0, 2.0 / 5.0, 2.0 / 3.0, 9.0580006145e-06, 6.9313812256e-01, -Infinity, Infinity, NaN, <f32>(6404582.0 / 10854718875.0), <f32>(-929569.0 / 638512875.0), <f32>(21844.0 / 6081075.0), <f32>(-1382.0 / 155925.0), <f32>(62.0 / 2835.0), <f32>(-17.0 / 315.0), <f32>(2.0 / 15.0), <f32>(-1.0 / 3.0), 0.55, -1.0, 20.0, 23.0, -86.0, <f32>(2.0 / 13.0)], 16);

// f64 constants, broadcast to both lanes by kc64
// @ts-ignore: decorator
@inline export const K64_GELU_C = 0;
// @ts-ignore: decorator
@inline export const K64_GELU_K = 1;
const KTAB64: usize = memory.data<f64>([2.0 * 0.7978845608028654, 0.044715], 16);

/** f64 constant `i`, in both lanes. */
// @ts-ignore: decorator
@inline export function kc64(i: i32): v128 {
  return v128.load64_splat(KTAB64 + (<usize>i << 3));
}

/** Constant `i` of the table, in all four lanes. */
// @ts-ignore: decorator
@inline export function kc(i: i32): v128 {
  return v128.load32_splat(KTAB + (<usize>i << 2));
}

/** e^x: Cody–Waite reduction x = n·ln2 + r, degree-7 polynomial, scaling by 2^n in two steps. */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  // clamp keeping NaN (pmax/pmin return their first operand when the compare fails)
  return vexpClamped(f32x4.pmin(f32x4.pmax(x, kc(K_EXP_LO)), kc(K_EXP_HI)), false, false);
}

/**
 * e^x for x ≤ 0 or NaN (softmax's x − max): {@link vexp} without the upper clamp (which leaves such
 * lanes unchanged), its reduction and polynomial in fused multiply-adds ({@link madd},
 * {@link nmadd}). In the relaxed-SIMD build fewer operations and within an ulp or so of vexp (one
 * rounding per step instead of two); in the baseline build the same operations, so vexp's bits.
 * Softmax and log-softmax only: the other ops keep vexp's bits in both builds.
 */
// @ts-ignore: decorator
@inline export function vexpNonPosFused(x: v128): v128 {
  return vexpClamped(f32x4.pmax(x, kc(K_EXP_LO)), true, false);
}

/**
 * {@link vexpNonPosFused} for x in [K_EXP_NORMAL_LO, 0] (not NaN), where e^x and the polynomial are
 * normal floats: 2^n goes into the exponent bits with one integer add instead of two products, which
 * are exact there, so the bits are vexpNonPosFused's. The caller checks the range.
 */
// @ts-ignore: decorator
@inline export function vexpNormalFused(x: v128): v128 {
  return vexpClamped(x, true, true);
}

/**
 * e^x for x already clamped to [K_EXP_LO, K_EXP_HI] (or NaN): the body of {@link vexp}; `fused`
 * and `normal` (constants at every call) take {@link vexpNonPosFused}'s multiply-adds and
 * {@link vexpNormalFused}'s one-step scaling.
 */
// @ts-ignore: decorator
@inline function vexpClamped(x: v128, fused: bool, normal: bool): v128 {
  // n = round(x·log2e) by the 1.5·2^23 trick: the integer sits in the low mantissa bits of t
  const magic = kc(K_MAGIC);
  const one = kc(K_ONE);
  let t: v128;
  let p = kc(K_E7);
  if (fused) {
    t = madd(x, kc(K_LOG2E), magic);
    const n = f32x4.sub(t, magic);
    const r = nmadd(n, kc(K_LN2_LO), nmadd(n, kc(K_LN2_HI), x));
    p = madd(p, r, kc(K_E6));
    p = madd(p, r, kc(K_E5));
    p = madd(p, r, kc(K_E4));
    p = madd(p, r, kc(K_E3));
    p = madd(p, r, kc(K_HALF));
    p = madd(p, r, one);
    p = madd(p, r, one);
  } else {
    t = f32x4.add(f32x4.mul(x, kc(K_LOG2E)), magic);
    const n = f32x4.sub(t, magic);
    let r = f32x4.sub(x, f32x4.mul(n, kc(K_LN2_HI)));
    r = f32x4.sub(r, f32x4.mul(n, kc(K_LN2_LO)));
    p = f32x4.add(f32x4.mul(p, r), kc(K_E6));
    p = f32x4.add(f32x4.mul(p, r), kc(K_E5));
    p = f32x4.add(f32x4.mul(p, r), kc(K_E4));
    p = f32x4.add(f32x4.mul(p, r), kc(K_E3));
    p = f32x4.add(f32x4.mul(p, r), kc(K_HALF));
    p = f32x4.add(f32x4.mul(p, r), one);
    p = f32x4.add(f32x4.mul(p, r), one);
  }
  const ni = i32x4.sub(t, magic);
  // p·2^n for normal results: n added to p's exponent field
  if (normal) return i32x4.add(p, i32x4.shl(ni, 23));
  // 2^n as 2^(n>>1)·2^(n−(n>>1)) so that n down to −150 and up to 128 scale correctly
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = i32x4.shl(one, 0); // bits of 1.0 = 127 << 23
  const s1 = i32x4.add(i32x4.shl(n1, 23), bias);
  const s2 = i32x4.add(i32x4.shl(n2, 23), bias);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** e^x − 1, accurate near 0 (Taylor series below |x| < 0.35, exp − 1 above). */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  let p = kc(K_E8);
  p = f32x4.add(f32x4.mul(p, x), kc(K_E7));
  p = f32x4.add(f32x4.mul(p, x), kc(K_E6));
  p = f32x4.add(f32x4.mul(p, x), kc(K_E5));
  p = f32x4.add(f32x4.mul(p, x), kc(K_E4));
  p = f32x4.add(f32x4.mul(p, x), kc(K_E3));
  p = f32x4.add(f32x4.mul(p, x), kc(K_HALF));
  p = f32x4.mul(f32x4.mul(p, x), x);
  p = f32x4.add(p, x);
  const big = f32x4.sub(vexp(x), kc(K_ONE));
  return v128.bitselect(p, big, f32x4.lt(f32x4.abs(x), kc(K_EXPM1_SMALL)));
}

/** Natural log: x = m·2^e with m in [√½, √2), log(1+f) by the atanh series (fdlibm's arrangement). */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  // subnormals: scale up by 2^23 first
  const tiny = f32x4.lt(x, kc(K_MIN_NORMAL));
  const bits = v128.bitselect(f32x4.mul(x, kc(K_TWO23)), x, tiny);
  const one = kc(K_ONE);
  // exponent: (bits >> 23) − 127, less 23 for scaled subnormals (applied to dk below)
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.shr_u(one, 23));
  let m = v128.or(v128.and(bits, i32x4.shr_u(i32x4.splat(-1), 9)), one);
  const big = f32x4.gt(m, kc(K_SQRT2));
  m = v128.bitselect(f32x4.mul(m, kc(K_HALF)), m, big);
  e = i32x4.sub(e, big); // big lanes are −1: e + 1
  const f = f32x4.sub(m, one);
  const s = f32x4.div(f, f32x4.add(f, kc(K_TWO)));
  const z = f32x4.mul(s, s);
  let R = kc(K_L11);
  R = f32x4.add(f32x4.mul(R, z), kc(K_L9));
  R = f32x4.add(f32x4.mul(R, z), kc(K_L7));
  R = f32x4.add(f32x4.mul(R, z), kc(K_L5));
  R = f32x4.add(f32x4.mul(R, z), kc(K_L3));
  R = f32x4.mul(R, z);
  const hfsq = f32x4.mul(kc(K_HALF), f32x4.mul(f, f));
  const dk = f32x4.sub(f32x4.convert_i32x4_s(e), v128.and(tiny, kc(K_TWENTYTHREE)));
  // dk*ln2_hi - ((hfsq - (s*(hfsq+R) + dk*ln2_lo)) - f)
  const inner = f32x4.add(f32x4.mul(s, f32x4.add(hfsq, R)), f32x4.mul(dk, kc(K_LG_LN2_LO)));
  let res = f32x4.sub(f32x4.mul(dk, kc(K_LG_LN2_HI)), f32x4.sub(f32x4.sub(hfsq, inner), f));
  // specials
  const zero = f32x4.splat(0);
  res = v128.bitselect(kc(K_NINF), res, f32x4.eq(x, zero));
  res = v128.bitselect(kc(K_PINF), res, f32x4.eq(x, kc(K_PINF)));
  res = v128.bitselect(kc(K_QNAN), res, v128.or(f32x4.lt(x, zero), f32x4.ne(x, x)));
  return res;
}

/** log(1 + x) by Kahan's trick: u = 1 + x, log(u)·x/(u − 1). */
// @ts-ignore: decorator
@inline export function vlog1p(x: v128): v128 {
  const one = kc(K_ONE);
  const u = f32x4.add(x, one);
  const d = f32x4.sub(u, one);
  let res = f32x4.mul(vlog(u), f32x4.div(x, d));
  res = v128.bitselect(x, res, f32x4.eq(d, f32x4.splat(0)));
  res = v128.bitselect(x, res, f32x4.eq(x, kc(K_PINF)));
  return res;
}

/**
 * SchNet's shifted softplus log(1 + eˣ) − log 2 = max(x, 0) + log1p(w), w = expm1(−|x|)/2 in (−1/2, 0]
 * (no cancellation against log 2 near x = 0, where the result is x/2). On that range log1p(w) =
 * 2·atanh(s) with s = w/(2 + w) in (−1/3, 0]: the odd series 2s + s·z·(2/3 + 2/5·z + … + 2/15·z⁶),
 * z = s², whose next term is below 2⁻²⁸ relative. One division, no exponent split: within ~3 ulp as
 * `max(x, 0) + vlog1p(w)` was, at 0.6× its time.
 */
// @ts-ignore: decorator
@inline export function vssp(x: v128): v128 {
  const w = f32x4.mul(vexpm1(f32x4.neg(f32x4.abs(x))), kc(K_HALF));
  const s = f32x4.div(w, f32x4.add(w, kc(K_TWO)));
  const z = f32x4.mul(s, s);
  let p = kc(K_T5); // 2/15
  p = f32x4.add(f32x4.mul(p, z), kc(K_L13));
  p = f32x4.add(f32x4.mul(p, z), kc(K_L11));
  p = f32x4.add(f32x4.mul(p, z), kc(K_L9));
  p = f32x4.add(f32x4.mul(p, z), kc(K_L7));
  p = f32x4.add(f32x4.mul(p, z), kc(K_L5));
  p = f32x4.add(f32x4.mul(p, z), kc(K_L3));
  const l = f32x4.add(f32x4.add(s, s), f32x4.mul(f32x4.mul(s, z), p));
  return f32x4.add(f32x4.max(x, f32x4.splat(0)), l);
}

/** tanh: odd Taylor polynomial below |x| < 0.55, 1 − 2/(e^{2|x|} + 1) above, sign restored. */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = kc(K_T17);
  p = f32x4.add(f32x4.mul(p, z), kc(K_T15));
  p = f32x4.add(f32x4.mul(p, z), kc(K_T13));
  p = f32x4.add(f32x4.mul(p, z), kc(K_T11));
  p = f32x4.add(f32x4.mul(p, z), kc(K_T9));
  p = f32x4.add(f32x4.mul(p, z), kc(K_T7));
  p = f32x4.add(f32x4.mul(p, z), kc(K_T5));
  p = f32x4.add(f32x4.mul(p, z), kc(K_T3));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(x, z), p));
  const e = vexp(f32x4.add(ax, ax));
  const one = kc(K_ONE);
  const t = f32x4.sub(one, f32x4.div(kc(K_TWO), f32x4.add(e, one)));
  // copy the sign of x onto t (t ≥ 0)
  const signed = v128.or(v128.andnot(x, ax), t);
  return v128.bitselect(small, signed, f32x4.lt(ax, kc(K_TANH_SMALL)));
}

/** Logistic sigmoid, stable for both signs: e = e^{−|x|}, 1/(1+e) or e/(1+e). */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(x)));
  const one = kc(K_ONE);
  const s = f32x4.div(one, f32x4.add(one, e));
  return v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(x, f32x4.splat(0)));
}
/** Lanes 0–1 of an f32x4 as f64x2. */
// @ts-ignore: decorator
@inline export function lo64(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

/** Lanes 2–3 of an f32x4 as f64x2. */
// @ts-ignore: decorator
@inline export function hi64(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i32>(x, x, 2, 3, 2, 3));
}

/** Two f64x2 rounded to one f32x4 (lanes of a, then of b). */
// @ts-ignore: decorator
@inline export function join32(a: v128, b: v128): v128 {
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/** What rounding the f64x2 pair (a, b) to f32 lost: (a, b) − join32(a, b), as f32x4. */
// @ts-ignore: decorator
@inline export function residual32(a: v128, b: v128, rounded: v128): v128 {
  return join32(f64x2.sub(a, lo64(rounded)), f64x2.sub(b, hi64(rounded)));
}

/**
 * e^{hi + lo} for an argument carried as an f32 pair (|lo| ≤ ulp(hi)): e^hi·(1 + lo). Used where the
 * argument of exp is computed (β·x, the GELU polynomial) and its f32 rounding would otherwise grow
 * into a relative error of |x|·2^-24 in the result.
 */
// @ts-ignore: decorator
@inline export function vexp2(hi: v128, lo: v128): v128 {
  const e = vexp(hi);
  // an argument that overflowed f32 leaves an infinite or NaN residual: drop it
  return f32x4.add(e, f32x4.mul(e, v128.and(lo, f32x4.lt(f32x4.abs(lo), kc(K_PINF)))));
}
