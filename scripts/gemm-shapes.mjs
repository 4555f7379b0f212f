// Times `gemm` from the kernels registry on the narrow shapes of GIN (MUTAG) and SchNet (QM7): Linear
// layers with 64 channels on 600–6030 rows, and their weight gradients Xᵀ·dY (transA). One thread, CPU
// time of this process (process.cpuUsage), median over samples. For each shape it prints the GFLOP/s of
// the registry call, of the WASM part alone (pack B + gemmRows / gemmTransA on data already in WASM
// memory, no JS copies) and of the JS copies alone (the same f32.set calls gemmWasm makes).
//
//   node dist/src/node/relaunch.js scripts/gemm-shapes.mjs [DIST] [--samples N] [--filter S]
//
// DIST is a `dist` folder (`npx tsc -p tsconfig.build.json`), default ./dist.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const dist = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--")) ?? "dist";
const samples = Number(flag("--samples", "21"));
const filter = flag("--filter", "");
const url = (p) => pathToFileURL(resolve(dist, p)).href;

const M = await import(url("src/index.js"));
const K = await import(url("src/kernels/index.js"));
const L = await import(url("src/kernels/wasm/loader.js"));
M.setNumThreads(1);
await K.kernelsReady();
const rt = L.getWasmRuntime();
if (rt === null) throw new Error("gemm-shapes: the WASM runtime did not load");
console.log(`wasm features: ${JSON.stringify(K.wasmFeatures())}`);

const gen = new M.Generator(0);
const rand = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal();
  return a;
};

/** CPU microseconds of `reps` calls of fn: [min, median] over `samples`. */
function time(fn, reps) {
  const t = [];
  for (let s = 0; s < samples; s++) {
    const c0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) fn();
    const c = process.cpuUsage(c0);
    t.push((c.user + c.system) / reps);
  }
  t.sort((a, b) => a - b);
  return [t[0], t[t.length >> 1]];
}

// [name, M, N, K, transA, transB]: C[M×N] = op(A)·op(B) with op(A) M×K, as src/nn/functional.ts's linear
// calls it: forward x·Wᵀ (transB, W is [out, in]), input gradient dY·W, weight gradient dYᵀ·x (transA)
const shapes = [
  ["gin fwd 600x64x64 transB", 600, 64, 64, false, true],
  ["gin fwd 3000x64x64 transB", 3000, 64, 64, false, true],
  ["gin dX 3000x64x64", 3000, 64, 64, false, false],
  ["schnet fwd 6030x64x64 transB", 6030, 64, 64, false, true],
  ["schnet rbf 6030x64x25 transB", 6030, 64, 25, false, true],
  ["gin dW 64x64 (K=600) transA", 64, 64, 600, true, false],
  ["gin dW 64x64 (K=3000) transA", 64, 64, 3000, true, false],
  ["schnet dW 64x64 (K=6030) transA", 64, 64, 6030, true, false],
  ["schnet dW 64x25 (K=6030) transA", 64, 25, 6030, true, false],
  ["large 256^3", 256, 256, 256, false, false],
];

const NR = 8;
const MC = 64;
const KC = 256;
console.log(
  "shape (min / median)".padEnd(34),
  "call us".padStart(15),
  "GF/s".padStart(11),
  "wasm us".padStart(15),
  "GF/s".padStart(11),
  "copy us".padStart(13),
);
for (const [name, m, n, k, transA, transB] of shapes) {
  if (filter && !name.includes(filter)) continue;
  const A = rand(m * k);
  const B = rand(k * n);
  const C = new Float32Array(m * n);
  const flops = 2 * m * n * k;
  const reps = Math.max(1, Math.round(2e7 / flops));
  const call = () => K.gemm(A, B, C, m, n, k, transA, transB, false);
  // the WASM part alone: the same exports on data already in WASM memory
  const x = rt.exports;
  rt.reset();
  const panels = Math.ceil(n / NR);
  const pB = rt.alloc(k * n * 4);
  const pBp = rt.alloc(panels * k * NR * 4);
  const pAp = rt.alloc(MC * KC * 4);
  const pA = rt.alloc(m * k * 4);
  const pC = rt.alloc(m * n * 4);
  rt.f32.set(A, pA >> 2);
  rt.f32.set(B, pB >> 2);
  const wasm = transA
    ? () => {
        x.gemmPackB(pB, pBp, k, n, transB ? 1 : 0);
        x.gemmTransA(pA, m, pBp, k, 0, k, pC, n, pAp, 1);
      }
    : () => {
        x.gemmPackB(pB, pBp, k, n, transB ? 1 : 0);
        x.gemmRows(pA, k, pBp, pC, m, n, k, 0, pAp);
      };
  const copies = () => {
    const f = rt.f32;
    f.set(B, pB >> 2);
    f.set(A, pA >> 2);
    C.set(f.subarray(pC >> 2, (pC >> 2) + m * n));
  };
  call();
  const tc = time(call, reps);
  const tw = time(wasm, reps);
  const tk = time(copies, reps);
  const us = ([a, b], w) => `${a.toFixed(1)} / ${b.toFixed(1)}`.padStart(w);
  const gf = ([a, b]) => `${(flops / a / 1e3).toFixed(1)} / ${(flops / b / 1e3).toFixed(1)}`.padStart(11);
  console.log(name.padEnd(34), us(tc, 15), gf(tc), us(tw, 15), gf(tw), us(tk, 13));
}
