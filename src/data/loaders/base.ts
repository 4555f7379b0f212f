/**
 * What every subgraph loader shares: batches planned on the calling thread (seed nodes, random seeds:
 * all drawn from one generator, so the sequence of batches is fixed by the seed), built by the
 * library's worker pool (sampling and attribute gathering) a few batches ahead of the one being
 * consumed, and handed out in plan order as {@link SubgraphBatch}es. With one thread the batches are
 * built on demand on the calling thread, by the same code: the batches are identical.
 */
import { Graph } from "../../domains/graph/graph.js";
import { getWorkerPool, type WorkerPool } from "../../kernels/pool.js";
import { opError } from "../../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { InMemoryFeatureStore, InMemoryGraphStore } from "../stores/memory.js";
import type { FeatureArray, FeatureStore, GraphStore } from "../stores/store.js";
import {
  buildSubgraph,
  SAMPLING_TASKS,
  type SubgraphRequest,
  type SubgraphTask,
  type SubgraphTaskResult,
} from "./tasks.js";

/**
 * A sampled subgraph as a {@link Graph} (PyG's mini-batch `Data`): `x`, `y`, masks and any other
 * gathered node attributes in local node order, `edgeIndex` in local ids, plus where the nodes and
 * edges came from.
 */
export class SubgraphBatch extends Graph {
  /** Global id of each node (PyG's `n_id`): the seed nodes first. */
  nId: Tensor;
  /** Store edge id of each edge (PyG's `e_id`). */
  eId: Tensor;
  /** Number of seed nodes: the first `batchSize` rows are the ones the batch is about (PyG's `batch_size`). */
  batchSize: number;
  /** Position of each seed (or supervision edge) in the loader's input (PyG's `input_id`). */
  inputId: Tensor | null = null;
  /** Nodes first reached at each hop (hop 0: seeds), for layer-wise trimming; null when not hop-structured. */
  numSampledNodes: number[] | null;
  /** Edges sampled at each hop 1..L (directed neighbour sampling), or null. */
  numSampledEdges: number[] | null;

  constructor(
    res: SubgraphTaskResult,
    infos: ReadonlyMap<string, { dtype: string; width: number }>,
    batchSize: number,
  ) {
    const { sub, features } = res;
    const n = sub.nId.length;
    super({ numNodes: n });
    for (const [name, data] of Object.entries(features))
      this.set(name, attrTensor(data, n, infos.get(name)?.width ?? 1), "node");
    this.edgeIndex = new Tensor(sub.edgeIndex, [2, sub.edgeIndex.length / 2], "int32");
    this.nId = new Tensor(sub.nId, [n], "int32");
    this.eId = new Tensor(sub.eId, [sub.eId.length], "int32");
    this.batchSize = batchSize;
    this.numSampledNodes = sub.numSampledNodes === null ? null : Array.from(sub.numSampledNodes);
    this.numSampledEdges = sub.numSampledEdges === null ? null : Array.from(sub.numSampledEdges);
  }
}

function attrTensor(data: FeatureArray, n: number, width: number): Tensor {
  const shape = width === 1 ? [n] : [n, width];
  if (data instanceof Float32Array) return new Tensor(data, shape, "float32");
  if (data instanceof Int32Array) return new Tensor(data, shape, "int32");
  return new Tensor(data, shape, "bool");
}

/** Where a loader's data lives: a graph (held in memory) or a pair of stores. */
export type LoaderData = Graph | { graphStore: GraphStore; featureStore?: FeatureStore | null };

/** The stores of a {@link LoaderData}. */
export function resolveStores(data: LoaderData): { graphStore: GraphStore; featureStore: FeatureStore | null } {
  if (data instanceof Graph)
    return { graphStore: InMemoryGraphStore.fromGraph(data), featureStore: InMemoryFeatureStore.fromGraph(data) };
  if (data === null || typeof data !== "object" || data.graphStore === undefined)
    opError("loader", "data", "a Graph or { graphStore, featureStore }", String(data));
  return { graphStore: data.graphStore, featureStore: data.featureStore ?? null };
}

