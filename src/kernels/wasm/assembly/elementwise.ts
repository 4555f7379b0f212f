// Elementwise kernels. Unary and same-shape/scalar binary loops work on whole f32x4 vectors: the
// caller pads buffers to a multiple of 4 floats and ignores the padding. Row/column broadcasts
// handle ragged rows with a scalar tail. Op codes match src/kernels/wasm/elementwise.ts.
import { hi64, join32, K_NEG_ONE, K_ONE, K_TWENTY, kc, kc64, K64_GELU_C, K64_GELU_K, lo64, residual32, splat, vexp2, vexp, vexpm1, vlog, vlog1p, vsigmoid, vssp, vtanh } from "./math";

// unary op codes
// @ts-ignore: decorator
@inline const U_NEG = 0;
// @ts-ignore: decorator
@inline const U_EXP = 1;
// @ts-ignore: decorator
@inline const U_LOG = 2;
// @ts-ignore: decorator
@inline const U_LOG1P = 3;
// @ts-ignore: decorator
@inline const U_SQRT = 4;
// @ts-ignore: decorator
@inline const U_RSQRT = 5;
// @ts-ignore: decorator
@inline const U_ABS = 6;
// @ts-ignore: decorator
@inline const U_SIGN = 7;
// @ts-ignore: decorator
@inline const U_TANH = 8;
// @ts-ignore: decorator
@inline const U_SIGMOID = 9;
// @ts-ignore: decorator
@inline const U_RELU = 10;
// @ts-ignore: decorator
@inline const U_LEAKY = 11;
// @ts-ignore: decorator
@inline const U_ELU = 12;
// @ts-ignore: decorator
@inline const U_GELU = 13;
// @ts-ignore: decorator
@inline const U_SILU = 14;
// @ts-ignore: decorator
@inline const U_SOFTPLUS = 15;
// @ts-ignore: decorator
@inline const U_SSP = 16;

// @ts-ignore: decorator
@inline function uop(op: i32, x: v128, p: v128, pd: v128, pdInv: v128): v128 {
  switch (op) {
    case U_NEG:
      return f32x4.neg(x);
    case U_EXP:
      return vexp(x);
    case U_LOG:
      return vlog(x);
    case U_LOG1P:
      return vlog1p(x);
    case U_SQRT:
      return f32x4.sqrt(x);
    case U_RSQRT:
      return f32x4.div(kc(K_ONE), f32x4.sqrt(x));
    case U_ABS:
      return f32x4.abs(x);
    case U_SIGN: {
      // x > 0 → 1, x < 0 → −1, else x (±0 and NaN pass through)
      const zero = f32x4.splat(0);
      const pos = f32x4.gt(x, zero);
      const neg = f32x4.lt(x, zero);
      return v128.bitselect(kc(K_ONE), v128.bitselect(kc(K_NEG_ONE), x, neg), pos);
    }
    case U_TANH:
      return vtanh(x);
    case U_SIGMOID:
      return vsigmoid(x);
    case U_RELU:
      return v128.and(x, f32x4.gt(x, f32x4.splat(0)));
    case U_LEAKY:
      return v128.bitselect(x, f32x4.mul(x, p), f32x4.gt(x, f32x4.splat(0)));
    case U_ELU:
      return v128.bitselect(x, f32x4.mul(p, vexpm1(x)), f32x4.gt(x, f32x4.splat(0)));
    case U_GELU: {
      // 0.5·x·(1 + tanh(u)) = x·sigmoid(2u), u = √(2/π)·(x + 0.044715·x³); 2u is formed in f64 and
      // carried as an f32 pair so that e^{−|2u|} keeps full relative accuracy
      const xl = lo64(x);
      const xh = hi64(x);
      const c = kc64(K64_GELU_C);
      const k = kc64(K64_GELU_K);
      const tl = f64x2.mul(c, f64x2.add(xl, f64x2.mul(k, f64x2.mul(xl, f64x2.mul(xl, xl)))));
      const th = f64x2.mul(c, f64x2.add(xh, f64x2.mul(k, f64x2.mul(xh, f64x2.mul(xh, xh)))));
      const t = join32(tl, th);
      const tlo = residual32(tl, th, t);
      // e = e^{−|t|}: flip the residual's sign with t's
      const neg = f32x4.lt(t, f32x4.splat(0));
      const e = vexp2(f32x4.neg(f32x4.abs(t)), v128.bitselect(tlo, f32x4.neg(tlo), neg));
      const one = kc(K_ONE);
      const s = f32x4.div(one, f32x4.add(one, e));
      return f32x4.mul(x, v128.bitselect(f32x4.mul(e, s), s, neg));
    }
    case U_SILU:
      return f32x4.mul(x, vsigmoid(x));
    case U_SOFTPLUS: {
      // βx > 20 → x, else log1p(e^{βx})/β, with βx formed exactly in f64
      const yl = f64x2.mul(lo64(x), pd);
      const yh = f64x2.mul(hi64(x), pd);
      const y = join32(yl, yh);
      const l = vlog1p(vexp2(y, residual32(yl, yh, y)));
      const sp = join32(f64x2.mul(lo64(l), pdInv), f64x2.mul(hi64(l), pdInv));
      return v128.bitselect(x, sp, f32x4.gt(y, kc(K_TWENTY)));
    }
    case U_SSP:
      return vssp(x);
    default:
      return x;
  }
}

