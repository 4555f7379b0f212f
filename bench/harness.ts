/**
 * Benchmark plumbing shared by every bench file: timing (median of N samples, each sample long enough
 * for the timer), JSON-lines output, and the types a bench file exports. Node-only.
 */
import type { PeerResult } from "./peers.js";

/** One measured case. `run` is called many times; `setup` (once) may return state for it. */
export interface Bench {
  /** Printed name, e.g. `gemm 2708x1433x16`. `--filter` matches substrings of it. */
  name: string;
  /** `kernel` (typed arrays through src/kernels) or `tensor` (the Tensor API), or a free label. */
  level: string;
  /** The function timed. */
  run: () => void;
  /** Work per call for the rate column: floating-point operations or bytes moved. */
  flops?: number;
  bytes?: number;
  /** Key of the PyTorch peer line to compare with (see peers.ts), if any. */
  peer?: string;
  /** Extra fields copied into the JSON line. */
  extra?: Record<string, unknown>;
  /** Warm-up calls and timed samples of this case, instead of `--warmup` / `--repeat` (for calls of seconds). */
  warmup?: number;
  repeat?: number;
}

/** A file of benches: its peers (torch_ops.py op groups it needs) and its cases. */
export interface BenchSuite {
  name: string;
  /** torch_ops.py `--ops` groups the suite's `peer` keys come from. */
  peerOps?: string[];
  /**
   * A peer of the suite's own (another script than torch_ops.py), run instead of torch_ops.py with
   * the peer thread count; its `ms` keys are the cases' `peer` keys. Must not throw.
   */
  runPeer?: (threads: number) => PeerResult;
  /** Builds the cases (may load data, synchronously or not); called only when the suite is selected. */
  cases: () => Bench[] | Promise<Bench[]>;
  /**
   * Rounds of (peer run, our timings) when a peer runs, unless `--rounds` says otherwise (default 1).
   * The ratio is then the median of the rounds' ratios: each compares timings taken minutes apart at
   * most, so a change in the machine's load between our run and the peer's moves it less.
   */
  rounds?: number;
}

export interface TimingOptions {
  warmup: number;
  repeat: number;
  /** Minimum duration of one sample (ms); short calls are repeated inside a sample. */
  minSampleMs: number;
}

export interface Timing {
  /** Median wall time per call (ms). */
  ms: number;
  p10: number;
  p90: number;
  /** Median CPU time (user + system) per call (ms): less sensitive to other processes. */
  cpuMs: number;
  /** Samples and calls per sample. */
  n: number;
  inner: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** Times `fn`: warm-up calls, then `repeat` samples of `inner` calls each. */
export function time(fn: () => void, opts: TimingOptions): Timing {
  for (let i = 0; i < opts.warmup; i++) fn();
  // calls per sample so that one sample lasts at least minSampleMs
  let inner = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= opts.minSampleMs || inner >= 1 << 16) break;
    inner = Math.min(1 << 16, Math.max(inner * 2, Math.ceil((inner * opts.minSampleMs) / Math.max(dt, 1e-3))));
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let s = 0; s < opts.repeat; s++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    const t1 = performance.now();
    const c = process.cpuUsage(c0);
    wall.push((t1 - t0) / inner);
    cpu.push((c.user + c.system) / 1000 / inner);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return {
    ms: quantile(wall, 0.5),
    p10: quantile(wall, 0.1),
    p90: quantile(wall, 0.9),
    cpuMs: quantile(cpu, 0.5),
    n: opts.repeat,
    inner,
  };
}

/** Rounds to `digits` significant digits (for readable JSON). */
export function sig(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

/** Prints one JSON line. */
export function emit(line: Record<string, unknown>): void {
  console.log(JSON.stringify(line));
}
