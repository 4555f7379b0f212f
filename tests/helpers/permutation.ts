/**
 * Permutation checks for graph layers through the library's equivariance checker: S_N relabels the
 * nodes of a small graph (and the edge order is shuffled), and the layer's output must permute the
 * same way (node-level layers) or stay unchanged (readouts).
 */
import { expect } from "vitest";
import {
  checkEquivariance,
  formatReport,
  Generator,
  indexSelect,
  nodePermutationAction,
  Sn,
  Tensor,
} from "../../src/index.js";

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

/** The group action of S_N on test graphs: σ moves node i to σ(i); the edge order is shuffled too. */
function graphAction(numEdges: number, seed: number) {
  return (sigma: Int32Array, g: TestGraph): TestGraph => {
    const perm = new Int32Array(sigma.length);
    for (let i = 0; i < sigma.length; i++) perm[sigma[i]!] = i; // new node k = old node perm[k]
    let h = seed;
    for (let i = 0; i < sigma.length; i++) h = (Math.imul(h, 31) + sigma[i]!) | 0;
    return permuteGraph(g, perm, new Generator(h).permutation(numEdges));
  };
}

function check(fn: (g: TestGraph) => Tensor, graph: TestGraph, invariant: boolean, seed: number, atol: number): Tensor {
  const N = graph.x.shape[0]!;
  const report = checkEquivariance(fn, {
    group: Sn(N),
    inputAction: graphAction(graph.edgeIndex.shape[1]!, seed),
    ...(invariant ? {} : { outputAction: nodePermutationAction() }),
    inputs: [graph],
    samples: 3,
    seed,
    atol,
    rtol: 0,
  });
  expect(report.pass, formatReport(report)).toBe(true);
  return fn(graph);
}

/**
 * Checks f(P·G) = P·f(G) for a node-level layer `fn` under random node relabellings P (and random
 * edge orders), with the library's equivariance checker. Returns the unpermuted output.
 */
export function checkPermutationEquivariance(
  fn: (g: TestGraph) => Tensor,
  graph: TestGraph,
  opts: { seed?: number; atol?: number } = {},
): Tensor {
  return check(fn, graph, false, opts.seed ?? 7, opts.atol ?? 1e-5);
}

/** Checks f(P·G) = f(G) for a graph-level readout `fn` under random node relabellings. */
export function checkPermutationInvariance(
  fn: (g: TestGraph) => Tensor,
  graph: TestGraph,
  opts: { seed?: number; atol?: number } = {},
): Tensor {
  return check(fn, graph, true, opts.seed ?? 11, opts.atol ?? 1e-5);
}
