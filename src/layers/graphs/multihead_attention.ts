/**
 * Multi-head attention (Vaswani et al., "Attention Is All You Need", 2017), batch-first, with
 * PyTorch's parameter layout (`inProjWeight` [3E, E], `inProjBias`, `outProj`):
 *
 *   head_h = softmax( (Q W_q^h)(K W_k^h)ᵀ / √d ) (V W_v^h),    out = (head_1 ‖ … ‖ head_H) W_o
 *
 * Keys marked in `keyPaddingMask` (true = ignore) get no attention. Used by the Set Transformer blocks.
 */
import { xavierUniform } from "../../nn/init.js";
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { Module, Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape } from "../../tensor/errors.js";
import { add, mul } from "../../tensor/ops/elementwise.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { fastDropout } from "../../tensor/ops/random.js";
import { mean, softmax } from "../../tensor/ops/reduce.js";
import { Tensor } from "../../tensor/tensor.js";

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights during training (default 0). */
  dropout?: number;
  /** Biases of the projections (default true). */
  bias?: boolean;
  /** Key feature size (default embedDim). */
  kdim?: number;
  /** Value feature size (default embedDim). */
  vdim?: number;
}

/** Options of {@link MultiheadAttention.forward}. */
export interface AttentionCallOptions {
  /** [B, Lk] bool: true where the key is padding (ignored). */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights averaged over heads [B, Lq, Lk] (default false). */
  needWeights?: boolean;
}

const MASKED = -1e9;

/** Batch-first multi-head attention; see the file header. */
export class MultiheadAttention extends Module<
  [Tensor, Tensor, Tensor, AttentionCallOptions?],
  [Tensor, Tensor | null]
> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly kdim: number;
  readonly vdim: number;
  /** Packed Q, K, V projections [3E, E] (when kdim = vdim = E). */
  inProjWeight: Parameter | null = null;
  qProjWeight: Parameter | null = null;
  kProjWeight: Parameter | null = null;
  vProjWeight: Parameter | null = null;
  inProjBias: Parameter | null;
  outProj: Linear;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    check(
      Number.isInteger(numHeads) && numHeads > 0 && embedDim % numHeads === 0,
      "MultiheadAttention",
      "numHeads",
      `a divisor of embedDim (${embedDim})`,
      String(numHeads),
    );
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = opts.dropout ?? 0;
    this.kdim = opts.kdim ?? embedDim;
    this.vdim = opts.vdim ?? embedDim;
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.inProjWeight = new Parameter(xavierUniform(zeros([3 * embedDim, embedDim])));
    } else {
      this.qProjWeight = new Parameter(xavierUniform(zeros([embedDim, embedDim])));
      this.kProjWeight = new Parameter(xavierUniform(zeros([embedDim, this.kdim])));
      this.vProjWeight = new Parameter(xavierUniform(zeros([embedDim, this.vdim])));
    }
    const bias = opts.bias ?? true;
    this.inProjBias = bias ? new Parameter(zeros([3 * embedDim])) : null;
    this.outProj = graphLinear(embedDim, embedDim, { bias });
    if (this.outProj.bias !== null) this.outProj.bias.data.fill(0);
  }

  private project(x: Tensor, which: 0 | 1 | 2): Tensor {
    const E = this.embedDim;
    const W =
      this.inProjWeight !== null
        ? this.inProjWeight.narrow(0, which * E, E)
        : [this.qProjWeight!, this.kProjWeight!, this.vProjWeight!][which]!;
    let y = matmul(x, W.t());
    if (this.inProjBias !== null) y = add(y, this.inProjBias.narrow(0, which * E, E));
    const [B, L] = x.shape as [number, number];
    return y.reshape(B, L, this.numHeads, this.headDim).permute(0, 2, 1, 3); // [B, H, L, d]
  }

  /**
   * @param query - [B, Lq, embedDim].
   * @param key - [B, Lk, kdim].
   * @param value - [B, Lk, vdim].
   * @returns `[out [B, Lq, embedDim], weights [B, Lq, Lk] | null]`.
   */
  forward(query: Tensor, key: Tensor, value: Tensor, opts: AttentionCallOptions = {}): [Tensor, Tensor | null] {
    check(
      query.ndim === 3 && query.shape[2] === this.embedDim,
      "MultiheadAttention",
      "query",
      `shape [B, Lq, ${this.embedDim}]`,
      fmtShape(query.shape),
    );
    check(
      key.ndim === 3 && key.shape[2] === this.kdim && key.shape[0] === query.shape[0],
      "MultiheadAttention",
      "key",
      `shape [${query.shape[0]}, Lk, ${this.kdim}]`,
      fmtShape(key.shape),
    );
    check(
      value.ndim === 3 && value.shape[2] === this.vdim && value.shape[1] === key.shape[1],
      "MultiheadAttention",
      "value",
      `shape [${key.shape[0]}, ${key.shape[1]}, ${this.vdim}]`,
      fmtShape(value.shape),
    );
    const [B, Lq] = query.shape as [number, number];
    const Lk = key.shape[1]!;
    const q = this.project(query, 0);
    const k = this.project(key, 1);
    const v = this.project(value, 2);
    let scores = mul(matmul(q, k.transpose(-2, -1)), 1 / Math.sqrt(this.headDim)); // [B, H, Lq, Lk]
    const pad = opts.keyPaddingMask ?? null;
    if (pad !== null) {
      check(
        pad.dtype === "bool" && pad.ndim === 2 && pad.shape[0] === B && pad.shape[1] === Lk,
        "MultiheadAttention",
        "keyPaddingMask",
        `a bool tensor [${B}, ${Lk}]`,
        `${pad.dtype} ${fmtShape(pad.shape)}`,
      );
      const biasArr = new (scores.dtype === "float64" ? Float64Array : Float32Array)(B * Lk);
      for (let i = 0; i < biasArr.length; i++) if (pad.data[i]) biasArr[i] = MASKED;
      scores = add(scores, new Tensor(biasArr, [B, 1, 1, Lk], scores.dtype));
    }
    let attn = softmax(scores, -1);
    const weights = opts.needWeights ? mean(attn, 1) : null;
    if (this.dropout > 0 && this.training) attn = fastDropout(attn, this.dropout, true);
    const heads = matmul(attn, v).permute(0, 2, 1, 3).reshape(B, Lq, this.embedDim);
    return [this.outProj.forward(heads), weights];
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}`;
  }
}
