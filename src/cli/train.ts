/**
 * `erlangen train`: trains a registered model on a registered dataset over several seeds or folds
 * and reports the test metric (mean ± std), the median training-epoch time, the inference time and
 * the parameter count; `--json` adds one JSON object as the last line of stdout.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { closeWorkerPool, getNumThreads, setNumThreads } from "../kernels/pool.js";
import type { Module } from "../nn/module.js";
import { Adam } from "../optim/adam.js";
import { StepLR } from "../optim/scheduler.js";
import "../node/worker_pool.js";
import { manualSeed } from "../tensor/rng.js";
import { median, summarize } from "../train/metrics.js";
import { trainingCurvesSvg } from "../train/plot.js";
import { fmtMs, ProgressBar } from "../train/progress.js";
import { type History, Trainer } from "../train/trainer.js";
import { blueprintModelSpec } from "./build.js";
import { type CliIO, parseIntValue, parseNumberValue, registerCommand, UsageError } from "./command.js";
import {
  type DatasetLoadOptions,
  type DatasetOption,
  type DatasetSpec,
  getDataset,
  getModel,
  type Hyper,
  type LoadedDataset,
  listDatasets,
  listModels,
  type ModelSpec,
  type ProtocolRequest,
  type SamplingRequest,
  type SamplingStats,
} from "./registry.js";
import "./builtins.js";
import { resolveFanouts } from "./graph_sampling.js";

const DATASET_OPTIONS: readonly DatasetOption[] = ["split", "features", "data", "labels"];

/** Fallbacks when neither the user nor the model's defaults give a value. */
export const BASE_HYPER: Hyper = {
  epochs: 200,
  lr: 0.01,
  weightDecay: 5e-4,
  hidden: 16,
  layers: 2,
  dropout: 0.5,
  heads: 8,
  batchSize: 32,
  k: 2,
  alpha: 0.1,
  edgeDropout: 0,
  kernelSize: 3,
  lrStep: 0,
  lrGamma: 0.5,
  patience: 0,
  valFraction: 0.1,
};

