/**
 * Image datasets and grid models of `erlangen train`:
 *
 * - dataset `rotated-mnist`: the shipped 10,000 MNIST training digits and the 10,000 test digits, each
 *   rotated about its centre by its own random angle in [0, 2π) (bilinear; fixed seeds, so every run
 *   sees the same data). Quick runs: `ERLANGEN_TRAIN_LIMIT` / `ERLANGEN_TEST_LIMIT` keep the first N
 *   digits of a fixed shuffle. Read with `loadRotatedMNIST` (`node/images.ts`).
 * - models `cnn` (Z2CNN baseline), `p4cnn` and `p4mcnn` (G-CNNs, Cohen & Welling 2016), `c8cnn` (a G-CNN
 *   with interpolated 45° filters) and `e2cnn` (C8 regular steerable fields, Weiler & Cesa 2019). The
 *   CLI widths give the compared models about the same parameter count: cnn 21 channels (23,782),
 *   p4cnn 10 p4 fields (24,680), e2cnn 9 C8 regular fields with a 7×7 lifting layer (24,094), p4mcnn 7 p4m fields (26,799).
 * - defaults (all image models): Adam, lr 1e-3 halved every 3 epochs, 8 epochs, batch 64, dropout 0.3,
 *   no weight decay — the G-CNN paper's optimiser and layer recipe, with the number of epochs sized so
 *   that one run on the 10k/10k data takes about 10–30 CPU-minutes (docs/results.md, "Rotated MNIST").
 *
 * Problem kind `image-classification`: `model.call(x)` with x [B, 1, 28, 28] → logits [B, 10].
 */

import type { ImageDataset } from "../data/datasets/mnist.js";
import { GCNN, Z2CNN } from "../layers/groups/gcnn/models.js";
import { E2CNN } from "../layers/groups/steerable/models.js";
import { crossEntropy } from "../nn/losses.js";
import type { Module } from "../nn/module.js";
import { loadRotatedMNIST } from "../node/images.js";
import { Cn, p4, p4m } from "../symmetry/groups.js";
import { noGrad } from "../tensor/autograd.js";
import { ErlangenError } from "../tensor/errors.js";
import { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { updateBatchNorm } from "../train/batchnorm.js";
import type { Metrics, Split, Task } from "../train/trainer.js";
import { parseIntValue, UsageError } from "./command.js";
import {
  type DataInfo,
  type Hyper,
  type LoadedDataset,
  type ModelSpec,
  registerDataset,
  registerModel,
} from "./registry.js";
import "../tensor/index.js";

function envLimit(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === "") return undefined;
  return parseIntValue(`environment variable ${name}`, v, "train", 1, 2_147_483_647);
}

/**
 * Loads rotated MNIST from `<root>/mnist/`: the shipped training digits and t10k, each shuffled and
 * rotated with a fixed seed (12 for train, 22 for test), optionally cut to the first `limit` digits.
 */
export function loadRotatedMnistSplits(opts: { root?: string; trainLimit?: number; testLimit?: number } = {}): {
  train: ImageDataset;
  test: ImageDataset;
} {
  return {
    train: loadRotatedMNIST("train", { root: opts.root, seed: 12, limit: opts.trainLimit }),
    test: loadRotatedMNIST("test", { root: opts.root, seed: 22, limit: opts.testLimit }),
  };
}

/**
 * Mini-batch image classification: cross-entropy, accuracy; batches reshuffled every epoch. At the end
 * of training the batch-norm statistics are recomputed over the training images with dropout off
 * ({@link updateBatchNorm}): the models put dropout before each batch norm, and the running averages
 * taken during training would carry dropout's variance into eval mode.
 */
export function imageClassificationTask(
  data: { train: ImageDataset; test: ImageDataset; val?: ImageDataset },
  batchSize: number,
  seed: number,
): Task<Module> {
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
  const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const sets: Partial<Record<Split, ImageDataset>> = { train: data.train, test: data.test, val: data.val };
  const splits = (["train", "val", "test"] as const).filter((s) => sets[s] !== undefined);
  return {
    metric: "accuracy",
    mode: "max",
    splits,
    trainStep(ctx) {
      const set = data.train;
      const n = set.length;
      const order = new Generator(seed * 1000 + ctx.epoch).permutation(n);
      let lossSum = 0;
      let right = 0;
      for (let b = 0; b < n; b += batchSize) {
        const { x, y } = set.batch(order.subarray(b, Math.min(n, b + batchSize)));
        const logits = ctx.model.call(x) as Tensor;
        lossSum += ctx.backwardStep(crossEntropy(logits, y)) * y.size;
        right += correct(logits, y);
      }
      return { loss: lossSum / n, metrics: { accuracy: right / n } };
    },
    onTrainEnd(ctx) {
      const n = data.train.length;
      const batches = function* () {
        for (let b = 0; b < n; b += 256) yield data.train.batch(range(b, Math.min(n, b + 256))).x;
      };
      updateBatchNorm(ctx.model, batches());
    },
    evaluate(split, ctx): Metrics {
      const set = sets[split];
      if (set === undefined) throw new ErlangenError(`imageClassificationTask: no '${split}' split`);
      return noGrad(() => {
        const n = set.length;
        let lossSum = 0;
        let right = 0;
        for (let b = 0; b < n; b += 256) {
          const { x, y } = set.batch(range(b, Math.min(n, b + 256)));
          const logits = ctx.model.call(x) as Tensor;
          lossSum += crossEntropy(logits, y).item() * y.size;
          right += correct(logits, y);
        }
        return { loss: lossSum / n, accuracy: right / n };
      });
    },
  };
}

