/**
 * Reference (plain TypeScript) loops of max pooling on typed arrays: the index of each window's maximum,
 * and the gather of those values / the scatter of their gradients within each plane.
 */
import { to3 } from "./im2col.js";
import type { FloatArray } from "./linalg.js";

/** The windows of a pooling over D spatial axes: per-axis kernel, stride, padding, dilation and sizes. */
export interface PoolWindows {
  k: readonly number[];
  s: readonly number[];
  p: readonly number[];
  d: readonly number[];
  inS: readonly number[];
  outS: readonly number[];
}

/**
 * For each of `rows` planes of `src` and each output position, the flat index within the plane of its
 * window's maximum (padding counts as −∞; the first maximum on ties; a NaN wins and ends the window).
 */
export function maxPoolIndices(src: FloatArray, rows: number, g: PoolWindows): Int32Array {
  const [id, ih, iw] = to3(g.inS, 1);
  const [od, oh, ow] = to3(g.outS, 1);
  const [kd, kh, kw] = to3(g.k, 1);
  const [sd, sh, sw] = to3(g.s, 1);
  const [pd, ph, pw] = to3(g.p, 0);
  const [dd, dh, dw] = to3(g.d, 1);
  const plane = id * ih * iw;
  const P = od * oh * ow;
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

/** out[r, j] = src[r, idx[r, j]] for `rows` planes of `plane` elements (idx.length / rows outputs each). */
export function gatherPlanes(src: FloatArray, plane: number, rows: number, idx: Int32Array, out: FloatArray): void {
  const k = idx.length / Math.max(rows, 1);
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) out[r * k + j] = src[r * plane + idx[r * k + j]!]!;
}

/** out[r, idx[r, j]] += src[r, j] for `rows` planes of `plane` elements: the adjoint of {@link gatherPlanes}. */
export function scatterPlanes(src: FloatArray, plane: number, rows: number, idx: Int32Array, out: FloatArray): void {
  const k = idx.length / Math.max(rows, 1);
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) out[r * plane + idx[r * k + j]!]! += src[r * k + j]!;
}
