/** The graph domain: {@link Graph}, {@link Batch} and PyG-style edge-index utilities. */

export * from "./batch.js";
export * from "./eigen.js";
export * from "./graph.js";
export * from "./graphology.js";
export { maybeNumNodes } from "./internal.js";
export * from "./nearest.js";
export * from "./normalization.js";
export * from "./partition.js";
export * from "./pool.js";
export * from "./spectral.js";
export * from "./subgraph.js";
export * from "./trim.js";
export * from "./utils.js";
