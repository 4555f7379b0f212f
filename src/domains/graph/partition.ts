/**
 * Balanced graph partitioning for Cluster-GCN (Chiang et al. 2019), on CSR adjacency (typed arrays).
 * A BFS-grown partition: parts are grown one after the other by breadth-first search (a part that
 * fills up hands the rest of the BFS front to the next, so parts stay connected pieces of the
 * graph; a new search starts from a random unvisited node when a component is exhausted), then
 * refined by passes of boundary moves: a node moves to the part holding most of its neighbours when
 * that gains and both parts stay within the balance bounds (a balanced label propagation). Cost:
 * O(E) per pass. The graph should be undirected (both directions stored), as for METIS.
 */
import { opError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";

/** Options of {@link partitionGraph}. */
export interface PartitionOptions {
  /** Seed of the search starts and the refinement order (default 0). */
  seed?: number;
  /** Refinement passes (default 4; 0: the BFS partition as grown). */
  refinePasses?: number;
  /** Largest part as a multiple of N / numParts (default 1.05). */
  imbalance?: number;
}

function checkCsr(op: string, ptr: Int32Array, index: Int32Array, numParts: number): number {
  const N = ptr.length - 1;
  if (N < 0) opError(op, "ptr", "numNodes + 1 offsets", "an empty array");
  if (ptr[N] !== index.length) opError(op, "ptr", `offsets ending at index.length = ${index.length}`, String(ptr[N]));
  if (!Number.isInteger(numParts) || numParts < 1 || numParts > Math.max(1, N))
    opError(op, "numParts", `an integer in [1, ${Math.max(1, N)}]`, String(numParts));
  return N;
}

/**
 * Splits the nodes of a CSR graph (`index[ptr[v] .. ptr[v + 1])` are v's neighbours) into `numParts`
 * balanced parts with few edges between them; see the file header. Returns each node's part.
 */
export function partitionGraph(
  ptr: Int32Array,
  index: Int32Array,
  numParts: number,
  opts: PartitionOptions = {},
): Int32Array {
  const op = "partitionGraph";
  const N = checkCsr(op, ptr, index, numParts);
  const passes = opts.refinePasses ?? 4;
  const imbalance = opts.imbalance ?? 1.05;
  if (!Number.isInteger(passes) || passes < 0) opError(op, "refinePasses", "a non-negative integer", String(passes));
  if (!(imbalance >= 1)) opError(op, "imbalance", "a number ≥ 1", String(imbalance));
  const g = new Generator(opts.seed ?? 0);
  const part = new Int32Array(N).fill(-1);
  const size = new Int32Array(numParts);
  const target = Math.ceil(N / numParts);
  // grow parts by BFS
  const queue = new Int32Array(N);
  const queued = new Uint8Array(N);
  let head = 0;
  let tail = 0;
  let p = 0;
  const starts = g.permutation(N);
  for (let s = 0; s < N; s++) {
    const root = starts[s]!;
    if (queued[root]) continue;
    queued[root] = 1;
    queue[tail++] = root;
    while (head < tail) {
      const v = queue[head++]!;
      part[v] = p;
      if (++size[p]! >= target && p < numParts - 1) p++;
      for (let e = ptr[v]!; e < ptr[v + 1]!; e++) {
        const u = index[e]!;
        if (!queued[u]) {
          queued[u] = 1;
          queue[tail++] = u;
        }
      }
    }
  }
  if (passes === 0 || numParts === 1) return part;
  // refine: move nodes to the part holding most of their neighbours, within the balance bounds
  const maxSize = Math.max(target, Math.ceil(target * imbalance));
  const minSize = Math.floor(N / numParts / imbalance);
  const count = new Int32Array(numParts);
  const touched = new Int32Array(numParts);
  for (let pass = 0; pass < passes; pass++) {
    let moved = 0;
    const order = g.permutation(N);
    for (let i = 0; i < N; i++) {
      const v = order[i]!;
      const cur = part[v]!;
      let nt = 0;
      for (let e = ptr[v]!; e < ptr[v + 1]!; e++) {
        const q = part[index[e]!]!;
        if (count[q] === 0) touched[nt++] = q;
        count[q]!++;
      }
      let best = cur;
      for (let t = 0; t < nt; t++) {
        const q = touched[t]!;
        if (count[q]! > count[best]! && size[q]! < maxSize) best = q;
      }
      if (best !== cur && size[cur]! > minSize) {
        part[v] = best;
        size[cur]!--;
        size[best]!++;
        moved++;
      }
      for (let t = 0; t < nt; t++) count[touched[t]!] = 0;
    }
    if (moved === 0) break;
  }
  return part;
}

/** A balanced random partition (node i of a random order goes to part i mod numParts): the baseline. */
export function randomPartition(numNodes: number, numParts: number, seed = 0): Int32Array {
  if (!Number.isInteger(numParts) || numParts < 1)
    opError("randomPartition", "numParts", "a positive integer", String(numParts));
  const perm = new Generator(seed).permutation(numNodes);
  const part = new Int32Array(numNodes);
  for (let i = 0; i < numNodes; i++) part[perm[i]!] = i % numParts;
  return part;
}

/** Fraction of the stored edges whose ends lie in different parts (the edge cut, 0..1). */
export function edgeCut(ptr: Int32Array, index: Int32Array, part: Int32Array): number {
  const N = ptr.length - 1;
  if (part.length !== N) opError("edgeCut", "part", `${N} part ids`, String(part.length));
  let cut = 0;
  for (let v = 0; v < N; v++) for (let e = ptr[v]!; e < ptr[v + 1]!; e++) if (part[index[e]!] !== part[v]) cut++;
  return index.length === 0 ? 0 : cut / index.length;
}

/** Nodes grouped by part: part p holds `nodes[ptr[p] .. ptr[p + 1])`, in increasing id order. */
export function partNodes(part: Int32Array, numParts: number): { ptr: Int32Array; nodes: Int32Array } {
  const ptr = new Int32Array(numParts + 1);
  for (let v = 0; v < part.length; v++) {
    const p = part[v]!;
    if (p < 0 || p >= numParts) opError("partNodes", "part", `part ids in [0, ${numParts})`, `${p} for node ${v}`);
    ptr[p + 1]!++;
  }
  for (let p = 0; p < numParts; p++) ptr[p + 1]! += ptr[p]!;
  const fill = ptr.slice(0, numParts);
  const nodes = new Int32Array(part.length);
  for (let v = 0; v < part.length; v++) nodes[fill[part[v]!]!++] = v;
  return { ptr, nodes };
}
