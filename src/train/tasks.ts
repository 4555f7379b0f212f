/**
 * Ready-made {@link Task}s: node classification on one graph (full batch, boolean split masks) and
 * graph classification / regression over mini-batches (any iterable of batches, e.g. a DataLoader).
 */
import { crossEntropy, mseLoss } from "../nn/functional.js";
import { noGrad } from "../tensor/autograd.js";
import { fmtShape, opError } from "../tensor/errors.js";
import { indexSelect } from "../tensor/ops/indexing.js";
import type { SparseMatrix } from "../tensor/sparse.js";
import { Tensor } from "../tensor/tensor.js";
import { accuracy, f1Score, meanAbsoluteError, meanSquaredError, rocAuc } from "./metrics.js";
import type { Metrics, Split, Task, TrainableModel } from "./trainer.js";

/** A model that can be called (satisfied by `nn.Module`: `model.call(...)` runs `forward`). */
export interface CallableModel extends TrainableModel {
  call(...args: never[]): unknown;
}

/** The fields a node-classification graph needs (satisfied by `Graph` from the domains). */
export interface NodeClassificationData {
  /** Node features, dense or sparse (passed to the model as they are). */
  readonly x: Tensor | SparseMatrix | null;
  readonly edgeIndex: Tensor;
  readonly y: Tensor | null;
  readonly trainMask: Tensor | null;
  readonly valMask: Tensor | null;
  readonly testMask: Tensor | null;
}

/** Classification metrics a task can report as its main metric. */
export type ClassificationMetric = "accuracy" | "f1Macro" | "f1Micro" | "rocAuc";

/** Options of {@link nodeClassificationTask}. */
export interface NodeClassificationOptions<M> {
  /** Runs the model on the graph; default `model.call(graph.x, graph.edgeIndex)`. Returns logits [N, C]. */
  forward?: (model: M, graph: NodeClassificationData) => Tensor;
  /** Loss of logits [n, C] against int32 labels [n]; default cross-entropy. */
  loss?: (logits: Tensor, target: Tensor) => Tensor;
  /** Main metric (default `accuracy`). */
  metric?: ClassificationMetric;
}

function maskToIndex(op: string, arg: string, mask: Tensor, n: number): Tensor {
  if (mask.ndim !== 1 || mask.shape[0] !== n) opError(op, arg, `a mask of shape [${n}]`, fmtShape(mask.shape));
  if (mask.dtype !== "bool" && mask.dtype !== "int32") opError(op, arg, "a bool (or 0/1 int32) mask", mask.dtype);
  let count = 0;
  for (let i = 0; i < n; i++) if (mask.data[i]) count++;
  const idx = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) if (mask.data[i]) idx[k++] = i;
  return new Tensor(idx, [count], "int32");
}

function classificationMetrics(
  logits: Tensor,
  target: Tensor,
  metric: ClassificationMetric,
  numClasses: number,
): Metrics {
  const m: Metrics = { accuracy: accuracy(logits, target) };
  if (metric === "f1Macro") m.f1Macro = f1Score(logits, target, { average: "macro", numClasses });
  if (metric === "f1Micro") m.f1Micro = f1Score(logits, target, { average: "micro", numClasses });
  if (metric === "rocAuc") {
    let has0 = false;
    let has1 = false;
    for (let i = 0; i < target.size; i++) {
      if (target.data[i] === 0) has0 = true;
      else if (target.data[i] === 1) has1 = true;
    }
    m.rocAuc = has0 && has1 ? rocAuc(logits, target) : Number.NaN;
  }
  return m;
}

function asLogits(op: string, out: unknown, rows: number): Tensor {
  if (!(out instanceof Tensor)) opError(op, "forward", "a Tensor of logits", typeof out);
  if (out.ndim !== 2 || out.shape[0] !== rows)
    opError(op, "forward", `logits of shape [${rows}, C]`, fmtShape(out.shape));
  return out;
}

/**
 * Node classification on one graph with train/val/test masks (the Planetoid setting): each epoch is
 * one full-batch step on the training nodes; evaluation runs the whole graph and scores the nodes of
 * the split. Reports `loss`, `accuracy` (and the chosen metric).
 */
