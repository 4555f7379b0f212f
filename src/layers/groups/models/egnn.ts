/**
 * E(n)-equivariant graph networks (Satorras, Hoogeboom & Welling, ICML 2021). An {@link EGCL} layer
 * updates invariant node features h and positions x together:
 *
 *   m_ij = φ_e(h_i, h_j, ‖x_i − x_j‖², a_ij)                       (messages from j to i)
 *   x_i' = x_i + C Σ_j (x_i − x_j) φ_x(m_ij) [+ φ_v(h_i) v_i]        (C: 1/deg with `mean`)
 *   h_i' = h_i + φ_h(h_i, Σ_j m_ij)
 *
 * Only distances enter the MLPs and positions move along difference vectors, so the layer commutes
 * with rotations, reflections, translations (of x) and node permutations.
 *
 * Models: {@link EGNNNBody} (the paper's charged-particle N-body predictor, with velocities) and
 * {@link EGNNRegressor} (invariant graph regression on molecules, or an equivariant vector output).
 */

import { checkEdgeIndex } from "../../../domains/graph/graph.js";
import { batchOrZeros, batchSize, globalAddPool, globalMeanPool } from "../../../domains/graph/pool.js";
import { edgeRow } from "../../../domains/graph/utils.js";
import { cutoffGraph } from "../../../domains/point_cloud.js";
import { Embedding } from "../../../nn/embedding.js";
import { linear } from "../../../nn/functional.js";
import { xavierUniform } from "../../../nn/init.js";
import { Linear } from "../../../nn/linear.js";
import { Module, ModuleList } from "../../../nn/module.js";
import { ErlangenError, fmtShape, opError } from "../../../tensor/errors.js";
import type { Generator } from "../../../tensor/rng.js";
import type { Tensor } from "../../../tensor/tensor.js";
import { checkAtoms } from "./common.js";
import "../../../tensor/index.js";
import { type ActivationSpec, resolveActivation } from "../../../nn/activation.js";
import { MLP } from "../../../nn/mlp.js";

/** Options of {@link EGCL}. */
export interface EGCLOptions {
  /** Width of the edge attributes a_ij (default 0: none). */
  edgeAttrDim?: number;
  /** Hidden width of the MLPs (default: outChannels). */
  hiddenChannels?: number;
  /** Output width of h (default: inChannels). */
  outChannels?: number;
  /** Activation (default `silu`). */
  act?: ActivationSpec;
  /** Update positions (default true; false gives an invariant layer that returns x unchanged). */
  updateCoords?: boolean;
  /** Add the velocity term φ_v(h_i)·v_i to the position update (default false). */
  velocity?: boolean;
  /** h' = h + φ_h(·) (default true; needs outChannels = inChannels). */
  residual?: boolean;
  /** Weight each message by a learned gate sigmoid(w·m_ij) (default false). */
  attention?: boolean;
  /** Use (x_i − x_j)/(‖x_i − x_j‖ + 1) in the position update (default false). */
  normalize?: boolean;
  /** Aggregate position updates by `mean` over neighbours (default, as the paper's code) or `sum`. */
  coordsAgg?: "mean" | "sum";
  /** Bound φ_x with tanh·coordsRange (default false). */
  tanh?: boolean;
  coordsRange?: number;
  dtype?: "float32" | "float64";
  generator?: Generator;
}

/** E(n)-equivariant graph convolutional layer; `forward(h, x, edgeIndex, edgeAttr?, vel?)` → `{h, x}`. */
export class EGCL extends Module<
  [Tensor, Tensor, Tensor, (Tensor | null)?, (Tensor | null)?],
  { h: Tensor; x: Tensor }
> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly edgeAttrDim: number;
  edgeMlp: MLP;
  nodeMlp: MLP;
  coordMlp: MLP | null;
  velMlp: MLP | null;
  attMlp: Linear | null;
  private readonly _act: (x: Tensor) => Tensor;
  private readonly _opts: Required<Pick<EGCLOptions, "residual" | "normalize" | "coordsAgg" | "tanh" | "coordsRange">>;

  constructor(inChannels: number, opts: EGCLOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.outChannels = opts.outChannels ?? inChannels;
    this.edgeAttrDim = opts.edgeAttrDim ?? 0;
    const H = opts.hiddenChannels ?? this.outChannels;
    const act = opts.act ?? "silu";
    const common = { act, norm: null, dtype: opts.dtype, generator: opts.generator };
    this._act = resolveActivation(act, "EGCL");
    this.edgeMlp = new MLP([2 * inChannels + 1 + this.edgeAttrDim, H, H], { ...common, plainLast: false });
    this.nodeMlp = new MLP([inChannels + H, H, this.outChannels], common);
    const update = opts.updateCoords ?? true;
    this.coordMlp = update ? new MLP([H, H, 1], { ...common, bias: [true, false] }) : null;
    if (this.coordMlp) {
      // the paper's code starts with tiny position updates (xavier, gain 0.001)
      xavierUniform(this.coordMlp.lins.at(1).weight, 0.001, { generator: opts.generator });
    }
    this.velMlp = update && opts.velocity ? new MLP([inChannels, H, 1], common) : null;
    this.attMlp = opts.attention ? new Linear(H, 1, { dtype: opts.dtype, generator: opts.generator }) : null;
    const residual = opts.residual ?? true;
    if (residual && this.outChannels !== inChannels) {
      throw new ErlangenError(
        `EGCL: argument 'outChannels' expected ${inChannels} (= inChannels) with residual = true, got ${this.outChannels}`,
      );
    }
    this._opts = {
      residual,
      normalize: opts.normalize ?? false,
      coordsAgg: opts.coordsAgg ?? "mean",
      tanh: opts.tanh ?? false,
      coordsRange: opts.coordsRange ?? 15,
    };
  }

  forward(
    h: Tensor,
    x: Tensor,
    edgeIndex: Tensor,
    edgeAttr: Tensor | null = null,
    vel: Tensor | null = null,
  ): { h: Tensor; x: Tensor } {
    const op = "EGCL";
    const N = h.shape[0]!;
    if (h.ndim !== 2 || h.shape[1] !== this.inChannels)
      opError(op, "h", `shape [N, ${this.inChannels}]`, fmtShape(h.shape));
    if (x.ndim !== 2 || x.shape[0] !== N) opError(op, "x", `shape [${N}, n]`, fmtShape(x.shape));
    checkEdgeIndex(op, edgeIndex, N);
    const E = edgeIndex.shape[1]!;
    if (
      this.edgeAttrDim > 0 &&
      (edgeAttr === null || edgeAttr.ndim !== 2 || edgeAttr.shape[0] !== E || edgeAttr.shape[1] !== this.edgeAttrDim)
    ) {
      opError(
        op,
        "edgeAttr",
        `shape [${E}, ${this.edgeAttrDim}]`,
        edgeAttr === null ? "null" : fmtShape(edgeAttr.shape),
      );
    }
    if (this.velMlp && (vel === null || vel.shape[0] !== N))
      opError(op, "vel", `velocities [${N}, n]`, vel === null ? "null" : fmtShape(vel.shape));
    const [src, dst] = [edgeRow(edgeIndex, 0), edgeRow(edgeIndex, 1)];
    // i = target (aggregating node), j = source
    let diff = x.indexSelect(0, dst).sub(x.indexSelect(0, src)); // x_i − x_j  [E, n]
    const radial = diff.square().sum(1, true); // [E, 1]
    let m = this.edgeMessages(h, radial, this.edgeAttrDim > 0 ? edgeAttr : null, src, dst); // [E, H]
    if (this.attMlp) m = m.mul(this.attMlp.forward(m).sigmoid());
    let xNew = x;
    if (this.coordMlp) {
      if (this._opts.normalize) diff = diff.div(radial.sqrt().add(1));
      let s = this.coordMlp.forward(m); // [E, 1]
      if (this._opts.tanh) s = s.tanh().mul(this._opts.coordsRange);
      const trans = diff.mul(s);
      xNew = x.add(trans.scatter(dst, 0, N, this._opts.coordsAgg));
      if (this.velMlp) xNew = xNew.add(this.velMlp.forward(h).mul(vel!));
    }
    const agg = m.scatter(dst, 0, N, "sum"); // [N, H]
    let hNew = this.nodeMlp.forward(h.concat(agg, 1));
    if (this._opts.residual) hNew = h.add(hNew);
    return { h: hNew, x: xNew };
  }

  /**
   * φ_e([h_i, h_j, r², a_ij]) with the first layer split by blocks, `W_a h_i + W_b h_j + w_r r² + W_d a_ij + b`,
   * so the node terms are computed once per node rather than once per edge.
   */
  private edgeMessages(h: Tensor, radial: Tensor, edgeAttr: Tensor | null, src: Tensor, dst: Tensor): Tensor {
    const lins = this.edgeMlp.lins.toArray();
    const first = lins[0]!;
    const F = this.inChannels;
    const H = first.outFeatures;
    const W = first.weight; // [H, 2F + 1 + D]
    let pre = linear(h, W.narrow(1, 0, F))
      .indexSelect(0, dst)
      .add(linear(h, W.narrow(1, F, F)).indexSelect(0, src))
      .add(radial.mul(W.narrow(1, 2 * F, 1).reshape(1, H)));
    if (edgeAttr !== null) pre = pre.add(linear(edgeAttr, W.narrow(1, 2 * F + 1, this.edgeAttrDim)));
    if (first.bias) pre = pre.add(first.bias);
    let m = this._act(pre);
    for (let i = 1; i < lins.length; i++) m = this._act(lins[i]!.forward(m));
    return m;
  }

  override extraRepr(): string {
    return `${this.inChannels} -> ${this.outChannels}, edgeAttrDim=${this.edgeAttrDim}, updateCoords=${this.coordMlp !== null}, velocity=${this.velMlp !== null}`;
  }
}

