// The kernel team (src/kernels/team.ts): kernels split over threads that share one WASM memory. With
// n threads the numbers are those of one thread bit for bit (GEMM by rows of C, Winograd by blocks of
// images, depthwise convolutions and channels-first batch norm by channels), equal to the private-memory build's (today's one-thread path), the same run after run, after
// the memory grew; a private memory falls back to one
// thread with one message; team workers never keep a Node process alive. The O(3) kernels' splits are
// in kernels.team_o3.test.ts.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  batchNormGradNCL,
  channelStatsNCL,
  convGeometry,
  convStride1,
  convStride1WeightGrad,
  depthwiseForward,
  depthwiseInputGrad,
  depthwiseWeightGrad,
  gatheredMatmul,
  gatheredMatmulGrad,
  gatherRows,
  gemm,
  lastKernelBackend,
  permuteCopy,
  positiveGrad,
  softmaxRows,
  spmmCsr,
  spmmCsrWide,
  unary,
  unaryGrad,
  winograd5Conv,
  winograd5FactoredConv,
  winograd5FactoredWeightGrad,
  winograd5WeightGrad,
  winogradBackward3x3,
  winogradConv3x3,
} from "../src/kernels/index.js";
import { setNumThreads } from "../src/kernels/pool.js";
import type { Stride1Geometry } from "../src/kernels/ref/conv.js";
import { depthwiseForwardRef, depthwiseInputGradRef, depthwiseWeightGradRef } from "../src/kernels/ref/depthwise.js";
import { positiveGradRef } from "../src/kernels/ref/elementwise.js";
import { copyBoxPlan, permuteCopyRef } from "../src/kernels/ref/linalg.js";
import { channelGradNclRef, channelStatsNclRef } from "../src/kernels/ref/norms.js";
import type { WinogradGeometry } from "../src/kernels/ref/winograd.js";
import { winograd5Profiles } from "../src/kernels/ref/winograd5.js";
import { closeKernelTeam, currentKernelTeam, kernelTeam, setTeamMinWork, TEAM_MIN_WORK } from "../src/kernels/team.js";
import { softmaxRowsWasm, unaryGradWasm, unaryWasm } from "../src/kernels/wasm/elementwise.js";
import { gemmWasm } from "../src/kernels/wasm/linalg.js";
import { getLocalWasmRuntime, getWasmRuntime, WasmRuntime } from "../src/kernels/wasm/loader.js";
import { gatherRowsWasm, spmmCsrWasm, spmmCsrWideWasm } from "../src/kernels/wasm/sparse.js";
import {
  setWinogradTileBlock,
  WINOGRAD_TILE_BLOCK,
  winogradBackwardWasm,
  winogradConvWasm,
} from "../src/kernels/wasm/winograd.js";
import {
  setWinograd5TileBlock,
  WINOGRAD5_TILE_BLOCK,
  winograd5ConvWasm,
  winograd5WeightGradWasm,
} from "../src/kernels/wasm/winograd5.js";
import "../src/node/kernel_team.js";
import { Generator } from "../src/tensor/rng.js";
import { privateRuntime, randomFloats, sameBits, teamReady } from "./helpers/team.js";

const gen = new Generator(2026);
const minWork = TEAM_MIN_WORK;
const rand = (n: number): Float32Array => randomFloats(gen, n);

interface GemmCase {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
}

const GEMMS: GemmCase[] = [
  { M: 300, N: 72, K: 130, transA: false, transB: false, accumulate: false },
  { M: 197, N: 13, K: 257, transA: false, transB: true, accumulate: true },
  { M: 130, N: 40, K: 300, transA: true, transB: false, accumulate: false },
  { M: 67, N: 100, K: 90, transA: true, transB: true, accumulate: true },
];

function runGemm(c: GemmCase, A: Float32Array, B: Float32Array, C0: Float32Array): Float32Array {
  const C = C0.slice();
  gemm(A, B, C, c.M, c.N, c.K, c.transA, c.transB, c.accumulate);
  return C;
}

const WG: WinogradGeometry = { N: 13, G: 2, Cg: 8, Og: 12, H: 14, W: 11, oh: 14, ow: 11, ph: 1, pw: 1 };

function runWinograd(x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const y = new Float32Array(WG.N * WG.G * WG.Og * WG.oh * WG.ow);
  winogradConv3x3(x, w, b, y, WG);
  return y;
}

beforeAll(() => {
  // every call in this file is split (small sizes keep it fast)
  setTeamMinWork(1);
});

afterAll(() => {
  setTeamMinWork(minWork);
  setNumThreads(1);
  closeKernelTeam();
});

