/**
 * ZonalConv (Esteves, Allen-Blanchette, Makadia & Daniilidis, "Learning SO(3) Equivariant
 * Representations with Spherical CNNs", ECCV 2018): S² → S² convolution with zonal filters
 * (symmetric about the north pole), a product of harmonic coefficients degree by degree:
 *
 *   (f ∗ h)^l_m = 2π √(4π / (2l+1)) · f^l_m · h^l_0,      g^l_m[o] = Σ_c k_l[c, o] f^l_m[c] + b_o δ_{l0}
 *
 * (the Driscoll–Healy convolution theorem in the orthonormal basis). The filters are localised by
 * spectral smoothness, as in the paper: the spectrum h^l_0 is learned at `anchors` degrees spread
 * evenly over 0..L−1 and linearly interpolated in between, so a filter has `anchors` parameters per
 * channel pair whatever the band limit. The layer runs the SHT of the input grid up to degree L − 1,
 * the per-degree channel mixing, and the inverse SHT onto the output grid: with a coarser output grid
 * it also reduces the band limit (the paper's spectral pooling). Equivariant: rotating the input
 * rotates the output (exact for band-limited inputs on exact grids).
 *
 * Input [B, Cin, ...gridIn.shape]; output [B, Cout, ...gridOut.shape].
 */
import type { SphereGrid } from "../../domains/sphere/grid.js";
import { isht, type SHTPlan, sht, shtPlan } from "../../domains/sphere/sht.js";
import { Module, Parameter } from "../../nn/module.js";
import "../../tensor/index.js";
import { ErlangenError } from "../../tensor/errors.js";
import { add, mul } from "../../tensor/ops/elementwise.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { getDefaultGenerator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkSignal, constantAs, uniformParameter } from "./common.js";
import { zonalProduct } from "./spectral.js";

/** Options of {@link ZonalConv}. */
export interface ZonalConvOptions {
  /** Input grid. */
  gridIn: SphereGrid;
  /** Output grid (default gridIn). */
  gridOut?: SphereGrid;
  /** Band limit: degrees l < L (default min of the two grids' band limits). */
  L?: number;
  /** Degrees at which the spectrum is learned (default max(2, ⌈L/4⌉); at most L). */
  anchors?: number;
  /** Add a learned constant per output channel (default true). */
  bias?: boolean;
}

/**
 * The [anchors, L] matrix of linear interpolation from `anchors` values at degrees
 * l_a = a(L−1)/(anchors−1) to every degree l < L (one anchor: a constant spectrum).
 */
export function anchorInterpolation(anchors: number, L: number): Float64Array {
  const out = new Float64Array(anchors * L);
  if (anchors === 1) {
    out.fill(1);
    return out;
  }
  for (let l = 0; l < L; l++) {
    const t = L === 1 ? 0 : (l * (anchors - 1)) / (L - 1);
    const a = Math.min(anchors - 2, Math.floor(t));
    const u = t - a;
    out[a * L + l] = 1 - u;
    out[(a + 1) * L + l] = u;
  }
  return out;
}

/** S² → S² convolution with zonal filters; see the file header. */
export class ZonalConv extends Module<[Tensor], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly gridIn: SphereGrid;
  readonly gridOut: SphereGrid;
  readonly L: number;
  readonly anchors: number;
  /** Spectrum values h at the anchor degrees [Cin, Cout, anchors], uniform in [−1, 1]. */
  weight: Parameter;
  /** b [Cout] (zeros), or null: a constant added to each output channel. */
  bias: Parameter | null;
  /** Fixed scale 1/√Cin applied to the weights in the forward pass. */
  readonly scaling: number;
  /** 2π√(4π/(2l+1)) times the interpolation matrix, [anchors, L]. */
  private readonly _interp: Float64Array;
  private readonly _interpCache = new Map<string, Tensor>();
  private readonly _shtIn: SHTPlan;
  private readonly _shtOut: SHTPlan;

  constructor(inChannels: number, outChannels: number, opts: ZonalConvOptions) {
    super();
    for (const [k, v] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new ErlangenError(`ZonalConv: argument '${k}' expected an integer ≥ 1, got ${v}`);
    if (opts?.gridIn === undefined)
      throw new ErlangenError("ZonalConv: argument 'opts.gridIn' expected a SphereGrid, got undefined");
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.gridIn = opts.gridIn;
    this.gridOut = opts.gridOut ?? opts.gridIn;
    const Lmax = Math.min(this.gridIn.bandLimit, this.gridOut.bandLimit);
    this.L = opts.L ?? Lmax;
    if (!Number.isInteger(this.L) || this.L < 1 || this.L > Lmax)
      throw new ErlangenError(
        `ZonalConv: argument 'L' expected an integer in [1, ${Lmax}] (the grids' band limits), got ${opts.L}`,
      );
    this.anchors = opts.anchors ?? Math.min(this.L, Math.max(2, Math.ceil(this.L / 4)));
    if (!Number.isInteger(this.anchors) || this.anchors < 1 || this.anchors > this.L)
      throw new ErlangenError(
        `ZonalConv: argument 'anchors' expected an integer in [1, L = ${this.L}], got ${opts.anchors}`,
      );
    const interp = anchorInterpolation(this.anchors, this.L);
    for (let a = 0; a < this.anchors; a++)
      for (let l = 0; l < this.L; l++) interp[a * this.L + l]! *= 2 * Math.PI * Math.sqrt((4 * Math.PI) / (2 * l + 1));
    this._interp = interp;
    this.weight = uniformParameter([inChannels, outChannels, this.anchors], getDefaultGenerator());
    this.bias = opts.bias === false ? null : new Parameter(new Tensor(new Float32Array(outChannels), [outChannels]));
    this.scaling = 1 / (2 * Math.PI * Math.sqrt(4 * Math.PI) * Math.sqrt(inChannels));
    this._shtIn = shtPlan(this.gridIn, this.L);
    this._shtOut = shtPlan(this.gridOut, this.L);
  }

  /** The per-degree weights k [Cin, Cout, L] = 2π√(4π/(2l+1)) · interpolated (scaling · h). */
  spectrum(): Tensor {
    const M = constantAs(this._interpCache, this._interp, [this.anchors, this.L], this.weight.dtype);
    const h = mul(this.weight, this.scaling).reshape([this.inChannels * this.outChannels, this.anchors]);
    return matmul(h, M).reshape([this.inChannels, this.outChannels, this.L]);
  }

  /** @param x - signals [B, Cin, ...gridIn.shape]; returns [B, Cout, ...gridOut.shape]. */
  forward(x: Tensor): Tensor {
    const B = checkSignal("ZonalConv", x, this.inChannels, this.gridIn.shape, `${this.gridIn}`);
    const L = this.L;
    const c = sht(x, this._shtIn).reshape([B, this.inChannels, L * L]);
    const g = zonalProduct(c, this.spectrum(), L);
    let y = isht(g, this._shtOut);
    if (this.bias !== null) {
      const ones = this.gridOut.shape.map(() => 1);
      y = add(y, this.bias.reshape([1, this.outChannels, ...ones]));
    }
    return y;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, L=${this.L}, anchors=${this.anchors}, ${this.gridIn} → ${this.gridOut}`;
  }
}
