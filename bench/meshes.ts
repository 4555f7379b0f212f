/**
 * Mesh-model benches: one training epoch on SHREC'11 split 16 (480 meshes of 500 faces, one mesh per
 * optimiser step, the CLI's defaults and input features) for every mesh model of `erlangen train`
 * (`mesh epoch shrec11 <model>`), after a warm-up epoch; the per-mesh precomputation (features and the
 * model's operators, once per dataset load) is timed separately and reported in the same line. Epochs are
 * timed whole, so the lines are measured while the suite builds its list (like `bench/models.ts`).
 * No peer: DiffusionNet's and PyG's mesh code are not part of the peer environment.
 */
import { getDataset, getModel, type Hyper, listModels } from "../src/cli/registry.js";
import { resolveHyper } from "../src/cli/train_args.js";
import type { Module } from "../src/nn/module.js";
import { Adam } from "../src/optim/adam.js";
import { manualSeed } from "../src/tensor/rng.js";
import type { Tensor } from "../src/tensor/tensor.js";
import type { TrainContext } from "../src/train/trainer.js";
import { type Bench, type BenchSuite, median, sig } from "./harness.js";
import "../src/cli/builtins.js";

/** What the mesh suite needs from the bench command line. */
export interface MeshEpochSuiteOptions {
  filters: string[];
  /** Timed epochs per model (`--rounds N`; default 3; `--repeat` is for per-call benches and would take hours here). */
  epochs?: number;
}

const KIND = "mesh-classification";

function selected(name: string, filters: string[]): boolean {
  return filters.length === 0 || filters.some((f) => name.includes(f));
}

function done(name: string, fields: Record<string, unknown>): Bench {
  return { name, level: "skipped", run: () => {}, extra: fields };
}

async function epochCase(model: string, epochs: number, hyper: Partial<Hyper>): Promise<Record<string, unknown>> {
  const ds = getDataset("shrec11");
  const data = await ds.load({});
  const spec = getModel(model);
  const hp = resolveHyper(spec, KIND, "shrec11", { ...hyper, epochs: epochs + 1 });
  manualSeed(0);
  const m: Module = spec.build(data.info, hp);
  const optimizer = new Adam(m.parameters(), { lr: hp.lr, weightDecay: hp.weightDecay });
  const run = data.runs({ seeds: 1, folds: 0, seed: 0 })[0]!;
  const t0 = performance.now();
  const task = run.task(m, hp, { log: () => {}, quiet: true });
  const prepMs = performance.now() - t0;
  const ctx = (epoch: number): TrainContext<Module> => ({
    model: m,
    optimizer,
    epoch,
    backwardStep(loss: Tensor): number {
      const v = loss.item();
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return v;
    },
  });
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let e = 0; e <= epochs; e++) {
    m.train();
    const c0 = process.cpuUsage();
    const s = performance.now();
    await task.trainStep(ctx(e));
    const w = performance.now() - s;
    const c = process.cpuUsage(c0);
    if (e > 0) {
      wall.push(w);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  let params = 0;
  for (const p of m.parameters()) params += p.size;
  return {
    level: "model",
    ms: sig(median(wall)),
    cpuMs: sig(median(cpu)),
    n: wall.length,
    precomputeMs: sig(prepMs),
    meshes: 480,
    msPerMesh: sig(median(wall) / 480),
    params,
    hyper: { hidden: hp.hidden, layers: hp.layers, k: hp.k, batchSize: hp.batchSize },
    peer: "no peer (DiffusionNet's and PyG's mesh code are not in the peer environment)",
    what: `one training epoch on SHREC'11 split 16 (480 meshes, forward + loss + backward + Adam, one mesh per step, ${data.summary.split("; ").at(-1)})`,
  };
}

/**
 * The mesh suite (register in bench/run.ts): a SHREC'11 training epoch of each mesh model. Cases are
 * measured when the list is built; the ones not selected by `--filter` are skipped without loading data.
 */
export function meshEpochSuite(o: MeshEpochSuiteOptions): BenchSuite {
  return {
    name: "mesh-epochs",
    cases: async () => {
      const out: Bench[] = [];
      for (const spec of listModels().filter((m) => m.kinds.includes(KIND))) {
        const name = `mesh epoch shrec11 ${spec.name}`;
        if (!selected(name, o.filters)) continue;
        out.push(done(name, await epochCase(spec.name, o.epochs ?? 3, {})));
      }
      return out;
    },
  };
}
