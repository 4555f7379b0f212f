/**
 * `erlangen/train`: optimisers and schedulers (like `torch.optim`), the Trainer and its tasks,
 * metrics, splits, progress display and training curves.
 */
import "../tensor/index.js";

export * from "../optim/index.js";
export * from "../train/index.js";
