/**
 * Seeded file fuzzing for the readers' tests.
 *
 * `mutate(input, seed)` turns a valid input (bytes, text, or a record of named files) into a mutated
 * variant: bit flips, bytes set to interesting values, truncation, insertions and deletions, duplicated
 * or swapped chunks and lines, numbers in text replaced by huge / negative / NaN / fractional values,
 * quoted names replaced by `__proto__`-like keys, and declared header fields set to extremes. The same
 * seed always gives the same variant (the library's {@link Generator} drives every choice).
 *
 * `fuzzReader(name, seeds, read, options)` runs a reader over `count` variants (times `ERLANGEN_FUZZ`,
 * default 1) and classifies each: **accepted** (returned), **clean** (threw an {@link ErlangenError}),
 * or **unclean** (threw anything else, e.g. a raw `RangeError` / `TypeError`; took longer than
 * `timeLimitMs`; asked for one typed array or ArrayBuffer over `allocLimitBytes`, which the guard
 * refuses before any memory is taken; or grew the heap plus array buffers by more than that). The report holds
 * the totals and the first few unclean cases with their seeds; `replayCase(seeds, c, options)` rebuilds
 * the exact input of a case.
 *
 * A reader that truly never returns cannot be interrupted in-process: the test's own timeout catches it.
 * Allocations other than typed arrays (plain arrays, strings) are only seen through the growth
 * measure; run big campaigns under `node --max-old-space-size=...` so that one fails loudly.
 */
import { ErlangenError } from "../../src/tensor/errors.js";
import { Generator } from "../../src/tensor/rng.js";

/** One file: raw bytes or decoded text. */
export type FuzzFile = Uint8Array | string;
/** A reader's input: one file, or several files by name (e.g. the files of a TU dataset). */
export type FuzzInput = FuzzFile | Readonly<Record<string, FuzzFile>>;

/** A fixed-width integer field of a binary header, for "set to an extreme value" mutations. */
export interface HeaderField {
  /** Byte offset in the file. */
  offset: number;
  /** Width in bytes. */
  bytes: 1 | 2 | 4 | 8;
  /** Byte order (default little-endian). */
  littleEndian?: boolean;
  /** For multi-file inputs: the file (record key) the field belongs to; default every binary file. */
  file?: string;
  /** A label for the mutation log (default `@offset`). */
  name?: string;
}

/** Options of {@link mutate}. */
export interface MutateOptions {
  /** Most mutations stacked on one variant (default 3; the number is drawn from 1..maxSteps, biased low). */
  maxSteps?: number;
  /** Header fields of binary files to set to extremes. */
  fields?: readonly HeaderField[];
  /** For multi-file inputs: files that may be dropped entirely (default none). */
  droppable?: readonly string[];
}

/** A mutated input and the log of what was done to it. */
export interface Mutated<T extends FuzzInput = FuzzInput> {
  input: T;
  ops: string[];
}

/** Options of {@link fuzzReader}. */
export interface FuzzOptions extends MutateOptions {
  /** Mutated inputs to run, before the `ERLANGEN_FUZZ` multiplier (default 1000). */
  count?: number;
  /** An input taking longer than this is unclean (default 2000 ms). */
  timeLimitMs?: number;
  /**
   * Allocation cap (default 256 MiB): one typed array or ArrayBuffer requested above it is refused and
   * the input is unclean (see {@link guardAllocations}), and so is heap + array-buffer growth above it.
   */
  allocLimitBytes?: number;
  /** Campaign seed: variant `i` uses the `i`-th draw of `new Generator(seed)` (default 0). */
  seed?: number;
  /** Unclean cases kept in the report (default 5). */
  keep?: number;
  /** Also run each seed unmutated (default true; those are counted in the totals). */
  includeSeeds?: boolean;
}

/** Why an input is unclean. */
export type UncleanKind = "error" | "slow" | "alloc" | "async";

/** An unclean input, with what is needed to replay it. */
export interface FuzzCase {
  /** Index of the input in the campaign (0-based; seeds run first when `includeSeeds`). */
  index: number;
  /** Which seed it was mutated from. */
  seedIndex: number;
  /** The variant seed: `mutate(seeds[seedIndex], variantSeed, options)` rebuilds it (null: the seed itself). */
  variantSeed: number | null;
  /** The mutations applied. */
  ops: string[];
  kind: UncleanKind;
  /** The error's `name: message` (or what was slow / large). */
  message: string;
  ms: number;
  allocBytes: number;
}

