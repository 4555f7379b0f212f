/**
 * `erlangen predict` and `erlangen evaluate` on a saved model folder (`erlangen train --save DIR`):
 *
 * - predict: reads new inputs in the format the model was trained on (its config's `schema.input`):
 *   graphs (CSV node table with `--edges`, edge list, JSON, graphology JSON, OGB folder), SMILES (CSV
 *   with a `smiles` column, or `.smi`/`.txt` with one SMILES per line), 3-D molecules (`.xyz`, JSON) or
 *   images (JSON arrays, or CSV rows of pixels); writes one row per node, edge pair, graph, molecule or
 *   image as CSV (default) or JSON: the predicted class with its probabilities, or the predicted values
 *   in the data's units.
 * - evaluate: scores the model on a dataset (shipped, or `--data`), on the split it was trained with
 *   (same seed by default) or on all of a file's items (`--split all`).
 */
import { writeFileSync } from "node:fs";
import { extname } from "node:path";
import { parseArgs } from "node:util";
import { formatCsv, parseCsv, parseNumberCell } from "../data/datasets/csv.js";
import { collateMolecules } from "../data/datasets/molecules.js";
import { parseGraphTask, type UserGraphs, type UserGraphTask } from "../data/datasets/user_graphs.js";
import { moleculeGraph } from "../data/datasets/xyz.js";
import { NodeDegree, NormalizeFeatures, OneHotDegree } from "../data/transforms/features.js";
import { Batch } from "../domains/graph/batch.js";
import type { Graph } from "../domains/graph/graph.js";
import type { Module } from "../nn/module.js";
import { loadModelDir } from "../node/model_dir.js";
import {
  readDataFile,
  readGraphFiles,
  readMoleculesFile,
  readSmiles3DFile,
  readSmilesFile,
} from "../node/user_data.js";
import { noGrad } from "../tensor/autograd.js";
import { ErlangenError } from "../tensor/errors.js";
import { softmax } from "../tensor/ops/reduce.js";
import { Tensor } from "../tensor/tensor.js";
import type { JsonValue, ModelConfig } from "../train/model_file.js";
import { Trainer } from "../train/trainer.js";
import { type CliIO, parseIntValue, registerCommand, UsageError } from "./command.js";
import { checkInput, checkOutputFile } from "./paths.js";
import { type DatasetLoadOptions, getDataset, type ProtocolRequest, savedModelTakesEdgeFeatures } from "./registry.js";
import { type Limits, loadWithLimits } from "./train.js";
import { loadUserData, USER_TASKS } from "./user_data.js";
import "../tensor/index.js";
import "./builtins.js";

/** One output row: its id columns and its values. */
interface Prediction {
  ids: Record<string, string>;
  values: Record<string, number | string>;
}

type Json = { [key: string]: JsonValue };

const strings = (v: JsonValue | undefined): string[] | null =>
  Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null;
const numbers = (v: JsonValue | undefined): number[] | null =>
  Array.isArray(v) && v.every((x) => typeof x === "number") ? (v as number[]) : null;

/** Model outputs → rows: classes with probabilities, or de-standardised values. */
function outputRows(out: Tensor, config: ModelConfig, ids: Record<string, string>[]): Prediction[] {
  const schema = config.schema as Json;
  const rows = out.shape[0]!;
  const C = out.ndim === 2 ? out.shape[1]! : 1;
  const regression = /regression|vector/.test(config.task);
  if (!regression) {
    const classes = strings(schema.classes) ?? Array.from({ length: C }, (_, c) => String(c));
    const p = softmax(out.cast("float64"), -1);
    return ids.map((id, r) => {
      let best = 0;
      for (let c = 1; c < C; c++) if (p.data[r * C + c]! > p.data[r * C + best]!) best = c;
      const values: Record<string, number | string> = { prediction: classes[best] ?? String(best) };
      for (let c = 0; c < C; c++) values[`p_${classes[c] ?? c}`] = round(p.data[r * C + c]!);
      return { ids: id, values };
    });
  }
  const norm = (schema.normalization ?? null) as { mean?: JsonValue; std?: JsonValue } | null;
  const mean = norm ? numbers(norm.mean) : null;
  const std = norm ? numbers(norm.std) : null;
  const names = strings(schema.targets) ?? Array.from({ length: C }, (_, t) => `y${t}`);
  if (rows !== ids.length) throw new ErlangenError(`predict: the model gave ${rows} rows for ${ids.length} inputs`);
  return ids.map((id, r) => {
    const values: Record<string, number | string> = {};
    for (let t = 0; t < C; t++) {
      let v = out.data[r * C + t]!;
      if (mean && std) v = v * std[t]! + mean[t]!;
      values[C === 1 ? (names[0] ?? "prediction") : (names[t] ?? `y${t}`)] = round(v);
    }
    return { ids: id, values };
  });
}

