// glibc malloc settings that keep freed tensor storage in the process heap instead of returning it
// to the OS. On Linux VMs a first touch of fresh pages is very expensive (a fresh 4 MB Float32Array
// costs ~30 ms here, ~1 ms with these settings); PyTorch's reference scripts use the same settings.
// `runTuned(script)` re-executes Node once with them; ERLANGEN_NO_MALLOC_TUNING=1 opts out.
import { spawnSync } from "node:child_process";

export const TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295";

/** Re-runs `script` with the tunables when needed; returns true when this process should go on. */
export function runTuned(script, args) {
  const env = process.env;
  if (process.platform !== "linux" || env.GLIBC_TUNABLES !== undefined || env.ERLANGEN_NO_MALLOC_TUNING) return true;
  const r = spawnSync(process.execPath, [...process.execArgv, script, ...args], {
    stdio: "inherit",
    env: { ...env, GLIBC_TUNABLES: TUNABLES },
  });
  if (r.error) return true;
  process.exit(r.status ?? (r.signal ? 1 : 0));
}

// `node scripts/malloc-tuning.mjs file.js args...` runs a script with the tunables.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  const [script, ...rest] = process.argv.slice(2);
  if (script && runTuned(script, rest)) await import(new URL(script, `file://${process.cwd()}/`).href);
}
