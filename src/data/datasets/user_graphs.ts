/**
 * Users' own graphs, browser-safe on text or bytes:
 *
 * - {@link readGraphCsv}: an edge list and an optional node table (and graph table), as in PyG's
 *   pandas workflows: `nodes.csv` with an id column, numeric feature columns and a label column;
 *   `edges.csv` with source and target columns (ids from the node table, or 0-based row numbers),
 *   optional edge feature and label columns; a `graph` column in both for many graphs.
 * - {@link readOgbGraphs}: OGB's raw CSV layout (`edge.csv`, `node-feat.csv`, `num-node-list.csv`,
 *   `graph-label.csv`, `split/{train,valid,test}.csv`, ... without headers).
 * - {@link readGraphJson}: PyG-style JSON (`x`, `edge_index`, `y`, `edge_attr`, `pos`, `z`, masks), one
 *   graph, a list, or `{ "graphs": [...] }`; and graphology's serialized form
 *   (`{ nodes: [{ key, attributes }], edges: [{ source, target, attributes }] }`, see `fromGraphology`).
 *
 * Every reader returns {@link UserGraphs}: the graphs, the task level and kind, the schema (feature and
 * label names, class names) and any split the file gives. Labels that are not numbers become classes
 * (sorted names); a non-numeric feature cell is an error naming the file, line and column.
 */
import { type AttrLevel, Graph } from "../../domains/graph/graph.js";
import { fromGraphology, type SerializedGraphology } from "../../domains/graph/graphology.js";
import { opError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { asText, DatasetFormatError, type FileContent, READER_LIMITS } from "./common.js";
import { type CsvTable, csvColumn, csvIsNumeric, parseCsv, parseNumberCell } from "./csv.js";

/** Where the labels live: one per node, per (labelled) edge, or per graph. */
export type GraphTaskLevel = "node" | "edge" | "graph";

/** Problem kinds of users' graphs (`<level>-<classification|regression>`). */
export type UserGraphTask =
  | "node-classification"
  | "node-regression"
  | "edge-classification"
  | "edge-regression"
  | "graph-classification"
  | "graph-regression";

/** The level and kind of a task name; an error listing the valid ones otherwise. */
export function parseGraphTask(task: string): { level: GraphTaskLevel; regression: boolean } {
  const m = /^(node|edge|graph)-(classification|regression)$/.exec(task);
  if (m === null)
    opError(
      "parseGraphTask",
      "task",
      "one of node-classification, node-regression, edge-classification, edge-regression, graph-classification, graph-regression",
      JSON.stringify(task),
    );
  return { level: m[1] as GraphTaskLevel, regression: m[2] === "regression" };
}

/** What a model trained on users' graphs expects and reports (stored in a saved model's config). */
export interface GraphSchema {
  task: UserGraphTask;
  /** Node feature names (columns or attribute names), in order. */
  features: string[];
  /** Edge feature names (may be empty). */
  edgeFeatures: string[];
  /** Label column or key. */
  label: string | null;
  /** Class names in index order (classification). */
  classes: string[] | null;
  /** Regression target names (regression). */
  targets: string[] | null;
}

/** A split given by the data (indices of nodes, labelled edges or graphs). */
export interface GivenSplit {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
}

/** Graphs read from users' files. */
export interface UserGraphs {
  /** One graph for node and edge tasks; many for graph tasks. */
  graphs: Graph[];
  schema: GraphSchema;
  /** Node ids as written in the file (node tasks; per graph), for reporting predictions. */
  nodeIds: string[][];
  /** Graph ids as written (graph tasks). */
  graphIds: string[];
  /** The split given by the data, if any. */
  split: GivenSplit | null;
}

/** Options of {@link readGraphCsv}. */
export interface GraphCsvOptions {
  /** Problem kind; needs a label column unless only reading inputs for prediction (`label: null`). */
  task: UserGraphTask;
  /** Label column (default `label`, else `y`, else `target`); null: no labels (prediction inputs). */
  label?: string | null;
  /** Node feature columns (default: every numeric column other than ids, labels, split and graph). */
  features?: readonly string[];
  /** Edge feature columns (default: none; `edge_weight`/`weight` becomes `edgeWeight`). */
  edgeFeatures?: readonly string[];
  /** Node id column (default `id`, else `node`, else `node_id`; else row numbers). */
  nodeId?: string;
  /** Edge source and target columns (defaults `source`/`target`, `src`/`dst`, `from`/`to`, `u`/`v`, else the first two). */
  source?: string;
  target?: string;
  /** Graph id column in the node, edge and graph tables (default `graph`, else `graph_id`). */
  graph?: string;
  /** Split column (`train` / `val` or `valid` / `test`) in the labelled table (default `split`). */
  split?: string;
  /** Add the reverse of every edge (default true: undirected graphs, as most GNN benchmarks). */
  undirected?: boolean;
  /** Class names to use (a saved model's), so that new data maps labels to the same indices. */
  classes?: readonly string[];
  /** File names for errors. */
  names?: { nodes?: string; edges?: string; graphs?: string };
}

/**
 * Most nodes a graph may have when its size comes from numbers in a file (node numbers, counts)
 * rather than from rows of a node table: 2^24, so that a stray large id cannot make a reader allocate
 * gigabytes of constant features.
 */
export const MAX_IMPLIED_NODES = 2 ** 24;

/** A node count implied by ids or counts in a file, bounded by MAX_IMPLIED_NODES (the error names the file and line). */
export function impliedNodes(file: string, line: number | null, n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_IMPLIED_NODES)
    throw new DatasetFormatError(
      file,
      line,
      `${what} gives ${n} nodes; expected an integer in [0, ${MAX_IMPLIED_NODES}] (give a node table for larger graphs)`,
    );
  return n;
}

