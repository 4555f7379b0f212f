/**
 * Strided copies into contiguous storage, the data movement under the shape ops: `copyRuns` (equal runs
 * at a fixed step, as `narrow` and `concat` move them) and `stridedCopy` (any strides, 0 for broadcast,
 * permuted for `permute`), which coalesces axes and copies a transpose in cache-sized tiles (square
 * ones over two long axes, else several whole short axes at a time), through one box kernel unrolled
 * by eight that moves 4-byte elements as Int32. Pure copies: every element arrives bit for bit, whatever
 * the path.
 */
import type { TypedArray } from "../dtype.js";
import { type Shape, shapeSize, stridesOf } from "../tensor.js";

/** Runs at least this long are copied with `TypedArray.set` (a memcpy) instead of an element loop. */
const SET_MIN = 64;

/** Side of the square tiles in which {@link stridedCopy} transposes (elements). */
const TILE = 32;

/**
 * Below this length of either tiled axis, {@link stridedCopy} tiles over whole short axes instead
 * ({@link blockCopy}): a square tile over two short axes is too small to pay for its loops.
 */
const SHORT = 16;

/** Most elements in one tile of {@link blockCopy} (both sides of it stay in the L1 cache). */
const BLOCK_MAX = 2048;

/** {@link blockCopy} grows a tile until it reads and writes runs of at least this many elements. */
const RUN_MIN = 32;

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
 * over those two axes so that both sides stay in cache (over whole short axes and more of them when
 * either is short), else row by row along the last axis.
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
  if (a < 0) rowCopy(src, offset, shape, strides, out);
  else if (shape[a]! < SHORT || shape[nd - 1]! < SHORT) blockCopy(src, offset, shape, strides, a, out);
  else tiledCopy(src, offset, shape, strides, a, out);
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
  const [box, x, y] = boxKernel(src, out);
  for (let r = 0; r < count; r++) {
    for (let t = 0, sBase = pos[0], oBase = pos[1]; t < nr; t++, sBase += sr, oBase += or) {
      if (na <= TILE && nb <= TILE) {
        box(x, sBase, y, oBase, 1, 0, 0, na, sa, oa, nb, sb, 1);
        continue;
      }
      for (let i0 = 0; i0 < na; i0 += TILE)
        for (let j0 = 0; j0 < nb; j0 += TILE) {
          const [ni, nj] = [Math.min(TILE, na - i0), Math.min(TILE, nb - j0)];
          box(x, sBase + i0 * sa + j0 * sb, y, oBase + i0 * oa + j0, 1, 0, 0, ni, sa, oa, nj, sb, 1);
        }
    }
    stepAxes(idx, rest, shape, strides, outStrides, pos);
  }
}

/** The signature of {@link copyBox} and {@link copyBox32}. */
type BoxCopy = (
  src: TypedArray,
  s: number,
  out: TypedArray,
  o: number,
  n0: number,
  s0: number,
  o0: number,
  n1: number,
  s1: number,
  o1: number,
  n2: number,
  s2: number,
  o2: number,
) => void;

/**
 * `out[o + i·o0 + j·o1 + k·o2] = src[s + i·s0 + j·s1 + k·s2]` for i < n0, j < n1, k < n2; the
 * innermost loop is unrolled by eight (short inner loops cost more in loop control than in copying).
 * Float64 and bool arrays; the same code as {@link copyBox32}.
 */
function copyBox(
  src: TypedArray,
  s: number,
  out: TypedArray,
  o: number,
  n0: number,
  s0: number,
  o0: number,
  n1: number,
  s1: number,
  o1: number,
  n2: number,
  s2: number,
  o2: number,
): void {
  const n8 = n2 - (n2 % 8);
  for (let i = 0; i < n0; i++, s += s0, o += o0)
    for (let j = 0, sj = s, oj = o; j < n1; j++, sj += s1, oj += o1) {
      let k = 0;
      let sk = sj;
      let ok = oj;
      for (; k < n8; k += 8) {
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
      }
      for (; k < n2; k++, sk += s2, ok += o2) out[ok] = src[sk]!;
    }
}

