/**
 * Graph models of `erlangen train`, with the published hyperparameters as defaults:
 * - GCN (Kipf & Welling 2017): 2 layers, hidden 16, dropout 0.5, lr 0.01, weight decay 5e-4 on the
 *   first layer, 200 epochs.
 * - GAT (Veličković et al. 2018): 8 heads × 8 hidden, ELU, dropout 0.6 (features and attention),
 *   lr 0.005, weight decay 5e-4, one output head.
 * - GraphSAGE (mean aggregation), GIN, MLP on node tasks: hidden 64, dropout 0.5.
 * - SGC (Wu et al. 2019): K = 2, lr 0.2, weight decay 5e-5, 100 epochs, no dropout.
 * - APPNP (Gasteiger et al. 2019): K = 10, alpha 0.1, hidden 64, dropout 0.5 on both layers and on
 *   the propagated adjacency (edge dropout), weight decay 5e-3 on the first layer, lr 0.01, early
 *   stopping with patience 100 on the validation accuracy, at most 10,000 epochs (the paper's setup).
 * - GIN on TU graph classification (Xu et al. 2019): 5 layers counting the input layer (4 GIN
 *   convolutions), hidden 64, batch norm, sum readout of every layer through its own linear head,
 *   dropout 0.5, batch 32, lr 0.01 halved every 50 epochs, 350 epochs; as in the paper, each model
 *   trains on all the other folds (no validation hold-out) and the final epoch is scored.
 * Graph classification with GCN, GraphSAGE, GAT or the MLP stacks the node model, a mean (MLP: sum)
 * readout and a linear classifier.
 */

import { globalAddPool, globalMeanPool } from "../domains/graph/pool.js";
import {
  APPNPNet,
  type BasicGNN,
  GAT,
  GCN,
  GIN,
  GINGraphClassifier,
  GraphSAGE,
  NodeMLP,
  SGC,
} from "../layers/graphs/models.js";
import type { LinearInput } from "../nn/linear.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import type { SparseMatrix } from "../tensor/sparse.js";
import type { Tensor } from "../tensor/tensor.js";
import { type DataInfo, type Hyper, type ModelSpec, type ProblemKind, registerModel } from "./registry.js";

const NODE: ProblemKind = "node-classification";
const GRAPH: ProblemKind = "graph-classification";

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

/** Weight decay only on the first layer's parameters (Kipf & Welling's GCN, APPNP). */
function firstLayerDecay(first: Module, model: Module, hp: Hyper): { params: Tensor[]; weightDecay: number }[] {
  const firstParams = new Set<Tensor>(first.parameters());
  return [
    { params: [...firstParams], weightDecay: hp.weightDecay },
    { params: model.parameters().filter((p) => !firstParams.has(p)), weightDecay: 0 },
  ];
}

/** TU datasets whose shipped 10-fold splits carry a model-selection (validation) part (Errica et al. 2020). */
const ERRICA_SPLITS = new Set(["proteins", "enzymes", "imdb-binary", "nci1"]);

const GRAPH_DEFAULTS: Partial<Hyper> = {
  hidden: 64,
  layers: 3,
  dropout: 0.5,
  lr: 0.01,
  weightDecay: 0,
  epochs: 100,
  batchSize: 32,
};

function graphClassifier(encoder: BasicGNN, info: DataInfo, hp: Hyper): GraphClassifier {
  return new GraphClassifier(encoder as unknown as GraphClassifier["encoder"], hp.hidden, info.numClasses);
}

