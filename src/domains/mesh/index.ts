/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), readers, operators on surfaces. */

export * from "./mesh.js";
