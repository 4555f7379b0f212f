import { describe, expect, it } from "vitest";
import { collateMolecules, fitAtomRefs, parseQM7, qm7Split } from "../src/data/datasets/molecules.js";
import { loadQM7, loadQM9 } from "../src/node/molecules.js";

describe("QM7", () => {
  const qm7 = loadQM7();

  it("has the README counts (7101 molecules, 109,600 atoms, 4–23 atoms, H C N O S)", () => {
    expect(qm7.graphs.length).toBe(7101);
    expect(qm7.numAtoms).toBe(109600);
    expect(qm7.maxAtoms).toBe(23);
    expect(qm7.maxZ).toBe(16);
    expect(Math.min(...qm7.graphs.map((g) => g.numNodes))).toBe(4);
    const counts = new Map<number, number>();
    for (const g of qm7.graphs) for (const v of g.get("z")!.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ 1: 61340, 6: 35425, 7: 6600, 8: 5937, 16: 298 });
    // methane first: −417.031 kcal/mol (PBE0), C + 4 H
    const m0 = qm7.graphs[0]!;
    expect(m0.get("y")!.data[0]).toBeCloseTo(-417.031, 3);
    expect(Array.from(m0.get("z")!.data).sort()).toEqual([1, 1, 1, 1, 6]);
    expect(qm7.names[0]).toBe("0001.xyz");
    let lo = Infinity;
    let hi = -Infinity;
    for (const g of qm7.graphs) {
      lo = Math.min(lo, g.get("y")!.data[0]!);
      hi = Math.max(hi, g.get("y")!.data[0]!);
    }
    expect(lo).toBeCloseTo(-2188.25, 2);
    expect(hi).toBeCloseTo(-403.695, 3);
  });

  it("has a fixed seeded 80/20 split and batches as graphs", () => {
    const s = qm7Split(7101);
    expect(s.train.length).toBe(5681);
    expect(s.test.length).toBe(1420);
    expect(new Set([...s.train, ...s.test]).size).toBe(7101);
    expect(qm7Split(7101).test).toEqual(s.test);
    expect(qm7Split(7101, { seed: 1 }).test).not.toEqual(s.test);
    const b = collateMolecules(qm7.graphs.slice(0, 3));
    expect(b.numGraphs).toBe(3);
    expect(b.get("z")!.shape).toEqual([b.numNodes]);
    expect(b.get("pos")!.shape).toEqual([b.numNodes, 3]);
    expect(b.get("y")!.shape).toEqual([3, 1]);
    expect(Array.from(b.batch.data.slice(0, 6))).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it("atom reference energies explain most of the variance", () => {
    const refs = fitAtomRefs(qm7.graphs, qm7.maxZ);
    let ss = 0;
    let st = 0;
    const mean = qm7.graphs.reduce((s, g) => s + g.get("y")!.data[0]!, 0) / qm7.graphs.length;
    for (const g of qm7.graphs) {
      let p = 0;
      for (const z of g.get("z")!.data) p += refs[z]!;
      const y = g.get("y")!.data[0]!;
      ss += (y - p) ** 2;
      st += (y - mean) ** 2;
    }
    expect(ss / st).toBeLessThan(0.05);
  });

  it("reports malformed files with the file name", () => {
    const good = {
      z: new Uint8Array([6, 1]),
      pos: new Uint8Array(24),
      atomPtr: new Uint8Array(new Int32Array([0, 2]).buffer),
      csv: "index,name,num_atoms,energy_pbe0_kcal_mol,energy_col3_kcal_mol\n0,a,2,-1,-2\n",
    };
    expect(parseQM7(good).graphs[0]!.numNodes).toBe(2);
    expect(() => parseQM7({ ...good, pos: new Uint8Array(20) })).toThrow(/qm7\/pos.f32.bin: expected 6 values/);
    expect(() =>
      parseQM7({ ...good, csv: "index,name,num_atoms,energy_pbe0_kcal_mol,energy_col3_kcal_mol\n0,a,3,-1,-2\n" }),
    ).toThrow(/qm7\/molecules.csv line 2: num_atoms 3 disagrees/);
    expect(() => parseQM7({ ...good, csv: "index,name,num_atoms\n0,a,2\n" })).toThrow(
      /missing column 'energy_pbe0_kcal_mol'/,
    );
  });
});

describe("QM9 10k", () => {
  it("has the README counts and the shipped 8000/1000/1000 split", () => {
    const qm9 = loadQM9();
    expect(qm9.graphs.length).toBe(10000);
    expect(qm9.numAtoms).toBe(181193);
    expect(qm9.maxAtoms).toBe(29);
    expect(Math.min(...qm9.graphs.map((g) => g.numNodes))).toBe(3);
    expect(qm9.split!.train.length).toBe(8000);
    expect(qm9.split!.val.length).toBe(1000);
    expect(qm9.split!.test.length).toBe(1000);
    expect(new Set([...qm9.split!.train, ...qm9.split!.val, ...qm9.split!.test]).size).toBe(10000);
    expect(qm9.graphs[0]!.get("y")!.data[0]).toBeCloseTo(-0.356076066494, 6); // float32
  });

  it("gives the dipole vector target (|μ| equals the magnitude column)", () => {
    const d = loadQM9({ target: "dipole" });
    const m = loadQM9({ target: "dipole_magnitude_au" });
    expect(d.targetNames).toEqual(["dipole_x_au", "dipole_y_au", "dipole_z_au"]);
    const y0 = d.graphs[0]!.get("y")!.toFlatArray();
    expect(y0).toEqual([expect.closeTo(0.70719, 5), expect.closeTo(-0.4458, 5), expect.closeTo(-0.00913, 5)]);
    for (let i = 0; i < 200; i++) {
      const v = d.graphs[i]!.get("y")!.data;
      expect(Math.hypot(v[0]!, v[1]!, v[2]!)).toBeCloseTo(m.graphs[i]!.get("y")!.data[0]!, 4);
    }
    expect(collateMolecules(d.graphs.slice(0, 4)).get("y")!.shape).toEqual([4, 3]);
  });
});
