import { describe, expect, it } from "vitest";
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  assertEquivariant,
  BatchNorm2d,
  BatchNorm3d,
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose2d,
  Generator,
  GroupNorm,
  gradcheck,
  gridAction,
  MaxPool2d,
  randn,
  Sequential,
  type Tensor,
  TranslationGroup,
  Upsample,
} from "../src/index.js";

describe("Conv layers", () => {
  it("parameter names, shapes and PyTorch-style init bounds", () => {
    const conv = new Conv2d(4, 6, [3, 2], { groups: 2, generator: new Generator(0) });
    expect(conv.namedParameters().map(([n, p]) => [n, [...p.shape]])).toEqual([
      ["weight", [6, 2, 3, 2]],
      ["bias", [6]],
    ]);
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    for (const v of conv.weight.data) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(Object.keys(new Conv1d(2, 3, 3, { bias: false }).stateDict())).toEqual(["weight"]);
    expect(new Conv3d(1, 2, 3).weight.shape).toEqual([2, 1, 3, 3, 3]);
    const ct = new ConvTranspose2d(4, 6, 3, { groups: 2, stride: 2 });
    expect(ct.weight.shape).toEqual([4, 3, 3, 3]);
    expect(ct.forward(randn([1, 4, 5, 5])).shape).toEqual([1, 6, 11, 11]);
    expect(conv.toString()).toContain("Conv2d(4, 6, kernelSize=[3, 2]");
  });

  it("constructor errors", () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(
      /Conv2d: argument 'inChannels' expected a multiple of groups = 2, got 3/,
    );
    expect(() => new Conv2d(2, 4, [3])).toThrow(
      /Conv2d: argument 'kernelSize' expected a positive integer or 2 of them/,
    );
  });

  it("a circular-padded conv layer stack is translation equivariant (checker)", () => {
    const g = new Generator(1);
    const net = new Sequential(
      new Conv2d(2, 4, 3, { padding: 1, paddingMode: "circular", generator: g }),
      new Conv2d(4, 3, 5, { padding: 2, paddingMode: "circular", generator: g }),
    );
    const T = new TranslationGroup([8, 8]);
    const act = gridAction(T);
    const r = assertEquivariant((x: Tensor) => net.forward(x), {
      group: T,
      inputAction: act,
      outputAction: act,
      inputs: [randn([2, 2, 8, 8], { generator: g })],
      samples: 6,
      atol: 1e-4,
      rtol: 1e-5,
    });
    expect(r.maxRelError).toBeLessThan(1e-5);
  });

  it("a small CNN learns (loss decreases)", () => {
    const g = new Generator(2);
    const net = new Sequential(
      new Conv2d(1, 4, 3, { padding: 1, generator: g }),
      new MaxPool2d(2),
      new Conv2d(4, 2, 3, { padding: 1, generator: g }),
      new AdaptiveAvgPool2d(1),
    );
    const x = randn([8, 1, 8, 8], { generator: g });
    // target: class 0 if the top half is brighter
    const y: number[] = [];
    for (let n = 0; n < 8; n++) {
      let top = 0;
      for (let i = 0; i < 32; i++) top += x.data[n * 64 + i]! - x.data[n * 64 + 32 + i]!;
      y.push(top > 0 ? 1 : -1);
    }
    const yt = randn([8]).mul(0);
    yt.data.set(y);
    const lossOf = () => {
      const out = net.forward(x).reshape([8, 2]);
      const z = out
        .narrow(1, 0, 1)
        .sub(out.narrow(1, 1, 1))
        .reshape([8]);
      return z.mul(yt).neg().softplus().mean();
    };
    const l0 = lossOf().item();
    for (let it = 0; it < 30; it++) {
      net.zeroGrad();
      const l = lossOf();
      l.backward();
      for (const p of net.parameters()) {
        const gd = p.grad!.data;
        for (let i = 0; i < p.size; i++) p.data[i]! -= 0.5 * gd[i]!;
      }
    }
    expect(lossOf().item()).toBeLessThan(l0 * 0.8);
  });
});

