// Reductions and row softmax. Sums and products accumulate in f64 (as the reference does), so the
// f32 results agree with it to the last bit or two.
import { K_EXP_NORMAL_LO, K_NINF, kc, vexpNonPosFused, vexpNormalFused, vlog } from "./math";

// @ts-ignore: decorator
@inline const R_SUM = 0;
// @ts-ignore: decorator
@inline const R_MAX = 1;
// @ts-ignore: decorator
@inline const R_MIN = 2;
// @ts-ignore: decorator
@inline const R_PROD = 3;

// @ts-ignore: decorator
@inline function hi2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3));
}

/** Reduction of the n contiguous floats at a (f64 result; NaN for max/min of nothing). */
export function reduceContig(op: i32, a: usize, n: i32): f64 {
  const vend = a + (<usize>(n & ~3) << 2);
  const end = a + (<usize>n << 2);
  let p = a;
  if (op == R_SUM || op == R_PROD) {
    const isSum = op == R_SUM;
    let acc0 = f64x2.splat(isSum ? 0.0 : 1.0);
    let acc1 = acc0;
    if (isSum) {
      for (; p < vend; p += 16) {
        const v = v128.load(p);
        acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v));
        acc1 = f64x2.add(acc1, hi2(v));
      }
    } else {
      for (; p < vend; p += 16) {
        const v = v128.load(p);
        acc0 = f64x2.mul(acc0, f64x2.promote_low_f32x4(v));
        acc1 = f64x2.mul(acc1, hi2(v));
      }
    }
    let s: f64;
    if (isSum) {
      const t = f64x2.add(acc0, acc1);
      s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
      for (; p < end; p += 4) s += <f64>load<f32>(p);
    } else {
      const t = f64x2.mul(acc0, acc1);
      s = f64x2.extract_lane(t, 0) * f64x2.extract_lane(t, 1);
      for (; p < end; p += 4) s *= <f64>load<f32>(p);
    }
    return s;
  }
  if (n == 0) return NaN;
  const isMax = op == R_MAX;
  let m: f32 = load<f32>(a);
  if (vend > a) {
    let acc = v128.load(a);
    if (isMax) for (p = a + 16; p < vend; p += 16) acc = f32x4.max(acc, v128.load(p));
    else for (p = a + 16; p < vend; p += 16) acc = f32x4.min(acc, v128.load(p));
    const a0 = f32x4.extract_lane(acc, 0);
    const a1 = f32x4.extract_lane(acc, 1);
    const a2 = f32x4.extract_lane(acc, 2);
    const a3 = f32x4.extract_lane(acc, 3);
    m = isMax ? max(max(a0, a1), max(a2, a3)) : min(min(a0, a1), min(a2, a3));
  } else p = a;
  if (isMax) for (; p < end; p += 4) m = max(m, load<f32>(p));
  else for (; p < end; p += 4) m = min(m, load<f32>(p));
  return <f64>m;
}

/**
 * Reduces the middle axis of [outer, n, inner] into out[outer, inner]. `scratch` holds inner f64
 * accumulators (8·inner bytes) for sum/prod when inner > 1.
 */
