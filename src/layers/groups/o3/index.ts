/**
 * e3nn-style O(3) toolkit in one namespace (`o3` at the package root): the representation theory
 * (Irreps, rotations, spherical harmonics, Wigner matrices) and the equivariant layers built on it
 * (tensor products, Linear, Gate, NormActivation, BatchNorm, SphericalHarmonics) and the actions
 * that let the equivariance checker test them.
 */

// SchNet's shifted softplus, an op of nn/functional, also under o3 (as before the ops moved out of the layers)
export { shiftedSoftplus } from "../../../nn/functional.js";
export * from "../../../symmetry/o3/index.js";
export * from "./action.js";
export * from "./activation.js";
export * from "./batchnorm.js";
export * from "./gate.js";
export * from "./linear.js";
export * from "./spherical_harmonics.js";
export * from "./tensor_product.js";
