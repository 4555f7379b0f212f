/**
 * Geodesic mesh-layer benches: one training step (forward + cross-entropy + backward + Adam) of each
 * mesh model on one mesh, the unit of work of `erlangen train` on SHREC'11 (about 250 vertices per
 * mesh, one mesh per step) and human-body segmentation (about 750 vertices), plus DiffusionNet's
 * per-mesh precompute (eigenbasis, gradient operator, HKS).
 *
 * - `diffusionnet step V=252 …`: DiffusionNet as in the paper (width 128, 4 blocks, MLP [128, 128],
 *   dropout 0.5, gradient features with rotations), k = 128 eigenpairs, 16 HKS inputs, 30 classes from
 *   the area-weighted mean (classification); `V=750`: 8 classes per vertex (segmentation); `C=64`: the
 *   width of DiffusionNet's own SHREC'11 script.
 * - `monet / feastnet / gcnn-polar / mesh-cheb step V=252`: the models of `layers/meshes/models.ts`
 *   with their default widths on xyz inputs, classification.
 * - `diffusionnet precompute V=252 k=128`: `DiffusionNet.precompute` (normalisation, intrinsic
 *   Delaunay Laplacian, 128 eigenpairs, gradient operator, HKS), paid once per mesh and cached.
 *
 * The meshes are tori (`primitives.ts`) of 252 and 750 vertices with seeded radial noise. No peer (the
 * reference implementations need PyTorch with CUDA extensions or research code not in the peer set).
 */
import { Mesh } from "../src/domains/mesh/mesh.js";
import { torus } from "../src/domains/mesh/primitives.js";
import { DiffusionNet } from "../src/layers/meshes/diffusion_net.js";
import { FeaStNet, GeodesicPolarCNN, MeshChebNet, MoNet } from "../src/layers/meshes/models.js";
import { crossEntropy } from "../src/nn/functional.js";
import type { Module } from "../src/nn/module.js";
import { Adam } from "../src/optim/adam.js";
import { Generator, manualSeed } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";
import type { Bench, BenchSuite } from "./harness.js";

/** A torus of nu × nv vertices with seeded radial noise (no symmetry left for the eigensolver). */
function noisyTorus(nu: number, nv: number): Mesh {
  const t = torus({ majorSegments: nu, minorSegments: nv });
  const g = new Generator(1);
  const p = t.positions.slice();
  for (let i = 0; i < p.length; i++) p[i]! += g.normal(0, 0.01);
  return new Mesh(p, t.faces);
}

interface StepModel extends Module {
  precompute(mesh: Mesh): { x: Tensor; ops: unknown };
  forward(x: Tensor, ops: unknown): Tensor;
}

function stepCase(name: string, model: StepModel, mesh: Mesh, extra: Record<string, unknown>): Bench {
  const { x, ops } = model.precompute(mesh);
  const out = model.forward(x, ops);
  const n = out.shape[0]!;
  const classes = out.shape[1]!;
  const target = new Tensor(
    Int32Array.from({ length: n }, (_, i) => i % classes),
    [n],
    "int32",
  );
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  return {
    name,
    level: "model",
    extra: { vertices: mesh.numVertices, params: model.numParameters(), ...extra },
    run: () => {
      opt.zeroGrad();
      crossEntropy(model.forward(x, ops), target).backward();
      opt.step();
    },
  };
}

export function meshLayersSuite(): BenchSuite {
  return {
    name: "mesh-layers",
    cases: () => {
      manualSeed(0);
      const small = noisyTorus(14, 18); // 252 vertices
      const large = noisyTorus(25, 30); // 750 vertices
      const dn = (C: number, outputsAt: "globalMean" | "vertices", classes: number) =>
        new DiffusionNet(16, classes, { width: C, blocks: 4, k: 128, outputsAt }) as unknown as StepModel;
      const cases: Bench[] = [
        stepCase("diffusionnet step V=252 k=128 C=128 x4", dn(128, "globalMean", 30), small, {
          task: "classification",
        }),
        stepCase("diffusionnet step V=252 k=128 C=64 x4", dn(64, "globalMean", 30), small, { task: "classification" }),
        stepCase("diffusionnet step V=750 k=128 C=128 x4", dn(128, "vertices", 8), large, { task: "segmentation" }),
        stepCase("monet step V=252", new MoNet(3, 30, { outputsAt: "globalMean" }) as unknown as StepModel, small, {}),
        stepCase(
          "feastnet step V=252",
          new FeaStNet(3, 30, { outputsAt: "globalMean" }) as unknown as StepModel,
          small,
          {},
        ),
        stepCase(
          "gcnn-polar step V=252",
          new GeodesicPolarCNN(3, 30, { outputsAt: "globalMean" }) as unknown as StepModel,
          small,
          {},
        ),
        stepCase(
          "mesh-cheb step V=252",
          new MeshChebNet(3, 30, { outputsAt: "globalMean" }) as unknown as StepModel,
          small,
          {},
        ),
      ];
      const pre = new DiffusionNet(16, 30, { k: 128 });
      cases.push({
        name: "diffusionnet precompute V=252 k=128",
        level: "model",
        extra: { vertices: small.numVertices },
        run: () => {
          pre.precompute(small);
        },
      });
      return cases;
    },
  };
}
