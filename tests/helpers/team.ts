/** Helpers of the kernel-team tests (tests/kernels.team*.test.ts). */
import { currentKernelTeam, type KernelTeam } from "../../src/kernels/team.js";
import { KERNELS_WASM_BASE64 } from "../../src/kernels/wasm/generated/kernels.js";
import { WasmRuntime } from "../../src/kernels/wasm/loader.js";
import type { Generator } from "../../src/tensor/rng.js";

/** n standard normal float32 values from `gen`. */
export function randomFloats(gen: Generator, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal(0, 1);
  return a;
}

/** Equal bit for bit (NaN-safe, -0 distinct). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Today's one-thread path: the baseline build over a private memory. */
export function privateRuntime(): WasmRuntime {
  const bytes = Uint8Array.from(Buffer.from(KERNELS_WASM_BASE64, "base64"));
  return new WasmRuntime(new WebAssembly.Module(bytes), false);
}

/** The current team of n threads once its workers are up (or after 30 s). */
export async function teamReady(n: number): Promise<KernelTeam> {
  const t = currentKernelTeam();
  if (t === null || t.size !== n) throw new Error("no team");
  for (let i = 0; i < 600 && t.readyWorkers < n - 1; i++) await new Promise((r) => setTimeout(r, 50));
  return t;
}
