/**
 * Fill-reducing orderings of the rows of a sparse symmetric matrix, from its adjacency structure:
 *
 * - `nestedDissection`: George's nested dissection with level-structure separators. A pseudo-peripheral
 *   vertex is found by repeated breadth-first search; the level of the rooted level structure that
 *   splits the vertices most evenly (smallest level among the central ones) becomes the separator,
 *   trimmed to the vertices that touch the next level. Both halves are ordered first, recursively,
 *   the separator last. On meshes (planar-like graphs) this gives O(n log n) fill; leaves of at most
 *   `leafSize` vertices keep their breadth-first (Cuthill–McKee-like) order.
 * - `reverseCuthillMcKee`: bandwidth-reducing order (for envelope solvers and comparisons).
 *
 * An ordering is a permutation `perm` with `perm[k]` = the original row eliminated k-th.
 */
import { opError } from "../tensor/errors.js";
import type { CsrMatrix } from "./csr.js";

/** Adjacency of a symmetric pattern without the diagonal: neighbours of `i` are `adj[ptr[i] .. ptr[i+1]-1]`. */
export interface Adjacency {
  n: number;
  ptr: Int32Array;
  adj: Int32Array;
}

/** The symmetrised off-diagonal pattern of a square matrix (the graph the orderings work on). */
export function adjacencyOf(a: CsrMatrix): Adjacency {
  if (a.rows !== a.cols) opError("adjacencyOf", "a", "a square matrix", `${a.rows}×${a.cols}`);
  const n = a.rows;
  const t = a.transpose();
  const ptr = new Int32Array(n + 1);
  const adj = new Int32Array(a.nnz + t.nnz);
  let q = 0;
  for (let r = 0; r < n; r++) {
    // merge the sorted rows of A and Aᵀ, dropping the diagonal and duplicates
    let p = a.rowPtr[r]!;
    const pe = a.rowPtr[r + 1]!;
    let s = t.rowPtr[r]!;
    const se = t.rowPtr[r + 1]!;
    let last = -1;
    while (p < pe || s < se) {
      const ca = p < pe ? a.colIndex[p]! : n;
      const cb = s < se ? t.colIndex[s]! : n;
      const c = Math.min(ca, cb);
      if (ca === c) p++;
      if (cb === c) s++;
      if (c !== r && c !== last) adj[q++] = c;
      last = c;
    }
    ptr[r + 1] = q;
  }
  return { n, ptr, adj: adj.slice(0, q) };
}

/** Options of {@link nestedDissection}. */
export interface NestedDissectionOptions {
  /** Subgraphs up to this size are not split further (default 16). */
  leafSize?: number;
}

/**
 * Breadth-first search from `root` over the vertices with `mark[v] === id`; fills `order` with the
 * visited vertices level by level and `levelStart` with the offsets of the levels. Returns
 * `[visited, depth]` (depth = the largest level). `level[v]` receives each visited vertex's level.
 */
function bfs(
  g: Adjacency,
  root: number,
  mark: Int32Array,
  id: number,
  level: Int32Array,
  stamp: Int32Array,
  stampId: number,
  order: Int32Array,
  levelStart: number[],
): [number, number] {
  levelStart.length = 0;
  order[0] = root;
  stamp[root] = stampId;
  level[root] = 0;
  let head = 0;
  let tail = 1;
  let cur = -1;
  while (head < tail) {
    const v = order[head]!;
    if (level[v] !== cur) {
      cur = level[v]!;
      levelStart.push(head);
    }
    head++;
    for (let p = g.ptr[v]!; p < g.ptr[v + 1]!; p++) {
      const u = g.adj[p]!;
      if (mark[u] !== id || stamp[u] === stampId) continue;
      stamp[u] = stampId;
      level[u] = cur + 1;
      order[tail++] = u;
    }
  }
  levelStart.push(tail);
  return [tail, levelStart.length - 2];
}

/**
 * Nested-dissection ordering of a symmetric sparse pattern (see the module docs). Returns `perm`
 * (`perm[k]` = original row eliminated k-th). Disconnected graphs are handled component by component.
 */
