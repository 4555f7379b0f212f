/**
 * `npm run bench`: runs the registered bench suites and prints one JSON line per case:
 * `{name, level, ms, gflops | gbps, peerMs, ratio, speedup, ...}` where `ms` is the median wall time per
 * call, `cpuMs` the median CPU time, `ratio = ms / peerMs` and `speedup = peerMs / ms` against the peer
 * (one thread, same run; `cpuRatio` / `cpuSpeedup` compare CPU times where the peer reports them; the
 * mesh suite's eigensolver is compared with SciPy's `eigsh` instead, see bench/mesh.ts);
 * `ratioP10` compares the 10th percentiles, which other processes on the machine disturb less.
 * With several rounds (`--rounds N`, or a suite's own default), the peer and our timings alternate
 * N times (the peer first in rounds 1, 3, …, ours first in rounds 2, 4, …) and `ms`, `peerMs`, `ratio`
 * and `ratioP10` are medians over the rounds (`ratios` lists them).
 *
 * Flags: `--filter <substring>` (repeatable; selects cases by name), `--repeat N` (samples, default
 * 30), `--warmup N` (default 5), `--rounds N` (peer/ours alternations, or the timed
 * epochs of the `mesh epoch` cases; default 1, or the suite's own), `--threads N` (threads of the peer and
 * of ours, default 1; a comma list such as `1,2`, or `all` for 1 and every core, runs the whole bench
 * once per count, one after the other, each line carrying its `threads`; `--filter threads` times one
 * against two threads), `--no-peer`, `--ref` (also
 * time the TypeScript reference kernels), `--backend auto|ref|wasm`, `--malloc tuned|default`.
 *
 * `--malloc tuned` (default, Linux): the bench re-runs itself (`runTuned` of `src/node/relaunch.ts`, as
 * the `erlangen` command does) with glibc told never to give large blocks back to the OS
 * (GLIBC_TUNABLES mmap_max=0, no trimming), as the PyTorch peers do with mallopt. On VMs where first
 * touches of fresh pages are slow, every new 4 MB typed array otherwise costs more than the op that fills it. `--malloc default` keeps stock behaviour.
 * With `--threads 1` (the default) the child also runs V8's garbage collector on the calling thread
 * (`--single-threaded-gc`), so that "one thread" holds for our side as for the peer's;
 * `ERLANGEN_PARALLEL_GC=1` keeps V8's helper threads.
 *
 * To add a bench file (e.g. model epochs): export a {@link BenchSuite} from `bench/<name>.ts` and add
 * it to `suites()` below. Its cases name a `peer` key when a peer script times the same work.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { activeKernelBackend, type KernelBackend, setKernelBackend, wasmFeatures } from "../src/kernels/index.js";
import { setNumThreads } from "../src/kernels/pool.js";
import { mallocTuned, runTuned, SINGLE_THREADED_GC_FLAG } from "../src/node/relaunch.js";
import { blueprintSuite } from "./blueprint.js";
import { convSuite } from "./conv.js";
import { type Bench, type BenchSuite, emit, median, sig, type Timing, time } from "./harness.js";
import { kernelSuite } from "./kernels.js";
import { meshSuite } from "./mesh.js";
import { meshLayersSuite } from "./mesh_layers.js";
import { meshEpochSuite } from "./meshes.js";
import { modelSuite } from "./models.js";
import { o3Suite } from "./o3.js";
import { overheadSuite } from "./overhead.js";
import { type PeerResult, runPeer } from "./peers.js";
import { sphereSuite } from "./sphere.js";
import { steerableSuite } from "./steerable.js";
import { steerableC8Suite } from "./steerable_c8.js";
import { threadsSuite } from "./threads.js";

/** The repository root (this file runs from dist/bench/ or bench/). */
function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.endsWith(join("dist", "bench")) ? join(here, "..", "..") : join(here, "..");
}