const pick = (cols: readonly string[], ...names: string[]): string | undefined => names.find((n) => cols.includes(n));

const SPLIT_NAMES: Record<string, "train" | "val" | "test"> = {
  train: "train",
  training: "train",
  val: "val",
  valid: "val",
  validation: "val",
  dev: "val",
  test: "test",
  testing: "test",
};

function splitFromColumn(table: CsvTable, col: string): GivenSplit {
  const k = csvColumn(table, col);
  const parts: Record<"train" | "val" | "test", number[]> = { train: [], val: [], test: [] };
  table.rows.forEach((r, i) => {
    const v = r[k]!.trim().toLowerCase();
    const s = SPLIT_NAMES[v];
    if (s === undefined)
      throw new DatasetFormatError(
        table.file,
        table.lines[i]!,
        `column '${col}' expected train, val (or valid) or test, got ${JSON.stringify(r[k])}`,
      );
    parts[s].push(i);
  });
  return { train: Int32Array.from(parts.train), val: Int32Array.from(parts.val), test: Int32Array.from(parts.test) };
}

/** Labels of a column: numbers (regression, or integer classes) or names mapped to sorted classes. */
function readLabels(
  table: CsvTable,
  col: string,
  regression: boolean,
  given: readonly string[] | undefined,
): { values: Float64Array; classes: string[] | null } {
  const k = csvColumn(table, col);
  const n = table.rows.length;
  const values = new Float64Array(n);
  if (regression) {
    for (let i = 0; i < n; i++)
      values[i] = parseNumberCell(table.rows[i]![k]!, { file: table.file, line: table.lines[i]!, column: col });
    return { values, classes: null };
  }
  const names = table.rows.map((r) => r[k]!.trim());
  let classes: string[];
  if (given !== undefined) classes = [...given];
  else {
    const uniq = [...new Set(names)];
    // integer labels keep their numeric order (0, 1, 2, ...); names sort alphabetically
    const ints = uniq.every((u) => /^-?\d+$/.test(u));
    classes = ints ? uniq.sort((a, b) => Number(a) - Number(b)) : uniq.sort();
    if (ints && uniq.every((u) => Number(u) >= 0)) {
      const max = Math.max(-1, ...uniq.map(Number));
      if (max < 4096) classes = Array.from({ length: max + 1 }, (_, c) => String(c));
    }
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  for (let i = 0; i < n; i++) {
    const c = index.get(names[i]!);
    if (c === undefined)
      throw new DatasetFormatError(
        table.file,
        table.lines[i]!,
        `column '${col}' has the label ${JSON.stringify(names[i])}, not one of the model's classes (${classes.slice(0, 20).join(", ")})`,
      );
    values[i] = c;
  }
  return { values, classes };
}

function featureMatrix(table: CsvTable, cols: readonly string[], rows: readonly number[]): Float32Array {
  const F = cols.length;
  const ks = cols.map((c) => csvColumn(table, c));
  const out = new Float32Array(rows.length * F);
  rows.forEach((r, i) => {
    const row = table.rows[r]!;
    for (let f = 0; f < F; f++)
      out[i * F + f] = parseNumberCell(row[ks[f]!]!, { file: table.file, line: table.lines[r]!, column: cols[f]! });
  });
  return out;
}

/**
 * Reads graphs from CSV tables (see the module docs). For node tasks the label column is in the node
 * table, for edge tasks in the edge table (labelled edges are `edgeLabelIndex`/`edgeLabel`; message
 * passing uses every edge), for graph tasks in the graph table (or a graph-level column repeated on the
 * node rows).
 */
export function readGraphCsv(
  files: { nodes?: FileContent; edges: FileContent; graphs?: FileContent },
  opts: GraphCsvOptions,
): UserGraphs {
  const { level, regression } = parseGraphTask(opts.task);
  const names = { nodes: "nodes.csv", edges: "edges.csv", graphs: "graphs.csv", ...opts.names };
  const edges = parseCsv(files.edges, { file: names.edges });
  const nodes = files.nodes !== undefined ? parseCsv(files.nodes, { file: names.nodes }) : null;
  const graphsT = files.graphs !== undefined ? parseCsv(files.graphs, { file: names.graphs }) : null;
  const ec = edges.columns;
  const src = opts.source ?? pick(ec, "source", "src", "from", "u", "node1", "head") ?? ec[0];
  const dst = opts.target ?? pick(ec, "target", "dst", "to", "v", "node2", "tail") ?? ec[1];
  if (src === undefined || dst === undefined || src === dst)
    throw new DatasetFormatError(edges.file, null, "expected a source and a target column");
  const graphCol =
    opts.graph ??
    pick(nodes?.columns ?? ec, "graph", "graph_id") ??
    (graphsT ? pick(graphsT.columns, "graph", "graph_id") : undefined);
  const idCol = nodes ? (opts.nodeId ?? pick(nodes.columns, "id", "node", "node_id")) : undefined;
  const labelTable = level === "node" ? nodes : level === "edge" ? edges : (graphsT ?? nodes);
  const labelCol =
    opts.label === null
      ? null
      : (opts.label ?? (labelTable ? pick(labelTable.columns, "label", "y", "target") : undefined) ?? null);
  if (opts.label !== null && labelCol === null)
    throw new DatasetFormatError(
      labelTable?.file ?? names.nodes,
      null,
      labelTable === null
        ? `a ${level} task needs the ${level === "node" ? "node" : "graph"} table with a label column`
        : `has no label column (name it label, y or target, or pass the column name)`,
    );
  if (labelTable !== null && labelCol !== null) csvColumn(labelTable, labelCol);
  const splitCol = labelTable ? (opts.split ?? pick(labelTable.columns, "split")) : undefined;
  // node features: every numeric column other than the structural ones
  const reserved = new Set(
    [idCol, labelCol, splitCol, graphCol].filter((c): c is string => c !== undefined && c !== null),
  );
  let features: string[] = [];
  if (nodes) {
    features = opts.features
      ? [...opts.features]
      : nodes.columns.filter((c) => !reserved.has(c) && nodes.rows.length > 0 && csvIsNumeric(nodes, c));
    for (const f of features) csvColumn(nodes, f);
  }
  const edgeFeatures = opts.edgeFeatures ? [...opts.edgeFeatures] : [];
  for (const f of edgeFeatures) csvColumn(edges, f);
  const weightCol = opts.edgeFeatures ? undefined : pick(ec, "edge_weight", "weight");
  // graph membership of each node row and edge row
  const nodeGraph = (t: CsvTable | null): string[] | null => {
    if (t === null || graphCol === undefined || !t.columns.includes(graphCol)) return null;
    const k = csvColumn(t, graphCol);
    return t.rows.map((r) => r[k]!.trim());
  };
  const ng = nodeGraph(nodes);
  const eg = nodeGraph(edges);
  if ((ng === null) !== (eg === null) && level === "graph")
    throw new DatasetFormatError(
      ng === null ? names.nodes : names.edges,
      null,
      `graph tasks need the graph column '${graphCol}' in both the node and the edge table`,
    );
  if (level === "graph" && ng === null && eg === null && graphsT === null)
    throw new DatasetFormatError(
      names.nodes,
      null,
      "graph tasks need a graph column (graph or graph_id) in the node and edge tables",
    );
  const graphIds: string[] = [];
  const graphIndex = new Map<string, number>();
  const addGraph = (g: string) => {
    if (!graphIndex.has(g)) {
      graphIndex.set(g, graphIds.length);
      graphIds.push(g);
    }
  };
  if (graphsT && graphCol !== undefined && graphsT.columns.includes(graphCol)) {
    const k = csvColumn(graphsT, graphCol);
    for (const r of graphsT.rows) addGraph(r[k]!.trim());
  }
  if (ng) for (const g of ng) addGraph(g);
  if (eg) for (const g of eg) addGraph(g);
  if (graphIds.length === 0) addGraph("0");
  const G = graphIds.length;
  // node rows of each graph, and each node's id → local index
  const nodeRows: number[][] = Array.from({ length: G }, () => []);
  const idMaps: Map<string, number>[] = Array.from({ length: G }, () => new Map());
  const nodeIds: string[][] = Array.from({ length: G }, () => []);
  if (nodes) {
    const kId = idCol !== undefined ? csvColumn(nodes, idCol) : -1;
    nodes.rows.forEach((r, i) => {
      const g = ng ? graphIndex.get(ng[i]!)! : 0;
      const id = kId >= 0 ? r[kId]!.trim() : String(nodeRows[g]!.length);
      if (idMaps[g]!.has(id))
        throw new DatasetFormatError(
          nodes.file,
          nodes.lines[i]!,
          `node id ${JSON.stringify(id)} appears twice${G > 1 ? ` in graph ${graphIds[g]}` : ""}`,
        );
      idMaps[g]!.set(id, nodeRows[g]!.length);
      nodeIds[g]!.push(id);
      nodeRows[g]!.push(i);
    });
  }
  // edges of each graph as local indices; without a node table, ids are 0-based integers
  const ks = csvColumn(edges, src);
  const kt = csvColumn(edges, dst);
  const edgeRows: number[][] = Array.from({ length: G }, () => []);
  const srcs: number[][] = Array.from({ length: G }, () => []);
  const dsts: number[][] = Array.from({ length: G }, () => []);
  const counts = new Int32Array(G);
  edges.rows.forEach((r, i) => {
    const g = eg ? graphIndex.get(eg[i]!)! : 0;
    const ends = [r[ks]!.trim(), r[kt]!.trim()].map((id, side) => {
      if (nodes) {
        const v = idMaps[g]!.get(id);
        if (v === undefined)
          throw new DatasetFormatError(
            edges.file,
            edges.lines[i]!,
            `${side === 0 ? "source" : "target"} ${JSON.stringify(id)} is not a node id of ${names.nodes}${G > 1 ? ` (graph ${graphIds[g]})` : ""}`,
          );
        return v;
      }
      if (!/^\d+$/.test(id))
        throw new DatasetFormatError(
          edges.file,
          edges.lines[i]!,
          `column '${side === 0 ? src : dst}' expected a 0-based node number (no node table given), got ${JSON.stringify(id)}`,
        );
      const v = Number(id);
      impliedNodes(edges.file, edges.lines[i]!, v + 1, `node number ${v}`);
      counts[g] = Math.max(counts[g]!, v + 1);
      return v;
    });
    edgeRows[g]!.push(i);
    srcs[g]!.push(ends[0]!);
    dsts[g]!.push(ends[1]!);
  });
  if (!nodes) for (let g = 0; g < G; g++) nodeIds[g] = Array.from({ length: counts[g]! }, (_, i) => String(i));
  // labels
  let labels: { values: Float64Array; classes: string[] | null } | null = null;
  if (labelCol !== null && labelTable !== null) labels = readLabels(labelTable, labelCol, regression, opts.classes);
  const undirected = opts.undirected ?? true;
  const graphs: Graph[] = [];
  for (let g = 0; g < G; g++) {
    const N = nodeIds[g]!.length;
    const s = srcs[g]!;
    const t = dsts[g]!;
    const rows = edgeRows[g]!;
    const E0 = s.length;
    const both = undirected ? 2 : 1;
    const ei = new Int32Array(2 * both * E0);
    const E = both * E0;
    for (let e = 0; e < E0; e++) {
      ei[e] = s[e]!;
      ei[E + e] = t[e]!;
      if (undirected) {
        ei[E0 + e] = t[e]!;
        ei[E + E0 + e] = s[e]!;
      }
    }
    const graph = new Graph({ edgeIndex: new Tensor(ei, [2, E], "int32"), numNodes: N });
    if (nodes && features.length > 0)
      graph.x = new Tensor(featureMatrix(nodes, features, nodeRows[g]!), [N, features.length], "float32");
    else graph.x = new Tensor(new Float32Array(N).fill(1), [N, 1], "float32");
    const edgeCols = edgeFeatures.length > 0 ? edgeFeatures : weightCol !== undefined ? [weightCol] : [];
    if (edgeCols.length > 0) {
      const a = featureMatrix(edges, edgeCols, rows);
      const D = edgeCols.length;
      const full = new Float32Array(E * D);
      full.set(a);
      if (undirected) full.set(a, E0 * D);
      if (edgeFeatures.length > 0) graph.edgeAttr = new Tensor(full, [E, D], "float32");
      else graph.edgeWeight = new Tensor(full, [E], "float32");
    }
    if (labels !== null) {
      if (level === "node") {
        const v = nodeRows[g]!.map((r) => labels.values[r]!);
        graph.y = regression
          ? new Tensor(Float32Array.from(v), [N, 1], "float32")
          : new Tensor(Int32Array.from(v), [N], "int32");
      } else if (level === "edge") {
        graph.set("edgeLabelIndex", new Tensor(Int32Array.from([...s, ...t]), [2, E0], "int32"), "edge");
        const v = rows.map((r) => labels.values[r]!);
        graph.set(
          "edgeLabel",
          regression
            ? new Tensor(Float32Array.from(v), [E0, 1], "float32")
            : new Tensor(Int32Array.from(v), [E0], "int32"),
          "edge",
        );
      }
    } else if (level === "edge") {
      graph.set("edgeLabelIndex", new Tensor(Int32Array.from([...s, ...t]), [2, E0], "int32"), "edge");
    }
    graphs.push(graph);
  }
  if (level === "graph" && labels !== null && labelTable !== null) {
    // one label per graph: from the graph table (by graph id), or a column repeated on the node rows
    const rowOfGraph = new Map<number, number>();
    const gcol = graphCol !== undefined && labelTable.columns.includes(graphCol) ? csvColumn(labelTable, graphCol) : -1;
    labelTable.rows.forEach((r, i) => {
      const g = gcol >= 0 ? graphIndex.get(r[gcol]!.trim()) : i;
      if (g === undefined) return;
      const prev = rowOfGraph.get(g);
      if (prev !== undefined && labels.values[prev] !== labels.values[i])
        throw new DatasetFormatError(
          labelTable.file,
          labelTable.lines[i]!,
          `graph ${graphIds[g]} has two different labels`,
        );
      rowOfGraph.set(g, i);
    });
    graphs.forEach((graph, g) => {
      const r = rowOfGraph.get(g);
      if (r === undefined) throw new DatasetFormatError(labelTable.file, null, `graph ${graphIds[g]} has no label`);
      setGraphLabel(graph, labels.values[r]!, regression);
    });
  }
  let split: GivenSplit | null = null;
  if (splitCol !== undefined && labelTable?.columns.includes(splitCol)) {
    split = splitFromColumn(labelTable, splitCol);
    if (level === "node" && G === 1 && nodes) {
      // rows of the node table are the graph's nodes in order
    } else if (level === "graph" && labelTable !== graphsT) {
      throw new DatasetFormatError(labelTable.file, null, `graph tasks take the split column from the graph table`);
    }
  }
  const schema: GraphSchema = {
    task: opts.task,
    features: nodes && features.length > 0 ? features : ["constant"],
    edgeFeatures,
    label: labelCol,
    classes: labels?.classes ?? (opts.classes ? [...opts.classes] : null),
    targets: regression && labelCol !== null ? [labelCol] : null,
  };
  return { graphs, schema, nodeIds, graphIds, split };
}

/** Sets a graph-level label (a class id, or a vector of regression targets). */
export function setGraphLabel(graph: Graph, v: number | readonly number[], regression: boolean): void {
  if (regression) {
    const arr = typeof v === "number" ? [v] : [...v];
    graph.set("y", new Tensor(Float32Array.from(arr), [1, arr.length], "float32"), "graph");
  } else graph.set("y", new Tensor(Int32Array.of(typeof v === "number" ? v : v[0]!), [], "int32"), "graph");
}

const KEY_ALIASES: Record<string, string> = {
  edge_index: "edgeIndex",
  edge_attr: "edgeAttr",
  edge_weight: "edgeWeight",
  train_mask: "trainMask",
  val_mask: "valMask",
  test_mask: "testMask",
  edge_label_index: "edgeLabelIndex",
  edge_label: "edgeLabel",
};

function describeValue(v: unknown): string {
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (v === null) return "null";
  return Array.isArray(v) ? "an array" : typeof v;
}

/** A rectangular array of numbers (or booleans) from JSON; non-numbers are refused by position. */
function jsonArray(file: string, where: string, v: unknown): { data: number[]; shape: number[]; bool: boolean } {
  const shape: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const data: number[] = [];
  let bool = typeof cur === "boolean";
  const walk = (x: unknown, depth: number, path: number[]) => {
    if (depth === shape.length) {
      if (typeof x === "number" && Number.isFinite(x)) data.push(x);
      else if (typeof x === "boolean") data.push(x ? 1 : 0);
      else
        throw new DatasetFormatError(
          file,
          null,
          `${where}${path.map((p) => `[${p}]`).join("")} expected a finite number, got ${typeof x === "number" ? String(x) : describeValue(x)}`,
        );
      if (typeof x !== "boolean") bool = false;
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth])
      throw new DatasetFormatError(
        file,
        null,
        `${where}${path.map((p) => `[${p}]`).join("")} expected a rectangular array (length ${shape[depth]}), got ${Array.isArray(x) ? `length ${x.length}` : describeValue(x)}`,
      );
    x.forEach((e, i) => {
      walk(e, depth + 1, [...path, i]);
    });
  };
  walk(v, 0, []);
  return { data, shape, bool };
}