/** Totals of a campaign. */
export interface FuzzReport {
  name: string;
  inputs: number;
  accepted: number;
  cleanErrors: number;
  unclean: number;
  /** The first `keep` unclean cases. */
  uncleanCases: FuzzCase[];
  /** Slowest input (ms) and largest heap + buffer growth (bytes) seen. */
  maxMs: number;
  maxAllocBytes: number;
  totalMs: number;
}

/** The `ERLANGEN_FUZZ` multiplier (a positive number; default 1). */
export function fuzzScale(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const raw = env?.ERLANGEN_FUZZ;
  if (raw === undefined || raw === "") return 1;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`ERLANGEN_FUZZ: expected a positive number, got '${raw}'`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Interesting values

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x20, 0x2c, 0x0a, 0x0d, 0x22, 0x2d, 0x30, 0x39];
const INTERESTING_INTS = [
  0, 1, -1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
  -0x80000000, 1000000, 100000000,
];
const INTERESTING_NUMBERS = [
  "0",
  "-0",
  "1",
  "-1",
  "2",
  "-2",
  "100000",
  "1000000",
  "100000000",
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "4294967295",
  "4294967296",
  "9007199254740991",
  "9007199254740993",
  "18446744073709551616",
  "999999999999999999999999",
  "1e308",
  "1e309",
  "-1e309",
  "1e-320",
  "3.5e38",
  "NaN",
  "nan",
  "Infinity",
  "-Infinity",
  "inf",
  "0.5",
  "1.5",
  "-0.5",
  "0x10",
  "1e1",
  "1_000",
  "+1",
  "",
  " ",
  "--1",
  "1..2",
  "null",
  "true",
  '"1"',
  "[]",
  "{}",
];
const INTERESTING_NAMES = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "", "__metadata__"];
const INTERESTING_CHARS = [
  ",",
  " ",
  "\t",
  "\r",
  "\n",
  "\r\n",
  "-",
  ".",
  "e",
  "0",
  "9",
  "\u0000",
  "\uFEFF",
  "é",
  "😀",
  "\uD800",
  "{",
  "}",
  "[",
  "]",
  '"',
  ":",
  "\\",
  "#",
];
/** Extreme values for an unsigned field of `bytes` bytes (as bigint, written modulo 2^(8·bytes)). */
function fieldExtremes(bytes: number, old: bigint): bigint[] {
  const bits = BigInt(8 * bytes);
  const max = (1n << bits) - 1n;
  const half = 1n << (bits - 1n);
  const out = [0n, 1n, 2n, max, max - 1n, half, half - 1n, old + 1n, old - 1n, old * 2n, old * 1000n, old >> 1n];
  if (bytes >= 4) out.push(0x7fffffffn, 0x80000000n, 0xffffffffn, 1000000n, 100000000n);
  if (bytes === 8) out.push(1n << 32n, (1n << 53n) + 1n, 1n << 53n);
  return out.map((v) => ((v % (max + 1n)) + (max + 1n)) % (max + 1n));
}

// ---------------------------------------------------------------------------------------------
// Helpers

function pick<T>(rng: Generator, a: readonly T[]): T {
  return a[rng.randint(0, a.length)]!;
}

/** A position in [0, n], biased towards both ends (headers and tails are where sizes live). */
function position(rng: Generator, n: number): number {
  const r = rng.random();
  if (n === 0) return 0;
  if (r < 0.25) return Math.min(n, rng.randint(0, Math.min(n, 64) + 1));
  if (r < 0.35) return Math.max(0, n - rng.randint(0, Math.min(n, 64) + 1));
  return rng.randint(0, n + 1);
}

/** A chunk length, mostly small. */
function chunkLength(rng: Generator, max: number): number {
  if (max <= 0) return 0;
  const r = rng.random();
  const cap = r < 0.6 ? 8 : r < 0.9 ? 256 : max;
  return 1 + rng.randint(0, Math.min(cap, max));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const NUMBER_RE = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;
const QUOTED_RE = /"(?:[^"\\\n]|\\.)*"/g;

