/**
 * The blueprint playground (bundled by `npm run build:playground` into dist/playground.js): pick a
 * domain and a group, see the plan, its diagram and its parameter count; train the built model and a
 * plain baseline on a small dataset in the page (rotated MNIST digits, MUTAG, N-body); move the input
 * by the group and watch the equivariant model's outputs stay still (or turn with it) while the
 * baseline's do not; run the checker on the model, layer by layer.
 *
 * The page exposes its state for the Playwright test (scripts/playground-test.mjs) in `data-*`
 * attributes and element texts; `window.playground` has the numbers.
 */
import {
  Adam,
  activeKernelBackend,
  Batch,
  type BlueprintModel,
  blueprint,
  concat,
  DOMAIN_NAMES,
  DOMAINS,
  type DomainName,
  F,
  Generator,
  Graph,
  kernelsReady,
  Linear,
  Module,
  manualSeed,
  movePlanar,
  noGrad,
  type Plan,
  planToSvg,
  relu,
  rotateImage,
  simulateNBody,
  Tensor,
  tasksOf,
  verifyBlueprint,
  zeros,
} from "../../src/index.js";

// ---------------------------------------------------------------------------------------------
// small DOM helpers

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`playground: no element #${id}`);
  return el as T;
}
const setText = (id: string, s: string) => {
  $(id).textContent = s;
};
const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));
const fmt = (v: number, d = 3) =>
  Number.isFinite(v) ? (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(1) : v.toFixed(d)) : "–";

// ---------------------------------------------------------------------------------------------
// data

interface Digits {
  trainX: Tensor;
  trainY: Tensor;
  testX: Tensor;
  testY: Tensor;
  /** Unrotated test digits for the symmetry view [n, 1, 28, 28]. */
  plain: Tensor;
}

/** The shipped digits, each rotated by a seeded random angle (rotated MNIST). */
async function loadDigits(): Promise<Digits> {
  const buf = new Uint8Array(await (await fetch("./dist/digits.bin")).arrayBuffer());
  const dv = new DataView(buf.buffer);
  const nTrain = dv.getUint32(0, true);
  const nTest = dv.getUint32(4, true);
  const P = 28 * 28;
  const labels = buf.subarray(8, 8 + nTrain + nTest);
  const pixels = buf.subarray(8 + nTrain + nTest);
  const g = new Generator(12);
  const make = (from: number, n: number, rotate: boolean) => {
    const x = new Float32Array(n * P);
    for (let i = 0; i < n; i++) {
      const img = new Tensor(
        Float32Array.from(pixels.subarray((from + i) * P, (from + i + 1) * P), (v) => v / 255),
        [28, 28],
      );
      const r = rotate ? rotateImage(img, g.uniform(0, 2 * Math.PI)) : img;
      x.set(r.data as Float32Array, i * P);
    }
    const y = Int32Array.from(labels.subarray(from, from + n));
    return { x: new Tensor(x, [n, 1, 28, 28]), y: new Tensor(y, [n], "int32") };
  };
  const tr = make(0, nTrain, true);
  const te = make(nTrain, Math.min(nTest, 300), true);
  const plain = make(nTrain, 20, false).x;
  return { trainX: tr.x, trainY: tr.y, testX: te.x, testY: te.y, plain };
}

interface MutagFile {
  numLabels: number;
  graphs: { y: number; labels: number[]; src: number[]; dst: number[] }[];
}

/** MUTAG graphs (one-hot atom types), split 150 / 38 with a seeded shuffle. */
async function loadMutag(): Promise<{ train: Graph[]; test: Graph[]; all: Graph[] }> {
  const f = (await (await fetch("./dist/mutag.json")).json()) as MutagFile;
  const all = f.graphs.map((g) => {
    const n = g.labels.length;
    const x = new Float32Array(n * f.numLabels);
    g.labels.forEach((l, i) => {
      x[i * f.numLabels + l] = 1;
    });
    const gr = new Graph({
      x: new Tensor(x, [n, f.numLabels]),
      edgeIndex: new Tensor(Int32Array.from([...g.src, ...g.dst]), [2, g.src.length], "int32"),
    });
    gr.set("y", new Tensor(Int32Array.from([g.y]), [1], "int32"), "graph");
    return gr;
  });
  const order = new Generator(0).permutation(all.length);
  const shuffled = Array.from(order, (i) => all[i]!);
  return { train: shuffled.slice(0, 150), test: shuffled.slice(150), all };
}

/** N-body systems simulated in the page (the EGNN paper's charged particles; fewer integration steps). */
function makeNBody(): { train: Graph[]; test: Graph[] } {
  const o = { burnIn: 300, steps: 500 };
  return {
    train: simulateNBody({ ...o, numTrajectories: 300, seed: 0 }),
    test: simulateNBody({ ...o, numTrajectories: 100, seed: 1 }),
  };
}

// ---------------------------------------------------------------------------------------------
// baselines

