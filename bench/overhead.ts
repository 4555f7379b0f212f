/**
 * Op overhead: what the Tensor API costs above its kernel, for the ops of message passing on Cora
 * (13,264 edges with self loops, 16 features, 8 attention heads): gather (`indexSelect`), scatter-add
 * (`scatter(..., 'sum')`), row softmax and log-softmax, segment softmax (`scatterSoftmax`, GAT's
 * attention normalisation) and SpMM. Each case times, alternating, in CPU time (process user + system):
 *
 * - `opMs`: the op through the Tensor API into a fresh output (no gradient recorded), `opOutMs`: the
 *   same op into one output tensor given on every call (the `out` option, PyTorch's `out=`), and
 *   `opGradMs` with its input requiring a gradient (the autograd record, no backward);
 * - `kernelMs`: its kernel on typed arrays (`src/kernels`, the active backend) into one output array
 *   reused by every call (as `bench/kernels.ts` times it), and `freshKernelMs`: the same kernel into a
 *   newly allocated output on every call, as an op must;
 * - `ratio = opMs / kernelMs`, `ratioOut = opOutMs / kernelMs` (target ≤ 1.2: both write into a
 *   reused output) and `ratioFresh = opMs / freshKernelMs`: the overhead left once the cost of writing
 *   into fresh (cache-cold) memory is taken out;
 * - `peerCpuMs` and `peerOutCpuMs`: the same op in PyTorch into a fresh output and into `out=`
 *   (`bench/peers/torch_ops_out.py`, one thread, CPU clock, the two alternating), run in the same
 *   invocation before each round; `speedup = peerCpuMs / opMs` (fresh against fresh) and
 *   `speedupOut = peerOutCpuMs / opOutMs` (out against out), medians of the per-round ratios (target
 *   ≥ 1 for gather and softmax). Without torch the line says "peer unavailable".
 *
 * `--rounds N` (default 3) alternates N times (peer, then ours; ours in reversed order in every other
 * round); the figures are medians over rounds.
 */
import { join } from "node:path";
import { gatherRows, scatterAddRows, softmaxRows, spmmCsr } from "../src/kernels/index.js";
import { noGrad } from "../src/tensor/autograd.js";
import { allocateEmpty } from "../src/tensor/dtype.js";
import { indexSelect } from "../src/tensor/ops/indexing.js";
import { logSoftmax, softmax } from "../src/tensor/ops/reduce.js";
import { scatter, scatterSoftmax } from "../src/tensor/ops/scatter.js";
import { Generator } from "../src/tensor/rng.js";
import { SparseMatrix, spmm } from "../src/tensor/sparse.js";
import { Tensor } from "../src/tensor/tensor.js";
import { loadCora } from "./data.js";
import { type Bench, type BenchSuite, median, sig, time } from "./harness.js";
import { type PeerResult, peersDir, runPeerScript } from "./peers.js";

export interface OverheadSuiteOptions {
  repoRoot: string;
  filters: string[];
  warmup: number;
  repeat: number;
  rounds: number | null;
  threads: number;
  peer: boolean;
}

interface Case {
  name: string;
  /** The peer's bench name for the fresh-output op (its `out=` variant adds "_out"). */
  peer?: string;
  op: () => unknown;
  /** The op into one output tensor reused by every call (the `out` option). */
  opOut: () => unknown;
  /** The op with its float input requiring a gradient (recorded, no backward). */
  opGrad: () => unknown;
  kernel?: () => void;
  freshKernel?: () => void;
}

function randn(gen: Generator, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal();
  return a;
}

function selected(name: string, filters: string[]): boolean {
  return filters.length === 0 || filters.some((f) => name.includes(f));
}

