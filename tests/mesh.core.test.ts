import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Mesh } from "../src/domains/mesh/index.js";

const tetra = () => new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]);

describe("Mesh", () => {
  it("builds edges and half-edges of a closed tetrahedron", () => {
    const m = tetra();
    expect(m.numEdges).toBe(6);
    expect(m.eulerCharacteristic()).toBe(2);
    expect(m.boundaryLoops()).toHaveLength(0);
    expect(m.genus()).toBe(0);
    const { twin, next, vertex } = m.halfEdges;
    for (let h = 0; h < 12; h++) {
      expect(twin[twin[h]!]).toBe(h);
      // a twin runs the other way
      expect(vertex[twin[h]!]).toBe(vertex[next[h]!]);
    }
    expect(m.area()).toBeCloseTo(1.5 + Math.sqrt(3) / 2, 12);
  });

  it("finds the boundary loop of a single triangle", () => {
    const m = new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 2]);
    const loops = m.boundaryLoops();
    expect(loops).toHaveLength(1);
    expect(Array.from(loops[0]!)).toEqual([0, 1, 2]);
    expect(Array.from(m.faceNormals())).toEqual([0, 0, 1]);
  });

  it("reads the bunny as a closed genus-0 surface", () => {
    const b = JSON.parse(readFileSync(new URL("../datasets/meshes/bunny/bunny.json", import.meta.url), "utf8"));
    const pos = b.positions.flat();
    const faces = b.cells.flat();
    const m = new Mesh(pos, faces);
    expect(m.eulerCharacteristic()).toBe(2);
    expect(m.boundaryLoops()).toHaveLength(0);
  });

  it("names the face of an out-of-range vertex id", () => {
    expect(() => new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 3])).toThrow(/face 0.*|got 3 at face 0/);
  });
});
