/**
 * Loads the AssemblyScript SIMD kernels (compiled into a base64 string at install) and manages the
 * arena through which typed arrays are copied into and out of the module's linear memory.
 *
 * Node and web workers compile synchronously on first use. Where synchronous compilation is refused
 * (browser main threads limit it), the kernels run on the reference path until
 * {@link kernelsReady} has resolved. Without WebAssembly or SIMD, {@link getWasmRuntime} returns null.
 *
 * Two builds ship: baseline SIMD and relaxed SIMD (fused multiply-add in GEMM and SpMM). The relaxed
 * one is used where the engine validates it (Node ≥ 22, current browsers) unless the environment
 * variable `ERLANGEN_KERNELS_RELAXED=0` asks for the baseline (FMA rounds differently by ~1 ulp).
 *
 * Each build exists over a private and over a shared memory (`WebAssembly.Memory({ shared: true })`, a
 * `SharedArrayBuffer`). Where SharedArrayBuffer exists (Node; browser pages that are cross-origin
 * isolated) the shared one loads, so that the threads of a kernel team (`../team.ts`) can instantiate
 * the same module over the same memory; `ERLANGEN_KERNELS_SHARED=0` keeps the private one. Both run the
 * same code: on one thread their results are identical.
 *
 * Calls that run on the calling thread alone take a second instance over a private memory
 * ({@link getLocalWasmRuntime}): V8 copies typed arrays into and out of a SharedArrayBuffer word by
 * word (relaxed atomic copies), at about half the speed of the memmove it uses for a private buffer,
 * and those copies are most of the time of a gather or a softmax.
 */
import type { ConvExports } from "./conv.js";
import type { DepthwiseExports } from "./depthwise.js";
import type { ElementwiseExports } from "./elementwise.js";
import {
  KERNELS_WASM_BASE64,
  KERNELS_WASM_RELAXED_BASE64,
  KERNELS_WASM_RELAXED_SHARED_BASE64,
  KERNELS_WASM_SHARED_BASE64,
} from "./generated/kernels.js";
import type { LinalgExports } from "./linalg.js";
import type { NormsExports } from "./norms.js";
import type { OptimExports } from "./optim.js";
import type { RandomExports } from "./random.js";
import type { SparseExports } from "./sparse.js";
import type { WinogradExports } from "./winograd.js";

/**
 * The functions the WASM module exports (pointers are byte offsets, sizes element counts): `heapBase`
 * and the kernels, whose signatures each kernel file of this folder declares next to its binding.
 */
export type WasmExports = { heapBase(): number } & ThreadScratchExports &
  ConvExports &
  DepthwiseExports &
  ElementwiseExports &
  LinalgExports &
  NormsExports &
  OptimExports &
  RandomExports &
  SparseExports &
  WinogradExports;

/** Setters of the per-thread scratch blocks (absent in modules built before kernel teams). */
export interface ThreadScratchExports {
  setGemmScratch?(p: number): void;
  setWinogradScratch?(p: number): void;
  setWinograd5Scratch?(p: number): void;
  setWinograd5KernelScratch?(p: number): void;
}

const PAGE = 65536;
const ALIGN = 64;

/**
 * Bytes of the scratch block each thread's instance works in (the GEMM's edge tile, 128, then the
 * Winograd transforms', 2,816, then the F(4×4, 5×5) kernel transforms', 8,320): no two threads share one.
 */
export const THREAD_SCRATCH_BYTES = 3072 + 8320 + 64;

/** Points an instance's scratch at the block at byte offset `p` (of {@link THREAD_SCRATCH_BYTES}). */
export function setThreadScratch(exports: WasmExports, p: number): void {
  exports.setGemmScratch?.(p);
  exports.setWinogradScratch?.(p + 128);
  // F(4×4, 5×5)'s 576 bytes share the block: a thread runs one transform at a time
  exports.setWinograd5Scratch?.(p + 128);
  exports.setWinograd5KernelScratch?.(p + 3072);
}

/** The imports of the kernel module: its memory, and the abort that the stub runtime calls. */
export function wasmImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      abort: () => {
        throw new Error("erlangen kernels: wasm abort");
      },
    },
  };
}

/**
 * One instance of the kernels with its memory. The arena is a bump allocator that each kernel call
 * resets: inputs are copied into blocks it hands out and results copied back. Memory only grows
 * (WebAssembly memories cannot shrink), and only when a call needs more than any call before.
 */
export class WasmRuntime {
  readonly exports: WasmExports;
  readonly memory: WebAssembly.Memory;
  /** The compiled module (the threads of a kernel team instantiate it over {@link memory}). */
  readonly module: WebAssembly.Module;
  /** Whether {@link memory} is shared (a module built with shared memory). */
  readonly shared: boolean;
  private base: number;
  private top: number;
  private _f32: Float32Array;
  private _i32: Int32Array;

