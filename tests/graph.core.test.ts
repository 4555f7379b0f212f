import { describe, expect, it } from "vitest";
import { Batch, Graph } from "../src/domains/graph/index.js";
import { arange, randn, scalar, tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/rng.js";
import type { Tensor } from "../src/tensor/tensor.js";

const ei = (rows: number[][]) => tensor(rows, { dtype: "int32" });

function path(n: number, f = 2, seed = 0): Graph {
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i + 1 < n; i++) {
    src.push(i, i + 1);
    dst.push(i + 1, i);
  }
  const gen = new Generator(seed);
  return new Graph({
    x: randn([n, f], { generator: gen }),
    edgeIndex: ei([src, dst]),
    edgeAttr: randn([src.length, 3], { generator: gen }),
    y: scalar(seed % 3, { dtype: "int32" }),
    pos: randn([n, 3], { generator: gen }),
  });
}

function same(a: Tensor | null, b: Tensor | null): void {
  expect(a).not.toBeNull();
  expect(b).not.toBeNull();
  expect(a!.shape).toEqual(b!.shape);
  expect(a!.dtype).toBe(b!.dtype);
  expect(Array.from(a!.data)).toEqual(Array.from(b!.data));
}

describe("Graph", () => {
  it("infers sizes and levels", () => {
    const g = path(4);
    expect(g.numNodes).toBe(4);
    expect(g.numEdges).toBe(6);
    expect(g.numNodeFeatures).toBe(2);
    expect(g.numEdgeFeatures).toBe(3);
    expect(g.levelOf("x")).toBe("node");
    expect(g.levelOf("edgeAttr")).toBe("edge");
    expect(g.levelOf("y")).toBe("graph");
    g.set("score", randn([6]));
    expect(g.levelOf("score")).toBe("edge");
    g.set("other", randn([7]));
    expect(g.levelOf("other")).toBe("graph");
    g.set("forced", randn([4]), "graph");
    expect(g.levelOf("forced")).toBe("graph");
    expect(g.keys()).toContain("score");
    expect(String(g)).toContain("edgeIndex=[2, 6]");
    // featureless graph: count from edges, or explicit
    expect(
      new Graph({
        edgeIndex: ei([
          [0, 3],
          [3, 0],
        ]),
      }).numNodes,
    ).toBe(4);
    expect(new Graph({ edgeIndex: ei([[0], [1]]), numNodes: 10 }).numNodes).toBe(10);
    expect(new Graph().numEdges).toBe(0);
    expect(g.validate()).toBe(g);
  });

  it("rejects out-of-range edge ids naming the edge, value and numNodes", () => {
    expect(
      () =>
        new Graph({
          x: randn([3, 2]),
          edgeIndex: ei([
            [0, 1, 2],
            [1, 5, 0],
          ]),
        }),
    ).toThrow(
      /Graph: argument 'edgeIndex' expected node ids in \[0, 3\) \(numNodes = 3\), got 5 as the target \(row 1\) of edge 1/,
    );
    expect(
      () =>
        new Graph({
          edgeIndex: ei([
            [0, -1],
            [1, 0],
          ]),
          numNodes: 2,
        }),
    ).toThrow(/got -1 as the source \(row 0\) of edge 1/);
    expect(() => new Graph({ edgeIndex: tensor([[0], [1]]) })).toThrow(/expected dtype int32, got float32/);
    expect(() => new Graph({ edgeIndex: ei([[0, 1, 2]]) })).toThrow(/expected shape \[2, E\], got \[1, 3\]/);
    const g = path(3);
    g.set("bad", randn([3, 1]), "edge");
    expect(() => g.validate()).toThrow(/Graph.validate: argument 'bad' expected 4 rows \(numEdges\)/);
  });

  it("builds CSR by target and CSC by source, cached until the edge index changes", () => {
    const g = new Graph({
      edgeIndex: ei([
        [0, 2, 1, 0],
        [1, 1, 2, 2],
      ]),
      numNodes: 3,
    });
    const csr = g.csr();
    expect(Array.from(csr.ptr)).toEqual([0, 0, 2, 4]);
    expect(Array.from(csr.index)).toEqual([0, 2, 1, 0]);
    expect(Array.from(csr.edgeId)).toEqual([0, 1, 2, 3]);
    expect(g.csr()).toBe(csr);
    const csc = g.csc();
    expect(Array.from(csc.ptr)).toEqual([0, 2, 3, 4]);
    expect(Array.from(csc.index)).toEqual([1, 2, 2, 1]);
    expect(Array.from(csc.edgeId)).toEqual([0, 3, 2, 1]);
    g.edgeIndex = ei([[1], [0]]);
    expect(Array.from(g.csr().ptr)).toEqual([0, 1, 1, 1]);
    g.edgeIndex.data[0] = 2;
    g.edgeIndex.version++;
    expect(Array.from(g.csr().index)).toEqual([2]);
  });
});

