/**
 * TU Dortmund graph-classification datasets (Morris et al. 2020) from their text format: `<name>_A.txt`
 * (edges as 1-based `i, j` node ids), `_graph_indicator.txt` (graph id of every node, 1-based),
 * `_graph_labels.txt`, and optionally `_node_labels.txt`, `_node_attributes.txt`, `_edge_labels.txt`,
 * `_edge_attributes.txt`, `_graph_attributes.txt`. Processing follows PyTorch Geometric's `TUDataset`:
 * node and edge labels are shifted to start at 0 and one-hot encoded, graph labels are remapped to
 * `0..C-1` in sorted order, self-loops are removed and duplicate edges merged. Browser-safe: give it
 * the decompressed text; `loadTUDataset` in `erlangen/node` reads the gzipped files.
 */
import { Graph } from "../../domains/graph/graph.js";
import { coalesce, removeSelfLoops } from "../../domains/graph/utils.js";
import { opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { GraphDataset } from "../dataset.js";
import { asText, checkValueCount, DatasetFormatError, type FileContent, READER_LIMITS } from "./common.js";

/** The file kinds of the TU format (file `<name>_<kind>.txt`). */
export type TUFileKind =
  | "A"
  | "graph_indicator"
  | "graph_labels"
  | "node_labels"
  | "node_attributes"
  | "edge_labels"
  | "edge_attributes"
  | "graph_attributes";

/** All kinds, required ones first. */
export const TU_FILE_KINDS: readonly TUFileKind[] = [
  "A",
  "graph_indicator",
  "graph_labels",
  "node_labels",
  "node_attributes",
  "edge_labels",
  "edge_attributes",
  "graph_attributes",
];

/** One cross-validation fold (0-based graph indices). */
export interface TUFold {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
}

/** Options of {@link parseTUDataset} (and `loadTUDataset`). */
export interface TUOptions {
  /** Put the continuous node attributes before the one-hot node labels in `x` (default false, like PyG). */
  useNodeAttr?: boolean;
  /** Put the continuous edge attributes before the one-hot edge labels in `edgeAttr` (default false). */
  useEdgeAttr?: boolean;
  /** File names used in error messages (default `<name>_<kind>.txt`). */
  fileNames?: Partial<Record<TUFileKind, string>>;
}

/** A parsed TU dataset. */
export interface TUDataset {
  name: string;
  /** The graphs; `y` is an int32 scalar class id (or float `[T]` regression targets from graph attributes without labels). */
  graphs: Graph[];
  /** The same graphs as a {@link GraphDataset} (for `DataLoader` and subsets). */
  dataset: GraphDataset;
  /** Number of graph classes (0 without graph labels). */
  numClasses: number;
  /** Width of `x` (0 when the dataset has no node labels or attributes). */
  numFeatures: number;
  /** Width of the one-hot node labels in `x`. */
  numNodeLabels: number;
  /** Number of continuous node attributes in the files (in `x` only with `useNodeAttr`). */
  numNodeAttributes: number;
  /** Width of `edgeAttr` (0 without). */
  numEdgeFeatures: number;
  /** Original graph label of each class id. */
  classValues: number[];
  /** The 10-fold splits, when a splits file was given. */
  folds?: TUFold[];
}

interface Table {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** A value quoted for an error message (long ones cut). */
function quote(s: string): string {
  return `'${s.length > 40 ? `${s.slice(0, 40)}…` : s}'`;
}

const DECIMAL_INT = /^[-+]?\d+$/;
const DECIMAL_NUM = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Parses comma-separated numbers, one row per line, with file/line errors. Integers must be written in
 * decimal and be safe integers; numbers must be finite decimals (`0x10`, `Infinity`, `NaN` are refused).
 */
function parseTable(text: string, file: string, opts: { integer: boolean; cols?: number }): Table {
  const lines = text.split("\n");
  let last = lines.length;
  while (last > 0 && lines[last - 1]!.trim() === "") last--;
  let cols = opts.cols ?? -1;
  const out = new Float64Array(Math.max(last, 1) * (cols > 0 ? cols : 1) * 1);
  let data = out;
  for (let i = 0; i < last; i++) {
    const line = lines[i]!;
    const parts = line.split(",");
    if (cols < 0) {
      cols = parts.length;
      if (cols !== 1) data = new Float64Array(last * cols);
    }
    if (parts.length !== cols)
      throw new DatasetFormatError(
        file,
        i + 1,
        `expected ${cols} comma-separated ${opts.integer ? "integers" : "numbers"}, got ${parts.length} in ${quote(line.trim())}`,
      );
    for (let c = 0; c < cols; c++) {
      const s = parts[c]!.trim();
      const v = Number(s);
      const ok = opts.integer
        ? DECIMAL_INT.test(s) && Number.isSafeInteger(v)
        : DECIMAL_NUM.test(s) && Number.isFinite(v);
      if (!ok) {
        throw new DatasetFormatError(
          file,
          i + 1,
          `expected ${opts.integer ? "a decimal integer (at most 2^53 - 1 in magnitude)" : "a finite decimal number"}, got ${quote(s)}`,
        );
      }
      data[i * cols + c] = v;
    }
  }
  return { data: data.subarray(0, last * Math.max(cols, 0)), rows: last, cols: Math.max(cols, 0) };
}

/**
 * One-hot encodes integer label columns after subtracting each column's minimum (PyG). The label range
 * of a column is limited to {@link READER_LIMITS}`.maxLabelRange` and the result to `.maxValues`.
 */
function oneHotColumns(t: Table, file: string): { data: Float32Array; width: number } {
  const mins: number[] = [];
  const widths: number[] = [];
  for (let c = 0; c < t.cols; c++) {
    let mn = Infinity;
    let mx = -Infinity;
    let rMin = 0;
    let rMax = 0;
    for (let r = 0; r < t.rows; r++) {
      const v = t.data[r * t.cols + c]!;
      if (v < mn) {
        mn = v;
        rMin = r;
      }
      if (v > mx) {
        mx = v;
        rMax = r;
      }
    }
    const w = t.rows === 0 ? 0 : mx - mn + 1;
    if (w > READER_LIMITS.maxLabelRange) {
      // blame the label further from the column's first value (the outlier, in a file of small ids)
      const first = t.data[c]!;
      const bad = Math.abs(mx - first) >= Math.abs(mn - first) ? rMax : rMin;
      throw new DatasetFormatError(
        file,
        bad + 1,
        `label ${t.data[bad * t.cols + c]}${t.cols > 1 ? ` (column ${c + 1})` : ""} makes the labels span [${mn}, ${mx}], a one-hot encoding ${w} wide; the limit is ${READER_LIMITS.maxLabelRange} (labels are expected to be small class ids)`,
      );
    }
    mins.push(t.rows === 0 ? 0 : mn);
    widths.push(w);
  }
  const width = widths.reduce((a, b) => a + b, 0);
  checkValueCount(file, null, `the one-hot encoding of ${t.rows} rows × ${width} label values`, t.rows * width);
  const data = new Float32Array(t.rows * width);
  for (let r = 0; r < t.rows; r++) {
    let off = 0;
    for (let c = 0; c < t.cols; c++) {
      data[r * width + off + (t.data[r * t.cols + c]! - mins[c]!)] = 1;
      off += widths[c]!;
    }
  }
  return { data, width };
}

/** Concatenates row-major float blocks side by side. */
function hcat(
  rows: number,
  blocks: { data: ArrayLike<number>; width: number }[],
): { data: Float32Array; width: number } {
  const width = blocks.reduce((a, b) => a + b.width, 0);
  const data = new Float32Array(rows * width);
  let off = 0;
  for (const b of blocks) {
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < b.width; c++) data[r * width + off + c] = b.data[r * b.width + c]!;
    off += b.width;
  }
  return { data, width };
}

/** Parses `splits_10fold.json` (Errica et al.: `[{test, model_selection: [{train, validation}]}]`). */
export function parseTUSplits(content: FileContent, file = "splits_10fold.json", numGraphs?: number): TUFold[] {
  let raw: unknown;
  try {
    raw = JSON.parse(asText(content, file));
  } catch (e) {
    if (e instanceof DatasetFormatError) throw e;
    throw new DatasetFormatError(file, null, `invalid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new DatasetFormatError(file, null, "expected a JSON array of folds");
  const ids = (v: unknown, where: string): Int32Array => {
    if (!Array.isArray(v)) throw new DatasetFormatError(file, null, `${where}: expected an array of graph indices`);
    const out = Int32Array.from(v as number[]);
    for (let i = 0; i < out.length; i++) {
      const x = (v as unknown[])[i];
      if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || (numGraphs !== undefined && x >= numGraphs)) {
        throw new DatasetFormatError(
          file,
          null,
          `${where}[${i}]: expected a graph index in [0, ${numGraphs ?? "∞"}), got ${JSON.stringify(x)}`,
        );
      }
    }
    return out;
  };
  return raw.map((f: { test?: unknown; model_selection?: { train?: unknown; validation?: unknown }[] }, k) => {
    const ms = f?.model_selection?.[0];
    if (ms === undefined) throw new DatasetFormatError(file, null, `fold ${k}: missing model_selection[0]`);
    return {
      train: ids(ms.train, `fold ${k} train`),
      val: ids(ms.validation, `fold ${k} validation`),
      test: ids(f.test, `fold ${k} test`),
    };
  });
}

/**
 * Parses a TU dataset from the text of its files (keys are the {@link TUFileKind}s; `A`,
 * `graph_indicator` and `graph_labels` or `graph_attributes` are required). Optional `splits` is the
 * content of `splits_10fold.json`. Malformed files throw a {@link DatasetFormatError} naming the file
 * and line.
 */
export function parseTUDataset(
  name: string,
  files: Partial<Record<TUFileKind, FileContent>>,
  opts: TUOptions & { splits?: FileContent; splitsFile?: string } = {},
): TUDataset {
  const fname = (k: TUFileKind) => opts.fileNames?.[k] ?? `${name}_${k}.txt`;
  const text = (k: TUFileKind): string | null => {
    const c = files[k];
    return c === undefined ? null : asText(c, fname(k));
  };
  const need = (k: TUFileKind): string => {
    const t = text(k);
    if (t === null) opError("parseTUDataset", "files", `the file ${fname(k)}`, "none");
    return t;
  };

  // graph targets (first: their count bounds the graph ids)
  let yAll:
    | { kind: "class"; ids: Int32Array; values: number[] }
    | { kind: "reg"; data: Float64Array; cols: number }
    | null = null;
  let numTargets = 0;
  const gl = text("graph_labels");
  if (gl !== null) {
    const t = parseTable(gl, fname("graph_labels"), { integer: true, cols: 1 });
    const values = [...new Set(t.data)].sort((a, b) => a - b);
    const map = new Map(values.map((v, i) => [v, i]));
    yAll = { kind: "class", ids: Int32Array.from(t.data, (v) => map.get(v)!), values };
    numTargets = t.rows;
  } else {
    const ga = text("graph_attributes");
    if (ga === null)
      opError("parseTUDataset", "files", `${fname("graph_labels")} or ${fname("graph_attributes")}`, "neither");
    const t = parseTable(ga, fname("graph_attributes"), { integer: false });
    yAll = { kind: "reg", data: t.data, cols: t.cols };
    numTargets = t.rows;
  }
  const targetsFile = fname(gl !== null ? "graph_labels" : "graph_attributes");

  // nodes -> graphs
  const gi = parseTable(need("graph_indicator"), fname("graph_indicator"), { integer: true, cols: 1 });
  const N = gi.rows;
  const batch = new Int32Array(N);
  let G = 0;
  for (let i = 0; i < N; i++) {
    const g = gi.data[i]! - 1;
    if (g < 0) throw new DatasetFormatError(fname("graph_indicator"), i + 1, `graph ids start at 1, got ${g + 1}`);
    if (g >= numTargets)
      throw new DatasetFormatError(
        fname("graph_indicator"),
        i + 1,
        `graph id ${g + 1} exceeds the ${numTargets} graphs of ${targetsFile} (one line per graph)`,
      );
    if (i > 0 && g < batch[i - 1]!)
      throw new DatasetFormatError(
        fname("graph_indicator"),
        i + 1,
        `graph ids must be non-decreasing (nodes of a graph are contiguous), got ${g + 1} after ${batch[i - 1]! + 1}`,
      );
    batch[i] = g;
    if (g + 1 > G) G = g + 1;
  }
  const nodePtr = new Int32Array(G + 1);
  for (let i = 0; i < N; i++) nodePtr[batch[i]! + 1]!++;
  for (let g = 0; g < G; g++) nodePtr[g + 1]! += nodePtr[g]!;
  if (numTargets !== G)
    throw new DatasetFormatError(targetsFile, null, `expected ${G} lines (one per graph), got ${numTargets}`);

  // edges
  const aFile = fname("A");
  const A = parseTable(need("A"), aFile, { integer: true, cols: 2 });
  const E0 = A.rows;
  const ei = new Int32Array(2 * E0);
  for (let e = 0; e < E0; e++) {
    const s = A.data[2 * e]! - 1;
    const t = A.data[2 * e + 1]! - 1;
    for (const v of [s, t]) {
      if (v < 0 || v >= N)
        throw new DatasetFormatError(
          aFile,
          e + 1,
          `node id ${v + 1} is outside [1, ${N}] (${N} nodes in ${fname("graph_indicator")})`,
        );
    }
    if (batch[s] !== batch[t])
      throw new DatasetFormatError(
        aFile,
        e + 1,
        `edge (${s + 1}, ${t + 1}) joins graphs ${batch[s]! + 1} and ${batch[t]! + 1}`,
      );
    ei[e] = s;
    ei[E0 + e] = t;
  }

  // node features: [attributes | one-hot labels]
  const perNodeTable = (k: TUFileKind, integer: boolean): Table | null => {
    const t = text(k);
    if (t === null) return null;
    const tab = parseTable(t, fname(k), { integer });
    if (tab.rows !== N)
      throw new DatasetFormatError(
        fname(k),
        null,
        `expected ${N} lines (one per node, as in ${fname("graph_indicator")}), got ${tab.rows}`,
      );
    return tab;
  };
  const perEdgeTable = (k: TUFileKind, integer: boolean): Table | null => {
    const t = text(k);
    if (t === null) return null;
    const tab = parseTable(t, fname(k), { integer });
    if (tab.rows !== E0)
      throw new DatasetFormatError(fname(k), null, `expected ${E0} lines (one per line of ${aFile}), got ${tab.rows}`);
    return tab;
  };
  const nodeAttr = perNodeTable("node_attributes", false);
  const nodeLab = perNodeTable("node_labels", true);
  const edgeAttrT = perEdgeTable("edge_attributes", false);
  const edgeLab = perEdgeTable("edge_labels", true);
  const nodeBlocks: { data: ArrayLike<number>; width: number }[] = [];
  if (nodeAttr !== null && opts.useNodeAttr) nodeBlocks.push({ data: nodeAttr.data, width: nodeAttr.cols });
  const nodeOneHot = nodeLab === null ? null : oneHotColumns(nodeLab, fname("node_labels"));
  if (nodeOneHot !== null) nodeBlocks.push(nodeOneHot);
  const x = nodeBlocks.length === 0 ? null : hcat(N, nodeBlocks);
  const edgeBlocks: { data: ArrayLike<number>; width: number }[] = [];
  if (edgeAttrT !== null && opts.useEdgeAttr) edgeBlocks.push({ data: edgeAttrT.data, width: edgeAttrT.cols });
  if (edgeLab !== null) edgeBlocks.push(oneHotColumns(edgeLab, fname("edge_labels")));
  const ea = edgeBlocks.length === 0 ? null : hcat(E0, edgeBlocks);

  // remove self-loops, merge duplicates (attributes summed, as PyG's coalesce)
  let edgeIndex = new Tensor(ei, [2, E0], "int32");
  let edgeAttr = ea === null ? null : new Tensor(ea.data, [E0, ea.width], "float32");
  ({ edgeIndex, edgeAttr } = removeSelfLoops(edgeIndex, edgeAttr));
  ({ edgeIndex, edgeAttr } = coalesce(edgeIndex, { edgeAttr, numNodes: N }));
  const E = edgeIndex.shape[1]!;
  const ed = edgeIndex.data as Int32Array;

  // split into graphs (edges are sorted by source, and graphs are contiguous in node ids)
  const graphs: Graph[] = [];
  const F = x?.width ?? 0;
  const D = edgeAttr === null ? 0 : edgeAttr.shape[1]!;
  let e0 = 0;
  for (let g = 0; g < G; g++) {
    const a = nodePtr[g]!;
    const b = nodePtr[g + 1]!;
    let e1 = e0;
    while (e1 < E && ed[e1]! < b) e1++;
    const m = e1 - e0;
    const local = new Int32Array(2 * m);
    for (let k = 0; k < m; k++) {
      local[k] = ed[e0 + k]! - a;
      local[m + k] = ed[E + e0 + k]! - a;
    }
    const graph = new Graph({ edgeIndex: new Tensor(local, [2, m], "int32"), numNodes: b - a });
    if (x !== null) graph.x = new Tensor(x.data.slice(a * F, b * F), [b - a, F], "float32");
    if (edgeAttr !== null)
      graph.edgeAttr = new Tensor((edgeAttr.data as Float32Array).slice(e0 * D, e1 * D), [m, D], "float32");
    if (yAll.kind === "class") graph.y = new Tensor(new Int32Array([yAll.ids[g]!]), [], "int32");
    else
      graph.set(
        "y",
        new Tensor(Float32Array.from(yAll.data.subarray(g * yAll.cols, (g + 1) * yAll.cols)), [yAll.cols], "float32"),
        "graph",
      );
    graphs.push(graph);
    e0 = e1;
  }

  const out: TUDataset = {
    name,
    graphs,
    dataset: new GraphDataset(graphs),
    numClasses: yAll.kind === "class" ? yAll.values.length : 0,
    numFeatures: F,
    numNodeLabels: nodeOneHot?.width ?? 0,
    numNodeAttributes: nodeAttr?.cols ?? 0,
    numEdgeFeatures: D,
    classValues: yAll.kind === "class" ? yAll.values : [],
  };
  if (opts.splits !== undefined) out.folds = parseTUSplits(opts.splits, opts.splitsFile ?? "splits_10fold.json", G);
  return out;
}
