/**
 * Wigner-D matrices and Wigner-3j (real Clebsch–Gordan) coefficients in the real basis of the
 * spherical harmonics (e3nn's). D^l(R) is the unique matrix with Y^l(R x) = D^l(R) Y^l(x); it is
 * obtained by a least-squares fit over a fixed, well-spread point set (exact to round-off, since the
 * harmonics of degree l span a (2l+1)-dimensional space). The 3j tensors come from the SU(2)
 * Clebsch–Gordan coefficients (Racah's formula) through the real↔complex change of basis, normalised
 * to Frobenius norm 1, and are cached.
 */
import { ErlangenError } from "../../tensor/errors.js";
import { anglesToMatrix } from "./rotations.js";
import { evalSphericalHarmonics, SH_LMAX } from "./spherical_harmonics.js";

const fitPoints = new Map<number, { pts: Float64Array; n: number; normal: Float64Array; Yt: Float64Array }>();

/** Fibonacci-sphere points and the Cholesky factor of the normal matrix for degree l. */
function fitData(l: number) {
  const cached = fitPoints.get(l);
  if (cached) return cached;
  const d = 2 * l + 1;
  const n = 3 * d + 5;
  const pts = new Float64Array(n * 3);
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < n; i++) {
    const y = 1 - (2 * (i + 0.5)) / n;
    const r = Math.sqrt(1 - y * y);
    const t = golden * i + 0.3;
    pts[i * 3] = r * Math.cos(t);
    pts[i * 3 + 1] = y;
    pts[i * 3 + 2] = r * Math.sin(t);
  }
  const Y = new Float64Array(n * d);
  evalSphericalHarmonics([l], pts, n, false, "component", Y);
  // normal = YᵀY (d×d), Cholesky factorised in place (lower)
  const normal = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Y[k * d + i]! * Y[k * d + j]!;
      normal[i * d + j] = s;
    }
  cholesky(normal, d);
  const Yt = new Float64Array(d * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) Yt[i * n + k] = Y[k * d + i]!;
  const data = { pts, n, normal, Yt };
  fitPoints.set(l, data);
  return data;
}

function cholesky(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let k = 0; k < j; k++) s -= a[j * n + k]! ** 2;
    if (!(s > 0)) throw new ErlangenError("wignerD: internal fit matrix is not positive definite");
    const djj = Math.sqrt(s);
    a[j * n + j] = djj;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let k = 0; k < j; k++) t -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = t / djj;
    }
  }
}

/** Solves (L Lᵀ) x = b in place. */
function cholSolve(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * b[k]!;
    b[i] = s / L[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * b[k]!;
    b[i] = s / L[i * n + i]!;
  }
}

function checkL(op: string, l: number, arg = "l"): void {
  if (!Number.isInteger(l) || l < 0 || l > SH_LMAX)
    throw new ErlangenError(`${op}: argument '${arg}' expected an integer in [0, ${SH_LMAX}], got ${l}`);
}

/** D^l(R) (2l+1 × 2l+1, row-major) for a rotation matrix R, with Y^l(R x) = D^l(R) Y^l(x). */
export function wignerDFromMatrix(l: number, R: ArrayLike<number>): Float64Array {
  checkL("wignerD", l);
  const d = 2 * l + 1;
  if (l === 0) return new Float64Array([1]);
  const { pts, n, normal, Yt } = fitData(l);
  const rp = new Float64Array(n * 3);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < 3; i++)
      rp[k * 3 + i] = R[i * 3]! * pts[k * 3]! + R[i * 3 + 1]! * pts[k * 3 + 1]! + R[i * 3 + 2]! * pts[k * 3 + 2]!;
  const B = new Float64Array(n * d);
  evalSphericalHarmonics([l], rp, n, false, "component", B);
  // B = A Dᵀ  ⇒  Dᵀ[:, c] = (AᵀA)⁻¹ Aᵀ B[:, c]
  const D = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Yt[i * n + k]! * B[k * d + c]!;
      rhs[i] = s;
    }
    cholSolve(normal, d, rhs);
    for (let i = 0; i < d; i++) D[c * d + i] = rhs[i]!;
  }
  return D;
}

/** D^l(α, β, γ) for e3nn's Y-X-Y angles. */
export function wignerD(l: number, alpha: number, beta: number, gamma: number): Float64Array {
  return wignerDFromMatrix(l, anglesToMatrix(alpha, beta, gamma));
}

function fact(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** SU(2) Clebsch–Gordan ⟨j1 m1 j2 m2 | j3 m3⟩ (integer j), Racah's formula. */
export function clebschGordanSU2(j1: number, m1: number, j2: number, m2: number, j3: number, m3: number): number {
  if (m3 !== m1 + m2) return 0;
  if (j3 < Math.abs(j1 - j2) || j3 > j1 + j2) return 0;
  if (Math.abs(m1) > j1 || Math.abs(m2) > j2 || Math.abs(m3) > j3) return 0;
  const pre =
    Math.sqrt(((2 * j3 + 1) * fact(j3 + j1 - j2) * fact(j3 - j1 + j2) * fact(j1 + j2 - j3)) / fact(j1 + j2 + j3 + 1)) *
    Math.sqrt(fact(j3 + m3) * fact(j3 - m3) * fact(j1 - m1) * fact(j1 + m1) * fact(j2 - m2) * fact(j2 + m2));
  let s = 0;
  for (let k = 0; k <= j1 + j2 - j3; k++) {
    const a = j1 + j2 - j3 - k;
    const b = j1 - m1 - k;
    const c = j2 + m2 - k;
    const d = j3 - j2 + m1 + k;
    const e = j3 - j1 - m2 + k;
    if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0) continue;
    s += (-1) ** k / (fact(k) * fact(a) * fact(b) * fact(c) * fact(d) * fact(e));
  }
  return pre * s;
}