// @ts-ignore: decorator
@inline function unaryLoop(op: i32, a: usize, out: usize, n: i32, p: v128, pd: v128, pdInv: v128): void {
  const end = a + (<usize>n << 2);
  const d = out - a;
  let pa = a;
  if (op == U_NEG || op == U_ABS || op == U_RELU || op == U_LEAKY || op == U_SQRT) {
    // cheap ops: four vectors per step (V8 does not unroll; the loop overhead would dominate)
    for (; pa + 64 <= end; pa += 64) {
      v128.store(pa + d, uop(op, v128.load(pa), p, pd, pdInv));
      v128.store(pa + d, uop(op, v128.load(pa, 16), p, pd, pdInv), 16);
      v128.store(pa + d, uop(op, v128.load(pa, 32), p, pd, pdInv), 32);
      v128.store(pa + d, uop(op, v128.load(pa, 48), p, pd, pdInv), 48);
    }
  }
  for (; pa < end; pa += 16) v128.store(pa + d, uop(op, v128.load(pa), p, pd, pdInv));
}

/** out[i] = f(a[i]) for i < n (n a multiple of 4); `p` is the op's parameter. */
export function unaryF32(op: i32, a: usize, out: usize, n: i32, param: f64): void {
  const p = splat(<f32>param);
  const pd = f64x2.splat(param);
  const pdInv = f64x2.splat(1.0 / param);
  switch (op) {
    case U_NEG: unaryLoop(U_NEG, a, out, n, p, pd, pdInv); break;
    case U_EXP: unaryLoop(U_EXP, a, out, n, p, pd, pdInv); break;
    case U_LOG: unaryLoop(U_LOG, a, out, n, p, pd, pdInv); break;
    case U_LOG1P: unaryLoop(U_LOG1P, a, out, n, p, pd, pdInv); break;
    case U_SQRT: unaryLoop(U_SQRT, a, out, n, p, pd, pdInv); break;
    case U_RSQRT: unaryLoop(U_RSQRT, a, out, n, p, pd, pdInv); break;
    case U_ABS: unaryLoop(U_ABS, a, out, n, p, pd, pdInv); break;
    case U_SIGN: unaryLoop(U_SIGN, a, out, n, p, pd, pdInv); break;
    case U_TANH: unaryLoop(U_TANH, a, out, n, p, pd, pdInv); break;
    case U_SIGMOID: unaryLoop(U_SIGMOID, a, out, n, p, pd, pdInv); break;
    case U_RELU: unaryLoop(U_RELU, a, out, n, p, pd, pdInv); break;
    case U_LEAKY: unaryLoop(U_LEAKY, a, out, n, p, pd, pdInv); break;
    case U_ELU: unaryLoop(U_ELU, a, out, n, p, pd, pdInv); break;
    case U_GELU: unaryLoop(U_GELU, a, out, n, p, pd, pdInv); break;
    case U_SILU: unaryLoop(U_SILU, a, out, n, p, pd, pdInv); break;
    case U_SOFTPLUS: unaryLoop(U_SOFTPLUS, a, out, n, p, pd, pdInv); break;
    case U_SSP: unaryLoop(U_SSP, a, out, n, p, pd, pdInv); break;
    default: break;
  }
}

