/**
 * Mesh models of `erlangen train` (problem kinds `mesh-classification` and `mesh-segmentation`; each model
 * is called once per mesh as `model.call(x, item)`, see `train/meshes.ts` and `train/mesh_models.ts`):
 *
 * - `gcn` (the isotropic baseline): Kipf & Welling's GCN on the mesh graph, `--layers` convolutions of
 *   width `--hidden` with ReLU and dropout ({@link MeshGCN}). Its defaults copy DiffusionNet's training
 *   recipe (Adam 1e-3 halved every 50 epochs, 200 epochs, one mesh per step) so that the comparison with
 *   the mesh CNNs is about the layers. The graph-task `gcn` keeps its own defaults; this file only adds the
 *   mesh kinds to it.
 * - `diffusionnet` (Sharp et al. 2022, {@link MeshDiffusionNet}): the authors' scripts' settings: 4 blocks,
 *   k = 128 eigenpairs, HKS inputs; width 64 without dropout on SHREC'11 (their current
 *   `classification_shrec11.py`; an earlier version had 32), width 128 with dropout 0.5 for segmentation
 *   (`human_segmentation_original.py`);
 *   `--hidden` sets the width, `--layers` the blocks, `--k` the eigenpairs.
 * - `monet` (Monti et al. 2017), `feastnet` (Verma et al. 2018), `gcnn-polar` (Masci et al. 2015) and
 *   `mesh-cheb` (a Chebyshev spectral CNN on the mesh Laplacian): the layers' models (`MoNet`, `FeaStNet`,
 *   `GeodesicPolarCNN`, `MeshChebNet`) with their defaults; `--hidden` is the last width and `--layers` the
 *   number of convolutions (MoNet and FeaStNet double the width per layer up to it: 32, 64, 128; the polar
 *   CNN 32, 64; the Chebyshev net keeps it: 64, 64, 64).
 * - `gem`: the gauge-equivariant mesh CNN (de Haan et al. 2021, {@link MeshGEM}): `--hidden` copies of each
 *   SO(2) irrep up to order 2 (ρ_0 ⊕ ρ_1 ⊕ ρ_2, so 5 × hidden channels), `--layers` GemConv + regular
 *   nonlinearity blocks, a last GemConv to scalars; intrinsic (Levi-Civita) transport on the normalised
 *   mesh; GEMNet's defaults (12 copies, 2 blocks, no pooling) with the mesh recipe above.
 */
import { FeaStNet, GeodesicPolarCNN, MeshChebNet, MoNet } from "../layers/meshes/models.js";
import { MeshDiffusionNet, MeshGCN, MeshGEM, MeshOpsModel } from "../train/mesh_models.js";
import { MESH_CLASSIFICATION, MESH_SEGMENTATION } from "./mesh_datasets.js";
import { getModel, type Hyper, type ProblemKind, registerModel } from "./registry.js";
import "./graph_models.js";

/** The two mesh problem kinds. */
export const MESH_KINDS: readonly ProblemKind[] = [MESH_CLASSIFICATION, MESH_SEGMENTATION];

/** Whether `kind` is a mesh problem. */
export function isMeshKind(kind: ProblemKind): boolean {
  return MESH_KINDS.includes(kind);
}

/**
 * The training recipe of DiffusionNet (Sharp et al. 2022, the authors' SHREC'11 and human-segmentation
 * scripts): Adam, lr 1e-3 halved every 50 epochs, 200 epochs, one mesh per optimiser step, no weight decay.
 */
export const MESH_RECIPE: Partial<Hyper> = {
  epochs: 200,
  lr: 1e-3,
  lrStep: 50,
  lrGamma: 0.5,
  weightDecay: 0,
  batchSize: 1,
};

// `gcn` on meshes: extend the graph model's spec with the mesh kinds
const graphGcn = getModel("gcn");
registerModel({
  ...graphGcn,
  description: `${graphGcn.description}; on meshes: isotropic GCN on the mesh graph (the baseline)`,
  kinds: [...graphGcn.kinds, ...MESH_KINDS],
  defaults: (kind, dataset) =>
    isMeshKind(kind)
      ? { ...MESH_RECIPE, hidden: 128, layers: 4, dropout: kind === MESH_SEGMENTATION ? 0.5 : 0 }
      : graphGcn.defaults(kind, dataset),
  build: (info, hp) =>
    isMeshKind(info.kind)
      ? new MeshGCN({
          inChannels: info.numFeatures,
          hidden: hp.hidden,
          layers: hp.layers,
          numClasses: info.numClasses,
          task: info.kind === MESH_SEGMENTATION ? "segmentation" : "classification",
          dropout: hp.dropout,
        })
      : graphGcn.build(info, hp),
  paramGroups: (model, hp, info) => (isMeshKind(info.kind) ? undefined : graphGcn.paramGroups?.(model, hp, info)),
});

