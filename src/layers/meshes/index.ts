/**
 * Mesh layers (the "geodesics" and "gauges" Gs of Geometric Deep Learning). Geodesics: spectral
 * (`mesh_cheb_conv`), MoNet (`gmm_conv`), FeaSt (`feast_conv`), geodesic polar (`geodesic_polar_conv`),
 * DiffusionNet (`diffusion_net`), with their models (`models`), inputs and readouts. Gauges: the
 * gauge-equivariant mesh CNN (`gem_*`, `regular_nonlinearity`, `transport_pool`).
 */

export * from "./diffusion_net.js";
export * from "./feast_conv.js";
export * from "./gem_checks.js";
export * from "./gem_conv.js";
export * from "./gem_models.js";
export * from "./geodesic_polar_conv.js";
export * from "./gmm_conv.js";
export * from "./inputs.js";
export * from "./mesh_cheb_conv.js";
export * from "./models.js";
export * from "./readout.js";
export * from "./regular_nonlinearity.js";
export * from "./transport_pool.js";
