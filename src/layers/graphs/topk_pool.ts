/**
 * Top-k graph pooling: keep the ⌈ratio·n_g⌉ highest-scoring nodes of each graph g, gate them by
 * their score, and keep the edges between kept nodes.
 *
 * TopKPooling (Gao & Ji, "Graph U-Nets", 2019; Cangea et al., 2018):
 *   y = X p / ‖p‖,   i = top_k(y),   X' = (X ⊙ tanh(y))_i,   A' = A_{i,i}
 * SAGPooling (Lee et al., "Self-Attention Graph Pooling", 2019): the score is a one-channel GNN,
 *   y = GNN(X, A),   then as above.
 * With `minScore`, scores are softmax-normalised per graph and nodes with score above
 * min(minScore, max score of the graph − 1e-7) are kept instead.
 */

import { batchOrZeros } from "../../domains/graph/pool.js";
import { makeEdgeIndex } from "../../domains/graph/utils.js";
import { type ActivationSpec, resolveActivation } from "../../nn/activation.js";
import { uniform } from "../../nn/init.js";
import { Module, Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape } from "../../tensor/errors.js";
import { mul } from "../../tensor/ops/elementwise.js";
import { indexSelect, intTensor } from "../../tensor/ops/indexing.js";
import { norm, sum } from "../../tensor/ops/reduce.js";
import { scatterSoftmax } from "../../tensor/ops/scatter.js";
import type { Tensor } from "../../tensor/tensor.js";
import { GraphConv } from "./graph_conv.js";

/** The result of a pooling layer (PyG's tuple as a record). */
export interface PoolResult {
  /** Features of the kept nodes [K, F]. */
  x: Tensor;
  /** Edges among kept nodes, renumbered [2, E']. */
  edgeIndex: Tensor;
  /** Attributes of the kept edges (or null). */
  edgeAttr: Tensor | null;
  /** Graph of each kept node [K] int32. */
  batch: Tensor;
  /** Indices of the kept nodes in the input [K] int32. */
  perm: Tensor;
  /** Scores of the kept nodes [K]. */
  score: Tensor;
}

/**
 * Indices of the kept nodes: per graph (in graph order), the top ⌈ratio·n⌉ scores (or `ratio`
 * nodes when it is an integer ≥ 1), or those above the `minScore` threshold; descending score,
 * ties by index.
 */
export function topkPerm(
  score: Tensor,
  ratio: number | null,
  batch: Tensor,
  minScore: number | null = null,
): Int32Array {
  const s = score.data;
  const b = batch.data as Int32Array;
  const N = score.shape[0]!;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < N; i++) {
    let g = groups.get(b[i]!);
    if (g === undefined) {
      g = [];
      groups.set(b[i]!, g);
    }
    g.push(i);
  }
  const out: number[] = [];
  for (const g of [...groups.keys()].sort((p, q) => p - q)) {
    const nodes = groups.get(g)!;
    nodes.sort((p, q) => s[q]! - s[p]! || p - q);
    if (minScore !== null) {
      let mx = Number.NEGATIVE_INFINITY;
      for (const i of nodes) mx = Math.max(mx, s[i]!);
      const thr = Math.min(mx - 1e-7, minScore);
      for (const i of nodes) if (s[i]! > thr) out.push(i);
    } else {
      const r = ratio ?? 0.5;
      const k = r >= 1 && Number.isInteger(r) ? Math.min(r, nodes.length) : Math.ceil(r * nodes.length);
      for (let t = 0; t < k; t++) out.push(nodes[t]!);
    }
  }
  return Int32Array.from(out);
}

/** Keeps the edges whose two ends are in `perm`, renumbered to positions in `perm`. */
export function filterAdj(
  edgeIndex: Tensor,
  edgeAttr: Tensor | null,
  perm: Int32Array,
  numNodes: number,
): { edgeIndex: Tensor; edgeAttr: Tensor | null } {
  const map = new Int32Array(numNodes).fill(-1);
  for (let k = 0; k < perm.length; k++) map[perm[k]!] = k;
  const E = edgeIndex.shape[1]!;
  const d = edgeIndex.data as Int32Array;
  const src: number[] = [];
  const dst: number[] = [];
  const kept: number[] = [];
  for (let e = 0; e < E; e++) {
    const u = map[d[e]!]!;
    const v = map[d[E + e]!]!;
    if (u >= 0 && v >= 0) {
      src.push(u);
      dst.push(v);
      kept.push(e);
    }
  }
  return {
    edgeIndex: makeEdgeIndex(Int32Array.from(src), Int32Array.from(dst)),
    edgeAttr: edgeAttr === null ? null : indexSelect(edgeAttr, 0, intTensor(Int32Array.from(kept))),
  };
}

/** Options shared by {@link TopKPooling} and {@link SAGPooling}. */
export interface TopKPoolingOptions {
  /** Fraction of nodes kept per graph (or a node count when an integer ≥ 1; default 0.5). */
  ratio?: number;
  /** Keep nodes above this softmax score instead of a ratio. */
  minScore?: number | null;
  /** Scale of the output features (default 1). */
  multiplier?: number;
  /** Gate non-linearity (default tanh). */
  nonlinearity?: ActivationSpec;
}

