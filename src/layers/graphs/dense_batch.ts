/**
 * Dense batching of sets/graphs (PyG's `to_dense_batch`): the rows of `x` [N, F] grouped by `batch`
 * become a padded tensor [B, N_max, F] with a boolean mask [B, N_max] of real entries. Rows keep
 * their relative order within each graph. Differentiable in `x`.
 */
import { check, fmtShape } from "../../tensor/errors.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { scatter } from "../../tensor/ops/scatter.js";
import { Tensor } from "../../tensor/tensor.js";

/** The padded batch and its mask. */
export interface DenseBatch {
  /** [B, N_max, ...] (padding filled with `fillValue`). */
  x: Tensor;
  /** [B, N_max] bool: true at real rows. */
  mask: Tensor;
  /** Flat position (b·N_max + slot) of every input row, [N] int32 (to scatter back with {@link fromDenseBatch}). */
  index: Tensor;
}

/**
 * Pads the rows of `x` per graph of `batch` (int32 [N]; null: one graph).
 * @param batchSize - number of graphs (default max(batch) + 1).
 * @param maxNumNodes - N_max (default: the largest graph).
 */
export function toDenseBatch(
  x: Tensor,
  batch: Tensor | null = null,
  opts: { fillValue?: number; batchSize?: number | null; maxNumNodes?: number | null } = {},
): DenseBatch {
  check(x.ndim >= 1, "toDenseBatch", "x", "at least one axis", fmtShape(x.shape));
  const N = x.shape[0]!;
  let b: Int32Array;
  if (batch === null) b = new Int32Array(N);
  else {
    check(
      batch.dtype === "int32" && batch.ndim === 1 && batch.shape[0] === N,
      "toDenseBatch",
      "batch",
      `an int32 tensor of shape [${N}]`,
      `${batch.dtype} ${fmtShape(batch.shape)}`,
    );
    b = batch.data as Int32Array;
  }
  let B = opts.batchSize ?? 0;
  if (opts.batchSize === undefined || opts.batchSize === null) for (let i = 0; i < N; i++) B = Math.max(B, b[i]! + 1);
  if (batch === null && N === 0) B = Math.max(B, 1);
  const count = new Int32Array(B);
  const slot = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const g = b[i]!;
    check(g >= 0 && g < B, "toDenseBatch", "batch", `graph ids in [0, ${B})`, `${g} at ${i}`);
    slot[i] = count[g]!++;
  }
  let M = opts.maxNumNodes ?? 0;
  if (opts.maxNumNodes === undefined || opts.maxNumNodes === null) for (const c of count) M = Math.max(M, c);
  const idx = new Int32Array(N);
  const mask = new Uint8Array(B * M);
  for (let i = 0; i < N; i++) {
    check(slot[i]! < M, "toDenseBatch", "maxNumNodes", `at least ${slot[i]! + 1} (a graph is larger)`, String(M));
    idx[i] = b[i]! * M + slot[i]!;
    mask[idx[i]!] = 1;
  }
  const index = new Tensor(idx, [N], "int32");
  let out = scatter(x, index, 0, B * M, "sum");
  const fill = opts.fillValue ?? 0;
  if (fill !== 0) {
    const pad = new Tensor(
      new (x.dtype === "float64" ? Float64Array : Float32Array)(B * M),
      [B * M, ...new Array<number>(x.ndim - 1).fill(1)],
      x.dtype,
    );
    for (let k = 0; k < B * M; k++) if (!mask[k]) pad.data[k] = fill;
    out = out.add(pad);
  }
  return { x: out.reshape(B, M, ...x.shape.slice(1)), mask: new Tensor(mask, [B, M], "bool"), index };
}

/** The rows of a padded batch [B, N_max, ...] at the flat positions `index` (from {@link toDenseBatch}): [N, ...]. */
export function fromDenseBatch(dense: Tensor, index: Tensor): Tensor {
  check(dense.ndim >= 2, "fromDenseBatch", "dense", "shape [B, N_max, ...]", fmtShape(dense.shape));
  const flat = dense.reshape(dense.shape[0]! * dense.shape[1]!, ...dense.shape.slice(2));
  return indexSelect(flat, 0, index);
}
