import { describe, expect, it } from "vitest";
import {
  AttentionalAggregation,
  BatchNorm,
  DeepSets,
  fromDenseBatch,
  GraphNorm,
  globalAddPool,
  globalMaxPool,
  globalMeanPool,
  gradcheck,
  Identity,
  InducedSetAttentionBlock,
  JumpingKnowledge,
  Linear,
  MLP,
  MultiheadAttention,
  MultiheadAttentionBlock,
  manualSeed,
  PoolingByMultiheadAttention,
  randn,
  SAGPooling,
  Set2Set,
  SetAttentionBlock,
  SetTransformerAggregation,
  type Tensor,
  TopKPooling,
  tensor,
  toDenseBatch,
} from "./helpers/graphs.js";
import { checkPermutationEquivariance, checkPermutationInvariance, type TestGraph } from "./helpers/permutation.js";

function close(a: Tensor, b: number[][], digits = 6): void {
  const r = a.toArray() as number[][];
  expect(r.length).toBe(b.length);
  r.forEach((row, i) => {
    row.forEach((v, j) => {
      expect(v).toBeCloseTo(b[i]![j]!, digits);
    });
  });
}

const x = tensor(
  [
    [1, 2],
    [3, -1],
    [0, 5],
    [2, 2],
    [-4, 1],
  ],
  { dtype: "float64" },
);
const batch = tensor([0, 0, 1, 1, 1], { dtype: "int32" });

// Two graphs (3 + 4 nodes) with random features, for invariance checks.
function twoGraphs(): TestGraph {
  manualSeed(9);
  return {
    x: randn([7, 4], { dtype: "float64" }),
    edgeIndex: tensor(
      [
        [0, 1, 2, 1, 3, 4, 5, 6, 4],
        [1, 2, 0, 0, 4, 5, 6, 3, 6],
      ],
      { dtype: "int32" },
    ),
    batch: tensor([0, 0, 0, 1, 1, 1, 1], { dtype: "int32" }),
  };
}

describe("global pools", () => {
  it("add / mean / max per graph, and over all nodes without a batch", () => {
    close(globalAddPool(x, batch), [
      [4, 1],
      [-2, 8],
    ]);
    close(globalMeanPool(x, batch), [
      [2, 0.5],
      [-2 / 3, 8 / 3],
    ]);
    close(globalMaxPool(x, batch), [
      [3, 2],
      [2, 5],
    ]);
    close(globalAddPool(x), [[2, 9]]);
    close(globalMeanPool(x, batch, 3), [
      [2, 0.5],
      [-2 / 3, 8 / 3],
      [0, 0],
    ]);
    expect(() => globalAddPool(x, tensor([0, 1], { dtype: "int32" }))).toThrow(
      /globalAddPool: argument 'batch' expected length 5/,
    );
  });

  it("gradients and permutation invariance", () => {
    for (const pool of [globalAddPool, globalMeanPool, globalMaxPool]) {
      gradcheck((v) => pool(v, batch), [x.requiresGrad_()]);
      checkPermutationInvariance((g) => pool(g.x, g.batch ?? null), twoGraphs(), { atol: 1e-12 });
    }
  });
});

describe("learnt readouts", () => {
  it("AttentionalAggregation: softmax-gated sum (constant gate = mean)", () => {
    const gate = new Linear(2, 1).double();
    gate.weight.copy_(tensor([[0, 0]], { dtype: "float64" }));
    gate.bias!.copy_(tensor([3], { dtype: "float64" }));
    const att = new AttentionalAggregation(gate);
    close(att.forward(x, batch), [
      [2, 0.5],
      [-2 / 3, 8 / 3],
    ]);
    const learnt = new AttentionalAggregation(new MLP([4, 8, 1], { norm: null }), new Linear(4, 3)).double();
    gradcheck((v) => learnt.forward(v, twoGraphs().batch ?? null), [twoGraphs().x.requiresGrad_()]);
    checkPermutationInvariance((g) => learnt.forward(g.x, g.batch ?? null), twoGraphs(), { atol: 1e-10 });
  });

  it("Set2Set: output [B, 2F], gradients, invariance", () => {
    manualSeed(1);
    const s2s = new Set2Set(4, 3).double();
    const g = twoGraphs();
    expect(s2s.forward(g.x, g.batch).shape).toEqual([2, 8]);
    gradcheck((v) => s2s.forward(v, g.batch ?? null), [g.x.requiresGrad_()]);
    checkPermutationInvariance((gg) => s2s.forward(gg.x, gg.batch ?? null), twoGraphs(), { atol: 1e-10 });
  });

  it("DeepSets: rho(sum phi(x)) per set, invariant", () => {
    const ds = new DeepSets(new Identity(), new Identity());
    close(ds.forward(x, batch), [
      [4, 1],
      [-2, 8],
    ]);
    const learnt = new DeepSets(new MLP([4, 8, 8], { norm: null }), new MLP([8, 8, 3], { norm: null }), {
      aggr: "mean",
    }).double();
    const g = twoGraphs();
    expect(learnt.forward(g.x, g.batch).shape).toEqual([2, 3]);
    gradcheck((v) => learnt.forward(v, g.batch ?? null), [g.x.requiresGrad_()]);
    checkPermutationInvariance((gg) => learnt.forward(gg.x, gg.batch ?? null), twoGraphs(), { atol: 1e-10 });
  });
});

