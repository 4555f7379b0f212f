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
 * `[N, 3]`). The tasks themselves (`moleculeRegressionTask`, `nbodyTask`, `targetNormalisation`) live
 * in `train/molecules.ts`; this file registers the datasets and models with the CLI.
 */

import { type MoleculeDataset, qm7Split } from "../data/datasets/molecules.js";
import { nbodySplits } from "../data/datasets/nbody.js";
import { CoulombMLP } from "../layers/groups/models/cm_mlp.js";
import { EGNNNBody, EGNNRegressor } from "../layers/groups/models/egnn.js";
import { NequIPLike } from "../layers/groups/models/nequip.js";
import { SchNet } from "../layers/groups/models/schnet.js";
import type { Module } from "../nn/module.js";
import { loadQM7, loadQM9 } from "../node/molecules.js";
import { Generator } from "../tensor/rng.js";
import { moleculeRegressionTask, nbodyTask, targetNormalisation } from "../train/molecules.js";
import type { Task } from "../train/trainer.js";
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
