/**
 * Elementwise ops: broadcasting binary arithmetic with dtype promotion, comparisons, logical ops,
 * `where`, and the unary math/activation functions. Float data goes through the `binary` and
 * `unary` kernels; int and bool data use plain loops here.
 *
 * Dtype rules: the result of a binary arithmetic op has the promoted dtype of its operands
 * (float64 > float32 > int32 > bool); a plain number adopts the dtype of the tensor it meets
 * (a non-integer number meeting an int32 or bool tensor gives float32). `div` of integers gives
 * float32. Arithmetic on two bool tensors gives int32. Comparisons and logical ops give bool.
 */
import type { BinaryOpName, UnaryOpName } from "../../kernels/ref/elementwise.js";
import type { FloatArray } from "../../kernels/ref/linalg.js";
import { binary, positiveGrad as positiveGradKernel, unary, unaryGrad } from "../../kernels/registry.js";
import { record } from "../autograd.js";
import { broadcastIndexMap, broadcastShapes, broadcastStrides, sameShape, sumToShape } from "../broadcast.js";
import {
  allocate,
  allocateEmpty,
  type DType,
  type FloatDType,
  isFloat,
  promoteTypes,
  type TypedArray,
} from "../dtype.js";
import { opError } from "../errors.js";
import { type Shape, shapeSize, Tensor } from "../tensor.js";
import { normalCdf } from "./special.js";

/** A tensor or a plain number (a number acts as a 0-d tensor of the other operand's dtype). */
export type TensorLike = Tensor | number;

// ---------------------------------------------------------------------------------------------
// helpers

function checkTensor(op: string, arg: string, v: unknown): asserts v is Tensor {
  if (!(v instanceof Tensor)) opError(op, arg, "a Tensor", describe(v));
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v;
}

/** The 0-d tensor standing for number `v` next to `other`. */
function numberTensor(v: number, other: TensorLike): Tensor {
  const like: DType = other instanceof Tensor ? other.dtype : "float32";
  const dt: DType = isFloat(like) ? like : Number.isInteger(v) ? "int32" : "float32";
  const arr = allocate(dt, 1);
  arr[0] = v;
  return new Tensor(arr, [], dt);
}

/** Both operands as tensors (numbers become 0-d tensors). */
function operands(op: string, a: TensorLike, b: TensorLike, argA = "a", argB = "b"): [Tensor, Tensor] {
  if (!(a instanceof Tensor) && typeof a !== "number") opError(op, argA, "a Tensor or a number", describe(a));
  if (!(b instanceof Tensor) && typeof b !== "number") opError(op, argB, "a Tensor or a number", describe(b));
  const x = a instanceof Tensor ? a : numberTensor(a, b);
  const y = b instanceof Tensor ? b : numberTensor(b, a);
  return [x, y];
}

/** The storage of `t` as a float array of dtype `dt` (shared when it already is). */
function floatData(t: Tensor, dt: FloatDType): FloatArray {
  if (t.dtype === dt) return t.data as FloatArray;
  const out = allocate(dt, t.size) as FloatArray;
  out.set(t.data);
  return out;
}

/** Shared storage of `t` in dtype `dt` (a copy when the dtype differs). */
function dataAs(t: Tensor, dt: DType): TypedArray {
  if (t.dtype === dt) return t.data;
  const out = allocate(dt, t.size);
  if (dt === "bool") for (let i = 0; i < out.length; i++) out[i] = t.data[i] !== 0 ? 1 : 0;
  else if (dt === "int32") for (let i = 0; i < out.length; i++) out[i] = Math.trunc(t.data[i]!);
  else out.set(t.data);
  return out;
}

/** out[i] = f(a[ia(i)], b[ib(i)]) over the broadcast shape `outShape`. */
function broadcastLoop(
  outShape: Shape,
  aShape: Shape,
  a: TypedArray,
  bShape: Shape,
  b: TypedArray,
  out: TypedArray,
  f: (x: number, y: number) => number,
): void {
  const size = out.length;
  const aFull = sameShape(aShape, outShape);
  const bFull = sameShape(bShape, outShape);
  if (aFull && bFull) {
    for (let i = 0; i < size; i++) out[i] = f(a[i]!, b[i]!);
    return;
  }
  if (aFull && b.length === 1) {
    const y = b[0]!;
    for (let i = 0; i < size; i++) out[i] = f(a[i]!, y);
    return;
  }
  if (bFull && a.length === 1) {
    const x = a[0]!;
    for (let i = 0; i < size; i++) out[i] = f(x, b[i]!);
    return;
  }
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const nd = outShape.length;
  const idx = new Array<number>(nd).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < size; i++) {
    out[i] = f(a[ia]!, b[ib]!);
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      ia += as[k]!;
      ib += bs[k]!;
      if (idx[k]! < outShape[k]!) break;
      ia -= as[k]! * outShape[k]!;
      ib -= bs[k]! * outShape[k]!;
      idx[k] = 0;
    }
  }
}

