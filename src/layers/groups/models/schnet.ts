/**
 * SchNet (Schütt et al., NeurIPS 2017 / J. Chem. Phys. 2018): continuous-filter convolutions whose
 * filters are MLPs of the interatomic distance (Gaussian-expanded, cosine cutoff), interaction blocks
 * with shifted-softplus activations and residual updates, and a sum-over-atoms readout. Only
 * distances are used, so the energy is invariant to rotations, reflections, translations and atom
 * permutations. Layout and defaults follow PyG's `SchNet`.
 */

import { checkEdgeIndex } from "../../../domains/graph/graph.js";
import { batchOrZeros, batchSize, globalAddPool, globalMeanPool } from "../../../domains/graph/pool.js";
import { edgeRow, undirectedPairs } from "../../../domains/graph/utils.js";
import { cutoffGraph, edgeVectors } from "../../../domains/point_cloud.js";
import { Embedding } from "../../../nn/embedding.js";
import { linearScaled } from "../../../nn/functional.js";
import { xavierUniform, zeros as zeroInit } from "../../../nn/init.js";
import { Linear } from "../../../nn/linear.js";
import { Module, ModuleList } from "../../../nn/module.js";
import { fmtShape, opError } from "../../../tensor/errors.js";
import type { Generator } from "../../../tensor/rng.js";
import type { Tensor } from "../../../tensor/tensor.js";
import { cosineCutoff, GaussianSmearing } from "../radial.js";
import { checkAtoms } from "./common.js";
import "../../../tensor/index.js";
import { gatherMulScatter } from "../../../tensor/ops/scatter.js";

interface LayerInit {
  dtype?: "float32" | "float64";
  generator?: Generator;
}

function xavierLinear(i: number, o: number, bias: boolean, init: LayerInit): Linear {
  const l = new Linear(i, o, { bias, dtype: init.dtype, generator: init.generator });
  xavierUniform(l.weight, 1, { generator: init.generator });
  if (l.bias) zeroInit(l.bias);
  return l;
}

/**
 * Continuous-filter convolution: `x_i' = lin2(Σ_j lin1(x)_j ⊙ W(r_ij))` with `W(r) = mlp(e(r))·C(r)`.
 * `forward(x [N, in], edgeIndex, edgeWeight = distances [E], edgeAttr = expansion [E, G])`; with
 * `pairOf` (int32 `[E]`, see `undirectedPairs`) the distances and expansions are given once per pair
 * (`[P]`, `[P, G]`), the filter is computed once per pair and edge e uses pair `pairOf[e]`'s.
 */
export class CFConv extends Module<[Tensor, Tensor, Tensor, Tensor, (Tensor | null)?], Tensor> {
  lin1: Linear;
  lin2: Linear;
  mlpIn: Linear;
  mlpOut: Linear;

  constructor(
    inChannels: number,
    outChannels: number,
    readonly numFilters: number,
    numGaussians: number,
    readonly cutoff: number,
    init: LayerInit = {},
  ) {
    super();
    this.lin1 = xavierLinear(inChannels, numFilters, false, init);
    this.lin2 = xavierLinear(numFilters, outChannels, true, init);
    this.mlpIn = xavierLinear(numGaussians, numFilters, true, init);
    this.mlpOut = xavierLinear(numFilters, numFilters, true, init);
  }

  forward(x: Tensor, edgeIndex: Tensor, edgeWeight: Tensor, edgeAttr: Tensor, pairOf: Tensor | null = null): Tensor {
    return this.forwardConv(x, edgeIndex, edgeWeight, edgeAttr, pairOf, false);
  }

  /** {@link forward}, with the shifted softplus fused into lin2 when `ssp` ({@link InteractionBlock}'s). */
  forwardConv(
    x: Tensor,
    edgeIndex: Tensor,
    edgeWeight: Tensor,
    edgeAttr: Tensor,
    pairOf: Tensor | null,
    ssp: boolean,
  ): Tensor {
    const N = x.shape[0]!;
    checkEdgeIndex("CFConv", edgeIndex, N);
    const E = edgeIndex.shape[1]!;
    if (pairOf !== null && (pairOf.dtype !== "int32" || pairOf.ndim !== 1 || pairOf.shape[0] !== E))
      opError("CFConv", "pairOf", `int32 [${E}]`, `${pairOf.dtype} ${fmtShape(pairOf.shape)}`);
    const C = cosineCutoff(edgeWeight, this.cutoff);
    // W(r) = mlpOut(ssp(mlpIn(e(r))))·C(r): two fused ops, once per distance
    const f = this.mlpIn.forwardAct(edgeAttr, "shiftedSoftplus");
    const W = linearScaled(f, this.mlpOut.weight, this.mlpOut.bias, C);
    const [src, dst] = [edgeRow(edgeIndex, 0), edgeRow(edgeIndex, 1)];
    const m = gatherMulScatter(this.lin1.forward(x), W, src, dst, N, pairOf);
    return ssp ? this.lin2.forwardAct(m, "shiftedSoftplus") : this.lin2.forward(m);
  }
}

