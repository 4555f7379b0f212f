/**
 * Convolutions with factored filters (w = coef · profiles, as R2Conv's steerable filters): the WASM
 * F(4×4, 5×5) kernels that take the factors straight against their twins and against the 5×5 path on
 * the formed filter, `conv2dFactored` (forward and every gradient) against `conv2d` on the formed filter,
 * its errors, a float64 gradient check, and R2Conv taking it in training mode (its output and gradients
 * equal those of the formed filter, and it stays equivariant).
 */
import { describe, expect, it } from "vitest";
import {
  Cn,
  checkEquivariance,
  conv2d,
  conv2dFactored,
  FieldType,
  Generator,
  gatheredMatmul,
  gradcheck,
  matmul,
  noGrad,
  permute,
  randn,
  regular,
  Tensor,
  transpose,
  trivial,
} from "../src/index.js";
import {
  gatheredMatmulGrad,
  gatheredMatmul as gatheredMatmulKernel,
  winograd5Conv,
  winograd5FactoredConv,
  winograd5FactoredWeightGrad,
  winograd5WeightGrad,
} from "../src/kernels/index.js";
import type { WinogradGeometry } from "../src/kernels/ref/winograd.js";
import {
  factorOffset,
  winograd5FactoredConvRef,
  winograd5FactoredKernels,
  winograd5FactoredWeightGradRef,
  winograd5Profiles,
} from "../src/kernels/ref/winograd5.js";
import { getWasmRuntime } from "../src/kernels/wasm/loader.js";
import { planarGridAction, R2Conv } from "../src/layers/groups/steerable/index.js";

const gen = new Generator(7117);

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal(0, 1);
  return a;
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

const wasm = getWasmRuntime() !== null;

