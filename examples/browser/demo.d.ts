/** Types of demo.js (the page's code is plain JavaScript, served to the browser as-is). */
import type * as Erlangen from "../../src/index.js";

/** What {@link runDemo} returns (also the JSON the page shows). */
export interface DemoResult {
  /** Whether `kernelsReady()` resolved with the WASM kernels loaded. */
  kernelsReady: boolean;
  /** `activeKernelBackend()` after loading: `wasm` or `ref`. */
  backend: "wasm" | "ref";
  /** The path a 64×64 float32 matmul took. */
  lastKernel: "wasm" | "ref" | "none";
  /** That matmul against the float64 reference. */
  wasmMatmulMaxAbsDiff: number;
  training: { model: string; epochs: number; firstLoss: number; lastLoss: number; accuracy: number };
  checker: { layer: string; group: string; samples: number; maxRelError: number; pass: boolean };
  ms: number;
}

/** Trains a GCN on the karate club, checks a GCN layer's permutation equivariance, reports the kernels. */
export function runDemo(E: typeof Erlangen, opts?: { epochs?: number }): Promise<DemoResult>;
