/**
 * Neighbour graphs on point positions (PyG's `knn_graph` and `radius_graph`), built with a k-d tree
 * per graph of the batch: O(N log N) to build, about O(log N + k) per query in low dimension.
 * Edges point from the neighbour (source) to the query point (target), grouped by target in ascending
 * order, nearest neighbour first (ties broken by the smaller index).
 */
import { fmtShape, opError } from "../../tensor/errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { makeEdgeIndex } from "./utils.js";

/** A k-d tree over `n` points of dimension `d` (row-major coordinates). */
class KdTree {
  readonly idx: Int32Array;
  // node arrays (implicit, built recursively)
  private readonly lo: number[] = [];
  private readonly hi: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly axis: number[] = [];
  private readonly split: number[] = [];

  constructor(
    readonly pts: Float64Array,
    readonly d: number,
    ids: Int32Array,
    readonly leafSize = 12,
  ) {
    this.idx = ids.slice();
    if (this.idx.length > 0) this.build(0, this.idx.length);
  }

  private build(a: number, b: number): number {
    const node = this.lo.length;
    this.lo.push(a);
    this.hi.push(b);
    this.left.push(-1);
    this.right.push(-1);
    this.axis.push(-1);
    this.split.push(0);
    if (b - a <= this.leafSize) return node;
    const { pts, d, idx } = this;
    // axis of largest spread
    let best = 0;
    let bestSpread = -1;
    for (let k = 0; k < d; k++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let i = a; i < b; i++) {
        const v = pts[idx[i]! * d + k]!;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      if (mx - mn > bestSpread) {
        bestSpread = mx - mn;
        best = k;
      }
    }
    if (bestSpread <= 0) return node; // all points equal: keep as a leaf
    const mid = (a + b) >> 1;
    this.select(a, b - 1, mid, best);
    this.axis[node] = best;
    this.split[node] = pts[idx[mid]! * d + best]!;
    this.left[node] = this.build(a, mid);
    this.right[node] = this.build(mid, b);
    return node;
  }

  /** Quickselect so that idx[k] has the k-th smallest coordinate on `axis` within [l, r]. */
  private select(l: number, r: number, k: number, axis: number): void {
    const { pts, d, idx } = this;
    const key = (i: number) => pts[idx[i]! * d + axis]!;
    while (r > l) {
      const pivot = key((l + r) >> 1);
      let i = l;
      let j = r;
      while (i <= j) {
        while (key(i) < pivot) i++;
        while (key(j) > pivot) j--;
        if (i <= j) {
          const t = idx[i]!;
          idx[i] = idx[j]!;
          idx[j] = t;
          i++;
          j--;
        }
      }
      if (k <= j) r = j;
      else if (k >= i) l = i;
      else return;
    }
  }

  private dist2(q: Float64Array, qo: number, p: number): number {
    const { pts, d } = this;
    let s = 0;
    const o = p * d;
    for (let k = 0; k < d; k++) {
      const t = q[qo + k]! - pts[o + k]!;
      s += t * t;
    }
    return s;
  }

