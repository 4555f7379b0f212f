// Winograd F(4×4, 3×3) for 3×3 stride-1 convolutions, f32 (twin: src/kernels/ref/winograd.ts).
// Tiles are laid out tile-minor: V[ξ][c][t] (ξ the 36 positions of the 6×6 transformed tile, t the
// tile index ty·tw + tx plus an offset for several images in one block, rows of Tp floats). The
// transforms work on four horizontally adjacent tiles at once (one f32x4 lane per tile): a row pass
// along whole padded rows, then 4×4 transposes give the tile columns. Stores of a row's last group may
// spill up to 3 lanes into the next row's tiles; rows are written in order, so those are overwritten,
// and Tp leaves room for the spill of the last row.

import { copyRow } from "./lanes";
import { madd } from "./math";

// Scratch (globals, not constants: each thread of a kernel team points its instance at a block of its
// own with setWinogradScratch, so concurrent calls never share it).
let WS: usize = memory.data(24 * 16, 16);
let RS: usize = memory.data(4 * 16, 16);

/**
 * Points the scratch of the transforms at `p` (2,816 bytes, 16-byte aligned: WS 384, RS 64, KS 2,304):
 * one block per thread of a kernel team.
 */
export function setWinogradScratch(p: usize): void {
  WS = p;
  RS = p + 384;
  KS = p + 448;
}

/**
 * Bᵀ·(d0..d5) stored at p, p + st, …, p + 5·st (bytes):
 * (4d0 − 5d2 + d4, −4d1 − 4d2 + d3 + d4, 4d1 − 4d2 − d3 + d4, −2d1 − d2 + 2d3 + d4, 2d1 − d2 − 2d3 + d4, 4d1 − 5d3 + d5).
 */
// @ts-ignore: decorator
@inline function bt6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, p: usize, st: usize): void {
  const four = f32x4.splat(4);
  const a = f32x4.sub(d4, f32x4.mul(four, d2));
  const b = f32x4.sub(d3, f32x4.mul(four, d1));
  const c = f32x4.sub(d4, d2);
  const e = f32x4.mul(f32x4.splat(2), f32x4.sub(d3, d1));
  const d2x5 = f32x4.add(d2, f32x4.mul(four, d2));
  const d3x5 = f32x4.add(d3, f32x4.mul(four, d3));
  v128.store(p, f32x4.add(f32x4.sub(f32x4.mul(four, d0), d2x5), d4));
  v128.store(p + st, f32x4.add(a, b));
  v128.store(p + 2 * st, f32x4.sub(a, b));
  v128.store(p + 3 * st, f32x4.add(c, e));
  v128.store(p + 4 * st, f32x4.sub(c, e));
  v128.store(p + 5 * st, f32x4.add(f32x4.sub(f32x4.mul(four, d1), d3x5), d5));
}

/** A·(g0..g3) (A = (Aᵀ)ᵀ, 6×4): (g0, g0+g1+g2+g3, g0−g1+g2−g3, g0+2g1+4g2+8g3, g0−2g1+4g2−8g3, g3). */
// @ts-ignore: decorator
@inline function a6(g0: v128, g1: v128, g2: v128, g3: v128, p: usize, st: usize): void {
  const e = f32x4.add(g0, g2);
  const o = f32x4.add(g1, g3);
  const e2 = f32x4.add(g0, f32x4.mul(f32x4.splat(4), g2));
  const o2 = f32x4.mul(f32x4.splat(2), f32x4.add(g1, f32x4.mul(f32x4.splat(4), g3)));
  v128.store(p, g0);
  v128.store(p + st, f32x4.add(e, o));
  v128.store(p + 2 * st, f32x4.sub(e, o));
  v128.store(p + 3 * st, f32x4.add(e2, o2));
  v128.store(p + 4 * st, f32x4.sub(e2, o2));
  v128.store(p + 5 * st, g3);
}

/**
 * Input transform of one image: C planes of H×W at x → V[ξ][c][t0 + tile] (rows of Tp floats, Cs
 * rows per ξ). Scratch: xp (Hp·Wq floats, Hp = 4·th + 2, Wq = 16·⌈tw/4⌉ + 4) and tb (6·Wq floats).
 */