/** The next match of `re` at or after a random position (wrapping around), or null. */
function matchNear(rng: Generator, text: string, re: RegExp): { start: number; end: number; text: string } | null {
  const from = position(rng, text.length);
  for (const start of [from, 0]) {
    re.lastIndex = start;
    const m = re.exec(text);
    if (m !== null && m[0].length > 0) return { start: m.index, end: m.index + m[0].length, text: m[0] };
  }
  return null;
}

/** Bounds [start, end) of the line containing position `p` (end excludes the newline). */
function lineAt(text: string, p: number): [number, number] {
  const start = text.lastIndexOf("\n", p - 1) + 1;
  let end = text.indexOf("\n", p);
  if (end < 0) end = text.length;
  return [start, end];
}

function numberReplacement(rng: Generator, old: string): string {
  const r = rng.random();
  if (r < 0.6) return pick(rng, INTERESTING_NUMBERS);
  const v = Number(old);
  if (!Number.isFinite(v)) return pick(rng, INTERESTING_NUMBERS);
  if (r < 0.7) return String(v + 1);
  if (r < 0.8) return String(v - 1);
  if (r < 0.87) return String(-v);
  if (r < 0.94) return String(v * 1000);
  return String(v + 0.5);
}

// ---------------------------------------------------------------------------------------------
// Text mutations

/** Applies one random mutation to `text`; returns the new text and a log line. */
export function mutateText(text: string, rng: Generator): { text: string; op: string } {
  const n = text.length;
  const kind = rng.randint(0, 16);
  switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3: {
      const m = matchNear(rng, text, NUMBER_RE);
      if (m === null) break;
      const rep = numberReplacement(rng, m.text);
      return {
        text: text.slice(0, m.start) + rep + text.slice(m.end),
        op: `number@${m.start} '${m.text}'→'${rep}'`,
      };
    }
    case 4: {
      const [a, b] = lineAt(text, position(rng, n));
      const cut = Math.min(b + 1, n);
      return { text: text.slice(0, a) + text.slice(cut), op: `delete line@${a}` };
    }
    case 5: {
      const [a, b] = lineAt(text, position(rng, n));
      const line = text.slice(a, b);
      const times = rng.random() < 0.9 ? 1 : rng.randint(2, 64);
      return {
        text: text.slice(0, b) + `\n${line}`.repeat(times) + text.slice(b),
        op: `duplicate line@${a} x${times}`,
      };
    }
    case 6: {
      const [a1, b1] = lineAt(text, position(rng, n));
      const [a2, b2] = lineAt(text, position(rng, n));
      if (a1 === a2) break;
      const [s1, e1, s2, e2] = a1 < a2 ? [a1, b1, a2, b2] : [a2, b2, a1, b1];
      if (s2 <= e1) break;
      return {
        text: text.slice(0, s1) + text.slice(s2, e2) + text.slice(e1, s2) + text.slice(s1, e1) + text.slice(e2),
        op: `swap lines@${s1},${s2}`,
      };
    }
    case 7: {
      const [a] = lineAt(text, position(rng, n));
      const choices = ["", " ", ",", "1", "1,1", "-1", "0,0", "a,b", "1,2,3", "NaN", "99999999", "#comment", "\t1\t"];
      const line = pick(rng, choices);
      return { text: `${text.slice(0, a)}${line}\n${text.slice(a)}`, op: `insert line@${a} '${line}'` };
    }
    case 8: {
      const p = position(rng, n);
      return { text: text.slice(0, p), op: `truncate@${p}` };
    }
    case 9: {
      const p = position(rng, n);
      const c = pick(rng, INTERESTING_CHARS);
      return { text: text.slice(0, p) + c + text.slice(p), op: `insert char@${p} ${JSON.stringify(c)}` };
    }
    case 10: {
      const p = position(rng, n);
      const len = chunkLength(rng, n - p);
      return { text: text.slice(0, p) + text.slice(p + len), op: `delete chars@${p}+${len}` };
    }
    case 11: {
      if (n === 0) break;
      const p = rng.randint(0, n);
      const c = pick(rng, INTERESTING_CHARS);
      return { text: text.slice(0, p) + c + text.slice(p + 1), op: `replace char@${p} ${JSON.stringify(c)}` };
    }
    case 12: {
      const p = position(rng, n);
      const len = chunkLength(rng, n - p);
      const at = position(rng, n);
      const chunk = text.slice(p, p + len);
      return { text: text.slice(0, at) + chunk + text.slice(at), op: `duplicate chunk@${p}+${len}→${at}` };
    }
    case 13: {
      const m = matchNear(rng, text, QUOTED_RE);
      if (m === null) break;
      const name = pick(rng, INTERESTING_NAMES);
      return {
        text: `${text.slice(0, m.start)}"${name}"${text.slice(m.end)}`,
        op: `name@${m.start} ${m.text.slice(0, 24)}→"${name}"`,
      };
    }
    case 14: {
      // every separator of one kind replaced (comma ↔ space, newline → CRLF)
      const [from, to] = pick(rng, [
        [",", " "],
        [",", ", "],
        ["\n", "\r\n"],
        [",", ";"],
        [" ", ""],
      ] as const);
      return { text: text.split(from).join(to), op: `separators ${JSON.stringify(from)}→${JSON.stringify(to)}` };
    }
    default: {
      const m = matchNear(rng, text, NUMBER_RE);
      if (m === null) break;
      // same-length replacement: keeps offsets and lengths of the rest intact
      const digits = Array.from(m.text, (ch) => (ch >= "0" && ch <= "9" ? String(rng.randint(0, 10)) : ch)).join("");
      return {
        text: text.slice(0, m.start) + digits + text.slice(m.end),
        op: `digits@${m.start} '${m.text}'→'${digits}'`,
      };
    }
  }
  // fallback when the chosen mutation did not apply: append garbage
  const g = pick(rng, INTERESTING_NUMBERS);
  return { text: `${text}${g}`, op: `append '${g}'` };
}

