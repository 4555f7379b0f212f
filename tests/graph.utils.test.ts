import { describe, expect, it } from "vitest";
import {
  addRemainingSelfLoops,
  addSelfLoops,
  coalesce,
  connectedComponents,
  containsIsolatedNodes,
  containsSelfLoops,
  degree,
  edgeRow,
  fromGraphology,
  Graph,
  type GraphologyReadable,
  gcnNorm,
  getLaplacian,
  isUndirected,
  kHopSubgraph,
  removeSelfLoops,
  subgraph,
  toDenseAdj,
  toGraphology,
  toGraphologyInto,
  toUndirected,
  undirectedPairs,
} from "../src/domains/graph/index.js";
import { tensor } from "../src/tensor/creation.js";
import type { Tensor } from "../src/tensor/tensor.js";

const ei = (rows: number[][]) => tensor(rows, { dtype: "int32" });
const arr = (t: Tensor | null) => t!.toArray();
const near = (t: Tensor, expected: number[], digits = 6) => {
  expect(t.shape).toEqual([expected.length]);
  for (let i = 0; i < expected.length; i++) expect(t.data[i]).toBeCloseTo(expected[i]!, digits);
};

describe("graph utils", () => {
  it("degree", () => {
    const e = ei([
      [0, 0, 1, 2],
      [1, 2, 2, 0],
    ]);
    expect(Array.from(degree(edgeRow(e, 1), 4).data)).toEqual([1, 1, 2, 0]);
    expect(degree(edgeRow(e, 0)).dtype).toBe("float32");
    expect(degree(edgeRow(e, 0), undefined, "int32").toArray()).toEqual([2, 1, 1]);
    expect(() => degree(edgeRow(e, 0), 2)).toThrow(/degree: argument 'index' expected node ids in \[0, 2\)/);
  });

  it("self loops: contains, remove, add (fill values), add remaining", () => {
    const e = ei([
      [0, 1, 1, 2],
      [1, 1, 2, 0],
    ]);
    const attr = tensor([[1], [2], [3], [4]]);
    expect(containsSelfLoops(e)).toBe(true);
    const r = removeSelfLoops(e, attr);
    expect(arr(r.edgeIndex)).toEqual([
      [0, 1, 2],
      [1, 2, 0],
    ]);
    expect(arr(r.edgeAttr)).toEqual([[1], [3], [4]]);
    expect(containsSelfLoops(r.edgeIndex)).toBe(false);

    const a = addSelfLoops(r.edgeIndex, { edgeAttr: r.edgeAttr, numNodes: 4 });
    expect(arr(a.edgeIndex)).toEqual([
      [0, 1, 2, 0, 1, 2, 3],
      [1, 2, 0, 0, 1, 2, 3],
    ]);
    expect(arr(a.edgeAttr)).toEqual([[1], [3], [4], [1], [1], [1], [1]]);
    const m = addSelfLoops(r.edgeIndex, { edgeAttr: tensor([[1], [3], [5]]), fillValue: "mean", numNodes: 4 });
    // incoming: node 0 <- 5, node 1 <- 1, node 2 <- 3, node 3 none
    expect((arr(m.edgeAttr) as number[][]).slice(3)).toEqual([[5], [1], [3], [0]]);
    const t = addSelfLoops(r.edgeIndex, {
      edgeAttr: tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      fillValue: tensor([7, 8]),
    });
    expect((arr(t.edgeAttr) as number[][]).slice(3)).toEqual([
      [7, 8],
      [7, 8],
      [7, 8],
    ]);

    const rem = addRemainingSelfLoops(e, { edgeAttr: tensor([1, 2, 3, 4]), fillValue: 9 });
    expect(arr(rem.edgeIndex)).toEqual([
      [0, 1, 2, 0, 1, 2],
      [1, 2, 0, 0, 1, 2],
    ]);
    expect(arr(rem.edgeAttr)).toEqual([1, 3, 4, 9, 2, 9]);
  });

  it("coalesce sorts and merges duplicates with each reduction", () => {
    const e = ei([
      [2, 0, 2, 1, 0],
      [0, 1, 0, 1, 1],
    ]);
    const w = tensor([1, 2, 3, 4, 5]);
    const sum = coalesce(e, { edgeAttr: w });
    expect(arr(sum.edgeIndex)).toEqual([
      [0, 1, 2],
      [1, 1, 0],
    ]);
    expect(arr(sum.edgeAttr)).toEqual([7, 4, 4]);
    expect(arr(coalesce(e, { edgeAttr: w, reduce: "mean" }).edgeAttr)).toEqual([3.5, 4, 2]);
    expect(arr(coalesce(e, { edgeAttr: w, reduce: "max" }).edgeAttr)).toEqual([5, 4, 3]);
    expect(arr(coalesce(e, { edgeAttr: w, reduce: "min" }).edgeAttr)).toEqual([2, 4, 1]);
    expect(arr(coalesce(e, { edgeAttr: w, reduce: "mul" }).edgeAttr)).toEqual([10, 4, 3]);
    expect(arr(coalesce(e, { sortByRow: false }).edgeIndex)).toEqual([
      [2, 0, 1],
      [0, 1, 1],
    ]);
    expect(coalesce(e).edgeAttr).toBeNull();
    expect(() => coalesce(e, { edgeAttr: tensor([1, 2]) })).toThrow(/coalesce: argument 'edgeAttr' expected 5 rows/);
  });

  it("toUndirected and isUndirected", () => {
    const e = ei([
      [0, 1, 1],
      [1, 0, 2],
    ]);
    expect(isUndirected(e)).toBe(false);
    const u = toUndirected(e, { edgeAttr: tensor([1, 2, 3]) });
    expect(arr(u.edgeIndex)).toEqual([
      [0, 1, 1, 2],
      [1, 0, 2, 1],
    ]);
    expect(arr(u.edgeAttr)).toEqual([3, 3, 3, 3]);
    expect(isUndirected(u.edgeIndex)).toBe(true);
    expect(isUndirected(u.edgeIndex, { edgeAttr: u.edgeAttr })).toBe(true);
    expect(isUndirected(u.edgeIndex, { edgeAttr: tensor([1, 2, 3, 3]) })).toBe(false);
  });

  it("undirectedPairs groups each edge with its reverse and duplicates, numbered by first edge", () => {
    // edges: 2->0, 0->1, 1->0, 3->3 (loop), 0->2, 1->2, 0->1 (duplicate)
    const p = undirectedPairs(
      ei([
        [2, 0, 1, 3, 0, 1, 0],
        [0, 1, 0, 3, 2, 2, 1],
      ]),
    );
    expect(arr(p.pairOf)).toEqual([0, 1, 1, 2, 0, 3, 1]);
    expect(arr(p.pairIndex)).toEqual([
      [2, 0, 3, 1],
      [0, 1, 3, 2],
    ]);
    const none = undirectedPairs(ei([[], []]), 3);
    expect(none.pairIndex.shape).toEqual([2, 0]);
    expect(() => undirectedPairs(ei([[0], [4]]), 3)).toThrow(/undirectedPairs/);
  });

  it("subgraph with ids or a mask, relabelled or not", () => {
    const e = ei([
      [0, 1, 2, 3, 1],
      [1, 2, 3, 0, 3],
    ]);
    const attr = tensor([10, 11, 12, 13, 14]);
    const s = subgraph([3, 1, 2], e, { edgeAttr: attr });
    expect(arr(s.edgeIndex)).toEqual([
      [1, 2, 1],
      [2, 3, 3],
    ]);
    expect(arr(s.edgeAttr)).toEqual([11, 12, 14]);
    expect(arr(s.edgeMask)).toEqual([false, true, true, false, true]);
    const r = subgraph([3, 1, 2], e, { relabelNodes: true });
    expect(arr(r.edgeIndex)).toEqual([
      [1, 2, 1],
      [2, 0, 0],
    ]);
    const m = subgraph(tensor([true, true, false, true]), e, { relabelNodes: true });
    expect(arr(m.edgeIndex)).toEqual([
      [0, 2, 1],
      [1, 0, 2],
    ]);
    expect(() => subgraph([7], e, { numNodes: 4 })).toThrow(
      /subgraph: argument 'subset' expected node ids in \[0, 4\)/,
    );
  });

  it("kHopSubgraph follows edges toward the seeds", () => {
    // chain 0 -> 1 -> 2 -> 3 plus 4 -> 3 and 2 -> 5
    const e = ei([
      [0, 1, 2, 4, 2],
      [1, 2, 3, 3, 5],
    ]);
    const one = kHopSubgraph(3, 1, e);
    expect(arr(one.subset)).toEqual([2, 3, 4]);
    expect(arr(one.edgeIndex)).toEqual([
      [2, 4],
      [3, 3],
    ]);
    expect(arr(one.mapping)).toEqual([1]);
    const two = kHopSubgraph([3], 2, e, { relabelNodes: true });
    expect(arr(two.subset)).toEqual([1, 2, 3, 4]);
    expect(arr(two.edgeIndex)).toEqual([
      [0, 1, 3],
      [1, 2, 2],
    ]);
    expect(arr(two.edgeMask)).toEqual([false, true, true, true, false]);
    const fwd = kHopSubgraph(1, 2, e, { flow: "target_to_source" });
    expect(arr(fwd.subset)).toEqual([1, 2, 3, 5]);
    const zero = kHopSubgraph(tensor([0, 4], { dtype: "int32" }), 0, e);
    expect(arr(zero.subset)).toEqual([0, 4]);
    expect(arr(zero.mapping)).toEqual([0, 1]);
    // directed keeps only traversed edges: 2 hops from 3 reach 1, 2, 4 (edges 1->2, 2->3, 4->3)
    const dir = kHopSubgraph(
      3,
      1,
      ei([
        [2, 3],
        [3, 2],
      ]),
      { directed: true },
    );
    expect(arr(dir.edgeIndex)).toEqual([[2], [3]]);
  });

  it("connected components, weak and strong", () => {
    const e = ei([
      [0, 1, 2, 3, 5],
      [1, 2, 0, 4, 3],
    ]);
    const w = connectedComponents(e, { numNodes: 7 });
    expect(w.numComponents).toBe(3);
    expect(arr(w.labels)).toEqual([0, 0, 0, 1, 1, 1, 2]);
    const s = connectedComponents(e, { numNodes: 7, connection: "strong" });
    expect(s.numComponents).toBe(5);
    expect(arr(s.labels)).toEqual([0, 0, 0, 1, 2, 3, 4]);
    expect(containsIsolatedNodes(e, 7)).toBe(true);
    expect(containsIsolatedNodes(e, 6)).toBe(false);
  });

  it("gcnNorm matches D^-1/2 (A + I) D^-1/2", () => {
    // path 0 - 1 - 2 (both directions)
    const e = ei([
      [0, 1, 1, 2],
      [1, 0, 2, 1],
    ]);
    const { edgeIndex, edgeWeight } = gcnNorm(e);
    expect(arr(edgeIndex)).toEqual([
      [0, 1, 1, 2, 0, 1, 2],
      [1, 0, 2, 1, 0, 1, 2],
    ]);
    // degrees with loops: 2, 3, 2
    const s6 = 1 / Math.sqrt(6);
    near(edgeWeight, [s6, s6, s6, s6, 1 / 2, 1 / 3, 1 / 2]);
    // dense check on the same graph
    const A = toDenseAdj(edgeIndex, { edgeWeight, numNodes: 3 }).toArray() as number[][];
    expect(A[0]![1]).toBeCloseTo(s6);
    expect(A[1]![1]).toBeCloseTo(1 / 3);
    const imp = gcnNorm(e, { improved: true, dtype: "float64" });
    expect(imp.edgeWeight.dtype).toBe("float64");
    near(imp.edgeWeight, [
      1 / Math.sqrt(12),
      1 / Math.sqrt(12),
      1 / Math.sqrt(12),
      1 / Math.sqrt(12),
      2 / 3,
      2 / 4,
      2 / 3,
    ]);
    const noLoops = gcnNorm(e, { addSelfLoops: false });
    near(noLoops.edgeWeight, [1 / Math.sqrt(2), 1 / Math.sqrt(2), 1 / Math.sqrt(2), 1 / Math.sqrt(2)]);
    // an isolated node gets only its loop with weight 1
    const iso = gcnNorm(e, { numNodes: 4 });
    expect(iso.edgeWeight.data[iso.edgeWeight.size - 1]).toBeCloseTo(1);
    expect(() => gcnNorm(e, { edgeWeight: tensor([1, 2]) })).toThrow(
      /gcnNorm: argument 'edgeWeight' expected shape \[4\]/,
    );
  });

  it("getLaplacian (plain and symmetric)", () => {
    const e = ei([
      [0, 1, 1, 2],
      [1, 0, 2, 1],
    ]);
    const L = getLaplacian(e);
    const dense = toDenseAdj(L.edgeIndex, { edgeWeight: L.edgeWeight, numNodes: 3 }).toArray();
    expect(dense).toEqual([
      [1, -1, 0],
      [-1, 2, -1],
      [0, -1, 1],
    ]);
    const S = getLaplacian(e, { normalization: "sym", dtype: "float64" });
    const ds = toDenseAdj(S.edgeIndex, { edgeWeight: S.edgeWeight, numNodes: 3 }).toArray() as number[][];
    expect(ds[0]![1]).toBeCloseTo(-1 / Math.sqrt(2));
    expect(ds[1]![1]).toBe(1);
  });

  it("graphology adapter round trip (serialized and object form)", () => {
    const g = new Graph({
      x: tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      edgeIndex: ei([
        [0, 1, 1, 2],
        [1, 0, 2, 1],
      ]),
      edgeAttr: tensor([0.5, 0.5, 2, 2]),
    });
    const s = toGraphology(g);
    expect(s.nodes).toHaveLength(3);
    expect(s.nodes[1]!.attributes!.x).toEqual([3, 4]);
    expect(s.edges).toHaveLength(4);
    const back = fromGraphology(s);
    expect(back.numNodes).toBe(3);
    expect(arr(back.edgeIndex)).toEqual(arr(g.edgeIndex));
    expect(arr(back.x)).toEqual(arr(g.x));
    expect(arr(back.get("edgeAttr"))).toEqual([0.5, 0.5, 2, 2]);

    const u = toGraphology(g, { undirected: true });
    expect(u.edges).toHaveLength(2);
    const back2 = fromGraphology(u);
    expect(back2.numEdges).toBe(4);

    // a minimal object with graphology's methods
    const nodes = new Map<string, Record<string, unknown>>();
    const edges: { s: string; t: string; a: Record<string, unknown>; u: boolean }[] = [];
    const fake = {
      addNode: (k: string, a: Record<string, unknown> = {}) => nodes.set(k, a),
      addDirectedEdge: (s: string, t: string, a: Record<string, unknown> = {}) => edges.push({ s, t, a, u: false }),
      addUndirectedEdge: (s: string, t: string, a: Record<string, unknown> = {}) => edges.push({ s, t, a, u: true }),
      nodes: () => [...nodes.keys()],
      getNodeAttributes: (k: string) => nodes.get(k)!,
      forEachEdge: (cb: Parameters<GraphologyReadable["forEachEdge"]>[0]) => {
        for (let i = 0; i < edges.length; i++) {
          const e = edges[i]!;
          cb(String(i), e.a, e.s, e.t, nodes.get(e.s)!, nodes.get(e.t)!, e.u);
        }
      },
    };
    toGraphologyInto(g, fake, { undirected: true });
    expect(nodes.size).toBe(3);
    expect(edges).toHaveLength(2);
    const back3 = fromGraphology(fake);
    expect(back3.numEdges).toBe(4);
    expect(arr(back3.x)).toEqual(arr(g.x));
    expect(() => fromGraphology({ nodes: [{ key: "a" }], edges: [{ source: "a", target: "b" }] })).toThrow(
      /edge 0 \(a -> b\) with an unknown node/,
    );
  });
});
