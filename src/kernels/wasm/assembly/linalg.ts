// Dense linear algebra (f32, row-major). GEMM: C[M×N] (+)= op(A)·op(B). B is packed once into column
// panels of NR floats (Bp[jr][k][NR], zero padded); A is packed per block into Ap[ir][k][MR]. The
// micro-kernel keeps a 4×8 tile of C in eight f32x4 registers and walks k in blocks of KC so the B panel
// stays in L1. And a blocked 2-D transpose of 32-bit elements.
//
// Subnormal inputs are read as zeros of their sign (what x86's DAZ flag does in hardware): packing
// flushes them. WASM keeps IEEE
// subnormals, and every x86 multiply-add with a subnormal operand takes a microcode assist of about
// a hundred cycles: 10 % subnormals in an input (as Gaussian radial bases give far from their
// centres) made a GEMM 8–25× slower. A flushed operand is below 2^-126 in magnitude, so what it
// drops from a sum is below float32 resolution unless the whole sum is itself subnormal.

import { madd } from "./math";

// @ts-ignore: decorator
@inline const MR: i32 = 4;
// @ts-ignore: decorator
@inline const NR: i32 = 8;
// @ts-ignore: decorator
@inline const KC: i32 = 256;
// @ts-ignore: decorator
@inline const MC: i32 = 64;

// Scratch of the edge tiles (MR×NR floats). A global, not a constant: each thread of a kernel team points
// its instance at a block of its own (setGemmScratch), so concurrent calls never share it.
let TILE: usize = memory.data(MR * NR * 4, 16);

// @ts-ignore: decorator
@inline const MIN_NORMAL: f32 = 1.17549435e-38;

/** Subnormal lanes to ±0 (sign kept); zeros, normals, infinities and NaN unchanged. */
// @ts-ignore: decorator
@inline function daz(x: v128): v128 {
  return v128.bitselect(v128.and(x, i32x4.splat(0x80000000)), x, f32x4.lt(f32x4.abs(x), f32x4.splat(MIN_NORMAL)));
}

/** A subnormal to ±0 (sign kept); other values unchanged. */
// @ts-ignore: decorator
@inline function daz1(x: f32): f32 {
  return Mathf.abs(x) < MIN_NORMAL ? reinterpret<f32>(reinterpret<u32>(x) & 0x80000000) : x;
}

/** Points the edge-tile scratch at `p` (128 bytes, 16-byte aligned): one block per thread of a kernel team. */
export function setGemmScratch(p: usize): void {
  TILE = p;
}

/** Packs B (K×N, or N×K when transB) into Bp[jr][k][NR] with zero padding past N. */
export function gemmPackB(B: usize, Bp: usize, K: i32, N: i32, transB: bool): void {
  const panels = (N + NR - 1) / NR;
  for (let jr = 0; jr < panels; jr++) {
    const j0 = jr * NR;
    const w = min(NR, N - j0);
    let dst = Bp + ((<usize>jr * <usize>K * NR) << 2);
    if (!transB) {
      if (w == NR) {
        let src = B + (<usize>j0 << 2);
        const step = <usize>N << 2;
        for (let k = 0; k < K; k++) {
          v128.store(dst, daz(v128.load(src)));
          v128.store(dst, daz(v128.load(src, 16)), 16);
          src += step;
          dst += NR << 2;
        }
      } else {
        for (let k = 0; k < K; k++) {
          const row = B + ((<usize>k * <usize>N + <usize>j0) << 2);
          for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), c < w ? daz1(load<f32>(row + (<usize>c << 2))) : 0);
          dst += NR << 2;
        }
      }
    } else {
      for (let k = 0; k < K; k++) {
        for (let c = 0; c < NR; c++) {
          store<f32>(dst + (<usize>c << 2), c < w ? daz1(load<f32>(B + ((<usize>(j0 + c) * <usize>K + <usize>k) << 2))) : 0);
        }
        dst += NR << 2;
      }
    }
  }
}

