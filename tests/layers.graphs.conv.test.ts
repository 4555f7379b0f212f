import { describe, expect, it } from "vitest";
import {
  APPNP,
  ChebConv,
  DynamicEdgeConv,
  EdgeConv,
  GATConv,
  GATv2Conv,
  GatedGraphConv,
  GCN2Conv,
  GCNConv,
  GINConv,
  GINEConv,
  GraphConv,
  gradcheck,
  Identity,
  Linear,
  MLP,
  type Module,
  manualSeed,
  NNConv,
  PNAConv,
  ResGatedGraphConv,
  randn,
  SAGEConv,
  SGConv,
  SparseMatrix,
  type Tensor,
  TransformerConv,
  tensor,
} from "./helpers/graphs.js";
import { checkPermutationEquivariance, type TestGraph } from "./helpers/permutation.js";

// A 3-node path 0 - 1 - 2 (both directions) with x = [1, 2, 3].
const path = tensor(
  [
    [0, 1, 1, 2],
    [1, 0, 2, 1],
  ],
  { dtype: "int32" },
);
const x3 = tensor([[1], [2], [3]], { dtype: "float64" });

function set(p: Tensor | null | undefined, values: number[] | number[][] | number[][][]): void {
  if (!p) throw new Error("missing parameter");
  p.copy_(tensor(values as number[][], { dtype: p.dtype }));
}

function col(t: Tensor): number[] {
  return (t.toArray() as number[][]).map((r) => r[0]!);
}

function expectClose(a: readonly number[], b: readonly number[], digits = 6): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(v).toBeCloseTo(b[i]!, digits);
  });
}

// Dense references on the path graph.
const s6 = 1 / Math.sqrt(6);
const S = [
  [1 / 2, s6, 0],
  [s6, 1 / 3, s6],
  [0, s6, 1 / 2],
]; // D^-1/2 (A + I) D^-1/2
const Lhat = [
  [0, -1 / Math.sqrt(2), 0],
  [-1 / Math.sqrt(2), 0, -1 / Math.sqrt(2)],
  [0, -1 / Math.sqrt(2), 0],
]; // 2L/2 - I = -D^-1/2 A D^-1/2
const mv = (M: number[][], v: number[]) => M.map((r) => r.reduce((s, m, j) => s + m * v[j]!, 0));
const xv = [1, 2, 3];

