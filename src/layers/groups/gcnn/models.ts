/**
 * Rotated-MNIST classifiers of the G-CNN paper (Cohen & Welling 2016, §8.1): the Z2CNN baseline and
 * P4CNN / P4MCNN. All have seven 3×3 "valid" convolutions (28 → 26 → 24 →pool→ 12 → 10 → 8 → 6 → 4)
 * with batch norm, ReLU and dropout, one 2×2 max pooling after the second layer, and a final 4×4
 * convolution to 10 channels (1×1 output). The group models divide the channel count by √|H| so that
 * the parameter count stays about the same (20 → 10 for p4, → 7 for p4m) and pool over the group
 * axis at the end, which makes their logits exactly invariant to rotations by 90° (and flips for p4m).
 */

import { Dropout } from "../../../nn/activation.js";
import { Module } from "../../../nn/module.js";
import type { Group } from "../../../symmetry/group.js";
import { p4 } from "../../../symmetry/groups.js";
import { ErlangenError, fmtShape } from "../../../tensor/errors.js";
import { relu } from "../../../tensor/ops/elementwise.js";
import { maxPool2d } from "../../../tensor/ops/pool.js";
import type { Generator } from "../../../tensor/rng.js";
import type { Tensor } from "../../../tensor/tensor.js";
import { Conv2d } from "../../grids/conv.js";
import { BatchNorm2d } from "../../grids/norm.js";
import { GroupBatchNorm2d, GroupConv2d, GroupPool, LiftingConv2d } from "./layers.js";

/** Options of the rotated-MNIST models. */
export interface MnistModelOptions {
  /** Channels per layer (Z2CNN default 20; P4CNN 10; P4MCNN 7). */
  hidden?: number;
  /** Dropout after each hidden layer (default 0.3). */
  dropout?: number;
  /** Input channels (default 1). */
  inChannels?: number;
  /** Classes (default 10). */
  numClasses?: number;
  /** Number of 3×3 hidden layers (default 6; the input must shrink to 4×4 before the last layer). */
  layers?: number;
  dtype?: "float32" | "float64";
  generator?: Generator;
}

function checkImages(op: string, x: Tensor, c: number): void {
  if (x.ndim !== 4 || x.shape[1] !== c)
    throw new ErlangenError(`${op}: argument 'x' expected images of shape [B, ${c}, H, W], got ${fmtShape(x.shape)}`);
}

/**
 * The plain CNN baseline (Z2CNN): conv 3×3 → BN → ReLU → dropout, six times (max pooling after the
 * second), then a 4×4 convolution to the logits. Input [B, 1, 28, 28] → logits [B, 10].
 */
export class Z2CNN extends Module<[Tensor], Tensor> {
  convs: Conv2d[];
  norms: BatchNorm2d[];
  top: Conv2d;
  drop: Dropout;
  readonly inChannels: number;
  constructor(opts: MnistModelOptions = {}) {
    super();
    const h = opts.hidden ?? 20;
    const L = opts.layers ?? 6;
    this.inChannels = opts.inChannels ?? 1;
    const o = { dtype: opts.dtype, generator: opts.generator };
    this.convs = Array.from({ length: L }, (_, i) => new Conv2d(i === 0 ? this.inChannels : h, h, 3, o));
    this.norms = Array.from({ length: L }, () => new BatchNorm2d(h, { dtype: opts.dtype }));
    this.top = new Conv2d(h, opts.numClasses ?? 10, 4, o);
    this.drop = new Dropout(opts.dropout ?? 0.3);
  }
  forward(x: Tensor): Tensor {
    checkImages("Z2CNN", x, this.inChannels);
    let h = x;
    this.convs.forEach((c, i) => {
      h = this.drop.forward(relu(this.norms[i]!.forward(c.forward(h))));
      if (i === 1) h = maxPool2d(h, 2);
    });
    // 1×1 for 28×28 inputs; other sizes are averaged over the remaining pixels
    return this.top.forward(h).mean([2, 3]);
  }
}

/** Options of {@link GCNN}. */
export interface GCNNOptions extends MnistModelOptions {
  /** p4 (default), p4m, or Cn / Dn (interpolated filters for N ∤ 4). */
  group?: Group<unknown>;
}

/**
 * P4CNN / P4MCNN: the Z2CNN with a lifting convolution, group convolutions, group batch norm, and max
 * pooling over the group axis after the last (4×4) layer. Logits [B, numClasses] are invariant to the
 * point group (exactly for p4 / p4m).
 */
export class GCNN extends Module<[Tensor], Tensor> {
  lift: LiftingConv2d;
  convs: GroupConv2d[];
  norms: GroupBatchNorm2d[];
  top: GroupConv2d;
  pool: GroupPool;
  drop: Dropout;
  readonly group: Group<unknown>;
  readonly inChannels: number;
  constructor(opts: GCNNOptions = {}) {
    super();
    this.group = opts.group ?? p4();
    const order = this.group.name === "p4m" ? 8 : this.group.name === "p4" ? 4 : Number(this.group.order);
    const h = opts.hidden ?? Math.max(1, Math.round(20 / Math.sqrt(order)));
    const L = opts.layers ?? 6;
    this.inChannels = opts.inChannels ?? 1;
    const o = { dtype: opts.dtype, generator: opts.generator };
    this.lift = new LiftingConv2d(this.group, this.inChannels, h, 3, o);
    this.convs = Array.from({ length: L - 1 }, () => new GroupConv2d(this.group, h, h, 3, o));
    this.norms = Array.from({ length: L }, () => new GroupBatchNorm2d(this.group, h, { dtype: opts.dtype }));
    const C = opts.numClasses ?? 10;
    this.top = new GroupConv2d(this.group, h, C, 4, o);
    this.pool = new GroupPool(this.group, C, "max");
    this.drop = new Dropout(opts.dropout ?? 0.3);
  }
  forward(x: Tensor): Tensor {
    checkImages("GCNN", x, this.inChannels);
    let h = this.drop.forward(relu(this.norms[0]!.forward(this.lift.forward(x))));
    this.convs.forEach((c, i) => {
      h = this.drop.forward(relu(this.norms[i + 1]!.forward(c.forward(h))));
      if (i === 0) h = maxPool2d(h, 2);
    });
    return this.pool.forward(this.top.forward(h)).mean([2, 3]);
  }
}
