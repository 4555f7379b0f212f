/** `MLP`: a stack of Linear layers with normalisation, activation and dropout (like PyG's `MLP`). */
import { opError } from "../tensor/errors.js";
import { dropout } from "../tensor/ops/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { Activation, type ActivationSpec, activation, ReLU } from "./activation.js";
import { Identity, type LayerOptions, Linear } from "./linear.js";
import { Module, ModuleList } from "./module.js";
import { BatchNorm1d, LayerNorm } from "./normalization.js";

/** Normalisation choices of {@link MLP}. */
export type MLPNorm = "batchNorm" | "batch_norm" | "layerNorm" | "layer_norm" | null;

/** Options of {@link MLP}. */
export interface MLPOptions extends LayerOptions {
  /** Dropout after each layer: one probability for the hidden layers, or one per layer (default 0). */
  dropout?: number | number[];
  /** Activation: a name, a function or a module (default `relu`); null for none. */
  act?: ActivationSpec | string;
  /** Apply the activation before the normalisation (default false). */
  actFirst?: boolean;
  /** Normalisation after each hidden layer (default `batchNorm`, as in PyG); null for none. */
  norm?: MLPNorm;
  /** Linear layers learn biases: one flag for all, or one per layer (default true). */
  bias?: boolean | readonly boolean[];
  /** No normalisation, activation or dropout after the last layer (default true). */
  plainLast?: boolean;
}

/**
 * A multi-layer perceptron over `channels` = [in, hidden..., out] (at least 2 entries), like PyG's
 * `MLP(channel_list)`: each layer is Linear → (act) → norm → act → dropout, and the last layer is a
 * plain Linear when `plainLast`. With `norm: null` it is the plain `Linear → act → … → Linear` stack of
 * the atomistic models (`plainLast: false` puts the activation after the last layer too). Children: `lins` (a ModuleList of Linear) and `norms` (BatchNorm1d,
 * LayerNorm or Identity, one per hidden layer), so parameters are named `lins.0.weight`, `norms.0.bias`.
 */
export class MLP extends Module<[Tensor], Tensor> {
  readonly channels: number[];
  readonly dropouts: number[];
  readonly actFirst: boolean;
  readonly plainLast: boolean;
  lins: ModuleList<Linear>;
  norms: ModuleList<Module<[Tensor], Tensor>>;
  act: Module<[Tensor], Tensor> | null;

  constructor(channels: readonly number[], opts: MLPOptions = {}) {
    super();
    if (channels.length < 2 || !channels.every((c) => Number.isInteger(c) && c > 0)) {
      opError("MLP", "channels", "at least 2 positive integers [in, hidden..., out]", `[${channels.join(", ")}]`);
    }
    this.channels = [...channels];
    const nLayers = channels.length - 1;
    this.plainLast = opts.plainLast ?? true;
    this.actFirst = opts.actFirst ?? false;
    const p = opts.dropout ?? 0;
    if (Array.isArray(p)) {
      if (p.length !== nLayers) opError("MLP", "dropout", `${nLayers} probabilities (one per layer)`, `${p.length}`);
      this.dropouts = [...p];
    } else {
      this.dropouts = new Array<number>(nLayers).fill(p);
      if (this.plainLast) this.dropouts[nLayers - 1] = 0;
    }
    for (const q of this.dropouts)
      if (!(q >= 0 && q < 1)) opError("MLP", "dropout", "probabilities in [0, 1)", String(q));
    const bias = opts.bias ?? true;
    if (Array.isArray(bias) && bias.length !== nLayers)
      opError("MLP", "bias", `${nLayers} flags (one per layer)`, `${bias.length}`);
    this.lins = new ModuleList(
      Array.from(
        { length: nLayers },
        (_, i) =>
          new Linear(channels[i]!, channels[i + 1]!, {
            bias: typeof bias === "boolean" ? bias : bias[i]!,
            dtype: opts.dtype,
            generator: opts.generator,
          }),
      ),
    );
    const nNorms = this.plainLast ? nLayers - 1 : nLayers;
    const norm = opts.norm === undefined ? "batchNorm" : opts.norm;
    this.norms = new ModuleList(
      Array.from({ length: nNorms }, (_, i) => {
        const c = channels[i + 1]!;
        if (norm === "batchNorm" || norm === "batch_norm") return new BatchNorm1d(c, { dtype: opts.dtype });
        if (norm === "layerNorm" || norm === "layer_norm") return new LayerNorm(c, { dtype: opts.dtype });
        if (norm === null) return new Identity();
        return opError("MLP", "norm", "'batchNorm', 'layerNorm' or null", `'${norm}'`);
      }),
    );
    const act = opts.act === undefined ? "relu" : opts.act;
    this.act =
      act === null
        ? null
        : typeof act === "string"
          ? activation(act)
          : act instanceof Module
            ? act
            : new Activation(act);
  }

  /** Input channels. */
  get inChannels(): number {
    return this.channels[0]!;
  }

  /** Output channels. */
  get outChannels(): number {
    return this.channels[this.channels.length - 1]!;
  }

  /** Re-initialises the Linear layers and resets the norms' running statistics. */
  resetParameters(): void {
    for (const l of this.lins) l.resetParameters();
    for (const n of this.norms) if (n instanceof BatchNorm1d) n.resetRunningStats();
  }

  forward(x: Tensor): Tensor {
    const lins = this.lins.toArray();
    const norms = this.norms.toArray();
    const relu = !this.actFirst && this.act instanceof ReLU;
    for (let i = 0; i < norms.length; i++) {
      const nm = norms[i]!;
      if (relu && nm instanceof Identity) {
        x = lins[i]!.forwardAct(x, "relu"); // Linear and ReLU as one fused op
      } else if (relu && nm instanceof BatchNorm1d) {
        x = nm.forwardAct(lins[i]!.forward(x), true); // batch norm and ReLU as one fused op
      } else {
        x = lins[i]!.forward(x);
        if (this.act !== null && this.actFirst) x = this.act.forward(x);
        x = nm.forward(x);
        if (this.act !== null && !this.actFirst) x = this.act.forward(x);
      }
      x = dropout(x, this.dropouts[i]!, this.training);
    }
    if (this.plainLast) {
      x = lins[lins.length - 1]!.forward(x);
      x = dropout(x, this.dropouts[lins.length - 1]!, this.training);
    }
    return x;
  }

  override extraRepr(): string {
    return `[${this.channels.join(", ")}]`;
  }
}