export function wgInputF32(x: usize, C: i32, H: i32, W: i32, ph: i32, pw: i32, th: i32, tw: i32, xp: usize, tb: usize, V: usize, Cs: i32, Tp: i32, t0: i32): void {
  const groups = (tw + 3) >> 2;
  const Wq = 16 * groups + 4;
  const Hp = 4 * th + 2;
  const rowB = <usize>Wq << 2;
  memory.fill(xp, 0, <usize>(Hp * Wq) << 2);
  const stV = (<usize>Cs * <usize>Tp) << 2;
  const plane = <usize>(H * W) << 2;
  const rows = min(H, Hp - ph);
  for (let c = 0; c < C; c++) {
    const src = x + <usize>c * plane;
    for (let i = 0; i < rows; i++) {
      copyRow(xp + <usize>(ph + i) * rowB + (<usize>pw << 2), src + (<usize>(i * W) << 2), W);
    }
    const vc = V + ((<usize>c * <usize>Tp + <usize>t0) << 2);
    for (let ty = 0; ty < th; ty++) {
      // rows: tb[i] = Σ_r Bᵀ[i][r]·xp[4ty + r]
      const base = xp + <usize>(4 * ty) * rowB;
      for (let o: usize = 0; o < rowB; o += 16) {
        const p = base + o;
        bt6(v128.load(p), v128.load(p + rowB), v128.load(p + 2 * rowB), v128.load(p + 3 * rowB), v128.load(p + 4 * rowB), v128.load(p + 5 * rowB), tb + o, rowB);
      }
      // columns, four tiles at a time
      for (let g = 0; g < groups; g++) {
        const dst0 = vc + (<usize>(ty * tw + 4 * g) << 2);
        for (let i = 0; i < 6; i++) {
          const p = tb + <usize>i * rowB + (<usize>(16 * g) << 2);
          const q0 = v128.load(p);
          const q1 = v128.load(p, 16);
          const q2 = v128.load(p, 32);
          const q3 = v128.load(p, 48);
          const q4 = v128.load(p, 64);
          const l01 = v128.shuffle<i32>(q0, q1, 0, 4, 1, 5);
          const l23 = v128.shuffle<i32>(q2, q3, 0, 4, 1, 5);
          const h01 = v128.shuffle<i32>(q0, q1, 2, 6, 3, 7);
          const h23 = v128.shuffle<i32>(q2, q3, 2, 6, 3, 7);
          const c0 = v128.shuffle<i64>(l01, l23, 0, 2);
          const c1 = v128.shuffle<i64>(l01, l23, 1, 3);
          const c2 = v128.shuffle<i64>(h01, h23, 0, 2);
          const c3 = v128.shuffle<i64>(h01, h23, 1, 3);
          const c4 = v128.shuffle<f32>(c0, q4, 1, 2, 3, 4);
          const c5 = v128.shuffle<f32>(c1, q4, 1, 2, 3, 5);
          bt6(c0, c1, c2, c3, c4, c5, dst0 + <usize>(6 * i) * stV, stV);
        }
      }
    }
  }
}

/** Copies n floats from src to dst like {@link copyRow} and returns their sum (the bias gradient's share). */
// @ts-ignore: decorator
@inline function copyRowSum(dst: usize, src: usize, n: i32): f32 {
  const nb = <usize>n << 2;
  let acc = f32x4.splat(0);
  let o: usize = 0;
  for (; o + 16 <= nb; o += 16) {
    const v = v128.load(src + o);
    v128.store(dst + o, v);
    acc = f32x4.add(acc, v);
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; o < nb; o += 4) {
    const v = load<f32>(src + o);
    store<f32>(dst + o, v);
    s += v;
  }
  return s;
}

/**
 * Output-gradient transform of one image for the weight gradient: Og planes of oh×ow at gy →
 * Y[ξ][m][t0 + tile] = (A·gy_tile·Aᵀ)[ξ] (rows of Tp floats, Ms rows per ξ), gy zero past the edge.
 * Scratch: gp (4·th·Wg floats, Wg = 16·⌈tw/4⌉) and tb (6·Wg floats). When hasBs is set, also adds
 * each plane's sum to bs[m] (the bias gradient, fused into the copy).
 */
