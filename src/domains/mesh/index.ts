/** The mesh domain: {@link Mesh} (half-edge connectivity, geometry), validation and repair, readers and writers, conversions, tangent frames, transport and gauge bundles. */

export * from "./convert.js";
export * from "./frames.js";
export * from "./gauge.js";
export * from "./gauge_pooling.js";
export * from "./io/index.js";
export * from "./mesh.js";
export * from "./transport.js";
export * from "./validate.js";
