/**
 * Property tests of the WASM SIMD kernels against their TypeScript reference twins: random shapes
 * (including 0, 1 and sizes that are not multiples of 4 or 16), every transpose and broadcast
 * pattern, chunk boundaries, and special values.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  activeKernelBackend,
  type BinaryOpName,
  binary,
  gatherRows,
  gemm,
  getKernelBackend,
  kernelsReady,
  lastKernelBackend,
  type ReduceOpName,
  reduceAxis,
  scatterAddRows,
  scatterMaxRows,
  segmentSumCsr,
  setKernelBackend,
  softmaxRows,
  spmmCsr,
  spmmCsrT,
  type UnaryOpName,
  unary,
  wasmFeatures,
} from "../src/kernels/index.js";
import { binaryRef, reduceAxisRef, softmaxRowsRef, unaryFns, unaryRef } from "../src/kernels/ref/elementwise.js";
import { gemmRef } from "../src/kernels/ref/linalg.js";
import {
  gatherRowsRef,
  scatterAddRowsRef,
  scatterMaxRowsRef,
  segmentSumCsrRef,
  spmmCsrRef,
  spmmCsrTRef,
} from "../src/kernels/ref/sparse.js";
import { CHUNK } from "../src/kernels/wasm/elementwise.js";
import { getLocalWasmRuntime } from "../src/kernels/wasm/loader.js";
import { Generator } from "../src/tensor/rng.js";

const gen = new Generator(1234);

function randArray(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal(0, scale);
  return a;
}

function randIndex(n: number, high: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.randint(0, high);
  return a;
}

/** Max over i of |got − want| / (atol + rtol·scale_i), which must stay ≤ 1. */
function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  scale?: ArrayLike<number>,
  what = "",
): void {
  expect(got.length, `${what} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w)) {
      if (!Number.isNaN(g)) expect.fail(`${what}[${i}]: got ${g}, want NaN`);
      continue;
    }
    if (g === w) continue;
    const s = scale ? scale[i]! : Math.abs(w);
    if (!(Math.abs(g - w) <= atol + rtol * s)) expect.fail(`${what}[${i}]: got ${g}, want ${w} (scale ${s})`);
  }
}

/** A random CSR matrix rows×cols with about `density`·cols entries per row (sorted columns). */
function randCsr(
  rows: number,
  cols: number,
  density: number,
): { indptr: Int32Array; indices: Int32Array; values: Float32Array } {
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (gen.random() < density) idx.push(c);
    indptr[r + 1] = idx.length;
  }
  return { indptr, indices: Int32Array.from(idx), values: randArray(idx.length) };
}

beforeAll(async () => {
  expect(await kernelsReady()).toBe(true);
  setKernelBackend("wasm");
  // which build runs (relaxed SIMD where the engine has it, e.g. node --experimental-wasm-relaxed-simd on Node 20)
  expect(wasmFeatures().loaded).toBe(true);
  if (process.env.ERLANGEN_EXPECT_RELAXED === "1") expect(wasmFeatures().relaxedSimd).toBe(true);
});

afterAll(() => {
  setKernelBackend("auto");
});

describe("gemm (wasm vs ref)", () => {
  const sizes = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 65];
  const cases: [number, number, number][] = [];
  for (let t = 0; t < 36; t++)
    cases.push([
      sizes[gen.randint(0, sizes.length)]!,
      sizes[gen.randint(0, sizes.length)]!,
      sizes[gen.randint(0, sizes.length)]!,
    ]);
  // k blocks (KC = 256), several A row panels, B packing of wide N, transA k panels
  cases.push([1, 1, 1], [4, 8, 257], [300, 20, 600], [70, 40, 300], [1100, 9, 300], [5, 1, 1000], [129, 70, 3]);
  for (const [M, N, K] of cases) {
    it(`${M}x${N}x${K}, all transposes, with and without accumulate`, () => {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const accumulate of [false, true]) {
            const A = randArray(M * K);
            const B = randArray(K * N);
            const C0 = randArray(M * N);
            const got = C0.slice();
            const want = C0.slice();
            gemm(A, B, got, M, N, K, transA, transB, accumulate);
            if (M > 0 && N > 0) expect(lastKernelBackend()).toBe("wasm");
            gemmRef(A, B, want, M, N, K, transA, transB, accumulate);
            const scale = accumulate ? C0.map(Math.abs) : new Float32Array(M * N);
            gemmRef(A.map(Math.abs), B.map(Math.abs), scale, M, N, K, transA, transB, true);
            expectClose(got, want, 2e-5, 1e-6, scale, `gemm tA=${transA} tB=${transB} acc=${accumulate}`);
          }
        }
      }
    });
  }

  it("leaves C past M·N untouched and reads views at an offset", () => {
    const M = 9;
    const N = 10;
    const K = 11;
    const bufA = randArray(M * K + 3);
    const A = bufA.subarray(3);
    const B = randArray(K * N);
    const C = new Float32Array(M * N + 5).fill(7);
    gemm(A, B, C, M, N, K);
    const want = new Float32Array(M * N + 5).fill(7);
    gemmRef(A, B, want, M, N, K);
    expectClose(C, want, 1e-5, 1e-6, undefined, "gemm view");
    expect(Array.from(C.subarray(M * N))).toEqual([7, 7, 7, 7, 7]);
  });
});

describe("sparse and row kernels (wasm vs ref)", () => {
  const Fs = [0, 1, 3, 4, 5, 16, 17, 33];
  const shapes: [number, number, number][] = [
    [0, 5, 0.3],
    [1, 1, 1],
    [7, 5, 0.5],
    [37, 41, 0.1],
    [200, 150, 0.05],
  ];
  for (const [rows, cols, density] of shapes) {
    for (const F of Fs) {
      it(`spmmCsr / spmmCsrT ${rows}x${cols} F=${F}`, () => {
        const { indptr, indices, values } = randCsr(rows, cols, density);
        for (const vals of [values, null]) {
          const X = randArray(cols * F);
          const got = randArray(rows * F);
          const want = new Float32Array(rows * F);
          spmmCsr(indptr, indices, vals, rows, X, F, got);
          spmmCsrRef(indptr, indices, vals, rows, X, F, want);
          expectClose(got, want, 1e-5, 1e-5, undefined, "spmmCsr");
          const XT = randArray(rows * F);
          const gotT = randArray(cols * F);
          const wantT = new Float32Array(cols * F);
          spmmCsrT(indptr, indices, vals, rows, cols, XT, F, gotT);
          spmmCsrTRef(indptr, indices, vals, rows, cols, XT, F, wantT);
          expectClose(gotT, wantT, 1e-5, 1e-5, undefined, "spmmCsrT");
          if (rows * F > 0) expect(lastKernelBackend()).toBe("wasm");
        }
      });
    }
  }

  for (const F of Fs) {
    for (const [n, rows] of [
      [0, 4],
      [1, 1],
      [13, 5],
      [1000, 37],
      // several blocks of the WASM gather (4,096 elements each) and a short last one
      [5000, 37],
    ] as const) {
      it(`gather / scatter-add / scatter-max / segment-sum n=${n} rows=${rows} F=${F}`, () => {
        const src = randArray(rows * F);
        const index = randIndex(n, rows);
        // gather, float32 and int32 (bit copies: exact)
        const g = new Float32Array(n * F);
        const gw = new Float32Array(n * F);
        gatherRows(src, index, F, g);
        gatherRowsRef(src, index, F, gw);
        expect(Array.from(g)).toEqual(Array.from(gw));
        const srcI = Int32Array.from(src, (v) => Math.round(v * 1000));
        const gi = new Int32Array(n * F);
        const giw = new Int32Array(n * F);
        gatherRows(srcI, index, F, gi);
        gatherRowsRef(srcI, index, F, giw);
        expect(Array.from(gi)).toEqual(Array.from(giw));
        // scatter-add into a non-zero out
        const msg = randArray(n * F);
        const s = randArray(rows * F);
        const sw = s.slice();
        scatterAddRows(msg, index, F, s);
        scatterAddRowsRef(msg, index, F, sw);
        expectClose(s, sw, 1e-6, 1e-6, undefined, "scatterAdd");
        // scatter max / min with ties
        for (const mode of ["max", "min"] as const) {
          const m = msg.map((v) => Math.round(v * 2) / 2);
          const out = new Float32Array(rows * F).fill(mode === "max" ? -Infinity : Infinity);
          const outW = out.slice();
          const arg = new Int32Array(rows * F);
          const argW = new Int32Array(rows * F);
          scatterMaxRows(m, index, F, out, arg, mode);
          scatterMaxRowsRef(m, index, F, outW, argW, mode);
          expect(Array.from(arg)).toEqual(Array.from(argW));
          expect(Array.from(out)).toEqual(Array.from(outW));
        }
        // segment sum over sorted segments of the n rows
        const S = rows;
        const ptr = new Int32Array(S + 1);
        const cuts = Array.from(randIndex(Math.max(S - 1, 0), n + 1)).sort((a, b) => a - b);
        for (let k = 0; k < cuts.length; k++) ptr[k + 1] = cuts[k]!;
        ptr[S] = n;
        const seg = randArray(S * F);
        const segW = new Float32Array(S * F);
        segmentSumCsr(msg, ptr, F, seg);
        segmentSumCsrRef(msg, ptr, F, segW);
        expectClose(seg, segW, 1e-5, 1e-5, undefined, "segmentSum");
      });
    }
  }

  it("scatter-max keeps NaN rules of the reference", () => {
    const F = 5;
    const src = randArray(6 * F);
    src[3] = Number.NaN;
    src[F + 3] = Number.NaN;
    src[2 * F + 1] = Number.NaN;
    const index = Int32Array.from([0, 0, 1, 1, 0, 3]);
    for (const mode of ["max", "min"] as const) {
      const out = new Float32Array(4 * F);
      const arg = new Int32Array(4 * F);
      const outW = new Float32Array(4 * F);
      const argW = new Int32Array(4 * F);
      scatterMaxRows(src, index, F, out, arg, mode);
      scatterMaxRowsRef(src, index, F, outW, argW, mode);
      expect(Array.from(arg)).toEqual(Array.from(argW));
      expectClose(out, outW, 0, 0, undefined, "scatterMax NaN");
    }
  });
});

describe("binary (wasm vs ref)", () => {
  const ops: BinaryOpName[] = ["add", "sub", "mul", "div", "max", "min"];
  const stridesOf = (shape: number[]): number[] => {
    const s = new Array<number>(shape.length);
    let acc = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i]!;
    }
    return s;
  };
  /** Strides of `shape` broadcast to `out` (0 where shape has 1 and out does not). */
  const bcast = (shape: number[], out: number[]): number[] =>
    stridesOf(shape).map((s, i) => (shape[i] === 1 && out[i] !== 1 ? 0 : s));
  const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);
  const cases: { out: number[]; a: number[]; b: number[]; path: "wasm" | "ref" }[] = [
    { out: [0], a: [0], b: [0], path: "wasm" },
    { out: [1], a: [1], b: [1], path: "ref" },
    { out: [7], a: [7], b: [7], path: "wasm" },
    { out: [3, 5], a: [3, 5], b: [3, 5], path: "wasm" },
    { out: [CHUNK + 13], a: [CHUNK + 13], b: [CHUNK + 13], path: "wasm" },
    { out: [5, 7], a: [5, 7], b: [1, 1], path: "wasm" },
    { out: [5, 7], a: [1, 1], b: [5, 7], path: "wasm" },
    { out: [2 * CHUNK + 1], a: [1], b: [2 * CHUNK + 1], path: "wasm" },
    { out: [5, 7], a: [5, 7], b: [1, 7], path: "wasm" },
    { out: [5, 7], a: [1, 7], b: [5, 7], path: "wasm" },
    { out: [2, 3, 4, 9], a: [2, 3, 4, 9], b: [1, 1, 4, 9], path: "wasm" },
    { out: [3000, 17], a: [3000, 17], b: [17], path: "wasm" },
    { out: [5, 7], a: [5, 7], b: [5, 1], path: "wasm" },
    { out: [5, 7], a: [5, 1], b: [5, 7], path: "wasm" },
    { out: [4, 3, 6, 2], a: [4, 3, 6, 2], b: [4, 3, 1, 1], path: "wasm" },
    { out: [3000, 13], a: [3000, 1], b: [3000, 13], path: "wasm" },
    { out: [2, 1, 3], a: [2, 1, 3], b: [1, 1, 3], path: "wasm" },
    { out: [4, 5, 6], a: [4, 5, 6], b: [4, 1, 6], path: "ref" },
    { out: [4, 5], a: [4, 1], b: [1, 5], path: "ref" },
  ];
  for (const c of cases) {
    it(`out ${JSON.stringify(c.out)} a ${JSON.stringify(c.a)} b ${JSON.stringify(c.b)}`, () => {
      const aShape = c.a.length < c.out.length ? [...new Array(c.out.length - c.a.length).fill(1), ...c.a] : c.a;
      const bShape = c.b.length < c.out.length ? [...new Array(c.out.length - c.b.length).fill(1), ...c.b] : c.b;
      for (const op of ops) {
        const a = randArray(size(aShape));
        const b = randArray(size(bShape));
        if (a.length > 2) a[1] = Number.NaN;
        if (b.length > 3) b[2] = Number.NaN;
        const got = new Float32Array(size(c.out));
        const want = new Float32Array(size(c.out));
        binary(op, a, b, got, c.out, bcast(aShape, c.out), bcast(bShape, c.out));
        if (size(c.out) > 0) expect(lastKernelBackend(), `${op} path`).toBe(c.path);
        binaryRef(op, a, b, want, c.out, bcast(aShape, c.out), bcast(bShape, c.out));
        expectClose(got, want, 1e-7, 0, undefined, op);
      }
    });
  }

  it("pow stays on the reference path", () => {
    const a = randArray(100).map(Math.abs);
    const b = randArray(100);
    const got = new Float32Array(100);
    binary("pow", a, b, got, [100], [1], [1]);
    expect(lastKernelBackend()).toBe("ref");
  });
});

describe("unary (wasm vs ref)", () => {
  const ops: [UnaryOpName, number][] = [
    ["neg", 0],
    ["exp", 0],
    ["log", 0],
    ["log1p", 0],
    ["sqrt", 0],
    ["rsqrt", 0],
    ["abs", 0],
    ["sign", 0],
    ["tanh", 0],
    ["sigmoid", 0],
    ["relu", 0],
    ["leakyRelu", 0.01],
    ["leakyRelu", 0.2],
    ["elu", 1],
    ["elu", 0.5],
    ["gelu", 0],
    ["silu", 0],
    ["softplus", 1],
    ["softplus", 2.5],
  ];
  const specials = [
    0,
    -0,
    1,
    -1,
    Infinity,
    -Infinity,
    Number.NaN,
    1e-40,
    -1e-40,
    1e-30,
    3e38,
    -3e38,
    88.5,
    89,
    -87.5,
    -103,
    -110,
    0.549,
    0.551,
    0.35,
    -0.35,
    20,
    -20,
    1e-7,
    -1e-7,
  ];
  function inputs(n: number): Float32Array {
    const a = new Float32Array(n + specials.length);
    for (let i = 0; i < n; i++) {
      const scale = [1e-4, 0.1, 1, 3, 10, 60][i % 6]!;
      a[i] = gen.normal(0, scale);
    }
    a.set(specials, n);
    return a;
  }
  for (const [op, p] of ops) {
    it(`${op}(p=${p}) on ${CHUNK + 1000} values incl. special values`, () => {
      for (const x of [inputs(CHUNK + 1000), inputs(0), inputs(3).subarray(0, 1)]) {
        const got = new Float32Array(x.length);
        const want = new Float32Array(x.length);
        unary(op, x, got, p);
        expect(lastKernelBackend()).toBe("wasm");
        unaryRef(op, x, want, p);
        // f32 ulps near the correctly rounded value; tiny absolute slack for subnormal results
        // and for gelu, whose reference loses digits where 1 + tanh(u) cancels
        expectClose(got, want, 1e-6, op === "gelu" ? 1e-12 : 1e-37, undefined, op);
      }
    });
  }

  it("sin/cos stay on the reference path", () => {
    const x = randArray(100);
    const got = new Float32Array(100);
    unary("sin", x, got);
    expect(lastKernelBackend()).toBe("ref");
  });
});

describe("reduceAxis and softmaxRows (wasm vs ref)", () => {
  const ops: ReduceOpName[] = ["sum", "max", "min", "prod"];
  const shapes: [number, number, number][] = [
    [1, 0, 1],
    [3, 0, 5],
    [1, 1, 1],
    [1, 7, 1],
    [1, 3 * CHUNK + 5, 1],
    [5, 7, 1],
    [4, 1, 9],
    [3, 5, 7],
    [2, 9, 16],
    [1, 300, 70],
    [200, 100, 1],
    [3, 2 * CHUNK, 1],
    [2, 5, CHUNK + 3],
  ];
  for (const [outer, n, inner] of shapes) {
    it(`[${outer}, ${n}, ${inner}]`, () => {
      for (const op of ops) {
        const a = randArray(outer * n * inner, op === "prod" ? 0.01 : 1);
        if (op === "prod") for (let i = 0; i < a.length; i++) a[i] = 1 + a[i]!;
        const got = new Float32Array(outer * inner);
        const want = new Float32Array(outer * inner);
        reduceAxis(op, a, outer, n, inner, got);
        if (outer * inner > 0) expect(lastKernelBackend()).toBe("wasm");
        reduceAxisRef(op, a, outer, n, inner, want);
        const scale = new Float32Array(outer * inner);
        reduceAxisRef("sum", a.map(Math.abs), outer, n, inner, scale);
        expectClose(got, want, op === "prod" ? 1e-5 : 1e-6, 1e-6, op === "prod" ? undefined : scale, op);
      }
    });
  }

  it("max/min propagate NaN like the reference", () => {
    const a = randArray(3 * 10 * 6);
    a[7] = Number.NaN;
    a[100] = Number.NaN;
    for (const [outer, n, inner] of [
      [3, 10, 6],
      [1, 180, 1],
      [18, 10, 1],
    ] as const) {
      for (const op of ["max", "min"] as const) {
        const got = new Float32Array(outer * inner);
        const want = new Float32Array(outer * inner);
        reduceAxis(op, a, outer, n, inner, got);
        reduceAxisRef(op, a, outer, n, inner, want);
        expectClose(got, want, 0, 0, undefined, `${op} NaN`);
      }
    }
  });

  const sm: [number, number][] = [
    [1, 1],
    [3, 1],
    [5, 3],
    [4, 4],
    [7, 5],
    [13264, 8],
    [7, 8],
    [1, 8],
    [9, 17],
    [3, 1000],
    [2, CHUNK + 7],
  ];
  for (const [rows, cols] of sm) {
    it(`softmaxRows ${rows}x${cols}, plain and log`, () => {
      const a = randArray(rows * cols, 3);
      if (a.length > 5) {
        a[1] = -Infinity;
        a[4] = 80;
      }
      for (const log of [false, true]) {
        const got = new Float32Array(rows * cols);
        const want = new Float32Array(rows * cols);
        softmaxRows(a, rows, cols, got, log);
        expect(lastKernelBackend()).toBe("wasm");
        softmaxRowsRef(a, rows, cols, want, log);
        expectClose(got, want, 1e-5, log ? 1e-5 : 1e-7, undefined, log ? "logSoftmax" : "softmax");
      }
    });
  }

  it("softmaxRows with rows of 8 (four rows a step, then one): NaN, infinities and far tails as the reference", () => {
    // rows: a NaN; +Infinity; all −Infinity; a 200-wide spread (exp underflows); ordinary; 88 (near
    // the overflow of exp); and a last row past the steps of four
    const rows = 7;
    const a = randArray(rows * 8, 3);
    a[3] = Number.NaN;
    a[8 + 5] = Number.POSITIVE_INFINITY;
    a.fill(Number.NEGATIVE_INFINITY, 16, 24);
    a[24] = -200;
    a[31] = 0;
    a[40] = 88;
    a[41] = -88;
    a[52] = -0;
    for (const log of [false, true]) {
      const got = new Float32Array(rows * 8);
      const want = new Float32Array(rows * 8);
      softmaxRows(a, rows, 8, got, log);
      expect(lastKernelBackend()).toBe("wasm");
      softmaxRowsRef(a, rows, 8, want, log);
      expectClose(got, want, 1e-5, log ? 1e-5 : 1e-7, undefined, log ? "logSoftmax" : "softmax");
    }
  });
});

describe("backend selection", () => {
  afterEach(() => {
    setKernelBackend("wasm");
    vi.unstubAllEnvs();
  });

  it("setKernelBackend('ref') forces the reference path", () => {
    setKernelBackend("ref");
    expect(getKernelBackend()).toBe("ref");
    expect(activeKernelBackend()).toBe("ref");
    const A = randArray(64 * 64);
    const C = new Float32Array(64 * 64);
    gemm(A, A, C, 64, 64, 64);
    expect(lastKernelBackend()).toBe("ref");
    unary("exp", A, C);
    expect(lastKernelBackend()).toBe("ref");
  });

  it("auto keeps tiny calls in TypeScript and sends large float32 calls to WASM", () => {
    setKernelBackend("auto");
    expect(activeKernelBackend()).toBe("wasm");
    const small = randArray(8);
    unary("exp", small, new Float32Array(8));
    expect(lastKernelBackend()).toBe("ref");
    const big = randArray(100000);
    unary("exp", big, new Float32Array(100000));
    expect(lastKernelBackend()).toBe("wasm");
    const A = randArray(128 * 128);
    gemm(A, A, new Float32Array(128 * 128), 128, 128, 128);
    expect(lastKernelBackend()).toBe("wasm");
  });

  it("float64 always uses the reference", () => {
    const A = Float64Array.from(randArray(32 * 32));
    gemm(A, A, new Float64Array(32 * 32), 32, 32, 32);
    expect(lastKernelBackend()).toBe("ref");
    unary("exp", A, new Float64Array(A.length));
    expect(lastKernelBackend()).toBe("ref");
  });

  it("grows the arena for large inputs and falls back to the reference when memory cannot grow", () => {
    // the runtime a single-threaded gather runs on (the private-memory one beside a shared runtime)
    const rt = getLocalWasmRuntime()!;
    const rows = 1 << 17;
    const F = 8;
    const src = randArray(rows * F);
    const index = randIndex(5000, rows);
    const before = rt.memory.buffer.byteLength;
    // src and index whole (the output goes out in blocks of rows)
    const need = src.length * 4 + index.length * 4;
    const out = new Float32Array(index.length * F);
    const want = new Float32Array(index.length * F);
    gatherRowsRef(src, index, F, want);
    const grow = rt.memory.grow;
    try {
      if (before < need + (1 << 20)) {
        // memory.grow refused: the call runs in TypeScript and gives the same result
        (rt.memory as { grow: (n: number) => number }).grow = () => {
          throw new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded");
        };
        gatherRows(src, index, F, out);
        expect(lastKernelBackend()).toBe("ref");
        expect(Array.from(out)).toEqual(Array.from(want));
      }
    } finally {
      (rt.memory as { grow: (n: number) => number }).grow = grow;
    }
    out.fill(0);
    gatherRows(src, index, F, out);
    expect(lastKernelBackend()).toBe("wasm");
    expect(rt.memory.buffer.byteLength).toBeGreaterThanOrEqual(need);
    expect(Array.from(out)).toEqual(Array.from(want));
  });

  it("rejects an unknown backend", () => {
    expect(() => setKernelBackend("gpu" as "ref")).toThrow(/setKernelBackend/);
  });

  it("ERLANGEN_KERNELS=ref forces the reference path", async () => {
    vi.stubEnv("ERLANGEN_KERNELS", "ref");
    vi.resetModules();
    const fresh = await import("../src/kernels/index.js");
    expect(fresh.getKernelBackend()).toBe("ref");
    expect(fresh.activeKernelBackend()).toBe("ref");
    const A = randArray(128 * 128);
    fresh.gemm(A, A, new Float32Array(128 * 128), 128, 128, 128);
    expect(fresh.lastKernelBackend()).toBe("ref");
  });

  it("ERLANGEN_KERNELS=wasm selects WASM for every float32 call", async () => {
    vi.stubEnv("ERLANGEN_KERNELS", "wasm");
    vi.resetModules();
    const fresh = await import("../src/kernels/index.js");
    expect(fresh.getKernelBackend()).toBe("wasm");
    fresh.unary("exp", randArray(3), new Float32Array(3));
    expect(fresh.lastKernelBackend()).toBe("wasm");
  });
});

describe("reference kernels against a naive oracle", () => {
  it("binaryRef matches a per-element evaluation on general broadcasts", () => {
    const ops: BinaryOpName[] = ["add", "sub", "mul", "div", "max", "min", "pow"];
    const shapes: [number[], number[], number[]][] = [
      [
        [3, 4, 5],
        [3, 1, 5],
        [1, 4, 5],
      ],
      [
        [2, 3, 4, 5],
        [2, 1, 4, 1],
        [1, 3, 1, 5],
      ],
      [
        [6, 1],
        [6, 1],
        [1, 1],
      ],
      [[], [], []],
      [
        [4, 0, 3],
        [4, 0, 3],
        [1, 1, 3],
      ],
    ];
    const strides = (shape: number[], out: number[]): number[] => {
      const s = new Array<number>(shape.length);
      let acc = 1;
      for (let i = shape.length - 1; i >= 0; i--) {
        s[i] = shape[i] === 1 && out[i] !== 1 ? 0 : acc;
        acc *= shape[i]!;
      }
      return s;
    };
    for (const [out, as, bs] of shapes) {
      const n = out.reduce((p, d) => p * d, 1);
      const a = randArray(as.reduce((p, d) => p * d, 1)).map(Math.abs);
      const b = randArray(bs.reduce((p, d) => p * d, 1));
      const sa = strides(as, out);
      const sb = strides(bs, out);
      for (const op of ops) {
        const got = new Float64Array(n);
        binaryRef(op, Float64Array.from(a), Float64Array.from(b), got, out, sa, sb);
        for (let i = 0; i < n; i++) {
          let rem = i;
          let ia = 0;
          let ib = 0;
          for (let k = out.length - 1; k >= 0; k--) {
            const c = rem % out[k]!;
            rem = Math.floor(rem / out[k]!);
            ia += c * sa[k]!;
            ib += c * sb[k]!;
          }
          const x = a[ia]!;
          const y = b[ib]!;
          const want = {
            add: x + y,
            sub: x - y,
            mul: x * y,
            div: x / y,
            max: Math.max(x, y),
            min: Math.min(x, y),
            pow: x ** y,
          }[op];
          expect(got[i]).toBe(want);
        }
      }
    }
  });

  it("unaryRef fast loops agree with unaryFns", () => {
    const x = Float64Array.from([...randArray(50, 3), 0, -0, Number.NaN, Infinity, -Infinity]);
    for (const op of ["neg", "abs", "relu", "leakyRelu", "exp", "log", "sqrt"] as const) {
      const got = new Float64Array(x.length);
      unaryRef(op, x, got, 0.1);
      for (let i = 0; i < x.length; i++)
        expect(Object.is(got[i], unaryFns[op](x[i]!, 0.1)) || got[i] === unaryFns[op](x[i]!, 0.1)).toBe(true);
    }
  });
});
