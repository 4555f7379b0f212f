/**
 * Per-vertex tangent frames: the gauge of a surface. At every vertex p a right-handed orthonormal frame
 * (x_p, y_p, n_p) with
 *
 *   n_p = normalised area-weighted vertex normal,
 *   x_p = normalise((I − n_p n_pᵀ)(v_ref − v_p))     (v_ref: the vertex's reference neighbour),
 *   y_p = n_p × x_p,
 *
 * so that x_p × y_p = n_p. On a mesh the reference neighbour is the target of `vertexHalfEdge[p]` (for a
 * boundary vertex its boundary half-edge, so the frame starts where the walk around the vertex starts).
 * When that projection is degenerate (edge parallel to the normal, zero length), the next neighbours in
 * order are tried, then the coordinate axis least aligned with n_p. Vertices without a normal (isolated,
 * or only degenerate faces) get n = e_z. The frames are a *choice* (a gauge); gauge-equivariant layers do
 * not depend on it, only on the angles measured in it.
 */
import { check, ErlangenError, opError } from "../../tensor/errors.js";
import type { Mesh } from "./mesh.js";

/** A tangent frame per vertex: three `[V, 3]` row-major float64 arrays, orthonormal and right-handed. */
export interface TangentFrames {
  /** Unit normals n_p. */
  readonly normals: Float64Array;
  /** First tangent axis x_p (unit, orthogonal to n_p). */
  readonly xAxes: Float64Array;
  /** Second tangent axis y_p = n_p × x_p. */
  readonly yAxes: Float64Array;
}

/** Options of {@link tangentFrames}. */
export interface TangentFramesOptions {
  /** Normals `[V, 3]` to use instead of the mesh's area-weighted vertex normals (normalised here). */
  normals?: ArrayLike<number>;
}

/**
 * Neighbour lists of a point set: either a list of lists, or CSR arrays where the neighbours of point p
 * are `indices[offsets[p] .. offsets[p + 1])`. The first usable neighbour of each list is its reference.
 */
export type NeighbourLists =
  | readonly ArrayLike<number>[]
  | { readonly offsets: ArrayLike<number>; readonly indices: ArrayLike<number> };

/** Relative length below which a projected reference edge counts as degenerate. */
const DEGENERATE = 1e-9;

/**
 * The one-rings of {@link Mesh.oneRings} (neighbours counter-clockwise around the normal, starting at the
 * target of `vertexHalfEdge[v]`; boundary vertices end with their other boundary neighbour; the fans of a
 * non-manifold vertex one after the other), with the faces between consecutive neighbours: `halfEdge[i]`
 * is the half-edge v → indices[i] of the face (v, indices[i], indices[i + 1]) (cyclically), or −1 where no
 * face spans that corner (after the last neighbour of a boundary vertex, between two fans). CSR: the
 * neighbours of v are `indices[offsets[v] .. offsets[v + 1])`.
 */
export function vertexRings(mesh: Mesh): { offsets: Int32Array; indices: Int32Array; halfEdge: Int32Array } {
  const V = mesh.numVertices;
  const { vertex, next } = mesh.halfEdges;
  const { ptr, index } = mesh.oneRings();
  const H = vertex.length;
  // outgoing half-edges grouped by origin
  const outPtr = new Int32Array(V + 1);
  for (let h = 0; h < H; h++) outPtr[vertex[h]! + 1]!++;
  for (let v = 0; v < V; v++) outPtr[v + 1]! += outPtr[v]!;
  const fill = outPtr.slice(0, V);
  const out = new Int32Array(H);
  for (let h = 0; h < H; h++) out[fill[vertex[h]!]!++] = h;
  const halfEdge = new Int32Array(index.length).fill(-1);
  for (let v = 0; v < V; v++) {
    const a = ptr[v]!;
    const k = ptr[v + 1]! - a;
    for (let i = 0; i < k; i++) {
      const q = index[a + i]!;
      const r = index[a + ((i + 1) % k)]!;
      for (let j = outPtr[v]!; j < outPtr[v + 1]!; j++) {
        const h = out[j]!;
        const n = next[h]!;
        if (vertex[n] === q && vertex[next[n]!] === r) {
          halfEdge[a + i] = h;
          break;
        }
      }
    }
  }
  return { offsets: ptr, indices: index, halfEdge };
}

/**
 * Tangent frames of a mesh (see the module docs). `normals` may be given to override the area-weighted
 * vertex normals. The reference direction x_p is the projected edge to the target of
 * `mesh.halfEdges.vertexHalfEdge[p]`, falling back along the vertex's ring when degenerate.
 */
export function tangentFrames(mesh: Mesh, opts: TangentFramesOptions = {}): TangentFrames {
  const V = mesh.numVertices;
  let normals: Float64Array;
  if (opts.normals !== undefined) {
    check(
      opts.normals.length === 3 * V,
      "tangentFrames",
      "normals",
      `length ${3 * V} ([V, 3])`,
      `length ${opts.normals.length}`,
    );
    normals = Float64Array.from(opts.normals);
  } else {
    normals = Float64Array.from(mesh.vertexNormals());
  }
  const rings = vertexRings(mesh);
  return framesFrom("tangentFrames", mesh.positions, normals, rings.offsets, rings.indices, opts.normals !== undefined);
}

/**
 * Tangent frames of a point set (or a coarsened mesh) from positions `[V, 3]`, normals `[V, 3]` (normalised
 * here; each must be non-zero and finite) and neighbour lists: x_p is the projection of the edge to the
 * first neighbour whose projection is non-degenerate, else the coordinate axis least aligned with n_p.
 */
