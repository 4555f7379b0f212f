/** Node-only entry (`erlangen/node`): file I/O and other helpers that need Node's standard library. */
export * from "./io.js";
export * from "./datasets.js";
export * from "./molecules.js";
export * from "./images.js";
