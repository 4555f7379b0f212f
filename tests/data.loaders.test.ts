// Subgraph loaders: neighbour sampling semantics (PyG's NeighborLoader), Cluster-GCN partitions,
// GraphSAINT random walks and normalisation, link batches with negatives, identical batches with and
// without worker threads, layer-wise trimming, and mini-batch training that matches full-batch.
import { afterAll, describe, expect, it } from "vitest";
import { attributedGraphStores, stochasticBlockModel } from "../src/data/datasets/sbm.js";
import { ClusterData, ClusterLoader } from "../src/data/loaders/cluster_loader.js";
import { GraphSAINTRandomWalkSampler } from "../src/data/loaders/graph_saint.js";
import { LinkNeighborLoader } from "../src/data/loaders/link_neighbor_loader.js";
import { NeighborLoader } from "../src/data/loaders/neighbor_loader.js";
import { inducedSubgraph, sampleNeighbors } from "../src/data/loaders/sampler.js";
import { InMemoryFeatureStore } from "../src/data/stores/memory.js";
import { Graph } from "../src/domains/graph/graph.js";
import { edgeCut, partitionGraph, randomPartition } from "../src/domains/graph/partition.js";
import { closeWorkerPool, SameThreadPool, setNumThreads } from "../src/kernels/pool.js";
import { GraphSAGE } from "../src/layers/graphs/models.js";
import "../src/node/worker_pool.js";
import { Adam } from "../src/optim/adam.js";
import { noGrad } from "../src/tensor/autograd.js";
import { Generator, manualSeed } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";
import { sampledNodeClassificationTask } from "../src/train/sampled_tasks.js";
import { nodeClassificationTask } from "../src/train/tasks.js";
import { Trainer } from "../src/train/trainer.js";

afterAll(async () => {
  setNumThreads(1);
  await closeWorkerPool();
});

const sbm = stochasticBlockModel({ numNodes: 2000, avgDegree: 8, numFeatures: 8, numClasses: 4, seed: 1 });
const stores = attributedGraphStores(sbm);
const { graphStore } = stores;

/** Whether u → v is an edge of the store (u among v's incoming neighbours). */
function hasEdge(u: number, v: number): boolean {
  for (let e = sbm.ptr[v]!; e < sbm.ptr[v + 1]!; e++) if (sbm.index[e] === u) return true;
  return false;
}

describe("sampleNeighbors", () => {
  const seeds = Int32Array.of(5, 17, 1999, 0, 256);

  it("puts the seeds first, draws at most k distinct neighbours per node and hop, and counts hops", async () => {
    const s = await sampleNeighbors(graphStore, seeds, { fanouts: [4, 3] }, new Generator(0));
    expect(Array.from(s.nId.subarray(0, 5))).toEqual(Array.from(seeds));
    expect(new Set(s.nId).size).toBe(s.nId.length);
    const E = s.eId.length;
    expect(s.edgeIndex.length).toBe(2 * E);
    expect(s.numSampledNodes!.reduce((a, b) => a + b, 0)).toBe(s.nId.length);
    expect(s.numSampledEdges!.reduce((a, b) => a + b, 0)).toBe(E);
    const perTarget = new Map<number, number[]>();
    for (let k = 0; k < E; k++) {
      const u = s.nId[s.edgeIndex[k]!]!;
      const v = s.nId[s.edgeIndex[E + k]!]!;
      expect(hasEdge(u, v)).toBe(true);
      expect(sbm.index[s.eId[k]!]).toBe(u); // store edge ids point at the sampled neighbour
      perTarget.set(v, [...(perTarget.get(v) ?? []), s.eId[k]!]);
    }
    // hop-1 edges target seeds, each seed draws min(k, deg) distinct edges
    const hop1 = s.numSampledEdges![0]!;
    for (let k = 0; k < hop1; k++) expect(s.edgeIndex[E + k]!).toBeLessThan(5);
    for (const v of seeds) {
      const deg = sbm.ptr[v + 1]! - sbm.ptr[v]!;
      const drawn = perTarget.get(v) ?? [];
      expect(drawn.length).toBe(Math.min(4, deg));
      expect(new Set(drawn).size).toBe(drawn.length);
    }
    // same seed, same sample; another seed, another sample
    expect(await sampleNeighbors(graphStore, seeds, { fanouts: [4, 3] }, new Generator(0))).toEqual(s);
    expect(await sampleNeighbors(graphStore, seeds, { fanouts: [4, 3] }, new Generator(1))).not.toEqual(s);
  });

  it("takes all neighbours with −1, exactly k draws with replacement, and the induced subgraph when undirected", async () => {
    const all = await sampleNeighbors(graphStore, seeds, { fanouts: [-1] }, new Generator(0));
    const deg = (v: number) => sbm.ptr[v + 1]! - sbm.ptr[v]!;
    expect(all.eId.length).toBe(seeds.reduce((a, v) => a + deg(v), 0));
    const rep = await sampleNeighbors(graphStore, seeds, { fanouts: [50], replace: true }, new Generator(0));
    expect(rep.eId.length).toBe(50 * seeds.filter((v) => deg(v) > 0).length);
    const und = await sampleNeighbors(graphStore, seeds, { fanouts: [3, 2], directed: false }, new Generator(2));
    expect(und.numSampledEdges).toBeNull();
    const ind = await inducedSubgraph(graphStore, und.nId);
    expect(und.nId).toEqual(ind.nId);
    const key = (s: typeof ind) => {
      const E = s.eId.length;
      return Array.from({ length: E }, (_, k) => `${s.edgeIndex[k]}>${s.edgeIndex[E + k]}`).sort();
    };
    expect(key(und)).toEqual(key(ind));
    // induced: every store edge between two sampled nodes
    const set = new Set(und.nId);
    let expected = 0;
    for (const v of und.nId) for (let e = sbm.ptr[v]!; e < sbm.ptr[v + 1]!; e++) if (set.has(sbm.index[e]!)) expected++;
    expect(und.eId.length).toBe(expected);
  });

  it("rejects bad seeds and fanouts with clear errors", async () => {
    await expect(sampleNeighbors(graphStore, Int32Array.of(3, 3), { fanouts: [2] }, new Generator(0))).rejects.toThrow(
      /distinct node ids, got 3 twice/,
    );
    await expect(sampleNeighbors(graphStore, Int32Array.of(2000), { fanouts: [2] }, new Generator(0))).rejects.toThrow(
      /node ids in \[0, 2000\)/,
    );
    await expect(sampleNeighbors(graphStore, Int32Array.of(1), { fanouts: [-2] }, new Generator(0))).rejects.toThrow(
      /fanouts/,
    );
  });
});

