/**
 * MessagePassing: the base class of graph layers (PyG's `MessagePassing`). A layer computes
 *
 *   x'_i = γ( x_i, ⊕_{j ∈ N(i)} φ(x_i, x_j, e_ji) )
 *
 * where φ is {@link MessagePassing.message}, ⊕ the aggregation ({@link MessagePassing.aggregate},
 * `sum | mean | max | min | mul | std | var | softmax | powermean` or a {@link MultiAggregation}) and
 * γ {@link MessagePassing.update}. One call, {@link MessagePassing.propagate}, drives all three.
 *
 * Conventions (as PyG): an edge index is an int32 tensor [2, E]; with the default flow
 * `source_to_target`, row 0 holds the sources j and row 1 the targets i, and messages flow j → i.
 * Inside `message`, an input passed to `propagate` under the name `x` is available as `x_j`
 * (gathered at the source of every edge) and `x_i` (at the target), gathered lazily on first use;
 * edge-level inputs (e.g. `edgeAttr`) are available under their own name. A pair `[xSource, xTarget]`
 * gives bipartite message passing.
 *
 * Fused path: when the message is linear in x_j (GCN, SGC, APPNP, GraphConv, GIN, SAGE with mean or
 * sum) {@link MessagePassing.messageAndAggregate} is one sparse-dense product `Â·X`, where Â
 * [numTargets, numSources] is built once per edge index and cached. `propagate` takes this path when
 * the layer's {@link MessagePassing.supportsFusion} says so, unless `fuse` is false; both paths give
 * the same numbers. The weighted sum φ = w_ji·x_j of the GCN family is built in: a layer names its
 * per-edge weight input ({@link MessagePassing.edgeWeightKey}) and inherits both the message and its
 * fused form. {@link MessagePassing.edgesOf} resolves a layer's `(edgeIndex, edgeWeight)` arguments.
 */
import { checkNodeIds } from "../../domains/graph/graph.js";
import { edgeRows, makeEdgeIndex } from "../../domains/graph/utils.js";
import { Module } from "../../nn/module.js";
import { ErlangenError, fmtShape, opError } from "../../tensor/errors.js";
import { mul } from "../../tensor/ops/elementwise.js";
import { indexSelect, intTensor } from "../../tensor/ops/indexing.js";
import { SparseMatrix, spmm } from "../../tensor/sparse.js";
import { Tensor } from "../../tensor/tensor.js";
import { type Aggregation, type AggrSpec, aggregationName, resolveAggregation } from "./aggregation.js";

/** Direction of messages: `source_to_target` (j = row 0 → i = row 1, default) or the reverse. */
export type Flow = "source_to_target" | "target_to_source";

/** A node-level input: one tensor for all nodes, or a `[source, target]` pair (bipartite graphs). */
export type NodeInput = Tensor | readonly [Tensor | null, Tensor | null];

/**
 * Named inputs of {@link MessagePassing.propagate}. `x` and every other tensor become available in
 * {@link MessagePassing.message} as `name` (as given), `name_j` (gathered at edge sources) and
 * `name_i` (gathered at edge targets). `size` is `[numSourceNodes, numTargetNodes]` (entries may be
 * null to infer them).
 */
export interface PropagateInputs {
  x?: NodeInput | null;
  size?: readonly [number | null, number | null] | null;
  [name: string]: NodeInput | readonly [number | null, number | null] | null | undefined;
}

/**
 * The inputs seen by {@link MessagePassing.message}: every tensor passed to `propagate` by name, and
 * `name_i`/`name_j` gathered (lazily, on first access) at the target/source node of every edge.
 */
export type MessageInputs = Record<string, Tensor>;

/** Per-call structural information handed to `message`, `aggregate`, `messageAndAggregate` and `update`. */
export interface PropagateContext {
  /** Source node j of each edge, [E] int32. */
  readonly edgeIndexJ: Tensor;
  /** Target node i of each edge, [E] int32 (also the aggregation index). */
  readonly edgeIndexI: Tensor;
  /** The aggregation index: `edgeIndexI`. */
  readonly index: Tensor;
  /** Number of target nodes (rows of the output). */
  readonly sizeI: number;
  /** Number of source nodes. */
  readonly sizeJ: number;
  /** Number of edges. */
  readonly numEdges: number;
  /** The edge index as given (with rows j, i in flow order). */
  readonly edgeIndex: Tensor;
  /**
   * The adjacency Â [sizeI, sizeJ] with Â[i, j] = value of edge j → i (summed over duplicates):
   * all ones when `values` is null, `values` [E] otherwise, or 1/deg(i) with `normalize: "mean"`.
   * Cached per edge index (and per values tensor when it does not require gradients).
   */
  adjacency(values?: Tensor | null, normalize?: "mean"): SparseMatrix;
}