/**
 * One MR×NR tile: C[i0.., j0..] (+)= A·Bp over kc steps, A packed as Ap[k][MR] at `a` (zero rows past
 * a partial block). `mr`/`nr` are the valid sizes of a partial edge tile. `init` starts from zero.
 */
// @ts-ignore: decorator
@inline function micro(a: usize, bp: usize, kc: i32, c: usize, ldc: usize, mr: i32, nr: i32, init: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  const full = mr == MR && nr == NR;
  if (!init) {
    if (full) {
      c00 = v128.load(c);
      c01 = v128.load(c, 16);
      c10 = v128.load(c + ldc);
      c11 = v128.load(c + ldc, 16);
      c20 = v128.load(c + 2 * ldc);
      c21 = v128.load(c + 2 * ldc, 16);
      c30 = v128.load(c + 3 * ldc);
      c31 = v128.load(c + 3 * ldc, 16);
    } else {
      for (let r = 0; r < MR; r++) {
        for (let j = 0; j < NR; j++) {
          store<f32>(TILE + (<usize>(r * NR + j) << 2), r < mr && j < nr ? load<f32>(c + <usize>r * ldc + (<usize>j << 2)) : 0);
        }
      }
      c00 = v128.load(TILE);
      c01 = v128.load(TILE, 16);
      c10 = v128.load(TILE, 32);
      c11 = v128.load(TILE, 48);
      c20 = v128.load(TILE, 64);
      c21 = v128.load(TILE, 80);
      c30 = v128.load(TILE, 96);
      c31 = v128.load(TILE, 112);
    }
  }
  // one load of the k step's four rows of A and lane broadcasts by shuffles: four scalar broadcasts
  // (v128.load32_splat) each cost V8 an address computation and a register for the whole trip, and
  // made this loop 10–15 % slower
  let pb = bp;
  const end = a + <usize>kc * (MR << 2);
  for (let pa = a; pa < end; pa += MR << 2) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a4 = v128.load(pa);
    let av = v128.shuffle<i32>(a4, a4, 0, 0, 0, 0);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.shuffle<i32>(a4, a4, 1, 1, 1, 1);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.shuffle<i32>(a4, a4, 2, 2, 2, 2);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.shuffle<i32>(a4, a4, 3, 3, 3, 3);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    pb += NR << 2;
  }
  if (full) {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c + ldc, c10);
    v128.store(c + ldc, c11, 16);
    v128.store(c + 2 * ldc, c20);
    v128.store(c + 2 * ldc, c21, 16);
    v128.store(c + 3 * ldc, c30);
    v128.store(c + 3 * ldc, c31, 16);
  } else {
    v128.store(TILE, c00);
    v128.store(TILE, c01, 16);
    v128.store(TILE, c10, 32);
    v128.store(TILE, c11, 48);
    v128.store(TILE, c20, 64);
    v128.store(TILE, c21, 80);
    v128.store(TILE, c30, 96);
    v128.store(TILE, c31, 112);
    for (let r = 0; r < mr; r++) {
      for (let j = 0; j < nr; j++) {
        store<f32>(c + <usize>r * ldc + (<usize>j << 2), load<f32>(TILE + (<usize>(r * NR + j) << 2)));
      }
    }
  }
}

/**
 * C[m×N] (+)= A[m×K]·B for row-major A with row stride lda (floats) and B packed by gemmPackB.
 * `accumulate` adds to the C already there. Ap is scratch for one packed block (MC×KC floats): A is
 * always packed (the micro-kernel loads a k step's MR rows as one vector; packing also flushes
 * subnormals).
 */
