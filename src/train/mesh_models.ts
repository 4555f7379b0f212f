/**
 * Mesh models as {@link MeshModel}s: each is called once per mesh as `model.call(x, item)` (features
 * `[V, C_in]` and the {@link MeshItem} with its memo of per-mesh precomputations) and wraps the library's
 * layers. Used by `erlangen train` (`cli/mesh_models.ts`), the bench and the examples.
 *
 * - {@link MeshGCN}: the isotropic baseline, Kipf & Welling's GCN on the mesh graph (vertices joined by
 *   the mesh edges, self loops, symmetric normalisation); classification takes the mean over the vertices
 *   and a linear classifier, segmentation a last convolution to the classes.
 * - {@link MeshGEM}: the gauge-equivariant mesh CNN (GEM-CNN) on the mesh's gauge bundle.
 * - {@link MeshDiffusionNet}: DiffusionNet on the mesh's spectral and gradient operators.
 * - {@link MeshOpsModel}: any model in the layers' `precompute` / `forward(x, ops)` convention (MoNet,
 *   FeaStNet, the geodesic polar CNN, the Chebyshev net).
 */
import type { MeshElement } from "../data/datasets/meshes.js";
import { gcnNorm, type WeightedEdgeIndex } from "../domains/graph/normalization.js";
import { meshToGraph } from "../domains/mesh/convert.js";
import type { MeshEigenbasis } from "../domains/mesh/eigenbasis.js";
import { type MeshGauge, meshGauge } from "../domains/mesh/gauge.js";
import { withPoolingLevels } from "../domains/mesh/gauge_pooling.js";
import type { Mesh } from "../domains/mesh/mesh.js";
import { GCN } from "../layers/graphs/models.js";
import {
  DiffusionNet,
  type DiffusionNetBlockOptions,
  type DiffusionNetOperators,
  diffusionNetOperators,
} from "../layers/meshes/diffusion_net.js";
import { GEMNet, type GEMNetOptions } from "../layers/meshes/gem_models.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { mean } from "../tensor/ops/reduce.js";
import type { Tensor } from "../tensor/tensor.js";
import { type MeshItem, type MeshModel, meshBasis, normalizedMesh } from "./meshes.js";

/**
 * The GCN-normalised mesh graph of an item (memoised): the mesh's edges both ways (`meshToGraph`, PyG's
 * FaceToEdge), self loops, D^-1/2 (A + I) D^-1/2 as edge weights.
 */
export function meshGcnEdges(item: MeshItem): WeightedEdgeIndex {
  return item.memo("gcn-edges", () =>
    gcnNorm(meshToGraph(item.mesh).edgeIndex, { numNodes: item.mesh.numVertices, dtype: "float32" }),
  );
}

/** Options of {@link MeshGCN}. */
export interface MeshGCNOptions {
  inChannels: number;
  hidden: number;
  layers: number;
  numClasses: number;
  /** `classification`: mean over vertices then a linear classifier; `segmentation`: per-vertex logits. */
  task: "classification" | "segmentation";
  dropout?: number;
}

/** An isotropic GCN on the mesh graph (see the module docs). */
export class MeshGCN extends Module<[Tensor, MeshItem], Tensor> implements MeshModel {
  gcn: GCN;
  head: Linear | null;
  readonly outputOn: MeshElement = "vertex";
  readonly task: "classification" | "segmentation";

  constructor(o: MeshGCNOptions) {
    super();
    this.task = o.task;
    const seg = o.task === "segmentation";
    this.gcn = new GCN(o.inChannels, o.hidden, o.layers, seg ? o.numClasses : null, {
      dropout: o.dropout ?? 0,
      normalize: false,
      addSelfLoops: false,
    });
    this.head = seg ? null : new Linear(o.hidden, o.numClasses);
  }

  prepare(item: MeshItem): void {
    meshGcnEdges(item);
  }

  /** @returns logits `[1, C]` (classification) or `[V, C]` (segmentation). */
  forward(x: Tensor, item: MeshItem): Tensor {
    const { edgeIndex, edgeWeight } = meshGcnEdges(item);
    const h = this.gcn.forward(x, edgeIndex, edgeWeight);
    if (this.head === null) return h;
    return this.head.forward(mean(h, 0, true));
  }
}

/** Options of {@link MeshGEM}. */
export interface MeshGEMOptions extends Omit<GEMNetOptions, "task"> {
  inChannels: number;
  numClasses: number;
  task: "classification" | "segmentation";
  /** Connection of the gauge bundle (default `intrinsic`: Levi-Civita transport, see `meshGauge`). */
  method?: "intrinsic" | "extrinsic";
  /** Share of vertices kept by each pooling level (default 0.25). */
  poolRatio?: number;
}

/**
 * The gauge bundle of an item's normalised mesh with `levels` pooling levels (memoised per method, levels
 * and ratio).
 */
export function meshGaugeOf(
  item: MeshItem,
  method: "intrinsic" | "extrinsic",
  levels: number,
  ratio: number,
): MeshGauge {
  return item.memo(`gauge:${method}:${levels}:${ratio}`, () =>
    withPoolingLevels(meshGauge(normalizedMesh(item), { method }), levels, { ratio }),
  );
}

