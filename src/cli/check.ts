/**
 * `erlangen check`: runs the equivariance checker on the built-in models and prints one row per model
 * and group — the largest relative error ‖f(g·x) − g·f(x)‖ / ‖g·f(x)‖ over the tested elements and
 * whether it is within tolerance. `--json` adds, as the last line of stdout, a JSON array of
 * `{model, group, samples, maxRelError, pass, expected}`.
 *
 * Models: the rotated-MNIST classifiers (`cnn` as a non-equivariant baseline, `p4cnn`, `p4mcnn`,
 * `c8cnn`, `e2cnn`, `e2cnn-k5` with 5×5 hidden kernels), the spherical-MNIST models under SO(3) (`s2cnn`,
 * `zonal`, `planar-cnn` as a baseline), the atomistic models (`schnet`, `egnn`, `nequip-like`, `cm-mlp`, `egnn-nbody`)
 * and the graph models of `erlangen train` (`gcn`, `gat`, `sage`, `gin`, `sgc`, `appnp`, `mlp`: node
 * permutation equivariance of the node-level model and, where the model also classifies graphs,
 * invariance of the graph-level model with its readout), built with a fixed seed and checked in eval
 * mode on small sample inputs.
 */
import { parseArgs } from "node:util";
import { gridModelChecks } from "../layers/groups/gcnn/checks.js";
import { GCNN, Z2CNN } from "../layers/groups/gcnn/models.js";
import {
  coulombMlpChecks,
  egnnNBodyChecks,
  egnnRegressorChecks,
  type ModelCheck,
  nequipChecks,
  schnetChecks,
} from "../layers/groups/models/checks.js";
import { CoulombMLP } from "../layers/groups/models/cm_mlp.js";
import { EGNNNBody, EGNNRegressor } from "../layers/groups/models/egnn.js";
import { NequIPLike } from "../layers/groups/models/nequip.js";
import { SchNet } from "../layers/groups/models/schnet.js";
import { E2CNN } from "../layers/groups/steerable/models.js";
import type { Module } from "../nn/module.js";
import { graphPermutationAction, nodePermutationAction } from "../symmetry/actions.js";
import { checkEquivariance } from "../symmetry/checker.js";
import { Cn, p4, p4m, Sn } from "../symmetry/groups.js";
import { randn } from "../tensor/creation.js";
import { Generator, manualSeed } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import { runSpecCheck } from "./build.js";
import { type CliIO, parseIntValue, registerCommand, UsageError } from "./command.js";
import { type DataInfo, getModel, listModels, type ProblemKind } from "./registry.js";
import { sphereCheckSpecs } from "./spheres.js";
import { resolveHyper } from "./train_args.js";
import "./graph_models.js";
import "../tensor/index.js";

/** A check of one model under one group, with its tolerance. */
export interface CheckCase {
  check: ModelCheck<unknown, unknown>;
  rtol: number;
  atol: number;
  elements?: unknown[];
  samples?: number;
  /** False for baselines that are not built to be equivariant (shown for contrast). */
  expected: boolean;
}

/**
 * A measurement reported next to the checks: how much a model's output changes under a transformation
 * that is not a symmetry it is built to have (e.g. remeshing the same surface, a near-isometric bend).
 * The number is reported, never compared with a tolerance.
 */
export interface MeasurementCase {
  /** What was done, e.g. `remeshing: midpoint subdivision (per-vertex outputs on the original vertices)`. */
  name: string;
  /** Short label for the group column, e.g. `remesh` or `bend`. */
  group: string;
  /** Runs the measurement: the relative change ‖f(T·x) − f(x)‖ / ‖f(x)‖ (largest over `samples`). */
  measure(): { relChange: number; samples: number };
}

/** A model `erlangen check` knows: its name, a description and a builder of its checks. */
export interface CheckSpec {
  model: string;
  description: string;
  cases(seed: number): CheckCase[];
  /** Measurements reported after the checks (not assertions). */
  measurements?(seed: number): MeasurementCase[];
}

const specs = new Map<string, CheckSpec>();

