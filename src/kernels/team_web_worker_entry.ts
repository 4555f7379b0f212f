/** The body of a kernel-team Web Worker (`team.ts`): started by one message, then runs until the team stops. */
import type { TeamWorkerInit } from "./team.js";
import { runTeamWorker } from "./team_worker.js";

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<TeamWorkerInit>) => void) | null };

scope.onmessage = (e) => {
  scope.onmessage = null;
  runTeamWorker(e.data);
};
