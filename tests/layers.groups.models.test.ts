import { describe, expect, it } from "vitest";
import { undirectedPairs } from "../src/domains/graph/utils.js";
import { edgeVectors } from "../src/domains/point_cloud.js";
import {
  Adam,
  assertEquivariant,
  En,
  Generator,
  gradcheck,
  O3,
  pointAction,
  randn,
  Tensor,
  tensor,
} from "../src/index.js";
import {
  CFConv,
  CoulombMLP,
  coulombMatrixEigenvalues,
  coulombMlpChecks,
  EGCL,
  EGNNNBody,
  EGNNRegressor,
  egnnNBodyChecks,
  egnnRegressorChecks,
  type ModelCheck,
  NequIPInteraction,
  NequIPLike,
  nequipChecks,
  runModelChecks,
  SchNet,
  sampleAtoms,
  sampleNBody,
  schnetChecks,
} from "../src/layers/groups/models/index.js";
import { o3Action } from "../src/layers/groups/o3/action.js";
import { SphericalHarmonics } from "../src/layers/groups/o3/spherical_harmonics.js";
import { shiftedSoftplus } from "../src/nn/functional.js";
import { gatherMulScatter } from "../src/tensor/ops/scatter.js";

function expectAllPass<I, O>(checks: ModelCheck<I, O>[], rtol: number) {
  const reports = runModelChecks(checks, { rtol, samples: 3 });
  for (const r of reports) {
    if (!r.pass) throw new Error(`${r.name}: max rel error ${r.maxRelError}`);
    expect(r.maxRelError).toBeLessThan(rtol);
  }
  return reports;
}

function nonTrivial(y: Tensor) {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += Math.abs(y.data[i]!);
  expect(s).toBeGreaterThan(1e-8);
  expect(y.toFlatArray().every(Number.isFinite)).toBe(true);
}

describe("EGCL", () => {
  it("keeps h invariant and moves x with E(3), with velocities and edge attributes", () => {
    const g = new Generator(0);
    const layer = new EGCL(6, {
      edgeAttrDim: 2,
      hiddenChannels: 8,
      velocity: true,
      attention: true,
      generator: g,
    }).double();
    // make the position update large enough to matter
    for (const l of layer.coordMlp!.lins) {
      const w = l.weight.data;
      for (let i = 0; i < w.length; i++) w[i] = g.normal(0, 0.5);
    }
    const n = 6;
    const src: number[] = [];
    const dst: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j || (i + j) % 3 === 0) continue;
        src.push(j);
        dst.push(i);
      }
    }
    const edgeIndex = new Tensor(Int32Array.from([...src, ...dst]), [2, src.length], "int32");
    const edgeAttr = randn([src.length, 2], { dtype: "float64", generator: g });
    const h = randn([n, 6], { dtype: "float64", generator: g });
    const input = {
      x: randn([n, 3], { dtype: "float64", generator: g }),
      v: randn([n, 3], { dtype: "float64", generator: g }),
    };
    const e3 = En(3);
    const P = pointAction(e3);
    const out = layer.forward(h, input.x, edgeIndex, edgeAttr, input.v);
    nonTrivial(out.x.sub(input.x));
    assertEquivariant((s: typeof input) => layer.forward(h, s.x, edgeIndex, edgeAttr, s.v), {
      group: e3,
      inputAction: (el, s) => ({ x: P(el, s.x), v: pointAction(new O3())(el.R, s.v) }),
      outputAction: (el, o) => ({ h: o.h, x: P(el, o.x) }),
      inputs: [input],
      samples: 4,
      atol: 0,
      rtol: 1e-11,
    });
    gradcheck(
      (a, b) => layer.forward(a!, b!, edgeIndex, edgeAttr, input.v).x,
      [h.clone().requiresGrad_(), input.x.clone().requiresGrad_()],
    );
    expect(() => layer.forward(h, input.x, edgeIndex, null, input.v)).toThrow(
      /EGCL: argument 'edgeAttr' expected shape/,
    );
    expect(() => layer.forward(h, input.x, edgeIndex, edgeAttr, null)).toThrow(/EGCL: argument 'vel'/);
  });
});

