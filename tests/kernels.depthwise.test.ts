/**
 * Depthwise convolutions (assembly/depthwise.ts): the float32 WASM kernels against their plain
 * TypeScript twins (ref/depthwise.ts) bit for bit — both add the same float64 terms in the same order —
 * over strides 1-3, padding, kernels 1-7 (square and not), dilation, batches, odd sizes, 1-D, outputs
 * short of or past the padded input, and non-finite weights; argument checks; and conv2d with
 * groups = channels (escnn's antialiased pooling) through them against the reference backend, bitwise.
 */
import { afterEach, describe, expect, it } from "vitest";
import { conv2d, Generator, randn } from "../src/index.js";
import {
  type ConvGeometry,
  convGeometry,
  depthwiseForward,
  depthwiseInputGrad,
  depthwiseWeightGrad,
  getKernelBackend,
  lastKernelBackend,
  setKernelBackend,
} from "../src/kernels/index.js";
import { depthwiseForwardRef, depthwiseInputGradRef, depthwiseWeightGradRef } from "../src/kernels/ref/depthwise.js";

const gen = new Generator(4711);
const backend0 = getKernelBackend();

afterEach(() => setKernelBackend(backend0));

function randArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal(0, 1);
  return a;
}

/** Indices where a and b differ bit for bit (NaN-safe, −0 distinct), at most 5. */
function bitDiffs(a: Float32Array, b: Float32Array): number[] {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let i = 0; i < x.length && out.length < 5; i++) if (x[i] !== y[i]) out.push(i);
  return out;
}

/** Sizes of a case (H = kh = sh = dh = 1 and ph = 0: a 1-D convolution). */
type Dims = [
  N: number,
  C: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
  dh: number,
  dw: number,
];
/** The sizes and, where not the largest, the output's [oh, ow]. */
type Case = [Dims, [number, number]?];

const CASES: Case[] = [
  // escnn's antialiased pooling: 5×5 Gaussian, stride 2, padding 2 (25 → 13, 13 → 7), and stride 1 unpadded
  [[2, 3, 25, 25, 5, 5, 2, 2, 2, 2, 1, 1]],
  [[3, 4, 13, 13, 5, 5, 2, 2, 2, 2, 1, 1]],
  [[8, 5, 5, 5, 5, 5, 1, 1, 0, 0, 1, 1]],
  [[1, 2, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1]],
  [[3, 2, 13, 11, 7, 7, 2, 2, 3, 3, 1, 1]],
  [[2, 3, 10, 14, 3, 3, 3, 3, 0, 0, 1, 1]],
  [[1, 4, 12, 9, 3, 5, 2, 1, 2, 1, 2, 2]],
  [[2, 3, 7, 19, 1, 7, 2, 3, 0, 3, 1, 1]],
  [[1, 2, 6, 6, 2, 2, 2, 2, 0, 0, 1, 1]],
  [[2, 3, 1, 17, 1, 5, 1, 2, 0, 2, 1, 1]],
  [[1, 2, 1, 9, 1, 3, 1, 1, 0, 4, 1, 3]],
  // outputs short of the input's end, and past the padded input (the reference pads further)
  [
    [2, 2, 11, 12, 3, 3, 2, 2, 1, 1, 1, 1],
    [3, 4],
  ],
  [
    [1, 3, 8, 7, 5, 3, 2, 3, 2, 1, 1, 2],
    [6, 4],
  ],
];

function geometryOf([dims, out]: Case): ConvGeometry {
  const [N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw] = dims;
  const oh = out?.[0] ?? Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = out?.[1] ?? Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (H === 1 && kh === 1 && sh === 1 && ph === 0 && dh === 1)
    return convGeometry(N, C, C, C, [W], [ow], [kw], [sw], [pw], [dw]);
  return convGeometry(N, C, C, C, [H, W], [oh, ow], [kh, kw], [sh, sw], [ph, pw], [dh, dw]);
}

/** The three maps through the registry (WASM, checked) and the twins, each into a fresh output. */
function bothWays(g: ConvGeometry, x: Float32Array, w: Float32Array, b: Float32Array | null, gy: Float32Array) {
  const run = (
    fns: [typeof depthwiseForwardRef, typeof depthwiseInputGradRef, typeof depthwiseWeightGradRef],
    wasm: boolean,
  ): Float32Array[] => {
    const y = new Float32Array(gy.length);
    const gx = new Float32Array(x.length);
    const gw = new Float32Array(w.length);
    fns[0](x, w, b, y, g);
    if (wasm) expect(lastKernelBackend()).toBe("wasm");
    fns[1](gy, w, gx, g);
    if (wasm) expect(lastKernelBackend()).toBe("wasm");
    fns[2](x, gy, gw, g);
    if (wasm) expect(lastKernelBackend()).toBe("wasm");
    return [y, gx, gw];
  };
  setKernelBackend("wasm");
  return {
    wasm: run([depthwiseForward, depthwiseInputGrad, depthwiseWeightGrad], true),
    ref: run([depthwiseForwardRef, depthwiseInputGradRef, depthwiseWeightGradRef], false),
  };
}

