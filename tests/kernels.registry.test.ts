/**
 * The kernel registry: every entry's WASM binding against its reference on a small random input, and
 * coverage (every function the WASM module exports is bound by some entry, every entry is exported
 * from src/kernels/index.ts under its name and has a sample here).
 */
import { describe, expect, it } from "vitest";
import { MAX_KERNEL_ARGS } from "../src/kernels/dispatch.js";
import * as kernels from "../src/kernels/index.js";
import {
  convGeometry,
  kernelRegistry,
  type RegisteredKernel,
  type Stride1Geometry,
  type WinogradGeometry,
} from "../src/kernels/index.js";
import { packSphericalHarmonics, packTensorProduct, type TpSizes } from "../src/kernels/ref/o3.js";
import { winograd5Profiles } from "../src/kernels/ref/winograd5.js";
import { getWasmRuntime } from "../src/kernels/wasm/loader.js";
import { Generator } from "../src/tensor/rng.js";

const gen = new Generator(2024);

function rand(n: number, scale = 1, shift = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal(shift, scale);
  return a;
}

/** float64 values that are float32 numbers (so that both paths see the same parameters). */
function rand64(n: number, scale = 1, shift = 0): Float64Array {
  return Float64Array.from(rand(n, scale, shift));
}

function randIndex(n: number, high: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.randint(0, high);
  return a;
}

/** A random CSR matrix rows×cols (some empty rows) with float32 values. */
function csr(rows: number, cols: number) {
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  for (let r = 0; r < rows; r++) {
    const k = r % 3 === 1 ? 0 : 1 + gen.randint(0, cols);
    for (let j = 0; j < k; j++) idx.push(gen.randint(0, cols));
    indptr[r + 1] = idx.length;
  }
  const indices = Int32Array.from(idx);
  const values = rand(idx.length);
  // Aᵀ's structure: for each column, its entries in row order, and the entry of A behind each
  const ptr = new Int32Array(cols + 1);
  for (const c of idx) ptr[c + 1]!++;
  for (let c = 0; c < cols; c++) ptr[c + 1]! += ptr[c]!;
  const fill = ptr.slice(0, cols);
  const col = new Int32Array(idx.length);
  const perm = new Int32Array(idx.length);
  for (let r = 0; r < rows; r++) {
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const q = fill[indices[p]!]!++;
      col[q] = r;
      perm[q] = p;
    }
  }
  return { indptr, indices, values, transposed: { ptr, col, perm } };
}

const wg: WinogradGeometry = { N: 2, G: 2, Cg: 3, Og: 2, H: 6, W: 5, oh: 6, ow: 5, ph: 1, pw: 1 };
/** A 5×5 geometry for the F(4×4, 5×5) kernels (padding 2 and 1: a 7×6 output from 7×7). */
const wg5: WinogradGeometry = { N: 2, G: 2, Cg: 3, Og: 5, H: 7, W: 7, oh: 7, ow: 6, ph: 2, pw: 1 };
const wg5X = wg5.N * wg5.G * wg5.Cg * wg5.H * wg5.W;
const wg5W = wg5.G * wg5.Og * wg5.Cg * 25;
const wg5Y = wg5.N * wg5.G * wg5.Og * wg5.oh * wg5.ow;
const wg5P = { prof: winograd5Profiles(rand(3 * 25), 3), dO: 1, dI: 1 };
const wg5F = wg5.G * wg5.Og * wg5.Cg * 3;
const s1: Stride1Geometry = {
  N: 2,
  G: 1,
  Cg: 2,
  Og: 3,
  H: 6,
  W: 7,
  kh: 3,
  kw: 5,
  dh: 1,
  dw: 2,
  ph: 1,
  pw: 3,
  oh: 6,
  ow: 5,
};
/** A depthwise geometry: 3 channels of 9×8, 3×3 taps, stride 2, padding 1 (5×4 outputs). */
const dwg = convGeometry(2, 3, 3, 3, [9, 8], [5, 4], [3, 3], [2, 2], [1, 1], [1, 1]);
const wgX = wg.N * wg.G * wg.Cg * wg.H * wg.W;
const wgY = wg.N * wg.G * wg.Og * wg.oh * wg.ow;
const wgW = wg.G * wg.Og * wg.Cg * 9;

