/**
 * Molecules from SMILES tables: {@link readSmilesCsv} (users' CSV files: a SMILES column and target
 * columns) and the MoleculeNet regression sets ESOL, FreeSolv and Lipophilicity
 * ({@link parseMoleculeNet}), with random and Bemis–Murcko scaffold splits ({@link scaffoldSplit},
 * DeepChem's ScaffoldSplitter: scaffold groups, largest first, fill train, then validation, then test).
 * Browser-safe; RDKit.js is passed in (see `loadRDKit`).
 */
import type { Graph } from "../../domains/graph/graph.js";
import { ErlangenError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { DatasetFormatError, type FileContent } from "./common.js";
import { csvColumn, parseCsv, parseNumberCell } from "./csv.js";
import { moleculeToGraph, oneHotOgb, parseMolecule, type RDKitModule, scaffoldOf } from "./smiles.js";
import type { GivenSplit, UserGraphs, UserGraphTask } from "./user_graphs.js";

/** Options of {@link readSmilesCsv}. */
export interface SmilesCsvOptions {
  /** `graph-regression` (default) or `graph-classification`. */
  task?: UserGraphTask;
  /** SMILES column (default `smiles`, any case). */
  smiles?: string;
  /** Target columns (default: `label`/`y`/`target` when present); empty for prediction inputs. */
  targets?: readonly string[];
  /** Skip rows RDKit cannot parse (listed in `skipped`) instead of failing (default false). */
  skipInvalid?: boolean;
  /** Also compute each molecule's Murcko scaffold (for scaffold splits). */
  scaffolds?: boolean;
  /** `onehot` (default): 174 atom and 13 bond one-hot columns; `ogb`: OGB's 9 + 3 categorical integers. */
  features?: "onehot" | "ogb";
  /** Class names (classification), e.g. a saved model's. */
  classes?: readonly string[];
  file?: string;
}

/** Molecules read from a SMILES table. */
export interface SmilesGraphs extends UserGraphs {
  smiles: string[];
  /** Bemis–Murcko scaffold SMILES per molecule (when asked for). */
  scaffolds: string[] | null;
  /** Rows that were skipped: 1-based line, the SMILES and why. */
  skipped: { line: number; smiles: string; reason: string }[];
}

/**
 * Reads a CSV with a SMILES column into molecular graphs (OGB `smiles2graph` features, one-hot by
 * default) with graph-level targets. A target cell that is not a number is an error naming its line.
 */
export function readSmilesCsv(rdkit: RDKitModule, content: FileContent, opts: SmilesCsvOptions = {}): SmilesGraphs {
  const file = opts.file ?? "molecules.csv";
  const task = opts.task ?? "graph-regression";
  if (task !== "graph-regression" && task !== "graph-classification")
    throw new ErlangenError(
      `readSmilesCsv: argument 'task' expected graph-regression or graph-classification, got '${task}'`,
    );
  const regression = task === "graph-regression";
  const table = parseCsv(content, { file });
  const smilesCol =
    opts.smiles ??
    table.columns.find((c) => c.toLowerCase() === "smiles") ??
    table.columns.find((c) => /smiles/i.test(c));
  if (smilesCol === undefined)
    throw new DatasetFormatError(
      file,
      null,
      `has no SMILES column (columns: ${table.columns.join(", ")}); name it smiles or pass its name`,
    );
  const ks = csvColumn(table, smilesCol);
  const targets = opts.targets ?? table.columns.filter((c) => ["label", "y", "target"].includes(c));
  const kt = targets.map((t) => csvColumn(table, t));
  const graphs: Graph[] = [];
  const smiles: string[] = [];
  const scaffolds: string[] | null = opts.scaffolds ? [] : null;
  const skipped: SmilesGraphs["skipped"] = [];
  const ids: string[] = [];
  let classes: string[] | null = opts.classes ? [...opts.classes] : null;
  const labelNames: string[] = [];
  table.rows.forEach((row, r) => {
    const line = table.lines[r]!;
    const s = row[ks]!.trim();
    let m: ReturnType<typeof parseMolecule>;
    try {
      if (s === "") throw new ErlangenError("empty SMILES");
      m = parseMolecule(rdkit, s, "SMILES");
    } catch (e) {
      if (opts.skipInvalid) {
        skipped.push({ line, smiles: s, reason: (e as Error).message });
        return;
      }
      throw e instanceof ErlangenError && !(e instanceof DatasetFormatError)
        ? new DatasetFormatError(file, line, (e as Error).message)
        : e;
    }
    let g = moleculeToGraph(m);
    if ((opts.features ?? "onehot") === "onehot") g = oneHotOgb(g);
    if (kt.length > 0) {
      if (regression) {
        const v = kt.map((k, j) => parseNumberCell(row[k]!, { file, line, column: targets[j]! }));
        g.set("y", new Tensor(Float32Array.from(v), [1, v.length], "float32"), "graph");
      } else labelNames.push(row[kt[0]!]!.trim());
    }
    graphs.push(g);
    smiles.push(s);
    ids.push(String(r));
    if (scaffolds !== null) scaffolds.push(scaffoldOf(rdkit, m));
  });
  if (!regression && kt.length > 0) {
    if (classes === null) {
      const uniq = [...new Set(labelNames)];
      const ints = uniq.every((u) => /^\d+$/.test(u) && Number(u) < 4096);
      classes = ints ? Array.from({ length: Math.max(...uniq.map(Number)) + 1 }, (_, c) => String(c)) : uniq.sort();
    }
    const index = new Map(classes.map((c, i) => [c, i]));
    graphs.forEach((g, i) => {
      const c = index.get(labelNames[i]!);
      if (c === undefined)
        throw new DatasetFormatError(
          file,
          null,
          `label ${JSON.stringify(labelNames[i])} is not one of the classes ${classes!.join(", ")}`,
        );
      g.set("y", new Tensor(Int32Array.of(c), [], "int32"), "graph");
    });
  }
  const features = (opts.features ?? "onehot") === "onehot" ? "ogb-onehot" : "ogb";
  return {
    graphs,
    schema: {
      task,
      features: [`smiles:${features}`],
      edgeFeatures: [`smiles:${features}`],
      label: targets[0] ?? null,
      classes,
      targets: regression ? [...targets] : null,
    },
    nodeIds: graphs.map((g) => Array.from({ length: g.numNodes }, (_, i) => String(i))),
    graphIds: ids,
    split: null,
    smiles,
    scaffolds,
    skipped,
  };
}

/** The MoleculeNet regression sets shipped in `datasets/molecules/moleculenet`. */
export const MOLECULENET = {
  esol: {
    file: "delaney-processed.csv",
    smiles: "smiles",
    target: "measured log solubility in mols per litre",
    unit: "log mol/L",
    title: "ESOL (Delaney) aqueous solubility",
  },
  freesolv: {
    file: "SAMPL.csv",
    smiles: "smiles",
    target: "expt",
    unit: "kcal/mol",
    title: "FreeSolv hydration free energy",
  },
  lipophilicity: {
    file: "Lipophilicity.csv",
    smiles: "smiles",
    target: "exp",
    unit: "logD",
    title: "Lipophilicity (octanol/water logD at pH 7.4)",
  },
} as const;

/** Names of {@link MOLECULENET}. */
export type MoleculeNetName = keyof typeof MOLECULENET;

/** Reads one MoleculeNet CSV (as shipped) into graphs with scaffolds (see {@link readSmilesCsv}). */
export function parseMoleculeNet(rdkit: RDKitModule, name: MoleculeNetName, content: FileContent): SmilesGraphs {
  const spec = MOLECULENET[name];
  if (spec === undefined)
    throw new ErlangenError(
      `parseMoleculeNet: argument 'name' expected one of ${Object.keys(MOLECULENET).join(", ")}, got '${name}'`,
    );
  return readSmilesCsv(rdkit, content, {
    file: spec.file,
    smiles: spec.smiles,
    targets: [spec.target],
    scaffolds: true,
    skipInvalid: true,
  });
}

/**
 * DeepChem's scaffold split: molecules grouped by Bemis–Murcko scaffold, groups sorted by size (largest
 * first, ties by first index, as DeepChem), then each whole group goes to train while train stays
 * within `fractions[0]`, else to validation within `fractions[0] + fractions[1]`, else to test. The
 * split is deterministic (seeds change only the model).
 */
export function scaffoldSplit(
  scaffolds: readonly string[],
  fractions: readonly [number, number, number] = [0.8, 0.1, 0.1],
): GivenSplit {
  const n = scaffolds.length;
  const groups = new Map<string, number[]>();
  scaffolds.forEach((s, i) => {
    let g = groups.get(s);
    if (g === undefined) groups.set(s, (g = []));
    g.push(i);
  });
  const sets = [...groups.values()].sort((a, b) => b.length - a.length || b[0]! - a[0]!);
  const trainCut = fractions[0] * n;
  const valCut = (fractions[0] + fractions[1]) * n;
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  for (const s of sets) {
    if (train.length + s.length > trainCut) {
      if (train.length + val.length + s.length > valCut) test.push(...s);
      else val.push(...s);
    } else train.push(...s);
  }
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { train: sorted(train), val: sorted(val), test: sorted(test) };
}
