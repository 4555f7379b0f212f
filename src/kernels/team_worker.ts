/**
 * The body of a kernel-team worker (`team.ts`): instantiates the kernels over the team's shared
 * memory, points its scratch at its own block, then waits for jobs and runs the chunks it claims,
 * until the team stops. Between jobs it spins briefly ({@link TEAM_SPIN_MS}: an op's next kernel often
 * follows within microseconds), then blocks in `Atomics.wait`, so it never returns to its event
 * loop: everything it needs comes in {@link TeamWorkerInit}.
 */
import { spinWhile, TEAM_CTRL, type TeamWorkerInit, teamControl, workChunks } from "./team.js";
import { setThreadScratch, type WasmExports, wasmImports } from "./wasm/loader.js";

/** Runs a team worker (returns when the team stops). */
export function runTeamWorker(init: TeamWorkerInit): void {
  const instance = new WebAssembly.Instance(init.module, wasmImports(init.memory));
  const exports = instance.exports as unknown as WasmExports;
  setThreadScratch(exports, init.scratch);
  const t = teamControl(init.control);
  const ctrl = t.ctrl;
  Atomics.add(ctrl, TEAM_CTRL.ready, 1);
  Atomics.notify(ctrl, TEAM_CTRL.ready);
  let seen = 0;
  for (;;) {
    spinWhile(ctrl, TEAM_CTRL.gen, seen);
    Atomics.wait(ctrl, TEAM_CTRL.gen, seen);
    if (Atomics.load(ctrl, TEAM_CTRL.stop) !== 0) return;
    seen = Atomics.load(ctrl, TEAM_CTRL.gen);
    workChunks(exports, t, seen, init.tid);
  }
}