/** One small call per registry entry (fresh arrays each time), and its tolerance. */
/** Two packed tensor-product paths (uvw into 1 dim, uvu into 3) over 13 samples. */
const tpPlan = packTensorProduct(
  [
    { mode: "uvw" as const, U: 3, V: 2, W: 5, d1: 3, d2: 3, d3: 1, o1: 0, o2: 0, o3: 0, hasWeight: true, wOff: 0 },
    { mode: "uvu" as const, U: 3, V: 2, W: 3, d1: 3, d2: 3, d3: 3, o1: 0, o2: 0, o3: 5, hasWeight: true, wOff: 30 },
  ].map((p) => ({
    ...p,
    pw: 0.7,
    ci: Int32Array.from([0, 1, 2, 1]),
    cj: Int32Array.from([0, 1, 2, 2]),
    ck: Int32Array.from([0, 0, 0, p.d3 - 1]),
    cv: Float64Array.from([0.5, -0.25, 0.125, 1]),
  })),
);
const tpS: TpSizes = { Z: 13, D1: 9, D2: 6, D3: 14, P: 36, perSample: false };
/** Two harmonic-like polynomials (1 and 2xy − z up to degree 3). */
const shTable = packSphericalHarmonics(
  [
    { c: [1], a: [0], b: [0], d: [0] },
    { c: [2, -1], a: [1, 2], b: [1, 0], d: [0, 1] },
  ],
  3,
);
/** Positive distances for the radial bases (the Bessel basis divides by x). */
const dist = (n: number): Float32Array => rand(n).map((v) => Math.abs(v) + 0.1);
const gaussian = { kind: "gaussian" as const, centers: [0, 0.5, 1, 1.5], coeff: -2 };

