/** Mini-batch iteration over datasets of graphs (PyG's `DataLoader`). */
import { Batch } from "../domains/graph/batch.js";
import type { Graph } from "../domains/graph/graph.js";
import { opError } from "../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../tensor/rng.js";
import { asDataset, type Dataset } from "./dataset.js";

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Draw a new order every epoch (default false). */
  shuffle?: boolean;
  /** Skip the last, smaller batch (default false). */
  dropLast?: boolean;
  /** Source of the shuffles (default: the global generator at iteration time). */
  generator?: Generator;
  /** Turns a list of items into a batch (default {@link Batch.fromGraphs}). */
  collate?: (items: T[]) => B;
  /**
   * Without `shuffle`, collate each batch once and hand out the same batch objects every epoch
   * (default false). Evaluation loaders gain twice: no collation, and caches keyed on a batch's
   * tensors (sparse adjacency, edge checks) hit from the second epoch on. The dataset must not change.
   */
  cacheBatches?: boolean;
}

/**
 * Iterates a dataset in mini-batches; each `for...of` pass is one epoch. With `shuffle`, every epoch
 * draws a fresh permutation from the generator, so a seeded generator gives the same sequence of
 * batches on every run.
 *
 * ```ts
 * const loader = new DataLoader(dataset, { batchSize: 32, shuffle: true, generator: new Generator(0) });
 * for (const batch of loader) model.forward(batch);
 * ```
 */
export class DataLoader<T = Graph, B = Batch> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator | undefined;
  private readonly collate: (items: T[]) => B;
  private readonly cacheBatches: boolean;
  private cached: B[] | null = null;

  constructor(dataset: Dataset<T> | readonly T[], opts: DataLoaderOptions<T, B> = {}) {
    this.dataset = asDataset(dataset);
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      opError("DataLoader", "batchSize", "a positive integer", String(opts.batchSize));
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.generator = opts.generator;
    this.collate = opts.collate ?? ((items: T[]) => Batch.fromGraphs(items as unknown as Graph[]) as unknown as B);
    this.cacheBatches = (opts.cacheBatches ?? false) && !this.shuffle;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The item order of the next epoch (a fresh permutation when shuffling). */
  private order(): Int32Array {
    const n = this.dataset.length;
    if (this.shuffle) return (this.generator ?? getDefaultGenerator()).permutation(n);
    return Int32Array.from({ length: n }, (_, i) => i);
  }

  *[Symbol.iterator](): Iterator<B> {
    if (this.cacheBatches) {
      if (this.cached === null) this.cached = [...this.batches()];
      yield* this.cached;
      return;
    }
    yield* this.batches();
  }

  private *batches(): IterableIterator<B> {
    const idx = this.order();
    const nb = this.length;
    for (let b = 0; b < nb; b++) {
      const items: T[] = [];
      const end = Math.min(idx.length, (b + 1) * this.batchSize);
      for (let i = b * this.batchSize; i < end; i++) items.push(this.dataset.get(idx[i]!));
      yield this.collate(items);
    }
  }
}
