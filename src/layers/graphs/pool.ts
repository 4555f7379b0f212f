/**
 * Global readouts: one vector per graph from the node features of a batch (PyG's `global_*_pool`):
 *
 *   add:  r_g = Σ_{i ∈ g} x_i,     mean: r_g = (1/|g|) Σ_{i ∈ g} x_i,     max: r_g = max_{i ∈ g} x_i
 *
 * `batch` [N] (int32) gives the graph of each node; null means one graph. `size` is the number of
 * graphs (default max(batch) + 1). All three are invariant to permutations of the nodes.
 */
import { check, fmtShape, max, mean, scatter, sum, type Tensor } from "../../tensor/index.js";

function numGraphs(op: string, x: Tensor, batch: Tensor, size: number | null | undefined): number {
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

/** Σ of the node features of each graph: [N, F] → [B, F]. */
export function globalAddPool(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
  if (batch === null) return sum(x, 0, true);
  return scatter(x, batch, 0, numGraphs("globalAddPool", x, batch, size), "sum");
}

/** Mean of the node features of each graph: [N, F] → [B, F] (0 for empty graphs). */
export function globalMeanPool(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
  if (batch === null) return mean(x, 0, true);
  return scatter(x, batch, 0, numGraphs("globalMeanPool", x, batch, size), "mean");
}

/** Channel-wise max of the node features of each graph: [N, F] → [B, F] (0 for empty graphs). */
export function globalMaxPool(x: Tensor, batch: Tensor | null = null, size: number | null = null): Tensor {
  if (batch === null) return max(x, 0, true);
  return scatter(x, batch, 0, numGraphs("globalMaxPool", x, batch, size), "max");
}

/** Number of graphs of a batch vector (`size` when given, else max + 1; 1 for null). */
export function batchSize(x: Tensor, batch: Tensor | null, size: number | null = null): number {
  if (batch === null) return size ?? 1;
  return numGraphs("batchSize", x, batch, size);
}
