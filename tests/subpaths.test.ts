/**
 * The package's subpath exports (`erlangen/nn`, `erlangen/graphs`, …, as PyG's packages): every entry
 * of package.json maps to an entry file under src/entries (compiled to dist/src/entries), and each
 * entry, imported on its own, provides the names it is for. The root export keeps every public name.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as {
  exports: Record<string, { types: string; import: string }>;
};

/** Names each subpath must provide (one or two representative ones per family). */
const EXPECTED: Record<string, string[]> = {
  nn: ["Module", "Linear", "MLP", "resolveActivation", "F", "init"],
  graphs: ["Graph", "Batch", "gcnNorm", "addSelfLoops", "globalMeanPool", "MessagePassing", "GCNConv", "GATConv"],
  o3: ["Irreps", "TensorProduct", "sphericalHarmonics", "Gate"],
  data: ["DataLoader", "parsePlanetoid", "AddSelfLoops", "readGraphCsv", "smilesToGraph", "parseMoleculeNet"],
  grids: ["Conv2d", "BatchNorm2d", "MaxPool2d"],
  groups: ["GroupConv2d", "R2Conv", "EGCL", "SchNet", "GaussianSmearing"],
  symmetry: ["FieldType", "checkEquivariance", "Cn"],
  train: ["Trainer", "Adam", "accuracy", "saveModel", "loadModel"],
  io: ["saveSafetensors", "loadSafetensors", "loadTorchFile"],
  interop: ["exportOnnx", "loadPyGStateDict", "loadE3nnStateDict", "e3nnGate"],
  meshes: ["Mesh", "readMesh", "GemConv"],
};

describe("subpath exports", () => {
  it("package.json maps every subpath to an entry file under src/entries", () => {
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== "." && k !== "./node");
    expect(subpaths.map((k) => k.slice(2)).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const k of subpaths) {
      const name = k.slice(2);
      expect(pkg.exports[k]).toEqual({
        types: `./dist/src/entries/${name}.d.ts`,
        import: `./dist/src/entries/${name}.js`,
      });
      expect(existsSync(resolve(ROOT, `src/entries/${name}.ts`))).toBe(true);
    }
  });

  for (const [name, names] of Object.entries(EXPECTED)) {
    it(`erlangen/${name} provides ${names.join(", ")}`, async () => {
      const mod = (await import(`../src/entries/${name}.ts`)) as Record<string, unknown>;
      for (const n of names) expect(mod[n], `${name}.${n}`).toBeDefined();
    });
  }

  it("the root keeps the common names of every subpath", async () => {
    const root = (await import("../src/index.js")) as Record<string, unknown>;
    for (const [name, names] of Object.entries(EXPECTED)) {
      for (const n of names) {
        if (name === "o3") expect((root.o3 as Record<string, unknown>)[n], `o3.${n}`).toBeDefined();
        else expect(root[n], `${name}: ${n}`).toBeDefined();
      }
    }
  });
});
