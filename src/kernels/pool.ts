/**
 * The library's one worker pool. Work is sent as a task: the URL of an ES module, the name of one of
 * its exported functions and the arguments (structured-cloneable; `SharedArrayBuffer`-backed arrays
 * are shared, buffers in `transfer` are moved). A task's result depends on its arguments only, so
 * results never depend on which worker ran a task or in which order tasks finished.
 *
 * The pool has `getNumThreads() − 1` workers (the calling thread is the remaining one): with one
 * thread every task runs on the calling thread ({@link SameThreadPool}), with the same module and
 * function, so results are identical. Platforms plug in their workers with
 * {@link registerWorkerPoolFactory}: Web Workers where the global `Worker` exists (browsers; see
 * `web_worker_pool.ts`), `worker_threads` once the Node entry (`erlangen/node`) is imported.
 *
 * ```ts
 * setNumThreads(2);
 * const sum = await getWorkerPool().run<number>({ module: MY_TASKS_URL, fn: "sum", args: [data] });
 * ```
 */
import { ErlangenError, opError } from "../tensor/errors.js";

/** A unit of work for a {@link WorkerPool}. */
export interface PoolTask {
  /** URL of an ES module the workers can import (e.g. `import.meta.url` of the module that defines `fn`). */
  readonly module: string;
  /** Name of an exported function of that module; it is called with `args` and may return a promise. */
  readonly fn: string;
  /** Arguments (structured-cloneable). */
  readonly args?: readonly unknown[];
  /** Buffers moved to the worker instead of copied (they become unusable on the sending side). */
  readonly transfer?: readonly ArrayBuffer[];
}

/** Runs {@link PoolTask}s on workers (or on the calling thread). */
export interface WorkerPool {
  /** Where tasks run. */
  readonly kind: "same-thread" | "worker_threads" | "web-workers";
  /** Number of workers (0 for the same-thread pool). */
  readonly size: number;
  /** Runs one task; rejects with the task's error (its message names the module and function). */
  run<R = unknown>(task: PoolTask): Promise<R>;
  /** Stops the workers; pending tasks are rejected. */
  close(): Promise<void>;
}

/** Functions of a task module, as registered with {@link registerTaskModule}. */
export type TaskModule = Readonly<Record<string, (...args: never[]) => unknown>>;

const registered = new Map<string, TaskModule>();

/**
 * Registers the functions of a task module under its URL, so the same-thread path calls them without
 * a dynamic `import()` (which bundlers and test runners resolve differently). Task modules call it
 * once with their own `import.meta.url`.
 */
export function registerTaskModule(url: string, fns: TaskModule): void {
  registered.set(url, fns);
}

/** Imports the module of a task (registered modules first) and returns the function. */
async function resolveTask(task: PoolTask): Promise<(...args: unknown[]) => unknown> {
  let mod: Record<string, unknown> | undefined = registered.get(task.module);
  if (mod === undefined) {
    try {
      mod = (await import(/* @vite-ignore */ task.module)) as Record<string, unknown>;
    } catch (e) {
      throw new ErlangenError(`WorkerPool: cannot import task module '${task.module}': ${(e as Error).message}`);
    }
  }
  const fn = mod[task.fn];
  if (typeof fn !== "function")
    opError("WorkerPool", "fn", `an exported function of '${task.module}'`, JSON.stringify(task.fn));
  return fn as (...args: unknown[]) => unknown;
}

/** Runs a task on the calling thread (also the body of every worker). */
export async function runTaskHere<R = unknown>(task: PoolTask): Promise<R> {
  const fn = await resolveTask(task);
  return (await fn(...(task.args ?? []))) as R;
}

/** A message from the pool to a worker. */
export interface PoolRequest {
  id: number;
  module: string;
  fn: string;
  args: readonly unknown[];
}

/** A worker's answer. */
export type PoolResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/**
 * Buffers of a task's result that can be moved back rather than copied: the (non-shared) buffers of
 * the typed arrays found in the value, its arrays and plain objects (three levels deep).
 */
