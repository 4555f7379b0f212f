/**
 * Mesh models in `erlangen check`, on a SHREC'11 mesh (the first training mesh, 252 vertices), each built
 * by its `erlangen train` entry with the default hyperparameters and input features, in eval mode (with 32
 * eigenpairs instead of 128 for the HKS inputs and the spectral models, to keep the checks quick):
 *
 * - rigid motions: the per-vertex outputs of the segmentation model are invariant to rotations and
 *   translations of the mesh (SE(3); features, operators and gauges recomputed from the moved mesh). Expected
 *   for intrinsic inputs (`hks`); not for `xyz` inputs (`gcn-mesh` shows that as a control).
 * - `gem` only: the GemConv layer is gauge equivariant under a random frame rotation at every vertex
 *   (SO(2)^V, float64: round-off), and the GEM model's logits are gauge invariant, exactly for rotations by
 *   multiples of 2π/N at every vertex (C_N^V, N the regular nonlinearity's samples); under SO(2)^V the
 *   nonlinearity's aliasing is measured.
 * - measurements (reported, not asserted): the relative change of the per-vertex outputs on the original
 *   vertices when the same surface is remeshed (midpoint subdivision; 20 % of the edges flipped) and when the
 *   shape is bent near-isometrically (π/3 around its longest axis; edge lengths change by a few per cent).
 */
import { gaugeInputAction, type MeshGauge, meshGauge } from "../domains/mesh/gauge.js";
import type { Mesh } from "../domains/mesh/mesh.js";
import { Mesh as MeshClass } from "../domains/mesh/mesh.js";
import { bendMesh, flipEdges, subdivideMidpoint } from "../domains/mesh/remesh.js";
import type { ModelCheck } from "../layers/groups/models/checks.js";
import { GemConv } from "../layers/meshes/gem_conv.js";
import type { Module } from "../nn/module.js";
import { loadShrec11 } from "../node/mesh_datasets.js";
import type { Action } from "../symmetry/actions.js";
import { pointMotion } from "../symmetry/actions.js";
import { type EuclideanElement, SEn } from "../symmetry/groups.js";
import { gaugeGroup, SO2Irreps, so2Rotate } from "../symmetry/so2_irreps.js";
import { noGrad } from "../tensor/autograd.js";
import { randn } from "../tensor/creation.js";
import { Generator, manualSeed } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { type MeshGEM, meshGaugeOf } from "../train/mesh_models.js";
import { hksFeatures, type MeshFeatures, MeshItem, xyzFeatures } from "../train/meshes.js";
import { type CheckCase, type MeasurementCase, registerCheck } from "./check.js";
import { MESH_SEGMENTATION } from "./mesh_datasets.js";
import { defaultMeshFeatures, meshFeatures } from "./mesh_features.js";
import { isMeshKind } from "./mesh_models.js";
import { getModel, listModels } from "./registry.js";
import { resolveHyper } from "./train_args.js";

let sample: Mesh | null = null;

/** The check mesh: SHREC'11's first training mesh (alien, 252 vertices, 500 faces). */
export function checkMesh(): Mesh {
  if (sample === null) sample = loadShrec11({ trainLimit: 1, testLimit: 0 }).train[0]!.mesh;
  return sample;
}

/** Eigenpairs used by the checks (HKS inputs and spectral models): fewer than training's 128, for speed. */
const CHECK_K = 32;

/** The default input features (used in eval mode: no augmentation), HKS from {@link CHECK_K} eigenpairs. */
function evalFeatures(): MeshFeatures {
  const kind = defaultMeshFeatures();
  return kind === "hks" ? hksFeatures({ count: 16, k: CHECK_K }) : meshFeatures(kind);
}

/** Builds a CLI mesh model (segmentation kind: per-vertex outputs) with its defaults, seeded, in eval mode. */
function buildModel(name: string, seed: number, inChannels: number): Module {
  const spec = getModel(name);
  const hp = resolveHyper(spec, MESH_SEGMENTATION, "check", { k: CHECK_K });
  manualSeed(seed);
  const m = spec.build({ kind: MESH_SEGMENTATION, numFeatures: inChannels, numClasses: 8 }, hp);
  m.eval();
  return m;
}

/** The model's outputs on a mesh, everything per-mesh recomputed (a fresh item). */
function runOn(model: Module, features: MeshFeatures, mesh: Mesh): Tensor {
  const item = new MeshItem("check", mesh, {});
  const gen = new Generator(0);
  return noGrad(() => (model.call as (x: Tensor, it: MeshItem) => Tensor)(features.compute(item, false, gen), item));
}

function moveMesh(g: EuclideanElement, m: Mesh): Mesh {
  const { R, t } = pointMotion(SEn(3), g);
  const p = m.positions;
  const out = new Float64Array(p.length);
  for (let v = 0; v < m.numVertices; v++)
    for (let i = 0; i < 3; i++) {
      let s = t ? t[i]! : 0;
      for (let j = 0; j < 3; j++) s += R[3 * i + j]! * p[3 * v + j]!;
      out[3 * v + i] = s;
    }
  return new MeshClass(out, m.faces);
}

/** ‖a[:n] − b[:n]‖ / ‖b[:n]‖ over the first `rows` rows. */
function relChange(a: Tensor, b: Tensor, rows: number): number {
  const C = b.shape[1]!;
  let d = 0;
  let n = 0;
  for (let i = 0; i < rows * C; i++) {
    d += (a.data[i]! - b.data[i]!) ** 2;
    n += b.data[i]! ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(n), 1e-30);
}

