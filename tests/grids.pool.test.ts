import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  Generator,
  gradcheck,
  interpolate,
  maxPool1d,
  maxPool2d,
  maxPool2dWithIndices,
  maxPool3d,
  randn,
  type Tensor,
  tensor,
} from "../src/index.js";

/** Values computed by PyTorch (see tests/fixtures/grids_torch_ref.py). */
const ref = JSON.parse(readFileSync(new URL("./fixtures/grids_torch_ref.json", import.meta.url), "utf8")) as Record<
  string,
  unknown[]
>;
const x = tensor(Float64Array.from(ref.x as number[]), { shape: [1, 2, 5, 6] });

function expectRef(t: Tensor, key: string, tol = 1e-6) {
  const [shape, values] = ref[key] as [number[], number[]];
  expect([...t.shape]).toEqual(shape);
  for (let i = 0; i < values.length; i++) expect(Math.abs(t.data[i]! - values[i]!)).toBeLessThan(tol);
}

const d = (shape: number[], g: Generator) => randn(shape, { generator: g, dtype: "float64" }).requiresGrad_();

describe("max pooling", () => {
  it("matches PyTorch values and indices (padding, ceil mode, dilation)", () => {
    const r = maxPool2dWithIndices(x, 3, { stride: 2, padding: 1, ceilMode: true });
    expectRef(r.values, "mp");
    expect(r.indices.dtype).toBe("int32");
    expect(r.indices.toFlatArray()).toEqual((ref.mp as number[][])[2]);
    const r2 = maxPool2dWithIndices(x, 2, { dilation: 2 });
    expectRef(r2.values, "mpd");
    expect(r2.indices.toFlatArray()).toEqual((ref.mpd as number[][])[2]);
  });
  it("hand-computed 2×2 and the gradient goes to the maximum", () => {
    const a = tensor([
      [
        [
          [1, 5, 2, 0],
          [3, 4, 8, 1],
          [0, 0, 1, 1],
          [9, 0, 1, 2],
        ],
      ],
    ]).requiresGrad_();
    const y = maxPool2d(a, 2);
    expect(y.toFlatArray()).toEqual([5, 8, 9, 2]);
    y.sum().backward();
    expect(a.grad!.toFlatArray()).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1]);
    expect(maxPool1d(tensor([[[1, 3, 2, 5, 4]]]), 2, { stride: 1 }).toFlatArray()).toEqual([3, 3, 5, 5]);
    expect(maxPool3d(randn([1, 1, 4, 4, 4]), 2).shape).toEqual([1, 1, 2, 2, 2]);
    expect(maxPool2d(randn([3, 4, 4]), 2).shape).toEqual([3, 2, 2]); // unbatched
  });
  it("gradcheck (1-D, 2-D, 3-D)", () => {
    const g = new Generator(3);
    gradcheck((v) => maxPool2d(v!, 3, { stride: 2, padding: 1 }), [d([2, 2, 5, 5], g)]);
    gradcheck((v) => maxPool1d(v!, 2, { stride: 1 }), [d([1, 2, 6], g)]);
    gradcheck((v) => maxPool3d(v!, 2, { stride: 1 }), [d([1, 1, 3, 3, 3], g)]);
  });
  it("errors", () => {
    expect(() => maxPool2d(randn([1, 1, 4, 4]), 3, { padding: 2 })).toThrow(
      /maxPool2d: argument 'padding' expected at most half the kernel size/,
    );
    expect(() => maxPool2d(randn([1, 1, 2, 2]), 3)).toThrow(
      /maxPool2d: argument 'kernelSize' expected a window .* got effective size 3 > 2/,
    );
    expect(() => maxPool2d(randn([4, 4]), 2)).toThrow(/maxPool2d: argument 'input' expected 4-D/);
    expect(() =>
      maxPool2d(
        tensor(
          [
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ],
          { dtype: "int32" },
        ),
        2,
      ),
    ).toThrow(/argument 'input' expected dtype float32 or float64, got int32/);
  });
});

describe("average pooling", () => {
  it("matches PyTorch (countIncludePad on/off, ceil mode, divisorOverride)", () => {
    expectRef(avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), "ap1");
    expectRef(avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), "ap2");
    expectRef(avgPool2d(x, [2, 3], { stride: [1, 2], padding: [1, 1], divisorOverride: 5 }), "ap3");
  });
  it("hand-computed", () => {
    expect(avgPool1d(tensor([[[1, 2, 3, 4, 6]]]), 2).toFlatArray()).toEqual([1.5, 3.5]);
    expect(avgPool1d(tensor([[[2, 4]]]), 2, { stride: 1, padding: 1 }).toFlatArray()).toEqual([1, 3, 2]);
    expect(avgPool1d(tensor([[[2, 4]]]), 2, { stride: 1, padding: 1, countIncludePad: false }).toFlatArray()).toEqual([
      2, 3, 4,
    ]);
    expect(avgPool3d(randn([1, 2, 4, 4, 4]), 2).shape).toEqual([1, 2, 2, 2, 2]);
  });
  it("gradcheck", () => {
    const g = new Generator(4);
    gradcheck(
      (v) => avgPool2d(v!, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
      [d([1, 2, 5, 6], g)],
    );
    gradcheck((v) => avgPool1d(v!, 3, { stride: 2, padding: 1 }), [d([2, 1, 7], g)]);
    gradcheck((v) => avgPool3d(v!, 2, { stride: 1 }), [d([1, 1, 3, 3, 3], g)]);
  });
});

