/**
 * Parallel-transport pooling levels for gauge bundles (de Haan et al., 2021, §5): a coarser vertex set
 * (farthest-point sampling, or a given subset), every fine vertex u assigned to a coarse vertex c(u) (the
 * nearest seed along the edges, multi-source Dijkstra on the edge lengths; Euclidean for parts that no seed
 * reaches), and the transport g_{u→c(u)} that carries tangent coordinates at u into c(u)'s frame (the
 * minimal rotation of normals, read in the two frames). A coarse vertex keeps the frame of its fine vertex;
 * the coarse level's edges join clusters that share a fine edge, and its angles come from the
 * projection-based operators ({@link pointGauge}).
 *
 * Pooling then reads f_c = mean_{u: c(u) = c} ρ(g_{u→c}) f_u and unpooling f_u = ρ(−g_{u→c(u)}) f_{c(u)}
 * (`TransportPool` / `TransportUnpool` in `layers/meshes`).
 */
import { opError } from "../../tensor/errors.js";
import { type GaugePooling, type MeshGauge, pointGauge } from "./gauge.js";
import { transportAngle } from "./transport.js";

/** Options of {@link gaugePooling}. */
export interface GaugePoolingOptions {
  /** Fraction of the vertices kept (default 0.25); ignored with `numCoarse` or `indices`. */
  ratio?: number;
  /** Number of coarse vertices. */
  numCoarse?: number;
  /** The coarse vertices as fine vertex ids (skips the sampling). */
  indices?: ArrayLike<number>;
  /** First vertex of the farthest-point sampling (default 0). */
  start?: number;
}

/** Farthest-point sampling of `k` of the V points `[V, 3]`, from `start` (Euclidean). */
function farthestPoints(pos: Float64Array, k: number, start: number): Int32Array {
  const V = pos.length / 3;
  const out = new Int32Array(k);
  const d = new Float64Array(V).fill(Number.POSITIVE_INFINITY);
  let cur = start;
  for (let i = 0; i < k; i++) {
    out[i] = cur;
    let best = -1;
    let bestD = -1;
    for (let v = 0; v < V; v++) {
      const dx = pos[3 * v]! - pos[3 * cur]!;
      const dy = pos[3 * v + 1]! - pos[3 * cur + 1]!;
      const dz = pos[3 * v + 2]! - pos[3 * cur + 2]!;
      const dd = dx * dx + dy * dy + dz * dz;
      if (dd < d[v]!) d[v] = dd;
      if (d[v]! > bestD) {
        bestD = d[v]!;
        best = v;
      }
    }
    cur = best;
  }
  return out;
}

/** A binary min-heap of (key, value) pairs. */
class MinHeap {
  keys: number[] = [];
  vals: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(k: number, v: number): void {
    const K = this.keys;
    const Vs = this.vals;
    let i = K.length;
    K.push(k);
    Vs.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (K[p]! <= k) break;
      K[i] = K[p]!;
      Vs[i] = Vs[p]!;
      i = p;
    }
    K[i] = k;
    Vs[i] = v;
  }
  pop(): [number, number] {
    const K = this.keys;
    const Vs = this.vals;
    const top: [number, number] = [K[0]!, Vs[0]!];
    const k = K.pop()!;
    const v = Vs.pop()!;
    if (K.length > 0) {
      let i = 0;
      const n = K.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && K[r]! < K[l]! ? r : l;
        if (K[c]! >= k) break;
        K[i] = K[c]!;
        Vs[i] = Vs[c]!;
        i = c;
      }
      K[i] = k;
      Vs[i] = v;
    }
    return top;
  }
}

