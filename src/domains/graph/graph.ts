/**
 * The graph domain: a set of nodes with features, a directed edge list and any number of named node-,
 * edge- or graph-level attributes (like PyTorch Geometric's `Data`). Undirected graphs store both
 * directions. Edge index convention: `edgeIndex[0]` holds sources, `edgeIndex[1]` targets, and
 * messages flow from source to target.
 */
import { ErlangenError, fmtShape, opError } from "../../tensor/errors.js";
import { indexInRange } from "../../tensor/ops/indexing.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import { Tensor } from "../../tensor/tensor.js";

/** Which axis-0 an attribute lives on: one row per node, per edge, or one value for the graph. */
export type AttrLevel = "node" | "edge" | "graph";

/** Compressed adjacency: for each group `i`, entries `ptr[i]..ptr[i+1]` of `index` and `edgeId`. */
export interface CompressedAdjacency {
  /** Offsets, length `numNodes + 1`. */
  readonly ptr: Int32Array;
  /** The node at the other end of each edge (sources in {@link Graph.csr}, targets in {@link Graph.csc}). */
  readonly index: Int32Array;
  /** Position of each entry in the original edge list (to permute edge attributes). */
  readonly edgeId: Int32Array;
}

/** Constructor fields of a {@link Graph}; other keys become extra attributes. */
export interface GraphInit {
  /** Node features `[N, F]`. */
  x?: Tensor | null;
  /** Edges `[2, E]` int32 (row 0 sources, row 1 targets). */
  edgeIndex?: Tensor | null;
  /** Edge features `[E, D]` (or `[E]`). */
  edgeAttr?: Tensor | null;
  /** Targets: node-level `[N, ...]` or graph-level (e.g. a scalar class id). */
  y?: Tensor | null;
  /** Node positions `[N, d]`. */
  pos?: Tensor | null;
  /** Boolean node masks `[N]`. */
  trainMask?: Tensor | null;
  valMask?: Tensor | null;
  testMask?: Tensor | null;
  /** Number of nodes when no node-level tensor tells it (featureless graphs). */
  numNodes?: number;
  /** Extra attributes by name. */
  [key: string]: Tensor | number | null | undefined;
}

const NODE_KEYS = new Set(["x", "pos", "trainMask", "valMask", "testMask", "batch", "z"]);

/**
 * Whether attribute `key` holds node ids that must be shifted by the node offset when graphs are
 * batched (PyG's rule: the name contains "index", or is "face"). Such tensors are concatenated along
 * their last axis.
 */
export function isIndexKey(key: string): boolean {
  return key.toLowerCase().includes("index") || key === "face";
}

/**
 * Checks that `edgeIndex` is an int32 `[2, E]` tensor with ids in `[0, numNodes)`. The error names the
 * edge position, the offending value and `numNodes`.
 */
export function checkEdgeIndex(op: string, edgeIndex: Tensor, numNodes?: number, arg = "edgeIndex"): void {
  if (edgeIndex.dtype !== "int32") opError(op, arg, "dtype int32", edgeIndex.dtype);
  if (edgeIndex.ndim !== 2 || edgeIndex.shape[0] !== 2) opError(op, arg, "shape [2, E]", fmtShape(edgeIndex.shape));
  if (numNodes === undefined) return;
  const d = edgeIndex.data;
  const E = edgeIndex.shape[1]!;
  for (let i = 0; i < 2 * E; i++) {
    const v = d[i]!;
    if (v < 0 || v >= numNodes) {
      const e = i < E ? i : i - E;
      const end = i < E ? "source (row 0)" : "target (row 1)";
      opError(op, arg, `node ids in [0, ${numNodes}) (numNodes = ${numNodes})`, `${v} as the ${end} of edge ${e}`);
    }
  }
}

