/** `Embedding`: a lookup table of learned vectors. */
import { zeros } from "../tensor/creation.js";
import { opError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { embedding } from "./functional.js";
import { normal } from "./init.js";
import type { LayerOptions } from "./linear.js";
import { Module, Parameter } from "./module.js";

/** Options of {@link Embedding}. */
export interface EmbeddingOptions extends LayerOptions {
  /** This row is initialised to zeros and gets no gradient. */
  paddingIdx?: number;
}

/**
 * Rows of `weight` `[numEmbeddings, embeddingDim]` (initialised from N(0, 1)) looked up by an int32
 * index tensor of any shape (like `torch.nn.Embedding`).
 */
export class Embedding extends Module<[Tensor], Tensor> {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    if (!Number.isInteger(numEmbeddings) || numEmbeddings <= 0)
      opError("Embedding", "numEmbeddings", "a positive integer", String(numEmbeddings));
    if (!Number.isInteger(embeddingDim) || embeddingDim < 0)
      opError("Embedding", "embeddingDim", "a non-negative integer", String(embeddingDim));
    let pad = opts.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) {
        opError("Embedding", "paddingIdx", `an integer in [${-numEmbeddings}, ${numEmbeddings - 1}]`, String(pad));
      }
      if (pad < 0) pad += numEmbeddings;
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad;
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim], { dtype: opts.dtype ?? "float32" }));
    normal(this.weight, 0, 1, { generator: opts.generator });
    if (pad !== null) this.weight.data.fill(0, pad * embeddingDim, (pad + 1) * embeddingDim);
  }

  forward(index: Tensor): Tensor {
    return embedding(index, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ""}`;
  }
}
