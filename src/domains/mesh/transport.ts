/**
 * Discrete parallel transport and log maps on a triangle mesh, in two versions.
 *
 * **Intrinsic** (geometry-central's vertex tangent spaces): the tangent plane at p is the one-ring unfolded
 * by angle-sum normalisation. The neighbours q_0, q_1, … of p (counter-clockwise, q_0 the target of
 * `vertexHalfEdge[p]`) get the polar angles
 *
 *   φ_p(q_i) = s_p · Σ_{j<i} α_j,     s_p = 2π / Θ_p  (interior),   Θ_p = Σ_j α_j (the corner angles at p),
 *
 * and at boundary vertices s_p = 1 (s_p = 2π/Θ_p only where Θ_p > 2π), so a flat boundary is not distorted.
 * (A non-manifold vertex is treated like a boundary vertex: its fans follow each other without a gap.)
 * The Levi-Civita transport along the edge q → p rotates tangent coordinates at q into those at p by
 *
 *   g_{q→p} = φ_p(q) + π − φ_q(p):
 *
 * the direction from q towards p has angle φ_q(p) at q and continues through p with angle φ_p(q) + π.
 * Around a face (a, b, c) its holonomy is Σ_corners α_c (s_c − 1) exactly, so the holonomies of all faces
 * sum to the total angle defect Σ_v (2π − Θ_v) = 2πχ on a closed mesh (Gauss–Bonnet); around the one-ring
 * of a vertex whose neighbours are flat (Θ = 2π) it equals that vertex's angle defect.
 *
 * **Extrinsic** (projection, for any neighbour lists, point sets and coarsened meshes): angles are measured
 * in the tangent frames of `frames.ts`, θ_p(q) = atan2(⟨x_q − x_p, y_p⟩, ⟨x_q − x_p, x_p⟩), and the transport
 * rotates the frame at q by the minimal rotation taking n_q onto n_p and reads its x-axis in p's frame.
 *
 * With either version the log map of the neighbours is (r, θ) with r = ‖x_q − x_p‖ (the edge length, the
 * geodesic distance to first order) and θ the polar angle above. All angles are in (−π, π] or [0, 2π) and
 * taken modulo 2π.
 */
import { check, opError } from "../../tensor/errors.js";
import { type NeighbourLists, neighbourListsToCsr, type TangentFrames, vertexRings } from "./frames.js";
import type { Mesh } from "./mesh.js";

const TWO_PI = 2 * Math.PI;

/** Wraps an angle into (−π, π]. */
export function wrapAngle(a: number): number {
  let r = a % TWO_PI;
  if (r <= -Math.PI) r += TWO_PI;
  else if (r > Math.PI) r -= TWO_PI;
  return r;
}

/**
 * The intrinsic tangent spaces of a mesh's vertices: the one-rings of {@link vertexRings} with the
 * normalised polar angle of every neighbour (CSR, neighbours of v at `offsets[v] .. offsets[v + 1]`).
 */
export interface VertexTangentSpaces {
  readonly offsets: Int32Array;
  /** Neighbour ids, counter-clockwise from the reference neighbour. */
  readonly indices: Int32Array;
  /** Polar angle φ_v(q) of each neighbour in [0, 2π), the reference neighbour at 0. */
  readonly angles: Float64Array;
  /** Edge length to each neighbour. */
  readonly lengths: Float64Array;
  /** Θ_v, the sum of the corner angles at every vertex. */
  readonly angleSums: Float64Array;
  /** The scale s_v of the corner angles (2π/Θ_v at interior vertices). */
  readonly scales: Float64Array;
  /** 1 where the vertex is on the boundary. */
  readonly boundary: Uint8Array;
}

function angleBetween(p: Float64Array, a: number, b: number, c: number): number {
  const ux = p[3 * b]! - p[3 * a]!;
  const uy = p[3 * b + 1]! - p[3 * a + 1]!;
  const uz = p[3 * b + 2]! - p[3 * a + 2]!;
  const vx = p[3 * c]! - p[3 * a]!;
  const vy = p[3 * c + 1]! - p[3 * a + 1]!;
  const vz = p[3 * c + 2]! - p[3 * a + 2]!;
  const cx = uy * vz - uz * vy;
  const cy = uz * vx - ux * vz;
  const cz = ux * vy - uy * vx;
  return Math.atan2(Math.hypot(cx, cy, cz), ux * vx + uy * vy + uz * vz);
}

