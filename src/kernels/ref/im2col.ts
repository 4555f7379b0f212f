/**
 * Reference (plain TypeScript) loops of the im2col convolutions on typed arrays: the geometry of an
 * N-d convolution, im2col and its adjoint col2im (zeros where taps fall in the padding), and the
 * "padded-width" layout of stride-1 1-D/2-D convolutions, in which the im2col row of every tap is one
 * contiguous run of the zero-padded input. `src/kernels/conv.ts` drives them with the GEMM kernel.
 */
import type { FloatArray } from "./linalg.js";

/** Three spatial sizes (leading axes of size 1 for 1-D and 2-D grids). */
export type Triple = [number, number, number];

/** Pads a per-axis list to 3 axes (leading axes of size `fill`). */
export function to3(a: readonly number[], fill: number): Triple {
  const r: Triple = [fill, fill, fill];
  for (let i = 0; i < a.length; i++) r[3 - a.length + i] = a[i]!;
  return r;
}

/** The product of the sizes. */
export function volume(s: readonly number[]): number {
  let v = 1;
  for (const d of s) v *= d;
  return v;
}

/**
 * A convolution from x [N, Cin, *inS] to y [N, Cout, *outS] with weight [Cout, Cin/G, *k] over D
 * spatial axes. Spatial sizes are kept as 3 axes (leading 1s for 1-D and 2-D); `p` is the padding
 * before each axis (the padding after it is implied by the output size).
 */
export interface ConvGeometry {
  N: number;
  Cin: number;
  Cout: number;
  G: number;
  /** Spatial axes (1, 2 or 3). */
  D: number;
  inS: Triple;
  outS: Triple;
  k: Triple;
  s: Triple;
  p: Triple;
  d: Triple;
  /** 1×1 kernel, stride 1, no padding: the columns are the input itself. */
  direct: boolean;
}

/** The geometry of a convolution from per-axis lists (of length D). */
export function convGeometry(
  N: number,
  Cin: number,
  Cout: number,
  G: number,
  inS: readonly number[],
  outS: readonly number[],
  k: readonly number[],
  s: readonly number[],
  p: readonly number[],
  d: readonly number[],
): ConvGeometry {
  const D = inS.length;
  let direct = true;
  for (let i = 0; i < D; i++) if (k[i] !== 1 || s[i] !== 1 || p[i] !== 0 || outS[i] !== inS[i]) direct = false;
  return {
    N,
    Cin,
    Cout,
    G,
    D,
    inS: to3(inS, 1),
    outS: to3(outS, 1),
    k: to3(k, 1),
    s: to3(s, 1),
    p: to3(p, 0),
    d: to3(d, 1),
    direct,
  };
}

/** Taps per input channel: the kernel's volume. */
export function kVol(g: ConvGeometry): number {
  return g.k[0] * g.k[1] * g.k[2];
}

/** First and one-past-last output index o with 0 <= o·s + off < n (off = tap offset − padding). */
function validRange(nOut: number, s: number, off: number, n: number): [number, number] {
  let lo = off >= 0 ? 0 : Math.ceil(-off / s);
  let hi = n - 1 - off < 0 ? 0 : Math.floor((n - 1 - off) / s) + 1;
  if (lo > nOut) lo = nOut;
  if (hi > nOut) hi = nOut;
  if (hi < lo) hi = lo;
  return [lo, hi];
}

/**
 * col[C·k, (r1 − r0)·ow] from C channels of x starting at `xOff`, for the output rows r0 ≤ r < r1
 * (a row r is one (z, y) pair, r = z·oh + y); zeros where the taps fall in the padding. With
 * `adjoint`, its adjoint col2im: adds col into those channels of x instead.
 */
export function im2col(
  x: FloatArray,
  xOff: number,
  C: number,
  g: ConvGeometry,
  r0: number,
  r1: number,
  col: FloatArray,
  adjoint = false,
): void {
  const [id, ih, iw] = g.inS;
  const [, oh, ow] = g.outS;
  const [kd, kh, kw] = g.k;
  const [sd, sh, sw] = g.s;
  const [pd, ph, pw] = g.p;
  const [dd, dh, dw] = g.d;
  const inVol = id * ih * iw;
  const Pc = (r1 - r0) * ow;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const xc = xOff + c * inVol;
    for (let a = 0; a < kd; a++) {
      for (let b = 0; b < kh; b++) {
        for (let e = 0; e < kw; e++) {
          const offW = e * dw - pw;
          const [lo, hi] = validRange(ow, sw, offW, iw);
          let o = row * Pc;
          for (let r = r0; r < r1; r++, o += ow) {
            const z = (r / oh) | 0;
            const y = r - z * oh;
            const iz = z * sd - pd + a * dd;
            const iy = y * sh - ph + b * dh;
            if (iz < 0 || iz >= id || iy < 0 || iy >= ih) {
              if (!adjoint) col.fill(0, o, o + ow);
              continue;
            }
            const base = xc + (iz * ih + iy) * iw + offW;
            if (adjoint) {
              if (sw === 1) {
                for (let t = lo; t < hi; t++) x[base + t]! += col[o + t]!;
              } else {
                for (let t = lo; t < hi; t++) x[base + t * sw]! += col[o + t]!;
              }
              continue;
            }
            for (let t = 0; t < lo; t++) col[o + t] = 0;
            if (sw === 1) {
              for (let t = lo; t < hi; t++) col[o + t] = x[base + t]!;
            } else {
              for (let t = lo; t < hi; t++) col[o + t] = x[base + t * sw]!;
            }
            for (let t = hi; t < ow; t++) col[o + t] = 0;
          }
          row++;
        }
      }
    }
  }
}

