/**
 * Normalisation layers for grid signals: `BatchNorm2d`, `BatchNorm3d` (per channel over batch and
 * space, like PyTorch, with running statistics for eval mode) and `GroupNorm` (per sample over groups
 * of channels and space).
 */
import { Module, Parameter } from "../../nn/module.js";
import { BatchNorm1d, type BatchNormOptions } from "../../nn/normalization.js";
import { ones, zeros } from "../../tensor/creation.js";
import { check, fmtShape, opError } from "../../tensor/errors.js";
import { add, mul, rsqrt, sub } from "../../tensor/ops/elementwise.js";
import { mean } from "../../tensor/ops/reduce.js";
import type { Tensor } from "../../tensor/tensor.js";

function batchNormNd(m: BatchNorm1d, name: string, D: number, x: Tensor): Tensor {
  if (x.ndim !== D + 2)
    opError(name, "input", `${D + 2}-D [N, C, ${D === 2 ? "H, W" : "D, H, W"}]`, `shape ${fmtShape(x.shape)}`);
  check(
    x.shape[1] === m.numFeatures,
    name,
    "input",
    `${m.numFeatures} channels`,
    `${x.shape[1]} (shape ${fmtShape(x.shape)})`,
  );
  const [N, C] = x.shape as [number, number];
  return m.forwardAct(x.reshape([N, C, -1]), false).reshape(x.shape);
}

/**
 * Batch normalisation over [N, C, H, W] per channel (like `torch.nn.BatchNorm2d`). Training mode uses
 * the batch statistics over N·H·W and updates `running_mean`/`running_var` (unbiased) and
 * `num_batches_tracked`; eval mode uses the running statistics.
 */
export class BatchNorm2d extends BatchNorm1d {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts);
  }
  override forward(x: Tensor): Tensor {
    return batchNormNd(this, "BatchNorm2d", 2, x);
  }
}

/** Batch normalisation over [N, C, D, H, W] per channel (like `torch.nn.BatchNorm3d`). */
export class BatchNorm3d extends BatchNorm1d {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts);
  }
  override forward(x: Tensor): Tensor {
    return batchNormNd(this, "BatchNorm3d", 3, x);
  }
}

/** Options of {@link GroupNorm}. */
export interface GroupNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale (ones) and shift (zeros) (default true). */
  affine?: boolean;
  dtype?: "float32" | "float64";
}

/**
 * Group normalisation (like `torch.nn.GroupNorm`, Wu & He 2018): the channels of x [N, C, *] are split
 * into `numGroups` groups and each (sample, group) is normalised over its channels and positions with
 * the biased variance; then a per-channel affine map. Independent of the batch size; with one group it
 * is a layer norm over (C, *), with C groups an instance norm.
 */
export class GroupNorm extends Module<[Tensor], Tensor> {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, opts: GroupNormOptions = {}) {
    super();
    check(
      Number.isInteger(numGroups) && numGroups > 0,
      "GroupNorm",
      "numGroups",
      "a positive integer",
      String(numGroups),
    );
    check(
      Number.isInteger(numChannels) && numChannels > 0 && numChannels % numGroups === 0,
      "GroupNorm",
      "numChannels",
      `a positive multiple of numGroups = ${numGroups}`,
      String(numChannels),
    );
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = opts.eps ?? 1e-5;
    const dtype = opts.dtype ?? "float32";
    const affine = opts.affine ?? true;
    this.weight = affine ? new Parameter(ones([numChannels], { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2) opError("GroupNorm", "input", "at least 2-D [N, C, *]", `shape ${fmtShape(x.shape)}`);
    check(
      x.shape[1] === this.numChannels,
      "GroupNorm",
      "input",
      `${this.numChannels} channels`,
      `${x.shape[1]} (shape ${fmtShape(x.shape)})`,
    );
    const N = x.shape[0]!;
    const g = x.reshape([N, this.numGroups, -1]);
    const m = mean(g, -1, true);
    const xc = sub(g, m);
    const v = mean(mul(xc, xc), -1, true);
    let y = mul(xc, rsqrt(add(v, this.eps))).reshape(x.shape);
    if (this.weight !== null && this.bias !== null) {
      const bshape = [1, this.numChannels, ...new Array<number>(x.ndim - 2).fill(1)];
      y = add(mul(y, this.weight.reshape(bshape)), this.bias.reshape(bshape));
    }
    return y;
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}
