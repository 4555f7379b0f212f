/**
 * Mesh layers (the "geodesics" and "gauges" Gs of Geometric Deep Learning).
 */

// gauges: gauge-equivariant mesh CNNs (GEM-CNN)
export * from "./gem_checks.js";
export * from "./gem_conv.js";
export * from "./gem_models.js";
export * from "./regular_nonlinearity.js";
export * from "./transport_pool.js";