const OPTIONS = {
  dataset: { type: "string", short: "d" },
  model: { type: "string", short: "m" },
  setting: { type: "string" },
  blueprint: { type: "string" },
  epochs: { type: "string" },
  lr: { type: "string" },
  "weight-decay": { type: "string" },
  hidden: { type: "string" },
  layers: { type: "string" },
  dropout: { type: "string" },
  heads: { type: "string" },
  "batch-size": { type: "string" },
  k: { type: "string" },
  alpha: { type: "string" },
  "edge-dropout": { type: "string" },
  "kernel-size": { type: "string" },
  "lr-step": { type: "string" },
  "lr-gamma": { type: "string" },
  patience: { type: "string" },
  "val-fraction": { type: "string" },
  seeds: { type: "string" },
  seed: { type: "string" },
  folds: { type: "string" },
  "train-limit": { type: "string" },
  "test-limit": { type: "string" },
  json: { type: "boolean" },
  plot: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  "data-root": { type: "string" },
  loader: { type: "string" },
  fanout: { type: "string" },
  "num-parts": { type: "string" },
  "walk-length": { type: "string" },
  store: { type: "string" },
  threads: { type: "string" },
  split: { type: "string" },
  features: { type: "string" },
  data: { type: "string" },
  labels: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Help text of `erlangen train`. */
export function trainHelp(): string {
  const ds = listDatasets();
  const ms = listModels();
  const dw = Math.max(8, ...ds.map((d) => d.name.length));
  const mw = Math.max(8, ...ms.map((m) => m.name.length));
  return [
    "usage: erlangen train --dataset <name> --model <name> [options]",
    "",
    "Trains a model on a shipped dataset and reports the test metric as mean ± std over seeds or folds.",
    "Hyperparameters default to the published ones of each model; flags override them.",
    "",
    "options:",
    "  -d, --dataset NAME     dataset (see below)",
    "  -m, --model NAME       model (see below)",
    "      --setting NAME     dataset variant (spherical-mnist: NR/R (default), NR/NR or R/R, train/test rotations)",
    "      --blueprint FILE   train the model the blueprint builds from a spec file (erlangen build --save-spec) instead of --model",
    "      --epochs N         training epochs",
    "      --lr X             learning rate (Adam)",
    "      --weight-decay X   L2 penalty",
    "      --hidden N         hidden channels (per head for GAT)",
    "      --layers N         number of message-passing layers",
    "      --dropout P        dropout probability in [0, 1)",
    "      --heads N          attention heads (GAT)",
    "      --batch-size N     graphs per mini-batch (graph tasks)",
    "      --k N              propagation steps (SGC, APPNP); eigenpairs (diffusionnet)",
    "      --alpha X          teleport probability (APPNP)",
    "      --edge-dropout P   dropout of the propagation's edge weights (APPNP)",
    "      --kernel-size N    kernel size of the hidden convolutions (e2cnn; odd, default 3)",
    "      --lr-step N        multiply the lr by --lr-gamma every N epochs (0: constant)",
    "      --lr-gamma X       factor for --lr-step (default 0.5)",
    "      --patience N       early stopping on the validation metric (0: off)",
    "      --val-fraction X   graph CV: validation share of each training part (0: none, final epoch)",
    "      --seeds N          repetitions with seeds seed..seed+N-1",
    "      --seed N           first seed (default 0)",
    "      --folds K          K-fold cross-validation (graph datasets; shipped 10-fold splits when K = 10)",
    `      --train-limit N    train on the first N training examples (${LIMIT_DATASETS.join(", ")}; env ERLANGEN_TRAIN_LIMIT)`,
    `      --test-limit N     evaluate on the first N test examples (${LIMIT_DATASETS.join(", ")}; env ERLANGEN_TEST_LIMIT)`,
    "      --json             print one JSON object with the results as the last line of stdout",
    "      --plot FILE        write training curves as SVG",
    "  -q, --quiet            no progress output",
    "      --data-root DIR    read datasets from DIR instead of the shipped folder",
    "      --loader KIND      node datasets: full (default), neighbor (sampled neighbourhoods), cluster",
    "                         (Cluster-GCN parts) or saint (GraphSAINT random walks): mini-batch training",
    "      --fanout A,B,...   neighbours sampled per hop, one per layer (-1: all; default 15,10)",
    "      --batch-size N     with --loader: seed nodes (neighbor, default 1024), parts (cluster, default 8)",
    "                         or walk roots (saint) per batch",
    "      --num-parts N      Cluster-GCN parts (default: one per 100 nodes)",
    "      --walk-length N    GraphSAINT walk length (default 2)",
    "      --store WHERE      with --loader: memory (default) or postgres://user@host:port/db (tables",
    "                         erlangen_<dataset>_*, written on first use)",
    "      --threads N        threads, the calling one included (default: all cores); sampling runs on",
    "                         the N - 1 others while the current batch trains",
    "      --split S          dataset split (shrec11: 16 or 10, or 10:SEED for a seeded split 10)",
    "      --features F       mesh input features (shrec11, human-seg, mesh-folder: hks or xyz)",
    "      --data DIR         folder of OBJ/OFF/PLY meshes (mesh-folder)",
    "      --labels FILE      labels file for --data, CSV or JSON (mesh-folder; see docs/meshes.md)",
    "  -h, --help             this help",
    "",
    "datasets:",
    ...ds.map((d) => `  ${d.name.padEnd(dw)}  ${d.description}`),
    "",
    "models:",
    ...ms.map((m) => `  ${m.name.padEnd(mw)}  ${m.description}`),
    "",
    "example: erlangen train --dataset cora --model gcn --seeds 10",
  ].join("\n");
}

function num(name: string, v: string | undefined, check: (x: number) => boolean, expected: string): number | undefined {
  return parseNumberValue(`option '--${name}'`, v, "train", check, expected);
}

function int(name: string, v: string | undefined, min: number, max?: number): number | undefined {
  return parseIntValue(`option '--${name}'`, v, "train", min, max);
}

/**
 * Upper bounds of the integer options, checked before anything is built: far above any published
 * setting, low enough that a typo (`--hidden 100000000`) gets a usage error instead of an attempt to
 * allocate gigabytes.
 */
export const TRAIN_LIMITS = {
  epochs: 1_000_000,
  hidden: 65_536,
  layers: 1_000,
  heads: 1_024,
  /** hidden × heads (the width of a GAT layer's output). */
  width: 65_536,
  batchSize: 1_048_576,
  k: 1_000,
  kernelSize: 63,
  steps: 1_000_000,
  seeds: 10_000,
  folds: 1_000,
  examples: 2_147_483_647,
  /** Seeds are integers in [0, 2^32) (numpy's RandomState convention); seed + seeds − 1 too. */
  seed: 4_294_967_295,
} as const;

/** Parsed `train` arguments. */
export interface TrainArgs {
  dataset: string;
  model: string;
  /** Dataset variant (`--setting`), for datasets that have settings. */
  setting?: string;
  /** A blueprint spec file to build the model from (instead of `model`). */
  blueprint?: string;
  overrides: Partial<Hyper>;
  seeds?: number;
  seed: number;
  folds?: number;
  /** First N training examples only (datasets in {@link LIMIT_DATASETS}). */
  trainLimit?: number;
  /** First N test examples only (datasets in {@link LIMIT_DATASETS}). */
  testLimit?: number;
  json: boolean;
  plot?: string;
  quiet: boolean;
  dataRoot?: string;
  /** Mini-batch loader options (null: full batch). */
  sampling: SamplingRequest | null;
  /** `--threads` (undefined: all cores). */
  threads?: number;
  /** Dataset options (`--split`, `--features`, `--data`, `--labels`), for datasets that take them. */
  datasetOptions: Partial<Record<DatasetOption, string>>;
  help: boolean;
}

const LOADERS = ["full", "neighbor", "cluster", "saint"] as const;

function parseSampling(s: (k: string) => string | undefined, batchSize: number | undefined): SamplingRequest | null {
  const loader = s("loader") ?? "full";
  if (!(LOADERS as readonly string[]).includes(loader))
    throw new UsageError(`option '--loader' expected one of ${LOADERS.join(", ")}, got '${loader}'`, "train");
  let fanouts: number[] | null = null;
  const f = s("fanout");
  if (f !== undefined) {
    fanouts = f.split(",").map((x) => Number(x.trim()));
    if (f.trim() === "" || fanouts.some((k) => !Number.isInteger(k) || k < -1 || k > 1_000_000))
      throw new UsageError(
        `option '--fanout' expected comma-separated integers ≥ -1 (e.g. 15,10), got '${f}'`,
        "train",
      );
  }
  const numParts = int("num-parts", s("num-parts"), 1, 2_147_483_647) ?? null;
  const walkLength = int("walk-length", s("walk-length"), 0, 10_000) ?? null;
  const store = s("store") ?? "memory";
  if (store !== "memory" && !/^postgres(ql)?:\/\//.test(store))
    throw new UsageError(`option '--store' expected 'memory' or a postgres:// URL, got '${store}'`, "train");
  if (loader === "full") {
    const given = ["fanout", "num-parts", "walk-length", "store"].filter((k) => s(k) !== undefined);
    if (given.length > 0)
      throw new UsageError(
        `option '--${given[0]}' applies to mini-batch training; add --loader neighbor, cluster or saint`,
        "train",
      );
    return null;
  }
  if (numParts !== null && loader !== "cluster")
    throw new UsageError("option '--num-parts' applies to --loader cluster", "train");
  if (walkLength !== null && loader !== "saint")
    throw new UsageError("option '--walk-length' applies to --loader saint", "train");
  return {
    loader: loader as SamplingRequest["loader"],
    fanouts,
    store,
    numParts,
    walkLength,
    batchSize: batchSize ?? null,
  };
}

/** Parses and validates `train` arguments (throws {@link UsageError}). */
export function parseTrainArgs(argv: string[]): TrainArgs {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true }));
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""), "train");
  }
  const s = (k: string) => values[k] as string | undefined;
  if (values.help)
    return {
      dataset: "",
      model: "",
      overrides: {},
      seed: 0,
      json: false,
      quiet: false,
      datasetOptions: {},
      sampling: null,
      help: true,
    };
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, "train");
  const o: Partial<Hyper> = {};
  const set = <K extends keyof Hyper>(k: K, v: number | undefined) => {
    if (v !== undefined) o[k] = v as Hyper[K];
  };
  set("epochs", int("epochs", s("epochs"), 0, TRAIN_LIMITS.epochs));
  set(
    "lr",
    num("lr", s("lr"), (x) => x > 0, "a positive number"),
  );
  set(
    "weightDecay",
    num("weight-decay", s("weight-decay"), (x) => x >= 0, "a non-negative number"),
  );
  set("hidden", int("hidden", s("hidden"), 1, TRAIN_LIMITS.hidden));
  set("layers", int("layers", s("layers"), 1, TRAIN_LIMITS.layers));
  set(
    "dropout",
    num("dropout", s("dropout"), (x) => x >= 0 && x < 1, "a probability in [0, 1)"),
  );
  set("heads", int("heads", s("heads"), 1, TRAIN_LIMITS.heads));
  set("batchSize", int("batch-size", s("batch-size"), 1, TRAIN_LIMITS.batchSize));
  set("k", int("k", s("k"), 0, TRAIN_LIMITS.k));
  set(
    "alpha",
    num("alpha", s("alpha"), (x) => x >= 0 && x <= 1, "a number in [0, 1]"),
  );
  set(
    "edgeDropout",
    num("edge-dropout", s("edge-dropout"), (x) => x >= 0 && x < 1, "a probability in [0, 1)"),
  );
  const kernelSize = int("kernel-size", s("kernel-size"), 3, TRAIN_LIMITS.kernelSize);
  if (kernelSize !== undefined && kernelSize % 2 === 0)
    throw new UsageError(
      `option '--kernel-size' expected an odd integer in [3, ${TRAIN_LIMITS.kernelSize}], got '${kernelSize}'`,
      "train",
    );
  set("kernelSize", kernelSize);
  if ((o.hidden ?? 1) * (o.heads ?? 1) > TRAIN_LIMITS.width)
    throw new UsageError(
      `options '--hidden' × '--heads' (${o.hidden} × ${o.heads}) expected at most ${TRAIN_LIMITS.width} channels per layer`,
      "train",
    );
  set("lrStep", int("lr-step", s("lr-step"), 0, TRAIN_LIMITS.steps));
  set(
    "lrGamma",
    num("lr-gamma", s("lr-gamma"), (x) => x > 0, "a positive number"),
  );
  set("patience", int("patience", s("patience"), 0, TRAIN_LIMITS.steps));
  set(
    "valFraction",
    num("val-fraction", s("val-fraction"), (x) => x >= 0 && x < 1, "a number in [0, 1)"),
  );
  const dataset = s("dataset");
  const model = s("model");
  if (dataset === undefined || dataset === "")
    throw new UsageError(
      `missing --dataset (valid: ${listDatasets()
        .map((d) => d.name)
        .join(", ")})`,
      "train",
    );
  const bp = s("blueprint");
  if (bp !== undefined && model !== undefined) throw new UsageError("give --model or --blueprint, not both", "train");
  if ((model === undefined || model === "") && bp === undefined)
    throw new UsageError(
      `missing --model (valid: ${listModels()
        .map((m) => m.name)
        .join(", ")})`,
      "train",
    );
  const plot = s("plot");
  if (plot !== undefined && !/\.svg$/i.test(plot)) {
    throw new UsageError(
      `option '--plot' expected a file name ending in .svg (PNG output is not supported; convert the SVG), got '${plot}'`,
      "train",
    );
  }
  const folds = int("folds", s("folds"), 2, TRAIN_LIMITS.folds);
  const seeds = int("seeds", s("seeds"), 1, TRAIN_LIMITS.seeds);
  const seed = int("seed", s("seed"), 0, TRAIN_LIMITS.seed) ?? 0;
  if (seed + (seeds ?? 1) - 1 > TRAIN_LIMITS.seed)
    throw new UsageError(
      `options '--seed' + '--seeds' expected seeds up to ${TRAIN_LIMITS.seed} (2^32 − 1), got ${seed}..${seed + (seeds ?? 1) - 1}`,
      "train",
    );
  return {
    dataset,
    model: model ?? "",
    blueprint: bp,
    setting: s("setting"),
    overrides: o,
    seeds,
    seed,
    folds,
    trainLimit: int("train-limit", s("train-limit"), 1, TRAIN_LIMITS.examples),
    testLimit: int("test-limit", s("test-limit"), 1, TRAIN_LIMITS.examples),
    json: values.json === true,
    plot,
    quiet: values.quiet === true,
    dataRoot: s("data-root"),
    sampling: parseSampling(s, o.batchSize),
    threads: int("threads", s("threads"), 1, 1024),
    datasetOptions: Object.fromEntries(
      DATASET_OPTIONS.filter((k) => s(k) !== undefined).map((k) => [k, s(k)!]),
    ) as Partial<Record<DatasetOption, string>>,
    help: false,
  };
}

