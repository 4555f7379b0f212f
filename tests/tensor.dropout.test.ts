import { describe, expect, it } from "vitest";
import { dropout, Generator, gradcheck, manualSeed, ones, randn, tensor, uniform } from "../src/index.js";
import { fastDropout, reluDropout } from "../src/tensor/ops/random.js";

describe("dropout", () => {
  it("is reproducible with a seeded generator", () => {
    const x = ones([4, 25]);
    const a = dropout(x, 0.3, true, new Generator(7));
    const b = dropout(x, 0.3, true, new Generator(7));
    const c = dropout(x, 0.3, true, new Generator(8));
    expect(a.toFlatArray()).toEqual(b.toFlatArray());
    expect(a.toFlatArray()).not.toEqual(c.toFlatArray());
    manualSeed(3);
    const d = x.dropout(0.3);
    manualSeed(3);
    const e = dropout(x, 0.3);
    expect(d.toFlatArray()).toEqual(e.toFlatArray());
  });

  it("zeroes about p of the elements and scales survivors by 1/(1-p)", () => {
    const n = 20000;
    const p = 0.25;
    const y = dropout(ones([n], { dtype: "float64" }), p, true, new Generator(1));
    let zeros = 0;
    let total = 0;
    for (const v of y.toFlatArray()) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / (1 - p), 12);
      total += v;
    }
    expect(Math.abs(zeros / n - p)).toBeLessThan(0.02);
    expect(Math.abs(total / n - 1)).toBeLessThan(0.03);
    expect(y.shape).toEqual([n]);
    expect(y.dtype).toBe("float64");
  });

  it("returns the input unchanged in eval mode or with p = 0", () => {
    const x = tensor([1, 2, 3]);
    expect(dropout(x, 0.5, false)).toBe(x);
    expect(dropout(x, 0)).toBe(x);
    expect(x.dropout(0.9, false)).toBe(x);
  });

  it("rejects p outside [0, 1) and non-float inputs", () => {
    const x = tensor([1, 2, 3]);
    expect(() => dropout(x, 1)).toThrow("dropout: argument 'p' expected a probability in [0, 1), got 1");
    expect(() => dropout(x, -0.1)).toThrow("dropout: argument 'p' expected a probability in [0, 1), got -0.1");
    expect(() => dropout(x, Number.NaN)).toThrow(/dropout: argument 'p'/);
    expect(() => dropout(tensor([1, 2], { dtype: "int32" }), 0.5)).toThrow(
      "dropout: argument 'a' expected a float32 or float64 tensor, got int32",
    );
  });

  it("gradient is the same mask times the upstream gradient", () => {
    const x = uniform([3, 5], -1, 1, { dtype: "float64", generator: new Generator(2) }).requiresGrad_();
    // fresh generator with the same seed per call, so the finite differences see the same mask
    gradcheck((p) => dropout(p, 0.4, true, new Generator(9)), [x]);
    const y = dropout(x, 0.4, true, new Generator(9));
    y.sum().backward();
    const mask = y.toFlatArray().map((v) => (v === 0 ? 0 : 1 / (1 - 0.4)));
    expect(x.grad!.toFlatArray()).toEqual(mask);
  });
});

describe("fastDropout and reluDropout (one seed per call)", () => {
  it("gradcheck in float64 with a fixed stream", () => {
    const x = randn([7, 5], { dtype: "float64", generator: new Generator(11) }).requiresGrad_();
    gradcheck((a) => fastDropout(a!, 0.4, true, new Generator(5)), [x]);
    gradcheck((a) => reluDropout(a!, 0.4, true, new Generator(5)), [x]);
    // out of training both are the identity / relu
    expect(fastDropout(x, 0.4, false)).toBe(x);
    expect(reluDropout(x, 0.4, false).toFlatArray()).toEqual(x.relu().toFlatArray());
  });
});
