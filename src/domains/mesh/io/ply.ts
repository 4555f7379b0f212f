/**
 * Stanford PLY, ASCII and binary (little- and big-endian). The reader takes the `vertex` element's
 * `x`, `y`, `z` (any numeric type) and the `face` element's `vertex_indices` (or `vertex_index`) list
 * (any integer count and index type, e.g. `list uchar int`), fan-triangulating polygons; every other
 * property and element is skipped, in binary files by its size (lists by their counts). Every count
 * is checked against the bytes (or lines) actually present before anything is allocated.
 */
import { opError } from "../../../tensor/errors.js";
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
  toBytes,
} from "./common.js";

const FN = "readPly";

type PlyType = "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "float32" | "float64";

const TYPES: Record<string, PlyType> = {
  char: "int8",
  int8: "int8",
  uchar: "uint8",
  uint8: "uint8",
  short: "int16",
  int16: "int16",
  ushort: "uint16",
  uint16: "uint16",
  int: "int32",
  int32: "int32",
  uint: "uint32",
  uint32: "uint32",
  float: "float32",
  float32: "float32",
  double: "float64",
  float64: "float64",
};

const SIZE: Record<PlyType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

const isInt = (t: PlyType) => t !== "float32" && t !== "float64";

/** The type named `name` in a header (own keys only: `constructor` or `toString` are not types). */
const plyType = (name: string): PlyType | undefined => (Object.hasOwn(TYPES, name) ? TYPES[name] : undefined);

interface PlyProperty {
  readonly name: string;
  readonly type: PlyType;
  /** Count type of a list property, or null for a scalar. */
  readonly countType: PlyType | null;
}

interface PlyElement {
  readonly name: string;
  readonly count: number;
  readonly props: PlyProperty[];
  /** Header line that declared the element. */
  readonly line: number;
}

/** The PLY storage formats. */
export type PlyFormat = "ascii" | "binary_little_endian" | "binary_big_endian";

interface PlyHeader {
  readonly format: PlyFormat;
  readonly elements: PlyElement[];
  /** Byte offset of the body. */
  readonly bodyOffset: number;
  /** Number of header lines (for ASCII line numbers). */
  readonly headerLines: number;
}

const MAX_HEADER = 1 << 20;
const END = "end_header";

function findEndHeader(bytes: Uint8Array): number {
  const n = Math.min(bytes.length, MAX_HEADER) - END.length;
  outer: for (let i = 0; i <= n; i++) {
    for (let k = 0; k < END.length; k++) if (bytes[i + k] !== END.charCodeAt(k)) continue outer;
    // at the start of a line
    if (i === 0 || bytes[i - 1] === 10 || bytes[i - 1] === 13) return i;
  }
  return -1;
}

