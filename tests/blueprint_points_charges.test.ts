/**
 * Charges on point clouds (`input.charges`): per-point couplings that enter the edges as products
 * q_i·q_j, never as node features. With `examples/blueprint/nbody.json` (charges and one velocity, E(3),
 * node-vector) the builder makes the EGNN paper's N-body model: the hand-written `EGNNNBody` itself —
 * the same parameter count, the same initial weights from the same generator, the same predictions, and
 * under `erlangen train` the same training run as `--model egnn`. The claims (E(3) and permutations for
 * EGNN, O(3) / SO(3) for the tensor-field network with charges in its radial features) hold under the
 * checker; the every-combination verification with charges (E(3), O(3), SO(3), every task) lives in
 * blueprint.test.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { blueprintModelSpec } from "../src/cli/blueprint_models.js";
import { type CliIO, main } from "../src/cli/main.js";
import { nbodyDataset } from "../src/cli/molecules.js";
import { getModel } from "../src/cli/registry.js";
import { BASE_HYPER } from "../src/cli/train_args.js";
import { Batch } from "../src/domains/graph/batch.js";
import {
  Adam,
  type BlueprintSpec,
  blueprint,
  EGNNNBody,
  Generator,
  type History,
  type Module,
  manualSeed,
  planToText,
  randn,
  simulateNBody,
  type Tensor,
  Trainer,
  tensor,
  verifyBlueprint,
} from "../src/index.js";

const NBODY: BlueprintSpec = JSON.parse(readFileSync("examples/blueprint/nbody.json", "utf8"));

function paramCount(m: { parameters(): { size: number }[] }): number {
  return m.parameters().reduce((a, p) => a + p.size, 0);
}

function weights(m: Module): number[][] {
  return m.parameters().map((p) => Array.from(p.data));
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let d = 0;
  for (let i = 0; i < a.size; i++) d = Math.max(d, Math.abs(a.data[i]! - b.data[i]!));
  return d;
}

/** Four systems of five charged particles, batched as the N-body task batches them. */
function systems(): Batch {
  return Batch.fromGraphs(simulateNBody({ numTrajectories: 4, burnIn: 50, steps: 50, seed: 3 }));
}

