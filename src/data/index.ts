/**
 * Data: in-memory datasets, the graph DataLoader, subgraph loaders for large graphs, graph and
 * feature stores, transforms and (browser-safe) dataset parsers.
 */
export * from "./dataset.js";
export * from "./datasets/index.js";
export * from "./loader.js";
export * from "./loaders/index.js";
export * from "./stores/index.js";
export * from "./transforms/index.js";
