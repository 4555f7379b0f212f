/**
 * Planetoid citation graphs (Cora, CiteSeer, PubMed; Yang et al. 2016, public split) from the shipped
 * binary arrays: `meta.json` describes each little-endian array (`edge_index.i32.bin [2, E]`,
 * `y.i32.bin`, `{train,val,test}_mask.u8.bin`, and the CSR features `x_indptr`, `x_indices`,
 * `x_data`). This parser takes bytes, so it runs in browsers; `loadPlanetoid` in `erlangen/node`
 * reads the files.
 */
import { Graph } from "../../domains/graph/graph.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { SparseMatrix } from "../../tensor/sparse.js";
import { Tensor } from "../../tensor/tensor.js";
import { asText, bytesTo, DatasetFormatError, type FileContent } from "./common.js";

/** Names of the Planetoid graphs. */
export type PlanetoidName = "cora" | "citeseer" | "pubmed";

/** One array entry of `meta.json`. */
export interface PlanetoidArrayMeta {
  file: string;
  dtype: "int32" | "float32" | "uint8";
  shape: number[];
  bytes?: number;
}

/** The fields of `meta.json` the parser uses. */
export interface PlanetoidMeta {
  name: string;
  num_nodes: number;
  num_features: number;
  num_classes: number;
  features_available: boolean;
  arrays: Record<string, PlanetoidArrayMeta>;
}

/** Options of {@link parsePlanetoid} (and `loadPlanetoid`). */
export interface PlanetoidOptions {
  /**
   * Node features to use instead of the shipped ones (required for PubMed, whose features are not
   * available offline): a dense `[N, F]` tensor or a sparse matrix.
   */
  features?: Tensor | SparseMatrix;
  /** Return the graph with `x = null` when the features are missing instead of throwing (default false). */
  allowMissingFeatures?: boolean;
  /** Keep the shipped features sparse in `graph.xSparse` (x = null) instead of a dense float32 `x` (default false). */
  sparseFeatures?: boolean;
}

/** Published sizes of the Planetoid graphs (nodes, directed edges, features, classes). */
export const PLANETOID_STATS: Readonly<
  Record<PlanetoidName, { numNodes: number; numEdges: number; numFeatures: number; numClasses: number }>
> = {
  cora: { numNodes: 2708, numEdges: 10556, numFeatures: 1433, numClasses: 7 },
  citeseer: { numNodes: 3327, numEdges: 9104, numFeatures: 3703, numClasses: 6 },
  pubmed: { numNodes: 19717, numEdges: 88648, numFeatures: 500, numClasses: 3 },
};

/** Parses `meta.json` (text, bytes or an already parsed object). */
export function parsePlanetoidMeta(content: FileContent | PlanetoidMeta, file = "meta.json"): PlanetoidMeta {
  let meta: PlanetoidMeta;
  if (typeof content === "object" && !(content instanceof Uint8Array)) meta = content;
  else {
    try {
      meta = JSON.parse(asText(content, file)) as PlanetoidMeta;
    } catch (e) {
      if (e instanceof DatasetFormatError) throw e;
      throw new DatasetFormatError(file, null, `invalid JSON (${(e as Error).message})`);
    }
  }
  if (
    typeof meta !== "object" ||
    meta === null ||
    typeof meta.num_nodes !== "number" ||
    typeof meta.arrays !== "object"
  ) {
    throw new DatasetFormatError(file, null, "expected an object with num_nodes, num_classes and arrays");
  }
  return meta;
}

/**
 * Builds the Planetoid graph from `meta.json` and the array files (keyed by the array names of
 * `meta.arrays`: `edge_index`, `y`, `train_mask`, `val_mask`, `test_mask`, and `x_indptr`,
 * `x_indices`, `x_data` when features are available). Array sizes are checked against `meta.json`.
 *
 * Returns the graph with `x` (or `xSparse`), `edgeIndex`, `y` (int32 class ids) and the bool masks
 * `trainMask`, `valMask`, `testMask`. Features: dense float32 `x` by default; `sparseFeatures` keeps them in `graph.xSparse`; a missing
 * feature matrix (PubMed) throws unless `features` is given or `allowMissingFeatures` is set.
 */
