/**
 * N-d convolutions on typed arrays (no autograd): the forward map, the input-gradient map (also the
 * transposed convolution) and the weight-gradient map, each choosing its path by geometry and dtype:
 *
 * - 3×3, stride 1, undilated 2-D with ≥ 8 channels per group: Winograd F(4×4, 3×3) (`winogradConv3x3`,
 *   `winogradWeightGrad3x3`, and for float32 the one-pass backward `winogradBackward3x3`);
 * - 5×5, stride 1, undilated 2-D, float32 with ≥ 8 channels per group in and out: Winograd
 *   F(4×4, 5×5) in WASM (`winograd5Conv`, `winograd5WeightGrad`; the input gradient is a convolution
 *   with the flipped kernel, so it takes `winograd5Conv` too);
 * - other stride-1 1-D/2-D: float32 WASM without an im2col matrix (`convStride1`), else im2col in the
 *   padded-width layout (`ref/im2col.ts`) and the GEMM kernel;
 * - 1×1, stride 1, unpadded: one GEMM per image and group on the input itself;
 * - other depthwise 1-D/2-D (one channel per group, e.g. strided blurs): loops over taps and rows,
 *   float32 in WASM split over the kernel team by channels (`depthwiseForward` etc.), no im2col;
 * - everything else: im2col / col2im in blocks of output rows that stay in cache, and the GEMM kernel.
 *
 * For stride 1 the input gradient is itself a convolution (of gy, with the kernel flipped), so it
 * takes the forward's fast paths. Layouts: x [N, Cin, *inS], w [Cout, Cin/G, *k], y [N, Cout, *outS].
 * Outputs come from the caller's allocator ({@link ConvAlloc}: the op's checked allocation).
 */
import type { Stride1Geometry } from "./ref/conv.js";
import { depthwiseApplies } from "./ref/depthwise.js";
import {
  addChannelBias,
  type ConvGeometry,
  convGeometry,
  fillPadded,
  gatherCols,
  im2col,
  im2colPadded,
  kVol,
  type PadLayout,
  paddedChunks,
  padLayout,
  rowChunks,
  type Triple,
  volume,
} from "./ref/im2col.js";
import type { FloatArray } from "./ref/linalg.js";
import type { WinogradGeometry } from "./ref/winograd.js";
import type { Winograd5Factors } from "./ref/winograd5.js";
import {
  convStride1,
  convStride1WeightGrad,
  depthwiseForward,
  depthwiseInputGrad,
  depthwiseWeightGrad,
  gemm,
  winograd5Conv,
  winograd5FactoredConv,
  winograd5FactoredWeightGrad,
  winograd5WeightGrad,
  winogradBackward3x3,
  winogradConv3x3,
  winogradWeightGrad3x3,
} from "./registry.js";

/**
 * Allocates an output of `size` elements of the operands' float dtype: zero-filled when `zeroed` (the
 * kernel accumulates into it), else with any contents (the kernel overwrites every element).
 */
export type ConvAlloc = (size: number, zeroed: boolean) => FloatArray;

// scratch buffers for im2col columns, grown on demand and reused across calls
let scratch32 = new Float32Array(0);
let scratch64 = new Float64Array(0);

function scratch(f64: boolean, n: number): FloatArray {
  if (f64) {
    if (scratch64.length < n) scratch64 = new Float64Array(n);
    return scratch64;
  }
  if (scratch32.length < n) scratch32 = new Float32Array(n);
  return scratch32;
}

/**
 * Scratch blocks for passes over blocks of up to `len` columns: `lead` floats first (padded planes, or
 * none), then the im2col block col [Kg, len] and the GEMM's other operand tmp [Og, len].
 */
function blocks(f64: boolean, lead: number, Kg: number, Og: number, len: number) {
  const buf = scratch(f64, lead + Kg * len + Og * len);
  return {
    lead: buf.subarray(0, lead),
    col: buf.subarray(lead, lead + Kg * len),
    tmp: buf.subarray(lead + Kg * len, lead + Kg * len + Og * len),
  };
}

