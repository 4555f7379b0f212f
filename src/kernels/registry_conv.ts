/**
 * The kernel registry's convolutions (see registry.ts): Winograd F(4×4, 3×3) and F(4×4, 5×5) (the
 * latter also from factored kernels), stride-1 convolutions without an im2col matrix, depthwise.
 */

import { f32, f32OrNull, fastPath, kernel } from "./dispatch.js";
import type { Stride1Geometry } from "./ref/conv.js";
import { convStride1Ref, convStride1WeightGradRef } from "./ref/conv.js";
import { depthwiseForwardRef, depthwiseInputGradRef, depthwiseWeightGradRef } from "./ref/depthwise.js";
import type { FloatArray } from "./ref/linalg.js";
import {
  type WinogradGeometry,
  winogradBackward3x3Ref,
  winogradConv3x3Ref,
  winogradWeightGrad3x3Ref,
} from "./ref/winograd.js";
import {
  type Winograd5Factors,
  winograd5ConvRef,
  winograd5FactoredConvRef,
  winograd5FactoredWeightGradRef,
  winograd5WeightGradRef,
} from "./ref/winograd5.js";
import { convStride1Wasm, convStride1WeightGradWasm } from "./wasm/conv.js";
import {
  depthwiseForwardWasm,
  depthwiseInputGradWasm,
  depthwiseWeightGradWasm,
  depthwiseWork,
} from "./wasm/depthwise.js";
import type { WasmRuntime } from "./wasm/loader.js";
import { winogradBackwardWasm, winogradConvWasm, winogradWeightGradWasm } from "./wasm/winograd.js";
import { winograd5ConvWasm, winograd5WeightGradWasm } from "./wasm/winograd5.js";

const WINOGRAD_EXPORTS = [
  "wgInputF32",
  "wgGradOutF32",
  "wgGemmF32",
  "wgDotF32",
  "wgKernelF32",
  "wgZero",
  "wgZeroLanes",
];

// ---- convolutions ----

/**
 * y = conv2d(x, w) + b for a 3×3 kernel, stride 1, zero padding (ph, pw) before each axis, `G`
 * groups of Cg input and Og output channels, by Winograd F(4×4, 3×3): x [N, G·Cg, H, W], w
 * [G·Og, Cg, 3, 3], y [N, G·Og, oh, ow]; `b` may be null. Float32 runs in WASM (the data stays in
 * the module's memory from transform to inverse transform); float64 runs the reference.
 */
export const winogradConv3x3 = kernel({
  name: "winogradConv3x3",
  team: true,
  ref: winogradConv3x3Ref,
  wasm: winogradConvWasm,
  exports: [...WINOGRAD_EXPORTS, "wgOutputF32"],
  threshold: "gemm",
  work: (x, w, b, y, { N, G, Cg, Og, oh, ow }) =>
    f32(x) && f32(w) && f32(y) && f32OrNull(b) ? N * G * Og * Cg * oh * ow : -1,
});

/**
 * y = conv2d(x, w) + b for 5×5, stride-1, undilated 2-D convolutions by Winograd F(4×4, 5×5) (64
 * products per 4×4 output tile and channel pair instead of 400), float32 WASM. Returns false,
 * computing nothing, where it does not run (not all float32, no WASM, or a module without the
 * kernel); the caller then takes the direct stride-1 path. The reference twin is
 * `winograd5ConvRef` (tests compare both).
 */
