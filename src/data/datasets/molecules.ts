/**
 * Molecule datasets with 3-D geometries (browser-safe parsers of bytes/text):
 *
 * - **QM7** (7101-molecule copy): atoms (H, C, N, O, S), positions in Å, PBE0 atomization energy in
 *   kcal/mol. No official split: {@link qm7Split} gives a fixed, seeded 80/20 split.
 * - **QM9 10k** (ppqm subset): atoms (H, C, N, O), positions in Å, RI-MP2 binding energy and
 *   ionization energy (Hartree) and the dipole vector (atomic units, same frame as the positions:
 *   an l=1 equivariant target), with the shipped 8000/1000/1000 split.
 *
 * Each molecule is a {@link Graph} with node attributes `z` (int32 `[N]`) and `pos` (float32 `[N, 3]`)
 * and the graph-level target `y` (float32 `[T]`); {@link collateMolecules} batches them.
 */
import { Batch } from "../../domains/graph/batch.js";
import { Graph } from "../../domains/graph/graph.js";
import { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { asText, bytesTo, DatasetFormatError, type FileContent, splitLines } from "./common.js";

/** The binary arrays shared by both datasets. */
export interface MoleculeFiles {
  /** `z.u8.bin`: atomic numbers. */
  z: Uint8Array;
  /** `pos.f32.bin`: positions `[atoms, 3]` in Å. */
  pos: Uint8Array;
  /** `atom_ptr.i32.bin`: atom offsets of the molecules `[molecules + 1]`. */
  atomPtr: Uint8Array;
  /** `molecules.csv`. */
  csv: FileContent;
}

/** A parsed molecule dataset. */
export interface MoleculeDataset {
  name: string;
  /** One graph per molecule (`z`, `pos`, `y`, and `idx`: the molecule's index). */
  graphs: Graph[];
  /** Names of the entries of `y`. */
  targetNames: string[];
  /** Unit of the targets, e.g. `kcal/mol`. */
  unit: string;
  /** Molecule names from the CSV (e.g. `0001.xyz`). */
  names: string[];
  numAtoms: number;
  /** Largest molecule. */
  maxAtoms: number;
  /** Largest atomic number. */
  maxZ: number;
  /** The shipped split (QM9), as molecule indices. */
  split?: { train: Int32Array; val: Int32Array; test: Int32Array };
}

interface Csv {
  header: string[];
  rows: string[][];
}

function parseCsv(content: FileContent, file: string): Csv {
  const lines = splitLines(asText(content, file));
  if (lines.length === 0) throw new DatasetFormatError(file, null, "is empty");
  const header = lines[0]!.split(",").map((s) => s.trim());
  const rows = lines.slice(1).map((l, i) => {
    const r = l.split(",");
    if (r.length !== header.length)
      throw new DatasetFormatError(file, i + 2, `expected ${header.length} columns, got ${r.length}`);
    return r;
  });
  return { header, rows };
}

function column(csv: Csv, name: string, file: string): number {
  const k = csv.header.indexOf(name);
  if (k < 0) throw new DatasetFormatError(file, 1, `missing column '${name}' (columns: ${csv.header.join(", ")})`);
  return k;
}

function num(csv: Csv, row: number, col: number, file: string): number {
  const v = Number(csv.rows[row]![col]);
  if (!Number.isFinite(v))
    throw new DatasetFormatError(
      file,
      row + 2,
      `expected a number in column '${csv.header[col]}', got '${csv.rows[row]![col]}'`,
    );
  return v;
}

/** Builds one graph per molecule from the binary arrays and per-molecule targets. */
function buildGraphs(
  name: string,
  files: MoleculeFiles,
  csv: Csv,
  csvFile: string,
  targets: (row: number) => number[],
): Omit<MoleculeDataset, "targetNames" | "unit" | "name" | "split"> {
  const ptr = bytesTo(Int32Array, files.atomPtr, `${name}/atom_ptr.i32.bin`);
  const M = ptr.length - 1;
  if (M < 0 || ptr[0] !== 0)
    throw new DatasetFormatError(`${name}/atom_ptr.i32.bin`, null, "expected offsets starting at 0");
  for (let m = 0; m < M; m++)
    if (!(ptr[m + 1]! > ptr[m]!))
      throw new DatasetFormatError(
        `${name}/atom_ptr.i32.bin`,
        null,
        `molecule ${m} has no atoms (offsets ${ptr[m]}, ${ptr[m + 1]}): offsets must increase`,
      );
  const A = ptr[M]!;
  const z = files.z;
  if (z.length !== A)
    throw new DatasetFormatError(`${name}/z.u8.bin`, null, `expected ${A} atoms (from atom_ptr), got ${z.length}`);
  const pos = bytesTo(Float32Array, files.pos, `${name}/pos.f32.bin`, 3 * A);
  if (csv.rows.length !== M)
    throw new DatasetFormatError(csvFile, null, `expected ${M} molecules (from atom_ptr), got ${csv.rows.length} rows`);
  const cn = column(csv, "num_atoms", csvFile);
  const cname = column(csv, "name", csvFile);
  const graphs: Graph[] = [];
  const names: string[] = [];
  let maxAtoms = 0;
  let maxZ = 0;
  for (let m = 0; m < M; m++) {
    const a = ptr[m]!;
    const b = ptr[m + 1]!;
    const n = b - a;
    if (num(csv, m, cn, csvFile) !== n)
      throw new DatasetFormatError(csvFile, m + 2, `num_atoms ${csv.rows[m]![cn]} disagrees with atom_ptr (${n})`);
    const zz = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      zz[i] = z[a + i]!;
      if (zz[i]! > maxZ) maxZ = zz[i]!;
    }
    const g = new Graph({
      z: new Tensor(zz, [n], "int32"),
      pos: new Tensor(pos.slice(3 * a, 3 * b), [n, 3], "float32"),
    });
    g.set("y", new Tensor(Float32Array.from(targets(m)), [targets(m).length], "float32"), "graph");
    g.set("idx", new Tensor(Int32Array.of(m), [], "int32"), "graph");
    graphs.push(g);
    names.push(csv.rows[m]![cname]!);
    maxAtoms = Math.max(maxAtoms, n);
  }
  return { graphs, names, numAtoms: A, maxAtoms, maxZ };
}

