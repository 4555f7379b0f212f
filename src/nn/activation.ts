/** Activation modules (wrapping the tensor ops), `Dropout`, and a name → activation factory. */

import { full } from "../tensor/creation.js";
import { opError } from "../tensor/errors.js";
import {
  abs,
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
import { shiftedSoftplus } from "./functional.js";
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

/**
 * Activation names accepted by {@link resolveActivation} and {@link activation} (snake_case forms such
 * as `leaky_relu` are accepted too). `ssp` is SchNet's shifted softplus log(0.5·eˣ + 0.5); `swish` is
 * `silu`; `linear` is `identity`.
 */
export type ActivationName =
  | "relu"
  | "leakyRelu"
  | "leaky_relu"
  | "elu"
  | "gelu"
  | "silu"
  | "swish"
  | "tanh"
  | "sigmoid"
  | "softplus"
  | "abs"
  | "ssp"
  | "identity"
  | "linear";

/** An activation: a name (see {@link ActivationName}), a function of tensors, a module, or null (the identity). */
export type ActivationSpec = ActivationName | ((t: Tensor) => Tensor) | Module<[Tensor], Tensor> | null;

const identity = (t: Tensor): Tensor => t;

/** The canonical name and the function of each built-in activation (defaults as the modules'). */
const ACTIVATIONS: Record<string, (t: Tensor) => Tensor> = {
  relu,
  leakyRelu: (t) => leakyRelu(t),
  elu: (t) => elu(t),
  gelu: (t) => gelu(t),
  silu,
  swish: silu,
  tanh,
  sigmoid,
  softplus: (t) => softplus(t),
  abs,
  ssp: shiftedSoftplus,
  identity,
  linear: identity,
};

const NAMES = "relu, leakyRelu, elu, gelu, silu, tanh, sigmoid, softplus, abs, ssp, identity";

function canonical(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The function of an activation spec: a name's built-in function (`relu` is the `relu` op itself, so
 * callers may test for it to fuse), a function as is, a module's forward, or the identity for null.
 * Errors name `op` (the layer asking) and its argument `act`.
 */
export function resolveActivation(act: ActivationSpec | string, op = "resolveActivation"): (t: Tensor) => Tensor {
  if (act === null) return identity;
  if (typeof act === "function") return act;
  if (act instanceof Module) return (t) => act.forward(t);
  const fn = typeof act === "string" ? ACTIVATIONS[canonical(act)] : undefined;
  if (fn === undefined)
    return opError(op, "act", `a function, a module, null or one of ${NAMES}`, JSON.stringify(act) ?? String(act));
  return fn;
}

/** A parameter-free module applying an activation (any {@link ActivationSpec}). */
export class Activation extends Module<[Tensor], Tensor> {
  private readonly _fn: (t: Tensor) => Tensor;
  constructor(act: ActivationSpec) {
    super();
    this._fn = resolveActivation(act, "Activation");
  }
  forward(x: Tensor): Tensor {
    return this._fn(x);
  }
}

/**
 * A new activation module by name (PyG/PyTorch snake_case names like `leaky_relu` are accepted too):
 * the module classes above (`relu` gives {@link ReLU}, which {@link MLP} fuses with batch norm), and
 * an {@link Activation} for `abs` and `ssp`.
 */
export function activation(name: ActivationName | string): Module<[Tensor], Tensor> {
  switch (canonical(name)) {
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
    case "abs":
    case "ssp":
      return new Activation(name as ActivationName);
    default:
      return opError("activation", "name", `one of ${NAMES}`, `'${name}'`);
  }
}
