/**
 * TransformerConv (Shi et al., "Masked Label Prediction: Unified Message Passing Model for
 * Semi-Supervised Classification", 2021):
 *
 *   x'_i = W_1 x_i + Σ_{j ∈ N(i)} α_ij (W_2 x_j [+ W_6 e_ij])
 *   α_ij = softmax_j( (W_3 x_i)ᵀ (W_4 x_j [+ W_6 e_ij]) / √d )
 *
 * per head (concatenated, or averaged when concat = false). With `beta`, the skip is gated:
 *   β_i = σ(w_5ᵀ [W_1 x_i ‖ m_i ‖ W_1 x_i − m_i]),  x'_i = β_i W_1 x_i + (1 − β_i) m_i.
 */
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { check } from "../../tensor/errors.js";
import { add, mul, sigmoid, sub } from "../../tensor/ops/elementwise.js";
import { fastDropout } from "../../tensor/ops/random.js";
import { mean, sum } from "../../tensor/ops/reduce.js";
import { scatterSoftmax } from "../../tensor/ops/scatter.js";
import { concat as cat } from "../../tensor/ops/shape.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { AttentionOutput } from "./gat_conv.js";
import { type MessageInputs, MessagePassing, type NodeInput, type PropagateContext } from "./message_passing.js";

/** Options of {@link TransformerConv}. */
export interface TransformerConvOptions {
  /** Number of heads (default 1). */
  heads?: number;
  /** Concatenate heads (default true) or average them. */
  concat?: boolean;
  /** Gate the skip connection (default false). */
  beta?: boolean;
  /** Dropout of the attention coefficients during training (default 0). */
  dropout?: number;
  /** Edge feature size (enables W_6). */
  edgeDim?: number | null;
  /** Bias of the skip map W_1 (default true). */
  bias?: boolean;
  /** Add the skip W_1 x_i (default true). */
  rootWeight?: boolean;
}

/** Graph transformer layer; see the file header. */
export class TransformerConv extends MessagePassing<
  [NodeInput, Tensor | SparseMatrix, (Tensor | null)?, boolean?],
  Tensor | AttentionOutput
> {
  readonly inChannels: number | readonly [number, number];
  readonly outChannels: number;
  readonly heads: number;
  readonly concat: boolean;
  readonly beta: boolean;
  readonly dropout: number;
  readonly edgeDim: number | null;
  readonly rootWeight: boolean;
  linKey: Linear;
  linQuery: Linear;
  linValue: Linear;
  linEdge: Linear | null;
  linSkip: Linear | null;
  linBeta: Linear | null;
  private _alpha: Tensor | null = null;

  constructor(inChannels: number | readonly [number, number], outChannels: number, opts: TransformerConvOptions = {}) {
    super({ aggr: "sum" });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    const H = opts.heads ?? 1;
    this.heads = H;
    this.concat = opts.concat ?? true;
    this.rootWeight = opts.rootWeight ?? true;
    this.beta = (opts.beta ?? false) && this.rootWeight;
    this.dropout = opts.dropout ?? 0;
    this.edgeDim = opts.edgeDim ?? null;
    const [inJ, inI] = typeof inChannels === "number" ? [inChannels, inChannels] : inChannels;
    this.linKey = graphLinear(inJ, H * outChannels);
    this.linQuery = graphLinear(inI, H * outChannels);
    this.linValue = graphLinear(inJ, H * outChannels);
    this.linEdge = this.edgeDim === null ? null : graphLinear(this.edgeDim, H * outChannels, { bias: false });
    const outSize = this.concat ? H * outChannels : outChannels;
    this.linSkip = this.rootWeight ? graphLinear(inI, outSize, { bias: opts.bias ?? true }) : null;
    this.linBeta = this.beta ? graphLinear(3 * outSize, 1, { bias: false }) : null;
  }

  /**
   * @param x - node features [N, inChannels] or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param edgeAttr - edge features [E, edgeDim] (with `edgeDim`).
   * @param returnAttentionWeights - also return `[edgeIndex, alpha]`.
   */
  forward(
    x: NodeInput,
    edgeIndex: Tensor | SparseMatrix,
    edgeAttr?: Tensor | null,
    returnAttentionWeights?: false,
  ): Tensor;
  forward(
    x: NodeInput,
    edgeIndex: Tensor | SparseMatrix,
    edgeAttr: Tensor | null | undefined,
    returnAttentionWeights: true,
  ): AttentionOutput;
  forward(
    x: NodeInput,
    edgeIndex: Tensor | SparseMatrix,
    edgeAttr: Tensor | null = null,
    returnAttentionWeights = false,
  ): Tensor | AttentionOutput {
    const H = this.heads;
    const C = this.outChannels;
    const [xs, xt] = Array.isArray(x) ? (x as readonly [Tensor | null, Tensor | null]) : [x as Tensor, x as Tensor];
    check(xs !== null && xt !== null, "TransformerConv", "x", "source and target features", "null");
    const query = this.linQuery.forward(xt).reshape(-1, H, C);
    const key = this.linKey.forward(xs).reshape(-1, H, C);
    const value = this.linValue.forward(xs).reshape(-1, H, C);
    const { edgeIndex: ei } = this.edgesOf(edgeIndex, null, Array.isArray(x) ? null : xs.shape[0]!);
    let out = this.propagate(ei, {
      query: [null, query],
      key: [key, null],
      value: [value, null],
      edgeAttr,
      size: [xs.shape[0]!, xt.shape[0]!],
    });
    out = this.concat ? out.reshape(-1, H * C) : mean(out, 1);
    if (this.linSkip !== null) {
      const xr = this.linSkip.forward(xt);
      if (this.linBeta !== null) {
        const b = sigmoid(this.linBeta.forward(cat([out, xr, sub(out, xr)], -1)));
        out = add(mul(b, xr), mul(sub(1, b), out));
      } else out = add(out, xr);
    }
    const alpha = this._alpha;
    this._alpha = null;
    return returnAttentionWeights ? [out, [ei, alpha!]] : out;
  }

  override message(inputs: MessageInputs, ctx: PropagateContext): Tensor {
    let k = inputs.key_j!;
    let v = inputs.value_j!;
    const ea = inputs.edgeAttr;
    if (ea !== undefined && this.linEdge !== null) {
      const e = this.linEdge.forward(ea).reshape(-1, this.heads, this.outChannels);
      k = add(k, e);
      v = add(v, e);
    }
    const logits = mul(sum(mul(inputs.query_i!, k), -1), 1 / Math.sqrt(this.outChannels));
    let alpha = scatterSoftmax(logits, ctx.index, ctx.sizeI);
    this._alpha = alpha;
    if (this.dropout > 0 && this.training) alpha = fastDropout(alpha, this.dropout, true);
    return mul(v, alpha.unsqueeze(-1));
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}, heads=${this.heads}`;
  }
}
