/**
 * Edge weights that normalise an adjacency: the GCN normalisation {@link gcnNorm} (with
 * {@link GCNNormCache}, the memo the GCN-family layers keep) and the graph Laplacian
 * {@link getLaplacian}, both with PyG's names and semantics.
 */
import { allocate, type DType, isFloat } from "../../tensor/dtype.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { add, eq, mul, pow, sub } from "../../tensor/ops/elementwise.js";
import { indexSelect, intTensor } from "../../tensor/ops/indexing.js";
import { scatter } from "../../tensor/ops/scatter.js";
import { Tensor } from "../../tensor/tensor.js";
import { prepEdges } from "./internal.js";
import { addRemainingSelfLoops, edgeRows, removeSelfLoops } from "./utils.js";

/** An edge index with one weight per edge (the result of {@link gcnNorm} and {@link getLaplacian}). */
export interface WeightedEdgeIndex {
  edgeIndex: Tensor;
  /** One weight per edge, `[E]`. */
  edgeWeight: Tensor;
}

/** Options of {@link gcnNorm}. */
export interface GcnNormOptions {
  /** Input weights `[E]` (default 1). */
  edgeWeight?: Tensor | null;
  numNodes?: number;
  /** Self-loop weight 2 instead of 1 (GCN's "improved" variant). */
  improved?: boolean;
  /** Add the missing self-loops first (default true). */
  addSelfLoops?: boolean;
  /** Which end's degree normalises (default `'source_to_target'`: in-degree at the target). */
  flow?: "source_to_target" | "target_to_source";
  /** Output dtype (default: the weights' dtype, else float32); given weights are cast to it. */
  dtype?: "float32" | "float64";
}

/**
 * Throws unless every weighted degree in `deg` is non-negative: `D^-1/2` is not real for a negative
 * degree (PyG's `gcn_norm` and `get_laplacian` return NaN there; this library refuses, naming the
 * node). Zero degrees are fine (their rows get weight 0, as in PyG).
 */
export function checkDegrees(op: string, deg: ArrayLike<number>, arg = "edgeWeight"): void {
  for (let i = 0; i < deg.length; i++) {
    const v = deg[i]!;
    if (v < 0 || Number.isNaN(v))
      opError(
        op,
        arg,
        "weights that give every node a non-negative weighted degree (D^-1/2 is not real for a negative degree)",
        `degree ${v} at node ${i}`,
      );
  }
}

/**
 * GCN normalisation `D^-1/2 (A + I) D^-1/2` as edge weights, like PyG's `gcn_norm`: adds the
 * remaining self-loops (weight 1, or 2 when `improved`), takes the weighted degree at each target
 * (at each source with `flow: 'target_to_source'`), and returns `w_uv / sqrt(deg(u) deg(v))` with the
 * new edge index. Zero-degree nodes give weight 0; a negative degree (negative weights outweighing the
 * rest) throws (see {@link checkDegrees}). Differentiable in `edgeWeight` when it requires gradients
 * (recorded ops); otherwise computed on data with float64 degrees.
 */
export function gcnNorm(edgeIndex: Tensor, opts: GcnNormOptions = {}): WeightedEdgeIndex {
  const op = "gcnNorm";
  const { E, N } = prepEdges(op, edgeIndex, opts.numNodes);
  let w = opts.edgeWeight ?? null;
  const dtype = opts.dtype ?? (w !== null && w.dtype === "float64" ? "float64" : "float32");
  if (w !== null) {
    if (!isFloat(w.dtype)) opError(op, "edgeWeight", "a float tensor", w.dtype);
    if (w.ndim !== 1 || w.shape[0] !== E) opError(op, "edgeWeight", `shape [${E}]`, fmtShape(w.shape));
    if (w.dtype !== dtype) w = w.cast(dtype);
  }
  let ei = edgeIndex;
  if (opts.addSelfLoops ?? true) {
    w ??= new Tensor(allocate(dtype, E).fill(1), [E], dtype);
    const r = addRemainingSelfLoops(edgeIndex, { edgeAttr: w, fillValue: opts.improved ? 2 : 1, numNodes: N });
    ei = r.edgeIndex;
    w = r.edgeAttr!;
  }
  const { src, dst, numEdges: M } = edgeRows(op, ei);
  const at = opts.flow === "target_to_source" ? src : dst;
  if (w === null || !w.requiresGrad) {
    const wd = w === null ? null : w.data;
    const deg = new Float64Array(N);
    for (let e = 0; e < M; e++) deg[at[e]!]! += wd === null ? 1 : wd[e]!;
    checkDegrees(op, deg);
    for (let i = 0; i < N; i++) deg[i] = deg[i]! > 0 ? 1 / Math.sqrt(deg[i]!) : 0;
    const out = allocate(dtype, M);
    for (let e = 0; e < M; e++) out[e] = deg[src[e]!]! * (wd === null ? 1 : wd[e]!) * deg[dst[e]!]!;
    return { edgeIndex: ei, edgeWeight: new Tensor(out, [M], dtype) };
  }
  // the same with recorded ops, so that gradients reach edgeWeight (zero-degree nodes give 0)
  const deg = scatter(w, intTensor(at), 0, N, "sum");
  checkDegrees(op, deg.data);
  const isZero = eq(deg, 0).cast(dtype);
  const dis = mul(pow(add(deg, isZero), -0.5), sub(1, isZero));
  const norm = mul(mul(indexSelect(dis, 0, intTensor(src)), w), indexSelect(dis, 0, intTensor(dst)));
  return { edgeIndex: ei, edgeWeight: norm };
}

