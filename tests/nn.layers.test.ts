import { describe, expect, it } from "vitest";
import * as F from "../src/nn/functional.js";
import {
  activation,
  BatchNorm1d,
  Bilinear,
  Dropout,
  ELU,
  Embedding,
  GELU,
  Identity,
  LayerNorm,
  LeakyReLU,
  Linear,
  MLP,
  PReLU,
  ReLU,
  Sigmoid,
  SiLU,
  Softplus,
  Tanh,
} from "../src/nn/index.js";
import { Generator, gradcheck, manualSeed, randn, SparseMatrix, type Tensor, tensor } from "../src/tensor/index.js";

const f64 = { dtype: "float64" as const };

function rnd(shape: number[], seed: number): Tensor {
  return randn(shape, { dtype: "float64", generator: new Generator(seed) });
}

function expectClose(a: Tensor, b: number[] | Tensor, digits = 6): void {
  const bv = Array.isArray(b) ? b : b.toFlatArray();
  const av = a.toFlatArray();
  expect(av.length).toBe(bv.length);
  av.forEach((v, i) => {
    expect(v).toBeCloseTo(bv[i]!, digits);
  });
}

describe("Linear", () => {
  it("computes x·Wᵀ + b with fixed weights, any leading axes", () => {
    const lin = new Linear(3, 2);
    lin.weight.copy_(
      tensor([
        [1, 2, 3],
        [-1, 0, 1],
      ]),
    );
    lin.bias!.copy_(tensor([0.5, -0.5]));
    const y = lin.forward(tensor([[1, 1, 1]]));
    expect(y.toArray()).toEqual([[6.5, -0.5]]);
    expect(lin.forward(tensor([0, 1, 0])).toArray()).toEqual([2.5, -0.5]);
    const x = randn([2, 4, 3]);
    expect(lin.forward(x).shape).toEqual([2, 4, 2]);
    expect(lin.weight.shape).toEqual([2, 3]);
    const nb = new Linear(3, 2, { bias: false });
    expect(nb.bias).toBeNull();
    expect(() => lin.forward(randn([2, 4]))).toThrow(/linear: argument 'x' expected shape \[\.\.\., 3\]/);
    expect(() => lin.forward(randn([2, 3], f64))).toThrow(/linear: argument 'x' expected dtype float32/);
  });

  it("PyTorch initialisation bounds: U(±1/√in) for weight and bias", () => {
    manualSeed(0);
    const lin = new Linear(16, 64);
    const b = 1 / Math.sqrt(16);
    for (const v of lin.weight.toFlatArray()) expect(Math.abs(v)).toBeLessThanOrEqual(b);
    for (const v of lin.bias!.toFlatArray()) expect(Math.abs(v)).toBeLessThanOrEqual(b);
    expect(Math.max(...lin.weight.toFlatArray())).toBeGreaterThan(0.9 * b);
  });

  it("accepts a SparseMatrix input like the dense one", () => {
    const lin = new Linear(3, 2, { dtype: "float64" });
    const dense = tensor(
      [
        [0, 2, 0],
        [1, 0, -1],
      ],
      f64,
    );
    const sp = SparseMatrix.fromDense(dense);
    expectClose(lin.forward(sp), lin.forward(dense), 12);
  });

  it("gradcheck in float64 (x, weight, bias)", () => {
    gradcheck(
      (x, w, b) => F.linear(x!, w!, b!),
      [rnd([2, 3, 4], 1).requiresGrad_(), rnd([5, 4], 2).requiresGrad_(), rnd([5], 3).requiresGrad_()],
    );
    gradcheck((x, w) => F.linear(x!, w!), [rnd([4], 4).requiresGrad_(), rnd([2, 4], 5).requiresGrad_()]);
    const lin = new Linear(3, 2).double();
    gradcheck((x) => lin.forward(x!), [rnd([4, 3], 6).requiresGrad_()]);
  });
});

describe("Bilinear", () => {
  it("known values and shape", () => {
    const bl = new Bilinear(2, 3, 1, { dtype: "float64" });
    bl.weight.copy_(
      tensor(
        [
          [
            [1, 0, 2],
            [0, 1, 0],
          ],
        ],
        f64,
      ),
    );
    bl.bias!.copy_(tensor([1], f64));
    // x1ᵀ W x2 + b = [1, 2]·[[1,0,2],[0,1,0]]·[1, 1, 1] + 1 = (1·3 + 2·1) + 1 = 6
    expect(bl.forward(tensor([[1, 2]], f64), tensor([[1, 1, 1]], f64)).toArray()).toEqual([[6]]);
    expect(new Bilinear(2, 3, 4).forward(randn([5, 2]), randn([5, 3])).shape).toEqual([5, 4]);
    expect(() => bl.forward(tensor([[1, 2]], f64), tensor([[1, 1]], f64))).toThrow(
      /bilinear: argument 'x2' expected shape \[1, 3\]/,
    );
  });

  it("gradcheck in float64", () => {
    gradcheck(
      (a, b, w, bias) => F.bilinear(a!, b!, w!, bias!),
      [
        rnd([3, 2], 1).requiresGrad_(),
        rnd([3, 4], 2).requiresGrad_(),
        rnd([5, 2, 4], 3).requiresGrad_(),
        rnd([5], 4).requiresGrad_(),
      ],
    );
  });
});

