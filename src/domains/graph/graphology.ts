/**
 * Conversion to and from graphology (https://graphology.github.io/), structurally typed so that the
 * library does not depend on it: {@link toGraphology}, {@link toGraphologyInto}, {@link fromGraphology}.
 */
import { opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { Graph } from "./graph.js";
import { rowSize } from "./internal.js";
import { makeEdgeIndex } from "./utils.js";

type Attrs = Record<string, unknown>;

/** The part of a graphology graph that {@link fromGraphology} reads (structural; no dependency). */
export interface GraphologyReadable {
  nodes(): string[];
  getNodeAttributes(node: string): Attrs;
  forEachEdge(
    callback: (
      edge: string,
      attributes: Attrs,
      source: string,
      target: string,
      sourceAttributes: Attrs,
      targetAttributes: Attrs,
      undirected: boolean,
    ) => void,
  ): void;
}

/** The part of a graphology graph that {@link toGraphology} writes into. */
export interface GraphologyWritable {
  addNode(node: string, attributes?: Attrs): unknown;
  addDirectedEdge(source: string, target: string, attributes?: Attrs): unknown;
  addUndirectedEdge?(source: string, target: string, attributes?: Attrs): unknown;
}

/** graphology's serialized form (`graph.export()` / `Graph.from(...)`). */
export interface SerializedGraphology {
  attributes?: Attrs;
  options?: { type?: "directed" | "undirected" | "mixed"; multi?: boolean; allowSelfLoops?: boolean };
  nodes: { key: string | number; attributes?: Attrs }[];
  edges: {
    key?: string | number;
    source: string | number;
    target: string | number;
    attributes?: Attrs;
    undirected?: boolean;
  }[];
}

function rowValue(t: Tensor, i: number): number | boolean | number[] | boolean[] {
  const F = rowSize(t);
  const isBool = t.dtype === "bool";
  if (t.ndim === 1) return isBool ? t.data[i] !== 0 : t.data[i]!;
  const r = Array.from(t.data.subarray(i * F, (i + 1) * F));
  return isBool ? r.map((v) => v !== 0) : r;
}

/**
 * Converts a graph to graphology form. Without `target`, returns the serialized object
 * (`Graph.from(obj)` in graphology); with `target` (e.g. `new DirectedGraph()`), adds nodes `"0".."N-1"`
 * and edges to it and returns it. Node-level tensors become node attributes (rows as numbers or
 * arrays), edge-level ones edge attributes. With `undirected: true`, each pair `u < v` present in both
 * directions is written once as an undirected edge.
 */
export function toGraphology(
  graph: Graph,
  opts: { undirected?: boolean; nodeAttrs?: string[]; edgeAttrs?: string[] } = {},
): SerializedGraphology {
  const N = graph.numNodes;
  const E = graph.numEdges;
  const keys = graph.keys().filter((k) => k !== "edgeIndex");
  const nodeKeys = opts.nodeAttrs ?? keys.filter((k) => graph.levelOf(k) === "node" && k !== "batch");
  const edgeKeys = opts.edgeAttrs ?? keys.filter((k) => graph.levelOf(k) === "edge");
  const nodes: SerializedGraphology["nodes"] = [];
  for (let i = 0; i < N; i++) {
    const attributes: Attrs = {};
    for (const k of nodeKeys) attributes[k] = rowValue(graph.get(k)!, i);
    nodes.push({ key: String(i), attributes });
  }
  const d = graph.edgeIndex.data;
  const edges: SerializedGraphology["edges"] = [];
  const undirected = opts.undirected ?? false;
  const pairSet = new Set<string>();
  if (undirected) for (let e = 0; e < E; e++) pairSet.add(`${d[e]},${d[E + e]}`);
  for (let e = 0; e < E; e++) {
    const u = d[e]!;
    const v = d[E + e]!;
    const attributes: Attrs = {};
    for (const k of edgeKeys) attributes[k] = rowValue(graph.get(k)!, e);
    if (undirected) {
      if (u > v && pairSet.has(`${v},${u}`)) continue;
      edges.push({ source: String(u), target: String(v), attributes, undirected: true });
    } else edges.push({ source: String(u), target: String(v), attributes });
  }
  return {
    attributes: {},
    options: { type: undirected ? "undirected" : "directed", multi: false, allowSelfLoops: true },
    nodes,
    edges,
  };
}

/** Writes `graph` into a graphology instance (see {@link toGraphology}) and returns it. */
export function toGraphologyInto<G extends GraphologyWritable>(
  graph: Graph,
  target: G,
  opts: { undirected?: boolean; nodeAttrs?: string[]; edgeAttrs?: string[] } = {},
): G {
  const s = toGraphology(graph, opts);
  for (const n of s.nodes) target.addNode(String(n.key), n.attributes);
  for (const e of s.edges) {
    if (e.undirected) {
      if (target.addUndirectedEdge === undefined)
        opError("toGraphologyInto", "target", "a graph with addUndirectedEdge (undirected: true)", "none");
      target.addUndirectedEdge(String(e.source), String(e.target), e.attributes);
    } else target.addDirectedEdge(String(e.source), String(e.target), e.attributes);
  }
  return target;
}

function isReadable(g: GraphologyReadable | SerializedGraphology): g is GraphologyReadable {
  return typeof (g as GraphologyReadable).nodes === "function";
}

function attrsToTensor(op: string, name: string, values: unknown[]): Tensor | null {
  const n = values.length;
  if (n === 0) return null;
  const v0 = values[0];
  if (typeof v0 === "number" || typeof v0 === "boolean") {
    const isBool = typeof v0 === "boolean";
    const out = isBool ? new Uint8Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== typeof v0) opError(op, name, `a ${typeof v0} on every item`, `${typeof v} at item ${i}`);
      out[i] = Number(v);
    }
    return new Tensor(out, [n], isBool ? "bool" : "float32");
  }
  if (Array.isArray(v0)) {
    const F = v0.length;
    const out = new Float32Array(n * F);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!Array.isArray(v) || v.length !== F)
        opError(op, name, `an array of ${F} numbers on every item`, `${JSON.stringify(v)} at item ${i}`);
      for (let f = 0; f < F; f++) out[i * F + f] = Number(v[f]);
    }
    return new Tensor(out, [n, F], "float32");
  }
  return null;
}

