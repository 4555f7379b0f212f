/**
 * Erlangen: Geometric Deep Learning in TypeScript.
 * This entry point runs in Node.js and in browsers; Node-only helpers (files, CLI) are in `erlangen/node`.
 */

export * from "./blueprint/index.js";
export * from "./data/index.js";
export * from "./domains/graph/index.js";
export * from "./domains/mesh/index.js";
export * from "./domains/point_cloud.js";
export * from "./domains/sphere/index.js";
export * from "./io/index.js";
export {
  activeKernelBackend,
  getKernelBackend,
  type KernelBackend,
  kernelsReady,
  lastKernelBackend,
  setKernelBackend,
} from "./kernels/index.js";
export {
  closeWorkerPool,
  getNumThreads,
  getWorkerPool,
  type PoolTask,
  registerTaskModule,
  registerWorkerPoolFactory,
  SameThreadPool,
  setNumThreads,
  type WorkerPool,
  type WorkerPoolFactory,
} from "./kernels/pool.js";
export * from "./layers/graphs/index.js";
export * from "./layers/grids/index.js";
export * from "./layers/groups/gcnn/index.js";
export * from "./layers/groups/models/index.js";
// e3nn-style namespace: o3.Irreps, o3.sphericalHarmonics, … (from symmetry/o3) plus o3.Linear, o3.Gate, o3.TensorProduct, …
export * as o3 from "./layers/groups/o3/index.js";
export * from "./layers/groups/radial.js";
export * from "./layers/groups/steerable/index.js";
export * from "./layers/meshes/index.js";
export * from "./layers/spheres/index.js";
export * from "./linalg/index.js";
export * as F from "./nn/functional.js";
export * from "./nn/index.js";
export * as init from "./nn/init.js";
// the recurrent cells of nn/rnn.ts are the public ones (layers/graphs has internal cells of the same names)
export { GRUCell, LSTMCell } from "./nn/rnn.js";
export * from "./optim/index.js";
export * from "./symmetry/index.js";
export * from "./tensor/index.js";
export * from "./train/index.js";