export function wgGradOutF32(gy: usize, Og: i32, oh: i32, ow: i32, th: i32, tw: i32, gp: usize, tb: usize, Y: usize, Ms: i32, Tp: i32, t0: i32, bs: usize, hasBs: bool): void {
  const groups = (tw + 3) >> 2;
  const Wg = 16 * groups;
  const rowB = <usize>Wg << 2;
  memory.fill(gp, 0, <usize>(4 * th * Wg) << 2);
  const stY = (<usize>Ms * <usize>Tp) << 2;
  const plane = <usize>(oh * ow) << 2;
  for (let m = 0; m < Og; m++) {
    const src = gy + <usize>m * plane;
    if (hasBs) {
      let sm: f32 = 0;
      for (let i = 0; i < oh; i++) sm += copyRowSum(gp + <usize>i * rowB, src + (<usize>(i * ow) << 2), ow);
      const pb = bs + (<usize>m << 2);
      store<f32>(pb, load<f32>(pb) + sm);
    } else {
      for (let i = 0; i < oh; i++) copyRow(gp + <usize>i * rowB, src + (<usize>(i * ow) << 2), ow);
    }
    const ym = Y + ((<usize>m * <usize>Tp + <usize>t0) << 2);
    for (let ty = 0; ty < th; ty++) {
      const base = gp + <usize>(4 * ty) * rowB;
      for (let o: usize = 0; o < rowB; o += 16) {
        const p = base + o;
        a6(v128.load(p), v128.load(p + rowB), v128.load(p + 2 * rowB), v128.load(p + 3 * rowB), tb + o, rowB);
      }
      for (let g = 0; g < groups; g++) {
        const dst0 = ym + (<usize>(ty * tw + 4 * g) << 2);
        for (let i = 0; i < 6; i++) {
          const p = tb + <usize>i * rowB + (<usize>(16 * g) << 2);
          const q0 = v128.load(p);
          const q1 = v128.load(p, 16);
          const q2 = v128.load(p, 32);
          const q3 = v128.load(p, 48);
          const l01 = v128.shuffle<i32>(q0, q1, 0, 4, 1, 5);
          const l23 = v128.shuffle<i32>(q2, q3, 0, 4, 1, 5);
          const h01 = v128.shuffle<i32>(q0, q1, 2, 6, 3, 7);
          const h23 = v128.shuffle<i32>(q2, q3, 2, 6, 3, 7);
          a6(
            v128.shuffle<i64>(l01, l23, 0, 2),
            v128.shuffle<i64>(l01, l23, 1, 3),
            v128.shuffle<i64>(h01, h23, 0, 2),
            v128.shuffle<i64>(h01, h23, 1, 3),
            dst0 + <usize>(6 * i) * stY,
            stY,
          );
        }
      }
    }
  }
}

/**
 * The adjoint of {@link wgInputF32}, for the input gradient: C planes of H×W at gx =
 * crop(Σ_tiles B·dV[·][c][t0 + tile]·Bᵀ overlap-added at (4ty, 4tx) of the padded plane) (rows of Tp
 * floats, Cs rows per ξ). Lanes of a short last tile group are masked out. Scratch: xp (Hp·Wq floats)
 * and tb (6·Wq floats), as in wgInputF32, both written in full (no clearing, no read-modify-write
 * except where tiles overlap).
 */
