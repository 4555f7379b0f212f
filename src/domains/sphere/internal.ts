/** Helpers shared by the sphere domain's ops (not exported from the package). */
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";

/** Validates a float tensor whose trailing dims are `tail`; returns the batch size. */
export function checkTrailing(op: string, arg: string, x: Tensor, tail: readonly number[], what: string): number {
  if (!(x instanceof Tensor)) throw new ErlangenError(`${op}: argument '${arg}' expected a Tensor, got ${typeof x}`);
  if (x.dtype !== "float32" && x.dtype !== "float64")
    throw new ErlangenError(`${op}: argument '${arg}' expected a float32 or float64 tensor, got ${x.dtype}`);
  const k = tail.length;
  let ok = x.ndim >= k;
  for (let i = 0; ok && i < k; i++) if (x.shape[x.ndim - k + i] !== tail[i]) ok = false;
  if (!ok)
    throw new ErlangenError(
      `${op}: argument '${arg}' expected shape [..., ${tail.join(", ")}] (${what}), got ${fmtShape(x.shape)}`,
    );
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!))
      throw new ErlangenError(`${op}: argument '${arg}' contains ${d[i]} at flat index ${i}`);
  }
  let inner = 1;
  for (const t of tail) inner *= t;
  return inner === 0 ? 0 : x.size / inner;
}
