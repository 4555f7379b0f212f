import { describe, expect, it } from "vitest";
import {
  assertEquivariant,
  Cn,
  checkEquivariance,
  checkEquivarianceLayers,
  cyclicIrrep,
  Dn,
  directSum,
  En,
  FieldType,
  formatReport,
  Generator,
  type Group,
  graphPermutationAction,
  gridAction,
  irreps,
  linalg64,
  moveGrid,
  nodePermutationAction,
  O2,
  O3,
  o2Irrep,
  p4,
  p4m,
  permutationRep,
  pointAction,
  type Representation,
  randn,
  regular,
  rotateImage,
  Sn,
  SO2,
  SO3,
  so2Irrep,
  stagesOf,
  standard,
  Tensor,
  TranslationGroup,
  tensor,
  tensorProduct,
  trivial,
} from "../src/index.js";

function checkAxioms<E>(g: Group<E>, tol = 1e-9) {
  const gen = new Generator(1);
  for (let k = 0; k < 10; k++) {
    const a = g.sample(gen);
    const b = g.sample(gen);
    const c = g.sample(gen);
    expect(g.equals(g.compose(g.compose(a, b), c), g.compose(a, g.compose(b, c)), tol)).toBe(true);
    expect(g.equals(g.compose(a, g.identity()), a, tol)).toBe(true);
    expect(g.equals(g.compose(g.identity(), a), a, tol)).toBe(true);
    expect(g.equals(g.compose(a, g.inverse(a)), g.identity(), tol)).toBe(true);
  }
}

function checkHomomorphism<E>(rep: Representation<E>, tol = 1e-9) {
  const g = rep.group;
  const gen = new Generator(2);
  const n = rep.size;
  for (let k = 0; k < 8; k++) {
    const a = g.sample(gen);
    const b = g.sample(gen);
    const lhs = rep.matrix(g.compose(a, b));
    const rhs = linalg64.matmulSq(rep.matrix(a), rep.matrix(b), n);
    expect(linalg64.maxAbsDiff(lhs, rhs)).toBeLessThan(tol);
  }
  expect(linalg64.maxAbsDiff(rep.matrix(g.identity()), linalg64.identity(n))).toBeLessThan(tol);
}

describe("groups", () => {
  it("satisfy the group axioms", () => {
    for (const g of [
      Cn(5),
      Dn(6),
      Sn(5),
      new TranslationGroup([4, 5]),
      p4(),
      p4m(),
      p4m([5, 5]),
      new SO2(),
      new O2(),
      new SO3(),
      new O3(),
      En(3),
      En(2),
    ] as Group<unknown>[]) {
      checkAxioms(g);
    }
  });

  it("enumerate finite groups", () => {
    expect(Cn(7).elements()).toHaveLength(7);
    expect(Dn(4).elements()).toHaveLength(8);
    expect(Sn(4).elements()).toHaveLength(24);
    expect(new TranslationGroup([3, 2]).elements()).toHaveLength(6);
  });

  it("sample proper rotations for SO(3) and improper ones for O(3)", () => {
    const gen = new Generator(3);
    const R = new SO3().sample(gen);
    expect(linalg64.det(R, 3)).toBeCloseTo(1, 12);
    const dets = Array.from({ length: 20 }, () => Math.sign(linalg64.det(new O3().sample(gen), 3)));
    expect(dets).toContain(-1);
    expect(dets).toContain(1);
  });

  it("reject bad arguments", () => {
    expect(() => Cn(0)).toThrow(/CyclicGroup: argument 'n'/);
    expect(() => cyclicIrrep(Cn(4), 3)).toThrow(/cyclicIrrep: argument 'k' expected an integer in \[0, 2\]/);
    expect(() => regular(new SO2() as Group<number>)).toThrow(/finite group/);
  });
});

