/**
 * In-memory graph and feature stores: the adjacency as int32 CSR grouped by target, node attributes
 * as row-major typed arrays. Their handles share the arrays with worker threads through
 * `SharedArrayBuffer`s (the arrays are moved into shared memory once, on the first `handle()` call,
 * unless they already live there), so workers read the graph without copying it.
 */
import type { Graph } from "../../domains/graph/graph.js";
import { ErlangenError, opError } from "../../tensor/errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  type FeatureArray,
  type FeatureDType,
  type FeatureInfo,
  type FeatureStore,
  featureArray,
  featureInfo,
  forgetStore,
  freshStoreKey,
  type GraphStore,
  type NeighborLists,
  rememberStore,
  type StoreHandle,
} from "./store.js";

const MODULE = import.meta.url;

/** Whether this platform can share memory with workers. */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === "function";
}

type TypedCtor<T> = { new (buffer: ArrayBufferLike, offset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

/** A typed array of `length` elements in shared memory (plain memory where sharing is unavailable). */
export function sharedArray<T extends FeatureArray>(ctor: TypedCtor<T>, length: number): T {
  const buf = canShareMemory()
    ? new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT)
    : new ArrayBuffer(length * ctor.BYTES_PER_ELEMENT);
  return new ctor(buf, 0, length);
}

/** `a` itself when it lives in shared memory, else a shared copy. */
export function toShared<T extends FeatureArray>(a: T): T {
  if (!canShareMemory() || a.buffer instanceof SharedArrayBuffer) return a;
  const ctor = a.constructor as TypedCtor<T>;
  const s = sharedArray(ctor, a.length);
  (s as unknown as { set(x: ArrayLike<number>): void }).set(a);
  return s;
}

function needShared(op: string): void {
  if (!canShareMemory())
    throw new ErlangenError(
      `${op}: SharedArrayBuffer is unavailable (browsers need cross-origin isolation), so the store cannot be shared with worker threads; use one thread (setNumThreads(1))`,
    );
}

/** Parameters of an in-memory graph store's handle. */
interface MemoryGraphParams {
  ptr: Int32Array;
  index: Int32Array;
}

/**
 * A graph held in memory as CSR grouped by target: the neighbours (sources) of node `v` are
 * `index[ptr[v] .. ptr[v + 1])`, and edge ids are positions in `index`.
 */
export class InMemoryGraphStore implements GraphStore {
  private _ptr: Int32Array;
  private _index: Int32Array;
  readonly numNodes: number;
  readonly numEdges: number;
  private key: string | null = null;

  /**
   * @param ptr - offsets `[numNodes + 1]`, non-decreasing from 0 to `index.length`.
   * @param index - source node of each edge, grouped by target.
   * @param validate - check the offsets and ids (default true).
   */
  constructor(ptr: Int32Array, index: Int32Array, validate = true) {
    const op = "InMemoryGraphStore";
    if (!(ptr instanceof Int32Array)) opError(op, "ptr", "an Int32Array", typeof ptr);
    if (!(index instanceof Int32Array)) opError(op, "index", "an Int32Array", typeof index);
    if (ptr.length < 1) opError(op, "ptr", "numNodes + 1 ≥ 1 offsets", "an empty array");
    const n = ptr.length - 1;
    if (validate) {
      if (ptr[0] !== 0) opError(op, "ptr", "offsets starting at 0", `ptr[0] = ${ptr[0]}`);
      if (ptr[n] !== index.length)
        opError(op, "ptr", `offsets ending at index.length = ${index.length}`, `ptr[${n}] = ${ptr[n]}`);
      for (let i = 0; i < n; i++)
        if (ptr[i + 1]! < ptr[i]!)
          opError(op, "ptr", "non-decreasing offsets", `ptr[${i + 1}] = ${ptr[i + 1]} < ptr[${i}] = ${ptr[i]}`);
      for (let e = 0; e < index.length; e++) {
        const v = index[e]!;
        if (v < 0 || v >= n) opError(op, "index", `node ids in [0, ${n})`, `${v} at position ${e}`);
      }
    }
    this._ptr = ptr;
    this._index = index;
    this.numNodes = n;
    this.numEdges = index.length;
  }

  /** The store of a graph's incoming adjacency (edge ids: positions in {@link Graph.csr} order). */
  static fromGraph(graph: Graph): InMemoryGraphStore {
    const c = graph.csr();
    return new InMemoryGraphStore(c.ptr, c.index, false);
  }

  /** CSR offsets `[numNodes + 1]`. */
  get ptr(): Int32Array {
    return this._ptr;
  }

  /** Source of each edge, grouped by target. */
  get index(): Int32Array {
    return this._index;
  }

  /** In-degree of node `v`. */
  degree(v: number): number {
    return this._ptr[v + 1]! - this._ptr[v]!;
  }

  neighbors(nodes: Int32Array): NeighborLists {
    const n = nodes.length;
    const start = new Int32Array(n);
    const count = new Int32Array(n);
    const ptr = this._ptr;
    const N = this.numNodes;
    for (let i = 0; i < n; i++) {
      const v = nodes[i]!;
      if (v < 0 || v >= N)
        opError("InMemoryGraphStore.neighbors", "nodes", `node ids in [0, ${N})`, `${v} at position ${i}`);
      start[i] = ptr[v]!;
      count[i] = ptr[v + 1]! - ptr[v]!;
    }
    return { start, count, index: this._index, edgeOffset: start };
  }

  handle(opts: { shared?: boolean } = {}): StoreHandle {
    if (opts.shared ?? true) {
      needShared("InMemoryGraphStore.handle");
      this._ptr = toShared(this._ptr);
      this._index = toShared(this._index);
    }
    if (this.key === null) {
      this.key = freshStoreKey("memory-graph");
      rememberStore(this.key, this);
    }
    const params: MemoryGraphParams = { ptr: this._ptr, index: this._index };
    return { module: MODULE, factory: "openInMemoryGraphStore", params, key: this.key };
  }
}

/** Opens the in-memory graph store of a handle (in a worker: over the shared arrays). */
export function openInMemoryGraphStore(params: MemoryGraphParams): InMemoryGraphStore {
  return new InMemoryGraphStore(params.ptr, params.index, false);
}

/** One attribute of an {@link InMemoryFeatureStore}. */
export interface MemoryFeature extends FeatureInfo {
  readonly data: FeatureArray;
}

function dtypeOf(a: FeatureArray): FeatureDType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int32Array) return "int32";
  return "uint8";
}

