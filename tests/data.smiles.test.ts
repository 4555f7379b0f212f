import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { embedMolecule, smilesTo3D } from "../src/data/datasets/conformer.js";
import { readSmilesCsv, scaffoldSplit } from "../src/data/datasets/moleculenet.js";
import {
  loadRDKit,
  murckoScaffold,
  OGB_ONEHOT_WIDTH,
  oneHotOgb,
  parseMolecule,
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

  it("3-D conformers from SMILES (hydrogens added; distance-geometry embedding)", () => {
    const m = parseMolecule(rdkit, "c1ccccc1", "benzene", { hydrogens: true });
    expect(m.z.length).toBe(12);
    const x = embedMolecule(m);
    const d = (i: number, j: number) =>
      Math.hypot(x[3 * i]! - x[3 * j]!, x[3 * i + 1]! - x[3 * j + 1]!, x[3 * i + 2]! - x[3 * j + 2]!);
    for (const b of m.bonds) {
      const cc = m.z[b.a] === 6 && m.z[b.b] === 6;
      expect(Math.abs(d(b.a, b.b) - (cc ? 1.398 : 1.067))).toBeLessThan(0.03);
    }
    // flat: every atom within 0.05 Å of the plane through three ring atoms
    const [a, b, c] = [0, 2, 4];
    const u = [0, 1, 2].map((k) => x[3 * b + k]! - x[3 * a + k]!);
    const v = [0, 1, 2].map((k) => x[3 * c + k]! - x[3 * a + k]!);
    const n = [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
    const nn = Math.hypot(n[0]!, n[1]!, n[2]!);
    for (let i = 0; i < 12; i++) {
      const off = [0, 1, 2].reduce((s2, k) => s2 + (x[3 * i + k]! - x[3 * a + k]!) * n[k]!, 0) / nn;
      expect(Math.abs(off)).toBeLessThan(0.05);
    }
    const ibu = smilesTo3D(rdkit, "CC(C)Cc1ccc(cc1)C(C)C(=O)O");
    expect(ibu.z.length).toBe(33);
    let minD = 9;
    const p = ibu.pos;
    for (let i = 0; i < 33; i++)
      for (let j = i + 1; j < 33; j++)
        minD = Math.min(
          minD,
          Math.hypot(p[3 * i]! - p[3 * j]!, p[3 * i + 1]! - p[3 * j + 1]!, p[3 * i + 2]! - p[3 * j + 2]!),
        );
    expect(minD).toBeGreaterThan(0.9); // no atoms on top of each other (C–H bonds are ≈ 1.07)
    expect(Array.from(smilesTo3D(rdkit, "CCO").pos)).toEqual(Array.from(smilesTo3D(rdkit, "CCO").pos)); // seeded
  });
});
