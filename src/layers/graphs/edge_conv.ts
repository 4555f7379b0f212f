/**
 * EdgeConv and DynamicEdgeConv (Wang et al., "Dynamic Graph CNN for Learning on Point Clouds", 2019):
 *
 *   x'_i = ⊕_{j ∈ N(i)} h_Θ( x_i ‖ x_j − x_i )          (⊕ = max by default)
 *
 * DynamicEdgeConv rebuilds N(i) at every call as the k nearest neighbours of x_i in feature space
 * (Euclidean, the point itself included, as PyG's `knn`), separately within each graph of a batch.
 */
import type { Module } from "../../nn/module.js";
import { check, concat, fmtShape, opError, sub, type Tensor } from "../../tensor/index.js";
import type { AggrSpec } from "./aggregation.js";
import { MessagePassing, type MessageInputs, type NodeInput } from "./message_passing.js";
import { makeEdgeIndex } from "./utils.js";

/** Edge convolution on a given graph; see the file header. */
export class EdgeConv extends MessagePassing<[NodeInput, Tensor], Tensor> {
  /** h_Θ: 2F → F'. */
  nn: Module<[Tensor], Tensor>;

  constructor(nn: Module<[Tensor], Tensor>, opts: { aggr?: AggrSpec } = {}) {
    super({ aggr: opts.aggr ?? "max" });
    this.nn = nn;
  }

  /**
   * @param x - node features [N, F] or a `[source, target]` pair.
   * @param edgeIndex - [2, E] int32.
   */
  forward(x: NodeInput, edgeIndex: Tensor): Tensor {
    const [xs, xt] = Array.isArray(x) ? (x as readonly [Tensor | null, Tensor | null]) : [x as Tensor, x as Tensor];
    check(xs !== null && xt !== null, "EdgeConv", "x", "source and target features", "null");
    return this.propagate(edgeIndex, { x: [xs, xt], size: [xs.shape[0]!, xt.shape[0]!] });
  }

  override message(inputs: MessageInputs): Tensor {
    const xi = inputs.x_i!;
    return this.nn.forward(concat([xi, sub(inputs.x_j!, xi)], -1));
  }
}

/**
 * The k-nearest-neighbour graph of the rows of `x` [N, F] within each graph of `batch` (sorted
 * graph ids [N], int32; all zeros when null): edges j → i for the k nearest j of every i (i itself
 * included), as an edge index [2, N·k] (fewer when a graph has fewer than k nodes). Ties are broken
 * by the smaller index.
 */
export function knnGraph(x: Tensor, k: number, batch: Tensor | null = null, opts: { loop?: boolean } = {}): Tensor {
  check(x.ndim === 2, "knnGraph", "x", "a 2-D tensor [N, F]", fmtShape(x.shape));
  check(Number.isInteger(k) && k > 0, "knnGraph", "k", "a positive integer", String(k));
  const N = x.shape[0]!;
  const F = x.shape[1]!;
  const loop = opts.loop ?? true;
  const d = x.data;
  const b = batch === null ? null : (batch.data as Int32Array);
  if (batch !== null) {
    check(batch.dtype === "int32" && batch.ndim === 1 && batch.shape[0] === N, "knnGraph", "batch", `an int32 tensor of shape [${N}]`, `${batch.dtype} ${fmtShape(batch.shape)}`);
    for (let n = 1; n < N; n++) if (b![n]! < b![n - 1]!) opError("knnGraph", "batch", "sorted graph ids", `${b![n]} after ${b![n - 1]} at ${n}`);
  }
  const src: number[] = [];
  const dst: number[] = [];
  let start = 0;
  while (start < N) {
    let end = start + 1;
    while (end < N && (b === null || b[end] === b[start])) end++;
    const n = end - start;
    const idx = new Array<number>(n);
    const dist = new Float64Array(n);
    for (let i = start; i < end; i++) {
      for (let j = start; j < end; j++) {
        let s = 0;
        for (let f = 0; f < F; f++) {
          const t = d[i * F + f]! - d[j * F + f]!;
          s += t * t;
        }
        dist[j - start] = s;
        idx[j - start] = j;
      }
      const cand = loop ? idx : idx.filter((j) => j !== i);
      cand.sort((p, q) => dist[p - start]! - dist[q - start]! || p - q);
      const kk = Math.min(k, cand.length);
      for (let t = 0; t < kk; t++) {
        src.push(cand[t]!);
        dst.push(i);
      }
    }
    start = end;
  }
  return makeEdgeIndex(Int32Array.from(src), Int32Array.from(dst));
}

/** Edge convolution on the k-NN graph of the current features; see the file header. */
export class DynamicEdgeConv extends MessagePassing<[Tensor, (Tensor | null)?], Tensor> {
  nn: Module<[Tensor], Tensor>;
  readonly k: number;

  constructor(nn: Module<[Tensor], Tensor>, k: number, opts: { aggr?: AggrSpec } = {}) {
    super({ aggr: opts.aggr ?? "max" });
    this.nn = nn;
    this.k = k;
  }

  /**
   * @param x - node features [N, F].
   * @param batch - graph id of each node [N] (sorted int32), or null for one graph.
   */
  forward(x: Tensor, batch: Tensor | null = null): Tensor {
    const ei = knnGraph(x, this.k, batch);
    return this.propagate(ei, { x, size: [x.shape[0]!, x.shape[0]!] });
  }

  override message(inputs: MessageInputs): Tensor {
    const xi = inputs.x_i!;
    return this.nn.forward(concat([xi, sub(inputs.x_j!, xi)], -1));
  }

  override extraRepr(): string {
    return `k=${this.k}`;
  }
}
