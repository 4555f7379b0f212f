import { describe, expect, it } from "vitest";
import {
  Cn,
  checkEquivariance,
  checkEquivarianceLayers,
  Dn,
  F,
  Generator,
  type Group,
  gradcheck,
  moveGrid,
  p4,
  p4m,
  randn,
  relu,
  Sequential,
  stagesOf,
  type Tensor,
  tensor,
} from "../src/index.js";
import {
  filterTransform,
  GroupBatchNorm2d,
  GroupConv2d,
  GroupPool,
  gcnnAction,
  LiftingConv2d,
  pointElements,
  SpatialPool2d,
} from "../src/layers/groups/gcnn/index.js";

const f64 = (shape: number[], seed: number) => randn(shape, { dtype: "float64", generator: new Generator(seed) });

describe("G-CNN filters", () => {
  it("rotates filters exactly like moveGrid for 90° steps and flips", () => {
    const psi = f64([3, 3], 1);
    for (const m of [
      { r: 1, f: 0 as const },
      { r: 2, f: 1 as const },
      { r: 3, f: 1 as const },
    ]) {
      const tr = filterTransform(3, { theta: (m.r * Math.PI) / 2, f: m.f });
      expect(tr.target.length).toBe(9);
      const out = new Float64Array(9);
      for (let q = 0; q < 9; q++) out[tr.target[q]!]! += tr.weight[q]! * psi.data[tr.source[q]!]!;
      expect(Array.from(out)).toEqual(moveGrid(psi, { r: m.r, f: m.f, t: [0, 0] }).toFlatArray());
    }
  });
});

describe("G-CNN layers are exactly equivariant (p4, p4m)", () => {
  for (const G of [p4(), p4m()] as Group<unknown>[]) {
    it(`${G.name}: lifting, group conv, batch norm, spatial and group pooling, layer by layer`, () => {
      const gen = new Generator(2);
      const C = 3;
      const model = new Sequential(
        new LiftingConv2d(G, 2, C, 3, { dtype: "float64", generator: gen }),
        new GroupBatchNorm2d(G, C, { dtype: "float64" }),
        new GroupConv2d(G, C, C, 3, { dtype: "float64", generator: gen, padding: 1 }),
        new SpatialPool2d(2, "max", gcnnAction(G, C)),
        new GroupConv2d(G, C, 4, 3, { dtype: "float64", generator: gen }),
        new GroupPool(G, 4, "max"),
      );
      const x = f64([2, 2, 10, 10], 3);
      const rep = checkEquivarianceLayers(stagesOf({ layers: [...model] }), {
        group: G,
        inputAction: gcnnAction(G),
        inputs: [x],
        elements: pointElements(G),
        atol: 1e-10,
        rtol: 1e-10,
      });
      for (const l of rep.layers) expect(l.maxRelError, l.name).toBeLessThan(1e-12);
      expect(rep.pass).toBe(true);
    });
  }

  it("a p4m model is invariant to rotations and flips at round-off (float32 and float64)", () => {
    const G = p4m();
    for (const dtype of ["float64", "float32"] as const) {
      const gen = new Generator(5);
      const model = new Sequential(
        new LiftingConv2d(G, 1, 4, 3, { dtype, generator: gen }),
        new GroupConv2d(G, 4, 4, 3, { dtype, generator: gen }),
        new GroupPool(G, 4),
      );
      const fn = (x: Tensor) => relu(model.forward(x)).mean([2, 3]);
      const x = randn([2, 1, 9, 9], { dtype, generator: new Generator(6) });
      const r = checkEquivariance(fn, {
        group: G,
        inputAction: gcnnAction(G),
        inputs: [x],
        elements: pointElements(G),
      });
      expect(r.samples.length).toBe(8);
      expect(r.maxRelError).toBeLessThan(dtype === "float64" ? 1e-13 : 1e-5);
    }
  });

  it("C4 and D4 give the same layers as p4 and p4m", () => {
    const x = f64([1, 1, 7, 7], 7);
    const a = new LiftingConv2d(Cn(4), 1, 2, 3, { dtype: "float64", generator: new Generator(8) });
    const b = new LiftingConv2d(p4(), 1, 2, 3, { dtype: "float64", generator: new Generator(8) });
    expect(a.forward(x).toFlatArray()).toEqual(b.forward(x).toFlatArray());
    const r = checkEquivariance((t: Tensor) => a.forward(t), {
      group: Cn(4),
      inputAction: gcnnAction(Cn(4)),
      outputAction: gcnnAction(Cn(4), 2),
      inputs: [x],
    });
    expect(r.maxRelError).toBeLessThan(1e-13);
    const d = new LiftingConv2d(Dn(4), 1, 2, 3, { dtype: "float64", generator: new Generator(8) });
    const rd = checkEquivariance((t: Tensor) => d.forward(t), {
      group: Dn(4),
      inputAction: gcnnAction(Dn(4)),
      outputAction: gcnnAction(Dn(4), 2),
      inputs: [x],
    });
    expect(rd.maxRelError).toBeLessThan(1e-13);
    // the C4 filters seen as D4 features are not flip-equivariant
    const bad = checkEquivariance((t: Tensor) => a.forward(t), {
      group: Cn(4),
      inputAction: (g, t) => gcnnAction(Cn(4))(g, moveGrid(t, { r: 0, f: 1, t: [0, 0] })),
      outputAction: gcnnAction(Cn(4), 2),
      inputs: [x],
    });
    expect(bad.pass).toBe(false);
  });
});