/** Resolves hyperparameters: base, then the model's published defaults, then the user's flags. */
export function resolveHyper(model: ModelSpec, kind: string, dataset: string, overrides: Partial<Hyper>): Hyper {
  return { ...BASE_HYPER, ...model.defaults(kind, dataset), ...overrides };
}

/** The JSON summary printed by `--json`. */
export interface TrainReport {
  dataset: string;
  model: string;
  /** The dataset variant (`--setting` or the dataset's default), null for datasets without settings. */
  setting: string | null;
  metric: string;
  protocol: string;
  runs: number;
  test: { mean: number; std: number; values: number[] };
  val: { mean: number; std: number; values: number[] };
  epochMs: { median: number; mean: number };
  inferMs: number;
  params: number;
  epochs: { median: number; values: number[] };
  hyper: Hyper;
  /** First-N limits on the training / test examples (flags or environment), null when none. */
  limits: { train: number | null; test: number | null };
  /** Threads in use (the calling one included). */
  threads: number;
  /** Peak resident memory of the process (MB). */
  peakRssMb: number;
  /** Mini-batch sampling over all runs (null: full batch). */
  sampling: SamplingReport | null;
  /** The dataset's extra metrics on the test split (e.g. plain per-edge accuracy next to MeshCNN's metric). */
  extra?: Record<string, { mean: number; std: number; values: number[] }>;
}

