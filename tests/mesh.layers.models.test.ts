import { describe, expect, it } from "vitest";
import { Mesh } from "../src/domains/mesh/mesh.js";
import { normalizePositions } from "../src/domains/mesh/normalize.js";
import { DiffusionNet } from "../src/layers/meshes/diffusion_net.js";
import {
  FeaStNet,
  GeodesicPolarCNN,
  MeshChebNet,
  type MeshPrecomputeOptions,
  MoNet,
} from "../src/layers/meshes/models.js";
import { crossEntropy } from "../src/nn/functional.js";
import type { Module } from "../src/nn/module.js";
import { Adam } from "../src/optim/adam.js";
import { assertEquivariant, SEn } from "../src/symmetry/index.js";
import { gradcheck, manualSeed, Tensor } from "../src/tensor/index.js";
import { icosphere, moveMesh, truncatedBasis } from "./helpers/mesh_layers.js";

function bumpy(level: number, seed = 9): Mesh {
  const m = icosphere(level);
  const p = m.positions.slice();
  let s = seed;
  for (let v = 0; v < m.numVertices; v++) {
    s = (s * 16807) % 2147483647;
    for (let d = 0; d < 3; d++) p[3 * v + d]! *= 1 + 0.3 * (s / 2147483647 - 0.5);
  }
  return new Mesh(p, m.faces);
}

/** The dense eigenbasis of the normalised mesh (cotan Laplacian, barycentric mass), for precompute. */
function extras(mesh: Mesh, k: number) {
  return { basis: truncatedBasis(normalizePositions(mesh), k) };
}

type AnyMeshModel = Module & {
  precompute(mesh: Mesh, opts?: MeshPrecomputeOptions): { x: Tensor; ops: unknown };
  forward(x: Tensor, ops: unknown): Tensor;
  forwardMesh(mesh: Mesh, opts?: MeshPrecomputeOptions): Tensor;
};

const makers: [
  string,
  (inC: number, out: number, outputsAt: "vertices" | "faces" | "edges" | "globalMean") => AnyMeshModel,
][] = [
  [
    "MoNet",
    (i, o, outputsAt) => new MoNet(i, o, { hidden: [4, 5], kernelSize: 3, outputsAt }) as unknown as AnyMeshModel,
  ],
  [
    "FeaStNet",
    (i, o, outputsAt) => new FeaStNet(i, o, { hidden: [4, 5], heads: 2, outputsAt }) as unknown as AnyMeshModel,
  ],
  [
    "GeodesicPolarCNN",
    (i, o, outputsAt) =>
      new GeodesicPolarCNN(i, o, { hidden: [4, 5], nRho: 2, nTheta: 4, outputsAt }) as unknown as AnyMeshModel,
  ],
  [
    "MeshChebNet",
    (i, o, outputsAt) => new MeshChebNet(i, o, { hidden: [4, 5], K: 3, outputsAt }) as unknown as AnyMeshModel,
  ],
  [
    "DiffusionNet",
    (i, o, outputsAt) =>
      new DiffusionNet(i, o, { width: 4, blocks: 2, dropout: 0, k: 20, outputsAt }) as unknown as AnyMeshModel,
  ],
];

describe("mesh models", () => {
  const mesh = bumpy(1);
  const ex = extras(mesh, 20);

  it.each(makers)("%s: outputs at vertices, faces, edges and globally; gradchecks in x", (_name, make) => {
    manualSeed(1);
    const shapes = { vertices: [42, 3], faces: [80, 3], edges: [120, 3], globalMean: [1, 3] } as const;
    for (const at of ["vertices", "faces", "edges", "globalMean"] as const) {
      const model = make(3, 3, at).double();
      const { x, ops } = model.precompute(mesh, ex);
      expect(x.dtype).toBe("float64");
      const y = model.forward(x, ops);
      expect(y.shape).toEqual(shapes[at]);
      expect(y.toFlatArray().every(Number.isFinite)).toBe(true);
      if (at === "faces") gradcheck((xx) => model.forward(xx, ops), [x.requiresGrad_()]);
    }
  });

  it.each(makers)(
    "%s with HKS inputs is invariant to rigid motions (SE(3), precompute on the moved mesh)",
    (_name, make) => {
      manualSeed(2);
      const model = make(8, 3, "vertices").double();
      model.eval();
      const report = assertEquivariant((m: Mesh) => model.forwardMesh(m, extras(m, 20)), {
        group: SEn(3),
        inputAction: (g, m) => moveMesh(m, g.R, g.t),
        inputs: [mesh],
        samples: 2,
        atol: 1e-8,
        rtol: 1e-8,
      });
      expect(report.maxRelError).toBeLessThan(1e-8);
    },
  );

  it("trains: a few Adam steps lower the loss of a per-vertex task (float32)", () => {
    manualSeed(3);
    const model = new MoNet(3, 2, { hidden: [8, 8], kernelSize: 4 });
    const { x, ops } = model.precompute(mesh);
    // label: the upper half of the shape
    const y = x.toArray() as number[][];
    const target = Int32Array.from(y.map((p) => (p[2]! > 0 ? 1 : 0)));
    const labels = new Tensor(target, [42], "int32");
    const opt = new Adam(model.parameters(), { lr: 0.02 });
    const losses: number[] = [];
    for (let s = 0; s < 30; s++) {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(x, ops), labels);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    expect(losses[losses.length - 1]!).toBeLessThan(0.7 * losses[0]!);
  });

  it("names bad arguments", () => {
    expect(() => new MoNet(4, 3, { input: "xyz" })).toThrow(/inChannels/);
    expect(() => new FeaStNet(3, 3, { hidden: [] })).toThrow(/hidden/);
    expect(() => new GeodesicPolarCNN(3, 3, { outputsAt: "cells" as "faces" })).toThrow(/outputsAt/);
  });
});
