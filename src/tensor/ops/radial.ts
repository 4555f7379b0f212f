/**
 * Radial embeddings of distances in one fused pass: `out[..., k] = basis_k(x)·cutoff(x)` with the
 * bases and cutoffs of the atomistic models (SchNet's Gaussian smearing and cosine cutoff, NequIP's
 * Bessel basis with trainable frequencies and polynomial envelope). The kernels (`radialForward` /
 * `radialBackward`: WASM for float32, TypeScript twin for float64) evaluate the value and, backward,
 * the derivative in x and in the Bessel frequencies; nothing else is stored.
 */
import type { RadialBasisSpec, RadialCutoffSpec } from "../../kernels/ref/o3.js";
import { radialBackward, radialForward } from "../../kernels/registry.js";
import { record } from "../autograd.js";
import { allocate, allocateEmpty, isFloat } from "../dtype.js";
import { opError } from "../errors.js";
import { Tensor } from "../tensor.js";

export type { RadialBasisSpec, RadialCutoffSpec };

/** The smallest normal float32, 2^-126. */
const MIN_NORMAL_F32 = 1.1754943508222875e-38;

/**
 * Below this (2^-64), a Gaussian basis value is set to zero: the nearest centre is within half a
 * spacing, so every row has an entry above e^{-1/8} and what is dropped is far below float32's
 * resolution of the sums it enters.
 */
const GAUSSIAN_FLOOR_F32 = 5.421010862427522e-20;

/**
 * Sets float32 values below `floor` in absolute value (subnormals at least) to zero. A Gaussian basis
 * far from its centres (e^{−γ(x−μ)²} below 2^-126: about 4 % of SchNet's entries at 25 centres over
 * 5 Å) would otherwise hand subnormals to every op downstream, and each x86 multiply with a subnormal
 * operand takes a microcode assist of about a hundred cycles (WASM keeps IEEE subnormals, so no
 * flush-to-zero mode is available): they made SchNet's filter GEMMs 3–10× slower. Values just above
 * 2^-126 do the same through their products (a weight of 0.1 times 10^-37 is subnormal), so the
 * Gaussians are cut at {@link GAUSSIAN_FLOOR_F32}: SchNet's filter GEMM (25 → 64) took 2.9 ms with
 * only subnormals flushed and 2.3 ms with the floor, on the bench's QM7 batch.
 */
function flushSmall(a: Float32Array, floor: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v !== 0 && v < floor && v > -floor) a[i] = 0;
  }
}

/**
 * `basis(x)·cutoff(x)` for distances `x` [...]: shape [..., K] (K centres or frequencies), or [...]
 * for `{ kind: "none" }` (the cutoff alone). `weights` [K] are the Bessel frequencies w_k (required
 * for `bessel`, a differentiable input; cast to x's dtype). Differentiable in x and the weights.
 */
export function radialBasis(
  x: Tensor,
  basis: RadialBasisSpec,
  cutoff: RadialCutoffSpec = { kind: "none" },
  weights: Tensor | null = null,
): Tensor {
  const op = "radialBasis";
  if (!isFloat(x.dtype)) opError(op, "x", "a float32 or float64 tensor", x.dtype);
  if (basis.kind === "bessel") {
    if (weights === null) opError(op, "weights", "the Bessel frequencies [K]", "null");
    if (weights.ndim !== 1 || weights.size === 0)
      opError(op, "weights", "a non-empty 1-D tensor", `shape [${weights.shape}]`);
    if (!(basis.rc > 0)) opError(op, "basis.rc", "a positive number", String(basis.rc));
  } else if (basis.kind === "gaussian") {
    if (basis.centers.length === 0) opError(op, "basis.centers", "at least one centre", "none");
    if (!Number.isFinite(basis.coeff)) opError(op, "basis.coeff", "a finite number", String(basis.coeff));
  }
  if (cutoff.kind !== "none" && !(cutoff.rc > 0)) opError(op, "cutoff.rc", "a positive number", String(cutoff.rc));
  if (cutoff.kind === "polynomial" && !(cutoff.p > 0)) opError(op, "cutoff.p", "a positive number", String(cutoff.p));
  const w = basis.kind === "bessel" ? (weights!.dtype === x.dtype ? weights! : weights!.cast(x.dtype)) : null;
  const K = basis.kind === "none" ? 1 : basis.kind === "gaussian" ? basis.centers.length : w!.size;
  const n = x.size;
  const dtype = x.dtype;
  const out = allocateEmpty(dtype, n * K);
  const wd = w === null ? null : (w.data as Float32Array | Float64Array);
  const xd = x.data as Float32Array | Float64Array;
  radialForward(basis, wd, cutoff, xd, n, out);
  if (dtype === "float32")
    flushSmall(out as Float32Array, basis.kind === "gaussian" ? GAUSSIAN_FLOOR_F32 : MIN_NORMAL_F32);
  const shape = basis.kind === "none" ? x.shape : [...x.shape, K];
  const res = new Tensor(out, shape, x.dtype);
  const inputs = w === null ? [x] : [x, w];
  return record("radialBasis", inputs, res, (g) => {
    const gx = allocateEmpty(dtype, n);
    const gw = w?.requiresGrad ? (allocate(dtype, K) as Float32Array | Float64Array) : null;
    radialBackward(basis, wd, cutoff, xd, n, g.data as Float32Array | Float64Array, gx, gw);
    return [new Tensor(gx, x.shape, x.dtype), gw && w ? new Tensor(gw, w.shape, x.dtype) : null];
  });
}
