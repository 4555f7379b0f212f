/**
 * Shape ops: permute/transpose, flatten, squeeze/unsqueeze, expand/broadcastTo, concat/stack,
 * split/chunk, slice/narrow, pad, flip, roll, repeat/tile, repeatInterleave. Every op copies
 * (storage is always contiguous) except those that are pure reshapes, and every float op is
 * differentiable.
 *
 * Most index-moving ops are expressed with one internal primitive, the *axis-map gather*: each
 * output axis `k` reads input position `maps[k][i]` (or a fill value where the map holds -1). Its
 * gradient is the matching scatter-add, whose gradient is the gather again.
 */
import { getNumThreads } from "../../kernels/pool.js";
import { permuteCopy } from "../../kernels/registry.js";
import { record } from "../autograd.js";
import { sumToShape } from "../broadcast.js";
import {
  allocate,
  allocateEmpty,
  type DType,
  type FloatDType,
  isFloat,
  promoteTypes,
  type TypedArray,
} from "../dtype.js";
import { check, fmtShape, normAxis, opError } from "../errors.js";
import { type Shape, shapeSize, stridesOf, Tensor } from "../tensor.js";
import { copyRuns, stridedCopy } from "./strided_copy.js";

// ---------------------------------------------------------------------------------------------
// internal primitives

/** Normalises `(…sizes)` or `([sizes])` method arguments to one array. */
function sizesArg(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return args as number[];
}

/** Axis list from a number or array, normalised against `ndim`, with duplicate detection. */
function axesArg(op: string, axes: number | readonly number[], ndim: number, arg = "axes"): number[] {
  const list = typeof axes === "number" ? [axes] : [...axes];
  const out = list.map((a) => normAxis(op, a, ndim, arg));
  const seen = new Set<number>();
  for (const a of out) {
    if (seen.has(a)) opError(op, arg, "distinct axes", `[${list.join(", ")}]`);
    seen.add(a);
  }
  return out;
}

/**
 * Walks the output in rows along its last axis: calls `row(o, base)` for each row, where `o` is the
 * flat output index of the row start and `base` the input offset of the row (-1 where some map of
 * an outer axis is -1). The caller applies the last axis map itself.
 */
function walkRows(
  maps: readonly Int32Array[],
  inStrides: readonly number[],
  outShape: Shape,
  row: (o: number, base: number) => void,
): void {
  const nd = outShape.length;
  if (shapeSize(outShape) === 0) return;
  if (nd === 0) {
    row(0, 0);
    return;
  }
  const last = outShape[nd - 1]!;
  let o = 0;
  const rec = (k: number, base: number): void => {
    if (k === nd - 1) {
      row(o, base);
      o += last;
      return;
    }
    const map = maps[k]!;
    const s = inStrides[k]!;
    for (let i = 0; i < outShape[k]!; i++) {
      const m = map[i]!;
      rec(k + 1, base < 0 || m < 0 ? -1 : base + m * s);
    }
  };
  rec(0, 0);
}

/**
 * out[i0, i1, …] = a[maps[0][i0], maps[1][i1], …] (or `fill` where any map entry is -1).
 * Differentiable; the gradient is {@link mapScatterAdd}.
 */
function mapGather(name: string, a: Tensor, maps: readonly Int32Array[], fill = 0): Tensor {
  const outShape = maps.map((m) => m.length);
  const out = allocate(a.dtype, shapeSize(outShape));
  const src = a.data;
  const nd = outShape.length;
  if (nd === 0) out[0] = src[0]!;
  else {
    const lastMap = maps[nd - 1]!;
    const n = lastMap.length;
    const ls = a.ndim > 0 ? a.strides[nd - 1]! : 1;
    walkRows(maps, a.strides, outShape, (o, base) => {
      if (base < 0) {
        out.fill(fill, o, o + n);
        return;
      }
      for (let i = 0; i < n; i++) {
        const m = lastMap[i]!;
        out[o + i] = m < 0 ? fill : src[base + m * ls]!;
      }
    });
  }
  const res = new Tensor(out, outShape, a.dtype);
  const inShape = a.shape;
  return record(name, [a], res, (g) => [mapScatterAdd(name, g, maps, inShape)]);
}

