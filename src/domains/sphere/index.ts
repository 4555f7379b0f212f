/**
 * The sphere domain: grids on S² (Driscoll–Healy, Gauss–Legendre, HEALPix) with quadrature weights,
 * sampling and rotating signals, the real spherical harmonic transform (SHT), the SO(3) grid and its
 * Fourier transform, and equirectangular pictures. Conventions: e3nn's (polar axis +y; see grid.ts,
 * sht.ts and so3.ts, and docs/spheres.md).
 */

export * from "./grid.js";
export * from "./image.js";
export { driscollHealyWeights, gaussLegendre, type LegendreTable, legendreTable } from "./legendre.js";
export { encodePNG } from "./png.js";
export * from "./sht.js";
export * from "./signal.js";
export * from "./so3.js";
export * from "./so3_rotation.js";
