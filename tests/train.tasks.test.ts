import { describe, expect, it } from "vitest";
import { karateClub } from "../src/data/datasets/karate.js";
import { DataLoader } from "../src/data/loader.js";
import { Graph } from "../src/domains/graph/graph.js";
import { globalMeanPool } from "../src/domains/graph/pool.js";
import { Linear } from "../src/nn/linear.js";
import { Module } from "../src/nn/module.js";
import { Adam } from "../src/optim/adam.js";
import { ReduceLROnPlateau } from "../src/optim/scheduler.js";
import { Generator, manualSeed, Tensor } from "../src/tensor/index.js";
import { graphClassificationTask, graphRegressionTask, nodeClassificationTask } from "../src/train/tasks.js";
import { Trainer } from "../src/train/trainer.js";

class NodeLinear extends Module<[Tensor, Tensor], Tensor> {
  lin: Linear;
  constructor(i: number, o: number) {
    super();
    this.lin = new Linear(i, o);
  }
  forward(x: Tensor, _edgeIndex: Tensor): Tensor {
    return this.lin.forward(x);
  }
}

class PoolLinear extends Module<[Tensor, Tensor, Tensor], Tensor> {
  lin: Linear;
  constructor(i: number, o: number) {
    super();
    this.lin = new Linear(i, o);
  }
  forward(x: Tensor, _edgeIndex: Tensor, batch: Tensor): Tensor {
    return this.lin.forward(globalMeanPool(x, batch));
  }
}

function toyGraphs(n: number, gen: Generator, regression = false): Graph[] {
  const out: Graph[] = [];
  for (let k = 0; k < n; k++) {
    const nodes = 3 + (k % 4);
    const label = k % 2;
    const x = new Float32Array(nodes * 2);
    for (let i = 0; i < nodes; i++) {
      x[i * 2] = (label ? 1 : -1) + 0.3 * gen.normal();
      x[i * 2 + 1] = gen.normal();
    }
    const ei = new Int32Array(2 * (nodes - 1));
    for (let i = 0; i < nodes - 1; i++) {
      ei[i] = i;
      ei[nodes - 1 + i] = i + 1;
    }
    out.push(
      new Graph({
        x: new Tensor(x, [nodes, 2], "float32"),
        edgeIndex: new Tensor(ei, [2, nodes - 1], "int32"),
        y: regression
          ? new Tensor(Float32Array.of(label * 2 - 1), [1], "float32")
          : new Tensor(Int32Array.of(label), [], "int32"),
      }),
    );
  }
  return out;
}

describe("nodeClassificationTask", () => {
  it("fits the karate club training nodes and reports loss/accuracy per split", async () => {
    manualSeed(0);
    const g = karateClub();
    const test = new Uint8Array(34).map((_, i) => (g.trainMask!.data[i] ? 0 : 1));
    const data = {
      x: g.x,
      edgeIndex: g.edgeIndex,
      y: g.y,
      trainMask: g.trainMask,
      valMask: g.trainMask,
      testMask: new Tensor(test, [34], "bool"),
    };
    const model = new NodeLinear(34, 4);
    const task = nodeClassificationTask<NodeLinear>(data, { metric: "f1Macro" });
    expect(task.splits).toEqual(["train", "val", "test"]);
    const h = await new Trainer(model, task, {
      optimizer: new Adam(model.parameters(), { lr: 0.1 }),
      epochs: 30,
    }).fit();
    expect(h.epochs[29]!.loss).toBeLessThan(h.epochs[0]!.loss);
    expect(h.epochs[29]!.train.accuracy).toBe(1);
    expect(h.epochs[29]!.val.f1Macro).toBe(1);
    const m = task.evaluate("test", {
      model,
      optimizer: { zeroGrad() {}, step() {} },
      epoch: 0,
      backwardStep: () => 0,
    }) as Record<string, number>;
    expect(Object.keys(m).sort()).toEqual(["accuracy", "f1Macro", "loss"]);
  });
  it("ReduceLROnPlateau gets the validation metric and lowers the lr once it stalls", async () => {
    manualSeed(0);
    const g = karateClub();
    const data = {
      x: g.x,
      edgeIndex: g.edgeIndex,
      y: g.y,
      trainMask: g.trainMask,
      valMask: g.trainMask,
      testMask: null,
    };
    const model = new NodeLinear(34, 4);
    const optimizer = new Adam(model.parameters(), { lr: 0.1 });
    const scheduler = new ReduceLROnPlateau(optimizer, { mode: "max", patience: 2, factor: 0.5 });
    const h = await new Trainer(model, nodeClassificationTask<NodeLinear>(data), {
      optimizer,
      scheduler,
      epochs: 20,
    }).fit();
    expect(h.epochs[0]!.lr).toBe(0.1);
    expect(h.epochs.at(-1)!.lr).toBeLessThan(0.1);
    expect(scheduler.best).toBe(1);
  });
  it("validates its inputs", () => {
    const g = karateClub();
    expect(() =>
      nodeClassificationTask({
        x: g.x,
        edgeIndex: g.edgeIndex,
        y: g.y,
        trainMask: null,
        valMask: null,
        testMask: null,
      }),
    ).toThrow(/nodeClassificationTask: argument 'graph.trainMask' expected a training mask, got null/);
    expect(() =>
      nodeClassificationTask({
        x: g.x,
        edgeIndex: g.edgeIndex,
        y: g.y,
        trainMask: new Tensor(new Uint8Array(3), [3], "bool"),
        valMask: null,
        testMask: null,
      }),
    ).toThrow(/expected a mask of shape \[34\], got \[3\]/);
  });
});

describe("graph tasks", () => {
  it("graph classification over a DataLoader learns a separable toy problem", async () => {
    manualSeed(1);
    const gen = new Generator(1);
    const graphs = toyGraphs(40, gen);
    const model = new PoolLinear(2, 2);
    const task = graphClassificationTask<PoolLinear>({
      train: new DataLoader(graphs.slice(0, 24), { batchSize: 8, shuffle: true, generator: gen }),
      val: new DataLoader(graphs.slice(24, 32), { batchSize: 8 }),
      test: new DataLoader(graphs.slice(32), { batchSize: 8 }),
      metric: "rocAuc",
    });
    const trainer = new Trainer(model, task, { optimizer: new Adam(model.parameters(), { lr: 0.05 }), epochs: 25 });
    const h = await trainer.fit();
    expect(h.metric).toBe("rocAuc");
    expect(h.epochs.at(-1)!.loss).toBeLessThan(h.epochs[0]!.loss);
    const t = await trainer.test();
    expect(t.accuracy).toBeGreaterThanOrEqual(0.75);
    expect(t.rocAuc).toBeGreaterThan(0.9);
  });
  it("graph regression reports mae and mse", async () => {
    manualSeed(2);
    const gen = new Generator(2);
    const graphs = toyGraphs(24, gen, true);
    const model = new PoolLinear(2, 1);
    const batches = [...new DataLoader(graphs, { batchSize: 6 })];
    const task = graphRegressionTask<PoolLinear>({ train: batches, val: batches, test: () => batches.values() });
    expect(task.mode).toBe("min");
    const trainer = new Trainer(model, task, { optimizer: new Adam(model.parameters(), { lr: 0.05 }), epochs: 40 });
    const h = await trainer.fit();
    expect(h.epochs.at(-1)!.val.mae!).toBeLessThan(h.epochs[0]!.val.mae!);
    const t = await trainer.test();
    expect(t.mse).toBeLessThan(0.2);
    expect(() => graphRegressionTask({ train: batches, metric: "accuracy" })).toThrow(/'mae' or 'mse'/);
  });
});
