/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), readers, operators on surfaces. */

// operators of the geodesic layers: DiffusionNet's gradient, Chebyshev Laplacian, polar patches,
// pseudo-coordinates, normalisation, tensors
export * from "./chebyshev.js";
export * from "./frames.js";
export * from "./gradient.js";
export * from "./mesh.js";
export * from "./normalize.js";
export * from "./polar_patches.js";
export * from "./pseudo_coords.js";
export * from "./tensors.js";
