/**
 * Edge-index utilities with PyTorch Geometric's names and semantics (`degree`, `addSelfLoops`,
 * `coalesce`, `toUndirected`, `subgraph`, `kHopSubgraph`, `gcnNorm`, ...). They take an int32
 * `[2, E]` edge index (row 0 sources, row 1 targets) and optional per-edge attributes `[E, ...]`, and
 * return new tensors; inputs are never modified. They compute on data and do not record gradients.
 */
import { allocate, type DType, isFloat, type TypedArray } from "../../tensor/dtype.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkEdgeIndex, compressEdges, Graph } from "./graph.js";
import { catRows, rowSize, takeRows } from "./internal.js";

/** An edge index with its (optional) edge attributes. */
export interface EdgeList {
  edgeIndex: Tensor;
  edgeAttr: Tensor | null;
}

/** How attributes of merged duplicate edges combine. */
export type EdgeReduce = "sum" | "add" | "mean" | "max" | "min" | "mul";

/** Largest id + 1, or 0 for an empty index. */
export function maybeNumNodes(edgeIndex: Tensor, numNodes?: number): number {
  if (numNodes !== undefined) return numNodes;
  let m = -1;
  const d = edgeIndex.data;
  for (let i = 0; i < d.length; i++) if (d[i]! > m) m = d[i]!;
  return m + 1;
}

function prep(
  op: string,
  edgeIndex: Tensor,
  numNodes?: number,
): { src: Int32Array; dst: Int32Array; E: number; N: number } {
  checkEdgeIndex(op, edgeIndex);
  if (numNodes !== undefined && (!Number.isInteger(numNodes) || numNodes < 0))
    opError(op, "numNodes", "a non-negative integer", String(numNodes));
  const N = maybeNumNodes(edgeIndex, numNodes);
  checkEdgeIndex(op, edgeIndex, N);
  const E = edgeIndex.shape[1]!;
  const d = edgeIndex.data as Int32Array;
  return { src: d.subarray(0, E), dst: d.subarray(E, 2 * E), E, N };
}

function checkEdgeAttr(op: string, edgeAttr: Tensor | null | undefined, E: number, arg = "edgeAttr"): Tensor | null {
  if (edgeAttr === null || edgeAttr === undefined) return null;
  if (edgeAttr.ndim === 0 || edgeAttr.shape[0] !== E)
    opError(op, arg, `${E} rows (one per edge)`, `shape ${fmtShape(edgeAttr.shape)}`);
  return edgeAttr;
}

/** Builds an int32 `[2, E]` tensor from source and target arrays. */
export function makeEdgeIndex(src: ArrayLike<number>, dst: ArrayLike<number>): Tensor {
  const E = src.length;
  const d = new Int32Array(2 * E);
  for (let e = 0; e < E; e++) {
    d[e] = src[e]!;
    d[E + e] = dst[e]!;
  }
  return new Tensor(d, [2, E], "int32");
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
  const { src, dst, E, N } = prep("containsIsolatedNodes", edgeIndex, numNodes);
  const seen = new Uint8Array(N);
  for (let e = 0; e < E; e++) {
    if (src[e] === dst[e]) continue;
    seen[src[e]!] = 1;
    seen[dst[e]!] = 1;
  }
  return seen.includes(0);
}

/** Drops self-loops (and their attribute rows). */
export function removeSelfLoops(edgeIndex: Tensor, edgeAttr: Tensor | null = null): EdgeList {
  checkEdgeIndex("removeSelfLoops", edgeIndex);
  const E = edgeIndex.shape[1]!;
  checkEdgeAttr("removeSelfLoops", edgeAttr, E);
  const d = edgeIndex.data;
  const keep: number[] = [];
  for (let e = 0; e < E; e++) if (d[e] !== d[E + e]) keep.push(e);
  const src = keep.map((e) => d[e]!);
  const dst = keep.map((e) => d[E + e]!);
  return { edgeIndex: makeEdgeIndex(src, dst), edgeAttr: edgeAttr === null ? null : takeRows(edgeAttr, keep) };
}

