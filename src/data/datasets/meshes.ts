/**
 * Mesh datasets (browser-safe: text or bytes in, {@link Mesh} and labels out; gunzip happens in the
 * caller, e.g. `erlangen/node`'s loaders or {@link gunzip}):
 *
 * - SHREC'11 in MeshCNN's 500-face version (`shrec16.json`): 30 classes × 20 meshes, split 16 (16 train
 *   and 4 test per class) as shipped, the shipped seeded split 10 (`split10.json`) and
 *   {@link shrecSplit} for other seeded splits;
 * - human-body segmentation in MeshCNN's version without its FAUST meshes (281 train / 18 test), with
 *   per-edge hard and soft labels, moved from MeshCNN's edge order onto {@link Mesh.edges};
 * - PyG's GeometricShapes (40 classes, one mesh each in train and test);
 * - the Stanford bunny (`bunny.json`);
 * - a user's own meshes with a labels file ({@link parseMeshLabels}, {@link buildMeshFolderDataset}).
 *
 * Every size is checked against the file: coordinates and triangles come in multiples of 3, labels are
 * integers in range, soft labels have one row of C values per edge, and every edge of MeshCNN's edge list
 * is an edge of the mesh and the other way round. Errors name the file, the mesh and the field.
 */
import { Mesh } from "../../domains/mesh/mesh.js";
import { ErlangenError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";
import { asText, DatasetFormatError, type FileContent, READER_LIMITS, splitLines } from "./common.js";

/** A mesh with a class label. */
export interface LabelledMesh {
  /** File name inside the dataset, e.g. `alien/train/T133.obj`. */
  file: string;
  mesh: Mesh;
  /** Class id in `[0, classes.length)`. */
  label: number;
}

/** Mesh elements that carry segmentation labels. */
export type MeshElement = "vertex" | "face" | "edge";

/** A mesh with one label per vertex, face or edge. */
export interface SegmentedMesh {
  file: string;
  mesh: Mesh;
  /** Which elements the labels belong to. Edges are numbered as {@link Mesh.edges} (sorted vertex pairs). */
  on: MeshElement;
  /** Hard labels, one per element, in `[0, numClasses)`; −1 marks an unlabelled element (ignored). */
  labels: Int32Array;
  /**
   * Soft labels `[n, numClasses]` row-major (MeshCNN's `sseg`: the share of each class among the
   * faces around the edge), when the dataset has them.
   */
  soft?: Float32Array;
}

/** A classification dataset of meshes. */
export interface MeshClassificationSet {
  name: string;
  classes: string[];
  train: LabelledMesh[];
  test: LabelledMesh[];
}

/** A segmentation dataset of meshes. */
export interface MeshSegmentationSet {
  name: string;
  numClasses: number;
  /** Class names when known. */
  classes?: string[];
  on: MeshElement;
  train: SegmentedMesh[];
  test: SegmentedMesh[];
}

type Json = Record<string, unknown>;

function parseJson(content: FileContent, file: string): unknown {
  const text = asText(content, file);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DatasetFormatError(file, null, `is not valid JSON (${(e as Error).message})`);
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field<T>(obj: Json, key: string, file: string, where: string, check: (v: unknown) => v is T, what: string): T {
  const v = obj[key];
  if (!check(v)) {
    const got = v === undefined ? "nothing" : Array.isArray(v) ? `an array of ${v.length}` : typeof v;
    throw new DatasetFormatError(file, null, `${where}: field '${key}' expected ${what}, got ${got}`);
  }
  return v;
}

const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** Finite numbers of a JSON array (positions, soft labels). */
function numbers(v: unknown[], file: string, where: string): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number" || !Number.isFinite(x))
      throw new DatasetFormatError(file, null, `${where}: expected finite numbers, got ${String(x)} at index ${i}`);
    out[i] = x;
  }
  return out;
}

/** Integers of a JSON array in `[lo, hi)` (face indices, labels). */
function ints(v: unknown[], file: string, where: string, lo: number, hi: number): Int32Array {
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!isInt(x) || x < lo || x >= hi)
      throw new DatasetFormatError(
        file,
        null,
        `${where}: expected integers in [${lo}, ${hi}), got ${String(x)} at index ${i}`,
      );
    out[i] = x;
  }
  return out;
}

/**
 * A mesh from flat `pos` ([V, 3]) and `face` ([F, 3], 0-based) arrays of a dataset entry; sizes are
 * checked (multiples of 3, indices in range, finite coordinates).
 */
