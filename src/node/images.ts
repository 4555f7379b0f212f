/**
 * Node loaders of the shipped image and voxel datasets (`erlangen/node`): MNIST (`datasets/mnist/`,
 * the official t10k test set and the first 10,000 training digits), rotated MNIST, and ModelNet10 30³
 * voxels (`datasets/grids/modelnet10_voxels30/`). Files are looked up like the other datasets (the
 * `root` option, `ERLANGEN_DATASETS`, or the package's `datasets/`); parsing is done by the
 * browser-safe parsers in `data/datasets`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isGzip } from "../data/datasets/common.js";
import {
  type IdxArray,
  type ImageDataset,
  parseIdx,
  parseMNIST,
  RotatedMNIST,
  type RotatedMNISTOptions,
} from "../data/datasets/mnist.js";
import { parseModelNet10, type VoxelDataset } from "../data/datasets/modelnet.js";
import { ErlangenError, opError } from "../tensor/errors.js";
import { type DatasetRootOptions, datasetsRoot } from "./datasets.js";
import { gunzipFile } from "./gunzip.js";

function readMaybeGz(path: string, what: string): Uint8Array {
  if (!existsSync(path))
    throw new ErlangenError(`${what}: file not found: ${path} (pass { root } or set ERLANGEN_DATASETS)`);
  const raw = readFileSync(path);
  const b = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  return isGzip(b) ? gunzipFile(b, path, what) : b;
}

/** Reads an idx file (gzipped or not). */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readMaybeGz(path, "readIdxFile"), path);
}

/** The MNIST splits shipped: `train` (10,000 digits, stored grouped by class) and `test` (t10k). */
export type MNISTSplit = "train" | "test";

const MNIST_FILES: Record<MNISTSplit, [string, string]> = {
  train: ["train10k-images-idx3-ubyte.gz", "train10k-labels-idx1-ubyte.gz"],
  test: ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
};

/**
 * Loads a shipped MNIST split as an {@link ImageDataset} (images [N, 1, 28, 28] in [0, 1], int32
 * labels). The training digits are stored grouped by class: shuffle before use.
 *
 * ```ts
 * const test = loadMNIST("test"); // 10,000 digits
 * const { x, y } = test.batch([0, 1, 2]);
 * ```
 */
export function loadMNIST(split: MNISTSplit, opts: DatasetRootOptions = {}): ImageDataset {
  const files = Object.hasOwn(MNIST_FILES, split) ? MNIST_FILES[split] : undefined;
  if (files === undefined) opError("loadMNIST", "split", "'train' or 'test'", String(split));
  const dir = join(datasetsRoot(opts), "mnist");
  const im = join(dir, files[0]);
  const lb = join(dir, files[1]);
  return parseMNIST(readMaybeGz(im, "loadMNIST"), readMaybeGz(lb, "loadMNIST"), { images: im, labels: lb });
}

/**
 * Loads rotated MNIST: the shipped split with every digit rotated by its own seeded angle, uniform in
 * [0, 2π) (see {@link RotatedMNIST}; `shuffle` defaults to true here, since the training digits are
 * grouped by class).
 */
export function loadRotatedMNIST(split: MNISTSplit, opts: DatasetRootOptions & RotatedMNISTOptions = {}): RotatedMNIST {
  const { root, ...rot } = opts;
  return new RotatedMNIST(loadMNIST(split, { root }), { shuffle: true, ...rot });
}

/** The ModelNet10 splits: 3991 training and 908 test shapes. */
export type ModelNetSplit = "train" | "test";

/**
 * Loads ModelNet10 30³ voxel grids (bit-packed in memory; `get`/`batch` give float32 occupancy
 * [.., 1, 30, 30, 30]). Counts and the grid size are checked against the folder's `meta.json`.
 */
export function loadModelNet10(split: ModelNetSplit, opts: DatasetRootOptions = {}): VoxelDataset {
  if (split !== "train" && split !== "test") opError("loadModelNet10", "split", "'train' or 'test'", String(split));
  const dir = join(datasetsRoot(opts), "grids", "modelnet10_voxels30");
  const metaPath = join(dir, "meta.json");
  let grid = 30;
  let count: number | undefined;
  if (existsSync(metaPath)) {
    let meta: unknown;
    try {
      meta = JSON.parse(readFileSync(metaPath, "utf8"));
    } catch (e) {
      throw new ErlangenError(`loadModelNet10: ${metaPath}: invalid JSON (${(e as Error).message})`);
    }
    const m = (typeof meta === "object" && meta !== null ? meta : {}) as {
      grid?: unknown;
      arrays?: Record<string, { shape?: unknown[] } | undefined>;
    };
    const g = m.grid ?? 30;
    if (typeof g !== "number" || !Number.isInteger(g) || g < 1 || g > 1024)
      throw new ErlangenError(
        `loadModelNet10: ${metaPath}: grid expected an integer in [1, 1024], got ${JSON.stringify(g)}`,
      );
    grid = g;
    const arrays = m.arrays;
    const key = `${split}_voxels`;
    const c =
      typeof arrays === "object" && arrays !== null && Object.hasOwn(arrays, key) ? arrays[key]?.shape?.[0] : undefined;
    if (c !== undefined && (typeof c !== "number" || !Number.isSafeInteger(c) || c < 0))
      throw new ErlangenError(
        `loadModelNet10: ${metaPath}: arrays.${key}.shape[0] expected a shape count, got ${JSON.stringify(c)}`,
      );
    count = c;
  }
  const vf = join(dir, `${split}_voxels.bits.gz`);
  const lf = join(dir, `${split}_labels.u8.bin`);
  return parseModelNet10(readMaybeGz(vf, "loadModelNet10"), readMaybeGz(lf, "loadModelNet10"), {
    grid,
    count,
    voxelsFile: vf,
    labelsFile: lf,
  });
}
