/** Pooling layers on grids (`torch.nn.MaxPool*d`, `AvgPool*d`, `AdaptiveAvgPool*d`). No parameters. */
import { Module } from "../../nn/module.js";
import type { IntOrTuple } from "../../tensor/ops/grid.js";
import {
  type AvgPoolOptions,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  type MaxPoolOptions,
  maxPool1d,
  maxPool2d,
  maxPool3d,
} from "../../tensor/ops/pool.js";
import type { Tensor } from "../../tensor/tensor.js";

function fmt(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(", ")}]` : String(v);
}

abstract class MaxPoolNd extends Module<[Tensor], Tensor> {
  constructor(
    readonly kernelSize: IntOrTuple,
    readonly opts: MaxPoolOptions = {},
  ) {
    super();
  }
  override extraRepr(): string {
    return `kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.opts.stride ?? this.kernelSize)}, padding=${fmt(this.opts.padding ?? 0)}`;
  }
}

/** 1-D max pooling (like `torch.nn.MaxPool1d`). */
export class MaxPool1d extends MaxPoolNd {
  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.opts);
  }
}

/** 2-D max pooling (like `torch.nn.MaxPool2d`); the gradient goes to each window's maximum. */
export class MaxPool2d extends MaxPoolNd {
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.opts);
  }
}

/** 3-D max pooling (like `torch.nn.MaxPool3d`). */
export class MaxPool3d extends MaxPoolNd {
  forward(x: Tensor): Tensor {
    return maxPool3d(x, this.kernelSize, this.opts);
  }
}

abstract class AvgPoolNd extends Module<[Tensor], Tensor> {
  constructor(
    readonly kernelSize: IntOrTuple,
    readonly opts: AvgPoolOptions = {},
  ) {
    super();
  }
  override extraRepr(): string {
    return `kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.opts.stride ?? this.kernelSize)}, padding=${fmt(this.opts.padding ?? 0)}`;
  }
}

/** 1-D average pooling (like `torch.nn.AvgPool1d`). */
export class AvgPool1d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.opts);
  }
}

/** 2-D average pooling (like `torch.nn.AvgPool2d`; `countIncludePad` defaults to true). */
export class AvgPool2d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.opts);
  }
}

/** 3-D average pooling (like `torch.nn.AvgPool3d`). */
export class AvgPool3d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return avgPool3d(x, this.kernelSize, this.opts);
  }
}

abstract class AdaptiveAvgPoolNd extends Module<[Tensor], Tensor> {
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    super();
  }
  override extraRepr(): string {
    return `outputSize=${fmt(this.outputSize)}`;
  }
}

/** 1-D adaptive average pooling to a fixed length (like `torch.nn.AdaptiveAvgPool1d`). */
export class AdaptiveAvgPool1d extends AdaptiveAvgPoolNd {
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
}

/** 2-D adaptive average pooling (like `torch.nn.AdaptiveAvgPool2d`); `1` gives global average pooling. */
export class AdaptiveAvgPool2d extends AdaptiveAvgPoolNd {
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** 3-D adaptive average pooling (like `torch.nn.AdaptiveAvgPool3d`). */
export class AdaptiveAvgPool3d extends AdaptiveAvgPoolNd {
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool3d(x, this.outputSize);
  }
}
