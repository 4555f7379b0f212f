/**
 * O(3) benches.
 *
 * Beside e3nn (the anchor, `../shared/peers/anchors/bench_e3nn_fctp_sh.py`'s sizes), timed in the same
 * run by `bench/peers/e3nn_o3.py` with `--rounds` alternations (default 3):
 * - `e3nn fctp 8x0e+8x1o+8x2e b1024 fwd`: `FullyConnectedTensorProduct(irreps, irreps, irreps)` on a
 *   batch of 1024, forward without gradients; `... fwd+bwd`: forward + backward of the sum with
 *   gradients of x1 and the weights (x2 needs none), as the anchor does.
 * - `e3nn sh l<=3 100k fwd` / `fwd+bwd`: spherical harmonics l = 0..3 of 100,000 random vectors,
 *   normalised, integral normalisation (e3nn's `spherical_harmonics` defaults), forward and forward +
 *   backward of the sum.
 * The peer is e3nn 0.5.1 where its source trees are found (`ERLANGEN_E3NN_PATH`: a PYTHONPATH-style
 * list holding e3nn, opt_einsum and opt_einsum_fx; else `$PEERS_HOME/src/{e3nn-0.5.1, opt_einsum-3.3.0,
 * opt_einsum_fx-0.1.4}` as anchors/SETUP.md lays them out), plain PyTorch doing the same work
 * otherwise (dense Wigner-3j per path, harmonics as a monomial matrix; the line's `peerWho` says which),
 * and "peer unavailable" without torch. One thread on both sides (`--threads`).
 *
 * Without a peer: `o3 fctp fwd 10k edges` (`16x0e+16x1o+16x2e ⊗ 0e+1o+2e`, 10,000 edges), its
 * forward + backward, and the harmonics l ≤ 3 in component normalisation, forward and forward + backward.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Generator, noGrad, randn } from "../src/index.js";
import { FullyConnectedTensorProduct } from "../src/layers/groups/o3/tensor_product.js";
import { shPacked, sphericalHarmonics } from "../src/symmetry/o3/spherical_harmonics.js";
import { wigner3j } from "../src/symmetry/o3/wigner.js";
import type { Bench, BenchSuite } from "./harness.js";
import { type PeerResult, runPeerScript } from "./peers.js";

const IRREPS = "8x0e+8x1o+8x2e";
const BATCH = 1024;
const N_SH = 100000;
const LMAX = 3;

/** The PYTHONPATH that makes e3nn importable, or null when its source trees are not found. */
function e3nnPath(): string | null {
  const env = process.env.ERLANGEN_E3NN_PATH;
  if (env) return env;
  const home = process.env.PEERS_HOME;
  if (!home) return null;
  const trees = ["e3nn-0.5.1", "opt_einsum-3.3.0", "opt_einsum_fx-0.1.4"].map((t) => join(home, "src", t));
  return trees.every((t) => existsSync(t)) ? trees.join(":") : null;
}

/** What the plain-PyTorch fallback of the peer needs: the paths with dense Wigner-3j, the harmonic polynomials. */
function peerSpec(tp: FullyConnectedTensorProduct): Record<string, unknown> {
  const s1 = tp.irrepsIn1.slices();
  const s2 = tp.irrepsIn2.slices();
  const s3 = tp.irrepsOut.slices();
  const paths = tp.instructions.map((ins) => {
    const a = tp.irrepsIn1.items[ins.iIn1]!;
    const b = tp.irrepsIn2.items[ins.iIn2]!;
    const c = tp.irrepsOut.items[ins.iOut]!;
    return {
      U: a.mul,
      V: b.mul,
      W: c.mul,
      d1: a.ir.dim,
      d2: b.ir.dim,
      d3: c.ir.dim,
      o1: s1[ins.iIn1]![0],
      o2: s2[ins.iIn2]![0],
      block: ins.iOut,
      o3: s3[ins.iOut]![0],
      wOff: ins.weightOffset,
      pw: ins.pathWeight,
      C: Array.from(wigner3j(a.ir.l, b.ir.l, c.ir.l)),
    };
  });
  const t = shPacked(
    Array.from({ length: LMAX + 1 }, (_, l) => l),
    "integral",
  );
  return {
    irreps: IRREPS,
    batch: BATCH,
    n: N_SH,
    lmax: LMAX,
    dim: tp.irrepsIn1.dim,
    weightNumel: tp.weightNumel,
    outBlocks: tp.irrepsOut.items.map((x) => x.mul * x.ir.dim),
    paths,
    sh: {
      dim: t.dim,
      ptr: Array.from(t.ptr.subarray(0, t.dim + 1)),
      mc: Array.from(t.mc.subarray(0, t.ptr[t.dim]!)),
      ma: Array.from(t.ma.subarray(0, t.ptr[t.dim]!)),
      mb: Array.from(t.mb.subarray(0, t.ptr[t.dim]!)),
      md: Array.from(t.md.subarray(0, t.ptr[t.dim]!)),
    },
  };
}

