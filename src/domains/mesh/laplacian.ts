/**
 * The cotangent Laplacian and the lumped mass matrix of a triangle mesh, in float64.
 *
 * `L = D − W` with `W_ij = ½ (cot α_ij + cot β_ij)`, the cotangents of the two angles opposite edge
 * ij (one on the boundary), and `D = diag(Σ_j W_ij)`: symmetric, rows summing to 0, positive
 * semi-definite (the *weak*, integrated Laplacian: `fᵀ L f = ∫ |∇f|²` for piecewise-linear f). The
 * Laplace–Beltrami eigenproblem is then `L φ = λ M φ` with the mass matrix M.
 *
 * - {@link cotanLaplacian} (`intrinsicDelaunay: true` builds it on the intrinsic Delaunay triangulation
 *   of `intrinsic.ts`, whose weights are all non-negative: robust-laplacian's mesh Laplacian).
 * - {@link massMatrix}: lumped barycentric (one third of the area of each incident face) or mixed
 *   Voronoi (Meyer, Desbrun, Schröder, Barr 2003); both sum to the surface area.
 * - {@link cotanLaplacianIntrinsic} / {@link massMatrixIntrinsic}: the same from per-half-edge lengths
 *   alone (any intrinsic triangulation, e.g. a flat torus that has no embedding in R³).
 *
 * Degenerate (zero-area) faces contribute nothing; use the intrinsic Delaunay variant (with its
 * mollification) on meshes that have them.
 */

import { CsrMatrix } from "../../linalg/csr.js";
import { opError } from "../../tensor/errors.js";
import { cotanFromLengths, intrinsicDelaunay, triangleArea } from "./intrinsic.js";
import type { Mesh } from "./mesh.js";

/** Options of {@link cotanLaplacian} and {@link massMatrix}. */
export interface LaplacianOptions {
  /** Build on the intrinsic Delaunay triangulation (non-negative weights; default false). */
  intrinsicDelaunay?: boolean;
  /** Mollification margin of the intrinsic triangulation (default 1e-6; see `intrinsic.ts`). */
  mollify?: number;
}

/** Options of {@link massMatrix}. */
export interface MassOptions extends LaplacianOptions {
  /** `"barycentric"` (default) or `"voronoi"` (mixed Voronoi areas). */
  kind?: "barycentric" | "voronoi";
}

/** Assembles `L = D − W` from per-half-edge weights `w[h]` (for the edge faces[h] → faces[next h]). */
function assemble(numVertices: number, faces: Int32Array, w: Float64Array): CsrMatrix {
  const H = faces.length;
  const rows = new Int32Array(4 * H);
  const cols = new Int32Array(4 * H);
  const vals = new Float64Array(4 * H);
  let q = 0;
  for (let h = 0; h < H; h++) {
    const f = h - (h % 3);
    const a = faces[h]!;
    const b = faces[f + ((h - f + 1) % 3)]!;
    const wh = w[h]!;
    if (a === b) continue; // a loop edge adds w (f_a − f_a)² = 0
    rows[q] = a;
    cols[q] = b;
    vals[q++] = -wh;
    rows[q] = b;
    cols[q] = a;
    vals[q++] = -wh;
    rows[q] = a;
    cols[q] = a;
    vals[q++] = wh;
    rows[q] = b;
    cols[q] = b;
    vals[q++] = wh;
  }
  return CsrMatrix.fromCoo(numVertices, numVertices, rows.subarray(0, q), cols.subarray(0, q), vals.subarray(0, q));
}

/**
 * The cotan Laplacian `L = D − W` (`[V, V]`, positive semi-definite convention; see the module docs).
 * With `{ intrinsicDelaunay: true }`, on the intrinsic Delaunay triangulation.
 */
export function cotanLaplacian(mesh: Mesh, opts: LaplacianOptions = {}): CsrMatrix {
  if (opts.intrinsicDelaunay) {
    const t = intrinsicDelaunay(mesh, { mollify: opts.mollify });
    return cotanLaplacianIntrinsic(t.numVertices, t.faces, t.lengths);
  }
  const F = mesh.numFaces;
  const p = mesh.positions;
  const faces = mesh.faces;
  // w[h]: ½ cot of the angle opposite half-edge h, at corner (h + 2) % 3 of its face
  const w = new Float64Array(3 * F);
  for (let f = 0; f < F; f++) {
    for (let k = 0; k < 3; k++) {
      const o = 3 * faces[3 * f + ((k + 2) % 3)]!; // the opposite corner
      const a = 3 * faces[3 * f + k]!;
      const b = 3 * faces[3 * f + ((k + 1) % 3)]!;
      const ux = p[a]! - p[o]!;
      const uy = p[a + 1]! - p[o + 1]!;
      const uz = p[a + 2]! - p[o + 2]!;
      const vx = p[b]! - p[o]!;
      const vy = p[b + 1]! - p[o + 1]!;
      const vz = p[b + 2]! - p[o + 2]!;
      const cross = Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
      w[3 * f + k] = cross > 0 ? (0.5 * (ux * vx + uy * vy + uz * vz)) / cross : 0;
    }
  }
  return assemble(mesh.numVertices, faces, w);
}

