import { describe, expect, it } from "vitest";
import { Linear } from "../src/nn/linear.js";
import { crossEntropy } from "../src/nn/losses.js";
import { Adam } from "../src/optim/adam.js";
import { ErlangenError } from "../src/tensor/errors.js";
import { manualSeed, randn, record, Tensor, tensor, zeros } from "../src/tensor/index.js";
import {
  type EpochRecord,
  niceTicks,
  ProgressBar,
  type Task,
  Trainer,
  TrainingDivergedError,
  trainingCurvesSvg,
} from "../src/train/index.js";

/** A linear model y ≈ X·w, with a hand-written differentiable MSE op so the test needs no op files. */
class LinReg {
  w: Tensor;
  training = true;
  constructor(d: number) {
    this.w = zeros([d], { dtype: "float64" }).requiresGrad_();
  }
  train(mode = true) {
    this.training = mode;
  }
  eval() {
    this.training = false;
  }
  parameters() {
    return [this.w];
  }
  stateDict(): Record<string, Tensor> {
    return { w: this.w };
  }
  loadStateDict(sd: Record<string, Tensor> | Map<string, Tensor>) {
    const w = sd instanceof Map ? sd.get("w")! : sd.w!;
    this.w.copy_(w);
  }
  predict(X: Tensor): Float64Array {
    const [n, d] = X.shape as [number, number];
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i]! += X.data[i * d + j]! * this.w.data[j]!;
    return out;
  }
  /** mean((X·w − y)²) as a recorded op. */
  loss(X: Tensor, y: Tensor): Tensor {
    const [n, d] = X.shape as [number, number];
    const r = this.predict(X);
    let s = 0;
    for (let i = 0; i < n; i++) {
      r[i] = r[i]! - y.data[i]!;
      s += r[i]! * r[i]!;
    }
    const out = tensor([s / n], { dtype: "float64" }).reshape([]);
    return record("linRegMse", [this.w], out, (g) => {
      const gw = new Float64Array(d);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < d; j++) gw[j]! += (2 / n) * r[i]! * X.data[i * d + j]! * g.data[0]!;
      return [new Tensor(gw, [d])];
    });
  }
}

class SGD {
  lr: number;
  constructor(
    private params: Tensor[],
    lr: number,
  ) {
    this.lr = lr;
  }
  zeroGrad() {
    for (const p of this.params) p.grad = null;
  }
  step() {
    for (const p of this.params) {
      if (p.grad === null) continue;
      for (let i = 0; i < p.size; i++) p.data[i]! -= this.lr * p.grad.data[i]!;
      p.version++;
    }
  }
}

function problem() {
  manualSeed(1);
  const d = 3;
  const wTrue = [1.5, -2, 0.5];
  const make = (n: number) => {
    const X = randn([n, d], { dtype: "float64" });
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) y[i]! += X.data[i * d + j]! * wTrue[j]!;
    return { X, y: new Tensor(y, [n]) };
  };
  return { d, train: make(32), val: make(16), test: make(16) };
}

function regressionTask(p: ReturnType<typeof problem>): Task<LinReg> {
  return {
    metric: "mse",
    mode: "min",
    trainStep(ctx) {
      const loss = ctx.model.loss(p.train.X, p.train.y);
      return { loss: ctx.backwardStep(loss) };
    },
    evaluate(split, ctx) {
      const s = p[split];
      return { mse: ctx.model.loss(s.X, s.y).item() };
    },
  };
}

