// O(3) kernels, second part: real spherical harmonics with their gradient, and the radial bases and
// cutoffs of the atomistic models (the tensor products are in o3.ts). Twins and packed layouts:
// src/kernels/ref/o3.ts; JS side: src/kernels/wasm/o3.ts.

import { kc, K_ONE, madd, vexp } from "./math";
import { hsum, lanesToRows, rowsToLanes } from "./lanes";

// ---- spherical harmonics -------------------------------------------------------------------------
// Each harmonic is a polynomial in (x, y, z) (packSphericalHarmonics in ref/o3.ts): four monomial
// lists per output column (the value and its x, y, z derivatives; the normalisation folded into the
// coefficients), ptr[L·(dim+1) + c] .. ptr[L·(dim+1) + c + 1] bounding list L of column c. The
// distinct monomials x^a·y^b·z^d of all lists are slots (tri[3s..3s+2] = a, b, d), evaluated once per
// block of points; listed monomial m is mc[m]·slot ms[m]. Four points per block, one per lane.

/** x, y, z of points p0..p0+nl−1 of xyz[n×3] as three lane vectors (zeros in unused lanes). */
// @ts-ignore: decorator
@inline function loadPoints(xyz: usize, p0: i32, nl: i32, out: usize): void {
  const s = xyz + <usize>p0 * 12;
  if (nl == 4) {
    const A = v128.load(s);
    const B = v128.load(s, 16);
    const C = v128.load(s, 32);
    v128.store(out, v128.shuffle<i32>(v128.shuffle<i32>(A, B, 0, 3, 6, 7), C, 0, 1, 2, 5));
    v128.store(out, v128.shuffle<i32>(v128.shuffle<i32>(A, B, 1, 4, 7, 7), C, 0, 1, 2, 6), 16);
    v128.store(out, v128.shuffle<i32>(v128.shuffle<i32>(A, B, 2, 5, 5, 5), C, 0, 1, 4, 7), 32);
    return;
  }
  rowsToLanes(s, 12, nl, 3, out);
}

/** Lanes where x, y or z at pts is NaN (all bits set). */
// @ts-ignore: decorator
@inline function rawNaN(pts: usize): v128 {
  const x = v128.load(pts);
  const y = v128.load(pts, 16);
  const z = v128.load(pts, 32);
  return v128.or(f32x4.ne(x, x), v128.or(f32x4.ne(y, y), f32x4.ne(z, z)));
}

/**
 * Scales the lane vectors x, y, z at pts (as {@link loadPoints} stores them) to unit length, leaving
 * points at the origin as they are. Returns 1/r per lane (0 at the origin).
 */
// @ts-ignore: decorator
@inline function normalizeLanes(pts: usize): v128 {
  const zero = f32x4.splat(0);
  const one = kc(K_ONE);
  const x = v128.load(pts);
  const y = v128.load(pts, 16);
  const z = v128.load(pts, 32);
  const r = f32x4.sqrt(madd(x, x, madd(y, y, f32x4.mul(z, z))));
  const pos = f32x4.gt(r, zero);
  const inv = f32x4.div(one, r);
  const s = v128.bitselect(inv, one, pos);
  v128.store(pts, f32x4.mul(x, s));
  v128.store(pts, f32x4.mul(y, s), 16);
  v128.store(pts, f32x4.mul(z, s), 32);
  return v128.and(inv, pos);
}

/** Powers x^0..x^lmax of the three lane vectors at pts into pw (x powers, then y, then z). */
// @ts-ignore: decorator
@inline function powers(x: v128, y: v128, z: v128, lmax: i32, pw: usize): void {
  const py = pw + (<usize>(lmax + 1) << 4);
  const pz = py + (<usize>(lmax + 1) << 4);
  let a = kc(K_ONE);
  let b = a;
  let c = a;
  for (let k = 0; k <= lmax; k++) {
    const o = <usize>k << 4;
    v128.store(pw + o, a);
    v128.store(py + o, b);
    v128.store(pz + o, c);
    a = f32x4.mul(a, x);
    b = f32x4.mul(b, y);
    c = f32x4.mul(c, z);
  }
}

