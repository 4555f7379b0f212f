/**
 * Mini-batches of graphs as one disjoint union (PyG's `Batch`): node- and edge-level attributes are
 * concatenated, edge indices shifted by the node offset of their graph, graph-level attributes stacked,
 * and `batch[i]` tells which graph node `i` came from.
 */
import { allocate, type DType, type TypedArray } from "../../tensor/dtype.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { type AttrLevel, batchError, Graph, isIndexKey } from "./graph.js";

/** How one attribute was batched, kept to split the batch again. */
interface SliceInfo {
  /** `node`/`edge`/`graph` as in {@link AttrLevel}; `index` for id tensors shifted by the node offset. */
  kind: AttrLevel | "index";
  /** Offsets along the concatenation axis, length `numGraphs + 1` (unused for `graph`). */
  ptr: Int32Array;
  /** Shape of one graph's tensor without the concatenated axis (for `index`: leading axes). */
  rest: number[];
  dtype: DType;
  /** Whether the level was given explicitly in the source graphs. */
  explicit: boolean;
  /** For `index`: each graph held one scalar id (stacked to `[numGraphs]`). */
  scalar?: boolean;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function levelFits(level: AttrLevel, g: Graph, t: Tensor): boolean {
  if (level === "graph") return true;
  if (t.ndim === 0) return false;
  return level === "node" ? t.shape[0] === g.numNodes : t.shape[0] === g.numEdges;
}

/** A batch of graphs: a {@link Graph} plus `batch`, `ptr` and the bookkeeping to split it again. */
export class Batch extends Graph {
  /** Graph id of every node, int32 `[N]`. */
  readonly batch: Tensor;
  /** Node offsets of the graphs, int32 `[numGraphs + 1]`. */
  readonly ptr: Tensor;
  /** Number of graphs. */
  readonly numGraphs: number;
  private readonly slices: Map<string, SliceInfo>;

  private constructor(batch: Tensor, ptr: Tensor, slices: Map<string, SliceInfo>) {
    super();
    this.batch = batch;
    this.ptr = ptr;
    this.numGraphs = ptr.shape[0]! - 1;
    this.slices = slices;
  }

  /**
   * Batches `graphs` into one disjoint union. Every graph must have the same attributes with the same
   * dtypes and trailing shapes. Attributes whose name contains `index` (int32) and `face` are shifted
   * by the node offset and concatenated along their last axis; node- and edge-level attributes are
   * concatenated along axis 0; graph-level ones are stacked along a new axis 0 (so scalar labels give
   * a `[numGraphs]` vector).
   */
  static fromGraphs(graphs: readonly Graph[]): Batch {
    const B = graphs.length;
    const nodePtr = new Int32Array(B + 1);
    for (let i = 0; i < B; i++) {
      const g = graphs[i]!;
      if (!(g instanceof Graph)) opError("Batch.fromGraphs", `graphs[${i}]`, "a Graph", typeof g);
      if (g.xSparse !== null)
        opError(
          "Batch.fromGraphs",
          `graphs[${i}]`,
          "graphs without sparse features (xSparse)",
          "a graph with xSparse; densify it into x first",
        );
      nodePtr[i + 1] = nodePtr[i]! + g.numNodes;
    }
    const N = nodePtr[B]!;
    const batchVec = new Int32Array(N);
    for (let i = 0; i < B; i++) batchVec.fill(i, nodePtr[i]!, nodePtr[i + 1]!);

    const keys = B > 0 ? graphs[0]!.keys().filter((k) => k !== "batch") : [];
    for (let i = 1; i < B; i++) {
      const ks = graphs[i]!.keys().filter((k) => k !== "batch");
      const missing = keys.find((k) => !ks.includes(k)) ?? ks.find((k) => !keys.includes(k));
      if (missing !== undefined) {
        batchError(
          `Batch.fromGraphs: attribute '${missing}' is present in graph ${keys.includes(missing) ? 0 : i} but not in graph ${keys.includes(missing) ? i : 0}; all graphs need the same attributes`,
        );
      }
    }

    const slices = new Map<string, SliceInfo>();
    const out = new Map<string, Tensor>();
    for (const key of keys) {
      const ts = graphs.map((g) => g.get(key)!);
      const t0 = ts[0]!;
      for (let i = 1; i < B; i++) {
        if (ts[i]!.dtype !== t0.dtype)
          batchError(
            `Batch.fromGraphs: attribute '${key}' has dtype ${t0.dtype} in graph 0 but ${ts[i]!.dtype} in graph ${i}`,
          );
      }
      const explicit = graphs.map((g) => g.explicitLevel(key));
      const isExplicit = explicit[0] !== undefined;
      if (key === "edgeIndex" || (isIndexKey(key) && t0.dtype === "int32" && !isExplicit)) {
        const r = Batch.catIndex(key, ts, nodePtr);
        out.set(key, r.tensor);
        slices.set(key, {
          kind: "index",
          ptr: r.ptr,
          rest: r.rest,
          dtype: t0.dtype,
          explicit: false,
          scalar: t0.ndim === 0,
        });
        continue;
      }
      const level = Batch.chooseLevel(key, graphs, ts, explicit);
      if (level === "graph") {
        for (let i = 1; i < B; i++) {
          if (!sameShape(ts[i]!.shape, t0.shape))
            batchError(
              `Batch.fromGraphs: graph-level attribute '${key}' has shape ${fmtShape(t0.shape)} in graph 0 but ${fmtShape(ts[i]!.shape)} in graph ${i}`,
            );
        }
        const size = t0.size;
        const data = allocate(t0.dtype, B * size);
        for (let i = 0; i < B; i++) data.set(ts[i]!.data, i * size);
        out.set(key, new Tensor(data, [B, ...t0.shape], t0.dtype));
        slices.set(key, {
          kind: "graph",
          ptr: new Int32Array(0),
          rest: [...t0.shape],
          dtype: t0.dtype,
          explicit: isExplicit,
        });
      } else {
        const r = Batch.catRows(key, ts);
        out.set(key, r.tensor);
        slices.set(key, { kind: level, ptr: r.ptr, rest: r.rest, dtype: t0.dtype, explicit: isExplicit });
      }
    }

    const b = new Batch(new Tensor(batchVec, [N], "int32"), new Tensor(nodePtr, [B + 1], "int32"), slices);
    for (const [k, t] of out) {
      const s = slices.get(k)!;
      b.store.set(k, t);
      if (s.kind !== "index") b.levels.set(k, s.kind);
    }
    b.store.set("batch", b.batch);
    b.levels.set("batch", "node");
    b.numNodes = N;
    return b;
  }

