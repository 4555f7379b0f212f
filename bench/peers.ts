/**
 * PyTorch peers: runs the shared plain-PyTorch scripts (../shared/peers, see its README) in the same
 * run as the TS benches and indexes their JSON lines. Never throws: a missing interpreter, torch or
 * data gives an empty result and the benches print "peer unavailable".
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Where the peer scripts live: $ERLANGEN_PEERS, else ../shared/peers next to the repository. */
export function peersDir(repoRoot: string): string {
  return process.env.ERLANGEN_PEERS ?? join(repoRoot, "..", "shared", "peers");
}

export interface PeerResult {
  /** ms_median per peer key (see {@link peerKey}). */
  ms: Map<string, number>;
  /** ms_p10 per peer key (the fast end of the samples: less sensitive to other processes). */
  p10?: Map<string, number>;
  /** Median process CPU time per peer key, where the script reports it (`cpu_ms_median`). */
  cpu?: Map<string, number>;
  /** Who ran (e.g. "e3nn 0.5.1" or "plain PyTorch"), where the script says. */
  who?: string;
  /** Why nothing came back, when nothing did. */
  status: string;
  torch?: string;
}

/** The key under which a torch_ops.py line is stored: `bench` plus its shape / dim when present. */
export function peerKey(line: Record<string, unknown>): string {
  let k = String(line.bench);
  if (line.bench === "gemm" && typeof line.shape === "string") k += ` ${line.shape}`;
  if (line.bench === "softmax" && line.dim !== undefined) k += ` dim=${String(line.dim)}`;
  return k;
}

/** Runs `script` with args (one thread unless given) and collects its `ok` timing lines. */
export function runPeer(repoRoot: string, script: string, args: string[], threads: number): PeerResult {
  return runPeerScript(join(peersDir(repoRoot), script), args, threads);
}

/**
 * Runs `python -c CPU_CLOCK script args`: the script with `time.perf_counter` replaced by
 * `time.process_time` (the process's CPU time), so the `ms_*` figures of a script that times with
 * `perf_counter` become CPU-time figures. On a shared machine other processes stretch wall time, not
 * CPU time.
 */
export const CPU_CLOCK =
  "import runpy, sys, time\ntime.perf_counter = time.process_time\nsys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name='__main__')";

/**
 * Runs the Python script at `path` with `--threads N` and args (extra environment variables in `env`)
 * and indexes its `ok` timing lines by {@link peerKey}: `ms_median`, `ms_p10` and, where present,
 * `cpu_ms_median` and `who`. With `clock: "cpu"` the script runs under {@link CPU_CLOCK}. Never throws.
 */
export function runPeerScript(
  path: string,
  args: string[],
  threads: number,
  env: Record<string, string> = {},
  clock: "wall" | "cpu" = "wall",
): PeerResult {
  const py = process.env.ERLANGEN_PEER_PYTHON ?? "/usr/bin/python3";
  const result: PeerResult = { ms: new Map(), p10: new Map(), cpu: new Map(), status: "peer unavailable" };
  if (!existsSync(path)) {
    result.status = `peer unavailable (no ${path})`;
    return result;
  }
  const argv = [path, "--threads", String(threads), ...args];
  const r = spawnSync(py, clock === "cpu" ? ["-c", CPU_CLOCK, ...argv] : argv, {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 900_000,
    env: { ...process.env, ...env },
  });
  if (r.error || r.status !== 0) {
    const tail = (r.stderr ?? "").trim().split("\n").pop() ?? "";
    result.status = `peer unavailable (${r.error ? r.error.message : `exit ${r.status}: ${tail}`})`;
    return result;
  }
  for (const text of r.stdout.split("\n")) {
    if (!text.trim()) continue;
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (line.status === "ok" && typeof line.ms_median === "number") {
      const key = peerKey(line);
      result.ms.set(key, line.ms_median);
      if (typeof line.ms_p10 === "number") result.p10?.set(key, line.ms_p10);
      if (typeof line.cpu_ms_median === "number") result.cpu?.set(key, line.cpu_ms_median);
      if (typeof line.torch === "string") result.torch = line.torch;
      if (typeof line.who === "string") result.who = line.who;
    } else if (typeof line.status === "string" && line.status !== "ok" && result.ms.size === 0) {
      result.status = line.status;
    }
  }
  if (result.ms.size > 0) result.status = "ok";
  return result;
}
