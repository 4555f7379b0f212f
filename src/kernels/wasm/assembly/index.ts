// AssemblyScript SIMD kernels (f32), one file per family: linalg (GEMM, transpose), elementwise,
// reduce (reductions, softmax), sparse (CSR products, gather/scatter, sparse-input linear), norms
// (batch norm), o3 and o3_backward (tensor products and their gradients, over o3_paths) and o3_bases
// (spherical harmonics, radial bases; all bound in wasm/o3.ts), optim (Adam), random (dropout
// masks), winograd and conv (stride-1 convolutions), depthwise (depthwise convolutions, f64 sums).
// Pointers are byte offsets into the imported memory; sizes are element counts. Every exported
// function of these files is a module export: its JS binding is in the src/kernels/wasm file of the
// same name, its reference twin in src/kernels/ref, and src/kernels/registry.ts dispatches to both.
export * from "./conv";
export * from "./depthwise";
export * from "./elementwise";
export * from "./linalg";
export * from "./norms";
export * from "./o3";
export * from "./o3_backward";
export * from "./o3_bases";
export * from "./optim";
export * from "./random";
export * from "./reduce";
export * from "./sparse";
export * from "./winograd";
export * from "./winograd5";

/** First free byte after the module's static data: the JS arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
