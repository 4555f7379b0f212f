import { describe, expect, it } from "vitest";
import {
  batchGauges,
  gaugeInputAction,
  Mesh,
  type MeshGauge,
  meshGauge,
  withPoolingLevels,
} from "../src/domains/mesh/index.js";
import { GEMClassifier, GEMSegmenter, type GemModelCheck, gemModelChecks } from "../src/layers/meshes/index.js";
import { crossEntropy } from "../src/nn/losses.js";
import { Adam } from "../src/optim/index.js";
import { checkEquivariance, type EuclideanElement, gaugeGroup, SEn } from "../src/symmetry/index.js";
import { Generator, gradcheck, ones, randn, Tensor } from "../src/tensor/index.js";
import { icosphere, jitter, torus } from "./helpers/gauge_shapes.js";

const log = (...a: unknown[]) => {
  if (process.env.ERLANGEN_REPORT) console.log(...a);
};

type Input = { x: Tensor; gauge: MeshGauge };

describe("GEM models", () => {
  const mesh = jitter(icosphere(1), 0.05);
  const x = randn([mesh.numVertices, 3], { dtype: "float64", generator: new Generator(1) });
  const opts = { channels: 3, maxOrder: 2, samples: 6, blocksPerLevel: 1, dtype: "float64" as const };

  it("gives gauge-invariant logits: exact under C_N at every vertex, measured under SO(2)", () => {
    for (const [name, model, levels] of [
      ["classifier", new GEMClassifier(3, 4, { ...opts, generator: new Generator(2) }), 0],
      ["classifier+pool", new GEMClassifier(3, 4, { ...opts, poolingLevels: 1, generator: new Generator(3) }), 1],
      ["segmenter+pool", new GEMSegmenter(3, 4, { ...opts, poolingLevels: 1, generator: new Generator(4) }), 1],
    ] as const) {
      const gauge = withPoolingLevels(meshGauge(mesh), levels, { ratio: 0.3 });
      const common = {
        inputAction: gaugeInputAction<Input>("3x0"),
        inputs: [{ x, gauge }],
        samples: 3,
      };
      const fn = (inp: Input) => model.forward(inp.x, inp.gauge);
      const exact = checkEquivariance(fn, {
        ...common,
        group: gaugeGroup(gauge.numNodes, 6),
        atol: 1e-12,
        rtol: 1e-12,
      });
      const cont = checkEquivariance(fn, { ...common, group: gaugeGroup(gauge.numNodes), atol: 0, rtol: 0 });
      log(
        `${name}: C6 gauge error ${exact.maxRelError.toExponential(2)}, SO(2) gauge error ${cont.maxRelError.toExponential(2)}`,
      );
      expect(exact.pass).toBe(true);
    }
  });

  it("is invariant to rigid motions of the mesh (gauge and pooling recomputed)", () => {
    for (const method of ["intrinsic", "extrinsic"] as const) {
      const model = new GEMSegmenter(3, 2, { ...opts, poolingLevels: 1, generator: new Generator(5) });
      const clf = new GEMClassifier(3, 2, { ...opts, poolingLevels: 1, generator: new Generator(6) });
      const move = (g: EuclideanElement, m: Mesh) => {
        const p = new Float64Array(m.positions.length);
        for (let v = 0; v < m.numVertices; v++)
          for (let i = 0; i < 3; i++) {
            let s = g.t[i]!;
            for (let j = 0; j < 3; j++) s += g.R[3 * i + j]! * m.positions[3 * v + j]!;
            p[3 * v + i] = s;
          }
        return new Mesh(p, m.faces);
      };
      const run = (m: Mesh) => {
        const gauge = withPoolingLevels(meshGauge(m, { method }), 1, { ratio: 0.3 });
        return [model.forward(x, gauge), clf.forward(x, gauge)];
      };
      const r = checkEquivariance(run, {
        group: SEn(3),
        inputAction: move,
        inputs: [mesh],
        samples: 3,
        atol: 1e-10,
        rtol: 1e-10,
      });
      log(`rigid motions (${method}): max rel error ${r.maxRelError.toExponential(2)}`);
      expect(r.pass).toBe(true);
    }
  });

  it("ships its checks for erlangen check (exact rows pass; the continuous-gauge row is measured)", () => {
    const model = new GEMClassifier(2, 3, { channels: 2, maxOrder: 1, poolingLevels: 1, generator: new Generator(11) });
    model.eval();
    for (const c of gemModelChecks(model) as GemModelCheck<unknown>[]) {
      const r = checkEquivariance(c.fn, {
        group: c.group,
        inputAction: c.inputAction,
        inputs: [c.input],
        samples: 2,
        rtol: c.rtol,
        atol: 0,
      });
      log(`${c.name}: ${r.maxRelError.toExponential(2)}`);
      if (c.expected) expect(r.pass).toBe(true);
      else expect(r.maxRelError).toBeGreaterThan(1e-9);
    }
  });

  it("batches meshes: one forward over a batch equals the separate forwards", () => {
    const a = withPoolingLevels(meshGauge(mesh), 1, { ratio: 0.3 });
    const t = torus(8, 6);
    const b = withPoolingLevels(meshGauge(t), 1, { ratio: 0.3 });
    const { gauge, batch } = batchGauges([a, b]);
    const model = new GEMClassifier(1, 3, { ...opts, poolingLevels: 1, generator: new Generator(7) });
    const xa = ones([a.numNodes, 1], { dtype: "float64" });
    const xb = ones([b.numNodes, 1], { dtype: "float64" });
    const both = model.forward(ones([gauge.numNodes, 1], { dtype: "float64" }), gauge, batch);
    const sep = [model.forward(xa, a), model.forward(xb, b)];
    expect(both.shape).toEqual([2, 3]);
    for (let g = 0; g < 2; g++)
      for (let c = 0; c < 3; c++) expect(both.data[3 * g + c]!).toBeCloseTo(sep[g]!.data[c]!, 12);
  });

  it("gradchecks in float64", () => {
    const m = jitter(icosphere(0), 0.05);
    const gauge = withPoolingLevels(meshGauge(m), 1, { numCoarse: 5 });
    const model = new GEMSegmenter(2, 2, { ...opts, channels: 1, poolingLevels: 1, generator: new Generator(8) });
    const xin = randn([12, 2], { dtype: "float64", generator: new Generator(9) }).requiresGrad_();
    gradcheck((t) => model.forward(t, gauge), [xin]);
  });

  it("trains: a segmenter fits the upper and lower halves of a sphere in a few Adam steps", () => {
    const m = jitter(icosphere(1), 0.02);
    const gauge = meshGauge(m);
    const V = m.numVertices;
    const z = new Float32Array(V);
    const labels = new Int32Array(V);
    for (let v = 0; v < V; v++) {
      z[v] = m.positions[3 * v + 2]!;
      labels[v] = z[v]! > 0 ? 1 : 0;
    }
    const model = new GEMSegmenter(1, 2, { channels: 4, maxOrder: 1, generator: new Generator(10) });
    const opt = new Adam(model.parameters(), { lr: 0.02 });
    const xin = new Tensor(z, [V, 1], "float32");
    const y = new Tensor(labels, [V], "int32");
    const losses: number[] = [];
    for (let step = 0; step < 15; step++) {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(xin, gauge), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    log(`segmentation loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
  });
});
