/**
 * Mesh layers: geodesics (intrinsic operators on surfaces) and gauges (tangent-frame equivariance).
 */

// geodesics: spectral, MoNet, FeaSt, geodesic polar, DiffusionNet
export * from "./diffusion_net.js";
export * from "./readout.js";
