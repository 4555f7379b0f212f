/**
 * Users' data for `erlangen train --data FILE --task KIND` and the MoleculeNet datasets:
 *
 * - graphs (CSV tables, JSON, graphology JSON, OGB folders) for node, edge and graph tasks;
 * - SMILES tables (a CSV with a `smiles` column) for graph tasks, through RDKit.js;
 * - 3-D molecules (`.xyz` or JSON `{ z, pos, y }`) for `molecule-regression` (SchNet, EGNN, NequIP-like);
 * - datasets `esol`, `freesolv`, `lipophilicity` (graph regression, RMSE; `--split random|scaffold`).
 *
 * Splits: the data's own (a `split` column, masks, OGB's split files) when present, else random
 * 80/10/10 drawn with each run's seed; `--split scaffold` groups molecules by Bemis–Murcko scaffold.
 * Regression targets are standardised on each run's training part; the statistics go into a saved
 * model's config so that `erlangen predict` reports values in the data's units.
 */
import { type SmilesGraphs, scaffoldSplit } from "../data/datasets/moleculenet.js";
import {
  type GivenSplit,
  parseGraphTask,
  randomSplit,
  type UserGraphs,
  type UserGraphTask,
} from "../data/datasets/user_graphs.js";
import { moleculeGraph } from "../data/datasets/xyz.js";
import type { Graph } from "../domains/graph/graph.js";
import type { Module } from "../nn/module.js";
import {
  hasSmilesColumn,
  loadMoleculeNet,
  readGraphFiles,
  readMoleculesFile,
  readSmiles3DFile,
  readSmilesFile,
} from "../node/user_data.js";
import { Generator } from "../tensor/rng.js";
import type { JsonValue } from "../train/model_file.js";
import { moleculeRegressionTask, targetNormalisation } from "../train/molecules.js";
import {
  edgeLevelTask,
  graphLevelTask,
  graphTargets,
  type IndexSplit,
  nodeLevelTask,
  type TargetStats,
  targetStats,
} from "../train/user_tasks.js";
import { UsageError } from "./command.js";
import { type DataInfo, type LoadedDataset, type ProtocolRequest, type RunSpec, registerDataset } from "./registry.js";

/** What `--data` and its companion flags ask for. */
export interface UserDataRequest {
  /** The data file or folder (resolved). */
  data: string;
  task: string;
  edges?: string;
  graphs?: string;
  label?: string;
  features?: string[];
}

/** Problem kinds `--task` accepts. */
export const USER_TASKS: readonly string[] = [
  "node-classification",
  "node-regression",
  "edge-classification",
  "edge-regression",
  "graph-classification",
  "graph-regression",
  "molecule-regression",
];

const toJson = (s: TargetStats | null): JsonValue => (s === null ? null : { mean: s.mean, std: s.std });

function chooseSplit(
  req: ProtocolRequest,
  seed: number,
  n: number,
  given: GivenSplit | null,
  scaffolds: string[] | null,
  stratify?: ArrayLike<number>,
): { split: IndexSplit; name: string } {
  const kind = req.split ?? (given !== null ? "given" : "random");
  if (kind === "all") {
    if (req.saved === undefined) throw new UsageError("--split all is for erlangen evaluate (a saved model)", "train");
    return {
      split: { train: new Int32Array(0), test: Int32Array.from({ length: n }, (_, i) => i) },
      name: `all ${n} items`,
    };
  }
  if (kind === "given") {
    if (given === null)
      throw new UsageError("--split given: the data has no split (a split column, masks or OGB split files)", "train");
    return { split: given, name: "the data's own split" };
  }
  if (kind === "scaffold") {
    if (scaffolds === null) throw new UsageError("--split scaffold needs molecules (SMILES data)", "train");
    return { split: scaffoldSplit(scaffolds), name: "Bemis–Murcko scaffold split 80/10/10 (DeepChem order)" };
  }
  if (kind !== "random")
    throw new UsageError(
      `option '--split' expected random, scaffold${req.saved ? ", given or all" : " or given"}, got '${kind}'`,
      "train",
    );
  return {
    split: randomSplit(n, { seed, ...(stratify ? { stratify } : {}) }),
    name: `random 80/10/10 split (seeded per run${stratify ? ", stratified" : ""})`,
  };
}

