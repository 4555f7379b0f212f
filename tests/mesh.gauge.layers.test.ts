import { describe, expect, it } from "vitest";
import {
  type GaugePooling,
  gaugeInputAction,
  type Mesh,
  type MeshGauge,
  meshGauge,
  pointGauge,
  transformGauge,
  withPoolingLevels,
} from "../src/domains/mesh/index.js";
import {
  GemConv,
  gemKernelBasis,
  gemSelfBasis,
  RegularNonlinearity,
  TransportPool,
  TransportUnpool,
} from "../src/layers/meshes/index.js";
import type { Parameter } from "../src/nn/module.js";
import {
  checkEquivariance,
  GaugeGroup,
  gaugeFieldAction,
  gaugeGroup,
  SO2Irreps,
  so2Rotate,
} from "../src/symmetry/index.js";
import { Generator, gradcheck, randn, Tensor, tanh } from "../src/tensor/index.js";
import { icosphere, jitter, torus } from "./helpers/gauge_shapes.js";

const log = (...a: unknown[]) => {
  if (process.env.ERLANGEN_REPORT) console.log(...a);
};

function features(V: number, C: number, seed: number): Tensor {
  return randn([V, C], { dtype: "float64", generator: new Generator(seed) });
}

describe("SO2Irreps and the gauge group", () => {
  it("parses, prints and lays out channels", () => {
    const ir = new SO2Irreps("2x0+1x1+2x3");
    expect(ir.dim).toBe(2 + 2 + 4);
    expect(ir.toString()).toBe("2x0+1x1+2x3");
    expect(Array.from(ir.orders)).toEqual([0, 0, 1, 1, 3, 3, 3, 3]);
    expect(Array.from(ir.partner)).toEqual([0, 1, 3, 2, 5, 4, 7, 6]);
    expect(ir.numScalars).toBe(2);
    expect(ir.maxOrder).toBe(3);
    expect(SO2Irreps.bandLimited(3, 2).toString()).toBe("3x0+3x1+3x2");
    expect(SO2Irreps.bandLimited(3, 2).bandLimitedShape()).toEqual({ mul: 3, maxOrder: 2 });
    expect(ir.bandLimitedShape()).toBeNull();
    expect(() => new SO2Irreps("2x-1")).toThrow(/SO2Irreps/);
    // the same matrices as the library's FieldType of SO(2)
    const ft = ir.fieldType();
    const g = 0.7;
    expect(Array.from(ft.matrix(g)).map((v) => v.toFixed(12))).toEqual(
      Array.from(ir.matrix(g)).map((v) => v.toFixed(12)),
    );
    // so2Rotate applies ρ(angle_v) row by row
    const x = features(3, ir.dim, 1);
    const angles = [0.3, -1.2, 2.5];
    const y = so2Rotate(x, ir, angles);
    for (let v = 0; v < 3; v++) {
      const M = ir.matrix(angles[v]!);
      for (let i = 0; i < ir.dim; i++) {
        let s = 0;
        for (let j = 0; j < ir.dim; j++) s += M[i * ir.dim + j]! * x.data[v * ir.dim + j]!;
        expect(y.data[v * ir.dim + i]).toBeCloseTo(s, 12);
      }
    }
    gradcheck((t) => so2Rotate(t, ir, angles), [x.requiresGrad_()]);
  });

  it("is a seeded product group acting on the bundle consistently", () => {
    const G = gaugeGroup(5);
    const a = G.sample(new Generator(1));
    const b = G.sample(new Generator(2));
    expect(G.equals(G.compose(a, G.inverse(a)), G.identity())).toBe(true);
    expect(Array.from(G.sample(new Generator(1)))).toEqual(Array.from(a));
    const m = icosphere(1);
    const gauge = meshGauge(m);
    const g = new GaugeGroup(m.numVertices).sample(new Generator(3));
    const h = new GaugeGroup(m.numVertices).sample(new Generator(4));
    // transforming by h then g equals transforming by g∘h
    const t1 = transformGauge(transformGauge(gauge, h), g);
    const t2 = transformGauge(gauge, new GaugeGroup(m.numVertices).compose(g, h));
    for (let e = 0; e < gauge.theta.length; e++) {
      expect(Math.abs(Math.sin(t1.theta[e]! - t2.theta[e]!))).toBeLessThan(1e-12);
      expect(Math.abs(Math.sin(t1.transport[e]! - t2.transport[e]!))).toBeLessThan(1e-12);
    }
    expect(new GaugeGroup(4, 6).name).toBe("C6^4");
    // the action is the frame change: recomputing the projected angles in the rotated frames agrees
    const ext = meshGauge(m, { method: "extrinsic" });
    const moved = transformGauge(ext, g);
    const recomputed = pointGauge(m.positions, moved.frames, ext.edgeIndex);
    for (let e = 0; e < ext.theta.length; e++) {
      expect(Math.abs(Math.sin(moved.theta[e]! - recomputed.theta[e]!))).toBeLessThan(1e-12);
      expect(Math.abs(Math.sin(moved.transport[e]! - recomputed.transport[e]!))).toBeLessThan(1e-12);
    }
    // and a tangent vector's coordinates (a ρ_1 feature) change by ρ_1(g_v) under it
    const V = m.numVertices;
    const coords = (f: typeof ext.frames) =>
      new Tensor(
        Float64Array.from({ length: 2 * V }, (_, i) => {
          const v = i >> 1;
          const axis = i % 2 === 0 ? f.xAxes : f.yAxes;
          return axis[3 * v]! * 0.3 - axis[3 * v + 1]! * 0.5 + axis[3 * v + 2]! * 0.8;
        }),
        [V, 2],
        "float64",
      );
    const before = gaugeFieldAction("1x1")(g, coords(ext.frames));
    const after = coords(moved.frames);
    for (let i = 0; i < 2 * V; i++) expect(after.data[i]!).toBeCloseTo(before.data[i]!, 12);
    expect(b.length).toBe(5);
  });
});

