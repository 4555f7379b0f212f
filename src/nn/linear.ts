/** Affine layers: `Linear`, `Bilinear`, and `Identity`. */

import { zeros } from "../tensor/creation.js";
import { checkAllocation, type DType } from "../tensor/dtype.js";
import { opError } from "../tensor/errors.js";
import type { Generator } from "../tensor/rng.js";
import type { SparseMatrix } from "../tensor/sparse.js";
import type { Tensor } from "../tensor/tensor.js";
import { bilinear, type LinearActivation, linear, linearAct } from "./functional.js";
import { glorot, kaimingUniform, uniform, zeros as zerosInit } from "./init.js";
import { Module, Parameter } from "./module.js";

/** Options of the layers that own parameters. */
export interface LayerOptions {
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
  /** Generator for the initial values (default: the global seeded one). */
  generator?: Generator;
}

/** The input of a linear map: dense features, or a SparseMatrix of node features (the product is then an SpMM). */
export type LinearInput = Tensor | SparseMatrix;

/**
 * Weight initialisations of {@link Linear}: PyTorch's default (`kaimingUniform`: weight Kaiming-uniform
 * with a = √5, bias U(±1/√inFeatures)) or Glorot (`glorot`: Glorot-uniform weight, zero bias, as PyG's
 * `weight_initializer='glorot'`).
 */
export type LinearInit = "kaimingUniform" | "glorot";

/** Options of {@link Linear} and {@link Bilinear}. */
export interface LinearOptions extends LayerOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

function checkSize(op: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) opError(op, arg, "a non-negative integer", String(v));
}

/**
 * `y = x·Wᵀ + b` (like `torch.nn.Linear`): `weight` is `[outFeatures, inFeatures]`, `bias` is
 * `[outFeatures]` or null. Initialised like PyTorch: weight by Kaiming-uniform with a = √5 (that is
 * U(±1/√inFeatures)), bias by U(±1/√inFeatures). The input may be a dense `[..., inFeatures]` tensor or a
 * {@link SparseMatrix} `[N, inFeatures]`.
 */
export class Linear extends Module<[Tensor | SparseMatrix], Tensor> {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkSize("Linear", "inFeatures", inFeatures);
    checkSize("Linear", "outFeatures", outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype: DType = opts.dtype ?? "float32";
    checkAllocation("Linear", dtype, outFeatures * inFeatures, [outFeatures, inFeatures]);
    this.weight = new Parameter(zeros([outFeatures, inFeatures], { dtype }));
    this.bias = opts.bias === false ? null : new Parameter(zeros([outFeatures], { dtype }));
    this.resetParameters(opts.generator);
  }

  /** Re-draws the parameters with `init` (default: PyTorch's initialisation; see {@link LinearInit}). */
  resetParameters(generator?: Generator, init: LinearInit = "kaimingUniform"): void {
    if (init === "glorot") {
      glorot(this.weight, { generator });
      if (this.bias !== null) zerosInit(this.bias);
      return;
    }
    kaimingUniform(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias !== null) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      uniform(this.bias, -bound, bound, { generator });
    }
  }

  forward(x: Tensor | SparseMatrix): Tensor {
    return linear(x, this.weight, this.bias);
  }

  /** `act(forward(x))` as one fused op ({@link linearAct}): ReLU or the shifted softplus. */
  forwardAct(x: Tensor | SparseMatrix, act: LinearActivation): Tensor {
    return linearAct(x, this.weight, this.bias, act);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * A {@link Linear} built the way the graph layers build theirs (PyG's `Linear` with a
 * `weight_initializer`): constructed with PyTorch's default, then re-drawn with `init` (default
 * `kaimingUniform`). Both draws come from the global seeded generator, so a seed gives the same
 * parameters in every layer that uses it.
 */
export function graphLinear(
  inChannels: number,
  outChannels: number,
  opts: { bias?: boolean; init?: LinearInit } = {},
): Linear {
  const lin = new Linear(inChannels, outChannels, { bias: opts.bias ?? true });
  lin.resetParameters(undefined, opts.init ?? "kaimingUniform");
  return lin;
}

/**
 * `y_k = x1ᵀ·W_k·x2 + b_k` (like `torch.nn.Bilinear`): `weight` is `[outFeatures, in1, in2]`; weight and
 * bias are initialised from U(±1/√in1).
 */
export class Bilinear extends Module<[Tensor, Tensor], Tensor> {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkSize("Bilinear", "in1Features", in1Features);
    checkSize("Bilinear", "in2Features", in2Features);
    checkSize("Bilinear", "outFeatures", outFeatures);
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    const dtype: DType = opts.dtype ?? "float32";
    this.weight = new Parameter(zeros([outFeatures, in1Features, in2Features], { dtype }));
    this.bias = opts.bias === false ? null : new Parameter(zeros([outFeatures], { dtype }));
    this.resetParameters(opts.generator);
  }

  /** Re-draws the parameters from U(±1/√in1Features). */
  resetParameters(generator?: Generator): void {
    const bound = this.in1Features > 0 ? 1 / Math.sqrt(this.in1Features) : 0;
    uniform(this.weight, -bound, bound, { generator });
    if (this.bias !== null) uniform(this.bias, -bound, bound, { generator });
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    return bilinear(x1, x2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1Features=${this.in1Features}, in2Features=${this.in2Features}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Returns its input unchanged. */
export class Identity extends Module<[Tensor], Tensor> {
  forward(x: Tensor): Tensor {
    return x;
  }
}
