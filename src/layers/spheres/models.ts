/**
 * Spherical-MNIST classifiers: the s2cnn model (Cohen et al., ICLR 2018: an S² → SO(3) correlation, SO(3)
 * correlations, ReLU on the grids, the integral over SO(3), a linear layer), a zonal spherical CNN in
 * the manner of Esteves et al. (ECCV 2018: S² → S² convolutions with zonal filters and spectral pooling,
 * weighted global average pooling), and the planar CNN baseline of s2cnn's spherical-MNIST experiment
 * (`run_classic.py`: two strided 5×5 convolutions on the latitude–longitude image, a linear layer).
 * Input: signals [B, C, 2bIn, 2bIn] on the Driscoll–Healy grid (rows θ from the +y pole, columns φ);
 * output: logits [B, numClasses]. The spherical models' logits are invariant to rotations of the input
 * (exactly for band-limited inputs up to the ReLUs' aliasing); the planar model's are not.
 */
import { driscollHealyGrid, type SphereGrid } from "../../domains/sphere/grid.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { BatchNorm1d } from "../../nn/normalization.js";
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import { relu } from "../../tensor/ops/elementwise.js";
import type { Tensor } from "../../tensor/tensor.js";
import { Conv2d } from "../grids/conv.js";
import { S2BatchNorm, SO3BatchNorm } from "./batch_norm.js";
import { type S2Point, type SO3Point, s2NearIdentityGrid, so3NearIdentityGrid } from "./filters.js";
import { S2Integrate, SO3Integrate } from "./readout.js";
import { S2Convolution } from "./s2_conv.js";
import { SO3Convolution } from "./so3_conv.js";
import { ZonalConv } from "./zonal_conv.js";

/** Options of {@link S2CNN}. */
export interface S2CNNOptions {
  /** Input grid resolution: signals on the 2bIn × 2bIn Driscoll–Healy grid (default 16). */
  bIn?: number;
  /** Output resolution of each layer: the S² → SO(3) layer, then SO(3) → SO(3) layers (default [8, 4]). */
  bandwidths?: readonly number[];
  /** Channels of each layer (default [8, 16]). */
  channels?: readonly number[];
  /**
   * Resolution of each layer's output grid, at least its bandwidth (default the bandwidths): the layer's
   * output (degrees l < b) is synthesised on the 2r × 2r × 2r SO(3) grid, where the batch norm and the
   * ReLU act and from which the next layer (or the integral) reads. A finer grid than the band limit makes
   * the ReLU alias less, so the model is closer to invariant on real inputs (s2cnn's ReLUs act on the grid
   * of the layer's bandwidth; e3nn's `SO3Activation` takes its grid resolution apart from the band limit;
   * docs/spheres.md measures the difference).
   */
  resolutions?: readonly number[];
  /** Input channels (default 1). */
  inChannels?: number;
  /** Classes (default 10). */
  numClasses?: number;
  /** Filter support on S² (default s2cnn's `s2_near_identity_grid()`, 24 points within π/8). */
  s2Kernel?: readonly S2Point[];
  /** Filter support on SO(3) (default s2cnn's `so3_near_identity_grid()`, 192 rotations). */
  so3Kernel?: readonly SO3Point[];
  /** Batch norm after each convolution (quadrature statistics, `SO3BatchNorm`; default true). */
  batchNorm?: boolean;
  /**
   * Batch norm of the invariant features before the linear layer (default true, as s2cnn's deep model:
   * the SO(3) integrals vary little between inputs, and standardising them speeds training severalfold).
   */
  featureNorm?: boolean;
}

/**
 * The s2cnn spherical-MNIST model: S2Convolution (bIn → b₁) → BN → ReLU → SO3Convolution (b₁ → b₂) →
 * BN → ReLU → … → SO3Integrate → BN → Linear (the batch norms optional). s2cnn's "original" model is bIn 30, bandwidths [10, 6], channels
 * [20, 40]; the defaults here ([8, 4], [8, 16] on a 32 × 32 grid) keep a training epoch on 10k digits
 * within minutes on a CPU core (docs/results.md).
 */
export class S2CNN extends Module<[Tensor], Tensor> {
  readonly bIn: number;
  readonly bandwidths: readonly number[];
  /** The resolution of each layer's output grid (≥ its bandwidth). */
  readonly resolutions: readonly number[];
  readonly channels: readonly number[];
  readonly inChannels: number;
  /** The S² → SO(3) layer followed by the SO(3) → SO(3) layers. */
  convs: (S2Convolution | SO3Convolution)[];
  /** Batch norm after each convolution (empty without `batchNorm`). */
  norms: SO3BatchNorm[];
  integrate: SO3Integrate;
  /** Batch norm of the invariant features, or null. */
  featureNorm: BatchNorm1d | null;
  out: Linear;