const samples: Record<string, { args: () => unknown[]; tol?: number }> = {
  gemm: { args: () => [rand(15), rand(21), rand(35), 5, 7, 3, false, true, true] },
  transpose2d: { args: () => [randIndex(30, 1000), new Int32Array(30), 6, 5] },
  // 3 parts (2, 0 and 3 columns, one repeated) of a [7×5], N = 6 (a partial vector of lanes)
  gatheredMatmul: {
    args: () => [
      rand(35),
      Int32Array.from([4, 0, 1, 1, 3]),
      Int32Array.from([0, 2, 2, 5]),
      rand(30),
      new Float32Array(126),
      7,
      5,
      6,
    ],
  },
  gatheredMatmulGrad: {
    args: () => [
      rand(126),
      Int32Array.from([4, 0, 1, 1, 3]),
      Int32Array.from([0, 2, 2, 5]),
      rand(30),
      new Float32Array(35),
      7,
      5,
      6,
    ],
  },
  binary: { args: () => ["mul", rand(24), rand(6), new Float32Array(24), [4, 6], [6, 1], [0, 1]] },
  unary: { args: () => ["tanh", rand(37), new Float32Array(37), 0] },
  // [2, 16, 32, 34] permuted by [0, 2, 3, 1], read from offset 10 (the fast path takes 32768 elements on)
  permuteCopy: {
    args: () => [rand(34826), 10, [18496, 34, 1, 1088], [2, 32, 34, 16], new Float32Array(34816)],
  },
  unaryGrad: { args: () => ["softplus", rand(37, 8), rand(37), new Float32Array(37), 2.5] },
  positiveGrad: { args: () => [rand(37), rand(37), new Float32Array(37), 0.01] },
  reduceAxis: { args: () => ["sum", rand(60), 3, 5, 4, new Float32Array(12)] },
  softmaxRows: { args: () => [rand(36), 4, 9, new Float32Array(36), true] },
  spmmCsr: {
    args: () => {
      const a = csr(6, 5);
      return [a.indptr, a.indices, a.values, 6, rand(20), 4, new Float32Array(24)];
    },
  },
  spmmCsrT: {
    args: () => {
      const a = csr(6, 5);
      return [a.indptr, a.indices, a.values, 6, 5, rand(24), 4, new Float32Array(20)];
    },
  },
  spmmCsrWide: {
    args: () => {
      const a = csr(6, 5);
      return [a.indptr, a.indices, a.values, 6, rand(5 * 32), 32, new Float32Array(6 * 32)];
    },
  },
  linearAct: {
    args: () => [
      rand(35),
      rand(30),
      rand(6),
      new Float32Array(42),
      new Float32Array(42),
      7,
      6,
      5,
      "shiftedSoftplus",
      rand(7),
    ],
  },
  gatherRows: { args: () => [rand(30), randIndex(7, 10), 3, new Float32Array(21)] },
  scatterAddRows: { args: () => [rand(21), randIndex(7, 5), 3, rand(15)] },
  gatherMulScatter: { args: () => [rand(24), rand(54), randIndex(9, 4), randIndex(9, 5), 6, rand(30)] },
  gatherMulRows: { args: () => [rand(30), randIndex(9, 5), rand(24), randIndex(9, 4), 6, new Float32Array(54)] },
  gatherMulAddRows: {
    args: () => [rand(30), randIndex(9, 5), rand(24), randIndex(9, 4), randIndex(9, 3), 6, rand(18)],
  },
  scatterMaxRows: { args: () => [rand(21), randIndex(7, 5), 3, new Float32Array(15), new Int32Array(15), "min"] },
  segmentSumCsr: { args: () => [rand(27), Int32Array.from([0, 2, 2, 5, 9]), 3, new Float32Array(12)] },
  sparseLinear: {
    args: () => {
      const a = csr(6, 5);
      return [a.indptr, a.indices, a.values, 6, rand(16 * 5), 16, 5, rand(16), new Float32Array(6 * 16)];
    },
  },
  sparseLinearGrad: {
    args: () => {
      const a = csr(6, 5);
      const G = rand(6 * 16);
      G.fill(0, 16, 32); // an all-zero row is skipped
      return [a.indptr, a.indices, a.values, 6, G, 16, 5, () => a.transposed, rand(80), rand(16)];
    },
  },
  channelStats: { args: () => [rand(35, 2, 1), 7, 5, new Float64Array(5), new Float64Array(5)] },
  channelAffine: { args: () => [rand(35), new Float32Array(35), 7, 5, rand64(5), rand64(5), true] },
  batchNormGrad: {
    args: () => [
      rand(35),
      rand(35),
      rand(35),
      new Float32Array(35),
      7,
      5,
      rand64(5),
      rand64(5),
      rand64(5, 0.2, 1),
      7,
      true,
      true,
      new Float64Array(10),
    ],
  },
  channelStatsNCL: { args: () => [rand(72, 2, 1), 3, 4, 6, new Float64Array(4), new Float64Array(4)] },
  channelAffineNCL: { args: () => [rand(72), new Float32Array(72), 3, 4, 6, rand64(4), rand64(4)] },
  batchNormGradNCL: {
    args: () => [
      rand(72),
      rand(72),
      new Float32Array(72),
      3,
      4,
      6,
      rand64(4),
      rand64(4, 0.2, 1),
      rand64(4),
      true,
      new Float64Array(8),
    ],
  },
  adamStep: {
    args: () => [
      rand(10),
      rand(10),
      rand(10, 0.1),
      rand(10, 0.1, 1).map(Math.abs),
      { b1: 0.9, b2: 0.999, stepSize: 0.01, bc2Sqrt: 0.5, eps: 1e-8, l2: 0.01, decay: 0.99, sign: 1 },
    ],
  },
  dropoutMask: { args: () => [rand(11), new Float32Array(11), new Float32Array(11), 11, [1, 2, 3, 4], 0.3, true] },
  bernoulliMask: { args: () => [new Float32Array(13), Int32Array.from([11, -7, 3, 99]), 1 << 23, 2] },
  tensorProductForward: {
    args: () => [tpPlan, rand(13 * 9), rand(13 * 6), rand(36), tpS, new Float32Array(13 * 14)],
    tol: 1e-5,
  },
  tensorProductBackward: {
    args: () => [
      tpPlan,
      rand(13 * 9),
      rand(13 * 6),
      rand(36),
      tpS,
      rand(13 * 14),
      new Float32Array(13 * 9),
      new Float32Array(13 * 6),
      new Float32Array(36),
    ],
    tol: 1e-5,
  },
  sphericalHarmonicsForward: { args: () => [shTable, rand(27), 9, true, new Float32Array(18)], tol: 1e-5 },
  sphericalHarmonicsBackward: { args: () => [shTable, rand(27), rand(18), 9, true, new Float32Array(27)], tol: 1e-5 },
  radialForward: {
    args: () => [gaussian, null, { kind: "cosine", rc: 2 }, dist(11), 11, new Float32Array(44)],
    tol: 1e-5,
  },
  radialBackward: {
    args: () => [
      { kind: "bessel", rc: 2.5 },
      Float32Array.from([1, 2, 3]).map((k) => k * Math.PI),
      { kind: "polynomial", rc: 2.5, p: 6 },
      dist(11),
      11,
      rand(33),
      new Float32Array(11),
      new Float32Array(3),
    ],
    tol: 1e-5,
  },
  winogradConv3x3: { args: () => [rand(wgX), rand(wgW), rand(wg.G * wg.Og), new Float32Array(wgY), wg], tol: 1e-4 },
  winogradWeightGrad3x3: {
    args: () => [rand(wgX), rand(wgY), new Float32Array(wgW), wg, new Float32Array(wg.G * wg.Og)],
    tol: 1e-4,
  },
  winogradBackward3x3: {
    args: () => [
      rand(wgX),
      rand(wgW),
      rand(wgY),
      new Float32Array(wgX),
      new Float32Array(wgW),
      new Float32Array(wg.G * wg.Og),
      wg,
    ],
    tol: 1e-4,
  },
  winograd5Conv: { args: () => [rand(wg5X), rand(wg5W), rand(wg5.G * wg5.Og), new Float32Array(wg5Y), wg5], tol: 1e-4 },
  winograd5WeightGrad: { args: () => [rand(wg5X), rand(wg5Y), new Float32Array(wg5W), wg5], tol: 1e-4 },
  // three profiles (odd: the transformed rows are padded to four)
  winograd5FactoredConv: {
    args: () => [rand(wg5X), rand(wg5F), wg5P, rand(wg5.G * wg5.Og), new Float32Array(wg5Y), wg5],
    tol: 1e-4,
  },
  winograd5FactoredWeightGrad: { args: () => [rand(wg5X), rand(wg5Y), new Float32Array(wg5F), wg5P, wg5], tol: 1e-4 },
  depthwiseForward: { args: () => [rand(2 * 3 * 72), rand(27), rand(3), new Float32Array(2 * 3 * 20), dwg] },
  depthwiseInputGrad: { args: () => [rand(2 * 3 * 20), rand(27), new Float32Array(2 * 3 * 72), dwg] },
  depthwiseWeightGrad: { args: () => [rand(2 * 3 * 72), rand(2 * 3 * 20), new Float32Array(27), dwg] },
  convStride1: {
    args: () => [
      rand(s1.N * s1.G * s1.Cg * s1.H * s1.W),
      rand(s1.G * s1.Og * s1.Cg * s1.kh * s1.kw),
      rand(s1.G * s1.Og),
      new Float32Array(s1.N * s1.G * s1.Og * s1.oh * s1.ow),
      s1,
    ],
  },
  convStride1WeightGrad: {
    args: () => [
      rand(s1.N * s1.G * s1.Cg * s1.H * s1.W),
      rand(s1.N * s1.G * s1.Og * s1.oh * s1.ow),
      new Float32Array(s1.G * s1.Og * s1.Cg * s1.kh * s1.kw),
      s1,
    ],
  },
};

