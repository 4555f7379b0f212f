/**
 * Group-equivariant CNNs (Cohen & Welling, "Group Equivariant Convolutional Networks", ICML 2016) for
 * G = p4 (90° rotations), p4m (with reflections), and — approximately, by filter interpolation — Cn / Dn.
 *
 * Layout: images are [B, C, H, W]; G-feature maps are [B, C·|H|, H, W] with channel c·|H| + h, where h
 * indexes the point group's elements (`regularFieldType(group, C)` describes it to the checker).
 *
 * - {@link LiftingConv2d}: Z² → G, the base filter correlated in every orientation h;
 * - {@link GroupConv2d}: G → G, the base filter transformed by h and its group axis permuted;
 * - {@link GroupPool}: max / mean over the group axis (rotation-invariant fields, [B, C, H, W]);
 * - {@link SpatialPool2d}: max / average pooling of the pixels (commutes with the group axis);
 * - {@link GroupBatchNorm2d}: batch norm with statistics and affine parameters shared over the group axis.
 *
 * Exactness: p4 / p4m layers are equivariant to rotations about the grid centre up to float round-off
 * when the spatial sizes stay symmetric (odd kernels, or valid/"same" padding with stride 1, 2×2
 * pooling on even sizes…).
 */

import type { LayerOptions } from "../../../nn/linear.js";
import { Module, Parameter } from "../../../nn/module.js";
import { BatchNorm1d, type BatchNormOptions } from "../../../nn/normalization.js";
import type { Action } from "../../../symmetry/actions.js";
import type { FieldType } from "../../../symmetry/field_type.js";
import type { Group } from "../../../symmetry/group.js";
import { randn, zeros } from "../../../tensor/creation.js";
import { ErlangenError, fmtShape, opError } from "../../../tensor/errors.js";
import { type ConvPadding, conv2d } from "../../../tensor/ops/conv.js";
import { avgPool2d, maxPool2d } from "../../../tensor/ops/pool.js";
import { max, mean } from "../../../tensor/ops/reduce.js";
import { type SparseMatrix, spmm } from "../../../tensor/sparse.js";
import type { Tensor } from "../../../tensor/tensor.js";
import { filterExpansion, filterMask } from "./filters.js";
import { gcnnAction, type PointGroupInfo, pointGroupInfo, regularFieldType } from "./group.js";

/** Options of {@link LiftingConv2d} and {@link GroupConv2d}. */
export interface GroupConvOptions extends LayerOptions {
  /** Zero padding (default 0) or `'same'` / `'valid'`. */
  padding?: ConvPadding;
  /** Stride (default 1). */
  stride?: number;
  /** Learn one bias per output field, shared over the group axis (default true). */
  bias?: boolean;
}

function checkCount(op: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) opError(op, arg, "a positive integer", String(v));
}

const expansionCache = new Map<string, SparseMatrix>();

/** Shared machinery of the lifting and group convolutions. */
abstract class GroupConvBase extends Module<[Tensor], Tensor> {
  readonly info: PointGroupInfo;
  readonly padding: ConvPadding;
  readonly stride: number;
  /** Base filters [outChannels, inChannels, Hin, k, k] (Hin = 1 for lifting). */
  weight: Parameter;
  /** One bias per output field [outChannels], or null. */
  bias: Parameter | null;

