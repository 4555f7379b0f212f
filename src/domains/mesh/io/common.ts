/**
 * Shared pieces of the mesh readers and writers: input decoding, limits, number parsing and the error
 * form `readOff: OFF line 3: …` (the reader, the format, where, and the offending value).
 */
import { ErlangenError, opError } from "../../../tensor/errors.js";

/** The file formats the mesh readers and writers know. */
export type MeshFormat = "obj" | "off" | "ply";

/** What a mesh reader accepts: the file's text, or its bytes (`Uint8Array`, Node's `Buffer`, an `ArrayBuffer`). */
export type MeshData = string | Uint8Array | ArrayBuffer;

/** Limits every reader checks before it allocates (a hostile header cannot ask for more). */
export interface MeshReadOptions {
  /** Largest number of vertices accepted (default 2²⁶ ≈ 67 million). */
  maxVertices?: number;
  /** Largest number of triangles accepted after fan triangulation (default 2²⁷ ≈ 134 million). */
  maxFaces?: number;
}

export const DEFAULT_MAX_VERTICES = 1 << 26;
export const DEFAULT_MAX_FACES = 1 << 27;

/** Throws the readers' error: `readObj: OBJ line 12: message`. */
export function fail(fn: string, format: string, where: string, message: string): never {
  throw new ErlangenError(`${fn}: ${format} ${where}: ${message}`);
}

/** Quotes a token for an error message, cut to 40 characters. */
export function quote(token: string): string {
  const t = token.length > 40 ? `${token.slice(0, 40)}…` : token;
  return JSON.stringify(t);
}

/** The input as bytes (no copy for a `Uint8Array`). */
export function toBytes(fn: string, data: MeshData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data === "string") return new TextEncoder().encode(data);
  return opError(fn, "data", "a string, Uint8Array or ArrayBuffer", describe(data));
}

/** The input as text (UTF-8; invalid bytes become U+FFFD and then fail as bad tokens). */
export function toText(fn: string, data: MeshData): string {
  let text: string;
  if (typeof data === "string") text = data;
  else if (data instanceof Uint8Array || data instanceof ArrayBuffer) text = new TextDecoder("utf-8").decode(data);
  else return opError(fn, "data", "a string, Uint8Array or ArrayBuffer", describe(data));
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // byte-order mark
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}

/** Splits text into lines (LF, CRLF or CR). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

/** The whitespace-separated tokens of a line with any `#` comment removed (empty for blank lines). */
export function tokens(line: string): string[] {
  const hash = line.indexOf("#");
  const body = (hash >= 0 ? line.slice(0, hash) : line).trim();
  return body === "" ? [] : body.split(/\s+/);
}

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT = /^[+-]?\d+$/;

/** A finite decimal number, or null (hex, `nan`, `inf`, overflow to ±∞ and garbage are all rejected). */
export function parseFloatToken(t: string): number | null {
  if (!FLOAT.test(t)) return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : null;
}

/** A safe integer, or null. */
export function parseIntToken(t: string): number | null {
  if (!INT.test(t)) return null;
  const x = Number(t);
  return Number.isSafeInteger(x) ? x : null;
}

/** The limits of `opts` with defaults, checked. */
export function limits(fn: string, opts: MeshReadOptions): { maxVertices: number; maxFaces: number } {
  const maxVertices = opts.maxVertices ?? DEFAULT_MAX_VERTICES;
  const maxFaces = opts.maxFaces ?? DEFAULT_MAX_FACES;
  if (!Number.isInteger(maxVertices) || maxVertices < 0)
    opError(fn, "maxVertices", "a non-negative integer", String(maxVertices));
  if (!Number.isInteger(maxFaces) || maxFaces < 0) opError(fn, "maxFaces", "a non-negative integer", String(maxFaces));
  return { maxVertices: Math.min(maxVertices, 2 ** 31 - 1), maxFaces: Math.min(maxFaces, 2 ** 31 - 1) };
}

/**
 * Formats a float64 so that parsing it gives the same number back (JavaScript's shortest round-trip
 * form; −0 keeps its sign).
 */
export function fmt(x: number): string {
  return Object.is(x, -0) ? "-0" : String(x);
}
