/**
 * Image datasets and grid models of `erlangen train`:
 *
 * - dataset `rotated-mnist`: the shipped 10,000 MNIST training digits and the 10,000 test digits, each
 *   rotated about its centre by its own random angle in [0, 2π) (bilinear; fixed seeds, so every run
 *   sees the same data). Quick runs: `ERLANGEN_TRAIN_LIMIT` / `ERLANGEN_TEST_LIMIT` keep the first N
 *   digits of a fixed shuffle.
 * - models `cnn` (Z2CNN baseline), `p4cnn` and `p4mcnn` (G-CNNs, Cohen & Welling 2016) and `e2cnn`
 *   (C8 regular steerable fields, Weiler & Cesa 2019), all with about 13–27k parameters.
 *
 * Problem kind `image-classification`: `model.call(x)` with x [B, 1, 28, 28] → logits [B, 10].
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { GCNN, Z2CNN } from "../layers/groups/gcnn/models.js";
import { E2CNN } from "../layers/groups/steerable/models.js";
import { crossEntropy } from "../nn/losses.js";
import type { Module } from "../nn/module.js";
import { datasetsRoot } from "../node/datasets.js";
import { rotateImage } from "../symmetry/actions.js";
import { Cn, p4, p4m } from "../symmetry/groups.js";
import { noGrad } from "../tensor/autograd.js";
import { ErlangenError } from "../tensor/errors.js";
import { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import type { Metrics, Split, Task } from "../train/trainer.js";
import { UsageError } from "./command.js";
import { type DataInfo, type Hyper, type LoadedDataset, type ModelSpec, registerDataset, registerModel } from "./registry.js";
import "../tensor/index.js";

/** Images [N, 1, H, W] (float32 in [0, 1]) and int32 labels [N]. */
export interface ImageSet {
  x: Float32Array;
  y: Int32Array;
  n: number;
  size: number;
}

function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  if (!existsSync(path)) throw new ErlangenError(`rotated-mnist: file not found: ${path} (pass --data-root or set ERLANGEN_DATASETS to a folder with mnist/)`);
  let b: Uint8Array = readFileSync(path);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = view.getUint32(0);
  if (magic >> 8 !== 0x08) throw new ErlangenError(`rotated-mnist: ${path} is not an idx file of unsigned bytes (magic 0x${magic.toString(16)})`);
  const nd = magic & 0xff;
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i));
  const off = 4 + 4 * nd;
  const size = dims.reduce((a, c) => a * c, 1);
  if (b.byteLength < off + size) throw new ErlangenError(`rotated-mnist: ${path} is truncated (${b.byteLength - off} of ${size} bytes)`);
  return { dims, data: b.subarray(off, off + size) };
}

/** Reads MNIST idx images + labels (gzipped or not). */
export function readMnist(imagesPath: string, labelsPath: string): ImageSet {
  const im = readIdx(imagesPath);
  const lb = readIdx(labelsPath);
  const [n, h, w] = im.dims as [number, number, number];
  if (lb.dims[0] !== n || h !== w) throw new ErlangenError(`rotated-mnist: ${imagesPath} has ${n} images of ${h}×${w} but ${labelsPath} has ${lb.dims[0]} labels`);
  const x = new Float32Array(n * h * w);
  for (let i = 0; i < x.length; i++) x[i] = im.data[i]! / 255;
  return { x, y: Int32Array.from(lb.data), n, size: h };
}

/** Rotates every image by its own angle, uniform in [0, 2π) from `seed` (bilinear, zeros outside). */
export function rotateEach(set: ImageSet, seed: number): ImageSet {
  const g = new Generator(seed);
  const s = set.size;
  const out = new Float32Array(set.x.length);
  for (let i = 0; i < set.n; i++) {
    const img = new Tensor(set.x.subarray(i * s * s, (i + 1) * s * s), [s, s], "float32");
    out.set(rotateImage(img, g.uniform(0, 2 * Math.PI)).data as Float32Array, i * s * s);
  }
  return { ...set, x: out };
}