export const winograd5Conv = fastPath({
  name: "winograd5Conv",
  team: true,
  ref: winograd5ConvRef,
  wasm: winograd5ConvWasm,
  exports: ["wg5InputF32", "wg5KernelF32", "wg5OutputF32", "gemmPackB", "gemmRows"],
  threshold: "gemm",
  check: (x, w, b, y, geom) => {
    const { N, G, Cg, Og, H, W, oh, ow } = geom;
    // the padded rows and columns of the 4×4 tiles (4·⌈oh/4⌉ + 4, 16·⌈⌈ow/4⌉/4⌉ + 4) then hold the input too
    checkStride1("winograd5Conv", { ...geom, kh: 5, kw: 5, dh: 1, dw: 1 }, [
      ["x", x, N * G * Cg * H * W],
      ["w", w, G * Og * Cg * 25],
      ["y", y, N * G * Og * oh * ow],
      ["b", b, G * Og],
    ]);
  },
  work: (x, w, b, y, { N, G, Cg, Og, oh, ow }) =>
    f32(x) && f32(w) && f32(y) && f32OrNull(b) ? N * G * Og * Cg * oh * ow : -1,
});

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w (gw [G·Og, Cg, 5, 5] overwritten) for the convolutions of
 * {@link winograd5Conv}, by F(4×4, 5×5) through the transposition principle, float32 WASM. Returns
 * false, computing nothing, where it does not run; the caller then takes the direct stride-1 path.
 * Twin: `winograd5WeightGradRef`.
 */
export const winograd5WeightGrad = fastPath({
  name: "winograd5WeightGrad",
  team: true,
  ref: winograd5WeightGradRef,
  wasm: winograd5WeightGradWasm,
  exports: ["wg5InputF32", "wg5GradOutF32", "wg5FinishF32", "gemmPackB", "gemmRows", "wgZeroLanes"],
  threshold: "gemm",
  check: (x, gy, gw, geom) => {
    const { N, G, Cg, Og, H, W, oh, ow } = geom;
    checkStride1("winograd5WeightGrad", { ...geom, kh: 5, kw: 5, dh: 1, dw: 1 }, [
      ["x", x, N * G * Cg * H * W],
      ["gy", gy, N * G * Og * oh * ow],
      ["gw", gw, G * Og * Cg * 25],
    ]);
  },
  work: (x, gy, gw, { N, G, Cg, Og, oh, ow }) => (f32(x) && f32(gy) && f32(gw) ? N * G * Og * Cg * oh * ow : -1),
});

/**
 * {@link winograd5Conv} with its 5×5 kernels in factored form, kernel (o, i) = Σ_u Y_u[(o, i)]·P_u over
 * the fixed profiles of `fac` (planes laid out as `Winograd5Factors` says): the transformed kernels come
 * from the factors and the profiles' transforms, with no 5×5 filter. With `flipped`, Y holds the factors
 * of the [G·Cg, Og] kernels of the convolution whose input gradient this is. Returns false where it does
 * not run (as winograd5Conv). Twin: `winograd5FactoredConvRef`.
 */
export const winograd5FactoredConv = fastPath({
  name: "winograd5FactoredConv",
  team: true,
  ref: winograd5FactoredConvRef,
  wasm: (
    rt: WasmRuntime,
    x: Float32Array,
    Y: Float32Array,
    fac: Winograd5Factors,
    b: Float32Array | null,
    y: Float32Array,
    geom: WinogradGeometry,
    flipped = false,
  ) => winograd5ConvWasm(rt, x, Y, b, y, geom, flipped, fac),
  exports: ["wg5InputF32", "wg5FactoredKernelF32", "wg5OutputF32", "gemmPackB", "gemmRows", "gatheredRowsF32"],
  threshold: "gemm",
  check: (x, Y, fac, b, y, geom, flipped) => {
    const { N, G, Cg, Og, H, W, oh, ow } = geom;
    checkFactors("winograd5FactoredConv", fac, flipped ? Cg : Og, flipped ? Og : Cg);
    checkStride1("winograd5FactoredConv", { ...geom, kh: 5, kw: 5, dh: 1, dw: 1 }, [
      ["x", x, N * G * Cg * H * W],
      ["Y", Y, factorLength(fac, G, Og, Cg)],
      ["y", y, N * G * Og * oh * ow],
      ["b", b, G * Og],
    ]);
  },
  work: (x, Y, fac, b, y, { N, G, Cg, Og, oh, ow }) =>
    f32(x) && f32(Y) && f32(y) && f32OrNull(b) && gatheredF32(fac) ? N * G * Og * Cg * oh * ow : -1,
});

