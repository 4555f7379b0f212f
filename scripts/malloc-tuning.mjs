// glibc malloc settings that keep freed tensor storage in the process heap instead of returning it
// to the OS. On Linux VMs a first touch of fresh pages is very expensive (a fresh 4 MB Float32Array
// costs ~30 ms here, ~1 ms with these settings); PyTorch's reference scripts use the same settings.
// `runTuned(script)` re-executes Node once with them; ERLANGEN_NO_MALLOC_TUNING=1 opts out.
//
// The same re-execution turns on WebAssembly relaxed SIMD (fused multiply-add in the GEMM/SpMM
// kernels) where the engine has it behind a flag (Node 20: --experimental-wasm-relaxed-simd). Engines
// that validate relaxed SIMD already (Node >= 22, browsers) get no flag; ERLANGEN_KERNELS_RELAXED=0
// asks for the baseline build and no flag.
import { spawnSync } from "node:child_process";

export const TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295";

/** The V8 flag that enables relaxed SIMD on engines that ship it disabled (Node 20). */
export const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";

// (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))))
function relaxedProbe() {
  const zero16 = new Array(16).fill(0);
  const konst = [0xfd, 0x0c, ...zero16];
  const body = [0x00, ...konst, ...konst, ...konst, 0xfd, 0x85, 0x02, 0x0b];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x01,
    0x05,
    0x01,
    0x60,
    0x00,
    0x01,
    0x7b,
    0x03,
    0x02,
    0x01,
    0x00,
    0x0a,
    body.length + 2,
    0x01,
    body.length,
    ...body,
  ]);
}

/** True when this engine validates relaxed-SIMD WebAssembly as it runs now. */
export function relaxedSimdValidates() {
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
export function relaxedSimdFlag() {
  const env = process.env;
  if (env.ERLANGEN_KERNELS_RELAXED === "0" || process.execArgv.includes(RELAXED_SIMD_FLAG)) return null;
  if (relaxedSimdValidates()) return null;
  const r = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8" });
  if (r.error || r.status !== 0 || !r.stdout.includes(RELAXED_SIMD_FLAG)) return null;
  return RELAXED_SIMD_FLAG;
}

/** Re-runs `script` with the tunables (and the relaxed-SIMD flag) when needed; returns true when this process should go on. */
export function runTuned(script, args) {
  const env = process.env;
  const tune = process.platform === "linux" && env.GLIBC_TUNABLES === undefined && !env.ERLANGEN_NO_MALLOC_TUNING;
  // the child has the flag in its execArgv (and the tunables in its environment): it does not re-run
  const flag = relaxedSimdFlag();
  if (!tune && flag === null) return true;
  const childEnv = tune ? { ...env, GLIBC_TUNABLES: TUNABLES } : env;
  const r = spawnSync(process.execPath, [...process.execArgv, ...(flag === null ? [] : [flag]), script, ...args], {
    stdio: "inherit",
    env: childEnv,
  });
  if (r.error) return true;
  process.exit(r.status ?? (r.signal ? 1 : 0));
}

// `node scripts/malloc-tuning.mjs file.js args...` runs a script with the tunables.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  const [script, ...rest] = process.argv.slice(2);
  if (script && runTuned(script, rest)) await import(new URL(script, `file://${process.cwd()}/`).href);
}
