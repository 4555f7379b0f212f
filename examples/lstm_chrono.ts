/**
 * Time: an LSTM with chrono initialisation (Tallec & Ollivier 2018) on a time-warped recall task.
 *
 * Each sequence shows a value v = ±1 for k steps, then stays silent (with distractor noise) for k·D
 * steps; the warp factor k is drawn per sequence, so the delay between the cue and the end varies by
 * a factor of K. The model reads the sign of v from the LSTM's last hidden state. Invariance to time
 * warping is what gated recurrences buy; chrono initialisation spreads the forget-gate biases so that
 * the units' memory times cover [1, Tmax] from the start, and the delays are learnable within the
 * budget where the default initialisation (memory times around one step) stays at chance.
 *
 * Run: `npm run build && node dist/examples/lstm_chrono.js` (add `--small` for a quick run).
 */
import { Adam, Generator, Linear, LSTM, Tensor } from "../src/index.js";
import { type ExampleOptions, logger, msSince, runIfMain } from "./common.js";

/** The task's sizes: cue-to-end delays are k·delay steps for k in 1..maxWarp. */
interface TaskSize {
  delay: number;
  maxWarp: number;
}

/** A batch of warped sequences, time-major: x [T, B, 2] (cue, noise) and targets y [B] in {−1, +1}. */
export function warpedRecallBatch(gen: Generator, batch: number, size: TaskSize): { x: Tensor; y: Tensor } {
  const T = size.maxWarp * (size.delay + 1);
  const x = new Float32Array(T * batch * 2);
  const y = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const k = 1 + Math.floor(gen.random() * size.maxWarp);
    const v = gen.random() < 0.5 ? -1 : 1;
    y[b] = v;
    const cueStart = T - k * (size.delay + 1); // left-padded: every sequence ends at step T
    for (let t = 0; t < T; t++) {
      const i = (t * batch + b) * 2;
      if (t >= cueStart && t < cueStart + k) x[i] = v;
      x[i + 1] = gen.uniform(-0.25, 0.25);
    }
  }
  return { x: new Tensor(x, [T, batch, 2]), y: new Tensor(y, [batch]) };
}

/** Result of one training run. */
export interface RecallRun {
  /** Mean training loss over the first and the last 10 steps. */
  firstLoss: number;
  lastLoss: number;
  /** Accuracy on 256 fresh test sequences. */
  testAccuracy: number;
  ms: number;
}

function train(chrono: number | undefined, size: TaskSize, steps: number, seed: number): RecallRun {
  const t0 = performance.now();
  const hidden = 16;
  const gen = new Generator(seed);
  const lstm = new LSTM(2, hidden, { generator: gen, chronoInit: chrono });
  const head = new Linear(hidden, 1, { generator: gen });
  const optimizer = new Adam([...lstm.parameters(), ...head.parameters()], { lr: 0.03 });
  const data = new Generator(seed + 1);
  const predict = (x: Tensor, B: number) => {
    const [, [hLast]] = lstm.forward(x); // hLast [1, B, H]
    return head.forward(hLast.reshape([B, hidden])).reshape([B]);
  };
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { x, y } = warpedRecallBatch(data, 32, size);
    const loss = predict(x, 32).mul(y).neg().softplus().mean(); // logistic loss on ±1 targets
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  lstm.eval();
  const test = warpedRecallBatch(new Generator(seed + 2), 256, size);
  const z = predict(test.x, 256);
  let right = 0;
  for (let i = 0; i < 256; i++) if (z.data[i]! * test.y.data[i]! > 0) right++;
  const avg = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return {
    firstLoss: avg(losses.slice(0, 10)),
    lastLoss: avg(losses.slice(-10)),
    testAccuracy: right / 256,
    ms: msSince(t0),
  };
}

/** What {@link main} returns. */
export interface LstmChronoSummary {
  sequenceLength: number;
  delays: [number, number];
  steps: number;
  chrono: RecallRun;
  /** The same run with PyTorch's default initialisation (full run only). */
  default: RecallRun | null;
}

/** Trains the chrono-initialised LSTM (and, in a full run, the default one for comparison). */
export function main(opts: ExampleOptions = {}): LstmChronoSummary {
  const log = logger(opts);
  const size: TaskSize = opts.small ? { delay: 8, maxWarp: 3 } : { delay: 20, maxWarp: 4 };
  const steps = opts.small ? 50 : 100;
  const T = size.maxWarp * (size.delay + 1);
  log(`sequences of ${T} steps, cue-to-end delays ${size.delay}..${size.maxWarp * size.delay} steps`);
  const chrono = train(T, size, steps, 0);
  log(
    `chrono init (Tmax = ${T}): test accuracy ${chrono.testAccuracy.toFixed(3)}, loss ${chrono.firstLoss.toFixed(3)} -> ${chrono.lastLoss.toFixed(3)}`,
  );
  let dflt: RecallRun | null = null;
  if (!opts.small) {
    dflt = train(undefined, size, steps, 0);
    log(
      `default init: test accuracy ${dflt.testAccuracy.toFixed(3)}, loss ${dflt.firstLoss.toFixed(3)} -> ${dflt.lastLoss.toFixed(3)}`,
    );
  }
  return { sequenceLength: T, delays: [size.delay, size.maxWarp * size.delay], steps, chrono, default: dflt };
}

runIfMain(import.meta.url, main);
