/**
 * ONNX export: each supported model is exported, run in ONNX Runtime (onnxruntime-node) and compared
 * with Erlangen's own forward pass on the same inputs (max |difference| ≤ 1e-5). The same files are
 * then run on a second input of another size (graphs with other node and edge counts, another batch)
 * to check that the dynamic axes work.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "../src/interop/onnx/export.js";
import { GATv2Conv } from "../src/layers/graphs/gatv2_conv.js";
import { APPNPNet, GAT, GCN, GIN, GINGraphClassifier, GraphSAGE, NodeMLP, SGC } from "../src/layers/graphs/models.js";
import { EdgePredictor, GraphClassifier, MolecularGNN } from "../src/layers/graphs/task_models.js";
import { GCNN, Z2CNN } from "../src/layers/groups/gcnn/models.js";
import { EGNNRegressor } from "../src/layers/groups/models/egnn.js";
import { SchNet } from "../src/layers/groups/models/schnet.js";
import { type Module, Sequential } from "../src/nn/module.js";
import { BatchNorm1d } from "../src/nn/normalization.js";
import { p4, p4m } from "../src/symmetry/groups.js";
import { randint, randn } from "../src/tensor/creation.js";
import { manualSeed } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";
import "../src/tensor/index.js";

const require = createRequire(import.meta.url);
type OrtTensor = { data: ArrayLike<number | bigint>; dims: readonly number[] };
type Ort = {
  InferenceSession: {
    create(b: Uint8Array): Promise<{ run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>> }>;
  };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => unknown;
};
const ort = require("onnxruntime-node") as Ort;

/** An int32 [2, E] random edge list over N nodes (both directions, no self loops). */
function randomEdges(N: number, E: number): Tensor {
  const s = randint(0, N, [E]);
  const d = randint(0, N, [E]);
  const src: number[] = [];
  const dst: number[] = [];
  for (let e = 0; e < E; e++) {
    if (s.data[e] === d.data[e]) continue;
    src.push(s.data[e]!, d.data[e]!);
    dst.push(d.data[e]!, s.data[e]!);
  }
  return new Tensor(Int32Array.from([...src, ...dst]), [2, src.length], "int32");
}

function batchOf(sizes: number[]): Tensor {
  return new Tensor(
    Int32Array.from(sizes.flatMap((n, g) => new Array<number>(n).fill(g))),
    [sizes.reduce((a, b) => a + b, 0)],
    "int32",
  );
}

/** Random batch-norm statistics, so that eval-mode folding is exercised. */
function randomizeNorms(m: Module): void {
  for (const sub of m.modules()) {
    if (sub instanceof BatchNorm1d) {
      const n = sub.runningMean!.size;
      sub.runningMean!.data.set(randn([n]).mul(0.3).data);
      sub.runningVar!.data.set(randn([n]).abs().add(0.5).data);
      sub.weight?.data.set(randn([n]).mul(0.2).add(1).data);
      sub.bias?.data.set(randn([n]).mul(0.2).data);
    }
  }
}

function feed(spec: { name: string; dtype: string }, t: Tensor): unknown {
  if (spec.dtype === "int64")
    return new ort.Tensor(
      "int64",
      BigInt64Array.from(t.data, (v) => BigInt(v)),
      t.shape,
    );
  if (spec.dtype === "double") return new ort.Tensor("float64", Float64Array.from(t.data), t.shape);
  return new ort.Tensor("float32", Float32Array.from(t.data), t.shape);
}

async function compare(name: string, model: Module, inputsList: Tensor[][]): Promise<number> {
  model.eval();
  const { bytes, signature } = exportOnnx(model, inputsList[0]!);
  const session = await ort.InferenceSession.create(bytes);
  let worst = 0;
  for (const inputs of inputsList) {
    const want = model.call(...inputs) as Tensor;
    const feeds: Record<string, unknown> = {};
    signature.inputs.forEach((s, i) => {
      feeds[s.name] = feed(s, inputs[i]!);
    });
    const got = (await session.run(feeds)).out!;
    expect(Array.from(got.dims), name).toEqual(want.shape);
    let d = 0;
    for (let i = 0; i < want.size; i++) d = Math.max(d, Math.abs(Number(got.data[i]) - want.data[i]!));
    worst = Math.max(worst, d);
  }
  return worst;
}

