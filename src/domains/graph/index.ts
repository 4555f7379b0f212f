/** The graph domain: {@link Graph}, {@link Batch} and PyG-style edge-index utilities. */
export * from "./graph.js";
export * from "./batch.js";
export * from "./utils.js";
export * from "./eigen.js";
export * from "./nearest.js";
export * from "./spectral.js";
