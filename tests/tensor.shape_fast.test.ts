/**
 * The fast paths of the data-movement ops (coalesced and tiled strided copies in `permute`/`expand`,
 * contiguous runs in `narrow`/`slice`/`concat`, one loop for `indexSelect` and its scatter-sum with
 * small slices) against element-by-element references written here: bit for bit, over shapes, axes
 * and dtypes that reach each path.
 */
import { describe, expect, it } from "vitest";
import type { DType, TypedArray } from "../src/tensor/dtype.js";
import { gradcheck } from "../src/tensor/gradcheck.js";
import { indexSelect } from "../src/tensor/ops/indexing.js";
import { concat, expand, narrow, permute, slice } from "../src/tensor/ops/shape.js";
import { Generator } from "../src/tensor/rng.js";
import { stridesOf, Tensor } from "../src/tensor/tensor.js";

const gen = new Generator(12);

/** A tensor of random values (with a few −0 among the floats) of the dtype. */
function rand(shape: number[], dtype: DType): Tensor {
  const n = shape.reduce((p, v) => p * v, 1);
  const data =
    dtype === "float32"
      ? new Float32Array(n)
      : dtype === "float64"
        ? new Float64Array(n)
        : dtype === "int32"
          ? new Int32Array(n)
          : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const u = gen.random();
    if (dtype === "int32") data[i] = Math.floor((u - 0.5) * 2e9);
    else if (dtype === "bool") data[i] = u < 0.5 ? 1 : 0;
    else data[i] = i % 7 === 3 ? -0 : (u - 0.5) * 10;
  }
  return new Tensor(data, shape, dtype);
}