/** Fill value of new self-loop attributes: a number, a tensor shaped like one attribute row, or a reduction of each node's incoming edge attributes. */
export type LoopFill = number | Tensor | "sum" | "add" | "mean" | "max" | "min";

function loopAttrs(
  op: string,
  edgeAttr: Tensor,
  dst: Int32Array,
  N: number,
  fill: LoopFill,
  nodes: ArrayLike<number>,
): Tensor {
  const F = rowSize(edgeAttr);
  const rest = edgeAttr.shape.slice(1);
  const out = allocate(edgeAttr.dtype, nodes.length * F);
  if (typeof fill === "number") {
    out.fill(fill);
  } else if (fill instanceof Tensor) {
    if (fill.size !== F && fill.size !== 1)
      opError(
        op,
        "fillValue",
        `a tensor with 1 or ${F} elements (one attribute row ${fmtShape(rest)})`,
        `shape ${fmtShape(fill.shape)}`,
      );
    for (let i = 0; i < nodes.length; i++)
      for (let f = 0; f < F; f++) out[i * F + f] = fill.data[fill.size === 1 ? 0 : f]!;
  } else {
    const acc = new Float64Array(N * F);
    const cnt = new Int32Array(N);
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
    for (let i = 0; i < nodes.length; i++) {
      const v = nodes[i]!;
      for (let f = 0; f < F; f++) {
        const c = cnt[v]!;
        const s = acc[v * F + f]!;
        out[i * F + f] = c === 0 ? 0 : fill === "mean" ? s / c : s;
      }
    }
  }
  return new Tensor(out, [nodes.length, ...rest], edgeAttr.dtype);
}

/** Options of {@link addSelfLoops}. */
export interface AddSelfLoopsOptions {
  edgeAttr?: Tensor | null;
  /** Attribute value of the new loops (default 1); see {@link LoopFill}. */
  fillValue?: LoopFill;
  numNodes?: number;
}

/**
 * Appends one self-loop per node (`0..numNodes-1`) after the existing edges, like PyG's
 * `add_self_loops`. New loop attributes get `fillValue` (default 1), which may also be `'mean'`,
 * `'sum'`, `'max'` or `'min'` of each node's incoming edge attributes.
 */
export function addSelfLoops(edgeIndex: Tensor, opts: AddSelfLoopsOptions = {}): EdgeList {
  const { src, dst, E, N } = prep("addSelfLoops", edgeIndex, opts.numNodes);
  const edgeAttr = checkEdgeAttr("addSelfLoops", opts.edgeAttr, E);
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
      edgeAttr === null
        ? null
        : catRows([edgeAttr, loopAttrs("addSelfLoops", edgeAttr, dst, N, opts.fillValue ?? 1, nodes)]),
  };
}

/**
 * Adds a self-loop to every node that has none, like PyG's `add_remaining_self_loops`: the non-loop
 * edges keep their order, then come `numNodes` loops in node order; nodes that already had a loop keep
 * its attribute, the others get `fillValue` (default 1).
 */
