import { describe, expect, it } from "vitest";
import {
  Mesh,
  readMesh,
  readObj,
  readOff,
  readPly,
  sniffMeshFormat,
  writeMesh,
  writeObj,
  writeOff,
  writePly,
} from "../src/domains/mesh/index.js";
import { ErlangenError } from "../src/tensor/errors.js";
import { bunny, cube, disc, tetrahedron, torus } from "./helpers/meshes.js";

type T = "i8" | "u8" | "i16" | "u16" | "i32" | "u32" | "f32" | "f64";

/** Bytes of a binary PLY: the header text, then values written with the given types. */
function binaryPly(header: string, values: [T, number][], le = true): Uint8Array {
  const head = new TextEncoder().encode(header);
  const size = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, f64: 8 };
  const n = values.reduce((s, [t]) => s + size[t], 0);
  const out = new Uint8Array(head.length + n);
  out.set(head);
  const dv = new DataView(out.buffer);
  let o = head.length;
  for (const [t, x] of values) {
    if (t === "i8") dv.setInt8(o, x);
    else if (t === "u8") dv.setUint8(o, x);
    else if (t === "i16") dv.setInt16(o, x, le);
    else if (t === "u16") dv.setUint16(o, x, le);
    else if (t === "i32") dv.setInt32(o, x, le);
    else if (t === "u32") dv.setUint32(o, x, le);
    else if (t === "f32") dv.setFloat32(o, x, le);
    else dv.setFloat64(o, x, le);
    o += size[t];
  }
  return out;
}

const quad = { positions: [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0], faces: [0, 1, 2, 0, 2, 3] };

function expectMesh(m: Mesh, positions: number[], faces: number[]): void {
  expect(Array.from(m.positions)).toEqual(positions);
  expect(Array.from(m.faces)).toEqual(faces);
}

describe("OBJ", () => {
  it("reads v/vt/vn corners, negative ids, polygons, comments and other statements", () => {
    const text = [
      "# a unit square as one quad",
      "mtllib square.mtl",
      "o square",
      "v 0 0 0",
      "v 1.0 0 0 # inline comment",
      "vt 0 0",
      "vn 0 0 1",
      "v 1 1 0 1.0",
      "\tv 0 1e0 0   0.5 0.5 0.5",
      "g group",
      "s off",
      "usemtl red",
      "f 1/1/1 2//1 -2/1 -1",
      "l 1 2",
      "",
    ].join("\r\n");
    expectMesh(readObj(text), quad.positions, quad.faces);
    expectMesh(readObj(new TextEncoder().encode(text)), quad.positions, quad.faces);
  });

  it("reads faces that name vertices defined later", () => {
    expectMesh(readObj("f 1 2 3\nv 0 0 0\nv 1 0 0\nv 0 1 0\n"), [0, 0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 2]);
  });

  it("names the line and the value in its errors", () => {
    expect(() => readObj("v 0 0 0\nv 1 0\n")).toThrow(/readObj: OBJ line 2: a vertex needs 3 coordinates, got 2/);
    expect(() => readObj("v 0 0 0\nv 1 x 0\n")).toThrow(
      /OBJ line 2: coordinate 2 of vertex 2 is not a finite number: "x"/,
    );
    expect(() => readObj("v 0 0 nan\n")).toThrow(/line 1.*"nan"/);
    expect(() => readObj("v 0 0 1e999\n")).toThrow(/line 1.*"1e999"/);
    expect(() => readObj("v 0 0 0\nf 1 2\n")).toThrow(/OBJ line 2: a face needs at least 3 corners, got 2/);
    expect(() => readObj("v 0 0 0\nf 1 0 1\n")).toThrow(/OBJ line 2: corner 2 .*"0"/);
    expect(() => readObj("v 0 0 0\nf 1 -2 1\n")).toThrow(
      /OBJ line 2: relative vertex id -2 reaches before the first vertex/,
    );
    expect(() => readObj("v 0 0 0\nv 0 0 0\nv 0 0 0\nf 1 2 4\n")).toThrow(
      /OBJ line 4: vertex id 4 is past the last vertex \(3 in the file\)/,
    );
    expect(() => readObj("v 0 0 0\nf 1 2 99999999999999999999\n")).toThrow(ErlangenError);
    expect(() => readObj("v 0 0 0\nv 0 0 0\n", { maxVertices: 1 })).toThrow(/maxVertices = 1/);
    expect(() => readObj(42 as unknown as string)).toThrow(/readObj: argument 'data'/);
  });
});

