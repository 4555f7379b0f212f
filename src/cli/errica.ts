/**
 * `erlangen train --protocol errica`: the evaluation protocol of Errica et al., "A Fair Comparison of
 * Graph Neural Networks for Graph Classification" (ICLR 2020). On each outer fold:
 *
 * 1. model selection: every configuration of the model's grid trains on the fold's training part
 *    with early stopping on the fold's validation part (their patience, on the validation accuracy
 *    or loss as the configuration says) and is scored by its validation accuracy at the restored
 *    best epoch; the first configuration with the highest score is selected;
 * 2. risk assessment: the selected configuration is retrained 3 times (fresh seeds) on the same
 *    training part with the same early stopping, and the fold's score is the mean test accuracy.
 *
 * Early stopping follows their `Patience` stopper: an equal validation score counts as an
 * improvement. A grid of one configuration skips the selection training.
 *
 * The result is the mean ± std of the fold scores. With the shipped Errica et al. splits the folds
 * and their validation parts are theirs; otherwise seeded stratified folds with a 10 % validation
 * hold-out of each training part.
 */
import type { Module } from "../nn/module.js";
import { Adam } from "../optim/adam.js";
import { StepLR } from "../optim/scheduler.js";
import { manualSeed } from "../tensor/rng.js";
import { median, summarize } from "../train/metrics.js";
import { fmtMs } from "../train/progress.js";
import { now, Trainer } from "../train/trainer.js";
import type { Hyper, HyperGrid, LoadedDataset, ModelSpec, RunSpec } from "./registry.js";

/** The Cartesian product of a grid's axes (first axis slowest); an empty grid gives one empty configuration. */
export function expandGrid(grid: HyperGrid): Partial<Hyper>[] {
  let out: Partial<Hyper>[] = [{}];
  for (const axis of grid) {
    const next: Partial<Hyper>[] = [];
    for (const head of out) for (const alt of axis) next.push({ ...head, ...alt });
    out = next;
  }
  return out;
}

/**
 * Removes the hyper-parameters the user fixed on the command line from a grid: each alternative
 * loses the pinned keys, duplicate alternatives merge, and axes left with one empty alternative go.
 */
export function pinGrid(grid: HyperGrid, pinned: Partial<Hyper>): HyperGrid {
  const out: Partial<Hyper>[][] = [];
  for (const axis of grid) {
    const seen = new Set<string>();
    const alts: Partial<Hyper>[] = [];
    for (const alt of axis) {
      const kept = Object.fromEntries(Object.entries(alt).filter(([k]) => !(k in pinned))) as Partial<Hyper>;
      const key = JSON.stringify(kept);
      if (seen.has(key)) continue;
      seen.add(key);
      alts.push(kept);
    }
    if (alts.length > 1 || Object.keys(alts[0] ?? {}).length > 0) out.push(alts);
  }
  return out;
}

