/** Graph transforms (PyG names): feature normalisation, structure, positional encodings, pseudo-coordinates, splits. */
export * from "./base.js";
export * from "./compose.js";
export * from "./edges.js";
export * from "./features.js";
export * from "./positional.js";
export * from "./pseudo.js";
export * from "./split.js";