const report: Record<string, number> = {};

describe("ONNX export runs in ONNX Runtime and matches Erlangen within 1e-5", () => {
  manualSeed(7);
  const F = 6;
  const g1 = { x: randn([12, F]), ei: randomEdges(12, 20) };
  const g2 = { x: randn([7, F]), ei: randomEdges(7, 9) };
  const node: [string, () => Module][] = [
    ["GCN", () => new GCN(F, 8, 3, 3)],
    ["GraphSAGE", () => new GraphSAGE(F, 8, 2, 3)],
    ["GraphSAGE (max)", () => new GraphSAGE(F, 8, 2, 3, { aggr: "max" })],
    ["GIN", () => new GIN(F, 8, 2, 3, { norm: "batchNorm" })],
    ["GraphSAGE (layer norm)", () => new GraphSAGE(F, 8, 3, 3, { norm: "layerNorm" })],
    ["GAT", () => new GAT(F, 8, 2, 3, { heads: 2, act: "elu" })],
    ["GATv2Conv", () => new GATv2Conv(F, 4, { heads: 2 })],
    ["NodeMLP", () => new NodeMLP(F, 8, 3)],
    ["SGC", () => new SGC(F, 3, { K: 2, cached: false })],
    ["APPNPNet", () => new APPNPNet(F, 8, 3, { K: 3 })],
  ];
  for (const [name, build] of node) {
    it(`${name} (node level)`, async () => {
      manualSeed(1);
      const m = build();
      randomizeNorms(m);
      const d = await compare(name, m, [
        [g1.x, g1.ei],
        [g2.x, g2.ei],
      ]);
      report[name] = d;
      expect(d).toBeLessThan(1e-5);
    });
  }

  it("graph level: GraphClassifier (GCN + mean readout), GINGraphClassifier, MolecularGNN; EdgePredictor", async () => {
    manualSeed(2);
    const b1 = batchOf([5, 7]);
    const b2 = batchOf([3, 2, 4]);
    const x1 = randn([12, F]);
    const x2 = randn([9, F]);
    const e1 = new Tensor(Int32Array.from([0, 1, 2, 3, 5, 6, 7, 8, 9, 1, 2, 3, 4, 6, 7, 8, 9, 10]), [2, 9], "int32");
    const e2 = new Tensor(Int32Array.from([0, 1, 3, 5, 6, 1, 2, 4, 6, 7]), [2, 5], "int32");
    const gc = new GraphClassifier(new GCN(F, 8, 2, null) as never, 8, 4);
    report.GraphClassifier = await compare("GraphClassifier", gc, [
      [x1, e1, b1],
      [x2, e2, b2],
    ]);
    const gin = new GINGraphClassifier(F, 8, 3, { numLayers: 3 });
    randomizeNorms(gin);
    report.GINGraphClassifier = await compare("GINGraphClassifier", gin, [
      [x1, e1, b1],
      [x2, e2, b2],
    ]);
    const mol = new MolecularGNN({ inChannels: F, edgeDim: 4, hidden: 8, layers: 2, outChannels: 1, dropout: 0.1 });
    randomizeNorms(mol);
    report["MolecularGNN (GINE)"] = await compare("MolecularGNN", mol, [
      [x1, e1, b1, randn([9, 4])],
      [x2, e2, b2, randn([5, 4])],
    ]);
    const ep = new EdgePredictor(new GraphSAGE(F, 8, 2, null) as never, 8, 2);
    report.EdgePredictor = await compare("EdgePredictor", ep, [
      [g1.x, g1.ei, randomEdges(12, 5)],
      [g2.x, g2.ei, randomEdges(7, 3)],
    ]);
    for (const k of ["GraphClassifier", "GINGraphClassifier", "MolecularGNN (GINE)", "EdgePredictor"])
      expect(report[k]!).toBeLessThan(1e-5);
  });

  it("grids: Z2CNN, P4CNN, P4MCNN (filter banks expanded at export)", async () => {
    manualSeed(3);
    const i1 = randn([2, 1, 28, 28]);
    const i2 = randn([3, 1, 28, 28]);
    for (const [name, m] of [
      ["Z2CNN", new Z2CNN({ hidden: 4 })],
      ["P4CNN", new GCNN({ group: p4(), hidden: 2 })],
      ["P4MCNN", new GCNN({ group: p4m(), hidden: 2 })],
    ] as const) {
      randomizeNorms(m);
      report[name] = await compare(name, m, [[i1], [i2]]);
      expect(report[name]!).toBeLessThan(1e-5);
    }
  });

  it("E(3): SchNet and EGNN (radius graph inside the file)", async () => {
    manualSeed(4);
    const z1 = new Tensor(Int32Array.from([6, 1, 1, 8, 6, 1, 7]), [7], "int32");
    const p1 = randn([7, 3]).mul(1.5);
    const bt1 = batchOf([4, 3]);
    const z2 = new Tensor(Int32Array.from([8, 1, 1]), [3], "int32");
    const p2 = randn([3, 3]);
    const bt2 = batchOf([3]);
    const schnet = new SchNet({ hiddenChannels: 16, numFilters: 16, numInteractions: 2, numGaussians: 10, cutoff: 3 });
    report.SchNet = await compare("SchNet", schnet, [
      [z1, p1, bt1],
      [z2, p2, bt2],
    ]);
    const egnn = new EGNNRegressor({ hiddenChannels: 8, numLayers: 2 });
    report.EGNN = await compare("EGNN", egnn, [
      [z1, p1, bt1],
      [z2, p2, bt2],
    ]);
    expect(report.SchNet!).toBeLessThan(1e-5);
    expect(report.EGNN!).toBeLessThan(1e-5);
    console.log(`ONNX Runtime vs Erlangen, max |difference|: ${JSON.stringify(report)}`);
  });

  it("unsupported modules fail with a clear error", () => {
    expect(() => exportOnnx(new Sequential(new BatchNorm1d(3)), [randn([2, 3])])).toThrow(
      /Sequential\) has no ONNX export rule/,
    );
    expect(() => exportOnnx(new GCN(F, 8, 2, 3, { norm: "graphNorm" }), [g1.x, g1.ei])).toThrow(
      /norm layers other than batch or layer norm/,
    );
  });
});

