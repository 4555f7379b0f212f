/** Reference elementwise and reduction kernels. */
import type { FloatArray } from "./linalg.js";

export type BinaryOpName = "add" | "sub" | "mul" | "div" | "max" | "min" | "pow";

const binaryFns: Record<BinaryOpName, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  max: (x, y) => (x > y || Number.isNaN(x) ? x : y),
  min: (x, y) => (x < y || Number.isNaN(x) ? x : y),
  pow: (x, y) => x ** y,
};

/**
 * out[i] = a[ia(i)] op b[ib(i)] over `outShape`, where ia/ib follow `aStrides`/`bStrides`
 * (0 on broadcast axes). Same-shape inputs pass their row-major strides.
 *
 * Walks the last axis in runs with one loop per op (no per-element closure call), and the other
 * axes with an odometer.
 */
export function binaryRef(
  op: BinaryOpName,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  outShape: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
): void {
  const size = out.length;
  if (size === 0) return;
  const nd = outShape.length;
  if (nd === 0) {
    out[0] = binaryFns[op](a[0]!, b[0]!);
    return;
  }
  const L = outShape[nd - 1]!;
  const sa = aStrides[nd - 1]!;
  const sb = bStrides[nd - 1]!;
  const rows = size / L;
  const idx = new Array<number>(nd - 1).fill(0);
  let ia = 0;
  let ib = 0;
  for (let r = 0; r < rows; r++) {
    binaryRun(op, a, ia, sa, b, ib, sb, out, r * L, L);
    for (let k = nd - 2; k >= 0; k--) {
      idx[k]!++;
      ia += aStrides[k]!;
      ib += bStrides[k]!;
      if (idx[k]! < outShape[k]!) break;
      ia -= aStrides[k]! * outShape[k]!;
      ib -= bStrides[k]! * outShape[k]!;
      idx[k] = 0;
    }
  }
}

/** out[o + i] = a[ia + i·sa] op b[ib + i·sb] for i < n. */
function binaryRun(
  op: BinaryOpName,
  a: FloatArray,
  ia: number,
  sa: number,
  b: FloatArray,
  ib: number,
  sb: number,
  out: FloatArray,
  o: number,
  n: number,
): void {
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! + b[ib + i * sb]!;
      return;
    case "sub":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! - b[ib + i * sb]!;
      return;
    case "mul":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! * b[ib + i * sb]!;
      return;
    case "div":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! / b[ib + i * sb]!;
      return;
    case "max":
      for (let i = 0; i < n; i++) {
        const x = a[ia + i * sa]!;
        const y = b[ib + i * sb]!;
        out[o + i] = x > y || Number.isNaN(x) ? x : y;
      }
      return;
    case "min":
      for (let i = 0; i < n; i++) {
        const x = a[ia + i * sa]!;
        const y = b[ib + i * sb]!;
        out[o + i] = x < y || Number.isNaN(x) ? x : y;
      }
      return;
    case "pow":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! ** b[ib + i * sb]!;
      return;
  }
}

export type UnaryOpName =
  | "neg"
  | "exp"
  | "log"
  | "log1p"
  | "sqrt"
  | "rsqrt"
  | "abs"
  | "sign"
  | "sin"
  | "cos"
  | "tanh"
  | "sigmoid"
  | "relu"
  | "leakyRelu"
  | "elu"
  | "gelu"
  | "silu"
  | "softplus"
  | "shiftedSoftplus";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The scalar function of each unary op; `p` is the op's parameter (slope, alpha, beta). */
