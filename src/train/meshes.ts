/**
 * Training on meshes: {@link MeshItem} (a mesh with its labels and a memo of per-mesh precomputations:
 * eigenbasis, operators, frames, input features), input features, and the two tasks,
 * {@link meshClassificationTask} and {@link meshSegmentationTask}.
 *
 * A mesh model is called once per mesh as `model.call(x, item)`, with `x` the input features `[V, C_in]`
 * (float32) and `item` the mesh with its memo; it returns logits `[1, C]` (classification) or logits on
 * the mesh elements it names in `outputOn` (segmentation: `[V, C]`, `[F, C]` or `[E, C]`). Before training
 * the task calls the model's `prepare(item)` on every mesh, so per-mesh work runs once per dataset load
 * (the memo lives on the item, which outlives runs and seeds).
 *
 * Edge predictions from vertex or face outputs: the logits of an edge are the mean of the logits of its
 * two end vertices (vertex models) or of its one or two incident faces (face models). Losses and metrics
 * for edge-labelled data (human-body segmentation) are computed on those edge logits.
 */
import type { MeshElement } from "../data/datasets/meshes.js";
import { heatKernelSignature, logspace } from "../domains/mesh/descriptors.js";
import { type MeshEigenbasis, meshEigenbasis } from "../domains/mesh/eigenbasis.js";
import type { Mesh } from "../domains/mesh/mesh.js";
import { normalizePositions } from "../domains/mesh/normalize.js";
import { DIFFUSION_NET_LAPLACIAN } from "../layers/meshes/diffusion_net.js";
import { crossEntropy } from "../nn/losses.js";
import { randomRotationMatrix } from "../symmetry/groups.js";
import { noGrad } from "../tensor/autograd.js";
import { ErlangenError, fmtShape, opError } from "../tensor/errors.js";
import { add, mul } from "../tensor/ops/elementwise.js";
import { indexSelect } from "../tensor/ops/indexing.js";
import type { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import type { CallableModel } from "./tasks.js";
import type { Metrics, Split, Task } from "./trainer.js";

/**
 * One mesh of a dataset with its labels and a memo for per-mesh precomputations. Items are made once per
 * dataset load; everything memoised on them (operators, eigenbases, features) is shared by every run.
 */
export class MeshItem {
  readonly file: string;
  readonly mesh: Mesh;
  /** Class id (classification), −1 otherwise. */
  readonly label: number;
  /** Per-element labels (segmentation; −1 = unlabelled), on {@link segOn}. */
  readonly segLabels: Int32Array | null;
  readonly segOn: MeshElement | null;
  /** Soft labels `[n, C]` of the segmentation (MeshCNN's `sseg`), when known. */
  readonly soft: Float32Array | null;
  readonly #memo = new Map<string, unknown>();

  constructor(
    file: string,
    mesh: Mesh,
    labels: {
      label?: number;
      seg?: { on: MeshElement; labels: Int32Array; soft?: Float32Array };
    },
  ) {
    this.file = file;
    this.mesh = mesh;
    this.label = labels.label ?? -1;
    this.segLabels = labels.seg?.labels ?? null;
    this.segOn = labels.seg?.on ?? null;
    this.soft = labels.seg?.soft ?? null;
  }

  /** The value memoised under `key`, computed by `make` on first use. */
  memo<T>(key: string, make: () => T): T {
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const v = make();
    this.#memo.set(key, v);
    return v;
  }

  /** Whether `key` has been computed. */
  has(key: string): boolean {
    return this.#memo.has(key);
  }
}

/** A model that runs on one mesh at a time (see the module docs). */
export interface MeshModel extends CallableModel {
  /** Segmentation models: the elements their logits live on (default `vertex`). */
  readonly outputOn?: MeshElement;
  /** Precomputes what the model needs on `item` (memoised on the item). */
  prepare?(item: MeshItem): void;
}

/**
 * The mesh normalised as DiffusionNet does (centred, farthest vertex at distance 1; see
 * `normalizePositions`), memoised on the item: every per-mesh operator is computed on it.
 */
export function normalizedMesh(item: MeshItem): Mesh {
  return item.memo("normalized-mesh", () => normalizePositions(item.mesh));
}

/** How input features are made from a mesh. */
export interface MeshFeatures {
  /** Short name, e.g. `xyz` or `hks`. */
  readonly name: string;
  /** Channels per vertex. */
  readonly channels: number;
  /** Features `[V, channels]` (float32); `train` and `generator` allow augmentation (e.g. random rotations). */
  compute(item: MeshItem, train: boolean, generator: Generator): Tensor;
  /** Precomputation (memoised on the item). */
  prepare?(item: MeshItem): void;
}

/**
 * Normalised positions (see {@link normalizedMesh}); during training each mesh is rotated by a fresh
 * uniformly random rotation when `augment` (the augmentation DiffusionNet uses with xyz inputs).
 */
export function xyzFeatures(opts: { augment?: boolean } = {}): MeshFeatures {
  const augment = opts.augment ?? true;
  return {
    name: augment ? "xyz (random rotations in training)" : "xyz",
    channels: 3,
    prepare(item) {
      normalizedMesh(item);
    },
    compute(item, train, generator) {
      const p = normalizedMesh(item).positions;
      const V = item.mesh.numVertices;
      const out = new Float32Array(3 * V);
      if (train && augment) {
        const R = randomRotationMatrix(3, generator);
        for (let v = 0; v < V; v++)
          for (let i = 0; i < 3; i++)
            out[3 * v + i] = R[3 * i]! * p[3 * v]! + R[3 * i + 1]! * p[3 * v + 1]! + R[3 * i + 2]! * p[3 * v + 2]!;
      } else out.set(p);
      return new Tensor(out, [V, 3], "float32");
    },
  };
}

/** Per-vertex features computed once per mesh by `make` and memoised under `key` (e.g. heat kernel signatures). */
export function staticFeatures(
  name: string,
  channels: number,
  key: string,
  make: (item: MeshItem) => Float64Array | Float32Array,
): MeshFeatures {
  const get = (item: MeshItem) =>
    item.memo(`features:${key}`, () => {
      const f = make(item);
      const V = item.mesh.numVertices;
      if (f.length !== V * channels)
        throw new ErlangenError(
          `${name} features: expected ${V} × ${channels} values for ${item.file}, got ${f.length}`,
        );
      for (let i = 0; i < f.length; i++)
        if (!Number.isFinite(f[i]!))
          throw new ErlangenError(`${name} features: non-finite value ${f[i]} on ${item.file}`);
      return new Tensor(Float32Array.from(f), [V, channels], "float32");
    });
  return {
    name,
    channels,
    prepare(item) {
      get(item);
    },
    compute: (item) => get(item),
  };
}

/**
 * A persistent store for per-mesh precomputations (e.g. a folder on disk, see `erlangen/node`'s
 * `fileMeshCache`): float64 arrays under a string key. Set one with {@link setMeshCache}.
 */
export interface MeshCache {
  get(key: string): Float64Array[] | undefined;
  set(key: string, arrays: Float64Array[]): void;
}

let meshCache: MeshCache | null = null;

/** Sets (or, with null, removes) the persistent store {@link meshBasis} reads and fills. */
export function setMeshCache(cache: MeshCache | null): void {
  meshCache = cache;
}

/** A 64-bit FNV-1a hash (hex) of a mesh's coordinates and triangles: the key of its precomputations. */
export function meshHash(mesh: Mesh): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const mix = (bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) {
      h1 = Math.imul(h1 ^ bytes[i]!, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ bytes[i]!, 0x5bd1e995) >>> 0;
    }
  };
  mix(new Uint8Array(mesh.positions.buffer, mesh.positions.byteOffset, mesh.positions.byteLength));
  mix(new Uint8Array(mesh.faces.buffer, mesh.faces.byteOffset, mesh.faces.byteLength));
  return `${h1.toString(16).padStart(8, "0")}${h2.toString(16).padStart(8, "0")}-${mesh.numVertices}-${mesh.numFaces}`;
}

