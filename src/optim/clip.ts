/** Gradient clipping (like `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`). */

import type { TypedArray } from "../tensor/dtype.js";
import { ErlangenError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";

function withGrad(params: Iterable<Tensor> | Tensor): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  return list.filter((p) => p.grad !== null);
}

/** Replaces `p.grad` by a scaled copy (gradients may share storage, so they are not edited in place). */
function mapGrad(p: Tensor, f: (v: number) => number): void {
  const g = p.grad!;
  const out = g.data.slice() as TypedArray;
  for (let i = 0; i < out.length; i++) out[i] = f(out[i]!);
  p.grad = new Tensor(out, g.shape, g.dtype);
}

/**
 * Rescales the gradients of `params` so that their total `normType`-norm (over all gradients
 * together, `Infinity` for the max norm) is at most `maxNorm`: each gradient is multiplied by
 * `maxNorm / (total + 1e-6)` when that is below 1. Returns the total norm before clipping.
 * With `errorIfNonfinite`, a NaN/Inf total norm throws.
 */
export function clipGradNorm(
  params: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType = 2,
  errorIfNonfinite = false,
): number {
  if (!(maxNorm >= 0))
    throw new ErlangenError(`clipGradNorm: argument 'maxNorm' expected a value >= 0, got ${maxNorm}`);
  if (!(normType > 0))
    throw new ErlangenError(`clipGradNorm: argument 'normType' expected a value > 0 or Infinity, got ${normType}`);
  const ps = withGrad(params);
  let total = 0;
  if (normType === Number.POSITIVE_INFINITY) {
    let nan = false;
    for (const p of ps) {
      for (const v of p.grad!.data) {
        if (Number.isNaN(v)) nan = true;
        else total = Math.max(total, Math.abs(v));
      }
    }
    if (nan) total = Number.NaN;
  } else {
    for (const p of ps) for (const v of p.grad!.data) total += Math.abs(v) ** normType;
    total = total ** (1 / normType);
  }
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new ErlangenError(
      `clipGradNorm: the total gradient norm of order ${normType} is ${total}; set errorIfNonfinite to false to clip anyway`,
    );
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const p of ps) mapGrad(p, (v) => v * coef);
  return total;
}

/** Clamps every gradient entry of `params` to [−clipValue, clipValue]. */
export function clipGradValue(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!(clipValue >= 0))
    throw new ErlangenError(`clipGradValue: argument 'clipValue' expected a value >= 0, got ${clipValue}`);
  for (const p of withGrad(params)) mapGrad(p, (v) => Math.min(clipValue, Math.max(-clipValue, v)));
}