describe("atomistic models are equivariant (float64 at round-off, float32 < 1e-4)", () => {
  it("SchNet", () => {
    const g = new Generator(1);
    const m = new SchNet({
      hiddenChannels: 16,
      numFilters: 16,
      numInteractions: 2,
      numGaussians: 12,
      cutoff: 4,
      generator: g,
    });
    nonTrivial(m.forward(sampleAtoms().z, sampleAtoms().pos.float(), sampleAtoms().batch));
    expectAllPass(schnetChecks(m, sampleAtoms({ dtype: "float32" })), 1e-4);
    m.double();
    const [r] = expectAllPass(schnetChecks(m), 1e-10);
    expect(r!.samples.length).toBe(3);
  });

  it("EGNN (scalar and vector outputs, with position updates)", () => {
    const g = new Generator(2);
    for (const output of ["scalar", "vector"] as const) {
      const m = new EGNNRegressor({
        hiddenChannels: 16,
        numLayers: 2,
        cutoff: 3,
        updateCoords: true,
        output,
        generator: g,
      });
      const y = m.forward(sampleAtoms().z, sampleAtoms().pos.float(), sampleAtoms().batch);
      expect(y.shape).toEqual([2, output === "scalar" ? 1 : 3]);
      nonTrivial(y);
      expectAllPass(egnnRegressorChecks(m, sampleAtoms({ dtype: "float32" })), 1e-4);
      m.double();
      expectAllPass(egnnRegressorChecks(m), 1e-10);
    }
  });

  it("NequIP-like (energy invariant, dipole-like vector equivariant)", () => {
    const g = new Generator(3);
    for (const output of ["energy", "vector"] as const) {
      const m = new NequIPLike({
        channels: 4,
        numLayers: 2,
        lmax: 2,
        rMax: 4,
        numBasis: 4,
        radialHidden: 8,
        output,
        generator: g,
      });
      const y = m.forward(sampleAtoms().z, sampleAtoms().pos.float(), sampleAtoms().batch);
      expect(y.shape).toEqual([2, output === "energy" ? 1 : 3]);
      nonTrivial(y);
      expectAllPass(nequipChecks(m, sampleAtoms({ dtype: "float32" })), 1e-4);
      m.double();
      expectAllPass(nequipChecks(m), 1e-10);
    }
  });

  it("NequIP interaction block maps irreps features equivariantly", () => {
    const g = new Generator(4);
    const blk = new NequIPInteraction("3x0e + 2x1o", "3x0e + 2x1o + 1x2e", "0e + 1o + 2e", 4, {
      radialHidden: 8,
      generator: g,
    }).double();
    expect(blk.irrepsOut.toString()).toBe("3x0e+2x1o+1x2e");
    const sh = new SphericalHarmonics(2);
    const n = 5;
    const pos = randn([n, 3], { dtype: "float64", generator: g });
    const h = randn([n, blk.irrepsIn.dim], { dtype: "float64", generator: g });
    const src = tensor([0, 1, 2, 3, 4, 0], { dtype: "int32" });
    const dst = tensor([1, 2, 3, 4, 0, 2], { dtype: "int32" });
    const ei = src.stack(dst);
    const radial = randn([6, 4], { dtype: "float64", generator: g });
    const run = (s: { pos: Tensor; h: Tensor }) =>
      blk.forward(s.h, ei, sh.forward(s.pos.indexSelect(0, src).sub(s.pos.indexSelect(0, dst))), radial);
    const hin = o3Action(blk.irrepsIn);
    assertEquivariant(run, {
      group: new O3(),
      inputAction: (Q, s) => ({ pos: pointAction(new O3())(Q, s.pos), h: hin(Q, s.h) }),
      outputAction: o3Action(blk.irrepsOut),
      inputs: [{ pos, h }],
      samples: 4,
      atol: 0,
      rtol: 1e-11,
    });
  });

  it("CM-MLP baseline (eval mode)", () => {
    const g = new Generator(5);
    const m = new CoulombMLP({ hiddenChannels: 16, generator: g, size: 6 });
    const s = sampleAtoms({ dtype: "float32" });
    m.forward(s.z, s.pos, s.batch);
    m.eval();
    expectAllPass(coulombMlpChecks(m, s), 1e-4);
    m.double();
    expectAllPass(coulombMlpChecks(m), 1e-10);
  });

  it("EGNN N-body model", () => {
    const g = new Generator(6);
    const m = new EGNNNBody({ hiddenChannels: 16, numLayers: 2, generator: g });
    const s = sampleNBody({ dtype: "float32" });
    const y = m.forward(s.loc, s.vel, s.charges, s.edgeIndex);
    expect(y.shape).toEqual([5, 3]);
    nonTrivial(y.sub(s.loc));
    expectAllPass(egnnNBodyChecks(m, s), 1e-4);
    m.double();
    expectAllPass(egnnNBodyChecks(m), 1e-10);
  });
});