/** Options every subgraph loader takes. */
export interface SubgraphLoaderOptions {
  /** Node attributes gathered into each batch (default: every attribute of the feature store). */
  attrs?: readonly string[];
  /** New order every epoch (default false). */
  shuffle?: boolean;
  /** Source of the orders and the sampling seeds (default: the global generator at iteration time). */
  generator?: Generator;
  /** Pool that builds the batches (default: the library's pool, {@link getWorkerPool}, at iteration time). */
  pool?: WorkerPool;
  /** Batches built ahead of the one consumed (default: 2 per pool worker; 0 without workers). */
  prefetch?: number;
}

/** Timings and sizes accumulated over the batches a loader handed out. */
export interface LoaderStats {
  batches: number;
  /** Nodes and edges of the handed-out subgraphs. */
  nodes: number;
  edges: number;
  /** Time spent sampling (store look-ups included) and gathering attributes, summed over batches and threads. */
  sampleMs: number;
  gatherMs: number;
  /** Time the consumer waited for the next batch (all of the sampling when there are no workers). */
  waitMs: number;
}

/** A planned batch: the request and what the batch needs once built. */
export interface PlannedBatch<E = unknown> {
  request: SubgraphRequest;
  seed: number;
  /** Rows the batch is about (the first `batchSize` nodes). */
  batchSize: number;
  extra: E;
}

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

/** The base of the subgraph loaders; see the file header. */
export abstract class SubgraphLoader<B extends SubgraphBatch = SubgraphBatch, E = unknown> implements AsyncIterable<B> {
  readonly graphStore: GraphStore;
  readonly featureStore: FeatureStore | null;
  readonly attrs: readonly string[];
  readonly shuffle: boolean;
  protected readonly generator: Generator | undefined;
  private readonly pool: WorkerPool | undefined;
  private readonly prefetch: number | undefined;
  /** Totals over every batch handed out (see {@link resetStats}). */
  stats: LoaderStats = emptyStats();

  constructor(data: LoaderData, opts: SubgraphLoaderOptions = {}) {
    const { graphStore, featureStore } = resolveStores(data);
    this.graphStore = graphStore;
    this.featureStore = featureStore;
    const held = featureStore?.attrs.map((a) => a.name) ?? [];
    const attrs = opts.attrs ?? held;
    for (const a of attrs)
      if (!held.includes(a))
        opError(
          this.constructor.name,
          "attrs",
          `names of feature-store attributes (${held.join(", ") || "none"})`,
          JSON.stringify(a),
        );
    this.attrs = attrs;
    this.shuffle = opts.shuffle ?? false;
    this.generator = opts.generator;
    this.pool = opts.pool;
    if (opts.prefetch !== undefined && (!Number.isInteger(opts.prefetch) || opts.prefetch < 0))
      opError(this.constructor.name, "prefetch", "a non-negative integer", String(opts.prefetch));
    this.prefetch = opts.prefetch;
  }

  /** Number of batches per epoch. */
  abstract get length(): number;

  /** The batches of the next epoch, drawn from `g` on the calling thread. */
  protected abstract plan(g: Generator): PlannedBatch<E>[] | Promise<PlannedBatch<E>[]>;

  /** Turns a built subgraph into the batch handed out. */
  protected wrap(res: SubgraphTaskResult, p: PlannedBatch<E>): B {
    return new SubgraphBatch(res, this.infos(), p.batchSize) as B;
  }

  private _infos: Map<string, { dtype: string; width: number }> | null = null;
  protected infos(): Map<string, { dtype: string; width: number }> {
    if (this._infos === null) this._infos = new Map((this.featureStore?.attrs ?? []).map((a) => [a.name, a]));
    return this._infos;
  }

  /** Zeroes {@link stats}. */
  resetStats(): void {
    this.stats = emptyStats();
  }

  /** The pool batches are built on. */
  protected currentPool(): WorkerPool {
    return this.pool ?? getWorkerPool();
  }