/** Adds a model to `erlangen check` (other families can register theirs). */
export function registerCheck(spec: CheckSpec): void {
  specs.set(spec.model.toLowerCase(), spec);
}

/** All registered checks, in registration order. */
export function listChecks(): CheckSpec[] {
  return [...specs.values()];
}

function built<M extends Module>(seed: number, make: () => M): M {
  manualSeed(seed);
  const m = make();
  m.eval();
  return m;
}

function gridSpec(
  model: string,
  description: string,
  make: () => Module,
  group: () => Parameters<typeof gridModelChecks>[2],
  expected = true,
): CheckSpec {
  return {
    model,
    description,
    cases: (seed) =>
      gridModelChecks(model, built(seed, make), group(), { expected }).map((c) => ({
        check: c as ModelCheck<unknown, unknown>,
        rtol: c.rtol,
        atol: 0,
        elements: c.elements,
        expected: c.expected,
      })),
  };
}

function atomsSpec(
  model: string,
  description: string,
  cases: (seed: number) => ModelCheck<never, unknown>[],
): CheckSpec {
  return {
    model,
    description,
    cases: (seed) =>
      cases(seed).map((c) => ({
        check: c as unknown as ModelCheck<unknown, unknown>,
        rtol: 1e-4,
        atol: 1e-6,
        samples: 4,
        expected: true,
      })),
  };
}

registerCheck(
  gridSpec(
    "cnn",
    "plain CNN (baseline, not equivariant): 90° rotations",
    () => new Z2CNN(),
    () => p4(),
    false,
  ),
);
registerCheck(
  gridSpec(
    "p4cnn",
    "P4CNN: exact invariance to 90° rotations",
    () => new GCNN({ group: p4() }),
    () => p4(),
  ),
);
registerCheck(
  gridSpec(
    "p4mcnn",
    "P4MCNN: exact invariance to 90° rotations and flips",
    () => new GCNN({ group: p4m() }),
    () => p4m(),
  ),
);
registerCheck(
  gridSpec(
    "c8cnn",
    "G-CNN for C8 (45° filters by interpolation): exact for 90°, approximate for 45°",
    () => new GCNN({ group: Cn(8) }),
    () => Cn(8) as never,
  ),
);
registerCheck(
  gridSpec(
    "e2cnn",
    "C8-steerable CNN: exact for 90°, approximate for 45°",
    () => new E2CNN({ group: Cn(8) }),
    () => Cn(8) as never,
  ),
);
registerCheck(
  gridSpec(
    "e2cnn-k5",
    "C8-steerable CNN with 5×5 hidden kernels (`train --model e2cnn --kernel-size 5 --hidden 7`): exact for 90°, approximate for 45°",
    () => new E2CNN({ group: Cn(8), hidden: 7, kernelSize: 5 }),
    () => Cn(8) as never,
  ),
);
registerCheck(
  atomsSpec(
    "schnet",
    "SchNet: E(3) and permutation invariance of the energy",
    (s) => schnetChecks(built(s, () => new SchNet())) as never,
  ),
);
registerCheck(
  atomsSpec(
    "egnn",
    "EGNN regressor: E(3) and permutation invariance",
    (s) => egnnRegressorChecks(built(s, () => new EGNNRegressor())) as never,
  ),
);
registerCheck(
  atomsSpec(
    "nequip-like",
    "NequIP-like: E(3) and permutation invariance",
    (s) => nequipChecks(built(s, () => new NequIPLike())) as never,
  ),
);
registerCheck(
  atomsSpec(
    "cm-mlp",
    "Coulomb-matrix MLP: E(3) and permutation invariance",
    (s) => coulombMlpChecks(built(s, () => new CoulombMLP())) as never,
  ),
);
registerCheck(
  atomsSpec(
    "egnn-nbody",
    "EGNN N-body: E(3) and permutation equivariance",
    (s) => egnnNBodyChecks(built(s, () => new EGNNNBody())) as never,
  ),
);

for (const spec of sphereCheckSpecs()) registerCheck(spec);

/** A small graph for the permutation checks: node features, a symmetric edge index, a batch vector. */
export interface GraphSample {
  x: Tensor;
  edgeIndex: Tensor;
  /** All zeros: one graph. */
  batch: Tensor;
}