function parseHeader(bytes: Uint8Array): PlyHeader {
  if (!(bytes[0] === 0x70 && bytes[1] === 0x6c && bytes[2] === 0x79 && (bytes[3] === 10 || bytes[3] === 13)))
    fail(
      FN,
      "PLY",
      "byte 0",
      `expected the magic line "ply", got ${quote(latin1(bytes, 0, Math.min(bytes.length, 8)))}`,
    );
  const end = findEndHeader(bytes);
  if (end < 0)
    fail(
      FN,
      "PLY",
      "header",
      bytes.length > MAX_HEADER ? `no end_header line within the first ${MAX_HEADER} bytes` : "no end_header line",
    );
  let body = end + END.length;
  // the line ending after end_header: LF, CRLF or CR (or the end of the file)
  while (body < bytes.length && (bytes[body] === 32 || bytes[body] === 9)) body++;
  if (bytes[body] === 13 && bytes[body + 1] === 10) body += 2;
  else if (bytes[body] === 10 || bytes[body] === 13) body += 1;
  else if (body < bytes.length)
    fail(FN, "PLY", `byte ${body}`, `expected a line break after end_header, got byte ${bytes[body]}`);
  const lines = splitLines(latin1(bytes, 0, end));
  let format: PlyFormat | null = null;
  const elements: PlyElement[] = [];
  let current: PlyElement | null = null;
  const names = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const where = `line ${i + 1}`;
    const t = lines[i]!.trim().split(/\s+/);
    const kw = t[0]!;
    if (kw === "" || kw === "comment" || kw === "obj_info") continue;
    if (kw === "format") {
      if (format !== null) fail(FN, "PLY", where, "a second format line");
      const f = t[1];
      if (f !== "ascii" && f !== "binary_little_endian" && f !== "binary_big_endian")
        fail(
          FN,
          "PLY",
          where,
          `unknown format ${quote(f ?? "")} (expected ascii, binary_little_endian or binary_big_endian)`,
        );
      if (t[2] !== "1.0") fail(FN, "PLY", where, `unsupported version ${quote(t[2] ?? "")} (expected 1.0)`);
      format = f;
    } else if (kw === "element") {
      if (t.length !== 3) fail(FN, "PLY", where, `expected "element <name> <count>", got ${quote(lines[i]!)}`);
      const count = parseIntToken(t[2]!);
      if (count === null || count < 0 || count > 2 ** 31 - 1)
        fail(FN, "PLY", where, `element ${quote(t[1]!)} has an invalid count ${quote(t[2]!)}`);
      if (names.has(t[1]!)) fail(FN, "PLY", where, `element ${quote(t[1]!)} is declared twice`);
      names.add(t[1]!);
      current = { name: t[1]!, count, props: [], line: i + 1 };
      elements.push(current);
    } else if (kw === "property") {
      if (current === null) fail(FN, "PLY", where, "a property before any element");
      let prop: PlyProperty;
      if (t[1] === "list") {
        if (t.length !== 5)
          fail(FN, "PLY", where, `expected "property list <count type> <type> <name>", got ${quote(lines[i]!)}`);
        const ct = plyType(t[2]!);
        const it = plyType(t[3]!);
        if (ct === undefined || !isInt(ct)) fail(FN, "PLY", where, `invalid list count type ${quote(t[2]!)}`);
        if (it === undefined) fail(FN, "PLY", where, `unknown property type ${quote(t[3]!)}`);
        prop = { name: t[4]!, type: it, countType: ct };
      } else {
        if (t.length !== 3) fail(FN, "PLY", where, `expected "property <type> <name>", got ${quote(lines[i]!)}`);
        const ty = plyType(t[1]!);
        if (ty === undefined) fail(FN, "PLY", where, `unknown property type ${quote(t[1]!)}`);
        prop = { name: t[2]!, type: ty, countType: null };
      }
      if (current.props.some((p) => p.name === prop.name))
        fail(FN, "PLY", where, `property ${quote(prop.name)} of element ${quote(current.name)} is declared twice`);
      current.props.push(prop);
    } else {
      fail(FN, "PLY", where, `unknown header keyword ${quote(kw)}`);
    }
  }
  if (format === null) fail(FN, "PLY", "header", "no format line");
  return { format, elements, bodyOffset: body, headerLines: lines.length };
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i += 8192) s += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 8192)));
  return s;
}

/** Where the reader finds positions and faces among the elements. */
interface Layout {
  readonly vertex: PlyElement;
  readonly xyz: [number, number, number];
  readonly face: PlyElement | null;
  readonly indices: number;
}