function finish(
  x: Tensor,
  edgeIndex: Tensor,
  edgeAttr: Tensor | null,
  batch: Tensor,
  score: Tensor,
  ratio: number,
  minScore: number | null,
  multiplier: number,
): PoolResult {
  const permArr = topkPerm(score, ratio, batch, minScore);
  const perm = intTensor(permArr);
  const s = indexSelect(score, 0, perm);
  let xo = mul(indexSelect(x, 0, perm), s.reshape(-1, 1));
  if (multiplier !== 1) xo = mul(xo, multiplier);
  const f = filterAdj(edgeIndex, edgeAttr, permArr, x.shape[0]!);
  return { x: xo, edgeIndex: f.edgeIndex, edgeAttr: f.edgeAttr, batch: indexSelect(batch, 0, perm), perm, score: s };
}

/** Top-k pooling with a learnt projection vector; see the file header. */
export class TopKPooling extends Module<
  [Tensor, Tensor, (Tensor | null)?, (Tensor | null)?, (Tensor | null)?],
  PoolResult
> {
  readonly inChannels: number;
  readonly ratio: number;
  readonly minScore: number | null;
  readonly multiplier: number;
  /** The projection p, [1, inChannels]. */
  weight: Parameter;
  private readonly _act: (t: Tensor) => Tensor;

  constructor(inChannels: number, opts: TopKPoolingOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.ratio = opts.ratio ?? 0.5;
    this.minScore = opts.minScore ?? null;
    this.multiplier = opts.multiplier ?? 1;
    this._act = resolveActivation(opts.nonlinearity ?? "tanh");
    const b = 1 / Math.sqrt(inChannels);
    this.weight = new Parameter(uniform(zeros([1, inChannels]), -b, b));
  }

  /**
   * @param x - node features [N, inChannels].
   * @param edgeIndex - [2, E] int32.
   * @param edgeAttr - optional edge attributes [E, ...].
   * @param batch - graph of each node [N] int32 (null: one graph).
   * @param attn - features used for the score instead of `x`.
   */
  forward(
    x: Tensor,
    edgeIndex: Tensor,
    edgeAttr: Tensor | null = null,
    batch: Tensor | null = null,
    attn: Tensor | null = null,
  ): PoolResult {
    check(x.ndim === 2, "TopKPooling", "x", "a 2-D tensor [N, F]", fmtShape(x.shape));
    const b = batchOrZeros(batch, x.shape[0]!);
    let a = attn ?? x;
    if (a.ndim === 1) a = a.reshape(-1, 1);
    const w = this.weight.cast(a.dtype);
    let score = sum(mul(a, w), -1);
    if (this.minScore === null) score = this._act(mul(score, norm(w, 2).reciprocal()));
    else score = scatterSoftmax(score, b);
    return finish(x, edgeIndex, edgeAttr, b, score, this.ratio, this.minScore, this.multiplier);
  }

  override extraRepr(): string {
    return `${this.inChannels}, ratio=${this.ratio}, multiplier=${this.multiplier}`;
  }
}

/** Self-attention graph pooling: a one-channel GNN scores the nodes; see the file header. */
export class SAGPooling extends Module<
  [Tensor, Tensor, (Tensor | null)?, (Tensor | null)?, (Tensor | null)?],
  PoolResult
> {
  readonly inChannels: number;
  readonly ratio: number;
  readonly minScore: number | null;
  readonly multiplier: number;
  /** The scoring GNN (inChannels → 1); GraphConv by default. */
  gnn: Module<[Tensor, Tensor], Tensor>;
  private readonly _act: (t: Tensor) => Tensor;

  constructor(
    inChannels: number,
    opts: TopKPoolingOptions & {
      gnn?: (inChannels: number, outChannels: number) => Module<[Tensor, Tensor], Tensor>;
    } = {},
  ) {
    super();
    this.inChannels = inChannels;
    this.ratio = opts.ratio ?? 0.5;
    this.minScore = opts.minScore ?? null;
    this.multiplier = opts.multiplier ?? 1;
    this._act = resolveActivation(opts.nonlinearity ?? "tanh");
    this.gnn = opts.gnn
      ? opts.gnn(inChannels, 1)
      : (new GraphConv(inChannels, 1) as unknown as Module<[Tensor, Tensor], Tensor>);
  }

  /** Same arguments as {@link TopKPooling.forward}. */
  forward(
    x: Tensor,
    edgeIndex: Tensor,
    edgeAttr: Tensor | null = null,
    batch: Tensor | null = null,
    attn: Tensor | null = null,
  ): PoolResult {
    check(x.ndim === 2, "SAGPooling", "x", "a 2-D tensor [N, F]", fmtShape(x.shape));
    const b = batchOrZeros(batch, x.shape[0]!);
    let a = attn ?? x;
    if (a.ndim === 1) a = a.reshape(-1, 1);
    let score = this.gnn.forward(a, edgeIndex).reshape(-1);
    if (this.minScore === null) score = this._act(score);
    else score = scatterSoftmax(score, b);
    return finish(x, edgeIndex, edgeAttr, b, score, this.ratio, this.minScore, this.multiplier);
  }

  override extraRepr(): string {
    return `${this.inChannels}, ratio=${this.ratio}, multiplier=${this.multiplier}`;
  }
}