const intFns: Record<BinaryOpName, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => Math.imul(x, y),
  div: (x, y) => x / y,
  max: (x, y) => Math.max(x, y),
  min: (x, y) => Math.min(x, y),
  pow: (x, y) => x ** y,
};

/** Broadcast arithmetic into a new tensor of dtype `dt` (kernel for floats, loops otherwise). */
function arith(op: string, kop: BinaryOpName, a: Tensor, b: Tensor, dt: DType, argB = "b"): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape, "a", argB);
  const out = allocate(dt, shapeSize(shape));
  if (isFloat(dt)) {
    binary(
      kop,
      floatData(a, dt),
      floatData(b, dt),
      out as FloatArray,
      shape,
      broadcastStrides(a.shape, shape),
      broadcastStrides(b.shape, shape),
    );
  } else {
    const f = intFns[kop];
    const g = dt === "bool" ? (x: number, y: number) => (f(x, y) !== 0 ? 1 : 0) : f;
    broadcastLoop(shape, a.shape, a.data, b.shape, b.data, out, g);
  }
  return new Tensor(out, shape, dt);
}

/** Result dtype of +, -, * and pow: promoted; bool with bool gives int32. */
function arithType(a: Tensor, b: Tensor): DType {
  const dt = promoteTypes(a.dtype, b.dtype);
  return dt === "bool" ? "int32" : dt;
}

/** Gradient for input `x` only when it needs one. */
function gradIf(x: Tensor, f: () => Tensor): Tensor | null {
  return x.requiresGrad ? f() : null;
}

// ---------------------------------------------------------------------------------------------
// binary arithmetic

/** Elementwise `a + b` with broadcasting. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands("add", a, b);
  const out = arith("add", "add", x, y, arithType(x, y));
  if (!isFloat(out.dtype)) return out;
  return record("add", [x, y], out, (g) => [
    gradIf(x, () => sumToShape(g, x.shape)),
    gradIf(y, () => sumToShape(g, y.shape)),
  ]);
}

/** Elementwise `a - b` with broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands("sub", a, b);
  const out = arith("sub", "sub", x, y, arithType(x, y));
  if (!isFloat(out.dtype)) return out;
  return record("sub", [x, y], out, (g) => [
    gradIf(x, () => sumToShape(g, x.shape)),
    gradIf(y, () => sumToShape(neg(g), y.shape)),
  ]);
}

/** Elementwise `a * b` with broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands("mul", a, b);
  const out = arith("mul", "mul", x, y, arithType(x, y));
  if (!isFloat(out.dtype)) return out;
  return record("mul", [x, y], out, (g) => [
    gradIf(x, () => sumToShape(mul(g, y), x.shape)),
    gradIf(y, () => sumToShape(mul(g, x), y.shape)),
  ]);
}

/** Elementwise true division `a / b` with broadcasting (integer operands give float32). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands("div", a, b);
  const p = promoteTypes(x.dtype, y.dtype);
  const out = arith("div", "div", x, y, isFloat(p) ? p : "float32");
  return record("div", [x, y], out, (g) => [
    gradIf(x, () => sumToShape(div(g, y), x.shape)),
    gradIf(y, () => sumToShape(neg(mul(g, div(out, y))), y.shape)),
  ]);
}

/**
 * Elementwise power `a ** exponent` with broadcasting. Gradients flow to the base
 * (`exponent · a^(exponent-1)`, 0 where the exponent is 0) and to a tensor exponent
 * (`a^exponent · log a`, 0 where the base is 0).
 */
export function pow(a: TensorLike, exponent: TensorLike): Tensor {
  const [x, y] = operands("pow", a, exponent, "a", "exponent");
  const out = arith("pow", "pow", x, y, arithType(x, y), "exponent");
  if (!isFloat(out.dtype)) return out;
  return record("pow", [x, y], out, (g) => [
    gradIf(x, () => sumToShape(mul(g, where(eq(y, 0), 0, mul(y, pow(x, sub(y, 1))))), x.shape)),
    gradIf(y, () => sumToShape(mul(g, where(eq(x, 0), 0, mul(out, log(x)))), y.shape)),
  ]);
}

