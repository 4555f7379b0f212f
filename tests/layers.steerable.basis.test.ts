import { describe, expect, it } from "vitest";
import {
  Cn,
  cyclicIrrep,
  Dn,
  dihedralIrrep,
  directSum,
  FieldType,
  Generator,
  type Group,
  graphPermutationAction,
  gridAction,
  matmul,
  O2,
  o2Irrep,
  p4,
  permute,
  type Representation,
  randn,
  regular,
  Sn,
  SO2,
  SO3,
  so2Irrep,
  standard,
  Tensor,
  trivial,
} from "../src/index.js";
import {
  clearKernelBasisCache,
  decompose,
  defaultFrequencyCutoff,
  harmonicBasis,
  kernelBasis,
  R2Conv,
} from "../src/layers/groups/steerable/index.js";
import { planarMotion } from "../src/layers/groups/steerable/planar.js";

/** max |k(g·x) − ρ_out(g) k(x) ρ_in(g)ᵀ| over sampled points and elements, relative to max |k|. */
function constraintError<E>(
  group: Group<E>,
  inRep: Representation<E>,
  outRep: Representation<E>,
  kernelSize: number,
  elements: E[],
): number {
  const b = kernelBasis(group, inRep, outRep, kernelSize);
  const gen = new Generator(3);
  const dI = inRep.size;
  const dO = outRep.size;
  let err = 0;
  let scale = 0;
  for (let s = 0; s < 6; s++) {
    const x = gen.uniform(-2, 2);
    const y = gen.uniform(-2, 2);
    const kx = b.evaluate(x, y);
    for (const e of elements) {
      const m = planarMotion(group, e);
      // g·(x, y): flip x then rotate by θ
      const fx = m.f ? -x : x;
      const gx = Math.cos(m.theta) * fx - Math.sin(m.theta) * y;
      const gy = Math.sin(m.theta) * fx + Math.cos(m.theta) * y;
      const kgx = b.evaluate(gx, gy);
      const Ro = outRep.matrix(e);
      const Ri = inRep.matrix(e);
      for (let q = 0; q < b.size; q++) {
        for (let i = 0; i < dO; i++) {
          for (let j = 0; j < dI; j++) {
            let v = 0;
            for (let a = 0; a < dO; a++)
              for (let c = 0; c < dI; c++) v += Ro[i * dO + a]! * kx[q * dO * dI + a * dI + c]! * Ri[j * dI + c]!;
            err = Math.max(err, Math.abs(kgx[q * dO * dI + i * dI + j]! - v));
            scale = Math.max(scale, Math.abs(v));
          }
        }
      }
    }
  }
  return err / Math.max(scale, 1e-30);
}

