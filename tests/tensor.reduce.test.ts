import { describe, expect, it } from "vitest";
import {
  argmax,
  argmin,
  Generator,
  gradcheck,
  logSoftmax,
  logsumexp,
  max,
  mean,
  min,
  norm,
  prod,
  scalar,
  softmax,
  std,
  sum,
  sumToShape,
  type Tensor,
  tensor,
  uniform,
  variance,
  zeros,
} from "../src/index.js";

function close(t: Tensor, expected: number[], tol = 1e-6): void {
  const got = t.toFlatArray();
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < got.length; i++) {
    if (Number.isNaN(expected[i]!)) expect(got[i]).toBeNaN();
    else expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!)));
  }
}

const u = (shape: number[], lo = -2, hi = 2, seed = 1) =>
  uniform(shape, lo, hi, { dtype: "float64", generator: new Generator(seed) }).requiresGrad_();

// [2, 3, 4] with values 0..23
const a = tensor(Array.from({ length: 24 }, (_, i) => i)).reshape(2, 3, 4);

describe("sum / mean / prod / max / min", () => {
  it("sum over any axes with keepDims", () => {
    expect(sum(a).item()).toBe(276);
    expect(sum(a).shape).toEqual([]);
    expect(sum(a, 0).toArray()).toEqual([
      [12, 14, 16, 18],
      [20, 22, 24, 26],
      [28, 30, 32, 34],
    ]);
    expect(sum(a, -1).toArray()).toEqual([
      [6, 22, 38],
      [54, 70, 86],
    ]);
    expect(sum(a, 1, true).shape).toEqual([2, 1, 4]);
    expect(sum(a, [0, 2]).toFlatArray()).toEqual([60, 92, 124]);
    expect(sum(a, [2, 0], true).shape).toEqual([1, 3, 1]);
    expect(sum(a, [1, 2]).toFlatArray()).toEqual([66, 210]);
    expect(a.sum([0, 1, 2], true).shape).toEqual([1, 1, 1]);
    expect(a.sum([]).shape).toEqual([2, 3, 4]);
    expect(sum(scalar(5)).item()).toBe(5);
    expect(sum(scalar(5), 0).shape).toEqual([]);
    expect(sum(scalar(5), -1, true).item()).toBe(5);
    expect(argmax(scalar(5), 0).item()).toBe(0);
    expect(sum(zeros([0, 3]), 0).toFlatArray()).toEqual([0, 0, 0]);
  });

  it("dtypes: int and bool sum to int32, mean of ints is float32", () => {
    const i = tensor([1, 2, 3], { dtype: "int32" });
    expect(sum(i).dtype).toBe("int32");
    expect(sum(i).item()).toBe(6);
    expect(sum(tensor([true, true, false])).item()).toBe(2);
    expect(sum(tensor([true, true, false])).dtype).toBe("int32");
    expect(mean(i).dtype).toBe("float32");
    expect(mean(i).item()).toBe(2);
    expect(max(i).dtype).toBe("int32");
    expect(prod(i).item()).toBe(6);
    expect(sum(tensor([1], { dtype: "float64" })).dtype).toBe("float64");
  });

  it("mean, prod, max, min values", () => {
    expect(mean(a).item()).toBe(11.5);
    expect(mean(a, [0, 1]).toFlatArray()).toEqual([10, 11, 12, 13]);
    expect(mean(a, 2, true).shape).toEqual([2, 3, 1]);
    expect(mean(zeros([0])).item()).toBeNaN();
    expect(
      mean(zeros([2, 0]), 1)
        .toFlatArray()
        .every(Number.isNaN),
    ).toBe(true);
    const p = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(prod(p, 1).toFlatArray()).toEqual([6, 120]);
    expect(prod(p).item()).toBe(720);
    expect(max(a, 1).toArray()).toEqual([
      [8, 9, 10, 11],
      [20, 21, 22, 23],
    ]);
    expect(min(a, [0, 2]).toFlatArray()).toEqual([0, 4, 8]);
    expect(a.max().item()).toBe(23);
    expect(a.min(-1, true).shape).toEqual([2, 3, 1]);
    expect(max(tensor([1, Number.NaN, 3])).item()).toBeNaN();
  });

  it("errors", () => {
    expect(() => sum(a, 3)).toThrow("sum: argument 'axis' expected an integer in [-3, 2], got 3");
    expect(() => sum(a, [1, -2])).toThrow("sum: argument 'axis' expected distinct axes, got [1, -2]");
    expect(() => max(zeros([2, 0]), 1)).toThrow(/max: argument 'a' expected a non-empty reduction, got shape \[2, 0\]/);
    expect(() => sumToShape(zeros([2, 3]), [4])).toThrow(
      "sumToShape: argument 'shape' expected a shape that broadcasts to [2, 3], got [4]",
    );
  });

  it("gradients", () => {
    const x = u([2, 3, 4]);
    gradcheck((p) => sum(p), [x]);
    gradcheck((p) => sum(p, 1), [x]);
    gradcheck((p) => sum(p, [0, 2], true), [x]);
    gradcheck((p) => mean(p, [0, 1]), [x]);
    gradcheck((p) => mean(p), [x]);
    gradcheck((p) => max(p, 2), [x]);
    gradcheck((p) => max(p), [x]);
    gradcheck((p) => min(p, [0, 2], true), [x]);
    gradcheck((p) => prod(p, 1), [u([3, 4], 0.5, 1.5)]);
    gradcheck((p) => prod(p), [u([5], -1.5, 1.5)]);
  });

  it("max/min gradient goes to the first occurrence", () => {
    const x = tensor(
      [
        [1, 3, 3],
        [2, 2, 0],
      ],
      { dtype: "float64" },
    ).requiresGrad_();
    max(x, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const y = tensor([2, 0, 0], { dtype: "float64" }).requiresGrad_();
    min(y).backward();
    expect(y.grad!.toFlatArray()).toEqual([0, 1, 0]);
  });

  it("prod gradient with zeros", () => {
    const x = tensor([2, 0, 3], { dtype: "float64" }).requiresGrad_();
    prod(x).backward();
    expect(x.grad!.toFlatArray()).toEqual([0, 6, 0]);
    const y = tensor([0, 0, 3], { dtype: "float64" }).requiresGrad_();
    prod(y).backward();
    expect(y.grad!.toFlatArray()).toEqual([0, 0, 0]);
  });

  it("sumToShape undoes broadcasting", () => {
    const g = tensor(Array.from({ length: 24 }, () => 1)).reshape(2, 3, 4);
    expect(sumToShape(g, [3, 1]).toArray()).toEqual([[8], [8], [8]]);
    expect(sumToShape(g, [4]).toFlatArray()).toEqual([6, 6, 6, 6]);
    expect(sumToShape(g, []).item()).toBe(24);
    expect(sumToShape(g, [2, 3, 4])).toBe(g);
    expect(sumToShape(g, [1, 1, 1]).shape).toEqual([1, 1, 1]);
  });
});

describe("argmax / argmin", () => {
  const x = tensor([
    [1, 5, 5],
    [7, 0, 7],
  ]);
  it("single axis and flattened, int32", () => {
    expect(argmax(x).item()).toBe(3);
    expect(argmax(x).dtype).toBe("int32");
    expect(argmax(x, 1).toFlatArray()).toEqual([1, 0]);
    expect(argmax(x, 0).toFlatArray()).toEqual([1, 0, 1]);
    expect(argmin(x, 1).toFlatArray()).toEqual([0, 1]);
    expect(argmin(x).item()).toBe(4);
    expect(x.argmax(1, true).shape).toEqual([2, 1]);
    expect(argmax(x, undefined, true).shape).toEqual([1, 1]);
    expect(argmax(tensor([1, Number.NaN, 3])).item()).toBe(1);
    expect(argmax(tensor([1, 2, 3], { dtype: "int32" })).item()).toBe(2);
    expect(() => argmax(zeros([0]))).toThrow(/argmax: argument 'a' expected a non-empty reduction/);
  });
});

describe("logsumexp / variance / std / norm", () => {
  it("values", () => {
    close(logsumexp(tensor([1, 2, 3])), [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3))]);
    close(logsumexp(tensor([1000, 1000])), [1000 + Math.log(2)]);
    close(logsumexp(tensor([-1000, -1000])), [-1000 + Math.log(2)]);
    expect(logsumexp(tensor([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY])).item()).toBe(
      Number.NEGATIVE_INFINITY,
    );
    expect(logsumexp(a, [0, 2], true).shape).toEqual([1, 3, 1]);
    close(variance(tensor([1, 2, 3, 4])), [5 / 3]);
    close(variance(tensor([1, 2, 3, 4]), undefined, { correction: 0 }), [1.25]);
    close(tensor([1, 2, 3, 4]).var(), [5 / 3]);
    close(std(tensor([2, 4, 4, 4, 5, 5, 7, 9]), 0, { correction: 0 }), [2]);
    expect(variance(a, 1, { keepDims: true }).shape).toEqual([2, 1, 4]);
    close(variance(a, 1), [16, 16, 16, 16, 16, 16, 16, 16]);
    expect(variance(tensor([1])).item()).toBeNaN();
    close(norm(tensor([3, 4])), [5]);
    close(norm(tensor([3, -4]), 1), [7]);
    close(norm(tensor([3, -4]), Number.POSITIVE_INFINITY), [4]);
    close(norm(tensor([3, -4]), Number.NEGATIVE_INFINITY), [3]);
    close(norm(tensor([3, 0, -4]), 0), [2]);
    close(norm(tensor([1, 2, 3]), 3), [Math.cbrt(36)]);
    close(
      norm(
        tensor([
          [3, 4],
          [6, 8],
        ]),
        2,
        1,
      ),
      [5, 10],
    );
    close(
      tensor([
        [3, 4],
        [6, 8],
      ]).norm("fro"),
      [Math.sqrt(125)],
    );
    expect(norm(a, 2, [1, 2], true).shape).toEqual([2, 1, 1]);
  });

  it("gradients", () => {
    const x = u([3, 4]);
    gradcheck((p) => logsumexp(p, 1), [x]);
    gradcheck((p) => logsumexp(p), [x]);
    gradcheck((p) => variance(p, 1), [x]);
    gradcheck((p) => variance(p, undefined, { correction: 0 }), [x]);
    gradcheck((p) => std(p, 0, { keepDims: true }), [x]);
    gradcheck((p) => norm(p), [x]);
    gradcheck((p) => norm(p, 2, 1), [x]);
    gradcheck((p) => norm(p, 1, 0), [x]);
    gradcheck((p) => norm(p, Number.POSITIVE_INFINITY, 1), [x]);
    gradcheck((p) => norm(p, 3, 1), [x]);
  });

  it("norm p=2 gradient is 0 at 0", () => {
    const x = tensor(
      [
        [0, 0],
        [3, 4],
      ],
      { dtype: "float64" },
    ).requiresGrad_();
    norm(x, 2, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 0],
      [0.6, 0.8],
    ]);
  });
});

