import { describe, expect, it } from "vitest";
import {
  gradcheck,
  MaxAggregation,
  MeanAggregation,
  type MessageInputs,
  MessagePassing,
  MinAggregation,
  MulAggregation,
  MultiAggregation,
  manualSeed,
  PowerMeanAggregation,
  type PropagateContext,
  type PropagateInputs,
  randn,
  resolveAggregation,
  SoftmaxAggregation,
  SparseMatrix,
  StdAggregation,
  SumAggregation,
  sourceOf,
  spmm,
  type Tensor,
  tensor,
  VarAggregation,
} from "./helpers/graphs.js";

const index = tensor([0, 0, 2, 2, 2], { dtype: "int32" });
const msgs = tensor(
  [
    [1, 2],
    [3, -4],
    [2, 0],
    [4, 1],
    [-3, 2],
  ],
  { dtype: "float64" },
);

function rows(t: Tensor): number[][] {
  return t.toArray() as number[][];
}

function close(a: Tensor, b: number[][], tol = 1e-6): void {
  const r = rows(a);
  expect(r.length).toBe(b.length);
  r.forEach((row, i) => {
    row.forEach((v, j) => {
      expect(v).toBeCloseTo(b[i]![j]!, -Math.log10(tol));
    });
  });
}

describe("aggregations", () => {
  it("sum / mean / max / min / mul with empty targets giving 0", () => {
    close(new SumAggregation().forward(msgs, index, 4), [
      [4, -2],
      [0, 0],
      [3, 3],
      [0, 0],
    ]);
    close(new MeanAggregation().forward(msgs, index, 4), [
      [2, -1],
      [0, 0],
      [1, 1],
      [0, 0],
    ]);
    close(new MaxAggregation().forward(msgs, index, 4), [
      [3, 2],
      [0, 0],
      [4, 2],
      [0, 0],
    ]);
    close(new MinAggregation().forward(msgs, index, 4), [
      [1, -4],
      [0, 0],
      [-3, 0],
      [0, 0],
    ]);
    close(new MulAggregation().forward(msgs, index, 3).narrow(0, 0, 1), [[3, -8]]);
    close(new MulAggregation().forward(msgs, index, 3).narrow(0, 2, 1), [[-24, 0]]);
  });

  it("var / std are the biased moments; std adds 1e-5 under the root", () => {
    // node 0: [1, 3] -> var 1; [2, -4] -> var 9. node 2: [2, 4, -3] -> mean 1, var (1+9+16)/3
    const v = new VarAggregation().forward(msgs, index, 3);
    close(v.narrow(0, 0, 1), [[1, 9]]);
    close(v.narrow(0, 2, 1), [[(4 + 16 + 9) / 3 - 1, 5 / 3 - 1]]);
    const s = new StdAggregation().forward(msgs, index, 3);
    close(s.narrow(0, 0, 1), [[Math.sqrt(1 + 1e-5), Math.sqrt(9 + 1e-5)]]);
  });

  it("softmax aggregation: t = 0 is the mean, large t tends to the max", () => {
    close(new SoftmaxAggregation({ t: 0 }).forward(msgs, index, 3), [
      [2, -1],
      [0, 0],
      [1, 1],
    ]);
    close(
      new SoftmaxAggregation({ t: 60 }).forward(msgs, index, 3),
      [
        [3, 2],
        [0, 0],
        [4, 2],
      ],
      1e-4,
    );
    const sm = new SoftmaxAggregation({ t: 1 }).forward(msgs, index, 3);
    const w0 = [Math.exp(1), Math.exp(3)];
    expect(sm.toArray()).toBeDefined();
    expect(rows(sm)[0]![0]).toBeCloseTo((1 * w0[0]! + 3 * w0[1]!) / (w0[0]! + w0[1]!), 6);
  });

  it("power mean with p = 1 is the mean of the clamped values; p = 2 a quadratic mean", () => {
    const pos = tensor([[1], [3], [2]], { dtype: "float64" });
    const idx = tensor([0, 0, 1], { dtype: "int32" });
    close(new PowerMeanAggregation({ p: 1 }).forward(pos, idx, 2), [[2], [2]]);
    close(new PowerMeanAggregation({ p: 2 }).forward(pos, idx, 2), [[Math.sqrt(5)], [2]]);
  });

  it("MultiAggregation concatenates (or reduces) its parts", () => {
    const m = new MultiAggregation(["sum", "max"]);
    close(m.forward(msgs, index, 3), [
      [4, -2, 3, 2],
      [0, 0, 0, 0],
      [3, 3, 4, 2],
    ]);
    expect(m.outChannels(2)).toBe(4);
    const r = new MultiAggregation(["sum", "max"], { mode: "sum" });
    close(r.forward(msgs, index, 3), [
      [7, 0],
      [0, 0],
      [7, 5],
    ]);
    const p = new MultiAggregation(["mean", "std"], { mode: "proj", inChannels: 2, outChannels: 3 }).double();
    expect(p.forward(msgs, index, 3).shape).toEqual([3, 3]);
  });

  it("resolves names and rejects unknown ones with the valid list", () => {
    expect(resolveAggregation("add")).toBeInstanceOf(SumAggregation);
    expect(resolveAggregation(["mean", "max"])).toBeInstanceOf(MultiAggregation);
    expect(() => resolveAggregation("median" as never)).toThrow(
      /resolveAggregation: argument 'aggr' expected one of sum/,
    );
  });

  it("gradients of every aggregation (float64)", () => {
    manualSeed(3);
    const x = randn([6, 3], { dtype: "float64" });
    const idx = tensor([0, 1, 0, 2, 2, 2], { dtype: "int32" });
    const aggrs = [
      new SumAggregation(),
      new MeanAggregation(),
      new MaxAggregation(),
      new MinAggregation(),
      new MulAggregation(),
      new VarAggregation(),
      new StdAggregation(),
      new SoftmaxAggregation({ t: 0.7 }),
      new PowerMeanAggregation({ p: 1.5 }),
      new MultiAggregation(["mean", "max", "std"]),
    ];
    for (const a of aggrs) {
      gradcheck((v) => a.forward(v, idx, 4), [x.abs().add(0.1).requiresGrad_()]);
    }
    const learn = new SoftmaxAggregation({ t: 0.5, learn: true, channels: 3 }).double();
    const out = learn.forward(x.requiresGrad_(false), idx, 4);
    out.sum().backward();
    expect((learn.t as Tensor).grad?.shape).toEqual([3]);
  });
});

