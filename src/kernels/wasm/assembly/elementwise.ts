// Elementwise kernels. Unary and same-shape/scalar binary loops work on whole f32x4 vectors: the
// caller pads buffers to a multiple of 4 floats and ignores the padding. Row/column broadcasts
// handle ragged rows with a scalar tail. Op codes match src/kernels/wasm/elementwise.ts.
//
// Each op's loop is its own instantiation of a generic loop over an op marker class (`unaryLoop<Exp>`):
// `idof` of a marker is a compile-time constant, so the compiler keeps only that op's branch of
// `uop`/`gop`/`bop`/`sop`. With the op code as an inlined argument instead, asc does not fold the
// branches: every loop carried all seventeen ops (1.5 MB of unoptimised code in `unaryF32` alone),
// and optimising that took most of the module's build time.
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

// unary op markers (type arguments of uop and unaryLoop)
class Neg {}
class Exp {}
class Log {}
class Log1p {}
class Sqrt {}
class Rsqrt {}
class Abs {}
class Sign {}
class Tanh {}
class Sigmoid {}
class Relu {}
class Leaky {}
class Elu {}
class Gelu {}
class Silu {}
class Softplus {}
class Ssp {}

// @ts-ignore: decorator
@inline function uop<O>(x: v128, p: v128, pd: v128, pdInv: v128): v128 {
  if (idof<O>() == idof<Neg>()) return f32x4.neg(x);
  if (idof<O>() == idof<Exp>()) return vexp(x);
  if (idof<O>() == idof<Log>()) return vlog(x);
  if (idof<O>() == idof<Log1p>()) return vlog1p(x);
  if (idof<O>() == idof<Sqrt>()) return f32x4.sqrt(x);
  if (idof<O>() == idof<Rsqrt>()) return f32x4.div(kc(K_ONE), f32x4.sqrt(x));
  if (idof<O>() == idof<Abs>()) return f32x4.abs(x);
  if (idof<O>() == idof<Sign>()) {
    // x > 0 → 1, x < 0 → −1, else x (±0 and NaN pass through)
    const zero = f32x4.splat(0);
    const pos = f32x4.gt(x, zero);
    const neg = f32x4.lt(x, zero);
    return v128.bitselect(kc(K_ONE), v128.bitselect(kc(K_NEG_ONE), x, neg), pos);
  }
  if (idof<O>() == idof<Tanh>()) return vtanh(x);
  if (idof<O>() == idof<Sigmoid>()) return vsigmoid(x);
  if (idof<O>() == idof<Relu>()) return v128.and(x, f32x4.gt(x, f32x4.splat(0)));
  if (idof<O>() == idof<Leaky>()) return v128.bitselect(x, f32x4.mul(x, p), f32x4.gt(x, f32x4.splat(0)));
  if (idof<O>() == idof<Elu>()) return v128.bitselect(x, f32x4.mul(p, vexpm1(x)), f32x4.gt(x, f32x4.splat(0)));
  if (idof<O>() == idof<Gelu>()) {
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
  if (idof<O>() == idof<Silu>()) return f32x4.mul(x, vsigmoid(x));
  if (idof<O>() == idof<Softplus>()) {
    // βx > 20 → x, else log1p(e^{βx})/β, with βx formed exactly in f64
    const yl = f64x2.mul(lo64(x), pd);
    const yh = f64x2.mul(hi64(x), pd);
    const y = join32(yl, yh);
    const l = vlog1p(vexp2(y, residual32(yl, yh, y)));
    const sp = join32(f64x2.mul(lo64(l), pdInv), f64x2.mul(hi64(l), pdInv));
    return v128.bitselect(x, sp, f32x4.gt(y, kc(K_TWENTY)));
  }
  if (idof<O>() == idof<Ssp>()) return vssp(x);
  return x;
}

// @ts-ignore: decorator
@inline function unaryLoop<O>(a: usize, out: usize, n: i32, p: v128, pd: v128, pdInv: v128): void {
  const end = a + (<usize>n << 2);
  const d = out - a;
  let pa = a;
  // four independent vectors per step: V8 does not unroll, the loop overhead is as large as a cheap
  // op's work, and the long chains of dependent operations of exp, log, tanh, … overlap (1.4–2.1×
  // faster than one vector per step, the same bits)
  for (; pa + 64 <= end; pa += 64) {
    const y0 = uop<O>(v128.load(pa), p, pd, pdInv);
    const y1 = uop<O>(v128.load(pa, 16), p, pd, pdInv);
    const y2 = uop<O>(v128.load(pa, 32), p, pd, pdInv);
    const y3 = uop<O>(v128.load(pa, 48), p, pd, pdInv);
    v128.store(pa + d, y0);
    v128.store(pa + d, y1, 16);
    v128.store(pa + d, y2, 32);
    v128.store(pa + d, y3, 48);
  }
  for (; pa < end; pa += 16) v128.store(pa + d, uop<O>(v128.load(pa), p, pd, pdInv));
}

/** out[i] = f(a[i]) for i < n (n a multiple of 4); `p` is the op's parameter. */
export function unaryF32(op: i32, a: usize, out: usize, n: i32, param: f64): void {
  const p = splat(<f32>param);
  const pd = f64x2.splat(param);
  const pdInv = f64x2.splat(1.0 / param);
  switch (op) {
    case U_NEG: unaryLoop<Neg>(a, out, n, p, pd, pdInv); break;
    case U_EXP: unaryLoop<Exp>(a, out, n, p, pd, pdInv); break;
    case U_LOG: unaryLoop<Log>(a, out, n, p, pd, pdInv); break;
    case U_LOG1P: unaryLoop<Log1p>(a, out, n, p, pd, pdInv); break;
    case U_SQRT: unaryLoop<Sqrt>(a, out, n, p, pd, pdInv); break;
    case U_RSQRT: unaryLoop<Rsqrt>(a, out, n, p, pd, pdInv); break;
    case U_ABS: unaryLoop<Abs>(a, out, n, p, pd, pdInv); break;
    case U_SIGN: unaryLoop<Sign>(a, out, n, p, pd, pdInv); break;
    case U_TANH: unaryLoop<Tanh>(a, out, n, p, pd, pdInv); break;
    case U_SIGMOID: unaryLoop<Sigmoid>(a, out, n, p, pd, pdInv); break;
    case U_RELU: unaryLoop<Relu>(a, out, n, p, pd, pdInv); break;
    case U_LEAKY: unaryLoop<Leaky>(a, out, n, p, pd, pdInv); break;
    case U_ELU: unaryLoop<Elu>(a, out, n, p, pd, pdInv); break;
    case U_GELU: unaryLoop<Gelu>(a, out, n, p, pd, pdInv); break;
    case U_SILU: unaryLoop<Silu>(a, out, n, p, pd, pdInv); break;
    case U_SOFTPLUS: unaryLoop<Softplus>(a, out, n, p, pd, pdInv); break;
    case U_SSP: unaryLoop<Ssp>(a, out, n, p, pd, pdInv); break;
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
@inline function gop<O>(x: v128, g: v128, pd: v128): v128 {
  if (idof<O>() == idof<Softplus>()) {
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
  if (op == G_SOFTPLUS) gradLoop<Softplus>(x, g, out, end, pd);
  else gradLoop<Ssp>(x, g, out, end, pd);
}

/** The loop of {@link unaryGradF32} over `end` bytes: four independent vectors per step, then one at a time. */
// @ts-ignore: decorator
@inline function gradLoop<O>(x: usize, g: usize, out: usize, end: usize, pd: v128): void {
  let o: usize = 0;
  for (; o + 64 <= end; o += 64) {
    const y0 = gop<O>(v128.load(x + o), v128.load(g + o), pd);
    const y1 = gop<O>(v128.load(x + o, 16), v128.load(g + o, 16), pd);
    const y2 = gop<O>(v128.load(x + o, 32), v128.load(g + o, 32), pd);
    const y3 = gop<O>(v128.load(x + o, 48), v128.load(g + o, 48), pd);
    v128.store(out + o, y0);
    v128.store(out + o, y1, 16);
    v128.store(out + o, y2, 32);
    v128.store(out + o, y3, 48);
  }
  for (; o < end; o += 16) v128.store(out + o, gop<O>(v128.load(x + o), v128.load(g + o), pd));
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

// binary op markers (type arguments of bop, sop and the loops)
class Add {}
class Sub {}
class Mul {}
class Div {}
class Max {}
class Min {}

// @ts-ignore: decorator
@inline function bop<O>(x: v128, y: v128): v128 {
  if (idof<O>() == idof<Add>()) return f32x4.add(x, y);
  if (idof<O>() == idof<Sub>()) return f32x4.sub(x, y);
  if (idof<O>() == idof<Mul>()) return f32x4.mul(x, y);
  if (idof<O>() == idof<Div>()) return f32x4.div(x, y);
  if (idof<O>() == idof<Max>()) return f32x4.max(x, y);
  return f32x4.min(x, y);
}

// @ts-ignore: decorator
@inline function sop<O>(x: f32, y: f32): f32 {
  if (idof<O>() == idof<Add>()) return x + y;
  if (idof<O>() == idof<Sub>()) return x - y;
  if (idof<O>() == idof<Mul>()) return x * y;
  if (idof<O>() == idof<Div>()) return x / y;
  if (idof<O>() == idof<Max>()) return max<f32>(x, y);
  return min<f32>(x, y);
}

// @ts-ignore: decorator
@inline function sameLoop<O>(a: usize, b: usize, out: usize, n: i32): void {
  const end = <usize>n << 2;
  let o: usize = 0;
  // four vectors per step: V8 does not unroll, and the loop overhead is as large as the work
  for (; o + 64 <= end; o += 64) {
    const pa = a + o;
    const pb = b + o;
    const po = out + o;
    v128.store(po, bop<O>(v128.load(pa), v128.load(pb)));
    v128.store(po, bop<O>(v128.load(pa, 16), v128.load(pb, 16)), 16);
    v128.store(po, bop<O>(v128.load(pa, 32), v128.load(pb, 32)), 32);
    v128.store(po, bop<O>(v128.load(pa, 48), v128.load(pb, 48)), 48);
  }
  for (; o < end; o += 16) v128.store(out + o, bop<O>(v128.load(a + o), v128.load(b + o)));
}

/** out[i] = a[i] op b[i] for i < n (n a multiple of 4). */
export function binarySameF32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  switch (op) {
    case B_ADD: sameLoop<Add>(a, b, out, n); break;
    case B_SUB: sameLoop<Sub>(a, b, out, n); break;
    case B_MUL: sameLoop<Mul>(a, b, out, n); break;
    case B_DIV: sameLoop<Div>(a, b, out, n); break;
    case B_MAX: sameLoop<Max>(a, b, out, n); break;
    default: sameLoop<Min>(a, b, out, n); break;
  }
}

// @ts-ignore: decorator
@inline function scalarLoop<O>(a: usize, s: v128, out: usize, n: i32, swap: bool): void {
  const end = <usize>n << 2;
  let o: usize = 0;
  if (swap) {
    for (; o + 64 <= end; o += 64) {
      const pa = a + o;
      const po = out + o;
      v128.store(po, bop<O>(s, v128.load(pa)));
      v128.store(po, bop<O>(s, v128.load(pa, 16)), 16);
      v128.store(po, bop<O>(s, v128.load(pa, 32)), 32);
      v128.store(po, bop<O>(s, v128.load(pa, 48)), 48);
    }
    for (; o < end; o += 16) v128.store(out + o, bop<O>(s, v128.load(a + o)));
  } else {
    for (; o + 64 <= end; o += 64) {
      const pa = a + o;
      const po = out + o;
      v128.store(po, bop<O>(v128.load(pa), s));
      v128.store(po, bop<O>(v128.load(pa, 16), s), 16);
      v128.store(po, bop<O>(v128.load(pa, 32), s), 32);
      v128.store(po, bop<O>(v128.load(pa, 48), s), 48);
    }
    for (; o < end; o += 16) v128.store(out + o, bop<O>(v128.load(a + o), s));
  }
}

/** out[i] = a[i] op s (or s op a[i] when `swap`) for i < n (n a multiple of 4). */
export function binaryScalarF32(op: i32, a: usize, s: f32, out: usize, n: i32, swap: bool): void {
  const v = splat(s);
  switch (op) {
    case B_ADD: scalarLoop<Add>(a, v, out, n, swap); break;
    case B_SUB: scalarLoop<Sub>(a, v, out, n, swap); break;
    case B_MUL: scalarLoop<Mul>(a, v, out, n, swap); break;
    case B_DIV: scalarLoop<Div>(a, v, out, n, swap); break;
    case B_MAX: scalarLoop<Max>(a, v, out, n, swap); break;
    default: scalarLoop<Min>(a, v, out, n, swap); break;
  }
}

// @ts-ignore: decorator
@inline function rowLoop<O>(a: usize, b: usize, out: usize, R: i32, L: i32, swap: bool): void {
  const rowBytes = <usize>L << 2;
  const vend = <usize>(L & ~3) << 2;
  for (let r = 0; r < R; r++) {
    const pa = a + <usize>r * rowBytes;
    const po = out + <usize>r * rowBytes;
    let o: usize = 0;
    if (swap) {
      for (; o < vend; o += 16) v128.store(po + o, bop<O>(v128.load(b + o), v128.load(pa + o)));
      for (; o < rowBytes; o += 4) store<f32>(po + o, sop<O>(load<f32>(b + o), load<f32>(pa + o)));
    } else {
      for (; o < vend; o += 16) v128.store(po + o, bop<O>(v128.load(pa + o), v128.load(b + o)));
      for (; o < rowBytes; o += 4) store<f32>(po + o, sop<O>(load<f32>(pa + o), load<f32>(b + o)));
    }
  }
}

/** out[r, c] = a[r, c] op b[c] (or b[c] op a[r, c] when `swap`), a and out [R, L], b [L]. */
export function binaryRowF32(op: i32, a: usize, b: usize, out: usize, R: i32, L: i32, swap: bool): void {
  switch (op) {
    case B_ADD: rowLoop<Add>(a, b, out, R, L, swap); break;
    case B_SUB: rowLoop<Sub>(a, b, out, R, L, swap); break;
    case B_MUL: rowLoop<Mul>(a, b, out, R, L, swap); break;
    case B_DIV: rowLoop<Div>(a, b, out, R, L, swap); break;
    case B_MAX: rowLoop<Max>(a, b, out, R, L, swap); break;
    default: rowLoop<Min>(a, b, out, R, L, swap); break;
  }
}

// @ts-ignore: decorator
@inline function colLoop<O>(a: usize, b: usize, out: usize, R: i32, L: i32, swap: bool): void {
  const rowBytes = <usize>L << 2;
  const vend = <usize>(L & ~3) << 2;
  for (let r = 0; r < R; r++) {
    const pa = a + <usize>r * rowBytes;
    const po = out + <usize>r * rowBytes;
    const sb = load<f32>(b + (<usize>r << 2));
    const vb = splat(sb);
    let o: usize = 0;
    if (swap) {
      for (; o < vend; o += 16) v128.store(po + o, bop<O>(vb, v128.load(pa + o)));
      for (; o < rowBytes; o += 4) store<f32>(po + o, sop<O>(sb, load<f32>(pa + o)));
    } else {
      for (; o < vend; o += 16) v128.store(po + o, bop<O>(v128.load(pa + o), vb));
      for (; o < rowBytes; o += 4) store<f32>(po + o, sop<O>(load<f32>(pa + o), sb));
    }
  }
}

/** out[r, c] = a[r, c] op b[r] (or b[r] op a[r, c] when `swap`), a and out [R, L], b [R]. */
export function binaryColF32(op: i32, a: usize, b: usize, out: usize, R: i32, L: i32, swap: bool): void {
  switch (op) {
    case B_ADD: colLoop<Add>(a, b, out, R, L, swap); break;
    case B_SUB: colLoop<Sub>(a, b, out, R, L, swap); break;
    case B_MUL: colLoop<Mul>(a, b, out, R, L, swap); break;
    case B_DIV: colLoop<Div>(a, b, out, R, L, swap); break;
    case B_MAX: colLoop<Max>(a, b, out, R, L, swap); break;
    default: colLoop<Min>(a, b, out, R, L, swap); break;
  }
}