/** A graph classifier that reads the nodes in their given order (padded to maxNodes): not permutation invariant. */
class OrderMLP extends Module<[{ x: Tensor; batch: Tensor }], Tensor> {
  l1: Linear;
  l2: Linear;
  constructor(
    readonly maxNodes: number,
    readonly features: number,
    hidden: number,
    outputs: number,
  ) {
    super();
    this.l1 = new Linear(maxNodes * features, hidden);
    this.l2 = new Linear(hidden, outputs);
  }
  forward(inp: { x: Tensor; batch: Tensor }): Tensor {
    const N = inp.x.shape[0]!;
    let G = 0;
    for (let i = 0; i < N; i++) G = Math.max(G, inp.batch.data[i]! + 1);
    const idx = new Int32Array(G * this.maxNodes).fill(N);
    const seen = new Int32Array(G);
    for (let i = 0; i < N; i++) {
      const g = inp.batch.data[i]!;
      if (seen[g]! < this.maxNodes) idx[g * this.maxNodes + seen[g]!] = i;
      seen[g]!++;
    }
    const padded = concat([inp.x, zeros([1, this.features])], 0).indexSelect(0, new Tensor(idx, [idx.length], "int32"));
    return this.l2.forward(relu(this.l1.forward(padded.reshape([G, this.maxNodes * this.features]))));
  }
}

// ---------------------------------------------------------------------------------------------
// state

interface Trainer {
  /** Name shown above the plot. */
  dataset: string;
  metric: string;
  higherIsBetter: boolean;
  step(model: Module, opt: Adam, it: number): number;
  evaluate(model: Module): number;
}

const state = {
  model: null as BlueprintModel | null,
  plan: null as Plan | null,
  baseline: null as Module | null,
  baselineName: "",
  trainer: null as Trainer | null,
  training: false,
  stopRequested: false,
  steps: 0,
  history: [] as { step: number; lossEq: number; lossBase: number; metricEq?: number; metricBase?: number }[],
  digits: null as Digits | null,
  mutag: null as Awaited<ReturnType<typeof loadMutag>> | null,
  nbody: null as ReturnType<typeof makeNBody> | null,
  digitIndex: 0,
  graphIndex: 0,
  perm: null as Int32Array | null,
  stepMs: Number.NaN,
  buildMs: Number.NaN,
  symEq: Number.NaN,
  symBase: Number.NaN,
};

/** Defaults per domain: a budget small enough to train in a page. */
const DEFAULTS: Partial<Record<DomainName, { group: string; task: string; budget: number; depth: number }>> = {
  grid2d: { group: "p4", task: "graph-classification", budget: 6000, depth: 4 },
  graph: { group: "Sn", task: "graph-classification", budget: 6000, depth: 3 },
  pointcloud: { group: "E(3)", task: "node-vector", budget: 12000, depth: 3 },
};

/** The dataset of a (domain, task), if the playground has one. */
function datasetOf(domain: string, task: string): string | null {
  if (domain === "grid2d" && task === "graph-classification") return "rotated-digits";
  if (domain === "graph" && task === "graph-classification") return "mutag";
  if (domain === "pointcloud" && task === "node-vector") return "nbody";
  return null;
}

function groupOptions(domain: DomainName): string[] {
  return DOMAINS[domain].groups.flatMap((g) =>
    g === "Cn" ? ["C4", "C8", "C6"] : g === "Dn" ? ["D4", "D8"] : [g === "gauge" ? "gauge" : g],
  );
}

function fillSelect(sel: HTMLSelectElement, values: string[], value?: string): void {
  sel.replaceChildren(...values.map((v) => new Option(v, v)));
  if (value !== undefined && values.includes(value)) sel.value = value;
}

function familyOf(group: string): string {
  return /^C\d+$/.test(group) ? "Cn" : /^D\d+$/.test(group) ? "Dn" : group;
}

function onDomainChange(): void {
  const d = $<HTMLSelectElement>("domain").value as DomainName;
  const def = DEFAULTS[d];
  fillSelect($<HTMLSelectElement>("group"), groupOptions(d), def?.group);
  onGroupChange(def?.task);
  $<HTMLInputElement>("budget").value = String(def?.budget ?? 8000);
  $<HTMLInputElement>("depth").value = String(def?.depth ?? DOMAINS[d].depth);
}

function onGroupChange(task?: string): void {
  const d = $<HTMLSelectElement>("domain").value as DomainName;
  const g = $<HTMLSelectElement>("group").value;
  const tasks = [...tasksOf(d, familyOf(g) as never)];
  const cur = task ?? $<HTMLSelectElement>("task").value;
  fillSelect($<HTMLSelectElement>("task"), tasks, cur);
}

// ---------------------------------------------------------------------------------------------
// building

/**
 * Image-level models with p4, p4m, Cn or Dn use the `cohen-welling` layout, as the CLI's rotated-MNIST spec
 * files do (the skeleton of the hand-written p4cnn / e2cnn); other groups and pixel-level tasks the torus.
 */
function layoutOf(domain: string, group: string, task: string): "cohen-welling" | undefined {
  const skeletonGroup = group === "p4" || group === "p4m" || /^[CD]\d+$/.test(group);
  return domain === "grid2d" && skeletonGroup && (task === "graph-classification" || task === "graph-regression")
    ? "cohen-welling"
    : undefined;
}

