/**
 * ResGatedGraphConv (Bresson & Laurent, "Residual Gated Graph ConvNets", 2017):
 *
 *   x'_i = W_1 x_i + Σ_{j ∈ N(i)} η_ij ⊙ W_2 x_j,      η_ij = σ(W_3 x_i + W_4 x_j)
 */
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check } from "../../tensor/errors.js";
import { add, mul, sigmoid } from "../../tensor/ops/elementwise.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import { type MessageInputs, MessagePassing, type NodeInput } from "./message_passing.js";

/** Options of {@link ResGatedGraphConv}. */
export interface ResGatedGraphConvOptions {
  /** The gate non-linearity (default sigmoid). */
  act?: (t: Tensor) => Tensor;
  /** Add W_1 x_i (default true). */
  rootWeight?: boolean;
  /** Bias (default true). */
  bias?: boolean;
}

/** Residual gated graph convolution; see the file header. */
export class ResGatedGraphConv extends MessagePassing<[NodeInput, Tensor | SparseMatrix], Tensor> {
  readonly inChannels: number | readonly [number, number];
  readonly outChannels: number;
  /** W_3 (targets). */
  linKey: Linear;
  /** W_4 (sources). */
  linQuery: Linear;
  /** W_2 (sources). */
  linValue: Linear;
  /** W_1 (root, no bias). */
  linSkip: Linear | null;
  bias: Parameter | null;
  private readonly _act: (t: Tensor) => Tensor;

  constructor(
    inChannels: number | readonly [number, number],
    outChannels: number,
    opts: ResGatedGraphConvOptions = {},
  ) {
    super({ aggr: "sum" });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    const [inJ, inI] = typeof inChannels === "number" ? [inChannels, inChannels] : inChannels;
    this.linKey = graphLinear(inI, outChannels);
    this.linQuery = graphLinear(inJ, outChannels);
    this.linValue = graphLinear(inJ, outChannels);
    this.linSkip = (opts.rootWeight ?? true) ? graphLinear(inI, outChannels, { bias: false }) : null;
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outChannels])) : null;
    this._act = opts.act ?? sigmoid;
  }

  /**
   * @param x - node features [N, inChannels] or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   */
  forward(x: NodeInput, edgeIndex: Tensor | SparseMatrix): Tensor {
    const [xs, xt] = Array.isArray(x) ? (x as readonly [Tensor | null, Tensor | null]) : [x as Tensor, x as Tensor];
    check(xs !== null && xt !== null, "ResGatedGraphConv", "x", "source and target features", "null");
    const k = this.linKey.forward(xt);
    const q = this.linQuery.forward(xs);
    const v = this.linValue.forward(xs);
    const { edgeIndex: ei } = this.edgesOf(edgeIndex, null, Array.isArray(x) ? null : xs.shape[0]!);
    let out = this.propagate(ei, { k: [null, k], q: [q, null], v: [v, null], size: [xs.shape[0]!, xt.shape[0]!] });
    if (this.linSkip !== null) out = add(out, this.linSkip.forward(xt));
    if (this.bias !== null) out = add(out, this.bias);
    return out;
  }

  override message(inputs: MessageInputs): Tensor {
    return mul(this._act(add(inputs.k_i!, inputs.q_j!)), inputs.v_j!);
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}`;
  }
}
