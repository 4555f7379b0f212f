/**
 * Edge-index utilities with PyTorch Geometric's names and semantics (`degree`, `addSelfLoops`,
 * `removeSelfLoops`, `coalesce`, `toUndirected`, `toDenseAdj`, ...): the one home of the edge helpers
 * that the graph layers and the data transforms share. They take an int32 `[2, E]` edge index (row 0
 * sources, row 1 targets) and optional per-edge attributes `[E, ...]`, and return new tensors; inputs
 * are never modified. The structure is computed on data; per-edge float attributes that travel with
 * the edges (self-loop insertion and removal) are moved with recorded ops, so gradients flow to them.
 * Subgraphs and components are in `subgraph.ts`, GCN normalisation and Laplacians in
 * `normalization.ts`, the graphology adapter in `graphology.ts`.
 */
import { allocate, type DType, isFloat, type TypedArray } from "../../tensor/dtype.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { intTensor } from "../../tensor/ops/indexing.js";
import { scatter } from "../../tensor/ops/scatter.js";
import { narrow } from "../../tensor/ops/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkEdgeIndex } from "./graph.js";
import { catRows, checkEdgeAttr, concatRows, maybeNumNodes, prepEdges, rowSize, selectRows } from "./internal.js";

/** An edge index with its (optional) edge attributes. */
export interface EdgeList {
  edgeIndex: Tensor;
  edgeAttr: Tensor | null;
}

/** How attributes of merged duplicate edges combine. */
export type EdgeReduce = "sum" | "add" | "mean" | "max" | "min" | "mul";

/** Builds an int32 `[2, E]` tensor from source and target arrays. */
export function makeEdgeIndex(src: ArrayLike<number>, dst: ArrayLike<number>): Tensor {
  const E = src.length;
  const d = new Int32Array(2 * E);
  if (src instanceof Int32Array && dst instanceof Int32Array) {
    d.set(src, 0);
    d.set(dst, E);
  } else {
    for (let e = 0; e < E; e++) {
      d[e] = src[e]!;
      d[E + e] = dst[e]!;
    }
  }
  return new Tensor(d, [2, E], "int32");
}

/** The two rows of an edge index, as views. */
export interface EdgeRows {
  /** Row 0: the source of each edge. */
  src: Int32Array;
  /** Row 1: the target of each edge. */
  dst: Int32Array;
  numEdges: number;
}

/**
 * Checks that `edgeIndex` is an int32 tensor of shape [2, E] (errors name `op` and `arg`) and returns
 * views of its rows (no copy; node ids are not range-checked here).
 */
export function edgeRows(op: string, edgeIndex: Tensor, arg = "edgeIndex"): EdgeRows {
  checkEdgeIndex(op, edgeIndex, undefined, arg);
  const E = edgeIndex.shape[1]!;
  const d = edgeIndex.data as Int32Array;
  return { src: d.subarray(0, E), dst: d.subarray(E, 2 * E), numEdges: E };
}

// ---------------------------------------------------------------------------------------------------

/**
 * Number of occurrences of each node id in `index` (a 1-D int32 tensor such as `edgeIndex[1]` for
 * in-degrees), like `torch_geometric.utils.degree`. Returns `[numNodes]` of `dtype` (float32 default).
 */
export function degree(index: Tensor, numNodes?: number, dtype: DType = "float32"): Tensor {
  if (index.dtype !== "int32") opError("degree", "index", "dtype int32", index.dtype);
  if (index.ndim !== 1)
    opError("degree", "index", "a 1-D tensor (e.g. one row of edgeIndex)", `shape ${fmtShape(index.shape)}`);
  const d = index.data as Int32Array;
  const N = numNodes ?? maybeNumNodes(index);
  const out = allocate(dtype, N);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < 0 || v >= N) opError("degree", "index", `node ids in [0, ${N}) (numNodes = ${N})`, `${v} at position ${i}`);
    out[v]!++;
  }
  return new Tensor(out, [N], dtype);
}

