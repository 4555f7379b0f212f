/**
 * Kernel-team workers on Node's `worker_threads` (see `kernels/team.ts`). Importing the Node entry
 * (`erlangen/node`) installs them; {@link installNodeKernelTeam} does it explicitly. Each worker gets
 * the compiled module, the shared memory and the control block as its `workerData`, and is unreferenced
 * at once: it waits on the control block, not on its event loop, and never keeps the process alive.
 * From the TypeScript sources (tests) workers load them through `ts_hooks.mjs`, as the pool's do.
 */
import { Worker } from "node:worker_threads";
import { registerTeamSpawner, type TeamWorkerHandle, type TeamWorkerInit } from "../kernels/team.js";

const FROM_SOURCE = import.meta.url.endsWith(".ts");

let failed = false;

function startTeamWorker(init: TeamWorkerInit): Worker {
  if (!FROM_SOURCE) return new Worker(new URL("./team_worker_entry.js", import.meta.url), { workerData: init });
  const hooks = new URL("./ts_hooks.mjs", import.meta.url).href;
  const entry = new URL("./team_worker_entry.ts", import.meta.url).href;
  const code = `require("node:module").register(${JSON.stringify(hooks)}); import(${JSON.stringify(entry)});`;
  return new Worker(code, { eval: true, workerData: init });
}

/** Makes `worker_threads` the kernel team's workers. */
export function installNodeKernelTeam(): void {
  registerTeamSpawner((init): TeamWorkerHandle => {
    const w = startTeamWorker(init);
    w.unref();
    // a worker that fails leaves its chunks to the other threads (results do not change): say so once
    w.on("error", (e) => {
      if (failed) return;
      failed = true;
      console.warn(`erlangen: a kernel-team worker stopped (${e.message}); its share runs on the other threads`);
    });
    return { terminate: () => void w.terminate() };
  });
}

installNodeKernelTeam();