/**
 * gY = ∂⟨gy, conv2d(x, w)⟩/∂Y for the factored kernels of {@link winograd5FactoredConv} (gY, planes as
 * Y, overwritten): the weight gradient's sums per ξ, then gY = TPᵀ·S in place of the 5×5 finish. Returns false where it does not run. Twin:
 * `winograd5FactoredWeightGradRef`.
 */
export const winograd5FactoredWeightGrad = fastPath({
  name: "winograd5FactoredWeightGrad",
  team: true,
  ref: winograd5FactoredWeightGradRef,
  wasm: (
    rt: WasmRuntime,
    x: Float32Array,
    gy: Float32Array,
    gY: Float32Array,
    fac: Winograd5Factors,
    geom: WinogradGeometry,
  ) => winograd5WeightGradWasm(rt, x, gy, gY, geom, fac),
  exports: [
    "wg5InputF32",
    "wg5GradOutF32",
    "wg5FactoredFinishF32",
    "gemmPackB",
    "gemmRows",
    "wgZeroLanes",
    "gatheredRowsGradF32",
  ],
  threshold: "gemm",
  check: (x, gy, gY, fac, geom) => {
    const { N, G, Cg, Og, H, W, oh, ow } = geom;
    checkFactors("winograd5FactoredWeightGrad", fac, Og, Cg);
    checkStride1("winograd5FactoredWeightGrad", { ...geom, kh: 5, kw: 5, dh: 1, dw: 1 }, [
      ["x", x, N * G * Cg * H * W],
      ["gy", gy, N * G * Og * oh * ow],
      ["gY", gY, factorLength(fac, G, Og, Cg)],
    ]);
  },
  work: (x, gy, gY, fac, { N, G, Cg, Og, oh, ow }) =>
    f32(x) && f32(gy) && f32(gY) && gatheredF32(fac) ? N * G * Og * Cg * oh * ow : -1,
});

/**
 * The factored kernels' scratch holds at most 128 factors per kernel (8,192 bytes of 16 lanes), and
 * their blocks must tile the filter's Oo×Io kernels.
 */
function checkFactors(op: string, fac: Winograd5Factors, Oo: number, Io: number): void {
  const { prof, dO, dI } = fac;
  if (!Number.isInteger(prof.nU) || prof.nU < 1 || prof.nU > 128)
    throw new Error(`${op}: argument 'fac' expected 1 to 128 profiles, got ${prof.nU}`);
  if (!(Number.isInteger(dO) && Number.isInteger(dI) && dO >= 1 && dI >= 1 && Oo % dO === 0 && Io % dI === 0))
    throw new Error(`${op}: argument 'fac' expected blocks dividing the ${Oo}×${Io} kernels, got ${dO}×${dI}`);
  const q = fac.gathered;
  if (q === undefined) return;
  const S = q.offs[q.offs.length - 1] ?? -1;
  if (q.offs.length !== prof.nU + 1 || q.offs[0] !== 0 || S !== q.ids.length || q.mats.length < S * dO * dI)
    throw new Error(
      `${op}: argument 'fac' expected gathered parts of ${prof.nU} profiles (${prof.nU + 1} offsets from 0 to the ${q.ids.length} ids, matrices of ${dO * dI} columns), got ${q.offs.length} offsets ending at ${S} and ${q.mats.length} matrix entries`,
    );
}

/** Floats of the factor argument: the planes (nU of G·Og·Cg), or a gathered source [R×K] (R = Og·Cg/(dO·dI)). */
function factorLength(fac: Winograd5Factors, G: number, Og: number, Cg: number): number {
  const q = fac.gathered;
  return q === undefined ? G * Og * Cg * fac.prof.nU : ((G * Og * Cg) / (fac.dO * fac.dI)) * q.K;
}

/** Whether gathered factors (if any) suit the WASM kernels (float32 matrices, one group is checked there). */
function gatheredF32(fac: Winograd5Factors): boolean {
  return fac.gathered === undefined || f32(fac.gathered.mats);
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link winogradConv3x3} (overwrites gw); when
 * `gb` ([G·Og]) is given, also overwrites it with the bias gradient Σ gy over images and positions
 * (fused into the pass over gy in WASM).
 */
