/**
 * Wigner-D matrices of every degree l < L at once, with no degree cap (the least-squares `wignerD`
 * stops at l = 8), in the same real basis and convention: e3nn's, where D^1(R) = R (the l = 1
 * harmonics are ∝ (x, y, z)), Y^l(R x) = D^l(R) Y^l(x), and R(α, β, γ) = Ry(α) Rx(β) Ry(γ), so
 *
 *   D^l(α, β, γ) = D^l(Ry(α)) · X^l(β) · D^l(Ry(γ)),   X^l(β) = D^l(Rx(β)).
 *
 * D^l(Ry(α)) only mixes the pair (m, −m): D_mm = cos mα, D_{m,−m} = −sin mα (m > 0),
 * D_{−m,m} = sin mα, D_{−m,−m} = cos mα. X^l(β) comes from the standard (Condon–Shortley, Wigner)
 * small-d matrices d^l_{m'm}(β) = ⟨l m'| e^{−iβJ_y} |l m⟩ — e3nn's x axis is the y axis of the
 * textbook frame (x', y', z') = (z, x, y) of its harmonics — through the real↔complex change of basis.
 * The small-d matrices run the three-term recurrence in l for each (m', m) (Kostelec & Rockmore's,
 * the one SOFT uses), started from the closed form at l = max(|m'|, |m|): stable, O(L³) for all
 * degrees, orthogonal to ≈ 1e-13 at l = 128.
 */
import { ErlangenError } from "../../tensor/errors.js";
import { matrixToAngles } from "./rotations.js";

const logFactCache: number[] = [0];

function logFact(n: number): number {
  for (let k = logFactCache.length; k <= n; k++) logFactCache.push(logFactCache[k - 1]! + Math.log(k));
  return logFactCache[n]!;
}

/** e·log(v), with 0·log(0) = 0. */
function powLog(e: number, logv: number): number {
  return e === 0 ? 0 : e * logv;
}

function checkL(op: string, L: number): void {
  if (!Number.isInteger(L) || L < 0)
    throw new ErlangenError(`${op}: argument 'L' expected a non-negative integer, got ${L}`);
}

/**
 * The standard Wigner small-d matrices d^l_{m'm}(β) for l = 0..L−1, each (2l+1)² row-major with
 * rows m' and columns m from −l to l (d^l_{m'm}(β) = ⟨l m'| e^{−iβJ_y} |l m⟩).
 */
export function wignerSmallD(L: number, beta: number): Float64Array[] {
  checkL("wignerSmallD", L);
  const out: Float64Array[] = [];
  for (let l = 0; l < L; l++) out.push(new Float64Array((2 * l + 1) * (2 * l + 1)));
  if (L === 0) return out;
  const cb = Math.cos(beta);
  const c2 = Math.cos(beta / 2);
  const s2 = Math.sin(beta / 2);
  const lc = Math.log(Math.abs(c2));
  const ls = Math.log(Math.abs(s2));
  const sc = c2 < 0 ? -1 : 1;
  const ss = s2 < 0 ? -1 : 1;
  /** d^l_{l,m}(β) = (−1)^{l−m} √(C(2l, l+m)) cos^{l+m}(β/2) sin^{l−m}(β/2). */
  const top = (l: number, m: number): number => {
    const lg = 0.5 * (logFact(2 * l) - logFact(l + m) - logFact(l - m)) + powLog(l + m, lc) + powLog(l - m, ls);
    let sign = (l - m) % 2 === 0 ? 1 : -1;
    if ((l + m) % 2 === 1) sign *= sc;
    if ((l - m) % 2 === 1) sign *= ss;
    return sign * Math.exp(lg);
  };
  // sq[j·L + k] = √(j² − k²) for 0 ≤ k ≤ j ≤ L
  const sq = new Float64Array((L + 1) * (L + 1));
  for (let j = 0; j <= L; j++) for (let k = 0; k <= j; k++) sq[j * (L + 1) + k] = Math.sqrt(j * j - k * k);
  // the fundamental domain m' ≥ |m| (start l0 = m'), then d_{m m'} = d_{−m',−m} = (−1)^{m'−m} d_{m'm}
  // and d_{−m,−m'} = d_{m'm}
  for (let mp = 0; mp < L; mp++) {
    for (let m = -mp; m <= mp; m++) {
      const am = Math.abs(m);
      const sgn = (mp - m) % 2 === 0 ? 1 : -1;
      let dPrev = 0;
      let dCur = top(mp, m);
      for (let l = mp; l < L; l++) {
        if (l > mp) {
          const j = l - 1;
          let next: number;
          if (j === 0) next = cb * dCur;
          else {
            const a = (l * (2 * j + 1)) / (sq[l * (L + 1) + mp]! * sq[l * (L + 1) + am]!);
            const b = (sq[j * (L + 1) + mp]! * sq[j * (L + 1) + am]!) / (j * (2 * j + 1));
            next = a * ((cb - (mp * m) / (j * l)) * dCur - b * dPrev);
          }
          dPrev = dCur;
          dCur = next;
        }
        const d = 2 * l + 1;
        const o = out[l]!;
        o[(mp + l) * d + (m + l)] = dCur;
        o[(-m + l) * d + (-mp + l)] = dCur;
        o[(m + l) * d + (mp + l)] = sgn * dCur;
        o[(-mp + l) * d + (-m + l)] = sgn * dCur;
      }
    }
  }
  return out;
}