describe("factored 5×5 kernels (F(4×4, 5×5) from the factors)", () => {
  // 20 input and 24 output channels: a full block of 16 kernels and a short one; 11 profiles (odd);
  // the factors in blocks of 4×2 kernels, and of 4×4 and 8×4 (runs of four kernels side by side in a
  // plane: the kernels' vector copies)
  const geom: WinogradGeometry = { N: 3, G: 1, Cg: 20, Og: 24, H: 11, W: 10, oh: 11, ow: 10, ph: 2, pw: 2 };
  const nU = 11;
  const prof = winograd5Profiles(rand(nU * 25), nU);
  const Y = rand(geom.Og * geom.Cg * nU);
  const x = rand(geom.N * geom.Cg * geom.H * geom.W);
  const b = rand(geom.Og);
  const ny = geom.N * geom.Og * geom.oh * geom.ow;
  const blockings: [number, number][] = [
    [4, 2],
    [4, 4],
    [8, 4],
  ];

  it.skipIf(!wasm).each(blockings)(
    "forward and flipped (blocks %i×%i): the WASM kernel equals its twin and the 5×5 path on the formed filter",
    (dO, dI) => {
      const fac = { prof, dO, dI };
      const w = Float32Array.from(winograd5FactoredKernels(Y, fac, 1, geom.Og, geom.Cg));
      const y = new Float32Array(ny);
      expect(winograd5FactoredConv(x, Y, fac, b, y, geom)).toBe(true);
      const ref = new Float32Array(ny);
      winograd5FactoredConvRef(x, Y, fac, b, ref, geom);
      const y5 = new Float32Array(ny);
      expect(winograd5Conv(x, w, b, y5, geom)).toBe(true);
      expect(maxRel(y, ref)).toBeLessThan(2e-5);
      expect(maxRel(y, y5)).toBeLessThan(2e-5);
      // the input gradient's convolution: 24 channels in, 20 out, the kernels read flipped
      const fg: WinogradGeometry = { ...geom, Cg: geom.Og, Og: geom.Cg };
      const gy = rand(ny);
      const gx = new Float32Array(geom.N * geom.Cg * geom.H * geom.W);
      expect(winograd5FactoredConv(gy, Y, fac, null, gx, fg, true)).toBe(true);
      const gxRef = new Float32Array(gx.length);
      winograd5FactoredConvRef(gy, Y, fac, null, gxRef, fg, true);
      const gx5 = new Float32Array(gx.length);
      expect(winograd5Conv(gy, w, null, gx5, fg, true)).toBe(true);
      expect(maxRel(gx, gxRef)).toBeLessThan(2e-5);
      expect(maxRel(gx, gx5)).toBeLessThan(2e-5);
    },
  );

  it.skipIf(!wasm).each(blockings)(
    "the factors' gradient (blocks %i×%i) equals its twin and the 5×5 weight gradient times the profiles",
    (dO, dI) => {
      const fac = { prof, dO, dI };
      const w = Float32Array.from(winograd5FactoredKernels(Y, fac, 1, geom.Og, geom.Cg));
      const gy = rand(ny);
      const gY1 = new Float32Array(Y.length);
      expect(winograd5FactoredWeightGrad(x, gy, gY1, fac, geom)).toBe(true);
      const ref = new Float32Array(Y.length);
      winograd5FactoredWeightGradRef(x, gy, ref, fac, geom);
      expect(maxRel(gY1, ref)).toBeLessThan(2e-5);
      const gw = new Float32Array(w.length);
      expect(winograd5WeightGrad(x, gy, gw, geom)).toBe(true);
      const viaW = new Float64Array(Y.length);
      for (let o = 0; o < geom.Og; o++)
        for (let i = 0; i < geom.Cg; i++) {
          const at = factorOffset(o, i, geom.Cg, dO, dI);
          for (let u = 0; u < nU; u++) {
            let s = 0;
            for (let t = 0; t < 25; t++) s += gw[(o * geom.Cg + i) * 25 + t]! * prof.P[u * 25 + t]!;
            viaW[u * geom.Og * geom.Cg + at] = s;
          }
        }
      expect(maxRel(gY1, viaW)).toBeLessThan(2e-5);
    },
  );

  it.skipIf(!wasm)(
    "gathered factors: the planes formed in the kernels' memory give the bits of the formed planes, and the twin's numbers",
    () => {
      // blocks of 4×4 kernels: R = 24·20/16 = 30 pairs of blocks, a source [30, 13], 11 parts
      const fac0 = { prof, dO: 4, dI: 4 };
      const K = 13;
      const src = rand(30 * K);
      const offs = Int32Array.from({ length: nU + 1 }, (_, u) => 2 * u);
      const ids = Int32Array.from({ length: 2 * nU }, (_, j) => (5 * j + 3) % K);
      const mats = rand(2 * nU * 16);
      const fac = { ...fac0, gathered: { ids, offs, mats, K } };
      const planes = new Float32Array(nU * 30 * 16);
      expect(gatheredMatmulKernel(src, ids, offs, mats, planes, 30, K, 16)).not.toBe(false);
      const y = new Float32Array(ny);
      const y0 = new Float32Array(ny);
      expect(winograd5FactoredConv(x, src, fac, b, y, geom)).toBe(true);
      expect(winograd5FactoredConv(x, planes, fac0, b, y0, geom)).toBe(true);
      expect(Array.from(y)).toEqual(Array.from(y0));
      const yRef = new Float32Array(ny);
      winograd5FactoredConvRef(x, src, fac, b, yRef, geom);
      expect(maxRel(y, yRef)).toBeLessThan(2e-5);
      const fg: WinogradGeometry = { ...geom, Cg: geom.Og, Og: geom.Cg };
      const gy = rand(ny);
      const gx = new Float32Array(x.length);
      const gx0 = new Float32Array(x.length);
      expect(winograd5FactoredConv(gy, src, fac, null, gx, fg, true)).toBe(true);
      expect(winograd5FactoredConv(gy, planes, fac0, null, gx0, fg, true)).toBe(true);
      expect(Array.from(gx)).toEqual(Array.from(gx0));
      // the source's gradient: the planes' gradient, then gatheredMatmulGrad's
      const gS = new Float32Array(src.length);
      const gP = new Float32Array(planes.length);
      const gS0 = new Float32Array(src.length);
      expect(winograd5FactoredWeightGrad(x, gy, gS, fac, geom)).toBe(true);
      expect(winograd5FactoredWeightGrad(x, gy, gP, fac0, geom)).toBe(true);
      gatheredMatmulGrad(gP, ids, offs, mats, gS0, 30, K, 16);
      expect(Array.from(gS)).toEqual(Array.from(gS0));
      const gSRef = new Float32Array(src.length);
      winograd5FactoredWeightGradRef(x, gy, gSRef, fac, geom);
      expect(maxRel(gS, gSRef)).toBeLessThan(2e-5);
      expect(() =>
        winograd5FactoredConv(x, src, { ...fac, gathered: { ...fac.gathered, offs: offs.subarray(1) } }, b, y, geom),
      ).toThrow(/argument 'fac' expected gathered parts of 11 profiles/);
    },
  );

  it("rejects more than 128 profiles and arrays too short for the geometry", () => {
    const many = { prof: winograd5Profiles(new Float32Array(129 * 25), 129), dO: 1, dI: 1 };
    expect(() => winograd5FactoredConv(x, Y, many, b, new Float32Array(ny), geom)).toThrow(
      /1 to 128 profiles, got 129/,
    );
    expect(() => winograd5FactoredConv(x, Y, { prof, dO: 5, dI: 2 }, b, new Float32Array(ny), geom)).toThrow(
      /blocks dividing the 24×20 kernels, got 5×2/,
    );
    expect(() =>
      winograd5FactoredConv(x, Y.subarray(1), { prof, dO: 4, dI: 2 }, b, new Float32Array(ny), geom),
    ).toThrow(/'Y' expected at least/);
  });
});

