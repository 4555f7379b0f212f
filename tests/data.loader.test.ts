import { describe, expect, it } from "vitest";
import { GraphDataset } from "../src/data/dataset.js";
import { DataLoader } from "../src/data/loader.js";
import { OneHotDegree } from "../src/data/transforms/index.js";
import { Batch, Graph } from "../src/domains/graph/index.js";
import { randn, scalar, tensor } from "../src/tensor/creation.js";
import { Generator, manualSeed } from "../src/tensor/rng.js";

function graphs(n: number): Graph[] {
  return Array.from(
    { length: n },
    (_, i) =>
      new Graph({
        x: randn([2 + (i % 3), 2], { generator: new Generator(i) }),
        edgeIndex: tensor([[0], [1]], { dtype: "int32" }),
        y: scalar(i, { dtype: "int32" }),
      }),
  );
}

const ids = (b: Batch) => Array.from(b.y!.data);

describe("DataLoader", () => {
  it("batches in order, with a smaller last batch unless dropLast", () => {
    const data = graphs(10);
    const loader = new DataLoader(data, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(ids)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(batches[0]).toBeInstanceOf(Batch);
    expect(batches[0]!.numGraphs).toBe(4);
    const dropped = new DataLoader(data, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].map(ids)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(() => new DataLoader(data, { batchSize: 0 })).toThrow(
      /DataLoader: argument 'batchSize' expected a positive integer/,
    );
  });

  it("shuffles deterministically from a seeded generator, differently each epoch", () => {
    const data = graphs(12);
    const run = (seed: number) => {
      const loader = new DataLoader(data, { batchSize: 5, shuffle: true, generator: new Generator(seed) });
      return [[...loader].map(ids), [...loader].map(ids)];
    };
    const [e1, e2] = run(7);
    const [f1, f2] = run(7);
    expect(e1).toEqual(f1);
    expect(e2).toEqual(f2);
    expect(e1).not.toEqual(e2);
    expect(e1!.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(run(8)[0]).not.toEqual(e1);
    // without a generator, the global seeded one is used
    manualSeed(3);
    const a = [...new DataLoader(data, { batchSize: 12, shuffle: true })].map(ids);
    manualSeed(3);
    const b = [...new DataLoader(data, { batchSize: 12, shuffle: true })].map(ids);
    expect(a).toEqual(b);
  });

  it("works with GraphDataset (transform on access, index, shuffle) and custom collate", () => {
    const ds = new GraphDataset(graphs(6), { transform: new OneHotDegree(1) });
    expect(ds.length).toBe(6);
    expect(ds.get(0).x!.shape).toEqual([2, 4]);
    expect(ds.graphs[0]!.x!.shape).toEqual([2, 2]);
    expect(ds.get(-1).y!.item()).toBe(5);
    const sub = ds.index([5, 1]);
    expect([...sub].map((g) => g.y!.item())).toEqual([5, 1]);
    expect(ds.index(tensor([true, false, false, false, false, true])).length).toBe(2);
    expect(ds.shuffle(new Generator(0)).length).toBe(6);
    expect(() => ds.get(6)).toThrow(/GraphDataset.get: argument 'i' expected an integer in \[-6, 6\)/);
    const loader = new DataLoader(ds, { batchSize: 3 });
    const [b0] = [...loader];
    expect(b0!.x!.shape[1]).toBe(4);
    const counts = new DataLoader(ds, { batchSize: 4, collate: (items: Graph[]) => items.length });
    expect([...counts]).toEqual([4, 2]);
  });
});
