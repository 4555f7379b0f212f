/**
 * Tasks for users' graphs (any split given as index lists):
 *
 * - {@link nodeLevelTask}: node classification or regression on one graph, full batch;
 * - {@link edgeLevelTask}: classification or regression of labelled node pairs (`edgeLabelIndex` [2, L]),
 *   the model called as `model.call(x, edgeIndex, edgeLabelIndex)` → [L, C];
 * - {@link graphLevelTask}: graph classification or regression over mini-batches, the model called as
 *   `model.call(x, edgeIndex, batch)` (with `withEdgeAttr`: `model.call(x, edgeIndex, batch, edgeAttr)`)
 *   → [G, C].
 *
 * Regression targets are standardised with the training mean and standard deviation (`targetStats`):
 * the model learns `(y − mean) / std` with an MSE loss; metrics (`rmse`, `mae`) are in the targets'
 * units. Classification reports `accuracy` (and `rocAuc` for two classes) with a cross-entropy loss.
 */
import { Batch } from "../domains/graph/batch.js";
import type { Graph } from "../domains/graph/graph.js";
import { crossEntropy } from "../nn/functional.js";
import { noGrad } from "../tensor/autograd.js";
import { fmtShape, opError } from "../tensor/errors.js";
import { indexSelect } from "../tensor/ops/indexing.js";
import { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import { accuracy, rocAuc } from "./metrics.js";
import type { Metrics, Split, Task, TrainableModel } from "./trainer.js";

/** Index lists of a split (node, labelled-edge or graph indices). */
export interface IndexSplit {
  train: Int32Array;
  val?: Int32Array;
  test?: Int32Array;
}

/** Mean and standard deviation per target column (regression standardisation). */
export interface TargetStats {
  mean: number[];
  std: number[];
}

/** Per-column mean and std of `y` [n, T] over the rows `rows` (std floored at 1e-8). */
export function targetStats(y: Tensor, rows?: ArrayLike<number>): TargetStats {
  const T = y.ndim === 1 ? 1 : y.shape[1]!;
  const idx = rows ?? Int32Array.from({ length: y.shape[0]! }, (_, i) => i);
  const mean = new Array<number>(T).fill(0);
  const sq = new Array<number>(T).fill(0);
  const n = Math.max(1, idx.length);
  for (let k = 0; k < idx.length; k++)
    for (let t = 0; t < T; t++) {
      const v = y.data[idx[k]! * T + t]!;
      mean[t]! += v / n;
    }
  for (let k = 0; k < idx.length; k++)
    for (let t = 0; t < T; t++) {
      const d = y.data[idx[k]! * T + t]! - mean[t]!;
      sq[t]! += (d * d) / n;
    }
  return { mean, std: sq.map((v) => Math.max(Math.sqrt(v), 1e-8)) };
}

type Model = TrainableModel & { call(...args: never[]): unknown };

const callModel = (m: Model, ...args: unknown[]): Tensor => (m.call as (...a: unknown[]) => Tensor)(...args);

function checkOut(op: string, out: unknown, rows: number, cols: number): Tensor {
  if (!(out instanceof Tensor)) opError(op, "forward", "a Tensor", typeof out);
  if (out.ndim !== 2 || out.shape[0] !== rows || (cols > 0 && out.shape[1] !== cols))
    opError(op, "forward", `outputs of shape [${rows}, ${cols > 0 ? cols : "C"}]`, fmtShape(out.shape));
  return out;
}

/** Accumulates outputs and targets of a split, then scores them. */
class Scores {
  private out: number[] = [];
  private target: number[] = [];
  private width = 0;
  private lossSum = 0;
  private rows = 0;
  constructor(
    private readonly regression: boolean,
    private readonly stats: TargetStats | null,
  ) {}
  /** `out` in model units (standardised for regression), `target` in data units. */
  add(out: Tensor, target: Tensor, loss: number): void {
    const R = out.shape[0]!;
    this.width = out.shape[1]!;
    for (let i = 0; i < out.size; i++) {
      let v = out.data[i]!;
      if (this.regression && this.stats !== null) {
        const t = i % this.width;
        v = v * this.stats.std[t]! + this.stats.mean[t]!;
      }
      this.out.push(v);
    }
    for (let i = 0; i < target.size; i++) this.target.push(target.data[i]!);
    this.lossSum += loss * R;
    this.rows += R;
  }
  metrics(): Metrics {
    const m: Metrics = { loss: this.lossSum / Math.max(1, this.rows) };
    if (this.regression) {
      let se = 0;
      let ae = 0;
      for (let i = 0; i < this.out.length; i++) {
        const e = this.out[i]! - this.target[i]!;
        se += e * e;
        ae += Math.abs(e);
      }
      const n = Math.max(1, this.out.length);
      m.rmse = Math.sqrt(se / n);
      m.mae = ae / n;
      m.mse = se / n;
      return m;
    }
    const logits = new Tensor(Float64Array.from(this.out), [this.rows, this.width], "float64");
    const y = new Tensor(Int32Array.from(this.target), [this.target.length], "int32");
    m.accuracy = accuracy(logits, y);
    if (this.width === 2) {
      let has0 = false;
      let has1 = false;
      for (const t of this.target) {
        if (t === 0) has0 = true;
        if (t === 1) has1 = true;
      }
      m.rocAuc = has0 && has1 ? rocAuc(logits, y) : Number.NaN;
    }
    return m;
  }
}

function standardize(t: Tensor, stats: TargetStats, dtype: "float32" | "float64"): Tensor {
  const T = stats.mean.length;
  const rows = t.size / T;
  const out = dtype === "float64" ? new Float64Array(t.size) : new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) out[i] = (t.data[i]! - stats.mean[i % T]!) / stats.std[i % T]!;
  return new Tensor(out, [rows, T], dtype);
}

