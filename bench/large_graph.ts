/**
 * Mini-batch GraphSAGE on the generated 10⁶-node SBM graph (`erlangen train --dataset sbm-1m`'s graph):
 * training epochs over a fixed number of neighbour-sampled batches with the worker pool off and on
 * (alternated in one process, so both see the same machine load), and the loader's throughput on the
 * in-memory and PostgreSQL stores (the same batches, no training). Prints one JSON line per
 * measurement and a closing summary line with the ratios. Node-only; from the sources:
 *
 *   nice -n 10 node scripts/run-ts.mjs bench/large_graph.ts --nodes 1000000 --batches 20 --rounds 2
 *   nice -n 10 node scripts/run-ts.mjs bench/large_graph.ts --skip-train --stores memory,postgres
 *
 * Flags: `--nodes N` (default 10⁶), `--batches B` (training batches per epoch, default 20),
 * `--batch-size S` (seed nodes, default 1024), `--fanout 15,10`, `--hidden H` (default 64),
 * `--threads 1,2` (thread counts to alternate), `--rounds R` (alternations, default 2),
 * `--stores memory[,postgres]` (loader throughput; postgres starts a temporary server and needs
 * Debian's server binaries), `--skip-train`, `--seed N`.
 */
import { parseArgs } from "node:util";
import { attributedGraphStores, stochasticBlockModel } from "../src/data/datasets/sbm.js";
import { NeighborLoader } from "../src/data/loaders/neighbor_loader.js";
import type { FeatureStore, GraphStore } from "../src/data/stores/store.js";
import { SameThreadPool, type WorkerPool } from "../src/kernels/pool.js";
import { GraphSAGE } from "../src/layers/graphs/models.js";
import { findPostgresBinaries, startTemporaryPostgres } from "../src/node/pg_server.js";
import { connectPostgresStores, writePostgresStores } from "../src/node/postgres_store.js";
import { NodeWorkerPool } from "../src/node/worker_pool.js";
import { Adam } from "../src/optim/adam.js";
import { Generator, manualSeed } from "../src/tensor/rng.js";
import { sampledNodeClassificationTask } from "../src/train/sampled_tasks.js";
import { Trainer } from "../src/train/trainer.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000000" },
    batches: { type: "string", default: "20" },
    "batch-size": { type: "string", default: "1024" },
    fanout: { type: "string", default: "15,10" },
    hidden: { type: "string", default: "64" },
    threads: { type: "string", default: "1,2" },
    rounds: { type: "string", default: "2" },
    stores: { type: "string", default: "memory" },
    "skip-train": { type: "boolean", default: false },
    seed: { type: "string", default: "0" },
  },
});
const N = Number(values.nodes);
const B = Number(values.batches);
const S = Number(values["batch-size"]);
const fanouts = values.fanout.split(",").map(Number);
const hidden = Number(values.hidden);
const threadCounts = values.threads.split(",").map(Number);
const rounds = Number(values.rounds);
const stores = values.stores.split(",");
const seed = Number(values.seed);

const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const emit = (line: Record<string, unknown>) => console.log(JSON.stringify(line));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

let t0 = performance.now();
const arrays = stochasticBlockModel({ numNodes: N, seed });
const mem = attributedGraphStores(arrays);
emit({
  step: "generate",
  nodes: N,
  edges: arrays.numEdges,
  features: arrays.numFeatures,
  classes: arrays.numClasses,
  s: +((performance.now() - t0) / 1000).toFixed(2),
  rssMb: rssMb(),
});
let train = 0;
for (let v = 0; v < N; v++) train += arrays.trainMask[v]!;
const trainIds = new Int32Array(train);
for (let v = 0, c = 0; v < N; v++) if (arrays.trainMask[v]) trainIds[c++] = v;
const seeds = trainIds.subarray(0, Math.min(train, B * S));

/** One pool per thread count, started (and warmed up) once: the calling thread plus `threads − 1` workers. */
const pools = new Map<number, WorkerPool>();
async function poolFor(threads: number): Promise<WorkerPool> {
  let p = pools.get(threads);
  if (p === undefined) {
    p = threads === 1 ? new SameThreadPool() : new NodeWorkerPool(threads - 1);
    pools.set(threads, p);
    // warm-up: each worker loads the sampling module before anything is timed
    const warm = loader(mem, false, p);
    t0 = performance.now();
    let n = 0;
    for await (const _ of warm) if (++n >= 2 * threads) break;
    emit({ step: "pool warm-up", threads, s: +((performance.now() - t0) / 1000).toFixed(2) });
  }
  return p;
}

function loader(
  data: { graphStore: GraphStore; featureStore: FeatureStore },
  shuffle: boolean,
  pool: WorkerPool,
): NeighborLoader {
  return new NeighborLoader(data, {
    pool,
    numNeighbors: fanouts,
    batchSize: S,
    inputNodes: seeds,
    shuffle,
    generator: new Generator(seed + 1),
    attrs: ["x", "y"],
  });
}

