/**
 * ONNX export by per-module rules: {@link exportOnnx} walks the model and writes, for each module it
 * knows, the ONNX nodes that compute the module's eval-mode forward pass, with the module's parameters
 * as initializers. Graph structure stays an input: message passing gathers node rows along the edge
 * list (`Gather`) and sums, averages or maximises them into the targets (`ScatterND` with a
 * reduction), so one file serves graphs of any size (PyG cannot export this:
 * pyg-team/pytorch_geometric#728). Anything without a rule is refused with an error naming its class.
 *
 * Supported models (the top-level module) and their inputs (`N` nodes, `E` edges, `G` graphs, `B`
 * images, all dynamic):
 *
 * | model | inputs | output |
 * |---|---|---|
 * | GCN, GraphSAGE, GIN, GAT (BasicGNN: no norm, no JumpingKnowledge), NodeMLP, SGC, APPNPNet | `x` [N, F], `edge_index` [2, E] int64 | [N, C] |
 * | GraphClassifier (the above + mean/sum readout + Linear), GINGraphClassifier | + `batch` [N] int64 | [G, C] |
 * | MolecularGNN (GINE) | `x`, `edge_index`, `batch`, `edge_attr` [E, D] | [G, C] |
 * | EdgePredictor | `x`, `edge_index`, `pairs` [2, L] int64 | [L, C] |
 * | Z2CNN, GCNN (P4CNN, P4MCNN, Cn G-CNNs: filter banks expanded at export) | `x` [B, C, H, W] | [B, classes] |
 * | SchNet, EGNNRegressor (scalar output) | `z` [N] int64, `pos` [N, 3], `batch` [N] int64 | [G, T] |
 *
 * Layers inside them: Linear, MLP, DenseMLP, Sequential, activations (ReLU, ELU, LeakyReLU, SiLU, GELU,
 * Tanh, Sigmoid, Softplus, shifted softplus), Dropout (identity), BatchNorm1d/2d (folded, eval mode),
 * Embedding, GCNConv, SAGEConv (sum/mean/max), GINConv, GINEConv, GATConv, GATv2Conv, global pooling,
 * Conv2d, max pooling, lifting and group convolutions, group batch norm, group pooling, SchNet
 * interactions (radius graph by `NonZero` on the pairwise distances), EGNN layers (fully connected or
 * cutoff graph).
 */
