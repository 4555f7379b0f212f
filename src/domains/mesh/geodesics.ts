/**
 * Geodesic distances on a triangle mesh.
 *
 * **Heat method** (Crane, Weischedel, Wardetzky, "Geodesics in Heat", 2013): Varadhan's formula says
 * that heat diffused for a short time t from a source has level sets at constant geodesic distance.
 * With the cotan Laplacian L and the lumped mass M (`laplacian.ts`):
 *
 * 1. integrate the heat flow for one implicit step: `(M + t L) u = δ_sources`, with `t = m · h²`, h the
 *    mean edge length (m = 1 by default);
 * 2. normalise the gradient per face: `X = −∇u / |∇u|` (`face_gradient.ts`);
 * 3. solve the Poisson equation `L φ = −div X` (one vertex per connected component pinned to remove
 *    the constant null space);
 * 4. shift φ so that the smallest value at the sources of each component is 0 (vertices of components
 *    without a source get `Infinity`).
 *
 * Both matrices are factorised once (sparse LDLᵀ, `linalg/cholesky.ts`) by {@link HeatGeodesicSolver}
 * and reused for every set of sources; each query costs two triangular solve pairs. On a mesh with
 * boundary the heat step takes the natural (Neumann) condition of the weak Laplacian by default;
 * `boundary: "average"` averages the Neumann and the Dirichlet (u = 0 on the boundary) solutions, which
 * the paper recommends (it removes most of the boundary's pull on the level sets), at the cost of a
 * third factorisation.
 *
 * **Dijkstra** ({@link dijkstraDistances}): exact shortest paths along the edges (Euclidean edge
 * lengths, binary heap), an upper bound of the geodesic distance and the usual cross-check.
 */
import { type CholeskyFactor, cholesky } from "../../linalg/cholesky.js";
import { CsrMatrix } from "../../linalg/csr.js";
import { opError } from "../../tensor/errors.js";
import { faceDivergence, faceGradient } from "./face_gradient.js";
import { cotanLaplacian, massMatrix } from "./laplacian.js";
import type { Mesh } from "./mesh.js";

/** Options of {@link HeatGeodesicSolver}. */
export interface HeatGeodesicOptions {
  /** Time step factor m in `t = m · h²` (default 1). */
  timeFactor?: number;
  /** Boundary condition of the heat step on meshes with boundary: `"neumann"` (default) or `"average"`. */
  boundary?: "neumann" | "average";
}

function checkSources(op: string, sources: number | ArrayLike<number>, V: number): Int32Array {
  const s = typeof sources === "number" ? [sources] : sources;
  if (s.length === 0) opError(op, "sources", "at least one source vertex", "none");
  const out = new Int32Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= V)
      opError(op, "sources", `vertex ids in [0, ${V})`, `${v} at position ${i}`);
    out[i] = v;
  }
  return out;
}

/** Connected components of the vertex graph of the edges: `[component id per vertex, count]`. */
function components(mesh: Mesh): [Int32Array, number] {
  const V = mesh.numVertices;
  const parent = new Int32Array(V);
  for (let i = 0; i < V; i++) parent[i] = i;
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[x] !== r) {
      const nx = parent[x]!;
      parent[x] = r;
      x = nx;
    }
    return r;
  };
  const e = mesh.edges;
  for (let i = 0; i < e.length; i += 2) {
    const a = find(e[i]!);
    const b = find(e[i + 1]!);
    if (a !== b) parent[a] = b;
  }
  const id = new Int32Array(V).fill(-1);
  const comp = new Int32Array(V);
  let count = 0;
  for (let v = 0; v < V; v++) {
    const r = find(v);
    if (id[r] === -1) id[r] = count++;
    comp[v] = id[r]!;
  }
  return [comp, count];
}

/**
 * The heat method with its two factorisations kept (see the module docs): build once per mesh, then
 * call {@link HeatGeodesicSolver.distances} for any set of sources.
 */
export class HeatGeodesicSolver {
  readonly mesh: Mesh;
  /** The diffusion time t. */
  readonly time: number;
  readonly #heat: CholeskyFactor;
  readonly #heatDirichlet: CholeskyFactor | null = null;
  readonly #onBoundary: Uint8Array | null = null;
  readonly #poisson: CholeskyFactor;
  readonly #component: Int32Array;
  readonly #numComponents: number;
  readonly #pinned: Uint8Array;

