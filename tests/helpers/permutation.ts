/**
 * Permutation checks for graph layers (a local helper until the library's equivariance checker in
 * src/symmetry is used here): relabel the nodes (and shuffle the edge order) of a small graph, run
 * the layer on both, and compare.
 */
import { expect } from "vitest";
import { Generator, indexSelect, Tensor } from "../../src/index.js";

/** A small graph for the checks. Node-level tensors have N rows; edge-level ones E rows. */
export interface TestGraph {
  x: Tensor;
  edgeIndex: Tensor;
  edgeAttr?: Tensor | null;
  edgeWeight?: Tensor | null;
  batch?: Tensor | null;
  /** Extra node-level tensors permuted with x (e.g. x0 of GCN2Conv, pos). */
  nodeExtras?: Record<string, Tensor>;
}

function int32(a: ArrayLike<number>): Tensor {
  return new Tensor(Int32Array.from(a), [a.length], "int32");
}

/** The graph with nodes relabelled by `perm` (new node k = old node perm[k]) and edges reordered by `eperm`. */
export function permuteGraph(g: TestGraph, perm: Int32Array, eperm: Int32Array): TestGraph {
  const N = g.x.shape[0]!;
  const inv = new Int32Array(N);
  for (let k = 0; k < N; k++) inv[perm[k]!] = k;
  const E = g.edgeIndex.shape[1]!;
  const d = g.edgeIndex.data as Int32Array;
  const ei = new Int32Array(2 * E);
  for (let m = 0; m < E; m++) {
    ei[m] = inv[d[eperm[m]!]!]!;
    ei[E + m] = inv[d[E + eperm[m]!]!]!;
  }
  const p = int32(perm);
  const ep = int32(eperm);
  const extras: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(g.nodeExtras ?? {})) extras[k] = indexSelect(v, 0, p);
  return {
    x: indexSelect(g.x, 0, p),
    edgeIndex: new Tensor(ei, [2, E], "int32"),
    edgeAttr: g.edgeAttr ? indexSelect(g.edgeAttr, 0, ep) : g.edgeAttr,
    edgeWeight: g.edgeWeight ? indexSelect(g.edgeWeight, 0, ep) : g.edgeWeight,
    batch: g.batch ? indexSelect(g.batch, 0, p) : g.batch,
    nodeExtras: extras,
  };
}

function closeTo(a: Tensor, b: Tensor, atol: number, what: string): void {
  expect(a.shape, `${what}: shape`).toEqual(b.shape);
  let worst = 0;
  for (let i = 0; i < a.size; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
  expect(worst, `${what}: max abs difference`).toBeLessThanOrEqual(atol);
}

/**
 * Checks f(P·G) = P·f(G) for a node-level layer `fn` under a random node relabelling P (and a random
 * edge order). Returns the unpermuted output.
 */
export function checkPermutationEquivariance(fn: (g: TestGraph) => Tensor, graph: TestGraph, opts: { seed?: number; atol?: number } = {}): Tensor {
  const gen = new Generator(opts.seed ?? 7);
  const N = graph.x.shape[0]!;
  const perm = gen.permutation(N);
  const eperm = gen.permutation(graph.edgeIndex.shape[1]!);
  const out = fn(graph);
  const outP = fn(permuteGraph(graph, perm, eperm));
  closeTo(outP, indexSelect(out, 0, int32(perm)), opts.atol ?? 1e-5, "permutation equivariance");
  return out;
}

/** Checks f(P·G) = f(G) for a graph-level readout `fn` under a random node relabelling. */
export function checkPermutationInvariance(fn: (g: TestGraph) => Tensor, graph: TestGraph, opts: { seed?: number; atol?: number } = {}): Tensor {
  const gen = new Generator(opts.seed ?? 11);
  const perm = gen.permutation(graph.x.shape[0]!);
  const eperm = gen.permutation(graph.edgeIndex.shape[1]!);
  const out = fn(graph);
  const outP = fn(permuteGraph(graph, perm, eperm));
  closeTo(outP, out, opts.atol ?? 1e-5, "permutation invariance");
  return out;
}
