import type { SubgraphLoader } from "../data/loaders/base.js";
import { ClusterData, ClusterLoader } from "../data/loaders/cluster_loader.js";
import { GraphSAINTRandomWalkSampler } from "../data/loaders/graph_saint.js";
import { NeighborLoader } from "../data/loaders/neighbor_loader.js";
import { InMemoryFeatureStore, InMemoryGraphStore } from "../data/stores/memory.js";
import type { FeatureStore, GraphStore } from "../data/stores/store.js";
import type { Graph } from "../domains/graph/graph.js";
import { getWorkerPool } from "../kernels/pool.js";
import { GCN } from "../layers/graphs/models.js";
import type { Module } from "../nn/module.js";
import { connectPostgresStores, readPostgresMeta, writePostgresStores } from "../node/postgres_store.js";
import { Generator } from "../tensor/rng.js";
import { sampledNodeClassificationTask } from "../train/sampled_tasks.js";
import { UsageError } from "./command.js";
import type { LoadedDataset, ProtocolRequest, RunSpec, SamplingRequest, SamplingStats } from "./registry.js";

/** A node-classification graph that can be put into stores. */
export interface SamplingSource {
  /** Dataset name (the PostgreSQL tables are prefixed `erlangen_<name>`). */
  name: string;
  numNodes: number;
  /** Identifies the data (recorded with stored tables; a mismatch rewrites them). */
  fingerprint: string;
  /** In-memory stores with `x`, `y`, `trainMask`, `valMask`, `testMask` (built on demand). */
  memory(): { graphStore: InMemoryGraphStore; featureStore: InMemoryFeatureStore };
}

/** The stores a sampled run draws from, and the split's node ids. */
export interface SampledDataset {
  graphStore: GraphStore;
  featureStore: FeatureStore;
  /** `memory` or the database URL without credentials. */
  storeName: string;
  /** The in-memory stores when the data is held in memory (Cluster-GCN partitions need them). */
  memory: (() => { graphStore: InMemoryGraphStore; featureStore: InMemoryFeatureStore }) | null;
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
  close(): Promise<void>;
}

function idsOf(mask: Uint8Array): Int32Array {
  let c = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) c++;
  const out = new Int32Array(c);
  c = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[c++] = i;
  return out;
}

