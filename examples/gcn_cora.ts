/**
 * Graphs: a two-layer GCN (Kipf & Welling) on the Cora citation graph, trained full-batch with Adam
 * on the public split (140 labelled papers), with the paper's recipe: 16 hidden channels, dropout
 * 0.5, learning rate 0.01, weight decay 5e-4 on the first layer.
 *
 * Run: `npm run build && node dist/examples/gcn_cora.js` (add `--small` for a 30-epoch run).
 */
import { Adam, accuracy, F, GCN, manualSeed, noGrad } from "../src/index.js";
import { loadPlanetoid } from "../src/node/index.js";
import { type ExampleOptions, logger, msSince, runIfMain } from "./common.js";

/** What {@link main} returns. */
export interface GcnCoraSummary {
  nodes: number;
  edges: number;
  features: number;
  classes: number;
  epochs: number;
  /** Training loss per epoch. */
  losses: number[];
  trainAccuracy: number;
  valAccuracy: number;
  testAccuracy: number;
  /** Median milliseconds per training epoch. */
  msPerEpoch: number;
}

/** Trains the GCN and returns the losses and accuracies. */
export function main(opts: ExampleOptions = {}): GcnCoraSummary {
  const log = logger(opts);
  const epochs = opts.small ? 30 : 200;
  manualSeed(0);

  // Cora: 2708 papers, 10556 directed citation edges, 1433 bag-of-words features, 7 topics
  const cora = loadPlanetoid("cora");
  const x = cora.x!.div(cora.x!.sum(1, true).clamp(1)); // row-normalised features
  const { edgeIndex } = cora;
  const y = cora.y!;
  log(`Cora: ${cora.numNodes} nodes, ${cora.numEdges} edges, ${cora.numNodeFeatures} features`);

  const model = new GCN(cora.numNodeFeatures, 16, 2, 7, { dropout: 0.5 });
  const [conv1, conv2] = model.convs.toArray();
  const optimizer = new Adam(
    [
      { params: conv1!.parameters(), weightDecay: 5e-4 },
      { params: conv2!.parameters(), weightDecay: 0 },
    ],
    { lr: 0.01 },
  );

  const losses: number[] = [];
  const times: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    model.train();
    optimizer.zeroGrad();
    const loss = F.crossEntropy(model.forward(x, edgeIndex), y, { mask: cora.trainMask! });
    loss.backward();
    optimizer.step();
    times.push(msSince(t0));
    losses.push(loss.item());
    if (epoch % 10 === 0 || epoch === 1) log(`epoch ${String(epoch).padStart(3)}  loss ${loss.item().toFixed(4)}`);
  }

  model.eval();
  const logits = noGrad(() => model.forward(x, edgeIndex));
  times.sort((a, b) => a - b);
  const summary: GcnCoraSummary = {
    nodes: cora.numNodes,
    edges: cora.numEdges,
    features: cora.numNodeFeatures,
    classes: 7,
    epochs,
    losses,
    trainAccuracy: accuracy(logits, y, cora.trainMask!),
    valAccuracy: accuracy(logits, y, cora.valMask!),
    testAccuracy: accuracy(logits, y, cora.testMask!),
    msPerEpoch: times[Math.floor(times.length / 2)]!,
  };
  log(`test accuracy ${summary.testAccuracy.toFixed(3)} (the paper reports 0.815)`);
  return summary;
}

runIfMain(import.meta.url, main);
