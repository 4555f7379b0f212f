/**
 * Batch normalisation of signals on S² and SO(3), with statistics taken by the grid's quadrature:
 *
 *   μ_c = (1/B) Σ_b ∫ f_{b,c} dμ,   σ²_c = (1/B) Σ_b ∫ (f_{b,c} − μ_c)² dμ,
 *   y_{b,c} = γ_c (f_{b,c} − μ_c) / √(σ²_c + ε) + β_c
 *
 * (dμ the normalised measure: Σ_p w_p / 4π on S², Σ ω_k on SO(3)). μ and σ² are integrals, hence
 * rotation invariant, and subtracting or scaling by invariant constants commutes with rotations, so the
 * layer is equivariant — exactly when the quadrature integrates the signal and its square exactly,
 * which both grids of resolution b do for signals of degree < b.
 * Running averages (momentum 0.1) replace the batch statistics in eval mode, as in `BatchNorm1d`.
 */
import type { SphereGrid } from "../../domains/sphere/grid.js";
import { so3Grid } from "../../domains/sphere/so3.js";
import { Module, Parameter } from "../../nn/module.js";
import { noGrad } from "../../tensor/autograd.js";
import "../../tensor/index.js";
import { ErlangenError } from "../../tensor/errors.js";
import { add, mul, rsqrt, square, sub } from "../../tensor/ops/elementwise.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkSignal, constantAs } from "./common.js";

/** Options of the quadrature batch norms. */
export interface SphericalBatchNormOptions {
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1). */
  momentum?: number;
  /** Learn γ and β (default true). */
  affine?: boolean;
}

/** Batch norm of signals [B, C, ...tail] with the quadrature weights `weights` (summing to 1) over the tail. */
export class QuadratureBatchNorm extends Module<[Tensor], Tensor> {
  readonly numChannels: number;
  readonly tail: readonly number[];
  readonly eps: number;
  readonly momentum: number;
  /** γ [C] (ones) or null. */
  weight: Parameter | null;
  /** β [C] (zeros) or null. */
  bias: Parameter | null;
  private readonly _w: Float64Array;
  private readonly _cache = new Map<string, Tensor>();
  private readonly _what: string;

  constructor(
    numChannels: number,
    tail: readonly number[],
    weights: Float64Array,
    what: string,
    opts: SphericalBatchNormOptions = {},
  ) {
    super();
    if (!Number.isInteger(numChannels) || numChannels < 1)
      throw new ErlangenError(`${new.target.name}: argument 'numChannels' expected an integer ≥ 1, got ${numChannels}`);
    this.numChannels = numChannels;
    this.tail = [...tail];
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this._w = weights;
    this._what = what;
    const affine = opts.affine ?? true;
    this.weight = affine ? new Parameter(new Tensor(new Float32Array(numChannels).fill(1), [numChannels])) : null;
    this.bias = affine ? new Parameter(new Tensor(new Float32Array(numChannels), [numChannels])) : null;
    this.registerBuffer("running_mean", new Tensor(new Float32Array(numChannels), [numChannels]));
    this.registerBuffer("running_var", new Tensor(new Float32Array(numChannels).fill(1), [numChannels]));
  }

  forward(x: Tensor): Tensor {
    const B = checkSignal(this.constructor.name, x, this.numChannels, this.tail, this._what);
    const C = this.numChannels;
    const P = this._w.length;
    const w = constantAs(this._cache, this._w, [P, 1], x.dtype);
    const xf = x.reshape([B, C, P]);
    if (this.training) {
      // per (b, c) integrals, then the batch average: [B·C, P] @ [P, 1]
      const m = matmul(xf.reshape([B * C, P]), w)
        .reshape([B, C])
        .sum(0)
        .div(B);
      const centred = sub(xf, m.reshape([1, C, 1]));
      const v = matmul(square(centred).reshape([B * C, P]), w)
        .reshape([B, C])
        .sum(0)
        .div(B);
      noGrad(() => {
        const rm = this.getBuffer("running_mean")!;
        const rv = this.getBuffer("running_var")!;
        const k = this.momentum;
        for (let c = 0; c < C; c++) {
          rm.data[c] = (1 - k) * rm.data[c]! + k * m.data[c]!;
          rv.data[c] = (1 - k) * rv.data[c]! + k * v.data[c]!;
        }
      });
      let scale = rsqrt(add(v, this.eps));
      if (this.weight !== null) scale = mul(scale, this.weight);
      let y = mul(centred, scale.reshape([1, C, 1]));
      if (this.bias !== null) y = add(y, this.bias.reshape([1, C, 1]));
      return y.reshape(x.shape);
    }
    // eval: y = a·x + c with a = γ/√(σ² + ε), c = β − a·μ (two passes over the signal)
    let a = rsqrt(add(this.getBuffer("running_var")!.cast(x.dtype), this.eps));
    if (this.weight !== null) a = mul(a, this.weight);
    let c = mul(a, this.getBuffer("running_mean")!.cast(x.dtype)).neg();
    if (this.bias !== null) c = add(c, this.bias);
    const y = add(mul(xf, a.reshape([1, C, 1])), c.reshape([1, C, 1]));
    return y.reshape(x.shape);
  }

  override extraRepr(): string {
    return `${this.numChannels}, ${this._what}, eps=${this.eps}, momentum=${this.momentum}`;
  }
}

/** Batch norm of S² signals [B, C, ...grid.shape] by the grid's quadrature; see the file header. */
export class S2BatchNorm extends QuadratureBatchNorm {
  constructor(numChannels: number, grid: SphereGrid, opts: SphericalBatchNormOptions = {}) {
    super(
      numChannels,
      grid.shape,
      Float64Array.from(grid.weights, (w) => w / (4 * Math.PI)),
      `${grid}`,
      opts,
    );
  }
}

/** Batch norm of SO(3) signals [B, C, 2b, 2b, 2b] by the grid's quadrature; see the file header. */
export class SO3BatchNorm extends QuadratureBatchNorm {
  constructor(numChannels: number, b: number, opts: SphericalBatchNormOptions = {}) {
    if (!Number.isInteger(b) || b < 1)
      throw new ErlangenError(`SO3BatchNorm: argument 'b' expected an integer ≥ 1, got ${b}`);
    super(numChannels, [2 * b, 2 * b, 2 * b], so3Grid(b).weights, `the SO(3) grid of resolution ${b}`, opts);
  }
}