/** Builds the intrinsic tangent spaces (see {@link VertexTangentSpaces} and the module docs). */
export function vertexTangentSpaces(mesh: Mesh): VertexTangentSpaces {
  const V = mesh.numVertices;
  const pos = mesh.positions;
  const rings = vertexRings(mesh);
  const { offsets, indices, halfEdge } = rings;
  const n = indices.length;
  const angles = new Float64Array(n);
  const lengths = new Float64Array(n);
  const angleSums = new Float64Array(V);
  const scales = new Float64Array(V);
  const boundary = new Uint8Array(V);
  const corner = new Float64Array(n);
  for (let v = 0; v < V; v++) {
    const a = offsets[v]!;
    const b = offsets[v + 1]!;
    const k = b - a;
    if (k === 0) {
      scales[v] = 1;
      continue;
    }
    // corner j (between neighbours j and j + 1, cyclically) where a face spans it
    let isBoundary = false;
    let sum = 0;
    for (let j = 0; j < k; j++) {
      if (halfEdge[a + j] === -1) {
        isBoundary = true;
        corner[a + j] = 0;
        continue;
      }
      corner[a + j] = angleBetween(pos, v, indices[a + j]!, indices[a + ((j + 1) % k)]!);
      sum += corner[a + j]!;
    }
    boundary[v] = isBoundary ? 1 : 0;
    angleSums[v] = sum;
    const s = isBoundary ? (sum > TWO_PI ? TWO_PI / sum : 1) : sum > 0 ? TWO_PI / sum : 1;
    scales[v] = s;
    let acc = 0;
    for (let j = 0; j < k; j++) {
      const q = indices[a + j]!;
      angles[a + j] = s * acc;
      lengths[a + j] = Math.hypot(
        pos[3 * q]! - pos[3 * v]!,
        pos[3 * q + 1]! - pos[3 * v + 1]!,
        pos[3 * q + 2]! - pos[3 * v + 2]!,
      );
      acc += corner[a + j]!;
    }
  }
  return { offsets, indices, angles, lengths, angleSums, scales, boundary };
}

/** Angle defects 2π − Θ_v at interior vertices and π − Θ_v at boundary vertices (the discrete Gauss curvature × area). */
export function vertexAngleDefects(mesh: Mesh): Float64Array {
  const ts = vertexTangentSpaces(mesh);
  return ts.angleSums.map((s, v) => (ts.boundary[v] ? Math.PI : TWO_PI) - s);
}

/** Position of neighbour q in the CSR ring of p, or −1. */
function ringSlot(offsets: Int32Array, indices: Int32Array, p: number, q: number): number {
  for (let i = offsets[p]!; i < offsets[p + 1]!; i++) if (indices[i] === q) return i;
  return -1;
}

/**
 * Directed edges of a mesh with their log-map angles and transport, intrinsic version (module docs).
 * One edge per (neighbour q, vertex p) pair of every one-ring, grouped by target p in ring order:
 * `source[e] = q`, `target[e] = p`, `theta[e] = φ_p(q)`, `transport[e] = g_{q→p}`, `radius[e] = ‖x_q − x_p‖`.
 */
export function intrinsicConnection(mesh: Mesh): DirectedConnection {
  const ts = vertexTangentSpaces(mesh);
  const { offsets, indices, angles, lengths } = ts;
  const E = indices.length;
  const source = new Int32Array(E);
  const target = new Int32Array(E);
  const theta = new Float64Array(E);
  const transport = new Float64Array(E);
  const V = mesh.numVertices;
  for (let p = 0; p < V; p++) {
    for (let i = offsets[p]!; i < offsets[p + 1]!; i++) {
      const q = indices[i]!;
      source[i] = q;
      target[i] = p;
      theta[i] = angles[i]!;
      const j = ringSlot(offsets, indices, q, p);
      if (j < 0)
        opError(
          "intrinsicConnection",
          "mesh",
          "a manifold mesh, each edge in both one-rings (use method 'extrinsic' or repair the mesh)",
          `edge ${q}–${p} missing from the ring of ${q}`,
        );
      transport[i] = wrapAngle(angles[i]! + Math.PI - angles[j]!);
    }
  }
  return { source, target, theta, transport, radius: Float64Array.from(lengths) };
}

