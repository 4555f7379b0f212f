/**
 * GCN2Conv (Chen et al., "Simple and Deep Graph Convolutional Networks", GCNII, 2020):
 *
 *   X' = ( (1 − α) P̂ X + α X^(0) ) ( (1 − β) I + β Θ ),      P̂ = D̂^{-1/2} Â D̂^{-1/2},  Â = A + I
 *
 * with initial residual X^(0) (the first layer's input), β = log(θ/ℓ + 1) for layer ℓ (identity
 * mapping), or β = 1 when θ is not given. With `sharedWeights: false` the two terms get separate
 * maps: (1 − α) P̂ X ((1 − β) I + β Θ_1) + α X^(0) ((1 − β) I + β Θ_2).
 */

import { GCNNormCache } from "../../domains/graph/normalization.js";
import { glorot } from "../../nn/init.js";
import { Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape } from "../../tensor/errors.js";
import { add, mul } from "../../tensor/ops/elementwise.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import { MessagePassing } from "./message_passing.js";

/** Options of {@link GCN2Conv}. */
export interface GCN2ConvOptions {
  /** θ: strength of the identity mapping (β = log(θ/layer + 1)); needs `layer`. */
  theta?: number | null;
  /** The layer index ℓ ≥ 1 (with `theta`). */
  layer?: number | null;
  /** One Θ for both terms (default true). */
  sharedWeights?: boolean;
  /** Reuse the normalised adjacency of the first call (default false). */
  cached?: boolean;
  /** Add self loops (default true). */
  addSelfLoops?: boolean;
  /** Symmetric normalisation (default true). */
  normalize?: boolean;
}

/** The GCNII layer; see the file header. */
export class GCN2Conv extends MessagePassing<[Tensor, Tensor, Tensor | SparseMatrix, (Tensor | null)?], Tensor> {
  /** Messages are x_j scaled by the per-edge weight `edgeWeight`. */
  protected override edgeWeightKey: string | null = "edgeWeight";
  readonly channels: number;
  readonly alpha: number;
  readonly beta: number;
  readonly addSelfLoops: boolean;
  readonly normalize: boolean;
  weight1: Parameter;
  weight2: Parameter | null;
  private _norm: GCNNormCache;

  /**
   * @param channels - feature size (input = output).
   * @param alpha - strength α of the initial residual.
   */
  constructor(channels: number, alpha: number, opts: GCN2ConvOptions = {}) {
    super({ aggr: "sum" });
    this.channels = channels;
    this.alpha = alpha;
    const theta = opts.theta ?? null;
    const layer = opts.layer ?? null;
    if (theta !== null)
      check(layer !== null && layer >= 1, "GCN2Conv", "layer", "a layer index ≥ 1 when theta is given", String(layer));
    this.beta = theta !== null && layer !== null ? Math.log(theta / layer + 1) : 1;
    this.addSelfLoops = opts.addSelfLoops ?? true;
    this.normalize = opts.normalize ?? true;
    this.weight1 = new Parameter(glorot(zeros([channels, channels])));
    this.weight2 = (opts.sharedWeights ?? true) ? null : new Parameter(glorot(zeros([channels, channels])));
    this._norm = new GCNNormCache({
      cached: opts.cached ?? false,
      addSelfLoops: this.addSelfLoops,
      normalize: this.normalize,
      flow: this.flow,
    });
  }

  /**
   * @param x - node features [N, channels].
   * @param x0 - initial features X^(0) [≥N, channels] (its first N rows are used).
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param edgeWeight - optional [E] edge weights.
   */
  forward(x: Tensor, x0: Tensor, edgeIndex: Tensor | SparseMatrix, edgeWeight: Tensor | null = null): Tensor {
    const N = x.shape[0]!;
    check(
      x0.ndim === 2 && x0.shape[0]! >= N && x0.shape[1] === this.channels,
      "GCN2Conv",
      "x0",
      `shape [≥${N}, ${this.channels}]`,
      fmtShape(x0.shape),
    );
    const { edgeIndex: ei, edgeWeight: w } = this.edgesOf(edgeIndex, edgeWeight, N);
    const norm = this._norm.get(ei, w, N, x.dtype === "float64" ? "float64" : "float32");
    let h = this.propagate(norm.edgeIndex, { x, edgeWeight: norm.edgeWeight, size: [N, N] });
    h = mul(h, 1 - this.alpha);
    const r = mul(x0.shape[0] === N ? x0 : x0.narrow(0, 0, N), this.alpha);
    const b = this.beta;
    const map = (t: Tensor, W: Parameter) => add(mul(t, 1 - b), mul(t.matmul(W), b));
    if (this.weight2 === null) return map(add(h, r), this.weight1);
    return add(map(h, this.weight1), map(r, this.weight2));
  }

  protected override supportsFusion(): boolean {
    return true;
  }

  override extraRepr(): string {
    return `${this.channels}, alpha=${this.alpha}, beta=${this.beta}`;
  }
}
