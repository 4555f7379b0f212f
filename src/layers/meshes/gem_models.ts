/**
 * GEM-CNN models (de Haan et al., ICLR 2021) for mesh classification and segmentation:
 *
 *   h⁰ = x (scalars, ρ_0)
 *   hˡ⁺¹ = σ_reg(GemConv(hˡ))                    (blocks; hidden type C×(ρ_0 ⊕ … ⊕ ρ_M))
 *   [pool to the next level: h ↦ TransportPool(h); blocks there; … ]
 *   [segmentation: unpool back level by level, h ↦ TransportUnpool(h) + skip, one block per level]
 *   s = ReLU(GemConv(h → C×ρ_0))                 (invariant features)
 *   classification: logits = W · mean_{v ∈ mesh} s_v + b;   segmentation: logits_v = W · s_v + b.
 *
 * Every stage is gauge equivariant, the last GemConv maps to scalars, so the logits are gauge invariant;
 * with intrinsic or extrinsic bundles they are also invariant to rigid motions of the mesh, provided the
 * input features are (e.g. HKS, curvature, constant ones; raw xyz coordinates are not).
 */
import type { MeshGauge } from "../../domains/mesh/gauge.js";
import { Dropout } from "../../nn/activation.js";
import { type LayerOptions, Linear } from "../../nn/linear.js";
import { Module, ModuleList } from "../../nn/module.js";
import { SO2Irreps } from "../../symmetry/so2_irreps.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { add, relu } from "../../tensor/ops/elementwise.js";
import { scatter } from "../../tensor/ops/scatter.js";
import { Tensor } from "../../tensor/tensor.js";
import { GemConv } from "./gem_conv.js";
import { RegularNonlinearity } from "./regular_nonlinearity.js";
import { TransportPool, TransportUnpool } from "./transport_pool.js";

/** Options of {@link GEMNet}. */
export interface GEMNetOptions extends LayerOptions {
  /** `"classification"` (default; one row of logits per mesh) or `"segmentation"` (one row per vertex). */
  task?: "classification" | "segmentation";
  /** Multiplicity C of every irrep in the hidden type C×(ρ_0 ⊕ … ⊕ ρ_M) (default 12). */
  channels?: number;
  /** Band limit M of the hidden features (default 2). */
  maxOrder?: number;
  /** GemConv + RegularNonlinearity blocks at each resolution (default 2). */
  blocksPerLevel?: number;
  /**
   * Pooling levels used (default 0). The bundle passed to `forward` must carry at least this many
   * (`withPoolingLevels(gauge, levels)`).
   */
  poolingLevels?: number;
  /** Samples N of the regular nonlinearities (default 8M + 1; exact equivariance under rotations by multiples of 2π/N). */
  samples?: number;
  /** Neighbour aggregation of the convolutions when the bundle has no weights (default `"mean"`). */
  aggr?: "mean" | "sum";
  /** Dropout on the invariant features before the last Linear (default 0). */
  dropout?: number;
}

/** One GemConv followed by a regular nonlinearity. */
class GemBlock extends Module<[Tensor, MeshGauge], Tensor> {
  conv: GemConv;
  act: RegularNonlinearity;
  constructor(inType: SO2Irreps, outType: SO2Irreps, samples: number, opts: GEMNetOptions) {
    super();
    this.conv = new GemConv(inType, outType, { aggr: opts.aggr, dtype: opts.dtype, generator: opts.generator });
    this.act = new RegularNonlinearity(outType, { samples });
  }
  forward(x: Tensor, gauge: MeshGauge): Tensor {
    return this.act.forward(this.conv.forward(x, gauge));
  }
}

/** A GEM-CNN for classification or segmentation (see the file header). */
export class GEMNet extends Module<[Tensor, MeshGauge, (Tensor | null)?, (number | null)?], Tensor> {
  readonly inChannels: number;
  readonly numClasses: number;
  readonly task: "classification" | "segmentation";
  readonly hidden: SO2Irreps;
  readonly poolingLevels: number;
  /** Samples N of the regular nonlinearities (the logits are exactly invariant to rotations by multiples of 2π/N). */
  readonly samples: number;
  /** Blocks of each level, down (level 0 first). */
  down: ModuleList<ModuleList<GemBlock>>;
  /** One block per level on the way up (segmentation with pooling), finest last. */
  up: ModuleList<GemBlock>;
  pool: TransportPool;
  unpool: TransportUnpool;
  /** The last GemConv, to C scalars. */
  toScalars: GemConv;
  drop: Dropout;
  head: Linear;

