/**
 * `erlangen train`'s command line: the options, the help text, argument parsing and checks
 * (`parseTrainArgs`), and the hyper-parameter fallbacks (`BASE_HYPER`, `resolveHyper`). The run itself
 * is in `train.ts`.
 */
import { parseArgs } from "node:util";
import { parseIntValue, parseNumberValue, UsageError } from "./command.js";
import {
  type DatasetOption,
  type Hyper,
  listDatasets,
  listModels,
  type ModelSpec,
  type SamplingRequest,
} from "./registry.js";
import { USER_TASKS } from "./user_data.js";

const DATASET_OPTIONS: readonly DatasetOption[] = ["split", "features", "data", "labels"];

/** Datasets that take `--train-limit` / `--test-limit` without declaring `limits` in their spec. */
export const LIMIT_DATASETS: readonly string[] = ["rotated-mnist", "spherical-mnist"];

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
  data: { type: "string" },
  edges: { type: "string" },
  graphs: { type: "string" },
  task: { type: "string" },
  label: { type: "string" },
  features: { type: "string" },
  split: { type: "string" },
  labels: { type: "string" },
  "node-attr": { type: "boolean" },
  "no-node-attr": { type: "boolean" },
  "input-mlp": { type: "boolean" },
  aggr: { type: "string" },
  "no-input-mlp": { type: "boolean" },
  protocol: { type: "string" },
  "max-configs": { type: "string" },
  retrains: { type: "string" },
  save: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Evaluation protocols of graph classification: the dataset's default, or Errica et al.'s model selection. */
export const PROTOCOLS = ["default", "errica"] as const;

