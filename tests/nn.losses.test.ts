import { describe, expect, it } from "vitest";
import * as F from "../src/nn/functional.js";
import { BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss } from "../src/nn/index.js";
import { Generator, gradcheck, logSoftmax, randn, type Tensor, tensor } from "../src/tensor/index.js";

const f64 = { dtype: "float64" as const };
const i32 = { dtype: "int32" as const };

function rnd(shape: number[], seed: number): Tensor {
  return randn(shape, { dtype: "float64", generator: new Generator(seed) });
}

const X = [
  [1, 2, 3],
  [1, -1, 0.5],
  [0.2, 0.1, -0.3],
  [2, 0, 0],
];

// Reference values computed with PyTorch's formulas in float64 (see each comment).
describe("classification losses", () => {
  it("crossEntropy: plain, weighted with ignoreIndex, label smoothing", () => {
    // log(e + e² + e³) − 3
    expect(F.crossEntropy(tensor([[1, 2, 3]], f64), tensor([2], i32)).item()).toBeCloseTo(0.40760596444438013, 12);
    expect(F.crossEntropy(tensor([1, 2, 3], f64), tensor(2, i32)).item()).toBeCloseTo(0.40760596444438013, 12);
    const x = tensor(X, f64);
    const y = tensor([2, 0, 1, -100], i32);
    const weight = tensor([1, 2, 0.5], f64);
    // Σ −w[y]·logp[y] / Σ w[y] over non-ignored rows
    expect(F.crossEntropy(x, y, { weight }).item()).toBeCloseTo(0.8001186322773426, 12);
    expect(F.crossEntropy(x, y, { weight, labelSmoothing: 0.1 }).item()).toBeCloseTo(0.8657435965614055, 12);
    const none = F.crossEntropy(x, y, { labelSmoothing: 0.1, reduction: "none" });
    expect(none.shape).toEqual([4]);
    [0.50760596, 0.63829025, 1.03082766, 0].forEach((v, i) => {
      expect(none.toFlatArray()[i]).toBeCloseTo(v, 7);
    });
    expect(F.crossEntropy(x, y, { labelSmoothing: 0.1, reduction: "sum" }).item()).toBeCloseTo(2.176723872972963, 12);
    expect(new CrossEntropyLoss({ weight }).forward(x, y).item()).toBeCloseTo(0.8001186322773426, 12);
  });

  it("crossEntropy: probability targets, masks and [N, C, d] inputs", () => {
    const x = tensor(X, f64);
    const t = tensor(
      [
        [0.2, 0.3, 0.5],
        [1, 0, 0],
        [0, 0.5, 0.5],
        [0.1, 0.1, 0.8],
      ],
      f64,
    );
    expect(F.crossEntropy(x, t).item()).toBeCloseTo(1.2307338264653787, 12);
    const y = tensor([2, 0, 1, 0], i32);
    const mask = tensor([true, false, false, true]);
    const sub = F.crossEntropy(tensor([X[0]!, X[3]!], f64), tensor([2, 0], i32)).item();
    expect(F.crossEntropy(x, y, { mask }).item()).toBeCloseTo(sub, 12);
    expect(F.crossEntropy(x, y, { mask: tensor([0, 3], i32) }).item()).toBeCloseTo(sub, 12);
    // [N, C, d] equals the flattened [N·d, C] problem
    const x3 = rnd([2, 3, 4], 1);
    const y3 = tensor(
      [
        [0, 1, 2, 1],
        [2, 2, 0, 1],
      ],
      i32,
    );
    const flat = F.crossEntropy(x3.permute([0, 2, 1]).reshape([8, 3]), y3.reshape([8]), { reduction: "none" });
    const nd = F.crossEntropy(x3, y3, { reduction: "none" });
    expect(nd.shape).toEqual([2, 4]);
    expect(nd.toFlatArray()).toEqual(flat.toFlatArray());
  });

  it("nllLoss equals crossEntropy on log-probabilities", () => {
    const x = tensor(X, f64);
    const y = tensor([2, 0, 1, 0], i32);
    expect(F.nllLoss(logSoftmax(x, 1), y).item()).toBeCloseTo(F.crossEntropy(x, y).item(), 12);
    expect(new NLLLoss({ reduction: "sum" }).forward(logSoftmax(x, 1), y).item()).toBeCloseTo(
      4 * F.crossEntropy(x, y).item(),
      12,
    );
  });

  it("gradcheck: crossEntropy (weights, smoothing, ignore, soft, N-d), nllLoss", () => {
    const y = tensor([2, 0, 1, -100, 1], i32);
    const weight = tensor([1, 2, 0.5], f64);
    gradcheck((x) => F.crossEntropy(x!, y), [rnd([5, 3], 1).requiresGrad_()]);
    gradcheck((x) => F.crossEntropy(x!, y, { weight, labelSmoothing: 0.2 }), [rnd([5, 3], 2).requiresGrad_()]);
    gradcheck(
      (x) => F.crossEntropy(x!, y, { labelSmoothing: 0.1, reduction: "none" }),
      [rnd([5, 3], 3).requiresGrad_()],
    );
    gradcheck((x) => F.crossEntropy(x!, y, { reduction: "sum", weight }), [rnd([5, 3], 4).requiresGrad_()]);
    gradcheck(
      (x, t) => F.crossEntropy(x!, t!.softmax(1)),
      [rnd([4, 3], 5).requiresGrad_(), rnd([4, 3], 6).requiresGrad_()],
    );
    gradcheck(
      (x) =>
        F.crossEntropy(
          x!,
          tensor(
            [
              [0, 2],
              [1, 1],
            ],
            i32,
          ),
        ),
      [rnd([2, 3, 2], 7).requiresGrad_()],
    );
    gradcheck((x) => F.nllLoss(x!, y, { weight, reduction: "none" }), [rnd([5, 3], 8).requiresGrad_()]);
  });

  it("errors: bad targets, shapes, all ignored", () => {
    const x = tensor(X, f64);
    expect(() => F.crossEntropy(x, tensor([0, 1, 3, 0], i32))).toThrow(
      /crossEntropy: argument 'target' expected class indices in \[0, 2\] \(or ignoreIndex -100\), got 3 at \[2\]/,
    );
    expect(() => F.crossEntropy(x, tensor([0, 1], i32))).toThrow(
      /crossEntropy: argument 'target' expected shape \[4\]/,
    );
    expect(() => F.crossEntropy(x, tensor([0, 1, 1, 0], { dtype: "bool" }))).toThrow(
      /crossEntropy: argument 'target' expected int32 class indices/,
    );
    expect(() => F.crossEntropy(x, tensor([-100, -100, -100, -100], i32))).toThrow(
      /crossEntropy: output contains NaN .*every target is ignoreIndex/,
    );
    expect(() => F.crossEntropy(x, tensor([0, 1, 1, 0], i32), { mask: tensor([true, false]) })).toThrow(
      /crossEntropy: argument 'mask' expected shape \[4\]/,
    );
    expect(() => F.crossEntropy(x, tensor([0, 1, 1, 0], i32), { labelSmoothing: 2 })).toThrow(
      /argument 'labelSmoothing'/,
    );
  });
});

