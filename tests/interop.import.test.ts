/**
 * Importing trained weights from PyTorch Geometric, torch and e3nn: each fixture model
 * (tests/fixtures/weights, made with the real PyG 2.4 / torch 1.13 / e3nn 0.5.1 code) is rebuilt in
 * Erlangen, its state dict loaded from safetensors and from the `.pt` archive, and its outputs on the
 * fixture's inputs compared with the reference (maximum absolute difference ≤ 1e-5; the float64 models
 * agree to ~1e-15).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { e3nnGate, loadE3nnStateDict } from "../src/interop/e3nn.js";
import { loadPyGStateDict } from "../src/interop/pyg.js";
import { decodeSafetensors } from "../src/io/safetensors.js";
import { loadTorchFile } from "../src/io/torch_pt.js";
import { GATv2Conv } from "../src/layers/graphs/gatv2_conv.js";
import { GAT, GCN, GIN, GraphSAGE } from "../src/layers/graphs/models.js";
import { SchNet } from "../src/layers/groups/models/schnet.js";
import { Linear as O3Linear } from "../src/layers/groups/o3/linear.js";
import { FullyConnectedTensorProduct } from "../src/layers/groups/o3/tensor_product.js";
import { Linear } from "../src/nn/linear.js";
import { type Module, Sequential } from "../src/nn/module.js";
import { LSTM } from "../src/nn/rnn.js";
import { tensor } from "../src/tensor/creation.js";
import type { Tensor } from "../src/tensor/tensor.js";
import "../src/tensor/index.js";

const DIR = "tests/fixtures/weights";
type Nested = number | Nested[];
const fixture = (name: string) =>
  JSON.parse(readFileSync(`${DIR}/${name}.json`, "utf8")) as {
    inputs: Record<string, Nested>;
    outputs: Record<string, Nested>;
  };
const f64 = (v: Nested) => tensor(v as never, { dtype: "float64" });
const i32 = (v: Nested) => tensor(v as never, { dtype: "int32" });

function maxDiff(a: Tensor, b: Nested): number {
  const ref = (Array.isArray(b) ? (b as Nested[]).flat(8) : [b]) as number[];
  expect(a.size).toBe(ref.length);
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(a.data[i]! - ref[i]!));
  return m;
}

/** Loads the fixture's weights from both files into a fresh model each; returns [safetensors, pt] models. */
function loadBoth(name: string, build: () => Module, load: (m: Module, sd: Record<string, Tensor>) => void): Module[] {
  const sources = [
    decodeSafetensors(readFileSync(`${DIR}/${name}.safetensors`)).tensors,
    loadTorchFile(readFileSync(`${DIR}/${name}.pt`)).tensors,
  ];
  return sources.map((sd) => {
    const m = build().double();
    load(m, sd);
    m.eval();
    return m;
  });
}

const report: Record<string, number> = {};

