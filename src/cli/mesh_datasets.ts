/**
 * Mesh datasets of `erlangen train`:
 *
 * - `shrec11`: SHREC'11 in MeshCNN's 500-face version, 30 classes. `--split 16` (default) is the shipped
 *   480/120 split; `--split 10` the shipped seeded split 10 (300/300); `--split 10:N` the split 10 drawn
 *   with seed N; `--split 10:per-seed` a fresh split 10 for every run (seed = the run's seed), the way
 *   MeshWalker and DiffusionNet average over random splits.
 * - `human-seg`: human-body segmentation (MeshCNN's version without FAUST: 281/18 meshes, 8 parts,
 *   labels on edges). The main metric is MeshCNN's (`softAccuracy`: an edge is right when its soft label
 *   for the predicted class is positive); plain per-edge accuracy against the hard labels is reported next
 *   to it (`accuracy`).
 * - `geometric-shapes`: PyG's GeometricShapes (40 classes, one mesh each in train and test; a smoke test).
 * - `mesh-folder`: a user's own folder of OBJ/OFF/PLY files (`--data DIR`) with a labels file
 *   (`--labels FILE`, CSV or JSON; see `parseMeshLabels` and docs/meshes.md), for classification or for
 *   per-vertex, per-face or per-edge segmentation.
 *
 * `--features hks` (default; heat kernel signatures at 16 times log-spaced in [0.01, 1] on the
 * normalised mesh, 128 eigenpairs, as DiffusionNet) or `--features xyz` (normalised positions, randomly
 * rotated in training). Per-mesh precomputation (features, and each model's operators) runs once per
 * dataset load and is kept in memory for every seed; with `ERLANGEN_CACHE_DIR` set, the eigenbases are also
 * kept on disk in that folder and reused by later commands.
 */
import {
  type MeshClassificationSet,
  type MeshElement,
  type MeshSegmentationSet,
  shrecSplit,
} from "../data/datasets/meshes.js";
import type { Module } from "../nn/module.js";
import { fileMeshCache } from "../node/mesh_cache.js";
import { loadGeometricShapes, loadHumanSeg, loadMeshFolder, loadShrec11 } from "../node/mesh_datasets.js";
import { Generator } from "../tensor/rng.js";
import {
  type MeshFeatures,
  MeshItem,
  type MeshModel,
  meshClassificationTask,
  meshSegmentationTask,
  prepareMeshes,
  setMeshCache,
} from "../train/meshes.js";
import { fmtMs } from "../train/progress.js";
import type { Task } from "../train/trainer.js";
import { UsageError } from "./command.js";
import { defaultMeshFeatures, meshFeatureKinds, meshFeatures } from "./mesh_features.js";
import {
  type DatasetLoadOptions,
  type LoadedDataset,
  type ProtocolRequest,
  type RunEnv,
  type RunSpec,
  registerDataset,
} from "./registry.js";

/** Problem kinds of the mesh datasets. */
export const MESH_CLASSIFICATION = "mesh-classification";
export const MESH_SEGMENTATION = "mesh-segmentation";

/** Uses the folder named by `ERLANGEN_CACHE_DIR` (if any) as the store of the meshes' eigenbases. */
let cacheDirInUse: string | null = null;

function useCacheDir(env: RunEnv | undefined): void {
  const dir = process.env.ERLANGEN_CACHE_DIR;
  if (dir === undefined || dir === "" || dir === cacheDirInUse) return;
  setMeshCache(fileMeshCache(dir));
  cacheDirInUse = dir;
  env?.log(`eigenbases cached in ${dir} (ERLANGEN_CACHE_DIR)`);
}

