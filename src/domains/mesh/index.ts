/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), readers, operators on surfaces. */

export * from "./frames.js";
// operators of the geodesic layers (DiffusionNet's gradient, normalisation, tensors)
export * from "./gradient.js";
export * from "./mesh.js";
export * from "./normalize.js";
export * from "./tensors.js";
