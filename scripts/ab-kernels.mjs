// A/B of two builds of the library on kernel dispatch and the kernel bench sizes, timed in one process,
// alternating sample by sample (as scripts/ab-conv.mjs does for conv2d), so that both builds see the
// same machine state. Tiny calls measure the dispatch overhead (backend choice, size threshold,
// fallback) that a small op pays; the larger ones the kernels themselves. Times are CPU time of this
// process (process.cpuUsage), which other processes on a shared machine disturb less than wall time.
//
//   node scripts/ab-kernels.mjs DIST_A DIST_B [--samples N] [--filter S]
//
// DIST_A / DIST_B are `dist` folders (`npx tsc -p tsconfig.build.json` in each checkout). Prints per
// case each build's median time per call and the median of the paired ratios B / A. Run it through
// `node dist/src/node/relaunch.js scripts/ab-kernels.mjs …` for the bench's malloc settings.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const dists = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
if (dists.length !== 2) {
  console.error("usage: node scripts/ab-kernels.mjs DIST_A DIST_B [--samples N] [--filter S]");
  process.exit(2);
}
const samples = Number(flag("--samples", "41"));
const filter = flag("--filter", "");

/** The cases of one build: [name, calls per sample, fn]. */
async function casesOf(dist) {
  const M = await import(pathToFileURL(resolve(dist, "src/index.js")).href);
  const K = await import(pathToFileURL(resolve(dist, "src/kernels/index.js")).href);
  const gen = new M.Generator(0);
  const rand = (n) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = gen.normal();
    return a;
  };
  const a8 = rand(8);
  const b8 = rand(8);
  const o8 = new Float32Array(8);
  const a16 = rand(16);
  const o16 = new Float32Array(16);
  const t8 = M.tensor(Array.from(a8));
  const u8 = M.tensor(Array.from(b8));
  const G = 256;
  const gA = rand(G * G);
  const gB = rand(G * G);
  const gC = new Float32Array(G * G);
  const E = 100000;
  const F = 16;
  const src = rand(20000 * F);
  const idx = new Int32Array(E);
  for (let i = 0; i < E; i++) idx[i] = gen.randint(0, 20000);
  const gOut = new Float32Array(E * F);
  const sOut = new Float32Array(20000 * F);
  const sm = rand(E * 8);
  const smOut = new Float32Array(E * 8);
  const m1a = rand(1 << 20);
  const m1b = rand(1 << 20);
  const m1o = new Float32Array(1 << 20);
  const sh = [1 << 20];
  const st = [1];
  // a small training step: MLP 32 -> 32 -> 32 -> 4 with batch norm on 16 rows, MSE, backward, Adam
  const mlp = new M.MLP([32, 32, 32, 4], { generator: gen });
  const opt = new M.Adam(mlp.parameters(), { lr: 1e-3 });
  const xb = M.randn([16, 32], { generator: gen });
  const yb = M.randn([16, 4], { generator: gen });
  const step = () => {
    opt.zeroGrad();
    M.F.mseLoss(mlp.forward(xb), yb).backward();
    opt.step();
  };
  return [
    ["tiny unary relu 8 (kernel)", 50000, () => K.unary("relu", a8, o8)],
    ["tiny binary add 8 (kernel)", 50000, () => K.binary("add", a8, b8, o8, [8], [1], [1])],
    ["tiny gemm 4x4x4 (kernel)", 20000, () => K.gemm(a16, a16, o16, 4, 4, 4)],
    ["tiny add [8] (tensor, no grad)", 10000, () => M.noGrad(() => M.add(t8, u8))],
    ["tiny relu [8] (tensor, no grad)", 10000, () => M.noGrad(() => M.relu(t8))],
    ["MLP train step, batch 16 (tiny ops)", 200, step],
    ["gemm 256^3", 10, () => K.gemm(gA, gB, gC, G, G, G)],
    ["gather 100000x16", 10, () => K.gatherRows(src, idx, F, gOut)],
    ["scatter-add 100000x16", 10, () => K.scatterAddRows(gOut, idx, F, sOut)],
    ["softmax 100000x8", 5, () => K.softmaxRows(sm, E, 8, smOut)],
    ["add 1M", 10, () => K.binary("add", m1a, m1b, m1o, sh, st, st)],
  ].filter(([name]) => name.includes(filter));
}

/** CPU time of this process in ms (microsecond resolution). */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const builds = [];
for (const d of dists) builds.push(await casesOf(d));
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
};
for (let c = 0; c < builds[0].length; c++) {
  const [name, calls] = builds[0][c];
  const runs = builds.map((b) => b[c][2]);
  const sample = (fn) => {
    const t0 = cpuMs();
    for (let i = 0; i < calls; i++) fn();
    return (cpuMs() - t0) / calls;
  };
  for (let i = 0; i < 5; i++) for (const fn of runs) sample(fn);
  const times = runs.map(() => []);
  for (let i = 0; i < samples; i++) {
    // alternate which build goes first
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) times[k].push(sample(runs[k]));
  }
  const fmt = (ms) =>
    ms >= 1 ? `${ms.toFixed(3)} ms` : ms >= 1e-3 ? `${(ms * 1e3).toFixed(1)} µs` : `${(ms * 1e6).toFixed(0)} ns`;
  const ratio = median(times[1].map((t, i) => t / times[0][i]));
  console.log(`${name}: A ${fmt(median(times[0]))}, B ${fmt(median(times[1]))}, paired B / A ${ratio.toFixed(3)}`);
}