/** One pooling level below `gauge` (module docs). The returned level's gauge has no further level. */
export function gaugePooling(gauge: MeshGauge, opts: GaugePoolingOptions = {}): GaugePooling {
  const op = "gaugePooling";
  const V = gauge.numNodes;
  const pos = gauge.positions;
  let coarseIndex: Int32Array;
  if (opts.indices !== undefined) {
    coarseIndex = Int32Array.from(opts.indices);
    const seen = new Uint8Array(V);
    for (let i = 0; i < coarseIndex.length; i++) {
      const u = coarseIndex[i]!;
      if (!(u >= 0 && u < V)) opError(op, "indices", `vertex ids in [0, ${V})`, `${u} at position ${i}`);
      if (seen[u]) opError(op, "indices", "distinct vertex ids", `${u} twice`);
      seen[u] = 1;
    }
    if (coarseIndex.length === 0 && V > 0) opError(op, "indices", "at least one vertex", "none");
  } else {
    const ratio = opts.ratio ?? 0.25;
    const k = opts.numCoarse ?? Math.max(1, Math.round(ratio * V));
    if (!Number.isInteger(k) || k < 1 || k > V) opError(op, "numCoarse", `an integer in [1, ${V}]`, String(k));
    const start = opts.start ?? 0;
    if (!Number.isInteger(start) || start < 0 || start >= V)
      opError(op, "start", `a vertex id in [0, ${V})`, String(start));
    coarseIndex = farthestPoints(pos, k, start);
  }
  const Vc = coarseIndex.length;
  // multi-source Dijkstra along the edges
  const E = gauge.theta.length;
  const ei = gauge.edgeIndex.data as Int32Array;
  const offsets = new Int32Array(V + 1);
  for (let e = 0; e < E; e++) offsets[ei[e]! + 1]!++;
  for (let v = 0; v < V; v++) offsets[v + 1]! += offsets[v]!;
  const fill = offsets.slice(0, V);
  const nbr = new Int32Array(E);
  const len = new Float64Array(E);
  for (let e = 0; e < E; e++) {
    const q = ei[e]!;
    const slot = fill[q]!++;
    nbr[slot] = ei[E + e]!;
    len[slot] = gauge.radius[e]!;
  }
  const dist = new Float64Array(V).fill(Number.POSITIVE_INFINITY);
  const assignment = new Int32Array(V).fill(-1);
  const heap = new MinHeap();
  for (let c = 0; c < Vc; c++) {
    const u = coarseIndex[c]!;
    dist[u] = 0;
    assignment[u] = c;
    heap.push(0, u);
  }
  while (heap.size > 0) {
    const [d, u] = heap.pop();
    if (d > dist[u]!) continue;
    for (let i = offsets[u]!; i < offsets[u + 1]!; i++) {
      const v = nbr[i]!;
      const nd = d + len[i]!;
      if (nd < dist[v]!) {
        dist[v] = nd;
        assignment[v] = assignment[u]!;
        heap.push(nd, v);
      }
    }
  }
  for (let u = 0; u < V; u++) {
    if (assignment[u] !== -1) continue;
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let c = 0; c < Vc; c++) {
      const w = coarseIndex[c]!;
      const dd =
        (pos[3 * u]! - pos[3 * w]!) ** 2 +
        (pos[3 * u + 1]! - pos[3 * w + 1]!) ** 2 +
        (pos[3 * u + 2]! - pos[3 * w + 2]!) ** 2;
      if (dd < bestD) {
        bestD = dd;
        best = c;
      }
    }
    assignment[u] = best;
  }
  const transport = new Float64Array(V);
  for (let u = 0; u < V; u++) {
    const c = coarseIndex[assignment[u]!]!;
    transport[u] = u === c ? 0 : transportAngle(gauge.frames, u, c);
  }
  // coarse edges: clusters joined by a fine edge, both directions, grouped by target
  const pairs = new Set<number>();
  const src: number[] = [];
  const dst: number[] = [];
  const lists: number[][] = Array.from({ length: Vc }, () => []);
  for (let e = 0; e < E; e++) {
    const a = assignment[ei[e]!]!;
    const b = assignment[ei[E + e]!]!;
    if (a === b) continue;
    for (const [s, t] of [
      [a, b],
      [b, a],
    ] as const) {
      const key = t * Vc + s;
      if (!pairs.has(key)) {
        pairs.add(key);
        lists[t]!.push(s);
      }
    }
  }
  for (let t = 0; t < Vc; t++) {
    for (const s of lists[t]!.sort((x, y) => x - y)) {
      src.push(s);
      dst.push(t);
    }
  }
  const cpos = new Float64Array(3 * Vc);
  const normals = new Float64Array(3 * Vc);
  const xAxes = new Float64Array(3 * Vc);
  const yAxes = new Float64Array(3 * Vc);
  for (let c = 0; c < Vc; c++) {
    const u = coarseIndex[c]!;
    for (let d = 0; d < 3; d++) {
      cpos[3 * c + d] = pos[3 * u + d]!;
      normals[3 * c + d] = gauge.frames.normals[3 * u + d]!;
      xAxes[3 * c + d] = gauge.frames.xAxes[3 * u + d]!;
      yAxes[3 * c + d] = gauge.frames.yAxes[3 * u + d]!;
    }
  }
  const coarse = pointGauge(cpos, { normals, xAxes, yAxes }, { source: src, target: dst });
  return { coarseIndex, assignment, transport, gauge: coarse };
}

/**
 * The bundle with `levels` nested pooling levels (each from {@link gaugePooling} with `opts`, applied to
 * the previous coarse level), e.g. for a model with pooling.
 */
export function withPoolingLevels(gauge: MeshGauge, levels: number, opts: GaugePoolingOptions = {}): MeshGauge {
  if (!Number.isInteger(levels) || levels < 0)
    opError("withPoolingLevels", "levels", "a non-negative integer", String(levels));
  if (levels === 0) return { ...gauge, coarse: null };
  const { indices: _ignored, ...rest } = opts;
  const level = gaugePooling(gauge, opts);
  return { ...gauge, coarse: { ...level, gauge: withPoolingLevels(level.gauge, levels - 1, rest) } };
}