function layout(h: PlyHeader, maxVertices: number, maxFaces: number): Layout {
  const vertex = h.elements.find((e) => e.name === "vertex");
  if (vertex === undefined) fail(FN, "PLY", "header", "no 'vertex' element");
  const xyz = ["x", "y", "z"].map((n) => {
    const k = vertex.props.findIndex((p) => p.name === n);
    if (k < 0) fail(FN, "PLY", `line ${vertex.line}`, `the vertex element has no property '${n}'`);
    if (vertex.props[k]!.countType !== null) fail(FN, "PLY", `line ${vertex.line}`, `vertex property '${n}' is a list`);
    return k;
  }) as [number, number, number];
  if (vertex.count > maxVertices)
    fail(FN, "PLY", `line ${vertex.line}`, `vertex count ${vertex.count} exceeds maxVertices = ${maxVertices}`);
  const face = h.elements.find((e) => e.name === "face") ?? null;
  let indices = -1;
  if (face !== null) {
    indices = face.props.findIndex((p) => p.name === "vertex_indices" || p.name === "vertex_index");
    if (indices < 0) fail(FN, "PLY", `line ${face.line}`, "the face element has no 'vertex_indices' list");
    const p = face.props[indices]!;
    if (p.countType === null || !isInt(p.type))
      fail(FN, "PLY", `line ${face.line}`, `'${p.name}' must be a list of integers, got type ${p.type}`);
    if (face.count > maxFaces)
      fail(FN, "PLY", `line ${face.line}`, `face count ${face.count} exceeds maxFaces = ${maxFaces}`);
  }
  return { vertex, xyz, face, indices };
}

/**
 * Reads a PLY file into a {@link Mesh}. ASCII files may be given as text or bytes; binary files must be
 * given as bytes. Errors name the header line, the body line (ASCII) or the byte offset (binary).
 *
 * ```ts
 * const mesh = readPly(await (await fetch("bunny.ply")).arrayBuffer());
 * ```
 */
export function readPly(data: MeshData, opts: MeshReadOptions = {}): Mesh {
  const { maxVertices, maxFaces } = limits(FN, opts);
  if (typeof data === "string" && /^ply\r?\n[\s\S]*?\bformat[ \t]+binary/.test(data.slice(0, 4096)))
    fail(FN, "PLY", "header", "a binary PLY file must be given as bytes (Uint8Array), not as a string");
  const bytes = toBytes(FN, data);
  const h = parseHeader(bytes);
  const lay = layout(h, maxVertices, maxFaces);
  const out =
    h.format === "ascii"
      ? readAsciiBody(bytes, h, lay, maxFaces)
      : readBinaryBody(bytes, h, lay, maxFaces, h.format === "binary_little_endian");
  return new Mesh(out.positions, out.faces);
}

interface Body {
  positions: Float64Array;
  faces: Int32Array;
}

/**
 * Growable int32 storage for the triangles of fan-triangulated polygons; every corner is checked
 * against the vertex count (known from the header, whatever the order of the elements).
 */
