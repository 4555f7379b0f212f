/**
 * The fused training kernels (batch-norm statistics / affine map / gradient, Adam, 2-D transpose):
 * WASM against the TypeScript reference on random sizes, including channel counts that are not
 * multiples of 4.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adamStep,
  batchNormGrad,
  batchNormGradNCL,
  bernoulliMask,
  channelAffine,
  channelAffineNCL,
  channelStats,
  channelStatsNCL,
  dropoutMask,
  getKernelBackend,
  kernelsReady,
  lastKernelBackend,
  setKernelBackend,
  sparseLinear,
  sparseLinearGrad,
  spmmCsrWide,
  transpose2d,
} from "../src/kernels/index.js";
import { transpose2dRef } from "../src/kernels/ref/linalg.js";
import {
  bnGradRef,
  channelAffineNclRef,
  channelAffineRef,
  channelGradNclRef,
  channelStatsNclRef,
  channelStatsRef,
} from "../src/kernels/ref/norms.js";
import { adamRef } from "../src/kernels/ref/optim.js";
import { bernoulliMaskRef, dropoutMaskRef } from "../src/kernels/ref/random.js";
import { sparseLinearGradRef, sparseLinearRef, spmmCsrRef } from "../src/kernels/ref/sparse.js";
import { fastDropout, reluDropout } from "../src/tensor/ops/random.js";
import { Generator } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";

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
    // 2·16384 + 7: three chunks of the WASM binding (16384 values each), the last with a scalar tail
    for (const n of [1, 3, 4, 101, 4096, 2 * 16384 + 7]) {
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

/** A random CSR matrix with some stored zeros; its transposed structure as the op layer builds it. */
function randomCsr(rows: number, cols: number, perRow: number) {
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  for (let r = 0; r < rows; r++) {
    const k = Math.floor(gen.uniform() * (perRow + 1));
    for (let j = 0; j < k; j++) idx.push(Math.floor(gen.uniform() * cols));
    indptr[r + 1] = idx.length;
  }
  const indices = Int32Array.from(idx);
  const values = rand(idx.length);
  for (let p = 0; p < values.length; p += 3) values[p] = 0; // stored zeros (dropped inputs)
  const nnz = idx.length;
  const ptr = new Int32Array(cols + 1);
  for (let p = 0; p < nnz; p++) ptr[indices[p]! + 1]!++;
  for (let j = 0; j < cols; j++) ptr[j + 1]! += ptr[j]!;
  const cursor = ptr.slice(0, cols);
  const col = new Int32Array(nnz);
  const perm = new Int32Array(nnz);
  for (let r = 0; r < rows; r++) {
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const q = cursor[indices[p]!]!++;
      col[q] = r;
      perm[q] = p;
    }
  }
  return { indptr, indices, values, transposed: { ptr, col, perm } };
}

