/**
 * Point clouds: graphs built from positions. {@link radiusGraph} links points closer than a cutoff
 * and {@link knnGraph} links each point to its k nearest neighbours, both within the same example of
 * a batch (`batch[i]` = example of point i) and both with a uniform grid of cells (a cell list), so
 * the cost grows with N times the neighbours per point rather than N².
 *
 * Edge convention (PyG's `flow = "source_to_target"`): `edgeIndex[0]` holds the neighbour j (source)
 * and `edgeIndex[1]` the centre i (target); edges are sorted by target, then by distance (kNN) or by
 * source (radius), so results do not depend on the cell layout.
 */
import { ErlangenError, fmtShape, opError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";

/** Options of {@link radiusGraph}. */
export interface RadiusGraphOptions {
  /** Example id of each point, int32 `[N]` (default: one example). Need not be sorted. */
  batch?: Tensor | null;
  /** Include self-loops i → i (default false). */
  loop?: boolean;
  /**
   * Keep at most this many neighbours per target, the nearest ones (default: unlimited; PyG's
   * `radius_graph` defaults to 32 and keeps an arbitrary subset).
   */
  maxNumNeighbors?: number;
}

/** Options of {@link knnGraph}. */
export interface KnnGraphOptions {
  batch?: Tensor | null;
  /** Count the point itself as one of its neighbours, with a self-loop (default false). */
  loop?: boolean;
}

interface Groups {
  /** Points of each example, concatenated, and the offsets of each example. */
  order: Int32Array;
  ptr: Int32Array;
}

function readPositions(op: string, pos: Tensor): Float64Array | Float32Array {
  if (pos.dtype !== "float32" && pos.dtype !== "float64") opError(op, "pos", "a float tensor [N, d]", pos.dtype);
  if (pos.ndim !== 2) opError(op, "pos", "shape [N, d]", fmtShape(pos.shape));
  const d = pos.data as Float64Array | Float32Array;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      const dim = pos.shape[1]!;
      opError(op, "pos", "finite coordinates", `${d[i]} at point ${Math.floor(i / dim)}, coordinate ${i % dim}`);
    }
  }
  return d;
}

function groupByBatch(op: string, batch: Tensor | null | undefined, n: number): Groups {
  if (batch === null || batch === undefined) {
    return { order: Int32Array.from({ length: n }, (_, i) => i), ptr: Int32Array.from([0, n]) };
  }
  if (batch.dtype !== "int32") opError(op, "batch", "dtype int32", batch.dtype);
  if (batch.ndim !== 1 || batch.shape[0] !== n) opError(op, "batch", `shape [${n}] (one example id per point)`, fmtShape(batch.shape));
  const b = batch.data as Int32Array;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    if (b[i]! < 0) opError(op, "batch", "non-negative example ids", `${b[i]} at position ${i}`);
    nb = Math.max(nb, b[i]! + 1);
  }
  const ptr = new Int32Array(nb + 1);
  for (let i = 0; i < n; i++) ptr[b[i]! + 1]!++;
  for (let g = 0; g < nb; g++) ptr[g + 1]! += ptr[g]!;
  const fill = ptr.slice(0, nb);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[b[i]!]!++] = i;
  return { order, ptr };
}

/** A uniform grid of cubic cells over a set of points (any dimension d ≥ 1). */
class CellGrid {
  readonly dims: number[];
  readonly lo: number[];
  /** Cell of each listed point, points sorted by cell, and the start of each occupied cell. */
  private readonly cells = new Map<number, { start: number; end: number }>();
  readonly sorted: Int32Array;
  private readonly strides: number[];

  constructor(
    pos: ArrayLike<number>,
    readonly d: number,
    points: Int32Array,
    readonly h: number,
  ) {
    this.lo = new Array<number>(d).fill(Infinity);
    const hi = new Array<number>(d).fill(-Infinity);
    for (const p of points) {
      for (let k = 0; k < d; k++) {
        const v = pos[p * d + k]!;
        if (v < this.lo[k]!) this.lo[k] = v;
        if (v > hi[k]!) hi[k] = v;
      }
    }
    this.dims = this.lo.map((l, k) => Math.max(1, Math.floor((hi[k]! - l) / h) + 1));
    // flat cell ids must stay exact doubles
    let total = 1;
    for (const n of this.dims) total *= n;
    if (!(total < 2 ** 52)) throw new ErlangenError(`CellGrid: the cutoff ${h} is too small for the extent of the points (${total} cells)`);
    this.strides = new Array<number>(d);
    let acc = 1;
    for (let k = d - 1; k >= 0; k--) {
      this.strides[k] = acc;
      acc *= this.dims[k]!;
    }
    const keys = new Float64Array(points.length);
    for (let i = 0; i < points.length; i++) keys[i] = this.cellOf(pos, points[i]!);
    const idx = Array.from({ length: points.length }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || points[a]! - points[b]!);
    this.sorted = Int32Array.from(idx, (i) => points[i]!);
    for (let s = 0; s < idx.length; ) {
      const key = keys[idx[s]!]!;
      let e = s + 1;
      while (e < idx.length && keys[idx[e]!] === key) e++;
      this.cells.set(key, { start: s, end: e });
      s = e;
    }
  }