/** The store key of a normalised mesh's eigenbasis with k pairs (intrinsic Delaunay Laplacian, format 1). */
export function meshBasisKey(normalized: Mesh, k: number): string {
  return `basis-idt-v1-${meshHash(normalized)}-k${k}`;
}

/**
 * The k smallest eigenpairs of L φ = λ M φ on the item's normalised mesh (the intrinsic Delaunay cotan
 * Laplacian and its lumped mass, as DiffusionNet builds them with robust-laplacian; `meshEigenbasis`),
 * memoised per k: the spectral features and the spectral models of one mesh share it.
 * With a persistent store set ({@link setMeshCache}), it is read from there or written there.
 */
export function meshBasis(item: MeshItem, k: number): MeshEigenbasis {
  const kk = Math.min(k, item.mesh.numVertices);
  return item.memo(`basis:${kk}`, () => {
    const mesh = normalizedMesh(item);
    const key = meshCache === null ? "" : meshBasisKey(mesh, kk);
    const hit = meshCache?.get(key);
    const V = mesh.numVertices;
    if (
      hit !== undefined &&
      hit.length === 3 &&
      hit[0]!.length === kk &&
      hit[1]!.length === V * kk &&
      hit[2]!.length === V
    )
      return { values: hit[0]!, vectors: hit[1]!, mass: hit[2]!, k: kk, numVertices: V };
    const basis = meshEigenbasis(mesh, kk, { laplacian: DIFFUSION_NET_LAPLACIAN });
    meshCache?.set(key, [basis.values, basis.vectors, basis.mass]);
    return basis;
  });
}