describe("known values on a 3-node path", () => {
  it("GCNConv: D^-1/2 (A+I) D^-1/2 X W (fused, explicit, SparseMatrix adjacency, sparse features)", () => {
    const conv = new GCNConv(1, 1).double();
    set(conv.lin.weight, [[1]]);
    const ref = mv(S, xv);
    expectClose(col(conv.forward(x3, path)), ref);
    conv.fuse = false;
    expectClose(col(conv.forward(x3, path)), ref);
    conv.fuse = true;
    const adjT = SparseMatrix.fromEdgeIndex(
      tensor(
        [
          [1, 0, 2, 1],
          [0, 1, 1, 2],
        ],
        { dtype: "int32" },
      ),
      { shape: [3, 3] },
    );
    expectClose(col(conv.forward(x3, adjT)), ref);
    expectClose(col(conv.forward(SparseMatrix.fromDense(x3), path)), ref);
    // improved: A + 2I
    const imp = new GCNConv(1, 1, { improved: true }).double();
    set(imp.lin.weight, [[1]]);
    const d = [3, 4, 3];
    const A2 = [
      [2, 1, 0],
      [1, 2, 1],
      [0, 1, 2],
    ].map((r, i) => r.map((v, j) => v / Math.sqrt(d[i]! * d[j]!)));
    expectClose(col(imp.forward(x3, path)), mv(A2, xv));
    // no normalisation, no self loops: plain sum of neighbours
    const raw = new GCNConv(1, 1, { normalize: false, addSelfLoops: false }).double();
    set(raw.lin.weight, [[1]]);
    expectClose(col(raw.forward(x3, path)), [2, 4, 2]);
    // edge weights
    const w = tensor([1, 2, 3, 4], { dtype: "float64" });
    expectClose(col(raw.forward(x3, path, w)), [2 * 2, 1 * 1 + 4 * 3, 3 * 2]);
  });

  it("GCNConv cached keeps the first normalisation", () => {
    const conv = new GCNConv(1, 1, { cached: true }).double();
    set(conv.lin.weight, [[1]]);
    const a = col(conv.forward(x3, path));
    const other = tensor([[0], [1]], { dtype: "int32" });
    expectClose(col(conv.forward(x3, other)), a);
    conv.clearCache();
    expect(col(conv.forward(x3, other))).not.toEqual(a);
  });

  it("SAGEConv: W1 x_i + W2 mean/max/sum of neighbours", () => {
    for (const [aggr, ref] of [
      ["mean", [4, 6, 8]],
      ["max", [4, 7, 8]],
      ["sum", [4, 8, 8]],
    ] as const) {
      const conv = new SAGEConv(1, 1, { aggr }).double();
      set(conv.linL.weight, [[1]]);
      set(conv.linL.bias, [0]);
      set(conv.linR!.weight, [[2]]);
      expectClose(col(conv.forward(x3, path)), ref);
    }
    const noRoot = new SAGEConv(1, 1, { rootWeight: false }).double();
    set(noRoot.linL.weight, [[1]]);
    set(noRoot.linL.bias, [0.5]);
    expectClose(col(noRoot.forward(x3, path)), [2.5, 2.5, 2.5]);
    const normed = new SAGEConv(3, 2, { normalize: true });
    const out = normed.forward(randn([3, 3]), path);
    for (const r of out.toArray() as number[][]) expect(Math.hypot(...r)).toBeCloseTo(1, 5);
  });

  it("SAGEConv applies W2 before aggregating when that is cheaper, with the same result", () => {
    manualSeed(2);
    const big = new SAGEConv(6, 2).double();
    const x = randn([3, 6], { dtype: "float64" });
    const a = big.forward(x, path);
    big.fuse = false;
    const b = big.forward(x, path);
    expectClose(a.toFlatArray(), b.toFlatArray(), 10);
    // isolated target: bias only, not mean(W x_j + b)
    const lone = tensor([[0], [1]], { dtype: "int32" });
    const c = big.forward(x, lone);
    const ref = big.linL
      .bias!.toFlatArray()
      .map((v, k) => v + (big.linR!.forward(x.narrow(0, 0, 1)).toFlatArray()[k] as number));
    expectClose(c.narrow(0, 0, 1).toFlatArray(), ref, 10);
  });

  it("GINConv: nn((1 + eps) x_i + sum x_j); GINEConv adds relu(x_j + e_ji)", () => {
    const gin = new GINConv(new Identity(), { eps: 0.5 });
    expectClose(col(gin.forward(x3, path)), [3.5, 7, 6.5]);
    const trained = new GINConv(new Identity(), { eps: 0.5, trainEps: true }).double();
    expectClose(col(trained.forward(x3, path)), [3.5, 7, 6.5]);
    expect(trained.parameters().length).toBe(1);
    const gine = new GINEConv(new Identity());
    const e = tensor([[-1], [0], [-5], [1]], { dtype: "float64" });
    expectClose(col(gine.forward(x3, path, e)), [3, 6, 3]);
    const gineDim = new GINEConv(new Linear(1, 1).double(), { edgeDim: 2 }).double();
    expect(gineDim.forward(x3, path, randn([4, 2], { dtype: "float64" })).shape).toEqual([3, 1]);
    expect(() => new GINEConv(new Identity()).forward(x3, path, randn([4, 2], { dtype: "float64" }))).toThrow(
      /GINEConv: argument 'edgeAttr' expected 1 features per edge/,
    );
  });

  it("GraphConv: W1 x_i + W2 sum e_ji x_j", () => {
    const conv = new GraphConv(1, 1).double();
    set(conv.linRel.weight, [[1]]);
    set(conv.linRel.bias, [0]);
    set(conv.linRoot.weight, [[1]]);
    const w = tensor([1, 2, 3, 4], { dtype: "float64" });
    expectClose(col(conv.forward(x3, path, w)), [5, 15, 9]);
    conv.fuse = false;
    expectClose(col(conv.forward(x3, path, w)), [5, 15, 9]);
    const mean = new GraphConv(1, 1, { aggr: "mean" }).double();
    set(mean.linRel.weight, [[1]]);
    set(mean.linRel.bias, [0]);
    set(mean.linRoot.weight, [[0]]);
    expectClose(col(mean.forward(x3, path)), [2, 2, 2]);
  });

  it("SGConv: S^K X W (cached and not, dense and sparse features)", () => {
    for (const cached of [false, true]) {
      const conv = new SGConv(1, 1, { K: 2, cached }).double();
      set(conv.lin.weight, [[1]]);
      set(conv.lin.bias, [0.25]);
      const ref = mv(S, mv(S, xv)).map((v) => v + 0.25);
      expectClose(col(conv.forward(x3, path)), ref);
      expectClose(col(conv.forward(SparseMatrix.fromDense(x3), path)), ref);
    }
  });

  it("APPNP: h <- (1 - alpha) S h + alpha x", () => {
    const prop = new APPNP(2, 0.1);
    const h1 = mv(S, xv).map((v, i) => 0.9 * v + 0.1 * xv[i]!);
    const h2 = mv(S, h1).map((v, i) => 0.9 * v + 0.1 * xv[i]!);
    expectClose(col(prop.forward(x3, path)), h2);
    expect(prop.parameters().length).toBe(0);
  });

  it("ChebConv: Chebyshev polynomials of the scaled Laplacian", () => {
    const conv = new ChebConv(1, 1, 3).double();
    for (const l of conv.lins) set(l.weight, [[1]]);
    const t1 = mv(Lhat, xv);
    const t2 = mv(Lhat, t1).map((v, i) => 2 * v - xv[i]!);
    expectClose(
      col(conv.forward(x3, path)),
      xv.map((v, i) => v + t1[i]! + t2[i]!),
    );
    const rw = new ChebConv(1, 1, 2, { normalization: "rw" }).double();
    for (const l of rw.lins) set(l.weight, [[1]]);
    // rw with lambda 2: L^ = -D^-1 A (degrees of the sources, as PyG)
    const deg = [1, 2, 1];
    const lx = [-(2 / deg[1]!), -(1 / deg[0]! + 3 / deg[2]!), -(2 / deg[1]!)];
    expectClose(
      col(rw.forward(x3, path)),
      xv.map((v, i) => v + lx[i]!),
    );
    const comb = new ChebConv(1, 1, 2, { normalization: null }).double();
    expect(() => comb.forward(x3, path)).toThrow(/ChebConv: argument 'lambdaMax'/);
  });

  it("GATConv: zero attention vectors average over neighbours and self; returns attention", () => {
    const conv = new GATConv(1, 1).double();
    set(conv.lin!.weight, [[1]]);
    set(conv.attSrc, [[[0]]]);
    set(conv.attDst, [[[0]]]);
    expectClose(col(conv.forward(x3, path)), [1.5, 2, 2.5]);
    set(conv.attSrc, [[[1]]]);
    const [out, [ei, alpha]] = conv.forward(x3, path, null, true);
    const e = Math.E;
    expect(col(out)[0]).toBeCloseTo((1 * e + 2 * e * e) / (e + e * e), 6);
    expect(ei.shape).toEqual([2, 7]);
    expect(alpha.shape).toEqual([7, 1]);
    // attention sums to one per target
    const sums = [0, 0, 0];
    const dst = (ei.toArray() as number[][])[1]!;
    (alpha.toArray() as number[][]).forEach((a, k) => {
      sums[dst[k]!]! += a[0]!;
    });
    expectClose(sums, [1, 1, 1]);
  });

  it("GATv2Conv and TransformerConv with zero attention average their values", () => {
    const v2 = new GATv2Conv(1, 1).double();
    set(v2.linL.weight, [[1]]);
    set(v2.linL.bias, [0]);
    set(v2.linR.weight, [[1]]);
    set(v2.linR.bias, [0]);
    set(v2.att, [[[0]]]);
    expectClose(col(v2.forward(x3, path)), [1.5, 2, 2.5]);
    const tr = new TransformerConv(1, 1).double();
    set(tr.linQuery.weight, [[0]]);
    set(tr.linQuery.bias, [0]);
    set(tr.linValue.weight, [[1]]);
    set(tr.linValue.bias, [0]);
    set(tr.linSkip!.weight, [[1]]);
    set(tr.linSkip!.bias, [0]);
    expectClose(col(tr.forward(x3, path)), [3, 4, 5]);
  });

  it("GatedGraphConv: GRU over summed messages", () => {
    const conv = new GatedGraphConv(1, 1).double();
    set(conv.weight, [[[1]]]);
    set(conv.rnn.weight_ih, [[0], [0], [1]]);
    set(conv.rnn.weight_hh, [[0], [0], [0]]);
    set(conv.rnn.bias_ih, [0, 0, 0]);
    set(conv.rnn.bias_hh, [0, 0, 0]);
    const t = Math.tanh;
    expectClose(col(conv.forward(x3, path)), [0.5 * t(2) + 0.5, 0.5 * t(4) + 1, 0.5 * t(2) + 1.5]);
  });

  it("GCN2Conv: ((1 - alpha) S X + alpha X0) W with beta = 1", () => {
    const conv = new GCN2Conv(1, 0.1).double();
    set(conv.weight1, [[1]]);
    const x0 = tensor([[1], [0], [-1]], { dtype: "float64" });
    expectClose(
      col(conv.forward(x3, x0, path)),
      mv(S, xv).map((v, i) => 0.9 * v + 0.1 * [1, 0, -1][i]!),
    );
    const deep = new GCN2Conv(1, 0.1, { theta: 0.5, layer: 2 });
    expect(deep.beta).toBeCloseTo(Math.log(1.25), 10);
  });

  it("NNConv, ResGatedGraphConv, EdgeConv, DynamicEdgeConv, PNAConv", () => {
    const edgeNet = new Linear(1, 1).double();
    set(edgeNet.weight, [[1]]);
    set(edgeNet.bias, [0]);
    const nnc = new NNConv(1, 1, edgeNet).double();
    set(nnc.lin!.weight, [[1]]);
    expectClose(col(nnc.forward(x3, path, tensor([[1], [2], [3], [4]], { dtype: "float64" }))), [5, 15, 9]);

    const rg = new ResGatedGraphConv(1, 1).double();
    for (const l of [rg.linKey, rg.linQuery]) {
      set(l.weight, [[0]]);
      set(l.bias, [0]);
    }
    set(rg.linValue.weight, [[1]]);
    set(rg.linValue.bias, [0]);
    set(rg.linSkip!.weight, [[1]]);
    expectClose(col(rg.forward(x3, path)), [2, 4, 4]);

    const diff = new Linear(2, 1).double();
    set(diff.weight, [[0, 1]]);
    set(diff.bias, [0]);
    expectClose(col(new EdgeConv(diff).forward(x3, path)), [1, 1, -1]);
    const pts = tensor([[0], [1], [3]], { dtype: "float64" });
    expectClose(col(new DynamicEdgeConv(diff, 2).forward(pts)), [1, 0, 0]);

    const pna = new PNAConv(1, 1, ["sum"], ["identity"], tensor([0, 2, 1])).double();
    const pre = pna.preNns.at(0).at(0) as Linear;
    set(pre.weight, [[0, 1]]);
    set(pre.bias, [0]);
    const post = pna.postNns.at(0).at(0) as Linear;
    set(post.weight, [[1, 1]]);
    set(post.bias, [0]);
    set(pna.lin.weight, [[1]]);
    set(pna.lin.bias, [0]);
    expectClose(col(pna.forward(x3, path)), [3, 6, 5]);
    // degree scalers: histogram [0, 2, 1] -> avg log(d+1) = (2 log 2 + log 3) / 3
    const amp = new PNAConv(1, 1, ["sum"], ["amplification"], tensor([0, 2, 1])).double();
    const avgLog = (2 * Math.log(2) + Math.log(3)) / 3;
    expect((amp.aggrModule as unknown as { avgDegLog: number }).avgDegLog).toBeCloseTo(avgLog, 10);
  });
});

