#!/usr/bin/env node
/**
 * Playground test (`npm run test:playground`, after `npm run build:playground`): serves
 * examples/playground/ on 127.0.0.1 (a random free port) and drives the page in headless Chromium:
 *
 * 1. the default blueprint (grid2d · p4 · graph-classification) builds: parameter count and diagram;
 * 2. Train runs a few steps on the rotated digits, Stop stops it; losses and the step time are read;
 * 3. the rotation slider at 90°: the equivariant model's outputs equal the unrotated ones (relative
 *    change < 1e-4) while the plain CNN's change (> 1e-3); at 45° both are reported;
 * 4. the checker's per-layer report passes;
 * 5. graphs (MUTAG): a few training steps, then permuting the nodes leaves the GIN's output unchanged
 *    (< 1e-5) and changes the order-reading MLP's (> 1e-4);
 * 6. point clouds (N-body): rotating the system turns the EGNN's predicted displacements with it
 *    (< 1e-3 in float32) but not the DeepSets baseline's (> 1e-2).
 *
 * Screenshots go to PLAYGROUND_SCREENSHOTS (default: a temporary folder); the summary (first
 * contentful paint, time to ready, training step times, the measured errors) is printed as JSON.
 * Chromium: /usr/bin/chromium or CHROMIUM_PATH, driven with playwright-core.
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(fileURLToPath(new URL("../examples/playground", import.meta.url)));
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const timeoutMs = Number(process.env.PLAYGROUND_TIMEOUT_MS ?? 240_000);
const shots = process.env.PLAYGROUND_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "erlangen-playground-"));
mkdirSync(shots, { recursive: true });

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".bin": "application/octet-stream",
};

let passed = 0;
let failed = 0;
const failures = [];
function check(name, ok, detail = "") {
  if (ok) passed++;
  else {
    failed++;
    failures.push(`${name}${detail ? `: ${detail}` : ""}`);
  }
  console.error(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` (${detail})` : ""}`);
}

if (!existsSync(join(root, "dist/playground.js"))) {
  console.error(
    "playground test: examples/playground/dist/playground.js not found; run `npm run build:playground` first",
  );
  process.exit(1);
}
if (!existsSync(executablePath)) {
  console.error(`playground test: Chromium not found at ${executablePath} (set CHROMIUM_PATH)`);
  process.exit(1);
}

const server = createServer((req, res) => {
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
    res.writeHead(404).end();
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
const url = `http://127.0.0.1:${port}/index.html`;

const userDataDir = mkdtempSync(join(tmpdir(), "erlangen-chromium-"));
const errors = [];
const summary = {};
let context = null;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 1100 },
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
  page.setDefaultTimeout(timeoutMs);
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.stack ?? e.message}`));
  const t0 = Date.now();
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => document.body.dataset.ready !== "0", undefined, { polling: 200 });
  summary.readyMs = Date.now() - t0;
  check(
    "page ready",
    (await page.evaluate(() => document.body.dataset.ready)) === "1",
    await page.textContent("#build-error"),
  );
  summary.firstContentfulPaintMs = await page.evaluate(() => window.playground.firstPaintMs);
  summary.backend = await page.evaluate(() => window.playground.backend);
  check("WASM kernels", summary.backend === "wasm", summary.backend);

  const num = async (sel) => Number((await page.textContent(sel)).replace(/,/g, ""));
  const built = async () => Number(await page.evaluate(() => document.body.dataset.built ?? "0"));
  const select = async (id, value) => {
    const before = await built();
    await page.selectOption(id, value);
    await page.waitForFunction((b) => Number(document.body.dataset.built ?? "0") > b, before, { polling: 100 });
  };
  const setRange = async (id, value) => {
    const before = await page.evaluate(() => Number(document.body.dataset.symUpdates ?? "0"));
    await page.evaluate(
      ([i, v]) => {
        const el = document.getElementById(i);
        el.value = String(v);
        el.dispatchEvent(new Event("input", { bubbles: true }));
      },
      [id, value],
    );
    await page.waitForFunction((b) => Number(document.body.dataset.symUpdates ?? "0") > b, before, { polling: 100 });
  };
  const trainSteps = async (n) => {
    await page.click("#train");
    await page.waitForFunction(() => document.body.dataset.training === "1", undefined, { polling: 50 });
    await page.waitForFunction((k) => Number(document.body.dataset.steps ?? "0") >= k, n, { polling: 100 });
    await page.click("#stop");
    await page.waitForFunction(() => document.body.dataset.training === "0", undefined, { polling: 100 });
    return {
      steps: await num("#steps"),
      stepMs: await num("#step-ms"),
      lossEq: await num("#loss-eq"),
      lossBase: await num("#loss-base"),
    };
  };

  // 1. the default blueprint
  check("default domain", (await page.inputValue("#domain")) === "grid2d");
  check("default group", (await page.inputValue("#group")) === "p4");
  const params = await num("#params");
  summary.grid = { params, buildMs: await num("#build-ms") };
  check("parameter count shown", params > 1000 && params < 7000, String(params));
  const boxes = await page.locator("#diagram svg g.layer").count();
  check("diagram drawn", boxes > 8, `${boxes} layers`);

  // 2. training on rotated digits
  const tr = await trainSteps(4);
  Object.assign(summary.grid, tr);
  check(
    "trained a few steps",
    tr.steps >= 4 && Number.isFinite(tr.lossEq) && Number.isFinite(tr.lossBase),
    JSON.stringify(tr),
  );

  // 3. the symmetry view
  await setRange("angle", 90);
  const eq90 = await num("#sym-eq");
  const base90 = await num("#sym-base");
  summary.grid.rot90 = { equivariant: eq90, baseline: base90 };
  check("p4 model invariant to a 90° rotation", eq90 < 1e-4, String(eq90));
  check("plain CNN not invariant to a 90° rotation", base90 > 1e-3, String(base90));
  await page.screenshot({ path: join(shots, "playground-p4-rotated.png"), fullPage: true });
  await setRange("angle", 45);
  summary.grid.rot45 = { equivariant: await num("#sym-eq"), baseline: await num("#sym-base") };
  await setRange("angle", 90);

  // 4. the checker
  await page.click("#check");
  await page.waitForFunction(() => document.body.dataset.checked !== undefined, undefined, { polling: 200 });
  check("checker passes", (await page.evaluate(() => document.body.dataset.checked)) === "pass");
  summary.grid.checker = await page.locator(".claim-error").allTextContents();
  await page.screenshot({ path: join(shots, "playground-p4-checker.png"), fullPage: true });

  // 5. graphs
  await select("#domain", "graph");
  summary.graph = { params: await num("#params") };
  Object.assign(summary.graph, await trainSteps(3));
  await page.click("#permute");
  await page.waitForTimeout(300);
  const ge = await num("#sym-eq");
  const gb = await num("#sym-base");
  summary.graph.permutation = { equivariant: ge, baseline: gb };
  check("GIN invariant to permuting the nodes", ge < 1e-5, String(ge));
  check("order-reading MLP not invariant", gb > 1e-4, String(gb));
  await page.screenshot({ path: join(shots, "playground-graph.png"), fullPage: true });

  // 6. point clouds
  await select("#domain", "pointcloud");
  summary.cloud = { params: await num("#params") };
  Object.assign(summary.cloud, await trainSteps(3));
  await setRange("yaw", 60);
  await setRange("pitch", 30);
  const ce = await num("#sym-eq");
  const cb = await num("#sym-base");
  summary.cloud.rotation = { equivariant: ce, baseline: cb };
  check("EGNN displacements turn with the system", ce < 1e-3, String(ce));
  check("DeepSets baseline does not", cb > 1e-2, String(cb));
  await page.screenshot({ path: join(shots, "playground-nbody.png"), fullPage: true });
  check("no console errors", errors.length === 0, errors.join(" | "));
} catch (e) {
  check("playground test ran", false, String(e?.stack ?? e));
  if (errors.length > 0) console.error(`page errors: ${errors.join(" | ")}`);
} finally {
  await context?.close();
  server.close();
}
console.log(JSON.stringify({ ...summary, screenshots: shots }));
console.log(`playground test: ${passed} passed, ${failed} failed`);
if (failed > 0) {
  for (const f of failures) console.error(`  ${f}`);
  process.exit(1);
}
