/**
 * Aggregations: how a node combines the messages arriving on its incoming edges (PyG's
 * `torch_geometric.nn.aggr`). Every aggregation maps messages `x` [E, ...] with a target index
 * `index` [E] (int32) to one row per target node [dimSize, ...]:
 *
 *   sum:       out_i = Σ_{e: index_e = i} x_e
 *   mean:      out_i = (1/|N(i)|) Σ x_e                       (0 for nodes without messages)
 *   max / min: out_i = max_e x_e / min_e x_e                  (0 for nodes without messages)
 *   mul:       out_i = Π x_e
 *   var:       out_i = mean(x_e²) − mean(x_e)²
 *   std:       out_i = √(relu(var_i) + 1e-5)
 *   softmax:   out_i = Σ_e softmax_e(t·x_e) ⊙ x_e             (softmax over the messages of i, per channel)
 *   powermean: out_i = (mean_e clamp(x_e, 0, 100)^p)^(1/p)
 *
 * {@link MultiAggregation} combines several (concatenated by default), as PNA does.
 */
import { Linear } from "../../nn/linear.js";
import { Module, Parameter } from "../../nn/module.js";
import { full } from "../../tensor/creation.js";
import { check, opError } from "../../tensor/errors.js";
import { clamp, mul, pow, relu, sqrt, sub } from "../../tensor/ops/elementwise.js";
import { max, mean, min, sum } from "../../tensor/ops/reduce.js";
import { scatter, scatterSoftmax } from "../../tensor/ops/scatter.js";
import { concat, stack } from "../../tensor/ops/shape.js";
import type { Tensor } from "../../tensor/tensor.js";

/** Names accepted wherever an aggregation is expected (`"add"` is an alias of `"sum"`). */
export type AggregationName = "sum" | "add" | "mean" | "max" | "min" | "mul" | "var" | "std" | "softmax" | "powermean";

/** An aggregation given by name, as a module, or as a list (combined by {@link MultiAggregation}). */
export type AggrSpec = AggregationName | Aggregation | readonly (AggregationName | Aggregation)[];

function checkArgs(op: string, x: Tensor, index: Tensor, dimSize: number): void {
  check(index.dtype === "int32", op, "index", "dtype int32", index.dtype);
  check(index.ndim === 1, op, "index", "a 1-D tensor", `${index.ndim}-D`);
  check(
    x.ndim >= 1 && x.shape[0] === index.shape[0],
    op,
    "x",
    `first axis of size ${index.shape[0]} (one row per index entry)`,
    `shape [${x.shape.join(", ")}]`,
  );
  check(Number.isInteger(dimSize) && dimSize >= 0, op, "dimSize", "a non-negative integer", String(dimSize));
}

/**
 * Base class of aggregations: `forward(x, index, dimSize)` reduces the rows of `x` that share an
 * entry of `index` (the target node of each message) into `dimSize` output rows.
 */
export abstract class Aggregation extends Module<[Tensor, Tensor, number], Tensor> {
  /** Aggregates the rows `x` [E, ...] by `index` [E] into [dimSize, ...]. */
  abstract override forward(x: Tensor, index: Tensor, dimSize: number): Tensor;

  /** Output feature size for `inChannels` input features (a multiple for {@link MultiAggregation}). */
  outChannels(inChannels: number): number {
    return inChannels;
  }
}

/** Σ over incoming messages. */
export class SumAggregation extends Aggregation {
  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    checkArgs("SumAggregation", x, index, dimSize);
    return scatter(x, index, 0, dimSize, "sum");
  }
}

/** Mean over incoming messages (0 where there are none). */
export class MeanAggregation extends Aggregation {
  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    checkArgs("MeanAggregation", x, index, dimSize);
    return scatter(x, index, 0, dimSize, "mean");
  }
}

/** Channel-wise maximum over incoming messages (0 where there are none). */
export class MaxAggregation extends Aggregation {
  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    checkArgs("MaxAggregation", x, index, dimSize);
    return scatter(x, index, 0, dimSize, "max");
  }
}