export function nodeClassificationTask<M extends CallableModel>(
  graph: NodeClassificationData,
  opts: NodeClassificationOptions<M> = {},
): Task<M> {
  const op = "nodeClassificationTask";
  const x = graph.x;
  const y = graph.y;
  if (x === null) opError(op, "graph.x", "node features", "null");
  if (y === null) opError(op, "graph.y", "node labels", "null");
  if (y.dtype !== "int32" || y.ndim !== 1)
    opError(op, "graph.y", "int32 labels of shape [N]", `${y.dtype} ${fmtShape(y.shape)}`);
  const n = y.shape[0]!;
  if (graph.trainMask === null) opError(op, "graph.trainMask", "a training mask", "null");
  const index: Partial<Record<Split, Tensor>> = { train: maskToIndex(op, "graph.trainMask", graph.trainMask, n) };
  if (graph.valMask !== null) index.val = maskToIndex(op, "graph.valMask", graph.valMask, n);
  if (graph.testMask !== null) index.test = maskToIndex(op, "graph.testMask", graph.testMask, n);
  const labels: Partial<Record<Split, Tensor>> = {};
  for (const s of ["train", "val", "test"] as const)
    if (index[s] !== undefined) labels[s] = indexSelect(y, 0, index[s]!);
  let numClasses = 0;
  for (let i = 0; i < n; i++) numClasses = Math.max(numClasses, y.data[i]! + 1);
  const forward =
    opts.forward ??
    ((model: M, g: NodeClassificationData) => (model.call as (...a: unknown[]) => Tensor)(g.x, g.edgeIndex));
  const lossFn = opts.loss ?? ((logits: Tensor, target: Tensor) => crossEntropy(logits, target));
  const metric = opts.metric ?? "accuracy";
  const splits = (["train", "val", "test"] as const).filter((s) => index[s] !== undefined);
  return {
    metric,
    mode: "max",
    splits,
    trainStep(ctx) {
      const out = asLogits(op, forward(ctx.model, graph), n);
      const logits = indexSelect(out, 0, index.train!);
      const loss = lossFn(logits, labels.train!);
      const value = ctx.backwardStep(loss);
      return { loss: value, metrics: classificationMetrics(logits.detach(), labels.train!, metric, numClasses) };
    },
    evaluate(split, ctx) {
      const idx = index[split];
      if (idx === undefined) opError(op, "split", `one of ${splits.join(", ")}`, split);
      return noGrad(() => {
        const out = asLogits(op, forward(ctx.model, graph), n);
        const logits = indexSelect(out, 0, idx);
        const loss = lossFn(logits, labels[split]!).item();
        return { loss, ...classificationMetrics(logits, labels[split]!, metric, numClasses) };
      });
    },
  };
}

/** The fields a mini-batch of graphs needs (satisfied by `Batch`). */
export interface GraphBatchLike {
  readonly x: Tensor | null;
  readonly edgeIndex: Tensor;
  readonly batch: Tensor;
  readonly y: Tensor | null;
  readonly numGraphs: number;
}

/** Something to iterate over once per epoch (a DataLoader, an array of batches, a generator factory). */
export type BatchSource<B> = Iterable<B> | AsyncIterable<B> | (() => Iterable<B> | AsyncIterable<B>);

/**
 * Calls `fn` on each batch: synchronously for sync iterables (so callers can stay synchronous),
 * returning a promise only for async sources.
 */
function forEachBatch<B>(src: BatchSource<B>, fn: (b: B) => void): void | Promise<void> {
  const it = typeof src === "function" ? src() : src;
  if (Symbol.iterator in (it as object)) {
    for (const b of it as Iterable<B>) fn(b);
    return;
  }
  return (async () => {
    for await (const b of it as AsyncIterable<B>) fn(b);
  })();
}

/** Options of {@link graphClassificationTask} and {@link graphRegressionTask}. */
export interface GraphTaskOptions<M, B> {
  train: BatchSource<B>;
  val?: BatchSource<B>;
  test?: BatchSource<B>;
  /** Runs the model on a batch; default `model.call(batch.x, batch.edgeIndex, batch.batch)`. Returns [numGraphs, C]. */
  forward?: (model: M, batch: B) => Tensor;
  /** Loss of the outputs against `batch.y`; default cross-entropy (classification) or MSE (regression). */
  loss?: (out: Tensor, target: Tensor) => Tensor;
  /** Main metric: classification `accuracy` (default) / `f1Macro` / `f1Micro` / `rocAuc`; regression `mae` (default) / `mse`. */
  metric?: ClassificationMetric | "mae" | "mse";
  /** Number of classes (classification; default: inferred from the outputs' width). */
  numClasses?: number;
}

function defaultGraphForward<M extends CallableModel, B extends GraphBatchLike>(model: M, b: B): Tensor {
  return (model.call as (...a: unknown[]) => Tensor)(b.x, b.edgeIndex, b.batch);
}

