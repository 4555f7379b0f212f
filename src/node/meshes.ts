/** Node-only mesh files (`erlangen/node`): read and write OBJ, OFF and PLY by path. */
import { readFileSync, writeFileSync } from "node:fs";
import { extname } from "node:path";
import type { MeshFormat, MeshReadOptions } from "../domains/mesh/io/common.js";
import { readMesh, type WriteMeshOptions, writeMesh } from "../domains/mesh/io/read.js";
import type { Mesh } from "../domains/mesh/mesh.js";
import { ErlangenError, opError } from "../tensor/errors.js";

function formatOfPath(path: string): MeshFormat | undefined {
  const ext = extname(path).toLowerCase();
  return ext === ".obj" ? "obj" : ext === ".off" ? "off" : ext === ".ply" ? "ply" : undefined;
}

/**
 * Reads a mesh file (OBJ, OFF or PLY, ASCII or binary). The format is sniffed from the content (the
 * extension is not trusted); pass `format` to force one. Errors name the file.
 *
 * ```ts
 * const mesh = readMeshFile("bunny.ply");
 * ```
 */
export function readMeshFile(path: string, format?: MeshFormat, opts: MeshReadOptions = {}): Mesh {
  const buf = readFileSync(path);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    return readMesh(bytes, format, opts);
  } catch (e) {
    if (e instanceof ErlangenError) throw new ErlangenError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * Writes a mesh file. The format comes from `format`, else from the extension (`.obj`, `.off`, `.ply`);
 * PLY is written as ASCII unless `opts.format` is `"binary"` (or `"binary_little_endian"` /
 * `"binary_big_endian"`).
 */
export function writeMeshFile(path: string, mesh: Mesh, format?: MeshFormat, opts: WriteMeshOptions = {}): void {
  const f = format ?? formatOfPath(path);
  if (f === undefined)
    opError(
      "writeMeshFile",
      "format",
      "obj, off or ply (or a path ending in .obj, .off or .ply)",
      JSON.stringify(path),
    );
  writeFileSync(path, writeMesh(mesh, f, opts));
}