  constructor(opts: S2CNNOptions = {}) {
    super();
    this.bIn = opts.bIn ?? 16;
    this.bandwidths = [...(opts.bandwidths ?? [8, 4])];
    this.channels = [...(opts.channels ?? [8, 16])];
    this.inChannels = opts.inChannels ?? 1;
    if (this.bandwidths.length === 0 || this.bandwidths.length !== this.channels.length)
      throw new ErlangenError(
        `S2CNN: arguments 'bandwidths' and 'channels' expected lists of the same non-zero length, got ${this.bandwidths.length} and ${this.channels.length}`,
      );
    this.resolutions = [...(opts.resolutions ?? this.bandwidths)];
    if (this.resolutions.length !== this.bandwidths.length)
      throw new ErlangenError(
        `S2CNN: argument 'resolutions' expected ${this.bandwidths.length} entries (one per layer), got ${this.resolutions.length}`,
      );
    const s2Kernel = opts.s2Kernel ?? s2NearIdentityGrid();
    const so3Kernel = opts.so3Kernel ?? so3NearIdentityGrid();
    const bn = opts.batchNorm ?? true;
    this.convs = [];
    this.norms = [];
    let cPrev = this.inChannels;
    let bPrev = this.bIn;
    this.bandwidths.forEach((b, i) => {
      const c = this.channels[i]!;
      const r = this.resolutions[i]!;
      this.convs.push(
        i === 0
          ? new S2Convolution(cPrev, c, bPrev, b, { kernelGrid: s2Kernel, bias: !bn, resolution: r })
          : new SO3Convolution(cPrev, c, bPrev, b, { kernelGrid: so3Kernel, bias: !bn, resolution: r }),
      );
      if (bn) this.norms.push(new SO3BatchNorm(c, r));
      cPrev = c;
      bPrev = r;
    });
    this.integrate = new SO3Integrate(bPrev);
    this.featureNorm = opts.featureNorm === false ? null : new BatchNorm1d(cPrev);
    this.out = new Linear(cPrev, opts.numClasses ?? 10);
  }

  /** The invariant features [B, C_last] (the SO(3) integrals of the last layer's ReLU output). */
  features(x: Tensor): Tensor {
    let h = x;
    this.convs.forEach((conv, i) => {
      h = conv.forward(h);
      const norm = this.norms[i];
      if (norm !== undefined) h = norm.forward(h);
      h = relu(h);
    });
    return this.integrate.forward(h);
  }

  /** @param x - signals [B, C, 2bIn, 2bIn]; returns logits [B, numClasses]. */
  forward(x: Tensor): Tensor {
    const f = this.features(x);
    return this.out.forward(this.featureNorm !== null ? this.featureNorm.forward(f) : f);
  }
}

/** Options of {@link ZonalCNN}. */
export interface ZonalCNNOptions {
  /** Input grid resolution: signals on the 2bIn × 2bIn Driscoll–Healy grid (default 16). */
  bIn?: number;
  /** Band limit of each layer; layer i outputs on the Driscoll–Healy grid of that band limit (default [16, 8, 4]). */
  bandLimits?: readonly number[];
  /** Channels of each layer (default [16, 32, 64]). */
  channels?: readonly number[];
  /** Anchor degrees of the filters' spectra (default per layer: max(2, ⌈L/4⌉)). */
  anchors?: number;
  inChannels?: number;
  numClasses?: number;
  /** Batch norm after each convolution (`S2BatchNorm`; default true). */
  batchNorm?: boolean;
  /** Batch norm of the invariant features before the linear layer (default true). */
  featureNorm?: boolean;
}

/**
 * A zonal spherical CNN (Esteves et al. 2018): ZonalConv → BN → ReLU per layer, each layer's SHT cut at the
 * next band limit and synthesised on that band limit's grid (spectral pooling inside the convolution),
 * weighted global average pooling (S2Integrate), Linear.
 */