describe("NaN / Inf detection", () => {
  it("names the loss, the argument and the position", () => {
    const bad = randn([20, 5], f64);
    bad.data[12 * 5 + 3] = Number.NaN;
    expect(() => F.crossEntropy(bad, tensor(new Array(20).fill(0), i32))).toThrow(
      "crossEntropy: argument 'input' contains NaN at [12, 3]",
    );
    const inf = tensor([1, Number.POSITIVE_INFINITY], f64);
    expect(() => F.mseLoss(tensor([1, 2], f64), inf)).toThrow("mseLoss: argument 'target' contains Inf at [1]");
    expect(() => F.l1Loss(tensor([Number.NEGATIVE_INFINITY], f64), tensor([1], f64))).toThrow(
      "l1Loss: argument 'input' contains -Inf at [0]",
    );
    // finite inputs whose loss overflows
    expect(() => F.mseLoss(tensor([1e200], f64), tensor([-1e200], f64))).toThrow(
      /mseLoss: output contains Inf although the inputs are finite/,
    );
  });
});

describe("regression and binary losses", () => {
  const x = tensor([0.5, -2, 1.5], f64);
  const z = tensor([0, 0, 0], f64);

  it("known values", () => {
    expect(F.mseLoss(x, z).item()).toBeCloseTo((0.25 + 4 + 2.25) / 3, 12);
    expect(F.mseLoss(x, z, { reduction: "sum" }).item()).toBeCloseTo(6.5, 12);
    expect(F.l1Loss(x, z).item()).toBeCloseTo(4 / 3, 12);
    expect(F.l1Loss(x, z, { reduction: "none" }).toFlatArray()).toEqual([0.5, 2, 1.5]);
    expect(F.huberLoss(x, z).item()).toBeCloseTo(0.875, 12);
    expect(F.smoothL1Loss(x, z, { beta: 2 }).item()).toBeCloseTo(0.5416666666666666, 12);
    expect(new HuberLoss({ delta: 1 }).forward(x, z).item()).toBeCloseTo(0.875, 12);
    expect(new MSELoss().forward(x, z).item()).toBeCloseTo(6.5 / 3, 12);
    expect(new L1Loss({ mask: tensor([true, false, false]) }).forward(x, z).item()).toBeCloseTo(0.5, 12);
    const logits = tensor([-2, 0.5, 3], f64);
    const t = tensor([0, 1, 0.3], f64);
    expect(F.binaryCrossEntropyWithLogits(logits, t).item()).toBeCloseTo(0.9165307822656078, 12);
    expect(F.binaryCrossEntropyWithLogits(logits, t, { posWeight: tensor([2], f64) }).item()).toBeCloseTo(
      1.0794151788163502,
      12,
    );
    expect(new BCEWithLogitsLoss().forward(logits, t).item()).toBeCloseTo(0.9165307822656078, 12);
    expect(F.binaryCrossEntropy(logits.sigmoid(), t).item()).toBeCloseTo(0.9165307822656078, 10);
    // stable for large logits
    expect(F.binaryCrossEntropyWithLogits(tensor([1000, -1000], f64), tensor([1, 0], f64)).item()).toBe(0);
    expect(F.binaryCrossEntropy(tensor([0], f64), tensor([1], f64)).item()).toBe(100);
    expect(() => F.mseLoss(x, tensor([1, 2], f64))).toThrow(
      /mseLoss: argument 'target' expected shape \[3\] \(like 'input'\), got \[2\]/,
    );
    expect(() => F.binaryCrossEntropy(tensor([1.5], f64), tensor([1], f64))).toThrow(
      /binaryCrossEntropy: argument 'input' expected probabilities in \[0, 1\], got 1.5 at \[0\]/,
    );
  });

  it("gradcheck", () => {
    const t = rnd([4, 3], 9);
    gradcheck((a) => F.mseLoss(a!, t), [rnd([4, 3], 1).requiresGrad_()]);
    gradcheck(
      (a, b) => F.l1Loss(a!, b!, { reduction: "sum" }),
      [rnd([4, 3], 2).requiresGrad_(), t.clone().requiresGrad_()],
    );
    gradcheck((a) => F.huberLoss(a!, t, { delta: 0.7 }), [rnd([4, 3], 3).requiresGrad_()]);
    gradcheck((a) => F.smoothL1Loss(a!, t, { beta: 0.5, reduction: "none" }), [rnd([4, 3], 4).requiresGrad_()]);
    const p = rnd([4, 3], 5).sigmoid();
    gradcheck(
      (a, b) =>
        F.binaryCrossEntropyWithLogits(a!, b!, { posWeight: tensor([1, 2, 3], f64), weight: tensor([0.5], f64) }),
      [rnd([4, 3], 6).requiresGrad_(), p.clone().requiresGrad_()],
    );
    gradcheck((a) => F.binaryCrossEntropy(a!.sigmoid(), p), [rnd([4, 3], 7).requiresGrad_()]);
  });
});