/** Runs the features' and the model's per-mesh precomputation over `items`, with a progress line. */
export function precomputeMeshes(
  items: readonly MeshItem[],
  features: MeshFeatures,
  model: Module,
  env: RunEnv | undefined,
): void {
  useCacheDir(env);
  const prep = (model as unknown as MeshModel).prepare?.bind(model);
  const steps = [(it: MeshItem) => features.prepare?.(it), ...(prep ? [prep] : [])];
  const t0 = performance.now();
  const sink = env !== undefined && !env.quiet ? env.progress : undefined;
  const tty = sink?.isTTY === true;
  let last = 0;
  let shown = false;
  prepareMeshes(items, steps, (done, total) => {
    const now = performance.now();
    if (sink === undefined || now - t0 < 500) return;
    if (tty && (now - last > 100 || done === total)) {
      sink.write(`\rprecomputing per-mesh operators: ${done}/${total} meshes (${fmtMs(now - t0)})`);
      last = now;
      shown = true;
    } else if (!tty && (done === total || now - last > 10_000)) {
      sink.write(`precomputing per-mesh operators: ${done}/${total} meshes (${fmtMs(now - t0)})\n`);
      last = now;
    }
  });
  if (shown) sink!.write("\n");
  const ms = performance.now() - t0;
  if (ms > 200 && env !== undefined)
    env.log(`precomputed ${features.name} features and model operators for ${items.length} meshes in ${fmtMs(ms)}`);
}

function noFolds(req: ProtocolRequest, name: string): void {
  if (req.folds > 0)
    throw new UsageError(`--folds does not apply to '${name}' (it has fixed splits; use --seeds)`, "train");
}

/** Items of a classification set, class-balanced limits applied (round-robin over the classes). */
function classItems(list: MeshClassificationSet["train"], limit: number | undefined): MeshItem[] {
  let chosen = list;
  if (limit !== undefined && limit < list.length) {
    const byClass = new Map<number, typeof list>();
    for (const m of list) {
      if (!byClass.has(m.label)) byClass.set(m.label, []);
      byClass.get(m.label)!.push(m);
    }
    const queues = [...byClass.keys()].sort((a, b) => a - b).map((k) => [...byClass.get(k)!]);
    chosen = [];
    while (chosen.length < limit)
      for (const q of queues) if (q.length > 0 && chosen.length < limit) chosen.push(q.shift()!);
  }
  return chosen.map((m) => new MeshItem(m.file, m.mesh, { label: m.label }));
}

function segItems(list: MeshSegmentationSet["train"]): MeshItem[] {
  return list.map(
    (s) =>
      new MeshItem(s.file, s.mesh, {
        seg: { on: s.on, labels: s.labels, ...(s.soft !== undefined ? { soft: s.soft } : {}) },
      }),
  );
}

function meshStats(items: readonly MeshItem[]): string {
  let v = 0;
  let f = 0;
  for (const it of items) {
    v += it.mesh.numVertices;
    f += it.mesh.numFaces;
  }
  const n = Math.max(1, items.length);
  return `${(v / n).toFixed(0)} vertices / ${(f / n).toFixed(0)} faces per mesh`;
}

/** Default mesh hyperparameter for the label smoothing of a dataset (DiffusionNet's SHREC'11 recipe: 0.2). */
const LABEL_SMOOTHING: Record<string, number> = { shrec11: 0.2 };

interface SplitParts {
  train: MeshItem[];
  test: MeshItem[];
}

/** A classification dataset whose split may depend on the run's seed. */
function classificationDataset(
  name: string,
  info: { numClasses: number; features: MeshFeatures },
  summary: string,
  protocol: string,
  parts: (seed: number) => SplitParts,
): LoadedDataset {
  return {
    info: { kind: MESH_CLASSIFICATION, numFeatures: info.features.channels, numClasses: info.numClasses },
    summary,
    protocol: (req) => {
      noFolds(req, name);
      return protocol;
    },
    runs: (req) =>
      Array.from({ length: req.seeds }, (_, i): RunSpec => {
        const seed = req.seed + i;
        return {
          label: `seed ${i + 1}/${req.seeds}`,
          seed,
          task: (model: Module, hp, env): Task<Module> => {
            const p = parts(seed);
            precomputeMeshes([...p.train, ...p.test], info.features, model, env);
            return meshClassificationTask({
              train: p.train,
              test: p.test,
              features: info.features,
              batchSize: hp.batchSize,
              generator: new Generator(seed),
              labelSmoothing: LABEL_SMOOTHING[name] ?? 0,
            }) as Task<Module>;
          },
        };
      }),
  };
}