describe("TopKPooling / SAGPooling", () => {
  it("keeps ceil(ratio n) nodes per graph by score, gates them and filters edges", () => {
    const pool = new TopKPooling(2, { ratio: 0.5 }).double();
    pool.weight.copy_(tensor([[1, 0]], { dtype: "float64" }));
    // scores tanh(x[:,0] / 1): graph 0 keeps node 1 (3), graph 1 keeps nodes 3 (2), 2 (0)
    const ei = tensor(
      [
        [0, 1, 2, 3, 4, 3],
        [1, 0, 3, 2, 2, 4],
      ],
      { dtype: "int32" },
    );
    const r = pool.forward(x, ei, null, batch);
    expect(Array.from(r.perm.data)).toEqual([1, 3, 2]);
    expect(Array.from(r.batch.data)).toEqual([0, 1, 1]);
    close(r.x, [
      [3 * Math.tanh(3), -1 * Math.tanh(3)],
      [2 * Math.tanh(2), 2 * Math.tanh(2)],
      [0, 0],
    ]);
    // edges among kept nodes {1, 3, 2} renumbered to {0, 1, 2}: 2->3 becomes 2->1, 3->2 becomes 1->2
    expect(r.edgeIndex.toArray()).toEqual([
      [2, 1],
      [1, 2],
    ]);
    const withMin = new TopKPooling(2, { minScore: 0.3 }).double();
    expect(withMin.forward(x, ei, null, batch).x.shape[0]).toBeGreaterThan(0);
  });

  it("gradients and invariance of the pooled readout", () => {
    manualSeed(4);
    for (const pool of [new TopKPooling(4, { ratio: 0.6 }).double(), new SAGPooling(4, { ratio: 0.6 }).double()]) {
      const g = twoGraphs();
      const readout = (gg: TestGraph) => {
        const r = pool.forward(gg.x, gg.edgeIndex, null, gg.batch ?? null);
        return globalAddPool(r.x, r.batch, 2);
      };
      gradcheck((v) => readout({ ...g, x: v }), [g.x.requiresGrad_()]);
      checkPermutationInvariance(readout, twoGraphs(), { atol: 1e-10 });
    }
  });
});

describe("JumpingKnowledge, GraphNorm, BatchNorm", () => {
  it("JumpingKnowledge cat / max / lstm", () => {
    const a = tensor(
      [
        [1, 5],
        [2, 0],
      ],
      { dtype: "float64" },
    );
    const b = tensor(
      [
        [3, 1],
        [0, 4],
      ],
      { dtype: "float64" },
    );
    close(new JumpingKnowledge("cat").forward([a, b]), [
      [1, 5, 3, 1],
      [2, 0, 0, 4],
    ]);
    close(new JumpingKnowledge("max").forward([a, b]), [
      [3, 5],
      [2, 4],
    ]);
    manualSeed(2);
    const lstm = new JumpingKnowledge("lstm", { channels: 2, numLayers: 2 }).double();
    expect(lstm.forward([a, b]).shape).toEqual([2, 2]);
    gradcheck((u, v) => lstm.forward([u, v]), [a.requiresGrad_(), b.requiresGrad_()]);
    expect(() => new JumpingKnowledge("lstm")).toThrow(
      /JumpingKnowledge: argument 'opts' expected channels and numLayers/,
    );
  });

  it("GraphNorm normalises each graph; equivariant; gradients", () => {
    const gn = new GraphNorm(2).double();
    const out = gn.forward(x, batch);
    // per graph, each column has mean 0 and (biased) variance ~1
    for (const [lo, hi] of [
      [0, 2],
      [2, 5],
    ] as const) {
      for (let c = 0; c < 2; c++) {
        const v = (out.toArray() as number[][]).slice(lo, hi).map((r) => r[c]!);
        const m = v.reduce((s, t) => s + t, 0) / v.length;
        const s2 = v.reduce((s, t) => s + (t - m) ** 2, 0) / v.length;
        expect(m).toBeCloseTo(0, 8);
        expect(s2).toBeCloseTo(1, 3);
      }
    }
    gradcheck((v) => gn.forward(v, batch), [x.requiresGrad_()]);
    const gn4 = new GraphNorm(4).double();
    checkPermutationEquivariance((g) => gn4.forward(g.x, g.batch ?? null), twoGraphs(), { atol: 1e-10 });
  });

  it("BatchNorm over nodes (train statistics, eval running statistics)", () => {
    const bn = new BatchNorm(2).double();
    const out = bn.forward(x);
    const col = (out.toArray() as number[][]).map((r) => r[0]!);
    expect(col.reduce((s, t) => s + t, 0)).toBeCloseTo(0, 8);
    bn.eval();
    expect(bn.forward(x).shape).toEqual([5, 2]);
    checkPermutationEquivariance((g) => new BatchNorm(4).double().forward(g.x), twoGraphs(), { atol: 1e-10 });
  });
});

