/**
 * JumpingKnowledge (Xu et al., "Representation Learning on Graphs with Jumping Knowledge Networks", 2018):
 * combines the node representations of all layers x^(1..L):
 *
 *   cat:  x_i = x_i^(1) ‖ … ‖ x_i^(L)
 *   max:  x_i = max(x_i^(1), …, x_i^(L))                         (channel-wise)
 *   lstm: x_i = Σ_l α_i^(l) x_i^(l),  α_i = softmax_l( w ᵀ BiLSTM(x_i^(1..L)) )
 */
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { LSTMCell } from "../../nn/rnn.js";
import { check, opError } from "../../tensor/errors.js";
import { mul } from "../../tensor/ops/elementwise.js";
import { max, softmax, sum } from "../../tensor/ops/reduce.js";
import { concat, stack } from "../../tensor/ops/shape.js";
import type { Tensor } from "../../tensor/tensor.js";

/** Modes of {@link JumpingKnowledge}. */
export type JKMode = "cat" | "max" | "lstm";

/** Layer aggregation; see the file header. */
export class JumpingKnowledge extends Module<[readonly Tensor[]], Tensor> {
  readonly mode: JKMode;
  /** Forward and backward LSTM cells (`lstm` mode). */
  lstmFwd: LSTMCell | null = null;
  lstmBwd: LSTMCell | null = null;
  /** The attention scorer (`lstm` mode). */
  att: Linear | null = null;

  /**
   * @param mode - `cat`, `max` or `lstm`.
   * @param opts - `channels` and `numLayers` are needed for `lstm`.
   */
  constructor(mode: JKMode, opts: { channels?: number; numLayers?: number } = {}) {
    super();
    if (mode !== "cat" && mode !== "max" && mode !== "lstm")
      opError("JumpingKnowledge", "mode", "'cat', 'max' or 'lstm'", JSON.stringify(mode));
    this.mode = mode;
    if (mode === "lstm") {
      const { channels, numLayers } = opts;
      if (channels === undefined || numLayers === undefined)
        opError("JumpingKnowledge", "opts", "channels and numLayers for mode 'lstm'", "missing");
      const hidden = Math.max(1, Math.floor((numLayers * channels) / 2));
      this.lstmFwd = new LSTMCell(channels, hidden);
      this.lstmBwd = new LSTMCell(channels, hidden);
      this.att = graphLinear(2 * hidden, 1);
    }
  }

  /** @param xs - the L layer outputs, each [N, C]. */
  forward(xs: readonly Tensor[]): Tensor {
    check(xs.length > 0, "JumpingKnowledge", "xs", "at least one tensor", "an empty list");
    if (this.mode === "cat") return xs.length === 1 ? xs[0]! : concat(xs, -1);
    if (this.mode === "max") return xs.length === 1 ? xs[0]! : max(stack(xs, 0), 0);
    const L = xs.length;
    const fwd: Tensor[] = [];
    let s: [Tensor, Tensor] | null = null;
    for (let l = 0; l < L; l++) {
      s = this.lstmFwd!.forward(xs[l]!, s);
      fwd.push(s[0]);
    }
    const bwd: Tensor[] = new Array(L);
    s = null;
    for (let l = L - 1; l >= 0; l--) {
      s = this.lstmBwd!.forward(xs[l]!, s);
      bwd[l] = s[0];
    }
    const scores = stack(
      xs.map((_, l) => this.att!.forward(concat([fwd[l]!, bwd[l]!], -1)).reshape(-1)),
      1,
    ); // [N, L]
    const alpha = softmax(scores, -1);
    return sum(mul(stack(xs, 1), alpha.unsqueeze(-1)), 1);
  }

  override extraRepr(): string {
    return `mode=${this.mode}`;
  }
}
