/** Random ops driven by the seeded generator of `rng.ts`: inverted dropout. */
import { binary, type FloatArray } from "../../kernels/index.js";
import { record } from "../autograd.js";
import { allocate, isFloat } from "../dtype.js";
import { opError } from "../errors.js";
import { type Generator, getDefaultGenerator } from "../rng.js";
import { Tensor } from "../tensor.js";
import { mul } from "./elementwise.js";

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

declare module "../tensor.js" {
  interface Tensor {
    /** See {@link dropout}. */
    dropout(p?: number, training?: boolean, generator?: Generator): Tensor;
  }
}

Tensor.prototype.dropout = function (this: Tensor, p?: number, training?: boolean, generator?: Generator) {
  return dropout(this, p, training, generator);
};
