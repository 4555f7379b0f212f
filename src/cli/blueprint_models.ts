/**
 * Models the blueprint builds for `erlangen train --blueprint spec.json`: the adapters from each
 * dataset kind's calling convention to the built model's input record, the kind's training
 * defaults, and the rebuild of a saved blueprint model (`erlangen train --blueprint … --save DIR`,
 * then `predict` / `evaluate` / `export`), which reads the filled-in spec from the saved config.
 */
import { blueprint } from "../blueprint/builder.js";
import type { BlueprintModel } from "../blueprint/model.js";
import type { BlueprintSpec } from "../blueprint/spec.js";
import { Module } from "../nn/module.js";
import { ErlangenError } from "../tensor/errors.js";
import { SparseMatrix } from "../tensor/sparse.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ModelConfig, registerModelBuilder } from "../train/model_file.js";
import { readSpecFile } from "./build.js";
import { UsageError } from "./command.js";
import type { DataInfo, Hyper, ModelSpec, ProblemKind } from "./registry.js";

/** What a dataset kind asks of a blueprint: domain and task, and how the trainer's call maps to the model's input. */
interface KindAdapter {
  domain: string;
  task: string;
  /** Fills the spec's input and output sizes from the dataset. */
  fill(spec: BlueprintSpec, info: DataInfo): void;
  /** The trainer's positional arguments → the built model's output. */
  call(model: BlueprintModel, args: unknown[]): Tensor;
}

function dense(x: unknown): Tensor {
  return x instanceof SparseMatrix ? x.toDense() : (x as Tensor);
}

const ADAPTERS: Record<string, KindAdapter> = {
  "node-classification": {
    domain: "graph",
    task: "node-classification",
    fill: (s, i) => {
      s.input = { ...s.input, scalars: s.input?.scalars ?? i.numFeatures };
      s.outputs ??= i.numClasses;
    },
    call: (m, [x, edgeIndex]) => m.forward({ x: dense(x), edgeIndex }),
  },
  "graph-classification": {
    domain: "graph",
    task: "graph-classification",
    fill: (s, i) => {
      s.input = { ...s.input, scalars: s.input?.scalars ?? i.numFeatures };
      s.outputs ??= i.numClasses;
    },
    call: (m, [x, edgeIndex, batch]) => m.forward({ x: dense(x), edgeIndex, batch }),
  },
  "graph-regression": {
    domain: "graph",
    task: "graph-regression",
    fill: (s, i) => {
      s.input = { ...s.input, scalars: s.input?.scalars ?? i.numFeatures };
      s.outputs ??= i.numTargets ?? 1;
    },
    call: (m, [x, edgeIndex, batch]) => m.forward({ x: dense(x), edgeIndex, batch }),
  },
  "image-classification": {
    domain: "grid2d",
    task: "graph-classification",
    fill: (s, i) => {
      s.input = { ...s.input, scalars: s.input?.scalars ?? i.numFeatures };
      s.outputs ??= i.numClasses;
    },
    call: (m, [x]) => m.forward(x),
  },
  "molecule-regression": {
    domain: "molecule",
    task: "graph-regression",
    fill: (s, i) => {
      s.input = { ...s.input, species: s.input?.species ?? i.numFeatures };
      s.outputs ??= i.numTargets ?? 1;
    },
    call: (m, [z, pos, batch]) => m.forward({ z, pos, batch }),
  },
  "molecule-vector": {
    domain: "molecule",
    task: "graph-vector",
    fill: (s, i) => {
      s.input = { ...s.input, species: s.input?.species ?? i.numFeatures };
      s.outputs ??= 1;
    },
    call: (m, [z, pos, batch]) => m.forward({ z, pos, batch }),
  },
  nbody: {
    domain: "pointcloud",
    task: "node-vector",
    // the particles' charges are charges (products q_i·q_j on the edges, as the EGNN paper) unless the
    // spec declares them as node scalars (`input.scalars`) or both
    fill: (s) => {
      const given = s.input?.scalars !== undefined || s.input?.charges !== undefined;
      s.input = { ...s.input, ...(given ? {} : { charges: 1 }), vectors: s.input?.vectors ?? 1 };
      s.outputs ??= 1;
    },
    // the model predicts each particle's displacement; the task wants positions
    call: (m, [pos, vel, charges, edgeIndex]) => {
      const p = pos as Tensor;
      const q = (charges as Tensor).reshape([(charges as Tensor).size, 1]);
      const out = m.forward({
        pos: p,
        vel,
        ...(m.spec.scalars > 0 ? { x: q } : {}),
        ...(m.spec.charges > 0 ? { charges: q } : {}),
        edgeIndex,
      });
      return out.add(p.dtype === out.dtype ? p : p.cast(out.dtype));
    },
  },
};

/** The trainer's view of a built model: positional arguments in, the built model's output out. */
class BlueprintAdapter extends Module<unknown[], Tensor> {
  constructor(
    readonly model: BlueprintModel,
    private readonly _call: (model: BlueprintModel, args: unknown[]) => Tensor,
  ) {
    super();
  }
  forward(...args: unknown[]): Tensor {
    return this._call(this.model, args);
  }
}

