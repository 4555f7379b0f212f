/**
 * Set Transformer blocks (Lee et al., "Set Transformer: A Framework for Attention-based
 * Permutation-Invariant Neural Networks", 2019), on padded batches [B, N, C] with masks:
 *
 *   MAB(X, Y) = LN(H + ReLU(H W + b)),   H = LN(X + Multihead(X, Y, Y))
 *   SAB(X)    = MAB(X, X)                                           (permutation equivariant)
 *   ISAB(X)   = MAB(X, MAB(I, X))        with m learnt inducing points I
 *   PMA(X)    = MAB(S, ReLU(X W + b))    with k learnt seed vectors S  (permutation invariant)
 *
 * {@link SetTransformerAggregation} runs encoder SABs, PMA and decoder SABs on the sets given by a
 * `batch`/index vector and returns one vector per set (PyG's `SetTransformerAggregation`).
 */
import { xavierUniform } from "../../nn/init.js";
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { Module, ModuleList, Parameter } from "../../nn/module.js";
import { LayerNorm } from "../../nn/normalization.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape } from "../../tensor/errors.js";
import { add, logicalNot, mul, relu } from "../../tensor/ops/elementwise.js";
import { mean } from "../../tensor/ops/reduce.js";
import type { Tensor } from "../../tensor/tensor.js";
import { Aggregation } from "./aggregation.js";
import { toDenseBatch } from "./dense_batch.js";
import { MultiheadAttention } from "./multihead_attention.js";

/** Options of the Set Transformer blocks. */
export interface SetBlockOptions {
  /** Attention heads (default 1). */
  heads?: number;
  /** Layer normalisation after both residuals (default true). */
  layerNorm?: boolean;
  /** Attention dropout (default 0). */
  dropout?: number;
}

/** The multihead attention block MAB(X, Y); masks are [B, N] bool, true at real elements. */
export class MultiheadAttentionBlock extends Module<[Tensor, Tensor, (Tensor | null)?, (Tensor | null)?], Tensor> {
  readonly channels: number;
  attn: MultiheadAttention;
  lin: Linear;
  layerNorm1: LayerNorm | null;
  layerNorm2: LayerNorm | null;

  constructor(channels: number, opts: SetBlockOptions = {}) {
    super();
    this.channels = channels;
    this.attn = new MultiheadAttention(channels, opts.heads ?? 1, { dropout: opts.dropout ?? 0 });
    this.lin = graphLinear(channels, channels);
    const ln = opts.layerNorm ?? true;
    this.layerNorm1 = ln ? new LayerNorm(channels) : null;
    this.layerNorm2 = ln ? new LayerNorm(channels) : null;
  }

  /**
   * @param x - queries [B, Nx, C]; @param y - keys/values [B, Ny, C].
   * @param xMask - [B, Nx] bool (padded query rows are zeroed before the residual).
   * @param yMask - [B, Ny] bool (padded keys are ignored).
   */
  forward(x: Tensor, y: Tensor, xMask: Tensor | null = null, yMask: Tensor | null = null): Tensor {
    let [out] = this.attn.forward(x, y, y, { keyPaddingMask: yMask === null ? null : logicalNot(yMask) });
    if (xMask !== null) out = mul(out, xMask.cast(out.dtype).unsqueeze(-1));
    out = add(out, x);
    if (this.layerNorm1 !== null) out = this.layerNorm1.forward(out);
    out = add(out, relu(this.lin.forward(out)));
    if (this.layerNorm2 !== null) out = this.layerNorm2.forward(out);
    return out;
  }
}

/** SAB(X) = MAB(X, X): self-attention over a set (equivariant). */
export class SetAttentionBlock extends Module<[Tensor, (Tensor | null)?], Tensor> {
  mab: MultiheadAttentionBlock;
  constructor(channels: number, opts: SetBlockOptions = {}) {
    super();
    this.mab = new MultiheadAttentionBlock(channels, opts);
  }
  /** @param x - [B, N, C]; @param mask - [B, N] bool. */
  forward(x: Tensor, mask: Tensor | null = null): Tensor {
    return this.mab.forward(x, x, mask, mask);
  }
}

