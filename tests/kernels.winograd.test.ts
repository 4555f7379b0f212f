/**
 * Winograd F(4×4, 3×3) kernels: the WASM SIMD kernels against their plain-TypeScript twins, and both
 * against a direct convolution, on random shapes (odd sizes, partial tiles, padding 0-2, groups,
 * channel counts that are not multiples of 4).
 */
import { describe, expect, it } from "vitest";
import {
  getKernelBackend,
  setKernelBackend,
  winogradBackward3x3,
  winogradConv3x3,
  winogradWeightGrad3x3,
} from "../src/kernels/index.js";
import {
  pad4,
  winogradConv3x3Ref,
  winogradKernelTransform,
  winogradWeightGrad3x3Ref,
} from "../src/kernels/ref/winograd.js";
import { getWasmRuntime } from "../src/kernels/wasm/loader.js";
import { setWinogradTileBlock, WINOGRAD_TILE_BLOCK } from "../src/kernels/wasm/winograd.js";
import { Generator } from "../src/tensor/rng.js";

const WINOGRAD_TILE_BLOCK_DEFAULT = WINOGRAD_TILE_BLOCK;

const gen = new Generator(4242);

function randArray(n: number): Float32Array {
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
  phr: number;
  pwr: number;
}

/** Direct convolution in float64 (3×3, stride 1, zero padding). */
function naiveConv(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number> | null,
  k: Case,
  oh: number,
  ow: number,
): Float64Array {
  const { N, G, Cg, Og, H, W, ph, pw } = k;
  const y = new Float64Array(N * G * Og * oh * ow);
  for (let n = 0; n < N; n++)
    for (let gi = 0; gi < G; gi++)
      for (let m = 0; m < Og; m++) {
        const o = gi * Og + m;
        for (let r = 0; r < oh; r++)
          for (let q = 0; q < ow; q++) {
            let s = b === null ? 0 : b[o]!;
            for (let c = 0; c < Cg; c++)
              for (let i = 0; i < 3; i++)
                for (let j = 0; j < 3; j++) {
                  const rr = r + i - ph;
                  const qq = q + j - pw;
                  if (rr < 0 || rr >= H || qq < 0 || qq >= W) continue;
                  s += x[((n * G * Cg + gi * Cg + c) * H + rr) * W + qq]! * w[((o * Cg + c) * 3 + i) * 3 + j]!;
                }
            y[((n * G * Og + o) * oh + r) * ow + q] = s;
          }
      }
  return y;
}

function naiveWeightGrad(x: ArrayLike<number>, gy: ArrayLike<number>, k: Case, oh: number, ow: number): Float64Array {
  const { N, G, Cg, Og, H, W, ph, pw } = k;
  const gw = new Float64Array(G * Og * Cg * 9);
  for (let n = 0; n < N; n++)
    for (let gi = 0; gi < G; gi++)
      for (let m = 0; m < Og; m++) {
        const o = gi * Og + m;
        for (let c = 0; c < Cg; c++)
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 3; j++) {
              let s = 0;
              for (let r = 0; r < oh; r++)
                for (let q = 0; q < ow; q++) {
                  const rr = r + i - ph;
                  const qq = q + j - pw;
                  if (rr < 0 || rr >= H || qq < 0 || qq >= W) continue;
                  s += x[((n * G * Cg + gi * Cg + c) * H + rr) * W + qq]! * gy[((n * G * Og + o) * oh + r) * ow + q]!;
                }
              gw[((o * Cg + c) * 3 + i) * 3 + j]! += s;
            }
      }
  return gw;
}

/** gx = convᵀ(gy, w) in float64: the input gradient of {@link naiveConv}. */
function naiveInputGrad(gy: ArrayLike<number>, w: ArrayLike<number>, k: Case, oh: number, ow: number): Float64Array {
  const { N, G, Cg, Og, H, W, ph, pw } = k;
  const gx = new Float64Array(N * G * Cg * H * W);
  for (let n = 0; n < N; n++)
    for (let gi = 0; gi < G; gi++)
      for (let m = 0; m < Og; m++) {
        const o = gi * Og + m;
        for (let r = 0; r < oh; r++)
          for (let q = 0; q < ow; q++) {
            const v = gy[((n * G * Og + o) * oh + r) * ow + q]!;
            for (let c = 0; c < Cg; c++)
              for (let i = 0; i < 3; i++)
                for (let j = 0; j < 3; j++) {
                  const rr = r + i - ph;
                  const qq = q + j - pw;
                  if (rr < 0 || rr >= H || qq < 0 || qq >= W) continue;
                  gx[((n * G * Cg + gi * Cg + c) * H + rr) * W + qq]! += v * w[((o * Cg + c) * 3 + i) * 3 + j]!;
                }
          }
      }
  return gx;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i]! - want[i]!));
    den = Math.max(den, Math.abs(want[i]!));
  }
  return num / Math.max(den, 1e-30);
}