/**
 * A seeded random undirected graph on `numNodes` nodes: a path through all nodes (connected) plus each
 * other pair with probability `p`, both directions listed; features drawn from N(0, 1).
 */
export function randomGraphSample(numNodes: number, numFeatures: number, seed: number, p = 0.25): GraphSample {
  const gen = new Generator(seed);
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < numNodes; i++) {
    for (let j = i + 1; j < numNodes; j++) {
      if (j === i + 1 || gen.uniform() < p) {
        src.push(i, j);
        dst.push(j, i);
      }
    }
  }
  const E = src.length;
  return {
    x: randn([numNodes, numFeatures], { generator: gen }),
    edgeIndex: new Tensor(Int32Array.from([...src, ...dst]), [2, E], "int32"),
    batch: new Tensor(new Int32Array(numNodes), [numNodes], "int32"),
  };
}

/** Forgets cached normalised adjacencies (transductive `cached` layers such as GCN's and SGC's). */
function clearGraphCaches(model: Module): void {
  for (const m of model.modules()) (m as { clearCache?: () => void }).clearCache?.();
}

const GRAPH_NODES = 10;
const GRAPH_FEATURES = 6;
const GRAPH_CLASSES = 3;

/**
 * The checks of a graph model of `erlangen train` (built by its registry entry with its default
 * hyperparameters): node permutations σ ∈ S_N act on the node features and relabel the edge index;
 * the node-level model must be equivariant (its output rows permute with σ) and the graph-level model
 * (readout + classifier) invariant. The sampled permutations come from the seeded generator.
 */
export function graphModelCases(name: string, seed: number): CheckCase[] {
  const spec = getModel(name);
  const group = Sn(GRAPH_NODES);
  const input = randomGraphSample(GRAPH_NODES, GRAPH_FEATURES, seed + 1);
  const build = (kind: ProblemKind) => {
    const info: DataInfo = { kind, numFeatures: GRAPH_FEATURES, numClasses: GRAPH_CLASSES };
    return built(seed, () => spec.build(info, resolveHyper(spec, kind, "check", {})));
  };
  const cases: CheckCase[] = [];
  const tol = { rtol: 1e-4, atol: 1e-6, samples: 4, expected: true };
  if (spec.kinds.includes("node-classification")) {
    const model = build("node-classification") as Module<[Tensor, Tensor], Tensor>;
    const check: ModelCheck<GraphSample, Tensor> = {
      name: "node permutation equivariance (node-level model)",
      group,
      inputAction: graphPermutationAction<GraphSample>(),
      outputAction: nodePermutationAction(),
      input,
      fn: (g) => {
        clearGraphCaches(model);
        return model.forward(g.x, g.edgeIndex);
      },
    };
    cases.push({ check: check as ModelCheck<unknown, unknown>, ...tol });
  }
  if (spec.kinds.includes("graph-classification")) {
    const model = build("graph-classification") as Module<[Tensor, Tensor, Tensor], Tensor>;
    const check: ModelCheck<GraphSample, Tensor> = {
      name: "node permutation invariance (graph-level model with readout)",
      group,
      inputAction: graphPermutationAction<GraphSample>(),
      input,
      fn: (g) => {
        clearGraphCaches(model);
        return model.forward(g.x, g.edgeIndex, g.batch);
      },
    };
    cases.push({ check: check as ModelCheck<unknown, unknown>, ...tol });
  }
  return cases;
}

const GRAPH_MODEL_NAMES = ["gcn", "gat", "sage", "gin", "sgc", "appnp", "mlp"];
for (const name of GRAPH_MODEL_NAMES) {
  const spec = listModels().find((m) => m.name === name);
  if (spec === undefined) continue;
  const levels = [
    spec.kinds.includes("node-classification") ? "node-level equivariance" : "",
    spec.kinds.includes("graph-classification") ? "graph-level invariance" : "",
  ].filter((x) => x !== "");
  registerCheck({
    model: name,
    description: `${spec.description}: node permutations (${levels.join(", ")})`,
    cases: (seed) => graphModelCases(name, seed),
  });
}

