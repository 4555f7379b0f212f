// A/B of two builds of the library on the conv2d bench case (3×3, 32→32, N 64, 28×28), timed in one
// process, alternating call by call, so that both see the same machine state. For kernel work where
// the change is a few per cent and this VM's timings swing by more between runs.
//
//   node scripts/ab-conv.mjs DIST_A DIST_B [--mode fb|f] [--pairs N] [--clock wall|cpu] [--kernel 3|5]
//
// `--kernel 5` times the bench's 5×5 case instead (C 56 → 56, N 64, 28×28, padding 2: the stride-1 path).
//
// DIST_A / DIST_B are `dist` folders (e.g. of a `git worktree` at the old commit after `npm run build`,
// and this checkout's). Prints each build's median and the median of the paired ratios B / A; with
// `--clock cpu` the times are this process's CPU time, which other processes on a shared machine
// disturb less than wall time (the kernels run on one thread). Run it
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
const clock = flag("--clock", "wall");
const k = Number(flag("--kernel", "3"));
const C = k === 5 ? 56 : 32;
const now =
  clock === "cpu"
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => performance.now();

const cases = [];
for (const d of dists) {
  const M = await import(pathToFileURL(resolve(d, "src/index.js")).href);
  const gen = new M.Generator(0);
  const x = M.randn([64, C, 28, 28], { generator: gen }).requiresGrad_();
  const w = M.randn([C, C, k, k], { generator: gen, std: 0.06 }).requiresGrad_();
  const b = M.randn([C], { generator: gen }).requiresGrad_();
  const gy = M.randn([64, C, 28, 28], { generator: gen });
  cases.push(() => {
    if (mode === "f") {
      M.noGrad(() => M.conv2d(x, w, b, { padding: (k - 1) / 2 }));
      return;
    }
    x.grad = null;
    w.grad = null;
    b.grad = null;
    M.conv2d(x, w, b, { padding: (k - 1) / 2 }).backward(gy);
  });
}
for (let i = 0; i < (k === 5 ? 2 : 15); i++) for (const run of cases) run();
const times = cases.map(() => []);
for (let i = 0; i < pairs; i++) {
  // alternate which build goes first, so that neither gains from its place in the pair
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  for (const k of order) {
    const t0 = now();
    cases[k]();
    times[k].push(now() - t0);
  }
}
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
};
for (const [k, d] of dists.entries())
  console.log(`${k === 0 ? "A" : "B"} ${d}: median ${median(times[k]).toFixed(2)} ms (${clock})`);
console.log(`paired ratio B / A (median of ${pairs}): ${median(times[1].map((t, i) => t / times[0][i])).toFixed(3)}`);
