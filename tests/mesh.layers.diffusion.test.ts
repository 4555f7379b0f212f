import { describe, expect, it } from "vitest";
import { vertexGradient } from "../src/domains/mesh/gradient.js";
import { Mesh } from "../src/domains/mesh/mesh.js";
import { normalizePositions } from "../src/domains/mesh/normalize.js";
import {
  DiffusionNet,
  DiffusionNetBlock,
  type DiffusionNetOperators,
  diffusionNetOperators,
  LearnedTimeDiffusion,
  SpatialGradientFeatures,
} from "../src/layers/meshes/diffusion_net.js";
import { meshInputs } from "../src/layers/meshes/inputs.js";
import { meshReadout } from "../src/layers/meshes/readout.js";
import { assertEquivariant, SEn } from "../src/symmetry/index.js";
import { gradcheck, manualSeed, randn, spmm } from "../src/tensor/index.js";
import {
  candidateFrames,
  denseCotan,
  denseEigenbasis,
  flatGrid,
  icosphere,
  moveMesh,
  truncatedBasis,
} from "./helpers/mesh_layers.js";
import { checkParameterGradients } from "./helpers/param_gradcheck.js";

/** Applies a CSR operator to a vertex function. */
function apply(csr: { rowPtr: Int32Array; colIndex: Int32Array; values: Float64Array }, f: ArrayLike<number>) {
  const V = csr.rowPtr.length - 1;
  const out = new Float64Array(V);
  for (let i = 0; i < V; i++)
    for (let p = csr.rowPtr[i]!; p < csr.rowPtr[i + 1]!; p++) out[i]! += csr.values[p]! * f[csr.colIndex[p]!]!;
  return out;
}

/** An icosphere with every vertex moved radially by a seeded random amount (no symmetry left). */
function bumpySphere(level: number, amount = 0.15, seed = 3): Mesh {
  const m = icosphere(level);
  let s = seed;
  const p = m.positions.slice();
  for (let v = 0; v < m.numVertices; v++) {
    s = (s * 16807) % 2147483647;
    const r = 1 + amount * (s / 2147483647 - 0.5);
    for (let d = 0; d < 3; d++) p[3 * v + d]! *= r;
  }
  return new Mesh(p, m.faces);
}

/** Operators in float64 from the dense reference eigenbasis (k pairs) and DiffusionNet's frames. */
function opsOf(mesh: Mesh, k: number): DiffusionNetOperators {
  return diffusionNetOperators(mesh, {
    k,
    basis: truncatedBasis(mesh, k),
    gradient: { frames: candidateFrames(mesh) },
    dtype: "float64",
  });
}