export function addRemainingSelfLoops(edgeIndex: Tensor, opts: AddSelfLoopsOptions = {}): EdgeList {
  const { src, dst, E, N } = prep("addRemainingSelfLoops", edgeIndex, opts.numNodes);
  const edgeAttr = checkEdgeAttr("addRemainingSelfLoops", opts.edgeAttr, E);
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
    const nodes = Int32Array.from({ length: N }, (_, i) => i);
    const loops = loopAttrs("addRemainingSelfLoops", edgeAttr, dst, N, opts.fillValue ?? 1, nodes);
    const F = rowSize(edgeAttr);
    for (let i = 0; i < N; i++) {
      const e = loopEdge[i]!;
      if (e >= 0) loops.data.set(edgeAttr.data.subarray(e * F, (e + 1) * F), i * F);
    }
    attr = catRows([takeRows(edgeAttr, keep), loops]);
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
  const { src, dst, E, N } = prep(op, edgeIndex, opts.numNodes);
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
  const { src, dst, E, N } = prep("toUndirected", edgeIndex, opts.numNodes);
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
  const { src, dst, E, N } = prep("isUndirected", edgeIndex, opts.numNodes);
  checkEdgeAttr("isUndirected", opts.edgeAttr, E);
  const a = coalesce(edgeIndex, { edgeAttr: opts.edgeAttr ?? null, numNodes: N });
  const b = coalesce(makeEdgeIndex(dst, src), { edgeAttr: opts.edgeAttr ?? null, numNodes: N });
  if (!sameTensorData(a.edgeIndex.data, b.edgeIndex.data)) return false;
  if (a.edgeAttr !== null && b.edgeAttr !== null) return sameTensorData(a.edgeAttr.data, b.edgeAttr.data);
  return true;
}

function subsetMask(
  op: string,
  subset: Tensor | readonly number[],
  N: number,
): { mask: Uint8Array; order: Int32Array } {
  const mask = new Uint8Array(N);
  if (subset instanceof Tensor && subset.dtype === "bool") {
    if (subset.ndim !== 1 || subset.shape[0] !== N)
      opError(op, "subset", `a bool mask of shape [${N}] or int32 node ids`, `bool ${fmtShape(subset.shape)}`);
    mask.set(subset.data);
    const order: number[] = [];
    for (let i = 0; i < N; i++) if (mask[i]) order.push(i);
    return { mask, order: Int32Array.from(order) };
  }
  let ids: ArrayLike<number>;
  if (subset instanceof Tensor) {
    if (subset.dtype !== "int32" || subset.ndim !== 1)
      opError(op, "subset", "int32 node ids [K] or a bool mask [N]", `${subset.dtype} ${fmtShape(subset.shape)}`);
    ids = subset.data;
  } else ids = subset;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= N)
      opError(op, "subset", `node ids in [0, ${N}) (numNodes = ${N})`, `${v} at position ${i}`);
    mask[v] = 1;
  }
  return { mask, order: Int32Array.from(ids) };
}

/** Result of {@link subgraph}. */
export interface SubgraphResult extends EdgeList {
  /** Which original edges were kept (bool `[E]`). */
  edgeMask: Tensor;
}

/**
 * The edges whose two ends are both in `subset` (int32 node ids or a bool mask), like PyG's
 * `subgraph`. With `relabelNodes`, ids become positions in `subset` (its given order; ascending for a
 * mask).
 */
export function subgraph(
  subset: Tensor | readonly number[],
  edgeIndex: Tensor,
  opts: { edgeAttr?: Tensor | null; relabelNodes?: boolean; numNodes?: number } = {},
): SubgraphResult {
  const op = "subgraph";
  let inferredN = maybeNumNodes(edgeIndex);
  if (subset instanceof Tensor && subset.dtype === "bool") inferredN = subset.shape[0]!;
  else for (const v of subset instanceof Tensor ? subset.data : subset) inferredN = Math.max(inferredN, v + 1);
  const { src, dst, E, N } = prep(op, edgeIndex, opts.numNodes ?? inferredN);
  const edgeAttr = checkEdgeAttr(op, opts.edgeAttr, E);
  const { mask, order } = subsetMask(op, subset, N);
  const relabel = new Int32Array(N).fill(-1);
  for (let i = 0; i < order.length; i++) relabel[order[i]!] = i;
  const keep: number[] = [];
  const em = new Uint8Array(E);
  for (let e = 0; e < E; e++) {
    if (mask[src[e]!] && mask[dst[e]!]) {
      keep.push(e);
      em[e] = 1;
    }
  }
  const map = (v: number) => (opts.relabelNodes ? relabel[v]! : v);
  return {
    edgeIndex: makeEdgeIndex(
      keep.map((e) => map(src[e]!)),
      keep.map((e) => map(dst[e]!)),
    ),
    edgeAttr: edgeAttr === null ? null : takeRows(edgeAttr, keep),
    edgeMask: new Tensor(em, [E], "bool"),
  };
}

