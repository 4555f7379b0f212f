/** Atomistic models on 3-D point clouds: EGNN, SchNet, a NequIP-style network, the Coulomb-matrix MLP baseline, and their equivariance checks. */

export * from "./checks.js";
export * from "./cm_mlp.js";
export * from "./egnn.js";
export * from "./nequip.js";
export * from "./schnet.js";