describe("NeighborLoader", () => {
  it("batches the input nodes (mask or list), relabels seeds first and gathers their attributes", async () => {
    const mask = new Tensor(sbm.trainMask, [2000], "bool");
    const loader = new NeighborLoader(stores, { numNeighbors: [5, 5], batchSize: 64, inputNodes: mask });
    const train = Array.from(sbm.trainMask.keys()).filter((v) => sbm.trainMask[v]);
    expect(loader.length).toBe(Math.ceil(train.length / 64));
    const seen: number[] = [];
    for await (const b of loader) {
      const n = b.numNodes;
      expect(b.x!.shape).toEqual([n, 8]);
      expect(b.y!.shape).toEqual([n]);
      for (let i = 0; i < n; i++) {
        const v = b.nId.data[i]!;
        expect(b.y!.data[i]).toBe(sbm.y[v]);
        expect(b.x!.data[i * 8 + 3]).toBe(sbm.x[v * 8 + 3]);
      }
      for (let i = 0; i < b.batchSize; i++) {
        seen.push(b.nId.data[i]!);
        expect(train[b.inputId!.data[i]!]).toBe(b.nId.data[i]);
      }
    }
    expect(seen).toEqual(train);
    expect(loader.stats.batches).toBe(loader.length);
    const list = new NeighborLoader(stores, {
      numNeighbors: [2],
      batchSize: 3,
      inputNodes: [7, 8, 9, 10],
      dropLast: true,
    });
    expect(list.length).toBe(1);
    expect(() => new NeighborLoader(stores, { numNeighbors: [2], inputNodes: [1, 1] })).toThrow(/distinct node ids/);
    expect(() => new NeighborLoader(stores, { numNeighbors: [] })).toThrow(/numNeighbors/);
    expect(() => new NeighborLoader(stores, { numNeighbors: [2], attrs: ["z"] })).toThrow(/attrs/);
  });

  it("hands out the same batches with worker threads as on the calling thread", async () => {
    const run = async (threads: number) => {
      setNumThreads(threads);
      const loader = new NeighborLoader(stores, {
        numNeighbors: [6, 4],
        batchSize: 100,
        inputNodes: Int32Array.from({ length: 600 }, (_, i) => 3 * i + 1),
        shuffle: true,
        generator: new Generator(11),
      });
      const sig: unknown[] = [];
      for (let epoch = 0; epoch < 2; epoch++)
        for await (const b of loader)
          sig.push([b.nId.data, b.edgeIndex.data, b.eId.data, b.x!.data, b.numSampledEdges]);
      return sig;
    };
    const one = await run(1);
    const two = await run(3);
    expect(two).toEqual(one);
    setNumThreads(1);
  });

  it("lets GraphSAGE run each layer on the hops it needs (trimmed outputs equal the full pass)", async () => {
    manualSeed(0);
    const model = new GraphSAGE(8, 16, 2, 4);
    model.eval();
    const loader = new NeighborLoader(stores, { numNeighbors: [5, 4], batchSize: 50, pool: new SameThreadPool() });
    for await (const b of loader) {
      const full = noGrad(() => model.forward(b.x!, b.edgeIndex));
      const trimmed = noGrad(() =>
        model.forward(b.x!, b.edgeIndex, {
          numSampledNodesPerHop: b.numSampledNodes,
          numSampledEdgesPerHop: b.numSampledEdges,
        }),
      );
      expect(trimmed.shape).toEqual([b.batchSize, 4]);
      const f = full.data;
      const t = trimmed.data;
      for (let i = 0; i < t.length; i++) expect(t[i]).toBeCloseTo(f[i]!, 5);
      break;
    }
  });
});

