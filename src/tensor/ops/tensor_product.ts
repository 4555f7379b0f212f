/**
 * The fused tensor product of two feature vectors through a list of paths (the op under e3nn-style
 * `TensorProduct` layers):
 *
 *   out[z, o3 + w·d3 + k] += pw · Σ_{u,v,i,j} W[u, v, w] · C[i, j, k] · x1[z, o1 + u·d1 + i] · x2[z, o2 + v·d2 + j]
 *
 * per path, with W indexed by the path's connection mode. The kernels (`tensorProductForward` /
 * `tensorProductBackward`: WASM on blocks of four samples, TypeScript twin for float64) contract the
 * inputs over the nonzero coefficients only, grouped by path, then mix the multiplicities with the
 * path's weights; the backward pass recomputes the contraction. The layer
 * (`layers/groups/o3/tensor_product.ts`) builds the paths from irreps and Wigner-3j symbols; this op
 * only knows blocks, offsets and coefficients.
 */
import type { FloatArray } from "../../kernels/ref/linalg.js";
import { packTensorProduct, type TensorProductPlan, type TpMode, type TpPathSpec } from "../../kernels/ref/o3.js";
import { tensorProductBackward, tensorProductForward } from "../../kernels/registry.js";
import { record } from "../autograd.js";
import { allocate, allocateEmpty, isFloat } from "../dtype.js";
import { fmtShape, opError } from "../errors.js";
import { Tensor } from "../tensor.js";

/** How the weights of a path index the multiplicities u (x1), v (x2) and w (output), as in e3nn. */
export type ConnectionMode = TpMode;

/** Sizes of {@link tensorProductPaths}. */
export interface TensorProductPathsOptions {
  /** Feature sizes of x1, x2 and the output (the last axis of each). */
  dims: readonly [number, number, number];
  /** Weights per sample (or in the shared weight vector). */
  weightNumel: number;
  /** `weight` has one row of `weightNumel` per sample (else one row shared by the batch). */
  perSample: boolean;
}

/**
 * One path of a tensor product, ready to run: the blocks it reads and writes (multiplicities U, V, W;
 * copy sizes d1, d2, d3; first features o1, o2, o3), how its weights mix the multiplicities (`mode`,
 * `hasWeight`, weights at `wOff` of each weight row), its constant factor `pw` (√α times the user's
 * path weight) and the nonzero coupling coefficients C[ci[c], cj[c], ck[c]] = cv[c] (Wigner-3j for O(3)).
 */
export type TensorProductPath = TpPathSpec;

/** The packed form of each path list the op has seen (the layer keeps its list, so this is built once). */
const plans = new WeakMap<readonly TensorProductPath[], TensorProductPlan>();

function planOf(paths: readonly TensorProductPath[]): TensorProductPlan {
  let p = plans.get(paths);
  if (!p) {
    p = packTensorProduct(paths);
    plans.set(paths, p);
  }
  return p;
}

/**
 * The tensor product of `x1` [..., D1] and `x2` [..., D2] (same leading shape, same float dtype) through
 * `paths`, with `weight` [weightNumel] (shared) or [..., weightNumel] (per sample; null when no path
 * has weights). Returns [..., D3]. Differentiable in x1, x2 and weight.
 */
export function tensorProductPaths(
  x1: Tensor,
  x2: Tensor,
  weight: Tensor | null,
  paths: readonly TensorProductPath[],
  opts: TensorProductPathsOptions,
): Tensor {
  const op = "tensorProductPaths";
  const [D1, D2, D3] = opts.dims;
  const P = opts.weightNumel;
  const perSample = opts.perSample;
  if (!isFloat(x1.dtype)) opError(op, "x1", "a float32 or float64 tensor", x1.dtype);
  if (x2.dtype !== x1.dtype) opError(op, "x2", `dtype ${x1.dtype} (as x1)`, x2.dtype);
  if (x1.ndim === 0 || x1.shape[x1.ndim - 1] !== D1) opError(op, "x1", `shape [..., ${D1}]`, fmtShape(x1.shape));
  if (x2.ndim === 0 || x2.shape[x2.ndim - 1] !== D2) opError(op, "x2", `shape [..., ${D2}]`, fmtShape(x2.shape));
  const lead = x1.shape.slice(0, -1);
  const Z = lead.reduce((p, q) => p * q, 1);
  if (x2.ndim !== x1.ndim || lead.some((d, i) => d !== x2.shape[i]))
    opError(op, "x2", `leading shape ${fmtShape(lead)} (as x1)`, fmtShape(x2.shape));
  if (weight !== null) {
    if (weight.dtype !== x1.dtype) opError(op, "weight", `dtype ${x1.dtype} (as x1)`, weight.dtype);
    const want = perSample ? Z * P : P;
    if (weight.size !== want || weight.shape[weight.ndim - 1] !== P)
      opError(op, "weight", perSample ? `shape [${[...lead, P].join(", ")}]` : `shape [${P}]`, fmtShape(weight.shape));
  } else if (paths.some((p) => p.hasWeight)) opError(op, "weight", `${P} weights (some paths have weights)`, "null");
  const dtype = x1.dtype;
  const out = allocateEmpty(dtype, Z * D3);
  const w = weight === null ? null : (weight.data as FloatArray);
  const plan = planOf(paths);
  const sizes = { Z, D1, D2, D3, P, perSample };
  tensorProductForward(plan, x1.data as FloatArray, x2.data as FloatArray, w, sizes, out as FloatArray);
  const res = new Tensor(out, [...lead, D3], dtype);
  const inputs = weight !== null ? [x1, x2, weight] : [x1, x2];
  return record("tensorProduct", inputs, res, (g) => {
    const ga = x1.requiresGrad ? allocateEmpty(dtype, Z * D1) : null;
    const gb = x2.requiresGrad ? allocateEmpty(dtype, Z * D2) : null;
    const gw = weight?.requiresGrad ? allocate(dtype, weight.size) : null;
    tensorProductBackward(
      plan,
      x1.data as FloatArray,
      x2.data as FloatArray,
      w,
      sizes,
      g.data as FloatArray,
      ga as FloatArray | null,
      gb as FloatArray | null,
      gw as FloatArray | null,
    );
    return [
      ga ? new Tensor(ga, x1.shape, dtype) : null,
      gb ? new Tensor(gb, x2.shape, dtype) : null,
      gw && weight ? new Tensor(gw, weight.shape, dtype) : null,
    ];
  });
}
