import { describe, expect, it } from "vitest";
import { Generator, gradcheck, o3, randn, type Tensor } from "../src/index.js";
import {
  FullyConnectedTensorProduct,
  type InstructionSpec,
  TensorProduct,
} from "../src/layers/groups/o3/tensor_product.js";

/** Direct evaluation of the e3nn formula, path by path, with plain loops (float64). */
function naive(tp: TensorProduct, x1: Tensor, x2: Tensor, w: Tensor | null): Float64Array {
  const Z = x1.shape[0]!;
  const out = new Float64Array(Z * tp.irrepsOut.dim);
  const s1 = tp.irrepsIn1.slices();
  const s2 = tp.irrepsIn2.slices();
  const s3 = tp.irrepsOut.slices();
  const per = !tp.sharedWeights;
  for (const ins of tp.instructions) {
    const { mul: U, ir: a } = tp.irrepsIn1.items[ins.iIn1]!;
    const { mul: V, ir: b } = tp.irrepsIn2.items[ins.iIn2]!;
    const { mul: W, ir: c } = tp.irrepsOut.items[ins.iOut]!;
    const C = o3.wigner3j(a.l, b.l, c.l);
    for (let z = 0; z < Z; z++) {
      const wt = (idx: number) =>
        ins.hasWeight && w ? w.data[(per ? z * tp.weightNumel : 0) + ins.weightOffset + idx]! : 1;
      for (let u = 0; u < U; u++) {
        for (let v = 0; v < V; v++) {
          if ((ins.connectionMode === "uuw" || ins.connectionMode === "uuu") && u !== v) continue;
          for (let k = 0; k < c.dim; k++) {
            let t = 0;
            for (let i = 0; i < a.dim; i++)
              for (let j = 0; j < b.dim; j++)
                t +=
                  C[(i * b.dim + j) * c.dim + k]! *
                  x1.data[z * tp.irrepsIn1.dim + s1[ins.iIn1]![0] + u * a.dim + i]! *
                  x2.data[z * tp.irrepsIn2.dim + s2[ins.iIn2]![0] + v * b.dim + j]!;
            const add = (q: number, c0: number) => {
              out[z * tp.irrepsOut.dim + s3[ins.iOut]![0] + q * c.dim + k]! += ins.pathWeight * c0 * t;
            };
            switch (ins.connectionMode) {
              case "uvw":
                for (let q = 0; q < W; q++) add(q, wt((u * V + v) * W + q));
                break;
              case "uuw":
                for (let q = 0; q < W; q++) add(q, wt(u * W + q));
                break;
              case "uvu":
                add(u, wt(u * V + v));
                break;
              case "uvv":
                add(v, wt(u * V + v));
                break;
              case "uvuv":
                add(u * V + v, wt(u * V + v));
                break;
              case "uuu":
                add(u, wt(u));
                break;
            }
          }
        }
      }
    }
  }
  return out;
}

describe("TensorProduct (fused kernel)", () => {
  const irreps1 = "2x0e + 2x1o + 1x2e";
  const irreps2 = "2x0e + 2x1o";
  const irreps3 = "2x0e + 2x1o + 2x1e + 4x2e + 2x0o";
  // every mode, several paths into the same output block; the 0o block gets no path (zeros)
  const ins: InstructionSpec[] = [
    [0, 0, 0, "uvw", true],
    [1, 1, 0, "uvw", true],
    [1, 1, 2, "uuw", true],
    [1, 0, 1, "uvu", true],
    [0, 1, 1, "uvv", true],
    [2, 1, 1, "uvw", true],
    [2, 0, 3, "uvw", true],
    [1, 1, 3, "uvuv", false],
    [1, 1, 3, "uvuv", true],
    [1, 1, 2, "uuu", true],
  ];

  it("matches a direct evaluation of the formula, with shared and per-sample weights", () => {
    const g = new Generator(0);
    for (const shared of [true, false]) {
      const tp = new TensorProduct(irreps1, irreps2, irreps3, ins, { sharedWeights: shared, generator: g });
      const x1 = randn([4, tp.irrepsIn1.dim], { dtype: "float64", generator: g });
      const x2 = randn([4, tp.irrepsIn2.dim], { dtype: "float64", generator: g });
      const w = randn(shared ? [tp.weightNumel] : [4, tp.weightNumel], { dtype: "float64", generator: g });
      const got = tp.forward(x1, x2, w).toFlatArray();
      const want = naive(tp, x1, x2, w);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 12);
      gradcheck(
        (a, b, c) => tp.forward(a!, b!, c!),
        [x1.clone().requiresGrad_(), x2.clone().requiresGrad_(), w.clone().requiresGrad_()],
      );
    }
  });

  it("float32 agrees with float64 and internal weights get gradients", () => {
    const g = new Generator(1);
    const tp = new FullyConnectedTensorProduct("4x0e + 4x1o + 2x2e", "0e + 1o + 2e", "4x0e + 4x1o + 2x2e", {
      generator: g,
    });
    const x1 = randn([50, tp.irrepsIn1.dim], { generator: g });
    const x2 = randn([50, tp.irrepsIn2.dim], { generator: g });
    const a = tp.forward(x1, x2).toFlatArray();
    const b = tp.forward(x1.double(), x2.double(), tp.weight!.double()).toFlatArray();
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(b[i]!)));
    tp.forward(x1, x2).sum().backward();
    expect(tp.weight!.grad!.shape).toEqual([tp.weightNumel]);
    expect(tp.weight!.grad!.toFlatArray().some((v) => v !== 0)).toBe(true);
  });
});