describe("steerable kernel basis", () => {
  it("decomposes regular representations of Cn and Dn with an orthogonal change of basis", () => {
    for (const g of [Cn(8), Cn(5), Dn(4), Dn(6)] as Group<unknown>[]) {
      const d = decompose(regular(g));
      const n = g.order;
      expect(d.irreps.reduce((s, r) => s + r.size, 0)).toBe(n);
      // QᵀQ = I
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += d.Q[k * n + i]! * d.Q[k * n + j]!;
          expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
        }
    }
    const so2 = new SO2();
    const d = decompose(directSum(so2Irrep(so2, 1), trivial(so2), so2Irrep(so2, 3)));
    expect(d.isIdentity).toBe(true);
    expect(d.irreps.map((r) => r.name)).toEqual(["irrep(1)", "trivial", "irrep(3)"]);
  });

  it("SO(2) irreps: the analytic solutions have frequencies |m − n| and m + n", () => {
    const g = new SO2();
    const t = harmonicBasis(g, so2Irrep(g, 1), so2Irrep(g, 2), 10);
    expect(t.map((x) => x.freq).sort()).toEqual([1, 1, 3, 3]);
    expect(harmonicBasis(g, trivial(g), so2Irrep(g, 2), 10).map((x) => x.freq)).toEqual([2, 2]);
    expect(harmonicBasis(g, so2Irrep(g, 2), so2Irrep(g, 2), 1).map((x) => x.freq)).toEqual([0, 0]);
  });

  it("the kernel constraint k(g·x) = ρ_out(g) k(x) ρ_in(g)ᵀ holds on the continuous basis", () => {
    const so2 = new SO2();
    const o2 = new O2();
    const gen = new Generator(1);
    const so2Els = Array.from({ length: 5 }, () => so2.sample(gen));
    const o2Els = Array.from({ length: 6 }, () => o2.sample(gen));
    const cases: [Group<unknown>, Representation<unknown>, Representation<unknown>, unknown[]][] = [];
    const add = <E>(g: Group<E>, a: Representation<E>, b: Representation<E>, els: E[]) =>
      cases.push([g, a, b, els] as never);
    for (const m of [0, 1, 2])
      for (const n of [0, 1, 3])
        add(so2, m === 0 ? trivial(so2) : so2Irrep(so2, m), n === 0 ? trivial(so2) : so2Irrep(so2, n), so2Els);
    add(so2, directSum(trivial(so2), so2Irrep(so2, 1)), directSum(so2Irrep(so2, 2), so2Irrep(so2, 1)), so2Els);
    add(o2, o2Irrep(o2, 1, 0), o2Irrep(o2, 1, 2), o2Els);
    add(o2, o2Irrep(o2, 1, 1), o2Irrep(o2, 1, 2), o2Els);
    add(o2, trivial(o2), o2Irrep(o2, 1, 1), o2Els);
    add(o2, directSum(o2Irrep(o2, 1, 1), o2Irrep(o2, 1, 0)), directSum(trivial(o2), o2Irrep(o2, 1, 1)), o2Els);
    for (const N of [4, 8, 5]) {
      const g = Cn(N);
      add(g, regular(g), regular(g), g.elements());
      add(g, trivial(g), regular(g), g.elements());
      add(g, cyclicIrrep(g, 1), standard(g), g.elements());
    }
    for (const N of [4, 3]) {
      const g = Dn(N);
      add(g, regular(g), regular(g), g.elements());
      add(g, dihedralIrrep(g, 1, 0), regular(g), g.elements());
    }
    let worst = 0;
    for (const [g, a, b, els] of cases) {
      const basis = kernelBasis(g, a, b, 7);
      expect(basis.size, `${g.name} ${a.name} -> ${b.name}`).toBeGreaterThan(0);
      worst = Math.max(worst, constraintError(g, a, b, 7, els));
    }
    console.log(
      `kernel constraint: max relative error ${worst.toExponential(2)} over ${cases.length} representation pairs`,
    );
    expect(worst).toBeLessThan(1e-12);
  });

  it("builds typical bases and caches them (timings are in bench/steerable.ts)", () => {
    clearKernelBasisCache();
    const c8 = Cn(8);
    const b = kernelBasis(c8, regular(c8), regular(c8), 5);
    const d4 = Dn(4);
    const bd = kernelBasis(d4, regular(d4), regular(d4), 5);
    const so2 = new SO2();
    const rep = directSum(trivial(so2), so2Irrep(so2, 1), so2Irrep(so2, 2), so2Irrep(so2, 3));
    const bs = kernelBasis(so2, rep, rep, 7);
    expect(b.size).toBeGreaterThan(0);
    expect(bd.size).toBeGreaterThan(0);
    expect(bs.size).toBeGreaterThan(0);
    // a second request is served from the cache: the same object
    expect(kernelBasis(c8, regular(c8), regular(c8), 5)).toBe(b);
  });

  it("the factored form reproduces the sampled basis, and R2Conv's filter through it matches coef · sampled (values and gradients)", () => {
    const g = Dn(8);
    const R = regular(g);
    const b = kernelBasis(g, R, R, 5);
    const f = b.factored();
    const d = R.size * R.size;
    const kk = 25;
    // element by element, against the continuous basis at the grid points (away from the centre)
    const sampled = b.sampled;
    expect(sampled.length).toBe(b.size * d * kk);
    let err = 0;
    for (const el of [0, 7, b.size >> 1, b.size - 1]) {
      for (const p of [1, 6, 13, 24]) {
        const x = (p % 5) - 2;
        const y = 2 - Math.floor(p / 5);
        const v = b.evaluate(x, y);
        for (let q = 0; q < d; q++) err = Math.max(err, Math.abs(v[el * d + q]! - sampled[(el * d + q) * kk + p]!));
      }
    }
    expect(err).toBeLessThan(1e-12);
    expect(f.count).toBeGreaterThan(1);
    expect(f.cosIndex.length).toBe(b.size);
    // every sampled filter has unit norm (the analytic normalisation)
    for (const el of [0, b.size - 1]) {
      let s = 0;
      for (let i = 0; i < d * kk; i++) s += sampled[el * d * kk + i]! ** 2;
      expect(s).toBeCloseTo(1, 10);
    }
    // a block large enough for the factored expansion (2 regular D8 fields in and out, k = 5)
    const t = FieldType.repeat(g, R, 2);
    const conv = new R2Conv(t, t, 5, { dtype: "float64", generator: new Generator(4) });
    const W = conv.filter();
    const coef = conv.weights[0]!;
    const ref = matmul(coef.detach().reshape([4, b.size]), new Tensor(sampled.slice(), [b.size, d * kk], "float64"));
    const Wref = permute(ref.reshape([2, 2, 16, 16, 5, 5]), [0, 2, 1, 3, 4, 5]).reshape([32, 32, 5, 5]);
    let werr = 0;
    for (let i = 0; i < W.data.length; i++) werr = Math.max(werr, Math.abs(W.data[i]! - Wref.data[i]!));
    expect(werr).toBeLessThan(1e-12);
    const Rw = randn([32, 32, 5, 5], { dtype: "float64", generator: new Generator(5) });
    W.mul(Rw).sum().backward();
    // d/dcoef of Σ W·R = R (permuted back) · sampledᵀ
    const Rp = permute(Rw.reshape([2, 16, 2, 16, 25]), [0, 2, 1, 3, 4]).reshape([4, d * kk]);
    const gref = matmul(Rp, new Tensor(sampled.slice(), [b.size, d * kk], "float64").transpose(0, 1));
    let gerr = 0;
    for (let i = 0; i < gref.data.length; i++) gerr = Math.max(gerr, Math.abs(coef.grad!.data[i]! - gref.data[i]!));
    expect(gerr).toBeLessThan(1e-9);
  });

  it("builds the bases of D16 regular fields (k = 7) (timed in bench/steerable.ts)", () => {
    clearKernelBasisCache();
    const g = Dn(16);
    const t = FieldType.repeat(g, regular(g), 8);
    const c0 = process.cpuUsage();
    const conv = new R2Conv(t, t, 7);
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000;
    console.log(
      `R2Conv D16 8 regular → 8 regular, k = 7: ${ms.toFixed(1)} CPU ms (basis ${conv.basisSizes[0]} filters; bench: 'steerable basis')`,
    );
    expect(conv.filter().shape).toEqual([256, 256, 7, 7]);
  });

  it("the default band limit is escnn's: frequencies up to 2 on a 3×3 kernel's ring (known values)", () => {
    const cut = (k: number) =>
      Array.from({ length: Math.floor((k - 1) / 2) + 1 }, (_, r) => defaultFrequencyCutoff(r, Math.floor(k / 2)));
    expect(cut(3)).toEqual([0, 2]);
    expect(cut(5)).toEqual([0, 2, 2]);
    expect(cut(7)).toEqual([0, 2, 3, 2]);
    const G = Cn(8) as Group<unknown>;
    const b = kernelBasis(G, regular(G), regular(G), 3);
    expect(Math.max(...b.elements.map((e) => e.term.freq))).toBe(2);
    // an explicit cutoff still wins
    const low = kernelBasis(G, regular(G), regular(G), 3, { frequencyCutoff: (r) => Math.floor(r) });
    expect(Math.max(...low.elements.map((e) => e.term.freq))).toBe(1);
    expect(low.size).toBeLessThan(b.size);
    // ring widths: 0.6 by default, one per ring when given (escnn's: a near-delta centre, 0.4 outside)
    expect(b.elements.every((e) => e.sigma === 0.6)).toBe(true);
    const sharp = kernelBasis(G, regular(G), regular(G), 3, { sigma: [0.005, 0.4] });
    expect([...new Set(sharp.elements.map((e) => `${e.radius}:${e.sigma}`))].sort()).toEqual(["0:0.005", "1:0.4"]);
    expect(() => kernelBasis(G, regular(G), regular(G), 3, { sigma: [0.6] })).toThrow(
      /kernelBasis: argument 'sigma' expected 2 widths \(one per ring\), got 1/,
    );
  });

  it("rejects groups that do not act on the plane", () => {
    const g = p4();
    expect(() => kernelBasis(g as never, trivial(g) as never, trivial(g) as never, 3)).toThrow(
      /Cn, Dn, SO\(2\) or O\(2\)/,
    );
  });
});

