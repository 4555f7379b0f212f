/**
 * The library's worker pool on Node's `worker_threads` (see `kernels/pool.ts` for the interface).
 * Importing the Node entry (`erlangen/node`) installs it, with all cores (`os.availableParallelism()`)
 * as the default thread count; {@link installNodeWorkerPool} does it explicitly.
 *
 * Importing it also installs the kernel team's workers (`kernel_team.ts`), so that `setNumThreads`
 * sizes both. Workers are unreferenced while idle, so an idle pool never keeps the process alive. When the library
 * runs from its TypeScript sources (tests, `vitest`), workers load them through `ts_hooks.mjs`
 * (esbuild's transform, a development dependency); the built `dist/` needs nothing.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  type PoolRequest,
  type PoolResponse,
  QueuedPool,
  registerWorkerPoolFactory,
  type WorkerPool,
} from "../kernels/pool.js";
import "./kernel_team.js";

const FROM_SOURCE = import.meta.url.endsWith(".ts");

function startWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(new URL("./worker_entry.js", import.meta.url));
  const hooks = new URL("./ts_hooks.mjs", import.meta.url).href;
  const entry = new URL("./worker_entry.ts", import.meta.url).href;
  const code = `require("node:module").register(${JSON.stringify(hooks)}); import(${JSON.stringify(entry)});`;
  return new Worker(code, { eval: true });
}

/** A pool of `worker_threads` workers. */
export class NodeWorkerPool extends QueuedPool<Worker> {
  readonly kind = "worker_threads" as const;

  protected spawn(): Worker {
    const w = startWorker();
    w.on("message", (res: PoolResponse) => this.onAnswer(w, res));
    w.on("error", (e) => this.onWorkerFailure(w, e));
    w.on("exit", (code) => {
      if (code !== 0) this.onWorkerFailure(w, new Error(`exit code ${code}`));
    });
    if (!this.busy) w.unref();
    return w;
  }

  protected post(worker: Worker, req: PoolRequest, transfer: ArrayBuffer[]): void {
    worker.postMessage(req, transfer);
  }

  protected async terminate(worker: Worker): Promise<void> {
    await worker.terminate();
  }

  protected override busyChanged(busy: boolean): void {
    for (const w of this.workers) {
      if (busy) w.ref();
      else w.unref();
    }
  }
}

/** Makes `worker_threads` the library's pool (default thread count: all cores). */
export function installNodeWorkerPool(): void {
  registerWorkerPoolFactory((n): WorkerPool => new NodeWorkerPool(n), availableParallelism());
}

installNodeWorkerPool();
