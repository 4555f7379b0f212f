/**
 * The patch operator of geodesic convolutional networks (Masci, Boscaini, Bronstein, Vandergheynst,
 * "Geodesic convolutional neural networks on Riemannian manifolds", ICCV workshops 2015). Around every
 * vertex i, a polar grid of N_ρ radial × N_θ angular bins (ρ_a, θ_b) pools the signal with Gaussian
 * weights of each neighbour's local polar coordinates (r_ij, φ_ij):
 *
 *   (D_i f)(a, b) = Σ_j w_ab(i, j) f_j / Σ_j w_ab(i, j),
 *   w_ab(i, j)    = exp(−(r_ij − ρ_a)² / 2σ_ρ²) · exp(−d(φ_ij, θ_b)² / 2σ_θ²)
 *
 * with ρ_a = (a + ½) R / N_ρ, θ_b = 2π b / N_θ, d the distance on the circle, σ_ρ = R / N_ρ and
 * σ_θ = π / N_θ by default. The neighbourhood of i is its k-ring (the vertices within `rings` edges,
 * i itself included), and the polar coordinates are the projected ones of
 * {@link localPolarCoordinates}: r_ij = ‖(p_j − p_i) projected into the tangent plane of i‖, φ_ij its
 * angle from the frame's x axis. For one ring this is a first-order approximation of the geodesic
 * polar coordinates (the log map); for two rings or more it is the tangent-plane projection Masci et al.
 * also fall back on at small radii. A vertex's own sample (r = 0) has no angle and weighs 1 in every
 * angular bin. R defaults to `rings` times the mean edge length.
 *
 * The operator is one sparse matrix of shape `[V · N_ρ · N_θ, V]`, row `(i·N_ρ + a)·N_θ + b`. Rotating
 * the angles of vertex i by 2π s / N_θ moves its rows by s angular bins, exactly: the geodesic polar
 * convolution's angular max pooling over rotations then makes the output independent of the angular
 * origin.
 */