function checkIntrinsic(op: string, numVertices: number, faces: Int32Array, lengths: Float64Array): void {
  if (faces.length % 3 !== 0) opError(op, "faces", "a length divisible by 3", String(faces.length));
  if (lengths.length !== faces.length)
    opError(op, "lengths", `length ${faces.length} (one per half-edge)`, String(lengths.length));
  for (let i = 0; i < faces.length; i++)
    if (!(faces[i]! >= 0 && faces[i]! < numVertices))
      opError(op, "faces", `vertex ids in [0, ${numVertices})`, `${faces[i]} at face ${Math.floor(i / 3)}`);
  for (let i = 0; i < lengths.length; i++)
    if (!(lengths[i]! >= 0 && Number.isFinite(lengths[i]!)))
      opError(op, "lengths", "non-negative finite lengths", `${lengths[i]} at half-edge ${i}`);
}

/**
 * The cotan Laplacian of an intrinsic triangulation: `faces [F, 3]` and the length of each half-edge
 * `lengths [F, 3]` (half-edge `3f + k` runs from corner k to corner k+1).
 */
export function cotanLaplacianIntrinsic(numVertices: number, faces: Int32Array, lengths: Float64Array): CsrMatrix {
  checkIntrinsic("cotanLaplacianIntrinsic", numVertices, faces, lengths);
  const H = faces.length;
  const w = new Float64Array(H);
  for (let h = 0; h < H; h++) {
    const f = h - (h % 3);
    const k = h - f;
    w[h] = 0.5 * cotanFromLengths(lengths[h]!, lengths[f + ((k + 1) % 3)]!, lengths[f + ((k + 2) % 3)]!);
  }
  return assemble(numVertices, faces, w);
}

/** Lumped (barycentric) mass of an intrinsic triangulation: a third of each incident face's area. */
export function massMatrixIntrinsic(numVertices: number, faces: Int32Array, lengths: Float64Array): Float64Array {
  checkIntrinsic("massMatrixIntrinsic", numVertices, faces, lengths);
  const m = new Float64Array(numVertices);
  for (let f = 0; f < faces.length; f += 3) {
    const a = triangleArea(lengths[f]!, lengths[f + 1]!, lengths[f + 2]!) / 3;
    m[faces[f]!]! += a;
    m[faces[f + 1]!]! += a;
    m[faces[f + 2]!]! += a;
  }
  return m;
}

/**
 * The diagonal of the lumped mass matrix `[V]`: barycentric (default; a third of each incident face's
 * area) or mixed Voronoi. With `intrinsicDelaunay`, the barycentric areas of the intrinsic Delaunay
 * triangulation (as robust-laplacian). The entries sum to the surface area.
 */
export function massMatrix(mesh: Mesh, opts: MassOptions = {}): Float64Array {
  const kind = opts.kind ?? "barycentric";
  if (kind !== "barycentric" && kind !== "voronoi")
    opError("massMatrix", "kind", "'barycentric' or 'voronoi'", String(kind));
  if (opts.intrinsicDelaunay) {
    if (kind !== "barycentric") opError("massMatrix", "kind", "'barycentric' with intrinsicDelaunay", kind);
    const t = intrinsicDelaunay(mesh, { mollify: opts.mollify });
    return massMatrixIntrinsic(t.numVertices, t.faces, t.lengths);
  }
  const V = mesh.numVertices;
  const F = mesh.numFaces;
  const faces = mesh.faces;
  const area = mesh.faceAreas();
  const m = new Float64Array(V);
  if (kind === "barycentric") {
    for (let f = 0; f < F; f++) {
      const a = area[f]! / 3;
      m[faces[3 * f]!]! += a;
      m[faces[3 * f + 1]!]! += a;
      m[faces[3 * f + 2]!]! += a;
    }
    return m;
  }
  const p = mesh.positions;
  for (let f = 0; f < F; f++) {
    const A = area[f]!;
    if (!(A > 0)) continue;
    const v = [faces[3 * f]!, faces[3 * f + 1]!, faces[3 * f + 2]!];
    // squared side lengths opposite each corner and the corner's dot product
    const sq = [0, 0, 0];
    const dotAt = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const o = 3 * v[k]!;
      const a = 3 * v[(k + 1) % 3]!;
      const b = 3 * v[(k + 2) % 3]!;
      let d = 0;
      let s = 0;
      for (let c = 0; c < 3; c++) {
        d += (p[a + c]! - p[o + c]!) * (p[b + c]! - p[o + c]!);
        s += (p[a + c]! - p[b + c]!) ** 2;
      }
      dotAt[k] = d;
      sq[k] = s;
    }
    const obtuse = dotAt.findIndex((d) => d < 0);
    if (obtuse >= 0) {
      for (let k = 0; k < 3; k++) m[v[k]!]! += k === obtuse ? A / 2 : A / 4;
      continue;
    }
    // Voronoi area at corner k: (|e_{k,k+1}|² cot(angle at k+2) + |e_{k,k+2}|² cot(angle at k+1)) / 8
    const cot = dotAt.map((d) => d / (2 * A));
    for (let k = 0; k < 3; k++) {
      const k1 = (k + 1) % 3;
      const k2 = (k + 2) % 3;
      m[v[k]!]! += (sq[k2]! * cot[k2]! + sq[k1]! * cot[k1]!) / 8;
    }
  }
  return m;
}

/** The Laplacian and the (barycentric) mass from one pass (one intrinsic triangulation when asked). */
export function laplacianAndMass(mesh: Mesh, opts: MassOptions = {}): { L: CsrMatrix; M: Float64Array } {
  if (opts.intrinsicDelaunay) {
    const t = intrinsicDelaunay(mesh, { mollify: opts.mollify });
    return {
      L: cotanLaplacianIntrinsic(t.numVertices, t.faces, t.lengths),
      M: massMatrixIntrinsic(t.numVertices, t.faces, t.lengths),
    };
  }
  return { L: cotanLaplacian(mesh), M: massMatrix(mesh, opts) };
}