/** The adjoint of {@link mapGather}: adds each `g` element into the input position the maps give. */
function mapScatterAdd(name: string, g: Tensor, maps: readonly Int32Array[], inShape: Shape): Tensor {
  const out = allocate(g.dtype, shapeSize(inShape));
  const src = g.data;
  const nd = inShape.length;
  if (nd === 0) out[0] = src[0]!;
  else {
    const strides = stridesOf(inShape);
    const lastMap = maps[nd - 1]!;
    const n = lastMap.length;
    const ls = strides[nd - 1]!;
    walkRows(maps, strides, g.shape, (o, base) => {
      if (base < 0) return;
      for (let i = 0; i < n; i++) {
        const m = lastMap[i]!;
        if (m >= 0) out[base + m * ls]! += src[o + i]!;
      }
    });
  }
  const res = new Tensor(out, inShape, g.dtype);
  return record(`${name}Backward`, [g], res, (gg) => [mapGather(name, gg, maps)]);
}

function identityMap(n: number): Int32Array {
  const m = new Int32Array(n);
  for (let i = 0; i < n; i++) m[i] = i;
  return m;
}

function identityMaps(shape: Shape): Int32Array[] {
  return shape.map((n) => identityMap(n));
}

// ---------------------------------------------------------------------------------------------
// permute / transpose

/**
 * Reorders the axes: output axis `i` is input axis `axes[i]` (like `torch.permute`). Copies.
 */
export function permute(a: Tensor, axes: readonly number[]): Tensor {
  const nd = a.ndim;
  if (axes.length !== nd)
    opError("permute", "axes", `${nd} axes (a permutation of 0..${nd - 1})`, `[${axes.join(", ")}]`);
  const ax = axesArg("permute", axes, nd);
  let identity = true;
  for (let i = 0; i < nd; i++) if (ax[i] !== i) identity = false;
  const outShape = ax.map((k) => a.shape[k]!);
  let out: TypedArray;
  if (identity) {
    out = a.data.slice() as TypedArray;
  } else {
    out = isFloat(a.dtype) ? allocateEmpty(a.dtype, a.size) : allocate(a.dtype, a.size);
    const st = a.strides;
    const srcStrides = ax.map((k) => st[k]!);
    // large float32/int32 permutes over the kernel team with threads, else in TypeScript (on one
    // thread its tiled copy is as fast as the WASM one with the copies in and out)
    const d = a.data;
    const wasm =
      getNumThreads() > 1 &&
      (d instanceof Float32Array || d instanceof Int32Array) &&
      permuteCopy(d, 0, srcStrides, outShape, out as Float32Array | Int32Array);
    if (!wasm) stridedCopy(d, 0, srcStrides, outShape, out);
  }
  const res = new Tensor(out, outShape, a.dtype);
  const inv = new Array<number>(nd);
  for (let i = 0; i < nd; i++) inv[ax[i]!] = i;
  return record("permute", [a], res, (g) => [permute(g, inv)]);
}

/** Swaps two axes (default: the last two). Copies. */
export function transpose(a: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const nd = a.ndim;
  if (nd < 2 && axis0 === -2 && axis1 === -1)
    opError("transpose", "a", "at least 2 axes for the default axes (-2, -1)", `shape ${fmtShape(a.shape)}`);
  const i = normAxis("transpose", axis0, nd, "axis0");
  const j = normAxis("transpose", axis1, nd, "axis1");
  const axes = Array.from({ length: nd }, (_, k) => k);
  axes[i] = j;
  axes[j] = i;
  return permute(a, axes);
}

/** Transpose of a matrix; 0-D and 1-D tensors are returned as copies (like `torch.t`). */
export function t(a: Tensor): Tensor {
  if (a.ndim > 2) opError("t", "a", "a tensor with at most 2 axes", `shape ${fmtShape(a.shape)}`);
  if (a.ndim < 2) return a.clone();
  return permute(a, [1, 0]);
}

// ---------------------------------------------------------------------------------------------
// reshapes: flatten / squeeze / unsqueeze

/** Merges axes `startAxis..endAxis` (inclusive) into one. Shares storage. A 0-D tensor becomes `[1]`. */
export function flatten(a: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (a.ndim === 0) return a.reshape([1]);
  const s = normAxis("flatten", startAxis, a.ndim, "startAxis");
  const e = normAxis("flatten", endAxis, a.ndim, "endAxis");
  if (s > e) opError("flatten", "endAxis", `an axis >= startAxis (${startAxis})`, String(endAxis));
  const shape = [...a.shape.slice(0, s), shapeSize(a.shape.slice(s, e + 1)), ...a.shape.slice(e + 1)];
  return a.reshape(shape);
}