/** mv[s] = x^a·y^b·z^d for each slot s = (a, b, d) of tri (powers in px, py, pz). */
// @ts-ignore: decorator
@inline function monomials(tri: usize, slots: i32, px: usize, py: usize, pz: usize, mv: usize): void {
  for (let k = 0; k < slots; k++) {
    const t = tri + <usize>k * 12;
    const v = f32x4.mul(
      f32x4.mul(v128.load(px + (<usize>load<i32>(t) << 4)), v128.load(py + (<usize>load<i32>(t, 4) << 4))),
      v128.load(pz + (<usize>load<i32>(t, 8) << 4)),
    );
    v128.store(mv + (<usize>k << 4), v);
  }
}

/** Σ over listed monomials [m0, m1) of mc[m]·mv[ms[m]]. */
// @ts-ignore: decorator
@inline function polyList(m0: i32, m1: i32, mc: usize, ms: usize, mv: usize): v128 {
  let acc = f32x4.splat(0);
  for (let m = m0; m < m1; m++) {
    const o = <usize>m << 2;
    acc = madd(v128.load32_splat(mc + o), v128.load(mv + (<usize>load<i32>(ms + o) << 4)), acc);
  }
  return acc;
}

/**
 * out[n×dim] = the packed harmonics at the points xyz[n×3] (normalised first when `normalize`).
 * Returns the flat index of the first NaN of xyz, or −1 (then out is complete). `scratch` holds
 * (3 + 3·(lmax+1) + dim + slots)·16 bytes.
 */
export function shForwardF32(
  xyz: usize,
  n: i32,
  lmax: i32,
  normalize: i32,
  dim: i32,
  mc: usize,
  ms: usize,
  tri: usize,
  slots: i32,
  ptr: usize,
  out: usize,
  scratch: usize,
): i32 {
  const pts = scratch;
  const px = pts + 48;
  const py = px + (<usize>(lmax + 1) << 4);
  const pz = py + (<usize>(lmax + 1) << 4);
  const ob = pz + (<usize>(lmax + 1) << 4);
  const mv = ob + (<usize>dim << 4);
  let nan = f32x4.splat(0);
  for (let p0 = 0; p0 < n; p0 += 4) {
    const nl = min(4, n - p0);
    loadPoints(xyz, p0, nl, pts);
    nan = v128.or(nan, rawNaN(pts));
    if (normalize) normalizeLanes(pts);
    const x = v128.load(pts);
    const y = v128.load(pts, 16);
    const z = v128.load(pts, 32);
    powers(x, y, z, lmax, px);
    monomials(tri, slots, px, py, pz, mv);
    for (let c = 0; c < dim; c++) {
      const pc = ptr + (<usize>c << 2);
      v128.store(ob + (<usize>c << 4), polyList(load<i32>(pc), load<i32>(pc, 4), mc, ms, mv));
    }
    lanesToRows(ob, dim, nl, out + (<usize>p0 * <usize>dim << 2), <usize>dim << 2);
  }
  if (v128.any_true(nan)) {
    for (let i = 0; i < 3 * n; i++) {
      const v = load<f32>(xyz + (<usize>i << 2));
      if (v != v) return i;
    }
  }
  return -1;
}

/** Rows s[0..nl)×3 = the lanes of (Gx, Gy, Gz) (tmp: 48 bytes of scratch for a partial block). */
// @ts-ignore: decorator
@inline function storeGrad(s: usize, Gx: v128, Gy: v128, Gz: v128, nl: i32, tmp: usize): void {
  if (nl == 4) {
    v128.store(s, v128.shuffle<i32>(v128.shuffle<i32>(Gx, Gy, 0, 4, 1, 5), Gz, 0, 1, 4, 2));
    v128.store(s, v128.shuffle<i32>(v128.shuffle<i32>(Gy, Gz, 1, 5, 2, 6), Gx, 0, 1, 6, 2), 16);
    v128.store(s, v128.shuffle<i32>(Gz, v128.shuffle<i32>(Gx, Gy, 3, 7, 3, 7), 2, 4, 5, 3), 32);
  } else {
    v128.store(tmp, Gx);
    v128.store(tmp, Gy, 16);
    v128.store(tmp, Gz, 32);
    lanesToRows(tmp, 3, nl, s, 12);
  }
}