describe("sparse-input linear kernels: WASM = reference", () => {
  const cases: [number, number, number][] = [
    [1, 1, 32],
    [50, 30, 16],
    [37, 23, 64],
    [100, 61, 48],
    [300, 129, 64],
  ];

  it("forward: A·Wᵀ + b with and without values and bias", () => {
    for (const [rows, inF, F] of cases) {
      const a = randomCsr(rows, inF, 8);
      const W = rand(F * inF);
      const b = rand(F);
      for (const v of [a.values, null]) {
        for (const bias of [b, null]) {
          const o1 = new Float32Array(rows * F);
          const o2 = new Float32Array(rows * F);
          expect(sparseLinear(a.indptr, a.indices, v, rows, W, F, inF, bias, o1)).toBe(true);
          expect(lastKernelBackend()).toBe("wasm");
          sparseLinearRef(a.indptr, a.indices, v, rows, W, F, inF, bias, o2);
          expect(maxRelDiff(o1, o2)).toBeLessThan(1e-5);
        }
      }
    }
  });

  it("backward: dW = Gᵀ·A and db, dense G (gathering path) and G with few non-zero rows (scattering path)", () => {
    for (const [rows, inF, F] of cases) {
      const a = randomCsr(rows, inF, 8);
      for (const keep of [1, 0.1]) {
        const G = rand(rows * F);
        for (let r = 0; r < rows; r++) if (gen.uniform() >= keep) G.fill(0, r * F, (r + 1) * F);
        for (const v of [a.values, null]) {
          const dW1 = new Float32Array(F * inF);
          const db1 = new Float32Array(F);
          const dW2 = new Float32Array(F * inF);
          const db2 = new Float32Array(F);
          expect(sparseLinearGrad(a.indptr, a.indices, v, rows, G, F, inF, () => a.transposed, dW1, db1)).toBe(true);
          sparseLinearGradRef(a.indptr, a.indices, v, rows, G, F, inF, dW2, db2);
          expect(maxRelDiff(dW1, dW2)).toBeLessThan(1e-5);
          expect(maxRelDiff(db1, db2)).toBeLessThan(1e-5);
          const dWonly = new Float32Array(F * inF);
          expect(sparseLinearGrad(a.indptr, a.indices, v, rows, G, F, inF, () => a.transposed, dWonly, null)).toBe(
            true,
          );
          expect(Array.from(dWonly)).toEqual(Array.from(dW1));
          const dbOnly = new Float32Array(F);
          expect(sparseLinearGrad(a.indptr, a.indices, v, rows, G, F, inF, () => a.transposed, null, dbOnly)).toBe(
            true,
          );
          expect(Array.from(dbOnly)).toEqual(Array.from(db1));
        }
      }
    }
  });

  it("asks for the transposed structure only when the non-zero rows hold over half of the entries", () => {
    const [rows, inF, F] = [200, 50, 32];
    const a = randomCsr(rows, inF, 10);
    const G = rand(rows * F);
    let calls = 0;
    const t = () => {
      calls++;
      return a.transposed;
    };
    const dW = new Float32Array(F * inF);
    sparseLinearGrad(a.indptr, a.indices, a.values, rows, G, F, inF, t, dW, null);
    expect(calls).toBe(1);
    for (let r = 0; r < rows; r++) if (r % 5 !== 0) G.fill(0, r * F, (r + 1) * F);
    sparseLinearGrad(a.indptr, a.indices, a.values, rows, G, F, inF, t, dW, null);
    expect(calls).toBe(1);
    const ref = new Float32Array(F * inF);
    sparseLinearGradRef(a.indptr, a.indices, a.values, rows, G, F, inF, ref, null);
    expect(maxRelDiff(dW, ref)).toBeLessThan(1e-5);
  });

  it("declines shapes it does not cover (F not a multiple of 16, float64)", () => {
    const a = randomCsr(10, 7, 3);
    expect(sparseLinear(a.indptr, a.indices, a.values, 10, rand(20 * 7), 20, 7, null, new Float32Array(200))).toBe(
      false,
    );
    expect(sparseLinear(a.indptr, a.indices, a.values, 10, rand(8 * 7), 8, 7, null, new Float32Array(80))).toBe(false);
    expect(
      sparseLinear(
        a.indptr,
        a.indices,
        Float64Array.from(a.values),
        10,
        new Float64Array(32 * 7),
        32,
        7,
        null,
        new Float64Array(320),
      ),
    ).toBe(false);
    expect(
      sparseLinearGrad(
        a.indptr,
        a.indices,
        a.values,
        10,
        rand(200),
        20,
        7,
        () => a.transposed,
        new Float32Array(140),
        null,
      ),
    ).toBe(false);
  });
});

describe("dropout mask kernel", () => {
  it("WASM = reference = the graph models' fastDropout / reluDropout stream, bit for bit", () => {
    for (const n of [1, 2, 7, 1000, 4097]) {
      for (const p of [0.1, 0.5, 0.6]) {
        for (const relu of [false, true]) {
          const d = rand(n);
          const seedGen = new Generator(n + 17);
          const seed = [
            seedGen.nextUint32() | 0,
            seedGen.nextUint32() | 0,
            seedGen.nextUint32() | 0,
            seedGen.nextUint32() | 0,
          ];
          const m1 = new Float32Array(n);
          const o1 = new Float32Array(n);
          dropoutMask(d, m1, o1, n, seed, p, relu);
          expect(lastKernelBackend()).toBe("wasm");
          const m2 = new Float32Array(n);
          const o2 = new Float32Array(n);
          dropoutMaskRef(d, m2, o2, n, seed, p, relu);
          expect(Array.from(m1)).toEqual(Array.from(m2));
          expect(Array.from(o1)).toEqual(Array.from(o2));
          const o3 = new Float32Array(n);
          dropoutMask(d, null, o3, n, seed, p, relu);
          expect(Array.from(o3)).toEqual(Array.from(o1));
          const x = new Tensor(d, [n], "float32");
          const y = relu
            ? reluDropout(x, p, true, new Generator(n + 17))
            : fastDropout(x, p, true, new Generator(n + 17));
          expect(Array.from(y.data)).toEqual(Array.from(o1));
        }
      }
    }
    const d64 = Float64Array.from(rand(9));
    const o64 = new Float64Array(9);
    dropoutMask(d64, null, o64, 9, [1, 2, 3, 4], 0.5, false);
    const y64 = fastDropout(new Tensor(d64, [9], "float64"), 0.5, true, {
      nextUint32: (() => {
        let i = 0;
        return () => [1, 2, 3, 4][i++]!;
      })(),
    } as unknown as Generator);
    expect(Array.from(o64)).toEqual(Array.from(y64.data));
  });
});

