#!/usr/bin/env node
/**
 * Browser smoke test: serves the repository on 127.0.0.1 (a random free port), opens
 * examples/browser/index.html in headless Chromium, waits for the page's JSON result and asserts it:
 * the library loads as native ES modules from dist/src/ (no bundler), the WASM kernels are active,
 * training lowers the loss, and the equivariance checker passes.
 *
 *   npm run build && npm run test:browser
 *
 * Chromium: /usr/bin/chromium (Debian package `chromium`), or the path in CHROMIUM_PATH. Driven with
 * the npm package playwright-core (no browser download). Prints `browser smoke: N passed, M failed`
 * and exits non-zero on failure, after printing the page's console errors.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const pagePath = "/examples/browser/index.html";
const timeoutMs = Number(process.env.BROWSER_SMOKE_TIMEOUT_MS ?? 120_000);

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

function fail(message) {
  console.error(`browser smoke: ${message}`);
  console.log("browser smoke: 0 passed, 1 failed");
  process.exit(1);
}

if (!existsSync(join(root, "dist/src/index.js"))) fail("dist/src/index.js not found; run `npm run build` first");
if (!existsSync(executablePath))
  fail(`Chromium not found at ${executablePath} (install Debian's 'chromium' package or set CHROMIUM_PATH)`);

/** Static files under the repository root; nothing outside it. */
const server = createServer((req, res) => {
  if (process.env.BROWSER_SMOKE_VERBOSE) console.error(`[http] ${req.method} ${req.url}`);
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  let file = resolve(root, `.${path}`);
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
  if (!existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
    return;
  }
  res.writeHead(200, {
    "content-type": MIME[extname(file)] ?? "application/octet-stream",
    "cache-control": "no-store",
  });
  createReadStream(file).pipe(res);
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const { port } = server.address();
const url = `http://127.0.0.1:${port}${pagePath}`;

const userDataDir = mkdtempSync(join(tmpdir(), "erlangen-chromium-"));
const consoleErrors = [];
const failedRequests = [];
let result = null;
let status = "not loaded";
let context = null;
const t0 = performance.now();
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => {
    if (process.env.BROWSER_SMOKE_VERBOSE) console.error(`[page ${m.type()}] ${m.text()}`);
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.stack ?? e.message}`));
  page.on("requestfailed", (r) => failedRequests.push(`${r.url()} (${r.failure()?.errorText ?? "failed"})`));
  page.on("response", (r) => {
    if (r.status() >= 400) failedRequests.push(`${r.url()} (HTTP ${r.status()})`);
  });
  await page.goto(url, { waitUntil: "load", timeout: timeoutMs });
  await page.waitForFunction(() => document.body.dataset.status !== "running", undefined, {
    timeout: timeoutMs,
    polling: 100,
  });
  status = await page.evaluate(() => document.body.dataset.status);
  const text = await page.textContent("#result");
  try {
    result = JSON.parse(text ?? "null");
  } catch {
    result = { unparsable: text };
  }
} catch (e) {
  consoleErrors.push(`driver: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  if (context) await context.close().catch(() => {});
  server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
const seconds = ((performance.now() - t0) / 1000).toFixed(1);

const checks = [
  ["page finished without error", () => status === "done"],
  ["no console errors or failed requests", () => consoleErrors.length === 0 && failedRequests.length === 0],
  ["kernelsReady() resolved true", () => result?.kernelsReady === true],
  ["WASM backend active", () => result?.backend === "wasm"],
  ["a float32 matmul ran in WASM", () => result?.lastKernel === "wasm"],
  ["WASM matmul matches float64", () => result?.wasmMatmulMaxAbsDiff < 1e-3],
  ["training loss decreased", () => result?.training?.lastLoss < 0.5 * result?.training?.firstLoss],
  ["training accuracy > 0.6", () => result?.training?.accuracy > 0.6],
  ["equivariance checker passed", () => result?.checker?.pass === true && result?.checker?.samples > 0],
];
let passed = 0;
const failed = [];
for (const [name, test] of checks) {
  let ok = false;
  try {
    ok = Boolean(test());
  } catch {
    ok = false;
  }
  if (ok) passed++;
  else failed.push(name);
}
if (failed.length > 0) {
  for (const f of failed) console.error(`FAIL ${f}`);
  for (const e of consoleErrors) console.error(`console: ${e}`);
  for (const r of failedRequests) console.error(`request: ${r}`);
  console.error(`page status: ${status}; result: ${JSON.stringify(result)}`);
} else if (process.env.BROWSER_SMOKE_VERBOSE) {
  console.error(`[result] ${JSON.stringify(result)}`);
}
if (process.env.BROWSER_SMOKE_VERBOSE) console.error(`[time] ${seconds} s (${url})`);
console.log(`browser smoke: ${passed} passed, ${failed.length} failed`);
process.exit(failed.length > 0 ? 1 : 0);