  /** The k nearest points to query (coordinates at q[qo..]), excluding `skip` (-1 for none). */
  knn(q: Float64Array, qo: number, k: number, skip: number): { ids: number[]; d2: number[] } {
    // max-heap of (d2, id) of size <= k, ordered by (d2, id)
    const hd: number[] = [];
    const hi: number[] = [];
    const worse = (a: number, b: number) => hd[a]! > hd[b]! || (hd[a] === hd[b] && hi[a]! > hi[b]!);
    const swap = (a: number, b: number) => {
      [hd[a], hd[b]] = [hd[b]!, hd[a]!];
      [hi[a], hi[b]] = [hi[b]!, hi[a]!];
    };
    const push = (d2: number, id: number) => {
      if (hd.length < k) {
        hd.push(d2);
        hi.push(id);
        let c = hd.length - 1;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (!worse(c, p)) break;
          swap(c, p);
          c = p;
        }
      } else if (d2 < hd[0]! || (d2 === hd[0] && id < hi[0]!)) {
        hd[0] = d2;
        hi[0] = id;
        let p = 0;
        for (;;) {
          const l = 2 * p + 1;
          const r = l + 1;
          let m = p;
          if (l < hd.length && worse(l, m)) m = l;
          if (r < hd.length && worse(r, m)) m = r;
          if (m === p) break;
          swap(p, m);
          p = m;
        }
      }
    };
    const visit = (node: number) => {
      const ax = this.axis[node]!;
      if (ax < 0) {
        for (let i = this.lo[node]!; i < this.hi[node]!; i++) {
          const p = this.idx[i]!;
          if (p !== skip) push(this.dist2(q, qo, p), p);
        }
        return;
      }
      const diff = q[qo + ax]! - this.split[node]!;
      const near = diff < 0 ? this.left[node]! : this.right[node]!;
      const far = diff < 0 ? this.right[node]! : this.left[node]!;
      visit(near);
      if (hd.length < k || diff * diff <= hd[0]!) visit(far);
    };
    if (this.idx.length > 0 && k > 0) visit(0);
    const order = hd.map((_, i) => i).sort((a, b) => hd[a]! - hd[b]! || hi[a]! - hi[b]!);
    return { ids: order.map((i) => hi[i]!), d2: order.map((i) => hd[i]!) };
  }

  /** All points with squared distance < r2 to the query, excluding `skip`. */
  radius(q: Float64Array, qo: number, r2: number, skip: number, out: { ids: number[]; d2: number[] }): void {
    const visit = (node: number) => {
      const ax = this.axis[node]!;
      if (ax < 0) {
        for (let i = this.lo[node]!; i < this.hi[node]!; i++) {
          const p = this.idx[i]!;
          if (p === skip) continue;
          const d2 = this.dist2(q, qo, p);
          if (d2 < r2) {
            out.ids.push(p);
            out.d2.push(d2);
          }
        }
        return;
      }
      const diff = q[qo + ax]! - this.split[node]!;
      const near = diff < 0 ? this.left[node]! : this.right[node]!;
      const far = diff < 0 ? this.right[node]! : this.left[node]!;
      visit(near);
      if (diff * diff < r2) visit(far);
    };
    if (this.idx.length > 0) visit(0);
  }
}

function prepPoints(
  op: string,
  pos: Tensor,
  batch: Tensor | null | undefined,
  cosine: boolean,
): { pts: Float64Array; n: number; d: number; groups: Int32Array[] } {
  if (pos.ndim !== 2) opError(op, "pos", "a [N, d] tensor of positions", fmtShape(pos.shape));
  const n = pos.shape[0]!;
  const d = pos.shape[1]!;
  const pts = Float64Array.from(pos.data);
  for (let i = 0; i < pts.length; i++)
    if (!Number.isFinite(pts[i]!)) opError(op, "pos", "finite coordinates", `${pts[i]} at row ${Math.floor(i / d)}`);
  if (cosine) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += pts[i * d + k]! ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let k = 0; k < d; k++) pts[i * d + k]! *= inv;
    }
  }
  const groups: Int32Array[] = [];
  if (batch === null || batch === undefined) groups.push(Int32Array.from({ length: n }, (_, i) => i));
  else {
    if (batch.dtype !== "int32" || batch.ndim !== 1 || batch.shape[0] !== n)
      opError(op, "batch", `an int32 vector of length ${n}`, `${batch.dtype} ${fmtShape(batch.shape)}`);
    const m = new Map<number, number[]>();
    const bd = batch.data;
    for (let i = 0; i < n; i++) {
      let l = m.get(bd[i]!);
      if (l === undefined) m.set(bd[i]!, (l = []));
      l.push(i);
    }
    for (const k of [...m.keys()].sort((a, b) => a - b)) groups.push(Int32Array.from(m.get(k)!));
  }
  return { pts, n, d, groups };
}

function emit(targets: number[][], sources: number[][], flow: "source_to_target" | "target_to_source"): Tensor {
  const s: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < targets.length; i++) {
    const ts = targets[i]!;
    const ss = sources[i]!;
    for (let j = 0; j < ts.length; j++) {
      s.push(ss[j]!);
      t.push(ts[j]!);
    }
  }
  return flow === "source_to_target" ? makeEdgeIndex(s, t) : makeEdgeIndex(t, s);
}

