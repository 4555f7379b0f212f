/**
 * The `out` option of the message-passing ops (PyTorch's `out=` argument): the result is written into
 * a tensor the caller owns, which the op returns, instead of a newly allocated one. A loop that calls
 * the same op on the same sizes (inference, a benchmark, a hand-written message-passing step) then
 * writes into memory that is already allocated and warm in cache, as PyTorch's allocator arranges by
 * handing back the block its previous call freed.
 *
 * The rules, as in PyTorch: `out` has the result's shape and dtype exactly (it is not resized); it may
 * not share memory with any input; nothing is recorded for autograd, so an op whose inputs require
 * gradients (with recording on, see `noGrad`) refuses `out`; `out.version` is bumped, so that caches
 * keyed on storage and version see the change.
 */
import { isGradEnabled } from "../autograd.js";
import { sameShape } from "../broadcast.js";
import type { DType, TypedArray } from "../dtype.js";
import { fmtShape, opError } from "../errors.js";
import { type Shape, Tensor } from "../tensor.js";

/** Options of the ops that can write their result into a given tensor. */
export interface OutOption {
  /**
   * The tensor to write the result into (PyTorch's `out=`): of the result's shape and dtype, sharing
   * no memory with an input, and only where no gradient is recorded. It is returned, with its
   * `version` bumped.
   */
  out?: Tensor | null;
}

/** Whether two typed arrays share any byte of memory. */
function overlaps(a: TypedArray, b: TypedArray): boolean {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * Validates the `out` option of `op` for a result of `shape` and `dtype` computed from `inputs`, named
 * by argument (tensors, or typed arrays such as CSR index storage; null entries are skipped). Returns `out`, or
 * null when none was given. Throws, naming the op and the argument, when `out` is not a tensor, has
 * another shape or dtype, overlaps an input's memory, or when recording is on and an input (or `out`)
 * requires a gradient.
 */
export function takeOut(
  op: string,
  opts: OutOption | undefined,
  shape: Shape,
  dtype: DType,
  inputs: Readonly<Record<string, Tensor | TypedArray | null | undefined>>,
): Tensor | null {
  const out = opts?.out;
  if (out === undefined || out === null) return null;
  if (!(out instanceof Tensor)) opError(op, "out", "a Tensor", typeof out);
  if (out.dtype !== dtype) opError(op, "out", `dtype ${dtype} (the result's)`, out.dtype);
  if (!sameShape(out.shape, shape)) opError(op, "out", `shape ${fmtShape(shape)} (the result's)`, fmtShape(out.shape));
  const grad = isGradEnabled();
  if (grad && out.requiresGrad)
    opError(op, "out", "a tensor that does not require grad (out= does not support autograd)", "requiresGrad = true");
  for (const name in inputs) {
    const t = inputs[name];
    if (t === null || t === undefined) continue;
    const isTensor = t instanceof Tensor;
    if (grad && isTensor && t.requiresGrad) {
      opError(
        op,
        "out",
        "inputs that do not require grad: out= arguments don't support automatic differentiation (run under noGrad(), or drop 'out')",
        `'${name}' with requiresGrad = true`,
      );
    }
    if (overlaps(out.data, isTensor ? t.data : t))
      opError(op, "out", "memory not shared with any input", `storage overlapping '${name}'`);
  }
  return out;
}

/** Marks `out` as written by an op: bumps its `version` (see {@link Tensor.version}) and returns it. */
export function wrote(out: Tensor): Tensor {
  out.version++;
  return out;
}
