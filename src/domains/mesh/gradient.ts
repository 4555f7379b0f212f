/**
 * DiffusionNet's spatial gradient operator (Sharp, Attaiki, Crane, Ovsjanikov, "DiffusionNet:
 * Discretization Agnostic Learning on Surfaces", ToG 2022, §3.3 and the supplement). At a vertex i
 * with tangent frame (x_i, y_i, n_i) and neighbours j (its one-ring), each edge vector
 * e_ij = p_j − p_i is written in the frame, u_ij = (e_ij·x_i, e_ij·y_i) ∈ ℝ², and the gradient
 * g_i ∈ ℝ² of a vertex function f is the regularised weighted least-squares fit
 *
 *   g_i = argmin_g Σ_j w_ij (u_ij·g − (f_j − f_i))² + ε_i ‖g‖²
 *       = (Uᵀ W U + ε_i I)⁻¹ Uᵀ W (f_N(i) − f_i 1)  =  Σ_j c_ij (f_j − f_i),
 *
 * linear in f. Stacking the rows gives two sparse V×V matrices: `gradX · f` and `gradY · f` are the
 * components of ∇f in each vertex's frame (DiffusionNet's complex operator is gradX + i·gradY). Row i
 * holds c_ij at the neighbours and −Σ_j c_ij on the diagonal, so constants have zero gradient and a
 * linear function on a flat mesh has its exact gradient (for ε = 0).
 *
 * Conventions (as DiffusionNet's `build_grad`): uniform weights w_ij = 1 by default; the edge vector is
 * projected without rescaling. The regulariser is relative here: ε_i = ε · mean_j(w_ij ‖u_ij‖²), so
 * the operator does not depend on the mesh's scale (DiffusionNet adds an absolute 1e-5 on meshes
 * normalised to unit radius, which is 1e-4 to 1e-3 of the mean squared edge length of a SHREC mesh).
 *
 * Rotating the frame at vertex i by φ_i multiplies row i of gradX + i·gradY by e^{−iφ_i}: the operator
 * is frame-covariant, and DiffusionNet's gradient features (inner products of gradients at the same
 * vertex) do not depend on the frames.
 */
import { CsrMatrix } from "../../linalg/csr.js";
import { opError } from "../../tensor/errors.js";
import { type TangentFrames, tangentFrames } from "./frames.js";
import type { Mesh } from "./mesh.js";

/** Options of {@link vertexGradient}. */
export interface VertexGradientOptions {
  /** Tangent frames (default {@link tangentFrames}: x toward each vertex's reference neighbour). */
  frames?: TangentFrames;
  /** Least-squares weights: `uniform` (w = 1, DiffusionNet's; default) or `inverseLength` (w = 1/‖u‖). */
  weighting?: "uniform" | "inverseLength";
  /** Relative Tikhonov regulariser ε (default 1e-5; see the module docs). */
  regularization?: number;
}

/** The two components of the gradient operator, each a V×V {@link CsrMatrix}. */
export interface VertexGradient {
  gradX: CsrMatrix;
  gradY: CsrMatrix;
}

function checkFrames(op: string, frames: TangentFrames, V: number): void {
  for (const k of ["normals", "xAxes", "yAxes"] as const) {
    const a = frames[k];
    if (!(a instanceof Float64Array) || a.length !== 3 * V)
      opError(op, `frames.${k}`, `a Float64Array of length ${3 * V} ([V, 3])`, a ? `length ${a.length}` : String(a));
  }
}

/**
 * DiffusionNet's spatial gradient operator on the one-ring of every vertex, in the tangent frames
 * `opts.frames` (default {@link tangentFrames}); see the module docs for the equation and conventions.
 */