function lossOf(out: Tensor, target: Tensor, regression: boolean, stats: TargetStats | null): Tensor {
  if (!regression) return crossEntropy(out, target);
  const t = stats !== null ? standardize(target, stats, out.dtype === "float64" ? "float64" : "float32") : target;
  return out.sub(t.reshape(out.shape)).square().mean();
}

const splitsOf = (s: IndexSplit): Split[] =>
  (["train", "val", "test"] as const).filter((k) => s[k] !== undefined && s[k]!.length > 0);

/** Options of {@link nodeLevelTask}. */
export interface NodeTaskOptions {
  graph: Graph;
  split: IndexSplit;
  regression: boolean;
  /** Standardisation of regression targets (default: from the training nodes). */
  stats?: TargetStats;
}

/** Node classification or regression on one graph (see the module docs). */
export function nodeLevelTask<M extends Model>(opts: NodeTaskOptions): Task<M> {
  const op = "nodeTask";
  const g = opts.graph;
  const y = g.y;
  if (y === null) opError(op, "graph.y", "node labels", "null");
  const N = g.numNodes;
  const regression = opts.regression;
  const yy = regression ? (y.ndim === 1 ? y.reshape(N, 1) : y) : y;
  const stats = regression ? (opts.stats ?? targetStats(yy, opts.split.train)) : null;
  const idx: Partial<Record<Split, Tensor>> = {};
  const labels: Partial<Record<Split, Tensor>> = {};
  for (const s of splitsOf(opts.split)) {
    idx[s] = new Tensor(Int32Array.from(opts.split[s]!), [opts.split[s]!.length], "int32");
    labels[s] = indexSelect(yy, 0, idx[s]!);
  }
  const run = (m: M) => checkOut(op, callModel(m, g.x, g.edgeIndex), N, 0);
  return {
    metric: regression ? "rmse" : "accuracy",
    mode: regression ? "min" : "max",
    splits: splitsOf(opts.split),
    trainStep(ctx) {
      const out = indexSelect(run(ctx.model), 0, idx.train!);
      const value = ctx.backwardStep(lossOf(out, labels.train!, regression, stats));
      const sc = new Scores(regression, stats);
      sc.add(out.detach(), labels.train!, value);
      const m = sc.metrics();
      delete m.loss;
      return { loss: value, metrics: m };
    },
    evaluate(split, ctx) {
      if (idx[split] === undefined) opError(op, "split", `one of ${splitsOf(opts.split).join(", ")}`, split);
      return noGrad(() => {
        const out = indexSelect(run(ctx.model), 0, idx[split]!);
        const sc = new Scores(regression, stats);
        sc.add(out, labels[split]!, lossOf(out, labels[split]!, regression, stats).item());
        return sc.metrics();
      });
    },
  };
}

