/**
 * Saved models: a JSON config (which model, its hyperparameters, the problem and data schema it was
 * trained on, the library version) and the weights as safetensors, from which the model is rebuilt
 * through a registry of builders (the `erlangen train` model families register theirs).
 *
 * Browser-safe: {@link saveModel} and {@link loadModel} work on objects and bytes; `erlangen/node`
 * writes and reads the two files of a model folder (`saveModelDir`, `loadModelDir`).
 *
 * ```ts
 * const saved = saveModel(model, { model: "gcn", task: "node-classification", hyper, info });
 * // saved.config → config.json, saved.weights → model.safetensors
 * const again = loadModel(saved); // same predictions
 * ```
 */
import { decodeSafetensors, saveSafetensors } from "../io/safetensors.js";
import type { Module } from "../nn/module.js";
import { ErlangenError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { VERSION } from "../version.js";

/** The `format` field of a model config. */
export const MODEL_FORMAT = "erlangen.model";
/** The config layout this library writes and reads; a larger number means a newer library wrote it. */
export const MODEL_FORMAT_VERSION = 1;
/** File names inside a model folder. */
export const MODEL_FILES = { config: "config.json", weights: "model.safetensors" } as const;

/** A JSON value (what a config may hold). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The JSON config of a saved model. */
export interface ModelConfig {
  format: typeof MODEL_FORMAT;
  /** Layout version ({@link MODEL_FORMAT_VERSION} when written by this library). */
  formatVersion: number;
  /** The library that wrote it, e.g. `erlangen 0.1.0`. */
  library: string;
  /** Registered model name (e.g. `gcn`, `p4cnn`, `schnet`), rebuilt through the builder registry. */
  model: string;
  /** Problem kind (e.g. `node-classification`, `graph-regression`). */
  task: string;
  /** Hyperparameters the model was built with (numbers, and switches such as GIN's `trainEps` or `aggr`). */
  hyper: Record<string, SavedHyperValue>;
  /** Sizes the model needs from the data (numFeatures, numClasses, numTargets, ...). */
  info: Record<string, number | string>;
  /**
   * How to read new inputs and how to report outputs: feature columns, class names, featuriser,
   * target normalisation, ... (written by the task that trained the model; opaque to this module).
   */
  schema: { [key: string]: JsonValue };
  /** The weights file: name, number of tensors and of scalars, dtypes. */
  weights: { file: string; tensors: number; values: number; dtypes: string[] };
  /** Free-form notes on the training run (dataset, metric, epochs, date). */
  training?: { [key: string]: JsonValue };
}

/** A saved model in memory: the config object and the safetensors bytes. */
export interface SavedModel {
  config: ModelConfig;
  weights: Uint8Array;
}

/** A hyperparameter value in a saved config: a finite number, a switch or a choice (e.g. `aggr: "sum"`). */
export type SavedHyperValue = number | boolean | string;

const isSavedHyperValue = (v: unknown): v is SavedHyperValue =>
  (typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean" || typeof v === "string";

/** What {@link saveModel} needs besides the module. */
export interface ModelDescription {
  model: string;
  task: string;
  hyper: Record<string, SavedHyperValue>;
  info: Record<string, number | string | undefined>;
  schema?: { [key: string]: JsonValue };
  training?: { [key: string]: JsonValue };
}

/** Rebuilds an untrained module from a config (its weights are loaded afterwards). */
export type ModelBuilder = (config: ModelConfig) => Module;

const builders = new Map<string, ModelBuilder>();

/** Registers how to rebuild model `name` (case-insensitive) from a config; replaces an earlier one. */
export function registerModelBuilder(name: string, build: ModelBuilder): void {
  builders.set(name.toLowerCase(), build);
}

/** Names with a registered builder. */
export function listModelBuilders(): string[] {
  return [...builders.keys()];
}

function fail(op: string, msg: string): never {
  throw new ErlangenError(`${op}: ${msg}`);
}

/**
 * Describes a model for saving: its config and its weights (the module's state dict, parameters and
 * persistent buffers) as safetensors bytes.
 */
export function saveModel(model: Module, desc: ModelDescription): SavedModel {
  const op = "saveModel";
  if (typeof desc?.model !== "string" || desc.model === "") fail(op, "argument 'desc.model' expected a model name");
  if (typeof desc.task !== "string" || desc.task === "") fail(op, "argument 'desc.task' expected a problem kind");
  const hyper: Record<string, SavedHyperValue> = {};
  for (const [k, v] of Object.entries(desc.hyper ?? {})) {
    if (!isSavedHyperValue(v))
      fail(op, `argument 'desc.hyper.${k}' expected a finite number, a boolean or a string, got ${JSON.stringify(v)}`);
    hyper[k] = v;
  }
  const info: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(desc.info ?? {})) if (v !== undefined) info[k] = v;
  const sd = model.stateDict();
  const tensors = Object.entries(sd);
  const dtypes = [...new Set(tensors.map(([, t]) => t.dtype))];
  const weights = saveSafetensors(sd, { format: MODEL_FORMAT, model: desc.model });
  const config: ModelConfig = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    library: `erlangen ${VERSION}`,
    model: desc.model,
    task: desc.task,
    hyper,
    info,
    schema: desc.schema ?? {},
    weights: {
      file: MODEL_FILES.weights,
      tensors: tensors.length,
      values: tensors.reduce((s, [, t]) => s + t.size, 0),
      dtypes,
    },
  };
  if (desc.training !== undefined) config.training = desc.training;
  return { config, weights };
}

