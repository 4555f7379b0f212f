/**
 * An E(2)-steerable classifier for rotated MNIST (Weiler & Cesa 2019): the skeleton of the G-CNN
 * paper's models (seven "valid" convolutions, 28 → 1 pixels, max pooling after the second layer) with
 * `R2Conv` layers between regular fields of Cn / Dn (default C8), inner batch norm, ReLU and dropout,
 * a last 4×4 layer to `numClasses` regular fields, and group pooling. The logits are invariant to
 * rotations by 90° exactly, and to the other elements of Cn (e.g. 45° for C8) approximately.
 *
 * Weiler & Cesa's own rotated-MNIST models use another backbone (7×7 then 5×5 kernels with
 * padding, wider layers, invariant pooling followed by fully connected layers); this model keeps the
 * G-CNN skeleton so that a comparison with `GCNN` / `Z2CNN` (gcnn/models.ts) changes little beyond
 * the convolution. One change: the lifting layer's kernel is 7×7 (padded by 2, so the feature maps
 * keep their sizes; `liftKernel: 3` gives the plain skeleton), since a 3×3 grid resolves the
 * rotations between 90° steps poorly and the lifting layer, with one input field, has few parameters.
 * The CLI (`erlangen train --model e2cnn`) uses 9 regular C8 fields with the default (escnn) band
 * limit, frequencies up to 2 on the 3×3 kernels' ring: 24,094 parameters, about the P4CNN's 24,680
 * (10 p4 fields).
 */
import { Dropout } from "../../../nn/activation.js";
import { Module } from "../../../nn/module.js";
import { FieldType } from "../../../symmetry/field_type.js";
import type { Group } from "../../../symmetry/group.js";
import { Cn } from "../../../symmetry/groups.js";
import { regular, trivial } from "../../../symmetry/representation.js";
import { ErlangenError, fmtShape } from "../../../tensor/errors.js";
import { relu } from "../../../tensor/ops/elementwise.js";
import { maxPool2d } from "../../../tensor/ops/pool.js";
import type { Generator } from "../../../tensor/rng.js";
import type { Tensor } from "../../../tensor/tensor.js";
import type { KernelBasisOptions } from "./basis.js";
import { GroupPooling, InnerBatchNorm } from "./nonlinear.js";
import { R2Conv } from "./r2conv.js";

/** Options of {@link E2CNN}. */
export interface E2CNNOptions {
  /** A finite planar group Cn / Dn (default C8). */
  group?: Group<unknown>;
  /** Regular fields per hidden layer (default 8). */
  hidden?: number;
  /** Number of 3×3 hidden layers (default 6). */
  layers?: number;
  /**
   * Kernel size of the lifting layer (default 7, as in Weiler & Cesa's models). Sizes above 3 are padded by (k − 3)/2, so the
   * feature maps keep the skeleton's sizes; the lifting layer has one input field, so a larger kernel
   * adds few parameters.
   */
  liftKernel?: number;
  /**
   * Kernel size of the hidden layers (default 3). Sizes above 3 are padded by (k − 3)/2, like
   * `liftKernel`, so the feature maps keep the skeleton's sizes.
   */
  kernelSize?: number;
  /** Dropout after each hidden layer (default 0.3). */
  dropout?: number;
  inChannels?: number;
  numClasses?: number;
  /** Kernel basis options (rings, sigma, frequency cutoff). */
  basis?: KernelBasisOptions;
  dtype?: "float32" | "float64";
  generator?: Generator;
}

/** The steerable rotated-MNIST model; input [B, 1, 28, 28] → logits [B, numClasses]. */
export class E2CNN extends Module<[Tensor], Tensor> {
  lift: R2Conv;
  convs: R2Conv[];
  norms: InnerBatchNorm[];
  top: R2Conv;
  pool: GroupPooling;
  drop: Dropout;
  readonly group: Group<unknown>;
  readonly inType: FieldType<unknown>;
  readonly hiddenType: FieldType<unknown>;
  constructor(opts: E2CNNOptions = {}) {
    super();
    const G = opts.group ?? (Cn(8) as Group<unknown>);
    this.group = G;
    const reg = regular(G);
    const h = opts.hidden ?? 8;
    const L = opts.layers ?? 6;
    this.inType = FieldType.repeat(G, trivial(G), opts.inChannels ?? 1);
    this.hiddenType = FieldType.repeat(G, reg, h);
    const outType = FieldType.repeat(G, reg, opts.numClasses ?? 10);
    const o = { dtype: opts.dtype, generator: opts.generator, basis: opts.basis };
    const lk = opts.liftKernel ?? 7;
    if (!Number.isInteger(lk) || lk < 3 || lk % 2 === 0)
      throw new ErlangenError(`E2CNN: argument 'liftKernel' expected an odd integer ≥ 3, got ${lk}`);
    this.lift = new R2Conv(this.inType, this.hiddenType, lk, { ...o, padding: (lk - 3) / 2 });
    const hk = opts.kernelSize ?? 3;
    if (!Number.isInteger(hk) || hk < 3 || hk % 2 === 0)
      throw new ErlangenError(`E2CNN: argument 'kernelSize' expected an odd integer ≥ 3, got ${hk}`);
    this.convs = Array.from(
      { length: L - 1 },
      () => new R2Conv(this.hiddenType, this.hiddenType, hk, { ...o, padding: (hk - 3) / 2 }),
    );
    this.norms = Array.from({ length: L }, () => new InnerBatchNorm(this.hiddenType, { dtype: opts.dtype }));
    this.top = new R2Conv(this.hiddenType, outType, 4, o);
    this.pool = new GroupPooling(outType, "max");
    this.drop = new Dropout(opts.dropout ?? 0.3);
  }
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inType.size) {
      throw new ErlangenError(
        `E2CNN: argument 'x' expected images of shape [B, ${this.inType.size}, H, W], got ${fmtShape(x.shape)}`,
      );
    }
    let h = this.drop.forward(relu(this.norms[0]!.forward(this.lift.forward(x))));
    this.convs.forEach((c, i) => {
      h = this.drop.forward(relu(this.norms[i + 1]!.forward(c.forward(h))));
      if (i === 0) h = maxPool2d(h, 2);
    });
    return this.pool.forward(this.top.forward(h)).mean([2, 3]);
  }
}
