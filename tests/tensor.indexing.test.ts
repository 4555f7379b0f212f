import { describe, expect, it } from "vitest";
import {
  argsort,
  gather,
  gradcheck,
  indexAdd,
  indexSelect,
  maskedFill,
  maskedSelect,
  nonzero,
  oneHot,
  randn,
  reorderRows,
  scalar,
  scatterAdd,
  sort,
  Tensor,
  tensor,
  topk,
  zeros,
} from "../src/tensor/index.js";

const i32 = (v: number[], shape?: number[]) => tensor(v, { dtype: "int32", shape });

describe("indexSelect", () => {
  it("selects rows and columns with repeats", () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(indexSelect(a, 0, i32([2, 0, 2])).toArray()).toEqual([
      [7, 8, 9],
      [1, 2, 3],
      [7, 8, 9],
    ]);
    expect(a.indexSelect(-1, i32([1])).toArray()).toEqual([[2], [5], [8]]);
    expect(indexSelect(a, 1, i32([])).shape).toEqual([3, 0]);
  });

  it("works for int32 and bool and 3-D middle axes", () => {
    const a = tensor([1, 2, 3, 4, 5, 6, 7, 8], { dtype: "int32", shape: [2, 2, 2] });
    expect(indexSelect(a, 1, i32([1, 0])).toFlatArray()).toEqual([3, 4, 1, 2, 7, 8, 5, 6]);
    const b = tensor([true, false, true]);
    expect(indexSelect(b, 0, i32([1, 2])).toArray()).toEqual([false, true]);
  });

  it("rejects out-of-range and non-int32 indices with a named error", () => {
    const a = zeros([3, 2]);
    expect(() => indexSelect(a, 0, i32([0, 3]))).toThrow(
      /indexSelect: argument 'index' expected values in \[0, 3\), got 3 at position 1/,
    );
    expect(() => indexSelect(a, 0, i32([-1]))).toThrow(/got -1 at position 0/);
    expect(() => indexSelect(a, 0, tensor([0, 1]))).toThrow(
      /indexSelect: argument 'index' expected dtype int32, got float32/,
    );
    expect(() => indexSelect(a, 2, i32([0]))).toThrow(/indexSelect: argument 'axis'/);
  });

  it("gradcheck (repeated indices accumulate)", () => {
    const x = randn([4, 3, 2]).double().requiresGrad_();
    gradcheck((t) => indexSelect(t, 1, i32([2, 0, 2, 1])), [x]);
    gradcheck((t) => indexSelect(t, 0, i32([3, 3, 1])), [x]);
  });
});

describe("indexAdd", () => {
  it("adds with repeats and alpha", () => {
    const a = zeros([3, 2]);
    const src = tensor([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(indexAdd(a, 0, i32([0, 2, 0]), src).toArray()).toEqual([
      [4, 4],
      [0, 0],
      [2, 2],
    ]);
    expect(a.indexAdd(0, i32([1, 1, 1]), src, 2).toArray()).toEqual([
      [0, 0],
      [12, 12],
      [0, 0],
    ]);
    expect(() => indexAdd(a, 0, i32([0, 1]), src)).toThrow(
      /indexAdd: argument 'src' expected shape \[2, 2\], got \[3, 2\]/,
    );
  });

  it("gradcheck in a and src", () => {
    const a = randn([3, 4]).double().requiresGrad_();
    const s = randn([3, 2]).double().requiresGrad_();
    gradcheck((x, y) => indexAdd(x, 1, i32([3, 0]), y, 0.5), [a, s]);
  });
});

describe("gather / scatterAdd", () => {
  it("matches torch.gather", () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(gather(a, 1, i32([0, 0, 1, 0], [2, 2])).toArray()).toEqual([
      [1, 1],
      [4, 3],
    ]);
    expect(gather(a, 0, i32([1, 0], [1, 2])).toArray()).toEqual([[3, 2]]);
  });

  it("scatterAdd matches torch.scatter_add", () => {
    const out = scatterAdd(
      zeros([3, 2]),
      0,
      i32([0, 2, 1, 0, 2, 2], [3, 2]),
      tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }),
    );
    expect(out.toArray()).toEqual([
      [1, 4],
      [3, 0],
      [5, 8],
    ]);
  });

  it("scatterAdd with an index smaller than src", () => {
    const out = scatterAdd(zeros([2, 3]), 1, i32([2, 2], [2, 1]), tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] }));
    expect(out.toArray()).toEqual([
      [0, 0, 1],
      [0, 0, 4],
    ]);
    const s = randn([2, 3]).double().requiresGrad_();
    gradcheck((t) => scatterAdd(zeros([2, 3], { dtype: "float64" }), 1, i32([2, 0], [2, 1]), t), [s]);
  });

  it("rejects bad index shapes and values", () => {
    const a = zeros([2, 2]);
    expect(() => gather(a, 1, i32([0, 2], [1, 2]))).toThrow(
      /gather: argument 'index' expected values in \[0, 2\), got 2 at position 1/,
    );
    expect(() => gather(a, 1, i32([0, 1]))).toThrow(/gather: argument 'index' expected 2 axes/);
    expect(() => gather(a, 1, i32([0, 0, 0, 0, 0, 0], [3, 2]))).toThrow(
      /gather: argument 'index' expected size <= 2 on axis 0/,
    );
  });

  it("gradcheck", () => {
    const x = randn([3, 4]).double().requiresGrad_();
    const idx = i32([0, 3, 3, 1, 2, 2, 0, 0], [2, 4]);
    gradcheck((t) => gather(t, 1, idx), [x]);
    gradcheck((t) => gather(t, 0, i32([2, 0, 1, 2, 0, 0, 1, 1], [2, 4])), [x]);
    const s = randn([2, 4]).double().requiresGrad_();
    gradcheck((a, b) => scatterAdd(a, 1, idx, b), [x, s]);
  });
});

