import { describe, expect, it } from "vitest";
import { Parameter } from "../src/nn/module.js";
import { Adagrad, Adam, AdamW, clipGradNorm, clipGradValue, type Optimizer, RMSprop, SGD } from "../src/optim/index.js";
import { type Tensor, tensor } from "../src/tensor/index.js";

/** Runs the optimizer for each gradient (set by hand) and records the parameter after each step. */
function run(make: (p: Tensor) => Optimizer, grads: number[][], p0 = [1, -2]): number[][] {
  const p = new Parameter(tensor(p0, { dtype: "float64" }));
  const opt = make(p);
  const out: number[][] = [];
  for (const g of grads) {
    opt.zeroGrad();
    p.grad = tensor(g, { dtype: "float64" });
    opt.step();
    out.push(p.toFlatArray());
  }
  return out;
}

function close(actual: number[][], expected: number[][], digits = 12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    row.forEach((v, j) => {
      expect(v).toBeCloseTo(expected[i]![j]!, digits);
    });
  });
}

const G = [
  [0.5, -1],
  [3, 0.2],
];

// Expected values follow PyTorch's update formulas (torch.optim, single-tensor path), computed in
// float64 by hand. E.g. Adam's first step is p − lr·g/(|g| + eps): 1 − 0.1·0.5/(0.5 + 1e-8) = 0.900000002.
describe("optimizers match PyTorch's update formulas", () => {
  it("Adam: first two steps", () => {
    close(
      run((p) => new Adam([p], { lr: 0.1 }), G),
      [
        [0.900000002, -1.900000001],
        [0.8155874769292906, -1.8488973939904945],
      ],
    );
  });

  it("Adam with L2 weight decay and AMSGrad", () => {
    close(
      run((p) => new Adam([p], { lr: 0.1, weightDecay: 0.1 }), G),
      [
        [0.9000000016666666, -1.9000000008333333],
        [0.814183240721859, -1.8336169077420748],
      ],
    );
    close(
      run(
        (p) => new Adam([p], { lr: 0.1, amsgrad: true }),
        [
          [0.5, -1],
          [0.1, 0.2],
        ],
      ),
      [
        [0.900000002, -1.900000001],
        [0.8196959063846517, -1.8488973939904945],
      ],
    );
  });

  it("AdamW: decoupled decay (default 0.01) applied before the step", () => {
    close(
      run((p) => new AdamW([p], { lr: 0.1, weightDecay: 0.1 }), G),
      [
        [0.890000002, -1.880000001],
        [0.7966874769092905, -1.8100973939804945],
      ],
    );
    const p = new Parameter(tensor([1], { dtype: "float64" }));
    expect(new AdamW([p]).paramGroups[0]!.weightDecay).toBe(0.01);
  });

  it("SGD: momentum, dampening, nesterov + weight decay", () => {
    close(
      run((p) => new SGD([p], { lr: 0.1, momentum: 0.9 }), G),
      [
        [0.95, -1.9],
        [0.605, -1.83],
      ],
    );
    close(
      run((p) => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 }), G),
      [
        [0.95, -1.9],
        [0.755, -1.82],
      ],
    );
    close(
      run((p) => new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }), G),
      [
        [0.9031, -1.8062],
        [0.29007411, -1.75814822],
      ],
    );
    close(
      run((p) => new SGD([p], { lr: 0.5 }), [[1, 1]]),
      [[0.5, -2.5]],
    );
    expect(() => new SGD([new Parameter(tensor([1]))], { nesterov: true })).toThrow(/SGD: argument 'nesterov'/);
  });

  it("RMSprop: plain and centered with momentum", () => {
    close(
      run((p) => new RMSprop([p]), G),
      [
        [0.900000019999996, -1.900000009999999],
        [0.801347298510718, -1.9197065936215374],
      ],
    );
    close(
      run((p) => new RMSprop([p], { centered: true, momentum: 0.5 }), G),
      [
        [0.899496238676095, -1.8994962285750878],
        [0.7499335578814952, -1.8690109024675494],
      ],
    );
  });

  it("Adagrad: lr decay and initial accumulator", () => {
    close(
      run((p) => new Adagrad([p], { lrDecay: 0.1, initialAccumulatorValue: 0.1 }), G),
      [
        [0.9915484574541434, -1.9904653741084533],
        [0.9826293219066934, -1.9921682574020787],
      ],
    );
  });

  it("updates in place, bumps version, skips parameters without grad", () => {
    const a = new Parameter(tensor([1, 2]));
    const b = new Parameter(tensor([3]));
    const data = a.data;
    const opt = new SGD([a, b], { lr: 1 });
    a.grad = tensor([1, 1]);
    opt.step();
    expect(a.data).toBe(data);
    expect(a.toFlatArray()).toEqual([0, 1]);
    expect(a.version).toBe(1);
    expect(b.toFlatArray()).toEqual([3]);
    expect(b.version).toBe(0);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it("parameter groups with their own lr and weight decay", () => {
    const a = new Parameter(tensor([1], { dtype: "float64" }));
    const b = new Parameter(tensor([1], { dtype: "float64" }));
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5, weightDecay: 1 }], { lr: 0.1 });
    a.grad = tensor([1], { dtype: "float64" });
    b.grad = tensor([1], { dtype: "float64" });
    opt.step();
    expect(a.item()).toBeCloseTo(0.9, 12);
    expect(b.item()).toBeCloseTo(0, 12); // 1 − 0.5·(1 + 1·1)
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    expect(() => new SGD([{ params: [a] }, { params: [a] }])).toThrow(/more than one parameter group/);
    expect(() => new SGD([])).toThrow(/SGD: argument 'params'/);
    expect(() => new Adam([a], { lr: -1 })).toThrow(/Adam: argument 'lr' expected a value >= 0, got -1/);
    expect(() => new Adam([a], { betas: [1, 0.9] })).toThrow(/betas\[0\]/);
  });

  it("step(closure) returns the loss", () => {
    const p = new Parameter(tensor([2], { dtype: "float64" }));
    const opt = new SGD([p], { lr: 0.25 });
    const loss = opt.step(() => {
      p.grad = tensor([2 * p.item()], { dtype: "float64" });
      return p.item() ** 2;
    });
    expect(loss).toBe(4);
    expect(p.item()).toBe(1);
  });

  it("state dict round trip resumes identically", () => {
    const grads = [
      [0.5, -1],
      [3, 0.2],
      [-1, 0.7],
    ];
    const full = run((p) => new Adam([p], { lr: 0.1 }), grads);
    const p = new Parameter(tensor([1, -2], { dtype: "float64" }));
    const opt = new Adam([p], { lr: 0.1 });
    for (const g of grads.slice(0, 2)) {
      p.grad = tensor(g, { dtype: "float64" });
      opt.step();
    }
    const sd = opt.stateDict();
    expect(sd.state[0]!.step).toBe(2);
    expect(sd.paramGroups[0]!.params).toEqual([0]);
    const p2 = new Parameter(tensor(p.toFlatArray(), { dtype: "float64" }));
    const opt2 = new Adam([p2], { lr: 0.5 });
    opt2.loadStateDict(sd);
    expect(opt2.paramGroups[0]!.lr).toBe(0.1);
    p2.grad = tensor(grads[2]!, { dtype: "float64" });
    opt2.step();
    close([p2.toFlatArray()], [full[2]!]);
    expect(() =>
      new Adam([p2, new Parameter(tensor([1]))]).loadStateDict({
        ...sd,
        paramGroups: [{ ...sd.paramGroups[0]!, params: [0] }],
      }),
    ).toThrow(/group 0 expected 2 parameters, got 1/);
  });

  it("a state dict read from JSON cannot replace a group's or a state's prototype", () => {
    const p = new Parameter(tensor([1, -2]));
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.grad = tensor([1, 1]);
    opt.step();
    const sd = opt.stateDict();
    const group = JSON.parse(`{"__proto__": {"lr": 5}, ${JSON.stringify(sd.paramGroups[0]!).slice(1)}`);
    const state = Object.assign(JSON.parse('{"__proto__": {"momentum_buffer": 1}}'), sd.state[0]);
    opt.loadStateDict({ paramGroups: [group], state: { 0: state } });
    const g = opt.paramGroups[0]!;
    expect(Object.getPrototypeOf(g)).toBe(Object.prototype);
    expect(g.lr).toBe(0.1);
    p.grad = tensor([1, 1]);
    opt.step(); // the momentum buffer is still the tensor, not an inherited number
    expect(p.toFlatArray()[0]).toBeCloseTo(1 - 0.1 - 0.1 * 1.9, 6);
  });
});

