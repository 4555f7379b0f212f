/** Fuzzing the other dataset readers (ModelNet10 voxels, QM7, QM9 with its split). */
import { describe, expect, it } from "vitest";
import { parseModelNet10 } from "../src/data/datasets/modelnet.js";
import { type MoleculeFiles, parseQM7, parseQM9, parseQM9Split } from "../src/data/datasets/molecules.js";
import { type FuzzFile, formatFuzzReport, fuzzReader } from "./helpers/fuzz.js";
import { modelnetSeed, moleculeSeed } from "./helpers/fuzz_seeds.js";

describe("fuzz: other dataset readers", () => {
  it("ModelNet10 voxels and labels", () => {
    const { voxels, labels } = modelnetSeed(2);
    const r = fuzzReader(
      "ModelNet10",
      [{ voxels, labels }] as Record<string, FuzzFile>[],
      (f) => parseModelNet10(f.voxels as Uint8Array, f.labels as Uint8Array, { count: 2 }),
      { count: 300 },
    );
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });

  it("QM7 and QM9 molecules", () => {
    const seeds = [moleculeSeed("qm7", 4), moleculeSeed("qm9_ppqm10k", 5)];
    const r = fuzzReader(
      "molecules",
      seeds,
      (f) =>
        "split" in f
          ? parseQM9(f as unknown as MoleculeFiles & { split: string }, { target: "dipole" })
          : parseQM7(f as unknown as MoleculeFiles),
      { count: 1000 },
    );
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });

  it("QM9 split.json", () => {
    const split = JSON.stringify({ seed: 0, train: [0, 1, 2, 3], val: [4], test: [5, 6] });
    const r = fuzzReader("QM9 split", [split], (t) => parseQM9Split(t, 7), { count: 300 });
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });
});
