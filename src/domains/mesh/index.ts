/**
 * The mesh domain: {@link Mesh} (half-edge connectivity, geometry), validation and repair, readers and
 * writers, conversions, tangent frames, transport and gauge bundles, and the operators on surfaces
 * (cotan Laplacian, mass, intrinsic Delaunay, eigenbasis, HKS/WKS, face gradient, geodesics, primitives)
 * and those of the geodesic layers (DiffusionNet's vertex gradient, the Chebyshev Laplacian, polar
 * patches, pseudo-coordinates, position normalisation).
 */

export * from "./chebyshev.js";
export * from "./convert.js";
export * from "./descriptors.js";
export * from "./eigenbasis.js";
export * from "./face_gradient.js";
export * from "./frames.js";
export * from "./gauge.js";
export * from "./gauge_pooling.js";
export * from "./geodesics.js";
// operators of the geodesic layers (DiffusionNet's gradient, normalisation, tensors)
export * from "./gradient.js";
export * from "./intrinsic.js";
export * from "./io/index.js";
export * from "./laplacian.js";
export * from "./mesh.js";
export * from "./normalize.js";
export * from "./polar_patches.js";
export * from "./primitives.js";
export * from "./pseudo_coords.js";
export * from "./remesh.js";
export * from "./svg.js";
export * from "./tensors.js";
export * from "./transport.js";
export * from "./validate.js";
