/**
 * Node readers of users' own data files (`erlangen/node`): graphs from CSV tables, JSON or OGB's raw
 * folder layout, molecules from SMILES tables (RDKit.js) or XYZ/JSON 3-D files, and the shipped
 * MoleculeNet sets. Parsing is done by the browser-safe readers in `data/datasets`; `.gz` files are
 * decompressed here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { isGzip } from "../data/datasets/common.js";
import { smilesTo3D } from "../data/datasets/conformer.js";
import { parseCsv, parseNumberCell } from "../data/datasets/csv.js";
import {
  MOLECULENET,
  type MoleculeNetName,
  parseMoleculeNet,
  readSmilesCsv,
  type SmilesCsvOptions,
  type SmilesGraphs,
} from "../data/datasets/moleculenet.js";
import { type OgbFiles, readOgbGraphs } from "../data/datasets/ogb_graphs.js";
import { loadRDKit } from "../data/datasets/smiles.js";
import {
  type GraphCsvOptions,
  readGraphCsv,
  readGraphJson,
  type UserGraphs,
  type UserGraphTask,
} from "../data/datasets/user_graphs.js";
import { type Molecule3D, parseMoleculesJson, parseXyz } from "../data/datasets/xyz.js";
import { ErlangenError } from "../tensor/errors.js";
import { type DatasetRootOptions, datasetsRoot } from "./datasets.js";
import { gunzipFile } from "./gunzip.js";

/** The bytes of a file (gunzipped when compressed); a missing file gets an error naming it. */
export function readDataFile(path: string, what = "read"): Uint8Array {
  if (!existsSync(path)) throw new ErlangenError(`${what}: file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new ErlangenError(`${what}: '${path}' is a folder, expected a file`);
  const b = readFileSync(path);
  const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return isGzip(bytes) ? gunzipFile(bytes, path, what) : bytes;
}

const stem = (p: string) => basename(p).replace(/\.gz$/i, "");

/** Whether a CSV file has a SMILES column (looked up in its header). */
export function hasSmilesColumn(path: string): boolean {
  const text = new TextDecoder().decode(readDataFile(path).subarray(0, 65536));
  const header = parseCsv(text.split(/\r?\n/)[0] ?? "", { file: path }).columns;
  return header.some((c) => /smiles/i.test(c));
}

/** Options of {@link readGraphFiles}. */
export interface GraphFilesOptions extends Omit<GraphCsvOptions, "names"> {
  /** Edge table (CSV) when `data` is the node table. */
  edges?: string;
  /** Graph table (CSV) with graph labels. */
  graphs?: string;
}

/**
 * Reads users' graphs from files: a folder in OGB's raw layout (`edge.csv[.gz]`, `node-feat.csv[.gz]`,
 * ..., `split/*` optional), a `.json` file, or CSV tables (`data` the node table with `edges` given, or
 * `data` an edge list alone).
 */
export function readGraphFiles(data: string, opts: GraphFilesOptions): UserGraphs {
  if (existsSync(data) && statSync(data).isDirectory()) return readOgbFolder(data, opts.task);
  const ext = extname(stem(data)).toLowerCase();
  if (ext === ".json") return readGraphJson(readDataFile(data), { task: opts.task, file: data, classes: opts.classes });
  if (ext !== ".csv" && ext !== ".tsv" && ext !== ".txt")
    throw new ErlangenError(`readGraphFiles: '${data}' expected a .csv, .tsv, .json file or an OGB folder`);
  const { edges, graphs, ...csvOpts } = opts;
  if (edges === undefined) return readGraphCsv({ edges: readDataFile(data) }, { ...csvOpts, names: { edges: data } });
  return readGraphCsv(
    {
      nodes: readDataFile(data),
      edges: readDataFile(edges),
      ...(graphs !== undefined ? { graphs: readDataFile(graphs) } : {}),
    },
    { ...csvOpts, names: { nodes: data, edges, ...(graphs !== undefined ? { graphs } : {}) } },
  );
}

/** Reads a folder in OGB's raw layout (files with or without `.gz`; `split/<any>/{train,valid,test}.csv`). */
export function readOgbFolder(dir: string, task: UserGraphTask): UserGraphs {
  const find = (name: string): Uint8Array | undefined => {
    for (const sub of ["", "raw"]) {
      for (const f of [`${name}.csv`, `${name}.csv.gz`]) {
        const p = join(dir, sub, f);
        if (existsSync(p)) return readDataFile(p);
      }
    }
    return undefined;
  };
  const edge = find("edge");
  if (edge === undefined) throw new ErlangenError(`readOgbFolder: '${dir}' has no edge.csv[.gz] (OGB's raw layout)`);
  const files: OgbFiles = { edge };
  const set = <K extends keyof OgbFiles>(k: K, name: string) => {
    const b = find(name);
    if (b !== undefined) files[k] = b as OgbFiles[K];
  };
  set("nodeFeat", "node-feat");
  set("edgeFeat", "edge-feat");
  set("nodeLabel", "node-label");
  set("graphLabel", "graph-label");
  set("numNodeList", "num-node-list");
  set("numEdgeList", "num-edge-list");
  const splitRoot = join(dir, "split");
  if (existsSync(splitRoot) && statSync(splitRoot).isDirectory()) {
    const subs = [splitRoot, ...readdirNames(splitRoot).map((s) => join(splitRoot, s))];
    for (const d of subs) {
      const p = (n: string) => [join(d, `${n}.csv`), join(d, `${n}.csv.gz`)].find((q) => existsSync(q));
      const tr = p("train");
      const va = p("valid");
      const te = p("test");
      if (tr && va && te) {
        files.train = readDataFile(tr);
        files.valid = readDataFile(va);
        files.test = readDataFile(te);
        break;
      }
    }
  }
  return readOgbGraphs(files, { task });
}

function readdirNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .sort();
}

/** Reads a SMILES table (CSV) into molecular graphs with RDKit.js (see `readSmilesCsv`). */
export async function readSmilesFile(path: string, opts: SmilesCsvOptions = {}): Promise<SmilesGraphs> {
  const rdkit = await loadRDKit();
  return readSmilesCsv(rdkit, readDataFile(path), { file: path, ...opts });
}

/**
 * 3-D molecules from SMILES (a `.csv` with a `smiles` column and optional target columns, or `.smi` /
 * `.txt` with one SMILES per line): RDKit adds hydrogens and `embedMolecule` places the atoms.
 */
export async function readSmiles3DFile(
  path: string,
  opts: { targets?: readonly string[]; seed?: number } = {},
): Promise<Molecule3D[]> {
  const rdkit = await loadRDKit();
  const ext = extname(stem(path)).toLowerCase();
  const text = new TextDecoder().decode(readDataFile(path));
  if (ext === ".smi" || ext === ".txt") {
    return text
      .split(/\r?\n/)
      .map((l) => l.trim().split(/\s+/)[0] ?? "")
      .filter((l) => l !== "")
      .map((smi, i) => smilesTo3D(rdkit, smi, { seed: opts.seed, what: `${path} line ${i + 1}` }));
  }
  const table = parseCsv(text, { file: path });
  const ks = table.columns.findIndex((c) => /smiles/i.test(c));
  if (ks < 0) throw new ErlangenError(`readSmiles3DFile: ${path} has no SMILES column`);
  const targets = (opts.targets ?? []).map((t) => {
    const k = table.columns.indexOf(t);
    if (k < 0)
      throw new ErlangenError(`readSmiles3DFile: ${path} has no column '${t}' (columns: ${table.columns.join(", ")})`);
    return k;
  });
  return table.rows.map((r, i) => {
    const line = table.lines[i]!;
    const m = smilesTo3D(rdkit, r[ks]!.trim(), { seed: opts.seed, what: `${path} line ${line}` });
    if (targets.length > 0)
      m.y = Float32Array.from(targets, (k, j) =>
        parseNumberCell(r[k]!, { file: path, line, column: opts.targets![j]! }),
      );
    return m;
  });
}

/** Reads 3-D molecules from an `.xyz` (one or many frames) or `.json` file. */
export function readMoleculesFile(path: string): Molecule3D[] {
  const ext = extname(stem(path)).toLowerCase();
  if (ext === ".xyz") return parseXyz(readDataFile(path), path);
  if (ext === ".json") return parseMoleculesJson(readDataFile(path), path);
  throw new ErlangenError(`readMoleculesFile: '${path}' expected an .xyz or .json file`);
}

/**
 * Loads a shipped MoleculeNet set (`esol`, `freesolv`, `lipophilicity`) from
 * `<root>/molecules/moleculenet` as molecular graphs (OGB features, one-hot) with scaffolds.
 */
export async function loadMoleculeNet(name: MoleculeNetName, opts: DatasetRootOptions = {}): Promise<SmilesGraphs> {
  const spec = MOLECULENET[name];
  if (spec === undefined)
    throw new ErlangenError(
      `loadMoleculeNet: argument 'name' expected one of ${Object.keys(MOLECULENET).join(", ")}, got '${name}'`,
    );
  const path = join(datasetsRoot(opts), "molecules", "moleculenet", spec.file);
  const rdkit = await loadRDKit();
  return parseMoleculeNet(rdkit, name, readDataFile(path, "loadMoleculeNet"));
}
