/**
 * Ready-made GNN models (PyG's `torch_geometric.nn.models`). The BasicGNN family stacks `numLayers`
 * convolutions in → hidden → … → out:
 *
 *   h^(0) = dropout_in(x),   h^(l) = dropout(act(norm(conv_l(h^(l−1), A)))),   out = conv_L(h^(L−1), A)
 *
 * (the last layer is plain when `outChannels` is given and there is no JumpingKnowledge; with `jk`,
 * every layer is followed by act/norm/dropout and the combined representation goes through a
 * final Linear). Models: {@link GCN}, {@link GraphSAGE}, {@link GIN}, {@link GAT}; plus {@link SGC},
 * {@link APPNPNet} (MLP then personalised-PageRank propagation), {@link NodeMLP} (ignores the graph)
 * and {@link GINGraphClassifier} (the GIN paper's graph classifier with a readout per layer).
 *
 * Node-level models are called as `model.forward(x, edgeIndex, extra?)` where `extra` is
 * `{ edgeWeight, edgeAttr, batch, batchSize }`, or directly a tensor: int32 means `batch`, float
 * means `edgeWeight`. `x` may be a SparseMatrix of node features (kept sparse by GCN, SGC and
 * APPNPNet's first Linear; densified for the others).
 */

import { globalAddPool } from "../../domains/graph/pool.js";
import { edgeIndexPrefix, trimSizes } from "../../domains/graph/trim.js";
import { Activation, type ActivationSpec, resolveActivation } from "../../nn/activation.js";
import type { Linear } from "../../nn/linear.js";
import { graphLinear, type LinearInput } from "../../nn/linear.js";
import { MLP } from "../../nn/mlp.js";
import { Module, ModuleList } from "../../nn/module.js";
import { LayerNorm } from "../../nn/normalization.js";
import { check, opError } from "../../tensor/errors.js";
import { add, relu } from "../../tensor/ops/elementwise.js";
import { fastDropout, reluDropout } from "../../tensor/ops/random.js";
import { narrow } from "../../tensor/ops/shape.js";
import { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { AggrSpec } from "./aggregation.js";
import { APPNP } from "./appnp.js";
import { GATConv } from "./gat_conv.js";
import { GATv2Conv } from "./gatv2_conv.js";
import { GCNConv } from "./gcn_conv.js";
import { GINConv } from "./gin_conv.js";
import { type JKMode, JumpingKnowledge } from "./jumping_knowledge.js";
import { BatchNorm, GraphNorm } from "./norm.js";
import { SAGEConv } from "./sage_conv.js";
import { SGConv } from "./sg_conv.js";

/** Normalisations between the layers of a {@link BasicGNN}. */
export type GNNNorm = "batchNorm" | "layerNorm" | "graphNorm" | null;

/** Extra per-call inputs of the node-level models. */
export interface GNNInputs {
  /** Edge weights [E] (GCN). */
  edgeWeight?: Tensor | null;
  /** Edge features [E, D] (GAT with edgeDim). */
  edgeAttr?: Tensor | null;
  /** Graph of each node [N] int32 (GraphNorm). */
  batch?: Tensor | null;
  /** Number of graphs (GraphNorm). */
  batchSize?: number | null;
  /**
   * Nodes first reached at each hop of a neighbour-sampled batch (hop 0: the seeds), with
   * `numSampledEdgesPerHop`: each layer then runs on the hops it needs only (PyG's `trim_to_layer`;
   * see `domains/graph/trim.ts`) and the output has one row per seed.
   */
  numSampledNodesPerHop?: readonly number[] | null;
  /** Edges sampled at each hop 1..H of a neighbour-sampled batch (with `numSampledNodesPerHop`). */
  numSampledEdgesPerHop?: readonly number[] | null;
}

/** Options shared by the {@link BasicGNN} models. */
export interface BasicGNNOptions {
  /** Dropout after each hidden layer (default 0). */
  dropout?: number;
  /** Dropout on the input features (default 0; Kipf & Welling's GCN uses the same p as `dropout`). */
  inputDropout?: number;
  /** Activation (default relu). */
  act?: ActivationSpec;
  /** Apply the activation before the normalisation (default false). */
  actFirst?: boolean;
  /** Normalisation after each hidden layer (default none). */
  norm?: GNNNorm;
  /** JumpingKnowledge mode (default none). */
  jk?: JKMode | null;
}

function resolveExtra(extra: GNNInputs | Tensor | null | undefined): GNNInputs {
  if (extra === null || extra === undefined) return {};
  if (extra instanceof SparseMatrix)
    return opError("BasicGNN", "extra", "a GNNInputs record or a tensor", "a SparseMatrix");
  if ((extra as Tensor).dtype !== undefined && (extra as Tensor).shape !== undefined) {
    const t = extra as Tensor;
    return t.dtype === "int32" ? { batch: t } : { edgeWeight: t };
  }
  return extra as GNNInputs;
}

/** Dropout that keeps a SparseMatrix sparse (dropping stored values). */
export function dropoutInput(x: LinearInput, p: number, training: boolean): LinearInput {
  if (!training || p === 0) return x;
  if (x instanceof SparseMatrix) return x.withValues(fastDropout(x.valuesOrOnes(), p, true));
  return fastDropout(x, p, true);
}

/** The base of GCN, GraphSAGE, GIN and GAT; see the file header. */
export abstract class BasicGNN<O extends BasicGNNOptions = BasicGNNOptions> extends Module<
  [LinearInput, Tensor | SparseMatrix, (GNNInputs | Tensor | null)?],
  Tensor
> {
  readonly inChannels: number;
  readonly hiddenChannels: number;
  readonly numLayers: number;
  /** Output size (hidden size when `outChannels` was not given). */
  readonly outChannels: number;
  readonly dropout: number;
  readonly inputDropout: number;
  readonly actFirst: boolean;
  readonly jkMode: JKMode | null;
  convs: ModuleList;
  norms: ModuleList | null;
  jk: JumpingKnowledge | null;
  lin: Linear | null;
  private readonly _act: (t: Tensor) => Tensor;
  private readonly _normKind: GNNNorm;
  private readonly _toOut: boolean;

  constructor(
    inChannels: number,
    hiddenChannels: number,
    numLayers: number,
    outChannels: number | null = null,
    opts: O = {} as O,
  ) {
    super();
    check(
      Number.isInteger(numLayers) && numLayers >= 1,
      new.target.name,
      "numLayers",
      "a positive integer",
      String(numLayers),
    );
    this.inChannels = inChannels;
    this.hiddenChannels = hiddenChannels;
    this.numLayers = numLayers;
    this.dropout = opts.dropout ?? 0;
    this.inputDropout = opts.inputDropout ?? 0;
    this.actFirst = opts.actFirst ?? false;
    this.jkMode = opts.jk ?? null;
    this._act = resolveActivation(opts.act === undefined ? "relu" : opts.act);
    this._normKind = opts.norm ?? null;
    const toOut = outChannels !== null && this.jkMode === null;
    this._toOut = toOut;
    this.outChannels = outChannels ?? hiddenChannels;
    const convs: Module[] = [];
    for (let l = 0; l < numLayers; l++) {
      const cin = l === 0 ? inChannels : hiddenChannels;
      const last = l === numLayers - 1;
      const cout = last && toOut ? (outChannels as number) : hiddenChannels;
      convs.push(this.initConv(cin, cout, last && toOut, opts));
    }
    this.convs = new ModuleList(convs);
    const nNorms = toOut ? numLayers - 1 : numLayers;
    const norm = this._normKind;
    this.norms =
      norm === null
        ? null
        : new ModuleList(
            Array.from({ length: nNorms }, () => {
              if (norm === "batchNorm") return new BatchNorm(hiddenChannels);
              if (norm === "layerNorm") return new LayerNorm(hiddenChannels);
              if (norm === "graphNorm") return new GraphNorm(hiddenChannels);
              return opError(
                new.target.name,
                "norm",
                "'batchNorm', 'layerNorm', 'graphNorm' or null",
                JSON.stringify(norm),
              );
            }),
          );
    this.jk = this.jkMode === null ? null : new JumpingKnowledge(this.jkMode, { channels: hiddenChannels, numLayers });
    this.lin = null;
    if (this.jkMode !== null && outChannels !== null) {
      this.lin = graphLinear(this.jkMode === "cat" ? numLayers * hiddenChannels : hiddenChannels, outChannels);
    }
  }

  /** Builds layer `l`'s convolution (`toOut`: the last layer mapping to `outChannels`). */
  protected abstract initConv(inChannels: number, outChannels: number, toOut: boolean, opts: O): Module;

  /** Whether the first convolution takes a SparseMatrix of features. */
  protected supportsSparseInput(): boolean {
    return false;
  }

  /** Runs one convolution. */
  protected abstract runConv(conv: Module, x: LinearInput, edgeIndex: Tensor | SparseMatrix, extra: GNNInputs): Tensor;

  /**
   * Runs one convolution from `numSources` source rows to the first `numTargets` of them (bipartite
   * message passing), or returns null when the convolution has no bipartite form: trimmed passes
   * then compute every kept row, as PyG does.
   */
  protected runConvBipartite(
    _conv: Module,
    _xs: Tensor,
    _xt: Tensor,
    _edgeIndex: Tensor,
    _extra: GNNInputs,
  ): Tensor | null {
    return null;
  }

  /**
   * @param x - node features [N, inChannels] (dense or a SparseMatrix).
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix adjacency in `adj_t` orientation).
   * @param extra - `{ edgeWeight, edgeAttr, batch, batchSize, numSampledNodesPerHop, numSampledEdgesPerHop }`,
   *   or a tensor (int32: batch; float: edge weights).
   * @returns node representations [N, outChannels] (trimmed passes: one row per node within
   *   H − numLayers hops, the seeds when H = numLayers).
   */
  forward(x: LinearInput, edgeIndex: Tensor | SparseMatrix, extra: GNNInputs | Tensor | null = null): Tensor {
    const ex = resolveExtra(extra);
    let h: LinearInput = dropoutInput(x, this.inputDropout, this.training);
    const hopNodes = ex.numSampledNodesPerHop ?? null;
    const hopEdges = ex.numSampledEdgesPerHop ?? null;
    const trim = hopNodes !== null && hopEdges !== null && !(edgeIndex instanceof SparseMatrix);
    if (h instanceof SparseMatrix && (trim || !this.supportsSparseInput())) h = h.toDense();
    const convs = this.convs.toArray();
    const norms = this.norms?.toArray() ?? [];
    const xs: Tensor[] = [];
    let out: Tensor = h as Tensor;
    for (let l = 0; l < convs.length; l++) {
      if (trim) {
        const sz = trimSizes(l, hopNodes, hopEdges);
        const src = narrow(h as Tensor, 0, 0, sz.numSources);
        const ei = edgeIndexPrefix(edgeIndex as Tensor, sz.numEdges);
        const tgt = narrow(src, 0, 0, sz.numTargets);
        out = this.runConvBipartite(convs[l]!, src, tgt, ei, ex) ?? this.runConv(convs[l]!, src, ei, ex);
      } else out = this.runConv(convs[l]!, h, edgeIndex, ex);
      if (l === convs.length - 1 && this._toOut) break;
      if (this.actFirst) out = this._act(out);
      const nm = norms[l];
      if (nm !== undefined)
        out =
          nm instanceof GraphNorm
            ? nm.forward(out, ex.batch ?? null, ex.batchSize ?? null)
            : (nm as Module<[Tensor], Tensor>).forward(out);
      if (!this.actFirst && this._act === relu && nm === undefined) out = reluDropout(out, this.dropout, this.training);
      else {
        if (!this.actFirst) out = this._act(out);
        out = fastDropout(out, this.dropout, this.training);
      }
      if (this.jk !== null) xs.push(out);
      h = out;
    }
    if (this.jk !== null) {
      // trimmed passes: every layer's rows start with the final ones
      const rows = xs.at(-1)?.shape[0] ?? 0;
      out = this.jk.forward(trim ? xs.map((t) => (t.shape[0] === rows ? t : narrow(t, 0, 0, rows))) : xs);
      if (this.lin !== null) out = this.lin.forward(out);
    }
    return out;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, numLayers=${this.numLayers}`;
  }
}

/** Options of {@link GCN}: {@link BasicGNNOptions} plus GCNConv's. */
export interface GCNOptions extends BasicGNNOptions {
  improved?: boolean;
  cached?: boolean;
  addSelfLoops?: boolean;
  normalize?: boolean;
  bias?: boolean;
}

/** Stacked {@link GCNConv} layers (Kipf & Welling); accepts sparse input features. */
export class GCN extends BasicGNN<GCNOptions> {
  protected initConv(inChannels: number, outChannels: number, _toOut: boolean, opts: GCNOptions): Module {
    return new GCNConv(inChannels, outChannels, {
      improved: opts.improved,
      cached: opts.cached,
      addSelfLoops: opts.addSelfLoops,
      normalize: opts.normalize,
      bias: opts.bias,
    });
  }

  protected override supportsSparseInput(): boolean {
    return true;
  }

  protected runConv(conv: Module, x: LinearInput, edgeIndex: Tensor | SparseMatrix, extra: GNNInputs): Tensor {
    return (conv as GCNConv).forward(x, edgeIndex, extra.edgeWeight ?? null);
  }
}

/** Options of {@link GraphSAGE}: {@link BasicGNNOptions} plus SAGEConv's. */
export interface GraphSAGEOptions extends BasicGNNOptions {
  aggr?: AggrSpec;
  normalize?: boolean;
  project?: boolean;
  rootWeight?: boolean;
}

/** Stacked {@link SAGEConv} layers (Hamilton et al.); accepts sparse input features with sum/mean. */
export class GraphSAGE extends BasicGNN<GraphSAGEOptions> {
  protected initConv(inChannels: number, outChannels: number, _toOut: boolean, opts: GraphSAGEOptions): Module {
    return new SAGEConv(inChannels, outChannels, {
      aggr: opts.aggr,
      normalize: opts.normalize,
      project: opts.project,
      rootWeight: opts.rootWeight,
    });
  }

  protected override supportsSparseInput(): boolean {
    const c = this.convs.at(0) as SAGEConv;
    return (c.aggr === "sum" || c.aggr === "mean") && c.lin === null;
  }

  protected runConv(conv: Module, x: LinearInput, edgeIndex: Tensor | SparseMatrix): Tensor {
    return (conv as SAGEConv).forward(x, edgeIndex);
  }

  protected override runConvBipartite(conv: Module, xs: Tensor, xt: Tensor, edgeIndex: Tensor): Tensor {
    return (conv as SAGEConv).forward([xs, xt], edgeIndex, [xs.shape[0]!, xt.shape[0]!]);
  }
}

/** Options of {@link GIN}: {@link BasicGNNOptions} plus GINConv's. */
export interface GINOptions extends BasicGNNOptions {
  eps?: number;
  trainEps?: boolean;
}

/**
 * Stacked {@link GINConv} layers (Xu et al.), each with the MLP [in, out, out] (Linear → norm → act →
 * Linear; the MLP's norm follows `norm`: batchNorm or layerNorm, none otherwise).
 */
export class GIN extends BasicGNN<GINOptions> {
  protected initConv(inChannels: number, outChannels: number, _toOut: boolean, opts: GINOptions): Module {
    const norm = opts.norm === "batchNorm" || opts.norm === "layerNorm" ? opts.norm : null;
    const act = opts.act === undefined ? "relu" : opts.act;
    const mlp = new MLP([inChannels, outChannels, outChannels], {
      act: typeof act === "string" ? act : new Activation(act),
      actFirst: opts.actFirst,
      norm,
    });
    return new GINConv(mlp, { eps: opts.eps, trainEps: opts.trainEps });
  }

  protected runConv(conv: Module, x: LinearInput, edgeIndex: Tensor | SparseMatrix): Tensor {
    return (conv as GINConv).forward(x as Tensor, edgeIndex);
  }
}

/** Options of {@link GAT}: {@link BasicGNNOptions} plus GATConv's. */
export interface GATOptions extends BasicGNNOptions {
  /** Attention heads of the hidden layers (hidden size must be divisible by it; default 1). */
  heads?: number;
  /** Heads of the output layer, averaged (default: `heads`, as PyG). */
  outHeads?: number;
  /** Use GATv2Conv (default false). */
  v2?: boolean;
  /** Dropout of the attention coefficients (default: `dropout`, as PyG). */
  attentionDropout?: number;
  negativeSlope?: number;
  addSelfLoops?: boolean;
  edgeDim?: number | null;
}

/**
 * Stacked {@link GATConv} (or GATv2Conv) layers (Veličković et al.): hidden layers concatenate
 * `heads` heads of hiddenChannels/heads features; the output layer averages `outHeads` heads.
 */
export class GAT extends BasicGNN<GATOptions> {
  protected initConv(inChannels: number, outChannels: number, toOut: boolean, opts: GATOptions): Module {
    const heads = toOut ? (opts.outHeads ?? opts.heads ?? 1) : (opts.heads ?? 1);
    const concat = !toOut;
    if (concat && outChannels % heads !== 0) {
      opError("GAT", "hiddenChannels", `a multiple of heads (${heads})`, String(outChannels));
    }
    const o = {
      heads,
      concat,
      dropout: opts.attentionDropout ?? opts.dropout ?? 0,
      negativeSlope: opts.negativeSlope,
      addSelfLoops: opts.addSelfLoops,
      edgeDim: opts.edgeDim,
    };
    const perHead = concat ? outChannels / heads : outChannels;
    return opts.v2 ? new GATv2Conv(inChannels, perHead, o) : new GATConv(inChannels, perHead, o);
  }

  protected override supportsSparseInput(): boolean {
    return !(this.convs.at(0) instanceof GATv2Conv);
  }

  protected runConv(conv: Module, x: LinearInput, edgeIndex: Tensor | SparseMatrix, extra: GNNInputs): Tensor {
    if (conv instanceof GATv2Conv) return conv.forward(x as Tensor, edgeIndex, extra.edgeAttr ?? null);
    return (conv as GATConv).forward(x, edgeIndex, extra.edgeAttr ?? null);
  }
}

/** Options of {@link SGC}. */
export interface SGCOptions {
  /** Propagation steps (default 2). */
  K?: number;
  /** Cache S^K X (transductive; default true). */
  cached?: boolean;
}

/** Simplified graph convolution model: one {@link SGConv} (logits = S^K X W + b). */
export class SGC extends Module<[LinearInput, Tensor | SparseMatrix, (GNNInputs | Tensor | null)?], Tensor> {
  conv: SGConv;

  constructor(inChannels: number, outChannels: number, opts: SGCOptions = {}) {
    super();
    this.conv = new SGConv(inChannels, outChannels, { K: opts.K ?? 2, cached: opts.cached ?? true });
  }

  /** @param x - node features (dense or sparse); @param edgeIndex - [2, E] int32. */
  forward(x: LinearInput, edgeIndex: Tensor | SparseMatrix, extra: GNNInputs | Tensor | null = null): Tensor {
    return this.conv.forward(x, edgeIndex, resolveExtra(extra).edgeWeight ?? null);
  }
}

/** Options of {@link APPNPNet}. */
export interface APPNPNetOptions {
  /** Propagation steps (default 10). */
  K?: number;
  /** Teleport probability (default 0.1). */
  alpha?: number;
  /** Dropout on the input and hidden features (default 0.5). */
  dropout?: number;
  /** Dropout of the normalised edge weights at each step (default 0). */
  edgeDropout?: number;
  /** Layers of the MLP (default 2). */
  numLayers?: number;
  /** Activation of the MLP (default relu). */
  act?: ActivationSpec;
}

/**
 * APPNP model (Gasteiger et al.): an MLP predicts, personalised PageRank propagates:
 * H = MLP(X) (dropout on the input and hidden features), out = APPNP_K,α(H).
 */
export class APPNPNet extends Module<[LinearInput, Tensor | SparseMatrix, (GNNInputs | Tensor | null)?], Tensor> {
  lins: ModuleList<Linear>;
  prop: APPNP;
  readonly dropout: number;
  private readonly _act: (t: Tensor) => Tensor;

  constructor(inChannels: number, hiddenChannels: number, outChannels: number, opts: APPNPNetOptions = {}) {
    super();
    const L = opts.numLayers ?? 2;
    check(Number.isInteger(L) && L >= 1, "APPNPNet", "numLayers", "a positive integer", String(L));
    const dims = [inChannels, ...new Array<number>(L - 1).fill(hiddenChannels), outChannels];
    this.lins = new ModuleList(Array.from({ length: L }, (_, l) => graphLinear(dims[l]!, dims[l + 1]!)));
    this.prop = new APPNP(opts.K ?? 10, opts.alpha ?? 0.1, { dropout: opts.edgeDropout ?? 0 });
    this.dropout = opts.dropout ?? 0.5;
    this._act = resolveActivation(opts.act === undefined ? "relu" : opts.act);
  }

  /** @param x - node features (dense or sparse); @param edgeIndex - [2, E] int32. */
  forward(x: LinearInput, edgeIndex: Tensor | SparseMatrix, extra: GNNInputs | Tensor | null = null): Tensor {
    const lins = this.lins.toArray();
    let h: LinearInput = dropoutInput(x, this.dropout, this.training);
    for (let l = 0; l < lins.length; l++) {
      h = lins[l]!.forward(h);
      if (l < lins.length - 1)
        h =
          this._act === relu
            ? reluDropout(h, this.dropout, this.training)
            : fastDropout(this._act(h), this.dropout, this.training);
    }
    return this.prop.forward(h as Tensor, edgeIndex, resolveExtra(extra).edgeWeight ?? null);
  }
}

/** A graph-agnostic MLP baseline for node tasks: `forward(x, edgeIndex)` ignores the edges. */
export class NodeMLP extends Module<
  [LinearInput, (Tensor | SparseMatrix | null)?, (GNNInputs | Tensor | null)?],
  Tensor
> {
  lins: ModuleList<Linear>;
  readonly dropout: number;
  private readonly _act: (t: Tensor) => Tensor;

  constructor(
    inChannels: number,
    hiddenChannels: number,
    outChannels: number,
    opts: { numLayers?: number; dropout?: number; act?: ActivationSpec } = {},
  ) {
    super();
    const L = opts.numLayers ?? 2;
    const dims = [inChannels, ...new Array<number>(L - 1).fill(hiddenChannels), outChannels];
    this.lins = new ModuleList(Array.from({ length: L }, (_, l) => graphLinear(dims[l]!, dims[l + 1]!)));
    this.dropout = opts.dropout ?? 0.5;
    this._act = resolveActivation(opts.act === undefined ? "relu" : opts.act);
  }

  forward(x: LinearInput, _edgeIndex: Tensor | SparseMatrix | null = null): Tensor {
    const lins = this.lins.toArray();
    let h: LinearInput = dropoutInput(x, this.dropout, this.training);
    for (let l = 0; l < lins.length; l++) {
      h = lins[l]!.forward(h);
      if (l < lins.length - 1)
        h =
          this._act === relu
            ? reluDropout(h, this.dropout, this.training)
            : fastDropout(this._act(h), this.dropout, this.training);
    }
    return h as Tensor;
  }
}

/** Options of {@link GINGraphClassifier}. */
export interface GINGraphClassifierOptions {
  /** GIN layers (default 5). */
  numLayers?: number;
  /** Dropout after each per-layer head (default 0.5). */
  dropout?: number;
  /** ε (default 0: GIN-0). */
  eps?: number;
  trainEps?: boolean;
}

/**
 * The graph classifier of the GIN paper: L GIN layers with MLPs Linear-BN-ReLU-Linear-BN-ReLU, a sum
 * readout of every representation (the input included), each through its own Linear (and dropout),
 * summed: logits = Σ_{l=0}^{L} dropout(W_l · Σ_{i ∈ g} h_i^(l)).
 */
export class GINGraphClassifier extends Module<[Tensor, Tensor, (Tensor | null)?, (number | null)?], Tensor> {
  convs: ModuleList<GINConv>;
  heads: ModuleList<Linear>;
  readonly dropout: number;

  constructor(inChannels: number, hiddenChannels: number, numClasses: number, opts: GINGraphClassifierOptions = {}) {
    super();
    const L = opts.numLayers ?? 5;
    const dims = [inChannels, ...new Array<number>(L).fill(hiddenChannels)];
    this.convs = new ModuleList(
      Array.from(
        { length: L },
        (_, l) =>
          new GINConv(new MLP([dims[l]!, hiddenChannels, hiddenChannels], { norm: "batchNorm", plainLast: false }), {
            eps: opts.eps,
            trainEps: opts.trainEps,
          }),
      ),
    );
    this.heads = new ModuleList(dims.map((d) => graphLinear(d, numClasses)));
    this.dropout = opts.dropout ?? 0.5;
  }

  /**
   * @param x - node features [N, inChannels].
   * @param edgeIndex - [2, E] int32.
   * @param batch - graph of each node [N] int32 (null: one graph).
   * @param numGraphs - number of graphs in the batch.
   * @returns logits [numGraphs, numClasses].
   */
  forward(x: Tensor, edgeIndex: Tensor, batch: Tensor | null = null, numGraphs: number | null = null): Tensor {
    const heads = this.heads.toArray();
    let h = x;
    let score = fastDropout(heads[0]!.forward(globalAddPool(h, batch, numGraphs)), this.dropout, this.training);
    this.convs.toArray().forEach((conv, l) => {
      h = conv.forward(h, edgeIndex);
      score = add(
        score,
        fastDropout(heads[l + 1]!.forward(globalAddPool(h, batch, numGraphs)), this.dropout, this.training),
      );
    });
    return score;
  }
}
