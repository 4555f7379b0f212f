/**
 * The kernel team: threads that split one kernel call, synchronously, over one shared WASM memory.
 * Ops call kernels synchronously, so the asynchronous worker pool (`pool.ts`) cannot split a GEMM;
 * the team can. Its workers instantiate the kernel module (the shared-memory build, see
 * `wasm/loader.ts`) over the calling thread's memory and wait on a small control block
 * (`SharedArrayBuffer`, `Atomics.wait` / `Atomics.notify`). A call:
 *
 * 1. the calling thread allocates everything in the arena (inputs, outputs, one block of scratch per
 *    thread) and copies the inputs in: workers never allocate and never touch a JS array;
 * 2. it writes a job (kind, arguments, number of chunks) into the control block and wakes the workers;
 * 3. every thread, the calling one included, claims chunks one at a time (an atomic counter tagged with
 *    the job's number, so a late worker never claims a chunk of the next job) and runs them
 *    (`team_run.ts`; the job kinds and their argument slots are in `team_jobs.ts`);
 * 4. the calling thread waits until every chunk is done (it polls for {@link TEAM_SPIN_MS}, then
 *    blocks in `Atomics.wait`; a browser's main thread, which cannot block, keeps polling: it only
 *    waits for chunks other threads are running), then copies the results out. Workers poll for the
 *    next job as long before they block.
 *
 * The chunks are fixed by the call, not by the threads: a worker that is slow to start (or descheduled)
 * just leaves its chunks to the others, and the numbers are the same whoever runs them. Each job's
 * chunks are the blocks the one-thread path computes in turn, so results equal one thread's bit for bit.
 *
 * Size: {@link getNumThreads} (`setNumThreads`, `--threads N`; default all cores once the platform
 * registered its workers: the Node entry `erlangen/node` does, browsers use Web Workers). Workers start
 * on the first call big enough ({@link TEAM_MIN_WORK}; that call waits until they have instantiated the
 * module, see `awaitWorkers`) and never keep a Node process alive. Where
 * SharedArrayBuffer is missing (a page that is not cross-origin isolated) kernels run on one thread,
 * with a one-time message.
 */
import { getNumThreads } from "./pool.js";
import { TEAM_MAX_ARGS } from "./team_jobs.js";
import { runTeamJob } from "./team_run.js";
import { isLocalWasmRuntime, THREAD_SCRATCH_BYTES, type WasmRuntime } from "./wasm/loader.js";

/** Int32 slots of the control block. */
export const TEAM_CTRL = {
  /** Job number (23 bits, never 0), bumped to start a job; workers wait on it. */
  gen: 0,
  /** Claim counter: job number << 8 | next chunk. */
  next: 1,
  /** Chunks finished. */
  done: 2,
  /** Job kind. */
  job: 3,
  /** Chunks of the job (≤ {@link TEAM_MAX_CHUNKS}). */
  chunks: 4,
  /** Set by a thread whose chunk threw. */
  error: 5,
  /** Set to stop the workers. */
  stop: 6,
  /** Workers that have instantiated the module and wait for jobs. */
  ready: 7,
  /** Chunks run by workers (not by the calling thread) since the team started. */
  workerChunks: 8,
  /**
   * Chunks whose inputs are in place: a thread runs chunk c once `fed > c` (all of them at once for
   * {@link KernelTeam.run} without a stream; one by one as the calling thread copies them in with one).
   */
  fed: 9,
} as const;

/** Byte offset of the job's float64 arguments in the control block. */
export const TEAM_ARGS_OFFSET = 64;
/** The most chunks one job has (the claim counter keeps the chunk in 8 bits). */
export const TEAM_MAX_CHUNKS = 255;
/** Byte offset of the per-chunk flags (the job number once the chunk is done) in the control block. */
export const TEAM_FLAGS_OFFSET = TEAM_ARGS_OFFSET + 8 * TEAM_MAX_ARGS;
/** Byte offset of the per-chunk int32 results (what a chunk returns, 0 for none) in the control block. */
export const TEAM_RESULTS_OFFSET = TEAM_FLAGS_OFFSET + 4 * (TEAM_MAX_CHUNKS + 1);
/** Bytes of the control block. */
export const TEAM_CTRL_BYTES = TEAM_RESULTS_OFFSET + 4 * TEAM_MAX_CHUNKS;