/** Share of the gradient going to the first operand of maximum/minimum (1, 0, or ½ on ties). */
function extremumWeights(x: Tensor, y: Tensor, shape: Shape, dt: DType, isMax: boolean): Tensor {
  const w = allocate(dt, shapeSize(shape));
  const f = isMax
    ? (p: number, q: number) => (p > q || Number.isNaN(p) ? 1 : p === q ? 0.5 : 0)
    : (p: number, q: number) => (p < q || Number.isNaN(p) ? 1 : p === q ? 0.5 : 0);
  broadcastLoop(shape, x.shape, x.data, y.shape, y.data, w, f);
  return new Tensor(w, shape, dt);
}

function extremum(op: "maximum" | "minimum", a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(op, a, b);
  const isMax = op === "maximum";
  const out = arith(op, isMax ? "max" : "min", x, y, promoteTypes(x.dtype, y.dtype));
  if (!isFloat(out.dtype)) return out;
  return record(op, [x, y], out, (g) => {
    const w = extremumWeights(x, y, out.shape, g.dtype, isMax);
    return [gradIf(x, () => sumToShape(mul(g, w), x.shape)), gradIf(y, () => sumToShape(mul(g, sub(1, w)), y.shape))];
  });
}

/**
 * Elementwise maximum with broadcasting (NaN propagates). The gradient goes to the larger
 * operand; on ties it is split half and half.
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return extremum("maximum", a, b);
}

/**
 * Elementwise minimum with broadcasting (NaN propagates). The gradient goes to the smaller
 * operand; on ties it is split half and half.
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return extremum("minimum", a, b);
}

// ---------------------------------------------------------------------------------------------
// comparisons and logic (bool results, no gradient)

function compare(op: string, a: TensorLike, b: TensorLike, f: (x: number, y: number) => number): Tensor {
  const [x, y] = operands(op, a, b);
  const shape = broadcastShapes(op, x.shape, y.shape);
  const out = new Uint8Array(shapeSize(shape));
  broadcastLoop(shape, x.shape, x.data, y.shape, y.data, out, f);
  return new Tensor(out, shape, "bool");
}

/** Elementwise `a == b` (bool). */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare("eq", a, b, (x, y) => (x === y ? 1 : 0));
}

/** Elementwise `a != b` (bool). */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return compare("ne", a, b, (x, y) => (x !== y ? 1 : 0));
}

/** Elementwise `a < b` (bool). */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare("lt", a, b, (x, y) => (x < y ? 1 : 0));
}

/** Elementwise `a <= b` (bool). */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare("le", a, b, (x, y) => (x <= y ? 1 : 0));
}

/** Elementwise `a > b` (bool). */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare("gt", a, b, (x, y) => (x > y ? 1 : 0));
}

/** Elementwise `a >= b` (bool). */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare("ge", a, b, (x, y) => (x >= y ? 1 : 0));
}

/** Elementwise logical and (non-zero is true; bool result). */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return compare("logicalAnd", a, b, (x, y) => (x !== 0 && y !== 0 ? 1 : 0));
}

/** Elementwise logical or (non-zero is true; bool result). */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return compare("logicalOr", a, b, (x, y) => (x !== 0 || y !== 0 ? 1 : 0));
}

/** Elementwise logical not (zero becomes true; bool result). */
export function logicalNot(a: Tensor): Tensor {
  checkTensor("logicalNot", "a", a);
  const out = new Uint8Array(a.size);
  const d = a.data;
  for (let i = 0; i < out.length; i++) out[i] = d[i] === 0 ? 1 : 0;
  return new Tensor(out, a.shape, "bool");
}

