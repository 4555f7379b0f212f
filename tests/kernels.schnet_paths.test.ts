/**
 * The kernels on SchNet's hot path against their TypeScript twins: the shifted softplus and the
 * softplus gradient (float32 WASM against the float64 reference over the whole range, specials
 * included), the continuous-filter message passing (`gatherMulScatter` / `gatherMulRows`, and the op
 * on top of them under both backends), and the GEMM's flush of subnormal inputs (the result equals
 * the GEMM of the same inputs with the subnormals replaced by zeros, on every packing path).
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  gatherMulAddRows,
  gatherMulRows,
  gatherMulScatter,
  gemm,
  setKernelBackend,
  unary,
  unaryGrad,
} from "../src/kernels/index.js";
import { gemmRef } from "../src/kernels/ref/linalg.js";
import { getWasmRuntime } from "../src/kernels/wasm/loader.js";
import { shiftedSoftplus } from "../src/nn/functional.js";
import { randn } from "../src/tensor/creation.js";
import { softplus } from "../src/tensor/ops/elementwise.js";
import { gatherMulScatter as gatherMulScatterOp } from "../src/tensor/ops/scatter.js";
import { Generator } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";

const hasWasm = getWasmRuntime() !== null;

afterEach(() => setKernelBackend("auto"));

/** Values over many scales and both signs, with the specials. */
function sweep(): Float32Array {
  const v: number[] = [0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1e-30, -1e-30];
  for (let e = -20; e <= 7; e += 0.25) {
    const m = 2 ** e;
    v.push(m, -m, m * 1.37, -m * 1.37);
  }
  const g = new Generator(3);
  for (let i = 0; i < 400; i++) v.push(g.normal(0, 6));
  // pad to a length that is not a multiple of 4 (the kernels' scalar padding)
  v.push(0.3);
  return Float32Array.from(v);
}

/** |a − b| ≤ atol + rtol·|b| elementwise, NaN matching NaN and infinities matching exactly. */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(y) || !Number.isFinite(y)) {
      expect(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)), `entry ${i}: ${x} vs ${y}`).toBe(true);
      continue;
    }
    expect(Math.abs(x - y), `entry ${i}: ${x} vs ${y}`).toBeLessThanOrEqual(atol + rtol * Math.abs(y));
  }
}

describe.skipIf(!hasWasm)("shifted softplus and softplus gradients: WASM float32 against the float64 twin", () => {
  it("shifted softplus keeps a few ulp relative accuracy everywhere (x/2 near 0, x − log 2 far out)", () => {
    const x = sweep();
    setKernelBackend("wasm");
    const got = new Float32Array(x.length);
    unary("shiftedSoftplus", x, got, 0);
    const ref = new Float64Array(x.length);
    unary("shiftedSoftplus", Float64Array.from(x), ref, 0);
    expectClose(got, ref, 4e-7, 1e-30);
    // near 0 the value is x/2 to full precision (the direct form would lose it to log 2)
    expect(got[x.indexOf(2 ** -20)]).toBeCloseTo(2 ** -21, 12);
    expect(Math.abs(got[x.indexOf(2 ** -20)]! / 2 ** -21 - 1)).toBeLessThan(1e-6);
  });

  it("the gradients g·σ(βx) of softplus (threshold 20) and shifted softplus", () => {
    const x = sweep();
    const g = Float32Array.from(x, (_, i) => Math.sin(i) + 0.1);
    for (const [op, beta] of [
      ["softplus", 1],
      ["softplus", 2.5],
      ["softplus", -0.7],
      ["shiftedSoftplus", 1],
    ] as const) {
      setKernelBackend("wasm");
      const got = new Float32Array(x.length);
      unaryGrad(op, x, g, got, beta);
      const ref = new Float64Array(x.length);
      unaryGrad(op, Float64Array.from(x), Float64Array.from(g), ref, beta);
      expectClose(got, ref, 1e-6, 1e-37);
    }
  });

  it("the ops give the same numbers on both backends (float32), forward and backward", () => {
    const gen = new Generator(5);
    const x = randn([37, 5], { generator: gen }).mul(4);
    const run = (backend: "ref" | "wasm", f: (t: Tensor) => Tensor) => {
      setKernelBackend(backend);
      const t = x.clone().requiresGrad_();
      const y = f(t);
      y.backward(randn(y.shape, { generator: new Generator(1) }));
      return [y.toFlatArray(), t.grad!.toFlatArray()] as const;
    };
    for (const f of [shiftedSoftplus, (t: Tensor) => softplus(t, 1.5)]) {
      const [ya, ga] = run("ref", f);
      const [yb, gb] = run("wasm", f);
      expectClose(yb, ya, 1e-6, 1e-7);
      expectClose(gb, ga, 1e-6, 1e-7);
    }
  });
});