describe("representations", () => {
  it("are homomorphisms", () => {
    const c6 = Cn(6);
    const d5 = Dn(5);
    const d4 = Dn(4);
    const reps: Representation<unknown>[] = [
      ...irreps(c6),
      ...irreps(d5),
      ...irreps(d4),
      regular(c6),
      regular(d4),
      standard(c6),
      standard(d4),
      standard(p4()),
      standard(p4m()),
      so2Irrep(new SO2(), 3),
      o2Irrep(new O2(), 1, 2),
      o2Irrep(new O2(), 1, 0),
      standard(new O2()),
      standard(new SO3()),
      standard(En(3)),
      permutationRep(Sn(5)),
      directSum(cyclicIrrep(c6, 1), trivial(c6), cyclicIrrep(c6, 3)),
      tensorProduct(cyclicIrrep(c6, 1), cyclicIrrep(c6, 2)),
    ] as Representation<unknown>[];
    for (const r of reps) checkHomomorphism(r);
  });

  it("irreps of Cn and Dn have orthogonal characters", () => {
    for (const g of [Cn(6), Cn(5), Dn(4), Dn(5)] as Group<unknown>[]) {
      const els = g.elements!();
      const irr = irreps(g);
      const cyclic = g.name.startsWith("C");
      // Dn's real irreps are absolutely irreducible: Σ dim² = |G|. Cn's 2-D real irreps each hold two
      // complex ones, so their characters have norm 2.
      if (!cyclic) expect(irr.reduce((s, r) => s + r.size ** 2, 0)).toBe(els.length);
      for (let i = 0; i < irr.length; i++) {
        for (let j = 0; j < irr.length; j++) {
          let s = 0;
          for (const e of els) s += irr[i]!.character(e) * irr[j]!.character(e);
          const norm = cyclic && irr[i]!.size === 2 ? 2 : 1;
          expect(s / els.length).toBeCloseTo(i === j ? norm : 0, 10);
        }
      }
    }
  });

  it("regular character is |G| at the identity and 0 elsewhere", () => {
    const g = Dn(3);
    const r = regular(g);
    for (const e of g.elements()) expect(r.character(e)).toBe(g.equals(e, g.identity()) ? 6 : 0);
  });
});

describe("actions on domains", () => {
  it("moveGrid is a group action for p4m on a square grid and rot90 matches torch.rot90", () => {
    const x = randn([2, 5, 5], { generator: new Generator(4) });
    const G = p4m([5, 5]);
    const act = gridAction(G);
    const gen = new Generator(5);
    for (let k = 0; k < 10; k++) {
      const a = G.sample(gen);
      const b = G.sample(gen);
      expect(act(a, act(b, x)).toFlatArray()).toEqual(act(G.compose(a, b), x).toFlatArray());
    }
    const img = tensor([
      [1, 2],
      [3, 4],
    ]);
    // torch.rot90([[1,2],[3,4]]) = [[2,4],[1,3]]
    expect(moveGrid(img, { r: 1, f: 0, t: [0, 0] }).toArray()).toEqual([
      [2, 4],
      [1, 3],
    ]);
  });

  it("rotateImage by 90° equals the exact grid rotation", () => {
    const x = randn([3, 6, 6], { generator: new Generator(6), dtype: "float64" });
    const a = rotateImage(x, Math.PI / 2).toFlatArray();
    const b = moveGrid(x, { r: 1, f: 0, t: [0, 0] }).toFlatArray();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 10);
  });

  it("field types transform channels and validate sizes", () => {
    const g = Cn(4);
    const ft = new FieldType(g, [regular(g), trivial(g)]);
    expect(ft.size).toBe(5);
    const x = randn([1, 5, 3, 3]);
    expect(() => ft.transform(randn([1, 4, 3, 3]), 1)).toThrow(/expected 5 channels/);
    // regular rep on C4 permutes the 4 channels cyclically
    const y = ft.transform(x, 1);
    expect(y.shape).toEqual([1, 5, 3, 3]);
    expect(ft.toString()).toContain("C4");
  });
});

