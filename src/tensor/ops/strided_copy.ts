/**
 * Strided copies into contiguous storage, the data movement under the shape ops: `copyRuns` (equal runs
 * at a fixed step, as `narrow` and `concat` move them) and `stridedCopy` (any strides, 0 for broadcast,
 * permuted for `permute`), which coalesces axes and copies a transpose in cache-sized tiles. Pure copies:
 * every element arrives bit for bit, whatever the path.
 */
import type { TypedArray } from "../dtype.js";
import { type Shape, shapeSize, stridesOf } from "../tensor.js";

/** Runs at least this long are copied with `TypedArray.set` (a memcpy) instead of an element loop. */
const SET_MIN = 64;

/** Side of the square tiles in which {@link stridedCopy} transposes (elements). */
const TILE = 32;

/** `count` runs of `len` elements from `src` (from `s`, `sStep` apart) into `out` (from `o`, `oStep` apart). */
export function copyRuns(
  src: TypedArray,
  s: number,
  sStep: number,
  out: TypedArray,
  o: number,
  oStep: number,
  len: number,
  count: number,
): void {
  if (len >= SET_MIN) {
    for (let r = 0; r < count; r++, s += sStep, o += oStep) out.set(src.subarray(s, s + len), o);
    return;
  }
  for (let r = 0; r < count; r++, s += sStep, o += oStep) for (let i = 0; i < len; i++) out[o + i] = src[s + i]!;
}

/**
 * `outShape` without its size-1 axes, each axis merged into the one before it where the source strides
 * allow (`stride[k] = stride[k+1]·size[k+1]`): the same copy over fewer, longer axes.
 */
function coalesce(srcStrides: readonly number[], outShape: Shape): { shape: number[]; strides: number[] } {
  const shape: number[] = [];
  const strides: number[] = [];
  for (let k = 0; k < outShape.length; k++) {
    const n = outShape[k]!;
    if (n === 1) continue;
    const s = srcStrides[k]!;
    const m = shape.length - 1;
    if (m >= 0 && strides[m] === s * n) {
      shape[m]! *= n;
      strides[m] = s;
    } else {
      shape.push(n);
      strides.push(s);
    }
  }
  return { shape, strides };
}

/**
 * Copies `src` (starting at `offset`, read with `srcStrides`) into the contiguous `out` of shape
 * `outShape`. Strides may be 0 (broadcast) or permuted. The axes are coalesced first; when the last
 * one is strided and another axis reads with a smaller stride (a transpose), the copy goes in tiles
 * over those two axes so that both sides stay in cache, else row by row along the last axis.
 */
export function stridedCopy(
  src: TypedArray,
  offset: number,
  srcStrides: readonly number[],
  outShape: Shape,
  out: TypedArray,
): void {
  if (shapeSize(outShape) === 0) return;
  const { shape, strides } = coalesce(srcStrides, outShape);
  const nd = shape.length;
  if (nd === 0) {
    out[0] = src[offset]!;
    return;
  }
  const ls = strides[nd - 1]!;
  let a = -1;
  for (let k = 0; k < nd - 1; k++) {
    const s = strides[k]!;
    if (s > 0 && s < ls && (a < 0 || s < strides[a]!)) a = k;
  }
  if (a >= 0) tiledCopy(src, offset, shape, strides, a, out);
  else rowCopy(src, offset, shape, strides, out);
}

/**
 * Steps the odometer `idx` over the axes `axes` (innermost last) of `shape`, moving the source and output
 * offsets `pos` by `strides`/`outStrides`.
 */
function stepAxes(
  idx: number[],
  axes: readonly number[],
  shape: readonly number[],
  strides: readonly number[],
  outStrides: readonly number[],
  pos: [number, number],
): void {
  for (let q = axes.length - 1; q >= 0; q--) {
    const k = axes[q]!;
    idx[q]!++;
    pos[0] += strides[k]!;
    pos[1] += outStrides[k]!;
    if (idx[q]! < shape[k]!) return;
    pos[0] -= strides[k]! * shape[k]!;
    pos[1] -= outStrides[k]! * shape[k]!;
    idx[q] = 0;
  }
}

/** {@link stridedCopy} row by row along the last of the coalesced axes. */
function rowCopy(src: TypedArray, offset: number, shape: number[], strides: number[], out: TypedArray): void {
  const nd = shape.length;
  const last = shape[nd - 1]!;
  const ls = strides[nd - 1]!;
  const outer = Array.from({ length: nd - 1 }, (_, k) => k);
  const outStrides = stridesOf(shape);
  const idx = new Array<number>(nd - 1).fill(0);
  const pos: [number, number] = [offset, 0];
  const rows = shapeSize(shape) / last;
  for (let r = 0; r < rows; r++) {
    const [base, o] = pos;
    if (ls === 1) copyRuns(src, base, 0, out, o, 0, last, 1);
    else if (ls === 0) out.fill(src[base]!, o, o + last);
    else for (let i = 0, p = base; i < last; i++, p += ls) out[o + i] = src[p]!;
    stepAxes(idx, outer, shape, strides, outStrides, pos);
  }
}

/**
 * One tile of {@link tiledCopy}: `out[o + i·oa + j] = src[s + i·sa + j·sb]` for i < ni, j < nj.
 */
function copyTile(
  src: TypedArray,
  s: number,
  sa: number,
  sb: number,
  out: TypedArray,
  o: number,
  oa: number,
  ni: number,
  nj: number,
): void {
  for (let i = 0; i < ni; i++, o += oa, s += sa) for (let j = 0, p = s; j < nj; j++, p += sb) out[o + j] = src[p]!;
}

/**
 * {@link stridedCopy} in {@link TILE}-square tiles over the coalesced axis `a` and the last axis, for
 * each position of the other axes (in output order; the innermost of them loops here, the rest step
 * an odometer).
 */
function tiledCopy(
  src: TypedArray,
  offset: number,
  shape: number[],
  strides: number[],
  a: number,
  out: TypedArray,
): void {
  const nd = shape.length;
  const outStrides = stridesOf(shape);
  const na = shape[a]!;
  const sa = strides[a]!;
  const oa = outStrides[a]!;
  const nb = shape[nd - 1]!;
  const sb = strides[nd - 1]!;
  const rest = Array.from({ length: nd - 1 }, (_, k) => k).filter((k) => k !== a);
  const inner = rest.pop();
  const nr = inner === undefined ? 1 : shape[inner]!;
  const sr = inner === undefined ? 0 : strides[inner]!;
  const or = inner === undefined ? 0 : outStrides[inner]!;
  const idx = new Array<number>(rest.length).fill(0);
  const pos: [number, number] = [offset, 0];
  const count = shapeSize(shape) / (na * nb * nr);
  for (let r = 0; r < count; r++) {
    for (let t = 0, sBase = pos[0], oBase = pos[1]; t < nr; t++, sBase += sr, oBase += or) {
      if (na <= TILE && nb <= TILE) {
        copyTile(src, sBase, sa, sb, out, oBase, oa, na, nb);
        continue;
      }
      for (let i0 = 0; i0 < na; i0 += TILE)
        for (let j0 = 0; j0 < nb; j0 += TILE)
          copyTile(
            src,
            sBase + i0 * sa + j0 * sb,
            sa,
            sb,
            out,
            oBase + i0 * oa + j0,
            oa,
            Math.min(TILE, na - i0),
            Math.min(TILE, nb - j0),
          );
    }
    stepAxes(idx, rest, shape, strides, outStrides, pos);
  }
}