describe("blueprint: charges on point clouds, and nbody.json = EGNNNBody", () => {
  it("nbody.json plans the EGNN paper's N-body model: 134,020 parameters, charges on the edges", () => {
    expect(NBODY.input).toEqual({ charges: 1, vectors: 1 });
    const { model, plan } = blueprint(NBODY);
    expect(plan.widths).toEqual([64, 64, 64, 64]);
    expect(plan.params).toBe(134_020);
    expect(plan.params).toBe(paramCount(new EGNNNBody()));
    expect(plan.budget).toEqual({ target: 134_020, deviation: 0 });
    expect(plan.input).toBe(
      "{ pos: [N, 3], vel: [N, 3], charges: [N, 1], batch?: int32 [N], edgeIndex?: int32 [2, E] }",
    );
    expect(plan.layers.map((l) => [l.name, l.step, l.group])).toEqual([
      ["Linear", "embedding", "E(3)"],
      ...new Array(4).fill(["EGCL", "equivariant layer", "E(3)"]),
      ["displacement x_L − x_0", "equivariant readout", "E(3)"],
    ]);
    // ‖v‖ → 64: the charge is not a node input
    expect(plan.layers[0]!.inType).toBe("‖v‖ per point (invariant)");
    expect(plan.layers[0]!.params).toBe(128);
    expect(plan.layers[1]!.inType).toBe("64 invariant scalars + positions + 2 edge attributes");
    expect(plan.layers.slice(1, 5).map((l) => l.params)).toEqual(new Array(4).fill((134_020 - 128) / 4));
    expect(plan.layers[1]!.note).toMatch(/φ_v\(h_i\) v_i; a_ij = \(q_i·q_j, ‖x_i⁰ − x_j⁰‖²\) of the input$/);
    const text = planToText(plan);
    expect(text).toMatch(/134,020 parameters \(budget 134,020, 0\.0 %\)/);
    expect(text).toMatch(/Charges act between pairs of points: they enter every message as the invariant edge/);
    expect(text).toMatch(/moves each point by φ_v\(h_i\)·v_i/);
    expect(model.spec.charges).toBe(1);
  });

  for (const dtype of ["float32", "float64"] as const) {
    it(`builds EGNNNBody itself (${dtype}): same weights from the same generator, same predictions`, () => {
      const { model } = blueprint({ ...NBODY, seed: 7, dtype });
      const hand = new EGNNNBody({ generator: new Generator(7), dtype });
      expect(paramCount(model)).toBe(paramCount(hand));
      expect(weights(model)).toEqual(weights(hand));
      const b = systems();
      const pos = b.pos!.cast(dtype);
      const vel = b.get("vel")!;
      const q = b.get("charges")!;
      const want = hand.forward(pos, vel, q, b.edgeIndex);
      const disp = model.forward({ pos, vel, charges: q, edgeIndex: b.edgeIndex, batch: b.batch });
      // the built model predicts x_L − x_0; x_0 + (x_L − x_0) rounds like one addition
      const tol = dtype === "float64" ? 1e-12 : 1e-5;
      expect(maxAbsDiff(disp.add(pos), want)).toBeLessThan(tol);
      expect(maxAbsDiff(disp, want.sub(pos))).toBeLessThan(tol);
    });
  }

  it("sees charges only through their products: negating all leaves the output, negating one changes it", () => {
    const { model } = blueprint({ ...NBODY, size: { width: 8, depth: 2 }, seed: 1, dtype: "float64" });
    const b = systems();
    const inp = (q: Tensor) => ({ pos: b.pos!, vel: b.get("vel")!, charges: q, edgeIndex: b.edgeIndex });
    const q = b.get("charges")!.cast("float64");
    const y = model.forward(inp(q));
    expect(maxAbsDiff(model.forward(inp(q.neg())), y)).toBeLessThan(1e-12);
    const one = q.clone();
    one.data[0] = -one.data[0]!;
    expect(maxAbsDiff(model.forward(inp(one)), y)).toBeGreaterThan(1e-6);
  });

  it("verifies nbody.json at a small width: E(3) and permutations, per layer (checker)", () => {
    const { model } = blueprint({ ...NBODY, size: { width: 3, depth: 2 }, seed: 2 });
    const r = verifyBlueprint(model, { layers: true, seed: 4 });
    expect(r.claims.map((c) => [c.group, c.exact])).toEqual([
      ["E(3)", true],
      ["S9", true],
    ]);
    for (const c of r.claims) {
      expect(c.pass, `${c.name}: ${c.maxRelError}`).toBe(true);
      for (const l of c.layers ?? []) expect(l.pass, `${c.name}, layer ${l.name}: ${l.maxRelError}`).toBe(true);
    }
  });

  it("the tensor-field network takes the charge products in its radial features", () => {
    const base = { domain: "pointcloud", group: "O(3)", task: "graph-regression", size: { width: 2, depth: 2 } };
    const without = blueprint(base).plan;
    const withQ = blueprint({ ...base, input: { charges: 3 } }).plan;
    // each radial MLP's first layer gets 3 more inputs (radialHidden = max(8, 2w) = 8): 3 × 8 weights per block
    expect(withQ.params - without.params).toBe(2 * 3 * 8);
    expect(withQ.layers[0]!.outType).toMatch(/q_i·q_j$/);
  });

  it("refuses charges where there are no edges to put them on, and bad charge inputs", () => {
    const pc = { domain: "pointcloud", task: "graph-regression", input: { charges: 1 } };
    expect(() => blueprint({ ...pc, group: "Sn" })).toThrow(
      /'input.charges' is not available for pointcloud with Sn \(charges enter the edges between points: point clouds with E\(3\), O\(3\), SO\(3\)\)/,
    );
    expect(() => blueprint({ ...pc, domain: "molecule", group: "E(3)" })).toThrow(
      /'input.charges' is not available for molecule with E\(3\)/,
    );
    expect(() => blueprint({ ...pc, domain: "graph", group: "Sn" })).toThrow(/not available for graph with Sn/);
    expect(() => blueprint({ ...pc, group: "E(3)", input: { charges: -1 } })).toThrow(
      /'input.charges' expected an integer in \[0, 256\], got -1/,
    );
    const { model } = blueprint({ ...pc, group: "E(3)", input: { charges: 2 } });
    const pos = randn([4, 3]);
    expect(() => model.forward({ pos })).toThrow(/argument 'charges' expected \[4, 2\] charges, got undefined/);
    expect(() => model.forward({ pos, charges: randn([4]) })).toThrow(
      /argument 'charges' expected \[4, 2\] charges, got float32 \[4\]/,
    );
    expect(() =>
      model.forward({
        pos,
        charges: tensor([
          [1, 0],
          [0, 1],
          [Number.NaN, 1],
          [1, 1],
        ]),
      }),
    ).toThrow(/argument 'charges' expected finite charges, got NaN at point 2/);
  });
});

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

