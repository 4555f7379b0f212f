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
 *   trains on all the other folds (no validation hold-out) and the final epoch is scored. When the
 *   features include continuous attributes (ENZYMES), the first head reads an input MLP with batch
 *   norm (Errica et al.'s GIN) instead of the raw features (`--no-input-mlp` for the paper's form).
 * Graph classification with GCN, GraphSAGE, GAT or the MLP stacks the node model, a mean (MLP: sum)
 * readout and a linear classifier; under `--protocol errica` GraphSAGE is Errica et al.'s classifier
 * instead ({@link SAGEGraphClassifier}: layers concatenated, max readout, two-layer MLP; `concatLayers`).
 *
 * Users' graphs (`erlangen train --data FILE --task ...`) add node and graph regression (the output
 * layer gives `numTargets` values) and edge tasks ({@link EdgePredictor}: the node model's embeddings of
 * both ends through an MLP). `gine` is a molecular GNN with bond features (GINEConv layers, Hu et al.
 * 2020), used on SMILES data and the MoleculeNet sets.
 *
 * - `baseline` (graph classification only): Errica et al. (2020)'s structure-agnostic baseline, which
 *   ignores the edges: on the chemical sets the sum of the node features into an MLP (their
 *   "molecular fingerprint"), on ENZYMES and the social sets an MLP on each node, summed, into an MLP
 *   (their DeepMultisets); see {@link StructureAgnosticBaseline}.
 *
 * `grid` gives Errica et al.'s model-selection grids (`--protocol errica`; their config files): GIN,
 * GraphSAGE and the baseline.
 */

import { DeepSets } from "../layers/graphs/deep_sets.js";
import { APPNPNet, GAT, GCN, GIN, GINGraphClassifier, GraphSAGE, NodeMLP, SGC } from "../layers/graphs/models.js";
import { SAGEGraphClassifier } from "../layers/graphs/sage_graph_classifier.js";
import { EdgePredictor, GraphClassifier, MolecularGNN } from "../layers/graphs/task_models.js";
import { Identity } from "../nn/linear.js";
import { MLP } from "../nn/mlp.js";
import { Module } from "../nn/module.js";
import type { Tensor } from "../tensor/tensor.js";
import { UsageError } from "./command.js";
import {
  type DataInfo,
  type Hyper,
  type HyperGrid,
  type ModelSpec,
  type ProblemKind,
  registerModel,
} from "./registry.js";

const NODE: ProblemKind = "node-classification";
const GRAPH: ProblemKind = "graph-classification";
const NODE_REG: ProblemKind = "node-regression";
const GRAPH_REG: ProblemKind = "graph-regression";
const EDGE: ProblemKind = "edge-classification";
const EDGE_REG: ProblemKind = "edge-regression";
/** Every kind the node models serve (graph kinds through a readout, edge kinds through {@link EdgePredictor}). */
const ALL_GRAPH_KINDS: readonly ProblemKind[] = [NODE, GRAPH, NODE_REG, GRAPH_REG, EDGE, EDGE_REG];

const isGraphLevel = (k: ProblemKind) => k === GRAPH || k === GRAPH_REG;
const isEdgeLevel = (k: ProblemKind) => k === EDGE || k === EDGE_REG;
/** Output width: classes, or regression targets. */
const outputs = (info: DataInfo) => (/-regression$/.test(info.kind) ? (info.numTargets ?? 1) : info.numClasses);

/**
 * Errica et al.'s structure-agnostic baseline (see the file header): `fingerprint` is
 * logits = MLP(Σ_{i ∈ g} x_i) with MLP = Linear → ReLU → Linear; `deepsets` is
 * logits = MLP(Σ_{i ∈ g} ReLU(W x_i + b)) with the same MLP. Edges are ignored.
 * (Their fingerprint model also puts a ReLU on the logits; this one leaves the logits linear.)
 */
export class StructureAgnosticBaseline extends Module<[Tensor, Tensor, Tensor], Tensor> {
  net: DeepSets;
  readonly variant: "fingerprint" | "deepsets";

  constructor(inChannels: number, hidden: number, numClasses: number, variant: "fingerprint" | "deepsets") {
    super();
    this.variant = variant;
    const phi =
      variant === "fingerprint" ? new Identity() : new MLP([inChannels, hidden], { norm: null, plainLast: false });
    const width = variant === "fingerprint" ? inChannels : hidden;
    this.net = new DeepSets(phi, new MLP([width, hidden, numClasses], { norm: null }));
  }

  /** @returns logits [numGraphs, numClasses] (the edges are ignored). */
  forward(x: Tensor, _edgeIndex: Tensor, batch: Tensor): Tensor {
    return this.net.forward(x, batch);
  }
}