function specOf(domain: string, group: string, task: string, budget: number, depth: number) {
  const ds = datasetOf(domain, task);
  const input = ds === "mutag" ? { scalars: 7 } : ds === "nbody" ? { charges: 1, vectors: 1 } : undefined;
  const outputs = ds === "mutag" ? 2 : ds === "rotated-digits" ? 10 : undefined;
  const layout = layoutOf(domain, group, task);
  return {
    domain,
    group,
    task,
    size: { params: budget, depth },
    seed: 0,
    ...(input ? { input } : {}),
    ...(outputs ? { outputs } : {}),
    ...(layout ? { options: { layout } } : {}),
  };
}

function renderPlan(plan: Plan): void {
  setText("params", plan.params.toLocaleString("en-US"));
  setText("build-ms", plan.buildMs.toFixed(1));
  setText("widths", `widths [${plan.widths.join(", ")}] (${plan.widthUnit})`);
  $("why").replaceChildren(
    ...plan.rationale.map((r) => Object.assign(document.createElement("li"), { textContent: r })),
  );
  const head = "<tr><th>#</th><th>layer</th><th>blueprint step</th><th>in</th><th>out</th><th>params</th></tr>";
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const rows = plan.layers
    .map(
      (l) =>
        `<tr title="${esc(l.note ?? "")}"><td>${l.index}</td><td>${esc(l.name)}</td><td>${esc(l.step)}</td><td>${esc(l.inType)}</td><td>${esc(l.outType)}</td><td class="num">${l.params.toLocaleString("en-US")}</td></tr>`,
    )
    .join("");
  $("plan").innerHTML = head + rows;
  $("diagram").innerHTML = planToSvg(plan);
}

function buildBaseline(domain: string, task: string, budget: number, depth: number): void {
  const ds = datasetOf(domain, task);
  state.baseline = null;
  state.baselineName = "";
  if (ds === "rotated-digits") {
    state.baseline = blueprint({
      domain: "grid2d",
      group: "translations",
      task,
      size: { params: budget, depth },
      outputs: 10,
      seed: 1,
    }).model;
    state.baselineName = "a plain CNN of the same budget (blueprint with G = translations): rotations are not built in";
  } else if (ds === "mutag") {
    state.baseline = new OrderMLP(28, 7, 48, 2);
    state.baselineName =
      "an MLP that reads the nodes in their given order (28 × 7 padded features): not permutation invariant";
  } else if (ds === "nbody") {
    const inner = blueprint({
      domain: "pointcloud",
      group: "Sn",
      task: "node-regression",
      input: { scalars: 4 },
      outputs: 3,
      size: { params: budget, depth },
      seed: 1,
    }).model;
    state.baseline = new (class extends Module<[Record<string, Tensor>], Tensor> {
      inner = inner;
      forward(i: Record<string, Tensor>): Tensor {
        return this.inner.forward({ pos: i.pos, x: concat([i.x!, i.vel!], 1), batch: i.batch });
      }
    })();
    state.baselineName =
      "DeepSets on coordinates, charge and velocity (blueprint with G = Sn): permutation equivariant, not rotation equivariant";
  }
  setText("baseline-note", state.baselineName ? `baseline: ${state.baselineName}` : "");
}

function build(): void {
  if (state.training) return;
  const domain = $<HTMLSelectElement>("domain").value;
  const group = $<HTMLSelectElement>("group").value;
  const task = $<HTMLSelectElement>("task").value;
  const budget = Number($<HTMLInputElement>("budget").value);
  const depth = Number($<HTMLInputElement>("depth").value);
  setText("build-error", "");
  try {
    const { model, plan } = blueprint(specOf(domain, group, task, budget, depth));
    state.model = model;
    state.plan = plan;
    state.buildMs = plan.buildMs;
    renderPlan(plan);
    buildBaseline(domain, task, budget, depth);
  } catch (e) {
    state.model = null;
    state.plan = null;
    state.baseline = null;
    setText("build-error", (e as Error).message);
  }
  state.history = [];
  state.steps = 0;
  state.stepMs = Number.NaN;
  document.body.dataset.steps = "0";
  setText("steps", "0");
  for (const id of ["loss-eq", "metric-eq", "loss-base", "metric-base", "step-ms"]) setText(id, "–");
  setText("check-report", "");
  setText("check-status", "");
  document.body.dataset.built = String(Number(document.body.dataset.built ?? "0") + 1);
  setupTrainer();
  drawPlot();
  setupSymmetry();
}

// ---------------------------------------------------------------------------------------------
// training