export function vertexGradient(mesh: Mesh, opts: VertexGradientOptions = {}): VertexGradient {
  const op = "vertexGradient";
  const V = mesh.numVertices;
  const frames = opts.frames ?? tangentFrames(mesh);
  checkFrames(op, frames, V);
  const eps = opts.regularization ?? 1e-5;
  if (!(eps >= 0) || !Number.isFinite(eps)) opError(op, "regularization", "a finite number >= 0", String(eps));
  const weighting = opts.weighting ?? "uniform";
  if (weighting !== "uniform" && weighting !== "inverseLength")
    opError(op, "weighting", "'uniform' or 'inverseLength'", String(weighting));
  // one-rings with each vertex's neighbours sorted (the CSR rows need sorted columns)
  const rings = mesh.oneRings();
  const ptr = rings.ptr;
  const index = rings.index.slice();
  for (let v = 0; v < V; v++) index.subarray(ptr[v]!, ptr[v + 1]!).sort();
  const p = mesh.positions;
  const { xAxes, yAxes } = frames;
  const rowPtr = new Int32Array(V + 1);
  for (let v = 0; v < V; v++) rowPtr[v + 1] = rowPtr[v]! + (ptr[v + 1]! - ptr[v]!) + 1;
  const nnz = rowPtr[V]!;
  const colIndex = new Int32Array(nnz);
  const gx = new Float64Array(nnz);
  const gy = new Float64Array(nnz);
  let ux = new Float64Array(16);
  let uy = new Float64Array(16);
  let w = new Float64Array(16);
  for (let i = 0; i < V; i++) {
    const n = ptr[i + 1]! - ptr[i]!;
    if (n > ux.length) {
      ux = new Float64Array(2 * n);
      uy = new Float64Array(2 * n);
      w = new Float64Array(2 * n);
    }
    const xi = 3 * i;
    let a = 0;
    let b = 0;
    let c = 0;
    let tr = 0;
    for (let k = 0; k < n; k++) {
      const j = index[ptr[i]! + k]!;
      const ex = p[3 * j]! - p[xi]!;
      const ey = p[3 * j + 1]! - p[xi + 1]!;
      const ez = p[3 * j + 2]! - p[xi + 2]!;
      const u0 = ex * xAxes[xi]! + ey * xAxes[xi + 1]! + ez * xAxes[xi + 2]!;
      const u1 = ex * yAxes[xi]! + ey * yAxes[xi + 1]! + ez * yAxes[xi + 2]!;
      const len = Math.hypot(u0, u1);
      const wk = weighting === "uniform" ? 1 : len > 0 ? 1 / len : 0;
      ux[k] = u0;
      uy[k] = u1;
      w[k] = wk;
      a += wk * u0 * u0;
      b += wk * u0 * u1;
      c += wk * u1 * u1;
      tr += wk * (u0 * u0 + u1 * u1);
    }
    const reg = n > 0 ? (eps * tr) / n : 0;
    a += reg;
    c += reg;
    const det = a * c - b * b;
    // the diagonal entry sits at its sorted place among the neighbours
    let q = rowPtr[i]!;
    let diagAt = -1;
    let sx = 0;
    let sy = 0;
    for (let k = 0; k < n; k++) {
      const j = index[ptr[i]! + k]!;
      if (diagAt < 0 && j > i) diagAt = q++;
      let cx = 0;
      let cy = 0;
      if (det > 0) {
        // (UᵀWU + εI)⁻¹ w_k u_k
        cx = (w[k]! * (c * ux[k]! - b * uy[k]!)) / det;
        cy = (w[k]! * (a * uy[k]! - b * ux[k]!)) / det;
      }
      colIndex[q] = j;
      gx[q] = cx;
      gy[q] = cy;
      sx += cx;
      sy += cy;
      q++;
    }
    if (diagAt < 0) diagAt = q;
    colIndex[diagAt] = i;
    gx[diagAt] = -sx;
    gy[diagAt] = -sy;
  }
  return {
    gradX: new CsrMatrix(V, V, rowPtr, colIndex, gx),
    gradY: new CsrMatrix(V, V, rowPtr.slice(), colIndex.slice(), gy),
  };
}
