/**
 * The generated benchmark graphs of `erlangen train`: `sbm-10k`, `sbm-100k` and `sbm-1m`, degree-
 * corrected stochastic block models with planted classes and informative features
 * (data/datasets/sbm.ts; seed 0), full-batch or with `--loader` (graph_sampling.ts).
 */
import { type AttributedGraphArrays, attributedGraphStores, stochasticBlockModel } from "../data/datasets/sbm.js";
import { Graph } from "../domains/graph/graph.js";
import type { Module } from "../nn/module.js";
import { Tensor } from "../tensor/tensor.js";
import { nodeClassificationTask } from "../train/tasks.js";
import { type SamplingSource, sampledLoadedDataset } from "./graph_sampling.js";
import { registerDataset } from "./registry.js";

function sbmGraph(d: AttributedGraphArrays): Graph {
  const E = d.numEdges;
  const ei = new Int32Array(2 * E);
  for (let v = 0; v < d.numNodes; v++)
    for (let e = d.ptr[v]!; e < d.ptr[v + 1]!; e++) {
      ei[e] = d.index[e]!;
      ei[E + e] = v;
    }
  const bool = (m: Uint8Array) => new Tensor(m, [m.length], "bool");
  return new Graph({
    x: new Tensor(d.x, [d.numNodes, d.numFeatures], "float32"),
    edgeIndex: new Tensor(ei, [2, E], "int32"),
    y: new Tensor(d.y, [d.numNodes], "int32"),
    trainMask: bool(d.trainMask),
    valMask: bool(d.valMask),
    testMask: bool(d.testMask),
  });
}

function count(m: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < m.length; i++) c += m[i]!;
  return c;
}

/** Keeps the first `n` nodes of a mask (undefined: all). */
function firstOf(m: Uint8Array, n: number | undefined): Uint8Array {
  if (n === undefined) return m;
  const out = new Uint8Array(m.length);
  for (let i = 0, c = 0; i < m.length && c < n; i++)
    if (m[i]) {
      out[i] = 1;
      c++;
    }
  return out;
}

/** The arrays with first-N limits on the training nodes and on the validation and test nodes. */
function limited(a: AttributedGraphArrays, train: number | undefined, test: number | undefined): AttributedGraphArrays {
  return {
    ...a,
    trainMask: firstOf(a.trainMask, train),
    valMask: firstOf(a.valMask, test),
    testMask: firstOf(a.testMask, test),
  };
}

function sbmDataset(name: string, numNodes: number): void {
  const opts = { numNodes, seed: 0 };
  registerDataset({
    name,
    description: `generated degree-corrected SBM, ${numNodes.toLocaleString("en-US")} nodes, ~${(numNodes * 10).toLocaleString("en-US")} edges, 10 classes, 32 features (node classification)`,
    kind: "node-classification",
    metric: "accuracy",
    mode: "max",
    defaultSeeds: 1,
    sampling: true,
    limits: true,
    async load({ sampling, log, trainLimit, testLimit }) {
      let arrays: AttributedGraphArrays | null = null;
      const gen = () => {
        if (arrays === null) {
          const t0 = performance.now();
          arrays = stochasticBlockModel(opts);
          log?.(`  generated ${name} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        }
        return arrays;
      };
      const fingerprint = `stochasticBlockModel ${JSON.stringify(opts)} v1`;
      const info = { kind: "node-classification" as const, numFeatures: 32, numClasses: 10 };
      const split = `random 10/5/10 % train/val/test split`;
      if (sampling !== undefined && sampling.loader !== "full") {
        let mem: ReturnType<typeof attributedGraphStores> | null = null;
        const src: SamplingSource = {
          name,
          numNodes,
          fingerprint,
          memory: () => {
            mem ??= attributedGraphStores(gen());
            return mem;
          },
        };
        return sampledLoadedDataset(src, sampling, info, split, log, { train: trainLimit, test: testLimit });
      }
      const a = limited(gen(), trainLimit, testLimit);
      const g = sbmGraph(a);
      return {
        info,
        summary: `${numNodes} nodes, ${a.numEdges} edges, 32 features, 10 classes; ${count(a.trainMask)}/${count(a.valMask)}/${count(a.testMask)} train/val/test nodes`,
        protocol: () => `${split}, full batch`,
        runs: (req) =>
          Array.from({ length: req.seeds }, (_, i) => ({
            label: `seed ${i + 1}/${req.seeds}`,
            seed: req.seed + i,
            task: () => nodeClassificationTask<Module>(g),
          })),
      };
    },
  });
}

sbmDataset("sbm-10k", 10_000);
sbmDataset("sbm-100k", 100_000);
sbmDataset("sbm-1m", 1_000_000);