/** Sampling figures of `erlangen train --loader …` (sums over the runs). */
export interface SamplingReport extends SamplingStats {
  /** Training-epoch time (ms), all epochs of all runs. */
  trainMs: number;
  /** Share of the training-epoch time spent waiting for batches. */
  waitShare: number;
  /** Sampled edges per second of training-epoch time. */
  edgesPerSecond: number;
}

function countParams(model: Module): number {
  let n = 0;
  for (const p of model.parameters()) n += p.size;
  return n;
}

const pct = (metric: string) => /acc|f1|auc/i.test(metric);

function fmtStat(metric: string, mean: number, std: number, runs: number): string {
  if (pct(metric))
    return runs > 1 ? `${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)} %` : `${(100 * mean).toFixed(2)} %`;
  return runs > 1 ? `${mean.toPrecision(4)} ± ${std.toPrecision(2)}` : mean.toPrecision(4);
}

/**
 * Datasets whose loaders take first-N limits on the training and test examples (`--train-limit`,
 * `--test-limit`, or the environment variables `ERLANGEN_TRAIN_LIMIT` / `ERLANGEN_TEST_LIMIT`).
 */
export const LIMIT_DATASETS: readonly string[] = ["rotated-mnist", "spherical-mnist"];

const LIMIT_ENV = { train: "ERLANGEN_TRAIN_LIMIT", test: "ERLANGEN_TEST_LIMIT" } as const;