export function gemmRows(A: usize, lda: i32, Bp: usize, C: usize, m: i32, N: i32, K: i32, accumulate: bool, Ap: usize): void {
  const rs = <usize>lda << 2;
  const ldc = <usize>N << 2;
  const panels = (N + NR - 1) / NR;
  for (let ic = 0; ic < m; ic += MC) {
    const mc = min(MC, m - ic);
    const blocks = (mc + MR - 1) / MR;
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const init = pc == 0 && !accumulate;
      // pack this block of A: Ap[ib][k][MR], subnormals flushed
      for (let ib = 0; ib < blocks; ib++) {
        const i = ic + ib * MR;
        const w = min(MR, m - i);
        let dst = Ap + ((<usize>ib * <usize>kc * MR) << 2);
        const src = A + <usize>i * rs + (<usize>pc << 2);
        if (w == MR) {
          let k = 0;
          for (; k + 4 <= kc; k += 4) {
            const o = <usize>k << 2;
            const r0 = daz(v128.load(src + o));
            const r1 = daz(v128.load(src + rs + o));
            const r2 = daz(v128.load(src + 2 * rs + o));
            const r3 = daz(v128.load(src + 3 * rs + o));
            const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
            const t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
            const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
            const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
            v128.store(dst, v128.shuffle<i64>(t0, t1, 0, 2));
            v128.store(dst, v128.shuffle<i64>(t0, t1, 1, 3), 16);
            v128.store(dst, v128.shuffle<i64>(t2, t3, 0, 2), 32);
            v128.store(dst, v128.shuffle<i64>(t2, t3, 1, 3), 48);
            dst += 64;
          }
          for (; k < kc; k++) {
            const o = <usize>k << 2;
            store<f32>(dst, daz1(load<f32>(src + o)));
            store<f32>(dst, daz1(load<f32>(src + rs + o)), 4);
            store<f32>(dst, daz1(load<f32>(src + 2 * rs + o)), 8);
            store<f32>(dst, daz1(load<f32>(src + 3 * rs + o)), 12);
            dst += 16;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), r < w ? daz1(load<f32>(src + <usize>r * rs + (<usize>k << 2))) : 0);
            dst += 16;
          }
        }
      }
      for (let jr = 0; jr < panels; jr++) {
        const j0 = jr * NR;
        const nr = min(NR, N - j0);
        const bp = Bp + ((<usize>jr * <usize>K + <usize>pc) * NR << 2);
        for (let ib = 0; ib < blocks; ib++) {
          const i0 = ic + ib * MR;
          const mr = min(MR, m - i0);
          const c = C + <usize>i0 * ldc + (<usize>j0 << 2);
          micro(Ap + ((<usize>ib * <usize>kc * MR) << 2), bp, kc, c, ldc, mr, nr, init);
        }
      }
    }
  }
  if (K == 0 && !accumulate) memory.fill(C, 0, <usize>m * ldc);
}

/**
 * C[M×N] (+)= Aᵀ·B over k rows [k0, k0+kc) where Ablk holds those rows of A (K×M, row-major),
 * B packed by gemmPackB over all K. Ap is scratch for one packed block (MC×KC floats, padded).
 * `init` starts C from zero.
 */
