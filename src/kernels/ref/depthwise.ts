/**
 * Depthwise 1-D/2-D convolutions (one input and one output channel per group, G = Cin = Cout) as plain
 * loops over taps and output rows, any stride, padding and dilation:
 *
 *   y[n, c, oy, ox] = b[c] + Σ_{i,j} w[c, i, j] · x[n, c, s_h·oy + d_h·i − p_h, s_w·ox + d_w·j − p_w]
 *
 * with the input gradient (the adjoint) and the weight gradient, one zero-padded channel plane at a time
 * (float64 sums, one rounding per output). im2col would build a [k², P] block and call the GEMM for a
 * single output row per group (one call per image and channel). These are the twins of the float32
 * WASM kernels (`wasm/depthwise.ts`), which add the same float64 terms in the same order: both give
 * the same bits (the registry's `depthwiseForward` etc. pick one).
 */
import type { ConvGeometry } from "./im2col.js";
import type { FloatArray } from "./linalg.js";

/** Whether a convolution is depthwise 1-D/2-D (not the 1×1 direct case, no leading spatial axis). */
export function depthwiseApplies(g: ConvGeometry): boolean {
  return !g.direct && g.G === g.Cin && g.Cout === g.Cin && g.inS[0] === 1 && g.k[0] === 1 && g.p[0] === 0;
}

/**
 * The sizes of a depthwise geometry (last two axes) and its zero-padded input plane Hp×Wp: the input
 * at (p_h, p_w), large enough for every tap of every output. Shared with the WASM binding.
 */
export function depthwisePlane(g: ConvGeometry) {
  const [, H, W] = g.inS;
  const [, oh, ow] = g.outS;
  const [, kh, kw] = g.k;
  const [, sh, sw] = g.s;
  const [, ph, pw] = g.p;
  const [, dh, dw] = g.d;
  const Hp = Math.max(ph + H, sh * (oh - 1) + dh * (kh - 1) + 1);
  const Wp = Math.max(pw + W, sw * (ow - 1) + dw * (kw - 1) + 1);
  return { H, W, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, Hp, Wp };
}

/**
 * The plane geometry of a depthwise pass: the zero-padded input plane (Hp×Wp, the input at (p_h, p_w);
 * large enough for every tap of every output) and, per tap t, its offset in that plane from an output's
 * top-left input.
 */
function plan(g: ConvGeometry) {
  const { H, W, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, Hp, Wp } = depthwisePlane(g);
  const off = new Int32Array(kh * kw);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) off[i * kw + j] = dh * i * Wp + dw * j;
  return { H, W, oh, ow, sh, sw, ph, pw, Hp, Wp, off, kk: kh * kw, buf: new Float64Array(Hp * Wp) };
}

type Plan = ReturnType<typeof plan>;

/** Writes channel plane `plane` of x into the padded plane (zeros around it). */
function fillPlane(x: FloatArray, plane: number, P: Plan): void {
  const { H, W, ph, pw, Wp, buf } = P;
  buf.fill(0);
  for (let r = 0; r < H; r++) {
    const s = (plane * H + r) * W;
    const d = (ph + r) * Wp + pw;
    for (let c = 0; c < W; c++) buf[d + c] = x[s + c]!;
  }
}

/** y = conv(x, w) + b (y [N, C, oh, ow] overwritten; b may be null). */
export function depthwiseForwardRef(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  y: FloatArray,
  g: ConvGeometry,
): void {
  const P = plan(g);
  const { oh, ow, sh, sw, Wp, off, kk, buf } = P;
  const wt = new Float64Array(kk);
  for (let plane = 0; plane < g.N * g.Cin; plane++) {
    const c = plane % g.Cin;
    for (let t = 0; t < kk; t++) wt[t] = w[c * kk + t]!;
    fillPlane(x, plane, P);
    const bv = b === null ? 0 : b[c]!;
    for (let oy = 0; oy < oh; oy++) {
      const yr = (plane * oh + oy) * ow;
      for (let ox = 0; ox < ow; ox++) {
        const base = sh * oy * Wp + sw * ox;
        let s = 0;
        for (let t = 0; t < kk; t++) s += wt[t]! * buf[base + off[t]!]!;
        y[yr + ox] = s + bv;
      }
    }
  }
}

/** gx = ∂⟨gy, conv(x, w)⟩/∂x (gx [N, C, H, W] overwritten). */
export function depthwiseInputGradRef(gy: FloatArray, w: FloatArray, gx: FloatArray, g: ConvGeometry): void {
  const P = plan(g);
  const { H, W, oh, ow, sh, sw, ph, pw, Wp, off, kk, buf } = P;
  const wt = new Float64Array(kk);
  for (let plane = 0; plane < g.N * g.Cin; plane++) {
    const c = plane % g.Cin;
    for (let t = 0; t < kk; t++) wt[t] = w[c * kk + t]!;
    buf.fill(0);
    for (let oy = 0; oy < oh; oy++) {
      const yr = (plane * oh + oy) * ow;
      for (let ox = 0; ox < ow; ox++) {
        const base = sh * oy * Wp + sw * ox;
        const v = gy[yr + ox]!;
        for (let t = 0; t < kk; t++) buf[base + off[t]!]! += wt[t]! * v;
      }
    }
    for (let r = 0; r < H; r++) {
      const d = (plane * H + r) * W;
      const s = (ph + r) * Wp + pw;
      for (let q = 0; q < W; q++) gx[d + q] = buf[s + q]!;
    }
  }
}

/** gw = ∂⟨gy, conv(x, w)⟩/∂w (gw [C, 1, kh, kw] overwritten). */
export function depthwiseWeightGradRef(x: FloatArray, gy: FloatArray, gw: FloatArray, g: ConvGeometry): void {
  const P = plan(g);
  const { oh, ow, sh, sw, Wp, off, kk, buf } = P;
  const acc = new Float64Array(g.Cin * kk);
  for (let plane = 0; plane < g.N * g.Cin; plane++) {
    const c = plane % g.Cin;
    fillPlane(x, plane, P);
    for (let oy = 0; oy < oh; oy++) {
      const yr = (plane * oh + oy) * ow;
      for (let ox = 0; ox < ow; ox++) {
        const base = sh * oy * Wp + sw * ox;
        const v = gy[yr + ox]!;
        for (let t = 0; t < kk; t++) acc[c * kk + t]! += v * buf[base + off[t]!]!;
      }
    }
  }
  for (let i = 0; i < acc.length; i++) gw[i] = acc[i]!;
}
