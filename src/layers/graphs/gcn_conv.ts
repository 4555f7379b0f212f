/**
 * GCNConv (Kipf & Welling, "Semi-Supervised Classification with Graph Convolutional Networks", 2017):
 *
 *   X' = D̂^{-1/2} Â D̂^{-1/2} X Θ + b,     Â = A + I (A + 2I when `improved`),  D̂_ii = Σ_j Â_ij
 *
 * i.e. x'_i = Θᵀ Σ_{j ∈ N(i) ∪ {i}} e_ji / √(d̂_j d̂_i) · x_j + b, with edge weights e_ji (default 1).
 * The message is linear, so `propagate` runs one cached sparse-dense product. The input may be a
 * SparseMatrix of node features (the linear map is then a sparse-dense product too).
 */
import { checkDegrees } from "../../domains/graph/utils.js";
import { glorot, zeros as initZeros } from "../../nn/init.js";
import type { Linear } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import {
  add,
  check,
  eq,
  fmtShape,
  full,
  indexSelect,
  mul,
  pow,
  SparseMatrix,
  scatter,
  spmm,
  Tensor,
  zeros,
} from "../../tensor/index.js";
import {
  edgeIndexOfAdjT,
  type MessageInputs,
  MessagePassing,
  type PropagateContext,
  type PropagateInputs,
  sourceOf,
} from "./message_passing.js";
import { addRemainingSelfLoops, edgeRows, int32, type LinearInput, linear } from "./utils.js";

/** Options of {@link GCNConv}. */
export interface GCNConvOptions {
  /** Use Â = A + 2I (default false). */
  improved?: boolean;
  /** Compute the normalised adjacency once and reuse it for every later call (transductive; default false). */
  cached?: boolean;
  /** Add self loops (default true). */
  addSelfLoops?: boolean;
  /** Apply the symmetric normalisation (default true). */
  normalize?: boolean;
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/** An edge index with its (normalised) edge weights. */
export interface WeightedEdges {
  edgeIndex: Tensor;
  edgeWeight: Tensor;
}

interface NormMemo {
  edgeIndex: Tensor;
  eiVersion: number;
  edgeWeight: Tensor | null;
  ewVersion: number;
  key: string;
  out: WeightedEdges;
}

/** Options of the GCN normalisation. */
export interface GCNNormOptions {
  improved?: boolean;
  addSelfLoops?: boolean;
  normalize?: boolean;
  flow?: "source_to_target" | "target_to_source";
}

/**
 * Memoises {@link gcnNormalize} for a layer: the result for the last (edge index, edge weight)
 * pair is reused while both are the same tensors with unchanged versions (never when the weights
 * require gradients). With `cached` (PyG's transductive `cached=True`), the first result is reused
 * for every later call until {@link GCNNormCache.clear}.
 */
export class GCNNormCache {
  private cache: WeightedEdges | null = null;
  private memo: NormMemo | null = null;
  constructor(readonly cached = false) {}

  /** Drops the cached and memoised results. */
  clear(): void {
    this.cache = null;
    this.memo = null;
  }