// unary gradient op codes (named after the forward op; match src/kernels/wasm/elementwise.ts)
// @ts-ignore: decorator
@inline const G_SOFTPLUS = 0;
// @ts-ignore: decorator
@inline const G_SSP = 1;

/** σ(y) for y = β·x carried as an f32 pair (hi, lo): e = e^{−|y|}, then 1/(1 + e) or e/(1 + e). */
// @ts-ignore: decorator
@inline function sigmoidPair(y: v128, ylo: v128): v128 {
  const neg = f32x4.lt(y, f32x4.splat(0));
  const e = vexp2(f32x4.neg(f32x4.abs(y)), v128.bitselect(ylo, f32x4.neg(ylo), neg));
  const one = kc(K_ONE);
  const s = f32x4.div(one, f32x4.add(one, e));
  return v128.bitselect(f32x4.mul(e, s), s, neg);
}

// @ts-ignore: decorator
@inline function gop(op: i32, x: v128, g: v128, pd: v128): v128 {
  if (op == G_SOFTPLUS) {
    // d softplus_β(x)/dx = σ(βx), 1 where βx > 20 (the forward's linear branch); βx formed in f64
    const yl = f64x2.mul(lo64(x), pd);
    const yh = f64x2.mul(hi64(x), pd);
    const y = join32(yl, yh);
    const s = sigmoidPair(y, residual32(yl, yh, y));
    return f32x4.mul(g, v128.bitselect(kc(K_ONE), s, f32x4.gt(y, kc(K_TWENTY))));
  }
  // shifted softplus: σ(x) (sigmoidPair with a zero residual: the same bits, fewer operations)
  return f32x4.mul(g, vsigmoid(x));
}

/** out[i] = g[i]·f'(x[i]) for i < n (n a multiple of 4), f the forward op of `op`; `param` its β. */
export function unaryGradF32(op: i32, x: usize, g: usize, out: usize, n: i32, param: f64): void {
  const pd = f64x2.splat(param);
  const end = <usize>n << 2;
  if (op == G_SOFTPLUS) {
    for (let o: usize = 0; o < end; o += 16) v128.store(out + o, gop(G_SOFTPLUS, v128.load(x + o), v128.load(g + o), pd));
  } else {
    for (let o: usize = 0; o < end; o += 16) v128.store(out + o, gop(G_SSP, v128.load(x + o), v128.load(g + o), pd));
  }
}

/**
 * out[i] = g[i]·(x[i] > 0 ? 1 : slope) for i < n (n a multiple of 4): the gradient of ReLU (slope 0)
 * and leaky ReLU. One f32 product per value (g·1 is g exactly), as the reference's loop rounds it.
 */
export function positiveGradF32(x: usize, g: usize, out: usize, n: i32, slope: f32): void {
  const end = <usize>n << 2;
  const one = kc(K_ONE);
  const sv = f32x4.splat(slope);
  const zero = f32x4.splat(0);
  let o: usize = 0;
  for (; o + 32 <= end; o += 32) {
    v128.store(out + o, f32x4.mul(v128.load(g + o), v128.bitselect(one, sv, f32x4.gt(v128.load(x + o), zero))));
    v128.store(out + o, f32x4.mul(v128.load(g + o, 16), v128.bitselect(one, sv, f32x4.gt(v128.load(x + o, 16), zero))), 16);
  }
  for (; o < end; o += 16) v128.store(out + o, f32x4.mul(v128.load(g + o), v128.bitselect(one, sv, f32x4.gt(v128.load(x + o), zero))));
}

