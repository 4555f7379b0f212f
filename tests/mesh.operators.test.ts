import { describe, expect, it } from "vitest";
import {
  cotanFromLengths,
  cotanLaplacian,
  cotanLaplacianIntrinsic,
  dijkstraDistances,
  disc,
  faceDivergence,
  faceGradient,
  faceGradientMatrix,
  grid,
  HeatGeodesicSolver,
  heatGeodesics,
  heatKernelSignature,
  icosphere,
  intrinsicDelaunay,
  laplacianAndMass,
  Mesh,
  massMatrix,
  massMatrixIntrinsic,
  meshEigenbasis,
  torus,
  waveKernelSignature,
} from "../src/domains/mesh/index.js";
import { type CsrMatrix, eigsh } from "../src/linalg/index.js";
import { Generator } from "../src/tensor/rng.js";

/** Figures worth reporting (printed once per run, not asserted beyond their bounds). */
const report = (label: string, value: unknown): void => {
  if (process.env.ERLANGEN_REPORT) console.log(`[mesh.operators] ${label}: ${JSON.stringify(value)}`);
};

const interiorVertices = (m: Mesh): number[] => {
  const onBoundary = new Uint8Array(m.numVertices);
  for (const loop of m.boundaryLoops()) for (const v of loop) onBoundary[v] = 1;
  return Array.from({ length: m.numVertices }, (_, i) => i).filter((i) => !onBoundary[i]);
};

/** Largest positive off-diagonal entry (a negative cotan weight). */
const maxOffDiagonal = (L: CsrMatrix): number => {
  let worst = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < L.rows; r++)
    for (let p = L.rowPtr[r]!; p < L.rowPtr[r + 1]!; p++)
      if (L.colIndex[p] !== r) worst = Math.max(worst, L.values[p]!);
  return worst;
};

/** A flat grid sheared so that its fixed diagonals make obtuse, sliver-like triangles. */
const shearedGrid = (n: number, shear: number): Mesh => {
  const g = grid(n, n);
  const p = Float64Array.from(g.positions);
  for (let v = 0; v < g.numVertices; v++) p[3 * v] = p[3 * v]! - shear * p[3 * v + 1]!;
  return new Mesh(p, g.faces);
};

/** A closed torus whose quads connect ring j to ring j+1 shifted by `twist` segments: obtuse slivers. */
const twistedTorus = (nu: number, nv: number, twist: number): Mesh => {
  const t = torus({ majorSegments: nu, minorSegments: nv });
  const faces: number[] = [];
  const id = (i: number, j: number) => (((i % nu) + nu) % nu) * nv + (j % nv);
  for (let i = 0; i < nu; i++)
    for (let j = 0; j < nv; j++) {
      const a = id(i, j);
      const b = id(i + 1, j);
      const c = id(i + 1 + twist, j + 1);
      const d = id(i + twist, j + 1);
      faces.push(a, b, c, a, c, d);
    }
  return new Mesh(t.positions, faces);
};

/** An open prism (a polygonal cylinder of `rings` rings of `segments` vertices, aligned, Δz apart). */
const prism = (segments: number, rings: number, dz: number): Mesh => {
  const pos: number[] = [];
  for (let j = 0; j < rings; j++)
    for (let i = 0; i < segments; i++) {
      const a = (2 * Math.PI * i) / segments;
      pos.push(Math.cos(a), Math.sin(a), j * dz);
    }
  const faces: number[] = [];
  const id = (i: number, j: number) => j * segments + (i % segments);
  for (let j = 0; j + 1 < rings; j++)
    for (let i = 0; i < segments; i++)
      faces.push(id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j), id(i + 1, j + 1), id(i, j + 1));
  return new Mesh(pos, faces);
};

/** A flat a×b torus as an intrinsic triangulation: periodic n×n grid, quads split along a diagonal. */
const flatTorus = (n: number, a: number, b: number) => {
  const faces: number[] = [];
  const lengths: number[] = [];
  const hx = a / n;
  const hy = b / n;
  const hd = Math.hypot(hx, hy);
  const id = (i: number, j: number) => (j % n) * n + (i % n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      faces.push(id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j), id(i + 1, j + 1), id(i, j + 1));
      lengths.push(hx, hy, hd, hd, hx, hy);
    }
  return { V: n * n, faces: Int32Array.from(faces), lengths: Float64Array.from(lengths) };
};