describe("softmax / logSoftmax", () => {
  it("values along any axis", () => {
    const x = tensor([
      [1, 2, 3],
      [1, 1, 1],
    ]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0]! + e[1]! + e[2]!;
    close(softmax(x), [e[0]! / s, e[1]! / s, e[2]! / s, 1 / 3, 1 / 3, 1 / 3]);
    close(logSoftmax(x), [1 - Math.log(s), 2 - Math.log(s), 3 - Math.log(s), -Math.log(3), -Math.log(3), -Math.log(3)]);
    const c = softmax(x, 0);
    close(c, [0.5, 1 / (1 + Math.exp(-1)), 1 / (1 + Math.exp(-2)), 0.5, 1 / (1 + Math.exp(1)), 1 / (1 + Math.exp(2))]);
    close(sum(softmax(a, 1), 1), new Array(8).fill(1));
    close(x.logSoftmax(0).exp(), c.toFlatArray());
    close(softmax(tensor([1000, 0])), [1, 0]);
    close(softmax(scalar(3)), [1]);
    expect(softmax(tensor([1], { dtype: "int32" })).dtype).toBe("float32");
    expect(() => softmax(x, 2)).toThrow("softmax: argument 'axis' expected an integer in [-2, 1], got 2");
  });

  it("gradients", () => {
    const x = u([2, 3, 4]);
    gradcheck((p) => softmax(p), [x]);
    gradcheck((p) => softmax(p, 1), [x]);
    gradcheck((p) => logSoftmax(p), [x]);
    gradcheck((p) => logSoftmax(p, 0), [x]);
  });
});