export function meshFromArrays(pos: unknown[], face: unknown[], file: string, where: string): Mesh {
  if (pos.length % 3 !== 0 || pos.length === 0)
    throw new DatasetFormatError(file, null, `${where}: 'pos' expected 3·V > 0 numbers, got ${pos.length}`);
  if (face.length % 3 !== 0 || face.length === 0)
    throw new DatasetFormatError(file, null, `${where}: 'face' expected 3·F > 0 indices, got ${face.length}`);
  const V = pos.length / 3;
  const p = numbers(pos, file, `${where}: 'pos'`);
  const f = ints(face, file, `${where}: 'face'`, 0, V);
  return new Mesh(p, f);
}

function classificationEntries(
  list: unknown,
  key: "train" | "test",
  classes: string[],
  file: string,
  opts: { limit?: number },
): LabelledMesh[] {
  if (!Array.isArray(list)) throw new DatasetFormatError(file, null, `field '${key}' expected an array of meshes`);
  const n = opts.limit === undefined ? list.length : Math.min(list.length, opts.limit);
  const out: LabelledMesh[] = [];
  for (let i = 0; i < n; i++) {
    const e = list[i];
    const where = `${key}[${i}]`;
    if (!isObject(e)) throw new DatasetFormatError(file, null, `${where}: expected an object`);
    const name = field(e, "file", file, where, isString, "a file name");
    const label = field(e, "label", file, `${where} (${name})`, isInt, "an integer class id");
    if (label < 0 || label >= classes.length)
      throw new DatasetFormatError(file, null, `${where} (${name}): label ${label} is outside [0, ${classes.length})`);
    if (e.class !== undefined && e.class !== classes[label])
      throw new DatasetFormatError(
        file,
        null,
        `${where} (${name}): class '${String(e.class)}' does not match classes[${label}] = '${classes[label]}'`,
      );
    const pos = field(e, "pos", file, `${where} (${name})`, isArray, "a flat array of coordinates");
    const face = field(e, "face", file, `${where} (${name})`, isArray, "a flat array of triangle indices");
    out.push({ file: name, label, mesh: meshFromArrays(pos, face, file, `${where} (${name})`) });
  }
  return out;
}

/** Options of the classification-set parsers. */
export interface MeshSetOptions {
  /** Keep only the first N training meshes (tests and quick runs). */
  trainLimit?: number;
  /** Keep only the first N test meshes. */
  testLimit?: number;
}

/**
 * Parses a classification set in the shipped layout `{classes, train: [{label, class, file, pos, face}], test}`
 * (SHREC'11's `shrec16.json`, GeometricShapes' `geometric_shapes.json`; decompress `.gz` first).
 */
export function parseMeshClassificationSet(
  content: FileContent,
  file: string,
  name: string,
  opts: MeshSetOptions = {},
): MeshClassificationSet {
  const root = parseJson(content, file);
  if (!isObject(root)) throw new DatasetFormatError(file, null, "expected an object {classes, train, test}");
  const classes = field(root, "classes", file, "top level", isArray, "an array of class names");
  for (let i = 0; i < classes.length; i++)
    if (typeof classes[i] !== "string")
      throw new DatasetFormatError(file, null, `classes[${i}] expected a string, got ${typeof classes[i]}`);
  const names = classes as string[];
  return {
    name,
    classes: names,
    train: classificationEntries(root.train, "train", names, file, { limit: opts.trainLimit }),
    test: classificationEntries(root.test, "test", names, file, { limit: opts.testLimit }),
  };
}

/** Number of SHREC'11 classes and meshes per class. */
export const SHREC11_CLASSES = 30;
const SHREC11_PER_CLASS = 20;

/**
 * Parses MeshCNN's SHREC'11 (`shrec16.json`, split 16 as shipped: 480 train / 120 test) and checks the
 * shipped counts: 30 classes, 16 + 4 meshes per class, 500 triangles each (skipped with limits).
 */
export function parseShrec11(
  content: FileContent,
  file = "shrec16.json",
  opts: MeshSetOptions = {},
): MeshClassificationSet {
  const set = parseMeshClassificationSet(content, file, "shrec11", opts);
  if (set.classes.length !== SHREC11_CLASSES)
    throw new DatasetFormatError(file, null, `expected ${SHREC11_CLASSES} classes, got ${set.classes.length}`);
  if (opts.trainLimit === undefined && opts.testLimit === undefined) {
    const count = new Int32Array(SHREC11_CLASSES);
    for (const m of set.train) count[m.label]!++;
    for (let c = 0; c < SHREC11_CLASSES; c++)
      if (count[c] !== 16)
        throw new DatasetFormatError(
          file,
          null,
          `class '${set.classes[c]}' has ${count[c]} training meshes, expected 16`,
        );
    if (set.test.length !== 4 * SHREC11_CLASSES)
      throw new DatasetFormatError(file, null, `expected ${4 * SHREC11_CLASSES} test meshes, got ${set.test.length}`);
  }
  for (const m of [...set.train, ...set.test])
    if (m.mesh.numFaces !== 500)
      throw new DatasetFormatError(file, null, `${m.file}: expected 500 triangles, got ${m.mesh.numFaces}`);
  return set;
}