/** Options of {@link MessagePassing}. */
export interface MessagePassingOptions {
  /** The aggregation (default `sum`). */
  aggr?: AggrSpec;
  /** Message direction (default `source_to_target`). */
  flow?: Flow;
}

interface StructureEntry {
  version: number;
  /** Keys (flow, sizeJ, sizeI) whose node ids have been bounds-checked. */
  checked: Map<string, true>;
  adj: Map<string, SparseMatrix>;
  weighted: WeakMap<Tensor, { version: number; adj: SparseMatrix }>;
}

const structureCache = new WeakMap<Tensor, StructureEntry>();
const sparseEdgeIndex = new WeakMap<SparseMatrix, Tensor>();

function structureOf(edgeIndex: Tensor): StructureEntry {
  let s = structureCache.get(edgeIndex);
  if (s === undefined || s.version !== edgeIndex.version) {
    s = { version: edgeIndex.version, checked: new Map(), adj: new Map(), weighted: new WeakMap() };
    structureCache.set(edgeIndex, s);
  }
  return s;
}

/**
 * The edge index [2, E] (row 0 = column/source, row 1 = row/target) of a sparse adjacency given in
 * PyG's `adj_t` orientation (rows are targets), cached per matrix.
 */
export function edgeIndexOfAdjT(adjT: SparseMatrix): Tensor {
  let ei = sparseEdgeIndex.get(adjT);
  if (ei === undefined) {
    const { row, col } = adjT.coo();
    ei = makeEdgeIndex(col, row);
    sparseEdgeIndex.set(adjT, ei);
  }
  return ei;
}

/** The source-side tensor of a node input (the tensor itself, or the first of a pair). */
export function sourceOf(v: PropagateInputs[string], name = "x"): Tensor {
  if (v instanceof Tensor) return v;
  if (isPair(v) && v[0] !== null) return v[0];
  return opError(
    "messageAndAggregate",
    name,
    "a tensor or a [source, target] pair with a source tensor",
    v === null || v === undefined ? String(v) : "another value",
  );
}

/** The tensor passed under `name` (throws naming the layer when it is missing or not a tensor). */
export function tensorInput(inputs: PropagateInputs, name: string, op = "propagate"): Tensor {
  const v = inputs[name];
  if (v instanceof Tensor) return v;
  return opError(op, name, "a tensor", v === null || v === undefined ? String(v) : "another value");
}

function defineLazy(obj: Record<string, Tensor>, name: string, fn: () => Tensor): void {
  Object.defineProperty(obj, name, {
    configurable: true,
    enumerable: true,
    get() {
      const v = fn();
      Object.defineProperty(obj, name, { value: v, enumerable: true, writable: true, configurable: true });
      return v;
    },
  });
}

function isPair(v: unknown): v is readonly [Tensor | null, Tensor | null] {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    (v[0] === null || v[0] instanceof Tensor) &&
    (v[1] === null || v[1] instanceof Tensor)
  );
}

/**
 * Base class of message-passing layers. Subclasses call {@link MessagePassing.propagate} in
 * `forward` and override {@link MessagePassing.message} (default: `x_j`), optionally
 * {@link MessagePassing.update} (default: identity) and, for linear messages,
 * {@link MessagePassing.messageAndAggregate} with {@link MessagePassing.supportsFusion}.
 */
// biome-ignore lint/suspicious/noExplicitAny: layers declare their own forward signatures.
export abstract class MessagePassing<Args extends unknown[] = any[], Out = Tensor> extends Module<Args, Out> {
  /** The aggregation module. */
  aggrModule: Aggregation;
  /** Message direction. */
  readonly flow: Flow;
  /** Take the fused sparse-matmul path when the layer supports it (default true). */
  fuse = true;
  /**
   * The name of a per-edge scalar input of `propagate` that weights the messages (GCN's normalised
   * `edgeWeight`, ChebConv's `norm`), or null (default). When set, the default
   * {@link MessagePassing.message} is `w_ji · x_j` and the default
   * {@link MessagePassing.messageAndAggregate} uses the weights as the values of Â.
   */
  protected edgeWeightKey: string | null = null;