/** The views of a team's control block that every thread uses. */
export interface TeamControl {
  /** The int32 slots ({@link TEAM_CTRL}). */
  readonly ctrl: Int32Array;
  /** The job's arguments. */
  readonly args: Float64Array;
  /** Per chunk: the number of the last job that finished it. */
  readonly flags: Int32Array;
  /** Per chunk: what it returned (see {@link KernelTeam.chunkResult}). */
  readonly results: Int32Array;
}

/** The views of control block `control` (a SharedArrayBuffer of {@link TEAM_CTRL_BYTES}). */
export function teamControl(control: SharedArrayBuffer): TeamControl {
  return {
    ctrl: new Int32Array(control, 0, TEAM_ARGS_OFFSET / 4),
    args: new Float64Array(control, TEAM_ARGS_OFFSET, TEAM_MAX_ARGS),
    flags: new Int32Array(control, TEAM_FLAGS_OFFSET, TEAM_MAX_CHUNKS + 1),
    results: new Int32Array(control, TEAM_RESULTS_OFFSET, TEAM_MAX_CHUNKS),
  };
}

/**
 * The calling thread's copies around a team job ({@link KernelTeam.run}), so the other threads work
 * while it copies: `feed(k)` puts chunk k's inputs into the arena (called for k = 0, 1, … before any
 * thread runs chunk k), `drain(k)` copies chunk k's results out (called in chunk order, each as soon as
 * the chunk and all before it are done, between the calling thread's own chunks).
 */
export interface TeamStream {
  feed?(chunk: number): void;
  drain?(chunk: number): void;
}

/**
 * Writes named values into the argument slots of a job (`slots`: a job's `…_ARGS` table) and returns
 * the array: a new one of zeros by default, or `into`, whose other slots are kept.
 */
export function jobArgs<S extends Record<string, number>>(
  slots: S,
  values: Partial<Record<keyof S, number>>,
  into: number[] = new Array<number>(Object.keys(slots).length).fill(0),
): number[] {
  for (const k of Object.keys(values) as (keyof S)[]) into[slots[k] as number] = values[k] as number;
  return into;
}

/**
 * The items of chunk k when chunks take `per` items each out of `total`, as the element range of
 * `width` elements per item: [k·per·width, min(total, (k+1)·per)·width). For the copies of a
 * {@link TeamStream}.
 */
export function chunkSpan(k: number, per: number, total: number, width = 1): [number, number] {
  return [k * per * width, Math.min(total, (k + 1) * per) * width];
}

/** What a worker of the team is started with. */
export interface TeamWorkerInit {
  /** The compiled kernels (shared-memory build). */
  readonly module: WebAssembly.Module;
  /** The calling thread's shared memory. */
  readonly memory: WebAssembly.Memory;
  /** The control block (a SharedArrayBuffer of {@link TEAM_CTRL_BYTES}). */
  readonly control: SharedArrayBuffer;
  /** The worker's thread index (1 … size − 1; 0 is the calling thread). */
  readonly tid: number;
  /** Byte offset of the worker's scratch block in the memory. */
  readonly scratch: number;
}

/** A started team worker. */
export interface TeamWorkerHandle {
  terminate(): void;
}

/** Starts one team worker (platforms register theirs with {@link registerTeamSpawner}). */
export type TeamSpawner = (init: TeamWorkerInit) => TeamWorkerHandle;

let spawner: TeamSpawner | null = null;

/**
 * Installs the platform's way to start team workers (the Node entry installs `worker_threads`;
 * browsers get module Web Workers by default). The current team stops; the next call starts a new one.
 */
export function registerTeamSpawner(s: TeamSpawner | null): void {
  spawner = s;
  closeKernelTeam();
}

/**
 * Work (multiply-adds) below which a call stays on the calling thread: waking the workers costs some
 * 10–50 µs, the work of a GEMM of about 2²² multiply-adds.
 */
export let TEAM_MIN_WORK = 1 << 22;

