/**
 * The command registry of the `erlangen` CLI. Each command registers itself with a name, a one-line
 * summary, its help text and a `run` function; `main` dispatches on the first argument. Other
 * families add commands (e.g. `check`) by calling {@link registerCommand} from a module imported by
 * `src/cli/main.ts`.
 */
import type { ProgressSink } from "../train/progress.js";

/** Where a command writes: stdout, stderr, and a sink for progress (stderr by default). */
export interface CliIO {
  /** Writes one line (a newline is added) to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
  /** Progress output (a TTY gets a redrawn bar). */
  progress: ProgressSink;
  /** Working directory for relative paths (default `process.cwd()`). */
  cwd?: string;
}

/** A usage error: bad flags or values. `main` prints it with a hint and exits with code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose `--help` to suggest. */
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** A sub-command of `erlangen`. */
export interface Command {
  /** Name typed after `erlangen`. */
  readonly name: string;
  /** One line for `erlangen --help`. */
  readonly summary: string;
  /** Full help text for `erlangen <name> --help`. */
  help(): string;
  /** Runs the command; returns the exit code (0 ok, 1 failure, 2 usage error). */
  run(argv: string[], io: CliIO): Promise<number>;
}

const commands = new Map<string, Command>();

/** Adds (or replaces) a command. */
export function registerCommand(cmd: Command): void {
  commands.set(cmd.name, cmd);
}

/** The command named `name`, if registered. */
export function getCommand(name: string): Command | undefined {
  return commands.get(name);
}

/** All registered commands, by name. */
export function listCommands(): Command[] {
  return [...commands.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const DECIMAL_INT = /^\d+$/;
const DECIMAL_NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Parses an integer option or environment value: decimal digits only (no sign, exponent, fraction,
 * hex or separators: `0x10`, `1e1`, `1.0` and `+5` are refused) within `[min, max]` (default max
 * 2^53 − 1). `what` names it in the error (e.g. `option '--epochs'`); a bad value throws a
 * {@link UsageError} for `command`.
 */
export function parseIntValue(
  what: string,
  v: string | undefined,
  command: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!DECIMAL_INT.test(v) || !Number.isSafeInteger(x) || x < min || x > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER
        ? min === 0
          ? "a non-negative integer"
          : min === 1
            ? "a positive integer"
            : `an integer >= ${min}`
        : `an integer in [${min}, ${max}]`;
    throw new UsageError(`${what} expected ${range} (decimal digits), got '${v}'`, command);
  }
  return x;
}

/**
 * Parses a number option: decimal notation only (`1e-3`, `0.5`, `-2` are fine; `0x10`, `Infinity`,
 * `NaN` and empty strings are refused), then `check`ed; a bad value throws a {@link UsageError}.
 */
export function parseNumberValue(
  what: string,
  v: string | undefined,
  command: string,
  check: (x: number) => boolean,
  expected: string,
): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!DECIMAL_NUMBER.test(v) || !Number.isFinite(x) || !check(x))
    throw new UsageError(`${what} expected ${expected}, got '${v}'`, command);
  return x;
}
