// Winograd F(4×4, 5×5) for 5×5 stride-1 convolutions, f32 (twin: src/kernels/ref/winograd5.ts).
// Tiles of 8×8 inputs and 4×4 outputs, 64 products per tile and channel pair (4 per output, against 25
// direct and 9 for F(2×2, 5×5)). The points are 0, 1, −1, 2, −2, 1/2, −1/2 and ∞ (Lavin & Gray's
// Toom–Cook construction; the float32 error stays that of F(2×2, 5×5), see tests/kernels.winograd5.test.ts):
//   Bᵀ (8×8): rows M(x)/(x − a) for the seven finite points a, M(x) = x(x² − 1)(x² − 4)(x² − 1/4), then M
//     itself, with the sign of row 0 flipped (and of G's row 0, so that row is +g0);
//   G (8×5): rows f(a)·(1, a, a², a³, a⁴) with f(a) = 1/∏_{b≠a}(a − b) = 1, −2/9, −2/9, 1/90, 1/90,
//     32/45, 32/45, then (0, 0, 0, 0, 1);
//   Aᵀ (4×8): columns (1, a, a², a³), then (0, 0, 0, 1).
// Layout as in winograd.ts: V[ξ][c][t] (ξ = 8i + j, rows of Tp floats); the transforms take four
// horizontally adjacent tiles (16 columns apart, one f32x4 lane each) at a time: a pass along whole
// padded rows, then 4×4 transposes give the tile columns. Stores of a row's last group may spill up to
// 3 lanes into the next row's tiles, which are written later; in the last row of tiles a short last
// group stores its lanes one by one, so nothing lands past an image's tiles and Tp needs no spare lanes.

import { copyRow } from "./lanes";
import { madd } from "./math";

// Per-thread scratch of the output transform (32 vectors) and a row buffer (4 vectors): a kernel team's
// threads each point theirs at a block of their own with setWinograd5Scratch.
let WS5: usize = memory.data(36 * 16, 16);

/**
 * Stores the first `nt` lanes of the 8 vectors at WS5 (16 bytes apart) at p, p + st, …, p + 7·st: the
 * short last group of a last tile row.
 */
// @ts-ignore: decorator
@inline function storeLanes8(p: usize, st: usize, nt: i32): void {
  for (let j: usize = 0; j < 8; j++) {
    for (let l = 0; l < nt; l++) store<f32>(p + j * st + (<usize>l << 2), load<f32>(WS5 + (j << 4) + (<usize>l << 2)));
  }
}

/** Points the scratch of the F(4×4, 5×5) transforms at `p` (576 bytes, 16-byte aligned): one block per thread. */
export function setWinograd5Scratch(p: usize): void {
  WS5 = p;
}

/** Bᵀ·(d0..d7) stored at p, p + st, …, p + 7·st (bytes). */
// @ts-ignore: decorator
@inline function bt8(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, d6: v128, d7: v128, p: usize, st: usize): void {
  const k525 = f32x4.splat(5.25);
  // ±1: (d2 + d6 − 4.25d4) ± (d1 + d5 − 4.25d3)
  const e1 = madd(f32x4.splat(-4.25), d4, f32x4.add(d2, d6));
  const o1 = madd(f32x4.splat(-4.25), d3, f32x4.add(d1, d5));
  // ±2: (0.25d2 − 1.25d4 + d6) ± (0.5d1 − 2.5d3 + 2d5)
  const e2 = madd(f32x4.splat(0.25), d2, madd(f32x4.splat(-1.25), d4, d6));
  const o2 = madd(f32x4.splat(0.5), d1, madd(f32x4.splat(-2.5), d3, f32x4.add(d5, d5)));
  // ±1/2: (4d2 − 5d4 + d6) ± (2d1 − 2.5d3 + 0.5d5)
  const e3 = madd(f32x4.splat(4), d2, madd(f32x4.splat(-5), d4, d6));
  const o3 = madd(f32x4.splat(2), d1, madd(f32x4.splat(-2.5), d3, f32x4.mul(f32x4.splat(0.5), d5)));
  v128.store(p, madd(k525, f32x4.sub(d4, d2), f32x4.sub(d0, d6)));
  v128.store(p + st, f32x4.add(e1, o1));
  v128.store(p + 2 * st, f32x4.sub(e1, o1));
  v128.store(p + 3 * st, f32x4.add(e2, o2));
  v128.store(p + 4 * st, f32x4.sub(e2, o2));
  v128.store(p + 5 * st, f32x4.add(e3, o3));
  v128.store(p + 6 * st, f32x4.sub(e3, o3));
  v128.store(p + 7 * st, madd(k525, f32x4.sub(d3, d5), f32x4.sub(d7, d1)));
}

/**
 * Input transform of one image: C planes of H×W at x → V[ξ][c][t0 + tile] (rows of Tp floats, Cs
 * rows per ξ). Scratch: xp (Hp·Wq floats, Hp = 4·th + 4, Wq = 16·⌈tw/4⌉ + 4) and tb (8·Wq floats).
 */
