/**
 * Recomputing batch-norm statistics after training (PyTorch's `torch.optim.swa_utils.update_bn`).
 *
 * During training a batch-norm layer normalises with the statistics of the current batch and keeps an
 * exponential average of them for eval mode. When dropout sits before a batch-norm layer, those
 * averages are taken with dropout's noise in the activations, while eval mode runs without dropout:
 * the variance the layer divides by is then too large ("variance shift", Li et al., "Understanding the
 * Disharmony between Dropout and Batch Normalization by Variance Shift", CVPR 2019). Recomputing the
 * statistics once after training, in one pass over training data with dropout off, removes the shift.
 */

import type { Module } from "../nn/module.js";
import { BatchNorm1d } from "../nn/normalization.js";
import { noGrad } from "../tensor/autograd.js";
import { ErlangenError } from "../tensor/errors.js";

/** Options of {@link updateBatchNorm}. */
export interface UpdateBatchNormOptions {
  /**
   * Keep the model's other layers (dropout) in training mode during the pass (default false: only the
   * batch-norm layers run in training mode, so the statistics are those of eval mode's activations).
   */
  dropout?: boolean;
}

/**
 * Resets the running statistics of every {@link BatchNorm1d} in `model` (this includes BatchNorm2d,
 * BatchNorm3d, PyG-style `BatchNorm`, the G-CNN and steerable batch norms built on it) and recomputes
 * them as the plain average over `batches` of the per-batch mean and unbiased variance, as PyTorch's
 * `update_bn`. Each batch is the model's input: one value, or an array of the forward's arguments.
 * Gradients are off; the modules' training flags and momenta are restored afterwards. Batch norms of
 * other kinds (e.g. `o3.BatchNorm`) keep their statistics.
 *
 * @returns the number of batch-norm layers updated.
 * @example
 * ```ts
 * // after trainer.fit(): statistics over the training images without dropout's noise
 * updateBatchNorm(model, batchesOf(trainImages, 256));
 * ```
 */
export function updateBatchNorm(model: Module, batches: Iterable<unknown>, opts: UpdateBatchNormOptions = {}): number {
  const modules = model.modules();
  const bns = modules.filter((m): m is BatchNorm1d => m instanceof BatchNorm1d && m.trackRunningStats);
  if (bns.length === 0) return 0;
  const it = batches[Symbol.iterator]();
  let next = it.next();
  if (next.done) throw new ErlangenError("updateBatchNorm: argument 'batches' expected at least one batch, got none");
  const flags = modules.map((m) => m.training);
  const momenta = bns.map((b) => b.momentum);
  try {
    model.train(opts.dropout ?? false);
    for (const b of bns) {
      b.resetRunningStats();
      b.momentum = null;
      b.training = true;
    }
    const call = model.call.bind(model) as (...args: unknown[]) => unknown;
    noGrad(() => {
      while (!next.done) {
        const v = next.value;
        if (Array.isArray(v)) call(...v);
        else call(v);
        next = it.next();
      }
    });
  } finally {
    modules.forEach((m, i) => {
      m.training = flags[i]!;
    });
    bns.forEach((b, i) => {
      b.momentum = momenta[i]!;
    });
  }
  return bns.length;
}
