/**
 * The mesh domain: a triangle mesh with float64 vertex positions and int32 triangles, the discrete
 * surface on which geodesic and gauge-equivariant networks work. Connectivity is kept as a half-edge
 * structure, built lazily on first use:
 *
 * - half-edge `h = 3f + k` runs from `faces[3f + k]` to `faces[3f + (k + 1) % 3]` inside face `f`;
 * - `next(h) = 3f + (k + 1) % 3`, `twin(h)` is the opposite half-edge in the neighbouring face, or −1
 *   on the boundary;
 * - undirected edges are numbered `0..E−1` in lexicographic order of their (min, max) vertex pair;
 * - the one-ring of a vertex lists its neighbours counter-clockwise (seen from outside), found by the
 *   walk `h → twin(prev(h))` over its outgoing half-edges, starting on the boundary for boundary
 *   vertices (see {@link Mesh.oneRings}).
 *
 * Two faces that share an edge are twinned even when they traverse it the same way (inconsistent
 * orientation); {@link validateMesh} reports such pairs and {@link orientFaces} repairs them.
 *
 * Geometry (areas, normals) is computed on demand and cached; a mesh is immutable once built.
 */
import { ErlangenError, opError } from "../../tensor/errors.js";
import { groupHalfEdges, prevOf, UnionFind } from "./internal.js";

/** Connectivity of a triangle mesh as half-edge tables (all `Int32Array` of length 3F unless noted). */
export interface HalfEdges {
  /** Origin vertex of each half-edge. */
  readonly vertex: Int32Array;
  /** Face of each half-edge (`h / 3` rounded down). */
  readonly face: Int32Array;
  /** Next half-edge in the same face. */
  readonly next: Int32Array;
  /** Opposite half-edge, or −1 on the boundary and on every half-edge of a non-manifold edge (shared by more than two faces). */
  readonly twin: Int32Array;
  /** Undirected edge id of each half-edge. */
  readonly edge: Int32Array;
  /** One outgoing half-edge per vertex (length V; a boundary half-edge where the vertex is on the boundary; −1 if isolated). */
  readonly vertexHalfEdge: Int32Array;
}

/**
 * Neighbour lists in compressed (CSR) form: the neighbours of vertex `v` are
 * `index[ptr[v]..ptr[v+1]]`, and `edge[i]` is the undirected edge id joining `v` and `index[i]`.
 */
export interface OneRings {
  /** Offsets, length `V + 1`. */
  readonly ptr: Int32Array;
  /** Neighbour vertex ids. */
  readonly index: Int32Array;
  /** Undirected edge id of each (vertex, neighbour) pair. */
  readonly edge: Int32Array;
}

/** Connected components (faces are connected through shared vertices; an isolated vertex is its own component). */
export interface MeshComponents {
  /** Number of components. */
  readonly count: number;
  /** Component of each vertex, `[V]`; components are numbered in order of their smallest vertex id. */
  readonly vertex: Int32Array;
  /** Component of each face, `[F]`. */
  readonly face: Int32Array;
}

/** An axis-aligned bounding box. */
export interface BoundingBox {
  readonly min: [number, number, number];
  readonly max: [number, number, number];
}

/** Rows given either flat (`[x0, y0, z0, x1, …]`) or nested (`[[x0, y0, z0], …]`). */
export type FlatOrNested = ArrayLike<number> | ArrayLike<ArrayLike<number>>;