describe("Trainer", () => {
  it("decreases the loss on a tiny regression problem and records history", async () => {
    const p = problem();
    const model = new LinReg(p.d);
    const opt = new SGD(model.parameters(), 0.1);
    const trainer = new Trainer(model, regressionTask(p), { optimizer: opt, epochs: 30, seed: 0 });
    const h = await trainer.fit();
    expect(h.epochs).toHaveLength(30);
    expect(h.epochs[29]!.loss).toBeLessThan(h.epochs[0]!.loss * 0.01);
    expect(h.epochs[0]!.val.mse).toBeGreaterThan(h.epochs[29]!.val.mse!);
    expect(h.epochs[0]!.lr).toBe(0.1);
    expect(h.epochs.every((e) => e.ms >= 0 && e.evalMs >= 0)).toBe(true);
    expect(h.stoppedEpoch).toBeNull();
    const test = await trainer.test();
    expect(test.mse).toBeLessThan(0.05);
    expect(trainer.lastTestMs).toBeGreaterThanOrEqual(0);
  });

  it("calls the task's onTrainEnd once, after the best checkpoint is restored and before the callbacks", async () => {
    const p = problem();
    const model = new LinReg(p.d);
    const calls: string[] = [];
    const task: Task<LinReg> = {
      ...regressionTask(p),
      onTrainEnd(ctx) {
        calls.push(`task:${ctx.model === model}`);
      },
    };
    const trainer = new Trainer(model, task, {
      optimizer: new SGD(model.parameters(), 0.1),
      epochs: 3,
      callbacks: [{ onTrainEnd: () => void calls.push("callback") }],
    });
    const h = await trainer.fit();
    expect(h.restoredBest).toBe(true);
    expect(calls).toEqual(["task:true", "callback"]);
  });

  it("stops early and restores the best checkpoint", async () => {
    const p = problem();
    const model = new LinReg(p.d);
    const opt = new SGD(model.parameters(), 0.05);
    // scripted validation curve: improves until epoch 4, then gets worse
    const curve = [5, 4, 3, 2, 2.5, 2.6, 2.7, 2.8, 2.9, 3, 3.1, 3.2];
    const task: Task<LinReg> = {
      metric: "err",
      mode: "min",
      trainStep(ctx) {
        return { loss: ctx.backwardStep(ctx.model.loss(p.train.X, p.train.y)) };
      },
      evaluate(_split, ctx) {
        return { err: curve[ctx.epoch]! };
      },
    };
    const snapshots: number[][] = [];
    const trainer = new Trainer(model, task, {
      optimizer: opt,
      epochs: 12,
      earlyStopping: { patience: 3 },
      callbacks: [{ onEpochEnd: () => void snapshots.push(Array.from(model.w.data)) }],
    });
    const h = await trainer.fit();
    expect(h.bestEpoch).toBe(4);
    expect(h.bestValue).toBe(2);
    expect(h.stoppedEpoch).toBe(7);
    expect(h.epochs).toHaveLength(7);
    expect(h.restoredBest).toBe(true);
    expect(Array.from(model.w.data)).toEqual(snapshots[3]);
    expect(snapshots[6]).not.toEqual(snapshots[3]);
  });

  it("tiesImprove: an equal validation value resets the patience and moves the checkpoint (Errica et al.'s Patience)", async () => {
    const p = problem();
    // best 2 at epoch 2, equalled at epochs 4 and 6, then worse
    const curve = [3, 2, 2.5, 2, 2.5, 2, 2.5, 2.6, 2.7, 2.8, 2.9, 3];
    const task: Task<LinReg> = {
      metric: "err",
      mode: "min",
      trainStep(ctx) {
        return { loss: ctx.backwardStep(ctx.model.loss(p.train.X, p.train.y)) };
      },
      evaluate(_split, ctx) {
        return { err: curve[ctx.epoch]! };
      },
    };
    const runWith = async (tiesImprove: boolean) => {
      const model = new LinReg(p.d);
      const snapshots: number[][] = [];
      const h = await new Trainer(model, task, {
        optimizer: new SGD(model.parameters(), 0.05),
        epochs: 12,
        earlyStopping: { patience: 3, tiesImprove },
        callbacks: [{ onEpochEnd: () => void snapshots.push(Array.from(model.w.data)) }],
      }).fit();
      return { h, w: Array.from(model.w.data), snapshots };
    };
    const strict = await runWith(false);
    expect(strict.h.bestEpoch).toBe(2);
    expect(strict.h.stoppedEpoch).toBe(5);
    expect(strict.w).toEqual(strict.snapshots[1]);
    const ties = await runWith(true);
    expect(ties.h.bestEpoch).toBe(6);
    expect(ties.h.stoppedEpoch).toBe(9);
    expect(ties.w).toEqual(ties.snapshots[5]);
  });

  it("feeds the validation metric to a plateau scheduler and steps others without arguments", async () => {
    const p = problem();
    class ReduceLROnPlateau {
      seen: (number | undefined)[] = [];
      step(metric?: number) {
        this.seen.push(metric);
      }
    }
    class StepLR {
      seen: number[] = [];
      step(...args: unknown[]) {
        this.seen.push(args.length);
      }
    }
    const plateau = new ReduceLROnPlateau();
    const m1 = new LinReg(p.d);
    await new Trainer(m1, regressionTask(p), {
      optimizer: new SGD(m1.parameters(), 0.1),
      epochs: 3,
      scheduler: plateau,
    }).fit();
    expect(plateau.seen).toHaveLength(3);
    expect(plateau.seen.every((v) => typeof v === "number")).toBe(true);
    const stepLr = new StepLR();
    const m2 = new LinReg(p.d);
    await new Trainer(m2, regressionTask(p), {
      optimizer: new SGD(m2.parameters(), 0.1),
      epochs: 3,
      scheduler: stepLr,
    }).fit();
    expect(stepLr.seen).toEqual([0, 0, 0]);
  });

  it("callbacks can stop training; options are validated", async () => {
    const p = problem();
    const model = new LinReg(p.d);
    const trainer = new Trainer(model, regressionTask(p), {
      optimizer: new SGD(model.parameters(), 0.1),
      epochs: 10,
      callbacks: [{ onEpochEnd: (r: EpochRecord) => r.epoch < 2 }],
    });
    const h = await trainer.fit();
    expect(h.epochs).toHaveLength(2);
    expect(h.stoppedEpoch).toBe(2);
    expect(() => new Trainer(model, regressionTask(p), { optimizer: new SGD([], 1), epochs: -1 })).toThrow(
      /Trainer: argument 'options.epochs'/,
    );
    expect(
      () => new Trainer(model, regressionTask(p), { optimizer: new SGD([], 1), earlyStopping: { patience: 0 } }),
    ).toThrow(/patience/);
    const bad = new Trainer(
      model,
      { ...regressionTask(p), evaluate: () => ({ other: 1 }) },
      { optimizer: new SGD([], 1), epochs: 1 },
    );
    await expect(bad.fit()).rejects.toThrow(/monitored metric 'mse'/);
  });

  it("clips the gradient norm when asked", async () => {
    const p = problem();
    const model = new LinReg(p.d);
    let norm = 0;
    const opt = {
      zeroGrad: () => void (model.w.grad = null),
      step: () => {
        const g = model.w.grad!.data;
        norm = Math.hypot(...Array.from(g));
      },
    };
    await new Trainer(model, regressionTask(p), { optimizer: opt, epochs: 1, clipGradNorm: 0.01 }).fit();
    expect(norm).toBeLessThanOrEqual(0.01 + 1e-9);
  });
});

