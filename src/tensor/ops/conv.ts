/**
 * Convolutions on regular grids (the "Grids" of Geometric Deep Learning), modelled on
 * `torch.nn.functional`: {@link conv1d}, {@link conv2d}, {@link conv3d} and
 * {@link convTranspose1d}/{@link convTranspose2d}/{@link convTranspose3d}, with their autograd.
 *
 * Inputs are `[N, C, *spatial]` (or unbatched `[C, *spatial]`). The three maps (forward,
 * input-gradient, weight-gradient) run on typed arrays in `kernels/conv.ts` (im2col + GEMM, Winograd,
 * stride-1 paths) and are recorded ops whose backward functions are each other, so every one of them
 * is differentiable and `convTranspose*` is the input-gradient map with a bias. A convolution and a
 * transposed convolution check their arguments with one function ({@link convArgs}).
 */
import {
  type ConvAlloc,
  convBackwardWinograd,
  convForward,
  convInputGrad,
  convWeightBiasGradWinograd,
  convWeightGrad,
  factoredConv,
  winogradApplies,
} from "../../kernels/conv.js";
import { type ConvGeometry, convGeometry } from "../../kernels/ref/im2col.js";
import type { FloatArray } from "../../kernels/ref/linalg.js";
import { type Winograd5Factors, type Winograd5Profiles, winograd5Profiles } from "../../kernels/ref/winograd5.js";
import { freshGrad, record } from "../autograd.js";
import { allocate, allocateEmpty, type DType, type FloatDType } from "../dtype.js";
import { check, fmtShape, opError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { batched, checkFloat, type IntOrTuple, tupleArg } from "./grid.js";
import { gatheredGrad, gatheredMatmul, gatheredParts, matmul } from "./linalg.js";
import { sum } from "./reduce.js";
import { expand, pad, permute, transpose } from "./shape.js";

/** Convolution padding: per-axis sizes, `'same'` (stride 1; output size = input size) or `'valid'` (none). */
export type ConvPadding = IntOrTuple | "same" | "valid";

/** How a convolution fills the border: zeros, or by wrapping, mirroring or repeating the edge. */
export type PaddingMode = "zeros" | "circular" | "reflect" | "replicate";

/** Options of {@link conv1d}, {@link conv2d}, {@link conv3d}. */
export interface ConvOptions {
  /** Step between output positions (default 1). */
  stride?: IntOrTuple;
  /** Border added on both sides of each spatial axis, `'same'` or `'valid'` (default 0). */
  padding?: ConvPadding;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
  /** Channel groups: input and output channels split into `groups` independent blocks (default 1). */
  groups?: number;
  /** How the padding is filled (default `'zeros'`); the other modes pad the input explicitly first. */
  paddingMode?: PaddingMode;
}

/** Options of {@link convTranspose1d}, {@link convTranspose2d}, {@link convTranspose3d}. */
export interface ConvTransposeOptions {
  /** Stride of the convolution this transposes (default 1). */
  stride?: IntOrTuple;
  /** Padding of the convolution this transposes: cropped from both sides of the output (default 0). */
  padding?: IntOrTuple;
  /** Extra size added to one side of the output, smaller than the stride or the dilation (default 0). */
  outputPadding?: IntOrTuple;
  /** Channel groups (default 1). */
  groups?: number;
  /** Kernel dilation (default 1). */
  dilation?: IntOrTuple;
}

// ---------------------------------------------------------------------------------------------
// recorded maps

/** A convolution's geometry (`kernels/conv.ts`) with the op's name and the tensor shapes. */
interface ConvGeom extends ConvGeometry {
  op: string;
  xShape: number[];
  yShape: number[];
  wShape: number[];
}

function makeGeom(
  op: string,
  N: number,
  Cin: number,
  Cout: number,
  G: number,
  inS: number[],
  outS: number[],
  k: number[],
  s: number[],
  p: number[],
  d: number[],
): ConvGeom {
  return {
    ...convGeometry(N, Cin, Cout, G, inS, outS, k, s, p, d),
    op,
    xShape: [N, Cin, ...inS],
    yShape: [N, Cout, ...outS],
    wShape: [Cout, Cin / G, ...k],
  };
}

/** The op's allocation of kernel outputs of `dtype` (size-checked; errors name the op). */
function outputs(op: string, dtype: DType): ConvAlloc {
  return (size, zeroed) =>
    (zeroed ? allocate(dtype, size, op) : allocateEmpty(dtype as FloatDType, size)) as FloatArray;
}

function spatialAxes(ndim: number): number[] {
  const a = [0];
  for (let i = 2; i < ndim; i++) a.push(i);
  return a;
}

/** Recorded y = conv(x, w) + b. */
function convOp(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeom): Tensor {
  const f64 = x.dtype === "float64";
  const y = new Tensor(
    convForward(
      x.data as FloatArray,
      w.data as FloatArray,
      b === null ? null : (b.data as FloatArray),
      g,
      outputs(g.op, x.dtype),
    ),
    g.yShape,
    x.dtype,
  );
  const inputs = b === null ? [x, w] : [x, w, b];
  return record(g.op, inputs, y, (gy) => {
    if (!f64 && winogradApplies(g) && (x.requiresGrad || w.requiresGrad)) {
      const shared = convBackwardWinogradOps(x, w, b, gy, g);
      if (shared !== null) return shared;
    }
    // a freshly allocated input gradient (the convolution kernels never return a view of gy): the
    // backward pass may reuse it (see freshGrad)
    const gx = x.requiresGrad ? freshGrad(convInputGradOp(gy, w, null, g)) : null;
    if (w.requiresGrad && b?.requiresGrad && !f64 && winogradApplies(g)) {
      const [gw, gb] = convWeightBiasGradWinograd(
        x.data as Float32Array,
        gy.data as Float32Array,
        g,
        outputs(g.op, x.dtype),
      );
      return [gx, weightGradTensor(x, gy, g, gw), biasGradTensor(gy, g, gb)];
    }
    return [
      gx,
      w.requiresGrad ? convWeightGradOp(x, gy, g) : null,
      b?.requiresGrad ? sum(gy, spatialAxes(gy.ndim)) : null,
    ];
  });
}

/**
 * The gradients of a float32 Winograd conv from one shared pass, each recorded like the separate maps
 * ({@link convInputGradOp}, {@link convWeightGradOp}, the bias sum); null where the shared kernel does
 * not run.
 */
function convBackwardWinogradOps(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  gy: Tensor,
  g: ConvGeom,
): (Tensor | null)[] | null {
  const want = { x: x.requiresGrad, w: w.requiresGrad, b: b?.requiresGrad === true };
  const r = convBackwardWinograd(
    x.data as Float32Array,
    w.data as Float32Array,
    gy.data as Float32Array,
    g,
    want,
    outputs(g.op, x.dtype),
  );
  if (r === null) return null;
  return [
    r.gx === null ? null : freshGrad(inputGradTensor(gy, w, null, g, r.gx)),
    r.gw === null ? null : weightGradTensor(x, gy, g, r.gw),
    r.gb === null ? null : biasGradTensor(gy, g, r.gb),
  ];
}

/** Recorded gx = convᵀ(gy, w) + b from its data; the backward maps are the forward and the weight gradient. */
function inputGradTensor(gy: Tensor, w: Tensor, b: Tensor | null, g: ConvGeom, data: FloatArray): Tensor {
  const inputs = b === null ? [gy, w] : [gy, w, b];
  return record(`${g.op}InputGrad`, inputs, new Tensor(data, g.xShape, gy.dtype), (h) => [
    gy.requiresGrad ? convOp(h, w, null, g) : null,
    w.requiresGrad ? convWeightGradOp(h, gy, g) : null,
    b?.requiresGrad ? sum(h, spatialAxes(h.ndim)) : null,
  ]);
}

/** Recorded gw = ∂⟨gy, conv(x, w)⟩/∂w from its data; the backward maps are the input gradient and the forward. */
function weightGradTensor(x: Tensor, gy: Tensor, g: ConvGeom, data: FloatArray): Tensor {
  return record(`${g.op}WeightGrad`, [x, gy], new Tensor(data, g.wShape, x.dtype), (v) => [
    x.requiresGrad ? convInputGradOp(gy, v, null, g) : null,
    gy.requiresGrad ? convOp(x, v, null, g) : null,
  ]);
}

/** Recorded gb = Σ gy over images and positions from its data (as `sum`). */
function biasGradTensor(gy: Tensor, g: ConvGeom, data: FloatArray): Tensor {
  const bShape = gy.shape.map((d, i) => (i === 1 ? d : 1));
  return record("sum", [gy], new Tensor(data, [g.Cout], gy.dtype), (h) => [expand(h.reshape(bShape), gy.shape)]);
}

/** Recorded gx = convᵀ(gy, w) + b (transposed convolution). */
function convInputGradOp(gy: Tensor, w: Tensor, b: Tensor | null, g: ConvGeom): Tensor {
  const data = convInputGrad(
    gy.data as FloatArray,
    w.data as FloatArray,
    b === null ? null : (b.data as FloatArray),
    g,
    outputs(g.op, gy.dtype),
  );
  return inputGradTensor(gy, w, b, g, data);
}

/** Recorded gw = ∂⟨gy, conv(x, w)⟩/∂w. */
function convWeightGradOp(x: Tensor, gy: Tensor, g: ConvGeom): Tensor {
  const data = convWeightGrad(x.data as FloatArray, gy.data as FloatArray, g, outputs(g.op, x.dtype));
  return weightGradTensor(x, gy, g, data);
}

// ---------------------------------------------------------------------------------------------
// public convolutions

/** The arguments of a convolution or a transposed convolution after {@link convArgs}. */
interface ConvArgs {
  x: Tensor;
  unbatched: boolean;
  N: number;
  Cin: number;
  Cout: number;
  groups: number;
  stride: number[];
  dilation: number[];
  k: number[];
}

/** The shape and dtype of a filter that {@link conv2dFactored} never forms. */
interface FactoredWeight {
  shape: readonly number[];
  dtype: DType;
  factored: true;
}

/**
 * The checks a convolution and a transposed convolution share: the input (batched or not, float),
 * the weight ([Cout, Cin/groups, *k], or [Cin, Cout/groups, *k] when `transposed`) and bias, the
 * groups and the channel counts, stride and dilation.
 */
function convArgs(
  op: string,
  D: number,
  input: Tensor,
  weight: Tensor | FactoredWeight,
  bias: Tensor | null | undefined,
  opts: { groups?: number; stride?: IntOrTuple; dilation?: IntOrTuple },
  transposed: boolean,
): ConvArgs {
  const { x, unbatched } = batched(op, input, D);
  checkFloat(op, "input", x);
  if (!(weight instanceof Tensor) && (weight as Partial<FactoredWeight>).factored !== true)
    opError(op, "weight", "a Tensor", typeof weight);
  const wDims = weight.shape.length;
  const wDesc = transposed
    ? `[Cin, Cout/groups, ${D === 1 ? "kL" : D === 2 ? "kH, kW" : "kD, kH, kW"}]`
    : `[Cout, Cin/groups, ${D === 1 ? "kL" : D === 2 ? "kH, kW" : "kD, kH, kW"}]`;
  check(wDims === D + 2, op, "weight", `${D + 2}-D ${wDesc}`, `shape ${fmtShape(weight.shape)}`);
  check(weight.dtype === x.dtype, op, "weight", `dtype ${x.dtype} (the dtype of 'input')`, weight.dtype);
  for (let i = 2; i < wDims; i++)
    check(weight.shape[i]! > 0, op, "weight", "a non-empty kernel", `shape ${fmtShape(weight.shape)}`);
  if (bias !== null && bias !== undefined) {
    if (!(bias instanceof Tensor)) opError(op, "bias", "a Tensor or null", typeof bias);
    check(bias.dtype === x.dtype, op, "bias", `dtype ${x.dtype} (the dtype of 'input')`, bias.dtype);
  }
  const groups = opts.groups ?? 1;
  check(Number.isInteger(groups) && groups >= 1, op, "groups", "a positive integer", String(groups));
  const [N, Cin] = x.shape as [number, number];
  let Cout: number;
  if (!transposed) {
    Cout = weight.shape[0]!;
    const CinG = weight.shape[1]!;
    check(
      Cout % groups === 0,
      op,
      "weight",
      `out channels (weight.shape[0]) divisible by groups = ${groups}`,
      `${Cout} (shape ${fmtShape(weight.shape)})`,
    );
    check(
      Cin === CinG * groups,
      op,
      "input",
      `${CinG * groups} channels (weight.shape[1] = ${CinG} times groups = ${groups})`,
      `${Cin} (shape ${fmtShape(input.shape)})`,
    );
  } else {
    check(
      weight.shape[0] === Cin,
      op,
      "input",
      `${weight.shape[0]} channels (weight.shape[0])`,
      `${Cin} (shape ${fmtShape(input.shape)})`,
    );
    check(Cin % groups === 0, op, "input", `channels divisible by groups = ${groups}`, String(Cin));
    Cout = weight.shape[1]! * groups;
  }
  if (bias !== null && bias !== undefined)
    check(bias.ndim === 1 && bias.shape[0] === Cout, op, "bias", `shape [${Cout}]`, fmtShape(bias.shape));
  const stride = tupleArg(op, "stride", opts.stride, D, 1, 1);
  const dilation = tupleArg(op, "dilation", opts.dilation, D, 1, 1);
  return { x, unbatched, N, Cin, Cout, groups, stride, dilation, k: weight.shape.slice(2) };
}

function convNd(
  op: string,
  D: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  opts: ConvOptions,
): Tensor {
  const { x, g, unbatched } = convSetup(op, D, convArgs(op, D, input, weight, bias, opts, false), opts);
  const y = convOp(x, weight, bias ?? null, g);
  return unbatched ? y.reshape(y.shape.slice(1)) : y;
}

/**
 * The padding of a convolution after {@link convArgs}: the input (padded explicitly for the
 * non-zero padding modes) and the geometry of the maps.
 */
function convSetup(
  op: string,
  D: number,
  a: ConvArgs,
  opts: ConvOptions,
): { x: Tensor; g: ConvGeom; unbatched: boolean } {
  const { x: x0, unbatched, N, Cin, Cout, groups, stride, dilation, k } = a;
  let x = x0;
  let padL: number[];
  let padR: number[];
  const padding = opts.padding ?? 0;
  if (padding === "valid") {
    padL = new Array<number>(D).fill(0);
    padR = padL.slice();
  } else if (padding === "same") {
    check(
      stride.every((s) => s === 1),
      op,
      "padding",
      "stride 1 for padding 'same'",
      `'same' with stride [${stride.join(", ")}]`,
    );
    padL = [];
    padR = [];
    for (let i = 0; i < D; i++) {
      const total = dilation[i]! * (k[i]! - 1);
      padL.push(Math.floor(total / 2));
      padR.push(total - Math.floor(total / 2));
    }
  } else if (typeof padding === "string") {
    return opError(op, "padding", "an integer, a tuple, 'same' or 'valid'", `'${padding}'`);
  } else {
    padL = tupleArg(op, "padding", padding, D, 0, 0);
    padR = padL.slice();
  }
  const mode = opts.paddingMode ?? "zeros";
  if (mode !== "zeros" && mode !== "circular" && mode !== "reflect" && mode !== "replicate") {
    opError(op, "paddingMode", "'zeros', 'circular', 'reflect' or 'replicate'", String(mode));
  }
  const inS = x.shape.slice(2);
  if (mode !== "zeros" && (padL.some((p) => p > 0) || padR.some((p) => p > 0))) {
    const pads: number[] = [];
    for (let i = D - 1; i >= 0; i--) pads.push(padL[i]!, padR[i]!);
    for (let i = 0; i < D; i++) {
      const lim = mode === "reflect" ? inS[i]! - 1 : mode === "circular" ? inS[i]! : Number.POSITIVE_INFINITY;
      check(
        padL[i]! <= lim && padR[i]! <= lim,
        op,
        "padding",
        `padding at most ${lim} on spatial axis ${i} for paddingMode '${mode}' (input size ${inS[i]})`,
        `[${padL[i]}, ${padR[i]}]`,
      );
    }
    x = pad(x, pads, mode);
    padL = new Array<number>(D).fill(0);
    padR = padL.slice();
  }
  const S = x.shape.slice(2);
  const outS: number[] = [];
  for (let i = 0; i < D; i++) {
    const eff = dilation[i]! * (k[i]! - 1) + 1;
    const padded = S[i]! + padL[i]! + padR[i]!;
    if (eff > padded) {
      const ks = k.join("×");
      const ss = inS.join("×");
      opError(
        op,
        "weight",
        `a kernel (${ks}, dilation [${dilation.join(", ")}]) no larger than the padded input (${ss} plus padding [${padL.join(", ")}] / [${padR.join(", ")}])`,
        `effective size ${eff} > ${padded} on spatial axis ${i}`,
      );
    }
    outS.push(Math.floor((padded - eff) / stride[i]!) + 1);
  }
  return { x, g: makeGeom(op, N, Cin, Cout, groups, S, outS, k, stride, padL, dilation), unbatched };
}

/**
 * 1-D convolution (cross-correlation, as in PyTorch) of `input` [N, Cin, L] with `weight`
 * [Cout, Cin/groups, kL] plus an optional `bias` [Cout]. See {@link ConvOptions}.
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd("conv1d", 1, input, weight, bias, opts);
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of `input` [N, Cin, H, W] with `weight`
 * [Cout, Cin/groups, kH, kW] plus an optional `bias` [Cout]. Output [N, Cout, H', W'] with
 * H' = ⌊(H + 2·pad − dilation·(kH − 1) − 1) / stride⌋ + 1.
 *
 * ```ts
 * const y = conv2d(x, w, b, { padding: 1 });                          // 3×3 "same" conv
 * const z = conv2d(x, w, null, { padding: 1, paddingMode: "circular" }); // exactly translation equivariant
 * ```
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd("conv2d", 2, input, weight, bias, opts);
}

/** Options of {@link conv2dFactored}: those of {@link conv2d}, and how the factors are laid out. */
export interface ConvFactoredOptions extends ConvOptions {
  /**
   * [dOut, dIn] (groups = 1): the filter's channels come in blocks of dOut output × dIn input channels (a
   * steerable layer's pairs of fields), and each row of `coef` lists its kernels block by block: output
   * block, input block, then the dOut·dIn kernels of the block row by row. Default [1, 1]: the filter's
   * own (out, in) order.
   */
  blocks?: [number, number];
}

/**
 * The rows of {@link conv2dFactored}'s `coef` given as products of gathered columns: coef =
 * `gatheredMatmul(source, indices, mats)` read as [U, Cout·Cin] (R = Cout·Cin/(dOut·dIn) blocks of
 * kernels, each part's N = dOut·dIn columns one block, in the order of `blocks`), differentiable in
 * `source`. Where the fused path runs the rows are formed where the kernels run, not as a tensor.
 */
export interface GatheredFactorRows {
  source: Tensor;
  indices: readonly Tensor[];
  mats: readonly Tensor[];
}

/**
 * 2-D convolution with a filter given in factored form: kernel (o, i) = Σ_u coef[u, (o, i)]·profiles[u]
 * for `coef` [U, Cout·Cin/groups] (one row per profile, kernels in the filter's (out, in) order or by
 * {@link ConvFactoredOptions.blocks}; or {@link GatheredFactorRows}) and fixed `profiles` [U, k·k] (no
 * gradient; read once per tensor and version): the convolution with that filter, as `conv2d`. This is
 * how a steerable convolution's filter is built from its basis (see `R2Conv`). Where float32 Winograd
 * F(4×4, 5×5) takes the convolution in WASM, the filter is never formed: the transformed kernels come
 * from `coef` and the profiles' transforms, and the backward gives `coef`'s gradient from the Winograd
 * sums (the same numbers up to float32 rounding). Elsewhere it forms the filter and calls `conv2d`.
 *
 * ```ts
 * // the same as conv2d(x, matmul(transpose(coef, 0, 1), profiles).reshape([Cout, Cin, 5, 5]), bias, { padding: 2 })
 * const y = conv2dFactored(x, coef, profiles, bias, { padding: 2 });
 * ```
 */
export function conv2dFactored(
  input: Tensor,
  coef: Tensor | GatheredFactorRows,
  profiles: Tensor,
  bias?: Tensor | null,
  opts: ConvFactoredOptions = {},
): Tensor {
  const op = "conv2dFactored";
  const gathered = coef instanceof Tensor ? null : coef;
  if (gathered !== null && !(typeof gathered === "object" && gathered?.source instanceof Tensor))
    opError(op, "coef", "a Tensor or { source, indices, mats }", typeof coef);
  if (!(profiles instanceof Tensor)) opError(op, "profiles", "a Tensor", typeof profiles);
  check(profiles.ndim === 2, op, "profiles", "2-D [U, k·k]", `shape ${fmtShape(profiles.shape)}`);
  const [U, kk] = profiles.shape as [number, number];
  const k = Math.round(Math.sqrt(kk));
  check(
    k >= 1 && k * k === kk,
    op,
    "profiles",
    "rows of k·k taps (a square kernel)",
    `shape ${fmtShape(profiles.shape)}`,
  );
  check(!profiles.requiresGrad, op, "profiles", "a constant (no gradient)", "a tensor that requires grad");
  const parts = gathered === null ? null : gatheredParts(op, gathered.source, gathered.indices, gathered.mats);
  const coefShape = parts === null ? (coef as Tensor).shape : [parts.U, parts.R * parts.N];
  const coefDtype = parts === null ? (coef as Tensor).dtype : parts.dtype;
  check(coefDtype === profiles.dtype, op, "coef", `dtype ${profiles.dtype} (the dtype of 'profiles')`, coefDtype);
  const groups = opts.groups ?? 1;
  const cin = input.ndim >= 3 ? input.shape[input.ndim - 3]! : 0;
  const Ig = Number.isInteger(groups) && groups >= 1 ? cin / groups : Number.NaN;
  check(
    coefShape.length === 2 && coefShape[0] === U && Ig > 0 && coefShape[1]! % Ig === 0,
    op,
    "coef",
    `[${U}, Cout·Cin/groups] (Cin/groups = ${Ig} from 'input' ${fmtShape(input.shape)})`,
    `shape ${fmtShape(coefShape)}`,
  );
  const Cout = coefShape[1]! / Ig;
  const [dO, dI] = opts.blocks ?? [1, 1];
  check(
    Number.isInteger(dO) && Number.isInteger(dI) && dO >= 1 && dI >= 1 && Cout % dO === 0 && Ig % dI === 0,
    op,
    "blocks",
    `[dOut, dIn] dividing ${Cout} output and ${Ig} input channels`,
    `[${dO}, ${dI}]`,
  );
  if (parts !== null)
    check(parts.N === dO * dI, op, "coef", `matrices of ${dO * dI} columns (one block of kernels)`, `${parts.N}`);
  const blocked = dO > 1 || dI > 1;
  check(!blocked || groups === 1, op, "blocks", "[1, 1] with groups > 1", `[${dO}, ${dI}] with groups = ${groups}`);
  const wShape = [Cout, Ig, k, k];
  // the rows of coef as a tensor (gathered rows formed), then in the filter's (out, in) order
  const rows = (): Tensor =>
    gathered === null
      ? (coef as Tensor)
      : gatheredMatmul(gathered.source, gathered.indices, gathered.mats).reshape(coefShape);
  const planes = (): Tensor =>
    blocked
      ? permute(rows().reshape([U, Cout / dO, Ig / dI, dO, dI]), [0, 1, 3, 2, 4]).reshape([U, Cout * Ig])
      : rows();
  const filter = (): Tensor => matmul(transpose(planes(), 0, 1), profiles).reshape(wShape);
  const prof = k === 5 && coefDtype === "float32" && (parts === null || groups === 1) ? profilesOf(profiles) : null;
  if (prof === null) return conv2d(input, filter(), bias, opts);
  const a = convArgs(op, 2, input, { shape: wShape, dtype: coefDtype, factored: true }, bias, opts, false);
  const { x, g, unbatched } = convSetup(op, 2, a, opts);
  const b = bias ?? null;
  const alloc = outputs(op, x.dtype);
  const fac: Winograd5Factors =
    parts === null
      ? { prof, dO, dI }
      : { prof, dO, dI, gathered: { ids: parts.ids, offs: parts.offs, mats: parts.stacked, K: parts.K } };
  // the factors' source: coef, or the gathered rows' source
  const src = gathered === null ? (coef as Tensor) : gathered.source;
  const yd = factoredConv.forward(
    x.data as FloatArray,
    src.data as FloatArray,
    fac,
    b === null ? null : (b.data as FloatArray),
    g,
    alloc,
  );
  if (yd === null) return conv2d(input, filter(), bias, opts);
  const inputs = b === null ? [x, src] : [x, src, b];
  const y = record(op, inputs, new Tensor(yd, g.yShape, x.dtype), (gy) => {
    let gx: Tensor | null = null;
    if (x.requiresGrad) {
      const d = factoredConv.inputGrad(gy.data as FloatArray, src.data as FloatArray, fac, g, alloc);
      gx = freshGrad(d === null ? convInputGradOp(gy, filter(), null, g) : new Tensor(d, g.xShape, x.dtype));
    }
    let gc: Tensor | null = null;
    if (src.requiresGrad) {
      const d = factoredConv.factorGrad(x.data as FloatArray, gy.data as FloatArray, fac, g, alloc);
      if (d !== null) gc = new Tensor(d, src.shape, x.dtype);
      else {
        // [U, Cout·Ig] in the filter's order, then in coef's, then (gathered) the source's
        const gp = matmul(profiles, transpose(convWeightGradOp(x, gy, g).reshape([Cout * Ig, kk]), 0, 1));
        const gr = blocked ? permute(gp.reshape([U, Cout / dO, dO, Ig / dI, dI]), [0, 1, 3, 2, 4]) : gp;
        gc =
          parts === null
            ? gr.reshape(coefShape)
            : new Tensor(gatheredGrad(gr.data as FloatArray, parts), src.shape, x.dtype);
      }
    }
    return [gx, gc, b?.requiresGrad ? sum(gy, spatialAxes(gy.ndim)) : null];
  });
  return unbatched ? y.reshape(y.shape.slice(1)) : y;
}

/** The F(4×4, 5×5) transforms of 5×5 profiles, per tensor (recomputed when its version changes). */
const profileCache = new WeakMap<Tensor, { version: number; prof: Winograd5Profiles }>();

function profilesOf(profiles: Tensor): Winograd5Profiles | null {
  const U = profiles.shape[0]!;
  if (U < 1 || U > 128) return null;
  const c = profileCache.get(profiles);
  if (c !== undefined && c.version === profiles.version) return c.prof;
  const prof = winograd5Profiles(profiles.data as Float32Array, U);
  profileCache.set(profiles, { version: profiles.version, prof });
  return prof;
}

/** 3-D convolution of `input` [N, Cin, D, H, W] with `weight` [Cout, Cin/groups, kD, kH, kW]. */
export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd("conv3d", 3, input, weight, bias, opts);
}

