/**
 * Equivariant nonlinearities, pooling and normalisation for steerable feature fields
 * [B, type.size, H, W] (Weiler & Cesa 2019, §3):
 *
 * - {@link PointwiseNonLinearity}: ReLU (or ELU…) channel by channel — equivariant for fields whose
 *   representation permutes channels (trivial, regular);
 * - {@link NormNonLinearity}: x ↦ x · σ(‖x‖ + b)/‖x‖ on each field (any orthogonal representation);
 * - {@link GatedNonLinearity}: each non-trivial field multiplied by sigmoid of its own scalar gate,
 *   trivial fields through a pointwise activation;
 * - {@link NormPool}: the norm of each field (invariant scalars);
 * - {@link GroupPooling}: max over the channels of each regular field (invariant scalars);
 * - {@link InnerBatchNorm}: batch norm with statistics shared over the channels of each field
 *   (for trivial / regular fields).
 */

import { activation } from "../../../nn/activation.js";
import { Module, Parameter } from "../../../nn/module.js";
import { BatchNorm1d, type BatchNormOptions } from "../../../nn/normalization.js";
import type { Action } from "../../../symmetry/actions.js";
import { FieldType } from "../../../symmetry/field_type.js";
import { trivial } from "../../../symmetry/representation.js";
import { zeros } from "../../../tensor/creation.js";
import { ErlangenError, fmtShape, opError } from "../../../tensor/errors.js";
import { add, div, mul, reciprocal, relu, sigmoid, sqrt } from "../../../tensor/ops/elementwise.js";
import { indexSelect } from "../../../tensor/ops/indexing.js";
import { matmul } from "../../../tensor/ops/linalg.js";
import { max, sum } from "../../../tensor/ops/reduce.js";
import { concat, narrow, permute } from "../../../tensor/ops/shape.js";
import { Tensor } from "../../../tensor/tensor.js";
import { planarGridAction } from "./planar.js";

function checkInput<E>(op: string, type: FieldType<E>, x: Tensor): void {
  if (x.ndim !== 4) opError(op, "x", `shape [B, ${type.size}, H, W]`, fmtShape(x.shape));
  type.checkTensor(op, x, 1);
}

/** Σ over the channels of each field of x [B, C, H, W] → [B, F, H, W]. */
function perFieldSum(x: Tensor, S: Tensor): Tensor {
  return permute(matmul(permute(x, [0, 2, 3, 1]), S), [0, 3, 1, 2]);
}

/** Per-field values v [B, F, H, W] broadcast to the channels of each field → [B, C, H, W]. */
function perFieldBroadcast(v: Tensor, S: Tensor): Tensor {
  return permute(matmul(permute(v, [0, 2, 3, 1]), S.t()), [0, 3, 1, 2]);
}

/**
 * A pointwise activation (default ReLU) on fields whose representations permute channels (trivial,
 * regular): it commutes with the permutation, so it is equivariant. Throws for other fields.
 */
export class PointwiseNonLinearity<E = unknown> extends Module<[Tensor], Tensor> {
  private readonly _act: Module<[Tensor], Tensor>;
  constructor(
    readonly type: FieldType<E>,
    readonly fn = "relu",
  ) {
    super();
    const bad = type.firstNonPermutationRep();
    if (bad) {
      throw new ErlangenError(
        `PointwiseNonLinearity: argument 'type' expected fields whose representation permutes channels (trivial, regular), got '${bad.name}'; use NormNonLinearity or GatedNonLinearity`,
      );
    }
    this._act = activation(fn);
  }
  get outputAction(): Action<E, Tensor> {
    return planarGridAction(this.type.group, { fieldType: this.type });
  }
  forward(x: Tensor): Tensor {
    checkInput("PointwiseNonLinearity", this.type, x);
    return this._act.forward(x);
  }
}

/** Options of {@link NormNonLinearity}. */
export interface NormNonLinearityOptions {
  /** `relu` (default): σ(n) = relu(n + b); `sigmoid`: sigmoid(n + b); `squash`: n / (n + 1). */
  fn?: "relu" | "sigmoid" | "squash";
  /** Learn a bias b per field (default true; not used by `squash`). */
  bias?: boolean;
  /** Added under the square root of the norm (default 1e-8). */
  eps?: number;
  dtype?: "float32" | "float64";
}

/**
 * x_f ↦ x_f · σ(‖x_f‖ + b_f) / ‖x_f‖ for each field f: the norm of a field is invariant under any
 * orthogonal representation, so rescaling by a function of it is equivariant.
 */
