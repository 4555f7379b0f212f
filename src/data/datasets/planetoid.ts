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
import { asText, bytesTo, checkValueCount, DatasetFormatError, type FileContent, READER_LIMITS } from "./common.js";

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

const DTYPES: ReadonlySet<string> = new Set(["int32", "float32", "uint8"]);

/**
 * Parses and validates `meta.json` (text, bytes or an already parsed object): `num_nodes` and
 * `num_features` non-negative integers, `arrays` an object of `{ file, dtype, shape }` entries with a
 * bare file name (no folders), a known dtype and a shape of non-negative integers within
 * {@link READER_LIMITS}. Returns a copy whose `arrays` is a null-prototype record.
 */
export function parsePlanetoidMeta(content: FileContent | PlanetoidMeta, file = "meta.json"): PlanetoidMeta {
  let raw: unknown;
  if (typeof content === "object" && !(content instanceof Uint8Array)) raw = content;
  else {
    try {
      raw = JSON.parse(asText(content, file));
    } catch (e) {
      if (e instanceof DatasetFormatError) throw e;
      throw new DatasetFormatError(file, null, `invalid JSON (${(e as Error).message})`);
    }
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(raw) || !isObject(raw.arrays))
    throw new DatasetFormatError(file, null, "expected an object with num_nodes, num_features and arrays");
  const count = (key: string, required: boolean): number => {
    const v = raw[key];
    if (v === undefined && !required) return 0;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > READER_LIMITS.maxValues)
      throw new DatasetFormatError(
        file,
        null,
        `${key} expected an integer in [0, ${READER_LIMITS.maxValues}], got ${JSON.stringify(v) ?? "nothing"}`,
      );
    return v;
  };
  const numNodes = count("num_nodes", true);
  const numFeatures = count("num_features", raw.features_available === true);
  const numClasses = count("num_classes", false);
  const arrays: Record<string, PlanetoidArrayMeta> = Object.create(null);
  for (const [k, v] of Object.entries(raw.arrays)) {
    const where = `arrays.${k}`;
    if (!isObject(v)) throw new DatasetFormatError(file, null, `${where} expected an object { file, dtype, shape }`);
    const f = v.file;
    if (typeof f !== "string" || f === "" || f === "." || f === ".." || /[/\\\0]/.test(f))
      throw new DatasetFormatError(
        file,
        null,
        `${where}.file expected a file name in the dataset folder (no '/', '\\'), got ${JSON.stringify(f)}`,
      );
    if (typeof v.dtype !== "string" || !DTYPES.has(v.dtype))
      throw new DatasetFormatError(
        file,
        null,
        `${where}.dtype expected 'int32', 'float32' or 'uint8', got ${JSON.stringify(v.dtype)}`,
      );
    const shape = v.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new DatasetFormatError(
        file,
        null,
        `${where}.shape expected a list of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    checkValueCount(
      file,
      null,
      `${where} of shape ${fmtShape(shape as number[])}`,
      (shape as number[]).reduce((a, d) => a * d, 1),
    );
    arrays[k] = { file: f, dtype: v.dtype as PlanetoidArrayMeta["dtype"], shape: [...(shape as number[])] };
  }
  return {
    ...(raw as unknown as PlanetoidMeta),
    name: typeof raw.name === "string" ? raw.name : "Planetoid",
    num_nodes: numNodes,
    num_features: numFeatures,
    num_classes: numClasses,
    features_available: raw.features_available === true,
    arrays,
  };
}

/**
 * Builds the Planetoid graph from `meta.json` and the array files (keyed by the array names of
 * `meta.arrays`: `edge_index`, `y`, `train_mask`, `val_mask`, `test_mask`, and `x_indptr`,
 * `x_indices`, `x_data` when features are available). Every array's dtype and shape are checked
 * against what the graph needs (`[2, E]`, `[N]`, `[N + 1]`, ...) and its byte size against its shape;
 * masks hold 0 or 1, node ids lie in `[0, N)`, feature columns in `[0, F)`; a dense `x` larger than
 * {@link READER_LIMITS}`.maxValues` is refused (use `sparseFeatures`).
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
  const entry = (name: string): PlanetoidArrayMeta => {
    const m = meta.arrays[name];
    if (m === undefined) throw new DatasetFormatError("meta.json", null, `no entry for array '${name}'`);
    return m;
  };
  const read = <T extends Int32Array | Float32Array | Uint8Array>(
    name: string,
    ctor: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
    dtype: PlanetoidArrayMeta["dtype"],
    expected?: (number | null)[],
  ): { data: T; shape: number[] } => {
    const m = entry(name);
    if (m.dtype !== dtype)
      throw new DatasetFormatError("meta.json", null, `arrays.${name}.dtype expected '${dtype}', got '${m.dtype}'`);
    if (
      expected !== undefined &&
      (m.shape.length !== expected.length || expected.some((d, i) => d !== null && m.shape[i] !== d))
    )
      throw new DatasetFormatError(
        "meta.json",
        null,
        `arrays.${name}.shape expected [${expected.map((d) => d ?? "*").join(", ")}], got ${fmtShape(m.shape)}`,
      );
    const bytes = Object.hasOwn(arrays, name) ? arrays[name] : undefined;
    if (!(bytes instanceof Uint8Array))
      opError(
        "parsePlanetoid",
        "arrays",
        `the bytes of '${name}' (${m.file})`,
        bytes === undefined ? "none" : typeof bytes,
      );
    const n = m.shape.reduce((a, d) => a * d, 1);
    return { data: bytesTo(ctor, bytes, m.file, n), shape: m.shape };
  };
  const ei = read("edge_index", Int32Array, "int32", [2, null]);
  const E = ei.shape[1]!;
  for (let i = 0; i < 2 * E; i++) {
    const v = ei.data[i]!;
    if (v < 0 || v >= N) {
      throw new DatasetFormatError(
        entry("edge_index").file,
        null,
        `node id ${v} of edge ${i % E} is outside [0, ${N}) (numNodes = ${N})`,
      );
    }
  }
  const y = read("y", Int32Array, "int32", [N]);
  const mask = (k: string) => {
    const m = read(k, Uint8Array, "uint8", [N]).data;
    for (let i = 0; i < N; i++)
      if (m[i]! > 1)
        throw new DatasetFormatError(entry(k).file, null, `mask value ${m[i]} of node ${i}, expected 0 or 1`);
    return new Tensor(m, [N], "bool");
  };
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
    const indptr = read("x_indptr", Int32Array, "int32", [N + 1]).data;
    const indices = read("x_indices", Int32Array, "int32", [null]).data;
    const values = read("x_data", Float32Array, "float32", [indices.length]).data;
    const F = meta.num_features;
    if (indptr[0] !== 0 || indptr[N] !== indices.length) {
      throw new DatasetFormatError(
        entry("x_indptr").file,
        null,
        `inconsistent CSR features: offsets run from ${indptr[0]} to ${indptr[N]}, expected 0 to ${indices.length} (the number of indices)`,
      );
    }
    for (let i = 0; i < N; i++) {
      if (indptr[i + 1]! < indptr[i]!)
        throw new DatasetFormatError(entry("x_indptr").file, null, `offsets decrease at row ${i}`);
    }
    for (let k = 0; k < indices.length; k++) {
      if (indices[k]! < 0 || indices[k]! >= F)
        throw new DatasetFormatError(
          entry("x_indices").file,
          null,
          `column ${indices[k]} at entry ${k} is outside [0, ${F}) (num_features = ${F})`,
        );
    }
    if (opts.sparseFeatures) {
      graph.xSparse = SparseMatrix.fromCsr(indptr, indices, {
        values: new Tensor(values, [values.length], "float32"),
        shape: [N, F],
      });
    } else {
      checkValueCount(
        "meta.json",
        null,
        `dense features of num_nodes ${N} × num_features ${F} (pass { sparseFeatures: true } to keep them sparse)`,
        N * F,
      );
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