/** Whether a dataset's loader honours the limits. */
function takesLimits(ds: DatasetSpec): boolean {
  return LIMIT_DATASETS.includes(ds.name) || ds.limits === true;
}

interface Limits {
  train?: number;
  test?: number;
}

/** The limits in force: the flags, else the environment variables (for datasets that take limits). */
function effectiveLimits(ds: DatasetSpec, flags: Limits): Limits {
  if (!takesLimits(ds)) return {};
  const env = (name: string) => {
    const v = process.env[name];
    return v === undefined || v === "" ? undefined : parseIntValue(`environment variable ${name}`, v, "train", 1);
  };
  return { train: flags.train ?? env(LIMIT_ENV.train), test: flags.test ?? env(LIMIT_ENV.test) };
}

/**
 * Loads a dataset with the given limits. The dataset loaders read them from the environment
 * variables (which also serve scripts), so the flags are set there for the duration of the load and
 * the previous values restored afterwards; they are also passed in the load options.
 */
async function loadWithLimits(
  ds: DatasetSpec,
  root: string | undefined,
  limits: Limits,
  extra: DatasetLoadOptions = {},
): Promise<LoadedDataset> {
  if (limits.train === undefined && limits.test === undefined) {
    const eff = effectiveLimits(ds, limits);
    return ds.load({ ...extra, root, trainLimit: eff.train, testLimit: eff.test });
  }
  const prev = { train: process.env[LIMIT_ENV.train], test: process.env[LIMIT_ENV.test] };
  try {
    if (limits.train !== undefined) process.env[LIMIT_ENV.train] = String(limits.train);
    if (limits.test !== undefined) process.env[LIMIT_ENV.test] = String(limits.test);
    const opts: DatasetLoadOptions = {
      ...extra,
      root,
      trainLimit: limits.train,
      testLimit: limits.test,
    };
    return await ds.load(opts);
  } finally {
    for (const k of ["train", "test"] as const) {
      if (prev[k] === undefined) delete process.env[LIMIT_ENV[k]];
      else process.env[LIMIT_ENV[k]] = prev[k];
    }
  }
}

