import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, loadSafetensors, readSafetensorsHeader, saveSafetensors } from "../src/io/index.js";
import { MLP } from "../src/nn/index.js";
import { loadFile, loadFileSync, loadFileWithMetadata, saveFile, saveFileSync } from "../src/node/index.js";
import { manualSeed, randn, type Tensor, tensor } from "../src/tensor/index.js";

/** Builds a file from a header object and a data section. */
function build(header: unknown, data: Uint8Array | number = 0, rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const d = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + d.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(d, 8 + json.length);
  return out;
}

function sample(): Record<string, Tensor> {
  return {
    "lin.weight": tensor([
      [1.5, -2],
      [3, 4.25],
    ]),
    flag: tensor([true, false, true]),
    "lin.bias": tensor([0.1, 0.2], { dtype: "float64" }),
    count: tensor([7, -3], { dtype: "int32" }),
    scalar: tensor(2.5),
  };
}

describe("safetensors encode/decode", () => {
  it("round-trips every dtype, shape and the metadata", () => {
    const src = sample();
    const bytes = saveSafetensors(src, { format: "pt", note: "hi" });
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: "pt", note: "hi" });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(src).sort());
    for (const [k, t] of Object.entries(src)) {
      expect(tensors[k]!.dtype).toBe(t.dtype);
      expect(tensors[k]!.shape).toEqual(t.shape);
      expect(tensors[k]!.toFlatArray()).toEqual(t.toFlatArray());
      expect(tensors[k]!.data).not.toBe(t.data);
    }
    // The header is padded to 8 bytes and lays out tensors largest element first.
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const { entries } = readSafetensorsHeader(bytes);
    expect(entries.find(([k]) => k === "lin.bias")![1].dataOffsets).toEqual([0, 16]);
    expect(entries.find(([k]) => k === "flag")![1]).toEqual({ dtype: "BOOL", shape: [3], dataOffsets: [44, 47] }); // after 16 + 16 + 8 + 4 bytes
  });

  it("reads an ArrayBuffer, a subarray at an odd offset and an empty file", () => {
    const bytes = saveSafetensors(sample());
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(loadSafetensors(shifted.subarray(3))["lin.weight"]!.toFlatArray()).toEqual([1.5, -2, 3, 4.25]);
    expect(loadSafetensors(bytes.slice().buffer)["count"]!.toFlatArray()).toEqual([7, -3]);
    expect(loadSafetensors(saveSafetensors({}))).toEqual({});
    expect(loadSafetensors(build({ e: { dtype: "F32", shape: [0, 3], data_offsets: [0, 0] } }))["e"]!.shape).toEqual([
      0, 3,
    ]);
  });

  it("reads files written by other tools: I64, U8, F16, BF16", () => {
    const data = new Uint8Array(8 + 8 + 2 + 4 + 4);
    const dv = new DataView(data.buffer);
    dv.setBigInt64(0, 5n, true);
    dv.setBigInt64(8, -9n, true);
    data[16] = 200;
    data[17] = 1;
    dv.setUint16(18, 0x3c00, true); // 1.0 in half precision
    dv.setUint16(20, 0xc100, true); // -2.5
    dv.setUint16(22, 0x3fc0, true); // 1.5 in bfloat16
    dv.setUint16(24, 0x7f80, true); // +Inf in bfloat16
    const t = loadSafetensors(
      build(
        {
          i: { dtype: "I64", shape: [2], data_offsets: [0, 16] },
          u: { dtype: "U8", shape: [2], data_offsets: [16, 18] },
          h: { dtype: "F16", shape: [2], data_offsets: [18, 22] },
          b: { dtype: "BF16", shape: [2], data_offsets: [22, 26] },
        },
        data,
      ),
    );
    expect(t.i!.dtype).toBe("int32");
    expect(t.i!.toFlatArray()).toEqual([5, -9]);
    expect(t.u!.toFlatArray()).toEqual([200, 1]);
    expect(t.h!.toFlatArray()).toEqual([1, -2.5]);
    expect(t.b!.toFlatArray()).toEqual([1.5, Number.POSITIVE_INFINITY]);
    const big = new Uint8Array(8);
    new DataView(big.buffer).setBigInt64(0, 1n << 40n, true);
    expect(() => loadSafetensors(build({ n: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, big))).toThrow(
      /tensor 'n': I64 element 0 \(1099511627776\) does not fit in int32/,
    );
  });

  it("refuses bad names and metadata when saving", () => {
    expect(() => saveSafetensors({ __metadata__: tensor([1]) })).toThrow(/saveSafetensors: tensor name '__metadata__'/);
    expect(() => saveSafetensors({ a: tensor([1]) }, { x: 3 as unknown as string })).toThrow(
      /metadata 'x' expected a string/,
    );
  });
});

