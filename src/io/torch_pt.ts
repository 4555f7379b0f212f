/**
 * A restricted reader of PyTorch's `torch.save` files (browser-safe, on bytes): the zip archive
 * (`<name>/data.pkl`, `<name>/data/<key>` storages, `<name>/version`) holding a pickled state dict.
 *
 * The pickle is interpreted, never executed: only the opcodes of plain data (dicts, lists, tuples,
 * strings, numbers, booleans, None, memo) are understood, and the only callables are
 * `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` / `_rebuild_parameter` and the typed
 * storage classes (`torch.FloatStorage`, ...) as persistent ids. Any other global, object construction
 * or opcode is refused with an error naming it and its byte offset. Archives must be stored without
 * compression (as `torch.save` writes them); ZIP64 archives (over 4 GiB) are refused.
 *
 * Tensors come out as Erlangen tensors (strided views copied into contiguous storage): float32,
 * float64 and int32 as they are, float16/bfloat16 as float32, int64/int16/int8/uint8 as int32 (int64
 * values outside int32 are refused), bool as bool. Nested dicts (e.g. `{"model": state_dict}`) give
 * dotted names; other values (epoch numbers, strings) are skipped.
 */
import { allocate, type DType } from "../tensor/dtype.js";
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";

const OP = "loadTorchFile";

function fail(msg: string): never {
  throw new ErlangenError(`${OP}: ${msg}`);
}

/** Most values a tensor may have (2^28 elements, 1 GiB of float32). */
const MAX_VALUES = 2 ** 28;
/** Most pickle stack entries, memo entries and container items. */
const MAX_ITEMS = 10_000_000;

// ---- zip ------------------------------------------------------------------------------------------

interface ZipEntry {
  name: string;
  start: number;
  size: number;
}

/** Entries of a stored (uncompressed) zip archive, validated against the byte range. */
export function readZipEntries(bytes: Uint8Array): Map<string, ZipEntry> {
  const n = bytes.length;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (n < 22) fail(`file too short for a zip archive (${n} bytes)`);
  if (!(bytes[0] === 0x50 && bytes[1] === 0x4b))
    fail(
      "not a zip archive (a torch.save file of PyTorch ≥ 1.6 starts with 'PK'; older pickle-only files are not read)",
    );
  // end of central directory: the last signature within the final 64 KiB + 22 bytes
  let eocd = -1;
  for (let p = n - 22; p >= Math.max(0, n - 22 - 65535); p--) {
    if (dv.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail("no end-of-central-directory record (truncated or not a zip archive)");
  const count = dv.getUint16(eocd + 10, true);
  const cdSize = dv.getUint32(eocd + 12, true);
  const cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
    fail("ZIP64 archives (files over 4 GiB or 65535 entries) are not supported");
  if (cdOffset + cdSize > eocd)
    fail(`central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${eocd}`);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder("utf-8");
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cdOffset + cdSize) fail(`central directory entry ${k} runs past the directory`);
    if (dv.getUint32(p, true) !== 0x02014b50) fail(`central directory entry ${k} at byte ${p} has a bad signature`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const csize = dv.getUint32(p + 20, true);
    const usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    const local = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen > n) fail(`central directory entry ${k}: name runs past the file`);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    if (flags & 1) fail(`entry '${name}' is encrypted`);
    if (csize === 0xffffffff || usize === 0xffffffff || local === 0xffffffff)
      fail(`entry '${name}' uses ZIP64 sizes (over 4 GiB); not supported`);
    if (method !== 0) fail(`entry '${name}' is compressed (method ${method}); torch.save stores entries uncompressed`);
    if (csize !== usize) fail(`entry '${name}': stored size ${csize} differs from its size ${usize}`);
    if (local + 30 > n || dv.getUint32(local, true) !== 0x04034b50)
      fail(`entry '${name}': local header at byte ${local} is missing or damaged`);
    const lName = dv.getUint16(local + 26, true);
    const lExtra = dv.getUint16(local + 28, true);
    const start = local + 30 + lName + lExtra;
    if (start + csize > n) fail(`entry '${name}': data [${start}, ${start + csize}) runs past the file (${n} bytes)`);
    if (entries.has(name)) fail(`entry '${name}' appears twice`);
    entries.set(name, { name, start, size: csize });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

// ---- pickle ---------------------------------------------------------------------------------------

/** Whitelisted globals. */
const GLOBALS = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
  "torch.FloatStorage",
  "torch.DoubleStorage",
  "torch.HalfStorage",
  "torch.BFloat16Storage",
  "torch.LongStorage",
  "torch.IntStorage",
  "torch.ShortStorage",
  "torch.CharStorage",
  "torch.ByteStorage",
  "torch.BoolStorage",
]);