/** Runs `erlangen train`; returns the exit code. */
export async function runTrain(argv: string[], io: CliIO): Promise<number> {
  const args = parseTrainArgs(argv);
  if (args.help) {
    io.out(trainHelp());
    return 0;
  }
  const ds = getDataset(args.dataset);
  const ms =
    args.blueprint !== undefined ? blueprintModelSpec(args.blueprint, io.cwd, ds.kind, ds.name) : getModel(args.model);
  if (!ms.kinds.includes(ds.kind)) {
    const fit = listModels()
      .filter((m) => m.kinds.includes(ds.kind))
      .map((m) => m.name);
    throw new UsageError(
      `model '${ms.name}' does not support ${ds.kind} (dataset '${ds.name}'); models for it: ${fit.join(", ")}`,
      "train",
    );
  }
  const hp = resolveHyper(ms, ds.kind, ds.name, args.overrides);
  const sampling = args.sampling ?? undefined;
  if (sampling !== undefined && ds.sampling !== true)
    throw new UsageError(
      `option '--loader' applies to node datasets with stores (${listDatasets()
        .filter((d) => d.sampling === true)
        .map((d) => d.name)
        .join(", ")}), not '${ds.name}'`,
      "train",
    );
  // a fan-out per layer, checked before a large graph is loaded
  if (sampling !== undefined && sampling.loader !== "full") resolveFanouts(sampling, hp.layers);
  if (args.threads !== undefined) setNumThreads(args.threads);
  const req = {
    seeds: args.seeds ?? ds.defaultSeeds ?? 1,
    folds: args.folds ?? ds.defaultFolds ?? 0,
    seed: args.seed,
    sampling,
  };
  const root = args.dataRoot !== undefined ? resolve(io.cwd ?? process.cwd(), args.dataRoot) : undefined;
  const info = (line: string) => {
    if (args.quiet) return;
    if (args.json) io.err(line);
    else io.out(line);
  };
  const limits = { train: args.trainLimit, test: args.testLimit };
  if (limits.train !== undefined || limits.test !== undefined) {
    if (!takesLimits(ds)) {
      const flag = limits.train !== undefined ? "--train-limit" : "--test-limit";
      const withLimits = [
        ...LIMIT_DATASETS,
        ...listDatasets()
          .filter((d) => d.limits === true)
          .map((d) => d.name),
      ];
      throw new UsageError(
        `option '${flag}' is not available for dataset '${ds.name}' (datasets with limits: ${withLimits.join(", ")})`,
        "train",
      );
    }
  }
  for (const k of Object.keys(args.datasetOptions) as DatasetOption[]) {
    if (!(ds.options ?? []).includes(k)) {
      const takers = listDatasets()
        .filter((d) => (d.options ?? []).includes(k))
        .map((d) => d.name);
      throw new UsageError(
        `option '--${k}' is not available for dataset '${ds.name}' (datasets that take it: ${takers.join(", ") || "none"})`,
        "train",
      );
    }
  }
  const extraLoad: DatasetLoadOptions = { ...args.datasetOptions, sampling, log: info };
  if (extraLoad.data !== undefined) extraLoad.data = resolve(io.cwd ?? process.cwd(), extraLoad.data);
  if (extraLoad.labels !== undefined) extraLoad.labels = resolve(io.cwd ?? process.cwd(), extraLoad.labels);
  if (args.setting !== undefined) {
    if (ds.settings === undefined)
      throw new UsageError(`option '--setting' is not available for dataset '${ds.name}'`, "train");
    if (!ds.settings.includes(args.setting))
      throw new UsageError(
        `option '--setting' expected one of ${ds.settings.join(", ")} for dataset '${ds.name}', got '${args.setting}'`,
        "train",
      );
  }
  const setting = args.setting ?? ds.settings?.[0];
  if (setting !== undefined) extraLoad.setting = setting;
  const data = await loadWithLimits(ds, root, limits, extraLoad);
  try {
    return await trainRuns(args, io, ds, ms, hp, req, data, limits, info);
  } finally {
    await data.close?.();
    if (sampling !== undefined) await closeWorkerPool();
  }
}

