/**
 * Pooling on S² and SO(3) as band-limit reduction (the spectral pooling of Esteves et al. 2018 and the
 * b_in → b_out step of s2cnn's layers): keep the degrees l < L of the signal and resample it on a
 * coarser grid,
 *
 *   S2BandLimitPool:   f ↦ ISHT_{gridOut}( SHT_{gridIn, L}(f) )
 *   SO3BandLimitPool:  F ↦ IFFT_{bOut}( FFT_{bIn → bOut}(F) )
 *
 * A low-pass filter that commutes with rotations (the truncation acts degree by degree), so the layers
 * are equivariant exactly for inputs the input grid integrates exactly (band-limited signals), and up
 * to the input's aliasing otherwise.
 */
import type { SphereGrid } from "../../domains/sphere/grid.js";
import { isht, type SHTPlan, sht, shtPlan } from "../../domains/sphere/sht.js";
import { type SO3Plan, so3Fft, so3Ifft, so3Plan } from "../../domains/sphere/so3.js";
import { Module } from "../../nn/module.js";
import "../../tensor/index.js";
import { ErlangenError } from "../../tensor/errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkSignal } from "./common.js";

/** Band-limit reduction of S² signals [B, C, ...gridIn.shape] → [B, C, ...gridOut.shape]. */
export class S2BandLimitPool extends Module<[Tensor], Tensor> {
  readonly gridIn: SphereGrid;
  readonly gridOut: SphereGrid;
  readonly L: number;
  private readonly _in: SHTPlan;
  private readonly _out: SHTPlan;

  /** @param L - degrees kept, l < L (default the smaller of the grids' band limits). */
  constructor(gridIn: SphereGrid, gridOut: SphereGrid, L?: number) {
    super();
    const Lmax = Math.min(gridIn.bandLimit, gridOut.bandLimit);
    this.L = L ?? Lmax;
    if (!Number.isInteger(this.L) || this.L < 1 || this.L > Lmax)
      throw new ErlangenError(
        `S2BandLimitPool: argument 'L' expected an integer in [1, ${Lmax}] (the grids' band limits), got ${L}`,
      );
    this.gridIn = gridIn;
    this.gridOut = gridOut;
    this._in = shtPlan(gridIn, this.L);
    this._out = shtPlan(gridOut, this.L);
  }

  forward(x: Tensor): Tensor {
    const B = checkSignal("S2BandLimitPool", x, null, this.gridIn.shape, `${this.gridIn}`);
    const c = sht(x, this._in);
    return isht(c, this._out).reshape([B, x.shape[1]!, ...this.gridOut.shape]);
  }

  override extraRepr(): string {
    return `L=${this.L}, ${this.gridIn} → ${this.gridOut}`;
  }
}

/** Band-limit reduction of SO(3) signals [B, C, 2bIn, 2bIn, 2bIn] → [B, C, 2bOut, 2bOut, 2bOut]. */
export class SO3BandLimitPool extends Module<[Tensor], Tensor> {
  readonly bIn: number;
  readonly bOut: number;
  private readonly _fft: SO3Plan;
  private readonly _ifft: SO3Plan;

  constructor(bIn: number, bOut: number) {
    super();
    if (!Number.isInteger(bIn) || bIn < 1)
      throw new ErlangenError(`SO3BandLimitPool: argument 'bIn' expected an integer ≥ 1, got ${bIn}`);
    if (!Number.isInteger(bOut) || bOut < 1 || bOut > bIn)
      throw new ErlangenError(
        `SO3BandLimitPool: argument 'bOut' expected an integer in [1, bIn = ${bIn}], got ${bOut}`,
      );
    this.bIn = bIn;
    this.bOut = bOut;
    this._fft = so3Plan(bIn, bOut);
    this._ifft = so3Plan(bOut, bOut);
  }

  forward(x: Tensor): Tensor {
    const N = 2 * this.bIn;
    checkSignal("SO3BandLimitPool", x, null, [N, N, N], `the SO(3) grid of resolution ${this.bIn}`);
    return so3Ifft(so3Fft(x, this._fft), this._ifft);
  }

  override extraRepr(): string {
    return `bIn=${this.bIn}, bOut=${this.bOut}`;
  }
}
