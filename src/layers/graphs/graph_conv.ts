/**
 * GraphConv (Morris et al., "Weisfeiler and Leman Go Neural: Higher-order Graph Neural Networks", 2019):
 *
 *   x'_i = W_1 x_i + W_2 · ⊕_{j ∈ N(i)} e_ji · x_j          (⊕ = sum by default)
 *
 * with edge weights e_ji (default 1). W_2 carries the bias. Weighted sums (and unweighted means)
 * are linear in x_j and run as one cached sparse-dense product.
 */
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { check } from "../../tensor/errors.js";
import { add } from "../../tensor/ops/elementwise.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { AggrSpec } from "./aggregation.js";
import { MessagePassing, type NodeInput, type PropagateInputs } from "./message_passing.js";

/** Options of {@link GraphConv}. */
export interface GraphConvOptions {
  /** Aggregation (default `sum`). */
  aggr?: AggrSpec;
  /** Bias of W_2 (default true). */
  bias?: boolean;
}

/** The Weisfeiler-Leman graph convolution; see the file header. */
export class GraphConv extends MessagePassing<
  [NodeInput, Tensor | SparseMatrix, (Tensor | null)?, (readonly [number, number] | null)?],
  Tensor
> {
  /** Messages are x_j scaled by the per-edge weight `edgeWeight`. */
  protected override edgeWeightKey: string | null = "edgeWeight";
  readonly inChannels: number | readonly [number, number];
  readonly outChannels: number;
  /** W_2 (with bias) on the aggregated neighbours. */
  linRel: Linear;
  /** W_1 (no bias) on the root node. */
  linRoot: Linear;

  constructor(inChannels: number | readonly [number, number], outChannels: number, opts: GraphConvOptions = {}) {
    super({ aggr: opts.aggr ?? "sum" });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    const [inJ, inI] = typeof inChannels === "number" ? [inChannels, inChannels] : inChannels;
    this.linRel = graphLinear(this.aggrModule.outChannels(inJ), outChannels, { bias: opts.bias ?? true });
    this.linRoot = graphLinear(inI, outChannels, { bias: false });
  }

  /**
   * @param x - node features [N, F] or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param edgeWeight - optional [E] edge weights.
   */
  forward(
    x: NodeInput,
    edgeIndex: Tensor | SparseMatrix,
    edgeWeight: Tensor | null = null,
    size: readonly [number, number] | null = null,
  ): Tensor {
    const [xs, xt] = Array.isArray(x) ? (x as readonly [Tensor | null, Tensor | null]) : [x as Tensor, x as Tensor];
    check(xs !== null, "GraphConv", "x", "source features", "null");
    let out = this.propagate(edgeIndex, {
      x: [xs, xt],
      edgeWeight,
      size: size ?? [xs.shape[0]!, (xt ?? xs).shape[0]!],
    });
    out = this.linRel.forward(out);
    if (xt !== null) out = add(out, this.linRoot.forward(xt));
    return out;
  }

  protected override supportsFusion(inputs: PropagateInputs): boolean {
    const weighted = inputs.edgeWeight !== null && inputs.edgeWeight !== undefined;
    return this.aggr === "sum" || (this.aggr === "mean" && !weighted);
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}`;
  }
}