async function maskIds(
  store: FeatureStore,
  numNodes: number,
): Promise<{ train: Int32Array; val: Int32Array; test: Int32Array }> {
  // a split without a mask attribute (e.g. karate has no validation nodes) is empty
  const all = ["trainMask", "valMask", "testMask"] as const;
  const names = all.filter((n) => store.attrs.some((a) => a.name === n));
  const masks = new Map(names.map((n) => [n, new Uint8Array(numNodes)]));
  const chunk = 250_000;
  for (let lo = 0; lo < numNodes && names.length > 0; lo += chunk) {
    const ids = Int32Array.from({ length: Math.min(numNodes, lo + chunk) - lo }, (_, i) => lo + i);
    const rows = await store.get(names, ids);
    for (const n of names) masks.get(n)!.set(rows[n]!, lo);
  }
  const ids = (n: (typeof all)[number]) => (masks.has(n) ? idsOf(masks.get(n)!) : new Int32Array(0));
  return { train: ids("trainMask"), val: ids("valMask"), test: ids("testMask") };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

/** Opens the stores `req.store` asks for (writing the PostgreSQL tables when missing or stale). */
export async function openSampledDataset(
  src: SamplingSource,
  req: SamplingRequest,
  log: (line: string) => void = () => {},
): Promise<SampledDataset> {
  if (req.store === "memory") {
    const mem = src.memory();
    return {
      ...mem,
      storeName: "memory",
      memory: () => mem,
      ...(await maskIds(mem.featureStore, src.numNodes)),
      close: async () => {},
    };
  }
  if (!/^postgres(ql)?:\/\//.test(req.store))
    throw new UsageError(`option '--store' expected 'memory' or a postgres:// URL, got '${req.store}'`, "train");
  const prefix = `erlangen_${src.name.toLowerCase().replace(/[^a-z0-9]+/g, "_")}`;
  const meta = await readPostgresMeta(req.store, { prefix });
  if (meta === null || meta.fingerprint !== src.fingerprint) {
    const t0 = performance.now();
    const mem = src.memory();
    let shown = -1;
    await writePostgresStores(req.store, mem.graphStore, mem.featureStore, {
      prefix,
      fingerprint: src.fingerprint,
      onProgress: (done, total) => {
        const pct = Math.floor((100 * done) / total / 10) * 10;
        if (pct !== shown) log(`  writing ${src.name} to PostgreSQL (${prefix}_*): ${pct} %`);
        shown = pct;
      },
    });
    log(`  ${src.name} written to PostgreSQL in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const pg = await connectPostgresStores(req.store, { prefix });
  return {
    graphStore: pg.graphStore,
    featureStore: pg.featureStore,
    storeName: `${redact(req.store)} (${prefix}_*)`,
    memory: req.loader === "cluster" ? () => src.memory() : null,
    ...(await maskIds(pg.featureStore, src.numNodes)),
    close: async () => {
      await pg.graphStore.close();
      await pg.featureStore.close();
    },
  };
}

/** Fan-outs of `layers` hops: the user's, else 15, 10, then 5 for further layers. */
export function resolveFanouts(req: SamplingRequest, layers: number): number[] {
  if (req.fanouts !== null) {
    if (req.fanouts.length !== layers)
      throw new UsageError(
        `option '--fanout' gives ${req.fanouts.length} hop${req.fanouts.length === 1 ? "" : "s"} (${req.fanouts.join(",")}) but the model has ${layers} layers; give one fan-out per layer`,
        "train",
      );
    return req.fanouts;
  }
  return Array.from({ length: layers }, (_, l) => (l === 0 ? 15 : l === 1 ? 10 : 5));
}

/** The runs of a sampled protocol: one per seed, each with its loaders. */
export function sampledNodeRuns(d: SampledDataset, req: ProtocolRequest): RunSpec[] {
  const s = req.sampling!;
  if (d.train.length === 0) throw new UsageError("the dataset has no training nodes to sample batches from", "train");
  const N = d.graphStore.numNodes;
  let cluster: ClusterData | null = null;
  return Array.from({ length: req.seeds }, (_, i) => {
    const seed = req.seed + i;
    let current: SubgraphLoader | null = null;
    let label: string = s.loader;
    const run: RunSpec = {
      label: `seed ${i + 1}/${req.seeds}`,
      seed,
      task: (model: Module, hp) => {
        const fanouts = resolveFanouts(s, hp.layers);
        const gen = new Generator(seed);
        const common = { generator: gen };
        const evalBatch = s.loader === "neighbor" ? (s.batchSize ?? 1024) : 1024;
        const evalLoader = (ids: Int32Array) =>
          ids.length === 0
            ? undefined
            : new NeighborLoader(d, {
                ...common,
                numNeighbors: fanouts,
                batchSize: evalBatch,
                inputNodes: ids,
                attrs: ["x", "y"],
              });
        let train: SubgraphLoader;
        let masks: { train?: string } = {};
        let nodeWeight: string | undefined;
        let edgeWeight: string | undefined;
        if (s.loader === "neighbor") {
          train = new NeighborLoader(d, {
            ...common,
            numNeighbors: fanouts,
            batchSize: s.batchSize ?? 1024,
            inputNodes: d.train,
            shuffle: true,
            attrs: ["x", "y"],
          });
          label = `neighbor [${fanouts.join(", ")}], batch ${s.batchSize ?? 1024}`;
        } else if (s.loader === "cluster") {
          if (d.memory === null)
            throw new UsageError("--loader cluster needs the graph in memory to partition it", "train");
          const numParts = s.numParts ?? Math.max(2, Math.ceil(N / 100));
          if (numParts > N)
            throw new UsageError(
              `option '--num-parts' expected at most ${N} parts (one per node), got ${numParts}`,
              "train",
            );
          if (cluster === null || cluster.numParts !== numParts)
            cluster = new ClusterData(d, { numParts, adjacency: d.memory().graphStore });
          const parts = s.batchSize ?? 8;
          train = new ClusterLoader(cluster, {
            ...common,
            batchSize: parts,
            shuffle: true,
            attrs: ["x", "y", "trainMask"],
          });
          masks = { train: "trainMask" };
          label = `cluster ${numParts} parts (edge cut ${(100 * cluster.edgeCut).toFixed(1)} %, random ${(100 * cluster.randomEdgeCut).toFixed(1)} %), ${parts} per batch`;
        } else {
          const walkLength = s.walkLength ?? 2;
          const roots = s.batchSize ?? Math.min(6000, Math.max(1, Math.ceil(N / 20)));
          const numSteps = Math.max(1, Math.ceil(N / (roots * (walkLength + 1))));
          train = new GraphSAINTRandomWalkSampler(d, {
            ...common,
            batchSize: roots,
            walkLength,
            numSteps,
            sampleCoverage: 20,
            attrs: ["x", "y", "trainMask"],
          });
          masks = { train: "trainMask" };
          nodeWeight = "nodeNorm";
          // aggregator normalisation needs a weighted aggregation (GCN); mean aggregators (SAGE) take none
          edgeWeight = model instanceof GCN ? "edgeNorm" : undefined;
          label = `saint ${roots} roots × walk ${walkLength}, ${numSteps} steps, coverage 20${edgeWeight ? "" : " (loss normalisation only)"}`;
        }
        current = train;
        return sampledNodeClassificationTask<Module>({
          train,
          val: evalLoader(d.val),
          test: evalLoader(d.test),
          masks,
          nodeWeight,
          edgeWeight,
        });
      },
      samplingStats: (): SamplingStats | null => {
        if (current === null) return null;
        const pool = getWorkerPool();
        return { loader: label, store: d.storeName, workers: pool.size, ...current.stats };
      },
    };
    return run;
  });
}

/** A source over a graph held in memory (`x` dense or sparse, `y` and the split masks). */
export function graphSource(name: string, graph: Graph, fingerprint: string): SamplingSource {
  let mem: { graphStore: InMemoryGraphStore; featureStore: InMemoryFeatureStore } | null = null;
  return {
    name,
    numNodes: graph.numNodes,
    fingerprint,
    memory: () => {
      if (mem === null)
        mem = { graphStore: InMemoryGraphStore.fromGraph(graph), featureStore: InMemoryFeatureStore.fromGraph(graph) };
      return mem;
    },
  };
}

/** The loaded dataset of a sampled protocol. */
export async function sampledLoadedDataset(
  src: SamplingSource,
  sampling: SamplingRequest,
  info: { numFeatures: number; numClasses: number },
  split: string,
  log?: (line: string) => void,
  limits: { train?: number; test?: number } = {},
): Promise<LoadedDataset> {
  const d = await openSampledDataset(src, sampling, log);
  // first-N limits (`--train-limit`, `--test-limit`; the test limit also caps validation)
  if (limits.train !== undefined) d.train = d.train.subarray(0, limits.train);
  if (limits.test !== undefined) {
    d.val = d.val.subarray(0, limits.test);
    d.test = d.test.subarray(0, limits.test);
  }
  return {
    info: { kind: "node-classification", ...info, sampled: true },
    summary: `${src.numNodes} nodes, ${d.graphStore.numEdges} edges, ${info.numFeatures} features, ${info.numClasses} classes; ${d.train.length}/${d.val.length}/${d.test.length} train/val/test nodes; store ${d.storeName}`,
    protocol: () => `${split}, mini-batches (--loader ${sampling.loader})`,
    runs: (req) => sampledNodeRuns(d, req),
    close: () => d.close(),
  };
}