/** Directed edges (q → p) with their log-map polar angle at p, transport angle and length. */
export interface DirectedConnection {
  /** Source q of every directed edge. */
  readonly source: Int32Array;
  /** Target p. */
  readonly target: Int32Array;
  /** θ_pq: the polar angle of q in p's tangent space. */
  readonly theta: Float64Array;
  /** g_{q→p}: tangent coordinates at q rotated by this angle are coordinates at p. */
  readonly transport: Float64Array;
  /** ‖x_q − x_p‖. */
  readonly radius: Float64Array;
}

/**
 * Transport angle of the minimal rotation taking n_q onto n_p, read in the two frames: the frame at q is
 * rotated so that its normal becomes n_p, and the angle of its rotated x-axis in p's frame is returned.
 */
export function transportAngle(frames: TangentFrames, q: number, p: number): number {
  const { normals: n, xAxes: X, yAxes: Y } = frames;
  const nqx = n[3 * q]!;
  const nqy = n[3 * q + 1]!;
  const nqz = n[3 * q + 2]!;
  const npx = n[3 * p]!;
  const npy = n[3 * p + 1]!;
  const npz = n[3 * p + 2]!;
  const vx = X[3 * q]!;
  const vy = X[3 * q + 1]!;
  const vz = X[3 * q + 2]!;
  // k = n_q × n_p, c = n_q · n_p; R v = c v + k × v + k (k·v) / (1 + c)
  const kx = nqy * npz - nqz * npy;
  const ky = nqz * npx - nqx * npz;
  const kz = nqx * npy - nqy * npx;
  const c = nqx * npx + nqy * npy + nqz * npz;
  let rx: number;
  let ry: number;
  let rz: number;
  if (c > -1 + 1e-12) {
    const kv = (kx * vx + ky * vy + kz * vz) / (1 + c);
    rx = c * vx + (ky * vz - kz * vy) + kx * kv;
    ry = c * vy + (kz * vx - kx * vz) + ky * kv;
    rz = c * vz + (kx * vy - ky * vx) + kz * kv;
  } else {
    // opposite normals: the half-turn about q's y-axis (which is orthogonal to n_q) maps x_q to −x_q
    rx = -vx;
    ry = -vy;
    rz = -vz;
  }
  const a = rx * X[3 * p]! + ry * X[3 * p + 1]! + rz * X[3 * p + 2]!;
  const b = rx * Y[3 * p]! + ry * Y[3 * p + 1]! + rz * Y[3 * p + 2]!;
  return Math.atan2(b, a);
}

/** Polar angle of x_q − x_p in p's frame (the projection-based log map's angle). */
export function projectedAngle(positions: ArrayLike<number>, frames: TangentFrames, p: number, q: number): number {
  const ex = positions[3 * q]! - positions[3 * p]!;
  const ey = positions[3 * q + 1]! - positions[3 * p + 1]!;
  const ez = positions[3 * q + 2]! - positions[3 * p + 2]!;
  const { xAxes: X, yAxes: Y } = frames;
  return Math.atan2(
    ex * Y[3 * p]! + ey * Y[3 * p + 1]! + ez * Y[3 * p + 2]!,
    ex * X[3 * p]! + ey * X[3 * p + 1]! + ez * X[3 * p + 2]!,
  );
}

/**
 * Directed edges with the extrinsic log-map angles and transport (module docs), for the directed edges
 * `source[e] → target[e]` of any point set with frames.
 */
