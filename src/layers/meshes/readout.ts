/**
 * Readouts of the mesh models: vertex features x ∈ ℝ^{V×C} to
 *
 *   faces     y_f = (x_a + x_b + x_c) / 3             for face f = (a, b, c)
 *   edges     y_e = (x_a + x_b) / 2                   for edge e = (a, b)
 *   surface   y   = Σ_v m_v x_v / Σ_v m_v             (m = vertex areas; the plain mean without them)
 *
 * as DiffusionNet's `outputs_at` (vertices, edges, faces, global_mean).
 */
import { fmtShape, opError } from "../../tensor/errors.js";
import { div, mul } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { mean, sum } from "../../tensor/ops/reduce.js";
import { Tensor } from "../../tensor/tensor.js";

/** Where the mesh models produce outputs. */
export type MeshOutputs = "vertices" | "faces" | "edges" | "globalMean";

/** The names of {@link MeshOutputs}. */
export const MESH_OUTPUTS: readonly MeshOutputs[] = ["vertices", "faces", "edges", "globalMean"];

/** Throws naming `op` unless `v` is one of {@link MeshOutputs}. */
export function checkMeshOutputs(op: string, v: unknown): MeshOutputs {
  if (!MESH_OUTPUTS.includes(v as MeshOutputs))
    opError(op, "outputsAt", "'vertices', 'faces', 'edges' or 'globalMean'", String(v));
  return v as MeshOutputs;
}

/**
 * Averages vertex features `[V, C]` to faces (`[F, C]`, over the three corners), edges (`[E, C]`, over
 * the two ends) or the whole surface (`[1, C]`, weighted by `mass` when given); identity for vertices.
 */
export function meshReadout(
  x: Tensor,
  outputsAt: MeshOutputs,
  ctx: { mass?: Tensor | null; faces?: Tensor | null; edges?: Tensor | null },
): Tensor {
  const op = "meshReadout";
  const V = x.shape[0]!;
  const at = (name: string, idx: Tensor | null | undefined, width: number): Tensor => {
    if (!(idx instanceof Tensor) || idx.dtype !== "int32" || idx.ndim !== 2 || idx.shape[1] !== width)
      opError(
        op,
        name,
        `an int32 tensor [*, ${width}]`,
        idx instanceof Tensor ? `${idx.dtype} ${fmtShape(idx.shape)}` : String(idx),
      );
    const n = idx.shape[0]!;
    const gathered = indexSelect(x, 0, idx.reshape([n * width])).reshape([n, width, x.shape[1]!]);
    return mean(gathered, 1);
  };
  switch (outputsAt) {
    case "vertices":
      return x;
    case "faces":
      return at("faces", ctx.faces, 3);
    case "edges":
      return at("edges", ctx.edges, 2);
    case "globalMean": {
      const m = ctx.mass;
      if (m === null || m === undefined) return mean(x, 0, true);
      if (m.ndim !== 1 || m.shape[0] !== V) opError(op, "mass", `shape [${V}]`, fmtShape(m.shape));
      const w = m.dtype === x.dtype ? m : m.cast(x.dtype);
      return div(sum(mul(x, w.reshape([V, 1])), 0, true), sum(w));
    }
    default:
      return opError(op, "outputsAt", "'vertices', 'faces', 'edges' or 'globalMean'", String(outputsAt));
  }
}
