/**
 * Grids: a small p4 G-CNN (Cohen & Welling 2016) on rotated MNIST, and the equivariance checker
 * showing that its logits are invariant to rotations by 90°.
 *
 * The network lifts images to functions on p4 (one feature map per rotation of each filter), applies
 * group convolutions, and pools over the rotations at the end; every stage commutes with the
 * rotation action, so the logits of a digit and of the same digit turned by 90° are equal up to
 * float rounding. A plain CNN of the same shape is checked too: its logits change.
 *
 * Run: `npm run build && node dist/examples/p4cnn_rotated_mnist.js` (add `--small` for a quick run).
 */
import {
  Adam,
  AdaptiveAvgPool2d,
  AvgPool2d,
  accuracy,
  BatchNorm2d,
  Conv2d,
  checkEquivariance,
  checkEquivarianceLayers,
  F,
  Generator,
  GroupBatchNorm2d,
  GroupConv2d,
  GroupPool,
  gcnnAction,
  LiftingConv2d,
  MaxPool2d,
  manualSeed,
  noGrad,
  p4,
  pointElements,
  ReLU,
  RotatedMNIST,
  Sequential,
  stagesOf,
  type Tensor,
} from "../src/index.js";
import { loadMNIST } from "../src/node/index.js";
import { type ExampleOptions, logger, msSince, runIfMain } from "./common.js";

const G = p4(); // rotations by multiples of 90° (and translations) of the pixel grid

/**
 * 28×28 → average-pool 2 → 14 → lift (3×3) → 12 → group conv → 10 → max-pool 2 → 5 → group conv → 3
 * → pool over rotations → global average → 1×1 conv to 10 logits. Pooling by 2 commutes with 90°
 * rotations because 28 and 10 are even.
 */
function p4Net(hidden = 8): Sequential {
  return new Sequential(
    new AvgPool2d(2),
    new LiftingConv2d(G, 1, hidden, 3),
    new GroupBatchNorm2d(G, hidden),
    new ReLU(),
    new GroupConv2d(G, hidden, hidden, 3),
    new GroupBatchNorm2d(G, hidden),
    new ReLU(),
    new MaxPool2d(2),
    new GroupConv2d(G, hidden, 2 * hidden, 3),
    new GroupBatchNorm2d(G, 2 * hidden),
    new ReLU(),
    new GroupPool(G, 2 * hidden),
    new AdaptiveAvgPool2d(1),
    new Conv2d(2 * hidden, 10, 1),
  );
}