/** One training epoch over the fixed batches on `threads` threads. */
async function epoch(threads: number, round: number): Promise<Record<string, number>> {
  const pool = await poolFor(threads);
  manualSeed(seed);
  const model = new GraphSAGE(arrays.numFeatures, hidden, fanouts.length, arrays.numClasses, {
    dropout: 0.5,
    inputDropout: 0.5,
    aggr: "mean",
  });
  const l = loader(mem, true, pool);
  const task = sampledNodeClassificationTask({ train: l });
  const trainer = new Trainer(model, task, {
    optimizer: new Adam(model.parameters(), { lr: 0.01, weightDecay: 5e-4 }),
    epochs: 1,
  });
  const hist = await trainer.fit();
  const ms = hist.epochs[0]!.ms;
  const s = l.stats;
  const line = {
    threads,
    round,
    batches: s.batches,
    epochMs: Math.round(ms),
    waitMs: Math.round(s.waitMs),
    waitShare: +(s.waitMs / ms).toFixed(4),
    sampleMs: Math.round(s.sampleMs),
    gatherMs: Math.round(s.gatherMs),
    edgesPerBatch: Math.round(s.edges / s.batches),
    nodesPerBatch: Math.round(s.nodes / s.batches),
    edgesPerSecond: Math.round(s.edges / (ms / 1000)),
    loss: +hist.epochs[0]!.loss.toFixed(4),
  };
  emit({ step: "train epoch", ...line, rssMb: rssMb() });
  return line;
}

const summary: Record<string, unknown> = { nodes: N, edges: arrays.numEdges, batches: B, batchSize: S, fanouts };
if (!values["skip-train"]) {
  const runs: Record<number, Record<string, number>[]> = {};
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? threadCounts : [...threadCounts].reverse();
    for (const t of order) (runs[t] ??= []).push(await epoch(t, r));
  }
  const med = (t: number, k: string) => median(runs[t]!.map((x) => x[k]!));
  for (const t of threadCounts)
    summary[`threads${t}`] = {
      epochMs: med(t, "epochMs"),
      waitShare: med(t, "waitShare"),
      edgesPerSecond: med(t, "edgesPerSecond"),
      sampleGatherMs: med(t, "sampleMs") + med(t, "gatherMs"),
    };
  if (threadCounts.length >= 2) {
    const [a, b] = [threadCounts[0]!, threadCounts.at(-1)!];
    summary.poolSpeedup = +(med(a, "epochMs") / med(b, "epochMs")).toFixed(3);
    summary.poolSpeedupPerRound = runs[a]!.map((x, i) => +(x.epochMs! / runs[b]![i]!.epochMs!).toFixed(3));
  }
  summary.peakRssMbTraining = peakRssMb();
}

/** Loader throughput: the same batches, no training. */
async function throughput(
  name: string,
  data: { graphStore: GraphStore; featureStore: FeatureStore },
  threads: number,
): Promise<number> {
  const l = loader(data, false, await poolFor(threads));
  t0 = performance.now();
  let edges = 0;
  for await (const b of l) edges += b.numEdges;
  const ms = performance.now() - t0;
  const eps = edges / (ms / 1000);
  emit({
    step: "loader",
    store: name,
    threads,
    batches: l.stats.batches,
    ms: Math.round(ms),
    edgesPerSecond: Math.round(eps),
  });
  return eps;
}

if (stores.length > 0 && values.stores !== "") {
  // a store named twice (memory,postgres,memory) is timed twice and averaged, so load changes
  // during the run hit both stores alike
  const eps: Record<string, number> = {};
  const all: Record<string, number[]> = {};
  const note = (k: string, v: number) => {
    (all[k] ??= []).push(v);
    eps[k] = all[k]!.reduce((a, b) => a + b, 0) / all[k]!.length;
  };
  for (const st of stores) {
    if (st === "memory") {
      note("memory", await throughput("memory", mem, 1));
    } else if (st === "postgres") {
      if (findPostgresBinaries() === null) {
        emit({ step: "loader", store: "postgres", skipped: "PostgreSQL server binaries (initdb, pg_ctl) not found" });
        continue;
      }
      const server = await startTemporaryPostgres();
      try {
        t0 = performance.now();
        await writePostgresStores(server.url, mem.graphStore, mem.featureStore, {
          prefix: "bench",
          fingerprint: "bench",
        });
        emit({ step: "postgres write", s: +((performance.now() - t0) / 1000).toFixed(1) });
        const pg = await connectPostgresStores(server.url, { prefix: "bench" });
        try {
          note("postgres", await throughput("postgres", pg, 1));
        } finally {
          await pg.graphStore.close();
          await pg.featureStore.close();
        }
      } finally {
        await server.stop();
      }
    }
  }
  if (eps.memory !== undefined && eps.postgres !== undefined)
    summary.postgresOverMemory = +(eps.postgres / eps.memory).toFixed(4);
  summary.loaderEdgesPerSecond = eps;
}
summary.peakRssMb = peakRssMb();
emit({ step: "summary", ...summary });
for (const p of pools.values()) await p.close();