/** A split of a classification set given as file names. */
export interface FileSplit {
  seed?: number;
  train: string[];
  test: string[];
}

/** Parses a split file `{seed?, train: [file…], test: [file…]}` (SHREC'11's `split10.json`). */
export function parseFileSplit(content: FileContent, file = "split10.json"): FileSplit {
  const root = parseJson(content, file);
  if (!isObject(root)) throw new DatasetFormatError(file, null, "expected an object {seed, train, test}");
  const list = (key: "train" | "test") => {
    const l = field(root, key, file, "top level", isArray, "an array of file names");
    l.forEach((x, i) => {
      if (typeof x !== "string") throw new DatasetFormatError(file, null, `${key}[${i}] expected a file name`);
    });
    return l as string[];
  };
  const seed = root.seed;
  return { ...(isInt(seed) ? { seed } : {}), train: list("train"), test: list("test") };
}

/**
 * Re-splits all meshes of a classification set (train and test together) by a {@link FileSplit}: every
 * listed file must exist and appear once, and train and test must not overlap.
 */
export function applyFileSplit(
  set: MeshClassificationSet,
  split: FileSplit,
  splitFile = "split",
): MeshClassificationSet {
  const byFile = new Map<string, LabelledMesh>();
  for (const m of [...set.train, ...set.test]) byFile.set(m.file, m);
  const seen = new Set<string>();
  const pick = (files: string[], key: string) =>
    files.map((f) => {
      const m = byFile.get(f);
      if (m === undefined) throw new DatasetFormatError(splitFile, null, `${key}: '${f}' is not a mesh of ${set.name}`);
      if (seen.has(f)) throw new DatasetFormatError(splitFile, null, `${key}: '${f}' is listed twice`);
      seen.add(f);
      return m;
    });
  return { ...set, train: pick(split.train, "train"), test: pick(split.test, "test") };
}

/**
 * A seeded split with `perClass` training meshes per class (the "split 10" protocol of MeshCNN and
 * MeshWalker when `perClass = 10`): the meshes of each class (train and test together, in file order)
 * are shuffled with `Generator(seed)`, the first `perClass` train and the rest test.
 */
export function shrecSplit(set: MeshClassificationSet, perClass: number, seed: number): MeshClassificationSet {
  const all = [...set.train, ...set.test].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const byClass: LabelledMesh[][] = set.classes.map(() => []);
  for (const m of all) byClass[m.label]!.push(m);
  const gen = new Generator(seed);
  const train: LabelledMesh[] = [];
  const test: LabelledMesh[] = [];
  byClass.forEach((ms, c) => {
    if (!Number.isInteger(perClass) || perClass < 1 || perClass >= ms.length)
      throw new ErlangenError(
        `shrecSplit: argument 'perClass' expected an integer in [1, ${ms.length - 1}] (class '${set.classes[c]}' has ${ms.length} meshes), got ${perClass}`,
      );
    const order = gen.permutation(ms.length);
    order.forEach((j, k) => {
      (k < perClass ? train : test).push(ms[j]!);
    });
  });
  return { ...set, train, test };
}

/** SHREC'11 meshes per class (train + test). */
export const SHREC11_MESHES_PER_CLASS = SHREC11_PER_CLASS;

/**
 * Moves per-edge values from another edge numbering onto {@link Mesh.edges}: `edges` is `[E, 2]` flat
 * vertex pairs in the source order; returns `perm` with `perm[i]` = the mesh edge id of source edge `i`.
 * Every source edge must be an edge of the mesh, each mesh edge must be listed exactly once.
 */
export function mapEdgesToMesh(mesh: Mesh, edges: ArrayLike<number>, file: string, where: string): Int32Array {
  const E = mesh.numEdges;
  if (edges.length !== 2 * E)
    throw new DatasetFormatError(
      file,
      null,
      `${where}: 'edge' lists ${edges.length / 2} edges, the mesh has ${E} (${mesh.numFaces} faces, ${mesh.numVertices} vertices)`,
    );
  const V = mesh.numVertices;
  const id = new Map<number, number>();
  const me = mesh.edges;
  for (let e = 0; e < E; e++) id.set(me[2 * e]! * V + me[2 * e + 1]!, e);
  const perm = new Int32Array(E);
  const hit = new Uint8Array(E);
  for (let i = 0; i < E; i++) {
    const a = edges[2 * i]!;
    const b = edges[2 * i + 1]!;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= V || b >= V)
      throw new DatasetFormatError(file, null, `${where}: edge ${i} = (${a}, ${b}) has a vertex outside [0, ${V})`);
    const e = id.get(Math.min(a, b) * V + Math.max(a, b));
    if (e === undefined)
      throw new DatasetFormatError(file, null, `${where}: edge ${i} = (${a}, ${b}) is not an edge of the mesh`);
    if (hit[e]) throw new DatasetFormatError(file, null, `${where}: edge ${i} = (${a}, ${b}) is listed twice`);
    hit[e] = 1;
    perm[i] = e;
  }
  return perm;
}

