/**
 * Dense symmetric eigensolver in float64 (Householder + implicit QL). The typed-array routines live in
 * `linalg/dense_eigen.ts` and are re-exported here; {@link symEig} is the tensor front end. Used for
 * spectral positional encodings and small Laplacians.
 */

import { symEigDense } from "../../linalg/dense_eigen.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";

export { type SymEigResult, symEigDense, symTridiagEig } from "../../linalg/dense_eigen.js";

/** {@link symEigDense} on a square tensor; returns float64 tensors `values [n]` and `vectors [n, n]` (columns). */
export function symEig(a: Tensor): { values: Tensor; vectors: Tensor } {
  if (a.ndim !== 2 || a.shape[0] !== a.shape[1]) opError("symEig", "a", "a square matrix [n, n]", fmtShape(a.shape));
  const n = a.shape[0]!;
  const r = symEigDense(a.data, n);
  return { values: new Tensor(r.values, [n], "float64"), vectors: new Tensor(r.vectors, [n, n], "float64") };
}