export class NormNonLinearity<E = unknown> extends Module<[Tensor], Tensor> {
  readonly fn: "relu" | "sigmoid" | "squash";
  readonly eps: number;
  /** One bias per field [F], or null. */
  bias: Parameter | null;
  private _S = new Map<string, Tensor>();
  constructor(
    readonly type: FieldType<E>,
    opts: NormNonLinearityOptions = {},
  ) {
    super();
    this.fn = opts.fn ?? "relu";
    if (!["relu", "sigmoid", "squash"].includes(this.fn))
      opError("NormNonLinearity", "fn", "'relu', 'sigmoid' or 'squash'", String(this.fn));
    this.eps = opts.eps ?? 1e-8;
    this.bias =
      (opts.bias ?? true) && this.fn !== "squash"
        ? new Parameter(zeros([type.numFields], { dtype: opts.dtype ?? "float32" }))
        : null;
  }
  get outputAction(): Action<E, Tensor> {
    return planarGridAction(this.type.group, { fieldType: this.type });
  }
  forward(x: Tensor): Tensor {
    checkInput("NormNonLinearity", this.type, x);
    const dt = x.dtype === "float64" ? "float64" : "float32";
    let S = this._S.get(dt);
    if (!S) {
      S = this.type.indicator(dt);
      this._S.set(dt, S);
    }
    const n = sqrt(add(perFieldSum(mul(x, x), S), this.eps));
    let scale: Tensor;
    const b = this.bias ? this.bias.reshape([1, this.type.numFields, 1, 1]) : null;
    if (this.fn === "relu") scale = div(relu(b ? add(n, b) : n), n);
    else if (this.fn === "sigmoid") scale = div(sigmoid(b ? add(n, b) : n), n);
    else scale = reciprocal(add(n, 1));
    return mul(x, perFieldBroadcast(scale, S));
  }
}

/**
 * Gated nonlinearity: the output type `outType` is given; the input carries one extra trivial field
 * (a gate) per non-trivial output field, appended at the end: `inType = outType ⊕ trivial^g`. Each
 * non-trivial field is multiplied by sigmoid(its gate); trivial fields go through `scalarFn` (ReLU).
 */
export class GatedNonLinearity<E = unknown> extends Module<[Tensor], Tensor> {
  /** The input field type (outType followed by the gates). */
  readonly inType: FieldType<E>;
  readonly numGates: number;
  private readonly _scalarIdx: Tensor;
  private readonly _gatedIdx: Tensor;
  private readonly _gateOfChannel: Tensor;
  private readonly _inverse: Tensor;
  private readonly _act: Module<[Tensor], Tensor>;
  constructor(
    readonly outType: FieldType<E>,
    readonly scalarFn = "relu",
  ) {
    super();
    const g = outType.group;
    const gatedFields = outType.reps.map((r, i) => (r.isTrivial ? -1 : i)).filter((i) => i >= 0);
    this.numGates = gatedFields.length;
    this.inType = outType.concat(FieldType.repeat(g, trivial(g), this.numGates));
    const offs = outType.offsets;
    const scalarIdx: number[] = [];
    const gatedIdx: number[] = [];
    const gateOf: number[] = [];
    outType.reps.forEach((r, f) => {
      for (let c = 0; c < r.size; c++) {
        if (r.isTrivial) scalarIdx.push(offs[f]! + c);
        else {
          gatedIdx.push(offs[f]! + c);
          gateOf.push(gatedFields.indexOf(f));
        }
      }
    });
    const order = [...scalarIdx, ...gatedIdx];
    const inv = new Int32Array(order.length);
    order.forEach((c, s) => {
      inv[c] = s;
    });
    const i32 = (a: number[]) => new Tensor(Int32Array.from(a), [a.length], "int32");
    this._scalarIdx = i32(scalarIdx);
    this._gatedIdx = i32(gatedIdx);
    this._gateOfChannel = i32(gateOf);
    this._inverse = new Tensor(inv, [inv.length], "int32");
    this._act = activation(scalarFn);
  }
  get outputAction(): Action<E, Tensor> {
    return planarGridAction(this.outType.group, { fieldType: this.outType });
  }
  forward(x: Tensor): Tensor {
    checkInput("GatedNonLinearity", this.inType, x);
    const C = this.outType.size;
    const main = narrow(x, 1, 0, C);
    const parts: Tensor[] = [];
    if (this._scalarIdx.size > 0) parts.push(this._act.forward(indexSelect(main, 1, this._scalarIdx)));
    if (this._gatedIdx.size > 0) {
      const gates = sigmoid(narrow(x, 1, C, this.numGates));
      parts.push(mul(indexSelect(main, 1, this._gatedIdx), indexSelect(gates, 1, this._gateOfChannel)));
    }
    return indexSelect(parts.length === 1 ? parts[0]! : concat(parts, 1), 1, this._inverse);
  }
}