describe("OFF", () => {
  it("reads OFF, COFF, NOFF with comments, extra values and polygons", () => {
    const off = "OFF\n# comment\n4 1 4\n0 0 0\n1 0 0\n\n1 1 0\n0 1 0\n4 0 1 2 3\n";
    expectMesh(readOff(off), quad.positions, quad.faces);
    const coff =
      "COFF 4 1 0\n0 0 0 255 0 0 255\n1 0 0 0 255 0 255\n1 1 0 0 0 255 255\n0 1 0 1 1 1 1\n4 0 1 2 3 255 0 0\n";
    expectMesh(readOff(coff), quad.positions, quad.faces);
    const noff = "NOFF\n4 2 0\n0 0 0 0 0 1\n1 0 0 0 0 1\n1 1 0 0 0 1\n0 1 0 0 0 1\n3 0 1 2\n3 0 2 3\n";
    expectMesh(readOff(noff), quad.positions, quad.faces);
    // ModelNet's header without a line break
    expectMesh(readOff("OFF4 1 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n4 0 1 2 3\n"), quad.positions, quad.faces);
  });

  it("checks the header's counts against the lines present", () => {
    expect(() => readOff("OFF\n9999999 1 0\n0 0 0\n")).toThrow(
      /readOff: OFF line 2: the header announces 9999999 vertices and 1 faces, but only 2 lines follow/,
    );
    expect(() => readOff("OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n3 0 1 5\n")).toThrow(
      /OFF line 6: corner 2 of face 0 is not a vertex id in \[0, 3\): "5"/,
    );
    expect(() => readOff("OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n9 0 1 2\n")).toThrow(/face 0 announces 9 corners/);
    expect(() => readOff("OFF\n-3 1\n")).toThrow(/vertex count is not a non-negative integer: "-3"/);
    expect(() => readOff("4OFF\n1 0 0\n0 0 0 0\n")).toThrow(/4-D and n-D/);
    expect(() => readOff("PLY\n")).toThrow(/expected the keyword OFF/);
    expect(() => readOff("")).toThrow(/empty/);
    expect(() => readOff("OFF\n3 0 0\n0 0 0\n1 0 0\n0 1 0\n", { maxVertices: 2 })).toThrow(/maxVertices = 2/);
  });
});