/**
 * Heat kernel signatures h_v(t) = Σ_j e^{−λ_j t} φ_j(v)² of the normalised mesh at `count` times log-spaced
 * in [0.01, 1] (DiffusionNet's `compute_hks_autoscale`), from the first `k` eigenpairs (default 16 and 128,
 * as DiffusionNet). Intrinsic: invariant to rigid motions and, up to discretisation, to isometries.
 */
export function hksFeatures(opts: { count?: number; k?: number } = {}): MeshFeatures {
  const count = opts.count ?? 16;
  const k = opts.k ?? 128;
  const times = logspace(-2, 0, count);
  return staticFeatures(`hks (${count} times, ${k} eigenpairs)`, count, `hks:${count}:${k}`, (item) =>
    heatKernelSignature(meshBasis(item, k), times),
  );
}

/** Runs every `prepare` (features, then model) over `items`, reporting progress as `(done, total)`. */
export function prepareMeshes(
  items: readonly MeshItem[],
  steps: ((item: MeshItem) => void)[],
  progress?: (done: number, total: number) => void,
): void {
  const n = items.length;
  for (let i = 0; i < n; i++) {
    for (const s of steps) s(items[i]!);
    progress?.(i + 1, n);
  }
}

/** Options of the mesh tasks. */
export interface MeshTaskOptions {
  train: readonly MeshItem[];
  test?: readonly MeshItem[];
  val?: readonly MeshItem[];
  features: MeshFeatures;
  /** Meshes per optimiser step (their losses are averaged; default 1, as DiffusionNet trains). */
  batchSize?: number;
  /** Shuffles the training meshes each epoch and draws augmentations. */
  generator: Generator;
  /** Label smoothing of the cross-entropy (default 0). */
  labelSmoothing?: number;
}

function splitsOf(opts: MeshTaskOptions): Split[] {
  const s: Split[] = ["train"];
  if (opts.val !== undefined && opts.val.length > 0) s.push("val");
  if (opts.test !== undefined && opts.test.length > 0) s.push("test");
  return s;
}

function run(model: MeshModel, x: Tensor, item: MeshItem): Tensor {
  const out = (model.call as (x: Tensor, item: MeshItem) => unknown)(x, item);
  if (!(out instanceof Tensor)) opError("mesh task", "forward", "a Tensor of logits", typeof out);
  return out;
}

function argmaxRow(d: ArrayLike<number>, row: number, C: number): number {
  let best = 0;
  for (let k = 1; k < C; k++) if (d[row * C + k]! > d[row * C + best]!) best = k;
  return best;
}

function batches(n: number, batchSize: number, order: Int32Array): Int32Array[] {
  const out: Int32Array[] = [];
  for (let b = 0; b < n; b += batchSize) out.push(order.subarray(b, Math.min(n, b + batchSize)));
  return out;
}

/**
 * Mesh classification: cross-entropy (with optional label smoothing) on `[1, C]` logits per mesh,
 * `batchSize` meshes per step; reports `loss` and `accuracy`.
 */