describe("adaptive average pooling", () => {
  it("matches PyTorch", () => {
    expectRef(adaptiveAvgPool2d(x, [3, 4]), "aap");
  });
  it("hand-computed windows ⌊o·n/m⌋ … ⌈(o+1)·n/m⌉ and global pooling", () => {
    // n = 5, m = 3: windows [0, 2), [1, 4), [3, 5)
    expect(adaptiveAvgPool1d(tensor([[[1, 2, 3, 4, 5]]]), 3).toFlatArray()).toEqual([1.5, 3, 4.5]);
    const v = randn([2, 3, 4, 5]);
    const gap = adaptiveAvgPool2d(v, 1);
    expect(gap.shape).toEqual([2, 3, 1, 1]);
    expect(Math.abs(gap.data[0]! - v.reshape([2, 3, 20]).mean(-1).data[0]!)).toBeLessThan(1e-6);
    expect(adaptiveAvgPool2d(v, [null, 2]).shape).toEqual([2, 3, 4, 2]);
    expect(adaptiveAvgPool3d(randn([1, 1, 5, 5, 5]), 2).shape).toEqual([1, 1, 2, 2, 2]);
  });
  it("gradcheck", () => {
    const g = new Generator(5);
    gradcheck((v) => adaptiveAvgPool2d(v!, [3, 2]), [d([1, 2, 5, 4], g)]);
    gradcheck((v) => adaptiveAvgPool3d(v!, [2, 1, 2]), [d([1, 1, 3, 2, 3], g)]);
  });
  it("errors", () => {
    expect(() => adaptiveAvgPool2d(randn([1, 1, 4, 4]), 0)).toThrow(
      /adaptiveAvgPool2d: argument 'outputSize' expected a positive integer/,
    );
  });
});

describe("interpolate", () => {
  it("matches PyTorch: nearest, nearest-exact, bilinear with and without alignCorners", () => {
    expectRef(interpolate(x, { size: [7, 9] }), "near");
    expectRef(interpolate(x, { scaleFactor: 1.5 }), "near2");
    expectRef(interpolate(x, { size: [3, 4], mode: "nearest-exact" }), "nearex");
    expectRef(interpolate(x, { size: [7, 4], mode: "bilinear" }), "bil");
    expectRef(interpolate(x, { size: [7, 4], mode: "bilinear", alignCorners: true }), "bilac");
    expectRef(interpolate(x, { scaleFactor: 1.7, mode: "bilinear" }), "bilsf");
  });
  it("hand-computed", () => {
    expect(interpolate(tensor([[[1, 2]]]), { scaleFactor: 2 }).toFlatArray()).toEqual([1, 1, 2, 2]);
    expect(interpolate(tensor([[[0, 4]]]), { size: 3, mode: "linear", alignCorners: true }).toFlatArray()).toEqual([
      0, 2, 4,
    ]);
    expect(interpolate(tensor([[[0, 4]]]), { size: 4, mode: "linear" }).toFlatArray()).toEqual([0, 1, 3, 4]);
    expect(interpolate(randn([1, 1, 2, 2, 2]), { scaleFactor: 2, mode: "trilinear" }).shape).toEqual([1, 1, 4, 4, 4]);
  });
  it("gradcheck", () => {
    const g = new Generator(6);
    gradcheck((v) => interpolate(v!, { size: [5, 7], mode: "bilinear" }), [d([1, 2, 3, 4], g)]);
    gradcheck((v) => interpolate(v!, { size: [4, 3], mode: "bilinear", alignCorners: true }), [d([1, 1, 3, 4], g)]);
    gradcheck((v) => interpolate(v!, { scaleFactor: 2 }), [d([1, 2, 2, 3], g)]);
    gradcheck((v) => interpolate(v!, { size: [3, 3, 2], mode: "trilinear" }), [d([1, 1, 2, 2, 3], g)]);
  });
  it("errors", () => {
    expect(() => interpolate(randn([1, 1, 4]), { size: 3, mode: "bilinear" })).toThrow(
      /interpolate: argument 'input' expected 4-D input for mode 'bilinear', got shape \[1, 1, 4\]/,
    );
    expect(() => interpolate(randn([1, 1, 4]), {})).toThrow(
      /interpolate: argument 'size' expected either 'size' or 'scaleFactor', got neither/,
    );
    expect(() => interpolate(randn([1, 1, 4]), { size: 3, alignCorners: true })).toThrow(
      /argument 'alignCorners' expected undefined for nearest modes/,
    );
  });
});
