#!/usr/bin/env node
/**
 * `npm run build:playground`: bundles the browser playground (examples/playground/main.ts and the
 * library it imports, WASM kernels inlined) into one file with esbuild, and writes its data assets
 * from the shipped datasets:
 *
 *   examples/playground/dist/playground.js     the bundle (ES module, minified, with a source map)
 *   examples/playground/dist/digits.bin        1,500 MNIST training digits and 500 test digits
 *                                              (datasets/mnist: every 6th-7th digit of train10k, which
 *                                              is sorted by class, and the first digits of t10k)
 *   examples/playground/dist/mutag.json        the 188 MUTAG graphs (datasets/tu/MUTAG)
 *
 * Serve examples/playground/ with any static file server and open index.html. The page rotates the
 * digits itself (seeded random angles, as rotated MNIST) and simulates its N-body systems in the page.
 * Needs the WASM glue (`npm run build:wasm`, done by `npm ci`).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { build } from "esbuild";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const out = join(root, "examples/playground/dist");
mkdirSync(out, { recursive: true });

/** Reads a gzipped idx file: [dims..., bytes]. */
function idx(file) {
  const b = gunzipSync(readFileSync(file));
  const nd = b[3];
  const dims = [];
  for (let i = 0; i < nd; i++) dims.push(b.readUInt32BE(4 + 4 * i));
  return { dims, data: b.subarray(4 + 4 * nd) };
}

/** Digits: u32 train count, u32 test count, labels (u8), then 28×28 u8 pixels per digit. */
function writeDigits() {
  const m = join(root, "datasets/mnist");
  const nTrain = 1500;
  const nTest = 500;
  const ti = idx(join(m, "train10k-images-idx3-ubyte.gz"));
  const tl = idx(join(m, "train10k-labels-idx1-ubyte.gz"));
  const vi = idx(join(m, "t10k-images-idx3-ubyte.gz"));
  const vl = idx(join(m, "t10k-labels-idx1-ubyte.gz"));
  const P = 28 * 28;
  const buf = Buffer.alloc(8 + (nTrain + nTest) * (1 + P));
  buf.writeUInt32LE(nTrain, 0);
  buf.writeUInt32LE(nTest, 4);
  // train10k is sorted by class: take every (N / nTrain)-th digit so that all ten classes are in
  // (the first 1,500 are only zeros and ones); t10k is not sorted, its first digits are kept.
  const N = tl.dims[0];
  const pick = Array.from({ length: nTrain }, (_, i) => Math.floor((i * N) / nTrain));
  let o = 8;
  for (const i of pick) buf[o++] = tl.data[i];
  buf.set(vl.data.subarray(0, nTest), o);
  o += nTest;
  for (const i of pick) {
    buf.set(ti.data.subarray(i * P, (i + 1) * P), o);
    o += P;
  }
  buf.set(vi.data.subarray(0, nTest * P), o);
  writeFileSync(join(out, "digits.bin"), buf);
  return buf.length;
}

/** MUTAG as JSON: per graph its node labels, edges (both directions, as in the TU files) and class. */
function writeMutag() {
  const d = join(root, "datasets/tu/MUTAG");
  const text = (f) => gunzipSync(readFileSync(join(d, `MUTAG_${f}.txt.gz`))).toString("utf8");
  const ints = (s) =>
    s
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "")
      .map((l) => l.split(",").map((v) => Number(v.trim())));
  const gi = ints(text("graph_indicator")).map((r) => r[0] - 1);
  const labels = ints(text("node_labels")).map((r) => r[0]);
  const gl = ints(text("graph_labels")).map((r) => r[0]);
  const A = ints(text("A")).map(([a, b]) => [a - 1, b - 1]);
  const G = gl.length;
  const first = new Array(G).fill(-1);
  gi.forEach((g, i) => {
    if (first[g] === -1) first[g] = i;
  });
  const graphs = gl.map((y) => ({ y: y > 0 ? 1 : 0, labels: [], src: [], dst: [] }));
  gi.forEach((g, i) => {
    graphs[g].labels.push(labels[i]);
  });
  for (const [a, b] of A) {
    const g = gi[a];
    graphs[g].src.push(a - first[g]);
    graphs[g].dst.push(b - first[g]);
  }
  const json = JSON.stringify({ source: "TU Dortmund MUTAG (datasets/tu/MUTAG)", numLabels: 7, graphs });
  writeFileSync(join(out, "mutag.json"), json);
  return json.length;
}

const t0 = performance.now();
const digits = writeDigits();
const mutag = writeMutag();
const r = await build({
  entryPoints: [join(root, "examples/playground/main.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: true,
  outfile: join(out, "playground.js"),
  metafile: true,
  logLevel: "warning",
});
const bytes = Object.values(r.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
console.log(
  `playground: dist/playground.js (+ map) ${(bytes / 1024).toFixed(0)} KiB, digits.bin ${(digits / 1024).toFixed(0)} KiB, mutag.json ${(mutag / 1024).toFixed(0)} KiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
