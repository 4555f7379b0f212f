/**
 * Model benches: full training epochs, timed the way the PyTorch peers time them, with the peer run
 * in the same invocation (../shared/peers, see its README) and the ratio printed next to both.
 *
 * - `gcn cora epoch`: Kipf & Welling's 2-layer GCN as `erlangen train --model gcn --dataset cora`
 *   builds it (sparse row-normalised features, cached normalised adjacency, dropout 0.5, Adam with
 *   weight decay on the first layer). One epoch = forward + loss + backward + Adam step, 200 epochs
 *   from a fresh model, the first `warmup` (5) excluded, median. Peer: `torch_gcn.py --dataset cora`
 *   (dense features, as in PyG: the reference the issue's target is stated against) and, as a second
 *   ratio, `torch_gcn.py --sparse-features` (the same sparse input as ours).
 * - `gat cora epoch`: 8 heads × 8 + ELU, 1 output head, dropout 0.6 on inputs and attention. Peer:
 *   `torch_gat.py --dataset cora`.
 * - `gin mutag epoch`: the GIN-0 graph classifier of `erlangen train --model gin --dataset mutag`
 *   (4 GIN convolutions, i.e. the paper's "5 layers" counting the input; a readout per layer) on all
 *   188 graphs in shuffled batches of 32: shuffle + collation + forward + backward + Adam step per
 *   batch, fresh model, `warmup` epochs then 50 timed. Peer: `torch_gin.py --folds 0 --layers 4`
 *   (the same model).
 * - `mlp cora step`: a 2-layer MLP (1433 → 64 → 7, ReLU, dropout 0.5) on the sparse 2708×1433 Cora
 *   features: forward + cross-entropy on the 140 training nodes + backward + Adam step (target ≤ 2 ms;
 *   no peer script times it).
 * - `schnet qm7 step`: SchNet as `erlangen train --model schnet --dataset qm7` builds it (hidden and
 *   filters 64, 3 interactions, 25 Gaussians, cutoff 5 Å, 100 species) on one batch of 32 QM7
 *   molecules (every 221st): cutoff graph + forward + MSE loss + backward + Adam step, `warmup` steps
 *   then 50 timed. No plain-PyTorch script of ../shared/peers times it; its peer is the PyG one below.
 * Inference lines (eval-mode pass, median of `repeat`) accompany the epochs.
 *
 * PyG peers: `bench/peers/pyg_models.py` builds the GAT, GIN and SchNet above from PyTorch Geometric
 * 2.4.0's layers (`GATConv`, `GINConv` + `global_add_pool`, `SchNet`) with the same sizes and protocol
 * and times them in the same invocation (wall and process CPU time). PyG is found through
 * `ERLANGEN_PYG_PATH` (a PYTHONPATH entry) or `$PEERS_HOME/pytorch_geometric-2.4.0` (as
 * ../shared/peers/anchors/SETUP.md lays it out); without it the script runs the same models in plain
 * PyTorch (`pygWho` says which), and without torch the line says "peer unavailable". The lines gain
 * `pygMs`, `pygCpuMs`, `pygSpeedup = pygMs / ms` and `pygCpuSpeedup = pygCpuMs / cpuMs` (targets:
 * GAT and GIN epochs ≥ 3, SchNet step ≥ 2).
 *
 * Each line: `{name, level: "model", ms, p10, p90, cpuMs, n, peerMs, ratio, peerCpuMs, cpuRatio, ...}`
 * with `ratio = ms / peerMs` (wall time; below 1: faster than PyTorch) and `cpuRatio = cpuMs /
 * peerCpuMs`, where the peer's CPU-time medians come from a second run of the peer script with its
 * timer switched to process CPU time: on a shared machine, other processes stretch wall time (and
 * not always by the same factor for both sides) but not CPU time. `ERLANGEN_BENCH_PEER_CPU=0` skips
 * that second run. Node-only.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type DataInfo, getDataset, getModel, type Hyper } from "../src/cli/registry.js";
import { resolveHyper } from "../src/cli/train_args.js";
import "../src/cli/builtins.js";
import { DataLoader } from "../src/data/loader.js";
import { NormalizeFeatures } from "../src/data/transforms/features.js";
import type { Batch } from "../src/domains/graph/batch.js";
import type { Graph } from "../src/domains/graph/graph.js";
import { NodeMLP } from "../src/layers/graphs/models.js";
import { SchNet } from "../src/layers/groups/models/schnet.js";
import { crossEntropy } from "../src/nn/functional.js";
import { mseLoss } from "../src/nn/losses.js";
import type { Module } from "../src/nn/module.js";
import { loadPlanetoid, loadTUDataset } from "../src/node/datasets.js";
import { Adam } from "../src/optim/adam.js";
import { StepLR } from "../src/optim/scheduler.js";
import { noGrad } from "../src/tensor/autograd.js";
import { randn } from "../src/tensor/creation.js";
import { indexSelect } from "../src/tensor/ops/indexing.js";
import { Generator, manualSeed } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";
import { graphClassificationTask, nodeClassificationTask } from "../src/train/tasks.js";
import type { Task, TrainContext } from "../src/train/trainer.js";
import { findDataset } from "./data.js";
import { type Bench, type BenchSuite, sig } from "./harness.js";
import { type PeerResult, peersDir, runPeer, runPeerScript } from "./peers.js";

/** What a peer run gives back (a subset of peers.ts' result). */
interface Peer {
  ms: Map<string, number>;
  p10?: Map<string, number>;
  /** Medians measured in CPU time (see {@link peerRun}). */
  cpu?: Map<string, number>;
  status: string;
}

