/**
 * Pseudo-coordinates u_ji of the edges j → i of a graph, the edge inputs of MoNet-style layers
 * (`GMMConv`, Monti et al. 2017): the position of the source j relative to the target i,
 *
 *   Cartesian     u_ji = (p_j − p_i) / (2 m) + ½                 m = max |component| (PyG's `Cartesian`)
 *   polar (2-D)   u_ji = (‖p_i − p_j‖ / ρ_max, θ / 2π)            θ = atan2 of p_i − p_j (PyG's `Polar`)
 *   local polar   u_ji = (ρ_ji / ρ_max, θ_ji / 2π)                the intrinsic version on a mesh:
 *                 (ρ_ji cos θ_ji, ρ_ji sin θ_ji) = ((p_j − p_i)·x_i, (p_j − p_i)·y_i)
 *
 * with θ ∈ [0, 2π) (the reference neighbour of each vertex, on its frame's x axis, at θ = 0 exactly;
 * angles within 1e-12 of it are snapped to 0 so that round-off does not move it to 2π). The local polar coordinates write the neighbour's offset in the tangent frame
 * (x_i, y_i) of the target vertex, projected into its tangent plane. With {@link tangentFrames} (x
 * toward each vertex's reference neighbour) they are invariant to rigid motions of the mesh and, on
 * a one-ring, approximate the geodesic polar coordinates of the log map up to the projection. The
 * raw values come from {@link localPolarCoordinates}; the `*PseudoCoords` functions return tensors
 * `[E, D]` ready for a layer.
 */
import type { DType } from "../../tensor/dtype.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { type TangentFrames, tangentFrames } from "./frames.js";
import type { Mesh } from "./mesh.js";

/** Options of the normalised pseudo-coordinates. */
export interface PseudoCoordsOptions {
  /** Map to [0, 1] as PyG does (default true). */
  norm?: boolean;
  /** Normalise by this value instead of the largest one found (default: the largest). */
  maxValue?: number | null;
  /** dtype of the result (default float32). */
  dtype?: "float32" | "float64";
}

function edgeRowsOf(op: string, edgeIndex: Tensor): { src: Int32Array; dst: Int32Array; E: number } {
  if (!(edgeIndex instanceof Tensor) || edgeIndex.dtype !== "int32" || edgeIndex.ndim !== 2 || edgeIndex.shape[0] !== 2)
    opError(
      op,
      "edgeIndex",
      "an int32 tensor [2, E]",
      edgeIndex instanceof Tensor ? `${edgeIndex.dtype} ${fmtShape(edgeIndex.shape)}` : typeof edgeIndex,
    );
  const E = edgeIndex.shape[1]!;
  const d = edgeIndex.data as Int32Array;
  return { src: d.subarray(0, E), dst: d.subarray(E, 2 * E), E };
}

function checkIds(op: string, ids: Int32Array, n: number, name: string): void {
  for (let e = 0; e < ids.length; e++) {
    const v = ids[e]!;
    if (v < 0 || v >= n) opError(op, name, `node ids in [0, ${n})`, `${v} at edge ${e}`);
  }
}

function toTensor(a: Float64Array, shape: number[], dtype: DType): Tensor {
  return new Tensor(dtype === "float64" ? a : Float32Array.from(a), shape, dtype);
}

/**
 * PyG's `Cartesian`: u_ji = p_j − p_i per edge (source minus target), mapped to [0, 1] by
 * u / (2 m) + ½ with m the largest absolute component (or `maxValue`). `pos` is `[N, d]` flat.
 */
