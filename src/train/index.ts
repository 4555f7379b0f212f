/** Training: the Trainer and tasks, metrics, progress display and SVG training curves. */

export * from "./batchnorm.js";
export * from "./mesh_models.js";
export * from "./meshes.js";
export * from "./metrics.js";
export * from "./molecules.js";
export * from "./plot.js";
export * from "./progress.js";
export * from "./sampled_tasks.js";
export * from "./splits.js";
export * from "./tasks.js";
export * from "./trainer.js";