/** What the model suite needs from the bench command line. */
export interface ModelSuiteOptions {
  repoRoot: string;
  /** `--filter` substrings (cases are measured only when selected). */
  filters: string[];
  /** Warm-up epochs (peers: `--warmup`). */
  warmup: number;
  /** Timed samples of the inference and MLP cases. */
  repeat: number;
  /** Peer threads. */
  threads: number;
  /** Run the PyTorch peers. */
  peer: boolean;
}

interface Stats {
  ms: number;
  p10: number;
  p90: number;
  cpuMs: number;
  n: number;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function stats(wall: number[], cpu: number[]): Stats {
  const w = [...wall].sort((a, b) => a - b);
  const c = [...cpu].sort((a, b) => a - b);
  return { ms: quantile(w, 0.5), p10: quantile(w, 0.1), p90: quantile(w, 0.9), cpuMs: quantile(c, 0.5), n: w.length };
}

/** Times each call of `fn` separately (wall and CPU), after `warmup` untimed calls. */
function timeEach(fn: (i: number) => void, warmup: number, repeat: number): Stats {
  for (let i = 0; i < warmup; i++) fn(i);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn(warmup + i);
    const t1 = performance.now();
    const c = process.cpuUsage(c0);
    wall.push(t1 - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  return stats(wall, cpu);
}

function context(model: Module, optimizer: Adam): TrainContext<Module> {
  return {
    model,
    optimizer,
    epoch: 0,
    backwardStep(loss: Tensor): number {
      const v = loss.item();
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return v;
    },
  };
}

interface Trained {
  model: Module;
  task: Task<Module>;
  ctx: TrainContext<Module>;
  epochs: Stats;
}

interface Cora {
  task: () => Task<Module>;
  info: DataInfo;
}

/** Cora as `erlangen train --dataset cora` loads it: sparse row-normalised features, public split. */
function loadCora(): Cora {
  const g = new NormalizeFeatures().forward(loadPlanetoid("cora", { sparseFeatures: true }));
  const x = g.xSparse!;
  let numClasses = 0;
  for (const v of g.y!.data) numClasses = Math.max(numClasses, v + 1);
  const data = { x, edgeIndex: g.edgeIndex, y: g.y, trainMask: g.trainMask, valMask: g.valMask, testMask: g.testMask };
  return {
    task: () => nodeClassificationTask<Module>(data),
    info: { kind: "node-classification", numFeatures: x.shape[1]!, numClasses },
  };
}

/** Builds the CLI's model (published defaults) and trains it `epochs` epochs, timing each after `warmup`. */
function trainCli(modelName: string, cora: Cora, epochs: number, warmup: number, hyper: Partial<Hyper> = {}): Trained {
  const spec = getModel(modelName);
  const hp = resolveHyper(spec, cora.info.kind, "cora", hyper);
  manualSeed(0);
  const model = spec.build(cora.info, hp);
  const optimizer = new Adam(spec.paramGroups?.(model, hp, cora.info) ?? model.parameters(), {
    lr: hp.lr,
    weightDecay: hp.weightDecay,
  });
  const task = cora.task();
  const ctx = context(model, optimizer);
  const epochsStats = timeEach(
    () => {
      model.train();
      task.trainStep(ctx);
    },
    warmup,
    epochs - warmup,
  );
  return { model, task, ctx, epochs: epochsStats };
}

/** One result line; `key` names the peer's `bench` line. */
function line(
  name: string,
  s: Stats,
  peer: Peer,
  key: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    level: "model",
    ms: sig(s.ms),
    p10: sig(s.p10),
    p90: sig(s.p90),
    cpuMs: sig(s.cpuMs),
    n: s.n,
  };
  const peerMs = peer.ms.get(key);
  if (peerMs !== undefined) {
    out.peerMs = sig(peerMs);
    out.ratio = sig(s.ms / peerMs, 3);
    out.speedup = sig(peerMs / s.ms, 3);
    const p10 = peer.p10?.get(key);
    if (p10 !== undefined) {
      out.peerP10 = sig(p10);
      out.ratioP10 = sig(s.p10 / p10, 3);
    }
    const cpu = peer.cpu?.get(key);
    if (cpu !== undefined) {
      out.peerCpuMs = sig(cpu);
      out.cpuRatio = sig(s.cpuMs / cpu, 3);
      out.cpuSpeedup = sig(cpu / s.cpuMs, 3);
    }
  } else out.peer = peer.status;
  return { ...out, ...extra, name };
}

/**
 * Runs a peer script twice: as is (wall-clock timings), and with `time.perf_counter` replaced by
 * `time.process_time` (CPU time of the process), whose medians land in `cpu`. On a busy machine the
 * CPU-time ratio is the robust one: other processes stretch wall time, not the work done.
 */
function peerRun(o: ModelSuiteOptions, script: string, args: string[]): Peer {
  if (!o.peer) return { ms: new Map(), status: "peer not run (--no-peer)" };
  const full = ["--warmup", String(o.warmup), ...args];
  const wall: Peer = runPeer(o.repoRoot, script, full, o.threads);
  if (process.env.ERLANGEN_BENCH_PEER_CPU !== "0") wall.cpu = runPeerCpu(o, script, full);
  return wall;
}

/** The peer script with CPU-time timers (see {@link peerRun}); `ms_median` per `bench` line. */
function runPeerCpu(o: ModelSuiteOptions, script: string, args: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const py = process.env.ERLANGEN_PEER_PYTHON ?? "/usr/bin/python3";
  const path = join(peersDir(o.repoRoot), script);
  if (!existsSync(path)) return out;
  const code =
    "import runpy, sys, time\ntime.perf_counter = time.process_time\nsys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name='__main__')";
  const r = spawnSync(py, ["-c", code, path, "--threads", String(o.threads), ...args], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 900_000,
  });
  if (r.error || r.status !== 0) return out;
  for (const text of r.stdout.split("\n")) {
    try {
      const l = JSON.parse(text) as Record<string, unknown>;
      if (l.status === "ok" && typeof l.ms_median === "number") out.set(String(l.bench), l.ms_median);
    } catch {
      // not a JSON line
    }
  }
  return out;
}