export function wgInputAdjF32(dV: usize, Cs: i32, Tp: i32, t0: i32, C: i32, H: i32, W: i32, ph: i32, pw: i32, th: i32, tw: i32, xp: usize, tb: usize, gx: usize): void {
  const groups = (tw + 3) >> 2;
  const Wq = 16 * groups + 4;
  const Hp = 4 * th + 2;
  const rowB = <usize>Wq << 2;
  const stV = (<usize>Cs * <usize>Tp) << 2;
  const plane = <usize>(H * W) << 2;
  const rows = min(H, Hp - ph);
  const zero = f32x4.splat(0);
  const four = f32x4.splat(4);
  const two = f32x4.splat(2);
  const five = f32x4.splat(5);
  const lastNt = tw - 4 * (groups - 1);
  const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(lastNt));
  for (let c = 0; c < C; c++) {
    const vc = dV + ((<usize>c * <usize>Tp + <usize>t0) << 2);
    for (let ty = 0; ty < th; ty++) {
      // columns: tb[i][4tx + r] = Σ_j B[r][j]·dV[6i + j] summed over the tiles of row ty; a tile's last
      // two columns overlap the next tile's first two, so each group carries its last vector over
      for (let i = 0; i < 6; i++) {
        const rowp = tb + <usize>i * rowB;
        let carry = zero;
        for (let g = 0; g < groups; g++) {
          const s = vc + (<usize>(ty * tw + 4 * g) << 2) + <usize>(6 * i) * stV;
          let q0 = v128.load(s);
          let q1 = v128.load(s + stV);
          let q2 = v128.load(s + 2 * stV);
          let q3 = v128.load(s + 3 * stV);
          let q4 = v128.load(s + 4 * stV);
          let q5 = v128.load(s + 5 * stV);
          if (g == groups - 1 && lastNt < 4) {
            q0 = v128.and(q0, mask);
            q1 = v128.and(q1, mask);
            q2 = v128.and(q2, mask);
            q3 = v128.and(q3, mask);
            q4 = v128.and(q4, mask);
            q5 = v128.and(q5, mask);
          }
          const s12 = f32x4.add(q1, q2);
          const d12 = f32x4.sub(q1, q2);
          const s34 = f32x4.add(q3, q4);
          const d34 = f32x4.sub(q3, q4);
          const e0 = f32x4.mul(four, q0);
          const e1 = f32x4.sub(f32x4.mul(four, f32x4.sub(q5, d12)), f32x4.mul(two, d34));
          const e2 = f32x4.neg(f32x4.add(f32x4.add(f32x4.mul(five, q0), f32x4.mul(four, s12)), s34));
          const e3 = f32x4.sub(f32x4.add(d12, f32x4.mul(two, d34)), f32x4.mul(five, q5));
          const e4 = f32x4.add(f32x4.add(q0, s12), s34);
          const e5 = q5;
          const l01 = v128.shuffle<i32>(e0, e1, 0, 4, 1, 5);
          const l23 = v128.shuffle<i32>(e2, e3, 0, 4, 1, 5);
          const h01 = v128.shuffle<i32>(e0, e1, 2, 6, 3, 7);
          const h23 = v128.shuffle<i32>(e2, e3, 2, 6, 3, 7);
          const sl = v128.shuffle<i32>(e4, e5, 0, 4, 1, 5);
          const sh = v128.shuffle<i32>(e4, e5, 2, 6, 3, 7);
          const p = rowp + (<usize>(16 * g) << 2);
          v128.store(p, f32x4.add(carry, v128.shuffle<i64>(l01, l23, 0, 2)));
          v128.store(p, f32x4.add(v128.shuffle<i64>(l01, l23, 1, 3), v128.shuffle<i64>(sl, zero, 0, 2)), 16);
          v128.store(p, f32x4.add(v128.shuffle<i64>(h01, h23, 0, 2), v128.shuffle<i64>(sl, zero, 1, 2)), 32);
          v128.store(p, f32x4.add(v128.shuffle<i64>(h01, h23, 1, 3), v128.shuffle<i64>(sh, zero, 0, 2)), 48);
          carry = v128.shuffle<i64>(sh, zero, 1, 2);
        }
        v128.store(rowp + (<usize>(16 * groups) << 2), carry);
      }
      // rows: xp[4ty + r] = Σ_i B[r][i]·tb[i]; rows 4ty and 4ty + 1 add to the previous tile row's last two
      const base = xp + <usize>(4 * ty) * rowB;
      const first = ty == 0;
      for (let o: usize = 0; o < rowB; o += 16) {
        const t = tb + o;
        const q0 = v128.load(t);
        const q1 = v128.load(t + rowB);
        const q2 = v128.load(t + 2 * rowB);
        const q3 = v128.load(t + 3 * rowB);
        const q4 = v128.load(t + 4 * rowB);
        const q5 = v128.load(t + 5 * rowB);
        const s12 = f32x4.add(q1, q2);
        const d12 = f32x4.sub(q1, q2);
        const s34 = f32x4.add(q3, q4);
        const d34 = f32x4.sub(q3, q4);
        const p = base + o;
        let f0 = f32x4.mul(four, q0);
        let f1 = f32x4.sub(f32x4.mul(four, f32x4.sub(q5, d12)), f32x4.mul(two, d34));
        if (!first) {
          f0 = f32x4.add(f0, v128.load(p));
          f1 = f32x4.add(f1, v128.load(p + rowB));
        }
        v128.store(p, f0);
        v128.store(p + rowB, f1);
        v128.store(p + 2 * rowB, f32x4.neg(f32x4.add(f32x4.add(f32x4.mul(five, q0), f32x4.mul(four, s12)), s34)));
        v128.store(p + 3 * rowB, f32x4.sub(f32x4.add(d12, f32x4.mul(two, d34)), f32x4.mul(five, q5)));
        v128.store(p + 4 * rowB, f32x4.add(f32x4.add(q0, s12), s34));
        v128.store(p + 5 * rowB, q5);
      }
    }
    const dst = gx + <usize>c * plane;
    for (let i = 0; i < rows; i++) copyRow(dst + (<usize>(i * W) << 2), xp + <usize>(ph + i) * rowB + (<usize>pw << 2), W);
    if (rows < H) memory.fill(dst + (<usize>(rows * W) << 2), 0, <usize>((H - rows) * W) << 2);
  }
}