/** A test layer that exposes x_i, x_j, edge inputs and the context. */
class Probe extends MessagePassing<[Tensor, Tensor], Tensor> {
  seen: string[] = [];
  forward(x: Tensor, edgeIndex: Tensor): Tensor {
    return this.propagate(edgeIndex, { x });
  }
  override message(inputs: MessageInputs, ctx: PropagateContext): Tensor {
    this.seen.push(`${ctx.sizeJ}x${ctx.sizeI}`);
    return inputs.x_j!.mul(10).add(inputs.x_i!);
  }
}

class Linearish extends MessagePassing<[Tensor | [Tensor, Tensor | null], Tensor, Tensor | null], Tensor> {
  forward(x: Tensor | [Tensor, Tensor | null], edgeIndex: Tensor, w: Tensor | null): Tensor {
    return this.propagate(edgeIndex, { x, edgeWeight: w });
  }
  override message(inputs: MessageInputs): Tensor {
    const w = inputs.edgeWeight;
    return w ? inputs.x_j!.mul(w.reshape(-1, 1)) : inputs.x_j!;
  }
  protected override supportsFusion(inputs: PropagateInputs): boolean {
    return this.aggr === "sum" || (this.aggr === "mean" && !inputs.edgeWeight);
  }
  override messageAndAggregate(inputs: PropagateInputs, ctx: PropagateContext): Tensor {
    const w = inputs.edgeWeight as Tensor | null | undefined;
    return spmm(
      w ? ctx.adjacency(w) : ctx.adjacency(null, this.aggr === "mean" ? "mean" : undefined),
      sourceOf(inputs.x),
    );
  }
}