describe("Embedding", () => {
  it("looks up rows; the padding row is zero and gets no gradient", () => {
    const emb = new Embedding(4, 3, { paddingIdx: 0, dtype: "float64" });
    expect(emb.weight.toFlatArray().slice(0, 3)).toEqual([0, 0, 0]);
    const idx = tensor(
      [
        [1, 0],
        [3, 1],
      ],
      { dtype: "int32" },
    );
    const y = emb.forward(idx);
    expect(y.shape).toEqual([2, 2, 3]);
    const w = emb.weight.toArray() as number[][];
    expect(y.toArray()).toEqual([
      [w[1], [0, 0, 0]],
      [w[3], w[1]],
    ]);
    y.sum().backward();
    expect(emb.weight.grad!.toArray()).toEqual([
      [0, 0, 0],
      [2, 2, 2],
      [0, 0, 0],
      [1, 1, 1],
    ]);
    expect(() => emb.forward(tensor([4], { dtype: "int32" }))).toThrow(
      /embedding: argument 'index' expected values in \[0, 3\], got 4/,
    );
  });
});

describe("normalisation", () => {
  it("LayerNorm normalises the last axes; gradcheck with affine parameters", () => {
    const ln = new LayerNorm(4, { dtype: "float64" });
    const y = ln.forward(tensor([[1, 2, 3, 4]], f64));
    const m = 2.5;
    const sd = Math.sqrt(1.25 + 1e-5);
    expectClose(
      y,
      [1, 2, 3, 4].map((v) => (v - m) / sd),
      10,
    );
    expect(new LayerNorm([2, 3]).forward(randn([4, 2, 3])).shape).toEqual([4, 2, 3]);
    gradcheck(
      (x, w, b) => F.layerNorm(x!, [3], w!, b!),
      [rnd([2, 4, 3], 1).requiresGrad_(), rnd([3], 2).requiresGrad_(), rnd([3], 3).requiresGrad_()],
    );
    gradcheck((x) => F.layerNorm(x!, [2, 3]), [rnd([2, 2, 3], 4).requiresGrad_()]);
    expect(() => ln.forward(randn([2, 3]))).toThrow(/layerNorm: argument 'x' expected shape \[\.\.\., 4\]/);
  });

  it("BatchNorm1d: batch statistics, running stats (PyTorch update), eval mode", () => {
    const bn = new BatchNorm1d(2, { dtype: "float64" });
    const x = tensor(
      [
        [1, 10],
        [3, 20],
        [5, 60],
      ],
      f64,
    );
    const y = bn.forward(x);
    // channel 0: mean 3, biased var 8/3
    expectClose(
      y.narrow(1, 0, 1),
      [-2, 0, 2].map((v) => v / Math.sqrt(8 / 3 + 1e-5)),
      10,
    );
    // running: 0.9·0 + 0.1·mean; 0.9·1 + 0.1·unbiased var (4 and 700)
    expectClose(bn.runningMean!, [0.3, 3], 12);
    expectClose(bn.runningVar!, [0.9 + 0.4, 0.9 + 70], 12);
    expect(bn.getBuffer("num_batches_tracked")!.item()).toBe(1);
    bn.eval();
    const ye = bn.forward(tensor([[0.3 + Math.sqrt(1.3 + 1e-5), 3]], f64));
    expectClose(ye, [1, 0], 12);
    expect(bn.getBuffer("num_batches_tracked")!.item()).toBe(1);
    expect(Object.keys(bn.stateDict())).toEqual([
      "weight",
      "bias",
      "running_mean",
      "running_var",
      "num_batches_tracked",
    ]);
    // 3-D input [N, C, L]
    const bn3 = new BatchNorm1d(3);
    expect(bn3.forward(randn([4, 3, 5])).shape).toEqual([4, 3, 5]);
    expect(() => bn3.forward(randn([1, 3]))).toThrow(/batchNorm: argument 'x' expected more than 1 value per channel/);
    expect(() => bn3.forward(randn([4, 2]))).toThrow(/batchNorm: argument 'runningMean' expected shape \[2\]/);
  });

  it("BatchNorm1d: cumulative average with momentum null, no running stats", () => {
    const bn = new BatchNorm1d(1, { momentum: null, dtype: "float64" });
    bn.forward(tensor([[0], [2]], f64));
    bn.forward(tensor([[4], [6]], f64));
    expectClose(bn.runningMean!, [3], 12); // average of batch means 1 and 5
    const free = new BatchNorm1d(2, { trackRunningStats: false });
    expect(free.runningMean).toBeNull();
    expect(Object.keys(free.stateDict())).toEqual(["weight", "bias"]);
    free.eval();
    expect(free.forward(randn([3, 2])).shape).toEqual([3, 2]);
  });

  it("BatchNorm1d gradcheck in training mode", () => {
    const rm = tensor([0, 0, 0], f64);
    const rv = tensor([1, 1, 1], f64);
    gradcheck(
      (x, w, b) => F.batchNorm(x!, rm, rv, w!, b!, true),
      [rnd([5, 3], 1).requiresGrad_(), rnd([3], 2).requiresGrad_(), rnd([3], 3).requiresGrad_()],
    );
    gradcheck((x) => F.batchNorm(x!, null, null, null, null, true), [rnd([4, 2, 3], 4).requiresGrad_()]);
  });
});