export function reduceAxisF32(op: i32, a: usize, outer: i32, n: i32, inner: i32, out: usize, scratch: usize): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) store<f32>(out + (<usize>o << 2), <f32>reduceContig(op, a + (<usize>o * <usize>n << 2), n));
    return;
  }
  const rowBytes = <usize>inner << 2;
  const vend = <usize>(inner & ~3) << 2;
  for (let o = 0; o < outer; o++) {
    const base = a + <usize>o * <usize>n * rowBytes;
    const po = out + <usize>o * rowBytes;
    if (op == R_SUM || op == R_PROD) {
      const isSum = op == R_SUM;
      const init = f64x2.splat(isSum ? 0.0 : 1.0);
      for (let j = 0; j < inner; j += 2) v128.store(scratch + (<usize>j << 3), init);
      for (let k = 0; k < n; k++) {
        const row = base + <usize>k * rowBytes;
        let o2: usize = 0;
        if (isSum) {
          for (; o2 < vend; o2 += 16) {
            const v = v128.load(row + o2);
            const s = scratch + (o2 << 1);
            v128.store(s, f64x2.add(v128.load(s), f64x2.promote_low_f32x4(v)));
            v128.store(s, f64x2.add(v128.load(s, 16), hi2(v)), 16);
          }
          for (; o2 < rowBytes; o2 += 4) {
            const s = scratch + (o2 << 1);
            store<f64>(s, load<f64>(s) + <f64>load<f32>(row + o2));
          }
        } else {
          for (; o2 < vend; o2 += 16) {
            const v = v128.load(row + o2);
            const s = scratch + (o2 << 1);
            v128.store(s, f64x2.mul(v128.load(s), f64x2.promote_low_f32x4(v)));
            v128.store(s, f64x2.mul(v128.load(s, 16), hi2(v)), 16);
          }
          for (; o2 < rowBytes; o2 += 4) {
            const s = scratch + (o2 << 1);
            store<f64>(s, load<f64>(s) * <f64>load<f32>(row + o2));
          }
        }
      }
      let o2: usize = 0;
      for (; o2 < vend; o2 += 16) {
        const s = scratch + (o2 << 1);
        const lo = f32x4.demote_f64x2_zero(v128.load(s));
        const hi = f32x4.demote_f64x2_zero(v128.load(s, 16));
        v128.store(po + o2, v128.shuffle<i32>(lo, hi, 0, 1, 4, 5));
      }
      for (; o2 < rowBytes; o2 += 4) store<f32>(po + o2, <f32>load<f64>(scratch + (o2 << 1)));
    } else {
      const isMax = op == R_MAX;
      if (n == 0) {
        for (let o2: usize = 0; o2 < rowBytes; o2 += 4) store<f32>(po + o2, NaN);
        continue;
      }
      memory.copy(po, base, rowBytes);
      for (let k = 1; k < n; k++) {
        const row = base + <usize>k * rowBytes;
        let o2: usize = 0;
        if (isMax) {
          for (; o2 < vend; o2 += 16) v128.store(po + o2, f32x4.max(v128.load(po + o2), v128.load(row + o2)));
          for (; o2 < rowBytes; o2 += 4) store<f32>(po + o2, max(load<f32>(po + o2), load<f32>(row + o2)));
        } else {
          for (; o2 < vend; o2 += 16) v128.store(po + o2, f32x4.min(v128.load(po + o2), v128.load(row + o2)));
          for (; o2 < rowBytes; o2 += 4) store<f32>(po + o2, min(load<f32>(po + o2), load<f32>(row + o2)));
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function tailMask(rem: i32): v128 {
  // lanes [0, rem) all ones
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem));
}

/** Max of the four lanes, in all four lanes (pmax: NaN handling is left to the exp that follows). */
// @ts-ignore: decorator
@inline function hmax4(v: v128): v128 {
  v = f32x4.pmax(v, v128.shuffle<i32>(v, v, 2, 3, 0, 1));
  return f32x4.pmax(v, v128.shuffle<i32>(v, v, 1, 0, 3, 2));
}

/** Sum of the four lanes, in all four lanes. */
// @ts-ignore: decorator
@inline function hsum4(v: v128): v128 {
  v = f32x4.add(v, v128.shuffle<i32>(v, v, 2, 3, 0, 1));
  return f32x4.add(v, v128.shuffle<i32>(v, v, 1, 0, 3, 2));
}

/**
 * Row softmax (or log-softmax) of a [rows, cols]. Full vectors are written past the end of each row
 * of `out` and fixed by the next row, so `out` (and `a`) need 4 floats of padding after rows·cols.
 * A NaN anywhere in a row makes the whole row NaN, as in the reference.
 */
export function softmaxRowsF32(a: usize, rows: i32, cols: i32, out: usize, log: bool): void {
  if (cols == 8) {
    if (log) softmax8(a, rows, out, true);
    else softmax8(a, rows, out, false);
    return;
  }
  const rowBytes = <usize>cols << 2;
  const full = <usize>(cols & ~3) << 2;
  const rem = cols & 3;
  const mask = tailMask(rem);
  const ninf = kc(K_NINF);
  for (let r = 0; r < rows; r++) {
    const pa = a + <usize>r * rowBytes;
    const po = out + <usize>r * rowBytes;
    let mv = ninf;
    let o: usize = 0;
    for (; o < full; o += 16) mv = f32x4.pmax(mv, v128.load(pa + o));
    if (rem) mv = f32x4.pmax(mv, v128.bitselect(v128.load(pa + o), ninf, mask));
    const vm = hmax4(mv);
    let sv = f32x4.splat(0);
    for (o = 0; o < full; o += 16) {
      const e = vexpNonPosFused(f32x4.sub(v128.load(pa + o), vm));
      if (!log) v128.store(po + o, e);
      sv = f32x4.add(sv, e);
    }
    if (rem) {
      const e = v128.and(vexpNonPosFused(f32x4.sub(v128.load(pa + o), vm)), mask);
      if (!log) v128.store(po + o, e);
      sv = f32x4.add(sv, e);
    }
    const vs = hsum4(sv);
    if (log) {
      const ls = f32x4.add(vm, vlog(vs));
      for (o = 0; o < full; o += 16) v128.store(po + o, f32x4.sub(v128.load(pa + o), ls));
      if (rem) v128.store(po + o, f32x4.sub(v128.load(pa + o), ls));
    } else {
      for (o = 0; o < full; o += 16) v128.store(po + o, f32x4.div(v128.load(po + o), vs));
      if (rem) v128.store(po + o, f32x4.div(v128.load(po + o), vs));
    }
  }
}

/** One row of 8 of {@link softmax8}: its operations for one row. */
// @ts-ignore: decorator
@inline function softmaxRow8(pa: usize, po: usize, log: bool): void {
  const x0 = v128.load(pa);
  const x1 = v128.load(pa, 16);
  const vm = hmax4(f32x4.pmax(x0, x1));
  const e0 = vexpNonPosFused(f32x4.sub(x0, vm));
  const e1 = vexpNonPosFused(f32x4.sub(x1, vm));
  const vs = hsum4(f32x4.add(e0, e1));
  if (log) {
    const ls = f32x4.add(vm, vlog(vs));
    v128.store(po, f32x4.sub(x0, ls));
    v128.store(po, f32x4.sub(x1, ls), 16);
  } else if (ASC_FEATURE_RELAXED_SIMD) {
    // as softmax8's steps in this build: the reciprocal's product
    const q = f32x4.div(f32x4.splat(1), vs);
    v128.store(po, f32x4.mul(e0, q));
    v128.store(po, f32x4.mul(e1, q), 16);
  } else {
    v128.store(po, f32x4.div(e0, vs));
    v128.store(po, f32x4.div(e1, vs), 16);
  }
}

/**
 * The lane sums of four vectors, [Σa, Σb, Σc, Σd], each added in {@link hsum4}'s order (its bits):
 * six shuffles and three adds for four rows instead of eight and eight.
 */
// @ts-ignore: decorator
@inline function hsum4x4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<i32>(a, b, 0, 1, 4, 5), v128.shuffle<i32>(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(v128.shuffle<i32>(c, d, 0, 1, 4, 5), v128.shuffle<i32>(c, d, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<i32>(ab, cd, 0, 2, 4, 6), v128.shuffle<i32>(ab, cd, 1, 3, 5, 7));
}

/** Lane 0 of each of four vectors, [a₀, b₀, c₀, d₀]. */
// @ts-ignore: decorator
@inline function lane0x4(a: v128, b: v128, c: v128, d: v128): v128 {
  return v128.shuffle<i32>(v128.shuffle<i32>(a, b, 0, 4, 0, 4), v128.shuffle<i32>(c, d, 0, 4, 0, 4), 0, 1, 4, 5);
}

// How storeRows4x8 combines a row with its lane: x − v, x · v or x / v (markers: type arguments, so
// each instantiation keeps its op only; see elementwise.ts)
class RowSub {}
class RowMul {}
class RowDiv {}

/**
 * Stores four rows of 8 (row a = [a0, a1], then b, c, d) at `po`, each combined by the op `O`
 * (`RowSub`, `RowMul` or `RowDiv`) with its lane of `v` (lane 0 for a, …, lane 3 for d).
 */
// @ts-ignore: decorator
@inline function storeRows4x8<O>(
  po: usize,
  v: v128,
  a0: v128,
  a1: v128,
  b0: v128,
  b1: v128,
  c0: v128,
  c1: v128,
  d0: v128,
  d1: v128,
): void {
  const av = v128.shuffle<i32>(v, v, 0, 0, 0, 0);
  const bv = v128.shuffle<i32>(v, v, 1, 1, 1, 1);
  const cv = v128.shuffle<i32>(v, v, 2, 2, 2, 2);
  const dv = v128.shuffle<i32>(v, v, 3, 3, 3, 3);
  v128.store(po, rowOp<O>(a0, av));
  v128.store(po, rowOp<O>(a1, av), 16);
  v128.store(po, rowOp<O>(b0, bv), 32);
  v128.store(po, rowOp<O>(b1, bv), 48);
  v128.store(po, rowOp<O>(c0, cv), 64);
  v128.store(po, rowOp<O>(c1, cv), 80);
  v128.store(po, rowOp<O>(d0, dv), 96);
  v128.store(po, rowOp<O>(d1, dv), 112);
}

/** x − v, x · v or x / v by the op `O` (see {@link storeRows4x8}). */
// @ts-ignore: decorator
@inline function rowOp<O>(x: v128, v: v128): v128 {
  if (idof<O>() == idof<RowSub>()) return f32x4.sub(x, v);
  if (idof<O>() == idof<RowMul>()) return f32x4.mul(x, v);
  return f32x4.div(x, v);
}

/**
 * Rows of 8 (GAT's attention heads): four rows per step, interleaved so that their exponentials
 * overlap (one row's chain of dependent operations is long), and x − max ≤ 0 takes the exponential
 * without its upper clamp; where all of a step's x − max are at least −86 (the usual case), its
 * one-step scaling (exact there: the same bits). The four rows' sums are gathered into one vector, so log-softmax takes one
 * logarithm per step. The general loop's operations in its order, with two exceptions. The max starts
 * from the row's first lanes rather than −∞: the same max, and a row with a NaN is NaN either way.
 * The relaxed-SIMD build divides by multiplying with the four sums' reciprocals (one division per
 * step instead of eight; within an ulp or so of the quotient), as it fuses the exponential's
 * multiply-adds; the baseline build divides, so its bits are the general loop's.
 */
// @ts-ignore: decorator
@inline function softmax8(a: usize, rows: i32, out: usize, log: bool): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const pa = a + (<usize>r << 5);
    const po = out + (<usize>r << 5);
    const a0 = v128.load(pa);
    const a1 = v128.load(pa, 16);
    const b0 = v128.load(pa, 32);
    const b1 = v128.load(pa, 48);
    const c0 = v128.load(pa, 64);
    const c1 = v128.load(pa, 80);
    const d0 = v128.load(pa, 96);
    const d1 = v128.load(pa, 112);
    const am = hmax4(f32x4.pmax(a0, a1));
    const bm = hmax4(f32x4.pmax(b0, b1));
    const cm = hmax4(f32x4.pmax(c0, c1));
    const dm = hmax4(f32x4.pmax(d0, d1));
    const ax0 = f32x4.sub(a0, am);
    const ax1 = f32x4.sub(a1, am);
    const bx0 = f32x4.sub(b0, bm);
    const bx1 = f32x4.sub(b1, bm);
    const cx0 = f32x4.sub(c0, cm);
    const cx1 = f32x4.sub(c1, cm);
    const dx0 = f32x4.sub(d0, dm);
    const dx1 = f32x4.sub(d1, dm);
    // every x − max ≥ −86 (false for NaN): the one-step scaling, the same bits
    const lo = kc(K_EXP_NORMAL_LO);
    const inA = v128.and(f32x4.ge(ax0, lo), f32x4.ge(ax1, lo));
    const inB = v128.and(f32x4.ge(bx0, lo), f32x4.ge(bx1, lo));
    const inC = v128.and(f32x4.ge(cx0, lo), f32x4.ge(cx1, lo));
    const inD = v128.and(f32x4.ge(dx0, lo), f32x4.ge(dx1, lo));
    let ae0: v128, ae1: v128, be0: v128, be1: v128, ce0: v128, ce1: v128, de0: v128, de1: v128;
    if (i32x4.all_true(v128.and(v128.and(inA, inB), v128.and(inC, inD)))) {
      ae0 = vexpNormalFused(ax0);
      ae1 = vexpNormalFused(ax1);
      be0 = vexpNormalFused(bx0);
      be1 = vexpNormalFused(bx1);
      ce0 = vexpNormalFused(cx0);
      ce1 = vexpNormalFused(cx1);
      de0 = vexpNormalFused(dx0);
      de1 = vexpNormalFused(dx1);
    } else {
      ae0 = vexpNonPosFused(ax0);
      ae1 = vexpNonPosFused(ax1);
      be0 = vexpNonPosFused(bx0);
      be1 = vexpNonPosFused(bx1);
      ce0 = vexpNonPosFused(cx0);
      ce1 = vexpNonPosFused(cx1);
      de0 = vexpNonPosFused(dx0);
      de1 = vexpNonPosFused(dx1);
    }
    // [Σa, Σb, Σc, Σd]
    const s = hsum4x4(f32x4.add(ae0, ae1), f32x4.add(be0, be1), f32x4.add(ce0, ce1), f32x4.add(de0, de1));
    if (log) {
      const l = f32x4.add(lane0x4(am, bm, cm, dm), vlog(s));
      storeRows4x8<RowSub>(po, l, a0, a1, b0, b1, c0, c1, d0, d1);
    } else if (ASC_FEATURE_RELAXED_SIMD) {
      storeRows4x8<RowMul>(po, f32x4.div(f32x4.splat(1), s), ae0, ae1, be0, be1, ce0, ce1, de0, de1);
    } else {
      storeRows4x8<RowDiv>(po, s, ae0, ae1, be0, be1, ce0, ce1, de0, de1);
    }
  }
  for (; r < rows; r++) softmaxRow8(a + (<usize>r << 5), out + (<usize>r << 5), log);
}
