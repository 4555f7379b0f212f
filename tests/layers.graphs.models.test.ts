import { describe, expect, it } from "vitest";
import * as root from "../src/index.js";
import * as graphs from "../src/layers/graphs/index.js";
import {
  Adam,
  APPNPNet,
  F,
  GAT,
  GCN,
  GIN,
  GINGraphClassifier,
  GraphSAGE,
  gradcheck,
  karateClub,
  type Module,
  manualSeed,
  NodeMLP,
  noGrad,
  randn,
  SGC,
  SparseMatrix,
  type Tensor,
  tensor,
} from "./helpers/graphs.js";
import { checkPermutationEquivariance, checkPermutationInvariance, type TestGraph } from "./helpers/permutation.js";

function graph(): TestGraph {
  manualSeed(21);
  const src = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 0, 1, 4];
  const dst = [1, 0, 2, 1, 3, 2, 4, 3, 5, 4, 0, 5, 4, 1];
  return {
    x: randn([6, 5], { dtype: "float64" }),
    edgeIndex: tensor([src, dst], { dtype: "int32" }),
    batch: tensor([0, 0, 0, 1, 1, 1], { dtype: "int32" }),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the models take different extra arguments.
type AnyModel = Module<any[], Tensor>;

const models: { name: string; make(): AnyModel; out: number }[] = [
  { name: "GCN", make: () => new GCN(5, 8, 2, 3, { dropout: 0.5, inputDropout: 0.5 }), out: 3 },
  { name: "GCN(jk cat, batchNorm)", make: () => new GCN(5, 8, 3, 3, { jk: "cat", norm: "batchNorm" }), out: 3 },
  { name: "GraphSAGE", make: () => new GraphSAGE(5, 8, 2, 3), out: 3 },
  {
    name: "GraphSAGE(max, layerNorm)",
    make: () => new GraphSAGE(5, 8, 2, 3, { aggr: "max", norm: "layerNorm" }),
    out: 3,
  },
  { name: "GIN", make: () => new GIN(5, 8, 3, 3, { trainEps: true }), out: 3 },
  { name: "GIN(jk max, graphNorm)", make: () => new GIN(5, 8, 2, null, { jk: "max", norm: "graphNorm" }), out: 8 },
  { name: "GAT", make: () => new GAT(5, 8, 2, 3, { heads: 4, dropout: 0.6 }), out: 3 },
  { name: "GAT(v2, jk lstm)", make: () => new GAT(5, 8, 2, 3, { heads: 2, v2: true, jk: "lstm" }), out: 3 },
  { name: "SGC", make: () => new SGC(5, 3, { K: 2, cached: false }), out: 3 },
  { name: "APPNPNet", make: () => new APPNPNet(5, 8, 3, { K: 4, alpha: 0.1 }), out: 3 },
  { name: "NodeMLP", make: () => new NodeMLP(5, 8, 3), out: 3 },
];

describe.each(models)("$name", ({ make, out }) => {
  it("shape, eval-mode gradients and permutation equivariance", () => {
    manualSeed(1);
    const m = make().double();
    const g = graph();
    m.train();
    expect(m.forward(g.x, g.edgeIndex, g.batch).shape).toEqual([6, out]);
    m.eval();
    gradcheck((v) => m.forward(v, g.edgeIndex, g.batch), [g.x.requiresGrad_()]);
    checkPermutationEquivariance((gg) => m.forward(gg.x, gg.edgeIndex, gg.batch ?? null), graph(), { atol: 1e-9 });
  });
});

describe("model details", () => {
  it("every graph-layer export reaches the package root unambiguously", () => {
    const lost = Object.keys(graphs).filter(
      (k) => (root as Record<string, unknown>)[k] !== (graphs as Record<string, unknown>)[k],
    );
    expect(lost).toEqual([]);
  });

  it("the last layer is plain without JK; hidden layers get act/dropout (train differs from eval)", () => {
    manualSeed(2);
    const m = new GCN(5, 8, 2, 3, { dropout: 0.5 }).double();
    const g = graph();
    const a = m.eval().forward(g.x, g.edgeIndex);
    const b = m.train().forward(g.x, g.edgeIndex);
    expect(a.toFlatArray()).not.toEqual(b.toFlatArray());
    // negative outputs are possible: no ReLU after the last layer
    expect(a.toFlatArray().some((v) => v < 0)).toBe(true);
    expect(m.convs.length).toBe(2);
  });

  it("sparse and dense features give the same outputs (GCN, SGC, APPNPNet, GraphSAGE, GAT, GIN)", () => {
    manualSeed(3);
    const g = graph();
    const xs = SparseMatrix.fromDense(g.x.mul(g.x.gt(0).cast("float64")));
    const xd = xs.toDense();
    for (const m of [
      new GCN(5, 8, 2, 3),
      new SGC(5, 3, { cached: false }),
      new APPNPNet(5, 8, 3),
      new GraphSAGE(5, 8, 2, 3),
      new GAT(5, 8, 2, 3, { heads: 2 }),
      new GIN(5, 8, 2, 3),
    ]) {
      m.double().eval();
      const a = m.forward(xs, g.edgeIndex).toFlatArray();
      const b = m.forward(xd, g.edgeIndex).toFlatArray();
      a.forEach((v, i) => {
        expect(v).toBeCloseTo(b[i]!, 10);
      });
    }
  });

  it("a float tensor as third argument means edge weights, int32 means batch", () => {
    const g = graph();
    const m = new GCN(5, 4, 1, null, {}).double().eval();
    const w = tensor(new Array(14).fill(2), { dtype: "float64" });
    const withW = m.forward(g.x, g.edgeIndex, w).toFlatArray();
    const withObj = m.forward(g.x, g.edgeIndex, { edgeWeight: w }).toFlatArray();
    expect(withW).toEqual(withObj);
    expect(m.forward(g.x, g.edgeIndex, g.batch).toFlatArray()).toEqual(m.forward(g.x, g.edgeIndex).toFlatArray());
  });

  it("GAT hidden size must be divisible by heads", () => {
    expect(() => new GAT(5, 10, 2, 3, { heads: 4 })).toThrow(
      /GAT: argument 'hiddenChannels' expected a multiple of heads \(4\), got 10/,
    );
  });

  it("GINGraphClassifier: [B, C] logits, invariant to node order", () => {
    manualSeed(4);
    const m = new GINGraphClassifier(5, 8, 2, { numLayers: 3 }).double();
    const g = graph();
    expect(m.forward(g.x, g.edgeIndex, g.batch, 2).shape).toEqual([2, 2]);
    m.eval();
    checkPermutationInvariance((gg) => m.forward(gg.x, gg.edgeIndex, gg.batch ?? null, 2), graph(), { atol: 1e-9 });
    gradcheck((v) => m.forward(v, g.edgeIndex, g.batch, 2), [g.x.requiresGrad_()]);
  });

  it("GINGraphClassifier with a mean readout and learnt ε (Errica et al.'s grid): invariant to node order", () => {
    manualSeed(5);
    const m = new GINGraphClassifier(5, 8, 2, { numLayers: 2, readout: "mean", trainEps: true }).double();
    const g = graph();
    m.eval();
    checkPermutationInvariance((gg) => m.forward(gg.x, gg.edgeIndex, gg.batch ?? null, 2), graph(), { atol: 1e-9 });
    // the same weights with the sum readout give other logits (the option takes effect)
    const sum = new GINGraphClassifier(5, 8, 2, { numLayers: 2, trainEps: true }).double();
    sum.loadStateDict(m.stateDict());
    sum.eval();
    const a = m.forward(g.x, g.edgeIndex, g.batch, 2).data;
    const b = sum.forward(g.x, g.edgeIndex, g.batch, 2).data;
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)))).toBeGreaterThan(1e-6);
    gradcheck((v) => m.forward(v, g.edgeIndex, g.batch, 2), [g.x.requiresGrad_()]);
  });

  it("GINGraphClassifier with Errica et al.'s input MLP: invariant to node order, gradients", () => {
    manualSeed(6);
    const m = new GINGraphClassifier(5, 8, 2, { numLayers: 2, inputMLP: true }).double();
    expect(m.inputMlp).not.toBeNull();
    expect(m.heads.at(0).weight.shape).toEqual([2, 8]);
    const g = graph();
    m.eval();
    checkPermutationInvariance((gg) => m.forward(gg.x, gg.edgeIndex, gg.batch ?? null, 2), graph(), { atol: 1e-9 });
    gradcheck((v) => m.forward(v, g.edgeIndex, g.batch, 2), [g.x.requiresGrad_()]);
  });

  it("GCN, GAT and GraphSAGE learn the karate club communities", () => {
    const club = karateClub();
    const x = club.x!;
    const y = club.y!;
    const C = Math.max(...Array.from(y.data)) + 1;
    for (const make of [
      () => new GCN(x.shape[1]!, 16, 2, C),
      () => new GAT(x.shape[1]!, 16, 2, C, { heads: 4 }),
      () => new GraphSAGE(x.shape[1]!, 16, 2, C),
    ]) {
      manualSeed(0);
      const m = make();
      const opt = new Adam(m.parameters(), { lr: 0.02 });
      let first = 0;
      let last = 0;
      for (let epoch = 0; epoch < 60; epoch++) {
        opt.zeroGrad();
        const loss = F.crossEntropy(m.forward(x, club.edgeIndex), y);
        loss.backward();
        opt.step();
        if (epoch === 0) first = loss.item();
        last = loss.item();
      }
      expect(last).toBeLessThan(first * 0.5);
      const pred = noGrad(() => m.eval().forward(x, club.edgeIndex)).argmax(-1);
      let ok = 0;
      for (let i = 0; i < y.size; i++) if (pred.data[i] === y.data[i]) ok++;
      expect(ok / y.size).toBeGreaterThan(0.9);
    }
  });
});
