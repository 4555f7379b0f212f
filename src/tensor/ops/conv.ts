/**
 * Convolutions, pooling and resampling on regular grids (the "Grids" of Geometric Deep Learning),
 * modelled on `torch.nn.functional`: {@link conv1d}, {@link conv2d}, {@link conv3d},
 * {@link convTranspose1d}/{@link convTranspose2d}/{@link convTranspose3d}, max/average/adaptive
 * pooling in 1-3 dimensions and {@link interpolate} (nearest, linear/bilinear/trilinear).
 *
 * Inputs are `[N, C, *spatial]` (or unbatched `[C, *spatial]`). Convolutions run as im2col + the
 * engine's `gemm` kernel per image and group; the gradient of the input is col2im of `Wᵀ·g` and the
 * gradient of the weight is `g·colᵀ`. The three maps (forward, input-gradient, weight-gradient) are
 * recorded ops whose backward functions are each other, so every one of them is differentiable and
 * `convTranspose*` is the input-gradient map with a bias. Pooling and resampling are separable
 * linear maps (average, adaptive average, interpolation) or index selections (max pooling), also
 * recorded in pairs with their adjoints.
 */
import {
  convStride1,
  convStride1WeightGrad,
  type FloatArray,
  gemm,
  type Stride1Geometry,
  type WinogradGeometry,
  winogradBackward3x3,
  winogradConv3x3,
  winogradWeightGrad3x3,
} from "../../kernels/index.js";
import { record } from "../autograd.js";
import { allocate, allocateEmpty, isFloat } from "../dtype.js";
import { check, fmtShape, opError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { sum } from "./reduce.js";
import { expand, pad } from "./shape.js";

/** An integer, or one integer per spatial axis. */
export type IntOrTuple = number | readonly number[];

/** Convolution padding: per-axis sizes, `'same'` (stride 1; output size = input size) or `'valid'` (none). */
export type ConvPadding = IntOrTuple | "same" | "valid";

/** How a convolution fills the border: zeros, or by wrapping, mirroring or repeating the edge. */
export type PaddingMode = "zeros" | "circular" | "reflect" | "replicate";

/** Options of {@link conv1d}, {@link conv2d}, {@link conv3d}. */
export interface ConvOptions {
  /** Step between output positions (default 1). */
  stride?: IntOrTuple;
  /** Border added on both sides of each spatial axis, `'same'` or `'valid'` (default 0). */
  padding?: ConvPadding;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
  /** Channel groups: input and output channels split into `groups` independent blocks (default 1). */
  groups?: number;
  /** How the padding is filled (default `'zeros'`); the other modes pad the input explicitly first. */
  paddingMode?: PaddingMode;
}

/** Options of {@link convTranspose1d}, {@link convTranspose2d}, {@link convTranspose3d}. */
export interface ConvTransposeOptions {
  /** Stride of the convolution this transposes (default 1). */
  stride?: IntOrTuple;
  /** Padding of the convolution this transposes: cropped from both sides of the output (default 0). */
  padding?: IntOrTuple;
  /** Extra size added to one side of the output, smaller than the stride or the dilation (default 0). */
  outputPadding?: IntOrTuple;
  /** Channel groups (default 1). */
  groups?: number;
  /** Kernel dilation (default 1). */
  dilation?: IntOrTuple;
}

// ---------------------------------------------------------------------------------------------
// argument helpers

type Triple = [number, number, number];

function tupleArg(op: string, arg: string, v: IntOrTuple | undefined, D: number, dflt: number, min: number): number[] {
  const raw = v === undefined ? dflt : v;
  const arr = typeof raw === "number" ? new Array<number>(D).fill(raw) : [...raw];
  if (arr.length !== D || arr.some((x) => !Number.isInteger(x) || x < min)) {
    opError(
      op,
      arg,
      `an integer >= ${min} or ${D} of them`,
      typeof raw === "number" ? String(raw) : `[${raw.join(", ")}]`,
    );
  }
  return arr;
}

/** Pads a per-axis list to 3 axes (leading axes of size `fill`). */
function to3(a: readonly number[], fill: number): Triple {
  const r: Triple = [fill, fill, fill];
  for (let i = 0; i < a.length; i++) r[3 - a.length + i] = a[i]!;
  return r;
}

function spatialNames(D: number): string {
  return D === 1 ? "L" : D === 2 ? "H, W" : "D, H, W";
}

/** Checks `x` is [N, C, *S] (or unbatched [C, *S]); returns it batched and whether it was unbatched. */
function batched(op: string, x: Tensor, D: number): { x: Tensor; unbatched: boolean } {
  if (!(x instanceof Tensor)) opError(op, "input", "a Tensor", typeof x);
  if (x.ndim === D + 2) return { x, unbatched: false };
  if (x.ndim === D + 1) return { x: x.reshape([1, ...x.shape]), unbatched: true };
  return opError(
    op,
    "input",
    `${D + 2}-D [N, C, ${spatialNames(D)}] (or ${D + 1}-D unbatched)`,
    `shape ${fmtShape(x.shape)}`,
  );
}

function checkFloat(op: string, arg: string, t: Tensor): void {
  if (!isFloat(t.dtype)) opError(op, arg, "dtype float32 or float64", t.dtype);
}

function volume(s: readonly number[]): number {
  let v = 1;
  for (const d of s) v *= d;
  return v;
}

// scratch buffers for im2col columns, grown on demand and reused across calls
let scratch32 = new Float32Array(0);
let scratch64 = new Float64Array(0);

function scratch(f64: boolean, n: number): FloatArray {
  if (f64) {
    if (scratch64.length < n) scratch64 = new Float64Array(n);
    return scratch64;
  }
  if (scratch32.length < n) scratch32 = new Float32Array(n);
  return scratch32;
}

// ---------------------------------------------------------------------------------------------
// convolution geometry and loops

/**
 * A convolution from x [N, Cin, *inS] to y [N, Cout, *outS] with weight [Cout, Cin/G, *k]. Spatial
 * sizes are kept as 3 axes (leading 1s for 1-D and 2-D); `p` is the padding before each axis (the
 * padding after it is implied by the output size).
 */
interface ConvGeom {
  op: string;
  N: number;
  Cin: number;
  Cout: number;
  G: number;
  inS: Triple;
  outS: Triple;
  k: Triple;
  s: Triple;
  p: Triple;
  d: Triple;
  xShape: number[];
  yShape: number[];
  wShape: number[];
  /** 1×1 kernel, stride 1, no padding: the columns are the input itself. */
  direct: boolean;
}

function makeGeom(
  op: string,
  N: number,
  Cin: number,
  Cout: number,
  G: number,
  inS: number[],
  outS: number[],
  k: number[],
  s: number[],
  p: number[],
  d: number[],
): ConvGeom {
  const D = inS.length;
  const g: ConvGeom = {
    op,
    N,
    Cin,
    Cout,
    G,
    inS: to3(inS, 1),
    outS: to3(outS, 1),
    k: to3(k, 1),
    s: to3(s, 1),
    p: to3(p, 0),
    d: to3(d, 1),
    xShape: [N, Cin, ...inS],
    yShape: [N, Cout, ...outS],
    wShape: [Cout, Cin / G, ...k],
    direct: false,
  };
  let direct = true;
  for (let i = 0; i < D; i++) if (k[i] !== 1 || s[i] !== 1 || p[i] !== 0 || outS[i] !== inS[i]) direct = false;
  g.direct = direct;
  return g;
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
 * (a row r is one (z, y) pair, r = z·oh + y); zeros where the taps fall in the padding.
 */
function im2col(x: FloatArray, xOff: number, C: number, g: ConvGeom, r0: number, r1: number, col: FloatArray): void {
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
              col.fill(0, o, o + ow);
              continue;
            }
            const base = xc + (iz * ih + iy) * iw + offW;
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

/** The adjoint of {@link im2col}: adds col[C·k, (r1 − r0)·ow] into C channels of gx starting at `gxOff`. */
function col2im(col: FloatArray, C: number, g: ConvGeom, r0: number, r1: number, gx: FloatArray, gxOff: number): void {
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
    const xc = gxOff + c * inVol;
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
            if (iz < 0 || iz >= id || iy < 0 || iy >= ih) continue;
            const base = xc + (iz * ih + iy) * iw + offW;
            if (sw === 1) {
              for (let t = lo; t < hi; t++) gx[base + t]! += col[o + t]!;
            } else {
              for (let t = lo; t < hi; t++) gx[base + t * sw]! += col[o + t]!;
            }
          }
          row++;
        }
      }
    }
  }
}

function kVol(g: ConvGeom): number {
  return g.k[0] * g.k[1] * g.k[2];
}

/**
 * Splits the output rows (z, y pairs) of one image into chunks whose im2col block (Kg × rows·ow
 * floats) stays around 256 KiB, so im2col, the GEMM's copy of it and col2im run in cache.
 */
