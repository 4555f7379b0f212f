// Runs a TypeScript file of this repository from source, with the same loader hooks the worker pool
// uses for its workers (src/node/ts_hooks.mjs: esbuild's transform, a development dependency):
//   node scripts/run-ts.mjs bench/large_graph.ts --nodes 1000000
import { register } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [file, ...rest] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: node scripts/run-ts.mjs FILE.ts [args...]");
  process.exit(2);
}
register(new URL("../src/node/ts_hooks.mjs", import.meta.url).href);
process.argv = [process.argv[0], resolve(file), ...rest];
await import(pathToFileURL(resolve(file)).href);
