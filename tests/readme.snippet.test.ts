import { expect, it } from "vitest";
import { Adam, F, GCN, manualSeed } from "../src/index.js";
import { loadPlanetoid } from "../src/node/index.js";

it("the README's library snippet trains a GCN on Cora (20 epochs)", () => {
  manualSeed(0);
  const g = loadPlanetoid("cora", { sparseFeatures: true });
  const model = new GCN(1433, 16, 2, 7, { dropout: 0.5 });
  const opt = new Adam(model.parameters(), { lr: 0.01, weightDecay: 5e-4 });
  let first = 0,
    last = 0;
  for (let epoch = 0; epoch < 20; epoch++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(g.xSparse!, g.edgeIndex), g.y!, { mask: g.trainMask! });
    if (epoch === 0) first = loss.item();
    last = loss.item();
    loss.backward();
    opt.step();
  }
  expect(last).toBeLessThan(first);
});