/** Options of {@link EGNNNBody}. */
export interface EGNNNBodyOptions {
  /** Hidden width (default 64, as the paper). */
  hiddenChannels?: number;
  /** Number of EGCL layers (default 4). */
  numLayers?: number;
  act?: ActivationSpec;
  dtype?: "float32" | "float64";
  generator?: Generator;
}

/**
 * The paper's N-body model (EGNN with velocities): node features ‖v_i‖, edge attributes
 * (q_i·q_j, ‖x_i − x_j‖²) of the input state, `numLayers` EGCL layers with the velocity term, and the
 * final positions as prediction. `forward(loc [N, 3], vel [N, 3], charges [N] or [N, 1], edgeIndex)`
 * → predicted positions `[N, 3]`. E(3)-equivariant in (loc, vel) (translations move loc only) and
 * permutation-equivariant.
 */
export class EGNNNBody extends Module<[Tensor, Tensor, Tensor, Tensor], Tensor> {
  embedding: Linear;
  layers: ModuleList<EGCL>;

  constructor(opts: EGNNNBodyOptions = {}) {
    super();
    const H = opts.hiddenChannels ?? 64;
    const L = opts.numLayers ?? 4;
    this.embedding = new Linear(1, H, { dtype: opts.dtype, generator: opts.generator });
    this.layers = new ModuleList(
      Array.from(
        { length: L },
        () =>
          new EGCL(H, {
            edgeAttrDim: 2,
            hiddenChannels: H,
            velocity: true,
            act: opts.act ?? "silu",
            dtype: opts.dtype,
            generator: opts.generator,
          }),
      ),
    );
  }

  forward(loc: Tensor, vel: Tensor, charges: Tensor, edgeIndex: Tensor): Tensor {
    const op = "EGNNNBody";
    const N = loc.shape[0]!;
    if (loc.ndim !== 2 || loc.shape[1] !== 3) opError(op, "loc", "shape [N, 3]", fmtShape(loc.shape));
    if (vel.ndim !== 2 || vel.shape[0] !== N || vel.shape[1] !== 3)
      opError(op, "vel", `shape [${N}, 3]`, fmtShape(vel.shape));
    if (charges.size !== N) opError(op, "charges", `${N} charges`, fmtShape(charges.shape));
    const dtype = this.embedding.weight.dtype;
    const x = loc.cast(dtype);
    const v = vel.cast(dtype);
    const q = charges.reshape(N, 1).cast(dtype);
    const [src, dst] = [edgeRow(edgeIndex, 0), edgeRow(edgeIndex, 1)];
    const qq = q.indexSelect(0, dst).mul(q.indexSelect(0, src));
    const d2 = x.indexSelect(0, dst).sub(x.indexSelect(0, src)).square().sum(1, true);
    const edgeAttr = qq.concat(d2, 1);
    let h = this.embedding.forward(v.square().sum(1, true).sqrt());
    let pos = x;
    for (const layer of this.layers) ({ h, x: pos } = layer.forward(h, pos, edgeIndex, edgeAttr, v));
    return pos;
  }
}

