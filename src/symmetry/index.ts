/** Symmetry core: groups, representations, field types, actions on domains, and the equivariance checker. */

export * from "./actions.js";
export * from "./checker.js";
export * from "./field_type.js";
export * from "./group.js";
export * from "./groups.js";
export * as linalg64 from "./linalg64.js";
export * as o3 from "./o3/index.js";
export * from "./representation.js";
export * from "./so2_irreps.js";
