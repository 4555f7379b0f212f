/**
 * Robustness of a trained mesh classifier to the discretisation and to bending (a measurement, not a test):
 * trains an `erlangen train` mesh model on SHREC'11 (split 16 by default), then scores the same test meshes
 * remeshed (midpoint subdivision: 4× the faces; 20 % of the edges flipped) and bent near-isometrically (π/3
 * around the longest axis), with every feature and operator recomputed on the new meshes. Prints one JSON
 * line: accuracy on each version and the mean relative change of the logits against the original meshes.
 *
 * ```bash
 * npx tsc -p tsconfig.build.json
 * ERLANGEN_CACHE_DIR=/tmp/erlangen-cache node dist/bench/mesh_robustness.js --model diffusionnet --epochs 50 --lr-step 15
 * ```
 */
import { meshFeatures } from "../src/cli/mesh_features.js";
import { getDataset, getModel, type Hyper } from "../src/cli/registry.js";
import { resolveHyper } from "../src/cli/train_args.js";
import type { Mesh } from "../src/domains/mesh/mesh.js";
import { bendMesh, edgeLengthDistortion, flipEdges, subdivideMidpoint } from "../src/domains/mesh/remesh.js";
import { loadShrec11 } from "../src/node/mesh_datasets.js";
import { Adam } from "../src/optim/adam.js";
import { StepLR } from "../src/optim/scheduler.js";
import { noGrad } from "../src/tensor/autograd.js";
import { Generator, manualSeed } from "../src/tensor/rng.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { MeshItem, type MeshModel } from "../src/train/meshes.js";
import { Trainer } from "../src/train/trainer.js";
import "../src/cli/builtins.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const modelName = arg("model", "diffusionnet");
  const seed = Number(arg("seed", "0"));
  const split = arg("split", "16");
  const overrides: Partial<Hyper> = {};
  for (const k of ["epochs", "lr-step", "hidden", "layers"] as const) {
    const v = process.argv.indexOf(`--${k}`);
    if (v >= 0) overrides[k === "lr-step" ? "lrStep" : k] = Number(process.argv[v + 1]);
  }
  const t0 = performance.now();
  const ds = getDataset("shrec11");
  const data = await ds.load({ split });
  const spec = getModel(modelName);
  const hp = resolveHyper(spec, ds.kind, ds.name, overrides);
  manualSeed(seed);
  const model = spec.build(data.info, hp);
  const optimizer = new Adam(model.parameters(), { lr: hp.lr, weightDecay: hp.weightDecay });
  const run = data.runs({ seeds: 1, folds: 0, seed })[0]!;
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const task = run.task(model, hp, { log, quiet: false, progress: process.stderr });
  const trainer = new Trainer(model, task, {
    optimizer,
    epochs: hp.epochs,
    scheduler: hp.lrStep > 0 ? new StepLR(optimizer, hp.lrStep, hp.lrGamma) : undefined,
    callbacks: [{ onEpochEnd: (r) => void (r.epoch % 10 === 0 && log(`epoch ${r.epoch} loss ${r.loss.toFixed(4)}`)) }],
  });
  await trainer.fit();
  const trainMs = performance.now() - t0;
  model.eval();
  // the test meshes of the same split, as the dataset loads them
  const full = loadShrec11(split === "16" ? { split: 16 } : { split: 10 });
  const limit = Number(arg("test-limit", String(full.test.length)));
  const set = { ...full, test: full.test.slice(0, limit) };
  const features = meshFeatures("hks");
  const gen = new Generator(0);
  const versions: [string, (m: Mesh, i: number) => Mesh][] = [
    ["original", (m) => m],
    ["subdivided", subdivideMidpoint],
    ["flipped20", (m, i) => flipEdges(m, { fraction: 0.2, generator: new Generator(1000 + i) }).mesh],
    ["bent60", (m) => bendMesh(m, { angle: Math.PI / 3 })],
  ];
  const logits = new Map<string, Tensor[]>();
  const out: Record<string, unknown> = {
    name: `mesh robustness shrec11 split ${split} ${modelName}`,
    seed,
    hyper: { epochs: hp.epochs, lrStep: hp.lrStep, hidden: hp.hidden, layers: hp.layers },
    trainSeconds: Math.round(trainMs / 1000),
  };
  let distortion = 0;
  for (const [name, transform] of versions) {
    const t = performance.now();
    const ls: Tensor[] = [];
    let right = 0;
    set.test.forEach((m, i) => {
      const mesh = transform(m.mesh, i);
      if (name === "bent60") distortion += edgeLengthDistortion(m.mesh, mesh).mean / set.test.length;
      const item = new MeshItem(m.file, mesh, { label: m.label });
      const y = noGrad(() =>
        (model as unknown as MeshModel & { call(x: Tensor, it: MeshItem): Tensor }).call(
          features.compute(item, false, gen),
          item,
        ),
      );
      ls.push(y);
      let best = 0;
      for (let c = 1; c < y.shape[1]!; c++) if (y.data[c]! > y.data[best]!) best = c;
      if (best === m.label) right++;
    });
    logits.set(name, ls);
    const base = logits.get("original")!;
    let rel = 0;
    ls.forEach((y, i) => {
      let d = 0;
      let n = 0;
      for (let c = 0; c < y.size; c++) {
        d += (y.data[c]! - base[i]!.data[c]!) ** 2;
        n += base[i]!.data[c]! ** 2;
      }
      rel += Math.sqrt(d) / Math.max(Math.sqrt(n), 1e-30) / ls.length;
    });
    out[name] = {
      accuracy: right / set.test.length,
      meanRelLogitChange: rel,
      seconds: Math.round((performance.now() - t) / 1000),
    };
    log(`${name}: accuracy ${(100 * right) / set.test.length} %, mean relative logit change ${rel.toExponential(2)}`);
  }
  out.bendEdgeLengthChange = distortion;
  console.log(JSON.stringify(out));
}

await main();
