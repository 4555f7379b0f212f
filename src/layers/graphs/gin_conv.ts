/**
 * GINConv (Xu et al., "How Powerful are Graph Neural Networks?", 2019):
 *
 *   x'_i = h_Θ( (1 + ε) · x_i + Σ_{j ∈ N(i)} x_j )
 *
 * and GINEConv (Hu et al., "Strategies for Pre-training Graph Neural Networks", 2020), with edge features:
 *
 *   x'_i = h_Θ( (1 + ε) · x_i + Σ_{j ∈ N(i)} ReLU(x_j + e_ji) )
 *
 * h_Θ is any module (usually an MLP); ε is fixed or learnt (`trainEps`). GIN's sum of neighbours is
 * linear, so it runs as one cached sparse-dense product.
 */
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import type { Module } from "../../nn/module.js";
import { Parameter } from "../../nn/module.js";
import { tensor } from "../../tensor/creation.js";
import { check, fmtShape, opError } from "../../tensor/errors.js";
import { add, mul, relu } from "../../tensor/ops/elementwise.js";
import { type SparseMatrix, spmm } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  type MessageInputs,
  MessagePassing,
  type NodeInput,
  type PropagateContext,
  type PropagateInputs,
  sourceOf,
} from "./message_passing.js";

/** Options of {@link GINConv}. */
export interface GINConvOptions {
  /** Initial ε (default 0). */
  eps?: number;
  /** Learn ε (default false). */
  trainEps?: boolean;
}

function rootTerm(eps: Tensor | number, xt: Tensor | null, out: Tensor): Tensor {
  if (xt === null) return out;
  if (typeof eps === "number") return add(out, eps === 0 ? xt : mul(xt, 1 + eps));
  return add(out, mul(xt, eps.cast(xt.dtype).add(1)));
}

function split(x: NodeInput): [Tensor, Tensor | null] {
  if (Array.isArray(x)) {
    const [a, b] = x as readonly [Tensor | null, Tensor | null];
    check(a !== null, "GINConv", "x", "source features", "null");
    return [a, b];
  }
  return [x as Tensor, x as Tensor];
}

const rootCache = new WeakMap<SparseMatrix, Map<string, SparseMatrix>>();

/** Â + c·I for a square pattern adjacency Â (cached per matrix, c and the features' dtype). */
function withRoot(A: SparseMatrix, c: number, dtype: string): SparseMatrix {
  let byC = rootCache.get(A);
  if (byC === undefined) {
    byC = new Map();
    rootCache.set(A, byC);
  }
  const key = `${c}|${dtype}`;
  let S = byC.get(key);
  if (S === undefined) {
    // merged into A's sorted rows: the matrix fromCoo builds from A's entries and the diagonal
    S = A.plusIdentity(c, dtype === "float64" ? "float64" : "float32");
    byC.set(key, S);
  }
  return S;
}

/** The graph isomorphism operator; see the file header. */
export class GINConv extends MessagePassing<
  [NodeInput, Tensor | SparseMatrix, (readonly [number, number] | null)?],
  Tensor
> {
  /** h_Θ. */
  nn: Module<[Tensor], Tensor>;
  /** ε: a Parameter [1] when `trainEps`, else a number. */
  eps: Parameter | number;
  readonly initialEps: number;

  constructor(nn: Module<[Tensor], Tensor>, opts: GINConvOptions = {}) {
    super({ aggr: "sum" });
    this.nn = nn;
    this.initialEps = opts.eps ?? 0;
    this.eps = opts.trainEps ? new Parameter(tensor([this.initialEps])) : this.initialEps;
  }

  /**
   * @param x - node features [N, F] or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   */
  forward(x: NodeInput, edgeIndex: Tensor | SparseMatrix, size: readonly [number, number] | null = null): Tensor {
    const [xs, xt] = split(x);
    // with a fixed ε and one node set, the fused path multiplies by Â + (1 + ε)I in one product
    this._root = typeof this.eps === "number" && xt === xs ? 1 + this.eps : null;
    this._rootDone = false;
    let out: Tensor;
    try {
      out = this.propagate(edgeIndex, { x: [xs, xt], size: size ?? [xs.shape[0]!, (xt ?? xs).shape[0]!] });
    } finally {
      this._root = null;
    }
    return this.nn.forward(this._rootDone ? out : rootTerm(this.eps, xt, out));
  }

  /** 1 + ε while a forward pass may fold the root term into the product, else null. */
  private _root: number | null = null;
  /** Whether the last fused product included the root term. */
  private _rootDone = false;

  protected override supportsFusion(): boolean {
    return true;
  }

  override messageAndAggregate(inputs: PropagateInputs, ctx: PropagateContext): Tensor {
    const A = ctx.adjacency();
    if (this._root !== null && A.values === null && ctx.sizeI === ctx.sizeJ) {
      this._rootDone = true;
      const x = sourceOf(inputs.x);
      return spmm(withRoot(A, this._root, x.dtype), x);
    }
    return spmm(A, sourceOf(inputs.x));
  }

  override extraRepr(): string {
    return `eps=${typeof this.eps === "number" ? this.eps : "learnt"}`;
  }
}