  /**
   * @param inChannels - scalar input features per vertex (e.g. 16 HKS values; 1 for a constant input).
   * @param numClasses - output size.
   */
  constructor(inChannels: number, numClasses: number, opts: GEMNetOptions = {}) {
    super();
    if (!Number.isInteger(inChannels) || inChannels < 1)
      opError("GEMNet", "inChannels", "a positive integer", String(inChannels));
    if (!Number.isInteger(numClasses) || numClasses < 1)
      opError("GEMNet", "numClasses", "a positive integer", String(numClasses));
    this.inChannels = inChannels;
    this.numClasses = numClasses;
    this.task = opts.task ?? "classification";
    if (this.task !== "classification" && this.task !== "segmentation")
      opError("GEMNet", "task", "'classification' or 'segmentation'", String(this.task));
    const C = opts.channels ?? 12;
    const M = opts.maxOrder ?? 2;
    const B = opts.blocksPerLevel ?? 2;
    const L = opts.poolingLevels ?? 0;
    if (!Number.isInteger(B) || B < 1) opError("GEMNet", "blocksPerLevel", "a positive integer", String(B));
    if (!Number.isInteger(L) || L < 0) opError("GEMNet", "poolingLevels", "a non-negative integer", String(L));
    const N = opts.samples ?? Math.max(1, 8 * M + 1);
    this.poolingLevels = L;
    this.samples = N;
    this.hidden = SO2Irreps.bandLimited(C, M);
    const inType = SO2Irreps.scalars(inChannels);
    const levels: ModuleList<GemBlock>[] = [];
    for (let l = 0; l <= L; l++) {
      levels.push(
        new ModuleList(
          Array.from(
            { length: B },
            (_, b) => new GemBlock(l === 0 && b === 0 ? inType : this.hidden, this.hidden, N, opts),
          ),
        ),
      );
    }
    this.down = new ModuleList(levels);
    const ups = this.task === "segmentation" ? L : 0;
    this.up = new ModuleList(Array.from({ length: ups }, () => new GemBlock(this.hidden, this.hidden, N, opts)));
    this.pool = new TransportPool(this.hidden);
    this.unpool = new TransportUnpool(this.hidden);
    const scalars = SO2Irreps.scalars(C);
    this.toScalars = new GemConv(this.hidden, scalars, {
      aggr: opts.aggr,
      dtype: opts.dtype,
      generator: opts.generator,
    });
    this.drop = new Dropout(opts.dropout ?? 0, opts.generator);
    this.head = new Linear(C, numClasses, { dtype: opts.dtype, generator: opts.generator });
  }

  /**
   * @param x - scalar features `[V, inChannels]` (ρ_0: they do not change under gauge transformations).
   * @param gauge - the bundle of the V vertices (one mesh, or a batch from `batchGauges`), with at least
   *   `poolingLevels` coarse levels.
   * @param batch - mesh of every vertex `[V]` int32 (classification of a batch; null: one mesh).
   * @param numGraphs - number of meshes (default max(batch) + 1).
   * @returns logits `[numGraphs, numClasses]` (classification) or `[V, numClasses]` (segmentation).
   */
  forward(x: Tensor, gauge: MeshGauge, batch: Tensor | null = null, numGraphs: number | null = null): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.inChannels)
      opError("GEMNet", "x", `shape [V, ${this.inChannels}]`, fmtShape(x.shape));
    const gauges: MeshGauge[] = [gauge];
    for (let l = 0; l < this.poolingLevels; l++) {
      const c = gauges[l]!.coarse;
      if (c === null)
        opError(
          "GEMNet",
          "gauge",
          `a bundle with ${this.poolingLevels} pooling levels (withPoolingLevels)`,
          `${l} levels`,
        );
      gauges.push(c.gauge);
    }
    const levels = this.down.toArray();
    const skips: Tensor[] = [];
    let h = x;
    levels.forEach((blocks, l) => {
      if (l > 0) h = this.pool.forward(h, gauges[l - 1]!.coarse!);
      for (const b of blocks) h = b.forward(h, gauges[l]!);
      skips.push(h);
    });
    let level = this.poolingLevels;
    if (this.task === "segmentation") {
      for (const b of this.up) {
        h = add(this.unpool.forward(h, gauges[level - 1]!.coarse!), skips[level - 1]!);
        level -= 1;
        h = b.forward(h, gauges[level]!);
      }
    }
    const s = this.drop.forward(relu(this.toScalars.forward(h, gauges[level]!)));
    if (this.task === "segmentation") return this.head.forward(s);
    // mean over the vertices of each mesh at the final level
    const V = s.shape[0]!;
    let b: Tensor;
    if (batch === null) b = new Tensor(new Int32Array(V), [V], "int32");
    else {
      if (batch.dtype !== "int32" || batch.ndim !== 1 || batch.shape[0] !== x.shape[0])
        opError("GEMNet", "batch", `an int32 tensor [${x.shape[0]}]`, `${batch.dtype} ${fmtShape(batch.shape)}`);
      let ids = batch.data as Int32Array;
      for (let l = 0; l < level; l++) ids = Int32Array.from(gauges[l]!.coarse!.coarseIndex, (u) => ids[u]!);
      b = new Tensor(ids, [ids.length], "int32");
    }
    let G = numGraphs ?? 0;
    if (numGraphs === null) for (const v of b.data as Int32Array) G = Math.max(G, v + 1);
    return this.head.forward(scatter(s, b, 0, G, "mean"));
  }

  override extraRepr(): string {
    return `${this.inChannels} -> ${this.numClasses}, task=${this.task}, hidden=${this.hidden}, poolingLevels=${this.poolingLevels}`;
  }
}

/** {@link GEMNet} with `task: "classification"`: logits `[numMeshes, numClasses]`. */
export class GEMClassifier extends GEMNet {
  constructor(inChannels: number, numClasses: number, opts: Omit<GEMNetOptions, "task"> = {}) {
    super(inChannels, numClasses, { ...opts, task: "classification" });
  }
}

/** {@link GEMNet} with `task: "segmentation"`: per-vertex logits `[V, numClasses]`. */
export class GEMSegmenter extends GEMNet {
  constructor(inChannels: number, numClasses: number, opts: Omit<GEMNetOptions, "task"> = {}) {
    super(inChannels, numClasses, { ...opts, task: "segmentation" });
  }
}