// ---------------------------------------------------------------------------------------------
// Byte mutations

function readField(b: Uint8Array, f: HeaderField): bigint {
  let v = 0n;
  for (let i = 0; i < f.bytes; i++) {
    const byte = BigInt(b[f.offset + (f.littleEndian === false ? i : f.bytes - 1 - i)] ?? 0);
    v = (v << 8n) | byte;
  }
  return v;
}

function writeField(b: Uint8Array, f: HeaderField, v: bigint): void {
  for (let i = 0; i < f.bytes; i++) {
    const pos = f.offset + (f.littleEndian === false ? f.bytes - 1 - i : i);
    if (pos < b.length) b[pos] = Number((v >> BigInt(8 * i)) & 0xffn);
  }
}

/** Applies one random mutation to `bytes` (never in place); returns the new bytes and a log line. */
export function mutateBytes(
  bytes: Uint8Array,
  rng: Generator,
  fields: readonly HeaderField[] = [],
): { bytes: Uint8Array; op: string } {
  const n = bytes.length;
  const kind = rng.randint(0, fields.length > 0 ? 14 : 12);
  switch (kind) {
    case 0: {
      if (n === 0) break;
      const out = bytes.slice();
      const flips = rng.random() < 0.7 ? 1 : rng.randint(2, 9);
      const at: number[] = [];
      for (let k = 0; k < flips; k++) {
        const p = position(rng, n - 1);
        out[p]! ^= 1 << rng.randint(0, 8);
        at.push(p);
      }
      return { bytes: out, op: `bitflip@${at.join(",")}` };
    }
    case 1: {
      if (n === 0) break;
      const out = bytes.slice();
      const p = position(rng, n - 1);
      const v = rng.random() < 0.7 ? pick(rng, INTERESTING_BYTES) : rng.randint(0, 256);
      out[p] = v;
      return { bytes: out, op: `byte@${p}=0x${v.toString(16)}` };
    }
    case 2: {
      if (n < 4) break;
      const out = bytes.slice();
      const p = position(rng, n - 4);
      const v = pick(rng, INTERESTING_INTS);
      const le = rng.random() < 0.5;
      new DataView(out.buffer).setUint32(p, v >>> 0, le);
      return { bytes: out, op: `u32@${p}=${v}${le ? "le" : "be"}` };
    }
    case 3: {
      const p = position(rng, n);
      return { bytes: bytes.slice(0, p), op: `truncate@${p}` };
    }
    case 4: {
      const p = position(rng, n);
      const len = chunkLength(rng, 64);
      const ins = new Uint8Array(len);
      const same = rng.random() < 0.5;
      const v = pick(rng, INTERESTING_BYTES);
      for (let i = 0; i < len; i++) ins[i] = same ? v : rng.randint(0, 256);
      return { bytes: concat(bytes.subarray(0, p), ins, bytes.subarray(p)), op: `insert@${p}+${len}` };
    }
    case 5: {
      const p = position(rng, n);
      const len = chunkLength(rng, n - p);
      return { bytes: concat(bytes.subarray(0, p), bytes.subarray(p + len)), op: `delete@${p}+${len}` };
    }
    case 6: {
      const p = position(rng, n);
      const len = chunkLength(rng, n - p);
      const at = position(rng, n);
      return {
        bytes: concat(bytes.subarray(0, at), bytes.subarray(p, p + len), bytes.subarray(at)),
        op: `duplicate@${p}+${len}→${at}`,
      };
    }
    case 7: {
      const len = chunkLength(rng, Math.floor(n / 2));
      if (len === 0) break;
      const a = rng.randint(0, n - 2 * len + 1);
      const b = rng.randint(a + len, n - len + 1);
      const out = bytes.slice();
      out.set(bytes.subarray(b, b + len), a);
      out.set(bytes.subarray(a, a + len), b);
      return { bytes: out, op: `swap@${a},${b}+${len}` };
    }
    case 8:
    case 9: {
      // a run of ASCII digits (e.g. inside a JSON header) replaced by an interesting number
      const p = position(rng, n);
      let s = -1;
      for (let i = 0; i < n; i++) {
        const c = bytes[(p + i) % n]!;
        if (c >= 0x30 && c <= 0x39) {
          s = (p + i) % n;
          break;
        }
      }
      if (s < 0) break;
      while (s > 0 && bytes[s - 1]! >= 0x30 && bytes[s - 1]! <= 0x39) s--;
      let e = s;
      while (e < n && bytes[e]! >= 0x30 && bytes[e]! <= 0x39) e++;
      const old = String.fromCharCode(...bytes.subarray(s, e));
      const rep = kind === 8 ? numberReplacement(rng, old) : Array.from(old, () => String(rng.randint(0, 10))).join(""); // same length
      return {
        bytes: concat(bytes.subarray(0, s), new TextEncoder().encode(rep), bytes.subarray(e)),
        op: `ascii-number@${s} '${old}'→'${rep}'`,
      };
    }
    case 10: {
      // a quoted ASCII name replaced by a prototype-polluting one, padded to keep the length
      const text = String.fromCharCode(...bytes.subarray(0, Math.min(n, 65536)));
      const m = matchNear(rng, text, QUOTED_RE);
      if (m === null) break;
      const name = pick(rng, INTERESTING_NAMES);
      let rep = `"${name}"`;
      if (rep.length < m.text.length) rep = rep + " ".repeat(m.text.length - rep.length);
      return {
        bytes: concat(bytes.subarray(0, m.start), new TextEncoder().encode(rep), bytes.subarray(m.end)),
        op: `name@${m.start} ${m.text.slice(0, 24)}→"${name}"`,
      };
    }
    case 11: {
      const len = chunkLength(rng, 64);
      const tail = new Uint8Array(len);
      for (let i = 0; i < len; i++) tail[i] = rng.randint(0, 256);
      return { bytes: concat(bytes, tail), op: `append+${len}` };
    }
    default: {
      const f = pick(rng, fields);
      const out = bytes.slice();
      const old = readField(out, f);
      const v = pick(rng, fieldExtremes(f.bytes, old));
      writeField(out, f, v);
      return { bytes: out, op: `field ${f.name ?? `@${f.offset}`}: ${old}→${v}` };
    }
  }
  const v = pick(rng, INTERESTING_BYTES);
  return { bytes: concat(bytes, Uint8Array.of(v)), op: `append 0x${v.toString(16)}` };
}