export function meshClassificationTask<M extends MeshModel>(opts: MeshTaskOptions): Task<M> {
  const op = "meshClassificationTask";
  const bs = opts.batchSize ?? 1;
  if (!Number.isInteger(bs) || bs < 1) opError(op, "batchSize", "a positive integer", String(bs));
  for (const it of [...opts.train, ...(opts.test ?? []), ...(opts.val ?? [])])
    if (it.label < 0) opError(op, "items", "meshes with class labels", `${it.file} without one`);
  const sets: Partial<Record<Split, readonly MeshItem[]>> = { train: opts.train, val: opts.val, test: opts.test };
  const eps = opts.labelSmoothing ?? 0;
  const logits = (model: M, item: MeshItem, train: boolean) => {
    const out = run(model, opts.features.compute(item, train, opts.generator), item);
    if (out.ndim !== 2 || out.shape[0] !== 1) opError(op, "forward", "logits of shape [1, C]", fmtShape(out.shape));
    return out;
  };
  const target = (item: MeshItem) => new Tensor(Int32Array.of(item.label), [1], "int32");
  return {
    metric: "accuracy",
    mode: "max",
    splits: splitsOf(opts),
    trainStep(ctx) {
      const n = opts.train.length;
      const order = opts.generator.permutation(n);
      let lossSum = 0;
      let right = 0;
      for (const b of batches(n, bs, order)) {
        let loss: Tensor | null = null;
        for (const i of b) {
          const item = opts.train[i]!;
          const out = logits(ctx.model, item, true);
          const l = crossEntropy(out, target(item), { labelSmoothing: eps });
          loss = loss === null ? l : add(loss, l);
          if (argmaxRow(out.data, 0, out.shape[1]!) === item.label) right++;
        }
        lossSum += ctx.backwardStep(mul(loss!, 1 / b.length)) * b.length;
      }
      return { loss: lossSum / n, metrics: { accuracy: right / n } };
    },
    evaluate(split, ctx): Metrics {
      const items = sets[split];
      if (items === undefined) opError(op, "split", `one of ${splitsOf(opts).join(", ")}`, split);
      return noGrad(() => {
        let lossSum = 0;
        let right = 0;
        for (const item of items) {
          const out = logits(ctx.model, item, false);
          lossSum += crossEntropy(out, target(item)).item();
          if (argmaxRow(out.data, 0, out.shape[1]!) === item.label) right++;
        }
        return { loss: lossSum / items.length, accuracy: right / items.length };
      });
    },
  };
}

/** Index tensors that turn vertex or face logits into edge logits (memoised on the item). */
function edgeGather(item: MeshItem, from: MeshElement): { a: Tensor; b: Tensor } {
  return item.memo(`edge-gather:${from}`, () => {
    const mesh = item.mesh;
    const E = mesh.numEdges;
    const a = new Int32Array(E);
    const b = new Int32Array(E);
    if (from === "vertex") {
      const ed = mesh.edges;
      for (let e = 0; e < E; e++) {
        a[e] = ed[2 * e]!;
        b[e] = ed[2 * e + 1]!;
      }
    } else {
      const { edge, face } = mesh.halfEdges;
      a.fill(-1);
      b.fill(-1);
      for (let h = 0; h < edge.length; h++) {
        const e = edge[h]!;
        if (a[e] === -1) a[e] = face[h]!;
        else if (b[e] === -1) b[e] = face[h]!;
      }
      // boundary edges have one face: count it twice
      for (let e = 0; e < E; e++) if (b[e] === -1) b[e] = a[e]!;
    }
    return { a: new Tensor(a, [E], "int32"), b: new Tensor(b, [E], "int32") };
  });
}

/**
 * Logits on the elements the labels live on: the model's own outputs when they match, else edge logits
 * as the mean over the edge's two vertices (or its incident faces).
 */
