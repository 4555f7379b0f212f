/**
 * The GraphSAGE graph classifier of Errica et al. ("A Fair Comparison of Graph Neural Networks for
 * Graph Classification", ICLR 2020). L {@link SAGEConv} layers in the form of PyG 1.x, which their
 * code ran (the node joins its own neighbourhood; one weight, no separate root weight), every
 * layer's output kept, a max readout of their concatenation and a two-layer MLP:
 *
 *   h_i^(l) = W_l · ⊕_{j ∈ N(i) ∪ {i}} h_j^(l−1) + b_l        (h^(0) = x; ⊕ = sum, mean or max)
 *   with ⊕ = max also  h_i^(l) ← ReLU(U h_i^(l) + c)          (one U, c shared by all layers)
 *   z_g = max_{i ∈ g} [h_i^(1) ‖ h_i^(2) ‖ … ‖ h_i^(L)]        (channel-wise, over the graph's nodes)
 *   logits_g = W_b · ReLU(W_a z_g + a) + b
 *
 * With sum or mean aggregation there is no non-linearity between the layers (as in their code): the
 * max readout and the head are the model's only non-linear parts. No dropout. Invariant to node
 * order (S_N).
 */
import { globalMaxPool } from "../../domains/graph/pool.js";
import { addRemainingSelfLoops } from "../../domains/graph/utils.js";
import { Linear } from "../../nn/linear.js";
import { Module, ModuleList } from "../../nn/module.js";
import { check } from "../../tensor/errors.js";
import { relu } from "../../tensor/ops/elementwise.js";
import { concat } from "../../tensor/ops/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { SAGEConv } from "./sage_conv.js";

/** Options of {@link SAGEGraphClassifier}. */
export interface SAGEGraphClassifierOptions {
  /** SAGEConv layers (default 3; Errica et al.'s grid: 3 or 5). */
  numLayers?: number;
  /** Neighbourhood aggregation (default `mean`; Errica et al.'s grid: sum, max, mean). */
  aggr?: "sum" | "mean" | "max";
}

/** Errica et al.'s GraphSAGE graph classifier; see the file header. */
export class SAGEGraphClassifier extends Module<[Tensor, Tensor, (Tensor | null)?, (number | null)?], Tensor> {
  convs: ModuleList<SAGEConv>;
  /** U, c: the Linear + ReLU after every layer with max aggregation (null otherwise). */
  fcMax: Linear | null;
  /** W_a, a: concatenated layers → hidden. */
  fc1: Linear;
  /** W_b, b: hidden → classes. */
  fc2: Linear;
  readonly aggr: "sum" | "mean" | "max";

  /**
   * @param inChannels - node feature size.
   * @param hiddenChannels - width of every SAGEConv layer (their `dim_embedding`) and of the head.
   * @param numClasses - output logits per graph.
   */
  constructor(inChannels: number, hiddenChannels: number, numClasses: number, opts: SAGEGraphClassifierOptions = {}) {
    super();
    const L = opts.numLayers ?? 3;
    check(Number.isInteger(L) && L >= 1, "SAGEGraphClassifier", "numLayers", "an integer ≥ 1", String(L));
    this.aggr = opts.aggr ?? "mean";
    this.convs = new ModuleList(
      Array.from(
        { length: L },
        (_, l) =>
          new SAGEConv(l === 0 ? inChannels : hiddenChannels, hiddenChannels, { aggr: this.aggr, rootWeight: false }),
      ),
    );
    this.fcMax = this.aggr === "max" ? new Linear(hiddenChannels, hiddenChannels) : null;
    this.fc1 = new Linear(L * hiddenChannels, hiddenChannels);
    this.fc2 = new Linear(hiddenChannels, numClasses);
  }

  /**
   * @param x - node features [N, inChannels].
   * @param edgeIndex - [2, E] int32.
   * @param batch - graph of each node [N] int32 (null: one graph).
   * @param numGraphs - number of graphs in the batch (default: from `batch`).
   * @returns logits [numGraphs, numClasses].
   */
  forward(x: Tensor, edgeIndex: Tensor, batch: Tensor | null = null, numGraphs: number | null = null): Tensor {
    // PyG 1.x SAGEConv: every node aggregates over its neighbours and itself
    const loops = addRemainingSelfLoops(edgeIndex, { numNodes: x.shape[0]! }).edgeIndex;
    const layers: Tensor[] = [];
    let h = x;
    for (const conv of this.convs.toArray()) {
      h = conv.forward(h, loops);
      if (this.fcMax !== null) h = relu(this.fcMax.forward(h));
      layers.push(h);
    }
    const z = globalMaxPool(layers.length === 1 ? layers[0]! : concat(layers, 1), batch, numGraphs);
    return this.fc2.forward(relu(this.fc1.forward(z)));
  }

  override extraRepr(): string {
    return `layers=${this.convs.length}, aggr=${this.aggr}`;
  }
}
