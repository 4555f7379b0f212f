import { describe, expect, it } from "vitest";
import { Mesh, tangentFrames, tangentFramesFromNeighbours, vertexRings } from "../src/domains/mesh/index.js";
import { flatDisc, icosphere, torus } from "./helpers/gauge_shapes.js";

function checkOrthonormal(f: { normals: Float64Array; xAxes: Float64Array; yAxes: Float64Array }): number {
  let err = 0;
  const V = f.normals.length / 3;
  for (let p = 0; p < V; p++) {
    const n = [0, 1, 2].map((d) => f.normals[3 * p + d]!);
    const x = [0, 1, 2].map((d) => f.xAxes[3 * p + d]!);
    const y = [0, 1, 2].map((d) => f.yAxes[3 * p + d]!);
    const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
    // x × y = n (right-handed)
    const c = [x[1]! * y[2]! - x[2]! * y[1]!, x[2]! * y[0]! - x[0]! * y[2]!, x[0]! * y[1]! - x[1]! * y[0]!];
    err = Math.max(err, Math.abs(dot(n, n) - 1), Math.abs(dot(x, x) - 1), Math.abs(dot(y, y) - 1));
    err = Math.max(err, Math.abs(dot(n, x)), Math.abs(dot(n, y)), Math.abs(dot(x, y)));
    for (let d = 0; d < 3; d++) err = Math.max(err, Math.abs(c[d]! - n[d]!));
  }
  return err;
}

describe("tangent frames", () => {
  it("are right-handed orthonormal on sphere, disc and torus", () => {
    for (const m of [icosphere(2), flatDisc(), torus()]) expect(checkOrthonormal(tangentFrames(m))).toBeLessThan(1e-12);
  });

  it("point x towards the reference neighbour, with the outward normal on the sphere", () => {
    const m = icosphere(1);
    const f = tangentFrames(m);
    const { vertex, next, vertexHalfEdge } = m.halfEdges;
    for (let p = 0; p < m.numVertices; p++) {
      const q = vertex[next[vertexHalfEdge[p]!]!]!;
      const e = [0, 1, 2].map((d) => m.positions[3 * q + d]! - m.positions[3 * p + d]!);
      const ex = e[0]! * f.xAxes[3 * p]! + e[1]! * f.xAxes[3 * p + 1]! + e[2]! * f.xAxes[3 * p + 2]!;
      const ey = e[0]! * f.yAxes[3 * p]! + e[1]! * f.yAxes[3 * p + 1]! + e[2]! * f.yAxes[3 * p + 2]!;
      expect(ex).toBeGreaterThan(0);
      expect(Math.abs(ey)).toBeLessThan(1e-12);
      // outward normal = position on the unit sphere
      for (let d = 0; d < 3; d++) expect(f.normals[3 * p + d]!).toBeCloseTo(m.positions[3 * p + d]!, 1);
    }
  });

  it("lists every ring counter-clockwise around the normal", () => {
    for (const m of [icosphere(1), flatDisc(), torus()]) {
      const rings = vertexRings(m);
      const f = tangentFrames(m);
      for (let p = 0; p < m.numVertices; p++) {
        const a = rings.offsets[p]!;
        const b = rings.offsets[p + 1]!;
        // consecutive neighbours span a face: positive turn about n
        for (let i = a; i + 1 < b; i++) {
          const q = rings.indices[i]!;
          const r = rings.indices[i + 1]!;
          const u = [0, 1, 2].map((d) => m.positions[3 * q + d]! - m.positions[3 * p + d]!);
          const v = [0, 1, 2].map((d) => m.positions[3 * r + d]! - m.positions[3 * p + d]!);
          const c = [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
          expect(
            c[0]! * f.normals[3 * p]! + c[1]! * f.normals[3 * p + 1]! + c[2]! * f.normals[3 * p + 2]!,
          ).toBeGreaterThan(0);
        }
      }
    }
  });

  it("fall back when the reference edge is parallel to the normal, and from neighbour lists", () => {
    const pos = [0, 0, 0, 0, 0, 1, 1, 0, 0];
    const normals = [0, 0, 2, 0, 0, 1, 0, 0, 1];
    const f = tangentFramesFromNeighbours(pos, normals, [[1, 2], [0], []]);
    expect(checkOrthonormal(f)).toBeLessThan(1e-12);
    expect(Array.from(f.xAxes.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(f.normals[2]).toBe(1);
    // vertex 1's only neighbour is straight below it: axis fallback
    expect(Math.abs(f.xAxes[5]!)).toBeLessThan(1e-12);
    const csr = tangentFramesFromNeighbours(pos, normals, { offsets: [0, 2, 3, 3], indices: [1, 2, 0] });
    expect(Array.from(csr.xAxes)).toEqual(Array.from(f.xAxes));
    expect(() => tangentFramesFromNeighbours(pos, [0, 0, 0, 0, 0, 1, 0, 0, 1], [[1], [0], []])).toThrow(
      /normals.*vertex 0/,
    );
    expect(() => tangentFramesFromNeighbours(pos, normals, [[5], [0], []])).toThrow(/neighbours/);
    // an isolated vertex of a mesh gets n = e_z
    const m = new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 5, 5, 5], [0, 1, 2]);
    const g = tangentFrames(m);
    expect(Array.from(g.normals.subarray(9, 12))).toEqual([0, 0, 1]);
    expect(checkOrthonormal(g)).toBeLessThan(1e-12);
  });
});
