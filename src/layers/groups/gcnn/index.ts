/** Group-equivariant CNNs (G-CNNs) for p4, p4m and (approximately) Cn / Dn. */

export * from "./checks.js";
export * from "./filters.js";
export * from "./group.js";
export * from "./layers.js";
export * from "./models.js";