/** Groups edges by `key` (counting sort, stable): rows of `ptr` are nodes, `index` the other end. */
export function compressEdges(
  key: Int32Array | Uint8Array | Float32Array | Float64Array,
  other: ArrayLike<number>,
  numNodes: number,
): CompressedAdjacency {
  const E = key.length;
  const ptr = new Int32Array(numNodes + 1);
  for (let e = 0; e < E; e++) ptr[key[e]! + 1]!++;
  for (let i = 0; i < numNodes; i++) ptr[i + 1]! += ptr[i]!;
  const fill = ptr.slice(0, numNodes);
  const index = new Int32Array(E);
  const edgeId = new Int32Array(E);
  for (let e = 0; e < E; e++) {
    const p = fill[key[e]!]!++;
    index[p] = other[e]!;
    edgeId[p] = e;
  }
  return { ptr, index, edgeId };
}

/**
 * A graph with tensor attributes. Known attributes have typed accessors (`x`, `edgeIndex`,
 * `edgeAttr`, `y`, `pos`, masks); any other name is stored with {@link Graph.set} and read with
 * {@link Graph.get}. The level of an attribute (node, edge or graph) is given explicitly or inferred
 * from its name and first axis (see {@link Graph.levelOf}); {@link Batch} uses it to batch graphs.
 *
 * ```ts
 * const g = new Graph({ x: randn([3, 4]), edgeIndex: tensor([[0, 1, 1, 2], [1, 0, 2, 1]], { dtype: "int32" }) });
 * g.numNodes; // 3
 * g.csr(); // incoming edges grouped by target node
 * ```
 */
export class Graph {
  /** Attributes by name (null-valued attributes are not stored). */
  protected readonly store = new Map<string, Tensor>();
  /** Levels given explicitly with {@link Graph.set}. */
  protected readonly levels = new Map<string, AttrLevel>();
  private _numNodes: number | undefined;
  /**
   * Sparse node features `[N, F]` (e.g. bag-of-words), an alternative to a dense `x`. Not batched:
   * {@link Batch.fromGraphs} rejects graphs that have it.
   */
  xSparse: SparseMatrix | null = null;
  private csrCache: { key: Tensor; version: number; value: CompressedAdjacency } | null = null;
  private cscCache: { key: Tensor; version: number; value: CompressedAdjacency } | null = null;

  constructor(init: GraphInit = {}) {
    for (const [k, v] of Object.entries(init)) {
      if (k === "numNodes") {
        if (v !== undefined && v !== null) {
          if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
            opError("Graph", "numNodes", "a non-negative integer", String(v));
          this._numNodes = v;
        }
        continue;
      }
      if (v === undefined || v === null) continue;
      if (!(v instanceof Tensor)) opError("Graph", k, "a Tensor or null", typeof v);
      this.store.set(k, v);
    }
    const ei = this.store.get("edgeIndex");
    if (ei !== undefined) checkEdgeIndex("Graph", ei, this.nodeCountFromAttrs());
    const y = this.store.get("y");
    if (y !== undefined) this.checkTargets("Graph", y);
  }

  /**
   * Checks a `y` without an explicit level against the node count (when known): node-level targets
   * have one row per node, graph-level ones are a scalar or one row (`[1]`, `[1, T]`). Anything else
   * (e.g. 3 labels for 4 nodes) is refused; store other graph-level shapes with `set("y", t, "graph")`.
   */
  private checkTargets(op: string, y: Tensor): void {
    if (y.ndim === 0 || this.levels.has("y")) return;
    const N = this.nodeCountFromAttrs();
    if (N === undefined || y.shape[0] === N || y.shape[0] === 1) return;
    opError(
      op,
      "y",
      `${N} rows (one target per node, numNodes = ${N}), or a graph-level scalar or [1, ...] target (other graph-level shapes: set("y", t, "graph"))`,
      `shape ${fmtShape(y.shape)}`,
    );
  }

  // ---- typed accessors -------------------------------------------------------------------------

