/**
 * Kernel dispatch: the backend setting, and the one function that routes a call to the WASM binding
 * of a kernel or to its TypeScript reference. Each kernel is one entry of the registry
 * (`registry.ts`): its name, reference, WASM binding, the module exports the binding needs (the
 * capability check), the work of a call and the size threshold it is compared with.
 *
 * Backend choice: `auto` (default: WASM for float32 above a small size, where the copy into WASM
 * memory pays off), `wasm` (WASM for every float32 call) or `ref` (plain TypeScript), set with
 * {@link setKernelBackend} or the environment variable `ERLANGEN_KERNELS=ref|wasm|auto`.
 * float64 always runs the reference. {@link activeKernelBackend} and {@link lastKernelBackend} tell
 * which path is in force and which one ran.
 */
import { getNumThreads } from "./pool.js";
import { TEAM_MIN_WORK } from "./team.js";
import { getLocalWasmRuntime, getWasmRuntime, type WasmRuntime } from "./wasm/loader.js";

/** `auto`: WASM for float32 above a size threshold; `wasm`: WASM for all float32; `ref`: TypeScript. */
export type KernelBackend = "auto" | "ref" | "wasm";

function envBackend(): KernelBackend {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const v = g.process?.env?.ERLANGEN_KERNELS;
  return v === "ref" || v === "wasm" ? v : "auto";
}

let backend: KernelBackend = envBackend();
let last: "ref" | "wasm" | "none" = "none";

/**
 * Chooses the kernel backend: `auto` (default), `ref` (plain TypeScript) or `wasm` (every float32
 * call through WASM; throws if the WASM kernels cannot be loaded now — in a browser main thread,
 * `await kernelsReady()` first).
 */
export function setKernelBackend(b: KernelBackend): void {
  if (b !== "auto" && b !== "ref" && b !== "wasm")
    throw new Error(`setKernelBackend: argument 'backend' expected 'auto' | 'ref' | 'wasm', got ${String(b)}`);
  if (b === "wasm" && getWasmRuntime() === null) {
    throw new Error(
      "setKernelBackend: argument 'backend' expected a backend available here, got 'wasm' (WebAssembly SIMD kernels not loaded; await kernelsReady())",
    );
  }
  backend = b;
}

/** The backend setting now in force. */
export function getKernelBackend(): KernelBackend {
  return backend;
}

/**
 * The path float32 kernels take now: `wasm` when the setting allows it and the WASM kernels are
 * loaded, else `ref`. (Small calls under `auto` and all float64 calls still use `ref`.)
 */
export function activeKernelBackend(): "ref" | "wasm" {
  if (backend === "ref") return "ref";
  return getWasmRuntime() !== null ? "wasm" : "ref";
}

/** The path the most recent kernel call took (`none` before the first call). */
export function lastKernelBackend(): "ref" | "wasm" | "none" {
  return last;
}

/**
 * Work sizes (elements touched, or multiply-adds for GEMM/SpMM) below which `auto` stays in
 * TypeScript: for tiny arrays the call and copy overhead (about 0.3 µs) outweighs the SIMD speed-up.
 * Measured crossovers (Node 20, x64): unary ~32–64 elements, binary ~64, sum ~512, GEMM ~8³, gather ~512.
 */
export const WASM_THRESHOLDS = {
  gemm: 512,
  sparse: 512,
  elementwise: 64,
  reduce: 512,
};

/** The current value of a threshold (a switch of named loads: cheaper per call than a keyed load). */
function threshold(name: keyof typeof WASM_THRESHOLDS): number {
  switch (name) {
    case "gemm":
      return WASM_THRESHOLDS.gemm;
    case "sparse":
      return WASM_THRESHOLDS.sparse;
    case "elementwise":
      return WASM_THRESHOLDS.elementwise;
    case "reduce":
      return WASM_THRESHOLDS.reduce;
  }
}

/** The float32 test every WASM binding's arguments pass. */
export const f32 = (a: unknown): a is Float32Array => a instanceof Float32Array;

/** Whether an optional argument is absent (null) or a Float32Array. */
export const f32OrNull = (a: unknown): boolean => a === null || f32(a);

/** A function of typed arrays and sizes: the shape of every reference kernel. */
type KernelFn = (...args: never[]) => void;

/**
 * A reference parameter as the WASM binding receives it: float32 where the reference takes either
 * float dtype (and no Uint8Array), since {@link KernelSpec.work} lets only such calls through.
 */
type WasmArg<T> = [Float32Array | Float64Array] extends [T] ? Exclude<T, Float64Array | Uint8Array> : T;

