/**
 * Face-based differential operators of piecewise-linear functions on a triangle mesh (the operators
 * of the heat method and of the cotan Laplacian). For a function u given at the vertices, its gradient
 * is constant on each face f:
 *
 *   `∇u|_f = (1 / 2A_f) Σ_i u_i (N_f × e_i)`,
 *
 * where `e_i` is the edge opposite corner i, oriented counter-clockwise, and `N_f` the unit normal.
 * The *integrated* divergence of a face vector field X at vertex i is its pairing with the hat
 * function's gradient, `(div X)_i = −Σ_f A_f ∇φ_i|_f · X_f = −½ Σ_f (N_f × e_i) · X_f` (Crane,
 * Weischedel, Wardetzky 2013, eq. for ∇·X in cotangent form). With the gradient matrix G (`[3F, V]`)
 * and `A = diag(A_f)` on each of a face's three rows, `L = Gᵀ A G` is the cotan Laplacian and
 * `div = −Gᵀ A`, so `div ∇u = −L u`. Degenerate faces (zero area) get a zero gradient.
 *
 * These are the face-based operators; DiffusionNet's vertex-based spatial gradient (least squares in
 * each vertex's tangent plane) is a different operator.
 */

import { CsrMatrix } from "../../linalg/csr.js";
import { opError } from "../../tensor/errors.js";
import type { Mesh } from "./mesh.js";

/** `N_f × e_i / 2A_f` for each corner (the gradient of the hat function of corner i on face f), `[F, 3, 3]`. */
function hatGradients(mesh: Mesh): Float64Array {
  const F = mesh.numFaces;
  const p = mesh.positions;
  const faces = mesh.faces;
  const n = mesh.faceNormals();
  const area = mesh.faceAreas();
  const out = new Float64Array(9 * F);
  for (let f = 0; f < F; f++) {
    const A = area[f]!;
    if (!(A > 0)) continue;
    const nx = n[3 * f]!;
    const ny = n[3 * f + 1]!;
    const nz = n[3 * f + 2]!;
    for (let k = 0; k < 3; k++) {
      const a = 3 * faces[3 * f + ((k + 1) % 3)]!;
      const b = 3 * faces[3 * f + ((k + 2) % 3)]!;
      const ex = p[b]! - p[a]!;
      const ey = p[b + 1]! - p[a + 1]!;
      const ez = p[b + 2]! - p[a + 2]!;
      const s = 1 / (2 * A);
      const o = 9 * f + 3 * k;
      out[o] = (ny * ez - nz * ey) * s;
      out[o + 1] = (nz * ex - nx * ez) * s;
      out[o + 2] = (nx * ey - ny * ex) * s;
    }
  }
  return out;
}

const hatCache = new WeakMap<Mesh, Float64Array>();

function hats(mesh: Mesh): Float64Array {
  let h = hatCache.get(mesh);
  if (!h) {
    h = hatGradients(mesh);
    hatCache.set(mesh, h);
  }
  return h;
}

/** The gradient of the vertex function `u` (`[V]`) on each face, `[F, 3]` row-major. */
export function faceGradient(mesh: Mesh, u: ArrayLike<number>): Float64Array {
  if (u.length !== mesh.numVertices) opError("faceGradient", "u", `length ${mesh.numVertices} (V)`, String(u.length));
  const F = mesh.numFaces;
  const g = hats(mesh);
  const faces = mesh.faces;
  const out = new Float64Array(3 * F);
  for (let f = 0; f < F; f++) {
    let gx = 0;
    let gy = 0;
    let gz = 0;
    for (let k = 0; k < 3; k++) {
      const uk = u[faces[3 * f + k]!]!;
      const o = 9 * f + 3 * k;
      gx += uk * g[o]!;
      gy += uk * g[o + 1]!;
      gz += uk * g[o + 2]!;
    }
    out[3 * f] = gx;
    out[3 * f + 1] = gy;
    out[3 * f + 2] = gz;
  }
  return out;
}

/** The integrated divergence `[V]` of the face vector field `x` (`[F, 3]`): `−Σ_f A_f ∇φ_i · X_f`. */
export function faceDivergence(mesh: Mesh, x: ArrayLike<number>): Float64Array {
  const F = mesh.numFaces;
  if (x.length !== 3 * F) opError("faceDivergence", "x", `length ${3 * F} ([F, 3])`, String(x.length));
  const g = hats(mesh);
  const area = mesh.faceAreas();
  const faces = mesh.faces;
  const out = new Float64Array(mesh.numVertices);
  for (let f = 0; f < F; f++) {
    const A = area[f]!;
    const xx = x[3 * f]!;
    const xy = x[3 * f + 1]!;
    const xz = x[3 * f + 2]!;
    for (let k = 0; k < 3; k++) {
      const o = 9 * f + 3 * k;
      out[faces[3 * f + k]!]! -= A * (g[o]! * xx + g[o + 1]! * xy + g[o + 2]! * xz);
    }
  }
  return out;
}

/** The gradient operator as a sparse `[3F, V]` matrix: row `3f + d` gives component d of `∇u|_f`. */
export function faceGradientMatrix(mesh: Mesh): CsrMatrix {
  const F = mesh.numFaces;
  const g = hats(mesh);
  const faces = mesh.faces;
  const rows = new Int32Array(9 * F);
  const cols = new Int32Array(9 * F);
  const vals = new Float64Array(9 * F);
  let q = 0;
  for (let f = 0; f < F; f++)
    for (let d = 0; d < 3; d++)
      for (let k = 0; k < 3; k++) {
        rows[q] = 3 * f + d;
        cols[q] = faces[3 * f + k]!;
        vals[q++] = g[9 * f + 3 * k + d]!;
      }
  return CsrMatrix.fromCoo(3 * F, mesh.numVertices, rows, cols, vals);
}
