/** In-memory datasets: a list of items with an optional per-access transform. */
import type { Graph } from "../domains/graph/graph.js";
import { opError } from "../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import { applyTransform, type TransformLike } from "./transforms/base.js";

/** Anything with a length and random access (arrays qualify through {@link asDataset}). */
export interface Dataset<T = Graph> {
  readonly length: number;
  get(i: number): T;
}

/** Wraps an array as a {@link Dataset}; datasets pass through. */
export function asDataset<T>(d: Dataset<T> | readonly T[]): Dataset<T> {
  if (Array.isArray(d)) {
    const arr = d as readonly T[];
    return { length: arr.length, get: (i: number) => arr[i]! };
  }
  return d as Dataset<T>;
}

function toIndices(op: string, idx: ArrayLike<number> | Tensor, n: number): Int32Array {
  let out: Int32Array;
  if (idx instanceof Tensor) {
    if (idx.dtype === "bool") {
      if (idx.size !== n) opError(op, "index", `a bool mask of length ${n}`, `length ${idx.size}`);
      const l: number[] = [];
      for (let i = 0; i < n; i++) if (idx.data[i]) l.push(i);
      return Int32Array.from(l);
    }
    if (idx.dtype !== "int32") opError(op, "index", "int32 indices or a bool mask", idx.dtype);
    out = idx.data as Int32Array;
  } else out = Int32Array.from(idx);
  for (let i = 0; i < out.length; i++) {
    let v = out[i]!;
    if (v < 0) v += n;
    if (!Number.isInteger(v) || v < 0 || v >= n)
      opError(op, "index", `indices in [-${n}, ${n})`, `${out[i]} at position ${i}`);
    out[i] = v;
  }
  return out;
}

/**
 * A list of graphs kept in memory. `get(i)` applies the dataset's transform (if any) on access, like
 * PyG's `transform`; subsets made with {@link GraphDataset.index} share the graphs and transform.
 */
export class GraphDataset implements Dataset<Graph>, Iterable<Graph> {
  readonly graphs: readonly Graph[];
  transform: TransformLike | null;

  constructor(graphs: readonly Graph[], opts: { transform?: TransformLike | null } = {}) {
    this.graphs = graphs;
    this.transform = opts.transform ?? null;
  }

  get length(): number {
    return this.graphs.length;
  }

  /** Graph `i` (negative counts from the end), transformed. */
  get(i: number): Graph {
    const n = this.graphs.length;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(i) || j < 0 || j >= n)
      opError("GraphDataset.get", "i", `an integer in [-${n}, ${n})`, String(i));
    const g = this.graphs[j]!;
    return this.transform === null ? g : applyTransform(this.transform, g);
  }

  /** The subset at `idx` (int32 tensor, bool mask or numbers), in that order. */
  index(idx: ArrayLike<number> | Tensor): GraphDataset {
    const ids = toIndices("GraphDataset.index", idx, this.graphs.length);
    return new GraphDataset(
      Array.from(ids, (i) => this.graphs[i]!),
      { transform: this.transform },
    );
  }

  /** A shuffled copy (seeded by `generator`, default the global one). */
  shuffle(generator: Generator = getDefaultGenerator()): GraphDataset {
    return this.index(generator.permutation(this.graphs.length));
  }

  *[Symbol.iterator](): Iterator<Graph> {
    for (let i = 0; i < this.graphs.length; i++) yield this.get(i);
  }
}
