/** ONNX export (see export.ts). */
export * from "./export.js";
