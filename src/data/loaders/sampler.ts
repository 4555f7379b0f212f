/**
 * Subgraph samplers over a {@link GraphStore}, on typed arrays (no tensors): multi-hop neighbour
 * sampling (GraphSAGE / PyG's `NeighborSampler`), induced subgraphs of node sets (Cluster-GCN,
 * GraphSAINT) and random walks (GraphSAINT). Each asks the store once per hop for the whole
 * frontier. Results are relabelled: local id `i` is global node `nId[i]`, the seed nodes first in
 * their given order, then every newly reached node in the order it was reached (hop by hop).
 */
import { ErlangenError, opError } from "../../tensor/errors.js";
import type { Generator } from "../../tensor/rng.js";
import type { GraphStore, NeighborLists } from "../stores/store.js";

/** A growable int32 buffer. */
export class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  /** A trimmed copy. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Global → local id map over `numNodes` nodes (−1: not in the sample), reset after each use by
 * clearing only the touched entries. Maps are pooled per node count, so one is allocated per
 * concurrent sampling in a thread.
 */
export class NodeMap {
  readonly local: Int32Array;
  readonly nodes = new IntBuffer();
  constructor(numNodes: number) {
    this.local = new Int32Array(numNodes).fill(-1);
  }
  /** The local id of `v`, adding it when new. */
  add(v: number): number {
    const l = this.local[v]!;
    if (l !== -1) return l;
    const id = this.nodes.length;
    this.local[v] = id;
    this.nodes.push(v);
    return id;
  }
  clear(): void {
    const d = this.nodes.data;
    for (let i = 0; i < this.nodes.length; i++) this.local[d[i]!] = -1;
    this.nodes.length = 0;
  }
}

const freeMaps = new Map<number, NodeMap[]>();

/** A cleared {@link NodeMap} for `numNodes` nodes (give it back with {@link releaseNodeMap}). */
export function acquireNodeMap(numNodes: number): NodeMap {
  const list = freeMaps.get(numNodes);
  return list?.pop() ?? new NodeMap(numNodes);
}

/** Clears `m` and keeps it for reuse. */
export function releaseNodeMap(m: NodeMap): void {
  m.clear();
  const n = m.local.length;
  let list = freeMaps.get(n);
  if (list === undefined) {
    list = [];
    freeMaps.set(n, list);
  }
  if (list.length < 4) list.push(m);
}

/** A uniform integer in `[0, n)` from 32 random bits. */
export function randBelow(g: Generator, n: number): number {
  const r = Math.floor((g.nextUint32() * n) / 4294967296);
  return r < n ? r : n - 1;
}

/**
 * Picks `k` of the positions `0..deg−1`: all of them when `k < 0` or (without replacement) `deg ≤ k`;
 * `k` independent draws with replacement; else `k` distinct positions (Floyd's algorithm). Calls
 * `take(j)` for each pick and returns how many were taken.
 */
export function choosePositions(
  g: Generator,
  deg: number,
  k: number,
  replace: boolean,
  scratch: Int32Array,
  take: (j: number) => void,
): number {
  if (deg === 0 || k === 0) return 0;
  if (k < 0 || (!replace && deg <= k)) {
    for (let j = 0; j < deg; j++) take(j);
    return deg;
  }
  if (replace) {
    for (let i = 0; i < k; i++) take(randBelow(g, deg));
    return k;
  }
  if (k <= scratch.length) {
    let c = 0;
    for (let j = deg - k; j < deg; j++) {
      const t = randBelow(g, j + 1);
      let seen = false;
      for (let i = 0; i < c; i++) {
        if (scratch[i] === t) {
          seen = true;
          break;
        }
      }
      scratch[c++] = seen ? j : t;
    }
    for (let i = 0; i < c; i++) take(scratch[i]!);
    return k;
  }
  const set = new Set<number>();
  const order: number[] = [];
  for (let j = deg - k; j < deg; j++) {
    const t = randBelow(g, j + 1);
    const pick = set.has(t) ? j : t;
    set.add(pick);
    order.push(pick);
  }
  for (const j of order) take(j);
  return k;
}

