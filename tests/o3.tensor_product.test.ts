import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Generator, gradcheck, o3, randn, Tensor, tensor } from "../src/index.js";
import {
  ElementwiseTensorProduct,
  FullTensorProduct,
  FullyConnectedTensorProduct,
  TensorProduct,
} from "../src/layers/groups/o3/tensor_product.js";

const ref = JSON.parse(readFileSync(new URL("./fixtures/e3nn/tensor_product.json", import.meta.url), "utf8"));

function ex(name: string) {
  return ref.examples.find((e: { name: string }) => e.name === name);
}

describe("TensorProduct vs e3nn", () => {
  it("FullyConnectedTensorProduct matches e3nn (weights, path weights, outputs)", () => {
    for (const name of ["fully_connected", "fully_connected_l2"]) {
      const e = ex(name);
      const tp = new FullyConnectedTensorProduct(e.irreps_in1, e.irreps_in2, e.irreps_out);
      expect(tp.weightNumel).toBe(e.weight_numel);
      expect(tp.instructions.map((i) => i.pathWeight)).toEqual(
        e.instructions.map((i: { path_weight: number }) => expect.closeTo(i.path_weight, 12)),
      );
      const out = tp.forward(
        tensor(e.x1, { dtype: "float64" }),
        tensor(e.x2, { dtype: "float64" }),
        tensor(e.weights, { dtype: "float64" }),
      );
      const want = (e.out as number[][]).flat();
      const got = out.toFlatArray();
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-12);
    }
  });

  it("ElementwiseTensorProduct matches e3nn", () => {
    const e = ex("elementwise");
    const tp = new ElementwiseTensorProduct("2x0e+2x1o", "1x0e+1x1o+1x1e+1x2e");
    expect(tp.irrepsIn1.toString()).toBe(e.irreps_in1);
    expect(tp.irrepsOut.toString()).toBe(e.irreps_out);
    const got = tp.forward(tensor(e.x1, { dtype: "float64" }), tensor(e.x2, { dtype: "float64" })).toFlatArray();
    const want = (e.out as number[][]).flat();
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-12);
  });

  it("all connection modes are O(3)-equivariant and have correct gradients", () => {
    const g = new Generator(4);
    const modes = [
      ["2x1o+2x0e", "2x1o+2x2e", "2x0e+2x1o+2x1e", "uvw"],
      ["2x1o+2x0e", "3x1o", "2x1e", "uvu"],
      ["3x1o", "2x1o", "2x0e", "uvv"],
      ["2x1o", "2x1e", "3x1o", "uuw"],
      ["2x1o", "2x1e", "2x1o", "uuu"],
      ["2x1o", "3x1e", "6x1o", "uvuv"],
    ] as const;
    for (const [a, b, o, mode] of modes) {
      const tp = new TensorProduct(a, b, o, [[0, 0, 0, mode, true]], { generator: g });
      const x1 = randn([3, tp.irrepsIn1.dim], { dtype: "float64", generator: g });
      const x2 = randn([3, tp.irrepsIn2.dim], { dtype: "float64", generator: g });
      const w = randn([tp.weightNumel], { dtype: "float64", generator: g });
      const Q = new Float64Array(o3.randRotation(g).map((v) => -v)); // an improper rotation
      const D = (ir: o3.Irreps) => new Tensor(ir.D(Q), [ir.dim, ir.dim]);
      const lhs = tp.forward(x1.matmul(D(tp.irrepsIn1).t()), x2.matmul(D(tp.irrepsIn2).t()), w);
      const rhs = tp.forward(x1, x2, w).matmul(D(tp.irrepsOut).t());
      const a1 = lhs.toFlatArray();
      const b1 = rhs.toFlatArray();
      for (let i = 0; i < a1.length; i++) expect(a1[i]).toBeCloseTo(b1[i]!, 10);
      gradcheck((p, q, r) => tp.forward(p, q, r), [x1.requiresGrad_(), x2.requiresGrad_(), w.requiresGrad_()]);
    }
  });

  it("per-sample weights (e.g. per edge) and FullTensorProduct", () => {
    const tp = new FullyConnectedTensorProduct("2x0e+1x1o", "0e+1o", "2x0e+1x1o", { sharedWeights: false });
    expect(tp.weight).toBeNull();
    const x1 = randn([5, 5]);
    const x2 = randn([5, 4]);
    const w = randn([5, tp.weightNumel]);
    expect(tp.forward(x1, x2, w).shape).toEqual([5, 5]);
    expect(() => tp.forward(x1, x2, randn([tp.weightNumel]))).toThrow(/argument 'weight' expected shape \[5, /);
    const full = new FullTensorProduct("2x1o", "1x1o");
    expect(full.irrepsOut.toString()).toBe("2x0e+2x1e+2x2e");
    expect(full.forward(randn([2, 6]), randn([2, 3])).shape).toEqual([2, 18]);
  });

  it("errors name the argument", () => {
    expect(() => new TensorProduct("1x1o", "1x1o", "1x1o", [[0, 0, 0, "uvw", true]])).toThrow(/does not contain 1o/);
    const tp = new FullyConnectedTensorProduct("1x0e", "1x0e", "1x0e");
    expect(() => tp.forward(randn([2, 2]), randn([2, 1]))).toThrow(
      /TensorProduct: argument 'x1' expected last dimension 1/,
    );
  });
});