const specs: ModelSpec[] = [
  {
    name: "gcn",
    description: "graph convolutional network (Kipf & Welling 2017)",
    kinds: [NODE, GRAPH],
    defaults: (kind) =>
      kind === GRAPH
        ? GRAPH_DEFAULTS
        : { hidden: 16, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4, epochs: 200 },
    build: (info, hp) => {
      if (info.kind === GRAPH)
        return graphClassifier(
          new GCN(info.numFeatures, hp.hidden, hp.layers, null, { dropout: hp.dropout }),
          info,
          hp,
        );
      return new GCN(info.numFeatures, hp.hidden, hp.layers, info.numClasses, {
        dropout: hp.dropout,
        inputDropout: hp.dropout,
        cached: !info.sampled,
      });
    },
    paramGroups: (model, hp, info) =>
      info.kind === NODE ? firstLayerDecay((model as GCN).convs.at(0), model, hp) : undefined,
  },
  {
    name: "gat",
    description: "graph attention network (Veličković et al. 2018)",
    kinds: [NODE, GRAPH],
    hyperKeys: ["epochs", "lr", "weightDecay", "hidden", "heads", "layers", "dropout"],
    defaults: (kind) =>
      kind === GRAPH
        ? { ...GRAPH_DEFAULTS, hidden: 16, heads: 4 }
        : { hidden: 8, heads: 8, layers: 2, dropout: 0.6, lr: 0.005, weightDecay: 5e-4, epochs: 200 },
    build: (info, hp) => {
      const opts = { heads: hp.heads, dropout: hp.dropout, act: "elu" as const };
      if (info.kind === GRAPH) {
        return new GraphClassifier(
          new GAT(
            info.numFeatures,
            hp.hidden * hp.heads,
            hp.layers,
            null,
            opts,
          ) as unknown as GraphClassifier["encoder"],
          hp.hidden * hp.heads,
          info.numClasses,
        );
      }
      return new GAT(info.numFeatures, hp.hidden * hp.heads, hp.layers, info.numClasses, {
        ...opts,
        inputDropout: hp.dropout,
        outHeads: 1,
      });
    },
  },
  {
    name: "sage",
    description: "GraphSAGE with mean aggregation (Hamilton et al. 2017)",
    kinds: [NODE, GRAPH],
    defaults: (kind) =>
      kind === GRAPH
        ? GRAPH_DEFAULTS
        : { hidden: 64, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4, epochs: 200 },
    build: (info, hp) => {
      if (info.kind === GRAPH)
        return graphClassifier(
          new GraphSAGE(info.numFeatures, hp.hidden, hp.layers, null, { dropout: hp.dropout, aggr: "mean" }),
          info,
          hp,
        );
      return new GraphSAGE(info.numFeatures, hp.hidden, hp.layers, info.numClasses, {
        dropout: hp.dropout,
        inputDropout: hp.dropout,
        aggr: "mean",
      });
    },
  },
  {
    name: "gin",
    description: "graph isomorphism network (Xu et al. 2019); on graph tasks the paper's sum readout of every layer",
    kinds: [NODE, GRAPH],
    // Graph tasks: the GIN paper's 350 epochs, scored at the final epoch on all nine training folds
    // (valFraction 0), except where the folds ship with Errica et al.'s model-selection split: there
    // the run keeps the shipped validation part and restores the best-validation epoch (patience 50),
    // as in Errica et al. (2020).
    defaults: (kind, dataset) =>
      kind === GRAPH
        ? {
            hidden: 64,
            layers: 5,
            dropout: 0.5,
            lr: 0.01,
            weightDecay: 0,
            epochs: 350,
            batchSize: 32,
            lrStep: 50,
            lrGamma: 0.5,
            ...(ERRICA_SPLITS.has(dataset.toLowerCase()) ? { valFraction: 0.1, patience: 50 } : { valFraction: 0 }),
          }
        : { hidden: 64, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4, epochs: 200 },
    build: (info, hp) => {
      if (info.kind === GRAPH) {
        // The GIN paper's "5 layers" count the input layer: 4 GIN convolutions, 5 readout heads.
        return new GINGraphClassifier(info.numFeatures, hp.hidden, info.numClasses, {
          numLayers: Math.max(1, hp.layers - 1),
          dropout: hp.dropout,
        });
      }
      return new GIN(info.numFeatures, hp.hidden, hp.layers, info.numClasses, {
        dropout: hp.dropout,
        inputDropout: hp.dropout,
      });
    },
  },
  {
    name: "sgc",
    description: "simplified graph convolution (Wu et al. 2019), logistic regression on S^K X",
    kinds: [NODE],
    hyperKeys: ["epochs", "lr", "weightDecay", "k"],
    defaults: () => ({ k: 2, lr: 0.2, weightDecay: 5e-5, epochs: 100, dropout: 0 }),
    build: (info, hp) => new SGC(info.numFeatures, info.numClasses, { K: hp.k, cached: !info.sampled }),
  },
  {
    name: "appnp",
    description: "predict then propagate with personalised PageRank (Gasteiger et al. 2019)",
    kinds: [NODE],
    hyperKeys: ["epochs", "lr", "weightDecay", "hidden", "layers", "dropout", "edgeDropout", "k", "alpha"],
    defaults: () => ({
      k: 10,
      alpha: 0.1,
      hidden: 64,
      layers: 2,
      dropout: 0.5,
      edgeDropout: 0.5,
      lr: 0.01,
      weightDecay: 5e-3,
      epochs: 10000,
      patience: 100,
    }),
    build: (info, hp) =>
      new APPNPNet(info.numFeatures, hp.hidden, info.numClasses, {
        K: hp.k,
        alpha: hp.alpha,
        dropout: hp.dropout,
        numLayers: hp.layers,
        edgeDropout: hp.edgeDropout,
      }),
    paramGroups: (model, hp) => firstLayerDecay((model as APPNPNet).lins.at(0), model, hp),
  },
  {
    name: "mlp",
    description: "multi-layer perceptron on node features, ignoring the edges (baseline; sum readout on graph tasks)",
    kinds: [NODE, GRAPH],
    defaults: (kind) =>
      kind === GRAPH
        ? GRAPH_DEFAULTS
        : { hidden: 64, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4, epochs: 200 },
    build: (info, hp) => {
      if (info.kind === GRAPH) {
        const enc = new NodeMLP(info.numFeatures, hp.hidden, hp.hidden, { numLayers: hp.layers, dropout: hp.dropout });
        return new GraphClassifier(enc as unknown as GraphClassifier["encoder"], hp.hidden, info.numClasses, "sum");
      }
      return new NodeMLP(info.numFeatures, hp.hidden, info.numClasses, { numLayers: hp.layers, dropout: hp.dropout });
    },
  },
];

for (const s of specs) registerModel(s);
