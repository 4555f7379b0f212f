/**
 * Training tasks on 3-D point clouds (molecules and particle systems), as the `erlangen train`
 * command runs them:
 *
 * - {@link moleculeRegressionTask}: `model.call(z, pos, batch)` → `[numGraphs, T]` (scalar targets,
 *   e.g. energies) or `[numGraphs, 3]` (a vector target, e.g. the dipole). Targets are standardised
 *   inside the task (per-element reference energies fitted on the training split are subtracted, see
 *   {@link targetNormalisation}, then divided by the residual std), so models learn O(1) numbers;
 *   metrics are reported in the dataset's units (MAE, MSE).
 * - {@link nbodyTask}: `model.call(pos, vel, charges, edgeIndex)` → positions `[N, 3]`; MSE.
 */
import { collateMolecules, fitAtomRefs } from "../data/datasets/molecules.js";
import { DataLoader } from "../data/loader.js";
import { Batch } from "../domains/graph/batch.js";
import type { Graph } from "../domains/graph/graph.js";
import type { Module } from "../nn/module.js";
import { noGrad } from "../tensor/autograd.js";
import { opError } from "../tensor/errors.js";
import type { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import type { Metrics, Split, Task } from "./trainer.js";
import "../tensor/index.js";

/** Options of {@link moleculeRegressionTask}. */
export interface MoleculeTaskOptions {
  train: readonly Graph[];
  val?: readonly Graph[];
  test?: readonly Graph[];
  batchSize: number;
  /** Shuffles the training set every epoch. */
  generator: Generator;
  /** Per-element reference values subtracted from scalar targets (indexed by atomic number), or null. */
  atomRefs: Float64Array | null;
  /** Targets are divided by this after subtracting the references. */
  scale: number;
  /** Main metric: `mae` (default) or `mse`, in the targets' units. */
  metric?: "mae" | "mse";
}

function refOfBatch(b: Batch, refs: Float64Array | null, T: number): Float64Array {
  const G = b.numGraphs;
  const out = new Float64Array(G * T);
  if (refs === null) return out;
  const z = b.get("z")!.data;
  const bv = b.batch.data;
  for (let i = 0; i < z.length; i++) {
    const r = refs[z[i]!] ?? 0;
    for (let t = 0; t < T; t++) out[bv[i]! * T + t]! += r;
  }
  return out;
}

/**
 * Regression on batches of molecules (`z`, `pos`, `y` graph-level `[T]`): the model sees standardised
 * targets `(y − Σ ref[z]) / scale`, the metrics are in the original units.
 */
export function moleculeRegressionTask<M extends Module>(opts: MoleculeTaskOptions): Task<M> {
  const metric = opts.metric ?? "mae";
  const evalBatches = (gs: readonly Graph[] | undefined) => {
    if (gs === undefined || gs.length === 0) return undefined;
    const out: Batch[] = [];
    const bs = Math.max(opts.batchSize, 64);
    for (let i = 0; i < gs.length; i += bs) out.push(collateMolecules(gs.slice(i, i + bs) as Graph[]));
    return out;
  };
  const sources: Partial<Record<Split, Batch[]>> = { val: evalBatches(opts.val), test: evalBatches(opts.test) };
  const loader = new DataLoader<Graph, Batch>(opts.train as Graph[], {
    batchSize: opts.batchSize,
    shuffle: true,
    generator: opts.generator,
    collate: collateMolecules,
  });
  const splits = (["train", "val", "test"] as const).filter((s) => s === "train" || sources[s] !== undefined);
  const run = (model: M, b: Batch) => {
    const y = b.get("y")!;
    const T = y.shape[1]!;
    const out = (model.call as (...a: unknown[]) => Tensor)(b.get("z")!, b.get("pos")!, b.batch);
    if (!(out instanceof Tensor) || out.ndim !== 2 || out.shape[0] !== b.numGraphs || out.shape[1] !== T) {
      opError(
        "moleculeRegressionTask",
        "forward",
        `a tensor [${b.numGraphs}, ${T}]`,
        out instanceof Tensor ? `[${out.shape.join(", ")}]` : typeof out,
      );
    }
    const ref = refOfBatch(b, opts.atomRefs, T);
    const tn = new Float64Array(y.size);
    for (let k = 0; k < y.size; k++) tn[k] = (y.data[k]! - ref[k]!) / opts.scale;
    return {
      out,
      target: new Tensor(out.dtype === "float64" ? tn : Float32Array.from(tn), out.shape, out.dtype),
      ref,
      y,
    };
  };
  const score = (acc: { abs: number; sq: number; n: number; loss: number; rows: number }): Metrics => ({
    loss: acc.loss / Math.max(1, acc.rows),
    mae: acc.abs / Math.max(1, acc.n),
    mse: acc.sq / Math.max(1, acc.n),
  });
  const accumulate = (
    acc: { abs: number; sq: number; n: number; loss: number; rows: number },
    r: ReturnType<typeof run>,
    loss: number,
  ) => {
    const o = r.out.data;
    for (let k = 0; k < o.length; k++) {
      const e = o[k]! * opts.scale + r.ref[k]! - r.y.data[k]!;
      acc.abs += Math.abs(e);
      acc.sq += e * e;
    }
    acc.n += o.length;
    acc.loss += loss * r.out.shape[0]!;
    acc.rows += r.out.shape[0]!;
  };
  return {
    metric,
    mode: "min",
    splits,
    trainStep(ctx) {
      const acc = { abs: 0, sq: 0, n: 0, loss: 0, rows: 0 };
      for (const b of loader) {
        const r = run(ctx.model, b);
        const value = ctx.backwardStep(r.out.sub(r.target).square().mean());
        accumulate(acc, { ...r, out: r.out.detach() }, value);
      }
      const m = score(acc);
      const loss = m.loss!;
      delete m.loss;
      return { loss, metrics: m };
    },
    evaluate(split, ctx) {
      const src = split === "train" ? evalBatches(opts.train) : sources[split];
      if (src === undefined) opError("moleculeRegressionTask", "split", `one of ${splits.join(", ")}`, split);
      const acc = { abs: 0, sq: 0, n: 0, loss: 0, rows: 0 };
      noGrad(() => {
        for (const b of src) {
          const r = run(ctx.model, b);
          accumulate(acc, r, r.out.sub(r.target).square().mean().item());
        }
      });
      return score(acc);
    },
  };
}

/** Options of {@link nbodyTask}. */
export interface NBodyTaskOptions {
  train: readonly Graph[];
  val?: readonly Graph[];
  test?: readonly Graph[];
  batchSize: number;
  generator: Generator;
}

/** N-body prediction: `model.call(pos, vel, charges, edgeIndex)` → positions `[N, 3]`; MSE loss and metric (`mse`). */
export function nbodyTask<M extends Module>(opts: NBodyTaskOptions): Task<M> {
  const loader = new DataLoader<Graph, Batch>(opts.train as Graph[], {
    batchSize: opts.batchSize,
    shuffle: true,
    generator: opts.generator,
    collate: (gs) => Batch.fromGraphs(gs),
  });
  const pre = (gs: readonly Graph[] | undefined) => {
    if (gs === undefined || gs.length === 0) return undefined;
    const out: Batch[] = [];
    const bs = Math.max(opts.batchSize, 100);
    for (let i = 0; i < gs.length; i += bs) out.push(Batch.fromGraphs(gs.slice(i, i + bs) as Graph[]));
    return out;
  };
  const sources: Partial<Record<Split, Batch[]>> = { val: pre(opts.val), test: pre(opts.test) };
  const splits = (["train", "val", "test"] as const).filter((s) => s === "train" || sources[s] !== undefined);
  const run = (model: M, b: Batch) => {
    const out = (model.call as (...a: unknown[]) => Tensor)(b.pos, b.get("vel"), b.get("charges"), b.edgeIndex);
    const y = b.get("y")!;
    return { out, y: y.dtype === out.dtype ? y : y.cast(out.dtype) };
  };
  return {
    metric: "mse",
    mode: "min",
    splits,
    trainStep(ctx) {
      let sum = 0;
      let n = 0;
      for (const b of loader) {
        const { out, y } = run(ctx.model, b);
        const v = ctx.backwardStep(out.sub(y).square().mean());
        sum += v * out.size;
        n += out.size;
      }
      return { loss: sum / Math.max(1, n), metrics: { mse: sum / Math.max(1, n) } };
    },
    evaluate(split, ctx) {
      const src = split === "train" ? pre(opts.train) : sources[split];
      if (src === undefined) opError("nbodyTask", "split", `one of ${splits.join(", ")}`, split);
      let sum = 0;
      let n = 0;
      noGrad(() => {
        for (const b of src) {
          const { out, y } = run(ctx.model, b);
          sum += out.sub(y).square().sum().item();
          n += out.size;
        }
      });
      return { loss: sum / Math.max(1, n), mse: sum / Math.max(1, n) };
    },
  };
}

/** Target statistics on the training molecules: per-element references (scalars) and the residual scale. */
export function targetNormalisation(
  train: readonly Graph[],
  maxZ: number,
  vector: boolean,
): { atomRefs: Float64Array | null; scale: number } {
  const atomRefs = vector ? null : fitAtomRefs(train, maxZ);
  let ss = 0;
  let n = 0;
  for (const g of train) {
    const y = g.get("y")!.data;
    let ref = 0;
    if (atomRefs) for (const z of g.get("z")!.data) ref += atomRefs[z]!;
    for (let k = 0; k < y.length; k++) {
      ss += (y[k]! - ref) ** 2;
      n++;
    }
  }
  let mean = 0;
  if (atomRefs) {
    for (const g of train) {
      let ref = 0;
      for (const z of g.get("z")!.data) ref += atomRefs[z]!;
      mean += g.get("y")!.data[0]! - ref;
    }
    mean /= Math.max(1, train.length);
  }
  const scale = Math.sqrt(Math.max(ss / Math.max(1, n) - mean * mean, 1e-30));
  return { atomRefs, scale };
}
