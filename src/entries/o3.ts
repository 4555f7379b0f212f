/**
 * `erlangen/o3`: e3nn's toolkit for O(3): Irreps, rotations, spherical harmonics, Wigner matrices,
 * tensor products, equivariant Linear, Gate, NormActivation and BatchNorm (the root's `o3` namespace).
 */
import "../tensor/index.js";

export * from "../layers/groups/o3/index.js";
