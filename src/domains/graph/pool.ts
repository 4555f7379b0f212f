/**
 * Global readouts over a batch of graphs: one vector per graph from the node features (PyG's
 * `global_*_pool`):
 *
 *   add:  r_g = Σ_{i ∈ g} x_i,     mean: r_g = (1/|g|) Σ_{i ∈ g} x_i,     max: r_g = max_{i ∈ g} x_i
 *
 * `batch` [N] (int32) gives the graph of each node, as in a {@link Batch}; null means one graph. `size`
 * is the number of graphs (default max(batch) + 1). All three are invariant to permutations of the
 * nodes. They live with the graph domain because every layer family that reads out graphs (the GNN
 * zoo, the set layers, the atomistic models) shares them.
 */
import { check, fmtShape } from "../../tensor/errors.js";
import { max, mean, sum } from "../../tensor/ops/reduce.js";
import { scatter } from "../../tensor/ops/scatter.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * Number of graphs of a batch vector: `size` when given, else max(batch) + 1; a null batch is one
 * graph (as PyG's readouts). Checks that `batch` is an int32 vector with one entry per row of `x`
 * (errors name `op`, the readout asking).
 */
export function batchSize(
  x: Tensor,
  batch: Tensor | null | undefined,
  size: number | null = null,
  op = "batchSize",
): number {
  if (batch === null || batch === undefined) return size ?? 1;
  check(
    batch.dtype === "int32" && batch.ndim === 1,
    op,
    "batch",
    "a 1-D int32 tensor",
    `${batch.dtype} ${fmtShape(batch.shape)}`,
  );
  check(
    batch.shape[0] === x.shape[0],
    op,
    "batch",
    `length ${x.shape[0]} (one graph id per node)`,
    fmtShape(batch.shape),
  );
  if (size !== null && size !== undefined) return size;
  const d = batch.data as Int32Array;
  let m = -1;
  for (let i = 0; i < d.length; i++) if (d[i]! > m) m = d[i]!;
  return m + 1;
}

/** The batch vector, or all zeros (one graph) for `numNodes` nodes. */
export function batchOrZeros(batch: Tensor | null | undefined, numNodes: number): Tensor {
  return batch ?? new Tensor(new Int32Array(numNodes), [numNodes], "int32");
}

/** Σ of the node features of each graph: [N, F] → [B, F]. */
export function globalAddPool(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
  if (batch === null) return sum(x, 0, true);
  return scatter(x, batch, 0, batchSize(x, batch, size, "globalAddPool"), "sum");
}

/** Mean of the node features of each graph: [N, F] → [B, F] (0 for empty graphs). */
export function globalMeanPool(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
  if (batch === null) return mean(x, 0, true);
  return scatter(x, batch, 0, batchSize(x, batch, size, "globalMeanPool"), "mean");
}

/** Channel-wise max of the node features of each graph: [N, F] → [B, F] (0 for empty graphs). */
export function globalMaxPool(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
  if (batch === null) return max(x, 0, true);
  return scatter(x, batch, 0, batchSize(x, batch, size, "globalMaxPool"), "max");
}
