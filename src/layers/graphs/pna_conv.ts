/**
 * PNAConv (Corso et al., "Principal Neighbourhood Aggregation for Graph Nets", 2020):
 *
 *   x'_i = γ( x_i ‖ ⨁_{j ∈ N(i)} h_Θ(x_i ‖ x_j [‖ e_ji]) ),
 *   ⨁ = [identity, amplification, attenuation, linear, inverse_linear, exponential] ⊗ [mean, min, max, std, var, sum]
 *
 * where each scaler multiplies the aggregated messages by a function of the node degree d
 * (clamped to ≥ 1) relative to the training-set averages δ_lin = E[d] and δ_log = E[log(d + 1)]
 * read from a degree histogram: amplification log(d+1)/δ_log, attenuation δ_log/log(d+1),
 * linear d/δ_lin, inverse_linear δ_lin/d, exponential exp(d/δ_lin). Features may be split into
 * `towers` groups with their own pre (h_Θ) and post (γ) networks.
 */

import { Activation, type ActivationSpec, resolveActivation } from "../../nn/activation.js";
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { ModuleList, Sequential } from "../../nn/module.js";
import { tensor } from "../../tensor/creation.js";
import { check, fmtShape, opError } from "../../tensor/errors.js";
import { exp, log, mul, reciprocal } from "../../tensor/ops/elementwise.js";
import { concat } from "../../tensor/ops/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { Aggregation, type AggregationName, MultiAggregation } from "./aggregation.js";
import { type MessageInputs, MessagePassing, type PropagateContext } from "./message_passing.js";

/** Degree scalers of PNA. */
export type PNAScaler = "identity" | "amplification" | "attenuation" | "linear" | "inverse_linear" | "exponential";

/**
 * Multi-aggregation followed by degree scalers (PyG's `DegreeScalerAggregation`). `deg` is a
 * histogram: `deg[d]` = number of (training) nodes with in-degree d.
 */
export class DegreeScalerAggregation extends Aggregation {
  aggr: MultiAggregation;
  readonly scalers: readonly PNAScaler[];
  readonly avgDegLin: number;
  readonly avgDegLog: number;

  constructor(aggregators: readonly (AggregationName | Aggregation)[], scalers: readonly PNAScaler[], deg: Tensor) {
    super();
    this.aggr = new MultiAggregation(aggregators);
    const valid = ["identity", "amplification", "attenuation", "linear", "inverse_linear", "exponential"];
    for (const s of scalers)
      if (!valid.includes(s))
        opError("DegreeScalerAggregation", "scalers", `entries among ${valid.join(", ")}`, `'${s}'`);
    if (scalers.length === 0) opError("DegreeScalerAggregation", "scalers", "at least one scaler", "an empty list");
    this.scalers = [...scalers];
    check(
      deg.ndim === 1 && deg.size > 0,
      "DegreeScalerAggregation",
      "deg",
      "a non-empty 1-D degree histogram",
      fmtShape(deg.shape),
    );
    let n = 0;
    let lin = 0;
    let lg = 0;
    for (let d = 0; d < deg.size; d++) {
      const c = deg.data[d]!;
      n += c;
      lin += d * c;
      lg += Math.log(d + 1) * c;
    }
    check(n > 0, "DegreeScalerAggregation", "deg", "a histogram with at least one node", "all zeros");
    this.avgDegLin = lin / n;
    this.avgDegLog = lg / n;
  }

  forward(x: Tensor, index: Tensor, dimSize: number): Tensor {
    const out = this.aggr.forward(x, index, dimSize);
    const cnt = new Float64Array(dimSize);
    const idx = index.data as Int32Array;
    for (let e = 0; e < idx.length; e++) cnt[idx[e]!]! += 1;
    const shape = [dimSize, ...new Array<number>(out.ndim - 1).fill(1)];
    const degArr = Array.from(cnt, (c) => Math.max(c, 1));
    const deg = tensor(degArr, { dtype: out.dtype }).reshape(shape);
    const outs = this.scalers.map((s) => {
      switch (s) {
        case "identity":
          return out;
        case "amplification":
          return mul(out, mul(log(deg.add(1)), 1 / this.avgDegLog));
        case "attenuation":
          return mul(out, mul(reciprocal(log(deg.add(1))), this.avgDegLog));
        case "linear":
          return mul(out, mul(deg, 1 / this.avgDegLin));
        case "inverse_linear":
          return mul(out, mul(reciprocal(deg), this.avgDegLin));
        default:
          return mul(out, exp(mul(deg, 1 / this.avgDegLin)));
      }
    });
    return outs.length === 1 ? outs[0]! : concat(outs, -1);
  }

  override outChannels(inChannels: number): number {
    return this.aggr.outChannels(inChannels) * this.scalers.length;
  }
}

/** Options of {@link PNAConv}. */
export interface PNAConvOptions {
  /** Edge feature size (edges are encoded to the tower input size). */
  edgeDim?: number | null;
  /** Number of towers (default 1); outChannels (and inChannels with `divideInput`) must be divisible by it. */
  towers?: number;
  /** Layers of each pre network h_Θ (default 1). */
  preLayers?: number;
  /** Layers of each post network γ (default 1). */
  postLayers?: number;
  /** Split the input features between towers instead of copying them (default false). */
  divideInput?: boolean;
  /** Activation between the layers of the pre/post networks (default relu). */
  act?: ActivationSpec;
}