function buildCases(repoRoot: string): Case[] | null {
  const cora = loadCora(repoRoot);
  if (cora === null) return null;
  const gen = new Generator(0);
  const n = cora.numNodes;
  const E = cora.src.length;
  const F = 16;
  const H = 8;
  const X = randn(gen, n * F);
  const tX = new Tensor(X, [n, F]);
  const gX = new Tensor(X, [n, F]).requiresGrad_();
  const tSrc = new Tensor(cora.src, [E], "int32");
  const tDst = new Tensor(cora.dst, [E], "int32");
  const msg = randn(gen, E * F);
  const tMsg = new Tensor(msg, [E, F]);
  const gMsg = new Tensor(msg, [E, F]).requiresGrad_();
  const S = randn(gen, E * H);
  const tS = new Tensor(S, [E, H]);
  const gS = new Tensor(S, [E, H]).requiresGrad_();
  const nnz = cora.indices.length;
  const A = SparseMatrix.fromCsr(new Tensor(cora.indptr, [n + 1], "int32"), new Tensor(cora.indices, [nnz], "int32"), {
    values: new Tensor(cora.values, [nnz]),
    shape: [n, n],
  });
  const rowsOut = new Float32Array(E * F);
  const aggOut = new Float32Array(n * F);
  const softOut = new Float32Array(E * H);
  const spmmOut = new Float32Array(n * F);
  const fresh = (k: number): Float32Array => allocateEmpty("float32", k) as Float32Array;
  const outRows = { out: new Tensor(new Float32Array(E * F), [E, F]) };
  const outAgg = { out: new Tensor(new Float32Array(n * F), [n, F]) };
  const outSoft = { out: new Tensor(new Float32Array(E * H), [E, H]) };
  const outSpmm = { out: new Tensor(new Float32Array(n * F), [n, F]) };
  return [
    {
      name: `overhead gather ${E}x${F}`,
      peer: "gather",
      op: () => indexSelect(tX, 0, tSrc),
      opOut: () => indexSelect(tX, 0, tSrc, outRows),
      opGrad: () => indexSelect(gX, 0, tSrc),
      kernel: () => gatherRows(X, cora.src, F, rowsOut),
      freshKernel: () => gatherRows(X, cora.src, F, fresh(E * F)),
    },
    {
      name: `overhead scatter-add ${E}x${F}`,
      peer: "scatter_add",
      op: () => scatter(tMsg, tDst, 0, n, "sum"),
      opOut: () => scatter(tMsg, tDst, 0, n, "sum", outAgg),
      opGrad: () => scatter(gMsg, tDst, 0, n, "sum"),
      kernel: () => {
        aggOut.fill(0);
        scatterAddRows(msg, cora.dst, F, aggOut);
      },
      freshKernel: () => scatterAddRows(msg, cora.dst, F, new Float32Array(n * F)),
    },
    {
      name: `overhead softmax ${E}x${H}`,
      peer: "softmax_rows",
      op: () => softmax(tS, -1),
      opOut: () => softmax(tS, -1, outSoft),
      opGrad: () => softmax(gS, -1),
      kernel: () => softmaxRows(S, E, H, softOut),
      freshKernel: () => softmaxRows(S, E, H, fresh(E * H)),
    },
    {
      name: `overhead log-softmax ${E}x${H}`,
      peer: "log_softmax_rows",
      op: () => logSoftmax(tS, -1),
      opOut: () => logSoftmax(tS, -1, outSoft),
      opGrad: () => logSoftmax(gS, -1),
      kernel: () => softmaxRows(S, E, H, softOut, true),
      freshKernel: () => softmaxRows(S, E, H, fresh(E * H), true),
    },
    {
      name: `overhead segment softmax ${E}x${H}`,
      peer: "segment_softmax",
      op: () => scatterSoftmax(tS, tDst, n),
      opOut: () => scatterSoftmax(tS, tDst, n, 0, outSoft),
      opGrad: () => scatterSoftmax(gS, tDst, n),
    },
    {
      name: `overhead spmm cora ${nnz}nnz x${F}`,
      peer: "spmm_csr",
      op: () => spmm(A, tX),
      opOut: () => spmm(A, tX, outSpmm),
      opGrad: () => spmm(A, gX),
      kernel: () => spmmCsr(cora.indptr, cora.indices, cora.values, n, X, F, spmmOut),
      freshKernel: () => spmmCsr(cora.indptr, cora.indices, cora.values, n, X, F, fresh(n * F)),
    },
  ];
}

interface Round {
  op: number;
  opOut: number;
  opGrad: number;
  kernel: number;
  fresh: number;
  opWall: number;
  peer: PeerResult;
}

/** The torch_ops_out.py peer (CPU clock; one line per op and variant, fresh output and `out=`). */
function torchPeer(o: OverheadSuiteOptions, ops: string[]): PeerResult {
  if (!o.peer) return { ms: new Map(), status: "peer not run (--no-peer)" };
  return runPeerScript(
    join(o.repoRoot, "bench", "peers", "torch_ops_out.py"),
    ["--peers-dir", peersDir(o.repoRoot), "--ops", ops.join(","), "--repeat", String(Math.max(o.repeat, 25))],
    o.threads,
  );
}