const round = (v: number) => Number(v.toPrecision(7));

function applyTransforms(graphs: Graph[], schema: Json): Graph[] {
  const ts = strings(schema.transforms) ?? [];
  let out = graphs;
  for (const t of ts) {
    if (t === "normalize-features") out = out.map((g) => new NormalizeFeatures().forward(g));
    else if (t === "degree")
      // the node degree as one scalar feature (the social TU sets' default input)
      out = out.map((g) => new NodeDegree({ cat: false }).forward(g));
    else if (t.startsWith("one-hot-degree:")) {
      const k = Number(t.slice("one-hot-degree:".length));
      out = out.map((g) => {
        const ei = g.edgeIndex.data;
        const deg = new Int32Array(g.numNodes);
        for (let e = 0; e < g.numEdges; e++) deg[ei[e]!]!++;
        for (let i = 0; i < g.numNodes; i++)
          if (deg[i]! > k)
            throw new ErlangenError(
              `predict: node ${i} has degree ${deg[i]}, above the model's ${k} (one-hot degree features)`,
            );
        return new OneHotDegree(k).forward(g);
      });
    } else throw new ErlangenError(`predict: unknown input transform '${t}' in the model's config`);
  }
  return out;
}

function checkFeatures(graphs: Graph[], config: ModelConfig): void {
  const F = Number(config.info.numFeatures);
  for (const [i, g] of graphs.entries()) {
    const w = g.x?.ndim === 2 ? g.x.shape[1]! : 1;
    if (w !== F)
      throw new ErlangenError(
        `predict: graph ${i} has ${w} node features, the model expects ${F}${
          strings((config.schema as Json).features)
            ? ` (${strings((config.schema as Json).features)!
                .slice(0, 8)
                .join(", ")}${F > 8 ? ", …" : ""})`
            : ""
        }`,
      );
  }
}

/** Runs a graph model on users' graphs, by the task's level. */
function predictGraphs(model: Module, config: ModelConfig, data: UserGraphs): Prediction[] {
  const schema = config.schema as Json;
  const graphs = applyTransforms(data.graphs, schema);
  checkFeatures(graphs, config);
  const level = /^node-/.test(config.task) ? "node" : /^edge-/.test(config.task) ? "edge" : "graph";
  const call = (...a: unknown[]) => (model.call as (...b: unknown[]) => Tensor)(...a);
  return noGrad(() => {
    if (level === "node") {
      const rows: Prediction[] = [];
      graphs.forEach((g, gi) => {
        const out = call(g.x, g.edgeIndex);
        const ids = data.nodeIds[gi]!.map(
          (n): Record<string, string> => (graphs.length > 1 ? { graph: data.graphIds[gi]!, node: n } : { node: n }),
        );
        rows.push(...outputRows(out, config, ids));
      });
      return rows;
    }
    if (level === "edge") {
      const rows: Prediction[] = [];
      graphs.forEach((g, gi) => {
        const pairs = g.get("edgeLabelIndex");
        if (pairs === null)
          throw new ErlangenError("predict: edge models need the pairs to score (the rows of the edge table)");
        const L = pairs.shape[1]!;
        const out = call(g.x, g.edgeIndex, pairs);
        const names = data.nodeIds[gi]!;
        const ids = Array.from({ length: L }, (_, e) => ({
          source: names[pairs.data[e]!]!,
          target: names[pairs.data[L + e]!]!,
        }));
        rows.push(...outputRows(out, config, ids));
      });
      return rows;
    }
    const edgeFeatures = savedModelTakesEdgeFeatures(config.model);
    const rows: Prediction[] = [];
    for (let b = 0; b < graphs.length; b += 256) {
      const part = graphs.slice(b, b + 256);
      const batch = Batch.fromGraphs(part);
      const out = edgeFeatures
        ? call(batch.x, batch.edgeIndex, batch.batch, batch.edgeAttr)
        : call(batch.x, batch.edgeIndex, batch.batch);
      const ids = part.map((_, k) => ({ id: data.graphIds[b + k] ?? String(b + k) }));
      rows.push(...outputRows(out, config, ids));
    }
    return rows;
  });
}