/** Options of {@link knnGraph}. */
export interface KnnGraphOptions {
  /** Graph id of every point (int32 `[N]`); neighbours are only searched within the same graph. */
  batch?: Tensor | null;
  /** Count each point as its own neighbour (default false). */
  loop?: boolean;
  /** `'source_to_target'` (default): edges neighbour → point; `'target_to_source'` reverses them. */
  flow?: "source_to_target" | "target_to_source";
  /** Rank by cosine distance instead of Euclidean (default false). */
  cosine?: boolean;
}

/**
 * Edges from each point's `k` nearest neighbours to the point (PyG's `knn_graph`). Points with fewer
 * than `k` candidates in their graph get all of them.
 */
export function knnGraph(pos: Tensor, k: number, opts: KnnGraphOptions = {}): Tensor {
  const op = "knnGraph";
  if (!Number.isInteger(k) || k < 0) opError(op, "k", "a non-negative integer", String(k));
  const { pts, d, groups } = prepPoints(op, pos, opts.batch, opts.cosine ?? false);
  const targets: number[][] = [];
  const sources: number[][] = [];
  for (const ids of groups) {
    const tree = new KdTree(pts, d, ids);
    for (const i of ids) {
      const r = tree.knn(pts, i * d, k, opts.loop ? -1 : i);
      targets.push(r.ids.map(() => i));
      sources.push(r.ids);
    }
  }
  const order = targets.map((t, j) => [t[0] ?? -1, j] as const).filter(([t]) => t >= 0);
  order.sort((a, b) => a[0] - b[0]);
  return emit(
    order.map(([, j]) => targets[j]!),
    order.map(([, j]) => sources[j]!),
    opts.flow ?? "source_to_target",
  );
}

/** Options of {@link radiusGraph}. */
export interface RadiusGraphOptions {
  batch?: Tensor | null;
  /** Count each point as its own neighbour (default false). */
  loop?: boolean;
  /** Keep at most this many (the nearest) neighbours per point (default 32, like PyG). */
  maxNumNeighbors?: number;
  flow?: "source_to_target" | "target_to_source";
}

/**
 * Edges between all pairs of points closer than `r` (strictly), within the same graph (PyG's
 * `radius_graph`). Each point keeps its `maxNumNeighbors` nearest neighbours (PyG keeps the first ones
 * found; here the nearest are kept, which is deterministic).
 */
export function radiusGraph(pos: Tensor, r: number, opts: RadiusGraphOptions = {}): Tensor {
  const op = "radiusGraph";
  if (!(r >= 0) || !Number.isFinite(r)) opError(op, "r", "a finite non-negative radius", String(r));
  const maxK = opts.maxNumNeighbors ?? 32;
  if (!Number.isInteger(maxK) || maxK < 0) opError(op, "maxNumNeighbors", "a non-negative integer", String(maxK));
  const { pts, n, d, groups } = prepPoints(op, pos, opts.batch, false);
  // each point's neighbours, nearest first (ties by id), at most maxK
  const nbrs: (number[] | undefined)[] = new Array(n);
  const out = { ids: [] as number[], d2: [] as number[] };
  for (const ids of groups) {
    const tree = new KdTree(pts, d, ids);
    for (const i of ids) {
      out.ids.length = 0;
      out.d2.length = 0;
      tree.radius(pts, i * d, r * r, opts.loop ? -1 : i, out);
      nbrs[i] = nearestFirst(out.ids, out.d2, maxK);
    }
  }
  const s: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = nbrs[i];
    if (l === undefined) continue;
    for (const j of l) {
      s.push(j);
      t.push(i);
    }
  }
  return (opts.flow ?? "source_to_target") === "source_to_target" ? makeEdgeIndex(s, t) : makeEdgeIndex(t, s);
}

/** The first `k` of `ids` ordered by `d2`, then by id (an insertion sort: a point has few neighbours). */
function nearestFirst(ids: number[], d2: number[], k: number): number[] {
  const m = ids.length;
  const ord = new Int32Array(m);
  for (let a = 0; a < m; a++) {
    const da = d2[a]!;
    const ia = ids[a]!;
    let b = a;
    for (; b > 0; b--) {
      const o = ord[b - 1]!;
      if (d2[o]! < da || (d2[o] === da && ids[o]! < ia)) break;
      ord[b] = o;
    }
    ord[b] = a;
  }
  const res = new Array<number>(Math.min(k, m));
  for (let a = 0; a < res.length; a++) res[a] = ids[ord[a]!]!;
  return res;
}