function setupTrainer(): void {
  const domain = $<HTMLSelectElement>("domain").value;
  const task = $<HTMLSelectElement>("task").value;
  const ds = state.model ? datasetOf(domain, task) : null;
  state.trainer = null;
  if (ds === "rotated-digits" && state.digits) {
    const d = state.digits;
    const B = 32;
    const n = d.trainX.shape[0]!;
    const order = new Generator(5).permutation(n);
    state.trainer = {
      dataset: `rotated MNIST digits in the page: ${n} training digits (seeded random rotations), ${d.testX.shape[0]} test digits`,
      metric: "accuracy",
      higherIsBetter: true,
      step(model, opt, it) {
        const start = (it * B) % (n - B);
        const idx = new Tensor(order.slice(start, start + B), [B], "int32");
        model.train();
        opt.zeroGrad();
        const loss = F.crossEntropy(
          model.forward(d.trainX.indexSelect(0, idx)) as Tensor,
          d.trainY.indexSelect(0, idx),
        );
        loss.backward();
        opt.step();
        return loss.item();
      },
      evaluate(model) {
        model.eval();
        return noGrad(() => {
          const logits = model.forward(d.testX) as Tensor;
          return argmaxAccuracy(logits, d.testY);
        });
      },
    };
  } else if (ds === "mutag" && state.mutag) {
    const m = state.mutag;
    const B = 16;
    const gen = new Generator(3);
    let order = gen.permutation(m.train.length);
    const test = Batch.fromGraphs(m.test);
    state.trainer = {
      dataset: `MUTAG (TU Dortmund): ${m.train.length} training graphs, ${m.test.length} test graphs`,
      metric: "accuracy",
      higherIsBetter: true,
      step(model, opt, it) {
        const k = (it * B) % m.train.length;
        if (k < B && it > 0) order = gen.permutation(m.train.length);
        const b = Batch.fromGraphs(Array.from(order.slice(k, k + B), (i) => m.train[i]!));
        model.train();
        opt.zeroGrad();
        const loss = F.crossEntropy(
          model.forward({ x: b.x!, edgeIndex: b.edgeIndex, batch: b.batch }) as Tensor,
          b.get("y")!.reshape([-1]),
        );
        loss.backward();
        opt.step();
        return loss.item();
      },
      evaluate(model) {
        model.eval();
        return noGrad(() =>
          argmaxAccuracy(
            model.forward({ x: test.x!, edgeIndex: test.edgeIndex, batch: test.batch }) as Tensor,
            test.get("y")!.reshape([-1]),
          ),
        );
      },
    };
  } else if (ds === "nbody" && state.nbody) {
    const nb = state.nbody;
    const B = 20;
    const test = Batch.fromGraphs(nb.test);
    const run = (model: Module, b: Batch) => {
      const pos = b.pos!;
      const disp = model.forward({
        pos,
        x: b.get("charges")!.reshape([pos.shape[0]!, 1]),
        charges: b.get("charges")!.reshape([pos.shape[0]!, 1]),
        vel: b.get("vel")!,
        batch: b.batch,
      }) as Tensor;
      return pos.add(disp);
    };
    state.trainer = {
      dataset: `charged-particle N-body, simulated in the page: ${nb.train.length} training and ${nb.test.length} test systems of 5 particles (predict positions 500 steps ahead)`,
      metric: "MSE",
      higherIsBetter: false,
      step(model, opt, it) {
        const k = (it * B) % nb.train.length;
        const b = Batch.fromGraphs(nb.train.slice(k, k + B));
        model.train();
        opt.zeroGrad();
        const loss = run(model, b).sub(b.get("y")!).square().mean();
        loss.backward();
        opt.step();
        return loss.item();
      },
      evaluate(model) {
        model.eval();
        return noGrad(() => run(model, test).sub(test.get("y")!).square().mean().item());
      },
    };
  }
  setText(
    "dataset",
    state.trainer
      ? state.trainer.dataset
      : "No dataset for this domain and task in the playground: pick grid2d + graph-classification, graph + graph-classification or pointcloud + node-vector to train.",
  );
  setText("metric-name", state.trainer?.metric ?? "metric");
  $<HTMLButtonElement>("train").disabled = state.trainer === null;
}

function argmaxAccuracy(logits: Tensor, y: Tensor): number {
  const C = logits.shape[1]!;
  let right = 0;
  for (let i = 0; i < y.size; i++) {
    let best = 0;
    for (let k = 1; k < C; k++) if (logits.data[i * C + k]! > logits.data[i * C + best]!) best = k;
    if (best === y.data[i]) right++;
  }
  return right / y.size;
}

