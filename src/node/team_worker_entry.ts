/** The body of a kernel-team worker on `worker_threads` (`kernels/team.ts`): its init is the workerData. */
import { workerData } from "node:worker_threads";
import type { TeamWorkerInit } from "../kernels/team.js";
import { runTeamWorker } from "../kernels/team_worker.js";

runTeamWorker(workerData as TeamWorkerInit);
