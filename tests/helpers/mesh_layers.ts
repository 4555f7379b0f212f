/**
 * Small meshes and dense reference operators for the mesh-layer tests: a triangulated flat grid, an
 * icosphere, a torus; the dense cotangent Laplacian and lumped mass; the generalised eigenbasis
 * L φ = λ M φ by the dense solver; DiffusionNet's tangent frames. Dense on purpose (tiny meshes), so
 * the layers are tested against operators computed independently of the library's sparse ones.
 */

import type { MeshEigenbasis } from "../../src/domains/mesh/eigenbasis.js";
import { Mesh } from "../../src/domains/mesh/index.js";
import { symEigDense } from "../../src/linalg/dense_eigen.js";

/** An `n × m` grid of the unit square (z = 0), each cell split along a diagonal, optionally jittered. */
export function flatGrid(n: number, m: number, jitter = 0, seed = 1): Mesh {
  let s = seed;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
  const pos: number[] = [];
  for (let i = 0; i <= n; i++)
    for (let j = 0; j <= m; j++) {
      const inner = i > 0 && i < n && j > 0 && j < m;
      pos.push(i / n + (inner ? (jitter * rnd()) / n : 0), j / m + (inner ? (jitter * rnd()) / m : 0), 0);
    }
  const faces: number[] = [];
  const id = (i: number, j: number) => i * (m + 1) + j;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      faces.push(id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j), id(i + 1, j + 1), id(i, j + 1));
    }
  return new Mesh(pos, faces);
}

/** The unit icosphere: an icosahedron subdivided `level` times, vertices pushed to the sphere. */
export function icosphere(level: number): Mesh {
  const t = (1 + Math.sqrt(5)) / 2;
  const pos: number[][] = [
    [-1, t, 0],
    [1, t, 0],
    [-1, -t, 0],
    [1, -t, 0],
    [0, -1, t],
    [0, 1, t],
    [0, -1, -t],
    [0, 1, -t],
    [t, 0, -1],
    [t, 0, 1],
    [-t, 0, -1],
    [-t, 0, 1],
  ].map((p) => {
    const r = Math.hypot(p[0]!, p[1]!, p[2]!);
    return p.map((c) => c / r);
  });
  let faces = [
    [0, 11, 5],
    [0, 5, 1],
    [0, 1, 7],
    [0, 7, 10],
    [0, 10, 11],
    [1, 5, 9],
    [5, 11, 4],
    [11, 10, 2],
    [10, 7, 6],
    [7, 1, 8],
    [3, 9, 4],
    [3, 4, 2],
    [3, 2, 6],
    [3, 6, 8],
    [3, 8, 9],
    [4, 9, 5],
    [2, 4, 11],
    [6, 2, 10],
    [8, 6, 7],
    [9, 8, 1],
  ];
  for (let l = 0; l < level; l++) {
    const mid = new Map<string, number>();
    const midpoint = (a: number, b: number) => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      let v = mid.get(key);
      if (v === undefined) {
        const p = [0, 1, 2].map((d) => (pos[a]![d]! + pos[b]![d]!) / 2);
        const r = Math.hypot(p[0]!, p[1]!, p[2]!);
        pos.push(p.map((c) => c / r));
        v = pos.length - 1;
        mid.set(key, v);
      }
      return v;
    };
    const next: number[][] = [];
    for (const [a, b, c] of faces as [number, number, number][]) {
      const ab = midpoint(a, b);
      const bc = midpoint(b, c);
      const ca = midpoint(c, a);
      next.push([a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]);
    }
    faces = next;
  }
  return new Mesh(pos.flat(), faces.flat());
}

/** A torus with radii R (tube centre) and r (tube), `n` segments around and `m` around the tube. */
export function torus(n: number, m: number, R = 1, r = 0.4): Mesh {
  const pos: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = (2 * Math.PI * i) / n;
    for (let j = 0; j < m; j++) {
      const v = (2 * Math.PI * j) / m;
      pos.push((R + r * Math.cos(v)) * Math.cos(u), (R + r * Math.cos(v)) * Math.sin(u), r * Math.sin(v));
    }
  }
  const faces: number[] = [];
  const id = (i: number, j: number) => (i % n) * m + (j % m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      faces.push(id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j), id(i + 1, j + 1), id(i, j + 1));
    }
  return new Mesh(pos, faces);
}

