/**
 * Random ops driven by the seeded generator of `rng.ts`: inverted dropout ({@link dropout}, one
 * generator draw per element) and its fast forms for hot paths ({@link fastDropout},
 * {@link reluDropout}: one 128-bit seed per call, a local xoshiro128** stream in the kernel).
 */
import type { FloatArray } from "../../kernels/ref/linalg.js";
import { binary, dropoutMask } from "../../kernels/registry.js";
import { isGradEnabled, record } from "../autograd.js";
import { allocate, isFloat } from "../dtype.js";
import { check, opError } from "../errors.js";
import { type Generator, getDefaultGenerator } from "../rng.js";
import { Tensor } from "../tensor.js";
import { mul, relu } from "./elementwise.js";

/**
 * Inverted dropout: each element is zeroed with probability `p` and the survivors are scaled by
 * `1 / (1 − p)`, so the expectation is unchanged. With `training = false` or `p = 0` the input is
 * returned as is. Draws come from `generator` (default: the global seeded generator), one per
 * element in row-major order (24-bit resolution of the keep probability).
 */
export function dropout(a: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  if (!(a instanceof Tensor)) opError("dropout", "a", "a Tensor", typeof a);
  if (typeof p !== "number" || !(p >= 0 && p < 1)) opError("dropout", "p", "a probability in [0, 1)", String(p));
  if (!training || p === 0) return a;
  if (!isFloat(a.dtype)) opError("dropout", "a", "a float32 or float64 tensor", a.dtype);
  const g = generator ?? getDefaultGenerator();
  const scale = 1 / (1 - p);
  const mask = g.fillBernoulli(allocate(a.dtype, a.size) as Float32Array | Float64Array, 1 - p, scale);
  const out = allocate(a.dtype, a.size) as FloatArray;
  // the product through the elementwise kernel (WASM for float32): the same numbers as a JS loop,
  // which over this function's mixed array types ran at about 25 ns per element
  binary("mul", a.data as FloatArray, mask, out, [a.size], [1], [1]);
  const m = new Tensor(mask, a.shape, a.dtype);
  return record("dropout", [a], new Tensor(out, a.shape, a.dtype), (gr) => [mul(gr, m)]);
}

/**
 * Inverted dropout (zero with probability `p`, scale survivors by 1/(1 − p)) for the hot paths of the
 * graph models. It takes a 128-bit seed from `generator` (the global seeded one by default) per call
 * and draws the mask with a local xoshiro128** stream held in int32 registers, which is several times
 * faster than one generator call per element: each 32-bit draw decides two elements (16 bits each,
 * so `p` is rounded to a multiple of 2⁻¹⁶). Deterministic under `manualSeed`; the stream differs
 * from `dropout`'s.
 */
export function fastDropout(a: Tensor, p: number, training = true, generator?: Generator): Tensor {
  return seededDropout("fastDropout", a, p, training, generator, false);
}

/**
 * `fastDropout(relu(a), p, training, generator)` as one op with one mask (the scale where an entry is
 * kept and positive, else 0): the same values, gradients and random stream as the two ops, without
 * the intermediate tensor (NaN inputs stay NaN). Out of training (or with p = 0) it is `relu(a)`.
 */
export function reluDropout(a: Tensor, p: number, training = true, generator?: Generator): Tensor {
  return seededDropout("reluDropout", a, p, training, generator, true);
}

/** {@link fastDropout} (with a fused ReLU when `withRelu`): one seed per call, one kernel pass. */
function seededDropout(
  op: "fastDropout" | "reluDropout",
  a: Tensor,
  p: number,
  training: boolean,
  generator: Generator | undefined,
  withRelu: boolean,
): Tensor {
  check(p >= 0 && p < 1, op, "p", "a probability in [0, 1)", String(p));
  if (!training || p === 0) return withRelu ? relu(a) : a;
  check(isFloat(a.dtype), op, "a", "a float32 or float64 tensor", a.dtype);
  const g = generator ?? getDefaultGenerator();
  const seed = [g.nextUint32() | 0, g.nextUint32() | 0, g.nextUint32() | 0, g.nextUint32() | 0] as const;
  const n = a.size;
  const out = allocate(a.dtype, n);
  // the mask is kept only for a backward pass (else the kernel writes it into `out`, then overwrites it)
  const mask = a.requiresGrad && isGradEnabled() ? allocate(a.dtype, n) : out;
  dropoutMask(
    a.data as FloatArray,
    mask === out ? null : (mask as FloatArray),
    out as FloatArray,
    n,
    seed,
    p,
    withRelu,
  );
  if (mask === out) return new Tensor(out, a.shape, a.dtype);
  const m = new Tensor(mask, a.shape, a.dtype);
  return record(withRelu ? "reluDropout" : "dropout", [a], new Tensor(out, a.shape, a.dtype), (gr) => [mul(gr, m)]);
}

declare module "../tensor.js" {
  interface Tensor {
    /** See {@link dropout}. */
    dropout(p?: number, training?: boolean, generator?: Generator): Tensor;
  }
}

Tensor.prototype.dropout = function (this: Tensor, p?: number, training?: boolean, generator?: Generator) {
  return dropout(this, p, training, generator);
};