/** Result of {@link kHopSubgraph}. */
export interface KHopResult {
  /** The nodes within `numHops`, ascending (int32). */
  subset: Tensor;
  /** Edges among `subset` (relabelled to positions in `subset` with `relabelNodes`). */
  edgeIndex: Tensor;
  /** Positions of the seed nodes in `subset` (int32). */
  mapping: Tensor;
  /** Which original edges were kept (bool `[E]`). */
  edgeMask: Tensor;
}

/**
 * The `numHops`-hop neighbourhood of `nodeIdx`, like PyG's `k_hop_subgraph`: with the default flow
 * `'source_to_target'` it collects the nodes whose messages reach the seeds within `numHops` steps
 * (following edges backwards, from targets to sources); `'target_to_source'` follows them forwards.
 * The returned edges are all edges among the collected nodes; with `directed: true`, only the edges
 * that were traversed (those pointing toward a node reached before the last hop).
 */
export function kHopSubgraph(
  nodeIdx: number | readonly number[] | Tensor,
  numHops: number,
  edgeIndex: Tensor,
  opts: {
    relabelNodes?: boolean;
    numNodes?: number;
    flow?: "source_to_target" | "target_to_source";
    directed?: boolean;
  } = {},
): KHopResult {
  const op = "kHopSubgraph";
  if (!Number.isInteger(numHops) || numHops < 0) opError(op, "numHops", "a non-negative integer", String(numHops));
  const seeds: number[] =
    typeof nodeIdx === "number" ? [nodeIdx] : nodeIdx instanceof Tensor ? Array.from(nodeIdx.data) : [...nodeIdx];
  if (nodeIdx instanceof Tensor && nodeIdx.dtype !== "int32") opError(op, "nodeIdx", "int32 node ids", nodeIdx.dtype);
  const { src, dst, E, N } = prep(
    op,
    edgeIndex,
    opts.numNodes ?? Math.max(maybeNumNodes(edgeIndex), ...seeds.map((v) => v + 1)),
  );
  for (let i = 0; i < seeds.length; i++) {
    const v = seeds[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= N)
      opError(op, "nodeIdx", `node ids in [0, ${N}) (numNodes = ${N})`, `${v} at position ${i}`);
  }
  const forward = opts.flow === "target_to_source";
  // walk from `from` ends to `to` ends
  const from = forward ? src : dst;
  const to = forward ? dst : src;
  const adj = compressEdges(from, to, N);
  const visited = new Uint8Array(N);
  const hopOf = new Int32Array(N).fill(-1);
  let frontier: number[] = [];
  for (const s of seeds) {
    if (!visited[s]) frontier.push(s);
    visited[s] = 1;
    hopOf[s] = 0;
  }
  for (let h = 0; h < numHops; h++) {
    const next: number[] = [];
    for (const u of frontier) {
      for (let p = adj.ptr[u]!; p < adj.ptr[u + 1]!; p++) {
        const v = adj.index[p]!;
        if (!visited[v]) {
          visited[v] = 1;
          hopOf[v] = h + 1;
          next.push(v);
        }
      }
    }
    frontier = next;
  }
  const subsetIds: number[] = [];
  const pos = new Int32Array(N).fill(-1);
  for (let i = 0; i < N; i++) {
    if (visited[i]) {
      pos[i] = subsetIds.length;
      subsetIds.push(i);
    }
  }
  const keep: number[] = [];
  const em = new Uint8Array(E);
  for (let e = 0; e < E; e++) {
    const ok = opts.directed
      ? visited[to[e]!] && hopOf[from[e]!]! >= 0 && hopOf[from[e]!]! < numHops
      : visited[src[e]!] && visited[dst[e]!];
    if (ok) {
      keep.push(e);
      em[e] = 1;
    }
  }
  const map = (v: number) => (opts.relabelNodes ? pos[v]! : v);
  return {
    subset: new Tensor(Int32Array.from(subsetIds), [subsetIds.length], "int32"),
    edgeIndex: makeEdgeIndex(
      keep.map((e) => map(src[e]!)),
      keep.map((e) => map(dst[e]!)),
    ),
    mapping: new Tensor(Int32Array.from(seeds.map((s) => pos[s]!)), [seeds.length], "int32"),
    edgeMask: new Tensor(em, [E], "bool"),
  };
}

