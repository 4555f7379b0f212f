/**
 * Save → load → predict round trips: the library (`saveModel` / `loadModel`) and the CLI
 * (`erlangen train --save`, `predict`, `evaluate`) for one model per G: a GNN (GCN, GraphSAGE, the
 * molecular GINE on SMILES), a G-CNN (P4CNN), an E(3) model (SchNet), a mesh model (the mesh GCN).
 * `evaluate` on the training run's test split must reproduce the test metric training reported,
 * exactly; the bit-identical outputs per model are in `roundtrip.models`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliIO, main } from "../src/cli/main.js";
import { parseCsv } from "../src/data/datasets/csv.js";
import { karateClub } from "../src/data/datasets/karate.js";
import { GCN } from "../src/layers/graphs/models.js";
import { loadModelDir } from "../src/node/model_dir.js";
import { randn } from "../src/tensor/creation.js";
import { manualSeed } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";
import { loadModel, MODEL_FORMAT_VERSION, registerModelBuilder, saveModel } from "../src/train/model_file.js";
import { VERSION } from "../src/version.js";
import "../src/tensor/index.js";

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    progress: { write: () => undefined, isTTY: false },
    cwd: process.cwd(),
  };
}

async function run(args: string[]): Promise<{ rc: number; out: string[]; err: string[] }> {
  const io = capture();
  const rc = await main(args, io);
  return { rc, out: io.stdout, err: io.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), "erlangen-save-"));

describe("saveModel / loadModel (library)", () => {
  registerModelBuilder(
    "test-gcn",
    (c) => new GCN(Number(c.info.numFeatures), Number(c.hyper.hidden), 2, Number(c.info.numClasses)),
  );

  it("rebuilds the same model: identical outputs; the version matches package.json", () => {
    manualSeed(1);
    const m = new GCN(34, 8, 2, 4);
    m.eval();
    const g = karateClub();
    const before = m.call(g.x!, g.edgeIndex);
    const saved = saveModel(m, {
      model: "test-gcn",
      task: "node-classification",
      hyper: { hidden: 8 },
      info: { numFeatures: 34, numClasses: 4 },
    });
    const back = loadModel({ config: JSON.parse(JSON.stringify(saved.config)), weights: saved.weights });
    expect(Array.from(back.call(g.x!, g.edgeIndex).data)).toEqual(Array.from(before.data));
    expect(JSON.parse(readFileSync("package.json", "utf8")).version).toBe(VERSION);
  });

  it("refuses configs from newer libraries, other formats, unknown models and weights that do not fit", () => {
    const m = new GCN(34, 8, 2, 4);
    const saved = saveModel(m, {
      model: "test-gcn",
      task: "node-classification",
      hyper: { hidden: 8 },
      info: { numFeatures: 34, numClasses: 4 },
    });
    const newer = { ...saved.config, formatVersion: MODEL_FORMAT_VERSION + 1, library: "erlangen 9.0.0" };
    expect(() => loadModel({ config: newer, weights: saved.weights })).toThrow(
      /newer library \(erlangen 9\.0\.0, model format 2\).*upgrade/,
    );
    expect(() => loadModel({ config: { format: "keras" }, weights: saved.weights })).toThrow(
      /not an Erlangen model config/,
    );
    expect(() => loadModel({ config: { ...saved.config, model: "nope" }, weights: saved.weights })).toThrow(
      /no builder for model 'nope'/,
    );
    const wide = { ...saved.config, hyper: { hidden: 16 } };
    expect(() => loadModel({ config: wide, weights: saved.weights })).toThrow(
      /do not fit model 'test-gcn'.*size mismatch/,
    );
    expect(() => loadModel({ config: saved.config, weights: saved.weights.subarray(0, 20) })).toThrow(
      /loadModel: weights model\.safetensors/,
    );
  });
});

describe("erlangen train --save, predict, evaluate", () => {
  it("checks --save, --plot and --output paths before any training", async () => {
    const t0 = Date.now();
    const a = await run(["train", "--dataset", "karate", "--model", "gcn", "--save", "/nonexistent-dir/x/model"]);
    expect(a.rc).toBe(2);
    expect(a.err.join("\n")).toMatch(/option '--save': folder '\/nonexistent-dir\/x' does not exist/);
    const b = await run(["train", "--dataset", "karate", "--model", "gcn", "--plot", "/nonexistent-dir/c.svg"]);
    expect(b.rc).toBe(2);
    const c = await run(["predict", "--model", ".", "--input", "package.json", "--output", "/nonexistent-dir/p.csv"]);
    expect(c.rc).toBe(2);
    expect(c.err.join("\n")).toMatch(/option '--output'/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it("GCN on karate: evaluate reproduces the training test accuracy; predict equals the loaded model", async () => {
    const dir = tmp();
    const t = await run([
      "train",
      "--dataset",
      "karate",
      "--model",
      "gcn",
      "--epochs",
      "40",
      "--save",
      join(dir, "m"),
      "--json",
      "-q",
    ]);
    expect(t.rc).toBe(0);
    const report = JSON.parse(t.out.at(-1)!);
    const e = await run(["evaluate", "--model", join(dir, "m"), "--dataset", "karate", "--json"]);
    expect(e.rc).toBe(0);
    expect(JSON.parse(e.out.at(-1)!).results.test.accuracy).toBe(report.test.values[0]);
    const g = karateClub();
    writeFileSync(join(dir, "k.json"), JSON.stringify({ x: g.x!.toArray(), edge_index: g.edgeIndex.toArray() }));
    const p = await run([
      "predict",
      "--model",
      join(dir, "m"),
      "--input",
      join(dir, "k.json"),
      "--output",
      join(dir, "p.json"),
    ]);
    expect(p.rc).toBe(0);
    const rows = JSON.parse(readFileSync(join(dir, "p.json"), "utf8")) as Record<string, number | string>[];
    const { model } = await loadModelDir(join(dir, "m"));
    const logits = model.call(g.x!, g.edgeIndex) as Tensor;
    const probs = logits.softmax(-1);
    expect(rows.length).toBe(34);
    for (let i = 0; i < 34; i++)
      for (let c = 0; c < 4; c++) expect(rows[i]![`p_${c}`]).toBeCloseTo(probs.data[i * 4 + c]!, 6);
  });

  it("users' CSV node table: GraphSAGE with class names; predictions name the nodes and classes", async () => {
    const dir = tmp();
    const nodes = ["id,f1,f2,label"];
    const edges = ["source,target"];
    for (let i = 0; i < 40; i++) nodes.push(`n${i},${i % 2},${(i * 7) % 5},${i % 2 ? "red" : "blue"}`);
    for (let i = 0; i < 40; i++) edges.push(`n${i},n${(i + 2) % 40}`);
    writeFileSync(join(dir, "nodes.csv"), `${nodes.join("\n")}\n`);
    writeFileSync(join(dir, "edges.csv"), `${edges.join("\n")}\n`);
    const t = await run([
      "train",
      ...["--data", join(dir, "nodes.csv"), "--edges", join(dir, "edges.csv"), "--task", "node-classification"],
      ...["--model", "sage", "--epochs", "30", "--save", join(dir, "m"), "-q"],
    ]);
    expect(t.rc, t.err.join("\n")).toBe(0);
    const p = await run([
      "predict",
      "--model",
      join(dir, "m"),
      "--input",
      join(dir, "nodes.csv"),
      "--edges",
      join(dir, "edges.csv"),
    ]);
    expect(p.rc, p.err.join("\n")).toBe(0);
    expect(p.out[0]).toBe("node,prediction,p_blue,p_red");
    expect(p.out[1]).toMatch(/^n0,(blue|red),/);
    const cfg = JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8"));
    expect(cfg.schema.classes).toEqual(["blue", "red"]);
    expect(cfg.schema.features).toEqual(["f1", "f2"]);
  });

  it("SMILES graph regression with the molecular GNN (GINE): predictions in the data's units", async () => {
    const dir = tmp();
    const esol = parseCsv(readFileSync("datasets/molecules/moleculenet/delaney-processed.csv"));
    const kS = esol.columns.indexOf("smiles");
    const kY = esol.columns.indexOf("measured log solubility in mols per litre");
    const rows = esol.rows.slice(0, 40).map((c) => `${c[kS]!.trim()},${c[kY]}`);
    writeFileSync(join(dir, "mols.csv"), `smiles,logS\n${rows.join("\n")}\n`);
    writeFileSync(join(dir, "new.smi"), "CCO\nc1ccccc1O\n");
    const t = await run([
      "train",
      ...["--data", join(dir, "mols.csv"), "--task", "graph-regression", "--label", "logS"],
      ...["--model", "gine", "--epochs", "2", "--hidden", "16", "--layers", "2", "--save", join(dir, "m"), "-q"],
      "--json",
    ]);
    expect(t.rc, t.err.join("\n")).toBe(0);
    const e = await run([
      "evaluate",
      "--model",
      join(dir, "m"),
      "--data",
      join(dir, "mols.csv"),
      "--label",
      "logS",
      "--json",
    ]);
    expect(e.rc, e.err.join("\n")).toBe(0);
    expect(JSON.parse(e.out.at(-1)!).results.test.rmse).toBe(JSON.parse(t.out.at(-1)!).test.values[0]);
    const p = await run(["predict", "--model", join(dir, "m"), "--input", join(dir, "new.smi"), "--format", "json"]);
    expect(p.rc, p.err.join("\n")).toBe(0);
    const out = JSON.parse(p.out.join("\n")) as { smiles: string; logS: number }[];
    expect(out.map((r) => r.smiles)).toEqual(["CCO", "c1ccccc1O"]);
    const cfg = JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8"));
    const { model } = await loadModelDir(join(dir, "m"));
    const { readSmilesCsv } = await import("../src/data/datasets/moleculenet.js");
    const { loadRDKit } = await import("../src/data/datasets/smiles.js");
    const { Batch } = await import("../src/domains/graph/batch.js");
    const mols = readSmilesCsv(await loadRDKit(), "smiles\nCCO\nc1ccccc1O\n", { targets: [] });
    const b = Batch.fromGraphs(mols.graphs);
    const y = model.call(b.x, b.edgeIndex, b.batch, b.edgeAttr) as Tensor;
    const { mean, std } = cfg.schema.normalization;
    for (let i = 0; i < 2; i++) expect(out[i]!.logS).toBeCloseTo(y.data[i]! * std[0] + mean[0], 5);
  });

  it("E(3): SchNet on users' 3-D molecules (JSON), predict on XYZ adds back the element references", async () => {
    const dir = tmp();
    manualSeed(0);
    const mols = Array.from({ length: 24 }, (_, k) => {
      const n = 3 + (k % 3);
      const pos = randn([n, 3]).mul(0.8);
      const z = Array.from({ length: n }, (_, a) => (a === 0 ? 8 : a === 1 ? 6 : 1));
      return { z, pos: pos.toArray(), y: z.reduce((s, v) => s + v, 0) * -1.5 + (k % 5) * 0.1 };
    });
    writeFileSync(join(dir, "mols.json"), JSON.stringify(mols));
    const xyz = mols
      .slice(0, 2)
      .map(
        (m, k) =>
          `${m.z.length}\nmol${k}\n${m.z.map((z, a) => `${z} ${(m.pos as number[][])[a]!.join(" ")}`).join("\n")}`,
      );
    writeFileSync(join(dir, "new.xyz"), `${xyz.join("\n")}\n`);
    const t = await run([
      "train",
      ...["--data", join(dir, "mols.json"), "--task", "molecule-regression"],
      ...["--model", "schnet", "--epochs", "2", "--hidden", "8", "--layers", "1", "--save", join(dir, "m"), "-q"],
      "--json",
    ]);
    expect(t.rc, t.err.join("\n")).toBe(0);
    const e = await run(["evaluate", "--model", join(dir, "m"), "--data", join(dir, "mols.json"), "--json"]);
    expect(e.rc, e.err.join("\n")).toBe(0);
    expect(JSON.parse(e.out.at(-1)!).results.test.mae).toBe(JSON.parse(t.out.at(-1)!).test.values[0]);
    const p = await run(["predict", "--model", join(dir, "m"), "--input", join(dir, "new.xyz"), "--format", "json"]);
    expect(p.rc, p.err.join("\n")).toBe(0);
    const out = JSON.parse(p.out.join("\n")) as { id: string; y0: number }[];
    expect(out.map((r) => r.id)).toEqual(["mol0", "mol1"]);
    const cfg = JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8"));
    const { model } = await loadModelDir(join(dir, "m"));
    const m0 = mols[0]!;
    const y = model.call(
      new Tensor(Int32Array.from(m0.z), [m0.z.length], "int32"),
      new Tensor(Float32Array.from((m0.pos as number[][]).flat()), [m0.z.length, 3], "float32"),
      new Tensor(new Int32Array(m0.z.length), [m0.z.length], "int32"),
    ) as Tensor;
    const ref = m0.z.reduce((s, z) => s + cfg.schema.atomRefs[z], 0);
    expect(out[0]!.y0).toBeCloseTo(y.data[0]! * cfg.schema.scale + ref, 3);
  });

  it("E(3) from SMILES: EGNN on embedded conformers (hydrogens added); predict on .smi embeds them the same way", async () => {
    const dir = tmp();
    const smiles = ["CCO", "CC(=O)O", "c1ccccc1", "CCN", "OCCO", "CC#N", "C1CC1", "CCCl"];
    writeFileSync(join(dir, "mols.csv"), `smiles,y\n${smiles.map((m, i) => `${m},${(i % 3) - 1}`).join("\n")}\n`);
    writeFileSync(join(dir, "new.smi"), "CCO\nc1ccccc1\n");
    const t = await run([
      "train",
      ...["--data", join(dir, "mols.csv"), "--task", "molecule-regression", "--label", "y"],
      ...["--model", "egnn", "--epochs", "1", "--hidden", "8", "--layers", "1", "--save", join(dir, "m"), "-q"],
      "--json",
    ]);
    expect(t.rc, t.err.join("\n")).toBe(0);
    const p = await run(["predict", "--model", join(dir, "m"), "--input", join(dir, "new.smi"), "--format", "json"]);
    expect(p.rc, p.err.join("\n")).toBe(0);
    const out = JSON.parse(p.out.join("\n")) as Record<string, number | string>[];
    expect(out.length).toBe(2);
    expect(out.map((r) => r.id)).toEqual(["CCO", "c1ccccc1"]);
    for (const r of out)
      expect(Object.values(r).filter((v) => typeof v === "number" && Number.isFinite(v)).length).toBe(1);
    // the embedding is seeded: predicting again gives the same numbers
    const q = await run(["predict", "--model", join(dir, "m"), "--input", join(dir, "new.smi"), "--format", "json"]);
    expect(JSON.parse(q.out.join("\n"))).toEqual(out);
  });

  it("G-CNN: P4CNN on rotated MNIST (a few digits), predict on JSON images equals the loaded model", async () => {
    const dir = tmp();
    const t = await run([
      "train",
      ...["--dataset", "rotated-mnist", "--model", "p4cnn", "--epochs", "1", "--hidden", "2", "--layers", "2"],
      ...["--train-limit", "32", "--test-limit", "16", "--batch-size", "16", "--save", join(dir, "m"), "-q"],
      "--json",
    ]);
    expect(t.rc, t.err.join("\n")).toBe(0);
    // evaluate rebuilds the training data (the limits are in the config) and scores the same test split
    const e = await run(["evaluate", "--model", join(dir, "m"), "--dataset", "rotated-mnist", "--json"]);
    expect(e.rc, e.err.join("\n")).toBe(0);
    expect(JSON.parse(e.out.at(-1)!).results.test.accuracy).toBe(JSON.parse(t.out.at(-1)!).test.values[0]);
    manualSeed(5);
    const imgs = randn([2, 28, 28]).abs().clamp(0, 1);
    writeFileSync(join(dir, "imgs.json"), JSON.stringify(imgs.toArray()));
    const p = await run(["predict", "--model", join(dir, "m"), "--input", join(dir, "imgs.json"), "--format", "json"]);
    expect(p.rc, p.err.join("\n")).toBe(0);
    const out = JSON.parse(p.out.join("\n")) as Record<string, number | string>[];
    const { model } = await loadModelDir(join(dir, "m"));
    const probs = (model.call(imgs.reshape(2, 1, 28, 28)) as Tensor).softmax(-1);
    for (let i = 0; i < 2; i++)
      for (let c = 0; c < 10; c++) expect(out[i]![`p_${c}`]).toBeCloseTo(probs.data[i * 10 + c]!, 5);
  });

  it("social TU set (IMDB-BINARY): predict feeds the saved degree transform; equals the loaded model on degree features", async () => {
    const dir = tmp();
    const t = await run([
      "train",
      ...["--dataset", "imdb-binary", "--model", "gin", "--epochs", "1", "--hidden", "8", "--layers", "2"],
      ...["--folds", "2", "--save", join(dir, "m"), "--json", "-q"],
    ]);
    expect(t.rc, t.err.join("\n")).toBe(0);
    const cfg = JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8"));
    expect(cfg.schema.transforms).toEqual(["degree"]);
    // a triangle with a pendant node, and a 4-star; no node features: predict adds the degrees
    const graphs = [
      {
        edge_index: [
          [0, 1, 1, 2, 2, 0, 2, 3],
          [1, 0, 2, 1, 0, 2, 3, 2],
        ],
      },
      {
        edge_index: [
          [0, 1, 0, 2, 0, 3, 0, 4],
          [1, 0, 2, 0, 3, 0, 4, 0],
        ],
      },
    ];
    writeFileSync(join(dir, "g.json"), JSON.stringify(graphs));
    const p = await run([
      "predict",
      "--model",
      join(dir, "m"),
      "--input",
      join(dir, "g.json"),
      "--output",
      join(dir, "p.json"),
    ]);
    expect(p.rc, p.err.join("\n")).toBe(0);
    const rows = JSON.parse(readFileSync(join(dir, "p.json"), "utf8")) as Record<string, number | string>[];
    expect(rows.length).toBe(2);
    const { model } = await loadModelDir(join(dir, "m"));
    const deg = [
      [2, 2, 3, 1],
      [4, 1, 1, 1, 1],
    ];
    for (const [i, g] of graphs.entries()) {
      const n = deg[i]!.length;
      const x = new Tensor(Float32Array.from(deg[i]!), [n, 1], "float32");
      const ei = new Tensor(Int32Array.from(g.edge_index.flat()), [2, g.edge_index[0]!.length], "int32");
      const logits = model.call(x, ei, new Tensor(new Int32Array(n), [n], "int32")) as Tensor;
      const probs = logits.softmax(-1);
      for (let c = 0; c < 2; c++) expect(rows[i]![`p_${c}`]).toBeCloseTo(probs.data[c]!, 5);
    }
  });

  it("meshes: the mesh GCN on a few SHREC'11 meshes; evaluate rebuilds the data (options, limits) and agrees", async () => {
    const dir = tmp();
    const t = await run([
      "train",
      ...["--dataset", "shrec11", "--model", "gcn", "--epochs", "1", "--hidden", "8", "--layers", "2"],
      ...["--features", "xyz", "--train-limit", "3", "--test-limit", "6", "--save", join(dir, "m"), "--json", "-q"],
    ]);
    expect(t.rc, t.err.join("\n")).toBe(0);
    const cfg = JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8"));
    expect(cfg.training.datasetOptions).toEqual({ features: "xyz" });
    expect(cfg.training.limits).toEqual({ train: 3, test: 6 });
    const e = await run(["evaluate", "--model", join(dir, "m"), "--dataset", "shrec11", "--json"]);
    expect(e.rc, e.err.join("\n")).toBe(0);
    const r = JSON.parse(e.out.at(-1)!).results.test;
    expect(r.accuracy).toBe(JSON.parse(t.out.at(-1)!).test.values[0]);
  });
});