export function parsePlanetoid(
  metaContent: FileContent | PlanetoidMeta,
  arrays: Record<string, Uint8Array>,
  opts: PlanetoidOptions = {},
): Graph {
  const meta = parsePlanetoidMeta(metaContent);
  const N = meta.num_nodes;
  const read = <T extends Int32Array | Float32Array | Uint8Array>(
    name: string,
    ctor: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  ): { data: T; shape: number[] } => {
    const m = meta.arrays[name];
    if (m === undefined) throw new DatasetFormatError("meta.json", null, `no entry for array '${name}'`);
    const bytes = arrays[name];
    if (bytes === undefined) opError("parsePlanetoid", "arrays", `the bytes of '${name}' (${m.file})`, "none");
    let n = 1;
    for (const d of m.shape) n *= d;
    return { data: bytesTo(ctor, bytes, m.file, n), shape: m.shape };
  };
  const ei = read("edge_index", Int32Array);
  if (ei.shape.length !== 2 || ei.shape[0] !== 2)
    throw new DatasetFormatError("meta.json", null, `edge_index expected shape [2, E], got ${fmtShape(ei.shape)}`);
  const E = ei.shape[1]!;
  for (let i = 0; i < 2 * E; i++) {
    const v = ei.data[i]!;
    if (v < 0 || v >= N) {
      throw new DatasetFormatError(
        meta.arrays.edge_index!.file,
        null,
        `node id ${v} of edge ${i % E} is outside [0, ${N}) (numNodes = ${N})`,
      );
    }
  }
  const y = read("y", Int32Array);
  const mask = (k: string) => new Tensor(read(k, Uint8Array).data, [N], "bool");
  const graph = new Graph({
    edgeIndex: new Tensor(ei.data, [2, E], "int32"),
    y: new Tensor(y.data, [N], "int32"),
    trainMask: mask("train_mask"),
    valMask: mask("val_mask"),
    testMask: mask("test_mask"),
    numNodes: N,
  });

  if (opts.features !== undefined) {
    const f = opts.features;
    const rows = f.shape[0];
    if (f.shape.length !== 2 || rows !== N)
      opError("loadPlanetoid", "features", `a [${N}, F] matrix (one row per node)`, fmtShape(f.shape));
    if (f instanceof SparseMatrix) graph.xSparse = f;
    else graph.x = f;
  } else if (meta.features_available && meta.arrays.x_indptr !== undefined) {
    const indptr = read("x_indptr", Int32Array).data;
    const indices = read("x_indices", Int32Array).data;
    const values = read("x_data", Float32Array).data;
    const F = meta.num_features;
    if (indptr.length !== N + 1 || indptr[N] !== indices.length || indices.length !== values.length) {
      throw new DatasetFormatError(
        meta.arrays.x_indptr!.file,
        null,
        `inconsistent CSR features: indptr length ${indptr.length} (expected ${N + 1}), last offset ${indptr[N]}, ${indices.length} indices, ${values.length} values`,
      );
    }
    for (let i = 0; i < N; i++) {
      if (indptr[i + 1]! < indptr[i]!)
        throw new DatasetFormatError(meta.arrays.x_indptr!.file, null, `offsets decrease at row ${i}`);
    }
    for (let k = 0; k < indices.length; k++) {
      if (indices[k]! < 0 || indices[k]! >= F)
        throw new DatasetFormatError(
          meta.arrays.x_indices!.file,
          null,
          `column ${indices[k]} at entry ${k} is outside [0, ${F})`,
        );
    }
    if (opts.sparseFeatures) {
      graph.xSparse = SparseMatrix.fromCsr(indptr, indices, {
        values: new Tensor(values, [values.length], "float32"),
        shape: [N, F],
      });
    } else {
      const x = new Float32Array(N * F);
      for (let i = 0; i < N; i++)
        for (let k = indptr[i]!; k < indptr[i + 1]!; k++) x[i * F + indices[k]!]! += values[k]!;
      graph.x = new Tensor(x, [N, F], "float32");
    }
  } else if (!opts.allowMissingFeatures) {
    opError(
      "loadPlanetoid",
      "features",
      `node features for ${meta.name}: they are not shipped (the offline copy has graph, labels and masks only; see datasets/README.md). Pass your own { features } ([${N}, ${meta.num_features}] Tensor or SparseMatrix), or { allowMissingFeatures: true } to get x = null`,
      "none",
    );
  }
  return graph;
}