export function tangentFramesFromNeighbours(
  positions: ArrayLike<number>,
  normals: ArrayLike<number>,
  neighbours: NeighbourLists,
): TangentFrames {
  const op = "tangentFramesFromNeighbours";
  check(
    positions.length % 3 === 0,
    op,
    "positions",
    "a length divisible by 3 ([V, 3] flat)",
    `length ${positions.length}`,
  );
  const V = positions.length / 3;
  check(normals.length === 3 * V, op, "normals", `length ${3 * V} ([V, 3])`, `length ${normals.length}`);
  const { offsets, indices } = neighbourListsToCsr(op, neighbours, V);
  return framesFrom(op, Float64Array.from(positions), Float64Array.from(normals), offsets, indices, true);
}

/** Normalises a neighbour list into CSR arrays, checking every index. */
export function neighbourListsToCsr(
  op: string,
  neighbours: NeighbourLists,
  V: number,
): { offsets: Int32Array; indices: Int32Array } {
  let offsets: Int32Array;
  let indices: Int32Array;
  if ("offsets" in neighbours && "indices" in neighbours && !Array.isArray(neighbours)) {
    const nb = neighbours as { readonly offsets: ArrayLike<number>; readonly indices: ArrayLike<number> };
    check(nb.offsets.length === V + 1, op, "neighbours.offsets", `length ${V + 1}`, `length ${nb.offsets.length}`);
    offsets = Int32Array.from(nb.offsets);
    indices = Int32Array.from(nb.indices);
    check(
      offsets[0] === 0 && offsets[V] === indices.length,
      op,
      "neighbours.offsets",
      `0 … ${indices.length}`,
      `${offsets[0]} … ${offsets[V]}`,
    );
    for (let v = 0; v < V; v++) {
      if (offsets[v + 1]! < offsets[v]!)
        opError(op, "neighbours.offsets", "non-decreasing offsets", `a decrease at ${v}`);
    }
  } else {
    const lists = neighbours as readonly ArrayLike<number>[];
    check(lists.length === V, op, "neighbours", `${V} lists (one per point)`, `${lists.length}`);
    offsets = new Int32Array(V + 1);
    for (let v = 0; v < V; v++) offsets[v + 1] = offsets[v]! + lists[v]!.length;
    indices = new Int32Array(offsets[V]!);
    let k = 0;
    for (const l of lists) for (let i = 0; i < l.length; i++) indices[k++] = l[i]!;
  }
  for (let i = 0; i < indices.length; i++) {
    const q = indices[i]!;
    if (q < 0 || q >= V) opError(op, "neighbours", `indices in [0, ${V})`, `${q} at position ${i}`);
  }
  return { offsets, indices };
}

function framesFrom(
  op: string,
  pos: Float64Array,
  normals: Float64Array,
  offsets: Int32Array,
  indices: Int32Array,
  strictNormals: boolean,
): TangentFrames {
  const V = pos.length / 3;
  const xAxes = new Float64Array(3 * V);
  const yAxes = new Float64Array(3 * V);
  for (let p = 0; p < V; p++) {
    let nx = normals[3 * p]!;
    let ny = normals[3 * p + 1]!;
    let nz = normals[3 * p + 2]!;
    const nl = Math.hypot(nx, ny, nz);
    if (!(nl > 0) || !Number.isFinite(nl)) {
      if (strictNormals) {
        throw new ErlangenError(
          `${op}: argument 'normals' expected a non-zero finite normal, got (${nx}, ${ny}, ${nz}) at vertex ${p}`,
        );
      }
      nx = 0;
      ny = 0;
      nz = 1;
    } else {
      nx /= nl;
      ny /= nl;
      nz /= nl;
    }
    normals[3 * p] = nx;
    normals[3 * p + 1] = ny;
    normals[3 * p + 2] = nz;
    let tx = 0;
    let ty = 0;
    let tz = 0;
    let found = false;
    for (let i = offsets[p]!; i < offsets[p + 1]! && !found; i++) {
      const q = indices[i]!;
      const ex = pos[3 * q]! - pos[3 * p]!;
      const ey = pos[3 * q + 1]! - pos[3 * p + 1]!;
      const ez = pos[3 * q + 2]! - pos[3 * p + 2]!;
      const el = Math.hypot(ex, ey, ez);
      const d = ex * nx + ey * ny + ez * nz;
      tx = ex - d * nx;
      ty = ey - d * ny;
      tz = ez - d * nz;
      const tl = Math.hypot(tx, ty, tz);
      if (el > 0 && tl > DEGENERATE * el) {
        tx /= tl;
        ty /= tl;
        tz /= tl;
        found = true;
      }
    }
    if (!found) {
      // the coordinate axis least aligned with n, projected
      const ax = Math.abs(nx);
      const ay = Math.abs(ny);
      const az = Math.abs(nz);
      const a = ax <= ay && ax <= az ? [1, 0, 0] : ay <= az ? [0, 1, 0] : [0, 0, 1];
      const d = a[0]! * nx + a[1]! * ny + a[2]! * nz;
      tx = a[0]! - d * nx;
      ty = a[1]! - d * ny;
      tz = a[2]! - d * nz;
      const tl = Math.hypot(tx, ty, tz);
      tx /= tl;
      ty /= tl;
      tz /= tl;
    }
    xAxes[3 * p] = tx;
    xAxes[3 * p + 1] = ty;
    xAxes[3 * p + 2] = tz;
    yAxes[3 * p] = ny * tz - nz * ty;
    yAxes[3 * p + 1] = nz * tx - nx * tz;
    yAxes[3 * p + 2] = nx * ty - ny * tx;
  }
  return { normals, xAxes, yAxes };
}