/**
 * Picks `a` where `cond` is true (non-zero) and `b` elsewhere, broadcasting all three.
 * The result has the promoted dtype of `a` and `b`; gradients flow to `a` and `b`.
 * As a method, `cond.where(a, b)`.
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor("where", "cond", cond);
  const [x, y] = operands("where", a, b);
  const s1 = broadcastShapes("where", cond.shape, x.shape, "cond", "a");
  const shape = broadcastShapes("where", s1, y.shape, "cond", "b");
  const dt = promoteTypes(x.dtype, y.dtype);
  const size = shapeSize(shape);
  const out = allocate(dt, size);
  const c = cond.data;
  const xd = dataAs(x, dt);
  const yd = dataAs(y, dt);
  // each operand either covers the output (step 1) or is a single element (step 0)
  const step = (t: Tensor) => (sameShape(t.shape, shape) ? 1 : t.size === 1 ? 0 : -1);
  const sc = step(cond);
  const sx = step(x);
  const sy = step(y);
  if (sc >= 0 && sx >= 0 && sy >= 0) {
    for (let i = 0; i < size; i++) out[i] = c[i * sc] !== 0 ? xd[i * sx]! : yd[i * sy]!;
  } else {
    const mc = broadcastIndexMap(cond.shape, shape);
    const mx = broadcastIndexMap(x.shape, shape);
    const my = broadcastIndexMap(y.shape, shape);
    for (let i = 0; i < size; i++) out[i] = c[mc[i]!] !== 0 ? xd[mx[i]!]! : yd[my[i]!]!;
  }
  const t = new Tensor(out, shape, dt);
  if (!isFloat(dt)) return t;
  return record("where", [x, y], t, (g) => [
    gradIf(x, () => sumToShape(where(cond, g, 0), x.shape)),
    gradIf(y, () => sumToShape(where(cond, 0, g), y.shape)),
  ]);
}

// ---------------------------------------------------------------------------------------------
// unary

/** `a` as a float tensor (int and bool become float32). */
function asFloat(a: Tensor): Tensor {
  return isFloat(a.dtype) ? a : a.cast("float32");
}

/** Runs unary kernel `kop` on float `x` (ints and bools are cast to float32 first). */
function unaryKernel(op: string, kop: UnaryOpName, a: Tensor, param = 0): [Tensor, Tensor] {
  checkTensor(op, "a", a);
  const x = asFloat(a);
  const out = allocate(x.dtype, x.size) as FloatArray;
  unary(kop, x.data as FloatArray, out, param);
  return [x, new Tensor(out, x.shape, x.dtype)];
}

/** Elementwise map with a plain loop (any dtype in, dtype `dt` out). */
function mapData(a: Tensor, dt: DType, f: (v: number) => number): Tensor {
  const out = allocate(dt, a.size);
  const d = a.data;
  for (let i = 0; i < out.length; i++) out[i] = f(d[i]!);
  return new Tensor(out, a.shape, dt);
}

/** Elementwise negation. Int tensors stay int32 (bool becomes int32). */
export function neg(a: Tensor): Tensor {
  checkTensor("neg", "a", a);
  if (!isFloat(a.dtype)) return mapData(a, "int32", (v) => -v);
  const [x, out] = unaryKernel("neg", "neg", a);
  return record("neg", [x], out, (g) => [neg(g)]);
}

/** Elementwise `e^a`. */
export function exp(a: Tensor): Tensor {
  const [x, out] = unaryKernel("exp", "exp", a);
  return record("exp", [x], out, (g) => [mul(g, out)]);
}

/** Elementwise natural logarithm. */
export function log(a: Tensor): Tensor {
  const [x, out] = unaryKernel("log", "log", a);
  return record("log", [x], out, (g) => [div(g, x)]);
}

/** Elementwise `log(1 + a)`, accurate near 0. */
export function log1p(a: Tensor): Tensor {
  const [x, out] = unaryKernel("log1p", "log1p", a);
  return record("log1p", [x], out, (g) => [div(g, add(x, 1))]);
}

/** Elementwise square root. */
export function sqrt(a: Tensor): Tensor {
  const [x, out] = unaryKernel("sqrt", "sqrt", a);
  return record("sqrt", [x], out, (g) => [div(g, mul(out, 2))]);
}

/** Elementwise `1 / sqrt(a)`. */
export function rsqrt(a: Tensor): Tensor {
  const [x, out] = unaryKernel("rsqrt", "rsqrt", a);
  return record("rsqrt", [x], out, (g) => [mul(g, mul(pow(out, 3), -0.5))]);
}

/** Elementwise absolute value (ints stay int32). The gradient is `sign(a)` (0 at 0). */
export function abs(a: Tensor): Tensor {
  checkTensor("abs", "a", a);
  if (!isFloat(a.dtype)) return mapData(a, a.dtype === "bool" ? "bool" : "int32", (v) => Math.abs(v));
  const [x, out] = unaryKernel("abs", "abs", a);
  return record("abs", [x], out, (g) => [mul(g, sign(x))]);
}

