/** Grid layers: convolutions, pooling, batch/group normalisation and upsampling on [N, C, *spatial]. */
export * from "./conv.js";
export * from "./norm.js";
export * from "./pool.js";
export * from "./upsample.js";
