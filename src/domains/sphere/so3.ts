/**
 * Signals on the rotation group SO(3) and its Fourier transform (SOFT style: Kostelec & Rockmore 2008;
 * the transform s2cnn runs), in the library's (e3nn's) conventions:
 *
 * - Euler angles Y-X-Y: R(α, β, γ) = Ry(α) Rx(β) Ry(γ) (`anglesToMatrix`), α, γ ∈ [0, 2π), β ∈ [0, π].
 *   R(α, β, γ) applied to the north pole +y gives the S² point (θ, φ) = (β, α) of the sphere grids.
 * - Wigner-D in the real basis: D^l(R) with Y^l(R x) = D^l(R) Y^l(x) (`wignerD`, `wignerDBlocks`);
 *   D^l(α, β, γ) = D^l(Ry(α)) · D^l(Rx(β)) · D^l(Ry(γ)).
 * - Grid (`so3Grid(B)`): 2B × 2B × 2B points β_k = π(2k+1)/(4B), α_i = 2πi/(2B), γ_j = 2πj/(2B);
 *   a signal has shape [..., 2B (β), 2B (α), 2B (γ)] (s2cnn's layout). Quadrature weights
 *   ω_k = w_k/(8B²) with w_k the Driscoll–Healy weights, for the normalised Haar measure
 *   (∫ dR = 1): exact for products of band-limited functions of degree < B.
 * - Coefficients up to band limit L (degrees l < L): f(R) = Σ_l Σ_{m,n=−l..l} F^l_{mn} D^l_{mn}(R), so
 *   a sampled D^l_{mn} transforms to a unit coefficient. Stored flat as [..., L(4L²−1)/3]: block l
 *   starts at l(4l²−1)/3, entry (m, n) at (m+l)(2l+1) + (n+l) inside it (e3nn's flattened D^l).
 *   Forward: F^l_{mn} = (2l+1) ∫ f D^l_{mn} dR (orthogonality ∫ D^l_{mn} D^{l'}_{m'n'} dR = δδδ/(2l+1)),
 *   so Parseval reads ∫ f² dR = Σ_l |F^l|²/(2l+1).
 *
 * The transform runs one 2-D FFT over (α, γ) per β slice and sums the results against the real-basis
 * D^l(Rx(β_k)) tables (precomputed per plan): O(B³ log B + B L³) per signal, for the band limits
 * a spherical CNN uses (L ≤ B ≲ 32: the tables hold 2B·Σ(2l+1)² numbers, 22 MB at B = L = 32).
 */
import { fftPlan } from "../../kernels/ref/fft.js";
import { anglesToMatrix } from "../../symmetry/o3/rotations.js";
import { wignerDxBlocks } from "../../symmetry/o3/wigner_blocks.js";
import { record } from "../../tensor/autograd.js";
import { allocate } from "../../tensor/dtype.js";
import { ErlangenError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkTrailing } from "./internal.js";
import { driscollHealyWeights } from "./legendre.js";

/** Number of SO(3) Fourier coefficients up to band limit L: Σ_{l<L} (2l+1)² = L(4L²−1)/3. */
export function so3CoeffCount(L: number): number {
  return (L * (4 * L * L - 1)) / 3;
}

/** Flat index of F^l_{mn} in the [L(4L²−1)/3] coefficient layout. */
export function so3Index(l: number, m: number, n: number): number {
  return (l * (4 * l * l - 1)) / 3 + (m + l) * (2 * l + 1) + (n + l);
}

/** The SOFT grid on SO(3) of resolution B: 2B values each of β (Driscoll–Healy), α and γ. */
export class SO3Grid {
  readonly B: number;
  /** Trailing shape of a signal: [2B (β), 2B (α), 2B (γ)]. */
  readonly shape: readonly [number, number, number];
  readonly size: number;
  readonly alpha: Float64Array;
  readonly beta: Float64Array;
  readonly gamma: Float64Array;
  /** Quadrature weight of every point on each β slice: ω_k (Σ over all points = 1). */
  readonly betaWeights: Float64Array;

