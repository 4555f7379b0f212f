/**
 * Train → save → load → predict, one registered model per G: the model is built through the CLI's
 * registry, trained a few Adam steps (weights and batch-norm statistics move), saved with
 * `saveModel`, rebuilt with `loadModel` from the config alone, and run on the same inputs. The
 * predictions must be bit-identical (the weights are stored as float32, the models compute in
 * float32). The CLI-level round trips (train --save, evaluate, predict) are in `cli.save_predict`.
 */
import { describe, expect, it } from "vitest";
import "../src/cli/builtins.js";
import { type DataInfo, getModel, type Hyper, type ProblemKind } from "../src/cli/registry.js";
import { resolveHyper } from "../src/cli/train_args.js";
import { icosphere } from "../src/domains/mesh/primitives.js";
import type { Module } from "../src/nn/module.js";
import { Adam } from "../src/optim/adam.js";
import { randint, randn } from "../src/tensor/creation.js";
import { Generator, manualSeed } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";
import { MeshItem, xyzFeatures } from "../src/train/meshes.js";
import { loadModel, saveModel } from "../src/train/model_file.js";
import "../src/tensor/index.js";

interface Case {
  /** The group G the model is built for. */
  g: string;
  model: string;
  kind: ProblemKind;
  info: { numFeatures: number; numClasses?: number; numTargets?: number };
  hyper: Partial<Hyper>;
  /** Fresh inputs for a model (new objects each call: nothing cached from one model reaches the other). */
  inputs(): unknown[];
}

/** Two small random graphs: x [9, 5], edges both ways, batch vector. */
function graphs(): unknown[] {
  manualSeed(11);
  const x = randn([9, 5]);
  const src = [0, 1, 2, 3, 4, 5, 6, 7];
  const dst = [1, 2, 3, 0, 5, 6, 7, 8];
  const ei = new Tensor(Int32Array.from([...src, ...dst, ...dst, ...src]), [2, 16], "int32");
  const batch = new Tensor(Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1]), [9], "int32");
  return [x, ei, batch];
}

function images(): unknown[] {
  manualSeed(12);
  return [randn([2, 1, 28, 28]).abs()];
}

/** Two molecules (5 and 4 atoms, species 1..8), positions in Å. */
function molecules(): unknown[] {
  manualSeed(13);
  const z = new Tensor(Int32Array.from([8, 6, 1, 1, 1, 7, 1, 1, 1]), [9], "int32");
  const pos = randn([9, 3]).mul(0.9);
  const batch = new Tensor(Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1]), [9], "int32");
  return [z, pos, batch];
}

/** A mesh (icosphere, 42 vertices) with xyz input features; the item is new each call. */
function mesh(): unknown[] {
  const item = new MeshItem("ico", icosphere(1), { label: 0 });
  const f = xyzFeatures({ augment: false });
  f.prepare?.(item);
  return [f.compute(item, false, new Generator(0)), item];
}

const CASES: Case[] = [
  {
    g: "graphs (permutations): GIN",
    model: "gin",
    kind: "graph-classification",
    info: { numFeatures: 5, numClasses: 3 },
    hyper: { hidden: 16, layers: 2 },
    inputs: graphs,
  },
  {
    g: "grids (translations): Z2CNN",
    model: "cnn",
    kind: "image-classification",
    info: { numFeatures: 1, numClasses: 10 },
    hyper: { hidden: 4, layers: 3 },
    inputs: images,
  },
  {
    g: "group p4 (G-CNN): P4CNN",
    model: "p4cnn",
    kind: "image-classification",
    info: { numFeatures: 1, numClasses: 10 },
    hyper: { hidden: 2, layers: 3 },
    inputs: images,
  },
  {
    g: "E(3) (tensor field network): NequIP-like",
    model: "nequip-like",
    kind: "molecule-regression",
    info: { numFeatures: 10, numTargets: 1 },
    hyper: { hidden: 4, layers: 2 },
    inputs: molecules,
  },
  {
    g: "E(3) (invariant messages): SchNet",
    model: "schnet",
    kind: "molecule-regression",
    info: { numFeatures: 10, numTargets: 1 },
    hyper: { hidden: 8, layers: 2 },
    inputs: molecules,
  },
  {
    g: "meshes (gauge SO(2)): GEM-CNN",
    model: "gem",
    kind: "mesh-classification",
    info: { numFeatures: 3, numClasses: 4 },
    hyper: { hidden: 4, layers: 1 },
    inputs: mesh,
  },
];

function prepare(model: Module, inputs: unknown[]): void {
  const item = inputs.find((x) => x instanceof MeshItem);
  const prep = (model as unknown as { prepare?: (it: MeshItem) => void }).prepare;
  if (item !== undefined && prep !== undefined) prep.call(model, item as MeshItem);
}

function run(model: Module, inputs: unknown[]): Tensor {
  prepare(model, inputs);
  return (model as unknown as { call(...a: unknown[]): Tensor }).call(...inputs);
}

describe("train → save → load → predict gives identical predictions (one model per G)", () => {
  for (const c of CASES)
    it(c.g, () => {
      const spec = getModel(c.model);
      const hp = resolveHyper(spec, c.kind, "roundtrip", { ...c.hyper, dropout: 0 });
      manualSeed(3);
      const info: DataInfo = { kind: c.kind, numClasses: 0, ...c.info };
      const model = spec.build(info, hp);
      // a few training steps on a fixed target: weights and running statistics leave their initial values
      const opt = new Adam(model.parameters(), { lr: 1e-2 });
      model.train();
      const x = c.inputs();
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad();
        const out = run(model, x);
        const target = randint(0, 2, out.shape).float();
        out.sub(target).pow(2).mean().backward();
        opt.step();
      }
      model.eval();
      const before = run(model, c.inputs());
      const saved = saveModel(model, {
        model: c.model,
        task: c.kind,
        hyper: { ...hp },
        info: { ...c.info },
      });
      const json = JSON.parse(JSON.stringify(saved.config));
      const loaded = loadModel({ config: json, weights: saved.weights.slice() });
      loaded.eval();
      const after = run(loaded, c.inputs());
      expect(after.shape).toEqual(before.shape);
      expect(Array.from(after.data)).toEqual(Array.from(before.data));
      expect(before.data.every(Number.isFinite)).toBe(true);
    });
});