/** The PYTHONPATH entry that makes PyG importable, or null when its source tree is not found. */
function pygPath(): string | null {
  const env = process.env.ERLANGEN_PYG_PATH;
  if (env) return env;
  const home = process.env.PEERS_HOME;
  if (!home) return null;
  const tree = join(home, "pytorch_geometric-2.4.0");
  return existsSync(join(tree, "torch_geometric")) ? tree : null;
}

/** Runs bench/peers/pyg_models.py for `model` (PyG, else plain PyTorch; wall and CPU medians). Never throws. */
function pygRun(o: ModelSuiteOptions, model: "gat" | "gin" | "schnet", args: string[], repeat: number): PeerResult {
  if (!o.peer) return { ms: new Map(), status: "peer not run (--no-peer)" };
  const path = pygPath();
  const env: Record<string, string> = path
    ? { PYTHONPATH: [path, process.env.PYTHONPATH].filter((p) => p).join(":") }
    : {};
  return runPeerScript(
    join(o.repoRoot, "bench", "peers", "pyg_models.py"),
    [
      "--model",
      model,
      "--peers-dir",
      peersDir(o.repoRoot),
      "--warmup",
      String(o.warmup),
      "--repeat",
      String(repeat),
      ...args,
    ],
    o.threads,
    env,
  );
}

