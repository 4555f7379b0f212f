/**
 * The `cohen-welling` grid layout of the blueprint: with the hand-written models' widths it builds the
 * same architecture as `GCNN` (p4cnn, p4mcnn) and `E2CNN` (e2cnn) — the same parameter count, the
 * same initial weights from the same generator, bit-identical logits in eval mode and, with the same
 * dropout draws, in training mode — and its claims (rotations about the image centre, flips) hold.
 * The every-combination verification of the layout lives in blueprint.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import {
  type BlueprintModel,
  blueprint,
  Cn,
  Dn,
  E2CNN,
  GCNN,
  Generator,
  type Module,
  manualSeed,
  p4,
  p4m,
  planToText,
  sampleImages,
  type Tensor,
  verifyBlueprint,
} from "../src/index.js";
import { decodeSafetensors } from "../src/io/safetensors.js";

function paramCount(m: { parameters(): { size: number }[] }): number {
  return m.parameters().reduce((a, p) => a + p.size, 0);
}

/** The weights of each convolution, in the order the model draws them. */
function convWeights(convs: Module[]): number[][] {
  return convs.flatMap((c) => c.parameters().map((p) => Array.from(p.data)));
}

function builtConvs(model: BlueprintModel): Module[] {
  return model.stages.filter((s) => s.step === "equivariant linear").map((s) => s.module!);
}

/** Logits of both models on the same images: eval mode, then training mode with the same dropout draws. */
function compareForward(built: BlueprintModel, hand: Module<[Tensor], Tensor>, x: Tensor): void {
  built.eval();
  hand.eval();
  expect(Array.from(built.forward(x).data)).toEqual(Array.from(hand.forward(x).data));
  built.train();
  hand.train();
  manualSeed(5);
  const a = Array.from(built.forward(x).data);
  manualSeed(5);
  const b = Array.from(hand.forward(x).data);
  expect(a).toEqual(b);
}

describe("blueprint layout cohen-welling = the hand-written rotated-MNIST models", () => {
  const x = sampleImages({ count: 3, size: 28, seed: 2 });
  const cases: [string, number, () => Module<[Tensor], Tensor>, number | null][] = [
    ["p4", 10, () => new GCNN({ group: p4(), hidden: 10, generator: new Generator(7) }), 24_680],
    ["p4m", 7, () => new GCNN({ group: p4m(), hidden: 7, generator: new Generator(7) }), 26_799],
    ["C8", 9, () => new E2CNN({ group: Cn(8), hidden: 9, generator: new Generator(7) }), 24_094],
    ["D4", 3, () => new E2CNN({ group: Dn(4), hidden: 3, generator: new Generator(7) }), null],
  ];
  for (const [group, width, make, params] of cases) {
    it(`${group}, width ${width}: same parameters, same weights, same logits`, () => {
      const { model, plan } = blueprint({
        domain: "grid2d",
        group,
        task: "graph-classification",
        size: { width, depth: 6 },
        options: { layout: "cohen-welling", dropout: 0.3 },
        seed: 7,
      });
      const hand = make();
      const h = hand as unknown as { lift: Module; convs: Module[]; top: Module };
      expect(paramCount(model)).toBe(paramCount(hand));
      if (params !== null) expect(plan.params).toBe(params);
      expect(convWeights(builtConvs(model))).toEqual(convWeights([h.lift, ...h.convs, h.top]));
      compareForward(model, hand, x);
    }, 60_000);
  }

  it("meets the hand-written models' budgets with their widths", () => {
    const { plan } = blueprint({
      domain: "grid2d",
      group: "p4",
      task: "graph-classification",
      size: { params: 24_680, depth: 6 },
      options: { layout: "cohen-welling" },
    });
    expect(plan.widths).toEqual([10, 10, 10, 10, 10, 10]);
    expect(plan.params).toBe(24_680);
    const text = planToText(plan);
    expect(text).toMatch(/Layout cohen-welling/);
    expect(text).toMatch(/GroupConv2d 4×4/);
    expect(text).toMatch(/\[exact\] p4: invariance to the rotations by multiples of 90° about the image centre/);
  });

  it("claims rotations about the centre exactly, the 45° turns of C8 approximately, and no translations", () => {
    const { model } = blueprint({
      domain: "grid2d",
      group: "C8",
      task: "graph-classification",
      size: { width: 2, depth: 6 },
      options: { layout: "cohen-welling" },
      seed: 1,
    });
    const r = verifyBlueprint(model, { layers: false, seed: 0 });
    expect(r.pass).toBe(true);
    expect(r.claims.map((c) => c.exact)).toEqual([true, false]);
    expect(r.claims[0]!.name).toMatch(/30×30 here; exact; valid convolutions: no translation claim/);
    expect(r.claims[0]!.maxRelError).toBeLessThan(1e-9);
    // the 45° turns interpolate: not exact, but far from arbitrary
    expect(r.claims[1]!.maxRelError).toBeGreaterThan(1e-6);
    expect(r.claims[1]!.maxRelError).toBeLessThan(0.5);
  }, 60_000);

  it("refuses what the layout does not build, naming the option", () => {
    const base = { domain: "grid2d", task: "graph-classification", options: { layout: "cohen-welling" as const } };
    expect(() => blueprint({ ...base, group: "SO(2)" })).toThrow(
      /'options.layout' 'cohen-welling' needs a 2-D grid with p4, p4m, Cn or Dn, got grid2d with SO\(2\)/,
    );
    expect(() => blueprint({ ...base, group: "translations" })).toThrow(/needs a 2-D grid with p4, p4m, Cn or Dn/);
    expect(() => blueprint({ ...base, group: "p4", task: "node-classification" })).toThrow(
      /builds image-level classifiers and regressors \(graph-classification, graph-regression\), got node-classification/,
    );
    expect(() => blueprint({ ...base, group: "C8", task: "graph-vector" })).toThrow(/got graph-vector/);
    expect(() => blueprint({ ...base, group: "p4", options: { layout: "cohen-welling", pools: 2 } })).toThrow(
      /'options.pools' expected 0 or 1 with the 'cohen-welling' layout/,
    );
    expect(() => blueprint({ ...base, group: "p4", options: { layout: "sphere" as never } })).toThrow(
      /'options.layout' expected one of torus, cohen-welling, got 'sphere'/,
    );
    expect(() =>
      blueprint({ domain: "graph", group: "Sn", task: "graph-classification", options: base.options }),
    ).toThrow(/needs a 2-D grid/);
  });
});

