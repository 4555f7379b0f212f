import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { datasetsRoot } from "../src/node/datasets.js";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), progress: { write: () => true, isTTY: false } as never };
  return { out, err, io };
}

describe("erlangen check", () => {
  it("prints a table and, with --json, a JSON array on the last line", async () => {
    const { out, err, io } = capture();
    const code = await main(["check", "--json", "--model", "p4mcnn,e2cnn,cm-mlp"], io);
    expect(code).toBe(0);
    const rows = JSON.parse(out[out.length - 1]!) as { model: string; group: string; samples: number; maxRelError: number; pass: boolean; expected: boolean }[];
    expect(rows.map((r) => `${r.model}/${r.group}`)).toEqual(["p4mcnn/p4m", "e2cnn/C4", "e2cnn/C8", "cm-mlp/E(3)", "cm-mlp/S9"]);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(["model", "group", "samples", "maxRelError", "pass"]));
      if (r.expected) expect(r.pass).toBe(true);
    }
    // the 45° rotations of the C8 model are approximate: measured, not required
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
    expect(a.out.join("\n")).toMatch(/cnn\s+p4\s+4\s+\S+\s+\(no\)/);
    const b = capture();
    expect(await main(["check", "--model", "nope"], b.io)).toBe(2);
    expect(b.err.join("\n")).toMatch(/unknown model .nope. \(valid: cnn, p4cnn, p4mcnn, c8cnn, e2cnn/);
    const c = capture();
    expect(await main(["check", "--help"], c.io)).toBe(0);
    expect(c.out.join("\n")).toContain("usage: erlangen check");
  });
});

const mnistRoot = [process.env.ERLANGEN_DATASETS, (() => {
  try {
    return datasetsRoot();
  } catch {
    return undefined;
  }
})()].find((r) => r !== undefined && r !== "" && existsSync(join(r, "mnist", "t10k-images-idx3-ubyte.gz")));

describe.skipIf(mnistRoot === undefined)("erlangen train on rotated-mnist", () => {
  it("trains p4cnn for one epoch on a few digits and prints the JSON report", async () => {
    process.env.ERLANGEN_TRAIN_LIMIT = "48";
    process.env.ERLANGEN_TEST_LIMIT = "32";
    try {
      const { out, err, io } = capture();
      const code = await main(["train", "--dataset", "rotated-mnist", "--model", "p4cnn", "--epochs", "1", "--hidden", "3", "--batch-size", "16", "--json", "--quiet", "--data-root", mnistRoot!], io);
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
