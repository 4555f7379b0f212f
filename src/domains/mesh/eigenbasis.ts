/**
 * The Laplace–Beltrami eigenbasis of a mesh: the k smallest eigenpairs of `L φ = λ M φ` with the cotan
 * Laplacian L and the lumped mass M (`laplacian.ts`), by shift-invert Krylov–Schur on a sparse
 * factorisation of `L − σM` (`linalg/eigsh.ts`; dense for small meshes). The eigenvectors are
 * M-orthonormal (`Φᵀ M Φ = I`), so a signal f on the vertices has the spectral coefficients `Φᵀ M f`.
 * This is the basis of spectral mesh CNNs, DiffusionNet's learned diffusion and the heat/wave kernel
 * signatures (`descriptors.ts`).
 */

import { CsrMatrix } from "../../linalg/csr.js";
import { type EigshOptions, eigsh } from "../../linalg/eigsh.js";
import { opError } from "../../tensor/errors.js";
import { type LaplacianOptions, laplacianAndMass } from "./laplacian.js";
import { Mesh } from "./mesh.js";

/** Options of {@link meshEigenbasis}: the eigensolver's and the Laplacian's. */
export interface EigenbasisOptions extends EigshOptions {
  /** How the Laplacian is built from a mesh (e.g. `{ intrinsicDelaunay: true }`). */
  laplacian?: LaplacianOptions;
  /** Clip eigenvalues that round-off leaves slightly below 0 to 0 (default true, as DiffusionNet). */
  clipNegative?: boolean;
}

/** An eigenbasis: `values [k]` ascending, `vectors [V, k]` row-major (M-orthonormal columns), `mass [V]`. */
export interface MeshEigenbasis {
  values: Float64Array;
  vectors: Float64Array;
  mass: Float64Array;
  /** Number of eigenpairs (the requested k, clamped to V). */
  k: number;
  numVertices: number;
}

/**
 * The `k` smallest eigenpairs of the mesh's Laplace–Beltrami operator, `L φ = λ M φ`. Pass a
 * {@link Mesh} (L and M are built with `opts.laplacian`), or precomputed `{ L, M }` (M the diagonal).
 *
 * `k` is clamped to V: a mesh with V vertices has V eigenpairs, so `k ≥ V` returns all V of them
 * (`result.k` says how many). Meshes with V ≤ `denseThreshold` (default 300, which covers SHREC'11's
 * 250-vertex meshes at k = 128) are solved densely; larger ones by the sparse shift-invert method.
 */
export function meshEigenbasis(
  input: Mesh | { L: CsrMatrix; M: ArrayLike<number> },
  k: number,
  opts: EigenbasisOptions = {},
): MeshEigenbasis {
  const op = "meshEigenbasis";
  let L: CsrMatrix;
  let M: Float64Array;
  if (input instanceof Mesh) {
    const lm = laplacianAndMass(input, opts.laplacian);
    L = lm.L;
    M = lm.M;
  } else if (input && input.L instanceof CsrMatrix) {
    L = input.L;
    M = Float64Array.from(input.M);
    if (M.length !== L.rows) opError(op, "M", `length ${L.rows} (the Laplacian's size)`, String(M.length));
  } else return opError(op, "input", "a Mesh or { L: CsrMatrix, M }", typeof input);
  const V = L.rows;
  if (!Number.isInteger(k) || k < 1) opError(op, "k", "a positive integer", String(k));
  for (let i = 0; i < V; i++)
    if (!(M[i]! > 0))
      opError(
        op,
        "M",
        "positive vertex masses (every vertex in a face of positive area; removeUnreferencedVertices / repairMesh drop the others)",
        `${M[i]} at vertex ${i}`,
      );
  const r = eigsh(L, Math.min(k, V), M, opts);
  const values = r.values;
  if (opts.clipNegative ?? true) for (let i = 0; i < values.length; i++) if (values[i]! < 0) values[i] = 0;
  return { values, vectors: r.vectors, mass: M, k: r.k, numVertices: V };
}
