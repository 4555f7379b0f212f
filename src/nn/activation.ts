/** Activation modules (wrapping the tensor ops), `Dropout`, and a name → activation factory. */

import { full } from "../tensor/creation.js";
import { opError } from "../tensor/errors.js";
import {
  add,
  elu,
  gelu,
  leakyRelu,
  maximum,
  minimum,
  mul,
  relu,
  sigmoid,
  silu,
  softplus,
  tanh,
} from "../tensor/ops/elementwise.js";
import { dropout } from "../tensor/ops/random.js";
import { logSoftmax, softmax } from "../tensor/ops/reduce.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { Identity } from "./linear.js";
import { Module, Parameter } from "./module.js";

/** `max(x, 0)`. */
export class ReLU extends Module<[Tensor], Tensor> {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** `x` for x ≥ 0, else `negativeSlope·x`. */
export class LeakyReLU extends Module<[Tensor], Tensor> {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** `x` for x > 0, else `alpha·(eˣ − 1)`. */
export class ELU extends Module<[Tensor], Tensor> {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** Gaussian error linear unit (exact erf form, or the tanh approximation). */
export class GELU extends Module<[Tensor], Tensor> {
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
  }
  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
  override extraRepr(): string {
    return `approximate=${this.approximate}`;
  }
}

/** `x·σ(x)` (swish). */
export class SiLU extends Module<[Tensor], Tensor> {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module<[Tensor], Tensor> {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Logistic sigmoid. */
export class Sigmoid extends Module<[Tensor], Tensor> {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** `log(1 + e^{βx})/β`, linear above `threshold`. */
export class Softplus extends Module<[Tensor], Tensor> {
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** Softmax along `axis`. */
export class Softmax extends Module<[Tensor], Tensor> {
  constructor(readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
}

/** Log-softmax along `axis`. */
export class LogSoftmax extends Module<[Tensor], Tensor> {
  constructor(readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.axis);
  }
}

/** Leaky ReLU with a learned slope (one, or one per channel on axis 1), initialised to `init`. */
export class PReLU extends Module<[Tensor], Tensor> {
  weight: Parameter;
  constructor(numParameters = 1, init = 0.25, opts: { dtype?: "float32" | "float64" } = {}) {
    super();
    this.weight = new Parameter(full([numParameters], init, { dtype: opts.dtype ?? "float32" }));
  }
  forward(x: Tensor): Tensor {
    const n = this.weight.size;
    const w = n === 1 || x.ndim < 2 ? this.weight : this.weight.reshape([n, ...new Array<number>(x.ndim - 2).fill(1)]);
    return add(maximum(x, 0), mul(w, minimum(x, 0)));
  }
}

/**
 * Inverted dropout in training mode (see the `dropout` op); the identity in eval mode. Draws from
 * `generator`, or the global seeded one.
 */
export class Dropout extends Module<[Tensor], Tensor> {
  constructor(
    readonly p = 0.5,
    readonly generator?: Generator,
  ) {
    super();
    if (!(p >= 0 && p < 1)) opError("Dropout", "p", "a probability in [0, 1)", String(p));
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.generator);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Activation names accepted by {@link activation} (and MLP's `act`). */
export type ActivationName =
  | "relu"
  | "leakyRelu"
  | "elu"
  | "gelu"
  | "silu"
  | "swish"
  | "tanh"
  | "sigmoid"
  | "softplus"
  | "identity";

/** A new activation module by name (PyG/PyTorch snake_case names like `leaky_relu` are accepted too). */
export function activation(name: ActivationName | string): Module<[Tensor], Tensor> {
  switch (name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())) {
    case "relu":
      return new ReLU();
    case "leakyRelu":
      return new LeakyReLU();
    case "elu":
      return new ELU();
    case "gelu":
      return new GELU();
    case "silu":
    case "swish":
      return new SiLU();
    case "tanh":
      return new Tanh();
    case "sigmoid":
      return new Sigmoid();
    case "softplus":
      return new Softplus();
    case "identity":
    case "linear":
      return new Identity();
    default:
      return opError(
        "activation",
        "name",
        "one of relu, leakyRelu, elu, gelu, silu, tanh, sigmoid, softplus, identity",
        `'${name}'`,
      );
  }
}
