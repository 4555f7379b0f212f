/** Node-only entry (`erlangen/node`): file I/O and other helpers that need Node's standard library. */

export * from "./datasets.js";
export * from "./images.js";
export * from "./io.js";
export * from "./mesh_cache.js";
export * from "./mesh_datasets.js";
export * from "./meshes.js";
export * from "./molecules.js";