/** The real→complex change of basis Q (complex, as [re, im] arrays, row-major (2l+1)²). */
function changeBasisRealToComplex(l: number): { re: Float64Array; im: Float64Array } {
  const d = 2 * l + 1;
  const re = new Float64Array(d * d);
  const im = new Float64Array(d * d);
  const s = 1 / Math.SQRT2;
  for (let m = -l; m < 0; m++) {
    re[(l + m) * d + l - m] = s;
    im[(l + m) * d + l + m] = -s;
  }
  re[l * d + l] = 1;
  for (let m = 1; m <= l; m++) {
    const sg = (-1) ** m;
    re[(l + m) * d + l + m] = sg * s;
    im[(l + m) * d + l - m] = sg * s;
  }
  // multiply by (−i)^l
  const k = ((l % 4) + 4) % 4;
  for (let i = 0; i < d * d; i++) {
    const a = re[i]!;
    const b = im[i]!;
    // (a + ib)·(−i)^k
    if (k === 1) {
      re[i] = b;
      im[i] = -a;
    } else if (k === 2) {
      re[i] = -a;
      im[i] = -b;
    } else if (k === 3) {
      re[i] = -b;
      im[i] = a;
    }
  }
  return { re, im };
}

const w3jCache = new Map<string, Float64Array>();

/**
 * Wigner-3j tensor C [2l1+1, 2l2+1, 2l3+1] (row-major) in the real basis: invariant under
 * C = C ×₁ D1 ×₂ D2 ×₃ D3, Frobenius norm 1. Zero-size selection-rule violations throw.
 */
export function wigner3j(l1: number, l2: number, l3: number): Float64Array {
  for (const [n, v] of [
    ["l1", l1],
    ["l2", l2],
    ["l3", l3],
  ] as const)
    checkL("wigner3j", v, n);
  if (l3 < Math.abs(l1 - l2) || l3 > l1 + l2) {
    throw new ErlangenError(
      `wigner3j: argument 'l3' expected a value in [|l1 − l2|, l1 + l2] = [${Math.abs(l1 - l2)}, ${l1 + l2}], got ${l3}`,
    );
  }
  const key = `${l1},${l2},${l3}`;
  const hit = w3jCache.get(key);
  if (hit) return hit.slice();
  const d1 = 2 * l1 + 1;
  const d2 = 2 * l2 + 1;
  const d3 = 2 * l3 + 1;
  const Q1 = changeBasisRealToComplex(l1);
  const Q2 = changeBasisRealToComplex(l2);
  const Q3 = changeBasisRealToComplex(l3);
  // C_real[j, l, m] = Σ_{i,k,n} Q1[i, j] Q2[k, l] conj(Q3[n, m]) CG[i, k, n]
  const outRe = new Float64Array(d1 * d2 * d3);
  const outIm = new Float64Array(d1 * d2 * d3);
  for (let i = 0; i < d1; i++) {
    for (let k = 0; k < d2; k++) {
      const n = i - l1 + (k - l2) + l3;
      if (n < 0 || n >= d3) continue;
      const cg = clebschGordanSU2(l1, i - l1, l2, k - l2, l3, n - l3);
      if (cg === 0) continue;
      for (let j = 0; j < d1; j++) {
        const ar = Q1.re[i * d1 + j]!;
        const ai = Q1.im[i * d1 + j]!;
        if (ar === 0 && ai === 0) continue;
        for (let l = 0; l < d2; l++) {
          const br = Q2.re[k * d2 + l]!;
          const bi = Q2.im[k * d2 + l]!;
          if (br === 0 && bi === 0) continue;
          const abr = ar * br - ai * bi;
          const abi = ar * bi + ai * br;
          for (let m = 0; m < d3; m++) {
            const cr = Q3.re[n * d3 + m]!;
            const ci = -Q3.im[n * d3 + m]!;
            if (cr === 0 && ci === 0) continue;
            const o = (j * d2 + l) * d3 + m;
            outRe[o]! += cg * (abr * cr - abi * ci);
            outIm[o]! += cg * (abr * ci + abi * cr);
          }
        }
      }
    }
  }
  let norm = 0;
  let imNorm = 0;
  for (let i = 0; i < outRe.length; i++) {
    norm += outRe[i]! ** 2;
    imNorm += outIm[i]! ** 2;
  }
  if (imNorm > 1e-10 * norm)
    throw new ErlangenError(`wigner3j: internal error, coefficients for (${l1}, ${l2}, ${l3}) are not real`);
  norm = Math.sqrt(norm);
  for (let i = 0; i < outRe.length; i++) outRe[i] = outRe[i]! / norm;
  w3jCache.set(key, outRe);
  return outRe.slice();
}
