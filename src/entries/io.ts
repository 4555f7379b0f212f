/** `erlangen/io`: serialisation on bytes (safetensors; browser-safe). File helpers are in `erlangen/node`. */
import "../tensor/index.js";

export * from "../io/index.js";
