/**
 * The compute kernels: functions of typed arrays and sizes, no autograd. Each kernel with a WASM twin
 * is an entry of the registry (`registry.ts`) that runs either the plain TypeScript reference (`ref/`)
 * or the AssemblyScript SIMD build (`wasm/`), as `dispatch.ts` decides from the backend setting
 * (`auto` | `ref` | `wasm`, env `ERLANGEN_KERNELS`), the size of the call and the loaded module. Both
 * give the same numbers up to float32 rounding. The convolutions (`conv.ts`) compose them with the
 * im2col loops; pooling and resampling loops have no WASM twin (`ref/pool.ts`, `ref/resample.ts`).
 * Index arguments are validated by the calling op before they get here.
 */

export * from "./conv.js";
export {
  activeKernelBackend,
  getKernelBackend,
  type KernelBackend,
  kernelRegistry,
  lastKernelBackend,
  type RegisteredKernel,
  setKernelBackend,
  WASM_THRESHOLDS,
} from "./dispatch.js";
export type { Stride1Geometry } from "./ref/conv.js";
export type { BinaryOpName, ReduceOpName, UnaryGradOpName, UnaryOpName } from "./ref/elementwise.js";
export { type FFTPlan, fftPlan } from "./ref/fft.js";
export { type ConvGeometry, convGeometry, type Triple, to3, volume } from "./ref/im2col.js";
export type { FloatArray } from "./ref/linalg.js";
export {
  packSphericalHarmonics,
  packTensorProduct,
  type RadialBasisSpec,
  type RadialCutoffSpec,
  radialCount,
  type ShPolynomial,
  type ShTable,
  type TensorProductPlan,
  TP_MODES,
  type TpMode,
  type TpPathSpec,
  type TpSizes,
} from "./ref/o3.js";
export type { AdamConsts } from "./ref/optim.js";
export { gatherPlanes, maxPoolIndices, type PoolWindows, scatterPlanes } from "./ref/pool.js";
export { type AxisMap, applyAxisMap, axisMap, transposeAxisMap } from "./ref/resample.js";
export type { WinogradGeometry } from "./ref/winograd.js";
export * from "./registry.js";
export { kernelsReady, wasmFeatures } from "./wasm/loader.js";
