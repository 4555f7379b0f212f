/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), validation and repair, readers and writers, conversions. */

export * from "./io/index.js";
export * from "./mesh.js";
export * from "./validate.js";
