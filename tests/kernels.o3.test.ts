/**
 * The O(3) kernels (tensor products through packed paths, spherical harmonics and their gradient,
 * radial bases times cutoffs): the WASM build against the TypeScript twin on the same float32 inputs,
 * through the ops that call them, in every connection mode with shared and per-sample weights, sample
 * counts that are not multiples of 4, degrees up to 8 and every basis and cutoff.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getKernelBackend, kernelsReady, lastKernelBackend, setKernelBackend } from "../src/kernels/index.js";
import { sh3CoefficientsOf } from "../src/kernels/wasm/o3.js";
import {
  FullyConnectedTensorProduct,
  type InstructionSpec,
  TensorProduct,
} from "../src/layers/groups/o3/tensor_product.js";
import { shPacked, sphericalHarmonics } from "../src/symmetry/o3/spherical_harmonics.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { gradcheck } from "../src/tensor/gradcheck.js";
import { radialBasis } from "../src/tensor/ops/radial.js";
import { Generator } from "../src/tensor/rng.js";
import type { Tensor } from "../src/tensor/tensor.js";
import "../src/tensor/index.js";

let saved: ReturnType<typeof getKernelBackend>;
beforeAll(async () => {
  saved = getKernelBackend();
  expect(await kernelsReady()).toBe(true);
});
afterAll(() => setKernelBackend(saved));

/** Runs `f` under the reference and then the WASM backend and returns both results. */
function both<T>(f: () => T): [T, T] {
  setKernelBackend("ref");
  const a = f();
  expect(lastKernelBackend()).toBe("ref");
  setKernelBackend("wasm");
  const b = f();
  expect(lastKernelBackend()).toBe("wasm");
  return [a, b];
}

/** max |a − b| / (1 + max |a|). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(a[i]!));
  }
  return m / (1 + s);
}

function grads(ts: (Tensor | null)[]): Float32Array[] {
  return ts.map((t) => Float32Array.from(t?.grad?.data ?? []));
}

/**
 * The output and the three gradients of `tp` on random x1, x2 and weights (shared or per sample) for
 * Z samples, under the reference and under WASM; also returns the inputs.
 */
function tpBoth(
  tp: TensorProduct,
  Z: number,
  shared: boolean,
  g: Generator,
): { ref: Float32Array[]; wasm: Float32Array[]; x1: Tensor; x2: Tensor; w: Tensor; gy: Tensor } {
  const x1 = randn([Z, tp.irrepsIn1.dim], { generator: g });
  const x2 = randn([Z, tp.irrepsIn2.dim], { generator: g });
  const w = randn(shared ? [tp.weightNumel] : [Z, tp.weightNumel], { generator: g });
  const gy = randn([Z, tp.irrepsOut.dim], { generator: g });
  const [ref, wasm] = both(() => {
    const a = x1.detach().requiresGrad_();
    const b = x2.detach().requiresGrad_();
    const c = w.detach().requiresGrad_();
    const y = tp.forward(a, b, c);
    y.backward(gy);
    return [Float32Array.from(y.data), ...grads([a, b, c])];
  });
  return { ref, wasm, x1, x2, w, gy };
}

describe("tensor product kernels", () => {
  const irreps1 = "3x0e + 2x1o + 2x2e";
  const irreps2 = "3x0e + 2x1o + 1x2e";
  const irreps3 = "3x0e + 2x1o + 2x1e + 4x2e + 2x0o + 5x2o + 2x2e";
  // every mode, several paths into one output block, a weightless dense path, an empty output block
  const ins: InstructionSpec[] = [
    [0, 0, 0, "uvw", true],
    [1, 1, 0, "uvw", true],
    [2, 2, 0, "uvw", false],
    [1, 1, 2, "uuw", true],
    [0, 1, 1, "uvv", true],
    [2, 1, 1, "uvw", true],
    [2, 0, 3, "uvw", true],
    [1, 1, 3, "uvuv", false],
    [2, 2, 6, "uvuv", true],
    [1, 1, 2, "uuu", true],
    [2, 1, 5, "uvw", true],
    [0, 0, 0, "uvu", true],
  ];

  for (const shared of [true, false]) {
    for (const Z of [1, 7, 33]) {
      it(`agree (${shared ? "shared" : "per-sample"} weights, ${Z} samples), forward and backward`, () => {
        const g = new Generator(Z + (shared ? 0 : 100));
        const tp = new TensorProduct(irreps1, irreps2, irreps3, ins, { sharedWeights: shared, generator: g });
        const { ref, wasm, x1, x2, w, gy } = tpBoth(tp, Z, shared, g);
        for (let i = 0; i < ref.length; i++) expect(relErr(ref[i]!, wasm[i]!)).toBeLessThan(2e-6);
        // only one input needs a gradient
        const [r2, w2] = both(() => {
          const b = x2.detach().requiresGrad_();
          tp.forward(x1, b, w).backward(gy);
          return grads([b])[0]!;
        });
        expect(relErr(r2, w2)).toBeLessThan(2e-6);
      });
    }
  }
});