  constructor(
    readonly op: string,
    readonly group: Group<unknown>,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly lifting: boolean,
    opts: GroupConvOptions,
  ) {
    super();
    checkCount(op, "inChannels", inChannels);
    checkCount(op, "outChannels", outChannels);
    checkCount(op, "kernelSize", kernelSize);
    this.info = pointGroupInfo(group);
    this.padding = opts.padding ?? 0;
    this.stride = opts.stride ?? 1;
    const dtype = opts.dtype ?? "float32";
    const hin = lifting ? 1 : this.info.order;
    const k = kernelSize;
    const mask = filterMask(k, this.info.exact ? Number.POSITIVE_INFINITY : (k - 1) / 2);
    const used = mask.reduce((s, v) => s + v, 0);
    // He initialisation over the effective fan-in
    const w = randn([outChannels, inChannels, hin, k, k], {
      dtype,
      generator: opts.generator,
      std: Math.sqrt(2 / (inChannels * hin * used)),
    });
    for (let i = 0; i < w.size; i++) w.data[i]! *= mask[i % (k * k)]!;
    this.weight = new Parameter(w);
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outChannels], { dtype })) : null;
  }

  /** Channels of the input: inChannels (lifting) or inChannels·|H|. */
  get inSize(): number {
    return this.lifting ? this.inChannels : this.inChannels * this.info.order;
  }

  /** The field type of the output: `outChannels` regular fields. */
  get outType(): FieldType<unknown> {
    return regularFieldType(this.group, this.outChannels);
  }

  /** How the group acts on the output (for the per-layer checker). */
  get outputAction(): Action<unknown, Tensor> {
    return gcnnAction(this.group, this.outChannels) as Action<unknown, Tensor>;
  }

  private expansion(dtype: "float32" | "float64"): SparseMatrix {
    const key = `${this.group.name}|${this.outChannels}|${this.inChannels}|${this.lifting}|${this.kernelSize}|${dtype}`;
    let A = expansionCache.get(key);
    if (!A) {
      A = filterExpansion(this.info, this.outChannels, this.inChannels, this.lifting, this.kernelSize, dtype);
      if (expansionCache.size > 64) expansionCache.clear();
      expansionCache.set(key, A);
    }
    return A;
  }

  /** The full filter bank [outChannels·|H|, inSize, k, k] (differentiable in `weight`). */
  filterBank(): Tensor {
    const dt = this.weight.dtype === "float64" ? "float64" : "float32";
    const k = this.kernelSize;
    const flat = spmm(this.expansion(dt), this.weight.reshape([this.weight.size, 1]));
    return flat.reshape([this.outChannels * this.info.order, this.inSize, k, k]);
  }

  /** The bias per output channel [outChannels·|H|] (each field's bias repeated over the group axis). */
  biasBank(): Tensor | null {
    if (this.bias === null) return null;
    const n = this.info.order;
    return this.bias
      .reshape([this.outChannels, 1])
      .expand([this.outChannels, n])
      .reshape([this.outChannels * n]);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inSize) {
      const what = this.lifting
        ? `${this.inChannels} channels`
        : `${this.inChannels}·${this.info.order} = ${this.inSize} channels (${this.inChannels} regular ${this.info.pointGroup.name} fields)`;
      throw new ErlangenError(
        `${this.op}: argument 'x' expected shape [B, ${this.inSize}, H, W] (${what}), got ${fmtShape(x.shape)}`,
      );
    }
    return conv2d(x, this.filterBank(), this.biasBank(), { padding: this.padding, stride: this.stride });
  }

  override extraRepr(): string {
    return `${this.group.name}, ${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, padding=${String(this.padding)}, stride=${this.stride}, bias=${this.bias !== null}${this.info.exact ? "" : ", interpolated"}`;
  }
}

/**
 * Lifting convolution Z² → G: images [B, inChannels, H, W] to G-feature maps
 * [B, outChannels·|H|, H', W'], out[o, h](x) = Σ_c Σ_y ψ[o, c](h⁻¹(y − x)) in[c](y). The filter of
 * orientation h is the base filter rotated (and flipped) by h: exactly by 90° steps for p4/p4m/C4/D4,
 * by bilinear interpolation for other Cn/Dn.
 */
export class LiftingConv2d extends GroupConvBase {
  constructor(
    group: Group<unknown>,
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    opts: GroupConvOptions = {},
  ) {
    super("LiftingConv2d", group, inChannels, outChannels, kernelSize, true, opts);
  }
}

/**
 * Group convolution G → G: [B, inChannels·|H|, H, W] to [B, outChannels·|H|, H', W'], with the filter
 * for output orientation r equal to the base filter transformed by r and its input group axis
 * permuted: W[o, r, c, h] = T_r ψ[o, c, r⁻¹h].
 */
export class GroupConv2d extends GroupConvBase {
  constructor(
    group: Group<unknown>,
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    opts: GroupConvOptions = {},
  ) {
    super("GroupConv2d", group, inChannels, outChannels, kernelSize, false, opts);
  }
}

