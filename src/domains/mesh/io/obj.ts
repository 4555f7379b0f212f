/**
 * Wavefront OBJ: `v x y z` vertices and `f` faces whose corners are `i`, `i/t`, `i//n` or `i/t/n`
 * (1-based; negative ids count back from the last vertex read so far). Polygons are fan-triangulated
 * from their first corner. Comments (`#`) and every other statement (`vt`, `vn`, `g`, `o`, `s`,
 * `usemtl`, `mtllib`, `l`, `p`, …) are skipped; texture coordinates and normals are not read.
 */
import { Mesh } from "../mesh.js";
import {
  fail,
  fmt,
  limits,
  type MeshData,
  type MeshReadOptions,
  parseFloatToken,
  parseIntToken,
  quote,
  splitLines,
  tokens,
  toText,
} from "./common.js";

const FN = "readObj";

/**
 * Reads a Wavefront OBJ file (text or bytes) into a {@link Mesh}. Errors are {@link ErlangenError}s
 * naming the line and the offending token.
 *
 * ```ts
 * const mesh = readObj("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n");
 * ```
 */
export function readObj(data: MeshData, opts: MeshReadOptions = {}): Mesh {
  const { maxVertices, maxFaces } = limits(FN, opts);
  const lines = splitLines(toText(FN, data));
  const pos: number[] = [];
  const faces: number[] = [];
  let nv = 0;
  // positive ids may name a vertex defined further down; the largest is checked at the end
  let maxRef = -1;
  let maxRefLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const c = line.charCodeAt(0);
    // fast skip of lines that cannot be v or f statements (comments, vt, vn, g, …)
    if (c !== 118 && c !== 102 && c !== 32 && c !== 9) continue; // 'v', 'f', space, tab
    const t = tokens(line);
    if (t.length === 0) continue;
    const where = `line ${i + 1}`;
    if (t[0] === "v") {
      if (t.length < 4) fail(FN, "OBJ", where, `a vertex needs 3 coordinates, got ${t.length - 1}`);
      if (nv >= maxVertices) fail(FN, "OBJ", where, `more than maxVertices = ${maxVertices} vertices`);
      for (let k = 1; k <= 3; k++) {
        const x = parseFloatToken(t[k]!);
        if (x === null)
          fail(FN, "OBJ", where, `coordinate ${k} of vertex ${nv + 1} is not a finite number: ${quote(t[k]!)}`);
        pos.push(x);
      }
      nv++;
    } else if (t[0] === "f") {
      const n = t.length - 1;
      if (n < 3) fail(FN, "OBJ", where, `a face needs at least 3 corners, got ${n}`);
      if (faces.length / 3 + n - 2 > maxFaces) fail(FN, "OBJ", where, `more than maxFaces = ${maxFaces} triangles`);
      const ids: number[] = [];
      for (let k = 1; k <= n; k++) {
        const tok = t[k]!;
        const slash = tok.indexOf("/");
        const head = slash >= 0 ? tok.slice(0, slash) : tok;
        const r = parseIntToken(head);
        if (r === null || r === 0)
          fail(FN, "OBJ", where, `corner ${k} is not a vertex id (1-based, or negative from the end): ${quote(tok)}`);
        let id: number;
        if (r < 0) {
          id = nv + r;
          if (id < 0)
            fail(FN, "OBJ", where, `relative vertex id ${r} reaches before the first vertex (${nv} read so far)`);
        } else {
          id = r - 1;
          if (id >= maxVertices) fail(FN, "OBJ", where, `vertex id ${r} exceeds maxVertices = ${maxVertices}`);
          if (id > maxRef) {
            maxRef = id;
            maxRefLine = i + 1;
          }
        }
        ids.push(id);
      }
      for (let k = 1; k + 1 < n; k++) faces.push(ids[0]!, ids[k]!, ids[k + 1]!);
    }
  }
  if (maxRef >= nv)
    fail(FN, "OBJ", `line ${maxRefLine}`, `vertex id ${maxRef + 1} is past the last vertex (${nv} in the file)`);
  return new Mesh(pos, faces);
}

/** Options of {@link writeObj}. */
export interface ObjWriteOptions {
  /** A comment written at the top (each line prefixed with `# `). */
  comment?: string;
}

/**
 * Writes a mesh as Wavefront OBJ text (`v` and `f` lines, 1-based). Coordinates are written in
 * JavaScript's shortest round-trip form, so {@link readObj} gives back the same float64 values.
 */
export function writeObj(mesh: Mesh, opts: ObjWriteOptions = {}): string {
  const out: string[] = [];
  if (opts.comment) for (const l of opts.comment.split(/\r\n|\n|\r/)) out.push(`# ${l}`);
  const p = mesh.positions;
  for (let v = 0; v < mesh.numVertices; v++)
    out.push(`v ${fmt(p[3 * v]!)} ${fmt(p[3 * v + 1]!)} ${fmt(p[3 * v + 2]!)}`);
  const f = mesh.faces;
  for (let i = 0; i < mesh.numFaces; i++) out.push(`f ${f[3 * i]! + 1} ${f[3 * i + 1]! + 1} ${f[3 * i + 2]! + 1}`);
  out.push("");
  return out.join("\n");
}