function convTransposeNd(
  op: string,
  D: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  opts: ConvTransposeOptions,
): Tensor {
  const { x, unbatched, N, Cin, Cout, groups, stride, dilation, k } = convArgs(op, D, input, weight, bias, opts, true);
  const padding = tupleArg(op, "padding", opts.padding, D, 0, 0);
  const outPad = tupleArg(op, "outputPadding", opts.outputPadding, D, 0, 0);
  const inS = x.shape.slice(2);
  const outS: number[] = [];
  for (let i = 0; i < D; i++) {
    check(
      outPad[i]! < stride[i]! || outPad[i]! < dilation[i]!,
      op,
      "outputPadding",
      `values smaller than the stride or the dilation (stride ${stride[i]}, dilation ${dilation[i]})`,
      `[${outPad.join(", ")}]`,
    );
    const o = (inS[i]! - 1) * stride[i]! - 2 * padding[i]! + dilation[i]! * (k[i]! - 1) + outPad[i]! + 1;
    if (o <= 0)
      opError(
        op,
        "padding",
        `padding small enough for a non-empty output on spatial axis ${i}`,
        `[${padding.join(", ")}] (output size ${o})`,
      );
    outS.push(o);
  }
  // the convolution this transposes maps [N, Cout, *outS] to [N, Cin, *inS] with weight [Cin, Cout/G, *k]
  const g = makeGeom(op, N, Cout, Cin, groups, outS, inS, k, stride, padding, dilation);
  const y = convInputGradOp(x, weight, bias ?? null, g);
  return unbatched ? y.reshape(y.shape.slice(1)) : y;
}

