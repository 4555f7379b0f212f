// Small meshes with known answers for the mesh tests (all counter-clockwise seen from outside / from +z).
import { readFileSync } from "node:fs";
import { Mesh } from "../../src/domains/mesh/index.js";

/** Regular-ish tetrahedron on the unit axes: V 4, E 6, F 4, χ 2. */
export function tetrahedron(): Mesh {
  return new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]);
}

/** Unit cube [0, 1]³, two triangles per side: V 8, E 18, F 12, χ 2, area 6, outward normals. */
export function cube(): Mesh {
  const p = [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1];
  // quads listed counter-clockwise from outside
  const quads = [
    [0, 3, 2, 1], // z = 0
    [4, 5, 6, 7], // z = 1
    [0, 1, 5, 4], // y = 0
    [2, 3, 7, 6], // y = 1
    [1, 2, 6, 5], // x = 1
    [0, 4, 7, 3], // x = 0
  ];
  return Mesh.fromPolygons(p, quads);
}

/**
 * A flat disc of radius 1 in the z = 0 plane: a centre vertex and `rings` rings of `n` vertices
 * each; V = 1 + rings·n, F = n(2·rings − 1), one boundary loop of n vertices.
 */
export function disc(rings = 3, n = 12): Mesh {
  const p: number[] = [0, 0, 0];
  for (let k = 1; k <= rings; k++) {
    for (let j = 0; j < n; j++) {
      const t = (2 * Math.PI * j) / n;
      p.push((k / rings) * Math.cos(t), (k / rings) * Math.sin(t), 0);
    }
  }
  const id = (k: number, j: number) => 1 + (k - 1) * n + (((j % n) + n) % n);
  const f: number[] = [];
  for (let j = 0; j < n; j++) f.push(0, id(1, j), id(1, j + 1));
  for (let k = 1; k < rings; k++) {
    for (let j = 0; j < n; j++)
      f.push(id(k, j), id(k + 1, j), id(k + 1, j + 1), id(k, j), id(k + 1, j + 1), id(k, j + 1));
  }
  return new Mesh(p, f);
}

/** A torus with radii R, r on an n × m grid: V = nm, E = 3nm, F = 2nm, χ 0, genus 1, outward normals. */
export function torus(n = 16, m = 8, R = 2, r = 0.5): Mesh {
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const u = (2 * Math.PI * i) / n;
      const v = (2 * Math.PI * j) / m;
      p.push((R + r * Math.cos(v)) * Math.cos(u), (R + r * Math.cos(v)) * Math.sin(u), r * Math.sin(v));
    }
  }
  const id = (i: number, j: number) => (i % n) * m + (j % m);
  const f: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++)
      f.push(id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j), id(i + 1, j + 1), id(i, j + 1));
  }
  return new Mesh(p, f);
}

/** The Stanford bunny shipped in datasets/meshes/bunny (closed, χ 2). */
export function bunny(): Mesh {
  const b = JSON.parse(readFileSync(new URL("../../datasets/meshes/bunny/bunny.json", import.meta.url), "utf8")) as {
    positions: number[][];
    cells: number[][];
  };
  return Mesh.fromArrays(b.positions, b.cells);
}

/** A predicate telling whether `(a, b, c)` is a face of `m` with this orientation (up to rotation). */
export function orientedFaces(m: Mesh): (a: number, b: number, c: number) => boolean {
  const keys = new Set<string>();
  const f = m.faces;
  for (let i = 0; i < m.numFaces; i++) {
    const [x, y, z] = [f[3 * i]!, f[3 * i + 1]!, f[3 * i + 2]!];
    keys.add(`${x},${y},${z}`);
    keys.add(`${y},${z},${x}`);
    keys.add(`${z},${x},${y}`);
  }
  return (a, b, c) => keys.has(`${a},${b},${c}`);
}