describe("channels-first batch norm over [N, C, L]: WASM = reference bit for bit", () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 13],
    [4, 9, 200],
    [64, 9, 72],
  ];
  for (const [N, C, L] of shapes) {
    it(`N ${N}, C ${C}, L ${L}: statistics, affine map, gradient with and without batch statistics`, () => {
      const n = N * C * L;
      const x = rand(n, 2, 0.5);
      const g = rand(n);
      const mean = new Float64Array(C);
      const vr = new Float64Array(C);
      const meanR = new Float64Array(C);
      const vrR = new Float64Array(C);
      channelStatsNCL(x, N, C, L, mean, vr);
      if (n >= 256) expect(lastKernelBackend()).toBe("wasm");
      channelStatsNclRef(x, N, C, L, meanR, vrR);
      expect(Array.from(mean)).toEqual(Array.from(meanR));
      expect(Array.from(vr)).toEqual(Array.from(vrR));
      const invStd = Float64Array.from(vr, (v) => 1 / Math.sqrt(v + 1e-5));
      const scale = Float64Array.from(invStd, (s, c) => s * (0.5 + 0.1 * c));
      const shift = Float64Array.from(mean, (m, c) => 0.3 - m * scale[c]!);
      const y = new Float32Array(n);
      const yR = new Float32Array(n);
      channelAffineNCL(x, y, N, C, L, scale, shift);
      channelAffineNclRef(x, yR, N, C, L, scale, shift);
      expect(Array.from(y)).toEqual(Array.from(yR));
      for (const useBatch of [true, false]) {
        const dx = new Float32Array(n);
        const dxR = new Float32Array(n);
        const sums = new Float64Array(2 * C);
        const sumsR = new Float64Array(2 * C);
        channelGradNclRef(x, g, dxR, N, C, L, mean, invStd, scale, useBatch, sumsR);
        batchNormGradNCL(x, g, dx, N, C, L, mean, invStd, scale, useBatch, sums);
        expect(Array.from(sums)).toEqual(Array.from(sumsR));
        expect(Array.from(dx)).toEqual(Array.from(dxR));
      }
    });
  }
});

describe("dropout mask of the Generator's stream: WASM = reference, one draw per element", () => {
  for (const n of [1, 7, 1000, 65537]) {
    it(`n ${n}: the same mask and final state; Generator.fillBernoulli matches nextUint32 draws`, () => {
      const seed = Int32Array.of(0x12345678, -5, 77, 0x7fffffff);
      const thr = Math.floor(0.3 * 16777216);
      const a = new Float32Array(n);
      const b = new Float32Array(n);
      const sa = seed.slice();
      const sb = seed.slice();
      bernoulliMask(a, sa, thr, 1 / 0.7);
      if (n >= 64) expect(lastKernelBackend()).toBe("wasm");
      bernoulliMaskRef(b, sb, thr, 1 / 0.7);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(sa)).toEqual(Array.from(sb));
      const g = new Generator(5);
      const h = new Generator(5);
      const m = g.fillBernoulli(new Float32Array(n), 0.7, 2);
      for (let i = 0; i < n; i++) expect(m[i]).toBe(h.nextUint32() >>> 8 >= thr ? 2 : 0);
      expect(g.nextUint32()).toBe(h.nextUint32());
    });
  }
});