/** Storage classes: item size and how elements become an Erlangen dtype. */
const STORAGE: Record<string, { size: number; dtype: DType; kind: string }> = {
  "torch.FloatStorage": { size: 4, dtype: "float32", kind: "f32" },
  "torch.DoubleStorage": { size: 8, dtype: "float64", kind: "f64" },
  "torch.HalfStorage": { size: 2, dtype: "float32", kind: "f16" },
  "torch.BFloat16Storage": { size: 2, dtype: "float32", kind: "bf16" },
  "torch.LongStorage": { size: 8, dtype: "int32", kind: "i64" },
  "torch.IntStorage": { size: 4, dtype: "int32", kind: "i32" },
  "torch.ShortStorage": { size: 2, dtype: "int32", kind: "i16" },
  "torch.CharStorage": { size: 1, dtype: "int32", kind: "i8" },
  "torch.ByteStorage": { size: 1, dtype: "int32", kind: "u8" },
  "torch.BoolStorage": { size: 1, dtype: "bool", kind: "bool" },
};

class Global {
  constructor(readonly name: string) {}
}
class Mark {}
const MARK = new Mark();
class PyDict {
  readonly map = new Map<string | number, Value>();
}
class PyList {
  constructor(readonly items: Value[]) {}
}
class Storage {
  constructor(
    readonly cls: string,
    readonly key: string,
    readonly numel: number,
  ) {}
}
type Value = null | boolean | number | string | Value[] | PyDict | PyList | Global | Storage | Tensor;

/** Reads element `i` of a storage's bytes as a number. */
function storageReader(cls: string, bytes: Uint8Array): (i: number) => number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = STORAGE[cls]!.kind;
  switch (kind) {
    case "f32":
      return (i) => dv.getFloat32(4 * i, true);
    case "f64":
      return (i) => dv.getFloat64(8 * i, true);
    case "f16":
      return (i) => {
        const h = dv.getUint16(2 * i, true);
        const s = h & 0x8000 ? -1 : 1;
        const e = (h >> 10) & 0x1f;
        const f = h & 0x3ff;
        if (e === 0) return s * 2 ** -14 * (f / 1024);
        if (e === 31) return f === 0 ? s * Number.POSITIVE_INFINITY : Number.NaN;
        return s * 2 ** (e - 15) * (1 + f / 1024);
      };
    case "bf16": {
      const tmp = new DataView(new ArrayBuffer(4));
      return (i) => {
        tmp.setUint16(0, dv.getUint16(2 * i, true), false);
        return tmp.getFloat32(0, false);
      };
    }
    case "i64":
      return (i) => {
        const v = dv.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) fail(`an int64 value (${v}) does not fit in int32`);
        return Number(v);
      };
    case "i32":
      return (i) => dv.getInt32(4 * i, true);
    case "i16":
      return (i) => dv.getInt16(2 * i, true);
    case "i8":
      return (i) => dv.getInt8(i);
    case "u8":
      return (i) => dv.getUint8(i);
    default:
      return (i) => {
        const b = dv.getUint8(i);
        if (b > 1) fail(`a bool storage holds byte value ${b}`);
        return b;
      };
  }
}

const isInt = (v: Value | undefined): v is number => typeof v === "number" && Number.isSafeInteger(v);
const intTuple = (v: Value | undefined, what: string): number[] => {
  if (!Array.isArray(v) || !v.every(isInt)) fail(`${what} expected a tuple of integers`);
  return v as number[];
};