describe("conv2dFactored", () => {
  const N = 2;
  const Cin = 12;
  const Cout = 16;
  const U = 7;
  const profiles = new Tensor(rand(U * 25), [U, 25], "float32");

  function inputs(dtype: "float32" | "float64" = "float32") {
    const g = new Generator(11);
    const x = randn([N, Cin, 9, 9], { generator: g, dtype, requiresGrad: true });
    const coef = randn([U, Cout * Cin], { generator: g, dtype, std: 0.2, requiresGrad: true });
    const bias = randn([Cout], { generator: g, dtype, requiresGrad: true });
    return { x, coef, bias };
  }

  it("equals conv2d on the formed filter, forward and every gradient (float32, the fused path)", () => {
    const a = inputs();
    const y = conv2dFactored(a.x, a.coef, profiles, a.bias, { padding: 2 });
    const gy = randn(y.shape, { generator: new Generator(3) });
    y.backward(gy);
    const b = inputs();
    const w = matmul(transpose(b.coef, 0, 1), profiles).reshape([Cout, Cin, 5, 5]);
    const y2 = conv2d(b.x, w, b.bias, { padding: 2 });
    y2.backward(gy);
    expect(y.shape).toEqual([N, Cout, 9, 9]);
    expect(maxRel(y.data, y2.data)).toBeLessThan(1e-5);
    expect(maxRel(a.x.grad!.data, b.x.grad!.data)).toBeLessThan(1e-5);
    expect(maxRel(a.coef.grad!.data, b.coef.grad!.data)).toBeLessThan(1e-5);
    expect(maxRel(a.bias.grad!.data, b.bias.grad!.data)).toBeLessThan(1e-6);
  });

  it("reads coef in blocks of channels (forward and the coef gradient match the unblocked order)", () => {
    const a = inputs();
    const y = conv2dFactored(a.x, a.coef, profiles, a.bias, { padding: 2, blocks: [4, 3] });
    const gy = randn(y.shape, { generator: new Generator(6) });
    y.backward(gy);
    // the same kernels in the filter's (out, in) order: [U, 4 out blocks, 4 in blocks, 4, 3] → [U, 16, 12]
    const b = inputs();
    const plain = permute(b.coef.reshape([U, 4, 4, 4, 3]), [0, 1, 3, 2, 4]).reshape([U, Cout * Cin]);
    const y2 = conv2dFactored(b.x, plain, profiles, b.bias, { padding: 2 });
    y2.backward(gy);
    expect(maxRel(y.data, y2.data)).toBeLessThan(1e-5);
    expect(maxRel(a.coef.grad!.data, b.coef.grad!.data)).toBeLessThan(1e-5);
    // float64 takes the composition: the same blocked reading
    const y64 = noGrad(() =>
      conv2dFactored(a.x.double(), a.coef.double(), profiles.double(), null, { padding: 2, blocks: [4, 3] }),
    );
    const yPlain = noGrad(() =>
      conv2dFactored(a.x.double(), plain.detach().double(), profiles.double(), null, { padding: 2 }),
    );
    expect(maxRel(y64.data, yPlain.data)).toBeLessThan(1e-12);
  });

  it("takes the composition where the fused path does not apply (3×3, stride 2, unbatched)", () => {
    const p3 = new Tensor(rand(U * 9), [U, 9], "float32");
    const { x, coef, bias } = inputs();
    const w3 = matmul(transpose(coef, 0, 1), p3).reshape([Cout, Cin, 3, 3]);
    noGrad(() => {
      expect(conv2dFactored(x, coef, p3, bias, { padding: 1 }).data).toEqual(conv2d(x, w3, bias, { padding: 1 }).data);
      const w5 = matmul(transpose(coef, 0, 1), profiles).reshape([Cout, Cin, 5, 5]);
      const s2 = conv2dFactored(x, coef, profiles, null, { padding: 2, stride: 2 });
      expect(s2.data).toEqual(conv2d(x, w5, null, { padding: 2, stride: 2 }).data);
      const x1 = randn([Cin, 9, 9], { generator: new Generator(8) });
      const u = conv2dFactored(x1, coef, profiles, bias, { padding: 2 });
      expect(u.shape).toEqual([Cout, 9, 9]);
      expect(maxRel(u.data, conv2d(x1, w5, bias, { padding: 2 }).data)).toBeLessThan(1e-5);
    });
  });

  it("passes a float64 gradient check", () => {
    const g = new Generator(5);
    const x = randn([1, 2, 6, 6], { generator: g, dtype: "float64", requiresGrad: true });
    const coef = randn([4, 3 * 2], { generator: g, dtype: "float64", requiresGrad: true });
    const bias = randn([3], { generator: g, dtype: "float64", requiresGrad: true });
    const p = randn([4, 25], { generator: g, dtype: "float64" });
    const r = gradcheck((xx, cc, bb) => conv2dFactored(xx!, cc!, p, bb, { padding: 2 }), [x, coef, bias]);
    expect(r.ok).toBe(true);
  });

  it("names the argument, the expected and the actual shape on bad input", () => {
    const { x, coef } = inputs();
    expect(() => conv2dFactored(x, coef, new Tensor(rand(U * 24), [U, 24], "float32"))).toThrow(
      /conv2dFactored: argument 'profiles' expected rows of k·k taps.*\[7, 24\]/,
    );
    expect(() => conv2dFactored(x, coef.reshape([Cout * Cin * U]), profiles)).toThrow(
      /conv2dFactored: argument 'coef' expected \[7, Cout·Cin\/groups\].*\[1344\]/,
    );
    expect(() => conv2dFactored(x, coef, profiles, null, { blocks: [5, 2] })).toThrow(
      /argument 'blocks' expected \[dOut, dIn\] dividing 16 output and 12 input channels/,
    );
    expect(() => conv2dFactored(x, randn([U, Cout * Cin], { dtype: "float64" }), profiles)).toThrow(
      /argument 'coef' expected dtype float32/,
    );
  });
});