  /** Node features `[N, F]`, or null. */
  get x(): Tensor | null {
    return this.store.get("x") ?? null;
  }
  set x(v: Tensor | null) {
    this.set("x", v);
  }
  /** Edge list `[2, E]` int32 (an empty `[2, 0]` list when none was given). */
  get edgeIndex(): Tensor {
    let ei = this.store.get("edgeIndex");
    if (ei === undefined) {
      ei = new Tensor(new Int32Array(0), [2, 0], "int32");
      this.store.set("edgeIndex", ei);
    }
    return ei;
  }
  set edgeIndex(v: Tensor | null) {
    if (v !== null) checkEdgeIndex("Graph.edgeIndex", v, this.nodeCountFromAttrs());
    this.set("edgeIndex", v);
  }
  /** Edge features `[E, D]`, or null. */
  get edgeAttr(): Tensor | null {
    return this.store.get("edgeAttr") ?? null;
  }
  set edgeAttr(v: Tensor | null) {
    this.set("edgeAttr", v);
  }
  /** Targets, or null. */
  get y(): Tensor | null {
    return this.store.get("y") ?? null;
  }
  set y(v: Tensor | null) {
    this.set("y", v);
  }
  /** Node positions `[N, d]`, or null. */
  get pos(): Tensor | null {
    return this.store.get("pos") ?? null;
  }
  set pos(v: Tensor | null) {
    this.set("pos", v);
  }
  /** Training node mask (bool `[N]`), or null. */
  get trainMask(): Tensor | null {
    return this.store.get("trainMask") ?? null;
  }
  set trainMask(v: Tensor | null) {
    this.set("trainMask", v);
  }
  /** Validation node mask, or null. */
  get valMask(): Tensor | null {
    return this.store.get("valMask") ?? null;
  }
  set valMask(v: Tensor | null) {
    this.set("valMask", v);
  }
  /** Test node mask, or null. */
  get testMask(): Tensor | null {
    return this.store.get("testMask") ?? null;
  }
  set testMask(v: Tensor | null) {
    this.set("testMask", v);
  }
  /** Per-edge scalar weights `[E]` (written by `gcnNorm`-style transforms), or null. */
  get edgeWeight(): Tensor | null {
    return this.store.get("edgeWeight") ?? null;
  }
  set edgeWeight(v: Tensor | null) {
    this.set("edgeWeight", v, "edge");
  }

  // ---- generic attribute access -----------------------------------------------------------------

  /** The attribute `key`, or null. */
  get(key: string): Tensor | null {
    return this.store.get(key) ?? null;
  }

  /**
   * Sets attribute `key` (null removes it). `level` fixes how batching treats it; without it the level
   * is inferred (see {@link Graph.levelOf}). Returns this graph.
   */
  set(key: string, value: Tensor | null, level?: AttrLevel): this {
    if (key === "numNodes")
      opError("Graph.set", "key", "an attribute name (set numNodes with the numNodes property)", key);
    if (value === null) {
      this.store.delete(key);
      this.levels.delete(key);
      return this;
    }
    if (!(value instanceof Tensor)) opError("Graph.set", key, "a Tensor or null", typeof value);
    if (key === "edgeIndex") checkEdgeIndex("Graph.set", value);
    if (key === "y" && level === undefined) this.checkTargets("Graph.set", value);
    this.store.set(key, value);
    if (level !== undefined) this.levels.set(key, level);
    return this;
  }

  /** True when attribute `key` is present. */
  has(key: string): boolean {
    return this.store.has(key);
  }

  /** Removes attribute `key`. */
  delete(key: string): this {
    this.store.delete(key);
    this.levels.delete(key);
    return this;
  }

  /** Names of the present attributes, in insertion order. */
  keys(): string[] {
    return [...this.store.keys()];
  }

  /** `[name, tensor]` pairs of the present attributes. */
  entries(): [string, Tensor][] {
    return [...this.store.entries()];
  }

  /** The level given explicitly for `key` with {@link Graph.set}, if any. */
  explicitLevel(key: string): AttrLevel | undefined {
    return this.levels.get(key);
  }