describe("PyTorch Geometric and torch state dicts", () => {
  const graph = () => {
    const f = fixture("pyg_gcn");
    return { x: f64(f.inputs.x!), ei: i32(f.inputs.edge_index!) };
  };
  const cases: [string, () => Module, (m: Module, g: ReturnType<typeof graph>) => Tensor][] = [
    ["pyg_gcn", () => new GCN(5, 8, 2, 3), (m, g) => m.call(g.x, g.ei)],
    ["pyg_graphsage", () => new GraphSAGE(5, 8, 2, 3), (m, g) => m.call(g.x, g.ei)],
    ["pyg_gin", () => new GIN(5, 8, 2, 3), (m, g) => m.call(g.x, g.ei)],
    ["pyg_gat", () => new GAT(5, 8, 2, 3, { heads: 2 }), (m, g) => m.call(g.x, g.ei)],
    ["pyg_gatv2conv", () => new GATv2Conv(5, 4, { heads: 2 }), (m, g) => m.call(g.x, g.ei)],
  ];
  for (const [name, build, run] of cases) {
    it(`${name}: outputs within 1e-5 (safetensors and .pt)`, () => {
      const f = fixture(name);
      const g = { x: f64(f.inputs.x!), ei: i32(f.inputs.edge_index!) };
      for (const m of loadBoth(name, build, loadPyGStateDict)) {
        const d = maxDiff(run(m, g), f.outputs.out!);
        report[name] = Math.max(report[name] ?? 0, d);
        expect(d).toBeLessThan(1e-5);
      }
    });
  }

  it("pyg_schnet: energy within 1e-5", () => {
    const f = fixture("pyg_schnet");
    const build = () =>
      new SchNet({ hiddenChannels: 16, numFilters: 16, numInteractions: 2, numGaussians: 10, cutoff: 5 });
    for (const m of loadBoth("pyg_schnet", build, loadPyGStateDict)) {
      const d = maxDiff(m.call(i32(f.inputs.z!), f64(f.inputs.pos!)), f.outputs.out!);
      report.pyg_schnet = Math.max(report.pyg_schnet ?? 0, d);
      expect(d).toBeLessThan(1e-5);
    }
  });

  it("torch Linear (float64 and float32) and LSTM", () => {
    for (const name of ["torch_linear", "torch_linear_f32"]) {
      const f = fixture(name);
      for (const m of loadBoth(name, () => new Linear(5, 3), loadPyGStateDict)) {
        const d = maxDiff(m.call(f64(f.inputs.x!)), f.outputs.out!);
        report[name] = Math.max(report[name] ?? 0, d);
        expect(d).toBeLessThan(1e-5);
      }
    }
    const f = fixture("torch_lstm");
    for (const m of loadBoth("torch_lstm", () => new LSTM(4, 6), loadPyGStateDict)) {
      const [out, [h, c]] = m.call(f64(f.inputs.x!)) as [Tensor, [Tensor, Tensor]];
      const d = Math.max(maxDiff(out, f.outputs.output!), maxDiff(h, f.outputs.h_n!), maxDiff(c, f.outputs.c_n!));
      report.torch_lstm = Math.max(report.torch_lstm ?? 0, d);
      expect(d).toBeLessThan(1e-5);
    }
  });

  it("errors name the keys that do not fit", () => {
    const sd = decodeSafetensors(readFileSync(`${DIR}/pyg_gcn.safetensors`)).tensors;
    expect(() => loadPyGStateDict(new GCN(5, 16, 2, 3), sd)).toThrow(
      /convs\.0\.lin\.weight' expected shape \[16, 5\], got \[8, 5\]/,
    );
    const { "convs.1.bias": _, ...missing } = sd;
    expect(() => loadPyGStateDict(new GCN(5, 8, 2, 3), missing)).toThrow(/missing keys: 'convs\.1\.bias'/);
  });
});

describe("e3nn state dicts", () => {
  it("o3.Linear (with and without biases): outputs within 1e-5", () => {
    for (const [name, build] of [
      ["e3nn_linear", () => new O3Linear("4x0e+2x1o", "3x0e+2x1o+1x2e")],
      ["e3nn_linear_bias", () => new O3Linear("4x0e+2x1o", "3x0e+2x1o", { biases: true })],
    ] as const) {
      const f = fixture(name);
      for (const m of loadBoth(name, build, loadE3nnStateDict)) {
        const d = maxDiff(m.call(f64(f.inputs.x!)), f.outputs.out!);
        report[name] = Math.max(report[name] ?? 0, d);
        expect(d).toBeLessThan(1e-5);
      }
    }
  });

  it("FullyConnectedTensorProduct: outputs within 1e-5", () => {
    const f = fixture("e3nn_fctp");
    const build = () => new FullyConnectedTensorProduct("2x0e+2x1o", "0e+1o", "2x0e+2x1o");
    for (const m of loadBoth("e3nn_fctp", build, loadE3nnStateDict)) {
      const d = maxDiff(m.call(f64(f.inputs.x1!), f64(f.inputs.x2!)), f.outputs.out!);
      report.e3nn_fctp = Math.max(report.e3nn_fctp ?? 0, d);
      expect(d).toBeLessThan(1e-5);
    }
  });

  it("Linear + Gate (e3nn's activation constants): outputs within 1e-5", () => {
    const f = fixture("e3nn_gate");
    const build = () =>
      new Sequential(new O3Linear("2x0e+2x1o", "4x0e+2x1o"), e3nnGate("2x0e", ["silu"], "2x0e", ["sigmoid"], "2x1o"));
    for (const m of loadBoth("e3nn_gate", build, loadE3nnStateDict)) {
      const d = maxDiff(m.call(f64(f.inputs.x!)), f.outputs.out!);
      report.e3nn_gate = Math.max(report.e3nn_gate ?? 0, d);
      expect(d).toBeLessThan(1e-5);
    }
    console.log(`max |Erlangen − reference| per imported model: ${JSON.stringify(report)}`);
  });
});