/** Help text of `erlangen train`. */
export function trainHelp(): string {
  const ds = listDatasets();
  const ms = listModels();
  const dw = Math.max(8, ...ds.map((d) => d.name.length));
  const mw = Math.max(8, ...ms.map((m) => m.name.length));
  return [
    "usage: erlangen train --dataset <name> --model <name> [options]",
    "       erlangen train --data FILE --task KIND --model <name> [options]",
    "",
    "Trains a model on a shipped dataset (or your own data) and reports the test metric as mean ± std over",
    "seeds or folds. Hyperparameters default to the published ones of each model; flags override them.",
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
    "      --protocol P       graph classification: default (one run per fold with the model's defaults) or",
    "                         errica (Errica et al. 2020: per fold, grid search on the validation part with",
    "                         early stopping, then 3 retrainings of the selected configuration; flags pin axes)",
    "      --max-configs N    --protocol errica: evaluate only the first N configurations of the grid",
    "      --retrains N       --protocol errica: final retrainings per fold (default 3)",
    "      --node-attr        TU sets: add the continuous node attributes to the features",
    "      --no-node-attr     TU sets: one-hot node labels only (default per set: see docs/graph-classification.md)",
    "      --input-mlp        GIN on graph tasks: an input MLP with batch norm before the first readout (Errica",
    "                         et al.'s GIN; default when the features include continuous attributes)",
    "      --no-input-mlp     GIN on graph tasks: the GIN paper's first readout on the raw features",
    "      --aggr A           graph tasks: GIN's readout (sum, mean) or GraphSAGE's aggregation (sum, mean, max)",
    `      --train-limit N    train on the first N training examples (${LIMIT_DATASETS.join(", ")}; env ERLANGEN_TRAIN_LIMIT)`,
    `      --test-limit N     evaluate on the first N test examples (${LIMIT_DATASETS.join(", ")}; env ERLANGEN_TEST_LIMIT)`,
    "      --json             print one JSON object with the results as the last line of stdout",
    "      --plot FILE        write training curves as SVG",
    "  -q, --quiet            no progress output",
    "      --data-root DIR    read datasets from DIR instead of the shipped folder",
    "      --save DIR         write the trained model (config.json + model.safetensors; the best run by",
    "                         validation metric when there are several) for erlangen predict/evaluate/export",
    "      --loader KIND      node datasets: full (default), neighbor (sampled neighbourhoods), cluster",
    "                         (Cluster-GCN parts) or saint (GraphSAINT random walks): mini-batch training",
    "      --fanout A,B,...   neighbours sampled per hop, one per layer (-1: all; default 15,10)",
    "      --batch-size N     with --loader: seed nodes (neighbor, default 1024), parts (cluster, default 8)",
    "                         or walk roots (saint) per batch",
    "      --num-parts N      Cluster-GCN parts (default: one per 100 nodes)",
    "      --walk-length N    GraphSAINT walk length (default 2)",
    "      --store WHERE      with --loader: memory (default) or postgres://user@host:port/db (tables",
    "                         erlangen_<dataset>_*, written on first use)",
    "      --threads N        threads, the calling one included (default: all cores): large GEMMs and",
    "                         3x3 convolutions are split across them, and sampling runs on the N - 1",
    "                         others while the current batch trains",
    "",
    "your own data (instead of --dataset):",
    "      --data FILE        graphs: node table .csv (with --edges), edge list .csv, .json (PyG-style or",
    "                         graphology), an OGB raw folder; molecules: .csv with a smiles column;",
    "                         3-D molecules: .xyz or .json ({z, pos, y}) for --task molecule-regression",
    `      --task KIND        ${USER_TASKS.join(", ")}`,
    "      --edges FILE       edge list .csv (source,target[,features...]) for a node table given as --data",
    "      --graphs FILE      graph table .csv (graph,label) for graph tasks on CSV tables",
    "      --label COL        label column (default label, y or target)",
    "      --features A,B     node feature columns (default: every numeric column)",
    "      --split S          random (seeded per run), scaffold (molecules) or given (the data's own)",
    "",
    "dataset options (with --dataset, for the datasets that take them):",
    "      --split S          dataset split: esol, freesolv, lipophilicity: random (default) or scaffold;",
    "                         shrec11: 16 or 10, or 10:SEED for a seeded split 10",
    "      --features F       mesh input features (shrec11, human-seg, mesh-folder: hks or xyz); social TU sets:",
    "                         degree (default, Errica et al.) or one-hot-degree (the GIN paper)",
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
    "examples: erlangen train --dataset cora --model gcn --seeds 10 --save models/cora-gcn",
    "          erlangen train --data nodes.csv --edges edges.csv --task node-classification --model sage",
    "          erlangen train --dataset esol --model gine --split scaffold --seeds 3",
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
  /** Grid configurations (`--max-configs`). */
  configs: 1_000_000,
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
  /** Users' data (instead of a registered dataset). */
  data?: { path: string; task: string; edges?: string; graphs?: string; label?: string; features?: string[] };
  /** Split choice (`random`, `scaffold`, `given`). */
  split?: string;
  /** Folder to save the trained model in. */
  save?: string;
  /** Mini-batch loader options (null: full batch). */
  sampling: SamplingRequest | null;
  /** `--threads` (undefined: all cores). */
  threads?: number;
  /** Dataset options (`--split`, `--features`, `--data`, `--labels`), for datasets that take them. */
  datasetOptions: Partial<Record<DatasetOption, string>>;
  /** `--node-attr` (true) / `--no-node-attr` (false); undefined: the dataset's default. */
  nodeAttr?: boolean;
  /** Evaluation protocol (`--protocol`). */
  protocol: (typeof PROTOCOLS)[number];
  /** `--max-configs`: first N configurations of the grid only (`--protocol errica`). */
  maxConfigs?: number;
  /** `--retrains`: final retrainings per fold (`--protocol errica`; default 3). */
  retrains?: number;
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
      protocol: "default",
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
  // --data FILE without --dataset: users' data (with --task); with --dataset: that dataset's option (mesh-folder)
  const named = s("dataset");
  const data = named === undefined ? s("data") : undefined;
  const dataset = data !== undefined ? `data:${data}` : named;
  const model = s("model");
  if (data !== undefined && (s("task") === undefined || s("task") === ""))
    throw new UsageError(`--data needs --task (one of ${USER_TASKS.join(", ")})`, "train");
  if (data === undefined)
    for (const f of ["task", "edges", "graphs", "label"] as const)
      if (s(f) !== undefined)
        throw new UsageError(`option '--${f}' applies to --data FILE (without --dataset)`, "train");
  if (data !== undefined && s("labels") !== undefined)
    throw new UsageError(
      "option '--labels' applies to --dataset mesh-folder (users' data take --label COLUMN)",
      "train",
    );
  const split = s("split");
  if (data !== undefined && split !== undefined && !["random", "scaffold", "given"].includes(split))
    throw new UsageError(`option '--split' expected random, scaffold or given, got '${split}'`, "train");
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
  if (values["node-attr"] === true && values["no-node-attr"] === true)
    throw new UsageError("options '--node-attr' and '--no-node-attr' exclude each other", "train");
  if (values["input-mlp"] === true && values["no-input-mlp"] === true)
    throw new UsageError("options '--input-mlp' and '--no-input-mlp' exclude each other", "train");
  const aggr = s("aggr");
  if (aggr !== undefined) {
    if (aggr !== "sum" && aggr !== "mean" && aggr !== "max")
      throw new UsageError(`option '--aggr' expected one of sum, mean, max, got '${aggr}'`, "train");
    o.aggr = aggr;
  }
  if (values["input-mlp"] === true) o.inputMlp = true;
  else if (values["no-input-mlp"] === true) o.inputMlp = false;
  const protocol = s("protocol") ?? "default";
  if (!(PROTOCOLS as readonly string[]).includes(protocol))
    throw new UsageError(`option '--protocol' expected one of ${PROTOCOLS.join(", ")}, got '${protocol}'`, "train");
  const maxConfigs = int("max-configs", s("max-configs"), 1, TRAIN_LIMITS.configs);
  const retrains = int("retrains", s("retrains"), 1, TRAIN_LIMITS.seeds);
  if (protocol !== "errica" && (maxConfigs !== undefined || retrains !== undefined))
    throw new UsageError(
      `option '${maxConfigs !== undefined ? "--max-configs" : "--retrains"}' applies to --protocol errica`,
      "train",
    );
  if (protocol === "errica" && seeds !== undefined && seeds > 1)
    throw new UsageError(
      "option '--seeds' does not combine with --protocol errica (it retrains each fold's selection instead; see --retrains)",
      "train",
    );
  if (protocol === "errica" && o.valFraction === 0)
    throw new UsageError(
      "option '--val-fraction 0' does not combine with --protocol errica (model selection needs a validation part)",
      "train",
    );
  return {
    dataset,
    model: model ?? "",
    blueprint: bp,
    setting: s("setting"),
    overrides: o,
    ...(values["node-attr"] === true ? { nodeAttr: true } : values["no-node-attr"] === true ? { nodeAttr: false } : {}),
    protocol: protocol as (typeof PROTOCOLS)[number],
    maxConfigs,
    retrains,
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
    data:
      data !== undefined
        ? {
            path: data,
            task: s("task")!,
            edges: s("edges"),
            graphs: s("graphs"),
            label: s("label"),
            features: s("features")
              ?.split(",")
              .map((f) => f.trim())
              .filter((f) => f !== ""),
          }
        : undefined,
    split,
    save: s("save"),
    // users' data take --split and --features themselves
    datasetOptions: (data !== undefined
      ? {}
      : Object.fromEntries(DATASET_OPTIONS.filter((k) => s(k) !== undefined).map((k) => [k, s(k)!]))) as Partial<
      Record<DatasetOption, string>
    >,
    help: false,
  };
}

/** Resolves hyperparameters: base, then the model's published defaults, then the user's flags. */
export function resolveHyper(model: ModelSpec, kind: string, dataset: string, overrides: Partial<Hyper>): Hyper {
  return { ...BASE_HYPER, ...model.defaults(kind, dataset), ...overrides };
}
