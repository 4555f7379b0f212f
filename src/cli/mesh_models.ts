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
 *   k = 128 eigenpairs, HKS inputs; width 32 without dropout on SHREC'11 (their
 *   `classification_shrec11.py`), width 128 with dropout 0.5 for segmentation (`human_segmentation_original.py`);
 *   `--hidden` sets the width, `--layers` the blocks, `--k` the eigenpairs.
 * - `gem`: the gauge-equivariant mesh CNN (de Haan et al. 2021, {@link MeshGEM}): `--hidden` copies of each
 *   SO(2) irrep up to order 2 (ρ_0 ⊕ ρ_1 ⊕ ρ_2, so 5 × hidden channels), `--layers` GemConv + regular
 *   nonlinearity blocks, a last GemConv to scalars; intrinsic (Levi-Civita) transport on the normalised
 *   mesh; GEMNet's defaults (12 copies, 2 blocks, no pooling) with the mesh recipe above.
 */
import { MeshDiffusionNet, MeshGCN, MeshGEM } from "../train/mesh_models.js";
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
      : { ...MESH_RECIPE, hidden: 32, layers: 4, k: 128, dropout: 0 },
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
