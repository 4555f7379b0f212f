/** O(3): irreps, rotations, spherical harmonics, Wigner-D and Wigner-3j, in e3nn's conventions. */
export * from "./irreps.js";
export * from "./rotations.js";
export * from "./spherical_harmonics.js";
export * from "./wigner.js";
export { wignerDBlocks, wignerDBlocksFromAngles, wignerDxBlocks, wignerSmallD } from "./wigner_blocks.js";