function segmentationDataset(
  name: string,
  set: { numClasses: number; on: MeshElement; train: MeshItem[]; test: MeshItem[] },
  features: MeshFeatures,
  summary: string,
  protocol: string,
): LoadedDataset {
  return {
    info: { kind: MESH_SEGMENTATION, numFeatures: features.channels, numClasses: set.numClasses },
    summary,
    protocol: (req) => {
      noFolds(req, name);
      return protocol;
    },
    runs: (req) =>
      Array.from({ length: req.seeds }, (_, i): RunSpec => {
        const seed = req.seed + i;
        return {
          label: `seed ${i + 1}/${req.seeds}`,
          seed,
          task: (model: Module, hp, env): Task<Module> => {
            precomputeMeshes([...set.train, ...set.test], features, model, env);
            return meshSegmentationTask({
              train: set.train,
              test: set.test,
              features,
              batchSize: hp.batchSize,
              generator: new Generator(seed),
            }) as Task<Module>;
          },
        };
      }),
  };
}

function featuresOf(opts: DatasetLoadOptions): MeshFeatures {
  const kind = opts.features ?? defaultMeshFeatures();
  if (!meshFeatureKinds().includes(kind))
    throw new UsageError(
      `option '--features' expected one of ${meshFeatureKinds().join(", ")}, got '${kind}'`,
      "train",
    );
  return meshFeatures(kind);
}

/** Parses `--split` for SHREC'11: 16, 10, 10:N or 10:per-seed. */
function shrecSplitOption(v: string | undefined): { split: 10 | 16; seed?: number; perSeed?: boolean } {
  if (v === undefined || v === "16") return { split: 16 };
  if (v === "10") return { split: 10 };
  const m = /^10:(\d+|per-seed)$/.exec(v);
  if (m !== null) return m[1] === "per-seed" ? { split: 10, perSeed: true } : { split: 10, seed: Number(m[1]) };
  throw new UsageError(`option '--split' expected 16, 10, 10:SEED or 10:per-seed, got '${v}'`, "train");
}

registerDataset({
  name: "shrec11",
  description:
    "SHREC'11 non-rigid shapes, MeshCNN's 500-face meshes, 30 classes (--split 16: 480/120, --split 10: 300/300)",
  kind: MESH_CLASSIFICATION,
  metric: "accuracy",
  mode: "max",
  defaultSeeds: 1,
  options: ["split", "features"],
  limits: true,
  async load(opts) {
    const sp = shrecSplitOption(opts.split);
    const features = featuresOf(opts);
    const root = opts.root !== undefined ? { root: opts.root } : {};
    const make = (set: MeshClassificationSet): SplitParts => ({
      train: classItems(set.train, opts.trainLimit),
      test: classItems(set.test, opts.testLimit),
    });
    let parts: (seed: number) => SplitParts;
    let protocol: string;
    let first: SplitParts;
    if (sp.perSeed) {
      const all = loadShrec11({ ...root, split: 16 });
      const cache = new Map<string, MeshItem>();
      // one item per mesh file, shared by every split, so precomputation runs once per mesh
      const shared = (list: MeshItem[]) =>
        list.map((it) => {
          if (!cache.has(it.file)) cache.set(it.file, it);
          return cache.get(it.file)!;
        });
      parts = (seed) => {
        const p = make(shrecSplit(all, 10, seed));
        return { train: shared(p.train), test: shared(p.test) };
      };
      first = parts(0);
      protocol = "split 10: a seeded split (10 train / 10 test per class) drawn for every run, final epoch";
    } else {
      const set = loadShrec11({ ...root, split: sp.split, ...(sp.seed !== undefined ? { seed: sp.seed } : {}) });
      first = make(set);
      parts = () => first;
      protocol =
        sp.split === 16
          ? "split 16 (MeshCNN's 16 train / 4 test per class), final epoch"
          : sp.seed === undefined
            ? "split 10 (the shipped split10.json, seed 0: 10 train / 10 test per class), final epoch"
            : `split 10 drawn with seed ${sp.seed} (10 train / 10 test per class), final epoch`;
    }
    return classificationDataset(
      "shrec11",
      { numClasses: 30, features },
      `${first.train.length} train / ${first.test.length} test meshes, ${meshStats(first.train)}, 30 classes; input ${features.name} (${features.channels} channels)`,
      protocol,
      parts,
    );
  },
});

