/**
 * 3-D point-cloud datasets and models of `erlangen train`:
 *
 * - datasets `qm7` (PBE0 atomization energy, kcal/mol, fixed seeded 80/20 split), `qm9-10k` (MP2
 *   binding energy in Hartree, shipped 8000/1000/1000 split), `qm9-10k-dipole` (the dipole vector,
 *   e·bohr: an equivariant target) and `nbody` (charged particles, EGNN paper setup: predict the
 *   positions 1000 steps ahead; 3000/2000/2000 trajectories);
 * - models `schnet`, `egnn`, `nequip-like` and the baseline `cm-mlp` (sorted Coulomb-matrix
 *   eigenvalues → MLP).
 *
 * Problem kinds: `molecule-regression` (`model.call(z, pos, batch)` → `[numGraphs, T]`),
 * `molecule-vector` (→ `[numGraphs, 3]`) and `nbody` (`model.call(pos, vel, charges, edgeIndex)` →
 * `[N, 3]`). Regression targets are standardised inside the task (per-element reference energies
 * fitted on the training split are subtracted for energies, then divided by the residual std), so
 * models learn O(1) numbers; metrics are reported in the dataset's units (MAE; MSE for nbody).
 */

import { collateMolecules, fitAtomRefs, type MoleculeDataset, qm7Split } from "../data/datasets/molecules.js";
import { nbodySplits } from "../data/datasets/nbody.js";
import { DataLoader } from "../data/loader.js";
import { Batch } from "../domains/graph/batch.js";
import type { Graph } from "../domains/graph/graph.js";
import { CoulombMLP } from "../layers/groups/models/cm_mlp.js";
import { EGNNNBody, EGNNRegressor } from "../layers/groups/models/egnn.js";
import { NequIPLike } from "../layers/groups/models/nequip.js";
import { SchNet } from "../layers/groups/models/schnet.js";
import type { Module } from "../nn/module.js";
import { loadQM7, loadQM9 } from "../node/molecules.js";
import { noGrad } from "../tensor/autograd.js";
import { opError } from "../tensor/errors.js";
import { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import type { Metrics, Split, Task } from "../train/trainer.js";
import { UsageError } from "./command.js";
import {
  type DataInfo,
  type Hyper,
  type LoadedDataset,
  type ProtocolRequest,
  type RunSpec,
  registerDataset,
  registerModel,
} from "./registry.js";
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

function seeded(req: ProtocolRequest, make: (seed: number, hp: Hyper) => Task<Module>): RunSpec[] {
  return Array.from({ length: req.seeds }, (_, i) => ({
    label: `seed ${i + 1}/${req.seeds}`,
    seed: req.seed + i,
    task: (_m: Module, hp: Hyper) => make(req.seed + i, hp),
  }));
}

function noFolds(req: ProtocolRequest, name: string): void {
  if (req.folds > 0)
    throw new UsageError(`--folds does not apply to '${name}' (it has a fixed split; use --seeds)`, "train");
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

function moleculeDataset(
  ds: MoleculeDataset,
  parts: { train: Int32Array; val?: Int32Array; test: Int32Array },
  kind: "molecule-regression" | "molecule-vector",
  protocol: string,
): LoadedDataset {
  const pick = (idx: Int32Array | undefined) => (idx === undefined ? undefined : Array.from(idx, (i) => ds.graphs[i]!));
  const train = pick(parts.train)!;
  const val = pick(parts.val);
  const test = pick(parts.test)!;
  const norm = targetNormalisation(train, ds.maxZ, kind === "molecule-vector");
  const info: DataInfo = { kind, numFeatures: ds.maxZ + 1, numClasses: 0, numTargets: ds.targetNames.length };
  (info as DataInfo & { maxAtoms: number }).maxAtoms = ds.maxAtoms;
  return {
    info,
    schema: {
      input: "molecules3d",
      task: kind,
      dataset: ds.name,
      targets: [...ds.targetNames],
      unit: ds.unit,
      atomRefs: norm.atomRefs ? Array.from(norm.atomRefs) : null,
      scale: norm.scale,
    },
    summary: `${ds.graphs.length} molecules, ${ds.numAtoms} atoms (≤ ${ds.maxAtoms} per molecule), target ${ds.targetNames.join("/")} in ${ds.unit}; ${train.length}/${val?.length ?? 0}/${test.length} train/val/test`,
    protocol: (req) => {
      noFolds(req, ds.name);
      return protocol;
    },
    runs: (req) =>
      seeded(req, (seed, hp) =>
        moleculeRegressionTask({
          train,
          val,
          test,
          batchSize: hp.batchSize,
          generator: new Generator(seed),
          atomRefs: norm.atomRefs,
          scale: norm.scale,
        }),
      ),
  };
}

registerDataset({
  name: "qm7",
  description: "QM7 (7101 molecules) PBE0 atomization energy, kcal/mol, 3-D regression (fixed 80/20 split, seed 0)",
  kind: "molecule-regression",
  metric: "mae",
  mode: "min",
  defaultSeeds: 1,
  async load({ root }) {
    const ds = loadQM7(root !== undefined ? { root } : {});
    return moleculeDataset(
      ds,
      qm7Split(ds.graphs.length, { seed: 0 }),
      "molecule-regression",
      "fixed 80/20 split (seed 0)",
    );
  },
});

registerDataset({
  name: "qm9-10k",
  description: "QM9 10k subset, MP2 binding energy in Hartree, 3-D regression (shipped 8000/1000/1000 split)",
  kind: "molecule-regression",
  metric: "mae",
  mode: "min",
  defaultSeeds: 1,
  async load({ root }) {
    const ds = loadQM9(root !== undefined ? { root } : {});
    return moleculeDataset(ds, ds.split!, "molecule-regression", "shipped 8000/1000/1000 split");
  },
});

registerDataset({
  name: "qm9-10k-dipole",
  description: "QM9 10k subset, MP2 dipole vector (e·bohr), equivariant l=1 regression (shipped split)",
  kind: "molecule-vector",
  metric: "mae",
  mode: "min",
  defaultSeeds: 1,
  async load({ root }) {
    const ds = loadQM9({ ...(root !== undefined ? { root } : {}), target: "dipole" });
    return moleculeDataset(ds, ds.split!, "molecule-vector", "shipped 8000/1000/1000 split");
  },
});

/** Sizes of the N-body dataset (the EGNN paper's by default). */
export interface NBodyDatasetSizes {
  numTrain?: number;
  numVal?: number;
  numTest?: number;
  burnIn?: number;
  steps?: number;
}

/** The N-body dataset as the CLI runs it (exported for tests with smaller sizes). */
export function nbodyDataset(sizes: NBodyDatasetSizes = {}): LoadedDataset {
  const sp = nbodySplits({ ...sizes, seed: 0 });
  const steps = sizes.steps ?? 1000;
  return {
    info: { kind: "nbody", numFeatures: 1, numClasses: 0, numTargets: 3 },
    summary: `${sp.train.length}/${sp.val.length}/${sp.test.length} train/val/test systems of 5 charged particles; predict positions ${steps} steps (dt 0.001) ahead`,
    protocol: (req) => {
      noFolds(req, "nbody");
      return "EGNN paper setup (seeded simulation)";
    },
    runs: (req) =>
      seeded(req, (seed, hp) =>
        nbodyTask({
          train: sp.train,
          val: sp.val,
          test: sp.test,
          batchSize: hp.batchSize,
          generator: new Generator(seed),
        }),
      ),
  };
}

registerDataset({
  name: "nbody",
  description: "charged-particle N-body (EGNN paper): positions 1000 steps ahead, MSE (3000/2000/2000 trajectories)",
  kind: "nbody",
  metric: "mse",
  mode: "min",
  defaultSeeds: 1,
  async load() {
    return nbodyDataset();
  },
});

const MOLECULES = ["molecule-regression", "molecule-vector"] as const;

registerModel({
  name: "schnet",
  description: "SchNet (continuous-filter convolutions, cutoff 5 Å, Gaussian smearing, sum readout)",
  kinds: ["molecule-regression"],
  hyperKeys: ["epochs", "lr", "hidden", "layers", "batchSize"],
  defaults: () => ({ epochs: 100, lr: 5e-4, weightDecay: 0, hidden: 64, layers: 3, batchSize: 32, dropout: 0 }),
  build: (info: DataInfo, hp: Hyper) =>
    new SchNet({
      hiddenChannels: hp.hidden,
      numFilters: hp.hidden,
      numInteractions: hp.layers,
      numGaussians: 25,
      cutoff: 5,
      numSpecies: info.numFeatures,
      numTargets: info.numTargets ?? 1,
    }),
});

registerModel({
  name: "egnn",
  description:
    "E(n)-equivariant GNN (molecules: invariant, fully connected within molecules; nbody: with velocities, as the paper)",
  kinds: [...MOLECULES, "nbody"],
  hyperKeys: ["epochs", "lr", "hidden", "layers", "batchSize"],
  defaults: (kind: string) =>
    kind === "nbody"
      ? { epochs: 100, lr: 5e-4, weightDecay: 1e-12, hidden: 64, layers: 4, batchSize: 100, dropout: 0 }
      : { epochs: 100, lr: 5e-4, weightDecay: 1e-16, hidden: 64, layers: 4, batchSize: 32, dropout: 0 },
  build: (info: DataInfo, hp: Hyper) =>
    info.kind === "nbody"
      ? new EGNNNBody({ hiddenChannels: hp.hidden, numLayers: hp.layers })
      : new EGNNRegressor({
          hiddenChannels: hp.hidden,
          numLayers: hp.layers,
          numSpecies: info.numFeatures,
          numTargets: info.kind === "molecule-vector" ? 1 : (info.numTargets ?? 1),
          output: info.kind === "molecule-vector" ? "vector" : "scalar",
        }),
});

registerModel({
  name: "nequip-like",
  description:
    "NequIP-style tensor-field network (0e+1o+2e features, Bessel radial basis, gates); energy or dipole readout",
  kinds: MOLECULES,
  hyperKeys: ["epochs", "lr", "hidden", "layers", "batchSize"],
  defaults: () => ({ epochs: 100, lr: 5e-3, weightDecay: 0, hidden: 8, layers: 2, batchSize: 16, dropout: 0 }),
  build: (info: DataInfo, hp: Hyper) =>
    new NequIPLike({
      channels: hp.hidden,
      numLayers: hp.layers,
      numSpecies: info.numFeatures,
      rMax: 4,
      output: info.kind === "molecule-vector" ? "vector" : "energy",
      numTargets: info.kind === "molecule-vector" ? 1 : (info.numTargets ?? 1),
    }),
});

registerModel({
  name: "cm-mlp",
  description: "baseline: MLP on the sorted Coulomb-matrix eigenvalues (Rupp et al. 2012)",
  kinds: ["molecule-regression"],
  hyperKeys: ["epochs", "lr", "hidden", "layers", "batchSize"],
  defaults: () => ({ epochs: 300, lr: 1e-3, weightDecay: 0, hidden: 128, layers: 3, batchSize: 32, dropout: 0 }),
  build: (info: DataInfo, hp: Hyper) =>
    new CoulombMLP({
      size: (info as DataInfo & { maxAtoms?: number }).maxAtoms ?? 29,
      hiddenChannels: hp.hidden,
      numLayers: hp.layers,
      numSpecies: info.numFeatures,
      numTargets: info.numTargets ?? 1,
    }),
});
