/**
 * The body of a kernel-team worker (`team.ts`): instantiates the kernels over the team's shared
 * memory, points its scratch at its own block, then waits for jobs and runs the chunks it claims,
 * until the team stops. It blocks in `Atomics.wait` between jobs, so it never returns to its event
 * loop: everything it needs comes in {@link TeamWorkerInit}.
 */
import { TEAM_ARGS_OFFSET, TEAM_CTRL, type TeamWorkerInit, workChunks } from "./team.js";
import { TEAM_MAX_ARGS } from "./team_jobs.js";
import { setThreadScratch, type WasmExports, wasmImports } from "./wasm/loader.js";

/** Runs a team worker (returns when the team stops). */
export function runTeamWorker(init: TeamWorkerInit): void {
  const instance = new WebAssembly.Instance(init.module, wasmImports(init.memory));
  const exports = instance.exports as unknown as WasmExports;
  setThreadScratch(exports, init.scratch);
  const ctrl = new Int32Array(init.control, 0, TEAM_ARGS_OFFSET / 4);
  const args = new Float64Array(init.control, TEAM_ARGS_OFFSET, TEAM_MAX_ARGS);
  Atomics.add(ctrl, TEAM_CTRL.ready, 1);
  Atomics.notify(ctrl, TEAM_CTRL.ready);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, TEAM_CTRL.gen, seen);
    if (Atomics.load(ctrl, TEAM_CTRL.stop) !== 0) return;
    seen = Atomics.load(ctrl, TEAM_CTRL.gen);
    workChunks(exports, ctrl, args, seen, init.tid);
  }
}