/**
 * Removes axes of size 1: all of them, or only the given ones (given axes of another size are
 * left alone, like PyTorch). Shares storage.
 */
export function squeeze(a: Tensor, axis?: number | readonly number[]): Tensor {
  let drop: Set<number>;
  if (axis === undefined) {
    drop = new Set(a.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0));
  } else {
    if (a.ndim === 0) return a.reshape([]);
    drop = new Set(axesArg("squeeze", axis, a.ndim, "axis").filter((i) => a.shape[i] === 1));
  }
  return a.reshape(a.shape.filter((_, i) => !drop.has(i)));
}

/** Inserts an axis of size 1 at `axis` (in `[-ndim-1, ndim]`). Shares storage. */
export function unsqueeze(a: Tensor, axis: number): Tensor {
  const ax = normAxis("unsqueeze", axis, a.ndim + 1, "axis");
  const shape = [...a.shape];
  shape.splice(ax, 0, 1);
  return a.reshape(shape);
}

// ---------------------------------------------------------------------------------------------
// expand / broadcastTo

function expandShape(op: string, a: Tensor, shape: readonly number[]): number[] {
  const nd = shape.length;
  if (nd < a.ndim) opError(op, "shape", `at least ${a.ndim} sizes (to expand ${fmtShape(a.shape)})`, fmtShape(shape));
  const off = nd - a.ndim;
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const want = shape[i]!;
    const have = i >= off ? a.shape[i - off]! : -2;
    if (want === -1) {
      if (have === -2) opError(op, "shape", `no -1 among the ${off} new leading sizes`, fmtShape(shape));
      out[i] = have;
    } else {
      if (!Number.isInteger(want) || want < 0)
        opError(op, "shape", "non-negative integer sizes or -1", fmtShape(shape));
      if (have !== -2 && have !== 1 && have !== want) {
        opError(
          op,
          "shape",
          `a shape ${fmtShape(a.shape)} broadcasts to (size ${have} at axis ${i - off} must match or be 1)`,
          fmtShape(shape),
        );
      }
      out[i] = want;
    }
  }
  return out;
}

function expandTo(op: string, a: Tensor, outShape: number[]): Tensor {
  const off = outShape.length - a.ndim;
  const st = a.strides;
  const srcStrides = outShape.map((_, i) => (i < off || a.shape[i - off] === 1 ? 0 : st[i - off]!));
  const n = shapeSize(outShape);
  const out = isFloat(a.dtype) ? allocateEmpty(a.dtype as FloatDType, n) : allocate(a.dtype, n);
  stridedCopy(a.data, 0, srcStrides, outShape, out);
  const res = new Tensor(out, outShape, a.dtype);
  const inShape = a.shape;
  return record(op, [a], res, (g) => [sumToShape(g, inShape)]);
}

/**
 * Broadcasts `a` to `shape` (new leading axes allowed; size-1 axes repeat; -1 keeps a size).
 * Copies; the gradient sums over the broadcast axes.
 */
export function expand(a: Tensor, shape: readonly number[]): Tensor {
  return expandTo("expand", a, expandShape("expand", a, shape));
}

/** Broadcasts `a` to `shape` (same rules as {@link expand}). */
export function broadcastTo(a: Tensor, shape: readonly number[]): Tensor {
  return expandTo("broadcastTo", a, expandShape("broadcastTo", a, shape));
}

// ---------------------------------------------------------------------------------------------
// concat / stack / split / chunk

