/**
 * Node loaders of the shipped mesh datasets (`datasets/meshes/`): SHREC'11 (MeshCNN's 500-face version,
 * split 16, the shipped split 10 or a seeded split), human-body segmentation (without FAUST), GeometricShapes
 * and the bunny. Files are read and gunzipped here; parsing is done by the browser-safe parsers in
 * `data/datasets/meshes.ts`. A user's own folder of OBJ/OFF/PLY files with a labels file is read by
 * {@link loadMeshFolder}.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { isGzip } from "../data/datasets/common.js";
import {
  applyFileSplit,
  buildMeshFolderDataset,
  type MeshClassificationSet,
  type MeshFolderDataset,
  type MeshFolderOptions,
  type MeshSegmentationSet,
  type MeshSetOptions,
  parseBunny,
  parseFileSplit,
  parseHumanSeg,
  parseMeshClassificationSet,
  parseMeshLabels,
  parseShrec11,
  shrecSplit,
} from "../data/datasets/meshes.js";
import { readMesh } from "../domains/mesh/io/read.js";
import type { Mesh } from "../domains/mesh/mesh.js";
import { ErlangenError, opError } from "../tensor/errors.js";
import { type DatasetRootOptions, datasetsRoot } from "./datasets.js";

/** Largest file the mesh loaders read, and the largest a gzip file may expand to (hostile inputs). */
export const MESH_FILE_LIMIT = 256 * 1024 * 1024;

/** Reads a file (gunzipping `.gz` content), refusing files above {@link MESH_FILE_LIMIT}. */
export function readDatasetFile(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new ErlangenError(`${what}: file not found: ${path}`);
  const size = statSync(path).size;
  if (size > MESH_FILE_LIMIT)
    throw new ErlangenError(`${what}: ${path} is ${size} bytes, more than the ${MESH_FILE_LIMIT}-byte limit`);
  const b = readFileSync(path);
  const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: MESH_FILE_LIMIT });
  } catch (e) {
    throw new ErlangenError(`${what}: could not decompress ${path} (${(e as Error).message})`);
  }
}

const shrecCache = new Map<string, { key: string; set: MeshClassificationSet }>();

/**
 * The whole SHREC'11 file parsed once per process (meshes are immutable, so callers share them); reparsed
 * when the file's size or modification time changes.
 */
function parsedShrec(file: string): MeshClassificationSet {
  const st = existsSync(file) ? statSync(file) : null;
  const key = st === null ? "" : `${st.size}:${st.mtimeMs}`;
  const hit = shrecCache.get(file);
  if (hit !== undefined && hit.key === key) return hit.set;
  const set = parseShrec11(readDatasetFile(file, "loadShrec11"), file);
  shrecCache.set(file, { key, set });
  return set;
}

/** Options of {@link loadShrec11}. */
export interface Shrec11Options extends DatasetRootOptions, MeshSetOptions {
  /**
   * `16`: MeshCNN's shipped split (16 train / 4 test per class, 480/120; default). `10`: 10 / 10 per class,
   * the shipped `split10.json` (seed 0) unless `seed` asks for another seeded split ({@link shrecSplit}).
   */
  split?: 10 | 16;
  /** Seed of a generated split 10 (omit for the shipped one). */
  seed?: number;
}

/**
 * Loads SHREC'11 in MeshCNN's 500-face version (30 classes, 600 meshes).
 *
 * ```ts
 * const s16 = loadShrec11();                       // 480 train / 120 test
 * const s10 = loadShrec11({ split: 10 });          // the shipped split10.json: 300 / 300
 * const s10b = loadShrec11({ split: 10, seed: 3 }); // another seeded split 10
 * ```
 */
export function loadShrec11(opts: Shrec11Options = {}): MeshClassificationSet {
  const split = opts.split ?? 16;
  if (split !== 10 && split !== 16) opError("loadShrec11", "split", "10 or 16", String(split));
  const dir = join(datasetsRoot(opts), "meshes", "shrec11_meshcnn");
  const file = join(dir, "shrec16.json.gz");
  const full = parsedShrec(file);
  const limit = <T>(list: T[], n: number | undefined) => (n === undefined ? list : list.slice(0, n));
  if (split === 16)
    return { ...full, train: limit(full.train, opts.trainLimit), test: limit(full.test, opts.testLimit) };
  const set = full;
  let out: MeshClassificationSet;
  if (opts.seed === undefined) {
    const sf = join(dir, "split10.json");
    out = applyFileSplit(set, parseFileSplit(readDatasetFile(sf, "loadShrec11"), sf), sf);
  } else out = shrecSplit(set, 10, opts.seed);
  return {
    ...out,
    train: opts.trainLimit === undefined ? out.train : out.train.slice(0, opts.trainLimit),
    test: opts.testLimit === undefined ? out.test : out.test.slice(0, opts.testLimit),
  };
}