export function collectTransferables(value: unknown, out: ArrayBuffer[] = [], depth = 0): ArrayBuffer[] {
  if (value === null || typeof value !== "object" || depth > 3) return out;
  if (ArrayBuffer.isView(value)) {
    const b = value.buffer;
    if (b instanceof ArrayBuffer && !out.includes(b)) out.push(b);
    return out;
  }
  if (value instanceof ArrayBuffer) {
    if (!out.includes(value)) out.push(value);
    return out;
  }
  const items = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  for (const v of items) collectTransferables(v, out, depth + 1);
  return out;
}

/** The worker side: runs a request and builds the response (with the buffers to transfer). */
export async function answerPoolRequest(
  req: PoolRequest,
): Promise<{ response: PoolResponse; transfer: ArrayBuffer[] }> {
  try {
    const value = await runTaskHere({ module: req.module, fn: req.fn, args: req.args });
    return { response: { id: req.id, ok: true, value }, transfer: collectTransferables(value) };
  } catch (e) {
    const err = e as Error;
    return {
      response: {
        id: req.id,
        ok: false,
        error: { name: err?.name ?? "Error", message: String(err?.message ?? err), stack: err?.stack },
      },
      transfer: [],
    };
  }
}

/** Turns a worker's error answer into an error on the calling side. */
export function poolTaskError(task: { module: string; fn: string }, error: { name: string; message: string }): Error {
  const file = task.module.slice(task.module.lastIndexOf("/") + 1);
  const e = new ErlangenError(`worker task ${file}#${task.fn} failed: ${error.message}`);
  if (error.name !== "Error" && error.name !== "ErlangenError") e.name = error.name;
  return e;
}

/** The pool without workers: every task runs on the calling thread, in submission order. */
export class SameThreadPool implements WorkerPool {
  readonly kind = "same-thread" as const;
  readonly size = 0;
  private closed = false;

  async run<R = unknown>(task: PoolTask): Promise<R> {
    if (this.closed) throw new ErlangenError("WorkerPool.run: the pool is closed");
    return runTaskHere<R>(task);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * The bookkeeping every worker-backed pool shares: a FIFO queue, one task per idle worker, answers
 * matched by id. Subclasses create workers and post messages.
 */
export abstract class QueuedPool<W> implements WorkerPool {
  abstract readonly kind: WorkerPool["kind"];
  readonly size: number;
  protected workers: W[] = [];
  private readonly idle: W[] = [];
  private readonly queue: { req: PoolRequest; transfer: ArrayBuffer[]; task: PoolTask }[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void; task: PoolTask; worker?: W }
  >();
  private nextId = 1;
  private closed = false;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) opError("WorkerPool", "size", "a positive integer", String(size));
    this.size = size;
  }

  /** Starts one worker. */
  protected abstract spawn(): W;
  /** Sends a request to a worker. */
  protected abstract post(worker: W, req: PoolRequest, transfer: ArrayBuffer[]): void;
  /** Stops one worker. */
  protected abstract terminate(worker: W): Promise<void> | void;
  /** Whether tasks are in flight. */
  protected get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Called when the number of tasks in flight goes from 0 to 1 (`true`) or back to 0 (`false`). */
  protected busyChanged(_busy: boolean): void {}

  private ensureWorkers(): void {
    while (this.workers.length < this.size) {
      const w = this.spawn();
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  run<R = unknown>(task: PoolTask): Promise<R> {
    if (this.closed) return Promise.reject(new ErlangenError("WorkerPool.run: the pool is closed"));
    this.ensureWorkers();
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      if (this.pending.size === 0) this.busyChanged(true);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, task });
      this.queue.push({
        req: { id, module: task.module, fn: task.fn, args: task.args ?? [] },
        transfer: [...(task.transfer ?? [])],
        task,
      });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.shift()!;
      const q = this.queue.shift()!;
      const p = this.pending.get(q.req.id);
      if (p === undefined) continue;
      p.worker = w;
      try {
        this.post(w, q.req, q.transfer);
      } catch (e) {
        this.idle.push(w);
        this.settle(q.req.id, false, e);
      }
    }
  }

  private settle(id: number, ok: boolean, value: unknown): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    if (ok) p.resolve(value);
    else p.reject(value);
    if (this.pending.size === 0) this.busyChanged(false);
  }

  /** Subclasses call this with each answer from `worker`. */
  protected onAnswer(worker: W, res: PoolResponse): void {
    const p = this.pending.get(res.id);
    if (p !== undefined) {
      if (res.ok) this.settle(res.id, true, res.value);
      else this.settle(res.id, false, poolTaskError(p.task, res.error));
    }
    if (!this.closed && this.workers.includes(worker)) this.idle.push(worker);
    this.dispatch();
  }

  /** Subclasses call this when a worker died: its task fails, a fresh worker replaces it. */
  protected onWorkerFailure(worker: W, error: unknown): void {
    for (const [id, p] of this.pending) {
      if (p.worker === worker) {
        const msg = error instanceof Error ? error.message : String(error);
        this.settle(id, false, poolTaskError(p.task, { name: "Error", message: `the worker stopped: ${msg}` }));
      }
    }
    this.workers = this.workers.filter((w) => w !== worker);
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    if (!this.closed && this.queue.length > 0) {
      this.ensureWorkers();
      this.dispatch();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.queue.splice(0)) this.settle(q.req.id, false, new ErlangenError("WorkerPool: closed"));
    for (const id of [...this.pending.keys()]) this.settle(id, false, new ErlangenError("WorkerPool: closed"));
    const ws = this.workers.splice(0);
    this.idle.length = 0;
    await Promise.all(ws.map((w) => this.terminate(w)));
  }
}