/** Number of parts in the human-body segmentation set. */
export const HUMAN_SEG_CLASSES = 8;

function segmentationEntries(
  list: unknown,
  key: "train" | "test",
  C: number,
  file: string,
  limit?: number,
): SegmentedMesh[] {
  if (!Array.isArray(list)) throw new DatasetFormatError(file, null, `field '${key}' expected an array of meshes`);
  const n = limit === undefined ? list.length : Math.min(list.length, limit);
  const out: SegmentedMesh[] = [];
  for (let i = 0; i < n; i++) {
    const e = list[i];
    const at = `${key}[${i}]`;
    if (!isObject(e)) throw new DatasetFormatError(file, null, `${at}: expected an object`);
    const name = field(e, "file", file, at, isString, "a file name");
    const where = `${at} (${name})`;
    const mesh = meshFromArrays(
      field(e, "pos", file, where, isArray, "a flat array of coordinates"),
      field(e, "face", file, where, isArray, "a flat array of triangle indices"),
      file,
      where,
    );
    const edge = field(e, "edge", file, where, isArray, "a flat array of vertex pairs");
    const edgeIds = ints(edge, file, `${where}: 'edge'`, 0, mesh.numVertices);
    const perm = mapEdgesToMesh(mesh, edgeIds, file, where);
    const E = mesh.numEdges;
    const hardSrc = field(e, "edge_label", file, where, isArray, "one label per edge");
    if (hardSrc.length !== E)
      throw new DatasetFormatError(file, null, `${where}: 'edge_label' has ${hardSrc.length} labels for ${E} edges`);
    const hard = ints(hardSrc, file, `${where}: 'edge_label'`, 0, C);
    const softSrc = field(e, "edge_soft", file, where, isArray, "E × C soft labels");
    if (softSrc.length !== E * C)
      throw new DatasetFormatError(
        file,
        null,
        `${where}: 'edge_soft' has ${softSrc.length} values, expected ${E} edges × ${C} classes`,
      );
    const soft = numbers(softSrc, file, `${where}: 'edge_soft'`);
    const labels = new Int32Array(E);
    const softOut = new Float32Array(E * C);
    for (let s = 0; s < E; s++) {
      const t = perm[s]!;
      labels[t] = hard[s]!;
      for (let c = 0; c < C; c++) {
        const v = soft[s * C + c]!;
        if (v < 0 || v > 1)
          throw new DatasetFormatError(file, null, `${where}: 'edge_soft' value ${v} of edge ${s} is outside [0, 1]`);
        softOut[t * C + c] = v;
      }
    }
    out.push({ file: name, mesh, on: "edge", labels, soft: softOut });
  }
  return out;
}

/**
 * Parses the human-body segmentation set (`human_seg_nofaust.json`: `{name, num_seg_classes, excluded,
 * train, test}`, each mesh `{file, pos, face, edge, edge_label, edge_soft}` with edges in MeshCNN's
 * order). Labels and soft labels are moved onto {@link Mesh.edges}; every MeshCNN edge must map to a
 * mesh edge and the other way round.
 */
export function parseHumanSeg(
  content: FileContent,
  file = "human_seg_nofaust.json",
  opts: MeshSetOptions = {},
): MeshSegmentationSet {
  const root = parseJson(content, file);
  if (!isObject(root)) throw new DatasetFormatError(file, null, "expected an object {num_seg_classes, train, test}");
  const C = field(root, "num_seg_classes", file, "top level", isInt, "an integer number of parts");
  if (C < 2 || C > 1024) throw new DatasetFormatError(file, null, `num_seg_classes ${C} is outside [2, 1024]`);
  return {
    name: typeof root.name === "string" ? root.name : "human-seg",
    numClasses: C,
    on: "edge",
    train: segmentationEntries(root.train, "train", C, file, opts.trainLimit),
    test: segmentationEntries(root.test, "test", C, file, opts.testLimit),
  };
}

