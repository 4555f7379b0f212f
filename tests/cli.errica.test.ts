/**
 * Graph classification as in Errica et al. (2020): the node features each TU set gets by default,
 * `--protocol errica` (grid search on each fold's validation part, retraining of the selection),
 * the structure-agnostic baseline, the JSON report and the usage errors.
 */
import { describe, expect, it } from "vitest";
import { type ErricaSetup, expandGrid, pinGrid, runErrica } from "../src/cli/errica.js";
import {
  ERRICA_GIN_GRID,
  ERRICA_SAGE_GRID,
  erricaBaselineGrid,
  StructureAgnosticBaseline,
} from "../src/cli/graph_models.js";
import { type CliIO, main } from "../src/cli/main.js";
import {
  getDataset,
  getModel,
  type Hyper,
  type LoadedDataset,
  type ModelSpec,
  type RunSpec,
} from "../src/cli/registry.js";
import { BASE_HYPER, resolveHyper } from "../src/cli/train_args.js";
import type { GINGraphClassifier } from "../src/layers/graphs/models.js";
import { SAGEGraphClassifier } from "../src/layers/graphs/sage_graph_classifier.js";
import { Module, Parameter } from "../src/nn/module.js";
import { loadTUDataset } from "../src/node/datasets.js";
import { manualSeed, randn, Tensor, zeros } from "../src/tensor/index.js";
import { loadModel, saveModel } from "../src/train/model_file.js";
import type { Task } from "../src/train/trainer.js";
import { checkPermutationInvariance, type TestGraph } from "./helpers/permutation.js";

function captureIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    progress: { write: () => {}, isTTY: false },
  };
}

/** Runs the CLI with `argv`, expects exit code 0, and returns stderr and the last stdout line parsed as JSON. */
async function cliJson(argv: string[]): Promise<{ r: ReturnType<typeof JSON.parse>; err: string }> {
  const io = captureIO();
  const code = await main(argv, io);
  const err = io.stderr.join("\n");
  expect(code, err).toBe(0);
  return { r: JSON.parse(io.stdout.at(-1)!), err };
}

describe("Errica et al.'s grids", () => {
  it("have their sizes: GIN 128, GraphSAGE 72, baselines 72 (ENZYMES) and 108 (chemical, IMDB)", () => {
    expect(expandGrid(ERRICA_GIN_GRID).length).toBe(128);
    expect(expandGrid(ERRICA_SAGE_GRID).length).toBe(72);
    expect(expandGrid(erricaBaselineGrid("enzymes")).length).toBe(72);
    expect(expandGrid(erricaBaselineGrid("nci1")).length).toBe(108);
    expect(expandGrid(erricaBaselineGrid("imdb-binary")).length).toBe(108);
    const gin = expandGrid(ERRICA_GIN_GRID);
    expect(gin[0]).toMatchObject({ lr: 0.01, epochs: 1000, patience: 500, batchSize: 32, hidden: 64, layers: 5 });
    expect(new Set(gin.map((c) => `${c.hidden}/${c.layers}`))).toEqual(new Set(["64/5", "32/5", "64/2", "32/3"]));
  });

  it("pinGrid drops the axes the flags fix and merges duplicates", () => {
    const pinned = pinGrid(ERRICA_GIN_GRID, { hidden: 16, dropout: 0, batchSize: 32 });
    // hidden/layers → layers {5, 2, 3}; batch and dropout axes gone
    expect(expandGrid(pinned).length).toBe(3 * 2 * 2 * 2);
    expect(expandGrid(pinned).every((c) => c.hidden === undefined && c.dropout === undefined)).toBe(true);
    expect(expandGrid([])).toEqual([{}]);
  });
});

/** The features of the first node the model sees when fold 1's task evaluates its test part. */
async function firstNodeFeatures(d: LoadedDataset): Promise<number[]> {
  const run = d.runs({ seeds: 1, folds: 10, seed: 0 })[0]!;
  const rows: number[][] = [];
  const spy = new (class extends Module<[Tensor, Tensor, Tensor], Tensor> {
    forward(x: Tensor, _e: Tensor, batch: Tensor): Tensor {
      const F = x.shape[1]!;
      if (rows.length === 0 && batch.size > 0) rows.push(Array.from(x.data.subarray(0, F)));
      let g = 0;
      for (let i = 0; i < batch.size; i++) g = Math.max(g, batch.data[i]! + 1);
      return zeros([g, d.info.numClasses]);
    }
  })();
  const task = run.task(spy, { ...BASE_HYPER, batchSize: 600 }, { log: () => {}, quiet: true });
  await task.evaluate("test", {
    model: spy,
    optimizer: { zeroGrad() {}, step() {} },
    epoch: 0,
    backwardStep: () => 0,
  } as never);
  return rows[0] ?? [];
}

