/**
 * Learnt readouts (graph-level aggregations over the nodes of each graph):
 *
 * AttentionalAggregation (Li et al., "Gated Graph Sequence Neural Networks", 2016):
 *   r_g = Σ_{i ∈ g} softmax_{i ∈ g}( h_gate(x_i) ) ⊙ h_Θ(x_i)
 *
 * Set2Set (Vinyals et al., "Order Matters: Sequence to sequence for sets", 2016), T steps:
 *   q_t = LSTM(q*_{t−1}),  α_i = softmax_{i ∈ g}(x_i · q_t),  r_t = Σ_i α_i x_i,  q*_t = q_t ‖ r_t
 *
 * Both are invariant to permutations of the nodes within each graph.
 */

import { batchOrZeros, batchSize } from "../../domains/graph/pool.js";
import { Module } from "../../nn/module.js";
import { LSTMCell } from "../../nn/rnn.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape } from "../../tensor/errors.js";
import { mul } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { sum } from "../../tensor/ops/reduce.js";
import { scatter, scatterSoftmax } from "../../tensor/ops/scatter.js";
import { concat } from "../../tensor/ops/shape.js";
import type { Tensor } from "../../tensor/tensor.js";

/** Attention-weighted sum readout; see the file header. */
export class AttentionalAggregation extends Module<[Tensor, (Tensor | null)?, (number | null)?], Tensor> {
  /** h_gate: [N, F] → [N, 1] (one gate per node) or [N, F'] (per channel). */
  gateNn: Module<[Tensor], Tensor>;
  /** h_Θ (identity when null). */
  nn: Module<[Tensor], Tensor> | null;

  constructor(gateNn: Module<[Tensor], Tensor>, nn: Module<[Tensor], Tensor> | null = null) {
    super();
    this.gateNn = gateNn;
    this.nn = nn;
  }

  /**
   * @param x - node features [N, F].
   * @param batch - graph of each node [N] int32 (null: one graph).
   * @param size - number of graphs.
   */
  forward(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
    const B = batchSize(x, batch, size);
    const b = batchOrZeros(batch, x.shape[0]!);
    const gate = this.gateNn.forward(x);
    check(
      gate.ndim === 2 && gate.shape[0] === x.shape[0],
      "AttentionalAggregation",
      "gateNn(x)",
      `shape [${x.shape[0]}, 1 or F]`,
      fmtShape(gate.shape),
    );
    const h = this.nn === null ? x : this.nn.forward(x);
    const alpha = scatterSoftmax(gate, b, B);
    return scatter(mul(alpha, h), b, 0, B, "sum");
  }
}

/** The Set2Set readout; output size 2·inChannels. See the file header. */
export class Set2Set extends Module<[Tensor, (Tensor | null)?, (number | null)?], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly processingSteps: number;
  /** The LSTM (one layer; input 2·inChannels, hidden inChannels). */
  lstm: LSTMCell;

  constructor(inChannels: number, processingSteps: number) {
    super();
    this.inChannels = inChannels;
    this.outChannels = 2 * inChannels;
    this.processingSteps = processingSteps;
    this.lstm = new LSTMCell(this.outChannels, inChannels);
  }

  /**
   * @param x - node features [N, inChannels].
   * @param batch - graph of each node [N] int32 (null: one graph).
   * @param size - number of graphs.
   */
  forward(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
    check(
      x.ndim === 2 && x.shape[1] === this.inChannels,
      "Set2Set",
      "x",
      `shape [N, ${this.inChannels}]`,
      fmtShape(x.shape),
    );
    const B = batchSize(x, batch, size);
    const b = batchOrZeros(batch, x.shape[0]!);
    let state: [Tensor, Tensor] | null = null;
    let qStar = zeros([B, this.outChannels], { dtype: x.dtype });
    for (let t = 0; t < this.processingSteps; t++) {
      state = this.lstm.forward(qStar, state);
      const q = state[0];
      const e = sum(mul(x, indexSelect(q, 0, b)), -1, true);
      const a = scatterSoftmax(e, b, B);
      const r = scatter(mul(a, x), b, 0, B, "sum");
      qStar = concat([q, r], -1);
    }
    return qStar;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, processingSteps=${this.processingSteps}`;
  }
}
