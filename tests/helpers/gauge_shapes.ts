/** Small test surfaces with known geometry for the gauge tests: icosphere, flat disc (jittered grid), torus. */
import { Mesh } from "../../src/domains/mesh/index.js";

/** A unit icosphere: the icosahedron subdivided `level` times, vertices pushed to the sphere (χ = 2). */
export function icosphere(level = 1, radius = 1): Mesh {
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
  ];
  let faces: number[][] = [
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
    const m = (a: number, b: number): number => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      let i = mid.get(key);
      if (i === undefined) {
        i = pos.length;
        pos.push([0, 1, 2].map((d) => (pos[a]![d]! + pos[b]![d]!) / 2));
        mid.set(key, i);
      }
      return i;
    };
    const nf: number[][] = [];
    for (const [a, b, c] of faces as [number, number, number][]) {
      const ab = m(a, b);
      const bc = m(b, c);
      const ca = m(c, a);
      nf.push([a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]);
    }
    faces = nf;
  }
  const flat = pos.flatMap((p) => {
    const n = Math.hypot(p[0]!, p[1]!, p[2]!);
    return p.map((x) => (radius * x) / n);
  });
  return new Mesh(flat, faces.flat());
}

/** A flat triangulated square in the z = 0 plane (n × n vertices), interior vertices jittered (χ = 1). */
export function flatDisc(n = 6, jitter = 0.2, seed = 1): Mesh {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const pos: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const inner = i > 0 && j > 0 && i < n - 1 && j < n - 1;
      pos.push(j + (inner ? jitter * rnd() : 0), i + (inner ? jitter * rnd() : 0), 0);
    }
  }
  const faces: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    for (let j = 0; j < n - 1; j++) {
      const a = i * n + j;
      const b = a + 1;
      const c = a + n;
      const d = c + 1;
      if ((i + j) % 2 === 0) faces.push(a, b, d, a, d, c);
      else faces.push(a, b, c, b, d, c);
    }
  }
  return new Mesh(pos, faces);
}

/** A torus with radii R > r, `nu` × `nv` vertices (χ = 0). */
export function torus(nu = 12, nv = 8, R = 2, r = 0.7): Mesh {
  const pos: number[] = [];
  for (let i = 0; i < nu; i++) {
    const u = (2 * Math.PI * i) / nu;
    for (let j = 0; j < nv; j++) {
      const v = (2 * Math.PI * j) / nv;
      pos.push((R + r * Math.cos(v)) * Math.cos(u), (R + r * Math.cos(v)) * Math.sin(u), r * Math.sin(v));
    }
  }
  const id = (i: number, j: number) => ((i + nu) % nu) * nv + ((j + nv) % nv);
  const faces: number[] = [];
  for (let i = 0; i < nu; i++) {
    for (let j = 0; j < nv; j++) {
      const a = id(i, j);
      const b = id(i + 1, j);
      const c = id(i + 1, j + 1);
      const d = id(i, j + 1);
      faces.push(a, b, c, a, c, d);
    }
  }
  return new Mesh(pos, faces);
}

/** The surface of the cube [−1, 1]³, each face an n × n grid (n ≥ 1) split into triangles (χ = 2). */
export function cube(n = 2): Mesh {
  const pos: number[] = [];
  const ids = new Map<string, number>();
  const id = (p: number[]): number => {
    const key = p.map((x) => Math.round(x * 1e6)).join(",");
    let i = ids.get(key);
    if (i === undefined) {
      i = pos.length / 3;
      pos.push(...p);
      ids.set(key, i);
    }
    return i;
  };
  const faces: number[] = [];
  // each face: outward normal axis, and tangent axes u, v with u × v = outward normal
  const sides: [number[], number[], number[]][] = [
    [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    [
      [-1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ],
    [
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ],
    [
      [0, -1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ],
    [
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ],
    [
      [0, 0, -1],
      [0, 1, 0],
      [1, 0, 0],
    ],
  ];
  for (const [nrm, u, v] of sides) {
    const grid: number[][] = [];
    for (let i = 0; i <= n; i++) {
      const row: number[] = [];
      for (let j = 0; j <= n; j++) {
        const a = -1 + (2 * j) / n;
        const b = -1 + (2 * i) / n;
        row.push(id([0, 1, 2].map((d) => nrm[d]! + a * u[d]! + b * v[d]!)));
      }
      grid.push(row);
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = grid[i]![j]!;
        const b = grid[i]![j + 1]!;
        const c = grid[i + 1]![j]!;
        const d = grid[i + 1]![j + 1]!;
        faces.push(a, b, d, a, d, c);
      }
    }
  }
  return new Mesh(pos, faces);
}

/** The mesh with every vertex moved by a seeded random offset of size up to `amount` (breaks symmetric ties). */
export function jitter(m: Mesh, amount = 0.05, seed = 7): Mesh {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  return new Mesh(
    m.positions.map((x) => x + amount * rnd()),
    m.faces,
  );
}
