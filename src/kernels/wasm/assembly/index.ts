// AssemblyScript SIMD kernels (f32). Pointers are byte offsets into the imported memory; sizes are
// element counts. Every kernel here has a reference twin in src/kernels/ref; the JS side that
// copies data in and out is src/kernels/wasm/kernels.ts.
export { gemmPackB, gemmRows, gemmTransA } from "./gemm";
export { convPackBF32, convPackBTF32, convPadPlanesF32, convUnpadRowsF32 } from "./conv";
export { binaryColF32, binaryRowF32, binaryScalarF32, binarySameF32, unaryF32 } from "./elementwise";
export { reduceAxisF32, reduceContig, softmaxRowsF32 } from "./reduce";
export { gatherRows32, scatterAddRowsF32, scatterMaxRowsF32, segmentSumF32, spmmCsrF32, spmmCsrTF32 } from "./sparse";
export { wgDotF32, wgGemmF32, wgGradOutF32, wgInputAdjF32, wgInputF32, wgKernelF32, wgOutputF32, wgZero, wgZeroLanes } from "./winograd";
export { adamF32, bnGradF32, channelAffineF32, channelAffineNclF32, channelGradNclF32, channelStatsF32, channelStatsNclF32, spmmCsrCols16F32, transpose32 } from "./train";
export { radialBackwardF32, radialForwardF32, shBackwardF32, shForwardF32, tpBackwardF32, tpForwardF32 } from "./o3";
export { bernoulliMaskF32, colSumsFlaggedF32, dropoutMaskF32, flagRowsF32, sparseLinearF32, sparseLinearGradGatherF32, sparseLinearGradScatterF32 } from "./train";

/** First free byte after the module's static data: the JS arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
