/** The body of a Web Worker of the library's pool ({@link WebWorkerPool}): runs each task it is sent. */
import { answerPoolRequest, type PoolRequest, setNumThreads } from "./pool.js";

// the pool's workers are the threads: kernels called in a task run on this thread alone
setNumThreads(1);

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<PoolRequest>) => void) | null;
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
};

scope.onmessage = (e) => {
  void answerPoolRequest(e.data).then(({ response, transfer }) => scope.postMessage(response, transfer));
};
