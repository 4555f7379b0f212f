// Vector math on f32x4 lanes. Each function agrees with the correctly rounded result to a few ulp
// (property tests compare against the float64 reference to ~1e-6 relative) and follows the
// reference's special values (NaN in, NaN out; overflow to ±Infinity; underflow to 0 / subnormals).

// @ts-ignore: decorator
@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/** e^x: Cody–Waite reduction x = n·ln2 + r, degree-7 polynomial, scaling by 2^n in two steps. */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, splat(-104.0)), splat(89.0));
  const n = f32x4.nearest(f32x4.mul(x, splat(1.44269504089)));
  let r = f32x4.sub(x, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, splat(-2.12194440e-4)));
  let p = splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, r), splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, r), splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), splat(1.0));
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** e^x − 1, accurate near 0 (Taylor series below |x| < 0.35, exp − 1 above). */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  let p = splat(1.0 / 40320.0);
  p = f32x4.add(f32x4.mul(p, x), splat(1.0 / 5040.0));
  p = f32x4.add(f32x4.mul(p, x), splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, x), splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, x), splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, x), splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, x), splat(0.5));
  p = f32x4.mul(f32x4.mul(p, x), x);
  p = f32x4.add(p, x);
  const big = f32x4.sub(vexp(x), splat(1.0));
  return v128.bitselect(p, big, f32x4.lt(f32x4.abs(x), splat(0.35)));
}

/** Natural log: x = m·2^e with m in [√½, √2), log(1+f) by the atanh series (fdlibm's arrangement). */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  // subnormals: scale up by 2^23 first
  const tiny = f32x4.lt(x, splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, splat(8388608.0)), x, tiny);
  const bits = xs;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are −1: e + 1
  const f = f32x4.sub(m, splat(1.0));
  const s = f32x4.div(f, f32x4.add(f, splat(2.0)));
  const z = f32x4.mul(s, s);
  let R = splat(2.0 / 11.0);
  R = f32x4.add(f32x4.mul(R, z), splat(2.0 / 9.0));
  R = f32x4.add(f32x4.mul(R, z), splat(2.0 / 7.0));
  R = f32x4.add(f32x4.mul(R, z), splat(2.0 / 5.0));
  R = f32x4.add(f32x4.mul(R, z), splat(2.0 / 3.0));
  R = f32x4.mul(R, z);
  const hfsq = f32x4.mul(splat(0.5), f32x4.mul(f, f));
  const dk = f32x4.convert_i32x4_s(e);
  // dk*ln2_hi - ((hfsq - (s*(hfsq+R) + dk*ln2_lo)) - f)
  const inner = f32x4.add(f32x4.mul(s, f32x4.add(hfsq, R)), f32x4.mul(dk, splat(9.0580006145e-06)));
  let res = f32x4.sub(f32x4.mul(dk, splat(6.9313812256e-01)), f32x4.sub(f32x4.sub(hfsq, inner), f));
  // specials
  res = v128.bitselect(splat(-Infinity), res, f32x4.eq(x, splat(0.0)));
  res = v128.bitselect(splat(Infinity), res, f32x4.eq(x, splat(Infinity)));
  res = v128.bitselect(splat(NaN), res, v128.or(f32x4.lt(x, splat(0.0)), f32x4.ne(x, x)));
  return res;
}

/** log(1 + x) by Kahan's trick: u = 1 + x, log(u)·x/(u − 1). */
// @ts-ignore: decorator
@inline export function vlog1p(x: v128): v128 {
  const u = f32x4.add(x, splat(1.0));
  const d = f32x4.sub(u, splat(1.0));
  let res = f32x4.mul(vlog(u), f32x4.div(x, d));
  res = v128.bitselect(x, res, f32x4.eq(d, splat(0.0)));
  res = v128.bitselect(x, res, f32x4.eq(x, splat(Infinity)));
  return res;
}

/** tanh: odd Taylor polynomial below |x| < 0.55, 1 − 2/(e^{2|x|} + 1) above, sign restored. */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = splat(<f32>(6404582.0 / 10854718875.0));
  p = f32x4.add(f32x4.mul(p, z), splat(<f32>(-929569.0 / 638512875.0)));
  p = f32x4.add(f32x4.mul(p, z), splat(<f32>(21844.0 / 6081075.0)));
  p = f32x4.add(f32x4.mul(p, z), splat(<f32>(-1382.0 / 155925.0)));
  p = f32x4.add(f32x4.mul(p, z), splat(<f32>(62.0 / 2835.0)));
  p = f32x4.add(f32x4.mul(p, z), splat(<f32>(-17.0 / 315.0)));
  p = f32x4.add(f32x4.mul(p, z), splat(<f32>(2.0 / 15.0)));
  p = f32x4.add(f32x4.mul(p, z), splat(<f32>(-1.0 / 3.0)));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(x, z), p));
  const e = vexp(f32x4.add(ax, ax));
  const t = f32x4.sub(splat(1.0), f32x4.div(splat(2.0), f32x4.add(e, splat(1.0))));
  // copy the sign of x onto t
  const signed = v128.or(v128.and(x, i32x4.splat(0x80000000)), t);
  return v128.bitselect(small, signed, f32x4.lt(ax, splat(0.55)));
}

/** Logistic sigmoid, stable for both signs: e = e^{−|x|}, 1/(1+e) or e/(1+e). */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(x)));
  const s = f32x4.div(splat(1.0), f32x4.add(splat(1.0), e));
  return v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(x, splat(0.0)));
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
  return f32x4.add(e, f32x4.mul(e, v128.and(lo, f32x4.lt(f32x4.abs(lo), splat(Infinity)))));
}
