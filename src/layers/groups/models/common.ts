/**
 * The argument checks shared by the atomistic models' `(z, pos, batch)` inputs. (Their MLPs are
 * `nn/mlp.ts`'s `MLP` with `norm: null`; their readouts the global pools of `domains/graph/pool.ts`.)
 */
import { ErlangenError, fmtShape, opError } from "../../../tensor/errors.js";
import type { Tensor } from "../../../tensor/tensor.js";
import "../../../tensor/index.js";

/**
 * Checks atomistic inputs: `z` int32 `[N]` in [0, numSpecies), `pos` float `[N, 3]` without NaN,
 * `batch` int32 `[N]` (optional).
 */
export function checkAtoms(
  op: string,
  z: Tensor,
  pos: Tensor,
  batch: Tensor | null | undefined,
  numSpecies: number,
): void {
  if (z.dtype !== "int32" || z.ndim !== 1)
    opError(op, "z", "int32 atomic numbers [N]", `${z.dtype} ${fmtShape(z.shape)}`);
  const N = z.shape[0]!;
  if (pos.ndim !== 2 || pos.shape[0] !== N || pos.shape[1] !== 3)
    opError(op, "pos", `shape [${N}, 3]`, fmtShape(pos.shape));
  if (pos.dtype !== "float32" && pos.dtype !== "float64") opError(op, "pos", "a float tensor", pos.dtype);
  for (let i = 0; i < z.size; i++) {
    const v = z.data[i]!;
    if (v < 0 || v >= numSpecies) opError(op, "z", `atomic numbers in [0, ${numSpecies})`, `${v} at atom ${i}`);
  }
  for (let i = 0; i < pos.size; i++) {
    if (!Number.isFinite(pos.data[i]!))
      throw new ErlangenError(
        `${op}: argument 'pos' expected finite coordinates, got ${pos.data[i]} at atom ${Math.floor(i / 3)}`,
      );
  }
  if (batch !== null && batch !== undefined) {
    if (batch.dtype !== "int32" || batch.ndim !== 1 || batch.shape[0] !== N)
      opError(op, "batch", `int32 [${N}]`, `${batch.dtype} ${fmtShape(batch.shape)}`);
  }
}