describe("vertexGradient (DiffusionNet's spatial gradient)", () => {
  it("is exact for linear functions on a flat (jittered) mesh without regularisation", () => {
    const mesh = flatGrid(6, 5, 0.6);
    const frames = candidateFrames(mesh);
    const { gradX, gradY } = vertexGradient(mesh, { frames, regularization: 0 });
    const f = Array.from(
      { length: mesh.numVertices },
      (_, v) => 2 * mesh.positions[3 * v]! - 3 * mesh.positions[3 * v + 1]! + 1,
    );
    const gx = apply(gradX, f);
    const gy = apply(gradY, f);
    for (let v = 0; v < mesh.numVertices; v++) {
      const ex = 2 * frames.xAxes[3 * v]! - 3 * frames.xAxes[3 * v + 1]!;
      const ey = 2 * frames.yAxes[3 * v]! - 3 * frames.yAxes[3 * v + 1]!;
      expect(Math.abs(gx[v]! - ex)).toBeLessThan(1e-12);
      expect(Math.abs(gy[v]! - ey)).toBeLessThan(1e-12);
    }
    // the default (relative 1e-5) regulariser changes it by about that much; constants have no gradient
    const reg = vertexGradient(mesh, { frames });
    const gr = apply(reg.gradX, f);
    for (let v = 0; v < mesh.numVertices; v++) expect(Math.abs(gr[v]! - gx[v]!)).toBeLessThan(1e-4);
    const c = apply(reg.gradY, new Float64Array(mesh.numVertices).fill(3));
    expect(Math.max(...c.map(Math.abs))).toBeLessThan(1e-12);
    // inverse-length weights are exact on linear functions too
    const w = vertexGradient(mesh, { frames, weighting: "inverseLength", regularization: 0 });
    expect(Math.abs(apply(w.gradX, f)[7]! - gx[7]!)).toBeLessThan(1e-12);
  });

  it("approximates the tangential gradient of z on the unit sphere", () => {
    const mesh = icosphere(3);
    const frames = candidateFrames(mesh);
    const { gradX, gradY } = vertexGradient(mesh, { frames });
    const z = Array.from({ length: mesh.numVertices }, (_, v) => mesh.positions[3 * v + 2]!);
    const gx = apply(gradX, z);
    const gy = apply(gradY, z);
    let err = 0;
    let ref = 0;
    for (let v = 0; v < mesh.numVertices; v++) {
      const p = [0, 1, 2].map((d) => mesh.positions[3 * v + d]!);
      // ∇_S z = e_z − (e_z·n) n with n = p on the unit sphere
      const g = [-p[2]! * p[0]!, -p[2]! * p[1]!, 1 - p[2]! * p[2]!];
      const ex = g[0]! * frames.xAxes[3 * v]! + g[1]! * frames.xAxes[3 * v + 1]! + g[2]! * frames.xAxes[3 * v + 2]!;
      const ey = g[0]! * frames.yAxes[3 * v]! + g[1]! * frames.yAxes[3 * v + 1]! + g[2]! * frames.yAxes[3 * v + 2]!;
      err += (gx[v]! - ex) ** 2 + (gy[v]! - ey) ** 2;
      ref += ex * ex + ey * ey;
    }
    expect(Math.sqrt(err / ref)).toBeLessThan(0.03);
  });

  it("rotating the frame at a vertex rotates its gradient (frame covariance)", () => {
    const mesh = icosphere(1);
    const frames = candidateFrames(mesh);
    const rotated = { normals: frames.normals, xAxes: frames.xAxes.slice(), yAxes: frames.yAxes.slice() };
    const phi = Array.from({ length: mesh.numVertices }, (_, v) => 0.7 * v);
    for (let v = 0; v < mesh.numVertices; v++) {
      const c = Math.cos(phi[v]!);
      const s = Math.sin(phi[v]!);
      for (let d = 0; d < 3; d++) {
        rotated.xAxes[3 * v + d] = c * frames.xAxes[3 * v + d]! + s * frames.yAxes[3 * v + d]!;
        rotated.yAxes[3 * v + d] = -s * frames.xAxes[3 * v + d]! + c * frames.yAxes[3 * v + d]!;
      }
    }
    const f = Array.from({ length: mesh.numVertices }, (_, v) => Math.sin(3 * v));
    const a = vertexGradient(mesh, { frames });
    const b = vertexGradient(mesh, { frames: rotated });
    const [ax, ay, bx, by] = [apply(a.gradX, f), apply(a.gradY, f), apply(b.gradX, f), apply(b.gradY, f)];
    for (let v = 0; v < mesh.numVertices; v++) {
      const c = Math.cos(phi[v]!);
      const s = Math.sin(phi[v]!);
      expect(bx[v]!).toBeCloseTo(c * ax[v]! + s * ay[v]!, 12);
      expect(by[v]!).toBeCloseTo(-s * ax[v]! + c * ay[v]!, 12);
    }
  });
});

/** exp(A) of a dense n×n matrix by scaling and squaring with a Taylor series. */
function expm(A: Float64Array, n: number): Float64Array {
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = 0; j < n; j++) r += Math.abs(A[i * n + j]!);
    norm = Math.max(norm, r);
  }
  const s = Math.max(0, Math.ceil(Math.log2(norm / 0.25)));
  const B = A.map((a) => a / 2 ** s);
  const mm = (X: Float64Array, Y: Float64Array) => {
    const Z = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) {
        const x = X[i * n + k]!;
        if (x !== 0) for (let j = 0; j < n; j++) Z[i * n + j]! += x * Y[k * n + j]!;
      }
    return Z;
  };
  let E = new Float64Array(n * n);
  let term = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    E[i * n + i] = 1;
    term[i * n + i] = 1;
  }
  for (let q = 1; q <= 18; q++) {
    term = mm(term, B).map((t) => t / q);
    E = E.map((e, i) => e + term[i]!);
  }
  for (let q = 0; q < s; q++) E = mm(E, E);
  return E;
}

