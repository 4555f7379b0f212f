/**
 * Node classification over sampled subgraphs (mini-batch training on large graphs): each epoch
 * iterates the training loader (a `NeighborLoader`, `ClusterLoader`, `GraphSAINTRandomWalkSampler`
 * or any iterable of subgraph batches) and steps once per batch. The rows scored in a batch are its
 * seed nodes (the first `batchSize` rows, neighbour sampling) or the nodes a mask attribute selects
 * (`trainMask`, … for Cluster-GCN and GraphSAINT batches). GraphSAINT's normalisations plug in as a
 * per-node loss weight and per-edge weights of the message passing.
 */
import { crossEntropy } from "../nn/losses.js";
import { noGrad } from "../tensor/autograd.js";
import { fmtShape, opError } from "../tensor/errors.js";
import { mul } from "../tensor/ops/elementwise.js";
import { indexSelect } from "../tensor/ops/indexing.js";
import { sum } from "../tensor/ops/reduce.js";
import { narrow } from "../tensor/ops/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { BatchSource, CallableModel } from "./tasks.js";
import type { Metrics, Split, Task } from "./trainer.js";

/** The fields a sampled batch needs (satisfied by the loaders' `SubgraphBatch`). */
export interface SubgraphBatchLike {
  readonly x: Tensor | null;
  readonly edgeIndex: Tensor;
  readonly y: Tensor | null;
  /** The first `batchSize` rows are the seed nodes. */
  readonly batchSize: number;
  readonly numSampledNodes?: readonly number[] | null;
  readonly numSampledEdges?: readonly number[] | null;
  get(key: string): Tensor | null;
}

/** Options of {@link sampledNodeClassificationTask}. */
export interface SampledNodeClassificationOptions<M, B> {
  train: BatchSource<B>;
  val?: BatchSource<B>;
  test?: BatchSource<B>;
  /**
   * Per split, the mask attribute selecting the scored rows (e.g. `{ train: "trainMask" }` for
   * Cluster-GCN batches); splits without one score the seed rows (default: all splits).
   */
  masks?: Partial<Record<Split, string>>;
  /** Attribute of per-node loss weights on the training split (GraphSAINT's `nodeNorm`; default none: the mean). */
  nodeWeight?: string;
  /** Attribute of per-edge weights passed to the model as `edgeWeight` (GraphSAINT's `edgeNorm`). */
  edgeWeight?: string;
  /**
   * Let the model run each layer on the hops it needs only (PyG's `trim_to_layer`) when the batch is
   * hop-structured (directed neighbour sampling) and scores its seeds (default true).
   */
  trim?: boolean;
  /** Runs the model; default `model.call(x, edgeIndex, extra)` (extra: edge weights, hop counts). Returns logits. */
  forward?: (model: M, batch: B, extra: SampledForwardExtra) => Tensor;
}

/** What the default forward passes as the model's third argument. */
export interface SampledForwardExtra {
  edgeWeight?: Tensor | null;
  numSampledNodesPerHop?: readonly number[] | null;
  numSampledEdgesPerHop?: readonly number[] | null;
}

function maskRows(op: string, b: SubgraphBatchLike, key: string): Tensor {
  const m = b.get(key);
  if (m === null) opError(op, key, "a node mask attribute in the batch", "none (gather it with the loader's attrs)");
  const d = m.data;
  let c = 0;
  for (let i = 0; i < d.length; i++) if (d[i]) c++;
  const idx = new Int32Array(c);
  c = 0;
  for (let i = 0; i < d.length; i++) if (d[i]) idx[c++] = i;
  return new Tensor(idx, [idx.length], "int32");
}