/** The first `limit` images of a fixed seeded shuffle (all of them, shuffled, without a limit). */
export function shuffleLimit(set: ImageSet, seed: number, limit?: number): ImageSet {
  const perm = new Generator(seed).permutation(set.n);
  const n = Math.min(set.n, limit ?? set.n);
  const s2 = set.size * set.size;
  const x = new Float32Array(n * s2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = perm[i]!;
    x.set(set.x.subarray(j * s2, (j + 1) * s2), i * s2);
    y[i] = set.y[j]!;
  }
  return { x, y, n, size: set.size };
}

function envLimit(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`environment variable ${name} expected a positive integer, got '${v}'`, "train");
  return n;
}

/** Loads rotated MNIST from `<root>/mnist/` (train: the shipped 10k digits; test: t10k). */
export function loadRotatedMnist(opts: { root?: string; trainLimit?: number; testLimit?: number } = {}): { train: ImageSet; test: ImageSet } {
  const dir = join(datasetsRoot({ root: opts.root }), "mnist");
  const train = readMnist(join(dir, "train10k-images-idx3-ubyte.gz"), join(dir, "train10k-labels-idx1-ubyte.gz"));
  const test = readMnist(join(dir, "t10k-images-idx3-ubyte.gz"), join(dir, "t10k-labels-idx1-ubyte.gz"));
  // shuffle (the training digits are stored grouped by class), limit, then rotate each digit
  return {
    train: rotateEach(shuffleLimit(train, 11, opts.trainLimit), 12),
    test: rotateEach(shuffleLimit(test, 21, opts.testLimit), 22),
  };
}

/** Mini-batch image classification: cross-entropy, accuracy; batches reshuffled every epoch. */
export function imageClassificationTask(data: { train: ImageSet; test: ImageSet; val?: ImageSet }, batchSize: number, seed: number): Task<Module> {
  const batch = (set: ImageSet, idx: ArrayLike<number>, from: number, to: number) => {
    const s2 = set.size * set.size;
    const x = new Float32Array((to - from) * s2);
    const y = new Int32Array(to - from);
    for (let i = from; i < to; i++) {
      const j = idx[i]!;
      x.set(set.x.subarray(j * s2, (j + 1) * s2), (i - from) * s2);
      y[i - from] = set.y[j]!;
    }
    return { x: new Tensor(x, [to - from, 1, set.size, set.size], "float32"), y: new Tensor(y, [to - from], "int32") };
  };
  const correct = (logits: Tensor, y: Tensor) => {
    const C = logits.shape[1]!;
    let c = 0;
    for (let i = 0; i < y.size; i++) {
      let best = 0;
      for (let k = 1; k < C; k++) if (logits.data[i * C + k]! > logits.data[i * C + best]!) best = k;
      if (best === y.data[i]) c++;
    }
    return c;
  };
  const sets: Partial<Record<Split, ImageSet>> = { train: data.train, test: data.test, val: data.val };
  const splits = (["train", "val", "test"] as const).filter((s) => sets[s] !== undefined);
  return {
    metric: "accuracy",
    mode: "max",
    splits,
    trainStep(ctx) {
      const set = data.train;
      const order = new Generator(seed * 1000 + ctx.epoch).permutation(set.n);
      let lossSum = 0;
      let right = 0;
      for (let b = 0; b < set.n; b += batchSize) {
        const { x, y } = batch(set, order, b, Math.min(set.n, b + batchSize));
        const logits = ctx.model.call(x) as Tensor;
        lossSum += ctx.backwardStep(crossEntropy(logits, y)) * y.size;
        right += correct(logits, y);
      }
      return { loss: lossSum / set.n, metrics: { accuracy: right / set.n } };
    },
    evaluate(split, ctx): Metrics {
      const set = sets[split];
      if (set === undefined) throw new ErlangenError(`imageClassificationTask: no '${split}' split`);
      return noGrad(() => {
        const idx = Int32Array.from({ length: set.n }, (_, i) => i);
        let lossSum = 0;
        let right = 0;
        for (let b = 0; b < set.n; b += 256) {
          const { x, y } = batch(set, idx, b, Math.min(set.n, b + 256));
          const logits = ctx.model.call(x) as Tensor;
          lossSum += crossEntropy(logits, y).item() * y.size;
          right += correct(logits, y);
        }
        return { loss: lossSum / set.n, accuracy: right / set.n };
      });
    },
  };
}