export function gemmTransA(Ablk: usize, M: i32, Bp: usize, K: i32, k0: i32, kc: i32, C: usize, N: i32, Ap: usize, init: bool): void {
  const ldc = <usize>N << 2;
  const panels = (N + NR - 1) / NR;
  for (let pc = 0; pc < kc; pc += KC) {
    const kb = min(KC, kc - pc);
    const first = init && pc == 0;
    for (let ic = 0; ic < M; ic += MC) {
      const mc = min(MC, M - ic);
      // pack Ap[ir][k][MR] from A rows (k) and columns ic..ic+mc
      const blocks = (mc + MR - 1) / MR;
      for (let ib = 0; ib < blocks; ib++) {
        const i = ic + ib * MR;
        const w = min(MR, M - i);
        let dst = Ap + ((<usize>ib * <usize>kb * MR) << 2);
        let src = Ablk + ((<usize>(pc) * <usize>M + <usize>i) << 2);
        const step = <usize>M << 2;
        if (w == MR) {
          for (let k = 0; k < kb; k++) {
            v128.store(dst, daz(v128.load(src)));
            src += step;
            dst += MR << 2;
          }
        } else {
          for (let k = 0; k < kb; k++) {
            for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), r < w ? daz1(load<f32>(src + (<usize>r << 2))) : 0);
            src += step;
            dst += MR << 2;
          }
        }
      }
      for (let jr = 0; jr < panels; jr++) {
        const j0 = jr * NR;
        const nr = min(NR, N - j0);
        const bp = Bp + ((<usize>jr * <usize>K + <usize>(k0 + pc)) * NR << 2);
        for (let ib = 0; ib < blocks; ib++) {
          const i0 = ic + ib * MR;
          const mr = min(MR, M - i0);
          micro(Ap + ((<usize>ib * <usize>kb * MR) << 2), bp, kb, C + <usize>i0 * ldc + (<usize>j0 << 2), ldc, mr, nr, first);
        }
      }
    }
  }
}