/** Parses the bunny (`{positions: [[x,y,z]…], cells: [[a,b,c]…]}`, the npm `bunny` package's layout). */
export function parseBunny(content: FileContent, file = "bunny.json"): Mesh {
  const root = parseJson(content, file);
  if (!isObject(root)) throw new DatasetFormatError(file, null, "expected an object {positions, cells}");
  const rows = (key: string) => {
    const l = field(root, key, file, "top level", isArray, "an array of triples");
    const flat: unknown[] = [];
    l.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== 3)
        throw new DatasetFormatError(
          file,
          null,
          `${key}[${i}] expected a triple, got ${JSON.stringify(r)?.slice(0, 40)}`,
        );
      flat.push(...r);
    });
    return flat;
  };
  return meshFromArrays(rows("positions"), rows("cells"), file, "bunny");
}

// ---------------------------------------------------------------------------------------------------
// A user's own meshes with a labels file

/** One entry of a labels file: a mesh file with its class or its per-element labels. */
export interface MeshLabelEntry {
  file: string;
  /** Class name or id (classification). */
  label?: string | number;
  /** Per-element labels (segmentation): one per vertex / face, or per edge in {@link Mesh.edges} order. */
  labels?: number[];
  /** Per-edge labels by vertex pair: `[u, v, label]` triples (segmentation on edges). */
  edgeLabels?: [number, number, number][];
  /** `train` or `test` when the file fixes the split. */
  split?: "train" | "test";
  /** Per-element labels as (element index, label) pairs (CSV rows; unlisted elements are unlabelled, −1). */
  indexed?: [number, number][];
}

/** A parsed labels file. */
export interface MeshLabelSpec {
  task: "classification" | "segmentation";
  /** Labelled elements (segmentation). */
  on?: MeshElement;
  /** Class names, when given (classification names; segmentation part names). */
  classes?: string[];
  entries: MeshLabelEntry[];
}

const SPLITS = new Set(["train", "test"]);

function parseSplit(v: unknown, file: string, where: string): "train" | "test" | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" || !SPLITS.has(v))
    throw new DatasetFormatError(file, null, `${where}: split expected 'train' or 'test', got ${JSON.stringify(v)}`);
  return v as "train" | "test";
}

function labelsFromJson(root: unknown, file: string): MeshLabelSpec {
  if (!isObject(root)) throw new DatasetFormatError(file, null, "expected a JSON object");
  // plain map {file: class}
  if (root.items === undefined) {
    const entries: MeshLabelEntry[] = [];
    for (const [f, v] of Object.entries(root)) {
      if (typeof v !== "string" && !isInt(v))
        throw new DatasetFormatError(file, null, `'${f}': expected a class name or id, got ${JSON.stringify(v)}`);
      entries.push({ file: f, label: v });
    }
    return { task: "classification", entries };
  }
  const items = field(root, "items", file, "top level", isArray, "an array of {file, …}");
  let on: MeshElement | undefined;
  if (root.on !== undefined) {
    if (root.on !== "vertex" && root.on !== "face" && root.on !== "edge")
      throw new DatasetFormatError(
        file,
        null,
        `'on' expected 'vertex', 'face' or 'edge', got ${JSON.stringify(root.on)}`,
      );
    on = root.on;
  }
  let classes: string[] | undefined;
  if (root.classes !== undefined) {
    const cl = field(root, "classes", file, "top level", isArray, "an array of class names");
    cl.forEach((c, i) => {
      if (typeof c !== "string") throw new DatasetFormatError(file, null, `classes[${i}] expected a string`);
    });
    classes = cl as string[];
  }
  const entries: MeshLabelEntry[] = items.map((it, i) => {
    const at = `items[${i}]`;
    if (!isObject(it)) throw new DatasetFormatError(file, null, `${at}: expected an object`);
    const f = field(it, "file", file, at, isString, "a file name");
    const where = `${at} (${f})`;
    const entry: MeshLabelEntry = { file: f, split: parseSplit(it.split, file, where) };
    if (it.label !== undefined) {
      if (typeof it.label !== "string" && !isInt(it.label))
        throw new DatasetFormatError(file, null, `${where}: 'label' expected a class name or id`);
      entry.label = it.label;
    }
    if (it.labels !== undefined) {
      const l = field(it, "labels", file, where, isArray, "an array of integer labels");
      entry.labels = Array.from(ints(l, file, `${where}: 'labels'`, -1, READER_LIMITS.maxLabelRange));
    }
    if (it.edgeLabels !== undefined) {
      const l = field(it, "edgeLabels", file, where, isArray, "an array of [u, v, label] triples");
      entry.edgeLabels = l.map((t, k) => {
        if (!Array.isArray(t) || t.length !== 3 || !t.every(isInt))
          throw new DatasetFormatError(file, null, `${where}: edgeLabels[${k}] expected [u, v, label] integers`);
        return [t[0], t[1], t[2]] as [number, number, number];
      });
    }
    const kinds = [entry.label !== undefined, entry.labels !== undefined, entry.edgeLabels !== undefined].filter(
      Boolean,
    );
    if (kinds.length !== 1)
      throw new DatasetFormatError(file, null, `${where}: expected exactly one of 'label', 'labels' or 'edgeLabels'`);
    return entry;
  });
  const seg = entries.filter((e) => e.label === undefined).length;
  if (seg !== 0 && seg !== entries.length)
    throw new DatasetFormatError(
      file,
      null,
      "mixes class labels ('label') with segmentation labels ('labels', 'edgeLabels')",
    );
  const task = seg === 0 ? "classification" : "segmentation";
  if (task === "segmentation") {
    if (entries.some((e) => e.edgeLabels !== undefined)) {
      if (on !== undefined && on !== "edge")
        throw new DatasetFormatError(file, null, `'edgeLabels' are edge labels, but 'on' is '${on}'`);
      on = "edge";
    }
    if (on === undefined)
      throw new DatasetFormatError(file, null, "segmentation labels need 'on': 'vertex', 'face' or 'edge'");
  }
  return { task, ...(on !== undefined ? { on } : {}), ...(classes !== undefined ? { classes } : {}), entries };
}

