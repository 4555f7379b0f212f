/**
 * Pointwise nonlinearities of spherical signals given by their coefficients (e3nn's `S2Activation` and
 * `SO3Activation`): synthesise the signal on a grid, apply σ at every grid point, analyse it again:
 *
 *   S2Activation:   c ↦ SHT_{L_out}( σ( ISHT_{L_in}(c) ) )          on a sphere grid
 *   SO3Activation:  F ↦ FFT_{L_out}( σ( IFFT_{L_in}(F) ) )          on the 2B × 2B × 2B SO(3) grid
 *
 * σ(f)(x) = σ(f(x)) commutes with rotations, but σ(f) is no longer band-limited: its analysis on a
 * finite grid aliases the degrees above the grid's band limit, so the layer is equivariant only up to
 * that aliasing error, which falls as the grid grows (the checker reports it; `docs/spheres.md`).
 * The spherical CNNs of this folder apply σ directly to the grid outputs of their convolutions (the
 * same operation with the transforms shared with the neighbouring layers).
 */
import type { SphereGrid } from "../../domains/sphere/grid.js";
import { isht, type SHTPlan, sht, shtPlan } from "../../domains/sphere/sht.js";
import { type SO3Plan, so3CoeffCount, so3Fft, so3Ifft, so3Plan } from "../../domains/sphere/so3.js";
import { Module } from "../../nn/module.js";
import "../../tensor/index.js";
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import { relu } from "../../tensor/ops/elementwise.js";
import type { Tensor } from "../../tensor/tensor.js";

function checkCoefficients(op: string, c: Tensor, n: number, what: string): void {
  if (c.ndim < 1 || c.shape[c.ndim - 1] !== n)
    throw new ErlangenError(`${op}: argument 'c' expected shape [..., ${n}] (${what}), got ${fmtShape(c.shape)}`);
}

/** Options of {@link S2Activation}. */
export interface S2ActivationOptions {
  /** The pointwise function (default ReLU). */
  act?: (x: Tensor) => Tensor;
  /** Output band limit (default lIn). */
  lOut?: number;
}

/** σ applied on a sphere grid to signals given by their SH coefficients; see the file header. */
export class S2Activation extends Module<[Tensor], Tensor> {
  readonly grid: SphereGrid;
  readonly lIn: number;
  readonly lOut: number;
  private readonly _act: (x: Tensor) => Tensor;
  private readonly _in: SHTPlan;
  private readonly _out: SHTPlan;

  /**
   * @param grid - the grid σ is applied on (its band limit bounds lIn and lOut; a finer grid aliases less).
   * @param lIn - input band limit (coefficients [..., lIn²]).
   */
  constructor(grid: SphereGrid, lIn: number, opts: S2ActivationOptions = {}) {
    super();
    this.grid = grid;
    this.lIn = lIn;
    this.lOut = opts.lOut ?? lIn;
    for (const [k, v] of [
      ["lIn", this.lIn],
      ["lOut", this.lOut],
    ] as const)
      if (!Number.isInteger(v) || v < 1 || v > grid.bandLimit)
        throw new ErlangenError(
          `S2Activation: argument '${k}' expected an integer in [1, ${grid.bandLimit}] (${grid}), got ${v}`,
        );
    this._act = opts.act ?? relu;
    this._in = shtPlan(grid, this.lIn);
    this._out = shtPlan(grid, this.lOut);
  }

  /** @param c - coefficients [..., lIn²]; returns [..., lOut²]. */
  forward(c: Tensor): Tensor {
    checkCoefficients("S2Activation", c, this.lIn * this.lIn, `L² coefficients for lIn = ${this.lIn}`);
    return sht(this._act(isht(c, this._in)), this._out);
  }

  override extraRepr(): string {
    return `lIn=${this.lIn}, lOut=${this.lOut}, ${this.grid}`;
  }
}

/** Options of {@link SO3Activation}. */
export interface SO3ActivationOptions {
  /** The pointwise function (default ReLU). */
  act?: (x: Tensor) => Tensor;
  /** Output band limit (default lIn). */
  lOut?: number;
}

/** σ applied on the SO(3) grid to signals given by their Fourier coefficients; see the file header. */
export class SO3Activation extends Module<[Tensor], Tensor> {
  readonly B: number;
  readonly lIn: number;
  readonly lOut: number;
  private readonly _act: (x: Tensor) => Tensor;
  private readonly _in: SO3Plan;
  private readonly _out: SO3Plan;

  /**
   * @param B - resolution of the SO(3) grid σ is applied on (2B points per angle; lIn, lOut ≤ B).
   * @param lIn - input band limit (coefficients [..., lIn(4lIn²−1)/3]).
   */
  constructor(B: number, lIn: number, opts: SO3ActivationOptions = {}) {
    super();
    this.B = B;
    this.lIn = lIn;
    this.lOut = opts.lOut ?? lIn;
    if (!Number.isInteger(B) || B < 1)
      throw new ErlangenError(`SO3Activation: argument 'B' expected an integer ≥ 1, got ${B}`);
    for (const [k, v] of [
      ["lIn", this.lIn],
      ["lOut", this.lOut],
    ] as const)
      if (!Number.isInteger(v) || v < 1 || v > B)
        throw new ErlangenError(`SO3Activation: argument '${k}' expected an integer in [1, B = ${B}], got ${v}`);
    this._act = opts.act ?? relu;
    this._in = so3Plan(B, this.lIn);
    this._out = so3Plan(B, this.lOut);
  }

  /** @param c - coefficients [..., lIn(4lIn²−1)/3]; returns [..., lOut(4lOut²−1)/3]. */
  forward(c: Tensor): Tensor {
    checkCoefficients("SO3Activation", c, so3CoeffCount(this.lIn), `SO(3) coefficients for lIn = ${this.lIn}`);
    return so3Fft(this._act(so3Ifft(c, this._in)), this._out);
  }

  override extraRepr(): string {
    return `lIn=${this.lIn}, lOut=${this.lOut}, B=${this.B}`;
  }
}
