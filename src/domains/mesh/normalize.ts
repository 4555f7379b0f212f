/**
 * Position normalisation of a mesh, as DiffusionNet's `normalize_positions`: translate the vertex
 * centroid to the origin, then scale so that the farthest vertex is at distance 1,
 *
 *   p'_v = (p_v − c) / max_u ‖p_u − c‖,   c = (1/V) Σ_u p_u.
 *
 * Rigid motions of the input move the output by the same rotation only (no translation), and a
 * uniform scaling of the input leaves it unchanged, so spectral operators and heat kernel signatures
 * of the normalised mesh are comparable across a data set.
 */
import { Mesh } from "./mesh.js";

/** The mesh with centred positions scaled to unit maximum radius (see the module docs). */
export function normalizePositions(mesh: Mesh): Mesh {
  const V = mesh.numVertices;
  const p = mesh.positions;
  const c = [0, 0, 0];
  for (let v = 0; v < V; v++) for (let d = 0; d < 3; d++) c[d]! += p[3 * v + d]! / V;
  let r = 0;
  for (let v = 0; v < V; v++)
    r = Math.max(r, Math.hypot(p[3 * v]! - c[0]!, p[3 * v + 1]! - c[1]!, p[3 * v + 2]! - c[2]!));
  const s = r > 0 ? 1 / r : 1;
  const out = new Float64Array(3 * V);
  for (let v = 0; v < V; v++) for (let d = 0; d < 3; d++) out[3 * v + d] = (p[3 * v + d]! - c[d]!) * s;
  return new Mesh(out, mesh.faces);
}