/**
 * Loads the human-body segmentation set (MeshCNN's version without its 100 FAUST meshes: 281 train /
 * 18 test, 1500 faces each, 8 parts) with per-edge hard and soft labels on {@link Mesh.edges}.
 */
export function loadHumanSeg(opts: DatasetRootOptions & MeshSetOptions = {}): MeshSegmentationSet {
  const file = join(datasetsRoot(opts), "meshes", "human_seg", "human_seg_nofaust.json.gz");
  return parseHumanSeg(readDatasetFile(file, "loadHumanSeg"), file, opts);
}

/** Loads PyG's GeometricShapes (40 classes, one mesh per class in train and in test). */
export function loadGeometricShapes(opts: DatasetRootOptions & MeshSetOptions = {}): MeshClassificationSet {
  const file = join(datasetsRoot(opts), "meshes", "geometric_shapes", "geometric_shapes.json.gz");
  return parseMeshClassificationSet(readDatasetFile(file, "loadGeometricShapes"), file, "geometric-shapes", opts);
}

/** Loads the Stanford bunny (V = 1839, F = 3674, closed, genus 0). */
export function loadBunny(opts: DatasetRootOptions = {}): Mesh {
  const file = join(datasetsRoot(opts), "meshes", "bunny", "bunny.json");
  return parseBunny(readDatasetFile(file, "loadBunny"), file);
}

/** Mesh file extensions {@link loadMeshFolder} reads (also gzipped: `.obj.gz` …). */
export const MESH_EXTENSIONS = [".obj", ".off", ".ply"] as const;

/** Options of {@link loadMeshFolder}. */
export interface MeshFolderLoadOptions extends MeshFolderOptions {
  /** The labels file (CSV or JSON; see `parseMeshLabels`). */
  labels: string;
}

/**
 * Loads a user's folder of OBJ/OFF/PLY meshes with a labels file (CSV or JSON, see `parseMeshLabels`):
 * every file the labels name is read from `dir` (names are paths relative to it; `..` and absolute paths
 * are refused), and the result is a classification or a segmentation dataset (`buildMeshFolderDataset`).
 *
 * ```ts
 * const d = loadMeshFolder("my_meshes", { labels: "my_meshes/labels.csv" }); // file,label[,split]
 * ```
 */
export function loadMeshFolder(dir: string, opts: MeshFolderLoadOptions): MeshFolderDataset {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new ErlangenError(`loadMeshFolder: argument 'dir' expected a folder, got '${dir}'`);
  const labelsPath = resolve(opts.labels);
  const spec = parseMeshLabels(readDatasetFile(labelsPath, "loadMeshFolder"), labelsPath);
  const meshes = new Map<string, Mesh>();
  for (const e of spec.entries) {
    if (meshes.has(e.file)) continue;
    const path = resolve(root, e.file);
    const rel = relative(root, path);
    if (isAbsolute(e.file) || rel.startsWith("..") || isAbsolute(rel))
      throw new ErlangenError(`loadMeshFolder: ${labelsPath}: '${e.file}' is not a path inside ${root}`);
    const lower = e.file.toLowerCase().replace(/\.gz$/, "");
    if (!MESH_EXTENSIONS.some((x) => lower.endsWith(x)))
      throw new ErlangenError(
        `loadMeshFolder: ${labelsPath}: '${e.file}' expected a mesh file ending in ${MESH_EXTENSIONS.join(", ")} (optionally .gz)`,
      );
    const bytes = readDatasetFile(path, "loadMeshFolder");
    const format = lower.endsWith(".obj") ? "obj" : lower.endsWith(".off") ? "off" : "ply";
    try {
      meshes.set(e.file, readMesh(bytes, format));
    } catch (err) {
      throw new ErlangenError(`loadMeshFolder: ${path}: ${(err as Error).message}`);
    }
  }
  return buildMeshFolderDataset(spec, meshes, labelsPath, opts);
}
