/** Node loaders of the shipped molecule datasets (QM7 copy, QM9 10k subset); parsing is in `data/datasets/molecules.ts`. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type MoleculeDataset,
  type MoleculeFiles,
  parseQM7,
  parseQM9,
  type QM7Target,
  type QM9Target,
} from "../data/datasets/molecules.js";
import { ErlangenError } from "../tensor/errors.js";
import { type DatasetRootOptions, datasetsRoot } from "./datasets.js";

function read(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new ErlangenError(`${what}: file not found: ${path}`);
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function moleculeFiles(dir: string, what: string): MoleculeFiles {
  return {
    z: read(join(dir, "z.u8.bin"), what),
    pos: read(join(dir, "pos.f32.bin"), what),
    atomPtr: read(join(dir, "atom_ptr.i32.bin"), what),
    csv: read(join(dir, "molecules.csv"), what),
  };
}

/**
 * Loads the QM7 copy (7101 molecules, 109,600 atoms; PBE0 atomization energies in kcal/mol) from
 * `<root>/molecules/qm7`. Use `qm7Split` for the fixed 80/20 split.
 */
export function loadQM7(opts: DatasetRootOptions & { target?: QM7Target } = {}): MoleculeDataset {
  return parseQM7(moleculeFiles(join(datasetsRoot(opts), "molecules", "qm7"), "loadQM7"), { target: opts.target });
}

/**
 * Loads the QM9 10k subset (181,193 atoms; MP2 binding/ionization energies in Hartree, dipole
 * vectors in atomic units) with its 8000/1000/1000 split from `<root>/molecules/qm9_ppqm10k`.
 */
export function loadQM9(opts: DatasetRootOptions & { target?: QM9Target } = {}): MoleculeDataset {
  const dir = join(datasetsRoot(opts), "molecules", "qm9_ppqm10k");
  return parseQM9(
    { ...moleculeFiles(dir, "loadQM9"), split: read(join(dir, "split.json"), "loadQM9") },
    { target: opts.target },
  );
}
