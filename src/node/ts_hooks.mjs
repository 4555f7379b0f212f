// Module hooks for worker threads started from the TypeScript sources (tests): `.js` imports that
// have a `.ts` file beside them resolve to it, and `.ts` files are transformed by esbuild (a
// development dependency). The built library (dist/) never loads this file.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (
    specifier.endsWith(".js") &&
    parent?.endsWith(".ts") &&
    (specifier.startsWith(".") || specifier.startsWith("file:"))
  ) {
    const url = new URL(specifier, parent);
    if (!existsSync(url)) {
      const ts = new URL(`${url.href.slice(0, -3)}.ts`);
      if (existsSync(ts)) return { url: ts.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

let esbuild;

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  esbuild ??= await import("esbuild");
  const path = fileURLToPath(url);
  const out = await esbuild.transform(readFileSync(path, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "es2022",
    sourcefile: path,
    sourcemap: "inline",
  });
  return { format: "module", source: out.code, shortCircuit: true };
}
