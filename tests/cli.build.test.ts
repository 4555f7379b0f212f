/** `erlangen build`, `erlangen check --spec` and `erlangen train --blueprint`. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";

function capture(cwd?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (l: string) => out.push(l),
    err: (l: string) => err.push(l),
    progress: { write: () => true, isTTY: false } as never,
    cwd,
  };
  return { out, err, io };
}

const tmp = mkdtempSync(join(tmpdir(), "erlangen-build-"));

describe("erlangen build", () => {
  it("prints the plan, writes the SVG and the spec", async () => {
    const c = capture(tmp);
    const code = await main(
      [
        "build",
        "--domain",
        "grid2d",
        "--group",
        "p4",
        "--task",
        "graph-classification",
        "--params",
        "20000",
        "--svg",
        "plan.svg",
        "--save-spec",
        "spec.json",
      ],
      c.io,
    );
    expect(code).toBe(0);
    const text = c.out.join("\n");
    expect(text).toMatch(/blueprint: grid2d · p4 · graph-classification/);
    expect(text).toMatch(/LiftingConv2d +equivariant linear/);
    expect(text).toMatch(/GroupPool +invariant pooling/);
    expect(text).toMatch(/budget 20,000/);
    expect(readFileSync(join(tmp, "plan.svg"), "utf8")).toMatch(/^<svg/);
    const spec = JSON.parse(readFileSync(join(tmp, "spec.json"), "utf8"));
    expect(spec).toMatchObject({
      domain: "grid2d",
      group: "p4",
      task: "graph-classification",
      size: { params: 20000 },
    });
  });

  it("prints JSON and verifies", async () => {
    const c = capture();
    const code = await main(
      [
        "build",
        "--domain",
        "set",
        "--group",
        "Sn",
        "--task",
        "node-regression",
        "--inputs",
        "3",
        "--width",
        "4",
        "--json",
        "--verify",
      ],
      c.io,
    );
    expect(code).toBe(0);
    const plan = JSON.parse(c.out.join("\n"));
    expect(plan.domain).toBe("set");
    expect(plan.widths).toEqual([4, 4, 4]);
    expect(c.err.join("\n")).toMatch(/PASS +S11 +max rel error .*equivariance to permutations of the elements/);
  });

  it("refuses a group that does not act on the domain with the valid groups (usage error)", async () => {
    const c = capture();
    expect(await main(["build", "--domain", "graph", "--group", "p4", "--task", "graph-classification"], c.io)).toBe(2);
    expect(c.err.join("\n")).toMatch(/the group p4 does not act on the domain graph; groups acting on graph: Sn/);
    const d = capture();
    expect(await main(["build", "--group", "p4", "--task", "graph-classification"], d.io)).toBe(2);
    expect(d.err.join("\n")).toMatch(/missing --domain \(valid: grid1d, grid2d/);
    const e = capture();
    expect(
      await main(["build", "--domain", "graph", "--group", "Sn", "--task", "node-regression", "--params", "1e3"], e.io),
    ).toBe(2);
    expect(e.err.join("\n")).toMatch(/option '--params' expected an integer/);
  });
});

describe("erlangen check --spec", () => {
  it("runs every claim of the spec's plan", async () => {
    const file = join(tmp, "mol.json");
    writeFileSync(
      file,
      JSON.stringify({ domain: "molecule", group: "E(3)", task: "graph-vector", size: { width: 4, depth: 2 } }),
    );
    const c = capture();
    expect(await main(["check", "--spec", file, "--json"], c.io)).toBe(0);
    const r = JSON.parse(c.out[c.out.length - 1]!);
    expect(r.pass).toBe(true);
    expect(r.claims.map((x: { group: string }) => x.group)).toEqual(["E(3)", "S9"]);
    expect(c.err.join("\n")).toMatch(/every exact claim holds \(checked in float64\)/);
  });
  it("reports an unreadable spec", async () => {
    const c = capture();
    expect(await main(["check", "--spec", join(tmp, "missing.json")], c.io)).toBe(2);
    expect(c.err.join("\n")).toMatch(/cannot read the spec file/);
  });
});

describe("erlangen train --blueprint", () => {
  it("trains the built model on a dataset (MUTAG, 2 folds, 2 epochs); the saved model reloads and evaluate scores its own fold", async () => {
    const file = join(tmp, "mutag.json");
    writeFileSync(file, JSON.stringify({ group: "Sn", size: { width: 8, depth: 2 } }));
    const dir = join(tmp, "mutag-model");
    const c = capture();
    const code = await main(
      [
        ...["train", "--dataset", "mutag", "--blueprint", file, "--folds", "2", "--epochs", "2", "--seed", "3"],
        ...["--save", dir, "--json", "-q"],
      ],
      c.io,
    );
    expect(code, c.err.join("\n")).toBe(0);
    const r = JSON.parse(c.out[c.out.length - 1]!);
    expect(r.model).toBe(`blueprint:${file}`);
    expect(r.runs).toBe(2);
    expect(r.test.mean).toBeGreaterThan(0);
    expect(r.params).toBeGreaterThan(0);
    // the folder names model "blueprint" and holds the filled-in spec: it reloads without the spec file
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(cfg.model).toBe("blueprint");
    expect(cfg.schema.blueprint.group).toBe("Sn");
    expect(cfg.training.request).toEqual({ seeds: 1, folds: 2, seed: 3 });
    rmSync(file);
    const e = capture();
    expect(await main(["evaluate", "--model", dir, "--dataset", "mutag", "--json"], e.io), e.err.join("\n")).toBe(0);
    const ev = JSON.parse(e.out[e.out.length - 1]!);
    // the saved run's fold of the same 2-fold split (seed 3), not fold 1 of the shipped 10 folds
    expect(ev.run).toBe(cfg.training.run);
    expect(ev.protocol).toMatch(/stratified 2-fold/);
    expect(ev.results.test.accuracy).toBe(cfg.training.test);
  }, 120_000);
  it("refuses a blueprint that does not fit the dataset, and --model with --blueprint", async () => {
    const file = join(tmp, "img.json");
    writeFileSync(file, JSON.stringify({ domain: "grid2d", group: "p4", task: "graph-classification" }));
    const c = capture();
    expect(await main(["train", "--dataset", "mutag", "--blueprint", file], c.io)).toBe(2);
    expect(c.err.join("\n")).toMatch(/the blueprint \(grid2d, graph-classification\) does not fit dataset 'mutag'/);
    const d = capture();
    expect(await main(["train", "--dataset", "mutag", "--blueprint", file, "--model", "gin"], d.io)).toBe(2);
    expect(d.err.join("\n")).toMatch(/give --model or --blueprint, not both/);
  });
});