  constructor(mesh: Mesh, opts: HeatGeodesicOptions = {}) {
    const op = "HeatGeodesicSolver";
    const m = opts.timeFactor ?? 1;
    if (!(m > 0 && Number.isFinite(m))) opError(op, "timeFactor", "a positive number", String(m));
    this.mesh = mesh;
    const V = mesh.numVertices;
    const L = cotanLaplacian(mesh);
    const M = massMatrix(mesh);
    // mean edge length
    const p = mesh.positions;
    const e = mesh.edges;
    let h = 0;
    for (let i = 0; i < e.length; i += 2) {
      const a = 3 * e[i]!;
      const b = 3 * e[i + 1]!;
      h += Math.hypot(p[a]! - p[b]!, p[a + 1]! - p[b + 1]!, p[a + 2]! - p[b + 2]!);
    }
    h /= Math.max(1, e.length / 2);
    this.time = m * h * h;
    // vertices in no face have zero mass and an empty Laplacian row: give them a unit diagonal
    const diag = new Float64Array(V);
    for (let v = 0; v < V; v++) diag[v] = M[v]! > 0 ? M[v]! : 1;
    const heat = L.scale(this.time).addDiagonal(diag);
    this.#heat = cholesky(heat);
    const boundary = opts.boundary ?? "neumann";
    if (boundary !== "neumann" && boundary !== "average")
      opError(op, "boundary", "'neumann' or 'average'", String(boundary));
    if (boundary === "average") {
      const onB = new Uint8Array(V);
      const { twin, vertex, next } = mesh.halfEdges;
      for (let h = 0; h < twin.length; h++) {
        if (twin[h] === -1) {
          onB[vertex[h]!] = 1;
          onB[vertex[next[h]!]!] = 1;
        }
      }
      if (onB.some((b) => b === 1)) {
        // Dirichlet: boundary rows and columns replaced by the identity's (u = 0 there)
        const vals = new Float64Array(heat.nnz);
        for (let r = 0; r < V; r++)
          for (let q = heat.rowPtr[r]!; q < heat.rowPtr[r + 1]!; q++) {
            const c = heat.colIndex[q]!;
            vals[q] = onB[r] || onB[c] ? (r === c ? 1 : 0) : heat.values[q]!;
          }
        this.#heatDirichlet = cholesky(new CsrMatrix(V, V, heat.rowPtr, heat.colIndex, vals));
        this.#onBoundary = onB;
      }
    }
    const [comp, count] = components(mesh);
    this.#component = comp;
    this.#numComponents = count;
    // pin the first vertex of each component: its row and column become the identity's
    const pinned = new Uint8Array(V);
    const seen = new Uint8Array(count);
    for (let v = 0; v < V; v++) {
      if (!seen[comp[v]!]) {
        seen[comp[v]!] = 1;
        pinned[v] = 1;
      }
    }
    this.#pinned = pinned;
    const vals = new Float64Array(L.nnz);
    for (let r = 0; r < V; r++) {
      for (let q = L.rowPtr[r]!; q < L.rowPtr[r + 1]!; q++) {
        const c = L.colIndex[q]!;
        vals[q] = pinned[r] || pinned[c] ? (r === c ? 1 : 0) : L.values[q]!;
      }
    }
    let Lp = new CsrMatrix(V, V, L.rowPtr, L.colIndex, vals);
    // isolated vertices have no stored diagonal: add it
    if (Lp.diagonal().some((d) => d === 0)) Lp = Lp.addDiagonal(Lp.diagonal().map((d) => (d === 0 ? 1 : 0)));
    this.#poisson = cholesky(Lp);
  }

