/**
 * MNIST in the idx format of LeCun et al. (bytes parsers, browser-safe) and the rotated-MNIST
 * benchmark built from it: every digit rotated about its centre by its own angle, uniform in
 * [0, 2π), by bilinear interpolation (as in the rotated-MNIST benchmark used for G-CNNs and steerable
 * CNNs). The Node loaders that read the shipped files are `loadMNIST` / `loadRotatedMNIST` in
 * `erlangen/node`.
 *
 * The idx format: a 4-byte big-endian magic `0x00 0x00 <type> <ndim>` (type 0x08 unsigned byte, 0x09
 * signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), `ndim` big-endian uint32 sizes,
 * then the values, big-endian, row-major.
 */
import { rotateImage } from "../../symmetry/actions.js";
import { ErlangenError, opError } from "../../tensor/errors.js";
import { Generator, getDefaultGenerator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import type { Dataset } from "../dataset.js";
import { DatasetFormatError, isGzip } from "./common.js";

/** Element types of idx files. */
export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The contents of an idx file. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  /** Row-major values (host byte order). */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** idx type byte → element type and size. */
const IDX_TYPES = new Map<number, [IdxType, number]>([
  [0x08, ["uint8", 1]],
  [0x09, ["int8", 1]],
  [0x0b, ["int16", 2]],
  [0x0c, ["int32", 4]],
  [0x0d, ["float32", 4]],
  [0x0e, ["float64", 8]],
]);

/**
 * Parses an (uncompressed) idx file. Throws a {@link DatasetFormatError} naming `file` on gzip input,
 * a bad magic number, or a file shorter or longer than its header declares.
 */
export function parseIdx(bytes: Uint8Array, file = "idx"): IdxArray {
  if (isGzip(bytes))
    throw new DatasetFormatError(
      file,
      null,
      "is gzip-compressed; decompress it first (gunzip() in browsers, zlib in Node)",
    );
  if (bytes.byteLength < 4)
    throw new DatasetFormatError(file, null, `truncated: ${bytes.byteLength} bytes, too short for an idx header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const t = IDX_TYPES.get(bytes[2]!);
  if (bytes[0] !== 0 || bytes[1] !== 0 || t === undefined || bytes[3] === 0) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new DatasetFormatError(
      file,
      null,
      `bad magic number ${hex} (expected 00 00 <type 08/09/0b/0c/0d/0e> <ndim>): not an idx file`,
    );
  }
  const [type, size] = t;
  const nd = bytes[3]!;
  const head = 4 + 4 * nd;
  if (bytes.byteLength < head)
    throw new DatasetFormatError(file, null, `truncated: header needs ${head} bytes, file has ${bytes.byteLength}`);
  const shape: number[] = [];
  for (let i = 0; i < nd; i++) shape.push(view.getUint32(4 + 4 * i));
  const n = shape.reduce((a, b) => a * b, 1);
  const need = head + n * size;
  if (bytes.byteLength < need) {
    throw new DatasetFormatError(
      file,
      null,
      `truncated: shape [${shape.join(", ")}] needs ${need} bytes, file has ${bytes.byteLength}`,
    );
  }
  if (bytes.byteLength > need)
    throw new DatasetFormatError(
      file,
      null,
      `${bytes.byteLength - need} unexpected bytes after the data of shape [${shape.join(", ")}]`,
    );
  let data: IdxArray["data"];
  if (type === "uint8") data = bytes.slice(head, need);
  else if (type === "int8") data = new Int8Array(bytes.slice(head, need).buffer);
  else {
    const arr =
      type === "int16"
        ? new Int16Array(n)
        : type === "int32"
          ? new Int32Array(n)
          : type === "float32"
            ? new Float32Array(n)
            : new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const o = head + i * size;
      arr[i] =
        type === "int16"
          ? view.getInt16(o)
          : type === "int32"
            ? view.getInt32(o)
            : type === "float32"
              ? view.getFloat32(o)
              : view.getFloat64(o);
    }
    data = arr;
  }
  return { type, shape, data };
}

/** One labelled image: x [C, H, W] and its class. */
export interface ImageItem {
  x: Tensor;
  y: number;
}

/**
 * Labelled images kept in memory: `images` [N, C, H, W] (float32) and `labels` [N] (int32). `get(i)`
 * gives one {@link ImageItem}; {@link ImageDataset.batch} gathers a mini-batch.
 */
export class ImageDataset implements Dataset<ImageItem> {
  readonly images: Tensor;
  readonly labels: Tensor;
  /** Class names, if known. */
  readonly classes: readonly string[] | undefined;

  constructor(images: Tensor, labels: Tensor, classes?: readonly string[]) {
    if (!(images instanceof Tensor) || images.ndim !== 4)
      opError(
        "ImageDataset",
        "images",
        "a tensor [N, C, H, W]",
        images instanceof Tensor ? `shape [${images.shape.join(", ")}]` : typeof images,
      );
    if (!(labels instanceof Tensor) || labels.ndim !== 1 || labels.dtype !== "int32")
      opError(
        "ImageDataset",
        "labels",
        "an int32 tensor [N]",
        labels instanceof Tensor ? `${labels.dtype} [${labels.shape.join(", ")}]` : typeof labels,
      );
    if (labels.shape[0] !== images.shape[0])
      opError("ImageDataset", "labels", `${images.shape[0]} labels (one per image)`, String(labels.shape[0]));
    this.images = images;
    this.labels = labels;
    this.classes = classes;
  }

  get length(): number {
    return this.images.shape[0]!;
  }

  /** Image `i` (negative counts from the end) as [C, H, W] and its label. */
  get(i: number): ImageItem {
    const n = this.length;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(i) || j < 0 || j >= n)
      opError("ImageDataset.get", "i", `an integer in [-${n}, ${n})`, String(i));
    const [, C, H, W] = this.images.shape as [number, number, number, number];
    const s = C * H * W;
    return {
      x: new Tensor(this.images.data.slice(j * s, (j + 1) * s), [C, H, W], this.images.dtype),
      y: this.labels.data[j]!,
    };
  }

  /** The images [B, C, H, W] and labels [B] at `indices` (in that order). */
  batch(indices: ArrayLike<number>): { x: Tensor; y: Tensor } {
    const [N, C, H, W] = this.images.shape as [number, number, number, number];
    const s = C * H * W;
    const x = new Float32Array(indices.length * s);
    const y = new Int32Array(indices.length);
    const src = this.images.data;
    for (let k = 0; k < indices.length; k++) {
      const j = indices[k]!;
      if (!Number.isInteger(j) || j < 0 || j >= N)
        opError("ImageDataset.batch", "indices", `integers in [0, ${N})`, `${j} at position ${k}`);
      x.set(src.subarray(j * s, (j + 1) * s), k * s);
      y[k] = this.labels.data[j]!;
    }
    return { x: new Tensor(x, [indices.length, C, H, W], "float32"), y: new Tensor(y, [indices.length], "int32") };
  }

  /** The subset at `indices` (copied), e.g. a seeded shuffle's first k images. */
  subset(indices: ArrayLike<number>): ImageDataset {
    const b = this.batch(indices);
    return new ImageDataset(b.x, b.y, this.classes);
  }

  /** A shuffled copy (seeded by `generator`, default the global one). MNIST's shipped training digits are grouped by class. */
  shuffle(generator: Generator = getDefaultGenerator()): ImageDataset {
    return this.subset(generator.permutation(this.length));
  }

  /** Images per class (labels 0..max). */
  classCounts(): number[] {
    const counts: number[] = [];
    for (const v of this.labels.data) counts[v] = (counts[v] ?? 0) + 1;
    return Array.from(counts, (c) => c ?? 0);
  }
}

/**
 * Builds an MNIST dataset from the bytes of an idx image file ([N, H, W] unsigned bytes) and an idx
 * label file ([N] unsigned bytes, 0..9), both uncompressed. Pixels become float32 in [0, 1] (÷255),
 * shape [N, 1, H, W]. Errors name the file.
 */
export function parseMNIST(
  imageBytes: Uint8Array,
  labelBytes: Uint8Array,
  files: { images?: string; labels?: string } = {},
): ImageDataset {
  const imFile = files.images ?? "images";
  const lbFile = files.labels ?? "labels";
  const im = parseIdx(imageBytes, imFile);
  const lb = parseIdx(labelBytes, lbFile);
  if (im.type !== "uint8" || im.shape.length !== 3) {
    throw new DatasetFormatError(
      imFile,
      null,
      `expected unsigned-byte images [N, H, W], got ${im.type} [${im.shape.join(", ")}]`,
    );
  }
  if (lb.type !== "uint8" || lb.shape.length !== 1)
    throw new DatasetFormatError(
      lbFile,
      null,
      `expected unsigned-byte labels [N], got ${lb.type} [${lb.shape.join(", ")}]`,
    );
  const [N, H, W] = im.shape as [number, number, number];
  if (lb.shape[0] !== N)
    throw new DatasetFormatError(lbFile, null, `has ${lb.shape[0]} labels but ${imFile} has ${N} images`);
  const x = new Float32Array(N * H * W);
  const px = im.data as Uint8Array;
  for (let i = 0; i < x.length; i++) x[i] = px[i]! / 255;
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const v = lb.data[i]!;
    if (v > 9) throw new DatasetFormatError(lbFile, null, `label ${v} of item ${i} is not a digit 0-9`);
    y[i] = v;
  }
  return new ImageDataset(new Tensor(x, [N, 1, H, W], "float32"), new Tensor(y, [N], "int32"), [
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
  ]);
}

/** Options of {@link RotatedMNIST}. */
export interface RotatedMNISTOptions {
  /** Seed of the angles (default 0); or pass `generator`. */
  seed?: number;
  generator?: Generator;
  /** Shuffle (with the same generator, before rotating) — MNIST's shipped training digits are grouped by class. */
  shuffle?: boolean;
  /** Keep the first `limit` digits (after shuffling). */
  limit?: number;
}

/**
 * Rotated MNIST: each digit of `base` rotated about the image centre by its own angle θᵢ, uniform in
 * [0, 2π) from a seeded generator, with bilinear interpolation and zeros outside (`rotateImage` of
 * the symmetry module). The angles are kept in {@link RotatedMNIST.angles}. Same seed, same data.
 */
export class RotatedMNIST extends ImageDataset {
  /** The rotation angle of each image (radians, counter-clockwise). */
  readonly angles: Float64Array;

  constructor(base: ImageDataset, opts: RotatedMNISTOptions = {}) {
    if (opts.seed !== undefined && opts.generator !== undefined)
      throw new ErlangenError("RotatedMNIST: argument 'opts' expected a seed or a generator, got both");
    const gen = opts.generator ?? new Generator(opts.seed ?? 0);
    let src = opts.shuffle ? base.shuffle(gen) : base;
    if (opts.limit !== undefined) {
      if (!Number.isInteger(opts.limit) || opts.limit < 0)
        opError("RotatedMNIST", "limit", "a non-negative integer", String(opts.limit));
      src = src.subset(Array.from({ length: Math.min(opts.limit, src.length) }, (_, i) => i));
    }
    const [N, C, H, W] = src.images.shape as [number, number, number, number];
    const s = C * H * W;
    const out = new Float32Array(N * s);
    const angles = new Float64Array(N);
    const data = src.images.data as Float32Array;
    for (let i = 0; i < N; i++) {
      const theta = gen.uniform(0, 2 * Math.PI);
      angles[i] = theta;
      const img = new Tensor(data.subarray(i * s, (i + 1) * s), [C, H, W], "float32");
      out.set(rotateImage(img, theta).data as Float32Array, i * s);
    }
    super(new Tensor(out, [N, C, H, W], "float32"), src.labels, src.classes);
    this.angles = angles;
  }
}