describe("TU node features as Errica et al. feed them", () => {
  const load = async (name: string, opts: { nodeAttr?: boolean; features?: string } = {}): Promise<LoadedDataset> =>
    getDataset(name).load(opts);

  it("ENZYMES: 18 attributes + 3 labels = 21 by default, 3 with --no-node-attr", async () => {
    const d = await load("enzymes");
    expect(d.info.numFeatures).toBe(21);
    expect(d.info.baseline).toBe("deepsets");
    expect(d.summary).toMatch(/18 continuous node attributes \+ 3 one-hot node labels \(21 features\), as Errica/);
    // a node's row is its 18 attributes then its one-hot label, as in the files (node 1: label 1)
    const tu = loadTUDataset("ENZYMES", { useNodeAttr: true });
    const row0 = Array.from(tu.graphs[0]!.x!.data.subarray(0, 21));
    expect(row0.slice(0, 6).map((v) => Math.round(v * 1000) / 1000)).toEqual([11, 15.887, 37.78, -0.51, 1.701, 93.9]);
    expect(row0.slice(18)).toEqual([1, 0, 0]);
    // and the model sees those 21 values: fold 1's first test graph, first node
    const g = tu.graphs[tu.folds![0]!.test[0]!]!;
    expect(await firstNodeFeatures(d)).toEqual(Array.from(g.x!.data.subarray(0, 21)));
    expect(d.info.continuousFeatures).toBe(true);
    const n = await load("enzymes", { nodeAttr: false });
    expect(n.info.continuousFeatures).toBe(false);
    expect(n.info.numFeatures).toBe(3);
    expect(n.summary).toMatch(/3 one-hot node labels \(3 features\); 18 node attributes left out .*not Errica/);
  });

  it("PROTEINS and MUTAG: one-hot labels (PROTEINS' attribute only with --node-attr); chemical baseline", async () => {
    const p = await load("proteins");
    expect(p.info.numFeatures).toBe(3);
    expect(p.info.baseline).toBe("fingerprint");
    expect(p.summary).toMatch(
      /3 one-hot node labels \(3 features\); 1 node attribute left out \(--node-attr adds it\)/,
    );
    expect((await load("proteins", { nodeAttr: true })).info.numFeatures).toBe(4);
    expect((await load("mutag")).info.numFeatures).toBe(7);
    await expect(load("mutag", { nodeAttr: true })).rejects.toThrow(/has no continuous node attributes/);
  });

  it("IMDB-BINARY: the node degree as one feature; --features one-hot-degree as the GIN paper", async () => {
    const d = await load("imdb-binary");
    expect(d.info.numFeatures).toBe(1);
    expect(d.summary).toMatch(/features: node degree \(1 feature\), as Errica/);
    const oh = await load("imdb-binary", { features: "one-hot-degree" });
    expect(oh.info.numFeatures).toBeGreaterThan(100);
    expect(oh.summary).toMatch(/one-hot node degree .* not Errica/);
    await expect(load("imdb-binary", { features: "xyz" })).rejects.toThrow(/expected one of degree, one-hot-degree/);
  });
});