  /** The normalised edges of `edgeIndex` with `edgeWeight` over `numNodes` nodes, in `dtype`. */
  get(
    edgeIndex: Tensor,
    edgeWeight: Tensor | null,
    numNodes: number,
    dtype: "float32" | "float64",
    opts: GCNNormOptions,
  ): WeightedEdges {
    if (this.cached && this.cache !== null && this.cache.edgeWeight.dtype === dtype) return this.cache;
    const key = `${numNodes}|${dtype}|${opts.improved}|${opts.addSelfLoops}|${opts.normalize}|${opts.flow}`;
    const m = this.memo;
    const w = edgeWeight;
    const grad = w?.requiresGrad ?? false;
    if (
      !grad &&
      m !== null &&
      m.edgeIndex === edgeIndex &&
      m.eiVersion === edgeIndex.version &&
      m.edgeWeight === w &&
      m.ewVersion === (w?.version ?? 0) &&
      m.key === key
    ) {
      return m.out;
    }
    let out: WeightedEdges;
    if (opts.normalize ?? true) {
      out = gcnNormalize(edgeIndex, w, numNodes, {
        improved: opts.improved,
        addSelfLoops: opts.addSelfLoops,
        flow: opts.flow,
        dtype,
      });
    } else {
      let e = edgeIndex;
      let ww = w === null ? (opts.improved ? full([edgeIndex.shape[1]!], 1, { dtype }) : null) : w.cast(dtype);
      if (opts.addSelfLoops ?? true)
        ({ edgeIndex: e, edgeWeight: ww } = addRemainingSelfLoops(edgeIndex, numNodes, ww, opts.improved ? 2 : 1));
      const E = e.shape[1]!;
      out = {
        edgeIndex: e,
        edgeWeight: ww ?? new Tensor(new (dtype === "float64" ? Float64Array : Float32Array)(E).fill(1), [E], dtype),
      };
    }
    if (!grad)
      this.memo = { edgeIndex, eiVersion: edgeIndex.version, edgeWeight: w, ewVersion: w?.version ?? 0, key, out };
    if (this.cached) this.cache = out;
    return out;
  }
}

/**
 * Resolves a layer's `(edgeIndex, edgeWeight)` arguments: a SparseMatrix in `adj_t` orientation
 * becomes its edge index, and its values the edge weights unless weights are given.
 */
export function edgesOf(
  op: string,
  edgeIndex: Tensor | SparseMatrix,
  edgeWeight: Tensor | null,
  numNodes: number | null,
): { edgeIndex: Tensor; edgeWeight: Tensor | null } {
  if (edgeIndex instanceof SparseMatrix) {
    check(
      numNodes === null || (edgeIndex.shape[0] === numNodes && edgeIndex.shape[1] === numNodes),
      op,
      "edgeIndex",
      `a [${numNodes}, ${numNodes}] adjacency`,
      fmtShape(edgeIndex.shape),
    );
    return {
      edgeIndex: edgeIndexOfAdjT(edgeIndex),
      edgeWeight: edgeWeight ?? (edgeIndex.values === null ? null : edgeIndex.cooValues()),
    };
  }
  return { edgeIndex, edgeWeight };
}

/**
 * The GCN normalisation (PyG's `gcn_norm`): optionally adds the remaining self loops with weight
 * `fillValue`, then scales each edge j → i by 1/√(deg(j)·deg(i)), degrees taken as weighted
 * in-degrees at the targets. Differentiable in `edgeWeight`. With `flow = target_to_source` the
 * degrees are taken at row 0. Negative weights are allowed while every degree stays non-negative; a
 * negative degree throws, naming the node (PyG gives NaN there; zero degrees give 0 in both).
 */
export function gcnNormalize(
  edgeIndex: Tensor,
  edgeWeight: Tensor | null | undefined,
  numNodes: number,
  opts: {
    improved?: boolean;
    addSelfLoops?: boolean;
    flow?: "source_to_target" | "target_to_source";
    dtype?: "float32" | "float64";
  } = {},
): WeightedEdges {
  const fill = opts.improved ? 2 : 1;
  const dtype = opts.dtype ?? edgeWeight?.dtype ?? "float32";
  let ei = edgeIndex;
  let w = edgeWeight ?? null;
  if (w !== null) {
    const E = edgeIndex.shape[1]!;
    check(w.ndim === 1 && w.shape[0] === E, "gcnNormalize", "edgeWeight", `shape [${E}]`, fmtShape(w.shape));
    if (w.dtype !== dtype) w = w.cast(dtype);
  }
  if (opts.addSelfLoops ?? true) {
    if (w === null && fill !== 1) w = full([edgeIndex.shape[1]!], 1, { dtype });
    ({ edgeIndex: ei, edgeWeight: w } = addRemainingSelfLoops(ei, numNodes, w, fill));
  }
  const { src, dst, numEdges } = edgeRows("gcnNormalize", ei);
  const at = (opts.flow ?? "source_to_target") === "source_to_target" ? dst : src;
  if (w === null || !w.requiresGrad) {
    // Plain loops: no gradient needed.
    const wd = w === null ? null : w.data;
    const deg = new Float64Array(numNodes);
    for (let e = 0; e < numEdges; e++) deg[at[e]!]! += wd === null ? 1 : wd[e]!;
    checkDegrees("gcnNormalize", deg);
    for (let n = 0; n < numNodes; n++) deg[n] = deg[n]! > 0 ? 1 / Math.sqrt(deg[n]!) : 0;
    const out = dtype === "float64" ? new Float64Array(numEdges) : new Float32Array(numEdges);
    for (let e = 0; e < numEdges; e++) out[e] = deg[src[e]!]! * (wd === null ? 1 : wd[e]!) * deg[dst[e]!]!;
    return { edgeIndex: ei, edgeWeight: new Tensor(out, [numEdges], dtype) };
  }
  const deg = scatter(w, int32(at), 0, numNodes, "sum");
  checkDegrees("gcnNormalize", deg.data);
  const isZero = eq(deg, 0).cast(dtype);
  const dis = mul(pow(add(deg, isZero), -0.5), isZero.neg().add(1));
  const norm = mul(mul(indexSelect(dis, 0, int32(src)), w), indexSelect(dis, 0, int32(dst)));
  return { edgeIndex: ei, edgeWeight: norm };
}

/** Graph convolution of Kipf & Welling; see the file header for the equation. */
export class GCNConv extends MessagePassing<[LinearInput, Tensor | SparseMatrix, (Tensor | null)?], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly improved: boolean;
  readonly cached: boolean;
  readonly addSelfLoops: boolean;
  readonly normalize: boolean;
  /** The weight Θ (stored [outChannels, inChannels], as PyG's `lin.weight`). */
  lin: Linear;
  bias: Parameter | null;
  private _norm: GCNNormCache;

