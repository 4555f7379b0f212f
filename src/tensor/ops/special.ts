/**
 * Special functions on plain numbers, to about 1e-15 in float64: the error function and its
 * complement (accurate in the far tail) and the standard normal CDF, as the exact GELU and its
 * gradient use them.
 */

const INV_SQRT2 = 1 / Math.SQRT2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erfc(x) for x >= 2.5 by the continued fraction e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) (Lentz). */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 300; k++) {
    const an = k / 2;
    d = x + an * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + an / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/**
 * The error function, to about 1e-15: a series with positive terms for |x| < 2.5 and a continued
 * fraction for erfc beyond.
 */
export function erfScalar(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  if (ax < 2.5) {
    // erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))
    const x2 = x * x;
    let term = x;
    let s = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      s += term;
      if (Math.abs(term) < 1e-17 * Math.abs(s)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * s;
  }
  const e = erfcLarge(ax);
  return x > 0 ? 1 - e : e - 1;
}

/** The complementary error function `1 − erf(x)`, accurate in the far right tail. */
export function erfcScalar(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 0) return 2 - erfcScalar(-x);
  return x < 2.5 ? 1 - erfScalar(x) : erfcLarge(x);
}

/** Standard normal CDF Φ(v). */
export function normalCdf(v: number): number {
  return 0.5 * erfcScalar(-v * INV_SQRT2);
}
