/**
 * Depthwise 1-D/2-D convolutions (one input and one output channel per group, G = Cin = Cout) as plain
 * loops over taps and output rows, any stride, padding and dilation:
 *
 *   y[n, c, oy, ox] = b[c] + Σ_{i,j} w[c, i, j] · x[n, c, s_h·oy + d_h·i − p_h, s_w·ox + d_w·j − p_w]
 *
 * with the input gradient (the adjoint: each tap's rows added back with the stride) and the weight
 * gradient. im2col would build a [k², P] block and call the GEMM for a single output row per group
 * (one call per image and channel); here each tap is one pass over the output rows. No WASM twin: the
 * work is k² multiply-adds per output, far below the GEMM's reach.
 */
import type { ConvGeometry } from "./im2col.js";
import type { FloatArray } from "./linalg.js";

/** Whether a convolution is depthwise 1-D/2-D (not the 1×1 direct case, no leading spatial axis). */
export function depthwiseApplies(g: ConvGeometry): boolean {
  return !g.direct && g.G === g.Cin && g.Cout === g.Cin && g.inS[0] === 1 && g.k[0] === 1 && g.p[0] === 0;
}

/** The range [lo, hi) of outputs o along one axis whose tap t falls inside the input (s·o + d·t − p ∈ [0, n)). */
function span(t: number, n: number, out: number, s: number, p: number, d: number): [number, number] {
  const off = d * t - p;
  const lo = Math.max(0, Math.ceil(-off / s));
  const hi = Math.min(out, Math.floor((n - 1 - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Calls f for every plane (n, c) and tap (i, j) with the tap's weight index, the output rows and columns
 * [oy0, oy1) × [ox0, ox1) it reaches, and the input offset of output (oy0, ox0).
 */
function eachTap(
  g: ConvGeometry,
  f: (plane: number, c: number, wi: number, oy0: number, oy1: number, ox0: number, ox1: number, xi: number) => void,
): void {
  const [, H, W] = g.inS;
  const [, oh, ow] = g.outS;
  const [, kh, kw] = g.k;
  const [, sh, sw] = g.s;
  const [, ph, pw] = g.p;
  const [, dh, dw] = g.d;
  for (let n = 0; n < g.N; n++)
    for (let c = 0; c < g.Cin; c++) {
      const plane = n * g.Cin + c;
      for (let i = 0; i < kh; i++) {
        const [oy0, oy1] = span(i, H, oh, sh, ph, dh);
        for (let j = 0; j < kw; j++) {
          const [ox0, ox1] = span(j, W, ow, sw, pw, dw);
          if (oy0 >= oy1 || ox0 >= ox1) continue;
          const xi = plane * H * W + (sh * oy0 + dh * i - ph) * W + (sw * ox0 + dw * j - pw);
          f(plane, c, (c * kh + i) * kw + j, oy0, oy1, ox0, ox1, xi);
        }
      }
    }
}

/** y = conv(x, w) + b (y [N, C, oh, ow] overwritten; b may be null). */
export function depthwiseForward(
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  y: FloatArray,
  g: ConvGeometry,
): void {
  const [, oh, ow] = g.outS;
  const P = oh * ow;
  for (let plane = 0; plane < g.N * g.Cin; plane++)
    y.fill(b === null ? 0 : b[plane % g.Cin]!, plane * P, (plane + 1) * P);
  const rowX = g.s[1] * g.inS[2];
  const sw = g.s[2];
  eachTap(g, (plane, _c, wi, oy0, oy1, ox0, ox1, xi) => {
    const wv = w[wi]!;
    for (let oy = oy0; oy < oy1; oy++) {
      const yr = plane * P + oy * ow;
      let q = xi + (oy - oy0) * rowX;
      for (let ox = ox0; ox < ox1; ox++, q += sw) y[yr + ox]! += wv * x[q]!;
    }
  });
}

/** gx = ∂⟨gy, conv(x, w)⟩/∂x (gx [N, C, H, W] overwritten). */
export function depthwiseInputGrad(gy: FloatArray, w: FloatArray, gx: FloatArray, g: ConvGeometry): void {
  const [, H, W] = g.inS;
  const [, oh, ow] = g.outS;
  const P = oh * ow;
  gx.fill(0, 0, g.N * g.Cin * H * W);
  const rowX = g.s[1] * W;
  const sw = g.s[2];
  eachTap(g, (plane, _c, wi, oy0, oy1, ox0, ox1, xi) => {
    const wv = w[wi]!;
    for (let oy = oy0; oy < oy1; oy++) {
      const yr = plane * P + oy * ow;
      let q = xi + (oy - oy0) * rowX;
      for (let ox = ox0; ox < ox1; ox++, q += sw) gx[q]! += wv * gy[yr + ox]!;
    }
  });
}

/** gw = ∂⟨gy, conv(x, w)⟩/∂w (gw [C, 1, kh, kw] overwritten). */
export function depthwiseWeightGrad(x: FloatArray, gy: FloatArray, gw: FloatArray, g: ConvGeometry): void {
  const [, , W] = g.inS;
  const [, oh, ow] = g.outS;
  const P = oh * ow;
  gw.fill(0, 0, g.Cin * g.k[1] * g.k[2]);
  const rowX = g.s[1] * W;
  const sw = g.s[2];
  eachTap(g, (plane, _c, wi, oy0, oy1, ox0, ox1, xi) => {
    let s = 0;
    for (let oy = oy0; oy < oy1; oy++) {
      const yr = plane * P + oy * ow;
      let q = xi + (oy - oy0) * rowX;
      for (let ox = ox0; ox < ox1; ox++, q += sw) s += x[q]! * gy[yr + ox]!;
    }
    gw[wi]! += s;
  });
}
