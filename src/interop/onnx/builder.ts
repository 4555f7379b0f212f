/**
 * Builds an ONNX graph (opset 18) value by value: named inputs, constant initializers (the module's
 * parameters, or tensors computed from them at export time such as G-CNN filter banks), nodes, and the
 * sub-graphs Erlangen's export rules share — Linear layers, batch norm in eval mode, activations, and
 * message passing: gathers of node rows along an edge list and sums (or maxima) into the target rows
 * with `ScatterND` (reduction `add` / `max`), which keeps the graph's node and edge counts dynamic.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { VERSION } from "../../version.js";
import {
  type AttributeValue,
  type Dim,
  encodeModel,
  type NodeProto,
  type OnnxDType,
  type TensorProto,
  type ValueInfo,
} from "./proto.js";

/** The opset the exporter writes. */
export const ONNX_OPSET = 18;
/** ONNX IR version 8 (opset 18's). */
export const ONNX_IR_VERSION = 8;

export const attr = {
  int: (value: number): AttributeValue => ({ type: "int", value }),
  float: (value: number): AttributeValue => ({ type: "float", value }),
  string: (value: string): AttributeValue => ({ type: "string", value }),
  ints: (value: readonly number[]): AttributeValue => ({ type: "ints", value }),
  floats: (value: readonly number[]): AttributeValue => ({ type: "floats", value }),
  tensor: (value: TensorProto): AttributeValue => ({ type: "tensor", value }),
};

/** Raw little-endian bytes of numbers in an ONNX dtype. */
export function rawBytes(values: ArrayLike<number>, dtype: OnnxDType): Uint8Array {
  const n = values.length;
  switch (dtype) {
    case "float": {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = values[i]!;
      return new Uint8Array(a.buffer);
    }
    case "double": {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = values[i]!;
      return new Uint8Array(a.buffer);
    }
    case "int64": {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(Math.trunc(values[i]!));
      return new Uint8Array(a.buffer);
    }
    case "int32": {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = values[i]!;
      return new Uint8Array(a.buffer);
    }
    default: {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = values[i]!;
      return a;
    }
  }
}

