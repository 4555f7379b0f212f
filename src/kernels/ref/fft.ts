/**
 * Complex discrete Fourier transforms of any length on float64 arrays (split real / imaginary parts),
 * in place and unnormalised:
 *
 *   forward  X_k = Σ_j x_j e^{−2πi jk/n},   inverse  x_j = Σ_k X_k e^{+2πi jk/n}   (no 1/n).
 *
 * Powers of two run an iterative radix-2 Cooley–Tukey; lengths whose prime factors are all ≤ 7 a
 * recursive mixed-radix Cooley–Tukey (decimation in time); every other length Bluestein's chirp-z
 * algorithm (the DFT as a convolution with a chirp, done by radix-2 FFTs of length ≥ 2n − 1), so the
 * cost is O(n log n) for every n. Plans (twiddles, chirps, scratch) are cached per length. Typed arrays
 * and sizes only; no autograd.
 */

/** A reusable transform of one length. */
export interface FFTPlan {
  readonly n: number;
  /** In-place DFT of (re, im) of length n; `inverse` flips the exponent's sign (still unnormalised). */
  transform(re: Float64Array, im: Float64Array, inverse?: boolean): void;
}

class Radix2Plan implements FFTPlan {
  readonly n: number;
  private readonly rev: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(n: number) {
    this.n = n;
    let bits = 0;
    while (1 << bits < n) bits++;
    this.rev = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
      this.rev[i] = r;
    }
    const h = n >> 1;
    this.cos = new Float64Array(Math.max(h, 1));
    this.sin = new Float64Array(Math.max(h, 1));
    for (let k = 0; k < h; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
  }

  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const n = this.n;
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
    const sgn = inverse ? 1 : -1;
    const C = this.cos;
    const S = this.sin;
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0, t = 0; k < half; k++, t += step) {
          const wr = C[t]!;
          const wi = sgn * S[t]!;
          const a = start + k;
          const b = a + half;
          const br = re[b]!;
          const bi = im[b]!;
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          const ar = re[a]!;
          const ai = im[a]!;
          re[b] = ar - xr;
          im[b] = ai - xi;
          re[a] = ar + xr;
          im[a] = ai + xi;
        }
      }
    }
  }
}

/** Bluestein: X_k = w_k Σ_j (x_j w_j) conj(w_{k−j}) with w_j = e^{−πi j²/n}, a length-M circular convolution. */
class BluesteinPlan implements FFTPlan {
  readonly n: number;
  private readonly inner: Radix2Plan;
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  /** FFT of the conjugate chirp, zero-padded and wrapped to length M. */
  private readonly br: Float64Array;
  private readonly bi: Float64Array;
  private readonly ar: Float64Array;
  private readonly ai: Float64Array;

  constructor(n: number) {
    this.n = n;
    let M = 1;
    while (M < 2 * n - 1) M <<= 1;
    this.inner = new Radix2Plan(M);
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    const twoN = 2 * n;
    for (let j = 0; j < n; j++) {
      // j² mod 2n keeps the angle small (and exact) for large j
      const q = (j * j) % twoN;
      const ang = (Math.PI * q) / n;
      this.wr[j] = Math.cos(ang);
      this.wi[j] = -Math.sin(ang);
    }
    this.br = new Float64Array(M);
    this.bi = new Float64Array(M);
    this.br[0] = this.wr[0]!;
    this.bi[0] = -this.wi[0]!;
    for (let j = 1; j < n; j++) {
      this.br[j] = this.br[M - j] = this.wr[j]!;
      this.bi[j] = this.bi[M - j] = -this.wi[j]!;
    }
    this.inner.transform(this.br, this.bi);
    this.ar = new Float64Array(M);
    this.ai = new Float64Array(M);
  }

  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const n = this.n;
    const M = this.inner.n;
    const { wr, wi, ar, ai, br, bi } = this;
    // the inverse DFT is the conjugate of the forward DFT of the conjugate
    const s = inverse ? -1 : 1;
    for (let j = 0; j < n; j++) {
      const xr = re[j]!;
      const xi = s * im[j]!;
      ar[j] = xr * wr[j]! - xi * wi[j]!;
      ai[j] = xr * wi[j]! + xi * wr[j]!;
    }
    ar.fill(0, n);
    ai.fill(0, n);
    this.inner.transform(ar, ai);
    for (let k = 0; k < M; k++) {
      const xr = ar[k]!;
      const xi = ai[k]!;
      ar[k] = xr * br[k]! - xi * bi[k]!;
      ai[k] = xr * bi[k]! + xi * br[k]!;
    }
    this.inner.transform(ar, ai, true);
    const inv = 1 / M;
    for (let k = 0; k < n; k++) {
      const xr = ar[k]! * inv;
      const xi = ai[k]! * inv;
      re[k] = xr * wr[k]! - xi * wi[k]!;
      im[k] = s * (xr * wi[k]! + xi * wr[k]!);
    }
  }
}

