/**
 * The blueprint builder: every valid (domain, group, task) combination builds, its parameter count
 * matches the plan, and every exact claim of its plan holds under the checker (float64 copy, per
 * layer); refusals list what is valid; budgets are met within 10 %; plans render as text, JSON and SVG.
 *
 * The default run builds small models (width 2, depth 2). ERLANGEN_BLUEPRINT_FULL=1 checks the
 * default sizes (and writes the table of measured errors to ERLANGEN_BLUEPRINT_REPORT when set).
 */
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  blueprint,
  checkEquivariance,
  DeepSetsLayer,
  DOMAIN_NAMES,
  explain,
  Generator,
  gradcheck,
  graphPermutationAction,
  nodePermutationAction,
  planToJSON,
  planToSvg,
  planToText,
  randn,
  Sn,
  type Tensor,
  tensor,
  validCombinations,
  verifyBlueprint,
} from "../src/index.js";

const FULL = process.env.ERLANGEN_BLUEPRINT_FULL === "1";

function paramCount(m: { parameters(): { size: number }[] }): number {
  return m.parameters().reduce((a, p) => a + p.size, 0);
}

describe("blueprint: every valid combination is verified", () => {
  // the default run leaves out the second dihedral group (D8: the slowest, and D4 covers Dn)
  const combos = validCombinations().filter((c) => FULL || c.group !== "D8");
  const rows: string[] = [];
  it("lists combinations for every domain", () => {
    expect(new Set(combos.map((c) => c.domain))).toEqual(new Set(DOMAIN_NAMES));
    expect(combos.length).toBeGreaterThan(100);
  });
  // the cohen-welling layout (2-D grids with p4, p4m, Cn, Dn; image-level tasks): rotations about the centre only
  const skeleton = combos
    .filter(
      (c) =>
        c.domain === "grid2d" && ["p4", "p4m", "C4", "C8", "D4", "D8"].includes(c.group) && c.task.startsWith("graph-"),
    )
    .filter((c) => !c.task.endsWith("vector"))
    .map((c) => ({ ...c, layout: "cohen-welling" as const, input: undefined }));
  // point clouds with charges (products q_i·q_j on the edges) beside a scalar and a velocity
  const charged = combos
    .filter((c) => c.domain === "pointcloud" && c.group !== "Sn")
    .map((c) => ({ ...c, layout: undefined, input: { charges: 2, scalars: 1, vectors: 1 } }));
  for (const c of [...combos.map((c) => ({ ...c, layout: undefined, input: undefined })), ...skeleton, ...charged]) {
    const extra = `${c.layout ? ` · layout ${c.layout}` : ""}${c.input ? " · charges, scalar, velocity" : ""}`;
    it(`${c.domain} · ${c.group} · ${c.task}${extra}`, () => {
      const size = FULL ? {} : { width: 2, depth: 2 };
      const options = c.layout ? { layout: c.layout } : undefined;
      const { model, plan } = blueprint({
        domain: c.domain,
        group: c.group,
        task: c.task,
        size,
        options,
        seed: 3,
        ...(c.input ? { input: c.input } : {}),
      });
      if (c.input) expect(plan.input).toContain("charges: [N, 2]");
      expect(plan.params).toBe(paramCount(model));
      expect(plan.layers.reduce((a, l) => a + l.params, 0)).toBe(plan.params);
      expect(plan.layers.length).toBe(model.stages.length);
      const steps = new Set(plan.layers.map((l) => l.step));
      expect([...steps].some((s) => s === "equivariant linear" || s === "equivariant layer")).toBe(true);
      if (c.task.startsWith("graph-") && !c.task.endsWith("vector")) expect(steps.has("invariant pooling")).toBe(true);
      const r = verifyBlueprint(model, { layers: true, seed: 1 });
      if (c.layout)
        expect(r.claims.filter((cl) => cl.exact).map((cl) => cl.name)).toEqual([
          expect.stringMatching(/^invariance to the rotations by multiples of 90°( and flips)? about the image centre/),
        ]);
      for (const cl of r.claims) {
        // valid convolutions: the skeleton claims the rotations (and flips) about the centre, never translations
        if (c.layout) expect(cl.group).not.toBe("translations");
        rows.push(
          `| ${c.domain}${c.layout ? ` (${c.layout})` : ""}${c.input ? " (charges)" : ""} | ${c.group} | ${c.task} | ${cl.group} | ${cl.exact ? "exact" : "approximate"} | ${cl.maxRelError.toExponential(1)} | ${cl.name} |`,
        );
        if (cl.exact) {
          expect(cl.pass, `${cl.name}: ${cl.maxRelError}`).toBe(true);
          for (const l of cl.layers ?? []) expect(l.pass, `${cl.name}, layer ${l.name}: ${l.maxRelError}`).toBe(true);
        }
      }
      expect(r.pass).toBe(true);
    }, 120_000);
  }
  it("writes the table (ERLANGEN_BLUEPRINT_REPORT)", () => {
    const out = process.env.ERLANGEN_BLUEPRINT_REPORT;
    if (out) writeFileSync(out, `${rows.join("\n")}\n`);
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe("blueprint: refusals", () => {
  it("refuses a group that does not act on the domain, listing the groups that do", () => {
    expect(() => blueprint({ domain: "graph", group: "SO(3)", task: "graph-classification" })).toThrow(
      /the group SO\(3\) does not act on the domain graph; groups acting on graph: Sn/,
    );
    expect(() => blueprint({ domain: "grid2d", group: "E(3)", task: "graph-classification" })).toThrow(
      /groups acting on grid2d: translations, Cn \(e\.g\. C4, C8\), Dn \(e\.g\. D4\), p4, p4m, SO\(2\), O\(2\)/,
    );
    expect(() => blueprint({ domain: "molecule", group: "p4", task: "graph-regression" })).toThrow(
      /groups acting on molecule: Sn, SO\(3\), O\(3\), E\(3\)/,
    );
  });
  it("refuses unknown domains, groups and tasks with what is valid", () => {
    expect(() => blueprint({ domain: "torus", group: "Sn", task: "graph-classification" })).toThrow(
      /argument 'domain' expected one of grid1d, grid2d, grid3d, set, graph, pointcloud, molecule, mesh, sphere, got 'torus'/,
    );
    expect(() => blueprint({ domain: "graph", group: "Q8", task: "graph-classification" })).toThrow(
      /argument 'group' expected one of/,
    );
    expect(() => blueprint({ domain: "graph", group: "Sn", task: "graph-ranking" })).toThrow(
      /argument 'task' expected <level>-<kind>/,
    );
    expect(() => blueprint({ domain: "grid2d", group: "p4", task: "graph-vector" })).toThrow(
      /the task graph-vector is not available for grid2d with p4; tasks: graph-classification, graph-regression, node-classification, node-regression/,
    );
    expect(() => blueprint({ domain: "set", group: "Sn", task: "edge-classification" })).toThrow(
      /not available for set/,
    );
  });
  it("refuses impossible sizes and bad options with the field named", () => {
    expect(() =>
      blueprint({ domain: "grid2d", group: "p4", task: "graph-classification", size: { params: 10 } }),
    ).toThrow(/argument 'size.params' \(10\) is below the smallest model of depth 4/);
    expect(() =>
      blueprint({ domain: "grid2d", group: "p4", task: "graph-classification", size: { params: 1000, width: 3 } }),
    ).toThrow(/a width or a parameter budget, not both/);
    expect(() =>
      blueprint({ domain: "grid2d", group: "C4", task: "graph-classification", options: { kernelSize: 4 } }),
    ).toThrow(/options.kernelSize' expected an odd size, got 4/);
    expect(() =>
      blueprint({ domain: "graph", group: "Sn", task: "graph-classification", input: { vectors: 1 } }),
    ).toThrow(/input.vectors' is not available for graph/);
    expect(() => blueprint({ domain: "molecule", group: "E(3)", task: "node-vector", input: { vectors: 1 } })).toThrow(
      /input.vectors' is not available for molecule with E\(3\).*molecules take atomic numbers and positions only/,
    );
  });
  it("checks the inputs of a built model", () => {
    const { model } = blueprint({ domain: "graph", group: "Sn", task: "node-classification", input: { scalars: 3 } });
    expect(() => model.forward({ x: randn([4, 2]), edgeIndex: tensor([[0], [1]], { dtype: "int32" }) })).toThrow(
      /expected \{ x: \[N, 3\], edgeIndex: \[2, E\], batch\?: \[N\] \}, got x of shape \[4, 2\]/,
    );
    expect(() => model.forward({ x: randn([4, 3]), edgeIndex: tensor([[0], [9]], { dtype: "int32" }) })).toThrow(
      /node ids in \[0, 4\)/,
    );
    const { model: mol } = blueprint({
      domain: "molecule",
      group: "E(3)",
      task: "graph-regression",
      input: { species: 5 },
    });
    expect(() => mol.forward({ z: tensor([1, 7], { dtype: "int32" }), pos: randn([2, 3]) })).toThrow(
      /atomic numbers in \[0, 5\) \(input.species\), got 7 at atom 1/,
    );
  });
});

describe("blueprint: sizes", () => {
  const budgets: [string, string, string, number][] = [
    ["grid2d", "p4", "graph-classification", 24_680],
    ["grid2d", "C8", "graph-classification", 24_094],
    ["grid2d", "SO(2)", "graph-classification", 20_000],
    ["grid1d", "translations", "node-regression", 5_000],
    ["graph", "Sn", "graph-classification", 31_192],
    ["set", "Sn", "graph-regression", 10_000],
    ["molecule", "E(3)", "graph-regression", 22_756],
    ["molecule", "O(3)", "graph-vector", 30_000],
    ["pointcloud", "E(3)", "node-vector", 134_020],
    ["mesh", "gauge", "graph-classification", 15_000],
    ["sphere", "SO(3)", "graph-classification", 5_000],
  ];
  for (const [domain, group, task, params] of budgets) {
    it(`meets a budget of ${params} within 10 %: ${domain} · ${group} · ${task}`, () => {
      const { model, plan } = blueprint({ domain, group, task, size: { params } });
      expect(Math.abs(paramCount(model) - params) / params).toBeLessThanOrEqual(0.1);
      expect(plan.budget?.target).toBe(params);
    });
  }
  it("takes width and depth", () => {
    const { plan } = blueprint({ domain: "graph", group: "Sn", task: "node-regression", size: { width: 7, depth: 3 } });
    expect(plan.widths).toEqual([7, 7, 7]);
    expect(plan.layers.filter((l) => l.name === "GINConv").length).toBe(3);
  });
  it("is reproducible with a seed and does not draw from the default generator when sizing", () => {
    const a = blueprint({
      domain: "grid2d",
      group: "p4",
      task: "graph-classification",
      size: { params: 5000 },
      seed: 4,
    });
    const b = blueprint({
      domain: "grid2d",
      group: "p4",
      task: "graph-classification",
      size: { params: 5000 },
      seed: 4,
    });
    const pa = a.model.parameters().map((p) => Array.from(p.data));
    const pb = b.model.parameters().map((p) => Array.from(p.data));
    expect(pa).toEqual(pb);
  });
});

describe("blueprint: plans and explain", () => {
  it("renders text, JSON and SVG, and explain(model) gives the plan", () => {
    const { model, plan } = blueprint({
      domain: "grid2d",
      group: "C8",
      task: "graph-classification",
      size: { width: 3 },
    });
    const text = planToText(plan);
    expect(text).toMatch(/blueprint: grid2d · C8 · graph-classification/);
    expect(text).toMatch(/R2Conv +equivariant linear/);
    expect(text).toMatch(/GroupPooling +invariant pooling/);
    expect(text).toMatch(/\[exact\] C8: invariance to the elements of C8 that map the pixel grid onto itself/);
    expect(text).toMatch(/\[measured\] C8: invariance to all of C8/);
    const json = JSON.parse(planToJSON(plan));
    expect(json.params).toBe(plan.params);
    expect(json.layers.map((l: { step: string }) => l.step)).toContain("local pooling");
    const svg = planToSvg(plan);
    expect(svg.startsWith("<svg")).toBe(true);
    expect((svg.match(/class="layer"/g) ?? []).length).toBe(plan.layers.length);
    const again = explain(model);
    expect({ ...again, buildMs: 0 }).toEqual({ ...plan, buildMs: 0 });
  });
  it("names the blueprint steps of each layer", () => {
    const { plan } = blueprint({ domain: "molecule", group: "O(3)", task: "graph-vector", size: { width: 2 } });
    expect(plan.layers.map((l) => `${l.name}:${l.step}`)).toEqual([
      "edge geometry:embedding",
      "o3.Linear:embedding",
      "NequIPInteraction:equivariant layer",
      "NequIPInteraction:equivariant layer",
      "NequIPInteraction:equivariant layer",
      "NequIPInteraction:equivariant layer",
      "o3.Linear:equivariant readout",
      "global sum pool:equivariant readout",
    ]);
    expect(plan.output.symmetry).toBe("equivariant");
  });
  it("trains: a built graph classifier fits a tiny task", () => {
    const { model } = blueprint({
      domain: "graph",
      group: "Sn",
      task: "graph-classification",
      input: { scalars: 2 },
      outputs: 2,
      size: { width: 8, depth: 2 },
      seed: 0,
    });
    const g = new Generator(1);
    const x = randn([8, 2], { generator: g });
    const edgeIndex = tensor(
      [
        [0, 1, 1, 2, 4, 5, 5, 6, 6, 7],
        [1, 0, 2, 1, 5, 4, 6, 5, 7, 6],
      ],
      { dtype: "int32" },
    );
    const batch = tensor([0, 0, 0, 0, 1, 1, 1, 1], { dtype: "int32" });
    const y = tensor([0, 1], { dtype: "int32" });
    const params = model.parameters();
    let first = 0;
    let last = 0;
    for (let i = 0; i < 30; i++) {
      for (const p of params) p.grad = null;
      const logits = model.forward({ x, edgeIndex, batch });
      const loss = logits
        .logSoftmax(1)
        .neg()
        .gather(1, y.reshape([2, 1]))
        .mean();
      if (i === 0) first = loss.item();
      last = loss.item();
      loss.backward();
      for (const p of params) if (p.grad) p.data.set(p.data.map((v, k) => v - 0.05 * p.grad!.data[k]!));
    }
    expect(last).toBeLessThan(first);
  });
});

describe("DeepSetsLayer", () => {
  it("is permutation equivariant (checker) and has correct gradients (float64)", () => {
    const layer = new DeepSetsLayer(3, 4, { dtype: "float64", generator: new Generator(0) });
    const x = randn([7, 3], { dtype: "float64", generator: new Generator(1) });
    const batch = tensor([0, 0, 0, 1, 1, 1, 1], { dtype: "int32" });
    const r = checkEquivariance((s: { x: Tensor; batch: Tensor }) => layer.forward(s.x, s.batch), {
      group: Sn(7),
      inputAction: graphPermutationAction({ nodeKeys: ["x", "batch"] }),
      outputAction: nodePermutationAction(),
      inputs: [{ x, batch }],
      samples: 6,
    });
    expect(r.maxRelError).toBeLessThan(1e-12);
    gradcheck((t) => layer.forward(t, batch), [x.detach().requiresGrad_()]);
    const maxLayer = new DeepSetsLayer(3, 2, { dtype: "float64", generator: new Generator(2), pool: "sum" });
    gradcheck((t) => maxLayer.forward(t, batch), [x.detach().requiresGrad_()]);
    expect(() => new DeepSetsLayer(3, 2, { pool: "median" as never })).toThrow(/'mean', 'sum' or 'max'/);
    expect(() => layer.forward(randn([2, 5], { dtype: "float64" }))).toThrow(
      /DeepSetsLayer: argument 'x' expected shape \[N, 3\]/,
    );
  });
});