/** Options of {@link GINEConv}. */
export interface GINEConvOptions extends GINConvOptions {
  /** Edge feature size; when given, edge features are first mapped to the node feature size by a Linear. */
  edgeDim?: number | null;
}

/** GIN with edge features; see the file header. */
export class GINEConv extends MessagePassing<[NodeInput, Tensor, Tensor, (readonly [number, number] | null)?], Tensor> {
  nn: Module<[Tensor], Tensor>;
  eps: Parameter | number;
  readonly initialEps: number;
  /** Maps edge features to the node feature size (when `edgeDim` is given). */
  lin: Linear | null;

  /** @param nn - h_Θ; its input size must be the node feature size when `edgeDim` is given (taken from its first Linear). */
  constructor(nn: Module<[Tensor], Tensor>, opts: GINEConvOptions & { inChannels?: number } = {}) {
    super({ aggr: "sum" });
    this.nn = nn;
    this.initialEps = opts.eps ?? 0;
    this.eps = opts.trainEps ? new Parameter(tensor([this.initialEps])) : this.initialEps;
    this.lin = null;
    if (opts.edgeDim !== undefined && opts.edgeDim !== null) {
      const inChannels = opts.inChannels ?? firstLinearIn(nn);
      if (inChannels === null) {
        opError("GINEConv", "opts.inChannels", "the node feature size (it could not be read from nn)", "undefined");
      }
      this.lin = graphLinear(opts.edgeDim, inChannels);
    }
  }

  /**
   * @param x - node features [N, F] or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32.
   * @param edgeAttr - edge features [E, F] (or [E, edgeDim] with `edgeDim`).
   */
  forward(x: NodeInput, edgeIndex: Tensor, edgeAttr: Tensor, size: readonly [number, number] | null = null): Tensor {
    const [xs, xt] = split(x);
    const out = this.propagate(edgeIndex, {
      x: [xs, xt],
      edgeAttr,
      size: size ?? [xs.shape[0]!, (xt ?? xs).shape[0]!],
    });
    return this.nn.forward(rootTerm(this.eps, xt, out));
  }

  override message(inputs: MessageInputs, _ctx: PropagateContext): Tensor {
    const xj = inputs.x_j!;
    let e = inputs.edgeAttr!;
    if (this.lin !== null) e = this.lin.forward(e);
    if (e.shape[e.ndim - 1] !== xj.shape[xj.ndim - 1]) {
      opError(
        "GINEConv",
        "edgeAttr",
        `${xj.shape[xj.ndim - 1]} features per edge (the node feature size; set edgeDim to map them)`,
        fmtShape(e.shape),
      );
    }
    return relu(add(xj, e));
  }

  override extraRepr(): string {
    return `eps=${typeof this.eps === "number" ? this.eps : "learnt"}`;
  }
}

/** The input size of the first Linear found in a module tree, or null. */
function firstLinearIn(m: Module): number | null {
  for (const [, sub] of m.namedModules()) {
    const w = (sub as { weight?: unknown }).weight;
    if (sub.constructor.name === "Linear" && w instanceof Parameter && w.ndim === 2) return w.shape[1]!;
  }
  return null;
}
