/**
 * Convolution benches: conv2d 3×3, pad 1, 32→32 channels on a batch of 64 28×28 maps, forward alone
 * (no grad) and forward + backward (gradients of input, weight and bias), through the Tensor API,
 * compared with torch_ops.py `--ops conv2d` (`conv2d_fwd`, `conv2d_fwd_bwd`) in the same run. The
 * FLOP count is that of a direct convolution (2·N·Cout·H·W·Cin·9 per pass, 3 passes with backward),
 * as in the peer. `conv2d 5x5 fwd+bwd` (56→56 channels, the size of the E(2) model's hidden layers with
 * `--kernel-size 5 --hidden 7`) times the stride-1 path without im2col; it has no peer line.
 */
import { conv2d, Generator, noGrad, randn } from "../src/index.js";
import type { Bench, BenchSuite } from "./harness.js";

export function convSuite(): BenchSuite {
  return {
    name: "conv",
    peerOps: ["conv2d"],
    // the conv figures swing with the machine's state by up to 1.5× between runs: alternate with the peer
    rounds: 3,
    cases: () => {
      const gen = new Generator(0);
      const N = 64;
      const C = 32;
      const H = 28;
      const x = randn([N, C, H, H], { generator: gen });
      const w = randn([C, C, 3, 3], { generator: gen, std: 0.06 });
      const b = randn([C], { generator: gen });
      const flops = 2 * N * C * H * H * C * 9;
      const shape = `N${N} C${C}->${C} ${H}x${H} k3 p1`;
      const xg = x.detach().requiresGrad_();
      const wg = w.detach().requiresGrad_();
      const bg = b.detach().requiresGrad_();
      const gy = randn([N, C, H, H], { generator: gen });
      const out: Bench[] = [
        {
          name: "conv2d fwd",
          level: "tensor",
          flops,
          peer: "conv2d_fwd",
          extra: { shape },
          run: () => {
            noGrad(() => conv2d(x, w, b, { padding: 1 }));
          },
        },
        {
          name: "conv2d fwd+bwd",
          level: "tensor",
          flops: 3 * flops,
          peer: "conv2d_fwd_bwd",
          extra: { shape },
          run: () => {
            xg.grad = null;
            wg.grad = null;
            bg.grad = null;
            conv2d(xg, wg, bg, { padding: 1 }).backward(gy);
          },
        },
        (() => {
          const C5 = 56;
          const x5 = randn([N, C5, H, H], { generator: gen }).requiresGrad_();
          const w5 = randn([C5, C5, 5, 5], { generator: gen, std: 0.03 }).requiresGrad_();
          const b5 = randn([C5], { generator: gen }).requiresGrad_();
          const gy5 = randn([N, C5, H, H], { generator: gen });
          return {
            name: "conv2d 5x5 fwd+bwd",
            level: "tensor",
            flops: 3 * 2 * N * C5 * H * H * C5 * 25,
            extra: { shape: `N${N} C${C5}->${C5} ${H}x${H} k5 p2` },
            run: () => {
              x5.grad = null;
              w5.grad = null;
              b5.grad = null;
              conv2d(x5, w5, b5, { padding: 2 }).backward(gy5);
            },
          };
        })(),
      ];
      return out;
    },
  };
}
