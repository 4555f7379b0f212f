/**
 * Invariant readouts: the mean of a signal over the sphere or the rotation group by the grid's
 * quadrature (s2cnn's `so3_integrate`; Esteves et al.'s weighted global average pooling),
 *
 *   S2Integrate:   y[b, c] = (1/4π) Σ_p w_p f[b, c, p]     ≈ (1/4π) ∫_{S²} f dΩ = c_00 / √(4π)
 *   SO3Integrate:  y[b, c] = Σ_{k,i,j} ω_k F[b, c, k, i, j]  ≈ ∫_{SO(3)} F dR     = F^0_{00}
 *
 * (w_p sum to 4π; ω_k sum to 1 over the grid, the normalised Haar measure). Since the integral of a
 * band-limited signal is its l = 0 coefficient and the quadratures are exact for it, the readouts are
 * invariant to round-off on band-limited inputs, and up to aliasing on others (e.g. after a ReLU).
 */
import type { SphereGrid } from "../../domains/sphere/grid.js";
import { so3Grid } from "../../domains/sphere/so3.js";
import { Module } from "../../nn/module.js";
import "../../tensor/index.js";
import { ErlangenError } from "../../tensor/errors.js";
import { matmul } from "../../tensor/ops/linalg.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkSignal, constantAs } from "./common.js";

/** Mean over S² by quadrature: [B, C, ...grid.shape] → [B, C]. */
export class S2Integrate extends Module<[Tensor], Tensor> {
  readonly grid: SphereGrid;
  private readonly _w: Float64Array;
  private readonly _cache = new Map<string, Tensor>();

  constructor(grid: SphereGrid) {
    super();
    this.grid = grid;
    this._w = Float64Array.from(grid.weights, (w) => w / (4 * Math.PI));
  }

  forward(x: Tensor): Tensor {
    const B = checkSignal("S2Integrate", x, null, this.grid.shape, `${this.grid}`);
    const C = x.shape[1]!;
    const w = constantAs(this._cache, this._w, [this.grid.npix, 1], x.dtype);
    return matmul(x.reshape([B * C, this.grid.npix]), w).reshape([B, C]);
  }

  override extraRepr(): string {
    return `${this.grid}`;
  }
}

/** Mean over SO(3) by quadrature: [B, C, 2b, 2b, 2b] → [B, C]. */
export class SO3Integrate extends Module<[Tensor], Tensor> {
  readonly b: number;
  private readonly _w: Float64Array;
  private readonly _cache = new Map<string, Tensor>();

  /** @param b - resolution of the SO(3) grid (2b points per angle). */
  constructor(b: number) {
    super();
    if (!Number.isInteger(b) || b < 1)
      throw new ErlangenError(`SO3Integrate: argument 'b' expected an integer ≥ 1, got ${b}`);
    this.b = b;
    this._w = so3Grid(b).weights;
  }

  forward(x: Tensor): Tensor {
    const N = 2 * this.b;
    const B = checkSignal("SO3Integrate", x, null, [N, N, N], `the SO(3) grid of resolution ${this.b}`);
    const C = x.shape[1]!;
    const w = constantAs(this._cache, this._w, [N * N * N, 1], x.dtype);
    return matmul(x.reshape([B * C, N * N * N]), w).reshape([B, C]);
  }

  override extraRepr(): string {
    return `b=${this.b}`;
  }
}
