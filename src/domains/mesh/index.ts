/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), readers, operators on surfaces. */

export * from "./frames.js";
export * from "./gauge.js";
export * from "./gauge_pooling.js";
export * from "./mesh.js";
export * from "./transport.js";