/** Target columns of QM7. */
export type QM7Target = "energy_pbe0_kcal_mol" | "energy_col3_kcal_mol";

/** Parses the QM7 copy; `target` defaults to the PBE0 atomization energy (kcal/mol). */
export function parseQM7(files: MoleculeFiles, opts: { target?: QM7Target } = {}): MoleculeDataset {
  const file = "qm7/molecules.csv";
  const csv = parseCsv(files.csv, file);
  const target = opts.target ?? "energy_pbe0_kcal_mol";
  const c = column(csv, target, file);
  const base = buildGraphs("qm7", files, csv, file, (m) => [num(csv, m, c, file)]);
  return { name: "QM7", targetNames: [target], unit: "kcal/mol", ...base };
}

/** Targets of the QM9 10k subset: one scalar, or the dipole vector (3 numbers). */
export type QM9Target = "binding_energy_hartree" | "ionization_energy_hartree" | "dipole_magnitude_au" | "dipole";

/** The parts of `split.json`. */
export function parseQM9Split(
  content: FileContent,
  numMolecules: number,
): { train: Int32Array; val: Int32Array; test: Int32Array } {
  const file = "qm9_ppqm10k/split.json";
  let j: unknown;
  try {
    j = JSON.parse(asText(content, file));
  } catch (e) {
    if (e instanceof DatasetFormatError) throw e;
    throw new DatasetFormatError(file, null, `is not valid JSON (${(e as Error).message})`);
  }
  if (typeof j !== "object" || j === null || Array.isArray(j))
    throw new DatasetFormatError(file, null, "expected a JSON object with arrays 'train', 'val' and 'test'");
  const part = (k: string): Int32Array => {
    const a = Object.hasOwn(j, k) ? (j as Record<string, unknown>)[k] : undefined;
    if (!Array.isArray(a)) throw new DatasetFormatError(file, null, `expected an array '${k}'`);
    const out = new Int32Array(a.length);
    a.forEach((v: unknown, i) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= numMolecules)
        throw new DatasetFormatError(
          file,
          null,
          `'${k}'[${i}] expected a molecule index in [0, ${numMolecules}), got ${JSON.stringify(v)}`,
        );
      out[i] = v;
    });
    return out;
  };
  return { train: part("train"), val: part("val"), test: part("test") };
}