/**
 * The op-overhead suite (register in bench/run.ts). Measured while the case list is built (the
 * rounds interleave the peer and all of our timings), returned as ready lines.
 */
export function overheadSuite(o: OverheadSuiteOptions): BenchSuite {
  return {
    name: "overhead",
    cases: () => {
      const out: Bench[] = [];
      const done = (name: string, extra: Record<string, unknown>): void => {
        out.push({ name, level: "skipped", run: () => {}, extra });
      };
      const cases = buildCases(o.repoRoot);
      if (cases === null) {
        done("overhead", { status: "data unavailable (Cora)" });
        return out;
      }
      const chosen = cases.filter((c) => selected(c.name, o.filters));
      if (chosen.length === 0) return out;
      const rounds = o.rounds ?? 3;
      const timing = { warmup: Math.max(o.warmup, 20), repeat: o.repeat, minSampleMs: 5 };
      const results = chosen.map(() => [] as Round[]);
      const peerOps = chosen.flatMap((c) => (c.peer === undefined ? [] : [c.peer]));
      for (let r = 0; r < rounds; r++) {
        const peer = torchPeer(o, peerOps);
        noGrad(() => {
          for (let i = 0; i < chosen.length; i++) {
            const c = chosen[i]!;
            // the order reverses between rounds: the heap grows while a case runs, and what runs
            // later finds colder memory
            const fns: [keyof Omit<Round, "peer" | "opWall" | "opGrad">, (() => unknown) | undefined][] = [
              ["op", c.op],
              ["opOut", c.opOut],
              ["kernel", c.kernel],
              ["fresh", c.freshKernel],
            ];
            if (r % 2 === 1) fns.reverse();
            const row: Round = { op: 0, opOut: 0, opWall: 0, opGrad: Number.NaN, kernel: 0, fresh: 0, peer };
            for (const [key, fn] of fns) {
              const t = fn === undefined ? null : time(fn, timing);
              row[key] = t?.cpuMs ?? Number.NaN;
              if (key === "op") row.opWall = t!.ms;
            }
            results[i]!.push(row);
          }
        });
        // the recorded variant runs with gradients on
        for (let i = 0; i < chosen.length; i++) results[i]![r]!.opGrad = time(chosen[i]!.opGrad, timing).cpuMs;
      }
      for (let i = 0; i < chosen.length; i++) {
        const c = chosen[i]!;
        const rs = results[i]!;
        const med = (f: (x: Round) => number): number => median(rs.map(f));
        const op = med((x) => x.op);
        const line: Record<string, unknown> = {
          level: "tensor-overhead",
          clock: "cpu",
          opMs: sig(op),
          opOutMs: sig(med((x) => x.opOut)),
          opGradMs: sig(med((x) => x.opGrad)),
          opWallMs: sig(med((x) => x.opWall)),
          rounds,
        };
        if (c.kernel) {
          const k = med((x) => x.kernel);
          const f = med((x) => x.fresh);
          line.kernelMs = sig(k);
          line.freshKernelMs = sig(f);
          line.ratio = sig(
            med((x) => x.op / x.kernel),
            3,
          );
          line.ratioOut = sig(
            med((x) => x.opOut / x.kernel),
            3,
          );
          line.ratioFresh = sig(
            med((x) => x.op / x.fresh),
            3,
          );
        } else line.kernel = "none (the op is its own kernel)";
        const key = c.peer;
        const paired = key === undefined ? [] : rs.filter((x) => x.peer.ms.has(key));
        if (key !== undefined && paired.length > 0) {
          line.peerCpuMs = sig(median(paired.map((x) => x.peer.ms.get(key)!)));
          line.speedup = sig(median(paired.map((x) => x.peer.ms.get(key)! / x.op)), 3);
          const kOut = `${key}_out`;
          const pairedOut = rs.filter((x) => x.peer.ms.has(kOut));
          if (pairedOut.length > 0) {
            line.peerOutCpuMs = sig(median(pairedOut.map((x) => x.peer.ms.get(kOut)!)));
            line.speedupOut = sig(median(pairedOut.map((x) => x.peer.ms.get(kOut)! / x.opOut)), 3);
          } else line.peerOut = "unsupported by this torch";
          line.peerTorch = paired[0]!.peer.torch;
        } else if (key !== undefined) line.peer = rs[0]!.peer.status;
        done(c.name, line);
      }
      return out;
    },
  };
}