/** Options of {@link sampleNeighbors}. */
export interface NeighborSamplingOptions {
  /** Neighbours drawn per node at each hop (−1: all), e.g. `[15, 10]`. */
  fanouts: readonly number[];
  /** Draw with replacement (default false). */
  replace?: boolean;
  /**
   * `true` (default): the subgraph holds the sampled edges only (one hop at a time, grouped by hop);
   * `false`: every edge of the graph between sampled nodes (the induced subgraph).
   */
  directed?: boolean;
}

/** A sampled subgraph in local ids. */
export interface SampledSubgraph {
  /** Global id of each local node (seed nodes first). */
  nId: Int32Array;
  /** Edges `[2, E]` flattened: local sources, then local targets. */
  edgeIndex: Int32Array;
  /** Store edge id of each edge. */
  eId: Int32Array;
  /** Nodes first reached at each hop (hop 0: the seeds), or null when not hop-structured. */
  numSampledNodes: Int32Array | null;
  /** Edges sampled at each hop 1..L (directed neighbour sampling only), or null. */
  numSampledEdges: Int32Array | null;
}

function checkSeeds(op: string, seeds: Int32Array, numNodes: number): void {
  for (let i = 0; i < seeds.length; i++) {
    const v = seeds[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= numNodes)
      opError(op, "seeds", `node ids in [0, ${numNodes})`, `${v} at position ${i}`);
  }
}

function flatten(rows: IntBuffer, cols: IntBuffer): Int32Array {
  const E = rows.length;
  const out = new Int32Array(2 * E);
  out.set(rows.data.subarray(0, E), 0);
  out.set(cols.data.subarray(0, E), E);
  return out;
}

/**
 * Multi-hop neighbour sampling from `seeds` (distinct node ids): at hop `l`, each node first reached
 * at hop `l − 1` draws `fanouts[l]` of its incoming neighbours. Edges point from the neighbour
 * (source) to the node that drew it (target), as messages flow.
 */
export async function sampleNeighbors(
  store: GraphStore,
  seeds: Int32Array,
  opts: NeighborSamplingOptions,
  g: Generator,
): Promise<SampledSubgraph> {
  const op = "sampleNeighbors";
  const fanouts = opts.fanouts;
  if (!Array.isArray(fanouts) && !(fanouts instanceof Int32Array))
    opError(op, "fanouts", "an array of integers (−1: all neighbours)", typeof fanouts);
  for (const k of fanouts)
    if (!Number.isInteger(k) || k < -1) opError(op, "fanouts", "integers ≥ −1 (−1: all neighbours)", String(k));
  const replace = opts.replace ?? false;
  const directed = opts.directed ?? true;
  checkSeeds(op, seeds, store.numNodes);
  const map = acquireNodeMap(store.numNodes);
  try {
    for (let i = 0; i < seeds.length; i++) {
      if (map.add(seeds[i]!) !== i)
        throw new ErlangenError(`${op}: argument 'seeds' expected distinct node ids, got ${seeds[i]} twice`);
    }
    const L = fanouts.length;
    const numNodes = new Int32Array(L + 1);
    const numEdges = new Int32Array(L);
    numNodes[0] = seeds.length;
    const rows = new IntBuffer(seeds.length * 8);
    const cols = new IntBuffer(seeds.length * 8);
    const eids = new IntBuffer(seeds.length * 8);
    const fetched: { lists: NeighborLists; first: number }[] = [];
    const scratch = new Int32Array(64);
    let lo = 0;
    let hi = seeds.length;
    let prevEdges = 0;
    for (let l = 0; l < L; l++) {
      const k = fanouts[l]!;
      if (hi > lo) {
        const frontier = map.nodes.data.slice(lo, hi);
        const lists = await store.neighbors(frontier);
        if (!directed) fetched.push({ lists, first: lo });
        const { start, count, index, edgeOffset } = lists;
        for (let i = 0; i < frontier.length; i++) {
          const t = lo + i;
          const st = start[i]!;
          const off = edgeOffset[i]!;
          choosePositions(g, count[i]!, k, replace, scratch, (j) => {
            const s = map.add(index[st + j]!);
            if (directed) {
              rows.push(s);
              cols.push(t);
              eids.push(off + j);
            }
          });
        }
      }
      numEdges[l] = rows.length - prevEdges;
      prevEdges = rows.length;
      numNodes[l + 1] = map.nodes.length - hi;
      lo = hi;
      hi = map.nodes.length;
    }
    if (!directed) {
      if (hi > lo) fetched.push({ lists: await store.neighbors(map.nodes.data.slice(lo, hi)), first: lo });
      for (const { lists, first } of fetched) {
        const { start, count, index, edgeOffset } = lists;
        for (let i = 0; i < count.length; i++) {
          const st = start[i]!;
          for (let j = 0; j < count[i]!; j++) {
            const s = map.local[index[st + j]!]!;
            if (s === -1) continue;
            rows.push(s);
            cols.push(first + i);
            eids.push(edgeOffset[i]! + j);
          }
        }
      }
    }
    return {
      nId: map.nodes.toArray(),
      edgeIndex: flatten(rows, cols),
      eId: eids.toArray(),
      numSampledNodes: numNodes,
      numSampledEdges: directed ? numEdges : null,
    };
  } finally {
    releaseNodeMap(map);
  }
}

