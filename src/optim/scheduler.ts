/**
 * Learning-rate schedulers (like `torch.optim.lr_scheduler`). Epoch-based schedulers set each
 * group's `lr` from its `initialLr` and the epoch count: construct them after the optimizer (this sets
 * the lr for epoch 0) and call `step()` once per epoch (or per iteration, for warm-up).
 * {@link ReduceLROnPlateau} instead watches a metric passed to `step(metric)`.
 */
import { ErlangenError } from "../tensor/errors.js";
import type { Optimizer } from "./optimizer.js";

/** The state of an epoch-based scheduler. */
export interface SchedulerStateDict {
  lastEpoch: number;
  baseLrs: number[];
}

/** Base class of epoch-based schedulers: subclasses give the lr of a group at an epoch. */
export abstract class LRScheduler {
  /** Number of `step()` calls so far (0 after construction). */
  lastEpoch = -1;
  /** Each group's `initialLr`. */
  readonly baseLrs: number[];
  private lastLrs: number[] = [];

  constructor(readonly optimizer: Optimizer) {
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** Call at the end of each subclass constructor: applies the lr of epoch 0. */
  protected init(): void {
    this.step();
  }

  /** The learning rate of group `groupIndex` at `epoch`, from its base lr. */
  abstract lrAt(epoch: number, baseLr: number, groupIndex: number): number;

  /** Advances one epoch and sets each group's lr. */
  step(): void {
    this.lastEpoch++;
    this.lastLrs = this.optimizer.paramGroups.map((g, i) => {
      g.lr = this.lrAt(this.lastEpoch, this.baseLrs[i]!, i);
      return g.lr;
    });
  }

  /** The learning rates set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /** Restores the epoch count and re-applies its learning rates. */
  loadStateDict(sd: SchedulerStateDict): void {
    if (sd.baseLrs.length !== this.baseLrs.length) {
      throw new ErlangenError(
        `${this.constructor.name}.loadStateDict: expected ${this.baseLrs.length} base learning rates, got ${sd.baseLrs.length}`,
      );
    }
    sd.baseLrs.forEach((v, i) => {
      this.baseLrs[i] = v;
    });
    this.lastEpoch = sd.lastEpoch - 1;
    this.step();
  }
}

function positiveInt(op: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new ErlangenError(`${op}: argument '${arg}' expected a positive integer, got ${v}`);
}

/** lr = base · gamma^⌊epoch / stepSize⌋. */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly stepSize: number,
    readonly gamma = 0.1,
  ) {
    super(optimizer);
    positiveInt("StepLR", "stepSize", stepSize);
    this.init();
  }

  lrAt(epoch: number, base: number): number {
    return base * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** lr = base · gamma^(number of milestones ≤ epoch). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];

  constructor(
    optimizer: Optimizer,
    milestones: readonly number[],
    readonly gamma = 0.1,
  ) {
    super(optimizer);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.init();
  }

  lrAt(epoch: number, base: number): number {
    return base * this.gamma ** this.milestones.filter((m) => m <= epoch).length;
  }
}

/** lr = base · gamma^epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly gamma: number,
  ) {
    super(optimizer);
    this.init();
  }

  lrAt(epoch: number, base: number): number {
    return base * this.gamma ** epoch;
  }
}

/** lr = etaMin + (base − etaMin)·(1 + cos(π·epoch/tMax))/2 (the closed form of PyTorch's schedule). */
export class CosineAnnealingLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly tMax: number,
    readonly etaMin = 0,
  ) {
    super(optimizer);
    positiveInt("CosineAnnealingLR", "tMax", tMax);
    this.init();
  }

  lrAt(epoch: number, base: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/** lr = base · lrLambda(epoch) (one function for all groups, or one per group). */
export class LambdaLR extends LRScheduler {
  private readonly fns: ((epoch: number) => number)[];

  constructor(optimizer: Optimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]) {
    super(optimizer);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda) && lrLambda.length !== n) {
      throw new ErlangenError(
        `LambdaLR: argument 'lrLambda' expected ${n} functions (one per group), got ${lrLambda.length}`,
      );
    }
    this.fns = Array.isArray(lrLambda) ? lrLambda : Array.from({ length: n }, () => lrLambda);
    this.init();
  }

  lrAt(epoch: number, base: number, groupIndex: number): number {
    return base * this.fns[groupIndex]!(epoch);
  }
}

/**
 * lr = base · factor, the factor going linearly from `startFactor` to `endFactor` over `totalIters`
 * epochs, then staying at `endFactor` (PyTorch's `LinearLR`).
 */
export class LinearLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly startFactor = 1 / 3,
    readonly endFactor = 1,
    readonly totalIters = 5,
  ) {
    super(optimizer);
    positiveInt("LinearLR", "totalIters", totalIters);
    this.init();
  }

  lrAt(epoch: number, base: number): number {
    return (
      base *
      (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(epoch, this.totalIters)) / this.totalIters)
    );
  }
}