  constructor(opts: MessagePassingOptions = {}) {
    super();
    this.aggrModule = resolveAggregation(opts.aggr ?? "sum");
    this.flow = opts.flow ?? "source_to_target";
    if (this.flow !== "source_to_target" && this.flow !== "target_to_source") {
      opError(this.constructor.name, "flow", "'source_to_target' or 'target_to_source'", String(this.flow));
    }
  }

  /** The aggregation's simple name (`sum`, `mean`, ...) or null for composite ones. */
  get aggr(): string | null {
    return aggregationName(this.aggrModule);
  }

  /**
   * Runs message passing over `edgeIndex` ([2, E] int32, or a sparse adjacency in `adj_t`
   * orientation [numTargets, numSources]) with the named `inputs`, returning
   * `update(aggregate(message(...)))`, or `update(messageAndAggregate(...))` on the fused path.
   */
  propagate(edgeIndex: Tensor | SparseMatrix, inputs: PropagateInputs = {}): Tensor {
    const op = this.constructor.name;
    const ei = edgeIndex instanceof SparseMatrix ? edgeIndexOfAdjT(edgeIndex) : edgeIndex;
    if (!(ei instanceof Tensor)) opError(op, "edgeIndex", "an int32 tensor [2, E] or a SparseMatrix", typeof edgeIndex);
    const rows = edgeRows(op, ei);
    const jRow = this.flow === "source_to_target" ? rows.src : rows.dst;
    const iRow = this.flow === "source_to_target" ? rows.dst : rows.src;

    // Sizes: explicit `size`, else from `x` (or any pair), else from a SparseMatrix's shape,
    // else provisional max id + 1 (upgraded when a node-level tensor is gathered).
    let sizeJ: number | null = null;
    let sizeI: number | null = null;
    const given = inputs.size;
    if (given !== undefined && given !== null) {
      sizeJ = given[0] ?? null;
      sizeI = given[1] ?? null;
    }
    const consider = (v: unknown) => {
      if (v instanceof Tensor) {
        sizeJ ??= v.shape[0] ?? null;
        sizeI ??= v.shape[0] ?? null;
      } else if (isPair(v)) {
        if (v[0] !== null) sizeJ ??= v[0].shape[0] ?? null;
        if (v[1] !== null) sizeI ??= v[1].shape[0] ?? null;
      }
    };
    consider(inputs.x);
    for (const [k, v] of Object.entries(inputs)) if (k !== "x" && k !== "size" && isPair(v)) consider(v);
    if (edgeIndex instanceof SparseMatrix) {
      sizeI ??= edgeIndex.shape[0];
      sizeJ ??= edgeIndex.shape[1];
    }
    let provisionalJ = false;
    let provisionalI = false;
    if (sizeJ === null) {
      let m = -1;
      for (let e = 0; e < jRow.length; e++) if (jRow[e]! > m) m = jRow[e]!;
      sizeJ = m + 1;
      provisionalJ = true;
    }
    if (sizeI === null) {
      let m = -1;
      for (let e = 0; e < iRow.length; e++) if (iRow[e]! > m) m = iRow[e]!;
      sizeI = m + 1;
      provisionalI = true;
    }
    this.checkEdges(op, ei, sizeJ, sizeI);

    const edgeIndexJ = intTensor(jRow);
    const edgeIndexI = intTensor(iRow);
    const sizes = { j: sizeJ, i: sizeI };
    const flow = this.flow;
    const self = this;
    const ctx: PropagateContext = {
      edgeIndexJ,
      edgeIndexI,
      index: edgeIndexI,
      get sizeI() {
        return sizes.i;
      },
      get sizeJ() {
        return sizes.j;
      },
      numEdges: rows.numEdges,
      edgeIndex: ei,
      adjacency(values?: Tensor | null, normalize?: "mean") {
        return self.cachedAdjacency(ei, flow, sizes.i, sizes.j, values ?? null, normalize);
      },
    };

    const gather = (name: string, t: Tensor, side: "i" | "j"): Tensor => {
      const n = t.shape[0];
      if (side === "j" ? provisionalJ : provisionalI) {
        if (n !== undefined && n > sizes[side]) sizes[side] = n;
        if (side === "j") provisionalJ = false;
        else provisionalI = false;
      } else if (n !== sizes[side]) {
        opError(
          op,
          name,
          `${sizes[side]} rows (number of ${side === "j" ? "source" : "target"} nodes)`,
          fmtShape(t.shape),
        );
      }
      return indexSelect(t, 0, side === "j" ? edgeIndexJ : edgeIndexI);
    };

    const msgIn: MessageInputs = {};
    for (const [k, v] of Object.entries(inputs)) {
      if (k === "size" || v === null || v === undefined) continue;
      if (v instanceof Tensor) {
        msgIn[k] = v;
        defineLazy(msgIn, `${k}_j`, () => gather(k, v, "j"));
        defineLazy(msgIn, `${k}_i`, () => gather(k, v, "i"));
      } else if (isPair(v)) {
        const [a, b] = v;
        if (a !== null) defineLazy(msgIn, `${k}_j`, () => gather(`${k}[0]`, a, "j"));
        if (b !== null) defineLazy(msgIn, `${k}_i`, () => gather(`${k}[1]`, b, "i"));
      }
    }

    let out: Tensor;
    if (this.fuse && this.supportsFusion(inputs)) {
      out = this.messageAndAggregate(inputs, ctx);
    } else {
      const msg = this.message(msgIn, ctx);
      if (!(msg instanceof Tensor)) throw new ErlangenError(`${op}.message: expected a Tensor, got ${typeof msg}`);
      if (msg.shape[0] !== ctx.numEdges) {
        opError(`${op}.message`, "return value", `one row per edge (${ctx.numEdges})`, fmtShape(msg.shape));
      }
      out = this.aggregate(msg, ctx);
    }
    return this.update(out, msgIn, ctx);
  }

