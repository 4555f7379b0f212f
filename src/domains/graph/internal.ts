/** Row helpers on typed arrays shared by the graph and data modules (not part of the public API). */
import { allocate } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";

/** Elements per row (product of the axes after the first). */
export function rowSize(t: Tensor): number {
  let s = 1;
  for (let i = 1; i < t.ndim; i++) s *= t.shape[i]!;
  return s;
}

/** Rows `idx` of `t` (along axis 0), as a new tensor. */
export function takeRows(t: Tensor, idx: ArrayLike<number>): Tensor {
  const F = rowSize(t);
  const out = allocate(t.dtype, idx.length * F);
  const d = t.data;
  for (let i = 0; i < idx.length; i++) {
    const s = idx[i]! * F;
    if (F === 1) out[i] = d[s]!;
    else out.set(d.subarray(s, s + F), i * F);
  }
  return new Tensor(out, [idx.length, ...t.shape.slice(1)], t.dtype);
}

/** Concatenates tensors along axis 0 (same dtype and trailing shape). */
export function catRows(ts: readonly Tensor[]): Tensor {
  const t0 = ts[0]!;
  let n = 0;
  for (const t of ts) n += t.shape[0]!;
  const out = allocate(t0.dtype, n * rowSize(t0));
  let off = 0;
  for (const t of ts) {
    out.set(t.dtype === t0.dtype ? t.data : t.cast(t0.dtype).data, off);
    off += t.size;
  }
  return new Tensor(out, [n, ...t0.shape.slice(1)], t0.dtype);
}