function rowChunks(g: ConvGeom, Kg: number): number[] {
  const R = g.outS[0] * g.outS[1];
  const ow = Math.max(g.outS[2], 1);
  const per = Math.max(1, Math.floor(65536 / Math.max(Kg, 1) / ow));
  const n = Math.max(1, Math.ceil(R / per));
  const rows = Math.ceil(R / n);
  const bounds = [0];
  for (let r = rows; r < R; r += rows) bounds.push(r);
  bounds.push(R);
  return bounds;
}

/** Copies rows [r0·ow, r1·ow) of each of `M` channel planes (length P) into a contiguous [M, Pc] block, or back. */
function gatherCols(
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

function addChannelBias(y: FloatArray, b: FloatArray, N: number, C: number, P: number): void {
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

interface PadLayout {
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

function padLayout(g: ConvGeom): PadLayout | null {
  if (g.direct || g.inS[0] !== 1 || g.k[0] !== 1 || g.s[1] !== 1 || g.s[2] !== 1) return null;
  const [, H, W] = g.inS;
  const [, oh, ow] = g.outS;
  const Hp = oh + g.d[1] * (g.k[1] - 1);
  const Wp = ow + g.d[2] * (g.k[2] - 1);
  const [, ph, pw] = g.p;
  if (Hp < H + ph || Wp < W + pw) return null;
  return { H, W, Hp, Wp, inner: ph * Wp + pw, plane: Hp * Wp, tail: g.d[2] * (g.k[2] - 1) };
}

/** Writes C zero-padded planes of x (from `xOff`) into dst (borders must already be zero). */
function fillPadded(x: FloatArray, xOff: number, C: number, L: PadLayout, dst: FloatArray): void {
  const { H, W, Wp, inner, plane } = L;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < H; i++) {
      const s = xOff + (c * H + i) * W;
      const d = c * plane + inner + i * Wp;
      for (let t = 0; t < W; t++) dst[d + t] = x[s + t]!;
    }
  }
}

/** col[Kg, rows·Wp] for output rows [r0, r1) from padded planes. */
function im2colPadded(
  xp: FloatArray,
  C: number,
  g: ConvGeom,
  L: PadLayout,
  r0: number,
  r1: number,
  col: FloatArray,
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
        col.set(xp.subarray(s, s + len), o);
        o += len;
      }
    }
  }
}

/** Adds col[Kg, rows·Wp] into padded gradient planes (the adjoint of {@link im2colPadded}). */
function col2imPadded(
  col: FloatArray,
  C: number,
  g: ConvGeom,
  L: PadLayout,
  r0: number,
  r1: number,
  gp: FloatArray,
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
        for (let t = 0; t < len; t++) gp[s + t]! += col[o + t]!;
        o += len;
      }
    }
  }
}

/** Rows per block so that the padded im2col block (Kg × rows·Wp) stays around 256 KiB. */
function paddedChunks(oh: number, Wp: number, Kg: number): number[] {
  const per = Math.max(1, Math.floor(65536 / Math.max(Kg, 1) / Math.max(Wp, 1)));
  const n = Math.max(1, Math.ceil(oh / per));
  const rows = Math.ceil(oh / n);
  const bounds = [0];
  for (let r = rows; r < oh; r += rows) bounds.push(r);
  bounds.push(oh);
  return bounds;
}

function convForwardPadded(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  g: ConvGeom,
  L: PadLayout,
  y: FloatArray,
  f64: boolean,
): void {
  const { N, Cin, Cout, G } = g;
  const Cg = Cin / G;
  const Og = Cout / G;
  const Kg = Cg * kVol(g);
  const inVol = volume(g.inS);
  const [, oh, ow] = g.outS;
  const P = oh * ow;
  const Wp = L.Wp;
  const bounds = paddedChunks(oh, Wp, Kg);
  const maxLen = (bounds[1]! - bounds[0]!) * Wp;
  const xpLen = Cg * L.plane + L.tail;
  const buf = scratch(f64, xpLen + Kg * maxLen + Og * maxLen);
  const xp = buf.subarray(0, xpLen);
  const col = buf.subarray(xpLen, xpLen + Kg * maxLen);
  const tmp = buf.subarray(xpLen + Kg * maxLen, xpLen + Kg * maxLen + Og * maxLen);
  xp.fill(0);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      fillPadded(x, (n * Cin + gi * Cg) * inVol, Cg, L, xp);
      const yOff = (n * Cout + gi * Og) * P;
      const A = w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg);
      for (let k = 0; k + 1 < bounds.length; k++) {
        const r0 = bounds[k]!;
        const r1 = bounds[k + 1]!;
        const len = (r1 - r0) * Wp;
        im2colPadded(xp, Cg, g, L, r0, r1, col);
        gemm(A, col, tmp, Og, len, Kg);
        for (let m = 0; m < Og; m++) {
          const bv = b === null ? 0 : b[gi * Og + m]!;
          for (let r = r0; r < r1; r++) {
            const d = yOff + m * P + r * ow;
            const s = m * len + (r - r0) * Wp;
            for (let t = 0; t < ow; t++) y[d + t] = tmp[s + t]! + bv;
          }
        }
      }
    }
  }
}

function convInputGradPadded(
  gy: FloatArray,
  w: FloatArray,
  g: ConvGeom,
  L: PadLayout,
  gx: FloatArray,
  f64: boolean,
): void {
  const { N, Cin, Cout, G } = g;
  const Cg = Cin / G;
  const Og = Cout / G;
  const Kg = Cg * kVol(g);
  const { H, W, Wp, inner, plane } = L;
  const [, oh, ow] = g.outS;
  const P = oh * ow;
  const bounds = paddedChunks(oh, Wp, Kg);
  const maxLen = (bounds[1]! - bounds[0]!) * Wp;
  const gpLen = Cg * plane + L.tail;
  const buf = scratch(f64, gpLen + Kg * maxLen + Og * maxLen);
  const gp = buf.subarray(0, gpLen);
  const col = buf.subarray(gpLen, gpLen + Kg * maxLen);
  const tmp = buf.subarray(gpLen + Kg * maxLen, gpLen + Kg * maxLen + Og * maxLen);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      gp.fill(0);
      const yOff = (n * Cout + gi * Og) * P;
      const A = w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg);
      for (let k = 0; k + 1 < bounds.length; k++) {
        const r0 = bounds[k]!;
        const r1 = bounds[k + 1]!;
        const len = (r1 - r0) * Wp;
        for (let m = 0; m < Og; m++) {
          for (let r = r0; r < r1; r++) {
            const s = yOff + m * P + r * ow;
            const d = m * len + (r - r0) * Wp;
            for (let t = 0; t < ow; t++) tmp[d + t] = gy[s + t]!;
            for (let t = ow; t < Wp; t++) tmp[d + t] = 0;
          }
        }
        gemm(A, tmp, col, Kg, len, Og, true, false);
        col2imPadded(col, Cg, g, L, r0, r1, gp);
      }
      const xOff = (n * Cin + gi * Cg) * H * W;
      for (let c = 0; c < Cg; c++) {
        for (let i = 0; i < H; i++) {
          const s = c * plane + inner + i * Wp;
          const d = xOff + (c * H + i) * W;
          for (let t = 0; t < W; t++) gx[d + t] = gp[s + t]!;
        }
      }
    }
  }
}

