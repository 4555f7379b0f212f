/** Optimizers, learning-rate schedulers and gradient clipping. */
export * from "./optimizer.js";
export * from "./sgd.js";
export * from "./adam.js";
export * from "./rmsprop.js";
export * from "./clip.js";
export * from "./scheduler.js";
