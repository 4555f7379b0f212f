/**
 * Registries of datasets and models for `erlangen train`. A dataset family (graphs today; grids,
 * point clouds or molecules later) registers its datasets with {@link registerDataset} and its models
 * with {@link registerModel}; the train command only talks to these interfaces.
 */
import type { Module } from "../nn/module.js";
import { ErlangenError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { type JsonValue, type ModelConfig, registerModelBuilder } from "../train/model_file.js";
import type { ProgressSink } from "../train/progress.js";
import type { Task } from "../train/trainer.js";
import { UsageError } from "./command.js";

/**
 * The kind of learning problem. A model lists the kinds it supports; the dataset's loaded runs
 * build tasks that call the model with that kind's forward convention:
 * - `node-classification`: `model.call(x, edgeIndex)` → logits [numNodes, numClasses]
 * - `graph-classification`: `model.call(x, edgeIndex, batch)` → logits [numGraphs, numClasses]
 * - `graph-regression`: `model.call(x, edgeIndex, batch)` → predictions [numGraphs, numTargets]
 *   (models with `edgeFeatures`: `model.call(x, edgeIndex, batch, edgeAttr)`)
 * - `node-regression`: `model.call(x, edgeIndex)` → [numNodes, numTargets]
 * - `edge-classification` / `edge-regression`: `model.call(x, edgeIndex, pairs)` → [numPairs, C]
 * - `image-classification`, `molecule-regression`, `molecule-vector`, `nbody`: see the families.
 * - `mesh-classification` / `mesh-segmentation`: `model.call(x, item)` per mesh (see `train/meshes.ts`)
 */
export type ProblemKind =
  | "node-classification"
  | "node-regression"
  | "graph-classification"
  | "graph-regression"
  | "edge-classification"
  | "edge-regression"
  | (string & {});

/** Hyperparameters resolved from the command line and the model's published defaults. */
export interface Hyper {
  epochs: number;
  lr: number;
  weightDecay: number;
  hidden: number;
  layers: number;
  dropout: number;
  heads: number;
  batchSize: number;
  /** Propagation steps (SGC, APPNP). */
  k: number;
  /** Teleport probability (APPNP). */
  alpha: number;
  /** Dropout of the propagation's edge weights (APPNP; 0: none). */
  edgeDropout: number;
  /** Kernel size of the hidden convolutions (e2cnn; odd, ≥ 3). */
  kernelSize: number;
  /** Multiply the learning rate by `lrGamma` every `lrStep` epochs (0: constant). */
  lrStep: number;
  lrGamma: number;
  /** Early-stopping patience on the validation metric (0: off). */
  patience: number;
  /**
   * Cross-validated graph datasets: the fraction of each training part held out for validation and
   * best-checkpoint selection (stratified). 0 trains on the whole training part (shipped validation
   * sets included) and reports the final epoch, as the GIN paper does.
   */
  valFraction: number;
  /** GIN: learn ε (Errica et al.'s `train_eps`; default false, GIN-0). */
  trainEps?: boolean;
  /**
   * GIN on graph tasks: an input MLP with batch norm before the first readout (Errica et al.'s GIN).
   * Unset: on when the features include continuous attributes ({@link DataInfo.continuousFeatures}).
   */
  inputMlp?: boolean;
  /** Graph readout of GIN (`sum` default, or `mean`) and neighbourhood aggregation of GraphSAGE (`sum`, `max`, `mean`). */
  aggr?: "sum" | "mean" | "max";
  /** Early stopping watches the validation metric (default) or the validation loss. */
  stopOn?: "metric" | "loss";
  /**
   * GraphSAGE on graph classification: Errica et al.'s classifier (`SAGEGraphClassifier` of the graph layers: every
   * layer's output concatenated, max readout, two-layer MLP head; their `--protocol errica` grid sets
   * it) instead of the library's (mean readout of the last layer, one Linear).
   */
  concatLayers?: boolean;
}

/**
 * A hyper-parameter grid: the Cartesian product of its axes, each axis a list of alternatives; an
 * alternative may set several hyper-parameters together (e.g. GIN's hidden width with its depth).
 */
export type HyperGrid = readonly (readonly Partial<Hyper>[])[];

/** Sizes a model needs from the dataset. */
export interface DataInfo {
  kind: ProblemKind;
  numFeatures: number;
  numClasses: number;
  /** Regression targets (graph-regression). */
  numTargets?: number;
  /** Edge (bond) feature size, for models with edge features. */
  edgeFeatures?: number;
  /** Largest molecule (the Coulomb-matrix baseline). */
  maxAtoms?: number;
  /** Set when a saved model is rebuilt for inference (no transductive caches). */
  inference?: boolean;
  /**
   * The node features include continuous, unnormalised attributes (ENZYMES's 18): GIN then reads its
   * first head from an input MLP with batch norm unless `--no-input-mlp`.
   */
  continuousFeatures?: boolean;
  /** Shape of one input example, when fixed (e.g. [1, 32, 32] for signals on a 32 × 32 sphere grid). */
  inputShape?: readonly number[];
  /**
   * The model sees a different sampled subgraph at each step (`--loader` other than `full`): no
   * normalisation may be cached across calls.
   */
  sampled?: boolean;
  /**
   * Graph classification: the structure-agnostic baseline Errica et al. (2020) use on this dataset:
   * `fingerprint` (sum of the node features into an MLP; chemical sets) or `deepsets` (an MLP on
   * each node, summed, into an MLP; ENZYMES and the social sets).
   */
  baseline?: "fingerprint" | "deepsets";
}

/** What a run's task factory may use to report slow preparation (e.g. per-mesh precomputation). */
export interface RunEnv {
  /** Prints an informational line (nothing when `--quiet`). */
  log(line: string): void;
  /** Where progress bars go (the CLI's progress sink). */
  progress?: ProgressSink;
  quiet: boolean;
}

/** One train/val/test run of a protocol (a seed on a fixed split, or a cross-validation fold). */
export interface RunSpec {
  /** Label shown in progress, e.g. `seed 3/10` or `fold 2/10`. */
  label: string;
  /** Seed for model initialisation, dropout and shuffling. */
  seed: number;
  /** The task for a freshly built model (train/val/test data of this run). */
  task(model: Module, hp: Hyper, env?: RunEnv): Task<Module>;
  /** Schema entries of this run (e.g. the target normalisation of its training split), after `task`. */
  schema?(): { [key: string]: JsonValue };
  /** Sampling figures of the last task's training loader (mini-batch loaders only). */
  samplingStats?(): SamplingStats | null;
}

/** What a training loader did over a run (see `LoaderStats` in data/loaders). */
export interface SamplingStats {
  /** Loader name, e.g. `neighbor [15, 10]`. */
  loader: string;
  /** Where the graph lives: `memory` or the database. */
  store: string;
  /** Worker threads that built the batches (0: the training thread). */
  workers: number;
  batches: number;
  nodes: number;
  edges: number;
  /** Time the training loop waited for batches, and the sampling / gathering work (all threads). */
  waitMs: number;
  sampleMs: number;
  gatherMs: number;
}

/** A loaded dataset ready to be run. */
export interface LoadedDataset {
  info: DataInfo;
  /** Human-readable size, e.g. `2708 nodes, 10556 edges, 1433 features, 7 classes`. */
  summary: string;
  /** Name of the evaluation protocol, e.g. `public split` or `10-fold CV (Errica et al.)`. */
  protocol(req: ProtocolRequest): string;
  /** The runs of the protocol. */
  runs(req: ProtocolRequest): RunSpec[];
  /**
   * What a saved model needs to read new inputs and report outputs (feature names, class names,
   * featuriser, target normalisation), written into its config by `erlangen train --save`.
   */
  schema?: { [key: string]: JsonValue };
  /** Releases what loading opened (database connections). */
  close?(): Promise<void>;
}

/** What the user asked for: seeds and folds. */
export interface ProtocolRequest {
  /** Number of seeds (repetitions). */
  seeds: number;
  /** Number of cross-validation folds (0: the dataset's default protocol). */
  folds: number;
  /** First seed. */
  seed: number;
  /** Split of users' data and MoleculeNet: `random` (seeded per run), `scaffold`, or `given` (default: given when the data has one, else random). */
  split?: string;
  /** The model takes edge features (graph tasks then call it with `edgeAttr`). */
  edgeFeatures?: boolean;
  /**
   * The schema of a saved model being evaluated: datasets take its target normalisation instead of
   * recomputing one from the training part.
   */
  saved?: { [key: string]: JsonValue };
  /** How node-level batches are drawn (node-classification datasets with `--loader`). */
  sampling?: SamplingRequest;
}

/** Mini-batch loaders of node-classification datasets (`--loader`, `--fanout`, `--store`, …). */
export interface SamplingRequest {
  /** `full`: full-batch (the default); `neighbor`, `cluster` or `saint`: mini-batches of sampled subgraphs. */
  loader: "full" | "neighbor" | "cluster" | "saint";
  /** Neighbours per hop (neighbor loader and the evaluation loaders); null: 15, 10 then 5 per further layer. */
  fanouts: number[] | null;
  /** `memory` or a `postgres://` connection string. */
  store: string;
  /** Cluster-GCN parts (null: one part per 100 nodes). */
  numParts: number | null;
  /** GraphSAINT walk length (null: 2). */
  walkLength: number | null;
  /** The batch size the user gave (null: the loader's default). */
  batchSize: number | null;
}

/** Options a dataset may take from the command line (`--split`, `--features`, `--data`, `--labels`). */
export type DatasetOption = "split" | "features" | "data" | "labels";

/** What `load` receives. */
export interface DatasetLoadOptions {
  /** Overrides the shipped datasets folder. */
  root?: string;
  /** First-N limits on the training / test examples (datasets with `limits`). */
  trainLimit?: number;
  testLimit?: number;
  /** The dataset variant (`--setting`, one of the dataset's `settings`; datasets with settings). */
  setting?: string;
  /** The dataset's own options, as given on the command line (only those listed in `options`). */
  split?: string;
  features?: string;
  data?: string;
  labels?: string;
  /** Mini-batch loaders (`--loader` other than `full`; datasets with `sampling`): stores to fill and open. */
  sampling?: SamplingRequest;
  /** Reports slow steps (generation, database writes; nothing when `--quiet`). */
  log?: (line: string) => void;
  /** `--node-attr` (true) / `--no-node-attr` (false): continuous node attributes in the features (datasets with `nodeAttr`). */
  nodeAttr?: boolean;
}

/** A metric reported next to the main one. */
export interface ExtraMetric {
  /** Key of the task's evaluate results. */
  key: string;
  /** What it measures, shown in the summary. */
  description: string;
}

/** A dataset the CLI can train on. */
export interface DatasetSpec {
  name: string;
  description: string;
  kind: ProblemKind;
  /** Main metric (key of the task's evaluate results) and whether higher is better. */
  metric: string;
  mode: "max" | "min";
  /** What the main metric measures, shown in the summary (optional). */
  metricDescription?: string;
  /** Metrics reported next to the main one (summary and `--json` `extra`). */
  extraMetrics?: readonly ExtraMetric[];
  /** Default number of seeds and folds when the user gives none. */
  defaultSeeds?: number;
  defaultFolds?: number;
  /**
   * Named variants of the dataset chosen with `--setting` (e.g. spherical MNIST's train/test rotations
   * `NR/NR`, `R/R`, `NR/R`); the first is the default. Datasets without settings reject `--setting`.
   */
  settings?: readonly string[];
  /** Command-line options the dataset takes (others are rejected for it). */
  options?: readonly DatasetOption[];
  /** Whether the loader honours `--train-limit` / `--test-limit`. */
  limits?: boolean;
  /** Datasets that take `--loader` (node classification over graph and feature stores). */
  sampling?: boolean;
  /** Whether the loader takes `--node-attr` / `--no-node-attr`. */
  nodeAttr?: boolean;
  /** Loads the data (`root` overrides the shipped datasets folder; `setting` is one of `settings`). */
  load(opts: DatasetLoadOptions): Promise<LoadedDataset>;
}

/** A model the CLI can build. */
export interface ModelSpec {
  name: string;
  description: string;
  kinds: readonly ProblemKind[];
  /** Published defaults for a kind (and dataset); the user's flags override them. */
  defaults(kind: ProblemKind, dataset: string): Partial<Hyper>;
  /** Hyperparameters this model uses (shown in the run header; default: epochs, lr, weight decay, hidden, layers, dropout). */
  hyperKeys?: readonly (keyof Hyper)[];
  build(info: DataInfo, hp: Hyper): Module;
  /**
   * The model-selection grid of `--protocol errica` on a dataset (Errica et al. 2020's grid for the
   * model); undefined when the model has none.
   */
  grid?(kind: ProblemKind, dataset: string): HyperGrid | undefined;
  /**
   * Optimizer parameter groups (e.g. weight decay on the first layer only, as in Kipf & Welling);
   * default: all parameters with `hp.weightDecay`.
   */
  paramGroups?(model: Module, hp: Hyper, info: DataInfo): { params: Tensor[]; weightDecay: number }[] | undefined;
  /** The model takes edge features (graph kinds: `model.call(x, edgeIndex, batch, edgeAttr)`). */
  edgeFeatures?: boolean;
  /**
   * How `erlangen train --save` names the model and what it adds to the saved schema, for models
   * made at run time (a blueprint spec file) that a registered builder rebuilds from the config;
   * default: `name`, nothing added.
   */
  saved?(): { model: string; schema: { [key: string]: JsonValue } };
}

const datasets = new Map<string, DatasetSpec>();
const models = new Map<string, ModelSpec>();

/** Adds a dataset (names are case-insensitive). */
export function registerDataset(spec: DatasetSpec): void {
  datasets.set(spec.name.toLowerCase(), spec);
}

/**
 * Caps on hyperparameters read from a saved config before a model is built from them (the same bounds
 * `erlangen train` puts on its flags), so a hostile config cannot ask for gigabytes.
 */
const SAVED_LIMITS: Record<string, number> = {
  hidden: 65_536,
  layers: 1_000,
  heads: 1_024,
  k: 1_000,
  kernelSize: 63,
  batchSize: 1_048_576,
};

/** Rebuilds model `spec` from a saved config, after checking its sizes. */
function buildFromConfig(spec: ModelSpec, config: ModelConfig): Module {
  const hp = config.hyper as unknown as Hyper;
  for (const [k, max] of Object.entries(SAVED_LIMITS)) {
    const v = config.hyper[k];
    if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max))
      throw new ErlangenError(`loadModel: config 'hyper.${k}' expected an integer in [0, ${max}], got ${v}`);
  }
  if (Number(config.hyper.hidden ?? 1) * Number(config.hyper.heads ?? 1) > 65_536)
    throw new ErlangenError("loadModel: config 'hyper.hidden' × 'hyper.heads' expected at most 65536 channels");
  const info = { ...config.info, kind: config.task, inference: true } as unknown as DataInfo;
  for (const k of ["numFeatures", "numClasses", "numTargets", "edgeFeatures", "maxAtoms"] as const) {
    const v = (config.info as Record<string, unknown>)[k];
    if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 16_777_216))
      throw new ErlangenError(
        `loadModel: config 'info.${k}' expected an integer in [0, 16777216], got ${JSON.stringify(v)}`,
      );
  }
  if (!spec.kinds.includes(config.task))
    throw new ErlangenError(`loadModel: model '${spec.name}' does not support the config's task '${config.task}'`);
  return spec.build(info, hp);
}