export function extrinsicConnection(
  positions: ArrayLike<number>,
  frames: TangentFrames,
  source: ArrayLike<number>,
  target: ArrayLike<number>,
): DirectedConnection {
  const op = "extrinsicConnection";
  const V = frames.normals.length / 3;
  check(
    positions.length === 3 * V,
    op,
    "positions",
    `length ${3 * V} ([V, 3], V from the frames)`,
    `length ${positions.length}`,
  );
  check(
    source.length === target.length,
    op,
    "target",
    `length ${source.length} (one per source)`,
    `length ${target.length}`,
  );
  const E = source.length;
  const src = new Int32Array(E);
  const dst = new Int32Array(E);
  const theta = new Float64Array(E);
  const transport = new Float64Array(E);
  const radius = new Float64Array(E);
  for (let e = 0; e < E; e++) {
    const q = source[e]!;
    const p = target[e]!;
    if (!(q >= 0 && q < V && p >= 0 && p < V && Number.isInteger(q) && Number.isInteger(p)))
      opError(op, "edges", `vertex ids in [0, ${V})`, `${q} → ${p} at edge ${e}`);
    src[e] = q;
    dst[e] = p;
    theta[e] = projectedAngle(positions, frames, p, q);
    transport[e] = transportAngle(frames, q, p);
    radius[e] = Math.hypot(
      positions[3 * q]! - positions[3 * p]!,
      positions[3 * q + 1]! - positions[3 * p + 1]!,
      positions[3 * q + 2]! - positions[3 * p + 2]!,
    );
  }
  return { source: src, target: dst, theta, transport, radius };
}

/**
 * The log map of every vertex's one-ring neighbours: geodesic polar coordinates (r, θ) per neighbour, in
 * CSR form (neighbours of v at `offsets[v] .. offsets[v + 1]`, counter-clockwise). Intrinsic by default
 * (θ = the angle-sum-normalised polar angle, zero at the reference neighbour; the frame of
 * {@link tangentFrames} points the same way); `"extrinsic"` measures θ in `frames` by projection.
 */
export function oneRingLogMap(
  mesh: Mesh,
  opts: { method?: "intrinsic" | "extrinsic"; frames?: TangentFrames } = {},
): LogMap {
  const ts = vertexTangentSpaces(mesh);
  if ((opts.method ?? "intrinsic") === "intrinsic") {
    return { offsets: ts.offsets, indices: ts.indices, radius: ts.lengths, theta: ts.angles };
  }
  if (opts.frames === undefined) opError("oneRingLogMap", "frames", "tangent frames for method 'extrinsic'", "none");
  return logMapFromNeighbours(mesh.positions, opts.frames, { offsets: ts.offsets, indices: ts.indices });
}

/** Geodesic polar coordinates of neighbours (CSR): `radius[i]`, `theta[i]` of neighbour `indices[i]`. */
export interface LogMap {
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly radius: Float64Array;
  readonly theta: Float64Array;
}

/**
 * Projection-based log map for arbitrary neighbour lists: r = ‖x_q − x_p‖ and θ = the polar angle of the
 * projection of x_q − x_p onto p's tangent plane, measured from x_p.
 */
export function logMapFromNeighbours(
  positions: ArrayLike<number>,
  frames: TangentFrames,
  neighbours: NeighbourLists,
): LogMap {
  const V = frames.normals.length / 3;
  check(
    positions.length === 3 * V,
    "logMapFromNeighbours",
    "positions",
    `length ${3 * V} ([V, 3], V from the frames)`,
    `length ${positions.length}`,
  );
  const { offsets, indices } = neighbourListsToCsr("logMapFromNeighbours", neighbours, V);
  const radius = new Float64Array(indices.length);
  const theta = new Float64Array(indices.length);
  for (let p = 0; p < V; p++) {
    for (let i = offsets[p]!; i < offsets[p + 1]!; i++) {
      const q = indices[i]!;
      theta[i] = projectedAngle(positions, frames, p, q);
      radius[i] = Math.hypot(
        positions[3 * q]! - positions[3 * p]!,
        positions[3 * q + 1]! - positions[3 * p + 1]!,
        positions[3 * q + 2]! - positions[3 * p + 2]!,
      );
    }
  }
  return { offsets, indices, radius, theta };
}

/**
 * Holonomy of the transport around a closed vertex loop v_0 → v_1 → … → v_{k−1} → v_0: the sum of the
 * transport angles of its edges, wrapped into (−π, π]. `transportOf(q, p)` gives g_{q→p}.
 */
export function loopHolonomy(loop: ArrayLike<number>, transportOf: (q: number, p: number) => number): number {
  let s = 0;
  for (let i = 0; i < loop.length; i++) s += transportOf(loop[i]!, loop[(i + 1) % loop.length]!);
  return wrapAngle(s);
}
