/**
 * Recipes for sets and graphs (G = Sn, node permutations):
 *
 * - sets: `DeepSetsLayer` (y_i = Λ x_i + Γ mean_j x_j + b, the general permutation-equivariant linear
 *   map) with ReLU; a pooling readout (sum by default) and an MLP for set-level outputs, a linear head
 *   per element for element-level outputs;
 * - graphs: `GINConv` (sum aggregation over neighbours, then an MLP: the most expressive
 *   message-passing layer, Xu et al. 2019) with batch norm and ReLU; graph-level outputs pool every
 *   layer's node features (sum) and read them with a linear head (the GIN paper's readout); node-level
 *   outputs use a linear head per node; edge-level outputs an MLP of the end nodes' features
 *   [h_i + h_j, h_i ⊙ h_j] (symmetric in the two ends).
 *
 * The checks permute the nodes (σ ∈ S_N acting on the node features, the batch vector, and the edge
 * index's labels): graph-level outputs are invariant, node-level outputs permute with σ, edge-level
 * outputs (in the order of the edge list) are invariant.
 */
import { checkEdgeIndex } from "../domains/graph/graph.js";
import { DeepSetsLayer } from "../layers/graphs/deep_sets_layer.js";
import { GINConv } from "../layers/graphs/gin_conv.js";
import { Dropout, ReLU } from "../nn/activation.js";
import { Linear } from "../nn/linear.js";
import { Module, Sequential } from "../nn/module.js";
import { BatchNorm1d } from "../nn/normalization.js";
import { graphPermutationAction, nodePermutationAction } from "../symmetry/actions.js";
import { Sn } from "../symmetry/groups.js";
import { randn } from "../tensor/creation.js";
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { add, mul, relu } from "../tensor/ops/elementwise.js";
import { indexSelect } from "../tensor/ops/indexing.js";
import { scatter } from "../tensor/ops/scatter.js";
import { concat } from "../tensor/ops/shape.js";
import { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import type { AnyAction, BlueprintCheck, OutputInfo, Stage } from "./model.js";
import { type BuildContext, invariant, stage } from "./parts.js";
import type { Recipe } from "./recipe.js";
import type { ResolvedSpec } from "./spec.js";

/** State of the set and graph recipes between stages. */
export interface GraphState {
  /** Node (element) features [N, F]. */
  x: Tensor;
  /** Graph (set) of each node [N] int32. */
  batch: Tensor;
  /** [2, E] int32 (graphs). */
  edgeIndex?: Tensor;
  /** Number of graphs (sets). */
  _numGraphs: number;
  /** Node features after each layer (graph-level readout of every layer). */
  _hs?: Tensor[];
}

/** Validates `{x, batch?, edgeIndex?}` and returns the first state. */
export function graphInput(x: unknown, features: number, dtype: "float32" | "float64", needEdges: boolean): GraphState {
  const inp = x as { x?: unknown; batch?: unknown; edgeIndex?: unknown } | null;
  const feats = inp?.x as Tensor | undefined;
  if (
    inp === null ||
    typeof inp !== "object" ||
    !(feats instanceof Tensor) ||
    feats.ndim !== 2 ||
    feats.shape[1] !== features
  )
    throw new ErlangenError(
      `blueprint model: argument 'input' expected { x: [N, ${features}]${needEdges ? ", edgeIndex: [2, E]" : ""}, batch?: [N] }, got ${feats instanceof Tensor ? `x of shape ${fmtShape(feats.shape)}` : typeof x}`,
    );
  const N = feats.shape[0]!;
  let batch = inp.batch as Tensor | undefined | null;
  if (batch === undefined || batch === null) batch = new Tensor(new Int32Array(N), [N], "int32");
  if (!(batch instanceof Tensor) || batch.dtype !== "int32" || batch.ndim !== 1 || batch.shape[0] !== N)
    throw new ErlangenError(
      `blueprint model: argument 'batch' expected int32 [${N}], got ${batch instanceof Tensor ? `${batch.dtype} ${fmtShape(batch.shape)}` : typeof batch}`,
    );
  let G = N > 0 ? 1 : 0;
  for (let i = 0; i < N; i++) {
    const b = batch.data[i]!;
    if (b < 0)
      throw new ErlangenError(
        `blueprint model: argument 'batch' expected non-negative graph ids, got ${b} at node ${i}`,
      );
    if (b + 1 > G) G = b + 1;
  }
  const out: GraphState = { x: feats.dtype === dtype ? feats : feats.cast(dtype), batch, _numGraphs: G };
  if (needEdges) {
    const ei = inp.edgeIndex as Tensor | undefined;
    if (!(ei instanceof Tensor))
      throw new ErlangenError("blueprint model: argument 'edgeIndex' expected an int32 tensor [2, E], got none");
    checkEdgeIndex("blueprint model", ei, N);
    out.edgeIndex = ei;
  }
  return out;
}

/** A seeded sample batch of two small graphs (sizes 6 and 5): random symmetric edges on a path, N(0, 1) features. */
export function sampleGraphs(
  features: number,
  seed: number,
  dtype: "float32" | "float64" = "float32",
): {
  x: Tensor;
  edgeIndex: Tensor;
  batch: Tensor;
} {
  const gen = new Generator(seed);
  const sizes = [6, 5];
  const src: number[] = [];
  const dst: number[] = [];
  const batch: number[] = [];
  let off = 0;
  sizes.forEach((n, g) => {
    for (let i = 0; i < n; i++) {
      batch.push(g);
      for (let j = i + 1; j < n; j++)
        if (j === i + 1 || gen.uniform() < 0.3) {
          src.push(off + i, off + j);
          dst.push(off + j, off + i);
        }
    }
    off += n;
  });
  return {
    x: randn([off, features], { generator: gen, dtype }),
    edgeIndex: new Tensor(Int32Array.from([...src, ...dst]), [2, src.length], "int32"),
    batch: new Tensor(Int32Array.from(batch), [off], "int32"),
  };
}

const st = (s: unknown) => s as GraphState;

/** Stages shared by the set and graph heads (node-level linear head or graph-level pooling + MLP). */
function nodeHead(
  spec: ResolvedSpec,
  width: number,
  ctx: BuildContext,
  perm: AnyAction,
): { stages: Stage[]; output: OutputInfo } {
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const head = new Linear(width, spec.outputs, lo);
  return {
    stages: [
      stage({
        name: "Linear",
        step: "equivariant linear",
        module: head,
        inType: `${width} features per node`,
        outType: `${spec.outputs} ${spec.kind === "classification" ? "logits" : "targets"} per node`,
        note: "the same linear map on every node: a pointwise head, so rows follow the nodes",
        run: (s) => head.forward(st(s).x),
        actions: { perm },
      }),
    ],
    output: {
      shape: `[N, ${spec.outputs}]`,
      symmetry: "equivariant",
      transforms: "rows follow the nodes (permuted with them)",
    },
  };
}

/** The set recipe (DeepSets layers). */
export function setRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const pool = spec.options.readout === "max" ? "max" : "mean";
  const perm = graphPermutationAction({ nodeKeys: ["x", "batch"] }) as AnyAction;
  const stages: Stage[] = [];
  let c = spec.scalars;
  widths.forEach((w, i) => {
    const layer = new DeepSetsLayer(c, w, { ...lo, pool });
    stages.push(
      stage({
        name: "DeepSetsLayer",
        step: "equivariant linear",
        module: layer,
        inType: `${c} features per element`,
        outType: `${w} features per element`,
        note: i === 0 ? `y_i = Λ x_i + Γ ${pool}_j x_j + b: the permutation-equivariant linear maps` : undefined,
        run: (s) => ({ ...st(s), x: layer.forward(st(s).x, st(s).batch, st(s)._numGraphs) }),
        actions: { perm },
      }),
    );
    const act = new ReLU();
    stages.push(
      stage({
        name: "ReLU",
        step: "nonlinearity",
        module: act,
        inType: `${w} features per element`,
        outType: `${w} features per element`,
        run: (s) => ({ ...st(s), x: act.forward(st(s).x) }),
        actions: { perm },
      }),
    );
    c = w;
  });
  let output: OutputInfo;
  if (spec.level === "graph") {
    const r = spec.options.readout;
    stages.push(
      stage({
        name: `global ${r} pool`,
        step: "invariant pooling",
        inType: `${c} features per element`,
        outType: `${c} invariant features per set`,
        note: `${r} over the elements of each set: invariant to their order`,
        run: (s) => scatter(st(s).x, st(s).batch, 0, st(s)._numGraphs, r),
        actions: { perm: invariant },
      }),
    );
    stages.push(...mlpHead(spec, c, c, ctx));
    output = {
      shape: `[numSets, ${spec.outputs}]`,
      symmetry: "invariant",
      transforms: "unchanged when the elements are permuted",
    };
  } else {
    const h = nodeHead(spec, c, ctx, nodePermutationAction() as AnyAction);
    stages.push(...h.stages);
    output = h.output;
  }
  const checks = (seed: number): BlueprintCheck[] => {
    const g = sampleGraphs(spec.scalars, seed + 1, ctx.dtype);
    const N = g.x.shape[0]!;
    return [
      {
        id: "perm",
        name: `${spec.level === "graph" ? "invariance" : "equivariance"} to permutations of the elements (exact)`,
        group: Sn(N),
        samples: 6,
        inputAction: perm,
        outputAction: spec.level === "graph" ? undefined : (nodePermutationAction() as AnyAction),
        input: { x: g.x, batch: g.batch },
        exact: true,
        rtol: 1e-4,
      },
    ];
  };
  return { stages, output, checks, prepare: (x) => graphInput(x, spec.scalars, ctx.dtype, false) };
}