  constructor(B: number) {
    if (!Number.isInteger(B) || B < 1)
      throw new ErlangenError(`so3Grid: argument 'B' expected an integer ≥ 1, got ${B}`);
    this.B = B;
    const N = 2 * B;
    this.shape = [N, N, N];
    this.size = N * N * N;
    this.alpha = new Float64Array(N);
    this.beta = new Float64Array(N);
    this.gamma = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      this.alpha[i] = (2 * Math.PI * i) / N;
      this.gamma[i] = (2 * Math.PI * i) / N;
      this.beta[i] = (Math.PI * (2 * i + 1)) / (4 * B);
    }
    const w = driscollHealyWeights(B);
    this.betaWeights = new Float64Array(N);
    for (let k = 0; k < N; k++) this.betaWeights[k] = w[k]! / (8 * B * B);
  }

  /** Quadrature weights of every grid point [2B·2B·2B] in the signal layout (β, α, γ). */
  get weights(): Float64Array {
    const N = 2 * this.B;
    const out = new Float64Array(this.size);
    for (let k = 0; k < N; k++) out.fill(this.betaWeights[k]!, k * N * N, (k + 1) * N * N);
    return out;
  }

  /** The rotation matrix (3×3 row-major) of grid point (k, i, j) = (β_k, α_i, γ_j). */
  rotation(k: number, i: number, j: number): Float64Array {
    return anglesToMatrix(this.alpha[i]!, this.beta[k]!, this.gamma[j]!);
  }

  toString(): string {
    return `SO3Grid(B = ${this.B}, shape [${this.shape.join(", ")}])`;
  }
}

const gridCache = new Map<number, SO3Grid>();

/** The (cached) SOFT grid of resolution B (2B × 2B × 2B). */
export function so3Grid(B: number): SO3Grid {
  let g = gridCache.get(B);
  if (!g) {
    g = new SO3Grid(B);
    gridCache.set(B, g);
  }
  return g;
}

/** Samples f(α, β, γ) on an SO(3) grid: a float64 tensor [2B, 2B, 2B] in the (β, α, γ) layout. */
export function sampleOnSO3Grid(grid: SO3Grid, f: (alpha: number, beta: number, gamma: number) => number): Tensor {
  const N = 2 * grid.B;
  const out = new Float64Array(grid.size);
  for (let k = 0; k < N; k++)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const v = f(grid.alpha[i]!, grid.beta[k]!, grid.gamma[j]!);
        if (!Number.isFinite(v))
          throw new ErlangenError(
            `sampleOnSO3Grid: argument 'f' returned ${v} at (α, β, γ) = (${grid.alpha[i]}, ${grid.beta[k]}, ${grid.gamma[j]})`,
          );
        out[(k * N + i) * N + j] = v;
      }
  return new Tensor(out, [N, N, N], "float64");
}

/** The trig products of one β slice: Σ_ij f·{cos,sin}(pα_i)·{cos,sin}(qγ_j), [type][p][q][k]. */
const CC = 0;
const CS = 1;
const SC = 2;
const SS = 3;

/**
 * A SO(3) Fourier transform on the grid of resolution B up to band limit L ≤ B: the D^l(Rx(β_k)) tables
 * and scratch space. Build with {@link so3Plan}; run with {@link so3Fft} / {@link so3Ifft}.
 */
export class SO3Plan {
  readonly grid: SO3Grid;
  readonly B: number;
  readonly L: number;
  /** L(4L²−1)/3, the length of one coefficient vector. */
  readonly ncoeffs: number;
  /** X^l(β_k) per l, laid out [(m+l)(2l+1) + (n+l)][k]. */
  private readonly X: Float64Array[];
  /** Trig sums of a block of signals, [block][4][L][L][2B]. */
  private T: Float64Array;
  /** Per coefficient (l, m, n) in layout order, its at most two terms: X offset, T offset, sign. */
  private readonly termPtr: Int32Array;
  private readonly termX: Int32Array;
  private readonly termT: Int32Array;
  private readonly termSign: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly colRe: Float64Array;
  private readonly colIm: Float64Array;

