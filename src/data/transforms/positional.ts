/** Positional encodings of nodes: Laplacian eigenvectors and random-walk return probabilities. */
import type { Graph } from "../../domains/graph/graph.js";
import { compressEdges } from "../../domains/graph/graph.js";
import { laplacianEigenpairs } from "../../domains/graph/spectral.js";
import { opError } from "../../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { BaseTransform } from "./base.js";

/** Options of {@link LaplacianEigenvectorPE}. */
export interface LaplacianPEOptions {
  /** Attribute name of the encoding (default `'laplacianEigenvectorPe'`). */
  attrName?: string;
  /** Multiply each column by a random ±1 (default true, like PyG; eigenvector signs are arbitrary anyway). */
  randomSign?: boolean;
  /** Source of the random signs (default the global generator). */
  generator?: Generator;
  /** Components up to this size are solved densely (default 400); larger ones by Lanczos. */
  denseThreshold?: number;
}

/**
 * Laplacian eigenvector positional encoding (Dwivedi et al. 2020; PyG's `AddLaplacianEigenvectorPE`):
 * the eigenvectors of the `k` smallest non-trivial eigenvalues of the symmetric normalised Laplacian
 * `I - D^-1/2 A D^-1/2`, as a float32 node attribute `[N, k]`. The smallest eigenpair is skipped; edges
 * are taken as undirected. Graphs with `N <= k` get zero columns for the missing eigenvectors.
 */
export class LaplacianEigenvectorPE extends BaseTransform {
  constructor(
    readonly k: number,
    readonly opts: LaplacianPEOptions = {},
  ) {
    super();
    if (!Number.isInteger(k) || k < 1) opError("LaplacianEigenvectorPE", "k", "a positive integer", String(k));
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    const N = g.numNodes;
    const k = this.k;
    const r = laplacianEigenpairs(g.edgeIndex, N, k + 1, {
      edgeWeight: g.edgeWeight,
      denseThreshold: this.opts.denseThreshold ?? 400,
    });
    const pe = new Float32Array(N * k);
    const gen = this.opts.generator ?? getDefaultGenerator();
    const signs = Array.from({ length: k }, () => ((this.opts.randomSign ?? true) ? (gen.random() < 0.5 ? -1 : 1) : 1));
    for (let i = 0; i < N; i++) for (let j = 0; j < k; j++) pe[i * k + j] = signs[j]! * r.vectors[i * (k + 1) + j + 1]!;
    g.set(this.opts.attrName ?? "laplacianEigenvectorPe", new Tensor(pe, [N, k], "float32"), "node");
    return g;
  }

  override toString(): string {
    return `LaplacianEigenvectorPE(k=${this.k})`;
  }
}

/**
 * Random-walk positional encoding (Dwivedi et al. 2022; PyG's `AddRandomWalkPE`): for each node, the
 * probabilities of returning to itself after 1..walkLength steps of the random walk `P = D^-1 A`
 * (out-degree normalised, edge weights used when present), as a float32 node attribute
 * `[N, walkLength]`. Computed by sparse propagation from each node, so no dense `N × N` powers.
 */
export class RandomWalkPE extends BaseTransform {
  constructor(
    readonly walkLength: number,
    readonly opts: { attrName?: string } = {},
  ) {
    super();
    if (!Number.isInteger(walkLength) || walkLength < 1)
      opError("RandomWalkPE", "walkLength", "a positive integer", String(walkLength));
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    const N = g.numNodes;
    const E = g.numEdges;
    const ed = g.edgeIndex.data as Int32Array;
    const w = g.edgeWeight;
    const src = ed.subarray(0, E);
    const dst = ed.subarray(E, 2 * E);
    const out = compressEdges(src, dst, N);
    const deg = new Float64Array(N);
    for (let e = 0; e < E; e++) deg[src[e]!]! += w === null ? 1 : w.data[e]!;
    const prob = new Float64Array(E); // transition probability per CSR position
    for (let u = 0; u < N; u++) {
      const inv = 1 / Math.max(deg[u]!, 1);
      for (let p = out.ptr[u]!; p < out.ptr[u + 1]!; p++) prob[p] = (w === null ? 1 : w.data[out.edgeId[p]!]!) * inv;
    }
    const L = this.walkLength;
    const pe = new Float32Array(N * L);
    let cur = new Float64Array(N);
    let nxt = new Float64Array(N);
    const inCur = new Uint8Array(N);
    const inNxt = new Uint8Array(N);
    let curList: number[] = [];
    let nxtList: number[] = [];
    for (let s = 0; s < N; s++) {
      cur[s] = 1;
      inCur[s] = 1;
      curList = [s];
      for (let t = 0; t < L; t++) {
        for (const u of curList) {
          const m = cur[u]!;
          for (let p = out.ptr[u]!; p < out.ptr[u + 1]!; p++) {
            const v = out.index[p]!;
            if (!inNxt[v]) {
              inNxt[v] = 1;
              nxtList.push(v);
            }
            nxt[v]! += m * prob[p]!;
          }
          cur[u] = 0;
          inCur[u] = 0;
        }
        pe[s * L + t] = nxt[s]!;
        [cur, nxt] = [nxt, cur];
        [curList, nxtList] = [nxtList, curList];
        nxtList.length = 0;
        for (const u of curList) {
          inNxt[u] = 0;
          inCur[u] = 1;
        }
      }
      for (const u of curList) {
        cur[u] = 0;
        inCur[u] = 0;
      }
    }
    g.set(this.opts.attrName ?? "randomWalkPe", new Tensor(pe, [N, L], "float32"), "node");
    return g;
  }

  override toString(): string {
    return `RandomWalkPE(walkLength=${this.walkLength})`;
  }
}
