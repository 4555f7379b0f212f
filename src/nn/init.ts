/**
 * Parameter initialisation (like `torch.nn.init`), in place on a tensor's storage, drawing from the
 * seeded generator (the default one unless `generator` is given). Each function returns its
 * tensor and bumps its `version`. Names follow PyTorch in camelCase (`kaiming_uniform_` is
 * {@link kaimingUniform}); {@link glorot} is PyG's name for Xavier-uniform.
 */
import { ErlangenError, fmtShape, opError } from "../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";

/** Nonlinearity names accepted by {@link calculateGain} (PyTorch's names, also in camelCase). */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leakyRelu"
  | "leaky_relu"
  | "selu";

/** Which fan {@link kaimingUniform}/{@link kaimingNormal} preserve. */
export type FanMode = "fanIn" | "fanOut" | "fan_in" | "fan_out";

/** The options shared by the random initialisers. */
export interface InitOptions {
  generator?: Generator;
}

function gen(opts?: InitOptions): Generator {
  return opts?.generator ?? getDefaultGenerator();
}

function touch(t: Tensor): Tensor {
  t.version++;
  return t;
}

function requireFloat(op: string, t: Tensor): void {
  if (t.dtype !== "float32" && t.dtype !== "float64") opError(op, "tensor", "a float32 or float64 tensor", t.dtype);
}

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): 1 for linear/conv/sigmoid,
 * 5/3 for tanh, √2 for relu, √(2/(1+slope²)) for leaky relu (slope `param`, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leakyRelu":
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      return opError(
        "calculateGain",
        "nonlinearity",
        "one of linear, conv1d/2d/3d, sigmoid, tanh, relu, leakyRelu, selu",
        String(nonlinearity),
      );
  }
}

/**
 * Fan-in and fan-out of a weight of shape `[out, in, ...kernel]` (PyTorch's convention: fan-in is
 * `in × kernel size`, fan-out is `out × kernel size`). Needs at least 2 axes.
 */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): { fanIn: number; fanOut: number } {
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as Tensor).shape;
  if (shape.length < 2) opError("calculateFanInAndFanOut", "tensor", "at least 2 axes", `shape ${fmtShape(shape)}`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function fanOf(op: string, t: Tensor, mode: FanMode): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  if (mode === "fanIn" || mode === "fan_in") return fanIn;
  if (mode === "fanOut" || mode === "fan_out") return fanOut;
  return opError(op, "mode", "'fanIn' or 'fanOut'", String(mode));
}

/** Fills with draws from U(a, b). */
export function uniform(t: Tensor, a = 0, b = 1, opts?: InitOptions): Tensor {
  requireFloat("init.uniform", t);
  const g = gen(opts);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = g.uniform(a, b);
  return touch(t);
}

/** Fills with draws from N(mean, std²). */
export function normal(t: Tensor, mean = 0, std = 1, opts?: InitOptions): Tensor {
  requireFloat("init.normal", t);
  const g = gen(opts);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = g.normal(mean, std);
  return touch(t);
}

/**
 * Fills with draws from N(mean, std²) redrawn until inside [a, b] (PyTorch's `trunc_normal_`
 * bounds are absolute values, default ±2).
 */
export function truncNormal(t: Tensor, mean = 0, std = 1, a = -2, b = 2, opts?: InitOptions): Tensor {
  requireFloat("init.truncNormal", t);
  if (!(b > a)) opError("init.truncNormal", "b", `a value > a (${a})`, String(b));
  const g = gen(opts);
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    let v = g.normal(mean, std);
    for (let tries = 0; (v < a || v > b) && tries < 1000; tries++) v = g.normal(mean, std);
    d[i] = Math.min(b, Math.max(a, v));
  }
  return touch(t);
}

/** Fills with `value`. */
export function constant(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return touch(t);
}

/** Fills with zeros. */
export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

/** Fills with ones. */
export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/** Sets a 2-D tensor to the identity (ones on the diagonal). */
export function eye(t: Tensor): Tensor {
  if (t.ndim !== 2) opError("init.eye", "tensor", "2 axes", `shape ${fmtShape(t.shape)}`);
  const [n, m] = t.shape as [number, number];
  t.data.fill(0);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return touch(t);
}