/** Channel-wise minimum over incoming messages (0 where there are none). */
export class MinAggregation extends Aggregation {
  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    checkArgs("MinAggregation", x, index, dimSize);
    return scatter(x, index, 0, dimSize, "min");
  }
}

/** Channel-wise product of incoming messages. */
export class MulAggregation extends Aggregation {
  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    checkArgs("MulAggregation", x, index, dimSize);
    return scatter(x, index, 0, dimSize, "mul");
  }
}

/** Channel-wise (biased) variance of incoming messages: mean(x²) − mean(x)². */
export class VarAggregation extends Aggregation {
  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    checkArgs("VarAggregation", x, index, dimSize);
    const m = scatter(x, index, 0, dimSize, "mean");
    const m2 = scatter(mul(x, x), index, 0, dimSize, "mean");
    return sub(m2, mul(m, m));
  }
}

/** Channel-wise standard deviation of incoming messages: √(relu(var) + 1e-5) (PyG's choice). */
export class StdAggregation extends Aggregation {
  private readonly _var = new VarAggregation();
  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    return sqrt(relu(this._var.forward(x, index, dimSize)).add(1e-5));
  }
}

/** Options of {@link SoftmaxAggregation}. */
export interface SoftmaxAggregationOptions {
  /** Inverse temperature (default 1). */
  t?: number;
  /** Learn `t` (default false). */
  learn?: boolean;
  /** Number of learnable temperatures (1 or the feature size; default 1). */
  channels?: number;
}

/**
 * Softmax aggregation (Li et al., DeeperGCN): out_i = Σ_e softmax_e(t·x_e) ⊙ x_e, the softmax taken
 * per channel over the messages arriving at i. `t → ∞` tends to max, `t = 0` gives mean.
 */
export class SoftmaxAggregation extends Aggregation {
  /** The inverse temperature: a Parameter when learnable. */
  t: Tensor | number;
  readonly learn: boolean;

  constructor(opts: SoftmaxAggregationOptions = {}) {
    super();
    const t = opts.t ?? 1;
    this.learn = opts.learn ?? false;
    const channels = opts.channels ?? 1;
    this.t = this.learn ? new Parameter(full([channels], t)) : t;
  }

  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    checkArgs("SoftmaxAggregation", x, index, dimSize);
    const t = typeof this.t === "number" ? this.t : this.t.cast(x.dtype);
    const alpha = scatterSoftmax(t === 1 ? x : mul(x, t), index, dimSize);
    return scatter(mul(x, alpha), index, 0, dimSize, "sum");
  }
}

/** Options of {@link PowerMeanAggregation}. */
export interface PowerMeanAggregationOptions {
  /** The power (default 1: mean). */
  p?: number;
  /** Learn `p` (default false). */
  learn?: boolean;
  /** Number of learnable powers (1 or the feature size; default 1). */
  channels?: number;
}

/** Power mean (Li et al., DeeperGCN): (mean_e clamp(x_e, 0, 100)^p)^(1/p). */
export class PowerMeanAggregation extends Aggregation {
  /** The power: a Parameter when learnable. */
  p: Tensor | number;
  readonly learn: boolean;

  constructor(opts: PowerMeanAggregationOptions = {}) {
    super();
    const p = opts.p ?? 1;
    this.learn = opts.learn ?? false;
    this.p = this.learn ? new Parameter(full([opts.channels ?? 1], p)) : p;
  }

  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    checkArgs("PowerMeanAggregation", x, index, dimSize);
    const p = typeof this.p === "number" ? this.p : this.p.cast(x.dtype);
    let h = clamp(x, 0, 100);
    if (p !== 1) h = pow(h, p);
    let out = scatter(h, index, 0, dimSize, "mean");
    if (p !== 1) out = pow(clamp(out, 0, 100), typeof p === "number" ? 1 / p : p.reciprocal());
    return out;
  }
}

/** How {@link MultiAggregation} combines its parts. */
export type MultiAggregationMode = "cat" | "sum" | "mean" | "max" | "min" | "proj";