/** Options of {@link edgeLevelTask}. */
export interface EdgeTaskOptions {
  /** The graph (message passing uses `edgeIndex`), with `edgeLabelIndex` [2, L] and `edgeLabel` [L] or [L, T]. */
  graph: Graph;
  /** Indices into the labelled edges. */
  split: IndexSplit;
  regression: boolean;
  stats?: TargetStats;
}

/** Labelled-edge classification or regression (see the module docs). */
export function edgeLevelTask<M extends Model>(opts: EdgeTaskOptions): Task<M> {
  const op = "edgeTask";
  const g = opts.graph;
  const li = g.get("edgeLabelIndex");
  const y = g.get("edgeLabel");
  if (li === null) opError(op, "graph.edgeLabelIndex", "the labelled edges [2, L]", "null");
  if (y === null) opError(op, "graph.edgeLabel", "edge labels", "null");
  const L = li.shape[1]!;
  const regression = opts.regression;
  const yy = regression ? (y.ndim === 1 ? y.reshape(L, 1) : y) : y;
  const stats = regression ? (opts.stats ?? targetStats(yy, opts.split.train)) : null;
  const parts: Partial<Record<Split, { pairs: Tensor; labels: Tensor }>> = {};
  for (const s of splitsOf(opts.split)) {
    const rows = opts.split[s]!;
    const n = rows.length;
    const p = new Int32Array(2 * n);
    for (let k = 0; k < n; k++) {
      p[k] = li.data[rows[k]!]!;
      p[n + k] = li.data[L + rows[k]!]!;
    }
    parts[s] = {
      pairs: new Tensor(p, [2, n], "int32"),
      labels: indexSelect(yy, 0, new Tensor(Int32Array.from(rows), [n], "int32")),
    };
  }
  const run = (m: M, s: Split) =>
    checkOut(op, callModel(m, g.x, g.edgeIndex, parts[s]!.pairs), parts[s]!.pairs.shape[1]!, 0);
  return {
    metric: regression ? "rmse" : "accuracy",
    mode: regression ? "min" : "max",
    splits: splitsOf(opts.split),
    trainStep(ctx) {
      const out = run(ctx.model, "train");
      const value = ctx.backwardStep(lossOf(out, parts.train!.labels, regression, stats));
      const sc = new Scores(regression, stats);
      sc.add(out.detach(), parts.train!.labels, value);
      const m = sc.metrics();
      delete m.loss;
      return { loss: value, metrics: m };
    },
    evaluate(split, ctx) {
      if (parts[split] === undefined) opError(op, "split", `one of ${splitsOf(opts.split).join(", ")}`, split);
      return noGrad(() => {
        const out = run(ctx.model, split);
        const sc = new Scores(regression, stats);
        sc.add(out, parts[split]!.labels, lossOf(out, parts[split]!.labels, regression, stats).item());
        return sc.metrics();
      });
    },
  };
}

/** Options of {@link graphLevelTask}. */
export interface GraphTaskOptionsUser {
  graphs: readonly Graph[];
  split: IndexSplit;
  regression: boolean;
  batchSize: number;
  /** Seed of the training shuffles. */
  seed: number;
  stats?: TargetStats;
  /** Pass the batch's edge features as a fourth argument (models with edge features; default false). */
  withEdgeAttr?: boolean;
}