describe("tensor product kernels, multiplicities of 4 and more", () => {
  // uvw paths with V = 4..6 take the four-v register blocks (and their remainders); rows = U·V from 16 up
  for (const shared of [true, false]) {
    it(`agree on 5x0e+4x1o+6x2e (${shared ? "shared" : "per-sample"} weights), forward and backward`, () => {
      const g = new Generator(shared ? 11 : 12);
      const irreps = "5x0e + 4x1o + 6x2e";
      const tp = new FullyConnectedTensorProduct(irreps, irreps, "4x0e + 5x1o + 7x2e", {
        sharedWeights: shared,
        generator: g,
      });
      const { ref, wasm } = tpBoth(tp, 13, shared, g);
      for (let i = 0; i < ref.length; i++) expect(relErr(ref[i]!, wasm[i]!)).toBeLessThan(2e-6);
    });
  }
});

describe("tensor product kernels, uvu paths with one x2 copy (NequIP's convolution)", () => {
  // the four-u register blocks of the forward, the weight gradient and x1's gradient, and their rest
  for (const shared of [true, false]) {
    it(`agree on 6x0e+5x1o+4x2e ⊗ 0e+1o+2e (${shared ? "shared" : "per-sample"} weights), forward and backward`, () => {
      const g = new Generator(shared ? 21 : 22);
      const ins: InstructionSpec[] = [];
      const mid: string[] = [];
      const irrepsIn = ["6x0e", "5x1o", "4x2e"];
      const sh = ["0e", "1o", "2e"];
      const outs: Record<string, string[]> = {
        "0e,0e": ["0e"],
        "0e,1o": ["1o"],
        "1o,1o": ["0e", "2e"],
        "2e,2e": ["0e"],
        "1o,2e": ["1o"],
        "2e,1o": ["1o"],
      };
      irrepsIn.forEach((a, i) => {
        sh.forEach((b, j) => {
          for (const ir of outs[`${a.split("x")[1]},${b}`] ?? []) {
            ins.push([i, j, mid.length, "uvu", true]);
            mid.push(`${a.split("x")[0]}x${ir}`);
          }
        });
      });
      const tp = new TensorProduct(irrepsIn.join(" + "), sh.join(" + "), mid.join(" + "), ins, {
        sharedWeights: shared,
        internalWeights: false,
        generator: g,
      });
      const { ref, wasm } = tpBoth(tp, 17, shared, g);
      for (let i = 0; i < ref.length; i++) expect(relErr(ref[i]!, wasm[i]!)).toBeLessThan(2e-6);
    });
  }
});