/** Joins tensors along an existing axis (dtypes are promoted). */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  check(tensors.length > 0, "concat", "tensors", "a non-empty list of tensors", "an empty list");
  const first = tensors[0]!;
  const nd = first.ndim;
  check(nd > 0, "concat", "tensors[0]", "a tensor with at least 1 axis", "a 0-D tensor");
  const ax = normAxis("concat", axis, nd);
  let dtype: DType = first.dtype;
  for (let k = 0; k < tensors.length; k++) {
    const x = tensors[k]!;
    if (x.ndim !== nd || x.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      const exp = first.shape.map((d, i) => (i === ax ? "*" : String(d)));
      opError("concat", `tensors[${k}]`, `shape [${exp.join(", ")}]`, fmtShape(x.shape));
    }
    dtype = promoteTypes(dtype, x.dtype);
  }
  const xs = tensors.map((x) => (x.dtype === dtype ? x : x.cast(dtype)));
  const outer = shapeSize(first.shape.slice(0, ax));
  const inner = shapeSize(first.shape.slice(ax + 1));
  const sizes = xs.map((x) => x.shape[ax]!);
  const total = sizes.reduce((s, v) => s + v, 0);
  const outShape = [...first.shape];
  outShape[ax] = total;
  const out = isFloat(dtype) ? allocateEmpty(dtype, shapeSize(outShape)) : allocate(dtype, shapeSize(outShape));
  const rowOut = total * inner;
  let start = 0;
  for (const x of xs) {
    const block = x.shape[ax]! * inner;
    copyRuns(x.data, 0, block, out, start * inner, rowOut, block, outer);
    start += x.shape[ax]!;
  }
  const res = new Tensor(out, outShape, dtype);
  return record("concat", xs, res, (g) => {
    let s = 0;
    return sizes.map((n) => {
      const piece = narrow(g, ax, s, n);
      s += n;
      return piece;
    });
  });
}

/** Alias of {@link concat}. */
export const cat = concat;

/** Joins tensors of one shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  check(tensors.length > 0, "stack", "tensors", "a non-empty list of tensors", "an empty list");
  const first = tensors[0]!;
  const ax = normAxis("stack", axis, first.ndim + 1);
  for (let k = 1; k < tensors.length; k++) {
    const x = tensors[k]!;
    if (x.ndim !== first.ndim || x.shape.some((d, i) => d !== first.shape[i])) {
      opError("stack", `tensors[${k}]`, `shape ${fmtShape(first.shape)} (like tensors[0])`, fmtShape(x.shape));
    }
  }
  return concat(
    tensors.map((x) => unsqueeze(x, ax)),
    ax,
  );
}

/**
 * Splits along `axis` into pieces of size `sizeOrSections` (the last may be smaller), or into
 * pieces of the listed sizes (which must sum to the axis size). Each piece is differentiable.
 */
export function split(a: Tensor, sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  const ax = normAxis("split", axis, a.ndim);
  const n = a.shape[ax]!;
  let sizes: number[];
  if (typeof sizeOrSections === "number") {
    const s = sizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n > 0))
      opError("split", "sizeOrSections", "a positive integer size", String(s));
    sizes = [];
    if (n === 0) sizes.push(0);
    for (let i = 0; i < n; i += s) sizes.push(Math.min(s, n - i));
  } else {
    sizes = [...sizeOrSections];
    const total = sizes.reduce((x, v) => x + v, 0);
    if (sizes.some((v) => !Number.isInteger(v) || v < 0) || total !== n) {
      opError(
        "split",
        "sizeOrSections",
        `non-negative sizes summing to ${n} (size of axis ${ax})`,
        `[${sizes.join(", ")}]`,
      );
    }
  }
  let start = 0;
  return sizes.map((len) => {
    const piece = narrow(a, ax, start, len);
    start += len;
    return piece;
  });
}

/** Splits along `axis` into at most `chunks` pieces of size `ceil(n / chunks)` (like `torch.chunk`). */
export function chunk(a: Tensor, chunks: number, axis = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) opError("chunk", "chunks", "a positive integer", String(chunks));
  const ax = normAxis("chunk", axis, a.ndim);
  const n = a.shape[ax]!;
  if (n === 0) return Array.from({ length: chunks }, () => narrow(a, ax, 0, 0));
  return split(a, Math.ceil(n / chunks), ax);
}

// ---------------------------------------------------------------------------------------------
// slice / narrow

/**
 * Elements `start, start+step, …` (before `end`) along `axis`, with Python-style negative and
 * clamped bounds. `step` must be positive.
 */