/** The PyG comparison fields of a line (see the file's doc). */
function pygFields(s: Stats, peer: PeerResult, key: string): Record<string, unknown> {
  const ms = peer.ms.get(key);
  if (ms === undefined) return { pyg: peer.status };
  const cpu = peer.cpu?.get(key);
  return {
    pygWho: peer.who,
    pygMs: sig(ms),
    pygSpeedup: sig(ms / s.ms, 3),
    ...(cpu !== undefined ? { pygCpuMs: sig(cpu), pygCpuSpeedup: sig(cpu / s.cpuMs, 3) } : {}),
  };
}

function selected(name: string, filters: string[]): boolean {
  return filters.length === 0 || filters.some((f) => name.includes(f));
}

/**
 * A case measured while the suite builds its list: the model benches time whole training runs and
 * their peers themselves (the generic per-call timer does not fit epochs of one run), so they are
 * returned as ready lines.
 */
function done(name: string, fields: Record<string, unknown>): Bench {
  return { name, level: "skipped", run: () => {}, extra: fields };
}

const EPOCHS = 200;
const GIN_TIMED = 50;
/** Timed epochs of the PyG GAT peer (about 0.1 s each). */
const PYG_EPOCHS = 50;
const SCHNET_TIMED = 50;
/** The QM7 batch of the SchNet case: 32 molecules, every 221st (7101 in all). */
const SCHNET_MOLECULES = Array.from({ length: 32 }, (_, i) => i * 221);

function gcnCases(o: ModelSuiteOptions, out: Bench[]): void {
  const names = ["gcn cora epoch", "gcn cora inference"];
  if (!names.some((n) => selected(n, o.filters))) return;
  const dense = peerRun(o, "torch_gcn.py", ["--dataset", "cora", "--seeds", "1", "--epochs", String(EPOCHS)]);
  const sparse = peerRun(o, "torch_gcn.py", [
    "--dataset",
    "cora",
    "--seeds",
    "1",
    "--epochs",
    String(EPOCHS),
    "--sparse-features",
  ]);
  const t = trainCli("gcn", loadCora(), EPOCHS, o.warmup);
  const sparseMs = sparse.ms.get("gcn.train_epoch");
  out.push(
    done(
      names[0]!,
      line(names[0]!, t.epochs, dense, "gcn.train_epoch", {
        peerSparseMs: sparseMs !== undefined ? sig(sparseMs) : sparse.status,
        ratioSparse: sparseMs !== undefined ? sig(t.epochs.ms / sparseMs, 3) : undefined,
        peerSparseCpuMs: sparse.cpu?.has("gcn.train_epoch") ? sig(sparse.cpu.get("gcn.train_epoch")!) : undefined,
        cpuRatioSparse: sparse.cpu?.has("gcn.train_epoch")
          ? sig(t.epochs.cpuMs / sparse.cpu.get("gcn.train_epoch")!, 3)
          : undefined,
        what: "forward + loss + backward + Adam step; peerMs: torch_gcn.py dense features (PyG's setup), peerSparseMs: --sparse-features",
      }),
    ),
  );
  const inf = timeEach(() => noGrad(() => t.task.evaluate("test", t.ctx)), 2, o.repeat);
  t.model.eval();
  out.push(
    done(names[1]!, line(names[1]!, inf, dense, "gcn.inference", { what: "eval-mode forward + test-split scoring" })),
  );
}