import { GATConv } from "../../layers/graphs/gat_conv.js";
import { GATv2Conv } from "../../layers/graphs/gatv2_conv.js";
import { GCNConv } from "../../layers/graphs/gcn_conv.js";
import { GINConv, GINEConv } from "../../layers/graphs/gin_conv.js";
import { APPNPNet, BasicGNN, GINGraphClassifier, NodeMLP, SGC } from "../../layers/graphs/models.js";
import { BatchNorm as GraphBatchNorm } from "../../layers/graphs/norm.js";
import { SAGEConv } from "../../layers/graphs/sage_conv.js";
import { EdgePredictor, GraphClassifier, MolecularGNN } from "../../layers/graphs/task_models.js";
import type { Conv2d } from "../../layers/grids/conv.js";
import { BatchNorm2d } from "../../layers/grids/norm.js";
import type { GroupBatchNorm2d, GroupConv2d, GroupPool, LiftingConv2d } from "../../layers/groups/gcnn/layers.js";
import { GCNN, Z2CNN } from "../../layers/groups/gcnn/models.js";
import { type EGCL, EGNNRegressor } from "../../layers/groups/models/egnn.js";
import { type CFConv, type InteractionBlock, SchNet } from "../../layers/groups/models/schnet.js";
import { Activation, Dropout, ELU, GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Softplus, Tanh } from "../../nn/activation.js";
import { Identity, Linear } from "../../nn/linear.js";
import { MLP } from "../../nn/mlp.js";
import { type Module, Sequential } from "../../nn/module.js";
import { BatchNorm1d, LayerNorm } from "../../nn/normalization.js";
import { noGrad } from "../../tensor/autograd.js";
import { ErlangenError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { type ActivationKind, attr, OnnxBuilder } from "./builder.js";
import type { Dim, OnnxDType } from "./proto.js";
import "../../tensor/index.js";

const OP = "exportOnnx";

function unsupported(what: string, m?: Module): never {
  throw new ErlangenError(
    `${OP}: ${what}${m ? ` (${m.constructor.name})` : ""} has no ONNX export rule; supported models and layers are listed in docs/deploying.md`,
  );
}

/** A private field of a layer (the exporter reads the options a layer keeps to itself). */
function priv<T>(m: object, key: string): T {
  return (m as Record<string, unknown>)[key] as T;
}

// ---- activations ------------------------------------------------------------------------------

const PROBE = [-3, -1.5, -0.5, -0.1, 0, 0.1, 0.5, 1.5, 3];
const REFS: [ActivationKind, (v: number) => number][] = [
  [{ kind: "identity" }, (v) => v],
  [{ kind: "relu" }, (v) => Math.max(0, v)],
  [{ kind: "elu", alpha: 1 }, (v) => (v > 0 ? v : Math.expm1(v))],
  [{ kind: "leakyRelu", alpha: 0.01 }, (v) => (v > 0 ? v : 0.01 * v)],
  [{ kind: "leakyRelu", alpha: 0.2 }, (v) => (v > 0 ? v : 0.2 * v)],
  [{ kind: "sigmoid" }, (v) => 1 / (1 + Math.exp(-v))],
  [{ kind: "tanh" }, Math.tanh],
  [{ kind: "silu" }, (v) => v / (1 + Math.exp(-v))],
  [{ kind: "softplus" }, (v) => Math.log1p(Math.exp(v))],
  [{ kind: "ssp" }, (v) => Math.log1p(Math.exp(v)) - Math.LN2],
  [{ kind: "gelu" }, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))],
];

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for matching; use a series/continued fraction switch
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    1 -
    t *
      Math.exp(
        -x * x -
          1.26551223 +
          t *
            (1.00002368 +
              t *
                (0.37409196 +
                  t *
                    (0.09678418 +
                      t *
                        (-0.18628806 +
                          t *
                            (0.27886807 +
                              t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
      );
  return x >= 0 ? y : -y;
}

/** Identifies an activation function by its values (layers keep activations as closures). */
export function identifyActivation(fn: (t: Tensor) => Tensor, where: string): ActivationKind {
  const y = noGrad(() => fn(new Tensor(Float64Array.from(PROBE), [PROBE.length], "float64")));
  for (const [kind, ref] of REFS) if (PROBE.every((v, i) => Math.abs(ref(v) - Number(y.data[i])) < 1e-6)) return kind;
  return unsupported(`the activation of ${where}`);
}

function activationModule(m: Module): ActivationKind | null {
  if (m instanceof ReLU) return { kind: "relu" };
  if (m instanceof ELU) return { kind: "elu", alpha: priv<number>(m, "alpha") ?? 1 };
  if (m instanceof LeakyReLU) return { kind: "leakyRelu", alpha: priv<number>(m, "negativeSlope") ?? 0.01 };
  if (m instanceof SiLU) return { kind: "silu" };
  if (m instanceof Tanh) return { kind: "tanh" };
  if (m instanceof Sigmoid) return { kind: "sigmoid" };
  if (m instanceof GELU) return { kind: "gelu" };
  if (m instanceof Softplus) return { kind: "softplus" };
  if (m instanceof Activation) return identifyActivation((t) => m.forward(t), "an Activation module");
  return null;
}

// ---- node-level layers ------------------------------------------------------------------------

/** The graph a message-passing layer runs on: edges, their ends, and the node count (int64 [1]). */
interface GraphValues {
  ei: string;
  src: string;
  dst: string;
  N: string;
  edgeAttr?: string;
}

function graphValues(b: OnnxBuilder, x: string, ei: string): GraphValues {
  return { ei, src: b.row(ei, 0), dst: b.row(ei, 1), N: b.dim(x, 0) };
}

/** `ei` without self loops, then one self loop per node (GAT's edge set). */
function withSelfLoops(b: OnnxBuilder, g: GraphValues): { src: string; dst: string } {
  const keep = b.node("Not", [b.node("Equal", [g.src, g.dst])]);
  const ei = b.node("Compress", [g.ei, keep], { axis: attr.int(1) });
  const loops = b.node("Range", [b.constI([0], []), b.squeeze(g.N, [0]), b.constI([1], [])]);
  return {
    src: b.concat([b.row(ei, 0), loops], 0),
    dst: b.concat([b.row(ei, 1), loops], 0),
  };
}

function emitLinearLike(b: OnnxBuilder, m: Linear, x: string): string {
  return b.linear(x, m);
}

function emitMLP(b: OnnxBuilder, m: MLP, x: string): string {
  const lins = m.lins.toArray();
  const norms = m.norms.toArray();
  const act = m.act === null ? null : (activationModule(m.act) ?? unsupported("the MLP's activation", m.act));
  let h = x;
  for (let i = 0; i < norms.length; i++) {
    h = b.linear(h, lins[i]!);
    if (act && m.actFirst) h = b.act(h, act);
    h = emitNode(b, norms[i]!, h);
    if (act && !m.actFirst) h = b.act(h, act);
  }
  if (m.plainLast) h = b.linear(h, lins[lins.length - 1]!);
  return h;
}

/** Modules of one input that act row-wise on node (or any) features. */
function emitNode(b: OnnxBuilder, m: Module, x: string): string {
  const a = activationModule(m);
  if (a !== null) return b.act(x, a);
  if (m instanceof Dropout || m instanceof Identity) return x;
  if (m instanceof Linear) return emitLinearLike(b, m, x);
  if (m instanceof MLP) return emitMLP(b, m, x);
  if (m instanceof BatchNorm1d && !(m instanceof BatchNorm2d)) return b.batchNorm(x, m);
  if (m instanceof GraphBatchNorm) return b.batchNorm(x, m.module);
  if (m instanceof LayerNorm) {
    if (m.normalizedShape.length !== 1) return unsupported("LayerNorm over several axes", m);
    const C = m.normalizedShape[0]!;
    const scale = m.weight !== null ? b.param(m.weight, "ln_scale") : b.constF(new Float64Array(C).fill(1), [C]);
    const inputs = [x, scale];
    if (m.bias !== null) inputs.push(b.param(m.bias, "ln_bias"));
    return b.node("LayerNormalization", inputs, { axis: attr.int(-1), epsilon: attr.float(m.eps) });
  }
  if (m instanceof Sequential) {
    let h = x;
    for (const c of m.children()) h = emitNode(b, c, h);
    return h;
  }
  return unsupported("this layer", m);
}

function emitGCNConv(b: OnnxBuilder, m: GCNConv, x: string, g: GraphValues, edgeWeight: string | null): string {
  const h = b.matmul(x, b.param(m.lin.weight, "weight", true));
  let src = g.src;
  let dst = g.dst;
  let w = edgeWeight ?? b.full(b.shape([b.dim(g.src, 0)]), 1);
  if (m.addSelfLoops) {
    // remaining self loops: a node that already has one keeps its weight and gets no second loop
    const fill = m.improved ? 2 : 1;
    const isLoop = b.castFloat(b.node("Equal", [g.src, g.dst]));
    const hasLoop = b.scatterMax(isLoop, g.dst, g.N, [], 0);
    const loops = b.node("Range", [b.constI([0], []), b.squeeze(g.N, [0]), b.constI([1], [])]);
    src = b.concat([g.src, loops], 0);
    dst = b.concat([g.dst, loops], 0);
    w = b.concat([w, b.mul(b.sub(b.scalar(1), hasLoop), b.scalar(fill))], 0);
  }
  if (m.normalize) {
    const at = m.flow === "target_to_source" ? src : dst;
    const deg = b.scatterSum(w, at, g.N, []);
    const isZero = b.castFloat(b.node("Equal", [deg, b.scalar(0)]));
    const dis = b.mul(b.node("Pow", [b.add(deg, isZero), b.scalar(-0.5)]), b.sub(b.scalar(1), isZero));
    w = b.mul(b.mul(b.gather(dis, src), w), b.gather(dis, dst));
  }
  const msg = b.mul(b.gather(h, src), b.unsqueeze(w, [1]));
  let out = b.scatterSum(msg, dst, g.N, [m.outChannels]);
  if (m.bias !== null) out = b.add(out, b.param(m.bias, "bias"));
  return out;
}

function aggregate(b: OnnxBuilder, aggr: string | null, msg: string, index: string, N: string, width: number): string {
  if (aggr === "sum" || aggr === "add") return b.scatterSum(msg, index, N, [width]);
  if (aggr === "mean") return b.scatterMean(msg, index, N, [width]);
  if (aggr === "max") {
    // PyG: nodes without neighbours give 0
    const mx = b.scatterMax(msg, index, N, [width]);
    const ones = b.full(b.shape([b.dim(msg, 0), 1]), 1);
    const count = b.scatterSum(ones, index, N, [1]);
    return b.node("Where", [b.node("Greater", [count, b.scalar(0)]), mx, b.scalar(0)]);
  }
  return unsupported(`aggregation '${aggr}'`);
}

function emitSAGEConv(b: OnnxBuilder, m: SAGEConv, x: string, g: GraphValues): string {
  const inJ = typeof m.inChannels === "number" ? m.inChannels : m.inChannels[0];
  let xs = x;
  if (m.lin !== null) xs = b.act(b.linear(xs, m.lin), { kind: "relu" });
  let out = aggregate(b, m.aggr, b.gather(xs, g.src), g.dst, g.N, inJ);
  out = b.linear(out, m.linL);
  if (m.linR !== null) out = b.add(out, b.linear(x, m.linR));
  if (m.normalize) {
    const nrm = b.node("ReduceL2", [out, b.constI([1])], { keepdims: attr.int(1) });
    out = b.div(out, b.node("Max", [nrm, b.scalar(1e-12)]));
  }
  return out;
}

function epsOf(m: GINConv | GINEConv): number {
  return typeof m.eps === "number" ? m.eps : Number(m.eps.data[0]);
}

function emitGINConv(b: OnnxBuilder, m: GINConv, x: string, g: GraphValues, F: number): string {
  const agg = b.scatterSum(b.gather(x, g.src), g.dst, g.N, [F]);
  const eps = epsOf(m);
  return emitNode(b, m.nn, b.add(agg, eps === 0 ? x : b.mul(x, b.scalar(1 + eps))));
}

function emitGINEConv(b: OnnxBuilder, m: GINEConv, x: string, g: GraphValues, F: number): string {
  if (g.edgeAttr === undefined) return unsupported("GINEConv without edge features");
  let e = g.edgeAttr;
  if (m.lin !== null) e = b.linear(e, m.lin);
  const msg = b.act(b.add(b.gather(x, g.src), e), { kind: "relu" });
  const agg = b.scatterSum(msg, g.dst, g.N, [F]);
  const eps = epsOf(m);
  return emitNode(b, m.nn, b.add(agg, eps === 0 ? x : b.mul(x, b.scalar(1 + eps))));
}

function emitGATConv(b: OnnxBuilder, m: GATConv, x: string, g: GraphValues): string {
  if (m.lin === null) return unsupported("a bipartite GATConv", m);
  if (m.edgeDim !== null) return unsupported("GATConv with edge features", m);
  const H = m.heads;
  const C = m.outChannels;
  const xs = b.reshape(b.linear(x, m.lin), [-1, H, C]);
  const aSrc = b.node("ReduceSum", [b.mul(xs, b.param(m.attSrc)), b.constI([-1])], { keepdims: attr.int(0) });
  const aDst = b.node("ReduceSum", [b.mul(xs, b.param(m.attDst)), b.constI([-1])], { keepdims: attr.int(0) });
  const { src, dst } = m.addSelfLoops ? withSelfLoops(b, g) : { src: g.src, dst: g.dst };
  const logits = b.node("LeakyRelu", [b.add(b.gather(aSrc, src), b.gather(aDst, dst))], {
    alpha: attr.float(m.negativeSlope),
  });
  const alpha = b.segmentSoftmax(logits, dst, g.N, H);
  const msg = b.mul(b.gather(xs, src), b.unsqueeze(alpha, [2]));
  let out = b.scatterSum(msg, dst, g.N, [H, C]);
  out = m.concat ? b.reshape(out, [-1, H * C]) : b.node("ReduceMean", [out, b.constI([1])], { keepdims: attr.int(0) });
  if (m.bias !== null) out = b.add(out, b.param(m.bias, "bias"));
  return out;
}

function emitGATv2Conv(b: OnnxBuilder, m: GATv2Conv, x: string, g: GraphValues): string {
  if (m.edgeDim !== null) return unsupported("GATv2Conv with edge features", m);
  const H = m.heads;
  const C = m.outChannels;
  const xl = b.reshape(b.linear(x, m.linL), [-1, H, C]);
  const xr = m.shareWeights ? xl : b.reshape(b.linear(x, m.linR), [-1, H, C]);
  const { src, dst } = m.addSelfLoops ? withSelfLoops(b, g) : { src: g.src, dst: g.dst };
  const xj = b.gather(xl, src);
  const s = b.node("LeakyRelu", [b.add(xj, b.gather(xr, dst))], { alpha: attr.float(m.negativeSlope) });
  const logits = b.node("ReduceSum", [b.mul(s, b.param(m.att)), b.constI([-1])], { keepdims: attr.int(0) });
  const alpha = b.segmentSoftmax(logits, dst, g.N, H);
  let out = b.scatterSum(b.mul(xj, b.unsqueeze(alpha, [2])), dst, g.N, [H, C]);
  out = m.concat ? b.reshape(out, [-1, H * C]) : b.node("ReduceMean", [out, b.constI([1])], { keepdims: attr.int(0) });
  if (m.bias !== null) out = b.add(out, b.param(m.bias, "bias"));
  return out;
}

/** Output width of a node-level layer (for the scatter shapes of the next layer). */
function widthOf(m: Module, inWidth: number): number {
  if (m instanceof GCNConv) return m.outChannels;
  if (m instanceof SAGEConv) return m.outChannels;
  if (m instanceof GATConv || m instanceof GATv2Conv) return m.concat ? m.heads * m.outChannels : m.outChannels;
  if (m instanceof GINConv || m instanceof GINEConv) return outWidth(m.nn, inWidth);
  return inWidth;
}

function outWidth(m: Module, inWidth: number): number {
  if (m instanceof Linear) return m.outFeatures;
  if (m instanceof MLP) return m.outChannels;
  if (m instanceof Sequential) return m.children().reduce((w, c) => outWidth(c, w), inWidth);
  return inWidth;
}

/** A message-passing layer on node features of width `F`. */
function emitConv(
  b: OnnxBuilder,
  m: Module,
  x: string,
  g: GraphValues,
  F: number,
  edgeWeight: string | null = null,
): string {
  if (m instanceof GCNConv) return emitGCNConv(b, m, x, g, edgeWeight);
  if (m instanceof SAGEConv) return emitSAGEConv(b, m, x, g);
  if (m instanceof GINConv) return emitGINConv(b, m, x, g, F);
  if (m instanceof GINEConv) return emitGINEConv(b, m, x, g, F);
  if (m instanceof GATConv) return emitGATConv(b, m, x, g);
  if (m instanceof GATv2Conv) return emitGATv2Conv(b, m, x, g);
  return unsupported("this message-passing layer", m);
}

/** A node-level model: [N, F] → [N, C]. */
function emitNodeModel(b: OnnxBuilder, m: Module, x: string, g: GraphValues, F: number): string {
  if (m instanceof BasicGNN) {
    if (m.jk !== null) return unsupported("a BasicGNN with JumpingKnowledge", m);
    const norms = m.norms?.toArray() ?? [];
    for (const n of norms)
      if (!(n instanceof GraphBatchNorm || n instanceof LayerNorm))
        return unsupported("a BasicGNN with norm layers other than batch or layer norm", m);
    const act = identifyActivation(priv(m, "_act"), m.constructor.name);
    const toOut = priv<boolean>(m, "_toOut");
    const convs = m.convs.toArray();
    let h = x;
    let w = F;
    convs.forEach((c, l) => {
      h = emitConv(b, c, h, g, w);
      w = widthOf(c, w);
      if (l === convs.length - 1 && toOut) return;
      if (m.actFirst) h = b.act(h, act);
      const nm = norms[l];
      if (nm !== undefined) h = emitNode(b, nm, h);
      if (!m.actFirst) h = b.act(h, act);
    });
    return h;
  }
  if (
    m instanceof GCNConv ||
    m instanceof SAGEConv ||
    m instanceof GINConv ||
    m instanceof GATConv ||
    m instanceof GATv2Conv
  )
    return emitConv(b, m, x, g, F);
  if (m instanceof NodeMLP) {
    const act = identifyActivation(priv(m, "_act"), "NodeMLP");
    const lins = m.lins.toArray();
    let h = x;
    lins.forEach((l, i) => {
      h = b.linear(h, l);
      if (i < lins.length - 1) h = b.act(h, act);
    });
    return h;
  }
  if (m instanceof SGC) {
    const conv = m.conv;
    let h = x;
    if (!conv.addSelfLoops) return unsupported("SGConv without self loops", conv);
    const norm = gcnWeights(b, g);
    for (let k = 0; k < conv.K; k++)
      h = b.scatterSum(b.mul(b.gather(h, norm.src), b.unsqueeze(norm.w, [1])), norm.dst, g.N, [F]);
    return b.linear(h, conv.lin);
  }
  if (m instanceof APPNPNet) {
    const act = identifyActivation(priv(m, "_act"), "APPNPNet");
    const lins = m.lins.toArray();
    let h = x;
    lins.forEach((l, i) => {
      h = b.linear(h, l);
      if (i < lins.length - 1) h = b.act(h, act);
    });
    const C = lins[lins.length - 1]!.outFeatures;
    const prop = m.prop;
    if (!prop.addSelfLoops || !prop.normalize) return unsupported("APPNP without self loops or normalisation", prop);
    const alpha = prop.alpha;
    const norm = gcnWeights(b, g);
    const h0 = h;
    for (let k = 0; k < prop.K; k++) {
      const agg = b.scatterSum(b.mul(b.gather(h, norm.src), b.unsqueeze(norm.w, [1])), norm.dst, g.N, [C]);
      h = b.add(b.mul(agg, b.scalar(1 - alpha)), b.mul(h0, b.scalar(alpha)));
    }
    return h;
  }
  return unsupported("this node model", m);
}

/** The GCN-normalised edge weights with self loops (for SGC and APPNP propagation). */
function gcnWeights(b: OnnxBuilder, g: GraphValues): { src: string; dst: string; w: string } {
  const isLoop = b.castFloat(b.node("Equal", [g.src, g.dst]));
  const hasLoop = b.scatterMax(isLoop, g.dst, g.N, [], 0);
  const loops = b.node("Range", [b.constI([0], []), b.squeeze(g.N, [0]), b.constI([1], [])]);
  const src = b.concat([g.src, loops], 0);
  const dst = b.concat([g.dst, loops], 0);
  let w = b.concat([b.full(b.shape([b.dim(g.src, 0)]), 1), b.sub(b.scalar(1), hasLoop)], 0);
  const deg = b.scatterSum(w, dst, g.N, []);
  const isZero = b.castFloat(b.node("Equal", [deg, b.scalar(0)]));
  const dis = b.mul(b.node("Pow", [b.add(deg, isZero), b.scalar(-0.5)]), b.sub(b.scalar(1), isZero));
  w = b.mul(b.mul(b.gather(dis, src), w), b.gather(dis, dst));
  return { src, dst, w };
}

/** Number of graphs (int64 [1]) from a batch vector: max + 1. */
function numGraphs(b: OnnxBuilder, batch: string): string {
  return b.add(b.node("ReduceMax", [batch], { keepdims: attr.int(1) }), b.constI([1]));
}

function pool(b: OnnxBuilder, h: string, batch: string, G: string, width: number, mode: "sum" | "mean"): string {
  return mode === "sum" ? b.scatterSum(h, batch, G, [width]) : b.scatterMean(h, batch, G, [width]);
}

// ---- grids ------------------------------------------------------------------------------------

function conv2d(
  b: OnnxBuilder,
  x: string,
  weight: Tensor,
  bias: Tensor | null,
  opts: { padding: number; stride: number },
): string {
  const k = weight.shape.slice(2) as number[];
  const inputs = [x, b.param(weight, "filter")];
  if (bias !== null) inputs.push(b.param(bias, "bias"));
  return b.node("Conv", inputs, {
    kernel_shape: attr.ints(k),
    pads: attr.ints([opts.padding, opts.padding, opts.padding, opts.padding]),
    strides: attr.ints([opts.stride, opts.stride]),
  });
}

function emitConv2d(b: OnnxBuilder, m: Conv2d, x: string): string {
  const num = (v: unknown, what: string): number => {
    if (typeof v === "number") return v;
    if (Array.isArray(v) && v.every((e) => e === v[0])) return v[0] as number;
    return unsupported(`Conv2d with ${what} ${JSON.stringify(v)}`);
  };
  if (m.groups !== 1 || num(m.dilation, "dilation") !== 1 || m.paddingMode !== "zeros")
    return unsupported("Conv2d with groups, dilation or non-zero padding modes", m);
  return conv2d(b, x, m.weight, m.bias, { padding: num(m.padding, "padding"), stride: num(m.stride, "stride") });
}

function emitGroupConv(b: OnnxBuilder, m: LiftingConv2d | GroupConv2d, x: string): string {
  if (typeof m.padding !== "number") return unsupported(`group convolution with padding '${m.padding}'`, m);
  const w = noGrad(() => m.filterBank());
  const bias = noGrad(() => m.biasBank());
  return conv2d(b, x, w, bias, { padding: m.padding, stride: m.stride });
}

function maxPool(b: OnnxBuilder, x: string, k: number): string {
  return b.node("MaxPool", [x], { kernel_shape: attr.ints([k, k]), strides: attr.ints([k, k]) });
}

function emitZ2CNN(b: OnnxBuilder, m: Z2CNN, x: string): string {
  let h = x;
  m.convs.forEach((c, i) => {
    h = b.act(b.batchNorm(emitConv2d(b, c, h), m.norms[i]!, 2), { kind: "relu" });
    if (i === 1) h = maxPool(b, h, 2);
  });
  const top = emitConv2d(b, m.top, h);
  return b.node("ReduceMean", [top, b.constI([2, 3])], { keepdims: attr.int(0) });
}

function emitGroupBN(b: OnnxBuilder, m: GroupBatchNorm2d, x: string): string {
  return b.batchNorm(x, m.bn, 2, m.info.order);
}

function emitGCNN(b: OnnxBuilder, m: GCNN, x: string): string {
  let h = b.act(emitGroupBN(b, m.norms[0]!, emitGroupConv(b, m.lift, x)), { kind: "relu" });
  m.convs.forEach((c, i) => {
    h = b.act(emitGroupBN(b, m.norms[i + 1]!, emitGroupConv(b, c, h)), { kind: "relu" });
    if (i === 0) h = maxPool(b, h, 2);
  });
  const top = emitGroupConv(b, m.top, h);
  const pooled = emitGroupPool(b, m.pool, top);
  return b.node("ReduceMean", [pooled, b.constI([2, 3])], { keepdims: attr.int(0) });
}

function emitGroupPool(b: OnnxBuilder, m: GroupPool, x: string): string {
  const n = m.info.order;
  const B = b.dim(x, 0);
  const HW = b.node("Shape", [x], { start: attr.int(2) });
  const g = b.reshape(x, [B, m.channels, n, HW]);
  return b.node(m.mode === "max" ? "ReduceMax" : "ReduceMean", [g, b.constI([2])], { keepdims: attr.int(0) });
}

// ---- E(3) models ------------------------------------------------------------------------------

/** Edges (src, dst) between atoms of the same graph within `cutoff` (all pairs when infinite), i ≠ j. */
function radiusEdges(b: OnnxBuilder, pos: string, batch: string, cutoff: number): { src: string; dst: string } {
  const diff = b.sub(b.unsqueeze(pos, [1]), b.unsqueeze(pos, [0])); // [N, N, 3]
  const d2 = b.node("ReduceSum", [b.mul(diff, diff), b.constI([2])], { keepdims: attr.int(0) });
  const N = b.dim(pos, 0);
  const idx = b.node("Range", [b.constI([0], []), b.squeeze(N, [0]), b.constI([1], [])]);
  const notSelf = b.node("Not", [b.node("Equal", [b.unsqueeze(idx, [1]), b.unsqueeze(idx, [0])])]);
  const same = b.node("Equal", [b.unsqueeze(batch, [1]), b.unsqueeze(batch, [0])]);
  let mask = b.node("And", [notSelf, same]);
  if (Number.isFinite(cutoff)) mask = b.node("And", [mask, b.node("Less", [d2, b.scalar(cutoff * cutoff)])]);
  const nz = b.node("NonZero", [mask]); // [2, E]: (i, j)
  return { dst: b.row(nz, 0), src: b.row(nz, 1) };
}

function emitSchNet(b: OnnxBuilder, m: SchNet, z: string, pos: string, batch: string): string {
  if (m.maxNumNeighbors !== undefined) return unsupported("SchNet with maxNumNeighbors", m);
  const { src, dst } = radiusEdges(b, pos, batch, m.cutoff);
  const N = b.dim(pos, 0);
  const vec = b.sub(b.gather(pos, src), b.gather(pos, dst));
  const len = b.node("Sqrt", [b.node("ReduceSum", [b.mul(vec, vec), b.constI([1])], { keepdims: attr.int(0) })]);
  const gs = m.distanceExpansion;
  const K = gs.numGaussians;
  const offsets = Array.from({ length: K }, (_, k) => gs.start + (K > 1 ? ((gs.stop - gs.start) * k) / (K - 1) : 0));
  const delta = K > 1 ? offsets[1]! - offsets[0]! : gs.stop - gs.start;
  const t = b.sub(b.unsqueeze(len, [1]), b.constF(offsets, [K]));
  const edgeAttr = b.node("Exp", [b.mul(b.mul(t, t), b.scalar(-0.5 / (delta * delta)))]);
  let h = b.gather(b.param(m.embedding.weight, "embedding"), z);
  for (const block of m.interactions) h = b.add(h, emitInteraction(b, block, h, { src, dst, N, len, edgeAttr }));
  h = b.linear(b.act(b.linear(h, m.lin1), { kind: "ssp" }), m.lin2);
  const G = numGraphs(b, batch);
  return pool(b, h, batch, G, m.lin2.outFeatures, m.readout === "add" ? "sum" : "mean");
}

function emitInteraction(
  b: OnnxBuilder,
  m: InteractionBlock,
  h: string,
  e: { src: string; dst: string; N: string; len: string; edgeAttr: string },
): string {
  const c: CFConv = m.conv;
  const C = b.mul(
    b.mul(b.add(b.node("Cos", [b.mul(e.len, b.scalar(Math.PI / c.cutoff))]), b.scalar(1)), b.scalar(0.5)),
    b.castFloat(b.node("Less", [e.len, b.scalar(c.cutoff)])),
  );
  const W = b.mul(b.linear(b.act(b.linear(e.edgeAttr, c.mlpIn), { kind: "ssp" }), c.mlpOut), b.unsqueeze(C, [1]));
  const msg = b.mul(b.gather(b.linear(h, c.lin1), e.src), W);
  const conv = b.linear(b.scatterSum(msg, e.dst, e.N, [c.numFilters]), c.lin2);
  return b.linear(b.act(conv, { kind: "ssp" }), m.lin);
}

function emitEGNN(b: OnnxBuilder, m: EGNNRegressor, z: string, pos: string, batch: string): string {
  if (m.output !== "scalar") return unsupported("EGNNRegressor with vector output", m);
  const { src, dst } = radiusEdges(b, pos, batch, m.cutoff);
  const N = b.dim(pos, 0);
  let h = b.gather(b.param(m.embedding.weight, "embedding"), z);
  let p = pos;
  for (const layer of m.layers) ({ h, x: p } = emitEGCL(b, layer, h, p, src, dst, N));
  const G = numGraphs(b, batch);
  const H = m.nodeDec.outChannels;
  return emitMLP(b, m.graphDec!, pool(b, emitMLP(b, m.nodeDec, h), batch, G, H, "sum"));
}

function emitEGCL(
  b: OnnxBuilder,
  m: EGCL,
  h: string,
  x: string,
  src: string,
  dst: string,
  N: string,
): { h: string; x: string } {
  if (m.edgeAttrDim > 0 || m.velMlp !== null) return unsupported("EGCL with edge attributes or velocities", m);
  const opts = priv<{
    residual: boolean;
    normalize: boolean;
    coordsAgg: "mean" | "sum";
    tanh: boolean;
    coordsRange: number;
  }>(m, "_opts");
  const act = identifyActivation(priv(m, "_act"), "EGCL");
  let diff = b.sub(b.gather(x, dst), b.gather(x, src));
  const radial = b.node("ReduceSum", [b.mul(diff, diff), b.constI([1])], { keepdims: attr.int(1) });
  const lins = m.edgeMlp.lins.toArray();
  const cat = b.concat([b.gather(h, dst), b.gather(h, src), radial], 1);
  let msg = b.act(b.linear(cat, lins[0]!), act);
  for (let i = 1; i < lins.length; i++) msg = b.act(b.linear(msg, lins[i]!), act);
  const H = lins[lins.length - 1]!.outFeatures;
  if (m.attMlp) msg = b.mul(msg, b.node("Sigmoid", [b.linear(msg, m.attMlp)]));
  let xNew = x;
  if (m.coordMlp) {
    if (opts.normalize) diff = b.div(diff, b.add(b.node("Sqrt", [radial]), b.scalar(1)));
    let s = emitMLP(b, m.coordMlp, msg);
    if (opts.tanh) s = b.mul(b.node("Tanh", [s]), b.scalar(opts.coordsRange));
    const trans = b.mul(diff, s);
    const agg = opts.coordsAgg === "mean" ? b.scatterMean(trans, dst, N, [3]) : b.scatterSum(trans, dst, N, [3]);
    xNew = b.add(x, agg);
  }
  const agg = b.scatterSum(msg, dst, N, [H]);
  let hNew = emitMLP(b, m.nodeMlp, b.concat([h, agg], 1));
  if (opts.residual) hNew = b.add(h, hNew);
  return { h: hNew, x: xNew };
}

// ---- the models ---------------------------------------------------------------------------------

/** One input of the exported graph. */
export interface OnnxInputSpec {
  name: string;
  dtype: OnnxDType;
  shape: Dim[];
}

/** An exported model's signature. */
export interface OnnxSignature {
  inputs: OnnxInputSpec[];
  outputs: OnnxInputSpec[];
}

interface TopRule {
  match(m: Module): boolean;
  /** Inputs from the example arguments (which optional ones are present, feature widths). */
  inputs(m: Module, examples: readonly (Tensor | null | undefined)[], f: OnnxDType): OnnxInputSpec[];
  build(b: OnnxBuilder, m: Module, inputs: string[], specs: OnnxInputSpec[]): { value: string; shape: Dim[] };
}

const exampleWidth = (examples: readonly (Tensor | null | undefined)[], i: number, what: string): number => {
  const t = examples[i];
  if (!(t instanceof Tensor) || t.ndim !== 2)
    throw new ErlangenError(`${OP}: example input ${i} expected ${what} [rows, features]`);
  return t.shape[1]!;
};

const graphInputs = (F: number, f: OnnxDType): OnnxInputSpec[] => [
  { name: "x", dtype: f, shape: ["num_nodes", F] },
  { name: "edge_index", dtype: "int64", shape: [2, "num_edges"] },
];

function lastWidth(m: Module): number {
  const sd = m.stateDict();
  const keys = Object.keys(sd).filter((k) => k.endsWith("weight") || k.endsWith("bias"));
  const last = sd[keys[keys.length - 1]!]!;
  return last.shape[0]!;
}

const RULES: TopRule[] = [
  {
    match: (m) =>
      m instanceof BasicGNN ||
      m instanceof NodeMLP ||
      m instanceof SGC ||
      m instanceof APPNPNet ||
      m instanceof GCNConv ||
      m instanceof SAGEConv ||
      m instanceof GINConv ||
      m instanceof GATConv ||
      m instanceof GATv2Conv,
    inputs: (_m, ex, f) => graphInputs(exampleWidth(ex, 0, "node features"), f),
    build: (b, m, [x, ei], specs) => {
      const F = specs[0]!.shape[1] as number;
      const out = emitNodeModel(b, m, x!, graphValues(b, x!, ei!), F);
      return { value: out, shape: ["num_nodes", outputWidthOfNodeModel(m, F)] };
    },
  },
  {
    match: (m) => m instanceof GraphClassifier,
    inputs: (_m, ex, f) => [
      ...graphInputs(exampleWidth(ex, 0, "node features"), f),
      { name: "batch", dtype: "int64", shape: ["num_nodes"] },
    ],
    build: (b, m, [x, ei, batch], specs) => {
      const gc = m as GraphClassifier;
      const F = specs[0]!.shape[1] as number;
      const enc = gc.encoder as unknown as Module;
      const h = emitNodeModel(b, enc, x!, graphValues(b, x!, ei!), F);
      const G = numGraphs(b, batch!);
      const pooled = pool(b, h, batch!, G, gc.head.inFeatures, gc.readout);
      return { value: b.linear(pooled, gc.head), shape: ["num_graphs", gc.head.outFeatures] };
    },
  },
  {
    match: (m) => m instanceof GINGraphClassifier,
    inputs: (_m, ex, f) => [
      ...graphInputs(exampleWidth(ex, 0, "node features"), f),
      { name: "batch", dtype: "int64", shape: ["num_nodes"] },
    ],
    build: (b, m, [x, ei, batch], specs) => {
      const gc = m as GINGraphClassifier;
      const F = specs[0]!.shape[1] as number;
      const g = graphValues(b, x!, ei!);
      const G = numGraphs(b, batch!);
      const heads = gc.heads.toArray();
      let h = x!;
      let w = F;
      let score = b.linear(pool(b, h, batch!, G, w, "sum"), heads[0]!);
      gc.convs.toArray().forEach((conv, l) => {
        h = emitGINConv(b, conv, h, g, w);
        w = outWidth(conv.nn, w);
        score = b.add(score, b.linear(pool(b, h, batch!, G, w, "sum"), heads[l + 1]!));
      });
      return { value: score, shape: ["num_graphs", heads[0]!.outFeatures] };
    },
  },
  {
    match: (m) => m instanceof MolecularGNN,
    inputs: (_m, ex, f) => [
      ...graphInputs(exampleWidth(ex, 0, "atom features"), f),
      { name: "batch", dtype: "int64", shape: ["num_nodes"] },
      { name: "edge_attr", dtype: f, shape: ["num_edges", exampleWidth(ex, 3, "bond features")] },
    ],
    build: (b, m, [x, ei, batch, edgeAttr]) => {
      const mg = m as MolecularGNN;
      const g = { ...graphValues(b, x!, ei!), edgeAttr: edgeAttr! };
      let h = b.linear(x!, mg.atomEncoder);
      const H = mg.atomEncoder.outFeatures;
      const norms = mg.norms.toArray();
      mg.convs.toArray().forEach((c, l) => {
        h = b.act(b.batchNorm(emitGINEConv(b, c, h, g, H), norms[l]!), { kind: "relu" });
      });
      const G = numGraphs(b, batch!);
      return {
        value: emitMLP(b, mg.head, pool(b, h, batch!, G, H, "mean")),
        shape: ["num_graphs", mg.head.outChannels],
      };
    },
  },
  {
    match: (m) => m instanceof EdgePredictor,
    inputs: (_m, ex, f) => [
      ...graphInputs(exampleWidth(ex, 0, "node features"), f),
      { name: "pairs", dtype: "int64", shape: [2, "num_pairs"] },
    ],
    build: (b, m, [x, ei, pairs], specs) => {
      const ep = m as EdgePredictor;
      const F = specs[0]!.shape[1] as number;
      const h = emitNodeModel(b, ep.encoder as unknown as Module, x!, graphValues(b, x!, ei!), F);
      const cat = b.concat([b.gather(h, b.row(pairs!, 0)), b.gather(h, b.row(pairs!, 1))], 1);
      return { value: emitMLP(b, ep.head, cat), shape: ["num_pairs", ep.head.outChannels] };
    },
  },
  {
    match: (m) => m instanceof Z2CNN || m instanceof GCNN,
    inputs: (m, ex, f) => {
      const t = ex[0];
      if (!(t instanceof Tensor) || t.ndim !== 4)
        throw new ErlangenError(`${OP}: example input 0 expected images [B, C, H, W]`);
      void m;
      return [{ name: "x", dtype: f, shape: ["batch", t.shape[1]!, t.shape[2]!, t.shape[3]!] }];
    },
    build: (b, m, [x]) => {
      const out = m instanceof Z2CNN ? emitZ2CNN(b, m, x!) : emitGCNN(b, m as GCNN, x!);
      const classes = m instanceof Z2CNN ? m.top.outChannels : (m as GCNN).pool.channels;
      return { value: out, shape: ["batch", classes] };
    },
  },
  {
    match: (m) => m instanceof SchNet || m instanceof EGNNRegressor,
    inputs: (_m, _ex, f) => [
      { name: "z", dtype: "int64", shape: ["num_atoms"] },
      { name: "pos", dtype: f, shape: ["num_atoms", 3] },
      { name: "batch", dtype: "int64", shape: ["num_atoms"] },
    ],
    build: (b, m, [z, pos, batch]) => {
      if (m instanceof SchNet)
        return { value: emitSchNet(b, m, z!, pos!, batch!), shape: ["num_graphs", m.lin2.outFeatures] };
      const e = m as EGNNRegressor;
      return { value: emitEGNN(b, e, z!, pos!, batch!), shape: ["num_graphs", e.numTargets] };
    },
  },
];

function outputWidthOfNodeModel(m: Module, F: number): number {
  if (m instanceof BasicGNN) return m.outChannels;
  if (
    m instanceof GCNConv ||
    m instanceof SAGEConv ||
    m instanceof GINConv ||
    m instanceof GATConv ||
    m instanceof GATv2Conv
  )
    return widthOf(m, F);
  return lastWidth(m);
}

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** Graph name (default the model's class name). */
  name?: string;
  /** Name of the output (default `out`). */
  outputName?: string;
}

/** Which export rule covers a model (null: none). */
export function onnxSignature(
  model: Module,
  exampleInputs: readonly (Tensor | null | undefined)[],
): OnnxSignature | null {
  const rule = RULES.find((r) => r.match(model));
  if (rule === undefined) return null;
  const f: OnnxDType = model.parameters()[0]?.dtype === "float64" ? "double" : "float";
  const inputs = rule.inputs(model, exampleInputs, f);
  return { inputs, outputs: [{ name: "out", dtype: f, shape: [] }] };
}

/**
 * Exports `model` (in eval mode) as an ONNX model (opset 18). `exampleInputs` are arguments as the
 * model's forward takes them; they fix the feature widths and image sizes (node, edge, graph and batch
 * counts stay dynamic). Integer inputs (edge lists, batch vectors, atomic numbers) are int64 in the
 * ONNX file. Returns the file's bytes and its signature.
 */
export function exportOnnx(
  model: Module,
  exampleInputs: readonly (Tensor | null | undefined)[],
  opts: ExportOnnxOptions = {},
): { bytes: Uint8Array; signature: OnnxSignature } {
  const rule = RULES.find((r) => r.match(model));
  if (rule === undefined) return unsupported("the model", model);
  const wasTraining = model.training;
  model.eval();
  try {
    const f: OnnxDType = model.parameters()[0]?.dtype === "float64" ? "double" : "float";
    const b = new OnnxBuilder(f === "double" ? "double" : "float");
    const specs = rule.inputs(model, exampleInputs, f);
    const names = specs.map((s) => b.input(s.name, s.dtype, s.shape));
    const { value, shape } = rule.build(b, model, names, specs);
    const outName = opts.outputName ?? "out";
    b.output(value, outName, f, shape);
    const bytes = b.encode(opts.name ?? model.constructor.name, `exported by erlangen: ${model.constructor.name}`);
    return { bytes, signature: { inputs: specs, outputs: [{ name: outName, dtype: f, shape }] } };
  } finally {
    if (wasTraining) model.train();
  }
}

/** Whether a model (its top-level class) has an export rule. */
export function canExportOnnx(model: Module): boolean {
  return RULES.some((r) => r.match(model));
}
