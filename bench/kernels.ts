/**
 * Kernel benches: GEMM, Cora SpMM, gather + scatter-add, row softmax and 1M-element add/mul/relu, each
 * timed at kernel level (typed arrays through src/kernels, the active backend) and through the
 * Tensor API, and compared with the torch_ops.py peer. `--ref` adds the TypeScript reference kernels.
 */

import {
  add,
  Generator,
  indexAdd,
  indexSelect,
  matmul,
  mul,
  noGrad,
  relu,
  SparseMatrix,
  softmax,
  spmm,
  Tensor,
} from "../src/index.js";
import {
  binary,
  gatherRows,
  gemm,
  getKernelBackend,
  scatterAddRows,
  setKernelBackend,
  softmaxRows,
  spmmCsr,
  unary,
} from "../src/kernels/index.js";
import { loadCora } from "./data.js";
import type { Bench, BenchSuite } from "./harness.js";

export interface KernelBenchOptions {
  repoRoot: string;
  /** Also time the TypeScript reference kernels (slow for the large GEMMs). */
  ref: boolean;
}

function randn(gen: Generator, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal();
  return a;
}

/** Runs `fn` with the kernel backend forced to `b`, restoring the previous setting. */
function withBackend(b: "ref" | "auto", fn: () => void): () => void {
  return () => {
    const prev = getKernelBackend();
    setKernelBackend(b);
    try {
      fn();
    } finally {
      setKernelBackend(prev);
    }
  };
}

export function kernelSuite(opts: KernelBenchOptions): BenchSuite {
  return {
    name: "kernels",
    peerOps: ["gemm", "spmm", "gather", "scatter", "gather_scatter", "softmax", "elementwise"],
    cases: () => {
      const gen = new Generator(0);
      const out: Bench[] = [];
      /** Adds the kernel-level case, its reference twin (with --ref) and the Tensor-level case. */
      const add3 = (
        b: Omit<Bench, "level" | "run"> & { kernel: () => void; tensor?: () => void; refToo?: boolean },
      ): void => {
        const { kernel, tensor, refToo, ...rest } = b;
        out.push({ ...rest, level: "kernel", run: kernel });
        if (opts.ref && refToo !== false)
          out.push({ ...rest, name: `${rest.name} [ref]`, level: "kernel-ref", run: withBackend("ref", kernel) });
        if (tensor) out.push({ ...rest, level: "tensor", run: () => noGrad(tensor) });
      };

      // GEMM A[M,K]·B[K,N]
      for (const [M, K, N] of [
        [2708, 1433, 16],
        [512, 512, 512],
        [1024, 1024, 1024],
      ] as const) {
        const A = randn(gen, M * K);
        const B = randn(gen, K * N);
        const C = new Float32Array(M * N);
        const tA = new Tensor(A, [M, K]);
        const tB = new Tensor(B, [K, N]);
        add3({
          name: `gemm ${M}x${K}x${N}`,
          flops: 2 * M * N * K,
          peer: `gemm ${M}x${K}x${N}`,
          kernel: () => gemm(A, B, C, M, N, K),
          tensor: () => matmul(tA, tB),
          refToo: M * N * K < 1e8,
        });
      }
      // the transposed GEMMs of a Linear layer's backward pass on Cora: Xᵀ·G and G·Wᵀ
      {
        const [M, K, N] = [2708, 1433, 16];
        const X = randn(gen, M * K);
        const G = randn(gen, M * N);
        const W = randn(gen, K * N);
        const dW = new Float32Array(K * N);
        const dX = new Float32Array(M * K);
        add3({
          name: `gemm ${K}x${M}x${N} (Aᵀ·B)`,
          flops: 2 * M * N * K,
          kernel: () => gemm(X, G, dW, K, N, M, true, false),
        });
        add3({
          name: `gemm ${M}x${N}x${K} (A·Bᵀ)`,
          flops: 2 * M * N * K,
          kernel: () => gemm(G, W, dX, M, K, N, false, true),
        });
      }

      const cora = loadCora(opts.repoRoot);
      if (cora === null) {
        out.push({ name: "cora benches", level: "skipped", run: () => {}, extra: { status: "data unavailable" } });
      } else {
        const n = cora.numNodes;
        const nnz = cora.indices.length;
        const F = 16;
        const X = randn(gen, n * F);
        const Y = new Float32Array(n * F);
        const A = SparseMatrix.fromCsr(new Tensor(cora.indptr, [n + 1]), new Tensor(cora.indices, [nnz]), {
          values: new Tensor(cora.values, [nnz]),
          shape: [n, n],
        });
        const tX = new Tensor(X, [n, F]);
        add3({
          name: `spmm cora ${nnz}nnz x${F}`,
          flops: 2 * nnz * F,
          peer: "spmm_csr",
          kernel: () => spmmCsr(cora.indptr, cora.indices, cora.values, n, X, F, Y),
          tensor: () => spmm(A, tX),
        });

        const E = cora.src.length;
        const msg = new Float32Array(E * F);
        const agg = new Float32Array(n * F);
        const tSrc = new Tensor(cora.src, [E]);
        const tDst = new Tensor(cora.dst, [E]);
        const tMsg = new Tensor(randn(gen, E * F), [E, F]);
        const zeros = () => new Tensor(new Float32Array(n * F), [n, F]);
        const rowBytes = E * F * 4 * 2 + E * 4;
        add3({
          name: `gather ${E}x${F}`,
          bytes: rowBytes,
          peer: "gather",
          kernel: () => gatherRows(X, cora.src, F, msg),
          tensor: () => indexSelect(tX, 0, tSrc),
        });
        add3({
          name: `scatter-add ${E}x${F}`,
          bytes: rowBytes,
          peer: "scatter_add",
          kernel: () => {
            agg.fill(0);
            scatterAddRows(msg, cora.dst, F, agg);
          },
          tensor: () => indexAdd(zeros(), 0, tDst, tMsg),
        });
        add3({
          name: `gather+scatter-add ${E}x${F}`,
          flops: E * F,
          peer: "gather_scatter_add",
          kernel: () => {
            gatherRows(X, cora.src, F, msg);
            agg.fill(0);
            scatterAddRows(msg, cora.dst, F, agg);
          },
          tensor: () => indexAdd(zeros(), 0, tDst, indexSelect(tX, 0, tSrc)),
        });

        const S = randn(gen, E * 8);
        const SO = new Float32Array(E * 8);
        const tS = new Tensor(S, [E, 8]);
        add3({
          name: `softmax ${E}x8`,
          bytes: E * 8 * 8,
          peer: "softmax dim=-1",
          kernel: () => softmaxRows(S, E, 8, SO),
          tensor: () => softmax(tS, -1),
        });
      }

      const size = 1 << 20;
      const a = randn(gen, size);
      const b = randn(gen, size);
      const o = new Float32Array(size);
      const ta = new Tensor(a, [size]);
      const tb = new Tensor(b, [size]);
      add3({
        name: "add 1M",
        bytes: 12 * size,
        peer: "elementwise_add",
        kernel: () => binary("add", a, b, o, [size], [1], [1]),
        tensor: () => add(ta, tb),
      });
      add3({
        name: "mul 1M",
        bytes: 12 * size,
        peer: "elementwise_mul",
        kernel: () => binary("mul", a, b, o, [size], [1], [1]),
        tensor: () => mul(ta, tb),
      });
      add3({
        name: "relu 1M",
        bytes: 8 * size,
        peer: "elementwise_relu",
        kernel: () => unary("relu", a, o),
        tensor: () => relu(ta),
      });
      return out;
    },
  };
}
