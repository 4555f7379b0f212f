#!/usr/bin/env node
// The `erlangen` command. The implementation is compiled to dist/ by `npm install` (prepare). It first
// re-runs Node with the malloc tunables, the relaxed-SIMD flag and, with `--threads 1`, one GC thread where they are missing (src/node/relaunch.ts).
import { fileURLToPath } from "node:url";
import { runTuned, threadsArg } from "../dist/src/node/relaunch.js";

const argv = process.argv.slice(2);
if (runTuned(fileURLToPath(import.meta.url), argv, { threads: threadsArg(argv) })) {
  const { main } = await import("../dist/src/cli/main.js");
  main(argv).then(
    (code) => process.exit(code ?? 0),
    (err) => {
      console.error(err instanceof Error ? `erlangen: ${err.message}` : err);
      process.exit(1);
    },
  );
}