export const unaryFns: Record<UnaryOpName, (x: number, p: number) => number> = {
  neg: (x) => -x,
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  log1p: (x) => Math.log1p(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: (x) => Math.abs(x),
  sign: (x) => Math.sign(x),
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  tanh: (x) => Math.tanh(x),
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  // biome-ignore lint/complexity/useMathMinMax: relu(NaN) is 0 here; Math.max would give NaN
  relu: (x) => (x > 0 ? x : 0),
  leakyRelu: (x, p) => (x > 0 ? x : p * x),
  elu: (x, p) => (x > 0 ? x : p * (Math.exp(x) - 1)),
  gelu: (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
  silu: (x) => x / (1 + Math.exp(-x)),
  softplus: (x, p) => (p * x > 20 ? x : Math.log1p(Math.exp(p * x)) / p),
  shiftedSoftplus: (x) => shiftedSoftplusFn(x),
};

/**
 * SchNet's shifted softplus `log(1 + e^x) − log 2`, as `max(x, 0) + log1p(expm1(−|x|)/2)`: the
 * argument of log1p lies in (−1/2, 0], so the result keeps its relative accuracy near 0 (where it is
 * x/2 and the direct form loses it to the cancellation against log 2), and nothing overflows.
 */
export function shiftedSoftplusFn(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.expm1(-Math.abs(x)) / 2);
}

/** The logistic sigmoid, stable for both signs. */
function sigmoidFn(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Unary ops with a fused gradient kernel ({@link unaryGradRef}), named after the forward op. */
export type UnaryGradOpName = "softplus" | "shiftedSoftplus";

/**
 * out[i] = g[i]·f'(x[i]) for the forward op f of `op`: softplus with β = `param` (σ(βx), 1 where
 * βx > 20, the forward's linear branch) or the shifted softplus (σ(x)).
 */
export function unaryGradRef(op: UnaryGradOpName, x: FloatArray, g: FloatArray, out: FloatArray, param = 1): void {
  const n = x.length;
  if (op === "softplus") {
    for (let i = 0; i < n; i++) {
      const y = param * x[i]!;
      out[i] = y > 20 ? g[i]! : g[i]! * sigmoidFn(y);
    }
    return;
  }
  for (let i = 0; i < n; i++) out[i] = g[i]! * sigmoidFn(x[i]!);
}

/**
 * out[i] = g[i]·(x[i] > 0 ? 1 : slope): the gradient of ReLU (slope 0) and leaky ReLU, one product per
 * value (g·1 is g exactly). For float32 arrays the slope is rounded to float32 first (as a 0-d float32
 * tensor would be), and the float64 product of two float32 values, exact, is rounded once on the store:
 * the float32 product.
 */
export function positiveGradRef(x: FloatArray, g: FloatArray, out: FloatArray, slope: number): void {
  const n = x.length;
  // g · pick[x > 0] with pick = [slope, 1]: the sign of x is random, and a table load costs less than
  // a mispredicted branch
  const pick = new Float64Array(2);
  pick[0] = out instanceof Float32Array ? Math.fround(slope) : slope;
  pick[1] = 1;
  for (let i = 0; i < n; i++) out[i] = g[i]! * pick[+(x[i]! > 0)]!;
}

/** out[i] = f(a[i]). The common cheap ops get their own loop; the others call {@link unaryFns}. */
export function unaryRef(op: UnaryOpName, a: FloatArray, out: FloatArray, param = 0): void {
  const n = a.length;
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) out[i] = -a[i]!;
      return;
    case "abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(a[i]!);
      return;
    case "relu":
      for (let i = 0; i < n; i++) {
        const x = a[i]!;
        // biome-ignore lint/complexity/useMathMinMax: relu(NaN) is 0 here; Math.max would give NaN
        out[i] = x > 0 ? x : 0;
      }
      return;
    case "leakyRelu":
      for (let i = 0; i < n; i++) {
        const x = a[i]!;
        out[i] = x > 0 ? x : param * x;
      }
      return;
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(a[i]!);
      return;
    case "log":
      for (let i = 0; i < n; i++) out[i] = Math.log(a[i]!);
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(a[i]!);
      return;
    default: {
      const f = unaryFns[op];
      for (let i = 0; i < n; i++) out[i] = f(a[i]!, param);
    }
  }
}

export type ReduceOpName = "sum" | "max" | "min" | "prod";

/** Reduces the middle axis of a row-major [outer, n, inner] array into out[outer, inner]. */
export function reduceAxisRef(
  op: ReduceOpName,
  a: FloatArray,
  outer: number,
  n: number,
  inner: number,
  out: FloatArray,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let acc = op === "sum" ? 0 : op === "prod" ? 1 : a[base]!;
      for (let k = op === "sum" || op === "prod" ? 0 : 1; k < n; k++) {
        const v = a[base + k * inner]!;
        if (op === "sum") acc += v;
        else if (op === "prod") acc *= v;
        else if (op === "max") acc = v > acc || Number.isNaN(v) ? v : acc;
        else acc = v < acc || Number.isNaN(v) ? v : acc;
      }
      out[o * inner + j] = n === 0 && (op === "max" || op === "min") ? Number.NaN : acc;
    }
  }
}

/** Row-wise softmax (or log-softmax) of a [rows, cols] array. */
export function softmaxRowsRef(a: FloatArray, rows: number, cols: number, out: FloatArray, log = false): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) m = Math.max(m, a[o + c]!);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(a[o + c]! - m);
    if (log) {
      const ls = Math.log(s) + m;
      for (let c = 0; c < cols; c++) out[o + c] = a[o + c]! - ls;
    } else {
      for (let c = 0; c < cols; c++) out[o + c] = Math.exp(a[o + c]! - m) / s;
    }
  }
}
