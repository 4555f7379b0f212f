/**
 * Fused ops of the training hot paths: batch norm (+ ReLU) as one op with a hand-written backward,
 * Linear's GEMM backward, and in-place gradient accumulation in the autograd tape. Each is compared
 * with its composite definition and gradchecked in float64.
 */
import { describe, expect, it } from "vitest";
import { GINConv } from "../src/layers/graphs/gin_conv.js";
import * as F from "../src/nn/functional.js";
import { BatchNorm1d, MLP } from "../src/nn/index.js";
import {
  add,
  Generator,
  gradcheck,
  indexSelect,
  manualSeed,
  matmul,
  mean,
  mul,
  randn,
  relu,
  rsqrt,
  SparseMatrix,
  sub,
  sum,
  type Tensor,
  tensor,
} from "../src/tensor/index.js";
import { fastDropout, reluDropout } from "../src/tensor/ops/random.js";

const f64 = { dtype: "float64" as const };

function rnd(shape: number[], seed: number, dtype: "float32" | "float64" = "float64"): Tensor {
  return randn(shape, { dtype, generator: new Generator(seed) });
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

/** The composite definition: normalise with batch statistics, scale, shift, optional ReLU. */
function bnComposite(x: Tensor, w: Tensor | null, b: Tensor | null, act: boolean): Tensor {
  const axes = x.ndim === 2 ? [0] : [0, 2];
  const C = x.shape[1]!;
  const bshape = x.ndim === 2 ? [1, C] : [1, C, 1];
  const xc = sub(x, mean(x, axes, true));
  let y = mul(xc, rsqrt(add(mean(mul(xc, xc), axes, true), 1e-5)));
  if (w !== null) y = mul(y, w.reshape(bshape));
  if (b !== null) y = add(y, b.reshape(bshape));
  return act ? relu(y) : y;
}

describe("fused batch norm", () => {
  it("matches the composite definition, forward and backward, with and without ReLU", () => {
    for (const shape of [
      [7, 4],
      [5, 3, 6],
    ]) {
      for (const act of [false, true]) {
        const x1 = rnd(shape, 1).requiresGrad_();
        const w1 = rnd([shape[1]!], 2).requiresGrad_();
        const b1 = rnd([shape[1]!], 3).requiresGrad_();
        const x2 = x1.detach().clone().requiresGrad_();
        const w2 = w1.detach().clone().requiresGrad_();
        const b2 = b1.detach().clone().requiresGrad_();
        const gy = rnd(shape, 4);
        const y1 = F.batchNormAct(x1, null, null, w1, b1, true, 0.1, 1e-5, act);
        const y2 = bnComposite(x2, w2, b2, act);
        expect(maxAbsDiff(y1, y2)).toBeLessThan(1e-12);
        y1.backward(gy);
        y2.backward(gy);
        expect(maxAbsDiff(x1.grad!, x2.grad!)).toBeLessThan(1e-12);
        expect(maxAbsDiff(w1.grad!, w2.grad!)).toBeLessThan(1e-12);
        expect(maxAbsDiff(b1.grad!, b2.grad!)).toBeLessThan(1e-12);
      }
    }
  });

  it("gradcheck: training (2-D, 3-D, with ReLU, without affine) and eval mode", () => {
    const rm = tensor([0.2, -0.1, 0.3], f64);
    const rv = tensor([1.5, 0.7, 2], f64);
    const fresh = () => [rm.clone(), rv.clone()] as const;
    gradcheck(
      (x, w, b) => {
        const [m, v] = fresh();
        return F.batchNormAct(x!, m, v, w!, b!, true, 0.1, 1e-5, true);
      },
      [rnd([6, 3], 1).requiresGrad_(), rnd([3], 2).requiresGrad_(), rnd([3], 3).requiresGrad_()],
    );
    gradcheck(
      (x, w, b) => F.batchNormAct(x!, null, null, w!, b!, true, 0.1, 1e-5, true),
      [rnd([4, 3, 5], 4).requiresGrad_(), rnd([3], 5).requiresGrad_(), rnd([3], 6).requiresGrad_()],
    );
    gradcheck((x) => F.batchNorm(x!, null, null, null, null, true), [rnd([4, 2, 3], 7).requiresGrad_()]);
    // eval mode: running statistics are constants
    gradcheck(
      (x, w, b) => F.batchNormAct(x!, rm, rv, w!, b!, false, 0.1, 1e-5, false),
      [rnd([5, 3], 8).requiresGrad_(), rnd([3], 9).requiresGrad_(), rnd([3], 10).requiresGrad_()],
    );
    gradcheck(
      (x, w, b) => F.batchNormAct(x!, rm, rv, w!, b!, false, 0.1, 1e-5, true),
      [rnd([5, 3, 2], 11).requiresGrad_(), rnd([3], 12).requiresGrad_(), rnd([3], 13).requiresGrad_()],
    );
  });

  it("updates the running statistics like PyTorch (unbiased variance) and evaluates with them", () => {
    const x = rnd([8, 3, 2], 20);
    const rm = tensor([0, 0, 0], f64);
    const rv = tensor([1, 1, 1], f64);
    F.batchNorm(x, rm, rv, null, null, true, 0.25, 1e-5);
    const m = mean(x, [0, 2]);
    const xc = sub(x, mean(x, [0, 2], true));
    const vUnbiased = mul(sum(mul(xc, xc), [0, 2]), 1 / 15);
    expect(maxAbsDiff(rm, mul(m, 0.25))).toBeLessThan(1e-12);
    expect(maxAbsDiff(rv, add(mul(vUnbiased, 0.25), 0.75))).toBeLessThan(1e-12);
    const ye = F.batchNorm(x, rm, rv, null, null, false);
    const ref = mul(sub(x, rm.reshape([1, 3, 1])), rsqrt(add(rv.reshape([1, 3, 1]), 1e-5)));
    expect(maxAbsDiff(ye, ref)).toBeLessThan(1e-12);
  });

  it("float32 agrees with float64", () => {
    const x = rnd([50, 16], 30, "float32");
    const y32 = F.batchNormAct(x, null, null, null, null, true, 0.1, 1e-5, true);
    const y64 = F.batchNormAct(x.double(), null, null, null, null, true, 0.1, 1e-5, true);
    expect(y32.dtype).toBe("float32");
    expect(maxAbsDiff(y32.double(), y64)).toBeLessThan(1e-5);
  });

  it("MLP with batch norm + ReLU takes the fused path and matches the unfused layers", () => {
    manualSeed(3);
    const mlp = new MLP([5, 8, 8, 2], { norm: "batchNorm", dtype: "float64" });
    const x = rnd([10, 5], 31);
    const y = mlp.forward(x);
    // unfused: the same modules applied one by one
    let h = x;
    const lins = mlp.lins.toArray();
    const norms = mlp.norms.toArray() as BatchNorm1d[];
    expect(norms[0]).toBeInstanceOf(BatchNorm1d);
    // (training mode: the outputs use batch statistics, so the second pass sees the same values)
    for (let i = 0; i < norms.length; i++) h = relu(norms[i]!.forward(lins[i]!.forward(h)));
    h = lins[lins.length - 1]!.forward(h);
    expect(maxAbsDiff(y, h)).toBeLessThan(1e-12);
  });
});

describe("linear backward (GEMM with transposed operands)", () => {
  it("gradcheck on 2-D and batched 3-D inputs", () => {
    gradcheck(
      (x, w, b) => F.linear(x!, w!, b!),
      [rnd([6, 4], 1).requiresGrad_(), rnd([3, 4], 2).requiresGrad_(), rnd([3], 3).requiresGrad_()],
    );
    gradcheck((x, w) => F.linear(x!, w!), [rnd([2, 5, 4], 4).requiresGrad_(), rnd([3, 4], 5).requiresGrad_()]);
  });

  it("float32 gradients agree with float64 on a GEMM-sized problem", () => {
    const x = rnd([300, 70], 6, "float32").requiresGrad_();
    const w = rnd([40, 70], 7, "float32").requiresGrad_();
    const b = rnd([40], 8, "float32").requiresGrad_();
    const x64 = x.detach().double().requiresGrad_();
    const w64 = w.detach().double().requiresGrad_();
    const b64 = b.detach().double().requiresGrad_();
    const gy = rnd([300, 40], 9);
    F.linear(x, w, b).backward(gy.float());
    F.linear(x64, w64, b64).backward(gy);
    expect(maxAbsDiff(x.grad!.double(), x64.grad!)).toBeLessThan(1e-3);
    expect(maxAbsDiff(w.grad!.double(), w64.grad!)).toBeLessThan(1e-2);
    expect(maxAbsDiff(b.grad!.double(), b64.grad!)).toBeLessThan(1e-3);
  });
});

describe("autograd: in-place gradient accumulation", () => {
  it("accumulates into its own sums without touching aliased gradients", () => {
    // a feeds three consumers; b = a + a hands the same gradient object to both inputs of add
    const x = tensor([1, 2, 3], f64).requiresGrad_();
    const a = mul(x, 2);
    const b = add(a, a);
    const c = add(sum(mul(b, b)), add(sum(a), sum(mul(a, 3))));
    c.backward();
    // c = Σ (4x)² + Σ 2x + Σ 6x → dc/dx = 32x + 8
    expect(Array.from(x.grad!.data)).toEqual([40, 72, 104]);
    // a second backward accumulates into the leaf gradient
    const g1 = x.grad!;
    const snapshot = Array.from(g1.data);
    sum(mul(x, x)).backward();
    expect(Array.from(x.grad!.data)).toEqual([42, 76, 110]);
    expect(Array.from(g1.data)).toEqual(snapshot); // the earlier gradient tensor is not mutated
  });

  it("a gradient passed through unchanged to two leaves stays intact in both", () => {
    const x = tensor([1, 2], f64).requiresGrad_();
    const y = tensor([3, 4], f64).requiresGrad_();
    const s = add(x, y);
    const out = add(sum(mul(s, tensor([1, 10], f64))), sum(mul(x, tensor([5, 5], f64))));
    out.backward();
    expect(Array.from(x.grad!.data)).toEqual([6, 15]);
    expect(Array.from(y.grad!.data)).toEqual([1, 10]);
  });
});

describe("sparse-input linear (transpose kernel + CSR products)", () => {
  it("matches the dense linear and gradchecks in the weight and bias", () => {
    const dense = rnd([7, 5], 40);
    // sparsify: zero about half of the entries
    for (let i = 0; i < dense.size; i++) if (i % 3 !== 0) dense.data[i] = 0;
    const xs = SparseMatrix.fromDense(dense);
    const w1 = rnd([4, 5], 41).requiresGrad_();
    const b1 = rnd([4], 42).requiresGrad_();
    const w2 = w1.detach().clone().requiresGrad_();
    const b2 = b1.detach().clone().requiresGrad_();
    const gy = rnd([7, 4], 43);
    const y1 = F.linear(xs, w1, b1);
    const y2 = F.linear(dense, w2, b2);
    expect(maxAbsDiff(y1, y2)).toBeLessThan(1e-12);
    y1.backward(gy);
    y2.backward(gy);
    expect(maxAbsDiff(w1.grad!, w2.grad!)).toBeLessThan(1e-12);
    expect(maxAbsDiff(b1.grad!, b2.grad!)).toBeLessThan(1e-12);
    gradcheck((w, b) => F.linear(xs, w!, b!), [rnd([3, 5], 44).requiresGrad_(), rnd([3], 45).requiresGrad_()]);
    gradcheck((w) => F.linear(xs, w!), [rnd([6, 5], 46).requiresGrad_()]);
  });
});

describe("sparse-input linear, float32 fused kernel (outF a multiple of 16)", () => {
  it("matches the dense linear in values and gradients, with stored zeros and a loss on a few rows", () => {
    for (const [N, inF, outF, every] of [
      [300, 97, 64, 1],
      [300, 97, 64, 7],
      [64, 40, 32, 2],
    ] as [number, number, number, number][]) {
      const dense = rnd([N, inF], 60, "float32");
      for (let i = 0; i < dense.size; i++) if (i % 5 !== 0) dense.data[i] = 0;
      const xs = SparseMatrix.fromDense(dense);
      // keep some stored zeros (as input dropout leaves them)
      const vals = xs.values!.clone();
      for (let p = 0; p < vals.size; p += 4) vals.data[p] = 0;
      const xz = xs.withValues(vals);
      const dz = xz.toDense();
      const w1 = rnd([outF, inF], 61, "float32").requiresGrad_();
      const b1 = rnd([outF], 62, "float32").requiresGrad_();
      const w2 = w1.detach().clone().requiresGrad_();
      const b2 = b1.detach().clone().requiresGrad_();
      // the gradient reaches every `every`-th row only (a loss on a subset of the nodes)
      const gy = rnd([N, outF], 63, "float32");
      for (let r = 0; r < N; r++) if (r % every !== 0) gy.data.fill(0, r * outF, (r + 1) * outF);
      const y1 = F.linear(xz, w1, b1);
      const y2 = F.linear(dz, w2, b2);
      expect(maxAbsDiff(y1, y2)).toBeLessThan(1e-4);
      y1.backward(gy);
      y2.backward(gy);
      expect(maxAbsDiff(w1.grad!, w2.grad!)).toBeLessThan(1e-4);
      expect(maxAbsDiff(b1.grad!, b2.grad!)).toBeLessThan(1e-4);
      // weight only / bias only
      const w3 = w1.detach().clone().requiresGrad_();
      F.linear(xz, w3, b1.detach()).backward(gy);
      expect(Array.from(w3.grad!.data)).toEqual(Array.from(w1.grad!.data));
      const b3 = b1.detach().clone().requiresGrad_();
      F.linear(xz, w1.detach(), b3).backward(gy);
      expect(Array.from(b3.grad!.data)).toEqual(Array.from(b1.grad!.data));
    }
  });
});

describe("linear backward over the non-zero rows of the output gradient", () => {
  it("matches the full products when a loss reads a few rows, and gradchecks", () => {
    const N = 90;
    const idx = tensor([3, 10, 11, 40, 77, 89], { dtype: "int32" });
    const x1 = rnd([N, 12], 70, "float32").requiresGrad_();
    const w1 = rnd([5, 12], 71, "float32").requiresGrad_();
    const b1 = rnd([5], 72, "float32").requiresGrad_();
    const gy = rnd([6, 5], 73, "float32");
    indexSelect(F.linear(x1, w1, b1), 0, idx).backward(gy);
    // the full products with the scattered upstream gradient (matmul: no row skipping)
    const full = tensor(new Array(N * 5).fill(0), { dtype: "float32" }).reshape([N, 5]);
    for (let i = 0; i < 6; i++) for (let c = 0; c < 5; c++) full.data[idx.data[i]! * 5 + c] = gy.data[i * 5 + c]!;
    expect(maxAbsDiff(x1.grad!, matmul(full, w1.detach()))).toBeLessThan(1e-5);
    expect(maxAbsDiff(w1.grad!, matmul(full.transpose(0, 1), x1.detach()))).toBeLessThan(1e-5);
    expect(maxAbsDiff(b1.grad!, sum(full, 0))).toBeLessThan(1e-5);
    gradcheck(
      (x, w, b) => indexSelect(F.linear(x!, w!, b!), 0, idx),
      [rnd([N, 4], 74).requiresGrad_(), rnd([3, 4], 75).requiresGrad_(), rnd([3], 76).requiresGrad_()],
    );
    gradcheck(
      (x, w) => indexSelect(F.linear(x!, w!), 0, idx),
      [rnd([N, 4], 77).requiresGrad_(), rnd([3, 4], 78).requiresGrad_()],
    );
    // no live row at all: zero gradients
    const x3 = rnd([N, 4], 79).requiresGrad_();
    const w3 = rnd([3, 4], 80).requiresGrad_();
    F.linear(x3, w3).backward(tensor(new Array(N * 3).fill(0), f64).reshape([N, 3]));
    expect(Array.from(x3.grad!.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(w3.grad!.data).every((v) => v === 0)).toBe(true);
  });
});

describe("fastDropout", () => {
  it("drops about p of the entries, scales the rest, is seeded, and masks the gradient", () => {
    const x = randn([40001], { generator: new Generator(50) }).requiresGrad_();
    for (const p of [0.3, 0.5, 0.6]) {
      const y = fastDropout(x, p, true, new Generator(7));
      let zeros = 0;
      let worst = 0;
      for (let i = 0; i < y.size; i++) {
        if (y.data[i] === 0) zeros++;
        else worst = Math.max(worst, Math.abs(y.data[i]! - x.data[i]! / (1 - p)) / (1 + Math.abs(y.data[i]!)));
      }
      expect(worst).toBeLessThan(1e-5);
      expect(Math.abs(zeros / y.size - p)).toBeLessThan(0.01);
      const again = fastDropout(x, p, true, new Generator(7));
      expect(Array.from(again.data)).toEqual(Array.from(y.data));
      x.grad = null;
      y.sum().backward();
      let gworst = 0;
      for (let i = 0; i < x.size; i++)
        gworst = Math.max(gworst, Math.abs(x.grad!.data[i]! - (y.data[i] === 0 ? 0 : 1 / (1 - p))));
      expect(gworst).toBeLessThan(1e-5);
    }
    expect(fastDropout(x, 0.5, false)).toBe(x);
    const x64 = rnd([11], 51);
    const y64 = fastDropout(x64, 0.5, true, new Generator(3));
    expect(y64.dtype).toBe("float64");
  });
});

describe("GIN-0 root term folded into the sparse product", () => {
  it("equals the explicit sum (x_i + Σ_j x_j) in values and gradients", () => {
    manualSeed(5);
    const edgeIndex = tensor(
      [
        [0, 1, 1, 2, 2, 3, 0],
        [1, 0, 2, 1, 3, 2, 2],
      ],
      { dtype: "int32" },
    );
    const conv = new GINConv(new MLP([3, 4, 2], { norm: null, dtype: "float64" }));
    const run = (fuse: boolean) => {
      conv.fuse = fuse;
      conv.zeroGrad();
      const x = rnd([4, 3], 60).requiresGrad_();
      const out = conv.forward(x, edgeIndex);
      out.square().sum().backward();
      return [out, x.grad!, ...conv.parameters().map((p) => p.grad!)];
    };
    const a = run(true);
    const b = run(false);
    for (let k = 0; k < a.length; k++) expect(maxAbsDiff(a[k]!, b[k]!)).toBeLessThan(1e-12);
  });
});

describe("reluDropout", () => {
  it("equals fastDropout(relu(x)) with the same generator: values, stream and gradients", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const x1 = rnd([301, 7], 70, dtype).requiresGrad_();
      const x2 = x1.detach().clone().requiresGrad_();
      const g = rnd([301, 7], 71, dtype);
      const y1 = reluDropout(x1, 0.4, true, new Generator(9));
      const y2 = fastDropout(relu(x2), 0.4, true, new Generator(9));
      expect(maxAbsDiff(y1, y2)).toBe(0);
      y1.backward(g);
      y2.backward(g);
      expect(maxAbsDiff(x1.grad!, x2.grad!)).toBe(0);
    }
    const x = rnd([5], 72);
    expect(maxAbsDiff(reluDropout(x, 0.5, false), relu(x))).toBe(0);
  });
});
