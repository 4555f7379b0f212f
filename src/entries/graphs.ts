/**
 * `erlangen/graphs`: the graph domain and its layers (like `torch_geometric`): Graph, Batch, the
 * edge-index utilities, global pooling, MessagePassing and the GNN zoo, set layers, readouts and
 * ready-made models.
 */
import "../tensor/index.js";

export * from "../domains/graph/index.js";
export * from "../layers/graphs/index.js";