function csvCells(line: string): string[] {
  return line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
}

function labelsFromCsv(text: string, file: string): MeshLabelSpec {
  const lines = splitLines(text)
    .map((l, i) => ({ l: l.trim(), n: i + 1 }))
    .filter((x) => x.l !== "" && !x.l.startsWith("#"));
  if (lines.length === 0) throw new DatasetFormatError(file, null, "has no rows");
  const head = csvCells(lines[0]!.l).map((c) => c.toLowerCase());
  const layouts: Record<string, { task: MeshLabelSpec["task"]; on?: MeshElement; cols: string[] }> = {
    "file,label": { task: "classification", cols: ["file", "label"] },
    "file,class": { task: "classification", cols: ["file", "label"] },
    "file,vertex,label": { task: "segmentation", on: "vertex", cols: ["file", "index", "label"] },
    "file,face,label": { task: "segmentation", on: "face", cols: ["file", "index", "label"] },
    "file,edge,label": { task: "segmentation", on: "edge", cols: ["file", "index", "label"] },
    "file,u,v,label": { task: "segmentation", on: "edge", cols: ["file", "u", "v", "label"] },
  };
  const hasSplit = head.at(-1) === "split";
  const key = (hasSplit ? head.slice(0, -1) : head).join(",");
  let layout = layouts[key];
  let rows = lines.slice(1);
  if (layout === undefined) {
    // no header: two columns file,label (optionally a third: split)
    const first = csvCells(lines[0]!.l);
    if (first.length < 2 || first.length > 3 || first[0]!.toLowerCase() === "file")
      throw new DatasetFormatError(
        file,
        lines[0]!.n,
        `unknown header '${lines[0]!.l}' (expected one of: ${Object.keys(layouts).join(" | ")}, optionally ending in ',split')`,
      );
    layout = layouts["file,label"]!;
    rows = lines;
  }
  const split3 = hasSplit || (layout.task === "classification" && rows.some((r) => csvCells(r.l).length === 3));
  const width = layout.cols.length + (split3 ? 1 : 0);
  const byFile = new Map<string, MeshLabelEntry>();
  const entries: MeshLabelEntry[] = [];
  for (const { l, n } of rows) {
    const c = csvCells(l);
    if (c.length !== width) throw new DatasetFormatError(file, n, `expected ${width} columns, got ${c.length}`);
    const f = c[0]!;
    if (f === "") throw new DatasetFormatError(file, n, "empty file name");
    const split = split3 ? parseSplit(c[width - 1], file, `line ${n}`) : undefined;
    const int = (s: string, what: string, lo = 0) => {
      const v = Number(s);
      if (!Number.isSafeInteger(v) || v < lo || s === "")
        throw new DatasetFormatError(file, n, `${what} expected an integer ≥ ${lo}, got '${s}'`);
      return v;
    };
    if (layout.task === "classification") {
      if (byFile.has(f)) throw new DatasetFormatError(file, n, `'${f}' is listed twice`);
      const raw = c[1]!;
      const e: MeshLabelEntry = { file: f, label: /^\d+$/.test(raw) ? Number(raw) : raw, split };
      if (raw === "") throw new DatasetFormatError(file, n, "empty label");
      byFile.set(f, e);
      entries.push(e);
      continue;
    }
    let e = byFile.get(f);
    if (e === undefined) {
      e = { file: f, split, ...(layout.cols.length === 4 ? { edgeLabels: [] } : { indexed: [] }) };
      byFile.set(f, e);
      entries.push(e);
    } else if (split !== undefined && e.split !== split) {
      throw new DatasetFormatError(file, n, `'${f}' is in both splits`);
    }
    if (layout.cols.length === 4) {
      e.edgeLabels!.push([int(c[1]!, "u"), int(c[2]!, "v"), int(c[3]!, "label", -1)]);
    } else {
      e.indexed!.push([int(c[1]!, layout.on!), int(c[2]!, "label", -1)]);
    }
  }
  return { task: layout.task, ...(layout.on !== undefined ? { on: layout.on } : {}), entries };
}

