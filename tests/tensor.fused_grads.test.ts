import { describe, expect, it } from "vitest";
import {
  add,
  elu,
  Generator,
  gt,
  indexSelect,
  leakyRelu,
  mul,
  noGrad,
  randn,
  relu,
  scatter,
  scatterSoftmax,
  sub,
  Tensor,
  where,
} from "../src/tensor/index.js";

/** The gradient of `f` at `x` for the upstream gradient `g`. */
function gradOf(f: (x: Tensor) => Tensor, x0: Tensor, g: Tensor): Float32Array | Float64Array {
  const x = new Tensor(x0.data.slice(), x0.shape, x0.dtype).requiresGrad_();
  f(x).backward(g);
  return x.grad!.data as Float32Array | Float64Array;
}

describe("one-pass gradients give the bits of the composed ops they replace", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const gen = new Generator(11);
    const x = randn([257, 9], { generator: gen, dtype });
    (x.data as Float32Array)[5] = 0;
    (x.data as Float32Array)[6] = -0;
    const g = randn([257, 9], { generator: gen, dtype });

    it(`relu, leakyRelu and elu (${dtype})`, () => {
      const composed = noGrad(() => ({
        relu: mul(g, gt(x, 0)).data,
        leaky: where(gt(x, 0), g, mul(g, 0.2)).data,
        elu: where(gt(x, 0), g, mul(g, add(elu(x, 1.3), 1.3))).data,
      }));
      expect(gradOf((t) => relu(t), x, g)).toEqual(composed.relu);
      expect(gradOf((t) => leakyRelu(t, 0.2), x, g)).toEqual(composed.leaky);
      expect(gradOf((t) => elu(t, 1.3), x, g)).toEqual(composed.elu);
    });

    it(`scatterSoftmax (${dtype})`, () => {
      const index = new Tensor(
        Int32Array.from({ length: 257 }, (_, i) => (i * 7) % 40),
        [257],
        "int32",
      );
      const y = noGrad(() => scatterSoftmax(x, index, 41));
      const composed = noGrad(() => {
        const gy = mul(g, y);
        const s = indexSelect(scatter(gy, index, 0, 41, "sum"), 0, index);
        return mul(y, sub(g, s)).data;
      });
      const got = gradOf((t) => scatterSoftmax(t, index, 41), x, g);
      // the composed form rounds g − s to the dtype before the product; the op forms y·(g − s) in
      // float64 and rounds once (as before this change), so compare against that
      const ref = new (dtype === "float32" ? Float32Array : Float64Array)(got.length);
      const s = noGrad(() => indexSelect(scatter(mul(g, y), index, 0, 41, "sum"), 0, index).data);
      for (let i = 0; i < ref.length; i++) ref[i] = y.data[i]! * (g.data[i]! - s[i]!);
      expect(got).toEqual(ref);
      // and it is the composed gradient to rounding
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(composed[i]!, 5);
    });
  }
});