/** Result of {@link connectedComponents}. */
export interface ComponentsResult {
  numComponents: number;
  /** Component id of every node (int32 `[N]`), numbered in order of each component's smallest node. */
  labels: Tensor;
}

/**
 * Connected components: `'weak'` ignores edge direction (union-find); `'strong'` follows it
 * (iterative Tarjan). Components are numbered by their smallest node id.
 */
export function connectedComponents(
  edgeIndex: Tensor,
  opts: { numNodes?: number; connection?: "weak" | "strong" } = {},
): ComponentsResult {
  const { src, dst, E, N } = prep("connectedComponents", edgeIndex, opts.numNodes);
  const raw = new Int32Array(N);
  if ((opts.connection ?? "weak") === "weak") {
    const parent = Int32Array.from({ length: N }, (_, i) => i);
    const find = (x: number): number => {
      while (parent[x] !== x) {
        parent[x] = parent[parent[x]!]!;
        x = parent[x]!;
      }
      return x;
    };
    for (let e = 0; e < E; e++) {
      const a = find(src[e]!);
      const b = find(dst[e]!);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
    for (let i = 0; i < N; i++) raw[i] = find(i);
  } else {
    const adj = compressEdges(src, dst, N);
    const index = new Int32Array(N).fill(-1);
    const low = new Int32Array(N);
    const onStack = new Uint8Array(N);
    const stack: number[] = [];
    let counter = 0;
    for (let s = 0; s < N; s++) {
      if (index[s] !== -1) continue;
      const call: [number, number][] = [[s, adj.ptr[s]!]];
      index[s] = low[s] = counter++;
      stack.push(s);
      onStack[s] = 1;
      while (call.length > 0) {
        const top = call[call.length - 1]!;
        const v = top[0];
        if (top[1] < adj.ptr[v + 1]!) {
          const w = adj.index[top[1]++]!;
          if (index[w] === -1) {
            index[w] = low[w] = counter++;
            stack.push(w);
            onStack[w] = 1;
            call.push([w, adj.ptr[w]!]);
          } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        } else {
          call.pop();
          if (call.length > 0) {
            const u = call[call.length - 1]![0];
            low[u] = Math.min(low[u]!, low[v]!);
          }
          if (low[v] === index[v]) {
            const members: number[] = [];
            let w: number;
            do {
              w = stack.pop()!;
              onStack[w] = 0;
              members.push(w);
            } while (w !== v);
            const root = Math.min(...members);
            for (const m of members) raw[m] = root;
          }
        }
      }
    }
  }
  const label = new Int32Array(N).fill(-1);
  const out = new Int32Array(N);
  let k = 0;
  for (let i = 0; i < N; i++) {
    const r = raw[i]!;
    if (label[r] === -1) label[r] = k++;
    out[i] = label[r]!;
  }
  return { numComponents: k, labels: new Tensor(out, [N], "int32") };
}

/** Result of {@link gcnNorm}. */
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
  /** Output dtype when no weights are given (default float32). */
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
 * remaining self-loops (weight 1, or 2 when `improved`), takes the weighted degree at each target,
 * and returns `w_uv / sqrt(deg(u) deg(v))` with the new edge index. Zero-degree nodes give weight 0;
 * a negative degree (negative weights outweighing the rest) throws (see {@link checkDegrees}).
 * Computed on data: no gradient flows to `edgeWeight`.
 */
export function gcnNorm(edgeIndex: Tensor, opts: GcnNormOptions = {}): WeightedEdgeIndex {
  const op = "gcnNorm";
  const { E, N } = prep(op, edgeIndex, opts.numNodes);
  let w = opts.edgeWeight ?? null;
  if (w !== null) {
    if (!isFloat(w.dtype)) opError(op, "edgeWeight", "a float tensor", w.dtype);
    if (w.ndim !== 1 || w.shape[0] !== E) opError(op, "edgeWeight", `shape [${E}]`, fmtShape(w.shape));
  } else w = new Tensor(allocate(opts.dtype ?? "float32", E).fill(1), [E], opts.dtype ?? "float32");
  let ei = edgeIndex;
  if (opts.addSelfLoops ?? true) {
    const r = addRemainingSelfLoops(edgeIndex, { edgeAttr: w, fillValue: opts.improved ? 2 : 1, numNodes: N });
    ei = r.edgeIndex;
    w = r.edgeAttr!;
  }
  const M = ei.shape[1]!;
  const d = ei.data as Int32Array;
  const idx = opts.flow === "target_to_source" ? d.subarray(0, M) : d.subarray(M, 2 * M);
  const deg = new Float64Array(N);
  const wd = w.data;
  for (let e = 0; e < M; e++) deg[idx[e]!]! += wd[e]!;
  checkDegrees(op, deg);
  for (let i = 0; i < N; i++) deg[i] = deg[i]! > 0 ? 1 / Math.sqrt(deg[i]!) : 0;
  const out = allocate(w.dtype, M);
  for (let e = 0; e < M; e++) out[e] = deg[d[e]!]! * wd[e]! * deg[d[M + e]!]!;
  return { edgeIndex: ei, edgeWeight: new Tensor(out, [M], w.dtype) };
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
  const { E, N } = prep(op, edgeIndex, opts.numNodes);
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

/** Dense adjacency `[N, N]` with `A[src, dst] = weight` (summed over duplicates; float32 by default). */
export function toDenseAdj(
  edgeIndex: Tensor,
  opts: { edgeWeight?: Tensor | null; numNodes?: number; dtype?: DType } = {},
): Tensor {
  const { src, dst, E, N } = prep("toDenseAdj", edgeIndex, opts.numNodes);
  const w = checkEdgeAttr("toDenseAdj", opts.edgeWeight, E, "edgeWeight");
  const dtype = opts.dtype ?? w?.dtype ?? "float32";
  const out = allocate(dtype, N * N);
  for (let e = 0; e < E; e++) out[src[e]! * N + dst[e]!]! += w === null ? 1 : w.data[e]!;
  return new Tensor(out, [N, N], dtype);
}

// ---- graphology adapter --------------------------------------------------------------------------

type Attrs = Record<string, unknown>;

/** The part of a graphology graph that {@link fromGraphology} reads (structural; no dependency). */
export interface GraphologyReadable {
  nodes(): string[];
  getNodeAttributes(node: string): Attrs;
  forEachEdge(
    callback: (
      edge: string,
      attributes: Attrs,
      source: string,
      target: string,
      sourceAttributes: Attrs,
      targetAttributes: Attrs,
      undirected: boolean,
    ) => void,
  ): void;
}

/** The part of a graphology graph that {@link toGraphology} writes into. */
export interface GraphologyWritable {
  addNode(node: string, attributes?: Attrs): unknown;
  addDirectedEdge(source: string, target: string, attributes?: Attrs): unknown;
  addUndirectedEdge?(source: string, target: string, attributes?: Attrs): unknown;
}

/** graphology's serialized form (`graph.export()` / `Graph.from(...)`). */
export interface SerializedGraphology {
  attributes?: Attrs;
  options?: { type?: "directed" | "undirected" | "mixed"; multi?: boolean; allowSelfLoops?: boolean };
  nodes: { key: string | number; attributes?: Attrs }[];
  edges: {
    key?: string | number;
    source: string | number;
    target: string | number;
    attributes?: Attrs;
    undirected?: boolean;
  }[];
}

function rowValue(t: Tensor, i: number): number | boolean | number[] | boolean[] {
  const F = rowSize(t);
  const isBool = t.dtype === "bool";
  if (t.ndim === 1) return isBool ? t.data[i] !== 0 : t.data[i]!;
  const r = Array.from(t.data.subarray(i * F, (i + 1) * F));
  return isBool ? r.map((v) => v !== 0) : r;
}

/**
 * Converts a graph to graphology form. Without `target`, returns the serialized object
 * (`Graph.from(obj)` in graphology); with `target` (e.g. `new DirectedGraph()`), adds nodes `"0".."N-1"`
 * and edges to it and returns it. Node-level tensors become node attributes (rows as numbers or
 * arrays), edge-level ones edge attributes. With `undirected: true`, each pair `u < v` present in both
 * directions is written once as an undirected edge.
 */
export function toGraphology(
  graph: Graph,
  opts: { undirected?: boolean; nodeAttrs?: string[]; edgeAttrs?: string[] } = {},
): SerializedGraphology {
  const N = graph.numNodes;
  const E = graph.numEdges;
  const keys = graph.keys().filter((k) => k !== "edgeIndex");
  const nodeKeys = opts.nodeAttrs ?? keys.filter((k) => graph.levelOf(k) === "node" && k !== "batch");
  const edgeKeys = opts.edgeAttrs ?? keys.filter((k) => graph.levelOf(k) === "edge");
  const nodes: SerializedGraphology["nodes"] = [];
  for (let i = 0; i < N; i++) {
    const attributes: Attrs = {};
    for (const k of nodeKeys) attributes[k] = rowValue(graph.get(k)!, i);
    nodes.push({ key: String(i), attributes });
  }
  const d = graph.edgeIndex.data;
  const edges: SerializedGraphology["edges"] = [];
  const undirected = opts.undirected ?? false;
  const pairSet = new Set<string>();
  if (undirected) for (let e = 0; e < E; e++) pairSet.add(`${d[e]},${d[E + e]}`);
  for (let e = 0; e < E; e++) {
    const u = d[e]!;
    const v = d[E + e]!;
    const attributes: Attrs = {};
    for (const k of edgeKeys) attributes[k] = rowValue(graph.get(k)!, e);
    if (undirected) {
      if (u > v && pairSet.has(`${v},${u}`)) continue;
      edges.push({ source: String(u), target: String(v), attributes, undirected: true });
    } else edges.push({ source: String(u), target: String(v), attributes });
  }
  return {
    attributes: {},
    options: { type: undirected ? "undirected" : "directed", multi: false, allowSelfLoops: true },
    nodes,
    edges,
  };
}

/** Writes `graph` into a graphology instance (see {@link toGraphology}) and returns it. */
export function toGraphologyInto<G extends GraphologyWritable>(
  graph: Graph,
  target: G,
  opts: { undirected?: boolean; nodeAttrs?: string[]; edgeAttrs?: string[] } = {},
): G {
  const s = toGraphology(graph, opts);
  for (const n of s.nodes) target.addNode(String(n.key), n.attributes);
  for (const e of s.edges) {
    if (e.undirected) {
      if (target.addUndirectedEdge === undefined)
        opError("toGraphologyInto", "target", "a graph with addUndirectedEdge (undirected: true)", "none");
      target.addUndirectedEdge(String(e.source), String(e.target), e.attributes);
    } else target.addDirectedEdge(String(e.source), String(e.target), e.attributes);
  }
  return target;
}

function isReadable(g: GraphologyReadable | SerializedGraphology): g is GraphologyReadable {
  return typeof (g as GraphologyReadable).nodes === "function";
}

function attrsToTensor(op: string, name: string, values: unknown[]): Tensor | null {
  const n = values.length;
  if (n === 0) return null;
  const v0 = values[0];
  if (typeof v0 === "number" || typeof v0 === "boolean") {
    const isBool = typeof v0 === "boolean";
    const out = isBool ? new Uint8Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== typeof v0) opError(op, name, `a ${typeof v0} on every item`, `${typeof v} at item ${i}`);
      out[i] = Number(v);
    }
    return new Tensor(out, [n], isBool ? "bool" : "float32");
  }
  if (Array.isArray(v0)) {
    const F = v0.length;
    const out = new Float32Array(n * F);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!Array.isArray(v) || v.length !== F)
        opError(op, name, `an array of ${F} numbers on every item`, `${JSON.stringify(v)} at item ${i}`);
      for (let f = 0; f < F; f++) out[i * F + f] = Number(v[f]);
    }
    return new Tensor(out, [n, F], "float32");
  }
  return null;
}