/** The parameters of a reference kernel as its WASM binding receives them. */
export type WasmArgs<P extends unknown[]> = { [K in keyof P]: WasmArg<P[K]> };

/** What a registry entry declares about one kernel whose reference is `F`. */
interface KernelSpec<F extends KernelFn> {
  /** The name the kernel is exported under from `src/kernels/index.ts`. */
  readonly name: string;
  /** The plain TypeScript twin (any float dtype): the numbers the WASM binding reproduces. */
  readonly ref: F;
  /**
   * The WASM binding, called only when {@link work} accepted the arguments (so its float arrays are
   * float32). It may return false, computing nothing, to decline a layout it has no kernel for.
   */
  readonly wasm: (rt: WasmRuntime, ...args: WasmArgs<Parameters<F>>) => unknown;
  /** The module exports the binding calls: the capability check (a module built before them lacks them). */
  readonly exports: readonly string[];
  /** The work of a call (elements, or multiply-adds) when its arguments suit the WASM binding, else −1. */
  readonly work: (...args: Parameters<F>) => number;
  /** The {@link WASM_THRESHOLDS} entry that `auto` compares the work with. */
  readonly threshold: keyof typeof WASM_THRESHOLDS;
  /**
   * True when the binding may split a call over a kernel team (it calls `kernelTeam`): such calls run
   * on the shared-memory runtime while more than one thread is asked for. Every other call runs on
   * the private-memory one ({@link getLocalWasmRuntime}), whose copies in and out are faster.
   */
  readonly team?: boolean;
  /**
   * For a {@link team} kernel: the work of a call as its binding hands it to `kernelTeam` (−1: never
   * split). A call under {@link TEAM_MIN_WORK} cannot split, so it runs on the private-memory runtime
   * like any one-thread call. Without it, every call of a team kernel takes the shared runtime.
   */
  readonly teamWork?: (...args: Parameters<F>) => number;
}

/** A kernel that always computes: in WASM where the binding runs, else its fallback. */
export interface TwinKernelSpec<F extends KernelFn> extends KernelSpec<F> {
  /** What runs where WASM does not (default: the reference). */
  readonly fallback?: (...args: Parameters<F>) => void;
}

/**
 * A fused fast path: the call returns true when the WASM binding ran, and false, computing nothing,
 * where it does not run (the caller then composes the result from other kernels).
 */
export interface FastPathSpec<F extends KernelFn> extends KernelSpec<F> {
  /** Argument checks that run before anything else (they throw). */
  readonly check?: (...args: Parameters<F>) => void;
  /** When WASM memory cannot grow: run the reference and return true (default: return false). */
  readonly refWhenOutOfMemory?: boolean;
}

/** A registry entry as tests and tools see it: the spec with untyped arguments, and its kind. */
export interface RegisteredKernel {
  readonly name: string;
  readonly kind: "twin" | "fastPath";
  readonly ref: (...args: unknown[]) => void;
  readonly wasm: (rt: WasmRuntime, ...args: unknown[]) => unknown;
  readonly exports: readonly string[];
  readonly work: (...args: unknown[]) => number;
  readonly threshold: keyof typeof WASM_THRESHOLDS;
  readonly team: boolean;
}

const registry: RegisteredKernel[] = [];

/** Every registered kernel, in registration order. */
export function kernelRegistry(): readonly RegisteredKernel[] {
  return registry;
}

/**
 * The routing of one kernel: picks the WASM runtime for a call under the backend setting, the size
 * threshold and the capability check (done once per runtime), and records the path in
 * {@link lastKernelBackend}.
 */
class Route {
  private capable: WasmRuntime | null = null;
  private readonly threshold: keyof typeof WASM_THRESHOLDS;
  private readonly exports: readonly string[];
  private readonly team: boolean;

  constructor(spec: Pick<KernelSpec<KernelFn>, "exports" | "threshold" | "team">) {
    this.threshold = spec.threshold;
    this.exports = spec.exports;
    this.team = spec.team === true;
  }

  /**
   * The runtime when a call with this work runs in WASM, else null (the call runs in TypeScript);
   * `teamWork` is the call's work for a kernel team (see {@link KernelSpec.teamWork}).
   */
  runtime(work: number, teamWork = Number.POSITIVE_INFINITY): WasmRuntime | null {
    if (work < 0 || backend === "ref" || (backend === "auto" && work < threshold(this.threshold))) {
      last = "ref";
      return null;
    }
    const split = this.team && teamWork >= TEAM_MIN_WORK && getNumThreads() > 1;
    const rt = split ? getWasmRuntime() : getLocalWasmRuntime();
    if (rt === null || (rt !== this.capable && !this.check(rt))) {
      last = "ref";
      return null;
    }
    last = "wasm";
    return rt;
  }