describe("LearnedTimeDiffusion", () => {
  it("equals the exact heat flow exp(−t M⁻¹L) x with the full basis", () => {
    const mesh = bumpySphere(1);
    const V = mesh.numVertices;
    const ops = opsOf(mesh, V);
    const times = [0.01, 0.1, 0.5];
    const diff = new LearnedTimeDiffusion(3).double();
    diff.diffusionTime.data.set(times);
    manualSeed(1);
    const x = randn([V, 3], { dtype: "float64" });
    const h = diff.forward(x, ops);
    const { L, mass } = denseCotan(mesh);
    times.forEach((t, c) => {
      const A = new Float64Array(V * V);
      for (let i = 0; i < V; i++) for (let j = 0; j < V; j++) A[i * V + j] = (-t * L[i * V + j]!) / mass[i]!;
      const E = expm(A, V);
      for (let i = 0; i < V; i++) {
        let ref = 0;
        for (let j = 0; j < V; j++) ref += E[i * V + j]! * x.data[j * 3 + c]!;
        expect(h.data[i * 3 + c]!).toBeCloseTo(ref, 9);
      }
    });
    // t = 0 is clamped to 1e-8: the identity on the span of the basis
    const id = new LearnedTimeDiffusion(3).double();
    const y = id.forward(x, ops);
    expect(Math.max(...y.toFlatArray().map((v, i) => Math.abs(v - x.data[i]!)))).toBeLessThan(1e-6);
    expect(id.diffusionTime.data[0]).toBe(1e-8);
  });

  it("gradchecks in x and t", () => {
    const mesh = bumpySphere(1);
    const ops = opsOf(mesh, 12);
    const diff = new LearnedTimeDiffusion(2).double();
    diff.diffusionTime.data.set([0.05, 0.3]);
    manualSeed(2);
    const x = randn([mesh.numVertices, 2], { dtype: "float64" });
    gradcheck((xx) => diff.forward(xx, ops), [x.requiresGrad_()]);
    checkParameterGradients(diff, () => diff.forward(x.detach(), ops));
  });

  it("rejects operators of another mesh or dtype by name", () => {
    const mesh = bumpySphere(1);
    const ops = opsOf(mesh, 8);
    const diff = new LearnedTimeDiffusion(2).double();
    expect(() => diff.forward(randn([5, 2], { dtype: "float64" }), ops)).toThrow(/ops\.mass/);
    expect(() => diff.forward(randn([mesh.numVertices, 2]), ops)).toThrow(/dtype float32/);
  });
});

describe("SpatialGradientFeatures and DiffusionNetBlock", () => {
  it("gradient features do not depend on the tangent frames", () => {
    const mesh = bumpySphere(1);
    const frames = candidateFrames(mesh);
    const turned = {
      normals: frames.normals,
      xAxes: frames.yAxes,
      yAxes: frames.xAxes.map((v) => -v),
    };
    const a = diffusionNetOperators(mesh, {
      k: 10,
      basis: truncatedBasis(mesh, 10),
      gradient: { frames },
      dtype: "float64",
    });
    const b = {
      ...a,
      ...diffusionNetOperators(mesh, {
        k: 10,
        basis: truncatedBasis(mesh, 10),
        gradient: { frames: turned },
        dtype: "float64",
      }),
    };
    manualSeed(3);
    const feat = new SpatialGradientFeatures(4).double();
    const h = randn([mesh.numVertices, 4], { dtype: "float64" });
    const fa = feat.forward(spmm(a.gradX, h), spmm(a.gradY, h));
    const fb = feat.forward(spmm(b.gradX, h), spmm(b.gradY, h));
    expect(Math.max(...fa.toFlatArray().map((v, i) => Math.abs(v - fb.data[i]!)))).toBeLessThan(1e-12);
  });

  it("gradchecks (with and without rotations)", () => {
    manualSeed(4);
    for (const withGradientRotations of [true, false]) {
      const feat = new SpatialGradientFeatures(3, { withGradientRotations }).double();
      const gx = randn([7, 3], { dtype: "float64" });
      const gy = randn([7, 3], { dtype: "float64" });
      gradcheck((a, b) => feat.forward(a, b), [gx.requiresGrad_(), gy.requiresGrad_()]);
      checkParameterGradients(feat, () => feat.forward(gx.detach(), gy.detach()));
    }
    const mesh = bumpySphere(1);
    const ops = opsOf(mesh, 10);
    for (const withGradientFeatures of [true, false]) {
      const block = new DiffusionNetBlock(3, { dropout: 0, withGradientFeatures, mlpHidden: [5] }).double();
      block.diffusion.diffusionTime.data.set([0.02, 0.1, 0.4]);
      const x = randn([mesh.numVertices, 3], { dtype: "float64" });
      gradcheck((xx) => block.forward(xx, ops), [x.requiresGrad_()]);
      checkParameterGradients(block, () => block.forward(x.detach(), ops));
    }
  });
});

