/**
 * The relaxed-SIMD (fused multiply-add) WASM build. Where this engine validates relaxed SIMD, the
 * loader picks that build and the checks below run on it here. Where it needs a flag (Node 20:
 * --experimental-wasm-relaxed-simd), this file re-runs itself in a child vitest with the flag, so the
 * FMA kernels are covered on every Node the library supports; the child must report the relaxed build.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  gemm,
  getKernelBackend,
  packSphericalHarmonics,
  packTensorProduct,
  setKernelBackend,
  softmaxRows,
  sphericalHarmonicsForward,
  tensorProductForward,
  wasmFeatures,
  winogradConv3x3,
} from "../src/kernels/index.js";
import { softmaxRowsRef } from "../src/kernels/ref/elementwise.js";
import { gemmRef } from "../src/kernels/ref/linalg.js";
import { shForwardRef, tpForwardRef } from "../src/kernels/ref/o3.js";
import { winogradConv3x3Ref } from "../src/kernels/ref/winograd.js";
import { RELAXED_SIMD_FLAG, relaxedSimdFlag, relaxedSimdValidates } from "../src/node/relaunch.js";
import { Generator } from "../src/tensor/rng.js";

const gen = new Generator(77);
const inChild = process.env.ERLANGEN_RELAXED_CHILD === "1";

function randArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal(0, 1);
  return a;
}

function maxRelErr(got: Float32Array, want: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i]! - want[i]!));
    den = Math.max(den, Math.abs(want[i]!));
  }
  return num / Math.max(den, 1e-30);
}

describe("relaxed-SIMD kernels", () => {
  it("the loader picks the relaxed build exactly where the engine validates it", () => {
    const prev = getKernelBackend();
    setKernelBackend("wasm");
    try {
      gemm(randArray(64), randArray(64), new Float32Array(64), 8, 8, 8);
      const want = process.env.ERLANGEN_KERNELS_RELAXED !== "0" && (relaxedSimdValidates() as boolean);
      expect(wasmFeatures().relaxedSimd).toBe(want);
      if (inChild) expect(wasmFeatures().relaxedSimd).toBe(true);
    } finally {
      setKernelBackend(prev);
    }
  });

  it("GEMM (every transpose, edge sizes, accumulate) matches the reference", () => {
    const prev = getKernelBackend();
    setKernelBackend("wasm");
    try {
      const shapes: [number, number, number][] = [
        [1, 1, 1],
        [5, 7, 3],
        [17, 33, 9],
        [64, 40, 32],
        [130, 9, 300],
      ];
      for (const [M, N, K] of shapes) {
        for (const tA of [false, true]) {
          for (const tB of [false, true]) {
            for (const acc of [false, true]) {
              const A = randArray(M * K);
              const B = randArray(K * N);
              const C0 = randArray(M * N);
              const got = C0.slice();
              const want = C0.slice();
              gemm(A, B, got, M, N, K, tA, tB, acc);
              gemmRef(A, B, want, M, N, K, tA, tB, acc);
              expect(maxRelErr(got, want), `${M}x${N}x${K} tA=${tA} tB=${tB} acc=${acc}`).toBeLessThan(1e-5);
            }
          }
        }
      }
    } finally {
      setKernelBackend(prev);
    }
  });

  it("Winograd 3×3 convolution matches the reference twin", () => {
    const prev = getKernelBackend();
    setKernelBackend("wasm");
    try {
      for (const [N, C, O, H, W, p] of [
        [2, 8, 12, 9, 11, 1],
        [1, 5, 3, 6, 6, 0],
      ] as const) {
        const x = randArray(N * C * H * W);
        const w = randArray(O * C * 9);
        const b = randArray(O);
        const oh = H + 2 * p - 2;
        const ow = W + 2 * p - 2;
        const got = new Float32Array(N * O * oh * ow);
        const want = new Float32Array(N * O * oh * ow);
        winogradConv3x3(x, w, b, got, { N, G: 1, Cg: C, Og: O, H, W, oh, ow, ph: p, pw: p });
        winogradConv3x3Ref(x, w, b, want, { N, G: 1, Cg: C, Og: O, H, W, oh, ow, ph: p, pw: p });
        expect(maxRelErr(got, want)).toBeLessThan(1e-5);
      }
    } finally {
      setKernelBackend(prev);
    }
  });

  it("O(3) tensor product and spherical harmonics match the reference twins", () => {
    const prev = getKernelBackend();
    try {
      const paths = [
        { mode: "uvw" as const, U: 3, V: 2, W: 5, d1: 3, d2: 3, d3: 1, o1: 0, o2: 0, o3: 0, hasWeight: true, wOff: 0 },
        { mode: "uvu" as const, U: 3, V: 2, W: 3, d1: 3, d2: 3, d3: 3, o1: 0, o2: 0, o3: 5, hasWeight: true, wOff: 30 },
      ].map((p) => ({
        ...p,
        pw: 0.7,
        ci: Int32Array.from([0, 1, 2, 1]),
        cj: Int32Array.from([0, 1, 2, 2]),
        ck: Int32Array.from([0, 0, 0, p.d3 - 1]),
        cv: Float64Array.from([0.5, -0.25, 0.125, 1]),
      }));
      const plan = packTensorProduct(paths);
      const s = { Z: 13, D1: 9, D2: 6, D3: 14, P: 36, perSample: false };
      const [x1, x2, w] = [randArray(13 * 9), randArray(13 * 6), randArray(36)];
      const got = new Float32Array(13 * 14);
      const want = new Float32Array(13 * 14);
      setKernelBackend("wasm");
      tensorProductForward(plan, x1, x2, w, s, got);
      tpForwardRef(plan, x1, x2, w, s, want);
      expect(maxRelErr(got, want)).toBeLessThan(1e-5);
      const table = packSphericalHarmonics(
        [
          { c: [1], a: [0], b: [0], d: [0] },
          { c: [2, -1], a: [1, 2], b: [1, 0], d: [0, 1] },
        ],
        3,
      );
      const xyz = randArray(3 * 9);
      const y = new Float32Array(9 * 2);
      const y0 = new Float32Array(9 * 2);
      sphericalHarmonicsForward(table, xyz, 9, true, y);
      shForwardRef(table, xyz, 9, true, y0);
      expect(maxRelErr(y, y0)).toBeLessThan(1e-5);
    } finally {
      setKernelBackend(prev);
    }
  });

  it("row softmax and log-softmax (fused exponential, reciprocal products) match the reference", () => {
    const prev = getKernelBackend();
    setKernelBackend("wasm");
    try {
      // rows of 8 (four a step, then the last three one by one) with NaN, ±Infinity, an all −∞ row,
      // far tails and the edge of exp's overflow; then the general loop (9 and 33 columns)
      for (const [rows, cols] of [
        [2003, 8],
        [11, 9],
        [5, 33],
      ] as const) {
        const a = randArray(rows * cols).map((v) => 4 * v);
        a[3] = Number.NaN;
        a[cols + 5] = Number.POSITIVE_INFINITY;
        a.fill(Number.NEGATIVE_INFINITY, 2 * cols, 3 * cols);
        a[3 * cols] = -200;
        a[4 * cols] = 88;
        a[4 * cols + 1] = -88;
        for (const log of [false, true]) {
          const got = new Float32Array(rows * cols);
          const want = new Float32Array(rows * cols);
          softmaxRows(a, rows, cols, got, log);
          softmaxRowsRef(a, rows, cols, want, log);
          for (let i = 0; i < want.length; i++) {
            const w = want[i]!;
            const g = got[i]!;
            if (Number.isNaN(w)) expect(g, `[${i}]`).toBeNaN();
            else
              expect(Math.abs(g - w), `${log ? "log" : ""}softmax [${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(
                (log ? 1e-5 : 1e-7) + 1e-5 * Math.abs(w),
              );
          }
        }
      }
    } finally {
      setKernelBackend(prev);
    }
  });

  it.runIf(!inChild && (relaxedSimdFlag() as string | null) !== null)(
    "re-runs these checks in a child with the relaxed-SIMD flag (Node 20)",
    () => {
      const vitest = new URL("../node_modules/vitest/vitest.mjs", import.meta.url).pathname;
      const file = new URL(import.meta.url).pathname;
      const r = spawnSync(process.execPath, [vitest, "run", file, `--execArgv=${RELAXED_SIMD_FLAG}`], {
        encoding: "utf8",
        env: { ...process.env, ERLANGEN_RELAXED_CHILD: "1", ERLANGEN_KERNELS_RELAXED: "1" },
        timeout: 120_000,
      });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/5 passed/);
    },
    150_000,
  );
});
