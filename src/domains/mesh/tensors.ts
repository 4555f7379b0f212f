/**
 * Mesh data as tensors for the layers: float arrays, and the index tensors of faces and edges (the directed edge list of message passing is
 * `meshToGraph(mesh).edgeIndex`).
 */
import type { DType } from "../../tensor/dtype.js";
import { opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import type { Mesh } from "./mesh.js";

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