async function train(): Promise<void> {
  const t = state.trainer;
  const model = state.model;
  const base = state.baseline;
  if (t === null || model === null || base === null || state.training) return;
  state.training = true;
  state.stopRequested = false;
  document.body.dataset.training = "1";
  $<HTMLButtonElement>("train").disabled = true;
  $<HTMLButtonElement>("stop").disabled = false;
  const lr = t.metric === "MSE" ? 5e-3 : 3e-3;
  const optEq = new Adam(model.parameters(), { lr });
  const optBase = new Adam(base.parameters(), { lr });
  const maxSteps = Number(new URLSearchParams(location.search).get("steps") ?? "400");
  let emaEq = Number.NaN;
  let emaBase = Number.NaN;
  try {
    while (!state.stopRequested && state.steps < maxSteps) {
      const t0 = performance.now();
      const le = t.step(model, optEq, state.steps);
      const lb = t.step(base, optBase, state.steps);
      const ms = performance.now() - t0;
      state.stepMs = Number.isNaN(state.stepMs) ? ms : 0.8 * state.stepMs + 0.2 * ms;
      emaEq = Number.isNaN(emaEq) ? le : 0.9 * emaEq + 0.1 * le;
      emaBase = Number.isNaN(emaBase) ? lb : 0.9 * emaBase + 0.1 * lb;
      state.steps++;
      const point: (typeof state.history)[number] = { step: state.steps, lossEq: emaEq, lossBase: emaBase };
      if (state.steps % 10 === 0 || state.steps === 1) {
        point.metricEq = t.evaluate(model);
        point.metricBase = t.evaluate(base);
        setText("metric-eq", fmt(point.metricEq));
        setText("metric-base", fmt(point.metricBase));
      }
      state.history.push(point);
      setText("steps", String(state.steps));
      setText("step-ms", state.stepMs.toFixed(0));
      setText("loss-eq", fmt(emaEq));
      setText("loss-base", fmt(emaBase));
      document.body.dataset.steps = String(state.steps);
      drawPlot();
      await nextFrame();
    }
  } finally {
    model.eval();
    base.eval();
    state.training = false;
    document.body.dataset.training = "0";
    $<HTMLButtonElement>("train").disabled = false;
    $<HTMLButtonElement>("stop").disabled = true;
    updateSymmetry();
  }
}

function drawPlot(): void {
  const cv = $<HTMLCanvasElement>("plot");
  const ctx = cv.getContext("2d");
  if (ctx === null) return;
  const W = cv.width;
  const H = cv.height;
  ctx.clearRect(0, 0, W, H);
  ctx.font = "11px system-ui, sans-serif";
  const h = state.history;
  const pad = { l: 40, r: 40, t: 12, b: 22 };
  ctx.strokeStyle = "#ccc";
  ctx.strokeRect(pad.l, pad.t, W - pad.l - pad.r, H - pad.t - pad.b);
  if (h.length === 0) {
    ctx.fillStyle = "#888";
    ctx.fillText("training loss (lines) and test metric (dots) appear here", pad.l + 10, H / 2);
    return;
  }
  const maxStep = Math.max(10, h[h.length - 1]!.step);
  const losses = h.flatMap((p) => [p.lossEq, p.lossBase]).filter(Number.isFinite);
  const lmax = Math.max(...losses) * 1.05;
  const X = (s: number) => pad.l + ((W - pad.l - pad.r) * s) / maxStep;
  const Y = (v: number, max: number) => H - pad.b - ((H - pad.t - pad.b) * v) / max;
  const line = (key: "lossEq" | "lossBase", colour: string) => {
    ctx.strokeStyle = colour;
    ctx.beginPath();
    h.forEach((p, i) => {
      if (i === 0) ctx.moveTo(X(p.step), Y(p[key], lmax));
      else ctx.lineTo(X(p.step), Y(p[key], lmax));
    });
    ctx.stroke();
  };
  line("lossEq", "#4e79a7");
  line("lossBase", "#e15759");
  const ms = h.filter((p) => p.metricEq !== undefined);
  const mmax = state.trainer?.higherIsBetter
    ? 1
    : Math.max(1e-9, ...ms.flatMap((p) => [p.metricEq!, p.metricBase!])) * 1.05;
  for (const p of ms) {
    ctx.fillStyle = "#4e79a7";
    ctx.fillRect(X(p.step) - 2, Y(p.metricEq!, mmax) - 2, 4, 4);
    ctx.fillStyle = "#e15759";
    ctx.fillRect(X(p.step) - 2, Y(p.metricBase!, mmax) - 2, 4, 4);
  }
  ctx.fillStyle = "#555";
  ctx.fillText(`loss ${lmax.toFixed(2)}`, 2, pad.t + 8);
  ctx.fillText("0", pad.l - 10, H - pad.b);
  ctx.fillText(`${state.trainer?.metric ?? ""} ${mmax.toFixed(2)}`, W - pad.r + 2, pad.t + 8);
  ctx.fillText(`step ${maxStep}`, W - pad.r - 40, H - 6);
}

// ---------------------------------------------------------------------------------------------
// symmetry view

function setupSymmetry(): void {
  const domain = $<HTMLSelectElement>("domain").value;
  const ds = datasetOf(domain, $<HTMLSelectElement>("task").value);
  for (const id of ["sym-grid", "sym-graph", "sym-cloud", "sym-none"]) $(id).classList.remove("on");
  const panel =
    !state.model || !state.baseline
      ? "sym-none"
      : ds === "rotated-digits"
        ? "sym-grid"
        : ds === "mutag"
          ? "sym-graph"
          : ds === "nbody"
            ? "sym-cloud"
            : "sym-none";
  $(panel).classList.add("on");
  state.perm = null;
  updateSymmetry();
}

function relDiff(a: Tensor, b: Tensor): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.size; i++) {
    d += (a.data[i]! - b.data[i]!) ** 2;
    n += b.data[i]! ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(n), 1e-30);
}

/** Moves images [B, C, 28, 28] about the centre: exact pixel permutations for multiples of 90°, bilinear otherwise. */
function moveImages(x: Tensor, deg: number, flip: boolean): Tensor {
  return movePlanar(x, { theta: (deg * Math.PI) / 180, f: flip ? 1 : 0 });
}