const INT_KEYS = new Set(["edgeIndex", "edgeLabelIndex", "z", "batch"]);
const BOOL_KEYS = new Set(["trainMask", "valMask", "testMask"]);

function graphFromJson(file: string, where: string, obj: unknown, regression: boolean, level: GraphTaskLevel): Graph {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj))
    throw new DatasetFormatError(file, null, `${where} expected a graph object, got ${describeValue(obj)}`);
  const rec = obj as Record<string, unknown>;
  if (Array.isArray(rec.nodes) && Array.isArray(rec.edges)) {
    return fromGraphology(rec as unknown as SerializedGraphology);
  }
  const g = new Graph();
  let numNodes: number | undefined;
  for (const [k0, v] of Object.entries(rec)) {
    const k = KEY_ALIASES[k0] ?? k0;
    if (k === "numNodes" || k === "num_nodes") {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
        throw new DatasetFormatError(
          file,
          null,
          `${where}.${k0} expected a non-negative integer, got ${describeValue(v)}`,
        );
      numNodes = v;
      continue;
    }
    if (k === "id" || k === "name" || k === "smiles") continue;
    const a = jsonArray(file, `${where}.${k0}`, v);
    const n = a.data.length;
    let t: Tensor;
    if (INT_KEYS.has(k)) {
      a.data.forEach((x, i) => {
        if (!Number.isInteger(x) || x < 0)
          throw new DatasetFormatError(
            file,
            null,
            `${where}.${k0} expected non-negative integers, got ${x} at flat position ${i}`,
          );
      });
      t = new Tensor(Int32Array.from(a.data), a.shape, "int32");
    } else if (BOOL_KEYS.has(k) || a.bool) t = new Tensor(Uint8Array.from(a.data), a.shape, "bool");
    else if (k === "y" && !regression && level !== "graph") t = new Tensor(Int32Array.from(a.data), a.shape, "int32");
    else t = new Tensor(Float32Array.from(a.data), a.shape, "float32");
    if (k === "y" && level === "graph") {
      if (regression) {
        const arr = Array.from(t.data);
        g.set("y", new Tensor(Float32Array.from(arr), [1, arr.length], "float32"), "graph");
      } else {
        if (n !== 1)
          throw new DatasetFormatError(file, null, `${where}.y expected one class per graph, got ${n} values`);
        g.set("y", new Tensor(Int32Array.of(a.data[0]!), [], "int32"), "graph");
      }
      continue;
    }
    if (k === "y" && regression && t.ndim === 1) t = t.reshape(t.shape[0]!, 1);
    if (k === "edgeIndex" && (t.ndim !== 2 || t.shape[0] !== 2))
      throw new DatasetFormatError(
        file,
        null,
        `${where}.${k0} expected [[sources...], [targets...]], got shape [${t.shape.join(", ")}]`,
      );
    g.set(k, t);
  }
  if (!g.has("edgeIndex")) g.edgeIndex = new Tensor(new Int32Array(0), [2, 0], "int32");
  const N =
    numNodes ??
    g.x?.shape[0] ??
    g.get("z")?.shape[0] ??
    g.pos?.shape[0] ??
    impliedNodes(file, null, maxId(g.edgeIndex) + 1, `${where}.edge_index (no x or num_nodes)`);
  if (numNodes !== undefined) impliedNodes(file, null, numNodes, `${where}.num_nodes`);
  const out = new Graph({ numNodes: N });
  for (const k of g.keys()) out.set(k, g.get(k), k === "y" && level === "graph" ? "graph" : undefined);
  if (out.x === null && out.get("z") === null) out.x = new Tensor(new Float32Array(N).fill(1), [N, 1], "float32");
  const ei = out.edgeIndex.data;
  for (let i = 0; i < ei.length; i++)
    if (ei[i]! >= N)
      throw new DatasetFormatError(file, null, `${where}.edge_index has node ${ei[i]} but the graph has ${N} nodes`);
  return out;
}

