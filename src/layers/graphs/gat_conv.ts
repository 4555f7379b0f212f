/**
 * GATConv (Veličković et al., "Graph Attention Networks", 2018):
 *
 *   x'_i = ‖_{h=1}^{H} Σ_{j ∈ N(i) ∪ {i}} α^h_ij Θ^h x_j      (mean over heads instead of ‖ when concat = false)
 *   α^h_ij = softmax_j( LeakyReLU( a^h_sᵀ Θ^h x_j + a^h_tᵀ Θ^h x_i [+ a^h_eᵀ Θ^h_e e_ij] ) )
 *
 * The attention logits are computed per node (N × H) and gathered per edge; the softmax runs over
 * the incoming edges of each target. `dropout` drops attention coefficients during training.
 */
import { uniform as initUniform } from "../../nn/init.js";
import type { Linear } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import {
  add,
  check,
  fmtShape,
  leakyRelu,
  mean,
  mul,
  opError,
  scatterSoftmax,
  SparseMatrix,
  sum,
  type Tensor,
  zeros,
} from "../../tensor/index.js";
import { edgesOf } from "./gcn_conv.js";
import { MessagePassing, type MessageInputs, type NodeInput, type PropagateContext } from "./message_passing.js";
import { addSelfLoops, fastDropout, linear, removeSelfLoops, selectEdges } from "./utils.js";

/** Options of {@link GATConv} and {@link GATv2Conv}. */
export interface GATConvOptions {
  /** Number of attention heads H (default 1). */
  heads?: number;
  /** Concatenate the heads (default true) or average them. */
  concat?: boolean;
  /** Slope of the LeakyReLU on the logits (default 0.2). */
  negativeSlope?: number;
  /** Dropout probability of the attention coefficients during training (default 0). */
  dropout?: number;
  /** Remove existing self loops and add one per node (default true). */
  addSelfLoops?: boolean;
  /** Edge feature size (enables edge features in the attention). */
  edgeDim?: number | null;
  /** Edge features of the added self loops: a number or `mean` of the incoming edges (default). */
  fillValue?: number | "mean";
  /** Bias (default true). */
  bias?: boolean;
}

/** `[out, [edgeIndex, alpha]]`: the output with the edge index actually used (self loops included) and α [E, H]. */
export type AttentionOutput = [Tensor, [Tensor, Tensor]];

/** Glorot-uniform for attention vectors of shape [1, H, C] (bound √(6/(H + C)), as PyG). */
export function glorotAtt(t: Tensor): Tensor {
  const a = t.shape[t.ndim - 2]!;
  const b = t.shape[t.ndim - 1]!;
  const bound = Math.sqrt(6 / (a + b));
  return initUniform(t, -bound, bound);
}

/**
 * Self-loop handling shared by the attention layers: drops the existing loops and adds one per
 * node (of the first min(numSources, numTargets) nodes), filling edge features with `fill`.
 */
export function withSelfLoops(edgeIndex: Tensor, edgeAttr: Tensor | null, numNodes: number, fill: number | "mean"): { edgeIndex: Tensor; edgeAttr: Tensor | null } {
  const E = edgeIndex.shape[1]!;
  const r = removeSelfLoops(edgeIndex);
  const attr = selectEdges(edgeAttr, r.kept, E);
  return addSelfLoops(r.edgeIndex, numNodes, attr, fill);
}

/** Graph attention layer; see the file header. */
export class GATConv extends MessagePassing<[NodeInput | SparseMatrix, Tensor | SparseMatrix, (Tensor | null)?, boolean?], Tensor | AttentionOutput> {
  readonly inChannels: number | readonly [number, number];
  readonly outChannels: number;
  readonly heads: number;
  readonly concat: boolean;
  readonly negativeSlope: number;
  readonly dropout: number;
  readonly addSelfLoops: boolean;
  readonly edgeDim: number | null;
  readonly fillValue: number | "mean";
  /** Shared Θ (when inChannels is a number). */
  lin: Linear | null = null;
  /** Θ for the sources and the targets (bipartite). */
  linSrc: Linear | null = null;
  linDst: Linear | null = null;
  attSrc: Parameter;
  attDst: Parameter;
  linEdge: Linear | null = null;
  attEdge: Parameter | null = null;
  bias: Parameter | null;
  private _alpha: Tensor | null = null;