/** Row `r` (0 = sources, 1 = targets) of an edge index as a 1-D int32 tensor. */
export function edgeRow(edgeIndex: Tensor, r: 0 | 1): Tensor {
  const E = edgeIndex.shape[1]!;
  return new Tensor((edgeIndex.data as Int32Array).slice(r * E, (r + 1) * E), [E], "int32");
}

/** True when any edge joins a node to itself. */
export function containsSelfLoops(edgeIndex: Tensor): boolean {
  checkEdgeIndex("containsSelfLoops", edgeIndex);
  const E = edgeIndex.shape[1]!;
  const d = edgeIndex.data;
  for (let e = 0; e < E; e++) if (d[e] === d[E + e]) return true;
  return false;
}

/** True when some node in `[0, numNodes)` has no edge (ignoring self-loops). */
export function containsIsolatedNodes(edgeIndex: Tensor, numNodes?: number): boolean {
  const { src, dst, E, N } = prepEdges("containsIsolatedNodes", edgeIndex, numNodes);
  const seen = new Uint8Array(N);
  for (let e = 0; e < E; e++) {
    if (src[e] === dst[e]) continue;
    seen[src[e]!] = 1;
    seen[dst[e]!] = 1;
  }
  return seen.includes(0);
}

/** Drops self-loops; `edgeAttr` rows go with their edges (differentiable for float attributes). */
export function removeSelfLoops(edgeIndex: Tensor, edgeAttr: Tensor | null = null): EdgeList {
  const { src, dst, numEdges: E } = edgeRows("removeSelfLoops", edgeIndex);
  checkEdgeAttr("removeSelfLoops", edgeAttr, E);
  const keep: number[] = [];
  for (let e = 0; e < E; e++) if (src[e] !== dst[e]) keep.push(e);
  const s = new Int32Array(keep.length);
  const t = new Int32Array(keep.length);
  for (let k = 0; k < keep.length; k++) {
    s[k] = src[keep[k]!]!;
    t[k] = dst[keep[k]!]!;
  }
  return { edgeIndex: makeEdgeIndex(s, t), edgeAttr: edgeAttr === null ? null : selectRows(edgeAttr, keep) };
}

/** Fill value of new self-loop attributes: a number, a tensor shaped like one attribute row, or a reduction of each node's incoming edge attributes. */
export type LoopFill = number | Tensor | "sum" | "add" | "mean" | "max" | "min";

const LOOP_REDUCES: readonly string[] = ["sum", "add", "mean", "max", "min"];

/**
 * Attribute rows of new self-loops at `nodes` (< numNodes). Reductions of the incoming edges are
 * scatter ops for float attributes (differentiable; 0 for nodes without incoming edges) and float64
 * sums for the others; `dst` may hold ids ≥ numNodes (bipartite graphs).
 */