describe("fused sparse-matmul path = explicit message/aggregate path", () => {
  const fusable: { name: string; make(): Module; run(m: Module, g: TestGraph): Tensor }[] = [
    {
      name: "GCNConv",
      make: () => new GCNConv(3, 4),
      run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    },
    { name: "SAGEConv(mean)", make: () => new SAGEConv(3, 4), run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex) },
    {
      name: "SAGEConv(sum)",
      make: () => new SAGEConv(3, 4, { aggr: "sum" }),
      run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    },
    {
      name: "GINConv",
      make: () => new GINConv(mlp(3, 4), { eps: 0.3 }),
      run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    },
    {
      name: "GraphConv",
      make: () => new GraphConv(3, 4),
      run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    },
    {
      name: "GraphConv(mean)",
      make: () => new GraphConv(3, 4, { aggr: "mean" }),
      run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    },
    {
      name: "SGConv",
      make: () => new SGConv(3, 4, { K: 3 }),
      run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    },
    { name: "APPNP", make: () => new APPNP(4, 0.1), run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight) },
    {
      name: "ChebConv",
      make: () => new ChebConv(3, 4, 3),
      run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    },
    {
      name: "GatedGraphConv",
      make: () => new GatedGraphConv(4, 2),
      run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    },
    {
      name: "GCN2Conv",
      make: () => new GCN2Conv(3, 0.2, { theta: 0.5, layer: 2 }),
      run: (m: AnyMod, g) => m.forward(g.x, g.x, g.edgeIndex, g.edgeWeight),
    },
  ];
  it.each(fusable)("$name: same outputs and input/parameter/edge-weight gradients", ({ make, run }) => {
    manualSeed(13);
    const m = make().double();
    const g = testGraph();
    const pass = (fuse: boolean) => {
      (m as AnyMod).fuse = fuse;
      for (const sub of m.modules()) if ("fuse" in sub) (sub as AnyMod).fuse = fuse;
      m.zeroGrad();
      const x = g.x.detach().clone().requiresGrad_();
      const w = g.edgeWeight!.detach().clone().requiresGrad_();
      const out = run(m, { ...g, x, edgeWeight: w });
      out.square().sum().backward();
      return [
        out.toFlatArray(),
        x.grad!.toFlatArray(),
        w.grad?.toFlatArray() ?? [],
        ...m.parameters().map((p) => p.grad!.toFlatArray()),
      ];
    };
    const a = pass(true);
    const b = pass(false);
    a.forEach((arr, k) => {
      expectClose(arr, b[k]!, 10);
    });
  });
});