interface Args {
  filters: string[];
  repeat: number;
  warmup: number;
  rounds: number | null;
  threads: number;
  /** Every thread count asked for (`--threads 1,2` or `all`); one run per count. */
  threadCounts: number[];
  peer: boolean;
  ref: boolean;
  backend: KernelBackend;
  malloc: "tuned" | "default";
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    filters: [],
    repeat: 30,
    warmup: 5,
    rounds: null,
    threads: 1,
    threadCounts: [1],
    peer: true,
    ref: false,
    backend: "auto",
    malloc: "tuned",
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`bench: ${k} needs a value`);
      return x;
    };
    if (k === "--filter") a.filters.push(v());
    else if (k === "--repeat") a.repeat = Number(v());
    else if (k === "--warmup") a.warmup = Number(v());
    else if (k === "--rounds") {
      a.rounds = Number(v());
      if (!Number.isInteger(a.rounds) || a.rounds < 1)
        throw new Error(`bench: --rounds needs a positive integer, got ${String(a.rounds)}`);
    } else if (k === "--threads") {
      a.threadCounts = parseThreads(v());
      a.threads = a.threadCounts[0]!;
    } else if (k === "--no-peer") a.peer = false;
    else if (k === "--ref") a.ref = true;
    else if (k === "--backend") a.backend = v() as KernelBackend;
    else if (k === "--malloc") a.malloc = v() === "default" ? "default" : "tuned";
    else
      throw new Error(
        `bench: unknown flag ${k} (flags: --filter S, --repeat N, --warmup N, --rounds N, --threads N, --no-peer, --ref, --backend B, --malloc M)`,
      );
  }
  return a;
}

/** The thread counts of `--threads`: one count, a comma list (`1,2`), or `all` (1 and every core). */
function parseThreads(v: string): number[] {
  if (v === "all") {
    const n = availableParallelism();
    return n > 1 ? [1, n] : [1];
  }
  const list = v.split(",").map(Number);
  if (list.length === 0 || list.some((t) => !Number.isInteger(t) || t < 1))
    throw new Error(`bench: --threads needs a positive integer, a comma list of them or 'all', got ${v}`);
  return list;
}

/** Runs this bench once per thread count (a child each, one after the other); returns the exit status. */
function runPerThreadCount(argv: readonly string[], counts: readonly number[]): number {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--threads") i++;
    else rest.push(argv[i]!);
  }
  let status = 0;
  for (const t of counts) {
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...rest, "--threads", String(t)], {
      stdio: "inherit",
    });
    if (r.status !== 0) status = r.status ?? 1;
  }
  return status;
}

/** Every bench suite. Register new bench files here. */
function suites(root: string, args: Args): BenchSuite[] {
  return [
    kernelSuite({ repoRoot: root, ref: args.ref }),
    convSuite(),
    overheadSuite({ repoRoot: root, ...args }),
    o3Suite({ repoRoot: root }),
    modelSuite({ repoRoot: root, ...args }),
    steerableSuite(),
    steerableC8Suite({ repoRoot: root }),
    sphereSuite({ repoRoot: root }),
    blueprintSuite(),
    meshEpochSuite({ filters: args.filters, ...(args.rounds !== null ? { epochs: args.rounds } : {}) }),
    meshSuite({
      repoRoot: root,
      filters: args.filters,
      repeat: args.repeat,
      rounds: args.rounds,
      threads: args.threads,
      peer: args.peer,
    }),
    meshLayersSuite(),
    threadsSuite({ repeat: args.repeat, warmup: args.warmup, filters: args.filters }),
  ];
}