type Arr = Float32Array | Float64Array | Int32Array;
const isArr = (a: unknown): a is Arr =>
  a instanceof Float32Array || a instanceof Float64Array || a instanceof Int32Array;

/** A deep enough copy: typed arrays cloned, everything else shared. */
function cloneArgs(args: unknown[]): unknown[] {
  return args.map((a) => (isArr(a) ? a.slice() : a));
}

/** max |got − want| / max(1, max |want|) over one array. */
function relErr(got: Arr, want: Arr): number {
  let num = 0;
  let den = 1;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i]! - want[i]!));
    den = Math.max(den, Math.abs(want[i]!));
  }
  return num / den;
}

describe("kernel registry", () => {
  const rt = getWasmRuntime();
  const entries = kernelRegistry();

  it("registers each kernel once, under the name src/kernels/index.ts exports it by", () => {
    const names = entries.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(typeof (kernels as Record<string, unknown>)[n], n).toBe("function");
    expect(names.length).toBeGreaterThanOrEqual(29);
  });

  it("covers every function the WASM module exports, and each entry's exports exist", () => {
    expect(rt).not.toBeNull();
    const exported = Object.keys(rt!.exports).filter(
      // heapBase and the per-thread scratch setters (the loader and the kernel team call them) are no kernels
      (k) =>
        typeof (rt!.exports as unknown as Record<string, unknown>)[k] === "function" &&
        ![
          "heapBase",
          "setGemmScratch",
          "setWinogradScratch",
          "setWinograd5Scratch",
          "setWinograd5KernelScratch",
        ].includes(k),
    );
    const bound = new Set(entries.flatMap((e) => e.exports));
    expect(exported.filter((k) => !bound.has(k))).toEqual([]);
    for (const e of entries) expect(rt!.hasExports(e.exports), e.name).toBe(true);
  });

  it("has a sample for every entry, within the dispatch function's arity", () => {
    expect(entries.map((e) => e.name).filter((n) => samples[n] === undefined)).toEqual([]);
    // the dispatching functions take MAX_KERNEL_ARGS fixed parameters: a longer call would lose arguments
    for (const s of Object.values(samples)) expect(s.args().length).toBeLessThanOrEqual(MAX_KERNEL_ARGS);
  });

  it.each(entries.map((e) => [e.name, e] as [string, RegisteredKernel]))(
    "%s: the WASM binding agrees with the reference on a small random input",
    (name, e) => {
      const sample = samples[name]!;
      const args = sample.args();
      expect(e.work(...args), "the sample suits the WASM binding").toBeGreaterThanOrEqual(0);
      const viaWasm = cloneArgs(args);
      const viaRef = cloneArgs(args);
      expect(e.wasm(rt!, ...viaWasm), "the binding does not decline the sample").not.toBe(false);
      e.ref(...viaRef);
      for (let i = 0; i < args.length; i++) {
        const w = viaWasm[i];
        const r = viaRef[i];
        if (!isArr(w) || !isArr(r)) continue;
        expect(relErr(w, r), `${name}: argument ${i}`).toBeLessThanOrEqual(sample.tol ?? 2e-6);
      }
    },
  );
});
