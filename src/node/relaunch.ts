/**
 * Re-running Node with the settings the kernels want (Node only; used by `bin/erlangen.js` and the
 * bench):
 *
 * - glibc malloc tunables that keep freed tensor storage in the process heap instead of returning it
 *   to the OS. On Linux VMs a first touch of fresh pages is very expensive (a fresh 4 MB Float32Array
 *   costs ~30 ms there, ~1 ms with these settings); PyTorch's reference scripts use the same settings.
 *   `ERLANGEN_NO_MALLOC_TUNING=1` opts out.
 * - One garbage-collector thread (`--single-threaded-gc`) when the run asks for one thread: V8's
 *   parallel and concurrent GC otherwise runs on the other cores, which costs 15–35 % more CPU time
 *   than the same collections on the calling thread (GIN on MUTAG, SchNet on QM7; docs/results.md) and
 *   is not "one thread". `ERLANGEN_PARALLEL_GC=1` opts out.
 * - WebAssembly relaxed SIMD (fused multiply-add in the GEMM/SpMM kernels) where the engine has it
 *   behind a flag (Node 20: `--experimental-wasm-relaxed-simd`). Engines that validate relaxed SIMD
 *   already (Node >= 22, browsers) get no flag; `ERLANGEN_KERNELS_RELAXED=0` asks for the baseline
 *   build and no flag.
 *
 * `node dist/src/node/relaunch.js script.js args…` runs a script with both.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The glibc malloc settings: no mmap'd blocks, no trimming of the heap. */
export const TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295";

/** The V8 flag that enables relaxed SIMD on engines that ship it disabled (Node 20). */
export const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";

/** `(module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))))` */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const konst = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...konst, ...konst, ...konst, 0xfd, 0x85, 0x02, 0x0b];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b],
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
}

/** True when this engine validates relaxed-SIMD WebAssembly as it runs now. */
export function relaxedSimdValidates(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(relaxedProbe());
  } catch {
    return false;
  }
}

/**
 * The flag to add to Node's command line so that relaxed SIMD validates, or null when it is not needed
 * (already on), not wanted (ERLANGEN_KERNELS_RELAXED=0) or not available (the engine has no such flag).
 */
export function relaxedSimdFlag(): string | null {
  if (process.env.ERLANGEN_KERNELS_RELAXED === "0" || process.execArgv.includes(RELAXED_SIMD_FLAG)) return null;
  if (relaxedSimdValidates()) return null;
  const r = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8" });
  if (r.error || r.status !== 0 || !r.stdout.includes(RELAXED_SIMD_FLAG)) return null;
  return RELAXED_SIMD_FLAG;
}

/** The V8 flag that runs every garbage collection on the calling thread. */
export const SINGLE_THREADED_GC_FLAG = "--single-threaded-gc";

/**
 * The thread count that `--threads N` / `--threads=N` in `args` asks for, or undefined when absent or
 * not a positive integer (the command's own parser reports that).
 */
export function threadsArg(args: readonly string[]): number | undefined {
  let v: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--threads") v = args[i + 1];
    else if (a.startsWith("--threads=")) v = a.slice("--threads=".length);
  }
  const n = v === undefined ? Number.NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * The flag that keeps garbage collection on the calling thread for a run of `threads` threads, or
 * null when it is not wanted (more than one thread, or ERLANGEN_PARALLEL_GC=1) or already on.
 */
export function singleThreadedGcFlag(threads: number | undefined): string | null {
  if (threads !== 1 || process.env.ERLANGEN_PARALLEL_GC === "1") return null;
  return process.execArgv.includes(SINGLE_THREADED_GC_FLAG) ? null : SINGLE_THREADED_GC_FLAG;
}

/** Whether glibc runs with the no-unmap settings (set by {@link runTuned} or by the user). */
export function mallocTuned(): boolean {
  return process.platform === "linux" && (process.env.GLIBC_TUNABLES ?? "").includes("mmap_max=0");
}

/** Options of {@link runTuned}. */
export interface RunTunedOptions {
  /** Apply the malloc tunables (default true; Linux only, and not when GLIBC_TUNABLES or ERLANGEN_NO_MALLOC_TUNING is set). */
  malloc?: boolean;
  /** The threads the run asks for: 1 adds {@link SINGLE_THREADED_GC_FLAG} (default: leave the GC as is). */
  threads?: number;
}

/**
 * Re-runs `script` with `args` in a child Node that has the malloc tunables, the relaxed-SIMD flag and
 * (for one thread) the single-threaded GC when this process lacks any of them, and exits with the child's status. Returns true when this process
 * should go on itself (nothing to add, or the child could not start).
 */
export function runTuned(script: string, args: readonly string[], opts: RunTunedOptions = {}): boolean {
  const env = process.env;
  const tune =
    (opts.malloc ?? true) &&
    process.platform === "linux" &&
    env.GLIBC_TUNABLES === undefined &&
    !env.ERLANGEN_NO_MALLOC_TUNING;
  // the child has the flag in its execArgv (and the tunables in its environment): it does not re-run
  const flags = [relaxedSimdFlag(), singleThreadedGcFlag(opts.threads)].filter((f): f is string => f !== null);
  if (!tune && flags.length === 0) return true;
  const childEnv = tune ? { ...env, GLIBC_TUNABLES: TUNABLES } : env;
  const r = spawnSync(process.execPath, [...process.execArgv, ...flags, script, ...args], {
    stdio: "inherit",
    env: childEnv,
  });
  if (r.error) return true;
  process.exit(r.status ?? (r.signal ? 1 : 0));
}

// `node relaunch.js script.js args…` runs a script with the tunables and the flag.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [script, ...rest] = process.argv.slice(2);
  if (script !== undefined && runTuned(script, rest)) await import(pathToFileURL(resolve(script)).href);
}
