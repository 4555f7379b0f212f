/** Tensors, autograd and ops. Importing this module attaches every op as a Tensor method. */

export * from "./autograd.js";
export { sumToShape } from "./broadcast.js";
export * from "./creation.js";
export * from "./dtype.js";
export * from "./errors.js";
export * from "./gradcheck.js";
// op families (each attaches its methods to Tensor.prototype):
export * from "./ops/conv.js";
export * from "./ops/elementwise.js";
export * from "./ops/grid.js";
export * from "./ops/indexing.js";
export * from "./ops/interpolate.js";
export * from "./ops/linalg.js";
export type { OutOption } from "./ops/out.js";
export * from "./ops/pool.js";
export * from "./ops/random.js";
export * from "./ops/reduce.js";
export * from "./ops/scatter.js";
export * from "./ops/shape.js";
export * from "./ops/special.js";
export * from "./rng.js";
export * from "./sparse.js";
export * from "./tensor.js";