describe("depthwise convolutions in WASM", () => {
  it.each(CASES.map((c) => [JSON.stringify(c), c] as [string, Case]))(
    "%s: forward, input and weight gradient have the reference's bits",
    (_, c) => {
      const g = geometryOf(c);
      const C = g.Cin;
      const x = randArray(g.N * C * g.inS[1] * g.inS[2]);
      const gy = randArray(g.N * C * g.outS[1] * g.outS[2]);
      const w = randArray(C * g.k[1] * g.k[2]);
      // signed zeros in the inputs: the sums start at +0 in both
      x[0] = -0;
      gy[0] = -0;
      for (const b of [null, randArray(C)]) {
        const { wasm, ref } = bothWays(g, x, w, b, gy);
        for (let k = 0; k < 3; k++) expect(bitDiffs(wasm[k]!, ref[k]!), ["y", "gx", "gw"][k]).toEqual([]);
      }
    },
  );

  it("non-finite weights: the same infinities and NaNs as the reference (no padding products)", () => {
    const g = geometryOf([[2, 3, 9, 10, 3, 3, 2, 2, 1, 1, 1, 1]]);
    const x = randArray(2 * 3 * 90);
    const gy = randArray(2 * 3 * g.outS[1] * g.outS[2]);
    const w = randArray(27);
    w[4] = Number.POSITIVE_INFINITY;
    w[9] = Number.NaN;
    w[26] = Number.NEGATIVE_INFINITY;
    const { wasm, ref } = bothWays(g, x, w, null, gy);
    // the input gradient is finite wherever no infinite weight reaches (the padding adds nothing)
    expect(ref[1]!.some((v) => Number.isFinite(v))).toBe(true);
    for (let k = 0; k < 3; k++) expect(bitDiffs(wasm[k]!, ref[k]!), ["y", "gx", "gw"][k]).toEqual([]);
  });

  it("float64 runs the reference; bad geometry or short arrays: a clear error before any WASM call", () => {
    const g = geometryOf(CASES[0]!);
    const x = randArray(2 * 3 * 625);
    const w = randArray(75);
    const y = new Float32Array(2 * 3 * 169);
    setKernelBackend("wasm");
    depthwiseForward(Float64Array.from(x), Float64Array.from(w), null, new Float64Array(y.length), g);
    expect(lastKernelBackend()).toBe("ref");
    expect(() => depthwiseForward(x.subarray(1), w, null, y, g)).toThrow(
      /depthwiseForward: argument 'x' expected at least 3750 elements/,
    );
    expect(() => depthwiseInputGrad(y, w.subarray(2), x, g)).toThrow(/depthwiseInputGrad: argument 'w'/);
    expect(() => depthwiseWeightGrad(x, y, w.subarray(1), g)).toThrow(/depthwiseWeightGrad: argument 'gw'/);
    const grouped = { ...g, Cout: 6 };
    expect(() => depthwiseForward(x, w, null, y, grouped)).toThrow(
      /depthwiseForward: argument 'g' expected a depthwise/,
    );
  });

  it("conv2d with groups = channels (stride 2, padding 2) has the reference backend's bits, forward and gradients", () => {
    const g = new Generator(8);
    const x = randn([3, 6, 13, 13], { generator: g }).requiresGrad_();
    const w = randn([6, 1, 5, 5], { generator: g }).requiresGrad_();
    const b = randn([6], { generator: g }).requiresGrad_();
    const gy = randn([3, 6, 7, 7], { generator: g });
    const run = (): Float32Array[] => {
      x.grad = null;
      w.grad = null;
      b.grad = null;
      const y = conv2d(x, w, b, { stride: 2, padding: 2, groups: 6 });
      y.backward(gy);
      return [y, x.grad!, w.grad!, b.grad!].map((t) => t.data as Float32Array);
    };
    setKernelBackend("wasm");
    const fast = run();
    setKernelBackend("ref");
    const slow = run();
    for (let k = 0; k < fast.length; k++) expect(bitDiffs(fast[k]!, slow[k]!), `output ${k}`).toEqual([]);
  });
});