function selected(name: string, filters: string[]): boolean {
  return filters.length === 0 || filters.some((f) => name.includes(f));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.threadCounts.length > 1) {
    process.exitCode = runPerThreadCount(process.argv.slice(2), args.threadCounts);
    return;
  }
  // re-runs this script with the malloc tunables, the relaxed-SIMD flag and the one-thread GC where missing
  if (!runTuned(process.argv[1]!, process.argv.slice(2), { malloc: args.malloc === "tuned", threads: args.threads }))
    return;
  const root = repoRoot();
  setKernelBackend(args.backend);
  // ours at the peer's thread count (kernel teams split GEMMs and convolutions; the threads suite sets its own)
  setNumThreads(args.threads);
  emit({
    name: "env",
    node: process.version,
    backend: args.backend,
    active: activeKernelBackend(),
    relaxedSimd: wasmFeatures().relaxedSimd,
    threads: args.threads,
    malloc: mallocTuned() ? "tuned" : "default",
    gc: process.execArgv.includes(SINGLE_THREADED_GC_FLAG) ? "single-threaded" : "parallel",
    date: new Date().toISOString(),
  });
  for (const suite of suites(root, args)) {
    const cases: Bench[] = (await suite.cases()).filter((c) => selected(c.name, args.filters));
    if (cases.length === 0) continue;
    for (const c of cases) if (c.level === "skipped") emit({ name: c.name, ...c.extra });
    const timed = cases.filter((c) => c.level !== "skipped");
    const withPeer =
      args.peer && (suite.peerOps !== undefined || suite.runPeer !== undefined) && timed.some((c) => c.peer);
    const rounds = withPeer ? (args.rounds ?? suite.rounds ?? 1) : 1;
    const results = timed.map(() => [] as { t: Timing; peer: PeerResult }[]);
    const timeOurs = (): Timing[] =>
      timed.map((c) =>
        time(c.run, { warmup: c.warmup ?? args.warmup, repeat: c.repeat ?? args.repeat, minSampleMs: 2 }),
      );
    for (let r = 0; r < rounds; r++) {
      // who goes first alternates (ours first in every other round): a run right after the other side's
      // heavy one starts on a disturbed machine (our C8 step took 1.4 s before and 1.9-2.7 s right after
      // escnn's two-thread run), so neither side always pays for that
      const early = withPeer && r % 2 === 1 ? timeOurs() : null;
      let peer: PeerResult = { ms: new Map(), p10: new Map(), status: "peer not run (--no-peer)" };
      if (withPeer) {
        peer = suite.runPeer
          ? suite.runPeer(args.threads)
          : runPeer(
              root,
              "torch_ops.py",
              ["--ops", suite.peerOps!.join(","), "--malloc", mallocTuned() ? "tuned" : "default"],
              args.threads,
            );
        emit({
          name: `${suite.name}.peer`,
          status: peer.status,
          torch: peer.torch,
          lines: peer.ms.size,
          ...(rounds > 1 ? { round: r + 1 } : {}),
        });
      }
      const t = early ?? timeOurs();
      for (let i = 0; i < timed.length; i++) results[i]!.push({ t: t[i]!, peer });
    }
    for (let i = 0; i < timed.length; i++)
      emit({ ...caseLine(timed[i]!, results[i]!), threads: args.threads, ...timed[i]!.extra });
  }
}

/** The JSON line of one case from its rounds (one round: that round's figures; several: medians). */
function caseLine(c: Bench, rounds: { t: Timing; peer: PeerResult }[]): Record<string, unknown> {
  const med = (f: (x: { t: Timing; peer: PeerResult }) => number): number => median(rounds.map(f));
  const ms = med((x) => x.t.ms);
  const line: Record<string, unknown> = {
    name: c.name,
    level: c.level,
    ms: sig(ms),
    p10: sig(med((x) => x.t.p10)),
    p90: sig(med((x) => x.t.p90)),
    cpuMs: sig(med((x) => x.t.cpuMs)),
    n: rounds[0]!.t.n * rounds.length,
    inner: rounds[0]!.t.inner,
  };
  if (c.flops !== undefined) line.gflops = sig(c.flops / ms / 1e6);
  if (c.bytes !== undefined) line.gbps = sig(c.bytes / ms / 1e6);
  if (!c.peer) return line;
  const key = c.peer;
  const paired = rounds.filter((x) => x.peer.ms.has(key));
  if (paired.length === 0) {
    const status = rounds[0]!.peer.status;
    line.peer = status === "ok" ? "peer unavailable (no matching line)" : status;
    return line;
  }
  const ratios = paired.map((x) => x.t.ms / x.peer.ms.get(key)!);
  line.peerMs = sig(median(paired.map((x) => x.peer.ms.get(key)!)));
  line.ratio = sig(median(ratios), 3);
  // speed-ups (peer ÷ ours, above 1: faster than the peer), medians of the paired rounds
  line.speedup = sig(median(paired.map((x) => x.peer.ms.get(key)! / x.t.ms)), 3);
  const p10s = paired.filter((x) => x.peer.p10?.has(key)).map((x) => x.t.p10 / x.peer.p10!.get(key)!);
  if (p10s.length > 0) line.ratioP10 = sig(median(p10s), 3);
  const cpu = paired.filter((x) => x.peer.cpu?.has(key));
  if (cpu.length > 0) {
    line.peerCpuMs = sig(median(cpu.map((x) => x.peer.cpu!.get(key)!)));
    line.cpuRatio = sig(median(cpu.map((x) => x.t.cpuMs / x.peer.cpu!.get(key)!)), 3);
    line.cpuSpeedup = sig(median(cpu.map((x) => x.peer.cpu!.get(key)! / x.t.cpuMs)), 3);
  }
  if (paired[0]!.peer.who !== undefined) line.peerWho = paired[0]!.peer.who;
  if (paired.length > 1) line.ratios = ratios.map((q) => sig(q, 3));
  return line;
}

await main();