function convWeightGradPadded(
  x: FloatArray,
  gy: FloatArray,
  g: ConvGeom,
  L: PadLayout,
  gw: FloatArray,
  f64: boolean,
): void {
  const { N, Cin, Cout, G } = g;
  const Cg = Cin / G;
  const Og = Cout / G;
  const Kg = Cg * kVol(g);
  const inVol = volume(g.inS);
  const [, oh, ow] = g.outS;
  const P = oh * ow;
  const Wp = L.Wp;
  const bounds = paddedChunks(oh, Wp, Kg);
  const maxLen = (bounds[1]! - bounds[0]!) * Wp;
  const xpLen = Cg * L.plane + L.tail;
  const buf = scratch(f64, xpLen + Kg * maxLen + Og * maxLen);
  const xp = buf.subarray(0, xpLen);
  const col = buf.subarray(xpLen, xpLen + Kg * maxLen);
  const tmp = buf.subarray(xpLen + Kg * maxLen, xpLen + Kg * maxLen + Og * maxLen);
  xp.fill(0);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      fillPadded(x, (n * Cin + gi * Cg) * inVol, Cg, L, xp);
      const yOff = (n * Cout + gi * Og) * P;
      const C = gw.subarray(gi * Og * Kg, (gi + 1) * Og * Kg);
      for (let k = 0; k + 1 < bounds.length; k++) {
        const r0 = bounds[k]!;
        const r1 = bounds[k + 1]!;
        const len = (r1 - r0) * Wp;
        for (let m = 0; m < Og; m++) {
          for (let r = r0; r < r1; r++) {
            const s = yOff + m * P + r * ow;
            const d = m * len + (r - r0) * Wp;
            for (let t = 0; t < ow; t++) tmp[d + t] = gy[s + t]!;
            for (let t = ow; t < Wp; t++) tmp[d + t] = 0;
          }
        }
        im2colPadded(xp, Cg, g, L, r0, r1, col);
        gemm(tmp, col, C, Og, Kg, len, false, true, true);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Winograd for 3×3, stride-1, undilated 2-D convolutions (Lavin & Gray, CVPR 2016): F(4×4, 3×3)
// through the kernels (winogradConv3x3 / winogradWeightGrad3x3: WASM SIMD for float32, data kept in
// the module's memory; the plain-TS reference for float64 and without WASM). The float32 backward
// of such a conv is one shared pass (winogradBackward3x3): gy is transformed once, for the weight
// gradient and for the input gradient (Uᵀ·Y, then the adjoint of the input transform), and the bias
// gradient is summed on the way; the separate maps remain the fallback (no WASM) and the
// double-backward path.

/** Minimum channels per group for the Winograd path (below it the transforms dominate). */
const WINOGRAD_MIN_CHANNELS = 8;

/** The kernels' geometry record of a 2-D conv. */
function winogradGeometry(g: ConvGeom): WinogradGeometry {
  const Cg = g.Cin / g.G;
  const Og = g.Cout / g.G;
  return {
    N: g.N,
    G: g.G,
    Cg,
    Og,
    H: g.inS[1]!,
    W: g.inS[2]!,
    oh: g.outS[1]!,
    ow: g.outS[2]!,
    ph: g.p[1]!,
    pw: g.p[2]!,
  };
}

function stride1Geometry(g: ConvGeom): Stride1Geometry {
  return {
    N: g.N,
    G: g.G,
    Cg: g.Cin / g.G,
    Og: g.Cout / g.G,
    H: g.inS[1],
    W: g.inS[2],
    kh: g.k[1],
    kw: g.k[2],
    dh: g.d[1],
    dw: g.d[2],
    ph: g.p[1],
    pw: g.p[2],
    oh: g.outS[1],
    ow: g.outS[2],
  };
}

function winogradApplies(g: ConvGeom): boolean {
  return (
    !g.direct &&
    g.inS[0] === 1 &&
    g.k[0] === 1 &&
    g.k[1] === 3 &&
    g.k[2] === 3 &&
    g.s[1] === 1 &&
    g.s[2] === 1 &&
    g.d[1] === 1 &&
    g.d[2] === 1 &&
    g.Cin / g.G >= WINOGRAD_MIN_CHANNELS &&
    2 * Math.ceil(g.outS[1] / 2) + 2 >= g.inS[1] + g.p[1] &&
    2 * Math.ceil(g.outS[2] / 2) + 2 >= g.inS[2] + g.p[2]
  );
}

/** y = conv(x, w) (+ b). */
function convForwardData(x: FloatArray, w: FloatArray, b: FloatArray | null, g: ConvGeom, f64: boolean): FloatArray {
  const { N, Cin, Cout, G } = g;
  const Cg = Cin / G;
  const Og = Cout / G;
  const Kg = Cg * kVol(g);
  const inVol = volume(g.inS);
  const P = volume(g.outS);
  const ow = g.outS[2];
  if (winogradApplies(g)) {
    // every element is written (WASM and reference alike): no zero fill
    const yw = allocateEmpty(f64 ? "float64" : "float32", N * Cout * P);
    winogradConv3x3(x, w, b, yw, winogradGeometry(g));
    return yw;
  }
  const L = padLayout(g);
  if (L !== null) {
    // both paths write every element: float32 in WASM without an im2col matrix where it runs, else im2col
    const yp = allocateEmpty(f64 ? "float64" : "float32", N * Cout * P);
    if (f64 || !convStride1(x, w, b, yp, stride1Geometry(g))) convForwardPadded(x, w, b, g, L, yp, f64);
    return yp;
  }
  const y = allocate(f64 ? "float64" : "float32", N * Cout * P) as FloatArray;
  if (g.direct) {
    for (let n = 0; n < N; n++) {
      for (let gi = 0; gi < G; gi++) {
        const xOff = (n * Cin + gi * Cg) * inVol;
        const yOff = (n * Cout + gi * Og) * P;
        gemm(
          w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg),
          x.subarray(xOff, xOff + Kg * P),
          y.subarray(yOff, yOff + Og * P),
          Og,
          P,
          Kg,
        );
      }
    }
    if (b !== null) addChannelBias(y, b, N, Cout, P);
    return y;
  }
  const bounds = rowChunks(g, Kg);
  const maxPc = (bounds[1]! - bounds[0]!) * ow;
  const buf = scratch(f64, Kg * maxPc + Og * maxPc);
  const col = buf.subarray(0, Kg * maxPc);
  const tmp = buf.subarray(Kg * maxPc);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      const xOff = (n * Cin + gi * Cg) * inVol;
      const yOff = (n * Cout + gi * Og) * P;
      const A = w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg);
      for (let k = 0; k + 1 < bounds.length; k++) {
        const r0 = bounds[k]!;
        const r1 = bounds[k + 1]!;
        const Pc = (r1 - r0) * ow;
        im2col(x, xOff, Cg, g, r0, r1, col);
        gemm(A, col, tmp, Og, Pc, Kg);
        // scatter the [Og, Pc] block into y's channel planes, adding the bias
        for (let m = 0; m < Og; m++) {
          const bv = b === null ? 0 : b[gi * Og + m]!;
          const d = yOff + m * P + r0 * ow;
          const s = m * Pc;
          for (let t = 0; t < Pc; t++) y[d + t] = tmp[s + t]! + bv;
        }
      }
    }
  }
  return y;
}

/**
 * For stride 1, the input gradient is itself a convolution: of gy, padded by dilation·(k − 1) − pad,
 * with the kernel flipped and its channel axes swapped. Returns that convolution's geometry, or null
 * when it does not apply (strides, or padding beyond the kernel's reach).
 */
function flippedGeom(g: ConvGeom): ConvGeom | null {
  const p: number[] = [];
  for (let i = 0; i < 3; i++) {
    if (g.s[i] !== 1) return null;
    const q = g.d[i]! * (g.k[i]! - 1) - g.p[i]!;
    if (q < 0) return null;
    p.push(q);
  }
  const D = g.xShape.length - 2;
  const cut = (a: Triple) => a.slice(3 - D);
  return makeGeom(g.op, g.N, g.Cout, g.Cin, g.G, cut(g.outS), cut(g.inS), cut(g.k), cut(g.s), p.slice(3 - D), cut(g.d));
}

/** W'[gi·Cg + c, m, k̄] = W[gi·Og + m, c, k] with every kernel axis reversed. */
function flipWeight(w: FloatArray, g: ConvGeom, f64: boolean): FloatArray {
  const Cg = g.Cin / g.G;
  const Og = g.Cout / g.G;
  const kv = kVol(g);
  const out = allocate(f64 ? "float64" : "float32", w.length) as FloatArray;
  for (let gi = 0; gi < g.G; gi++) {
    for (let m = 0; m < Og; m++) {
      for (let c = 0; c < Cg; c++) {
        const s = ((gi * Og + m) * Cg + c) * kv;
        const d = ((gi * Cg + c) * Og + m) * kv;
        for (let t = 0; t < kv; t++) out[d + kv - 1 - t] = w[s + t]!;
      }
    }
  }
  return out;
}

/** gx = convᵀ(gy, w) (+ b over the Cin channels): the gradient of the input, and transposed convolution. */
function convInputGradData(gy: FloatArray, w: FloatArray, b: FloatArray | null, g: ConvGeom, f64: boolean): FloatArray {
  const fg = g.direct ? null : flippedGeom(g);
  if (fg !== null) return convForwardData(gy, flipWeight(w, g, f64), b, fg, f64);
  const { N, Cin, Cout, G } = g;
  const Cg = Cin / G;
  const Og = Cout / G;
  const Kg = Cg * kVol(g);
  const inVol = volume(g.inS);
  const P = volume(g.outS);
  const ow = g.outS[2];
  const gx = allocate(f64 ? "float64" : "float32", N * Cin * inVol) as FloatArray;
  const L = padLayout(g);
  if (L !== null) convInputGradPadded(gy, w, g, L, gx, f64);
  else if (g.direct) {
    for (let n = 0; n < N; n++) {
      for (let gi = 0; gi < G; gi++) {
        const xOff = (n * Cin + gi * Cg) * inVol;
        const yOff = (n * Cout + gi * Og) * P;
        gemm(
          w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg),
          gy.subarray(yOff, yOff + Og * P),
          gx.subarray(xOff, xOff + Kg * P),
          Kg,
          P,
          Og,
          true,
          false,
        );
      }
    }
  } else {
    const bounds = rowChunks(g, Kg);
    const maxPc = (bounds[1]! - bounds[0]!) * ow;
    const buf = scratch(f64, Kg * maxPc + Og * maxPc);
    const col = buf.subarray(0, Kg * maxPc);
    const tmp = buf.subarray(Kg * maxPc);
    for (let n = 0; n < N; n++) {
      for (let gi = 0; gi < G; gi++) {
        const xOff = (n * Cin + gi * Cg) * inVol;
        const yOff = (n * Cout + gi * Og) * P;
        const A = w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg);
        for (let k = 0; k + 1 < bounds.length; k++) {
          const r0 = bounds[k]!;
          const r1 = bounds[k + 1]!;
          const Pc = (r1 - r0) * ow;
          gatherCols(gy, yOff, Og, P, r0 * ow, Pc, tmp);
          gemm(A, tmp, col, Kg, Pc, Og, true, false);
          col2im(col, Cg, g, r0, r1, gx, xOff);
        }
      }
    }
  }
  if (b !== null) addChannelBias(gx, b, N, Cin, inVol);
  return gx;
}