/**
 * Mixed-radix decimation in time for n = p₁p₂…: X[k + qm] = Σ_s w_n^{s(k+qm)} Y_s[k] with Y_s the DFT of
 * length m = n/p of x[s::p], so each level does radix-p butterflies over the sub-transforms it recursed into.
 */
class MixedRadixPlan implements FFTPlan {
  readonly n: number;
  private readonly factors: number[];
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly outRe: Float64Array;
  private readonly outIm: Float64Array;
  private readonly tRe: Float64Array;
  private readonly tIm: Float64Array;
  private inRe: Float64Array;
  private inIm: Float64Array;
  private sgn = -1;

  constructor(n: number, factors: number[]) {
    this.n = n;
    this.factors = factors;
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      this.cos[j] = Math.cos((2 * Math.PI * j) / n);
      this.sin[j] = Math.sin((2 * Math.PI * j) / n);
    }
    this.outRe = new Float64Array(n);
    this.outIm = new Float64Array(n);
    const pmax = Math.max(...factors);
    this.tRe = new Float64Array(pmax);
    this.tIm = new Float64Array(pmax);
    this.inRe = this.outRe;
    this.inIm = this.outIm;
  }

  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    this.inRe = re;
    this.inIm = im;
    this.sgn = inverse ? 1 : -1;
    this.rec(0, 1, 0, this.n, 0);
    re.set(this.outRe.subarray(0, this.n));
    im.set(this.outIm.subarray(0, this.n));
  }

  private rec(inOff: number, stride: number, outOff: number, n: number, fi: number): void {
    const { outRe, outIm } = this;
    if (n === 1) {
      outRe[outOff] = this.inRe[inOff]!;
      outIm[outOff] = this.inIm[inOff]!;
      return;
    }
    const p = this.factors[fi]!;
    const m = n / p;
    for (let s = 0; s < p; s++) this.rec(inOff + s * stride, stride * p, outOff + s * m, m, fi + 1);
    const N = this.n;
    const C = this.cos;
    const S = this.sin;
    const sg = this.sgn;
    const step = N / n;
    const stepP = N / p;
    const { tRe, tIm } = this;
    for (let k = 0; k < m; k++) {
      for (let s = 0; s < p; s++) {
        const a = outRe[outOff + s * m + k]!;
        const b = outIm[outOff + s * m + k]!;
        const t = (s * k * step) % N;
        const wr = C[t]!;
        const wi = sg * S[t]!;
        tRe[s] = a * wr - b * wi;
        tIm[s] = a * wi + b * wr;
      }
      for (let q = 0; q < p; q++) {
        let xr = tRe[0]!;
        let xi = tIm[0]!;
        for (let s = 1; s < p; s++) {
          const t = ((s * q) % p) * stepP;
          const wr = C[t]!;
          const wi = sg * S[t]!;
          xr += tRe[s]! * wr - tIm[s]! * wi;
          xi += tRe[s]! * wi + tIm[s]! * wr;
        }
        outRe[outOff + q * m + k] = xr;
        outIm[outOff + q * m + k] = xi;
      }
    }
  }
}

/** The prime factors of n (4 first, then 2, 3, 5, 7, …), or null when one exceeds `maxPrime`. */
function smallFactors(n: number, maxPrime: number): number[] | null {
  const f: number[] = [];
  let r = n;
  while (r % 4 === 0) {
    f.push(4);
    r /= 4;
  }
  for (let p = 2; p <= maxPrime && r > 1; p++)
    while (r % p === 0) {
      f.push(p);
      r /= p;
    }
  return r === 1 ? f : null;
}

const plans = new Map<number, FFTPlan>();

/**
 * The (cached) plan for length `n` (a positive integer): radix-2 for powers of two, mixed radix for
 * 7-smooth lengths, Bluestein otherwise.
 */
export function fftPlan(n: number): FFTPlan {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`fftPlan: argument 'n' expected a positive integer, got ${n}`);
  let p = plans.get(n);
  if (!p) {
    if ((n & (n - 1)) === 0) p = new Radix2Plan(n);
    else {
      const f = smallFactors(n, 7);
      p = f ? new MixedRadixPlan(n, f) : new BluesteinPlan(n);
    }
    plans.set(n, p);
  }
  return p;
}