/** The bytes of a typed array (so that −0 and +0 differ). */
const bytes = (a: TypedArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function expectSameBits(actual: Tensor, expected: TypedArray, shape: readonly number[]): void {
  expect(actual.shape).toEqual(shape);
  expect(actual.data.constructor).toBe(expected.constructor);
  expect(Buffer.compare(bytes(actual.data), bytes(expected))).toBe(0);
}

/** out[i…] = a[offset(i…)] element by element, with source strides `st` per output axis. */
function gatherRef(a: Tensor, outShape: readonly number[], st: readonly number[], offset = 0): TypedArray {
  const n = outShape.reduce((p, v) => p * v, 1);
  const out = new (a.data.constructor as new (n: number) => TypedArray)(n);
  const os = stridesOf(outShape);
  for (let f = 0; f < n; f++) {
    let p = offset;
    for (let k = 0; k < outShape.length; k++) p += (Math.floor(f / os[k]!) % outShape[k]!) * st[k]!;
    out[f] = a.data[p]!;
  }
  return out;
}

const DTYPES: DType[] = ["float32", "float64", "int32", "bool"];

/** permute(a, axes) equals the element-by-element gather with the permuted strides, bit for bit. */
function expectPermuteMatches(a: Tensor, axes: readonly number[]): void {
  const shape = a.shape;
  const st = stridesOf(shape);
  const outShape = axes.map((k) => shape[k]!);
  expectSameBits(
    permute(a, [...axes]),
    gatherRef(
      a,
      outShape,
      axes.map((k) => st[k]!),
    ),
    outShape,
  );
}

describe("permute fast paths (coalesced rows, tiles, blocks over short axes)", () => {
  const cases: { shape: number[]; axes: number[] }[] = [
    { shape: [11, 3, 4, 8, 8], axes: [1, 3, 2, 4, 0] }, // R2Conv's factored filter: blocks over (U, dO, dI)
    { shape: [3, 8, 4, 8, 11], axes: [4, 0, 2, 1, 3] }, // and its inverse: blocks over (U, dO, dI)
    { shape: [11, 6, 5, 8, 8], axes: [1, 3, 2, 4, 0] }, // C8's shapes, smaller nO, nI
    { shape: [6, 8, 5, 8, 11], axes: [4, 0, 2, 1, 3] },
    { shape: [3, 4, 40, 2, 5], axes: [1, 3, 2, 4, 0] }, // a block axis cut (40 of 2·5·4·…), with a remainder
    { shape: [1000, 8], axes: [1, 0] }, // one short transposed axis, the long one cut in blocks
    { shape: [8, 1000], axes: [1, 0] },
    { shape: [3, 600, 5], axes: [2, 1, 0] },
    { shape: [7, 9, 2, 11, 3], axes: [3, 0, 4, 2, 1] },
    { shape: [2, 3, 2, 3, 2, 3], axes: [5, 3, 1, 4, 2, 0] }, // many tiny axes
    { shape: [9, 1, 13, 1, 10], axes: [4, 2, 0, 3, 1] },
    { shape: [70, 90], axes: [1, 0] }, // a transpose larger than one tile on both axes
    { shape: [33, 1, 65], axes: [2, 1, 0] },
    { shape: [3, 40, 2, 50], axes: [2, 3, 0, 1] }, // several tiles per position of two other axes
    { shape: [2, 3, 4, 5, 6], axes: [0, 2, 1, 3, 4] }, // coalesced rows of 30
    { shape: [4, 5, 3, 70], axes: [1, 0, 2, 3] }, // rows long enough for TypedArray.set
    { shape: [2, 1, 3, 1], axes: [3, 2, 1, 0] },
    { shape: [5, 6, 7], axes: [2, 0, 1] },
    { shape: [1, 1, 9], axes: [2, 0, 1] },
    { shape: [6, 0, 3], axes: [2, 1, 0] },
  ];
  for (const dtype of DTYPES) {
    it(`matches an element-by-element copy (${dtype})`, () => {
      for (const { shape, axes } of cases) expectPermuteMatches(rand(shape, dtype), axes);
    });
  }

  it("random shapes and permutations, float32", () => {
    for (let t = 0; t < 40; t++) {
      const nd = 1 + Math.floor(gen.random() * 5);
      const shape = Array.from({ length: nd }, () => 1 + Math.floor(gen.random() * 7));
      const axes = Array.from({ length: nd }, (_, k) => k);
      for (let i = nd - 1; i > 0; i--) {
        const j = Math.floor(gen.random() * (i + 1));
        [axes[i], axes[j]] = [axes[j]!, axes[i]!];
      }
      expectPermuteMatches(rand(shape, "float32"), axes);
    }
  });

  it("random shapes with short and long axes, all dtypes", () => {
    for (let t = 0; t < 60; t++) {
      const nd = 2 + Math.floor(gen.random() * 5);
      let shape = Array.from({ length: nd }, () => 1 + Math.floor(gen.random() * (gen.random() < 0.3 ? 40 : 12)));
      while (shape.reduce((p, v) => p * v, 1) > 60000) shape = shape.map((n) => Math.max(1, n >> 1));
      const axes = Array.from({ length: nd }, (_, k) => k);
      for (let i = nd - 1; i > 0; i--) {
        const j = Math.floor(gen.random() * (i + 1));
        [axes[i], axes[j]] = [axes[j]!, axes[i]!];
      }
      expectPermuteMatches(rand(shape, DTYPES[t % DTYPES.length]!), axes);
    }
  });

  it("the gradient is the inverse permutation, bit for bit; gradcheck on the tiled path", () => {
    const x = rand([11, 3, 4, 8, 8], "float32").requiresGrad_();
    const y = permute(x, [1, 3, 2, 4, 0]);
    const g = rand(y.shape as number[], "float32");
    y.backward(g);
    const st = stridesOf(g.shape);
    expectSameBits(x.grad!, gatherRef(g, x.shape, [st[4]!, st[0]!, st[2]!, st[1]!, st[3]!]), x.shape);
    const d = rand([5, 3, 34], "float64").requiresGrad_();
    expect(gradcheck((v) => permute(v, [2, 1, 0]), [d]).ok).toBe(true);
  });
});

describe("expand: broadcast strides through the coalesced copy", () => {
  for (const dtype of DTYPES) {
    it(`matches an element-by-element copy (${dtype})`, () => {
      const cases: { shape: number[]; to: number[] }[] = [
        { shape: [3, 1, 5], to: [2, 3, 4, 5] },
        { shape: [1, 70], to: [6, 70] },
        { shape: [4, 1], to: [4, 80] },
        { shape: [1], to: [3, 2] },
        { shape: [2, 1, 3, 1], to: [2, 5, 3, 7] },
      ];
      for (const { shape, to } of cases) {
        const a = rand(shape, dtype);
        const off = to.length - shape.length;
        const st = stridesOf(shape);
        const srcSt = to.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : st[i - off]!));
        expectSameBits(expand(a, to), gatherRef(a, to, srcSt), to);
      }
    });
  }
});