/**
 * Builds a {@link Graph} from a graphology graph (any object with `nodes()`, `getNodeAttributes()`
 * and `forEachEdge()`) or its serialized form. Node ids follow the order of `nodes`; undirected edges
 * become two directed ones. Numeric (or boolean, or numeric-array) node and edge attributes present on
 * every node / edge become tensors of the same name (restrict with `nodeAttrs` / `edgeAttrs`).
 */
export function fromGraphology(
  g: GraphologyReadable | SerializedGraphology,
  opts: { nodeAttrs?: string[]; edgeAttrs?: string[] } = {},
): Graph {
  const op = "fromGraphology";
  const nodeKeys: string[] = [];
  const nodeAttrs: Attrs[] = [];
  const edges: { s: string; t: string; a: Attrs; u: boolean }[] = [];
  if (isReadable(g)) {
    for (const k of g.nodes()) {
      nodeKeys.push(k);
      nodeAttrs.push(g.getNodeAttributes(k) ?? {});
    }
    g.forEachEdge((_e, a, s, t, _sa, _ta, u) => edges.push({ s, t, a: a ?? {}, u }));
  } else {
    if (!Array.isArray(g.nodes) || !Array.isArray(g.edges))
      opError(op, "g", "a graphology graph or its serialized form {nodes, edges}", typeof g);
    const undirectedGraph = g.options?.type === "undirected";
    for (const n of g.nodes) {
      nodeKeys.push(String(n.key));
      nodeAttrs.push(n.attributes ?? {});
    }
    for (const e of g.edges)
      edges.push({
        s: String(e.source),
        t: String(e.target),
        a: e.attributes ?? {},
        u: e.undirected ?? undirectedGraph,
      });
  }
  const id = new Map<string, number>();
  for (let i = 0; i < nodeKeys.length; i++) id.set(nodeKeys[i]!, i);
  const src: number[] = [];
  const dst: number[] = [];
  const edgeRows: Attrs[] = [];
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    const s = id.get(e.s);
    const t = id.get(e.t);
    if (s === undefined || t === undefined)
      opError(op, "g", "edges between listed nodes", `edge ${i} (${e.s} -> ${e.t}) with an unknown node`);
    src.push(s);
    dst.push(t);
    edgeRows.push(e.a);
    if (e.u && s !== t) {
      src.push(t);
      dst.push(s);
      edgeRows.push(e.a);
    }
  }
  const graph = new Graph({ edgeIndex: makeEdgeIndex(src, dst), numNodes: nodeKeys.length });
  const common = (rows: Attrs[], names?: string[]) =>
    names ?? (rows.length === 0 ? [] : Object.keys(rows[0]!).filter((k) => rows.every((r) => k in r)));
  for (const k of common(nodeAttrs, opts.nodeAttrs)) {
    const t = attrsToTensor(
      op,
      k,
      nodeAttrs.map((a) => a[k]),
    );
    if (t !== null) graph.set(k, t, "node");
  }
  for (const k of common(edgeRows, opts.edgeAttrs)) {
    const t = attrsToTensor(
      op,
      k,
      edgeRows.map((a) => a[k]),
    );
    if (t !== null) graph.set(k, t, "edge");
  }
  return graph;
}