export function logitsOn(out: Tensor, outOn: MeshElement, labelsOn: MeshElement, item: MeshItem): Tensor {
  const mesh = item.mesh;
  const n = (on: MeshElement) => (on === "vertex" ? mesh.numVertices : on === "face" ? mesh.numFaces : mesh.numEdges);
  if (out.ndim !== 2 || out.shape[0] !== n(outOn))
    opError("logitsOn", "logits", `[${n(outOn)}, C] (one row per ${outOn})`, fmtShape(out.shape));
  if (outOn === labelsOn) return out;
  if (labelsOn !== "edge")
    opError(
      "logitsOn",
      "labels",
      `labels on the ${outOn === "vertex" ? "vertices" : "faces"} or the edges for a model with ${outOn} outputs`,
      `labels on the ${labelsOn === "vertex" ? "vertices" : "faces"}`,
    );
  const { a, b } = edgeGather(item, outOn);
  return mul(add(indexSelect(out, 0, a), indexSelect(out, 0, b)), 0.5);
}

/**
 * Mesh segmentation: cross-entropy on the labelled elements (−1 labels ignored), `batchSize` meshes per
 * step. Reports `loss`, `accuracy` (plain accuracy over the labelled elements: the predicted class equals
 * the hard label) and, when the items carry soft labels, `softAccuracy` (MeshCNN's metric: an element
 * counts as right when its soft label for the predicted class is positive).
 */
export function meshSegmentationTask<M extends MeshModel>(opts: MeshTaskOptions): Task<M> {
  const op = "meshSegmentationTask";
  const bs = opts.batchSize ?? 1;
  if (!Number.isInteger(bs) || bs < 1) opError(op, "batchSize", "a positive integer", String(bs));
  const all = [...opts.train, ...(opts.test ?? []), ...(opts.val ?? [])];
  for (const it of all) if (it.segLabels === null) opError(op, "items", "meshes with segmentation labels", it.file);
  const hasSoft = all.every((it) => it.soft !== null);
  const sets: Partial<Record<Split, readonly MeshItem[]>> = { train: opts.train, val: opts.val, test: opts.test };
  const eps = opts.labelSmoothing ?? 0;
  const forward = (model: M, item: MeshItem, train: boolean) => {
    const out = run(model, opts.features.compute(item, train, opts.generator), item);
    return logitsOn(out, model.outputOn ?? "vertex", item.segOn!, item);
  };
  const target = (item: MeshItem) => new Tensor(item.segLabels!, [item.segLabels!.length], "int32");
  const score = (out: Tensor, item: MeshItem, acc: { right: number; soft: number; n: number }) => {
    const C = out.shape[1]!;
    const lab = item.segLabels!;
    const soft = item.soft;
    for (let i = 0; i < lab.length; i++) {
      if (lab[i]! < 0) continue;
      const p = argmaxRow(out.data, i, C);
      acc.n++;
      if (p === lab[i]) acc.right++;
      if (soft !== null && soft[i * C + p]! > 0) acc.soft++;
    }
  };
  const metrics = (acc: { right: number; soft: number; n: number }): Metrics => {
    const m: Metrics = { accuracy: acc.right / Math.max(1, acc.n) };
    if (hasSoft) m.softAccuracy = acc.soft / Math.max(1, acc.n);
    return m;
  };
  return {
    metric: hasSoft ? "softAccuracy" : "accuracy",
    mode: "max",
    splits: splitsOf(opts),
    trainStep(ctx) {
      const n = opts.train.length;
      const order = opts.generator.permutation(n);
      let lossSum = 0;
      const acc = { right: 0, soft: 0, n: 0 };
      for (const b of batches(n, bs, order)) {
        let loss: Tensor | null = null;
        for (const i of b) {
          const item = opts.train[i]!;
          const out = forward(ctx.model, item, true);
          const l = crossEntropy(out, target(item), { labelSmoothing: eps, ignoreIndex: -1 });
          loss = loss === null ? l : add(loss, l);
          score(out, item, acc);
        }
        lossSum += ctx.backwardStep(mul(loss!, 1 / b.length)) * b.length;
      }
      return { loss: lossSum / n, metrics: metrics(acc) };
    },
    evaluate(split, ctx): Metrics {
      const items = sets[split];
      if (items === undefined) opError(op, "split", `one of ${splitsOf(opts).join(", ")}`, split);
      return noGrad(() => {
        let lossSum = 0;
        const acc = { right: 0, soft: 0, n: 0 };
        for (const item of items) {
          const out = forward(ctx.model, item, false);
          lossSum += crossEntropy(out, target(item), { ignoreIndex: -1 }).item();
          score(out, item, acc);
        }
        return { loss: lossSum / items.length, ...metrics(acc) };
      });
    },
  };
}