describe("cotan Laplacian and mass", () => {
  it("is symmetric with zero row sums and positive semi-definite; the mass sums to the area", () => {
    for (const m of [icosphere(2), torus({ majorSegments: 20, minorSegments: 10 }), disc(5)]) {
      const L = cotanLaplacian(m);
      expect(L.asymmetry()).toBeLessThan(1e-15);
      const scale = Math.max(...Array.from(L.diagonal()));
      for (const s of L.rowSums()) expect(Math.abs(s)).toBeLessThan(1e-12 * scale);
      const M = massMatrix(m);
      expect(M.reduce((s, v) => s + v, 0)).toBeCloseTo(m.area(), 12);
      expect(massMatrix(m, { kind: "voronoi" }).reduce((s, v) => s + v, 0)).toBeCloseTo(m.area(), 12);
      // PSD: the smallest generalised eigenvalue is 0 (not below) and the quadratic form is non-negative
      const r = eigsh(L, 2, M, { denseThreshold: 0, sigma: -1e-3 });
      expect(r.values[0]).toBeGreaterThan(-1e-10);
      const g = new Generator(1);
      for (let t = 0; t < 5; t++) {
        const f = Float64Array.from({ length: m.numVertices }, () => g.normal());
        const lf = L.matvec(f);
        expect(f.reduce((s, v, i) => s + v * lf[i]!, 0)).toBeGreaterThan(0);
      }
    }
  });

  it("reproduces linear functions at the interior vertices of a flat disc (L f = 0)", () => {
    const m = disc(6);
    const L = cotanLaplacian(m);
    const f = Float64Array.from(
      { length: m.numVertices },
      (_, v) => 0.3 + 2 * m.positions[3 * v]! - m.positions[3 * v + 1]!,
    );
    const lf = L.matvec(f);
    const interior = interiorVertices(m);
    expect(interior.length).toBe(1 + 3 * 5 * 6);
    for (const v of interior) expect(Math.abs(lf[v]!)).toBeLessThan(1e-12);
    // boundary rows carry the flux instead
    expect(Math.max(...Array.from(lf).map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it("is Gᵀ A G for the face gradient G, and div ∇u = −L u", () => {
    const m = icosphere(1);
    const L = cotanLaplacian(m);
    const G = faceGradientMatrix(m);
    const A = m.faceAreas();
    const g = new Generator(2);
    const u = Float64Array.from({ length: m.numVertices }, () => g.normal());
    const gu = G.matvec(u);
    const gu2 = faceGradient(m, u);
    for (let i = 0; i < gu.length; i++) expect(gu[i]).toBeCloseTo(gu2[i]!, 13);
    const wgu = gu.map((v, i) => v * A[Math.floor(i / 3)]!);
    const gtagu = G.transpose().matvec(wgu);
    const lu = L.matvec(u);
    const div = faceDivergence(m, gu);
    for (let v = 0; v < m.numVertices; v++) {
      expect(gtagu[v]).toBeCloseTo(lu[v]!, 12);
      expect(div[v]).toBeCloseTo(-lu[v]!, 12);
    }
    // the gradient is tangent to each face
    const n = m.faceNormals();
    for (let f = 0; f < m.numFaces; f++)
      expect(
        Math.abs(gu[3 * f]! * n[3 * f]! + gu[3 * f + 1]! * n[3 * f + 1]! + gu[3 * f + 2]! * n[3 * f + 2]!),
      ).toBeLessThan(1e-12);
  });
});

describe("intrinsic Delaunay Laplacian", () => {
  it("has non-negative weights on a closed mesh of obtuse slivers", () => {
    const m = twistedTorus(60, 8, 3);
    const plain = cotanLaplacian(m);
    expect(maxOffDiagonal(plain)).toBeGreaterThan(0.1); // negative cotan weights
    const t = intrinsicDelaunay(m);
    expect(t.flips).toBeGreaterThan(0);
    expect(t.mollification).toBe(0);
    const L = cotanLaplacian(m, { intrinsicDelaunay: true });
    expect(maxOffDiagonal(L)).toBeLessThanOrEqual(1e-12);
    expect(L.asymmetry()).toBeLessThan(1e-14);
    const scale = Math.max(...Array.from(L.diagonal()));
    for (const s of L.rowSums()) expect(Math.abs(s)).toBeLessThan(1e-12 * scale);
    const lm = laplacianAndMass(m, { intrinsicDelaunay: true });
    expect(lm.M.reduce((s, v) => s + v, 0)).toBeCloseTo(m.area(), 10);
    // the same surface, another discretisation: the low spectra agree roughly
    const a = meshEigenbasis(m, 8);
    const b = meshEigenbasis(lm, 8);
    let diff = 0;
    for (let i = 1; i < 8; i++) diff = Math.max(diff, Math.abs(a.values[i]! / b.values[i]! - 1));
    expect(diff).toBeLessThan(0.25);
    report("twisted torus: max relative difference of λ1..7, plain vs intrinsic Delaunay", Number(diff.toPrecision(3)));
  });

  it("makes every interior edge Delaunay on a flat mesh with boundary and keeps linear precision", () => {
    const m = shearedGrid(8, 2.5);
    expect(maxOffDiagonal(cotanLaplacian(m))).toBeGreaterThan(0.5);
    const t = intrinsicDelaunay(m);
    expect(t.flips).toBeGreaterThan(0);
    // interior edges: the two opposite angles sum to at most π (cot α + cot β ≥ 0); boundary edges
    // keep their single (possibly obtuse) angle, as no flip can change them
    const F = t.faces.length / 3;
    const key = (a: number, b: number) => (a < b ? a * 1e6 + b : b * 1e6 + a);
    const halfCot = new Map<number, number[]>();
    for (let f = 0; f < F; f++)
      for (let k = 0; k < 3; k++) {
        const a = t.faces[3 * f + k]!;
        const b = t.faces[3 * f + ((k + 1) % 3)]!;
        const la = t.lengths[3 * f + k]!;
        const lb = t.lengths[3 * f + ((k + 1) % 3)]!;
        const lc = t.lengths[3 * f + ((k + 2) % 3)]!;
        const list = halfCot.get(key(a, b)) ?? [];
        list.push(cotanFromLengths(la, lb, lc));
        halfCot.set(key(a, b), list);
      }
    let interior = 0;
    for (const cots of halfCot.values()) {
      if (cots.length !== 2) continue;
      interior++;
      expect(cots[0]! + cots[1]!).toBeGreaterThanOrEqual(-1e-12);
    }
    expect(interior).toBeGreaterThan(100);
    // still the Laplacian of the same flat surface: linear functions are harmonic inside
    const L = cotanLaplacian(m, { intrinsicDelaunay: true });
    const f = Float64Array.from(
      { length: m.numVertices },
      (_, v) => 1 - m.positions[3 * v]! + 3 * m.positions[3 * v + 1]!,
    );
    const lf = L.matvec(f);
    for (const v of interiorVertices(m)) expect(Math.abs(lf[v]!)).toBeLessThan(1e-9);
    const M = massMatrix(m, { intrinsicDelaunay: true });
    expect(M.reduce((s, v) => s + v, 0)).toBeCloseTo(m.area(), 10);
  });

  it("equals the plain cotan Laplacian on a mesh that is already Delaunay", () => {
    for (const m of [icosphere(2), icosphere(1, 3), grid(5, 4)]) {
      const t = intrinsicDelaunay(m);
      expect(t.flips).toBe(0);
      const a = cotanLaplacian(m);
      const b = cotanLaplacian(m, { intrinsicDelaunay: true });
      const da = a.toDense();
      const db = b.toDense();
      let worst = 0;
      for (let i = 0; i < da.length; i++) worst = Math.max(worst, Math.abs(da[i]! - db[i]!));
      expect(worst).toBeLessThan(1e-12);
      const ma = massMatrix(m);
      const mb = massMatrix(m, { intrinsicDelaunay: true });
      for (let v = 0; v < m.numVertices; v++) expect(mb[v]).toBeCloseTo(ma[v]!, 13);
    }
  });

  it("mollifies a degenerate (zero-area) triangle into a usable Laplacian", () => {
    // a flat fan where one triangle is collinear
    const m = new Mesh([0, 0, 0, 1, 0, 0, 2, 0, 0, 1, 1, 0, 1, -1, 0], [0, 1, 3, 1, 2, 3, 0, 2, 1, 0, 4, 2]);
    expect(m.faceAreas()[2]).toBe(0);
    const t = intrinsicDelaunay(m);
    expect(t.mollification).toBeGreaterThan(0);
    const L = cotanLaplacianIntrinsic(t.numVertices, t.faces, t.lengths);
    for (const v of L.values) expect(Number.isFinite(v)).toBe(true);
    expect(maxOffDiagonal(L)).toBeLessThanOrEqual(1e-9);
    expect(massMatrixIntrinsic(t.numVertices, t.faces, t.lengths).every((x) => x > 0)).toBe(true);
  });
});

describe("Laplace–Beltrami eigenbasis", () => {
  it("approaches l(l+1) with multiplicities 2l+1 on the unit icosphere", () => {
    const errors: Record<string, number[]> = {};
    for (const s of [2, 3]) {
      const m = icosphere(s);
      const b = meshEigenbasis(m, 49);
      expect(b.k).toBe(49);
      // group the spectrum by l: indices l² .. (l+1)² − 1 hold the 2l+1 copies of l(l+1)
      const rel: number[] = [];
      for (let l = 1; l <= 5; l++) {
        let worst = 0;
        for (let i = l * l; i < (l + 1) * (l + 1); i++)
          worst = Math.max(worst, Math.abs(b.values[i]! / (l * (l + 1)) - 1));
        rel.push(worst);
        // the gap to the next l is far larger than the spread inside the group
        expect(b.values[(l + 1) * (l + 1)]! - b.values[(l + 1) * (l + 1) - 1]!).toBeGreaterThan(1);
      }
      errors[`icosphere(${s}) V=${m.numVertices}`] = rel.map((x) => Number(x.toPrecision(3)));
      expect(Math.abs(b.values[0]!)).toBeLessThan(1e-10);
    }
    const e2 = errors["icosphere(2) V=162"]!;
    const e3 = errors["icosphere(3) V=642"]!;
    for (let l = 0; l < 5; l++) expect(e3[l]!).toBeLessThan(e2[l]! / 3); // O(h²): ~4× per subdivision
    expect(e3[0]!).toBeLessThan(1e-3);
    report("sphere eigenvalue max relative error for l = 1..5", errors);
  });

  it("has a constant first eigenvector and M-orthonormal eigenvectors", () => {
    const m = torus({ majorSegments: 40, minorSegments: 16 });
    const b = meshEigenbasis(m, 20);
    expect(b.values[0]).toBe(0);
    const V = m.numVertices;
    const c = 1 / Math.sqrt(m.area());
    for (let v = 0; v < V; v++) expect(Math.abs(b.vectors[v * 20]!)).toBeCloseTo(c, 9);
    let worst = 0;
    for (let i = 0; i < 20; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let v = 0; v < V; v++) s += b.vectors[v * 20 + i]! * b.mass[v]! * b.vectors[v * 20 + j]!;
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
      }
    expect(worst).toBeLessThan(1e-10);
    for (let i = 1; i < 20; i++) expect(b.values[i]!).toBeGreaterThanOrEqual(b.values[i - 1]!);
  });

  it("finds one zero eigenvalue per connected component and rejects massless vertices", () => {
    const a = icosphere(3);
    const V = a.numVertices;
    const pos = Float64Array.from({ length: 6 * V }, (_, i) => a.positions[i % (3 * V)]! + (i < 3 * V ? 0 : 3));
    const faces = Int32Array.from({ length: 2 * a.faces.length }, (_, i) =>
      i < a.faces.length ? a.faces[i]! : a.faces[i - a.faces.length]! + V,
    );
    const b = meshEigenbasis(new Mesh(pos, faces), 8);
    expect(b.values[0]).toBeLessThan(1e-10);
    expect(b.values[1]).toBeLessThan(1e-10);
    for (let i = 2; i < 8; i++) expect(b.values[i]).toBeCloseTo(2, 1);
    const lonely = new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 5, 5, 5], [0, 1, 2]);
    expect(() => meshEigenbasis(lonely, 2)).toThrow(/positive vertex masses.*got 0 at vertex 3/);
  });

  it("matches the analytic spectrum of a flat torus", () => {
    const [a, bb, n] = [1, 1.5, 40];
    const t = flatTorus(n, a, bb);
    const L = cotanLaplacianIntrinsic(t.V, t.faces, t.lengths);
    const M = massMatrixIntrinsic(t.V, t.faces, t.lengths);
    expect(M.reduce((s, v) => s + v, 0)).toBeCloseTo(a * bb, 12);
    const k = 15;
    const basis = meshEigenbasis({ L, M }, k);
    const exact: number[] = [];
    for (let p = -4; p <= 4; p++)
      for (let q = -4; q <= 4; q++) exact.push(4 * Math.PI ** 2 * ((p / a) ** 2 + (q / bb) ** 2));
    exact.sort((x, y) => x - y);
    let worst = 0;
    for (let i = 1; i < k; i++) worst = Math.max(worst, Math.abs(basis.values[i]! / exact[i]! - 1));
    expect(Math.abs(basis.values[0]!)).toBeLessThan(1e-9);
    expect(worst).toBeLessThan(0.02);
    report("flat torus 1×1.5 (40×40 grid) max relative eigenvalue error, first 15", Number(worst.toPrecision(3)));
  });

  it("works on a 250-vertex mesh with k = 128 (dense path) and clamps k to V", () => {
    const m = torus({ majorSegments: 25, minorSegments: 10 });
    expect(m.numVertices).toBe(250);
    const b = meshEigenbasis(m, 128);
    expect(b.k).toBe(128);
    expect(b.vectors.length).toBe(250 * 128);
    const L = cotanLaplacian(m);
    // residual of the largest pair
    const x = Float64Array.from({ length: 250 }, (_, v) => b.vectors[v * 128 + 127]!);
    const lx = L.matvec(x);
    for (let v = 0; v < 250; v++) expect(lx[v]).toBeCloseTo(b.values[127]! * b.mass[v]! * x[v]!, 8);
    const all = meshEigenbasis(m, 1000);
    expect(all.k).toBe(250);
    expect(all.values.length).toBe(250);
    // the sparse path on the same mesh agrees
    const sparse = meshEigenbasis(m, 30, { denseThreshold: 0 });
    for (let i = 0; i < 30; i++) expect(sparse.values[i]).toBeCloseTo(b.values[i]!, 8);
  });
});

describe("heat and wave kernel signatures", () => {
  it("HKS on the sphere matches Σ_l (2l+1)/4π · exp(−l(l+1)t)", () => {
    const m = icosphere(3);
    const basis = meshEigenbasis(m, 49);
    const times = [0.1, 0.3, 1];
    const hks = heatKernelSignature(basis, times);
    let worst = 0;
    for (let j = 0; j < times.length; j++) {
      let exact = 0;
      for (let l = 0; l <= 30; l++) exact += ((2 * l + 1) / (4 * Math.PI)) * Math.exp(-l * (l + 1) * times[j]!);
      for (let v = 0; v < m.numVertices; v++) worst = Math.max(worst, Math.abs(hks[v * 3 + j]! / exact - 1));
    }
    expect(worst).toBeLessThan(0.05);
    report("HKS on icosphere(3), k = 49, t = 0.1/0.3/1: max relative error", Number(worst.toPrecision(3)));
    // default times: 16 log-spaced per Sun et al.
    const def = heatKernelSignature(basis);
    expect(def.length).toBe(m.numVertices * 16);
  });

  it("WKS is a probability over the surface at each energy (Σ_x M_x WKS(x, e) = 1)", () => {
    const m = torus({ majorSegments: 30, minorSegments: 12 });
    const basis = meshEigenbasis(m, 40);
    const wks = waveKernelSignature(basis, 10);
    for (let j = 0; j < 10; j++) {
      let s = 0;
      for (let v = 0; v < m.numVertices; v++) s += basis.mass[v]! * wks[v * 10 + j]!;
      expect(s).toBeCloseTo(1, 9);
    }
    expect(() => waveKernelSignature(basis, [1, 2])).toThrow(/sigma/);
  });
});

describe("geodesic distances", () => {
  it("heat method on the unit sphere approaches the great-circle distance", () => {
    const stats: Record<string, { mean: number; max: number }> = {};
    for (const s of [3, 4]) {
      const m = icosphere(s);
      const solver = new HeatGeodesicSolver(m);
      const d = solver.distances(0);
      const p = m.positions;
      let sum = 0;
      let count = 0;
      let worst = 0;
      for (let v = 0; v < m.numVertices; v++) {
        const cos = p[3 * v]! * p[0]! + p[3 * v + 1]! * p[1]! + p[3 * v + 2]! * p[2]!;
        const exact = Math.acos(Math.max(-1, Math.min(1, cos)));
        if (exact < 0.2) continue; // relative errors near the source are dominated by the source's cell
        const rel = Math.abs(d[v]! / exact - 1);
        sum += rel;
        count++;
        worst = Math.max(worst, rel);
      }
      expect(d[0]).toBe(0);
      stats[`icosphere(${s}) V=${m.numVertices}`] = {
        mean: Number((sum / count).toPrecision(3)),
        max: Number(worst.toPrecision(3)),
      };
      // Dijkstra runs along edges: never shorter than the chord, and near the arc from above
      const dj = dijkstraDistances(m, 0);
      for (let v = 0; v < m.numVertices; v++) {
        const chord = Math.hypot(p[3 * v]! - p[0]!, p[3 * v + 1]! - p[1]!, p[3 * v + 2]! - p[2]!);
        expect(dj[v]!).toBeGreaterThanOrEqual(chord - 1e-12);
      }
    }
    const a = stats["icosphere(3) V=642"]!;
    const b = stats["icosphere(4) V=2562"]!;
    expect(a.mean).toBeLessThan(0.05);
    expect(b.mean).toBeLessThan(a.mean);
    expect(b.max).toBeLessThan(0.1);
    report("heat geodesics vs great circle (relative error, vertices with d ≥ 0.2)", stats);
  });

  it("reuses its factorisations for several source sets and handles multiple sources", () => {
    const m = icosphere(3);
    const solver = new HeatGeodesicSolver(m);
    const d0 = solver.distances(0);
    const d5 = solver.distances([5]);
    const both = solver.distances([0, 5]);
    let sum = 0;
    let worst = 0;
    for (let v = 0; v < m.numVertices; v++) {
      const e = Math.abs(both[v]! - Math.min(d0[v]!, d5[v]!));
      sum += e;
      worst = Math.max(worst, e);
    }
    // the distance to the nearer source, up to the smoothing the Poisson step applies where the two fronts meet
    expect(sum / m.numVertices).toBeLessThan(0.06);
    expect(worst).toBeLessThan(0.2);
    report(
      "two sources on icosphere(3): mean / max |d − min(d0, d5)|",
      [sum / m.numVertices, worst].map((x) => Number(x.toPrecision(3))),
    );
    expect(Math.min(both[0]!, both[5]!)).toBe(0);
    expect(Math.max(both[0]!, both[5]!)).toBeLessThan(0.02);
    expect(() => solver.distances([m.numVertices])).toThrow(/sources.*\[0, 642\)/);
  });

  it("are exact on a prism from its bottom ring (heat method and Dijkstra)", () => {
    const m = prism(16, 9, 0.25);
    const bottom = Array.from({ length: 16 }, (_, i) => i);
    const heat = heatGeodesics(m, bottom);
    const dj = dijkstraDistances(m, bottom);
    for (let v = 0; v < m.numVertices; v++) {
      const z = m.positions[3 * v + 2]!;
      expect(heat[v]).toBeCloseTo(z, 10);
      expect(dj[v]).toBeCloseTo(z, 13);
    }
  });

  it("are close on a flat strip from its left edge (Dijkstra exact)", () => {
    const m = grid(24, 6, 4, 1);
    const left: number[] = [];
    for (let v = 0; v < m.numVertices; v++) if (m.positions[3 * v] === 0) left.push(v);
    const heat = heatGeodesics(m, left);
    const dj = dijkstraDistances(m, left);
    let worst = 0;
    for (let v = 0; v < m.numVertices; v++) {
      const x = m.positions[3 * v]!;
      worst = Math.max(worst, Math.abs(heat[v]! - x));
      expect(dj[v]).toBeCloseTo(x, 12);
    }
    // not exact: the lumped masses of the corners differ with the diagonal's direction
    expect(worst).toBeLessThan(0.1);
    report("heat geodesics on a 4×1 strip (h = 1/6) from its left edge: max abs error", Number(worst.toPrecision(3)));
  });

  it("Dijkstra on a flat disc is never below the straight-line distance, and infinite across components", () => {
    const m = disc(6);
    const dj = dijkstraDistances(m, 0);
    const heat = heatGeodesics(m, 0);
    const avg = heatGeodesics(m, 0, { boundary: "average" });
    let eN = 0;
    let eA = 0;
    for (let v = 0; v < m.numVertices; v++) {
      const r = Math.hypot(m.positions[3 * v]!, m.positions[3 * v + 1]!);
      expect(dj[v]!).toBeGreaterThanOrEqual(r - 1e-12);
      eN = Math.max(eN, Math.abs(heat[v]! - r));
      eA = Math.max(eA, Math.abs(avg[v]! - r));
    }
    expect(eN).toBeLessThan(0.12);
    expect(eA).toBeLessThan(eN);
    report(
      "heat geodesics from the centre of a unit disc (6 rings): max abs error, Neumann / average",
      [eN, eA].map((x) => Number(x.toPrecision(3))),
    );
    const two = new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 5, 0, 0, 6, 0, 0, 5, 1, 0], [0, 1, 2, 3, 4, 5]);
    const d = dijkstraDistances(two, 0);
    expect(d[1]).toBe(1);
    expect(d[4]).toBe(Number.POSITIVE_INFINITY);
    const h = heatGeodesics(two, 0);
    expect(h[0]).toBe(0);
    expect(h[4]).toBe(Number.POSITIVE_INFINITY);
  });
});