registerDataset({
  name: "rotated-mnist",
  description:
    "MNIST digits rotated by random angles: the shipped 10k training digits, 10k test digits (ERLANGEN_TRAIN_LIMIT / ERLANGEN_TEST_LIMIT for quick runs)",
  kind: "image-classification",
  metric: "accuracy",
  mode: "max",
  defaultSeeds: 1,
  async load(opts): Promise<LoadedDataset> {
    const { train, test } = loadRotatedMnistSplits({
      root: opts.root,
      trainLimit: envLimit("ERLANGEN_TRAIN_LIMIT"),
      testLimit: envLimit("ERLANGEN_TEST_LIMIT"),
    });
    return {
      info: { kind: "image-classification", numFeatures: 1, numClasses: 10 },
      schema: {
        input: "images",
        task: "image-classification",
        dataset: "rotated-mnist",
        shape: [1, 28, 28],
        pixels: "grey values in [0, 1]",
        classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      },
      summary: `${train.length} training and ${test.length} test digits, 28×28, rotated by random angles`,
      protocol: (req) => {
        if (req.folds > 0)
          throw new UsageError(
            "--folds is not available for rotated-mnist (fixed train/test split; use --seeds)",
            "train",
          );
        return "train/test split, batch-norm statistics recomputed over the training digits without dropout after training";
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

const IMAGE_HYPER: readonly (keyof Hyper)[] = [
  "epochs",
  "lr",
  "weightDecay",
  "hidden",
  "layers",
  "dropout",
  "batchSize",
];

function imageModel(
  name: string,
  description: string,
  hidden: number,
  build: (info: DataInfo, hp: Hyper) => Module,
): ModelSpec {
  return {
    name,
    description,
    kinds: ["image-classification"],
    hyperKeys: IMAGE_HYPER,
    defaults: () => ({
      epochs: 8,
      lr: 1e-3,
      lrStep: 3,
      lrGamma: 0.5,
      weightDecay: 0,
      hidden,
      layers: 6,
      dropout: 0.3,
      batchSize: 64,
    }),
    build,
  };
}

const common = (info: DataInfo, hp: Hyper) => ({
  hidden: hp.hidden,
  layers: hp.layers,
  dropout: hp.dropout,
  inChannels: info.numFeatures,
  numClasses: info.numClasses,
});

registerModel(
  imageModel(
    "cnn",
    "plain CNN baseline (Z2CNN of Cohen & Welling 2016: 7 conv layers; 21 channels, the parameter count of p4cnn)",
    21,
    (info, hp) => new Z2CNN(common(info, hp)),
  ),
);
registerModel(
  imageModel(
    "p4cnn",
    "P4CNN: G-CNN for p4 (90° rotations), 10 regular fields, rotation pooling at the end",
    10,
    (info, hp) => new GCNN({ ...common(info, hp), group: p4() }),
  ),
);
registerModel(
  imageModel(
    "p4mcnn",
    "P4MCNN: G-CNN for p4m (rotations and flips), 7 regular fields, pooling at the end",
    7,
    (info, hp) => new GCNN({ ...common(info, hp), group: p4m() }),
  ),
);
registerModel(
  imageModel(
    "c8cnn",
    "G-CNN for C8: 45° filter rotations by interpolation (approximately equivariant), 7 regular fields",
    7,
    (info, hp) => new GCNN({ ...common(info, hp), group: Cn(8) }),
  ),
);
registerModel({
  ...imageModel(
    "e2cnn",
    "E(2)-steerable CNN: 9 C8 regular fields (R2Conv; 7×7 lifting layer, --kernel-size for the hidden layers), inner batch norm, group pooling",
    9,
    (info, hp) => new E2CNN({ ...common(info, hp), group: Cn(8), kernelSize: hp.kernelSize }),
  ),
  hyperKeys: [...IMAGE_HYPER, "kernelSize"],
});
