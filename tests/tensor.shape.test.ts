import { describe, expect, it } from "vitest";
import { arange, ones, randn, tensor } from "../src/tensor/creation.js";
import { gradcheck } from "../src/tensor/gradcheck.js";
import {
  broadcastTo,
  cat,
  chunk,
  concat,
  expand,
  flatten,
  flip,
  narrow,
  pad,
  permute,
  repeat,
  repeatInterleave,
  roll,
  slice,
  split,
  squeeze,
  stack,
  t,
  tile,
  transpose,
  unsqueeze,
} from "../src/tensor/ops/shape.js";
import { manualSeed } from "../src/tensor/rng.js";
import type { Tensor } from "../src/tensor/tensor.js";

const d = (shape: number[]) => randn(shape, { dtype: "float64" }).requiresGrad_();
const gc = (fn: (...xs: Tensor[]) => Tensor, ...shapes: number[][]) =>
  expect(gradcheck(fn, shapes.map(d)).ok).toBe(true);

describe("permute / transpose", () => {
  it("known values", () => {
    const a = arange(6).reshape(2, 3);
    expect(transpose(a).toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(t(a).toArray()).toEqual(a.transpose(0, 1).toArray());
    expect(t(arange(3)).toArray()).toEqual([0, 1, 2]);
    const b = arange(24).reshape(2, 3, 4);
    const p = permute(b, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    // p[k, i, j] = b[i, j, k]
    expect((p.toArray() as number[][][])[3]![1]![2]).toBe(1 * 12 + 2 * 4 + 3);
    expect(b.permute(2, 0, 1).toArray()).toEqual(p.toArray());
    expect(b.permute(0, 1, 2).data).not.toBe(b.data);
    expect(transpose(b, 0, -1).shape).toEqual([4, 3, 2]);
  });

  it("errors", () => {
    expect(() => permute(randn([2, 3]), [0])).toThrow(/permute: argument 'axes' expected 2 axes/);
    expect(() => permute(randn([2, 3]), [0, 0])).toThrow(/permute: argument 'axes' expected distinct axes/);
    expect(() => transpose(randn([2, 3]), 0, 2)).toThrow(/transpose: argument 'axis1'/);
    expect(() => transpose(randn([3]))).toThrow(/transpose: argument 'a'/);
    expect(() => t(randn([2, 3, 4]))).toThrow(/t: argument 'a'/);
  });

  it("gradcheck", () => {
    manualSeed(1);
    gc((x) => permute(x, [2, 0, 1]), [2, 3, 4]);
    gc((x) => transpose(x), [2, 3, 4]);
    gc((x) => t(x), [3, 2]);
  });
});

describe("flatten / squeeze / unsqueeze", () => {
  it("shapes", () => {
    const a = randn([2, 3, 4, 5]);
    expect(flatten(a).shape).toEqual([120]);
    expect(flatten(a, 1).shape).toEqual([2, 60]);
    expect(flatten(a, 1, 2).shape).toEqual([2, 12, 5]);
    expect(a.flatten(-2).shape).toEqual([2, 3, 20]);
    expect(flatten(tensor(3).reshape([])).shape).toEqual([1]);
    const b = randn([1, 3, 1, 2]);
    expect(squeeze(b).shape).toEqual([3, 2]);
    expect(squeeze(b, 0).shape).toEqual([3, 1, 2]);
    expect(squeeze(b, [0, 2]).shape).toEqual([3, 2]);
    expect(squeeze(b, 1).shape).toEqual([1, 3, 1, 2]);
    expect(unsqueeze(b, 0).shape).toEqual([1, 1, 3, 1, 2]);
    expect(unsqueeze(b, -1).shape).toEqual([1, 3, 1, 2, 1]);
    expect(b.unsqueeze(4).shape).toEqual([1, 3, 1, 2, 1]);
    expect(unsqueeze(b, 2).data).toBe(b.data);
  });

  it("errors", () => {
    expect(() => unsqueeze(randn([2]), 3)).toThrow(/unsqueeze: argument 'axis'/);
    expect(() => flatten(randn([2, 3]), 1, 0)).toThrow(/flatten: argument 'endAxis'/);
    expect(() => squeeze(randn([2, 3]), 5)).toThrow(/squeeze: argument 'axis'/);
  });

  it("gradcheck", () => {
    gc((x) => flatten(x, 1), [2, 3, 2]);
    gc((x) => squeeze(x), [1, 3, 1]);
    gc((x) => unsqueeze(x, 1), [2, 3]);
  });
});

describe("expand / broadcastTo", () => {
  it("known values", () => {
    const a = tensor([[1], [2]]);
    expect(expand(a, [2, 3]).toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(expand(a, [2, -1, 2]).shape).toEqual([2, 2, 2]);
    expect(a.expand(3, 2, 2).shape).toEqual([3, 2, 2]);
    expect(broadcastTo(tensor([1, 2, 3]), [2, 3]).toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it("errors", () => {
    expect(() => expand(randn([2, 3]), [2, 4])).toThrow(
      /expand: argument 'shape' expected a shape \[2, 3\] broadcasts to.*got \[2, 4\]/,
    );
    expect(() => expand(randn([2, 3]), [3])).toThrow(/expand: argument 'shape'/);
    expect(() => broadcastTo(randn([2]), [-1, 2])).toThrow(/broadcastTo: argument 'shape'/);
  });

  it("gradient sums over broadcast axes", () => {
    const a = tensor([[1], [2]], { dtype: "float64", requiresGrad: true });
    expand(a, [3, 2, 4]).backward(ones([3, 2, 4], { dtype: "float64" }));
    expect(a.grad?.toArray()).toEqual([[12], [12]]);
    gc((x) => expand(x, [2, 3, 4]), [3, 1]);
    gc((x) => broadcastTo(x, [2, 3]), [3]);
  });
});

describe("concat / stack / split / chunk", () => {
  it("known values", () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([[5, 6]]);
    expect(concat([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(cat([a, a], 1).toArray()).toEqual([
      [1, 2, 1, 2],
      [3, 4, 3, 4],
    ]);
    expect(a.concat(b).shape).toEqual([3, 2]);
    expect(concat([a, a.double()]).dtype).toBe("float64");
    expect(stack([tensor([1, 2]), tensor([3, 4])]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([a, a, a], -1).shape).toEqual([2, 2, 3]);
    const x = arange(10);
    expect(split(x, 4).map((p) => p.toArray())).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(split(x, [2, 8]).map((p) => p.shape[0])).toEqual([2, 8]);
    expect(chunk(x, 3).map((p) => p.shape[0])).toEqual([4, 4, 2]);
    expect(chunk(arange(6), 4).map((p) => p.shape[0])).toEqual([2, 2, 2]);
    expect(
      randn([2, 6])
        .chunk(2, 1)
        .map((p) => p.shape),
    ).toEqual([
      [2, 3],
      [2, 3],
    ]);
  });

  it("errors", () => {
    expect(() => concat([randn([2, 3]), randn([2, 4])])).toThrow(
      /concat: argument 'tensors\[1\]' expected shape \[\*, 3\], got \[2, 4\]/,
    );
    expect(() => concat([])).toThrow(/concat: argument 'tensors'/);
    expect(() => stack([randn([2]), randn([3])])).toThrow(/stack: argument 'tensors\[1\]' expected shape \[2\]/);
    expect(() => split(randn([5]), [2, 2])).toThrow(
      /split: argument 'sizeOrSections' expected non-negative sizes summing to 5/,
    );
    expect(() => chunk(randn([5]), 0)).toThrow(/chunk: argument 'chunks'/);
  });

  it("gradcheck, and each split piece is differentiable", () => {
    gc((x, y) => concat([x, y], 1), [2, 3], [2, 2]);
    gc((x, y, z) => stack([x, y, z], 1), [2, 3], [2, 3], [2, 3]);
    gc((x) => split(x, 2, 1)[1]!, [3, 5]);
    gc(
      (x) => {
        const [p, q] = split(x, [1, 3]);
        return concat([q!, p!]);
      },
      [4, 2],
    );
    gc((x) => chunk(x, 3)[2]!, [7]);
  });
});

describe("slice / narrow", () => {
  it("known values", () => {
    const x = arange(10);
    expect(slice(x, 0, 2, 8, 3).toArray()).toEqual([2, 5]);
    expect(slice(x, 0, -3).toArray()).toEqual([7, 8, 9]);
    expect(slice(x, 0, 0, -8).toArray()).toEqual([0, 1]);
    expect(slice(x, 0, 5, 100).toArray()).toEqual([5, 6, 7, 8, 9]);
    expect(slice(x, 0, 8, 2).shape).toEqual([0]);
    expect(x.slice(0, undefined, undefined, 4).toArray()).toEqual([0, 4, 8]);
    const m = arange(12).reshape(3, 4);
    expect(slice(m, 1, 1, 3).toArray()).toEqual([
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    expect(narrow(m, 0, 1, 2).toArray()).toEqual([
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    expect(narrow(m, 1, -1, 1).toArray()).toEqual([[3], [7], [11]]);
  });

  it("errors", () => {
    expect(() => slice(randn([3]), 0, 0, 3, 0)).toThrow(/slice: argument 'step' expected a positive integer, got 0/);
    expect(() => narrow(randn([3]), 0, 1, 3)).toThrow(/narrow: argument 'length' expected an integer in \[0, 2\]/);
    expect(() => narrow(randn([3]), 1, 0, 1)).toThrow(/narrow: argument 'axis'/);
  });

  it("gradcheck", () => {
    gc((x) => slice(x, 1, 1, 5, 2), [2, 6]);
    gc((x) => narrow(x, 0, 1, 2), [4, 3]);
  });
});

describe("pad", () => {
  const x = tensor([1, 2, 3]);
  it("modes on one axis", () => {
    expect(pad(x, [2, 1]).toArray()).toEqual([0, 0, 1, 2, 3, 0]);
    expect(pad(x, [1, 1], "constant", 9).toArray()).toEqual([9, 1, 2, 3, 9]);
    expect(pad(x, [2, 2], "reflect").toArray()).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(pad(x, [2, 1], "replicate").toArray()).toEqual([1, 1, 1, 2, 3, 3]);
    expect(pad(x, [3, 2], "circular").toArray()).toEqual([1, 2, 3, 1, 2, 3, 1, 2]);
    expect(pad(x, [-1, 1]).toArray()).toEqual([2, 3, 0]);
  });

  it("last axis first, then the one before", () => {
    const m = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(pad(m, [1, 0, 0, 1]).toArray()).toEqual([
      [0, 1, 2],
      [0, 3, 4],
      [0, 0, 0],
    ]);
    expect(m.pad([1, 1, 1, 1], "replicate").toArray()).toEqual([
      [1, 1, 2, 2],
      [1, 1, 2, 2],
      [3, 3, 4, 4],
      [3, 3, 4, 4],
    ]);
    expect(pad(randn([2, 3, 4, 5]), [1, 1, 2, 2], "reflect").shape).toEqual([2, 3, 8, 7]);
  });

  it("errors", () => {
    expect(() => pad(x, [1])).toThrow(/pad: argument 'pads' expected an even number/);
    expect(() => pad(x, [3, 0], "reflect")).toThrow(
      /pad: argument 'pads' expected pads on axis 0 at most 2 for mode 'reflect'/,
    );
    expect(() => pad(x, [4, 0], "circular")).toThrow(/pad: argument 'pads'/);
    expect(() => pad(x, [1, 1], "wrap" as "constant")).toThrow(/pad: argument 'mode'/);
  });

  it("gradcheck for every mode", () => {
    gc((y) => pad(y, [1, 2, 2, 0], "constant", 0.5), [3, 4]);
    gc((y) => pad(y, [2, 1, 1, 2], "reflect"), [3, 4]);
    gc((y) => pad(y, [2, 3, 1, 0], "replicate"), [3, 4]);
    gc((y) => pad(y, [4, 2, 3, 1], "circular"), [3, 4]);
  });
});

describe("flip / roll / repeat / tile / repeatInterleave", () => {
  it("known values", () => {
    const m = arange(6).reshape(2, 3);
    expect(flip(m, 1).toArray()).toEqual([
      [2, 1, 0],
      [5, 4, 3],
    ]);
    expect(flip(m, [0, 1]).toArray()).toEqual([
      [5, 4, 3],
      [2, 1, 0],
    ]);
    expect(roll(arange(5), 2).toArray()).toEqual([3, 4, 0, 1, 2]);
    expect(roll(arange(5), -1, 0).toArray()).toEqual([1, 2, 3, 4, 0]);
    expect(roll(m, 1).toArray()).toEqual([
      [5, 0, 1],
      [2, 3, 4],
    ]);
    expect(roll(m, [1, 1], [0, 1]).toArray()).toEqual([
      [5, 3, 4],
      [2, 0, 1],
    ]);
    expect(repeat(tensor([1, 2]), [2, 2]).toArray()).toEqual([
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
    expect(m.repeat(1, 2).shape).toEqual([2, 6]);
    expect(tile(m, [2]).toArray()).toEqual([
      [0, 1, 2, 0, 1, 2],
      [3, 4, 5, 3, 4, 5],
    ]);
    expect(m.tile(2, 1, 1).shape).toEqual([2, 2, 3]);
    expect(repeatInterleave(tensor([1, 2, 3]), 2).toArray()).toEqual([1, 1, 2, 2, 3, 3]);
    expect(repeatInterleave(m, [1, 2], 0).toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [3, 4, 5],
    ]);
    expect(repeatInterleave(m, tensor([0, 1, 2], { dtype: "int32" }), 1).toArray()).toEqual([
      [1, 2, 2],
      [4, 5, 5],
    ]);
    expect(m.repeatInterleave(2).shape).toEqual([12]);
  });

  it("errors", () => {
    expect(() => repeat(randn([2, 3]), [2])).toThrow(/repeat: argument 'reps' expected at least 2 repeats/);
    expect(() => flip(randn([2]), 1)).toThrow(/flip: argument 'axes'/);
    expect(() => roll(randn([2, 2]), [1, 1], [0])).toThrow(/roll: argument 'axes'/);
    expect(() => repeatInterleave(randn([3]), [1, 2], 0)).toThrow(
      /repeatInterleave: argument 'repeats' expected 1 or 3 repeats/,
    );
    expect(() => repeatInterleave(randn([3]), tensor([1, 2, 3]), 0)).toThrow(
      /repeatInterleave: argument 'repeats' expected an int32 tensor/,
    );
  });

  it("gradcheck", () => {
    gc((x) => flip(x, [0, 1]), [2, 3]);
    gc((x) => roll(x, [1, -2], [0, 1]), [3, 4]);
    gc((x) => roll(x, 3), [2, 3]);
    gc((x) => repeat(x, [2, 1, 3]), [2, 2]);
    gc((x) => tile(x, [2]), [2, 3]);
    gc((x) => repeatInterleave(x, [2, 0, 1], 1), [2, 3]);
  });

  it("int and bool tensors pass through shape ops", () => {
    const b = tensor([true, false, true]);
    expect(flip(b, 0).toArray()).toEqual([true, false, true].reverse());
    expect(concat([arange(2), arange(3)]).dtype).toBe("int32");
  });
});