/** Dense cotangent Laplacian L = D − W (row-major V×V, PSD) and the lumped (barycentric) mass. */
export function denseCotan(mesh: Mesh): { L: Float64Array; mass: Float64Array } {
  const V = mesh.numVertices;
  const L = new Float64Array(V * V);
  const mass = new Float64Array(V);
  const p = mesh.positions;
  const areas = mesh.faceAreas();
  for (let f = 0; f < mesh.numFaces; f++) {
    const idx = [mesh.faces[3 * f]!, mesh.faces[3 * f + 1]!, mesh.faces[3 * f + 2]!];
    for (let k = 0; k < 3; k++) {
      const o = idx[k]!;
      const a = idx[(k + 1) % 3]!;
      const b = idx[(k + 2) % 3]!;
      const u = [0, 1, 2].map((d) => p[3 * a + d]! - p[3 * o + d]!);
      const v = [0, 1, 2].map((d) => p[3 * b + d]! - p[3 * o + d]!);
      const dot = u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!;
      const cx = u[1]! * v[2]! - u[2]! * v[1]!;
      const cy = u[2]! * v[0]! - u[0]! * v[2]!;
      const cz = u[0]! * v[1]! - u[1]! * v[0]!;
      const w = (0.5 * dot) / Math.hypot(cx, cy, cz);
      L[a * V + b]! -= w;
      L[b * V + a]! -= w;
      L[a * V + a]! += w;
      L[b * V + b]! += w;
      mass[o]! += areas[f]! / 3;
    }
  }
  return { L, mass };
}

/** The full M-orthonormal eigenbasis of L φ = λ M φ (dense), ascending: values [V], vectors [V, V] row-major. */
export function denseEigenbasis(mesh: Mesh): MeshEigenbasis {
  const V = mesh.numVertices;
  const { L, mass } = denseCotan(mesh);
  const s = mass.map((m) => 1 / Math.sqrt(m));
  const A = new Float64Array(V * V);
  for (let i = 0; i < V; i++) for (let j = 0; j < V; j++) A[i * V + j] = s[i]! * L[i * V + j]! * s[j]!;
  const { values, vectors } = symEigDense(A, V);
  for (let i = 0; i < V; i++) for (let j = 0; j < V; j++) vectors[i * V + j]! *= s[i]!;
  for (let j = 0; j < V; j++) values[j] = Math.max(values[j]!, 0);
  return { values, vectors, mass, k: V, numVertices: V };
}

/** The first `k` pairs of {@link denseEigenbasis}: values [k], vectors [V, k]. */
export function truncatedBasis(mesh: Mesh, k: number): MeshEigenbasis {
  const V = mesh.numVertices;
  const full = denseEigenbasis(mesh);
  const vectors = new Float64Array(V * k);
  for (let i = 0; i < V; i++) for (let j = 0; j < k; j++) vectors[i * k + j] = full.vectors[i * V + j]!;
  return { values: full.values.slice(0, k), vectors, mass: full.mass, k, numVertices: V };
}

/**
 * Tangent frames as DiffusionNet builds them: the area-weighted vertex normal n, x = the first of
 * e₁, e₂ not nearly parallel to n, projected into the tangent plane and normalised, y = n × x.
 */
export function candidateFrames(mesh: Mesh): { normals: Float64Array; xAxes: Float64Array; yAxes: Float64Array } {
  const V = mesh.numVertices;
  const normals = mesh.vertexNormals();
  const xAxes = new Float64Array(3 * V);
  const yAxes = new Float64Array(3 * V);
  for (let v = 0; v < V; v++) {
    const n = [normals[3 * v]!, normals[3 * v + 1]!, normals[3 * v + 2]!];
    const c = Math.abs(n[0]!) > 0.9 ? [0, 1, 0] : [1, 0, 0];
    const d = c[0]! * n[0]! + c[1]! * n[1]! + c[2]! * n[2]!;
    const x = [0, 1, 2].map((k) => c[k]! - d * n[k]!);
    const r = Math.hypot(x[0]!, x[1]!, x[2]!);
    for (let k = 0; k < 3; k++) xAxes[3 * v + k] = x[k]! / r;
    const [x0, x1, x2] = [xAxes[3 * v]!, xAxes[3 * v + 1]!, xAxes[3 * v + 2]!];
    yAxes[3 * v] = n[1]! * x2 - n[2]! * x1;
    yAxes[3 * v + 1] = n[2]! * x0 - n[0]! * x2;
    yAxes[3 * v + 2] = n[0]! * x1 - n[1]! * x0;
  }
  return { normals, xAxes, yAxes };
}

/** The mesh moved rigidly: p ↦ R p + t (R row-major 3×3). */
export function moveMesh(mesh: Mesh, R: ArrayLike<number>, t: ArrayLike<number>): Mesh {
  const p = mesh.positions;
  const out = new Float64Array(p.length);
  for (let v = 0; v < mesh.numVertices; v++)
    for (let i = 0; i < 3; i++) {
      let s = t[i]!;
      for (let j = 0; j < 3; j++) s += R[3 * i + j]! * p[3 * v + j]!;
      out[3 * v + i] = s;
    }
  return new Mesh(out, mesh.faces);
}