/** Parses the QM9 10k subset with its split; `target` defaults to the binding energy (Hartree). */
export function parseQM9(
  files: MoleculeFiles & { split: FileContent },
  opts: { target?: QM9Target } = {},
): MoleculeDataset {
  const file = "qm9_ppqm10k/molecules.csv";
  const csv = parseCsv(files.csv, file);
  const target = opts.target ?? "binding_energy_hartree";
  const cols =
    target === "dipole"
      ? ["dipole_x_au", "dipole_y_au", "dipole_z_au"].map((k) => column(csv, k, file))
      : [column(csv, target, file)];
  const base = buildGraphs("qm9_ppqm10k", files, csv, file, (m) => cols.map((c) => num(csv, m, c, file)));
  const unit = target.endsWith("hartree") ? "Hartree" : "e·bohr";
  return {
    name: "QM9-10k",
    targetNames: target === "dipole" ? ["dipole_x_au", "dipole_y_au", "dipole_z_au"] : [target],
    unit,
    ...base,
    split: parseQM9Split(files.split, base.graphs.length),
  };
}

/** A fixed random split of `n` molecules: the first `trainFraction` of a seeded permutation is training. */
export function qm7Split(
  n: number,
  opts: { seed?: number; trainFraction?: number } = {},
): { train: Int32Array; test: Int32Array } {
  const f = opts.trainFraction ?? 0.8;
  const perm = new Generator(opts.seed ?? 0).permutation(n);
  const k = Math.round(f * n);
  return { train: perm.slice(0, k).sort(), test: perm.slice(k).sort() };
}

/** Batches molecule graphs (`z`, `pos`, `y`, `idx`, plus `batch`/`ptr`) with {@link Batch.fromGraphs}. */
export function collateMolecules(graphs: Graph[]): Batch {
  return Batch.fromGraphs(graphs);
}

/**
 * Per-element reference energies by least squares: `y ≈ Σ_atoms ref[z]` over the given molecules
 * (a small ridge keeps absent elements at 0). Subtracting them leaves the part a model must learn.
 * Returns a Float64Array indexed by atomic number (length maxZ + 1).
 */
export function fitAtomRefs(graphs: readonly Graph[], maxZ: number, target = 0, ridge = 1e-8): Float64Array {
  const K = maxZ + 1;
  const AtA = new Float64Array(K * K);
  const Atb = new Float64Array(K);
  const counts = new Float64Array(K);
  for (const g of graphs) {
    counts.fill(0);
    const z = g.get("z")!.data;
    for (let i = 0; i < z.length; i++) counts[z[i]!]!++;
    const y = g.get("y")!.data[target]!;
    for (let a = 0; a < K; a++) {
      if (counts[a] === 0) continue;
      Atb[a]! += counts[a]! * y;
      for (let b = 0; b < K; b++) AtA[a * K + b]! += counts[a]! * counts[b]!;
    }
  }
  for (let a = 0; a < K; a++) AtA[a * K + a]! += ridge * (1 + AtA[a * K + a]!);
  // Cholesky solve (AtA is symmetric positive definite after the ridge)
  const L = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j <= i; j++) {
      let s = AtA[i * K + j]!;
      for (let k = 0; k < j; k++) s -= L[i * K + k]! * L[j * K + k]!;
      L[i * K + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j * K + j]!;
    }
  }
  const w = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    let s = Atb[i]!;
    for (let k = 0; k < i; k++) s -= L[i * K + k]! * w[k]!;
    w[i] = s / L[i * K + i]!;
  }
  const x = new Float64Array(K);
  for (let i = K - 1; i >= 0; i--) {
    let s = w[i]!;
    for (let k = i + 1; k < K; k++) s -= L[k * K + i]! * x[k]!;
    x[i] = s / L[i * K + i]!;
  }
  return x;
}