  /**
   * The level of attribute `key`: the explicit one if set; `edgeIndex`, `edgeAttr`, `edgeWeight` and
   * names starting with `edge` are edge-level; `x`, `pos`, `z`, masks and `batch` are node-level;
   * otherwise a tensor whose first axis equals `numNodes` is node-level, one whose first axis equals
   * `numEdges` is edge-level, and anything else (scalars included) is graph-level.
   */
  levelOf(key: string): AttrLevel {
    const lv = this.levels.get(key);
    if (lv !== undefined) return lv;
    if (key === "edgeIndex" || key.startsWith("edge")) return "edge";
    if (NODE_KEYS.has(key)) return "node";
    const t = this.store.get(key);
    if (t === undefined) opError("Graph.levelOf", "key", "the name of a present attribute", key);
    if (t.ndim === 0) return "graph";
    if (t.shape[0] === this.numNodes) return "node";
    if (t.shape[0] === this.numEdges) return "edge";
    return "graph";
  }

  // ---- sizes -----------------------------------------------------------------------------------

  private nodeCountFromAttrs(): number | undefined {
    if (this._numNodes !== undefined) return this._numNodes;
    for (const k of ["x", "pos", "z", "batch", "trainMask"]) {
      const t = this.store.get(k);
      if (t !== undefined && t.ndim > 0) return t.shape[0]!;
    }
    if (this.xSparse !== null) return this.xSparse.shape[0];
    for (const [k, t] of this.store) {
      if (this.levels.get(k) === "node" && t.ndim > 0) return t.shape[0]!;
    }
    return undefined;
  }

  /**
   * Number of nodes: the explicit value if set, else the first axis of `x`/`pos`/another node-level
   * attribute, else one more than the largest id in `edgeIndex` (0 for an empty graph).
   */
  get numNodes(): number {
    const n = this.nodeCountFromAttrs();
    if (n !== undefined) return n;
    const ei = this.store.get("edgeIndex");
    if (ei === undefined || ei.size === 0) return 0;
    let m = -1;
    const d = ei.data;
    for (let i = 0; i < d.length; i++) if (d[i]! > m) m = d[i]!;
    return m + 1;
  }
  set numNodes(n: number) {
    if (!Number.isInteger(n) || n < 0) opError("Graph", "numNodes", "a non-negative integer", String(n));
    this._numNodes = n;
  }

  /** Number of (directed) edges. */
  get numEdges(): number {
    const ei = this.store.get("edgeIndex");
    return ei === undefined ? 0 : ei.shape[1]!;
  }

  /** Width of `x` or of {@link Graph.xSparse} (0 without features; 1 for a 1-D `x`). */
  get numNodeFeatures(): number {
    const x = this.x;
    if (x === null) return this.xSparse === null ? 0 : this.xSparse.shape[1];
    return x.ndim === 1 ? 1 : x.shape[x.ndim - 1]!;
  }

  /** Width of `edgeAttr` (0 without edge features). */
  get numEdgeFeatures(): number {
    const e = this.edgeAttr;
    if (e === null) return 0;
    return e.ndim === 1 ? 1 : e.shape[e.ndim - 1]!;
  }

  // ---- adjacency views ---------------------------------------------------------------------------

  /**
   * Incoming edges grouped by target (the layout message passing aggregates over): for target `i`,
   * entries `ptr[i]..ptr[i+1]` hold its source nodes (`index`) and edge positions (`edgeId`). Computed
   * once and cached until `edgeIndex` is replaced or modified in place (its `version` changes).
   */
  csr(): CompressedAdjacency {
    const ei = this.edgeIndex;
    const c = this.csrCache;
    if (c !== null && c.key === ei && c.version === ei.version) return c.value;
    const E = ei.shape[1]!;
    const d = ei.data as Int32Array;
    const value = compressEdges(d.subarray(E, 2 * E), d.subarray(0, E), this.numNodes);
    this.csrCache = { key: ei, version: ei.version, value };
    return value;
  }

