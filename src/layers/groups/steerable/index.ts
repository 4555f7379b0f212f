/** Steerable E(2)-equivariant CNNs: kernel bases, R2Conv, equivariant nonlinearities and pooling. */
export * from "./planar.js";
export * from "./decompose.js";
export * from "./basis.js";
export * from "./r2conv.js";
export * from "./nonlinear.js";
export * from "./models.js";