/**
 * X^l(β) = D^l(Rx(β)) in the real basis for l = 0..L−1 (rotation by β about e3nn's x axis): the
 * small-d matrices conjugated by the real↔complex change of basis, R_m = ((−1)^m Y^m + Y^{−m})/√2,
 * R_{−m} = ((−1)^m Y^m − Y^{−m})/(i√2) (m > 0), R_0 = Y^0.
 */
export function wignerDxBlocks(L: number, beta: number): Float64Array[] {
  const small = wignerSmallD(L, beta);
  const out: Float64Array[] = [];
  const h = Math.SQRT1_2;
  for (let l = 0; l < L; l++) {
    const d = 2 * l + 1;
    const dl = small[l]!;
    const dd = (mp: number, m: number): number => dl[(mp + l) * d + (m + l)]!;
    const X = new Float64Array(d * d);
    // the matrix is block diagonal: cos-type (a ≥ 0) with cos-type, sin-type (a < 0) with sin-type
    for (let a = 0; a <= l; a++) {
      const sa = a % 2 === 0 ? 1 : -1;
      for (let b = 0; b <= l; b++) {
        const sb = b % 2 === 0 ? 1 : -1;
        let v: number;
        if (a === 0 && b === 0) v = dd(0, 0);
        else if (a === 0) v = h * (sb * dd(0, b) + dd(0, -b));
        else if (b === 0) v = h * (sa * dd(a, 0) + dd(-a, 0));
        else v = 0.5 * (sa * sb * dd(a, b) + sa * dd(a, -b) + sb * dd(-a, b) + dd(-a, -b));
        X[(a + l) * d + (b + l)] = v;
        if (a > 0 && b > 0)
          X[(-a + l) * d + (-b + l)] = 0.5 * (sa * sb * dd(a, b) - sa * dd(a, -b) - sb * dd(-a, b) + dd(-a, -b));
      }
    }
    out.push(X);
  }
  return out;
}

/** D^l(Ry(α)) applied on the left of a (2l+1)×(2l+1) block in place: rows (m, −m) rotate by mα. */
export function applyDyLeft(l: number, alpha: number, M: Float64Array): void {
  const d = 2 * l + 1;
  for (let m = 1; m <= l; m++) {
    const c = Math.cos(m * alpha);
    const s = Math.sin(m * alpha);
    const rp = (m + l) * d;
    const rn = (-m + l) * d;
    for (let j = 0; j < d; j++) {
      const p = M[rp + j]!;
      const n = M[rn + j]!;
      M[rp + j] = c * p - s * n;
      M[rn + j] = s * p + c * n;
    }
  }
}

/** A block times D^l(Ry(γ)) on the right, in place: columns (n, −n) rotate by nγ. */
export function applyDyRight(l: number, gamma: number, M: Float64Array): void {
  const d = 2 * l + 1;
  for (let n = 1; n <= l; n++) {
    const c = Math.cos(n * gamma);
    const s = Math.sin(n * gamma);
    const cp = n + l;
    const cn = -n + l;
    for (let i = 0; i < d; i++) {
      const p = M[i * d + cp]!;
      const q = M[i * d + cn]!;
      // (M·D)_{i,n} = M_{i,n} D_{n,n} + M_{i,−n} D_{−n,n} = c p + s q; (M·D)_{i,−n} = −s p + c q
      M[i * d + cp] = c * p + s * q;
      M[i * d + cn] = -s * p + c * q;
    }
  }
}

/** D^l(α, β, γ) for l = 0..L−1 (e3nn's Y-X-Y angles), each (2l+1)² row-major. */
export function wignerDBlocksFromAngles(L: number, alpha: number, beta: number, gamma: number): Float64Array[] {
  const X = wignerDxBlocks(L, beta);
  for (let l = 0; l < L; l++) {
    applyDyLeft(l, alpha, X[l]!);
    applyDyRight(l, gamma, X[l]!);
  }
  return X;
}

/**
 * D^l(R) for l = 0..L−1 (each (2l+1)×(2l+1), row-major, rows and columns m = −l..l) of the rotation
 * matrix `R` (3×3 row-major, acting on column vectors), with Y^l(R x) = D^l(R) Y^l(x).
 */
export function wignerDBlocks(L: number, R: ArrayLike<number>): Float64Array[] {
  checkL("wignerDBlocks", L);
  if (R.length !== 9)
    throw new ErlangenError(`wignerDBlocks: argument 'R' expected a 3×3 matrix (9 numbers), got ${R.length}`);
  const [a, b, g] = matrixToAngles(R);
  return wignerDBlocksFromAngles(L, a, b, g);
}
