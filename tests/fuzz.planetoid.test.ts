/** Fuzzing the Planetoid reader: mutated meta.json and arrays end in a graph or an ErlangenError. */
import { describe, expect, it } from "vitest";
import { parsePlanetoid } from "../src/data/datasets/planetoid.js";
import { type FuzzFile, formatFuzzReport, fuzzReader } from "./helpers/fuzz.js";
import { planetoidSeed } from "./helpers/fuzz_seeds.js";

function read(files: Readonly<Record<string, FuzzFile>>, sparseFeatures: boolean) {
  const { "meta.json": meta, ...rest } = files;
  return parsePlanetoid(meta ?? "", rest as Record<string, Uint8Array>, { sparseFeatures, allowMissingFeatures: true });
}

describe("fuzz: Planetoid", () => {
  const seeds = [planetoidSeed(12, 6), planetoidSeed(7, 3, false)];
  for (const sparse of [false, true]) {
    it(`mutated files give a graph or a clean error (${sparse ? "sparse" : "dense"} features)`, () => {
      const r = fuzzReader(`Planetoid${sparse ? " (sparse)" : ""}`, seeds, (f) => read(f, sparse), {
        count: 1500,
        seed: sparse ? 1 : 0,
        droppable: ["x_indptr", "y", "meta.json"],
      });
      console.log(formatFuzzReport(r));
      expect(r.unclean, formatFuzzReport(r)).toBe(0);
    });
  }
});