/** Zeroes columns [T, Tp) of `rows` rows of Tp floats (the lanes past the last tile). */
export function wgZeroLanes(P: usize, rows: i32, Tp: i32, T: i32): void {
  const n = <usize>(Tp - T) << 2;
  if (n == 0) return;
  for (let r = 0; r < rows; r++) {
    const p = P + ((<usize>r * <usize>Tp + <usize>T) << 2);
    for (let o: usize = 0; o < n; o += 4) store<f32>(p + o, 0);
  }
}

/**
 * G·(g0, g1, g2) in float64 with the reference's expressions (winogradKernelTransform's gColumn): 6
 * values stored at p, p + st, …, p + 5·st (bytes) as f64 (`wide`) or rounded to f32.
 */
// @ts-ignore: decorator
@inline function gApply(g0: f64, g1: f64, g2: f64, p: usize, st: usize, wide: bool): void {
  const s1 = g0 + g2;
  const v0 = g0 / 4;
  const v1 = -(s1 + g1) / 6;
  const v2 = -(s1 - g1) / 6;
  const v3 = g0 / 24 + g1 / 12 + g2 / 6;
  const v4 = g0 / 24 - g1 / 12 + g2 / 6;
  if (wide) {
    store<f64>(p, v0);
    store<f64>(p + st, v1);
    store<f64>(p + 2 * st, v2);
    store<f64>(p + 3 * st, v3);
    store<f64>(p + 4 * st, v4);
    store<f64>(p + 5 * st, g2);
  } else {
    store<f32>(p, <f32>v0);
    store<f32>(p + st, <f32>v1);
    store<f32>(p + 2 * st, <f32>v2);
    store<f32>(p + 3 * st, <f32>v3);
    store<f32>(p + 4 * st, <f32>v4);
    store<f32>(p + 5 * st, <f32>g2);
  }
}

/** Scratch of the kernel transform: 36 rows of 16 kernels. */
let KS: usize = memory.data(36 * 16 * 4, 16);

/**
 * Kernel transform of one group (twin: winogradKernelTransform, bit for bit): U[ξ·st + m·sm + c·sc] = (G·w[m, c]·Gᵀ)[ξ]
 * for the Og×Cg 3×3 kernels at w (element strides st, sm, sc, one of sm and sc being 1; entries it
 * does not write are left as they are, so the caller zeroes the padding). Kernels are transformed 16 at
 * a time along the unit-stride index into a scratch of 36 rows, then stored row by row: the 36 rows of
 * U lie a power of two apart in typical layouts, and one kernel's 36 scattered stores would keep
 * evicting each other's cache lines (20× slower).
 */