/** gw = Σₙ gyₙ · colₙᵀ: the gradient of the weight. */
function convWeightGradData(x: FloatArray, gy: FloatArray, g: ConvGeom, f64: boolean): FloatArray {
  const { N, Cin, Cout, G } = g;
  const Cg = Cin / G;
  const Og = Cout / G;
  const Kg = Cg * kVol(g);
  const inVol = volume(g.inS);
  const P = volume(g.outS);
  const ow = g.outS[2];
  const gw = allocate(f64 ? "float64" : "float32", Cout * Kg) as FloatArray;
  if (winogradApplies(g)) {
    winogradWeightGrad3x3(x, gy, gw, winogradGeometry(g));
    return gw;
  }
  const L = padLayout(g);
  if (L !== null) {
    if (f64 || !convStride1WeightGrad(x, gy, gw, stride1Geometry(g))) convWeightGradPadded(x, gy, g, L, gw, f64);
    return gw;
  }
  if (g.direct) {
    for (let n = 0; n < N; n++) {
      for (let gi = 0; gi < G; gi++) {
        const xOff = (n * Cin + gi * Cg) * inVol;
        const yOff = (n * Cout + gi * Og) * P;
        gemm(
          gy.subarray(yOff, yOff + Og * P),
          x.subarray(xOff, xOff + Kg * P),
          gw.subarray(gi * Og * Kg, (gi + 1) * Og * Kg),
          Og,
          Kg,
          P,
          false,
          true,
          true,
        );
      }
    }
    return gw;
  }
  const bounds = rowChunks(g, Kg);
  const maxPc = (bounds[1]! - bounds[0]!) * ow;
  const buf = scratch(f64, Kg * maxPc + Og * maxPc);
  const col = buf.subarray(0, Kg * maxPc);
  const tmp = buf.subarray(Kg * maxPc);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      const xOff = (n * Cin + gi * Cg) * inVol;
      const yOff = (n * Cout + gi * Og) * P;
      const C = gw.subarray(gi * Og * Kg, (gi + 1) * Og * Kg);
      for (let k = 0; k + 1 < bounds.length; k++) {
        const r0 = bounds[k]!;
        const r1 = bounds[k + 1]!;
        const Pc = (r1 - r0) * ow;
        im2col(x, xOff, Cg, g, r0, r1, col);
        gatherCols(gy, yOff, Og, P, r0 * ow, Pc, tmp);
        gemm(tmp, col, C, Og, Kg, Pc, false, true, true);
      }
    }
  }
  return gw;
}

function spatialAxes(ndim: number): number[] {
  const a = [0];
  for (let i = 2; i < ndim; i++) a.push(i);
  return a;
}

/** Recorded y = conv(x, w) + b. */
function convOp(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeom): Tensor {
  const f64 = x.dtype === "float64";
  const y = new Tensor(
    convForwardData(x.data as FloatArray, w.data as FloatArray, b === null ? null : (b.data as FloatArray), g, f64),
    g.yShape,
    x.dtype,
  );
  const inputs = b === null ? [x, w] : [x, w, b];
  return record(g.op, inputs, y, (gy) => {
    if (!f64 && winogradApplies(g) && (x.requiresGrad || w.requiresGrad)) {
      const shared = convBackwardWinogradOps(x, w, b, gy, g);
      if (shared !== null) return shared;
    }
    const gx = x.requiresGrad ? convInputGradOp(gy, w, null, g) : null;
    if (w.requiresGrad && b?.requiresGrad && !f64 && winogradApplies(g)) {
      const [gw, gb] = convWeightBiasGradOp(x, gy, g);
      return [gx, gw, gb];
    }
    return [
      gx,
      w.requiresGrad ? convWeightGradOp(x, gy, g) : null,
      b?.requiresGrad ? sum(gy, spatialAxes(gy.ndim)) : null,
    ];
  });
}

/**
 * The gradients of a float32 Winograd conv from one shared pass ({@link winogradBackward3x3}), each
 * recorded like the separate maps ({@link convInputGradOp}, {@link convWeightGradOp}, the bias sum);
 * null where the shared kernel does not run.
 */
function convBackwardWinogradOps(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  gy: Tensor,
  g: ConvGeom,
): (Tensor | null)[] | null {
  // the shared pass writes every element of gx
  const gxData = x.requiresGrad ? allocateEmpty("float32", volume(g.xShape)) : null;
  const gwData = w.requiresGrad ? (allocate("float32", volume(g.wShape)) as FloatArray) : null;
  const gbData = b?.requiresGrad ? (allocate("float32", g.Cout) as FloatArray) : null;
  const ok = winogradBackward3x3(
    x.data as FloatArray,
    w.data as FloatArray,
    gy.data as FloatArray,
    gxData,
    gwData,
    gbData,
    winogradGeometry(g),
  );
  if (!ok) return null;
  const gx =
    gxData === null
      ? null
      : record(`${g.op}InputGrad`, [gy, w], new Tensor(gxData, g.xShape, x.dtype), (h) => [
          gy.requiresGrad ? convOp(h, w, null, g) : null,
          w.requiresGrad ? convWeightGradOp(h, gy, g) : null,
        ]);
  const gw =
    gwData === null
      ? null
      : record(`${g.op}WeightGrad`, [x, gy], new Tensor(gwData, g.wShape, x.dtype), (v) => [
          x.requiresGrad ? convInputGradOp(gy, v, null, g) : null,
          gy.requiresGrad ? convOp(x, v, null, g) : null,
        ]);
  let gb: Tensor | null = null;
  if (gbData !== null) {
    const bShape = gy.shape.map((d, i) => (i === 1 ? d : 1));
    gb = record("sum", [gy], new Tensor(gbData, [g.Cout], x.dtype), (h) => [expand(h.reshape(bShape), gy.shape)]);
  }
  return [gx, gw, gb];
}

/**
 * Recorded gw (as {@link convWeightGradOp}) and gb = Σ gy over images and positions, from one float32
 * Winograd pass (the bias sum is taken while gy is copied into the gradient transform).
 */
function convWeightBiasGradOp(x: Tensor, gy: Tensor, g: ConvGeom): [Tensor, Tensor] {
  const gwData = allocate("float32", g.Cout * (g.Cin / g.G) * kVol(g)) as FloatArray;
  const gbData = allocate("float32", g.Cout) as FloatArray;
  winogradWeightGrad3x3(x.data as FloatArray, gy.data as FloatArray, gwData, winogradGeometry(g), gbData);
  const gw = record(`${g.op}WeightGrad`, [x, gy], new Tensor(gwData, g.wShape, x.dtype), (v) => [
    x.requiresGrad ? convInputGradOp(gy, v, null, g) : null,
    gy.requiresGrad ? convOp(x, v, null, g) : null,
  ]);
  const bShape = gy.shape.map((d, i) => (i === 1 ? d : 1));
  const gb = record("sum", [gy], new Tensor(gbData, [g.Cout], x.dtype), (h) => [expand(h.reshape(bShape), gy.shape)]);
  return [gw, gb];
}

/** Recorded gx = convᵀ(gy, w) + b (transposed convolution). */
function convInputGradOp(gy: Tensor, w: Tensor, b: Tensor | null, g: ConvGeom): Tensor {
  const f64 = gy.dtype === "float64";
  const gx = new Tensor(
    convInputGradData(gy.data as FloatArray, w.data as FloatArray, b === null ? null : (b.data as FloatArray), g, f64),
    g.xShape,
    gy.dtype,
  );
  const inputs = b === null ? [gy, w] : [gy, w, b];
  return record(`${g.op}InputGrad`, inputs, gx, (h) => [
    gy.requiresGrad ? convOp(h, w, null, g) : null,
    w.requiresGrad ? convWeightGradOp(h, gy, g) : null,
    b?.requiresGrad ? sum(h, spatialAxes(h.ndim)) : null,
  ]);
}