describe("erlangen: nbody.json", () => {
  it("erlangen build --spec nbody.json prints the EGNN plan; --charges sets the input", async () => {
    const io = captureIO();
    expect(await main(["build", "--spec", "examples/blueprint/nbody.json"], io), io.stderr.join("\n")).toBe(0);
    const text = io.stdout.join("\n");
    expect(text).toMatch(/134,020 parameters/);
    expect(text).toMatch(/charges: \[N, 1\]/);
    const io2 = captureIO();
    const args = ["build", "--domain", "pointcloud", "--group", "E(3)", "--task", "node-vector", "--width", "4"];
    expect(await main([...args, "--charges", "2", "--vectors", "1", "--json"], io2), io2.stderr.join("\n")).toBe(0);
    expect(JSON.parse(io2.stdout.join("\n")).input).toContain("charges: [N, 2]");
  });

  it("train --blueprint nbody.json runs as --model egnn: the same weights and the same losses", async () => {
    const data = nbodyDataset({ numTrain: 20, numVal: 10, numTest: 10, burnIn: 100, steps: 100 });
    const trainRun = async (
      ms: ReturnType<typeof getModel>,
    ): Promise<{ w0: number[][]; hist: History; test: number }> => {
      const hp = { ...BASE_HYPER, ...ms.defaults("nbody", "nbody"), batchSize: 10 };
      const [run] = data.runs({ seeds: 1, folds: 0, seed: 3 });
      manualSeed(run!.seed);
      const model = ms.build(data.info, hp);
      const w0 = weights(model);
      const trainer = new Trainer(model, run!.task(model, hp), {
        optimizer: new Adam(model.parameters(), { lr: hp.lr, weightDecay: hp.weightDecay }),
        epochs: 2,
      });
      const hist = await trainer.fit();
      return { w0, hist, test: (await trainer.test()).mse! };
    };
    const built = await trainRun(blueprintModelSpec("examples/blueprint/nbody.json", undefined, "nbody", "nbody"));
    const hand = await trainRun(getModel("egnn"));
    expect(built.w0).toEqual(hand.w0);
    const losses = (h: History) => h.epochs.map((e) => e.loss);
    expect(losses(built.hist).length).toBe(2);
    // float32: x_0 + (x_L − x_0) against x_L, one rounding per prediction; measured: the first epoch's
    // loss equal, the second 3e-7 apart
    for (const [a, b] of losses(built.hist).map((l, i) => [l, losses(hand.hist)[i]!])) {
      expect(Math.abs(a! - b!) / b!).toBeLessThan(1e-5);
    }
    expect(Math.abs(built.test - hand.test) / hand.test).toBeLessThan(1e-5);
  }, 120_000);
});