/** Options of {@link MultiAggregation}. */
export interface MultiAggregationOptions {
  /** `cat` (default) concatenates the parts along the last axis; `sum|mean|max|min` reduce them; `proj` concatenates then applies a Linear. */
  mode?: MultiAggregationMode;
  /** Input channels (needed by `proj`). */
  inChannels?: number;
  /** Output channels (needed by `proj`). */
  outChannels?: number;
}

/** Several aggregations applied to the same messages and combined (PyG's `MultiAggregation`). */
export class MultiAggregation extends Aggregation {
  aggrs: Aggregation[];
  readonly mode: MultiAggregationMode;
  lin: Linear | null = null;

  constructor(aggrs: readonly (AggregationName | Aggregation)[], opts: MultiAggregationOptions = {}) {
    super();
    if (aggrs.length === 0) opError("MultiAggregation", "aggrs", "at least one aggregation", "an empty list");
    this.aggrs = aggrs.map((a) => resolveAggregation(a));
    this.mode = opts.mode ?? "cat";
    if (this.mode === "proj") {
      const { inChannels, outChannels } = opts;
      if (inChannels === undefined || outChannels === undefined) {
        opError("MultiAggregation", "opts", "inChannels and outChannels for mode 'proj'", "missing");
      }
      this.lin = new Linear(inChannels * this.aggrs.length, outChannels);
    }
  }

  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    const outs = this.aggrs.map((a) => a.forward(x, index, dimSize));
    if (outs.length === 1 && this.mode !== "proj") return outs[0]!;
    switch (this.mode) {
      case "cat":
        return concat(outs, -1);
      case "proj":
        return (this.lin as Linear).forward(concat(outs, -1));
      case "sum":
        return sum(stack(outs, 0), 0);
      case "mean":
        return mean(stack(outs, 0), 0);
      case "max":
        return max(stack(outs, 0), 0);
      case "min":
        return min(stack(outs, 0), 0);
    }
  }

  override outChannels(inChannels: number): number {
    if (this.mode === "cat") return this.aggrs.reduce((s, a) => s + a.outChannels(inChannels), 0);
    if (this.mode === "proj") return this.lin?.outFeatures ?? inChannels;
    return inChannels;
  }

  override extraRepr(): string {
    return `mode=${this.mode}`;
  }
}

/** Builds an aggregation module from a name, a module (returned as is) or a list (a {@link MultiAggregation}). */
export function resolveAggregation(aggr: AggrSpec): Aggregation {
  if (aggr instanceof Aggregation) return aggr;
  if (Array.isArray(aggr)) return new MultiAggregation(aggr as readonly (AggregationName | Aggregation)[]);
  switch (aggr as AggregationName) {
    case "sum":
    case "add":
      return new SumAggregation();
    case "mean":
      return new MeanAggregation();
    case "max":
      return new MaxAggregation();
    case "min":
      return new MinAggregation();
    case "mul":
      return new MulAggregation();
    case "var":
      return new VarAggregation();
    case "std":
      return new StdAggregation();
    case "softmax":
      return new SoftmaxAggregation();
    case "powermean":
      return new PowerMeanAggregation();
    default:
      return opError(
        "resolveAggregation",
        "aggr",
        "one of sum, add, mean, max, min, mul, var, std, softmax, powermean, an Aggregation or a list of them",
        JSON.stringify(aggr),
      );
  }
}

/** The canonical name of a simple aggregation module (`sum`, `mean`, ...), or null for others. */
export function aggregationName(a: Aggregation): AggregationName | null {
  if (a instanceof SumAggregation) return "sum";
  if (a instanceof MeanAggregation) return "mean";
  if (a instanceof MaxAggregation) return "max";
  if (a instanceof MinAggregation) return "min";
  if (a instanceof MulAggregation) return "mul";
  if (a instanceof VarAggregation) return "var";
  if (a instanceof StdAggregation) return "std";
  if (a instanceof SoftmaxAggregation) return "softmax";
  if (a instanceof PowerMeanAggregation) return "powermean";
  return null;
}
