import { describe, expect, it } from "vitest";
import { Parameter } from "../src/nn/module.js";
import {
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  LinearWarmup,
  type LRScheduler,
  linearWarmup,
  MultiStepLR,
  ReduceLROnPlateau,
  SGD,
  StepLR,
} from "../src/optim/index.js";
import { tensor } from "../src/tensor/index.js";

function sgd(lr = 1): SGD {
  return new SGD([new Parameter(tensor([0]))], { lr });
}

/** The lr of group 0 after construction and after each of `n` steps. */
function lrs(s: LRScheduler, n: number): number[] {
  const out = [s.optimizer.paramGroups[0]!.lr];
  for (let i = 0; i < n; i++) {
    s.step();
    out.push(s.optimizer.paramGroups[0]!.lr);
  }
  return out;
}

function close(a: number[], b: number[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(v).toBeCloseTo(b[i]!, 12);
  });
}

describe("learning-rate schedulers", () => {
  it("StepLR and MultiStepLR", () => {
    close(lrs(new StepLR(sgd(), 2, 0.5), 5), [1, 1, 0.5, 0.5, 0.25, 0.25]);
    close(lrs(new MultiStepLR(sgd(), [3, 1], 0.1), 4), [1, 0.1, 0.1, 0.01, 0.01]);
    expect(() => new StepLR(sgd(), 0)).toThrow(/StepLR: argument 'stepSize'/);
  });

  it("ExponentialLR", () => {
    close(lrs(new ExponentialLR(sgd(2), 0.5), 3), [2, 1, 0.5, 0.25]);
  });

  it("CosineAnnealingLR", () => {
    const s = new CosineAnnealingLR(sgd(1), 4, 0.1);
    const c = (t: number) => 0.1 + 0.9 * (1 + Math.cos((Math.PI * t) / 4)) * 0.5;
    close(lrs(s, 4), [1, c(1), 0.55, c(3), 0.1]);
    expect(s.getLastLr()).toEqual([s.optimizer.paramGroups[0]!.lr]);
  });

  it("LambdaLR per group, LinearLR", () => {
    const a = new Parameter(tensor([0]));
    const b = new Parameter(tensor([0]));
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 10 }], { lr: 1 });
    const s = new LambdaLR(opt, [(e) => 1 / (e + 1), (e) => e]);
    s.step();
    s.step();
    expect(s.getLastLr()).toEqual([1 / 3, 20]);
    close(lrs(new LinearLR(sgd(1), 0.5, 1, 2), 3), [0.5, 0.75, 1, 1]);
  });

  it("linear warm-up then cosine decay", () => {
    close(lrs(new LinearWarmup(sgd(1), { warmupSteps: 4 }), 5), [0, 0.25, 0.5, 0.75, 1, 1]);
    const f = linearWarmup({ warmupSteps: 2, decay: "cosine", totalSteps: 4, minFactor: 0.2 });
    close([0, 1, 2, 3, 4, 9].map(f), [0, 0.5, 1, 0.6, 0.2, 0.2]);
    close([0, 1, 2, 3].map(linearWarmup({ warmupSteps: 1, decay: "linear", totalSteps: 3 })), [0, 1, 0.5, 0]);
    expect(() => linearWarmup({ warmupSteps: 4, decay: "linear" })).toThrow(/linearWarmup: argument 'totalSteps'/);
  });

  it("scheduler state dict resumes", () => {
    const s = new StepLR(sgd(), 2, 0.5);
    s.step();
    s.step();
    s.step();
    const opt2 = sgd();
    const s2 = new StepLR(opt2, 2, 0.5);
    s2.loadStateDict(s.stateDict());
    expect(s2.lastEpoch).toBe(3);
    expect(opt2.paramGroups[0]!.lr).toBe(0.5);
  });

  it("ReduceLROnPlateau: patience, threshold, cooldown, minLr", () => {
    const opt = sgd(1);
    const s = new ReduceLROnPlateau(opt, { factor: 0.5, patience: 1, cooldown: 1, minLr: 0.2 });
    const seq: number[] = [];
    // best 10; then 2 bad epochs (> patience 1) reduce; cooldown swallows the next bad epoch.
    for (const m of [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]) {
      s.step(m);
      seq.push(opt.paramGroups[0]!.lr);
    }
    close(seq, [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2]);

    const opt2 = sgd(1);
    const s2 = new ReduceLROnPlateau(opt2, { mode: "max", patience: 0, threshold: 0.1 });
    s2.step(1);
    s2.step(1.05); // not 10% better: reduce
    expect(opt2.paramGroups[0]!.lr).toBeCloseTo(0.1, 12);
    s2.step(2); // better
    expect(opt2.paramGroups[0]!.lr).toBeCloseTo(0.1, 12);
    expect(s2.best).toBe(2);
    expect(() => new ReduceLROnPlateau(sgd(), { factor: 1 })).toThrow(/ReduceLROnPlateau: argument 'factor'/);
  });
});
