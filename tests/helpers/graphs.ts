/** One import point for the graph-layer tests (the library root plus the graph layers). */
export * from "../../src/index.js";
export * from "../../src/layers/graphs/index.js";