function loopAttrs(
  op: string,
  edgeAttr: Tensor,
  dst: Int32Array,
  numNodes: number,
  fill: LoopFill,
  nodes: Int32Array,
): Tensor {
  const F = rowSize(edgeAttr);
  const rest = edgeAttr.shape.slice(1);
  if (typeof fill === "number") {
    const out = allocate(edgeAttr.dtype, nodes.length * F).fill(fill);
    return new Tensor(out, [nodes.length, ...rest], edgeAttr.dtype);
  }
  if (fill instanceof Tensor) {
    if (fill.size !== F && fill.size !== 1)
      opError(
        op,
        "fillValue",
        `a tensor with 1 or ${F} elements (one attribute row ${fmtShape(rest)})`,
        `shape ${fmtShape(fill.shape)}`,
      );
    const out = allocate(edgeAttr.dtype, nodes.length * F);
    for (let i = 0; i < nodes.length; i++)
      for (let f = 0; f < F; f++) out[i * F + f] = fill.data[fill.size === 1 ? 0 : f]!;
    return new Tensor(out, [nodes.length, ...rest], edgeAttr.dtype);
  }
  if (!LOOP_REDUCES.includes(fill))
    opError(op, "fillValue", "a number, a tensor or one of sum, add, mean, max, min", JSON.stringify(fill));
  let M = numNodes;
  for (let e = 0; e < dst.length; e++) if (dst[e]! >= M) M = dst[e]! + 1;
  if (isFloat(edgeAttr.dtype)) {
    let r = scatter(edgeAttr, intTensor(dst), 0, M, fill === "add" ? "sum" : fill);
    if (M > numNodes) r = narrow(r, 0, 0, numNodes);
    return nodes.length === numNodes ? r : selectRows(r, nodes);
  }
  const acc = new Float64Array(M * F);
  const cnt = new Int32Array(M);
  const isMax = fill === "max";
  const isMin = fill === "min";
  if (isMax || isMin) acc.fill(isMax ? -Infinity : Infinity);
  const a = edgeAttr.data;
  for (let e = 0; e < dst.length; e++) {
    const v = dst[e]!;
    cnt[v]!++;
    for (let f = 0; f < F; f++) {
      const x = a[e * F + f]!;
      const k = v * F + f;
      if (isMax) acc[k] = Math.max(acc[k]!, x);
      else if (isMin) acc[k] = Math.min(acc[k]!, x);
      else acc[k]! += x;
    }
  }
  const out = allocate(edgeAttr.dtype, nodes.length * F);
  for (let i = 0; i < nodes.length; i++) {
    const v = nodes[i]!;
    for (let f = 0; f < F; f++) {
      const c = cnt[v]!;
      const s = acc[v * F + f]!;
      out[i * F + f] = c === 0 ? 0 : fill === "mean" ? s / c : s;
    }
  }
  return new Tensor(out, [nodes.length, ...rest], edgeAttr.dtype);
}

/** Options of {@link addSelfLoops} and {@link addRemainingSelfLoops}. */
export interface AddSelfLoopsOptions {
  /** Per-edge attributes (or weights) `[E, ...]` that get rows for the new loops. */
  edgeAttr?: Tensor | null;
  /** Attribute value of the new loops (default 1); see {@link LoopFill}. */
  fillValue?: LoopFill;
  /** Number of nodes that get a loop (default max id + 1). */
  numNodes?: number;
}

/**
 * Appends one self-loop per node (`0..numNodes-1`) after the existing edges, like PyG's
 * `add_self_loops`. New loop attributes get `fillValue` (default 1), which may also be `'mean'`,
 * `'sum'`, `'max'` or `'min'` of each node's incoming edge attributes. Edge ids may exceed `numNodes`
 * (bipartite graphs: the loops go to the first `numNodes` nodes). Differentiable in float `edgeAttr`.
 */
export function addSelfLoops(edgeIndex: Tensor, opts: AddSelfLoopsOptions = {}): EdgeList {
  const op = "addSelfLoops";
  const { src, dst, numEdges: E } = edgeRows(op, edgeIndex);
  const N = maybeNumNodes(edgeIndex, opts.numNodes);
  if (!Number.isInteger(N) || N < 0) opError(op, "numNodes", "a non-negative integer", String(opts.numNodes));
  for (let i = 0; i < 2 * E; i++) {
    const v = edgeIndex.data[i]!;
    if (v < 0) opError(op, "edgeIndex", "non-negative node ids", `${v} in row ${i < E ? 0 : 1} of edge ${i % E}`);
  }
  const edgeAttr = checkEdgeAttr(op, opts.edgeAttr, E);
  const d = new Int32Array(2 * (E + N));
  d.set(src, 0);
  d.set(dst, E + N);
  for (let i = 0; i < N; i++) {
    d[E + i] = i;
    d[E + N + E + i] = i;
  }
  const nodes = Int32Array.from({ length: N }, (_, i) => i);
  return {
    edgeIndex: new Tensor(d, [2, E + N], "int32"),
    edgeAttr:
      edgeAttr === null ? null : concatRows([edgeAttr, loopAttrs(op, edgeAttr, dst, N, opts.fillValue ?? 1, nodes)]),
  };
}

