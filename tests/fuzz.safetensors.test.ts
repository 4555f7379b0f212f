/** Fuzzing the safetensors reader: mutated files end in tensors or an ErlangenError. */
import { describe, expect, it } from "vitest";
import { decodeSafetensors, saveSafetensors } from "../src/io/safetensors.js";
import { tensor } from "../src/tensor/index.js";
import { formatFuzzReport, fuzzReader } from "./helpers/fuzz.js";

/** A file from a hand-written header (dtypes the writer does not produce: I64, U8, I8, I16, F16, BF16). */
function handWritten(): Uint8Array {
  const header = JSON.stringify({
    a: { dtype: "I64", shape: [2], data_offsets: [0, 16] },
    b: { dtype: "F16", shape: [2], data_offsets: [16, 20] },
    c: { dtype: "BF16", shape: [1, 2], data_offsets: [20, 24] },
    d: { dtype: "I16", shape: [2], data_offsets: [24, 28] },
    e: { dtype: "U8", shape: [2], data_offsets: [28, 30] },
    f: { dtype: "I8", shape: [2], data_offsets: [30, 32] },
    __metadata__: { format: "pt" },
  });
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + 32);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  for (let i = 0; i < 32; i++) out[8 + json.length + i] = (i * 37) & 0x7f;
  return out;
}

describe("fuzz: safetensors", () => {
  it("mutated files give tensors or a clean error", () => {
    const seeds = [
      saveSafetensors(
        {
          "lin.weight": tensor([
            [1.5, -2],
            [3, 4.25],
          ]),
          "lin.bias": tensor([0.1, 0.2], { dtype: "float64" }),
          count: tensor([7, -3], { dtype: "int32" }),
          flag: tensor([true, false, true]),
          scalar: tensor(2.5),
        },
        { epoch: "3" },
      ),
      handWritten(),
      saveSafetensors({}),
    ];
    const r = fuzzReader("safetensors", seeds, decodeSafetensors, {
      count: 3000,
      fields: [{ offset: 0, bytes: 8, littleEndian: true, name: "header length" }],
    });
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });
});
