/** The body of a `worker_threads` worker of the library's pool: runs each task it is sent. */
import { parentPort } from "node:worker_threads";
import { answerPoolRequest, type PoolRequest, setNumThreads } from "../kernels/pool.js";

// the pool's workers are the threads: kernels called in a task run on this thread alone
setNumThreads(1);

const port = parentPort;
if (port === null) throw new Error("worker_entry: must run as a worker thread");
port.on("message", (req: PoolRequest) => {
  void answerPoolRequest(req).then(({ response, transfer }) => port.postMessage(response, transfer));
});
