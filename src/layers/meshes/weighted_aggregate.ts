/**
 * The aggregation shared by the mixture-of-kernels layers (GMMConv, FeaStConv) when their mean (or sum)
 * is taken before the kernel matrices are applied:
 *
 *   a_i = ⊕_{j → i} w_ji ⊗ x_j ∈ ℝ^{K·F},   i.e.   a_i^{(k)} = Σ_{j → i} c_i w_ji^{(k)} x_j
 *
 * (c_i = 1/deg(i) for the mean, 1 for the sum), computed as K sparse-dense products with the edge
 * weights as the adjacency's values, so no `[E, K, F]` tensor is built; differentiable in the weights
 * (through the products' value gradients) and in x.
 */
import { mul } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { concat } from "../../tensor/ops/shape.js";
import { spmm } from "../../tensor/sparse.js";
import { Tensor } from "../../tensor/tensor.js";
import type { PropagateContext } from "../graphs/message_passing.js";

const degreeScales = new WeakMap<Tensor, { version: number; n: number; scale: Float64Array }>();

/** 1/deg(target) per edge, cached per target index tensor. */
function inverseDegrees(index: Tensor, numTargets: number): Float64Array {
  const hit = degreeScales.get(index);
  if (hit !== undefined && hit.version === index.version && hit.n === numTargets) return hit.scale;
  const ids = index.data as Int32Array;
  const deg = new Float64Array(numTargets);
  for (let e = 0; e < ids.length; e++) deg[ids[e]!]!++;
  const scale = new Float64Array(ids.length);
  for (let e = 0; e < ids.length; e++) scale[e] = 1 / deg[ids[e]!]!;
  degreeScales.set(index, { version: index.version, n: numTargets, scale });
  return scale;
}

/**
 * `[numTargets, K·F]` (column k·F + f) from per-edge weights `w [E, K]` and source features `x [N, F]`
 * over the edges of `ctx` (see the module docs); `mean` divides by each target's in-degree.
 */
export function weightedAggregate(ctx: PropagateContext, w: Tensor, x: Tensor, mean: boolean): Tensor {
  const E = w.shape[0]!;
  const K = w.shape[1]!;
  let cols = w.t();
  if (mean) {
    const s = inverseDegrees(ctx.edgeIndexI, ctx.sizeI);
    const scale = new Tensor(w.dtype === "float64" ? Float64Array.from(s) : Float32Array.from(s), [1, E], w.dtype);
    cols = mul(cols, scale);
  }
  const parts: Tensor[] = [];
  for (let k = 0; k < K; k++) {
    // one row of the [K, E] weights (a row gather: a contiguous copy, and a row scatter backward)
    const row = indexSelect(cols, 0, new Tensor(Int32Array.of(k), [1], "int32")).reshape([E]);
    parts.push(spmm(ctx.adjacency(row), x));
  }
  return K === 1 ? parts[0]! : concat(parts, 1);
}