/** Graph-level targets of `graphs` as one tensor ([G] int32 classes, or [G, T] float). */
export function graphTargets(graphs: readonly Graph[], rows: ArrayLike<number>, regression: boolean): Tensor {
  const n = rows.length;
  if (!regression) {
    const out = new Int32Array(n);
    for (let k = 0; k < n; k++) out[k] = graphs[rows[k]!]!.y!.data[0]!;
    return new Tensor(out, [n], "int32");
  }
  const T = graphs[rows[0] ?? 0]?.y?.size ?? 1;
  const out = new Float64Array(n * T);
  for (let k = 0; k < n; k++) out.set(graphs[rows[k]!]!.y!.data, k * T);
  return new Tensor(out, [n, T], "float64");
}

/** Graph classification or regression over mini-batches (see the module docs). */
export function graphLevelTask<M extends Model>(opts: GraphTaskOptionsUser): Task<M> {
  const op = "graphTask";
  const regression = opts.regression;
  const stats = regression ? (opts.stats ?? targetStats(graphTargets(opts.graphs, opts.split.train, true))) : null;
  const gen = new Generator(opts.seed);
  const batches = (rows: Int32Array, size: number): Batch[] => {
    const chunks: number[][] = [];
    for (let b = 0; b < rows.length; b += size) chunks.push(Array.from(rows.subarray(b, b + size)));
    // a last chunk of a single node (one one-atom molecule) would break batch norm: join it to the one before
    const last = chunks[chunks.length - 1];
    if (chunks.length > 1 && last !== undefined && last.reduce((n, i) => n + opts.graphs[i]!.numNodes, 0) < 2)
      chunks[chunks.length - 2]!.push(...chunks.pop()!);
    return chunks.map((c) => Batch.fromGraphs(c.map((i) => opts.graphs[i]!)));
  };
  const evalBatches: Partial<Record<Split, Batch[]>> = {};
  const evalSize = Math.max(opts.batchSize, 128);
  const run = (m: M, b: Batch) => {
    const out = opts.withEdgeAttr
      ? callModel(m, b.x, b.edgeIndex, b.batch, b.edgeAttr)
      : callModel(m, b.x, b.edgeIndex, b.batch);
    return checkOut(op, out, b.numGraphs, 0);
  };
  const targetOf = (b: Batch): Tensor => {
    const y = b.y;
    if (y === null) opError(op, "batch.y", "graph labels", "null");
    return regression ? (y.ndim === 1 ? y.reshape(b.numGraphs, 1) : y) : y;
  };
  const splits = splitsOf(opts.split);
  return {
    metric: regression ? "rmse" : "accuracy",
    mode: regression ? "min" : "max",
    splits,
    trainStep(ctx) {
      const order = gen.permutation(opts.split.train.length);
      const rows = Int32Array.from(order, (k) => opts.split.train[k]!);
      const sc = new Scores(regression, stats);
      for (const b of batches(rows, opts.batchSize)) {
        const out = run(ctx.model, b);
        const t = targetOf(b);
        const value = ctx.backwardStep(lossOf(out, t, regression, stats));
        sc.add(out.detach(), t, value);
      }
      const m = sc.metrics();
      const loss = m.loss!;
      delete m.loss;
      return { loss, metrics: m };
    },
    evaluate(split, ctx) {
      const rows = opts.split[split];
      if (rows === undefined || rows.length === 0) opError(op, "split", `one of ${splits.join(", ")}`, split);
      evalBatches[split] ??= batches(rows, evalSize);
      return noGrad(() => {
        const sc = new Scores(regression, stats);
        for (const b of evalBatches[split]!) {
          const out = run(ctx.model, b);
          const t = targetOf(b);
          sc.add(out, t, lossOf(out, t, regression, stats).item());
        }
        return sc.metrics();
      });
    },
  };
}