describe("spherical harmonics kernels", () => {
  it("agree for degrees 0..8, every normalisation, with and without normalising, value and gradient", () => {
    const g = new Generator(5);
    for (const n of [1, 6, 41]) {
      const x = randn([n, 3], { generator: g });
      if (n > 1) x.data.fill(0, 3, 6); // a point at the origin
      for (const normalization of ["integral", "component", "norm"] as const) {
        for (const normalize of [true, false]) {
          const ls = normalize ? [0, 1, 2, 3, 4, 5, 6, 7, 8] : [0, 1, 2, 3, 5];
          const gy = randn([n, ls.reduce((s, l) => s + 2 * l + 1, 0)], { generator: g });
          const [ref, wasm] = both(() => {
            const a = x.detach().requiresGrad_();
            const y = sphericalHarmonics(ls, a, { normalize, normalization });
            y.backward(gy);
            return [Float32Array.from(y.data), Float32Array.from(a.grad!.data)];
          });
          // float32 evaluation of degree-8 polynomials: a few ulp of their largest monomial
          expect(relErr(ref[0]!, wasm[0]!)).toBeLessThan(2e-5);
          expect(relErr(ref[1]!, wasm[1]!)).toBeLessThan(2e-5);
        }
      }
    }
  });

  it("agree on the unrolled degree <= 3 path (degrees 0..L, every normalisation), value and gradient", () => {
    const g = new Generator(6);
    for (const L of [0, 1, 2, 3]) {
      for (const normalization of ["integral", "component", "norm"] as const) {
        expect(
          sh3CoefficientsOf(
            shPacked(
              Array.from({ length: L + 1 }, (_, l) => l),
              normalization,
            ),
          ),
        ).not.toBeNull();
      }
    }
    for (const ls of [[1, 2], [0, 1, 2, 3, 4], [3]]) expect(sh3CoefficientsOf(shPacked(ls, "integral"))).toBeNull();
    for (const n of [1, 6, 41, 1003]) {
      const x = randn([n, 3], { generator: g });
      if (n > 1) x.data.fill(0, 3, 6); // a point at the origin
      for (const L of [0, 1, 2, 3]) {
        for (const normalization of ["integral", "component", "norm"] as const) {
          for (const normalize of [true, false]) {
            const gy = randn([n, (L + 1) ** 2], { generator: g });
            const [ref, wasm] = both(() => {
              const a = x.detach().requiresGrad_();
              const y = sphericalHarmonics(L, a, { normalize, normalization });
              y.backward(gy);
              return [Float32Array.from(y.data), Float32Array.from(a.grad!.data)];
            });
            expect(relErr(ref[0]!, wasm[0]!)).toBeLessThan(5e-6);
            expect(relErr(ref[1]!, wasm[1]!)).toBeLessThan(5e-6);
          }
        }
      }
    }
  });

  it("report the first NaN on both paths", () => {
    const x = randn([9, 3], { generator: new Generator(1) });
    x.data[14] = Number.NaN;
    for (const b of ["ref", "wasm"] as const) {
      setKernelBackend(b);
      expect(() => sphericalHarmonics(2, x)).toThrow(/NaN at flat index 14/);
    }
  });
});

describe("radial kernels", () => {
  const g = new Generator(3);
  const n = 37;
  const x = randn([n], { generator: g }).abs().mul(4).add(0.05);
  const centers = Array.from({ length: 13 }, (_, i) => (5 * i) / 12);
  const freqs = randn([7], { generator: g }).abs().add(1);
  const bases = [
    { kind: "none" as const },
    { kind: "gaussian" as const, centers, coeff: -0.5 / (5 / 12) ** 2 },
    { kind: "bessel" as const, rc: 5 },
  ];
  const cutoffs = [
    { kind: "none" as const },
    { kind: "cosine" as const, rc: 4.5 },
    { kind: "polynomial" as const, rc: 4.5, p: 6 },
  ];
  for (const basis of bases) {
    for (const cutoff of cutoffs) {
      if (basis.kind === "none" && cutoff.kind === "none") continue;
      it(`agree: ${basis.kind} basis, ${cutoff.kind} cutoff`, () => {
        const [ref, wasm] = both(() => {
          const a = x.detach().requiresGrad_();
          const w = freqs.detach().requiresGrad_();
          const y = radialBasis(a, basis, cutoff, basis.kind === "bessel" ? w : null);
          const gy = randn(y.shape, { generator: new Generator(9) });
          y.backward(gy);
          return [Float32Array.from(y.data), ...grads(basis.kind === "bessel" ? [a, w] : [a])];
        });
        for (let i = 0; i < ref.length; i++) expect(relErr(ref[i]!, wasm[i]!)).toBeLessThan(5e-6);
      });
      it(`gradcheck (float64): ${basis.kind} basis, ${cutoff.kind} cutoff`, () => {
        const xs = tensor([0.3, 1.1, 2.6, 4.2, 4.9], { dtype: "float64" }).requiresGrad_();
        const ws = freqs.double().detach().requiresGrad_();
        gradcheck(
          (a, w) => radialBasis(a!, basis, cutoff, basis.kind === "bessel" ? w! : null),
          basis.kind === "bessel" ? [xs, ws] : [xs],
        );
      });
    }
  }
});