describe("BatchNorm2d / BatchNorm3d", () => {
  it("training normalises per channel and updates running stats; eval uses them", () => {
    const g = new Generator(3);
    const bn = new BatchNorm2d(3);
    const x = randn([4, 3, 5, 5], { generator: g, mean: 2, std: 3 });
    const y = bn.forward(x);
    for (let c = 0; c < 3; c++) {
      let s = 0;
      let s2 = 0;
      let m0 = 0;
      for (let n = 0; n < 4; n++)
        for (let i = 0; i < 25; i++) {
          const v = y.data[(n * 3 + c) * 25 + i]!;
          s += v;
          s2 += v * v;
          m0 += x.data[(n * 3 + c) * 25 + i]!;
        }
      expect(Math.abs(s / 100)).toBeLessThan(1e-4);
      expect(Math.abs(s2 / 100 - 1)).toBeLessThan(1e-3);
      expect(bn.runningMean!.data[c]).toBeCloseTo(0.1 * (m0 / 100), 4);
    }
    expect(bn.getBuffer("num_batches_tracked")!.item()).toBe(1);
    expect(Object.keys(bn.stateDict())).toEqual([
      "weight",
      "bias",
      "running_mean",
      "running_var",
      "num_batches_tracked",
    ]);
    bn.eval();
    const ye = bn.forward(x);
    const rm = bn.runningMean!.data;
    const rv = bn.runningVar!.data;
    expect(ye.data[0]).toBeCloseTo((x.data[0]! - rm[0]!) / Math.sqrt(rv[0]! + 1e-5), 4);
    expect(() => bn.forward(randn([2, 4, 3, 3]))).toThrow(/BatchNorm2d: argument 'input' expected 3 channels, got 4/);
    expect(() => bn.forward(randn([2, 3, 3]))).toThrow(/BatchNorm2d: argument 'input' expected 4-D/);
  });
  it("gradcheck (training mode) and 3-D", () => {
    const g = new Generator(4);
    const bn = new BatchNorm2d(2, { dtype: "float64" });
    gradcheck(
      (x) => bn.forward(x!).mul(randn([2, 2, 3, 3], { dtype: "float64", generator: new Generator(9) })),
      [randn([2, 2, 3, 3], { generator: g, dtype: "float64" }).requiresGrad_()],
    );
    const bn3 = new BatchNorm3d(2);
    expect(bn3.forward(randn([2, 2, 3, 3, 3])).shape).toEqual([2, 2, 3, 3, 3]);
  });
});

describe("GroupNorm", () => {
  it("normalises each (sample, group) and matches a manual computation", () => {
    const g = new Generator(5);
    const gn = new GroupNorm(2, 4);
    const x = randn([2, 4, 3, 3], { generator: g, mean: 1, std: 2 });
    const y = gn.forward(x);
    // group (n=1, g=1) = channels 2, 3 of sample 1
    const vals: number[] = [];
    for (let c = 2; c < 4; c++) for (let i = 0; i < 9; i++) vals.push(x.data[(4 + c) * 9 + i]!);
    const m = vals.reduce((a, b) => a + b, 0) / vals.length;
    const v = vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length;
    expect(y.data[(4 + 2) * 9]).toBeCloseTo((vals[0]! - m) / Math.sqrt(v + 1e-5), 4);
    expect(() => new GroupNorm(3, 4)).toThrow(
      /GroupNorm: argument 'numChannels' expected a positive multiple of numGroups = 3, got 4/,
    );
  });
  it("gradcheck including the affine parameters", () => {
    const g = new Generator(6);
    const gn = new GroupNorm(2, 4, { dtype: "float64" });
    gn.weight!.data.set([1, 2, -1, 0.5]);
    gradcheck(
      (x) => gn.forward(x!).mul(randn([2, 4, 2, 2], { dtype: "float64", generator: new Generator(8) })),
      [randn([2, 4, 2, 2], { generator: g, dtype: "float64" }).requiresGrad_()],
    );
  });
});

describe("pooling and upsampling modules", () => {
  it("shapes", () => {
    const x = randn([2, 3, 8, 8]);
    expect(new MaxPool2d(2).forward(x).shape).toEqual([2, 3, 4, 4]);
    expect(new AvgPool2d(3, { stride: 2, padding: 1 }).forward(x).shape).toEqual([2, 3, 4, 4]);
    expect(new AdaptiveAvgPool2d([2, 1]).forward(x).shape).toEqual([2, 3, 2, 1]);
    expect(new Upsample({ scaleFactor: 2, mode: "bilinear" }).forward(x).shape).toEqual([2, 3, 16, 16]);
    expect(new Upsample({ size: [5, 6] }).forward(x).shape).toEqual([2, 3, 5, 6]);
  });
});