export function wgKernelF32(w: usize, Og: i32, Cg: i32, U: usize, st: i32, sm: i32, sc: i32): void {
  const t = WS;
  const stB = <usize>st << 2;
  const alongC = sc == 1;
  const nOuter = alongC ? Og : Cg;
  const nInner = alongC ? Cg : Og;
  const so = <usize>(alongC ? sm : sc) << 2;
  for (let o = 0; o < nOuter; o++) {
    for (let k0 = 0; k0 < nInner; k0 += 16) {
      const nk = min(16, nInner - k0);
      for (let k = 0; k < nk; k++) {
        const m = alongC ? o : k0 + k;
        const c = alongC ? k0 + k : o;
        const g = w + (<usize>(m * Cg + c) * 36);
        // t (6×3, f64) = G·g column by column, then row i of the 6×6 result = G·t[i] (scratch rows of 16)
        for (let j = 0; j < 3; j++) {
          const gj = g + (<usize>j << 2);
          gApply(<f64>load<f32>(gj), <f64>load<f32>(gj, 12), <f64>load<f32>(gj, 24), t + (<usize>j << 3), 24, true);
        }
        for (let i = 0; i < 6; i++) {
          const ti = t + <usize>(24 * i);
          gApply(load<f64>(ti), load<f64>(ti, 8), load<f64>(ti, 16), KS + (<usize>k << 2) + <usize>(384 * i), 64, false);
        }
      }
      const dst = U + <usize>o * so + (<usize>k0 << 2);
      for (let xi = 0; xi < 36; xi++) copyRow(dst + <usize>xi * stB, KS + <usize>(64 * xi), nk);
    }
  }
}

/** Zeroes n floats at p. */
export function wgZero(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
}

/**
 * The 36 products in the transformed domain: M[ξ][m][t] = Σ_c U[ξ][m][c]·V[ξ][c][t] for m < Ogp
 * (a multiple of 4), t < Tp (a multiple of 8); V has Cs and M has Ms rows per ξ (an odd count keeps
 * the transforms' stores and loads at a stride of rows per ξ out of a few L1 sets).
 */
export function wgGemmF32(U: usize, V: usize, M: usize, Ogp: i32, Cg: i32, Cs: i32, Tp: i32, Ms: i32): void {
  const ldv = <usize>Tp << 2;
  const lda = <usize>Cg << 2;
  for (let xi = 0; xi < 36; xi++) {
    const Ux = U + ((<usize>xi * <usize>Ogp * <usize>Cg) << 2);
    const Vx = V + ((<usize>xi * <usize>Cs * <usize>Tp) << 2);
    const Mx = M + ((<usize>xi * <usize>Ms * <usize>Tp) << 2);
    for (let m0 = 0; m0 < Ogp; m0 += 4) {
      const a0 = Ux + <usize>m0 * lda;
      const aEnd = a0 + lda;
      const crow = Mx + <usize>m0 * ldv;
      for (let t: usize = 0; t < ldv; t += 32) {
        let c00 = f32x4.splat(0);
        let c01 = c00;
        let c10 = c00;
        let c11 = c00;
        let c20 = c00;
        let c21 = c00;
        let c30 = c00;
        let c31 = c00;
        // one bumped pointer per operand (the rows of U at constant offsets from it): about 10 % faster
        // than indexing each row by k, the same sums in the same order
        let pb = Vx + t;
        for (let pa = a0; pa < aEnd; pa += 4) {
          const b0 = v128.load(pb);
          const b1 = v128.load(pb, 16);
          let av = v128.load32_splat(pa);
          c00 = madd(av, b0, c00);
          c01 = madd(av, b1, c01);
          av = v128.load32_splat(pa + lda);
          c10 = madd(av, b0, c10);
          c11 = madd(av, b1, c11);
          av = v128.load32_splat(pa + 2 * lda);
          c20 = madd(av, b0, c20);
          c21 = madd(av, b1, c21);
          av = v128.load32_splat(pa + 3 * lda);
          c30 = madd(av, b0, c30);
          c31 = madd(av, b1, c31);
          pb += ldv;
        }
        const c = crow + t;
        v128.store(c, c00);
        v128.store(c, c01, 16);
        v128.store(c + ldv, c10);
        v128.store(c + ldv, c11, 16);
        v128.store(c + 2 * ldv, c20);
        v128.store(c + 2 * ldv, c21, 16);
        v128.store(c + 3 * ldv, c30);
        v128.store(c + 3 * ldv, c31, 16);
      }
    }
  }
}

/** (Σ lanes of a, Σ lanes of b, Σ lanes of c, Σ lanes of d): a 4×4 transpose folded into the adds. */
// @ts-ignore: decorator
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<i64>(ab, cd, 0, 2), v128.shuffle<i64>(ab, cd, 1, 3));
}

/**
 * Weight-gradient products: S[ξ][m][c] += Σ_t Y[ξ][m][t]·V[ξ][c][t] for m < Ogp (even), c < Cgp (a
 * multiple of 4), t < Tp (a multiple of 4); Y has Ys ≥ Ogp and V has Vs ≥ Cgp rows per ξ.
 */