/**
 * Splits the output rows (z, y pairs) of one image into chunks whose im2col block (Kg × rows·ow
 * floats) stays around 256 KiB, so im2col, the GEMM's copy of it and col2im run in cache.
 */
export function rowChunks(g: ConvGeometry, Kg: number): number[] {
  return rowBlocks(g.outS[0] * g.outS[1], g.outS[2], Kg);
}

/** Bounds of about equal blocks of R rows such that Kg × rows·width floats stay around 256 KiB. */
function rowBlocks(R: number, width: number, Kg: number): number[] {
  const per = Math.max(1, Math.floor(65536 / Math.max(Kg, 1) / Math.max(width, 1)));
  const n = Math.max(1, Math.ceil(R / per));
  const rows = Math.ceil(R / n);
  const bounds = [0];
  for (let r = rows; r < R; r += rows) bounds.push(r);
  bounds.push(R);
  return bounds;
}

/** Copies rows [r0·ow, r1·ow) of each of `M` channel planes (length P) into a contiguous [M, Pc] block, or back. */
export function gatherCols(
  src: FloatArray,
  srcOff: number,
  M: number,
  P: number,
  c0: number,
  Pc: number,
  dst: FloatArray,
): void {
  for (let m = 0; m < M; m++) {
    const s = srcOff + m * P + c0;
    const d = m * Pc;
    for (let t = 0; t < Pc; t++) dst[d + t] = src[s + t]!;
  }
}

export function addChannelBias(y: FloatArray, b: FloatArray, N: number, C: number, P: number): void {
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const v = b[c]!;
      if (v === 0) continue;
      const o = (n * C + c) * P;
      for (let i = 0; i < P; i++) y[o + i]! += v;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// stride-1 fast path in "padded-width" layout
//
// For stride 1 on 1-D/2-D grids, output rows are computed on the padded width Wp (the last
// dilation·(kW − 1) columns of each row are garbage and dropped). Then the im2col row of every tap
// (c, a, b) for a block of output rows is ONE contiguous run of the zero-padded input, copied with a
// native `set`, and col2im is one contiguous add per tap.

export interface PadLayout {
  H: number;
  W: number;
  Hp: number;
  Wp: number;
  /** Offset of the input's (0, 0) inside a padded plane. */
  inner: number;
  /** Padded plane size plus a zero tail that taps of the last rows may read. */
  plane: number;
  tail: number;
}

export function padLayout(g: ConvGeometry): PadLayout | null {
  // a 2-D (or 1-D) convolution: one input and output plane (no padding along the leading axis)
  if (g.direct || g.inS[0] !== 1 || g.k[0] !== 1 || g.p[0] !== 0 || g.s[1] !== 1 || g.s[2] !== 1) return null;
  const [, H, W] = g.inS;
  const [, oh, ow] = g.outS;
  const Hp = oh + g.d[1] * (g.k[1] - 1);
  const Wp = ow + g.d[2] * (g.k[2] - 1);
  const [, ph, pw] = g.p;
  if (Hp < H + ph || Wp < W + pw) return null;
  return { H, W, Hp, Wp, inner: ph * Wp + pw, plane: Hp * Wp, tail: g.d[2] * (g.k[2] - 1) };
}

/** Writes C zero-padded planes of x (from `xOff`) into dst (borders must already be zero). */
export function fillPadded(x: FloatArray, xOff: number, C: number, L: PadLayout, dst: FloatArray): void {
  const { H, W, Wp, inner, plane } = L;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < H; i++) {
      const s = xOff + (c * H + i) * W;
      const d = c * plane + inner + i * Wp;
      for (let t = 0; t < W; t++) dst[d + t] = x[s + t]!;
    }
  }
}

/**
 * col[Kg, rows·Wp] for output rows [r0, r1) from padded planes: each tap's row is one contiguous run of
 * the planes. With `adjoint`, its adjoint: adds col into the (gradient) planes instead.
 */
export function im2colPadded(
  xp: FloatArray,
  C: number,
  g: ConvGeometry,
  L: PadLayout,
  r0: number,
  r1: number,
  col: FloatArray,
  adjoint = false,
): void {
  const len = (r1 - r0) * L.Wp;
  const [, kh, kw] = g.k;
  const [, dh, dw] = g.d;
  let o = 0;
  for (let c = 0; c < C; c++) {
    const base = c * L.plane + r0 * L.Wp;
    for (let b = 0; b < kh; b++) {
      for (let e = 0; e < kw; e++) {
        const s = base + b * dh * L.Wp + e * dw;
        if (adjoint) {
          for (let t = 0; t < len; t++) xp[s + t]! += col[o + t]!;
        } else {
          col.set(xp.subarray(s, s + len), o);
        }
        o += len;
      }
    }
  }
}

/** Rows per block so that the padded im2col block (Kg × rows·Wp) stays around 256 KiB. */
export function paddedChunks(oh: number, Wp: number, Kg: number): number[] {
  return rowBlocks(oh, Wp, Kg);
}
