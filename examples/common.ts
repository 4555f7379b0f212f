/**
 * Small helpers shared by the examples: the options every `main` takes, a logger, and the check that
 * tells whether a module was started directly (`node dist/examples/<name>.js`) or imported (tests).
 */

/** Options of every example's `main`. */
export interface ExampleOptions {
  /** A quick run (fewer epochs, smaller data) for the test suite. */
  small?: boolean;
  /** Where progress lines go (default: nowhere; a direct run prints them). */
  log?: (line: string) => void;
}

/** The logger of `opts` (silent by default). */
export function logger(opts: ExampleOptions): (line: string) => void {
  return opts.log ?? (() => {});
}

/**
 * True when the module with URL `metaUrl` is the program Node was started with. No Node imports:
 * the path in `process.argv[1]` is compared with the module's file URL.
 */
export function isMain(metaUrl: string): boolean {
  const argv = (globalThis as { process?: { argv?: string[] } }).process?.argv;
  const script = argv?.[1];
  if (typeof script !== "string" || !metaUrl.startsWith("file:")) return false;
  const self = decodeURIComponent(new URL(metaUrl).pathname).replace(/\\/g, "/");
  let arg = script.replace(/\\/g, "/");
  if (!/\.[cm]?js$/.test(arg)) arg += ".js";
  return (
    self === arg ||
    self.endsWith(arg.startsWith("/") ? arg : `/${arg.replace(/^\.\//, "")}`) ||
    self.endsWith(`:${arg}`)
  );
}

/** Runs `main` and prints its summary as JSON when the module was started directly. */
export function runIfMain(metaUrl: string, main: (opts: ExampleOptions) => unknown | Promise<unknown>): void {
  if (!isMain(metaUrl)) return;
  const small = (globalThis as { process?: { argv?: string[] } }).process?.argv?.includes("--small") ?? false;
  Promise.resolve(main({ small, log: (l) => console.log(l) })).then(
    (summary) => console.log(JSON.stringify(summary, null, 2)),
    (e: unknown) => {
      console.error(e);
      const p = (globalThis as { process?: { exitCode?: number } }).process;
      if (p) p.exitCode = 1;
    },
  );
}

/** Milliseconds since `t0`, rounded. */
export function msSince(t0: number): number {
  return Math.round(performance.now() - t0);
}