/**
 * Adds a self-loop to every node that has none, like PyG's `add_remaining_self_loops`: the non-loop
 * edges keep their order, then come `numNodes` loops in node order; nodes that already had a loop keep
 * its attribute, the others get `fillValue` (default 1). Differentiable in float `edgeAttr`.
 */
export function addRemainingSelfLoops(edgeIndex: Tensor, opts: AddSelfLoopsOptions = {}): EdgeList {
  const op = "addRemainingSelfLoops";
  const { src, dst, E, N } = prepEdges(op, edgeIndex, opts.numNodes);
  const edgeAttr = checkEdgeAttr(op, opts.edgeAttr, E);
  const keep: number[] = [];
  const loopEdge = new Int32Array(N).fill(-1);
  for (let e = 0; e < E; e++) {
    if (src[e] === dst[e]) loopEdge[src[e]!] = e;
    else keep.push(e);
  }
  const K = keep.length;
  const d = new Int32Array(2 * (K + N));
  for (let i = 0; i < K; i++) {
    d[i] = src[keep[i]!]!;
    d[K + N + i] = dst[keep[i]!]!;
  }
  for (let i = 0; i < N; i++) {
    d[K + i] = i;
    d[K + N + K + i] = i;
  }
  let attr: Tensor | null = null;
  if (edgeAttr !== null) {
    // one gather from [edgeAttr; fill rows]: kept edges, then per node its own loop's row or its fill row
    const nodes = Int32Array.from({ length: N }, (_, i) => i);
    const fills = loopAttrs(op, edgeAttr, dst, N, opts.fillValue ?? 1, nodes);
    const rows = new Int32Array(K + N);
    for (let i = 0; i < K; i++) rows[i] = keep[i]!;
    for (let i = 0; i < N; i++) rows[K + i] = loopEdge[i]! >= 0 ? loopEdge[i]! : E + i;
    attr = selectRows(concatRows([edgeAttr, fills]), rows);
  }
  return { edgeIndex: new Tensor(d, [2, K + N], "int32"), edgeAttr: attr };
}

/** Stable order of edges by (primary, secondary) with two counting-sort passes. */
function sortEdges(primary: Int32Array, secondary: Int32Array, N: number): Int32Array {
  const E = primary.length;
  const pass = (key: Int32Array, order: Int32Array): Int32Array => {
    const cnt = new Int32Array(N + 1);
    for (let i = 0; i < E; i++) cnt[key[order[i]!]! + 1]!++;
    for (let i = 0; i < N; i++) cnt[i + 1]! += cnt[i]!;
    const out = new Int32Array(E);
    for (let i = 0; i < E; i++) out[cnt[key[order[i]!]!]!++] = order[i]!;
    return out;
  };
  const id = Int32Array.from({ length: E }, (_, i) => i);
  return pass(primary, pass(secondary, id));
}

/** Options of {@link coalesce}. */
export interface CoalesceOptions {
  edgeAttr?: Tensor | null;
  numNodes?: number;
  /** How attributes of duplicate edges combine (default `'sum'`, like PyG). */
  reduce?: EdgeReduce;
  /** Sort by source then target (default true); false sorts by target then source. */
  sortByRow?: boolean;
}

/**
 * Sorts edges by (source, target) and merges duplicates, combining their attributes with `reduce`,
 * like PyG's `coalesce`.
 */
