/**
 * A fused batch norm over [N, C, L] with one statistic per channel C (the "shared over the group axis"
 * normalisation of G-CNN and regular steerable features, after reshaping to [B, fields, |H|·H·W]).
 * Same semantics as `F.batchNorm` (biased batch variance for normalising, unbiased for the running
 * estimate), computed in single passes per channel instead of broadcast elementwise ops; it is the
 * hot spot of the rotated-MNIST models. First-order gradients for x, weight and bias.
 */
import { batchNormGradNCL, channelAffineNCL, channelStatsNCL } from "../../../kernels/index.js";
import type { BatchNorm1d } from "../../../nn/normalization.js";
import { record } from "../../../tensor/autograd.js";
import { allocate } from "../../../tensor/dtype.js";
import { fmtShape, opError } from "../../../tensor/errors.js";
import { Tensor } from "../../../tensor/tensor.js";

type F = Float32Array | Float64Array;

/**
 * y = (x − μ_c) / √(σ²_c + eps) · weight_c + bias_c over x [N, C, L]; in training mode (or without
 * running statistics) μ, σ² are the batch statistics over N and L and the running ones are updated in
 * place with `momentum`; otherwise the running statistics are used.
 */
export function sharedBatchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  const op = "sharedBatchNorm";
  if (x.ndim !== 3) opError(op, "x", "shape [N, C, L]", fmtShape(x.shape));
  if (x.dtype !== "float32" && x.dtype !== "float64") opError(op, "x", "a float tensor", x.dtype);
  const [N, C, L] = x.shape as [number, number, number];
  for (const [name, t] of [
    ["runningMean", runningMean],
    ["runningVar", runningVar],
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t !== null && (t.ndim !== 1 || t.shape[0] !== C)) opError(op, name, `shape [${C}]`, fmtShape(t.shape));
  }
  const useBatch = training || runningMean === null || runningVar === null;
  const n = N * L;
  if (useBatch && training && n <= 1)
    opError(op, "x", "more than 1 value per channel in training mode", `shape ${fmtShape(x.shape)}`);
  const xd = x.data as F;
  const mean = new Float64Array(C);
  const invStd = new Float64Array(C);
  if (useBatch) {
    const vars = new Float64Array(C);
    channelStatsNCL(xd, N, C, L, mean, vars);
    for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(vars[c]! + eps);
    if (training && runningMean !== null && runningVar !== null) {
      const rm = runningMean.data;
      const rv = runningVar.data;
      for (let c = 0; c < C; c++) {
        rm[c] = (1 - momentum) * rm[c]! + momentum * mean[c]!;
        rv[c] = (1 - momentum) * rv[c]! + (momentum * vars[c]! * n) / (n - 1);
      }
      runningMean.version++;
      runningVar.version++;
    }
  } else {
    for (let c = 0; c < C; c++) {
      mean[c] = runningMean!.data[c]!;
      invStd[c] = 1 / Math.sqrt(runningVar!.data[c]! + eps);
    }
  }
  const out = allocate(x.dtype, x.size) as F;
  const wd = weight?.data;
  const bd = bias?.data;
  const scale = new Float64Array(C);
  const shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = invStd[c]! * (wd ? wd[c]! : 1);
    shift[c] = (bd ? bd[c]! : 0) - mean[c]! * scale[c]!;
  }
  channelAffineNCL(xd, out, N, C, L, scale, shift);
  const y = new Tensor(out, x.shape, x.dtype);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record("sharedBatchNorm", inputs, y, (g) => {
    const gd = g.data as F;
    const dx = allocate(x.dtype, x.size) as F;
    const sums = new Float64Array(2 * C);
    // dx's factor weight·invStd is the forward's scale
    batchNormGradNCL(xd, gd, dx, N, C, L, mean, invStd, scale, useBatch, sums);
    const db = sums.slice(0, C);
    const dw = sums.slice(C, 2 * C);
    const grads: Tensor[] = [new Tensor(dx, x.shape, x.dtype)];
    if (weight) grads.push(new Tensor(weight.dtype === "float64" ? dw : Float32Array.from(dw), [C], weight.dtype));
    if (bias) grads.push(new Tensor(bias.dtype === "float64" ? db : Float32Array.from(db), [C], bias.dtype));
    return grads;
  });
}

/** Runs a {@link BatchNorm1d}'s parameters and buffers through {@link sharedBatchNorm} (its forward, fused). */
export function batchNormFused(bn: BatchNorm1d, x: Tensor): Tensor {
  const rm = bn.runningMean;
  const rv = bn.runningVar;
  let factor = bn.momentum ?? 0;
  if (bn.training && rm !== null) {
    const nbt = bn.getBuffer("num_batches_tracked")!;
    nbt.data[0]!++;
    nbt.version++;
    if (bn.momentum === null) factor = 1 / nbt.data[0]!;
  }
  return sharedBatchNorm(x, rm, rv, bn.weight, bn.bias, bn.training || rm === null, factor, bn.eps);
}