/**
 * {@link copyBox} for Int32Array views of 4-byte elements (float32 and int32 data; see {@link boxKernel}).
 * The same code, a separate function: V8 keeps type feedback per function, and element access that
 * has seen one array type is several times faster than one that has seen four.
 */
function copyBox32(
  src: TypedArray,
  s: number,
  out: TypedArray,
  o: number,
  n0: number,
  s0: number,
  o0: number,
  n1: number,
  s1: number,
  o1: number,
  n2: number,
  s2: number,
  o2: number,
): void {
  const n8 = n2 - (n2 % 8);
  for (let i = 0; i < n0; i++, s += s0, o += o0)
    for (let j = 0, sj = s, oj = o; j < n1; j++, sj += s1, oj += o1) {
      let k = 0;
      let sk = sj;
      let ok = oj;
      for (; k < n8; k += 8) {
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
        out[ok] = src[sk]!;
        sk += s2;
        ok += o2;
      }
      for (; k < n2; k++, sk += s2, ok += o2) out[ok] = src[sk]!;
    }
}

/**
 * The box kernel for `src`→`out` and the arrays to hand it: 4-byte elements (float32, int32) go as
 * Int32Array views through {@link copyBox32}, so that kernel sees one array type whatever the dtype
 * and the bits move as integers (no float round trip); the others through {@link copyBox}.
 */
function boxKernel(src: TypedArray, out: TypedArray): [BoxCopy, TypedArray, TypedArray] {
  if (src.BYTES_PER_ELEMENT !== 4 || out.BYTES_PER_ELEMENT !== 4) return [copyBox, src, out];
  return [copyBox32, int32View(src), int32View(out)];
}

/**
 * An Int32Array over the same memory as the 4-byte-element array `a` (itself when it is one): copies
 * through it move the bits untouched, and loops that take only Int32Array keep monomorphic element access.
 */