function gatCases(o: ModelSuiteOptions, out: Bench[]): void {
  const names = ["gat cora epoch", "gat cora inference"];
  if (!names.some((n) => selected(n, o.filters))) return;
  const peer = peerRun(o, "torch_gat.py", ["--dataset", "cora", "--seeds", "1", "--epochs", String(EPOCHS)]);
  const pyg = pygRun(o, "gat", [], PYG_EPOCHS);
  const t = trainCli("gat", loadCora(), EPOCHS, o.warmup);
  out.push(
    done(
      names[0]!,
      line(names[0]!, t.epochs, peer, "gat.train_epoch", {
        ...pygFields(t.epochs, pyg, "pyg.gat.train_epoch"),
        what: "forward + loss + backward + Adam step",
      }),
    ),
  );
  t.model.eval();
  const inf = timeEach(() => noGrad(() => t.task.evaluate("test", t.ctx)), 2, o.repeat);
  out.push(
    done(names[1]!, line(names[1]!, inf, peer, "gat.inference", { what: "eval-mode forward + test-split scoring" })),
  );
}

function ginCases(o: ModelSuiteOptions, out: Bench[]): void {
  const names = ["gin mutag epoch", "gin mutag inference"];
  if (!names.some((n) => selected(n, o.filters))) return;
  const ds = getDataset("mutag");
  const spec = getModel("gin");
  const hp = resolveHyper(spec, ds.kind, ds.name, {});
  // the peer's --layers counts GIN convolutions; ours counts the input layer too (the paper's "5 layers")
  const peer = peerRun(o, "torch_gin.py", [
    "--dataset",
    "MUTAG",
    "--folds",
    "0",
    "--layers",
    String(hp.layers - 1),
    "--repeat",
    String(GIN_TIMED),
  ]);
  const pyg = pygRun(o, "gin", [], GIN_TIMED);
  const tu = loadTUDataset("MUTAG");
  const graphs: Graph[] = tu.graphs;
  const info: DataInfo = { kind: ds.kind, numFeatures: tu.numFeatures, numClasses: tu.numClasses };
  manualSeed(0);
  const model = spec.build(info, hp);
  const optimizer = new Adam(model.parameters(), { lr: hp.lr, weightDecay: hp.weightDecay });
  const scheduler = new StepLR(optimizer, hp.lrStep, hp.lrGamma);
  const loader = new DataLoader<Graph, Batch>(graphs, {
    batchSize: hp.batchSize,
    shuffle: true,
    generator: new Generator(0),
  });
  // no batch cache: the peer collates on every pass too
  const evalLoader = new DataLoader<Graph, Batch>(graphs, { batchSize: hp.batchSize });
  const task = graphClassificationTask<Module, Batch>({ train: loader, test: evalLoader, numClasses: info.numClasses });
  const ctx = context(model, optimizer);
  const epochs = timeEach(
    () => {
      model.train();
      task.trainStep(ctx);
      scheduler.step();
    },
    o.warmup,
    GIN_TIMED,
  );
  out.push(
    done(
      names[0]!,
      line(names[0]!, epochs, peer, "gin.train_epoch", {
        ...pygFields(epochs, pyg, "pyg.gin.train_epoch"),
        graphs: graphs.length,
        batchSize: hp.batchSize,
        what: "shuffle + collation + forward + backward + Adam step over all graphs",
      }),
    ),
  );
  model.eval();
  const inf = timeEach(() => noGrad(() => task.evaluate("test", ctx)), 2, o.repeat);
  out.push(
    done(
      names[1]!,
      line(names[1]!, inf, peer, "gin.inference", { what: "eval-mode pass over all graphs in batches of 32" }),
    ),
  );
}

