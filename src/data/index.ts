/** Data: in-memory datasets, the graph DataLoader, transforms and (browser-safe) dataset parsers. */
export * from "./dataset.js";
export * from "./datasets/index.js";
export * from "./loader.js";
export * from "./transforms/index.js";
