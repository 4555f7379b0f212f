/**
 * Graph datasets of `erlangen train`: Planetoid citation graphs (public split, node classification),
 * Zachary's karate club, and the TU graph-classification sets (10-fold CV; the shipped splits of
 * Errica et al. 2020 where present, stratified seeded folds otherwise).
 */

import { karateClub } from "../data/datasets/karate.js";
import type { TUDataset } from "../data/datasets/tu.js";
import { DataLoader } from "../data/loader.js";
import { NodeDegree, NormalizeFeatures, OneHotDegree } from "../data/transforms/features.js";
import type { Batch } from "../domains/graph/batch.js";
import type { Graph } from "../domains/graph/graph.js";
import type { Module } from "../nn/module.js";
import { loadPlanetoid, loadTUDataset } from "../node/datasets.js";
import { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import { crossValidationSplits } from "../train/splits.js";
import { graphClassificationTask, type NodeClassificationData, nodeClassificationTask } from "../train/tasks.js";
import type { Task } from "../train/trainer.js";
import { UsageError } from "./command.js";
import { graphSource, sampledLoadedDataset } from "./graph_sampling.js";
import { type LoadedDataset, type ProtocolRequest, type RunSpec, registerDataset } from "./registry.js";

function seedRuns(req: ProtocolRequest, task: () => Task<Module>): RunSpec[] {
  return Array.from({ length: req.seeds }, (_, i) => ({
    label: `seed ${i + 1}/${req.seeds}`,
    seed: req.seed + i,
    task: () => task(),
  }));
}

function nodeDataset(
  graph: NodeClassificationData & { numNodes: number; numEdges: number },
  numFeatures: number,
  numClasses: number,
  splitName: string,
  transforms?: string[],
): LoadedDataset {
  const count = (m: Tensor | null) => {
    let c = 0;
    if (m !== null) for (let i = 0; i < m.size; i++) if (m.data[i]) c++;
    return c;
  };
  return {
    info: { kind: "node-classification", numFeatures, numClasses },
    schema: {
      input: "graphs",
      task: "node-classification",
      features: Array.from({ length: numFeatures }, (_, f) => `x${f}`),
      classes: Array.from({ length: numClasses }, (_, c) => String(c)),
      transforms: transforms ?? [],
    },
    summary: `${graph.numNodes} nodes, ${graph.numEdges} edges, ${numFeatures} features, ${numClasses} classes; ${count(graph.trainMask)}/${count(graph.valMask)}/${count(graph.testMask)} train/val/test nodes`,
    protocol: (req) => {
      if (req.folds > 0)
        throw new UsageError(
          "--folds applies to graph-classification datasets; node datasets use their fixed split (use --seeds)",
          "train",
        );
      return splitName;
    },
    runs: (req) => seedRuns(req, () => nodeClassificationTask<Module>(graph)),
  };
}

function planetoid(name: "cora" | "citeseer", title: string): void {
  registerDataset({
    name,
    description: `${title} citation graph (Planetoid public split, node classification)`,
    kind: "node-classification",
    metric: "accuracy",
    mode: "max",
    defaultSeeds: 10,
    sampling: true,
    async load({ root, sampling, log }) {
      // Sparse features (CSR): the first layer of GCN, GAT, SGC, APPNP and the MLP multiplies them sparsely.
      const g = new NormalizeFeatures().forward(
        loadPlanetoid(name, { sparseFeatures: true, ...(root !== undefined ? { root } : {}) }),
      );
      const x = g.xSparse!;
      if (sampling !== undefined && sampling.loader !== "full") {
        let numClasses = 0;
        for (const v of g.y!.data) numClasses = Math.max(numClasses, v + 1);
        const src = graphSource(name, g, `planetoid ${name} normalized v1`);
        return sampledLoadedDataset(
          src,
          sampling,
          { numFeatures: x.shape[1]!, numClasses },
          "Planetoid public split",
          log,
        );
      }
      const data = {
        x,
        edgeIndex: g.edgeIndex,
        y: g.y,
        trainMask: g.trainMask,
        valMask: g.valMask,
        testMask: g.testMask,
        numNodes: g.numNodes,
        numEdges: g.numEdges,
      };
      let numClasses = 0;
      for (const v of g.y!.data) numClasses = Math.max(numClasses, v + 1);
      return nodeDataset(data, x.shape[1]!, numClasses, "Planetoid public split", ["normalize-features"]);
    },
  });
}

planetoid("cora", "Cora");
planetoid("citeseer", "CiteSeer");

registerDataset({
  name: "karate",
  description: "Zachary's karate club (4 communities, one labelled member each; node classification)",
  kind: "node-classification",
  metric: "accuracy",
  mode: "max",
  defaultSeeds: 1,
  sampling: true,
  async load({ sampling, log }) {
    const g = karateClub();
    if (sampling !== undefined && sampling.loader !== "full") {
      const test = new Uint8Array(g.numNodes);
      for (let i = 0; i < test.length; i++) test[i] = g.trainMask!.data[i] ? 0 : 1;
      const h = g.clone();
      h.testMask = new Tensor(test, [g.numNodes], "bool");
      const src = graphSource("karate", h, "karate v1");
      return sampledLoadedDataset(
        src,
        sampling,
        { numFeatures: g.x!.shape[1]!, numClasses: 4 },
        "one labelled node per class, test on the rest",
        log,
      );
    }
    const train = g.trainMask!;
    const test = new Uint8Array(g.numNodes);
    for (let i = 0; i < test.length; i++) test[i] = train.data[i] ? 0 : 1;
    const data = {
      x: g.x,
      edgeIndex: g.edgeIndex,
      y: g.y,
      trainMask: train,
      valMask: null,
      testMask: new Tensor(test, [g.numNodes], "bool"),
      numNodes: g.numNodes,
      numEdges: g.numEdges,
    };
    return nodeDataset(data, g.x!.shape[1]!, 4, "one labelled node per class, test on the rest");
  },
});

/** One-hot node degrees as features (for TU sets without node labels, as in the GIN paper). */
function oneHotDegreeFeatures(graphs: readonly Graph[]): { graphs: Graph[]; numFeatures: number } {
  let maxDeg = 0;
  for (const g of graphs) {
    const d = new Int32Array(g.numNodes);
    const ei = g.edgeIndex.data;
    for (let e = 0; e < g.numEdges; e++) maxDeg = Math.max(maxDeg, ++d[ei[e]!]!);
  }
  const t = new OneHotDegree(maxDeg);
  return { graphs: graphs.map((g) => t.forward(g)), numFeatures: maxDeg + 1 };
}

/** The node degree as one scalar feature (Errica et al.'s `use_node_degree` for the social sets). */
function degreeFeatures(graphs: readonly Graph[]): Graph[] {
  const t = new NodeDegree({ cat: false });
  return graphs.map((g) => t.forward(g));
}

/**
 * The node features the reference protocol (Errica et al. 2020's data loader) feeds for a TU set,
 * and its structure-agnostic baseline there.
 */
export interface TUFeatureSpec {
  /** `chemical` (molecules, proteins, enzymes: node labels, maybe attributes) or `social` (no node features: degrees). */
  domain: "chemical" | "social";
  /** Whether the continuous node attributes join the one-hot labels by default. */
  nodeAttr: boolean;
  /** Errica et al.'s structure-agnostic baseline for the set. */
  baseline: "fingerprint" | "deepsets";
}

/** Feature defaults of the shipped TU sets, as Errica et al. (2020) feed them (ENZYMES: 18 attributes + 3 labels). */
export const TU_FEATURES: Readonly<Record<string, TUFeatureSpec>> = {
  mutag: { domain: "chemical", nodeAttr: false, baseline: "fingerprint" },
  proteins: { domain: "chemical", nodeAttr: false, baseline: "fingerprint" },
  enzymes: { domain: "chemical", nodeAttr: true, baseline: "deepsets" },
  nci1: { domain: "chemical", nodeAttr: false, baseline: "fingerprint" },
  "imdb-binary": { domain: "social", nodeAttr: false, baseline: "deepsets" },
};

const DEGREE_FEATURES = ["degree", "one-hot-degree"] as const;

function tuDataset(name: string, file: string, title: string): void {
  const spec = TU_FEATURES[name]!;
  registerDataset({
    name,
    description: `${title} (TU graph classification, 10-fold CV)`,
    kind: "graph-classification",
    metric: "accuracy",
    mode: "max",
    defaultSeeds: 1,
    defaultFolds: 10,
    nodeAttr: true,
    ...(spec.domain === "social" ? { options: ["features" as const] } : {}),
    async load({ root, nodeAttr, features }) {
      const useAttr = nodeAttr ?? spec.nodeAttr;
      const tu: TUDataset = loadTUDataset(file, {
        ...(root !== undefined ? { root } : {}),
        useNodeAttr: useAttr,
      });
      if (nodeAttr === true && tu.numNodeAttributes === 0)
        throw new UsageError(`option '--node-attr': dataset '${name}' has no continuous node attributes`, "train");
      if (features !== undefined && !(DEGREE_FEATURES as readonly string[]).includes(features))
        throw new UsageError(
          `option '--features' expected one of ${DEGREE_FEATURES.join(", ")} for dataset '${name}', got '${features}'`,
          "train",
        );
      let graphs: Graph[] = tu.graphs;
      let numFeatures = tu.numFeatures;
      const parts: string[] = [];
      if (useAttr && tu.numNodeAttributes > 0)
        parts.push(`${tu.numNodeAttributes} continuous node attribute${tu.numNodeAttributes > 1 ? "s" : ""}`);
      if (tu.numNodeLabels > 0) parts.push(`${tu.numNodeLabels} one-hot node labels`);
      let featureNote = `${parts.join(" + ")} (${numFeatures} features)`;
      // how a saved model rebuilds these inputs from new graphs (erlangen predict)
      let transforms: string[] = [];
      if (numFeatures === 0) {
        if (features === "one-hot-degree") {
          ({ graphs, numFeatures } = oneHotDegreeFeatures(graphs));
          transforms = [`one-hot-degree:${numFeatures - 1}`];
          featureNote = `one-hot node degree (${numFeatures} features, as the GIN paper)`;
        } else {
          graphs = degreeFeatures(graphs);
          numFeatures = 1;
          transforms = ["degree"];
          featureNote = "node degree (1 feature)";
        }
      }
      const asReference =
        useAttr === spec.nodeAttr && (spec.domain !== "social" || features !== "one-hot-degree")
          ? "as Errica et al. 2020"
          : "not Errica et al.'s default";
      if (!useAttr && tu.numNodeAttributes > 0)
        featureNote += `; ${tu.numNodeAttributes} node attribute${tu.numNodeAttributes > 1 ? "s" : ""} left out (--node-attr adds ${tu.numNodeAttributes > 1 ? "them" : "it"})`;
      const labels = graphs.map((g) => g.y!.data[0]!);
      const nodes = graphs.reduce((a, g) => a + g.numNodes, 0);
      const shipped = tu.folds;
      const folds = (req: ProtocolRequest) => {
        const k = req.folds > 0 ? req.folds : 10;
        if (k === 10 && shipped !== undefined)
          return { k, splits: shipped, note: "shipped 10-fold splits (Errica et al. 2020)" };
        return { k, splits: null, note: `stratified ${k}-fold CV (seeded; validation hold-out per --val-fraction)` };
      };
      return {
        info: {
          kind: "graph-classification",
          numFeatures,
          numClasses: tu.numClasses,
          baseline: spec.baseline,
          continuousFeatures: useAttr && tu.numNodeAttributes > 0,
        },
        schema: {
          input: "graphs",
          task: "graph-classification",
          dataset: name,
          features: Array.from({ length: numFeatures }, (_, f) => `x${f}`),
          classes: Array.from({ length: tu.numClasses }, (_, c) => String(c)),
          transforms,
        },
        summary: `${graphs.length} graphs, ${nodes} nodes, ${tu.numClasses} classes; features: ${featureNote}, ${asReference}`,
        protocol: (req) => {
          const f = folds(req);
          return req.seeds > 1 ? `${f.note} × ${req.seeds} seeds` : f.note;
        },
        runs: (req) => {
          const { k, splits } = folds(req);
          const runs: RunSpec[] = [];
          for (let s = 0; s < req.seeds; s++) {
            const seed = req.seed + s;
            const fs = splits ?? crossValidationSplits(labels, k, { seed, valFraction: 0.1 });
            fs.forEach((f, i) => {
              runs.push({
                label: req.seeds > 1 ? `seed ${s + 1} fold ${i + 1}/${k}` : `fold ${i + 1}/${k}`,
                seed: seed * 1000 + i,
                task: (_model, hp) => {
                  const pick = (idx: ArrayLike<number>) => Array.from(idx, (j) => graphs[j]!);
                  // valFraction 0: no hold-out; the validation part trains too (the GIN paper's protocol)
                  const noVal = hp.valFraction === 0;
                  const fold =
                    splits === null && !noVal && hp.valFraction !== 0.1
                      ? crossValidationSplits(labels, k, { seed, valFraction: hp.valFraction })[i]!
                      : f;
                  const trainIdx = noVal ? Int32Array.from([...fold.train, ...fold.val]).sort() : fold.train;
                  const trainLoader = new DataLoader<Graph, Batch>(pick(trainIdx), {
                    batchSize: hp.batchSize,
                    shuffle: true,
                    generator: new Generator(seed * 1000 + i),
                  });
                  const evalBatch = Math.max(hp.batchSize, 128);
                  return graphClassificationTask<Module, Batch>({
                    train: trainLoader,
                    val:
                      !noVal && fold.val.length > 0
                        ? new DataLoader<Graph, Batch>(pick(fold.val), { batchSize: evalBatch, cacheBatches: true })
                        : undefined,
                    test: new DataLoader<Graph, Batch>(pick(f.test), { batchSize: evalBatch, cacheBatches: true }),
                    numClasses: tu.numClasses,
                  });
                },
              });
            });
          }
          return runs;
        },
      };
    },
  });
}

tuDataset("mutag", "MUTAG", "MUTAG mutagenic compounds");
tuDataset("proteins", "PROTEINS", "PROTEINS enzymes vs non-enzymes");
tuDataset("enzymes", "ENZYMES", "ENZYMES six EC classes");
tuDataset("imdb-binary", "IMDB-BINARY", "IMDB-BINARY movie collaboration ego-networks");
tuDataset("nci1", "NCI1", "NCI1 anticancer screens");
