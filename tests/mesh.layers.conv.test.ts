import { describe, expect, it } from "vitest";
import { Cartesian, Polar } from "../src/data/transforms/pseudo.js";
import { Graph } from "../src/domains/graph/graph.js";
import { chebyshevLaplacian, laplacianLambdaMax } from "../src/domains/mesh/chebyshev.js";
import { meshToGraph } from "../src/domains/mesh/convert.js";
import { tangentFrames } from "../src/domains/mesh/frames.js";
import { Mesh } from "../src/domains/mesh/mesh.js";
import { geodesicPolarPatches, kRingEdges, polarPatchOperator } from "../src/domains/mesh/polar_patches.js";
import {
  cartesianPseudoCoords,
  localPolarCoordinates,
  localPolarPseudoCoords,
  polarPseudoCoords,
} from "../src/domains/mesh/pseudo_coords.js";
import { FeaStConv } from "../src/layers/meshes/feast_conv.js";
import { GeodesicPolarConv } from "../src/layers/meshes/geodesic_polar_conv.js";
import { GMMConv } from "../src/layers/meshes/gmm_conv.js";
import { MeshChebConv } from "../src/layers/meshes/mesh_cheb_conv.js";
import { CsrMatrix } from "../src/linalg/csr.js";
import { symEigDense } from "../src/linalg/dense_eigen.js";
import { assertEquivariant, checkEquivariance, type Group, SEn } from "../src/symmetry/index.js";
import { type Generator, gradcheck, manualSeed, randn, Tensor, tensor } from "../src/tensor/index.js";
import { denseCotan, flatGrid, icosphere, moveMesh } from "./helpers/mesh_layers.js";
import { checkParameterGradients } from "./helpers/param_gradcheck.js";
import { checkPermutationEquivariance, type TestGraph } from "./helpers/permutation.js";

const path = tensor(
  [
    [0, 1, 1, 2],
    [1, 0, 2, 1],
  ],
  { dtype: "int32" },
);

/** An irregular closed mesh: a subdivided icosahedron with seeded radial bumps. */
function bumpy(level: number): Mesh {
  const m = icosphere(level);
  const p = m.positions.slice();
  let s = 5;
  for (let v = 0; v < m.numVertices; v++) {
    s = (s * 16807) % 2147483647;
    for (let d = 0; d < 3; d++) p[3 * v + d]! *= 1 + 0.3 * (s / 2147483647 - 0.5);
  }
  return new Mesh(p, m.faces);
}

