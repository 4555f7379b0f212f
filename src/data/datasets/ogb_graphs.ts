/** OGB's raw graph-property layout (edge.csv, num-node-list.csv, …) read into users' graphs. */
import { Graph } from "../../domains/graph/graph.js";
import { ErlangenError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { DatasetFormatError, type FileContent } from "./common.js";
import { parseCsv, parseNumberCell } from "./csv.js";
import { impliedNodes, parseGraphTask, setGraphLabel, type UserGraphs, type UserGraphTask } from "./user_graphs.js";

/** The files of OGB's raw layout (each as CSV text or bytes without a header; gunzip `.csv.gz` first). */
export interface OgbFiles {
  edge: FileContent;
  nodeFeat?: FileContent;
  edgeFeat?: FileContent;
  nodeLabel?: FileContent;
  graphLabel?: FileContent;
  /** Graph property prediction: node and edge counts per graph. */
  numNodeList?: FileContent;
  numEdgeList?: FileContent;
  /** `split/<name>/{train,valid,test}.csv`: indices. */
  train?: FileContent;
  valid?: FileContent;
  test?: FileContent;
}

function numberRows(content: FileContent, file: string): Float64Array[] {
  const t = parseCsv(content, { header: false, file });
  return t.rows.map((r, i) =>
    Float64Array.from(r, (c, k) => parseNumberCell(c, { file, line: t.lines[i]!, column: String(k) }, true)),
  );
}

function indexList(content: FileContent, file: string, n: number): Int32Array {
  const rows = numberRows(content, file);
  return Int32Array.from(rows, (r, i) => {
    const v = r[0]!;
    if (!Number.isInteger(v) || v < 0 || v >= n)
      throw new DatasetFormatError(file, i + 1, `expected an index in [0, ${n}), got ${v}`);
    return v;
  });
}

/**
 * Reads OGB's raw CSV layout (node property prediction: one graph with `node-label.csv`; graph
 * property prediction: `num-node-list.csv`, `num-edge-list.csv` and `graph-label.csv`). Edges are
 * added in both directions unless `undirected` is false (OGB's files list each undirected edge once
 * for ogbn-arxiv-like graphs and both ways for molecules; set it to match your data).
 */
export function readOgbGraphs(files: OgbFiles, opts: { task: UserGraphTask; undirected?: boolean }): UserGraphs {
  const { level, regression } = parseGraphTask(opts.task);
  if (level === "edge")
    throw new ErlangenError("readOgbGraphs: edge tasks are not read from OGB's layout (use readGraphCsv)");
  const edges = numberRows(files.edge, "edge.csv");
  const nodeFeat = files.nodeFeat ? numberRows(files.nodeFeat, "node-feat.csv") : null;
  const edgeFeat = files.edgeFeat ? numberRows(files.edgeFeat, "edge-feat.csv") : null;
  const counts = (content: FileContent | undefined, file: string) =>
    content === undefined
      ? null
      : numberRows(content, file).map((r, i) =>
          impliedNodes(file, i + 1, r[0]!, file === "num-node-list.csv" ? "the count" : "the edge count"),
        );
  const nn = counts(files.numNodeList, "num-node-list.csv");
  const ne = counts(files.numEdgeList, "num-edge-list.csv");
  if ((nn === null) !== (ne === null))
    throw new ErlangenError("readOgbGraphs: num-node-list.csv and num-edge-list.csv come together");
  let maxEdgeId = -1;
  for (const e of edges) maxEdgeId = Math.max(maxEdgeId, e[0]!, e[1]!);
  const totalNodes = impliedNodes(
    "num-node-list.csv",
    null,
    nn ? nn.reduce((a, b) => a + b, 0) : (nodeFeat?.length ?? maxEdgeId + 1),
    nn ? "the sum of the counts" : "the largest node id in edge.csv",
  );
  const nodeCounts = nn ?? [totalNodes];
  const edgeCounts = ne ?? [edges.length];
  if (edgeCounts.reduce((a, b) => a + b, 0) !== edges.length)
    throw new DatasetFormatError(
      "num-edge-list.csv",
      null,
      `counts sum to ${edgeCounts.reduce((a, b) => a + b, 0)}, edge.csv has ${edges.length} rows`,
    );
  if (nodeFeat && nodeFeat.length !== totalNodes)
    throw new DatasetFormatError(
      "node-feat.csv",
      null,
      `has ${nodeFeat.length} rows, expected ${totalNodes} (one per node)`,
    );
  const F = nodeFeat?.[0]?.length ?? 0;
  const D = edgeFeat?.[0]?.length ?? 0;
  const undirected = opts.undirected ?? true;
  const graphs: Graph[] = [];
  let nOff = 0;
  let eOff = 0;
  nodeCounts.forEach((N, g) => {
    const E0 = edgeCounts[g]!;
    const both = undirected ? 2 : 1;
    const E = both * E0;
    const ei = new Int32Array(2 * E);
    for (let e = 0; e < E0; e++) {
      const row = edges[eOff + e]!;
      // OGB's edge indices are local to each graph in graph datasets
      const [s, t] = [row[0]!, row[1]!];
      for (const [v, side] of [
        [s, "source"],
        [t, "target"],
      ] as const) {
        if (!Number.isInteger(v) || v < 0 || v >= N)
          throw new DatasetFormatError("edge.csv", eOff + e + 1, `${side} ${v} is outside the graph's ${N} nodes`);
      }
      ei[e] = s;
      ei[E + e] = t;
      if (undirected) {
        ei[E0 + e] = t;
        ei[E + E0 + e] = s;
      }
    }
    const graph = new Graph({ edgeIndex: new Tensor(ei, [2, E], "int32"), numNodes: N });
    if (nodeFeat) {
      const x = new Float32Array(N * F);
      for (let i = 0; i < N; i++) x.set(nodeFeat[nOff + i]!, i * F);
      graph.x = new Tensor(x, [N, F], "float32");
    } else graph.x = new Tensor(new Float32Array(N).fill(1), [N, 1], "float32");
    if (edgeFeat) {
      const a = new Float32Array(E * D);
      for (let e = 0; e < E0; e++) {
        a.set(edgeFeat[eOff + e]!, e * D);
        if (undirected) a.set(edgeFeat[eOff + e]!, (E0 + e) * D);
      }
      graph.edgeAttr = new Tensor(a, [E, D], "float32");
    }
    graphs.push(graph);
    nOff += N;
    eOff += E0;
  });
  let classes: string[] | null = null;
  const labelFile = level === "node" ? files.nodeLabel : files.graphLabel;
  if (labelFile !== undefined) {
    const name = level === "node" ? "node-label.csv" : "graph-label.csv";
    const rows = numberRows(labelFile, name);
    const want = level === "node" ? totalNodes : graphs.length;
    if (rows.length !== want) throw new DatasetFormatError(name, null, `has ${rows.length} rows, expected ${want}`);
    if (!regression) {
      let max = 0;
      rows.forEach((r, i) => {
        const v = r[0]!;
        if (!Number.isInteger(v) || v < 0 || v >= 65536)
          throw new DatasetFormatError(name, i + 1, `expected a class index in [0, 65536), got ${v}`);
        max = Math.max(max, v);
      });
      classes = Array.from({ length: max + 1 }, (_, c) => String(c));
    }
    if (level === "node") {
      const g = graphs[0]!;
      g.y = regression
        ? new Tensor(Float32Array.from(rows.flatMap((r) => [...r])), [totalNodes, rows[0]?.length ?? 1], "float32")
        : new Tensor(
            Int32Array.from(rows, (r) => r[0]!),
            [totalNodes],
            "int32",
          );
    } else
      graphs.forEach((g, i) => {
        setGraphLabel(g, regression ? [...rows[i]!] : rows[i]![0]!, regression);
      });
  }
  const n = level === "node" ? totalNodes : graphs.length;
  const split =
    files.train && files.valid && files.test
      ? {
          train: indexList(files.train, "train.csv", n),
          val: indexList(files.valid, "valid.csv", n),
          test: indexList(files.test, "test.csv", n),
        }
      : null;
  return {
    graphs,
    schema: {
      task: opts.task,
      features: nodeFeat ? Array.from({ length: F }, (_, f) => `feat_${f}`) : ["constant"],
      edgeFeatures: Array.from({ length: D }, (_, f) => `edge_feat_${f}`),
      label: labelFile ? (level === "node" ? "node-label" : "graph-label") : null,
      classes,
      targets: regression ? ["target"] : null,
    },
    nodeIds:
      level === "node"
        ? [Array.from({ length: totalNodes }, (_, i) => String(i))]
        : graphs.map((g) => Array.from({ length: g.numNodes }, (_, i) => String(i))),
    graphIds: graphs.map((_, i) => String(i)),
    split,
  };
}

// ---- JSON ------------------------------------------------------------------------------------------