describe.skipIf(!hasWasm)("continuous-filter message passing kernels", () => {
  it("gatherMulScatter / gatherMulRows: WASM equals the twin for row widths with and without a vector tail", () => {
    const gen = new Generator(11);
    const rnd = (n: number) => Float32Array.from({ length: n }, () => gen.normal(0, 1));
    const idx = (n: number, hi: number) => Int32Array.from({ length: n }, () => gen.randint(0, hi));
    for (const F of [1, 3, 16, 21, 64]) {
      const N = 9;
      const E = 40;
      const x = rnd(N * F);
      const w = rnd(E * F);
      const src = idx(E, N);
      const dst = idx(E, N);
      const init = rnd(N * F);
      setKernelBackend("wasm");
      const a = init.slice();
      gatherMulScatter(x, w, src, dst, F, a);
      const ra = Float64Array.from(init);
      gatherMulScatter(Float64Array.from(x), Float64Array.from(w), src, dst, F, ra);
      expectClose(a, ra, 1e-5, 1e-5);
      const b = new Float32Array(E * F);
      gatherMulRows(x, dst, init, src, F, b);
      const rb = new Float64Array(E * F);
      gatherMulRows(Float64Array.from(x), dst, Float64Array.from(init), src, F, rb);
      expectClose(b, rb, 1e-7, 0);
      // shared filter rows: edge e reads w[wIndex[e]], and the gradient sums into the shared rows
      const P = 11;
      const wIndex = idx(E, P);
      const c = init.slice();
      gatherMulScatter(x, w, src, dst, F, c, wIndex);
      const rc = Float64Array.from(init);
      gatherMulScatter(Float64Array.from(x), Float64Array.from(w), src, dst, F, rc, wIndex);
      expectClose(c, rc, 1e-5, 1e-5);
      const d = rnd(P * F);
      const rd = Float64Array.from(d);
      gatherMulAddRows(x, dst, init, src, wIndex, F, d);
      gatherMulAddRows(Float64Array.from(x), dst, Float64Array.from(init), src, wIndex, F, rd);
      expectClose(d, rd, 1e-5, 1e-5);
    }
  });

  it("the op: both backends agree in value and in both gradients; bad ids never reach the kernel", () => {
    const gen = new Generator(12);
    const N = 30;
    const E = 200;
    const F = 20;
    const src = new Tensor(
      Int32Array.from({ length: E }, () => gen.randint(0, N)),
      [E],
      "int32",
    );
    const dst = new Tensor(
      Int32Array.from({ length: E }, () => gen.randint(0, N)),
      [E],
      "int32",
    );
    const x = randn([N, F], { generator: gen });
    const w = randn([E, F], { generator: gen });
    const gy = randn([N, F], { generator: gen });
    const wIndex = new Tensor(
      Int32Array.from({ length: E }, () => gen.randint(0, 70)),
      [E],
      "int32",
    );
    const run = (backend: "ref" | "wasm", shared: boolean) => {
      setKernelBackend(backend);
      const xt = x.clone().requiresGrad_();
      const wt = (shared ? w.narrow(0, 0, 70) : w).clone().requiresGrad_();
      const y = gatherMulScatterOp(xt, wt, src, dst, N, shared ? wIndex : null);
      y.backward(gy);
      return [y.toFlatArray(), xt.grad!.toFlatArray(), wt.grad!.toFlatArray()];
    };
    for (const shared of [false, true]) {
      const a = run("ref", shared);
      const b = run("wasm", shared);
      for (let k = 0; k < 3; k++) expectClose(b[k]!, a[k]!, 1e-5, 1e-5);
    }
    setKernelBackend("wasm");
    const bad = new Tensor(
      Int32Array.from({ length: E }, (_, e) => (e === 7 ? -1 : 0)),
      [E],
      "int32",
    );
    expect(() => gatherMulScatterOp(x, w, bad, dst, N)).toThrow(
      /gatherMulScatter: argument 'src' expected node ids in \[0, 30\), got -1 at edge 7/,
    );
    expect(() => gatherMulScatterOp(x, w.narrow(0, 0, 5), src, dst, N, wIndex)).toThrow(
      /gatherMulScatter: argument 'wIndex' expected rows of w in \[0, 5\), got \d+ at edge \d+/,
    );
  });
});

