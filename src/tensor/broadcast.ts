/** Broadcasting rules (NumPy/PyTorch): align trailing axes; sizes must match or be 1. */
import { fmtShape, opError } from "./errors.js";
import { type Shape, stridesOf } from "./tensor.js";

/** The broadcast shape of `a` and `b`, or an error naming `op`. */
export function broadcastShapes(op: string, a: Shape, b: Shape, argA = "a", argB = "b"): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      opError(op, argB, `a shape broadcastable with '${argA}' ${fmtShape(a)}`, fmtShape(b));
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `inShape` viewed in the broadcast `outShape` (0 on broadcast axes). */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const s = stridesOf(inShape);
  const out = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - inShape.length;
  for (let i = 0; i < inShape.length; i++) out[off + i] = inShape[i] === 1 ? 0 : s[i]!;
  return out;
}

/** For each element of `outShape`, the flat index of the element of `inShape` broadcast onto it. */
export function broadcastIndexMap(inShape: Shape, outShape: Shape): Int32Array {
  const strides = broadcastStrides(inShape, outShape);
  let size = 1;
  for (const d of outShape) size *= d;
  const map = new Int32Array(size);
  const nd = outShape.length;
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let i = 0; i < size; i++) {
    map[i] = off;
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      off += strides[k]!;
      if (idx[k]! < outShape[k]!) break;
      off -= strides[k]! * outShape[k]!;
      idx[k] = 0;
    }
  }
  return map;
}

/** True when two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
