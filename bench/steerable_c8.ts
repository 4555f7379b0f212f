/**
 * The C8 steerable CNN of escnn's anchor (`../shared/peers/anchors/bench_escnn.py`, width 1): six
 * `R2Conv` → `InnerBatchNorm` → ReLU blocks between regular C8 fields (24, 48, 48, 96, 96, 64 fields;
 * kernels 7, 5, 5, 5, 5, 5; padding 1, 2, 2, 2, 2, 1), antialiased average pooling (a depthwise
 * Gaussian blur, σ = 0.66, 5×5) with stride 2 after blocks 2 and 4 and stride 1 without padding after
 * block 6, group pooling, then Linear(64) → BatchNorm1d → ELU → Linear(10); a batch of 8 random 28×28
 * images padded to 29×29.
 *
 * - `escnn C8 CNN train step b8`: forward, cross-entropy, backward and an Adam step (filters
 *   re-expanded every step), beside escnn's (`c8.train_step`);
 * - `escnn C8 CNN fwd eval b8`: eval mode under `noGrad` (R2Conv's cached filters), beside escnn's
 *   eval-mode forward under `no_grad` (`c8.fwd_eval`);
 * - `C8 CNN conv …`: each of the model's six convolutions alone (random filters of the expanded
 *   shapes), forward, with its GFLOP/s (direct-convolution count); no peer.
 *
 * The peer is escnn 1.0.13 (bench/peers/escnn_c8.py) where it imports: `ERLANGEN_ESCNN_PATH` (a
 * PYTHONPATH-style list), else `$PEERS_HOME/src/escnn-1.0.13` and `$PEERS_HOME/shims` (its lie_learn
 * shim), as anchors/SETUP.md lays them out; "peer unavailable" otherwise. One thread on each side
 * (`--threads`); three alternating rounds; compare CPU times (`cpuSpeedup` = escnn ÷ ours) on a shared
 * machine.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  Adam,
  BatchNorm1d,
  Cn,
  conv2d,
  elu,
  FieldType,
  Generator,
  Linear,
  Module,
  noGrad,
  pad,
  randn,
  regular,
  Tensor,
  trivial,
} from "../src/index.js";
import { GroupPooling, InnerBatchNorm, R2Conv } from "../src/layers/groups/steerable/index.js";
import { crossEntropy } from "../src/nn/losses.js";
import type { Bench, BenchSuite } from "./harness.js";
import { type PeerResult, runPeerScript } from "./peers.js";

const BATCH = 8;

/** The model's convolutions as [Cin, Cout, H, k, padding] (the lifting layer has one input channel). */
const CONV_LAYERS: [number, number, number, number, number][] = [
  [1, 192, 29, 7, 1],
  [192, 384, 25, 5, 2],
  [384, 384, 13, 5, 2],
  [384, 768, 13, 5, 2],
  [768, 768, 7, 5, 2],
  [768, 512, 7, 5, 1],
];

/** The PYTHONPATH that makes escnn importable, or null when its source tree is not found. */
function escnnPath(): string | null {
  const env = process.env.ERLANGEN_ESCNN_PATH;
  if (env) return env;
  const home = process.env.PEERS_HOME;
  if (!home) return null;
  const trees = [join(home, "src", "escnn-1.0.13"), join(home, "shims")];
  return trees.every((t) => existsSync(t)) ? trees.join(":") : null;
}

/** Runs bench/peers/escnn_c8.py; "peer unavailable" without escnn. Never throws. */
function escnnPeer(repoRoot: string, threads: number): PeerResult {
  const path = escnnPath();
  if (path === null)
    return {
      ms: new Map(),
      status: "peer unavailable (escnn not found: set PEERS_HOME or ERLANGEN_ESCNN_PATH)",
    };
  return runPeerScript(join(repoRoot, "bench", "peers", "escnn_c8.py"), ["--batch", String(BATCH)], threads, {
    PYTHONPATH: path,
  });
}

/** escnn's PointwiseAvgPoolAntialiased: a depthwise normalised Gaussian blur (σ, 2·round(3σ) + 1 taps). */
class AntialiasedAvgPool extends Module<[Tensor], Tensor> {
  private readonly _filter: Tensor;
  constructor(
    readonly channels: number,
    sigma: number,
    readonly stride: number,
    readonly padding: number | null = null,
  ) {
    super();
    const k = 2 * Math.round(3 * sigma) + 1;
    const m = (k - 1) / 2;
    const g = new Float32Array(channels * k * k);
    let s = 0;
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        const v = Math.exp(-((i - m) ** 2 + (j - m) ** 2) / (2 * sigma * sigma));
        g[i * k + j] = v;
        s += v;
      }
    for (let t = 0; t < k * k; t++) g[t]! /= s;
    for (let c = 1; c < channels; c++) g.copyWithin(c * k * k, 0, k * k);
    this._filter = new Tensor(g, [channels, 1, k, k], "float32");
  }
  forward(x: Tensor): Tensor {
    const k = this._filter.shape[2]!;
    return conv2d(x, this._filter, null, {
      stride: this.stride,
      padding: this.padding ?? (k - 1) / 2,
      groups: this.channels,
    });
  }
}