describe("kernel team", () => {
  it("loads the shared-memory build in Node", () => {
    expect(getWasmRuntime()?.shared).toBe(true);
  });

  it("runs single-thread calls on a private-memory instance of the same build, with the shared one's bits", () => {
    const local = getLocalWasmRuntime()!;
    expect(local.shared).toBe(false);
    expect(local).toBe(getLocalWasmRuntime());
    // kernels that never split, at any thread count, and team kernels on one thread
    const X = rand(300 * 16);
    const index = Int32Array.from({ length: 2000 }, (_, i) => (i * 7919) % 300);
    const S = rand(2000 * 8);
    for (const n of [1, 2]) {
      setNumThreads(n);
      const g = new Float32Array(2000 * 16);
      gatherRows(X, index, 16, g);
      expect(lastKernelBackend()).toBe("wasm");
      const gWant = new Float32Array(2000 * 16);
      gatherRowsWasm(getWasmRuntime()!, X, index, 16, gWant);
      expect(sameBits(g, gWant)).toBe(true);
      const sm = new Float32Array(2000 * 8);
      softmaxRows(S, 2000, 8, sm);
      const smWant = new Float32Array(2000 * 8);
      softmaxRowsWasm(getWasmRuntime()!, S, 2000, 8, smWant);
      expect(sameBits(sm, smWant)).toBe(true);
    }
    setNumThreads(1);
    const c = GEMMS[0]!;
    const A = rand(c.M * c.K);
    const B = rand(c.K * c.N);
    const got = runGemm(c, A, B, new Float32Array(c.M * c.N));
    const want = new Float32Array(c.M * c.N);
    gemmWasm(getWasmRuntime()!, A, B, want, c.M, c.N, c.K, c.transA, c.transB, false);
    expect(sameBits(got, want)).toBe(true);
  });

  it("SpMM (narrow, 16 and wide rows): n threads give one thread's bits, equal to the private-memory build", async () => {
    // a power-law-ish CSR: row r has (r * 7919) % 23 entries, some rows empty
    const rows = 700;
    const cols = 500;
    const ptr = new Int32Array(rows + 1);
    for (let r = 0; r < rows; r++) ptr[r + 1] = ptr[r]! + ((r * 7919) % 23);
    const nnz = ptr[rows]!;
    const idx = Int32Array.from({ length: nnz }, (_, i) => (i * 104729) % cols);
    const vals = rand(nnz);
    const rt = privateRuntime();
    for (const [F, wide, values] of [
      [7, false, vals],
      [16, false, null],
      [48, true, vals],
    ] as const) {
      const X = rand(cols * F);
      const run = (): Float32Array => {
        const out = new Float32Array(rows * F);
        (wide ? spmmCsrWide : spmmCsr)(ptr, idx, values, rows, X, F, out);
        return out;
      };
      setNumThreads(1);
      const one = run();
      const want = new Float32Array(rows * F);
      (wide ? spmmCsrWideWasm : spmmCsrWasm)(rt, ptr, idx, values, rows, X, F, want);
      expect(sameBits(one, want)).toBe(true);
      for (const n of [2, 3]) {
        setNumThreads(n);
        expect(sameBits(run(), one)).toBe(true);
        await teamReady(n);
        for (let rep = 0; rep < 2; rep++) expect(sameBits(run(), one)).toBe(true);
      }
    }
  });

  it("the private-memory instance beside the shared runtime runs on one thread, without a message", () => {
    setNumThreads(2);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const local = getLocalWasmRuntime();
      if (local === null || local === getWasmRuntime()) return; // no shared runtime here: nothing to route
      expect(kernelTeam(local, 1 << 30)).toBeNull();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("a private memory runs on one thread, with one message", () => {
    setNumThreads(2);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const rt = privateRuntime();
      expect(kernelTeam(rt, 1 << 30)).toBeNull();
      expect(kernelTeam(rt, 1 << 30)).toBeNull();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(
        /one thread: SharedArrayBuffer is unavailable.*cross-origin isolated/,
      );
    } finally {
      warn.mockRestore();
    }
  });

  it("GEMM: n threads give one thread's bits, run after run, equal to the private-memory build", async () => {
    const inputs = GEMMS.map((c) => ({ A: rand(c.M * c.K), B: rand(c.K * c.N), C: rand(c.M * c.N) }));
    setNumThreads(1);
    const one = GEMMS.map((c, i) => runGemm(c, inputs[i]!.A, inputs[i]!.B, inputs[i]!.C));
    const rt = privateRuntime();
    GEMMS.forEach((c, i) => {
      const C = inputs[i]!.C.slice();
      gemmWasm(rt, inputs[i]!.A, inputs[i]!.B, C, c.M, c.N, c.K, c.transA, c.transB, c.accumulate);
      expect(sameBits(C, one[i]!)).toBe(true);
    });
    for (const n of [2, 3]) {
      setNumThreads(n);
      // the first call starts the team (and waits for its workers)
      GEMMS.forEach((c, i) => {
        expect(sameBits(runGemm(c, inputs[i]!.A, inputs[i]!.B, inputs[i]!.C), one[i]!)).toBe(true);
      });
      const t = await teamReady(n);
      for (let rep = 0; rep < 3; rep++) {
        GEMMS.forEach((c, i) => {
          expect(sameBits(runGemm(c, inputs[i]!.A, inputs[i]!.B, inputs[i]!.C), one[i]!)).toBe(true);
        });
      }
      expect(t.readyWorkers).toBe(n - 1);
    }
  });

  it("the workers take chunks, and see the memory after it grew", async () => {
    setNumThreads(2);
    const c: GemmCase = { M: 256, N: 64, K: 256, transA: false, transB: false, accumulate: false };
    const A = rand(c.M * c.K);
    const B = rand(c.K * c.N);
    const want = new Float32Array(c.M * c.N);
    gemmWasm(privateRuntime(), A, B, want, c.M, c.N, c.K);
    runGemm(c, A, B, want);
    const t = await teamReady(2);
    for (let i = 0; i < 200 && t.workerChunks === 0; i++) {
      expect(sameBits(runGemm(c, A, B, want), want)).toBe(true);
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 10));
    }
    expect(t.workerChunks).toBeGreaterThan(0);
    // a call that needs more memory than any before: the memory grows, the workers compute in it
    const rt = getWasmRuntime()!;
    const before = rt.memory.buffer.byteLength;
    const big: GemmCase = { M: 256, N: 512, K: 2048, transA: false, transB: false, accumulate: false };
    const need = 4 * (big.M * big.K + 2 * big.K * big.N + big.M * big.N);
    expect(need).toBeGreaterThan(before);
    const A2 = rand(big.M * big.K);
    const B2 = rand(big.K * big.N);
    const want2 = new Float32Array(big.M * big.N);
    gemmWasm(privateRuntime(), A2, B2, want2, big.M, big.N, big.K);
    const chunksBefore = t.workerChunks;
    expect(sameBits(runGemm(big, A2, B2, new Float32Array(big.M * big.N)), want2)).toBe(true);
    expect(rt.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(currentKernelTeam()).toBe(t);
    // the workers' share of the big call (or of the next ones) ran in the grown memory
    for (let i = 0; i < 20 && t.workerChunks === chunksBefore; i++)
      expect(sameBits(runGemm(big, A2, B2, new Float32Array(big.M * big.N)), want2)).toBe(true);
    expect(t.workerChunks).toBeGreaterThan(chunksBefore);
  });

  it("Winograd forward: n threads give one thread's bits, equal to the private-memory build", async () => {
    const x = rand(WG.N * WG.G * WG.Cg * WG.H * WG.W);
    const w = rand(WG.G * WG.Og * WG.Cg * 9);
    const b = rand(WG.G * WG.Og);
    setNumThreads(1);
    const one = runWinograd(x, w, b);
    const want = new Float32Array(one.length);
    winogradConvWasm(privateRuntime(), x, w, b, want, WG);
    expect(sameBits(one, want)).toBe(true);
    for (const n of [2, 3]) {
      setNumThreads(n);
      expect(sameBits(runWinograd(x, w, b), one)).toBe(true);
      await teamReady(n);
      for (let rep = 0; rep < 3; rep++) expect(sameBits(runWinograd(x, w, b), one)).toBe(true);
    }
  });

  it("streams: feed in chunk order before each chunk runs, drain in chunk order; an exception in either is rethrown after every chunk finished", async () => {
    setNumThreads(2);
    const x = rand(WG.N * WG.G * WG.Cg * WG.H * WG.W);
    const w = rand(WG.G * WG.Og * WG.Cg * 9);
    const b = rand(WG.G * WG.Og);
    const one = runWinograd(x, w, b);
    const t = await teamReady(2);
    const NO_OP = 999; // not a job kind: every chunk throws, which the team reports after the job
    const fed: number[] = [];
    const drained: number[] = [];
    expect(() => t.run(NO_OP, 40, [], { feed: (k) => fed.push(k), drain: (k) => drained.push(k) })).toThrow(
      /a chunk failed/,
    );
    const order = Array.from({ length: 40 }, (_, k) => k);
    expect(fed).toEqual(order);
    expect(drained).toEqual(order);
    const boom = new Error("feed failed");
    expect(() =>
      t.run(NO_OP, 40, [], {
        feed: (k) => {
          if (k === 3) throw boom;
        },
      }),
    ).toThrow(boom);
    expect(() =>
      t.run(NO_OP, 40, [], {
        drain: (k) => {
          if (k === 5) throw new Error("drain failed");
        },
      }),
    ).toThrow(/drain failed/);
    // the team goes on: no worker was left waiting inside the failed jobs
    for (let rep = 0; rep < 3; rep++) expect(sameBits(runWinograd(x, w, b), one)).toBe(true);
    expect(currentKernelTeam()).toBe(t);
  });

  it("Winograd backward (input, weight and bias gradients, any subset): n threads give one thread's bits", async () => {
    const x = rand(WG.N * WG.G * WG.Cg * WG.H * WG.W);
    const w = rand(WG.G * WG.Og * WG.Cg * 9);
    const gy = rand(WG.N * WG.G * WG.Og * WG.oh * WG.ow);
    // 13 images of 12 tiles in blocks of 3 (the last one short), two groups
    const block0 = WINOGRAD_TILE_BLOCK;
    setWinogradTileBlock(36);
    const run = (rt: WasmRuntime | null, want: [boolean, boolean, boolean]): Float32Array[] => {
      const gx = want[0] ? new Float32Array(x.length) : null;
      const gw = want[1] ? new Float32Array(w.length) : null;
      const gb = want[2] ? new Float32Array(WG.G * WG.Og) : null;
      if (rt === null) expect(winogradBackward3x3(x, w, gy, gx, gw, gb, WG)).toBe(true);
      else winogradBackwardWasm(rt, x, w, gy, gx, gw, gb, WG);
      const out: Float32Array[] = [];
      for (const a of [gx, gw, gb]) if (a !== null) out.push(a);
      return out;
    };
    try {
      for (const want of [
        [true, true, true],
        [true, false, false],
        [false, true, true],
        [false, true, false],
      ] as [boolean, boolean, boolean][]) {
        setNumThreads(1);
        const one = run(null, want);
        const priv = run(privateRuntime(), want);
        for (const [i, a] of one.entries()) expect(sameBits(a, priv[i]!)).toBe(true);
        for (const n of [2, 3]) {
          setNumThreads(n);
          for (let rep = 0; rep < 2; rep++) {
            for (const [i, a] of run(null, want).entries()) expect(sameBits(a, one[i]!)).toBe(true);
            if (rep === 0) await teamReady(n);
          }
        }
      }
    } finally {
      setWinogradTileBlock(block0);
    }
  });

  it("Winograd F(4×4, 5×5) forward and weight gradient, plain and factored: n threads give one thread's bits", async () => {
    // 5 images of 9 tiles in blocks of 2 (the last one short), two groups, channel counts that split unevenly
    // (18 input channels: two blocks of 16 in the kernel transform, whose chunks are ranges of the 10 outputs)
    const g: WinogradGeometry = { N: 5, G: 2, Cg: 18, Og: 10, H: 11, W: 9, oh: 11, ow: 9, ph: 2, pw: 2 };
    const x = rand(g.N * g.G * g.Cg * g.H * g.W);
    const w = rand(g.G * g.Og * g.Cg * 25);
    const b = rand(g.G * g.Og);
    const gy = rand(g.N * g.G * g.Og * g.oh * g.ow);
    // and the factored kernels (5 profiles, blocks of 2×2): forward, flipped (the input gradient's) and the
    // factors' gradient
    const prof = { prof: winograd5Profiles(rand(5 * 25), 5), dO: 2, dI: 2 };
    const F = rand(g.G * g.Og * g.Cg * 5);
    const fg: WinogradGeometry = { ...g, Cg: g.Og, Og: g.Cg };
    const run = (): Float32Array[] => {
      const y = new Float32Array(gy.length);
      const gw = new Float32Array(w.length);
      expect(winograd5Conv(x, w, b, y, g)).toBe(true);
      expect(winograd5WeightGrad(x, gy, gw, g)).toBe(true);
      const yf = new Float32Array(gy.length);
      const gxf = new Float32Array(x.length);
      const gF = new Float32Array(F.length);
      expect(winograd5FactoredConv(x, F, prof, b, yf, g)).toBe(true);
      expect(winograd5FactoredConv(gy, F, prof, null, gxf, fg, true)).toBe(true);
      expect(winograd5FactoredWeightGrad(x, gy, gF, prof, g)).toBe(true);
      return [y, gw, yf, gxf, gF];
    };
    const block0 = WINOGRAD5_TILE_BLOCK;
    setWinograd5TileBlock(20);
    try {
      setNumThreads(1);
      const one = run();
      const rt = privateRuntime();
      const y = new Float32Array(gy.length);
      const gw = new Float32Array(w.length);
      winograd5ConvWasm(rt, x, w, b, y, g);
      winograd5WeightGradWasm(rt, x, gy, gw, g);
      expect(sameBits(y, one[0]!)).toBe(true);
      expect(sameBits(gw, one[1]!)).toBe(true);
      const yf = new Float32Array(gy.length);
      winograd5ConvWasm(rt, x, F, b, yf, g, false, prof);
      expect(sameBits(yf, one[2]!)).toBe(true);
      for (const n of [2, 3]) {
        setNumThreads(n);
        for (let rep = 0; rep < 3; rep++) {
          for (const [i, a] of run().entries()) expect(sameBits(a, one[i]!)).toBe(true);
          if (rep === 0) await teamReady(n);
        }
      }
    } finally {
      setWinograd5TileBlock(block0);
    }
  });

  it("Winograd F(4×4, 5×5) with gathered factors (forward, flipped, the source's gradient): n threads give one thread's bits", async () => {
    // one group, 16 input and 12 output channels in blocks of 4×4: R = 12 pairs of blocks, a source [12, 7]
    const g: WinogradGeometry = { N: 3, G: 1, Cg: 16, Og: 12, H: 9, W: 10, oh: 9, ow: 10, ph: 2, pw: 2 };
    const nU = 5;
    const K = 7;
    const offs = Int32Array.from([0, 2, 3, 5, 6, 8]);
    const ids = Int32Array.from([0, 6, 2, 3, 3, 1, 4, 5]);
    const fac = {
      prof: winograd5Profiles(rand(nU * 25), nU),
      dO: 4,
      dI: 4,
      gathered: { ids, offs, mats: rand(8 * 16), K },
    };
    const src = rand(12 * K);
    const x = rand(g.N * g.Cg * g.H * g.W);
    const b = rand(g.Og);
    const gy = rand(g.N * g.Og * g.oh * g.ow);
    const fg: WinogradGeometry = { ...g, Cg: g.Og, Og: g.Cg };
    const run = (): Float32Array[] => {
      const y = new Float32Array(gy.length);
      const gx = new Float32Array(x.length);
      const gs = new Float32Array(src.length);
      expect(winograd5FactoredConv(x, src, fac, b, y, g)).toBe(true);
      expect(winograd5FactoredConv(gy, src, fac, null, gx, fg, true)).toBe(true);
      expect(winograd5FactoredWeightGrad(x, gy, gs, fac, g)).toBe(true);
      return [y, gx, gs];
    };
    setNumThreads(1);
    const one = run();
    for (const n of [2, 3]) {
      setNumThreads(n);
      for (let rep = 0; rep < 3; rep++) {
        for (const [i, a] of run().entries()) expect(sameBits(a, one[i]!)).toBe(true);
        if (rep === 0) await teamReady(n);
      }
    }
  });

  it("gathered products and their gradient: n threads give one thread's bits, gemm's on the gathered columns", async () => {
    // 4 parts (3, 0, 5 and 2 columns of a [37×9], one repeated), N = 20 (a 16-lane block and a 4-lane one)
    const R = 37;
    const K = 9;
    const N = 20;
    const ids = Int32Array.from([8, 0, 3, 1, 1, 2, 7, 5, 4, 6]);
    const offs = Int32Array.from([0, 3, 3, 8, 10]);
    const a = rand(R * K);
    const mats = rand(ids.length * N);
    const gy = rand(4 * R * N);
    // subnormal inputs are flushed as gemm's packing flushes them
    a[5] = -1e-41;
    mats[3] = 1e-40;
    gy[7] = 2e-40;
    const run = (): Float32Array[] => {
      const out = new Float32Array(4 * R * N);
      const ga = new Float32Array(R * K);
      gatheredMatmul(a, ids, offs, mats, out, R, K, N);
      expect(lastKernelBackend()).toBe("wasm");
      gatheredMatmulGrad(gy, ids, offs, mats, ga, R, K, N);
      expect(lastKernelBackend()).toBe("wasm");
      return [out, ga];
    };
    setNumThreads(1);
    const one = run();
    // gemm on each part's gathered columns gives the same bits; the gradient's columns add up in part order
    const want = new Float32Array(4 * R * N);
    const wantGa = new Float32Array(R * K);
    for (let u = 0; u < 4; u++) {
      const k = offs[u + 1]! - offs[u]!;
      if (k === 0) continue;
      const cols = new Float32Array(R * k);
      for (let r = 0; r < R; r++) for (let j = 0; j < k; j++) cols[r * k + j] = a[r * K + ids[offs[u]! + j]!]!;
      const m = mats.subarray(offs[u]! * N, offs[u + 1]! * N);
      gemm(cols, m, want.subarray(u * R * N, (u + 1) * R * N), R, N, k, false, false, false);
      const g = new Float32Array(R * k);
      gemm(gy.subarray(u * R * N, (u + 1) * R * N), m, g, R, k, N, false, true, false);
      for (let r = 0; r < R; r++) for (let j = 0; j < k; j++) wantGa[r * K + ids[offs[u]! + j]!]! += g[r * k + j]!;
    }
    expect(sameBits(one[0]!, want)).toBe(true);
    expect(sameBits(one[1]!, wantGa)).toBe(true);
    for (const n of [2, 3]) {
      setNumThreads(n);
      for (let rep = 0; rep < 3; rep++) {
        for (const [i, x] of run().entries()) expect(sameBits(x, one[i]!)).toBe(true);
        if (rep === 0) await teamReady(n);
      }
    }
  });

  it("depthwise forward and gradients: n threads give one thread's bits, the reference's", async () => {
    // 7 channels (uneven chunks at 2 and 3 threads), 3 images, 5×5 stride 2 padding 2 (escnn's pooling)
    const g = convGeometry(3, 7, 7, 7, [13, 11], [7, 6], [5, 5], [2, 2], [2, 2], [1, 1]);
    const x = rand(3 * 7 * 143);
    const w = rand(7 * 25);
    const b = rand(7);
    const gy = rand(3 * 7 * 42);
    const run = (fns: [typeof depthwiseForwardRef, typeof depthwiseInputGradRef, typeof depthwiseWeightGradRef]) => {
      const y = new Float32Array(gy.length);
      const gx = new Float32Array(x.length);
      const gw = new Float32Array(w.length);
      fns[0](x, w, b, y, g);
      fns[1](gy, w, gx, g);
      fns[2](x, gy, gw, g);
      return [y, gx, gw];
    };
    const want = run([depthwiseForwardRef, depthwiseInputGradRef, depthwiseWeightGradRef]);
    for (const n of [1, 2, 3]) {
      setNumThreads(n);
      for (let rep = 0; rep < 3; rep++) {
        const got = run([depthwiseForward, depthwiseInputGrad, depthwiseWeightGrad]);
        expect(lastKernelBackend()).toBe("wasm");
        for (let k = 0; k < 3; k++) expect(sameBits(got[k]!, want[k]!), `n ${n} output ${k}`).toBe(true);
        if (rep === 0 && n > 1) await teamReady(n);
      }
    }
    expect(currentKernelTeam()?.size).toBe(3);
  });

  it("stride-1 convolutions without im2col (forward by images and groups, weight gradient by channels): n threads give one thread's bits", async () => {
    // 7×7 over 3 images and 2 groups of 13 output channels (uneven chunks and a partial register
    // tile); a dilated 3×3 with one group; a grouped 7×7 with more groups than a job has chunks per group
    const geoms: Stride1Geometry[] = [
      { N: 3, G: 2, Cg: 3, Og: 13, H: 11, W: 9, oh: 7, ow: 5, ph: 1, pw: 1, kh: 7, kw: 7, dh: 1, dw: 1 },
      { N: 2, G: 1, Cg: 5, Og: 10, H: 12, W: 12, oh: 12, ow: 12, ph: 2, pw: 2, kh: 3, kw: 3, dh: 2, dw: 2 },
      { N: 1, G: 9, Cg: 2, Og: 5, H: 8, W: 8, oh: 4, ow: 4, ph: 1, pw: 1, kh: 7, kw: 7, dh: 1, dw: 1 },
    ];
    for (const g of geoms) {
      const x = rand(g.N * g.G * g.Cg * g.H * g.W);
      const w = rand(g.G * g.Og * g.Cg * g.kh * g.kw);
      const b = rand(g.G * g.Og);
      const gy = rand(g.N * g.G * g.Og * g.oh * g.ow);
      const run = (bias: Float32Array | null) => {
        const y = new Float32Array(gy.length);
        const gw = new Float32Array(w.length);
        expect(convStride1(x, w, bias, y, g)).toBe(true);
        expect(convStride1WeightGrad(x, gy, gw, g)).toBe(true);
        return [y, gw];
      };
      setNumThreads(1);
      const want = [run(b), run(null)];
      for (const n of [2, 3]) {
        setNumThreads(n);
        for (let rep = 0; rep < 2; rep++) {
          const got = [run(b), run(null)];
          for (let k = 0; k < 4; k++)
            expect(
              sameBits(got[k >> 1]![k & 1]!, want[k >> 1]![k & 1]!),
              `${g.kh}x${g.kw} G${g.G} n ${n} output ${k}`,
            ).toBe(true);
          if (rep === 0) await teamReady(n);
        }
      }
    }
    expect(currentKernelTeam()?.size).toBe(3);
  });

  it("channels-first batch-norm statistics and gradient: n threads give one thread's bits, the reference's", async () => {
    // 11 channels (uneven chunks at 2 and 3 threads), 3 images, 29 positions (a ragged SIMD tail)
    const [N, C, L] = [3, 11, 29];
    const x = rand(N * C * L).map((v) => 2 * v + 1);
    const g = rand(N * C * L);
    const invStd = Float64Array.from(rand(C), (v) => Math.abs(v) + 0.5);
    const k = Float64Array.from(rand(C));
    const same64 = (a: Float64Array, b: Float64Array) => a.every((v, i) => Object.is(v, b[i]));
    const run = (stats: typeof channelStatsNclRef, grad: typeof channelGradNclRef, useBatch: boolean) => {
      const mean = new Float64Array(C);
      const vr = new Float64Array(C);
      stats(x, N, C, L, mean, vr);
      const dx = new Float32Array(x.length);
      const sums = new Float64Array(2 * C);
      grad(x, g, dx, N, C, L, mean, invStd, k, useBatch, sums);
      return { mean, vr, dx, sums };
    };
    for (const useBatch of [true, false]) {
      const want = run(channelStatsNclRef, channelGradNclRef, useBatch);
      for (const n of [1, 2, 3]) {
        setNumThreads(n);
        for (let rep = 0; rep < 3; rep++) {
          const got = run(channelStatsNCL, batchNormGradNCL, useBatch);
          expect(lastKernelBackend()).toBe("wasm");
          const tag = `n ${n} useBatch ${useBatch}`;
          expect(same64(got.mean, want.mean) && same64(got.vr, want.vr), `${tag} statistics`).toBe(true);
          expect(same64(got.sums, want.sums), `${tag} sums`).toBe(true);
          expect(sameBits(got.dx, want.dx), `${tag} dx`).toBe(true);
          if (rep === 0 && n > 1) await teamReady(n);
        }
      }
    }
    expect(currentKernelTeam()?.size).toBe(3);
  });

  it("permutes (gathers and scatters, float32 with NaN payloads and int32): n threads give the reference's bits", async () => {
    // R2Conv's factored expansion [U, nO, nI, dO, dI] → [nO, dO, nI, dI, U] (a gather) and back (a
    // scatter), read from an offset; 5·8·8·12·9 = 34560 elements
    const shape = [5, 8, 8, 12, 9];
    const n = 34560;
    const st = [6912, 864, 108, 9, 1];
    const fwd = [1, 3, 2, 4, 0];
    const outF = fwd.map((k) => shape[k]!);
    const stF = fwd.map((k) => st[k]!);
    const stB = [0, 1, 2, 3, 4].map((k) => [1, 9 * 8 * 12 * 5, 9 * 5, 8 * 9 * 5, 5][k]!);
    const outB = shape;
    expect(copyBoxPlan(stF, outF)?.dStr.at(-1)).toBe(1);
    // the scatter walks the source's order, but with the output's dense axis innermost
    expect(copyBoxPlan(stB, outB)?.sStr).toEqual([4320, 360, 45, 1, 5]);
    expect(copyBoxPlan(stB, outB)?.dStr.at(-1)).toBe(1);
    // a 4-D permute whose output's last axis is neither side's dense pair: no plan, TypeScript copies it
    expect(copyBoxPlan([1, 60, 5, 20], [5, 2, 4, 3])).toBeNull();
    const f = rand(n + 7);
    const bits = new Uint32Array(f.buffer);
    for (let i = 0; i < n; i += 101) bits[i] = 0x7fc00000 + (i & 0xffff);
    const ints = Int32Array.from({ length: n + 7 }, (_, i) => (i * 2654435761) | 0);
    for (const n0 of [1, 2, 3]) {
      setNumThreads(n0);
      for (let rep = 0; rep < 2; rep++) {
        for (const [src, strides, outShape] of [
          [f, stF, outF],
          [f, stB, outB],
          [ints, stF, outF],
        ] as const) {
          const want = src instanceof Float32Array ? new Float32Array(n) : new Int32Array(n);
          permuteCopyRef(src, 7, strides, outShape, want);
          const got = src instanceof Float32Array ? new Float32Array(n) : new Int32Array(n);
          expect(permuteCopy(src, 7, strides, outShape, got)).toBe(true);
          expect(lastKernelBackend()).toBe("wasm");
          const eq = new Uint32Array(got.buffer).every((v, i) => v === new Uint32Array(want.buffer)[i]);
          expect(eq, `n ${n0} ${src.constructor.name} ${outShape.join("x")}`).toBe(true);
        }
        if (rep === 0 && n0 > 1) await teamReady(n0);
      }
    }
  });

  it("unary maps and their gradients: n threads give one thread's bits, out over an input included", async () => {
    const n = 3 * 16384 + 37;
    const x = rand(n).map((v) => 12 * v);
    const g = rand(n);
    const rt = privateRuntime();
    for (const [op, p] of [
      ["tanh", 0],
      ["gelu", 0],
      ["softplus", 1.5],
      ["shiftedSoftplus", 0],
    ] as const) {
      const want = new Float32Array(n);
      unaryWasm(rt, op, x, want, p);
      const gradOp = op === "softplus" || op === "shiftedSoftplus" ? op : null;
      const gWant = new Float32Array(n);
      if (gradOp !== null) unaryGradWasm(rt, gradOp, x, g, gWant, p);
      for (const t of [1, 2, 2, 3, 3]) {
        // the first call at 2 or 3 threads starts the team (its workers join as they come up), the
        // second runs with every worker ready
        setNumThreads(t);
        if (t > 1 && currentKernelTeam()?.size === t) await teamReady(t);
        const got = new Float32Array(n);
        unary(op, x, got, p);
        expect(sameBits(got, want), `${op} at ${t} threads`).toBe(true);
        const inPlace = x.slice();
        unary(op, inPlace, inPlace, p);
        expect(sameBits(inPlace, want), `${op} in place at ${t} threads`).toBe(true);
        if (gradOp === null) continue;
        const gIn = g.slice();
        unaryGrad(gradOp, x, gIn, gIn, p);
        expect(sameBits(gIn, gWant), `${op}'s gradient over g at ${t} threads`).toBe(true);
      }
      // a busy machine may leave every chunk to the calling thread: repeat until a worker took one
      const t3 = currentKernelTeam()!;
      for (let i = 0; i < 200 && t3.workerChunks === 0; i++) {
        const again = new Float32Array(n);
        unary(op, x, again, p);
        expect(sameBits(again, want)).toBe(true);
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 10));
      }
      expect(t3.workerChunks, "the workers ran chunks").toBeGreaterThan(0);
    }
  });

  it("calls that cannot split run on the private-memory runtime at any thread count (cheap maps, small GEMMs)", () => {
    setNumThreads(2);
    const reset = vi.spyOn(WasmRuntime.prototype, "reset");
    try {
      const x = rand(70000);
      unary("relu", x, new Float32Array(x.length), 0);
      unary("exp", x, new Float32Array(x.length), 0);
      expect(reset.mock.contexts.map((rt) => (rt as WasmRuntime).shared)).toEqual([false, true]);
      reset.mockClear();
      setTeamMinWork(1 << 22);
      unary("exp", x, new Float32Array(x.length), 0);
      const A = rand(64 * 64);
      gemm(A, A, new Float32Array(64 * 64), 64, 64, 64);
      gemm(rand(256 * 256), rand(256 * 256), new Float32Array(256 * 256), 256, 256, 256);
      expect(reset.mock.contexts.map((rt) => (rt as WasmRuntime).shared)).toEqual([false, false, true]);
    } finally {
      reset.mockRestore();
      setTeamMinWork(1);
      setNumThreads(1);
    }
  });

  it("the ReLU / leaky-ReLU gradient in WASM gives the reference's bits (±0, NaN, ±∞, subnormals)", () => {
    setNumThreads(1);
    const n = 1037;
    const special = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-45, 3e38];
    const x = rand(n);
    const g = rand(n);
    for (let i = 0; i < special.length; i++)
      for (let j = 0; j < special.length; j++) {
        x[i * special.length + j] = special[i]!;
        g[i * special.length + j] = special[j]!;
      }
    for (const slope of [0, 0.01, -0.3, 1e-40]) {
      const want = new Float32Array(n);
      positiveGradRef(x, g, want, slope);
      const got = new Float32Array(n);
      positiveGrad(x, g, got, slope);
      expect(lastKernelBackend()).toBe("wasm");
      expect(sameBits(got, want), `slope ${slope}`).toBe(true);
    }
  });

  it("team workers never keep the process alive", () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const script = join(tmpdir(), `erlangen-team-exit-${process.pid}.ts`);
    writeFileSync(
      script,
      [
        `import { gemm } from ${JSON.stringify(join(root, "src/kernels/index.ts"))};`,
        `import { setNumThreads } from ${JSON.stringify(join(root, "src/kernels/pool.ts"))};`,
        `import { currentKernelTeam, setTeamMinWork } from ${JSON.stringify(join(root, "src/kernels/team.ts"))};`,
        `import ${JSON.stringify(join(root, "src/node/kernel_team.ts"))};`,
        "setNumThreads(2);",
        "setTeamMinWork(1);",
        "const n = 128;",
        "const C = new Float32Array(n * n);",
        "gemm(new Float32Array(n * n).fill(1), new Float32Array(n * n).fill(1), C, n, n, n);",
        "const t = currentKernelTeam();",
        "const wait = () => (t !== null && t.readyWorkers < 1 ? setTimeout(wait, 20) : console.log('done', C[0], t?.size));",
        "wait();",
      ].join("\n"),
    );
    const hooks = join(root, "src/node/ts_hooks.mjs");
    const reg = `data:text/javascript,import{register}from"node:module";register(${JSON.stringify(`file://${hooks}`)});`;
    const r = spawnSync(process.execPath, ["--import", reg, script], { encoding: "utf8", timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("done 128 2");
    expect(r.status).toBe(0);
  });
});