/** Collects row-major outputs and targets over batches. */
class Collector {
  out: number[] = [];
  target: number[] = [];
  width = 0;
  lossSum = 0;
  count = 0;
  add(out: Tensor, target: Tensor, loss: number): void {
    const rows = out.shape[0]!;
    this.width = out.ndim === 1 ? 1 : out.size / Math.max(1, rows);
    for (let i = 0; i < out.size; i++) this.out.push(out.data[i]!);
    for (let i = 0; i < target.size; i++) this.target.push(target.data[i]!);
    this.lossSum += loss * rows;
    this.count += rows;
  }
  outTensor(): Tensor {
    const rows = this.out.length / Math.max(1, this.width);
    return new Tensor(Float64Array.from(this.out), [rows, this.width], "float64");
  }
  targetTensor(dtype: "int32" | "float64"): Tensor {
    return new Tensor(
      dtype === "int32" ? Int32Array.from(this.target) : Float64Array.from(this.target),
      [this.target.length],
      dtype,
    );
  }
}

function graphTask<M extends CallableModel, B extends GraphBatchLike>(
  kind: "classification" | "regression",
  opts: GraphTaskOptions<M, B>,
): Task<M> {
  const op = kind === "classification" ? "graphClassificationTask" : "graphRegressionTask";
  const metric = opts.metric ?? (kind === "classification" ? "accuracy" : "mae");
  const regression = kind === "regression";
  if (regression && metric !== "mae" && metric !== "mse") opError(op, "metric", "'mae' or 'mse'", metric);
  if (!regression && (metric === "mae" || metric === "mse")) opError(op, "metric", "a classification metric", metric);
  const forward = opts.forward ?? defaultGraphForward<M, B>;
  const lossFn =
    opts.loss ??
    (regression
      ? (out: Tensor, t: Tensor) => mseLoss(out, t.ndim === out.ndim ? t : t.reshape(out.shape))
      : (out: Tensor, t: Tensor) => crossEntropy(out, t));
  const sources: Partial<Record<Split, BatchSource<B>>> = { train: opts.train, val: opts.val, test: opts.test };
  const splits = (["train", "val", "test"] as const).filter((s) => sources[s] !== undefined);
  const target = (b: B): Tensor => {
    if (b.y === null) opError(op, "batch.y", "graph labels", "null");
    return b.y;
  };
  const run = (model: M, b: B): Tensor => {
    const out = forward(model, b);
    if (!(out instanceof Tensor)) opError(op, "forward", "a Tensor", typeof out);
    if (out.shape[0] !== b.numGraphs)
      opError(op, "forward", `one output row per graph (${b.numGraphs})`, fmtShape(out.shape));
    return out;
  };
  const score = (c: Collector): Metrics => {
    const m: Metrics = { loss: c.lossSum / Math.max(1, c.count) };
    if (regression) {
      const o = c.outTensor();
      const t = c.targetTensor("float64");
      m.mae = meanAbsoluteError(o, t);
      m.mse = meanSquaredError(o, t);
      return m;
    }
    const logits = c.outTensor();
    return {
      ...m,
      ...classificationMetrics(
        logits,
        c.targetTensor("int32"),
        metric as ClassificationMetric,
        opts.numClasses ?? c.width,
      ),
    };
  };
  return {
    metric,
    mode: regression ? "min" : "max",
    splits,
    trainStep(ctx) {
      const c = new Collector();
      const finish = () => {
        if (c.count === 0) opError(op, "train", "at least one batch", "an empty source");
        const metrics = score(c);
        const loss = metrics.loss!;
        delete metrics.loss;
        return { loss, metrics };
      };
      const r = forEachBatch(opts.train, (b) => {
        const out = run(ctx.model, b);
        const t = target(b);
        const value = ctx.backwardStep(lossFn(out, t));
        c.add(out.detach(), t, value);
      });
      return r === undefined ? finish() : r.then(finish);
    },
    evaluate(split, ctx) {
      const src = sources[split];
      if (src === undefined) opError(op, "split", `one of ${splits.join(", ")}`, split);
      const c = new Collector();
      const finish = () => {
        if (c.count === 0) opError(op, split, "at least one batch", "an empty source");
        return score(c);
      };
      const r = forEachBatch(src, (b) =>
        noGrad(() => {
          const out = run(ctx.model, b);
          const t = target(b);
          c.add(out, t, lossFn(out, t).item());
        }),
      );
      return r === undefined ? finish() : r.then(finish);
    },
  };
}

/**
 * Graph classification over mini-batches: each epoch iterates `train` and steps once per batch.
 * Reports `loss` and `accuracy` (and the chosen metric) on each split.
 */
export function graphClassificationTask<M extends CallableModel, B extends GraphBatchLike = GraphBatchLike>(
  opts: GraphTaskOptions<M, B>,
): Task<M> {
  return graphTask("classification", opts);
}

/** Graph regression over mini-batches (MSE loss by default); reports `loss`, `mae` and `mse`. */
export function graphRegressionTask<M extends CallableModel, B extends GraphBatchLike = GraphBatchLike>(
  opts: GraphTaskOptions<M, B>,
): Task<M> {
  return graphTask("regression", opts);
}