describe("GemConv", () => {
  it("uses the paper's complete kernel basis", () => {
    for (const [n, m] of [
      [0, 0],
      [0, 2],
      [1, 0],
      [1, 1],
      [2, 1],
      [1, 3],
    ] as const) {
      const basis = gemKernelBasis(n, m);
      expect(basis.length).toBe((n === 0 ? 1 : 2) * (m === 0 ? 1 : 2));
      const rn = new SO2Irreps([[1, n]]);
      const rm = new SO2Irreps([[1, m]]);
      // K(θ + g) = ρ_m(g) K(θ) ρ_n(−g)
      for (const K of basis) {
        for (const [th, g] of [
          [0.3, 1.1],
          [-2, 0.4],
        ]) {
          const lhs = K(th! + g!);
          const rhs = matmul(
            matmul(rm.matrix(g!), K(th!), rm.dim, rm.dim, rn.dim),
            rn.matrix(-g!),
            rm.dim,
            rn.dim,
            rn.dim,
          );
          for (let i = 0; i < lhs.length; i++) expect(lhs[i]!).toBeCloseTo(rhs[i]!, 12);
        }
      }
      // the layer's kernel ρ_m(θ) K₀ ρ_n(−θ) lies in their span, and spans it (the map K₀ ↦ kernel is onto)
      const conv = new GemConv(rn, rm, { dtype: "float64", generator: new Generator(5) });
      const thetas = [0.1, 0.9, 2.2, -1.3, 3.0];
      const sample = (f: (t: number) => Float64Array) => thetas.flatMap((t) => Array.from(f(t)));
      const B = basis.map(sample);
      const k = sample((t) => conv.kernel(t));
      expect(residual(B, k)).toBeLessThan(1e-10);
      expect(rank(B)).toBe(basis.length);
      expect(gemSelfBasis(n, m).length).toBe(n !== m ? 0 : n === 0 ? 1 : 2);
    }
  });

  it("is gauge equivariant to round-off in float64 (intrinsic and extrinsic bundles)", () => {
    const inT = new SO2Irreps("2x0+2x1+1x2");
    const outT = new SO2Irreps("1x0+2x1+2x2+1x3");
    const conv = new GemConv(inT, outT, { dtype: "float64", generator: new Generator(1) });
    for (const [name, m, method] of [
      ["sphere", icosphere(1), "intrinsic"],
      ["torus", torus(), "intrinsic"],
      ["torus", torus(), "extrinsic"],
    ] as const) {
      const gauge = meshGauge(m as Mesh, { method });
      const r = checkEquivariance((inp: { x: Tensor; gauge: MeshGauge }) => conv.forward(inp.x, inp.gauge), {
        group: gaugeGroup(gauge.numNodes),
        inputAction: gaugeInputAction(inT),
        outputAction: gaugeFieldAction(outT),
        inputs: [{ x: features(gauge.numNodes, inT.dim, 2), gauge }],
        samples: 4,
        atol: 1e-12,
        rtol: 1e-12,
      });
      log(`GemConv gauge equivariance on ${name} (${method}): max rel error ${r.maxRelError.toExponential(2)}`);
      expect(r.pass).toBe(true);
      expect(r.maxRelError).toBeLessThan(1e-13);
    }
    // float32 parameters and features: round-off of float32
    const conv32 = new GemConv(inT, outT, { generator: new Generator(1) });
    const gauge = meshGauge(icosphere(1));
    const r32 = checkEquivariance((inp: { x: Tensor; gauge: MeshGauge }) => conv32.forward(inp.x, inp.gauge), {
      group: gaugeGroup(gauge.numNodes),
      inputAction: gaugeInputAction(inT),
      outputAction: gaugeFieldAction(outT),
      inputs: [{ x: randn([gauge.numNodes, inT.dim], { generator: new Generator(2) }), gauge }],
      samples: 4,
    });
    log(`GemConv gauge equivariance in float32: max rel error ${r32.maxRelError.toExponential(2)}`);
    expect(r32.maxRelError).toBeLessThan(1e-5);
  });

  it("is not equivariant when the transport is ignored (the check has teeth)", () => {
    const ir = new SO2Irreps("1x0+1x1");
    const conv = new GemConv(ir, ir, { dtype: "float64", generator: new Generator(1) });
    const gauge = meshGauge(icosphere(1));
    const broken = { ...gauge, transport: new Float64Array(gauge.transport.length) };
    const r = checkEquivariance(
      (inp: { x: Tensor; gauge: MeshGauge }) => conv.forward(inp.x, { ...inp.gauge, transport: broken.transport }),
      {
        group: gaugeGroup(gauge.numNodes),
        inputAction: gaugeInputAction(ir),
        outputAction: gaugeFieldAction(ir),
        inputs: [{ x: features(gauge.numNodes, ir.dim, 2), gauge }],
        samples: 2,
      },
    );
    expect(r.maxRelError).toBeGreaterThan(1e-2);
  });

  it("gradchecks in float64 (input, K₀, self-interaction, bias)", () => {
    const m = icosphere(0);
    const gauge = meshGauge(m);
    const inT = new SO2Irreps("1x0+1x1+1x2");
    const outT = new SO2Irreps("1x0+1x1");
    const conv = new GemConv(inT, outT, { dtype: "float64", generator: new Generator(3) });
    const x = features(m.numVertices, inT.dim, 4).requiresGrad_();
    const w = conv.weight.detach().requiresGrad_();
    const sw = conv.selfWeight!.detach().requiresGrad_();
    const b = randn([1], { dtype: "float64", generator: new Generator(5) }).requiresGrad_();
    gradcheck(
      (xx, ww, ss, bb) => {
        conv.weight = ww as Parameter;
        conv.selfWeight = ss as Parameter;
        conv.bias = bb as Parameter;
        return conv.forward(xx, gauge);
      },
      [x, w, sw, b],
    );
  });

  it("names bad input", () => {
    const conv = new GemConv("2x0", "1x1");
    const gauge = meshGauge(icosphere(0));
    expect(() => conv.forward(randn([12, 3]), gauge)).toThrow(/GemConv: argument 'x' expected shape \[V, 2\]/);
    expect(() => conv.forward(randn([11, 2]), gauge)).toThrow(/GemConv: argument 'gauge'/);
    expect(() => new RegularNonlinearity("2x0+1x1")).toThrow(/RegularNonlinearity: argument 'irreps'/);
    expect(() => new RegularNonlinearity("1x0+1x1+1x2", { samples: 4 })).toThrow(/samples/);
  });
});

