import { describe, expect, it } from "vitest";
import type { CliIO } from "../src/cli/command.js";
import { main } from "../src/cli/main.js";
import { getModel } from "../src/cli/registry.js";
import { loadSphericalMnistSplits } from "../src/cli/spheres.js";
import { parseTrainArgs, resolveHyper } from "../src/cli/train_args.js";
import { SphericalMNIST } from "../src/data/datasets/spherical_mnist.js";
import { driscollHealyGrid, ImageDataset, isht, o3, rotateCoefficients, sht, shtPlan, Tensor } from "../src/index.js";
import type { Module } from "../src/nn/module.js";
import { loadMNIST } from "../src/node/images.js";

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

describe("spherical MNIST data", () => {
  it("projects a digit onto the southern cap and rotating the sphere moves it", () => {
    // one bright pixel at the image centre lands at the south pole (−y), the bottom rows of the grid
    const img = new Float32Array(28 * 28);
    img[14 * 28 + 14] = 1;
    img[13 * 28 + 13] = 1;
    const base = new ImageDataset(new Tensor(img, [1, 1, 28, 28]), new Tensor(new Int32Array([3]), [1], "int32"));
    const nr = new SphericalMNIST(base, { bandwidth: 8 });
    expect(nr.images.shape).toEqual([1, 1, 16, 16]);
    expect(nr.rotations).toBeNull();
    const x = nr.images.data;
    let best = 0;
    for (let p = 1; p < 256; p++) if (x[p]! > x[best]!) best = p;
    expect(Math.floor(best / 16)).toBe(15);
    expect(Math.min(...x)).toBe(0);
    expect(Math.max(...x)).toBe(1);
    // the rotated digit is the unrotated signal composed with its rotation Q: bright where Q p ≈ −y
    const r = new SphericalMNIST(base, { bandwidth: 8, rotate: true, seed: 5 });
    const Q = r.rotations!.subarray(0, 9);
    const xyz = driscollHealyGrid(8).xyz;
    let bestR = 0;
    for (let p = 1; p < 256; p++) if (r.images.data[p]! > r.images.data[bestR]!) bestR = p;
    const qy = Q[3]! * xyz[3 * bestR]! + Q[4]! * xyz[3 * bestR + 1]! + Q[5]! * xyz[3 * bestR + 2]!;
    expect(qy).toBeLessThan(-0.9);
    expect(() => new SphericalMNIST(base, { bandwidth: 1 })).toThrow(/SphericalMNIST: argument 'bandwidth'/);
  });

  it("the anti-aliased projection is band-limited, so a rotated digit is the unrotated one rotated", () => {
    // four real digits, projected directly (s2cnn) and anti-aliased (finer grid, degrees l < b kept)
    const base = loadMNIST("test").subset([0, 1, 2, 3]);
    const b = 12;
    const grid = driscollHealyGrid(b);
    const plan = shtPlan(grid, 8);
    const errs = [1, 2].map((antialias) => {
      const nr = new SphericalMNIST(base, { bandwidth: b, antialias });
      const r = new SphericalMNIST(base, { bandwidth: b, antialias, rotate: true, seed: 3 });
      let worst = 0;
      for (let i = 0; i < 4; i++) {
        const Q = r.rotations!.subarray(9 * i, 9 * i + 9);
        // r's digit i is nr's composed with Q: rotating nr's by Qᵀ through the harmonic domain gives it
        const Qt = Float64Array.from([Q[0]!, Q[3]!, Q[6]!, Q[1]!, Q[4]!, Q[7]!, Q[2]!, Q[5]!, Q[8]!]);
        const a = sht(nr.images.narrow(0, i, 1).cast("float64"), plan);
        const want = rotateCoefficients(a, Qt).data;
        const got = sht(r.images.narrow(0, i, 1).cast("float64"), plan).data;
        let num = 0;
        let den = 0;
        for (let k = 0; k < got.length; k++) {
          num += (got[k]! - want[k]!) ** 2;
          den += want[k]! ** 2;
        }
        worst = Math.max(worst, Math.sqrt(num / den));
      }
      return worst;
    });
    expect(errs[1]!).toBeLessThan(errs[0]! / 3);
    expect(errs[1]!).toBeLessThan(0.02);
    // the anti-aliased signal is band-limited: its SHT round trip on the grid is exact
    const aa = new SphericalMNIST(base, { bandwidth: b, antialias: 2 }).images.narrow(0, 0, 1).cast("float64");
    const full = shtPlan(grid, b);
    const back = isht(sht(aa, full), full).data;
    for (let p = 0; p < back.length; p += 17) expect(back[p]!).toBeCloseTo(aa.data[p]!, 5);
    expect(() => new SphericalMNIST(base, { antialias: 0 })).toThrow(/SphericalMNIST: argument 'antialias'/);
  });

  it("the settings share digits and order; R rotations are seeded", () => {
    const a = loadSphericalMnistSplits({ setting: "NR/R", trainLimit: 20, testLimit: 20 });
    const b = loadSphericalMnistSplits({ setting: "NR/NR", trainLimit: 20, testLimit: 20 });
    const c = loadSphericalMnistSplits({ setting: "NR/R", trainLimit: 20, testLimit: 20 });
    expect(Array.from(a.test.labels.data)).toEqual(Array.from(b.test.labels.data));
    expect(a.train).toBe(b.train);
    expect(a.test).toBe(c.test);
    expect(a.test.rotations).not.toBeNull();
    expect(b.test.rotations).toBeNull();
    // each rotation is a proper rotation
    const R = a.test.rotations!.subarray(0, 9);
    expect(o3.matrixToAngles(R).every(Number.isFinite)).toBe(true);
  });
});