export function coalesce(edgeIndex: Tensor, opts: CoalesceOptions = {}): EdgeList {
  const op = "coalesce";
  const { src, dst, E, N } = prepEdges(op, edgeIndex, opts.numNodes);
  const edgeAttr = checkEdgeAttr(op, opts.edgeAttr, E);
  const reduce = opts.reduce ?? "sum";
  if (!["sum", "add", "mean", "max", "min", "mul"].includes(reduce))
    opError(op, "reduce", "one of sum, add, mean, max, min, mul", String(reduce));
  const byRow = opts.sortByRow ?? true;
  const order = byRow ? sortEdges(src, dst, N) : sortEdges(dst, src, N);
  // group starts
  const groupOf = new Int32Array(E);
  const firstOf: number[] = [];
  for (let i = 0; i < E; i++) {
    const e = order[i]!;
    if (i === 0 || src[e] !== src[order[i - 1]!] || dst[e] !== dst[order[i - 1]!]) firstOf.push(e);
    groupOf[i] = firstOf.length - 1;
  }
  const M = firstOf.length;
  const out = new Int32Array(2 * M);
  for (let g = 0; g < M; g++) {
    out[g] = src[firstOf[g]!]!;
    out[M + g] = dst[firstOf[g]!]!;
  }
  let attr: Tensor | null = null;
  if (edgeAttr !== null) {
    const F = rowSize(edgeAttr);
    const a = edgeAttr.data;
    const acc = new Float64Array(M * F);
    const cnt = new Int32Array(M);
    const isMax = reduce === "max";
    const isMin = reduce === "min";
    const isMul = reduce === "mul";
    if (isMax) acc.fill(-Infinity);
    else if (isMin) acc.fill(Infinity);
    else if (isMul) acc.fill(1);
    for (let i = 0; i < E; i++) {
      const e = order[i]!;
      const g = groupOf[i]!;
      cnt[g]!++;
      for (let f = 0; f < F; f++) {
        const x = a[e * F + f]!;
        const k = g * F + f;
        if (isMax) acc[k] = Math.max(acc[k]!, x);
        else if (isMin) acc[k] = Math.min(acc[k]!, x);
        else if (isMul) acc[k]! *= x;
        else acc[k]! += x;
      }
    }
    if (reduce === "mean") for (let g = 0; g < M; g++) for (let f = 0; f < F; f++) acc[g * F + f]! /= cnt[g]!;
    const data = allocate(edgeAttr.dtype, M * F);
    if (edgeAttr.dtype === "bool") for (let i = 0; i < acc.length; i++) data[i] = acc[i] !== 0 ? 1 : 0;
    else data.set(acc);
    attr = new Tensor(data, [M, ...edgeAttr.shape.slice(1)], edgeAttr.dtype);
  }
  return { edgeIndex: new Tensor(out, [2, M], "int32"), edgeAttr: attr };
}

/** Options of {@link toUndirected}. */
export interface ToUndirectedOptions {
  edgeAttr?: Tensor | null;
  numNodes?: number;
  /** How attributes of an edge present in both directions combine (default `'sum'`, like PyG). */
  reduce?: EdgeReduce;
}

/** Adds the reverse of every edge, then coalesces (PyG's `to_undirected`). */
export function toUndirected(edgeIndex: Tensor, opts: ToUndirectedOptions = {}): EdgeList {
  const { src, dst, E, N } = prepEdges("toUndirected", edgeIndex, opts.numNodes);
  const edgeAttr = checkEdgeAttr("toUndirected", opts.edgeAttr, E);
  const s = new Int32Array(2 * E);
  const t = new Int32Array(2 * E);
  s.set(src, 0);
  s.set(dst, E);
  t.set(dst, 0);
  t.set(src, E);
  const both = makeEdgeIndex(s, t);
  return coalesce(both, {
    edgeAttr: edgeAttr === null ? null : catRows([edgeAttr, edgeAttr]),
    numNodes: N,
    reduce: opts.reduce ?? "sum",
  });
}

