import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  ImageDataset,
  MODELNET10_CLASSES,
  parseIdx,
  parseMNIST,
  parseModelNet10,
  RotatedMNIST,
  rotateImage,
  Tensor,
} from "../src/index.js";
import { loadMNIST, loadModelNet10, loadRotatedMNIST, readIdxFile } from "../src/node/index.js";

function idx(type: number, shape: number[], write: (v: DataView, off: number) => number): Uint8Array {
  const head = 4 + 4 * shape.length;
  const buf = new Uint8Array(head + 1024);
  const v = new DataView(buf.buffer);
  buf[2] = type;
  buf[3] = shape.length;
  for (let i = 0; i < shape.length; i++) v.setUint32(4 + 4 * i, shape[i]!);
  const n = write(v, head);
  return buf.slice(0, head + n);
}

describe("idx parser", () => {
  it("reads unsigned bytes, int32 and float32 (big-endian)", () => {
    const u8 = parseIdx(
      idx(0x08, [2, 3], (v, o) => {
        for (let i = 0; i < 6; i++) v.setUint8(o + i, 250 + i);
        return 6;
      }),
    );
    expect(u8.type).toBe("uint8");
    expect(u8.shape).toEqual([2, 3]);
    expect(Array.from(u8.data)).toEqual([250, 251, 252, 253, 254, 255]);
    const i32 = parseIdx(
      idx(0x0c, [2], (v, o) => {
        v.setInt32(o, -7);
        v.setInt32(o + 4, 1 << 20);
        return 8;
      }),
    );
    expect(Array.from(i32.data)).toEqual([-7, 1 << 20]);
    const f32 = parseIdx(
      idx(0x0d, [1], (v, o) => {
        v.setFloat32(o, 1.5);
        return 4;
      }),
    );
    expect(Array.from(f32.data)).toEqual([1.5]);
  });

  it("rejects malformed files, naming the file", () => {
    const good = idx(0x08, [4], (_v, _o) => 4);
    const bad = good.slice();
    bad[0] = 0x12;
    expect(() => parseIdx(bad, "digits.idx")).toThrow(/digits\.idx: bad magic number 12 00 08 01/);
    const badType = good.slice();
    badType[2] = 0x07;
    expect(() => parseIdx(badType, "digits.idx")).toThrow(/digits\.idx: bad magic number/);
    expect(() => parseIdx(good.slice(0, good.length - 2), "digits.idx")).toThrow(
      /digits\.idx: truncated: shape \[4\] needs 12 bytes, file has 10/,
    );
    expect(() => parseIdx(good.slice(0, 6), "digits.idx")).toThrow(/digits\.idx: truncated: header needs 8 bytes/);
    expect(() => parseIdx(new Uint8Array([...good, 0]), "digits.idx")).toThrow(
      /digits\.idx: 1 unexpected bytes after the data/,
    );
    expect(() => parseIdx(gzipSync(good), "digits.idx.gz")).toThrow(/digits\.idx\.gz: is gzip-compressed/);
  });

  it("parseMNIST checks images against labels", () => {
    const im = idx(0x08, [2, 2, 2], (v, o) => {
      for (let i = 0; i < 8; i++) v.setUint8(o + i, i * 30);
      return 8;
    });
    const lb = idx(0x08, [2], (v, o) => {
      v.setUint8(o, 3);
      v.setUint8(o + 1, 7);
      return 2;
    });
    const ds = parseMNIST(im, lb);
    expect(ds.images.shape).toEqual([2, 1, 2, 2]);
    expect(ds.images.data[7]).toBeCloseTo(210 / 255, 6);
    expect(ds.get(1).y).toBe(7);
    const lb3 = idx(0x08, [3], (_v, _o) => 3);
    expect(() => parseMNIST(im, lb3, { labels: "l.idx" })).toThrow(/l\.idx: has 3 labels but images has 2 images/);
    const lbBad = idx(0x08, [2], (v, o) => {
      v.setUint8(o, 12);
      return 2;
    });
    expect(() => parseMNIST(im, lbBad, { labels: "l.idx" })).toThrow(/l\.idx: label 12 of item 0 is not a digit/);
  });
});

describe("shipped MNIST", () => {
  it("t10k and train10k: counts and classes", () => {
    const test = loadMNIST("test");
    expect(test.length).toBe(10000);
    expect(test.images.shape).toEqual([10000, 1, 28, 28]);
    expect(test.classCounts()).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    let mx = 0;
    for (const v of test.images.data) mx = Math.max(mx, v);
    expect(mx).toBe(1);
    const train = loadMNIST("train");
    expect(train.classCounts()).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const b = train.shuffle().batch([0, 1, 2, 3]);
    expect(b.x.shape).toEqual([4, 1, 28, 28]);
    expect(b.y.dtype).toBe("int32");
    expect(readIdxFile(join("datasets", "mnist", "t10k-labels-idx1-ubyte.gz")).shape).toEqual([10000]);
  });

  it("missing files are named", () => {
    const dir = mkdtempSync(join(tmpdir(), "erl-mnist-"));
    expect(() => loadMNIST("test", { root: dir })).toThrow(
      /loadMNIST: file not found: .*mnist.t10k-images-idx3-ubyte\.gz/,
    );
  });
});