/** Linear → ReLU → (Dropout) → Linear on invariant features. */
function mlpHead(spec: ResolvedSpec, inC: number, hidden: number, ctx: BuildContext): Stage[] {
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const l1 = new Linear(inC, hidden, lo);
  const l2 = new Linear(hidden, spec.outputs, lo);
  const drop = spec.options.dropout > 0 ? new Dropout(spec.options.dropout) : null;
  const mlp = drop ? new Sequential(l1, new ReLU(), drop, l2) : new Sequential(l1, new ReLU(), l2);
  return [
    stage({
      name: "MLP",
      step: "invariant readout",
      module: mlp,
      inType: `${inC} invariant features`,
      outType: `${spec.outputs} invariant ${spec.kind === "classification" ? "logits" : "targets"}`,
      note: "any function of invariant features is invariant",
      run: (s) => mlp.forward(s as Tensor),
      actions: { perm: invariant },
    }),
  ];
}

/** The GIN MLP: Linear → BatchNorm → ReLU → Linear. */
function ginMlp(inC: number, w: number, ctx: BuildContext): Sequential {
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  return new Sequential(
    new Linear(inC, w, lo),
    new BatchNorm1d(w, { dtype: ctx.dtype }),
    new ReLU(),
    new Linear(w, w, lo),
  );
}

