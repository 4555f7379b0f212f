/**
 * Model folders (`erlangen/node`): `config.json` and `model.safetensors`, as written by
 * `erlangen train --save DIR` and read by `erlangen predict|evaluate|export --model DIR`.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Module } from "../nn/module.js";
import { ErlangenError } from "../tensor/errors.js";
import {
  formatModelConfig,
  type LoadModelOptions,
  listModelBuilders,
  loadModel,
  MODEL_FILES,
  type ModelConfig,
  type ModelDescription,
  parseModelConfig,
  type SavedModel,
  saveModel,
} from "../train/model_file.js";

/** Writes a saved model (or a module with its description) into folder `dir` (created if missing). */
export function saveModelDir(dir: string, saved: SavedModel | { model: Module; desc: ModelDescription }): SavedModel {
  const s = "config" in saved ? saved : saveModel(saved.model, saved.desc);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new ErlangenError(`saveModelDir: '${dir}' exists and is not a folder`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MODEL_FILES.weights), s.weights);
  writeFileSync(join(dir, MODEL_FILES.config), formatModelConfig(s.config));
  return s;
}

/** Reads and checks the config and the weight bytes of a model folder (no model is built). */
export function readModelDir(dir: string): { config: ModelConfig; weights: Uint8Array } {
  if (!existsSync(dir)) throw new ErlangenError(`loadModel: model folder '${dir}' does not exist`);
  if (!statSync(dir).isDirectory())
    throw new ErlangenError(
      `loadModel: '${dir}' is not a folder (expected one with ${MODEL_FILES.config} and ${MODEL_FILES.weights})`,
    );
  const cfgPath = join(dir, MODEL_FILES.config);
  if (!existsSync(cfgPath)) throw new ErlangenError(`loadModel: '${dir}' has no ${MODEL_FILES.config}`);
  let config: ModelConfig;
  try {
    config = parseModelConfig(readFileSync(cfgPath, "utf8"));
  } catch (e) {
    throw new ErlangenError(`${(e as Error).message} (file ${cfgPath})`);
  }
  const file = config.weights.file;
  if (file.includes("/") || file.includes("\\") || file === ".." || file === ".")
    throw new ErlangenError(`loadModel: config 'weights.file' expected a file name inside the folder, got '${file}'`);
  const wPath = join(dir, file);
  if (!existsSync(wPath)) throw new ErlangenError(`loadModel: '${dir}' has no ${file} (the weights)`);
  const b = readFileSync(wPath);
  return { config, weights: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) };
}

/**
 * Rebuilds the model saved in folder `dir` (see `loadModel`). Builders of the `erlangen train` model
 * families are registered on first use when the config names one that is not registered yet.
 */
export async function loadModelDir(
  dir: string,
  opts: LoadModelOptions = {},
): Promise<{ model: Module; config: ModelConfig }> {
  const saved = readModelDir(dir);
  if (opts.build === undefined && !listModelBuilders().includes(saved.config.model.toLowerCase())) {
    // the CLI's families register their builders when imported (dynamic: only when needed)
    await import("../cli/builtins.js");
  }
  return { model: loadModel(saved, opts), config: saved.config };
}
