/**
 * NNConv, the edge-conditioned convolution (Gilmer et al., "Neural Message Passing for Quantum
 * Chemistry", 2017; Simonovsky & Komodakis, ECC, 2017):
 *
 *   x'_i = Θ x_i + ⊕_{j ∈ N(i)} x_j · h_Θ(e_ij)
 *
 * where h_Θ maps each edge's features to an [inChannels × outChannels] matrix (its output has
 * inChannels·outChannels features).
 */
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import type { Module } from "../../nn/module.js";
import { Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape } from "../../tensor/errors.js";
import { add } from "../../tensor/ops/elementwise.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { AggrSpec } from "./aggregation.js";
import { type MessageInputs, MessagePassing, type NodeInput, type PropagateContext } from "./message_passing.js";

/** Options of {@link NNConv}. */
export interface NNConvOptions {
  /** Aggregation (default `sum`). */
  aggr?: AggrSpec;
  /** Add Θ x_i (default true). */
  rootWeight?: boolean;
  /** Bias (default true). */
  bias?: boolean;
}

/** Edge-conditioned convolution; see the file header. */
export class NNConv extends MessagePassing<[NodeInput, Tensor, Tensor, (readonly [number, number] | null)?], Tensor> {
  readonly inChannels: number | readonly [number, number];
  readonly outChannels: number;
  /** h_Θ: edge features → inChannels·outChannels. */
  nn: Module<[Tensor], Tensor>;
  /** Θ on the root (no bias). */
  lin: Linear | null;
  bias: Parameter | null;

  constructor(
    inChannels: number | readonly [number, number],
    outChannels: number,
    nn: Module<[Tensor], Tensor>,
    opts: NNConvOptions = {},
  ) {
    super({ aggr: opts.aggr ?? "sum" });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.nn = nn;
    const inI = typeof inChannels === "number" ? inChannels : inChannels[1];
    this.lin = (opts.rootWeight ?? true) ? graphLinear(inI, outChannels, { bias: false }) : null;
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outChannels])) : null;
  }

  /**
   * @param x - node features [N, inChannels] or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32.
   * @param edgeAttr - edge features [E, D] (the input of `nn`).
   */
  forward(x: NodeInput, edgeIndex: Tensor, edgeAttr: Tensor, size: readonly [number, number] | null = null): Tensor {
    const [xs, xt] = Array.isArray(x) ? (x as readonly [Tensor | null, Tensor | null]) : [x as Tensor, x as Tensor];
    check(xs !== null, "NNConv", "x", "source features", "null");
    let out = this.propagate(edgeIndex, { x: [xs, xt], edgeAttr, size: size ?? [xs.shape[0]!, (xt ?? xs).shape[0]!] });
    if (this.lin !== null && xt !== null) out = add(out, this.lin.forward(xt));
    if (this.bias !== null) out = add(out, this.bias);
    return out;
  }

  override message(inputs: MessageInputs, ctx: PropagateContext): Tensor {
    const inJ = typeof this.inChannels === "number" ? this.inChannels : this.inChannels[0];
    const w = this.nn.forward(inputs.edgeAttr!);
    check(
      w.shape[0] === ctx.numEdges && w.size === ctx.numEdges * inJ * this.outChannels,
      "NNConv",
      "nn(edgeAttr)",
      `shape [${ctx.numEdges}, ${inJ * this.outChannels}]`,
      fmtShape(w.shape),
    );
    const W = w.reshape(-1, inJ, this.outChannels);
    return inputs.x_j!.unsqueeze(1).matmul(W).reshape(-1, this.outChannels);
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}, aggr=${this.aggr ?? "multi"}`;
  }
}