export function nestedDissection(g: Adjacency, opts: NestedDissectionOptions = {}): Int32Array {
  const n = g.n;
  const leafSize = Math.max(2, opts.leafSize ?? 16);
  const perm = new Int32Array(n);
  const mark = new Int32Array(n); // subgraph id of each unnumbered vertex; -1 once numbered
  const level = new Int32Array(n);
  const stamp = new Int32Array(n).fill(-1);
  const order = new Int32Array(n);
  const members = new Int32Array(n);
  const levelStart: number[] = [];
  let stampId = 0;
  let nextId = 1;
  // work stack of subgraphs: [id, lo, hi) where its vertices (listed in members[lo..hi)) get positions lo..hi-1
  const stack: number[] = [0, 0, n];
  for (let i = 0; i < n; i++) members[i] = i;
  const deg = (v: number, id: number): number => {
    let d = 0;
    for (let p = g.ptr[v]!; p < g.ptr[v + 1]!; p++) if (mark[g.adj[p]!] === id) d++;
    return d;
  };
  const numberLeaf = (lo: number, hi: number, id: number): void => {
    // breadth-first order from a low-degree vertex of each component
    let pos = lo;
    for (let t = lo; t < hi; t++) {
      const s = members[t]!;
      if (mark[s] !== id) continue;
      const [cnt] = bfs(g, s, mark, id, level, stamp, ++stampId, order, levelStart);
      for (let i = 0; i < cnt; i++) {
        const v = order[i]!;
        perm[pos++] = v;
        mark[v] = -1;
      }
    }
  };
  while (stack.length > 0) {
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    const id = stack.pop()!;
    const size = hi - lo;
    if (size === 0) continue;
    if (size <= leafSize) {
      numberLeaf(lo, hi, id);
      continue;
    }
    // pseudo-peripheral root: start from a minimum-degree vertex, move to the far end while the depth grows
    let root = members[lo]!;
    let best = deg(root, id);
    for (let t = lo + 1; t < hi; t++) {
      const d = deg(members[t]!, id);
      if (d < best) {
        best = d;
        root = members[t]!;
      }
    }
    let [cnt, depth] = bfs(g, root, mark, id, level, stamp, ++stampId, order, levelStart);
    for (let it = 0; it < 8 && cnt === size; it++) {
      // the lowest-degree vertex of the last level
      let cand = -1;
      let cd = Number.POSITIVE_INFINITY;
      for (let i = levelStart[depth]!; i < levelStart[depth + 1]!; i++) {
        const d = deg(order[i]!, id);
        if (d < cd) {
          cd = d;
          cand = order[i]!;
        }
      }
      const [c2, d2] = bfs(g, cand, mark, id, level, stamp, ++stampId, order, levelStart);
      if (d2 <= depth) {
        // no gain: redo the search from the previous root so that `order`/`level` describe it
        [cnt, depth] = bfs(g, root, mark, id, level, stamp, ++stampId, order, levelStart);
        break;
      }
      root = cand;
      cnt = c2;
      depth = d2;
    }
    if (cnt < size) {
      // disconnected: split off the component found, keep the rest as another subgraph
      const idA = nextId++;
      const idB = nextId++;
      for (let i = 0; i < cnt; i++) mark[order[i]!] = idA;
      let a = lo;
      let b = lo + cnt;
      const tmp = members.slice(lo, hi);
      for (const v of tmp) {
        if (mark[v] === idA) members[a++] = v;
        else {
          mark[v] = idB;
          members[b++] = v;
        }
      }
      stack.push(idA, lo, lo + cnt, idB, lo + cnt, hi);
      continue;
    }
    if (depth < 2) {
      numberLeaf(lo, hi, id);
      continue;
    }
    // separator level m in [1, depth-1]: smallest level among those leaving 25..75 % below it
    let m = -1;
    let mSize = Number.POSITIVE_INFINITY;
    const half = size / 2;
    let mid = 1;
    for (let l = 1; l < depth; l++) if (levelStart[l]! <= half) mid = l;
    for (let l = 1; l < depth; l++) {
      const below = levelStart[l]!;
      if (below < 0.25 * size || below > 0.75 * size) continue;
      const s = levelStart[l + 1]! - levelStart[l]!;
      if (s < mSize || (s === mSize && Math.abs(l - mid) < Math.abs(m - mid))) {
        mSize = s;
        m = l;
      }
    }
    if (m < 0) m = mid;
    // separator: level-m vertices with a neighbour in level m+1; the others join the lower side
    const idA = nextId++;
    const idB = nextId++;
    const idS = nextId++;
    for (let i = 0; i < size; i++) {
      const v = order[i]!;
      const l = level[v]!;
      if (l < m) mark[v] = idA;
      else if (l > m) mark[v] = idB;
    }
    for (let i = levelStart[m]!; i < levelStart[m + 1]!; i++) {
      const v = order[i]!;
      let touches = false;
      for (let p = g.ptr[v]!; p < g.ptr[v + 1]! && !touches; p++) if (mark[g.adj[p]!] === idB) touches = true;
      mark[v] = touches ? idS : idA;
    }
    let nA = 0;
    let nB = 0;
    let nS = 0;
    for (let i = 0; i < size; i++) {
      const c = mark[order[i]!];
      if (c === idA) nA++;
      else if (c === idB) nB++;
      else nS++;
    }
    let a = lo;
    let b = lo + nA;
    let s = lo + nA + nB;
    for (let i = 0; i < size; i++) {
      const v = order[i]!;
      const c = mark[v];
      if (c === idA) members[a++] = v;
      else if (c === idB) members[b++] = v;
      else members[s++] = v;
    }
    // separator vertices are numbered last, in breadth-first order
    for (let t = lo + nA + nB; t < hi; t++) {
      perm[t] = members[t]!;
      mark[members[t]!] = -1;
    }
    void nS;
    stack.push(idA, lo, lo + nA, idB, lo + nA, lo + nA + nB);
  }
  return perm;
}