export function slice(a: Tensor, axis: number, start = 0, end?: number, step = 1): Tensor {
  check(a.ndim > 0, "slice", "a", "a tensor with at least 1 axis", "a 0-D tensor");
  const ax = normAxis("slice", axis, a.ndim);
  const n = a.shape[ax]!;
  if (!Number.isInteger(step) || step < 1) opError("slice", "step", "a positive integer", String(step));
  if (!Number.isInteger(start)) opError("slice", "start", "an integer", String(start));
  if (end !== undefined && !Number.isInteger(end)) opError("slice", "end", "an integer", String(end));
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = clampIdx(start);
  const e = end === undefined ? n : clampIdx(end);
  const len = Math.max(0, Math.ceil((e - s) / step));
  if (step === 1) return narrowAt("slice", a, ax, s, len);
  const maps = identityMaps(a.shape);
  const m = new Int32Array(len);
  for (let i = 0; i < len; i++) m[i] = s + i * step;
  maps[ax] = m;
  return mapGather("slice", a, maps);
}

/** `length` elements from `start` along `axis` (start may be negative; the range must fit). */
export function narrow(a: Tensor, axis: number, start: number, length: number): Tensor {
  check(a.ndim > 0, "narrow", "a", "a tensor with at least 1 axis", "a 0-D tensor");
  const ax = normAxis("narrow", axis, a.ndim);
  const n = a.shape[ax]!;
  if (!Number.isInteger(start) || start < -n || start > n)
    opError("narrow", "start", `an integer in [${-n}, ${n}]`, String(start));
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(length) || length < 0 || s + length > n) {
    opError("narrow", "length", `an integer in [0, ${n - s}] (axis ${ax} has size ${n}, start ${s})`, String(length));
  }
  return narrowAt("narrow", a, ax, s, length);
}

/** The sizes before and after `axis` (products of the leading and trailing sizes). */
function outerInner(shape: Shape, axis: number): [number, number] {
  return [shapeSize(shape.slice(0, axis)), shapeSize(shape.slice(axis + 1))];
}

/**
 * {@link narrow} of checked arguments: `outer` contiguous runs of `length·inner` elements. Its
 * gradient is {@link narrowBackward}.
 */
function narrowAt(name: string, a: Tensor, ax: number, start: number, length: number): Tensor {
  const [outer, inner] = outerInner(a.shape, ax);
  const n = a.shape[ax]!;
  const run = length * inner;
  const out = isFloat(a.dtype) ? allocateEmpty(a.dtype, outer * run) : allocate(a.dtype, outer * run);
  copyRuns(a.data, start * inner, n * inner, out, 0, run, run, outer);
  const shape = [...a.shape];
  shape[ax] = length;
  const res = new Tensor(out, shape, a.dtype);
  const inShape = a.shape;
  return record(name, [a], res, (g) => [narrowBackward(name, g, ax, start, inShape)]);
}

/**
 * The adjoint of {@link narrowAt}: `g` placed at `start` along `ax` of zeros of `inShape`, each element
 * added to its zero (as a scatter-add does: −0 becomes +0). Its gradient is {@link narrowAt} again.
 */
function narrowBackward(name: string, g: Tensor, ax: number, start: number, inShape: Shape): Tensor {
  const [outer, inner] = outerInner(inShape, ax);
  const length = g.shape[ax]!;
  const run = length * inner;
  const step = inShape[ax]! * inner;
  const out = allocate(g.dtype, shapeSize(inShape));
  const src = g.data;
  for (let r = 0, s = 0, o = start * inner; r < outer; r++, s += run, o += step)
    for (let i = 0; i < run; i++) out[o + i]! += src[s + i]!;
  const res = new Tensor(out, inShape, g.dtype);
  return record(`${name}Backward`, [g], res, (gg) => [narrowAt(name, gg, ax, start, length)]);
}

// ---------------------------------------------------------------------------------------------
// pad

/** Padding modes of {@link pad}. */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/**
 * Pads like `torch.nn.functional.pad`: `pads = [left, right]` for the last axis, then
 * `[left, right]` for the one before, and so on. Modes: `constant` (with `value`; negative pads
 * crop), `reflect` (mirror without the edge; pads < size), `replicate` (repeat the edge),
 * `circular` (wrap around; pads <= size).
 */
