/**
 * Stride-1 2-D convolutions without an im2col matrix (assembly/conv.ts): the WASM path against its
 * plain-TypeScript twin (convStride1Ref) on random shapes (kernel sizes 1-7, asymmetric kernels,
 * dilation, padding, groups, chunks of output rows), and the Tensor API on the same path against the
 * reference backend.
 */
import { describe, expect, it } from "vitest";
import { conv2d, Generator, randn } from "../src/index.js";
import {
  convStride1,
  convStride1WeightGrad,
  getKernelBackend,
  type Stride1Geometry,
  setKernelBackend,
} from "../src/kernels/index.js";
import { convStride1Ref, convStride1WeightGradRef } from "../src/kernels/ref/conv.js";

const gen = new Generator(5151);

function randArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal(0, 1);
  return a;
}

function geometry(
  N: number,
  G: number,
  Cg: number,
  Og: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  dh: number,
  dw: number,
  ph: number,
  pw: number,
): Stride1Geometry {
  return { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh: H + 2 * ph - dh * (kh - 1), ow: W + 2 * pw - dw * (kw - 1) };
}

describe("stride-1 conv2d without im2col", () => {
  const cases: Stride1Geometry[] = [
    geometry(2, 1, 3, 5, 9, 11, 5, 5, 1, 1, 2, 2),
    geometry(3, 1, 8, 6, 12, 10, 5, 3, 1, 1, 2, 1),
    geometry(2, 2, 2, 3, 13, 7, 3, 5, 2, 1, 2, 2),
    geometry(1, 3, 2, 3, 28, 28, 5, 5, 1, 1, 2, 2),
    geometry(2, 1, 2, 3, 9, 9, 3, 1, 1, 1, 0, 0),
    geometry(2, 1, 4, 4, 6, 5, 7, 7, 1, 1, 3, 3),
    geometry(1, 1, 16, 12, 40, 33, 5, 5, 1, 1, 2, 2), // several blocks of output rows
    geometry(2, 1, 1, 4, 10, 10, 1, 1, 1, 1, 0, 0),
  ];

  it("WASM equals the reference twin (float32 round-off)", () => {
    let ran = 0;
    for (const g of cases) {
      const x = randArray(g.N * g.G * g.Cg * g.H * g.W);
      const w = randArray(g.G * g.Og * g.Cg * g.kh * g.kw);
      const b = randArray(g.G * g.Og);
      const P = g.oh * g.ow;
      for (const bias of [b, null]) {
        const y = new Float32Array(g.N * g.G * g.Og * P).fill(Number.NaN);
        if (!convStride1(x, w, bias, y, g)) continue; // below the WASM threshold: the caller's path
        ran++;
        const ref = new Float64Array(y.length);
        convStride1Ref(x, w, bias, ref, g);
        let m = 0;
        for (let i = 0; i < y.length; i++) m = Math.max(m, Math.abs(y[i]! - ref[i]!) / (1 + Math.abs(ref[i]!)));
        expect(m, JSON.stringify(g)).toBeLessThan(1e-4);
      }
    }
    expect(ran).toBeGreaterThanOrEqual(10);
  });

  it("weight gradient: WASM equals the reference twin (float32 round-off)", () => {
    let ran = 0;
    for (const g of cases) {
      const x = randArray(g.N * g.G * g.Cg * g.H * g.W);
      const gy = randArray(g.N * g.G * g.Og * g.oh * g.ow);
      const gw = new Float32Array(g.G * g.Og * g.Cg * g.kh * g.kw).fill(Number.NaN);
      if (!convStride1WeightGrad(x, gy, gw, g)) continue;
      ran++;
      const ref = new Float64Array(gw.length);
      convStride1WeightGradRef(x, gy, ref, g);
      let m = 0;
      for (let i = 0; i < gw.length; i++) m = Math.max(m, Math.abs(gw[i]! - ref[i]!) / (1 + Math.abs(ref[i]!)));
      expect(m, JSON.stringify(g)).toBeLessThan(1e-4);
    }
    expect(ran).toBeGreaterThanOrEqual(6);
  });

  it("declines off the WASM path (the caller uses its im2col path)", () => {
    const prev = getKernelBackend();
    setKernelBackend("ref");
    try {
      const g = cases[0]!;
      const y = new Float32Array(g.N * g.Og * g.oh * g.ow);
      expect(convStride1(randArray(g.N * g.Cg * g.H * g.W), randArray(g.Og * g.Cg * 25), null, y, g)).toBe(false);
      expect(
        convStride1WeightGrad(
          randArray(g.N * g.Cg * g.H * g.W),
          randArray(y.length),
          new Float32Array(g.Og * g.Cg * 25),
          g,
        ),
      ).toBe(false);
    } finally {
      setKernelBackend(prev);
    }
  });

  it("bad geometry or short arrays: a clear error before any WASM call", () => {
    const g = cases[0]!;
    const x = randArray(g.N * g.Cg * g.H * g.W);
    const w = randArray(g.Og * g.Cg * 25);
    const y = new Float32Array(g.N * g.Og * g.oh * g.ow);
    expect(() => convStride1(x, w, null, y, { ...g, oh: 1 })).toThrow(/convStride1: argument 'geom'/);
    expect(() => convStride1(x.subarray(1), w, null, y, g)).toThrow(/convStride1: argument 'x' expected at least/);
    expect(() => convStride1WeightGrad(x, y, w.subarray(2), g)).toThrow(/convStride1WeightGrad: argument 'gw'/);
  });

  it("conv2d through it equals the reference backend, forward and gradients (5×5, padding 2)", () => {
    const g = new Generator(3);
    const x = randn([4, 6, 14, 14], { generator: g }).requiresGrad_();
    const w = randn([8, 6, 5, 5], { generator: g, std: 0.1 }).requiresGrad_();
    const b = randn([8], { generator: g }).requiresGrad_();
    const gy = randn([4, 8, 14, 14], { generator: g });
    const run = (): Float32Array[] => {
      x.grad = null;
      w.grad = null;
      b.grad = null;
      const y = conv2d(x, w, b, { padding: 2 });
      y.backward(gy);
      return [
        y.data as Float32Array,
        x.grad!.data as Float32Array,
        w.grad!.data as Float32Array,
        b.grad!.data as Float32Array,
      ];
    };
    const fast = run();
    const prev = getKernelBackend();
    setKernelBackend("ref");
    let slow: Float32Array[];
    try {
      slow = run();
    } finally {
      setKernelBackend(prev);
    }
    for (let k = 0; k < fast.length; k++) {
      let m = 0;
      for (let i = 0; i < fast[k]!.length; i++)
        m = Math.max(m, Math.abs(fast[k]![i]! - slow[k]![i]!) / (1 + Math.abs(slow[k]![i]!)));
      expect(m).toBeLessThan(1e-4);
    }
  });
});