/** Elementwise sign (-1, 0 or 1; ints stay int32). The gradient is 0 everywhere. */
export function sign(a: Tensor): Tensor {
  checkTensor("sign", "a", a);
  if (!isFloat(a.dtype)) return mapData(a, a.dtype === "bool" ? "bool" : "int32", (v) => Math.sign(v));
  const [x, out] = unaryKernel("sign", "sign", a);
  return record("sign", [x], out, (g) => [mul(g, 0)]);
}

/** Elementwise sine. */
export function sin(a: Tensor): Tensor {
  const [x, out] = unaryKernel("sin", "sin", a);
  return record("sin", [x], out, (g) => [mul(g, cos(x))]);
}

/** Elementwise cosine. */
export function cos(a: Tensor): Tensor {
  const [x, out] = unaryKernel("cos", "cos", a);
  return record("cos", [x], out, (g) => [neg(mul(g, sin(x)))]);
}

/** Elementwise hyperbolic tangent. */
export function tanh(a: Tensor): Tensor {
  const [x, out] = unaryKernel("tanh", "tanh", a);
  return record("tanh", [x], out, (g) => [mul(g, sub(1, square(out)))]);
}

/** Elementwise logistic sigmoid `1 / (1 + e^-a)`. */
export function sigmoid(a: Tensor): Tensor {
  const [x, out] = unaryKernel("sigmoid", "sigmoid", a);
  return record("sigmoid", [x], out, (g) => [mul(g, mul(out, sub(1, out)))]);
}

/** Elementwise `max(a, 0)` (ints stay int32). The gradient at 0 is 0. */
export function relu(a: Tensor): Tensor {
  checkTensor("relu", "a", a);
  if (!isFloat(a.dtype)) return mapData(a, a.dtype === "bool" ? "bool" : "int32", (v) => Math.max(v, 0));
  const [x, out] = unaryKernel("relu", "relu", a);
  return record("relu", [x], out, (g) => [sameLayout(g, x) ? positiveGrad(x, g, null, 0, 0) : mul(g, gt(x, 0))]);
}

/** Leaky ReLU: `a` where positive, `slope · a` elsewhere. */
export function leakyRelu(a: Tensor, slope = 0.01): Tensor {
  const [x, out] = unaryKernel("leakyRelu", "leakyRelu", a, slope);
  return record("leakyRelu", [x], out, (g) => [
    sameLayout(g, x) ? positiveGrad(x, g, null, slope, 0) : where(gt(x, 0), g, mul(g, slope)),
  ]);
}

/** ELU: `a` where positive, `alpha · (e^a − 1)` elsewhere. */
export function elu(a: Tensor, alpha = 1): Tensor {
  const [x, out] = unaryKernel("elu", "elu", a, alpha);
  return record("elu", [x], out, (g) => [
    sameLayout(g, x) ? positiveGrad(x, g, out, 0, alpha) : where(gt(x, 0), g, mul(g, add(out, alpha))),
  ]);
}

/** Whether `g` has the dtype and shape of `x` (the case the fused activation gradients handle). */
function sameLayout(g: Tensor, x: Tensor): boolean {
  return g.dtype === x.dtype && g.size === x.size;
}

/**
 * The gradient of a piecewise activation in one pass: `g` where `x > 0`, else `g · slope` or, with
 * `out` (ELU), `g · (out + alpha)`. The same numbers as the composed ops it replaces
 * (`where(gt(x, 0), g, mul(g, ...))`): the scalars are rounded to float32 for float32 tensors as
 * 0-d tensors would be, and float32 sums and products, exact or correctly rounded in float64, are
 * rounded once on the store as the float32 kernels round them.
 */