/** Runs an E(3) model on 3-D molecules (adds back the per-element references, rescales). */
async function predictMolecules(model: Module, config: ModelConfig, path: string): Promise<Prediction[]> {
  const schema = config.schema as Json;
  const ext = extname(path).toLowerCase();
  const mols = [".smi", ".txt", ".csv", ".tsv"].includes(ext) ? await readSmiles3DFile(path) : readMoleculesFile(path);
  const refs = numbers(schema.atomRefs);
  const scale = typeof schema.scale === "number" ? schema.scale : 1;
  const maxZ = Number(config.info.numFeatures) - 1;
  const names = strings(schema.targets) ?? ["y"];
  const rows: Prediction[] = [];
  noGrad(() => {
    for (let b = 0; b < mols.length; b += 128) {
      const part = mols.slice(b, b + 128);
      part.forEach((m, k) => {
        for (const z of m.z)
          if (z > maxZ)
            throw new ErlangenError(
              `predict: molecule ${b + k} (${m.name}) has element Z=${z}; the model knows Z ≤ ${maxZ}`,
            );
      });
      const batch = collateMolecules(part.map(moleculeGraph));
      const out = (model.call as (...a: unknown[]) => Tensor)(batch.get("z"), batch.get("pos"), batch.batch);
      const T = out.shape[1]!;
      part.forEach((m, k) => {
        let ref = 0;
        if (refs !== null) for (const z of m.z) ref += refs[z] ?? 0;
        const values: Record<string, number | string> = {};
        for (let t = 0; t < T; t++) {
          const v = out.data[k * T + t]! * scale + (config.task === "molecule-vector" ? 0 : ref);
          values[T === 1 ? (names[0] ?? "y") : (names[t] ?? `y${t}`)] = round(v);
        }
        rows.push({ ids: { id: m.name }, values });
      });
    }
  });
  return rows;
}

/** Reads images: JSON (a list of [H][W] or [C][H][W] arrays, or { images: [...] }) or CSV (one image per row). */
function readImages(path: string, shape: number[]): { x: Tensor; ids: string[] } {
  const [C, H, W] = [shape[0] ?? 1, shape[1] ?? 28, shape[2] ?? 28];
  const size = C * H * W;
  const ext = extname(path).toLowerCase();
  const flat: number[] = [];
  const ids: string[] = [];
  if (ext === ".json") {
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(readDataFile(path)));
    } catch (e) {
      throw new ErlangenError(`predict: ${path} is not valid JSON (${(e as Error).message})`);
    }
    const list = Array.isArray(raw) ? raw : (raw as { images?: unknown })?.images;
    if (!Array.isArray(list))
      throw new ErlangenError(`predict: ${path} expected a list of images or { images: [...] }`);
    list.forEach((img, i) => {
      const v = (Array.isArray(img) ? img : [img]).flat(3) as unknown[];
      if (v.length !== size)
        throw new ErlangenError(
          `predict: ${path} image ${i} has ${v.length} values, the model expects ${C}×${H}×${W} = ${size}`,
        );
      v.forEach((p, k) => {
        if (typeof p !== "number" || !Number.isFinite(p))
          throw new ErlangenError(`predict: ${path} image ${i} value ${k} expected a number, got ${JSON.stringify(p)}`);
        flat.push(p);
      });
      ids.push(String(i));
    });
  } else {
    const t = parseCsv(readDataFile(path), { file: path });
    const idCol = t.columns.indexOf("id");
    const cols = t.columns.map((_, k) => k).filter((k) => k !== idCol);
    if (cols.length !== size)
      throw new ErlangenError(
        `predict: ${path} has ${cols.length} pixel columns, the model expects ${C}×${H}×${W} = ${size}`,
      );
    t.rows.forEach((r, i) => {
      for (const k of cols) flat.push(parseNumberCell(r[k]!, { file: path, line: t.lines[i]!, column: t.columns[k]! }));
      ids.push(idCol >= 0 ? r[idCol]! : String(i));
    });
  }
  return { x: new Tensor(Float32Array.from(flat), [ids.length, C, H, W], "float32"), ids };
}

