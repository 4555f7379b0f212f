/**
 * Radial bases and smooth cutoffs: how equivariant networks turn an interatomic distance into an
 * invariant feature vector.
 *
 * - {@link BesselBasis} (DimeNet / NequIP): (2/r_c)·sin(nπ r / r_c)/r, n = 1..N, frequencies optionally trainable.
 * - {@link GaussianSmearing} (SchNet): exp(−(r − μ_k)²/(2Δ²)) on evenly spaced centres μ_k.
 * - {@link softOneHotLinspace} (e3nn): gaussian / cosine / smooth_finite / fourier / bessel bumps.
 * - Cutoffs: {@link cosineCutoff} (SchNet) and {@link polynomialCutoff} (NequIP's envelope, p = 6).
 *
 * All are differentiable with respect to the distances (forces) and, for trainable bases, the
 * frequencies. The Bessel basis, the Gaussian smearing and both cutoffs are one fused op each
 * (`radialBasis` in tensor/ops/radial.ts, WASM kernels for float32).
 */
import { Module, Parameter } from "../../nn/module.js";
import { tensor } from "../../tensor/creation.js";
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import "../../tensor/index.js";
import { gaussianSmearing } from "../../nn/functional.js";
import { radialBasis } from "../../tensor/ops/radial.js";

function checkPositive(op: string, arg: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v))
    throw new ErlangenError(`${op}: argument '${arg}' expected a positive finite number, got ${v}`);
}

function checkCount(op: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new ErlangenError(`${op}: argument '${arg}' expected a positive integer, got ${v}`);
}

function checkFloat(op: string, x: Tensor): void {
  if (x.dtype !== "float32" && x.dtype !== "float64")
    throw new ErlangenError(`${op}: argument 'x' expected a float tensor of distances, got ${x.dtype}`);
  for (let i = 0; i < x.size; i++) {
    if (Number.isNaN(x.data[i]!)) throw new ErlangenError(`${op}: argument 'x' contains NaN at flat index ${i}`);
  }
}

function linspaceArray(start: number, end: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? start : start + ((end - start) * i) / (n - 1)));
}

/** Options of {@link BesselBasis}. */
export interface BesselBasisOptions {
  /** Number of basis functions (default 8). */
  numBasis?: number;
  /** Learn the frequencies nπ (default true, as NequIP). */
  trainable?: boolean;
}

/**
 * Bessel radial basis (NequIP's normalisation): `b_n(r) = (2/r_c) · sin(w_n r / r_c) / r` with
 * `w_n = nπ` at start. Input distances `[...]` (r > 0), output `[..., numBasis]`.
 */
export class BesselBasis extends Module<[Tensor], Tensor> {
  readonly rMax: number;
  readonly numBasis: number;
  /** Frequencies w_n (a parameter when trainable). */
  besselWeights: Parameter | Tensor;

  constructor(rMax: number, opts: BesselBasisOptions = {}) {
    super();
    checkPositive("BesselBasis", "rMax", rMax);
    this.rMax = rMax;
    this.numBasis = opts.numBasis ?? 8;
    checkCount("BesselBasis", "numBasis", this.numBasis);
    const w = tensor(Array.from({ length: this.numBasis }, (_, i) => (i + 1) * Math.PI));
    this.besselWeights = (opts.trainable ?? true) ? new Parameter(w) : w;
  }

  forward(x: Tensor): Tensor {
    checkFloat("BesselBasis", x);
    return radialBasis(x, { kind: "bessel", rc: this.rMax }, { kind: "none" }, this.besselWeights);
  }

  override extraRepr(): string {
    return `rMax=${this.rMax}, numBasis=${this.numBasis}, trainable=${this.besselWeights instanceof Parameter}`;
  }
}

/** Options of {@link GaussianSmearing}. */
export interface GaussianSmearingOptions {
  start?: number;
  stop?: number;
  numGaussians?: number;
}

/**
 * SchNet's Gaussian expansion: `exp(−(r − μ_k)² / (2Δ²))` with `numGaussians` centres μ_k evenly spaced
 * in [start, stop] (defaults 0, 5, 50) and Δ their spacing. Input `[...]`, output `[..., numGaussians]`.
 */
export class GaussianSmearing extends Module<[Tensor], Tensor> {
  readonly start: number;
  readonly stop: number;
  readonly numGaussians: number;
  private readonly _offsets: number[];
  private readonly _coeff: number;

  constructor(opts: GaussianSmearingOptions = {}) {
    super();
    this.start = opts.start ?? 0;
    this.stop = opts.stop ?? 5;
    this.numGaussians = opts.numGaussians ?? 50;
    checkCount("GaussianSmearing", "numGaussians", this.numGaussians);
    if (!(this.stop > this.start))
      throw new ErlangenError(
        `GaussianSmearing: argument 'stop' expected a number > start (${this.start}), got ${this.stop}`,
      );
    this._offsets = linspaceArray(this.start, this.stop, this.numGaussians);
    const delta = this.numGaussians > 1 ? this._offsets[1]! - this._offsets[0]! : this.stop - this.start;
    this._coeff = -0.5 / (delta * delta);
  }

  forward(x: Tensor): Tensor {
    checkFloat("GaussianSmearing", x);
    return gaussianSmearing(x, this._offsets, this._coeff);
  }

  override extraRepr(): string {
    return `start=${this.start}, stop=${this.stop}, numGaussians=${this.numGaussians}`;
  }
}

/** Bases of {@link softOneHotLinspace}. */
export type SoftOneHotBasis = "gaussian" | "cosine" | "smooth_finite" | "fourier" | "bessel";