class Fans {
  data = new Int32Array(48);
  n = 0;
  #first = 0;
  #prev = 0;
  #k = 0;
  /** `unit` names the position passed to {@link Fans.add} in errors ("line" or "byte"). */
  constructor(
    readonly numVertices: number,
    readonly unit: "line" | "byte",
  ) {}
  /** Starts a polygon. */
  begin(): void {
    this.#k = 0;
  }
  /** Adds corner `id` of polygon `face`, found at line or byte `at`. */
  add(id: number, face: number, at: number): void {
    if (id < 0 || id >= this.numVertices)
      fail(
        FN,
        "PLY",
        `${this.unit} ${at}`,
        `corner ${this.#k} of face ${face} is vertex ${id}, outside [0, ${this.numVertices})`,
      );
    if (this.#k === 0) this.#first = id;
    else if (this.#k >= 2) {
      if (this.n + 3 > this.data.length) {
        const d = new Int32Array(2 * this.data.length);
        d.set(this.data);
        this.data = d;
      }
      this.data[this.n++] = this.#first;
      this.data[this.n++] = this.#prev;
      this.data[this.n++] = id;
    }
    this.#prev = id;
    this.#k++;
  }
  get count(): number {
    return this.n / 3;
  }
}

const WS = /\s+/;

function readAsciiBody(bytes: Uint8Array, h: PlyHeader, lay: Layout, maxFaces: number): Body {
  const lines = splitLines(new TextDecoder("utf-8").decode(bytes.subarray(h.bodyOffset)));
  // a final line break leaves one empty line
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let i = 0;
  const V = lay.vertex.count;
  let positions: Float64Array | null = null;
  const tris = new Fans(V, "line");
  for (const el of h.elements) {
    const left = lines.length - i;
    if (el.count > left)
      fail(
        FN,
        "PLY",
        `line ${el.line}`,
        `element '${el.name}' announces ${el.count} rows, but only ${left} lines follow the header`,
      );
    const isVertex = el === lay.vertex;
    const isFace = el === lay.face;
    if (isVertex) positions = new Float64Array(3 * V);
    for (let r = 0; r < el.count; r++) {
      const lineNo = h.headerLines + i + 1;
      const t = lines[i++]!.trim().split(WS);
      const where = () => `line ${lineNo}`;
      if (t.length === 1 && t[0] === "") fail(FN, "PLY", where(), `${el.name} ${r} is an empty line`);
      let c = 0;
      for (let k = 0; k < el.props.length; k++) {
        const p = el.props[k]!;
        if (p.countType !== null) {
          const tok = t[c++];
          const n = tok === undefined ? null : parseIntToken(tok);
          if (n === null || n < 0)
            fail(
              FN,
              "PLY",
              where(),
              `list '${p.name}' of ${el.name} ${r} has an invalid count ${quote(tok ?? "(missing)")}`,
            );
          if (c + n > t.length)
            fail(
              FN,
              "PLY",
              where(),
              `list '${p.name}' of ${el.name} ${r} announces ${n} values, but the line has ${t.length - c}`,
            );
          if (isFace && k === lay.indices) {
            if (n < 3) fail(FN, "PLY", where(), `face ${r} has ${n} corners (at least 3 needed)`);
            if (tris.count + n - 2 > maxFaces) fail(FN, "PLY", where(), `more than maxFaces = ${maxFaces} triangles`);
            tris.begin();
            for (let j = 0; j < n; j++) {
              const id = parseIntToken(t[c + j]!);
              if (id === null)
                fail(FN, "PLY", where(), `corner ${j} of face ${r} is not an integer: ${quote(t[c + j]!)}`);
              tris.add(id, r, lineNo);
            }
          }
          c += n;
        } else {
          const tok = t[c++];
          if (tok === undefined)
            fail(FN, "PLY", where(), `${el.name} ${r} has too few values (property '${p.name}' is missing)`);
          if (isVertex) {
            const d = lay.xyz.indexOf(k);
            if (d >= 0) {
              const x = parseFloatToken(tok);
              if (x === null)
                fail(FN, "PLY", where(), `'${p.name}' of vertex ${r} is not a finite number: ${quote(tok)}`);
              positions![3 * r + d] = x;
            }
          }
        }
      }
      if (c !== t.length)
        fail(FN, "PLY", where(), `${el.name} ${r} has ${t.length - c} more values than its properties declare`);
    }
  }
  return { positions: positions ?? new Float64Array(0), faces: tris.data.slice(0, tris.n) };
}

/** Reads one value of type `t` at byte `o`. */
function readValue(dv: DataView, t: PlyType, o: number, le: boolean): number {
  switch (t) {
    case "int8":
      return dv.getInt8(o);
    case "uint8":
      return dv.getUint8(o);
    case "int16":
      return dv.getInt16(o, le);
    case "uint16":
      return dv.getUint16(o, le);
    case "int32":
      return dv.getInt32(o, le);
    case "uint32":
      return dv.getUint32(o, le);
    case "float32":
      return dv.getFloat32(o, le);
    case "float64":
      return dv.getFloat64(o, le);
  }
}

function readBinaryBody(bytes: Uint8Array, h: PlyHeader, lay: Layout, maxFaces: number, le: boolean): Body {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  let off = h.bodyOffset;
  const V = lay.vertex.count;
  let positions: Float64Array | null = null;
  const tris = new Fans(V, "byte");
  for (const el of h.elements) {
    // the smallest size a row can have (lists empty); fixed-size rows have exactly this size
    let minRow = 0;
    let fixed = true;
    for (const p of el.props) {
      if (p.countType !== null) {
        minRow += SIZE[p.countType];
        fixed = false;
      } else minRow += SIZE[p.type];
    }
    if (el.count * minRow > len - off)
      fail(
        FN,
        "PLY",
        `byte ${off}`,
        `element '${el.name}' announces ${el.count} rows of at least ${minRow} bytes, but only ${len - off} bytes remain`,
      );
    const isVertex = el === lay.vertex;
    if (isVertex) positions = new Float64Array(3 * V);
    if (fixed) {
      if (isVertex) {
        // fixed-size vertex rows: x, y, z at known offsets
        const at: number[] = [];
        let o = 0;
        for (const p of el.props) {
          at.push(o);
          o += SIZE[p.type];
        }
        for (let d = 0; d < 3; d++) {
          const k = lay.xyz[d]!;
          const t = el.props[k]!.type;
          for (let r = 0; r < el.count; r++) {
            const o2 = off + r * minRow + at[k]!;
            const x = readValue(dv, t, o2, le);
            if (!Number.isFinite(x)) fail(FN, "PLY", `byte ${o2}`, `'${el.props[k]!.name}' of vertex ${r} is ${x}`);
            positions![3 * r + d] = x;
          }
        }
      }
      off += el.count * minRow;
      continue;
    }
    const isFace = el === lay.face;
    for (let r = 0; r < el.count; r++) {
      for (let k = 0; k < el.props.length; k++) {
        const p = el.props[k]!;
        if (p.countType !== null) {
          if (off + SIZE[p.countType] > len)
            fail(FN, "PLY", `byte ${off}`, `the file ends inside ${el.name} ${r} (list '${p.name}')`);
          const at = off;
          const n = readValue(dv, p.countType, off, le);
          off += SIZE[p.countType];
          if (n < 0) fail(FN, "PLY", `byte ${at}`, `list '${p.name}' of ${el.name} ${r} has a negative count ${n}`);
          const size = n * SIZE[p.type];
          if (size > len - off)
            fail(
              FN,
              "PLY",
              `byte ${at}`,
              `list '${p.name}' of ${el.name} ${r} announces ${n} values, but only ${len - off} bytes remain`,
            );
          if (isFace && k === lay.indices) {
            if (n < 3) fail(FN, "PLY", `byte ${at}`, `face ${r} has ${n} corners (at least 3 needed)`);
            if (tris.count + n - 2 > maxFaces)
              fail(FN, "PLY", `byte ${at}`, `more than maxFaces = ${maxFaces} triangles`);
            tris.begin();
            const s = SIZE[p.type];
            for (let j = 0; j < n; j++) tris.add(readValue(dv, p.type, off + j * s, le), r, at);
          }
          off += size;
        } else {
          const s = SIZE[p.type];
          if (off + s > len)
            fail(FN, "PLY", `byte ${off}`, `the file ends inside ${el.name} ${r} (property '${p.name}')`);
          if (isVertex) {
            const d = lay.xyz.indexOf(k);
            if (d >= 0) {
              const x = readValue(dv, p.type, off, le);
              if (!Number.isFinite(x)) fail(FN, "PLY", `byte ${off}`, `'${p.name}' of vertex ${r} is ${x}`);
              positions![3 * r + d] = x;
            }
          }
          off += s;
        }
      }
    }
  }
  return { positions: positions ?? new Float64Array(0), faces: tris.data.slice(0, tris.n) };
}

/** Options of {@link writePly}. */
export interface PlyWriteOptions {
  /** Storage format (default `"ascii"`; `"binary"` is `"binary_little_endian"`). */
  format?: PlyFormat | "binary";
  /**
   * Type of the stored coordinates: `"float64"` (`double`; the default for ASCII, exact for every
   * float64) or `"float32"` (`float`; the default for binary, exact only for float32-representable
   * coordinates).
   */
  dtype?: "float32" | "float64";
  /** Also write the vertex normals as `nx`, `ny`, `nz` (default false). */
  normals?: boolean;
  /** A comment line in the header. */
  comment?: string;
}

/**
 * Writes a mesh as PLY: ASCII text (a string) by default, or binary bytes (a `Uint8Array`) with
 * `format: "binary"` / `"binary_little_endian"` / `"binary_big_endian"`. Faces are written as
 * `list uchar int vertex_indices`.
 */
export function writePly(mesh: Mesh, opts?: PlyWriteOptions & { format?: "ascii" }): string;
export function writePly(
  mesh: Mesh,
  opts: PlyWriteOptions & { format: "binary" | "binary_little_endian" | "binary_big_endian" },
): Uint8Array;
export function writePly(mesh: Mesh, opts?: PlyWriteOptions): string | Uint8Array;
export function writePly(mesh: Mesh, opts: PlyWriteOptions = {}): string | Uint8Array {
  const format: PlyFormat = opts.format === "binary" ? "binary_little_endian" : (opts.format ?? "ascii");
  if (format !== "ascii" && format !== "binary_little_endian" && format !== "binary_big_endian")
    opError("writePly", "format", "ascii, binary, binary_little_endian or binary_big_endian", String(format));
  const dtype = opts.dtype ?? (format === "ascii" ? "float64" : "float32");
  const ftype = dtype === "float64" ? "double" : "float";
  const V = mesh.numVertices;
  const F = mesh.numFaces;
  const head = ["ply", `format ${format} 1.0`];
  if (opts.comment) for (const l of opts.comment.split(/\r\n|\n|\r/)) head.push(`comment ${l}`);
  head.push(`element vertex ${V}`, `property ${ftype} x`, `property ${ftype} y`, `property ${ftype} z`);
  if (opts.normals) head.push(`property ${ftype} nx`, `property ${ftype} ny`, `property ${ftype} nz`);
  head.push(`element face ${F}`, "property list uchar int vertex_indices", "end_header", "");
  const p = mesh.positions;
  const n = opts.normals ? mesh.vertexNormals() : null;
  const f = mesh.faces;
  const cols = opts.normals ? 6 : 3;
  if (format === "ascii") {
    const out = [head.join("\n").slice(0, -1)];
    const num = dtype === "float64" ? fmt : (x: number) => fmt(Math.fround(x));
    for (let v = 0; v < V; v++) {
      let line = `${num(p[3 * v]!)} ${num(p[3 * v + 1]!)} ${num(p[3 * v + 2]!)}`;
      if (n) line += ` ${num(n[3 * v]!)} ${num(n[3 * v + 1]!)} ${num(n[3 * v + 2]!)}`;
      out.push(line);
    }
    for (let i = 0; i < F; i++) out.push(`3 ${f[3 * i]} ${f[3 * i + 1]} ${f[3 * i + 2]}`);
    out.push("");
    return out.join("\n");
  }
  const le = format === "binary_little_endian";
  const headBytes = new TextEncoder().encode(head.join("\n"));
  const fsz = dtype === "float64" ? 8 : 4;
  const bytes = new Uint8Array(headBytes.length + V * cols * fsz + F * 13);
  bytes.set(headBytes);
  const dv = new DataView(bytes.buffer);
  let off = headBytes.length;
  const put = (x: number) => {
    if (fsz === 8) dv.setFloat64(off, x, le);
    else dv.setFloat32(off, x, le);
    off += fsz;
  };
  for (let v = 0; v < V; v++) {
    for (let d = 0; d < 3; d++) put(p[3 * v + d]!);
    if (n) for (let d = 0; d < 3; d++) put(n[3 * v + d]!);
  }
  for (let i = 0; i < F; i++) {
    dv.setUint8(off, 3);
    off += 1;
    for (let k = 0; k < 3; k++) {
      dv.setInt32(off, f[3 * i + k]!, le);
      off += 4;
    }
  }
  return bytes;
}
