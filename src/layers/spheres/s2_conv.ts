/**
 * S2Convolution (Cohen, Geiger, Köhler & Welling, "Spherical CNNs", ICLR 2018): the spherical
 * correlation of signals on S² with learned filters, a signal on SO(3):
 *
 *   [f ⋆ ψ_o](R) = Σ_c ∫_{S²} f_c(x) ψ_{c,o}(R⁻¹x) dx + b_o,      F^l_{mn}[o] = Σ_c f^l_m[c] · ψ^l_n[c, o]
 *
 * computed in the harmonic domain: the SHT of the input (degrees l < bOut), the outer product of
 * coefficient blocks with the filters' spectra, the inverse SO(3) Fourier transform onto the
 * 2bOut × 2bOut × 2bOut grid. Filters are localised near the north pole (+y): ψ = Σ_p w_p δ_{x_p} on
 * s2cnn's `s2_near_identity_grid`, so [f ⋆ ψ](R) = Σ_p w_p f(R x_p) for the band-limited f, and the
 * spectrum ψ^l_n = Σ_p w_p Y^l_n(x_p) is the weights times a fixed basis. Equivariant: rotating the
 * input by Q translates the output, [(Q·f) ⋆ ψ](R) = [f ⋆ ψ](Q⁻¹R) (exact for band-limited inputs on
 * an exact grid).
 *
 * Input [B, Cin, ...grid.shape] (default grid: Driscoll–Healy 2bIn × 2bIn); output [B, Cout, 2r, 2r, 2r]
 * in so3Grid's (β, α, γ) layout, on the grid of resolution r = bOut or, with `resolution`, a finer one.
 */
import type { SphereGrid } from "../../domains/sphere/grid.js";
import { driscollHealyGrid } from "../../domains/sphere/grid.js";
import { type SHTPlan, sht, shtPlan } from "../../domains/sphere/sht.js";
import { type SO3Plan, so3Ifft, so3Plan } from "../../domains/sphere/so3.js";
import { Module, Parameter } from "../../nn/module.js";
import "../../tensor/index.js";
import { ErlangenError } from "../../tensor/errors.js";
import { add, mul } from "../../tensor/ops/elementwise.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { type Generator, getDefaultGenerator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkSignal, constantAs, convResolution, uniformParameter } from "./common.js";
import { type S2Point, s2FilterBasis, s2NearIdentityGrid } from "./filters.js";
import { s2ToSO3Product } from "./spectral.js";

/** Options of {@link S2Convolution}. */
export interface S2ConvolutionOptions {
  /** Input grid (default `driscollHealyGrid(bIn)`); its band limit must be ≥ bOut. */
  grid?: SphereGrid;
  /** Filter support (default `s2NearIdentityGrid()`: 24 points within π/8 of the pole). */
  kernelGrid?: readonly S2Point[];
  /** Add a learned constant per output channel (default true). */
  bias?: boolean;
  /**
   * Resolution r ≥ bOut of the output grid (default bOut): the output, band-limited to degrees l < bOut,
   * is synthesised on the 2r × 2r × 2r SO(3) grid. A finer grid than the band limit needs lets a
   * pointwise nonlinearity that follows alias less (as e3nn's `SO3Activation` evaluates on a finer grid).
   */
  resolution?: number;
  /** Generator of the initial weights (default the library's default generator). */
  generator?: Generator;
}

/** S² → SO(3) spherical correlation; see the file header. */
export class S2Convolution extends Module<[Tensor], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly bIn: number;
  readonly bOut: number;
  /** Resolution of the output grid (2·resolution points per Euler angle). */
  readonly resolution: number;
  readonly grid: SphereGrid;
  readonly kernelGrid: readonly S2Point[];
  /** Filter weights w [Cin, Cout, P], uniform in [−1, 1] (s2cnn: order-one parameters for Adam). */
  kernel: Parameter;
  /** b [Cout] (zeros), or null. */
  bias: Parameter | null;
  /** Fixed scale 1/√(P·Cin) applied to the weights in the forward pass. */
  readonly scaling: number;
  private readonly _basis: Float64Array;
  private readonly _basisCache = new Map<string, Tensor>();
  private readonly _sht: SHTPlan;
  private readonly _so3: SO3Plan;

  constructor(inChannels: number, outChannels: number, bIn: number, bOut: number, opts: S2ConvolutionOptions = {}) {
    super();
    const resolution = convResolution("S2Convolution", { inChannels, outChannels, bIn, bOut }, opts.resolution);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.bIn = bIn;
    this.bOut = bOut;
    this.grid = opts.grid ?? driscollHealyGrid(bIn);
    if (this.grid.bandLimit < bOut)
      throw new ErlangenError(
        `S2Convolution: argument 'bOut' expected at most the input grid's band limit ${this.grid.bandLimit} (${this.grid}), got ${bOut}`,
      );
    this.resolution = resolution;
    this.kernelGrid = opts.kernelGrid ?? s2NearIdentityGrid();
    const P = this.kernelGrid.length;
    this._basis = s2FilterBasis(this.kernelGrid, bOut);
    this.kernel = uniformParameter([inChannels, outChannels, P], opts.generator ?? getDefaultGenerator());
    this.bias = opts.bias === false ? null : new Parameter(new Tensor(new Float32Array(outChannels), [outChannels]));
    this.scaling = 1 / Math.sqrt(P * inChannels);
    this._sht = shtPlan(this.grid, bOut);
    this._so3 = so3Plan(this.resolution, bOut);
  }

  /** The filters' spectra ψ [Cin, Cout, bOut²] = (scaling · w) · Y. */
  spectrum(): Tensor {
    const P = this.kernelGrid.length;
    const Y = constantAs(this._basisCache, this._basis, [P, this.bOut * this.bOut], this.kernel.dtype);
    const w = mul(this.kernel, this.scaling).reshape([this.inChannels * this.outChannels, P]);
    return matmul(w, Y).reshape([this.inChannels, this.outChannels, this.bOut * this.bOut]);
  }

  /** @param x - signals [B, Cin, ...grid.shape]; returns [B, Cout, 2r, 2r, 2r] (r = `resolution`). */
  forward(x: Tensor): Tensor {
    const B = checkSignal("S2Convolution", x, this.inChannels, this.grid.shape, `${this.grid}`);
    const L = this.bOut;
    const c = sht(x, this._sht).reshape([B, this.inChannels, L * L]);
    const F = s2ToSO3Product(c, this.spectrum(), L);
    let y = so3Ifft(F, this._so3);
    if (this.bias !== null) y = add(y, this.bias.reshape([1, this.outChannels, 1, 1, 1]));
    return y;
  }

  override extraRepr(): string {
    const r = this.resolution !== this.bOut ? `, resolution=${this.resolution}` : "";
    return `${this.inChannels}, ${this.outChannels}, bIn=${this.bIn}, bOut=${this.bOut}${r}, kernel points=${this.kernelGrid.length}`;
  }
}
