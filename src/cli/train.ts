/**
 * `erlangen train`: trains a registered model on a registered dataset over several seeds or folds
 * and reports the test metric (mean ± std), the median training-epoch time, the inference time and
 * the parameter count; `--json` adds one JSON object as the last line of stdout.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { closeWorkerPool, getNumThreads, setNumThreads } from "../kernels/pool.js";
import type { Module } from "../nn/module.js";
import { saveModelDir } from "../node/model_dir.js";
import { Adam } from "../optim/adam.js";
import { StepLR } from "../optim/scheduler.js";
import "../node/worker_pool.js";
import { manualSeed } from "../tensor/rng.js";
import { median, summarize } from "../train/metrics.js";
import type { JsonValue } from "../train/model_file.js";
import { trainingCurvesSvg } from "../train/plot.js";
import { fmtMs, ProgressBar } from "../train/progress.js";
import { type History, now, Trainer } from "../train/trainer.js";
import { blueprintModelSpec } from "./blueprint_models.js";
import { type CliIO, parseIntValue, registerCommand, UsageError } from "./command.js";
import { describeConfig, expandGrid, pinGrid, runErrica } from "./errica.js";
import { checkInput, checkOutputDir, checkOutputFile } from "./paths.js";
import {
  type DatasetLoadOptions,
  type DatasetOption,
  type DatasetSpec,
  getDataset,
  getModel,
  type Hyper,
  type HyperGrid,
  type LoadedDataset,
  listDatasets,
  listModels,
  type ModelSpec,
  type ProtocolRequest,
  type RunSpec,
  type SamplingStats,
} from "./registry.js";
import { BASE_HYPER, LIMIT_DATASETS, parseTrainArgs, resolveHyper, type TrainArgs, trainHelp } from "./train_args.js";
import { loadUserData, USER_TASKS } from "./user_data.js";
import "./builtins.js";
import { resolveFanouts } from "./graph_sampling.js";

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
  /** The hyper-parameters the runs used (`--protocol errica`: the selected ones, see `hyperVaries`). */
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
  /** The dataset's summary line (sizes and the node features used). */
  data: string;
  /** Wall time of the training and evaluation, in milliseconds. */
  wallMs: number;
  /**
   * `--protocol errica`: the keys of `hyper` whose selected value differs between folds (`hyper` then
   * holds the first fold's; `selection` has each fold's). Absent when every fold used the same values.
   */
  hyperVaries?: (keyof Hyper)[];
  /** `--protocol errica`: grid size, configurations evaluated per fold, retrainings per fold. */
  grid?: { size: number; evaluated: number; retrains: number };
  /** `--protocol errica`: per fold, the selected configuration, its validation score and the retrainings' test scores. */
  selection?: {
    fold: string;
    config: Partial<Hyper>;
    configIndex: number;
    val: number;
    tests: number[];
    test: number;
    epochs: number[];
  }[];
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

const LIMIT_ENV = { train: "ERLANGEN_TRAIN_LIMIT", test: "ERLANGEN_TEST_LIMIT" } as const;

/** Whether a dataset's loader honours the limits. */
function takesLimits(ds: DatasetSpec): boolean {
  return LIMIT_DATASETS.includes(ds.name) || ds.limits === true;
}

