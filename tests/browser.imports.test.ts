// The core must run in browsers: no Node-only imports outside src/node and src/cli.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../src/", import.meta.url).pathname;
const NODE_ONLY =
  /from\s+["'](node:[^"']+|fs|path|os|child_process|worker_threads|url|zlib|crypto|util)["']|import\(\s*["']node:/;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

describe("browser safety", () => {
  it("keeps Node-only imports in src/node and src/cli", () => {
    const offenders: string[] = [];
    for (const f of files(root)) {
      const rel = relative(root, f);
      if (rel.startsWith("node/") || rel.startsWith("cli/") || rel.startsWith("kernels/wasm/assembly/")) continue;
      const text = readFileSync(f, "utf8");
      text.split("\n").forEach((line, i) => {
        if (NODE_ONLY.test(line)) offenders.push(`src/${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it("the root entry does not import the Node entry", () => {
    const text = readFileSync(join(root, "index.ts"), "utf8");
    expect(text).not.toMatch(/\.\/(node|cli)\//);
  });
});