/**
 * The gauge-equivariant mesh CNN (de Haan et al., ICLR 2021) as a {@link MeshModel}: {@link GEMNet} on the
 * gauge bundle of the normalised mesh (computed once per mesh in `prepare`). Scalar inputs (ρ_0), hidden
 * fields C × (ρ_0 ⊕ … ⊕ ρ_M), regular nonlinearities, optional transport pooling; per-vertex logits for
 * segmentation, a mean over the vertices for classification.
 */
export class MeshGEM extends Module<[Tensor, MeshItem], Tensor> implements MeshModel {
  net: GEMNet;
  readonly outputOn: MeshElement = "vertex";
  readonly method: "intrinsic" | "extrinsic";
  readonly poolRatio: number;

  constructor(o: MeshGEMOptions) {
    super();
    const { inChannels, numClasses, method, poolRatio, ...rest } = o;
    this.net = new GEMNet(inChannels, numClasses, rest);
    this.method = method ?? "intrinsic";
    this.poolRatio = poolRatio ?? 0.25;
  }

  prepare(item: MeshItem): void {
    meshGaugeOf(item, this.method, this.net.poolingLevels, this.poolRatio);
  }

  /** @returns logits `[1, C]` (classification) or `[V, C]` (segmentation). */
  forward(x: Tensor, item: MeshItem): Tensor {
    return this.net.forward(x, meshGaugeOf(item, this.method, this.net.poolingLevels, this.poolRatio));
  }
}

/** Options of {@link MeshDiffusionNet}. */
export interface MeshDiffusionNetOptions extends DiffusionNetBlockOptions {
  inChannels: number;
  numClasses: number;
  task: "classification" | "segmentation";
  /** Width C (default 128). */
  width?: number;
  /** Number of blocks (default 4). */
  blocks?: number;
  /** Eigenpairs of the spectral acceleration (default 128). */
  k?: number;
}

/**
 * The per-mesh operators of DiffusionNet on an item's normalised mesh (mass, k eigenpairs shared with the
 * HKS features, the gradient operator in the default tangent frames), memoised per k and dtype.
 */
export function diffusionNetOps(
  item: MeshItem,
  k: number,
  dtype: "float32" | "float64" = "float32",
): DiffusionNetOperators {
  const kk = Math.min(k, item.mesh.numVertices);
  return item.memo(`diffusionnet-ops:${kk}:${dtype}`, () =>
    diffusionNetOperators(normalizedMesh(item), { k: kk, basis: meshBasis(item, kk), dtype }),
  );
}

/**
 * DiffusionNet (Sharp et al., ToG 2022) as a {@link MeshModel}: learned diffusion through the first k
 * eigenpairs, spatial gradient features and a per-vertex MLP in each block; the mass-weighted mean over the
 * surface for classification, per-vertex logits for segmentation. Operators are computed once per mesh.
 */
export class MeshDiffusionNet extends Module<[Tensor, MeshItem], Tensor> implements MeshModel {
  net: DiffusionNet;
  readonly outputOn: MeshElement = "vertex";
  readonly k: number;

  constructor(o: MeshDiffusionNetOptions) {
    super();
    const { inChannels, numClasses, task, k, ...rest } = o;
    this.k = k ?? 128;
    this.net = new DiffusionNet(inChannels, numClasses, {
      ...rest,
      k: this.k,
      outputsAt: task === "classification" ? "globalMean" : "vertices",
    });
  }

  prepare(item: MeshItem): void {
    diffusionNetOps(item, this.k);
  }

  /** @returns logits `[1, C]` (classification) or `[V, C]` (segmentation). */
  forward(x: Tensor, item: MeshItem): Tensor {
    return this.net.forward(x, diffusionNetOps(item, this.k));
  }
}

/** A mesh model in the layers' convention: `precompute(mesh, { basis })` → `{ x, ops }`, `forward(x, ops)`. */
export interface PrecomputedMeshNet<Ops> extends Module<[Tensor, Ops], Tensor> {
  readonly input: "xyz" | "hks";
  readonly k: number;
  precompute(mesh: Mesh, opts?: { basis?: MeshEigenbasis }): { x: Tensor; ops: Ops };
}

/**
 * Any of the layers' mesh models (`MoNet`, `FeaStNet`, `GeodesicPolarCNN`, `MeshChebNet`, …) as a
 * {@link MeshModel}: its operators are precomputed once per mesh (memoised under `key`; the eigenbasis for
 * HKS inputs is the item's shared one), and it runs on the features the task gives it.
 */
export class MeshOpsModel<Ops> extends Module<[Tensor, MeshItem], Tensor> implements MeshModel {
  net: PrecomputedMeshNet<Ops>;
  readonly outputOn: MeshElement = "vertex";
  readonly key: string;

  /** @param key - a name for the memo (operators of different settings need different keys). */
  constructor(net: PrecomputedMeshNet<Ops>, key: string) {
    super();
    this.net = net;
    this.key = key;
  }

  ops(item: MeshItem): Ops {
    return item.memo(`ops:${this.key}`, () => {
      const basis = this.net.input === "hks" ? meshBasis(item, this.net.k) : undefined;
      return this.net.precompute(item.mesh, basis === undefined ? {} : { basis }).ops;
    });
  }

  prepare(item: MeshItem): void {
    this.ops(item);
  }

  /** @returns the net's logits: `[1, C]` with a global readout, `[V, C]` per vertex. */
  forward(x: Tensor, item: MeshItem): Tensor {
    return this.net.forward(x, this.ops(item));
  }
}