function randomCase(): Case {
  const pick = (lo: number, hi: number) => gen.randint(lo, hi + 1);
  const ph = pick(0, 2);
  const pw = pick(0, 2);
  return {
    N: pick(1, 3),
    G: pick(1, 2),
    Cg: pick(1, 13),
    Og: pick(1, 11),
    H: pick(3, 21),
    W: pick(3, 23),
    ph,
    pw,
    phr: gen.randint(0, ph + 1),
    pwr: gen.randint(0, pw + 1),
  };
}

const fixed: Case[] = [
  { N: 2, G: 1, Cg: 32, Og: 32, H: 28, W: 28, ph: 1, pw: 1, phr: 1, pwr: 1 },
  { N: 1, G: 1, Cg: 3, Og: 5, H: 3, W: 3, ph: 0, pw: 0, phr: 0, pwr: 0 },
  { N: 1, G: 1, Cg: 8, Og: 8, H: 17, W: 5, ph: 2, pw: 1, phr: 2, pwr: 0 },
];

describe("winograd F(4×4, 3×3)", () => {
  const cases = [...fixed, ...Array.from({ length: 12 }, randomCase)];
  for (const backend of ["ref", "wasm"] as const) {
    it(`conv2d forward (${backend}) matches a direct convolution`, () => {
      const prev = getKernelBackend();
      setKernelBackend(backend);
      try {
        for (const k of cases) {
          const oh = k.H + k.ph + k.phr - 2;
          const ow = k.W + k.pw + k.pwr - 2;
          const x = randArray(k.N * k.G * k.Cg * k.H * k.W);
          const w = randArray(k.G * k.Og * k.Cg * 9);
          const b = k.Cg % 2 === 0 ? randArray(k.G * k.Og) : null;
          const want = naiveConv(x, w, b, k, oh, ow);
          const got = new Float32Array(want.length).fill(Number.NaN);
          winogradConv3x3(x, w, b, got, {
            N: k.N,
            G: k.G,
            Cg: k.Cg,
            Og: k.Og,
            H: k.H,
            W: k.W,
            oh,
            ow,
            ph: k.ph,
            pw: k.pw,
          });
          expect(relErr(got, want), JSON.stringify(k)).toBeLessThan(1e-5);
          const ref = new Float32Array(want.length);
          winogradConv3x3Ref(x, w, b, ref, {
            N: k.N,
            G: k.G,
            Cg: k.Cg,
            Og: k.Og,
            H: k.H,
            W: k.W,
            oh,
            ow,
            ph: k.ph,
            pw: k.pw,
          });
          expect(relErr(got, ref), JSON.stringify(k)).toBeLessThan(1e-5);
        }
      } finally {
        setKernelBackend(prev);
      }
    });

    it(`weight gradient (${backend}) matches the direct sum`, () => {
      const prev = getKernelBackend();
      setKernelBackend(backend);
      try {
        for (const k of cases) {
          const oh = k.H + k.ph + k.phr - 2;
          const ow = k.W + k.pw + k.pwr - 2;
          const x = randArray(k.N * k.G * k.Cg * k.H * k.W);
          const gy = randArray(k.N * k.G * k.Og * oh * ow);
          const want = naiveWeightGrad(x, gy, k, oh, ow);
          const got = new Float32Array(want.length).fill(Number.NaN);
          winogradWeightGrad3x3(x, gy, got, {
            N: k.N,
            G: k.G,
            Cg: k.Cg,
            Og: k.Og,
            H: k.H,
            W: k.W,
            oh,
            ow,
            ph: k.ph,
            pw: k.pw,
          });
          expect(relErr(got, want), JSON.stringify(k)).toBeLessThan(1e-5);
          const ref = new Float32Array(want.length);
          winogradWeightGrad3x3Ref(x, gy, ref, {
            N: k.N,
            G: k.G,
            Cg: k.Cg,
            Og: k.Og,
            H: k.H,
            W: k.W,
            oh,
            ow,
            ph: k.ph,
            pw: k.pw,
          });
          expect(relErr(got, ref), JSON.stringify(k)).toBeLessThan(1e-5);
        }
      } finally {
        setKernelBackend(prev);
      }
    });

    it(`weight gradient with the fused bias gradient (${backend})`, () => {
      const prev = getKernelBackend();
      setKernelBackend(backend);
      try {
        for (const k of cases) {
          const oh = k.H + k.ph + k.phr - 2;
          const ow = k.W + k.pw + k.pwr - 2;
          const P = oh * ow;
          const C = k.G * k.Og;
          const x = randArray(k.N * k.G * k.Cg * k.H * k.W);
          const gy = randArray(k.N * C * P);
          const alone = new Float32Array(k.G * k.Og * k.Cg * 9);
          winogradWeightGrad3x3(x, gy, alone, {
            N: k.N,
            G: k.G,
            Cg: k.Cg,
            Og: k.Og,
            H: k.H,
            W: k.W,
            oh,
            ow,
            ph: k.ph,
            pw: k.pw,
          });
          const gw = new Float32Array(alone.length).fill(Number.NaN);
          const gb = new Float32Array(C).fill(Number.NaN);
          winogradWeightGrad3x3(
            x,
            gy,
            gw,
            { N: k.N, G: k.G, Cg: k.Cg, Og: k.Og, H: k.H, W: k.W, oh, ow, ph: k.ph, pw: k.pw },
            gb,
          );
          expect(Array.from(gw), JSON.stringify(k)).toEqual(Array.from(alone));
          const want = new Float64Array(C);
          for (let n = 0; n < k.N; n++)
            for (let c = 0; c < C; c++) for (let i = 0; i < P; i++) want[c]! += gy[(n * C + c) * P + i]!;
          // absolute error against the scale of the summed terms (sums of ±1 values can cancel)
          let err = 0;
          for (let c = 0; c < C; c++) err = Math.max(err, Math.abs(gb[c]! - want[c]!));
          expect(err / Math.sqrt(k.N * P), JSON.stringify(k)).toBeLessThan(1e-5);
        }
      } finally {
        setKernelBackend(prev);
      }
    });
  }

  it("shared backward (wasm): input, weight and bias gradients from one pass, any subset", () => {
    const prev = getKernelBackend();
    setKernelBackend("wasm");
    try {
      let i = 0;
      for (const k of cases) {
        const oh = k.H + k.ph + k.phr - 2;
        const ow = k.W + k.pw + k.pwr - 2;
        const P = oh * ow;
        const C = k.G * k.Og;
        const x = randArray(k.N * k.G * k.Cg * k.H * k.W);
        const w = randArray(k.G * k.Og * k.Cg * 9);
        const gy = randArray(k.N * C * P);
        const wantX = naiveInputGrad(gy, w, k, oh, ow);
        const wantW = naiveWeightGrad(x, gy, k, oh, ow);
        const wantB = new Float64Array(C);
        for (let n = 0; n < k.N; n++)
          for (let c = 0; c < C; c++) for (let t = 0; t < P; t++) wantB[c]! += gy[(n * C + c) * P + t]!;
        // all three, then rotating subsets
        const which = i === 0 ? 7 : 1 + (i % 7);
        i++;
        const gx = which & 1 ? new Float32Array(wantX.length).fill(Number.NaN) : null;
        const gw = which & 2 ? new Float32Array(wantW.length).fill(Number.NaN) : null;
        const gb = which & 4 ? new Float32Array(C).fill(Number.NaN) : null;
        const ran = winogradBackward3x3(x, w, gy, gx, gw, gb, {
          N: k.N,
          G: k.G,
          Cg: k.Cg,
          Og: k.Og,
          H: k.H,
          W: k.W,
          oh,
          ow,
          ph: k.ph,
          pw: k.pw,
        });
        expect(ran).toBe(true);
        if (gx !== null) expect(relErr(gx, wantX), `gx ${JSON.stringify(k)}`).toBeLessThan(1e-5);
        if (gw !== null) expect(relErr(gw, wantW), `gw ${JSON.stringify(k)}`).toBeLessThan(1e-5);
        if (gb !== null) {
          let err = 0;
          for (let c = 0; c < C; c++) err = Math.max(err, Math.abs(gb[c]! - wantB[c]!));
          expect(err / Math.sqrt(k.N * P), `gb ${JSON.stringify(k)}`).toBeLessThan(1e-5);
        }
      }
    } finally {
      setKernelBackend(prev);
    }
  });

  it("shared backward with a short last block of images (tile block of 2 images, 3 images)", () => {
    const prev = getKernelBackend();
    setKernelBackend("wasm");
    const k: Case = { N: 3, G: 1, Cg: 10, Og: 6, H: 13, W: 11, ph: 1, pw: 1, phr: 1, pwr: 1 };
    const T1 = Math.ceil(k.H / 4) * Math.ceil(k.W / 4);
    setWinogradTileBlock(2 * T1);
    try {
      const x = randArray(k.N * k.Cg * k.H * k.W);
      const w = randArray(k.Og * k.Cg * 9);
      const gy = randArray(k.N * k.Og * k.H * k.W);
      const gx = new Float32Array(x.length).fill(Number.NaN);
      const gw = new Float32Array(w.length).fill(Number.NaN);
      expect(
        winogradBackward3x3(x, w, gy, gx, gw, null, {
          N: k.N,
          G: 1,
          Cg: k.Cg,
          Og: k.Og,
          H: k.H,
          W: k.W,
          oh: k.H,
          ow: k.W,
          ph: 1,
          pw: 1,
        }),
      ).toBe(true);
      expect(relErr(gx, naiveInputGrad(gy, w, k, k.H, k.W))).toBeLessThan(1e-5);
      expect(relErr(gw, naiveWeightGrad(x, gy, k, k.H, k.W))).toBeLessThan(1e-5);
    } finally {
      setWinogradTileBlock(WINOGRAD_TILE_BLOCK_DEFAULT);
      setKernelBackend(prev);
    }
  });

  it("shared backward declines off the WASM path (the caller uses the separate maps)", () => {
    const prev = getKernelBackend();
    setKernelBackend("ref");
    try {
      const x = randArray(8 * 25);
      const w = randArray(8 * 8 * 9);
      const gy = randArray(8 * 25);
      expect(
        winogradBackward3x3(x, w, gy, new Float32Array(200), null, null, {
          N: 1,
          G: 1,
          Cg: 8,
          Og: 8,
          H: 5,
          W: 5,
          oh: 5,
          ow: 5,
          ph: 1,
          pw: 1,
        }),
      ).toBe(false);
    } finally {
      setKernelBackend(prev);
    }
  });

  it("float64 reference is exact to round-off", () => {
    const k: Case = { N: 1, G: 1, Cg: 4, Og: 3, H: 9, W: 7, ph: 1, pw: 1, phr: 1, pwr: 1 };
    const x = Float64Array.from(randArray(k.Cg * k.H * k.W));
    const w = Float64Array.from(randArray(k.Og * k.Cg * 9));
    const want = naiveConv(x, w, null, k, 9, 7);
    const got = new Float64Array(want.length);
    winogradConv3x3Ref(x, w, null, got, { N: 1, G: 1, Cg: k.Cg, Og: k.Og, H: k.H, W: k.W, oh: 9, ow: 7, ph: 1, pw: 1 });
    expect(relErr(got, want)).toBeLessThan(1e-12);
  });

  it("kernel transform: the WASM kernel equals the reference bit for bit, in U's layout and in the transposed one (zero padding kept)", () => {
    const rt = getWasmRuntime();
    expect(rt, "the WASM kernels load in Node").not.toBeNull();
    if (rt === null) return;
    const Og = 5;
    const Cg = 3;
    const Ogp = pad4(Og);
    const Cgp = pad4(Cg);
    const w = randArray(Og * Cg * 9);
    const U = winogradKernelTransform(w, 1, Og, Cg, Ogp) as Float32Array;
    rt.reset();
    const pW = rt.alloc(w.length * 4);
    const pU = rt.alloc(36 * Ogp * Cg * 4);
    const pT = rt.alloc(36 * Cgp * Ogp * 4);
    rt.f32.set(w, pW >> 2);
    rt.exports.wgZero(pU, 36 * Ogp * Cg);
    rt.exports.wgZero(pT, 36 * Cgp * Ogp);
    rt.exports.wgKernelF32(pW, Og, Cg, pU, Ogp * Cg, Cg, 1);
    rt.exports.wgKernelF32(pW, Og, Cg, pT, Cgp * Ogp, 1, Ogp);
    const got = rt.f32.slice(pU >> 2, (pU >> 2) + U.length);
    expect(Array.from(got)).toEqual(Array.from(U));
    const UT = rt.f32.slice(pT >> 2, (pT >> 2) + 36 * Cgp * Ogp);
    for (let xi = 0; xi < 36; xi++)
      for (let c = 0; c < Cgp; c++)
        for (let m = 0; m < Ogp; m++) {
          const want = c < Cg && m < Og ? U[xi * Ogp * Cg + m * Cg + c]! : 0;
          expect(UT[xi * Cgp * Ogp + c * Ogp + m]).toBe(want);
        }
  });
});