  constructor(B: number, L = B) {
    if (!Number.isInteger(L) || L < 1 || L > B)
      throw new ErlangenError(`so3Plan: argument 'L' expected an integer band limit in [1, B = ${B}], got ${L}`);
    this.grid = so3Grid(B);
    this.B = B;
    this.L = L;
    this.ncoeffs = so3CoeffCount(L);
    const N = 2 * B;
    this.X = [];
    for (let l = 0; l < L; l++) this.X.push(new Float64Array((2 * l + 1) * (2 * l + 1) * N));
    for (let k = 0; k < N; k++) {
      const blocks = wignerDxBlocks(L, this.grid.beta[k]!);
      for (let l = 0; l < L; l++) {
        const src = blocks[l]!;
        const dst = this.X[l]!;
        for (let e = 0; e < src.length; e++) dst[e * N + k] = src[e]!;
      }
    }
    // D^l_{mn}(α, β_k, γ) = Σ_{m'=±m, n'=±n} Dy(α)_{mm'} X_{m'n'}(β_k) Dy(γ)_{n'n}, X block diagonal in
    // (m' ≥ 0) × (n' ≥ 0) and (m' < 0) × (n' < 0); Dy(α)_{m,−m} = −sin pα (m > 0), +sin pα (m < 0);
    // Dy(γ)_{−n,n} = +sin qγ (n > 0), −sin qγ (n < 0)
    const ptr = [0];
    const tx: number[] = [];
    const tt: number[] = [];
    const ts: number[] = [];
    const LLN = L * L * N;
    for (let l = 0; l < L; l++) {
      const d = 2 * l + 1;
      for (let m = -l; m <= l; m++)
        for (let n = -l; n <= l; n++) {
          const base = (Math.abs(m) * L + Math.abs(n)) * N;
          for (let s1 = 0; s1 < (m === 0 ? 1 : 2); s1++) {
            const mp = s1 === 0 ? m : -m;
            for (let s2 = 0; s2 < (n === 0 ? 1 : 2); s2++) {
              const np = s2 === 0 ? n : -n;
              if (mp >= 0 !== np >= 0) continue;
              const sa = s1 === 0 ? 1 : m > 0 ? -1 : 1;
              const sg = s2 === 0 ? 1 : n > 0 ? 1 : -1;
              const type = s1 === 0 ? (s2 === 0 ? CC : CS) : s2 === 0 ? SC : SS;
              tx.push(((mp + l) * d + (np + l)) * N);
              tt.push(type * LLN + base);
              ts.push(sa * sg);
            }
          }
          ptr.push(tx.length);
        }
    }
    this.termPtr = Int32Array.from(ptr);
    this.termX = Int32Array.from(tx);
    this.termT = Int32Array.from(tt);
    this.termSign = Float64Array.from(ts);
    this.T = new Float64Array(LLN * 4);
    this.re = new Float64Array(N * N);
    this.im = new Float64Array(N * N);
    this.colRe = new Float64Array(N);
    this.colIm = new Float64Array(N);
  }

  /** Signals per block for `batch` signals (the trig sums of a block stay within ~16 MB). */
  private block(batch: number): number {
    const TS = 4 * this.L * this.L * 2 * this.B;
    const nb = Math.max(1, Math.min(batch, 16, Math.floor((1 << 21) / TS)));
    if (this.T.length < nb * TS) this.T = new Float64Array(nb * TS);
    return nb;
  }