describe("G-CNN approximate equivariance (C8)", () => {
  it("rotates filters by interpolation; the measured error is small", () => {
    const G = Cn(8);
    const gen = new Generator(9);
    const model = new Sequential(
      new LiftingConv2d(G, 1, 4, 5, { dtype: "float64", generator: gen, padding: 2 }),
      new GroupConv2d(G, 4, 4, 5, { dtype: "float64", generator: gen, padding: 2 }),
      new GroupPool(G, 4, "mean"),
    );
    // a smooth input inside a disk, so that rotating the image loses nothing
    const n = 21;
    const img = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const y = i - 10;
        const x = j - 10;
        img[i * n + j] =
          Math.exp(-((x - 3) ** 2 + (y + 1) ** 2) / 12) - 0.7 * Math.exp(-((x + 2) ** 2 + (y - 4) ** 2) / 8);
      }
    const x = tensor(img, { dtype: "float64" }).reshape([1, 1, n, n]);
    const fn = (t: Tensor) => model.forward(t).mean([2, 3]);
    const r = checkEquivariance(fn, { group: G, inputAction: gcnnAction(G), outputAction: undefined, inputs: [x] });
    const exact = r.samples.filter((s) => ["r^0", "r^2", "r^4", "r^6"].includes(s.element));
    const odd = r.samples.filter((s) => !["r^0", "r^2", "r^4", "r^6"].includes(s.element));
    const maxOdd = Math.max(...odd.map((s) => s.relError));
    console.log(
      `C8 G-CNN invariance (pooled features): 90° steps ${Math.max(...exact.map((s) => s.relError)).toExponential(2)}, 45° steps ${maxOdd.toExponential(2)}`,
    );
    expect(Math.max(...exact.map((s) => s.relError))).toBeLessThan(1e-12);
    expect(maxOdd).toBeLessThan(0.1);
  });
});