describe("conv2dFactored with gathered rows", () => {
  // 7 profiles over a source [R, K] = [12 blocks of 4×4 kernels, 9 columns] (16 out, 12 in channels)
  const U = 7;
  const K = 9;
  const [dO, dI] = [4, 4];
  const profiles = new Tensor(rand(U * 25), [U, 25], "float32");
  const idx = [[0, 3], [1, 3, 4], [2], [5, 6, 6], [7], [8, 0], [4]];
  const indices = idx.map((v) => new Tensor(Int32Array.from(v), [v.length], "int32"));
  const mats = idx.map((v) => new Tensor(rand(v.length * dO * dI), [v.length, dO * dI], "float32"));
  const make = () => {
    const g = new Generator(21);
    return {
      x: randn([2, 12, 9, 9], { generator: g, requiresGrad: true }),
      source: randn([12, K], { generator: g, std: 0.3, requiresGrad: true }),
      bias: randn([16], { generator: g, requiresGrad: true }),
    };
  };

  it("gives the bits of the formed rows (gatheredMatmul), forward and every gradient", () => {
    const a = make();
    const y = conv2dFactored(a.x, { source: a.source, indices, mats }, profiles, a.bias, {
      padding: 2,
      blocks: [dO, dI],
    });
    const gy = randn(y.shape, { generator: new Generator(5) });
    y.backward(gy);
    const b = make();
    const rows = gatheredMatmul(b.source, indices, mats).reshape([U, 16 * 12]);
    const y2 = conv2dFactored(b.x, rows, profiles, b.bias, { padding: 2, blocks: [dO, dI] });
    y2.backward(gy);
    expect(Array.from(y.data)).toEqual(Array.from(y2.data));
    expect(Array.from(a.x.grad!.data)).toEqual(Array.from(b.x.grad!.data));
    expect(Array.from(a.source.grad!.data)).toEqual(Array.from(b.source.grad!.data));
    expect(Array.from(a.bias.grad!.data)).toEqual(Array.from(b.bias.grad!.data));
  });

  it("takes the formed rows where the fused path does not apply (float64), and checks the blocks", () => {
    const a = make();
    const src = a.source.detach().double();
    const m64 = mats.map((m) => m.double());
    const y = noGrad(() =>
      conv2dFactored(a.x.double(), { source: src, indices, mats: m64 }, profiles.double(), null, {
        padding: 2,
        blocks: [dO, dI],
      }),
    );
    const rows = gatheredMatmul(src, indices, m64).reshape([U, 16 * 12]);
    const y2 = noGrad(() =>
      conv2dFactored(a.x.double(), rows, profiles.double(), null, { padding: 2, blocks: [dO, dI] }),
    );
    expect(maxRel(y.data, y2.data)).toBeLessThan(1e-14);
    expect(() =>
      conv2dFactored(a.x, { source: a.source, indices, mats }, profiles, null, { padding: 2, blocks: [4, 2] }),
    ).toThrow(/conv2dFactored: argument 'coef' expected matrices of 8 columns \(one block of kernels\), got 16/);
    expect(() =>
      conv2dFactored(a.x, { source: a.source, indices: indices.slice(1), mats: mats.slice(1) }, profiles, null, {
        blocks: [dO, dI],
      }),
    ).toThrow(/conv2dFactored: argument 'coef' expected \[7, Cout·Cin\/groups\]/);
  });
});

