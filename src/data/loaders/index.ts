/** Subgraph loaders for large graphs: neighbour sampling, Cluster-GCN, GraphSAINT, link prediction. */
export * from "./base.js";
export * from "./neighbor_loader.js";
export * from "./sampler.js";
export * from "./tasks.js";