function maxId(ei: Tensor): number {
  let m = -1;
  for (let i = 0; i < ei.size; i++) m = Math.max(m, ei.data[i]!);
  return m;
}

/**
 * Reads graphs from JSON text: one PyG-style graph object (`x`, `edge_index` as
 * `[[sources], [targets]]`, `y`, `edge_attr`, `pos`, `z`, `train_mask`, ...; camelCase names work too),
 * an array of them, `{ "graphs": [...] }`, or a graphology export. Numbers only: a string or `null`
 * where a number belongs is an error naming its position. Class labels are integers (given `classes`
 * names them).
 */
export function readGraphJson(
  content: FileContent,
  opts: { task: UserGraphTask; file?: string; classes?: readonly string[]; features?: readonly string[] },
): UserGraphs {
  const file = opts.file ?? "graph.json";
  const { level, regression } = parseGraphTask(opts.task);
  let raw: unknown;
  try {
    raw = JSON.parse(asText(content, file));
  } catch (e) {
    if (e instanceof DatasetFormatError) throw e;
    throw new DatasetFormatError(file, null, `is not valid JSON (${(e as Error).message})`);
  }
  const list: unknown[] = Array.isArray(raw)
    ? raw
    : typeof raw === "object" && raw !== null && Array.isArray((raw as { graphs?: unknown }).graphs)
      ? (raw as { graphs: unknown[] }).graphs
      : [raw];
  const graphs = list.map((o, i) =>
    graphFromJson(file, list.length === 1 && !Array.isArray(raw) ? "graph" : `graphs[${i}]`, o, regression, level),
  );
  if (graphs.length === 0) throw new DatasetFormatError(file, null, "holds no graphs");
  const g0 = graphs[0]!;
  const F = g0.x?.ndim === 2 ? g0.x.shape[1]! : 0;
  let classes: string[] | null = opts.classes ? [...opts.classes] : null;
  if (!regression && classes === null) {
    let max = -1;
    for (const g of graphs) {
      const y = level === "edge" ? g.get("edgeLabel") : g.y;
      if (y !== null) for (let i = 0; i < y.size; i++) max = Math.max(max, y.data[i]!);
    }
    if (max >= READER_LIMITS.maxLabelRange)
      throw new DatasetFormatError(
        file,
        null,
        `class label ${max} is above the limit of ${READER_LIMITS.maxLabelRange - 1} (labels are 0-based class indices)`,
      );
    if (max >= 0) classes = Array.from({ length: max + 1 }, (_, c) => String(c));
  }
  const ids = (rec: unknown, i: number) => {
    const id = (rec as { id?: unknown; name?: unknown })?.id ?? (rec as { name?: unknown })?.name;
    return typeof id === "string" || typeof id === "number" ? String(id) : String(i);
  };
  return {
    graphs,
    schema: {
      task: opts.task,
      features: opts.features ? [...opts.features] : Array.from({ length: F }, (_, f) => `x${f}`),
      edgeFeatures: g0.edgeAttr ? Array.from({ length: g0.edgeAttr.shape[1] ?? 1 }, (_, f) => `edge_attr${f}`) : [],
      label: "y",
      classes,
      targets: regression ? ["y"] : null,
    },
    nodeIds: graphs.map((g) => Array.from({ length: g.numNodes }, (_, i) => String(i))),
    graphIds: list.map(ids),
    split: masksToSplit(graphs, level),
  };
}

