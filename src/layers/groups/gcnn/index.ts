/** Group-equivariant CNNs (G-CNNs) for p4, p4m and (approximately) Cn / Dn. */
export * from "./group.js";
export * from "./filters.js";
export * from "./layers.js";
export * from "./batchnorm.js";
export * from "./models.js";
export * from "./checks.js";