describe("model details", () => {
  it("fused ops (shifted softplus, gather-multiply-scatter) have correct values and gradients", () => {
    const g = new Generator(9);
    const x = tensor([-30, -1, 0, 2, 40], { dtype: "float64" });
    expect(shiftedSoftplus(x).toFlatArray()).toEqual(
      [-30, -1, 0, 2, 40].map((v) => expect.closeTo(Math.log(0.5 * Math.exp(v) + 0.5), 9)),
    );
    gradcheck((v) => shiftedSoftplus(v!), [tensor([-3, -0.5, 0, 0.7, 5], { dtype: "float64" }).requiresGrad_()]);
    const src = tensor([0, 1, 2, 2], { dtype: "int32" });
    const dst = tensor([1, 0, 0, 1], { dtype: "int32" });
    const xs = randn([3, 2], { dtype: "float64", generator: g });
    const ws = randn([4, 2], { dtype: "float64", generator: g });
    const ref = xs.indexSelect(0, src).mul(ws).scatter(dst, 0, 2, "sum").toFlatArray();
    const got = gatherMulScatter(xs, ws, src, dst, 2).toFlatArray();
    for (let i = 0; i < ref.length; i++) expect(got[i]).toBeCloseTo(ref[i]!, 14);
    gradcheck(
      (a, b) => gatherMulScatter(a!, b!, src, dst, 2),
      [xs.clone().requiresGrad_(), ws.clone().requiresGrad_()],
    );
    // shared filter rows (edges 0 and 3 share row 1)
    const wIndex = tensor([1, 0, 2, 1], { dtype: "int32" });
    const wp = randn([3, 2], { dtype: "float64", generator: g });
    const refP = xs.indexSelect(0, src).mul(wp.indexSelect(0, wIndex)).scatter(dst, 0, 2, "sum").toFlatArray();
    const gotP = gatherMulScatter(xs, wp, src, dst, 2, wIndex).toFlatArray();
    for (let i = 0; i < refP.length; i++) expect(gotP[i]).toBeCloseTo(refP[i]!, 14);
    gradcheck(
      (a, b) => gatherMulScatter(a!, b!, src, dst, 2, wIndex),
      [xs.clone().requiresGrad_(), wp.clone().requiresGrad_()],
    );
    expect(() => gatherMulScatter(xs, ws, src, tensor([1, 0, 0, 5], { dtype: "int32" }), 2)).toThrow(
      /gatherMulScatter: argument 'dst' expected node ids in \[0, 2\), got 5 at edge 3/,
    );
  });

  it("CFConv with filters once per pair equals the per-edge filters (float64 values and gradients)", () => {
    const g = new Generator(11);
    const conv = new CFConv(3, 4, 5, 6, 3, { dtype: "float64", generator: g });
    const x = randn([4, 3], { dtype: "float64", generator: g });
    const pos = randn([4, 3], { dtype: "float64", generator: g });
    const ei = tensor(
      [
        [0, 1, 2, 1, 3, 0, 2],
        [1, 0, 1, 2, 0, 3, 2],
      ],
      { dtype: "int32" },
    );
    const expand = (r: Tensor) =>
      r
        .unsqueeze(1)
        .sub(tensor([0, 0.5, 1, 1.5, 2, 2.5], { dtype: "float64" }))
        .square();
    const run = (paired: boolean) => {
      conv.zeroGrad();
      const { pairIndex, pairOf } = undirectedPairs(ei, 4);
      const r = edgeVectors(pos, paired ? pairIndex : ei).length;
      const y = conv.forward(x, ei, r, expand(r), paired ? pairOf : null);
      y.square().sum().backward();
      return [y, ...conv.parameters().map((p) => p.grad!)];
    };
    const a = run(false);
    const b = run(true);
    expect(undirectedPairs(ei, 4).pairIndex.shape).toEqual([2, 4]);
    for (let k = 0; k < a.length; k++) {
      const u = a[k]!.toFlatArray();
      const v = b[k]!.toFlatArray();
      for (let i = 0; i < u.length; i++) expect(v[i]).toBeCloseTo(u[i]!, 12);
    }
    expect(() =>
      conv.forward(
        x,
        ei,
        tensor([1], { dtype: "float64" }),
        randn([1, 6], { dtype: "float64" }),
        tensor([0, 0], { dtype: "int32" }),
      ),
    ).toThrow(/CFConv: argument 'pairOf' expected int32 \[7\]/);
  });

  it("Coulomb-matrix eigenvalues: known values for H2 and sorted, padded spectra", () => {
    // H2 at 1 bohr: C = [[0.5, 1], [1, 0.5]] → eigenvalues 1.5, −0.5
    const ev = coulombMatrixEigenvalues(
      tensor([1, 1], { dtype: "int32" }),
      tensor(
        [
          [0, 0, 0],
          [0, 0, 1],
        ],
        { dtype: "float64" },
      ),
      null,
      3,
      "bohr",
    );
    expect(ev.toFlatArray()).toEqual([expect.closeTo(1.5, 12), expect.closeTo(-0.5, 12), 0]);
    const s = sampleAtoms();
    const e = coulombMatrixEigenvalues(s.z, s.pos, s.batch, 5);
    expect(e.shape).toEqual([2, 5]);
    expect(e.data[9]).toBe(0); // second molecule has 4 atoms
  });

  it("SchNet forces (−dE/dpos) have correct gradients and sum to zero", () => {
    const g = new Generator(7);
    const m = new SchNet({
      hiddenChannels: 8,
      numFilters: 8,
      numInteractions: 1,
      numGaussians: 6,
      cutoff: 4,
      generator: g,
    }).double();
    const s = sampleAtoms({ sizes: [4] });
    gradcheck((p) => m.forward(s.z, p!, s.batch), [s.pos.clone().requiresGrad_()]);
    const p = s.pos.clone().requiresGrad_();
    m.forward(s.z, p, s.batch).sum().backward();
    for (let c = 0; c < 3; c++) {
      let f = 0;
      for (let i = 0; i < 4; i++) f += p.grad!.data[i * 3 + c]!;
      expect(Math.abs(f)).toBeLessThan(1e-10); // translation invariance: no net force
    }
  });

  it("a few Adam steps reduce the loss of SchNet and NequIP-like on a toy target", () => {
    const g = new Generator(8);
    const s = sampleAtoms({ sizes: [4, 5, 3], dtype: "float32" });
    const target = tensor([[1], [-1], [0.5]]);
    for (const m of [
      new SchNet({ hiddenChannels: 16, numFilters: 16, numInteractions: 2, numGaussians: 8, cutoff: 4, generator: g }),
      new NequIPLike({ channels: 4, numLayers: 1, rMax: 4, numBasis: 4, radialHidden: 8, generator: g }),
    ]) {
      const opt = new Adam(m.parameters(), { lr: 0.01 });
      const loss = () => m.forward(s.z, s.pos, s.batch).sub(target).square().mean();
      const first = loss().item();
      for (let k = 0; k < 30; k++) {
        opt.zeroGrad();
        loss().backward();
        opt.step();
      }
      expect(loss().item()).toBeLessThan(first * 0.5);
    }
  });

  it("rejects bad inputs with the model's name", () => {
    const m = new SchNet({ hiddenChannels: 4, numFilters: 4, numInteractions: 1, numGaussians: 4 });
    const s = sampleAtoms({ dtype: "float32" });
    expect(() => m.forward(s.z, s.pos.reshape(3, 9))).toThrow(/SchNet: argument 'pos' expected shape \[9, 3\]/);
    expect(() => m.forward(tensor([1, 200], { dtype: "int32" }), randn([2, 3]))).toThrow(
      /SchNet: argument 'z' expected atomic numbers in \[0, 100\), got 200 at atom 1/,
    );
    expect(() =>
      m.forward(
        tensor([1, 1], { dtype: "int32" }),
        tensor([
          [0, 0, Number.NaN],
          [1, 0, 0],
        ]),
      ),
    ).toThrow(/SchNet: argument 'pos' expected finite coordinates, got NaN at atom 0/);
    expect(() => new NequIPInteraction("1x0e", "1x0o", "0e + 1o", 2)).toThrow(
      /NequIPInteraction: argument 'irrepsOut'/,
    );
  });
});
