/**
 * `erlangen export --model DIR --onnx FILE`: writes a saved model (erlangen train --save) as an ONNX
 * file that ONNX Runtime (or any ONNX runtime) runs, and prints its inputs and outputs. Example inputs
 * for the export are made from the config: only their feature widths and image sizes matter; node,
 * edge, graph and batch counts stay dynamic in the file.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { exportOnnx } from "../interop/onnx/export.js";
import type { Module } from "../nn/module.js";
import { loadModelDir } from "../node/model_dir.js";
import { ErlangenError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import type { ModelConfig } from "../train/model_file.js";
import { type CliIO, registerCommand, UsageError } from "./command.js";
import { checkInput, checkOutputFile } from "./paths.js";
import { savedModelTakesEdgeFeatures } from "./registry.js";
import "./builtins.js";

const OPTIONS = {
  model: { type: "string", short: "m" },
  onnx: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function exportHelp(): string {
  return [
    "usage: erlangen export --model DIR --onnx FILE",
    "",
    "Writes a model saved by 'erlangen train --save DIR' as an ONNX file (opset 18) and prints its",
    "inputs and outputs. Graph models take x [N, F], edge_index [2, E] int64 (and batch [N] int64 for",
    "graph tasks, edge_attr for models with bond features, pairs [2, L] for edge tasks); image models",
    "x [B, C, H, W]; SchNet/EGNN z [N] int64, pos [N, 3], batch [N] int64. Node, edge, graph and batch",
    "counts are dynamic. Run it with ONNX Runtime (onnxruntime-node, onnxruntime-web, Python, C++).",
    "",
    "options:",
    "  -m, --model DIR   model folder (config.json + model.safetensors)",
    "      --onnx FILE   output file (.onnx)",
    "  -h, --help        this help",
  ].join("\n");
}

const zerosF = (shape: number[]) => new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, "float32");
const zerosI = (shape: number[]) => new Tensor(new Int32Array(shape.reduce((a, b) => a * b, 1)), shape, "int32");

/** Example inputs for a saved model's export (their sizes only). */
export function exampleInputs(config: ModelConfig, model: Module): Tensor[] {
  const task = config.task;
  const input = config.schema.input;
  const F = Number(config.info.numFeatures);
  if (input === "images") {
    const shape = Array.isArray(config.schema.shape) ? (config.schema.shape as number[]) : [F, 28, 28];
    return [zerosF([1, ...shape])];
  }
  if (input === "molecules3d") return [zerosI([2]), zerosF([2, 3]), zerosI([2])];
  const x = zerosF([2, F]);
  const ei = zerosI([2, 1]);
  if (/^graph-/.test(task)) {
    return savedModelTakesEdgeFeatures(config.model)
      ? [x, ei, zerosI([2]), zerosF([1, Number(config.info.edgeFeatures)])]
      : [x, ei, zerosI([2])];
  }
  if (/^edge-/.test(task)) return [x, ei, zerosI([2, 1])];
  if (/^node-/.test(task)) return [x, ei];
  throw new ErlangenError(`export: models for '${task}' (${model.constructor.name}) cannot be exported to ONNX`);
}

/** Runs `erlangen export`; returns the exit code. */
export async function runExport(argv: string[], io: CliIO): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const r = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
    values = r.values;
  } catch (e) {
    throw new UsageError((e as Error).message, "export");
  }
  if (values.help) {
    io.out(exportHelp());
    return 0;
  }
  const cwd = io.cwd ?? process.cwd();
  if (typeof values.model !== "string") throw new UsageError("missing --model DIR", "export");
  if (typeof values.onnx !== "string") throw new UsageError("missing --onnx FILE", "export");
  const dir = checkInput("--model", values.model, cwd, "export");
  const out = checkOutputFile("--onnx", values.onnx, cwd, "export");
  const { model, config } = await loadModelDir(dir);
  const { bytes, signature } = exportOnnx(model, exampleInputs(config, model), { name: config.model });
  writeFileSync(out, bytes);
  const fmt = (s: { name: string; dtype: string; shape: (number | string)[] }) =>
    `${s.name}: ${s.dtype} [${s.shape.join(", ")}]`;
  io.out(
    `${config.model} (${config.task}) written to ${out} (${bytes.length.toLocaleString("en-US")} bytes, opset 18)`,
  );
  io.out(`inputs:  ${signature.inputs.map(fmt).join("; ")}`);
  io.out(`outputs: ${signature.outputs.map(fmt).join("; ")}`);
  return 0;
}

registerCommand({
  name: "export",
  summary: "write a saved model as an ONNX file (runs in ONNX Runtime)",
  help: exportHelp,
  run: runExport,
});