/** Interprets a pickle (see the module docs); storages are resolved through `storageBytes`. */
function unpickle(data: Uint8Array, storageBytes: (key: string) => Uint8Array): Value {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder("utf-8");
  const stack: Value[] | Mark[] = [];
  const st = stack as (Value | Mark)[];
  const memo = new Map<number, Value>();
  let p = 0;
  const need = (k: number) => {
    if (p + k > data.length) fail(`data.pkl ends inside an opcode at byte ${p}`);
  };
  const pop = (): Value => {
    const v = st.pop();
    if (v === undefined) fail(`data.pkl pops an empty stack at byte ${p}`);
    if (v instanceof Mark) fail(`data.pkl pops a mark at byte ${p}`);
    return v;
  };
  const popMark = (): Value[] => {
    let k = st.length - 1;
    while (k >= 0 && !(st[k] instanceof Mark)) k--;
    if (k < 0) fail(`data.pkl has no mark for the opcode at byte ${p}`);
    const items = st.splice(k) as (Value | Mark)[];
    items.shift();
    return items as Value[];
  };
  const push = (v: Value | Mark) => {
    if (st.length >= MAX_ITEMS) fail("data.pkl's stack grows past the limit");
    st.push(v);
  };
  const str = (len: number) => {
    need(len);
    const s = decoder.decode(data.subarray(p, p + len));
    p += len;
    return s;
  };
  const line = () => {
    let e = p;
    while (e < data.length && data[e] !== 0x0a) e++;
    if (e >= data.length) fail(`data.pkl: unterminated text at byte ${p}`);
    const s = decoder.decode(data.subarray(p, e));
    p = e + 1;
    return s;
  };
  const memoize = (k: number, at: number) => {
    const top = st[st.length - 1];
    if (top === undefined || top instanceof Mark) fail(`data.pkl memoizes an empty stack or a mark at byte ${at}`);
    if (memo.size >= MAX_ITEMS && !memo.has(k)) fail("data.pkl's memo grows past the limit");
    memo.set(k, top);
  };
  const setItem = (d: Value, k: Value, v: Value) => {
    if (!(d instanceof PyDict)) fail(`data.pkl sets an item on a non-dict at byte ${p}`);
    if (typeof k !== "string" && !isInt(k))
      fail(`data.pkl uses a dict key that is not a string or integer at byte ${p}`);
    if (d.map.size >= MAX_ITEMS) fail("data.pkl: a dict grows past the limit");
    d.map.set(k, v);
  };
  const call = (fn: Value, args: Value, at: number): Value => {
    if (!(fn instanceof Global)) fail(`data.pkl calls something that is not an allowed function at byte ${at}`);
    if (!Array.isArray(args)) fail(`data.pkl calls ${fn.name} without an argument tuple at byte ${at}`);
    if (fn.name === "collections.OrderedDict") {
      if (args.length !== 0) fail(`data.pkl calls OrderedDict with arguments at byte ${at}`);
      return new PyDict();
    }
    if (fn.name === "torch._utils._rebuild_parameter") {
      const t = args[0];
      if (!(t instanceof Tensor)) fail(`_rebuild_parameter expected a tensor at byte ${at}`);
      return t;
    }
    if (fn.name === "torch._utils._rebuild_tensor_v2") return rebuildTensor(args, at);
    return fail(`data.pkl calls ${fn.name}, which is not an allowed function (byte ${at})`);
  };
  const rebuildTensor = (args: Value[], at: number): Tensor => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof Storage)) fail(`_rebuild_tensor_v2 expected a storage at byte ${at}`);
    if (!isInt(offset) || offset < 0) fail(`_rebuild_tensor_v2 expected a storage offset ≥ 0 at byte ${at}`);
    const shape = intTuple(size, `_rebuild_tensor_v2 size (byte ${at})`);
    const strides = intTuple(stride, `_rebuild_tensor_v2 stride (byte ${at})`);
    if (shape.length !== strides.length)
      fail(`tensor at byte ${at}: size ${fmtShape(shape)} and stride ${fmtShape(strides)} differ in length`);
    if (shape.length > 64) fail(`tensor at byte ${at} has ${shape.length} dimensions`);
    let count = 1;
    for (const d of shape) {
      if (d < 0) fail(`tensor at byte ${at} has a negative size ${fmtShape(shape)}`);
      count *= d;
    }
    if (count > MAX_VALUES) fail(`tensor at byte ${at} of shape ${fmtShape(shape)} exceeds ${MAX_VALUES} values`);
    const spec = STORAGE[storage.cls]!;
    const bytes = storageBytes(storage.key);
    const avail = Math.floor(bytes.length / spec.size);
    if (storage.numel > avail)
      fail(
        `storage '${storage.key}' declares ${storage.numel} elements but holds ${bytes.length} bytes (${avail} of ${storage.cls})`,
      );
    const out = allocate(spec.dtype, count);
    if (count > 0) {
      let last = offset;
      for (let d = 0; d < shape.length; d++) {
        if (strides[d]! < 0) fail(`tensor at byte ${at} has a negative stride ${fmtShape(strides)}`);
        last += (shape[d]! - 1) * strides[d]!;
      }
      if (last >= storage.numel)
        fail(
          `tensor at byte ${at} (offset ${offset}, size ${fmtShape(shape)}, stride ${fmtShape(strides)}) reads past its storage of ${storage.numel} elements`,
        );
      const read = storageReader(storage.cls, bytes);
      const idx = new Array<number>(shape.length).fill(0);
      for (let i = 0; i < count; i++) {
        let src = offset;
        for (let d = 0; d < shape.length; d++) src += idx[d]! * strides[d]!;
        out[i] = read(src);
        for (let d = shape.length - 1; d >= 0; d--) {
          if (++idx[d]! < shape[d]!) break;
          idx[d] = 0;
        }
      }
    }
    return new Tensor(out, shape, spec.dtype);
  };

  while (true) {
    need(1);
    const at = p;
    const op = data[p++]!;
    switch (op) {
      case 0x80: // PROTO
        need(1);
        if (data[p]! > 5) fail(`data.pkl uses pickle protocol ${data[p]}`);
        p++;
        break;
      case 0x95: // FRAME
        need(8);
        p += 8;
        break;
      case 0x2e: // STOP
        if (st.length !== 1) fail(`data.pkl stops with ${st.length} values on the stack`);
        return pop();
      case 0x28: // MARK
        push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        push(new PyList([]));
        break;
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4b: // BININT1
        need(1);
        push(data[p++]!);
        break;
      case 0x4d: // BININT2
        need(2);
        push(dv.getUint16(p, true));
        p += 2;
        break;
      case 0x4a: // BININT
        need(4);
        push(dv.getInt32(p, true));
        p += 4;
        break;
      case 0x8a: {
        // LONG1
        need(1);
        const k = data[p++]!;
        need(k);
        if (k > 8) fail(`data.pkl has an integer of ${k} bytes at byte ${at}`);
        let v = 0n;
        for (let b = k - 1; b >= 0; b--) v = (v << 8n) | BigInt(data[p + b]!);
        if (k > 0 && data[p + k - 1]! & 0x80) v -= 1n << BigInt(8 * k);
        p += k;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
          fail(`data.pkl has an integer beyond 2^53 at byte ${at}`);
        push(Number(v));
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        push(dv.getFloat64(p, false));
        p += 8;
        break;
      case 0x58: {
        // BINUNICODE
        need(4);
        const len = dv.getUint32(p, true);
        p += 4;
        push(str(len));
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        need(1);
        push(str(data[p++]!));
        break;
      }
      case 0x55: {
        // SHORT_BINSTRING
        need(1);
        push(str(data[p++]!));
        break;
      }
      case 0x54: {
        // BINSTRING
        need(4);
        const len = dv.getInt32(p, true);
        p += 4;
        if (len < 0) fail(`data.pkl has a string of negative length at byte ${at}`);
        push(str(len));
        break;
      }
      case 0x8d: {
        // BINUNICODE8
        need(8);
        const len = dv.getUint32(p, true) + dv.getUint32(p + 4, true) * 2 ** 32;
        p += 8;
        push(str(len));
        break;
      }
      case 0x71: // BINPUT
        need(1);
        memoize(data[p++]!, at);
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        memoize(dv.getUint32(p, true), at);
        p += 4;
        break;
      case 0x94: // MEMOIZE
        memoize(memo.size, at);
        break;
      case 0x68: {
        // BINGET
        need(1);
        const k = data[p++]!;
        if (!memo.has(k)) fail(`data.pkl reads memo ${k}, which was never stored (byte ${at})`);
        push(memo.get(k)!);
        break;
      }
      case 0x6a: {
        // LONG_BINGET
        need(4);
        const k = dv.getUint32(p, true);
        p += 4;
        if (!memo.has(k)) fail(`data.pkl reads memo ${k}, which was never stored (byte ${at})`);
        push(memo.get(k)!);
        break;
      }
      case 0x63: {
        // GLOBAL
        const mod = line();
        const name = line();
        const full = `${mod}.${name}`;
        if (!GLOBALS.has(full))
          fail(
            `data.pkl refers to ${full} (byte ${at}); only tensors and ordered dicts are read, no other Python objects`,
          );
        push(new Global(full));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const mod = pop();
        if (typeof name !== "string" || typeof mod !== "string")
          fail(`data.pkl: STACK_GLOBAL without names at byte ${at}`);
        const full = `${mod}.${name}`;
        if (!GLOBALS.has(full))
          fail(
            `data.pkl refers to ${full} (byte ${at}); only tensors and ordered dicts are read, no other Python objects`,
          );
        push(new Global(full));
        break;
      }
      case 0x74: // TUPLE
        push(popMark());
        break;
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push([a, b, c]);
        break;
      }
      case 0x6c: // LIST
        push(new PyList(popMark()));
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const l = st[st.length - 1];
        if (!(l instanceof PyList)) fail(`data.pkl appends to a non-list at byte ${at}`);
        l.items.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = st[st.length - 1];
        if (!(l instanceof PyList)) fail(`data.pkl appends to a non-list at byte ${at}`);
        if (l.items.length + items.length > MAX_ITEMS) fail("data.pkl: a list grows past the limit");
        l.items.push(...items);
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) fail(`data.pkl: DICT with an odd number of items at byte ${at}`);
        const d = new PyDict();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i]!, items[i + 1]!);
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItem(st[st.length - 1] as Value, k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) fail(`data.pkl: SETITEMS with an odd number of items at byte ${at}`);
        const d = st[st.length - 1] as Value;
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i]!, items[i + 1]!);
        break;
      }
      case 0x51: {
        // BINPERSID: ('storage', StorageClass, key, location, numel)
        const pid = pop();
        if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5)
          fail(`data.pkl has a persistent id that is not a storage at byte ${at}`);
        const cls = pid[1];
        if (!(cls instanceof Global) || STORAGE[cls.name] === undefined)
          fail(`data.pkl has a storage of an unknown type at byte ${at}`);
        const key = pid[2];
        const numel = pid[4];
        if (typeof key !== "string" || !isInt(numel) || numel < 0)
          fail(`data.pkl has a malformed storage id at byte ${at}`);
        push(new Storage(cls.name, key, numel));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(call(fn, args, at));
        break;
      }
      case 0x62: {
        // BUILD: only a dict's state (OrderedDict._metadata), which is dropped
        const state = pop();
        const target = st[st.length - 1];
        if (!(target instanceof PyDict) || !(state instanceof PyDict || state === null || Array.isArray(state)))
          fail(`data.pkl builds an object (byte ${at}); only ordered dicts' metadata is accepted`);
        break;
      }
      default:
        fail(
          `data.pkl uses pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at}, which this reader does not run (only tensors and ordered dicts are read)`,
        );
    }
  }
}