/**
 * gx[n×3] = Σ_c g[p, c] · ∂Y_c/∂x at each point (through the normalisation when `normalize`; 0 at
 * the origin then), from the derivative lists of the packed table. Written, not accumulated.
 * `scratch` holds (3 + 3·(lmax+1) + dim + slots)·16 bytes.
 */
export function shBackwardF32(
  xyz: usize,
  g: usize,
  n: i32,
  lmax: i32,
  normalize: i32,
  dim: i32,
  mc: usize,
  ms: usize,
  tri: usize,
  slots: i32,
  ptr: usize,
  gx: usize,
  scratch: usize,
): void {
  const pts = scratch;
  const px = pts + 48;
  const py = px + (<usize>(lmax + 1) << 4);
  const pz = py + (<usize>(lmax + 1) << 4);
  const gb = pz + (<usize>(lmax + 1) << 4);
  const mv = gb + (<usize>dim << 4);
  const zero = f32x4.splat(0);
  const one = kc(K_ONE);
  const lx = ptr + (<usize>(dim + 1) << 2);
  const ly = lx + (<usize>(dim + 1) << 2);
  const lz = ly + (<usize>(dim + 1) << 2);
  for (let p0 = 0; p0 < n; p0 += 4) {
    const nl = min(4, n - p0);
    loadPoints(xyz, p0, nl, pts);
    const inv = normalize ? normalizeLanes(pts) : one;
    const x = v128.load(pts);
    const y = v128.load(pts, 16);
    const z = v128.load(pts, 32);
    powers(x, y, z, lmax, px);
    monomials(tri, slots, px, py, pz, mv);
    rowsToLanes(g + (<usize>p0 * <usize>dim << 2), <usize>dim << 2, nl, dim, gb);
    let Gx = zero;
    let Gy = zero;
    let Gz = zero;
    for (let c = 0; c < dim; c++) {
      const gc = v128.load(gb + (<usize>c << 4));
      const o = <usize>c << 2;
      Gx = madd(gc, polyList(load<i32>(lx + o), load<i32>(lx + o, 4), mc, ms, mv), Gx);
      Gy = madd(gc, polyList(load<i32>(ly + o), load<i32>(ly + o, 4), mc, ms, mv), Gy);
      Gz = madd(gc, polyList(load<i32>(lz + o), load<i32>(lz + o, 4), mc, ms, mv), Gz);
    }
    if (normalize) {
      // d/dx of P(x/r) = (I − x̂x̂ᵀ)∇P / r
      const dot = madd(Gx, x, madd(Gy, y, f32x4.mul(Gz, z)));
      Gx = f32x4.mul(f32x4.sub(Gx, f32x4.mul(dot, x)), inv);
      Gy = f32x4.mul(f32x4.sub(Gy, f32x4.mul(dot, y)), inv);
      Gz = f32x4.mul(f32x4.sub(Gz, f32x4.mul(dot, z)), inv);
    }
    storeGrad(gx + <usize>p0 * 12, Gx, Gy, Gz, nl, pts);
  }
}

// ---- spherical harmonics of degrees 0..3, unrolled ---------------------------------------------
// The same polynomials as the packed tables above when the degrees are 0..lmax (lmax ≤ 3): columns
// 0..15 in e3nn's order, written out term by term with their coefficients read from k (70 floats,
// the order of SH3_TERMS in src/kernels/wasm/o3.ts: 28 value terms, then 15 ∂x, 12 ∂y, 15 ∂z terms;
// a column beyond dim has zero coefficients). Same layouts and results as shForwardF32 /
// shBackwardF32 up to rounding, without the monomial slots and list walks.

// @ts-ignore: decorator
@inline function kf(k: usize, i: i32): v128 {
  return v128.load32_splat(k + (<usize>i << 2));
}