export function wgDotF32(Y: usize, V: usize, S: usize, Ogp: i32, Cgp: i32, Tp: i32, Ys: i32, Vs: i32): void {
  const ld = <usize>Tp << 2;
  for (let xi = 0; xi < 36; xi++) {
    const Yx = Y + ((<usize>xi * <usize>Ys * <usize>Tp) << 2);
    const Vx = V + ((<usize>xi * <usize>Vs * <usize>Tp) << 2);
    const Sx = S + ((<usize>xi * <usize>Ogp * <usize>Cgp) << 2);
    for (let m = 0; m < Ogp; m += 2) {
      for (let c = 0; c < Cgp; c += 4) {
        // two bumped pointers and constant row offsets: the same sums as indexing every row by t, about
        // 10 % faster (V8 spends an add per indexed load)
        let py = Yx + <usize>m * ld;
        let pv = Vx + <usize>c * ld;
        const end = py + ld;
        let s00 = f32x4.splat(0);
        let s01 = s00;
        let s02 = s00;
        let s03 = s00;
        let s10 = s00;
        let s11 = s00;
        let s12 = s00;
        let s13 = s00;
        while (py < end) {
          const a = v128.load(py);
          const b = v128.load(py + ld);
          let v = v128.load(pv);
          s00 = madd(a, v, s00);
          s10 = madd(b, v, s10);
          v = v128.load(pv + ld);
          s01 = madd(a, v, s01);
          s11 = madd(b, v, s11);
          v = v128.load(pv + 2 * ld);
          s02 = madd(a, v, s02);
          s12 = madd(b, v, s12);
          v = v128.load(pv + 3 * ld);
          s03 = madd(a, v, s03);
          s13 = madd(b, v, s13);
          py += 16;
          pv += 16;
        }
        const d0 = Sx + ((<usize>m * <usize>Cgp + <usize>c) << 2);
        const d1 = d0 + (<usize>Cgp << 2);
        v128.store(d0, f32x4.add(v128.load(d0), hsum4(s00, s01, s02, s03)));
        v128.store(d1, f32x4.add(v128.load(d1), hsum4(s10, s11, s12, s13)));
      }
    }
  }
}

/** Aᵀ·(m0..m5) → 4 values: (m0+m1+m2+m3+m4, m1−m2+2(m3−m4), m1+m2+4(m3+m4), m1−m2+8(m3−m4)+m5). */
// @ts-ignore: decorator
@inline function at4(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, p: usize, st: usize): void {
  const s = f32x4.add(m1, m2);
  const d = f32x4.sub(m1, m2);
  const s2 = f32x4.add(m3, m4);
  const d2 = f32x4.sub(m3, m4);
  v128.store(p, f32x4.add(f32x4.add(m0, s), s2));
  v128.store(p + st, f32x4.add(d, f32x4.mul(f32x4.splat(2), d2)));
  v128.store(p + 2 * st, f32x4.add(s, f32x4.mul(f32x4.splat(4), s2)));
  v128.store(p + 3 * st, f32x4.add(f32x4.add(d, f32x4.mul(f32x4.splat(8), d2)), m5));
}

/**
 * Output transform of one image: y[m] (Og planes of oh×ow) = Aᵀ·M[·][m][t0 + tile]·A + bias[m]
 * (bias ignored when hasBias is 0); M has Ms rows of Tp floats per ξ.
 */