function softUnitStep(x: Tensor): Tensor {
  // exp(−1/x) for x > 0, else 0 (smooth, all derivatives vanish at 0)
  const pos = x.gt(0);
  const safe = pos.where(x, 1);
  return pos.where(safe.reciprocal().neg().exp(), 0);
}

/**
 * e3nn's `soft_one_hot_linspace`: `number` smooth bumps centred on a linspace of [start, end].
 * `cutoff: true` puts the first and last centres at start/end and makes every function vanish
 * outside (start, end) (for `cosine`, `smooth_finite`, `fourier`, `bessel`); `false` puts them one
 * step inside. Input `[...]`, output `[..., number]`.
 */
export function softOneHotLinspace(
  x: Tensor,
  start: number,
  end: number,
  number: number,
  basis: SoftOneHotBasis = "gaussian",
  cutoff = true,
): Tensor {
  const op = "softOneHotLinspace";
  checkFloat(op, x);
  checkCount(op, "number", number);
  if (!(end > start)) throw new ErlangenError(`${op}: argument 'end' expected a number > start (${start}), got ${end}`);
  const dtype = x.dtype;
  let values: number[];
  let step: number;
  if (cutoff) {
    values = linspaceArray(start, end, number);
    step = number > 1 ? values[1]! - values[0]! : end - start;
  } else {
    const v = linspaceArray(start, end, number + 2);
    step = v[1]! - v[0]!;
    values = v.slice(1, -1);
  }
  const xe = x.unsqueeze(-1);
  const diff = xe.sub(tensor(values, { dtype })).div(step);
  switch (basis) {
    case "gaussian":
      return diff.square().neg().exp().div(1.12);
    case "cosine":
      return diff
        .mul(Math.PI / 2)
        .cos()
        .mul(diff.lt(1).logicalAnd(diff.gt(-1)).cast(dtype));
    case "smooth_finite":
      return softUnitStep(diff.add(1))
        .mul(softUnitStep(diff.neg().add(1)))
        .mul(1.14136 * Math.exp(2));
    case "fourier": {
      const t = xe.sub(start).div(end - start);
      const norm = Math.sqrt(0.25 + number / 2);
      if (!cutoff)
        return t
          .mul(
            tensor(
              Array.from({ length: number }, (_, i) => Math.PI * i),
              { dtype },
            ),
          )
          .cos()
          .div(norm);
      const inside = t.gt(0).logicalAnd(t.lt(1)).cast(dtype);
      return t
        .mul(
          tensor(
            Array.from({ length: number }, (_, i) => Math.PI * (i + 1)),
            { dtype },
          ),
        )
        .sin()
        .div(norm)
        .mul(inside);
    }
    case "bessel": {
      const r = xe.sub(start);
      const c = end - start;
      const out = r
        .mul(
          tensor(
            Array.from({ length: number }, (_, i) => Math.PI * (i + 1)),
            { dtype },
          ),
        )
        .div(c)
        .sin()
        .div(r)
        .mul(Math.sqrt(2 / c));
      if (!cutoff) return out;
      return out.mul(r.div(c).lt(1).logicalAnd(r.gt(0)).cast(dtype));
    }
    default:
      throw new ErlangenError(
        `${op}: argument 'basis' expected gaussian, cosine, smooth_finite, fourier or bessel, got '${String(basis)}'`,
      );
  }
}

/** SchNet's cosine cutoff `0.5·(cos(π r / r_c) + 1)` for r < r_c, else 0. Input and output `[...]`. */
export function cosineCutoff(x: Tensor, cutoff: number): Tensor {
  checkPositive("cosineCutoff", "cutoff", cutoff);
  checkFloat("cosineCutoff", x);
  return radialBasis(x, { kind: "none" }, { kind: "cosine", rc: cutoff });
}

/**
 * NequIP's polynomial envelope with exponent p (default 6): with u = r / r_max,
 * `1 − (p+1)(p+2)/2·u^p + p(p+2)·u^(p+1) − p(p+1)/2·u^(p+2)` for u < 1, else 0; it and its first two
 * derivatives vanish at r_max. Input and output `[...]`.
 */
export function polynomialCutoff(x: Tensor, rMax: number, p = 6): Tensor {
  checkPositive("polynomialCutoff", "rMax", rMax);
  if (!(p > 0)) throw new ErlangenError(`polynomialCutoff: argument 'p' expected a positive number, got ${p}`);
  checkFloat("polynomialCutoff", x);
  return radialBasis(x, { kind: "none" }, { kind: "polynomial", rc: rMax, p });
}

/** {@link cosineCutoff} as a module. */
export class CosineCutoff extends Module<[Tensor], Tensor> {
  constructor(readonly cutoff: number) {
    super();
    checkPositive("CosineCutoff", "cutoff", cutoff);
  }
  forward(x: Tensor): Tensor {
    return cosineCutoff(x, this.cutoff);
  }
  override extraRepr(): string {
    return `cutoff=${this.cutoff}`;
  }
}

/** {@link polynomialCutoff} as a module. */
export class PolynomialCutoff extends Module<[Tensor], Tensor> {
  constructor(
    readonly rMax: number,
    readonly p = 6,
  ) {
    super();
    checkPositive("PolynomialCutoff", "rMax", rMax);
  }
  forward(x: Tensor): Tensor {
    return polynomialCutoff(x, this.rMax, this.p);
  }
  override extraRepr(): string {
    return `rMax=${this.rMax}, p=${this.p}`;
  }
}

/** Throws unless `x` is a 1-D distance vector (helper for models). */
export function checkDistances(op: string, x: Tensor): void {
  if (x.ndim !== 1) throw new ErlangenError(`${op}: argument 'distances' expected shape [E], got ${fmtShape(x.shape)}`);
}
