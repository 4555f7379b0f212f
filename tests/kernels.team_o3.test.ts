// The O(3) kernels on the kernel team (src/kernels/team.ts): tensor-product forward and backward, and
// spherical harmonics with their gradient, split over threads that share one WASM memory, give one
// thread's bits (the private-memory build's) at any thread count.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  packTensorProduct,
  sphericalHarmonicsBackward,
  sphericalHarmonicsForward,
  tensorProductBackward,
  tensorProductForward,
} from "../src/kernels/index.js";
import { setNumThreads } from "../src/kernels/pool.js";
import { closeKernelTeam, currentKernelTeam, setTeamMinWork, TEAM_MIN_WORK } from "../src/kernels/team.js";
import { shBackwardWasm, shForwardWasm, tpBackwardWasm, tpForwardWasm } from "../src/kernels/wasm/o3.js";
import "../src/node/kernel_team.js";
import { shPacked } from "../src/symmetry/o3/spherical_harmonics.js";
import { Generator } from "../src/tensor/rng.js";
import { privateRuntime, randomFloats, sameBits, teamReady } from "./helpers/team.js";

const gen = new Generator(2027);
const minWork = TEAM_MIN_WORK;
const rand = (n: number): Float32Array => randomFloats(gen, n);

beforeAll(() => {
  // every call in this file is split (small sizes keep it fast)
  setTeamMinWork(1);
});

afterAll(() => {
  setTeamMinWork(minWork);
  setNumThreads(1);
  closeKernelTeam();
});

