/** DataLoader's `cacheBatches`: evaluation loaders collate once and hand out the same batches. */
import { describe, expect, it } from "vitest";
import { DataLoader } from "../src/data/loader.js";
import { type Batch, Graph } from "../src/domains/graph/index.js";
import { randn, scalar, tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/rng.js";

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

describe("DataLoader cacheBatches", () => {
  it("reuses the collated batches of an unshuffled loader; shuffled loaders ignore it", () => {
    const data = graphs(7);
    const cached = new DataLoader(data, { batchSize: 3, cacheBatches: true });
    const a = [...cached];
    const b = [...cached];
    expect(a.map(ids)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(b.length).toBe(3);
    for (let i = 0; i < b.length; i++) expect(b[i]).toBe(a[i]);
    const plain = new DataLoader(data, { batchSize: 3 });
    expect([...plain][0]).not.toBe([...plain][0]);
    const shuffled = new DataLoader(data, {
      batchSize: 3,
      shuffle: true,
      cacheBatches: true,
      generator: new Generator(1),
    });
    const s1 = [...shuffled].map(ids);
    const s2 = [...shuffled].map(ids);
    expect(s1).not.toEqual(s2);
  });
});