// ---------------------------------------------------------------------------------------------
// Inputs

function mutateFile(file: FuzzFile, rng: Generator, fields: readonly HeaderField[]): { file: FuzzFile; op: string } {
  if (typeof file === "string") {
    const r = mutateText(file, rng);
    return { file: r.text, op: r.op };
  }
  const r = mutateBytes(file, rng, fields);
  return { file: r.bytes, op: r.op };
}

/**
 * A mutated variant of `input`, fully determined by `seed`. For a record of files, each step mutates
 * one file (drawn at random) and may drop a file listed in `droppable`.
 */
export function mutate<T extends FuzzInput>(input: T, seed: number, options: MutateOptions = {}): Mutated<T> {
  const rng = new Generator(seed);
  const maxSteps = Math.max(1, options.maxSteps ?? 3);
  // 1 step most often, fewer the more steps (geometric, capped)
  let steps = 1;
  while (steps < maxSteps && rng.random() < 0.4) steps++;
  const fields = options.fields ?? [];
  const ops: string[] = [];
  if (typeof input === "string" || input instanceof Uint8Array) {
    let cur: FuzzFile = input;
    for (let s = 0; s < steps; s++) {
      const r = mutateFile(cur, rng, fields);
      cur = r.file;
      ops.push(r.op);
    }
    return { input: cur as T, ops };
  }
  const files: Record<string, FuzzFile> = Object.assign(Object.create(null) as Record<string, FuzzFile>, input);
  for (let s = 0; s < steps; s++) {
    const names = Object.keys(files);
    if (names.length === 0) break;
    const droppable = (options.droppable ?? []).filter((k) => k in files);
    if (droppable.length > 0 && rng.random() < 0.03) {
      const k = pick(rng, droppable);
      delete files[k];
      ops.push(`drop ${k}`);
      continue;
    }
    const k = pick(rng, names);
    const r = mutateFile(
      files[k]!,
      rng,
      fields.filter((f) => f.file === undefined || f.file === k),
    );
    files[k] = r.file;
    ops.push(`${k}: ${r.op}`);
  }
  return { input: { ...files } as T, ops };
}