describe.skipIf(!hasWasm)("GEMM reads subnormal inputs as zeros", () => {
  it("on every path (A packed or in place, A or B transposed) the result equals the GEMM with them zeroed", () => {
    const gen = new Generator(21);
    for (const [M, N, K, transA, transB] of [
      [37, 40, 29, false, false],
      [37, 5, 29, false, true],
      [13, 1, 70, false, false],
      [23, 19, 300, true, false],
      [6, 33, 9, true, true],
    ] as const) {
      const mk = (n: number) =>
        Float32Array.from({ length: n }, () => {
          const u = gen.uniform(0, 1);
          if (u < 0.2) return gen.normal(0, 1) * 1e-39; // subnormal
          if (u < 0.25) return 0;
          return gen.normal(0, 1);
        });
      const A = mk(M * K);
      const B = mk(K * N);
      // rows of op(A) holding only subnormals: their products sum to 0 once flushed (and not otherwise,
      // whereas a subnormal among normal products vanishes in the rounding either way)
      for (const r of [0, M - 1]) {
        for (let k = 0; k < K; k++) A[transA ? k * M + r : r * K + k] = 1e-39 * (1 + (k % 3));
      }
      const zero = (a: Float32Array) => a.map((v) => (Math.abs(v) < 1.1754943508222875e-38 ? 0 : v));
      setKernelBackend("wasm");
      const C = new Float32Array(M * N);
      gemm(A, B, C, M, N, K, transA, transB, false);
      const Cz = new Float32Array(M * N);
      gemm(zero(A), zero(B), Cz, M, N, K, transA, transB, false);
      expect(Array.from(C)).toEqual(Array.from(Cz));
      for (let j = 0; j < N; j++) expect(C[j]).toBe(0);
      // and it agrees with the float64 reference (which keeps the subnormals) to float32 rounding
      const R = new Float64Array(M * N);
      gemmRef(Float64Array.from(A), Float64Array.from(B), R, M, N, K, transA, transB, false);
      expectClose(C, R, 1e-5, 1e-4);
    }
  });

  it("NaN and infinities still propagate", () => {
    const A = new Float32Array(8 * 4).fill(1);
    const B = new Float32Array(4 * 40).fill(1e-40);
    A[5] = Number.NaN;
    B[3] = Number.POSITIVE_INFINITY;
    setKernelBackend("wasm");
    const C = new Float32Array(8 * 40);
    gemm(A, B, C, 8, 40, 4, false, false, false);
    // row 0: the infinity of B[0, 3] in column 3, flushed subnormals elsewhere; row 1: the NaN of A[1, 1]
    expect(C[3]).toBe(Number.POSITIVE_INFINITY);
    expect(C[0]).toBe(0);
    for (let j = 0; j < 40; j++) expect(Number.isNaN(C[40 + j]!)).toBe(true);
  });
});