/** Recorded gw = ∂⟨gy, conv(x, w)⟩/∂w. */
function convWeightGradOp(x: Tensor, gy: Tensor, g: ConvGeom): Tensor {
  const f64 = x.dtype === "float64";
  const gw = new Tensor(convWeightGradData(x.data as FloatArray, gy.data as FloatArray, g, f64), g.wShape, x.dtype);
  return record(`${g.op}WeightGrad`, [x, gy], gw, (v) => [
    x.requiresGrad ? convInputGradOp(gy, v, null, g) : null,
    gy.requiresGrad ? convOp(x, v, null, g) : null,
  ]);
}

// ---------------------------------------------------------------------------------------------
// public convolutions

function checkWeightBias(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  D: number,
  transposed: boolean,
): void {
  checkFloat(op, "input", x);
  if (!(weight instanceof Tensor)) opError(op, "weight", "a Tensor", typeof weight);
  const wDesc = transposed
    ? `[Cin, Cout/groups, ${D === 1 ? "kL" : D === 2 ? "kH, kW" : "kD, kH, kW"}]`
    : `[Cout, Cin/groups, ${D === 1 ? "kL" : D === 2 ? "kH, kW" : "kD, kH, kW"}]`;
  check(weight.ndim === D + 2, op, "weight", `${D + 2}-D ${wDesc}`, `shape ${fmtShape(weight.shape)}`);
  check(weight.dtype === x.dtype, op, "weight", `dtype ${x.dtype} (the dtype of 'input')`, weight.dtype);
  for (let i = 2; i < weight.ndim; i++)
    check(weight.shape[i]! > 0, op, "weight", "a non-empty kernel", `shape ${fmtShape(weight.shape)}`);
  if (bias !== null && bias !== undefined) {
    if (!(bias instanceof Tensor)) opError(op, "bias", "a Tensor or null", typeof bias);
    check(bias.dtype === x.dtype, op, "bias", `dtype ${x.dtype} (the dtype of 'input')`, bias.dtype);
  }
}

function convNd(
  op: string,
  D: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  opts: ConvOptions,
): Tensor {
  const { x: x0, unbatched } = batched(op, input, D);
  let x = x0;
  checkWeightBias(op, x, weight, bias, D, false);
  const groups = opts.groups ?? 1;
  check(Number.isInteger(groups) && groups >= 1, op, "groups", "a positive integer", String(groups));
  const [N, Cin] = x.shape as [number, number];
  const Cout = weight.shape[0]!;
  const CinG = weight.shape[1]!;
  check(
    Cout % groups === 0,
    op,
    "weight",
    `out channels (weight.shape[0]) divisible by groups = ${groups}`,
    `${Cout} (shape ${fmtShape(weight.shape)})`,
  );
  check(
    Cin === CinG * groups,
    op,
    "input",
    `${CinG * groups} channels (weight.shape[1] = ${CinG} times groups = ${groups})`,
    `${Cin} (shape ${fmtShape(input.shape)})`,
  );
  if (bias !== null && bias !== undefined)
    check(bias.ndim === 1 && bias.shape[0] === Cout, op, "bias", `shape [${Cout}]`, fmtShape(bias.shape));
  const stride = tupleArg(op, "stride", opts.stride, D, 1, 1);
  const dilation = tupleArg(op, "dilation", opts.dilation, D, 1, 1);
  const k = weight.shape.slice(2);
  let padL: number[];
  let padR: number[];
  const padding = opts.padding ?? 0;
  if (padding === "valid") {
    padL = new Array<number>(D).fill(0);
    padR = padL.slice();
  } else if (padding === "same") {
    check(
      stride.every((s) => s === 1),
      op,
      "padding",
      "stride 1 for padding 'same'",
      `'same' with stride [${stride.join(", ")}]`,
    );
    padL = [];
    padR = [];
    for (let i = 0; i < D; i++) {
      const total = dilation[i]! * (k[i]! - 1);
      padL.push(Math.floor(total / 2));
      padR.push(total - Math.floor(total / 2));
    }
  } else if (typeof padding === "string") {
    return opError(op, "padding", "an integer, a tuple, 'same' or 'valid'", `'${padding}'`);
  } else {
    padL = tupleArg(op, "padding", padding, D, 0, 0);
    padR = padL.slice();
  }
  const mode = opts.paddingMode ?? "zeros";
  if (mode !== "zeros" && mode !== "circular" && mode !== "reflect" && mode !== "replicate") {
    opError(op, "paddingMode", "'zeros', 'circular', 'reflect' or 'replicate'", String(mode));
  }
  const inS = x.shape.slice(2);
  if (mode !== "zeros" && (padL.some((p) => p > 0) || padR.some((p) => p > 0))) {
    const pads: number[] = [];
    for (let i = D - 1; i >= 0; i--) pads.push(padL[i]!, padR[i]!);
    for (let i = 0; i < D; i++) {
      const lim = mode === "reflect" ? inS[i]! - 1 : mode === "circular" ? inS[i]! : Number.POSITIVE_INFINITY;
      check(
        padL[i]! <= lim && padR[i]! <= lim,
        op,
        "padding",
        `padding at most ${lim} on spatial axis ${i} for paddingMode '${mode}' (input size ${inS[i]})`,
        `[${padL[i]}, ${padR[i]}]`,
      );
    }
    x = pad(x, pads, mode);
    padL = new Array<number>(D).fill(0);
    padR = padL.slice();
  }
  const S = x.shape.slice(2);
  const outS: number[] = [];
  for (let i = 0; i < D; i++) {
    const eff = dilation[i]! * (k[i]! - 1) + 1;
    const padded = S[i]! + padL[i]! + padR[i]!;
    if (eff > padded) {
      const ks = k.join("×");
      const ss = inS.join("×");
      opError(
        op,
        "weight",
        `a kernel (${ks}, dilation [${dilation.join(", ")}]) no larger than the padded input (${ss} plus padding [${padL.join(", ")}] / [${padR.join(", ")}])`,
        `effective size ${eff} > ${padded} on spatial axis ${i}`,
      );
    }
    outS.push(Math.floor((padded - eff) / stride[i]!) + 1);
  }
  const g = makeGeom(op, N, Cin, Cout, groups, S, outS, k, stride, padL, dilation);
  const y = convOp(x, weight, bias ?? null, g);
  return unbatched ? y.reshape(y.shape.slice(1)) : y;
}

/**
 * 1-D convolution (cross-correlation, as in PyTorch) of `input` [N, Cin, L] with `weight`
 * [Cout, Cin/groups, kL] plus an optional `bias` [Cout]. See {@link ConvOptions}.
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd("conv1d", 1, input, weight, bias, opts);
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of `input` [N, Cin, H, W] with `weight`
 * [Cout, Cin/groups, kH, kW] plus an optional `bias` [Cout]. Output [N, Cout, H', W'] with
 * H' = ⌊(H + 2·pad − dilation·(kH − 1) − 1) / stride⌋ + 1.
 *
 * ```ts
 * const y = conv2d(x, w, b, { padding: 1 });                          // 3×3 "same" conv
 * const z = conv2d(x, w, null, { padding: 1, paddingMode: "circular" }); // exactly translation equivariant
 * ```
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd("conv2d", 2, input, weight, bias, opts);
}

/** 3-D convolution of `input` [N, Cin, D, H, W] with `weight` [Cout, Cin/groups, kD, kH, kW]. */
export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd("conv3d", 3, input, weight, bias, opts);
}