/** The norm of each field: [B, type.size, H, W] → [B, F, H, W] (invariant scalar fields). */
export class NormPool<E = unknown> extends Module<[Tensor], Tensor> {
  /** F trivial fields. */
  readonly outType: FieldType<E>;
  private _S = new Map<string, Tensor>();
  constructor(
    readonly type: FieldType<E>,
    readonly eps = 1e-8,
  ) {
    super();
    this.outType = FieldType.repeat(type.group, trivial(type.group), type.numFields);
  }
  get outputAction(): Action<E, Tensor> {
    return planarGridAction(this.type.group);
  }
  forward(x: Tensor): Tensor {
    checkInput("NormPool", this.type, x);
    const dt = x.dtype === "float64" ? "float64" : "float32";
    let S = this._S.get(dt);
    if (!S) {
      S = this.type.indicator(dt);
      this._S.set(dt, S);
    }
    return sqrt(add(perFieldSum(mul(x, x), S), this.eps));
  }
}

/**
 * Max (default) or sum-free mean pooling over the channels of each regular field: [B, type.size, H, W]
 * → [B, F, H, W]; trivial fields pass through. Invariant because the regular representation only
 * permutes a field's channels.
 */
export class GroupPooling<E = unknown> extends Module<[Tensor], Tensor> {
  readonly outType: FieldType<E>;
  private readonly _uniform: number;
  constructor(
    readonly type: FieldType<E>,
    readonly mode: "max" | "mean" = "max",
  ) {
    super();
    const bad = type.firstNonPermutationRep();
    if (bad)
      throw new ErlangenError(
        `GroupPooling: argument 'type' expected regular or trivial fields, got '${bad.name}'; use NormPool`,
      );
    this.outType = FieldType.repeat(type.group, trivial(type.group), type.numFields);
    this._uniform = type.uniformFieldSize;
  }
  get outputAction(): Action<E, Tensor> {
    return planarGridAction(this.type.group);
  }
  forward(x: Tensor): Tensor {
    checkInput("GroupPooling", this.type, x);
    const [B, , H, W] = x.shape as [number, number, number, number];
    const F = this.type.numFields;
    const pool = (t: Tensor, d: number, n: number) => {
      const r = t.reshape([B, n, d, H, W]);
      return this.mode === "max" ? max(r, 2) : div(sum(r, 2), d);
    };
    if (this._uniform > 0) return pool(x, this._uniform, F);
    const offs = this.type.offsets;
    const parts = this.type.reps.map((r, f) => pool(narrow(x, 1, offs[f]!, r.size), r.size, 1));
    return concat(parts, 1);
  }
}

/**
 * Batch norm for fields with permutation representations (trivial, regular) of one size d: the mean,
 * variance, scale and shift are shared by the d channels of each field (escnn's InnerBatchNorm).
 */
export class InnerBatchNorm<E = unknown> extends Module<[Tensor], Tensor> {
  bn: BatchNorm1d;
  private readonly _d: number;
  constructor(
    readonly type: FieldType<E>,
    opts: BatchNormOptions = {},
  ) {
    super();
    const bad = type.firstNonPermutationRep();
    if (bad)
      throw new ErlangenError(`InnerBatchNorm: argument 'type' expected trivial or regular fields, got '${bad.name}'`);
    if (type.uniformFieldSize === 0)
      throw new ErlangenError(
        `InnerBatchNorm: argument 'type' expected fields of one size, got sizes ${[...new Set(type.reps.map((r) => r.size))].join(", ")}`,
      );
    this._d = type.uniformFieldSize;
    this.bn = new BatchNorm1d(type.numFields, opts);
  }
  get outputAction(): Action<E, Tensor> {
    return planarGridAction(this.type.group, { fieldType: this.type });
  }
  forward(x: Tensor): Tensor {
    return this.forwardAct(x, false);
  }

  /**
   * `relu(forward(x))` as one fused op when `relu` is true (the batch norm's kernels apply it and mask
   * its gradient: no separate pass or output); else `forward(x)`. ReLU acts pointwise, so the result
   * stays equivariant for trivial and regular fields.
   */
  forwardAct(x: Tensor, relu: boolean): Tensor {
    checkInput("InnerBatchNorm", this.type, x);
    const [B, C, H, W] = x.shape as [number, number, number, number];
    const F = this.type.numFields;
    return this.bn.forwardAct(x.reshape([B, F, this._d * H * W]), relu).reshape([B, C, H, W]);
  }
}
