/**
 * GraphSAINT random-walk sampler (Zeng et al., "GraphSAINT: Graph Sampling Based Inductive Learning
 * Method", ICLR 2020; PyG's `GraphSAINTRandomWalkSampler`): each batch starts `batchSize` random walks
 * of `walkLength` steps at uniformly drawn roots and keeps the subgraph induced by the visited nodes
 * (sorted by id). With `sampleCoverage > 0`, a pre-pass samples subgraphs until every node was drawn
 * `sampleCoverage` times on average and counts how often each node (C_v) and edge (C_uv) appeared
 * in `n` subgraphs; batches then carry the paper's normalisations:
 *
 *   nodeNorm_v = n / (C_v · N)     (loss weight: Σ_v nodeNorm_v · loss_v is an unbiased full-graph mean)
 *   edgeNorm_uv = C_v / C_uv       (aggregator weight of the edge u → v; v the aggregating node)
 *
 * clamped as PyG does (unseen nodes count 0.1; edge weights ≤ 10⁴, 0.1 for unseen edges). PyG divides
 * by the count of the edge's source (`edge_index[0]`) instead of its target; for undirected graphs,
 * where both directions are sampled together, the two agree up to which end's count is used.
 */
import { opError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  checkBatchSize,
  type LoaderData,
  type PlannedBatch,
  SubgraphBatch,
  SubgraphLoader,
  type SubgraphLoaderOptions,
} from "./base.js";
import { uniformNodes } from "./sampler.js";
import type { SubgraphTaskResult } from "./tasks.js";

/** Options of {@link GraphSAINTRandomWalkSampler}. */
export interface GraphSAINTOptions extends SubgraphLoaderOptions {
  /** Walk roots per batch. */
  batchSize: number;
  /** Steps per walk. */
  walkLength: number;
  /** Batches per epoch (default 1). */
  numSteps?: number;
  /** Mean draws per node of the normalisation pre-pass (default 0: no normalisation). */
  sampleCoverage?: number;
}

/** GraphSAINT's random-walk sampler; see the file header. */
export class GraphSAINTRandomWalkSampler extends SubgraphLoader {
  readonly batchSize: number;
  readonly walkLength: number;
  readonly numSteps: number;
  readonly sampleCoverage: number;
  /** `n / (C_v N)` per node and `C_v / C_uv` per store edge, after the pre-pass (null before or without it). */
  nodeNorm: Float32Array | null = null;
  edgeNorm: Float32Array | null = null;

  constructor(data: LoaderData, opts: GraphSAINTOptions) {
    super(data, opts);
    const op = "GraphSAINTRandomWalkSampler";
    this.batchSize = checkBatchSize(op, opts?.batchSize);
    this.walkLength = opts.walkLength;
    if (!Number.isInteger(this.walkLength) || this.walkLength < 0)
      opError(op, "walkLength", "a non-negative integer", String(opts.walkLength));
    this.numSteps = checkBatchSize(op, opts.numSteps, 1);
    this.sampleCoverage = opts.sampleCoverage ?? 0;
    if (!(this.sampleCoverage >= 0))
      opError(op, "sampleCoverage", "a non-negative number", String(opts.sampleCoverage));
  }

  get length(): number {
    return this.numSteps;
  }

  private plans(g: Generator, count: number): PlannedBatch[] {
    const N = this.graphStore.numNodes;
    return Array.from({ length: count }, () => ({
      request: { kind: "walk" as const, roots: uniformNodes(g, N, this.batchSize), walkLength: this.walkLength },
      seed: g.nextUint32(),
      batchSize: 0,
      extra: null,
    }));
  }

  /**
   * Runs the normalisation pre-pass (once; the first epoch does it when needed) with its own stream
   * seeded from `g`.
   */
  async computeNorm(g: Generator): Promise<void> {
    if (this.nodeNorm !== null || this.sampleCoverage === 0) return;
    const N = this.graphStore.numNodes;
    const E = this.graphStore.numEdges;
    const own = new Generator(g.nextUint32());
    const nodeCount = new Float32Array(N);
    const edgeCount = new Float32Array(E);
    const edgeTarget = new Int32Array(E).fill(-1);
    let samples = 0;
    let drawn = 0;
    while (drawn < N * this.sampleCoverage) {
      for await (const [res] of this.build(this.plans(own, this.numSteps), false, false)) {
        const { nId, eId, edgeIndex } = res.sub;
        for (let i = 0; i < nId.length; i++) nodeCount[nId[i]!]!++;
        const m = eId.length;
        for (let k = 0; k < m; k++) {
          const e = eId[k]!;
          edgeCount[e]!++;
          edgeTarget[e] = nId[edgeIndex[m + k]!]!;
        }
        drawn += nId.length;
      }
      samples += this.numSteps;
      if (drawn === 0) break;
    }
    const nodeNorm = new Float32Array(N);
    for (let v = 0; v < N; v++) nodeNorm[v] = samples / (nodeCount[v]! === 0 ? 0.1 : nodeCount[v]!) / N;
    const edgeNorm = new Float32Array(E);
    for (let e = 0; e < E; e++) {
      const c = edgeCount[e]!;
      edgeNorm[e] = c === 0 ? 0.1 : Math.min(1e4, nodeCount[edgeTarget[e]!]! / c);
    }
    this.nodeNorm = nodeNorm;
    this.edgeNorm = edgeNorm;
  }

  protected async plan(g: Generator): Promise<PlannedBatch[]> {
    await this.computeNorm(g);
    return this.plans(g, this.numSteps);
  }

  protected override wrap(res: SubgraphTaskResult): SubgraphBatch {
    const b = new SubgraphBatch(res, this.infos(), res.sub.nId.length);
    if (this.nodeNorm !== null && this.edgeNorm !== null) {
      const { nId, eId } = res.sub;
      const nn = new Float32Array(nId.length);
      for (let i = 0; i < nId.length; i++) nn[i] = this.nodeNorm[nId[i]!]!;
      const en = new Float32Array(eId.length);
      for (let k = 0; k < eId.length; k++) en[k] = this.edgeNorm[eId[k]!]!;
      b.set("nodeNorm", new Tensor(nn, [nn.length], "float32"), "node");
      b.set("edgeNorm", new Tensor(en, [en.length], "float32"), "edge");
    }
    return b;
  }
}
