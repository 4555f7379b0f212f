/**
 * GCNConv (Kipf & Welling, "Semi-Supervised Classification with Graph Convolutional Networks", 2017):
 *
 *   X' = D̂^{-1/2} Â D̂^{-1/2} X Θ + b,     Â = A + I (A + 2I when `improved`),  D̂_ii = Σ_j Â_ij
 *
 * i.e. x'_i = Θᵀ Σ_{j ∈ N(i) ∪ {i}} e_ji / √(d̂_j d̂_i) · x_j + b, with edge weights e_ji (default 1).
 * The normalisation is `gcnNorm` of the graph domain; the message is MessagePassing's weighted sum,
 * so `propagate` runs one cached sparse-dense product. The input may be a SparseMatrix of node
 * features (the linear map is then a sparse-dense product too).
 */

import { GCNNormCache } from "../../domains/graph/normalization.js";
import { glorot, zeros as initZeros } from "../../nn/init.js";
import type { Linear } from "../../nn/linear.js";
import { graphLinear, type LinearInput } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { add } from "../../tensor/ops/elementwise.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import { MessagePassing } from "./message_passing.js";

/** Options of {@link GCNConv}. */
export interface GCNConvOptions {
  /** Use Â = A + 2I (default false). */
  improved?: boolean;
  /** Compute the normalised adjacency once and reuse it for every later call (transductive; default false). */
  cached?: boolean;
  /** Add self loops (default true). */
  addSelfLoops?: boolean;
  /** Apply the symmetric normalisation (default true). */
  normalize?: boolean;
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/** Graph convolution of Kipf & Welling; see the file header for the equation. */
export class GCNConv extends MessagePassing<[LinearInput, Tensor | SparseMatrix, (Tensor | null)?], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly improved: boolean;
  readonly cached: boolean;
  readonly addSelfLoops: boolean;
  readonly normalize: boolean;
  /** The weight Θ (stored [outChannels, inChannels], as PyG's `lin.weight`). */
  lin: Linear;
  bias: Parameter | null;
  private _norm: GCNNormCache;
  /** Messages are x_j scaled by the normalised edge weight. */
  protected override edgeWeightKey: string | null = "edgeWeight";

  constructor(inChannels: number, outChannels: number, opts: GCNConvOptions = {}) {
    super({ aggr: "sum" });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.improved = opts.improved ?? false;
    this.cached = opts.cached ?? false;
    this.addSelfLoops = opts.addSelfLoops ?? true;
    this.normalize = opts.normalize ?? true;
    this.lin = graphLinear(inChannels, outChannels, { bias: false, init: "glorot" });
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outChannels])) : null;
    this._norm = new GCNNormCache({
      cached: this.cached,
      improved: this.improved,
      addSelfLoops: this.addSelfLoops,
      normalize: this.normalize,
      flow: this.flow,
    });
  }

  /** Re-initialises the parameters (Glorot weight, zero bias) and clears the cache. */
  resetParameters(): void {
    glorot(this.lin.weight);
    if (this.bias !== null) initZeros(this.bias);
    this._norm.clear();
  }

  /** Forgets the cached normalised adjacency (when `cached` is on). */
  clearCache(): void {
    this._norm.clear();
  }

  /**
   * @param x - node features [N, inChannels] (dense or a SparseMatrix).
   * @param edgeIndex - [2, E] int32, or a sparse adjacency in `adj_t` orientation (its values are edge weights).
   * @param edgeWeight - optional [E] edge weights.
   */
  forward(x: LinearInput, edgeIndex: Tensor | SparseMatrix, edgeWeight: Tensor | null = null): Tensor {
    const h = this.lin.forward(x);
    const N = h.shape[0]!;
    const { edgeIndex: ei, edgeWeight: w } = this.edgesOf(edgeIndex, edgeWeight, N);
    const norm = this._norm.get(ei, w, N, h.dtype as "float32" | "float64");
    let out = this.propagate(norm.edgeIndex, { x: h, edgeWeight: norm.edgeWeight, size: [N, N] });
    if (this.bias !== null) out = add(out, this.bias);
    return out;
  }

  protected override supportsFusion(): boolean {
    return this.aggr === "sum";
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}`;
  }
}