/** out[C×R] = transpose of a[R×C] (32-bit elements), in 4×4 register blocks. */
export function transpose32(a: usize, out: usize, R: i32, C: i32): void {
  const R4 = R & ~3;
  const C4 = C & ~3;
  const rowA = <usize>C << 2;
  const rowO = <usize>R << 2;
  for (let r = 0; r < R4; r += 4) {
    const a0 = a + <usize>r * rowA;
    for (let c = 0; c < C4; c += 4) {
      const p = a0 + (<usize>c << 2);
      const x0 = v128.load(p);
      const x1 = v128.load(p + rowA);
      const x2 = v128.load(p + 2 * rowA);
      const x3 = v128.load(p + 3 * rowA);
      const t0 = v128.shuffle<i32>(x0, x1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(x2, x3, 0, 4, 1, 5);
      const t2 = v128.shuffle<i32>(x0, x1, 2, 6, 3, 7);
      const t3 = v128.shuffle<i32>(x2, x3, 2, 6, 3, 7);
      const q = out + <usize>c * rowO + (<usize>r << 2);
      v128.store(q, v128.shuffle<i64>(t0, t1, 0, 2));
      v128.store(q + rowO, v128.shuffle<i64>(t0, t1, 1, 3));
      v128.store(q + 2 * rowO, v128.shuffle<i64>(t2, t3, 0, 2));
      v128.store(q + 3 * rowO, v128.shuffle<i64>(t2, t3, 1, 3));
    }
    for (let c = C4; c < C; c++) {
      for (let k = 0; k < 4; k++) store<i32>(out + <usize>c * rowO + (<usize>(r + k) << 2), load<i32>(a0 + <usize>k * rowA + (<usize>c << 2)));
    }
  }
  for (let r = R4; r < R; r++) {
    const ar = a + <usize>r * rowA;
    for (let c = 0; c < C; c++) store<i32>(out + <usize>c * rowO + (<usize>r << 2), load<i32>(ar + (<usize>c << 2)));
  }
}

/**
 * dst[Σ i_k·dStr_k] = src[Σ i_k·sStr_k] (4-byte elements, element strides ≥ 0) over the box
 * dims[0..nd) (i32 arrays dims, sStr, dStr; nd ≥ 2), for the outer rows r in [r0, r1) of its first
 * nd − 2 axes (each row the whole box of the last two axes, the innermost last): the data movement of a
 * permute, in either side's order. A copy: every element arrives bit for bit.
 */
export function copyBox32(src: usize, dst: usize, nd: i32, dims: usize, sStr: usize, dStr: usize, r0: i32, r1: i32): void {
  const a = <usize>(nd - 2) << 2;
  const n1 = load<i32>(dims + a);
  const n2 = load<i32>(dims + a + 4);
  const s1 = <usize>load<i32>(sStr + a) << 2;
  const s2 = <usize>load<i32>(sStr + a + 4) << 2;
  const d1 = <usize>load<i32>(dStr + a) << 2;
  const d2 = <usize>load<i32>(dStr + a + 4) << 2;
  for (let r = r0; r < r1; r++) {
    let q = r;
    let s = src;
    let d = dst;
    for (let k = nd - 3; k >= 0; k--) {
      const kb = <usize>k << 2;
      const nk = load<i32>(dims + kb);
      const i = q % nk;
      q = q / nk;
      s += <usize>(i * load<i32>(sStr + kb)) << 2;
      d += <usize>(i * load<i32>(dStr + kb)) << 2;
    }
    for (let i1 = 0; i1 < n1; i1++) {
      let ps = s;
      let pd = d;
      for (let i2 = 0; i2 < n2; i2++) {
        store<u32>(pd, load<u32>(ps));
        ps += s2;
        pd += d2;
      }
      s += s1;
      d += d1;
    }
  }
}

/**
 * Products of gathered columns over rows [r0, r1) of a [R×K] (`gatheredMatmul`): out[u][r][:] =
 * Σ_j a[r, ids[j]]·mats[j][:] over j in [offs[u], offs[u+1]) (offs: U + 1 i32; mats: rows of N floats,
 * the parts' matrices stacked, subnormals already flushed; out: U planes of R×N). Each element is the
 * multiply-add chain over j in order from +0 with subnormal inputs flushed, as gemmRows forms
 * a[:, ids_u]·mats_u: the same bits.
 */
export function gatheredRowsF32(a: usize, K: i32, ids: usize, offs: usize, U: i32, mats: usize, N: i32, out: usize, R: i32, r0: i32, r1: i32): void {
  const ms = <usize>N << 2;
  for (let r = r0; r < r1; r++) {
    const ar = a + ((<usize>r * <usize>K) << 2);
    for (let u = 0; u < U; u++) {
      const j0 = load<i32>(offs + (<usize>u << 2));
      const j1 = load<i32>(offs + (<usize>(u + 1) << 2));
      const o = out + (((<usize>u * <usize>R + <usize>r) * <usize>N) << 2);
      let n = 0;
      for (; n + 32 <= N; n += 32) {
        let c0 = f32x4.splat(0);
        let c1 = c0;
        let c2 = c0;
        let c3 = c0;
        let c4 = c0;
        let c5 = c0;
        let c6 = c0;
        let c7 = c0;
        let m = mats + <usize>j0 * ms + (<usize>n << 2);
        for (let j = j0; j < j1; j++) {
          const av = f32x4.splat(daz1(load<f32>(ar + (<usize>load<i32>(ids + (<usize>j << 2)) << 2))));
          c0 = madd(av, v128.load(m), c0);
          c1 = madd(av, v128.load(m, 16), c1);
          c2 = madd(av, v128.load(m, 32), c2);
          c3 = madd(av, v128.load(m, 48), c3);
          c4 = madd(av, v128.load(m, 64), c4);
          c5 = madd(av, v128.load(m, 80), c5);
          c6 = madd(av, v128.load(m, 96), c6);
          c7 = madd(av, v128.load(m, 112), c7);
          m += ms;
        }
        const p = o + (<usize>n << 2);
        v128.store(p, c0);
        v128.store(p, c1, 16);
        v128.store(p, c2, 32);
        v128.store(p, c3, 48);
        v128.store(p, c4, 64);
        v128.store(p, c5, 80);
        v128.store(p, c6, 96);
        v128.store(p, c7, 112);
      }
      for (; n < N; n += 4) {
        const w = min(4, N - n);
        let c = f32x4.splat(0);
        let m = mats + <usize>j0 * ms + (<usize>n << 2);
        for (let j = j0; j < j1; j++) {
          const av = f32x4.splat(daz1(load<f32>(ar + (<usize>load<i32>(ids + (<usize>j << 2)) << 2))));
          c = madd(av, w == 4 ? v128.load(m) : partial(m, w), c);
          m += ms;
        }
        if (w == 4) v128.store(o + (<usize>n << 2), c);
        else {
          v128.store(TILE, c);
          for (let l = 0; l < w; l++) store<f32>(o + (<usize>(n + l) << 2), load<f32>(TILE + (<usize>l << 2)));
        }
      }
    }
  }
}

/** The first w < 4 floats at p, zeros after them. */
// @ts-ignore: decorator
@inline function partial(p: usize, w: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (w > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (w > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Adds the first w lanes of c (stored at TILE) into ga's row gr at the columns ids[j .. j + w). */
// @ts-ignore: decorator
@inline function scatterLanes(c: v128, gr: usize, ids: usize, j: i32, w: i32): void {
  v128.store(TILE, c);
  for (let l = 0; l < w; l++) {
    const p = gr + (<usize>load<i32>(ids + (<usize>(j + l) << 2)) << 2);
    store<f32>(p, load<f32>(p) + load<f32>(TILE + (<usize>l << 2)));
  }
}

/**
 * The gradient of {@link gatheredRowsF32} over rows [r0, r1): ga's rows cleared, then ga[r, ids[j]] +=
 * Σ_n gy[u][r][n]·mats[j][n] for u and j in order. The sums run over n in order from +0 with subnormal
 * inputs flushed (gemmRows' bits for gy_u·mats_uᵀ), sixteen then four j at a time from matsT: per part
 * u, N rows of k4 = offs4[u+1] − offs4[u] floats (mats_uᵀ, subnormals flushed, padded with zero columns
 * to a multiple of 4) from float offset offs4[u]·N.
 */
export function gatheredRowsGradF32(gy: usize, ids: usize, offs: usize, offs4: usize, U: i32, matsT: usize, N: i32, ga: usize, K: i32, R: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const gr = ga + ((<usize>r * <usize>K) << 2);
    memory.fill(gr, 0, <usize>K << 2);
    for (let u = 0; u < U; u++) {
      const j0 = load<i32>(offs + (<usize>u << 2));
      const k = load<i32>(offs + (<usize>(u + 1) << 2)) - j0;
      const q0 = load<i32>(offs4 + (<usize>u << 2));
      const k4 = load<i32>(offs4 + (<usize>(u + 1) << 2)) - q0;
      const g = gy + (((<usize>u * <usize>R + <usize>r) * <usize>N) << 2);
      const mt = matsT + ((<usize>q0 * <usize>N) << 2);
      const step = <usize>k4 << 2;
      let jb = 0;
      for (; jb + 16 <= k; jb += 16) {
        let c0 = f32x4.splat(0);
        let c1 = c0;
        let c2 = c0;
        let c3 = c0;
        let m = mt + (<usize>jb << 2);
        for (let n = 0; n < N; n++) {
          const gv = f32x4.splat(daz1(load<f32>(g + (<usize>n << 2))));
          c0 = madd(gv, v128.load(m), c0);
          c1 = madd(gv, v128.load(m, 16), c1);
          c2 = madd(gv, v128.load(m, 32), c2);
          c3 = madd(gv, v128.load(m, 48), c3);
          m += step;
        }
        scatterLanes(c0, gr, ids, j0 + jb, 4);
        scatterLanes(c1, gr, ids, j0 + jb + 4, 4);
        scatterLanes(c2, gr, ids, j0 + jb + 8, 4);
        scatterLanes(c3, gr, ids, j0 + jb + 12, 4);
      }
      for (; jb < k; jb += 4) {
        let c = f32x4.splat(0);
        let m = mt + (<usize>jb << 2);
        for (let n = 0; n < N; n++) {
          c = madd(f32x4.splat(daz1(load<f32>(g + (<usize>n << 2)))), v128.load(m), c);
          m += step;
        }
        scatterLanes(c, gr, ids, j0 + jb, min(4, k - jb));
      }
    }
  }
}