/** Runs bench/peers/e3nn_o3.py (e3nn, or plain PyTorch without it). Never throws. */
function e3nnPeer(repoRoot: string, spec: Record<string, unknown>, threads: number): PeerResult {
  const dir = mkdtempSync(join(tmpdir(), "erlangen-o3-"));
  try {
    const file = join(dir, "spec.json");
    writeFileSync(file, JSON.stringify(spec));
    const path = e3nnPath();
    const env: Record<string, string> = path ? { PYTHONPATH: path } : {};
    return runPeerScript(join(repoRoot, "bench", "peers", "e3nn_o3.py"), ["--spec", file], threads, env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function o3Suite(opts: { repoRoot: string }): BenchSuite {
  const gen = new Generator(0);
  const anchorTp = new FullyConnectedTensorProduct(IRREPS, IRREPS, IRREPS, { generator: gen });
  return {
    name: "o3",
    rounds: 3,
    runPeer: (threads) => e3nnPeer(opts.repoRoot, peerSpec(anchorTp), threads),
    cases: () => {
      const g = new Generator(1);
      const tp = anchorTp;
      const a1 = randn([BATCH, tp.irrepsIn1.dim], { generator: g });
      const a2 = randn([BATCH, tp.irrepsIn2.dim], { generator: g });
      const a1g = a1.detach().requiresGrad_();
      const anchorShape = `${IRREPS} x ${IRREPS} -> ${IRREPS}, ${tp.instructions.length} paths, ${tp.weightNumel} weights, batch ${BATCH}`;
      const vs = randn([N_SH, 3], { generator: g });
      const vsg = vs.detach().requiresGrad_();

      const tp16 = new FullyConnectedTensorProduct("16x0e+16x1o+16x2e", "0e+1o+2e", "16x0e+16x1o+16x2e", {
        generator: g,
      });
      const E = 10000;
      const x1 = randn([E, tp16.irrepsIn1.dim], { generator: g });
      const x2 = randn([E, tp16.irrepsIn2.dim], { generator: g });
      const x1g = x1.detach().requiresGrad_();
      const x2g = x2.detach().requiresGrad_();
      const gy = randn([E, tp16.irrepsOut.dim], { generator: g });
      const gsh = randn([N_SH, 16], { generator: g });
      const shape16 = `${tp16.irrepsIn1} x ${tp16.irrepsIn2} -> ${tp16.irrepsOut}, ${tp16.instructions.length} paths, ${tp16.weightNumel} weights, ${E} edges`;
      const out: Bench[] = [
        {
          name: `e3nn fctp ${IRREPS} b${BATCH} fwd`,
          level: "layer",
          peer: "fctp.fwd",
          extra: { shape: anchorShape, target: "speedup >= 2" },
          run: () => void noGrad(() => tp.forward(a1, a2)),
        },
        {
          name: `e3nn fctp ${IRREPS} b${BATCH} fwd+bwd`,
          level: "layer",
          peer: "fctp.fwd_bwd",
          extra: { shape: anchorShape, target: "speedup >= 2", grads: "x1, weights" },
          run: () => {
            a1g.grad = null;
            tp.weight!.grad = null;
            tp.forward(a1g, a2).sum().backward();
          },
        },
        {
          name: `e3nn sh l<=${LMAX} 100k fwd`,
          level: "op",
          peer: "sh.fwd",
          extra: { shape: `[${N_SH}, 3] -> [${N_SH}, 16], normalize, integral`, target: "speedup >= 2" },
          run: () => void sphericalHarmonics(LMAX, vs),
        },
        {
          name: `e3nn sh l<=${LMAX} 100k fwd+bwd`,
          level: "op",
          peer: "sh.fwd_bwd",
          extra: { shape: `[${N_SH}, 3] -> [${N_SH}, 16], normalize, integral` },
          run: () => {
            vsg.grad = null;
            sphericalHarmonics(LMAX, vsg).sum().backward();
          },
        },
        {
          name: "o3 fctp fwd 10k edges",
          level: "layer",
          extra: { shape: shape16 },
          run: () => void noGrad(() => tp16.forward(x1, x2)),
        },
        {
          name: "o3 fctp fwd+bwd 10k edges",
          level: "layer",
          extra: { shape: shape16 },
          run: () => {
            x1g.grad = null;
            x2g.grad = null;
            tp16.weight!.grad = null;
            tp16.forward(x1g, x2g).backward(gy);
          },
        },
        {
          name: "o3 sh l<=3 fwd+bwd 100k vectors (component)",
          level: "op",
          extra: { shape: `[${N_SH}, 3] -> [${N_SH}, 16]` },
          run: () => {
            vsg.grad = null;
            sphericalHarmonics(3, vsg, { normalization: "component" }).backward(gsh);
          },
        },
      ];
      return out;
    },
  };
}
