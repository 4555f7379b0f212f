/**
 * O(3) benches: `FullyConnectedTensorProduct("16x0e+16x1o+16x2e", "0e+1o+2e", "16x0e+16x1o+16x2e")`
 * on 10,000 edges (forward alone, and forward + backward with gradients of both inputs and the
 * weights), and real spherical harmonics l ≤ 3 (component normalisation) on 100,000 vectors (forward,
 * and forward + backward). No PyTorch peer (e3nn is not part of the peer environment).
 */

import { Generator, noGrad, randn } from "../src/index.js";
import { FullyConnectedTensorProduct } from "../src/layers/groups/o3/tensor_product.js";
import { sphericalHarmonics } from "../src/symmetry/o3/spherical_harmonics.js";
import type { Bench, BenchSuite } from "./harness.js";

export function o3Suite(): BenchSuite {
  return {
    name: "o3",
    cases: () => {
      const gen = new Generator(0);
      const tp = new FullyConnectedTensorProduct("16x0e+16x1o+16x2e", "0e+1o+2e", "16x0e+16x1o+16x2e", {
        generator: gen,
      });
      const E = 10000;
      const x1 = randn([E, tp.irrepsIn1.dim], { generator: gen });
      const x2 = randn([E, tp.irrepsIn2.dim], { generator: gen });
      const x1g = x1.detach().requiresGrad_();
      const x2g = x2.detach().requiresGrad_();
      const gy = randn([E, tp.irrepsOut.dim], { generator: gen });
      const N = 100000;
      const v = randn([N, 3], { generator: gen });
      const vg = v.detach().requiresGrad_();
      const gsh = randn([N, 16], { generator: gen });
      const shape = `${tp.irrepsIn1} x ${tp.irrepsIn2} -> ${tp.irrepsOut}, ${tp.instructions.length} paths, ${tp.weightNumel} weights, ${E} edges`;
      const out: Bench[] = [
        {
          name: "o3 fctp fwd 10k edges",
          level: "layer",
          extra: { shape },
          run: () => void noGrad(() => tp.forward(x1, x2)),
        },
        {
          name: "o3 fctp fwd+bwd 10k edges",
          level: "layer",
          extra: { shape },
          run: () => {
            x1g.grad = null;
            x2g.grad = null;
            tp.weight!.grad = null;
            tp.forward(x1g, x2g).backward(gy);
          },
        },
        {
          name: "o3 sh l<=3 fwd 100k vectors",
          level: "op",
          extra: { shape: `[${N}, 3] -> [${N}, 16]` },
          run: () => void sphericalHarmonics(3, v, { normalization: "component" }),
        },
        {
          name: "o3 sh l<=3 fwd+bwd 100k vectors",
          level: "op",
          extra: { shape: `[${N}, 3] -> [${N}, 16]` },
          run: () => {
            vg.grad = null;
            sphericalHarmonics(3, vg, { normalization: "component" }).backward(gsh);
          },
        },
      ];
      return out;
    },
  };
}