describe("kernel team: O(3) kernels", () => {
  it("tensor-product forward (shared and per-sample weights): n threads give one thread's bits", async () => {
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
    const Z = 301;
    const rt = privateRuntime();
    for (const perSample of [false, true]) {
      const s = { Z, D1: 9, D2: 6, D3: 14, P: 36, perSample };
      const [x1, x2, w] = [rand(Z * 9), rand(Z * 6), rand(perSample ? Z * 36 : 36)];
      const run = (): Float32Array => {
        const out = new Float32Array(Z * 14);
        tensorProductForward(plan, x1, x2, w, s, out);
        return out;
      };
      setNumThreads(1);
      const one = run();
      const want = new Float32Array(Z * 14);
      tpForwardWasm(rt, plan, x1, x2, w, s, want);
      expect(sameBits(one, want)).toBe(true);
      setNumThreads(2);
      expect(sameBits(run(), one)).toBe(true);
      await teamReady(2);
      for (let rep = 0; rep < 2; rep++) expect(sameBits(run(), one)).toBe(true);
    }
  });

  it("tensor-product backward (shared weights by ranges of paths, per-sample results by samples): n threads give one thread's bits", async () => {
    const base = { pw: 0.7, o1: 0, o2: 0, hasWeight: true };
    const paths = [
      { ...base, mode: "uvw" as const, U: 3, V: 2, W: 5, d1: 3, d2: 3, d3: 1, o3: 0, wOff: 0 },
      { ...base, mode: "uvu" as const, U: 3, V: 2, W: 3, d1: 3, d2: 3, d3: 3, o3: 5, wOff: 30 },
      { ...base, mode: "uvw" as const, U: 3, V: 2, W: 2, d1: 3, d2: 3, d3: 3, o3: 14, wOff: 36, pw: 1.3 },
      { ...base, mode: "uuw" as const, U: 3, V: 3, W: 4, d1: 3, d2: 3, d3: 1, o3: 20, wOff: 48 },
      { ...base, mode: "uvv" as const, U: 3, V: 2, W: 2, d1: 3, d2: 3, d3: 3, o3: 24, wOff: 60, hasWeight: false },
    ].map((p) => ({
      ...p,
      ci: Int32Array.from([0, 1, 2, 1]),
      cj: Int32Array.from([0, 1, 2, 2]),
      ck: Int32Array.from([0, 0, 0, p.d3 - 1]),
      cv: Float64Array.from([0.5, -0.25, 0.125, 1]),
    }));
    const plan = packTensorProduct(paths);
    const Z = 301;
    const [D1, D2, D3, P] = [9, 9, 30, 60];
    const rt = privateRuntime();
    const [x1, x2, g] = [rand(Z * D1), rand(Z * D2), rand(Z * D3)];
    for (const perSample of [false, true]) {
      const s = { Z, D1, D2, D3, P, perSample };
      const w = rand(perSample ? Z * P : P);
      const gw0 = rand(perSample ? Z * P : P);
      for (const want of ["g1 g2 gw", "gw", "g1", "g2 gw"]) {
        const bufs = (): [Float32Array | null, Float32Array | null, Float32Array | null] => [
          want.includes("g1") ? new Float32Array(Z * D1) : null,
          want.includes("g2") ? new Float32Array(Z * D2) : null,
          want.includes("gw") ? gw0.slice() : null,
        ];
        const ref = bufs();
        setNumThreads(1); // the private runtime at more threads would warn once (see below)
        tpBackwardWasm(rt, plan, x1, x2, w, s, g, ...ref);
        for (const th of [1, 2, 3]) {
          setNumThreads(th);
          if (th > 1 && currentKernelTeam()?.size === th) await teamReady(th);
          const got = bufs();
          tensorProductBackward(plan, x1, x2, w, s, g, ...got);
          got.forEach((a, i) => {
            expect(
              sameBits(a ?? new Float32Array(), ref[i] ?? new Float32Array()),
              `${want} [${i}] per-sample ${perSample} at ${th} threads`,
            ).toBe(true);
          });
        }
      }
    }
  });

  it("tensor-product backward of one-to-one paths only (their output-gradient rows need scratch of their own): n threads give one thread's bits", async () => {
    // uvu paths with one x2 copy and per-sample weights, as NequIP's convolution has: no dense path, so
    // the dense row buffer is empty while every path writes its rows of the output gradient
    const paths = [0, 1, 2].map((q) => ({
      mode: "uvu" as const,
      U: 16,
      V: 1,
      W: 16,
      d1: 3,
      d2: 3,
      d3: 5,
      o1: 0,
      o2: 0,
      o3: q * 80,
      hasWeight: true,
      wOff: q * 16,
      pw: 0.5 + q,
      ci: Int32Array.from([0, 1, 2, 1, 2]),
      cj: Int32Array.from([0, 1, 2, 2, 0]),
      ck: Int32Array.from([0, 1, 2, 3, 4]),
      cv: Float64Array.from([0.5, -0.25, 0.125, 1, -2]),
    }));
    const plan = packTensorProduct(paths);
    expect(plan.maxRT).toBe(0);
    expect(plan.maxGT).toBe(80);
    const Z = 2003;
    const [D1, D2, D3, P] = [48, 3, 240, 48];
    const rt = privateRuntime();
    const [x1, x2, g] = [rand(Z * D1), rand(Z * D2), rand(Z * D3)];
    const s = { Z, D1, D2, D3, P, perSample: true };
    const w = rand(Z * P);
    const gw0 = rand(Z * P);
    const ref = [new Float32Array(Z * D1), new Float32Array(Z * D2), gw0.slice()] as const;
    setNumThreads(1);
    tpBackwardWasm(rt, plan, x1, x2, w, s, g, ...ref);
    for (const th of [1, 2, 2, 3, 3]) {
      setNumThreads(th);
      if (th > 1 && currentKernelTeam()?.size === th) await teamReady(th);
      const got = [new Float32Array(Z * D1), new Float32Array(Z * D2), gw0.slice()] as const;
      tensorProductBackward(plan, x1, x2, w, s, g, ...got);
      for (let i = 0; i < 3; i++) expect(sameBits(got[i]!, ref[i]!), `[${i}] at ${th} threads`).toBe(true);
    }
  });

  it("spherical harmonics and their gradient (unrolled l ≤ 3 and table kernels): n threads give one thread's bits and its first NaN", async () => {
    const rt = privateRuntime();
    // chunks of 2048 vectors: n spans several, with a ragged last one
    const n = 3 * 2048 + 37;
    for (const [ls, normalize] of [
      [[0, 1, 2, 3], true],
      [[0, 1, 2, 3], false],
      [[1, 2, 4, 5], true],
    ] as const) {
      const t = shPacked(ls, "integral");
      const x = rand(3 * n);
      x[11] = 0; // a point at the origin (normalised to 0)
      x[12] = 0;
      x[13] = 0;
      const g = rand(n * t.dim);
      const want = new Float32Array(n * t.dim);
      setNumThreads(1);
      expect(shForwardWasm(rt, t, x, n, normalize, want)).toBe(-1);
      const gWant = new Float32Array(3 * n);
      shBackwardWasm(rt, t, x, g, n, normalize, gWant);
      const xNaN = x.slice();
      xNaN[3 * 4100 + 1] = Number.NaN;
      xNaN[3 * 5000] = Number.NaN;
      for (const th of [1, 2, 2, 3, 3]) {
        setNumThreads(th);
        if (th > 1 && currentKernelTeam()?.size === th) await teamReady(th);
        const out = new Float32Array(n * t.dim);
        expect(sphericalHarmonicsForward(t, x, n, normalize, out)).toBe(-1);
        expect(sameBits(out, want), `harmonics ${ls} at ${th} threads`).toBe(true);
        const gx = new Float32Array(3 * n);
        sphericalHarmonicsBackward(t, x, g, n, normalize, gx);
        expect(sameBits(gx, gWant), `gradient ${ls} at ${th} threads`).toBe(true);
        expect(sphericalHarmonicsForward(t, xNaN, n, normalize, new Float32Array(n * t.dim))).toBe(3 * 4100 + 1);
      }
      // a busy machine may leave every chunk to the calling thread: repeat until a worker took one
      const t3 = currentKernelTeam()!;
      for (let i = 0; i < 200 && t3.workerChunks === 0; i++) {
        const again = new Float32Array(n * t.dim);
        sphericalHarmonicsForward(t, x, n, normalize, again);
        expect(sameBits(again, want)).toBe(true);
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 10));
      }
      expect(t3.workerChunks, "the workers ran chunks").toBeGreaterThan(0);
    }
  });
});