describe("ProgressBar", () => {
  function sink(isTTY: boolean) {
    const chunks: string[] = [];
    return { chunks, write: (s: string) => void chunks.push(s), isTTY };
  }
  it("prints plain lines when not a TTY and nothing when quiet", async () => {
    const p = problem();
    const s = sink(false);
    const model = new LinReg(p.d);
    await new Trainer(model, regressionTask(p), {
      optimizer: new SGD(model.parameters(), 0.1),
      epochs: 20,
      callbacks: [new ProgressBar({ epochs: 20, sink: s, label: "seed 1/1" })],
    }).fit();
    const text = s.chunks.join("");
    expect(text).not.toContain("\r");
    const lines = text.trim().split("\n");
    expect(lines.length).toBe(11); // epoch 1, every 2nd, last
    expect(lines[0]).toMatch(
      /^seed 1\/1 {2}epoch {2}1\/20 {2}loss \d+\.\d{4} {2}val mse \d+\.\d{4} {2}[\d.]+ ms\/epoch$/,
    );
    const q = sink(false);
    const m2 = new LinReg(p.d);
    await new Trainer(m2, regressionTask(p), {
      optimizer: new SGD(m2.parameters(), 0.1),
      epochs: 5,
      callbacks: [new ProgressBar({ epochs: 5, sink: q, mode: "quiet" })],
    }).fit();
    expect(q.chunks).toEqual([]);
  });
  it("redraws one line with \\r on a TTY", async () => {
    const p = problem();
    const s = sink(true);
    const model = new LinReg(p.d);
    await new Trainer(model, regressionTask(p), {
      optimizer: new SGD(model.parameters(), 0.1),
      epochs: 5,
      callbacks: [new ProgressBar({ epochs: 5, sink: s, throttleMs: 0 })],
    }).fit();
    const text = s.chunks.join("");
    expect(text.startsWith("\r[")).toBe(true);
    expect(text.endsWith("\n")).toBe(true);
    expect(text.split("\n")).toHaveLength(2);
    expect(text).toContain("[####################] epoch 5/5");
  });
});

