import { describe, expect, it } from "vitest";
import { Mesh } from "../src/domains/mesh/index.js";
import { bunny, cube, disc, orientedFaces, tetrahedron, torus } from "./helpers/meshes.js";

/** Checks that every one-ring is counter-clockwise: consecutive neighbours close a face (v, u_i, u_{i+1}). */
function expectCounterClockwiseRings(m: Mesh): void {
  const { ptr, index, edge } = m.oneRings();
  const isFace = orientedFaces(m);
  const boundary = m.boundaryVertices();
  const faceCount = new Int32Array(m.numVertices);
  for (const v of m.faces) faceCount[v]!++;
  const bad: string[] = [];
  for (let v = 0; v < m.numVertices; v++) {
    const ring = Array.from(index.subarray(ptr[v]!, ptr[v + 1]!));
    const n = ring.length;
    // a manifold vertex has as many neighbours as faces, one more on the boundary
    if (n !== faceCount[v]! + (boundary[v] ? 1 : 0)) bad.push(`vertex ${v}: ${n} neighbours`);
    const pairs = boundary[v] ? n - 1 : n;
    for (let i = 0; i < pairs; i++) {
      if (!isFace(v, ring[i]!, ring[(i + 1) % n]!)) bad.push(`vertex ${v}: (${ring[i]}, ${ring[(i + 1) % n]}) no face`);
    }
    for (let i = 0; i < n; i++) {
      const e = edge[ptr[v]! + i]!;
      const [a, b] = [m.edges[2 * e]!, m.edges[2 * e + 1]!];
      if (a !== Math.min(v, ring[i]!) || b !== Math.max(v, ring[i]!)) bad.push(`vertex ${v}: edge ${e} wrong`);
    }
  }
  expect(bad).toEqual([]);
}

