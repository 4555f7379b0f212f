/**
 * Helpers shared by the graph-domain modules (not part of the public API): edge-index preparation
 * and argument checks, and row selection / concatenation of per-edge tensors (differentiable for
 * float tensors, plain copies for the others).
 */
import { allocate, isFloat } from "../../tensor/dtype.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { indexSelect, intTensor } from "../../tensor/ops/indexing.js";
import { concat } from "../../tensor/ops/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkEdgeIndex } from "./graph.js";

/** Largest id + 1 of an edge index (0 for an empty index), or `numNodes` when given. */
export function maybeNumNodes(edgeIndex: Tensor, numNodes?: number): number {
  if (numNodes !== undefined) return numNodes;
  let m = -1;
  const d = edgeIndex.data;
  for (let i = 0; i < d.length; i++) if (d[i]! > m) m = d[i]!;
  return m + 1;
}

/**
 * Checks an edge index and `numNodes` (ids in [0, numNodes); numNodes defaults to max id + 1) and
 * returns views of its rows with the edge and node counts.
 */
export function prepEdges(
  op: string,
  edgeIndex: Tensor,
  numNodes?: number,
): { src: Int32Array; dst: Int32Array; E: number; N: number } {
  checkEdgeIndex(op, edgeIndex);
  if (numNodes !== undefined && (!Number.isInteger(numNodes) || numNodes < 0))
    opError(op, "numNodes", "a non-negative integer", String(numNodes));
  const N = maybeNumNodes(edgeIndex, numNodes);
  checkEdgeIndex(op, edgeIndex, N);
  const E = edgeIndex.shape[1]!;
  const d = edgeIndex.data as Int32Array;
  return { src: d.subarray(0, E), dst: d.subarray(E, 2 * E), E, N };
}

/** Checks that a per-edge tensor has one row per edge (null and undefined pass as null). */
export function checkEdgeAttr(
  op: string,
  edgeAttr: Tensor | null | undefined,
  E: number,
  arg = "edgeAttr",
): Tensor | null {
  if (edgeAttr === null || edgeAttr === undefined) return null;
  if (edgeAttr.ndim === 0 || edgeAttr.shape[0] !== E)
    opError(op, arg, `${E} rows (one per edge)`, `shape ${fmtShape(edgeAttr.shape)}`);
  return edgeAttr;
}

/** Rows `idx` of `t`: a recorded gather for float tensors (gradients flow to `t`), a copy otherwise. */
export function selectRows(t: Tensor, idx: ArrayLike<number>): Tensor {
  if (!isFloat(t.dtype)) return takeRows(t, idx);
  return indexSelect(t, 0, intTensor(Int32Array.from(idx)));
}

/** Rows of `ts` one after the other: a recorded concatenation for float tensors, a copy otherwise. */
export function concatRows(ts: readonly Tensor[]): Tensor {
  return ts.every((t) => isFloat(t.dtype) && t.dtype === ts[0]!.dtype) ? concat([...ts], 0) : catRows(ts);
}

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