describe("oneHot", () => {
  it("encodes classes", () => {
    expect(oneHot(i32([0, 2, 1]), 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    const t = oneHot(i32([1, 0], [2, 1]), -1, "float32");
    expect(t.shape).toEqual([2, 1, 2]);
    expect(t.dtype).toBe("float32");
    expect(() => oneHot(i32([3]), 3)).toThrow(
      /oneHot: argument 'index' expected values in \[0, 3\), got 3 at position 0/,
    );
  });
});

describe("masks", () => {
  const mask = tensor([
    [true, false, true],
    [false, false, true],
  ]);

  it("maskedSelect with broadcasting", () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(maskedSelect(a, mask).toFlatArray()).toEqual([1, 3, 6]);
    expect(maskedSelect(tensor([10, 20, 30]), mask).toFlatArray()).toEqual([10, 30, 30]);
    expect(() => maskedSelect(a, tensor([1, 0, 1]))).toThrow(
      /maskedSelect: argument 'mask' expected dtype bool, got float32/,
    );
  });

  it("maskedFill with number and tensor values", () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(maskedFill(a, mask, -1).toArray()).toEqual([
      [-1, 2, -1],
      [4, 5, -1],
    ]);
    expect(a.maskedFill(tensor([false, true, false]), scalar(0)).toArray()).toEqual([
      [1, 0, 3],
      [4, 0, 6],
    ]);
  });

  it("gradcheck maskedSelect and maskedFill (a and value)", () => {
    const x = randn([2, 3]).double().requiresGrad_();
    gradcheck((t) => maskedSelect(t, mask), [x]);
    const row = randn([3]).double().requiresGrad_();
    gradcheck((t) => maskedSelect(t, mask), [row]);
    const v = scalar(0.7, { dtype: "float64" }).requiresGrad_();
    gradcheck((t, val) => maskedFill(t, mask, val), [x, v]);
    gradcheck((t) => maskedFill(t, mask, -3), [row]);
  });

  it("nonzero", () => {
    expect(nonzero(mask).toArray()).toEqual([
      [0, 0],
      [0, 2],
      [1, 2],
    ]);
    expect(nonzero(tensor([0, 3, 0, 1])).toArray()).toEqual([[1], [3]]);
  });
});