/**
 * out[n×dim] = the harmonics of degrees 0..lmax (dim = (lmax+1)², lmax ≤ 3) at xyz[n×3] with the
 * coefficients k; otherwise as {@link shForwardF32}. `scratch` holds 19·16 bytes.
 */
export function shForward3F32(xyz: usize, n: i32, normalize: i32, dim: i32, k: usize, out: usize, scratch: usize): i32 {
  const pts = scratch;
  const ob = pts + 48;
  let nan = f32x4.splat(0);
  const stride = <usize>dim << 2;
  for (let p0 = 0; p0 < n; p0 += 4) {
    const nl = min(4, n - p0);
    loadPoints(xyz, p0, nl, pts);
    nan = v128.or(nan, rawNaN(pts));
    if (normalize) normalizeLanes(pts);
    const x = v128.load(pts);
    const y = v128.load(pts, 16);
    const z = v128.load(pts, 32);
    const x2 = f32x4.mul(x, x);
    const y2 = f32x4.mul(y, y);
    const z2 = f32x4.mul(z, z);
    const xy = f32x4.mul(x, y);
    v128.store(ob, kf(k, 0));
    v128.store(ob, f32x4.mul(kf(k, 1), x), 16);
    v128.store(ob, f32x4.mul(kf(k, 2), y), 32);
    v128.store(ob, f32x4.mul(kf(k, 3), z), 48);
    v128.store(ob, f32x4.mul(kf(k, 4), f32x4.mul(x, z)), 64);
    v128.store(ob, f32x4.mul(kf(k, 5), xy), 80);
    v128.store(ob, madd(kf(k, 6), y2, madd(kf(k, 7), z2, f32x4.mul(kf(k, 8), x2))), 96);
    v128.store(ob, f32x4.mul(kf(k, 9), f32x4.mul(y, z)), 112);
    v128.store(ob, madd(kf(k, 10), z2, f32x4.mul(kf(k, 11), x2)), 128);
    v128.store(ob, f32x4.mul(x, madd(kf(k, 12), z2, f32x4.mul(kf(k, 13), x2))), 144);
    v128.store(ob, f32x4.mul(kf(k, 14), f32x4.mul(xy, z)), 160);
    v128.store(ob, f32x4.mul(x, madd(kf(k, 15), y2, madd(kf(k, 16), z2, f32x4.mul(kf(k, 17), x2)))), 176);
    v128.store(ob, f32x4.mul(y, madd(kf(k, 18), y2, madd(kf(k, 19), z2, f32x4.mul(kf(k, 20), x2)))), 192);
    v128.store(ob, f32x4.mul(z, madd(kf(k, 21), y2, madd(kf(k, 22), z2, f32x4.mul(kf(k, 23), x2)))), 208);
    v128.store(ob, f32x4.mul(y, madd(kf(k, 24), z2, f32x4.mul(kf(k, 25), x2))), 224);
    v128.store(ob, f32x4.mul(z, madd(kf(k, 26), z2, f32x4.mul(kf(k, 27), x2))), 240);
    lanesToRows(ob, dim, nl, out + <usize>p0 * stride, stride);
  }
  if (v128.any_true(nan)) {
    for (let i = 0; i < 3 * n; i++) {
      const v = load<f32>(xyz + (<usize>i << 2));
      if (v != v) return i;
    }
  }
  return -1;
}

/**
 * gx[n×3] = Σ_c g[p, c]·∂Y_c/∂x for the harmonics of degrees 0..lmax (dim = (lmax+1)²) with the
 * coefficients k; otherwise as {@link shBackwardF32}. `scratch` holds 19·16 bytes.
 */
