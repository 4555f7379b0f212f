/**
 * A small, generic training loop. The {@link Trainer} knows nothing about graphs or images: a
 * {@link Task} supplies one epoch of training (`trainStep`) and evaluation on a split (`evaluate`).
 * The Trainer adds what every experiment needs: the optimizer step, learning-rate schedules
 * (including ReduceLROnPlateau fed with the validation metric), early stopping, restoring the best
 * checkpoint, callbacks, seeding and a history with timings.
 */
import { clipGradNorm } from "../optim/clip.js";
import { noGrad } from "../tensor/autograd.js";
import { ErlangenError, opError } from "../tensor/errors.js";
import { manualSeed } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";

/** A state dict as modules return it: a Map or a plain record of named tensors. */
export type StateDictLike = Map<string, Tensor> | Record<string, Tensor>;

/**
 * What the Trainer needs from a model (satisfied by `nn.Module`): train/eval mode switches, and a
 * state dict to snapshot and restore the best weights.
 */
export interface TrainableModel {
  train(mode?: boolean): unknown;
  eval(): unknown;
  stateDict(): StateDictLike;
  loadStateDict(state: StateDictLike): unknown;
  parameters?(): Iterable<Tensor>;
}

/** What the Trainer needs from an optimizer (satisfied by `optim.Adam`, `optim.SGD`, ...). */
export interface OptimizerLike {
  zeroGrad(): void;
  step(): void;
}

/**
 * A learning-rate scheduler. Epoch-based schedulers take no argument; plateau schedulers take the
 * monitored value (see {@link TrainerOptions.schedulerMetric}).
 */
export interface SchedulerLike {
  step(metric?: number): void;
}

/** Named scalar results, e.g. `{ loss: 0.41, accuracy: 0.83 }`. */
export type Metrics = Record<string, number>;

/** What a task's `trainStep` returns for one epoch. */
export interface TrainStepResult {
  /** Mean training loss over the epoch. */
  loss: number;
  /** Optional training metrics computed on the fly (e.g. accuracy on the training forward pass). */
  metrics?: Metrics;
}

/** The context a task receives in its hooks. */
export interface TrainContext<M extends TrainableModel = TrainableModel> {
  readonly model: M;
  readonly optimizer: OptimizerLike;
  /** 0-based epoch index. */
  readonly epoch: number;
  /**
   * The optimization step: zeroes the gradients, backpropagates `loss`, clips gradients when the
   * Trainer was given `clipGradNorm`, and steps the optimizer. Returns the loss value.
   */
  backwardStep(loss: Tensor): number;
}

/** Data splits a task can be evaluated on. */
export type Split = "train" | "val" | "test";

/**
 * A training task: the model-and-data specific part of an experiment.
 * - `trainStep` runs one epoch of training (one optimizer step for full-batch tasks, a pass over
 *   the loader for mini-batch tasks), calling `ctx.backwardStep(loss)` for each step.
 * - `evaluate` returns metrics on a split; it is called in eval mode with gradients off.
 * - `metric` names the main metric (a key of `evaluate`'s result) and `mode` whether higher is better.
 */
export interface Task<M extends TrainableModel = TrainableModel> {
  readonly metric: string;
  readonly mode: "max" | "min";
  /** Which splits exist (default: all three). */
  readonly splits?: readonly Split[];
  trainStep(ctx: TrainContext<M>): TrainStepResult | Promise<TrainStepResult>;
  evaluate(split: Split, ctx: TrainContext<M>): Metrics | Promise<Metrics>;
  /**
   * Called once at the end of {@link Trainer.fit}, after the best checkpoint is restored and before the
   * callbacks' `onTrainEnd` (e.g. to recompute batch-norm statistics with {@link updateBatchNorm}).
   */
  onTrainEnd?(ctx: TrainContext<M>): void | Promise<void>;
}