export function wg5InputF32(x: usize, C: i32, H: i32, W: i32, ph: i32, pw: i32, th: i32, tw: i32, xp: usize, tb: usize, V: usize, Cs: i32, Tp: i32, t0: i32): void {
  const groups = (tw + 3) >> 2;
  const Wq = 16 * groups + 4;
  const Hp = 4 * th + 4;
  const rowB = <usize>Wq << 2;
  memory.fill(xp, 0, <usize>(Hp * Wq) << 2);
  const stV = (<usize>Cs * <usize>Tp) << 2;
  const plane = <usize>(H * W) << 2;
  const rows = min(H, Hp - ph);
  const cols = min(W, Wq - pw);
  const lastNt = tw - 4 * (groups - 1);
  for (let c = 0; c < C; c++) {
    const src = x + <usize>c * plane;
    for (let i = 0; i < rows; i++) {
      copyRow(xp + <usize>(ph + i) * rowB + (<usize>pw << 2), src + (<usize>(i * W) << 2), cols);
    }
    const vc = V + ((<usize>c * <usize>Tp + <usize>t0) << 2);
    for (let ty = 0; ty < th; ty++) {
      // rows: tb[i] = Σ_r Bᵀ[i][r]·xp[4ty + r]
      const base = xp + <usize>(4 * ty) * rowB;
      for (let o: usize = 0; o < rowB; o += 16) {
        const p = base + o;
        bt8(v128.load(p), v128.load(p + rowB), v128.load(p + 2 * rowB), v128.load(p + 3 * rowB), v128.load(p + 4 * rowB), v128.load(p + 5 * rowB), v128.load(p + 6 * rowB), v128.load(p + 7 * rowB), tb + o, rowB);
      }
      // columns: lane l of cj holds column 16g + 4l + j (j < 4 from q0..q3, j ≥ 4 from q1..q4)
      for (let g = 0; g < groups; g++) {
        const dst0 = vc + (<usize>(ty * tw + 4 * g) << 2);
        const short = ty == th - 1 && g == groups - 1 && lastNt < 4;
        for (let i = 0; i < 8; i++) {
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
          const l12 = v128.shuffle<i32>(q1, q2, 0, 4, 1, 5);
          const l34 = v128.shuffle<i32>(q3, q4, 0, 4, 1, 5);
          const h12 = v128.shuffle<i32>(q1, q2, 2, 6, 3, 7);
          const h34 = v128.shuffle<i32>(q3, q4, 2, 6, 3, 7);
          bt8(
            v128.shuffle<i64>(l01, l23, 0, 2),
            v128.shuffle<i64>(l01, l23, 1, 3),
            v128.shuffle<i64>(h01, h23, 0, 2),
            v128.shuffle<i64>(h01, h23, 1, 3),
            v128.shuffle<i64>(l12, l34, 0, 2),
            v128.shuffle<i64>(l12, l34, 1, 3),
            v128.shuffle<i64>(h12, h34, 0, 2),
            v128.shuffle<i64>(h12, h34, 1, 3),
            short ? WS5 : dst0 + <usize>(8 * i) * stV,
            short ? 16 : stV,
          );
          if (short) storeLanes8(dst0 + <usize>(8 * i) * stV, stV, lastNt);
        }
      }
    }
  }
}

/** G·(g0..g4) for four kernels at once (one per lane), stored at p, p + st, …, p + 7·st (bytes). */
// @ts-ignore: decorator
@inline function g8(g0: v128, g1: v128, g2: v128, g3: v128, g4: v128, p: usize, st: usize): void {
  const e1 = f32x4.add(f32x4.add(g0, g2), g4);
  const o1 = f32x4.add(g1, g3);
  const e2 = madd(f32x4.splat(16), g4, madd(f32x4.splat(4), g2, g0));
  const o2 = madd(f32x4.splat(8), g3, f32x4.add(g1, g1));
  const e3 = madd(f32x4.splat(0.0625), g4, madd(f32x4.splat(0.25), g2, g0));
  const o3 = madd(f32x4.splat(0.125), g3, f32x4.mul(f32x4.splat(0.5), g1));
  const s1 = f32x4.splat(<f32>(-2.0 / 9.0));
  const s2 = f32x4.splat(<f32>(1.0 / 90.0));
  const s3 = f32x4.splat(<f32>(32.0 / 45.0));
  v128.store(p, g0);
  v128.store(p + st, f32x4.mul(s1, f32x4.add(e1, o1)));
  v128.store(p + 2 * st, f32x4.mul(s1, f32x4.sub(e1, o1)));
  v128.store(p + 3 * st, f32x4.mul(s2, f32x4.add(e2, o2)));
  v128.store(p + 4 * st, f32x4.mul(s2, f32x4.sub(e2, o2)));
  v128.store(p + 5 * st, f32x4.mul(s3, f32x4.add(e3, o3)));
  v128.store(p + 6 * st, f32x4.mul(s3, f32x4.sub(e3, o3)));
  v128.store(p + 7 * st, g4);
}

/**
 * Scratch of the kernel transform: 25 taps, 40 half-transformed rows, 64 rows out, of 16 kernels
 * (8,320 bytes); a kernel team's threads each point theirs at a block of their own with
 * setWinograd5KernelScratch.
 */