function flattenRows(op: string, arg: string, rows: FlatOrNested, width: number): ArrayLike<number> {
  if (rows.length === 0 || typeof rows[0] === "number") return rows as ArrayLike<number>;
  const nested = rows as ArrayLike<ArrayLike<number>>;
  const out = new Float64Array(nested.length * width);
  for (let i = 0; i < nested.length; i++) {
    const r = nested[i]!;
    if (r === null || typeof r !== "object" || r.length !== width)
      opError(op, arg, `rows of length ${width}`, `row ${i} = ${JSON.stringify(r)}`);
    for (let j = 0; j < width; j++) out[i * width + j] = r[j]!;
  }
  return out;
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
  #edgeLengths: Float64Array | null = null;
  #oneRings: OneRings | null = null;
  #components: MeshComponents | null = null;

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
    for (let h = 0; h < H; h++) {
      const f = Math.floor(h / 3);
      const k = h - 3 * f;
      vertex[h] = faces[h]!;
      face[h] = f;
      next[h] = 3 * f + ((k + 1) % 3);
    }
    // group half-edges by their undirected key (lo, hi) in lexicographic order; equal keys share an edge
    const { order, start, lo, hi } = groupHalfEdges(faces, V);
    const E = start.length - 1;
    const edges = new Int32Array(2 * E);
    for (let e = 0; e < E; e++) {
      const i = start[e]!;
      const j = start[e + 1]!;
      edges[2 * e] = lo[order[i]!]!;
      edges[2 * e + 1] = hi[order[i]!]!;
      for (let t = i; t < j; t++) edge[order[t]!] = e;
      // pair the two half-edges of a manifold edge; more than two is non-manifold (left unpaired)
      if (j - i === 2) {
        const h0 = order[i]!;
        const h1 = order[i + 1]!;
        twin[h0] = h1;
        twin[h1] = h0;
      }
    }
    const vertexHalfEdge = new Int32Array(V).fill(-1);
    for (let h = 0; h < H; h++) {
      const v = vertex[h]!;
      // prefer a boundary half-edge so that walking around the vertex starts at the boundary
      if (vertexHalfEdge[v] === -1 || twin[h] === -1) vertexHalfEdge[v] = h;
    }
    this.#edges = edges;
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

  // ---- builders ----------------------------------------------------------------------------------

  /**
   * A mesh from flat or nested arrays (`[[x, y, z], …]` and `[[a, b, c], …]`, as in JSON mesh files
   * such as `datasets/meshes/bunny/bunny.json`). Same checks as the constructor.
   */
  static fromArrays(positions: FlatOrNested, faces: FlatOrNested): Mesh {
    return new Mesh(
      flattenRows("Mesh.fromArrays", "positions", positions, 3),
      flattenRows("Mesh.fromArrays", "faces", faces, 3),
    );
  }

  /**
   * A mesh from polygons of any size (each at least 3 vertex ids), fan-triangulated from each
   * polygon's first vertex: `[a, b, c, d]` becomes `(a, b, c), (a, c, d)`.
   */
  static fromPolygons(positions: FlatOrNested, polygons: ArrayLike<ArrayLike<number>>): Mesh {
    const faces: number[] = [];
    for (let i = 0; i < polygons.length; i++) {
      const p = polygons[i]!;
      if (p === null || typeof p !== "object" || p.length < 3)
        opError(
          "Mesh.fromPolygons",
          "polygons",
          "polygons of at least 3 vertex ids",
          `polygon ${i} = ${JSON.stringify(p)}`,
        );
      for (let j = 1; j + 1 < p.length; j++) faces.push(p[0]!, p[j]!, p[j + 1]!);
    }
    return new Mesh(flattenRows("Mesh.fromPolygons", "positions", positions, 3), faces);
  }

  // ---- edges and neighbourhoods ----------------------------------------------------------------

  /** Length of every undirected edge, `[E]` in the order of {@link Mesh.edges}. */
  edgeLengths(): Float64Array {
    if (this.#edgeLengths) return this.#edgeLengths;
    const e = this.edges;
    const p = this.positions;
    const E = e.length / 2;
    const out = new Float64Array(E);
    for (let i = 0; i < E; i++) {
      const a = 3 * e[2 * i]!;
      const b = 3 * e[2 * i + 1]!;
      out[i] = Math.hypot(p[b]! - p[a]!, p[b + 1]! - p[a + 1]!, p[b + 2]! - p[a + 2]!);
    }
    this.#edgeLengths = out;
    return out;
  }

  /** Mean edge length (0 for a mesh without edges): the usual length scale of a mesh. */
  meanEdgeLength(): number {
    const l = this.edgeLengths();
    let s = 0;
    for (const x of l) s += x;
    return l.length > 0 ? s / l.length : 0;
  }

  /**
   * The one-ring of every vertex, as CSR neighbour lists. For a manifold vertex the neighbours are in
   * counter-clockwise order seen from outside (the faces' orientation), produced by the walk
   * `h → twin(prev(h))` over the vertex's outgoing half-edges. An interior vertex starts at the target
   * of `halfEdges.vertexHalfEdge[v]`; a boundary vertex starts at the target of its outgoing boundary
   * half-edge and ends at the other boundary neighbour, so its ring has one more entry than it has faces.
   * Where the faces around a vertex form several fans (non-manifold vertices, inconsistent
   * orientation), each fan is walked in turn and a neighbour already listed is not repeated.
   */
  oneRings(): OneRings {
    if (this.#oneRings) return this.#oneRings;
    const V = this.numVertices;
    const H = 3 * this.numFaces;
    const { vertex, next, twin, edge, vertexHalfEdge } = this.halfEdges;
    // outgoing half-edges grouped by origin vertex
    const outPtr = new Int32Array(V + 1);
    for (let h = 0; h < H; h++) outPtr[vertex[h]! + 1]!++;
    for (let v = 0; v < V; v++) outPtr[v + 1]! += outPtr[v]!;
    const fill = outPtr.slice(0, V);
    const out = new Int32Array(H);
    for (let h = 0; h < H; h++) out[fill[vertex[h]!]!++] = h;
    // a half-edge v→b has a predecessor in the walk when its twin runs b→v
    const hasPred = (h: number): boolean => {
      const t = twin[h]!;
      return t !== -1 && vertex[t] === vertex[next[h]!];
    };
    const visited = new Uint8Array(H);
    const mark = new Int32Array(V).fill(-1);
    const ptr = new Int32Array(V + 1);
    const index = new Int32Array(2 * H);
    const edgeOf = new Int32Array(2 * H);
    let n = 0;
    const add = (v: number, u: number, e: number): void => {
      if (u === v || mark[u] === v) return;
      mark[u] = v;
      index[n] = u;
      edgeOf[n] = e;
      n++;
    };
    const walk = (v: number, h0: number): void => {
      let h = h0;
      while (!visited[h]) {
        visited[h] = 1;
        add(v, vertex[next[h]!]!, edge[h]!);
        const p = prevOf(h);
        const t = twin[p]!;
        if (t === -1 || vertex[t] !== v) {
          add(v, vertex[p]!, edge[p]!);
          return;
        }
        h = t;
      }
    };
    for (let v = 0; v < V; v++) {
      const s = outPtr[v]!;
      const e = outPtr[v + 1]!;
      const h0 = vertexHalfEdge[v]!;
      if (h0 !== -1 && !hasPred(h0)) walk(v, h0);
      for (let i = s; i < e; i++) if (!visited[out[i]!] && !hasPred(out[i]!)) walk(v, out[i]!);
      if (h0 !== -1) walk(v, h0);
      for (let i = s; i < e; i++) if (!visited[out[i]!]) walk(v, out[i]!);
      ptr[v + 1] = n;
    }
    this.#oneRings = { ptr, index: index.slice(0, n), edge: edgeOf.slice(0, n) };
    return this.#oneRings;
  }

  /** Number of distinct neighbours of every vertex, `[V]` (the one-ring sizes). */
  vertexDegrees(): Int32Array {
    const { ptr } = this.oneRings();
    const V = this.numVertices;
    const d = new Int32Array(V);
    for (let v = 0; v < V; v++) d[v] = ptr[v + 1]! - ptr[v]!;
    return d;
  }

  /** Whether every vertex is on the boundary (`true`) or not, `[V]` as 0/1 bytes. */
  boundaryVertices(): Uint8Array {
    const { vertex, twin, next } = this.halfEdges;
    const b = new Uint8Array(this.numVertices);
    for (let h = 0; h < twin.length; h++) {
      if (twin[h] === -1) {
        b[vertex[h]!] = 1;
        b[vertex[next[h]!]!] = 1;
      }
    }
    return b;
  }

  /**
   * Connected components: faces sharing a vertex are in the same component; every unreferenced vertex
   * is a component of its own.
   */
  connectedComponents(): MeshComponents {
    if (this.#components) return this.#components;
    const V = this.numVertices;
    const F = this.numFaces;
    const uf = new UnionFind(V);
    for (let f = 0; f < F; f++) {
      uf.union(this.faces[3 * f]!, this.faces[3 * f + 1]!);
      uf.union(this.faces[3 * f]!, this.faces[3 * f + 2]!);
    }
    const label = new Int32Array(V).fill(-1);
    const vertex = new Int32Array(V);
    let count = 0;
    for (let v = 0; v < V; v++) {
      const r = uf.find(v);
      if (label[r] === -1) label[r] = count++;
      vertex[v] = label[r]!;
    }
    const face = new Int32Array(F);
    for (let f = 0; f < F; f++) face[f] = vertex[this.faces[3 * f]!]!;
    this.#components = { count, vertex, face };
    return this.#components;
  }

  // ---- simple geometry ---------------------------------------------------------------------------

  /** Axis-aligned bounding box of the vertices (all zeros for an empty mesh). */
  boundingBox(): BoundingBox {
    const p = this.positions;
    if (this.numVertices === 0) return { min: [0, 0, 0], max: [0, 0, 0] };
    const min: [number, number, number] = [p[0]!, p[1]!, p[2]!];
    const max: [number, number, number] = [p[0]!, p[1]!, p[2]!];
    for (let i = 0; i < p.length; i += 3) {
      for (let d = 0; d < 3; d++) {
        const x = p[i + d]!;
        if (x < min[d]!) min[d] = x;
        if (x > max[d]!) max[d] = x;
      }
    }
    return { min, max };
  }

  /**
   * Centroid: the mean of the vertex positions, or with `{ weighted: "area" }` the area-weighted mean
   * of the face centroids (the surface's centre of mass, independent of the sampling).
   */
  centroid(opts: { weighted?: "vertex" | "area" } = {}): [number, number, number] {
    const p = this.positions;
    const c: [number, number, number] = [0, 0, 0];
    if (opts.weighted === "area") {
      const a = this.faceAreas();
      let total = 0;
      for (let f = 0; f < this.numFaces; f++) {
        total += a[f]!;
        for (let k = 0; k < 3; k++) {
          const v = 3 * this.faces[3 * f + k]!;
          for (let d = 0; d < 3; d++) c[d]! += (a[f]! * p[v + d]!) / 3;
        }
      }
      if (total > 0) for (let d = 0; d < 3; d++) c[d]! /= total;
      return c;
    }
    const V = this.numVertices;
    if (V === 0) return c;
    for (let i = 0; i < p.length; i += 3) for (let d = 0; d < 3; d++) c[d]! += p[i + d]!;
    for (let d = 0; d < 3; d++) c[d]! /= V;
    return c;
  }
}