  private static chooseLevel(
    key: string,
    graphs: readonly Graph[],
    ts: readonly Tensor[],
    explicit: readonly (AttrLevel | undefined)[],
  ): AttrLevel {
    const ex = explicit.find((l) => l !== undefined);
    const fitsAll = (lv: AttrLevel) => graphs.every((g, i) => levelFits(lv, g, ts[i]!));
    if (ex !== undefined) {
      const bad = graphs.findIndex((g, i) => !levelFits(ex, g, ts[i]!));
      if (bad >= 0) {
        const g = graphs[bad]!;
        batchError(
          `Batch.fromGraphs: ${ex}-level attribute '${key}' of graph ${bad} has shape ${fmtShape(ts[bad]!.shape)}, expected ${ex === "node" ? g.numNodes : g.numEdges} rows`,
        );
      }
      return ex;
    }
    const counts: Record<AttrLevel, number> = { node: 0, edge: 0, graph: 0 };
    for (const g of graphs) counts[g.levelOf(key)]++;
    const order = (["node", "edge", "graph"] as AttrLevel[])
      .filter((l) => counts[l] > 0)
      .sort((a, b) => counts[b] - counts[a]);
    for (const lv of order) if (fitsAll(lv)) return lv;
    return batchError(
      `Batch.fromGraphs: attribute '${key}' is ${order.join(" in some graphs and ")} in others; give its level with graph.set('${key}', value, level)`,
    );
  }

  private static catRows(key: string, ts: readonly Tensor[]): { tensor: Tensor; ptr: Int32Array; rest: number[] } {
    const t0 = ts[0]!;
    const rest = t0.shape.slice(1);
    const ptr = new Int32Array(ts.length + 1);
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (t.ndim === 0 || !sameShape(t.shape.slice(1), rest)) {
        batchError(
          `Batch.fromGraphs: attribute '${key}' has shape ${fmtShape(t0.shape)} in graph 0 but ${fmtShape(t.shape)} in graph ${i} (trailing axes must match)`,
        );
      }
      ptr[i + 1] = ptr[i]! + t.shape[0]!;
    }
    let rowSize = 1;
    for (const d of rest) rowSize *= d;
    const data = allocate(t0.dtype, ptr[ts.length]! * rowSize);
    for (let i = 0; i < ts.length; i++) data.set(ts[i]!.data, ptr[i]! * rowSize);
    return { tensor: new Tensor(data, [ptr[ts.length]!, ...rest], t0.dtype), ptr, rest };
  }