// one block: the factored kernels use all of it as one (8,192 bytes of factors or sums, then a row,
// then the 16 offsets of factorOffsets)
let K5T: usize = memory.data(25 * 16 * 4 + 40 * 16 * 4 + 64 * 16 * 4 + 64, 16);
let K5H: usize = K5T + 25 * 16 * 4;
let K5S: usize = K5H + 40 * 16 * 4;

/** Points the kernel transform's scratch at `p` (8,320 bytes, 16-byte aligned): one block per thread. */
export function setWinograd5KernelScratch(p: usize): void {
  K5T = p;
  K5H = p + 25 * 16 * 4;
  K5S = K5H + 40 * 16 * 4;
}

/**
 * Kernel transform of one group (twin: winograd5KernelTransform): U[ξ·st + m·Cg + c] = (G·w[m, c]·Gᵀ)[ξ]
 * for the kernels m0 ≤ m < m1 of the Og×Cg 5×5 kernels at w, 16 kernels along c at a time (taps transposed into lanes, then stored
 * as 64 rows: one kernel's 64 scattered stores would keep evicting each other's cache lines). Entries it
 * does not write are left as they are. With `flip`, w holds the Cg×Og kernels of the convolution whose
 * input gradient this is, and kernel (m, c) is w[c, m] with both axes reversed (the input gradient's
 * kernel, without a flipped copy).
 */
export function wg5KernelF32(w: usize, Og: i32, Cg: i32, U: usize, st: i32, flip: bool, m0: i32, m1: i32): void {
  const stB = <usize>st << 2;
  for (let m = m0; m < m1; m++) {
    for (let k0 = 0; k0 < Cg; k0 += 16) {
      const nk = min(16, Cg - k0);
      if (nk == 16) {
        // 16 kernels whose taps are rows of 25 floats (stride rs bytes; flipped: read backwards):
        // 4×4 transposes of four kernels' taps t..t+3, then the last tap lane by lane
        const rs: usize = flip ? (<usize>Og * 100) : 100;
        const base = flip ? w + ((<usize>(k0 * Og + m) * 25) << 2) : w + ((<usize>(m * Cg + k0) * 25) << 2);
        for (let k = 0; k < 16; k += 4) {
          const r0 = base + <usize>k * rs;
          const r1 = r0 + rs;
          const r2 = r1 + rs;
          const r3 = r2 + rs;
          for (let t = 0; t < 24; t += 4) {
            // taps t..t+3 of each row (flipped: source taps 21−t..24−t, reversed)
            const o: usize = flip ? <usize>(21 - t) << 2 : <usize>t << 2;
            let q0 = v128.load(r0 + o);
            let q1 = v128.load(r1 + o);
            let q2 = v128.load(r2 + o);
            let q3 = v128.load(r3 + o);
            if (flip) {
              q0 = v128.shuffle<i32>(q0, q0, 3, 2, 1, 0);
              q1 = v128.shuffle<i32>(q1, q1, 3, 2, 1, 0);
              q2 = v128.shuffle<i32>(q2, q2, 3, 2, 1, 0);
              q3 = v128.shuffle<i32>(q3, q3, 3, 2, 1, 0);
            }
            const a0 = v128.shuffle<i32>(q0, q1, 0, 4, 1, 5);
            const a1 = v128.shuffle<i32>(q0, q1, 2, 6, 3, 7);
            const a2 = v128.shuffle<i32>(q2, q3, 0, 4, 1, 5);
            const a3 = v128.shuffle<i32>(q2, q3, 2, 6, 3, 7);
            const d = K5T + (<usize>(t * 16 + k) << 2);
            v128.store(d, v128.shuffle<i64>(a0, a2, 0, 2));
            v128.store(d, v128.shuffle<i64>(a0, a2, 1, 3), 64);
            v128.store(d, v128.shuffle<i64>(a1, a3, 0, 2), 128);
            v128.store(d, v128.shuffle<i64>(a1, a3, 1, 3), 192);
          }
          const o24: usize = flip ? 0 : 96;
          const d24 = K5T + (<usize>(24 * 16 + k) << 2);
          store<f32>(d24, load<f32>(r0 + o24));
          store<f32>(d24, load<f32>(r1 + o24), 4);
          store<f32>(d24, load<f32>(r2 + o24), 8);
          store<f32>(d24, load<f32>(r3 + o24), 12);
        }
      } else if (flip) {
        for (let k = 0; k < 16; k++) {
          const src = w + ((<usize>((k0 + k) * Og + m) * 25) << 2);
          for (let tap = 0; tap < 25; tap++) {
            store<f32>(K5T + (<usize>(tap * 16 + k) << 2), k < nk ? load<f32>(src + (<usize>(24 - tap) << 2)) : 0);
          }
        }
      } else {
        const src = w + ((<usize>(m * Cg + k0) * 25) << 2);
        for (let k = 0; k < 16; k++) {
          for (let tap = 0; tap < 25; tap++) {
            store<f32>(K5T + (<usize>(tap * 16 + k) << 2), k < nk ? load<f32>(src + (<usize>(k * 25 + tap) << 2)) : 0);
          }
        }
      }
      for (let l: usize = 0; l < 64; l += 16) {
        // columns b of the kernel: H[i][b] = Σ_a G[i][a]·g[a][b] (rows 5i + b of K5H)
        for (let b = 0; b < 5; b++) {
          const p = K5T + <usize>(b * 64) + l;
          g8(v128.load(p), v128.load(p + 320), v128.load(p + 640), v128.load(p + 960), v128.load(p + 1280), K5H + <usize>(b * 64) + l, 320);
        }
        // rows i: U[8i + j] = Σ_b H[i][b]·G[j][b]
        for (let i = 0; i < 8; i++) {
          const p = K5H + <usize>(i * 320) + l;
          g8(v128.load(p), v128.load(p + 64), v128.load(p + 128), v128.load(p + 192), v128.load(p + 256), K5S + <usize>(i * 512) + l, 64);
        }
      }
      const dst = U + ((<usize>m * <usize>Cg + <usize>k0) << 2);
      for (let xi = 0; xi < 64; xi++) copyRow(dst + <usize>xi * stB, K5S + <usize>(64 * xi), nk);
    }
  }
}