function positiveGrad(x: Tensor, g: Tensor, out: Tensor | null, slope: number, alpha: number): Tensor {
  const n = x.size;
  const f32 = x.dtype === "float32";
  const r = allocateEmpty(x.dtype as FloatDType, n);
  const xd = x.data as FloatArray;
  const gd = g.data as FloatArray;
  if (out === null) {
    // ReLU / leaky ReLU: the positiveGrad kernel (WASM for float32)
    positiveGradKernel(xd, gd, r, slope);
    return new Tensor(r, x.shape, x.dtype);
  }
  // ELU: g · pick[x > 0] with pick = [out + alpha, 1]: the sign of x is random, and a table load costs
  // less than a mispredicted branch; g · 1 is g exactly
  const pick = new Float64Array(2);
  pick[1] = 1;
  const od = out.data as FloatArray;
  if (f32) {
    const a = Math.fround(alpha);
    for (let i = 0; i < n; i++) {
      pick[0] = Math.fround(od[i]! + a);
      r[i] = gd[i]! * pick[+(xd[i]! > 0)]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      pick[0] = od[i]! + alpha;
      r[i] = gd[i]! * pick[+(xd[i]! > 0)]!;
    }
  }
  return new Tensor(r, x.shape, x.dtype);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU. `approximate = 'none'` (default, like PyTorch) is `a · Φ(a)` with the exact normal CDF;
 * `'tanh'` is the tanh approximation.
 */
export function gelu(a: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  checkTensor("gelu", "a", a);
  if (approximate !== "none" && approximate !== "tanh")
    opError("gelu", "approximate", "'none' or 'tanh'", String(approximate));
  if (approximate === "tanh") {
    const [x, out] = unaryKernel("gelu", "gelu", a);
    return record("gelu", [x], out, (g) => [
      mul(
        g,
        mapData(x, g.dtype, (v) => {
          const u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
          const t = Math.tanh(u);
          return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
        }),
      ),
    ]);
  }
  const x = asFloat(a);
  const out = mapData(x, x.dtype, (v) => v * normalCdf(v));
  return record("gelu", [x], out, (g) => [
    mul(
      g,
      mapData(x, g.dtype, (v) => normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v)),
    ),
  ]);
}

/** SiLU (swish): `a · sigmoid(a)`. */
export function silu(a: Tensor): Tensor {
  const [x, out] = unaryKernel("silu", "silu", a);
  return record("silu", [x], out, (g) => {
    const s = sigmoid(x);
    return [mul(g, mul(s, add(mul(x, sub(1, s)), 1)))];
  });
}

/**
 * Softplus `log(1 + e^(beta·a)) / beta`, linear (`a`) where `beta·a > threshold`.
 */
export function softplus(a: Tensor, beta = 1, threshold = 20): Tensor {
  checkTensor("softplus", "a", a);
  if (!(beta !== 0 && Number.isFinite(beta))) opError("softplus", "beta", "a non-zero finite number", String(beta));
  let x: Tensor;
  let out: Tensor;
  if (threshold === 20) {
    [x, out] = unaryKernel("softplus", "softplus", a, beta);
  } else {
    x = asFloat(a);
    out = mapData(x, x.dtype, (v) => (v * beta > threshold ? v : Math.log1p(Math.exp(beta * v)) / beta));
  }
  return record("softplus", [x], out, (g) => {
    if (threshold === 20 && g.dtype === x.dtype) {
      // one fused pass: g·σ(βx), g where βx > 20
      const gx = allocate(x.dtype, x.size) as FloatArray;
      unaryGrad("softplus", x.data as FloatArray, g.data as FloatArray, gx, beta);
      return [new Tensor(gx, x.shape, x.dtype)];
    }
    const z = mul(x, beta);
    return [where(gt(z, threshold), g, mul(g, sigmoid(z)))];
  });
}

/**
 * Clamps into `[min, max]` (either bound may be omitted; ints stay int32). The gradient is 1
 * inside the closed interval and 0 outside.
 */
export function clamp(a: Tensor, min?: number, max?: number): Tensor {
  checkTensor("clamp", "a", a);
  if (min === undefined && max === undefined) opError("clamp", "min", "at least one of 'min' and 'max'", "neither");
  if (min !== undefined && typeof min !== "number") opError("clamp", "min", "a number", describe(min));
  if (max !== undefined && typeof max !== "number") opError("clamp", "max", "a number", describe(max));
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  const dt: DType = isFloat(a.dtype)
    ? a.dtype
    : Number.isInteger(lo) || !Number.isFinite(lo)
      ? Number.isInteger(hi) || !Number.isFinite(hi)
        ? "int32"
        : "float32"
      : "float32";
  const out = mapData(a, dt, (v) => Math.min(Math.max(v, lo), hi));
  if (!isFloat(a.dtype)) return out;
  return record("clamp", [a], out, (g) => [mul(g, logicalAnd(ge(a, lo), le(a, hi)))]);
}