  coord(pos: ArrayLike<number>, p: number, k: number): number {
    return Math.min(this.dims[k]! - 1, Math.max(0, Math.floor((pos[p * this.d + k]! - this.lo[k]!) / this.h)));
  }

  cellOf(pos: ArrayLike<number>, p: number): number {
    let key = 0;
    for (let k = 0; k < this.d; k++) key += this.coord(pos, p, k) * this.strides[k]!;
    return key;
  }

  /** Calls `visit` for every point in the cells whose Chebyshev distance from `c` is in [rMin, rMax]. */
  forShell(c: number[], rMin: number, rMax: number, visit: (q: number) => void): void {
    const d = this.d;
    const off = new Array<number>(d).fill(-rMax);
    for (;;) {
      let cheb = 0;
      let ok = true;
      let key = 0;
      for (let k = 0; k < d; k++) {
        const a = Math.abs(off[k]!);
        if (a > cheb) cheb = a;
        const ck = c[k]! + off[k]!;
        if (ck < 0 || ck >= this.dims[k]!) {
          ok = false;
          break;
        }
        key += ck * this.strides[k]!;
      }
      if (ok && cheb >= rMin) {
        const cell = this.cells.get(key);
        if (cell) for (let s = cell.start; s < cell.end; s++) visit(this.sorted[s]!);
      }
      let k = d - 1;
      while (k >= 0) {
        off[k]!++;
        if (off[k]! <= rMax) break;
        off[k] = -rMax;
        k--;
      }
      if (k < 0) return;
    }
  }

  /** Largest Chebyshev ring that still touches the grid from cell c. */
  maxRing(c: number[]): number {
    let r = 0;
    for (let k = 0; k < this.d; k++) r = Math.max(r, c[k]!, this.dims[k]! - 1 - c[k]!);
    return r;
  }
}

function dist2(pos: ArrayLike<number>, d: number, i: number, j: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = pos[i * d + k]! - pos[j * d + k]!;
    s += t * t;
  }
  return s;
}

function toEdgeIndex(src: number[], dst: number[]): Tensor {
  const E = src.length;
  const data = new Int32Array(2 * E);
  for (let e = 0; e < E; e++) {
    data[e] = src[e]!;
    data[E + e] = dst[e]!;
  }
  return new Tensor(data, [2, E], "int32");
}

/**
 * Edges between all pairs of points of the same example closer than `r` (strictly), both directions.
 * `pos` `[N, d]` float; returns int32 `[2, E]` (row 0 neighbours, row 1 centres), sorted by centre,
 * then neighbour. Throws on r ≤ 0 and on non-finite positions.
 */
export function radiusGraph(pos: Tensor, r: number, opts: RadiusGraphOptions = {}): Tensor {
  const op = "radiusGraph";
  if (!(r > 0) || !Number.isFinite(r)) opError(op, "r", "a positive finite cutoff", String(r));
  const maxNb = opts.maxNumNeighbors ?? Infinity;
  if (!(maxNb >= 1)) opError(op, "maxNumNeighbors", "a positive integer", String(opts.maxNumNeighbors));
  const data = readPositions(op, pos);
  const n = pos.shape[0]!;
  const d = pos.shape[1]!;
  const { order, ptr } = groupByBatch(op, opts.batch, n);
  const r2 = r * r;
  const lists: { j: number; d2: number }[][] = Array.from({ length: n }, () => []);
  for (let g = 0; g + 1 < ptr.length; g++) {
    const pts = order.subarray(ptr[g]!, ptr[g + 1]!);
    if (pts.length === 0) continue;
    const grid = new CellGrid(data, d, pts, r);
    const c = new Array<number>(d);
    for (const i of pts) {
      for (let k = 0; k < d; k++) c[k] = grid.coord(data, i, k);
      const li = lists[i]!;
      grid.forShell(c, 0, 1, (j) => {
        if (j === i && !opts.loop) return;
        const q = dist2(data, d, i, j);
        if (q < r2) li.push({ j, d2: q });
      });
    }
  }
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < n; i++) {
    let li = lists[i]!;
    if (li.length > maxNb) li = li.sort((a, b) => a.d2 - b.d2 || a.j - b.j).slice(0, maxNb);
    li.sort((a, b) => a.j - b.j);
    for (const { j } of li) {
      src.push(j);
      dst.push(i);
    }
  }
  return toEdgeIndex(src, dst);
}

