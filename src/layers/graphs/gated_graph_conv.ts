/**
 * GatedGraphConv (Li et al., "Gated Graph Sequence Neural Networks", 2016):
 *
 *   h_i^(0) = x_i ‖ 0,   m_i^(l+1) = Σ_{j ∈ N(i)} e_ji · Θ^(l) h_j^(l),   h_i^(l+1) = GRU(m_i^(l+1), h_i^(l))
 *
 * for `numLayers` steps (the GRU cell is `nn`'s GRUCell); the input is zero-padded to `outChannels`. The message is linear, so each
 * step is one cached sparse-dense product.
 */
import { uniform } from "../../nn/init.js";
import { Parameter } from "../../nn/module.js";
import { GRUCell } from "../../nn/rnn.js";
import { zeros } from "../../tensor/creation.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { concat } from "../../tensor/ops/shape.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { AggrSpec } from "./aggregation.js";
import { MessagePassing } from "./message_passing.js";

/** Options of {@link GatedGraphConv}. */
export interface GatedGraphConvOptions {
  /** Aggregation (default `sum`). */
  aggr?: AggrSpec;
  /** Biases of the GRU (default true). */
  bias?: boolean;
}

/** Gated graph convolution; see the file header. */
export class GatedGraphConv extends MessagePassing<[Tensor, Tensor | SparseMatrix, (Tensor | null)?], Tensor> {
  /** Messages are x_j scaled by the per-edge weight `edgeWeight`. */
  protected override edgeWeightKey: string | null = "edgeWeight";
  readonly outChannels: number;
  readonly numLayers: number;
  /** Θ^(0..L−1), [numLayers, outChannels, outChannels]. */
  weight: Parameter;
  rnn: GRUCell;

  constructor(outChannels: number, numLayers: number, opts: GatedGraphConvOptions = {}) {
    super({ aggr: opts.aggr ?? "sum" });
    this.outChannels = outChannels;
    this.numLayers = numLayers;
    const b = 1 / Math.sqrt(outChannels);
    this.weight = new Parameter(uniform(zeros([numLayers, outChannels, outChannels]), -b, b));
    this.rnn = new GRUCell(outChannels, outChannels, { bias: opts.bias ?? true });
  }

  /**
   * @param x - node features [N, F] with F ≤ outChannels.
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param edgeWeight - optional [E] edge weights.
   */
  forward(x: Tensor, edgeIndex: Tensor | SparseMatrix, edgeWeight: Tensor | null = null): Tensor {
    const N = x.shape[0]!;
    const F = x.shape[x.ndim - 1]!;
    if (x.ndim !== 2 || F > this.outChannels) {
      opError(
        "GatedGraphConv",
        "x",
        `a 2-D tensor with at most ${this.outChannels} features (outChannels)`,
        fmtShape(x.shape),
      );
    }
    const { edgeIndex: ei, edgeWeight: w } = this.edgesOf(edgeIndex, edgeWeight, N);
    let h = F < this.outChannels ? concat([x, zeros([N, this.outChannels - F], { dtype: x.dtype })], 1) : x;
    const W = this.weight.cast(x.dtype);
    for (let l = 0; l < this.numLayers; l++) {
      const m = h.matmul(W.narrow(0, l, 1).reshape(this.outChannels, this.outChannels));
      const agg = this.propagate(ei, { x: m, edgeWeight: w, size: [N, N] });
      h = this.rnn.forward(agg, h);
    }
    return h;
  }

  protected override supportsFusion(): boolean {
    return this.aggr === "sum";
  }

  override extraRepr(): string {
    return `${this.outChannels}, numLayers=${this.numLayers}`;
  }
}