/** Elementwise `a²` (ints stay int32). */
export function square(a: Tensor): Tensor {
  checkTensor("square", "a", a);
  if (!isFloat(a.dtype)) return mapData(a, "int32", (v) => Math.imul(v, v));
  const out = allocate(a.dtype, a.size) as FloatArray;
  const d = a.data as FloatArray;
  binary("mul", d, d, out, a.shape, a.strides, a.strides);
  return record("square", [a], new Tensor(out, a.shape, a.dtype), (g) => [mul(g, mul(a, 2))]);
}

/** Elementwise `1 / a`. */
export function reciprocal(a: Tensor): Tensor {
  checkTensor("reciprocal", "a", a);
  const x = asFloat(a);
  const one = allocate(x.dtype, 1) as FloatArray;
  one[0] = 1;
  const out = allocate(x.dtype, x.size) as FloatArray;
  binary("div", one, x.data as FloatArray, out, x.shape, new Array<number>(x.ndim).fill(0), x.strides);
  const t = new Tensor(out, x.shape, x.dtype);
  return record("reciprocal", [x], t, (g) => [neg(mul(g, square(t)))]);
}

/** Elementwise NaN test (bool). */
export function isNan(a: Tensor): Tensor {
  checkTensor("isNan", "a", a);
  return mapData(a, "bool", (v) => (Number.isNaN(v) ? 1 : 0));
}

/**
 * Elementwise finiteness test (bool; false for NaN and ±Infinity). Exported as `isFinite`
 * (the local name avoids shadowing the global).
 */
