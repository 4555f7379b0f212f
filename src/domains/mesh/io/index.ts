/** Mesh readers and writers (browser-safe: they take and return strings and bytes). */

export {
  DEFAULT_MAX_FACES,
  DEFAULT_MAX_VERTICES,
  type MeshData,
  type MeshFormat,
  type MeshReadOptions,
} from "./common.js";
export * from "./obj.js";
export * from "./off.js";
export * from "./ply.js";
export * from "./read.js";
