/**
 * What the grid ops (convolution, pooling, interpolation) share: per-axis integer arguments, batched
 * `[N, C, *spatial]` inputs, and separable linear maps recorded with their adjoints (average pooling
 * and interpolation apply one sparse map per spatial axis; `kernels/ref/resample.ts` holds the loops).
 */
import { volume } from "../../kernels/ref/im2col.js";
import type { FloatArray } from "../../kernels/ref/linalg.js";
import { type AxisMap, applyAxisMap, transposeAxisMap } from "../../kernels/ref/resample.js";
import { record } from "../autograd.js";
import { allocate, isFloat } from "../dtype.js";
import { fmtShape, opError } from "../errors.js";
import { Tensor } from "../tensor.js";

/** An integer, or one integer per spatial axis. */
export type IntOrTuple = number | readonly number[];

/** One integer ≥ `min` per spatial axis, from an integer or a list of D (`dflt` when undefined). */
export function tupleArg(
  op: string,
  arg: string,
  v: IntOrTuple | undefined,
  D: number,
  dflt: number,
  min: number,
): number[] {
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

function spatialNames(D: number): string {
  return D === 1 ? "L" : D === 2 ? "H, W" : "D, H, W";
}

/** Checks `x` is [N, C, *S] (or unbatched [C, *S]); returns it batched and whether it was unbatched. */
export function batched(op: string, x: Tensor, D: number): { x: Tensor; unbatched: boolean } {
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

/** Checks `t` is float32 or float64. */
export function checkFloat(op: string, arg: string, t: Tensor): void {
  if (!isFloat(t.dtype)) opError(op, arg, "dtype float32 or float64", t.dtype);
}

/** Applies one map per trailing axis (maps[i] acts on axis ndim − maps.length + i). Recorded. */
export function separable(
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
    applyAxisMap(cur, outer, inner, m, next);
    cur = next;
  }
  const out = new Tensor(cur === x.data ? (cur.slice() as FloatArray) : cur, shape, x.dtype);
  return record(name, [x], out, (g) => {
    const t = transposed ?? maps.map(transposeAxisMap);
    return [separable(`${name}Backward`, g, t, maps)];
  });
}