describe("pseudo-coordinates", () => {
  it("Cartesian and Polar follow PyG's transforms", () => {
    const pos = [-1, 0, 0, 0, 2, 0];
    expect(cartesianPseudoCoords(pos, 2, path, { norm: false }).toArray()).toEqual([
      [-1, 0],
      [1, 0],
      [-2, 0],
      [2, 0],
    ]);
    expect(cartesianPseudoCoords(pos, 2, path).toArray()).toEqual([
      [0.25, 0.5],
      [0.75, 0.5],
      [0, 0.5],
      [1, 0.5],
    ]);
    const polar = polarPseudoCoords([-1, 0, 0, 0, 0, 2], path, { dtype: "float64" }).toFlatArray();
    [0.5, 0, 0.5, 0.5, 1, 0.25, 1, 0.75].forEach((v, i) => {
      expect(polar[i]!).toBeCloseTo(v, 12);
    });
    expect(() => cartesianPseudoCoords(pos, 2, tensor([[0], [5]], { dtype: "int32" }))).toThrow(/edgeIndex\[1\]/);
    // the Graph transforms, appending to existing edge attributes as PyG's `cat`
    const g = new Graph({
      edgeIndex: path,
      pos: tensor([
        [-1, 0],
        [0, 0],
        [2, 0],
      ]),
      edgeAttr: tensor([1, 1, 1, 1]),
    });
    expect(new Cartesian().forward(g).edgeAttr!.toArray()).toEqual([
      [1, 0.25, 0.5],
      [1, 0.75, 0.5],
      [1, 0, 0.5],
      [1, 1, 0.5],
    ]);
    expect(new Polar({ cat: false }).forward(g).edgeAttr!.shape).toEqual([4, 2]);
    expect(() =>
      new Polar().forward(
        new Graph({
          edgeIndex: path,
          pos: tensor([
            [0, 0, 0],
            [1, 0, 0],
            [2, 0, 0],
          ]),
        }),
      ),
    ).toThrow(/2-D/);
  });

  it("local polar coordinates: lengths and angles in the plane, invariant to rigid motions", () => {
    const mesh = flatGrid(4, 4, 0.5);
    const ei = meshToGraph(mesh).edgeIndex;
    const { rho, theta } = localPolarCoordinates(mesh, ei);
    const E = ei.shape[1]!;
    const d = ei.data as Int32Array;
    const p = mesh.positions;
    const frames = tangentFrames(mesh);
    for (let e = 0; e < E; e++) {
      const [j, i] = [d[e]!, d[E + e]!];
      expect(rho[e]!).toBeCloseTo(Math.hypot(p[3 * j]! - p[3 * i]!, p[3 * j + 1]! - p[3 * i + 1]!), 12);
      // the angle of the offset measured from the frame's x axis (in the plane, n = ±z)
      const ang = Math.atan2(p[3 * j + 1]! - p[3 * i + 1]!, p[3 * j]! - p[3 * i]!);
      const ax = Math.atan2(frames.xAxes[3 * i + 1]!, frames.xAxes[3 * i]!);
      const sgn = frames.normals[3 * i + 2]! > 0 ? 1 : -1;
      const want = (((sgn * (ang - ax)) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
      const diff = Math.abs(theta[e]! - want);
      expect(Math.min(diff, 2 * Math.PI - diff)).toBeLessThan(1e-10);
    }
    const sphere = bumpy(1);
    const g = SEn(3).sample();
    const a = localPolarPseudoCoords(sphere, meshToGraph(sphere).edgeIndex, { dtype: "float64" });
    const moved = moveMesh(sphere, g.R, g.t);
    const b = localPolarPseudoCoords(moved, meshToGraph(moved).edgeIndex, { dtype: "float64" });
    const err = Math.max(...a.toFlatArray().map((v, i) => Math.abs(v - b.data[i]!)));
    expect(err).toBeLessThan(1e-9);
  });
});

/** A small irregular test graph with 2-D pseudo-coordinates. */
function testGraph(dtype: "float64" = "float64"): TestGraph {
  manualSeed(11);
  const src = [0, 1, 1, 2, 2, 3, 3, 4, 0, 4, 1, 3, 4, 2];
  const dst = [1, 0, 2, 1, 3, 2, 4, 3, 4, 0, 3, 1, 2, 4];
  const edgeIndex = new Tensor(Int32Array.from([...src, ...dst]), [2, src.length], "int32");
  return {
    x: randn([5, 3], { dtype }),
    edgeIndex,
    edgeAttr: randn([src.length, 2], { dtype }).abs(),
  };
}

describe("GMMConv", () => {
  it("matches a direct evaluation (shared and separate Gaussians; Θ before or after aggregating)", () => {
    const g = testGraph();
    const E = g.edgeIndex.shape[1]!;
    const ei = g.edgeIndex.data as Int32Array;
    for (const [separateGaussians, M, fuse] of [
      [false, 2, true],
      [false, 5, true],
      [false, 5, false],
      [true, 2, true],
      [true, 5, true],
    ] as const) {
      manualSeed(3);
      const conv = new GMMConv(3, M, 2, 4, { separateGaussians }).double();
      conv.fuse = fuse;
      conv.bias!.data.set(Array.from({ length: M }, (_, m) => 0.1 * m - 0.2));
      const out = conv.forward(g.x, g.edgeIndex, g.edgeAttr!);
      const [F, K, D] = [3, 4, 2];
      const x = g.x.data;
      const u = g.edgeAttr!.data;
      const mu = conv.mu.data;
      const sg = conv.sigma.data;
      const G = conv.g.data;
      const acc = new Float64Array(5 * M);
      const deg = new Float64Array(5);
      for (let e = 0; e < E; e++) {
        const [j, i] = [ei[e]!, ei[E + e]!];
        deg[i]!++;
        for (let m = 0; m < M; m++) {
          let s = 0;
          for (let f = 0; f < F; f++)
            for (let k = 0; k < K; k++) {
              let w = 0;
              for (let d = 0; d < D; d++) {
                const at = separateGaussians ? ((f * M + m) * K + k) * D + d : k * D + d;
                w += (-0.5 * (u[e * D + d]! - mu[at]!) ** 2) / (1e-15 + sg[at]! ** 2);
              }
              const gk = separateGaussians ? G[f * M * K + m * K + k]! : G[f * M * K + k * M + m]!;
              s += Math.exp(w) * gk * x[j * F + f]!;
            }
          acc[i * M + m]! += s;
        }
      }
      const root = conv.root!.weight.data;
      for (let i = 0; i < 5; i++)
        for (let m = 0; m < M; m++) {
          let r = conv.bias!.data[m]! + acc[i * M + m]! / deg[i]!;
          for (let f = 0; f < F; f++) r += root[m * F + f]! * x[i * F + f]!;
          expect(out.data[i * M + m]!).toBeCloseTo(r, 12);
        }
    }
  });

  it("gradchecks in x, the pseudo-coordinates and the parameters; permutation equivariant", () => {
    for (const separateGaussians of [false, true]) {
      const g = testGraph();
      manualSeed(4);
      const conv = new GMMConv(3, separateGaussians ? 2 : 4, 2, 3, { separateGaussians }).double();
      conv.sigma.data.set(conv.sigma.data.map((s) => s + Math.sign(s) * 0.5));
      gradcheck((x, e) => conv.forward(x, g.edgeIndex, e), [g.x.requiresGrad_(), g.edgeAttr!.requiresGrad_()]);
      conv.fuse = false;
      gradcheck(
        (x, e) => conv.forward(x, g.edgeIndex, e),
        [g.x.detach().requiresGrad_(), g.edgeAttr!.detach().requiresGrad_()],
      );
      conv.fuse = true;
      checkParameterGradients(conv, () => conv.forward(g.x.detach(), g.edgeIndex, g.edgeAttr!.detach()));
      checkPermutationEquivariance((gg) => conv.forward(gg.x, gg.edgeIndex, gg.edgeAttr!), testGraph(), {
        atol: 1e-10,
      });
    }
    const conv = new GMMConv(3, 2, 2, 3);
    expect(() => conv.forward(randn([5, 3]), testGraph().edgeIndex, randn([14, 3]))).toThrow(/edgeAttr/);
    expect(() => conv.forward(randn([5, 4]), testGraph().edgeIndex, randn([14, 2]))).toThrow(/shape \[N, 3\]/);
  });
});

describe("FeaStConv", () => {
  it.each([
    [2, true],
    [5, true],
    [5, false],
  ])("matches a direct evaluation (self-loops, mean over the neighbourhood; out %i, fused %s)", (M, fuse) => {
    const g = testGraph();
    manualSeed(5);
    const conv = new FeaStConv(3, M, { heads: 3 }).double();
    conv.fuse = fuse;
    const out = conv.forward(g.x, g.edgeIndex);
    const E = g.edgeIndex.shape[1]!;
    const ei = g.edgeIndex.data as Int32Array;
    const [F, H] = [3, 3];
    const x = g.x.data;
    const U = conv.u.weight.data;
    const W = conv.lin.weight.data;
    const c = conv.c.data;
    const edges: [number, number][] = [];
    for (let e = 0; e < E; e++) edges.push([ei[e]!, ei[E + e]!]);
    for (let i = 0; i < 5; i++) edges.push([i, i]);
    const acc = new Float64Array(5 * M);
    const deg = new Float64Array(5);
    for (const [j, i] of edges) {
      deg[i]!++;
      const q = Array.from({ length: H }, (_, h) => {
        let s = c[h]!;
        for (let f = 0; f < F; f++) s += U[h * F + f]! * (x[j * F + f]! - x[i * F + f]!);
        return s;
      });
      const mx = Math.max(...q);
      const z = q.reduce((a, b) => a + Math.exp(b - mx), 0);
      for (let h = 0; h < H; h++)
        for (let m = 0; m < M; m++) {
          let wx = 0;
          for (let f = 0; f < F; f++) wx += W[(h * M + m) * F + f]! * x[j * F + f]!;
          acc[i * M + m]! += (Math.exp(q[h]! - mx) / z) * wx;
        }
    }
    for (let i = 0; i < 5; i++)
      for (let m = 0; m < M; m++)
        expect(out.data[i * M + m]!).toBeCloseTo(acc[i * M + m]! / deg[i]! + conv.bias!.data[m]!, 12);
  });

  it.each([2, 4])("gradchecks; permutation equivariant (out %i)", (M) => {
    const g = testGraph();
    manualSeed(6);
    const conv = new FeaStConv(3, M, { heads: 2 }).double();
    gradcheck((x) => conv.forward(x, g.edgeIndex), [g.x.requiresGrad_()]);
    checkParameterGradients(conv, () => conv.forward(g.x.detach(), g.edgeIndex));
    checkPermutationEquivariance((gg) => conv.forward(gg.x, gg.edgeIndex), testGraph(), { atol: 1e-10 });
  });
});

describe("MeshChebConv", () => {
  it("equals the dense Chebyshev filter of 2 M⁻¹L / λ_max − I; λ_max by power iteration", () => {
    const mesh = bumpy(1);
    const V = mesh.numVertices;
    const { L, mass } = denseCotan(mesh);
    const csr = CsrMatrix.fromDense(L, V, V);
    // the dense spectrum of M^{-1/2} L M^{-1/2}
    const S = new Float64Array(V * V);
    for (let i = 0; i < V; i++)
      for (let j = 0; j < V; j++) S[i * V + j] = L[i * V + j]! / Math.sqrt(mass[i]! * mass[j]!);
    const lmax = symEigDense(S, V).values[V - 1]!;
    const est = laplacianLambdaMax(csr, mass);
    expect(Math.abs(est - lmax) / lmax).toBeLessThan(0.01);
    const lhatCsr = chebyshevLaplacian(csr, mass, { lambdaMax: lmax });
    const lhat = lhatCsr.toSparseMatrix("float64");
    manualSeed(7);
    const conv = new MeshChebConv(2, 3, 4).double();
    const x = randn([V, 2], { dtype: "float64" });
    const out = conv.forward(x, lhat);
    // dense reference
    const A = new Float64Array(V * V);
    for (let i = 0; i < V; i++)
      for (let j = 0; j < V; j++) A[i * V + j] = (2 * L[i * V + j]!) / mass[i]! / lmax - (i === j ? 1 : 0);
    const mv = (y: Float64Array) => {
      const z = new Float64Array(V * 2);
      for (let i = 0; i < V; i++)
        for (let j = 0; j < V; j++) for (let c = 0; c < 2; c++) z[i * 2 + c]! += A[i * V + j]! * y[j * 2 + c]!;
      return z;
    };
    const T = [Float64Array.from(x.data)];
    T.push(mv(T[0]!));
    T.push(mv(T[1]!).map((v, i) => 2 * v - T[0]![i]!));
    T.push(mv(T[2]!).map((v, i) => 2 * v - T[1]![i]!));
    for (let i = 0; i < V; i++)
      for (let q = 0; q < 3; q++) {
        let r = conv.bias!.data[q]!;
        for (let k = 0; k < 4; k++) {
          const W = conv.lins[k]!.weight.data;
          for (let c = 0; c < 2; c++) r += W[q * 2 + c]! * T[k]![i * 2 + c]!;
        }
        expect(out.data[i * 3 + q]!).toBeCloseTo(r, 10);
      }
    // constants are in the kernel of M⁻¹L: L̂ 1 = −1
    const ones = new Tensor(new Float64Array(V).fill(1), [V, 1], "float64");
    const l1 = lhat.matmul(ones).toFlatArray();
    expect(Math.max(...l1.map((v) => Math.abs(v + 1)))).toBeLessThan(1e-10);
    // the symmetric form has the same spectrum (its λ_max estimate is the same)
    const sym = chebyshevLaplacian(csr, mass, { normalization: "sym", lambdaMax: lmax });
    expect(sym.values.length).toBe(lhatCsr.values.length);
    gradcheck((xx) => conv.forward(xx, lhat), [x.requiresGrad_()]);
    checkParameterGradients(conv, () => conv.forward(x.detach(), lhat));
  });
});

/** Per-vertex rotations of the angular origin by multiples of 2π/N (a product of cyclic groups). */
class VertexShifts implements Group<Int32Array> {
  readonly name: string;
  readonly order = Number.POSITIVE_INFINITY;
  constructor(
    readonly V: number,
    readonly n: number,
  ) {
    this.name = `C${n}^${V}`;
  }
  identity(): Int32Array {
    return new Int32Array(this.V);
  }
  compose(a: Int32Array, b: Int32Array): Int32Array {
    return a.map((s, i) => (s + b[i]!) % this.n);
  }
  inverse(a: Int32Array): Int32Array {
    return a.map((s) => (this.n - s) % this.n);
  }
  sample(g?: Generator): Int32Array {
    const out = new Int32Array(this.V);
    for (let i = 0; i < this.V; i++) out[i] = g ? g.randint(0, this.n) : Math.floor(Math.random() * this.n);
    return out;
  }
  equals(a: Int32Array, b: Int32Array): boolean {
    return a.every((s, i) => s === b[i]);
  }
  format(e: Int32Array): string {
    return `[${Array.from(e.slice(0, 6)).join(",")}${e.length > 6 ? ",…" : ""}]`;
  }
}

describe("GeodesicPolarConv", () => {
  const mesh = bumpy(1);
  const V = mesh.numVertices;
  const { edgeIndex } = kRingEdges(mesh, 2);
  const polar = localPolarCoordinates(mesh, edgeIndex);
  const E = edgeIndex.shape[1]!;
  const dst = (edgeIndex.data as Int32Array).subarray(E);

  it("the patch operator: [V·Nρ·Nθ, V], rows summing to 1, over the 2-ring", () => {
    const P = geodesicPolarPatches(mesh, { nRho: 2, nTheta: 6 });
    expect([P.rows, P.cols]).toEqual([V * 12, V]);
    for (let r = 0; r < P.rows; r += 17) {
      let s = 0;
      for (let p = P.rowPtr[r]!; p < P.rowPtr[r + 1]!; p++) s += P.values[p]!;
      expect(s).toBeCloseTo(1, 12);
    }
    expect(() => polarPatchOperator(V, edgeIndex, { rho: polar.rho.subarray(1), theta: polar.theta })).toThrow(/polar/);
  });

  it("is invariant to the angular origin at every vertex (exact for multiples of 2π/Nθ), through the checker", () => {
    const nTheta = 6;
    manualSeed(8);
    const conv = new GeodesicPolarConv(3, 4, { nRho: 2, nTheta }).double();
    const x = randn([V, 3], { dtype: "float64" });
    const run = (theta: Float64Array) =>
      conv.forward(
        x,
        polarPatchOperator(V, edgeIndex, { rho: polar.rho, theta }, { nRho: 2, nTheta }).toSparseMatrix("float64"),
      );
    const rotate = (shift: (v: number) => number) => (theta: Float64Array) =>
      theta.map((t, e) => (polar.rho[e]! > 0 ? (t + shift(dst[e]!)) % (2 * Math.PI) : 0));
    const report = assertEquivariant(run, {
      group: new VertexShifts(V, nTheta),
      inputAction: (s, theta) => rotate((v) => (2 * Math.PI * s[v]!) / nTheta)(theta),
      inputs: [polar.theta],
      samples: 4,
      atol: 1e-12,
      rtol: 1e-12,
    });
    expect(report.maxRelError).toBeLessThan(1e-12);
    // arbitrary angles: only approximately invariant (Gaussian bins); the error is measured, not zero
    const free = checkEquivariance(run, {
      group: new VertexShifts(V, 1000),
      inputAction: (s, theta) => rotate((v) => (2 * Math.PI * s[v]!) / 1000)(theta),
      inputs: [polar.theta],
      samples: 2,
    });
    expect(free.maxRelError).toBeGreaterThan(1e-6);
    expect(free.maxRelError).toBeLessThan(0.5);
  });

  it("gradchecks", () => {
    manualSeed(9);
    const conv = new GeodesicPolarConv(2, 3, { nRho: 2, nTheta: 4 }).double();
    const P = geodesicPolarPatches(mesh, { nRho: 2, nTheta: 4, rings: 1 }).toSparseMatrix("float64");
    const x = randn([V, 2], { dtype: "float64" });
    gradcheck((xx) => conv.forward(xx, P), [x.requiresGrad_()]);
    checkParameterGradients(conv, () => conv.forward(x.detach(), P), { perParameter: 10 });
    expect(() => conv.forward(x.detach(), geodesicPolarPatches(mesh, { nRho: 3, nTheta: 4 }).toSparseMatrix())).toThrow(
      /patches/,
    );
  });
});
