/**
 * Mesh generators for tests, examples and benchmarks: shapes whose operators have known answers.
 *
 * - {@link icosphere}: the icosahedron with each triangle split in four `subdivisions` times, vertices
 *   projected to the sphere (`V = 10·4^s + 2`, `F = 20·4^s`); its Laplace–Beltrami eigenvalues approach
 *   `l(l+1)/r²` with multiplicities `2l + 1`.
 * - {@link torus}: a ring torus of revolution (genus 1) on a `majorSegments × minorSegments` grid.
 * - {@link disc}: a flat unit disc from concentric rings (ring i holds 6i vertices), with boundary.
 * - {@link grid}: a flat `nx × ny` rectangle of quads split along one diagonal.
 *
 * All faces are counter-clockwise seen from outside (from +z for the flat ones).
 */
import { opError } from "../../tensor/errors.js";
import { Mesh } from "./mesh.js";

/** The unit icosphere (scaled by `radius`) after `subdivisions` rounds of 1-to-4 splits. */
export function icosphere(subdivisions = 0, radius = 1): Mesh {
  if (!Number.isInteger(subdivisions) || subdivisions < 0 || subdivisions > 9)
    opError("icosphere", "subdivisions", "an integer in [0, 9]", String(subdivisions));
  const t = (1 + Math.sqrt(5)) / 2;
  const pos: number[] = [
    -1,
    t,
    0,
    1,
    t,
    0,
    -1,
    -t,
    0,
    1,
    -t,
    0,
    0,
    -1,
    t,
    0,
    1,
    t,
    0,
    -1,
    -t,
    0,
    1,
    -t,
    t,
    0,
    -1,
    t,
    0,
    1,
    -t,
    0,
    -1,
    -t,
    0,
    1,
  ];
  let faces: number[] = [
    0, 11, 5, 0, 5, 1, 0, 1, 7, 0, 7, 10, 0, 10, 11, 1, 5, 9, 5, 11, 4, 11, 10, 2, 10, 7, 6, 7, 1, 8, 3, 9, 4, 3, 4, 2,
    3, 2, 6, 3, 6, 8, 3, 8, 9, 4, 9, 5, 2, 4, 11, 6, 2, 10, 8, 6, 7, 9, 8, 1,
  ];
  const normalize = (i: number): void => {
    const l = Math.hypot(pos[3 * i]!, pos[3 * i + 1]!, pos[3 * i + 2]!);
    for (let d = 0; d < 3; d++) pos[3 * i + d]! /= l;
  };
  for (let i = 0; i < 12; i++) normalize(i);
  for (let s = 0; s < subdivisions; s++) {
    const mid = new Map<number, number>();
    const V = pos.length / 3;
    const midpoint = (a: number, b: number): number => {
      const key = a < b ? a * V + b : b * V + a;
      let m = mid.get(key);
      if (m === undefined) {
        m = pos.length / 3;
        for (let d = 0; d < 3; d++) pos.push((pos[3 * a + d]! + pos[3 * b + d]!) / 2);
        normalize(m);
        mid.set(key, m);
      }
      return m;
    };
    const next: number[] = [];
    for (let f = 0; f < faces.length; f += 3) {
      const a = faces[f]!;
      const b = faces[f + 1]!;
      const c = faces[f + 2]!;
      const ab = midpoint(a, b);
      const bc = midpoint(b, c);
      const ca = midpoint(c, a);
      next.push(a, ab, ca, b, bc, ab, c, ca, bc, ab, bc, ca);
    }
    faces = next;
  }
  if (radius !== 1) for (let i = 0; i < pos.length; i++) pos[i]! *= radius;
  return new Mesh(pos, faces);
}

/** Options of {@link torus}. */
export interface TorusOptions {
  /** Distance from the centre of the tube to the axis (default 1). */
  majorRadius?: number;
  /** Radius of the tube (default 0.4). */
  minorRadius?: number;
  /** Segments around the axis (default 48). */
  majorSegments?: number;
  /** Segments around the tube (default 24). */
  minorSegments?: number;
}

