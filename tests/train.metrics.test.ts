import { describe, expect, it } from "vitest";
import { tensor } from "../src/tensor/index.js";
import {
  accuracy,
  f1Score,
  mae,
  meanAbsoluteError,
  meanSquaredError,
  median,
  mse,
  predictedClasses,
  rocAuc,
  summarize,
} from "../src/train/metrics.js";

describe("accuracy", () => {
  it("counts argmax of scores against labels", () => {
    const logits = tensor([
      [2, 1, 0],
      [0, 3, 1],
      [1, 0, 5],
      [4, 4, 0], // tie: first max (0)
    ]);
    const y = tensor([0, 2, 2, 0], { dtype: "int32" });
    expect(accuracy(logits, y)).toBeCloseTo(3 / 4);
  });
  it("accepts class indices, plain arrays and a mask", () => {
    const pred = tensor([1, 0, 1, 1], { dtype: "int32" });
    const y = [1, 1, 1, 0];
    expect(accuracy(pred, y)).toBeCloseTo(0.5);
    expect(accuracy(pred, y, tensor([true, true, true, false]))).toBeCloseTo(2 / 3);
    expect(accuracy(pred, y, [false, false, false, false])).toBeNaN();
  });
  it("rejects mismatched sizes with a clear message", () => {
    expect(() => accuracy(tensor([0, 1], { dtype: "int32" }), [0, 1, 1])).toThrow(
      /accuracy: argument 'target' expected 2 labels/,
    );
    expect(() => accuracy(tensor([0, 1], { dtype: "int32" }), [0, 1], [true])).toThrow(/argument 'mask'/);
  });
  it("predictedClasses takes row argmax", () => {
    expect(
      Array.from(
        predictedClasses(
          tensor([
            [0, 1],
            [3, 2],
          ]),
        ),
      ),
    ).toEqual([1, 0]);
  });
});

describe("f1Score", () => {
  // pred/true:   classes 0,1,2
  // y    = [0,0,0,1,1,2]
  // pred = [0,0,1,1,2,2]
  // class 0: tp 2 fp 0 fn 1 -> F1 = 4/5 = 0.8
  // class 1: tp 1 fp 1 fn 1 -> F1 = 2/4 = 0.5
  // class 2: tp 1 fp 1 fn 0 -> F1 = 2/3
  const y = [0, 0, 0, 1, 1, 2];
  const pred = tensor([0, 0, 1, 1, 2, 2], { dtype: "int32" });
  it("macro", () => {
    expect(f1Score(pred, y, { average: "macro" })).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });
  it("micro equals accuracy for single-label multi-class", () => {
    expect(f1Score(pred, y, { average: "micro" })).toBeCloseTo(4 / 6, 12);
  });
  it("macro skips classes absent from both pred and target; scores 0 for missed classes", () => {
    // numClasses 5: classes 3 and 4 never occur -> skipped
    expect(f1Score(pred, y, { numClasses: 5 })).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    // class 1 is never predicted correctly
    expect(f1Score([0, 0], [0, 1])).toBeCloseTo((2 / 3 + 0) / 2, 12);
  });
  it("validates options", () => {
    expect(() => f1Score(pred, y, { numClasses: 2 })).toThrow(/f1Score: argument 'numClasses'/);
    expect(() => f1Score(pred, y, { average: "weighted" as "macro" })).toThrow(/'macro' or 'micro'/);
  });
});

describe("rocAuc", () => {
  it("perfect and inverted rankings", () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  });
  it("hand-computed value with ties", () => {
    // positives: 0.8, 0.4, 0.4 ; negatives: 0.4, 0.3, 0.1
    // pairs (pos > neg count 1, tie 0.5):
    // 0.8: beats 0.4,0.3,0.1 -> 3
    // 0.4: ties 0.4 (0.5), beats 0.3,0.1 -> 2.5 ; twice -> 5
    // total 8 / 9
    const s = [0.8, 0.4, 0.4, 0.4, 0.3, 0.1];
    const y = [1, 1, 1, 0, 0, 0];
    expect(rocAuc(s, y)).toBeCloseTo(8 / 9, 12);
    // all tied -> 0.5
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBeCloseTo(0.5, 12);
  });
  it("takes [N, 2] logits (class-1 margin) and tensors", () => {
    const logits = tensor([
      [0, 1],
      [1, 0],
      [0, 3],
      [2, 0],
    ]);
    expect(rocAuc(logits, tensor([1, 0, 1, 0], { dtype: "int32" }))).toBe(1);
  });
  it("needs both classes and binary labels", () => {
    expect(() => rocAuc([0.1, 0.2], [1, 1])).toThrow(/both classes/);
    expect(() => rocAuc([0.1, 0.2], [0, 2])).toThrow(/binary labels/);
  });
});

describe("regression errors", () => {
  it("MAE and MSE", () => {
    const p = tensor([1, 2, 3, 4]);
    const t = tensor([1, 0, 4, 4]);
    expect(meanAbsoluteError(p, t)).toBeCloseTo(3 / 4);
    expect(meanSquaredError(p, t)).toBeCloseTo(5 / 4);
    expect(mae([0, 0], [1, -3])).toBe(2);
    expect(mse([0, 0], [1, -3])).toBe(5);
    expect(() => mae(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(
      /meanAbsoluteError: argument 'target' expected as many values as pred \(\[2\]\), got \[3\]/,
    );
  });
});

describe("summary statistics", () => {
  it("mean, sample std, median", () => {
    const s = summarize([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.median).toBe(2.5);
    expect(summarize([7]).std).toBe(0);
    expect(median([3, 1, 2])).toBe(2);
  });
});