function convTransposeNd(
  op: string,
  D: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  opts: ConvTransposeOptions,
): Tensor {
  const { x, unbatched } = batched(op, input, D);
  checkWeightBias(op, x, weight, bias, D, true);
  const groups = opts.groups ?? 1;
  check(Number.isInteger(groups) && groups >= 1, op, "groups", "a positive integer", String(groups));
  const [N, Cin] = x.shape as [number, number];
  check(
    weight.shape[0] === Cin,
    op,
    "input",
    `${weight.shape[0]} channels (weight.shape[0])`,
    `${Cin} (shape ${fmtShape(input.shape)})`,
  );
  check(Cin % groups === 0, op, "input", `channels divisible by groups = ${groups}`, String(Cin));
  const Cout = weight.shape[1]! * groups;
  if (bias !== null && bias !== undefined)
    check(bias.ndim === 1 && bias.shape[0] === Cout, op, "bias", `shape [${Cout}]`, fmtShape(bias.shape));
  const stride = tupleArg(op, "stride", opts.stride, D, 1, 1);
  const dilation = tupleArg(op, "dilation", opts.dilation, D, 1, 1);
  const padding = tupleArg(op, "padding", opts.padding, D, 0, 0);
  const outPad = tupleArg(op, "outputPadding", opts.outputPadding, D, 0, 0);
  const k = weight.shape.slice(2);
  const inS = x.shape.slice(2);
  const outS: number[] = [];
  for (let i = 0; i < D; i++) {
    check(
      outPad[i]! < stride[i]! || outPad[i]! < dilation[i]!,
      op,
      "outputPadding",
      `values smaller than the stride or the dilation (stride ${stride[i]}, dilation ${dilation[i]})`,
      `[${outPad.join(", ")}]`,
    );
    const o = (inS[i]! - 1) * stride[i]! - 2 * padding[i]! + dilation[i]! * (k[i]! - 1) + outPad[i]! + 1;
    if (o <= 0)
      opError(
        op,
        "padding",
        `padding small enough for a non-empty output on spatial axis ${i}`,
        `[${padding.join(", ")}] (output size ${o})`,
      );
    outS.push(o);
  }
  // the convolution this transposes maps [N, Cout, *outS] to [N, Cin, *inS] with weight [Cin, Cout/G, *k]
  const g = makeGeom(op, N, Cout, Cin, groups, outS, inS, k, stride, padding, dilation);
  const y = convInputGradOp(x, weight, bias ?? null, g);
  return unbatched ? y.reshape(y.shape.slice(1)) : y;
}

/** 1-D transposed convolution of `input` [N, Cin, L] with `weight` [Cin, Cout/groups, kL]. */
export function convTranspose1d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTransposeOptions = {},
): Tensor {
  return convTransposeNd("convTranspose1d", 1, input, weight, bias, opts);
}

/**
 * 2-D transposed convolution ("deconvolution", the gradient of {@link conv2d} with respect to its
 * input) of `input` [N, Cin, H, W] with `weight` [Cin, Cout/groups, kH, kW]. Output size
 * (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1.
 */
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTransposeOptions = {},
): Tensor {
  return convTransposeNd("convTranspose2d", 2, input, weight, bias, opts);
}

/** 3-D transposed convolution of `input` [N, Cin, D, H, W] with `weight` [Cin, Cout/groups, kD, kH, kW]. */
export function convTranspose3d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTransposeOptions = {},
): Tensor {
  return convTransposeNd("convTranspose3d", 3, input, weight, bias, opts);
}

// ---------------------------------------------------------------------------------------------
// separable linear maps (average pooling, adaptive pooling, interpolation)

/** A sparse linear map along one axis: output o = Σ w[j]·input[idx[j]] over j in [ptr[o], ptr[o+1]). */
interface AxisMap {
  nIn: number;
  nOut: number;
  ptr: Int32Array;
  idx: Int32Array;
  w: Float64Array;
}

function buildMap(
  nIn: number,
  nOut: number,
  entries: (o: number, push: (i: number, w: number) => void) => void,
): AxisMap {
  const ptr = new Int32Array(nOut + 1);
  const idx: number[] = [];
  const w: number[] = [];
  for (let o = 0; o < nOut; o++) {
    entries(o, (i, v) => {
      idx.push(i);
      w.push(v);
    });
    ptr[o + 1] = idx.length;
  }
  return { nIn, nOut, ptr, idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

function transposeMap(m: AxisMap): AxisMap {
  const lists: [number, number][][] = Array.from({ length: m.nIn }, () => []);
  for (let o = 0; o < m.nOut; o++) for (let j = m.ptr[o]!; j < m.ptr[o + 1]!; j++) lists[m.idx[j]!]!.push([o, m.w[j]!]);
  return buildMap(m.nOut, m.nIn, (o, push) => {
    for (const [i, v] of lists[o]!) push(i, v);
  });
}

/** dst[a, o, c] = Σ w·src[a, idx, c] for src [outer, nIn, inner]. */
function applyAxis(src: FloatArray, outer: number, inner: number, m: AxisMap, dst: FloatArray): void {
  const { nIn, nOut, ptr, idx, w } = m;
  dst.fill(0);
  for (let a = 0; a < outer; a++) {
    const sBase = a * nIn * inner;
    const dBase = a * nOut * inner;
    for (let o = 0; o < nOut; o++) {
      const dOff = dBase + o * inner;
      for (let j = ptr[o]!; j < ptr[o + 1]!; j++) {
        const v = w[j]!;
        const sOff = sBase + idx[j]! * inner;
        if (inner === 1) dst[dOff]! += v * src[sOff]!;
        else for (let c = 0; c < inner; c++) dst[dOff + c]! += v * src[sOff + c]!;
      }
    }
  }
}

/** Applies one map per trailing axis (maps[i] acts on axis ndim − maps.length + i). Recorded. */
function separable(
  name: string,
  x: Tensor,
  maps: readonly AxisMap[],
  transposed: readonly AxisMap[] | null = null,
): Tensor {
  const nd = x.ndim;
  const D = maps.length;
  let cur = x.data as FloatArray;
  const shape = [...x.shape];
  for (let i = D - 1; i >= 0; i--) {
    const ax = nd - D + i;
    const m = maps[i]!;
    const outer = volume(shape.slice(0, ax));
    const inner = volume(shape.slice(ax + 1));
    shape[ax] = m.nOut;
    const next = allocate(x.dtype, outer * m.nOut * inner) as FloatArray;
    applyAxis(cur, outer, inner, m, next);
    cur = next;
  }
  const out = new Tensor(cur === x.data ? (cur.slice() as FloatArray) : cur, shape, x.dtype);
  return record(name, [x], out, (g) => {
    const t = transposed ?? maps.map(transposeMap);
    return [separable(`${name}Backward`, g, t, maps)];
  });
}

/** ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1, or the ceil-mode size (the last window must start inside input or left padding). */
function poolOutSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let o = ceil ? Math.ceil(span / s) + 1 : Math.floor(span / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

/** Options of the max and average pooling functions. */
export interface PoolOptions {
  /** Step between windows (default: the kernel size). */
  stride?: IntOrTuple | null;
  /** Implicit border on both sides (−∞ for max pooling, zeros for average pooling; default 0). */
  padding?: IntOrTuple;
  /** Use ⌈⌉ instead of ⌊⌋ for the output size (default false). */
  ceilMode?: boolean;
}

/** Options of {@link maxPool2d} and friends. */
export interface MaxPoolOptions extends PoolOptions {
  /** Spacing between window taps (default 1). */
  dilation?: IntOrTuple;
}

/** Options of {@link avgPool2d} and friends. */
export interface AvgPoolOptions extends PoolOptions {
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead. */
  divisorOverride?: number;
}

interface PoolGeom {
  D: number;
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  inS: number[];
  outS: number[];
}

function poolGeom(op: string, x: Tensor, D: number, kernelSize: IntOrTuple, opts: MaxPoolOptions): PoolGeom {
  const k = tupleArg(op, "kernelSize", kernelSize, D, 1, 1);
  const s =
    opts.stride === undefined || opts.stride === null ? k.slice() : tupleArg(op, "stride", opts.stride, D, 1, 1);
  const p = tupleArg(op, "padding", opts.padding, D, 0, 0);
  const d = tupleArg(op, "dilation", opts.dilation, D, 1, 1);
  const inS = x.shape.slice(2);
  const outS: number[] = [];
  for (let i = 0; i < D; i++) {
    check(
      2 * p[i]! <= k[i]!,
      op,
      "padding",
      `at most half the kernel size (kernel [${k.join(", ")}])`,
      `[${p.join(", ")}]`,
    );
    const eff = d[i]! * (k[i]! - 1) + 1;
    if (eff > inS[i]! + 2 * p[i]!) {
      opError(
        op,
        "kernelSize",
        `a window (${k.join("×")}, dilation [${d.join(", ")}]) no larger than the padded input (${inS.join("×")} plus padding [${p.join(", ")}])`,
        `effective size ${eff} > ${inS[i]! + 2 * p[i]!} on spatial axis ${i}`,
      );
    }
    outS.push(poolOutSize(inS[i]!, k[i]!, s[i]!, p[i]!, d[i]!, opts.ceilMode ?? false));
  }
  return { D, k, s, p, d, inS, outS };
}

function avgPoolNd(op: string, D: number, input: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions): Tensor {
  const { x, unbatched } = batched(op, input, D);
  checkFloat(op, "input", x);
  const g = poolGeom(op, x, D, kernelSize, { ...opts, dilation: 1 });
  const includePad = opts.countIncludePad ?? true;
  const over = opts.divisorOverride;
  if (over !== undefined)
    check(Number.isFinite(over) && over !== 0, op, "divisorOverride", "a non-zero number", String(over));
  const maps: AxisMap[] = [];
  for (let i = 0; i < D; i++) {
    const n = g.inS[i]!;
    const k = g.k[i]!;
    const s = g.s[i]!;
    const p = g.p[i]!;
    maps.push(
      buildMap(n, g.outS[i]!, (o, push) => {
        let start = o * s - p;
        let end = Math.min(start + k, n + p);
        const padCount = end - start;
        start = Math.max(start, 0);
        end = Math.min(end, n);
        const div = over !== undefined ? (i === 0 ? over : 1) : includePad ? padCount : end - start;
        for (let j = start; j < end; j++) push(j, 1 / div);
      }),
    );
  }
  const y = separable(op, x, maps);
  return unbatched ? y.reshape(y.shape.slice(1)) : y;
}

/** 1-D average pooling over windows of `kernelSize` on [N, C, L]. */
export function avgPool1d(input: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd("avgPool1d", 1, input, kernelSize, opts);
}

/** 2-D average pooling on [N, C, H, W] (as `torch.nn.functional.avg_pool2d`). */
export function avgPool2d(input: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd("avgPool2d", 2, input, kernelSize, opts);
}

/** 3-D average pooling on [N, C, D, H, W]. */
export function avgPool3d(input: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd("avgPool3d", 3, input, kernelSize, opts);
}

function adaptiveAvgPoolNd(
  op: string,
  D: number,
  input: Tensor,
  outputSize: number | readonly (number | null)[],
): Tensor {
  const { x, unbatched } = batched(op, input, D);
  checkFloat(op, "input", x);
  const inS = x.shape.slice(2);
  const req = typeof outputSize === "number" ? new Array<number | null>(D).fill(outputSize) : [...outputSize];
  if (req.length !== D || req.some((v) => v !== null && (!Number.isInteger(v) || v < 1))) {
    opError(
      op,
      "outputSize",
      `a positive integer or ${D} of them (null keeps an axis)`,
      typeof outputSize === "number" ? String(outputSize) : `[${outputSize.join(", ")}]`,
    );
  }
  const maps: AxisMap[] = [];
  for (let i = 0; i < D; i++) {
    const n = inS[i]!;
    const m = req[i] ?? n;
    check(n > 0, op, "input", "non-empty spatial axes", `shape ${fmtShape(input.shape)}`);
    maps.push(
      buildMap(n, m, (o, push) => {
        const start = Math.floor((o * n) / m);
        const end = Math.ceil(((o + 1) * n) / m);
        for (let j = start; j < end; j++) push(j, 1 / (end - start));
      }),
    );
  }
  const y = separable(op, x, maps);
  return unbatched ? y.reshape(y.shape.slice(1)) : y;
}

/** 1-D adaptive average pooling to `outputSize` positions (windows ⌊o·L/m⌋ … ⌈(o+1)·L/m⌉). */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  return adaptiveAvgPoolNd("adaptiveAvgPool1d", 1, input, outputSize);
}

/** 2-D adaptive average pooling to `outputSize` (e.g. 1 for global average pooling). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  return adaptiveAvgPoolNd("adaptiveAvgPool2d", 2, input, outputSize);
}

/** 3-D adaptive average pooling to `outputSize`. */
export function adaptiveAvgPool3d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  return adaptiveAvgPoolNd("adaptiveAvgPool3d", 3, input, outputSize);
}

// ---------------------------------------------------------------------------------------------
// max pooling

/** out[r, j] = x[r, idx[r, j]] for planes r: recorded, with {@link planeScatter} as backward. */
function planeGather(x: Tensor, idx: Int32Array, outShape: readonly number[]): Tensor {
  const plane = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const rows = x.size / Math.max(plane, 1);
  const k = idx.length / Math.max(rows, 1);
  const out = allocate(x.dtype, idx.length) as FloatArray;
  const src = x.data as FloatArray;
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) out[r * k + j] = src[r * plane + idx[r * k + j]!]!;
  const inShape = x.shape;
  return record("maxPoolGather", [x], new Tensor(out, outShape, x.dtype), (g) => [planeScatter(g, idx, inShape)]);
}

