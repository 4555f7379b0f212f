/** Shared helpers of the dataset parsers (browser-safe: they take bytes or text). */
import { ErlangenError } from "../../tensor/errors.js";

/** Bytes or already-decoded text of one file. */
export type FileContent = Uint8Array | string;

/** Error of a malformed dataset file; names the file and, where known, the line. */
export class DatasetFormatError extends ErlangenError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    detail: string,
  ) {
    super(`${file}${line === null ? "" : ` line ${line}`}: ${detail}`);
    this.name = "DatasetFormatError";
  }
}

/**
 * Limits on what a reader builds from numbers found in a file, so that a corrupt or hostile file gets a
 * clear {@link DatasetFormatError} instead of gigabytes of zeros or a raw `RangeError`.
 */
export const READER_LIMITS: Readonly<{ maxLabelRange: number; maxValues: number }> = Object.freeze({
  /** Widest one-hot encoding built from integer labels (largest minus smallest label, plus one). */
  maxLabelRange: 65_536,
  /** Most values in one array a reader allocates from sizes declared in a file (2^28: 1 GiB of float32). */
  maxValues: 2 ** 28,
});

/**
 * Throws a {@link DatasetFormatError} unless `count` (the values `what` needs, computed from numbers in
 * `file`) is a non-negative safe integer within {@link READER_LIMITS}`.maxValues`.
 */
export function checkValueCount(file: string, line: number | null, what: string, count: number): void {
  if (!Number.isSafeInteger(count) || count < 0 || count > READER_LIMITS.maxValues)
    throw new DatasetFormatError(
      file,
      line,
      `${what} needs ${Number.isFinite(count) ? count.toLocaleString("en-US") : count} values, above the limit of ${READER_LIMITS.maxValues.toLocaleString("en-US")} a reader allocates from a file's sizes`,
    );
}

const decoder = new TextDecoder("utf-8");

/** True for gzip data (magic bytes 1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** UTF-8 text of a file (throws on gzip bytes: decompress them first, e.g. with {@link gunzip}). */
export function asText(content: FileContent, file: string): string {
  if (typeof content === "string") return content;
  if (isGzip(content))
    throw new DatasetFormatError(
      file,
      null,
      "is gzip-compressed; decompress it first (gunzip() in browsers, zlib in Node)",
    );
  return decoder.decode(content);
}

/**
 * Decompresses gzip bytes with the platform's `DecompressionStream` (browsers, Node >= 18).
 * Node code may use `zlib.gunzipSync` instead.
 */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const DS = (globalThis as { DecompressionStream?: new (format: string) => TransformStream<Uint8Array, Uint8Array> })
    .DecompressionStream;
  if (DS === undefined) throw new ErlangenError("gunzip: DecompressionStream is not available on this platform");
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DS("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Copies little-endian bytes into a fresh typed array (aligned, owned). */
export function bytesTo<T extends Int32Array | Float32Array | Uint8Array>(
  ctor: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  bytes: Uint8Array,
  file: string,
  expectedLength?: number,
): T {
  const k = ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength % k !== 0)
    throw new DatasetFormatError(file, null, `size ${bytes.byteLength} bytes is not a multiple of ${k}`);
  const n = bytes.byteLength / k;
  if (expectedLength !== undefined && n !== expectedLength) {
    throw new DatasetFormatError(
      file,
      null,
      `expected ${expectedLength} values (${expectedLength * k} bytes), got ${n} (${bytes.byteLength} bytes)`,
    );
  }
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  return new ctor(buf);
}

/** Splits text into lines (handles `\r\n`; drops one trailing empty line). */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