/** One row of the history. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss. */
  loss: number;
  /** Training metrics (from `trainStep`, or from evaluating the train split when `evalTrain`). */
  train: Metrics;
  /** Validation metrics (empty when the task has no validation split). */
  val: Metrics;
  /** Learning rate at the end of the epoch, when the optimizer exposes it. */
  lr?: number;
  /** Milliseconds spent in `trainStep` (the training epoch itself). */
  ms: number;
  /** Milliseconds spent evaluating. */
  evalMs: number;
}

/** Everything recorded by {@link Trainer.fit}. */
export interface History {
  epochs: EpochRecord[];
  /** The main metric's name and mode. */
  metric: string;
  mode: "max" | "min";
  /** Name of the monitored validation quantity (for early stopping / best checkpoint). */
  monitor: string;
  /** 1-based epoch with the best monitored value (0 when nothing was monitored). */
  bestEpoch: number;
  /** Best monitored value. */
  bestValue: number;
  /** Epoch at which early stopping ended training (null when it ran all epochs). */
  stoppedEpoch: number | null;
  /** Whether the best checkpoint was loaded back into the model at the end. */
  restoredBest: boolean;
}

/** Hooks called during {@link Trainer.fit}. Returning `false` from `onEpochEnd` stops training. */
export interface Callback {
  onTrainBegin?(trainer: Trainer): void | Promise<void>;
  onEpochBegin?(epoch: number, trainer: Trainer): void | Promise<void>;
  onEpochEnd?(record: EpochRecord, trainer: Trainer): unknown;
  onTrainEnd?(history: History, trainer: Trainer): void | Promise<void>;
}

/** Early stopping on a validation quantity. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Monitored validation key (default: the task's metric). Use `loss` for the validation loss. */
  monitor?: string;
  /** Whether higher is better (default: the task's mode, or `min` when monitoring `loss`). */
  mode?: "max" | "min";
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /**
   * Whether a value equal to the best so far counts as an improvement: it resets the patience and
   * moves the best checkpoint to the later epoch (Errica et al. 2020's `Patience` stopper). Default
   * false: only a strict improvement (beyond `minDelta`) counts, and the earliest best epoch is kept.
   */
  tiesImprove?: boolean;
}

/** Options of the {@link Trainer}. */
export interface TrainerOptions {
  /** Number of epochs (default 100). */
  epochs?: number;
  optimizer: OptimizerLike;
  /** Optional learning-rate scheduler, stepped once per epoch. */
  scheduler?: SchedulerLike;
  /**
   * Feed the scheduler the monitored validation value (`scheduler.step(value)`), as
   * ReduceLROnPlateau expects. Default: detected (a scheduler whose class is named
   * `ReduceLROnPlateau`, or that declares `step(metric)` and has `patience`).
   */
  schedulerMetric?: boolean;
  /** Stop when the validation quantity has not improved for `patience` epochs. */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Keep a copy of the state dict at the best validation epoch and load it back at the end
   * (default true when the task has a validation split).
   */
  restoreBest?: boolean;
  /** Monitored validation key for the best checkpoint (default: early stopping's, else the task's metric). */
  monitor?: string;
  /** Whether higher is better for `monitor` (default: the task's mode; `min` for `loss`). */
  monitorMode?: "max" | "min";
  /** Also evaluate the train split in eval mode each epoch (default false: use `trainStep`'s metrics). */
  evalTrain?: boolean;
  /** Evaluate the validation split every this many epochs (default 1). */
  evalEvery?: number;
  /** Clip the global gradient L2 norm of the model's parameters to this value before each step. */
  clipGradNorm?: number;
  /** Seeds the global generator (dropout, shuffling) at the start of `fit`. */
  seed?: number;
  callbacks?: Callback[];
}

function cloneState(sd: StateDictLike): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const entries = sd instanceof Map ? sd.entries() : Object.entries(sd);
  for (const [k, v] of entries) out.set(k, v.detach().clone());
  return out;
}

function toModelState(saved: Map<string, Tensor>, like: StateDictLike): StateDictLike {
  return like instanceof Map ? saved : Object.fromEntries(saved);
}

