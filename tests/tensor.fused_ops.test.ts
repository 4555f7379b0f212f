/**
 * The fused ops that moved out of the layers (tensor products through paths, Gaussian smearing):
 * values against their composite definitions and float64 gradient checks at the op level.
 */
import { describe, expect, it } from "vitest";
import { Generator, gradcheck, randn, type Tensor, tensor } from "../src/index.js";
import { gaussianSmearing } from "../src/nn/functional.js";
import { type TensorProductPath, tensorProductPaths } from "../src/tensor/ops/tensor_product.js";

const f64 = (shape: number[], seed: number) => randn(shape, { dtype: "float64", generator: new Generator(seed) });

/** The dot product of two 3-vectors as a path 1o ⊗ 1o → 0e (coefficients δ_ij/√3). */
function dotPath(
  mode: TensorProductPath["mode"],
  U: number,
  V: number,
  W: number,
  hasWeight: boolean,
): TensorProductPath {
  const s = 1 / Math.sqrt(3);
  return {
    mode,
    U,
    V,
    W,
    d1: 3,
    d2: 3,
    d3: 1,
    o1: 0,
    o2: 0,
    o3: 0,
    hasWeight,
    wOff: 0,
    pw: 1.5,
    ci: Int32Array.from([0, 1, 2]),
    cj: Int32Array.from([0, 1, 2]),
    ck: Int32Array.from([0, 0, 0]),
    cv: Float64Array.from([s, s, s]),
  };
}

/** out[z, w] = pw · Σ_{u,v} W[u, v, w] · x1[z, u]·x2[z, v] / √3 with composite ops. */
function dotReference(x1: Tensor, x2: Tensor, W: Tensor, U: number, V: number, Wm: number): Tensor {
  const Z = x1.shape[0]!;
  const a = x1.reshape([Z, U, 1, 3]);
  const b = x2.reshape([Z, 1, V, 3]);
  const t = a
    .mul(b)
    .sum(3)
    .reshape([Z, U * V])
    .div(Math.sqrt(3));
  return t.matmul(W.reshape([U * V, Wm])).mul(1.5);
}

describe("tensorProductPaths", () => {
  it("a uvw path with shared weights equals its composite definition and gradchecks", () => {
    const [U, V, W, Z] = [2, 3, 2, 4];
    const x1 = f64([Z, 3 * U], 1);
    const x2 = f64([Z, 3 * V], 2);
    const w = f64([U * V * W], 3);
    const opts = { dims: [3 * U, 3 * V, W] as const, weightNumel: U * V * W, perSample: false };
    const got = tensorProductPaths(x1, x2, w, [dotPath("uvw", U, V, W, true)], opts);
    const ref = dotReference(x1, x2, w, U, V, W);
    const d = got.sub(ref).abs().max().item();
    expect(d).toBeLessThan(1e-12);
    gradcheck(
      (a, b, c) => tensorProductPaths(a!, b!, c!, [dotPath("uvw", U, V, W, true)], opts),
      [x1.requiresGrad_(), x2.requiresGrad_(), w.requiresGrad_()],
    );
  });

  it("per-sample weights and weightless uuu paths gradcheck; bad arguments name the op", () => {
    const [U, Z] = [2, 3];
    const x1 = f64([Z, 3 * U], 4).requiresGrad_();
    const x2 = f64([Z, 3 * U], 5).requiresGrad_();
    const perSample = { dims: [3 * U, 3 * U, U] as const, weightNumel: U, perSample: true };
    const w = f64([Z, U], 6).requiresGrad_();
    gradcheck((a, b, c) => tensorProductPaths(a!, b!, c!, [dotPath("uuu", U, U, U, true)], perSample), [x1, x2, w]);
    const plain = { dims: [3 * U, 3 * U, U] as const, weightNumel: 0, perSample: false };
    gradcheck((a, b) => tensorProductPaths(a!, b!, null, [dotPath("uuu", U, U, U, false)], plain), [x1, x2]);
    expect(() => tensorProductPaths(x1, x2.narrow(1, 0, 3), null, [], plain)).toThrow(
      /tensorProductPaths: argument 'x2' expected shape \[\.\.\., 6\], got \[3, 3\]/,
    );
    expect(() => tensorProductPaths(x1, x2, null, [dotPath("uuu", U, U, U, true)], perSample)).toThrow(
      /tensorProductPaths: argument 'weight' expected 2 weights/,
    );
  });
});

describe("gaussianSmearing", () => {
  it("equals exp(c·(x − μ)²) and gradchecks", () => {
    const x = tensor([[0.3, 1.7, -0.2]], { dtype: "float64" });
    const mu = [0, 0.5, 1, 1.5];
    const y = gaussianSmearing(x, mu, -2);
    expect(y.shape).toEqual([1, 3, 4]);
    expect(y.toFlatArray()[5]).toBeCloseTo(Math.exp(-2 * (1.7 - 0.5) ** 2), 14);
    gradcheck((a) => gaussianSmearing(a!, mu, -2), [x.requiresGrad_()]);
    expect(() => gaussianSmearing(x, [], -2)).toThrow(/gaussianSmearing: argument 'centers' expected at least one/);
  });
});