describe("MessagePassing.propagate", () => {
  const ei = tensor(
    [
      [0, 1, 2, 0],
      [1, 2, 0, 2],
    ],
    { dtype: "int32" },
  );
  const x = tensor([[1], [2], [3]], { dtype: "float64" });

  it("gathers x_j at sources and x_i at targets (source_to_target)", () => {
    const p = new Probe({ aggr: "sum" });
    // messages: 0->1: 10+2, 1->2: 20+3, 2->0: 30+1, 0->2: 10+3
    close(p.forward(x, ei), [[31], [12], [36]]);
    expect(p.seen).toEqual(["3x3"]);
  });

  it("target_to_source flips the roles of the rows", () => {
    const p = new Probe({ aggr: "sum", flow: "target_to_source" });
    // j = row 1, i = row 0: 1->0: 20+1, 2->1: 30+2, 0->2: 10+3, 2->0: 30+1
    close(p.forward(x, ei), [[52], [32], [13]]);
  });

  it("a SparseMatrix in adj_t orientation means the same graph", () => {
    const adjT = SparseMatrix.fromEdgeIndex(
      tensor(
        [
          [1, 2, 0, 2],
          [0, 1, 2, 0],
        ],
        { dtype: "int32" },
      ),
      { shape: [3, 3] },
    );
    const p = new Probe({ aggr: "sum" });
    close(p.propagate(adjT, { x }), [[31], [12], [36]]);
  });

  it("bipartite pairs: size from each side, missing targets fine", () => {
    const m = new Linearish({ aggr: "sum" });
    m.fuse = false;
    const xs = tensor([[1], [2]], { dtype: "float64" });
    const xt = tensor([[0], [0], [0]], { dtype: "float64" });
    const bei = tensor(
      [
        [0, 1, 1],
        [2, 2, 0],
      ],
      { dtype: "int32" },
    );
    close(m.forward([xs, xt], bei, null), [[2], [0], [3]]);
    m.fuse = true;
    close(m.forward([xs, xt], bei, null), [[2], [0], [3]]);
  });

  it("fused and explicit paths agree (sum, weighted, mean), values and gradients", () => {
    manualSeed(5);
    const N = 7;
    const src = [0, 1, 2, 3, 4, 5, 6, 0, 2, 4, 1, 1];
    const dst = [1, 2, 3, 4, 5, 6, 0, 3, 5, 0, 3, 3];
    const e = tensor([src, dst], { dtype: "int32" });
    const feats = randn([N, 4], { dtype: "float64" });
    const w = randn([src.length], { dtype: "float64" });
    for (const aggr of ["sum", "mean"] as const) {
      for (const weight of aggr === "sum" ? [null, w] : [null]) {
        const m = new Linearish({ aggr });
        const run = (fuse: boolean) => {
          m.fuse = fuse;
          const xx = feats.clone().requiresGrad_();
          const out = m.forward(xx, e, weight);
          out.mul(out).sum().backward();
          return [out, xx.grad!] as const;
        };
        const [a, ga] = run(true);
        const [b, gb] = run(false);
        close(a, rows(b), 1e-10);
        close(ga, rows(gb), 1e-10);
      }
    }
  });

  it("fused path: gradient to edge weights that require grad", () => {
    const m = new Linearish({ aggr: "sum" });
    const w = tensor([0.5, -1, 2, 1.5], { dtype: "float64" });
    gradcheck((ww, xx) => m.forward(xx, ei, ww), [w.requiresGrad_(), x.requiresGrad_()]);
    m.fuse = false;
    gradcheck((ww, xx) => m.forward(xx, ei, ww), [w.requiresGrad_(), x.requiresGrad_()]);
  });

  it("validates the edge index with the position and value of a bad id", () => {
    const p = new Probe();
    expect(() =>
      p.forward(
        x,
        tensor(
          [
            [0, 5],
            [1, 2],
          ],
          { dtype: "int32" },
        ),
      ),
    ).toThrow(/Probe: argument 'edgeIndex\[0\] \(sources\)' expected node ids in \[0, 3\).*got 5 at edge 1/);
    expect(() =>
      p.forward(
        x,
        tensor([
          [0, 1],
          [1, 2],
        ]),
      ),
    ).toThrow(/Probe: argument 'edgeIndex' expected dtype int32, got float32/);
    expect(() => p.forward(x, tensor([[0, 1, 2]], { dtype: "int32" }))).toThrow(
      /expected shape \[2, E\], got \[1, 3\]/,
    );
  });

  it("checks that node tensors gathered per side have the right number of rows", () => {
    const p = new Probe();
    expect(() => p.propagate(ei, { x, size: [4, 3] })).toThrow(
      /Probe: argument 'x' expected 4 rows \(number of source nodes\), got \[3, 1\]/,
    );
  });
});
