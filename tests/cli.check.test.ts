import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CheckResult, graphModelCases, randomGraphSample, summarizeChecks } from "../src/cli/check.js";
import { parseIntValue } from "../src/cli/command.js";
import { main } from "../src/cli/main.js";
import { datasetsRoot } from "../src/node/datasets.js";
import { checkEquivariance } from "../src/symmetry/checker.js";
import { Tensor } from "../src/tensor/index.js";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (l: string) => out.push(l),
    err: (l: string) => err.push(l),
    progress: { write: () => true, isTTY: false } as never,
  };
  return { out, err, io };
}

describe("erlangen check", () => {
  it("integer options take decimal digits only", async () => {
    for (const v of ["1e1", "0x10", "1.5", "4294967296"]) {
      const c = capture();
      expect(await main(["check", "--model", "cnn", "--seed", v], c.io)).toBe(2);
      expect(c.err.join("\n")).toMatch(
        new RegExp(`option '--seed' expected an integer in \\[0, 4294967295\\] \\(decimal digits\\), got '${v}'`),
      );
    }
    expect(() => parseIntValue("environment variable X", "0x10", "train", 1)).toThrow(
      /^environment variable X expected a positive integer \(decimal digits\), got '0x10'$/,
    );
    expect(parseIntValue("x", "007", "train", 0)).toBe(7);
    expect(parseIntValue("x", undefined, "train", 0)).toBeUndefined();
  });

  it("the closing line counts every row, the controls apart", () => {
    const row = (pass: boolean, expected: boolean, model = "m"): CheckResult => ({
      model,
      group: "G",
      samples: 4,
      maxRelError: 0,
      pass,
      expected,
      name: "c",
      ms: 1,
    });
    const rows = [
      ...Array.from({ length: 27 }, () => row(true, true)),
      row(false, false),
      row(false, false),
      row(false, false),
      row(true, false),
    ];
    expect(summarizeChecks(rows)).toBe(
      "31 rows: all 27 symmetry checks pass; 4 controls (not required: 3 not equivariant, as expected, 1 within tolerance)",
    );
    expect(summarizeChecks([...rows, row(false, true, "bad")])).toBe(
      "32 rows: 1 of 28 symmetry checks FAILED: bad/G; 4 controls (not required: 3 not equivariant, as expected, 1 within tolerance)",
    );
    expect(summarizeChecks([row(true, true)])).toBe("1 row: the 1 symmetry check passes");
  });

  it("e2cnn-k5 (5×5 hidden kernels): exact for 90° rotations, the 45° error measured", async () => {
    const { out, io } = capture();
    expect(await main(["check", "--json", "--model", "e2cnn-k5"], io)).toBe(0);
    const rows = JSON.parse(out[out.length - 1]!) as {
      group: string;
      maxRelError: number;
      pass: boolean;
      expected: boolean;
    }[];
    expect(rows.map((r) => r.group)).toEqual(["C4", "C8"]);
    expect(rows[0]!.pass).toBe(true);
    expect(rows[0]!.maxRelError).toBeLessThan(1e-5);
    // ≈ 0.2 untrained: the outer ring's higher frequencies alias more under 45° rotations of a 5×5 grid
    expect(rows[1]!.expected).toBe(false);
    expect(rows[1]!.maxRelError).toBeLessThan(0.5);
  });

  it("prints a table and, with --json, a JSON array on the last line", async () => {
    const { out, err, io } = capture();
    const code = await main(["check", "--json", "--model", "p4mcnn,e2cnn,cm-mlp"], io);
    expect(code).toBe(0);
    const rows = JSON.parse(out[out.length - 1]!) as {
      model: string;
      group: string;
      samples: number;
      maxRelError: number;
      pass: boolean;
      expected: boolean;
    }[];
    expect(rows.map((r) => `${r.model}/${r.group}`)).toEqual([
      "p4mcnn/p4m",
      "e2cnn/C4",
      "e2cnn/C8",
      "cm-mlp/E(3)",
      "cm-mlp/S9",
    ]);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(["model", "group", "samples", "maxRelError", "pass"]));
      if (r.expected) expect(r.pass).toBe(true);
    }
    // the 45° rotations of the C8 model are approximate: measured, not required (≈ 0.04 untrained with
    // the 7×7 lift; 0.11 with a 5×5 lift)
    expect(rows[2]!.expected).toBe(false);
    expect(rows[2]!.maxRelError).toBeLessThan(0.1);
    expect(rows[0]!.samples).toBe(8);
    expect(rows[0]!.maxRelError).toBeLessThan(1e-4);
    console.log(err.join("\n"));
    expect(err.join("\n")).toMatch(/p4mcnn\s+p4m\s+8\s+\S+\s+PASS/);
  });

  it("shows the baseline CNN as not invariant without failing, and reports usage errors", async () => {
    const a = capture();
    expect(await main(["check", "--model", "cnn"], a.io)).toBe(0);
    expect(a.out.join("\n")).toMatch(/cnn\s+p4\s+4\s+\S+\s+control: not equivariant, as expected\s+/);
    expect(a.out.join("\n")).not.toMatch(/\(no\)/);
    // the closing count covers every row printed, controls apart
    expect(a.out[a.out.length - 1]).toBe(
      "1 row: no required symmetry checks; 1 control (not required: 1 not equivariant, as expected)",
    );
    const b = capture();
    expect(await main(["check", "--model", "nope"], b.io)).toBe(2);
    expect(b.err.join("\n")).toMatch(/unknown model .nope. \(valid: cnn, p4cnn, p4mcnn, c8cnn, e2cnn/);
    const c = capture();
    expect(await main(["check", "--help"], c.io)).toBe(0);
    expect(c.out.join("\n")).toContain("usage: erlangen check");
  });
});

