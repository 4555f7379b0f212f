/**
 * The safetensors format on bytes (browser-safe): an 8-byte little-endian header length N, N bytes
 * of JSON header `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {..} }`, then
 * the raw little-endian tensor data. Offsets are relative to the data section, which must be covered
 * exactly once (no overlaps, no holes), as the format requires.
 *
 * Written dtypes: F32, F64, I32 and BOOL (one byte per element). Read dtypes: those, plus
 * F16/BF16 (to float32) and I64/I16/I8/U8 (to int32; I64 values outside the int32 range are refused).
 */
import { allocate, type DType, type TypedArray } from "../tensor/dtype.js";
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";

/** Dtype codes this reader understands. */
export type SafetensorsDType = "F32" | "F64" | "I32" | "BOOL" | "U8" | "I8" | "I16" | "I64" | "F16" | "BF16";

/** One header entry. */
export interface SafetensorsEntry {
  dtype: SafetensorsDType;
  shape: number[];
  dataOffsets: [number, number];
}

/**
 * A decoded file: tensors by name (header order) and the string metadata. Both are null-prototype
 * objects, so any name a file holds (`__proto__`, `constructor`, ...) is an ordinary own key.
 */
export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const ITEM_SIZE: ReadonlyMap<string, number> = new Map<SafetensorsDType, number>([
  ["F32", 4],
  ["F64", 8],
  ["I32", 4],
  ["BOOL", 1],
  ["U8", 1],
  ["I8", 1],
  ["I16", 2],
  ["I64", 8],
  ["F16", 2],
  ["BF16", 2],
]);

function itemSize(dtype: SafetensorsDType): number {
  return ITEM_SIZE.get(dtype)!;
}

/** A null-prototype record: names read from a file are plain own keys, never `Object.prototype`'s. */
function nullRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
const CODE_OF: Record<DType, SafetensorsDType> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const MAX_HEADER = 100_000_000;

function err(op: string, msg: string): never {
  throw new ErlangenError(`${op}: ${msg}`);
}

/** The raw little-endian bytes of a tensor's storage. */
function bytesOf(t: Tensor): Uint8Array {
  const d = t.data;
  if (LITTLE_ENDIAN || t.dtype === "bool") return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out = new Uint8Array(d.byteLength);
  const v = new DataView(out.buffer);
  for (let i = 0; i < d.length; i++) {
    if (t.dtype === "float32") v.setFloat32(i * 4, d[i]!, true);
    else if (t.dtype === "float64") v.setFloat64(i * 8, d[i]!, true);
    else v.setInt32(i * 4, d[i]!, true);
  }
  return out;
}

/**
 * Encodes tensors (e.g. a module's `stateDict()`) as a safetensors file. `metadata` is stored as the
 * header's `__metadata__` (string values only). Tensors are laid out by element size (largest first,
 * then in the given order) so every tensor starts aligned to its element size.
 */
export function saveSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const op = "saveSafetensors";
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [k, t] of entries) {
    if (k === "" || k === "__metadata__") err(op, `tensor name '${k}' is reserved or empty`);
    if (!(t instanceof Tensor)) err(op, `entry '${k}' expected a Tensor, got ${typeof t}`);
  }
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") err(op, `metadata '${k}' expected a string value, got ${typeof v}`);
    }
  }
  const order = entries.map((e, i) => ({ e, i }));
  order.sort((a, b) => b.e[1].data.BYTES_PER_ELEMENT - a.e[1].data.BYTES_PER_ELEMENT || a.i - b.i);
  const header = nullRecord<unknown>();
  if (metadata !== undefined && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const { e } of order) {
    const [k, t] = e;
    const n = t.data.byteLength;
    header[k] = { dtype: CODE_OF[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + n] };
    offset += n;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let pos = 8 + padded;
  for (const { e } of order) {
    const b = bytesOf(e[1]);
    out.set(b, pos);
    pos += b.length;
  }
  return out;
}

function asBytes(op: string, bytes: Uint8Array | ArrayBuffer): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  return err(op, `argument 'bytes' expected a Uint8Array or ArrayBuffer, got ${Object.prototype.toString.call(bytes)}`);
}

/**
 * Parses and validates the header: the JSON, each entry's dtype, shape and offsets (inside the data
 * section, sized shape × dtype, covering it with neither overlaps nor holes). Returns the entries
 * in header order, the metadata and where the data section starts.
 */
