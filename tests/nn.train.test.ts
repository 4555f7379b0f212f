import { describe, expect, it } from "vitest";
import * as F from "../src/nn/functional.js";
import { MLP } from "../src/nn/index.js";
import { Adam, CosineAnnealingLR } from "../src/optim/index.js";
import { linspace, manualSeed, tensor } from "../src/tensor/index.js";

describe("end to end: small MLPs learn", () => {
  it("XOR with Adam and BCE-with-logits (seeded)", () => {
    manualSeed(0);
    const x = tensor([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = tensor([[0], [1], [1], [0]]);
    const model = new MLP([2, 16, 1], { norm: null, act: "tanh" });
    const opt = new Adam(model.parameters(), { lr: 0.05 });
    let first = 0;
    let loss = 0;
    for (let step = 0; step < 300; step++) {
      opt.zeroGrad();
      const l = F.binaryCrossEntropyWithLogits(model.forward(x), y);
      l.backward();
      opt.step();
      loss = l.item();
      if (step === 0) first = loss;
    }
    expect(first).toBeGreaterThan(0.5);
    expect(loss).toBeLessThan(0.02);
    const pred = model
      .forward(x)
      .sigmoid()
      .toFlatArray()
      .map((p) => (p > 0.5 ? 1 : 0));
    expect(pred).toEqual([0, 1, 1, 0]);
  });

  it("sin(x) regression with BatchNorm MLP, Adam and a cosine schedule", () => {
    manualSeed(1);
    const x = linspace(-3, 3, 64).reshape([64, 1]);
    const y = x.sin();
    const model = new MLP([1, 32, 32, 1], { act: "tanh" });
    const opt = new Adam(model.parameters(), { lr: 0.02 });
    const sched = new CosineAnnealingLR(opt, 200, 0.001);
    let loss = 0;
    for (let step = 0; step < 200; step++) {
      opt.zeroGrad();
      const l = F.mseLoss(model.forward(x), y);
      l.backward();
      opt.step();
      sched.step();
      loss = l.item();
    }
    expect(loss).toBeLessThan(0.01);
    model.eval();
    expect(F.mseLoss(model.forward(x), y).item()).toBeLessThan(0.01);
  });
});
