/**
 * Rotating signals on SO(3): the left translation (Q·F)(R) = F(Q⁻¹R), the action under which the
 * outputs of spherical correlations (s2cnn's S² → SO(3) and SO(3) → SO(3) layers) transform when their
 * input is rotated by Q. With F(R) = Σ_l Σ_{mn} F^l_{mn} D^l_{mn}(R) (the layout of `so3Fft`) and
 * D^l(Q⁻¹R) = D^l(Q)ᵀ D^l(R), the rotated signal has coefficients
 *
 *   F'^l = D^l(Q) · F^l        (each (2l+1)×(2l+1) block multiplied on the left),
 *
 * so {@link rotateSO3Signal} (forward transform, one matrix product per degree, inverse transform) is
 * exact to round-off for a signal band-limited to the plan's L on its 2B × 2B × 2B grid.
 */
import { wignerDBlocks } from "../../symmetry/o3/wigner_blocks.js";
import { record } from "../../tensor/autograd.js";
import { allocate } from "../../tensor/dtype.js";
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { type SO3Plan, so3CoeffCount, so3Fft, so3Ifft } from "./so3.js";

/** The band limit L of a trailing axis of L(4L²−1)/3 SO(3) coefficients, or an error naming the op. */
export function so3BandLimitOf(op: string, c: Tensor): number {
  const n = c.ndim > 0 ? c.shape[c.ndim - 1]! : 0;
  let L = 1;
  while (so3CoeffCount(L) < n) L++;
  if (c.ndim < 1 || so3CoeffCount(L) !== n)
    throw new ErlangenError(
      `${op}: argument 'c' expected shape [..., L(4L²−1)/3] (SO(3) Fourier coefficients: 1, 10, 35, 84, …), got ${fmtShape(c.shape)}`,
    );
  return L;
}

/**
 * Rotates SO(3) Fourier coefficients `c` [..., L(4L²−1)/3] (block l at l(4l²−1)/3, entry (m, n) at
 * (m+l)(2l+1) + (n+l)) by the rotation matrix `R` (3×3 row-major): F'^l = D^l(R) F^l, the coefficients
 * of R ↦ F(Q⁻¹R) for Q = R. Differentiable in `c` (the backward pass applies D^l(R)ᵀ).
 */
export function rotateSO3Coefficients(c: Tensor, R: ArrayLike<number>): Tensor {
  if (!(c instanceof Tensor) || (c.dtype !== "float32" && c.dtype !== "float64"))
    throw new ErlangenError(
      `rotateSO3Coefficients: argument 'c' expected a float tensor, got ${c instanceof Tensor ? c.dtype : typeof c}`,
    );
  if (R.length !== 9)
    throw new ErlangenError(
      `rotateSO3Coefficients: argument 'R' expected a 3×3 rotation matrix (9 numbers), got ${R.length}`,
    );
  const L = so3BandLimitOf("rotateSO3Coefficients", c);
  const D = wignerDBlocks(L, R);
  const nc = so3CoeffCount(L);
  const batch = c.size / nc;
  const apply = (src: ArrayLike<number>, dst: Float32Array | Float64Array, transpose: boolean) => {
    for (let b = 0; b < batch; b++)
      for (let l = 0; l < L; l++) {
        const d = 2 * l + 1;
        const Dl = D[l]!;
        const o = b * nc + (l * (4 * l * l - 1)) / 3;
        for (let i = 0; i < d; i++)
          for (let j = 0; j < d; j++) {
            let s = 0;
            for (let k = 0; k < d; k++) s += (transpose ? Dl[k * d + i]! : Dl[i * d + k]!) * src[o + k * d + j]!;
            dst[o + i * d + j] = s;
          }
      }
  };
  const out = allocate(c.dtype, c.size) as Float32Array | Float64Array;
  apply(c.data as Float32Array | Float64Array, out, false);
  return record("rotateSO3Coefficients", [c], new Tensor(out, c.shape, c.dtype), (g) => {
    const gc = allocate(c.dtype, c.size) as Float32Array | Float64Array;
    apply(g.data as Float32Array | Float64Array, gc, true);
    return [new Tensor(gc, c.shape, c.dtype)];
  });
}

/**
 * Rotates signals `x` [..., 2B, 2B, 2B] on the SO(3) grid of `plan` by the rotation matrix `R`:
 * (R·F)(S) = F(R⁻¹S), through the Fourier domain up to the plan's band limit L (exact for signals
 * band-limited to L; the part above L is dropped). Differentiable.
 */
export function rotateSO3Signal(x: Tensor, R: ArrayLike<number>, plan: SO3Plan): Tensor {
  return so3Ifft(rotateSO3Coefficients(so3Fft(x, plan), R), plan);
}