/** Predictions of a saved model on an input file (see the module docs). */
export async function predictFile(
  model: Module,
  config: ModelConfig,
  input: string,
  opts: { edges?: string } = {},
): Promise<Prediction[]> {
  const schema = config.schema as Json;
  const kind = schema.input;
  if (kind === "molecules3d") return await predictMolecules(model, config, input);
  if (kind === "images") {
    const shape = numbers(schema.shape) ?? [1, 28, 28];
    const { x, ids } = readImages(input, shape);
    const rows: Prediction[] = [];
    noGrad(() => {
      for (let b = 0; b < ids.length; b += 256) {
        const n = Math.min(256, ids.length - b);
        const out = (model.call as (a: Tensor) => Tensor)(x.narrow(0, b, n));
        rows.push(
          ...outputRows(
            out,
            config,
            ids.slice(b, b + n).map((id) => ({ id })),
          ),
        );
      }
    });
    return rows;
  }
  if (kind === "smiles") {
    let path = input;
    const ext = extname(input).toLowerCase();
    let mols: Awaited<ReturnType<typeof readSmilesFile>>;
    if (ext === ".smi" || ext === ".txt") {
      const lines = new TextDecoder()
        .decode(readDataFile(input))
        .split(/\r?\n/)
        .map((l) => l.trim().split(/\s+/)[0] ?? "")
        .filter((l) => l !== "");
      const rdkitCsv = `smiles\n${lines.map((l) => (/[",]/.test(l) ? `"${l.replace(/"/g, '""')}"` : l)).join("\n")}\n`;
      const { readSmilesCsv } = await import("../data/datasets/moleculenet.js");
      const { loadRDKit } = await import("../data/datasets/smiles.js");
      mols = readSmilesCsv(await loadRDKit(), rdkitCsv, { file: input, targets: [], task: taskOf(config) });
      path = input;
    } else mols = await readSmilesFile(path, { targets: [], task: taskOf(config) });
    const rows = predictGraphs(model, config, mols);
    return rows.map((r, i) => ({ ids: { smiles: mols.smiles[i]! }, values: r.values }));
  }
  if (kind === "graphs") {
    const schemaFeatures = strings(schema.features);
    const data = readGraphFiles(input, {
      task: taskOf(config),
      label: null,
      ...(opts.edges !== undefined ? { edges: opts.edges } : {}),
      ...(strings(schema.classes) ? { classes: strings(schema.classes)! } : {}),
      ...(schemaFeatures && !schemaFeatures.every((f) => /^x\d+$/.test(f)) && schemaFeatures[0] !== "constant"
        ? { features: schemaFeatures }
        : {}),
    });
    return predictGraphs(model, config, data);
  }
  throw new ErlangenError(
    `predict: the model's config has no known input kind (schema.input ${JSON.stringify(kind ?? null)}); it was saved without a data schema`,
  );
}

