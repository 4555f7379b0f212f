/**
 * Winograd F(4×4, 5×5): the WASM kernel against its plain-TypeScript twin, both against a float64
 * direct convolution (the float32 error of the transforms, bounded), and the float32 gradients of a
 * conv2d that takes the path (its input gradient is a convolution with the flipped kernel, so it runs
 * through the same kernel) against the float64 gradients of the direct path.
 */
import { describe, expect, it } from "vitest";
import { conv2d, Generator, Tensor } from "../src/index.js";
import { winograd5Conv, winograd5WeightGrad } from "../src/kernels/index.js";
import { winograd5ConvRef, winograd5WeightGradRef } from "../src/kernels/ref/winograd5.js";
import { getWasmRuntime } from "../src/kernels/wasm/loader.js";
import { setWinograd5TileBlock, WINOGRAD5_TILE_BLOCK } from "../src/kernels/wasm/winograd5.js";

const gen = new Generator(5151);

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal(0, 1);
  return a;
}

interface Case {
  N: number;
  G: number;
  Cg: number;
  Og: number;
  H: number;
  W: number;
  ph: number;
  pw: number;
  oh: number;
  ow: number;
}

/** Direct 5×5 convolution in float64. */
function direct(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, k: Case): Float64Array {
  const { N, G, Cg, Og, H, W, ph, pw, oh, ow } = k;
  const y = new Float64Array(N * G * Og * oh * ow);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < G * Og; o++) {
      const gi = Math.floor(o / Og);
      for (let r = 0; r < oh; r++)
        for (let q = 0; q < ow; q++) {
          let s = b === null ? 0 : b[o]!;
          for (let c = 0; c < Cg; c++)
            for (let i = 0; i < 5; i++) {
              const rr = r + i - ph;
              if (rr < 0 || rr >= H) continue;
              for (let j = 0; j < 5; j++) {
                const qq = q + j - pw;
                if (qq < 0 || qq >= W) continue;
                s += x[((n * G * Cg + gi * Cg + c) * H + rr) * W + qq]! * w[((o * Cg + c) * 5 + i) * 5 + j]!;
              }
            }
          y[((n * G * Og + o) * oh + r) * ow + q] = s;
        }
    }
  return y;
}

/** The weight gradient of {@link direct} in float64. */
function directWeightGrad(x: ArrayLike<number>, gy: ArrayLike<number>, k: Case): Float64Array {
  const { N, G, Cg, Og, H, W, ph, pw, oh, ow } = k;
  const gw = new Float64Array(G * Og * Cg * 25);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < G * Og; o++) {
      const gi = Math.floor(o / Og);
      for (let c = 0; c < Cg; c++)
        for (let i = 0; i < 5; i++)
          for (let j = 0; j < 5; j++) {
            let s = 0;
            for (let r = 0; r < oh; r++) {
              const rr = r + i - ph;
              if (rr < 0 || rr >= H) continue;
              for (let q = 0; q < ow; q++) {
                const qq = q + j - pw;
                if (qq < 0 || qq >= W) continue;
                s += x[((n * G * Cg + gi * Cg + c) * H + rr) * W + qq]! * gy[((n * G * Og + o) * oh + r) * ow + q]!;
              }
            }
            gw[((o * Cg + c) * 5 + i) * 5 + j]! += s;
          }
    }
  return gw;
}

/** max |got − want| / max |want|. */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i]! - want[i]!));
    den = Math.max(den, Math.abs(want[i]!));
  }
  return num / Math.max(den, 1e-30);
}

function makeCase(N: number, G: number, Cg: number, Og: number, H: number, W: number, ph: number, pw: number): Case {
  return { N, G, Cg, Og, H, W, ph, pw, oh: H + 2 * ph - 4, ow: W + 2 * pw - 4 };
}

const CASES: Case[] = [
  makeCase(2, 1, 16, 16, 9, 9, 2, 2),
  makeCase(3, 1, 17, 21, 7, 11, 1, 2), // odd channels, partial tile groups
  makeCase(1, 2, 16, 18, 13, 6, 2, 0), // groups, no column padding
  makeCase(2, 1, 20, 16, 5, 5, 3, 3), // the input gradient of a pad-1 layer: padding 3
  makeCase(1, 1, 16, 24, 25, 25, 2, 2),
];

