/**
 * `erlangen build`: the blueprint builder on the command line. `--domain D --group G --task T` (or
 * `--spec file.json`) prints the plan of the model the builder makes — every layer with its blueprint
 * step, representations and parameter count — as text, as JSON (`--json`) or as an SVG diagram
 * (`--svg file`); `--verify` runs the equivariance checker on every claim; `--save-spec file` writes
 * the spec for `erlangen train --blueprint`.
 *
 * Also here: `erlangen check --spec`. The model `erlangen train --blueprint spec.json` trains is in
 * `blueprint_models.ts`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { blueprint } from "../blueprint/builder.js";
import type { BlueprintModel } from "../blueprint/model.js";
import { planToJSON, planToSvg, planToText } from "../blueprint/plan.js";
import { type BlueprintSpec, DOMAIN_NAMES, DOMAINS, type GridLayout, groupsOf, tasksOf } from "../blueprint/spec.js";
import { formatVerifyReport, verifyBlueprint } from "../blueprint/verify.js";
import { type CliIO, parseIntValue, registerCommand, UsageError } from "./command.js";

/** Help text of `erlangen build`. */
export function buildHelp(): string {
  const w = Math.max(...DOMAIN_NAMES.map((d) => d.length));
  return [
    "usage: erlangen build --domain D --group G --task T [--params N | --width N] [--depth N] [options]",
    "       erlangen build --spec spec.json [options]",
    "",
    "The blueprint of Geometric Deep Learning as a command: name the domain, its symmetry group and the",
    "task, and the builder picks the G-equivariant linear layers, nonlinearities, pooling and the",
    "invariant (or equivariant) readout from the library's layers, and prints the plan.",
    "",
    "options:",
    "      --domain D        the domain (below)",
    "      --group G         translations, Cn (C4, C8, …), Dn (D4, …), p4, p4m, SO(2), O(2), Sn, SO(3), O(3), E(3), gauge",
    "      --task T          <level>-<kind>: level graph | node | edge, kind classification | regression | vector",
    "      --params N        parameter budget (met within 10 %)",
    "      --width N         channels / fields per layer (instead of --params)",
    "      --depth N         equivariant layers",
    "      --inputs N        scalar input channels (features per node, image channels, …)",
    "      --vectors N       vector input channels",
    "      --charges N       point clouds (E(3), O(3), SO(3)): charge channels, products q_i·q_j on the edges",
    "      --outputs N       classes (classification) or targets / vectors",
    "      --species N       molecules: size of the atom-type table",
    "      --layout L        2-D grids: torus (default; circular padding) or cohen-welling (the valid-convolution",
    "                        skeleton of the hand-written p4cnn / e2cnn: p4, p4m, Cn, Dn, image-level tasks)",
    "      --bandwidth N     spheres: input grid resolution b (signals on the 2b × 2b grid; default 8)",
    "      --seed N          seed of the initialisation",
    "      --spec FILE       read the spec from a JSON file (flags override its fields)",
    "      --json            print the plan as JSON",
    "      --svg FILE        write the plan as an SVG diagram",
    "      --save-spec FILE  write the spec as JSON (for erlangen train --blueprint / check --spec)",
    "      --verify          run the equivariance checker on every claim (float64 copy, per layer)",
    "  -h, --help            this help",
    "",
    "domains and the groups acting on them:",
    ...DOMAIN_NAMES.map((d) => `  ${d.padEnd(w)}  ${groupsOf(d).join(", ")}`),
    "",
    "tasks:",
    ...DOMAIN_NAMES.map((d) => {
      const fams = DOMAINS[d].groups;
      const all = [...new Set(fams.flatMap((f) => tasksOf(d, f)))];
      return `  ${d.padEnd(w)}  ${all.join(", ")}`;
    }),
    "",
    "example: erlangen build --domain grid2d --group p4 --task graph-classification --params 25000 --svg plan.svg",
  ].join("\n");
}

