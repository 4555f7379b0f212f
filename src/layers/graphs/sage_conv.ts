/**
 * SAGEConv (Hamilton et al., "Inductive Representation Learning on Large Graphs", 2017):
 *
 *   x'_i = W_1 x_i + W_2 · ⊕_{j ∈ N(i)} x_j          (⊕ = mean by default; also sum, max, ...)
 *
 * optionally followed by x'_i ← x'_i / ‖x'_i‖₂ (`normalize`). With `project`, sources are first mapped
 * by x_j ← ReLU(W_3 x_j + b_3). A `[xSource, xTarget]` pair gives bipartite message passing. For sum
 * and mean the message is linear: the layer then runs one cached sparse-dense product, and applies
 * W_2 before aggregating when that is cheaper (outChannels < inChannels); bias is added after.
 */
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { check } from "../../tensor/errors.js";
import { add, clamp, div, relu } from "../../tensor/ops/elementwise.js";
import { norm } from "../../tensor/ops/reduce.js";
import { SparseMatrix, spmm } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { AggrSpec } from "./aggregation.js";
import { MessagePassing, type NodeInput } from "./message_passing.js";

/** Options of {@link SAGEConv}. */
export interface SAGEConvOptions {
  /** Neighbourhood aggregation (default `mean`). */
  aggr?: AggrSpec;
  /** L2-normalise the output rows (default false). */
  normalize?: boolean;
  /** Add the transformed root features W_1 x_i (default true). */
  rootWeight?: boolean;
  /** Map source features through Linear + ReLU before aggregating (default false). */
  project?: boolean;
  /** Bias of W_2 (default true). */
  bias?: boolean;
}

/** GraphSAGE convolution; see the file header. */
export class SAGEConv extends MessagePassing<
  [NodeInput | SparseMatrix, Tensor | SparseMatrix, (readonly [number, number] | null)?],
  Tensor
> {
  readonly inChannels: number | readonly [number, number];
  readonly outChannels: number;
  readonly normalize: boolean;
  readonly rootWeight: boolean;
  readonly project: boolean;
  /** Projection of the sources (`project` only). */
  lin: Linear | null;
  /** W_2 (with the bias), applied to the aggregated neighbours. */
  linL: Linear;
  /** W_1 (no bias), applied to the root node (`rootWeight` only). */
  linR: Linear | null;

  /** @param inChannels - input size, or `[sourceSize, targetSize]` for bipartite graphs. */
  constructor(inChannels: number | readonly [number, number], outChannels: number, opts: SAGEConvOptions = {}) {
    super({ aggr: opts.aggr ?? "mean" });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.normalize = opts.normalize ?? false;
    this.rootWeight = opts.rootWeight ?? true;
    this.project = opts.project ?? false;
    const [inJ, inI] = typeof inChannels === "number" ? [inChannels, inChannels] : inChannels;
    this.lin = this.project ? graphLinear(inJ, inJ, { bias: true }) : null;
    const aggrOut = this.aggrModule.outChannels(inJ);
    this.linL = graphLinear(aggrOut, outChannels, { bias: opts.bias ?? true });
    this.linR = this.rootWeight ? graphLinear(inI, outChannels, { bias: false }) : null;
  }

  /**
   * @param x - node features [N, inChannels] (dense, or a SparseMatrix), or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param size - `[numSources, numTargets]` when it cannot be read from `x`.
   */
  forward(
    x: NodeInput | SparseMatrix,
    edgeIndex: Tensor | SparseMatrix,
    size: readonly [number, number] | null = null,
  ): Tensor {
    const sparse = x instanceof SparseMatrix ? x : null;
    const linear = this.aggr === "sum" || this.aggr === "mean";
    if (sparse !== null && (!linear || this.lin !== null)) return this.forward(sparse.toDense(), edgeIndex, size);
    if (sparse !== null) {
      // Sparse features: W_2 and W_1 are sparse-dense products.
      const h = spmm(sparse, this.linL.weight.t());
      let out = this.propagate(edgeIndex, { x: h, size: size ?? [sparse.rows, sparse.rows] });
      if (this.linL.bias !== null && this.linL.bias !== undefined) out = add(out, this.linL.bias);
      if (this.linR !== null) out = add(out, this.linR.forward(sparse));
      if (this.normalize) out = div(out, clamp(norm(out, 2, -1, true), 1e-12));
      return out;
    }
    let [xs, xt] = Array.isArray(x) ? (x as readonly [Tensor | null, Tensor | null]) : [x as Tensor, x as Tensor];
    check(xs !== null, "SAGEConv", "x", "source features", "null");
    if (this.lin !== null) xs = relu(this.lin.forward(xs));
    const early = linear && this.linL.weight.shape[0]! < this.linL.weight.shape[1]!;
    let out: Tensor;
    if (early) {
      // W_2 commutes with sum/mean: transform the sources first, add the bias after aggregating.
      const h = xs.matmul(this.linL.weight.t());
      out = this.propagate(edgeIndex, { x: [h, xt], size: size ?? [xs.shape[0]!, (xt ?? xs).shape[0]!] });
      if (this.linL.bias !== null && this.linL.bias !== undefined) out = add(out, this.linL.bias);
    } else {
      out = this.propagate(edgeIndex, { x: [xs, xt], size: size ?? [xs.shape[0]!, (xt ?? xs).shape[0]!] });
      out = this.linL.forward(out);
    }
    if (this.linR !== null && xt !== null) out = add(out, this.linR.forward(xt));
    if (this.normalize) out = div(out, clamp(norm(out, 2, -1, true), 1e-12));
    return out;
  }

  protected override supportsFusion(): boolean {
    return this.aggr === "sum" || this.aggr === "mean";
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}, aggr=${this.aggr ?? "multi"}`;
  }
}