describe("sort / argsort / topk", () => {
  it("sorts stably in both directions, NaN largest", () => {
    const a = tensor([3, 1, 2, 1, Number.NaN, 3]);
    const s = sort(a);
    expect(s.indices.toFlatArray()).toEqual([1, 3, 2, 0, 5, 4]);
    expect(s.values.toFlatArray().slice(0, 5)).toEqual([1, 1, 2, 3, 3]);
    expect(sort(a, -1, true).indices.toFlatArray()).toEqual([4, 0, 5, 2, 1, 3]);
    expect(argsort(tensor([2, 2, 1]), 0).toFlatArray()).toEqual([2, 0, 1]);
  });

  it("sorts along a middle axis", () => {
    const a = tensor([5, 1, 2, 8, 3, 4], { shape: [3, 2] });
    const s = a.sort(0);
    expect(s.values.toArray()).toEqual([
      [2, 1],
      [3, 4],
      [5, 8],
    ]);
    expect(s.indices.toArray()).toEqual([
      [1, 0],
      [2, 2],
      [0, 1],
    ]);
  });

  it("topk largest and smallest", () => {
    const a = tensor([
      [1, 5, 3, 5],
      [9, 0, 2, 4],
    ]);
    const r = topk(a, 2);
    expect(r.values.toArray()).toEqual([
      [5, 5],
      [9, 4],
    ]);
    expect(r.indices.toArray()).toEqual([
      [1, 3],
      [0, 3],
    ]);
    expect(a.topk(1, -1, false).indices.toArray()).toEqual([[0], [1]]);
    expect(() => topk(a, 5)).toThrow(/topk: argument 'k' expected an integer in \[0, 4\]/);
  });

  it("gradcheck sort and topk values", () => {
    const x = randn([3, 5]).double().requiresGrad_();
    gradcheck((t) => topk(t, 3).values, [x]);
    gradcheck((t) => topk(t, 2, 0, false).values, [x]);
    gradcheck((t) => sort(t, 0, true).values, [x]);
  });

  it("indices are int32 tensors", () => {
    const r = topk(randn([4]), 2);
    expect(r.indices).toBeInstanceOf(Tensor);
    expect(r.indices.dtype).toBe("int32");
  });
});

describe("index checks kept per index tensor", () => {
  const long = (n: number, v: (i: number) => number) =>
    new Tensor(
      Int32Array.from({ length: n }, (_, i) => v(i)),
      [n],
    );

  it("rechecks a long index after an in-place change, a version bump or new storage", () => {
    const a = randn([10, 3]);
    const idx = long(1000, (i) => i % 10);
    expect(indexSelect(a, 0, idx).shape).toEqual([1000, 3]);
    // in place through the library: version bumped, the out-of-range value is found
    idx.copy_(long(1000, (i) => (i === 700 ? 10 : i % 10)));
    expect(() => indexSelect(a, 0, idx)).toThrow(
      /indexSelect: argument 'index' expected values in \[0, 10\), got 10 at position 700/,
    );
    // direct writes followed by a version bump
    const j = long(1000, (i) => i % 10);
    indexSelect(a, 0, j);
    (j.data as Int32Array)[3] = -1;
    j.version++;
    expect(() => indexSelect(a, 0, j)).toThrow(/got -1 at position 3/);
    // replaced storage
    const k = long(1000, (i) => i % 10);
    indexSelect(a, 0, k);
    k.data = Int32Array.from({ length: 1000 }, (_, i) => (i === 999 ? 12 : 0));
    expect(() => indexSelect(a, 0, k)).toThrow(/got 12 at position 999/);
  });

  it("checks a kept range against each op's own bound", () => {
    const idx = long(600, (i) => i % 8);
    expect(indexSelect(randn([8, 2]), 0, idx).shape).toEqual([600, 2]);
    expect(() => indexSelect(randn([5, 2]), 0, idx)).toThrow(/expected values in \[0, 5\), got 5 at position 5/);
  });
});

describe("reorderRows", () => {
  it("permutes rows, gathers the gradient back through the inverse, and checks its indices", () => {
    const order = i32([2, 0, 3, 1]);
    const inverse = i32([1, 3, 0, 2]);
    const a = randn([4, 3]);
    const y = reorderRows(a, order, inverse);
    expect(Array.from(y.data)).toEqual(Array.from(indexSelect(a, 0, order).data));
    const x = randn([4, 3, 2]).double().requiresGrad_();
    gradcheck((t) => reorderRows(t, order, inverse), [x]);
    expect(() => reorderRows(a, i32([0, 1, 2]), inverse)).toThrow(
      /reorderRows: argument 'order' expected a 1-D tensor of length 4, got \[3\]/,
    );
    expect(() => reorderRows(a, order, i32([1, 3, 0, 4]))).toThrow(
      /reorderRows: argument 'inverse' expected values in \[0, 4\), got 4 at position 3/,
    );
  });
});