/** One row of the result. */
export interface CheckResult {
  model: string;
  group: string;
  samples: number;
  maxRelError: number;
  pass: boolean;
  expected: boolean;
  name: string;
  ms: number;
  /** A measurement (see {@link MeasurementCase}): `maxRelError` is the relative change, `pass` is false. */
  measured?: boolean;
}

/** Runs the checks of the given models (all when `models` is empty). */
export function runChecks(
  models: string[],
  opts: { seed?: number; samples?: number; onResult?: (r: CheckResult) => void } = {},
): CheckResult[] {
  const seed = opts.seed ?? 0;
  const chosen = models.length === 0 ? listChecks() : models.map((m) => specs.get(m.toLowerCase())!);
  const out: CheckResult[] = [];
  for (const spec of chosen) {
    for (const c of spec.cases(seed)) {
      const t0 = performance.now();
      const r = checkEquivariance(c.check.fn, {
        group: c.check.group,
        inputAction: c.check.inputAction,
        outputAction: c.check.outputAction,
        inputs: [c.check.input],
        elements: c.elements,
        samples: opts.samples ?? c.samples,
        atol: c.atol,
        rtol: c.rtol,
        seed,
      });
      const res: CheckResult = {
        model: spec.model,
        group: r.group,
        samples: r.samples.length,
        maxRelError: r.maxRelError,
        pass: r.pass,
        expected: c.expected,
        name: c.check.name,
        ms: performance.now() - t0,
      };
      opts.onResult?.(res);
      out.push(res);
    }
    for (const m of spec.measurements?.(seed) ?? []) {
      const t0 = performance.now();
      const r = m.measure();
      const res: CheckResult = {
        model: spec.model,
        group: m.group,
        samples: r.samples,
        maxRelError: r.relChange,
        pass: false,
        expected: false,
        name: m.name,
        ms: performance.now() - t0,
        measured: true,
      };
      opts.onResult?.(res);
      out.push(res);
    }
  }
  return out;
}

/**
 * The closing line of `erlangen check`: counts over all the rows printed, the required symmetry
 * checks and the controls (baselines and approximate symmetries, measured but not required) apart.
 */
export function summarizeChecks(results: readonly CheckResult[]): string {
  const required = results.filter((r) => r.expected);
  const controls = results.filter((r) => !r.expected && !r.measured);
  const measured = results.filter((r) => r.measured).length;
  const meas = measured === 0 ? "" : `; ${measured} measurement${measured === 1 ? "" : "s"} reported`;
  const failed = required.filter((r) => !r.pass);
  const rows = `${results.length} row${results.length === 1 ? "" : "s"}`;
  const req =
    required.length === 0
      ? "no required symmetry checks"
      : failed.length === 0
        ? required.length === 1
          ? "the 1 symmetry check passes"
          : `all ${required.length} symmetry checks pass`
        : `${failed.length} of ${required.length} symmetry checks FAILED: ${failed.map((r) => `${r.model}/${r.group}`).join(", ")}`;
  if (controls.length === 0) return `${rows}: ${req}${meas}`;
  const off = controls.filter((r) => !r.pass).length;
  const parts = [
    off > 0 ? `${off} not equivariant, as expected` : "",
    off < controls.length ? `${controls.length - off} within tolerance` : "",
  ].filter((x) => x !== "");
  return `${rows}: ${req}; ${controls.length} control${controls.length === 1 ? "" : "s"} (not required: ${parts.join(", ")})${meas}`;
}

