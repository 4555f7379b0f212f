/**
 * ONNX export benchmark: each exportable model is exported, run in ONNX Runtime (onnxruntime-node,
 * one intra-op thread, like Erlangen) and in Erlangen (eval mode, no gradients) on the same inputs in
 * the same process; prints, per model, the file size, the maximum |ONNX Runtime − Erlangen| and the
 * median inference times with their ratio. Without onnxruntime-node it says "peer unavailable".
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/onnx.js [--repeat N]
 */
import { createRequire } from "node:module";
import { exportOnnx } from "../src/interop/onnx/export.js";
import { GAT, GCN, GINGraphClassifier, GraphSAGE } from "../src/layers/graphs/models.js";
import { MolecularGNN } from "../src/layers/graphs/task_models.js";
import { GCNN, Z2CNN } from "../src/layers/groups/gcnn/models.js";
import { EGNNRegressor } from "../src/layers/groups/models/egnn.js";
import { SchNet } from "../src/layers/groups/models/schnet.js";
import type { Module } from "../src/nn/module.js";
import { loadPlanetoid } from "../src/node/datasets.js";
import { p4 } from "../src/symmetry/groups.js";
import { noGrad } from "../src/tensor/autograd.js";
import { randint, randn } from "../src/tensor/creation.js";
import { manualSeed } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";
import { median } from "./harness.js";
import "../src/tensor/index.js";

type OrtTensor = { data: ArrayLike<number | bigint>; dims: readonly number[] };
type Session = { run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>> };
type Ort = {
  InferenceSession: { create(b: Uint8Array, o?: object): Promise<Session> };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => unknown;
};

function loadOrt(): Ort | null {
  try {
    return createRequire(import.meta.url)("onnxruntime-node") as Ort;
  } catch {
    return null;
  }
}

function molecules(G: number, atoms: number): Tensor[] {
  const N = G * atoms;
  const z = new Tensor(
    Int32Array.from({ length: N }, (_, i) => [1, 6, 7, 8][i % 4]!),
    [N],
    "int32",
  );
  const pos = randn([N, 3]).mul(1.6);
  const batch = new Tensor(
    Int32Array.from({ length: N }, (_, i) => Math.floor(i / atoms)),
    [N],
    "int32",
  );
  return [z, pos, batch];
}

function randomGraphs(G: number, nodes: number, edgesPer: number, F: number): Tensor[] {
  const N = G * nodes;
  const src: number[] = [];
  const dst: number[] = [];
  for (let g = 0; g < G; g++) {
    const s = randint(0, nodes, [edgesPer]);
    const d = randint(0, nodes, [edgesPer]);
    for (let e = 0; e < edgesPer; e++)
      if (s.data[e] !== d.data[e]) {
        src.push(g * nodes + s.data[e]!, g * nodes + d.data[e]!);
        dst.push(g * nodes + d.data[e]!, g * nodes + s.data[e]!);
      }
  }
  const ei = new Tensor(Int32Array.from([...src, ...dst]), [2, src.length], "int32");
  const batch = new Tensor(
    Int32Array.from({ length: N }, (_, i) => Math.floor(i / nodes)),
    [N],
    "int32",
  );
  return [randn([N, F]), ei, batch];
}

async function main(): Promise<void> {
  const repeat = Number(process.argv[process.argv.indexOf("--repeat") + 1] ?? 20) || 20;
  const ort = loadOrt();
  manualSeed(0);
  const cora = loadPlanetoid("cora");
  const cx = cora.x!;
  const cei = cora.edgeIndex;
  const F = cx.shape[1]!;
  const mol = molecules(32, 18);
  const tu = randomGraphs(32, 18, 20, 7);
  const ogb = randomGraphs(32, 25, 27, 174);
  const ogbBond = randn([ogb[1]!.shape[1]!, 13]);
  const images = randn([64, 1, 28, 28]);
  const cases: [string, string, Module, Tensor[]][] = [
    ["GCN", "Cora: 2708 nodes, 10556 edges, 1433 features", new GCN(F, 16, 2, 7), [cx, cei]],
    ["GraphSAGE", "Cora", new GraphSAGE(F, 64, 2, 7), [cx, cei]],
    ["GAT", "Cora, 8 heads × 8", new GAT(F, 64, 2, 7, { heads: 8, act: "elu", outHeads: 1 }), [cx, cei]],
    ["GIN (graph classifier)", "32 graphs × 18 nodes", new GINGraphClassifier(7, 64, 2, { numLayers: 4 }), tu],
    [
      "GINE (MolecularGNN)",
      "32 molecules × 25 atoms, OGB one-hot features",
      new MolecularGNN({ inChannels: 174, edgeDim: 13, hidden: 64, layers: 3, outChannels: 1, dropout: 0 }),
      [...ogb, ogbBond],
    ],
    ["Z2CNN", "64 MNIST images", new Z2CNN({ hidden: 21 }), [images]],
    ["P4CNN", "64 MNIST images", new GCNN({ group: p4(), hidden: 10 }), [images]],
    [
      "SchNet",
      "32 molecules × 18 atoms",
      new SchNet({ hiddenChannels: 64, numFilters: 64, numInteractions: 3, numGaussians: 25, cutoff: 5 }),
      mol,
    ],
    ["EGNN", "32 molecules × 18 atoms", new EGNNRegressor({ hiddenChannels: 64, numLayers: 4 }), mol],
  ];
  console.log(
    `ONNX Runtime ${ort ? "(onnxruntime-node, 1 intra-op thread)" : ": peer unavailable (install onnxruntime-node)"}; ${repeat} timed runs each`,
  );
  console.log("model | inputs | ONNX bytes | max abs diff | Erlangen ms | ONNX Runtime ms | ratio");
  for (const [name, what, model, inputs] of cases) {
    model.eval();
    const { bytes, signature } = exportOnnx(model, inputs);
    const run = () => noGrad(() => model.call(...inputs) as Tensor);
    const want = run();
    const ours: number[] = [];
    for (let i = 0; i < 3; i++) run();
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      run();
      ours.push(performance.now() - t0);
    }
    const erl = median(ours);
    if (ort === null) {
      console.log(`${name} | ${what} | ${bytes.length} | peer unavailable | ${erl.toFixed(2)} | - | -`);
      continue;
    }
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const feeds: Record<string, unknown> = {};
    signature.inputs.forEach((s, i) => {
      const t = inputs[i]!;
      feeds[s.name] =
        s.dtype === "int64"
          ? new ort.Tensor(
              "int64",
              BigInt64Array.from(t.data, (v) => BigInt(v)),
              t.shape,
            )
          : new ort.Tensor("float32", Float32Array.from(t.data), t.shape);
    });
    const got = (await session.run(feeds)).out!;
    let d = 0;
    for (let i = 0; i < want.size; i++) d = Math.max(d, Math.abs(Number(got.data[i]) - want.data[i]!));
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const theirs: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      theirs.push(performance.now() - t0);
    }
    const o = median(theirs);
    console.log(
      `${name} | ${what} | ${bytes.length} | ${d.toExponential(1)} | ${erl.toFixed(2)} | ${o.toFixed(2)} | ${(erl / o).toFixed(2)}`,
    );
    console.log(
      JSON.stringify({
        name,
        inputs: what,
        bytes: bytes.length,
        maxDiff: d,
        erlangenMs: erl,
        ortMs: o,
        ratio: erl / o,
      }),
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