describe("safetensors header validation", () => {
  const ok = { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };

  it("truncated files and header lengths", () => {
    expect(() => loadSafetensors(new Uint8Array(4))).toThrow(/file too short: 4 bytes/);
    const b = build(ok, 8);
    new DataView(b.buffer).setUint32(0, 5000, true);
    expect(() => loadSafetensors(b)).toThrow(/header length 5000 exceeds the file/);
    new DataView(b.buffer).setUint32(4, 1, true);
    expect(() => loadSafetensors(b)).toThrow(/exceeds the limit/);
  });

  it("malformed JSON and non-object headers", () => {
    expect(() => loadSafetensors(build(null, 0, '{"a": '))).toThrow(/header is not valid JSON/);
    expect(() => loadSafetensors(build(null, 0, "[1, 2]"))).toThrow(/header must be a JSON object starting with '\{'/);
    expect(() => loadSafetensors(build({ a: 3 }))).toThrow(/tensor 'a': entry must be an object/);
    expect(() => loadSafetensors(build({ __metadata__: { v: 1 } }))).toThrow(
      /'__metadata__' entry 'v' must be a string/,
    );
  });

  it("bad dtype, shape and offsets fields", () => {
    expect(() => loadSafetensors(build({ a: { dtype: "Q8", shape: [1], data_offsets: [0, 1] } }, 1))).toThrow(
      /tensor 'a': dtype expected one of .*got "Q8"/,
    );
    expect(() => loadSafetensors(build({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4))).toThrow(
      /tensor 'a': shape expected/,
    );
    expect(() => loadSafetensors(build({ a: { dtype: "F32", shape: [1], data_offsets: [0] } }, 4))).toThrow(
      /tensor 'a': data_offsets expected \[begin, end\]/,
    );
    expect(() => loadSafetensors(build({ a: { dtype: "F32", shape: [1], data_offsets: [4, 0] } }, 4))).toThrow(
      /data_offsets \[4, 0\] end before begin/,
    );
  });

  it("out-of-range offsets and sizes that do not match shape × dtype", () => {
    expect(() => loadSafetensors(build(ok, 4))).toThrow(
      /tensor 'a': data_offsets \[0, 8\] out of range of the data section \(4 bytes\)/,
    );
    expect(() => loadSafetensors(build({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, 8))).toThrow(
      /tensor 'a': data_offsets \[0, 8\] hold 8 bytes, but shape \[3\] of F32 needs 12/,
    );
  });

  it("overlapping offsets, holes and trailing bytes", () => {
    const two = (b0: number, b1: number) => ({
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [1], data_offsets: [b0, b1] },
    });
    expect(() => loadSafetensors(build(two(4, 8), 8))).toThrow(
      /tensor 'b': data_offsets \[4, 8\] overlap tensor 'a' \[0, 8\]/,
    );
    expect(() => loadSafetensors(build(two(12, 16), 16))).toThrow(
      /tensor 'b': data_offsets \[12, 16\] leave a hole: bytes \[8, 12\)/,
    );
    expect(() => loadSafetensors(build(ok, 10))).toThrow(
      /data section has 10 bytes but the tensors cover only \[0, 8\)/,
    );
    const badBool = build({ f: { dtype: "BOOL", shape: [1], data_offsets: [0, 1] } }, new Uint8Array([7]));
    expect(() => loadSafetensors(badBool)).toThrow(/tensor 'f': BOOL element 0 has byte value 7/);
  });
});

const PROTO: string = "__proto__";

describe("safetensors names that are Object.prototype's", () => {
  const names = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];

  it("round-trip as ordinary tensors and metadata keys", () => {
    const src = new Map(names.map((k, i) => [k, tensor([i, i + 0.5])]));
    const bytes = saveSafetensors(src, JSON.parse('{"__proto__": "p", "constructor": "c"}'));
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(Object.getPrototypeOf(tensors)).toBeNull();
    expect(Object.getPrototypeOf(metadata)).toBeNull();
    expect(Object.keys(tensors).sort()).toEqual([...names].sort());
    names.forEach((k, i) => {
      expect(Object.hasOwn(tensors, k)).toBe(true);
      expect(tensors[k]!.toFlatArray()).toEqual([i, i + 0.5]);
    });
    expect(metadata[PROTO]).toBe("p");
    expect(metadata.constructor).toBe("c");
    // a plain object with an own "__proto__" key (as JSON.parse makes) saves it too
    const plain = JSON.parse('{"__proto__": 1, "w": 2}') as Record<string, number>;
    const fromPlain = Object.fromEntries(Object.keys(plain).map((k) => [k, tensor([plain[k]!])]));
    expect(Object.keys(loadSafetensors(saveSafetensors(fromPlain))).sort()).toEqual(["__proto__", "w"]);
  });

  it("a file naming a tensor __proto__ reads back that tensor, not a prototype", () => {
    const raw = build(null, new Uint8Array(4), '{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}');
    const t = loadSafetensors(raw);
    expect(Object.keys(t)).toEqual(["__proto__"]);
    expect(t[PROTO]!.shape).toEqual([1]);
    expect(t.w).toBeUndefined();
  });

  it("dtype names that are Object.prototype's are refused cleanly", () => {
    const f = build({ a: { dtype: "toString", shape: [1], data_offsets: [0, 4] } }, 4);
    expect(() => loadSafetensors(f)).toThrow(/tensor 'a': dtype expected one of F32, F64, .*got "toString"/);
  });

  it("a module loads a state dict from a file whose extra names are Object.prototype's", () => {
    manualSeed(0);
    const a = new MLP([2, 3]);
    const sd = Object.assign(Object.create(null), a.stateDict(), { constructor: tensor([1]) });
    const b = new MLP([2, 3]);
    expect(() => b.loadStateDict(loadSafetensors(saveSafetensors(sd)))).toThrow(/unexpected keys: 'constructor'/);
    expect(b.loadStateDict(loadSafetensors(saveSafetensors(sd)), { strict: false }).unexpectedKeys).toEqual([
      "constructor",
    ]);
  });
});

