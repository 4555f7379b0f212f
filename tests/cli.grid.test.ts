import { describe, expect, it } from "vitest";
import type { CliIO } from "../src/cli/command.js";
import { main } from "../src/cli/main.js";
import { getModel } from "../src/cli/registry.js";
import { parseTrainArgs, resolveHyper } from "../src/cli/train_args.js";
import type { Module } from "../src/nn/module.js";

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

const count = (m: Module) => m.parameters().reduce((s, p) => s + p.size, 0);
const info = { kind: "image-classification", numFeatures: 1, numClasses: 10 };

describe("erlangen train: rotated-MNIST grid models", () => {
  it("the compared models have about the same parameter count with the CLI defaults", () => {
    const params: Record<string, number> = {};
    for (const name of ["cnn", "p4cnn", "p4mcnn", "e2cnn"]) {
      const spec = getModel(name);
      const hp = resolveHyper(spec, "image-classification", "rotated-mnist", {});
      params[name] = count(spec.build(info, hp));
    }
    console.log(`parameters: ${JSON.stringify(params)}`);
    expect(params).toEqual({ cnn: 23782, p4cnn: 24680, p4mcnn: 26799, e2cnn: 24094 });
    for (const name of ["cnn", "p4mcnn", "e2cnn"])
      expect(Math.abs(params[name]! / params.p4cnn! - 1)).toBeLessThan(0.1);
  });

  it("--kernel-size sets the e2cnn's hidden kernels (7 fields of 5×5: about the p4cnn's parameters) and must be odd", () => {
    const args = parseTrainArgs(["-d", "rotated-mnist", "-m", "e2cnn", "--kernel-size", "5", "--hidden", "7"]);
    expect(args.overrides).toMatchObject({ kernelSize: 5, hidden: 7 });
    const spec = getModel("e2cnn");
    const m = spec.build(info, resolveHyper(spec, "image-classification", "rotated-mnist", args.overrides));
    expect(count(m)).toBe(25182);
    expect((m as unknown as { convs: { kernelSize: number }[] }).convs[0]!.kernelSize).toBe(5);
    expect(() => parseTrainArgs(["-d", "rotated-mnist", "-m", "e2cnn", "--kernel-size", "4"])).toThrow(
      /option '--kernel-size' expected an odd integer in \[3, 63\], got '4'/,
    );
  });

  it("defaults: Adam lr 1e-3 halved every 3 epochs, 8 epochs, batch 64, dropout 0.3", () => {
    for (const name of ["cnn", "p4cnn", "p4mcnn", "c8cnn", "e2cnn"]) {
      const hp = resolveHyper(getModel(name), "image-classification", "rotated-mnist", {});
      expect({
        epochs: hp.epochs,
        lr: hp.lr,
        lrStep: hp.lrStep,
        lrGamma: hp.lrGamma,
        batchSize: hp.batchSize,
        dropout: hp.dropout,
        weightDecay: hp.weightDecay,
      }).toEqual({
        epochs: 8,
        lr: 1e-3,
        lrStep: 3,
        lrGamma: 0.5,
        batchSize: 64,
        dropout: 0.3,
        weightDecay: 0,
      });
    }
  });

  it("a tiny run prints the JSON summary with the parameter count", async () => {
    const prev = [process.env.ERLANGEN_TRAIN_LIMIT, process.env.ERLANGEN_TEST_LIMIT];
    process.env.ERLANGEN_TRAIN_LIMIT = "64";
    process.env.ERLANGEN_TEST_LIMIT = "32";
    try {
      const io = captureIO();
      const code = await main(
        ["train", "-d", "rotated-mnist", "-m", "p4cnn", "--epochs", "1", "--hidden", "2", "--json", "--quiet"],
        io,
      );
      expect(code, io.stderr.join("\n")).toBe(0);
      const r = JSON.parse(io.stdout.at(-1)!);
      expect(r.model).toBe("p4cnn");
      expect(r.hyper.lrStep).toBe(3);
      expect(r.params).toBeGreaterThan(0);
      expect(r.test.mean).toBeGreaterThanOrEqual(0);
      expect(r.test.mean).toBeLessThanOrEqual(1);
    } finally {
      if (prev[0] === undefined) delete process.env.ERLANGEN_TRAIN_LIMIT;
      else process.env.ERLANGEN_TRAIN_LIMIT = prev[0];
      if (prev[1] === undefined) delete process.env.ERLANGEN_TEST_LIMIT;
      else process.env.ERLANGEN_TEST_LIMIT = prev[1];
    }
  });
});
