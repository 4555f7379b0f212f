/**
 * Mesh layers: geodesics (intrinsic operators on surfaces) and gauges (tangent-frame equivariance).
 */

// geodesics: spectral, MoNet, FeaSt, geodesic polar, DiffusionNet
export * from "./diffusion_net.js";
// gauges: gauge-equivariant mesh CNNs (GEM-CNN)
export * from "./gem_checks.js";
export * from "./gem_conv.js";
export * from "./gem_models.js";
export * from "./readout.js";
export * from "./regular_nonlinearity.js";
export * from "./transport_pool.js";
