import { describe, expect, it } from "vitest";
import { type CliIO, main } from "../src/cli/main.js";
import { nbodyDataset } from "../src/cli/molecules.js";
import { getModel } from "../src/cli/registry.js";
import { BASE_HYPER } from "../src/cli/train_args.js";
import { qm7Split } from "../src/data/datasets/molecules.js";
import { Adam, Generator, manualSeed, Trainer } from "../src/index.js";
import { loadQM7, loadQM9 } from "../src/node/molecules.js";
import { moleculeRegressionTask, targetNormalisation } from "../src/train/molecules.js";

function captureIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    progress: { write: () => true, isTTY: false } as never,
  };
}

describe("erlangen train on molecules and N-body", () => {
  it("trains the CM-MLP baseline on QM7 with the JSON contract (metric MAE, kcal/mol)", async () => {
    const io = captureIO();
    const code = await main(
      [
        "train",
        "--dataset",
        "qm7",
        "--model",
        "cm-mlp",
        "--epochs",
        "1",
        "--hidden",
        "16",
        "--layers",
        "2",
        "--json",
        "-q",
      ],
      io,
    );
    expect(code).toBe(0);
    const r = JSON.parse(io.stdout[io.stdout.length - 1]!);
    expect(r.dataset).toBe("qm7");
    expect(r.model).toBe("cm-mlp");
    expect(r.metric).toBe("mae");
    expect(r.protocol).toBe("fixed 80/20 split (seed 0)");
    expect(Number.isFinite(r.test.mean)).toBe(true);
    expect(r.test.mean).toBeLessThan(200); // after the atom references, errors are O(10) kcal/mol
    expect(r.params).toBeGreaterThan(0);
  });

  it("lists the datasets and models and rejects unsupported pairs", async () => {
    const io = captureIO();
    expect(await main(["train", "--help"], io)).toBe(0);
    const help = io.stdout.join("\n");
    for (const n of ["qm7", "qm9-10k", "qm9-10k-dipole", "nbody", "schnet", "egnn", "nequip-like", "cm-mlp"])
      expect(help).toContain(n);
    const io2 = captureIO();
    expect(await main(["train", "--dataset", "nbody", "--model", "schnet", "--epochs", "1"], io2)).toBe(2);
    expect(io2.stderr.join("\n")).toMatch(/model 'schnet' does not support nbody/);
  });

  it("every molecular model trains through the regression task (tiny QM7 subset)", async () => {
    const ds = loadQM7();
    const sp = qm7Split(ds.graphs.length);
    const train = Array.from(sp.train.slice(0, 24), (i) => ds.graphs[i]!);
    const test = Array.from(sp.test.slice(0, 8), (i) => ds.graphs[i]!);
    const norm = targetNormalisation(train, ds.maxZ, false);
    expect(norm.scale).toBeGreaterThan(0);
    const info = {
      kind: "molecule-regression",
      numFeatures: ds.maxZ + 1,
      numClasses: 0,
      numTargets: 1,
      maxAtoms: ds.maxAtoms,
    };
    for (const name of ["schnet", "egnn", "nequip-like", "cm-mlp"]) {
      manualSeed(0);
      const spec = getModel(name);
      const hp = { ...BASE_HYPER, ...spec.defaults("molecule-regression", "qm7"), hidden: 8, layers: 1, batchSize: 8 };
      const model = spec.build(info, hp);
      const task = moleculeRegressionTask({ train, test, batchSize: 8, generator: new Generator(0), ...norm });
      const trainer = new Trainer(model, task, { optimizer: new Adam(model.parameters(), { lr: 1e-3 }), epochs: 1 });
      const hist = await trainer.fit();
      expect(Number.isFinite(hist.epochs[0]!.loss)).toBe(true);
      const t = await trainer.test();
      expect(Number.isFinite(t.mae!)).toBe(true);
    }
  });

  it("equivariant models learn the QM9 dipole vector through the task (no atom references)", async () => {
    const ds = loadQM9({ target: "dipole" });
    const train = Array.from(ds.split!.train.slice(0, 16), (i) => ds.graphs[i]!);
    const test = Array.from(ds.split!.test.slice(0, 8), (i) => ds.graphs[i]!);
    const norm = targetNormalisation(train, ds.maxZ, true);
    expect(norm.atomRefs).toBeNull();
    const info = { kind: "molecule-vector", numFeatures: ds.maxZ + 1, numClasses: 0, numTargets: 3 };
    for (const name of ["nequip-like", "egnn"]) {
      manualSeed(0);
      const spec = getModel(name);
      const hp = {
        ...BASE_HYPER,
        ...spec.defaults("molecule-vector", "qm9-10k-dipole"),
        hidden: 4,
        layers: 1,
        batchSize: 8,
      };
      const model = spec.build(info, hp);
      const task = moleculeRegressionTask({ train, test, batchSize: 8, generator: new Generator(0), ...norm });
      const trainer = new Trainer(model, task, { optimizer: new Adam(model.parameters(), { lr: 1e-3 }), epochs: 1 });
      await trainer.fit();
      expect(Number.isFinite((await trainer.test()).mae!)).toBe(true);
    }
  });

  it("EGNN trains on a small N-body set (MSE metric)", async () => {
    const data = nbodyDataset({ numTrain: 20, numVal: 10, numTest: 10, burnIn: 100, steps: 100 });
    expect(data.info.kind).toBe("nbody");
    const [run] = data.runs({ seeds: 1, folds: 0, seed: 0 });
    const spec = getModel("egnn");
    const hp = { ...BASE_HYPER, ...spec.defaults("nbody", "nbody"), hidden: 8, layers: 2, batchSize: 10 };
    const model = spec.build(data.info, hp);
    const trainer = new Trainer(model, run!.task(model, hp), {
      optimizer: new Adam(model.parameters(), { lr: 1e-3 }),
      epochs: 2,
    });
    const hist = await trainer.fit();
    expect(hist.metric).toBe("mse");
    const t = await trainer.test();
    expect(t.mse!).toBeGreaterThan(0);
    expect(t.mse!).toBeLessThan(1);
  });
});