// Heavier check (≈ 5–15 s): ERLANGEN_MESH_HEAVY=1 npx vitest run tests/mesh.operators.test.ts
describe.runIf(process.env.ERLANGEN_MESH_HEAVY === "1")("eigenbasis of a 10,242-vertex icosphere (heavy)", () => {
  it("128 eigenpairs approach l(l+1) with multiplicities 2l+1, M-orthonormal", () => {
    const m = icosphere(5);
    const b = meshEigenbasis(m, 128);
    const rel: number[] = [];
    for (let l = 1; l <= 10; l++) {
      let worst = 0;
      for (let i = l * l; i < (l + 1) * (l + 1); i++)
        worst = Math.max(worst, Math.abs(b.values[i]! / (l * (l + 1)) - 1));
      rel.push(Number(worst.toPrecision(3)));
      expect(b.values[(l + 1) * (l + 1)]! - b.values[(l + 1) * (l + 1) - 1]!).toBeGreaterThan(1);
    }
    expect(rel[9]!).toBeLessThan(0.02);
    let ortho = 0;
    for (let i = 0; i < 128; i += 9)
      for (let j = 0; j <= i; j += 7) {
        let s = 0;
        for (let v = 0; v < m.numVertices; v++) s += b.vectors[v * 128 + i]! * b.mass[v]! * b.vectors[v * 128 + j]!;
        ortho = Math.max(ortho, Math.abs(s - (i === j ? 1 : 0)));
      }
    expect(ortho).toBeLessThan(1e-9);
    report("icosphere(5) V=10242, k=128: max relative error for l = 1..10", rel);
    report("icosphere(5) M-orthonormality error (sampled)", ortho);
  }, 120_000);
});