function isFiniteOp(a: Tensor): Tensor {
  checkTensor("isFinite", "a", a);
  return mapData(a, "bool", (v) => (Number.isFinite(v) ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// methods

declare module "../tensor.js" {
  interface Tensor {
    /** See {@link add}. */
    add(b: TensorLike): Tensor;
    /** See {@link sub}. */
    sub(b: TensorLike): Tensor;
    /** See {@link mul}. */
    mul(b: TensorLike): Tensor;
    /** See {@link div}. */
    div(b: TensorLike): Tensor;
    /** See {@link pow}. */
    pow(exponent: TensorLike): Tensor;
    /** See {@link maximum}. */
    maximum(b: TensorLike): Tensor;
    /** See {@link minimum}. */
    minimum(b: TensorLike): Tensor;
    /** See {@link eq}. */
    eq(b: TensorLike): Tensor;
    /** See {@link ne}. */
    ne(b: TensorLike): Tensor;
    /** See {@link lt}. */
    lt(b: TensorLike): Tensor;
    /** See {@link le}. */
    le(b: TensorLike): Tensor;
    /** See {@link gt}. */
    gt(b: TensorLike): Tensor;
    /** See {@link ge}. */
    ge(b: TensorLike): Tensor;
    /** See {@link logicalAnd}. */
    logicalAnd(b: TensorLike): Tensor;
    /** See {@link logicalOr}. */
    logicalOr(b: TensorLike): Tensor;
    /** See {@link logicalNot}. */
    logicalNot(): Tensor;
    /** `cond.where(a, b)`: see {@link where}. */
    where(a: TensorLike, b: TensorLike): Tensor;
    /** See {@link neg}. */
    neg(): Tensor;
    /** See {@link exp}. */
    exp(): Tensor;
    /** See {@link log}. */
    log(): Tensor;
    /** See {@link log1p}. */
    log1p(): Tensor;
    /** See {@link sqrt}. */
    sqrt(): Tensor;
    /** See {@link rsqrt}. */
    rsqrt(): Tensor;
    /** See {@link abs}. */
    abs(): Tensor;
    /** See {@link sign}. */
    sign(): Tensor;
    /** See {@link sin}. */
    sin(): Tensor;
    /** See {@link cos}. */
    cos(): Tensor;
    /** See {@link tanh}. */
    tanh(): Tensor;
    /** See {@link sigmoid}. */
    sigmoid(): Tensor;
    /** See {@link relu}. */
    relu(): Tensor;
    /** See {@link leakyRelu}. */
    leakyRelu(slope?: number): Tensor;
    /** See {@link elu}. */
    elu(alpha?: number): Tensor;
    /** See {@link gelu}. */
    gelu(approximate?: "none" | "tanh"): Tensor;
    /** See {@link silu}. */
    silu(): Tensor;
    /** See {@link softplus}. */
    softplus(beta?: number, threshold?: number): Tensor;
    /** See {@link clamp}. */
    clamp(min?: number, max?: number): Tensor;
    /** See {@link square}. */
    square(): Tensor;
    /** See {@link reciprocal}. */
    reciprocal(): Tensor;
    /** See {@link isNan}. */
    isNan(): Tensor;
    /** Elementwise finiteness test (bool; false for NaN and ±Infinity). */
    isFinite(): Tensor;
  }
}

Tensor.prototype.add = function (this: Tensor, b: TensorLike) {
  return add(this, b);
};
Tensor.prototype.sub = function (this: Tensor, b: TensorLike) {
  return sub(this, b);
};
Tensor.prototype.mul = function (this: Tensor, b: TensorLike) {
  return mul(this, b);
};
Tensor.prototype.div = function (this: Tensor, b: TensorLike) {
  return div(this, b);
};
Tensor.prototype.pow = function (this: Tensor, exponent: TensorLike) {
  return pow(this, exponent);
};
Tensor.prototype.maximum = function (this: Tensor, b: TensorLike) {
  return maximum(this, b);
};
Tensor.prototype.minimum = function (this: Tensor, b: TensorLike) {
  return minimum(this, b);
};
Tensor.prototype.eq = function (this: Tensor, b: TensorLike) {
  return eq(this, b);
};
Tensor.prototype.ne = function (this: Tensor, b: TensorLike) {
  return ne(this, b);
};
Tensor.prototype.lt = function (this: Tensor, b: TensorLike) {
  return lt(this, b);
};
Tensor.prototype.le = function (this: Tensor, b: TensorLike) {
  return le(this, b);
};
Tensor.prototype.gt = function (this: Tensor, b: TensorLike) {
  return gt(this, b);
};
Tensor.prototype.ge = function (this: Tensor, b: TensorLike) {
  return ge(this, b);
};
Tensor.prototype.logicalAnd = function (this: Tensor, b: TensorLike) {
  return logicalAnd(this, b);
};
Tensor.prototype.logicalOr = function (this: Tensor, b: TensorLike) {
  return logicalOr(this, b);
};
Tensor.prototype.logicalNot = function (this: Tensor) {
  return logicalNot(this);
};
Tensor.prototype.where = function (this: Tensor, a: TensorLike, b: TensorLike) {
  return where(this, a, b);
};
Tensor.prototype.neg = function (this: Tensor) {
  return neg(this);
};
Tensor.prototype.exp = function (this: Tensor) {
  return exp(this);
};
Tensor.prototype.log = function (this: Tensor) {
  return log(this);
};
Tensor.prototype.log1p = function (this: Tensor) {
  return log1p(this);
};
Tensor.prototype.sqrt = function (this: Tensor) {
  return sqrt(this);
};
Tensor.prototype.rsqrt = function (this: Tensor) {
  return rsqrt(this);
};
Tensor.prototype.abs = function (this: Tensor) {
  return abs(this);
};
Tensor.prototype.sign = function (this: Tensor) {
  return sign(this);
};
Tensor.prototype.sin = function (this: Tensor) {
  return sin(this);
};
Tensor.prototype.cos = function (this: Tensor) {
  return cos(this);
};
Tensor.prototype.tanh = function (this: Tensor) {
  return tanh(this);
};
Tensor.prototype.sigmoid = function (this: Tensor) {
  return sigmoid(this);
};
Tensor.prototype.relu = function (this: Tensor) {
  return relu(this);
};
Tensor.prototype.leakyRelu = function (this: Tensor, slope?: number) {
  return leakyRelu(this, slope);
};
Tensor.prototype.elu = function (this: Tensor, alpha?: number) {
  return elu(this, alpha);
};
Tensor.prototype.gelu = function (this: Tensor, approximate?: "none" | "tanh") {
  return gelu(this, approximate);
};
Tensor.prototype.silu = function (this: Tensor) {
  return silu(this);
};
Tensor.prototype.softplus = function (this: Tensor, beta?: number, threshold?: number) {
  return softplus(this, beta, threshold);
};
Tensor.prototype.clamp = function (this: Tensor, min?: number, max?: number) {
  return clamp(this, min, max);
};
Tensor.prototype.square = function (this: Tensor) {
  return square(this);
};
Tensor.prototype.reciprocal = function (this: Tensor) {
  return reciprocal(this);
};
Tensor.prototype.isNan = function (this: Tensor) {
  return isNan(this);
};
Tensor.prototype.isFinite = function (this: Tensor) {
  return isFiniteOp(this);
};

export { isFiniteOp as isFinite };