describe("fused attention aggregation", () => {
  it("GATConv / GATv2Conv: per-head sparse products agree with the explicit messages (values, gradients, attention)", () => {
    manualSeed(12);
    const g = testGraph();
    for (const make of [
      () => new GATConv(3, 2, { heads: 3, edgeDim: 2 }),
      () => new GATv2Conv(3, 2, { heads: 2, edgeDim: 2 }),
      () => new GATConv(3, 4),
    ]) {
      const m = make().double();
      const run = (fuse: boolean) => {
        m.fuse = fuse;
        m.zeroGrad();
        const xx = g.x.detach().clone().requiresGrad_();
        const [out, [ei, alpha]] = m.forward(xx, g.edgeIndex, g.edgeAttr, true);
        out.square().sum().backward();
        return {
          out: out.toFlatArray(),
          gx: xx.grad!.toFlatArray(),
          ei: ei.toFlatArray(),
          alpha: alpha.toFlatArray(),
          gp: m.parameters().map((p) => p.grad!.toFlatArray()),
        };
      };
      const a = run(true);
      const b = run(false);
      expect(a.ei).toEqual(b.ei);
      expectClose(a.out, b.out, 10);
      expectClose(a.gx, b.gx, 10);
      expectClose(a.alpha, b.alpha, 10);
      a.gp.forEach((gp, k) => {
        expectClose(gp, b.gp[k]!, 10);
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Shapes, gradients (float64) and permutation equivariance for every node-level layer.

function testGraph(): TestGraph {
  manualSeed(42);
  const src = [0, 1, 1, 2, 2, 3, 0, 4, 3, 5, 1];
  const dst = [1, 0, 2, 1, 3, 2, 3, 0, 0, 3, 5];
  return {
    x: randn([6, 3], { dtype: "float64" }),
    edgeIndex: tensor([src, dst], { dtype: "int32" }),
    edgeAttr: randn([src.length, 2], { dtype: "float64" }),
    edgeWeight: randn([src.length], { dtype: "float64" }).abs().add(0.5),
    nodeExtras: { x0: randn([6, 4], { dtype: "float64" }) },
  };
}

interface LayerCase {
  name: string;
  make(): Module;
  run(m: Module, g: TestGraph): Tensor;
  out: number[];
  /** Also check gradients with respect to the edge attributes/weights. */
  edgeGrad?: "edgeAttr" | "edgeWeight";
}

// biome-ignore lint/suspicious/noExplicitAny: test table over heterogeneous layers.
type AnyMod = any;

const mlp = (i: number, o: number) => new MLP([i, 5, o]);

const cases: LayerCase[] = [
  {
    name: "GCNConv",
    make: () => new GCNConv(3, 4),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    out: [6, 4],
    edgeGrad: "edgeWeight",
  },
  {
    name: "GCNConv(explicit)",
    make: () => Object.assign(new GCNConv(3, 4), { fuse: false }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    out: [6, 4],
  },
  {
    name: "SAGEConv(mean)",
    make: () => new SAGEConv(3, 4),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    out: [6, 4],
  },
  {
    name: "SAGEConv(max)",
    make: () => new SAGEConv(3, 4, { aggr: "max" }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    out: [6, 4],
  },
  {
    name: "SAGEConv(multi)",
    make: () => new SAGEConv(3, 4, { aggr: ["mean", "max", "std"], project: true }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    out: [6, 4],
  },
  {
    name: "GINConv",
    make: () => new GINConv(mlp(3, 4), { trainEps: true, eps: 0.1 }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    out: [6, 4],
  },
  {
    name: "GINEConv",
    make: () => new GINEConv(mlp(3, 4), { edgeDim: 2 }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeAttr),
    out: [6, 4],
    edgeGrad: "edgeAttr",
  },
  {
    name: "GraphConv",
    make: () => new GraphConv(3, 4),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    out: [6, 4],
    edgeGrad: "edgeWeight",
  },
  {
    name: "SGConv",
    make: () => new SGConv(3, 4, { K: 2 }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    out: [6, 4],
  },
  {
    name: "APPNP",
    make: () => new APPNP(3, 0.2),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    out: [6, 3],
    edgeGrad: "edgeWeight",
  },
  {
    name: "ChebConv",
    make: () => new ChebConv(3, 4, 3),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    out: [6, 4],
    edgeGrad: "edgeWeight",
  },
  {
    name: "GATConv",
    make: () => new GATConv(3, 2, { heads: 3, edgeDim: 2 }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeAttr),
    out: [6, 6],
    edgeGrad: "edgeAttr",
  },
  {
    name: "GATConv(explicit)",
    make: () => Object.assign(new GATConv(3, 2, { heads: 3, edgeDim: 2 }), { fuse: false }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeAttr),
    out: [6, 6],
    edgeGrad: "edgeAttr",
  },
  {
    name: "GATConv(mean heads)",
    make: () => new GATConv(3, 2, { heads: 2, concat: false }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    out: [6, 2],
  },
  {
    name: "GATv2Conv",
    make: () => new GATv2Conv(3, 2, { heads: 2, edgeDim: 2 }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeAttr),
    out: [6, 4],
    edgeGrad: "edgeAttr",
  },
  {
    name: "TransformerConv",
    make: () => new TransformerConv(3, 2, { heads: 2, edgeDim: 2, beta: true }),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeAttr),
    out: [6, 4],
    edgeGrad: "edgeAttr",
  },
  {
    name: "GatedGraphConv",
    make: () => new GatedGraphConv(4, 2),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeWeight),
    out: [6, 4],
    edgeGrad: "edgeWeight",
  },
  {
    name: "GCN2Conv",
    make: () => new GCN2Conv(4, 0.2, { theta: 0.5, layer: 1, sharedWeights: false }),
    run: (m: AnyMod, g) => m.forward(g.nodeExtras!.x0!.mul(g.x.sum(-1, true)), g.nodeExtras!.x0!, g.edgeIndex),
    out: [6, 4],
  },
  {
    name: "NNConv",
    make: () => new NNConv(3, 4, new Linear(2, 12)),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeAttr),
    out: [6, 4],
    edgeGrad: "edgeAttr",
  },
  {
    name: "ResGatedGraphConv",
    make: () => new ResGatedGraphConv(3, 4),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    out: [6, 4],
  },
  {
    name: "EdgeConv",
    make: () => new EdgeConv(mlp(6, 4)),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex),
    out: [6, 4],
  },
  {
    name: "DynamicEdgeConv",
    make: () => new DynamicEdgeConv(mlp(6, 4), 3),
    run: (m: AnyMod, g) => m.forward(g.x),
    out: [6, 4],
  },
  {
    name: "PNAConv",
    make: () =>
      new PNAConv(
        3,
        4,
        ["mean", "min", "max", "std"],
        ["identity", "amplification", "attenuation"],
        tensor([1, 3, 2]),
        { edgeDim: 2, towers: 2, preLayers: 2, postLayers: 2 },
      ),
    run: (m: AnyMod, g) => m.forward(g.x, g.edgeIndex, g.edgeAttr),
    out: [6, 4],
    edgeGrad: "edgeAttr",
  },
];

describe.each(cases)("$name", (c) => {
  it("output shape, gradients (float64) and permutation equivariance", () => {
    manualSeed(1);
    const m = c.make().double();
    const g = testGraph();
    const out = c.run(m, g);
    expect(out.shape).toEqual(c.out);
    expect(out.toFlatArray().every(Number.isFinite)).toBe(true);
    gradcheck((x) => c.run(m, { ...g, x }), [g.x.requiresGrad_()]);
    if (c.edgeGrad === "edgeAttr") gradcheck((e) => c.run(m, { ...g, edgeAttr: e }), [g.edgeAttr!.requiresGrad_()]);
    if (c.edgeGrad === "edgeWeight")
      gradcheck((w) => c.run(m, { ...g, edgeWeight: w }), [g.edgeWeight!.requiresGrad_()]);
    // parameter gradients exist and are finite
    m.zeroGrad();
    c.run(m, g).square().sum().backward();
    for (const [name, p] of m.namedParameters()) {
      expect(p.grad, `${c.name}.${name}`).not.toBeNull();
      expect(p.grad!.toFlatArray().every(Number.isFinite), `${c.name}.${name}`).toBe(true);
    }
    checkPermutationEquivariance((gg) => c.run(m, gg), testGraph(), { atol: 1e-9 });
  });
});