export function pad(a: Tensor, pads: readonly number[], mode: PadMode = "constant", value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length > 2 * a.ndim) {
    opError("pad", "pads", `an even number of pad sizes, at most ${2 * a.ndim}`, `[${pads.join(", ")}]`);
  }
  for (const p of pads) if (!Number.isInteger(p)) opError("pad", "pads", "integer pad sizes", `[${pads.join(", ")}]`);
  if (mode !== "constant" && mode !== "reflect" && mode !== "replicate" && mode !== "circular") {
    opError("pad", "mode", "'constant', 'reflect', 'replicate' or 'circular'", String(mode));
  }
  const maps = identityMaps(a.shape);
  for (let p = 0; p < pads.length / 2; p++) {
    const ax = a.ndim - 1 - p;
    const n = a.shape[ax]!;
    const l = pads[2 * p]!;
    const r = pads[2 * p + 1]!;
    const len = n + l + r;
    if (len < 0) opError("pad", "pads", `pads on axis ${ax} leaving a non-negative size (size ${n})`, `[${l}, ${r}]`);
    if (mode !== "constant") {
      if (n === 0) opError("pad", "a", `a non-empty axis ${ax} for mode '${mode}'`, `shape ${fmtShape(a.shape)}`);
      const limit = mode === "reflect" ? n - 1 : mode === "circular" ? n : Number.POSITIVE_INFINITY;
      if (l > limit || r > limit) {
        opError("pad", "pads", `pads on axis ${ax} at most ${limit} for mode '${mode}' (size ${n})`, `[${l}, ${r}]`);
      }
    }
    const m = new Int32Array(len);
    for (let i = 0; i < len; i++) {
      const j = i - l;
      if (j >= 0 && j < n) m[i] = j;
      else if (mode === "constant") m[i] = -1;
      else if (mode === "reflect") m[i] = j < 0 ? -j : 2 * (n - 1) - j;
      else if (mode === "replicate") m[i] = j < 0 ? 0 : n - 1;
      else m[i] = ((j % n) + n) % n;
    }
    maps[ax] = m;
  }
  return mapGather("pad", a, maps, value);
}

// ---------------------------------------------------------------------------------------------
// flip / roll / repeat / tile / repeatInterleave

/** Reverses the order of elements along the given axes. */
export function flip(a: Tensor, axes: number | readonly number[]): Tensor {
  const ax = axesArg("flip", axes, a.ndim);
  const maps = identityMaps(a.shape);
  for (const k of ax) maps[k]!.reverse();
  return mapGather("flip", a, maps);
}

/**
 * Rolls elements along `axes` by `shifts` (element `i` moves to `i + shift`, wrapping). Without
 * axes, the flattened tensor is rolled and the shape restored.
 */
export function roll(a: Tensor, shifts: number | readonly number[], axes?: number | readonly number[]): Tensor {
  const sh = typeof shifts === "number" ? [shifts] : [...shifts];
  for (const s of sh) if (!Number.isInteger(s)) opError("roll", "shifts", "integer shifts", `[${sh.join(", ")}]`);
  if (axes === undefined) {
    if (sh.length !== 1) opError("roll", "shifts", "a single shift when no axes are given", `[${sh.join(", ")}]`);
    return roll(a.reshape([a.size]), sh[0]!, 0).reshape(a.shape);
  }
  const ax = typeof axes === "number" ? [axes] : [...axes];
  if (ax.length !== sh.length) opError("roll", "axes", `${sh.length} axes (one per shift)`, `[${ax.join(", ")}]`);
  const maps = identityMaps(a.shape);
  for (let k = 0; k < ax.length; k++) {
    const axis = normAxis("roll", ax[k]!, a.ndim, "axes");
    const n = a.shape[axis]!;
    if (n === 0) continue;
    const s = sh[k]!;
    const m = maps[axis]!;
    const src = m.slice();
    for (let i = 0; i < n; i++) m[i] = src[(((i - s) % n) + n) % n]!;
  }
  return mapGather("roll", a, maps);
}

function repeatImpl(op: string, a: Tensor, reps: readonly number[]): Tensor {
  for (const r of reps)
    if (!Number.isInteger(r) || r < 0) opError(op, "reps", "non-negative integer repeats", `[${reps.join(", ")}]`);
  const off = reps.length - a.ndim;
  const view = off > 0 ? a.reshape([...new Array<number>(off).fill(1), ...a.shape]) : a;
  const maps = view.shape.map((n, i) => {
    const m = new Int32Array(n * reps[i]!);
    for (let j = 0; j < m.length; j++) m[j] = j % n;
    return m;
  });
  return mapGather(op, view, maps);
}

