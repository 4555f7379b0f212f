/** Browser-safe dataset parsers and built-in datasets. */
export * from "./common.js";
export * from "./karate.js";
export * from "./meshes.js";
export * from "./mnist.js";
export * from "./modelnet.js";
export * from "./molecules.js";
export * from "./nbody.js";
export * from "./planetoid.js";
export * from "./sbm.js";
export * from "./spherical_mnist.js";
export * from "./splits.js";
export * from "./tu.js";