/** Reverse Cuthill–McKee ordering (each component from a pseudo-peripheral vertex; neighbours by degree). */
export function reverseCuthillMcKee(g: Adjacency): Int32Array {
  const n = g.n;
  const mark = new Int32Array(n);
  const level = new Int32Array(n);
  const stamp = new Int32Array(n).fill(-1);
  const order = new Int32Array(n);
  const levelStart: number[] = [];
  const degree = (v: number): number => g.ptr[v + 1]! - g.ptr[v]!;
  const visited = new Uint8Array(n);
  const out = new Int32Array(n);
  let pos = 0;
  let stampId = 0;
  for (let s = 0; s < n; s++) {
    if (visited[s]) continue;
    // pseudo-peripheral vertex of s's component
    let root = s;
    let [, depth] = bfs(g, root, mark, 0, level, stamp, ++stampId, order, levelStart);
    for (let it = 0; it < 8; it++) {
      let cand = -1;
      let cd = Number.POSITIVE_INFINITY;
      for (let i = levelStart[depth]!; i < levelStart[depth + 1]!; i++) {
        const d = degree(order[i]!);
        if (d < cd) {
          cd = d;
          cand = order[i]!;
        }
      }
      const [, d2] = bfs(g, cand, mark, 0, level, stamp, ++stampId, order, levelStart);
      if (d2 <= depth) break;
      root = cand;
      depth = d2;
    }
    // Cuthill–McKee from root: neighbours in increasing degree
    const start = pos;
    out[pos++] = root;
    visited[root] = 1;
    for (let head = start; head < pos; head++) {
      const v = out[head]!;
      const nb: number[] = [];
      for (let p = g.ptr[v]!; p < g.ptr[v + 1]!; p++) {
        const u = g.adj[p]!;
        if (!visited[u]) {
          visited[u] = 1;
          nb.push(u);
        }
      }
      nb.sort((x, y) => degree(x) - degree(y) || x - y);
      for (const u of nb) out[pos++] = u;
    }
    out.subarray(start, pos).reverse();
  }
  // components are reversed one by one; their order does not matter
  return out;
}

/** The inverse permutation: `inv[perm[k]] = k`. */
export function invertPermutation(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  for (let k = 0; k < perm.length; k++) inv[perm[k]!] = k;
  return inv;
}