export class ZonalCNN extends Module<[Tensor], Tensor> {
  readonly bIn: number;
  readonly grids: readonly SphereGrid[];
  readonly inChannels: number;
  convs: ZonalConv[];
  /** Batch norm after each convolution (empty without `batchNorm`). */
  norms: S2BatchNorm[];
  integrate: S2Integrate;
  /** Batch norm of the invariant features, or null. */
  featureNorm: BatchNorm1d | null;
  out: Linear;

  constructor(opts: ZonalCNNOptions = {}) {
    super();
    this.bIn = opts.bIn ?? 16;
    const bands = [...(opts.bandLimits ?? [16, 8, 4])];
    const channels = [...(opts.channels ?? [16, 32, 64])];
    if (bands.length === 0 || bands.length !== channels.length)
      throw new ErlangenError(
        `ZonalCNN: arguments 'bandLimits' and 'channels' expected lists of the same non-zero length, got ${bands.length} and ${channels.length}`,
      );
    this.inChannels = opts.inChannels ?? 1;
    const bn = opts.batchNorm ?? true;
    let grid = driscollHealyGrid(this.bIn);
    const grids: SphereGrid[] = [];
    let cPrev = this.inChannels;
    this.convs = bands.map((L, i) => {
      const out = driscollHealyGrid(L);
      const conv = new ZonalConv(cPrev, channels[i]!, {
        gridIn: grid,
        gridOut: out,
        L,
        anchors: opts.anchors,
        bias: !bn,
      });
      grids.push(out);
      grid = out;
      cPrev = channels[i]!;
      return conv;
    });
    this.grids = grids;
    this.norms = bn ? this.convs.map((c, i) => new S2BatchNorm(c.outChannels, grids[i]!)) : [];
    this.integrate = new S2Integrate(grid);
    this.featureNorm = opts.featureNorm === false ? null : new BatchNorm1d(cPrev);
    this.out = new Linear(cPrev, opts.numClasses ?? 10);
  }

  /** The invariant features [B, C_last]. */
  features(x: Tensor): Tensor {
    let h = x;
    this.convs.forEach((conv, i) => {
      h = conv.forward(h);
      const norm = this.norms[i];
      if (norm !== undefined) h = norm.forward(h);
      h = relu(h);
    });
    return this.integrate.forward(h);
  }

  /** @param x - signals [B, C, 2bIn, 2bIn]; returns logits [B, numClasses]. */
  forward(x: Tensor): Tensor {
    const f = this.features(x);
    return this.out.forward(this.featureNorm !== null ? this.featureNorm.forward(f) : f);
  }
}

/** Options of {@link PlanarCNN}. */
export interface PlanarCNNOptions {
  /** Image height and width (the latitude–longitude grid: 2bIn; default 32). */
  size?: number;
  /** Channels of the two convolutions (default [32, 64], s2cnn's). */
  channels?: readonly [number, number];
  inChannels?: number;
  numClasses?: number;
}

/**
 * The planar baseline of s2cnn's spherical-MNIST experiment: Conv2d 5×5 stride 3 → ReLU → Conv2d 5×5
 * stride 3 → ReLU → Linear, on the latitude–longitude image as a flat picture.
 */
export class PlanarCNN extends Module<[Tensor], Tensor> {
  readonly size: number;
  conv1: Conv2d;
  conv2: Conv2d;
  out: Linear;
  private readonly _flat: number;

  constructor(opts: PlanarCNNOptions = {}) {
    super();
    this.size = opts.size ?? 32;
    const [c1, c2] = opts.channels ?? [32, 64];
    const s1 = Math.floor((this.size - 5) / 3) + 1;
    const s2 = Math.floor((s1 - 5) / 3) + 1;
    if (!Number.isInteger(this.size) || s2 < 1)
      throw new ErlangenError(`PlanarCNN: argument 'size' expected an integer ≥ 17, got ${opts.size}`);
    this.conv1 = new Conv2d(opts.inChannels ?? 1, c1, 5, { stride: 3 });
    this.conv2 = new Conv2d(c1, c2, 5, { stride: 3 });
    this._flat = c2 * s2 * s2;
    this.out = new Linear(this._flat, opts.numClasses ?? 10);
  }

  /** @param x - images [B, C, size, size]; returns logits [B, numClasses]. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[2] !== this.size || x.shape[3] !== this.size)
      throw new ErlangenError(
        `PlanarCNN: argument 'x' expected images [B, C, ${this.size}, ${this.size}], got ${fmtShape(x.shape)}`,
      );
    const h = relu(this.conv2.forward(relu(this.conv1.forward(x))));
    return this.out.forward(h.reshape([x.shape[0]!, this._flat]));
  }
}
