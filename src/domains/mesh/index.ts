/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), readers, operators on surfaces. */

export * from "./frames.js";
export * from "./mesh.js";