function schnetCases(o: ModelSuiteOptions, out: Bench[]): void {
  const name = "schnet qm7 step";
  if (!selected(name, o.filters)) return;
  const dir = findDataset(o.repoRoot, join("molecules", "qm7"));
  if (dir === null) {
    out.push(done(name, { status: "data unavailable (molecules/qm7)" }));
    return;
  }
  const buf = (f: string): Buffer => readFileSync(join(dir, f));
  const zAll = buf("z.u8.bin");
  const posBuf = buf("pos.f32.bin");
  const posAll = new Float32Array(posBuf.buffer, posBuf.byteOffset, posBuf.byteLength >> 2);
  const ptrBuf = buf("atom_ptr.i32.bin");
  const ptr = new Int32Array(ptrBuf.buffer, ptrBuf.byteOffset, ptrBuf.byteLength >> 2);
  const z: number[] = [];
  const pos: number[] = [];
  const batch: number[] = [];
  SCHNET_MOLECULES.forEach((m, k) => {
    for (let a = ptr[m]!; a < ptr[m + 1]!; a++) {
      z.push(zAll[a]!);
      pos.push(posAll[3 * a]!, posAll[3 * a + 1]!, posAll[3 * a + 2]!);
      batch.push(k);
    }
  });
  const N = z.length;
  const tz = new Tensor(Int32Array.from(z), [N], "int32");
  const tpos = new Tensor(Float32Array.from(pos), [N, 3]);
  const tb = new Tensor(Int32Array.from(batch), [N], "int32");
  const target = randn([SCHNET_MOLECULES.length, 1], { generator: new Generator(0) });
  const pyg = pygRun(o, "schnet", ["--qm7", dir, "--molecules", SCHNET_MOLECULES.join(",")], SCHNET_TIMED);
  manualSeed(0);
  const model = new SchNet({
    hiddenChannels: 64,
    numFilters: 64,
    numInteractions: 3,
    numGaussians: 25,
    cutoff: 5,
    numSpecies: 100,
  });
  const optimizer = new Adam(model.parameters(), { lr: 5e-4 });
  model.train();
  const s = timeEach(
    () => {
      const loss = mseLoss(model.call(tz, tpos, tb), target);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    },
    o.warmup,
    SCHNET_TIMED,
  );
  out.push(
    done(
      name,
      line(name, s, { ms: new Map(), status: "no plain-PyTorch script of ../shared/peers times it" }, "", {
        ...pygFields(s, pyg, "pyg.schnet.train_step"),
        molecules: SCHNET_MOLECULES.length,
        atoms: N,
        what: "cutoff graph + forward + MSE loss + backward + Adam step on one batch",
      }),
    ),
  );
}

function mlpCases(o: ModelSuiteOptions, out: Bench[]): void {
  const name = "mlp cora step";
  if (!selected(name, o.filters)) return;
  const g = new NormalizeFeatures().forward(loadPlanetoid("cora", { sparseFeatures: true }));
  const x = g.xSparse!;
  const y = g.y!;
  const train: number[] = [];
  for (let i = 0; i < g.numNodes; i++) if (g.trainMask!.data[i]) train.push(i);
  const idx = new Tensor(Int32Array.from(train), [train.length], "int32");
  const target = indexSelect(y, 0, idx);
  manualSeed(0);
  const model = new NodeMLP(x.shape[1]!, 64, 7, { numLayers: 2, dropout: 0.5 });
  const optimizer = new Adam(model.parameters(), { lr: 0.01, weightDecay: 5e-4 });
  model.train();
  const s = timeEach(
    () => {
      const logits = indexSelect(model.call(x, null) as Tensor, 0, idx);
      const loss = crossEntropy(logits, target);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    },
    o.warmup,
    Math.max(o.repeat, 50),
  );
  out.push(
    done(
      name,
      line(name, s, { ms: new Map(), status: "no peer script times it" }, "", {
        target: "<= 2 ms",
        what: "2-layer MLP (hidden 64) forward + backward + Adam step, sparse 2708x1433 input",
      }),
    ),
  );
}

/**
 * The model suite (register in bench/run.ts). Cases are measured when the list is built; the ones
 * not selected by `--filter` are skipped without loading their data or running their peers.
 */
export function modelSuite(o: ModelSuiteOptions): BenchSuite {
  let cached: Bench[] | null = null;
  return {
    name: "models",
    cases: () => {
      if (cached !== null) return cached;
      const out: Bench[] = [];
      gcnCases(o, out);
      gatCases(o, out);
      ginCases(o, out);
      schnetCases(o, out);
      mlpCases(o, out);
      cached = out;
      return out;
    },
  };
}