/** Channels per group (in and out), im2col rows per group (Cg·taps), input and output volumes. */
function sizes(g: ConvGeometry) {
  const Cg = g.Cin / g.G;
  const Og = g.Cout / g.G;
  return { Cg, Og, Kg: Cg * kVol(g), inVol: volume(g.inS), P: volume(g.outS) };
}

/**
 * Calls f for each image n and group gi (n outer) with the offsets of the group's input channels (of
 * `inVol` elements each) and output channels (of `P` each).
 */
function eachImageGroup(
  g: ConvGeometry,
  inVol: number,
  P: number,
  f: (xOff: number, yOff: number, gi: number) => void,
): void {
  const Cg = g.Cin / g.G;
  const Og = g.Cout / g.G;
  for (let n = 0; n < g.N; n++)
    for (let gi = 0; gi < g.G; gi++) f((n * g.Cin + gi * Cg) * inVol, (n * g.Cout + gi * Og) * P, gi);
}

/** Calls f(r0, r1) for each block of output rows [r0, r1) between consecutive bounds. */
function eachRowBlock(bounds: readonly number[], f: (r0: number, r1: number) => void): void {
  for (let k = 0; k + 1 < bounds.length; k++) f(bounds[k]!, bounds[k + 1]!);
}

/** The group's weights (or weight gradient) w[gi·Og .. (gi + 1)·Og]: an [Og, Kg] block. */
function groupRows(w: FloatArray, gi: number, Og: number, Kg: number): FloatArray {
  return w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg);
}

/**
 * tmp[m, (r − r0)·Wp + t] = gy[yOff + m·P + r·ow + t]: the rows [r0, r1) of Og channels of gy in the
 * padded width Wp (zero past ow).
 */
function padRows(
  gy: FloatArray,
  yOff: number,
  Og: number,
  P: number,
  ow: number,
  Wp: number,
  r0: number,
  r1: number,
  tmp: FloatArray,
): void {
  const len = (r1 - r0) * Wp;
  for (let m = 0; m < Og; m++) {
    for (let r = r0; r < r1; r++) {
      const s = yOff + m * P + r * ow;
      const d = m * len + (r - r0) * Wp;
      for (let t = 0; t < ow; t++) tmp[d + t] = gy[s + t]!;
      for (let t = ow; t < Wp; t++) tmp[d + t] = 0;
    }
  }
}

/**
 * Sizes, blocks of output rows and scratch (padded planes, col, tmp) of a pass in the padded-width
 * layout, of the float dtype of `a`.
 */
function paddedPass(g: ConvGeometry, L: PadLayout, a: FloatArray) {
  const f64 = a instanceof Float64Array;
  const { Cg, Og, Kg, inVol } = sizes(g);
  const [, oh, ow] = g.outS;
  const bounds = paddedChunks(oh, L.Wp, Kg);
  const { lead, col, tmp } = blocks(f64, Cg * L.plane + L.tail, Kg, Og, (bounds[1]! - bounds[0]!) * L.Wp);
  return { Cg, Og, Kg, inVol, ow, P: oh * ow, Wp: L.Wp, bounds, padded: lead, col, tmp };
}

/**
 * Calls f for each image, group and block of output rows [r0, r1) once `pass.col` holds that block's
 * im2col columns of x in the padded-width layout.
 */
function eachPaddedIm2col(
  x: FloatArray,
  g: ConvGeometry,
  L: PadLayout,
  pass: ReturnType<typeof paddedPass>,
  f: (yOff: number, gi: number, r0: number, r1: number) => void,
): void {
  const { Cg, inVol, P, bounds, padded: xp, col } = pass;
  xp.fill(0);
  eachImageGroup(g, inVol, P, (xOff, yOff, gi) => {
    fillPadded(x, xOff, Cg, L, xp);
    eachRowBlock(bounds, (r0, r1) => {
      im2colPadded(xp, Cg, g, L, r0, r1, col);
      f(yOff, gi, r0, r1);
    });
  });
}

