/**
 * Fuzzing the mesh readers: mutated OBJ, OFF and PLY (ASCII and binary) files end in a Mesh or an
 * ErlangenError, never a raw exception, a hang or a huge allocation. A Mesh that comes back is also put
 * through its half-edge tables, one-rings, boundary loops and validateMesh. ERLANGEN_FUZZ=N runs N
 * times as many inputs.
 */
import { describe, expect, it } from "vitest";
import {
  type Mesh,
  readMesh,
  readObj,
  readOff,
  readPly,
  validateMesh,
  writeObj,
  writeOff,
  writePly,
} from "../src/domains/mesh/index.js";
import { type FuzzInput, formatFuzzReport, fuzzReader, type HeaderField } from "./helpers/fuzz.js";
import { cube, tetrahedron } from "./helpers/meshes.js";

const enc = (s: string) => new TextEncoder().encode(s);

/** Reads, then exercises the connectivity of what came back. */
function exercise(m: Mesh): Mesh {
  void m.halfEdges;
  m.oneRings();
  m.boundaryLoops();
  m.connectedComponents();
  validateMesh(m);
  return m;
}

const obj = [
  "# cube with quads, texture and normal ids, a negative-id face",
  "o cube",
  writeObj(cube())
    .replace(/^f .*$/gm, "")
    .trim(),
  "vt 0 0",
  "vn 0 0 1",
  "f 1/1/1 4/1/1 3/1/1 2/1/1",
  "f 5//1 6//1 7//1 8//1",
  "f -8 -7 -3",
  "g rest",
  "f 2 3 7 6",
  "",
].join("\n");
const off = `COFF\n# tetrahedron\n${writeOff(tetrahedron()).split("\n").slice(1).join("\n")}`.replace(
  "3 0 2 1",
  "3 0 2 1 255 0 0",
);
const plyAscii = [
  "ply",
  "format ascii 1.0",
  "comment fuzz seed",
  "element vertex 4",
  "property double x",
  "property float y",
  "property int z",
  "property uchar red",
  "element face 2",
  "property list uchar int vertex_indices",
  "property float quality",
  "end_header",
  "0 0 0 1",
  "1 0 0 2",
  "1 1 0 3",
  "0 1 0 4",
  "4 0 1 2 3 0.5",
  "3 0 2 3 1",
  "",
].join("\n");

/** A binary PLY with an extra element and an extra vertex property, and the offsets of its binary fields. */
function plyBinary(): { bytes: Uint8Array; fields: HeaderField[] } {
  const m = tetrahedron();
  const head = enc(
    [
      "ply",
      "format binary_little_endian 1.0",
      "element vertex 4",
      "property float x",
      "property float y",
      "property float z",
      "property ushort flags",
      "element material 1",
      "property list uchar uchar name",
      "element face 4",
      "property list uchar int vertex_indices",
      "end_header",
      "",
    ].join("\n"),
  );
  const body = new Uint8Array(4 * 14 + 4 + 4 * 13);
  const dv = new DataView(body.buffer);
  let o = 0;
  for (let v = 0; v < 4; v++) {
    for (let d = 0; d < 3; d++, o += 4) dv.setFloat32(o, m.positions[3 * v + d]!, true);
    dv.setUint16(o, v, true);
    o += 2;
  }
  const fields: HeaderField[] = [];
  dv.setUint8(o, 3);
  fields.push({ offset: head.length + o, bytes: 1, name: "material list count" });
  body.set([65, 66, 67], o + 1);
  o += 4;
  for (let f = 0; f < 4; f++) {
    fields.push({ offset: head.length + o, bytes: 1, name: `face ${f} count` });
    dv.setUint8(o++, 3);
    for (let k = 0; k < 3; k++, o += 4) {
      if (k === 0) fields.push({ offset: head.length + o, bytes: 4, name: `face ${f} corner 0` });
      dv.setInt32(o, m.faces[3 * f + k]!, true);
    }
  }
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return { bytes, fields };
}

const bin = plyBinary();
const bin64 = writePly(cube(), { format: "binary", dtype: "float64" });
const binBE = writePly(tetrahedron(), { format: "binary_big_endian" });

describe("fuzz: mesh readers", () => {
  const cases: [string, FuzzInput[], (x: FuzzInput) => unknown, HeaderField[]][] = [
    ["OBJ", [obj, enc(obj)], (x) => exercise(readObj(x as string)), []],
    ["OFF", [off, enc(off), writeOff(cube())], (x) => exercise(readOff(x as string)), []],
    ["PLY ascii", [plyAscii, enc(plyAscii)], (x) => exercise(readPly(x as string)), []],
    ["PLY binary", [bin.bytes, bin64, binBE], (x) => exercise(readPly(x as Uint8Array)), bin.fields],
  ];
  for (const [name, seeds, read, fields] of cases) {
    it(`mutated ${name} files give a Mesh or an ErlangenError`, () => {
      // every seed reads cleanly
      for (const s of seeds) expect(() => read(s)).not.toThrow();
      const r = fuzzReader(name, seeds, read, { count: 2000, fields, timeLimitMs: 1000, seed: 14 });
      console.log(formatFuzzReport(r));
      expect(r.unclean, formatFuzzReport(r)).toBe(0);
      expect(r.cleanErrors).toBeGreaterThan(0);
      expect(r.accepted).toBeGreaterThan(0);
    });
  }

  it("readMesh's sniffing survives every mutation", () => {
    const r = fuzzReader("readMesh", [obj, off, plyAscii, bin.bytes], (x) => exercise(readMesh(x as string)), {
      count: 1000,
      seed: 15,
    });
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });
});