  private static catIndex(
    key: string,
    ts: readonly Tensor[],
    nodePtr: Int32Array,
  ): { tensor: Tensor; ptr: Int32Array; rest: number[] } {
    const t0 = ts[0]!;
    if (t0.ndim === 0) {
      const data = new Int32Array(ts.length);
      for (let i = 0; i < ts.length; i++) {
        if (ts[i]!.ndim !== 0)
          batchError(
            `Batch.fromGraphs: index attribute '${key}' has shape [] in graph 0 but ${fmtShape(ts[i]!.shape)} in graph ${i}`,
          );
        data[i] = ts[i]!.data[0]! + nodePtr[i]!;
      }
      const ptr = new Int32Array(ts.length + 1);
      for (let i = 0; i <= ts.length; i++) ptr[i] = i;
      return { tensor: new Tensor(data, [ts.length], "int32"), ptr, rest: [] };
    }
    const rest = t0.shape.slice(0, -1);
    let lead = 1;
    for (const d of rest) lead *= d;
    const ptr = new Int32Array(ts.length + 1);
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (!sameShape(t.shape.slice(0, -1), rest)) {
        batchError(
          `Batch.fromGraphs: index attribute '${key}' has shape ${fmtShape(t0.shape)} in graph 0 but ${fmtShape(t.shape)} in graph ${i} (leading axes must match)`,
        );
      }
      ptr[i + 1] = ptr[i]! + t.shape[t.ndim - 1]!;
    }
    const total = ptr[ts.length]!;
    const data = new Int32Array(lead * total);
    for (let i = 0; i < ts.length; i++) {
      const src = ts[i]!.data as Int32Array;
      const len = ptr[i + 1]! - ptr[i]!;
      const off = nodePtr[i]!;
      for (let r = 0; r < lead; r++) {
        const o = r * total + ptr[i]!;
        const s = r * len;
        for (let j = 0; j < len; j++) data[o + j] = src[s + j]! + off;
      }
    }
    return { tensor: new Tensor(data, [...rest, total], "int32"), ptr, rest };
  }

  /** Graph `i` of the batch, cut out again (attribute copies; ids shifted back). */
  getGraph(i: number): Graph {
    if (!Number.isInteger(i) || i < 0 || i >= this.numGraphs)
      opError("Batch.getGraph", "i", `an integer in [0, ${this.numGraphs})`, String(i));
    const nodePtr = this.ptr.data as Int32Array;
    const g = new Graph();
    for (const [key, s] of this.slices) {
      const t = this.get(key);
      if (t === null) continue;
      let piece: Tensor;
      if (s.kind === "graph") {
        const size = t.size / this.numGraphs;
        piece = new Tensor(t.data.slice(i * size, (i + 1) * size) as TypedArray, s.rest, s.dtype);
      } else if (s.kind === "index") {
        const off = nodePtr[i]!;
        if (s.scalar === true) {
          piece = new Tensor(new Int32Array([t.data[i]! - off]), [], "int32");
        } else {
          const total = t.shape[t.ndim - 1]!;
          const a = s.ptr[i]!;
          const len = s.ptr[i + 1]! - a;
          let lead = 1;
          for (const d of s.rest) lead *= d;
          const data = new Int32Array(lead * len);
          for (let r = 0; r < lead; r++)
            for (let j = 0; j < len; j++) data[r * len + j] = t.data[r * total + a + j]! - off;
          piece = new Tensor(data, [...s.rest, len], "int32");
        }
      } else {
        let rowSize = 1;
        for (const d of s.rest) rowSize *= d;
        const a = s.ptr[i]!;
        const b = s.ptr[i + 1]!;
        piece = new Tensor(t.data.slice(a * rowSize, b * rowSize) as TypedArray, [b - a, ...s.rest], s.dtype);
      }
      if (key === "edgeIndex") g.set(key, piece);
      else g.set(key, piece, s.explicit && s.kind !== "index" ? s.kind : undefined);
    }
    g.numNodes = nodePtr[i + 1]! - nodePtr[i]!;
    return g;
  }

  /** Splits the batch back into its graphs. */
  toGraphs(): Graph[] {
    const out: Graph[] = [];
    for (let i = 0; i < this.numGraphs; i++) out.push(this.getGraph(i));
    return out;
  }

  /** Number of nodes of each graph, int32 `[numGraphs]`. */
  get numNodesPerGraph(): Int32Array {
    const p = this.ptr.data as Int32Array;
    const out = new Int32Array(this.numGraphs);
    for (let i = 0; i < out.length; i++) out[i] = p[i + 1]! - p[i]!;
    return out;
  }

  /** Edge offsets of the graphs, int32 `[numGraphs + 1]`. */
  get edgePtr(): Int32Array {
    const s = this.slices.get("edgeIndex");
    return s === undefined ? new Int32Array(this.numGraphs + 1) : s.ptr;
  }

  override clone(): Batch {
    const b = new Batch(this.batch, this.ptr, this.slices);
    this.copyInto(b);
    return b;
  }
}
