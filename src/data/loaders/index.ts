/**
 * Subgraph loaders for large graphs (PyG's `torch_geometric.loader`): neighbour sampling, link
 * neighbour sampling with negatives, Cluster-GCN and GraphSAINT, built on the worker pool over graph
 * and feature stores.
 */
export {
  inputNodeIds,
  type LoaderData,
  type LoaderStats,
  resolveStores,
  SubgraphBatch,
  SubgraphLoader,
  type SubgraphLoaderOptions,
} from "./base.js";
export * from "./cluster_loader.js";
export * from "./graph_saint.js";
export * from "./link_neighbor_loader.js";
export * from "./neighbor_loader.js";
export {
  inducedSubgraph,
  type NeighborSamplingOptions,
  randomWalkNodes,
  type SampledSubgraph,
  sampleNeighbors,
} from "./sampler.js";
export {
  buildSubgraph,
  SAMPLING_TASKS,
  type SubgraphRequest,
  type SubgraphTask,
  type SubgraphTaskResult,
} from "./tasks.js";
