import { describe, expect, it } from "vitest";
import {
  Cn,
  checkEquivariance,
  checkEquivarianceLayers,
  cyclicIrrep,
  Dn,
  dihedralIrrep,
  FieldType,
  Generator,
  type Group,
  gradcheck,
  noGrad,
  O2,
  o2Irrep,
  p4,
  randn,
  regular,
  relu,
  SO2,
  so2Irrep,
  stagesOf,
  type Tensor,
  tensor,
  trivial,
} from "../src/index.js";
import {
  GatedNonLinearity,
  GroupPooling,
  InnerBatchNorm,
  NormNonLinearity,
  NormPool,
  PointwiseNonLinearity,
  planarGridAction,
  R2Conv,
} from "../src/layers/groups/steerable/index.js";

/** A smooth two-channel-or-more image supported inside the inscribed disk, so rotations lose nothing. */
function smoothDisk(channels: number, n: number, seed: number): Tensor {
  const gen = new Generator(seed);
  const data = new Float64Array(channels * n * n);
  const c = (n - 1) / 2;
  for (let ch = 0; ch < channels; ch++) {
    const blobs = Array.from({ length: 3 }, () => ({
      x: gen.uniform(-c / 2, c / 2),
      y: gen.uniform(-c / 2, c / 2),
      s: gen.uniform(8, 16),
      a: gen.uniform(-1, 1),
    }));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = j - c;
        const y = c - i;
        let v = 0;
        for (const b of blobs) v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / b.s);
        const r = Math.hypot(x, y) / c;
        data[ch * n * n + i * n + j] = v * Math.max(0, 1 - r ** 4);
      }
  }
  return tensor(data, { dtype: "float64" }).reshape([1, channels, n, n]);
}

const opts = (seed: number) => ({ dtype: "float64" as const, generator: new Generator(seed) });