/** Overrides {@link TEAM_MIN_WORK} (tests, tuning). */
export function setTeamMinWork(work: number): void {
  TEAM_MIN_WORK = work;
}

/** How long starting a team waits for its workers to instantiate the module. */
export const TEAM_START_TIMEOUT_MS = 10_000;

/**
 * How long a thread polls before it blocks in `Atomics.wait`: a worker between jobs (an op's next
 * kernel often follows within microseconds), the calling thread for the last chunks of a job. Waking
 * from `Atomics.wait` takes some 20–40 µs here, the time of a chunk of a small job.
 */
export const TEAM_SPIN_MS = 0.1;

/** Polls `ctrl[slot]` while it equals `value`, at most {@link TEAM_SPIN_MS}. */
export function spinWhile(ctrl: Int32Array, slot: number, value: number): void {
  if (Atomics.load(ctrl, slot) !== value) return;
  const until = performance.now() + TEAM_SPIN_MS;
  while (Atomics.load(ctrl, slot) === value && performance.now() < until);
}

/** Whether this thread may block in `Atomics.wait` (browsers' main threads may not). */
function canBlock(ctrl: Int32Array): boolean {
  try {
    Atomics.wait(ctrl, TEAM_CTRL.stop, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Claims the next chunk of job `tag`, or returns −1 when none is left (or the job is over). */
export function claimChunk(ctrl: Int32Array, tag: number): number {
  for (;;) {
    const v = Atomics.load(ctrl, TEAM_CTRL.next);
    if (v >>> 8 !== tag) return -1;
    const i = v & 255;
    if (i >= Atomics.load(ctrl, TEAM_CTRL.chunks)) return -1;
    if (Atomics.compareExchange(ctrl, TEAM_CTRL.next, v, v + 1) === v) return i;
  }
}

/** Runs chunk `c` of job `tag` (already claimed) and marks it done. */
function runChunk(exports: WasmRuntime["exports"], t: TeamControl, tag: number, c: number, tid: number): void {
  const { ctrl } = t;
  try {
    // stored before the chunk counts as done (the atomic stores below publish it)
    t.results[c] = runTeamJob(exports, Atomics.load(ctrl, TEAM_CTRL.job), t.args, c, tid) ?? 0;
  } catch {
    Atomics.store(ctrl, TEAM_CTRL.error, 1);
  }
  if (tid > 0) Atomics.add(ctrl, TEAM_CTRL.workerChunks, 1);
  Atomics.store(t.flags, c, tag);
  Atomics.add(ctrl, TEAM_CTRL.done, 1);
  Atomics.notify(ctrl, TEAM_CTRL.done);
}

/**
 * Runs the chunks a worker claims of job `tag`, each once its inputs are in place (`fed`); returns
 * when none is left.
 */
export function workChunks(exports: WasmRuntime["exports"], t: TeamControl, tag: number, tid: number): void {
  const { ctrl } = t;
  for (;;) {
    const c = claimChunk(ctrl, tag);
    if (c < 0) return;
    for (;;) {
      // the claim belongs to job `tag`, whose `fed` was reset before its chunks could be claimed
      const fed = Atomics.load(ctrl, TEAM_CTRL.fed);
      if (fed > c) break;
      Atomics.wait(ctrl, TEAM_CTRL.fed, fed, 50);
    }
    runChunk(exports, t, tag, c, tid);
  }
}

/** A team of `size` threads over one runtime: the calling thread and `size − 1` workers. */
export class KernelTeam {
  readonly size: number;
  readonly runtime: WasmRuntime;
  private readonly control: SharedArrayBuffer;
  private readonly t: TeamControl;
  private readonly ctrl: Int32Array;
  private readonly workers: TeamWorkerHandle[] = [];
  private readonly blocking: boolean;
  private tag = 0;
  private closed = false;

  constructor(rt: WasmRuntime, size: number, spawn: TeamSpawner) {
    this.size = size;
    this.runtime = rt;
    this.control = new SharedArrayBuffer(TEAM_CTRL_BYTES);
    this.t = teamControl(this.control);
    this.ctrl = this.t.ctrl;
    this.blocking = canBlock(this.ctrl);
    const scratch = rt.reserve((size - 1) * THREAD_SCRATCH_BYTES);
    for (let t = 1; t < size; t++) {
      const init = {
        module: rt.module,
        memory: rt.memory,
        control: this.control,
        tid: t,
        scratch: scratch + (t - 1) * THREAD_SCRATCH_BYTES,
      };
      this.workers.push(spawn(init));
    }
    this.awaitWorkers();
  }

  /**
   * Blocks (where this thread may) until every worker has instantiated the module, at most
   * {@link TEAM_START_TIMEOUT_MS}. Instantiating re-applies the module's data segments, static scratch
   * included, so no kernel may run on this thread meanwhile: a kernel that kept mutable state in
   * static memory would see it reset. (The kernels' own scratch is per thread, see `setThreadScratch`;
   * the wait guards the next kernel that forgets.) A browser main thread cannot block: there the
   * first calls may overlap the workers' start.
   */
  private awaitWorkers(): void {
    if (!this.blocking) return;
    const c = this.ctrl;
    const want = this.size - 1;
    const deadline = Date.now() + TEAM_START_TIMEOUT_MS;
    for (;;) {
      const ready = Atomics.load(c, TEAM_CTRL.ready);
      if (ready >= want) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        warnOnce(`${want - ready} kernel-team worker(s) did not start within ${TEAM_START_TIMEOUT_MS} ms`);
        return;
      }
      Atomics.wait(c, TEAM_CTRL.ready, ready, left);
    }
  }

  /**
   * Runs `chunks` chunks of job `job` (a {@link TEAM_JOB} kind) with arguments `args` on every thread
   * of the team; returns when all are done. Throws when a chunk threw. With a `stream`, the calling
   * thread copies each chunk's inputs in and its results out while the other threads run chunks
   * (see {@link TeamStream}); without one, every input must be in place before the call.
   */
  run(job: number, chunks: number, args: readonly number[], stream?: TeamStream): void {
    if (this.closed) throw new Error("kernel team: closed");
    if (!Number.isInteger(chunks) || chunks < 0 || chunks > TEAM_MAX_CHUNKS)
      throw new Error(`kernel team: argument 'chunks' expected an integer in [0, ${TEAM_MAX_CHUNKS}], got ${chunks}`);
    if (args.length > TEAM_MAX_ARGS)
      throw new Error(`kernel team: argument 'args' expected at most ${TEAM_MAX_ARGS} values, got ${args.length}`);
    if (chunks === 0) return;
    const c = this.ctrl;
    const feed = stream?.feed;
    const drain = stream?.drain;
    this.tag = (this.tag % 0x7fffff) + 1;
    const tag = this.tag;
    this.t.args.set(args);
    Atomics.store(c, TEAM_CTRL.error, 0);
    Atomics.store(c, TEAM_CTRL.done, 0);
    Atomics.store(c, TEAM_CTRL.job, job);
    Atomics.store(c, TEAM_CTRL.chunks, chunks);
    Atomics.store(c, TEAM_CTRL.fed, feed === undefined ? chunks : 0);
    // no flag of an earlier job with the same number (the numbers wrap) may pass for done
    if (drain !== undefined) this.t.flags.fill(0, 0, chunks);
    Atomics.store(c, TEAM_CTRL.next, tag << 8);
    Atomics.store(c, TEAM_CTRL.gen, tag);
    Atomics.notify(c, TEAM_CTRL.gen);
    // an exception in feed or drain still lets every chunk finish (no worker may be left waiting on
    // `fed` into the next job), then is rethrown
    let failure: { error: unknown } | null = null;
    if (feed !== undefined) {
      try {
        for (let k = 0; k < chunks; k++) {
          feed(k);
          Atomics.store(c, TEAM_CTRL.fed, k + 1);
          Atomics.notify(c, TEAM_CTRL.fed);
        }
      } catch (error) {
        failure = { error };
        Atomics.store(c, TEAM_CTRL.fed, chunks);
        Atomics.notify(c, TEAM_CTRL.fed);
      }
    }
    const flags = this.t.flags;
    let drained = 0;
    const drainDone = (): void => {
      if (drain === undefined || failure !== null) return;
      try {
        while (drained < chunks && Atomics.load(flags, drained) === tag) drain(drained++);
      } catch (error) {
        failure = { error };
      }
    };
    const exports = this.runtime.exports;
    for (;;) {
      const k = claimChunk(c, tag);
      if (k < 0) break;
      runChunk(exports, this.t, tag, k, 0);
      drainDone();
    }
    for (;;) {
      drainDone();
      const done = Atomics.load(c, TEAM_CTRL.done);
      if (done >= chunks) break;
      spinWhile(c, TEAM_CTRL.done, done);
      if (this.blocking && Atomics.load(c, TEAM_CTRL.done) === done) Atomics.wait(c, TEAM_CTRL.done, done, 50);
    }
    drainDone();
    if (failure !== null) throw failure.error;
    if (Atomics.load(c, TEAM_CTRL.error) !== 0) throw new Error("kernel team: a chunk failed (wasm trap)");
  }

  /**
   * What chunk `k` of the last {@link run} returned (an int32 its job computes, such as the index of a
   * first NaN; 0 where the job returns nothing). Valid until the next run.
   */
  chunkResult(k: number): number {
    return this.t.results[k]!;
  }

  /** Workers that have started and wait for jobs (they start in the background). */
  get readyWorkers(): number {
    return Atomics.load(this.ctrl, TEAM_CTRL.ready);
  }

  /** Chunks the workers (not the calling thread) have run since the team started. */
  get workerChunks(): number {
    return Atomics.load(this.ctrl, TEAM_CTRL.workerChunks);
  }

  /** Stops the workers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctrl, TEAM_CTRL.stop, 1);
    Atomics.add(this.ctrl, TEAM_CTRL.gen, 1);
    Atomics.notify(this.ctrl, TEAM_CTRL.gen);
    for (const w of this.workers.splice(0)) w.terminate();
  }
}

let team: KernelTeam | null = null;
let warned = false;

/** The one-time message where threads were asked for but kernels run on fewer. */
function warnOnce(why: string): void {
  if (warned) return;
  warned = true;
  const c = (globalThis as { console?: { warn(msg: string): void } }).console;
  c?.warn(`erlangen: kernels run on one thread: ${why}`);
}

/** Module Web Workers running `team_web_worker_entry.js` next to this file (browsers). */
function defaultSpawner(): TeamSpawner | null {
  const W = (globalThis as { Worker?: new (url: URL, opts: { type: "module" }) => Worker }).Worker;
  if (typeof W !== "function") return null;
  return (init) => {
    const w = new W(new URL("./team_web_worker_entry.js", import.meta.url), { type: "module" });
    w.postMessage(init);
    return { terminate: () => w.terminate() };
  };
}

/**
 * The team for a call of `work` multiply-adds on `rt`, or null where the call runs on the calling
 * thread alone: one thread asked for, work under {@link TEAM_MIN_WORK}, a private (non-shared) memory,
 * or no way to start workers here. Starts (or resizes) the team; call it before allocating in the
 * arena (starting a team reserves the workers' scratch, which frees the arena).
 */
export function kernelTeam(rt: WasmRuntime, work: number): KernelTeam | null {
  if (work < TEAM_MIN_WORK) return null;
  const n = getNumThreads();
  if (n <= 1) return null;
  if (team !== null && team.runtime === rt && team.size === n) return team;
  if (!rt.shared) {
    // the private-memory instance beside a shared runtime (a call routed as single-threaded: its
    // registry entry is not marked `team`): run on the calling thread, nothing to warn about
    if (isLocalWasmRuntime(rt)) return null;
    warnOnce(
      "SharedArrayBuffer is unavailable (a browser page must be cross-origin isolated: Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)",
    );
    return null;
  }
  const spawn = spawner ?? defaultSpawner();
  if (spawn === null) return null;
  closeKernelTeam();
  team = new KernelTeam(rt, n, spawn);
  return team;
}

/** The team now running (null before the first threaded call, after a resize or a close). */
export function currentKernelTeam(): KernelTeam | null {
  return team;
}

/** Stops the team's workers (the next threaded call starts a new team). */
export function closeKernelTeam(): void {
  const old = team;
  team = null;
  old?.close();
}
