import { describe, expect, it } from "vitest";
import { crossValidationSplits } from "../src/train/splits.js";

describe("crossValidationSplits", () => {
  const labels = Array.from({ length: 100 }, (_, i) => (i < 30 ? 0 : i < 80 ? 1 : 2));
  it("partitions every sample into exactly one test fold, with disjoint train/val/test", () => {
    const folds = crossValidationSplits(labels, 10, { seed: 3 });
    expect(folds).toHaveLength(10);
    const seen = new Int32Array(100);
    for (const f of folds) {
      for (const i of f.test) seen[i]!++;
      const all = new Set([...f.train, ...f.val, ...f.test]);
      expect(all.size).toBe(100);
      expect(f.train.length + f.val.length + f.test.length).toBe(100);
      // stratified: each test fold has 3 of class 0, 5 of class 1, 2 of class 2
      const counts = [0, 0, 0];
      for (const i of f.test) counts[labels[i]!]!++;
      expect(counts).toEqual([3, 5, 2]);
      // validation ~10% of the rest, per class
      expect(f.val.length).toBeGreaterThanOrEqual(8);
      expect(f.val.length).toBeLessThanOrEqual(10);
    }
    expect(Array.from(seen).every((c) => c === 1)).toBe(true);
  });
  it("is deterministic per seed", () => {
    const a = crossValidationSplits(labels, 5, { seed: 1 });
    const b = crossValidationSplits(labels, 5, { seed: 1 });
    const c = crossValidationSplits(labels, 5, { seed: 2 });
    expect(a.map((f) => Array.from(f.test))).toEqual(b.map((f) => Array.from(f.test)));
    expect(a.map((f) => Array.from(f.test))).not.toEqual(c.map((f) => Array.from(f.test)));
  });
  it("validates k", () => {
    expect(() => crossValidationSplits(labels, 1)).toThrow(
      /crossValidationSplits: argument 'k' expected an integer >= 2, got 1/,
    );
    expect(() => crossValidationSplits([0, 1], 3)).toThrow(/at least k = 3 samples/);
  });
});