  /**
   * The message of each edge j → i, [E, ...]. Default: `inputs.x_j`, scaled by the per-edge weight
   * `inputs[edgeWeightKey]` when the layer names one and it was passed to `propagate`.
   */
  message(inputs: MessageInputs, _ctx: PropagateContext): Tensor {
    const xj = inputs.x_j;
    if (xj === undefined)
      throw new ErlangenError(
        `${this.constructor.name}.message: the default message needs an input 'x' passed to propagate`,
      );
    const w = this.edgeWeightKey === null ? undefined : inputs[this.edgeWeightKey];
    return w === undefined ? xj : mul(xj, w.reshape(-1, 1));
  }

  /** Aggregates the messages at their targets with {@link MessagePassing.aggrModule}. */
  aggregate(messages: Tensor, ctx: PropagateContext): Tensor {
    return this.aggrModule.forward(messages, ctx.index, ctx.sizeI);
  }

  /** Maps the aggregated messages to the new node features. Default: identity. */
  update(aggrOut: Tensor, _inputs: MessageInputs, _ctx: PropagateContext): Tensor {
    return aggrOut;
  }

  /**
   * Whether {@link MessagePassing.messageAndAggregate} may replace message + aggregate for these
   * inputs. Layers with a linear message override this (e.g. only for `sum`/`mean` aggregation).
   */
  protected supportsFusion(_inputs: PropagateInputs): boolean {
    return false;
  }

  /**
   * The fused computation `⊕_j φ(x_j)` as one sparse-dense product (see
   * {@link PropagateContext.adjacency}), given the inputs of `propagate` as passed (use
   * {@link sourceOf} for the source side of a node input). Called only when
   * {@link MessagePassing.supportsFusion} returns true (like PyG's `message_and_aggregate`). The
   * default is the fused form of the default message: `Â·X` with Â holding the per-edge weights
   * `inputs[edgeWeightKey]` when given, else ones (sum) or 1/deg(i) (mean). A layer with another
   * message overrides it; a layer with another aggregation must not enable fusion.
   */
  messageAndAggregate(inputs: PropagateInputs, ctx: PropagateContext): Tensor {
    const aggr = this.aggr;
    if (aggr !== "sum" && aggr !== "mean")
      throw new ErlangenError(
        `${this.constructor.name}: supportsFusion() returned true for aggregation '${aggr ?? "multi"}', but the default messageAndAggregate only sums or averages (override it)`,
      );
    const w = this.edgeWeightKey === null ? undefined : inputs[this.edgeWeightKey];
    const adj = w instanceof Tensor ? ctx.adjacency(w) : ctx.adjacency(null, aggr === "mean" ? "mean" : undefined);
    return spmm(adj, sourceOf(inputs.x));
  }

