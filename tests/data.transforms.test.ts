import { describe, expect, it } from "vitest";
import { karateClub } from "../src/data/datasets/karate.js";
import {
  AddSelfLoops,
  Compose,
  GCNNorm,
  KNNGraph,
  LaplacianEigenvectorPE,
  NodeDegree,
  NormalizeFeatures,
  OneHotDegree,
  RadiusGraph,
  RandomNodeSplit,
  RandomWalkPE,
  ToUndirected,
} from "../src/data/transforms/index.js";
import { Batch, Graph, isUndirected, toDenseAdj } from "../src/domains/graph/index.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/rng.js";
import { SparseMatrix } from "../src/tensor/sparse.js";
import type { Tensor } from "../src/tensor/tensor.js";

const ei = (rows: number[][]) => tensor(rows, { dtype: "int32" });
const sum = (t: Tensor) => Array.from(t.data).reduce((a, b) => a + b, 0);

/** Path 0 - 1 - 2 (both directions) with features and an edge attribute. */
function path3(): Graph {
  return new Graph({
    x: tensor([
      [1, 1, 2],
      [0, 0, 0],
      [3, 0, 1],
    ]),
    edgeIndex: ei([
      [0, 1, 1, 2],
      [1, 0, 2, 1],
    ]),
    edgeAttr: tensor([[1], [2], [3], [4]]),
  });
}