  constructor(module: WebAssembly.Module, shared = false) {
    this.module = module;
    this.shared = shared;
    this.memory = new WebAssembly.Memory({ initial: 32, maximum: 65536, shared });
    const instance = new WebAssembly.Instance(module, wasmImports(this.memory));
    this.exports = instance.exports as unknown as WasmExports;
    this.base = alignUp(this.exports.heapBase());
    this.top = this.base;
    this._f32 = new Float32Array(this.memory.buffer);
    this._i32 = new Int32Array(this.memory.buffer);
    // over a shared memory, this thread's scratch is a block of its own too: the static one is
    // rewritten whenever another thread instantiates the module (its data segments are applied again)
    if (shared) setThreadScratch(this.exports, this.reserve(THREAD_SCRATCH_BYTES));
  }

  /**
   * A block of `bytes` bytes below the arena, kept for the life of the runtime (the threads' scratch).
   * Call it between kernel calls only: it frees every block of the arena.
   */
  reserve(bytes: number): number {
    const ptr = this.base;
    this.top = ptr;
    this.alloc(bytes);
    this.base = this.top;
    return ptr;
  }

  /** Whether the module exports every function in `names` (a module built before a kernel lacks it). */
  hasExports(names: readonly string[]): boolean {
    const e = this.exports as unknown as Record<string, unknown>;
    return names.every((n) => typeof e[n] === "function");
  }

  /** Frees every block (start of each kernel call). */
  reset(): void {
    this.top = this.base;
  }

  /** A 64-byte aligned block of `bytes` bytes; grows the memory when needed. Returns its byte offset. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const end = alignUp(ptr + Math.max(bytes, 0));
    if (end > this.memory.buffer.byteLength) {
      const need = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
      const cur = this.memory.buffer.byteLength / PAGE;
      // grow geometrically so repeated growth stays rare; if that much is refused, just what is needed
      const more = Math.max(need, Math.min(cur, 65536 - cur));
      try {
        this.memory.grow(more);
      } catch (e) {
        if (more === need) throw e;
        this.memory.grow(need);
      }
    }
    this.top = end;
    return ptr;
  }

  /** Float32 view of the whole memory (refreshed after growth). */
  get f32(): Float32Array {
    if (this._f32.buffer !== this.memory.buffer) this.refresh();
    return this._f32;
  }

  /** Int32 view of the whole memory (refreshed after growth). */
  get i32(): Int32Array {
    if (this._i32.buffer !== this.memory.buffer) this.refresh();
    return this._i32;
  }

  private refresh(): void {
    this._f32 = new Float32Array(this.memory.buffer);
    this._i32 = new Int32Array(this.memory.buffer);
  }
}

/** n rounded up to a multiple of 4 (the SIMD kernels' f32x4 lanes). */
export const pad4 = (n: number): number => (n + 3) & ~3;

/** A float64 view of `n` elements at byte offset `ptr` of the runtime's memory. */
export function f64View(rt: WasmRuntime, ptr: number, n: number): Float64Array {
  return new Float64Array(rt.memory.buffer, ptr, n);
}

/** n rounded up to a multiple of 64 (the arena's alignment: per-thread blocks never share a cache line). */
export function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function decodeBase64(s: string): Uint8Array {
  const g = globalThis as { atob?: (s: string) => string; Buffer?: { from(s: string, enc: string): Uint8Array } };
  if (typeof g.atob === "function") {
    const bin = g.atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  if (g.Buffer) return new Uint8Array(g.Buffer.from(s, "base64"));
  throw new Error("erlangen kernels: no base64 decoder");
}

type LoadState = "unloaded" | "loading" | "ready" | "unavailable";
let state: LoadState = "unloaded";
let runtime: WasmRuntime | null = null;
/** The private-memory instance beside a shared {@link runtime} (null until first needed). */
let localRuntime: WasmRuntime | null = null;
let localState: "none" | "loading" | "failed" = "none";
let relaxed = false;
let pending: Promise<boolean> | null = null;
let loadError: unknown = null;

function relaxedAllowed(): boolean {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  return g.process?.env?.ERLANGEN_KERNELS_RELAXED !== "0";
}

/**
 * Whether the shared-memory builds can load: SharedArrayBuffer exists (browsers expose it to
 * cross-origin isolated pages only), the builds were generated, and `ERLANGEN_KERNELS_SHARED` is not 0.
 */
export function sharedMemoryAvailable(): boolean {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> }; crossOriginIsolated?: boolean };
  if (g.process?.env?.ERLANGEN_KERNELS_SHARED === "0") return false;
  if (typeof SharedArrayBuffer !== "function" || g.crossOriginIsolated === false) return false;
  return typeof KERNELS_WASM_SHARED_BASE64 === "string" && KERNELS_WASM_SHARED_BASE64.length > 0;
}

/**
 * The relaxed-SIMD build when the engine validates it (and it is allowed), else the baseline; over a
 * shared memory when `shared`.
 */