/** A ring torus around the z axis (closed, genus 1). */
export function torus(opts: TorusOptions = {}): Mesh {
  const R = opts.majorRadius ?? 1;
  const r = opts.minorRadius ?? 0.4;
  const nu = opts.majorSegments ?? 48;
  const nv = opts.minorSegments ?? 24;
  if (!(nu >= 3 && nv >= 3 && Number.isInteger(nu) && Number.isInteger(nv)))
    opError("torus", "majorSegments/minorSegments", "integers ≥ 3", `${nu}, ${nv}`);
  const pos: number[] = [];
  const faces: number[] = [];
  for (let i = 0; i < nu; i++) {
    const u = (2 * Math.PI * i) / nu;
    for (let j = 0; j < nv; j++) {
      const v = (2 * Math.PI * j) / nv;
      const rho = R + r * Math.cos(v);
      pos.push(rho * Math.cos(u), rho * Math.sin(u), r * Math.sin(v));
    }
  }
  const id = (i: number, j: number): number => (i % nu) * nv + (j % nv);
  for (let i = 0; i < nu; i++)
    for (let j = 0; j < nv; j++) {
      const a = id(i, j);
      const b = id(i + 1, j);
      const c = id(i + 1, j + 1);
      const d = id(i, j + 1);
      faces.push(a, b, c, a, c, d);
    }
  return new Mesh(pos, faces);
}

/** A flat disc of radius `radius` in the z = 0 plane: a centre vertex and `rings` rings of 6i vertices. */
export function disc(rings = 8, radius = 1): Mesh {
  if (!Number.isInteger(rings) || rings < 1) opError("disc", "rings", "a positive integer", String(rings));
  const pos: number[] = [0, 0, 0];
  const start: number[] = [0];
  for (let i = 1; i <= rings; i++) {
    start.push(pos.length / 3);
    const n = 6 * i;
    const rr = (radius * i) / rings;
    for (let j = 0; j < n; j++) {
      const a = (2 * Math.PI * j) / n;
      pos.push(rr * Math.cos(a), rr * Math.sin(a), 0);
    }
  }
  const faces: number[] = [];
  for (let j = 0; j < 6; j++) faces.push(0, 1 + j, 1 + ((j + 1) % 6));
  for (let i = 1; i < rings; i++) {
    // stitch ring i (6i vertices) to ring i+1 (6(i+1)) by walking both in angle
    const n0 = 6 * i;
    const n1 = 6 * (i + 1);
    const s0 = start[i]!;
    const s1 = start[i + 1]!;
    let a = 0;
    let b = 0;
    while (a < n0 || b < n1) {
      const angA = (a + 1) / n0;
      const angB = (b + 1) / n1;
      if (b < n1 && (a >= n0 || angB <= angA)) {
        faces.push(s0 + (a % n0), s1 + b, s1 + ((b + 1) % n1));
        b++;
      } else {
        faces.push(s0 + (a % n0), s1 + (b % n1), s0 + ((a + 1) % n0));
        a++;
      }
    }
  }
  return new Mesh(pos, faces);
}

/** A flat `width × height` rectangle in the z = 0 plane with `nx × ny` quads, each split along its (0,0)-(1,1) diagonal. */
export function grid(nx: number, ny: number, width = 1, height = 1): Mesh {
  if (!(Number.isInteger(nx) && Number.isInteger(ny) && nx >= 1 && ny >= 1))
    opError("grid", "nx/ny", "positive integers", `${nx}, ${ny}`);
  const pos: number[] = [];
  for (let j = 0; j <= ny; j++) for (let i = 0; i <= nx; i++) pos.push((width * i) / nx, (height * j) / ny, 0);
  const faces: number[] = [];
  const id = (i: number, j: number): number => j * (nx + 1) + i;
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++)
      faces.push(id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j), id(i + 1, j + 1), id(i, j + 1));
  return new Mesh(pos, faces);
}