export function shBackward3F32(
  xyz: usize,
  g: usize,
  n: i32,
  normalize: i32,
  dim: i32,
  k: usize,
  gx: usize,
  scratch: usize,
): void {
  const pts = scratch;
  const gb = pts + 48;
  const zero = f32x4.splat(0);
  const one = kc(K_ONE);
  const stride = <usize>dim << 2;
  for (let c = dim; c < 16; c++) v128.store(gb + (<usize>c << 4), zero);
  for (let p0 = 0; p0 < n; p0 += 4) {
    const nl = min(4, n - p0);
    loadPoints(xyz, p0, nl, pts);
    const inv = normalize ? normalizeLanes(pts) : one;
    const x = v128.load(pts);
    const y = v128.load(pts, 16);
    const z = v128.load(pts, 32);
    rowsToLanes(g + <usize>p0 * stride, stride, nl, dim, gb);
    const x2 = f32x4.mul(x, x);
    const y2 = f32x4.mul(y, y);
    const z2 = f32x4.mul(z, z);
    const xy = f32x4.mul(x, y);
    const xz = f32x4.mul(x, z);
    const yz = f32x4.mul(y, z);
    const g1 = v128.load(gb, 16);
    const g2 = v128.load(gb, 32);
    const g3 = v128.load(gb, 48);
    const g4 = v128.load(gb, 64);
    const g5 = v128.load(gb, 80);
    const g6 = v128.load(gb, 96);
    const g7 = v128.load(gb, 112);
    const g8 = v128.load(gb, 128);
    const g9 = v128.load(gb, 144);
    const g10 = v128.load(gb, 160);
    const g11 = v128.load(gb, 176);
    const g12 = v128.load(gb, 192);
    const g13 = v128.load(gb, 208);
    const g14 = v128.load(gb, 224);
    const g15 = v128.load(gb, 240);
    // ∂/∂x: terms 28..42
    let Gx = f32x4.mul(g1, kf(k, 28));
    Gx = madd(g4, f32x4.mul(kf(k, 29), z), Gx);
    Gx = madd(g5, f32x4.mul(kf(k, 30), y), Gx);
    Gx = madd(g6, f32x4.mul(kf(k, 31), x), Gx);
    Gx = madd(g8, f32x4.mul(kf(k, 32), x), Gx);
    Gx = madd(g9, madd(kf(k, 33), z2, f32x4.mul(kf(k, 34), x2)), Gx);
    Gx = madd(g10, f32x4.mul(kf(k, 35), yz), Gx);
    Gx = madd(g11, madd(kf(k, 36), y2, madd(kf(k, 37), z2, f32x4.mul(kf(k, 38), x2))), Gx);
    Gx = madd(g12, f32x4.mul(kf(k, 39), xy), Gx);
    Gx = madd(g13, f32x4.mul(kf(k, 40), xz), Gx);
    Gx = madd(g14, f32x4.mul(kf(k, 41), xy), Gx);
    Gx = madd(g15, f32x4.mul(kf(k, 42), xz), Gx);
    // ∂/∂y: terms 43..54
    let Gy = f32x4.mul(g2, kf(k, 43));
    Gy = madd(g5, f32x4.mul(kf(k, 44), x), Gy);
    Gy = madd(g6, f32x4.mul(kf(k, 45), y), Gy);
    Gy = madd(g7, f32x4.mul(kf(k, 46), z), Gy);
    Gy = madd(g10, f32x4.mul(kf(k, 47), xz), Gy);
    Gy = madd(g11, f32x4.mul(kf(k, 48), xy), Gy);
    Gy = madd(g12, madd(kf(k, 49), y2, madd(kf(k, 50), z2, f32x4.mul(kf(k, 51), x2))), Gy);
    Gy = madd(g13, f32x4.mul(kf(k, 52), yz), Gy);
    Gy = madd(g14, madd(kf(k, 53), z2, f32x4.mul(kf(k, 54), x2)), Gy);
    // ∂/∂z: terms 55..69
    let Gz = f32x4.mul(g3, kf(k, 55));
    Gz = madd(g4, f32x4.mul(kf(k, 56), x), Gz);
    Gz = madd(g6, f32x4.mul(kf(k, 57), z), Gz);
    Gz = madd(g7, f32x4.mul(kf(k, 58), y), Gz);
    Gz = madd(g8, f32x4.mul(kf(k, 59), z), Gz);
    Gz = madd(g9, f32x4.mul(kf(k, 60), xz), Gz);
    Gz = madd(g10, f32x4.mul(kf(k, 61), xy), Gz);
    Gz = madd(g11, f32x4.mul(kf(k, 62), xz), Gz);
    Gz = madd(g12, f32x4.mul(kf(k, 63), yz), Gz);
    Gz = madd(g13, madd(kf(k, 64), y2, madd(kf(k, 65), z2, f32x4.mul(kf(k, 66), x2))), Gz);
    Gz = madd(g14, f32x4.mul(kf(k, 67), yz), Gz);
    Gz = madd(g15, madd(kf(k, 68), z2, f32x4.mul(kf(k, 69), x2)), Gz);
    if (normalize) {
      // d/dx of P(x/r) = (I − x̂x̂ᵀ)∇P / r
      const dot = madd(Gx, x, madd(Gy, y, f32x4.mul(Gz, z)));
      Gx = f32x4.mul(f32x4.sub(Gx, f32x4.mul(dot, x)), inv);
      Gy = f32x4.mul(f32x4.sub(Gy, f32x4.mul(dot, y)), inv);
      Gz = f32x4.mul(f32x4.sub(Gz, f32x4.mul(dot, z)), inv);
    }
    storeGrad(gx + <usize>p0 * 12, Gx, Gy, Gz, nl, pts);
  }
}