/** Mini-batch node classification on sampled subgraphs; see the file header. Reports `loss` and `accuracy`. */
export function sampledNodeClassificationTask<M extends CallableModel, B extends SubgraphBatchLike = SubgraphBatchLike>(
  opts: SampledNodeClassificationOptions<M, B>,
): Task<M> {
  const op = "sampledNodeClassificationTask";
  const sources: Partial<Record<Split, BatchSource<B>>> = { train: opts.train, val: opts.val, test: opts.test };
  const splits = (["train", "val", "test"] as const).filter((s) => sources[s] !== undefined);
  const trimAllowed = opts.trim ?? true;
  const forward =
    opts.forward ??
    ((model: M, b: B, extra: SampledForwardExtra) =>
      (model.call as (...a: unknown[]) => Tensor)(b.x, b.edgeIndex, extra));

  /** Logits and targets of the scored rows of one batch. */
  const run = (model: M, b: B, split: Split): { logits: Tensor; target: Tensor; rows: Tensor | null } => {
    if (b.y === null) opError(op, "batch.y", "node labels", "null");
    const maskKey = opts.masks?.[split];
    const trim = trimAllowed && maskKey === undefined && b.numSampledNodes != null && b.numSampledEdges != null;
    const extra: SampledForwardExtra = {};
    if (opts.edgeWeight !== undefined) extra.edgeWeight = b.get(opts.edgeWeight);
    if (trim) {
      extra.numSampledNodesPerHop = b.numSampledNodes;
      extra.numSampledEdgesPerHop = b.numSampledEdges;
    }
    const out = forward(model, b, extra);
    if (!(out instanceof Tensor) || out.ndim !== 2)
      opError(op, "forward", "logits [rows, C]", out instanceof Tensor ? fmtShape(out.shape) : typeof out);
    if (maskKey !== undefined) {
      const rows = maskRows(op, b, maskKey);
      return { logits: indexSelect(out, 0, rows), target: indexSelect(b.y, 0, rows), rows };
    }
    if (out.shape[0]! < b.batchSize)
      opError(op, "forward", `at least batchSize = ${b.batchSize} rows`, fmtShape(out.shape));
    const logits = out.shape[0] === b.batchSize ? out : narrow(out, 0, 0, b.batchSize);
    const target = b.y.shape[0] === b.batchSize ? b.y : narrow(b.y, 0, 0, b.batchSize);
    return { logits, target, rows: null };
  };

  const correct = (logits: Tensor, target: Tensor): number => {
    const [n, C] = logits.shape as [number, number];
    const d = logits.data;
    let ok = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (d[i * C + c]! > d[i * C + best]!) best = c;
      if (best === target.data[i]) ok++;
    }
    return ok;
  };

  async function each(src: BatchSource<B>, fn: (b: B) => void): Promise<void> {
    const it = typeof src === "function" ? src() : src;
    if (Symbol.asyncIterator in (it as object)) for await (const b of it as AsyncIterable<B>) fn(b);
    else for (const b of it as Iterable<B>) fn(b);
  }

  return {
    metric: "accuracy",
    mode: "max",
    splits,
    async trainStep(ctx) {
      let lossSum = 0;
      let rowsSum = 0;
      let ok = 0;
      await each(opts.train, (b) => {
        const { logits, target, rows } = run(ctx.model, b, "train");
        const n = logits.shape[0]!;
        if (n === 0) return;
        let loss: Tensor;
        if (opts.nodeWeight !== undefined) {
          const w = b.get(opts.nodeWeight);
          if (w === null) opError(op, opts.nodeWeight, "a node weight attribute in the batch", "none");
          const wr = rows === null ? narrow(w, 0, 0, n) : indexSelect(w, 0, rows);
          loss = sum(mul(crossEntropy(logits, target, { reduction: "none" }), wr));
        } else loss = crossEntropy(logits, target);
        lossSum += ctx.backwardStep(loss) * n;
        rowsSum += n;
        ok += correct(logits.detach(), target);
      });
      if (rowsSum === 0) opError(op, "train", "batches with at least one scored row", "none");
      return { loss: lossSum / rowsSum, metrics: { accuracy: ok / rowsSum } };
    },
    async evaluate(split, ctx) {
      const src = sources[split];
      if (src === undefined) opError(op, "split", `one of ${splits.join(", ")}`, split);
      let lossSum = 0;
      let rowsSum = 0;
      let ok = 0;
      await each(src, (b) =>
        noGrad(() => {
          const { logits, target } = run(ctx.model, b, split);
          const n = logits.shape[0]!;
          if (n === 0) return;
          lossSum += crossEntropy(logits, target).item() * n;
          rowsSum += n;
          ok += correct(logits, target);
        }),
      );
      if (rowsSum === 0) opError(op, split, "batches with at least one scored row", "none");
      const m: Metrics = { loss: lossSum / rowsSum, accuracy: ok / rowsSum };
      return m;
    },
  };
}
