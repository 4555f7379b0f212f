import { describe, expect, it } from "vitest";
import { Batch } from "../src/domains/graph/batch.js";
import {
  fromBufferGeometry,
  Mesh,
  mergeVertices,
  meshToGraph,
  toBufferGeometry,
  validateMesh,
} from "../src/domains/mesh/index.js";
import { Generator } from "../src/tensor/rng.js";
import { bunny, cube, disc, tetrahedron, torus } from "./helpers/meshes.js";

/** FaceToEdge by the book: the set of both directions of every face side, sorted. */
function faceToEdge(m: Mesh): number[][] {
  const pairs = new Set<string>();
  for (let f = 0; f < m.numFaces; f++) {
    for (let k = 0; k < 3; k++) {
      const a = m.faces[3 * f + k]!;
      const b = m.faces[3 * f + ((k + 1) % 3)]!;
      pairs.add(`${a},${b}`);
      pairs.add(`${b},${a}`);
    }
  }
  const list = [...pairs].map((s) => s.split(",").map(Number) as [number, number]);
  list.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  return [list.map((p) => p[0]), list.map((p) => p[1])];
}

describe("meshToGraph", () => {
  it("tetrahedron: every ordered pair, coalesced, with pos and face", () => {
    const m = tetrahedron();
    const g = meshToGraph(m, { face: true });
    expect(g.numNodes).toBe(4);
    expect(g.edgeIndex!.shape).toEqual([2, 12]);
    expect(g.edgeIndex!.toArray()).toEqual([
      [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
      [1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2],
    ]);
    expect(g.pos!.dtype).toBe("float32");
    expect(g.pos!.shape).toEqual([4, 3]);
    expect(Array.from(g.pos!.data)).toEqual(Array.from(m.positions));
    const face = g.get("face")!;
    expect(face.shape).toEqual([3, 4]);
    expect(face.toArray()).toEqual([
      [0, 0, 0, 1],
      [2, 1, 3, 2],
      [1, 3, 2, 3],
    ]);
    expect(g.x).toBeNull();
    const gx = meshToGraph(m, { x: true, dtype: "float64" });
    expect(gx.x!.dtype).toBe("float64");
    expect(Array.from(gx.x!.data)).toEqual(Array.from(m.positions));
  });

  it("matches FaceToEdge on the torus, disc and bunny; batches faces with node offsets", () => {
    for (const m of [torus(), disc(), bunny()]) {
      const g = meshToGraph(m);
      expect(g.edgeIndex!.toArray()).toEqual(faceToEdge(m));
      expect(g.numEdges).toBe(2 * m.numEdges);
    }
    const b = Batch.fromGraphs([meshToGraph(tetrahedron(), { face: true }), meshToGraph(cube(), { face: true })]);
    const face = b.get("face")!;
    expect(face.shape).toEqual([3, 16]);
    expect(Math.min(...Array.from(face.data).slice(4 * 3))).toBeGreaterThanOrEqual(0);
    expect((face.toArray() as number[][])[0]!.slice(4)).toEqual(
      Array.from(
        cube().faces.filter((_, i) => i % 3 === 0),
        (v) => v + 4,
      ),
    );
  });

  it("keeps one self-loop for a face that repeats a vertex", () => {
    const g = meshToGraph(new Mesh([0, 0, 0, 1, 0, 0], [0, 0, 1]));
    expect(g.edgeIndex!.toArray()).toEqual([
      [0, 0, 1],
      [0, 1, 0],
    ]);
  });
});

describe("three.js BufferGeometry", () => {
  it("round-trips an indexed geometry (float32 coordinates exact)", () => {
    const m = cube();
    const g = toBufferGeometry(m);
    expect(g.position).toBeInstanceOf(Float32Array);
    expect(g.index).toBeInstanceOf(Uint16Array);
    expect(g.normal).toBeInstanceOf(Float32Array);
    expect(Array.from(g.index!)).toEqual(Array.from(m.faces));
    // cube corner normals point along the diagonals
    for (let v = 0; v < 8; v++) {
      const n = [g.normal![3 * v]!, g.normal![3 * v + 1]!, g.normal![3 * v + 2]!];
      expect(Math.hypot(...n)).toBeCloseTo(1, 6);
    }
    const back = fromBufferGeometry({ position: g.position, index: g.index });
    expect(back.positions).toEqual(m.positions);
    expect(back.faces).toEqual(m.faces);
    // three.js attribute objects work as they are
    const attrs = fromBufferGeometry({
      position: { array: g.position, itemSize: 3 },
      index: { array: g.index!, itemSize: 1 },
    });
    expect(attrs.faces).toEqual(m.faces);
    expect(toBufferGeometry(m, { normals: false }).normal).toBeNull();
  });

  it("merges the vertices of a triangle soup (non-indexed, flat-shaded) back into the mesh", () => {
    for (const m of [cube(), bunny()]) {
      const soup = toBufferGeometry(m, { flat: true });
      expect(soup.index).toBeNull();
      expect(soup.position).toHaveLength(9 * m.numFaces);
      expect(Array.from(soup.normal!.subarray(0, 3))).toEqual(Array.from(m.faceNormals().subarray(0, 3), Math.fround));
      const back = fromBufferGeometry({ position: soup.position });
      expect(back.numVertices).toBe(m.numVertices);
      expect(back.numFaces).toBe(m.numFaces);
      expect(back.eulerCharacteristic()).toBe(2);
      expect(validateMesh(back).ok).toBe(true);
      // same triangles up to the vertex numbering: every face's corners have the same positions
      let mismatches = 0;
      for (let f = 0; f < m.numFaces; f++) {
        for (let k = 0; k < 3; k++) {
          const a = m.faces[3 * f + k]!;
          const b = back.faces[3 * f + k]!;
          for (let d = 0; d < 3; d++)
            if (back.positions[3 * b + d] !== Math.fround(m.positions[3 * a + d]!)) mismatches++;
        }
      }
      expect(mismatches).toBe(0);
    }
  });

  it("merges within a tolerance, and not without one", () => {
    const m = cube();
    const soup = toBufferGeometry(m, { flat: true }).position;
    const g = new Generator(3);
    const jittered = Float32Array.from(soup, (x) => x + 1e-6 * (g.random() - 0.5));
    expect(fromBufferGeometry({ position: jittered }).numVertices).toBe(36);
    const merged = fromBufferGeometry({ position: jittered }, { tolerance: 1e-4 });
    expect(merged.numVertices).toBe(8);
    expect(merged.eulerCharacteristic()).toBe(2);
    // a tolerance larger than a triangle collapses it, and the collapsed triangle is dropped
    const tiny = [0, 0, 0, 1e-3, 0, 0, 0, 1e-3, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0];
    expect(fromBufferGeometry({ position: tiny }, { tolerance: 1e-2 }).numFaces).toBe(1);
    const r = mergeVertices([0, 0, 0, 1, 0, 0, 0, 0, 0], [0, 1, 2]);
    expect(Array.from(r.vertexMap)).toEqual([0, 1, 0]);
    expect(Array.from(r.faces)).toEqual([0, 1, 0]);
    expect(() => mergeVertices([0, 0, 0], [], { tolerance: -1 })).toThrow(/tolerance/);
  });

  it("uses a Uint32Array index past 65,535 vertices, and rejects bad geometry clearly", () => {
    const big = torus(300, 300);
    expect(toBufferGeometry(big, { normals: false }).index).toBeInstanceOf(Uint32Array);
    expect(() => fromBufferGeometry({ position: [0, 0, 0, 1, 0, 0, 0, 1, 0], index: [0, 1, 3] })).toThrow(
      /fromBufferGeometry: argument 'index' expected vertex ids in \[0, 3\), got 3 at position 2 \(triangle 0\)/,
    );
    expect(() => fromBufferGeometry({ position: { array: [0, 0, 0, 1], itemSize: 2 } })).toThrow(/itemSize 3/);
    expect(() => fromBufferGeometry({ position: [0, 0, 0, 1, 0, 0] })).toThrow(/3 vertices per triangle/);
    expect(() => fromBufferGeometry({ position: [0, 0, 0, 1, 0, 0, 0, 1, 0], index: [0, 1] })).toThrow(
      /divisible by 3/,
    );
  });
});