export interface Limits {
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
export async function loadWithLimits(
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

/** The dataset of `--data FILE --task KIND` (loaded when the run starts). */
function userDatasetSpec(d: NonNullable<TrainArgs["data"]>, cwd: string): DatasetSpec {
  const path = checkInput("--data", d.path, cwd, "train");
  const edges = d.edges !== undefined ? checkInput("--edges", d.edges, cwd, "train") : undefined;
  const graphs = d.graphs !== undefined ? checkInput("--graphs", d.graphs, cwd, "train") : undefined;
  if (!USER_TASKS.includes(d.task))
    throw new UsageError(`option '--task' expected one of ${USER_TASKS.join(", ")}, got '${d.task}'`, "train");
  const regression = /regression$/.test(d.task);
  return {
    name: d.path,
    description: "users' data",
    kind: d.task,
    metric: d.task === "molecule-regression" ? "mae" : regression ? "rmse" : "accuracy",
    mode: regression ? "min" : "max",
    defaultSeeds: 1,
    load: () =>
      loadUserData({
        data: path,
        task: d.task,
        ...(edges !== undefined ? { edges } : {}),
        ...(graphs !== undefined ? { graphs } : {}),
        ...(d.label !== undefined ? { label: d.label } : {}),
        ...(d.features !== undefined ? { features: d.features } : {}),
      }),
  };
}

/** Runs `erlangen train`; returns the exit code. */
export async function runTrain(argv: string[], io: CliIO): Promise<number> {
  const args = parseTrainArgs(argv);
  if (args.help) {
    io.out(trainHelp());
    return 0;
  }
  const cwd = io.cwd ?? process.cwd();
  // bad output paths fail now, not after hours of training
  const plotPath = args.plot !== undefined ? checkOutputFile("--plot", args.plot, cwd, "train") : undefined;
  const savePath = args.save !== undefined ? checkOutputDir("--save", args.save, cwd, "train") : undefined;
  const ds = args.data !== undefined ? userDatasetSpec(args.data, cwd) : getDataset(args.dataset);
  const ms =
    args.blueprint !== undefined ? blueprintModelSpec(args.blueprint, cwd, ds.kind, ds.name) : getModel(args.model);
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
    ...(args.split !== undefined ? { split: args.split } : {}),
    edgeFeatures: ms.edgeFeatures === true,
    sampling,
  };
  const root = args.dataRoot !== undefined ? resolve(cwd, args.dataRoot) : undefined;
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
  if (args.nodeAttr !== undefined && ds.nodeAttr !== true) {
    const takers = listDatasets()
      .filter((d) => d.nodeAttr === true)
      .map((d) => d.name);
    throw new UsageError(
      `option '${args.nodeAttr ? "--node-attr" : "--no-node-attr"}' is not available for dataset '${ds.name}' (datasets that take it: ${takers.join(", ")})`,
      "train",
    );
  }
  let grid: HyperGrid | undefined;
  if (args.protocol === "errica") {
    if (ds.kind !== "graph-classification")
      throw new UsageError(
        `option '--protocol errica' applies to graph-classification datasets, not '${ds.name}' (${ds.kind})`,
        "train",
      );
    grid = ms.grid?.(ds.kind, ds.name);
    if (grid === undefined) {
      const withGrid = listModels()
        .filter((m) => m.grid?.(ds.kind, ds.name) !== undefined)
        .map((m) => m.name);
      throw new UsageError(
        `model '${ms.name}' has no Errica et al. grid for --protocol errica (models with one: ${withGrid.join(", ")})`,
        "train",
      );
    }
  }
  const extraLoad: DatasetLoadOptions = { ...args.datasetOptions, sampling, log: info };
  if (args.nodeAttr !== undefined) extraLoad.nodeAttr = args.nodeAttr;
  if (extraLoad.data !== undefined) extraLoad.data = resolve(cwd, extraLoad.data);
  if (extraLoad.labels !== undefined) extraLoad.labels = resolve(cwd, extraLoad.labels);
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
    return await trainRuns(args, io, ds, ms, hp, req, data, limits, info, grid, { savePath, plotPath, extraLoad });
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
  grid: HyperGrid | undefined,
  out: { savePath?: string; plotPath?: string; extraLoad: DatasetLoadOptions },
): Promise<number> {
  const { savePath, plotPath, extraLoad } = out;
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
  if (grid !== undefined)
    return runErricaCommand({ args, io, ds, ms, data, runs, grid, info, protocol, limits: effLimits });
  info(`${ms.name}: ${describeHyper(hp, ms.hyperKeys)}`);
  info(`protocol: ${protocol}, ${runs.length} run${runs.length > 1 ? "s" : ""}`);
  const wallStart = now();

  const tests: number[] = [];
  const extraValues = new Map<string, number[]>((ds.extraMetrics ?? []).map((m) => [m.key, []]));
  const vals: number[] = [];
  const epochMs: number[] = [];
  const inferMs: number[] = [];
  const epochsRun: number[] = [];
  const histories: History[] = [];
  let params = 0;
  // the run whose model --save writes: the best validation metric, else the first run
  let keep: { model: Module; run: (typeof runs)[number]; val: number; test: number; epochs: number } | null = null;
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
    if (savePath !== undefined) {
      const v = Number.isFinite(hist.bestValue) && hist.bestEpoch > 0 ? hist.bestValue : Number.NaN;
      const better =
        keep === null ||
        (Number.isFinite(v) && (!Number.isFinite(keep.val) || (ds.mode === "max" ? v > keep.val : v < keep.val)));
      if (better) keep = { model, run, val: v, test: t, epochs: hist.epochs.length };
    }
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
    data: data.summary,
    wallMs: now() - wallStart,
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
    `median epoch ${fmtMs(report.epochMs.median)}, inference ${fmtMs(report.inferMs)}, ${params.toLocaleString("en-US")} parameters, wall ${fmtMs(report.wallMs)}`,
    ...samplingLines(sampled),
    `peak RSS ${report.peakRssMb.toLocaleString("en-US")} MB, ${report.threads} thread${report.threads > 1 ? "s" : ""}`,
  ];
  if (args.json) {
    if (!args.quiet) for (const l of lines) io.err(l);
  } else for (const l of lines) io.out(l);
  if (savePath !== undefined && keep !== null) {
    const k = keep as NonNullable<typeof keep>;
    const infoJson: Record<string, number | string> = {};
    for (const [key, v] of Object.entries(data.info))
      if (typeof v === "number" || typeof v === "string") infoJson[key] = v;
    // the one flag a model's architecture depends on (GIN's default input MLP), as a number
    if (data.info.continuousFeatures === true) infoJson.continuousFeatures = 1;
    const training: { [key: string]: JsonValue } = {
      dataset: ds.name,
      protocol,
      run: k.run.label,
      seed: k.run.seed,
      metric: ds.metric,
      test: k.test,
      epochs: k.epochs,
      date: new Date().toISOString(),
    };
    if (Number.isFinite(k.val)) training.val = k.val;
    // the protocol request, so evaluate rebuilds the same runs (folds, seeds) and scores the saved one
    training.request = { seeds: req.seeds, folds: req.folds, seed: req.seed };
    // what evaluate needs to rebuild the same data: the split, the dataset's options, the limits
    if (args.split !== undefined) training.split = args.split;
    // the dataset's own options (and its setting); not the loader's log sink or sampling request
    const opts: { [key: string]: JsonValue } = {};
    for (const [key, v] of Object.entries(extraLoad)) if (typeof v === "string") opts[key] = v;
    if (Object.keys(opts).length > 0) training.datasetOptions = opts;
    const lim: { [key: string]: JsonValue } = {};
    if (effLimits.train !== undefined) lim.train = effLimits.train;
    if (effLimits.test !== undefined) lim.test = effLimits.test;
    if (Object.keys(lim).length > 0) training.limits = lim;
    const as = ms.saved?.();
    saveModelDir(savePath, {
      model: k.model,
      desc: {
        model: as?.model ?? ms.name,
        task: ds.kind,
        hyper: { ...hp },
        info: infoJson,
        schema: { ...(data.schema ?? {}), ...(k.run.schema?.() ?? {}), ...(as?.schema ?? {}) },
        training,
      },
    });
    info(`model (${k.run.label}) saved to ${savePath}`);
  }
  if (plotPath !== undefined) {
    const file = plotPath;
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

/** `--protocol errica` (see `errica.ts`): prints the selection progress and the summary; returns the exit code. */
async function runErricaCommand(c: {
  args: TrainArgs;
  io: CliIO;
  ds: DatasetSpec;
  ms: ModelSpec;
  data: LoadedDataset;
  runs: RunSpec[];
  grid: HyperGrid;
  info: (line: string) => void;
  protocol: string;
  limits: Limits;
}): Promise<number> {
  const { args, io, ds, ms, data, runs, info } = c;
  // valFraction 0.1: folds without shipped validation parts hold 10 % of each training part out.
  const base: Hyper = { ...BASE_HYPER, ...ms.defaults(ds.kind, ds.name), valFraction: 0.1 };
  const grid = pinGrid(c.grid, args.overrides);
  const size = expandGrid(grid).length;
  const evaluated = Math.min(size, args.maxConfigs ?? size);
  const retrains = args.retrains ?? 3;
  const pinned = Object.keys(args.overrides) as (keyof Hyper)[];
  const protocol = `Errica et al. 2020 model selection on ${c.protocol}: ${evaluated === size ? `grid of ${size}` : `first ${evaluated} of ${size} configurations (reduced grid)`}${pinned.length > 0 ? `, pinned by flags: ${pinned.map((k) => `${HYPER_LABELS[k]} ${args.overrides[k]}`).join(", ")}` : ""}; ${retrains} retraining${retrains > 1 ? "s" : ""} of the selected configuration per fold`;
  info(`${ms.name}: grid axes ${grid.map((axis) => axis.map(describeConfig).join(" | ")).join(" × ") || "(none)"}`);
  info(`protocol: ${protocol}, ${runs.length} fold${runs.length > 1 ? "s" : ""}`);
  const res = await runErrica({
    model: ms,
    data,
    runs,
    grid,
    base,
    overrides: args.overrides,
    maxConfigs: args.maxConfigs,
    retrains,
    metric: ds.metric,
    progress: (line) => {
      if (!args.quiet) io.err(line);
    },
  });
  const report: TrainReport = {
    dataset: ds.name,
    model: ms.name,
    metric: ds.metric,
    protocol,
    runs: runs.length,
    test: res.test,
    val: res.val,
    epochMs: res.epochMs,
    inferMs: res.inferMs,
    params: res.params,
    epochs: { median: median(res.epochs), values: res.epochs },
    hyper: res.hyper,
    ...(res.varies.length > 0 ? { hyperVaries: res.varies } : {}),
    limits: { train: c.limits.train ?? null, test: c.limits.test ?? null },
    setting: null,
    threads: getNumThreads(),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    sampling: null,
    data: data.summary,
    wallMs: res.wallMs,
    grid: res.grid,
    selection: res.folds,
  };
  const lines = [
    `test ${ds.metric}: ${fmtStat(ds.metric, res.test.mean, res.test.std, runs.length)} over ${runs.length} folds (Errica et al. protocol, ${evaluated} configuration${evaluated > 1 ? "s" : ""} per fold)`,
    `median epoch ${fmtMs(report.epochMs.median)}, inference ${fmtMs(report.inferMs)}, ${res.params.toLocaleString("en-US")} parameters, wall ${fmtMs(res.wallMs)}`,
  ];
  if (args.json) {
    if (!args.quiet) for (const l of lines) io.err(l);
    io.out(JSON.stringify(report));
  } else for (const l of lines) io.out(l);
  return 0;
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
  trainEps: "train eps",
  inputMlp: "input MLP",
  aggr: "aggr",
  stopOn: "stop on",
  concatLayers: "concatenated layers",
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