/** Xavier/Glorot uniform: U(−a, a) with a = gain·√(6/(fanIn+fanOut)). */
export function xavierUniform(t: Tensor, gain = 1, opts?: InitOptions): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -a, a, opts);
}

/** Xavier/Glorot normal: N(0, std²) with std = gain·√(2/(fanIn+fanOut)). */
export function xavierNormal(t: Tensor, gain = 1, opts?: InitOptions): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

/** PyG's `glorot`: Xavier-uniform with gain 1. */
export function glorot(t: Tensor, opts?: InitOptions): Tensor {
  return xavierUniform(t, 1, opts);
}

/** Options of the Kaiming (He) initialisers. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky relu that follows (default 0). */
  a?: number;
  /** Which fan to preserve (default `fanIn`). */
  mode?: FanMode;
  /** The nonlinearity that follows (default `leakyRelu`). */
  nonlinearity?: Nonlinearity;
}

/** Kaiming/He uniform: U(−b, b) with b = gain·√(3/fan), gain from `nonlinearity` and `a`. */
export function kaimingUniform(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const fan = fanOf("init.kaimingUniform", t, opts.mode ?? "fanIn");
  const gain = calculateGain(opts.nonlinearity ?? "leakyRelu", opts.a ?? 0);
  const bound = fan === 0 ? 0 : gain * Math.sqrt(3 / fan);
  return uniform(t, -bound, bound, opts);
}

/** Kaiming/He normal: N(0, std²) with std = gain/√fan. */
export function kaimingNormal(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const fan = fanOf("init.kaimingNormal", t, opts.mode ?? "fanIn");
  const gain = calculateGain(opts.nonlinearity ?? "leakyRelu", opts.a ?? 0);
  return normal(t, 0, fan === 0 ? 0 : gain / Math.sqrt(fan), opts);
}

/**
 * A (semi-)orthogonal matrix times `gain`: the tensor is viewed as `[shape[0], rest]`, filled from a
 * Gaussian and replaced by the Q factor of its QR decomposition (diagonal of R made positive).
 */
export function orthogonal(t: Tensor, gain = 1, opts?: InitOptions): Tensor {
  requireFloat("init.orthogonal", t);
  if (t.ndim < 2) opError("init.orthogonal", "tensor", "at least 2 axes", `shape ${fmtShape(t.shape)}`);
  const rows = t.shape[0]!;
  const cols = rows === 0 ? 0 : t.size / rows;
  if (t.size === 0) return touch(t);
  const g = gen(opts);
  // Work on an m×n matrix with m ≥ n (transpose the tall/wide case as PyTorch does).
  const transposed = rows < cols;
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  const A = new Float64Array(m * n);
  for (let i = 0; i < rows * cols; i++) A[i] = g.normal();
  // A is filled in the [rows, cols] layout; read column j of the m×n matrix accordingly.
  const get = (i: number, j: number) => (transposed ? A[j * cols + i]! : A[i * cols + j]!);
  const Q = new Float64Array(m * n); // column-major: column j at j*m
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) Q[j * m + i] = get(i, j);
  // Modified Gram–Schmidt (twice for stability): R has a positive diagonal, matching the sign fix.
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += Q[k * m + i]! * Q[j * m + i]!;
        for (let i = 0; i < m; i++) Q[j * m + i]! -= dot * Q[k * m + i]!;
      }
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += Q[j * m + i]! ** 2;
    nrm = Math.sqrt(nrm);
    if (nrm === 0) throw new ErlangenError("init.orthogonal: degenerate random draw (zero column); try another seed");
    for (let i = 0; i < m; i++) Q[j * m + i]! /= nrm;
  }
  const d = t.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = gain * Q[j * m + i]!;
      if (transposed) d[j * cols + i] = v;
      else d[i * cols + j] = v;
    }
  }
  return touch(t);
}

/** Alias of {@link xavierUniform}. */
export const glorotUniform = xavierUniform;
