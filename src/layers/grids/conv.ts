/**
 * Convolution layers on grids (`torch.nn.Conv1d/2d/3d`, `ConvTranspose1d/2d/3d`): modules that own a
 * weight and an optional bias and call the functional ops of `tensor/ops/conv.ts`. A convolution is
 * the linear map that commutes with translations of the grid; with `paddingMode: 'circular'` it
 * commutes exactly with cyclic shifts (see `TranslationGroup` and `gridAction`).
 */
import { uniform } from "../../nn/init.js";
import type { LayerOptions } from "../../nn/linear.js";
import { Module, Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, opError } from "../../tensor/errors.js";
import {
  type ConvPadding,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  type PaddingMode,
} from "../../tensor/ops/conv.js";
import type { IntOrTuple } from "../../tensor/ops/grid.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";

/** Options of {@link Conv1d}, {@link Conv2d}, {@link Conv3d}. */
export interface ConvLayerOptions extends LayerOptions {
  /** Step between output positions (default 1). */
  stride?: IntOrTuple;
  /** Border on each side, `'same'` or `'valid'` (default 0). */
  padding?: ConvPadding;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
  /** Channel groups (default 1). */
  groups?: number;
  /** Learn a bias (default true). */
  bias?: boolean;
  /** How the border is filled (default `'zeros'`). */
  paddingMode?: PaddingMode;
}

/** Options of {@link ConvTranspose1d}, {@link ConvTranspose2d}, {@link ConvTranspose3d}. */
export interface ConvTransposeLayerOptions extends LayerOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  dilation?: IntOrTuple;
  /** Learn a bias (default true). */
  bias?: boolean;
}

function kernelTuple(op: string, k: IntOrTuple, D: number): number[] {
  const arr = typeof k === "number" ? new Array<number>(D).fill(k) : [...k];
  if (arr.length !== D || arr.some((v) => !Number.isInteger(v) || v < 1)) {
    opError(
      op,
      "kernelSize",
      `a positive integer or ${D} of them`,
      typeof k === "number" ? String(k) : `[${k.join(", ")}]`,
    );
  }
  return arr;
}

function checkChannels(op: string, inC: number, outC: number, groups: number): void {
  check(Number.isInteger(inC) && inC > 0, op, "inChannels", "a positive integer", String(inC));
  check(Number.isInteger(outC) && outC > 0, op, "outChannels", "a positive integer", String(outC));
  check(Number.isInteger(groups) && groups > 0, op, "groups", "a positive integer", String(groups));
  check(inC % groups === 0, op, "inChannels", `a multiple of groups = ${groups}`, String(inC));
  check(outC % groups === 0, op, "outChannels", `a multiple of groups = ${groups}`, String(outC));
}

/** Shared state of the convolution layers. */
abstract class ConvBase extends Module<[Tensor], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    name: string,
    D: number,
    transposed: boolean,
    inC: number,
    outC: number,
    kernelSize: IntOrTuple,
    groups: number,
    bias: boolean,
    opts: LayerOptions,
  ) {
    super();
    checkChannels(name, inC, outC, groups);
    this.inChannels = inC;
    this.outChannels = outC;
    this.kernelSize = kernelTuple(name, kernelSize, D);
    this.groups = groups;
    const dtype = opts.dtype ?? "float32";
    const wShape = transposed ? [inC, outC / groups, ...this.kernelSize] : [outC, inC / groups, ...this.kernelSize];
    this.weight = new Parameter(zeros(wShape, { dtype }));
    this.bias = bias ? new Parameter(zeros([outC], { dtype })) : null;
    this.resetParameters(opts.generator);
  }

  /**
   * PyTorch's default initialisation: weight and bias from U(±1/√fanIn) (Kaiming-uniform with a = √5),
   * where fanIn = weight.shape[1]·kernel volume.
   */
  resetParameters(generator?: Generator): void {
    const fanIn = this.weight.shape[1]! * this.kernelSize.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    uniform(this.weight, -bound, bound, { generator });
    if (this.bias !== null) uniform(this.bias, -bound, bound, { generator });
  }
}

abstract class ConvNd extends ConvBase {
  readonly stride: IntOrTuple;
  readonly padding: ConvPadding;
  readonly dilation: IntOrTuple;
  readonly paddingMode: PaddingMode;

  constructor(name: string, D: number, inC: number, outC: number, kernelSize: IntOrTuple, opts: ConvLayerOptions) {
    super(name, D, false, inC, outC, kernelSize, opts.groups ?? 1, opts.bias ?? true, opts);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.paddingMode = opts.paddingMode ?? "zeros";
  }

  protected get convOpts() {
    return {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      paddingMode: this.paddingMode,
    };
  }

  override extraRepr(): string {
    const extra = [
      `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(", ")}]`,
      `stride=${String(this.stride)}`,
      this.padding !== 0 ? `padding=${String(this.padding)}` : "",
      this.dilation !== 1 ? `dilation=${String(this.dilation)}` : "",
      this.groups !== 1 ? `groups=${this.groups}` : "",
      this.bias === null ? "bias=false" : "",
      this.paddingMode !== "zeros" ? `paddingMode=${this.paddingMode}` : "",
    ];
    return extra.filter((s) => s !== "").join(", ");
  }
}

/** 1-D convolution over [N, C, L] (like `torch.nn.Conv1d`); weight [outChannels, inChannels/groups, k]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super("Conv1d", 1, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.convOpts);
  }
}

/**
 * 2-D convolution over [N, C, H, W] (like `torch.nn.Conv2d`); weight [outChannels, inChannels/groups,
 * kH, kW], bias [outChannels].
 *
 * ```ts
 * const conv = new Conv2d(1, 32, 3, { padding: 1 });
 * const y = conv.forward(images); // [N, 32, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super("Conv2d", 2, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.convOpts);
  }
}

/** 3-D convolution over [N, C, D, H, W] (like `torch.nn.Conv3d`), e.g. for voxel grids. */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super("Conv3d", 3, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return conv3d(x, this.weight, this.bias, this.convOpts);
  }
}

abstract class ConvTransposeNd extends ConvBase {
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly outputPadding: IntOrTuple;
  readonly dilation: IntOrTuple;

  constructor(
    name: string,
    D: number,
    inC: number,
    outC: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeLayerOptions,
  ) {
    super(name, D, true, inC, outC, kernelSize, opts.groups ?? 1, opts.bias ?? true, opts);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.outputPadding = opts.outputPadding ?? 0;
    this.dilation = opts.dilation ?? 1;
  }

  protected get convOpts() {
    return {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    };
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(", ")}], stride=${String(this.stride)}`;
  }
}

/** 1-D transposed convolution (like `torch.nn.ConvTranspose1d`); weight [inChannels, outChannels/groups, k]. */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvTransposeLayerOptions = {}) {
    super("ConvTranspose1d", 1, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return convTranspose1d(x, this.weight, this.bias, this.convOpts);
  }
}

/**
 * 2-D transposed convolution (like `torch.nn.ConvTranspose2d`): upsampling by the adjoint of a strided
 * convolution; weight [inChannels, outChannels/groups, kH, kW].
 */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvTransposeLayerOptions = {}) {
    super("ConvTranspose2d", 2, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, this.convOpts);
  }
}

/** 3-D transposed convolution (like `torch.nn.ConvTranspose3d`). */
export class ConvTranspose3d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvTransposeLayerOptions = {}) {
    super("ConvTranspose3d", 3, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return convTranspose3d(x, this.weight, this.bias, this.convOpts);
  }
}