  /**
   * Resolves a layer's `(edgeIndex, edgeWeight)` arguments: a SparseMatrix in `adj_t` orientation
   * becomes its edge index, and its values the edge weights unless weights are given. With
   * `numNodes` (a square graph), the node ids are checked here, once per edge index, so that errors
   * name the layer and the edge before any normalisation reads the ids.
   */
  protected edgesOf(
    edgeIndex: Tensor | SparseMatrix,
    edgeWeight: Tensor | null,
    numNodes: number | null,
  ): { edgeIndex: Tensor; edgeWeight: Tensor | null } {
    const op = this.constructor.name;
    let ei: Tensor;
    let w = edgeWeight;
    if (edgeIndex instanceof SparseMatrix) {
      if (numNodes !== null && (edgeIndex.shape[0] !== numNodes || edgeIndex.shape[1] !== numNodes))
        opError(op, "edgeIndex", `a [${numNodes}, ${numNodes}] adjacency`, fmtShape(edgeIndex.shape));
      ei = edgeIndexOfAdjT(edgeIndex);
      w ??= edgeIndex.values === null ? null : edgeIndex.cooValues();
    } else if (edgeIndex instanceof Tensor) ei = edgeIndex;
    else return opError(op, "edgeIndex", "an int32 tensor [2, E] or a SparseMatrix", typeof edgeIndex);
    if (numNodes !== null) this.checkEdges(op, ei, numNodes, numNodes);
    return { edgeIndex: ei, edgeWeight: w };
  }

  /** Checks the node ids of `edgeIndex` against the sizes (cached per edge index version and sizes). */
  private checkEdges(op: string, edgeIndex: Tensor, sizeJ: number, sizeI: number): void {
    const rows = edgeRows(op, edgeIndex);
    const struct = structureOf(edgeIndex);
    const key = `${this.flow}|${sizeJ}|${sizeI}`;
    if (struct.checked.has(key)) return;
    const [jRow, iRow, nameJ, nameI] =
      this.flow === "source_to_target"
        ? [rows.src, rows.dst, "edgeIndex[0] (sources)", "edgeIndex[1] (targets)"]
        : [rows.dst, rows.src, "edgeIndex[1] (sources)", "edgeIndex[0] (targets)"];
    checkNodeIds(op, nameJ, jRow, sizeJ, "edge");
    checkNodeIds(op, nameI, iRow, sizeI, "edge");
    struct.checked.set(key, true);
  }

  /** Builds (or reuses) the [sizeI, sizeJ] adjacency of `edgeIndex`. */
  private cachedAdjacency(
    edgeIndex: Tensor,
    flow: Flow,
    sizeI: number,
    sizeJ: number,
    values: Tensor | null,
    normalize?: "mean",
  ): SparseMatrix {
    const struct = structureOf(edgeIndex);
    const key = `${flow}|${sizeI}|${sizeJ}`;
    let pattern = struct.adj.get(key);
    if (pattern === undefined) {
      const rows = edgeRows("adjacency", edgeIndex);
      const j = flow === "source_to_target" ? rows.src : rows.dst;
      const i = flow === "source_to_target" ? rows.dst : rows.src;
      pattern = SparseMatrix.fromEdgeIndex(makeEdgeIndex(i, j), { shape: [sizeI, sizeJ] });
      struct.adj.set(key, pattern);
    }
    if (values === null) {
      if (normalize !== "mean") return pattern;
      const mkey = `${key}|mean`;
      let adj = struct.adj.get(mkey);
      if (adj === undefined) {
        const ptr = pattern.rowPtr;
        const w = new Float64Array(pattern.nnz);
        for (let r = 0; r < sizeI; r++) {
          const d = ptr[r + 1]! - ptr[r]!;
          for (let p = ptr[r]!; p < ptr[r + 1]!; p++) w[p] = 1 / d;
        }
        adj = pattern.withValues(new Tensor(w, [w.length], "float64"));
        struct.adj.set(mkey, adj);
      }
      return adj;
    }
    if (values.ndim !== 1 || values.shape[0] !== pattern.nnz) {
      opError("adjacency", "values", `shape [${pattern.nnz}] (one value per edge)`, fmtShape(values.shape));
    }
    const stored = (v: Tensor) => {
      const perm = pattern.perm;
      let identity = true;
      for (let p = 0; p < perm.length && identity; p++) if (perm[p] !== p) identity = false;
      return identity ? v : indexSelect(v, 0, intTensor(perm));
    };
    let out: SparseMatrix;
    if (values.requiresGrad) {
      out = pattern.withValues(stored(values));
    } else {
      const hit = struct.weighted.get(values);
      if (
        hit !== undefined &&
        hit.version === values.version &&
        hit.adj.shape[0] === sizeI &&
        hit.adj.shape[1] === sizeJ
      )
        return hit.adj;
      out = pattern.withValues(stored(values));
      struct.weighted.set(values, { version: values.version, adj: out });
    }
    if (normalize === "mean") {
      opError("adjacency", "normalize", "no values with normalize 'mean'", "both");
    }
    return out;
  }

  override extraRepr(): string {
    const a = this.aggr;
    return a === null ? "" : `aggr=${a}`;
  }
}
