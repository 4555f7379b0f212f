import { describe, expect, it } from "vitest";
import { BatchNorm1d, Dropout, Generator, Linear, randn, Sequential, updateBatchNorm } from "../src/index.js";
import { BatchNorm2d } from "../src/layers/grids/norm.js";
import type { Tensor } from "../src/tensor/tensor.js";

/** Mean and unbiased variance per column of rows [n, C]. */
function colStats(rows: Float64Array, n: number, C: number): { mean: number[]; var: number[] } {
  const mean = Array.from({ length: C }, (_, c) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += rows[i * C + c]!;
    return s / n;
  });
  const v = mean.map((m, c) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (rows[i * C + c]! - m) ** 2;
    return s / (n - 1);
  });
  return { mean, var: v };
}

describe("updateBatchNorm (PyTorch's update_bn)", () => {
  it("recomputes the running statistics as the average of the batches' statistics, with dropout off", () => {
    const g = new Generator(5);
    const lin = new Linear(6, 4, { generator: g, dtype: "float64" });
    const bn = new BatchNorm1d(4, { dtype: "float64" });
    const model = new Sequential(lin, new Dropout(0.5), bn);
    const batches: Tensor[] = Array.from({ length: 3 }, () => randn([16, 6], { generator: g, dtype: "float64" }));
    // stale statistics from "training"
    bn.getBuffer("running_mean")!.data.fill(7);
    model.eval();
    expect(updateBatchNorm(model, batches)).toBe(1);
    // expected: the mean over batches of each batch's mean / unbiased variance of lin(x) (no dropout)
    const em = [0, 0, 0, 0];
    const ev = [0, 0, 0, 0];
    for (const x of batches) {
      const h = lin.forward(x).data as Float64Array;
      const s = colStats(h, 16, 4);
      for (let c = 0; c < 4; c++) {
        em[c]! += s.mean[c]! / 3;
        ev[c]! += s.var[c]! / 3;
      }
    }
    const rm = Array.from(bn.runningMean!.data);
    const rv = Array.from(bn.runningVar!.data);
    for (let c = 0; c < 4; c++) {
      expect(rm[c]).toBeCloseTo(em[c]!, 10);
      expect(rv[c]).toBeCloseTo(ev[c]!, 10);
    }
    // flags and momentum are restored
    expect(model.modules().every((m) => !m.training)).toBe(true);
    expect(bn.momentum).toBe(0.1);
    expect(bn.getBuffer("num_batches_tracked")!.data[0]).toBe(3);
  });

  it("covers the layers built on BatchNorm1d, keeps dropout on when asked, and rejects an empty pass", () => {
    const bn2 = new BatchNorm2d(3);
    const model = new Sequential(new Dropout(0.3), bn2);
    model.train();
    const x = randn([4, 3, 5, 5], { generator: new Generator(1) });
    expect(updateBatchNorm(model, [x], { dropout: true })).toBe(1);
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(() => updateBatchNorm(model, [])).toThrow(
      /updateBatchNorm: argument 'batches' expected at least one batch, got none/,
    );
    expect(updateBatchNorm(new Sequential(new Linear(2, 2)), [randn([1, 2])])).toBe(0);
  });
});