describe("trainingCurvesSvg", () => {
  it("produces a well-formed standalone SVG", async () => {
    const p = problem();
    const hs = [];
    for (let r = 0; r < 2; r++) {
      const model = new LinReg(p.d);
      hs.push(
        await new Trainer(model, regressionTask(p), {
          optimizer: new SGD(model.parameters(), 0.05 * (r + 1)),
          epochs: 15,
        }).fit(),
      );
    }
    const svg = trainingCurvesSvg(hs, { title: "cora <gcn> & co" });
    expect(svg.startsWith("<?xml")).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain("cora &lt;gcn&gt; &amp; co");
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    expect(svg).not.toMatch(/<script|href=/);
    expect((svg.match(/<polyline/g) ?? []).length).toBe(4); // 2 loss + 2 val curves
    // tag balance: every opened non-self-closing tag is closed, in order
    const stack: string[] = [];
    for (const m of svg.replace(/<\?xml[^>]*\?>/, "").matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
      const [, close, name, , self] = m;
      if (self) continue;
      if (close) expect(stack.pop()).toBe(name);
      else stack.push(name!);
    }
    expect(stack).toEqual([]);
    // attributes are quoted
    expect(svg).not.toMatch(/=\s*[^"\s>]/);
  });
  it("handles an empty history", () => {
    const svg = trainingCurvesSvg({
      epochs: [],
      metric: "accuracy",
      mode: "max",
      monitor: "accuracy",
      bestEpoch: 0,
      bestValue: 0,
      stoppedEpoch: null,
      restoredBest: false,
    });
    expect(svg).toContain("no data");
  });
});

describe("niceTicks", () => {
  it("picks 1/2/5 steps near the requested count", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.3, 1.4, 5).length).toBeGreaterThanOrEqual(4);
    expect(niceTicks(1, 200, 6)).toEqual([0, 50, 100, 150, 200].filter((v) => v >= 1));
    expect(niceTicks(5, 5)).toContain(5);
    expect(niceTicks(-0.3, 0.3, 3)).toEqual([-0.2, 0, 0.2]);
  });
});

describe("divergence", () => {
  it("a diverging regression names the epoch and step and suggests a lower learning rate", async () => {
    const p = problem();
    const model = new LinReg(p.d);
    const trainer = new Trainer(model, regressionTask(p), { optimizer: new SGD(model.parameters(), 1e3), epochs: 500 });
    const err = await trainer.fit().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const d = err as TrainingDivergedError;
    expect(d).toBeInstanceOf(ErlangenError);
    expect(d.step).toBe(1); // one step per epoch
    expect(d.epoch).toBeGreaterThan(1);
    expect(d.lr).toBe(1000);
    expect(d.message).toMatch(
      /^Trainer: training diverged at epoch \d+, step 1: the loss is (NaN|Infinity)\. Try a lower learning rate than 1000 \(e\.g\. 100\), or clip the gradients \(option clipGradNorm\)\.$/,
    );
  });

  it("an op refusing NaN inputs (crossEntropy) is reported with the epoch, the step and the hint", async () => {
    manualSeed(0);
    const lin = new Linear(4, 3);
    const X = randn([32, 4]);
    const y = tensor(
      Array.from({ length: 32 }, (_, i) => i % 3),
      { dtype: "int32" },
    );
    const task: Task<Linear> = {
      metric: "loss",
      mode: "min",
      splits: ["train"],
      trainStep(ctx) {
        let total = 0;
        for (let b = 0; b < 4; b++) {
          const idx = tensor(
            [0, 1, 2, 3, 4, 5, 6, 7].map((i) => 8 * b + i),
            { dtype: "int32" },
          );
          total += ctx.backwardStep(crossEntropy(ctx.model.forward(X.indexSelect(0, idx)), y.indexSelect(0, idx)));
        }
        return { loss: total / 4 };
      },
      evaluate: () => ({ loss: 0 }),
    };
    const err = await new Trainer(lin, task, { optimizer: new Adam(lin.parameters(), { lr: 1e38 }), epochs: 50 })
      .fit()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as Error).message).toMatch(
      /^Trainer: training diverged at epoch \d+, step [1-4]: (crossEntropy: argument 'input' contains (NaN|Inf|-Inf) at \[\d+, \d+\]|the loss is (NaN|Infinity))\. Try a lower learning rate than 1e\+38 \(e\.g\. 1e\+37\)/,
    );
  });
});