function pickBuild(shared: boolean): Uint8Array {
  if (relaxedAllowed()) {
    const r = decodeBase64(shared ? KERNELS_WASM_RELAXED_SHARED_BASE64 : KERNELS_WASM_RELAXED_BASE64);
    try {
      if (WebAssembly.validate(r as Uint8Array<ArrayBuffer>)) {
        relaxed = true;
        return r;
      }
    } catch {
      // fall through to the baseline build
    }
  }
  relaxed = false;
  return decodeBase64(shared ? KERNELS_WASM_SHARED_BASE64 : KERNELS_WASM_BASE64);
}

/** Which WASM build runs: `relaxedSimd` true when the fused multiply-add build was picked. */
export function wasmFeatures(): { loaded: boolean; relaxedSimd: boolean } {
  return { loaded: state === "ready", relaxedSimd: state === "ready" && relaxed };
}

function wasmSupported(): boolean {
  return (
    typeof WebAssembly === "object" &&
    typeof WebAssembly.Module === "function" &&
    typeof WebAssembly.Instance === "function"
  );
}

function startAsync(bytes: Uint8Array, shared: boolean): Promise<boolean> {
  state = "loading";
  pending = WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>).then(
    (module) => {
      try {
        runtime = new WasmRuntime(module, shared);
        state = "ready";
        return true;
      } catch (e) {
        loadError = e;
        state = "unavailable";
        return false;
      }
    },
    (e: unknown) => {
      loadError = e;
      state = "unavailable";
      return false;
    },
  );
  return pending;
}

/**
 * The WASM runtime, compiling it synchronously on first call. Returns null while an asynchronous
 * compile is still running, and when WebAssembly or SIMD is unavailable.
 */
export function getWasmRuntime(): WasmRuntime | null {
  if (state === "ready") return runtime;
  if (state !== "unloaded") return null;
  if (!wasmSupported()) {
    state = "unavailable";
    return null;
  }
  let bytes: Uint8Array;
  let shared = sharedMemoryAvailable();
  try {
    bytes = pickBuild(shared);
  } catch (e) {
    loadError = e;
    state = "unavailable";
    return null;
  }
  try {
    try {
      runtime = new WasmRuntime(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), shared);
    } catch (e) {
      if (!shared || e instanceof RangeError) throw e;
      // the shared build or memory refused (an engine without threads): the private-memory build
      shared = false;
      bytes = pickBuild(false);
      runtime = new WasmRuntime(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), false);
    }
    state = "ready";
    return runtime;
  } catch (e) {
    if (e instanceof RangeError) {
      // synchronous compilation refused (browser main thread): compile in the background
      void startAsync(bytes, shared);
    } else {
      loadError = e;
      state = "unavailable";
    }
    return null;
  }
}

/**
 * The runtime for a kernel call that runs on the calling thread alone (no kernel team): an instance of
 * the same build over a private memory where {@link getWasmRuntime}'s memory is shared, else that
 * runtime itself. The private instance is compiled on first use (in the background where synchronous
 * compilation is refused; the shared runtime serves until it is ready). Results are identical on both.
 */
export function getLocalWasmRuntime(): WasmRuntime | null {
  const rt = getWasmRuntime();
  if (rt === null || !rt.shared || localRuntime !== null) return localRuntime ?? rt;
  if (localState !== "none") return rt;
  // the same flavour as the shared runtime (relaxed or baseline SIMD), so that every call rounds alike
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(relaxed ? KERNELS_WASM_RELAXED_BASE64 : KERNELS_WASM_BASE64);
  } catch {
    localState = "failed";
    return rt;
  }
  try {
    localRuntime = new WasmRuntime(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), false);
    return localRuntime;
  } catch (e) {
    if (!(e instanceof RangeError)) {
      localState = "failed";
      return rt;
    }
  }
  // synchronous compilation refused (browser main thread): compile in the background
  localState = "loading";
  WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>).then(
    (module) => {
      try {
        localRuntime = new WasmRuntime(module, false);
      } catch {
        localState = "failed";
      }
    },
    () => {
      localState = "failed";
    },
  );
  return rt;
}

/** Whether `rt` is the private-memory instance of {@link getLocalWasmRuntime} (never split over a team). */
export function isLocalWasmRuntime(rt: WasmRuntime): boolean {
  return rt === localRuntime;
}

/**
 * Resolves once the WASM kernels are loaded (true) or known to be unavailable (false). Needed only in
 * browser main threads, where the module is compiled asynchronously; elsewhere it resolves at once.
 */
export function kernelsReady(): Promise<boolean> {
  const rt = getWasmRuntime();
  if (rt) return Promise.resolve(true);
  if (state === "loading" && pending) return pending;
  return Promise.resolve(false);
}

/** Why the WASM kernels could not be loaded (null when they loaded or were not tried). */
export function wasmLoadError(): unknown {
  return loadError;
}
