/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), validation and repair, readers and writers, conversions. */

export * from "./chebyshev.js";
export * from "./convert.js";
export * from "./frames.js";
export * from "./gradient.js";
export * from "./io/index.js";
export * from "./mesh.js";
export * from "./normalize.js";
export * from "./polar_patches.js";
export * from "./pseudo_coords.js";
export * from "./tensors.js";
export * from "./validate.js";