registerDataset({
  name: "rotated-mnist",
  description: "MNIST digits rotated by random angles: the shipped 10k training digits, 10k test digits (ERLANGEN_TRAIN_LIMIT / ERLANGEN_TEST_LIMIT for quick runs)",
  kind: "image-classification",
  metric: "accuracy",
  mode: "max",
  defaultSeeds: 1,
  async load(opts): Promise<LoadedDataset> {
    const { train, test } = loadRotatedMnist({ root: opts.root, trainLimit: envLimit("ERLANGEN_TRAIN_LIMIT"), testLimit: envLimit("ERLANGEN_TEST_LIMIT") });
    return {
      info: { kind: "image-classification", numFeatures: 1, numClasses: 10 },
      summary: `${train.n} training and ${test.n} test digits, 28×28, rotated by random angles`,
      protocol: (req) => {
        if (req.folds > 0) throw new UsageError("--folds is not available for rotated-mnist (fixed train/test split; use --seeds)", "train");
        return "train/test split";
      },
      runs: (req) =>
        Array.from({ length: req.seeds }, (_, i) => ({
          label: `seed ${i + 1}/${req.seeds}`,
          seed: req.seed + i,
          task: (_model: Module, hp: Hyper) => imageClassificationTask({ train, test }, hp.batchSize, req.seed + i),
        })),
    };
  },
});

const IMAGE_HYPER: readonly (keyof Hyper)[] = ["epochs", "lr", "weightDecay", "hidden", "layers", "dropout", "batchSize"];

function imageModel(name: string, description: string, hidden: number, build: (info: DataInfo, hp: Hyper) => Module): ModelSpec {
  return {
    name,
    description,
    kinds: ["image-classification"],
    hyperKeys: IMAGE_HYPER,
    defaults: () => ({ epochs: 5, lr: 1e-3, weightDecay: 0, hidden, layers: 6, dropout: 0.3, batchSize: 64 }),
    build,
  };
}

const common = (info: DataInfo, hp: Hyper) => ({ hidden: hp.hidden, layers: hp.layers, dropout: hp.dropout, inChannels: info.numFeatures, numClasses: info.numClasses });

registerModel(imageModel("cnn", "plain CNN baseline (Z2CNN of Cohen & Welling 2016: 7 conv layers, 20 channels)", 20, (info, hp) => new Z2CNN(common(info, hp))));
registerModel(
  imageModel("p4cnn", "P4CNN: G-CNN for p4 (90° rotations), 10 regular fields, rotation pooling at the end", 10, (info, hp) => new GCNN({ ...common(info, hp), group: p4() })),
);
registerModel(
  imageModel("p4mcnn", "P4MCNN: G-CNN for p4m (rotations and flips), 7 regular fields, pooling at the end", 7, (info, hp) => new GCNN({ ...common(info, hp), group: p4m() })),
);
registerModel(
  imageModel("c8cnn", "G-CNN for C8: 45° filter rotations by interpolation (approximately equivariant), 7 regular fields", 7, (info, hp) => new GCNN({ ...common(info, hp), group: Cn(8) })),
);
registerModel(
  imageModel("e2cnn", "E(2)-steerable CNN: C8 regular fields (R2Conv), inner batch norm, group pooling", 8, (info, hp) => new E2CNN({ ...common(info, hp), group: Cn(8) })),
);