/** Options of {@link EGNNRegressor}. */
export interface EGNNRegressorOptions {
  /** Size of the atom-type table (default 100, indexed by atomic number). */
  numSpecies?: number;
  /** Hidden width (default 128). */
  hiddenChannels?: number;
  /** Number of EGCL layers (default 4). */
  numLayers?: number;
  /** Neighbour cutoff in Å (default Infinity: every pair of atoms of a molecule, as the paper's QM9 setup). */
  cutoff?: number;
  /** Outputs per graph (default 1). */
  numTargets?: number;
  /** `scalar` (invariant, default) or `vector`: Σ_i (x_i − x̄)·s_i, an equivariant l=1 vector per graph (numTargets vectors). */
  output?: "scalar" | "vector";
  /** Update positions inside the network (default false, as the paper for QM9). */
  updateCoords?: boolean;
  /** Attention on messages (default true, as the paper for QM9). */
  attention?: boolean;
  act?: ActivationSpec;
  dtype?: "float32" | "float64";
  generator?: Generator;
}

/**
 * EGNN for molecules: `forward(z [N] int32, pos [N, 3], batch? [N])` → `[numGraphs, numTargets]`
 * (scalar output: E(3)- and permutation-invariant) or `[numGraphs, 3·numTargets]` (vector output:
 * rotation/reflection-equivariant, translation-invariant).
 */
export class EGNNRegressor extends Module<[Tensor, Tensor, (Tensor | null)?], Tensor> {
  readonly numSpecies: number;
  readonly cutoff: number;
  readonly numTargets: number;
  readonly output: "scalar" | "vector";
  embedding: Embedding;
  layers: ModuleList<EGCL>;
  nodeDec: MLP;
  graphDec: MLP | null;

  constructor(opts: EGNNRegressorOptions = {}) {
    super();
    this.numSpecies = opts.numSpecies ?? 100;
    const H = opts.hiddenChannels ?? 128;
    const L = opts.numLayers ?? 4;
    this.cutoff = opts.cutoff ?? Infinity;
    this.numTargets = opts.numTargets ?? 1;
    this.output = opts.output ?? "scalar";
    const common = { dtype: opts.dtype, generator: opts.generator };
    this.embedding = new Embedding(this.numSpecies, H, common);
    this.layers = new ModuleList(
      Array.from(
        { length: L },
        () =>
          new EGCL(H, {
            hiddenChannels: H,
            updateCoords: opts.updateCoords ?? false,
            attention: opts.attention ?? true,
            normalize: true,
            act: opts.act ?? "silu",
            ...common,
          }),
      ),
    );
    if (this.output === "scalar") {
      this.nodeDec = new MLP([H, H, H], { act: opts.act ?? "silu", norm: null, ...common });
      this.graphDec = new MLP([H, H, this.numTargets], { act: opts.act ?? "silu", norm: null, ...common });
    } else {
      this.nodeDec = new MLP([H, H, this.numTargets], { act: opts.act ?? "silu", norm: null, ...common });
      this.graphDec = null;
    }
  }

  forward(z: Tensor, pos: Tensor, batch: Tensor | null = null): Tensor {
    checkAtoms("EGNNRegressor", z, pos, batch, this.numSpecies);
    const N = z.shape[0]!;
    const dtype = this.embedding.weight.dtype;
    const x = pos.cast(dtype);
    const b = batchOrZeros(batch, N);
    const G = batchSize(pos, batch);
    const edgeIndex = cutoffGraph(x, Number.isFinite(this.cutoff) ? this.cutoff : 1e300, { batch: b });
    let h = this.embedding.forward(z);
    let p = x;
    for (const layer of this.layers) ({ h, x: p } = layer.forward(h, p, edgeIndex));
    if (this.output === "scalar") return this.graphDec!.forward(globalAddPool(this.nodeDec.forward(h), b, G));
    // equivariant vectors: Σ_i (p_i − centroid) s_i, per target
    const centroid = globalMeanPool(p, b, G).indexSelect(0, b);
    const rel = p.sub(centroid); // [N, 3]
    const s = this.nodeDec.forward(h); // [N, T]
    const T = this.numTargets;
    const vec = rel
      .reshape(N, 1, 3)
      .mul(s.reshape(N, T, 1))
      .reshape(N, T * 3);
    return globalAddPool(vec, b, G);
  }
}