registerDataset({
  name: "geometric-shapes",
  description: "PyG's GeometricShapes: 40 synthetic shapes, one mesh per class in train and in test (a smoke test)",
  kind: MESH_CLASSIFICATION,
  metric: "accuracy",
  mode: "max",
  defaultSeeds: 1,
  options: ["features"],
  limits: true,
  async load(opts) {
    const features = featuresOf(opts);
    const set = loadGeometricShapes(opts.root !== undefined ? { root: opts.root } : {});
    const p = { train: classItems(set.train, opts.trainLimit), test: classItems(set.test, opts.testLimit) };
    return classificationDataset(
      "geometric-shapes",
      { numClasses: set.classes.length, features },
      `${p.train.length} train / ${p.test.length} test meshes, ${meshStats(p.train)}, ${set.classes.length} classes; input ${features.name}`,
      "shipped train/test meshes, final epoch",
      () => p,
    );
  },
});

registerDataset({
  name: "human-seg",
  description: "human-body segmentation (MeshCNN's 1500-face meshes without FAUST: 281/18, 8 parts, labels on edges)",
  kind: MESH_SEGMENTATION,
  metric: "softAccuracy",
  mode: "max",
  metricDescription: "MeshCNN's metric: an edge is right when its soft label for the predicted class is positive",
  extraMetrics: [{ key: "accuracy", description: "plain per-edge accuracy against the hard labels" }],
  defaultSeeds: 1,
  options: ["features"],
  limits: true,
  async load(opts) {
    const features = featuresOf(opts);
    const set = loadHumanSeg({
      ...(opts.root !== undefined ? { root: opts.root } : {}),
      ...(opts.trainLimit !== undefined ? { trainLimit: opts.trainLimit } : {}),
      ...(opts.testLimit !== undefined ? { testLimit: opts.testLimit } : {}),
    });
    const train = segItems(set.train);
    const test = segItems(set.test);
    return segmentationDataset(
      "human-seg",
      { numClasses: set.numClasses, on: "edge", train, test },
      features,
      `${train.length} train / ${test.length} test meshes, ${meshStats(train)}, ${set.numClasses} parts labelled on edges; input ${features.name}`,
      "shipped 281/18 split (FAUST left out), final epoch; vertex outputs reach edges as the mean of the two end vertices",
    );
  },
});

registerDataset({
  name: "mesh-folder",
  description:
    "your own OBJ/OFF/PLY meshes: --data DIR --labels FILE (CSV or JSON; classes, or per-vertex/face/edge labels)",
  kind: MESH_CLASSIFICATION,
  metric: "accuracy",
  mode: "max",
  defaultSeeds: 1,
  options: ["data", "labels", "features"],
  async load(opts) {
    if (opts.data === undefined || opts.labels === undefined)
      throw new UsageError("dataset 'mesh-folder' needs --data DIR and --labels FILE", "train");
    const features = featuresOf(opts);
    const d = loadMeshFolder(opts.data, { labels: opts.labels });
    const split = "the labels file's train/test split (files without one: a seeded 80/20 split, seed 0), final epoch";
    if (d.train.length === 0)
      throw new UsageError(`dataset 'mesh-folder': no training meshes in ${opts.labels}`, "train");
    if (d.test.length === 0) throw new UsageError(`dataset 'mesh-folder': no test meshes in ${opts.labels}`, "train");
    if (d.task === "classification") {
      const p = { train: classItems(d.train, undefined), test: classItems(d.test, undefined) };
      return classificationDataset(
        "mesh-folder",
        { numClasses: d.classes.length, features },
        `${p.train.length} train / ${p.test.length} test meshes from ${opts.data}, ${meshStats(p.train)}, ${d.classes.length} classes; input ${features.name}`,
        split,
        () => p,
      );
    }
    const train = segItems(d.train);
    const test = segItems(d.test);
    const loaded = segmentationDataset(
      "mesh-folder",
      { numClasses: d.numClasses, on: d.on, train, test },
      features,
      `${train.length} train / ${test.length} test meshes from ${opts.data}, ${meshStats(train)}, ${d.numClasses} classes labelled on ${d.on === "vertex" ? "vertices" : `${d.on}s`}; input ${features.name}`,
      split,
    );
    return loaded;
  },
});