describe("Cluster-GCN", () => {
  it("partitions into balanced parts that cut far fewer edges than a random partition", () => {
    const part = partitionGraph(sbm.ptr, sbm.index, 20, { seed: 0 });
    const sizes = new Int32Array(20);
    for (const p of part) sizes[p]!++;
    expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.ceil(Math.ceil(2000 / 20) * 1.05));
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    const cut = edgeCut(sbm.ptr, sbm.index, part);
    const rnd = edgeCut(sbm.ptr, sbm.index, randomPartition(2000, 20, 0));
    expect(rnd).toBeGreaterThan(0.9);
    expect(cut).toBeLessThan(0.75 * rnd);
    // a graph of 4 disjoint cliques splits without cuts
    const k = 5;
    const ptr = new Int32Array(4 * k + 1);
    const index: number[] = [];
    for (let v = 0; v < 4 * k; v++) {
      const c = Math.floor(v / k);
      for (let u = c * k; u < (c + 1) * k; u++) if (u !== v) index.push(u);
      ptr[v + 1] = index.length;
    }
    const cliques = partitionGraph(ptr, Int32Array.from(index), 4);
    expect(edgeCut(ptr, Int32Array.from(index), cliques)).toBe(0);
  });

  it("covers every node once per epoch with the induced subgraphs of a few parts", async () => {
    const data = new ClusterData(stores, { numParts: 10 });
    expect(data.edgeCut).toBeLessThan(data.randomEdgeCut);
    const loader = new ClusterLoader(data, { batchSize: 3, shuffle: true, generator: new Generator(0) });
    expect(loader.length).toBe(4);
    const seen = new Int32Array(2000);
    for await (const b of loader) {
      expect(b.batchSize).toBe(b.numNodes);
      for (const v of b.nId.data) seen[v]!++;
      const ind = await inducedSubgraph(graphStore, b.nId.data as Int32Array);
      expect(b.edgeIndex.data).toEqual(ind.edgeIndex);
      expect(b.get("trainMask")!.dtype).toBe("bool");
    }
    expect(Array.from(seen).every((c) => c === 1)).toBe(true);
    const store = new InMemoryFeatureStore(3);
    expect(
      () =>
        new ClusterData({ graphStore: { ...graphStore, numNodes: 3 } as never, featureStore: store }, { numParts: 2 }),
    ).toThrow(/adjacency in memory/);
  });
});

describe("GraphSAINTRandomWalkSampler", () => {
  it("samples induced subgraphs of random walks, with normalisations that make the loss unbiased", async () => {
    const saint = new GraphSAINTRandomWalkSampler(stores, {
      batchSize: 40,
      walkLength: 3,
      numSteps: 5,
      sampleCoverage: 20,
      generator: new Generator(0),
    });
    let normSum = 0;
    let batches = 0;
    for (let epoch = 0; epoch < 4; epoch++) {
      for await (const b of saint) {
        const ids = Array.from(b.nId.data);
        expect(ids).toEqual([...ids].sort((a, c) => a - c));
        expect(b.numNodes).toBeLessThanOrEqual(40 * 4);
        expect(b.edgeIndex.data).toEqual((await inducedSubgraph(graphStore, b.nId.data as Int32Array)).edgeIndex);
        const nn = b.get("nodeNorm")!;
        expect(nn.shape).toEqual([b.numNodes]);
        expect(b.get("edgeNorm")!.shape).toEqual([b.numEdges]);
        normSum += (nn.data as Float32Array).reduce((a, x) => a + x, 0);
        batches++;
      }
    }
    // E[Σ_{v in a sample} n / (C_v N)] = 1: each batch's node weights sum to about one on average
    expect(normSum / batches).toBeGreaterThan(0.8);
    expect(normSum / batches).toBeLessThan(1.2);
    expect(saint.edgeNorm!.every((w) => w > 0 && w <= 1e4)).toBe(true);
  });
});