/** Aᵀ·(m0..m7) (4 values) stored at p, p + st, p + 2·st, p + 3·st (bytes). */
// @ts-ignore: decorator
@inline function at8(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, m6: v128, m7: v128, p: usize, st: usize): void {
  const s1 = f32x4.add(m1, m2);
  const d1 = f32x4.sub(m1, m2);
  const s2 = f32x4.add(m3, m4);
  const d2 = f32x4.sub(m3, m4);
  const s3 = f32x4.add(m5, m6);
  const d3 = f32x4.sub(m5, m6);
  v128.store(p, f32x4.add(f32x4.add(m0, s1), f32x4.add(s2, s3)));
  v128.store(p + st, madd(f32x4.splat(2), d2, madd(f32x4.splat(0.5), d3, d1)));
  v128.store(p + 2 * st, madd(f32x4.splat(4), s2, madd(f32x4.splat(0.25), s3, s1)));
  v128.store(p + 3 * st, madd(f32x4.splat(8), d2, madd(f32x4.splat(0.125), d3, f32x4.add(d1, m7))));
}

/**
 * Output transform of one image: y[m] (Og planes of oh×ow) = Aᵀ·M[·][m][t0 + tile]·A + bias[m] (bias
 * ignored when hasBias is 0); M has Ms rows of Tp floats per ξ.
 */