/**
 * The subgraph induced by `nodes` (distinct ids; local id `i` is `nodes[i]`): every edge of the
 * store between two of them, grouped by target in node order.
 */
export async function inducedSubgraph(store: GraphStore, nodes: Int32Array): Promise<SampledSubgraph> {
  const op = "inducedSubgraph";
  checkSeeds(op, nodes, store.numNodes);
  const map = acquireNodeMap(store.numNodes);
  try {
    for (let i = 0; i < nodes.length; i++) {
      if (map.add(nodes[i]!) !== i)
        throw new ErlangenError(`${op}: argument 'nodes' expected distinct node ids, got ${nodes[i]} twice`);
    }
    const rows = new IntBuffer(nodes.length * 4);
    const cols = new IntBuffer(nodes.length * 4);
    const eids = new IntBuffer(nodes.length * 4);
    if (nodes.length > 0) {
      const { start, count, index, edgeOffset } = await store.neighbors(nodes);
      for (let i = 0; i < nodes.length; i++) {
        const st = start[i]!;
        for (let j = 0; j < count[i]!; j++) {
          const s = map.local[index[st + j]!]!;
          if (s === -1) continue;
          rows.push(s);
          cols.push(i);
          eids.push(edgeOffset[i]! + j);
        }
      }
    }
    return {
      nId: nodes.slice(),
      edgeIndex: flatten(rows, cols),
      eId: eids.toArray(),
      numSampledNodes: null,
      numSampledEdges: null,
    };
  } finally {
    releaseNodeMap(map);
  }
}

/**
 * Random walks of `walkLength` steps from each of `roots` along incoming edges (a walk at a node
 * without neighbours stays there). Returns the visited nodes, sorted and distinct.
 */
export async function randomWalkNodes(
  store: GraphStore,
  roots: Int32Array,
  walkLength: number,
  g: Generator,
): Promise<Int32Array> {
  const op = "randomWalkNodes";
  if (!Number.isInteger(walkLength) || walkLength < 0)
    opError(op, "walkLength", "a non-negative integer", String(walkLength));
  checkSeeds(op, roots, store.numNodes);
  const map = acquireNodeMap(store.numNodes);
  try {
    let cur = roots.slice();
    for (let i = 0; i < cur.length; i++) map.add(cur[i]!);
    for (let s = 0; s < walkLength && cur.length > 0; s++) {
      const { start, count, index } = await store.neighbors(cur);
      const next = new Int32Array(cur.length);
      for (let i = 0; i < cur.length; i++) {
        const d = count[i]!;
        next[i] = d === 0 ? cur[i]! : index[start[i]! + randBelow(g, d)]!;
        map.add(next[i]!);
      }
      cur = next;
    }
    return map.nodes.toArray().sort();
  } finally {
    releaseNodeMap(map);
  }
}

/** Draws `count` node ids uniformly from `[0, numNodes)` (with repetition). */
export function uniformNodes(g: Generator, numNodes: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = randBelow(g, numNodes);
  return out;
}
