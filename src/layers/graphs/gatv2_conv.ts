/**
 * GATv2Conv (Brody et al., "How Attentive are Graph Attention Networks?", 2022):
 *
 *   x'_i = ‖_{h=1}^{H} Σ_{j ∈ N(i) ∪ {i}} α^h_ij Θ^h_s x_j      (mean over heads when concat = false)
 *   α^h_ij = softmax_j( a^hᵀ LeakyReLU( Θ^h_s x_j + Θ^h_t x_i [+ Θ^h_e e_ij] ) )
 *
 * The non-linearity sits between the two linear maps, which makes the attention "dynamic".
 */
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape } from "../../tensor/errors.js";
import { add, leakyRelu, mul } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { fastDropout } from "../../tensor/ops/random.js";
import { mean, sum } from "../../tensor/ops/reduce.js";
import { scatterSoftmax } from "../../tensor/ops/scatter.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import { Tensor } from "../../tensor/tensor.js";
import { AttentionEdges, type AttentionOutput, type GATConvOptions, glorotAtt, headwiseAggregate } from "./gat_conv.js";
import {
  type MessageInputs,
  MessagePassing,
  type NodeInput,
  type PropagateContext,
  type PropagateInputs,
} from "./message_passing.js";

/** Options of {@link GATv2Conv}. */
export interface GATv2ConvOptions extends GATConvOptions {
  /** Use the same Θ for sources and targets (default false). */
  shareWeights?: boolean;
}

/** Dynamic graph attention layer; see the file header. */
export class GATv2Conv extends MessagePassing<
  [NodeInput, Tensor | SparseMatrix, (Tensor | null)?, boolean?],
  Tensor | AttentionOutput
> {
  readonly inChannels: number | readonly [number, number];
  readonly outChannels: number;
  readonly heads: number;
  readonly concat: boolean;
  readonly negativeSlope: number;
  readonly dropout: number;
  readonly addSelfLoops: boolean;
  readonly edgeDim: number | null;
  readonly fillValue: number | "mean";
  readonly shareWeights: boolean;
  /** Θ_s (sources). */
  linL: Linear;
  /** Θ_t (targets); the same module as `linL` with `shareWeights`. */
  linR: Linear;
  att: Parameter;
  linEdge: Linear | null = null;
  bias: Parameter | null;
  private _alpha: Tensor | null = null;
  private readonly _edges = new AttentionEdges();

  constructor(inChannels: number | readonly [number, number], outChannels: number, opts: GATv2ConvOptions = {}) {
    super({ aggr: "sum" });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    const H = opts.heads ?? 1;
    this.heads = H;
    this.concat = opts.concat ?? true;
    this.negativeSlope = opts.negativeSlope ?? 0.2;
    this.dropout = opts.dropout ?? 0;
    this.addSelfLoops = opts.addSelfLoops ?? true;
    this.edgeDim = opts.edgeDim ?? null;
    this.fillValue = opts.fillValue ?? "mean";
    this.shareWeights = opts.shareWeights ?? false;
    const [inJ, inI] = typeof inChannels === "number" ? [inChannels, inChannels] : inChannels;
    const withBias = opts.bias ?? true;
    this.linL = graphLinear(inJ, H * outChannels, { bias: withBias, init: "glorot" });
    this.linR = this.shareWeights ? this.linL : graphLinear(inI, H * outChannels, { bias: withBias, init: "glorot" });
    this.att = new Parameter(glorotAtt(zeros([1, H, outChannels])));
    if (this.edgeDim !== null)
      this.linEdge = graphLinear(this.edgeDim, H * outChannels, { bias: false, init: "glorot" });
    this.bias = withBias ? new Parameter(zeros([this.concat ? H * outChannels : outChannels])) : null;
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
    let a: Tensor | null;
    let b: Tensor | null;
    if (Array.isArray(x)) [a, b] = x as readonly [Tensor | null, Tensor | null];
    else {
      check((x as Tensor).ndim === 2, "GATv2Conv", "x", "a 2-D tensor [N, inChannels]", fmtShape((x as Tensor).shape));
      a = x as Tensor;
      b = a;
    }
    check(a !== null && b !== null, "GATv2Conv", "x", "source and target features", "null");
    const xl = this.linL.forward(a).reshape(-1, H, C);
    const xr = b === a && this.shareWeights ? xl : this.linR.forward(b).reshape(-1, H, C);
    const Ns = xl.shape[0]!;
    const Nt = xr.shape[0]!;
    const raw = this.edgesOf(edgeIndex, null, Array.isArray(x) ? null : Ns).edgeIndex;
    const { edgeIndex: ei, edgeAttr: ea } = this._edges.prepare(
      "GATv2Conv",
      raw,
      edgeAttr,
      [Ns, Nt],
      this.addSelfLoops,
      this.fillValue,
    );
    let out = this.propagate(ei, { x: [xl, xr], edgeAttr: ea, size: [Ns, Nt] });
    out = this.concat ? out.reshape(-1, H * C) : mean(out, 1);
    if (this.bias !== null) out = add(out, this.bias);
    const alpha = this._alpha;
    this._alpha = null;
    return returnAttentionWeights ? [out, [ei, alpha!]] : out;
  }

  /** α [E, H] from the gathered source/target features. */
  private attention(xj: Tensor, xi: Tensor, edgeAttr: Tensor | undefined, ctx: PropagateContext): Tensor {
    let h = add(xj, xi);
    if (edgeAttr !== undefined && this.linEdge !== null)
      h = add(h, this.linEdge.forward(edgeAttr).reshape(-1, this.heads, this.outChannels));
    const logits = sum(mul(leakyRelu(h, this.negativeSlope), this.att), -1);
    let alpha = scatterSoftmax(logits, ctx.index, ctx.sizeI);
    this._alpha = alpha;
    if (this.dropout > 0 && this.training) alpha = fastDropout(alpha, this.dropout, true);
    return alpha;
  }

  override message(inputs: MessageInputs, ctx: PropagateContext): Tensor {
    const xj = inputs.x_j!;
    return mul(xj, this.attention(xj, inputs.x_i!, inputs.edgeAttr, ctx).unsqueeze(-1));
  }

  protected override supportsFusion(): boolean {
    return true;
  }

  /** As message + sum, with the weighted sum done per head by a sparse-dense product. */
  override messageAndAggregate(inputs: PropagateInputs, ctx: PropagateContext): Tensor {
    const [xl, xr] = inputs.x as readonly [Tensor, Tensor];
    const ea = inputs.edgeAttr;
    const alpha = this.attention(
      indexSelect(xl, 0, ctx.edgeIndexJ),
      indexSelect(xr, 0, ctx.edgeIndexI),
      ea instanceof Tensor ? ea : undefined,
      ctx,
    );
    return headwiseAggregate(ctx, alpha, xl);
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}, heads=${this.heads}`;
  }
}