describe("transforms", () => {
  it("NormalizeFeatures row-normalises (dense and sparse) without touching the input", () => {
    const g = path3();
    const h = new NormalizeFeatures().forward(g);
    expect(h.x!.toArray()).toEqual([
      [0.25, 0.25, 0.5],
      [0, 0, 0],
      [0.75, 0, 0.25],
    ]);
    expect((g.x!.toArray() as number[][])[0]).toEqual([1, 1, 2]);
    const shifted = new NormalizeFeatures().forward(new Graph({ x: tensor([[-1, 1]]) }));
    expect(shifted.x!.toArray()).toEqual([[0, 1]]);
    const s = new Graph({ edgeIndex: ei([[0], [1]]), numNodes: 2 });
    s.xSparse = SparseMatrix.fromDense(
      tensor([
        [2, 0, 2],
        [0, 0.5, 0],
      ]),
    );
    const sn = new NormalizeFeatures().forward(s);
    expect(sn.xSparse!.toDense().toArray()).toEqual([
      [0.5, 0, 0.5],
      [0, 0.5, 0],
    ]);
  });

  it("AddSelfLoops and ToUndirected carry every edge attribute", () => {
    const g = path3();
    g.set("edgeScore", tensor([5, 6, 7, 8]), "edge");
    const h = new AddSelfLoops().forward(g);
    expect(h.numEdges).toBe(7);
    expect(h.edgeAttr!.toArray()).toEqual([[1], [2], [3], [4], [1], [1], [1]]);
    expect(h.get("edgeScore")!.toArray()).toEqual([5, 6, 7, 8, 1, 1, 1]);
    expect(() => h.validate()).not.toThrow();
    const d = new Graph({
      edgeIndex: ei([
        [0, 1],
        [1, 2],
      ]),
      edgeAttr: tensor([1, 2]),
      numNodes: 3,
    });
    const u = new ToUndirected().forward(d);
    expect(u.edgeIndex.toArray()).toEqual([
      [0, 1, 1, 2],
      [1, 0, 2, 1],
    ]);
    expect(u.edgeAttr!.toArray()).toEqual([1, 1, 2, 2]);
    expect(isUndirected(u.edgeIndex)).toBe(true);
  });

  it("GCNNorm stores normalised edge weights and pads other edge attributes", () => {
    const g = path3();
    const h = new GCNNorm().forward(g);
    expect(h.numEdges).toBe(7);
    const w = Array.from(h.edgeWeight!.data);
    expect(w[0]).toBeCloseTo(1 / Math.sqrt(6));
    expect(w[5]).toBeCloseTo(1 / 3);
    expect(h.edgeAttr!.toArray()).toEqual([[1], [2], [3], [4], [0], [0], [0]]);
    expect(() => h.validate()).not.toThrow();
  });

  it("OneHotDegree appends one-hot degrees and rejects larger degrees", () => {
    const g = path3();
    const h = new OneHotDegree(2).forward(g);
    expect(h.x!.shape).toEqual([3, 6]);
    expect(h.x!.toArray()).toEqual([
      [1, 1, 2, 0, 1, 0],
      [0, 0, 0, 0, 0, 1],
      [3, 0, 1, 0, 1, 0],
    ]);
    const only = new OneHotDegree(3, { cat: false }).forward(g);
    expect(only.x!.shape).toEqual([3, 4]);
    expect(() => new OneHotDegree(1).forward(g)).toThrow(
      /OneHotDegree: argument 'maxDegree' expected at least the largest degree \(node 1 has degree 2\)/,
    );
  });

  it("NodeDegree appends the degree as one feature; replaces x with cat: false; in-degree on request", () => {
    const g = path3();
    expect(new NodeDegree().forward(g).x!.toArray()).toEqual([
      [1, 1, 2, 1],
      [0, 0, 0, 2],
      [3, 0, 1, 1],
    ]);
    expect(new NodeDegree({ cat: false }).forward(g).x!.toArray()).toEqual([[1], [2], [1]]);
    const directed = new Graph({
      edgeIndex: ei([
        [0, 0],
        [1, 2],
      ]),
      numNodes: 3,
    });
    expect(new NodeDegree().forward(directed).x!.toArray()).toEqual([[2], [0], [0]]);
    expect(new NodeDegree({ inDegree: true }).forward(directed).x!.toArray()).toEqual([[0], [1], [1]]);
  });

  it("LaplacianEigenvectorPE: eigenvectors of the normalised Laplacian (karate club)", () => {
    const g = karateClub();
    const k = 4;
    const h = new LaplacianEigenvectorPE(k, { randomSign: false }).forward(g);
    const pe = h.get("laplacianEigenvectorPe")!;
    expect(pe.shape).toEqual([34, k]);
    expect(h.levelOf("laplacianEigenvectorPe")).toBe("node");
    // check L v = lambda v with L = I - D^-1/2 A D^-1/2, and unit norm, orthogonal to the trivial vector D^1/2 1
    const A = toDenseAdj(g.edgeIndex, { numNodes: 34, dtype: "float64" }).data;
    const deg = Array.from({ length: 34 }, (_, i) => {
      let s = 0;
      for (let j = 0; j < 34; j++) s += A[i * 34 + j]!;
      return s;
    });
    let prevLambda = 0;
    for (let j = 0; j < k; j++) {
      const v = Array.from({ length: 34 }, (_, i) => pe.data[i * k + j]!);
      const Lv = v.map((vi, i) => {
        let s = vi;
        for (let m = 0; m < 34; m++) s -= (A[i * 34 + m]! / Math.sqrt(deg[i]! * deg[m]!)) * v[m]!;
        return s;
      });
      const lambda = Lv.reduce((a, b, i) => a + b * v[i]!, 0);
      expect(lambda).toBeGreaterThan(1e-6);
      expect(lambda).toBeGreaterThanOrEqual(prevLambda - 1e-6);
      prevLambda = lambda;
      for (let i = 0; i < 34; i++) expect(Lv[i]!).toBeCloseTo(lambda * v[i]!, 4);
      expect(v.reduce((a, b) => a + b * b, 0)).toBeCloseTo(1, 4);
      expect(v.reduce((a, b, i) => a + b * Math.sqrt(deg[i]!), 0)).toBeCloseTo(0, 4);
    }
    // random signs are seeded; small graphs get zero-padded columns
    const a = new LaplacianEigenvectorPE(2, { generator: new Generator(3) }).forward(g).get("laplacianEigenvectorPe")!;
    const b = new LaplacianEigenvectorPE(2, { generator: new Generator(3) }).forward(g).get("laplacianEigenvectorPe")!;
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const tiny = new LaplacianEigenvectorPE(3).forward(
      new Graph({
        edgeIndex: ei([
          [0, 1],
          [1, 0],
        ]),
      }),
    );
    expect(tiny.get("laplacianEigenvectorPe")!.shape).toEqual([2, 3]);
    expect(Array.from(tiny.get("laplacianEigenvectorPe")!.data.subarray(0, 3)).map(Math.abs)).toEqual([
      expect.closeTo(Math.SQRT1_2, 5),
      0,
      0,
    ]);
  });

  it("RandomWalkPE gives return probabilities of the random walk", () => {
    // triangle with a pendant: 0-1, 1-2, 2-0, 2-3
    const g = new Graph({
      edgeIndex: ei([
        [0, 1, 1, 2, 2, 0, 2, 3],
        [1, 0, 2, 1, 0, 2, 3, 2],
      ]),
    });
    const pe = new RandomWalkPE(3).forward(g).get("randomWalkPe")!;
    expect(pe.shape).toEqual([4, 3]);
    // dense reference: P = D^-1 A, diag(P^t)
    const A = toDenseAdj(g.edgeIndex, { numNodes: 4, dtype: "float64" }).data;
    const P = Array.from({ length: 16 }, (_, idx) => {
      const i = Math.floor(idx / 4);
      let d = 0;
      for (let j = 0; j < 4; j++) d += A[i * 4 + j]!;
      return A[idx]! / d;
    });
    let M = P.slice();
    for (let t = 0; t < 3; t++) {
      for (let i = 0; i < 4; i++) expect(pe.data[i * 3 + t]!).toBeCloseTo(M[i * 4 + i]!, 6);
      const next = new Array<number>(16).fill(0);
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) for (let m = 0; m < 4; m++) next[i * 4 + j]! += M[i * 4 + m]! * P[m * 4 + j]!;
      M = next;
    }
    expect(pe.data[0]).toBe(0);
    expect(pe.data[3 * 3 + 1]).toBeCloseTo(1 / 3, 6);
  });

  it("KNNGraph and RadiusGraph rebuild edges from positions (per graph in a batch)", () => {
    const mk = (seed: number) =>
      new Graph({
        pos: randn([20, 3], { generator: new Generator(seed) }),
        edgeIndex: ei([[0], [1]]),
        edgeAttr: tensor([[1]]),
      });
    const g = mk(0);
    const k = new KNNGraph(3).forward(g);
    expect(k.numEdges).toBe(60);
    expect(k.edgeAttr).toBeNull();
    const u = new KNNGraph(3, { forceUndirected: true }).forward(g);
    expect(isUndirected(u.edgeIndex)).toBe(true);
    const b = Batch.fromGraphs([mk(1), mk(2)]);
    const kb = new KNNGraph(2).forward(b);
    const E = kb.numEdges;
    for (let e = 0; e < E; e++) expect(kb.edgeIndex.data[e]! < 20).toBe(kb.edgeIndex.data[E + e]! < 20);
    const r = new RadiusGraph(10).forward(g);
    expect(r.numEdges).toBe(20 * 19);
    expect(new RadiusGraph(10, { maxNumNeighbors: 4 }).forward(g).numEdges).toBe(80);
    expect(() => new KNNGraph(2).forward(new Graph({ x: randn([3, 1]) }))).toThrow(/KNNGraph: argument 'graph.pos'/);
  });

  it("RandomNodeSplit: seeded masks for each split type", () => {
    const g = karateClub();
    const split = (opts: ConstructorParameters<typeof RandomNodeSplit>[0]) =>
      new RandomNodeSplit({ generator: new Generator(1), ...opts }).forward(g);
    const a = split({ numVal: 5, numTest: 10 });
    expect([sum(a.trainMask!), sum(a.valMask!), sum(a.testMask!)]).toEqual([19, 5, 10]);
    for (let i = 0; i < 34; i++) expect(a.trainMask!.data[i]! + a.valMask!.data[i]! + a.testMask!.data[i]!).toBe(1);
    const again = split({ numVal: 5, numTest: 10 });
    expect(Array.from(again.testMask!.data)).toEqual(Array.from(a.testMask!.data));
    const frac = split({ numVal: 0.1, numTest: 0.2 });
    expect([sum(frac.valMask!), sum(frac.testMask!)]).toEqual([3, 7]);
    const r = split({ split: "random", numTrainPerClass: 2, numVal: 4, numTest: 6 });
    expect([sum(r.trainMask!), sum(r.valMask!), sum(r.testMask!)]).toEqual([8, 4, 6]);
    const perClass = [0, 0, 0, 0];
    for (let i = 0; i < 34; i++) if (r.trainMask!.data[i]) perClass[g.y!.data[i]!]!++;
    expect(perClass).toEqual([2, 2, 2, 2]);
    const t = split({ split: "test_rest", numTrainPerClass: 1, numVal: 10 });
    expect([sum(t.trainMask!), sum(t.valMask!), sum(t.testMask!)]).toEqual([4, 10, 20]);
    const multi = split({ numSplits: 3, numVal: 4, numTest: 4 });
    expect(multi.trainMask!.shape).toEqual([34, 3]);
    expect(() => split({ numVal: 30, numTest: 30 })).toThrow(
      /RandomNodeSplit: argument 'numVal \+ numTest' expected at most numNodes \(34\)/,
    );
  });

  it("Compose applies transforms in order (objects and functions)", () => {
    const tagged: string[] = [];
    const c = new Compose([
      new AddSelfLoops(),
      (g: Graph) => {
        tagged.push("fn");
        return g;
      },
      new GCNNorm({ addSelfLoops: false }),
    ]);
    const h = c.forward(path3());
    expect(tagged).toEqual(["fn"]);
    expect(h.numEdges).toBe(7);
    expect(h.edgeWeight).not.toBeNull();
    expect(String(c)).toContain("Compose([");
    expect(c.fn(path3()).numEdges).toBe(7);
  });
});
