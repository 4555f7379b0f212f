/**
 * Groups on point clouds: an E(n)-equivariant graph network (EGNN, Satorras et al. 2021) learns the
 * dynamics of charged particles. Five particles with charges ±1 attract and repel each other; from
 * positions and velocities at one instant, the model predicts the positions 1000 integrator steps
 * later. Rotating, reflecting or translating the system moves the answer the same way, and the EGNN
 * is built so that its prediction does too: its layers only use distances, charges and differences
 * of positions. The checker confirms it (E(3) and particle relabellings), and the model is compared
 * with two baselines: "the particles stay put" and "they keep their velocity".
 *
 * Run: `npm run build && node dist/examples/egnn_nbody.js` (add `--small` for a quick run).
 */
import {
  Adam,
  Batch,
  checkEquivariance,
  EGNNNBody,
  En,
  Generator,
  type Graph,
  graphPermutationAction,
  nbodySplits,
  noGrad,
  pointAction,
  Sn,
  type Tensor,
  vectorAction,
} from "../src/index.js";
import { type ExampleOptions, logger, msSince, runIfMain } from "./common.js";

/** What {@link main} returns. */
export interface EgnnNBodySummary {
  trainSystems: number;
  testSystems: number;
  epochs: number;
  /** Mean training loss (MSE of positions) per epoch. */
  epochLosses: number[];
  /** Test MSE of the EGNN and of the baselines. */
  testMse: number;
  staticBaselineMse: number;
  constantVelocityMse: number;
  /** Max relative errors of the checks (float64). */
  e3Error: number;
  permutationError: number;
  pass: boolean;
  ms: number;
}

interface Systems {
  loc: Tensor;
  vel: Tensor;
  charges: Tensor;
  edgeIndex: Tensor;
}

/** The graphs as one disconnected batch: positions, velocities, charges and the fully connected edges. */
function systemsOf(b: Batch): Systems & { y: Tensor } {
  return { loc: b.pos!, vel: b.get("vel")!, charges: b.get("charges")!, edgeIndex: b.edgeIndex, y: b.get("y")! };
}

const mse = (a: Tensor, b: Tensor) => a.sub(b).square().mean().item();

/** Simulates the data, trains the EGNN, compares it with the baselines and checks its symmetries. */
export function main(opts: ExampleOptions = {}): EgnnNBodySummary {
  const log = logger(opts);
  const t0 = performance.now();
  const numTrain = opts.small ? 200 : 2000;
  const numTest = opts.small ? 100 : 1000;
  const epochs = opts.small ? 6 : 20;
  const batchSize = opts.small ? 50 : 100;

  // seeded simulations: 5 particles, 3000 burn-in steps, then predict 1000 steps (dt = 0.001) ahead
  const { train, test } = nbodySplits({ numTrain, numVal: 0, numTest, seed: 0 });
  log(`simulated ${train.length} training and ${test.length} test systems in ${msSince(t0)} ms`);

  const gen = new Generator(0);
  const model = new EGNNNBody({ hiddenChannels: opts.small ? 32 : 64, numLayers: 4, generator: gen });
  const optimizer = new Adam(model.parameters(), { lr: opts.small ? 2e-3 : 1e-3 });
  const epochLosses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = gen.permutation(numTrain);
    let sum = 0;
    let batches = 0;
    for (let i = 0; i < numTrain; i += batchSize) {
      const graphs: Graph[] = Array.from(order.subarray(i, i + batchSize), (k) => train[k]!);
      const s = systemsOf(Batch.fromGraphs(graphs));
      const loss = model.forward(s.loc, s.vel, s.charges, s.edgeIndex).sub(s.y).square().mean();
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      sum += loss.item();
      batches++;
    }
    epochLosses.push(sum / batches);
    if (epoch === 1 || epoch % 5 === 0 || epoch === epochs)
      log(`epoch ${String(epoch).padStart(2)}  train MSE ${(sum / batches).toFixed(4)}`);
  }

  const t = systemsOf(Batch.fromGraphs(test));
  const pred = noGrad(() => model.forward(t.loc, t.vel, t.charges, t.edgeIndex));
  const testMse = mse(pred, t.y);
  const staticBaselineMse = mse(t.loc, t.y);
  const constantVelocityMse = mse(t.loc.add(t.vel), t.y); // 1000 steps of dt = 0.001: one time unit
  log(
    `test MSE: EGNN ${testMse.toFixed(4)}, static ${staticBaselineMse.toFixed(4)}, constant velocity ${constantVelocityMse.toFixed(4)}`,
  );

  // the checker, in float64: g·(positions, velocities) -> g·(predicted positions)
  model.double();
  const one = systemsOf(Batch.fromGraphs([test[0]!]));
  const input: Systems = {
    loc: one.loc.double(),
    vel: one.vel.double(),
    charges: one.charges.double(),
    edgeIndex: one.edgeIndex,
  };
  const run = (s: Systems) => model.forward(s.loc, s.vel, s.charges, s.edgeIndex);
  const e3 = En(3); // rotations, reflections and translations
  const onPoints = pointAction(e3);
  const onVectors = vectorAction(e3); // velocities rotate but do not translate
  const samples = opts.small ? 4 : 16;
  const e3Report = noGrad(() =>
    checkEquivariance(run, {
      group: e3,
      inputAction: (g, s) => ({ ...s, loc: onPoints(g, s.loc), vel: onVectors(g, s.vel) }),
      outputAction: onPoints,
      inputs: [input],
      samples,
      atol: 0,
      rtol: 1e-9,
    }),
  );
  const n = input.loc.shape[0]!;
  const relabel = graphPermutationAction<Systems>({ nodeKeys: ["loc", "vel", "charges"] });
  const permReport = noGrad(() =>
    checkEquivariance(run, {
      group: Sn(n),
      inputAction: relabel,
      outputAction: (s, y) => relabel(s, { ...input, loc: y }).loc,
      inputs: [input],
      atol: 0,
      rtol: 1e-9,
    }),
  );
  log(
    `E(3) equivariance: max rel error ${e3Report.maxRelError.toExponential(2)}; permutations: ${permReport.maxRelError.toExponential(2)}`,
  );

  return {
    trainSystems: numTrain,
    testSystems: numTest,
    epochs,
    epochLosses,
    testMse,
    staticBaselineMse,
    constantVelocityMse,
    e3Error: e3Report.maxRelError,
    permutationError: permReport.maxRelError,
    pass: e3Report.pass && permReport.pass,
    ms: msSince(t0),
  };
}

runIfMain(import.meta.url, main);