export const winogradWeightGrad3x3 = kernel({
  name: "winogradWeightGrad3x3",
  ref: winogradWeightGrad3x3Ref,
  wasm: winogradWeightGradWasm,
  exports: WINOGRAD_EXPORTS,
  threshold: "gemm",
  work: (x, gy, gw, { N, G, Cg, Og, oh, ow }, gb = null) =>
    f32(x) && f32(gy) && f32(gw) && f32OrNull(gb) ? N * G * Og * Cg * oh * ow : -1,
});

/**
 * The backward of {@link winogradConv3x3} in one pass (gy transformed once for the weight and the
 * input gradient, the bias gradient summed on the way): overwrites each of gx [N, G·Cg, H, W],
 * gw [G·Og, Cg, 3, 3], gb [G·Og] that is not null. Returns false, computing nothing, where it does
 * not run (not all float32, no WASM, or a module without the kernel); the caller then uses the
 * separate maps (the input gradient as a convolution with the flipped kernel, {@link winogradWeightGrad3x3}).
 */
export const winogradBackward3x3 = fastPath({
  name: "winogradBackward3x3",
  ref: winogradBackward3x3Ref,
  wasm: winogradBackwardWasm,
  exports: [...WINOGRAD_EXPORTS, "wgInputAdjF32"],
  threshold: "gemm",
  team: true,
  work: (x, w, gy, gx, gw, gb, { N, G, Cg, Og, oh, ow }) =>
    f32(x) && f32(w) && f32(gy) && f32OrNull(gx) && f32OrNull(gw) && f32OrNull(gb) ? N * G * Og * Cg * oh * ow : -1,
});

/**
 * Checks a stride-1 geometry before any WASM call: the output fits the padded input (the padding
 * after each axis is not negative) and every array holds at least what the geometry says.
 */
function checkStride1(op: string, g: Stride1Geometry, arrays: [string, FloatArray | null, number][]): void {
  const { H, W, kh, kw, dh, dw, ph, pw, oh, ow } = g;
  const hp = oh + dh * (kh - 1);
  const wp = ow + dw * (kw - 1);
  if (oh < 1 || ow < 1 || ph < 0 || pw < 0 || hp < H + ph || wp < W + pw) {
    throw new Error(
      `${op}: argument 'geom' expected an output of at least 1×1 inside the zero-padded input, got ${oh}×${ow} from ${H}×${W} with padding (${ph}, ${pw}), kernel ${kh}×${kw}, dilation (${dh}, ${dw})`,
    );
  }
  for (const [name, a, n] of arrays) {
    if (a !== null && a.length < n)
      throw new Error(`${op}: argument '${name}' expected at least ${n} elements for the geometry, got ${a.length}`);
  }
}

const CONV_STRIDE1_EXPORTS = [
  "convPadPlanesF32",
  "convPackBF32",
  "convPackBTF32",
  "convUnpadRowsF32",
  "gemmRows",
  "wgZero",
];

/**
 * y = conv2d(x, w) + b for a stride-1 2-D convolution in float32 WASM without an im2col matrix (the
 * B panels of one GEMM per block of output rows are packed straight from zero-padded input planes):
 * x [N, G·Cg, H, W], w [G·Og, Cg, kh, kw], y [N, G·Og, oh, ow] (overwritten in full), `b` may be null.
 * Returns false, computing nothing, where it does not run (not all float32, no WASM, a module
 * without the kernels); the caller then uses its im2col path. Large calls split over the kernel team
 * by (image, group), with one thread's bits. Reference twin: convStride1Ref.
 */