  constructor(inChannels: number, outChannels: number, opts: GCNConvOptions = {}) {
    super({ aggr: "sum" });
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.improved = opts.improved ?? false;
    this.cached = opts.cached ?? false;
    this.addSelfLoops = opts.addSelfLoops ?? true;
    this.normalize = opts.normalize ?? true;
    this.lin = linear(inChannels, outChannels, { bias: false, init: "glorot" });
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outChannels])) : null;
    this._norm = new GCNNormCache(this.cached);
  }

  /** Re-initialises the parameters (Glorot weight, zero bias) and clears the cache. */
  resetParameters(): void {
    glorot(this.lin.weight);
    if (this.bias !== null) initZeros(this.bias);
    this._norm.clear();
  }

  /** Forgets the cached normalised adjacency (when `cached` is on). */
  clearCache(): void {
    this._norm.clear();
  }

  /**
   * @param x - node features [N, inChannels] (dense or a SparseMatrix).
   * @param edgeIndex - [2, E] int32, or a sparse adjacency in `adj_t` orientation (its values are edge weights).
   * @param edgeWeight - optional [E] edge weights.
   */
  forward(x: LinearInput, edgeIndex: Tensor | SparseMatrix, edgeWeight: Tensor | null = null): Tensor {
    const h = this.lin.forward(x);
    const N = h.shape[0]!;
    const { edgeIndex: ei, edgeWeight: w } = edgesOf("GCNConv", edgeIndex, edgeWeight, N);
    const norm = this.normalized(ei, w, N, h.dtype as "float32" | "float64");
    let out = this.propagate(norm.edgeIndex, { x: h, edgeWeight: norm.edgeWeight, size: [N, N] });
    if (this.bias !== null) out = add(out, this.bias);
    return out;
  }

  private normalized(ei: Tensor, w: Tensor | null, N: number, dtype: "float32" | "float64"): WeightedEdges {
    return this._norm.get(ei, w, N, dtype, {
      improved: this.improved,
      addSelfLoops: this.addSelfLoops,
      normalize: this.normalize,
      flow: this.flow,
    });
  }

  override message(inputs: MessageInputs): Tensor {
    const xj = inputs.x_j!;
    const w = inputs.edgeWeight;
    return w === undefined ? xj : mul(xj, w.reshape(-1, 1));
  }

  protected override supportsFusion(): boolean {
    return this.aggr === "sum";
  }

  override messageAndAggregate(inputs: PropagateInputs, ctx: PropagateContext): Tensor {
    const w = inputs.edgeWeight;
    return spmm(ctx.adjacency(w instanceof Tensor ? w : null), sourceOf(inputs.x));
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}`;
  }
}
