/** Remeshing and bending for the robustness measurements: subdivision, edge flips, a near-isometric bend. */
import { describe, expect, it } from "vitest";
import { Mesh } from "../src/domains/mesh/mesh.js";
import { bendMesh, edgeLengthDistortion, flipEdges, subdivideMidpoint } from "../src/domains/mesh/remesh.js";
import { validateMesh } from "../src/domains/mesh/validate.js";
import { loadShrec11 } from "../src/node/mesh_datasets.js";
import { Generator } from "../src/tensor/rng.js";

/** A flat n × m grid in the xy-plane (thickness 0). */
function grid(n: number, m: number): Mesh {
  const pos: number[] = [];
  const faces: number[] = [];
  for (let j = 0; j <= m; j++) for (let i = 0; i <= n; i++) pos.push(i / n, (0.3 * j) / m, 0);
  const id = (i: number, j: number) => j * (n + 1) + i;
  for (let j = 0; j < m; j++)
    for (let i = 0; i < n; i++)
      faces.push(id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j), id(i + 1, j + 1), id(i, j + 1));
  return new Mesh(pos, faces);
}

describe("remeshing and bending", () => {
  const mesh = loadShrec11({ trainLimit: 1, testLimit: 0 }).train[0]!.mesh;

  it("midpoint subdivision: the same surface, 4× the faces, original vertices kept", () => {
    const s = subdivideMidpoint(mesh);
    expect(s.numVertices).toBe(mesh.numVertices + mesh.numEdges);
    expect(s.numFaces).toBe(4 * mesh.numFaces);
    expect(s.eulerCharacteristic()).toBe(mesh.eulerCharacteristic());
    expect(s.area()).toBeCloseTo(mesh.area(), 10);
    expect(Array.from(s.positions.subarray(0, 3 * mesh.numVertices))).toEqual(Array.from(mesh.positions));
    expect(validateMesh(s).ok).toBe(true);
  });

  it("edge flips: the same vertices, another valid triangulation, about the share asked for", () => {
    const { mesh: f, flipped } = flipEdges(mesh, { fraction: 0.2, generator: new Generator(1) });
    expect(f.numVertices).toBe(mesh.numVertices);
    expect(f.numFaces).toBe(mesh.numFaces);
    expect(f.numEdges).toBe(mesh.numEdges);
    expect(f.eulerCharacteristic()).toBe(mesh.eulerCharacteristic());
    expect(validateMesh(f).ok).toBe(true);
    expect(flipped).toBeGreaterThan(0.1 * mesh.numEdges);
    const same = new Set<string>();
    for (let e = 0; e < mesh.numEdges; e++) same.add(`${mesh.edges[2 * e]},${mesh.edges[2 * e + 1]}`);
    let changed = 0;
    for (let e = 0; e < f.numEdges; e++) if (!same.has(`${f.edges[2 * e]},${f.edges[2 * e + 1]}`)) changed++;
    expect(changed).toBe(flipped);
    expect(() => flipEdges(mesh, { fraction: 2 })).toThrow(/fraction/);
  });

  it("bend: isometric for a flat strip, near-isometric for a SHREC shape", () => {
    const g = grid(20, 3);
    const b = bendMesh(g, { angle: Math.PI / 2 });
    expect(edgeLengthDistortion(g, b).max).toBeLessThan(0.01);
    const bb = b.boundingBox();
    expect(bb.max[2] - bb.min[2]).toBeCloseTo((2 / Math.PI) * (1 - Math.cos(Math.PI / 4)), 6); // R(1 − cos(θ/2)), R = 2/π
    const s = bendMesh(mesh, { angle: Math.PI / 3 });
    const d = edgeLengthDistortion(mesh, s);
    console.log(
      `bend π/3 of ${mesh.numVertices}-vertex SHREC mesh: edge-length change mean ${d.mean.toFixed(4)}, max ${d.max.toFixed(4)}`,
    );
    expect(d.mean).toBeLessThan(0.2);
    expect(() => bendMesh(mesh, { angle: 7 })).toThrow(/angle/);
    expect(() => edgeLengthDistortion(mesh, g)).toThrow(/edgeLengthDistortion/);
  });
});
