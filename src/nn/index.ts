/**
 * Neural-network building blocks: `Module`, `Parameter`, containers, layers and loss modules.
 * Initialisers are under the `init` namespace and functional forms under `F` (from the package root).
 */
export * from "./module.js";
