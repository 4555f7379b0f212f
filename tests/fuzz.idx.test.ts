/** Fuzzing the idx (MNIST) reader: mutated files end in arrays / images or an ErlangenError. */
import { describe, expect, it } from "vitest";
import { parseIdx, parseMNIST } from "../src/data/datasets/mnist.js";
import { type FuzzFile, formatFuzzReport, fuzzReader, type HeaderField } from "./helpers/fuzz.js";
import { mnistSeed } from "./helpers/fuzz_seeds.js";

/** An idx file of the given type code, shape and big-endian values. */
function idx(type: number, shape: number[], size: number, write: (v: DataView, o: number, i: number) => void) {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * shape.length + n * size);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = shape.length;
  for (const [i, d] of shape.entries()) v.setUint32(4 + 4 * i, d);
  for (let i = 0; i < n; i++) write(v, 4 + 4 * shape.length + i * size, i);
  return out;
}

/** Header fields of an idx file with up to 3 dimensions (sizes are big-endian uint32). */
const IDX_FIELDS: HeaderField[] = [
  { offset: 2, bytes: 1, name: "type" },
  { offset: 3, bytes: 1, name: "ndim" },
  { offset: 4, bytes: 4, littleEndian: false, name: "dim 0" },
  { offset: 8, bytes: 4, littleEndian: false, name: "dim 1" },
  { offset: 12, bytes: 4, littleEndian: false, name: "dim 2" },
];

describe("fuzz: idx", () => {
  it("mutated idx files of every element type give an array or a clean error", () => {
    const seeds = [
      idx(0x08, [3, 4], 1, (v, o, i) => v.setUint8(o, i * 20)),
      idx(0x09, [5], 1, (v, o, i) => v.setInt8(o, -i)),
      idx(0x0b, [2, 3], 2, (v, o, i) => v.setInt16(o, i * 1000 - 3000)),
      idx(0x0c, [2, 2, 2], 4, (v, o, i) => v.setInt32(o, i * 123456789)),
      idx(0x0d, [4], 4, (v, o, i) => v.setFloat32(o, i / 3)),
      idx(0x0e, [1, 3], 8, (v, o, i) => v.setFloat64(o, -i / 7)),
    ];
    const r = fuzzReader("idx", seeds, (b) => parseIdx(b, "fuzz.idx"), { count: 2000, fields: IDX_FIELDS });
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });

  it("mutated MNIST image and label files give a dataset or a clean error", () => {
    const { images, labels } = mnistSeed(3);
    const r = fuzzReader(
      "MNIST",
      [{ images, labels }] as Record<string, FuzzFile>[],
      (f) => parseMNIST(f.images as Uint8Array, f.labels as Uint8Array),
      { count: 1000, fields: IDX_FIELDS },
    );
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });
});