/** gx[r, idx[r, j]] += g[r, j]: recorded, with {@link planeGather} as backward. */
function planeScatter(g: Tensor, idx: Int32Array, inShape: readonly number[]): Tensor {
  const plane = inShape.slice(2).reduce((a, b) => a * b, 1);
  const rows = volume(inShape) / Math.max(plane, 1);
  const k = idx.length / Math.max(rows, 1);
  const out = allocate(g.dtype, volume(inShape)) as FloatArray;
  const src = g.data as FloatArray;
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) out[r * plane + idx[r * k + j]!]! += src[r * k + j]!;
  const outShape = g.shape;
  return record("maxPoolScatter", [g], new Tensor(out, inShape, g.dtype), (h) => [planeGather(h, idx, outShape)]);
}

function maxPoolIndices(x: Tensor, g: PoolGeom): Int32Array {
  const [id, ih, iw] = to3(g.inS, 1);
  const [od, oh, ow] = to3(g.outS, 1);
  const [kd, kh, kw] = to3(g.k, 1);
  const [sd, sh, sw] = to3(g.s, 1);
  const [pd, ph, pw] = to3(g.p, 0);
  const [dd, dh, dw] = to3(g.d, 1);
  const plane = id * ih * iw;
  const P = od * oh * ow;
  const rows = x.shape[0]! * x.shape[1]!;
  const src = x.data as FloatArray;
  const idx = new Int32Array(rows * P);
  for (let r = 0; r < rows; r++) {
    const base = r * plane;
    let o = r * P;
    for (let z = 0; z < od; z++) {
      for (let y = 0; y < oh; y++) {
        for (let t = 0; t < ow; t++) {
          let best = Number.NEGATIVE_INFINITY;
          let arg = -1;
          for (let a = 0; a < kd; a++) {
            const iz = z * sd - pd + a * dd;
            if (iz < 0 || iz >= id) continue;
            for (let b = 0; b < kh; b++) {
              const iy = y * sh - ph + b * dh;
              if (iy < 0 || iy >= ih) continue;
              const rowOff = (iz * ih + iy) * iw;
              for (let e = 0; e < kw; e++) {
                const ix = t * sw - pw + e * dw;
                if (ix < 0 || ix >= iw) continue;
                const v = src[base + rowOff + ix]!;
                if (arg < 0 || v > best || Number.isNaN(v)) {
                  best = v;
                  arg = rowOff + ix;
                  if (Number.isNaN(v)) {
                    a = kd;
                    b = kh;
                    break;
                  }
                }
              }
            }
          }
          idx[o++] = arg;
        }
      }
    }
  }
  return idx;
}

/** Max-pooling values and the flat index of each maximum within its input plane (int32, like PyTorch). */
export interface MaxPoolResult {
  values: Tensor;
  indices: Tensor;
}

function maxPoolNd(op: string, D: number, input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions): MaxPoolResult {
  const { x, unbatched } = batched(op, input, D);
  checkFloat(op, "input", x);
  const g = poolGeom(op, x, D, kernelSize, opts);
  const idx = maxPoolIndices(x, g);
  const outShape = [x.shape[0]!, x.shape[1]!, ...g.outS];
  let values = planeGather(x, idx, outShape);
  let indices = new Tensor(idx, outShape, "int32");
  if (unbatched) {
    values = values.reshape(outShape.slice(1));
    indices = indices.reshape(outShape.slice(1));
  }
  return { values, indices };
}

/** 1-D max pooling on [N, C, L]. */
export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolNd("maxPool1d", 1, input, kernelSize, opts).values;
}

/**
 * 2-D max pooling on [N, C, H, W] (as `torch.nn.functional.max_pool2d`; padding counts as −∞). The
 * gradient goes to the position of each maximum (the first one on ties).
 */
export function maxPool2d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolNd("maxPool2d", 2, input, kernelSize, opts).values;
}

/** 3-D max pooling on [N, C, D, H, W]. */
export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolNd("maxPool3d", 3, input, kernelSize, opts).values;
}

/** {@link maxPool1d} with the indices of the maxima (`return_indices=True`). */
export function maxPool1dWithIndices(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): MaxPoolResult {
  return maxPoolNd("maxPool1d", 1, input, kernelSize, opts);
}

/** {@link maxPool2d} with the indices of the maxima (flat positions in each H·W plane). */
export function maxPool2dWithIndices(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): MaxPoolResult {
  return maxPoolNd("maxPool2d", 2, input, kernelSize, opts);
}

/** {@link maxPool3d} with the indices of the maxima (flat positions in each D·H·W volume). */
export function maxPool3dWithIndices(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): MaxPoolResult {
  return maxPoolNd("maxPool3d", 3, input, kernelSize, opts);
}

// ---------------------------------------------------------------------------------------------
// interpolation

/** Interpolation modes of {@link interpolate}. */
export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "trilinear";