function rigidCase(name: string, seed: number, xyz = false): CheckCase {
  const features = xyz ? xyzFeatures({ augment: false }) : evalFeatures();
  const model = buildModel(name, seed, features.channels);
  const intrinsic = features.name.startsWith("hks");
  const check: ModelCheck<Mesh, Tensor> = {
    name: `rigid motions of the mesh: per-vertex outputs invariant (input ${features.name}; operators recomputed)`,
    group: SEn(3),
    inputAction: moveMesh as Action<unknown, Mesh>,
    input: checkMesh(),
    fn: (m) => runOn(model, features, m),
  };
  return { check: check as ModelCheck<unknown, unknown>, rtol: 1e-4, atol: 1e-6, samples: 3, expected: intrinsic };
}

function gemCases(seed: number): CheckCase[] {
  const features = evalFeatures();
  const model = buildModel("gem", seed, features.channels) as unknown as MeshGEM;
  const item = new MeshItem("check", checkMesh(), {});
  const gauge = meshGaugeOf(item, model.method, model.net.poolingLevels, model.poolRatio);
  const x = features.compute(item, false, new Generator(0));
  type In = { x: Tensor; gauge: MeshGauge };
  const fn = (inp: In) => noGrad(() => model.net.forward(inp.x, inp.gauge));
  const irreps = SO2Irreps.bandLimited(2, 2);
  manualSeed(seed);
  const conv = new GemConv(irreps, irreps, { dtype: "float64", generator: new Generator(seed + 1) });
  const g64 = meshGauge(checkMesh());
  const x64 = randn([g64.numNodes, irreps.dim], { dtype: "float64", generator: new Generator(seed + 2) });
  const N = model.net.down.at(0).at(0).act.samples;
  const layer: ModelCheck<In, Tensor> = {
    name: `GemConv layer (${irreps} → ${irreps}, float64): gauge equivariance under a random frame rotation at every vertex`,
    group: gaugeGroup(g64.numNodes),
    inputAction: gaugeInputAction<In>(irreps) as Action<unknown, In>,
    outputAction: ((g: Float64Array, y: Tensor) => so2Rotate(y, irreps, g)) as Action<unknown, Tensor>,
    input: { x: x64, gauge: g64 },
    fn: (inp) => noGrad(() => conv.forward(inp.x, inp.gauge)),
  };
  const exact: ModelCheck<In, Tensor> = {
    name: `GEM model (float32): per-vertex logits invariant under rotations by multiples of 2π/${N} of every frame`,
    group: gaugeGroup(gauge.numNodes, N),
    inputAction: gaugeInputAction<In>(SO2Irreps.scalars(features.channels)) as Action<unknown, In>,
    input: { x, gauge },
    fn,
  };
  const cont: ModelCheck<In, Tensor> = {
    ...exact,
    name: "GEM model: logits under continuous frame rotations (SO(2)^V; the regular nonlinearity's aliasing)",
    group: gaugeGroup(gauge.numNodes),
  };
  return [
    { check: layer as ModelCheck<unknown, unknown>, rtol: 1e-9, atol: 1e-12, samples: 3, expected: true },
    { check: exact as ModelCheck<unknown, unknown>, rtol: 1e-4, atol: 1e-6, samples: 3, expected: true },
    { check: cont as ModelCheck<unknown, unknown>, rtol: 1e-4, atol: 1e-6, samples: 3, expected: false },
  ];
}

/** The remeshing and bending measurements of a model (see the module docs). */
export function meshMeasurements(name: string, seed: number): MeasurementCase[] {
  const setup = () => {
    const features = evalFeatures();
    const model = buildModel(name, seed, features.channels);
    const mesh = checkMesh();
    return { features, model, mesh, base: runOn(model, features, mesh) };
  };
  let s: ReturnType<typeof setup> | null = null;
  const get = () => {
    if (s === null) s = setup();
    return s;
  };
  const measure = (transform: (m: Mesh) => Mesh) => () => {
    const { features, model, mesh, base } = get();
    const out = runOn(model, features, transform(mesh));
    return { relChange: relChange(out, base, mesh.numVertices), samples: 1 };
  };
  return [
    {
      name: "remeshing: midpoint subdivision (4× the faces), outputs on the original vertices",
      group: "remesh",
      measure: measure(subdivideMidpoint),
    },
    {
      name: "remeshing: 20 % of the edges flipped (seeded), same vertices",
      group: "remesh",
      measure: measure((m) => flipEdges(m, { fraction: 0.2, generator: new Generator(seed + 7) }).mesh),
    },
    {
      name: "near-isometric bend by π/3 around the longest axis (same mesh)",
      group: "bend",
      measure: measure((m) => bendMesh(m, { angle: Math.PI / 3 })),
    },
  ];
}

for (const spec of listModels().filter((m) => m.kinds.some(isMeshKind))) {
  const name = spec.name;
  const checkName = name === "gcn" ? "gcn-mesh" : name;
  registerCheck({
    model: checkName,
    description: `${name} on meshes (SHREC'11 mesh): rigid motions${name === "gem" ? ", gauge transformations" : ""}; remeshing and bend measured`,
    cases: (seed) => [
      rigidCase(name, seed),
      // a control: the same check with extrinsic inputs (positions) must fail
      ...(name === "gcn" ? [rigidCase(name, seed, true)] : []),
      ...(name === "gem" ? gemCases(seed) : []),
    ],
    measurements: (seed) => meshMeasurements(name, seed),
  });
}