export const convStride1 = fastPath({
  name: "convStride1",
  ref: convStride1Ref,
  wasm: convStride1Wasm,
  exports: CONV_STRIDE1_EXPORTS,
  threshold: "gemm",
  team: true,
  check: (x, w, b, y, geom) => {
    const { N, G, Cg, Og, kh, kw, oh, ow } = geom;
    checkStride1("convStride1", geom, [
      ["x", x, N * G * Cg * geom.H * geom.W],
      ["w", w, G * Og * Cg * kh * kw],
      ["y", y, N * G * Og * oh * ow],
      ["b", b, G * Og],
    ]);
  },
  work: (x, w, b, y, { N, G, Cg, Og, kh, kw, oh, ow }) =>
    f32(x) && f32(w) && f32(y) && f32OrNull(b) ? N * G * Og * Cg * kh * kw * oh * ow : -1,
});

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the stride-1 convolutions of {@link convStride1} (gw [G·Og, Cg, kh,
 * kw] overwritten), float32 WASM without an im2col matrix. Returns false, computing nothing, where it
 * does not run; the caller then uses its im2col path. Large calls split over the kernel team by output
 * channels, with one thread's bits.
 */
export const convStride1WeightGrad = fastPath({
  name: "convStride1WeightGrad",
  ref: convStride1WeightGradRef,
  wasm: convStride1WeightGradWasm,
  exports: CONV_STRIDE1_EXPORTS,
  threshold: "gemm",
  team: true,
  check: (x, gy, gw, geom) => {
    const { N, G, Cg, Og, kh, kw, oh, ow } = geom;
    checkStride1("convStride1WeightGrad", geom, [
      ["x", x, N * G * Cg * geom.H * geom.W],
      ["gy", gy, N * G * Og * oh * ow],
      ["gw", gw, G * Og * Cg * kh * kw],
    ]);
  },
  work: (x, gy, gw, { N, G, Cg, Og, kh, kw, oh, ow }) =>
    f32(x) && f32(gy) && f32(gw) ? N * G * Og * Cg * kh * kw * oh * ow : -1,
});

const DEPTHWISE_EXPORTS = ["dwForwardF32", "dwInputGradF32", "dwWeightGradF32"];

/**
 * y = conv(x, w) + b for a depthwise 1-D/2-D convolution (one channel per group, any stride, padding
 * and dilation; see `depthwiseApplies`): x [N, C, H, W], w [C, 1, kh, kw], y [N, C, oh, ow]
 * (overwritten), `b` may be null. float32 runs in WASM, split over the kernel team by channels, with
 * the reference's float64 sums in its order: the same bits as `depthwiseForwardRef`.
 */
export const depthwiseForward = kernel({
  name: "depthwiseForward",
  team: true,
  ref: depthwiseForwardRef,
  wasm: depthwiseForwardWasm,
  exports: DEPTHWISE_EXPORTS,
  threshold: "gemm",
  work: (x, w, b, y, g) => (f32(x) && f32(w) && f32OrNull(b) && f32(y) ? depthwiseWork(g) : -1),
});

/**
 * gx = ∂⟨gy, conv(x, w)⟩/∂x for the convolutions of {@link depthwiseForward} (gx [N, C, H, W]
 * overwritten); float32 in WASM with the bits of `depthwiseInputGradRef`.
 */
export const depthwiseInputGrad = kernel({
  name: "depthwiseInputGrad",
  team: true,
  ref: depthwiseInputGradRef,
  wasm: depthwiseInputGradWasm,
  exports: DEPTHWISE_EXPORTS,
  threshold: "gemm",
  work: (gy, w, gx, g) => (f32(gy) && f32(w) && f32(gx) ? depthwiseWork(g) : -1),
});

/**
 * gw = ∂⟨gy, conv(x, w)⟩/∂w for the convolutions of {@link depthwiseForward} (gw [C, 1, kh, kw]
 * overwritten); float32 in WASM with the bits of `depthwiseWeightGradRef`.
 */
export const depthwiseWeightGrad = kernel({
  name: "depthwiseWeightGrad",
  team: true,
  ref: depthwiseWeightGradRef,
  wasm: depthwiseWeightGradWasm,
  exports: DEPTHWISE_EXPORTS,
  threshold: "gemm",
  work: (x, gy, gw, g) => (f32(x) && f32(gy) && f32(gw) ? depthwiseWork(g) : -1),
});