/** ISAB(X) = MAB(X, MAB(I, X)) with `numInducedPoints` learnt points (linear in the set size). */
export class InducedSetAttentionBlock extends Module<[Tensor, (Tensor | null)?], Tensor> {
  /** Inducing points I [1, m, C]. */
  ind: Parameter;
  mab1: MultiheadAttentionBlock;
  mab2: MultiheadAttentionBlock;
  constructor(channels: number, numInducedPoints: number, opts: SetBlockOptions = {}) {
    super();
    this.ind = new Parameter(xavierUniform(zeros([1, numInducedPoints, channels])));
    this.mab1 = new MultiheadAttentionBlock(channels, opts);
    this.mab2 = new MultiheadAttentionBlock(channels, opts);
  }
  /** @param x - [B, N, C]; @param mask - [B, N] bool. */
  forward(x: Tensor, mask: Tensor | null = null): Tensor {
    const B = x.shape[0]!;
    const ind = this.ind.cast(x.dtype).expand([B, -1, -1]);
    const h = this.mab1.forward(ind, x, null, mask);
    return this.mab2.forward(x, h, mask, null);
  }
}

/** PMA(X) = MAB(S, ReLU(lin(X))) with `numSeedPoints` learnt seeds: [B, N, C] → [B, k, C] (invariant). */
export class PoolingByMultiheadAttention extends Module<[Tensor, (Tensor | null)?], Tensor> {
  lin: Linear;
  /** Seed vectors S [1, k, C]. */
  seedPoints: Parameter;
  mab: MultiheadAttentionBlock;
  constructor(channels: number, numSeedPoints = 1, opts: SetBlockOptions = {}) {
    super();
    this.lin = graphLinear(channels, channels);
    this.seedPoints = new Parameter(xavierUniform(zeros([1, numSeedPoints, channels])));
    this.mab = new MultiheadAttentionBlock(channels, opts);
  }
  /** @param x - [B, N, C]; @param mask - [B, N] bool. */
  forward(x: Tensor, mask: Tensor | null = null): Tensor {
    const B = x.shape[0]!;
    const h = relu(this.lin.forward(x));
    return this.mab.forward(this.seedPoints.cast(x.dtype).expand([B, -1, -1]), h, null, mask);
  }
}

/** Short names as in the paper. */
export {
  InducedSetAttentionBlock as ISAB,
  MultiheadAttentionBlock as MAB,
  PoolingByMultiheadAttention as PMA,
  SetAttentionBlock as SAB,
};

/** Options of {@link SetTransformerAggregation}. */
export interface SetTransformerAggregationOptions extends SetBlockOptions {
  /** Seeds of the PMA (default 1). */
  numSeedPoints?: number;
  /** SABs before pooling (default 1). */
  numEncoderBlocks?: number;
  /** SABs after pooling (default 1). */
  numDecoderBlocks?: number;
  /** Concatenate the seed outputs (default true) or average them. */
  concat?: boolean;
}

/** Set Transformer readout over the sets of an index/batch vector: [N, C] → [B, k·C] (or [B, C]). */
export class SetTransformerAggregation extends Aggregation {
  readonly channels: number;
  readonly numSeedPoints: number;
  readonly concat: boolean;
  encoders: ModuleList<SetAttentionBlock>;
  pma: PoolingByMultiheadAttention;
  decoders: ModuleList<SetAttentionBlock>;

  constructor(channels: number, opts: SetTransformerAggregationOptions = {}) {
    super();
    const o: SetBlockOptions = {
      heads: opts.heads ?? 1,
      layerNorm: opts.layerNorm ?? false,
      dropout: opts.dropout ?? 0,
    };
    this.channels = channels;
    this.numSeedPoints = opts.numSeedPoints ?? 1;
    this.concat = opts.concat ?? true;
    this.encoders = new ModuleList(
      Array.from({ length: opts.numEncoderBlocks ?? 1 }, () => new SetAttentionBlock(channels, o)),
    );
    this.pma = new PoolingByMultiheadAttention(channels, this.numSeedPoints, o);
    this.decoders = new ModuleList(
      Array.from({ length: opts.numDecoderBlocks ?? 1 }, () => new SetAttentionBlock(channels, o)),
    );
  }

  /**
   * @param x - elements [N, C].
   * @param index - set of each element [N] int32.
   * @param dimSize - number of sets.
   */
  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    check(
      x.ndim === 2 && x.shape[1] === this.channels,
      "SetTransformerAggregation",
      "x",
      `shape [N, ${this.channels}]`,
      fmtShape(x.shape),
    );
    const { x: dense, mask } = toDenseBatch(x, index, { batchSize: dimSize });
    let h = dense;
    for (const enc of this.encoders) h = enc.forward(h, mask);
    h = this.pma.forward(h, mask);
    for (const dec of this.decoders) h = dec.forward(h);
    return this.concat ? h.reshape(dimSize, -1) : mean(h, 1);
  }

  override outChannels(inChannels: number): number {
    return this.concat ? inChannels * this.numSeedPoints : inChannels;
  }
}
