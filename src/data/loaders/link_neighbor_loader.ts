/**
 * LinkNeighborLoader (PyG's `LinkNeighborLoader`): mini-batches of supervision edges for link
 * prediction. Each batch takes `batchSize` edges of `edgeLabelIndex`, adds `negSamplingRatio`
 * negative pairs per positive (both ends drawn uniformly from all nodes, PyG's "binary" negative
 * sampling: a drawn pair may happen to be an edge), and samples the neighbourhoods of every node
 * that appears in a pair, as {@link NeighborLoader} does. The seeds are these nodes, distinct and
 * sorted; the batch carries `edgeLabelIndex` (the pairs in local ids, positives first) and
 * `edgeLabel` (1 for positives — or the given label + 1 when labels are given and negatives drawn,
 * as PyG does — and 0 for negatives).
 */
import { ErlangenError, fmtShape, opError } from "../../tensor/errors.js";
import type { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  checkBatchSize,
  type LoaderData,
  type PlannedBatch,
  SubgraphBatch,
  SubgraphLoader,
  type SubgraphLoaderOptions,
} from "./base.js";
import { randBelow } from "./sampler.js";
import type { SubgraphTaskResult } from "./tasks.js";

/** Options of {@link LinkNeighborLoader}. */
export interface LinkNeighborLoaderOptions extends SubgraphLoaderOptions {
  /** Neighbours sampled per node at each hop (−1: all). */
  numNeighbors: readonly number[];
  /** Supervision edges `[2, M]` int32 (sources in row 0). */
  edgeLabelIndex: Tensor;
  /** Labels of the supervision edges `[M]` (default: 1 each). */
  edgeLabel?: Tensor | null;
  /** Negative pairs drawn per positive edge (default 0: none). */
  negSamplingRatio?: number;
  /** Supervision edges per batch (default 1). */
  batchSize?: number;
  /** Sample with replacement (default false). */
  replace?: boolean;
  /** `true` (default): only the sampled edges; `false`: the induced subgraph. */
  directed?: boolean;
}

interface LinkExtra {
  /** Pairs in local ids `[2, m]` flattened. */
  labelIndex: Int32Array;
  label: Float32Array;
  inputId: Int32Array;
}

/** Mini-batches of supervision edges with their sampled neighbourhoods; see the file header. */
export class LinkNeighborLoader extends SubgraphLoader<SubgraphBatch, LinkExtra> {
  readonly numNeighbors: readonly number[];
  readonly batchSize: number;
  readonly negSamplingRatio: number;
  readonly replace: boolean;
  readonly directed: boolean;
  private readonly src: Int32Array;
  private readonly dst: Int32Array;
  private readonly label: Float32Array | null;

  constructor(data: LoaderData, opts: LinkNeighborLoaderOptions) {
    super(data, opts);
    const op = "LinkNeighborLoader";
    const nn = opts?.numNeighbors;
    if (!Array.isArray(nn) || nn.length === 0)
      opError(op, "numNeighbors", "a non-empty array of integers (−1: all neighbours)", JSON.stringify(nn));
    for (const k of nn) if (!Number.isInteger(k) || k < -1) opError(op, "numNeighbors", "integers ≥ −1", String(k));
    this.numNeighbors = [...nn];
    this.batchSize = checkBatchSize(op, opts.batchSize);
    this.negSamplingRatio = opts.negSamplingRatio ?? 0;
    if (!(this.negSamplingRatio >= 0))
      opError(op, "negSamplingRatio", "a non-negative number", String(opts.negSamplingRatio));
    this.replace = opts.replace ?? false;
    this.directed = opts.directed ?? true;
    const ei = opts.edgeLabelIndex;
    if (!(ei instanceof Tensor) || ei.dtype !== "int32" || ei.ndim !== 2 || ei.shape[0] !== 2)
      opError(
        op,
        "edgeLabelIndex",
        "an int32 tensor [2, M]",
        ei instanceof Tensor ? `${ei.dtype} ${fmtShape(ei.shape)}` : typeof ei,
      );
    const M = ei.shape[1]!;
    const d = ei.data as Int32Array;
    const N = this.graphStore.numNodes;
    for (let i = 0; i < 2 * M; i++)
      if (d[i]! < 0 || d[i]! >= N) opError(op, "edgeLabelIndex", `node ids in [0, ${N})`, `${d[i]} at column ${i % M}`);
    this.src = d.slice(0, M);
    this.dst = d.slice(M, 2 * M);
    const lab = opts.edgeLabel ?? null;
    if (lab !== null && (lab.ndim !== 1 || lab.shape[0] !== M))
      opError(op, "edgeLabel", `one label per supervision edge ([${M}])`, fmtShape(lab.shape));
    this.label = lab === null ? null : Float32Array.from(lab.data as ArrayLike<number>);
  }

  get length(): number {
    return Math.ceil(this.src.length / this.batchSize);
  }

  protected plan(g: Generator): PlannedBatch<LinkExtra>[] {
    const M = this.src.length;
    const N = this.graphStore.numNodes;
    const order = this.shuffle ? g.permutation(M) : null;
    const plans: PlannedBatch<LinkExtra>[] = [];
    for (let b = 0; b < this.length; b++) {
      const lo = b * this.batchSize;
      const m = Math.min(M, lo + this.batchSize) - lo;
      const k = Math.round(this.negSamplingRatio * m);
      const pairs = new Int32Array(2 * (m + k));
      const label = new Float32Array(m + k);
      const inputId = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const e = order === null ? lo + i : order[lo + i]!;
        inputId[i] = e;
        pairs[i] = this.src[e]!;
        pairs[m + k + i] = this.dst[e]!;
        label[i] = this.label === null ? 1 : this.label[e]! + (k > 0 ? 1 : 0);
      }
      for (let i = 0; i < k; i++) {
        pairs[m + i] = randBelow(g, N);
        pairs[2 * m + k + i] = randBelow(g, N);
      }
      // seeds: the distinct nodes of all pairs, sorted; pairs relabelled to their positions
      const seeds = Int32Array.from(new Set(pairs)).sort();
      const labelIndex = new Int32Array(pairs.length);
      for (let i = 0; i < pairs.length; i++) labelIndex[i] = lowerBound(seeds, pairs[i]!);
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
        extra: { labelIndex, label, inputId },
      });
    }
    return plans;
  }

  protected override wrap(res: SubgraphTaskResult, p: PlannedBatch<LinkExtra>): SubgraphBatch {
    const b = new SubgraphBatch(res, this.infos(), p.batchSize);
    const { labelIndex, label, inputId } = p.extra;
    if (res.sub.nId.length < p.batchSize) throw new ErlangenError("LinkNeighborLoader: the sampler lost seed nodes");
    b.set("edgeLabelIndex", new Tensor(labelIndex, [2, label.length], "int32"), "graph");
    b.set("edgeLabel", new Tensor(label, [label.length], "float32"), "graph");
    b.inputId = new Tensor(inputId, [inputId.length], "int32");
    return b;
  }
}

function lowerBound(u: Int32Array, v: number): number {
  let a = 0;
  let b = u.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (u[m]! < v) a = m + 1;
    else b = m;
  }
  return a;
}