/**
 * Edges from the `k` nearest points of the same example to each point (fewer when the example is
 * smaller). `pos` `[N, d]`; returns int32 `[2, N·k]` at most (row 0 neighbours, row 1 centres),
 * sorted by centre, then distance (ties by index).
 */
export function knnGraph(pos: Tensor, k: number, opts: KnnGraphOptions = {}): Tensor {
  const op = "knnGraph";
  if (!Number.isInteger(k) || k < 1) opError(op, "k", "a positive integer", String(k));
  const data = readPositions(op, pos);
  const n = pos.shape[0]!;
  const d = pos.shape[1]!;
  const { order, ptr } = groupByBatch(op, opts.batch, n);
  const src: number[] = [];
  const dst: number[] = [];
  const found: { j: number; d2: number }[][] = Array.from({ length: n }, () => []);
  for (let g = 0; g + 1 < ptr.length; g++) {
    const pts = order.subarray(ptr[g]!, ptr[g + 1]!);
    const m = pts.length;
    if (m === 0) continue;
    // cells sized for about k points each, from the bounding-box volume
    let vol = 1;
    const lo = new Array<number>(d).fill(Infinity);
    const hi = new Array<number>(d).fill(-Infinity);
    for (const p of pts) {
      for (let a = 0; a < d; a++) {
        lo[a] = Math.min(lo[a]!, data[p * d + a]!);
        hi[a] = Math.max(hi[a]!, data[p * d + a]!);
      }
    }
    const extent = Math.max(...hi.map((h, a) => h - lo[a]!), 1e-12);
    for (let a = 0; a < d; a++) vol *= Math.max(hi[a]! - lo[a]!, extent * 1e-3);
    const h = Math.max((vol * Math.min(k + 1, m)) / m, 1e-300) ** (1 / d);
    const grid = new CellGrid(data, d, pts, Math.max(h, extent * 1e-6));
    const want = Math.min(k, opts.loop ? m : m - 1);
    if (want === 0) continue;
    const c = new Array<number>(d);
    for (const i of pts) {
      for (let a = 0; a < d; a++) c[a] = grid.coord(data, i, a);
      const best: { j: number; d2: number }[] = [];
      const consider = (j: number) => {
        if (j === i && !opts.loop) return;
        const q = dist2(data, d, i, j);
        if (best.length === want) {
          const w = best[best.length - 1]!;
          if (q > w.d2 || (q === w.d2 && j > w.j)) return;
        }
        let p = best.length;
        while (p > 0 && (best[p - 1]!.d2 > q || (best[p - 1]!.d2 === q && best[p - 1]!.j > j))) p--;
        best.splice(p, 0, { j, d2: q });
        if (best.length > want) best.pop();
      };
      const maxRing = grid.maxRing(c);
      for (let ring = 0; ring <= maxRing; ring++) {
        grid.forShell(c, ring, ring, consider);
        // every point outside the rings seen so far is at least ring·h away
        if (best.length === want && best[best.length - 1]!.d2 <= (ring * grid.h) ** 2) break;
      }
      found[i] = best;
    }
  }
  for (let i = 0; i < n; i++) {
    for (const { j } of found[i]!) {
      src.push(j);
      dst.push(i);
    }
  }
  return toEdgeIndex(src, dst);
}

/** Length of each edge `‖pos[src] − pos[dst]‖` (plain numbers, no autograd), `[E]`. */
export function edgeLengths(pos: Tensor, edgeIndex: Tensor): Float64Array {
  const E = edgeIndex.shape[1]!;
  const d = pos.shape[1]!;
  const ei = edgeIndex.data as Int32Array;
  const out = new Float64Array(E);
  for (let e = 0; e < E; e++) out[e] = Math.sqrt(dist2(pos.data, d, ei[e]!, ei[E + e]!));
  return out;
}