/** A configuration as `key=value` pairs, in a stable order (for progress lines). */
export function describeConfig(c: Partial<Hyper>): string {
  return Object.entries(c)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/** What `--protocol errica` needs from the train command. */
export interface ErricaSetup {
  model: ModelSpec;
  data: LoadedDataset;
  runs: RunSpec[];
  /** The model's grid for the dataset, pinned axes removed. */
  grid: HyperGrid;
  /** Hyper-parameters every configuration starts from (base and the model's defaults). */
  base: Hyper;
  /** The user's flags: they override every configuration. */
  overrides: Partial<Hyper>;
  /** Evaluate only the first N configurations of the grid (a reduced grid, reported as such). */
  maxConfigs?: number;
  /** Final retrainings of the selected configuration per fold (Errica et al.: 3). */
  retrains: number;
  metric: string;
  /** Progress lines (config k of n, best so far); nothing when quiet. */
  progress(line: string): void;
}

/** The selection and assessment of one outer fold. */
export interface ErricaFold {
  fold: string;
  /** The selected configuration (grid values only). */
  config: Partial<Hyper>;
  /** Index of the selected configuration in the grid (0-based). */
  configIndex: number;
  /** Its validation accuracy in model selection (a one-configuration grid: the first retraining's). */
  val: number;
  /** Test accuracy of each final retraining. */
  tests: number[];
  /** Mean of `tests`: the fold's score. */
  test: number;
  /** Epochs each final retraining ran (early stopping). */
  epochs: number[];
}

/** The result of {@link runErrica}. */
export interface ErricaResult {
  folds: ErricaFold[];
  test: { mean: number; std: number; values: number[] };
  val: { mean: number; std: number; values: number[] };
  /** Grid size, configurations evaluated per fold, retrainings per fold. */
  grid: { size: number; evaluated: number; retrains: number };
  /**
   * The hyper-parameters the retrainings used (base, the selected configuration, the flags): the
   * first fold's; `varies` names those whose selected value differs between folds (see `folds`).
   */
  hyper: Hyper;
  varies: (keyof Hyper)[];
  epochMs: { median: number; mean: number };
  inferMs: number;
  params: number;
  epochs: number[];
  wallMs: number;
}

interface OneRun {
  val: number;
  test: number;
  epochs: number;
  epochMs: number[];
  inferMs: number;
  params: number;
}

async function trainOnce(setup: ErricaSetup, run: RunSpec, hp: Hyper, seed: number): Promise<OneRun> {
  manualSeed(seed);
  const { model: ms, data, metric } = setup;
  const model: Module = ms.build(data.info, hp);
  let params = 0;
  for (const p of model.parameters()) params += p.size;
  const groups = ms.paramGroups?.(model, hp, data.info);
  const optimizer = new Adam(groups ?? model.parameters(), { lr: hp.lr, weightDecay: hp.weightDecay });
  const scheduler = hp.lrStep > 0 ? new StepLR(optimizer, hp.lrStep, hp.lrGamma) : undefined;
  const task = run.task(model, hp, { log: () => {}, quiet: true });
  const trainer = new Trainer(model, task, {
    optimizer,
    scheduler,
    epochs: hp.epochs,
    restoreBest: true,
    // their Patience stopper: an equal validation score counts as an improvement (later epoch kept)
    earlyStopping:
      hp.patience > 0
        ? hp.stopOn === "loss"
          ? { patience: hp.patience, monitor: "loss", mode: "min", tiesImprove: true }
          : { patience: hp.patience, monitor: metric, tiesImprove: true }
        : undefined,
    ...(hp.patience === 0 && hp.stopOn === "loss" ? { monitor: "loss", monitorMode: "min" as const } : {}),
  });
  const hist = await trainer.fit();
  const val = (await trainer.evaluate("val"))[metric];
  const test = (await trainer.test())[metric];
  if (typeof val !== "number" || typeof test !== "number")
    throw new Error(`the task returned no '${metric}' on the validation or test split`);
  return {
    val,
    test,
    epochs: hist.epochs.length,
    epochMs: hist.epochs.map((e) => e.ms),
    inferMs: trainer.lastTestMs,
    params,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

/** Runs Errica et al.'s protocol (see the file header) over `setup.runs` (one per outer fold). */
export async function runErrica(setup: ErricaSetup): Promise<ErricaResult> {
  const t0 = now();
  const all = expandGrid(setup.grid);
  const configs = setup.maxConfigs !== undefined ? all.slice(0, setup.maxConfigs) : all;
  const n = configs.length;
  const resolve = (c: Partial<Hyper>): Hyper => ({ ...setup.base, ...c, ...setup.overrides });
  // progress shows the axes that vary; the fixed settings are in the run header and the JSON
  const varying = new Set(setup.grid.filter((a) => a.length > 1).flatMap((a) => a.flatMap((alt) => Object.keys(alt))));
  const show = (c: Partial<Hyper>) =>
    describeConfig(Object.fromEntries(Object.entries(c).filter(([k]) => varying.has(k))) as Partial<Hyper>);
  const folds: ErricaFold[] = [];
  const epochMs: number[] = [];
  const inferMs: number[] = [];
  const epochsRun: number[] = [];
  let params = 0;
  for (const run of setup.runs) {
    let best = n === 1 ? 0 : -1;
    let bestVal = Number.NEGATIVE_INFINITY;
    // one configuration: nothing to select, so no selection training (its validation score is the
    // first retraining's)
    for (let k = 0; k < (n === 1 ? 0 : n); k++) {
      const r = await trainOnce(setup, run, resolve(configs[k]!), run.seed);
      for (const m of r.epochMs) epochMs.push(m);
      if (r.val > bestVal) {
        bestVal = r.val;
        best = k;
      }
      setup.progress(
        `${run.label}: config ${k + 1} of ${n} [${show(configs[k]!)}]: val ${setup.metric} ${pct(r.val)} after ${r.epochs} epochs; best so far config ${best + 1} (${pct(bestVal)}) · ${fmtMs(now() - t0)} elapsed`,
      );
    }
    const chosen = configs[best]!;
    const hp = resolve(chosen);
    const tests: number[] = [];
    const eps: number[] = [];
    for (let r = 0; r < setup.retrains; r++) {
      const res = await trainOnce(setup, run, hp, run.seed + 7919 * (r + 1));
      if (n === 1 && r === 0) bestVal = res.val;
      tests.push(res.test);
      eps.push(res.epochs);
      epochsRun.push(res.epochs);
      inferMs.push(res.inferMs);
      params = res.params;
      for (const m of res.epochMs) epochMs.push(m);
    }
    const test = tests.reduce((a, b) => a + b, 0) / tests.length;
    folds.push({ fold: run.label, config: chosen, configIndex: best, val: bestVal, tests, test, epochs: eps });
    setup.progress(
      `${run.label}: selected config ${best + 1} of ${n} [${show(chosen)}] (val ${pct(bestVal)}); test ${setup.metric} over ${setup.retrains} retrainings ${tests.map(pct).join(", ")} → ${pct(test)} · ${fmtMs(now() - t0)} elapsed`,
    );
  }
  const used = folds.map((f) => resolve(f.config));
  const hyper = used[0] ?? resolve(configs[0] ?? {});
  const varies = (Object.keys(hyper) as (keyof Hyper)[]).filter((k) => used.some((h) => h[k] !== hyper[k]));
  const st = summarize(folds.map((f) => f.test));
  const sv = summarize(folds.map((f) => f.val));
  return {
    folds,
    test: { mean: st.mean, std: st.std, values: st.values },
    val: { mean: sv.mean, std: sv.std, values: sv.values },
    grid: { size: all.length, evaluated: n, retrains: setup.retrains },
    hyper,
    varies,
    epochMs: { median: median(epochMs), mean: epochMs.reduce((a, b) => a + b, 0) / Math.max(1, epochMs.length) },
    inferMs: median(inferMs),
    params,
    epochs: epochsRun,
    wallMs: now() - t0,
  };
}