/** Edge outputs from the end nodes: MLP([h_i + h_j, h_i ⊙ h_j]). */
export class EdgeReadout extends Module<[Tensor, Tensor], Tensor> {
  l1: Linear;
  l2: Linear;
  constructor(
    readonly channels: number,
    readonly outChannels: number,
    opts: { dtype?: "float32" | "float64"; generator?: Generator } = {},
  ) {
    super();
    this.l1 = new Linear(2 * channels, channels, opts);
    this.l2 = new Linear(channels, outChannels, opts);
  }
  /** h [N, C], edgeIndex [2, E] → [E, outChannels]. */
  forward(h: Tensor, edgeIndex: Tensor): Tensor {
    const E = edgeIndex.shape[1]!;
    const d = edgeIndex.data as Int32Array;
    const src = new Tensor(d.slice(0, E), [E], "int32");
    const dst = new Tensor(d.slice(E, 2 * E), [E], "int32");
    const hs = indexSelect(h, 0, src);
    const hd = indexSelect(h, 0, dst);
    return this.l2.forward(relu(this.l1.forward(concat([add(hs, hd), mul(hs, hd)], 1))));
  }
}

/** The graph recipe (GIN layers). */
export function graphRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const perm = graphPermutationAction({ nodeKeys: ["x", "batch"] }) as AnyAction;
  const graphLevel = spec.level === "graph";
  const stages: Stage[] = [];
  let c = spec.scalars;
  widths.forEach((w, i) => {
    const conv = new GINConv(ginMlp(c, w, ctx));
    stages.push(
      stage({
        name: "GINConv",
        step: "equivariant layer",
        module: conv,
        inType: `${c} features per node`,
        outType: `${w} features per node`,
        note:
          i === 0
            ? "x_i + Σ_{j ∈ N(i)} x_j (the equivariant linear part: it commutes with relabelling the nodes), then an MLP on every node"
            : undefined,
        run: (s) => {
          const g = st(s);
          const x = conv.forward(g.x, g.edgeIndex!);
          return { ...g, x, _hs: graphLevel ? [...(g._hs ?? [g.x]), x] : undefined };
        },
        actions: { perm },
      }),
    );
    const bn = new BatchNorm1d(w, { dtype: ctx.dtype });
    const act = new ReLU();
    const block = new Sequential(bn, act);
    stages.push(
      stage({
        name: "BatchNorm1d + ReLU",
        step: "nonlinearity",
        module: block,
        inType: `${w} features per node`,
        outType: `${w} features per node`,
        run: (s) => {
          const g = st(s);
          const x = block.forward(g.x);
          const hs = g._hs ? [...g._hs.slice(0, -1), x] : undefined;
          return { ...g, x, _hs: hs };
        },
        actions: { perm },
      }),
    );
    c = w;
  });
  let output: OutputInfo;
  if (graphLevel) {
    const r = spec.options.readout;
    const total = spec.scalars + widths.reduce((a, b) => a + b, 0);
    stages.push(
      stage({
        name: `global ${r} pool (every layer)`,
        step: "invariant pooling",
        inType: "node features of every layer",
        outType: `${total} invariant features per graph`,
        note: `${r} over the nodes of each graph, for the input and every layer (GIN's readout): invariant to relabelling`,
        run: (s) => {
          const g = st(s);
          const hs = g._hs ?? [g.x];
          return concat(
            hs.map((h) => scatter(h, g.batch, 0, g._numGraphs, r)),
            1,
          );
        },
        actions: { perm: invariant },
      }),
    );
    const drop = spec.options.dropout > 0 ? new Dropout(spec.options.dropout) : null;
    const lin = new Linear(total, spec.outputs, { dtype: ctx.dtype, generator: ctx.generator });
    const head = drop ? new Sequential(drop, lin) : lin;
    stages.push(
      stage({
        name: drop ? "Dropout + Linear" : "Linear",
        step: "invariant readout",
        module: head,
        inType: `${total} invariant features`,
        outType: `${spec.outputs} invariant ${spec.kind === "classification" ? "logits" : "targets"}`,
        run: (s) => head.forward(s as Tensor),
        actions: { perm: invariant },
      }),
    );
    output = {
      shape: `[numGraphs, ${spec.outputs}]`,
      symmetry: "invariant",
      transforms: "unchanged when the nodes are relabelled",
    };
  } else if (spec.level === "edge") {
    const head = new EdgeReadout(c, spec.outputs, { dtype: ctx.dtype, generator: ctx.generator });
    stages.push(
      stage({
        name: "EdgeReadout",
        step: "invariant readout",
        module: head,
        inType: `${c} features per node`,
        outType: `${spec.outputs} ${spec.kind === "classification" ? "logits" : "targets"} per edge`,
        note: "MLP([h_i + h_j, h_i ⊙ h_j]) of the two end nodes: symmetric in i and j, unchanged by relabelling",
        run: (s) => head.forward(st(s).x, st(s).edgeIndex!),
        actions: { perm: invariant },
      }),
    );
    output = {
      shape: `[E, ${spec.outputs}]`,
      symmetry: "invariant",
      transforms: "each edge keeps its output when the nodes are relabelled (rows in the order of the edge list)",
    };
  } else {
    const h = nodeHead(spec, c, ctx, nodePermutationAction() as AnyAction);
    stages.push(...h.stages);
    output = h.output;
  }
  const checks = (seed: number): BlueprintCheck[] => {
    const g = sampleGraphs(spec.scalars, seed + 1, ctx.dtype);
    const N = g.x.shape[0]!;
    const inputAct = graphPermutationAction({ nodeKeys: ["x", "batch"] }) as AnyAction;
    return [
      {
        id: "perm",
        name: `${spec.level === "node" ? "equivariance" : "invariance"} to relabelling the nodes (exact)`,
        group: Sn(N),
        samples: 6,
        inputAction: inputAct,
        outputAction: spec.level === "node" ? (nodePermutationAction() as AnyAction) : undefined,
        input: g,
        exact: true,
        rtol: 1e-4,
      },
    ];
  };
  return { stages, output, checks, prepare: (x) => graphInput(x, spec.scalars, ctx.dtype, true) };
}
