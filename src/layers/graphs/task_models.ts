/**
 * Task heads around the node models, for graph- and edge-level problems and molecules:
 *
 * - {@link GraphClassifier}: node model → readout (mean or sum) → Linear, `[numGraphs, C]`
 *   (classification logits or regression values);
 * - {@link EdgePredictor}: node model → `MLP([h_u ‖ h_v])` for queried node pairs, `[L, C]`;
 * - {@link MolecularGNN}: GIN-E layers with bond features (Hu et al. 2020), mean readout, MLP head.
 *
 * These are the models `erlangen train` builds for graph, edge and SMILES tasks.
 */

import { globalAddPool, globalMeanPool } from "../../domains/graph/pool.js";
import { Linear, type LinearInput } from "../../nn/linear.js";
import { MLP } from "../../nn/mlp.js";
import { Module, ModuleList } from "../../nn/module.js";
import { BatchNorm1d } from "../../nn/normalization.js";
import { ErlangenError } from "../../tensor/errors.js";
import { relu } from "../../tensor/ops/elementwise.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import { GINEConv } from "./gin_conv.js";
import "../../tensor/index.js";

/** Node model + readout + linear classifier, for graph classification. */
export class GraphClassifier extends Module<[LinearInput, Tensor | SparseMatrix, Tensor], Tensor> {
  encoder: Module<[LinearInput, Tensor | SparseMatrix, (Tensor | null)?], Tensor>;
  head: Linear;
  readonly readout: "mean" | "sum";

  constructor(
    encoder: Module<[LinearInput, Tensor | SparseMatrix, (Tensor | null)?], Tensor>,
    hidden: number,
    numClasses: number,
    readout: "mean" | "sum" = "mean",
  ) {
    super();
    this.encoder = encoder;
    this.head = new Linear(hidden, numClasses);
    this.readout = readout;
  }

  /** @returns logits [numGraphs, numClasses]. */
  forward(x: LinearInput, edgeIndex: Tensor | SparseMatrix, batch: Tensor): Tensor {
    const h = this.encoder.forward(x, edgeIndex, null);
    const pooled = this.readout === "mean" ? globalMeanPool(h, batch) : globalAddPool(h, batch);
    return this.head.forward(pooled);
  }
}

/**
 * Edge tasks: a node model's embeddings h of both ends of each queried pair through an MLP,
 * `out(u, v) = MLP([h_u ‖ h_v])` → [L, C].
 */
export class EdgePredictor extends Module<[LinearInput, Tensor | SparseMatrix, Tensor], Tensor> {
  encoder: Module<[LinearInput, Tensor | SparseMatrix, (Tensor | null)?], Tensor>;
  head: MLP;

  constructor(
    encoder: Module<[LinearInput, Tensor | SparseMatrix, (Tensor | null)?], Tensor>,
    hidden: number,
    outChannels: number,
  ) {
    super();
    this.encoder = encoder;
    this.head = new MLP([2 * hidden, hidden, outChannels], { norm: null });
  }

  /** @param pairs - queried node pairs [2, L] int32 (row 0 sources). @returns [L, outChannels]. */
  forward(x: LinearInput, edgeIndex: Tensor | SparseMatrix, pairs: Tensor): Tensor {
    const h = this.encoder.forward(x, edgeIndex, null);
    const L = pairs.shape[1]!;
    const src = pairs.narrow(0, 0, 1).reshape(L);
    const dst = pairs.narrow(0, 1, 1).reshape(L);
    return this.head.forward(h.indexSelect(0, src).concat([h.indexSelect(0, dst)], 1));
  }
}

/**
 * A molecular GNN with bond features (the GIN-E of Hu et al. 2020, as OGB's molecule baselines): atom
 * features → Linear → L × [GINEConv (bond features through a Linear; MLP h → 2h → h) → BatchNorm →
 * ReLU → dropout], mean readout, MLP head → [G, outChannels]. Called as `model.call(x, edgeIndex, batch,
 * edgeAttr)`.
 */
export class MolecularGNN extends Module<[Tensor, Tensor, Tensor, Tensor | null], Tensor> {
  atomEncoder: Linear;
  convs: ModuleList<GINEConv>;
  norms: ModuleList<BatchNorm1d>;
  head: MLP;
  readonly dropout: number;

  constructor(opts: {
    inChannels: number;
    edgeDim: number;
    hidden: number;
    layers: number;
    outChannels: number;
    dropout: number;
  }) {
    super();
    const h = opts.hidden;
    this.atomEncoder = new Linear(opts.inChannels, h);
    this.convs = new ModuleList(
      Array.from(
        { length: opts.layers },
        () => new GINEConv(new MLP([h, 2 * h, h], { norm: "batchNorm" }), { edgeDim: opts.edgeDim, inChannels: h }),
      ),
    );
    this.norms = new ModuleList(Array.from({ length: opts.layers }, () => new BatchNorm1d(h)));
    this.head = new MLP([h, h, opts.outChannels], { norm: null, dropout: opts.dropout });
    this.dropout = opts.dropout;
  }

  forward(x: Tensor, edgeIndex: Tensor, batch: Tensor, edgeAttr: Tensor | null): Tensor {
    if (edgeAttr === null || edgeAttr === undefined)
      throw new ErlangenError("MolecularGNN: argument 'edgeAttr' expected bond features [E, edgeDim], got none");
    let h = this.atomEncoder.forward(x);
    const convs = this.convs.toArray();
    const norms = this.norms.toArray();
    for (let l = 0; l < convs.length; l++) {
      h = relu(norms[l]!.forward(convs[l]!.forward(h, edgeIndex, edgeAttr)));
      if (this.training && this.dropout > 0) h = h.dropout(this.dropout, true);
    }
    return this.head.forward(globalMeanPool(h, batch));
  }
}
