/**
 * The mesh domain: a triangle mesh with float64 vertex positions and int32 triangles, the discrete
 * surface on which geodesic and gauge-equivariant networks work. Connectivity is kept as a half-edge
 * structure, built lazily on first use:
 *
 * - half-edge `h = 3f + k` runs from `faces[3f + k]` to `faces[3f + (k + 1) % 3]` inside face `f`;
 * - `next(h) = 3f + (k + 1) % 3`, `twin(h)` is the opposite half-edge in the neighbouring face, or −1
 *   on the boundary;
 * - undirected edges are numbered `0..E−1` in lexicographic order of their (min, max) vertex pair.
 *
 * Geometry (areas, normals) is computed on demand and cached; a mesh is immutable once built.
 */
import { ErlangenError, opError } from "../../tensor/errors.js";

/** Connectivity of a triangle mesh as half-edge tables (all `Int32Array` of length 3F unless noted). */
export interface HalfEdges {
  /** Origin vertex of each half-edge. */
  readonly vertex: Int32Array;
  /** Face of each half-edge (`h / 3` rounded down). */
  readonly face: Int32Array;
  /** Next half-edge in the same face. */
  readonly next: Int32Array;
  /** Opposite half-edge, or −1 on the boundary (and on non-manifold edges beyond the first pair). */
  readonly twin: Int32Array;
  /** Undirected edge id of each half-edge. */
  readonly edge: Int32Array;
  /** One outgoing half-edge per vertex (length V; a boundary half-edge where the vertex is on the boundary; −1 if isolated). */
  readonly vertexHalfEdge: Int32Array;
}

/** A triangle mesh (see the module docs for the half-edge convention). */
export class Mesh {
  /** Vertex positions `[V, 3]`, row-major float64. */
  readonly positions: Float64Array;
  /** Triangles `[F, 3]`, row-major vertex ids, counter-clockwise seen from outside. */
  readonly faces: Int32Array;
  readonly numVertices: number;
  readonly numFaces: number;

  #edges: Int32Array | null = null;
  #halfEdges: HalfEdges | null = null;
  #faceAreas: Float64Array | null = null;
  #faceNormals: Float64Array | null = null;
  #vertexNormals: Float64Array | null = null;

  /**
   * @param positions `[V, 3]` flat (any numeric array; copied into a Float64Array).
   * @param faces `[F, 3]` flat vertex ids (copied into an Int32Array); each id must be in `[0, V)`.
   */
  constructor(positions: ArrayLike<number>, faces: ArrayLike<number>) {
    if (positions.length % 3 !== 0)
      opError("Mesh", "positions", "a length divisible by 3 ([V, 3] flat)", `length ${positions.length}`);
    if (faces.length % 3 !== 0)
      opError("Mesh", "faces", "a length divisible by 3 ([F, 3] flat)", `length ${faces.length}`);
    this.positions = Float64Array.from(positions);
    this.numVertices = positions.length / 3;
    this.numFaces = faces.length / 3;
    const f = new Int32Array(faces.length);
    for (let i = 0; i < faces.length; i++) {
      const v = faces[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.numVertices) {
        throw new ErlangenError(
          `Mesh: argument 'faces' expected vertex ids in [0, ${this.numVertices}), got ${v} at face ${Math.floor(i / 3)} (corner ${i % 3})`,
        );
      }
      f[i] = v;
    }
    for (let i = 0; i < this.positions.length; i++) {
      if (!Number.isFinite(this.positions[i]!)) {
        throw new ErlangenError(
          `Mesh: argument 'positions' expected finite coordinates, got ${this.positions[i]} at vertex ${Math.floor(i / 3)}`,
        );
      }
    }
    this.faces = f;
  }

