/**
 * Normalisation over the nodes of graphs.
 *
 * GraphNorm (Cai et al., "GraphNorm: A Principled Approach to Accelerating Graph Neural Network
 * Training", 2021), per graph g with learnt γ, β, α:
 *   x'_i = γ ⊙ (x_i − α ⊙ μ_g) / √(σ²_g + ε) + β,   μ_g = mean_{i ∈ g} x_i,  σ²_g = mean_{i ∈ g} (x_i − α ⊙ μ_g)²
 *
 * BatchNorm (PyG's `BatchNorm`): batch normalisation with statistics over all nodes of the batch,
 * x'_i = γ ⊙ (x_i − μ) / √(σ² + ε) + β, running statistics in eval mode.
 */

import { batchOrZeros, batchSize } from "../../domains/graph/pool.js";
import { Module, Parameter } from "../../nn/module.js";
import { BatchNorm1d, type BatchNormOptions } from "../../nn/normalization.js";
import { ones, zeros } from "../../tensor/creation.js";
import { check, fmtShape } from "../../tensor/errors.js";
import { add, div, mul, sqrt, square, sub } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { scatter } from "../../tensor/ops/scatter.js";
import type { Tensor } from "../../tensor/tensor.js";

/** Graph normalisation; see the file header. */
export class GraphNorm extends Module<[Tensor, (Tensor | null)?, (number | null)?], Tensor> {
  readonly inChannels: number;
  readonly eps: number;
  /** γ. */
  weight: Parameter;
  /** β. */
  bias: Parameter;
  /** α. */
  meanScale: Parameter;

  constructor(inChannels: number, opts: { eps?: number } = {}) {
    super();
    this.inChannels = inChannels;
    this.eps = opts.eps ?? 1e-5;
    this.weight = new Parameter(ones([inChannels]));
    this.bias = new Parameter(zeros([inChannels]));
    this.meanScale = new Parameter(ones([inChannels]));
  }

  /**
   * @param x - node features [N, inChannels].
   * @param batch - graph of each node [N] int32 (null: one graph).
   * @param batchSize - number of graphs.
   */
  forward(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
    check(
      x.ndim === 2 && x.shape[1] === this.inChannels,
      "GraphNorm",
      "x",
      `shape [N, ${this.inChannels}]`,
      fmtShape(x.shape),
    );
    const B = batchSize(x, batch, size);
    const b = batchOrZeros(batch, x.shape[0]!);
    const mean = scatter(x, b, 0, B, "mean");
    const out = sub(x, mul(indexSelect(mean, 0, b), this.meanScale));
    const variance = scatter(square(out), b, 0, B, "mean");
    const std = indexSelect(sqrt(add(variance, this.eps)), 0, b);
    return add(div(mul(out, this.weight), std), this.bias);
  }

  override extraRepr(): string {
    return `${this.inChannels}`;
  }
}

/** Batch normalisation over all nodes (a {@link BatchNorm1d} under `module`, as PyG's `BatchNorm`). */
export class BatchNorm extends Module<[Tensor], Tensor> {
  readonly inChannels: number;
  module: BatchNorm1d;

  constructor(inChannels: number, opts: BatchNormOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.module = new BatchNorm1d(inChannels, opts);
  }

  /** @param x - node features [N, inChannels]. */
  forward(x: Tensor): Tensor {
    return this.module.forward(x);
  }

  override extraRepr(): string {
    return `${this.inChannels}`;
  }
}
