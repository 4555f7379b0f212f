/**
 * Graph and set layers (the "graphs" G of Geometric Deep Learning): the {@link MessagePassing} base,
 * aggregations, convolution layers with PyG's names and arguments, readouts, pooling, set layers
 * and ready-made models.
 */
export * from "./aggregation.js";
export * from "./appnp.js";
export * from "./cheb_conv.js";
export * from "./deep_sets.js";
export * from "./deep_sets_layer.js";
export * from "./dense_batch.js";
export * from "./edge_conv.js";
export * from "./gat_conv.js";
export * from "./gated_graph_conv.js";
export * from "./gatv2_conv.js";
export * from "./gcn_conv.js";
export * from "./gcn2_conv.js";
export * from "./gin_conv.js";
export * from "./graph_conv.js";
export * from "./jumping_knowledge.js";
export * from "./message_passing.js";
export * from "./models.js";
export * from "./multihead_attention.js";
export * from "./nn_conv.js";
export * from "./norm.js";
export * from "./pna_conv.js";
export * from "./readout.js";
export * from "./res_gated_graph_conv.js";
export * from "./sage_conv.js";
export * from "./sage_graph_classifier.js";
export * from "./set_transformer.js";
export * from "./sg_conv.js";
export * from "./task_models.js";
export * from "./topk_pool.js";
export * from "./transformer_conv.js";