  /** Unique undirected edges `[E, 2]` flat, each as (min, max), sorted lexicographically. */
  get edges(): Int32Array {
    if (!this.#edges) this.#buildHalfEdges();
    return this.#edges!;
  }

  get numEdges(): number {
    return this.edges.length / 2;
  }

  /** The half-edge tables (built on first use). */
  get halfEdges(): HalfEdges {
    if (!this.#halfEdges) this.#buildHalfEdges();
    return this.#halfEdges!;
  }

  #buildHalfEdges(): void {
    const F = this.numFaces;
    const V = this.numVertices;
    const H = 3 * F;
    const faces = this.faces;
    const vertex = new Int32Array(H);
    const face = new Int32Array(H);
    const next = new Int32Array(H);
    const twin = new Int32Array(H).fill(-1);
    const edge = new Int32Array(H);
    const lo = new Int32Array(H);
    const hi = new Int32Array(H);
    for (let h = 0; h < H; h++) {
      const f = Math.floor(h / 3);
      const k = h - 3 * f;
      const a = faces[h]!;
      const b = faces[3 * f + ((k + 1) % 3)]!;
      vertex[h] = a;
      face[h] = f;
      next[h] = 3 * f + ((k + 1) % 3);
      lo[h] = Math.min(a, b);
      hi[h] = Math.max(a, b);
    }
    // sort half-edges by their undirected key (lo, hi); equal keys share an edge
    const order = new Int32Array(H);
    for (let h = 0; h < H; h++) order[h] = h;
    order.sort((x, y) => lo[x]! - lo[y]! || hi[x]! - hi[y]! || x - y);
    const edges: number[] = [];
    let e = -1;
    for (let i = 0; i < H; ) {
      let j = i + 1;
      while (j < H && lo[order[j]!] === lo[order[i]!] && hi[order[j]!] === hi[order[i]!]) j++;
      e++;
      edges.push(lo[order[i]!]!, hi[order[i]!]!);
      for (let t = i; t < j; t++) edge[order[t]!] = e;
      // pair the first two half-edges of the group; more than two is non-manifold (left unpaired)
      if (j - i === 2) {
        const h0 = order[i]!;
        const h1 = order[i + 1]!;
        twin[h0] = h1;
        twin[h1] = h0;
      }
      i = j;
    }
    const vertexHalfEdge = new Int32Array(V).fill(-1);
    for (let h = 0; h < H; h++) {
      const v = vertex[h]!;
      // prefer a boundary half-edge so that walking around the vertex starts at the boundary
      if (vertexHalfEdge[v] === -1 || twin[h] === -1) vertexHalfEdge[v] = h;
    }
    this.#edges = Int32Array.from(edges);
    this.#halfEdges = { vertex, face, next, twin, edge, vertexHalfEdge };
  }

  /** Face areas `[F]`. */
  faceAreas(): Float64Array {
    if (!this.#faceAreas) this.#faceGeometry();
    return this.#faceAreas!;
  }

  /** Unit face normals `[F, 3]` flat (right-hand rule on the face's vertex order; zero for degenerate faces). */
  faceNormals(): Float64Array {
    if (!this.#faceNormals) this.#faceGeometry();
    return this.#faceNormals!;
  }

  #faceGeometry(): void {
    const F = this.numFaces;
    const p = this.positions;
    const areas = new Float64Array(F);
    const normals = new Float64Array(3 * F);
    for (let f = 0; f < F; f++) {
      const a = 3 * this.faces[3 * f]!;
      const b = 3 * this.faces[3 * f + 1]!;
      const c = 3 * this.faces[3 * f + 2]!;
      const ux = p[b]! - p[a]!;
      const uy = p[b + 1]! - p[a + 1]!;
      const uz = p[b + 2]! - p[a + 2]!;
      const vx = p[c]! - p[a]!;
      const vy = p[c + 1]! - p[a + 1]!;
      const vz = p[c + 2]! - p[a + 2]!;
      const nx = uy * vz - uz * vy;
      const ny = uz * vx - ux * vz;
      const nz = ux * vy - uy * vx;
      const len = Math.hypot(nx, ny, nz);
      areas[f] = 0.5 * len;
      if (len > 0) {
        normals[3 * f] = nx / len;
        normals[3 * f + 1] = ny / len;
        normals[3 * f + 2] = nz / len;
      }
    }
    this.#faceAreas = areas;
    this.#faceNormals = normals;
  }

  /** Unit vertex normals `[V, 3]` flat: the area-weighted mean of the incident face normals. */
  vertexNormals(): Float64Array {
    if (this.#vertexNormals) return this.#vertexNormals;
    const V = this.numVertices;
    const fn = this.faceNormals();
    const fa = this.faceAreas();
    const n = new Float64Array(3 * V);
    for (let f = 0; f < this.numFaces; f++) {
      for (let k = 0; k < 3; k++) {
        const v = this.faces[3 * f + k]!;
        for (let d = 0; d < 3; d++) n[3 * v + d]! += fa[f]! * fn[3 * f + d]!;
      }
    }
    for (let v = 0; v < V; v++) {
      const len = Math.hypot(n[3 * v]!, n[3 * v + 1]!, n[3 * v + 2]!);
      if (len > 0) for (let d = 0; d < 3; d++) n[3 * v + d]! /= len;
    }
    this.#vertexNormals = n;
    return n;
  }

  /** Total surface area. */
  area(): number {
    let s = 0;
    for (const a of this.faceAreas()) s += a;
    return s;
  }

  /** Euler characteristic χ = V − E + F (vertices counted whether referenced or not). */
  eulerCharacteristic(): number {
    return this.numVertices - this.numEdges + this.numFaces;
  }

  /**
   * Boundary loops: each loop lists its vertices in order, following the boundary half-edges
   * (half-edges without a twin). A closed mesh has none.
   */
  boundaryLoops(): Int32Array[] {
    const { vertex, twin, next } = this.halfEdges;
    const H = 3 * this.numFaces;
    // boundary half-edge starting at each vertex (manifold boundaries have exactly one)
    const outBoundary = new Map<number, number>();
    for (let h = 0; h < H; h++) if (twin[h] === -1) outBoundary.set(vertex[h]!, h);
    const seen = new Uint8Array(H);
    const loops: Int32Array[] = [];
    for (let h0 = 0; h0 < H; h0++) {
      if (twin[h0] !== -1 || seen[h0]) continue;
      const loop: number[] = [];
      let h = h0;
      while (h !== -1 && !seen[h]) {
        seen[h] = 1;
        loop.push(vertex[h]!);
        const to = vertex[next[h]!]!;
        h = outBoundary.get(to) ?? -1;
      }
      loops.push(Int32Array.from(loop));
    }
    return loops;
  }

  /**
   * Genus g of a closed, connected, orientable surface from χ = 2 − 2g − b (b boundary loops).
   * Meaningful for connected manifold meshes only.
   */
  genus(): number {
    const b = this.boundaryLoops().length;
    return (2 - this.eulerCharacteristic() - b) / 2;
  }
}
