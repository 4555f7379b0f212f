/**
 * Latitude quadratures and the normalised associated Legendre functions the spherical harmonic
 * transforms run on (float64 typed arrays only).
 *
 * P̄_l^m(x) = √((2l+1)/(4π) · (l−m)!/(l+m)!) · P_l^m(x), with P_l^m(x) = (1−x²)^{m/2} dᵐ/dxᵐ P_l(x)
 * (no Condon–Shortley phase), so that the real harmonics are P̄_l^m(cos θ) · {√2 cos mφ, 1, √2 sin|m|φ}
 * and ∫ Y² dΩ = 1. They are evaluated by the standard three-term recurrence in l, started from the
 * sectoral values P̄_m^m = √((2m+1)/(2m)) · sin θ · P̄_{m−1}^{m−1} (stable for every m and l; sin^m θ
 * underflows to zero gracefully near the poles for m in the thousands).
 */

/**
 * Gauss–Legendre nodes and weights on [−1, 1] for `n` points, nodes in decreasing order (x = cos θ
 * with θ increasing). Exact for polynomials of degree ≤ 2n − 1; the weights sum to 2.
 */
export function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < (n + 1) >> 1; i++) {
    // Newton on P_n from Tricomi's initial guess
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (n === 1) p0 = 1;
      // P_n'(z) = n (z P_n − P_{n−1}) / (z² − 1)
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    // recompute the derivative at the converged node
    let p0 = 1;
    let p1 = z;
    for (let k = 2; k <= n; k++) {
      const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = n === 1 ? 1 : (n * (z * p1 - p0)) / (z * z - 1);
    const wi = 2 / ((1 - z * z) * dp * dp);
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = wi;
    w[n - 1 - i] = wi;
  }
  if (n % 2 === 1) x[(n - 1) >> 1] = 0;
  return { x, w };
}

/**
 * Driscoll–Healy weights for the 2B colatitudes θ_j = π(2j+1)/(4B) (the half-sample-shifted
 * equiangular grid of SOFT and s2cnn): w_j = (2/B) sin θ_j Σ_{k<B} sin((2k+1)θ_j)/(2k+1), so that
 * Σ_j w_j g(θ_j) = ∫₀^π g(θ) sin θ dθ exactly for g a polynomial in cos θ of degree < 2B.
 */
export function driscollHealyWeights(B: number): Float64Array {
  const n = 2 * B;
  const w = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const t = (Math.PI * (2 * j + 1)) / (4 * B);
    let s = 0;
    for (let k = 0; k < B; k++) s += Math.sin((2 * k + 1) * t) / (2 * k + 1);
    w[j] = (2 / B) * Math.sin(t) * s;
  }
  return w;
}

/**
 * The table of P̄_l^m(cos θ_r) · (m > 0 ? √2 : 1) for rings r < R and 0 ≤ m ≤ l < L, laid out per m
 * as contiguous blocks [R, L − m]: entry (m, r, l) at `offset[m] + r·(L − m) + (l − m)`.
 */
export interface LegendreTable {
  readonly L: number;
  readonly nrings: number;
  readonly offset: Int32Array;
  readonly values: Float64Array;
}

/** Builds the {@link LegendreTable} for ring colatitudes `theta` and band limit L (degrees l < L). */
export function legendreTable(theta: Float64Array, L: number): LegendreTable {
  const R = theta.length;
  const offset = new Int32Array(L + 1);
  for (let m = 0; m < L; m++) offset[m + 1] = offset[m]! + R * (L - m);
  const values = new Float64Array(offset[L]!);
  const a = new Float64Array(L);
  const b = new Float64Array(L);
  const x = new Float64Array(R);
  const s = new Float64Array(R);
  const pmm = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    x[r] = Math.cos(theta[r]!);
    s[r] = Math.sin(theta[r]!);
    pmm[r] = 1 / Math.sqrt(4 * Math.PI);
  }
  for (let m = 0; m < L; m++) {
    for (let l = m + 2; l < L; l++) {
      a[l] = Math.sqrt((4 * l * l - 1) / (l * l - m * m));
      b[l] = Math.sqrt(((l - 1) * (l - 1) - m * m) / (4 * (l - 1) * (l - 1) - 1));
    }
    const scale = m > 0 ? Math.SQRT2 : 1;
    const c1 = Math.sqrt(2 * m + 3);
    const cm = m > 0 ? Math.sqrt((2 * m + 1) / (2 * m)) : 1;
    for (let r = 0; r < R; r++) {
      const p00 = m > 0 ? pmm[r]! * cm * s[r]! : pmm[r]!;
      pmm[r] = p00;
      const base = offset[m]! + r * (L - m);
      values[base] = p00 * scale;
      if (m + 1 >= L) continue;
      let p0 = p00;
      let p1 = c1 * x[r]! * p00;
      values[base + 1] = p1 * scale;
      const xr = x[r]!;
      for (let l = m + 2; l < L; l++) {
        const p = a[l]! * (xr * p1 - b[l]! * p0);
        values[base + l - m] = p * scale;
        p0 = p1;
        p1 = p;
      }
    }
  }
  return { L, nrings: R, offset, values };
}