/**
 * Pooling over the group axis: [B, C·|H|, H, W] → [B, C, H, W] by max (default) or mean over the |H|
 * orientations of each field. The result is invariant under the point group (only the pixels move).
 */
export class GroupPool extends Module<[Tensor], Tensor> {
  readonly info: PointGroupInfo;
  constructor(
    readonly group: Group<unknown>,
    readonly channels: number,
    readonly mode: "max" | "mean" = "max",
  ) {
    super();
    checkCount("GroupPool", "channels", channels);
    if (mode !== "max" && mode !== "mean") opError("GroupPool", "mode", "'max' or 'mean'", String(mode));
    this.info = pointGroupInfo(group);
  }

  get outputAction(): Action<unknown, Tensor> {
    return gcnnAction(this.group, 0) as Action<unknown, Tensor>;
  }

  forward(x: Tensor): Tensor {
    const n = this.info.order;
    if (x.ndim !== 4 || x.shape[1] !== this.channels * n) {
      opError(
        "GroupPool",
        "x",
        `shape [B, ${this.channels * n}, H, W] (${this.channels} fields × |${this.info.pointGroup.name}| = ${n})`,
        fmtShape(x.shape),
      );
    }
    const [B, , H, W] = x.shape as [number, number, number, number];
    const g = x.reshape([B, this.channels, n, H, W]);
    return this.mode === "max" ? max(g, 2) : mean(g, 2);
  }

  override extraRepr(): string {
    return `${this.group.name}, ${this.channels}, mode=${this.mode}`;
  }
}

/**
 * Spatial pooling of G-feature maps (or images): max (default) or average over k×k windows with
 * stride k. Pixels are pooled channel by channel, so it commutes with the group axis; it is exactly
 * rotation equivariant when k divides the grid size.
 */
export class SpatialPool2d extends Module<[Tensor], Tensor> {
  constructor(
    readonly kernelSize = 2,
    readonly mode: "max" | "avg" = "max",
    readonly action?: Action<unknown, Tensor>,
  ) {
    super();
    checkCount("SpatialPool2d", "kernelSize", kernelSize);
  }

  get outputAction(): Action<unknown, Tensor> | undefined {
    return this.action;
  }

  forward(x: Tensor): Tensor {
    return this.mode === "max" ? maxPool2d(x, this.kernelSize) : avgPool2d(x, this.kernelSize);
  }

  override extraRepr(): string {
    return `${this.kernelSize}, mode=${this.mode}`;
  }
}

/**
 * Batch normalisation of G-feature maps [B, C·|H|, H, W] with one mean/variance (and one scale and
 * shift) per field, shared over its |H| orientations and the pixels — so it commutes with the group
 * action. Running statistics live in the child `bn` (a {@link BatchNorm1d} over [B, C, |H|·H·W]).
 */
export class GroupBatchNorm2d extends Module<[Tensor], Tensor> {
  readonly info: PointGroupInfo;
  bn: BatchNorm1d;
  constructor(
    readonly group: Group<unknown>,
    readonly channels: number,
    opts: BatchNormOptions = {},
  ) {
    super();
    checkCount("GroupBatchNorm2d", "channels", channels);
    this.info = pointGroupInfo(group);
    this.bn = new BatchNorm1d(channels, opts);
  }

  get outputAction(): Action<unknown, Tensor> {
    return gcnnAction(this.group, this.channels) as Action<unknown, Tensor>;
  }

  forward(x: Tensor): Tensor {
    const n = this.info.order;
    if (x.ndim !== 4 || x.shape[1] !== this.channels * n) {
      opError(
        "GroupBatchNorm2d",
        "x",
        `shape [B, ${this.channels * n}, H, W] (${this.channels} regular ${this.info.pointGroup.name} fields)`,
        fmtShape(x.shape),
      );
    }
    const [B, , H, W] = x.shape as [number, number, number, number];
    return this.bn.forward(x.reshape([B, this.channels, n * H * W])).reshape([B, this.channels * n, H, W]);
  }

  override extraRepr(): string {
    return `${this.group.name}, ${this.channels}`;
  }
}
