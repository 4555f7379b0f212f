import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { readSmilesCsv, scaffoldSplit } from "../src/data/datasets/moleculenet.js";
import {
  loadRDKit,
  murckoScaffold,
  OGB_ONEHOT_WIDTH,
  oneHotOgb,
  type RDKitModule,
  smilesToGraph,
} from "../src/data/datasets/smiles.js";

let rdkit: RDKitModule;
beforeAll(async () => {
  rdkit = await loadRDKit();
}, 60_000);

describe("SMILES through RDKit.js (OGB smiles2graph features)", () => {
  it("acetic acid: atom and bond features as OGB defines them", () => {
    const g = smilesToGraph(rdkit, "CC(=O)O");
    // [Z−1, chirality, total degree, charge+5, total H, radicals, hybridisation, aromatic, ring]
    expect(g.x!.toArray()).toEqual([
      [5, 0, 4, 5, 3, 0, 2, 0, 0], // CH3: sp3
      [5, 0, 3, 5, 0, 0, 1, 0, 0], // C: sp2
      [7, 0, 1, 5, 0, 0, 1, 0, 0], // =O
      [7, 0, 2, 5, 1, 0, 1, 0, 0], // OH: sp2 (conjugated with C=O, as RDKit)
    ]);
    // each bond twice, OGB order; [type, stereo, conjugated]
    expect(g.edgeIndex.toArray()).toEqual([
      [0, 1, 1, 2, 1, 3],
      [1, 0, 2, 1, 3, 1],
    ]);
    expect(g.edgeAttr!.toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [1, 0, 1],
      [1, 0, 1],
      [0, 0, 1],
      [0, 0, 1],
    ]);
    expect(Array.from(g.get("z")!.data)).toEqual([6, 6, 8, 8]);
  });

  it("aromatic rings, E/Z double bonds, charges; one-hot widths 174 / 13", () => {
    const py = smilesToGraph(rdkit, "c1ccncc1");
    expect((py.x!.toArray() as number[][])[3]).toEqual([6, 0, 2, 5, 0, 0, 1, 1, 1]);
    expect((py.edgeAttr!.toArray() as number[][])[0]).toEqual([3, 0, 1]);
    const e = smilesToGraph(rdkit, "F/C=C/Cl").edgeAttr!.toArray() as number[][];
    const z = smilesToGraph(rdkit, "F/C=C\\Cl").edgeAttr!.toArray() as number[][];
    expect([e[2]![1], z[2]![1]]).toEqual([2, 1]); // STEREOE, STEREOZ
    expect((smilesToGraph(rdkit, "C[N+](C)(C)C").x!.toArray() as number[][])[1]).toEqual([6, 0, 4, 6, 0, 0, 2, 0, 0]);
    const oh = oneHotOgb(py);
    expect(oh.x!.shape).toEqual([6, OGB_ONEHOT_WIDTH.atom]);
    expect(oh.edgeAttr!.shape).toEqual([12, OGB_ONEHOT_WIDTH.bond]);
    expect(Array.from(oh.x!.data).reduce((a, b) => a + b, 0)).toBe(6 * 9);
  });

  it("invalid SMILES get an error naming them", () => {
    expect(() => smilesToGraph(rdkit, "C1CC", { what: "line 7" })).toThrow(/cannot parse line 7 "C1CC"/);
  });

  it("Bemis–Murcko scaffolds (RDKit's definition) and DeepChem's scaffold split", () => {
    expect(murckoScaffold(rdkit, "CC(=O)Oc1ccccc1C(=O)O")).toBe("c1ccccc1"); // aspirin
    expect(murckoScaffold(rdkit, "CC(C)Cc1ccc(cc1)C(C)C(=O)O")).toBe("c1ccccc1"); // ibuprofen
    expect(murckoScaffold(rdkit, "O=C1CCCCC1")).toBe("O=C1CCCCC1"); // exocyclic =O stays
    expect(murckoScaffold(rdkit, "Cc1ccccc1CCc1ccccc1")).toBe("c1ccc(CCc2ccccc2)cc1"); // linker stays
    expect(murckoScaffold(rdkit, "CCO")).toBe("");
    // groups by size, largest first: a (3) → train, b (1) → val, c (1) → test
    const s = scaffoldSplit(["a", "b", "a", "c", "a"], [0.6, 0.2, 0.2]);
    expect([Array.from(s.train), Array.from(s.val), Array.from(s.test)]).toEqual([[0, 2, 4], [3], [1]]);
  });

  it("reads a SMILES table (first ESOL rows) with targets, one-hot features and scaffolds", () => {
    const text = readFileSync("datasets/molecules/moleculenet/delaney-processed.csv", "utf8")
      .split("\n")
      .slice(0, 21)
      .join("\n");
    const d = readSmilesCsv(rdkit, text, { targets: ["measured log solubility in mols per litre"], scaffolds: true });
    expect(d.graphs.length).toBe(20);
    expect(d.graphs[0]!.x!.shape[1]).toBe(174);
    expect(d.graphs[0]!.y!.data[0]).toBeCloseTo(-0.77, 5);
    expect(d.scaffolds!.length).toBe(20);
    expect(() => readSmilesCsv(rdkit, "smiles,y\nCCO,1\nC1CC,2\n", { targets: ["y"], file: "m.csv" })).toThrow(
      /m\.csv line 3/,
    );
    const skip = readSmilesCsv(rdkit, "smiles,y\nCCO,1\nC1CC,2\n", { targets: ["y"], skipInvalid: true });
    expect(skip.skipped.map((s) => s.line)).toEqual([3]);
  });
});
