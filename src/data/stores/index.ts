/** Graph and feature stores (PyG's `GraphStore` / `FeatureStore`): the in-memory ones and the interfaces. */
export * from "./memory.js";
export * from "./store.js";
