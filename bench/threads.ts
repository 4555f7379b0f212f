/**
 * Kernel-team scaling (`--filter threads`): each case timed on one thread and on two (the calling
 * thread and one team worker, src/kernels/team.ts), alternating for `ROUNDS` rounds in one run, and
 * printed as one line: `ms1`, `ms2` (medians of the rounds' median wall times per call), `ratio` =
 * ms1 / ms2 (above 1: two threads are faster; the target is 1.7) and the ratio of every round. Wall
 * time, since the process's CPU time sums its threads (`cpuMs1`, `cpuMs2`: that sum per call, which
 * shows what the split costs). On a machine whose cores are busy with other work the ratio drops
 * towards 1 whatever the split: time it on an idle machine. Cases: GEMM 1024³ (kernel) and conv2d 3×3
 * 32→32 on a batch of 64 28×28 maps, forward (tensor, as the conv suite's `conv2d fwd`); the C8
 * steerable CNN's train step of `escnn C8 CNN train step b8` (model, bench/steerable_c8.ts: forward,
 * loss, backward, Adam; one warm-up and three samples per round, about a minute in all). The results of
 * both thread counts are checked equal bit for bit before timing (for the train step: its logits and
 * gradients from the same parameters); a 7×7 stem convolution 3→64 on 16 64×64 images, forward (the
 * stride-1 path without im2col); shifted softplus on 2²⁰ values (an elementwise map split by ranges).
 */
import { gemm, unary } from "../src/kernels/index.js";
import { getNumThreads, setNumThreads } from "../src/kernels/pool.js";
import { currentKernelTeam } from "../src/kernels/team.js";
import "../src/node/kernel_team.js";
import { conv2d, Generator, noGrad, randn } from "../src/index.js";
import { type Bench, type BenchSuite, median, sig, time } from "./harness.js";
import { c8TrainStep } from "./steerable_c8.js";

const ROUNDS = 5;

interface Workload {
  name: string;
  level: string;
  /** Floating-point operations per call (0: no GFLOP/s printed). */
  flops: number;
  /** The timed call; returns the result compared between thread counts unless `check` is given. */
  run: () => Float32Array | undefined;
  /** The result compared between thread counts, where `run` changes state (a train step). */
  check?: () => Float32Array;
  /** Warm-up calls and samples per round, where one call takes seconds (default: from the flags). */
  warmup?: number;
  repeat?: number;
}

/** The names of {@link workloads}' cases (a run whose filters select none of them builds nothing). */
const WORKLOAD_NAMES = [
  "threads gemm 1024x1024x1024",
  "threads conv2d fwd N64 C32->32 28x28 k3 p1",
  "threads C8 CNN train step b8",
  "threads conv2d fwd N16 C3->64 64x64 k7 p3",
  "threads shifted softplus 1M",
];