export function wg5OutputF32(M: usize, Ms: i32, Tp: i32, t0: i32, th: i32, tw: i32, y: usize, Og: i32, oh: i32, ow: i32, bias: usize, hasBias: bool): void {
  const groups = (tw + 3) >> 2;
  const stM = (<usize>Ms * <usize>Tp) << 2;
  const r8 = stM * 8;
  const rowY = <usize>ow << 2;
  const WS = WS5;
  const RS = WS5 + 512;
  for (let m = 0; m < Og; m++) {
    const bv = f32x4.splat(hasBias ? load<f32>(bias + (<usize>m << 2)) : 0);
    const mm = M + ((<usize>m * <usize>Tp + <usize>t0) << 2);
    const ym = y + <usize>m * <usize>oh * rowY;
    for (let ty = 0; ty < th; ty++) {
      for (let g = 0; g < groups; g++) {
        // columns j: WS[o·8 + j] = Σ_i Aᵀ[o][i]·M[8i + j]
        let p = mm + (<usize>(ty * tw + 4 * g) << 2);
        for (let j: usize = 0; j < 8; j++) {
          at8(v128.load(p), v128.load(p + r8), v128.load(p + 2 * r8), v128.load(p + 3 * r8), v128.load(p + 4 * r8), v128.load(p + 5 * r8), v128.load(p + 6 * r8), v128.load(p + 7 * r8), WS + (j << 4), 128);
          p += stM;
        }
        const nt = min(4, tw - 4 * g);
        const col0 = 16 * g;
        const n = min(4 * nt, ow - col0);
        for (let o = 0; o < 4; o++) {
          const row = 4 * ty + o;
          if (row >= oh) break;
          // the row pass Aᵀ·WS[o] (lane l: tile 4g + l), then the four tiles' columns into place
          const w = WS + <usize>o * 128;
          at8(v128.load(w), v128.load(w, 16), v128.load(w, 32), v128.load(w, 48), v128.load(w, 64), v128.load(w, 80), v128.load(w, 96), v128.load(w, 112), RS, 16);
          const p0 = f32x4.add(v128.load(RS), bv);
          const p1 = f32x4.add(v128.load(RS, 16), bv);
          const p2 = f32x4.add(v128.load(RS, 32), bv);
          const p3 = f32x4.add(v128.load(RS, 48), bv);
          const l01 = v128.shuffle<i32>(p0, p1, 0, 4, 1, 5);
          const l23 = v128.shuffle<i32>(p2, p3, 0, 4, 1, 5);
          const h01 = v128.shuffle<i32>(p0, p1, 2, 6, 3, 7);
          const h23 = v128.shuffle<i32>(p2, p3, 2, 6, 3, 7);
          const r0 = v128.shuffle<i64>(l01, l23, 0, 2);
          const r1 = v128.shuffle<i64>(l01, l23, 1, 3);
          const r2 = v128.shuffle<i64>(h01, h23, 0, 2);
          const r3 = v128.shuffle<i64>(h01, h23, 1, 3);
          // whole groups of 4 columns as vectors (a short last tile group too), the rest of the row one by one
          const d = ym + <usize>row * rowY + (<usize>col0 << 2);
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

/** A·(g0..g3) (A = (Aᵀ)ᵀ, 8×4) at p, p + st, …, p + 7·st (bytes). */
// @ts-ignore: decorator
@inline function a8(g0: v128, g1: v128, g2: v128, g3: v128, p: usize, st: usize): void {
  const e1 = f32x4.add(g0, g2);
  const o1 = f32x4.add(g1, g3);
  const e2 = madd(f32x4.splat(4), g2, g0);
  const o2 = madd(f32x4.splat(8), g3, f32x4.add(g1, g1));
  const e3 = madd(f32x4.splat(0.25), g2, g0);
  const o3 = madd(f32x4.splat(0.125), g3, f32x4.mul(f32x4.splat(0.5), g1));
  v128.store(p, g0);
  v128.store(p + st, f32x4.add(e1, o1));
  v128.store(p + 2 * st, f32x4.sub(e1, o1));
  v128.store(p + 3 * st, f32x4.add(e2, o2));
  v128.store(p + 4 * st, f32x4.sub(e2, o2));
  v128.store(p + 5 * st, f32x4.add(e3, o3));
  v128.store(p + 6 * st, f32x4.sub(e3, o3));
  v128.store(p + 7 * st, g3);
}

/**
 * Output-gradient transform of one image for the weight gradient: Og planes of oh×ow at gy →
 * Y[ξ][m][t0 + tile] = (A·gy_tile·Aᵀ)[ξ] (rows of Tp floats, Ms rows per ξ), gy zero past the edge.
 * Scratch: gp (4·th·Wg floats, Wg = 16·⌈tw/4⌉) and tb (8·Wg floats). A row group's stores past tw fall
 * on the next row's tiles (written later); the last row's stop at tw.
 */
export function wg5GradOutF32(gy: usize, Og: i32, oh: i32, ow: i32, th: i32, tw: i32, gp: usize, tb: usize, Y: usize, Ms: i32, Tp: i32, t0: i32): void {
  const groups = (tw + 3) >> 2;
  const Wg = 16 * groups;
  const rowB = <usize>Wg << 2;
  memory.fill(gp, 0, <usize>(4 * th * Wg) << 2);
  const stY = (<usize>Ms * <usize>Tp) << 2;
  const lastNt = tw - 4 * (groups - 1);
  const plane = <usize>(oh * ow) << 2;
  for (let m = 0; m < Og; m++) {
    const src = gy + <usize>m * plane;
    for (let i = 0; i < oh; i++) copyRow(gp + <usize>i * rowB, src + (<usize>(i * ow) << 2), ow);
    const ym = Y + ((<usize>m * <usize>Tp + <usize>t0) << 2);
    for (let ty = 0; ty < th; ty++) {
      const base = gp + <usize>(4 * ty) * rowB;
      for (let o: usize = 0; o < rowB; o += 16) {
        const p = base + o;
        a8(v128.load(p), v128.load(p + rowB), v128.load(p + 2 * rowB), v128.load(p + 3 * rowB), tb + o, rowB);
      }
      for (let g = 0; g < groups; g++) {
        const dst0 = ym + (<usize>(ty * tw + 4 * g) << 2);
        const short = ty == th - 1 && g == groups - 1 && lastNt < 4;
        for (let i = 0; i < 8; i++) {
          const p = tb + <usize>i * rowB + (<usize>(16 * g) << 2);
          const q0 = v128.load(p);
          const q1 = v128.load(p, 16);
          const q2 = v128.load(p, 32);
          const q3 = v128.load(p, 48);
          const l01 = v128.shuffle<i32>(q0, q1, 0, 4, 1, 5);
          const l23 = v128.shuffle<i32>(q2, q3, 0, 4, 1, 5);
          const h01 = v128.shuffle<i32>(q0, q1, 2, 6, 3, 7);
          const h23 = v128.shuffle<i32>(q2, q3, 2, 6, 3, 7);
          a8(
            v128.shuffle<i64>(l01, l23, 0, 2),
            v128.shuffle<i64>(l01, l23, 1, 3),
            v128.shuffle<i64>(h01, h23, 0, 2),
            v128.shuffle<i64>(h01, h23, 1, 3),
            short ? WS5 : dst0 + <usize>(8 * i) * stY,
            short ? 16 : stY,
          );
          if (short) storeLanes8(dst0 + <usize>(8 * i) * stY, stY, lastNt);
        }
      }
    }
    // rows past oh were never written: gp stays zero there; rows below oh are rewritten per plane
  }
}

/** Gᵀ·(s0..s7) (Gᵀ 5×8), four kernels at once, at p, p + st, …, p + 4·st (bytes). */
// @ts-ignore: decorator
@inline function gt8(s0: v128, s1: v128, s2: v128, s3: v128, s4: v128, s5: v128, s6: v128, s7: v128, p: usize, st: usize): void {
  const s29 = f32x4.splat(<f32>(-2.0 / 9.0));
  const s90 = f32x4.splat(<f32>(1.0 / 90.0));
  const s45 = f32x4.splat(<f32>(2.0 / 45.0));
  const e1 = f32x4.mul(s29, f32x4.add(s1, s2));
  const o1 = f32x4.mul(s29, f32x4.sub(s1, s2));
  const e2 = f32x4.mul(s90, f32x4.add(s3, s4));
  const o2 = f32x4.mul(s90, f32x4.sub(s3, s4));
  const e3 = f32x4.mul(s45, f32x4.add(s5, s6));
  const o3 = f32x4.mul(s45, f32x4.sub(s5, s6));
  const two = f32x4.splat(2);
  const four = f32x4.splat(4);
  const eight = f32x4.splat(8);
  const sixteen = f32x4.splat(16);
  v128.store(p, madd(sixteen, e3, f32x4.add(f32x4.add(s0, e1), e2)));
  v128.store(p + st, madd(eight, o3, madd(two, o2, o1)));
  v128.store(p + 2 * st, madd(four, e3, madd(four, e2, e1)));
  v128.store(p + 3 * st, madd(two, o3, madd(eight, o2, o1)));
  v128.store(p + 4 * st, f32x4.add(madd(sixteen, e2, e1), f32x4.add(e3, s7)));
}

/**
 * The end of the F(4×4, 5×5) weight gradient: gw[m, c] = Gᵀ·S[·][m][c]·G (5×5, overwritten) for
 * m0 ≤ m < m1 (≤ Og), c < Cg, from S[ξ][m][c] (rows of Cgp, a multiple of 4; Ss floats from one ξ to
 * the next), four c at a time. Its scratch (40 rows of 5×8, then 25 rows of 5×5, of four kernels: 1,040 bytes) is the start of
 * the kernel transform's K5T (1,600 bytes), which is per thread; the two never run at once in a thread.
 */
export function wg5FinishF32(S: usize, Og: i32, Cg: i32, Ss: i32, Cgp: i32, gw: usize, m0: i32, m1: i32): void {
  const F5T = K5T;
  const F5O = K5T + 40 * 16;
  const stS = <usize>Ss << 2;
  const r8 = stS * 8;
  for (let m = m0; m < m1; m++) {
    for (let c = 0; c < Cg; c += 4) {
      const s = S + ((<usize>m * <usize>Cgp + <usize>c) << 2);
      // columns ξ2: F5T[k·8 + ξ2] = Σ_ξ1 Gᵀ[k][ξ1]·S[8ξ1 + ξ2]
      for (let j = 0; j < 8; j++) {
        const p = s + <usize>j * stS;
        gt8(v128.load(p), v128.load(p + r8), v128.load(p + 2 * r8), v128.load(p + 3 * r8), v128.load(p + 4 * r8), v128.load(p + 5 * r8), v128.load(p + 6 * r8), v128.load(p + 7 * r8), F5T + <usize>(16 * j), 128);
      }
      // rows k: F5O[k·5 + l] = Σ_ξ2 F5T[k·8 + ξ2]·G[ξ2][l]
      for (let k = 0; k < 5; k++) {
        const p = F5T + <usize>(128 * k);
        gt8(v128.load(p), v128.load(p, 16), v128.load(p, 32), v128.load(p, 48), v128.load(p, 64), v128.load(p, 80), v128.load(p, 96), v128.load(p, 112), F5O + <usize>(80 * k), 16);
      }
      const nc = min(4, Cg - c);
      for (let l = 0; l < nc; l++) {
        const dst = gw + ((<usize>(m * Cg + c + l) * 25) << 2);
        for (let t = 0; t < 25; t++) store<f32>(dst + (<usize>t << 2), load<f32>(F5O + (<usize>(16 * t + 4 * l))));
      }
    }
  }
}

// ---- factored kernels ----------------------------------------------------------------------------
// Kernels given as Σ_u Y_u[r]·P_u over nU fixed 5×5 profiles P_u (a steerable basis's rings and
// harmonics, see R2Conv): the transform is linear, so U = Σ_u Y_u[r]·(G·P_u·Gᵀ), and the caller's
// transformed profiles TP (64 rows of nUp = nU rounded up to even, zero-padded) replace the 5×5 filter,
// its transform and, in the weight gradient, the finish (dY = TPᵀ·S, the transposition of U = TP·Y).
// Y holds nU planes of the group's Og·Cg kernels; in a plane, kernel (o, i) of a filter of Oo×Io
// kernels in blocks of dO×dI (a steerable layer's field pairs) is at
// ((⌊o/dO⌋·Io/dI + ⌊i/dI⌋)·dO + o mod dO)·dI + i mod dI (dO = dI = 1: o·Io + i).

/**
 * The offsets (floats, see above) in a plane of factors of the nk ≤ 16 kernels (m, k0 + l) of a filter
 * with nIb blocks of columns, or with `flip` of the kernels (k0 + l, m), into the 16 i32 at pos: two
 * divisions per block of kernels, not two per kernel.
 */
// @ts-ignore: decorator
@inline function factorOffsets(pos: usize, m: i32, k0: i32, nk: i32, nIb: i32, dO: i32, dI: i32, flip: bool): void {
  const blk = dO * dI;
  if (!flip) {
    // row m: ((ob·nIb + ib)·dO + om)·dI + il = (ob·nIb·dO + om)·dI + ib·blk + il along the columns
    const ob = m / dO;
    const base = (ob * nIb * dO + (m - ob * dO)) * dI;
    let ib = k0 / dI;
    let il = k0 - ib * dI;
    for (let l = 0; l < nk; l++) {
      store<i32>(pos + (<usize>l << 2), base + ib * blk + il);
      if (++il == dI) {
        il = 0;
        ib++;
      }
    }
  } else {
    // column m: ob·nIb·blk + om·dI + (ib·blk + il) along the rows
    const ib = m / dI;
    const c = ib * blk + (m - ib * dI);
    const rowBlk = nIb * blk;
    let ob = k0 / dO;
    let om = k0 - ob * dO;
    for (let l = 0; l < nk; l++) {
      store<i32>(pos + (<usize>l << 2), ob * rowBlk + om * dI + c);
      if (++om == dO) {
        om = 0;
        ob++;
      }
    }
  }
}

/**
 * Factored kernel transform (twin: winograd5FactoredConvRef): U[ξ·st + m·Cg + c] = Σ_u TP[ξ·nUp + u]·Y_u[(m, c)]
 * for m0 ≤ m < m1, c < Cg, the planes Y_u of Og·Cg floats at Y (see above; with `flip`, kernel (m, c) is
 * the filter's (c, m) of a Cg×Og filter, the convolution whose input gradient this is, and TP are the
 * reversed profiles'). 16 kernels along c at a time: their factors transposed into lanes (K5T, nUp
 * rows of 16), then two ξ at a time. Entries it does not write are left as they are. nU ≤ 128.
 */
export function wg5FactoredKernelF32(Y: usize, nU: i32, TP: usize, Og: i32, Cg: i32, U: usize, st: i32, flip: bool, m0: i32, m1: i32, dO: i32, dI: i32): void {
  const stB = <usize>st << 2;
  const nUp = (nU + 1) & ~1;
  const tpRow = <usize>nUp << 2;
  const planeB = (<usize>Og * <usize>Cg) << 2;
  const nIb = (flip ? Og : Cg) / dI;
  const stage = K5T + 8192;
  const pos = K5T + 8256;
  // runs of four kernels lie side by side in a plane (a row of blocks of dI ≡ 0 mod 4 columns)
  const runs = !flip && (dI & 3) == 0;
  for (let m = m0; m < m1; m++) {
    for (let k0 = 0; k0 < Cg; k0 += 16) {
      const nk = min(16, Cg - k0);
      factorOffsets(pos, m, k0, nk, nIb, dO, dI, flip);
      if (runs && nk == 16) {
        const p0 = Y + (<usize>load<i32>(pos) << 2);
        const p1 = Y + (<usize>load<i32>(pos, 16) << 2);
        const p2 = Y + (<usize>load<i32>(pos, 32) << 2);
        const p3 = Y + (<usize>load<i32>(pos, 48) << 2);
        for (let u = 0; u < nU; u++) {
          const o = <usize>u * planeB;
          const d = K5T + (<usize>u << 6);
          v128.store(d, v128.load(p0 + o));
          v128.store(d, v128.load(p1 + o), 16);
          v128.store(d, v128.load(p2 + o), 32);
          v128.store(d, v128.load(p3 + o), 48);
        }
        if (nU < nUp) {
          const d = K5T + (<usize>nU << 6);
          const z = f32x4.splat(0);
          v128.store(d, z);
          v128.store(d, z, 16);
          v128.store(d, z, 32);
          v128.store(d, z, 48);
        }
      } else {
        for (let k = 0; k < 16; k++) {
          const d = K5T + (<usize>k << 2);
          if (k < nk) {
            const src = Y + (<usize>load<i32>(pos + (<usize>k << 2)) << 2);
            for (let u = 0; u < nU; u++) store<f32>(d + (<usize>u << 6), load<f32>(src + <usize>u * planeB));
            if (nU < nUp) store<f32>(d + (<usize>nU << 6), 0);
          } else {
            for (let u = 0; u < nUp; u++) store<f32>(d + (<usize>u << 6), 0);
          }
        }
      }
      const dst = U + ((<usize>m * <usize>Cg + <usize>k0) << 2);
      for (let xi = 0; xi < 64; xi += 2) {
        const tp = TP + <usize>xi * tpRow;
        let a0 = f32x4.splat(0);
        let a1 = a0;
        let a2 = a0;
        let a3 = a0;
        let b0 = a0;
        let b1 = a0;
        let b2 = a0;
        let b3 = a0;
        for (let u = 0; u < nUp; u++) {
          const t = K5T + (<usize>u << 6);
          const q0 = v128.load(t);
          const q1 = v128.load(t, 16);
          const q2 = v128.load(t, 32);
          const q3 = v128.load(t, 48);
          const sa = v128.load32_splat(tp + (<usize>u << 2));
          const sb = v128.load32_splat(tp + tpRow + (<usize>u << 2));
          a0 = madd(sa, q0, a0);
          a1 = madd(sa, q1, a1);
          a2 = madd(sa, q2, a2);
          a3 = madd(sa, q3, a3);
          b0 = madd(sb, q0, b0);
          b1 = madd(sb, q1, b1);
          b2 = madd(sb, q2, b2);
          b3 = madd(sb, q3, b3);
        }
        const pa = dst + <usize>xi * stB;
        const pb = pa + stB;
        if (nk == 16) {
          v128.store(pa, a0);
          v128.store(pa, a1, 16);
          v128.store(pa, a2, 32);
          v128.store(pa, a3, 48);
          v128.store(pb, b0);
          v128.store(pb, b1, 16);
          v128.store(pb, b2, 32);
          v128.store(pb, b3, 48);
        } else {
          v128.store(stage, a0);
          v128.store(stage, a1, 16);
          v128.store(stage, a2, 32);
          v128.store(stage, a3, 48);
          copyRow(pa, stage, nk);
          v128.store(stage, b0);
          v128.store(stage, b1, 16);
          v128.store(stage, b2, 32);
          v128.store(stage, b3, 48);
          copyRow(pb, stage, nk);
        }
      }
    }
  }
}

/**
 * The end of the factored weight gradient (twin: winograd5FactoredWeightGradRef): gY_u[(m, c)] =
 * Σ_ξ TP[ξ·nUp + u]·S[ξ][m][c] (overwritten; planes of Og·Cg floats at gY, laid out as Y above) for
 * m0 ≤ m < m1, c < Cg, from the sums S of {@link wg5FinishF32} (rows of Cgp, Ss floats per ξ). 16 c at
 * a time (lanes past Cg read whatever follows: S needs 12 readable floats past its end), two u at a
 * time over all ξ, staged in K5T.
 */
export function wg5FactoredFinishF32(S: usize, Og: i32, Cg: i32, Ss: i32, Cgp: i32, TP: usize, nU: i32, gY: usize, m0: i32, m1: i32, dO: i32, dI: i32): void {
  const stS = <usize>Ss << 2;
  const nUp = (nU + 1) & ~1;
  const tpRow = <usize>nUp << 2;
  const planeB = (<usize>Og * <usize>Cg) << 2;
  const nIb = Cg / dI;
  const pos = K5T + 8256;
  const runs = (dI & 3) == 0;
  for (let m = m0; m < m1; m++) {
    for (let k0 = 0; k0 < Cg; k0 += 16) {
      const nk = min(16, Cg - k0);
      const s = S + ((<usize>m * <usize>Cgp + <usize>k0) << 2);
      for (let u = 0; u < nUp; u += 2) {
        let a0 = f32x4.splat(0);
        let a1 = a0;
        let a2 = a0;
        let a3 = a0;
        let b0 = a0;
        let b1 = a0;
        let b2 = a0;
        let b3 = a0;
        for (let xi = 0; xi < 64; xi++) {
          const p = s + <usize>xi * stS;
          const q0 = v128.load(p);
          const q1 = v128.load(p, 16);
          const q2 = v128.load(p, 32);
          const q3 = v128.load(p, 48);
          const t = TP + <usize>xi * tpRow + (<usize>u << 2);
          const sa = v128.load32_splat(t);
          const sb = v128.load32_splat(t + 4);
          a0 = madd(sa, q0, a0);
          a1 = madd(sa, q1, a1);
          a2 = madd(sa, q2, a2);
          a3 = madd(sa, q3, a3);
          b0 = madd(sb, q0, b0);
          b1 = madd(sb, q1, b1);
          b2 = madd(sb, q2, b2);
          b3 = madd(sb, q3, b3);
        }
        const r = K5T + (<usize>u << 6);
        v128.store(r, a0);
        v128.store(r, a1, 16);
        v128.store(r, a2, 32);
        v128.store(r, a3, 48);
        v128.store(r, b0, 64);
        v128.store(r, b1, 80);
        v128.store(r, b2, 96);
        v128.store(r, b3, 112);
      }
      factorOffsets(pos, m, k0, nk, nIb, dO, dI, false);
      if (runs && nk == 16) {
        const p0 = gY + (<usize>load<i32>(pos) << 2);
        const p1 = gY + (<usize>load<i32>(pos, 16) << 2);
        const p2 = gY + (<usize>load<i32>(pos, 32) << 2);
        const p3 = gY + (<usize>load<i32>(pos, 48) << 2);
        for (let u = 0; u < nU; u++) {
          const o = <usize>u * planeB;
          const r = K5T + (<usize>u << 6);
          v128.store(p0 + o, v128.load(r));
          v128.store(p1 + o, v128.load(r, 16));
          v128.store(p2 + o, v128.load(r, 32));
          v128.store(p3 + o, v128.load(r, 48));
        }
      } else {
        for (let l = 0; l < nk; l++) {
          const dst = gY + (<usize>load<i32>(pos + (<usize>l << 2)) << 2);
          for (let u = 0; u < nU; u++) store<f32>(dst + <usize>u * planeB, load<f32>(K5T + (<usize>u << 6) + (<usize>l << 2)));
        }
      }
    }
  }
}
