/** Capped gzip decompression for the Node dataset loaders. */
import { gunzipSync } from "node:zlib";
import { READER_LIMITS } from "../data/datasets/common.js";
import { ErlangenError } from "../tensor/errors.js";

/** Most bytes a loader decompresses from one gzip file (1 GiB): a small "gzip bomb" gets a clear error. */
export const MAX_GUNZIP_BYTES = READER_LIMITS.maxValues * 4;

/**
 * Decompresses the gzip `bytes` of the file at `path`, refusing output larger than `maxBytes`
 * (default {@link MAX_GUNZIP_BYTES}) or corrupt data with an {@link ErlangenError} naming the file.
 */
export function gunzipFile(bytes: Uint8Array, path: string, what: string, maxBytes = MAX_GUNZIP_BYTES): Uint8Array {
  try {
    const u = gunzipSync(bytes, { maxOutputLength: maxBytes });
    return new Uint8Array(u.buffer, u.byteOffset, u.byteLength);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError)
      throw new ErlangenError(`${what}: ${path}: decompresses to more than ${maxBytes} bytes, the limit for one file`);
    throw new ErlangenError(`${what}: ${path}: corrupt gzip data (${(e as Error).message})`);
  }
}
