/**
 * `erlangen/symmetry`: groups, representations, field types, actions on domains and the equivariance
 * checker (`checkEquivariance`, `assertEquivariant`).
 */
import "../tensor/index.js";

export * from "../symmetry/index.js";
