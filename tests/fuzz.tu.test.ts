/** Fuzzing the TU reader: mutated MUTAG / ENZYMES files end in a dataset or an ErlangenError. */
import { describe, expect, it } from "vitest";
import { parseTUDataset, parseTUSplits, type TUFileKind } from "../src/data/datasets/tu.js";
import { formatFuzzReport, fuzzReader } from "./helpers/fuzz.js";
import { tuSeed } from "./helpers/fuzz_seeds.js";

const mutag = tuSeed("MUTAG", 6);
const enzymes = tuSeed("ENZYMES", 3);

describe("fuzz: TU datasets", () => {
  it("mutated files give a dataset or a clean error", () => {
    const r = fuzzReader(
      "TU",
      [mutag, enzymes],
      (files) => parseTUDataset("FUZZ", files as Partial<Record<TUFileKind, string>>, { useNodeAttr: true }),
      { count: 2000, droppable: ["node_labels", "edge_labels", "node_attributes", "graph_labels"] },
    );
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });

  it("mutated splits_10fold.json gives folds or a clean error", () => {
    const fold = (k: number) => ({
      test: [k, k + 10],
      model_selection: [{ train: [1, 2, 3, 4, 5].map((i) => (i + k) % 20), validation: [(k + 7) % 20] }],
    });
    const splits = JSON.stringify(Array.from({ length: 3 }, (_, k) => fold(k)));
    const r = fuzzReader("TU splits", [splits], (t) => parseTUSplits(t, "splits_10fold.json", 20), { count: 500 });
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });
});
