/**
 * The fused affine map + activation (`F.linearAct`, `Linear.forwardAct`): gradchecked in float64, and
 * in float32 equal bit for bit to the unfused ops (`relu(linear(...))`, `shiftedSoftplus(linear(...))`)
 * forward and backward, with the WASM kernels on several row panels and with the TypeScript ones.
 */
import { afterEach, describe, expect, it } from "vitest";
import { getKernelBackend, setKernelBackend } from "../src/kernels/index.js";
import { GEMM_PANEL_BYTES, setGemmPanelBytes } from "../src/kernels/wasm/linalg.js";
import * as F from "../src/nn/functional.js";
import { Linear } from "../src/nn/linear.js";
import { Generator, gradcheck, randn, SparseMatrix, sum, type Tensor, tensor } from "../src/tensor/index.js";

function rnd(shape: readonly number[], seed: number, dtype: "float32" | "float64" = "float64"): Tensor {
  return randn(shape, { dtype, generator: new Generator(seed) });
}

function bits(a: Tensor): Uint32Array {
  return new Uint32Array(Float32Array.from(a.data as Float32Array).buffer);
}

const ACTS = ["relu", "shiftedSoftplus"] as const;

function unfused(x: Tensor, w: Tensor, b: Tensor | null, act: (typeof ACTS)[number]): Tensor {
  const y = F.linear(x, w, b);
  return act === "relu" ? F.relu(y) : F.shiftedSoftplus(y);
}

/** Output and the gradients of x, w, b (b may be null) under the loss Σ y ⊙ r. */
function run(fused: boolean, x0: Tensor, w0: Tensor, b0: Tensor | null, act: (typeof ACTS)[number]) {
  const x = x0.detach().clone().requiresGrad_();
  const w = w0.detach().clone().requiresGrad_();
  const b = b0 === null ? null : b0.detach().clone().requiresGrad_();
  const y = fused ? F.linearAct(x, w, b, act) : unfused(x, w, b, act);
  const r = rnd(y.shape, 99, "float32");
  sum(y.mul(r)).backward();
  return [y, x.grad!, w.grad!, ...(b === null ? [] : [b.grad!])];
}

describe("linearAct", () => {
  const backend = getKernelBackend();
  const panel = GEMM_PANEL_BYTES;
  afterEach(() => {
    setKernelBackend(backend);
    setGemmPanelBytes(panel);
  });

  it("passes gradcheck in float64 for both activations, with and without bias", () => {
    for (const act of ACTS) {
      gradcheck(
        (x, w, b) => F.linearAct(x!, w!, b!, act),
        [rnd([6, 4], 1).requiresGrad_(), rnd([3, 4], 2).requiresGrad_(), rnd([3], 3).requiresGrad_()],
      );
      gradcheck(
        (x, w) => F.linearAct(x!, w!, null, act),
        [rnd([2, 5, 4], 4).requiresGrad_(), rnd([3, 4], 5).requiresGrad_()],
      );
    }
  });

  it("equals the unfused ops bit for bit in float32 (WASM panels and TypeScript), forward and backward", () => {
    // a 16 KiB panel budget: 200×64×25 runs in 5 row panels of 44; N = 13 leaves a ragged tile
    for (const [M, N, K] of [
      [200, 64, 25],
      [37, 13, 29],
      [3, 2, 5],
    ] as const) {
      const x = rnd([M, K], 10, "float32");
      const w = rnd([N, K], 11, "float32");
      const b = rnd([N], 12, "float32");
      for (const be of ["auto", "ref"] as const) {
        setKernelBackend(be);
        setGemmPanelBytes(16384);
        for (const act of ACTS) {
          for (const bias of [b, null]) {
            const got = run(true, x, w, bias, act);
            const want = run(false, x, w, bias, act);
            expect(got.length).toBe(want.length);
            for (let i = 0; i < got.length; i++)
              expect(bits(got[i]!), `${M}x${N}x${K} ${be} ${act} #${i}`).toEqual(bits(want[i]!));
          }
        }
      }
    }
  });

  it("linearScaled: gradcheck in float64, and the unfused ops' bits in float32", () => {
    gradcheck(
      (x, w, b, s) => F.linearScaled(x!, w!, b!, s!),
      [
        rnd([6, 4], 20).requiresGrad_(),
        rnd([3, 4], 21).requiresGrad_(),
        rnd([3], 22).requiresGrad_(),
        rnd([6], 23).requiresGrad_(),
      ],
    );
    gradcheck(
      (x, w, s) => F.linearScaled(x!, w!, null, s!),
      [rnd([2, 3, 4], 24).requiresGrad_(), rnd([5, 4], 25).requiresGrad_(), rnd([2, 3, 1], 26).requiresGrad_()],
    );
    for (const be of ["auto", "ref"] as const) {
      setKernelBackend(be);
      setGemmPanelBytes(16384);
      const grads = (fused: boolean) => {
        const x = rnd([150, 64], 30, "float32").requiresGrad_();
        const w = rnd([64, 64], 31, "float32").requiresGrad_();
        const b = rnd([64], 32, "float32").requiresGrad_();
        const s = rnd([150], 33, "float32").requiresGrad_();
        const y = fused ? F.linearScaled(x, w, b, s) : F.linear(x, w, b).mul(s.unsqueeze(1));
        sum(y.mul(rnd(y.shape, 34, "float32"))).backward();
        return [y, x.grad!, w.grad!, b.grad!, s.grad!];
      };
      const got = grads(true);
      const want = grads(false);
      for (let i = 0; i < 4; i++) expect(bits(got[i]!), `${be} #${i}`).toEqual(bits(want[i]!));
      // the scale's gradient: the same sums, in an order that may differ
      for (let r = 0; r < 150; r++) expect(got[4]!.data[r]!).toBeCloseTo(want[4]!.data[r]!, 3);
    }
    expect(() => F.linearScaled(rnd([4, 3], 1), rnd([2, 3], 2), null, rnd([5], 3))).toThrow(/linearScaled.*'s'/);
  });

  it("composes for a sparse input, runs as Linear.forwardAct, and names a bad activation", () => {
    const A = SparseMatrix.fromCoo(new Int32Array([0, 1, 2]), new Int32Array([1, 0, 3]), { shape: [3, 4] });
    const lin = new Linear(4, 5);
    const want = F.shiftedSoftplus(lin.forward(A));
    expect(Array.from(lin.forwardAct(A, "shiftedSoftplus").data)).toEqual(Array.from(want.data));
    const x = tensor([[1, -2, 3, 0.5]]);
    expect(Array.from(lin.forwardAct(x, "relu").data)).toEqual(Array.from(F.relu(lin.forward(x)).data));
    expect(() => F.linearAct(x, lin.weight, lin.bias, "tanh" as never)).toThrow(/linearAct.*act/);
  });
});