  /**
   * Builds the planned batches through the pool, in order (`record`: add to {@link stats}; `gather`:
   * fetch node attributes).
   */
  protected async *build(
    plans: PlannedBatch<E>[],
    record: boolean,
    gather = true,
  ): AsyncGenerator<[SubgraphTaskResult, PlannedBatch<E>]> {
    const pool = this.currentPool();
    const sameThread = pool.size === 0;
    const depth = this.prefetch ?? (sameThread ? 0 : 2 * pool.size);
    const shared = { shared: !sameThread };
    const graph = this.graphStore.handle(shared);
    const features =
      !gather || this.featureStore === null || this.attrs.length === 0 ? null : this.featureStore.handle(shared);
    const submit = (p: PlannedBatch<E>): Promise<SubgraphTaskResult> => {
      const task: SubgraphTask = { graph, features, attrs: this.attrs, seed: p.seed, request: p.request };
      const r = sameThread
        ? buildSubgraph(task)
        : pool.run<SubgraphTaskResult>({ module: SAMPLING_TASKS, fn: "buildSubgraph", args: [task] });
      r.catch(() => {});
      return r;
    };
    const inflight: Promise<SubgraphTaskResult>[] = [];
    let next = 0;
    for (let b = 0; b < plans.length; b++) {
      while (next < plans.length && next <= b + depth) inflight.push(submit(plans[next++]!));
      const t0 = now();
      const res = await inflight.shift()!;
      const t1 = now();
      if (record) {
        const s = this.stats;
        s.batches++;
        s.waitMs += t1 - t0;
        s.sampleMs += res.sampleMs;
        s.gatherMs += res.gatherMs;
        s.nodes += res.sub.nId.length;
        s.edges += res.sub.eId.length;
      }
      yield [res, plans[b]!];
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const plans = await this.plan(this.generator ?? getDefaultGenerator());
    for await (const [res, p] of this.build(plans, true)) yield this.wrap(res, p);
  }
}

function emptyStats(): LoaderStats {
  return { batches: 0, nodes: 0, edges: 0, sampleMs: 0, gatherMs: 0, waitMs: 0 };
}

/**
 * Node ids from a mask (bool/0-1 `[N]`), a list (int32 tensor or array) or null (all nodes). Lists
 * must hold distinct ids in `[0, numNodes)`.
 */
export function inputNodeIds(
  op: string,
  input: Tensor | Int32Array | readonly number[] | null | undefined,
  numNodes: number,
): Int32Array {
  if (input === null || input === undefined) return Int32Array.from({ length: numNodes }, (_, i) => i);
  if (input instanceof Tensor && input.dtype === "bool") {
    if (input.ndim !== 1 || input.shape[0] !== numNodes)
      opError(op, "inputNodes", `a mask of shape [${numNodes}]`, `shape [${input.shape.join(", ")}]`);
    const d = input.data;
    let c = 0;
    for (let i = 0; i < numNodes; i++) if (d[i]) c++;
    const out = new Int32Array(c);
    c = 0;
    for (let i = 0; i < numNodes; i++) if (d[i]) out[c++] = i;
    return out;
  }
  let ids: Int32Array;
  if (input instanceof Tensor) {
    if (input.dtype !== "int32" || input.ndim !== 1)
      opError(op, "inputNodes", "a bool mask [N] or int32 node ids [n]", `${input.dtype} [${input.shape.join(", ")}]`);
    ids = input.data as Int32Array;
  } else ids = input instanceof Int32Array ? input : Int32Array.from(input);
  const seen = new Uint8Array(numNodes);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= numNodes)
      opError(op, "inputNodes", `node ids in [0, ${numNodes})`, `${v} at position ${i}`);
    if (seen[v]) opError(op, "inputNodes", "distinct node ids", `${v} twice (again at position ${i})`);
    seen[v] = 1;
  }
  return ids;
}

/** Checks a batch size. */
export function checkBatchSize(op: string, batchSize: number | undefined, fallback = 1): number {
  const b = batchSize ?? fallback;
  if (!Number.isInteger(b) || b < 1) opError(op, "batchSize", "a positive integer", String(batchSize));
  return b;
}