/** The target normalisation of a saved model being evaluated, if any. */
function savedNormalization(req: ProtocolRequest): TargetStats | null {
  const n = req.saved?.normalization as { mean?: unknown; std?: unknown } | null | undefined;
  if (n === null || n === undefined || !Array.isArray(n.mean) || !Array.isArray(n.std)) return null;
  return { mean: n.mean as number[], std: n.std as number[] };
}

function countSplit(s: IndexSplit): string {
  return `${s.train.length}/${s.val?.length ?? 0}/${s.test?.length ?? 0} train/val/test`;
}

/** A loaded dataset over users' graphs (or SMILES molecules). */
export function userGraphsDataset(
  data: UserGraphs | SmilesGraphs,
  task: UserGraphTask,
  opts: { source: string; input: "graphs" | "smiles" },
): LoadedDataset {
  const { level, regression } = parseGraphTask(task);
  const g0 = data.graphs[0];
  if (g0 === undefined) throw new UsageError(`${opts.source}: no graphs`, "train");
  const numFeatures = g0.x?.ndim === 2 ? g0.x.shape[1]! : 1;
  const edgeDim = g0.edgeAttr?.ndim === 2 ? g0.edgeAttr.shape[1]! : 0;
  for (const [i, g] of data.graphs.entries()) {
    if (g.x === null || g.x.dtype !== "float32" || (g.x.ndim === 2 ? g.x.shape[1] : 1) !== numFeatures)
      throw new UsageError(
        `${opts.source}: graph ${i} expected float node features with ${numFeatures} columns`,
        "train",
      );
  }
  const labels = (() => {
    if (level === "node") return g0.y;
    if (level === "edge") return g0.get("edgeLabel");
    return null;
  })();
  if (level !== "graph" && labels === null)
    throw new UsageError(`${opts.source}: a ${task} task needs ${level} labels`, "train");
  if (level === "graph" && data.graphs.some((g) => g.y === null))
    throw new UsageError(`${opts.source}: a ${task} task needs a label for every graph`, "train");
  const numTargets = regression
    ? level === "graph"
      ? (g0.y?.size ?? 1)
      : labels!.ndim === 2
        ? labels!.shape[1]!
        : 1
    : 0;
  const numClasses = regression ? 0 : (data.schema.classes?.length ?? 0);
  if (!regression && numClasses < 2)
    throw new UsageError(`${opts.source}: classification needs at least two classes, found ${numClasses}`, "train");
  const n = level === "node" ? g0.numNodes : level === "edge" ? labels!.shape[0]! : data.graphs.length;
  if (level !== "graph" && data.graphs.length > 1)
    throw new UsageError(`${opts.source}: ${level} tasks take one graph, got ${data.graphs.length}`, "train");
  const info: DataInfo = { kind: task, numFeatures, numClasses, numTargets, edgeFeatures: edgeDim };
  const scaffolds = "scaffolds" in data ? data.scaffolds : null;
  const stratify =
    regression || level === "graph"
      ? !regression && level === "graph"
        ? Int32Array.from(data.graphs, (g) => g.y!.data[0]!)
        : undefined
      : Int32Array.from(labels!.data);
  const baseSchema: { [key: string]: JsonValue } = {
    input: opts.input,
    task,
    features: data.schema.features,
    edgeFeatures: data.schema.edgeFeatures,
    label: data.schema.label,
    classes: data.schema.classes,
    targets: data.schema.targets,
    source: opts.source,
  };
  if (opts.input === "smiles") baseSchema.featurizer = "ogb-onehot";
  return {
    info,
    summary: `${data.graphs.length} graph${data.graphs.length > 1 ? "s" : ""}, ${data.graphs.reduce((a, g) => a + g.numNodes, 0)} nodes, ${numFeatures} node features${edgeDim > 0 ? `, ${edgeDim} edge features` : ""}, ${regression ? `${numTargets} target${numTargets > 1 ? "s" : ""}` : `${numClasses} classes`}`,
    protocol: (req) => {
      if (req.folds > 0)
        throw new UsageError("--folds is not available with --data (use --seeds and --split)", "train");
      return chooseSplit(req, req.seed, n, data.split, scaffolds, stratify).name;
    },
    runs: (req) =>
      Array.from({ length: req.seeds }, (_, i): RunSpec => {
        const seed = req.seed + i;
        const { split } = chooseSplit(req, seed, n, data.split, scaffolds, stratify);
        const savedStats = savedNormalization(req);
        let stats: TargetStats | null = null;
        return {
          label: `seed ${i + 1}/${req.seeds} (${countSplit(split)})`,
          seed,
          task: (_m: Module, hp) => {
            if (level === "node") {
              stats = regression
                ? (savedStats ?? targetStats(g0.y!.ndim === 1 ? g0.y!.reshape(g0.numNodes, 1) : g0.y!, split.train))
                : null;
              return nodeLevelTask({ graph: g0, split, regression, ...(stats ? { stats } : {}) });
            }
            if (level === "edge") {
              const y = labels!;
              stats = regression
                ? (savedStats ?? targetStats(y.ndim === 1 ? y.reshape(y.shape[0]!, 1) : y, split.train))
                : null;
              return edgeLevelTask({ graph: g0, split, regression, ...(stats ? { stats } : {}) });
            }
            stats = regression ? (savedStats ?? targetStats(graphTargets(data.graphs, split.train, true))) : null;
            return graphLevelTask({
              graphs: data.graphs,
              split,
              regression,
              batchSize: hp.batchSize,
              seed,
              ...(stats ? { stats } : {}),
              withEdgeAttr: req.edgeFeatures === true,
            });
          },
          schema: () => ({ normalization: toJson(stats) }),
        };
      }),
    schema: baseSchema,
  };
}