async function trainRuns(
  args: TrainArgs,
  io: CliIO,
  ds: DatasetSpec,
  ms: ModelSpec,
  hp: Hyper,
  req: ProtocolRequest,
  data: LoadedDataset,
  limits: Limits,
  info: (line: string) => void,
): Promise<number> {
  const runs = data.runs(req);
  if (runs.length === 0)
    throw new UsageError(`dataset '${ds.name}' produced no runs for the requested protocol`, "train");
  const protocol = data.protocol(req);
  const setting = args.setting ?? ds.settings?.[0];
  const effLimits = effectiveLimits(ds, limits);
  const limitNote = [
    effLimits.train !== undefined ? `train limit ${effLimits.train}` : "",
    effLimits.test !== undefined ? `test limit ${effLimits.test}` : "",
  ]
    .filter((x) => x !== "")
    .join(", ");
  info(`${ds.name}${setting !== undefined ? ` ${setting}` : ""}: ${data.summary}${limitNote ? ` (${limitNote})` : ""}`);
  info(`${ms.name}: ${describeHyper(hp, ms.hyperKeys)}`);
  info(`protocol: ${protocol}, ${runs.length} run${runs.length > 1 ? "s" : ""}`);

  const tests: number[] = [];
  const extraValues = new Map<string, number[]>((ds.extraMetrics ?? []).map((m) => [m.key, []]));
  const vals: number[] = [];
  const epochMs: number[] = [];
  const inferMs: number[] = [];
  const epochsRun: number[] = [];
  const histories: History[] = [];
  let params = 0;
  let sampled: SamplingReport | null = null;
  for (const run of runs) {
    manualSeed(run.seed);
    const model = ms.build(data.info, hp);
    params = countParams(model);
    const groups = ms.paramGroups?.(model, hp, data.info);
    const optimizer = new Adam(groups ?? model.parameters(), { lr: hp.lr, weightDecay: hp.weightDecay });
    const scheduler = hp.lrStep > 0 ? new StepLR(optimizer, hp.lrStep, hp.lrGamma) : undefined;
    const task = run.task(model, hp, { log: info, progress: io.progress, quiet: args.quiet });
    const progress = new ProgressBar({
      epochs: hp.epochs,
      mode: args.quiet ? "quiet" : "auto",
      sink: io.progress,
      label: runs.length > 1 ? run.label : undefined,
      every: runs.length > 1 ? Math.max(1, hp.epochs) : undefined,
    });
    const trainer = new Trainer(model, task, {
      optimizer,
      scheduler,
      epochs: hp.epochs,
      earlyStopping: hp.patience > 0 ? { patience: hp.patience } : undefined,
      callbacks: [progress],
    });
    const hist = await trainer.fit();
    // inference time: best of three full evaluations of the test split
    let test = await trainer.test();
    let best = trainer.lastTestMs;
    for (let r = 0; r < 2; r++) {
      test = await trainer.test();
      best = Math.min(best, trainer.lastTestMs);
    }
    const t = test[ds.metric];
    if (typeof t !== "number") throw new Error(`task returned no '${ds.metric}' on the test split`);
    tests.push(t);
    for (const [k, list] of extraValues) {
      const v = test[k];
      if (typeof v !== "number") throw new Error(`task returned no '${k}' on the test split`);
      list.push(v);
    }
    if (Number.isFinite(hist.bestValue) && hist.bestEpoch > 0) vals.push(hist.bestValue);
    inferMs.push(best);
    for (const e of hist.epochs) epochMs.push(e.ms);
    epochsRun.push(hist.epochs.length);
    histories.push(hist);
    const st = run.samplingStats?.() ?? null;
    if (st !== null)
      sampled = addSampling(
        sampled,
        st,
        hist.epochs.reduce((a, e) => a + e.ms, 0),
      );
    if (!args.quiet) {
      const head = runs.length > 1 ? `${run.label}: ` : "";
      const bestNote =
        hist.bestEpoch > 0 ? ` (best val ${ds.metric} ${hist.bestValue.toFixed(4)} at epoch ${hist.bestEpoch})` : "";
      const extraNote = [...extraValues].map(([k, l]) => `, ${k} ${l.at(-1)!.toFixed(4)}`).join("");
      io.err(`${head}test ${ds.metric} ${t.toFixed(4)}${extraNote}${bestNote}`);
    }
  }
  const st = summarize(tests);
  const sv = summarize(vals);
  const report: TrainReport = {
    dataset: ds.name,
    model: ms.name,
    setting: setting ?? null,
    metric: ds.metric,
    protocol,
    runs: runs.length,
    test: { mean: st.mean, std: st.std, values: st.values },
    val: { mean: sv.mean, std: sv.std, values: sv.values },
    epochMs: { median: median(epochMs), mean: epochMs.reduce((a, b) => a + b, 0) / Math.max(1, epochMs.length) },
    inferMs: median(inferMs),
    params,
    epochs: { median: median(epochsRun), values: epochsRun },
    hyper: hp,
    limits: { train: effLimits.train ?? null, test: effLimits.test ?? null },
    threads: getNumThreads(),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    sampling: sampled,
  };
  if (extraValues.size > 0) {
    report.extra = {};
    for (const [k, l] of extraValues) {
      const s = summarize(l);
      report.extra[k] = { mean: s.mean, std: s.std, values: s.values };
    }
  }
  const over = runs.length > 1 ? ` over ${runs.length} ${req.folds > 0 ? "folds" : "seeds"}` : "";
  const described = (key: string, d: string | undefined) => (d === undefined ? key : `${key} (${d})`);
  const lines = [
    `test ${described(ds.metric, ds.metricDescription)}: ${fmtStat(ds.metric, st.mean, st.std, runs.length)}${over}`,
    ...(ds.extraMetrics ?? []).map((m) => {
      const s = report.extra![m.key]!;
      return `test ${described(m.key, m.description)}: ${fmtStat(m.key, s.mean, s.std, runs.length)}${over}`;
    }),
    `median epoch ${fmtMs(report.epochMs.median)}, inference ${fmtMs(report.inferMs)}, ${params.toLocaleString("en-US")} parameters`,
    ...samplingLines(sampled),
    `peak RSS ${report.peakRssMb.toLocaleString("en-US")} MB, ${report.threads} thread${report.threads > 1 ? "s" : ""}`,
  ];
  if (args.json) {
    if (!args.quiet) for (const l of lines) io.err(l);
  } else for (const l of lines) io.out(l);
  if (args.plot !== undefined) {
    const file = resolve(io.cwd ?? process.cwd(), args.plot);
    const svg = trainingCurvesSvg(histories, {
      title: `${ds.name} · ${ms.name} (${protocol})`,
      runLabels: runs.map((r) => r.label),
      metric: ds.metric,
    });
    writeFileSync(file, svg);
    info(`training curves written to ${file}`);
  }
  if (args.json) io.out(JSON.stringify(report));
  return 0;
}

