/**
 * FeaStConv (Verma, Boyer, Verbeek, "FeaStNet: Feature-Steered Graph Convolutions for 3D Shape
 * Analysis", CVPR 2018):
 *
 *   x'_i = (1/|N(i)|) Σ_{j ∈ N(i)} Σ_{h=1}^{H} q_h(x_i, x_j) W_h x_j + b,
 *   q_h(x_i, x_j) = softmax_h(u_hᵀ (x_j − x_i) + c_h)
 *
 * a soft assignment of every neighbour to H weight matrices, steered by the features themselves and
 * translation-invariant in feature space (it depends on x_j − x_i only). N(i) includes i itself
 * (`addSelfLoops`, default true). PyG's semantics and names: `lin` (W_h stacked, no bias), `u` (no
 * bias), `c` and `bias` (both drawn from N(0, 0.1²)), `heads`. Since u and W are linear and the mean
 * too, u is applied to the nodes and gathered per edge (u(x_j − x_i) = u(x)_j − u(x)_i), and W to
 * the nodes either before gathering (when F ≥ M) or after aggregating q ⊗ x_j (when F < M).
 */

import { addSelfLoops, removeSelfLoops } from "../../domains/graph/utils.js";
import { normal } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape, opError } from "../../tensor/errors.js";
import { add, mul, sub } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { softmax, sum } from "../../tensor/ops/reduce.js";
import { permute } from "../../tensor/ops/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  type MessageInputs,
  MessagePassing,
  type NodeInput,
  type PropagateContext,
  type PropagateInputs,
  sourceOf,
} from "../graphs/message_passing.js";
import { weightedAggregate } from "./weighted_aggregate.js";

/** Options of {@link FeaStConv}. */
export interface FeaStConvOptions {
  /** Number H of weight matrices (attention heads; default 1). */
  heads?: number;
  /** Let every node attend to itself (remove, then add self-loops; default true). */
  addSelfLoops?: boolean;
  /** Bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

const looped = new WeakMap<Tensor, { version: number; n: number; out: Tensor }>();

/** The edge index with self-loops replaced by one loop per target node (cached per tensor). */
function withSelfLoops(edgeIndex: Tensor, numNodes: number): Tensor {
  const hit = looped.get(edgeIndex);
  if (hit !== undefined && hit.version === edgeIndex.version && hit.n === numNodes) return hit.out;
  const out = addSelfLoops(removeSelfLoops(edgeIndex).edgeIndex, { numNodes }).edgeIndex;
  looped.set(edgeIndex, { version: edgeIndex.version, n: numNodes, out });
  return out;
}

/** Feature-steered graph convolution; see the file header. */
export class FeaStConv extends MessagePassing<[NodeInput, Tensor], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly heads: number;
  readonly addSelfLoops: boolean;
  /** W_1..W_H stacked: in → heads·out (no bias). */
  lin: Linear;
  /** u_1..u_H: in → heads (no bias). */
  u: Linear;
  /** c_h `[heads]`. */
  c: Parameter;
  bias: Parameter | null;
  /** Whether the current call aggregates q ⊗ x_j and applies W afterwards (see `forward`). */
  private _late = false;

  constructor(inChannels: number, outChannels: number, opts: FeaStConvOptions = {}) {
    super({ aggr: "mean" });
    const heads = opts.heads ?? 1;
    check(Number.isInteger(heads) && heads > 0, "FeaStConv", "heads", "a positive integer", String(heads));
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.heads = heads;
    this.addSelfLoops = opts.addSelfLoops ?? true;
    const dtype = opts.dtype ?? "float32";
    this.lin = new Linear(inChannels, heads * outChannels, { bias: false, dtype });
    this.u = new Linear(inChannels, heads, { bias: false, dtype });
    this.c = new Parameter(zeros([heads], { dtype }));
    normal(this.c, 0, 0.1);
    this.bias = null;
    if (opts.bias ?? true) {
      this.bias = new Parameter(zeros([outChannels], { dtype }));
      normal(this.bias, 0, 0.1);
    }
  }

  /**
   * @param x - node features `[N, inChannels]`, or a `[source, target]` pair.
   * @param edgeIndex - `[2, E]` int32 (row 0 sources j, row 1 targets i).
   */
  forward(x: NodeInput, edgeIndex: Tensor): Tensor {
    const op = "FeaStConv";
    const [xs, xt0] = Array.isArray(x) ? (x as readonly [Tensor | null, Tensor | null]) : [x as Tensor, x as Tensor];
    check(xs !== null, op, "x", "source features", "null");
    const xt = xt0 ?? xs;
    if (xs.ndim !== 2 || xs.shape[1] !== this.inChannels)
      opError(op, "x", `shape [N, ${this.inChannels}]`, fmtShape(xs.shape));
    if (!(edgeIndex instanceof Tensor)) opError(op, "edgeIndex", "an int32 tensor [2, E]", typeof edgeIndex);
    const ei = this.addSelfLoops ? withSelfLoops(edgeIndex, xt.shape[0]!) : edgeIndex;
    const [H, M, F] = [this.heads, this.outChannels, this.inChannels];
    // The mean is linear: Σ_h q_h W_h x_j can be aggregated as q ⊗ x_j (H·F per edge) with the W_h
    // applied to the nodes afterwards, fewer numbers per edge than W x_j (H·M) when F < M.
    this._late = F < M;
    const q = [this.u.forward(xs), this.u.forward(xt)] as const;
    let out: Tensor;
    if (this._late) {
      const agg = this.propagate(ei, { x: [xs, null], q, size: [xs.shape[0]!, xt.shape[0]!] });
      const w = permute(this.lin.weight.reshape([H, M, F]), [0, 2, 1]).reshape([H * F, M]);
      out = matmul(agg, w);
    } else {
      out = this.propagate(ei, { x: [this.lin.forward(xs), null], q, size: [xs.shape[0]!, xt.shape[0]!] });
    }
    return this.bias !== null ? add(out, this.bias) : out;
  }

  override message(inputs: MessageInputs): Tensor {
    const xj = inputs.x_j!;
    const E = xj.shape[0]!;
    const q = softmax(add(sub(inputs.q_j!, inputs.q_i!), this.c), 1); // [E, H]
    if (this._late) {
      const F = xj.shape[1]!;
      return mul(q.reshape([E, this.heads, 1]), xj.reshape([E, 1, F])).reshape([E, this.heads * F]);
    }
    return sum(mul(xj.reshape([E, this.heads, this.outChannels]), q.reshape([E, this.heads, 1])), 1);
  }

  protected override supportsFusion(): boolean {
    return this._late;
  }

  /** The late path as H sparse products weighted by the assignments (no `[E, H, F]` tensor). */
  override messageAndAggregate(inputs: PropagateInputs, ctx: PropagateContext): Tensor {
    const xs = sourceOf(inputs.x);
    const [qs, qt] = inputs.q as readonly [Tensor, Tensor];
    const q = softmax(add(sub(indexSelect(qs, 0, ctx.edgeIndexJ), indexSelect(qt, 0, ctx.edgeIndexI)), this.c), 1);
    return weightedAggregate(ctx, q, xs, true);
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, heads=${this.heads}`;
  }
}