describe("RegularNonlinearity", () => {
  it("is exact for rotations by multiples of 2π/N, and measured for other angles", () => {
    const ir = SO2Irreps.bandLimited(3, 2);
    const V = 20;
    const x = features(V, ir.dim, 7);
    for (const N of process.env.ERLANGEN_REPORT ? [5, 7, 9, 11, 15, 21, 31] : [5, 7, 11]) {
      const nl = new RegularNonlinearity(ir, { samples: N });
      const opts = { inputAction: gaugeFieldAction(ir), outputAction: gaugeFieldAction(ir), inputs: [x], samples: 6 };
      const exact = checkEquivariance((t: Tensor) => nl.forward(t), {
        ...opts,
        group: gaugeGroup(V, N),
        atol: 1e-12,
        rtol: 1e-12,
      });
      expect(exact.pass).toBe(true);
      const cont = checkEquivariance((t: Tensor) => nl.forward(t), { ...opts, group: gaugeGroup(V) });
      log(
        `RegularNonlinearity M=2 N=${N}: C_N error ${exact.maxRelError.toExponential(2)}, SO(2) error ${cont.maxRelError.toExponential(2)}`,
      );
      expect(cont.maxRelError).toBeGreaterThan(1e-6);
      expect(cont.maxRelError).toBeLessThan(0.5);
    }
  });

  it("is the identity on functions whose samples are all positive, and gradchecks", () => {
    const ir = SO2Irreps.bandLimited(2, 1);
    const nl = new RegularNonlinearity(ir, { samples: 5 });
    // a_0 = 5 ≫ |a_1|, |b_1|: f > 0 everywhere, ReLU is the identity
    const x = features(4, ir.dim, 1).mul(0.1);
    for (let v = 0; v < 4; v++) {
      x.data[v * ir.dim] = 5;
      x.data[v * ir.dim + 1] = 5;
    }
    const y = nl.forward(x);
    for (let i = 0; i < x.size; i++) expect(y.data[i]!).toBeCloseTo(x.data[i]!, 12);
    const smooth = new RegularNonlinearity(ir, { samples: 5, activation: tanh });
    gradcheck((t) => smooth.forward(t), [features(4, ir.dim, 2).requiresGrad_()]);
  });
});

