/**
 * GATConv (Veličković et al., "Graph Attention Networks", 2018):
 *
 *   x'_i = ‖_{h=1}^{H} Σ_{j ∈ N(i) ∪ {i}} α^h_ij Θ^h x_j      (mean over heads instead of ‖ when concat = false)
 *   α^h_ij = softmax_j( LeakyReLU( a^h_sᵀ Θ^h x_j + a^h_tᵀ Θ^h x_i [+ a^h_eᵀ Θ^h_e e_ij] ) )
 *
 * The attention logits are computed per node (N × H) and gathered per edge; the softmax runs over
 * the incoming edges of each target. `dropout` drops attention coefficients during training.
 */

import { checkNodeIds } from "../../domains/graph/graph.js";
import { addSelfLoops, edgeRows, makeEdgeIndex, removeSelfLoops } from "../../domains/graph/utils.js";
import { uniform as initUniform } from "../../nn/init.js";
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape, opError } from "../../tensor/errors.js";
import { add, leakyRelu, mul } from "../../tensor/ops/elementwise.js";
import { indexSelect, intTensor, reorderRows } from "../../tensor/ops/indexing.js";
import { fastDropout } from "../../tensor/ops/random.js";
import { mean, sum } from "../../tensor/ops/reduce.js";
import { scatterSoftmax } from "../../tensor/ops/scatter.js";
import { SparseMatrix, spmm } from "../../tensor/sparse.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  type MessageInputs,
  MessagePassing,
  type NodeInput,
  type PropagateContext,
  type PropagateInputs,
  sourceOf,
} from "./message_passing.js";

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
 * Edge preparation shared by the attention layers, cached per input edge index: optionally drop
 * the existing self loops and add one per node (of the first `numNodes` nodes; edge features of the
 * new loops are `fill` or the mean of the node's incoming edge features), then put the edges in
 * target-major order (sorted by target, then source), the storage order of the adjacency, so the
 * fused path needs no reordering of the attention coefficients.
 */
export class AttentionEdges {
  private memo: {
    src: Tensor;
    version: number;
    numNodes: number;
    sizes: string;
    loops: boolean;
    ei: Tensor;
    perm: Tensor;
  } | null = null;

  /**
   * The prepared edge index and edge features (differentiable in `edgeAttr`). Node ids are checked
   * against `size` ([sources, targets]) on the edge index as given, so an error names the caller's
   * edge position, not one after the self loops and the sort.
   */
  prepare(
    op: string,
    edgeIndex: Tensor,
    edgeAttr: Tensor | null,
    size: readonly [number, number],
    addLoops: boolean,
    fill: number | "mean",
  ): { edgeIndex: Tensor; edgeAttr: Tensor | null } {
    const numNodes = Math.min(size[0], size[1]);
    let m = this.memo;
    if (
      m === null ||
      m.src !== edgeIndex ||
      m.version !== edgeIndex.version ||
      m.numNodes !== numNodes ||
      m.sizes !== `${size[0]},${size[1]}` ||
      m.loops !== addLoops
    ) {
      const given = edgeRows(op, edgeIndex);
      checkNodeIds(op, "edgeIndex[0] (sources)", given.src, size[0], "edge");
      checkNodeIds(op, "edgeIndex[1] (targets)", given.dst, size[1], "edge");
      const ei = addLoops ? addSelfLoops(removeSelfLoops(edgeIndex).edgeIndex, { numNodes }).edgeIndex : edgeIndex;
      const { src, dst, numEdges } = edgeRows("attention", ei);
      const order = Array.from({ length: numEdges }, (_, e) => e);
      order.sort((a, b) => dst[a]! - dst[b]! || src[a]! - src[b]! || a - b);
      const perm = Int32Array.from(order);
      const s2 = new Int32Array(numEdges);
      const d2 = new Int32Array(numEdges);
      for (let k = 0; k < numEdges; k++) {
        s2[k] = src[perm[k]!]!;
        d2[k] = dst[perm[k]!]!;
      }
      m = {
        src: edgeIndex,
        version: edgeIndex.version,
        numNodes,
        sizes: `${size[0]},${size[1]}`,
        loops: addLoops,
        ei: makeEdgeIndex(s2, d2),
        perm: intTensor(perm),
      };
      this.memo = m;
    }
    let attr: Tensor | null = null;
    if (edgeAttr !== null && edgeAttr !== undefined) {
      const E0 = edgeIndex.shape[1]!;
      check(
        edgeAttr.shape[0] === E0,
        "attention",
        "edgeAttr",
        `first axis ${E0} (one row per edge)`,
        fmtShape(edgeAttr.shape),
      );
      attr = edgeAttr;
      if (addLoops) {
        const r = removeSelfLoops(edgeIndex, edgeAttr);
        attr = addSelfLoops(r.edgeIndex, { edgeAttr: r.edgeAttr, fillValue: fill, numNodes }).edgeAttr!;
      }
      attr = indexSelect(attr, 0, m.perm);
    }
    return { edgeIndex: m.ei, edgeAttr: attr };
  }
}

/** The head-interleaved pattern of a pattern A for H heads, and where each of its values comes from. */
interface HeadPattern {
  /** Rows i·H + h, columns j·H + h: entry (i, j) of A once per head, heads of a row consecutive. */
  big: SparseMatrix;
  /** Stored entry q of `big` takes α[e, h] = α.flat[src[q]] (e the edge of A's entry, h its head). */
  src: Tensor;
  /** The inverse permutation: α.flat[k] goes to stored entry inv[k]. */
  inv: Tensor;
}

const headCache = new WeakMap<SparseMatrix, Map<number, HeadPattern>>();

/**
 * The pattern of A for H heads at once on node-major features: row i·H + h holds row i of A with
 * columns j·H + h, so `x` [N, H, C] is its dense operand as it lies ([N·H, C], no copy) and the
 * product is [N_target, H, C] as it lies. Cached per A and H.
 */
function headPattern(a: SparseMatrix, H: number): HeadPattern {
  let byH = headCache.get(a);
  if (byH === undefined) {
    byH = new Map();
    headCache.set(a, byH);
  }
  let hp = byH.get(H);
  if (hp === undefined) {
    const [R, C] = a.shape;
    const nnz = a.nnz;
    const perm = a.perm;
    const rowPtr = new Int32Array(H * R + 1);
    const col = new Int32Array(H * nnz);
    const src = new Int32Array(H * nnz);
    const inv = new Int32Array(H * nnz);
    let q = 0;
    for (let i = 0; i < R; i++) {
      const p0 = a.rowPtr[i]!;
      const p1 = a.rowPtr[i + 1]!;
      for (let h = 0; h < H; h++) {
        rowPtr[i * H + h] = q;
        for (let p = p0; p < p1; p++, q++) {
          col[q] = a.col[p]! * H + h;
          src[q] = perm[p]! * H + h;
          inv[src[q]!] = q;
        }
      }
    }
    rowPtr[H * R] = q;
    hp = {
      big: SparseMatrix.fromCsr(rowPtr, col, { shape: [H * R, H * C] }),
      src: intTensor(src),
      inv: intTensor(inv),
    };
    byH.set(H, hp);
  }
  return hp;
}

/**
 * Σ_j α^h_ij x^h_j for every head h at once: `alpha` [E, H] (edge order of the propagation), `x`
 * [N_source, H, C] → [N_target, H, C], as one sparse-dense product with the head-interleaved
 * adjacency (row i·H + h holds head h's coefficients of row i), so no [E, H, C] tensor is formed and
 * `x` and the result are used as they lie. Each output row sums its entries in the order of A's row,
 * as one product per head would.
 */
export function headwiseAggregate(ctx: PropagateContext, alpha: Tensor, x: Tensor): Tensor {
  const H = x.shape[1]!;
  const C = x.shape[2]!;
  const Ns = x.shape[0]!;
  const pattern = ctx.adjacency();
  if (H === 1) {
    const perm = pattern.perm;
    let identity = true;
    for (let p = 0; p < perm.length && identity; p++) if (perm[p] !== p) identity = false;
    const a = identity ? alpha : indexSelect(alpha, 0, intTensor(perm));
    return spmm(pattern.withValues(a.reshape(-1)), x.reshape(Ns, C)).reshape(-1, 1, C);
  }
  const hp = headPattern(pattern, H);
  const values = reorderRows(alpha.reshape(-1), hp.src, hp.inv);
  return spmm(hp.big.withValues(values), x.reshape(Ns * H, C)).reshape(ctx.sizeI, H, C);
}

/** Graph attention layer; see the file header. */
export class GATConv extends MessagePassing<
  [NodeInput | SparseMatrix, Tensor | SparseMatrix, (Tensor | null)?, boolean?],
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
  private readonly _edges = new AttentionEdges();

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
      this.lin = graphLinear(inChannels, H * outChannels, { bias: false, init: "glorot" });
    } else {
      this.linSrc = graphLinear(inChannels[0], H * outChannels, { bias: false, init: "glorot" });
      this.linDst = graphLinear(inChannels[1], H * outChannels, { bias: false, init: "glorot" });
    }
    this.attSrc = new Parameter(glorotAtt(zeros([1, H, outChannels])));
    this.attDst = new Parameter(glorotAtt(zeros([1, H, outChannels])));
    if (this.edgeDim !== null) {
      this.linEdge = graphLinear(this.edgeDim, H * outChannels, { bias: false, init: "glorot" });
      this.attEdge = new Parameter(glorotAtt(zeros([1, H, outChannels])));
    }
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([this.concat ? H * outChannels : outChannels])) : null;
  }

  /**
   * @param x - node features [N, inChannels] (dense, or a SparseMatrix) or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param edgeAttr - edge features [E, edgeDim] (with `edgeDim`).
   * @param returnAttentionWeights - also return `[edgeIndex, alpha]`.
   */
  forward(
    x: NodeInput | SparseMatrix,
    edgeIndex: Tensor | SparseMatrix,
    edgeAttr?: Tensor | null,
    returnAttentionWeights?: false,
  ): Tensor;
  forward(
    x: NodeInput | SparseMatrix,
    edgeIndex: Tensor | SparseMatrix,
    edgeAttr: Tensor | null | undefined,
    returnAttentionWeights: true,
  ): AttentionOutput;
  forward(
    x: NodeInput | SparseMatrix,
    edgeIndex: Tensor | SparseMatrix,
    edgeAttr: Tensor | null = null,
    returnAttentionWeights = false,
  ): Tensor | AttentionOutput {
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
      if (this.lin === null)
        opError("GATConv", "x", "a [source, target] pair (the layer was built with two input sizes)", "a SparseMatrix");
      xs = this.lin.forward(x).reshape(-1, H, C);
      xt = xs;
    } else {
      const xx = x as Tensor;
      check(xx.ndim === 2, "GATConv", "x", "a 2-D tensor [N, inChannels]", fmtShape(xx.shape));
      if (this.lin === null)
        opError("GATConv", "x", "a [source, target] pair (the layer was built with two input sizes)", "one tensor");
      xs = this.lin.forward(xx).reshape(-1, H, C);
      xt = xs;
    }
    const alphaSrc = sum(mul(xs, this.attSrc), -1);
    const alphaDst = xt === null ? null : sum(mul(xt, this.attDst), -1);
    const Ns = xs.shape[0]!;
    const Nt = xt?.shape[0] ?? Ns;
    const raw = this.edgesOf(edgeIndex, null, Array.isArray(x) ? null : Ns).edgeIndex;
    const { edgeIndex: ei, edgeAttr: ea } = this._edges.prepare(
      "GATConv",
      raw,
      edgeAttr,
      [Ns, Nt],
      this.addSelfLoops,
      this.fillValue,
    );
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

  /** α [E, H] from the gathered logits (softmax over each target's edges, dropout in training). */
  private attention(
    alphaJ: Tensor,
    alphaI: Tensor | undefined,
    edgeAttr: Tensor | undefined,
    ctx: PropagateContext,
  ): Tensor {
    let logits = alphaI === undefined ? alphaJ : add(alphaJ, alphaI);
    if (edgeAttr !== undefined && this.linEdge !== null && this.attEdge !== null) {
      const e = this.linEdge.forward(edgeAttr).reshape(-1, this.heads, this.outChannels);
      logits = add(logits, sum(mul(e, this.attEdge), -1));
    }
    let alpha = scatterSoftmax(leakyRelu(logits, this.negativeSlope), ctx.index, ctx.sizeI);
    this._alpha = alpha;
    if (this.dropout > 0 && this.training) alpha = fastDropout(alpha, this.dropout, true);
    return alpha;
  }

  override message(inputs: MessageInputs, ctx: PropagateContext): Tensor {
    const alpha = this.attention(inputs.alpha_j!, inputs.alpha_i, inputs.edgeAttr, ctx);
    return mul(inputs.x_j!, alpha.unsqueeze(-1));
  }

  protected override supportsFusion(): boolean {
    return true;
  }

  /** The same as message + sum, with α·x_j summed per head by a sparse-dense product (no [E, H, C] tensors). */
  override messageAndAggregate(inputs: PropagateInputs, ctx: PropagateContext): Tensor {
    const [aSrc, aDst] = inputs.alpha as readonly [Tensor, Tensor | null];
    const ea = inputs.edgeAttr;
    const alpha = this.attention(
      indexSelect(aSrc, 0, ctx.edgeIndexJ),
      aDst === null ? undefined : indexSelect(aDst, 0, ctx.edgeIndexI),
      ea instanceof Tensor ? ea : undefined,
      ctx,
    );
    return headwiseAggregate(ctx, alpha, sourceOf(inputs.x));
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}, heads=${this.heads}`;
  }
}