function masksToSplit(graphs: Graph[], level: GraphTaskLevel): GivenSplit | null {
  if (level !== "node" || graphs.length !== 1) return null;
  const g = graphs[0]!;
  if (g.trainMask === null) return null;
  const idx = (m: Tensor | null) => {
    const out: number[] = [];
    if (m !== null) for (let i = 0; i < m.size; i++) if (m.data[i]) out.push(i);
    return Int32Array.from(out);
  };
  return { train: idx(g.trainMask), val: idx(g.valMask), test: idx(g.testMask) };
}

/** Attribute level of a graph key (for users' JSON: `edgeLabel*` are edge level). */
export function userAttrLevel(key: string): AttrLevel | undefined {
  return key.startsWith("edgeLabel") ? "edge" : undefined;
}

/**
 * A seeded random split of `n` items into train / val / test by fractions (default 0.8 / 0.1 / 0.1).
 * With `stratify` labels, each class is split by the same fractions.
 */
export function randomSplit(
  n: number,
  opts: { seed?: number; fractions?: readonly [number, number, number]; stratify?: ArrayLike<number> } = {},
): GivenSplit {
  const [ft, fv] = opts.fractions ?? [0.8, 0.1, 0.1];
  const gen = new Generator(opts.seed ?? 0);
  const groups: number[][] = [];
  if (opts.stratify) {
    const by = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const y = opts.stratify[i]!;
      let g = by.get(y);
      if (g === undefined) by.set(y, (g = []));
      g.push(i);
    }
    for (const k of [...by.keys()].sort((a, b) => a - b)) groups.push(by.get(k)!);
  } else groups.push(Array.from({ length: n }, (_, i) => i));
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  for (const members of groups) {
    gen.shuffle(members);
    const m = members.length;
    const nt = Math.round(ft * m);
    const nv = Math.round(fv * m);
    members.forEach((v, j) => {
      (j < nt ? train : j < nt + nv ? val : test).push(v);
    });
  }
  const s = (a: number[]) => Int32Array.from(a).sort();
  return { train: s(train), val: s(val), test: s(test) };
}
