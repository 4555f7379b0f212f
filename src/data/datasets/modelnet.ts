/**
 * ModelNet10 as 30³ occupancy grids (Wu et al., 3D ShapeNets, CVPR 2015; the binvox surface
 * voxelisation of the official train/test split): bytes parsers, browser-safe. The shipped files
 * (`datasets/grids/modelnet10_voxels30/`) are `{train,test}_voxels.bits.gz`, the gzip of
 * `packbits(bitorder='big')` with one row of 3375 bytes per shape (voxel (i, j, k) is bit
 * (i·30 + j)·30 + k), and `{train,test}_labels.u8.bin` (class ids 0..9). The Node loader is
 * `loadModelNet10` in `erlangen/node`.
 */
import { opError } from "../../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import type { Dataset } from "../dataset.js";
import { DatasetFormatError, isGzip } from "./common.js";

/** The ten ModelNet10 classes, in label order. */
export const MODELNET10_CLASSES: readonly string[] = [
  "bathtub",
  "bed",
  "chair",
  "desk",
  "dresser",
  "monitor",
  "night_stand",
  "sofa",
  "table",
  "toilet",
];

/** One labelled voxel grid: x [1, G, G, G] (float32 occupancy 0/1) and its class. */
export interface VoxelItem {
  x: Tensor;
  y: number;
}

/**
 * Labelled binary voxel grids kept bit-packed in memory (G³/8 bytes per shape); {@link VoxelDataset.get}
 * and {@link VoxelDataset.batch} unpack to float32 [.., 1, G, G, G] occupancy.
 */
export class VoxelDataset implements Dataset<VoxelItem> {
  /** Packed bits, `bytesPerShape` bytes per shape, most significant bit first. */
  readonly bits: Uint8Array;
  readonly labels: Tensor;
  readonly grid: number;
  readonly classes: readonly string[];

  constructor(bits: Uint8Array, labels: Tensor, grid: number, classes: readonly string[]) {
    const bps = Math.ceil((grid * grid * grid) / 8);
    if (labels.dtype !== "int32" || labels.ndim !== 1)
      opError("VoxelDataset", "labels", "an int32 tensor [N]", `${labels.dtype} [${labels.shape.join(", ")}]`);
    if (bits.length !== labels.size * bps)
      opError("VoxelDataset", "bits", `${labels.size * bps} bytes (${labels.size} shapes of ${bps})`, `${bits.length}`);
    this.bits = bits;
    this.labels = labels;
    this.grid = grid;
    this.classes = classes;
  }

  get length(): number {
    return this.labels.size;
  }

  /** Bytes per shape (⌈G³/8⌉). */
  get bytesPerShape(): number {
    return Math.ceil((this.grid * this.grid * this.grid) / 8);
  }

  private unpackInto(j: number, out: Float32Array, offset: number): void {
    const bps = this.bytesPerShape;
    const n = this.grid * this.grid * this.grid;
    const src = this.bits;
    for (let v = 0; v < n; v++) out[offset + v] = (src[j * bps + (v >> 3)]! >> (7 - (v & 7))) & 1;
  }

