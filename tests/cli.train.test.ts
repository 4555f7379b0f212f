import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliIO, main } from "../src/cli/main.js";
import { type DataInfo, type Hyper, registerDataset, registerModel } from "../src/cli/registry.js";
import { Module, Parameter } from "../src/nn/module.js";
import { randn, record, Tensor, zeros } from "../src/tensor/index.js";
import type { Task } from "../src/train/trainer.js";

/** Captures stdout/stderr lines. */
function captureIO(): CliIO & { stdout: string[]; stderr: string[]; progressText: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const progressText: string[] = [];
  return {
    stdout,
    stderr,
    progressText,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    progress: { write: (s: string) => void progressText.push(s), isTTY: false },
  };
}

/** A toy linear regression model (no op files needed: a hand-written recorded MSE). */
class ToyLinear extends Module<[Tensor, Tensor], Tensor> {
  w: Parameter;
  constructor(d: number) {
    super();
    this.w = new Parameter(zeros([d], { dtype: "float64" }));
  }
  forward(X: Tensor, y: Tensor): Tensor {
    const [n, d] = X.shape as [number, number];
    const r = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) r[i]! += X.data[i * d + j]! * this.w.data[j]!;
      r[i]! -= y.data[i]!;
      s += r[i]! * r[i]!;
    }
    const out = new Tensor(Float64Array.of(s / n), [], "float64");
    return record("toyMse", [this.w], out, (g) => {
      const gw = new Float64Array(d);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < d; j++) gw[j]! += ((2 * r[i]!) / n) * X.data[i * d + j]! * g.data[0]!;
      return [new Tensor(gw, [d], "float64")];
    });
  }
}

function toyData(n: number, seed: number) {
  const X = randn([n, 3], { dtype: "float64", generator: undefined });
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = X.data[i * 3]! - 2 * X.data[i * 3 + 1]! + 0.1 * seed;
  return { X, y: new Tensor(y, [n], "float64") };
}

registerDataset({
  name: "toy",
  description: "toy linear regression (tests only)",
  kind: "toy-regression",
  metric: "mse",
  mode: "min",
  defaultSeeds: 2,
  async load() {
    return {
      info: { kind: "toy-regression", numFeatures: 3, numClasses: 0 },
      summary: "24 samples, 3 features",
      protocol: (req) => (req.folds > 0 ? `${req.folds}-fold` : "fixed split"),
      runs: (req) =>
        Array.from({ length: req.folds > 0 ? req.folds : req.seeds }, (_, i) => ({
          label: `${req.folds > 0 ? "fold" : "seed"} ${i + 1}`,
          seed: req.seed + i,
          task: (model: Module): Task<Module> => {
            const tr = toyData(24, 0);
            const va = toyData(8, 0);
            const te = toyData(8, 0);
            const sets = { train: tr, val: va, test: te };
            return {
              metric: "mse",
              mode: "min",
              trainStep: (ctx) => ({ loss: ctx.backwardStep(model.call(tr.X, tr.y)) }),
              evaluate: (split) => ({ mse: model.call(sets[split].X, sets[split].y).item() }),
            };
          },
        })),
    };
  },
});

registerModel({
  name: "toylin",
  description: "toy linear model (tests only)",
  kinds: ["toy-regression"],
  defaults: () => ({ epochs: 7, lr: 0.1, weightDecay: 0 }),
  build: (info: DataInfo, _hp: Hyper) => new ToyLinear(info.numFeatures),
});