registerModel({
  name: "gem",
  description:
    "gauge-equivariant mesh CNN (GEM-CNN, de Haan et al. 2021): GemConv on SO(2) irreps up to order 2, regular nonlinearities, intrinsic transport",
  kinds: MESH_KINDS,
  hyperKeys: ["epochs", "lr", "hidden", "layers", "dropout", "batchSize"],
  defaults: (kind) => ({ ...MESH_RECIPE, hidden: 12, layers: 2, dropout: kind === MESH_SEGMENTATION ? 0.5 : 0 }),
  build: (info, hp) =>
    new MeshGEM({
      inChannels: info.numFeatures,
      numClasses: info.numClasses,
      task: info.kind === MESH_SEGMENTATION ? "segmentation" : "classification",
      channels: hp.hidden,
      blocksPerLevel: hp.layers,
      maxOrder: 2,
      dropout: hp.dropout,
    }),
});

registerModel({
  name: "diffusionnet",
  description:
    "DiffusionNet (Sharp et al. 2022): learned spectral diffusion (k eigenpairs), spatial gradient features, per-vertex MLPs",
  kinds: MESH_KINDS,
  hyperKeys: ["epochs", "lr", "hidden", "layers", "k", "dropout", "batchSize"],
  defaults: (kind) =>
    kind === MESH_SEGMENTATION
      ? { ...MESH_RECIPE, hidden: 128, layers: 4, k: 128, dropout: 0.5 }
      : { ...MESH_RECIPE, hidden: 64, layers: 4, k: 128, dropout: 0 },
  build: (info, hp) =>
    new MeshDiffusionNet({
      inChannels: info.numFeatures,
      numClasses: info.numClasses,
      task: info.kind === MESH_SEGMENTATION ? "segmentation" : "classification",
      width: hp.hidden,
      blocks: hp.layers,
      k: hp.k,
      dropout: hp.dropout,
    }),
});

const doubling = (hidden: number, layers: number) =>
  Array.from({ length: layers }, (_, i) => Math.max(1, Math.round(hidden / 2 ** (layers - 1 - i))));
const constant = (hidden: number, layers: number) => Array.from({ length: layers }, () => hidden);

function layersModel(
  name: string,
  description: string,
  defaults: { hidden: number; layers: number },
  widths: (hidden: number, layers: number) => number[],
  make: (
    inChannels: number,
    numClasses: number,
    opts: { hidden: number[]; dropout: number; outputsAt: "globalMean" | "vertices"; k: number },
  ) => ConstructorParameters<typeof MeshOpsModel>[0],
): void {
  registerModel({
    name,
    description,
    kinds: MESH_KINDS,
    hyperKeys: ["epochs", "lr", "hidden", "layers", "dropout", "batchSize"],
    defaults: (kind) => ({ ...MESH_RECIPE, ...defaults, k: 128, dropout: kind === MESH_SEGMENTATION ? 0.5 : 0 }),
    build: (info, hp) => {
      const opts = {
        hidden: widths(hp.hidden, hp.layers),
        dropout: hp.dropout,
        outputsAt: info.kind === MESH_SEGMENTATION ? ("vertices" as const) : ("globalMean" as const),
        k: hp.k,
      };
      return new MeshOpsModel(
        make(info.numFeatures, info.numClasses, opts),
        `${name}:${opts.hidden.join("-")}:${hp.k}`,
      );
    },
  });
}

layersModel(
  "monet",
  "MoNet (Monti et al. 2017): GMMConv with 8 Gaussians on local polar pseudo-coordinates, ELU",
  { hidden: 128, layers: 3 },
  doubling,
  (i, c, o) => new MoNet(i, c, o) as never,
);
layersModel(
  "feastnet",
  "FeaStNet (Verma et al. 2018): FeaStConv with 9 attention heads over the mesh graph",
  { hidden: 128, layers: 3 },
  doubling,
  (i, c, o) => new FeaStNet(i, c, o) as never,
);
layersModel(
  "gcnn-polar",
  "geodesic polar CNN (Masci et al. 2015): 3 × 8 polar bins over the 2-ring, angular max pooling",
  { hidden: 64, layers: 2 },
  doubling,
  (i, c, o) => new GeodesicPolarCNN(i, c, o) as never,
);
layersModel(
  "mesh-cheb",
  "spectral CNN on the mesh Laplacian: Chebyshev filters of order 6 on M⁻¹L (Defferrard et al. 2016 on meshes)",
  { hidden: 64, layers: 3 },
  constant,
  (i, c, o) => new MeshChebNet(i, c, o) as never,
);