describe("PLY", () => {
  const ascii = [
    "ply",
    "format ascii 1.0",
    "comment made by hand",
    "element vertex 4",
    "property float x",
    "property float y",
    "property double z",
    "property uchar red",
    "property list uchar float uv",
    "element edge 1",
    "property int vertex1",
    "property int vertex2",
    "element face 1",
    "property uchar flags",
    "property list uchar int vertex_indices",
    "end_header",
    "0 0 0 255 2 0.5 0.5",
    "1 0 0 0 0",
    "1 1 0 0 1 7",
    "0 1 0 9 0",
    "0 1",
    "1 4 0 1 2 3",
    "",
  ].join("\n");

  it("reads ASCII with skipped properties, lists and elements", () => {
    expectMesh(readPly(ascii), quad.positions, quad.faces);
    expectMesh(readPly(new TextEncoder().encode(ascii.replace(/\n/g, "\r\n"))), quad.positions, quad.faces);
  });

  it("reads binary little- and big-endian with any vertex and index types", () => {
    for (const le of [true, false]) {
      const header = [
        "ply",
        `format ${le ? "binary_little_endian" : "binary_big_endian"} 1.0`,
        "element vertex 4",
        "property short x",
        "property double y",
        "property list uint8 int16 skipme",
        "property float z",
        "element material 2",
        "property uchar a",
        "property int b",
        "element face 2",
        "property list int uint vertex_index",
        "end_header",
        "",
      ].join("\n");
      const vals: [T, number][] = [];
      for (let v = 0; v < 4; v++) {
        vals.push(["i16", quad.positions[3 * v]!], ["f64", quad.positions[3 * v + 1]!], ["u8", v % 2]);
        if (v % 2) vals.push(["i16", -7]);
        vals.push(["f32", quad.positions[3 * v + 2]!]);
      }
      vals.push(["u8", 1], ["i32", 2], ["u8", 3], ["i32", 4]);
      vals.push(["i32", 3], ["u32", 0], ["u32", 1], ["u32", 2], ["i32", 3], ["u32", 0], ["u32", 2], ["u32", 3]);
      expectMesh(readPly(binaryPly(header, vals, le)), quad.positions, quad.faces);
    }
  });

  it("checks every count against the bytes present", () => {
    const header = (nv: number, nf: number) =>
      `ply\nformat binary_little_endian 1.0\nelement vertex ${nv}\nproperty float x\nproperty float y\nproperty float z\nelement face ${nf}\nproperty list uchar int vertex_indices\nend_header\n`;
    const verts: [T, number][] = Array.from({ length: 9 }, () => ["f32", 0] as [T, number]);
    const face: [T, number][] = [
      ["u8", 3],
      ["i32", 0],
      ["i32", 1],
      ["i32", 2],
    ];
    const h31 = header(3, 1).length;
    expect(readPly(binaryPly(header(3, 1), [...verts, ...face])).numFaces).toBe(1);
    expect(() => readPly(binaryPly(header(2000000000, 1), [...verts, ...face]))).toThrow(
      /readPly: PLY line 3: vertex count 2000000000 exceeds maxVertices/,
    );
    expect(() => readPly(binaryPly(header(30000000, 1), [...verts, ...face]))).toThrow(
      new RegExp(
        `PLY byte ${header(30000000, 1).length}: element 'vertex' announces 30000000 rows of at least 12 bytes, but only 49 bytes remain`,
      ),
    );
    expect(() => readPly(binaryPly(header(3, 1), [...verts, ["u8", 200], ["i32", 0]]))).toThrow(
      new RegExp(`PLY byte ${h31 + 36}: list 'vertex_indices' of face 0 announces 200 values, but only 4 bytes remain`),
    );
    expect(() => readPly(binaryPly(header(3, 1), [...verts, ["u8", 3], ["i32", 0], ["i32", 1], ["i32", 7]]))).toThrow(
      new RegExp(`PLY byte ${h31 + 36}: corner 2 of face 0 is vertex 7, outside \\[0, 3\\)`),
    );
    expect(() => readPly(binaryPly(header(3, 1), [...verts, ["u8", 2], ["i32", 0], ["i32", 1]]))).toThrow(
      /face 0 has 2 corners/,
    );
    expect(() => readPly(binaryPly(header(3, 2), [...verts, ...face, ["u8", 3]]))).toThrow(
      /list 'vertex_indices' of face 1 announces 3 values, but only 0 bytes remain/,
    );
    expect(() => readPly(binaryPly(header(3, 2), [...verts, ...face]))).toThrow(/the file ends inside face 1/);
    const nan: [T, number][] = [["f32", Number.NaN], ...verts.slice(1)];
    expect(() => readPly(binaryPly(header(3, 1), [...nan, ...face]))).toThrow(
      new RegExp(`PLY byte ${h31}: 'x' of vertex 0 is NaN`),
    );
    expect(() => readPly("ply\nformat ascii 1.0\nelement vertex 99999\nproperty float x\nend_header\n")).toThrow(
      /PLY line 3: the vertex element has no property 'y'/,
    );
    expect(() =>
      readPly(
        "ply\nformat ascii 1.0\nelement vertex 99999\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n",
      ),
    ).toThrow(/PLY line 3: element 'vertex' announces 99999 rows, but only 1 lines follow the header/);
    expect(() =>
      readPly(
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0\n",
      ),
    ).toThrow(/PLY line 8: vertex 0 has too few values/);
    expect(() => readPly("ply\nformat binary_little_endian 1.0\nelement vertex 0\nend_header\n")).toThrow(
      /must be given as bytes/,
    );
    expect(() => readPly("ply\nformat ascii 2.0\nend_header\n")).toThrow(/PLY line 2: unsupported version "2.0"/);
    expect(() => readPly("ply\nformat ascii 1.0\nelement vertex 1\nproperty float128 x\nend_header\n")).toThrow(
      /PLY line 4: unknown property type "float128"/,
    );
    expect(() => readPly("ply\nformat ascii 1.0\nelement vertex 1\n")).toThrow(/no end_header/);
    expect(() => readPly("plx\n")).toThrow(/PLY byte 0: expected the magic line "ply"/);
  });
});