/** Both early-stopping variants of Errica et al.'s grids (on the validation accuracy, on the validation loss). */
const STOP_ON: Partial<Hyper>[] = [{ stopOn: "metric" }, { stopOn: "loss" }];

/** Errica et al.'s GIN grid (config_GIN.yml): 2 × 4 × 2 × 2 × 2 × 2 = 128 configurations. */
export const ERRICA_GIN_GRID: HyperGrid = [
  // their GIN: an input MLP (with batch norm) before the first readout
  [
    {
      lr: 0.01,
      weightDecay: 0,
      lrStep: 50,
      lrGamma: 0.5,
      epochs: 1000,
      patience: 500,
      valFraction: 0.1,
      inputMlp: true,
    },
  ],
  [{ batchSize: 32 }, { batchSize: 128 }],
  // their hidden_units lists [64 × 4], [32 × 4], [64], [32, 32] after a first MLP layer: our `layers`
  // counts that input layer, so 4 GIN convolutions are `layers: 5`
  [
    { hidden: 64, layers: 5 },
    { hidden: 32, layers: 5 },
    { hidden: 64, layers: 2 },
    { hidden: 32, layers: 3 },
  ],
  [{ trainEps: true }, { trainEps: false }],
  [{ aggr: "mean" }, { aggr: "sum" }],
  [{ dropout: 0.5 }, { dropout: 0 }],
  STOP_ON,
];

/**
 * Errica et al.'s GraphSAGE grid (config_GraphSAGE.yml): 3 × 2 × 2 × 3 × 2 = 72 configurations, on
 * their GraphSAGE classifier (`concatLayers`: {@link SAGEGraphClassifier}).
 */
export const ERRICA_SAGE_GRID: HyperGrid = [
  [
    {
      batchSize: 32,
      weightDecay: 0,
      lrStep: 0,
      dropout: 0,
      epochs: 1000,
      patience: 500,
      valFraction: 0.1,
      concatLayers: true,
    },
  ],
  [{ lr: 1e-4 }, { lr: 1e-2 }, { lr: 1e-3 }],
  [{ hidden: 32 }, { hidden: 64 }],
  [{ layers: 3 }, { layers: 5 }],
  [{ aggr: "sum" }, { aggr: "max" }, { aggr: "mean" }],
  STOP_ON,
];

