/**
 * SO3Convolution (Cohen, Geiger, Köhler & Welling, "Spherical CNNs", ICLR 2018): the group correlation
 * of signals on SO(3) with learned filters:
 *
 *   [F ⋆ Ψ_o](R) = Σ_c ∫_{SO(3)} F_c(S) Ψ_{c,o}(R⁻¹S) dS + b_o,      G^l[o] = Σ_c F^l[c] · Ψ^l[c, o]ᵀ
 *
 * computed in the Fourier domain: the SO(3) Fourier transform of the input (degrees l < bOut), one
 * (2l+1)×(2l+1) matrix product per degree and channel pair, the inverse transform onto the
 * 2bOut × 2bOut × 2bOut grid. Filters are localised near the identity: Ψ = Σ_p w_p δ_{R_p} on s2cnn's
 * `so3_near_identity_grid`, so [F ⋆ Ψ](R) = Σ_p w_p F(R R_p) for the band-limited F, with spectrum
 * Ψ^l = Σ_p w_p D^l(R_p). Equivariant under left translation: [(Q·F) ⋆ Ψ](R) = [F ⋆ Ψ](Q⁻¹R) (exact
 * for inputs band-limited to bOut).
 *
 * Input [B, Cin, 2bIn, 2bIn, 2bIn] (bIn is the input grid's resolution, which may exceed its band limit);
 * output [B, Cout, 2r, 2r, 2r] (so3Grid's (β, α, γ) layout) with r = bOut or, with `resolution`, finer.
 */
import { type SO3Plan, so3CoeffCount, so3Fft, so3Ifft, so3Plan } from "../../domains/sphere/so3.js";
import { Module, Parameter } from "../../nn/module.js";
import "../../tensor/index.js";
import { ErlangenError } from "../../tensor/errors.js";
import { add, mul } from "../../tensor/ops/elementwise.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { type Generator, getDefaultGenerator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkSignal, constantAs, convResolution, uniformParameter } from "./common.js";
import { type SO3Point, so3FilterBasis, so3NearIdentityGrid } from "./filters.js";
import { so3Product } from "./spectral.js";

/** Options of {@link SO3Convolution}. */
export interface SO3ConvolutionOptions {
  /** Filter support (default `so3NearIdentityGrid()`: 192 rotations within π/8 tilt of the identity). */
  kernelGrid?: readonly SO3Point[];
  /** Add a learned constant per output channel (default true). */
  bias?: boolean;
  /**
   * Resolution r ≥ bOut of the output grid (default bOut): the output, band-limited to degrees l < bOut,
   * is synthesised on the 2r × 2r × 2r grid, so that a nonlinearity that follows aliases less.
   */
  resolution?: number;
  /** Generator of the initial weights (default the library's default generator). */
  generator?: Generator;
}

/** SO(3) → SO(3) group correlation; see the file header. */
export class SO3Convolution extends Module<[Tensor], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly bIn: number;
  readonly bOut: number;
  /** Resolution of the output grid (2·resolution points per Euler angle). */
  readonly resolution: number;
  readonly kernelGrid: readonly SO3Point[];
  /** Filter weights w [Cin, Cout, P], uniform in [−1, 1]. */
  kernel: Parameter;
  /** b [Cout] (zeros), or null. */
  bias: Parameter | null;
  /** Fixed scale 1/√(P·Cin) applied to the weights in the forward pass. */
  readonly scaling: number;
  private readonly _basis: Float64Array;
  private readonly _basisCache = new Map<string, Tensor>();
  private readonly _fft: SO3Plan;
  private readonly _ifft: SO3Plan;

  constructor(inChannels: number, outChannels: number, bIn: number, bOut: number, opts: SO3ConvolutionOptions = {}) {
    super();
    const resolution = convResolution("SO3Convolution", { inChannels, outChannels, bIn, bOut }, opts.resolution);
    if (bOut > bIn)
      throw new ErlangenError(`SO3Convolution: argument 'bOut' expected at most bIn = ${bIn}, got ${bOut}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.bIn = bIn;
    this.bOut = bOut;
    this.resolution = resolution;
    this.kernelGrid = opts.kernelGrid ?? so3NearIdentityGrid();
    const P = this.kernelGrid.length;
    this._basis = so3FilterBasis(this.kernelGrid, bOut);
    this.kernel = uniformParameter([inChannels, outChannels, P], opts.generator ?? getDefaultGenerator());
    this.bias = opts.bias === false ? null : new Parameter(new Tensor(new Float32Array(outChannels), [outChannels]));
    this.scaling = 1 / Math.sqrt(P * inChannels);
    this._fft = so3Plan(bIn, bOut);
    this._ifft = so3Plan(this.resolution, bOut);
  }

  /** The filters' spectra Ψ [Cin, Cout, bOut(4bOut²−1)/3] = (scaling · w) · D. */
  spectrum(): Tensor {
    const P = this.kernelGrid.length;
    const nc = so3CoeffCount(this.bOut);
    const D = constantAs(this._basisCache, this._basis, [P, nc], this.kernel.dtype);
    const w = mul(this.kernel, this.scaling).reshape([this.inChannels * this.outChannels, P]);
    return matmul(w, D).reshape([this.inChannels, this.outChannels, nc]);
  }

  /** @param x - signals [B, Cin, 2bIn, 2bIn, 2bIn]; returns [B, Cout, 2r, 2r, 2r] (r = `resolution`). */
  forward(x: Tensor): Tensor {
    const N = 2 * this.bIn;
    checkSignal("SO3Convolution", x, this.inChannels, [N, N, N], `the SO(3) grid of resolution ${this.bIn}`);
    const F = so3Fft(x, this._fft);
    const G = so3Product(F, this.spectrum(), this.bOut);
    let y = so3Ifft(G, this._ifft);
    if (this.bias !== null) y = add(y, this.bias.reshape([1, this.outChannels, 1, 1, 1]));
    return y;
  }

  override extraRepr(): string {
    const r = this.resolution !== this.bOut ? `, resolution=${this.resolution}` : "";
    return `${this.inChannels}, ${this.outChannels}, bIn=${this.bIn}, bOut=${this.bOut}${r}, kernel points=${this.kernelGrid.length}`;
  }
}