/** A decoded `torch.save` file: tensors by (dotted) name, in file order. */
export interface TorchFile {
  tensors: Record<string, Tensor>;
  /** The archive's top folder (torch uses the file's stem). */
  archive: string;
}

/**
 * Reads a `torch.save` archive of a state dict (see the module docs). Names are the dict's keys
 * (nested dicts joined with '.'); the result is a null-prototype record.
 */
export function loadTorchFile(bytes: Uint8Array | ArrayBuffer): TorchFile {
  const b =
    bytes instanceof Uint8Array
      ? bytes
      : bytes instanceof ArrayBuffer
        ? new Uint8Array(bytes)
        : fail("argument 'bytes' expected a Uint8Array or ArrayBuffer");
  const entries = readZipEntries(b);
  const pkls = [...entries.keys()].filter((k) => /^[^/]+\/data\.pkl$/.test(k) || k === "data.pkl");
  if (pkls.length !== 1) fail(`expected one <archive>/data.pkl, found ${pkls.length}`);
  const pkl = entries.get(pkls[0]!)!;
  const archive = pkls[0]!.includes("/") ? pkls[0]!.slice(0, pkls[0]!.indexOf("/")) : "";
  const prefix = archive === "" ? "" : `${archive}/`;
  const storageBytes = (key: string): Uint8Array => {
    const e = entries.get(`${prefix}data/${key}`);
    if (e === undefined) fail(`storage '${key}' has no file ${prefix}data/${key} in the archive`);
    return b.subarray(e.start, e.start + e.size);
  };
  const root = unpickle(b.subarray(pkl.start, pkl.start + pkl.size), storageBytes);
  if (!(root instanceof PyDict)) fail("data.pkl does not hold a dict (a state dict or a checkpoint dict)");
  const tensors = Object.create(null) as Record<string, Tensor>;
  const walk = (d: PyDict, pre: string, depth: number) => {
    if (depth > 16) fail("dicts nested more than 16 deep");
    for (const [k, v] of d.map) {
      const name = `${pre}${k}`;
      if (v instanceof Tensor) {
        if (Object.hasOwn(tensors, name)) fail(`tensor name '${name}' appears twice`);
        tensors[name] = v;
      } else if (v instanceof PyDict) walk(v, `${name}.`, depth + 1);
    }
  };
  walk(root, "", 0);
  return { tensors, archive };
}