/** Errica et al.'s baseline grids (config_Baseline{Chemical,ENZYMES,IMDB}.yml), by dataset. */
export function erricaBaselineGrid(dataset: string): HyperGrid {
  const fixed = (epochs: number) => ({ dropout: 0, lrStep: 0, epochs, patience: 500, valFraction: 0.1 });
  const lrs = [{ lr: 1e-6 }, { lr: 1e-3 }, { lr: 0.1 }];
  const l2s = [{ weightDecay: 1e-4 }, { weightDecay: 1e-3 }, { weightDecay: 1e-2 }];
  const ds = dataset.toLowerCase();
  if (ds === "enzymes")
    return [
      [{ ...fixed(5000), batchSize: 32 }],
      [{ hidden: 32 }, { hidden: 64 }, { hidden: 128 }, { hidden: 256 }],
      [{ lr: 1e-5 }, { lr: 1e-4 }, { lr: 1e-3 }],
      [{ weightDecay: 1e-2 }, { weightDecay: 1e-4 }, { weightDecay: 1e-5 }],
      STOP_ON,
    ];
  return [
    [fixed(ds === "imdb-binary" ? 3000 : 5000)],
    [{ batchSize: 32 }, { batchSize: 128 }],
    [{ hidden: 32 }, { hidden: 128 }, { hidden: 256 }],
    lrs,
    l2s,
    STOP_ON,
  ];
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

type Encoder = GraphClassifier["encoder"];

/**
 * The model for a kind: node kinds get the node model with its output layer (`outputs(info)` values per
 * node); graph kinds the node model without one, a readout and a Linear; edge kinds an {@link EdgePredictor}.
 * `node(out)` builds the node model (`out` null: no output layer, width `width`).
 */
function forKind(
  info: DataInfo,
  width: number,
  node: (out: number | null) => Module,
  readout: "mean" | "sum" = "mean",
): Module {
  if (isGraphLevel(info.kind))
    return new GraphClassifier(node(null) as unknown as Encoder, width, outputs(info), readout);
  if (isEdgeLevel(info.kind)) return new EdgePredictor(node(null) as unknown as Encoder, width, outputs(info));
  return node(outputs(info));
}

/** Defaults of the node models on users' graphs (regression and edge kinds). */
const USER_DEFAULTS: Partial<Hyper> = { hidden: 64, layers: 2, dropout: 0.1, lr: 0.01, weightDecay: 0, epochs: 200 };

function nodeDefaults(kind: ProblemKind, classic: Partial<Hyper>): Partial<Hyper> {
  if (kind === NODE) return classic;
  if (isGraphLevel(kind)) return GRAPH_DEFAULTS;
  return USER_DEFAULTS;
}

const specs: ModelSpec[] = [
  {
    name: "gcn",
    description: "graph convolutional network (Kipf & Welling 2017)",
    kinds: ALL_GRAPH_KINDS,
    defaults: (kind) =>
      nodeDefaults(kind, { hidden: 16, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4, epochs: 200 }),
    // the normalised adjacency is cached for full-batch transductive training on one graph; a sampled
    // model sees a new subgraph at each step and a loaded model predicts on any graph
    build: (info, hp) =>
      forKind(info, hp.hidden, (out) =>
        out === null
          ? new GCN(info.numFeatures, hp.hidden, hp.layers, null, { dropout: hp.dropout })
          : new GCN(info.numFeatures, hp.hidden, hp.layers, out, {
              dropout: hp.dropout,
              inputDropout: hp.dropout,
              cached: info.kind === NODE && info.inference !== true && !info.sampled,
            }),
      ),
    paramGroups: (model, hp, info) =>
      info.kind === NODE ? firstLayerDecay((model as GCN).convs.at(0), model, hp) : undefined,
  },
  {
    name: "gat",
    description: "graph attention network (Veličković et al. 2018)",
    kinds: ALL_GRAPH_KINDS,
    hyperKeys: ["epochs", "lr", "weightDecay", "hidden", "heads", "layers", "dropout"],
    defaults: (kind) =>
      kind === NODE
        ? { hidden: 8, heads: 8, layers: 2, dropout: 0.6, lr: 0.005, weightDecay: 5e-4, epochs: 200 }
        : isGraphLevel(kind)
          ? { ...GRAPH_DEFAULTS, hidden: 16, heads: 4 }
          : { ...USER_DEFAULTS, hidden: 16, heads: 4 },
    build: (info, hp) => {
      const opts = { heads: hp.heads, dropout: hp.dropout, act: "elu" as const };
      return forKind(info, hp.hidden * hp.heads, (out) =>
        out === null
          ? new GAT(info.numFeatures, hp.hidden * hp.heads, hp.layers, null, opts)
          : new GAT(info.numFeatures, hp.hidden * hp.heads, hp.layers, out, {
              ...opts,
              inputDropout: hp.dropout,
              outHeads: 1,
            }),
      );
    },
  },
  {
    name: "sage",
    description:
      "GraphSAGE with mean aggregation (Hamilton et al. 2017); with --protocol errica, Errica et al.'s graph classifier (layers concatenated, max readout, MLP head)",
    kinds: ALL_GRAPH_KINDS,
    grid: (kind) => (kind === GRAPH ? ERRICA_SAGE_GRID : undefined),
    defaults: (kind) =>
      nodeDefaults(kind, { hidden: 64, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4, epochs: 200 }),
    build: (info, hp) =>
      // a saved model's config may store the flag as 1
      info.kind === GRAPH && hp.concatLayers
        ? new SAGEGraphClassifier(info.numFeatures, hp.hidden, info.numClasses, {
            numLayers: hp.layers,
            aggr: hp.aggr ?? "mean",
          })
        : forKind(info, hp.hidden, (out) =>
            out === null
              ? new GraphSAGE(info.numFeatures, hp.hidden, hp.layers, null, {
                  dropout: hp.dropout,
                  aggr: hp.aggr ?? "mean",
                })
              : new GraphSAGE(info.numFeatures, hp.hidden, hp.layers, out, {
                  dropout: hp.dropout,
                  inputDropout: hp.dropout,
                  aggr: "mean",
                }),
          ),
  },
  {
    name: "gin",
    description: "graph isomorphism network (Xu et al. 2019); on graph tasks the paper's sum readout of every layer",
    kinds: ALL_GRAPH_KINDS,
    grid: (kind) => (kind === GRAPH ? ERRICA_GIN_GRID : undefined),
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
        : kind === GRAPH_REG
          ? { ...GRAPH_DEFAULTS, layers: 5 }
          : nodeDefaults(kind, { hidden: 64, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4, epochs: 200 }),
    build: (info, hp) => {
      if (isGraphLevel(info.kind)) {
        if (hp.aggr === "max")
          throw new UsageError("model 'gin': option '--aggr' expected sum or mean (its readout), got 'max'", "train");
        // The GIN paper's "5 layers" count the input layer: 4 GIN convolutions, 5 readout heads.
        return new GINGraphClassifier(info.numFeatures, hp.hidden, outputs(info), {
          numLayers: Math.max(1, hp.layers - 1),
          dropout: hp.dropout,
          trainEps: hp.trainEps === true,
          // a saved model's config stores the flag as 1
          inputMLP: hp.inputMlp ?? Boolean(info.continuousFeatures),
          readout: hp.aggr === "mean" ? "mean" : "sum",
        });
      }
      return forKind(info, hp.hidden, (out) =>
        out === null
          ? new GIN(info.numFeatures, hp.hidden, hp.layers, null, { dropout: hp.dropout })
          : new GIN(info.numFeatures, hp.hidden, hp.layers, out, { dropout: hp.dropout, inputDropout: hp.dropout }),
      );
    },
  },
  {
    name: "gine",
    description: "molecular GNN with bond features (GINEConv layers, batch norm, mean readout; Hu et al. 2020)",
    kinds: [GRAPH, GRAPH_REG],
    hyperKeys: ["epochs", "lr", "weightDecay", "hidden", "layers", "dropout", "batchSize"],
    defaults: () => ({ hidden: 128, layers: 4, dropout: 0.1, lr: 1e-3, weightDecay: 0, epochs: 100, batchSize: 32 }),
    build: (info, hp) => {
      const edgeDim = Number(info.edgeFeatures ?? 0);
      if (!(edgeDim > 0))
        throw new UsageError(
          "model 'gine' needs bond (edge) features: SMILES data (--data molecules.csv) or graphs with edge feature columns",
          "train",
        );
      return new MolecularGNN({
        inChannels: info.numFeatures,
        edgeDim,
        hidden: hp.hidden,
        layers: hp.layers,
        outChannels: outputs(info),
        dropout: hp.dropout,
      });
    },
    edgeFeatures: true,
  },
  {
    name: "sgc",
    description: "simplified graph convolution (Wu et al. 2019), logistic regression on S^K X",
    kinds: [NODE, NODE_REG],
    hyperKeys: ["epochs", "lr", "weightDecay", "k"],
    defaults: () => ({ k: 2, lr: 0.2, weightDecay: 5e-5, epochs: 100, dropout: 0 }),
    // S^K X is cached for full-batch transductive training on one graph; a sampled model sees a new
    // subgraph at each step and a loaded model predicts on any graph
    build: (info, hp) =>
      new SGC(info.numFeatures, outputs(info), {
        K: hp.k,
        cached: info.kind === NODE && info.inference !== true && !info.sampled,
      }),
  },
  {
    name: "appnp",
    description: "predict then propagate with personalised PageRank (Gasteiger et al. 2019)",
    kinds: [NODE, NODE_REG],
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
      new APPNPNet(info.numFeatures, hp.hidden, outputs(info), {
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
    kinds: ALL_GRAPH_KINDS,
    defaults: (kind) =>
      nodeDefaults(kind, { hidden: 64, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4, epochs: 200 }),
    build: (info, hp) =>
      forKind(
        info,
        hp.hidden,
        (out) =>
          new NodeMLP(info.numFeatures, hp.hidden, out ?? hp.hidden, { numLayers: hp.layers, dropout: hp.dropout }),
        "sum",
      ),
  },
  {
    name: "baseline",
    description:
      "structure-agnostic baseline of Errica et al. 2020 (chemical sets: sum of node features → MLP; ENZYMES, social sets: node MLP, summed → MLP)",
    kinds: [GRAPH],
    // Defaults for the single-run protocol: values from Errica et al.'s baseline grids and their
    // patience (500) on the validation accuracy, with a 10 % hold-out (or the shipped validation part).
    // At lr 1e-3 on raw features the validation accuracy plateaus for 100+ epochs before it climbs: a
    // patience of 50 stopped ENZYMES after 115-360 epochs at 47.0 % (fold 1 alone: 23 % at the
    // stop, 60 % after 600 epochs). Their 5000-epoch cap is cut to 1000.
    defaults: () => ({
      hidden: 128,
      lr: 1e-3,
      weightDecay: 1e-4,
      dropout: 0,
      batchSize: 32,
      epochs: 1000,
      patience: 500,
      valFraction: 0.1,
    }),
    hyperKeys: ["epochs", "lr", "weightDecay", "hidden", "batchSize"],
    grid: (kind, dataset) => (kind === GRAPH ? erricaBaselineGrid(dataset) : undefined),
    build: (info, hp) =>
      new StructureAgnosticBaseline(info.numFeatures, hp.hidden, info.numClasses, info.baseline ?? "fingerprint"),
  },
];

for (const s of specs) registerModel(s);