/**
 * Parses a labels file for a folder of meshes (JSON or CSV; the format is picked from the content).
 *
 * JSON: a map `{"a.obj": "cat", "b.off": 2}` (classification), or
 * `{on?, classes?, items: [{file, label | labels | edgeLabels, split?}]}` where `label` is a class name
 * or id, `labels` one label per vertex / face / edge (edges in {@link Mesh.edges} order: sorted vertex
 * pairs), `edgeLabels` `[u, v, label]` triples, and `split` `train` or `test`.
 *
 * CSV (header required for segmentation): `file,label[,split]` (classification; a header-less two-column
 * file works too), `file,vertex,label`, `file,face,label`, `file,edge,label` or `file,u,v,label`
 * (one row per labelled element), each optionally followed by a `split` column. Label −1 marks an
 * unlabelled element. Lines starting with `#` are comments.
 */
export function parseMeshLabels(content: FileContent, file = "labels"): MeshLabelSpec {
  const text = asText(content, file).replace(/^\uFEFF/, "");
  const t = text.trimStart();
  if (t.startsWith("{") || t.startsWith("[")) return labelsFromJson(parseJson(t, file), file);
  return labelsFromCsv(text, file);
}

const PLURAL: Record<MeshElement, string> = { vertex: "vertices", face: "faces", edge: "edges" };

/** Options of {@link buildMeshFolderDataset}. */
export interface MeshFolderOptions {
  /** Test share for files without a `split` (stratified by class for classification; default 0.2). */
  testFraction?: number;
  /** Seed of that split (default 0). */
  seed?: number;
}

/** A dataset built from a user's folder: classification or segmentation. */
export type MeshFolderDataset =
  | ({ task: "classification" } & MeshClassificationSet)
  | ({ task: "segmentation" } & MeshSegmentationSet);

function edgeLabelsFromTriples(
  mesh: Mesh,
  triples: [number, number, number][],
  file: string,
  where: string,
): Int32Array {
  const V = mesh.numVertices;
  const id = new Map<number, number>();
  const me = mesh.edges;
  for (let e = 0; e < mesh.numEdges; e++) id.set(me[2 * e]! * V + me[2 * e + 1]!, e);
  const out = new Int32Array(mesh.numEdges).fill(-1);
  for (const [u, v, l] of triples) {
    const e = u < V && v < V ? id.get(Math.min(u, v) * V + Math.max(u, v)) : undefined;
    if (e === undefined) throw new DatasetFormatError(file, null, `${where}: (${u}, ${v}) is not an edge of the mesh`);
    out[e] = l;
  }
  return out;
}

/** Splits indices into train/test: `split` where given, else a seeded share (stratified by `strata`). */
function assignSplits(
  splits: ("train" | "test" | undefined)[],
  strata: number[],
  fraction: number,
  seed: number,
): ("train" | "test")[] {
  const out = splits.map((s) => s ?? "train") as ("train" | "test")[];
  const free = new Map<number, number[]>();
  splits.forEach((s, i) => {
    if (s !== undefined) return;
    const k = strata[i]!;
    if (!free.has(k)) free.set(k, []);
    free.get(k)!.push(i);
  });
  const gen = new Generator(seed);
  for (const k of [...free.keys()].sort((a, b) => a - b)) {
    const idx = free.get(k)!;
    const order = gen.permutation(idx.length);
    const nTest = idx.length > 1 ? Math.max(1, Math.round(fraction * idx.length)) : 0;
    for (let j = 0; j < nTest; j++) out[idx[order[j]!]!] = "test";
  }
  return out;
}

/**
 * Builds a classification or segmentation dataset from a parsed labels file and the meshes of the files
 * it names (`meshes.get(entry.file)`). Class names become ids in sorted order (or the order of
 * `spec.classes`); numeric labels are used as they are. Per-element label counts must match the mesh
 * (vertices, faces or edges). Files without a split go to the test set with probability `testFraction`
 * (seeded, stratified by class for classification).
 */