/** Rebuilds the input of an unclean case (same `options` as the campaign). */
export function replayCase<T extends FuzzInput>(seeds: readonly T[], c: FuzzCase, options: MutateOptions = {}): T {
  const s = seeds[c.seedIndex];
  if (s === undefined) throw new Error(`replayCase: no seed ${c.seedIndex}`);
  return c.variantSeed === null ? s : mutate(s, c.variantSeed, options).input;
}

// ---------------------------------------------------------------------------------------------
// Allocation guard

const GUARDED: readonly [string, number][] = [
  ["ArrayBuffer", 1],
  ["Int8Array", 1],
  ["Uint8Array", 1],
  ["Uint8ClampedArray", 1],
  ["Int16Array", 2],
  ["Uint16Array", 2],
  ["Int32Array", 4],
  ["Uint32Array", 4],
  ["Float32Array", 4],
  ["Float64Array", 8],
  ["BigInt64Array", 8],
  ["BigUint64Array", 8],
];

/** Thrown by the allocation guard in place of an over-cap typed array or ArrayBuffer. */
export class AllocationCapExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AllocationCapExceeded";
  }
}

/**
 * Replaces the global typed-array and ArrayBuffer constructors by proxies that refuse a length over
 * `limitBytes` (throwing {@link AllocationCapExceeded}, so the memory is never requested) and record
 * that they did. Instances, `instanceof` and static methods behave as before. Call `restore()` after.
 */