describe("erlangen CLI", () => {
  it("--help lists commands; train --help lists options, datasets and models", async () => {
    const io = captureIO();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.stdout.join("\n")).toMatch(/usage: erlangen <command>/);
    expect(io.stdout.join("\n")).toMatch(/\btrain\b/);
    const io2 = captureIO();
    expect(await main(["train", "--help"], io2)).toBe(0);
    const help = io2.stdout.join("\n");
    for (const flag of [
      "--dataset",
      "--model",
      "--epochs",
      "--lr",
      "--weight-decay",
      "--hidden",
      "--layers",
      "--dropout",
      "--heads",
      "--seeds",
      "--folds",
      "--json",
      "--plot",
      "--quiet",
      "--data-root",
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toMatch(/\btoy\b/);
    expect(help).toMatch(/\btoylin\b/);
  });

  it("a diverging learning rate ends with the epoch, the step and a hint", async () => {
    const io = captureIO();
    const code = await main(["train", "--dataset", "toy", "--model", "toylin", "--lr", "1e300", "--epochs", "20"], io);
    expect(code).toBe(1);
    expect(io.stderr.join("\n")).toMatch(
      /Trainer: training diverged at epoch \d+, step \d+: .*(NaN|Inf).*Try a lower learning rate than 1e\+300 \(e\.g\. 1e\+299\)/,
    );
  });

  it("ERLANGEN_DEBUG adds the stack trace to a failed command's message (as the README says)", async () => {
    const argv = ["train", "--dataset", "toy", "--model", "toylin", "--lr", "1e300", "--epochs", "20"];
    const prev = process.env.ERLANGEN_DEBUG;
    try {
      delete process.env.ERLANGEN_DEBUG;
      const quiet = captureIO();
      expect(await main(argv, quiet)).toBe(1);
      expect(quiet.stderr.join("\n")).not.toMatch(/\n\s+at /);
      process.env.ERLANGEN_DEBUG = "1";
      const loud = captureIO();
      expect(await main(argv, loud)).toBe(1);
      expect(loud.stderr.join("\n")).toMatch(/TrainingDivergedError: Trainer: training diverged[\s\S]*\n\s+at /);
      const usage = captureIO();
      expect(await main(["train", "--epochs", "0x10"], usage)).toBe(2);
      expect(usage.stderr.join("\n")).not.toMatch(/\n\s+at /);
    } finally {
      if (prev === undefined) delete process.env.ERLANGEN_DEBUG;
      else process.env.ERLANGEN_DEBUG = prev;
    }
    expect(readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8")).toMatch(/`ERLANGEN_DEBUG` \| When set/);
  });

  it("usage errors exit with code 2 and name the problem", async () => {
    const cases: [string[], RegExp][] = [
      [["nope"], /unknown command 'nope'.*train/],
      [["train", "--model", "toylin"], /missing --dataset \(valid: .*toy/],
      [["train", "--dataset", "toy"], /missing --model \(valid: .*toylin/],
      [["train", "--dataset", "nosuch", "--model", "toylin"], /unknown dataset 'nosuch' \(valid: .*toy/],
      [["train", "--dataset", "toy", "--model", "nosuch"], /unknown model 'nosuch' \(valid: .*toylin/],
      [
        ["train", "--dataset", "toy", "--model", "toylin", "--epochs", "abc"],
        /option '--epochs' expected an integer in \[0, 1000000\] \(decimal digits\), got 'abc'/,
      ],
      ...["0x10", "1e1", "1.0", "+5", " 7", ""].map((v): [string[], RegExp] => [
        ["train", "--dataset", "toy", "--model", "toylin", "--epochs", v],
        new RegExp(
          `option '--epochs' expected an integer in \\[0, 1000000\\] \\(decimal digits\\), got '${v.replace("+", "\\+")}'`,
        ),
      ]),
      [
        ["train", "--dataset", "toy", "--model", "toylin", "--hidden", "100000000"],
        /option '--hidden' expected an integer in \[1, 65536\] \(decimal digits\), got '100000000'/,
      ],
      [
        ["train", "--dataset", "toy", "--model", "toylin", "--hidden", "4096", "--heads", "64"],
        /options '--hidden' × '--heads' \(4096 × 64\) expected at most 65536 channels per layer/,
      ],
      [
        ["train", "--dataset", "toy", "--model", "toylin", "--seed", "9007199254740993"],
        /option '--seed' expected an integer in \[0, 4294967295\] \(decimal digits\), got '9007199254740993'/,
      ],
      [
        ["train", "--dataset", "toy", "--model", "toylin", "--seed", "4294967295", "--seeds", "2"],
        /options '--seed' \+ '--seeds' expected seeds up to 4294967295 \(2\^32 − 1\), got 4294967295\.\.4294967296/,
      ],
      [
        ["train", "--dataset", "toy", "--model", "toylin", "--lr", "0x10"],
        /option '--lr' expected a positive number, got '0x10'/,
      ],
      [
        ["train", "--dataset", "toy", "--model", "toylin", "--lr", "Infinity"],
        /option '--lr' expected a positive number/,
      ],
      [["train", "--dataset", "toy", "--model", "toylin", "--lr=-1"], /option '--lr' expected a positive number/],
      [["train", "--dataset", "toy", "--model", "toylin", "--dropout", "1.5"], /'--dropout' expected a probability/],
      [["train", "--dataset", "toy", "--model", "toylin", "--bogus"], /Unknown option '--bogus'/],
      [["train", "--dataset", "toy", "--model", "toylin", "--plot", "out.png"], /\.svg.*PNG/],
      [["train", "--dataset", "toy", "--model", "toylin", "extra"], /unexpected argument 'extra'/],
    ];
    for (const [argv, re] of cases) {
      const io = captureIO();
      const code = await main(argv, io);
      expect(code, argv.join(" ")).toBe(2);
      expect(io.stderr.join("\n"), argv.join(" ")).toMatch(re);
    }
  });

  it("train --json prints one JSON object on the last stdout line", async () => {
    const io = captureIO();
    const code = await main(["train", "--dataset", "toy", "--model", "toylin", "--json", "--seeds", "3"], io);
    expect(code, io.stderr.join("\n")).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const r = JSON.parse(io.stdout.at(-1)!);
    expect(r).toMatchObject({ dataset: "toy", model: "toylin", metric: "mse", runs: 3 });
    expect(r.test.values).toHaveLength(3);
    expect(typeof r.test.mean).toBe("number");
    expect(typeof r.test.std).toBe("number");
    expect(r.epochMs.median).toBeGreaterThanOrEqual(0);
    expect(r.inferMs).toBeGreaterThanOrEqual(0);
    expect(r.params).toBe(3);
    expect(r.hyper.epochs).toBe(7);
    expect(io.stderr.join("\n")).toMatch(/test mse/);
  });

  it("flags override model defaults; --quiet silences progress; --plot writes an SVG", async () => {
    const dir = mkdtempSync(join(tmpdir(), "erlangen-cli-"));
    const io = { ...captureIO(), cwd: dir };
    const code = await main(
      [
        "train",
        "-d",
        "toy",
        "-m",
        "toylin",
        "--epochs",
        "3",
        "--folds",
        "2",
        "--quiet",
        "--json",
        "--plot",
        "curves.svg",
      ],
      io,
    );
    expect(code, io.stderr.join("\n")).toBe(0);
    expect(io.progressText).toEqual([]);
    expect(io.stderr).toEqual([]);
    const r = JSON.parse(io.stdout.at(-1)!);
    expect(r.hyper.epochs).toBe(3);
    expect(r.runs).toBe(2);
    expect(r.protocol).toBe("2-fold");
    const svgPath = join(dir, "curves.svg");
    expect(existsSync(svgPath)).toBe(true);
    expect(readFileSync(svgPath, "utf8")).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
  });

  it("prints a human summary without --json", async () => {
    const io = captureIO();
    expect(await main(["train", "--dataset", "toy", "--model", "toylin"], io)).toBe(0);
    const text = io.stdout.join("\n");
    expect(text).toMatch(/test mse: [\d.e-]+ ± [\d.e-]+ over 2 seeds/);
    expect(text).toMatch(/median epoch .* ms, inference .* ms, 3 parameters/);
    expect(io.progressText.join("")).toMatch(/seed 1 {2}epoch 7\/7/);
  });
});

describe("erlangen train on the shipped graph datasets", () => {
  it("train --dataset karate --model gcn --epochs 5 --json", async () => {
    const io = captureIO();
    const code = await main(["train", "--dataset", "karate", "--model", "gcn", "--epochs", "5", "--json"], io);
    expect(code, io.stderr.join("\n")).toBe(0);
    const r = JSON.parse(io.stdout.at(-1)!);
    expect(r).toMatchObject({ dataset: "karate", model: "gcn", metric: "accuracy", runs: 1 });
    expect(r.test.values).toHaveLength(1);
    expect(r.test.mean).toBeGreaterThanOrEqual(0);
    expect(r.test.mean).toBeLessThanOrEqual(1);
    expect(r.params).toBe(34 * 16 + 16 + 16 * 4 + 4);
    expect(r.epochMs.median).toBeGreaterThan(0);
    expect(r.hyper).toMatchObject({ epochs: 5, hidden: 16, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4 });
  });
  it("every registered graph model trains a few epochs on karate", async () => {
    for (const model of ["gat", "sage", "gin", "sgc", "appnp", "mlp"]) {
      const io = captureIO();
      const code = await main(["train", "-d", "karate", "-m", model, "--epochs", "2", "--json", "--quiet"], io);
      expect(code, `${model}: ${io.stderr.join("\n")}`).toBe(0);
      expect(JSON.parse(io.stdout.at(-1)!).model).toBe(model);
    }
  });
  it("graph classification on MUTAG with seeded stratified folds", async () => {
    const io = captureIO();
    const code = await main(
      ["train", "-d", "mutag", "-m", "gin", "--epochs", "1", "--folds", "2", "--hidden", "8", "--json", "--quiet"],
      io,
    );
    expect(code, io.stderr.join("\n")).toBe(0);
    const r = JSON.parse(io.stdout.at(-1)!);
    expect(r.runs).toBe(2);
    expect(r.protocol).toMatch(/stratified 2-fold/);
    expect(r.hyper).toMatchObject({ layers: 5, batchSize: 32, lrStep: 50, lrGamma: 0.5, valFraction: 0, patience: 0 });
  });
  it("GIN on a TU set with Errica et al.'s shipped splits keeps their validation part (best-validation epoch, patience 50)", async () => {
    const io = captureIO();
    const code = await main(
      ["train", "-d", "enzymes", "-m", "gin", "--epochs", "1", "--folds", "2", "--hidden", "8", "--json", "--quiet"],
      io,
    );
    expect(code, io.stderr.join("\n")).toBe(0);
    const r = JSON.parse(io.stdout.at(-1)!);
    expect(r.hyper).toMatchObject({ valFraction: 0.1, patience: 50, epochs: 1 });
    expect(r.val.values.length).toBe(2);
  });
  it("--train-limit / --test-limit: first N examples (rotated MNIST), echoed in the summary and the JSON; env variables still work", async () => {
    const prev = [process.env.ERLANGEN_TRAIN_LIMIT, process.env.ERLANGEN_TEST_LIMIT];
    try {
      delete process.env.ERLANGEN_TRAIN_LIMIT;
      delete process.env.ERLANGEN_TEST_LIMIT;
      const io = captureIO();
      const code = await main(
        [
          "train",
          "-d",
          "rotated-mnist",
          "-m",
          "cnn",
          "--epochs",
          "1",
          "--hidden",
          "2",
          "--train-limit",
          "40",
          "--test-limit",
          "24",
          "--json",
        ],
        io,
      );
      expect(code, io.stderr.join("\n")).toBe(0);
      expect(io.stderr.join("\n")).toMatch(
        /rotated-mnist: 40 training and 24 test digits.*\(train limit 40, test limit 24\)/,
      );
      const r = JSON.parse(io.stdout.at(-1)!);
      expect(r.limits).toEqual({ train: 40, test: 24 });
      // the flags do not leak into the environment
      expect(process.env.ERLANGEN_TRAIN_LIMIT).toBeUndefined();
      expect(process.env.ERLANGEN_TEST_LIMIT).toBeUndefined();
      // the environment variables keep working; a flag overrides its variable
      process.env.ERLANGEN_TRAIN_LIMIT = "32";
      process.env.ERLANGEN_TEST_LIMIT = "16";
      const io2 = captureIO();
      expect(
        await main(
          [
            "train",
            "-d",
            "rotated-mnist",
            "-m",
            "cnn",
            "--epochs",
            "1",
            "--hidden",
            "2",
            "--test-limit",
            "8",
            "--json",
          ],
          io2,
        ),
      ).toBe(0);
      expect(io2.stderr.join("\n")).toMatch(/32 training and 8 test digits/);
      expect(JSON.parse(io2.stdout.at(-1)!).limits).toEqual({ train: 32, test: 8 });
      expect(process.env.ERLANGEN_TEST_LIMIT).toBe("16");
      // datasets without limits report null
      const io3 = captureIO();
      expect(await main(["train", "-d", "karate", "-m", "gcn", "--epochs", "1", "--json", "--quiet"], io3)).toBe(0);
      expect(JSON.parse(io3.stdout.at(-1)!).limits).toEqual({ train: null, test: null });
    } finally {
      if (prev[0] === undefined) delete process.env.ERLANGEN_TRAIN_LIMIT;
      else process.env.ERLANGEN_TRAIN_LIMIT = prev[0];
      if (prev[1] === undefined) delete process.env.ERLANGEN_TEST_LIMIT;
      else process.env.ERLANGEN_TEST_LIMIT = prev[1];
    }
    const io4 = captureIO();
    expect(await main(["train", "--help"], io4)).toBe(0);
    expect(io4.stdout.join("\n")).toMatch(/--train-limit N .*rotated-mnist/);
    expect(io4.stdout.join("\n")).toMatch(/--test-limit N .*rotated-mnist/);
    const bad: [string[], RegExp][] = [
      [
        ["--train-limit", "0"],
        /option '--train-limit' expected an integer in \[1, 2147483647\] \(decimal digits\), got '0'/,
      ],
      [["--test-limit", "2.5"], /option '--test-limit' expected an integer in \[1, 2147483647\].*got '2\.5'/],
      [["--train-limit", "abc"], /option '--train-limit' expected an integer in \[1, 2147483647\].*got 'abc'/],
    ];
    for (const [flags, re] of bad) {
      const io5 = captureIO();
      expect(await main(["train", "-d", "rotated-mnist", "-m", "cnn", ...flags], io5), flags.join(" ")).toBe(2);
      expect(io5.stderr.join("\n")).toMatch(re);
    }
    const io6 = captureIO();
    expect(await main(["train", "-d", "karate", "-m", "gcn", "--train-limit", "10"], io6)).toBe(2);
    expect(io6.stderr.join("\n")).toMatch(
      /option '--train-limit' is not available for dataset 'karate' \(datasets with limits: rotated-mnist[,)]/,
    );
  });

  it("rejects a model that does not fit the dataset's task, and --folds on node datasets", async () => {
    const io = captureIO();
    expect(await main(["train", "-d", "mutag", "-m", "sgc"], io)).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/model 'sgc' does not support graph-classification.*models for it: .*gin/);
    const io2 = captureIO();
    expect(await main(["train", "-d", "karate", "-m", "gcn", "--folds", "3"], io2)).toBe(2);
    expect(io2.stderr.join("\n")).toMatch(/--folds applies to graph-classification/);
  });
});