/** An ONNX graph under construction; values are referred to by name. */
export class OnnxBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private counter = 0;
  private readonly constCache = new Map<string, string>();

  /** @param floatType - element type of the model's float values (`float` for float32 models). */
  constructor(readonly floatType: "float" | "double" = "float") {}

  /** A fresh value name with a readable prefix. */
  fresh(prefix = "v"): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Declares a graph input. */
  input(name: string, dtype: OnnxDType, shape: readonly Dim[]): string {
    this.inputs.push({ name, dtype, shape });
    return name;
  }

  /** Declares value `value` a graph output named `name` (an Identity node renames it). */
  output(value: string, name: string, dtype: OnnxDType, shape: readonly Dim[] | null): void {
    this.nodes.push({ opType: "Identity", inputs: [value], outputs: [name], name: `out_${name}`, attributes: {} });
    this.outputs.push({ name, dtype, shape });
  }

  /** Adds a node; returns its output names. */
  nodeN(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    nOut = 1,
  ): string[] {
    const outputs = Array.from({ length: nOut }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({ opType, inputs, outputs, name: `${opType}_${this.counter++}`, attributes });
    return outputs;
  }

  /** Adds a node with one output. */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.nodeN(opType, inputs, attributes, 1)[0]!;
  }

  /** A constant initializer (deduplicated by content for small ones). */
  constant(values: ArrayLike<number>, dims: readonly number[], dtype: OnnxDType, prefix = "const"): string {
    const small = values.length <= 16;
    const key = small ? `${dtype}|${dims.join(",")}|${Array.from(values).join(",")}` : "";
    if (small && this.constCache.has(key)) return this.constCache.get(key)!;
    const name = this.fresh(prefix);
    this.initializers.push({ name, dtype, dims: [...dims], raw: rawBytes(values, dtype) });
    if (small) this.constCache.set(key, name);
    return name;
  }

  /** A float constant in the model's float type. */
  constF(values: ArrayLike<number>, dims: readonly number[] = [values.length], prefix = "w"): string {
    return this.constant(values, dims, this.floatType, prefix);
  }

  /** An int64 constant. */
  constI(values: ArrayLike<number>, dims: readonly number[] = [values.length]): string {
    return this.constant(values, dims, "int64", "idx");
  }

  /** A scalar float constant. */
  scalar(v: number): string {
    return this.constF([v], []);
  }

  /** A tensor (e.g. a parameter) as a float initializer, its shape kept (optionally transposed 2-D). */
  param(t: Tensor, prefix = "w", transpose = false): string {
    if (!transpose) return this.constF(t.data, t.shape, prefix);
    const [r, c] = t.shape as [number, number];
    const out = new Float64Array(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j]!;
    return this.constF(out, [c, r], prefix);
  }

  // ---- shapes ---------------------------------------------------------------------------------

  /** `x.shape[axis]` as an int64 tensor of shape [1]. */
  dim(x: string, axis: number): string {
    return this.node("Shape", [x], { start: attr.int(axis), end: attr.int(axis + 1) });
  }

  /** Concatenates 1-D int64 shape pieces (value names or fixed sizes). */
  shape(parts: readonly (string | number)[]): string {
    const names = parts.map((p) => (typeof p === "number" ? this.constI([p]) : p));
    return names.length === 1 ? names[0]! : this.node("Concat", names, { axis: attr.int(0) });
  }

  /** Zeros (or `fill`) of a dynamic shape in the model's float type. */
  full(shape: string, fill = 0): string {
    const t: TensorProto = { name: "", dtype: this.floatType, dims: [1], raw: rawBytes([fill], this.floatType) };
    return this.node("ConstantOfShape", [shape], { value: attr.tensor(t) });
  }

  reshape(x: string, shape: readonly (string | number)[]): string {
    return this.node("Reshape", [x, this.shape(shape)]);
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    return this.node("Unsqueeze", [x, this.constI(axes)]);
  }

  squeeze(x: string, axes: readonly number[]): string {
    return this.node("Squeeze", [x, this.constI(axes)]);
  }

  /** Row `row` of a [2, E] edge list, as [E]. */
  row(edgeIndex: string, row: number): string {
    return this.node("Gather", [edgeIndex, this.constI([row], [])], { axis: attr.int(0) });
  }

  // ---- arithmetic -------------------------------------------------------------------------------

  add(a: string, b: string): string {
    return this.node("Add", [a, b]);
  }
  sub(a: string, b: string): string {
    return this.node("Sub", [a, b]);
  }
  mul(a: string, b: string): string {
    return this.node("Mul", [a, b]);
  }
  div(a: string, b: string): string {
    return this.node("Div", [a, b]);
  }
  matmul(a: string, b: string): string {
    return this.node("MatMul", [a, b]);
  }
  concat(xs: readonly string[], axis: number): string {
    return xs.length === 1 ? xs[0]! : this.node("Concat", xs, { axis: attr.int(axis) });
  }
  gather(x: string, idx: string, axis = 0): string {
    return this.node("Gather", [x, idx], { axis: attr.int(axis) });
  }
  castFloat(x: string): string {
    return this.node("Cast", [x], { to: attr.int(this.floatType === "float" ? 1 : 11) });
  }

  /** x · Wᵀ + b for an `nn.Linear` (weight [out, in]). */
  linear(x: string, lin: { weight: Tensor; bias: Tensor | null }): string {
    const y = this.matmul(x, this.param(lin.weight, "weight", true));
    return lin.bias !== null && lin.bias !== undefined ? this.add(y, this.param(lin.bias, "bias")) : y;
  }

  /**
   * Batch norm in eval mode on channel axis 1: x · s + t with s = γ/√(var + ε), t = β − mean · s, shaped
   * to broadcast over `trailing` spatial axes ([C] for [N, C], [C, 1, 1] for [B, C, H, W]).
   */
  batchNorm(
    x: string,
    bn: {
      runningMean: Tensor | null;
      runningVar: Tensor | null;
      weight: Tensor | null;
      bias: Tensor | null;
      eps: number;
    },
    trailing = 0,
    repeat = 1,
  ): string {
    const rm = bn.runningMean;
    const rv = bn.runningVar;
    if (rm === null || rv === null)
      throw new Error("batch norm without running statistics (trackRunningStats false) cannot be exported");
    const C = rm.size;
    const s = new Float64Array(C * repeat);
    const t = new Float64Array(C * repeat);
    for (let c = 0; c < C; c++) {
      const g = bn.weight?.data[c] ?? 1;
      const b = bn.bias?.data[c] ?? 0;
      const sc = g / Math.sqrt(rv.data[c]! + bn.eps);
      for (let r = 0; r < repeat; r++) {
        s[c * repeat + r] = sc;
        t[c * repeat + r] = b - rm.data[c]! * sc;
      }
    }
    const dims = [C * repeat, ...new Array<number>(trailing).fill(1)];
    return this.add(this.mul(x, this.constF(s, dims, "bn_scale")), this.constF(t, dims, "bn_shift"));
  }

  /** A named elementwise activation. */
  act(x: string, name: ActivationKind): string {
    switch (name.kind) {
      case "identity":
        return x;
      case "relu":
        return this.node("Relu", [x]);
      case "elu":
        return this.node("Elu", [x], { alpha: attr.float(name.alpha ?? 1) });
      case "leakyRelu":
        return this.node("LeakyRelu", [x], { alpha: attr.float(name.alpha ?? 0.01) });
      case "sigmoid":
        return this.node("Sigmoid", [x]);
      case "tanh":
        return this.node("Tanh", [x]);
      case "silu":
        return this.mul(x, this.node("Sigmoid", [x]));
      case "softplus":
        return this.node("Softplus", [x]);
      case "ssp":
        return this.sub(this.node("Softplus", [x]), this.scalar(Math.LN2));
      case "gelu":
        // 0.5 x (1 + erf(x / √2))
        return this.mul(
          this.mul(x, this.scalar(0.5)),
          this.add(this.scalar(1), this.node("Erf", [this.mul(x, this.scalar(Math.SQRT1_2))])),
        );
    }
  }

  // ---- message passing --------------------------------------------------------------------------

  /**
   * Σ over rows with the same `index` (int64 [E]) of `src` [E, ...] into `rows` output rows (an int64
   * [1] value): `ScatterND(zeros, index[:, None], src, reduction=add)`. `width` gives the trailing shape.
   */
  scatterSum(src: string, index: string, rows: string, width: readonly (number | string)[]): string {
    const zeros = this.full(this.shape([rows, ...width]));
    return this.node("ScatterND", [zeros, this.unsqueeze(index, [1]), src], { reduction: attr.string("add") });
  }

  /** Maximum over rows with the same index (rows without any entry stay at `empty`). */
  scatterMax(src: string, index: string, rows: string, width: readonly (number | string)[], empty = -3.0e38): string {
    const init = this.full(this.shape([rows, ...width]), empty);
    return this.node("ScatterND", [init, this.unsqueeze(index, [1]), src], { reduction: attr.string("max") });
  }

  /** Mean over rows with the same index (rows without entries give 0). */
  scatterMean(src: string, index: string, rows: string, width: readonly (number | string)[]): string {
    const sum = this.scatterSum(src, index, rows, width);
    const ones = this.full(this.shape([this.dim(src, 0), 1]), 1);
    const count = this.scatterSum(ones, index, rows, [1]);
    return this.div(sum, this.node("Max", [count, this.scalar(1)]));
  }

  /** Softmax of `scores` [E, H] over the edges with the same target (max-shifted per target). */
  segmentSoftmax(scores: string, index: string, rows: string, heads: number): string {
    const mx = this.scatterMax(scores, index, rows, [heads]);
    const e = this.node("Exp", [this.sub(scores, this.gather(mx, index))]);
    const den = this.scatterSum(e, index, rows, [heads]);
    return this.div(e, this.add(this.gather(den, index), this.scalar(1e-16)));
  }

  /** Encodes the finished graph as an ONNX model. */
  encode(name: string, doc?: string): Uint8Array {
    return encodeModel({
      irVersion: ONNX_IR_VERSION,
      opsetVersion: ONNX_OPSET,
      producerName: "erlangen",
      producerVersion: VERSION,
      doc,
      graph: { name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs },
    });
  }
}

/** An activation the exporter writes. */
export type ActivationKind =
  | { kind: "identity" | "relu" | "sigmoid" | "tanh" | "silu" | "softplus" | "ssp" | "gelu" }
  | { kind: "elu" | "leakyRelu"; alpha?: number };