describe("Batch", () => {
  it("round-trips graphs through fromGraphs / toGraphs", () => {
    const graphs = [path(3, 2, 0), path(5, 2, 1), path(1, 2, 2), path(4, 2, 3)];
    graphs[1]!.set("nodeScore", randn([5]), "node");
    for (const g of graphs) if (!g.has("nodeScore")) g.set("nodeScore", randn([g.numNodes]), "node");
    const b = Batch.fromGraphs(graphs);
    expect(b.numGraphs).toBe(4);
    expect(b.numNodes).toBe(13);
    expect(b.numEdges).toBe(4 + 8 + 0 + 6);
    expect(Array.from(b.ptr.data)).toEqual([0, 3, 8, 9, 13]);
    expect(Array.from(b.batch.data)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3]);
    expect(Array.from(b.edgePtr)).toEqual([0, 4, 12, 12, 18]);
    expect(b.x!.shape).toEqual([13, 2]);
    expect(b.y!.shape).toEqual([4]);
    expect(Array.from(b.y!.data)).toEqual([0, 1, 2, 0]);
    expect(b.edgeAttr!.shape).toEqual([18, 3]);
    // edges of graph 1 are shifted by 3
    const E = b.numEdges;
    expect(b.edgeIndex.data[4]).toBe(3);
    expect(b.edgeIndex.data[E + 4]).toBe(4);
    expect(() => b.validate()).not.toThrow();
    const back = b.toGraphs();
    expect(back).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      const g = graphs[i]!;
      const h = back[i]!;
      expect(h.numNodes).toBe(g.numNodes);
      for (const k of g.keys()) same(h.get(k), g.get(k));
      expect(h.levelOf("nodeScore")).toBe("node");
    }
  });

  it("stacks graph-level vectors, shifts index attributes and keeps bool masks", () => {
    const mk = (n: number, t: number) =>
      new Graph({
        x: arange(n, undefined, 1, { dtype: "float32" }).reshape(n, 1),
        edgeIndex: ei([[0], [n - 1]]),
        trainMask: tensor(Array.from({ length: n }, (_, i) => i % 2 === 0)),
      })
        .set("target", tensor([t, t + 1]), "graph")
        .set("centerIndex", scalar(n - 1, { dtype: "int32" }))
        .set("face", ei([[0], [0], [n - 1]]));
    const b = Batch.fromGraphs([mk(2, 10), mk(3, 20)]);
    expect(b.get("target")!.shape).toEqual([2, 2]);
    expect(Array.from(b.get("centerIndex")!.data)).toEqual([1, 4]);
    expect(b.get("face")!.shape).toEqual([3, 2]);
    expect(Array.from(b.get("face")!.data)).toEqual([0, 2, 0, 2, 1, 4]);
    expect(b.trainMask!.dtype).toBe("bool");
    expect(Array.from(b.trainMask!.data)).toEqual([1, 0, 1, 0, 1]);
    const [g0, g1] = b.toGraphs();
    expect(g1!.get("centerIndex")!.shape).toEqual([]);
    expect(g1!.get("centerIndex")!.item()).toBe(2);
    expect(Array.from(g1!.get("face")!.data)).toEqual([0, 0, 2]);
    expect(Array.from(g0!.get("target")!.data)).toEqual([10, 11]);
  });

  it("rejects graphs with different attributes or dtypes", () => {
    const a = path(3);
    const b = path(3);
    b.delete("pos");
    expect(() => Batch.fromGraphs([a, b])).toThrow(/attribute 'pos' is present in graph 0 but not in graph 1/);
    const c = path(3);
    c.x = c.x!.double();
    expect(() => Batch.fromGraphs([a, c])).toThrow(/attribute 'x' has dtype float32 in graph 0 but float64 in graph 1/);
    const d = path(3, 4);
    expect(() => Batch.fromGraphs([a, d])).toThrow(
      /attribute 'x' has shape \[3, 2\] in graph 0 but \[3, 4\] in graph 1/,
    );
  });

  it("batches an empty list and graphs without edges", () => {
    const e = Batch.fromGraphs([]);
    expect(e.numGraphs).toBe(0);
    expect(e.numNodes).toBe(0);
    const g = new Graph({ x: randn([2, 1]) });
    const b = Batch.fromGraphs([g, g]);
    expect(b.numEdges).toBe(0);
    expect(b.toGraphs()[1]!.numNodes).toBe(2);
  });
});