/** Training defaults of blueprint models per dataset kind (those of the hand-written models of that kind). */
const KIND_DEFAULTS: Record<string, Partial<Hyper>> = {
  "node-classification": { hidden: 64, layers: 2, dropout: 0.5, lr: 0.01, weightDecay: 5e-4, epochs: 200 },
  "graph-classification": {
    epochs: 350,
    lr: 0.01,
    weightDecay: 0,
    batchSize: 32,
    lrStep: 50,
    lrGamma: 0.5,
    dropout: 0.5,
    valFraction: 0,
  },
  "graph-regression": { epochs: 200, lr: 0.01, weightDecay: 0, batchSize: 32, dropout: 0 },
  "image-classification": { epochs: 8, lr: 1e-3, lrStep: 3, lrGamma: 0.5, weightDecay: 0, dropout: 0.3, batchSize: 64 },
  "molecule-regression": { epochs: 100, lr: 5e-4, weightDecay: 0, batchSize: 32, dropout: 0 },
  "molecule-vector": { epochs: 100, lr: 5e-4, weightDecay: 0, batchSize: 32, dropout: 0 },
  nbody: { epochs: 100, lr: 5e-4, weightDecay: 1e-12, batchSize: 100, dropout: 0 },
};

/**
 * The model spec `erlangen train --blueprint` trains: the spec file's model, with the domain, task,
 * input and output sizes filled in from the dataset where the file leaves them out (and checked
 * against it where it gives them). The spec's `seed` is dropped so each run's seed sets the
 * initialisation; its `options.dropout`, when absent, comes from `--dropout` or the kind's default.
 */
export function blueprintModelSpec(
  path: string,
  cwd: string | undefined,
  kind: ProblemKind,
  dataset: string,
): ModelSpec {
  const file = readSpecFile(path, cwd, "train");
  const ad = ADAPTERS[kind];
  if (ad === undefined)
    throw new UsageError(
      `--blueprint does not support datasets of kind '${kind}' (dataset '${dataset}'); kinds: ${Object.keys(ADAPTERS).join(", ")}`,
      "train",
    );
  const domain = String(file.domain ?? ad.domain).toLowerCase();
  const task = String(file.task ?? ad.task);
  const okDomain =
    domain === ad.domain ||
    (kind === "nbody" && domain === "pointcloud") ||
    (kind === "graph-classification" && domain === "graph");
  if (!okDomain || task !== ad.task)
    throw new UsageError(
      `the blueprint (${domain}, ${task}) does not fit dataset '${dataset}' (${kind}): it needs domain ${ad.domain} and task ${ad.task}`,
      "train",
    );
  let built: BlueprintSpec | undefined;
  return {
    name: `blueprint:${path}`,
    description: `built by the blueprint from ${path}`,
    kinds: [kind],
    hyperKeys: ["epochs", "lr", "weightDecay", "dropout", "batchSize"],
    defaults: () => KIND_DEFAULTS[kind] ?? {},
    build: (info: DataInfo, hp: Hyper) => {
      const spec: BlueprintSpec = { ...file, domain, task, input: { ...(file.input ?? {}) } };
      delete spec.seed;
      ad.fill(spec, info);
      spec.options = { ...(spec.options ?? {}), dropout: spec.options?.dropout ?? hp.dropout };
      let model: BlueprintModel;
      try {
        model = blueprint(spec).model;
      } catch (e) {
        throw new UsageError((e as Error).message.replace(/^blueprint: /, ""), "train");
      }
      built = spec;
      return new BlueprintAdapter(model, ad.call);
    },
    // saved as model "blueprint" with the filled-in spec, so `loadModelDir` rebuilds it without the file
    saved: () => ({ model: BLUEPRINT_MODEL, schema: { blueprint: JSON.parse(JSON.stringify(built ?? null)) } }),
  };
}

/** The model name of saved blueprint models (`erlangen train --blueprint … --save DIR`). */
export const BLUEPRINT_MODEL = "blueprint";

/**
 * Rebuilds a saved blueprint model from its config: the spec saved under `schema.blueprint` (input
 * and output sizes already filled in), for the config's task.
 */
function rebuildBlueprint(config: ModelConfig): Module {
  const ad = ADAPTERS[config.task];
  const spec = config.schema?.blueprint;
  if (ad === undefined)
    throw new ErlangenError(
      `loadModel: a blueprint model for task '${config.task}' (expected one of ${Object.keys(ADAPTERS).join(", ")})`,
    );
  if (spec === null || spec === undefined || typeof spec !== "object" || Array.isArray(spec))
    throw new ErlangenError("loadModel: config 'schema.blueprint' expected the blueprint spec (an object), got none");
  let model: BlueprintModel;
  try {
    model = blueprint(spec as unknown as BlueprintSpec).model;
  } catch (e) {
    throw new ErlangenError(`loadModel: the saved blueprint spec does not build: ${(e as Error).message}`);
  }
  return new BlueprintAdapter(model, ad.call);
}

registerModelBuilder(BLUEPRINT_MODEL, rebuildBlueprint);