/** The same shape with plain convolutions (about 4× the channels, as many feature maps as the G-CNN). */
function plainNet(hidden = 8): Sequential {
  const c = 4 * hidden;
  return new Sequential(
    new AvgPool2d(2),
    new Conv2d(1, c, 3),
    new BatchNorm2d(c),
    new ReLU(),
    new Conv2d(c, c, 3),
    new BatchNorm2d(c),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(c, 2 * hidden, 3),
    new BatchNorm2d(2 * hidden),
    new ReLU(),
    new AdaptiveAvgPool2d(1),
    new Conv2d(2 * hidden, 10, 1),
  );
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

const logitsOf = (net: Sequential) => (x: Tensor) => (net.forward(x) as Tensor).reshape([x.shape[0]!, 10]);

/** What {@link main} returns. */
export interface P4CnnSummary {
  trainImages: number;
  testImages: number;
  epochs: number;
  parameters: number;
  /** Mean training loss per epoch. */
  epochLosses: number[];
  testAccuracy: number;
  /** Max relative change of the G-CNN's logits under 90° rotations (tiny). */
  invarianceError: number;
  invariant: boolean;
  /** The same for the plain CNN (large). */
  plainCnnInvarianceError: number;
  /** Per-layer errors of the G-CNN (each stage against its own output action). */
  layers: { name: string; maxRelError: number; pass: boolean }[];
  ms: number;
}

/** Trains the p4 G-CNN on rotated digits, then checks its rotation invariance. */
export function main(opts: ExampleOptions = {}): P4CnnSummary {
  const log = logger(opts);
  const t0 = performance.now();
  const nTrain = opts.small ? 256 : 3000;
  const nTest = opts.small ? 200 : 1000;
  const epochs = opts.small ? 3 : 6;
  const batchSize = 32;
  manualSeed(0);

  // the shipped training digits (grouped by class, so shuffled first), split into train and test;
  // every digit is rotated by its own random angle (bilinear interpolation), seeded
  const digits = loadMNIST("train");
  const order = Array.from(new Generator(0).permutation(digits.length));
  const train = new RotatedMNIST(digits.subset(order.slice(0, nTrain)), { seed: 1 });
  const test = new RotatedMNIST(digits.subset(order.slice(nTrain, nTrain + nTest)), { seed: 2 });
  log(`rotated MNIST: ${train.length} training and ${test.length} test digits (loaded in ${msSince(t0)} ms)`);

  const model = p4Net();
  const parameters = model.parameters().reduce((s, p) => s + p.size, 0);
  const optimizer = new Adam(model.parameters(), { lr: 5e-3 });
  const forward = logitsOf(model);
  const epochLosses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    let sum = 0;
    let batches = 0;
    for (let b = 0; b < nTrain; b += batchSize) {
      const { x, y } = train.batch(range(b, Math.min(b + batchSize, nTrain)));
      optimizer.zeroGrad();
      const loss = F.crossEntropy(forward(x), y);
      loss.backward();
      optimizer.step();
      sum += loss.item();
      batches++;
    }
    epochLosses.push(sum / batches);
    log(`epoch ${epoch}  loss ${(sum / batches).toFixed(4)}`);
  }

  model.eval();
  const all = test.batch(range(0, nTest));
  const testAccuracy = accuracy(
    noGrad(() => forward(all.x)),
    all.y,
  );
  log(`test accuracy ${testAccuracy.toFixed(3)} (${parameters} parameters)`);

  // the checker: 4 test digits, each rotated by 0°, 90°, 180° and 270°; logits must not change
  const sample = test.batch([0, 1, 2, 3]).x;
  const check = { group: G, inputAction: gcnnAction(G), elements: pointElements(G), inputs: [sample] };
  const report = noGrad(() => checkEquivariance(forward, check));
  const plain = plainNet();
  plain.eval();
  const plainReport = noGrad(() => checkEquivariance(logitsOf(plain), check));
  log(
    `G-CNN logits under 90° rotations: max rel error ${report.maxRelError.toExponential(2)} (${report.pass ? "invariant" : "NOT invariant"})`,
  );
  log(`plain CNN logits under 90° rotations: max rel error ${plainReport.maxRelError.toExponential(2)}`);

  // per layer: each stage's output transforms by its own action (regular fields, then images, then trivially)
  const fields = (c: number) => gcnnAction(G, c);
  const image = gcnnAction(G);
  const trivial = (_g: unknown, y: Tensor) => y;
  const actions = [
    image,
    ...Array(6).fill(fields(8)),
    fields(8),
    fields(16),
    fields(16),
    fields(16),
    image,
    trivial,
    trivial,
  ];
  const layered = noGrad(() =>
    checkEquivarianceLayers(stagesOf({ layers: [...model] }, actions as never), {
      group: G,
      inputAction: image,
      elements: pointElements(G),
      inputs: [sample],
    }),
  );

  return {
    trainImages: nTrain,
    testImages: nTest,
    epochs,
    parameters,
    epochLosses,
    testAccuracy,
    invarianceError: report.maxRelError,
    invariant: report.pass,
    plainCnnInvarianceError: plainReport.maxRelError,
    layers: layered.layers,
    ms: msSince(t0),
  };
}

runIfMain(import.meta.url, main);