// ---- radial bases and cutoffs ----------------------------------------------------------------------
// out[i, k] = basis_k(x_i) · cutoff(x_i) for distances x[n]. Bases: 0 none (K = 1, value 1),
// 1 Gaussian exp(c·(x − μ_k)²) (params: μ padded to a multiple of 4, c), 2 Bessel
// (2/r_c)·sin(w_k·x/r_c)/x (params: w padded, r_c). Cutoffs: 0 none, 1 cosine 0.5·(cos(πx/r_c) + 1)
// for x < r_c, 2 polynomial (NequIP, integer exponent p) for x < r_c; both 0 beyond.

const RTAB: usize = memory.data<f32>([
  0.63661977236, // 2/π
  1.5703125, // π/2 in three parts (Cody–Waite; the first two exact times an integer < 2^15)
  4.837512969970703125e-4,
  7.54978995489188216e-8,
  -1.9515295891e-4, // sin polynomial on [−π/4, π/4] (Cephes sinf)
  8.3321608736e-3,
  -1.6666654611e-1,
  2.443315711809948e-5, // cos polynomial (Cephes cosf)
  -1.388731625493765e-3,
  4.166664568298827e-2,
  0.5,
  3.14159265358979,
], 16);

// @ts-ignore: decorator
@inline function rk(i: i32): v128 {
  return v128.load32_splat(RTAB + (<usize>i << 2));
}

/** sin(x) and cos(x) for |x| up to ~10^4 (quadrant reduction, minimax polynomials on [−π/4, π/4]). */
// @ts-ignore: decorator
@inline function vsincos(x: v128, out: usize): void {
  const q = f32x4.nearest(f32x4.mul(x, rk(0)));
  const qi = i32x4.trunc_sat_f32x4_s(q);
  let r = f32x4.sub(x, f32x4.mul(q, rk(1)));
  r = f32x4.sub(r, f32x4.mul(q, rk(2)));
  r = f32x4.sub(r, f32x4.mul(q, rk(3)));
  const z = f32x4.mul(r, r);
  const s = madd(f32x4.mul(r, z), madd(madd(rk(4), z, rk(5)), z, rk(6)), r);
  const c = f32x4.add(
    f32x4.sub(kc(K_ONE), f32x4.mul(rk(10), z)),
    f32x4.mul(f32x4.mul(z, z), madd(madd(rk(7), z, rk(8)), z, rk(9))),
  );
  const one = i32x4.splat(1);
  const two = i32x4.splat(2);
  const swap = i32x4.eq(v128.and(qi, one), one);
  const sinv = v128.bitselect(c, s, swap);
  const cosv = v128.bitselect(s, c, swap);
  const sneg = i32x4.shl(v128.and(qi, two), 30);
  const cneg = i32x4.shl(v128.and(i32x4.add(qi, one), two), 30);
  v128.store(out, v128.xor(sinv, sneg));
  v128.store(out, v128.xor(cosv, cneg), 16);
}

