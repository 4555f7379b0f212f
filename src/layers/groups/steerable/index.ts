/** Steerable E(2)-equivariant CNNs: kernel bases, R2Conv, equivariant nonlinearities and pooling. */

export * from "./basis.js";
export * from "./decompose.js";
export * from "./models.js";
export * from "./nonlinear.js";
export * from "./planar.js";
export * from "./r2conv.js";