export function int32View(a: TypedArray): Int32Array {
  if (a instanceof Int32Array) return a;
  if (a.BYTES_PER_ELEMENT !== 4)
    throw new RangeError(`int32View: expected an array of 4-byte elements, got ${a.constructor.name}`);
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * `out[o + Σ i_k·os_k] = src[s + Σ i_k·ss_k]` over the box `n` (outermost first): the innermost three
 * axes loop here, the others step an odometer.
 */
function copyNest(
  src: TypedArray,
  s: number,
  out: TypedArray,
  o: number,
  n: number[],
  ss: number[],
  os: number[],
): void {
  while (n.length < 3) {
    n.unshift(1);
    ss.unshift(0);
    os.unshift(0);
  }
  const m = n.length - 3;
  const [n0, n1, n2] = [n[m]!, n[m + 1]!, n[m + 2]!];
  const [s0, s1, s2] = [ss[m]!, ss[m + 1]!, ss[m + 2]!];
  const [o0, o1, o2] = [os[m]!, os[m + 1]!, os[m + 2]!];
  let count = 1;
  for (let q = 0; q < m; q++) count *= n[q]!;
  const idx = new Array<number>(m).fill(0);
  const [box, x, y] = boxKernel(src, out);
  for (let r = 0; r < count; r++) {
    box(x, s, y, o, n0, s0, o0, n1, s1, o1, n2, s2, o2);
    for (let q = m - 1; q >= 0; q--) {
      idx[q]!++;
      s += ss[q]!;
      o += os[q]!;
      if (idx[q]! < n[q]!) break;
      s -= ss[q]! * n[q]!;
      o -= os[q]! * n[q]!;
      idx[q] = 0;
    }
  }
}

/**
 * {@link stridedCopy} when an axis of the transpose is short (the tiles of {@link tiledCopy} would
 * be tiny): the tile starts as the two whole axes and grows by whole axes, next by source stride or
 * output position, on the side that reads (writes) the shorter runs, until both runs reach
 * {@link RUN_MIN} or the tile {@link BLOCK_MAX} elements (the last axis added may be cut in blocks).
 * Inside a tile the copy goes in the order of the side whose strides are the farther apart, so that
 * it visits their far-apart pieces one after the other; the tiles go in output order.
 */
function blockCopy(
  src: TypedArray,
  offset: number,
  shape: number[],
  strides: number[],
  a: number,
  out: TypedArray,
): void {
  const nd = shape.length;
  const outStrides = stridesOf(shape);
  const all = Array.from({ length: nd }, (_, k) => k);
  const bySrc = all.filter((k) => strides[k]! > 0).sort((x, y) => strides[x]! - strides[y]! || y - x);
  const byOut = all.slice().reverse();
  const ext = new Array<number>(nd).fill(0); // the tile's extent along each axis (0: not in the tile)
  let cut = -1; // the one axis the tile holds only a block of
  let size = 1;
  const add = (k: number): boolean => {
    const n = shape[k]!;
    if (size * n <= BLOCK_MAX) {
      ext[k] = n;
      size *= n;
      return true;
    }
    const e = Math.floor(BLOCK_MAX / size);
    if (e >= 2) {
      ext[k] = e;
      size *= e;
      cut = k;
    }
    return false;
  };
  /** The run along `list` (fastest first) that the tile holds, and the next axis to grow it by (or -1). */
  const runOf = (list: number[]): [number, number] => {
    let r = 1;
    for (const k of list) {
      if (ext[k] === 0) return [r, k];
      r *= ext[k]!;
      if (k === cut) return [r, -1];
    }
    return [r, -1];
  };
  const b = nd - 1;
  let grow = shape[a]! <= shape[b]! ? add(a) && add(b) : add(b) && add(a);
  while (grow) {
    const [rs, ks] = runOf(bySrc);
    const [ro, ko] = runOf(byOut);
    const k = rs < RUN_MIN && ks >= 0 && (ro >= RUN_MIN || ko < 0 || rs <= ro) ? ks : ro < RUN_MIN ? ko : -1;
    grow = k >= 0 && add(k);
  }
  // the tile's axes, the farther-apart side's largest stride first; the rest (and the cut axis's blocks)
  // outside, in output order
  const tile = all.filter((k) => ext[k]! > 0);
  let maxS = 0;
  let maxO = 0;
  for (const k of tile) {
    maxS = Math.max(maxS, strides[k]!);
    maxO = Math.max(maxO, outStrides[k]!);
  }
  const key = maxS > maxO ? strides : outStrides;
  tile.sort((x, y) => key[y]! - key[x]! || x - y);
  const outer = all.filter((k) => ext[k] === 0 || k === cut);
  const nest = (blocks: number, e: number, s: number, o: number): void => {
    const n: number[] = [];
    const ss: number[] = [];
    const os: number[] = [];
    for (const k of outer) {
      const step = k === cut ? e : 1;
      n.push(k === cut ? blocks : shape[k]!);
      ss.push(strides[k]! * step);
      os.push(outStrides[k]! * step);
    }
    for (const k of tile) {
      n.push(k === cut ? e : ext[k]!);
      ss.push(strides[k]!);
      os.push(outStrides[k]!);
    }
    copyNest(src, s, out, o, n, ss, os);
  };
  if (cut < 0) {
    nest(1, 1, offset, 0);
    return;
  }
  const e = ext[cut]!;
  const full = Math.floor(shape[cut]! / e);
  const rem = shape[cut]! - full * e;
  nest(full, e, offset, 0);
  if (rem > 0) nest(1, rem, offset + full * e * strides[cut]!, full * e * outStrides[cut]!);
}
