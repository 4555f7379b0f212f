/**
 * Mesh layers (the "geodesics" and "gauges" Gs of Geometric Deep Learning).
 */

// geodesics: spectral, MoNet, FeaSt, geodesic polar, DiffusionNet
export * from "./diffusion_net.js";
export * from "./feast_conv.js";
export * from "./geodesic_polar_conv.js";
export * from "./gmm_conv.js";
export * from "./inputs.js";
export * from "./mesh_cheb_conv.js";
export * from "./models.js";
export * from "./readout.js";

// gauges: gauge-equivariant mesh CNNs (GEM-CNN)
export * from "./gem_checks.js";
export * from "./gem_conv.js";
export * from "./gem_models.js";
export * from "./regular_nonlinearity.js";
export * from "./transport_pool.js";