export function cartesianPseudoCoords(
  pos: ArrayLike<number>,
  dim: number,
  edgeIndex: Tensor,
  opts: PseudoCoordsOptions = {},
): Tensor {
  const op = "cartesianPseudoCoords";
  if (!Number.isInteger(dim) || dim < 1 || pos.length % dim !== 0)
    opError(op, "dim", `a positive integer dividing pos.length (${pos.length})`, String(dim));
  const { src, dst, E } = edgeRowsOf(op, edgeIndex);
  const N = pos.length / dim;
  checkIds(op, src, N, "edgeIndex[0]");
  checkIds(op, dst, N, "edgeIndex[1]");
  const out = new Float64Array(E * dim);
  let m = 0;
  for (let e = 0; e < E; e++)
    for (let d = 0; d < dim; d++) {
      const v = pos[src[e]! * dim + d]! - pos[dst[e]! * dim + d]!;
      out[e * dim + d] = v;
      m = Math.max(m, Math.abs(v));
    }
  if (opts.norm ?? true) {
    const mx = opts.maxValue ?? m;
    if (mx > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / (2 * mx) + 0.5;
  }
  return toTensor(out, [E, dim], opts.dtype ?? "float32");
}

/**
 * PyG's `Polar` on 2-D positions `[N, 2]` flat: ρ = ‖p_i − p_j‖ and θ = atan2 of p_i − p_j in
 * [0, 2π), normalised to (ρ / ρ_max, θ / 2π) (target minus source, as PyG).
 */
export function polarPseudoCoords(pos: ArrayLike<number>, edgeIndex: Tensor, opts: PseudoCoordsOptions = {}): Tensor {
  const op = "polarPseudoCoords";
  if (pos.length % 2 !== 0) opError(op, "pos", "2-D positions [N, 2]", `length ${pos.length}`);
  const { src, dst, E } = edgeRowsOf(op, edgeIndex);
  const N = pos.length / 2;
  checkIds(op, src, N, "edgeIndex[0]");
  checkIds(op, dst, N, "edgeIndex[1]");
  const rho = new Float64Array(E);
  const theta = new Float64Array(E);
  for (let e = 0; e < E; e++) {
    const dx = pos[2 * dst[e]!]! - pos[2 * src[e]!]!;
    const dy = pos[2 * dst[e]! + 1]! - pos[2 * src[e]! + 1]!;
    rho[e] = Math.hypot(dx, dy);
    const t = Math.atan2(dy, dx);
    theta[e] = t < 0 ? t + 2 * Math.PI : t;
  }
  return normalisedPolar(rho, theta, opts);
}

function normalisedPolar(rho: Float64Array, theta: Float64Array, opts: PseudoCoordsOptions): Tensor {
  const E = rho.length;
  const out = new Float64Array(2 * E);
  let m = 0;
  for (let e = 0; e < E; e++) m = Math.max(m, rho[e]!);
  const norm = opts.norm ?? true;
  const rmax = opts.maxValue ?? m;
  for (let e = 0; e < E; e++) {
    out[2 * e] = norm && rmax > 0 ? rho[e]! / rmax : rho[e]!;
    out[2 * e + 1] = norm ? theta[e]! / (2 * Math.PI) : theta[e]!;
  }
  return toTensor(out, [E, 2], opts.dtype ?? "float32");
}

/** Raw local polar coordinates of edges: ρ ≥ 0 and θ ∈ [0, 2π) (θ = 0 where ρ = 0). */
export interface LocalPolar {
  rho: Float64Array;
  theta: Float64Array;
}

/**
 * The local polar coordinates (ρ_ji, θ_ji) of the source j of every edge j → i in the tangent frame
 * of the target i: ρ cos θ = (p_j − p_i)·x_i, ρ sin θ = (p_j − p_i)·y_i (see the module docs).
 * Frames default to {@link tangentFrames}.
 */
export function localPolarCoordinates(mesh: Mesh, edgeIndex: Tensor, frames?: TangentFrames): LocalPolar {
  const op = "localPolarCoordinates";
  const { src, dst, E } = edgeRowsOf(op, edgeIndex);
  const V = mesh.numVertices;
  checkIds(op, src, V, "edgeIndex[0]");
  checkIds(op, dst, V, "edgeIndex[1]");
  const f = frames ?? tangentFrames(mesh);
  if (f.xAxes.length !== 3 * V || f.yAxes.length !== 3 * V)
    opError(op, "frames", `axes of length ${3 * V} ([V, 3])`, `${f.xAxes.length} and ${f.yAxes.length}`);
  const p = mesh.positions;
  const rho = new Float64Array(E);
  const theta = new Float64Array(E);
  for (let e = 0; e < E; e++) {
    const i = dst[e]!;
    const j = src[e]!;
    const dx = p[3 * j]! - p[3 * i]!;
    const dy = p[3 * j + 1]! - p[3 * i + 1]!;
    const dz = p[3 * j + 2]! - p[3 * i + 2]!;
    const u = dx * f.xAxes[3 * i]! + dy * f.xAxes[3 * i + 1]! + dz * f.xAxes[3 * i + 2]!;
    const v = dx * f.yAxes[3 * i]! + dy * f.yAxes[3 * i + 1]! + dz * f.yAxes[3 * i + 2]!;
    rho[e] = Math.hypot(u, v);
    // the reference neighbour lies on the x axis: keep its angle at 0 rather than at 0 or 2π by round-off
    const t = rho[e]! > 0 && !(u > 0 && Math.abs(v) <= 1e-12 * rho[e]!) ? Math.atan2(v, u) : 0;
    theta[e] = t < 0 ? t + 2 * Math.PI : t;
  }
  return { rho, theta };
}

/**
 * {@link localPolarCoordinates} normalised as PyG's `Polar`: `[E, 2]` = (ρ / ρ_max, θ / 2π), the
 * intrinsic pseudo-coordinates of MoNet on a mesh.
 */
export function localPolarPseudoCoords(
  mesh: Mesh,
  edgeIndex: Tensor,
  opts: PseudoCoordsOptions & { frames?: TangentFrames } = {},
): Tensor {
  const { rho, theta } = localPolarCoordinates(mesh, edgeIndex, opts.frames);
  return normalisedPolar(rho, theta, opts);
}