// ---- the library-wide pool ---------------------------------------------------------------------

/** Creates a pool with `workers` workers (≥ 1). */
export type WorkerPoolFactory = (workers: number) => WorkerPool;

let factory: WorkerPoolFactory | null = null;
let defaultThreads: number | null = null;
let numThreads: number | null = null;
let pool: WorkerPool | null = null;

function hardwareThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const n = nav?.hardwareConcurrency;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Installs the platform's worker pool (the Node entry installs `worker_threads`; browsers get Web
 * Workers by default). `threads` is the platform's default thread count (all cores). The current pool
 * is closed and rebuilt on next use.
 */
export function registerWorkerPoolFactory(f: WorkerPoolFactory, threads?: number): void {
  factory = f;
  if (threads !== undefined) defaultThreads = threads;
  resetPool();
}

function resetPool(): void {
  const old = pool;
  pool = null;
  if (old !== null) void old.close();
}

/**
 * Sets the number of threads the library uses (PyTorch's `set_num_threads`): the calling thread plus
 * `n − 1` pool workers, and as many threads in the kernel team that splits large GEMMs, Winograd 3×3
 * convolutions, SpMM and tensor products (`team.ts`; results are those of one thread, bit for bit).
 * `n = 1` runs every task and every kernel on the calling thread. The default is all cores.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 1024) opError("setNumThreads", "n", "an integer in [1, 1024]", String(n));
  if (n === numThreads) return;
  numThreads = n;
  resetPool();
}

/** Threads in use: the value of {@link setNumThreads}, else all cores. */
export function getNumThreads(): number {
  return numThreads ?? defaultThreads ?? hardwareThreads();
}

/** The shared pool ({@link getNumThreads} − 1 workers; the same-thread pool for one thread). */
export function getWorkerPool(): WorkerPool {
  if (pool !== null) return pool;
  const workers = getNumThreads() - 1;
  const f = factory ?? defaultFactory();
  pool = workers < 1 || f === null ? new SameThreadPool() : f(workers);
  return pool;
}

/** Closes the shared pool (its workers stop; the next {@link getWorkerPool} starts a fresh one). */
export async function closeWorkerPool(): Promise<void> {
  const old = pool;
  pool = null;
  if (old !== null) await old.close();
}

/** Web Workers (module workers running `web_worker_entry.js` next to this file). */
export class WebWorkerPool extends QueuedPool<Worker> {
  readonly kind = "web-workers" as const;

  protected spawn(): Worker {
    const w = new Worker(new URL("./web_worker_entry.js", import.meta.url), { type: "module" });
    w.onmessage = (e: MessageEvent<PoolResponse>) => this.onAnswer(w, e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.onWorkerFailure(w, e.message);
      w.terminate();
    };
    return w;
  }

  protected post(worker: Worker, req: PoolRequest, transfer: ArrayBuffer[]): void {
    worker.postMessage(req, transfer);
  }

  protected terminate(worker: Worker): void {
    worker.terminate();
  }
}

function defaultFactory(): WorkerPoolFactory | null {
  if (typeof (globalThis as { Worker?: unknown }).Worker !== "function") return null;
  return (n) => new WebWorkerPool(n);
}