describe("bad input gives clear errors (issue 4)", () => {
  it("a field type that does not match the channels", () => {
    const G = Cn(4);
    const outT = FieldType.repeat(G, regular(G), 2);
    const conv = new R2Conv(FieldType.repeat(G, trivial(G), 1), outT, 3);
    expect(() => conv.forward(randn([1, 3, 5, 5]))).toThrow(
      /R2Conv: argument 'x' expected 1 channels on axis 1 for field type \[C4: 1×trivial\], got shape \[1, 3, 5, 5\]/,
    );
    expect(() => gridAction(G, { fieldType: outT })(1, randn([1, 3, 4, 4]))).toThrow(
      /expected 8 channels on axis -3 for field type \[C4: 2×regular\], got shape \[1, 3, 4, 4\]/,
    );
  });

  it("a group that does not act on the domain", () => {
    expect(() => gridAction(new SO3() as never)(new SO3().sample(), randn([1, 1, 4, 4]))).toThrow(
      /gridAction: argument 'group' expected C4, D4, p4, p4m or 2-D translations, got SO\(3\)/,
    );
    expect(
      () => new R2Conv(FieldType.repeat(p4(), trivial(p4()), 1), FieldType.repeat(p4(), trivial(p4()), 1), 3),
    ).toThrow(/R2Conv: argument 'inType' expected a group acting on the plane.*got p4/);
    expect(() => kernelBasis(new SO3() as never, trivial(new SO3()) as never, trivial(new SO3()) as never, 3)).toThrow(
      /Cn, Dn, SO\(2\) or O\(2\)/,
    );
    // a permutation of another number of nodes does not act on a graph
    const x = randn([6, 2]);
    const edgeIndex = new Tensor(Int32Array.from([0, 1, 1, 0]), [2, 2], "int32");
    expect(() => graphPermutationAction()(Sn(5).sample(), { x, edgeIndex })).toThrow(
      /graphPermutationAction: argument 'x' expected 5 rows \(one per node of the permutation\), got shape \[6, 2\]/,
    );
  });

  it("a kernel too large for the input", () => {
    const G = Cn(4);
    const conv = new R2Conv(FieldType.repeat(G, trivial(G), 1), FieldType.repeat(G, regular(G), 2), 7);
    expect(() => conv.forward(randn([1, 1, 5, 5]))).toThrow(
      /conv2d: argument 'weight' expected a kernel \(7×7, dilation \[1, 1\]\) no larger than the padded input \(5×5 plus padding \[0, 0\] \/ \[0, 0\]\), got effective size 7 > 5/,
    );
    // with padding the same input is fine
    const padded = new R2Conv(FieldType.repeat(G, trivial(G), 1), FieldType.repeat(G, regular(G), 2), 7, {
      padding: 3,
    });
    expect(padded.forward(randn([1, 1, 5, 5])).shape).toEqual([1, 8, 5, 5]);
    expect(() => kernelBasis(G, trivial(G), regular(G), 0)).toThrow(
      /kernelBasis: argument 'kernelSize' expected a positive integer, got 0/,
    );
  });
});
