/**
 * The fused training kernels (batch-norm statistics / affine map / gradient, Adam, 2-D transpose):
 * WASM against the TypeScript reference on random sizes, including channel counts that are not
 * multiples of 4.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adamStep, batchNormGrad, channelAffine, channelStats, getKernelBackend, kernelsReady, lastKernelBackend, setKernelBackend, spmmCsrWide, transpose2d } from "../src/kernels/index.js";
import { spmmCsrRef } from "../src/kernels/ref/sparse.js";
import { adamRef, bnGradRef, channelAffineRef, channelStatsRef, transpose2dRef } from "../src/kernels/ref/train.js";
import { Generator } from "../src/tensor/rng.js";

const gen = new Generator(99);

function rand(n: number, scale = 1, shift = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal(shift, scale);
  return a;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
}

const prev = getKernelBackend();
beforeAll(async () => {
  await kernelsReady();
  setKernelBackend("wasm");
});
afterAll(() => setKernelBackend(prev));

describe("fused training kernels: WASM = reference", () => {
  const shapes: [number, number][] = [
    [1, 1],
    [3, 5],
    [17, 7],
    [64, 16],
    [130, 64],
    [33, 67],
  ];

  it("channel statistics, affine map (with and without ReLU)", () => {
    for (const [N, C] of shapes) {
      const x = rand(N * C, 2, 3);
      const m1 = new Float64Array(C);
      const v1 = new Float64Array(C);
      const m2 = new Float64Array(C);
      const v2 = new Float64Array(C);
      channelStats(x, N, C, m1, v1);
      expect(lastKernelBackend()).toBe("wasm");
      channelStatsRef(x, N, C, m2, v2);
      expect(maxRelDiff(m1, m2)).toBeLessThan(1e-12);
      expect(maxRelDiff(v1, v2)).toBeLessThan(1e-12);
      const scale = Float64Array.from(rand(C));
      const shift = Float64Array.from(rand(C));
      for (const relu of [false, true]) {
        const y1 = new Float32Array(N * C);
        const y2 = new Float32Array(N * C);
        channelAffine(x, y1, N, C, scale, shift, relu);
        channelAffineRef(x, y2, N, C, Float32Array.from(scale), Float32Array.from(shift), relu);
        expect(maxRelDiff(y1, y2)).toBeLessThan(1e-6);
      }
    }
  });

  it("batch-norm gradient (batch and running statistics, ReLU mask, sums only)", () => {
    for (const [N, C] of shapes) {
      const x = rand(N * C, 1.5, -1);
      const y = rand(N * C);
      const g = rand(N * C);
      const mean = Float64Array.from(rand(C));
      const invStd = Float64Array.from(rand(C, 0.2, 1));
      const scale = Float64Array.from(rand(C));
      for (const useBatch of [true, false]) {
        for (const relu of [false, true]) {
          const s1 = new Float64Array(2 * C);
          const s2 = new Float64Array(2 * C);
          const d1 = new Float32Array(N * C);
          const d2 = new Float32Array(N * C);
          batchNormGrad(x, y, g, d1, N, C, mean, scale, invStd, N, useBatch, relu, s1);
          bnGradRef(x, y, g, d2, N, C, mean, Float32Array.from(scale), invStd, N, useBatch, relu, s2);
          expect(maxRelDiff(s1, s2)).toBeLessThan(1e-9);
          expect(maxRelDiff(d1, d2)).toBeLessThan(1e-4);
          batchNormGrad(x, y, g, null, N, C, mean, scale, invStd, N, useBatch, relu, s1);
          expect(maxRelDiff(s1, s2)).toBeLessThan(1e-9);
        }
      }
    }
  });

  it("Adam step (L2, decoupled decay, maximise)", () => {
    for (const n of [1, 3, 4, 101, 4096]) {
      for (const k of [
        { b1: 0.9, b2: 0.999, stepSize: 0.01, bc2Sqrt: 0.05, eps: 1e-8, l2: 5e-4, decay: 1, sign: 1 },
        { b1: 0.8, b2: 0.99, stepSize: 0.1, bc2Sqrt: 0.5, eps: 1e-6, l2: 0, decay: 0.999, sign: -1 },
      ]) {
        const p1 = rand(n);
        const g = rand(n);
        const m1 = rand(n, 0.1);
        const v1 = Float32Array.from(rand(n, 0.1), (t) => t * t);
        const [p2, m2, v2] = [p1.slice(), m1.slice(), v1.slice()];
        adamStep(p1, g, m1, v1, k);
        adamRef(p2, g, m2, v2, k);
        expect(maxRelDiff(p1, p2)).toBeLessThan(1e-5);
        expect(maxRelDiff(m1, m2)).toBeLessThan(1e-6);
        expect(maxRelDiff(v1, v2)).toBeLessThan(1e-6);
      }
    }
  });

  it("wide-row CSR product (F a multiple of 16, with and without values)", () => {
    for (const [rows, cols, F] of [
      [1, 1, 32],
      [37, 23, 64],
      [100, 61, 48],
      [9, 5, 16],
      [12, 7, 20],
    ] as [number, number, number][]) {
      const indptr = new Int32Array(rows + 1);
      const idx: number[] = [];
      for (let r = 0; r < rows; r++) {
        const k = Math.floor(gen.uniform() * 6);
        for (let j = 0; j < k; j++) idx.push(Math.floor(gen.uniform() * cols));
        indptr[r + 1] = idx.length;
      }
      const indices = Int32Array.from(idx);
      const values = rand(idx.length);
      const X = rand(cols * F);
      for (const v of [values, null]) {
        const o1 = new Float32Array(rows * F);
        const o2 = new Float32Array(rows * F);
        spmmCsrWide(indptr, indices, v, rows, X, F, o1);
        spmmCsrRef(indptr, indices, v, rows, X, F, o2);
        expect(maxRelDiff(o1, o2)).toBeLessThan(1e-5);
      }
    }
  });

  it("transpose of float32 and int32 matrices", () => {
    for (const [R, C] of [[1, 1], [4, 4], [5, 3], [16, 1433], [37, 9], ...shapes] as [number, number][]) {
      const a = rand(R * C);
      const t1 = new Float32Array(R * C);
      const t2 = new Float32Array(R * C);
      transpose2d(a, t1, R, C);
      transpose2dRef(a, t2, R, C);
      expect(Array.from(t1)).toEqual(Array.from(t2));
      const ai = Int32Array.from(a, (v) => Math.round(v * 1000));
      const ti = new Int32Array(R * C);
      transpose2d(ai, ti, R, C);
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) expect(ti[c * R + r]).toBe(ai[r * C + c]);
    }
  });
});