  /** Outgoing edges grouped by source: `index` holds the targets. Cached like {@link Graph.csr}. */
  csc(): CompressedAdjacency {
    const ei = this.edgeIndex;
    const c = this.cscCache;
    if (c !== null && c.key === ei && c.version === ei.version) return c.value;
    const E = ei.shape[1]!;
    const d = ei.data as Int32Array;
    const value = compressEdges(d.subarray(0, E), d.subarray(E, 2 * E), this.numNodes);
    this.cscCache = { key: ei, version: ei.version, value };
    return value;
  }

  // ---- checks and copies -----------------------------------------------------------------------

  /**
   * Checks the edge index (dtype, shape, id range) and that node- and edge-level attributes have
   * `numNodes` / `numEdges` rows. Throws an error naming the attribute; returns this graph.
   */
  validate(): this {
    const N = this.numNodes;
    const ei = this.store.get("edgeIndex");
    if (ei !== undefined) checkEdgeIndex("Graph.validate", ei, N);
    const E = this.numEdges;
    for (const [k, t] of this.store) {
      if (k === "edgeIndex") continue;
      const lv = this.levelOf(k);
      if (lv === "node" && (t.ndim === 0 || t.shape[0] !== N))
        opError("Graph.validate", k, `${N} rows (numNodes)`, `shape ${fmtShape(t.shape)}`);
      if (lv === "edge" && (t.ndim === 0 || t.shape[0] !== E))
        opError("Graph.validate", k, `${E} rows (numEdges)`, `shape ${fmtShape(t.shape)}`);
    }
    return this;
  }

  /** A new graph sharing the same tensors (attributes can then be replaced independently). */
  clone(): Graph {
    const g = new Graph();
    this.copyInto(g);
    return g;
  }

  /** Copies attributes, explicit levels and the explicit node count into `g`. */
  protected copyInto(g: Graph): void {
    for (const [k, v] of this.store) g.store.set(k, v);
    for (const [k, v] of this.levels) g.levels.set(k, v);
    g._numNodes = this._numNodes;
    g.xSparse = this.xSparse;
  }

  /** True when the explicit node count was set (rather than inferred). */
  get hasExplicitNumNodes(): boolean {
    return this._numNodes !== undefined;
  }

  /** Summary like `Graph(x=[2708, 1433], edgeIndex=[2, 10556], y=[2708], numNodes=2708)`. */
  toString(): string {
    const parts = [...this.store].map(([k, t]) => `${k}=${fmtShape(t.shape)}`);
    parts.push(`numNodes=${this.numNodes}`);
    return `${this.constructor.name}(${parts.join(", ")})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * Throws unless every entry of `ids` (a 1-D int32 tensor, or the int32 row of an edge index) is a node
 * id in `[0, numNodes)`. The error names `op`, `arg`, `numNodes`, the value and its position, counted
 * in `unit`s (`position`, or `edge` for a row of an edge index). Returns the ids.
 */
export function checkNodeIds(
  op: string,
  arg: string,
  ids: Tensor | Int32Array,
  numNodes: number,
  unit: "position" | "edge" = "position",
): Int32Array {
  if (ids instanceof Tensor) {
    if (ids.dtype !== "int32") opError(op, arg, "dtype int32", ids.dtype);
    if (ids.ndim !== 1) opError(op, arg, "a 1-D tensor of node ids", `shape ${fmtShape(ids.shape)}`);
  }
  const d = ids instanceof Tensor ? (ids.data as Int32Array) : ids;
  if (ids instanceof Tensor && indexInRange(ids, numNodes)) return d;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < 0 || v >= numNodes)
      opError(op, arg, `node ids in [0, ${numNodes}) (numNodes = ${numNodes})`, `${v} at ${unit} ${i}`);
  }
  return d;
}

/** Error for attributes that disagree across graphs in a batch. */
export function batchError(message: string): never {
  throw new ErlangenError(message);
}
