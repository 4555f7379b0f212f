/** Helpers shared by the spherical layers: input validation, parameters, constant tensors. */
import { Parameter } from "../../nn/module.js";
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import type { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * Validates signals [B, C, ...tail] (a float tensor with `channels` channels; C is not checked when
 * `channels` is null) and returns B.
 */
export function checkSignal(
  op: string,
  x: Tensor,
  channels: number | null,
  tail: readonly number[],
  what: string,
  arg = "x",
): number {
  if (!(x instanceof Tensor)) throw new ErlangenError(`${op}: argument '${arg}' expected a Tensor, got ${typeof x}`);
  if (x.dtype !== "float32" && x.dtype !== "float64")
    throw new ErlangenError(`${op}: argument '${arg}' expected a float32 or float64 tensor, got ${x.dtype}`);
  const ok =
    x.ndim === 2 + tail.length &&
    (channels === null || x.shape[1] === channels) &&
    tail.every((t, i) => x.shape[2 + i] === t);
  if (!ok)
    throw new ErlangenError(
      `${op}: argument '${arg}' expected shape [B, ${channels ?? "C"}, ${tail.join(", ")}] (signals on ${what}), got ${fmtShape(x.shape)}`,
    );
  return x.shape[0]!;
}

/** A float32 parameter of the given shape with entries uniform in [−1, 1]. */
export function uniformParameter(shape: readonly number[], gen: Generator): Parameter {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = gen.uniform(-1, 1);
  return new Parameter(new Tensor(d, shape, "float32"));
}

/** A float64 constant tensor cast to `dtype` once per dtype (cached in `cache`). */
export function constantAs(
  cache: Map<string, Tensor>,
  data: Float64Array,
  shape: readonly number[],
  dtype: string,
): Tensor {
  let t = cache.get(dtype);
  if (t === undefined) {
    t = new Tensor(
      dtype === "float64" ? data : Float32Array.from(data),
      shape,
      dtype === "float64" ? "float64" : "float32",
    );
    cache.set(dtype, t);
  }
  return t;
}

/**
 * Checks the sizes of a spherical convolution (channels and band limits: integers ≥ 1) and returns
 * the resolution of its output grid: `resolution` (an integer ≥ bOut) or, by default, bOut.
 */
export function convResolution(
  op: string,
  sizes: { inChannels: number; outChannels: number; bIn: number; bOut: number },
  resolution: number | undefined,
): number {
  for (const [k, v] of Object.entries(sizes))
    if (!Number.isInteger(v) || v < 1)
      throw new ErlangenError(`${op}: argument '${k}' expected an integer ≥ 1, got ${v}`);
  const r = resolution ?? sizes.bOut;
  if (!Number.isInteger(r) || r < sizes.bOut)
    throw new ErlangenError(`${op}: argument 'resolution' expected an integer ≥ bOut = ${sizes.bOut}, got ${r}`);
  return r;
}