describe("RotatedMNIST", () => {
  const base = new ImageDataset(
    (() => {
      const test = loadMNIST("test");
      return test.images.narrow(0, 0, 64);
    })(),
    loadMNIST("test").labels.narrow(0, 0, 64),
  );

  it("is seeded, with angles uniform in [0, 2π) and each image rotated by its angle", () => {
    const a = new RotatedMNIST(base, { seed: 3 });
    const b = new RotatedMNIST(base, { seed: 3 });
    const c = new RotatedMNIST(base, { seed: 4 });
    expect(Array.from(a.images.data)).toEqual(Array.from(b.images.data));
    expect(a.angles[0]).not.toBe(c.angles[0]);
    for (const t of a.angles) {
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThan(2 * Math.PI);
    }
    // image i equals rotateImage(original i, angle i); rotating back nearly restores the digit
    for (const i of [0, 5]) {
      const orig = base.get(i).x;
      expect(Array.from(a.get(i).x.data)).toEqual(Array.from(rotateImage(orig, a.angles[i]!).data));
      const back = rotateImage(a.get(i).x, -a.angles[i]!);
      let dot = 0;
      let n1 = 0;
      let n2 = 0;
      for (let k = 0; k < orig.size; k++) {
        dot += orig.data[k]! * back.data[k]!;
        n1 += orig.data[k]! ** 2;
        n2 += back.data[k]! ** 2;
      }
      expect(dot / Math.sqrt(n1 * n2)).toBeGreaterThan(0.85);
    }
    expect(a.labels).toBe(base.labels);
  });

  it("loadRotatedMNIST shuffles and limits", () => {
    const r = loadRotatedMNIST("test", { seed: 1, limit: 100 });
    expect(r.length).toBe(100);
    expect(r.angles.length).toBe(100);
    const counts = r.classCounts();
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(5); // not just one class
  });
});

describe("ModelNet10 voxels", () => {
  it("shipped splits: per-class counts, empty shapes and occupancy", () => {
    const train = loadModelNet10("train");
    expect(train.length).toBe(3991);
    expect(train.classCounts()).toEqual([106, 515, 889, 200, 200, 465, 200, 680, 392, 344]);
    const test = loadModelNet10("test");
    expect(test.classCounts()).toEqual([50, 100, 100, 86, 86, 100, 86, 100, 100, 100]);
    let empty = 0;
    let total = 0;
    for (let i = 0; i < test.length; i++) {
      const o = test.occupancy(i);
      if (o === 0) empty++;
      total += o;
    }
    expect(empty).toBe(1);
    expect(total / test.length).toBeCloseTo(2306.4, 0);
    const { x, y } = test.batch([0, 907]);
    expect(x.shape).toEqual([2, 1, 30, 30, 30]);
    let s = 0;
    for (let k = 0; k < 27000; k++) s += x.data[k]!;
    expect(s).toBe(test.occupancy(0));
    expect(test.classes[y.data[1]!]).toBe("toilet");
    expect(MODELNET10_CLASSES.length).toBe(10);
  });

  it("bit order: voxel (i, j, k) is bit (i·30 + j)·30 + k, most significant first", () => {
    const bits = new Uint8Array(3375);
    const v = (5 * 30 + 7) * 30 + 11;
    bits[v >> 3] = 0x80 >> (v & 7);
    const ds = parseModelNet10(bits, new Uint8Array([4]));
    const item = ds.get(0);
    expect(item.x.shape).toEqual([1, 30, 30, 30]);
    expect(item.x.data[v]).toBe(1);
    expect(item.x.toFlatArray().reduce((a, b) => a + b, 0)).toBe(1);
    expect(ds.classes[item.y]).toBe("dresser");
  });

  it("rejects malformed files, naming the file", () => {
    expect(() => parseModelNet10(new Uint8Array(3375 * 2 - 5), new Uint8Array(2), { voxelsFile: "v.bits" })).toThrow(
      /v\.bits: truncated: 6745 bytes is not a whole number of 30³ shapes/,
    );
    expect(() => parseModelNet10(new Uint8Array(3375), new Uint8Array(1), { voxelsFile: "v.bits", count: 2 })).toThrow(
      /v\.bits: truncated: expected 2 shapes/,
    );
    expect(() => parseModelNet10(new Uint8Array(3375), new Uint8Array([10]), { labelsFile: "l.bin" })).toThrow(
      /l\.bin: label 10 of shape 0 is not a class id 0-9/,
    );
    expect(() => parseModelNet10(gzipSync(new Uint8Array(3375)), new Uint8Array(1), { voxelsFile: "v.gz" })).toThrow(
      /v\.gz: is gzip-compressed/,
    );
    const dir = mkdtempSync(join(tmpdir(), "erl-mn-"));
    const sub = join(dir, "grids", "modelnet10_voxels30");
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, "test_voxels.bits.gz"), gzipSync(new Uint8Array(3375 * 3)).subarray(0, 20));
    writeFileSync(join(sub, "test_labels.u8.bin"), new Uint8Array(3));
    expect(() => loadModelNet10("test", { root: dir })).toThrow(
      /loadModelNet10: .*test_voxels\.bits\.gz: corrupt gzip data/,
    );
  });

  it("tensors are plain float32", () => {
    expect(loadModelNet10("test").get(3).x).toBeInstanceOf(Tensor);
  });
});