/** Adds a model (names are case-insensitive); saved models of this name are rebuilt through it. */
export function registerModel(spec: ModelSpec): void {
  models.set(spec.name.toLowerCase(), spec);
  registerModelBuilder(spec.name, (config) => buildFromConfig(spec, config));
}

/** All datasets, in registration order. */
export function listDatasets(): DatasetSpec[] {
  return [...datasets.values()];
}

/** All models, in registration order. */
export function listModels(): ModelSpec[] {
  return [...models.values()];
}

/** The dataset named `name`; a usage error listing the valid names otherwise. */
export function getDataset(name: string): DatasetSpec {
  const d = datasets.get(name.toLowerCase());
  if (d === undefined) {
    throw new UsageError(
      `unknown dataset '${name}' (valid: ${
        listDatasets()
          .map((x) => x.name)
          .join(", ") || "none registered"
      })`,
      "train",
    );
  }
  return d;
}

/**
 * Whether a saved model of this name takes edge features (graph kinds); false for names with no
 * registered spec (models rebuilt by a builder alone, such as saved blueprint models).
 */
export function savedModelTakesEdgeFeatures(name: string): boolean {
  return models.get(name.toLowerCase())?.edgeFeatures === true;
}

/** The model named `name`; a usage error listing the valid names otherwise. */
export function getModel(name: string): ModelSpec {
  const m = models.get(name.toLowerCase());
  if (m === undefined) {
    throw new UsageError(
      `unknown model '${name}' (valid: ${
        listModels()
          .map((x) => x.name)
          .join(", ") || "none registered"
      })`,
      "train",
    );
  }
  return m;
}
