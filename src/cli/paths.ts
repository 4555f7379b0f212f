/**
 * Path checks of the CLI, run before any work starts: an output file or folder must be writable where
 * it is asked for (its parent folder exists), an input must exist. Each failure is a usage error
 * naming the option and the path.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./command.js";

function parentOf(flag: string, path: string, command: string): string {
  const parent = dirname(path);
  if (!existsSync(parent))
    throw new UsageError(
      `option '${flag}': folder '${parent}' does not exist (for '${path}'); create it first`,
      command,
    );
  if (!statSync(parent).isDirectory())
    throw new UsageError(`option '${flag}': '${parent}' is not a folder (for '${path}')`, command);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new UsageError(`option '${flag}': folder '${parent}' is not writable`, command);
  }
  return parent;
}

/** Resolves an output file path and checks that it can be written (its folder exists; it is not a folder). */
export function checkOutputFile(flag: string, path: string, cwd: string, command: string): string {
  const p = resolve(cwd, path);
  parentOf(flag, p, command);
  if (existsSync(p) && statSync(p).isDirectory())
    throw new UsageError(`option '${flag}': '${p}' is a folder, expected a file name`, command);
  return p;
}

/** Resolves an output folder and checks that it can be created or written (it is not a file). */
export function checkOutputDir(flag: string, path: string, cwd: string, command: string): string {
  const p = resolve(cwd, path);
  if (existsSync(p)) {
    if (!statSync(p).isDirectory())
      throw new UsageError(`option '${flag}': '${p}' exists and is not a folder`, command);
    try {
      accessSync(p, constants.W_OK);
    } catch {
      throw new UsageError(`option '${flag}': folder '${p}' is not writable`, command);
    }
    return p;
  }
  parentOf(flag, p, command);
  return p;
}

/** Resolves an input path and checks that it exists. */
export function checkInput(flag: string, path: string, cwd: string, command: string): string {
  const p = resolve(cwd, path);
  if (!existsSync(p)) throw new UsageError(`option '${flag}': '${p}' does not exist`, command);
  return p;
}