/** A loaded dataset over users' 3-D molecules (`molecule-regression`). */
export function userMoleculesDataset(graphs: Graph[], source: string): LoadedDataset {
  if (graphs.some((g) => g.get("y") === null))
    throw new UsageError(`${source}: molecule-regression needs a target y on every molecule`, "train");
  let maxZ = 0;
  let maxAtoms = 0;
  for (const g of graphs) {
    maxAtoms = Math.max(maxAtoms, g.numNodes);
    for (const z of g.get("z")!.data) maxZ = Math.max(maxZ, z);
  }
  const T = graphs[0]!.get("y")!.size;
  const info: DataInfo = { kind: "molecule-regression", numFeatures: maxZ + 1, numClasses: 0, numTargets: T, maxAtoms };
  return {
    info,
    summary: `${graphs.length} molecules, ${graphs.reduce((a, g) => a + g.numNodes, 0)} atoms (≤ ${maxAtoms}), ${T} target${T > 1 ? "s" : ""}`,
    protocol: (req) => {
      if (req.folds > 0)
        throw new UsageError("--folds is not available with --data (use --seeds and --split)", "train");
      return chooseSplit(req, req.seed, graphs.length, null, null).name;
    },
    runs: (req) =>
      Array.from({ length: req.seeds }, (_, i): RunSpec => {
        const seed = req.seed + i;
        const { split } = chooseSplit(req, seed, graphs.length, null, null);
        const pick = (idx: ArrayLike<number> | undefined) =>
          idx === undefined ? undefined : Array.from(idx, (k) => graphs[k]!);
        const train = pick(split.train)!;
        const saved = req.saved;
        const norm =
          saved !== undefined && typeof saved.scale === "number"
            ? {
                atomRefs: Array.isArray(saved.atomRefs) ? Float64Array.from(saved.atomRefs as number[]) : null,
                scale: saved.scale,
              }
            : targetNormalisation(train, maxZ, false);
        return {
          label: `seed ${i + 1}/${req.seeds} (${countSplit(split)})`,
          seed,
          task: (_m, hp) =>
            moleculeRegressionTask({
              train,
              val: pick(split.val),
              test: pick(split.test),
              batchSize: hp.batchSize,
              generator: new Generator(seed),
              atomRefs: norm.atomRefs,
              scale: norm.scale,
            }),
          schema: () => ({ atomRefs: norm.atomRefs ? Array.from(norm.atomRefs) : null, scale: norm.scale }),
        };
      }),
    schema: {
      input: "molecules3d",
      task: "molecule-regression",
      source,
      targets: Array.from({ length: T }, (_, t) => `y${t}`),
    },
  };
}