function addSampling(acc: SamplingReport | null, st: SamplingStats, trainMs: number): SamplingReport {
  const a: SamplingReport = acc ?? {
    ...st,
    batches: 0,
    nodes: 0,
    edges: 0,
    waitMs: 0,
    sampleMs: 0,
    gatherMs: 0,
    trainMs: 0,
    waitShare: 0,
    edgesPerSecond: 0,
  };
  a.batches += st.batches;
  a.nodes += st.nodes;
  a.edges += st.edges;
  a.waitMs += st.waitMs;
  a.sampleMs += st.sampleMs;
  a.gatherMs += st.gatherMs;
  a.trainMs += trainMs;
  a.waitShare = a.trainMs > 0 ? a.waitMs / a.trainMs : 0;
  a.edgesPerSecond = a.trainMs > 0 ? a.edges / (a.trainMs / 1000) : 0;
  return a;
}

function samplingLines(s: SamplingReport | null): string[] {
  if (s === null) return [];
  const per = (x: number) => (x / Math.max(1, s.batches)).toFixed(0);
  return [
    `sampling: ${s.loader}; store ${s.store}; ${s.workers === 0 ? "on the training thread" : `${s.workers} worker thread${s.workers > 1 ? "s" : ""}`}`,
    `  ${s.batches} batches, ${per(s.nodes)} nodes and ${per(s.edges)} edges per batch; ${Math.round(s.edgesPerSecond).toLocaleString("en-US")} sampled edges per second of training`,
    `  waiting for batches: ${(100 * s.waitShare).toFixed(1)} % of the training time (${fmtMs(s.waitMs)} of ${fmtMs(s.trainMs)}); sampling work ${fmtMs(s.sampleMs)}, gathering ${fmtMs(s.gatherMs)}`,
  ];
}

const HYPER_LABELS: Record<keyof Hyper, string> = {
  epochs: "epochs",
  lr: "lr",
  weightDecay: "weight decay",
  hidden: "hidden",
  layers: "layers",
  dropout: "dropout",
  heads: "heads",
  batchSize: "batch size",
  k: "K",
  alpha: "alpha",
  edgeDropout: "edge dropout",
  kernelSize: "kernel size",
  lrStep: "lr step",
  lrGamma: "lr gamma",
  patience: "patience",
  valFraction: "val fraction",
};

function describeHyper(
  hp: Hyper,
  keys: readonly (keyof Hyper)[] = ["epochs", "lr", "weightDecay", "hidden", "layers", "dropout"],
): string {
  const shown = [...keys];
  if (hp.lrStep > 0 && !shown.includes("lrStep")) shown.push("lrStep", "lrGamma");
  if (hp.patience > 0 && !shown.includes("patience")) shown.push("patience");
  if (hp.valFraction !== BASE_HYPER.valFraction && !shown.includes("valFraction")) shown.push("valFraction");
  return shown.map((k) => `${HYPER_LABELS[k]} ${hp[k]}`).join(", ");
}

registerCommand({
  name: "train",
  summary: "train a model on a shipped dataset and report mean ± std of the test metric",
  help: trainHelp,
  run: runTrain,
});