function convForwardPadded(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  g: ConvGeometry,
  L: PadLayout,
  y: FloatArray,
) {
  const pass = paddedPass(g, L, x);
  const { Og, Kg, ow, P, Wp, col, tmp } = pass;
  eachPaddedIm2col(x, g, L, pass, (yOff, gi, r0, r1) => {
    const len = (r1 - r0) * Wp;
    gemm(groupRows(w, gi, Og, Kg), col, tmp, Og, len, Kg);
    for (let m = 0; m < Og; m++) {
      const bv = b === null ? 0 : b[gi * Og + m]!;
      for (let r = r0; r < r1; r++) {
        const d = yOff + m * P + r * ow;
        const s = m * len + (r - r0) * Wp;
        for (let t = 0; t < ow; t++) y[d + t] = tmp[s + t]! + bv;
      }
    }
  });
}

function convInputGradPadded(gy: FloatArray, w: FloatArray, g: ConvGeometry, L: PadLayout, gx: FloatArray): void {
  const { Cg, Og, Kg, ow, P, Wp, bounds, padded: gp, col, tmp } = paddedPass(g, L, gy);
  const { H, W, inner, plane } = L;
  eachImageGroup(g, H * W, P, (xOff, yOff, gi) => {
    gp.fill(0);
    const A = groupRows(w, gi, Og, Kg);
    eachRowBlock(bounds, (r0, r1) => {
      padRows(gy, yOff, Og, P, ow, Wp, r0, r1, tmp);
      gemm(A, tmp, col, Kg, (r1 - r0) * Wp, Og, true, false);
      im2colPadded(gp, Cg, g, L, r0, r1, col, true); // col2im
    });
    for (let c = 0; c < Cg; c++) {
      for (let i = 0; i < H; i++) {
        const s = c * plane + inner + i * Wp;
        const d = xOff + (c * H + i) * W;
        for (let t = 0; t < W; t++) gx[d + t] = gp[s + t]!;
      }
    }
  });
}

function convWeightGradPadded(x: FloatArray, gy: FloatArray, g: ConvGeometry, L: PadLayout, gw: FloatArray): void {
  const pass = paddedPass(g, L, x);
  const { Og, Kg, ow, P, Wp, col, tmp } = pass;
  eachPaddedIm2col(x, g, L, pass, (yOff, gi, r0, r1) => {
    padRows(gy, yOff, Og, P, ow, Wp, r0, r1, tmp);
    gemm(tmp, col, groupRows(gw, gi, Og, Kg), Og, Kg, (r1 - r0) * Wp, false, true, true);
  });
}

/** Sizes, blocks of output rows and scratch (col, tmp) of an im2col pass. */
function im2colPass(g: ConvGeometry, f64: boolean) {
  const { Cg, Og, Kg, inVol, P } = sizes(g);
  const ow = g.outS[2];
  const bounds = rowChunks(g, Kg);
  const { col, tmp } = blocks(f64, 0, Kg, Og, (bounds[1]! - bounds[0]!) * ow);
  return { Cg, Og, Kg, inVol, P, ow, bounds, col, tmp };
}

/**
 * Calls f for each image, group and block of output rows [r0, r1) (Pc = (r1 − r0)·ow columns) once
 * `pass.col` holds that block's im2col columns of x.
 */