/** CFConv → shifted softplus → Linear (the residual is added by {@link SchNet}). */
export class InteractionBlock extends Module<[Tensor, Tensor, Tensor, Tensor, (Tensor | null)?], Tensor> {
  conv: CFConv;
  lin: Linear;

  constructor(hiddenChannels: number, numGaussians: number, numFilters: number, cutoff: number, init: LayerInit = {}) {
    super();
    this.conv = new CFConv(hiddenChannels, hiddenChannels, numFilters, numGaussians, cutoff, init);
    this.lin = xavierLinear(hiddenChannels, hiddenChannels, true, init);
  }

  forward(x: Tensor, edgeIndex: Tensor, edgeWeight: Tensor, edgeAttr: Tensor, pairOf: Tensor | null = null): Tensor {
    return this.lin.forward(this.conv.forwardConv(x, edgeIndex, edgeWeight, edgeAttr, pairOf, true));
  }
}

/** Options of {@link SchNet} (PyG's defaults). */
export interface SchNetOptions {
  hiddenChannels?: number;
  numFilters?: number;
  numInteractions?: number;
  numGaussians?: number;
  /** Neighbour cutoff in Å (default 10). */
  cutoff?: number;
  /** Keep at most this many nearest neighbours per atom (default: all within the cutoff). */
  maxNumNeighbors?: number;
  /** `add` (default) or `mean` over atoms. */
  readout?: "add" | "mean";
  /** Size of the atom-type table (default 100, indexed by atomic number). */
  numSpecies?: number;
  /** Outputs per molecule (default 1). */
  numTargets?: number;
  dtype?: "float32" | "float64";
  generator?: Generator;
}

/** SchNet: `forward(z [N] int32, pos [N, 3], batch? [N])` → `[numGraphs, numTargets]`. */
export class SchNet extends Module<[Tensor, Tensor, (Tensor | null)?], Tensor> {
  readonly hiddenChannels: number;
  readonly cutoff: number;
  readonly readout: "add" | "mean";
  readonly numSpecies: number;
  readonly maxNumNeighbors: number | undefined;
  embedding: Embedding;
  distanceExpansion: GaussianSmearing;
  interactions: ModuleList<InteractionBlock>;
  lin1: Linear;
  lin2: Linear;

  constructor(opts: SchNetOptions = {}) {
    super();
    const H = opts.hiddenChannels ?? 128;
    const F = opts.numFilters ?? 128;
    const G = opts.numGaussians ?? 50;
    this.hiddenChannels = H;
    this.cutoff = opts.cutoff ?? 10;
    if (!(this.cutoff > 0)) opError("SchNet", "cutoff", "a positive distance", String(this.cutoff));
    this.readout = opts.readout ?? "add";
    this.numSpecies = opts.numSpecies ?? 100;
    this.maxNumNeighbors = opts.maxNumNeighbors;
    const init = { dtype: opts.dtype, generator: opts.generator };
    this.embedding = new Embedding(this.numSpecies, H, init);
    this.distanceExpansion = new GaussianSmearing({ start: 0, stop: this.cutoff, numGaussians: G });
    this.interactions = new ModuleList(
      Array.from({ length: opts.numInteractions ?? 6 }, () => new InteractionBlock(H, G, F, this.cutoff, init)),
    );
    this.lin1 = xavierLinear(H, Math.max(1, H >> 1), true, init);
    this.lin2 = xavierLinear(Math.max(1, H >> 1), opts.numTargets ?? 1, true, init);
  }

  forward(z: Tensor, pos: Tensor, batch: Tensor | null = null): Tensor {
    checkAtoms("SchNet", z, pos, batch, this.numSpecies);
    const N = z.shape[0]!;
    const dtype = this.embedding.weight.dtype;
    const x = pos.cast(dtype);
    const b = batchOrZeros(batch, N);
    const edgeIndex = cutoffGraph(x, this.cutoff, { batch: b, maxNumNeighbors: this.maxNumNeighbors });
    // an edge and its reverse share their distance: the filters are computed once per pair
    const { pairIndex, pairOf } = undirectedPairs(edgeIndex, N);
    const { length } = edgeVectors(x, pairIndex);
    const edgeAttr = this.distanceExpansion.forward(length);
    let h = this.embedding.forward(z);
    for (const block of this.interactions) h = h.add(block.forward(h, edgeIndex, length, edgeAttr, pairOf));
    h = this.lin2.forward(this.lin1.forwardAct(h, "shiftedSoftplus"));
    return (this.readout === "add" ? globalAddPool : globalMeanPool)(h, b, batchSize(pos, batch));
  }
}