// binary op codes
// @ts-ignore: decorator
@inline const B_ADD = 0;
// @ts-ignore: decorator
@inline const B_SUB = 1;
// @ts-ignore: decorator
@inline const B_MUL = 2;
// @ts-ignore: decorator
@inline const B_DIV = 3;
// @ts-ignore: decorator
@inline const B_MAX = 4;
// @ts-ignore: decorator
@inline const B_MIN = 5;

// @ts-ignore: decorator
@inline function bop(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case B_ADD:
      return f32x4.add(x, y);
    case B_SUB:
      return f32x4.sub(x, y);
    case B_MUL:
      return f32x4.mul(x, y);
    case B_DIV:
      return f32x4.div(x, y);
    case B_MAX:
      return f32x4.max(x, y);
    default:
      return f32x4.min(x, y);
  }
}

// @ts-ignore: decorator
@inline function sop(op: i32, x: f32, y: f32): f32 {
  switch (op) {
    case B_ADD:
      return x + y;
    case B_SUB:
      return x - y;
    case B_MUL:
      return x * y;
    case B_DIV:
      return x / y;
    case B_MAX:
      return max<f32>(x, y);
    default:
      return min<f32>(x, y);
  }
}

// @ts-ignore: decorator
@inline function sameLoop(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  const end = <usize>n << 2;
  let o: usize = 0;
  // four vectors per step: V8 does not unroll, and the loop overhead is as large as the work
  for (; o + 64 <= end; o += 64) {
    const pa = a + o;
    const pb = b + o;
    const po = out + o;
    v128.store(po, bop(op, v128.load(pa), v128.load(pb)));
    v128.store(po, bop(op, v128.load(pa, 16), v128.load(pb, 16)), 16);
    v128.store(po, bop(op, v128.load(pa, 32), v128.load(pb, 32)), 32);
    v128.store(po, bop(op, v128.load(pa, 48), v128.load(pb, 48)), 48);
  }
  for (; o < end; o += 16) v128.store(out + o, bop(op, v128.load(a + o), v128.load(b + o)));
}

/** out[i] = a[i] op b[i] for i < n (n a multiple of 4). */
export function binarySameF32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  switch (op) {
    case B_ADD: sameLoop(B_ADD, a, b, out, n); break;
    case B_SUB: sameLoop(B_SUB, a, b, out, n); break;
    case B_MUL: sameLoop(B_MUL, a, b, out, n); break;
    case B_DIV: sameLoop(B_DIV, a, b, out, n); break;
    case B_MAX: sameLoop(B_MAX, a, b, out, n); break;
    default: sameLoop(B_MIN, a, b, out, n); break;
  }
}

// @ts-ignore: decorator
@inline function scalarLoop(op: i32, a: usize, s: v128, out: usize, n: i32, swap: bool): void {
  const end = <usize>n << 2;
  let o: usize = 0;
  if (swap) {
    for (; o + 64 <= end; o += 64) {
      const pa = a + o;
      const po = out + o;
      v128.store(po, bop(op, s, v128.load(pa)));
      v128.store(po, bop(op, s, v128.load(pa, 16)), 16);
      v128.store(po, bop(op, s, v128.load(pa, 32)), 32);
      v128.store(po, bop(op, s, v128.load(pa, 48)), 48);
    }
    for (; o < end; o += 16) v128.store(out + o, bop(op, s, v128.load(a + o)));
  } else {
    for (; o + 64 <= end; o += 64) {
      const pa = a + o;
      const po = out + o;
      v128.store(po, bop(op, v128.load(pa), s));
      v128.store(po, bop(op, v128.load(pa, 16), s), 16);
      v128.store(po, bop(op, v128.load(pa, 32), s), 32);
      v128.store(po, bop(op, v128.load(pa, 48), s), 48);
    }
    for (; o < end; o += 16) v128.store(out + o, bop(op, v128.load(a + o), s));
  }
}