  /** Geodesic distance `[V]` from the nearest of `sources` (a vertex id or a list of them). */
  distances(sources: number | ArrayLike<number>): Float64Array {
    const V = this.mesh.numVertices;
    const src = checkSources("HeatGeodesicSolver.distances", sources, V);
    const delta = new Float64Array(V);
    for (const s of src) delta[s] = 1;
    const u = this.#heat.solve(delta);
    if (this.#heatDirichlet && this.#onBoundary) {
      // average with the Dirichlet solution (u = 0 on the boundary, so boundary sources add nothing to it)
      const onB = this.#onBoundary;
      const rhs = Float64Array.from(delta, (d, v) => (onB[v] ? 0 : d));
      const ud = this.#heatDirichlet.solve(rhs);
      for (let v = 0; v < V; v++) u[v] = 0.5 * (u[v]! + ud[v]!);
    }
    const g = faceGradient(this.mesh, u);
    const F = this.mesh.numFaces;
    for (let f = 0; f < F; f++) {
      const n = Math.hypot(g[3 * f]!, g[3 * f + 1]!, g[3 * f + 2]!);
      const s = n > 0 ? -1 / n : 0;
      g[3 * f]! *= s;
      g[3 * f + 1]! *= s;
      g[3 * f + 2]! *= s;
    }
    const div = faceDivergence(this.mesh, g);
    // L φ = −div X, with the pinned vertices' equations replaced by φ = 0
    for (let v = 0; v < V; v++) div[v] = this.#pinned[v] ? 0 : -div[v]!;
    const phi = this.#poisson.solve(div, div);
    const shift = new Float64Array(this.#numComponents).fill(Number.POSITIVE_INFINITY);
    const comp = this.#component;
    for (const s of src) shift[comp[s]!] = Math.min(shift[comp[s]!]!, phi[s]!);
    for (let v = 0; v < V; v++) {
      const c = shift[comp[v]!]!;
      phi[v] = c === Number.POSITIVE_INFINITY ? c : phi[v]! - c;
    }
    return phi;
  }
}

/**
 * Geodesic distances `[V]` from `sources` by the heat method (one-shot; build a
 * {@link HeatGeodesicSolver} to reuse the factorisations across calls).
 */
export function heatGeodesics(
  mesh: Mesh,
  sources: number | ArrayLike<number>,
  opts: HeatGeodesicOptions = {},
): Float64Array {
  return new HeatGeodesicSolver(mesh, opts).distances(sources);
}

/**
 * Shortest-path distances `[V]` along the mesh edges (Euclidean lengths) from the nearest of
 * `sources`; `Infinity` where no path exists. Dijkstra's algorithm with a binary heap.
 */
export function dijkstraDistances(mesh: Mesh, sources: number | ArrayLike<number>): Float64Array {
  const V = mesh.numVertices;
  const src = checkSources("dijkstraDistances", sources, V);
  const e = mesh.edges;
  const E = e.length / 2;
  const p = mesh.positions;
  // CSR adjacency with edge lengths
  const deg = new Int32Array(V + 1);
  for (let i = 0; i < E; i++) {
    deg[e[2 * i]! + 1]!++;
    deg[e[2 * i + 1]! + 1]!++;
  }
  for (let v = 0; v < V; v++) deg[v + 1]! += deg[v]!;
  const fill = deg.slice(0, V);
  const nb = new Int32Array(2 * E);
  const w = new Float64Array(2 * E);
  for (let i = 0; i < E; i++) {
    const a = e[2 * i]!;
    const b = e[2 * i + 1]!;
    const l = Math.hypot(p[3 * a]! - p[3 * b]!, p[3 * a + 1]! - p[3 * b + 1]!, p[3 * a + 2]! - p[3 * b + 2]!);
    nb[fill[a]!] = b;
    w[fill[a]!++] = l;
    nb[fill[b]!] = a;
    w[fill[b]!++] = l;
  }
  const dist = new Float64Array(V).fill(Number.POSITIVE_INFINITY);
  const done = new Uint8Array(V);
  // binary min-heap of (distance, vertex) with lazy deletion
  let hd = new Float64Array(Math.max(16, 2 * V));
  let hv = new Int32Array(hd.length);
  let size = 0;
  const push = (d: number, v: number): void => {
    if (size === hd.length) {
      const nd = new Float64Array(2 * size);
      nd.set(hd);
      const nv = new Int32Array(2 * size);
      nv.set(hv);
      hd = nd;
      hv = nv;
    }
    let i = size++;
    while (i > 0) {
      const par = (i - 1) >> 1;
      if (hd[par]! <= d) break;
      hd[i] = hd[par]!;
      hv[i] = hv[par]!;
      i = par;
    }
    hd[i] = d;
    hv[i] = v;
  };
  const pop = (): number => {
    const top = hv[0]!;
    const d = hd[--size]!;
    const v = hv[size]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && hd[c + 1]! < hd[c]!) c++;
      if (hd[c]! >= d) break;
      hd[i] = hd[c]!;
      hv[i] = hv[c]!;
      i = c;
    }
    hd[i] = d;
    hv[i] = v;
    return top;
  };
  for (const s of src) {
    dist[s] = 0;
    push(0, s);
  }
  while (size > 0) {
    const v = pop();
    if (done[v]) continue;
    done[v] = 1;
    const dv = dist[v]!;
    for (let q = deg[v]!; q < deg[v + 1]!; q++) {
      const u = nb[q]!;
      const du = dv + w[q]!;
      if (du < dist[u]!) {
        dist[u] = du;
        push(du, u);
      }
    }
  }
  return dist;
}