export function readSafetensorsHeader(bytes: Uint8Array | ArrayBuffer): {
  entries: [string, SafetensorsEntry][];
  metadata: Record<string, string>;
  dataStart: number;
} {
  const op = "loadSafetensors";
  const b = asBytes(op, bytes);
  if (b.length < 8) err(op, `file too short: ${b.length} bytes, need at least 8 for the header length`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (n > MAX_HEADER) err(op, `header length ${n} exceeds the limit of ${MAX_HEADER} bytes`);
  if (8 + n > b.length)
    err(op, `header length ${n} exceeds the file (${b.length} bytes, ${b.length - 8} after the length field)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(8, 8 + n));
  } catch {
    return err(op, "header is not valid UTF-8");
  }
  if (!text.startsWith("{")) err(op, `header must be a JSON object starting with '{', got '${text.slice(0, 16)}'`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return err(op, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) err(op, "header must be a JSON object");
  const dataStart = 8 + n;
  const dataLen = b.length - dataStart;
  const metadata = nullRecord<string>();
  const entries: [string, SafetensorsEntry][] = [];
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k === "__metadata__") {
      if (typeof v !== "object" || v === null || Array.isArray(v))
        err(op, "'__metadata__' must be an object of strings");
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof mv !== "string") err(op, `'__metadata__' entry '${mk}' must be a string, got ${JSON.stringify(mv)}`);
        metadata[mk] = mv;
      }
      continue;
    }
    if (typeof v !== "object" || v === null || Array.isArray(v))
      err(op, `tensor '${k}': entry must be an object with dtype, shape, data_offsets`);
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e.dtype !== "string" || !ITEM_SIZE.has(e.dtype)) {
      err(
        op,
        `tensor '${k}': dtype expected one of ${[...ITEM_SIZE.keys()].join(", ")}, got ${JSON.stringify(e.dtype)}`,
      );
    }
    const dtype = e.dtype as SafetensorsDType;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      err(op, `tensor '${k}': shape expected a list of non-negative integers, got ${JSON.stringify(e.shape)}`);
    }
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0)) {
      err(op, `tensor '${k}': data_offsets expected [begin, end] non-negative integers, got ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) err(op, `tensor '${k}': data_offsets [${begin}, ${end}] end before begin`);
    if (end > dataLen)
      err(op, `tensor '${k}': data_offsets [${begin}, ${end}] out of range of the data section (${dataLen} bytes)`);
    let count = 1;
    for (const d of shape) count *= d;
    const need = count * itemSize(dtype);
    if (end - begin !== need) {
      err(
        op,
        `tensor '${k}': data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape ${fmtShape(shape)} of ${dtype} needs ${need}`,
      );
    }
    entries.push([k, { dtype, shape, dataOffsets: [begin, end] }]);
  }
  const sorted = [...entries].sort(
    (a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1],
  );
  let pos = 0;
  let prev: [string, SafetensorsEntry] | null = null;
  for (const cur of sorted) {
    const [k, { dataOffsets: o }] = cur;
    if (o[0] < pos && prev !== null) {
      err(
        op,
        `tensor '${k}': data_offsets [${o[0]}, ${o[1]}] overlap tensor '${prev[0]}' [${prev[1].dataOffsets[0]}, ${prev[1].dataOffsets[1]}]`,
      );
    }
    if (o[0] > pos)
      err(
        op,
        `tensor '${k}': data_offsets [${o[0]}, ${o[1]}] leave a hole: bytes [${pos}, ${o[0]}) of the data section belong to no tensor`,
      );
    pos = o[1];
    prev = cur;
  }
  if (pos !== dataLen)
    err(
      op,
      `data section has ${dataLen} bytes but the tensors cover only [0, ${pos}); bytes [${pos}, ${dataLen}) belong to no tensor`,
    );
  return { entries, metadata, dataStart };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f === 0 ? s * Number.POSITIVE_INFINITY : Number.NaN;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decodeEntry(op: string, name: string, e: SafetensorsEntry, b: Uint8Array): Tensor {
  const [begin, end] = e.dataOffsets;
  const src = b.subarray(begin, end);
  const count = (end - begin) / itemSize(e.dtype);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const copyLE = (dtype: DType): Tensor => {
    const arr = allocate(dtype, count);
    if (LITTLE_ENDIAN || dtype === "bool") new Uint8Array(arr.buffer).set(src);
    else {
      for (let i = 0; i < count; i++) {
        if (dtype === "float32") arr[i] = dv.getFloat32(i * 4, true);
        else if (dtype === "float64") arr[i] = dv.getFloat64(i * 8, true);
        else arr[i] = dv.getInt32(i * 4, true);
      }
    }
    return new Tensor(arr, e.shape, dtype);
  };
  const convert = (dtype: DType, read: (i: number) => number): Tensor => {
    const arr: TypedArray = allocate(dtype, count);
    for (let i = 0; i < count; i++) arr[i] = read(i);
    return new Tensor(arr, e.shape, dtype);
  };
  switch (e.dtype) {
    case "F32":
      return copyLE("float32");
    case "F64":
      return copyLE("float64");
    case "I32":
      return copyLE("int32");
    case "BOOL": {
      for (let i = 0; i < count; i++)
        if (src[i]! > 1) err(op, `tensor '${name}': BOOL element ${i} has byte value ${src[i]}, expected 0 or 1`);
      return copyLE("bool");
    }
    case "U8":
      return convert("int32", (i) => src[i]!);
    case "I8":
      return convert("int32", (i) => dv.getInt8(i));
    case "I16":
      return convert("int32", (i) => dv.getInt16(i * 2, true));
    case "I64":
      return convert("int32", (i) => {
        const v = dv.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n)
          err(op, `tensor '${name}': I64 element ${i} (${v}) does not fit in int32`);
        return Number(v);
      });
    case "F16":
      return convert("float32", (i) => halfToFloat(dv.getUint16(i * 2, true)));
    case "BF16": {
      const tmp = new DataView(new ArrayBuffer(4));
      return convert("float32", (i) => {
        tmp.setUint16(0, dv.getUint16(i * 2, true), false);
        return tmp.getFloat32(0, false);
      });
    }
  }
}

/** Decodes a safetensors file into tensors (copies; header order) and its metadata. */
export function decodeSafetensors(bytes: Uint8Array | ArrayBuffer): SafetensorsFile {
  const op = "loadSafetensors";
  const b = asBytes(op, bytes);
  const { entries, metadata, dataStart } = readSafetensorsHeader(b);
  const data = b.subarray(dataStart);
  const tensors = nullRecord<Tensor>();
  for (const [k, e] of entries) tensors[k] = decodeEntry(op, k, e, data);
  return { tensors, metadata };
}

/** Decodes a safetensors file into tensors by name (e.g. to pass to `module.loadStateDict`). */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer): Record<string, Tensor> {
  return decodeSafetensors(bytes).tensors;
}
