/**
 * Spherical CNNs: S² → SO(3) and SO(3) → SO(3) correlations with localised filters (s2cnn), S² → S²
 * convolutions with zonal filters (Esteves et al.), pointwise nonlinearities on grids, band-limit
 * pooling, invariant readouts, the spherical-MNIST models and their symmetry checks.
 */
export * from "./activation.js";
export * from "./batch_norm.js";
export * from "./checks.js";
export * from "./filters.js";
export * from "./models.js";
export * from "./pooling.js";
export * from "./readout.js";
export * from "./s2_conv.js";
export * from "./so3_conv.js";
export * from "./spectral.js";
export * from "./zonal_conv.js";
