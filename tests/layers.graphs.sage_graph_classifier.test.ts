/**
 * SAGEGraphClassifier (Errica et al.'s GraphSAGE graph classifier): the forward pass against a plain
 * re-computation of its equations (PyG 1.x SAGEConv with the node in its own neighbourhood, layers
 * concatenated, max readout, two-layer MLP), the sizes, and invariance to node order.
 */
import { describe, expect, it } from "vitest";
import { SAGEGraphClassifier } from "../src/layers/graphs/sage_graph_classifier.js";
import { crossEntropy } from "../src/nn/functional.js";
import type { Linear } from "../src/nn/linear.js";
import { Adam } from "../src/optim/adam.js";
import { manualSeed, randn, Tensor } from "../src/tensor/index.js";
import { checkPermutationInvariance, type TestGraph } from "./helpers/permutation.js";

/** Two graphs (nodes 0-3 and 4-6), directed edges both ways, node 3 and node 6 isolated. */
function graph(): TestGraph {
  manualSeed(5);
  const pairs = [
    [0, 1],
    [1, 2],
    [2, 0],
    [4, 5],
  ];
  const src: number[] = [];
  const dst: number[] = [];
  for (const [a, b] of pairs) {
    src.push(a!, b!);
    dst.push(b!, a!);
  }
  return {
    x: randn([7, 4], { dtype: "float64" }),
    edgeIndex: new Tensor(Int32Array.from([...src, ...dst]), [2, src.length], "int32"),
    batch: new Tensor(Int32Array.from([0, 0, 0, 0, 1, 1, 1]), [7], "int32"),
  };
}

type Mat = number[][];
const rows = (t: Tensor, r: number, c: number): Mat =>
  Array.from({ length: r }, (_, i) => Array.from(t.data.subarray(i * c, (i + 1) * c)));
/** y = x Wᵀ + b for a Linear. */
function lin(x: Mat, l: Linear): Mat {
  const [o, i] = l.weight.shape as [number, number];
  const W = rows(l.weight, o, i);
  return x.map((r) => W.map((w, k) => w.reduce((s, v, j) => s + v * r[j]!, 0) + (l.bias ? l.bias.data[k]! : 0)));
}
const reluM = (x: Mat): Mat => x.map((r) => r.map((v) => Math.max(0, v)));

/** The classifier's equations on plain arrays. */
function reference(m: SAGEGraphClassifier, g: TestGraph): Mat {
  const N = g.x.shape[0]!;
  const E = g.edgeIndex.shape[1]!;
  const nbrs: number[][] = Array.from({ length: N }, (_, i) => [i]);
  for (let e = 0; e < E; e++) nbrs[g.edgeIndex.data[E + e]!]!.push(g.edgeIndex.data[e]!);
  let h = rows(g.x, N, g.x.shape[1]!);
  const layers: Mat[] = [];
  for (const conv of m.convs.toArray()) {
    const agg = nbrs.map((js) =>
      h[0]!.map((_, f) => {
        const v = js.map((j) => h[j]![f]!);
        if (m.aggr === "max") return Math.max(...v);
        const s = v.reduce((a, b) => a + b, 0);
        return m.aggr === "mean" ? s / v.length : s;
      }),
    );
    h = lin(agg, conv.linL);
    if (m.fcMax !== null) h = reluM(lin(h, m.fcMax));
    layers.push(h);
  }
  const cat = h.map((_, i) => layers.flatMap((l) => l[i]!));
  const graphs = [0, 1].map((b) => cat.filter((_, i) => g.batch!.data[i] === b));
  const z = graphs.map((ns) => ns[0]!.map((_, f) => Math.max(...ns.map((r) => r[f]!))));
  return lin(reluM(lin(z, m.fc1)), m.fc2);
}

describe("SAGEGraphClassifier (Errica et al.'s GraphSAGE)", () => {
  for (const aggr of ["sum", "mean", "max"] as const) {
    it(`${aggr} aggregation: matches its equations, [B, C] logits, invariant to node order`, () => {
      manualSeed(1);
      const m = new SAGEGraphClassifier(4, 5, 3, { numLayers: 3, aggr }).double();
      const g = graph();
      const out = m.forward(g.x, g.edgeIndex, g.batch!);
      expect(out.shape).toEqual([2, 3]);
      const want = reference(m, g).flat();
      for (let i = 0; i < want.length; i++) expect(out.data[i]).toBeCloseTo(want[i]!, 10);
      checkPermutationInvariance((gg) => m.forward(gg.x, gg.edgeIndex, gg.batch!), graph(), { atol: 1e-9 });
    });
  }

  it("has their parameters: one weight per layer (no root weight), fc_max only with max, fc1 over L·hidden", () => {
    const count = (m: SAGEGraphClassifier) => m.parameters().reduce((s, p) => s + p.size, 0);
    // 21 features, hidden 32, 3 layers, 6 classes: (21·32 + 32) + 2·(32·32 + 32) + (96·32 + 32) + (32·6 + 6)
    const conv = 21 * 32 + 32 + 2 * (32 * 32 + 32);
    const head = 96 * 32 + 32 + 32 * 6 + 6;
    expect(count(new SAGEGraphClassifier(21, 32, 6, { aggr: "sum" }))).toBe(conv + head);
    expect(count(new SAGEGraphClassifier(21, 32, 6, { aggr: "max" }))).toBe(conv + head + 32 * 32 + 32);
    expect(() => new SAGEGraphClassifier(4, 8, 2, { numLayers: 0 })).toThrow(/numLayers/);
  });

  it("trains: the loss falls on two graphs with different labels", () => {
    manualSeed(3);
    const m = new SAGEGraphClassifier(4, 8, 2, { aggr: "mean" });
    const g = graph();
    const y = new Tensor(Int32Array.from([0, 1]), [2], "int32");
    const x = g.x.float();
    const opt = new Adam(m.parameters(), { lr: 0.01 });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      opt.zeroGrad();
      const loss = crossEntropy(m.forward(x, g.edgeIndex, g.batch!), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
  });
});