describe("GIN's input MLP (Errica et al.'s first layer)", () => {
  const info = (continuousFeatures?: boolean | number) =>
    ({ kind: "graph-classification", numFeatures: 21, numClasses: 6, continuousFeatures }) as never;
  const gin = getModel("gin");
  const hp = (o: Partial<Hyper> = {}) => resolveHyper(gin, "graph-classification", "enzymes", { hidden: 8, ...o });
  const hasInputMlp = (m: unknown) => (m as GINGraphClassifier).inputMlp !== null;

  it("is on by default when the features include continuous attributes (ENZYMES), off for one-hot labels", () => {
    expect(hasInputMlp(gin.build(info(true), hp()))).toBe(true);
    expect(hasInputMlp(gin.build(info(false), hp()))).toBe(false);
    expect(hasInputMlp(gin.build(info(undefined), hp()))).toBe(false);
    expect(hasInputMlp(gin.build(info(true), hp({ inputMlp: false })))).toBe(false);
    expect(hasInputMlp(gin.build(info(false), hp({ inputMlp: true })))).toBe(true);
  });

  it("a saved model rebuilds with it (the config stores the flag as 1)", () => {
    const trained = gin.build(info(true), hp());
    const saved = saveModel(trained, {
      model: "gin",
      task: "graph-classification",
      hyper: { ...hp() } as never,
      info: { numFeatures: 21, numClasses: 6, continuousFeatures: 1 },
    });
    expect(hasInputMlp(loadModel(saved))).toBe(true);
  });

  it("--input-mlp / --no-input-mlp reach the hyper-parameters and the JSON", async () => {
    for (const [flag, want] of [
      ["--input-mlp", true],
      ["--no-input-mlp", false],
    ] as const) {
      const argv = ["train", "-d", "mutag", "-m", "gin", "--folds", "2", "--epochs", "1", "--hidden", "4"];
      const { r } = await cliJson([...argv, flag, "--json", "--quiet"]);
      expect(r.hyper.inputMlp).toBe(want);
    }
  });
});

describe("structure-agnostic baseline", () => {
  function graph(): TestGraph {
    manualSeed(3);
    return {
      x: randn([6, 4], { dtype: "float64" }),
      edgeIndex: new Tensor(Int32Array.from([0, 1, 1, 2, 3, 4, 1, 0, 2, 1, 4, 3]), [2, 6], "int32"),
      batch: new Tensor(Int32Array.from([0, 0, 0, 1, 1, 1]), [6], "int32"),
    };
  }

  it("both variants: [B, C] logits, invariant to node order, blind to the edges", () => {
    for (const variant of ["fingerprint", "deepsets"] as const) {
      manualSeed(1);
      const m = new StructureAgnosticBaseline(4, 8, 3, variant).double();
      const g = graph();
      const out = m.forward(g.x, g.edgeIndex, g.batch!);
      expect(out.shape).toEqual([2, 3]);
      checkPermutationInvariance((gg) => m.forward(gg.x, gg.edgeIndex, gg.batch!), graph(), { atol: 1e-9 });
      const noEdges = m.forward(g.x, new Tensor(new Int32Array(0), [2, 0], "int32"), g.batch!);
      expect(Array.from(noEdges.data)).toEqual(Array.from(out.data));
    }
  });

  it("fingerprint = MLP of the summed features", () => {
    manualSeed(2);
    const m = new StructureAgnosticBaseline(4, 8, 3, "fingerprint").double();
    const g = graph();
    const sums = new Float64Array(8);
    for (let i = 0; i < 6; i++) for (let f = 0; f < 4; f++) sums[(i < 3 ? 0 : 4) + f]! += g.x.data[i * 4 + f]!;
    const direct = m.net.rho.forward(new Tensor(sums, [2, 4], "float64"));
    const out = m.forward(g.x, g.edgeIndex, g.batch!);
    for (let i = 0; i < 6; i++) expect(out.data[i]).toBeCloseTo(direct.data[i]!, 12);
  });

  it("trains on ENZYMES through the CLI and says which features it used", async () => {
    const { r } = await cliJson([
      "train",
      "-d",
      "enzymes",
      "-m",
      "baseline",
      "--epochs",
      "2",
      "--folds",
      "2",
      "--hidden",
      "8",
      "--json",
      "--quiet",
    ]);
    expect(r.model).toBe("baseline");
    expect(r.runs).toBe(2);
    expect(r.data).toMatch(/21 features/);
    // Errica et al.'s patience (500): 50 stopped ENZYMES on its validation plateau at 47 %
    expect(r.hyper).toMatchObject({ hidden: 8, epochs: 2, patience: 500, valFraction: 0.1 });
    expect(r.wallMs).toBeGreaterThan(0);
  });
});

/** A model whose validation / test accuracies are read off its hyper-parameters (no learning). */
class Probe extends Module<[Tensor], Tensor> {
  w = new Parameter(zeros([1], { dtype: "float64" }));
  forward(x: Tensor): Tensor {
    return x;
  }
}