function softmaxRow(t: Tensor): number[] {
  const v = Array.from(t.data as Float32Array);
  const m = Math.max(...v);
  const e = v.map((a) => Math.exp(a - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((a) => a / s);
}

function drawBars(id: string, probs: number[], colour: string): void {
  const cv = $<HTMLCanvasElement>(id);
  const ctx = cv.getContext("2d")!;
  ctx.clearRect(0, 0, cv.width, cv.height);
  const w = cv.width / probs.length;
  ctx.font = "10px system-ui, sans-serif";
  probs.forEach((p, i) => {
    const h = (cv.height - 16) * p;
    ctx.fillStyle = colour;
    ctx.fillRect(i * w + 3, cv.height - 14 - h, w - 6, h);
    ctx.fillStyle = "#444";
    ctx.fillText(String(i), i * w + w / 2 - 3, cv.height - 3);
  });
}

function drawImage(cv: HTMLCanvasElement, img: Float32Array | Float64Array, n: number, scale: number): void {
  const ctx = cv.getContext("2d")!;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of img) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const id = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const v = Math.round((255 * (img[i]! - lo)) / Math.max(hi - lo, 1e-9));
    id.data[4 * i] = 255 - v;
    id.data[4 * i + 1] = 255 - v;
    id.data[4 * i + 2] = 255 - v;
    id.data[4 * i + 3] = 255;
  }
  const tmp = document.createElement("canvas");
  tmp.width = n;
  tmp.height = n;
  tmp.getContext("2d")!.putImageData(id, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, cv.width, cv.height);
  ctx.drawImage(tmp, 0, 0, n * scale, n * scale);
}

/** The first hidden feature maps (after the first nonlinearity) of a model: `count` channels. */
function featureMaps(model: Module, x: Tensor, count: number): Float32Array[] {
  const stages = (model as BlueprintModel).forwardStages(x);
  const relIdx = (model as BlueprintModel).stages.findIndex((s) => s.step === "nonlinearity");
  const t = stages[relIdx] as Tensor;
  const n = t.shape[2]!;
  const out: Float32Array[] = [];
  for (let c = 0; c < Math.min(count, t.shape[1]!); c++)
    out.push((t.data as Float32Array).slice(c * n * n, (c + 1) * n * n));
  return out;
}

function showMaps(id: string, maps: Float32Array[]): void {
  const host = $(id);
  host.replaceChildren();
  for (const m of maps) {
    const n = Math.round(Math.sqrt(m.length));
    const cv = document.createElement("canvas");
    cv.width = 56;
    cv.height = 56;
    drawImage(cv, m, n, 56 / n);
    host.appendChild(cv);
  }
}

function updateSymmetry(): void {
  const model = state.model;
  const base = state.baseline;
  if (model === null || base === null) {
    state.symEq = Number.NaN;
    state.symBase = Number.NaN;
    setText("sym-eq", "–");
    setText("sym-base", "–");
    return;
  }
  model.eval();
  base.eval();
  const ds = datasetOf($<HTMLSelectElement>("domain").value, $<HTMLSelectElement>("task").value);
  noGrad(() => {
    if (ds === "rotated-digits" && state.digits) {
      const deg = Number($<HTMLInputElement>("angle").value);
      const flip = $<HTMLInputElement>("flip").checked;
      setText("angle-value", String(deg));
      const x0 = state.digits.plain.narrow(0, state.digitIndex % state.digits.plain.shape[0]!, 1);
      const x = moveImages(x0, deg, flip);
      drawImage($<HTMLCanvasElement>("digit"), x.data as Float32Array, 28, 4);
      const e0 = model.forward(x0);
      const e1 = model.forward(x);
      const b0 = base.forward(x0) as Tensor;
      const b1 = base.forward(x) as Tensor;
      state.symEq = relDiff(e1, e0);
      state.symBase = relDiff(b1, b0);
      drawBars("bars-eq", softmaxRow(e1), "#4e79a7");
      drawBars("bars-base", softmaxRow(b1), "#e15759");
      // the regular fields of the first layer: the maps rotate and their orientation channels cycle
      showMaps("maps-eq", featureMaps(model, x, 4));
      showMaps("maps-base", featureMaps(base, x, 4));
    } else if (ds === "mutag" && state.mutag) {
      const g = state.mutag.all[state.graphIndex % state.mutag.all.length]!;
      const N = g.numNodes;
      const sigma = state.perm && state.perm.length === N ? state.perm : Int32Array.from({ length: N }, (_, i) => i);
      const inv = new Int32Array(N);
      sigma.forEach((s, i) => {
        inv[s] = i;
      });
      const x0 = g.x!;
      const e0 = g.edgeIndex;
      // node i moves to position sigma[i]: row sigma[i] of the new features is row i
      const x1 = x0.indexSelect(0, new Tensor(inv, [N], "int32"));
      const ei = new Int32Array(e0.size);
      for (let k = 0; k < e0.size; k++) ei[k] = sigma[e0.data[k]!]!;
      const e1 = new Tensor(ei, e0.shape, "int32");
      const batch = new Tensor(new Int32Array(N), [N], "int32");
      const o0 = model.forward({ x: x0, edgeIndex: e0, batch });
      const o1 = model.forward({ x: x1, edgeIndex: e1, batch });
      const b0 = base.forward({ x: x0, edgeIndex: e0, batch }) as Tensor;
      const b1 = base.forward({ x: x1, edgeIndex: e1, batch }) as Tensor;
      state.symEq = relDiff(o1, o0);
      state.symBase = relDiff(b1, b0);
      drawGraph(g, sigma, softmaxRow(o1), softmaxRow(b1));
    } else if (ds === "nbody" && state.nbody) {
      const g = state.nbody.test[0]!;
      const R = rotation(
        Number($<HTMLInputElement>("yaw").value),
        Number($<HTMLInputElement>("pitch").value),
        $<HTMLInputElement>("mirror").checked,
      );
      const N = g.numNodes;
      const inp = (pos: Tensor, vel: Tensor) => ({
        pos,
        vel,
        x: g.get("charges")!.reshape([N, 1]),
        charges: g.get("charges")!.reshape([N, 1]),
        batch: new Tensor(new Int32Array(N), [N], "int32"),
      });
      const pos0 = g.pos!;
      const vel0 = g.get("vel")!;
      const pos1 = applyR(pos0, R);
      const vel1 = applyR(vel0, R);
      const e0 = model.forward(inp(pos0, vel0));
      const e1 = model.forward(inp(pos1, vel1));
      const b0 = base.forward(inp(pos0, vel0)) as Tensor;
      const b1 = base.forward(inp(pos1, vel1)) as Tensor;
      state.symEq = relDiff(e1, applyR(e0, R));
      state.symBase = relDiff(b1, applyR(b0, R));
      drawCloud(pos1, e1, b1, g.get("charges")!);
    }
  });
  setText("sym-eq", fmt(state.symEq, 6));
  setText("sym-base", fmt(state.symBase, 6));
  document.body.dataset.symUpdates = String(Number(document.body.dataset.symUpdates ?? "0") + 1);
}

