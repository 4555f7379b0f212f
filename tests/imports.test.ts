/**
 * The import graph of `src/`: no module imports itself through a circle of value imports
 * (`import type` is erased at compile time and does not count); names are imported from the module
 * that defines them, not through `index.ts` barrels (ARCHITECTURE.md's import rule); layers reach
 * kernels and the autograd tape only through ops; and no runtime code outside `src/node` and
 * `src/cli` imports a `node:` module. The graph is read from the source
 * text, so the test needs no build. One rule for the AssemblyScript kernels too: no op code passed to an
 * inlined function.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      // AssemblyScript sources and the generated glue are built separately and never imported as modules
      if (name !== "assembly" && name !== "generated") sourceFiles(p, out);
    } else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** One `import … from "…"`, `export … from "…"` or side-effect `import "…"` of a module. */
interface ImportEdge {
  spec: string;
  /** Only types are imported (erased at run time). */
  typeOnly: boolean;
  /** The clause between `import`/`export` and `from` (empty for a side-effect import). */
  clause: string;
}

const IMPORT_RE =
  /(?:^|\n)[ \t]*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*"([^"]+)"|(?:^|\n)[ \t]*import\s+"([^"]+)"/g;

function importsOf(text: string): ImportEdge[] {
  const out: ImportEdge[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = (m[4] ?? m[5])!;
    const clause = (m[3] ?? "").trim();
    let typeOnly = m[2] !== undefined;
    if (!typeOnly && clause.startsWith("{") && clause.endsWith("}")) {
      const names = clause
        .slice(1, -1)
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      typeOnly = names.length > 0 && names.every((n) => n.startsWith("type "));
    }
    out.push({ spec, typeOnly, clause });
  }
  return out;
}

const files = sourceFiles(SRC);
const edges = new Map<string, ImportEdge[]>(files.map((f) => [f, importsOf(readFileSync(f, "utf8"))]));

function target(from: string, spec: string): string {
  return resolve(dirname(from), spec.replace(/\.js$/, ".ts"));
}

/** The strongly connected components with more than one module (or a self-import): the import circles. */
function circles(): string[][] {
  const graph = new Map<string, string[]>();
  for (const [f, es] of edges) {
    graph.set(
      f,
      es.filter((e) => !e.typeOnly && e.spec.startsWith(".")).map((e) => target(f, e.spec)),
    );
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || graph.get(v)!.includes(v)) found.push(comp.map((p) => relative(SRC, p)).sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("the import graph of src/", () => {
  it("reads every module and resolves every relative import", () => {
    expect(files.length).toBeGreaterThan(100);
    const missing: string[] = [];
    for (const [f, es] of edges) {
      for (const e of es) {
        // the WASM glue in generated/ is built at install (git-ignored)
        if (!e.spec.startsWith(".") || e.spec.includes("/generated/")) continue;
        const t = target(f, e.spec);
        if (!edges.has(t)) missing.push(`${relative(SRC, f)} -> ${e.spec}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("has no import circles", () => {
    expect(circles()).toEqual([]);
  });

  it("imports names from their defining modules: index.ts files are entry points, not imported by name", () => {
    const bad: string[] = [];
    for (const [f, es] of edges) {
      // index.ts files and the subpath entries (src/entries) are entry points: they re-export barrels
      if (f.endsWith("/index.ts") || relative(SRC, f).startsWith("entries/")) continue;
      for (const e of es) {
        if (!e.spec.startsWith(".") || e.clause === "") continue; // side-effect imports load op methods
        const t = target(f, e.spec);
        if (t.endsWith("/index.ts")) bad.push(`${relative(SRC, f)} -> ${e.spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("layers use ops: no layer imports a kernel or records its own backward pass", () => {
    const bad: string[] = [];
    for (const [f, es] of edges) {
      const rel = relative(SRC, f);
      if (!rel.startsWith("layers/")) continue;
      for (const e of es) {
        if (!e.spec.startsWith(".")) continue;
        const t = relative(SRC, target(f, e.spec));
        if (t.startsWith("kernels/")) bad.push(`${rel} imports ${t}`);
        if (t === "tensor/autograd.ts" && /\brecord\b/.test(e.clause)) bad.push(`${rel} imports record`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("keeps node: imports in src/node and src/cli", () => {
    const bad: string[] = [];
    for (const [f, es] of edges) {
      const rel = relative(SRC, f);
      if (rel.startsWith("node/") || rel.startsWith("cli/")) continue;
      for (const e of es) if (e.spec.startsWith("node:") && !e.typeOnly) bad.push(`${rel} imports ${e.spec}`);
    }
    expect(bad).toEqual([]);
  });
});

describe("AssemblyScript sources", () => {
  it("pass no op code to an inlined function: a loop shared by a family of ops is a generic over op markers", () => {
    // asc does not fold an op code passed to an @inline function, so every call site would keep every
    // op's branch; with 17 unary ops inlined into each loop the four kernel builds took 6.5 min, not
    // 12 s (ARCHITECTURE.md, src/kernels/wasm/assembly/elementwise.ts)
    const dir = join(SRC, "kernels/wasm/assembly");
    const bad: string[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
      const text = readFileSync(join(dir, name), "utf8");
      for (const m of text.matchAll(/@inline function (\w+)(?:<[^>]*>)?\(([^)]*)\)/g))
        if (/\bop\s*:\s*i32\b/.test(m[2]!)) bad.push(`${name}: ${m[1]}(${m[2]!.replace(/\s+/g, " ").trim()})`);
    }
    expect(bad).toEqual([]);
  });
});