describe("round trips", () => {
  const meshes = [tetrahedron(), cube(), disc(), torus(), bunny()];
  it("OBJ, OFF and ASCII PLY are exact in float64", () => {
    for (const m of meshes) {
      // irrational coordinates that need all 17 digits, and a negative zero
      const p = Float64Array.from(m.positions, (x, i) => x * Math.PI + (i === 0 ? -0 : 1e-9 * Math.E * i));
      p[0] = -0;
      const mm = new Mesh(p, m.faces);
      for (const back of [readObj(writeObj(mm)), readOff(writeOff(mm)), readPly(writePly(mm))]) {
        expect(back.positions).toEqual(mm.positions);
        expect(Object.is(back.positions[0], -0)).toBe(true);
        expect(back.faces).toEqual(mm.faces);
      }
    }
  });

  it("binary PLY is exact in float64, and in float32 for float32 coordinates", () => {
    for (const m of meshes) {
      const p = Float64Array.from(m.positions, (x) => x * Math.PI);
      const mm = new Mesh(p, m.faces);
      for (const format of ["binary", "binary_big_endian"] as const) {
        const b64 = readPly(writePly(mm, { format, dtype: "float64" }));
        expect(b64.positions).toEqual(mm.positions);
        expect(b64.faces).toEqual(mm.faces);
        const b32 = readPly(writePly(mm, { format }));
        expect(b32.positions).toEqual(Float64Array.from(p, Math.fround));
        expect(b32.faces).toEqual(mm.faces);
      }
    }
    const withNormals = writePly(cube(), { format: "binary", normals: true });
    expect(readPly(withNormals).positions).toEqual(cube().positions);
    expect(readPly(writePly(cube(), { normals: true, comment: "hi\nthere" })).positions).toEqual(cube().positions);
  });

  it("readMesh sniffs the format; writeMesh writes each", () => {
    const m = torus();
    expect(sniffMeshFormat(writeObj(m, { comment: "made by erlangen" }))).toBe("obj");
    expect(sniffMeshFormat(writeOff(m, { comment: "c" }))).toBe("off");
    expect(sniffMeshFormat(writePly(m))).toBe("ply");
    expect(sniffMeshFormat(writePly(m, { format: "binary" }))).toBe("ply");
    expect(sniffMeshFormat("hello")).toBeNull();
    for (const f of ["obj", "off", "ply"] as const) {
      const data = writeMesh(m, f);
      expect(readMesh(data).positions).toEqual(m.positions);
      expect(readMesh(data, f).faces).toEqual(m.faces);
      expect(readMesh(typeof data === "string" ? new TextEncoder().encode(data).buffer : data).faces).toEqual(m.faces);
    }
    expect(readMesh(writeMesh(m, "ply", { format: "binary" })).numFaces).toBe(m.numFaces);
    expect(() => readMesh("hello world\n")).toThrow(
      /readMesh: mesh file line 1: could not tell the format \(OBJ, OFF or PLY\) from "hello world"/,
    );
    expect(() => readMesh("v 0 0 0", "stl" as "obj")).toThrow(/readMesh: argument 'format'/);
    expect(() => writeMesh(m, "stl" as "obj")).toThrow(/writeMesh: argument 'format'/);
  });
});
