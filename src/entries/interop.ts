/**
 * `erlangen/interop`: models in and out of other ecosystems — PyTorch Geometric / torch and e3nn state
 * dicts onto Erlangen modules, and ONNX export (browser-safe). `.pt` and safetensors files are read by
 * `erlangen/io`.
 */
import "../tensor/index.js";

export * from "../interop/index.js";
