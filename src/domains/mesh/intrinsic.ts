/**
 * Intrinsic Delaunay triangulations (Bobenko & Springborn 2007; Sharp & Crane, "A Laplacian for
 * Nonmanifold Triangle Meshes", 2020, whose robust-laplacian this follows for manifold meshes). The
 * surface is kept as it is; only its triangulation changes: edges are flipped *intrinsically* (the new
 * edge is a geodesic across the two triangles, its length found by unfolding them into the plane) until
 * every interior edge is Delaunay, i.e. the two angles opposite it sum to at most π. The cotan
 * Laplacian of the result has non-negative weights `½(cot α + cot β)` on every edge and the same
 * smooth limit, so it satisfies a maximum principle even on meshes with obtuse or sliver triangles.
 *
 * Edge lengths may first be *mollified*: all lengths grow by the smallest δ that makes every triangle
 * satisfy the triangle inequality with a margin `ε · mean edge length`, so degenerate (zero-area)
 * triangles get a small positive area. On a mesh with no near-degenerate triangle δ = 0.
 *
 * The result can contain multi-edges and faces with a repeated vertex (a Δ-complex); the operators
 * built from it handle both. Boundary and non-manifold edges are never flipped.
 */
import { ErlangenError } from "../../tensor/errors.js";
import type { Mesh } from "./mesh.js";

/** An intrinsic triangulation: faces (vertex ids) and the length of each half-edge's edge. */
export interface IntrinsicTriangulation {
  numVertices: number;
  /** `[F, 3]` vertex ids; half-edge `3f + k` runs from `faces[3f+k]` to `faces[3f+(k+1)%3]`. */
  faces: Int32Array;
  /** `[F, 3]`: the intrinsic length of half-edge `3f + k`. */
  lengths: Float64Array;
  /** Number of edge flips performed. */
  flips: number;
  /** The mollification δ added to every edge length (0 when none was needed). */
  mollification: number;
}

/** Options of {@link intrinsicDelaunay}. */
export interface IntrinsicDelaunayOptions {
  /** Mollification margin ε relative to the mean edge length (default 1e-6; 0 disables). */
  mollify?: number;
  /** Flip budget (default 100 × the number of edges); exceeding it throws. */
  maxFlips?: number;
}

/** Area of a triangle from its side lengths (Kahan's stable Heron formula); 0 when degenerate. */
export function triangleArea(l0: number, l1: number, l2: number): number {
  // sort a ≥ b ≥ c
  let a = l0;
  let b = l1;
  let c = l2;
  if (a < b) [a, b] = [b, a];
  if (b < c) [b, c] = [c, b];
  if (a < b) [a, b] = [b, a];
  const p = (a + (b + c)) * (c - (a - b)) * (c + (a - b)) * (a + (b - c));
  return p > 0 ? 0.25 * Math.sqrt(p) : 0;
}

/**
 * Cotangent of the angle opposite the side of length `a` in the triangle with sides a, b, c
 * (`(b² + c² − a²) / 4·area`); 0 for a degenerate triangle.
 */
export function cotanFromLengths(a: number, b: number, c: number): number {
  const area = triangleArea(a, b, c);
  return area > 0 ? (b * b + c * c - a * a) / (4 * area) : 0;
}

/** The edge lengths of a mesh as an intrinsic triangulation (no flips), optionally mollified. */
export function meshLengths(mesh: Mesh, mollify = 0): { lengths: Float64Array; mollification: number } {
  const F = mesh.numFaces;
  const p = mesh.positions;
  const faces = mesh.faces;
  const lengths = new Float64Array(3 * F);
  let total = 0;
  for (let h = 0; h < 3 * F; h++) {
    const f = Math.floor(h / 3);
    const a = 3 * faces[h]!;
    const b = 3 * faces[3 * f + ((h - 3 * f + 1) % 3)]!;
    const l = Math.hypot(p[b]! - p[a]!, p[b + 1]! - p[a + 1]!, p[b + 2]! - p[a + 2]!);
    lengths[h] = l;
    total += l;
  }
  let delta = 0;
  if (mollify > 0 && F > 0) {
    const eps = (mollify * total) / (3 * F);
    for (let f = 0; f < F; f++) {
      for (let k = 0; k < 3; k++) {
        const a = lengths[3 * f + k]!;
        const b = lengths[3 * f + ((k + 1) % 3)]!;
        const c = lengths[3 * f + ((k + 2) % 3)]!;
        // smallest δ with (b + δ) + (c + δ) − (a + δ) ≥ eps
        delta = Math.max(delta, eps - (b + c - a));
      }
    }
    if (delta > 0) for (let h = 0; h < 3 * F; h++) lengths[h]! += delta;
  }
  return { lengths, mollification: delta };
}

/**
 * Flips the edges of `mesh` intrinsically until the triangulation is Delaunay (see the module docs).
 * The mesh is not changed.
 */