/** Options of {@link GCNNormCache}: the layer's normalisation (fixed for its lifetime) and caching. */
export interface GCNNormCacheOptions extends Pick<GcnNormOptions, "improved" | "addSelfLoops" | "flow"> {
  /** Reuse the first result for every later call (PyG's transductive `cached=True`; default false). */
  cached?: boolean;
  /** Apply the symmetric normalisation (default true); false only adds the self-loops. */
  normalize?: boolean;
}

interface NormMemo {
  edgeIndex: Tensor;
  eiVersion: number;
  edgeWeight: Tensor | null;
  ewVersion: number;
  key: string;
  out: WeightedEdgeIndex;
}

/**
 * Memoises {@link gcnNorm} for a layer (GCNConv, SGConv, APPNP, GCN2Conv): the result for the last
 * (edge index, edge weight) pair is reused while both are the same tensors with unchanged versions
 * (never when the weights require gradients). With `cached` (PyG's transductive `cached=True`), the
 * first result is reused for every later call until {@link GCNNormCache.clear}.
 */
export class GCNNormCache {
  private cache: WeightedEdgeIndex | null = null;
  private memo: NormMemo | null = null;
  constructor(readonly opts: GCNNormCacheOptions = {}) {}

  /** Whether the first result is reused for every later call. */
  get cached(): boolean {
    return this.opts.cached ?? false;
  }

  /** Drops the cached and memoised results. */
  clear(): void {
    this.cache = null;
    this.memo = null;
  }

  /** The normalised edges of `edgeIndex` with weights `edgeWeight` (default 1) over `numNodes` nodes, in `dtype`. */
  get(edgeIndex: Tensor, edgeWeight: Tensor | null, numNodes: number, dtype: "float32" | "float64"): WeightedEdgeIndex {
    const opts = this.opts;
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
    let out: WeightedEdgeIndex;
    if (opts.normalize ?? true) {
      out = gcnNorm(edgeIndex, {
        edgeWeight: w,
        numNodes,
        dtype,
        improved: opts.improved,
        addSelfLoops: opts.addSelfLoops,
        flow: opts.flow,
      });
    } else {
      const E = edgeIndex.shape[1]!;
      let ei = edgeIndex;
      let ww = w === null ? new Tensor(allocate(dtype, E).fill(1), [E], dtype) : w.cast(dtype);
      if (opts.addSelfLoops ?? true) {
        const r = addRemainingSelfLoops(edgeIndex, { edgeAttr: ww, fillValue: opts.improved ? 2 : 1, numNodes });
        ei = r.edgeIndex;
        ww = r.edgeAttr!;
      }
      out = { edgeIndex: ei, edgeWeight: ww };
    }
    if (!grad)
      this.memo = { edgeIndex, eiVersion: edgeIndex.version, edgeWeight: w, ewVersion: w?.version ?? 0, key, out };
    if (this.cached) this.cache = out;
    return out;
  }
}

/**
 * Graph Laplacian as edge weights, like PyG's `get_laplacian`: `null` gives `L = D - A`, `'sym'`
 * gives `I - D^-1/2 A D^-1/2`, `'rw'` gives `I - D^-1 A` (degrees from sources). Self-loops of the
 * input are removed first; the diagonal entries come last.
 */
export function getLaplacian(
  edgeIndex: Tensor,
  opts: {
    edgeWeight?: Tensor | null;
    normalization?: null | "sym" | "rw";
    numNodes?: number;
    dtype?: "float32" | "float64";
  } = {},
): WeightedEdgeIndex {
  const op = "getLaplacian";
  const { E, N } = prepEdges(op, edgeIndex, opts.numNodes);
  const dtype = opts.edgeWeight?.dtype === "float64" ? "float64" : (opts.dtype ?? "float32");
  let w = opts.edgeWeight ?? new Tensor(allocate(dtype, E).fill(1), [E], dtype);
  if (w.ndim !== 1 || w.shape[0] !== E) opError(op, "edgeWeight", `shape [${E}]`, fmtShape(w.shape));
  const r = removeSelfLoops(edgeIndex, w);
  const ei = r.edgeIndex;
  w = r.edgeAttr!;
  const M = ei.shape[1]!;
  const d = ei.data as Int32Array;
  const wd = w.data;
  const deg = new Float64Array(N);
  for (let e = 0; e < M; e++) deg[d[e]!]! += wd[e]!;
  const outIdx = new Int32Array(2 * (M + N));
  outIdx.set(d.subarray(0, M), 0);
  outIdx.set(d.subarray(M, 2 * M), M + N);
  const vals = allocate(w.dtype as DType, M + N);
  const norm = opts.normalization ?? null;
  for (let i = 0; i < N; i++) {
    outIdx[M + i] = i;
    outIdx[2 * M + N + i] = i;
  }
  if (norm === null) {
    for (let e = 0; e < M; e++) vals[e] = -wd[e]!;
    for (let i = 0; i < N; i++) vals[M + i] = deg[i]!;
  } else if (norm === "sym") {
    checkDegrees(op, deg);
    const dis = deg.map((v) => (v > 0 ? 1 / Math.sqrt(v) : 0));
    for (let e = 0; e < M; e++) vals[e] = -dis[d[e]!]! * wd[e]! * dis[d[M + e]!]!;
    for (let i = 0; i < N; i++) vals[M + i] = 1;
  } else if (norm === "rw") {
    for (let e = 0; e < M; e++) vals[e] = deg[d[e]!]! !== 0 ? -wd[e]! / deg[d[e]!]! : 0; // D^-1 as PyG: 0 only where deg = 0
    for (let i = 0; i < N; i++) vals[M + i] = 1;
  } else opError(op, "normalization", "null, 'sym' or 'rw'", String(norm));
  return { edgeIndex: new Tensor(outIdx, [2, M + N], "int32"), edgeWeight: new Tensor(vals, [M + N], w.dtype) };
}