/** Cutoff value (lane 0 of the result) and its derivative (stored at d) for four distances. */
// @ts-ignore: decorator
@inline function cutoffValue(kind: i32, x: v128, rc: f32, p: i32, tmp: usize): v128 {
  const one = kc(K_ONE);
  const inside = f32x4.lt(x, f32x4.splat(rc));
  if (kind == 1) {
    vsincos(f32x4.mul(x, f32x4.splat(<f32>Math.PI / rc)), tmp);
    const c = v128.load(tmp, 16);
    const s = v128.load(tmp);
    v128.store(tmp, v128.and(f32x4.mul(s, f32x4.splat(-0.5 * <f32>Math.PI / rc)), inside), 32);
    return v128.and(f32x4.mul(rk(10), f32x4.add(c, one)), inside);
  }
  // polynomial: 1 − a·u^p + b·u^(p+1) − c·u^(p+2), u = x / r_c
  const u = f32x4.mul(x, f32x4.splat(<f32>1 / rc));
  let up1 = one; // u^(p−1)
  for (let k = 1; k < p; k++) up1 = f32x4.mul(up1, u);
  const up = f32x4.mul(up1, u);
  const fp = <f32>p;
  const a = f32x4.splat(((fp + 1) * (fp + 2)) / 2);
  const b = f32x4.splat(fp * (fp + 2));
  const cc = f32x4.splat((fp * (fp + 1)) / 2);
  // value = 1 + u^p·(−a + u·(b − c·u))
  const inner = f32x4.sub(b, f32x4.mul(cc, u));
  const val = f32x4.add(one, f32x4.mul(up, f32x4.sub(f32x4.mul(u, inner), a)));
  // derivative / (1/r_c) = u^(p−1)·(−a·p + u·(b·(p+1) − c·(p+2)·u))
  const inner2 = f32x4.sub(f32x4.mul(b, f32x4.splat(fp + 1)), f32x4.mul(f32x4.mul(cc, f32x4.splat(fp + 2)), u));
  const der = f32x4.mul(
    f32x4.mul(up1, f32x4.sub(f32x4.mul(u, inner2), f32x4.mul(a, f32x4.splat(fp)))),
    f32x4.splat(<f32>1 / rc),
  );
  v128.store(tmp, v128.and(der, inside), 32);
  return v128.and(val, inside);
}

/**
 * out[n×K] = basis_k(x_i)·cutoff(x_i) (see above); `params` holds the basis parameters (K padded to
 * a multiple of 4, then one scalar: c for Gaussian, r_c for Bessel). `scratch`: 64 bytes + K·4.
 */
export function radialForwardF32(
  basis: i32,
  x: usize,
  n: i32,
  K: i32,
  params: usize,
  cutoff: i32,
  rc: f32,
  p: i32,
  out: usize,
  scratch: usize,
): void {
  const K4 = (K + 3) & ~3;
  const scal = load<f32>(params + (<usize>K4 << 2));
  const tmp = scratch;
  const row = scratch + 64;
  for (let i = 0; i < n; i++) {
    const xi = load<f32>(x + (<usize>i << 2));
    const xv = f32x4.splat(xi);
    let cv = kc(K_ONE);
    if (cutoff != 0) cv = cutoffValue(cutoff, xv, rc, p, tmp);
    const o = out + (<usize>(i * K) << 2);
    if (basis == 0) {
      store<f32>(o, f32x4.extract_lane(cv, 0));
      continue;
    }
    const dst = K4 == K ? o : row;
    for (let k = 0; k < K4; k += 4) {
      const pk = v128.load(params + (<usize>k << 2));
      let v: v128;
      if (basis == 1) {
        const t = f32x4.sub(xv, pk);
        v = vexp(f32x4.mul(f32x4.splat(scal), f32x4.mul(t, t)));
      } else {
        vsincos(f32x4.mul(pk, f32x4.splat(xi / scal)), tmp);
        v = f32x4.mul(v128.load(tmp), f32x4.splat(<f32>2 / (scal * xi)));
      }
      v128.store(dst + (<usize>k << 2), f32x4.mul(v, cv));
    }
    if (dst != o) memory.copy(o, row, <usize>K << 2);
  }
}