/** Options of {@link interpolate}. */
export interface InterpolateOptions {
  /** Output spatial size (one number for all axes, or one per axis). Give this or `scaleFactor`. */
  size?: IntOrTuple;
  /** Multiplier of the spatial size (output ⌊input·factor⌋). */
  scaleFactor?: number | readonly number[];
  /** Default `'nearest'`. `linear`/`bilinear`/`trilinear` need 1/2/3 spatial axes. */
  mode?: InterpolateMode;
  /** Linear modes: map corner pixel centres onto each other (default false, as in PyTorch). */
  alignCorners?: boolean;
}

/**
 * Resizes `input` [N, C, *spatial] (1-3 spatial axes) like `torch.nn.functional.interpolate`:
 * nearest neighbour (`src = ⌊o·scale⌋`), `nearest-exact` (`⌊(o + ½)·scale⌋`) or (bi/tri)linear with or
 * without `alignCorners`. With `scaleFactor`, the coordinate scale is 1/factor (as PyTorch without
 * `recompute_scale_factor`). Differentiable (the backward is the transposed resampling).
 */
export function interpolate(input: Tensor, opts: InterpolateOptions): Tensor {
  const op = "interpolate";
  if (!(input instanceof Tensor)) opError(op, "input", "a Tensor", typeof input);
  check(
    input.ndim >= 3 && input.ndim <= 5,
    op,
    "input",
    "3-D, 4-D or 5-D [N, C, *spatial]",
    `shape ${fmtShape(input.shape)}`,
  );
  checkFloat(op, "input", input);
  const D = input.ndim - 2;
  const mode = opts.mode ?? "nearest";
  const linearD = mode === "linear" ? 1 : mode === "bilinear" ? 2 : mode === "trilinear" ? 3 : 0;
  if (mode !== "nearest" && mode !== "nearest-exact" && linearD === 0) {
    opError(op, "mode", "'nearest', 'nearest-exact', 'linear', 'bilinear' or 'trilinear'", String(mode));
  }
  if (linearD !== 0)
    check(linearD === D, op, "input", `${linearD + 2}-D input for mode '${mode}'`, `shape ${fmtShape(input.shape)}`);
  if (opts.alignCorners !== undefined && linearD === 0)
    opError(op, "alignCorners", "undefined for nearest modes", String(opts.alignCorners));
  const align = opts.alignCorners ?? false;
  const inS = input.shape.slice(2);
  let outS: number[];
  let scales: (number | null)[];
  if (opts.size !== undefined) {
    check(
      opts.scaleFactor === undefined,
      op,
      "scaleFactor",
      "undefined when 'size' is given",
      String(opts.scaleFactor),
    );
    outS = tupleArg(op, "size", opts.size, D, 1, 1);
    scales = new Array<number | null>(D).fill(null);
  } else if (opts.scaleFactor !== undefined) {
    const sf =
      typeof opts.scaleFactor === "number" ? new Array<number>(D).fill(opts.scaleFactor) : [...opts.scaleFactor];
    if (sf.length !== D || sf.some((v) => !(v > 0) || !Number.isFinite(v))) {
      opError(op, "scaleFactor", `a positive number or ${D} of them`, String(opts.scaleFactor));
    }
    outS = inS.map((n, i) => Math.floor(n * sf[i]!));
    check(
      outS.every((v) => v > 0),
      op,
      "scaleFactor",
      "a factor giving a non-empty output",
      `[${sf.join(", ")}] (output [${outS.join(", ")}])`,
    );
    scales = sf.map((v) => 1 / v);
  } else {
    return opError(op, "size", "either 'size' or 'scaleFactor'", "neither");
  }
  const maps: AxisMap[] = [];
  for (let i = 0; i < D; i++) {
    const n = inS[i]!;
    const m = outS[i]!;
    check(n > 0, op, "input", "non-empty spatial axes", `shape ${fmtShape(input.shape)}`);
    const scale = scales[i] ?? n / m;
    if (linearD === 0) {
      const exact = mode === "nearest-exact";
      maps.push(
        buildMap(n, m, (o, push) => {
          const src = Math.min(Math.floor(exact ? (o + 0.5) * scale : o * scale), n - 1);
          push(src, 1);
        }),
      );
    } else {
      maps.push(
        buildMap(n, m, (o, push) => {
          let src: number;
          if (align) src = m > 1 ? (o * (n - 1)) / (m - 1) : 0;
          else src = Math.max((o + 0.5) * scale - 0.5, 0);
          const i0 = Math.min(Math.floor(src), n - 1);
          const i1 = Math.min(i0 + 1, n - 1);
          const l = src - i0;
          if (i1 === i0 || l === 0) push(i0, 1);
          else {
            push(i0, 1 - l);
            push(i1, l);
          }
        }),
      );
    }
  }
  return separable(op, input, maps);
}

/** Alias of {@link interpolate} (as `torch.nn.functional.upsample`). */
export function upsample(input: Tensor, opts: InterpolateOptions): Tensor {
  return interpolate(input, opts);
}

// ---------------------------------------------------------------------------------------------
// Tensor methods

declare module "../tensor.js" {
  interface Tensor {
    conv1d(weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor;
    conv2d(weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor;
    conv3d(weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor;
    convTranspose1d(weight: Tensor, bias?: Tensor | null, opts?: ConvTransposeOptions): Tensor;
    convTranspose2d(weight: Tensor, bias?: Tensor | null, opts?: ConvTransposeOptions): Tensor;
    convTranspose3d(weight: Tensor, bias?: Tensor | null, opts?: ConvTransposeOptions): Tensor;
    maxPool1d(kernelSize: IntOrTuple, opts?: MaxPoolOptions): Tensor;
    maxPool2d(kernelSize: IntOrTuple, opts?: MaxPoolOptions): Tensor;
    maxPool3d(kernelSize: IntOrTuple, opts?: MaxPoolOptions): Tensor;
    avgPool1d(kernelSize: IntOrTuple, opts?: AvgPoolOptions): Tensor;
    avgPool2d(kernelSize: IntOrTuple, opts?: AvgPoolOptions): Tensor;
    avgPool3d(kernelSize: IntOrTuple, opts?: AvgPoolOptions): Tensor;
    adaptiveAvgPool1d(outputSize: number | readonly (number | null)[]): Tensor;
    adaptiveAvgPool2d(outputSize: number | readonly (number | null)[]): Tensor;
    adaptiveAvgPool3d(outputSize: number | readonly (number | null)[]): Tensor;
    interpolate(opts: InterpolateOptions): Tensor;
  }
}

Tensor.prototype.conv1d = function (this: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions) {
  return conv1d(this, weight, bias, opts);
};
Tensor.prototype.conv2d = function (this: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions) {
  return conv2d(this, weight, bias, opts);
};
Tensor.prototype.conv3d = function (this: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions) {
  return conv3d(this, weight, bias, opts);
};
Tensor.prototype.convTranspose1d = function (
  this: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
) {
  return convTranspose1d(this, weight, bias, opts);
};
Tensor.prototype.convTranspose2d = function (
  this: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
) {
  return convTranspose2d(this, weight, bias, opts);
};
Tensor.prototype.convTranspose3d = function (
  this: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
) {
  return convTranspose3d(this, weight, bias, opts);
};
Tensor.prototype.maxPool1d = function (this: Tensor, kernelSize: IntOrTuple, opts?: MaxPoolOptions) {
  return maxPool1d(this, kernelSize, opts);
};
Tensor.prototype.maxPool2d = function (this: Tensor, kernelSize: IntOrTuple, opts?: MaxPoolOptions) {
  return maxPool2d(this, kernelSize, opts);
};
Tensor.prototype.maxPool3d = function (this: Tensor, kernelSize: IntOrTuple, opts?: MaxPoolOptions) {
  return maxPool3d(this, kernelSize, opts);
};
Tensor.prototype.avgPool1d = function (this: Tensor, kernelSize: IntOrTuple, opts?: AvgPoolOptions) {
  return avgPool1d(this, kernelSize, opts);
};
Tensor.prototype.avgPool2d = function (this: Tensor, kernelSize: IntOrTuple, opts?: AvgPoolOptions) {
  return avgPool2d(this, kernelSize, opts);
};
Tensor.prototype.avgPool3d = function (this: Tensor, kernelSize: IntOrTuple, opts?: AvgPoolOptions) {
  return avgPool3d(this, kernelSize, opts);
};
Tensor.prototype.adaptiveAvgPool1d = function (this: Tensor, outputSize: number | readonly (number | null)[]) {
  return adaptiveAvgPool1d(this, outputSize);
};
Tensor.prototype.adaptiveAvgPool2d = function (this: Tensor, outputSize: number | readonly (number | null)[]) {
  return adaptiveAvgPool2d(this, outputSize);
};
Tensor.prototype.adaptiveAvgPool3d = function (this: Tensor, outputSize: number | readonly (number | null)[]) {
  return adaptiveAvgPool3d(this, outputSize);
};
Tensor.prototype.interpolate = function (this: Tensor, opts: InterpolateOptions) {
  return interpolate(this, opts);
};
