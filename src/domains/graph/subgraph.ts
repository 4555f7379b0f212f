/**
 * Subgraphs and components with PyG's names: {@link subgraph} (the edges among a node subset),
 * {@link kHopSubgraph} (a k-hop neighbourhood) and {@link connectedComponents} (weak or strong).
 */
import { fmtShape, opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { compressEdges } from "./graph.js";
import { checkEdgeAttr, maybeNumNodes, prepEdges, takeRows } from "./internal.js";
import { type EdgeList, makeEdgeIndex } from "./utils.js";

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
  const { src, dst, E, N } = prepEdges(op, edgeIndex, opts.numNodes ?? inferredN);
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
  const { src, dst, E, N } = prepEdges(
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
  const { src, dst, E, N } = prepEdges("connectedComponents", edgeIndex, opts.numNodes);
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