describe("Mesh topology", () => {
  it("tetrahedron: edges, lengths, degrees, rings", () => {
    const m = tetrahedron();
    expect(Array.from(m.edges)).toEqual([0, 1, 0, 2, 0, 3, 1, 2, 1, 3, 2, 3]);
    const s2 = Math.SQRT2;
    expect(Array.from(m.edgeLengths())).toEqual([1, 1, 1, s2, s2, s2]);
    expect(m.meanEdgeLength()).toBeCloseTo((3 + 3 * s2) / 6, 15);
    expect(Array.from(m.vertexDegrees())).toEqual([3, 3, 3, 3]);
    // vertex 0 sits at the origin; seen from outside (from −(1,1,1)) its neighbours 1, 2, 3 turn clockwise in xyz,
    // i.e. the ring is 1 → 3 → 2 (up to rotation) for the faces (0,1,3), (0,3,2), (0,2,1)
    const { ptr, index } = m.oneRings();
    const ring0 = Array.from(index.subarray(ptr[0]!, ptr[1]!));
    const rotations = [
      [1, 3, 2],
      [3, 2, 1],
      [2, 1, 3],
    ];
    expect(rotations).toContainEqual(ring0);
    expectCounterClockwiseRings(m);
    expect(m.connectedComponents().count).toBe(1);
  });

  it("cube: V, E, F, χ, area, outward normals, bounding box", () => {
    const m = cube();
    expect([m.numVertices, m.numEdges, m.numFaces]).toEqual([8, 18, 12]);
    expect(m.eulerCharacteristic()).toBe(2);
    expect(m.genus()).toBe(0);
    expect(m.area()).toBeCloseTo(6, 14);
    const c = m.centroid();
    const n = m.faceNormals();
    const p = m.positions;
    for (let f = 0; f < 12; f++) {
      // the normal points away from the centre
      const a = m.faces[3 * f]!;
      let dot = 0;
      for (let d = 0; d < 3; d++) dot += n[3 * f + d]! * (p[3 * a + d]! - c[d]!);
      expect(dot).toBeGreaterThan(0);
    }
    expect(m.boundingBox()).toEqual({ min: [0, 0, 0], max: [1, 1, 1] });
    expect(c).toEqual([0.5, 0.5, 0.5]);
    const ca = m.centroid({ weighted: "area" });
    for (const x of ca) expect(x).toBeCloseTo(0.5, 14);
    expectCounterClockwiseRings(m);
    // degrees: the two diagonals meet at 0 and 6 here, so those corners have 6 neighbours, or 4 / 5 elsewhere
    const deg = Array.from(m.vertexDegrees());
    expect(deg.reduce((s, d) => s + d, 0)).toBe(2 * 18);
  });

  it("flat disc: one boundary loop, χ 1, rings start on the boundary", () => {
    const rings = 3;
    const n = 12;
    const m = disc(rings, n);
    expect(m.numVertices).toBe(1 + rings * n);
    expect(m.numFaces).toBe(n * (2 * rings - 1));
    expect(m.eulerCharacteristic()).toBe(1);
    const loops = m.boundaryLoops();
    expect(loops).toHaveLength(1);
    expect(loops[0]!.length).toBe(n);
    expect(m.genus()).toBe(0);
    const b = m.boundaryVertices();
    expect(b.reduce((s, x) => s + x, 0)).toBe(n);
    expectCounterClockwiseRings(m);
    // a boundary vertex's ring begins with the target of its outgoing boundary half-edge
    const { ptr, index } = m.oneRings();
    const { vertex, next, twin } = m.halfEdges;
    for (let h = 0; h < twin.length; h++) {
      if (twin[h] !== -1) continue;
      expect(index[ptr[vertex[h]!]!]).toBe(vertex[next[h]!]);
    }
    // all normals +z; the centre has n neighbours in counter-clockwise angular order
    for (let f = 0; f < m.numFaces; f++) expect(m.faceNormals()[3 * f + 2]).toBeCloseTo(1, 14);
    const ring0 = Array.from(index.subarray(ptr[0]!, ptr[1]!));
    expect(ring0).toHaveLength(n);
    const angle = (v: number) => Math.atan2(m.positions[3 * v + 1]!, m.positions[3 * v]!);
    for (let i = 0; i < n; i++) {
      let d = angle(ring0[(i + 1) % n]!) - angle(ring0[i]!);
      if (d < 0) d += 2 * Math.PI;
      expect(d).toBeCloseTo((2 * Math.PI) / n, 12);
    }
    expect(m.area()).toBeLessThan(Math.PI);
    expect(m.area()).toBeGreaterThan(0.9 * Math.PI);
  });

  it("torus: χ 0, genus 1, degree 6 everywhere, no boundary", () => {
    const m = torus(16, 8);
    expect([m.numVertices, m.numEdges, m.numFaces]).toEqual([128, 384, 256]);
    expect(m.eulerCharacteristic()).toBe(0);
    expect(m.genus()).toBe(1);
    expect(m.boundaryLoops()).toHaveLength(0);
    expect(Array.from(new Set(m.vertexDegrees()))).toEqual([6]);
    expectCounterClockwiseRings(m);
    // outward normals: the normal points away from the tube's centre circle
    const n = m.vertexNormals();
    const p = m.positions;
    for (let v = 0; v < m.numVertices; v++) {
      const [x, y, z] = [p[3 * v]!, p[3 * v + 1]!, p[3 * v + 2]!];
      const rho = Math.hypot(x, y);
      const rx = x - (2 * x) / rho;
      const ry = y - (2 * y) / rho;
      expect(n[3 * v]! * rx + n[3 * v + 1]! * ry + n[3 * v + 2]! * z).toBeGreaterThan(0);
    }
    // edge lengths match the grid spacing
    const L = m.edgeLengths();
    expect(L).toHaveLength(384);
    expect(Math.min(...L)).toBeGreaterThan(0);
  });

  it("bunny: closed, χ 2, one component, consistent rings", () => {
    const m = bunny();
    expect(m.eulerCharacteristic()).toBe(2);
    expect(m.genus()).toBe(0);
    expect(m.connectedComponents().count).toBe(1);
    expectCounterClockwiseRings(m);
    const deg = m.vertexDegrees();
    let s = 0;
    for (const d of deg) s += d;
    expect(s).toBe(2 * m.numEdges);
  });

  it("connected components count pieces and isolated vertices", () => {
    const t = tetrahedron();
    const p = [...t.positions, ...Array.from(t.positions, (x) => x + 5), 9, 9, 9];
    const f = [...t.faces, ...Array.from(t.faces, (v) => v + 4)];
    const m = new Mesh(p, f);
    const c = m.connectedComponents();
    expect(c.count).toBe(3);
    expect(Array.from(c.vertex)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2]);
    expect(Array.from(c.face)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(m.vertexDegrees()[8]).toBe(0);
  });

  it("rings of a non-manifold vertex list every neighbour once", () => {
    // two triangles touching at vertex 0 (a bow tie)
    const m = new Mesh([0, 0, 0, 1, 0, 0, 1, 1, 0, -1, 0, 0, -1, -1, 0], [0, 1, 2, 0, 3, 4]);
    const { ptr, index } = m.oneRings();
    expect(Array.from(index.subarray(ptr[0]!, ptr[1]!)).sort()).toEqual([1, 2, 3, 4]);
    expect(m.vertexDegrees()[0]).toBe(4);
  });

  it("builds from nested arrays and polygons, with clear errors", () => {
    const m = Mesh.fromArrays(
      [
        [0, 0, 0],
        [1, 0, 0],
        [0, 1, 0],
      ],
      [[0, 1, 2]],
    );
    expect(m.numFaces).toBe(1);
    const q = Mesh.fromPolygons([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0], [[0, 1, 2, 3]]);
    expect(Array.from(q.faces)).toEqual([0, 1, 2, 0, 2, 3]);
    expect(() => Mesh.fromArrays([[0, 0]], [])).toThrow(/positions.*row 0/);
    expect(() => Mesh.fromPolygons([0, 0, 0], [[0, 0]])).toThrow(/polygon 0/);
  });
});