/** Loads `--data` (see the module docs) as a dataset for `erlangen train` / `evaluate`. */
export async function loadUserData(req: UserDataRequest): Promise<LoadedDataset> {
  if (!USER_TASKS.includes(req.task))
    throw new UsageError(`option '--task' expected one of ${USER_TASKS.join(", ")}, got '${req.task}'`, "train");
  const lower = req.data.toLowerCase().replace(/\.gz$/, "");
  if (req.task === "molecule-regression") {
    if (/\.(csv|tsv)$/.test(lower) && hasSmilesColumn(req.data)) {
      // SMILES: hydrogens added and atoms placed by the distance-geometry embedding
      const targets = req.label !== undefined ? req.label.split(",") : undefined;
      if (targets === undefined)
        throw new UsageError(`--task molecule-regression on SMILES needs --label COLUMN`, "train");
      const mols = await readSmiles3DFile(req.data, { targets });
      return userMoleculesDataset(mols.map(moleculeGraph), req.data);
    }
    if (!/\.(xyz|json)$/.test(lower))
      throw new UsageError(
        "--task molecule-regression reads 3-D molecules from .xyz, .json, or a .csv with a smiles column",
        "train",
      );
    return userMoleculesDataset(readMoleculesFile(req.data).map(moleculeGraph), req.data);
  }
  const task = req.task as UserGraphTask;
  if (/\.(csv|tsv)$/.test(lower) && req.edges === undefined && hasSmilesColumn(req.data)) {
    if (task !== "graph-regression" && task !== "graph-classification")
      throw new UsageError(
        `SMILES data (${req.data}) are for graph-regression or graph-classification, not ${task}`,
        "train",
      );
    const mols = await readSmilesFile(req.data, {
      task,
      targets: req.label !== undefined ? req.label.split(",") : undefined,
      scaffolds: true,
    });
    if (mols.schema.label === null)
      throw new UsageError(
        `${req.data}: no target column (name it label, y or target, or pass --label COLUMN)`,
        "train",
      );
    return userGraphsDataset(mols, task, { source: req.data, input: "smiles" });
  }
  const graphs = readGraphFiles(req.data, {
    task,
    ...(req.edges !== undefined ? { edges: req.edges } : {}),
    ...(req.graphs !== undefined ? { graphs: req.graphs } : {}),
    ...(req.label !== undefined ? { label: req.label } : {}),
    ...(req.features !== undefined ? { features: req.features } : {}),
  });
  return userGraphsDataset(graphs, task, { source: req.data, input: "graphs" });
}

function moleculeNet(name: "esol" | "freesolv" | "lipophilicity", title: string, unit: string): void {
  registerDataset({
    name,
    description: `MoleculeNet ${title} (${unit}), SMILES → graphs through RDKit.js; RMSE; --split random (default) or scaffold`,
    kind: "graph-regression",
    metric: "rmse",
    mode: "min",
    defaultSeeds: 3,
    options: ["split"],
    async load({ root }) {
      const mols = await loadMoleculeNet(name, root !== undefined ? { root } : {});
      const ds = userGraphsDataset(mols, "graph-regression", { source: name, input: "smiles" });
      return { ...ds, schema: { ...ds.schema, dataset: name, unit } };
    },
  });
}

moleculeNet("esol", "ESOL aqueous solubility", "log mol/L");
moleculeNet("freesolv", "FreeSolv hydration free energy", "kcal/mol");
moleculeNet("lipophilicity", "Lipophilicity logD", "logD");
