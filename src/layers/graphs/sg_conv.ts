/**
 * SGConv (Wu et al., "Simplifying Graph Convolutional Networks", 2019):
 *
 *   X' = (D̂^{-1/2} Â D̂^{-1/2})^K X Θ + b,      Â = A + I
 *
 * With `cached` (transductive), the propagated features Ŝ^K X are computed once and reused, so
 * training is logistic regression on fixed features. Without it, Θ is applied first (the two orders
 * agree) so that a sparse X stays cheap.
 */

import { GCNNormCache } from "../../domains/graph/normalization.js";
import type { Linear } from "../../nn/linear.js";
import { graphLinear, type LinearInput } from "../../nn/linear.js";
import { noGrad } from "../../tensor/autograd.js";
import { add } from "../../tensor/ops/elementwise.js";
import { SparseMatrix, spmm } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import { MessagePassing } from "./message_passing.js";

/** Options of {@link SGConv}. */
export interface SGConvOptions {
  /** Number of propagation steps (default 1). */
  K?: number;
  /** Cache Ŝ^K X after the first call (default false). */
  cached?: boolean;
  /** Add self loops (default true). */
  addSelfLoops?: boolean;
  /** Bias (default true). */
  bias?: boolean;
}

/** The simple graph convolution; see the file header. */
export class SGConv extends MessagePassing<[LinearInput, Tensor | SparseMatrix, (Tensor | null)?], Tensor> {
  /** Messages are x_j scaled by the per-edge weight `edgeWeight`. */
  protected override edgeWeightKey: string | null = "edgeWeight";
  readonly inChannels: number;
  readonly outChannels: number;
  readonly K: number;
  readonly cached: boolean;
  readonly addSelfLoops: boolean;
  lin: Linear;
  private _norm: GCNNormCache;
  private _cachedX: Tensor | null = null;

  constructor(inChannels: number, outChannels: number, opts: SGConvOptions = {}) {
    super({ aggr: "sum" });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.K = opts.K ?? 1;
    this.cached = opts.cached ?? false;
    this.addSelfLoops = opts.addSelfLoops ?? true;
    this._norm = new GCNNormCache({ addSelfLoops: this.addSelfLoops, flow: this.flow });
    this.lin = graphLinear(inChannels, outChannels, { bias: opts.bias ?? true });
  }

  /** Forgets the cached Ŝ^K X. */
  clearCache(): void {
    this._cachedX = null;
    this._norm.clear();
  }

  /**
   * @param x - node features [N, inChannels] (dense or a SparseMatrix).
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param edgeWeight - optional [E] edge weights.
   */
  forward(x: LinearInput, edgeIndex: Tensor | SparseMatrix, edgeWeight: Tensor | null = null): Tensor {
    const N = x.shape[0]!;
    const { edgeIndex: ei, edgeWeight: w } = this.edgesOf(edgeIndex, edgeWeight, N);
    const dtype = (x instanceof SparseMatrix ? x.dtype : x.dtype) === "float64" ? "float64" : "float32";
    const norm = this._norm.get(ei, w, N, dtype);
    const prop = (h: Tensor) => {
      for (let k = 0; k < this.K; k++)
        h = this.propagate(norm.edgeIndex, { x: h, edgeWeight: norm.edgeWeight, size: [N, N] });
      return h;
    };
    if (this.cached) {
      if (this._cachedX === null || this._cachedX.shape[0] !== N) {
        this._cachedX = noGrad(() => prop(x instanceof SparseMatrix ? x.toDense() : x));
      }
      return this.lin.forward(this._cachedX);
    }
    const bias = this.lin.bias;
    const h = x instanceof SparseMatrix ? spmm(x, this.lin.weight.t()) : x.matmul(this.lin.weight.t());
    const out = prop(h);
    return bias === null || bias === undefined ? out : add(out, bias);
  }

  protected override supportsFusion(): boolean {
    return true;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, K=${this.K}`;
  }
}