describe("activations and dropout", () => {
  it("values", () => {
    const x = tensor([-1, 0, 2], f64);
    expect(new ReLU().forward(x).toFlatArray()).toEqual([0, 0, 2]);
    expectClose(new LeakyReLU(0.1).forward(x), [-0.1, 0, 2], 12);
    expectClose(new ELU().forward(x), [Math.exp(-1) - 1, 0, 2], 12);
    expectClose(new Tanh().forward(x), [-1, 0, 2].map(Math.tanh), 12);
    expectClose(
      new Sigmoid().forward(x),
      [-1, 0, 2].map((v) => 1 / (1 + Math.exp(-v))),
      12,
    );
    expectClose(
      new SiLU().forward(x),
      [-1, 0, 2].map((v) => v / (1 + Math.exp(-v))),
      12,
    );
    expectClose(
      new Softplus().forward(x),
      [-1, 0, 2].map((v) => Math.log1p(Math.exp(v))),
      12,
    );
    expectClose(new GELU().forward(tensor([0, 1], f64)), [0, 0.8413447460685429], 9);
    expect(new Identity().forward(x)).toBe(x);
    expectClose(new PReLU().forward(x), [-0.25, 0, 2], 6);
    expect(activation("leaky_relu")).toBeInstanceOf(LeakyReLU);
    expect(() => activation("nope")).toThrow(/activation: argument 'name'/);
  });

  it("Dropout: scaled in training, identity in eval, seeded", () => {
    const x = tensor(new Array(1000).fill(1), f64);
    const d = new Dropout(0.3, new Generator(5));
    const y = d.forward(x).toFlatArray();
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-12)).toBe(true);
    expect(kept.length).toBeGreaterThan(630);
    expect(kept.length).toBeLessThan(770);
    const again = new Dropout(0.3, new Generator(5)).forward(x).toFlatArray();
    expect(again).toEqual(y);
    d.eval();
    expect(d.forward(x)).toBe(x);
  });
});

describe("MLP", () => {
  it("layers, names and shapes like PyG's MLP", () => {
    manualSeed(0);
    const mlp = new MLP([4, 8, 8, 2], { dropout: 0.5 });
    expect(mlp.lins.length).toBe(3);
    expect(mlp.norms.length).toBe(2);
    expect(mlp.dropouts).toEqual([0.5, 0.5, 0]);
    expect(Object.keys(mlp.stateDict()).slice(0, 8)).toEqual([
      "lins.0.weight",
      "lins.0.bias",
      "lins.1.weight",
      "lins.1.bias",
      "lins.2.weight",
      "lins.2.bias",
      "norms.0.weight",
      "norms.0.bias",
    ]);
    expect(mlp.forward(randn([5, 4])).shape).toEqual([5, 2]);
    mlp.eval();
    const x = randn([3, 4]);
    expect(mlp.forward(x).toFlatArray()).toEqual(mlp.forward(x).toFlatArray());
    expect(mlp.inChannels).toBe(4);
    expect(mlp.outChannels).toBe(2);
  });

  it("options: no norm, layer norm, custom activation, not plain last", () => {
    const a = new MLP([3, 5, 1], { norm: null, act: "tanh", dtype: "float64" });
    expect(a.norms.at(0)).toBeInstanceOf(Identity);
    const h = a.lins.at(1).forward(
      a.lins
        .at(0)
        .forward(tensor([[1, 2, 3]], f64))
        .tanh(),
    );
    expectClose(a.forward(tensor([[1, 2, 3]], f64)), h, 12);
    const b = new MLP([3, 5, 2], { norm: "layerNorm", plainLast: false, act: new ELU() });
    expect(b.norms.length).toBe(2);
    expect(b.norms.at(1)).toBeInstanceOf(LayerNorm);
    expect(b.forward(randn([2, 3])).shape).toEqual([2, 2]);
    expect(() => new MLP([3])).toThrow(/MLP: argument 'channels'/);
    expect(() => new MLP([3, 4], { dropout: [0.1, 0.2] })).toThrow(/MLP: argument 'dropout' expected 1 probabilities/);
  });
});