/** Reads the learning rate from common optimizer shapes (`lr`, `paramGroups[0].lr`, `getLr()`). */
export function readLr(opt: unknown): number | undefined {
  const o = opt as {
    lr?: unknown;
    paramGroups?: { lr?: unknown }[];
    getLr?: () => unknown;
    defaults?: { lr?: unknown };
  };
  const groups = o.paramGroups;
  if (Array.isArray(groups) && groups.length > 0 && typeof groups[0]!.lr === "number") return groups[0]!.lr as number;
  if (typeof o.lr === "number") return o.lr;
  if (typeof o.getLr === "function") {
    const v = o.getLr();
    if (typeof v === "number") return v;
  }
  if (typeof o.defaults?.lr === "number") return o.defaults.lr;
  return undefined;
}

/**
 * Thrown by {@link Trainer.fit} when training diverges: the loss became NaN or ±Inf, or an op refused
 * a non-finite input (e.g. `crossEntropy: argument 'input' contains NaN` once the weights have
 * blown up). Names the epoch and the optimizer step and suggests a lower learning rate.
 */
export class TrainingDivergedError extends ErlangenError {
  constructor(
    /** 1-based epoch. */
    readonly epoch: number,
    /** 1-based optimizer step within the epoch (the step being taken when it happened). */
    readonly step: number,
    /** The learning rate in force, when the optimizer exposes it. */
    readonly lr: number | undefined,
    /** What went non-finite (the loss value, or the op's own message). */
    readonly detail: string,
  ) {
    const lower =
      lr === undefined ? "a lower learning rate" : `a lower learning rate than ${fmtLr(lr)} (e.g. ${fmtLr(lr / 10)})`;
    super(
      `Trainer: training diverged at epoch ${epoch}, step ${step}: ${detail}. Try ${lower}, or clip the gradients (option clipGradNorm).`,
    );
    this.name = "TrainingDivergedError";
  }
}

/** A learning rate for a message: `0.01`, `1e+30` (three significant digits at most). */
function fmtLr(x: number): string {
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e4 || a < 1e-3)) return x.toExponential(2).replace(/\.?0+e/, "e");
  return String(Number(x.toPrecision(3)));
}

/** True for an op's complaint about a non-finite value (`... contains NaN at [..]`, `... output contains Inf`). */
function isNonFiniteError(e: unknown): e is ErlangenError {
  return e instanceof ErlangenError && /\bcontains (NaN|Inf|-Inf)\b/.test(e.message);
}

function isPlateauScheduler(s: SchedulerLike): boolean {
  const name = (s as { constructor?: { name?: string } }).constructor?.name ?? "";
  if (name === "ReduceLROnPlateau") return true;
  return s.step.length >= 1 && "patience" in (s as object);
}

/**
 * Runs a {@link Task} for a number of epochs.
 *
 * ```ts
 * const trainer = new Trainer(model, task, { optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs: 200 });
 * const history = await trainer.fit();
 * const test = await trainer.test(); // { accuracy: 0.81, ... }
 * ```
 */
export class Trainer<M extends TrainableModel = TrainableModel> {
  readonly model: M;
  readonly task: Task<M>;
  readonly options: TrainerOptions;
  /** Set by {@link Trainer.stop} or a callback to end training after the current epoch. */
  stopRequested = false;
  /** The history of the last (or running) `fit`. */
  history: History;
  /** Milliseconds of the last `test()` evaluation (inference time). */
  lastTestMs = Number.NaN;
  private best: Map<string, Tensor> | null = null;
  private epochIndex = 0;
  /** Optimizer steps completed in the current epoch. */
  private stepIndex = 0;

  constructor(model: M, task: Task<M>, options: TrainerOptions) {
    if (options === undefined || options.optimizer === undefined)
      opError("Trainer", "options.optimizer", "an optimizer", "none");
    const epochs = options.epochs ?? 100;
    if (!Number.isInteger(epochs) || epochs < 0)
      opError("Trainer", "options.epochs", "a non-negative integer", String(options.epochs));
    if (options.earlyStopping !== undefined) {
      const p = options.earlyStopping.patience;
      if (!Number.isInteger(p) || p < 1)
        opError("Trainer", "options.earlyStopping.patience", "a positive integer", String(p));
    }
    if (options.evalEvery !== undefined && (!Number.isInteger(options.evalEvery) || options.evalEvery < 1)) {
      opError("Trainer", "options.evalEvery", "a positive integer", String(options.evalEvery));
    }
    if (task.mode !== "max" && task.mode !== "min")
      opError("Trainer", "task.mode", "'max' or 'min'", String(task.mode));
    this.model = model;
    this.task = task;
    this.options = options;
    this.history = this.emptyHistory();
  }