describe("R2Conv through conv2dFactored", () => {
  it("in training mode equals its formed filter's conv2d, forward and gradients, and stays C8-equivariant", () => {
    const G = Cn(8);
    const t = FieldType.repeat(G, regular(G), 2);
    const conv = new R2Conv(t, t, 5, { padding: 2, generator: new Generator(1) });
    const x = randn([2, 16, 11, 11], { generator: new Generator(2), requiresGrad: true });
    const y = conv.forward(x);
    const gy = randn(y.shape, { generator: new Generator(4) });
    y.backward(gy);
    const gCoef = conv.weights[0]!.grad!.data.slice();
    const gx = x.grad!.data.slice();
    conv.zeroGrad();
    x.grad = null;
    const y2 = conv2d(x, conv.filter(), conv.biasVector(), { padding: 2 });
    y2.backward(gy);
    expect(maxRel(y.data, y2.data)).toBeLessThan(1e-5);
    expect(maxRel(gx, x.grad!.data)).toBeLessThan(1e-5);
    expect(maxRel(gCoef, conv.weights[0]!.grad!.data)).toBeLessThan(1e-5);
    // the library's checker, float32 on the fused path: exact up to round-off for the 90° rotations
    const r = checkEquivariance((u: Tensor) => conv.forward(u), {
      group: G,
      inputAction: planarGridAction(G, { fieldType: t }),
      outputAction: planarGridAction(G, { fieldType: t }),
      inputs: [x.detach()],
    });
    const quarter = r.samples.filter((q) => ["r^0", "r^2", "r^4", "r^6"].includes(q.element));
    expect(quarter.length).toBe(4);
    expect(Math.max(...quarter.map((q) => q.relError))).toBeLessThan(1e-5);
  });

  it("a trivial-to-regular layer of 5×5 (a small basis) keeps the formed filter", () => {
    const G = Cn(8);
    const conv = new R2Conv(new FieldType(G, [trivial(G)]), FieldType.repeat(G, regular(G), 1), 5, { padding: 2 });
    const x = randn([1, 1, 7, 7], { generator: new Generator(3) });
    expect(maxRel(conv.forward(x).data, conv2d(x, conv.filter(), conv.biasVector(), { padding: 2 }).data)).toBeLessThan(
      1e-6,
    );
  });
});