/**
 * Repeats the whole tensor `reps[i]` times along each axis (like `torch.Tensor.repeat`);
 * `reps` needs at least `ndim` entries (extra ones add leading axes).
 */
export function repeat(a: Tensor, reps: readonly number[]): Tensor {
  if (reps.length < a.ndim)
    opError("repeat", "reps", `at least ${a.ndim} repeats (one per axis)`, `[${reps.join(", ")}]`);
  return repeatImpl("repeat", a, reps);
}

/** Like {@link repeat}, but fewer `reps` than axes are padded with leading 1s (like `torch.tile`). */
export function tile(a: Tensor, reps: readonly number[]): Tensor {
  const full = reps.length < a.ndim ? [...new Array<number>(a.ndim - reps.length).fill(1), ...reps] : reps;
  return repeatImpl("tile", a, full);
}

/**
 * Repeats each element (slice) along `axis` `repeats` times, or `repeats[i]` times for element `i`
 * (number, list or int32 tensor). Without `axis`, the tensor is flattened first.
 */
export function repeatInterleave(a: Tensor, repeats: number | readonly number[] | Tensor, axis?: number): Tensor {
  if (axis === undefined) return repeatInterleave(a.reshape([a.size]), repeats, 0);
  const ax = normAxis("repeatInterleave", axis, a.ndim);
  const n = a.shape[ax]!;
  let reps: ArrayLike<number>;
  if (repeats instanceof Tensor) {
    if (repeats.dtype !== "int32") opError("repeatInterleave", "repeats", "an int32 tensor", repeats.dtype);
    if (repeats.ndim > 1)
      opError("repeatInterleave", "repeats", "a 0-D or 1-D tensor", `shape ${fmtShape(repeats.shape)}`);
    reps = repeats.data;
  } else reps = typeof repeats === "number" ? [repeats] : repeats;
  if (reps.length !== 1 && reps.length !== n) {
    opError("repeatInterleave", "repeats", `1 or ${n} repeats (size of axis ${ax})`, `${reps.length}`);
  }
  let total = 0;
  for (let i = 0; i < reps.length; i++) {
    const r = reps[i]!;
    if (!Number.isInteger(r) || r < 0) opError("repeatInterleave", "repeats", "non-negative integers", String(r));
  }
  for (let i = 0; i < n; i++) total += reps.length === 1 ? reps[0]! : reps[i]!;
  const m = new Int32Array(total);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const r = reps.length === 1 ? reps[0]! : reps[i]!;
    for (let k = 0; k < r; k++) m[o++] = i;
  }
  const maps = identityMaps(a.shape);
  maps[ax] = m;
  return mapGather("repeatInterleave", a, maps);
}

// ---------------------------------------------------------------------------------------------
// Tensor methods

declare module "../tensor.js" {
  interface Tensor {
    /** See {@link permute}; accepts `(0, 2, 1)` or `([0, 2, 1])`. */
    permute(...axes: (number | readonly number[])[]): Tensor;
    /** See {@link transpose}. */
    transpose(axis0?: number, axis1?: number): Tensor;
    /** See {@link t}. */
    t(): Tensor;
    /** See {@link flatten}. */
    flatten(startAxis?: number, endAxis?: number): Tensor;
    /** See {@link squeeze}. */
    squeeze(axis?: number | readonly number[]): Tensor;
    /** See {@link unsqueeze}. */
    unsqueeze(axis: number): Tensor;
    /** See {@link expand}; accepts `(2, 3)` or `([2, 3])`. */
    expand(...shape: (number | readonly number[])[]): Tensor;
    /** See {@link broadcastTo}. */
    broadcastTo(shape: readonly number[]): Tensor;
    /** `concat([this, ...others], axis)`; see {@link concat}. */
    concat(others: Tensor | readonly Tensor[], axis?: number): Tensor;
    /** `concat([this, ...others], axis)`; see {@link concat}. */
    cat(others: Tensor | readonly Tensor[], axis?: number): Tensor;
    /** `stack([this, ...others], axis)`; see {@link stack}. */
    stack(others: Tensor | readonly Tensor[], axis?: number): Tensor;
    /** See {@link split}. */
    split(sizeOrSections: number | readonly number[], axis?: number): Tensor[];
    /** See {@link chunk}. */
    chunk(chunks: number, axis?: number): Tensor[];
    /** See {@link slice}. */
    slice(axis: number, start?: number, end?: number, step?: number): Tensor;
    /** See {@link narrow}. */
    narrow(axis: number, start: number, length: number): Tensor;
    /** See {@link pad}. */
    pad(pads: readonly number[], mode?: PadMode, value?: number): Tensor;
    /** See {@link flip}. */
    flip(axes: number | readonly number[]): Tensor;
    /** See {@link roll}. */
    roll(shifts: number | readonly number[], axes?: number | readonly number[]): Tensor;
    /** See {@link repeat}; accepts `(2, 3)` or `([2, 3])`. */
    repeat(...reps: (number | readonly number[])[]): Tensor;
    /** See {@link tile}; accepts `(2, 3)` or `([2, 3])`. */
    tile(...reps: (number | readonly number[])[]): Tensor;
    /** See {@link repeatInterleave}. */
    repeatInterleave(repeats: number | readonly number[] | Tensor, axis?: number): Tensor;
  }
}

