/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), validation and repair, readers and writers, conversions, operators on surfaces. */

export * from "./frames.js";
export * from "./gauge.js";
export * from "./gauge_pooling.js";
// operators of the geodesic layers (DiffusionNet's gradient, normalisation, tensors)
export * from "./gradient.js";
export * from "./io/index.js";
export * from "./mesh.js";
export * from "./normalize.js";
export * from "./remesh.js";
export * from "./svg.js";
export * from "./tensors.js";
export * from "./transport.js";
export * from "./validate.js";
