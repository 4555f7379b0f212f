/** Serialisation on bytes (browser-safe). File helpers are in `erlangen/node`. */
export * from "./safetensors.js";
export * from "./torch_pt.js";