describe("erlangen export --model DIR --onnx FILE", () => {
  it("exports a saved GCN; ONNX Runtime reproduces the loaded model on karate", async () => {
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { main } = await import("../src/cli/main.js");
    const { loadModelDir } = await import("../src/node/model_dir.js");
    const { karateClub } = await import("../src/data/datasets/karate.js");
    const dir = mkdtempSync(join(tmpdir(), "erlangen-onnx-"));
    const lines: string[] = [];
    const io = {
      out: (l: string) => void lines.push(l),
      err: (l: string) => void lines.push(l),
      progress: { write: () => undefined, isTTY: false },
    };
    expect(
      await main(
        ["train", "--dataset", "karate", "--model", "gcn", "--epochs", "5", "--save", join(dir, "m"), "-q"],
        io,
      ),
    ).toBe(0);
    expect(await main(["export", "--model", join(dir, "m"), "--onnx", join(dir, "m.onnx")], io)).toBe(0);
    expect(lines.join("\n")).toMatch(/inputs: {2}x: float \[num_nodes, 34\]; edge_index: int64 \[2, num_edges\]/);
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(join(dir, "m.onnx"))));
    const g = karateClub();
    const got = (
      await session.run({
        x: feed({ name: "x", dtype: "float" }, g.x!),
        edge_index: feed({ name: "e", dtype: "int64" }, g.edgeIndex),
      })
    ).out!;
    const { model } = await loadModelDir(join(dir, "m"));
    const want = model.call(g.x!, g.edgeIndex) as Tensor;
    let d = 0;
    for (let i = 0; i < want.size; i++) d = Math.max(d, Math.abs(Number(got.data[i]) - want.data[i]!));
    expect(d).toBeLessThan(1e-5);
  });
});
