/**
 * The permutation-equivariant linear layer of DeepSets (Zaheer et al., "Deep Sets", 2017, Lemma 3):
 * for the elements x_i of a set,
 *
 *   y_i = Λ x_i + Γ pool_{j ∈ set(i)} x_j + b          (pool = mean by default; sum or max)
 *
 * Every linear map of [N, F] features that commutes with all permutations of the N elements has this
 * form (with a sum pool); stacking it with pointwise nonlinearities gives permutation-equivariant set
 * networks, and a pooling readout ({@link DeepSets}) invariant ones. Sets are given by a `batch` vector.
 */

import { batchSize } from "../../domains/graph/pool.js";
import { Linear, type LinearOptions } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { opError } from "../../tensor/errors.js";
import { add } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { scatter } from "../../tensor/ops/scatter.js";
import { Tensor } from "../../tensor/tensor.js";

/** Options of {@link DeepSetsLayer}. */
export interface DeepSetsLayerOptions extends LinearOptions {
  /** How the set is pooled for Γ (default `mean`). */
  pool?: "mean" | "sum" | "max";
}

/** y_i = Λ x_i + Γ pool(x)_{set(i)} + b; see the file header. */
export class DeepSetsLayer extends Module<[Tensor, (Tensor | null)?, (number | null)?], Tensor> {
  /** Λ (with the bias b). */
  lambda: Linear;
  /** Γ (no bias). */
  gamma: Linear;
  readonly pool: "mean" | "sum" | "max";

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    opts: DeepSetsLayerOptions = {},
  ) {
    super();
    const pool = opts.pool ?? "mean";
    if (pool !== "mean" && pool !== "sum" && pool !== "max")
      opError("DeepSetsLayer", "pool", "'mean', 'sum' or 'max'", String(pool));
    this.pool = pool;
    this.lambda = new Linear(inChannels, outChannels, opts);
    this.gamma = new Linear(inChannels, outChannels, { ...opts, bias: false });
  }

  /**
   * @param x - elements [N, inChannels].
   * @param batch - set of each element [N] int32 (null: one set).
   * @param size - number of sets (default: max id + 1).
   */
  forward(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.inChannels)
      opError("DeepSetsLayer", "x", `shape [N, ${this.inChannels}]`, `[${x.shape.join(", ")}]`);
    const N = x.shape[0]!;
    const b = batch ?? new Tensor(new Int32Array(N), [N], "int32");
    if (b.dtype !== "int32" || b.ndim !== 1 || b.shape[0] !== N)
      opError("DeepSetsLayer", "batch", `int32 [${N}]`, `${b.dtype} [${b.shape.join(", ")}]`);
    const B = batchSize(x, batch, size);
    const pooled = scatter(x, b, 0, B, this.pool);
    return add(this.lambda.forward(x), indexSelect(this.gamma.forward(pooled), 0, b));
  }

  override extraRepr(): string {
    return `${this.inChannels} -> ${this.outChannels}, pool=${this.pool}`;
  }
}
