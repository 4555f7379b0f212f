/**
 * DeepSets (Zaheer et al., "Deep Sets", 2017): the universal form of a permutation-invariant
 * function of a set,
 *
 *   f(X) = ρ( ⊕_{x ∈ X} φ(x) )          (⊕ = sum by default; any aggregation)
 *
 * over the sets of a `batch` vector: [N, F] → [B, F'].
 */

import { batchOrZeros, batchSize } from "../../domains/graph/pool.js";
import { Module } from "../../nn/module.js";
import type { Tensor } from "../../tensor/tensor.js";
import { type Aggregation, type AggrSpec, resolveAggregation } from "./aggregation.js";

/** Sum-decomposition model of set functions; see the file header. */
export class DeepSets extends Module<[Tensor, (Tensor | null)?, (number | null)?], Tensor> {
  /** φ, applied to every element. */
  phi: Module<[Tensor], Tensor>;
  /** ρ, applied to the pooled representation. */
  rho: Module<[Tensor], Tensor>;
  aggr: Aggregation;

  constructor(phi: Module<[Tensor], Tensor>, rho: Module<[Tensor], Tensor>, opts: { aggr?: AggrSpec } = {}) {
    super();
    this.phi = phi;
    this.rho = rho;
    this.aggr = resolveAggregation(opts.aggr ?? "sum");
  }

  /**
   * @param x - elements [N, F].
   * @param batch - set of each element [N] int32 (null: one set).
   * @param size - number of sets.
   */
  forward(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
    const B = batchSize(x, batch, size);
    const b = batchOrZeros(batch, x.shape[0]!);
    return this.rho.forward(this.aggr.forward(this.phi.forward(x), b, B));
  }
}