export function intrinsicDelaunay(mesh: Mesh, opts: IntrinsicDelaunayOptions = {}): IntrinsicTriangulation {
  const F = mesh.numFaces;
  const H = 3 * F;
  const he = mesh.halfEdges;
  const faceV = Int32Array.from(mesh.faces);
  const twin = Int32Array.from(he.twin);
  const edge = Int32Array.from(he.edge);
  const E = mesh.numEdges;
  const { lengths: hl, mollification } = meshLengths(mesh, opts.mollify ?? 1e-6);
  const len = new Float64Array(E);
  const edgeHe = new Int32Array(E).fill(-1);
  for (let h = 0; h < H; h++) {
    len[edge[h]!] = hl[h]!;
    if (edgeHe[edge[h]!] === -1 || twin[h] !== -1) edgeHe[edge[h]!] = h;
  }
  const nxt = (h: number): number => (h % 3 === 2 ? h - 2 : h + 1);
  const prv = (h: number): number => (h % 3 === 0 ? h + 2 : h - 1);
  /** cot of the angle opposite half-edge h in its face. */
  const cotOpp = (h: number): number => cotanFromLengths(len[edge[h]!]!, len[edge[nxt(h)]!]!, len[edge[prv(h)]!]!);
  const isDelaunay = (e: number): boolean => {
    const h = edgeHe[e]!;
    const t = twin[h]!;
    if (t === -1) return true;
    return cotOpp(h) + cotOpp(t) >= -1e-12;
  };
  const stack: number[] = [];
  const inStack = new Uint8Array(E);
  for (let e = 0; e < E; e++) {
    if (twin[edgeHe[e]!] !== -1) {
      stack.push(e);
      inStack[e] = 1;
    }
  }
  const maxFlips = opts.maxFlips ?? 100 * Math.max(E, 1);
  let flips = 0;
  const oldPos = new Int32Array(4);
  const newPos = new Int32Array(4);
  const oldTwin = new Int32Array(4);
  const oldEdge = new Int32Array(4);
  while (stack.length > 0) {
    const e = stack.pop()!;
    inStack[e] = 0;
    if (isDelaunay(e)) continue;
    const h0 = edgeHe[e]!;
    const h1 = twin[h0]!;
    const f0 = Math.floor(h0 / 3);
    const f1 = Math.floor(h1 / 3);
    if (f0 === f1) continue; // an edge glued to itself: not flippable
    const h0n = nxt(h0);
    const h0p = prv(h0);
    const h1n = nxt(h1);
    const h1p = prv(h1);
    const i = faceV[h0]!;
    const j = faceV[h1]!;
    const k = faceV[h0p]!;
    const l = faceV[h1p]!;
    // unfold the two triangles: i at the origin, j on the +x axis, k above, l below
    const lij = len[e]!;
    const ljk = len[edge[h0n]!]!;
    const lki = len[edge[h0p]!]!;
    const lil = len[edge[h1n]!]!;
    const llj = len[edge[h1p]!]!;
    const kx = (lij * lij + lki * lki - ljk * ljk) / (2 * lij);
    const ky = Math.sqrt(Math.max(0, lki * lki - kx * kx));
    const lx = (lij * lij + lil * lil - llj * llj) / (2 * lij);
    const ly = -Math.sqrt(Math.max(0, lil * lil - lx * lx));
    const newLen = Math.hypot(kx - lx, ky - ly);
    if (!(newLen > 0)) continue;
    if (++flips > maxFlips)
      throw new ErlangenError(`intrinsicDelaunay: more than ${maxFlips} flips (argument 'mesh' may be degenerate)`);
    // new faces f0 = (k, i, l), f1 = (l, j, k); the shared edge l→k / k→l keeps id e
    const a0 = 3 * f0;
    const a1 = 3 * f1;
    oldPos[0] = h0p;
    newPos[0] = a0; // k→i
    oldPos[1] = h1n;
    newPos[1] = a0 + 1; // i→l
    oldPos[2] = h1p;
    newPos[2] = a1; // l→j
    oldPos[3] = h0n;
    newPos[3] = a1 + 1; // j→k
    for (let s = 0; s < 4; s++) {
      oldTwin[s] = twin[oldPos[s]!]!;
      oldEdge[s] = edge[oldPos[s]!]!;
    }
    faceV[a0] = k;
    faceV[a0 + 1] = i;
    faceV[a0 + 2] = l;
    faceV[a1] = l;
    faceV[a1 + 1] = j;
    faceV[a1 + 2] = k;
    for (let s = 0; s < 4; s++) {
      let tw = oldTwin[s]!;
      for (let u = 0; u < 4; u++) if (tw === oldPos[u]) tw = newPos[u]!;
      const q = newPos[s]!;
      twin[q] = tw;
      edge[q] = oldEdge[s]!;
      edgeHe[oldEdge[s]!] = q;
      if (tw !== -1) twin[tw] = q;
    }
    // edge ids whose half-edges were inside the two faces but kept twins elsewhere are updated above;
    // the twin entries pointing at moved positions were remapped through oldPos→newPos
    twin[a0 + 2] = a1 + 2;
    twin[a1 + 2] = a0 + 2;
    edge[a0 + 2] = e;
    edge[a1 + 2] = e;
    edgeHe[e] = a0 + 2;
    len[e] = newLen;
    for (let s = 0; s < 4; s++) {
      const oe = oldEdge[s]!;
      if (!inStack[oe] && twin[edgeHe[oe]!] !== -1) {
        inStack[oe] = 1;
        stack.push(oe);
      }
    }
  }
  const lengths = new Float64Array(H);
  for (let h = 0; h < H; h++) lengths[h] = len[edge[h]!]!;
  return { numVertices: mesh.numVertices, faces: faceV, lengths, flips, mollification };
}