export function guardAllocations(limitBytes: number): { restore: () => void; tripped: () => string | null } {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved: [string, unknown][] = [];
  let trip: string | null = null;
  for (const [name, per] of GUARDED) {
    const C = g[name] as (new (...args: unknown[]) => object) | undefined;
    if (C === undefined) continue;
    saved.push([name, C]);
    const proxy: unknown = new Proxy(C, {
      construct(target, args, newTarget) {
        const a = args[0];
        if (typeof a === "number" && a * per > limitBytes) {
          const msg = `new ${name}(${a}) requests ${a * per} bytes, over the cap of ${limitBytes}`;
          trip ??= msg;
          throw new AllocationCapExceeded(msg);
        }
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
    });
    g[name] = proxy;
  }
  return {
    restore: () => {
      for (const [name, C] of saved) g[name] = C;
    },
    tripped: () => {
      const t = trip;
      trip = null;
      return t;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Driver

function memory(): number {
  const p = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number; arrayBuffers: number } } }).process;
  if (p?.memoryUsage === undefined) return 0;
  const m = p.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Runs `read` over the seeds (unmutated, unless `includeSeeds: false`) and `count × ERLANGEN_FUZZ`
 * mutated variants of them (round-robin over the seeds) and classifies every input. `read` must be
 * synchronous; a returned promise counts as unclean.
 */
export function fuzzReader<T extends FuzzInput>(
  name: string,
  seeds: readonly T[],
  read: (input: T) => unknown,
  options: FuzzOptions = {},
): FuzzReport {
  if (seeds.length === 0) throw new Error(`fuzzReader(${name}): no seeds`);
  const count = Math.round((options.count ?? 1000) * fuzzScale());
  const timeLimit = options.timeLimitMs ?? 2000;
  const allocLimit = options.allocLimitBytes ?? 256 * 2 ** 20;
  const keep = options.keep ?? 5;
  const master = new Generator(options.seed ?? 0);
  const report: FuzzReport = {
    name,
    inputs: 0,
    accepted: 0,
    cleanErrors: 0,
    unclean: 0,
    uncleanCases: [],
    maxMs: 0,
    maxAllocBytes: 0,
    totalMs: 0,
  };
  const jobs: { seedIndex: number; variantSeed: number | null }[] = [];
  if (options.includeSeeds ?? true)
    for (let s = 0; s < seeds.length; s++) jobs.push({ seedIndex: s, variantSeed: null });
  const t0 = performance.now();
  const total = jobs.length + count;
  const guard = guardAllocations(allocLimit);
  try {
    for (let i = 0; i < total; i++) {
      const job =
        i < jobs.length ? jobs[i]! : { seedIndex: (i - jobs.length) % seeds.length, variantSeed: master.nextUint32() };
      const seed = seeds[job.seedIndex]!;
      const m: Mutated<T> =
        job.variantSeed === null ? { input: seed, ops: [] } : mutate(seed, job.variantSeed, options);
      const mem0 = memory();
      const start = performance.now();
      let kind: UncleanKind | null = null;
      let message = "";
      let accepted = false;
      let result: unknown;
      try {
        result = read(m.input);
        if (typeof (result as { then?: unknown } | null)?.then === "function") {
          kind = "async";
          message = "read returned a promise; fuzzReader needs a synchronous reader";
        } else accepted = true;
      } catch (e) {
        if (e instanceof ErlangenError) message = `${e.name}: ${e.message}`;
        else {
          kind = e instanceof AllocationCapExceeded ? "alloc" : "error";
          message = e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${String(e)}`;
        }
      }
      const tripped = guard.tripped();
      if (tripped !== null && kind === null) {
        kind = "alloc"; // the reader caught the guard's error and went on (or rethrew it as its own)
        message = `${tripped}${message === "" ? "" : `; then ${message}`}`;
      }
      const ms = performance.now() - start;
      const alloc = Math.max(0, memory() - mem0);
      result = undefined;
      if (kind === null && ms > timeLimit) {
        kind = "slow";
        message = `took ${ms.toFixed(0)} ms (limit ${timeLimit} ms)${message === "" ? "" : `; ${message}`}`;
      }
      if (kind === null && alloc > allocLimit) {
        kind = "alloc";
        message = `grew memory by ${(alloc / 2 ** 20).toFixed(0)} MiB (limit ${(allocLimit / 2 ** 20).toFixed(0)} MiB)`;
      }
      report.inputs++;
      report.maxMs = Math.max(report.maxMs, ms);
      report.maxAllocBytes = Math.max(report.maxAllocBytes, alloc);
      if (kind !== null) {
        report.unclean++;
        if (report.uncleanCases.length < keep)
          report.uncleanCases.push({ index: i, ...job, ops: m.ops, kind, message, ms, allocBytes: alloc });
      } else if (accepted) report.accepted++;
      else report.cleanErrors++;
    }
  } finally {
    guard.restore();
  }
  report.totalMs = performance.now() - t0;
  return report;
}

/** One line of totals plus the unclean cases, for logs and assertion messages. */
export function formatFuzzReport(r: FuzzReport): string {
  const head =
    `${r.name}: ${r.inputs} inputs, ${r.cleanErrors} clean errors, ${r.accepted} accepted, ${r.unclean} unclean ` +
    `(${(r.totalMs / 1000).toFixed(1)} s, slowest ${r.maxMs.toFixed(0)} ms, largest growth ${(r.maxAllocBytes / 2 ** 20).toFixed(0)} MiB)`;
  const cases = r.uncleanCases.map(
    (c) =>
      `  #${c.index} seed ${c.seedIndex} variant ${c.variantSeed} [${c.kind}] ${c.message}\n    ops: ${c.ops.join("; ")}`,
  );
  return [head, ...cases].join("\n");
}
