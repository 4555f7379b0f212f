/** Format sniffing and the format-generic {@link readMesh} / {@link writeMesh}. */
import { opError } from "../../../tensor/errors.js";
import type { Mesh } from "../mesh.js";
import { fail, type MeshData, type MeshFormat, type MeshReadOptions, quote, splitLines, tokens } from "./common.js";
import { type ObjWriteOptions, readObj, writeObj } from "./obj.js";
import { type OffWriteOptions, readOff, writeOff } from "./off.js";
import { type PlyWriteOptions, readPly, writePly } from "./ply.js";

const OBJ_KEYWORDS = new Set([
  "v",
  "vt",
  "vn",
  "vp",
  "f",
  "l",
  "p",
  "o",
  "g",
  "s",
  "mtllib",
  "usemtl",
  "cstype",
  "deg",
]);
const OFF_HEADER = /^(ST)?C?N?4?n?OFF/;

/** The start of the input as text (at most 4 KiB; bytes read as Latin-1, enough for a header). */
function head(data: MeshData): string {
  if (typeof data === "string") return data.slice(0, 4096);
  const b = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  let s = "";
  for (let i = 0; i < Math.min(b.length, 4096); i++) s += String.fromCharCode(b[i]!);
  return s;
}

/**
 * Tells the format of a mesh file from its first bytes: `"ply"` (the magic line `ply`), `"off"` (a
 * first keyword such as `OFF`, `COFF`, `NOFF`) or `"obj"` (a first statement such as `v`, `f`, `o`, `g`,
 * `mtllib`); comments and blank lines before it are skipped. Returns null when none fits.
 */
export function sniffMeshFormat(data: MeshData): MeshFormat | null {
  if (typeof data !== "string" && !(data instanceof Uint8Array) && !(data instanceof ArrayBuffer)) return null;
  let text = head(data);
  if (text.startsWith("\ufeff")) text = text.slice(1);
  else if (text.startsWith("\xef\xbb\xbf")) text = text.slice(3);
  if (/^ply[\r\n]/.test(text)) return "ply";
  const lines = splitLines(text);
  // the last line may be cut at 4 KiB: only whole lines count, unless the input is shorter
  const whole = text.length < 4096 ? lines.length : lines.length - 1;
  for (let i = 0; i < whole; i++) {
    const t = tokens(lines[i]!);
    if (t.length === 0) continue;
    if (OFF_HEADER.test(t[0]!)) return "off";
    if (OBJ_KEYWORDS.has(t[0]!)) return "obj";
    return null;
  }
  return null;
}

/**
 * Reads a mesh file of any supported format (OBJ, OFF, PLY ASCII or binary) from its text or bytes.
 * Without `format` the format is sniffed ({@link sniffMeshFormat}).
 *
 * ```ts
 * const mesh = readMesh(bytes); // OBJ, OFF or PLY
 * ```
 */
export function readMesh(data: MeshData, format?: MeshFormat, opts: MeshReadOptions = {}): Mesh {
  const f = format ?? sniffMeshFormat(data);
  switch (f) {
    case "obj":
      return readObj(data, opts);
    case "off":
      return readOff(data, opts);
    case "ply":
      return readPly(data, opts);
    case null: {
      if (typeof data !== "string" && !(data instanceof Uint8Array) && !(data instanceof ArrayBuffer))
        return opError("readMesh", "data", "a string, Uint8Array or ArrayBuffer", typeof data);
      const first = splitLines(head(data)).find((l) => l.trim() !== "" && !l.trim().startsWith("#")) ?? "";
      return fail(
        "readMesh",
        "mesh file",
        "line 1",
        `could not tell the format (OBJ, OFF or PLY) from ${quote(first.trim())}`,
      );
    }
    default:
      return opError("readMesh", "format", '"obj", "off" or "ply"', String(format));
  }
}

/** Options of {@link writeMesh} (those of the format's writer). */
export type WriteMeshOptions = ObjWriteOptions & OffWriteOptions & PlyWriteOptions;

/**
 * Writes a mesh in the given format: a string for OBJ, OFF and ASCII PLY, a `Uint8Array` for binary
 * PLY (`{ format: "binary" }` in the options).
 */
export function writeMesh(mesh: Mesh, format: MeshFormat, opts: WriteMeshOptions = {}): string | Uint8Array {
  switch (format) {
    case "obj":
      return writeObj(mesh, opts);
    case "off":
      return writeOff(mesh, opts);
    case "ply":
      return writePly(mesh, opts);
    default:
      return opError("writeMesh", "format", '"obj", "off" or "ply"', String(format));
  }
}