describe("erlangen train: spherical MNIST", () => {
  it("the spherical models' defaults and sizes", () => {
    const info = { kind: "image-classification", numFeatures: 1, numClasses: 10, inputShape: [1, 60, 60] };
    const params: Record<string, number> = {};
    for (const name of ["s2cnn", "zonal", "planar-cnn"]) {
      const spec = getModel(name);
      const hp = resolveHyper(spec, "image-classification", "spherical-mnist", {});
      expect(hp.batchSize).toBe(32);
      params[name] = count(spec.build(info, hp));
    }
    expect(params).toEqual({ s2cnn: 21394, zonal: 6186, "planar-cnn": 68106 });
    expect(parseTrainArgs(["-d", "spherical-mnist", "-m", "s2cnn", "--setting", "R/R"]).setting).toBe("R/R");
  });

  it("a tiny NR/R run prints the JSON summary with its setting; bad settings are usage errors", async () => {
    const io = captureIO();
    const code = await main(
      [
        "train",
        "-d",
        "spherical-mnist",
        "-m",
        "zonal",
        "--hidden",
        "2",
        "--epochs",
        "1",
        "--train-limit",
        "48",
        "--test-limit",
        "16",
        "--json",
        "--quiet",
      ],
      io,
    );
    expect(code, io.stderr.join("\n")).toBe(0);
    const r = JSON.parse(io.stdout.at(-1)!);
    expect(r).toMatchObject({
      dataset: "spherical-mnist",
      model: "zonal",
      setting: "NR/R",
      limits: { train: 48, test: 16 },
    });
    expect(r.test.mean).toBeGreaterThanOrEqual(0);
    // the same model on both test rotations; the setting's own one is the main metric
    expect(r.extra.accuracyR.mean).toBe(r.test.mean);
    expect(r.extra.accuracyNR.mean).toBeGreaterThanOrEqual(0);
    expect(r.extra.accuracyNR.mean).toBeLessThanOrEqual(1);
    const bad = captureIO();
    expect(await main(["train", "-d", "spherical-mnist", "-m", "s2cnn", "--setting", "R/NR"], bad)).toBe(2);
    expect(bad.stderr.join("\n")).toMatch(/option '--setting' expected one of NR\/R, NR\/NR, R\/R/);
    const other = captureIO();
    expect(await main(["train", "-d", "karate", "-m", "gcn", "--setting", "NR/R"], other)).toBe(2);
    expect(other.stderr.join("\n")).toMatch(/option '--setting' is not available for dataset 'karate'/);
  });

  it("erlangen check --json lists the spherical models under SO(3)", async () => {
    const io = captureIO();
    const code = await main(["check", "--model", "zonal,planar-cnn", "--json", "--samples", "2"], io);
    expect(code, io.stderr.join("\n")).toBe(0);
    const rows = JSON.parse(io.stdout.at(-1)!) as {
      model: string;
      group: string;
      maxRelError: number;
      pass: boolean;
      expected: boolean;
    }[];
    expect(rows.map((r) => [r.model, r.group])).toEqual([
      ["zonal", "SO(3)"],
      ["zonal", "SO(3)"],
      ["planar-cnn", "SO(3)"],
      ["planar-cnn", "SO(3)"],
    ]);
    expect(rows[0]!.maxRelError).toBeLessThan(1e-5);
    expect(rows[1]!.maxRelError).toBeLessThan(0.02);
    expect(rows.slice(0, 2).every((r) => r.pass && r.expected)).toBe(true);
    expect(rows[3]!.expected).toBe(false);
    expect(rows[3]!.maxRelError).toBeGreaterThan(0.01);
  });
});
