/** The `erlangen` command line (Node only). Commands live in a registry; see `command.ts`. */
import { ErlangenError } from "../tensor/errors.js";
import { type CliIO, getCommand, listCommands, UsageError } from "./command.js";
import "./train.js";
import "./check.js";
import "./build.js";
import "./mesh_checks.js";

export { type CliIO, type Command, registerCommand, UsageError } from "./command.js";
export { type DatasetSpec, type ModelSpec, registerDataset, registerModel } from "./registry.js";

/** The default IO: console for lines, `process.stderr` for progress. */
export function processIO(): CliIO {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: process.stderr,
    cwd: process.cwd(),
  };
}

/** Text of `erlangen --help`. */
export function mainHelp(): string {
  const cmds = listCommands();
  const w = Math.max(...cmds.map((c) => c.name.length), 4);
  return [
    "usage: erlangen <command> [options]",
    "",
    "Geometric Deep Learning in TypeScript.",
    "",
    "commands:",
    ...cmds.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    "",
    "Run 'erlangen <command> --help' for the options of a command.",
  ].join("\n");
}

/**
 * Runs the CLI with the arguments after `erlangen` and returns the exit code:
 * 0 ok, 1 failure, 2 usage error. `io` defaults to the process streams (tests pass their own).
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    if (name === "help" && rest[0] !== undefined) {
      const cmd = getCommand(rest[0]);
      if (cmd !== undefined) {
        io.out(cmd.help());
        return 0;
      }
    }
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    io.out("erlangen 0.1.0");
    return 0;
  }
  const cmd = getCommand(name);
  if (cmd === undefined) {
    io.err(
      `erlangen: unknown command '${name}' (valid: ${listCommands()
        .map((c) => c.name)
        .join(", ")})`,
    );
    io.err("Run 'erlangen --help' for usage.");
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`erlangen ${e.command ?? name}: ${e.message}`);
      io.err(`Run 'erlangen ${e.command ?? name} --help' for usage.`);
      return 2;
    }
    if (e instanceof ErlangenError || e instanceof Error) {
      io.err(`erlangen ${name}: ${e.message}`);
      if (process.env.ERLANGEN_DEBUG && e.stack) io.err(e.stack);
      return 1;
    }
    io.err(`erlangen ${name}: ${String(e)}`);
    return 1;
  }
}