describe("erlangen build --layout", () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      progress: { write: () => true, isTTY: false },
    };
    return { out, err, io: io as never };
  }
  it("builds the skeleton and refuses an unknown layout", async () => {
    const c = capture();
    const args = ["build", "--domain", "grid2d", "--group", "p4", "--task", "graph-classification", "--width", "10"];
    expect(await main([...args, "--depth", "6", "--layout", "cohen-welling"], c.io), c.err.join("\n")).toBe(0);
    const text = c.out.join("\n");
    expect(text).toMatch(/24,680 parameters/);
    expect(text).toMatch(/GroupConv2d 4×4 +equivariant linear/);
    const d = capture();
    expect(await main([...args, "--layout", "sphere"], d.io)).toBe(2);
    expect(d.err.join("\n")).toMatch(/'options.layout' expected one of torus, cohen-welling, got 'sphere'/);
  });
});

describe("erlangen train --blueprint with the cohen-welling layout = --model p4cnn", () => {
  /** Trains on 128 digits for one epoch, saves, and returns the logged losses and the saved tensors' values. */
  async function train(model: string[], dir: string): Promise<{ log: string[]; tensors: string[] }> {
    const err: string[] = [];
    const io = {
      out: () => true,
      err: (l: string) => err.push(l),
      progress: { write: () => true, isTTY: false } as never,
    };
    const code = await main(
      [
        ...["train", "--dataset", "rotated-mnist", "--train-limit", "128", "--test-limit", "64", "--epochs", "1"],
        ...["--seed", "0", ...model, "--save", dir, "--json"],
      ],
      io as never,
    );
    expect(code, err.join("\n")).toBe(0);
    const { tensors } = decodeSafetensors(readFileSync(join(dir, "model.safetensors")));
    // names differ (layers.N vs lift / convs / norms / top): compare the values, sorted
    const values = Object.values(tensors)
      .map((t) => Array.from(t.data).join(","))
      .sort();
    return {
      log: err.filter((l) => /^epoch |test accuracy/.test(l)).map((l) => l.replace(/ +[\d.]+ s\/epoch/, "")),
      tensors: values,
    };
  }
  it("trains bit-identically: the same losses, accuracy and trained weights", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "erlangen-cw-"));
    try {
      const built = await train(["--blueprint", "examples/blueprint/p4-rotated-mnist.json"], join(tmp, "built"));
      const hand = await train(["--model", "p4cnn"], join(tmp, "hand"));
      expect(built.log.length).toBeGreaterThan(0);
      expect(built.log).toEqual(hand.log);
      expect(built.tensors.length).toBeGreaterThan(20);
      expect(built.tensors.length).toBe(hand.tensors.length);
      expect(built.tensors).toEqual(hand.tensors);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