/**
 * The C8 example model's 5×5 layers (escnn's, batch 8: 192→384 on 25×25, 384→384 and 384→768 on 13×13,
 * 768→768 and 768→512 on 7×7), with their full channel sums but a few output channels and images: the
 * float32 error against float64 where it matters (WASM only; the float64 direct sums are the cost).
 */
const C8_CASES: Case[] = [
  makeCase(1, 1, 192, 4, 25, 25, 2, 2),
  makeCase(2, 1, 384, 6, 13, 13, 2, 2),
  makeCase(2, 1, 768, 4, 7, 7, 2, 2),
];

describe("Winograd F(4×4, 5×5)", () => {
  const wasm = getWasmRuntime() !== null;

  it("WASM equals the reference twin and both stay within float32 round-off of a float64 direct convolution", () => {
    const errs: number[] = [];
    for (const [ci, k] of CASES.entries()) {
      // the last case also runs with one image per block and a tile block smaller than an image
      for (const block of ci === CASES.length - 1 ? [WINOGRAD5_TILE_BLOCK, 8] : [WINOGRAD5_TILE_BLOCK]) {
        setWinograd5TileBlock(block);
        const { N, G, Cg, Og, H, W, oh, ow } = k;
        const x = rand(N * G * Cg * H * W);
        const w = rand(G * Og * Cg * 25).map((v) => v * 0.05);
        const b = ci % 2 === 0 ? rand(G * Og) : null;
        const want = direct(x, w, b, k);
        const ref = new Float32Array(N * G * Og * oh * ow);
        winograd5ConvRef(x, w, b, ref, k);
        expect(relErr(ref, want)).toBeLessThan(1e-6);
        if (!wasm) continue;
        const y = new Float32Array(N * G * Og * oh * ow).fill(Number.NaN);
        expect(winograd5Conv(x, w, b, y, k)).toBe(true);
        const e = relErr(y, want);
        errs.push(e);
        // F(4×4, 5×5) in float32 against float64 direct sums: measured 1.9–4.2e-6 relative to max |y|
        // (F(2×2, 5×5) measured 1.1–2.6e-6 on these cases)
        expect(e).toBeLessThan(2e-5);
        expect(relErr(y, ref)).toBeLessThan(2e-5);
        // the input-gradient form: the same kernels stored as [G·Cg, Og, 5, 5], flipped, give the same bits
        const wf = new Float32Array(w.length);
        for (let gi = 0; gi < G; gi++)
          for (let m = 0; m < Og; m++)
            for (let c = 0; c < Cg; c++)
              for (let t = 0; t < 25; t++)
                wf[((gi * Cg + c) * Og + m) * 25 + 24 - t] = w[((gi * Og + m) * Cg + c) * 25 + t]!;
        const yf = new Float32Array(y.length);
        expect(winograd5Conv(x, wf, b, yf, k, true)).toBe(true);
        expect(yf).toEqual(y);
        const reff = new Float32Array(y.length);
        winograd5ConvRef(x, wf, b, reff, k, true);
        expect(reff).toEqual(ref);
      }
    }
    setWinograd5TileBlock(WINOGRAD5_TILE_BLOCK);
    if (process.env.ERLANGEN_PRINT_ERRORS) console.log("winograd5 float32 error vs float64 direct:", errs);
  });

  it.runIf(getWasmRuntime() !== null)("stays within float32 round-off on the C8 model's channel counts", () => {
    const errs: number[] = [];
    for (const [ci, k] of C8_CASES.entries()) {
      const { N, G, Cg, Og, H, W, oh, ow } = k;
      // inputs as after a ReLU and batch norm: a mean of about 0.4; weights at He scale
      const x = rand(N * G * Cg * H * W).map((v) => Math.max(v, 0));
      const w = rand(G * Og * Cg * 25).map((v) => v * Math.sqrt(2 / (Cg * 25)));
      const y = new Float32Array(N * G * Og * oh * ow);
      expect(winograd5Conv(x, w, null, y, k)).toBe(true);
      const e = relErr(y, direct(x, w, null, k));
      errs.push(e);
      // measured 6.1–9.8e-6 (forward) and 1.3e-5 (weight gradient) relative to the largest value; F(2×2, 5×5)
      // gave 4.8e-6–1.3e-5 on such sums. The bound leaves a factor 3.5 and stays 2× inside the 1e-4
      // relative bound set for this kernel (docs/results.md, session 11)
      expect(e).toBeLessThan(5e-5);
      if (ci === 1) {
        const gy = rand(N * G * Og * oh * ow);
        const gw = new Float32Array(G * Og * Cg * 25);
        expect(winograd5WeightGrad(x, gy, gw, k)).toBe(true);
        const eg = relErr(gw, directWeightGrad(x, gy, k));
        errs.push(eg);
        expect(eg).toBeLessThan(5e-5);
      }
    }
    if (process.env.ERLANGEN_PRINT_ERRORS) console.log("winograd5 C8 sizes, float32 error (fwd ×3, dW):", errs);
  });

  it("weight gradient: WASM equals the reference twin and a float64 direct sum", () => {
    for (const [ci, k] of CASES.slice(0, 4).entries()) {
      // case 0 also in blocks of one image (9 tiles each)
      for (const block of ci === 0 ? [WINOGRAD5_TILE_BLOCK, 9] : [WINOGRAD5_TILE_BLOCK]) {
        setWinograd5TileBlock(block);
        const { N, G, Cg, Og, H, W, oh, ow } = k;
        const x = rand(N * G * Cg * H * W);
        const gy = rand(N * G * Og * oh * ow);
        const want = directWeightGrad(x, gy, k);
        const ref = new Float32Array(G * Og * Cg * 25);
        winograd5WeightGradRef(x, gy, ref, k);
        expect(relErr(ref, want)).toBeLessThan(1e-6);
        if (!wasm) continue;
        const gw = new Float32Array(G * Og * Cg * 25).fill(Number.NaN);
        expect(winograd5WeightGrad(x, gy, gw, k)).toBe(true);
        const e = relErr(gw, want);
        if (process.env.ERLANGEN_PRINT_ERRORS) console.log("winograd5 weight gradient float32 error:", e);
        expect(e).toBeLessThan(2e-5);
      }
    }
    setWinograd5TileBlock(WINOGRAD5_TILE_BLOCK);
  });

  it("rejects a geometry whose output does not fit the padded input", () => {
    const k = makeCase(1, 1, 16, 16, 9, 9, 2, 2);
    const bad = { ...k, oh: k.oh - 2 }; // padding after would be negative
    const x = new Float32Array(16 * 81);
    const w = new Float32Array(16 * 16 * 25);
    const y = new Float32Array(16 * 81);
    expect(() => winograd5Conv(x, w, null, y, { ...bad, ph: -1 })).toThrow(/winograd5Conv/);
    expect(() => winograd5Conv(x.subarray(0, 10), w, null, y, k)).toThrow(/argument 'x'/);
  });

  it("conv2d's float32 gradients through the Winograd path match float64 direct gradients", () => {
    // a 5×5 conv with 16 channels takes F(4×4, 5×5) in float32 (forward and, as a convolution with the
    // flipped kernel, the input gradient); float64 takes the direct path
    const N = 2;
    const C = 16;
    const O = 20;
    const H = 9;
    const x32 = new Tensor(rand(N * C * H * H), [N, C, H, H], "float32").requiresGrad_();
    const w32 = new Tensor(
      rand(O * C * 25).map((v) => v * 0.05),
      [O, C, 5, 5],
      "float32",
    ).requiresGrad_();
    const b32 = new Tensor(rand(O), [O], "float32").requiresGrad_();
    const gy = rand(N * O * 7 * 7);
    const x64 = new Tensor(Float64Array.from(x32.data as Float32Array), [N, C, H, H], "float64").requiresGrad_();
    const w64 = new Tensor(Float64Array.from(w32.data as Float32Array), [O, C, 5, 5], "float64").requiresGrad_();
    const b64 = new Tensor(Float64Array.from(b32.data as Float32Array), [O], "float64").requiresGrad_();
    const y32 = conv2d(x32, w32, b32, { padding: 1 });
    const y64 = conv2d(x64, w64, b64, { padding: 1 });
    expect(relErr(y32.data as Float32Array, y64.data as Float64Array)).toBeLessThan(2e-5);
    y32.backward(new Tensor(gy, [N, O, 7, 7], "float32"));
    y64.backward(new Tensor(Float64Array.from(gy), [N, O, 7, 7], "float64"));
    expect(relErr(x32.grad!.data as Float32Array, x64.grad!.data as Float64Array)).toBeLessThan(2e-5);
    expect(relErr(w32.grad!.data as Float32Array, w64.grad!.data as Float64Array)).toBeLessThan(2e-5);
    expect(relErr(b32.grad!.data as Float32Array, b64.grad!.data as Float64Array)).toBeLessThan(2e-5);
  });
});