describe("dense batches and the Set Transformer", () => {
  it("toDenseBatch pads per graph with a mask; fromDenseBatch inverts it", () => {
    const { x: d, mask, index } = toDenseBatch(x, batch, { fillValue: -1 });
    expect(d.shape).toEqual([2, 3, 2]);
    expect(d.toArray()).toEqual([
      [
        [1, 2],
        [3, -1],
        [-1, -1],
      ],
      [
        [0, 5],
        [2, 2],
        [-4, 1],
      ],
    ]);
    expect(mask.toArray()).toEqual([
      [true, true, false],
      [true, true, true],
    ]);
    expect(fromDenseBatch(d, index).toArray()).toEqual(x.toArray());
    gradcheck((v) => toDenseBatch(v, batch).x, [x.requiresGrad_()]);
  });

  it("MultiheadAttention: uniform attention with zero projections of the keys; masks ignore padding", () => {
    const mha = new MultiheadAttention(2, 1).double();
    // Q, K projections zero -> uniform weights; V and out projections identity -> mean of the values
    const w = tensor(
      [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
        [1, 0],
        [0, 1],
      ],
      { dtype: "float64" },
    );
    mha.inProjWeight!.copy_(w);
    mha.outProj.weight.copy_(
      tensor(
        [
          [1, 0],
          [0, 1],
        ],
        { dtype: "float64" },
      ),
    );
    const q = tensor([[[1, 1]]], { dtype: "float64" });
    const kv = tensor(
      [
        [
          [1, 2],
          [3, 4],
          [100, 100],
        ],
      ],
      { dtype: "float64" },
    );
    const [o1] = mha.forward(q, kv, kv);
    close(o1.reshape(1, 2), [[104 / 3, 106 / 3]]);
    const [o2, wts] = mha.forward(q, kv, kv, { keyPaddingMask: tensor([[false, false, true]]), needWeights: true });
    close(o2.reshape(1, 2), [[2, 3]]);
    close(wts!.reshape(1, 3), [[0.5, 0.5, 0]]);
    const mh = new MultiheadAttention(4, 2).double();
    manualSeed(3);
    const qq = randn([2, 3, 4], { dtype: "float64" });
    const kk = randn([2, 5, 4], { dtype: "float64" });
    expect(mh.forward(qq, kk, kk)[0].shape).toEqual([2, 3, 4]);
    gradcheck((a, b) => mh.forward(a, b, b)[0], [qq.requiresGrad_(), kk.requiresGrad_()]);
    expect(() => new MultiheadAttention(5, 2)).toThrow(
      /MultiheadAttention: argument 'numHeads' expected a divisor of embedDim \(5\)/,
    );
  });

  it("MAB / SAB / ISAB / PMA shapes, gradients, (in/equi)variance of sets", () => {
    manualSeed(6);
    const X = randn([2, 5, 4], { dtype: "float64" });
    const mask = tensor([
      [true, true, true, false, false],
      [true, true, true, true, true],
    ]);
    const sab = new SetAttentionBlock(4, { heads: 2 }).double();
    const isab = new InducedSetAttentionBlock(4, 3, { heads: 2 }).double();
    const pma = new PoolingByMultiheadAttention(4, 2, { heads: 2 }).double();
    const mab = new MultiheadAttentionBlock(4).double();
    expect(sab.forward(X, mask).shape).toEqual([2, 5, 4]);
    expect(isab.forward(X, mask).shape).toEqual([2, 5, 4]);
    expect(pma.forward(X, mask).shape).toEqual([2, 2, 4]);
    expect(mab.forward(X.narrow(1, 0, 2), X).shape).toEqual([2, 2, 4]);
    for (const f of [
      (v: Tensor) => sab.forward(v, mask),
      (v: Tensor) => isab.forward(v, mask),
      (v: Tensor) => pma.forward(v, mask),
    ]) {
      gradcheck(f, [X.requiresGrad_()]);
    }
    // padding does not leak: changing a padded row leaves PMA output of set 0 unchanged
    const X2 = X.detach().clone();
    X2.data[3 * 4] = 50;
    const a = pma.forward(X, mask).narrow(0, 0, 1).toFlatArray();
    const b = pma.forward(X2, mask).narrow(0, 0, 1).toFlatArray();
    a.forEach((v, i) => {
      expect(v).toBeCloseTo(b[i]!, 10);
    });
  });

  it("SetTransformerAggregation: one vector per set, permutation invariant", () => {
    manualSeed(8);
    const st = new SetTransformerAggregation(4, { heads: 2, numSeedPoints: 2 }).double();
    const g = twoGraphs();
    expect(st.forward(g.x, g.batch!, 2).shape).toEqual([2, 8]);
    expect(st.outChannels(4)).toBe(8);
    gradcheck((v) => st.forward(v, g.batch!, 2), [g.x.requiresGrad_()]);
    checkPermutationInvariance((gg) => st.forward(gg.x, gg.batch!, 2), twoGraphs(), { atol: 1e-9 });
  });
});