/** Reads a spec file (JSON). */
export function readSpecFile(path: string, cwd: string | undefined, command: string): BlueprintSpec {
  const file = resolve(cwd ?? process.cwd(), path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read the spec file '${path}': ${(e as Error).message}`, command);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`the spec file '${path}' is not valid JSON: ${(e as Error).message}`, command);
  }
  if (spec === null || typeof spec !== "object" || Array.isArray(spec))
    throw new UsageError(
      `the spec file '${path}' expected a JSON object, got ${Array.isArray(spec) ? "an array" : typeof spec}`,
      command,
    );
  return spec as BlueprintSpec;
}

/** Runs `erlangen build`; returns the exit code. */
export async function runBuild(argv: string[], io: CliIO): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        domain: { type: "string" },
        group: { type: "string" },
        task: { type: "string" },
        params: { type: "string" },
        width: { type: "string" },
        depth: { type: "string" },
        inputs: { type: "string" },
        vectors: { type: "string" },
        charges: { type: "string" },
        outputs: { type: "string" },
        species: { type: "string" },
        layout: { type: "string" },
        bandwidth: { type: "string" },
        seed: { type: "string" },
        spec: { type: "string" },
        json: { type: "boolean" },
        svg: { type: "string" },
        "save-spec": { type: "string" },
        verify: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message, "build");
  }
  if (values.help) {
    io.out(buildHelp());
    return 0;
  }
  const s = (k: string) => values[k] as string | undefined;
  const int = (k: string, min: number, max: number) => parseIntValue(`option '--${k}'`, s(k), "build", min, max);
  const base: Partial<BlueprintSpec> = s("spec") !== undefined ? readSpecFile(s("spec")!, io.cwd, "build") : {};
  const spec: BlueprintSpec = {
    ...base,
    domain: s("domain") ?? base.domain ?? "",
    group: s("group") ?? base.group ?? "",
    task: s("task") ?? base.task ?? "",
  } as BlueprintSpec;
  if (spec.domain === "") throw new UsageError(`missing --domain (valid: ${DOMAIN_NAMES.join(", ")})`, "build");
  if (spec.group === "") throw new UsageError("missing --group (e.g. p4, C8, Sn, E(3))", "build");
  if (spec.task === "") throw new UsageError("missing --task (e.g. graph-classification)", "build");
  const size = { ...(spec.size ?? {}) };
  const params = int("params", 1, 1e9);
  const width = int("width", 1, 4096);
  const depth = int("depth", 1, 64);
  if (params !== undefined && width !== undefined) throw new UsageError("give --params or --width, not both", "build");
  if (params !== undefined) {
    size.params = params;
    delete size.width;
  }
  if (width !== undefined) {
    size.width = width;
    delete size.params;
  }
  if (depth !== undefined) size.depth = depth;
  spec.size = size;
  const input = { ...(spec.input ?? {}) };
  const inputs = int("inputs", 0, 4096);
  const vectors = int("vectors", 0, 256);
  const species = int("species", 1, 1024);
  const charges = int("charges", 0, 256);
  if (inputs !== undefined) input.scalars = inputs;
  if (vectors !== undefined) input.vectors = vectors;
  if (species !== undefined) input.species = species;
  if (charges !== undefined) input.charges = charges;
  if (Object.keys(input).length > 0) spec.input = input;
  const bandwidth = int("bandwidth", 1, 64);
  if (bandwidth !== undefined) spec.options = { ...(spec.options ?? {}), bandwidth };
  const outputs = int("outputs", 1, 65_536);
  if (outputs !== undefined) spec.outputs = outputs;
  if (s("layout") !== undefined) spec.options = { ...(spec.options ?? {}), layout: s("layout") as GridLayout };
  const seed = int("seed", 0, 4_294_967_295);
  if (seed !== undefined) spec.seed = seed;
  let built: ReturnType<typeof blueprint>;
  try {
    built = blueprint(spec);
  } catch (e) {
    // a spec the builder refuses is a usage error (the message lists what is valid)
    throw new UsageError((e as Error).message.replace(/^blueprint: /, ""), "build");
  }
  const { model, plan } = built;
  if (values.json === true) io.out(planToJSON(plan));
  else io.out(planToText(plan));
  if (s("svg") !== undefined) {
    const file = resolve(io.cwd ?? process.cwd(), s("svg")!);
    writeFileSync(file, planToSvg(plan));
    io.err(`diagram written to ${file}`);
  }
  if (s("save-spec") !== undefined) {
    const file = resolve(io.cwd ?? process.cwd(), s("save-spec")!);
    writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
    io.err(`spec written to ${file}`);
  }
  if (values.verify === true) {
    const r = verifyBlueprint(model);
    const text = formatVerifyReport(r);
    for (const line of text.split("\n")) (values.json === true ? io.err : io.out)(line);
    return r.pass ? 0 : 1;
  }
  return 0;
}

registerCommand({
  name: "build",
  summary: "build a model from domain + group + task (the blueprint) and print its plan (--json, --svg)",
  help: buildHelp,
  run: runBuild,
});

/**
 * `erlangen check --spec spec.json`: builds the spec's model and runs every claim of its plan through
 * the checker (float64 copy, per layer). Returns the exit code (1 when an exact claim fails).
 */
export function runSpecCheck(path: string, io: CliIO, opts: { json: boolean; seed: number }): number {
  const spec = readSpecFile(path, io.cwd, "check");
  let model: BlueprintModel;
  try {
    model = blueprint(spec).model;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^blueprint: /, ""), "check");
  }
  const r = verifyBlueprint(model, { seed: opts.seed });
  const print = (line: string) => (opts.json ? io.err(line) : io.out(line));
  print(
    `${model.spec.domain} · ${model.spec.group.name} · ${model.spec.task}: ${r.claims.length} claim${r.claims.length === 1 ? "" : "s"}`,
  );
  for (const line of formatVerifyReport(r).split("\n")) print(line);
  if (opts.json) io.out(JSON.stringify(r));
  return r.pass ? 0 : 1;
}