const others = (o: Tensor | readonly Tensor[]): readonly Tensor[] => (o instanceof Tensor ? [o] : o);

Tensor.prototype.permute = function (this: Tensor, ...axes: (number | readonly number[])[]) {
  return permute(this, sizesArg(axes));
};
Tensor.prototype.transpose = function (this: Tensor, axis0?: number, axis1?: number) {
  return transpose(this, axis0, axis1);
};
Tensor.prototype.t = function (this: Tensor) {
  return t(this);
};
Tensor.prototype.flatten = function (this: Tensor, startAxis?: number, endAxis?: number) {
  return flatten(this, startAxis, endAxis);
};
Tensor.prototype.squeeze = function (this: Tensor, axis?: number | readonly number[]) {
  return squeeze(this, axis);
};
Tensor.prototype.unsqueeze = function (this: Tensor, axis: number) {
  return unsqueeze(this, axis);
};
Tensor.prototype.expand = function (this: Tensor, ...shape: (number | readonly number[])[]) {
  return expand(this, sizesArg(shape));
};
Tensor.prototype.broadcastTo = function (this: Tensor, shape: readonly number[]) {
  return broadcastTo(this, shape);
};
Tensor.prototype.concat = function (this: Tensor, o: Tensor | readonly Tensor[], axis?: number) {
  return concat([this, ...others(o)], axis);
};
Tensor.prototype.cat = Tensor.prototype.concat;
Tensor.prototype.stack = function (this: Tensor, o: Tensor | readonly Tensor[], axis?: number) {
  return stack([this, ...others(o)], axis);
};
Tensor.prototype.split = function (this: Tensor, sizeOrSections: number | readonly number[], axis?: number) {
  return split(this, sizeOrSections, axis);
};
Tensor.prototype.chunk = function (this: Tensor, chunks: number, axis?: number) {
  return chunk(this, chunks, axis);
};
Tensor.prototype.slice = function (this: Tensor, axis: number, start?: number, end?: number, step?: number) {
  return slice(this, axis, start, end, step);
};
Tensor.prototype.narrow = function (this: Tensor, axis: number, start: number, length: number) {
  return narrow(this, axis, start, length);
};
Tensor.prototype.pad = function (this: Tensor, pads: readonly number[], mode?: PadMode, value?: number) {
  return pad(this, pads, mode, value);
};
Tensor.prototype.flip = function (this: Tensor, axes: number | readonly number[]) {
  return flip(this, axes);
};
Tensor.prototype.roll = function (this: Tensor, shifts: number | readonly number[], axes?: number | readonly number[]) {
  return roll(this, shifts, axes);
};
Tensor.prototype.repeat = function (this: Tensor, ...reps: (number | readonly number[])[]) {
  return repeat(this, sizesArg(reps));
};
Tensor.prototype.tile = function (this: Tensor, ...reps: (number | readonly number[])[]) {
  return tile(this, sizesArg(reps));
};
Tensor.prototype.repeatInterleave = function (
  this: Tensor,
  repeats: number | readonly number[] | Tensor,
  axis?: number,
) {
  return repeatInterleave(this, repeats, axis);
};