describe("checkEquivariance", () => {
  it("passes for a pointwise nonlinearity under p4m and fails for a non-equivariant map", () => {
    const G = p4m([6, 6]);
    const x = randn([1, 2, 6, 6], { generator: new Generator(7) });
    const relu = (t: Tensor) => new Tensor(t.data.map((v) => Math.max(v, 0)) as Float32Array, t.shape);
    const r = assertEquivariant(relu, {
      group: G,
      inputAction: gridAction(G),
      outputAction: gridAction(G),
      inputs: [x],
      samples: 6,
    });
    expect(r.maxRelError).toBe(0);
    // multiplying by a ramp along the columns is not rotation equivariant
    const ramp = (t: Tensor) => new Tensor(t.data.map((v, i) => v * (i % 6)) as Float32Array, t.shape);
    const bad = checkEquivariance(ramp, {
      group: G,
      inputAction: gridAction(G),
      outputAction: gridAction(G),
      inputs: [x],
      samples: 6,
    });
    expect(bad.pass).toBe(false);
    expect(formatReport(bad)).toContain("FAIL");
    expect(() =>
      assertEquivariant(ramp, { group: G, inputAction: gridAction(G), outputAction: gridAction(G), inputs: [x] }),
    ).toThrow(/not equivariant/);
  });

  it("checks E(3) invariance of pairwise distances and equivariance of the centroid", () => {
    const G = En(3);
    const pos = randn([7, 3], { dtype: "float64", generator: new Generator(8) });
    const dists = (p: Tensor) => {
      const out: number[] = [];
      for (let i = 0; i < 7; i++)
        for (let j = 0; j < 7; j++)
          out.push(Math.hypot(...[0, 1, 2].map((k) => p.data[i * 3 + k]! - p.data[j * 3 + k]!)));
      return out;
    };
    expect(checkEquivariance(dists, { group: G, inputAction: pointAction(G), inputs: [pos], atol: 1e-9 }).pass).toBe(
      true,
    );
    const centroid = (p: Tensor) => {
      const c = new Float64Array(3);
      for (let i = 0; i < 7; i++) for (let k = 0; k < 3; k++) c[k]! += p.data[i * 3 + k]! / 7;
      return new Tensor(c, [1, 3]);
    };
    const r = checkEquivariance(centroid, {
      group: G,
      inputAction: pointAction(G),
      outputAction: pointAction(G),
      inputs: [pos],
    });
    expect(r.maxRelError).toBeLessThan(1e-12);
  });

  it("checks permutation equivariance of a graph sum aggregation", () => {
    const n = 5;
    const G = Sn(n);
    const graph = {
      x: randn([n, 3], { dtype: "float64", generator: new Generator(9) }),
      edgeIndex: tensor(
        [
          [0, 1, 2, 3, 4, 0],
          [1, 2, 3, 4, 0, 2],
        ],
        { dtype: "int32" },
      ),
    };
    const aggregate = (g: typeof graph) => {
      const out = new Float64Array(n * 3);
      const E = g.edgeIndex.shape[1]!;
      for (let e = 0; e < E; e++) {
        const s = g.edgeIndex.data[e]!;
        const t = g.edgeIndex.data[E + e]!;
        for (let k = 0; k < 3; k++) out[t * 3 + k]! += g.x.data[s * 3 + k]!;
      }
      return new Tensor(out, [n, 3]);
    };
    const r = checkEquivariance(aggregate, {
      group: G,
      inputAction: graphPermutationAction<typeof graph>(),
      outputAction: nodePermutationAction(),
      inputs: [graph],
      samples: 10,
    });
    expect(r.pass).toBe(true);
    expect(r.maxRelError).toBeLessThan(1e-15);
  });

  it("per-layer mode finds the layer that breaks equivariance", () => {
    const G = Cn(4);
    const act = gridAction(G);
    const x = randn([1, 1, 4, 4], { generator: new Generator(10) });
    const ok = (t: unknown) => {
      const u = t as Tensor;
      return new Tensor(u.data.map((v) => 2 * v) as Float32Array, u.shape);
    };
    const bad = (t: unknown) => {
      const u = t as Tensor;
      return new Tensor(u.data.map((v, i) => v + i) as Float32Array, u.shape);
    };
    const rep = checkEquivarianceLayers(
      [
        { name: "double", fn: ok, outputAction: act as never },
        { name: "ramp", fn: bad, outputAction: act as never },
      ],
      { group: G, inputAction: act, inputs: [x] },
    );
    expect(rep.layers[0]!.pass).toBe(true);
    expect(rep.layers[1]!.pass).toBe(false);
    expect(rep.pass).toBe(false);
  });
});

describe("stagesOf", () => {
  it("walks a Sequential", async () => {
    const { Sequential, ReLU, Tanh } = await import("../src/index.js");
    const model = new Sequential(new ReLU(), new Tanh());
    const act = gridAction(Cn(4));
    const stages = stagesOf(model, [act as never, act as never]);
    expect(stages.map((s) => s.name)).toEqual(["0:ReLU", "1:Tanh"]);
    const rep = checkEquivarianceLayers(stages, {
      group: Cn(4),
      inputAction: act,
      inputs: [randn([1, 2, 4, 4], { generator: new Generator(1) })],
    });
    expect(rep.pass).toBe(true);
  });
});

describe("FieldType bookkeeping", () => {
  it("offsets, groups by representation, channel order and the field indicator", () => {
    const g = Cn(4);
    const reg = regular(g);
    const rho1 = cyclicIrrep(g, 1);
    const t = new FieldType(g, [reg, rho1, trivial(g), reg]);
    expect(t.numFields).toBe(4);
    expect(t.offsets).toEqual([0, 4, 6, 7]);
    expect(t.size).toBe(11);
    expect(t.uniformFieldSize).toBe(0);
    expect(FieldType.repeat(g, reg, 3).uniformFieldSize).toBe(4);
    expect(t.firstNonPermutationRep()).toBe(rho1);
    const groups = t.groupFields();
    expect(groups.map((x) => x.fields)).toEqual([[0, 3], [1], [2]]);
    // regular fields first (channels 0-3, 7-10), then the irrep (4, 5), then the trivial field (6)
    expect(Array.from(t.channelOrder(groups)!)).toEqual([0, 1, 2, 3, 7, 8, 9, 10, 4, 5, 6]);
    expect(FieldType.repeat(g, reg, 2).channelOrder(FieldType.repeat(g, reg, 2).groupFields())).toBeNull();
    const S = t.indicator("float64");
    expect(S.shape).toEqual([11, 4]);
    expect(S.sum(0).toFlatArray()).toEqual([4, 2, 1, 4]);
    expect(S.toFlatArray().slice(20, 24)).toEqual([0, 1, 0, 0]);
  });
});