function eachIm2col(
  x: FloatArray,
  g: ConvGeometry,
  pass: ReturnType<typeof im2colPass>,
  f: (yOff: number, gi: number, r0: number, Pc: number) => void,
): void {
  const { Cg, inVol, P, ow, bounds, col } = pass;
  eachImageGroup(g, inVol, P, (xOff, yOff, gi) => {
    eachRowBlock(bounds, (r0, r1) => {
      im2col(x, xOff, Cg, g, r0, r1, col);
      f(yOff, gi, r0, (r1 - r0) * ow);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Winograd for 3×3, stride-1, undilated 2-D convolutions (Lavin & Gray, CVPR 2016): F(4×4, 3×3)
// through the kernels (winogradConv3x3 / winogradWeightGrad3x3: WASM SIMD for float32, data kept in
// the module's memory; the plain-TS reference for float64 and without WASM). The float32 backward
// of such a conv is one shared pass (winogradBackward3x3): gy is transformed once, for the weight
// gradient and for the input gradient (Uᵀ·Y, then the adjoint of the input transform), and the bias
// gradient is summed on the way; the separate maps remain the fallback (no WASM) and the
// double-backward path.

/** Minimum channels per group for the Winograd path (below it the transforms dominate). */
const WINOGRAD_MIN_CHANNELS = 8;

/** The kernels' geometry record of a 2-D conv. */
export function winogradGeometry(g: ConvGeometry): WinogradGeometry {
  const Cg = g.Cin / g.G;
  const Og = g.Cout / g.G;
  return {
    N: g.N,
    G: g.G,
    Cg,
    Og,
    H: g.inS[1]!,
    W: g.inS[2]!,
    oh: g.outS[1]!,
    ow: g.outS[2]!,
    ph: g.p[1]!,
    pw: g.p[2]!,
  };
}

function stride1Geometry(g: ConvGeometry): Stride1Geometry {
  return {
    N: g.N,
    G: g.G,
    Cg: g.Cin / g.G,
    Og: g.Cout / g.G,
    H: g.inS[1],
    W: g.inS[2],
    kh: g.k[1],
    kw: g.k[2],
    dh: g.d[1],
    dw: g.d[2],
    ph: g.p[1],
    pw: g.p[2],
    oh: g.outS[1],
    ow: g.outS[2],
  };
}

/** Whether the convolution takes the Winograd path (3×3, stride 1, undilated 2-D, ≥ 8 channels per group). */
export function winogradApplies(g: ConvGeometry): boolean {
  return (
    !g.direct &&
    g.inS[0] === 1 &&
    g.k[0] === 1 &&
    g.p[0] === 0 &&
    g.k[1] === 3 &&
    g.k[2] === 3 &&
    g.s[1] === 1 &&
    g.s[2] === 1 &&
    g.d[1] === 1 &&
    g.d[2] === 1 &&
    g.Cin / g.G >= WINOGRAD_MIN_CHANNELS &&
    2 * Math.ceil(g.outS[1] / 2) + 2 >= g.inS[1] + g.p[1] &&
    2 * Math.ceil(g.outS[2] / 2) + 2 >= g.inS[2] + g.p[2]
  );
}

/**
 * Minimum input and output channels per group for the 5×5 Winograd path (measured with F(2×2, 5×5), 5×5
 * on 28×28, batch 32, CPU ms F(2×2, 5×5) / direct: 8 channels 3.4 / 4.5, 16: 7.9 / 16.0, 32: 26.2 / 56.5).
 */
const WINOGRAD5_MIN_CHANNELS = 8;

/**
 * Whether a float32 convolution takes Winograd F(4×4, 5×5) (5×5, stride 1, undilated 2-D, ≥ 8
 * channels per group in and out); it runs in WASM only, elsewhere the direct stride-1 path does.
 */
export function winograd5Applies(g: ConvGeometry): boolean {
  return (
    !g.direct &&
    g.inS[0] === 1 &&
    g.k[0] === 1 &&
    g.p[0] === 0 &&
    g.k[1] === 5 &&
    g.k[2] === 5 &&
    g.s[1] === 1 &&
    g.s[2] === 1 &&
    g.d[1] === 1 &&
    g.d[2] === 1 &&
    g.Cin / g.G >= WINOGRAD5_MIN_CHANNELS &&
    g.Cout / g.G >= WINOGRAD5_MIN_CHANNELS &&
    g.outS[1] + 4 >= g.inS[1] + g.p[1] &&
    g.outS[2] + 4 >= g.inS[2] + g.p[2]
  );
}

/** y = conv(x, w) (+ b), of x's float dtype (b may be null). */
export function convForward(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  g: ConvGeometry,
  alloc: ConvAlloc,
): FloatArray {
  const f64 = x instanceof Float64Array;
  const { Og, Kg, inVol, P } = sizes(g);
  const ow = g.outS[2];
  if (winogradApplies(g)) {
    // every element is written (WASM and reference alike): no zero fill
    const yw = alloc(g.N * g.Cout * P, false);
    winogradConv3x3(x, w, b, yw, winogradGeometry(g));
    return yw;
  }
  const L = padLayout(g);
  if (L !== null) {
    // every path writes every element: float32 Winograd F(4×4, 5×5) or the direct path in WASM without
    // an im2col matrix where they run, else im2col
    const yp = alloc(g.N * g.Cout * P, false);
    if (!f64 && winograd5Applies(g) && winograd5Conv(x, w, b, yp, winogradGeometry(g))) return yp;
    if (f64 || !convStride1(x, w, b, yp, stride1Geometry(g))) convForwardPadded(x, w, b, g, L, yp);
    return yp;
  }
  if (depthwiseApplies(g)) {
    const yd = alloc(g.N * g.Cout * P, false);
    depthwiseForward(x, w, b, yd, g);
    return yd;
  }
  const y = alloc(g.N * g.Cout * P, true);
  if (g.direct) {
    eachImageGroup(g, inVol, P, (xOff, yOff, gi) =>
      gemm(groupRows(w, gi, Og, Kg), x.subarray(xOff, xOff + Kg * P), y.subarray(yOff, yOff + Og * P), Og, P, Kg),
    );
    if (b !== null) addChannelBias(y, b, g.N, g.Cout, P);
    return y;
  }
  const pass = im2colPass(g, f64);
  const { col, tmp } = pass;
  eachIm2col(x, g, pass, (yOff, gi, r0, Pc) => {
    gemm(groupRows(w, gi, Og, Kg), col, tmp, Og, Pc, Kg);
    // scatter the [Og, Pc] block into y's channel planes, adding the bias
    for (let m = 0; m < Og; m++) {
      const bv = b === null ? 0 : b[gi * Og + m]!;
      const d = yOff + m * P + r0 * ow;
      const s = m * Pc;
      for (let t = 0; t < Pc; t++) y[d + t] = tmp[s + t]! + bv;
    }
  });
  return y;
}

/**
 * For stride 1, the input gradient is itself a convolution: of gy, padded by dilation·(k − 1) − pad,
 * with the kernel flipped and its channel axes swapped. Returns that convolution's geometry, or null
 * when it does not apply (strides, or padding beyond the kernel's reach).
 */
function flippedGeometry(g: ConvGeometry): ConvGeometry | null {
  const p: number[] = [];
  for (let i = 0; i < 3; i++) {
    if (g.s[i] !== 1) return null;
    const q = g.d[i]! * (g.k[i]! - 1) - g.p[i]!;
    if (q < 0) return null;
    p.push(q);
  }
  const D = g.D;
  const cut = (a: Triple) => a.slice(3 - D);
  return convGeometry(g.N, g.Cout, g.Cin, g.G, cut(g.outS), cut(g.inS), cut(g.k), cut(g.s), p.slice(3 - D), cut(g.d));
}

/** W'[gi·Cg + c, m, k̄] = W[gi·Og + m, c, k] with every kernel axis reversed. */
function flipWeight(w: FloatArray, g: ConvGeometry, f64: boolean): FloatArray {
  const Cg = g.Cin / g.G;
  const Og = g.Cout / g.G;
  const kv = kVol(g);
  const out = f64 ? new Float64Array(w.length) : new Float32Array(w.length);
  for (let gi = 0; gi < g.G; gi++) {
    for (let m = 0; m < Og; m++) {
      for (let c = 0; c < Cg; c++) {
        const s = ((gi * Og + m) * Cg + c) * kv;
        const d = ((gi * Cg + c) * Og + m) * kv;
        for (let t = 0; t < kv; t++) out[d + kv - 1 - t] = w[s + t]!;
      }
    }
  }
  return out;
}

/**
 * gx = convᵀ(gy, w) (+ b over the Cin channels), of gy's float dtype: the gradient of the input, and
 * the transposed convolution.
 */
export function convInputGrad(
  gy: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  g: ConvGeometry,
  alloc: ConvAlloc,
): FloatArray {
  const f64 = gy instanceof Float64Array;
  const fg = g.direct ? null : flippedGeometry(g);
  if (fg !== null) {
    // F(4×4, 5×5) reads the kernels flipped and transposed as it transforms them: no flipped copy
    if (!f64 && winograd5Applies(fg)) {
      const gx = alloc(g.N * g.Cin * sizes(fg).P, false);
      if (winograd5Conv(gy, w, b, gx, winogradGeometry(fg), true)) return gx;
    }
    return convForward(gy, flipWeight(w, g, f64), b, fg, alloc);
  }
  const { Cg, Og, Kg, inVol, P } = sizes(g);
  const ow = g.outS[2];
  const L = padLayout(g);
  // the depthwise kernels write every element; the other paths accumulate into zeros
  const gx = alloc(g.N * g.Cin * inVol, L !== null || !depthwiseApplies(g));
  if (L !== null) convInputGradPadded(gy, w, g, L, gx);
  else if (depthwiseApplies(g)) depthwiseInputGrad(gy, w, gx, g);
  else if (g.direct) {
    eachImageGroup(g, inVol, P, (xOff, yOff, gi) =>
      gemm(
        groupRows(w, gi, Og, Kg),
        gy.subarray(yOff, yOff + Og * P),
        gx.subarray(xOff, xOff + Kg * P),
        Kg,
        P,
        Og,
        true,
        false,
      ),
    );
  } else {
    const { col, tmp, bounds } = im2colPass(g, f64);
    eachImageGroup(g, inVol, P, (xOff, yOff, gi) => {
      const A = groupRows(w, gi, Og, Kg);
      eachRowBlock(bounds, (r0, r1) => {
        const Pc = (r1 - r0) * ow;
        gatherCols(gy, yOff, Og, P, r0 * ow, Pc, tmp);
        gemm(A, tmp, col, Kg, Pc, Og, true, false);
        im2col(gx, xOff, Cg, g, r0, r1, col, true); // col2im
      });
    });
  }
  if (b !== null) addChannelBias(gx, b, g.N, g.Cin, inVol);
  return gx;
}

/** gw = Σₙ gyₙ · colₙᵀ, of x's float dtype: the gradient of the weight. */
export function convWeightGrad(x: FloatArray, gy: FloatArray, g: ConvGeometry, alloc: ConvAlloc): FloatArray {
  const f64 = x instanceof Float64Array;
  const { Og, Kg, inVol, P } = sizes(g);
  const ow = g.outS[2];
  const gw = alloc(g.Cout * Kg, true);
  if (winogradApplies(g)) {
    winogradWeightGrad3x3(x, gy, gw, winogradGeometry(g));
    return gw;
  }
  const L = padLayout(g);
  if (L !== null) {
    if (!f64 && winograd5Applies(g) && winograd5WeightGrad(x, gy, gw, winogradGeometry(g))) return gw;
    if (f64 || !convStride1WeightGrad(x, gy, gw, stride1Geometry(g))) convWeightGradPadded(x, gy, g, L, gw);
    return gw;
  }
  if (depthwiseApplies(g)) {
    depthwiseWeightGrad(x, gy, gw, g);
    return gw;
  }
  if (g.direct) {
    eachImageGroup(g, inVol, P, (xOff, yOff, gi) =>
      gemm(
        gy.subarray(yOff, yOff + Og * P),
        x.subarray(xOff, xOff + Kg * P),
        groupRows(gw, gi, Og, Kg),
        Og,
        Kg,
        P,
        false,
        true,
        true,
      ),
    );
    return gw;
  }
  const pass = im2colPass(g, f64);
  const { col, tmp } = pass;
  eachIm2col(x, g, pass, (yOff, gi, r0, Pc) => {
    gatherCols(gy, yOff, Og, P, r0 * ow, Pc, tmp);
    gemm(tmp, col, groupRows(gw, gi, Og, Kg), Og, Kg, Pc, false, true, true);
  });
  return gw;
}

/**
 * The float32 gradients of a Winograd convolution from one shared pass ({@link winogradBackward3x3}):
 * gx, gw and gb where asked for (null elsewhere), or null where the shared kernel does not run.
 */
export function convBackwardWinograd(
  x: Float32Array,
  w: Float32Array,
  gy: Float32Array,
  g: ConvGeometry,
  want: { x: boolean; w: boolean; b: boolean },
  alloc: ConvAlloc,
): { gx: FloatArray | null; gw: FloatArray | null; gb: FloatArray | null } | null {
  const Cg = g.Cin / g.G;
  // the shared pass writes every element of gx
  const gx = want.x ? alloc(g.N * g.Cin * volume(g.inS), false) : null;
  const gw = want.w ? alloc(g.Cout * Cg * kVol(g), true) : null;
  const gb = want.b ? alloc(g.Cout, true) : null;
  if (!winogradBackward3x3(x, w, gy, gx, gw, gb, winogradGeometry(g))) return null;
  return { gx, gw, gb };
}

/**
 * gw (as {@link convWeightGrad}) and gb = Σ gy over images and positions of a float32 Winograd
 * convolution, from one pass (the bias sum is taken while gy is copied into the gradient transform).
 */
export function convWeightBiasGradWinograd(
  x: Float32Array,
  gy: Float32Array,
  g: ConvGeometry,
  alloc: ConvAlloc,
): [FloatArray, FloatArray] {
  const gw = alloc(g.Cout * (g.Cin / g.G) * kVol(g), true);
  const gb = alloc(g.Cout, true);
  winogradWeightGrad3x3(x, gy, gw, winogradGeometry(g), gb);
  return [gw, gb];
}

/** Whether the forward and the factors' gradient of {@link factoredConv} run for this geometry (as convForward's F(4×4, 5×5)). */
function factoredApplies(g: ConvGeometry): boolean {
  return padLayout(g) !== null && winograd5Applies(g);
}

/**
 * The maps of a convolution whose kernels come in factored form, w[o, i] = Σ_u Y_u[(o, i)]·P_u (nU
 * planes of Cout·Cin/G factors laid out as `Winograd5Factors` says, with the profiles' transforms), where
 * float32 Winograd F(4×4, 5×5) takes them in WASM straight from the factors: no 5×5 filter, no kernel
 * transform, and the weight gradient comes out as Y's. Each returns null, computing nothing, elsewhere:
 * the caller then forms w and takes the maps above.
 */
export const factoredConv = {
  /** y = conv(x, w) + b (b may be null). */
  forward(
    x: FloatArray,
    Y: FloatArray,
    fac: Winograd5Factors,
    b: FloatArray | null,
    g: ConvGeometry,
    alloc: ConvAlloc,
  ): FloatArray | null {
    if (!(x instanceof Float32Array && Y instanceof Float32Array) || !factoredApplies(g)) return null;
    const y = alloc(g.N * g.Cout * sizes(g).P, false);
    return winograd5FactoredConv(x, Y, fac, b as Float32Array | null, y as Float32Array, winogradGeometry(g))
      ? y
      : null;
  },
  /** gx = convᵀ(gy, w): the input gradient, a convolution with the flipped kernels. */
  inputGrad(
    gy: FloatArray,
    Y: FloatArray,
    fac: Winograd5Factors,
    g: ConvGeometry,
    alloc: ConvAlloc,
  ): FloatArray | null {
    const fg = g.direct ? null : flippedGeometry(g);
    if (!(gy instanceof Float32Array && Y instanceof Float32Array) || fg === null || !winograd5Applies(fg)) return null;
    const gx = alloc(g.N * g.Cin * sizes(fg).P, false);
    return winograd5FactoredConv(gy, Y, fac, null, gx as Float32Array, winogradGeometry(fg), true) ? gx : null;
  },
  /** gY = ∂⟨gy, conv(x, w)⟩/∂Y (planes as Y; with gathered factors, the source's gradient [R×K]). */
  factorGrad(
    x: FloatArray,
    gy: FloatArray,
    fac: Winograd5Factors,
    g: ConvGeometry,
    alloc: ConvAlloc,
  ): FloatArray | null {
    if (!(x instanceof Float32Array && gy instanceof Float32Array) || !factoredApplies(g)) return null;
    const kernels = g.Cout * sizes(g).Cg;
    const q = fac.gathered;
    const gY = alloc(q === undefined ? kernels * fac.prof.nU : (kernels / (fac.dO * fac.dI)) * q.K, false);
    return winograd5FactoredWeightGrad(x, gy, gY as Float32Array, fac, winogradGeometry(g)) ? gY : null;
  },
};
