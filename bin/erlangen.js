#!/usr/bin/env node
// The `erlangen` command. The implementation is compiled to dist/ by `npm install` (prepare). It first
// re-runs Node with the malloc tunables and the relaxed-SIMD flag where they are missing (src/node/relaunch.ts).
import { fileURLToPath } from "node:url";
import { runTuned } from "../dist/src/node/relaunch.js";

if (runTuned(fileURLToPath(import.meta.url), process.argv.slice(2))) {
  const { main } = await import("../dist/src/cli/main.js");
  main(process.argv.slice(2)).then(
    (code) => process.exit(code ?? 0),
    (err) => {
      console.error(err instanceof Error ? `erlangen: ${err.message}` : err);
      process.exit(1);
    },
  );
}
