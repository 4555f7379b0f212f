/** Node-only entry (`erlangen/node`): file I/O and other helpers that need Node's standard library. */

export * from "./datasets.js";
export * from "./images.js";
export * from "./io.js";
export * from "./kernel_team.js";
export * from "./mesh_cache.js";
export * from "./mesh_datasets.js";
export * from "./meshes.js";
export * from "./model_dir.js";
export * from "./molecules.js";
export * from "./pg_server.js";
export * from "./postgres_store.js";
export * from "./spherical_mnist.js";
export * from "./user_data.js";
export * from "./worker_pool.js";