  /**
   * Forward transforms of `batch` signals `x` [batch, 2B, 2B, 2B] → `out` [batch, ncoeffs];
   * `weighted: false` drops the quadrature weights and the (2l+1) (the transpose of {@link inverse}).
   */
  forward(x: ArrayLike<number>, out: Float64Array | Float32Array, batch: number, weighted = true): void {
    const N = 2 * this.B;
    const { L, termPtr, termX, termT, termSign } = this;
    const LL = L * L;
    const TS = 4 * LL * N;
    const nc = this.ncoeffs;
    const block = this.block(batch);
    const T = this.T;
    const acc = new Float64Array(block);
    for (let b0 = 0; b0 < batch; b0 += block) {
      const nb = Math.min(block, batch - b0);
      for (let b = 0; b < nb; b++) {
        const off = (b0 + b) * N * N * N;
        const tb = b * TS;
        for (let k = 0; k < N; k++) {
          this.fft2(x, off + k * N * N);
          // Z(p, q) = conj(FFT(f))[p, q mod N]
          const { re, im } = this;
          const w = weighted ? this.grid.betaWeights[k]! : 1;
          for (let p = 0; p < L; p++)
            for (let q = 0; q < L; q++) {
              const a = p * N + q;
              const c = p * N + (q === 0 ? 0 : N - q);
              const zr = re[a]!;
              const zi = -im[a]!;
              const wr = re[c]!;
              const wi = -im[c]!;
              const t = tb + (p * L + q) * N + k;
              T[CC * LL * N + t] = 0.5 * w * (zr + wr);
              T[SS * LL * N + t] = 0.5 * w * (wr - zr);
              T[SC * LL * N + t] = 0.5 * w * (zi + wi);
              T[CS * LL * N + t] = 0.5 * w * (zi - wi);
            }
        }
      }
      let i = 0;
      for (let l = 0; l < L; l++) {
        const Xl = this.X[l]!;
        const f = weighted ? 2 * l + 1 : 1;
        const end = i + (2 * l + 1) * (2 * l + 1);
        for (; i < end; i++) {
          acc.fill(0, 0, nb);
          for (let j = termPtr[i]!; j < termPtr[i + 1]!; j++) {
            const xo = termX[j]!;
            const to = termT[j]!;
            const sg = termSign[j]!;
            for (let b = 0; b < nb; b++) {
              const tb = b * TS + to;
              let s = 0;
              for (let k = 0; k < N; k++) s += Xl[xo + k]! * T[tb + k]!;
              acc[b]! += sg * s;
            }
          }
          for (let b = 0; b < nb; b++) out[(b0 + b) * nc + i] = f * acc[b]!;
        }
      }
    }
  }

  /** Inverse transforms of `batch` coefficient vectors `c` [batch, ncoeffs] → `out` [batch, 2B, 2B, 2B]. */
  inverse(c: ArrayLike<number>, out: Float64Array | Float32Array, batch: number): void {
    const N = 2 * this.B;
    const { L, termPtr, termX, termT, termSign } = this;
    const LL = L * L;
    const TS = 4 * LL * N;
    const nc = this.ncoeffs;
    const block = this.block(batch);
    const T = this.T;
    for (let b0 = 0; b0 < batch; b0 += block) {
      const nb = Math.min(block, batch - b0);
      T.fill(0, 0, nb * TS);
      let i = 0;
      for (let l = 0; l < L; l++) {
        const Xl = this.X[l]!;
        const end = i + (2 * l + 1) * (2 * l + 1);
        for (; i < end; i++) {
          for (let j = termPtr[i]!; j < termPtr[i + 1]!; j++) {
            const xo = termX[j]!;
            const to = termT[j]!;
            const sg = termSign[j]!;
            for (let b = 0; b < nb; b++) {
              const v = sg * c[(b0 + b) * nc + i]!;
              if (v === 0) continue;
              const tb = b * TS + to;
              for (let k = 0; k < N; k++) T[tb + k]! += v * Xl[xo + k]!;
            }
          }
        }
      }
      const { re, im } = this;
      for (let b = 0; b < nb; b++) {
        const off = (b0 + b) * N * N * N;
        const tb = b * TS;
        for (let k = 0; k < N; k++) {
          re.fill(0);
          im.fill(0);
          for (let p = 0; p < L; p++)
            for (let q = 0; q < L; q++) {
              const t = tb + (p * L + q) * N + k;
              const tcc = T[CC * LL * N + t]!;
              const tss = T[SS * LL * N + t]!;
              const tcs = T[CS * LL * N + t]!;
              const tsc = T[SC * LL * N + t]!;
              // f = Re[G1 e^{i(pα+qγ)} + G2 e^{i(pα−qγ)}]
              const a = p * N + q;
              re[a]! += 0.5 * (tcc - tss);
              im[a]! += -0.5 * (tsc + tcs);
              const c2 = p * N + (q === 0 ? 0 : N - q);
              re[c2]! += 0.5 * (tcc + tss);
              im[c2]! += 0.5 * (tcs - tsc);
            }
          this.ifft2Real(out, off + k * N * N);
        }
      }
    }
  }