export function buildMeshFolderDataset(
  spec: MeshLabelSpec,
  meshes: ReadonlyMap<string, Mesh>,
  labelsFile = "labels",
  opts: MeshFolderOptions = {},
): MeshFolderDataset {
  const fraction = opts.testFraction ?? 0.2;
  if (!(fraction >= 0 && fraction < 1))
    throw new ErlangenError(
      `buildMeshFolderDataset: argument 'testFraction' expected a number in [0, 1), got ${fraction}`,
    );
  const meshOf = (f: string) => {
    const m = meshes.get(f);
    if (m === undefined) throw new DatasetFormatError(labelsFile, null, `no mesh for '${f}'`);
    return m;
  };
  if (spec.entries.length === 0) throw new DatasetFormatError(labelsFile, null, "lists no meshes");
  if (spec.task === "classification") {
    const names = spec.entries.map((e) => e.label!);
    let classes: string[];
    let idOf: (l: string | number) => number;
    if (spec.classes !== undefined) {
      classes = spec.classes;
      idOf = (l) => (typeof l === "number" ? l : classes.indexOf(l));
    } else if (names.every((l) => typeof l === "number")) {
      const C = Math.max(...(names as number[])) + 1;
      if (C > READER_LIMITS.maxLabelRange)
        throw new DatasetFormatError(
          labelsFile,
          null,
          `class id ${C - 1} is above the limit of ${READER_LIMITS.maxLabelRange} classes`,
        );
      classes = Array.from({ length: C }, (_, i) => String(i));
      idOf = (l) => l as number;
    } else {
      classes = [...new Set(names.map(String))].sort();
      idOf = (l) => classes.indexOf(String(l));
    }
    const items: LabelledMesh[] = spec.entries.map((e) => {
      const label = idOf(e.label!);
      if (!(label >= 0 && label < classes.length))
        throw new DatasetFormatError(
          labelsFile,
          null,
          `'${e.file}': label ${JSON.stringify(e.label)} is not a class (${classes.join(", ")})`,
        );
      return { file: e.file, mesh: meshOf(e.file), label };
    });
    const where = assignSplits(
      spec.entries.map((e) => e.split),
      items.map((m) => m.label),
      fraction,
      opts.seed ?? 0,
    );
    return {
      task: "classification",
      name: "mesh-folder",
      classes,
      train: items.filter((_, i) => where[i] === "train"),
      test: items.filter((_, i) => where[i] === "test"),
    };
  }
  const on = spec.on!;
  const items: SegmentedMesh[] = spec.entries.map((e) => {
    const mesh = meshOf(e.file);
    const n = on === "vertex" ? mesh.numVertices : on === "face" ? mesh.numFaces : mesh.numEdges;
    let labels: Int32Array;
    if (e.edgeLabels !== undefined) labels = edgeLabelsFromTriples(mesh, e.edgeLabels, labelsFile, `'${e.file}'`);
    else if (e.indexed !== undefined) {
      // CSV rows: unlisted elements stay unlabelled (−1)
      labels = new Int32Array(n).fill(-1);
      const seen = new Uint8Array(n);
      for (const [i, l] of e.indexed) {
        if (i >= n)
          throw new DatasetFormatError(
            labelsFile,
            null,
            `'${e.file}': ${on} ${i} is outside the mesh's ${n} ${PLURAL[on]}`,
          );
        if (seen[i]) throw new DatasetFormatError(labelsFile, null, `'${e.file}': ${on} ${i} is labelled twice`);
        seen[i] = 1;
        labels[i] = l;
      }
    } else {
      // a JSON array has exactly one label per element
      const l = e.labels!;
      if (l.length !== n)
        throw new DatasetFormatError(labelsFile, null, `'${e.file}': ${l.length} labels for ${n} ${PLURAL[on]}`);
      labels = Int32Array.from(l);
    }
    return { file: e.file, mesh, on, labels };
  });
  let C = 0;
  for (const s of items) for (const v of s.labels) C = Math.max(C, v + 1);
  if (C > READER_LIMITS.maxLabelRange)
    throw new DatasetFormatError(
      labelsFile,
      null,
      `label ${C - 1} is above the limit of ${READER_LIMITS.maxLabelRange} classes`,
    );
  if (spec.classes !== undefined) {
    if (C > spec.classes.length)
      throw new DatasetFormatError(
        labelsFile,
        null,
        `label ${C - 1} is outside the ${spec.classes.length} classes given`,
      );
    C = spec.classes.length;
  }
  if (C < 2) throw new DatasetFormatError(labelsFile, null, `segmentation needs at least 2 classes, got ${C}`);
  const where = assignSplits(
    spec.entries.map((e) => e.split),
    spec.entries.map(() => 0),
    fraction,
    opts.seed ?? 0,
  );
  return {
    task: "segmentation",
    name: "mesh-folder",
    numClasses: C,
    ...(spec.classes !== undefined ? { classes: spec.classes } : {}),
    on,
    train: items.filter((_, i) => where[i] === "train"),
    test: items.filter((_, i) => where[i] === "test"),
  };
}