function taskOf(config: ModelConfig): UserGraphTask {
  const t = config.task;
  try {
    parseGraphTask(t);
    return t as UserGraphTask;
  } catch {
    throw new ErlangenError(`predict: task '${t}' of the model does not read graph files`);
  }
}

/** Writes rows as CSV or JSON. */
export function formatPredictions(rows: Prediction[], format: "csv" | "json"): string {
  if (format === "json")
    return `${JSON.stringify(
      rows.map((r) => ({ ...r.ids, ...r.values })),
      null,
      1,
    )}\n`;
  if (rows.length === 0) return "";
  const cols = [...Object.keys(rows[0]!.ids), ...Object.keys(rows[0]!.values)];
  return formatCsv(
    cols,
    rows.map((r) => cols.map((c) => r.ids[c] ?? r.values[c] ?? "")),
  );
}

const PREDICT_OPTIONS = {
  model: { type: "string", short: "m" },
  input: { type: "string", short: "i" },
  edges: { type: "string" },
  output: { type: "string", short: "o" },
  format: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function predictHelp(): string {
  return [
    "usage: erlangen predict --model DIR --input FILE [--edges FILE] [--output FILE] [--format csv|json]",
    "",
    "Runs a model saved by 'erlangen train --save DIR' on new data, in the format it was trained on:",
    "  graphs     node table .csv with --edges FILE, an edge list .csv, .json (PyG-style or graphology), OGB folder",
    "  SMILES     .csv with a smiles column, or .smi/.txt with one SMILES per line",
    "  molecules  3-D .xyz (one or many frames) or .json [{ z, pos }] (SchNet, EGNN, NequIP-like); SMILES",
    "             (.smi, or .csv with a smiles column) get hydrogens and 3-D coordinates by embedding",
    "  images     .json (a list of [H][W] or [C][H][W] arrays) or .csv (one image per row; optional id column)",
    "Writes one row per node, edge, graph, molecule or image: the predicted class and the class",
    "probabilities, or the predicted values in the data's units. CSV to stdout unless --output is given;",
    "the format follows --format, else the output's extension (.json or .csv).",
    "",
    "options:",
    "  -m, --model DIR      model folder (config.json + model.safetensors)",
    "  -i, --input FILE     data to predict on",
    "      --edges FILE     edge table for a node table given as --input",
    "  -o, --output FILE    write the predictions here (checked before the model runs)",
    "      --format F       csv or json",
    "  -h, --help           this help",
  ].join("\n");
}

function parse<T extends Record<string, { type: "string" | "boolean"; short?: string }>>(
  argv: string[],
  options: T,
  command: string,
): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, command);
    return values as Record<string, string | boolean | undefined>;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""), command);
  }
}

/** Runs `erlangen predict`; returns the exit code. */
export async function runPredict(argv: string[], io: CliIO): Promise<number> {
  const v = parse(argv, PREDICT_OPTIONS, "predict");
  if (v.help) {
    io.out(predictHelp());
    return 0;
  }
  const cwd = io.cwd ?? process.cwd();
  if (typeof v.model !== "string")
    throw new UsageError("missing --model DIR (a folder written by erlangen train --save)", "predict");
  if (typeof v.input !== "string") throw new UsageError("missing --input FILE", "predict");
  const dir = checkInput("--model", v.model, cwd, "predict");
  const input = checkInput("--input", v.input, cwd, "predict");
  const edges = typeof v.edges === "string" ? checkInput("--edges", v.edges, cwd, "predict") : undefined;
  const output = typeof v.output === "string" ? checkOutputFile("--output", v.output, cwd, "predict") : undefined;
  const fmt = (v.format as string | undefined) ?? (output !== undefined && /\.json$/i.test(output) ? "json" : "csv");
  if (fmt !== "csv" && fmt !== "json")
    throw new UsageError(`option '--format' expected csv or json, got '${fmt}'`, "predict");
  const { model, config } = await loadModelDir(dir);
  const rows = await predictFile(model, config, input, edges !== undefined ? { edges } : {});
  const text = formatPredictions(rows, fmt);
  if (output !== undefined) {
    writeFileSync(output, text);
    io.err(`${rows.length} predictions written to ${output}`);
  } else for (const line of text.replace(/\n$/, "").split("\n")) io.out(line);
  return 0;
}