/** The anchor's model (see the file comment). */
class C8SteerableCNN extends Module<[Tensor], Tensor> {
  convs: R2Conv<number>[] = [];
  norms: InnerBatchNorm<number>[] = [];
  pools: (AntialiasedAvgPool | null)[] = [];
  gpool: GroupPooling<number>;
  fc1: Linear;
  bn: BatchNorm1d;
  fc2: Linear;
  constructor(gen: Generator) {
    super();
    const G = Cn(8);
    let tIn = new FieldType(G, [trivial(G)]);
    const fields = [24, 48, 48, 96, 96, 64];
    const kernels = [7, 5, 5, 5, 5, 5];
    const pads = [1, 2, 2, 2, 2, 1];
    fields.forEach((f, i) => {
      const tOut = FieldType.repeat(G, regular(G), f);
      this.convs.push(new R2Conv(tIn, tOut, kernels[i]!, { padding: pads[i]!, bias: false, generator: gen }));
      this.norms.push(new InnerBatchNorm(tOut));
      this.pools.push(
        i === 1 || i === 3
          ? new AntialiasedAvgPool(tOut.size, 0.66, 2)
          : i === 5
            ? new AntialiasedAvgPool(tOut.size, 0.66, 1, 0)
            : null,
      );
      tIn = tOut;
    });
    this.gpool = new GroupPooling(tIn);
    this.fc1 = new Linear(this.gpool.outType.size, 64, { generator: gen });
    this.bn = new BatchNorm1d(64);
    this.fc2 = new Linear(64, 10, { generator: gen });
  }
  forward(x: Tensor): Tensor {
    let h = x;
    this.convs.forEach((conv, i) => {
      // InnerBatchNorm then ReLU, fused
      h = this.norms[i]!.forwardAct(conv.forward(h), true);
      const p = this.pools[i];
      if (p) h = p.forward(h);
    });
    h = this.gpool.forward(h);
    h = h.reshape([h.shape[0]!, -1]);
    return this.fc2.forward(elu(this.bn.forward(this.fc1.forward(h))));
  }
}

/**
 * The bench's model, batch, labels and optimiser from seed 0 (the generator goes on to draw the
 * convolution cases' inputs).
 */
function c8Setup() {
  const gen = new Generator(0);
  const model = new C8SteerableCNN(gen);
  const x = pad(randn([BATCH, 1, 28, 28], { generator: gen }), [0, 1, 0, 1]);
  const y = new Tensor(
    Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % 10),
    [BATCH],
    "int32",
  );
  const opt = new Adam(model.parameters(), { lr: 5e-5, weightDecay: 1e-5 });
  return { gen, model, x, y, opt };
}

/**
 * The train step of `escnn C8 CNN train step b8` on a model of its own (seed 0), for the threads suite:
 * `step` runs forward, cross-entropy, backward and an Adam step; `check` runs forward and backward
 * only (no parameter changes) and returns the logits followed by every parameter's gradient, to compare
 * thread counts bit for bit.
 */
export function c8TrainStep(): { step: () => void; check: () => Float32Array } {
  const { model, x, y, opt } = c8Setup();
  model.train();
  return {
    step: () => {
      opt.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      opt.step();
    },
    check: () => {
      opt.zeroGrad();
      const logits = model.forward(x);
      crossEntropy(logits, y).backward();
      const parts = [logits.data as Float32Array, ...model.parameters().map((p) => p.grad!.data as Float32Array)];
      const out = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
      let o = 0;
      for (const a of parts) {
        out.set(a, o);
        o += a.length;
      }
      return out;
    },
  };
}

export function steerableC8Suite(opts: { repoRoot: string }): BenchSuite {
  return {
    name: "steerable-c8",
    rounds: 3,
    runPeer: (threads) => escnnPeer(opts.repoRoot, threads),
    cases: () => {
      const { gen, model, x, y, opt } = c8Setup();
      const params = model.numParameters();
      const shape = `C8 regular fields 24-48-48-96-96-64, k7/5, 29x29, batch ${BATCH}, ${params} parameters`;
      return [
        {
          name: `escnn C8 CNN train step b${BATCH}`,
          level: "model",
          peer: "c8.train_step",
          warmup: 1,
          repeat: 3,
          extra: { shape },
          run: () => {
            model.train();
            opt.zeroGrad();
            crossEntropy(model.forward(x), y).backward();
            opt.step();
          },
        },
        {
          name: `escnn C8 CNN fwd eval b${BATCH}`,
          level: "model",
          peer: "c8.fwd_eval",
          warmup: 1,
          repeat: 3,
          extra: { shape },
          run: () => {
            model.eval();
            noGrad(() => model.forward(x));
          },
        },
        // the model's convolutions alone (the expanded filters' shapes, batch 8), forward without gradients
        ...CONV_LAYERS.map(([ci, co, h, k, p]): Bench => {
          const xl = randn([BATCH, ci, h, h], { generator: gen });
          const wl = randn([co, ci, k, k], { generator: gen, std: 0.02 });
          const oh = h + 2 * p - k + 1;
          return {
            name: `C8 CNN conv ${ci}->${co} ${h}x${h} k${k} fwd`,
            level: "tensor",
            flops: 2 * BATCH * co * oh * oh * ci * k * k,
            warmup: 1,
            repeat: 3,
            extra: { shape: `N${BATCH} ${ci}->${co} ${h}x${h} k${k} p${p}` },
            run: () => {
              noGrad(() => conv2d(xl, wl, null, { padding: p }));
            },
          };
        }),
      ] satisfies Bench[];
    },
  };
}