describe("G-CNN gradients and errors", () => {
  it("gradcheck of the lifting and group convolutions, pooling and batch norm", () => {
    const G = p4();
    const gen = new Generator(11);
    const lift = new LiftingConv2d(G, 1, 2, 3, { dtype: "float64", generator: gen, padding: 1 });
    const gconv = new GroupConv2d(G, 2, 1, 3, { dtype: "float64", generator: gen });
    const bn = new GroupBatchNorm2d(G, 2, { dtype: "float64" });
    const pool = new GroupPool(G, 1);
    const x = f64([2, 1, 4, 4], 12).requiresGrad_();
    gradcheck((t) => pool.forward(gconv.forward(bn.forward(lift.forward(t)))), [x]);
    const w = lift.weight;
    gradcheck(
      (ww) => {
        lift.weight = ww as never;
        return lift.forward(x.detach());
      },
      [w.detach().double().requiresGrad_()],
    );
    lift.weight = w;
    const pm = new GroupPool(G, 2, "mean");
    gradcheck((t) => pm.forward(t), [f64([1, 8, 3, 3], 13).requiresGrad_()]);
    const c8 = new GroupConv2d(Cn(8), 1, 1, 3, { dtype: "float64", generator: gen });
    gradcheck((t) => c8.forward(t), [f64([1, 8, 4, 4], 14).requiresGrad_()]);
  });

  it("F.batchNorm over channels-first [N, C, L] (the G-CNN feature maps) matches its definition and gradchecks", () => {
    const x = f64([3, 2, 5], 21);
    const w = f64([2], 22);
    const b = f64([2], 23);
    for (const training of [true, false]) {
      const rm = f64([2], 24);
      const rv = f64([2], 25).abs().add(0.5);
      const rm0 = rm.clone();
      const rv0 = rv.clone();
      const got = F.batchNorm(x, rm, rv, w, b, training, 0.2, 1e-5);
      // the composite definition: statistics over N and L per channel
      const mu = training ? x.mean([0, 2], true) : rm0.reshape([1, 2, 1]);
      const v = training ? x.sub(mu).square().mean([0, 2], true) : rv0.reshape([1, 2, 1]);
      const ref = x
        .sub(mu)
        .div(v.add(1e-5).sqrt())
        .mul(w.reshape([1, 2, 1]))
        .add(b.reshape([1, 2, 1]));
      const d = ref.toFlatArray().map((r, i) => Math.abs(r - got.toFlatArray()[i]!));
      expect(Math.max(...d)).toBeLessThan(1e-12);
      if (training) {
        // running ← 0.8·running + 0.2·batch, with the unbiased variance (15 values per channel)
        for (let c = 0; c < 2; c++) {
          expect(rm.data[c]).toBeCloseTo(0.8 * rm0.data[c]! + 0.2 * mu.data[c]!, 12);
          expect(rv.data[c]).toBeCloseTo(0.8 * rv0.data[c]! + (0.2 * v.data[c]! * 15) / 14, 12);
        }
      } else expect(rm.toFlatArray()).toEqual(rm0.toFlatArray());
      for (const relu of [false, true])
        gradcheck(
          (xx, ww, bb) => F.batchNormAct(xx!, rm.clone(), rv.clone(), ww!, bb!, training, 0.1, 1e-5, relu),
          [x.clone().requiresGrad_(), w.clone().requiresGrad_(), b.clone().requiresGrad_()],
        );
    }
  });

  it("rejects inputs with the wrong channels and unsupported groups", () => {
    const g = new GroupConv2d(p4(), 3, 2, 3);
    expect(() => g.forward(randn([1, 3, 5, 5]))).toThrow(
      /GroupConv2d: argument 'x' expected shape \[B, 12, H, W\].*got \[1, 3, 5, 5\]/,
    );
    expect(() => new GroupPool(p4m(), 2).forward(randn([1, 8, 3, 3]))).toThrow(
      /GroupPool: argument 'x' expected shape \[B, 16, H, W\]/,
    );
    expect(() => new LiftingConv2d(Cn(4) as never, 0, 2, 3)).toThrow(/inChannels/);
    expect(() => new LiftingConv2d({ name: "SO(2)" } as never, 1, 2, 3)).toThrow(/expected p4, p4m, Cn or Dn/);
  });
});