function workloads(): Workload[] {
  const gen = new Generator(0);
  const n = 1024;
  const A = randn([n, n], { generator: gen }).data as Float32Array;
  const B = randn([n, n], { generator: gen }).data as Float32Array;
  const C = new Float32Array(n * n);
  const N = 64;
  const Ch = 32;
  const H = 28;
  const x = randn([N, Ch, H, H], { generator: gen });
  const w = randn([Ch, Ch, 3, 3], { generator: gen, std: 0.06 });
  const b = randn([Ch], { generator: gen });
  const c8 = c8TrainStep();
  // a ResNet-style 7×7 stem: the stride-1 path without im2col (no Winograd for 7×7)
  const x7 = randn([16, 3, 64, 64], { generator: gen });
  const w7 = randn([64, 3, 7, 7], { generator: gen, std: 0.08 });
  // an elementwise map split by ranges of values (SchNet's activation)
  const ssIn = randn([1 << 20], { generator: gen, std: 4 }).data as Float32Array;
  const ssOut = new Float32Array(1 << 20);
  return [
    {
      name: WORKLOAD_NAMES[0]!,
      level: "kernel",
      flops: 2 * n * n * n,
      run: () => {
        gemm(A, B, C, n, n, n);
        return C;
      },
    },
    {
      name: WORKLOAD_NAMES[1]!,
      level: "tensor",
      flops: 2 * N * Ch * H * H * Ch * 9,
      run: () => noGrad(() => conv2d(x, w, b, { padding: 1 })).data as Float32Array,
    },
    {
      name: WORKLOAD_NAMES[2]!,
      level: "model",
      flops: 0,
      run: () => {
        c8.step();
        return undefined;
      },
      check: c8.check,
      warmup: 1,
      repeat: 3,
    },
    {
      name: WORKLOAD_NAMES[3]!,
      level: "tensor",
      flops: 2 * 16 * 64 * 64 * 64 * 3 * 49,
      run: () => noGrad(() => conv2d(x7, w7, null, { padding: 3 })).data as Float32Array,
    },
    {
      name: WORKLOAD_NAMES[4]!,
      level: "kernel",
      flops: 0,
      run: () => {
        unary("shiftedSoftplus", ssIn, ssOut, 0);
        return ssOut;
      },
    },
  ];
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Waits (blocking, up to 10 s) until the team's workers have started, so round 1 times them too. */
function awaitWorkers(): void {
  const t = currentKernelTeam();
  const deadline = performance.now() + 10_000;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (t !== null && t.readyWorkers < t.size - 1 && performance.now() < deadline) Atomics.wait(nap, 0, 0, 20);
}

/**
 * The suite. Its cases are timed when the runner asks for them, so only the workloads that `filters`
 * select (by name, as the runner selects cases; all when empty) are built and timed.
 */
export function threadsSuite(opts: { repeat: number; warmup: number; filters: string[] }): BenchSuite {
  return {
    name: "threads",
    cases: () => {
      const before = getNumThreads();
      const out: Bench[] = [];
      const picked = (name: string): boolean => opts.filters.length === 0 || opts.filters.some((f) => name.includes(f));
      if (!WORKLOAD_NAMES.some(picked)) return [];
      for (const wl of workloads().filter((w) => picked(w.name))) {
        const result = wl.check ?? (wl.run as () => Float32Array);
        setNumThreads(1);
        const one = result().slice();
        setNumThreads(2);
        result(); // starts the team (a train step here would change the parameters `check` reads)
        awaitWorkers();
        const two = result().slice();
        const bits = sameBits(one, two);
        const ms1: number[] = [];
        const ms2: number[] = [];
        const cpu1: number[] = [];
        const cpu2: number[] = [];
        const opt = {
          warmup: wl.warmup ?? opts.warmup,
          repeat: wl.repeat ?? Math.max(3, Math.round(opts.repeat / ROUNDS)),
          minSampleMs: 2,
        };
        for (let r = 0; r < ROUNDS; r++) {
          setNumThreads(1);
          const t1 = time(wl.run, opt);
          setNumThreads(2);
          const t2 = time(wl.run, opt);
          ms1.push(t1.ms);
          ms2.push(t2.ms);
          cpu1.push(t1.cpuMs);
          cpu2.push(t2.cpuMs);
        }
        const m1 = median(ms1);
        const m2 = median(ms2);
        // measured here, printed by the runner as a line of its own (level "skipped" = not timed again)
        out.push({
          name: wl.name,
          level: "skipped",
          run: () => {},
          extra: {
            level: wl.level,
            ms1: sig(m1),
            ms2: sig(m2),
            ratio: sig(m1 / m2, 3),
            ratios: ms1.map((a, i) => sig(a / ms2[i]!, 3)),
            // CPU time of the process (all threads) per call: the split adds little work when equal
            cpuMs1: sig(median(cpu1)),
            cpuMs2: sig(median(cpu2)),
            ...(wl.flops > 0 ? { gflops1: sig(wl.flops / m1 / 1e6), gflops2: sig(wl.flops / m2 / 1e6) } : {}),
            sameBits: bits,
            workers: currentKernelTeam()?.size ?? 1,
          },
        });
      }
      setNumThreads(before);
      return out;
    },
  };
}