import { CsrMatrix } from "../../linalg/csr.js";
import { opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import type { TangentFrames } from "./frames.js";
import type { Mesh } from "./mesh.js";
import { type LocalPolar, localPolarCoordinates } from "./pseudo_coords.js";

/** Options of {@link polarPatchOperator} and {@link geodesicPolarPatches}. */
export interface PolarPatchOptions {
  /** Radial bins N_ρ (default 3). */
  nRho?: number;
  /** Angular bins N_θ (default 8). */
  nTheta?: number;
  /**
   * Patch radius R (default: `rings` × the mean edge length in {@link geodesicPolarPatches}, twice the
   * mean non-zero r of the given edges in {@link polarPatchOperator}).
   */
  radius?: number;
  /** Radial width σ_ρ (default R / N_ρ). */
  sigmaRho?: number;
  /** Angular width σ_θ (default π / N_θ). */
  sigmaTheta?: number;
}

/** The k-ring neighbourhoods as an edge list j → i (i itself first in each group, then by BFS distance). */
export function kRingEdges(mesh: Mesh, rings: number): { edgeIndex: Tensor; hops: Int32Array } {
  if (!Number.isInteger(rings) || rings < 1) opError("kRingEdges", "rings", "a positive integer", String(rings));
  const V = mesh.numVertices;
  const { ptr, index } = mesh.oneRings();
  const src: number[] = [];
  const dst: number[] = [];
  const hops: number[] = [];
  const mark = new Int32Array(V).fill(-1);
  for (let i = 0; i < V; i++) {
    let frontier = [i];
    mark[i] = i;
    src.push(i);
    dst.push(i);
    hops.push(0);
    for (let h = 1; h <= rings; h++) {
      const next: number[] = [];
      for (const v of frontier)
        for (let p = ptr[v]!; p < ptr[v + 1]!; p++) {
          const w = index[p]!;
          if (mark[w] === i) continue;
          mark[w] = i;
          next.push(w);
          src.push(w);
          dst.push(i);
          hops.push(h);
        }
      frontier = next;
    }
  }
  const E = src.length;
  const d = new Int32Array(2 * E);
  d.set(src, 0);
  d.set(dst, E);
  return { edgeIndex: new Tensor(d, [2, E], "int32"), hops: Int32Array.from(hops) };
}

function resolve(opts: PolarPatchOptions, defaultRadius: number) {
  const op = "polarPatchOperator";
  const nRho = opts.nRho ?? 3;
  const nTheta = opts.nTheta ?? 8;
  if (!Number.isInteger(nRho) || nRho < 1) opError(op, "nRho", "a positive integer", String(nRho));
  if (!Number.isInteger(nTheta) || nTheta < 1) opError(op, "nTheta", "a positive integer", String(nTheta));
  const R = opts.radius ?? defaultRadius;
  if (!(R > 0) || !Number.isFinite(R)) opError(op, "radius", "a positive finite number", String(R));
  const sigmaRho = opts.sigmaRho ?? R / nRho;
  const sigmaTheta = opts.sigmaTheta ?? Math.PI / nTheta;
  if (!(sigmaRho > 0)) opError(op, "sigmaRho", "a positive number", String(sigmaRho));
  if (!(sigmaTheta > 0)) opError(op, "sigmaTheta", "a positive number", String(sigmaTheta));
  return { nRho, nTheta, R, sigmaRho, sigmaTheta };
}

/**
 * The patch operator `[V · N_ρ · N_θ, V]` from the polar coordinates (r, φ) of the edges j → i of
 * `edgeIndex` (each target i should list itself with r = 0; see the module docs). Rows sum to 1.
 */
export function polarPatchOperator(
  numVertices: number,
  edgeIndex: Tensor,
  polar: LocalPolar,
  opts: PolarPatchOptions = {},
): CsrMatrix {
  const op = "polarPatchOperator";
  if (!(edgeIndex instanceof Tensor) || edgeIndex.dtype !== "int32" || edgeIndex.ndim !== 2 || edgeIndex.shape[0] !== 2)
    opError(op, "edgeIndex", "an int32 tensor [2, E]", String(edgeIndex));
  const E = edgeIndex.shape[1]!;
  if (polar.rho.length !== E || polar.theta.length !== E)
    opError(
      op,
      "polar",
      `rho and theta of length ${E} (one per edge)`,
      `${polar.rho.length} and ${polar.theta.length}`,
    );
  const V = numVertices;
  const d = edgeIndex.data as Int32Array;
  const src = d.subarray(0, E);
  const dst = d.subarray(E, 2 * E);
  let meanR = 0;
  let nR = 0;
  for (let e = 0; e < E; e++) {
    const v = src[e]!;
    const t = dst[e]!;
    if (v < 0 || v >= V || t < 0 || t >= V) opError(op, "edgeIndex", `vertex ids in [0, ${V})`, `${v} → ${t} at ${e}`);
    if (polar.rho[e]! > 0) {
      meanR += polar.rho[e]!;
      nR++;
    }
  }
  const { nRho, nTheta, R, sigmaRho, sigmaTheta } = resolve(opts, nR > 0 ? (2 * meanR) / nR : 1);
  // group the edges by target
  const start = new Int32Array(V + 1);
  for (let e = 0; e < E; e++) start[dst[e]! + 1]!++;
  for (let i = 0; i < V; i++) start[i + 1]! += start[i]!;
  const order = new Int32Array(E);
  const fill = start.slice(0, V);
  for (let e = 0; e < E; e++) order[fill[dst[e]!]!++] = e;
  const B = nRho * nTheta;
  const rows = V * B;
  const rowPtr = new Int32Array(rows + 1);
  // every edge of target i appears once in each of its B rows (columns sorted and merged per row)
  const colsOf: Int32Array[] = [];
  for (let i = 0; i < V; i++) {
    const cols = Array.from(order.subarray(start[i]!, start[i + 1]!), (e) => src[e]!);
    const uniq = Int32Array.from(new Set(cols)).sort();
    colsOf.push(uniq);
    for (let b = 0; b < B; b++) rowPtr[i * B + b + 1] = uniq.length;
  }
  for (let r = 0; r < rows; r++) rowPtr[r + 1]! += rowPtr[r]!;
  const colIndex = new Int32Array(rowPtr[rows]!);
  const values = new Float64Array(rowPtr[rows]!);
  const rhoW = new Float64Array(nRho);
  const thW = new Float64Array(nTheta);
  for (let i = 0; i < V; i++) {
    const uniq = colsOf[i]!;
    const pos = new Map<number, number>();
    uniq.forEach((c, k) => {
      pos.set(c, k);
    });
    for (let b = 0; b < B; b++) colIndex.set(uniq, rowPtr[i * B + b]!);
    for (let q = start[i]!; q < start[i + 1]!; q++) {
      const e = order[q]!;
      const r = polar.rho[e]!;
      for (let a = 0; a < nRho; a++)
        rhoW[a] = Math.exp(-((r - ((a + 0.5) * R) / nRho) ** 2) / (2 * sigmaRho * sigmaRho));
      if (r > 0) {
        for (let b = 0; b < nTheta; b++) {
          let dth = Math.abs(polar.theta[e]! - (2 * Math.PI * b) / nTheta) % (2 * Math.PI);
          if (dth > Math.PI) dth = 2 * Math.PI - dth;
          thW[b] = Math.exp(-(dth * dth) / (2 * sigmaTheta * sigmaTheta));
        }
      } else thW.fill(1);
      const k = pos.get(src[e]!)!;
      for (let a = 0; a < nRho; a++)
        for (let b = 0; b < nTheta; b++) values[rowPtr[(i * nRho + a) * nTheta + b]! + k]! += rhoW[a]! * thW[b]!;
    }
  }
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) s += values[p]!;
    if (s > 0) for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) values[p] = values[p]! / s;
  }
  return new CsrMatrix(rows, V, rowPtr, colIndex, values);
}

/**
 * Masci et al.'s patch operator on a mesh: the `rings`-ring of every vertex (default 2), its projected
 * polar coordinates in `frames` (default {@link tangentFrames}) and {@link polarPatchOperator}. The
 * default radius is `rings` times the mean edge length.
 */
export function geodesicPolarPatches(
  mesh: Mesh,
  opts: PolarPatchOptions & { rings?: number; frames?: TangentFrames } = {},
): CsrMatrix {
  const rings = opts.rings ?? 2;
  const { edgeIndex } = kRingEdges(mesh, rings);
  const polar = localPolarCoordinates(mesh, edgeIndex, opts.frames);
  const radius = opts.radius ?? (mesh.numEdges > 0 ? rings * mesh.meanEdgeLength() : 1);
  return polarPatchOperator(mesh.numVertices, edgeIndex, polar, { ...opts, radius });
}