describe("DiffusionNet", () => {
  it("outputs at vertices, faces, edges and the global mean, and gradchecks", () => {
    const mesh = bumpySphere(1);
    const ops = opsOf(mesh, 10);
    manualSeed(5);
    const x = randn([mesh.numVertices, 3], { dtype: "float64" });
    const shapes = { vertices: [42, 2], faces: [80, 2], edges: [120, 2], globalMean: [1, 2] } as const;
    for (const outputsAt of ["vertices", "faces", "edges", "globalMean"] as const) {
      const net = new DiffusionNet(3, 2, { width: 4, blocks: 2, dropout: 0, outputsAt }).double();
      const y = net.forward(x, ops);
      expect(y.shape).toEqual(shapes[outputsAt]);
      if (outputsAt === "globalMean") {
        const v = new DiffusionNet(3, 2, { width: 4, blocks: 2, dropout: 0 }).double();
        v.loadStateDict(net.stateDict());
        const yv = v.forward(x, ops);
        const m = ops.mass.data;
        let s0 = 0;
        let sm = 0;
        for (let i = 0; i < 42; i++) {
          s0 += m[i]! * yv.data[2 * i]!;
          sm += m[i]!;
        }
        expect(y.data[0]!).toBeCloseTo(s0 / sm, 12);
      }
    }
    const net = new DiffusionNet(3, 2, { width: 4, blocks: 2, dropout: 0, outputsAt: "faces" }).double();
    for (const b of net.blocks) b.diffusion.diffusionTime.data.set([0.01, 0.05, 0.2, 0.6]);
    gradcheck((xx) => net.forward(xx, ops), [x.requiresGrad_()]);
    checkParameterGradients(net, () => net.forward(x.detach(), ops), { perParameter: 3 });
    // readout by hand: a face is the mean of its corners
    const r = meshReadout(x.detach(), "faces", ops);
    const f0 = Array.from(mesh.faces.slice(0, 3));
    expect(r.data[0]!).toBeCloseTo(f0.reduce((s, v) => s + x.data[3 * v]!, 0) / 3, 12);
  });

  it("dropout is active in training only, and the model trains on one mesh", () => {
    const mesh = bumpySphere(1);
    const ops = opsOf(mesh, 10);
    manualSeed(6);
    const net = new DiffusionNet(3, 2, { width: 8, blocks: 1 }).double();
    const x = randn([mesh.numVertices, 3], { dtype: "float64" });
    const a = net.forward(x, ops);
    const b = net.forward(x, ops);
    expect(a.toFlatArray()).not.toEqual(b.toFlatArray());
    net.eval();
    expect(net.forward(x, ops).toFlatArray()).toEqual(net.forward(x, ops).toFlatArray());
  });

  it("with HKS inputs, is invariant to rigid motions of the mesh (SE(3), operators recomputed)", () => {
    const mesh = bumpySphere(2, 0.3);
    manualSeed(7);
    const net = new DiffusionNet(16, 3, { width: 8, blocks: 2, k: 30, outputsAt: "vertices" }).double().eval();
    for (const b of net.blocks) b.diffusion.diffusionTime.data.set([0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5]);
    // every default: normalisation, meshEigenbasis on the intrinsic Delaunay Laplacian, tangentFrames
    const run = (m: Mesh) => net.forwardMesh(m);
    const report = assertEquivariant(run, {
      group: SEn(3),
      inputAction: (g, m) => moveMesh(m, g.R, g.t),
      inputs: [mesh],
      samples: 2,
      atol: 1e-8,
      rtol: 1e-8,
    });
    expect(report.maxRelError).toBeLessThan(1e-8);
  });

  it("inputs: xyz is the normalised positions, hks matches the dense heat kernel diagonal", () => {
    const mesh = normalizePositions(bumpySphere(1));
    const basis = denseEigenbasis(mesh);
    const hks = meshInputs(mesh, "hks", { basis, hksCount: 4, dtype: "float64" });
    expect(hks.shape).toEqual([42, 4]);
    // at t = 1e-2 with the full basis: diag of exp(−t M⁻¹L) / m_v
    const V = mesh.numVertices;
    const { L, mass } = denseCotan(mesh);
    const A = new Float64Array(V * V);
    for (let i = 0; i < V; i++) for (let j = 0; j < V; j++) A[i * V + j] = (-0.01 * L[i * V + j]!) / mass[i]!;
    const E = expm(A, V);
    for (let v = 0; v < V; v += 7) expect(hks.data[v * 4]!).toBeCloseTo(E[v * V + v]! / mass[v]!, 6);
    const xyz = meshInputs(mesh, "xyz");
    expect(xyz.shape).toEqual([42, 3]);
    expect(() => meshInputs(mesh, "normals" as "xyz")).toThrow(/'xyz' or 'hks'/);
    expect(() => new DiffusionNet(16, 3, { input: "xyz" })).toThrow(/inChannels/);
    expect(xyz.dtype).toBe("float32");
  });
});