export function wgOutputF32(M: usize, Ms: i32, Tp: i32, t0: i32, th: i32, tw: i32, y: usize, Og: i32, oh: i32, ow: i32, bias: usize, hasBias: bool): void {
  const groups = (tw + 3) >> 2;
  const stM = (<usize>Ms * <usize>Tp) << 2;
  const r6 = stM * 6;
  const r12 = stM * 12;
  const r18 = stM * 18;
  const r24 = stM * 24;
  const r30 = stM * 30;
  const rowY = <usize>ow << 2;
  for (let m = 0; m < Og; m++) {
    const bv = f32x4.splat(hasBias ? load<f32>(bias + (<usize>m << 2)) : 0);
    const mm = M + ((<usize>m * <usize>Tp + <usize>t0) << 2);
    const ym = y + <usize>m * <usize>oh * rowY;
    for (let ty = 0; ty < th; ty++) {
      for (let g = 0; g < groups; g++) {
        const src = mm + (<usize>(ty * tw + 4 * g) << 2);
        // columns j: WS[o·6 + j] = Aᵀ·(M[6i + j]) over i
        // (unrolled, with the row strides hoisted: binaryen keeps the loop and a multiply per load)
        let p = src;
        at4(v128.load(p), v128.load(p + r6), v128.load(p + r12), v128.load(p + r18), v128.load(p + r24), v128.load(p + r30), WS, 96);
        p += stM;
        at4(v128.load(p), v128.load(p + r6), v128.load(p + r12), v128.load(p + r18), v128.load(p + r24), v128.load(p + r30), WS + 16, 96);
        p += stM;
        at4(v128.load(p), v128.load(p + r6), v128.load(p + r12), v128.load(p + r18), v128.load(p + r24), v128.load(p + r30), WS + 32, 96);
        p += stM;
        at4(v128.load(p), v128.load(p + r6), v128.load(p + r12), v128.load(p + r18), v128.load(p + r24), v128.load(p + r30), WS + 48, 96);
        p += stM;
        at4(v128.load(p), v128.load(p + r6), v128.load(p + r12), v128.load(p + r18), v128.load(p + r24), v128.load(p + r30), WS + 64, 96);
        p += stM;
        at4(v128.load(p), v128.load(p + r6), v128.load(p + r12), v128.load(p + r18), v128.load(p + r24), v128.load(p + r30), WS + 80, 96);
        const nt = min(4, tw - 4 * g);
        for (let o = 0; o < 4; o++) {
          const row = 4 * ty + o;
          if (row >= oh) break;
          // the row pass Aᵀ·WS[o] kept in registers (at4 without its stores), bias added
          const w = WS + <usize>o * 96;
          const w1 = v128.load(w, 16);
          const w2 = v128.load(w, 32);
          const w3 = v128.load(w, 48);
          const w4 = v128.load(w, 64);
          const s12 = f32x4.add(w1, w2);
          const d12 = f32x4.sub(w1, w2);
          const s34 = f32x4.add(w3, w4);
          const d34 = f32x4.sub(w3, w4);
          const p0 = f32x4.add(f32x4.add(v128.load(w), bv), f32x4.add(s12, s34));
          const p1 = f32x4.add(f32x4.add(d12, bv), f32x4.mul(f32x4.splat(2), d34));
          const p2 = f32x4.add(f32x4.add(s12, bv), f32x4.mul(f32x4.splat(4), s34));
          const p3 = f32x4.add(f32x4.add(d12, f32x4.add(v128.load(w, 80), bv)), f32x4.mul(f32x4.splat(8), d34));
          const dstRow = ym + <usize>row * rowY;
          const col0 = 16 * g;
          const l01 = v128.shuffle<i32>(p0, p1, 0, 4, 1, 5);
          const l23 = v128.shuffle<i32>(p2, p3, 0, 4, 1, 5);
          const h01 = v128.shuffle<i32>(p0, p1, 2, 6, 3, 7);
          const h23 = v128.shuffle<i32>(p2, p3, 2, 6, 3, 7);
          const r0 = v128.shuffle<i64>(l01, l23, 0, 2);
          const r1 = v128.shuffle<i64>(l01, l23, 1, 3);
          const r2 = v128.shuffle<i64>(h01, h23, 0, 2);
          const r3 = v128.shuffle<i64>(h01, h23, 1, 3);
          // whole groups of 4 columns as vectors (a short last tile group too), the rest of the row one by one
          const d = dstRow + (<usize>col0 << 2);
          const n = min(4 * nt, ow - col0);
          if (n >= 4) v128.store(d, r0);
          if (n >= 8) v128.store(d, r1, 16);
          if (n >= 12) v128.store(d, r2, 32);
          if (n >= 16) v128.store(d, r3, 48);
          const full = n & ~3;
          if (full < n) {
            v128.store(RS, r0);
            v128.store(RS, r1, 16);
            v128.store(RS, r2, 32);
            v128.store(RS, r3, 48);
            for (let e = full; e < n; e++) store<f32>(d + (<usize>e << 2), load<f32>(RS + (<usize>e << 2)));
          }
        }
      }
    }
  }
}