describe("module state dicts through safetensors", () => {
  it("an MLP with BatchNorm buffers round-trips and computes the same outputs", () => {
    manualSeed(0);
    const a = new MLP([3, 8, 2]);
    a.forward(randn([6, 3])); // moves the running statistics
    a.eval();
    manualSeed(1);
    const b = new MLP([3, 8, 2]).eval();
    const x = randn([4, 3]);
    expect(b.forward(x).toFlatArray()).not.toEqual(a.forward(x).toFlatArray());
    b.loadStateDict(loadSafetensors(saveSafetensors(a.stateDict())));
    expect(b.forward(x).toFlatArray()).toEqual(a.forward(x).toFlatArray());
    expect(b.norms.at(0).getBuffer("num_batches_tracked")!.item()).toBe(1);
  });
});

describe("node file helpers", () => {
  it("saveFile / loadFile (async and sync), from a state dict or anything with stateDict()", async () => {
    const dir = mkdtempSync(join(tmpdir(), "erlangen-io-"));
    try {
      const p = join(dir, "m.safetensors");
      await saveFile(p, { stateDict: () => sample() }, { epoch: "3" });
      const t = await loadFile(p);
      expect(t["lin.weight"]!.toArray()).toEqual([
        [1.5, -2],
        [3, 4.25],
      ]);
      expect((await loadFileWithMetadata(p)).metadata).toEqual({ epoch: "3" });
      const mlp = new MLP([2, 4, 1], { norm: null });
      saveFileSync(p, mlp);
      const back = new MLP([2, 4, 1], { norm: null });
      back.loadStateDict(loadFileSync(p));
      expect(back.lins.at(0).weight.toFlatArray()).toEqual(mlp.lins.at(0).weight.toFlatArray());
      saveFileSync(p, { x: tensor([1, 2], { dtype: "int32" }) });
      expect(loadFileSync(p).x!.toFlatArray()).toEqual([1, 2]);
      // a malformed file's error names the path
      writeFileSync(p, new Uint8Array([1, 2, 3]));
      expect(() => loadFileSync(p)).toThrow(
        new RegExp(
          `^loadSafetensors: file too short: 3 bytes, need at least 8 for the header length \\(file ${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)$`,
        ),
      );
      await expect(loadFile(p)).rejects.toThrow(/file too short.*\(file .*m\.safetensors\)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