/** 1-D transposed convolution of `input` [N, Cin, L] with `weight` [Cin, Cout/groups, kL]. */
export function convTranspose1d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTransposeOptions = {},
): Tensor {
  return convTransposeNd("convTranspose1d", 1, input, weight, bias, opts);
}

/**
 * 2-D transposed convolution ("deconvolution", the gradient of {@link conv2d} with respect to its
 * input) of `input` [N, Cin, H, W] with `weight` [Cin, Cout/groups, kH, kW]. Output size
 * (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1.
 */
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTransposeOptions = {},
): Tensor {
  return convTransposeNd("convTranspose2d", 2, input, weight, bias, opts);
}

/** 3-D transposed convolution of `input` [N, Cin, D, H, W] with `weight` [Cin, Cout/groups, kD, kH, kW]. */
export function convTranspose3d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTransposeOptions = {},
): Tensor {
  return convTransposeNd("convTranspose3d", 3, input, weight, bias, opts);
}

// ---------------------------------------------------------------------------------------------
// Tensor methods

declare module "../tensor.js" {
  interface Tensor {
    conv1d(weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor;
    conv2d(weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor;
    conv3d(weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor;
    convTranspose1d(weight: Tensor, bias?: Tensor | null, opts?: ConvTransposeOptions): Tensor;
    convTranspose2d(weight: Tensor, bias?: Tensor | null, opts?: ConvTransposeOptions): Tensor;
    convTranspose3d(weight: Tensor, bias?: Tensor | null, opts?: ConvTransposeOptions): Tensor;
  }
}

Tensor.prototype.conv1d = function (this: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions) {
  return conv1d(this, weight, bias, opts);
};
Tensor.prototype.conv2d = function (this: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions) {
  return conv2d(this, weight, bias, opts);
};
Tensor.prototype.conv3d = function (this: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions) {
  return conv3d(this, weight, bias, opts);
};
Tensor.prototype.convTranspose1d = function (
  this: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
) {
  return convTranspose1d(this, weight, bias, opts);
};
Tensor.prototype.convTranspose2d = function (
  this: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
) {
  return convTranspose2d(this, weight, bias, opts);
};
Tensor.prototype.convTranspose3d = function (
  this: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
) {
  return convTranspose3d(this, weight, bias, opts);
};