describe("R2Conv", () => {
  it("is exactly equivariant for C4 and D4 regular / irrep fields (interleaved types)", () => {
    for (const G of [Cn(4), Dn(4)] as Group<unknown>[]) {
      const irr = G.name === "C4" ? cyclicIrrep(Cn(4), 1) : dihedralIrrep(Dn(4), 1, 1);
      const inT = new FieldType(G, [trivial(G), irr as never, regular(G), trivial(G)]);
      const outT = new FieldType(G, [irr as never, trivial(G), regular(G), irr as never]);
      const conv = new R2Conv(inT, outT, 5, { ...opts(1), padding: 2 });
      const x = randn([2, inT.size, 9, 9], { dtype: "float64", generator: new Generator(2) });
      const r = checkEquivariance((t: Tensor) => conv.forward(t), {
        group: G,
        inputAction: planarGridAction(G, { fieldType: inT }),
        outputAction: planarGridAction(G, { fieldType: outT }),
        inputs: [x],
      });
      expect(r.maxRelError, G.name).toBeLessThan(1e-12);
    }
  });

  it("C8 regular fields: exact for 90° steps, approximate for 45° (measured)", () => {
    const G = Cn(8);
    const t1 = FieldType.repeat(G, trivial(G), 1);
    const reg = FieldType.repeat(G, regular(G), 2);
    const c1 = new R2Conv(t1, reg, 5, { ...opts(3), padding: 2 });
    const c2 = new R2Conv(reg, reg, 5, { ...opts(4), padding: 2 });
    const pool = new GroupPooling(reg);
    const fn = (t: Tensor) => pool.forward(c2.forward(new PointwiseNonLinearity(reg).forward(c1.forward(t))));
    const x = smoothDisk(1, 23, 5);
    const r = checkEquivariance(fn, {
      group: G,
      inputAction: planarGridAction(G, { fieldType: t1 }),
      outputAction: planarGridAction(G),
      inputs: [x],
    });
    const quarter = r.samples.filter((s) => ["r^0", "r^2", "r^4", "r^6"].includes(s.element));
    const odd = r.samples.filter((s) => !quarter.includes(s));
    const eOdd = Math.max(...odd.map((s) => s.relError));
    console.log(
      `C8 steerable (regular fields, group-pooled maps): 90° steps ${Math.max(...quarter.map((s) => s.relError)).toExponential(2)}, 45° steps ${eOdd.toExponential(2)}`,
    );
    expect(Math.max(...quarter.map((s) => s.relError))).toBeLessThan(1e-12);
    expect(eOdd).toBeLessThan(0.35);
    const inv = checkEquivariance((t: Tensor) => fn(t).mean([2, 3]), {
      group: G,
      inputAction: planarGridAction(G, { fieldType: t1 }),
      inputs: [x],
    });
    console.log(`C8 steerable, globally pooled invariant features: max rel error ${inv.maxRelError.toExponential(2)}`);
    expect(inv.maxRelError).toBeLessThan(0.1);
  });

  it("SO(2) irrep fields with gated nonlinearity and norm pooling: measured error at random angles", () => {
    const G = new SO2();
    const t0 = FieldType.repeat(G, trivial(G), 1);
    const hidden = new FieldType(G, [trivial(G), trivial(G), so2Irrep(G, 1), so2Irrep(G, 2), so2Irrep(G, 1)]);
    const gate = new GatedNonLinearity(hidden);
    const c1 = new R2Conv(t0, gate.inType, 5, { ...opts(6), padding: 2 });
    const c2 = new R2Conv(hidden, hidden, 5, { ...opts(7), padding: 2 });
    const norm = new NormNonLinearity(hidden, { dtype: "float64" });
    const pool = new NormPool(hidden);
    const model = { layers: [c1, gate, c2, norm, pool] };
    const x = smoothDisk(1, 25, 8);
    const rep = checkEquivarianceLayers(stagesOf(model), {
      group: G,
      inputAction: planarGridAction(G, { fieldType: t0 }),
      inputs: [x],
      samples: 6,
      seed: 1,
    });
    for (const l of rep.layers) console.log(`SO(2) layer ${l.name}: max rel error ${l.maxRelError.toExponential(2)}`);
    const inv = checkEquivariance(
      (t: Tensor) => pool.forward(norm.forward(c2.forward(gate.forward(c1.forward(t))))).mean([2, 3]),
      {
        group: G,
        inputAction: planarGridAction(G, { fieldType: t0 }),
        inputs: [x],
        samples: 6,
      },
    );
    console.log(`SO(2) steerable model, invariant pooled output: max rel error ${inv.maxRelError.toExponential(2)}`);
    expect(inv.maxRelError).toBeLessThan(0.15);
    // exact for quarter turns
    const q = checkEquivariance((t: Tensor) => c2.forward(gate.forward(c1.forward(t))), {
      group: G,
      inputAction: planarGridAction(G, { fieldType: t0 }),
      outputAction: planarGridAction(G, { fieldType: hidden }),
      inputs: [x],
      elements: [Math.PI / 2, Math.PI, (3 * Math.PI) / 2],
    });
    expect(q.maxRelError).toBeLessThan(1e-12);
  });

  it("O(2) fields are exactly equivariant to flips and quarter turns", () => {
    const G = new O2();
    const inT = new FieldType(G, [trivial(G), o2Irrep(G, 1, 1)]);
    const outT = new FieldType(G, [o2Irrep(G, 1, 0), o2Irrep(G, 1, 2), o2Irrep(G, 1, 1)]);
    const conv = new R2Conv(inT, outT, 5, { ...opts(9), padding: 1 });
    const x = randn([1, 3, 8, 8], { dtype: "float64", generator: new Generator(10) });
    const els = [0, 1, 2, 3].flatMap((r) => [0, 1].map((f) => ({ theta: (r * Math.PI) / 2, f: f as 0 | 1 })));
    const r = checkEquivariance((t: Tensor) => conv.forward(t), {
      group: G,
      inputAction: planarGridAction(G, { fieldType: inT }),
      outputAction: planarGridAction(G, { fieldType: outT }),
      inputs: [x],
      elements: els,
    });
    expect(r.maxRelError).toBeLessThan(1e-12);
  });

  it("has one bias per invariant direction and none on irreps", () => {
    const G = Cn(4);
    const conv = new R2Conv(
      FieldType.repeat(G, trivial(G), 1),
      new FieldType(G, [regular(G), cyclicIrrep(G, 1), trivial(G)]),
      3,
      opts(11),
    );
    expect(conv.biases.map((b) => b.shape)).toEqual([
      [1, 1],
      [1, 1],
    ]);
    for (const b of conv.biases) b.data.fill(0.5);
    const v = conv.biasVector()!.toFlatArray();
    // regular field: 0.5/2 on each of its 4 channels (unit invariant vector 1/2·(1,1,1,1)); irrep: 0; trivial: 0.5
    expect(v.map((a) => Math.round(a * 1e9) / 1e9)).toEqual([0.25, 0.25, 0.25, 0.25, 0, 0, 0.5]);
  });

  it("caches the expanded filter in eval mode without gradients; a weight update or train() drops it", () => {
    const G = Cn(4);
    const t = FieldType.repeat(G, regular(G), 2);
    const conv = new R2Conv(t, t, 3, { ...opts(21), padding: 1 });
    for (const b of conv.biases) b.data.fill(0.3);
    const x = randn([2, t.size, 6, 6], { dtype: "float64", generator: new Generator(22) });
    const fresh = () => conv.forward(x).toFlatArray();
    const uncached = fresh(); // training mode: expanded every call, nothing cached
    expect(conv.filterCached).toBe(false);
    conv.eval();
    // eval mode while gradients of the parameters are recorded: still expanded every call
    expect(conv.forward(x).toFlatArray()).toEqual(uncached);
    expect(conv.filterCached).toBe(false);
    const first = noGrad(fresh);
    expect(conv.filterCached).toBe(true);
    const again = noGrad(fresh);
    expect(again).toEqual(first);
    expect(first).toEqual(uncached);
    // an in-place weight update (as an optimizer step) bumps the version: the next forward re-expands
    const w0 = conv.weights[0]!;
    w0.copy_(
      tensor(
        Float64Array.from(w0.data as Float64Array, (v) => 2 * v + 0.1),
        { dtype: "float64" },
      ),
    );
    expect(conv.filterCached).toBe(false);
    const updated = noGrad(fresh);
    conv.train();
    const updatedUncached = fresh();
    expect(updated).toEqual(updatedUncached);
    expect(updated).not.toEqual(first);
    // a forward in training mode dropped the cache
    expect(conv.filterCached).toBe(false);
  });

  it("gradcheck of R2Conv and the nonlinearities (float64, tiny sizes)", () => {
    const G = Cn(4);
    const inT = new FieldType(G, [trivial(G), cyclicIrrep(G, 1)]);
    const hid = new FieldType(G, [cyclicIrrep(G, 1), trivial(G)]);
    const gate = new GatedNonLinearity(hid);
    const conv = new R2Conv(inT, gate.inType, 3, { ...opts(12), padding: 1 });
    const norm = new NormNonLinearity(hid, { dtype: "float64", fn: "sigmoid" });
    const x = randn([1, 3, 3, 3], { dtype: "float64", generator: new Generator(13) }).requiresGrad_();
    gradcheck((t) => new NormPool(hid).forward(norm.forward(gate.forward(conv.forward(t)))), [x]);
    const w = conv.weights[0]!;
    gradcheck(
      (ww) => {
        conv.weights[0] = ww as never;
        return conv.forward(x.detach());
      },
      [w.detach().requiresGrad_()],
    );
    conv.weights[0] = w;
    const reg = FieldType.repeat(G, regular(G), 2);
    const bn = new InnerBatchNorm(reg, { dtype: "float64" });
    gradcheck(
      (t) => new GroupPooling(reg, "mean").forward(bn.forward(t)),
      [randn([2, 8, 2, 2], { dtype: "float64", generator: new Generator(14) }).requiresGrad_()],
    );
  });

  it("InnerBatchNorm's fused ReLU (forwardAct) gives relu(forward(x)) bit for bit, its gradient too, and stays C8-equivariant", () => {
    const G = Cn(8);
    const reg = FieldType.repeat(G, regular(G), 3);
    const bn = new InnerBatchNorm(reg);
    const x1 = randn([2, 24, 5, 5], { generator: new Generator(31) }).requiresGrad_();
    const x2 = x1.detach().requiresGrad_();
    const y1 = bn.forwardAct(x1, true);
    const y2 = relu(bn.forward(x2));
    expect(Array.from(y1.data)).toEqual(Array.from(y2.data));
    const gy = randn(y1.shape, { generator: new Generator(32) });
    y1.backward(gy);
    y2.backward(gy);
    expect(Array.from(x1.grad!.data)).toEqual(Array.from(x2.grad!.data));
    const r = checkEquivariance((u: Tensor) => bn.forwardAct(u, true), {
      group: G,
      inputAction: planarGridAction(G, { fieldType: reg }),
      outputAction: planarGridAction(G, { fieldType: reg }),
      inputs: [smoothDisk(24, 9, 33)],
    });
    const quarter = r.samples.filter((q) => ["r^0", "r^2", "r^4", "r^6"].includes(q.element));
    expect(Math.max(...quarter.map((q) => q.relError))).toBeLessThan(1e-5);
  });

  it("gives clear errors for wrong field types", () => {
    const G = Cn(4);
    const t = FieldType.repeat(G, regular(G), 2);
    const conv = new R2Conv(t, t, 3);
    expect(() => conv.forward(randn([1, 3, 5, 5]))).toThrow(
      /R2Conv: argument 'x' expected 8 channels on axis 1 for field type \[C4: 2×regular\], got shape \[1, 3, 5, 5\]/,
    );
    const P = p4();
    expect(() => new R2Conv(FieldType.repeat(P, trivial(P), 1), FieldType.repeat(P, trivial(P), 1), 3)).toThrow(
      /R2Conv: argument 'inType' expected a group acting on the plane.*got p4/,
    );
    const D = Dn(4);
    expect(() => new R2Conv(t, FieldType.repeat(D, trivial(D), 1) as never, 3)).toThrow(
      /expected a field type of C4.*got one of D4/,
    );
    const S = new SO2();
    expect(() => new PointwiseNonLinearity(new FieldType(S, [so2Irrep(S, 1)]))).toThrow(
      /permutes channels.*irrep\(1\)/,
    );
    expect(() => new GroupPooling(new FieldType(S, [so2Irrep(S, 1)]))).toThrow(/regular or trivial/);
  });
});