/**
 * Builds a {@link Graph} from a graphology graph (any object with `nodes()`, `getNodeAttributes()`
 * and `forEachEdge()`) or its serialized form. Node ids follow the order of `nodes`; undirected edges
 * become two directed ones. Numeric (or boolean, or numeric-array) node and edge attributes present on
 * every node / edge become tensors of the same name (restrict with `nodeAttrs` / `edgeAttrs`).
 */
export function fromGraphology(
  g: GraphologyReadable | SerializedGraphology,
  opts: { nodeAttrs?: string[]; edgeAttrs?: string[] } = {},
): Graph {
  const op = "fromGraphology";
  const nodeKeys: string[] = [];
  const nodeAttrs: Attrs[] = [];
  const edges: { s: string; t: string; a: Attrs; u: boolean }[] = [];
  if (isReadable(g)) {
    for (const k of g.nodes()) {
      nodeKeys.push(k);
      nodeAttrs.push(g.getNodeAttributes(k) ?? {});
    }
    g.forEachEdge((_e, a, s, t, _sa, _ta, u) => edges.push({ s, t, a: a ?? {}, u }));
  } else {
    if (!Array.isArray(g.nodes) || !Array.isArray(g.edges))
      opError(op, "g", "a graphology graph or its serialized form {nodes, edges}", typeof g);
    const undirectedGraph = g.options?.type === "undirected";
    for (const n of g.nodes) {
      nodeKeys.push(String(n.key));
      nodeAttrs.push(n.attributes ?? {});
    }
    for (const e of g.edges)
      edges.push({
        s: String(e.source),
        t: String(e.target),
        a: e.attributes ?? {},
        u: e.undirected ?? undirectedGraph,
      });
  }
  const id = new Map<string, number>();
  for (let i = 0; i < nodeKeys.length; i++) id.set(nodeKeys[i]!, i);
  const src: number[] = [];
  const dst: number[] = [];
  const edgeRows: Attrs[] = [];
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    const s = id.get(e.s);
    const t = id.get(e.t);
    if (s === undefined || t === undefined)
      opError(op, "g", "edges between listed nodes", `edge ${i} (${e.s} -> ${e.t}) with an unknown node`);
    src.push(s);
    dst.push(t);
    edgeRows.push(e.a);
    if (e.u && s !== t) {
      src.push(t);
      dst.push(s);
      edgeRows.push(e.a);
    }
  }
  const graph = new Graph({ edgeIndex: makeEdgeIndex(src, dst), numNodes: nodeKeys.length });
  const common = (rows: Attrs[], names?: string[]) =>
    names ?? (rows.length === 0 ? [] : Object.keys(rows[0]!).filter((k) => rows.every((r) => k in r)));
  for (const k of common(nodeAttrs, opts.nodeAttrs)) {
    const t = attrsToTensor(
      op,
      k,
      nodeAttrs.map((a) => a[k]),
    );
    if (t !== null) graph.set(k, t, "node");
  }
  for (const k of common(edgeRows, opts.edgeAttrs)) {
    const t = attrsToTensor(
      op,
      k,
      edgeRows.map((a) => a[k]),
    );
    if (t !== null) graph.set(k, t, "edge");
  }
  return graph;
}