  /**
   * Unnormalised 2-D DFT (exponent −) of the real N×N slice at `off`, rows p < L only, into (re, im):
   * FFTs along α first (two real columns packed in one complex FFT, only p < L kept), then along γ.
   */
  private fft2(x: ArrayLike<number>, off: number): void {
    const N = 2 * this.B;
    const L = this.L;
    const plan = fftPlan(N);
    const { re, im, colRe, colIm } = this;
    for (let j = 0; j < N; j += 2) {
      for (let i = 0; i < N; i++) {
        colRe[i] = x[off + i * N + j]!;
        colIm[i] = x[off + i * N + j + 1]!;
      }
      plan.transform(colRe, colIm);
      for (let p = 0; p < L; p++) {
        const k2 = p === 0 ? 0 : N - p;
        const zr = colRe[p]!;
        const zi = colIm[p]!;
        const cr = colRe[k2]!;
        const ci = -colIm[k2]!;
        re[p * N + j] = 0.5 * (zr + cr);
        im[p * N + j] = 0.5 * (zi + ci);
        re[p * N + j + 1] = 0.5 * (zi - ci);
        im[p * N + j + 1] = -0.5 * (zr - cr);
      }
    }
    for (let p = 0; p < L; p++) plan.transform(re.subarray(p * N, (p + 1) * N), im.subarray(p * N, (p + 1) * N));
  }

  /**
   * Real part of the unnormalised inverse 2-D DFT of (re, im) (rows p < L; the others are zero), written
   * to `out` at `off`: inverse FFTs along γ per row, then along α for two columns at a time
   * (Hermitian-symmetrised so that each column's transform is real).
   */
  private ifft2Real(out: Float64Array | Float32Array, off: number): void {
    const N = 2 * this.B;
    const L = this.L;
    const plan = fftPlan(N);
    const { re, im, colRe, colIm } = this;
    for (let p = 0; p < L; p++) plan.transform(re.subarray(p * N, (p + 1) * N), im.subarray(p * N, (p + 1) * N), true);
    for (let j = 0; j < N; j += 2) {
      colRe.fill(0);
      colIm.fill(0);
      for (let p = 0; p < L; p++) {
        const k2 = p === 0 ? 0 : N - p;
        const ar = re[p * N + j]!;
        const ai = im[p * N + j]!;
        const br = re[p * N + j + 1]!;
        const bi = im[p * N + j + 1]!;
        // column j: H_p += a/2, H_{−p} += conj(a)/2; column j+1 enters as i·H
        colRe[p]! += 0.5 * ar - 0.5 * bi;
        colIm[p]! += 0.5 * ai + 0.5 * br;
        colRe[k2]! += 0.5 * ar + 0.5 * bi;
        colIm[k2]! += -0.5 * ai + 0.5 * br;
      }
      plan.transform(colRe, colIm, true);
      for (let i = 0; i < N; i++) {
        out[off + i * N + j] = colRe[i]!;
        out[off + i * N + j + 1] = colIm[i]!;
      }
    }
  }
}