/** out[i] = a[i] op s (or s op a[i] when `swap`) for i < n (n a multiple of 4). */
export function binaryScalarF32(op: i32, a: usize, s: f32, out: usize, n: i32, swap: bool): void {
  const v = splat(s);
  switch (op) {
    case B_ADD: scalarLoop(B_ADD, a, v, out, n, swap); break;
    case B_SUB: scalarLoop(B_SUB, a, v, out, n, swap); break;
    case B_MUL: scalarLoop(B_MUL, a, v, out, n, swap); break;
    case B_DIV: scalarLoop(B_DIV, a, v, out, n, swap); break;
    case B_MAX: scalarLoop(B_MAX, a, v, out, n, swap); break;
    default: scalarLoop(B_MIN, a, v, out, n, swap); break;
  }
}

// @ts-ignore: decorator
@inline function rowLoop(op: i32, a: usize, b: usize, out: usize, R: i32, L: i32, swap: bool): void {
  const rowBytes = <usize>L << 2;
  const vend = <usize>(L & ~3) << 2;
  for (let r = 0; r < R; r++) {
    const pa = a + <usize>r * rowBytes;
    const po = out + <usize>r * rowBytes;
    let o: usize = 0;
    if (swap) {
      for (; o < vend; o += 16) v128.store(po + o, bop(op, v128.load(b + o), v128.load(pa + o)));
      for (; o < rowBytes; o += 4) store<f32>(po + o, sop(op, load<f32>(b + o), load<f32>(pa + o)));
    } else {
      for (; o < vend; o += 16) v128.store(po + o, bop(op, v128.load(pa + o), v128.load(b + o)));
      for (; o < rowBytes; o += 4) store<f32>(po + o, sop(op, load<f32>(pa + o), load<f32>(b + o)));
    }
  }
}

/** out[r, c] = a[r, c] op b[c] (or b[c] op a[r, c] when `swap`), a and out [R, L], b [L]. */
export function binaryRowF32(op: i32, a: usize, b: usize, out: usize, R: i32, L: i32, swap: bool): void {
  switch (op) {
    case B_ADD: rowLoop(B_ADD, a, b, out, R, L, swap); break;
    case B_SUB: rowLoop(B_SUB, a, b, out, R, L, swap); break;
    case B_MUL: rowLoop(B_MUL, a, b, out, R, L, swap); break;
    case B_DIV: rowLoop(B_DIV, a, b, out, R, L, swap); break;
    case B_MAX: rowLoop(B_MAX, a, b, out, R, L, swap); break;
    default: rowLoop(B_MIN, a, b, out, R, L, swap); break;
  }
}

// @ts-ignore: decorator
@inline function colLoop(op: i32, a: usize, b: usize, out: usize, R: i32, L: i32, swap: bool): void {
  const rowBytes = <usize>L << 2;
  const vend = <usize>(L & ~3) << 2;
  for (let r = 0; r < R; r++) {
    const pa = a + <usize>r * rowBytes;
    const po = out + <usize>r * rowBytes;
    const sb = load<f32>(b + (<usize>r << 2));
    const vb = splat(sb);
    let o: usize = 0;
    if (swap) {
      for (; o < vend; o += 16) v128.store(po + o, bop(op, vb, v128.load(pa + o)));
      for (; o < rowBytes; o += 4) store<f32>(po + o, sop(op, sb, load<f32>(pa + o)));
    } else {
      for (; o < vend; o += 16) v128.store(po + o, bop(op, v128.load(pa + o), vb));
      for (; o < rowBytes; o += 4) store<f32>(po + o, sop(op, load<f32>(pa + o), sb));
    }
  }
}

/** out[r, c] = a[r, c] op b[r] (or b[r] op a[r, c] when `swap`), a and out [R, L], b [R]. */
export function binaryColF32(op: i32, a: usize, b: usize, out: usize, R: i32, L: i32, swap: bool): void {
  switch (op) {
    case B_ADD: colLoop(B_ADD, a, b, out, R, L, swap); break;
    case B_SUB: colLoop(B_SUB, a, b, out, R, L, swap); break;
    case B_MUL: colLoop(B_MUL, a, b, out, R, L, swap); break;
    case B_DIV: colLoop(B_DIV, a, b, out, R, L, swap); break;
    case B_MAX: colLoop(B_MAX, a, b, out, R, L, swap); break;
    default: colLoop(B_MIN, a, b, out, R, L, swap); break;
  }
}