describe("erlangen check: graph models under node permutations", () => {
  it("--json --model gcn: node-level equivariance and graph-level invariance, at float round-off", async () => {
    const { out, io } = capture();
    expect(await main(["check", "--json", "--model", "gcn"], io)).toBe(0);
    const rows = JSON.parse(out[out.length - 1]!) as {
      model: string;
      group: string;
      samples: number;
      maxRelError: number;
      pass: boolean;
      expected: boolean;
      check: string;
    }[];
    expect(rows.map((r) => `${r.model}/${r.group}`)).toEqual(["gcn/S10", "gcn/S10"]);
    expect(rows.map((r) => r.check)).toEqual([
      "node permutation equivariance (node-level model)",
      "node permutation invariance (graph-level model with readout)",
    ]);
    for (const r of rows) {
      expect(r.pass).toBe(true);
      expect(r.expected).toBe(true);
      expect(r.samples).toBe(4);
      expect(r.maxRelError).toBeLessThan(1e-5);
    }
  });

  it("every built-in graph model passes (GIN classifier invariant with its readout); a broken model fails", async () => {
    const { out, err, io } = capture();
    expect(await main(["check", "--json", "--model", "gat,sage,gin,sgc,appnp,mlp", "--samples", "2"], io)).toBe(0);
    const rows = JSON.parse(out[out.length - 1]!) as {
      model: string;
      group: string;
      pass: boolean;
      maxRelError: number;
      check: string;
    }[];
    expect(rows.map((r) => r.model)).toEqual([
      "gat",
      "gat",
      "sage",
      "sage",
      "gin",
      "gin",
      "sgc",
      "appnp",
      "mlp",
      "mlp",
    ]);
    for (const r of rows) expect(r.pass, `${r.model}: ${r.check} ${r.maxRelError}`).toBe(true);
    expect(rows.find((r) => r.model === "gin" && /graph-level/.test(r.check))).toBeDefined();
    expect(err.join("\n")).toMatch(/gin\s+S10\s+2\s+\S+\s+PASS/);
    // the same check catches a model that is not permutation equivariant: position-dependent output
    const cases = graphModelCases("gcn", 0);
    const c = cases[0]!.check;
    const broken = (g: unknown) => {
      const y = c.fn(g) as Tensor;
      const w = new Float32Array(y.size);
      for (let i = 0; i < w.length; i++) w[i] = Math.floor(i / y.shape[1]!);
      return y.add(new Tensor(w, y.shape, "float32"));
    };
    const r = checkEquivariance(broken, {
      group: c.group,
      inputAction: c.inputAction,
      outputAction: c.outputAction,
      inputs: [c.input],
      samples: 3,
    });
    expect(r.pass).toBe(false);
  });

  it("the sample graph is seeded, symmetric and connected", () => {
    const a = randomGraphSample(10, 6, 3);
    const b = randomGraphSample(10, 6, 3);
    expect(Array.from(a.edgeIndex.data)).toEqual(Array.from(b.edgeIndex.data));
    expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data));
    const E = a.edgeIndex.shape[1]!;
    const set = new Set<string>();
    for (let k = 0; k < E; k++) set.add(`${a.edgeIndex.data[k]}-${a.edgeIndex.data[E + k]}`);
    for (let k = 0; k < E; k++) expect(set.has(`${a.edgeIndex.data[E + k]}-${a.edgeIndex.data[k]}`)).toBe(true);
    for (let i = 0; i + 1 < 10; i++) expect(set.has(`${i}-${i + 1}`)).toBe(true);
  });
});

const mnistRoot = [
  process.env.ERLANGEN_DATASETS,
  (() => {
    try {
      return datasetsRoot();
    } catch {
      return undefined;
    }
  })(),
].find((r) => r !== undefined && r !== "" && existsSync(join(r, "mnist", "t10k-images-idx3-ubyte.gz")));

describe.skipIf(mnistRoot === undefined)("erlangen train on rotated-mnist", () => {
  it("trains p4cnn for one epoch on a few digits and prints the JSON report", async () => {
    process.env.ERLANGEN_TRAIN_LIMIT = "48";
    process.env.ERLANGEN_TEST_LIMIT = "32";
    try {
      const { out, err, io } = capture();
      const code = await main(
        [
          "train",
          "--dataset",
          "rotated-mnist",
          "--model",
          "p4cnn",
          "--epochs",
          "1",
          "--hidden",
          "3",
          "--batch-size",
          "16",
          "--json",
          "--quiet",
          "--data-root",
          mnistRoot!,
        ],
        io,
      );
      expect(code, err.join("\n")).toBe(0);
      const rep = JSON.parse(out[out.length - 1]!);
      expect(rep.dataset).toBe("rotated-mnist");
      expect(rep.model).toBe("p4cnn");
      expect(rep.metric).toBe("accuracy");
      expect(rep.test.mean).toBeGreaterThanOrEqual(0);
      expect(rep.test.mean).toBeLessThanOrEqual(1);
      expect(rep.params).toBeGreaterThan(0);
    } finally {
      delete process.env.ERLANGEN_TRAIN_LIMIT;
      delete process.env.ERLANGEN_TEST_LIMIT;
    }
  });
});
