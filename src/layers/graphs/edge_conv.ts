/**
 * EdgeConv and DynamicEdgeConv (Wang et al., "Dynamic Graph CNN for Learning on Point Clouds", 2019):
 *
 *   x'_i = ⊕_{j ∈ N(i)} h_Θ( x_i ‖ x_j − x_i )          (⊕ = max by default)
 *
 * DynamicEdgeConv rebuilds N(i) at every call as the k nearest neighbours of x_i in feature space
 * (Euclidean, the point itself included, as PyG's `knn`), separately within each graph of a batch
 * (the k-d tree search of `domains/graph`'s `knnGraph`).
 */

import { knnGraph } from "../../domains/graph/nearest.js";
import type { Module } from "../../nn/module.js";
import { check } from "../../tensor/errors.js";
import { sub } from "../../tensor/ops/elementwise.js";
import { concat } from "../../tensor/ops/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { AggrSpec } from "./aggregation.js";
import { type MessageInputs, MessagePassing, type NodeInput } from "./message_passing.js";

/** Edge convolution on a given graph; see the file header. */
export class EdgeConv extends MessagePassing<[NodeInput, Tensor], Tensor> {
  /** h_Θ: 2F → F'. */
  nn: Module<[Tensor], Tensor>;

  constructor(nn: Module<[Tensor], Tensor>, opts: { aggr?: AggrSpec } = {}) {
    super({ aggr: opts.aggr ?? "max" });
    this.nn = nn;
  }

  /**
   * @param x - node features [N, F] or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32.
   */
  forward(x: NodeInput, edgeIndex: Tensor): Tensor {
    const [xs, xt] = Array.isArray(x) ? (x as readonly [Tensor | null, Tensor | null]) : [x as Tensor, x as Tensor];
    check(xs !== null && xt !== null, "EdgeConv", "x", "source and target features", "null");
    return this.propagate(edgeIndex, { x: [xs, xt], size: [xs.shape[0]!, xt.shape[0]!] });
  }

  override message(inputs: MessageInputs): Tensor {
    const xi = inputs.x_i!;
    return this.nn.forward(concat([xi, sub(inputs.x_j!, xi)], -1));
  }
}

/** Edge convolution on the k-NN graph of the current features; see the file header. */
export class DynamicEdgeConv extends MessagePassing<[Tensor, (Tensor | null)?], Tensor> {
  nn: Module<[Tensor], Tensor>;
  readonly k: number;

  constructor(nn: Module<[Tensor], Tensor>, k: number, opts: { aggr?: AggrSpec } = {}) {
    super({ aggr: opts.aggr ?? "max" });
    this.nn = nn;
    this.k = k;
  }

  /**
   * @param x - node features [N, F].
   * @param batch - graph id of each node [N] (sorted int32), or null for one graph.
   */
  forward(x: Tensor, batch: Tensor | null = null): Tensor {
    const ei = knnGraph(x.detach(), this.k, { batch, loop: true });
    return this.propagate(ei, { x, size: [x.shape[0]!, x.shape[0]!] });
  }

  override message(inputs: MessageInputs): Tensor {
    const xi = inputs.x_i!;
    return this.nn.forward(concat([xi, sub(inputs.x_j!, xi)], -1));
  }

  override extraRepr(): string {
    return `k=${this.k}`;
  }
}
