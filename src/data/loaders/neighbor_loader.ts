/**
 * NeighborLoader (Hamilton et al., "Inductive Representation Learning on Large Graphs", 2017; PyG's
 * `NeighborLoader`): mini-batches of seed nodes, each with its sampled L-hop neighbourhood. At hop
 * l every node first reached at hop l − 1 draws `numNeighbors[l]` of its incoming neighbours (−1:
 * all), with or without replacement. The batch is relabelled with the seed nodes first: the model's
 * outputs for rows `0..batchSize−1` are the seeds' predictions.
 */
import { opError } from "../../tensor/errors.js";
import type { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  checkBatchSize,
  inputNodeIds,
  type LoaderData,
  type PlannedBatch,
  SubgraphBatch,
  SubgraphLoader,
  type SubgraphLoaderOptions,
} from "./base.js";
import type { SubgraphTaskResult } from "./tasks.js";

/** Options of {@link NeighborLoader}. */
export interface NeighborLoaderOptions extends SubgraphLoaderOptions {
  /** Neighbours sampled per node at each hop, e.g. `[15, 10]` (−1: all); one entry per layer. */
  numNeighbors: readonly number[];
  /** Seed nodes: a bool mask `[N]`, int32 ids (distinct), or null for every node (default). */
  inputNodes?: Tensor | Int32Array | readonly number[] | null;
  /** Seed nodes per batch (default 1). */
  batchSize?: number;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
  /** Sample with replacement (default false). */
  replace?: boolean;
  /** `true` (default): only the sampled edges; `false`: the subgraph induced by the sampled nodes. */
  directed?: boolean;
}

/** Mini-batches of seed nodes with their sampled neighbourhoods; see the file header. */
export class NeighborLoader extends SubgraphLoader<SubgraphBatch, Int32Array> {
  readonly numNeighbors: readonly number[];
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly replace: boolean;
  readonly directed: boolean;
  /** The seed nodes, in input order. */
  readonly inputNodes: Int32Array;

  constructor(data: LoaderData, opts: NeighborLoaderOptions) {
    super(data, opts);
    const op = "NeighborLoader";
    const nn = opts?.numNeighbors;
    if (!Array.isArray(nn) || nn.length === 0)
      opError(op, "numNeighbors", "a non-empty array of integers (−1: all neighbours)", JSON.stringify(nn));
    for (const k of nn) if (!Number.isInteger(k) || k < -1) opError(op, "numNeighbors", "integers ≥ −1", String(k));
    this.numNeighbors = [...nn];
    this.batchSize = checkBatchSize(op, opts.batchSize);
    this.dropLast = opts.dropLast ?? false;
    this.replace = opts.replace ?? false;
    this.directed = opts.directed ?? true;
    this.inputNodes = inputNodeIds(op, opts.inputNodes, this.graphStore.numNodes);
  }

  get length(): number {
    const n = this.inputNodes.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  protected plan(g: Generator): PlannedBatch<Int32Array>[] {
    const n = this.inputNodes.length;
    const order = this.shuffle ? g.permutation(n) : null;
    const plans: PlannedBatch<Int32Array>[] = [];
    for (let b = 0; b < this.length; b++) {
      const lo = b * this.batchSize;
      const hi = Math.min(n, lo + this.batchSize);
      const pos = new Int32Array(hi - lo);
      const seeds = new Int32Array(hi - lo);
      for (let i = lo; i < hi; i++) {
        const p = order === null ? i : order[i]!;
        pos[i - lo] = p;
        seeds[i - lo] = this.inputNodes[p]!;
      }
      plans.push({
        request: {
          kind: "neighbor",
          seeds,
          fanouts: this.numNeighbors,
          replace: this.replace,
          directed: this.directed,
        },
        seed: g.nextUint32(),
        batchSize: seeds.length,
        extra: pos,
      });
    }
    return plans;
  }

  protected override wrap(res: SubgraphTaskResult, p: PlannedBatch<Int32Array>): SubgraphBatch {
    const b = new SubgraphBatch(res, this.infos(), p.batchSize);
    b.inputId = new Tensor(p.extra, [p.extra.length], "int32");
    return b;
  }
}
