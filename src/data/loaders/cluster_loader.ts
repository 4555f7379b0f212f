/**
 * Cluster-GCN (Chiang et al., "Cluster-GCN: An Efficient Algorithm for Training Deep and Large Graph
 * Convolutional Networks", 2019; PyG's `ClusterData` / `ClusterLoader`): the graph is split once
 * into `numParts` balanced parts with few edges between them ({@link partitionGraph}); each batch
 * joins `batchSize` random parts and keeps every edge among their nodes (the edges between parts of
 * one batch included), so a model sees whole neighbourhoods except at the batch border.
 */
import { edgeCut, partitionGraph, partNodes, randomPartition } from "../../domains/graph/partition.js";
import { ErlangenError } from "../../tensor/errors.js";
import type { Generator } from "../../tensor/rng.js";
import { InMemoryGraphStore } from "../stores/memory.js";
import type { FeatureStore, GraphStore } from "../stores/store.js";
import {
  checkBatchSize,
  type LoaderData,
  type PlannedBatch,
  resolveStores,
  SubgraphLoader,
  type SubgraphLoaderOptions,
} from "./base.js";

/** Options of {@link ClusterData}. */
export interface ClusterDataOptions {
  /** Number of parts. */
  numParts: number;
  /** Seed of the partitioner (default 0). */
  seed?: number;
  /** Refinement passes of the partitioner (default 4). */
  refinePasses?: number;
  /** Largest part as a multiple of N / numParts (default 1.05). */
  imbalance?: number;
  /**
   * The adjacency to partition when the graph store is not held in memory (e.g. a database): the
   * same graph as an {@link InMemoryGraphStore}. Batches still come from the given stores.
   */
  adjacency?: InMemoryGraphStore;
}

/** A graph split into parts (computed once; the adjacency must be held in memory). */
export class ClusterData {
  readonly graphStore: GraphStore;
  readonly featureStore: FeatureStore | null;
  readonly numParts: number;
  /** Part of each node. */
  readonly part: Int32Array;
  /** Nodes of part p: `nodes[ptr[p] .. ptr[p + 1])`. */
  readonly partPtr: Int32Array;
  readonly partNodes: Int32Array;
  /** Fraction of edges between parts, and the same for a balanced random partition (the baseline). */
  readonly edgeCut: number;
  readonly randomEdgeCut: number;

  constructor(data: LoaderData, opts: ClusterDataOptions) {
    const { graphStore, featureStore } = resolveStores(data);
    const adj = opts.adjacency ?? graphStore;
    if (!(adj instanceof InMemoryGraphStore))
      throw new ErlangenError(
        "ClusterData: argument 'data' expected the adjacency in memory (a Graph or an InMemoryGraphStore) to partition it, or opts.adjacency",
      );
    if (adj.numNodes !== graphStore.numNodes || adj.numEdges !== graphStore.numEdges)
      throw new ErlangenError(
        `ClusterData: argument 'adjacency' expected the store's graph (${graphStore.numNodes} nodes, ${graphStore.numEdges} edges), got ${adj.numNodes} nodes, ${adj.numEdges} edges`,
      );
    this.graphStore = graphStore;
    this.featureStore = featureStore;
    this.numParts = opts.numParts;
    this.part = partitionGraph(adj.ptr, adj.index, opts.numParts, {
      seed: opts.seed,
      refinePasses: opts.refinePasses,
      imbalance: opts.imbalance,
    });
    const pn = partNodes(this.part, opts.numParts);
    this.partPtr = pn.ptr;
    this.partNodes = pn.nodes;
    this.edgeCut = edgeCut(adj.ptr, adj.index, this.part);
    this.randomEdgeCut = edgeCut(adj.ptr, adj.index, randomPartition(adj.numNodes, opts.numParts, opts.seed ?? 0));
  }
}

/** Options of {@link ClusterLoader}. */
export interface ClusterLoaderOptions extends SubgraphLoaderOptions {
  /** Parts per batch (default 1). */
  batchSize?: number;
}

/**
 * Batches of `batchSize` parts of a {@link ClusterData}, with every edge among their nodes. All nodes
 * of a batch are its "seeds" (`batchSize` of the batch = its node count): score them through a mask
 * attribute (`trainMask`, …).
 */
export class ClusterLoader extends SubgraphLoader {
  readonly clusterData: ClusterData;
  readonly batchSize: number;

  constructor(clusterData: ClusterData, opts: ClusterLoaderOptions = {}) {
    super({ graphStore: clusterData.graphStore, featureStore: clusterData.featureStore }, opts);
    this.clusterData = clusterData;
    this.batchSize = checkBatchSize("ClusterLoader", opts.batchSize);
  }

  get length(): number {
    return Math.ceil(this.clusterData.numParts / this.batchSize);
  }

  protected plan(g: Generator): PlannedBatch[] {
    const { numParts, partPtr, partNodes: nodes } = this.clusterData;
    const order = this.shuffle ? g.permutation(numParts) : Int32Array.from({ length: numParts }, (_, i) => i);
    const plans: PlannedBatch[] = [];
    for (let b = 0; b < this.length; b++) {
      const parts = order.subarray(b * this.batchSize, Math.min(numParts, (b + 1) * this.batchSize));
      let n = 0;
      for (const p of parts) n += partPtr[p + 1]! - partPtr[p]!;
      const batch = new Int32Array(n);
      let o = 0;
      for (const p of parts) {
        batch.set(nodes.subarray(partPtr[p]!, partPtr[p + 1]!), o);
        o += partPtr[p + 1]! - partPtr[p]!;
      }
      plans.push({ request: { kind: "induced", nodes: batch }, seed: g.nextUint32(), batchSize: n, extra: null });
    }
    return plans;
  }
}