function sameTensorData(a: TypedArray, b: TypedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * True when every edge `(u, v)` has its reverse `(v, u)` (with an equal attribute row when `edgeAttr`
 * is given). Duplicates are merged first.
 */
export function isUndirected(edgeIndex: Tensor, opts: { edgeAttr?: Tensor | null; numNodes?: number } = {}): boolean {
  const { src, dst, E, N } = prepEdges("isUndirected", edgeIndex, opts.numNodes);
  checkEdgeAttr("isUndirected", opts.edgeAttr, E);
  const a = coalesce(edgeIndex, { edgeAttr: opts.edgeAttr ?? null, numNodes: N });
  const b = coalesce(makeEdgeIndex(dst, src), { edgeAttr: opts.edgeAttr ?? null, numNodes: N });
  if (!sameTensorData(a.edgeIndex.data, b.edgeIndex.data)) return false;
  if (a.edgeAttr !== null && b.edgeAttr !== null) return sameTensorData(a.edgeAttr.data, b.edgeAttr.data);
  return true;
}

/** Dense adjacency `[N, N]` with `A[src, dst] = weight` (summed over duplicates; float32 by default). */
export function toDenseAdj(
  edgeIndex: Tensor,
  opts: { edgeWeight?: Tensor | null; numNodes?: number; dtype?: DType } = {},
): Tensor {
  const { src, dst, E, N } = prepEdges("toDenseAdj", edgeIndex, opts.numNodes);
  const w = checkEdgeAttr("toDenseAdj", opts.edgeWeight, E, "edgeWeight");
  const dtype = opts.dtype ?? w?.dtype ?? "float32";
  const out = allocate(dtype, N * N);
  for (let e = 0; e < E; e++) out[src[e]! * N + dst[e]!]! += w === null ? 1 : w.data[e]!;
  return new Tensor(out, [N, N], dtype);
}

/** The edges of an edge index grouped by unordered endpoints (see {@link undirectedPairs}). */
export interface EdgePairs {
  /** int32 `[2, P]`: one edge of each group, its first in edge order (with that edge's direction). */
  pairIndex: Tensor;
  /** int32 `[E]`: the group of each edge (0 ≤ id < P), groups numbered by their first edge. */
  pairOf: Tensor;
}

/**
 * Groups the edges of `edgeIndex` by their unordered endpoints {i, j}: an edge and its reverse (and any
 * duplicates) share one group, a self-loop is a group of its own. Quantities that depend only on the
 * pair, such as a distance and what is computed from it, can be computed once per group on `pairIndex`
 * and read for every edge through `pairOf`. O(E + N), node ids checked.
 */
export function undirectedPairs(edgeIndex: Tensor, numNodes?: number): EdgePairs {
  const { src, dst, E, N } = prepEdges("undirectedPairs", edgeIndex, numNodes);
  // bucket the edges by their smaller endpoint (counting sort, stable), then group equal larger ends
  const start = new Int32Array(N + 1);
  for (let e = 0; e < E; e++) start[Math.min(src[e]!, dst[e]!) + 1]!++;
  for (let v = 0; v < N; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, N);
  const order = new Int32Array(E);
  for (let e = 0; e < E; e++) order[fill[Math.min(src[e]!, dst[e]!)]!++] = e;
  const seen = new Int32Array(N).fill(-1);
  const group = new Int32Array(N);
  const tmp = new Int32Array(E);
  let groups = 0;
  for (let v = 0; v < N; v++) {
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const e = order[k]!;
      const hi = Math.max(src[e]!, dst[e]!);
      if (seen[hi] !== v) {
        seen[hi] = v;
        group[hi] = groups++;
      }
      tmp[e] = group[hi]!;
    }
  }
  // renumber the groups by their first edge
  const rename = new Int32Array(groups).fill(-1);
  const pairOf = new Int32Array(E);
  const first = new Int32Array(groups);
  let P = 0;
  for (let e = 0; e < E; e++) {
    const t = tmp[e]!;
    if (rename[t] === -1) {
      rename[t] = P;
      first[P++] = e;
    }
    pairOf[e] = rename[t]!;
  }
  const pi = new Int32Array(2 * P);
  for (let p = 0; p < P; p++) {
    pi[p] = src[first[p]!]!;
    pi[P + p] = dst[first[p]!]!;
  }
  return { pairIndex: new Tensor(pi, [2, P], "int32"), pairOf: new Tensor(pairOf, [E], "int32") };
}