  private check(rt: WasmRuntime): boolean {
    if (!rt.hasExports(this.exports)) return false;
    this.capable = rt;
    return true;
  }
}

/** The path of a call whose WASM binding failed or declined. */
function ranRef(): void {
  last = "ref";
}

/** True when a WASM call failed only because memory could not grow (then the TypeScript path runs). */
function outOfMemory(e: unknown): boolean {
  return e instanceof RangeError;
}

function register<F extends KernelFn>(spec: KernelSpec<F>, kind: RegisteredKernel["kind"]): void {
  const { name, ref, wasm, exports, work, threshold } = spec as unknown as RegisteredKernel;
  registry.push({ name, kind, ref, wasm, exports, work, threshold, team: spec.team === true });
}

/**
 * The most arguments a kernel takes. The dispatching functions declare this many parameters instead of
 * rest arguments: no array per call and no spread calls, which a tiny op whose kernel call is not
 * inlined would pay (about 25 ns). Extra parameters arrive as `undefined`, as omitted ones do.
 */
export const MAX_KERNEL_ARGS = 13;

/** A function of up to {@link MAX_KERNEL_ARGS} arguments. */
type Fixed = (
  a0: unknown,
  a1: unknown,
  a2: unknown,
  a3: unknown,
  a4: unknown,
  a5: unknown,
  a6: unknown,
  a7: unknown,
  a8: unknown,
  a9: unknown,
  a10: unknown,
  a11: unknown,
  a12: unknown,
) => unknown;

/** A binding called as (rt, a0, …, a12). */
type FixedWasm = (rt: WasmRuntime, ...args: Parameters<Fixed>) => unknown;

/** The spec's functions with fixed parameter lists (a kernel of more arguments is refused). */
function fixed<F extends KernelFn>(spec: KernelSpec<F>) {
  if (spec.ref.length > MAX_KERNEL_ARGS || spec.wasm.length > MAX_KERNEL_ARGS + 1)
    throw new Error(`kernel '${spec.name}': at most ${MAX_KERNEL_ARGS} arguments, got ${spec.ref.length}`);
  return {
    ref: spec.ref as unknown as Fixed,
    wasm: spec.wasm as unknown as FixedWasm,
    work: spec.work as unknown as (...args: Parameters<Fixed>) => number,
    teamWork: spec.teamWork as unknown as ((...args: Parameters<Fixed>) => number) | undefined,
  };
}

/**
 * Registers a kernel and returns its dispatching function: the WASM binding where the backend, the
 * size and the module allow it, else (or when WASM memory cannot grow, or the binding declines) the
 * fallback, by default the reference. It returns what the path that ran returns (a binding returns
 * the reference's value, e.g. the NaN index of the spherical harmonics).
 */
export function kernel<F extends KernelFn>(spec: TwinKernelSpec<F>): (...args: Parameters<F>) => ReturnType<F> {
  register(spec, "twin");
  const route = new Route(spec);
  const { work, wasm, ref, teamWork } = fixed(spec);
  const fallback = (spec.fallback as unknown as Fixed | undefined) ?? ref;
  const run: Fixed = (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12) => {
    const rt = route.runtime(
      work(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12),
      teamWork?.(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12),
    );
    if (rt !== null) {
      try {
        const r = wasm(rt, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
        if (r !== false) return r;
      } catch (e) {
        if (!outOfMemory(e)) throw e;
      }
      ranRef();
    }
    return fallback(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
  };
  return run as unknown as (...args: Parameters<F>) => ReturnType<F>;
}

/**
 * Registers a fused fast path and returns its dispatching function: true when the WASM binding ran,
 * false (computing nothing) where it does not run; see {@link FastPathSpec}.
 */
export function fastPath<F extends KernelFn>(spec: FastPathSpec<F>): (...args: Parameters<F>) => boolean {
  register(spec, "fastPath");
  const route = new Route(spec);
  const { work, wasm, ref, teamWork } = fixed(spec);
  const check = spec.check as unknown as Fixed | undefined;
  const orRef = spec.refWhenOutOfMemory === true;
  const run: Fixed = (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12) => {
    check?.(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
    const rt = route.runtime(
      work(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12),
      teamWork?.(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12),
    );
    if (rt === null) return false;
    try {
      wasm(rt, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
      return true;
    } catch (e) {
      if (!outOfMemory(e)) throw e;
      ranRef();
      if (!orRef) return false;
      ref(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
      return true;
    }
  };
  return run as unknown as (...args: Parameters<F>) => boolean;
}
