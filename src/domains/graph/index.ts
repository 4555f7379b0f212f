/** The graph domain: {@link Graph}, {@link Batch} and PyG-style edge-index utilities. */

export * from "./batch.js";
export * from "./eigen.js";
export * from "./graph.js";
export * from "./nearest.js";
export * from "./partition.js";
export * from "./spectral.js";
export * from "./trim.js";
export * from "./utils.js";