  private get splits(): readonly Split[] {
    return this.task.splits ?? ["train", "val", "test"];
  }

  private monitorKey(): { key: string; mode: "max" | "min" } {
    const es = this.options.earlyStopping;
    const key = this.options.monitor ?? es?.monitor ?? this.task.metric;
    const defaultMode = key === this.task.metric ? this.task.mode : key === "loss" ? "min" : "max";
    const mode = this.options.monitorMode ?? es?.mode ?? defaultMode;
    return { key, mode };
  }

  private emptyHistory(): History {
    const { key, mode } = this.monitorKey();
    return {
      epochs: [],
      metric: this.task.metric,
      mode: this.task.mode,
      monitor: key,
      bestEpoch: 0,
      bestValue: mode === "max" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
      stoppedEpoch: null,
      restoredBest: false,
    };
  }

  /** Asks the running `fit` to stop after the current epoch. */
  stop(): void {
    this.stopRequested = true;
  }

  private context(): TrainContext<M> {
    const opts = this.options;
    const model = this.model;
    return {
      model,
      optimizer: opts.optimizer,
      epoch: this.epochIndex,
      backwardStep: (loss: Tensor): number => {
        if (loss.size !== 1)
          opError("backwardStep", "loss", "a scalar (one-element) tensor", `shape [${loss.shape.join(", ")}]`);
        const value = loss.item();
        if (!Number.isFinite(value))
          throw new TrainingDivergedError(
            this.epochIndex + 1,
            this.stepIndex + 1,
            readLr(opts.optimizer),
            `the loss is ${value}`,
          );
        opts.optimizer.zeroGrad();
        loss.backward();
        if (opts.clipGradNorm !== undefined) {
          if (typeof model.parameters !== "function") {
            throw new ErlangenError("Trainer: option 'clipGradNorm' needs a model with parameters()");
          }
          clipGradNorm(model.parameters(), opts.clipGradNorm);
        }
        opts.optimizer.step();
        this.stepIndex++;
        return value;
      },
    };
  }

  /** Evaluates one split in eval mode without gradients; returns its metrics. */
  async evaluate(split: Split): Promise<Metrics> {
    this.model.eval();
    const ctx = this.context();
    // noGrad only covers synchronous work; tasks' evaluate is synchronous in practice.
    const r = noGrad(() => this.task.evaluate(split, ctx));
    return await r;
  }

  /** Evaluates the test split (after `fit`, with the best checkpoint when restored); records `lastTestMs`. */
  async test(): Promise<Metrics> {
    const t0 = now();
    const m = await this.evaluate("test");
    this.lastTestMs = now() - t0;
    return m;
  }