const PROBE_MODEL: ModelSpec = {
  name: "probe",
  description: "probe",
  kinds: ["graph-classification"],
  defaults: () => ({}),
  build: () => new Probe(),
};

/** A task that learns nothing: its loss is 1 and its accuracy on each split is `accuracy(split)`. */
function probeTask(accuracy: (split: string) => number): Task<Module> {
  return {
    metric: "accuracy",
    mode: "max",
    splits: ["train", "val", "test"],
    trainStep: () => ({ loss: 1 }),
    evaluate: (split) => ({ loss: 1, accuracy: accuracy(split) }),
  };
}

/** {@link runErrica} on the probe model over `runs` (a two-class graph task), with `setup`'s settings. */
function runProbe(
  runs: RunSpec[],
  setup: Pick<ErricaSetup, "grid" | "base" | "retrains"> & Partial<ErricaSetup>,
): ReturnType<typeof runErrica> {
  return runErrica({
    model: PROBE_MODEL,
    data: {
      info: { kind: "graph-classification", numFeatures: 1, numClasses: 2 },
      summary: "",
      protocol: () => "",
      runs: () => runs,
    },
    runs,
    overrides: {},
    metric: "accuracy",
    progress: () => {},
    ...setup,
  });
}

describe("--protocol errica", () => {
  it("selects the first configuration with the best validation accuracy per fold, then averages the retrainings", async () => {
    // val accuracy: 0.5 for lr 0.1, 0.7 for lr 0.2 and lr 0.3 (a tie: the first wins); test: lr + fold/10 + seed noise
    const valOf = (hp: Hyper) => (hp.lr < 0.15 ? 0.5 : 0.7);
    const seen: { fold: number; lr: number; seed: number }[] = [];
    const runs: RunSpec[] = [0, 1].map((fold) => ({
      label: `fold ${fold + 1}/2`,
      seed: 100 * fold,
      task: (_m, hp) => probeTask((split) => (split === "val" ? valOf(hp) : hp.lr + fold / 10)),
    }));
    for (const r of runs) {
      const task = r.task;
      r.task = (m, hp, env) => {
        seen.push({ fold: Number(r.label[5]) - 1, lr: hp.lr, seed: r.seed });
        return task(m, hp, env);
      };
    }
    const lines: string[] = [];
    const res = await runProbe(runs, {
      grid: [[{ lr: 0.1 }, { lr: 0.2 }, { lr: 0.3 }]],
      base: {
        epochs: 3,
        lr: 0.01,
        weightDecay: 0,
        hidden: 4,
        layers: 1,
        dropout: 0,
        heads: 1,
        batchSize: 1,
        k: 1,
        alpha: 0,
        edgeDropout: 0,
        kernelSize: 3,
        lrStep: 0,
        lrGamma: 0.5,
        patience: 2,
        valFraction: 0.1,
      },
      retrains: 3,
      progress: (l) => void lines.push(l),
    });
    expect(res.folds.map((f) => f.config)).toEqual([{ lr: 0.2 }, { lr: 0.2 }]);
    expect(res.folds.map((f) => f.configIndex)).toEqual([1, 1]);
    expect(res.folds[0]!.val).toBeCloseTo(0.7);
    expect(res.folds[0]!.tests).toHaveLength(3);
    expect(res.folds[0]!.test).toBeCloseTo(0.2);
    expect(res.folds[1]!.test).toBeCloseTo(0.3);
    expect(res.test.mean).toBeCloseTo(0.25);
    expect(res.grid).toEqual({ size: 3, evaluated: 3, retrains: 3 });
    // 3 configurations + 3 retrainings per fold
    expect(seen.filter((s) => s.fold === 0).map((s) => s.lr)).toEqual([0.1, 0.2, 0.3, 0.2, 0.2, 0.2]);
    expect(lines.some((l) => /fold 1\/2: config 2 of 3 \[lr=0.2\].*best so far config 2/.test(l))).toBe(true);
    expect(lines.some((l) => /fold 2\/2: selected config 2 of 3/.test(l))).toBe(true);
  });

  it("a one-configuration grid skips the selection training; early stopping counts ties as improvements", async () => {
    let trainings = 0;
    const runs: RunSpec[] = [
      {
        label: "fold 1/1",
        seed: 0,
        task: () => {
          trainings++;
          // a flat validation curve: strict improvement stops after `patience` epochs, their Patience never
          return probeTask((split) => (split === "val" ? 0.5 : 0.25));
        },
      },
    ];
    const res = await runProbe(runs, {
      grid: [[{ lr: 0.2 }]],
      base: { ...BASE_HYPER, epochs: 6, patience: 2 },
      retrains: 2,
    });
    expect(trainings).toBe(2);
    expect(res.folds[0]).toMatchObject({ configIndex: 0, val: 0.5, test: 0.25, epochs: [6, 6] });
  });

  it("runs on a TU set through the CLI: progress lines, reduced grid, JSON with the selection per fold", async () => {
    const { r, err } = await cliJson([
      "train",
      "-d",
      "mutag",
      "-m",
      "baseline",
      "--protocol",
      "errica",
      "--folds",
      "2",
      "--epochs",
      "2",
      "--patience",
      "1",
      "--hidden",
      "8",
      "--batch-size",
      "64",
      "--max-configs",
      "2",
      "--retrains",
      "2",
      "--json",
    ]);
    expect(err).toMatch(/fold 1\/2: config 1 of 2 \[lr=0.000001 weightDecay=0.0001 stopOn=metric\]: val accuracy/);
    expect(err).toMatch(/best so far config \d/);
    expect(err).toMatch(/fold 2\/2: selected config \d of 2/);
    expect(r.protocol).toMatch(/first 2 of 18 configurations \(reduced grid\)/);
    expect(r.protocol).toMatch(/pinned by flags: epochs 2, hidden 8, batch size 64, patience 1/);
    expect(r.grid).toEqual({ size: 18, evaluated: 2, retrains: 2 });
    expect(r.selection).toHaveLength(2);
    for (const f of r.selection) {
      expect(f.tests).toHaveLength(2);
      expect(f.test).toBeCloseTo((f.tests[0] + f.tests[1]) / 2, 12);
      expect(f.config.lr).toBe(1e-6);
      expect([0, 1]).toContain(f.configIndex);
    }
    expect(r.test.values).toEqual(r.selection.map((f: { test: number }) => f.test));
  });

  it("reports the hyper-parameters it used: the selected configuration, and the keys that vary by fold", async () => {
    // fold 1 selects lr 0.1, fold 2 lr 0.3
    const runs: RunSpec[] = [0, 1].map((fold) => ({
      label: `fold ${fold + 1}/2`,
      seed: fold,
      task: (_m, hp) => probeTask((split) => (split === "val" ? (fold === 0 ? 1 - hp.lr : hp.lr) : 0.5)),
    }));
    const res = await runProbe(runs, {
      grid: [[{ batchSize: 16, stopOn: "loss" }], [{ lr: 0.1 }, { lr: 0.3 }]],
      base: { ...BASE_HYPER, epochs: 2, patience: 0 },
      overrides: { hidden: 7 },
      retrains: 1,
    });
    expect(res.folds.map((f) => f.config.lr)).toEqual([0.1, 0.3]);
    expect(res.hyper).toMatchObject({ lr: 0.1, batchSize: 16, stopOn: "loss", hidden: 7, epochs: 2 });
    expect(res.varies).toEqual(["lr"]);
  });

  it("GraphSAGE under --protocol errica is Errica et al.'s classifier; the JSON's hyper is what the folds used", async () => {
    const sage = getModel("sage");
    const info = { kind: "graph-classification", numFeatures: 7, numClasses: 2 } as never;
    const first = expandGrid(ERRICA_SAGE_GRID)[0]!;
    expect(first).toMatchObject({ lr: 1e-4, hidden: 32, layers: 3, aggr: "sum", stopOn: "metric", concatLayers: true });
    const hp = (o: Partial<Hyper>) => ({ ...resolveHyper(sage, "graph-classification", "mutag", {}), ...o });
    expect(sage.build(info, hp(first))).toBeInstanceOf(SAGEGraphClassifier);
    expect(sage.build(info, hp({}))).not.toBeInstanceOf(SAGEGraphClassifier);
    const argv = ["train", "-d", "mutag", "-m", "sage", "--protocol", "errica", "--folds", "2", "--epochs", "1"];
    const pins = ["--hidden", "8", "--max-configs", "1", "--retrains", "1", "--json", "--quiet"];
    const { r } = await cliJson([...argv, ...pins]);
    // the first grid point with the flags, not the default protocol's values (lr 0.01, hidden 64, dropout 0.5)
    expect(r.hyper).toMatchObject({
      lr: 1e-4,
      hidden: 8,
      layers: 3,
      aggr: "sum",
      batchSize: 32,
      dropout: 0,
      epochs: 1,
      patience: 500,
      stopOn: "metric",
      concatLayers: true,
    });
    expect(r.hyperVaries).toBeUndefined();
    // 7 MUTAG features, hidden 8, 3 layers, 2 classes: Errica et al.'s parameter count
    expect(r.params).toBe(7 * 8 + 8 + 2 * (8 * 8 + 8) + 24 * 8 + 8 + 8 * 2 + 2);
  });

  it("GraphSAGE's grid through the CLI: the aggregation axis reaches the model (sum, max)", async () => {
    const argv = ["train", "-d", "mutag", "-m", "sage", "--protocol", "errica", "--folds", "2", "--epochs", "1"];
    const pins = ["--lr", "0.01", "--hidden", "8", "--layers", "2", "--max-configs", "3", "--retrains", "1", "--json"];
    const { r, err } = await cliJson([...argv, ...pins]);
    expect(err).toMatch(/config 1 of 3 \[aggr=sum stopOn=metric\]/);
    expect(err).toMatch(/config 3 of 3 \[aggr=max stopOn=metric\]/);
    expect(r.grid).toEqual({ size: 6, evaluated: 3, retrains: 1 });
    expect(r.selection.map((f: { tests: number[] }) => f.tests.length)).toEqual([1, 1]);
  });

  it("--aggr pins GraphSAGE's aggregation axis", async () => {
    const argv = ["train", "-d", "mutag", "-m", "sage", "--protocol", "errica", "--folds", "2", "--epochs", "1"];
    const pins = ["--lr", "0.01", "--hidden", "8", "--layers", "2", "--aggr", "mean", "--retrains", "1", "--json"];
    const { r } = await cliJson([...argv, ...pins]);
    expect(r.protocol).toMatch(/pinned by flags: .*aggr mean/);
    expect(r.grid).toEqual({ size: 2, evaluated: 2, retrains: 1 });
  });

  it("usage errors", async () => {
    const run = async (...argv: string[]) => {
      const io = captureIO();
      const code = await main(["train", ...argv], io);
      return { code, err: io.stderr.join("\n") };
    };
    const cases: [string[], RegExp][] = [
      [["-d", "mutag", "-m", "gin", "--protocol", "nested"], /'--protocol' expected one of default, errica/],
      [["-d", "mutag", "-m", "gin", "--max-configs", "2"], /'--max-configs' applies to --protocol errica/],
      [["-d", "mutag", "-m", "gcn", "--protocol", "errica"], /no Errica et al. grid .*models with one: sage, gin/],
      [["-d", "cora", "-m", "gcn", "--protocol", "errica"], /applies to graph-classification datasets/],
      [["-d", "mutag", "-m", "gin", "--protocol", "errica", "--seeds", "2"], /'--seeds' does not combine/],
      [["-d", "mutag", "-m", "gin", "--protocol", "errica", "--val-fraction", "0"], /needs a validation part/],
      [["-d", "mutag", "-m", "gin", "--node-attr", "--no-node-attr"], /exclude each other/],
      [["-d", "mutag", "-m", "gin", "--input-mlp", "--no-input-mlp"], /exclude each other/],
      [["-d", "mutag", "-m", "gin", "--aggr", "median"], /'--aggr' expected one of sum, mean, max, got 'median'/],
      [["-d", "mutag", "-m", "gin", "--aggr", "max"], /model 'gin': option '--aggr' expected sum or mean/],
      [["-d", "cora", "-m", "gcn", "--node-attr"], /'--node-attr' is not available for dataset 'cora'/],
      [["-d", "mutag", "-m", "gin", "--protocol", "errica", "--max-configs", "0"], /--max-configs/],
    ];
    for (const [argv, re] of cases) {
      const { code, err } = await run(...argv);
      expect(code, argv.join(" ")).toBe(2);
      expect(err, argv.join(" ")).toMatch(re);
    }
  });
});