function rotation(yawDeg: number, pitchDeg: number, mirror: boolean): number[] {
  const a = (yawDeg * Math.PI) / 180;
  const b = (pitchDeg * Math.PI) / 180;
  const Rz = [Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1];
  const Rx = [1, 0, 0, 0, Math.cos(b), -Math.sin(b), 0, Math.sin(b), Math.cos(b)];
  const R = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) R[3 * i + j]! += Rx[3 * i + k]! * Rz[3 * k + j]!;
  if (mirror) for (let j = 0; j < 3; j++) R[j] = -R[j]!;
  return R;
}

function applyR(x: Tensor, R: number[]): Tensor {
  const n = x.size / 3;
  const out = new Float32Array(x.size);
  for (let p = 0; p < n; p++)
    for (let i = 0; i < 3; i++) {
      let s = 0;
      for (let j = 0; j < 3; j++) s += R[3 * i + j]! * x.data[3 * p + j]!;
      out[3 * p + i] = s;
    }
  return new Tensor(out, x.shape);
}

function drawGraph(g: Graph, sigma: Int32Array, pe: number[], pb: number[]): void {
  const cv = $<HTMLCanvasElement>("graph-canvas");
  const ctx = cv.getContext("2d")!;
  ctx.clearRect(0, 0, cv.width, cv.height);
  const N = g.numNodes;
  // a fixed circular layout of the molecule; labels show each node's position in the input order
  const cx = 130;
  const cy = 115;
  const r = 95;
  const xy = (i: number) =>
    [cx + r * Math.cos((2 * Math.PI * i) / N), cy + r * Math.sin((2 * Math.PI * i) / N)] as const;
  ctx.strokeStyle = "#999";
  const e = g.edgeIndex;
  const E = e.shape[1]!;
  for (let k = 0; k < E; k++) {
    const [a, b] = [xy(e.data[k]!), xy(e.data[E + k]!)];
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
  }
  ctx.font = "9px system-ui, sans-serif";
  for (let i = 0; i < N; i++) {
    const [x, y] = xy(i);
    ctx.fillStyle = "#fff";
    ctx.beginPath();
    ctx.arc(x, y, 8, 0, 2 * Math.PI);
    ctx.fill();
    ctx.strokeStyle = "#555";
    ctx.stroke();
    ctx.fillStyle = "#222";
    ctx.fillText(String(sigma[i]), x - 5, y + 3);
  }
  const bar = (x0: number, label: string, p: number[], colour: string) => {
    ctx.fillStyle = "#222";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(label, x0, 20);
    p.forEach((v, k) => {
      ctx.fillStyle = colour;
      ctx.fillRect(x0 + k * 50, 200 - 160 * v, 36, 160 * v);
      ctx.fillStyle = "#444";
      ctx.fillText(`class ${k}: ${v.toFixed(3)}`, x0 + k * 50 - 6, 215 + (k % 2) * 0);
    });
  };
  bar(270, "equivariant P(class)", pe, "#4e79a7");
  bar(400, "baseline P(class)", pb, "#e15759");
}

