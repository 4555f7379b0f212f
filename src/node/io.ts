/** Node-only file helpers for safetensors (`erlangen/node`). */
import { readFileSync, writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { decodeSafetensors, type SafetensorsFile, saveSafetensors } from "../io/safetensors.js";
import { ErlangenError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";

/** Something with tensors to save: a state dict, or a module (anything with `stateDict()`). */
export type Saveable = Record<string, Tensor> | Map<string, Tensor> | { stateDict(): Record<string, Tensor> };

function toTensors(source: Saveable): Record<string, Tensor> | Map<string, Tensor> {
  const s = source as { stateDict?: unknown };
  return typeof s.stateDict === "function"
    ? (source as { stateDict(): Record<string, Tensor> }).stateDict()
    : (source as Record<string, Tensor>);
}

/** Writes a module's state dict (or a state dict) to `path` as safetensors. */
export async function saveFile(path: string, source: Saveable, metadata?: Record<string, string>): Promise<void> {
  await writeFile(path, saveSafetensors(toTensors(source), metadata));
}

/** Synchronous {@link saveFile}. */
export function saveFileSync(path: string, source: Saveable, metadata?: Record<string, string>): void {
  writeFileSync(path, saveSafetensors(toTensors(source), metadata));
}

/** Decodes the bytes of the file at `path`; a malformed file's error names the path. */
function decodeFile(path: string, bytes: Uint8Array): SafetensorsFile {
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof ErlangenError) throw new ErlangenError(`${e.message} (file ${path})`);
    throw e;
  }
}

/** Reads the tensors of a safetensors file (pass them to `module.loadStateDict`). */
export async function loadFile(path: string): Promise<Record<string, Tensor>> {
  return decodeFile(path, await readFile(path)).tensors;
}

/** Synchronous {@link loadFile}. */
export function loadFileSync(path: string): Record<string, Tensor> {
  return decodeFile(path, readFileSync(path)).tensors;
}

/** Reads the tensors and the `__metadata__` of a safetensors file. */
export async function loadFileWithMetadata(path: string): Promise<SafetensorsFile> {
  return decodeFile(path, await readFile(path));
}
