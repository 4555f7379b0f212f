/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), readers, operators on surfaces. */

export * from "./descriptors.js";
export * from "./eigenbasis.js";
export * from "./face_gradient.js";
export * from "./geodesics.js";
export * from "./intrinsic.js";
export * from "./laplacian.js";
export * from "./mesh.js";
export * from "./primitives.js";
