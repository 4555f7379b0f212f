/**
 * APPNP (Gasteiger et al., "Predict then Propagate: Graph Neural Networks meet Personalized PageRank", 2019):
 *
 *   X^(0) = X,    X^(k) = (1 − α) · D̂^{-1/2} Â D̂^{-1/2} X^(k−1) + α · X^(0),    X' = X^(K)
 *
 * a parameter-free propagation (Â = A + I) usually placed after an MLP. `dropout` drops normalised
 * edge weights at every step during training (as PyG's `dropout`).
 */

import { GCNNormCache } from "../../domains/graph/normalization.js";
import { add, mul } from "../../tensor/ops/elementwise.js";
import { fastDropout } from "../../tensor/ops/random.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import { MessagePassing } from "./message_passing.js";

/** Options of {@link APPNP}. */
export interface APPNPOptions {
  /** Dropout probability of the edges during training (default 0). */
  dropout?: number;
  /** Reuse the normalised adjacency of the first call (default false). */
  cached?: boolean;
  /** Add self loops (default true). */
  addSelfLoops?: boolean;
  /** Apply the symmetric normalisation (default true). */
  normalize?: boolean;
}

/** Personalised-PageRank propagation; see the file header. */
export class APPNP extends MessagePassing<[Tensor, Tensor | SparseMatrix, (Tensor | null)?], Tensor> {
  /** Messages are x_j scaled by the per-edge weight `edgeWeight`. */
  protected override edgeWeightKey: string | null = "edgeWeight";
  readonly K: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly addSelfLoops: boolean;
  readonly normalize: boolean;
  private _norm: GCNNormCache;

  /**
   * @param K - number of propagation steps.
   * @param alpha - teleport (restart) probability α.
   */
  constructor(K: number, alpha: number, opts: APPNPOptions = {}) {
    super({ aggr: "sum" });
    this.K = K;
    this.alpha = alpha;
    this.dropout = opts.dropout ?? 0;
    this.addSelfLoops = opts.addSelfLoops ?? true;
    this.normalize = opts.normalize ?? true;
    this._norm = new GCNNormCache({
      cached: opts.cached ?? false,
      addSelfLoops: this.addSelfLoops,
      normalize: this.normalize,
      flow: this.flow,
    });
  }

  /**
   * @param x - node features [N, F].
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param edgeWeight - optional [E] edge weights.
   */
  forward(x: Tensor, edgeIndex: Tensor | SparseMatrix, edgeWeight: Tensor | null = null): Tensor {
    const N = x.shape[0]!;
    const { edgeIndex: ei, edgeWeight: w } = this.edgesOf(edgeIndex, edgeWeight, N);
    const norm = this._norm.get(ei, w, N, x.dtype === "float64" ? "float64" : "float32");
    const h0 = x;
    let h = x;
    for (let k = 0; k < this.K; k++) {
      let ew = norm.edgeWeight;
      if (this.dropout > 0 && this.training) ew = fastDropout(ew, this.dropout, true);
      h = this.propagate(norm.edgeIndex, { x: h, edgeWeight: ew, size: [N, N] });
      h = add(mul(h, 1 - this.alpha), mul(h0, this.alpha));
    }
    return h;
  }

  protected override supportsFusion(): boolean {
    return true;
  }

  override extraRepr(): string {
    return `K=${this.K}, alpha=${this.alpha}`;
  }
}