const planCache = new Map<string, SO3Plan>();

/** The (cached) SO(3) Fourier transform plan on the 2B×2B×2B grid for degrees l < L (default L = B). */
export function so3Plan(B: number, L = B): SO3Plan {
  const key = `${B}:${L}`;
  let p = planCache.get(key);
  if (!p) {
    p = new SO3Plan(B, L);
    planCache.set(key, p);
  }
  return p;
}

/**
 * The SO(3) Fourier transform of signals `x` [..., 2B, 2B, 2B] (β, α, γ) to coefficients
 * [..., L(4L²−1)/3] (F^l_{mn} = (2l+1) ∫ f D^l_{mn} dR by the grid's quadrature). Differentiable (the
 * backward pass is the adjoint: weights times the synthesis). Computes in float64, returns x's dtype.
 */
export function so3Fft(x: Tensor, plan: SO3Plan): Tensor {
  const grid = plan.grid;
  const batch = checkTrailing("so3Fft", "x", x, grid.shape, `a signal on ${grid}`);
  const nc = plan.ncoeffs;
  const out = allocate(x.dtype, batch * nc) as Float32Array | Float64Array;
  plan.forward(x.data as Float32Array | Float64Array, out, batch);
  const res = new Tensor(out, [...x.shape.slice(0, -3), nc], x.dtype);
  return record("so3Fft", [x], res, (g) => {
    const gs = new Float64Array(g.size);
    const gd = g.data;
    for (let b = 0; b < batch; b++)
      for (let l = 0; l < plan.L; l++) {
        const lo = (l * (4 * l * l - 1)) / 3;
        const hi = ((l + 1) * (4 * (l + 1) * (l + 1) - 1)) / 3;
        for (let i = lo; i < hi; i++) gs[b * nc + i] = (2 * l + 1) * gd[b * nc + i]!;
      }
    const gx = allocate(x.dtype, x.size) as Float32Array | Float64Array;
    plan.inverse(gs, gx, batch);
    const N = 2 * plan.B;
    const bw = grid.betaWeights;
    for (let b = 0; b < batch; b++)
      for (let k = 0; k < N; k++) {
        const w = bw[k]!;
        const o = (b * N + k) * N * N;
        for (let i = 0; i < N * N; i++) gx[o + i]! *= w;
      }
    return [new Tensor(gx, x.shape, x.dtype)];
  });
}

/**
 * The inverse SO(3) Fourier transform: coefficients `c` [..., L(4L²−1)/3] to signals [..., 2B, 2B, 2B]
 * (f(R) = Σ F^l_{mn} D^l_{mn}(R) on the grid). Differentiable (the backward pass is the unweighted
 * analysis). Computes in float64, returns c's dtype.
 */
export function so3Ifft(c: Tensor, plan: SO3Plan): Tensor {
  const nc = plan.ncoeffs;
  const batch = checkTrailing("so3Ifft", "c", c, [nc], `L(4L²−1)/3 = ${nc} coefficients for band limit L = ${plan.L}`);
  const grid = plan.grid;
  const out = allocate(c.dtype, batch * grid.size) as Float32Array | Float64Array;
  plan.inverse(c.data as Float32Array | Float64Array, out, batch);
  const res = new Tensor(out, [...c.shape.slice(0, -1), ...grid.shape], c.dtype);
  return record("so3Ifft", [c], res, (g) => {
    const gc = allocate(c.dtype, c.size) as Float32Array | Float64Array;
    plan.forward(g.data as Float32Array | Float64Array, gc, batch, false);
    return [new Tensor(gc, c.shape, c.dtype)];
  });
}