function drawCloud(pos: Tensor, de: Tensor, db: Tensor, q: Tensor): void {
  const cv = $<HTMLCanvasElement>("cloud-canvas");
  const ctx = cv.getContext("2d")!;
  ctx.clearRect(0, 0, cv.width, cv.height);
  const half = (x0: number, label: string, d: Tensor, colour: string) => {
    ctx.fillStyle = "#222";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(label, x0 + 10, 16);
    const s = 45;
    const c = [x0 + 130, 140];
    let dn = 1e-9;
    for (let i = 0; i < d.size; i++) dn = Math.max(dn, Math.abs(d.data[i]!));
    const k = 40 / dn;
    for (let i = 0; i < pos.shape[0]!; i++) {
      const x = c[0]! + s * pos.data[3 * i]!;
      const y = c[1]! - s * pos.data[3 * i + 1]!;
      ctx.fillStyle = q.data[i]! > 0 ? "#f28e2b" : "#59a14f";
      ctx.beginPath();
      ctx.arc(x, y, 6, 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + k * d.data[3 * i]!, y - k * d.data[3 * i + 1]!);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
  };
  half(0, "equivariant: predicted displacements", de, "#4e79a7");
  half(260, "baseline: predicted displacements", db, "#e15759");
}

// ---------------------------------------------------------------------------------------------
// checker

async function runChecker(): Promise<void> {
  const model = state.model;
  if (model === null || state.training) return;
  setText("check-status", "running the checker (float64 copy of the model, every layer)…");
  await nextFrame();
  const t0 = performance.now();
  const r = verifyBlueprint(model, { layers: true });
  const ms = performance.now() - t0;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts: string[] = [];
  for (const c of r.claims) {
    const status = c.exact
      ? c.pass
        ? '<span class="pass">PASS</span>'
        : '<span class="fail">FAIL</span>'
      : "measured";
    parts.push(
      `<p><b>${esc(c.group)}</b> ${esc(c.name)}: max rel error <b class="claim-error">${c.maxRelError.toExponential(2)}</b> ${status}</p>`,
    );
    if (c.layers) {
      parts.push(
        `<table><tr><th>layer</th><th>max rel error</th><th></th></tr>${c.layers
          .map(
            (l) =>
              `<tr><td>${esc(l.name)}</td><td class="num">${l.maxRelError.toExponential(2)}</td><td>${l.pass ? "ok" : c.exact ? "FAIL" : "~"}</td></tr>`,
          )
          .join("")}</table>`,
      );
    }
  }
  $("check-report").innerHTML = parts.join("");
  setText(
    "check-status",
    `${r.pass ? "every exact claim holds" : "an exact claim FAILED"} (${ms.toFixed(0)} ms, ${r.dtype})`,
  );
  document.body.dataset.checked = r.pass ? "pass" : "fail";
}

// ---------------------------------------------------------------------------------------------
// start

declare global {
  interface Window {
    playground: typeof state & { firstPaintMs: number | null; backend: string };
  }
}

async function start(): Promise<void> {
  const exposed = Object.assign(state, { firstPaintMs: null as number | null, backend: "" });
  window.playground = exposed;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === "first-contentful-paint") exposed.firstPaintMs = e.startTime;
  }).observe({ type: "paint", buffered: true });
  manualSeed(0);
  await kernelsReady();
  fillSelect($<HTMLSelectElement>("domain"), DOMAIN_NAMES, "grid2d");
  onDomainChange();
  $("domain").addEventListener("change", () => {
    onDomainChange();
    build();
  });
  $("group").addEventListener("change", () => {
    onGroupChange();
    build();
  });
  $("task").addEventListener("change", build);
  $("build").addEventListener("click", build);
  $("train").addEventListener("click", () => void train());
  $("stop").addEventListener("click", () => {
    state.stopRequested = true;
  });
  for (const id of ["angle", "flip", "yaw", "pitch", "mirror"]) $(id).addEventListener("input", updateSymmetry);
  $("next-digit").addEventListener("click", () => {
    state.digitIndex++;
    updateSymmetry();
  });
  $("next-graph").addEventListener("click", () => {
    state.graphIndex++;
    state.perm = null;
    updateSymmetry();
  });
  $("permute").addEventListener("click", () => {
    const g = state.mutag?.all[state.graphIndex % (state.mutag?.all.length ?? 1)];
    if (g) state.perm = new Generator(state.steps + Date.now()).permutation(g.numNodes);
    updateSymmetry();
  });
  $("check").addEventListener("click", () => void runChecker());
  const [digits, mutag] = await Promise.all([loadDigits(), loadMutag()]);
  state.digits = digits;
  state.mutag = mutag;
  state.nbody = makeNBody();
  build();
  // the WASM kernels (small ops stay in TypeScript, where a call into WASM costs more than it saves)
  exposed.backend = activeKernelBackend();
  setText(
    "metrics",
    `kernels: ${exposed.backend} · first contentful paint ${exposed.firstPaintMs?.toFixed(0) ?? "–"} ms`,
  );
  document.body.dataset.ready = "1";
}

start().catch((e) => {
  setText("build-error", `playground failed to start: ${(e as Error).stack ?? e}`);
  document.body.dataset.ready = "error";
  throw e;
});
