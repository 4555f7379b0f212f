/** Normalisation layers: `LayerNorm` and `BatchNorm1d`. */
import { full, ones, zeros } from "../tensor/creation.js";
import { opError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { batchNormAct, layerNorm } from "./functional.js";
import { Module, Parameter } from "./module.js";

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-element scale and shift (default true). */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, also learn the shift (default true). */
  bias?: boolean;
  dtype?: "float32" | "float64";
}

/** Normalises over the trailing `normalizedShape` axes, then scales by `weight` (ones) and shifts by `bias` (zeros). */
export class LayerNorm extends Module<[Tensor], Tensor> {
  readonly normalizedShape: number[];
  readonly eps: number;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const s = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    if (s.length === 0 || !s.every((d) => Number.isInteger(d) && d > 0))
      opError("LayerNorm", "normalizedShape", "positive integer sizes", `[${s.join(", ")}]`);
    this.normalizedShape = s;
    this.eps = opts.eps ?? 1e-5;
    const dtype = opts.dtype ?? "float32";
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? new Parameter(ones(s, { dtype })) : null;
    this.bias = affine && (opts.bias ?? true) ? new Parameter(zeros(s, { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(", ")}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

/** Options of {@link BatchNorm1d}. */
export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1); `null` for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); otherwise always use batch statistics. */
  trackRunningStats?: boolean;
  dtype?: "float32" | "float64";
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` (like `torch.nn.BatchNorm1d`). Training mode uses the
 * batch statistics and updates the buffers `running_mean`, `running_var` (unbiased) and
 * `num_batches_tracked`; eval mode uses the running statistics. The buffer names match PyTorch's, so
 * state dicts interchange.
 */
export class BatchNorm1d extends Module<[Tensor], Tensor> {
  readonly numFeatures: number;
  readonly eps: number;
  /** Weight of the new batch in the running statistics; `null` for a cumulative average (settable, as in PyTorch). */
  momentum: number | null;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0)
      opError("BatchNorm1d", "numFeatures", "a positive integer", String(numFeatures));
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    const dtype = opts.dtype ?? "float32";
    const affine = opts.affine ?? true;
    this.weight = affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    if (opts.trackRunningStats ?? true) {
      this.registerBuffer("running_mean", zeros([numFeatures], { dtype }));
      this.registerBuffer("running_var", ones([numFeatures], { dtype }));
      this.registerBuffer("num_batches_tracked", full([], 0, { dtype: "int32" }));
    }
  }

  /** The running mean (null without running statistics). */
  get runningMean(): Tensor | null {
    return this.trackRunningStats ? this.getBuffer("running_mean") : null;
  }

  /** The running (unbiased) variance (null without running statistics). */
  get runningVar(): Tensor | null {
    return this.trackRunningStats ? this.getBuffer("running_var") : null;
  }

  /** Whether running statistics are kept. */
  get trackRunningStats(): boolean {
    return this.namedBuffers("", false).length > 0;
  }

  /** Resets the running statistics to mean 0, variance 1, no batches. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    this.getBuffer("running_mean")!.data.fill(0);
    this.getBuffer("running_var")!.data.fill(1);
    this.getBuffer("num_batches_tracked")!.data.fill(0);
  }

  forward(x: Tensor): Tensor {
    return this.forwardAct(x, false);
  }

  /**
   * `relu(forward(x))` as one fused op when `relu` is true (used by {@link MLP}); else `forward(x)`.
   * `x` is `[N, C]` or channels-first `[N, C, L]` (the G-CNN and steerable layers fold their group and
   * space axes into L so that statistics are shared over them).
   */
  forwardAct(x: Tensor, relu: boolean): Tensor {
    const rm = this.runningMean;
    const factor = this.exponentialAverageFactor();
    return batchNormAct(
      x,
      rm,
      this.runningVar,
      this.weight,
      this.bias,
      this.training || rm === null,
      factor,
      this.eps,
      relu,
    );
  }

  /**
   * The weight of this batch in the running statistics (PyTorch's `exponential_average_factor`):
   * `momentum`, or 1/(batches seen) when `momentum` is null. In training mode with running statistics
   * it first counts the batch in `num_batches_tracked`.
   */
  protected exponentialAverageFactor(): number {
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats) {
      const nbt = this.getBuffer("num_batches_tracked")!;
      nbt.data[0]!++;
      nbt.version++;
      if (this.momentum === null) factor = 1 / nbt.data[0]!;
    }
    return factor;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.trackRunningStats}`;
  }
}