/**
 * The in-degree histogram of a set of graphs (PyG's `PNAConv.get_degree_histogram`): `hist[d]` is the
 * number of nodes with in-degree d (targets in row 1 of each edge index).
 */
export function degreeHistogram(graphs: Iterable<{ edgeIndex: Tensor; numNodes: number }>): Tensor {
  const counts: number[] = [];
  for (const g of graphs) {
    const E = g.edgeIndex.shape[1]!;
    const d = g.edgeIndex.data as Int32Array;
    const deg = new Int32Array(g.numNodes);
    for (let e = 0; e < E; e++) deg[d[E + e]!]!++;
    for (const v of deg) {
      while (counts.length <= v) counts.push(0);
      counts[v]!++;
    }
  }
  return tensor(counts.length === 0 ? [0] : counts, { dtype: "int32" });
}

/** Principal neighbourhood aggregation; see the file header. */
export class PNAConv extends MessagePassing<[Tensor, Tensor, (Tensor | null)?], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly towers: number;
  readonly divideInput: boolean;
  readonly edgeDim: number | null;
  readonly fIn: number;
  readonly fOut: number;
  edgeEncoder: Linear | null;
  preNns: ModuleList<Sequential>;
  postNns: ModuleList<Sequential>;
  lin: Linear;

  /**
   * @param aggregators - e.g. `["mean", "min", "max", "std"]`.
   * @param scalers - e.g. `["identity", "amplification", "attenuation"]`.
   * @param deg - in-degree histogram of the training graphs ({@link degreeHistogram}).
   */
  constructor(
    inChannels: number,
    outChannels: number,
    aggregators: readonly (AggregationName | Aggregation)[],
    scalers: readonly PNAScaler[],
    deg: Tensor,
    opts: PNAConvOptions = {},
  ) {
    super({ aggr: new DegreeScalerAggregation(aggregators, scalers, deg) });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.towers = opts.towers ?? 1;
    this.divideInput = opts.divideInput ?? false;
    this.edgeDim = opts.edgeDim ?? null;
    if (this.divideInput)
      check(
        inChannels % this.towers === 0,
        "PNAConv",
        "inChannels",
        `a multiple of towers (${this.towers}) with divideInput`,
        String(inChannels),
      );
    check(
      outChannels % this.towers === 0,
      "PNAConv",
      "outChannels",
      `a multiple of towers (${this.towers})`,
      String(outChannels),
    );
    this.fIn = this.divideInput ? inChannels / this.towers : inChannels;
    this.fOut = outChannels / this.towers;
    this.edgeEncoder = this.edgeDim === null ? null : graphLinear(this.edgeDim, this.fIn);
    const act = resolveActivation(opts.act ?? "relu");
    const pre: Sequential[] = [];
    const post: Sequential[] = [];
    const nAgg = this.aggrModule.outChannels(1);
    for (let t = 0; t < this.towers; t++) {
      const p = new Sequential(graphLinear((this.edgeDim === null ? 2 : 3) * this.fIn, this.fIn));
      for (let l = 1; l < (opts.preLayers ?? 1); l++) p.push(new Activation(act), graphLinear(this.fIn, this.fIn));
      pre.push(p);
      const q = new Sequential(graphLinear((nAgg + 1) * this.fIn, this.fOut));
      for (let l = 1; l < (opts.postLayers ?? 1); l++) q.push(new Activation(act), graphLinear(this.fOut, this.fOut));
      post.push(q);
    }
    this.preNns = new ModuleList(pre);
    this.postNns = new ModuleList(post);
    this.lin = graphLinear(outChannels, outChannels);
  }

  /**
   * @param x - node features [N, inChannels].
   * @param edgeIndex - [2, E] int32.
   * @param edgeAttr - edge features [E, edgeDim] (with `edgeDim`).
   */
  forward(x: Tensor, edgeIndex: Tensor, edgeAttr: Tensor | null = null): Tensor {
    check(
      x.ndim === 2 && x.shape[1] === this.inChannels,
      "PNAConv",
      "x",
      `shape [N, ${this.inChannels}]`,
      fmtShape(x.shape),
    );
    const T = this.towers;
    const h = this.divideInput ? x.reshape(-1, T, this.fIn) : x.reshape(-1, 1, this.fIn).repeat([1, T, 1]);
    const agg = this.propagate(edgeIndex, { x: h, edgeAttr, size: [x.shape[0]!, x.shape[0]!] });
    const out = concat([h, agg], -1);
    const outs = this.postNns
      .toArray()
      .map((nn, t) => nn.forward(out.narrow(1, t, 1).reshape(out.shape[0]!, -1)) as Tensor);
    return this.lin.forward(outs.length === 1 ? outs[0]! : concat(outs, 1));
  }

  override message(inputs: MessageInputs, _ctx: PropagateContext): Tensor {
    const T = this.towers;
    const parts = [inputs.x_i!, inputs.x_j!];
    const ea = inputs.edgeAttr;
    if (ea !== undefined && this.edgeEncoder !== null) {
      parts.push(this.edgeEncoder.forward(ea).reshape(-1, 1, this.fIn).repeat([1, T, 1]));
    }
    const h = concat(parts, -1);
    const hs = this.preNns.toArray().map((nn, t) => nn.forward(h.narrow(1, t, 1).reshape(h.shape[0]!, -1)) as Tensor);
    return hs.length === 1
      ? hs[0]!.unsqueeze(1)
      : concat(
          hs.map((v) => v.unsqueeze(1)),
          1,
        );
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, towers=${this.towers}, edgeDim=${this.edgeDim}`;
  }
}