/** The config as JSON text: two-space indents, arrays of plain values on one line (config.json). */
export function formatModelConfig(config: ModelConfig): string {
  const render = (v: unknown, indent: string): string => {
    if (Array.isArray(v)) {
      if (v.every((x) => x === null || typeof x !== "object")) return JSON.stringify(v);
      return `[\n${v.map((x) => `${indent}  ${render(x, `${indent}  `)}`).join(",\n")}\n${indent}]`;
    }
    if (typeof v === "object" && v !== null) {
      const es = Object.entries(v).filter(([, x]) => x !== undefined);
      if (es.length === 0) return "{}";
      return `{\n${es.map(([k, x]) => `${indent}  ${JSON.stringify(k)}: ${render(x, `${indent}  `)}`).join(",\n")}\n${indent}}`;
    }
    return JSON.stringify(v);
  };
  return `${render(config, "")}\n`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks a config (an object or its JSON text) and returns it typed. A config from a newer library
 * (larger `formatVersion`), of another format, or with fields of the wrong type is refused with an
 * error that says which.
 */
export function parseModelConfig(json: unknown): ModelConfig {
  const op = "loadModel";
  let raw = json;
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch (e) {
      fail(op, `config is not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isRecord(raw)) fail(op, "config expected a JSON object");
  if (raw.format !== MODEL_FORMAT)
    fail(
      op,
      `config is not an Erlangen model config: 'format' expected '${MODEL_FORMAT}', got ${JSON.stringify(raw.format ?? null)}`,
    );
  const v = raw.formatVersion;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    fail(op, `config 'formatVersion' expected a positive integer, got ${JSON.stringify(v ?? null)}`);
  if (v > MODEL_FORMAT_VERSION)
    fail(
      op,
      `config was written by a newer library (${String(raw.library ?? "unknown")}, model format ${v}); this is erlangen ${VERSION}, which reads model format ${MODEL_FORMAT_VERSION}: upgrade erlangen to load it`,
    );
  const str = (k: string): string => {
    const x = raw[k];
    if (typeof x !== "string" || x === "")
      fail(op, `config '${k}' expected a non-empty string, got ${JSON.stringify(x ?? null)}`);
    return x;
  };
  const rec = (k: string): Record<string, unknown> => {
    const x = raw[k] ?? {};
    if (!isRecord(x)) fail(op, `config '${k}' expected an object, got ${JSON.stringify(x)}`);
    return x;
  };
  const hyper: Record<string, SavedHyperValue> = Object.create(null);
  for (const [k, x] of Object.entries(rec("hyper"))) {
    if (!isSavedHyperValue(x))
      fail(op, `config 'hyper.${k}' expected a finite number, a boolean or a string, got ${JSON.stringify(x)}`);
    hyper[k] = x;
  }
  const info: Record<string, number | string> = Object.create(null);
  for (const [k, x] of Object.entries(rec("info"))) {
    if (!(typeof x === "string" || (typeof x === "number" && Number.isFinite(x))))
      fail(op, `config 'info.${k}' expected a number or a string, got ${JSON.stringify(x)}`);
    info[k] = x;
  }
  const w = rec("weights");
  const weights = {
    file: typeof w.file === "string" ? w.file : MODEL_FILES.weights,
    tensors: typeof w.tensors === "number" ? w.tensors : -1,
    values: typeof w.values === "number" ? w.values : -1,
    dtypes: Array.isArray(w.dtypes) ? w.dtypes.filter((d): d is string => typeof d === "string") : [],
  };
  const config: ModelConfig = {
    format: MODEL_FORMAT,
    formatVersion: v,
    library: typeof raw.library === "string" ? raw.library : "unknown",
    model: str("model"),
    task: str("task"),
    hyper,
    info,
    schema: rec("schema") as ModelConfig["schema"],
    weights,
  };
  if (raw.training !== undefined) config.training = rec("training") as ModelConfig["training"];
  return config;
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Builds the module from the config (default: the builder registered for `config.model`). */
  build?: ModelBuilder;
}

/**
 * Rebuilds a saved model: checks the config, builds the module (registered builder or `opts.build`),
 * loads the weights (every tensor must be present with its shape) and switches to eval mode.
 */
export function loadModel(
  saved: { config: unknown; weights: Uint8Array | ArrayBuffer },
  opts: LoadModelOptions = {},
): Module {
  const op = "loadModel";
  const config = parseModelConfig(saved?.config);
  const build = opts.build ?? builders.get(config.model.toLowerCase());
  if (build === undefined)
    fail(
      op,
      `no builder for model '${config.model}' (registered: ${listModelBuilders().join(", ") || "none"}); pass opts.build, or register one with registerModelBuilder (the erlangen CLI's model families do so when imported)`,
    );
  let tensors: Record<string, Tensor>;
  try {
    tensors = decodeSafetensors(saved.weights).tensors;
  } catch (e) {
    fail(op, `weights ${config.weights.file}: ${(e as Error).message}`);
  }
  const model = build(config);
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    fail(
      op,
      `the weights (${config.weights.file}) do not fit model '${config.model}' built from its config: ${(e as Error).message}`,
    );
  }
  model.eval();
  return model;
}
