// A/B of two builds of the library on the conv2d bench case (3×3, 32→32, N 64, 28×28), timed in one
// process, alternating call by call, so that both see the same machine state. For kernel work where
// the change is a few per cent and this VM's timings swing by more between runs.
//
//   node scripts/ab-conv.mjs DIST_A DIST_B [--mode fb|f] [--pairs N]
//
// DIST_A / DIST_B are `dist` folders (e.g. of a `git worktree` at the old commit after `npm run build`,
// and this checkout's). Prints each build's median and the median of the paired ratios B / A. Run it
// through `node dist/src/node/relaunch.js scripts/ab-conv.mjs …` for the bench's malloc settings.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const dists = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
if (dists.length !== 2) {
  console.error("usage: node scripts/ab-conv.mjs DIST_A DIST_B [--mode fb|f] [--pairs N]");
  process.exit(2);
}
const mode = flag("--mode", "fb");
const pairs = Number(flag("--pairs", "200"));

const cases = [];
for (const d of dists) {
  const M = await import(pathToFileURL(resolve(d, "src/index.js")).href);
  const gen = new M.Generator(0);
  const x = M.randn([64, 32, 28, 28], { generator: gen }).requiresGrad_();
  const w = M.randn([32, 32, 3, 3], { generator: gen, std: 0.06 }).requiresGrad_();
  const b = M.randn([32], { generator: gen }).requiresGrad_();
  const gy = M.randn([64, 32, 28, 28], { generator: gen });
  cases.push(() => {
    if (mode === "f") {
      M.noGrad(() => M.conv2d(x, w, b, { padding: 1 }));
      return;
    }
    x.grad = null;
    w.grad = null;
    b.grad = null;
    M.conv2d(x, w, b, { padding: 1 }).backward(gy);
  });
}
for (let i = 0; i < 15; i++) for (const run of cases) run();
const times = cases.map(() => []);
for (let i = 0; i < pairs; i++) {
  cases.forEach((run, k) => {
    const t0 = performance.now();
    run();
    times[k].push(performance.now() - t0);
  });
}
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
};
for (const [k, d] of dists.entries())
  console.log(`${k === 0 ? "A" : "B"} ${d}: median ${median(times[k]).toFixed(2)} ms`);
console.log(`paired ratio B / A (median of ${pairs}): ${median(times[1].map((t, i) => t / times[0][i])).toFixed(3)}`);