  /** Trains for `options.epochs` epochs (or until early stopping) and returns the history. */
  async fit(): Promise<History> {
    const opts = this.options;
    const epochs = opts.epochs ?? 100;
    const callbacks = opts.callbacks ?? [];
    if (opts.seed !== undefined) manualSeed(opts.seed);
    this.stopRequested = false;
    this.history = this.emptyHistory();
    this.best = null;
    const hist = this.history;
    const { key, mode } = this.monitorKey();
    const hasVal = this.splits.includes("val");
    const restoreBest = opts.restoreBest ?? hasVal;
    const es = opts.earlyStopping;
    const minDelta = es?.minDelta ?? 0;
    const tiesImprove = es?.tiesImprove === true;
    const plateau = opts.scheduler !== undefined && (opts.schedulerMetric ?? isPlateauScheduler(opts.scheduler));
    if (plateau && !hasVal) throw new ErlangenError("Trainer: a plateau scheduler needs a task with a 'val' split");
    const evalEvery = opts.evalEvery ?? 1;
    let sinceBest = 0;
    for (const cb of callbacks) await cb.onTrainBegin?.(this);
    for (let e = 0; e < epochs; e++) {
      this.epochIndex = e;
      for (const cb of callbacks) await cb.onEpochBegin?.(e + 1, this);
      this.model.train();
      const t0 = now();
      this.stepIndex = 0;
      let step: TrainStepResult;
      try {
        step = await this.task.trainStep(this.context());
      } catch (err) {
        if (isNonFiniteError(err))
          throw new TrainingDivergedError(e + 1, this.stepIndex + 1, readLr(opts.optimizer), err.message);
        throw err;
      }
      if (step !== undefined && typeof step.loss === "number" && !Number.isFinite(step.loss))
        throw new TrainingDivergedError(
          e + 1,
          Math.max(1, this.stepIndex),
          readLr(opts.optimizer),
          `the epoch's loss is ${step.loss}`,
        );
      const ms = now() - t0;
      if (step === undefined || typeof step.loss !== "number") {
        throw new ErlangenError(`Trainer: task.trainStep must return { loss: number }, got ${JSON.stringify(step)}`);
      }
      const t1 = now();
      let train: Metrics = { ...(step.metrics ?? {}) };
      if (opts.evalTrain && this.splits.includes("train")) train = { ...train, ...(await this.evaluate("train")) };
      let val: Metrics = {};
      const evalNow = hasVal && ((e + 1) % evalEvery === 0 || e === epochs - 1);
      if (evalNow) {
        try {
          val = await this.evaluate("val");
        } catch (err) {
          if (isNonFiniteError(err))
            throw new TrainingDivergedError(
              e + 1,
              Math.max(1, this.stepIndex),
              readLr(opts.optimizer),
              `evaluating the validation split after the epoch's last step: ${err.message}`,
            );
          throw err;
        }
      }
      const evalMs = now() - t1;
      const rec: EpochRecord = { epoch: e + 1, loss: step.loss, train, val, ms, evalMs };
      if (evalNow) {
        const v = val[key];
        if (typeof v !== "number") {
          throw new ErlangenError(
            `Trainer: monitored metric '${key}' is not among the validation results {${Object.keys(val).join(", ")}}`,
          );
        }
        const improved =
          mode === "max"
            ? v > hist.bestValue + minDelta || (tiesImprove && v === hist.bestValue)
            : v < hist.bestValue - minDelta || (tiesImprove && v === hist.bestValue);
        if (improved || hist.bestEpoch === 0) {
          hist.bestValue = v;
          hist.bestEpoch = e + 1;
          sinceBest = 0;
          if (restoreBest) this.best = cloneState(this.model.stateDict());
        } else sinceBest += evalEvery;
        if (plateau) opts.scheduler!.step(v);
      }
      if (opts.scheduler !== undefined && !plateau) opts.scheduler.step();
      const lr = readLr(opts.optimizer);
      if (lr !== undefined) rec.lr = lr;
      hist.epochs.push(rec);
      for (const cb of callbacks) {
        const r = await cb.onEpochEnd?.(rec, this);
        if (r === false) this.stopRequested = true;
      }
      if (es !== undefined && evalNow && sinceBest >= es.patience) {
        hist.stoppedEpoch = e + 1;
        break;
      }
      if (this.stopRequested) {
        hist.stoppedEpoch = e + 1;
        break;
      }
    }
    if (restoreBest && this.best !== null) {
      this.model.loadStateDict(toModelState(this.best, this.model.stateDict()));
      hist.restoredBest = true;
    }
    await this.task.onTrainEnd?.(this.context());
    for (const cb of callbacks) await cb.onTrainEnd?.(hist, this);
    return hist;
  }
}

/** Milliseconds from a monotonic clock (`performance.now()`, in Node and browsers). */
export function now(): number {
  return globalThis.performance !== undefined ? globalThis.performance.now() : Date.now();
}
