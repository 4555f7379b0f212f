/**
 * Mesh data as tensors for the layers: float64 compressed-row arrays as a {@link SparseMatrix}, and
 * the index tensors of faces and edges (the directed edge list of message passing is
 * `meshToGraph(mesh).edgeIndex`).
 */
import { type DType, opError, SparseMatrix, Tensor } from "../../tensor/index.js";
import type { CsrArrays } from "./gradient.js";
import type { Mesh } from "./mesh.js";

/** A float64 CSR matrix as a {@link SparseMatrix} with values in `dtype` (default float32). */
export function csrToSparse(csr: CsrArrays, dtype: "float32" | "float64" = "float32"): SparseMatrix {
  const values = dtype === "float64" ? Float64Array.from(csr.values) : Float32Array.from(csr.values);
  return SparseMatrix.fromCsr(csr.rowPtr, csr.colIndex, {
    values: new Tensor(values, [values.length], dtype),
    shape: [csr.rows, csr.cols],
  });
}

/** A float64 array as a tensor of `shape` in `dtype`. */
export function floatTensor(data: ArrayLike<number>, shape: readonly number[], dtype: DType = "float32"): Tensor {
  if (dtype !== "float32" && dtype !== "float64") opError("floatTensor", "dtype", "float32 or float64", dtype);
  const a = dtype === "float64" ? Float64Array.from(data) : Float32Array.from(data);
  return new Tensor(a, shape, dtype);
}

/** The faces as an int32 tensor `[F, 3]`. */
export function faceTensor(mesh: Mesh): Tensor {
  return new Tensor(mesh.faces.slice(), [mesh.numFaces, 3], "int32");
}

/** The undirected edges (sorted (min, max) pairs, the mesh's edge numbering) as an int32 tensor `[E, 2]`. */
export function edgeTensor(mesh: Mesh): Tensor {
  return new Tensor(mesh.edges.slice(), [mesh.numEdges, 2], "int32");
}