describe("gradient clipping", () => {
  it("clipGradNorm returns the total norm and rescales", () => {
    const a = new Parameter(tensor([3], { dtype: "float64" }));
    const b = new Parameter(tensor([0, 0], { dtype: "float64" }));
    a.grad = tensor([3], { dtype: "float64" });
    b.grad = tensor([4, 0], { dtype: "float64" });
    const shared = b.grad;
    const total = clipGradNorm([a, b], 1);
    expect(total).toBeCloseTo(5, 12);
    expect(a.grad!.item()).toBeCloseTo(3 / (5 + 1e-6), 12);
    expect(b.grad!.toFlatArray()[0]).toBeCloseTo(4 / (5 + 1e-6), 12);
    expect(shared.toFlatArray()).toEqual([4, 0]); // not edited in place
    expect(clipGradNorm([a, b], 10)).toBeCloseTo(1, 5); // no change below the max
    b.grad = tensor([4, -7], { dtype: "float64" });
    expect(clipGradNorm([b], 100, Number.POSITIVE_INFINITY)).toBe(7);
    b.grad = tensor([Number.NaN, 1], { dtype: "float64" });
    expect(() => clipGradNorm([b], 1, 2, true)).toThrow(/clipGradNorm: the total gradient norm/);
  });

  it("clipGradValue clamps", () => {
    const a = new Parameter(tensor([0, 0, 0]));
    a.grad = tensor([-3, 0.5, 2]);
    clipGradValue([a], 1);
    expect(a.grad!.toFlatArray()).toEqual([-1, 0.5, 1]);
  });
});
