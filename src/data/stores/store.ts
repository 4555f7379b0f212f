/**
 * Where a large graph lives, apart from how batches are drawn from it (PyG's `GraphStore` and
 * `FeatureStore`). A {@link GraphStore} answers batched neighbour look-ups, a {@link FeatureStore}
 * batched row look-ups of node attributes; both may answer synchronously (memory) or with a promise
 * (a database). The samplers ask once per hop for the whole frontier, so a remote store costs a few
 * round trips per batch.
 *
 * Edges are grouped by target: the neighbours of node `v` are the sources of the edges into `v` (the
 * nodes whose messages `v` aggregates). Store positions are edge ids: the `j`-th neighbour of `v` is
 * edge `edgeOffset + j` of the store (a position in the target-grouped order).
 *
 * A store crosses to worker threads as a {@link StoreHandle}: a structured-cloneable description
 * (shared buffers for memory, a connection string for a database) that {@link openStore} turns back
 * into a store, once per thread.
 */
import { ErlangenError } from "../../tensor/errors.js";

/**
 * Neighbour lists of the requested nodes: for request `i`, its `count[i]` neighbours are
 * `index[start[i] .. start[i] + count[i])`, and their edge ids `edgeOffset[i] + j`.
 */
export interface NeighborLists {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly index: Int32Array;
  readonly edgeOffset: Int32Array;
}

/** A structured-cloneable description of a store, opened again in another thread by {@link openStore}. */
export interface StoreHandle {
  /** URL of the module that opens it. */
  readonly module: string;
  /** Exported function of that module: `(params) => store | Promise<store>`. */
  readonly factory: string;
  /** Its argument. */
  readonly params: unknown;
  /** Identifies the store: a thread opens each key once. */
  readonly key: string;
}

/** The structure of a graph: batched neighbour look-ups. */
export interface GraphStore {
  readonly numNodes: number;
  readonly numEdges: number;
  /** Incoming neighbour lists of `nodes` (each in `[0, numNodes)`). */
  neighbors(nodes: Int32Array): NeighborLists | Promise<NeighborLists>;
  /**
   * The handle that opens this store in another thread. `shared: false` (for the calling thread
   * only) lets a memory store keep its arrays where they are.
   */
  handle(opts?: { shared?: boolean }): StoreHandle;
  /** Releases connections (no-op for memory). */
  close?(): Promise<void>;
}

/** Element types of node attributes. */
export type FeatureDType = "float32" | "int32" | "uint8";

/** Rows of one attribute, row-major. */
export type FeatureArray = Float32Array | Int32Array | Uint8Array;

/** A node attribute: name, element type and row width (`[numNodes, width]`, width 1 for labels and masks). */
export interface FeatureInfo {
  readonly name: string;
  readonly dtype: FeatureDType;
  readonly width: number;
}

/** Node attributes (features, labels, masks): batched row look-ups. */
export interface FeatureStore {
  readonly numNodes: number;
  /** The attributes held. */
  readonly attrs: readonly FeatureInfo[];
  /** Rows `nodes` of each attribute in `names` (row-major, `nodes.length × width` values each). */
  get(
    names: readonly string[],
    nodes: Int32Array,
  ): Record<string, FeatureArray> | Promise<Record<string, FeatureArray>>;
  /** The handle that opens this store in another thread (see {@link GraphStore.handle}). */
  handle(opts?: { shared?: boolean }): StoreHandle;
  close?(): Promise<void>;
}

/** The attribute `name` of `store`, or an error listing the held ones. */
export function featureInfo(op: string, store: FeatureStore, name: string): FeatureInfo {
  const a = store.attrs.find((x) => x.name === name);
  if (a === undefined)
    throw new ErlangenError(
      `${op}: the feature store has no attribute '${name}' (held: ${store.attrs.map((x) => x.name).join(", ") || "none"})`,
    );
  return a;
}

/** The typed array of a feature dtype. */
export function featureArray(dtype: FeatureDType, n: number): FeatureArray {
  return dtype === "float32" ? new Float32Array(n) : dtype === "int32" ? new Int32Array(n) : new Uint8Array(n);
}

const opened = new Map<string, { store: unknown; owned: boolean }>();
const opening = new Map<string, Promise<unknown>>();
const MAX_OPEN = 16;

/**
 * Records `store` as the store of `key` in this thread. Stores call it for themselves when they make
 * their first handle (`owned`: never closed here); {@link openStore} for the stores it opens, which
 * it closes when more than 16 are open (least recently opened first).
 */
export function rememberStore(key: string, store: unknown, owned = true): void {
  opened.delete(key);
  opened.set(key, { store, owned });
  while (opened.size > MAX_OPEN) {
    const [k, s] = opened.entries().next().value as [
      string,
      { store: { close?: () => Promise<void> }; owned: boolean },
    ];
    opened.delete(k);
    if (!s.owned) void s.store.close?.();
  }
}

/** Forgets the store of `key` in this thread (without closing it). */
export function forgetStore(key: string): void {
  opened.delete(key);
}

/**
 * The store a handle describes, opened once per thread (later calls return the same object; the store
 * that made the handle is returned as is on its own thread).
 */
export async function openStore<S>(h: StoreHandle): Promise<S> {
  const hit = opened.get(h.key);
  if (hit !== undefined) return hit.store as S;
  let p = opening.get(h.key);
  if (p === undefined) {
    p = (async () => {
      const mod = (await import(/* @vite-ignore */ h.module)) as Record<string, unknown>;
      const f = mod[h.factory];
      if (typeof f !== "function")
        throw new ErlangenError(`openStore: module '${h.module}' has no store factory '${h.factory}'`);
      const s = await (f as (p: unknown) => unknown)(h.params);
      rememberStore(h.key, s, false);
      return s;
    })();
    opening.set(h.key, p);
    p.finally(() => opening.delete(h.key)).catch(() => {});
  }
  return (await p) as S;
}

let keyCounter = 0;

/** A key unique to this thread's run (stores made in different threads or processes never clash). */
export function freshStoreKey(prefix: string): string {
  keyCounter++;
  const rand = Math.floor(Math.random() * 2 ** 32).toString(36);
  return `${prefix}:${Date.now().toString(36)}:${rand}:${keyCounter}`;
}