/**
 * gx[n] = Σ_k g[i, k]·∂out[i, k]/∂x_i (written) and, for Bessel with gw ≠ 0, gw[K] += Σ_i g[i, k]·
 * ∂out[i, k]/∂w_k. Arguments as {@link radialForwardF32}; `scratch`: 64 + 2·K4·4 bytes.
 */
export function radialBackwardF32(
  basis: i32,
  x: usize,
  n: i32,
  K: i32,
  params: usize,
  cutoff: i32,
  rc: f32,
  p: i32,
  g: usize,
  gx: usize,
  gw: usize,
  scratch: usize,
): void {
  const K4 = (K + 3) & ~3;
  const scal = load<f32>(params + (<usize>K4 << 2));
  const tmp = scratch;
  const grow = scratch + 64;
  const gwacc = grow + (<usize>K4 << 2);
  if (gw != 0) memory.fill(gwacc, 0, <usize>K4 << 2);
  const zero = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const xi = load<f32>(x + (<usize>i << 2));
    const xv = f32x4.splat(xi);
    let cv = kc(K_ONE);
    let cd = zero;
    if (cutoff != 0) {
      cv = cutoffValue(cutoff, xv, rc, p, tmp);
      cd = v128.load(tmp, 32);
    }
    const gi = g + (<usize>(i * K) << 2);
    if (basis == 0) {
      store<f32>(gx + (<usize>i << 2), load<f32>(gi) * f32x4.extract_lane(cd, 0));
      continue;
    }
    // the row of g, zero-padded to K4
    memory.copy(grow, gi, <usize>K << 2);
    if (K4 != K) memory.fill(grow + (<usize>K << 2), 0, <usize>(K4 - K) << 2);
    let acc = zero;
    for (let k = 0; k < K4; k += 4) {
      const pk = v128.load(params + (<usize>k << 2));
      const gk = v128.load(grow + (<usize>k << 2));
      let v: v128;
      let dv: v128;
      if (basis == 1) {
        const t = f32x4.sub(xv, pk);
        const c2 = f32x4.splat(scal);
        v = vexp(f32x4.mul(c2, f32x4.mul(t, t)));
        dv = f32x4.mul(v, f32x4.mul(f32x4.add(c2, c2), t));
      } else {
        // b = (2/r_c)·sin(θ)/x with θ = w·x/r_c: ∂b/∂x = (2/r_c)·(cos θ·w/r_c − sin θ/x)/x
        const inv = f32x4.splat(<f32>1 / xi);
        const s2 = f32x4.splat(<f32>2 / scal);
        vsincos(f32x4.mul(pk, f32x4.splat(xi / scal)), tmp);
        const s = v128.load(tmp);
        const c = v128.load(tmp, 16);
        v = f32x4.mul(f32x4.mul(s, inv), s2);
        dv = f32x4.mul(f32x4.mul(f32x4.sub(f32x4.mul(c, f32x4.mul(pk, f32x4.splat(<f32>1 / scal))), f32x4.mul(s, inv)), inv), s2);
        if (gw != 0) {
          // ∂b/∂w = (2/r_c²)·cos θ, times the cutoff
          const o = gwacc + (<usize>k << 2);
          v128.store(o, madd(f32x4.mul(gk, cv), f32x4.mul(c, f32x4.splat(<f32>2 / (scal * scal))), v128.load(o)));
        }
      }
      // ∂(b·C)/∂x = b'·C + b·C'
      acc = madd(gk, madd(dv, cv, f32x4.mul(v, cd)), acc);
    }
    store<f32>(gx + (<usize>i << 2), hsum(acc));
  }
  if (gw != 0) {
    for (let k = 0; k < K; k++) {
      const o = gw + (<usize>k << 2);
      store<f32>(o, load<f32>(o) + load<f32>(gwacc + (<usize>k << 2)));
    }
  }
}
