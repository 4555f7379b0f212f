/** Models in and out of other ecosystems: PyTorch Geometric / torch and e3nn weights in, ONNX out. */
export * from "./e3nn.js";
export * from "./onnx/index.js";
export * from "./pyg.js";