const EVAL_OPTIONS = {
  model: { type: "string", short: "m" },
  dataset: { type: "string", short: "d" },
  data: { type: "string" },
  edges: { type: "string" },
  graphs: { type: "string" },
  task: { type: "string" },
  label: { type: "string" },
  split: { type: "string" },
  seed: { type: "string" },
  "data-root": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function evaluateHelp(): string {
  return [
    "usage: erlangen evaluate --model DIR (--dataset NAME | --data FILE [--task KIND]) [options]",
    "",
    "Scores a saved model on a dataset: by default the test part of the split it was trained with",
    "(same seed); --split all scores every item of --data.",
    "",
    "options:",
    "  -m, --model DIR      model folder (config.json + model.safetensors)",
    "  -d, --dataset NAME   a shipped dataset (erlangen train --help lists them)",
    "      --data FILE      your data (as for erlangen train); --task defaults to the model's",
    "      --edges FILE, --graphs FILE, --label COL   as for erlangen train",
    "      --split S        random, scaffold, given, or all (every item is scored)",
    "      --seed N         seed of a random split (default: the training run's)",
    "      --data-root DIR  read shipped datasets from DIR",
    "      --json           print the metrics as one JSON object",
    "  -h, --help           this help",
  ].join("\n");
}

/** The training's protocol request as saved by `erlangen train --save` (older folders have none). */
function savedRequest(r: JsonValue | undefined): { seeds: number; folds: number; seed: number } | null {
  if (r === null || r === undefined || typeof r !== "object" || Array.isArray(r)) return null;
  const { seeds, folds, seed } = r;
  const int = (x: JsonValue | undefined): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0;
  return int(seeds) && int(folds) && int(seed) && seeds >= 1 ? { seeds, folds, seed } : null;
}

/** Runs `erlangen evaluate`; returns the exit code. */
export async function runEvaluate(argv: string[], io: CliIO): Promise<number> {
  const v = parse(argv, EVAL_OPTIONS, "evaluate");
  if (v.help) {
    io.out(evaluateHelp());
    return 0;
  }
  const cwd = io.cwd ?? process.cwd();
  if (typeof v.model !== "string") throw new UsageError("missing --model DIR", "evaluate");
  if ((v.dataset === undefined) === (v.data === undefined))
    throw new UsageError("give --dataset NAME or --data FILE", "evaluate");
  const dir = checkInput("--model", v.model, cwd, "evaluate");
  const { model, config } = await loadModelDir(dir);
  const task = (v.task as string | undefined) ?? config.task;
  const seedFlag = parseIntValue("option '--seed'", v.seed as string | undefined, "evaluate", 0, 4_294_967_295);
  const trainedSeed = typeof config.training?.seed === "number" ? config.training.seed : 0;
  const splitFlag = v.split as string | undefined;
  if (splitFlag !== undefined && !["random", "scaffold", "given", "all"].includes(splitFlag))
    throw new UsageError(`option '--split' expected random, scaffold, given or all, got '${splitFlag}'`, "evaluate");
  // by default the data of the training run: its split, and (same dataset) its options and limits
  const training = config.training ?? {};
  const split = splitFlag ?? (typeof training.split === "string" ? training.split : undefined);
  let data: Awaited<ReturnType<typeof loadUserData>>;
  let name: string;
  let metric: string;
  if (typeof v.data === "string") {
    if (!USER_TASKS.includes(task))
      throw new UsageError(`option '--task' expected one of ${USER_TASKS.join(", ")}, got '${task}'`, "evaluate");
    data = await loadUserData({
      data: checkInput("--data", v.data, cwd, "evaluate"),
      task,
      ...(typeof v.edges === "string" ? { edges: checkInput("--edges", v.edges, cwd, "evaluate") } : {}),
      ...(typeof v.graphs === "string" ? { graphs: checkInput("--graphs", v.graphs, cwd, "evaluate") } : {}),
      ...(typeof v.label === "string" ? { label: v.label } : {}),
    });
    name = v.data;
    metric = task === "molecule-regression" ? "mae" : /regression/.test(task) ? "rmse" : "accuracy";
  } else {
    const ds = getDataset(v.dataset as string);
    const root =
      typeof v["data-root"] === "string" ? checkInput("--data-root", v["data-root"], cwd, "evaluate") : undefined;
    const opts: DatasetLoadOptions = {};
    const limits: Limits = {};
    if (training.dataset === ds.name) {
      const saved = training.datasetOptions;
      if (saved !== null && typeof saved === "object" && !Array.isArray(saved))
        for (const k of ds.options ?? []) {
          const o = saved[k];
          if (typeof o === "string") opts[k] = o;
        }
      const setting = saved !== null && typeof saved === "object" && !Array.isArray(saved) ? saved.setting : undefined;
      if (typeof setting === "string" && (ds.settings ?? []).includes(setting)) opts.setting = setting;
      const lim = training.limits;
      if (lim !== null && typeof lim === "object" && !Array.isArray(lim))
        for (const k of ["train", "test"] as const) {
          const n = lim[k];
          if (typeof n === "number" && Number.isInteger(n) && n >= 1) limits[k] = n;
        }
    }
    data = await loadWithLimits(ds, root, limits, opts);
    name = ds.name;
    metric = ds.metric;
  }
  if (data.info.kind !== config.task)
    throw new UsageError(`the model was trained for ${config.task}, the data is ${data.info.kind}`, "evaluate");
  const base = {
    ...(split !== undefined ? { split } : {}),
    edgeFeatures: savedModelTakesEdgeFeatures(config.model),
    saved: config.schema,
  };
  // the saved model's own run (same folds, seeds and first seed, matched by its label) when the
  // training request was saved and no --seed overrides it; else one run with the trained seed
  const saved = savedRequest(training.request);
  const sameData = typeof v.dataset === "string" && training.dataset === name && typeof training.run === "string";
  let req: ProtocolRequest = { seeds: 1, folds: 0, seed: seedFlag ?? trainedSeed, ...base };
  let run = data.runs(req)[0];
  if (saved !== null && sameData && seedFlag === undefined) {
    const full: ProtocolRequest = { ...saved, ...base };
    const match = data.runs(full).find((r) => r.label === training.run);
    if (match === undefined)
      throw new UsageError(
        `the saved run '${String(training.run)}' is not among the runs of '${name}' (${data.protocol(full)})`,
        "evaluate",
      );
    req = full;
    run = match;
  }
  if (run === undefined) throw new UsageError(`dataset '${name}' gave no run to evaluate`, "evaluate");
  const t = run.task(model, config.hyper as never);
  const trainer = new Trainer(model, t, { optimizer: { zeroGrad() {}, step() {} }, epochs: 0 });
  const parts = (t.splits ?? ["train", "val", "test"]).filter((s) => split !== "all" || s === "test");
  const results: Record<string, Record<string, number>> = {};
  for (const s of parts) results[s] = await trainer.evaluate(s);
  if (v.json)
    io.out(
      JSON.stringify({
        model: config.model,
        dataset: name,
        metric,
        protocol: data.protocol(req),
        run: run.label,
        results,
      }),
    );
  else {
    io.out(`${config.model} on ${name} (${data.protocol(req)}; ${run.label}):`);
    for (const [s, m] of Object.entries(results))
      io.out(
        `  ${s.padEnd(5)} ${Object.entries(m)
          .map(([k, x]) => `${k} ${x.toPrecision(5)}`)
          .join(", ")}`,
      );
  }
  return 0;
}

registerCommand({
  name: "predict",
  summary: "run a saved model (erlangen train --save) on new data; CSV or JSON predictions",
  help: predictHelp,
  run: runPredict,
});

registerCommand({
  name: "evaluate",
  summary: "score a saved model on a dataset or your data",
  help: evaluateHelp,
  run: runEvaluate,
});