describe("parallel-transport pooling", () => {
  const poolInput = () => {
    const m = jitter(icosphere(2), 0.02);
    const gauge = withPoolingLevels(meshGauge(m), 1, { ratio: 0.25 });
    return { m, gauge, level: gauge.coarse! };
  };

  it("assigns every fine vertex and builds a coarse bundle from the projection operators", () => {
    const { m, gauge, level } = poolInput();
    expect(level.coarseIndex.length).toBe(Math.round(0.25 * m.numVertices));
    for (let c = 0; c < level.coarseIndex.length; c++) expect(level.assignment[level.coarseIndex[c]!]).toBe(c);
    // the coarse frames are the fine frames at the coarse vertices; the angles are the projected ones
    const cg = level.gauge;
    const rebuilt = pointGauge(cg.positions, cg.frames, cg.edgeIndex);
    expect(Array.from(rebuilt.theta)).toEqual(Array.from(cg.theta));
    expect(cg.method).toBe("extrinsic");
    expect(gauge.coarse!.gauge.numNodes).toBe(level.coarseIndex.length);
  });

  it("pools and unpools gauge equivariantly", () => {
    const { gauge, level } = poolInput();
    const ir = new SO2Irreps("1x0+2x1+1x2");
    const pool = new TransportPool(ir);
    const unpool = new TransportUnpool(ir);
    const restrict = (g: Float64Array) => Float64Array.from(level.coarseIndex, (u) => g[u]!);
    const act = gaugeFieldAction(ir);
    const pooled = checkEquivariance(
      (inp: { x: Tensor; gauge: MeshGauge }) => pool.forward(inp.x, inp.gauge.coarse as GaugePooling),
      {
        group: gaugeGroup(gauge.numNodes),
        inputAction: gaugeInputAction(ir),
        outputAction: (g, y: Tensor) => act(restrict(g), y),
        inputs: [{ x: features(gauge.numNodes, ir.dim, 3), gauge }],
        samples: 3,
        atol: 1e-12,
        rtol: 1e-12,
      },
    );
    const Vc = level.coarseIndex.length;
    const unpooled = checkEquivariance(
      (inp: { x: Tensor; gauge: MeshGauge }) => unpool.forward(inp.x, inp.gauge.coarse as GaugePooling),
      {
        group: gaugeGroup(gauge.numNodes),
        inputAction: (g, inp) => ({ x: act(restrict(g), inp.x), gauge: transformGauge(inp.gauge, g) }),
        outputAction: act,
        inputs: [{ x: features(Vc, ir.dim, 4), gauge }],
        samples: 3,
        atol: 1e-12,
        rtol: 1e-12,
      },
    );
    log(`pool ${pooled.maxRelError.toExponential(2)}, unpool ${unpooled.maxRelError.toExponential(2)}`);
    expect(pooled.pass && unpooled.pass).toBe(true);
    // unpool ∘ pool of a field constant in the coarse frames gives it back; gradchecks
    const xc = features(Vc, ir.dim, 5);
    const back = pool.forward(unpool.forward(xc, level), level);
    for (let i = 0; i < xc.size; i++) expect(back.data[i]!).toBeCloseTo(xc.data[i]!, 12);
    gradcheck(
      (t) => unpool.forward(pool.forward(t, level), level),
      [features(gauge.numNodes, ir.dim, 6).requiresGrad_()],
    );
  });
});

// tiny dense helpers for the basis test
function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) for (let l = 0; l < k; l++) out[i * m + j]! += a[i * k + l]! * b[l * m + j]!;
  return out;
}

/** Gram–Schmidt: orthonormal basis of the span of the rows. */
function orthonormal(rows: number[][]): number[][] {
  const out: number[][] = [];
  for (const r of rows) {
    const v = r.slice();
    for (const q of out) {
      const d = v.reduce((s, x, i) => s + x * q[i]!, 0);
      for (let i = 0; i < v.length; i++) v[i]! -= d * q[i]!;
    }
    const n = Math.hypot(...v);
    if (n > 1e-9) out.push(v.map((x) => x / n));
  }
  return out;
}
const rank = (rows: number[][]) => orthonormal(rows).length;
function residual(rows: number[][], v: number[]): number {
  const r = v.slice();
  for (const q of orthonormal(rows)) {
    const d = r.reduce((s, x, i) => s + x * q[i]!, 0);
    for (let i = 0; i < r.length; i++) r[i]! -= d * q[i]!;
  }
  return Math.hypot(...r);
}