  constructor(inChannels: number | readonly [number, number], outChannels: number, opts: GATConvOptions = {}) {
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
    if (typeof inChannels === "number") {
      this.lin = linear(inChannels, H * outChannels, { bias: false, init: "glorot" });
    } else {
      this.linSrc = linear(inChannels[0], H * outChannels, { bias: false, init: "glorot" });
      this.linDst = linear(inChannels[1], H * outChannels, { bias: false, init: "glorot" });
    }
    this.attSrc = new Parameter(glorotAtt(zeros([1, H, outChannels])));
    this.attDst = new Parameter(glorotAtt(zeros([1, H, outChannels])));
    if (this.edgeDim !== null) {
      this.linEdge = linear(this.edgeDim, H * outChannels, { bias: false, init: "glorot" });
      this.attEdge = new Parameter(glorotAtt(zeros([1, H, outChannels])));
    }
    this.bias = opts.bias ?? true ? new Parameter(zeros([this.concat ? H * outChannels : outChannels])) : null;
  }

  /**
   * @param x - node features [N, inChannels] (dense, or a SparseMatrix) or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param edgeAttr - edge features [E, edgeDim] (with `edgeDim`).
   * @param returnAttentionWeights - also return `[edgeIndex, alpha]`.
   */
  forward(x: NodeInput | SparseMatrix, edgeIndex: Tensor | SparseMatrix, edgeAttr?: Tensor | null, returnAttentionWeights?: false): Tensor;
  forward(x: NodeInput | SparseMatrix, edgeIndex: Tensor | SparseMatrix, edgeAttr: Tensor | null | undefined, returnAttentionWeights: true): AttentionOutput;
  forward(x: NodeInput | SparseMatrix, edgeIndex: Tensor | SparseMatrix, edgeAttr: Tensor | null = null, returnAttentionWeights = false): Tensor | AttentionOutput {
    const H = this.heads;
    const C = this.outChannels;
    let xs: Tensor;
    let xt: Tensor | null;
    if (Array.isArray(x)) {
      const [a, b] = x as readonly [Tensor | null, Tensor | null];
      check(a !== null, "GATConv", "x", "source features", "null");
      if (this.lin !== null) {
        xs = this.lin.forward(a).reshape(-1, H, C);
        xt = b === null ? null : this.lin.forward(b).reshape(-1, H, C);
      } else {
        xs = this.linSrc!.forward(a).reshape(-1, H, C);
        xt = b === null ? null : this.linDst!.forward(b).reshape(-1, H, C);
      }
    } else if (x instanceof SparseMatrix) {
      if (this.lin === null) opError("GATConv", "x", "a [source, target] pair (the layer was built with two input sizes)", "a SparseMatrix");
      xs = this.lin.forward(x).reshape(-1, H, C);
      xt = xs;
    } else {
      const xx = x as Tensor;
      check(xx.ndim === 2, "GATConv", "x", "a 2-D tensor [N, inChannels]", fmtShape(xx.shape));
      if (this.lin === null) opError("GATConv", "x", "a [source, target] pair (the layer was built with two input sizes)", "one tensor");
      xs = this.lin.forward(xx).reshape(-1, H, C);
      xt = xs;
    }
    const alphaSrc = sum(mul(xs, this.attSrc), -1);
    const alphaDst = xt === null ? null : sum(mul(xt, this.attDst), -1);
    const Ns = xs.shape[0]!;
    const Nt = xt?.shape[0] ?? Ns;
    let { edgeIndex: ei } = edgesOf("GATConv", edgeIndex, null, Array.isArray(x) ? null : Ns);
    let ea = edgeAttr;
    if (this.addSelfLoops) ({ edgeIndex: ei, edgeAttr: ea } = withSelfLoops(ei, ea, Math.min(Ns, Nt), this.fillValue));
    let out = this.propagate(ei, { x: [xs, xt], alpha: [alphaSrc, alphaDst], edgeAttr: ea, size: [Ns, Nt] });
    out = this.concat ? out.reshape(-1, H * C) : mean(out, 1);
    if (this.bias !== null) out = add(out, this.bias);
    if (returnAttentionWeights) {
      const alpha = this._alpha!;
      this._alpha = null;
      return [out, [ei, alpha]];
    }
    this._alpha = null;
    return out;
  }

  override message(inputs: MessageInputs, ctx: PropagateContext): Tensor {
    let logits = inputs.alpha_j!;
    const ai = inputs.alpha_i;
    if (ai !== undefined) logits = add(logits, ai);
    const ea = inputs.edgeAttr;
    if (ea !== undefined && this.linEdge !== null && this.attEdge !== null) {
      const e = this.linEdge.forward(ea).reshape(-1, this.heads, this.outChannels);
      logits = add(logits, sum(mul(e, this.attEdge), -1));
    }
    let alpha = scatterSoftmax(leakyRelu(logits, this.negativeSlope), ctx.index, ctx.sizeI);
    this._alpha = alpha;
    if (this.dropout > 0 && this.training) alpha = fastDropout(alpha, this.dropout, true);
    return mul(inputs.x_j!, alpha.unsqueeze(-1));
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}, heads=${this.heads}`;
  }
}
