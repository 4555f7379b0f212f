/**
 * Node readers of the shipped datasets. Files are looked up under a root folder: the `root` option,
 * else the environment variable `ERLANGEN_DATASETS`, else the package's own `datasets/` folder (found
 * from this module's location). Parsing is done by the browser-safe parsers in `data/datasets`.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isGzip } from "../data/datasets/common.js";
import {
  type PlanetoidName,
  type PlanetoidOptions,
  parsePlanetoid,
  parsePlanetoidMeta,
} from "../data/datasets/planetoid.js";
import { parseTUDataset, TU_FILE_KINDS, type TUDataset, type TUFileKind, type TUOptions } from "../data/datasets/tu.js";
import type { Graph } from "../domains/graph/graph.js";
import { ErlangenError, opError } from "../tensor/errors.js";
import { gunzipFile } from "./gunzip.js";

/** Where to read dataset files from. */
export interface DatasetRootOptions {
  /** Folder with `planetoid/` and `tu/` (default: `ERLANGEN_DATASETS`, else the package's `datasets/`). */
  root?: string;
}

let packageRoot: string | null = null;

/** The package's own `datasets/` folder (searched upward from this module). */
function packageDatasets(): string {
  if (packageRoot !== null) return packageRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const cand = join(dir, "datasets");
    if (existsSync(join(dir, "package.json")) && existsSync(cand)) {
      packageRoot = cand;
      return cand;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new ErlangenError(
    "datasets: could not find the package's datasets/ folder; pass { root } or set ERLANGEN_DATASETS",
  );
}

/** The dataset root in force for `opts` (see {@link DatasetRootOptions}). */
export function datasetsRoot(opts: DatasetRootOptions = {}): string {
  if (opts.root !== undefined) return resolve(opts.root);
  const env = process.env.ERLANGEN_DATASETS;
  if (env !== undefined && env !== "") return resolve(env);
  return packageDatasets();
}

function readBytes(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new ErlangenError(`${what}: file not found: ${path}`);
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const PLANETOID: readonly PlanetoidName[] = ["cora", "citeseer", "pubmed"];

/**
 * Loads a Planetoid citation graph (public split) with `x` (dense float32, or sparse in `xSparse`
 * with `sparseFeatures`), `edgeIndex`, `y` and `trainMask`/`valMask`/`testMask`. PubMed's features are
 * not shipped: pass `features`, or `allowMissingFeatures: true` to get `x = null`.
 *
 * ```ts
 * const cora = loadPlanetoid("cora"); // 2708 nodes, 10556 edges, 1433 features, 7 classes
 * ```
 */
export function loadPlanetoid(name: PlanetoidName, opts: PlanetoidOptions & DatasetRootOptions = {}): Graph {
  const key = String(name).toLowerCase() as PlanetoidName;
  if (!PLANETOID.includes(key)) opError("loadPlanetoid", "name", "'cora', 'citeseer' or 'pubmed'", String(name));
  const dir = join(datasetsRoot(opts), "planetoid", key);
  const metaPath = join(dir, "meta.json");
  const meta = parsePlanetoidMeta(readBytes(metaPath, "loadPlanetoid"), metaPath);
  const arrays: Record<string, Uint8Array> = Object.create(null);
  const skipFeatures = opts.features !== undefined;
  for (const [k, m] of Object.entries(meta.arrays)) {
    if (skipFeatures && k.startsWith("x_")) continue;
    arrays[k] = readBytes(join(dir, m.file), "loadPlanetoid");
  }
  return parsePlanetoid(meta, arrays, opts);
}

/** Names of the shipped TU datasets. */
export const TU_DATASETS = ["MUTAG", "PROTEINS", "ENZYMES", "IMDB-BINARY", "NCI1"] as const;

/**
 * Loads a TU graph-classification dataset (`MUTAG`, `PROTEINS`, `ENZYMES`, `IMDB-BINARY`, `NCI1`, or
 * any folder `tu/<name>/` under the root with `<name>_*.txt[.gz]` files). Returns the graphs, class and
 * feature counts, and the 10-fold splits of Errica et al. (2020) where `splits_10fold.json` is present.
 */
export function loadTUDataset(name: string, opts: TUOptions & DatasetRootOptions = {}): TUDataset {
  const dir = join(datasetsRoot(opts), "tu", name);
  if (!existsSync(dir))
    opError(
      "loadTUDataset",
      "name",
      `a dataset folder under ${join(datasetsRoot(opts), "tu")} (shipped: ${TU_DATASETS.join(", ")})`,
      `'${name}' (no folder ${dir})`,
    );
  const files: Partial<Record<TUFileKind, Uint8Array>> = {};
  const fileNames: Partial<Record<TUFileKind, string>> = {};
  for (const kind of TU_FILE_KINDS) {
    for (const ext of [".txt.gz", ".txt"]) {
      const p = join(dir, `${name}_${kind}${ext}`);
      if (!existsSync(p)) continue;
      let bytes = readBytes(p, "loadTUDataset");
      if (isGzip(bytes)) bytes = gunzipFile(bytes, p, "loadTUDataset");
      files[kind] = bytes;
      fileNames[kind] = p;
      break;
    }
  }
  const splitsPath = join(dir, "splits_10fold.json");
  const splits = existsSync(splitsPath) ? readBytes(splitsPath, "loadTUDataset") : undefined;
  return parseTUDataset(name, files, {
    ...opts,
    fileNames: { ...fileNames, ...opts.fileNames },
    ...(splits !== undefined ? { splits, splitsFile: splitsPath } : {}),
  });
}