/** Node attributes held in memory as row-major typed arrays. */
export class InMemoryFeatureStore implements FeatureStore {
  readonly numNodes: number;
  private features: MemoryFeature[] = [];
  private key: string | null = null;

  constructor(numNodes: number) {
    if (!Number.isInteger(numNodes) || numNodes < 0)
      opError("InMemoryFeatureStore", "numNodes", "a non-negative integer", String(numNodes));
    this.numNodes = numNodes;
  }

  /**
   * Adds (or replaces) attribute `name`: `data` holds `numNodes × width` values, row-major (a
   * Float32Array, Int32Array or Uint8Array; masks as 0/1 bytes). Returns this store.
   */
  put(name: string, data: FeatureArray, width = 1): this {
    const op = "InMemoryFeatureStore.put";
    if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array))
      opError(op, name, "a Float32Array, Int32Array or Uint8Array", (data as object)?.constructor?.name ?? typeof data);
    if (!Number.isInteger(width) || width < 1) opError(op, "width", "a positive integer", String(width));
    if (data.length !== this.numNodes * width)
      opError(op, name, `${this.numNodes} × ${width} = ${this.numNodes * width} values`, `${data.length}`);
    if (this.key !== null) {
      // workers that opened the old handle keep the old attributes: the next handle gets a new key
      forgetStore(this.key);
      this.key = null;
    }
    this.features = this.features.filter((f) => f.name !== name);
    this.features.push({ name, dtype: dtypeOf(data), width, data });
    return this;
  }

  /**
   * Adds a node-level tensor (`[numNodes]` or `[numNodes, F]`): float tensors as float32, int32 as
   * int32, bool as bytes.
   */
  putTensor(name: string, t: Tensor): this {
    if (t.ndim < 1 || t.shape[0] !== this.numNodes)
      opError(
        "InMemoryFeatureStore.putTensor",
        name,
        `a tensor with ${this.numNodes} rows`,
        `shape [${t.shape.join(", ")}]`,
      );
    const width = t.size / Math.max(1, this.numNodes);
    const d = t.data;
    const data: FeatureArray =
      t.dtype === "int32"
        ? (d as Int32Array)
        : t.dtype === "bool"
          ? Uint8Array.from(d as ArrayLike<number>)
          : d instanceof Float32Array
            ? d
            : Float32Array.from(d as ArrayLike<number>);
    return this.put(name, data, width);
  }

  /**
   * The store of a graph's node attributes: `x` (dense), `y` and the masks when present (node-level
   * `y` only).
   */
  static fromGraph(graph: Graph): InMemoryFeatureStore {
    const s = new InMemoryFeatureStore(graph.numNodes);
    for (const k of ["x", "y", "trainMask", "valMask", "testMask"]) {
      const t = graph.get(k);
      if (t === null || t.ndim < 1 || t.shape[0] !== graph.numNodes) continue;
      s.putTensor(k, t);
    }
    if (graph.x === null && graph.xSparse !== null) s.putTensor("x", graph.xSparse.toDense());
    return s;
  }

  get attrs(): readonly FeatureInfo[] {
    return this.features.map(({ name, dtype, width }) => ({ name, dtype, width }));
  }

  /** The full array of attribute `name`. */
  array(name: string): FeatureArray {
    featureInfo("InMemoryFeatureStore.array", this, name);
    return this.features.find((f) => f.name === name)!.data;
  }

  get(names: readonly string[], nodes: Int32Array): Record<string, FeatureArray> {
    const op = "InMemoryFeatureStore.get";
    const N = this.numNodes;
    for (let i = 0; i < nodes.length; i++) {
      const v = nodes[i]!;
      if (v < 0 || v >= N) opError(op, "nodes", `node ids in [0, ${N})`, `${v} at position ${i}`);
    }
    const out: Record<string, FeatureArray> = {};
    for (const name of names) {
      featureInfo(op, this, name);
      const f = this.features.find((x) => x.name === name)!;
      out[name] = gatherRows(f.data, f.width, nodes, featureArray(f.dtype, nodes.length * f.width));
    }
    return out;
  }

  handle(opts: { shared?: boolean } = {}): StoreHandle {
    if (opts.shared ?? true) {
      needShared("InMemoryFeatureStore.handle");
      this.features = this.features.map((f) => ({ ...f, data: toShared(f.data) }));
    }
    if (this.key === null) {
      this.key = freshStoreKey("memory-features");
      rememberStore(this.key, this);
    }
    const params: MemoryFeatureParams = { numNodes: this.numNodes, features: this.features };
    return { module: MODULE, factory: "openInMemoryFeatureStore", params, key: this.key };
  }
}

interface MemoryFeatureParams {
  numNodes: number;
  features: MemoryFeature[];
}

/** Opens the in-memory feature store of a handle (in a worker: over the shared arrays). */
export function openInMemoryFeatureStore(params: MemoryFeatureParams): InMemoryFeatureStore {
  const s = new InMemoryFeatureStore(params.numNodes);
  for (const f of params.features) s.put(f.name, f.data, f.width);
  return s;
}

/** Copies rows `nodes` of a row-major array with rows of `width` values into `out`. */
export function gatherRows<T extends FeatureArray>(data: FeatureArray, width: number, nodes: Int32Array, out: T): T {
  const n = nodes.length;
  if (width === 1) {
    for (let i = 0; i < n; i++) out[i] = data[nodes[i]!]!;
  } else if (width <= 64) {
    for (let i = 0; i < n; i++) {
      const s = nodes[i]! * width;
      const o = i * width;
      for (let j = 0; j < width; j++) out[o + j] = data[s + j]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const s = nodes[i]! * width;
      (out as Float32Array).set((data as Float32Array).subarray(s, s + width), i * width);
    }
  }
  return out;
}