describe("narrow / slice / concat fast paths", () => {
  const cases: [number[], number, number, number][] = [
    [[11, 300], 0, 4, 1], // concat's backward in R2Conv: one row of a [U, n] gradient
    [[4, 9, 5], 1, 2, 6],
    [[4, 9, 5], 2, 1, 3],
    [[3, 200, 2], 1, 17, 100], // runs long enough for TypedArray.set
    [[5, 4], 0, 5, 0],
    [[6], 0, 0, 6],
  ];
  for (const dtype of DTYPES) {
    it(`narrow and slice(step 1) match an element-by-element copy (${dtype})`, () => {
      for (const [shape, ax, start, len] of cases) {
        const a = rand(shape, dtype);
        const outShape = [...shape];
        outShape[ax] = len;
        const st = stridesOf(shape);
        const expected = gatherRef(a, outShape, st, start * st[ax]!);
        expectSameBits(narrow(a, ax, start, len), expected, outShape);
        expectSameBits(slice(a, ax, start, start + len), expected, outShape);
      }
    });
  }

  for (const dtype of ["float32", "float64"] as const) {
    it(`the gradient of narrow adds each element to zero (−0 becomes +0), like a scatter-add (${dtype})`, () => {
      for (const [shape, ax, start, len] of cases) {
        const x = rand(shape, dtype).requiresGrad_();
        const y = narrow(x, ax, start, len);
        const g = rand(y.shape as number[], dtype);
        y.backward(g);
        const expected = new (g.data.constructor as new (n: number) => TypedArray)(x.size);
        const st = stridesOf(shape);
        const gs = stridesOf(g.shape);
        for (let f = 0; f < g.size; f++) {
          let p = start * st[ax]!;
          for (let k = 0; k < shape.length; k++) p += (Math.floor(f / gs[k]!) % g.shape[k]!) * st[k]!;
          expected[p]! += g.data[f]!;
        }
        expectSameBits(x.grad!, expected, shape);
      }
    });
  }

  it("concat and its backward over small and long runs; gradchecks", () => {
    for (const dtype of DTYPES) {
      const parts = [rand([3, 2, 5], dtype), rand([3, 1, 5], dtype), rand([3, 40, 5], dtype)];
      const c = concat(parts, 1);
      const expected = new (parts[0]!.data.constructor as new (n: number) => TypedArray)(c.size);
      let f = 0;
      for (let o = 0; o < 3; o++)
        for (const p of parts)
          for (let i = 0; i < p.shape[1]! * 5; i++) expected[f++] = p.data[o * p.shape[1]! * 5 + i]!;
      expectSameBits(c, expected, [3, 43, 5]);
    }
    const d = (s: number[]) => rand(s, "float64").requiresGrad_();
    expect(gradcheck((a, b) => concat([a, b], 1), [d([2, 3, 4]), d([2, 5, 4])]).ok).toBe(true);
    expect(gradcheck((a) => narrow(a, 1, 2, 3), [d([3, 6, 2])]).ok).toBe(true);
    expect(gradcheck((a) => slice(a, 2, 1, 4), [d([2, 3, 5])]).ok).toBe(true);
  });
});

describe("indexSelect with small slices (one loop) and its scatter-sum", () => {
  const cases: [number[], number, number[]][] = [
    [[40, 88], 1, [3, 5, 7, 9, 11, 13, 15, 17]], // R2Conv's coefficient columns (inner 1)
    [[7, 10], 1, [9, 0, 9, 3, 3, 5, 1]], // columns, repeated, not a multiple of the unrolling
    [[5, 2, 6], 2, [5, 5, 5, 5, 0, 2, 5, 1, 5]], // columns of a 3-D view, one index many times
    [[6, 9, 3], 1, [8, 0, 8, 2, 2]], // repeated indices
    [[5, 7, 300], 1, [6, 1, 1, 4]], // slices above the loop's limit (row kernels)
    [[2, 3, 4, 2], 2, [3, 3, 0]],
  ];
  for (const dtype of ["float32", "float64", "int32"] as const) {
    it(`matches an element-by-element gather (${dtype}); the gradient sums in index order`, () => {
      for (const [shape, ax, ids] of cases) {
        const a = rand(shape, dtype);
        const index = new Tensor(Int32Array.from(ids), [ids.length], "int32");
        const outer = shape.slice(0, ax).reduce((p, v) => p * v, 1);
        const inner = shape.slice(ax + 1).reduce((p, v) => p * v, 1);
        const n = shape[ax]!;
        const k = ids.length;
        const outShape = [...shape];
        outShape[ax] = k;
        const expected = new (a.data.constructor as new (n: number) => TypedArray)(outer * k * inner);
        for (let o = 0; o < outer; o++)
          for (let j = 0; j < k; j++)
            for (let f = 0; f < inner; f++) expected[(o * k + j) * inner + f] = a.data[(o * n + ids[j]!) * inner + f]!;
        const x = dtype === "int32" ? a : a.requiresGrad_();
        const y = indexSelect(x, ax, index);
        expectSameBits(y, expected, outShape);
        if (dtype === "int32") continue;
        const g = rand(outShape, dtype);
        y.backward(g);
        const sum = new (a.data.constructor as new (n: number) => TypedArray)(a.size);
        for (let o = 0; o < outer; o++)
          for (let j = 0; j < k; j++)
            for (let f = 0; f < inner; f++) sum[(o * n + ids[j]!) * inner + f]! += g.data[(o * k + j) * inner + f]!;
        expectSameBits(x.grad!, sum, shape);
      }
    });
  }

  it("gradcheck along a middle axis with repeated indices", () => {
    const index = new Tensor(Int32Array.from([2, 0, 2]), [3], "int32");
    const x = rand([4, 3, 2], "float64").requiresGrad_();
    expect(gradcheck((v) => indexSelect(v, 1, index), [x]).ok).toBe(true);
  });
});
