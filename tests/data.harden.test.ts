/** Readers against hostile and mistaken files: sizes are checked before anything is allocated. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DatasetFormatError } from "../src/data/datasets/common.js";
import { parseModelNet10 } from "../src/data/datasets/modelnet.js";
import { type MoleculeFiles, parseQM7, parseQM9Split } from "../src/data/datasets/molecules.js";
import { parsePlanetoid, parsePlanetoidMeta } from "../src/data/datasets/planetoid.js";
import { parseTUDataset, type TUFileKind } from "../src/data/datasets/tu.js";
import { readPly } from "../src/domains/mesh/index.js";
import { gunzipFile, MAX_GUNZIP_BYTES } from "../src/node/gunzip.js";
import { loadMNIST, loadModelNet10 } from "../src/node/index.js";
import { modelnetSeed, moleculeSeed, planetoidSeed, shippedBytes, shippedText, tuSeed } from "./helpers/fuzz_seeds.js";

describe("TU reader limits", () => {
  const mutag = tuSeed("MUTAG", 188) as Partial<Record<TUFileKind, string>>;
  const withLabel = (v: string, line = 7) => {
    const lines = mutag.node_labels!.split("\n");
    lines[line - 1] = v;
    return { ...mutag, node_labels: lines.join("\n") };
  };

  it("refuses a node label that would make a huge one-hot encoding, naming file, line and value", () => {
    for (const v of ["100000", "1000000", "2147483647"]) {
      expect(() => parseTUDataset("MUTAG", withLabel(v))).toThrow(
        new RegExp(`MUTAG_node_labels\\.txt line 7: label ${v} makes the labels span \\[0, ${v}\\].*limit is 65536`),
      );
    }
    expect(() => parseTUDataset("MUTAG", withLabel("-70000", 3))).toThrow(/line 3: label -70000/);
    // a wide but sane label range still works
    const ok = parseTUDataset("MUTAG", withLabel("99"));
    expect(ok.numNodeLabels).toBe(100);
  });

  it("refuses non-decimal, unsafe and non-finite numbers", () => {
    for (const v of ["0x10", "1e1", "9007199254740993", "1.5", "NaN", ""]) {
      expect(() => parseTUDataset("MUTAG", withLabel(v, 2))).toThrow(DatasetFormatError);
      expect(() => parseTUDataset("MUTAG", withLabel(v, 2))).toThrow(
        /MUTAG_node_labels\.txt line 2: expected a decimal integer/,
      );
    }
    const attrs = { ...tuSeed("ENZYMES", 2) } as Partial<Record<TUFileKind, string>>;
    const lines = attrs.node_attributes!.split("\n");
    lines[1] = lines[1]!.replace(/^[^,]+/, "Infinity");
    expect(() => parseTUDataset("ENZYMES", { ...attrs, node_attributes: lines.join("\n") })).toThrow(
      /ENZYMES_node_attributes\.txt line 2: expected a finite decimal number, got 'Infinity'/,
    );
  });

  it("bounds graph ids by the number of graph labels before allocating", () => {
    const gi = mutag.graph_indicator!.split("\n");
    gi[gi.length - 2] = "3.5e38";
    expect(() => parseTUDataset("MUTAG", { ...mutag, graph_indicator: gi.join("\n") })).toThrow(
      /MUTAG_graph_indicator\.txt line \d+: expected a decimal integer/,
    );
    gi[gi.length - 2] = "1000000000";
    expect(() => parseTUDataset("MUTAG", { ...mutag, graph_indicator: gi.join("\n") })).toThrow(
      /MUTAG_graph_indicator\.txt line 3371: graph id 1000000000 exceeds the 188 graphs of MUTAG_graph_labels\.txt/,
    );
  });
});

describe("Planetoid reader limits", () => {
  const coraMeta = JSON.parse(shippedText("planetoid/cora/meta.json")) as Record<string, unknown> & {
    arrays: Record<string, { file: string }>;
  };
  const coraArrays = Object.fromEntries(
    Object.entries(coraMeta.arrays).map(([k, m]) => [k, shippedBytes(`planetoid/cora/${m.file}`)]),
  );
  const cora = (patch: Record<string, unknown>, opts = {}) =>
    parsePlanetoid(JSON.stringify({ ...coraMeta, ...patch }), coraArrays, opts);

  it("refuses a huge num_features before allocating the dense features", () => {
    expect(cora({}).x!.shape).toEqual([2708, 1433]);
    expect(() => cora({ num_features: 1e12 })).toThrow(
      /meta\.json: num_features expected an integer in \[0, 268435456\], got 1000000000000/,
    );
    expect(() => cora({ num_features: 2147483647 })).toThrow(/num_features expected an integer/);
    expect(() => cora({ num_features: 100000 })).toThrow(
      /meta\.json: dense features of num_nodes 2708 × num_features 100000 .*sparseFeatures.* needs 270,800,000 values, above the limit of 268,435,456/,
    );
    // sparse features never densify: a wide feature space is fine
    expect(cora({ num_features: 100000 }, { sparseFeatures: true }).xSparse!.shape).toEqual([2708, 100000]);
    expect(() => cora({ num_features: -1 })).toThrow(/num_features expected an integer/);
    expect(() => cora({ num_features: "1433" })).toThrow(/num_features expected an integer .*got "1433"/);
  });

  it("checks every array's dtype, shape and file name", () => {
    const arrays = (patch: Record<string, unknown>) => ({ ...coraMeta.arrays, ...patch });
    expect(() => cora({ arrays: arrays({ y: { file: "y.i32.bin", dtype: "int32", shape: [2707] } }) })).toThrow(
      /arrays\.y\.shape expected \[2708\], got \[2707\]/,
    );
    expect(() => cora({ arrays: arrays({ y: { file: "y.i32.bin", dtype: "float32", shape: [2708] } }) })).toThrow(
      /arrays\.y\.dtype expected 'int32', got 'float32'/,
    );
    expect(() => cora({ arrays: arrays({ y: { file: "../../y.i32.bin", dtype: "int32", shape: [2708] } }) })).toThrow(
      /arrays\.y\.file expected a file name in the dataset folder/,
    );
    expect(() => cora({ arrays: arrays({ y: { file: "y.i32.bin", dtype: "int32" } }) })).toThrow(
      /arrays\.y\.shape expected a list of non-negative integers, got undefined/,
    );
    expect(() =>
      cora({ arrays: arrays({ x_data: { file: "x.bin", dtype: "float32", shape: [65536, 65536] } }) }),
    ).toThrow(/arrays\.x_data of shape \[65536, 65536\] needs 4,294,967,296 values, above the limit/);
  });

  it("array names from meta.json are plain keys (a '__proto__' entry is an array, not a prototype)", () => {
    const seed = planetoidSeed(6, 3);
    const meta = JSON.parse(seed["meta.json"] as string) as { arrays: Record<string, unknown> };
    const text = JSON.stringify(meta).replace(
      '"arrays":{',
      '"arrays":{"__proto__":{"file":"p.bin","dtype":"uint8","shape":[1]},',
    );
    const parsed = parsePlanetoidMeta(text);
    expect(Object.getPrototypeOf(parsed.arrays)).toBeNull();
    expect(Object.keys(parsed.arrays)).toContain("__proto__");
    const { "meta.json": _, ...rest } = seed;
    expect(parsePlanetoid(text, rest as Record<string, Uint8Array>).numNodes).toBe(6);
  });

  it("mask bytes other than 0 and 1 are refused", () => {
    const seed = planetoidSeed(6, 3);
    const { "meta.json": meta, ...rest } = seed;
    const bad = { ...(rest as Record<string, Uint8Array>), val_mask: Uint8Array.of(0, 0, 7, 0, 0, 0) };
    expect(() => parsePlanetoid(meta!, bad)).toThrow(/val_mask\.u8\.bin: mask value 7 of node 2, expected 0 or 1/);
  });
});

describe("molecule and ModelNet readers", () => {
  it("QM9 split.json: non-objects, non-integers and indices past the molecules are refused", () => {
    expect(() => parseQM9Split("null", 5)).toThrow(/split\.json: expected a JSON object with arrays/);
    expect(() => parseQM9Split('{"train": [0, 4294967296], "val": [], "test": []}', 5)).toThrow(
      /'train'\[1\] expected a molecule index in \[0, 5\), got 4294967296/,
    );
    expect(() => parseQM9Split('{"train": [0, 1.5], "val": [], "test": []}', 5)).toThrow(/'train'\[1\].*got 1\.5/);
    expect(() => parseQM9Split('{"train": [0], "val": ["1"], "test": []}', 5)).toThrow(/'val'\[0\].*got "1"/);
    expect(parseQM9Split('{"train": [0, 1], "val": [2], "test": [4]}', 5).test).toEqual(Int32Array.of(4));
  });

  it("atom offsets must increase (checked before anything is allocated)", () => {
    const seed = moleculeSeed("qm7", 3) as unknown as MoleculeFiles;
    const ptr = new Int32Array(seed.atomPtr.slice().buffer);
    ptr[1] = 0x7fffffff;
    expect(() => parseQM7({ ...seed, atomPtr: new Uint8Array(ptr.buffer) })).toThrow(
      /qm7\/atom_ptr\.i32\.bin: molecule 1 has no atoms \(offsets 2147483647, \d+\): offsets must increase/,
    );
    expect(parseQM7(seed).graphs).toHaveLength(3);
  });

  it("ModelNet10: the grid size is checked, in the parser and in meta.json", () => {
    const { voxels, labels } = modelnetSeed(1);
    expect(parseModelNet10(voxels, labels).length).toBe(1);
    for (const grid of [0, -30, 1.5, 1e9, Number.NaN])
      expect(() => parseModelNet10(voxels, labels, { grid })).toThrow(
        /parseModelNet10: argument 'grid' expected an integer in \[1, 1024\]/,
      );
    const root = mkdtempSync(join(tmpdir(), "erl-mn-"));
    try {
      const dir = join(root, "grids", "modelnet10_voxels30");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "meta.json"), '{"grid": 1e9}');
      expect(() => loadModelNet10("test", { root })).toThrow(
        /meta\.json: grid expected an integer in \[1, 1024\], got 1000000000/,
      );
      writeFileSync(join(dir, "meta.json"), '{"arrays": {"test_voxels": {"shape": ["908"]}}}');
      expect(() => loadModelNet10("test", { root })).toThrow(
        /arrays\.test_voxels\.shape\[0\] expected a shape count, got "908"/,
      );
      writeFileSync(join(dir, "meta.json"), "null");
      expect(() => loadModelNet10("test", { root })).toThrow(/loadModelNet10: file not found/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("gzip in the Node loaders", () => {
  it("a file that decompresses past the cap, or corrupt data, is a clean error naming the file", () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(3 << 20)));
    expect(bomb.length).toBeLessThan(10_000);
    expect(gunzipFile(bomb, "x.gz", "loadTest", 4 << 20).length).toBe(3 << 20);
    expect(() => gunzipFile(bomb, "x.gz", "loadTest", 1 << 20)).toThrow(
      /loadTest: x\.gz: decompresses to more than 1048576 bytes, the limit for one file/,
    );
    expect(() => gunzipFile(bomb.subarray(0, 40), "x.gz", "loadTest")).toThrow(/loadTest: x\.gz: corrupt gzip data/);
    expect(MAX_GUNZIP_BYTES).toBe(2 ** 30);
  });
});

describe("names that are Object.prototype's", () => {
  it("a PLY header's type 'constructor' or 'toString' is an unknown type, not a function", () => {
    const head = (vertexType: string, countType = "uchar") =>
      `ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty ${vertexType} z\nelement face 1\nproperty list ${countType} int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n`;
    expect(readPly(head("float")).numVertices).toBe(3);
    for (const name of ["constructor", "toString", "__proto__"]) {
      expect(() => readPly(head(name))).toThrow(new RegExp(`unknown property type "${name}"`));
      expect(() => readPly(head("float", name))).toThrow(new RegExp(`invalid list count type "${name}"`));
    }
  });

  it("loadMNIST('constructor') is a usage error, not a TypeError", () => {
    expect(() => loadMNIST("constructor" as "test")).toThrow(
      /loadMNIST: argument 'split' expected 'train' or 'test', got constructor/,
    );
  });
});