describe("LinkNeighborLoader", () => {
  it("batches supervision edges with negatives and relabels them onto sorted seed nodes", async () => {
    const M = 300;
    const ei = new Int32Array(2 * M);
    for (let i = 0; i < M; i++) {
      const v = (i * 7) % 2000;
      ei[i] = sbm.index[sbm.ptr[v]!]!;
      ei[M + i] = v;
    }
    const loader = new LinkNeighborLoader(stores, {
      numNeighbors: [4, 2],
      edgeLabelIndex: new Tensor(ei, [2, M], "int32"),
      negSamplingRatio: 2,
      batchSize: 64,
      shuffle: true,
      generator: new Generator(0),
    });
    let pos = 0;
    for await (const b of loader) {
      const li = b.get("edgeLabelIndex")!;
      const lab = b.get("edgeLabel")!;
      const m = b.inputId!.size;
      expect(lab.size).toBe(3 * m);
      const seeds = Array.from(b.nId.data.subarray(0, b.batchSize));
      expect(seeds).toEqual([...seeds].sort((a, c) => a - c));
      const L = lab.size;
      for (let k = 0; k < L; k++) {
        const u = b.nId.data[li.data[k]!]!;
        const v = b.nId.data[li.data[L + k]!]!;
        expect(li.data[k]!).toBeLessThan(b.batchSize);
        if (k < m) {
          expect(lab.data[k]).toBe(1);
          const e = b.inputId!.data[k]!;
          expect([u, v]).toEqual([ei[e], ei[M + e]]);
          pos++;
        } else expect(lab.data[k]).toBe(0);
      }
    }
    expect(pos).toBe(M);
  });
});

describe("mini-batch training", () => {
  it("reaches full-batch accuracy with neighbour sampling and with Cluster-GCN (small SBM)", async () => {
    setNumThreads(2);
    const d = stochasticBlockModel({
      numNodes: 1500,
      avgDegree: 10,
      numFeatures: 8,
      numClasses: 4,
      signal: 1,
      seed: 4,
      trainFraction: 0.3,
      valFraction: 0.1,
      testFraction: 0.3,
    });
    const s = attributedGraphStores(d);
    const ei = new Int32Array(2 * d.numEdges);
    for (let v = 0; v < d.numNodes; v++)
      for (let e = d.ptr[v]!; e < d.ptr[v + 1]!; e++) {
        ei[e] = d.index[e]!;
        ei[d.numEdges + e] = v;
      }
    const bool = (m: Uint8Array) => new Tensor(m, [m.length], "bool");
    const graph = new Graph({
      x: new Tensor(d.x, [d.numNodes, 8], "float32"),
      edgeIndex: new Tensor(ei, [2, d.numEdges], "int32"),
      y: new Tensor(d.y, [d.numNodes], "int32"),
      trainMask: bool(d.trainMask),
      valMask: bool(d.valMask),
      testMask: bool(d.testMask),
    });
    async function trainAndTest(task: ReturnType<typeof nodeClassificationTask>, epochs: number): Promise<number> {
      manualSeed(0);
      const model = new GraphSAGE(8, 32, 2, 4, { dropout: 0.2 });
      const t = new Trainer(model, task, { optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs });
      await t.fit();
      return (await t.test()).accuracy!;
    }
    const full = await trainAndTest(nodeClassificationTask(graph), 60);
    const gen = new Generator(0);
    const nl = (mask: Uint8Array, shuffle = false) =>
      new NeighborLoader(s, {
        numNeighbors: [10, 10],
        batchSize: 128,
        inputNodes: bool(mask),
        shuffle,
        generator: gen,
      });
    const mini = await trainAndTest(
      sampledNodeClassificationTask({ train: nl(d.trainMask, true), val: nl(d.valMask), test: nl(d.testMask) }),
      30,
    );
    const cd = new ClusterData(s, { numParts: 12 });
    // Cluster-GCN trains on parts; evaluation samples whole neighbourhoods (cutting parts would drop edges)
    const cluster = await trainAndTest(
      sampledNodeClassificationTask({
        train: new ClusterLoader(cd, { batchSize: 4, shuffle: true, generator: gen }),
        val: nl(d.valMask),
        test: nl(d.testMask),
        masks: { train: "trainMask" },
      }),
      40,
    );
    expect(full).toBeGreaterThan(0.75);
    expect(Math.abs(mini - full)).toBeLessThan(0.06);
    expect(Math.abs(cluster - full)).toBeLessThan(0.08);
  });
});
