/**
 * Object File Format (OFF, Geomview): a header keyword (`OFF`, or with the prefixes `ST`, `C`, `N` as in
 * `COFF`, `NOFF`, `CNOFF`, `STOFF`), the counts `V F E`, then one vertex per line (`x y z`, followed by
 * any normal, colour or texture values, which are skipped) and one face per line (`n i₀ … iₙ₋₁`, 0-based,
 * optionally followed by a colour). Comments (`#`) and blank lines are skipped. Polygons are
 * fan-triangulated. The counts may follow the keyword on the same line, also without a space
 * (`OFF490 518 0`, as in some ModelNet files). The 4-D (`4OFF`) and n-D (`nOFF`) variants are rejected.
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

const FN = "readOff";
const HEADER = /^(ST)?(C)?(N)?(4)?(n)?OFF(.*)$/;

/**
 * Reads an OFF file (text or bytes) into a {@link Mesh}. The header's counts are checked against the
 * lines actually present before anything is allocated.
 *
 * ```ts
 * const mesh = readOff("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n");
 * ```
 */
export function readOff(data: MeshData, opts: MeshReadOptions = {}): Mesh {
  const { maxVertices, maxFaces } = limits(FN, opts);
  const lines = splitLines(toText(FN, data));
  let i = 0;
  /** The next line with content, as tokens (i is left after it), or null at the end. */
  const nextTokens = (): string[] | null => {
    while (i < lines.length) {
      const t = tokens(lines[i++]!);
      if (t.length > 0) return t;
    }
    return null;
  };
  const first = nextTokens();
  if (first === null) fail(FN, "OFF", "line 1", "the file is empty (expected an OFF header)");
  const headerLine = i;
  const m = HEADER.exec(first[0]!);
  if (!m) fail(FN, "OFF", `line ${headerLine}`, `expected the keyword OFF (or COFF, NOFF, …), got ${quote(first[0]!)}`);
  if (m[4] || m[5])
    fail(FN, "OFF", `line ${headerLine}`, `${quote(first[0]!)}: 4-D and n-D OFF files are not supported`);
  let counts = first.slice(1);
  if (m[6]) counts.unshift(m[6]);
  if (counts.length === 0) {
    const t = nextTokens();
    if (t === null) fail(FN, "OFF", `line ${headerLine}`, "the file ends before the counts V F E");
    counts = t;
  }
  const countLine = i;
  if (counts.length < 2)
    fail(FN, "OFF", `line ${countLine}`, `expected the counts V F E, got ${quote(counts.join(" "))}`);
  const V = parseIntToken(counts[0]!);
  const F = parseIntToken(counts[1]!);
  if (V === null || V < 0)
    fail(FN, "OFF", `line ${countLine}`, `the vertex count is not a non-negative integer: ${quote(counts[0]!)}`);
  if (F === null || F < 0)
    fail(FN, "OFF", `line ${countLine}`, `the face count is not a non-negative integer: ${quote(counts[1]!)}`);
  if (V > maxVertices) fail(FN, "OFF", `line ${countLine}`, `vertex count ${V} exceeds maxVertices = ${maxVertices}`);
  if (F > maxFaces) fail(FN, "OFF", `line ${countLine}`, `face count ${F} exceeds maxFaces = ${maxFaces}`);
  const left = lines.length - i;
  if (V + F > left)
    fail(
      FN,
      "OFF",
      `line ${countLine}`,
      `the header announces ${V} vertices and ${F} faces, but only ${left} lines follow`,
    );
  const pos = new Float64Array(3 * V);
  for (let v = 0; v < V; v++) {
    const t = nextTokens();
    if (t === null) fail(FN, "OFF", `line ${lines.length}`, `the file ends after ${v} of ${V} vertices`);
    if (t.length < 3) fail(FN, "OFF", `line ${i}`, `vertex ${v} needs 3 coordinates, got ${quote(t.join(" "))}`);
    for (let k = 0; k < 3; k++) {
      const x = parseFloatToken(t[k]!);
      if (x === null)
        fail(FN, "OFF", `line ${i}`, `coordinate ${k + 1} of vertex ${v} is not a finite number: ${quote(t[k]!)}`);
      pos[3 * v + k] = x;
    }
  }
  const faces: number[] = [];
  for (let f = 0; f < F; f++) {
    const t = nextTokens();
    if (t === null) fail(FN, "OFF", `line ${lines.length}`, `the file ends after ${f} of ${F} faces`);
    const n = parseIntToken(t[0]!);
    if (n === null || n < 3)
      fail(FN, "OFF", `line ${i}`, `face ${f} needs a corner count of at least 3, got ${quote(t[0]!)}`);
    if (t.length < n + 1)
      fail(FN, "OFF", `line ${i}`, `face ${f} announces ${n} corners but the line has ${t.length - 1} values`);
    if (faces.length / 3 + n - 2 > maxFaces) fail(FN, "OFF", `line ${i}`, `more than maxFaces = ${maxFaces} triangles`);
    const ids: number[] = [];
    for (let k = 1; k <= n; k++) {
      const id = parseIntToken(t[k]!);
      if (id === null || id < 0 || id >= V)
        fail(FN, "OFF", `line ${i}`, `corner ${k - 1} of face ${f} is not a vertex id in [0, ${V}): ${quote(t[k]!)}`);
      ids.push(id);
    }
    for (let k = 1; k + 1 < n; k++) faces.push(ids[0]!, ids[k]!, ids[k + 1]!);
  }
  return new Mesh(pos, faces);
}

/** Options of {@link writeOff}. */
export interface OffWriteOptions {
  /** A comment written after the header keyword (each line prefixed with `# `). */
  comment?: string;
}

/**
 * Writes a mesh as OFF text (`OFF`, `V F E`, vertices, `3 a b c` faces). Coordinates use the shortest
 * round-trip form, so {@link readOff} gives back the same float64 values.
 */
export function writeOff(mesh: Mesh, opts: OffWriteOptions = {}): string {
  const out: string[] = ["OFF"];
  if (opts.comment) for (const l of opts.comment.split(/\r\n|\n|\r/)) out.push(`# ${l}`);
  out.push(`${mesh.numVertices} ${mesh.numFaces} ${mesh.numEdges}`);
  const p = mesh.positions;
  for (let v = 0; v < mesh.numVertices; v++) out.push(`${fmt(p[3 * v]!)} ${fmt(p[3 * v + 1]!)} ${fmt(p[3 * v + 2]!)}`);
  const f = mesh.faces;
  for (let i = 0; i < mesh.numFaces; i++) out.push(`3 ${f[3 * i]} ${f[3 * i + 1]} ${f[3 * i + 2]}`);
  out.push("");
  return out.join("\n");
}
