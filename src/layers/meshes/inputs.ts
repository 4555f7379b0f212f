/**
 * Input features of the mesh models, computed per mesh (normalise the mesh first, see
 * `normalizePositions`):
 *
 *   xyz   x_v = p_v                                            positions `[V, 3]`
 *   hks   x_v(t) = Σ_j e^{−λ_j t} φ_j(v)²,  t ∈ logspace(−2, 0, T)   heat kernel signature `[V, T]`
 *
 * as DiffusionNet (16 times log-spaced in [10⁻², 1] on meshes scaled to unit radius). The HKS is
 * intrinsic (invariant to rigid motions and, up to discretisation, to isometric bending); xyz is not.
 */
import { heatKernelSignature, logspace } from "../../domains/mesh/descriptors.js";
import type { MeshEigenbasis } from "../../domains/mesh/eigenbasis.js";
import type { Mesh } from "../../domains/mesh/mesh.js";
import { floatTensor } from "../../domains/mesh/tensors.js";
import { opError } from "../../tensor/errors.js";
import type { Tensor } from "../../tensor/tensor.js";

/** Input features of the mesh models: `xyz` (positions) or `hks` (heat kernel signature). */
export type MeshInput = "xyz" | "hks";

/** Throws naming `op` unless `basis` holds at least `k` eigenpairs of the V-vertex `mesh`. */
export function checkMeshBasis(op: string, mesh: Mesh, k: number, basis: MeshEigenbasis | undefined): MeshEigenbasis {
  const V = mesh.numVertices;
  if (basis === undefined) return opError(op, "basis", "a precomputed eigenbasis", "none");
  const kb = basis.values.length;
  if (kb < k) opError(op, "basis", `at least k = ${k} eigenpairs`, `${kb}`);
  if (basis.vectors.length !== V * kb)
    opError(op, "basis.vectors", `length ${V * kb} ([V, k])`, `${basis.vectors.length}`);
  if (basis.mass.length !== V) opError(op, "basis.mass", `length ${V}`, `${basis.mass.length}`);
  return basis;
}

/** DiffusionNet's HKS times: `count` values log-spaced in [10⁻², 1] (`logspace(−2, 0, count)`). */
export function diffusionNetHksTimes(count = 16): Float64Array {
  return logspace(-2, 0, count);
}

/**
 * The input features of a mesh (see the module docs): `xyz` `[V, 3]`, or `hks` `[V, hksCount]`
 * (default 16 times; `heatKernelSignature` at `logspace(−2, 0, T)`) from `basis`.
 */
export function meshInputs(
  mesh: Mesh,
  kind: MeshInput,
  opts: { basis?: MeshEigenbasis; hksCount?: number; dtype?: "float32" | "float64" } = {},
): Tensor {
  const op = "meshInputs";
  const V = mesh.numVertices;
  const dtype = opts.dtype ?? "float32";
  if (kind === "xyz") return floatTensor(mesh.positions, [V, 3], dtype);
  if (kind !== "hks") return opError(op, "kind", "'xyz' or 'hks'", String(kind));
  const basis = checkMeshBasis(op, mesh, 1, opts.basis);
  const T = opts.hksCount ?? 16;
  const out = heatKernelSignature(basis, diffusionNetHksTimes(T));
  return floatTensor(out, [V, T], dtype);
}