/** Help text of `erlangen check`. */
export function checkHelp(): string {
  const list = listChecks();
  const w = Math.max(8, ...list.map((s) => s.model.length));
  return [
    "usage: erlangen check [--model NAME[,NAME…]] [--json] [--seed N] [--samples N]",
    "       erlangen check --spec spec.json [--json] [--seed N]",
    "",
    "Runs the equivariance checker on the built-in models: for each model and group, the largest",
    "relative error ‖f(g·x) − g·f(x)‖ / ‖g·f(x)‖ over the tested group elements, and PASS when it is",
    "within the check's tolerance (1e-4 for exact symmetries, 0.1 for interpolated rotations).",
    "Rows marked 'control' are measured but not required to pass: non-equivariant baselines and",
    "interpolated (approximate) symmetries ('not equivariant, as expected', or 'within tolerance').",
    "Rows marked 'measured' are measurements, not checks: the relative change of a mesh model's output",
    "under remeshing of the same surface or a near-isometric bend (reported, never compared with a tolerance).",
    "Exit code 1 when a model fails a symmetry it is built to have exactly.",
    "",
    "options:",
    "  -m, --model NAMES   only these models (comma-separated)",
    "      --json          print a JSON array [{model, group, samples, maxRelError, pass, expected, check, measured?}] as the last line",
    "      --seed N        seed for the models' initialisation and the sampled elements (default 0)",
    "      --samples N     group elements per check for infinite groups (default 4)",
    "      --list          list the models and exit",
    "      --spec FILE     check the model a blueprint spec builds (erlangen build --save-spec): every claim of its plan, layer by layer",
    "  -h, --help          this help",
    "",
    "models:",
    ...list.map((s) => `  ${s.model.padEnd(w)}  ${s.description}`),
  ].join("\n");
}

function fmtErr(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}

/** Runs `erlangen check`; returns the exit code. */
export async function runCheck(argv: string[], io: CliIO): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        model: { type: "string", short: "m" },
        json: { type: "boolean" },
        seed: { type: "string" },
        samples: { type: "string" },
        list: { type: "boolean" },
        spec: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message, "check");
  }
  if (values.help) {
    io.out(checkHelp());
    return 0;
  }
  if (values.list) {
    for (const s of listChecks()) io.out(`${s.model}\t${s.description}`);
    return 0;
  }
  if (typeof values.spec === "string") {
    const seed = parseIntValue("option '--seed'", values.seed as string | undefined, "check", 0, 4_294_967_295) ?? 0;
    return runSpecCheck(values.spec, io, { json: values.json === true, seed });
  }
  const models =
    typeof values.model === "string"
      ? values.model
          .split(",")
          .map((m) => m.trim())
          .filter((m) => m !== "")
      : [];
  for (const m of models) {
    if (!specs.has(m.toLowerCase()))
      throw new UsageError(
        `unknown model '${m}' (valid: ${listChecks()
          .map((s) => s.model)
          .join(", ")})`,
        "check",
      );
  }
  const seed = parseIntValue("option '--seed'", values.seed as string | undefined, "check", 0, 4_294_967_295) ?? 0;
  const samples = parseIntValue("option '--samples'", values.samples as string | undefined, "check", 1, 10_000);
  const json = values.json === true;
  const print = (line: string) => (json ? io.err(line) : io.out(line));
  const head = ["model", "group", "samples", "max rel error", "result", "check"];
  const widths = [12, 9, 7, 13, 37];
  const row = (cells: string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join("  ");
  print(row(head));
  const results = runChecks(models, {
    seed,
    samples,
    onResult: (r) => {
      const status = r.measured
        ? "measured (not a check)"
        : r.expected
          ? r.pass
            ? "PASS"
            : "FAIL"
          : r.pass
            ? "control: within tolerance"
            : "control: not equivariant, as expected";
      print(
        row([r.model, r.group, String(r.samples), fmtErr(r.maxRelError), status, `${r.name} (${r.ms.toFixed(0)} ms)`]),
      );
    },
  });
  print(summarizeChecks(results));
  const failed = results.filter((r) => r.expected && !r.pass);
  if (json) {
    io.out(
      JSON.stringify(
        results.map((r) => ({
          model: r.model,
          group: r.group,
          samples: r.samples,
          maxRelError: r.maxRelError,
          pass: r.pass,
          expected: r.expected,
          check: r.name,
          ...(r.measured ? { measured: true } : {}),
        })),
      ),
    );
  }
  return failed.length === 0 ? 0 : 1;
}

registerCommand({
  name: "check",
  summary: "run the equivariance checker on the built-in models and print a table (--json for machines)",
  help: checkHelp,
  run: runCheck,
});