  /** Shape `i` as [1, G, G, G] occupancy and its label. */
  get(i: number): VoxelItem {
    const n = this.length;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(i) || j < 0 || j >= n)
      opError("VoxelDataset.get", "i", `an integer in [-${n}, ${n})`, String(i));
    const G = this.grid;
    const x = new Float32Array(G * G * G);
    this.unpackInto(j, x, 0);
    return { x: new Tensor(x, [1, G, G, G], "float32"), y: this.labels.data[j]! };
  }

  /** Occupancy [B, 1, G, G, G] and labels [B] of the shapes at `indices`. */
  batch(indices: ArrayLike<number>): { x: Tensor; y: Tensor } {
    const G = this.grid;
    const s = G * G * G;
    const n = this.length;
    const x = new Float32Array(indices.length * s);
    const y = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const j = indices[k]!;
      if (!Number.isInteger(j) || j < 0 || j >= n)
        opError("VoxelDataset.batch", "indices", `integers in [0, ${n})`, `${j} at position ${k}`);
      this.unpackInto(j, x, k * s);
      y[k] = this.labels.data[j]!;
    }
    return { x: new Tensor(x, [indices.length, 1, G, G, G], "float32"), y: new Tensor(y, [indices.length], "int32") };
  }

  /** Occupied voxels of shape `i`. */
  occupancy(i: number): number {
    const bps = this.bytesPerShape;
    let c = 0;
    for (let b = i * bps; b < (i + 1) * bps; b++) {
      let v = this.bits[b]!;
      while (v) {
        v &= v - 1;
        c++;
      }
    }
    return c;
  }

  /** The subset at `indices` (packed bits copied). */
  subset(indices: ArrayLike<number>): VoxelDataset {
    const bps = this.bytesPerShape;
    const bits = new Uint8Array(indices.length * bps);
    const y = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const j = indices[k]!;
      if (!Number.isInteger(j) || j < 0 || j >= this.length)
        opError("VoxelDataset.subset", "indices", `integers in [0, ${this.length})`, `${j} at position ${k}`);
      bits.set(this.bits.subarray(j * bps, (j + 1) * bps), k * bps);
      y[k] = this.labels.data[j]!;
    }
    return new VoxelDataset(bits, new Tensor(y, [indices.length], "int32"), this.grid, this.classes);
  }

  /** A shuffled copy (seeded by `generator`). */
  shuffle(generator: Generator = getDefaultGenerator()): VoxelDataset {
    return this.subset(generator.permutation(this.length));
  }

  /** Shapes per class. */
  classCounts(): number[] {
    const counts = new Array<number>(this.classes.length).fill(0);
    for (const v of this.labels.data) counts[v]!++;
    return counts;
  }
}

/**
 * Builds a ModelNet10 voxel dataset from the decompressed packed bits (N·⌈G³/8⌉ bytes) and the label
 * bytes (N unsigned bytes, 0..9). Throws a {@link DatasetFormatError} naming the file on gzip input,
 * a size that is not a whole number of shapes or fewer than `count` (truncated), a label count
 * mismatch, or a bad label.
 */
export function parseModelNet10(
  voxelBits: Uint8Array,
  labelBytes: Uint8Array,
  opts: {
    grid?: number;
    voxelsFile?: string;
    labelsFile?: string /** Expected number of shapes (e.g. from meta.json). */;
    count?: number;
  } = {},
): VoxelDataset {
  const grid = opts.grid ?? 30;
  const vf = opts.voxelsFile ?? "voxels";
  const lf = opts.labelsFile ?? "labels";
  if (!Number.isInteger(grid) || grid < 1 || grid > 1024)
    opError("parseModelNet10", "grid", "an integer in [1, 1024] (voxels per side)", String(grid));
  if (opts.count !== undefined && (!Number.isSafeInteger(opts.count) || opts.count < 0))
    opError("parseModelNet10", "count", "a non-negative integer", String(opts.count));
  if (isGzip(voxelBits))
    throw new DatasetFormatError(
      vf,
      null,
      "is gzip-compressed; decompress it first (gunzip() in browsers, zlib in Node)",
    );
  const bps = Math.ceil((grid * grid * grid) / 8);
  if (voxelBits.length % bps !== 0) {
    throw new DatasetFormatError(
      vf,
      null,
      `truncated: ${voxelBits.length} bytes is not a whole number of ${grid}³ shapes (${bps} bytes each; ${Math.floor(voxelBits.length / bps)} shapes and ${voxelBits.length % bps} bytes)`,
    );
  }
  const n = voxelBits.length / bps;
  if (opts.count !== undefined && n !== opts.count) {
    throw new DatasetFormatError(
      vf,
      null,
      `${n < opts.count ? "truncated: " : ""}expected ${opts.count} shapes (${opts.count * bps} bytes), got ${n} (${voxelBits.length} bytes)`,
    );
  }
  if (labelBytes.length !== n)
    throw new DatasetFormatError(lf, null, `has ${labelBytes.length} labels but ${vf} has ${n} shapes`);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labelBytes[i]!;
    if (v >= MODELNET10_CLASSES.length)
      throw new DatasetFormatError(
        lf,
        null,
        `label ${v} of shape ${i} is not a class id 0-${MODELNET10_CLASSES.length - 1}`,
      );
    y[i] = v;
  }
  return new VoxelDataset(voxelBits.slice(), new Tensor(y, [n], "int32"), grid, MODELNET10_CLASSES);
}
