/**
 * Other discretisations and deformations of the same surface, for measuring how much a mesh model depends
 * on the triangulation and on the embedding:
 *
 * - {@link subdivideMidpoint}: every triangle split into four at its edge midpoints (the same surface,
 *   four times the faces); the original vertices keep their ids, edge e's midpoint is vertex V + e.
 * - {@link flipEdges}: a seeded share of the interior edges flipped (the same vertices, another
 *   triangulation; the surface moves where the quads around the flipped edges are not planar).
 * - {@link bendMesh}: a near-isometric bend of the whole shape around an axis (the same connectivity;
 *   lengths change only across the shape's thickness, see {@link edgeLengthDistortion}).
 *
 * All three keep vertices `0..V−1` at their place in the vertex list, so per-vertex outputs can be compared
 * on the original vertices.
 */
import { opError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";
import { Mesh } from "./mesh.js";

/** Midpoint (1-to-4) subdivision; vertex V + e is the midpoint of edge e of {@link Mesh.edges}. */
export function subdivideMidpoint(mesh: Mesh): Mesh {
  const V = mesh.numVertices;
  const F = mesh.numFaces;
  const ed = mesh.edges;
  const E = ed.length / 2;
  const p = mesh.positions;
  const pos = new Float64Array(3 * (V + E));
  pos.set(p);
  for (let e = 0; e < E; e++)
    for (let d = 0; d < 3; d++) pos[3 * (V + e) + d] = 0.5 * (p[3 * ed[2 * e]! + d]! + p[3 * ed[2 * e + 1]! + d]!);
  const he = mesh.halfEdges.edge;
  const faces = new Int32Array(12 * F);
  for (let f = 0; f < F; f++) {
    const a = mesh.faces[3 * f]!;
    const b = mesh.faces[3 * f + 1]!;
    const c = mesh.faces[3 * f + 2]!;
    // half-edge 3f + k runs from corner k to corner k + 1
    const ab = V + he[3 * f]!;
    const bc = V + he[3 * f + 1]!;
    const ca = V + he[3 * f + 2]!;
    faces.set([a, ab, ca, ab, b, bc, ca, bc, c, ab, bc, ca], 12 * f);
  }
  return new Mesh(pos, faces);
}

/** Options of {@link flipEdges}. */
export interface FlipEdgesOptions {
  /** Share of the interior edges to try to flip (default 0.2). */
  fraction?: number;
  /** Seeded generator (default `new Generator(0)`). */
  generator?: Generator;
  /**
   * Smallest cosine between the normal of a new triangle and the normals of the two old ones (default 0.5):
   * flips that would fold the surface are skipped.
   */
  minNormalCos?: number;
}

function normal(p: Float64Array, a: number, b: number, c: number): [number, number, number, number] {
  const ux = p[3 * b]! - p[3 * a]!;
  const uy = p[3 * b + 1]! - p[3 * a + 1]!;
  const uz = p[3 * b + 2]! - p[3 * a + 2]!;
  const vx = p[3 * c]! - p[3 * a]!;
  const vy = p[3 * c + 1]! - p[3 * a + 1]!;
  const vz = p[3 * c + 2]! - p[3 * a + 2]!;
  const nx = uy * vz - uz * vy;
  const ny = uz * vx - ux * vz;
  const nz = ux * vy - uy * vx;
  const len = Math.hypot(nx, ny, nz);
  return len > 0 ? [nx / len, ny / len, nz / len, len] : [0, 0, 0, 0];
}

/**
 * Flips a seeded random share of the interior edges: edge (a, b) between triangles (a, b, c) and (b, a, d)
 * becomes (c, d), the triangles (c, a, d) and (d, b, c). Edges are visited in a random order; a flip is
 * skipped when one of its two triangles was already changed in this call, when (c, d) is already an edge,
 * when a vertex would drop below degree 3, or when a new triangle is degenerate or folds against the old
 * ones (see {@link FlipEdgesOptions.minNormalCos}). Returns the new mesh and how many edges were flipped.
 */
export function flipEdges(mesh: Mesh, opts: FlipEdgesOptions = {}): { mesh: Mesh; flipped: number } {
  const fraction = opts.fraction ?? 0.2;
  if (!(fraction >= 0 && fraction <= 1)) opError("flipEdges", "fraction", "a number in [0, 1]", String(fraction));
  const minCos = opts.minNormalCos ?? 0.5;
  const gen = opts.generator ?? new Generator(0);
  const { twin, edge } = mesh.halfEdges;
  const faces = Int32Array.from(mesh.faces);
  const p = mesh.positions;
  const V = mesh.numVertices;
  const E = mesh.numEdges;
  const degree = Int32Array.from(mesh.vertexDegrees());
  const edgeSet = new Set<number>();
  const ed = mesh.edges;
  for (let e = 0; e < E; e++) edgeSet.add(ed[2 * e]! * V + ed[2 * e + 1]!);
  // one half-edge per interior edge
  const firstHalf = new Int32Array(E).fill(-1);
  for (let h = 0; h < twin.length; h++) if (twin[h]! > h) firstHalf[edge[h]!] = h;
  const candidates: number[] = [];
  for (let e = 0; e < E; e++) if (firstHalf[e] !== -1) candidates.push(e);
  const order = gen.permutation(candidates.length);
  const target = Math.round(fraction * candidates.length);
  const touched = new Uint8Array(mesh.numFaces);
  let flipped = 0;
  for (let k = 0; k < order.length && flipped < target; k++) {
    const e = candidates[order[k]!]!;
    const h = firstHalf[e]!;
    const t = twin[h]!;
    const f1 = Math.floor(h / 3);
    const f2 = Math.floor(t / 3);
    if (touched[f1] || touched[f2]) continue;
    const a = faces[h]!;
    const b = faces[3 * f1 + ((h - 3 * f1 + 1) % 3)]!;
    const c = faces[3 * f1 + ((h - 3 * f1 + 2) % 3)]!;
    const d = faces[3 * f2 + ((t - 3 * f2 + 2) % 3)]!;
    if (c === d || edgeSet.has(Math.min(c, d) * V + Math.max(c, d))) continue;
    if (degree[a]! <= 3 || degree[b]! <= 3) continue;
    const n1 = normal(p, a, b, c);
    const n2 = normal(p, b, a, d);
    const m1 = normal(p, c, a, d);
    const m2 = normal(p, d, b, c);
    if (m1[3] === 0 || m2[3] === 0) continue;
    const cos = (x: number[], y: number[]) => x[0]! * y[0]! + x[1]! * y[1]! + x[2]! * y[2]!;
    if (Math.min(cos(m1, n1), cos(m1, n2), cos(m2, n1), cos(m2, n2), cos(m1, m2)) < minCos) continue;
    faces.set([c, a, d], 3 * f1);
    faces.set([d, b, c], 3 * f2);
    touched[f1] = 1;
    touched[f2] = 1;
    edgeSet.delete(Math.min(a, b) * V + Math.max(a, b));
    edgeSet.add(Math.min(c, d) * V + Math.max(c, d));
    degree[a]!--;
    degree[b]!--;
    degree[c]!++;
    degree[d]!++;
    flipped++;
  }
  return { mesh: new Mesh(p, faces), flipped };
}

/** Options of {@link bendMesh}. */
export interface BendOptions {
  /** Total bend angle in radians over the shape's length (default π/2). */
  angle?: number;
  /** Axis along which the shape is bent (0, 1, 2; default: the longest side of the bounding box). */
  along?: number;
  /** Axis towards which it bends (default: the shortest side of the bounding box, the thickness). */
  towards?: number;
}

/**
 * Bends the shape around an axis: with t the coordinate along `along` (centred) and w along `towards`
 * (centred), a point moves to t' = (R − w)·sin(t/R), w' = R − (R − w)·cos(t/R), with R = length / angle.
 * The surface at w = 0 keeps its lengths exactly (a cylinder bend of a plane is an isometry); elsewhere
 * lengths along `along` scale by (R − w)/R, so the bend is near-isometric for shapes thin along `towards`.
 */
export function bendMesh(mesh: Mesh, opts: BendOptions = {}): Mesh {
  const angle = opts.angle ?? Math.PI / 2;
  if (!(Number.isFinite(angle) && angle > 0 && angle < 2 * Math.PI))
    opError("bendMesh", "angle", "a number in (0, 2π)", String(angle));
  const box = mesh.boundingBox();
  const size = [0, 1, 2].map((i) => box.max[i]! - box.min[i]!);
  const byLength = [0, 1, 2].sort((i, j) => size[j]! - size[i]!);
  const along = opts.along ?? byLength[0]!;
  const towards = opts.towards ?? byLength[2]!;
  if (along === towards || ![0, 1, 2].includes(along) || ![0, 1, 2].includes(towards))
    opError("bendMesh", "along/towards", "two different axes among 0, 1, 2", `${along} and ${towards}`);
  const length = size[along]!;
  if (!(length > 0)) opError("bendMesh", "mesh", "a shape with a positive extent", `length ${length}`);
  const R = length / angle;
  const ct = 0.5 * (box.min[along]! + box.max[along]!);
  const cw = 0.5 * (box.min[towards]! + box.max[towards]!);
  const p = mesh.positions;
  const out = Float64Array.from(p);
  for (let v = 0; v < mesh.numVertices; v++) {
    const t = p[3 * v + along]! - ct;
    const w = p[3 * v + towards]! - cw;
    const th = t / R;
    out[3 * v + along] = ct + (R - w) * Math.sin(th);
    out[3 * v + towards] = cw + R - (R - w) * Math.cos(th);
  }
  return new Mesh(out, mesh.faces);
}

/**
 * How far two meshes with the same faces are from isometric: the relative change |ℓ' − ℓ| / ℓ of every
 * edge length, its mean and maximum.
 */
export function edgeLengthDistortion(a: Mesh, b: Mesh): { mean: number; max: number } {
  if (a.numVertices !== b.numVertices || a.numFaces !== b.numFaces)
    opError(
      "edgeLengthDistortion",
      "b",
      `a mesh with ${a.numVertices} vertices and ${a.numFaces} faces`,
      `${b.numVertices} and ${b.numFaces}`,
    );
  for (let i = 0; i < a.faces.length; i++)
    if (a.faces[i] !== b.faces[i])
      opError("edgeLengthDistortion", "b", "the same faces as a", `a different vertex at face ${Math.floor(i / 3)}`);
  const la = a.edgeLengths();
  const lb = b.edgeLengths();
  let sum = 0;
  let max = 0;
  for (let e = 0; e < la.length; e++) {
    const r = la[e]! > 0 ? Math.abs(lb[e]! - la[e]!) / la[e]! : 0;
    sum += r;
    max = Math.max(max, r);
  }
  return { mean: sum / Math.max(1, la.length), max };
}