/** Options of {@link linearWarmup} and {@link LinearWarmup}. */
export interface WarmupOptions {
  /** Steps of linear warm-up. */
  warmupSteps: number;
  /** The factor at step 0 (default 0). */
  startFactor?: number;
  /** After warm-up: keep the lr (`constant`, default), or decay it to `minFactor` by `totalSteps` (`linear` or `cosine`). */
  decay?: "constant" | "linear" | "cosine";
  /** Total steps (needed for `linear`/`cosine` decay). */
  totalSteps?: number;
  /** The factor reached at `totalSteps` (default 0). */
  minFactor?: number;
}

/**
 * A learning-rate factor function for {@link LambdaLR}: linear warm-up from `startFactor` at step 0
 * to 1 at step `warmupSteps`, then constant, or linear/cosine decay to `minFactor` at `totalSteps`
 * (held there afterwards).
 */
export function linearWarmup(opts: WarmupOptions): (epoch: number) => number {
  const { warmupSteps, startFactor = 0, decay = "constant", minFactor = 0 } = opts;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new ErlangenError(`linearWarmup: argument 'warmupSteps' expected a non-negative integer, got ${warmupSteps}`);
  }
  const total = opts.totalSteps;
  if (decay !== "constant" && (total === undefined || !(total > warmupSteps))) {
    throw new ErlangenError(
      `linearWarmup: argument 'totalSteps' expected a number > warmupSteps (${warmupSteps}) for ${decay} decay, got ${total}`,
    );
  }
  return (epoch: number) => {
    if (epoch < warmupSteps) return startFactor + ((1 - startFactor) * epoch) / warmupSteps;
    if (decay === "constant") return 1;
    const t = Math.min(1, (epoch - warmupSteps) / (total! - warmupSteps));
    const shape = decay === "linear" ? 1 - t : (1 + Math.cos(Math.PI * t)) / 2;
    return minFactor + (1 - minFactor) * shape;
  };
}

/** {@link LambdaLR} with the {@link linearWarmup} schedule. */
export class LinearWarmup extends LambdaLR {
  constructor(optimizer: Optimizer, opts: WarmupOptions) {
    super(optimizer, linearWarmup(opts));
  }
}

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  /** `min`: lower is better (a loss, default); `max`: higher is better (an accuracy). */
  mode?: "min" | "max";
  /** Multiplies the lr on a plateau (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimal improvement that counts (default 1e-4). */
  threshold?: number;
  /** `rel` (default): relative to the best value; `abs`: absolute. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, one for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/** Reduces the lr by `factor` when a metric has not improved for `patience` epochs (PyTorch's rules). */
export class ReduceLROnPlateau {
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  /** The best metric so far. */
  best: number;
  /** Epochs since the last improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  lastEpoch = 0;

  constructor(
    readonly optimizer: Optimizer,
    opts: ReduceLROnPlateauOptions = {},
  ) {
    this.mode = opts.mode ?? "min";
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? "rel";
    this.cooldown = opts.cooldown ?? 0;
    this.eps = opts.eps ?? 1e-8;
    if (!(this.factor < 1 && this.factor >= 0))
      throw new ErlangenError(`ReduceLROnPlateau: argument 'factor' expected a value in [0, 1), got ${this.factor}`);
    if (this.mode !== "min" && this.mode !== "max")
      throw new ErlangenError(`ReduceLROnPlateau: argument 'mode' expected 'min' or 'max', got '${this.mode}'`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") {
      throw new ErlangenError(
        `ReduceLROnPlateau: argument 'thresholdMode' expected 'rel' or 'abs', got '${this.thresholdMode}'`,
      );
    }
    const n = optimizer.paramGroups.length;
    const minLr = opts.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== n) {
      throw new ErlangenError(
        `ReduceLROnPlateau: argument 'minLr' expected ${n} values (one per group), got ${minLr.length}`,
      );
    }
    this.minLrs = Array.isArray(minLr) ? [...minLr] : Array.from({ length: n }, () => minLr);
    this.best = this.mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private isBetter(a: number): boolean {
    const { best, threshold: th } = this;
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - th) : a < best - th;
    return this.thresholdMode === "rel" ? a > best * (1 + th) : a > best + th;
  }

  /** Records the epoch's metric and reduces the lr if it has plateaued. */
  step(metric: number): void {
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]!);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /** The current learning rates. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): { best: number; numBadEpochs: number; cooldownCounter: number; lastEpoch: number } {
    return {
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
    };
  }

  loadStateDict(sd: { best: number; numBadEpochs: number; cooldownCounter: number; lastEpoch: number }): void {
    this.best = sd.best;
    this.numBadEpochs = sd.numBadEpochs;
    this.cooldownCounter = sd.cooldownCounter;
    this.lastEpoch = sd.lastEpoch;
  }
}
