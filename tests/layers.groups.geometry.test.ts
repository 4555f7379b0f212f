import { describe, expect, it } from "vitest";
import { knnGraph } from "../src/domains/graph/nearest.js";
import { edgeVectors, cutoffGraph as radiusGraph } from "../src/domains/point_cloud.js";
import { Generator, gradcheck, randn, Tensor, tensor } from "../src/index.js";
import {
  BesselBasis,
  CosineCutoff,
  cosineCutoff,
  GaussianSmearing,
  PolynomialCutoff,
  polynomialCutoff,
  softOneHotLinspace,
} from "../src/layers/groups/radial.js";

function brute(pos: Tensor, batch: Int32Array | null, accept: (i: number, j: number, d2: number) => boolean): string[] {
  const n = pos.shape[0]!;
  const d = pos.shape[1]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (batch && batch[i] !== batch[j]) continue;
      let s = 0;
      for (let k = 0; k < d; k++) s += (pos.data[i * d + k]! - pos.data[j * d + k]!) ** 2;
      if (accept(i, j, s)) out.push(`${j}>${i}`);
    }
  }
  return out.sort();
}

function edges(ei: Tensor): string[] {
  const E = ei.shape[1]!;
  return Array.from({ length: E }, (_, e) => `${ei.data[e]}>${ei.data[E + e]}`).sort();
}

describe("cutoffGraph (radius graph for atomistic models)", () => {
  it("matches brute force, within examples of an unsorted batch vector", () => {
    const g = new Generator(0);
    const pos = randn([150, 3], { dtype: "float64", generator: g });
    const b = Int32Array.from({ length: 150 }, (_, i) => (i * 7) % 3);
    const batch = new Tensor(b, [150], "int32");
    const ei = radiusGraph(pos, 0.9, { batch });
    expect(edges(ei)).toEqual(brute(pos, b, (i, j, d2) => i !== j && d2 < 0.81));
    const withLoops = radiusGraph(pos, 0.9, { batch, loop: true });
    expect(withLoops.shape[1]).toBe(ei.shape[1]! + 150);
    // grouped by target
    const E = ei.shape[1]!;
    for (let e = 1; e < E; e++) expect(ei.data[E + e]! >= ei.data[E + e - 1]!).toBe(true);
  });

  it("keeps the nearest neighbours under maxNumNeighbors, and works in 2-D", () => {
    const g = new Generator(1);
    const pos = randn([60, 2], { generator: g });
    const full = radiusGraph(pos, 1.5);
    const cap = radiusGraph(pos, 1.5, { maxNumNeighbors: 3 });
    const E = cap.shape[1]!;
    const count = new Map<number, number>();
    for (let e = 0; e < E; e++) count.set(cap.data[E + e]!, (count.get(cap.data[E + e]!) ?? 0) + 1);
    for (const c of count.values()) expect(c).toBeLessThanOrEqual(3);
    expect(edges(full)).toEqual(brute(pos, null, (i, j, d2) => i !== j && d2 < 2.25));
  });

  it("is permutation-equivariant", () => {
    const g = new Generator(2);
    const pos = randn([40, 3], { dtype: "float64", generator: g });
    const sigma = g.permutation(40);
    const moved = new Float64Array(120);
    for (let i = 0; i < 40; i++) moved.set(pos.data.subarray(i * 3, i * 3 + 3), sigma[i]! * 3);
    const a = edges(radiusGraph(pos, 1.2)).map((s) => {
      const [j, i] = s.split(">").map(Number) as [number, number];
      return `${sigma[j]}>${sigma[i]}`;
    });
    expect(a.sort()).toEqual(edges(radiusGraph(new Tensor(moved, [40, 3], "float64"), 1.2)));
  });

  it("scales to many points (cell list, not O(N²))", () => {
    const g = new Generator(3);
    const n = 20000;
    const pos = randn([n, 3], { generator: g, std: 10 });
    const ei = radiusGraph(pos, 1);
    expect(ei.shape[1]!).toBeGreaterThan(0);
  });

  it("rejects bad cutoffs, NaN positions and bad batch vectors", () => {
    const pos = tensor([
      [0, 0, 0],
      [1, 0, 0],
    ]);
    expect(() => radiusGraph(pos, 0)).toThrow(
      /cutoffGraph: argument 'cutoff' expected a positive finite distance, got 0/,
    );
    expect(() => radiusGraph(pos, -1)).toThrow(/argument 'cutoff'/);
    expect(() => radiusGraph(tensor([[0, Number.NaN, 0]]), 1)).toThrow(
      /cutoffGraph: argument 'pos' expected finite coordinates, got NaN at point 0, coordinate 1/,
    );
    expect(() => radiusGraph(pos, 1, { batch: tensor([0, 1, 2], { dtype: "int32" }) })).toThrow(/argument 'batch'/);
    expect(() => radiusGraph(tensor([1, 2, 3]), 1)).toThrow(/argument 'pos' expected shape \[N, d\]/);
  });

  it("gives differentiable edge vectors and lengths", () => {
    const pos = tensor(
      [
        [0, 0, 0],
        [3, 4, 0],
      ],
      { dtype: "float64" },
    );
    const ei = radiusGraph(pos, 6);
    const { vec, length } = edgeVectors(pos, ei);
    expect(vec.toFlatArray()).toEqual([3, 4, 0, -3, -4, 0]);
    expect(length.toFlatArray()).toEqual([5, 5]);
    gradcheck((p) => edgeVectors(p, ei).length, [pos.clone().requiresGrad_()]);
  });
});

describe("knnGraph", () => {
  it("matches brute force (sorted by distance) within examples", () => {
    const g = new Generator(4);
    const pos = randn([120, 3], { dtype: "float64", generator: g });
    const b = Int32Array.from({ length: 120 }, (_, i) => (i < 50 ? 0 : i < 53 ? 1 : 2));
    const k = 5;
    const ei = knnGraph(pos, k, { batch: new Tensor(b, [120], "int32") });
    const want: string[] = [];
    for (let i = 0; i < 120; i++) {
      const cand: { j: number; d: number }[] = [];
      for (let j = 0; j < 120; j++) {
        if (j === i || b[i] !== b[j]) continue;
        let s = 0;
        for (let q = 0; q < 3; q++) s += (pos.data[i * 3 + q]! - pos.data[j * 3 + q]!) ** 2;
        cand.push({ j, d: s });
      }
      cand.sort((x, y) => x.d - y.d || x.j - y.j);
      for (const c of cand.slice(0, k)) want.push(`${c.j}>${i}`);
    }
    expect(edges(ei)).toEqual(want.sort());
    // the 3-point example only has 2 neighbours per point
    const E = ei.shape[1]!;
    let n51 = 0;
    for (let e = 0; e < E; e++) if (ei.data[E + e] === 51) n51++;
    expect(n51).toBe(2);
  });

  it("handles clustered and degenerate point sets", () => {
    const g = new Generator(5);
    const a = randn([300, 3], { generator: g, std: 0.01 });
    const line = new Float32Array(300);
    for (let i = 0; i < 100; i++) line[i * 3] = i;
    for (const p of [a, new Tensor(line, [100, 3], "float32")]) {
      const ei = knnGraph(p, 4, { loop: true });
      expect(ei.shape[1]).toBe(p.shape[0]! * 4);
    }
  });
});

describe("radial bases and cutoffs", () => {
  it("Bessel basis has NequIP's values and trainable frequencies", () => {
    const bb = new BesselBasis(5, { numBasis: 3 }).double();
    const y = bb.forward(tensor([1.5], { dtype: "float64" })).toFlatArray();
    for (let n = 1; n <= 3; n++) expect(y[n - 1]).toBeCloseTo(((2 / 5) * Math.sin((n * Math.PI * 1.5) / 5)) / 1.5, 7); // float32 π
    expect(bb.parameters().length).toBe(1);
    expect(new BesselBasis(5, { trainable: false }).parameters().length).toBe(0);
    gradcheck(
      (x, w) => {
        bb.besselWeights = w!;
        return bb.forward(x!);
      },
      [tensor([0.7, 2.2, 4.1], { dtype: "float64" }).requiresGrad_(), bb.besselWeights.detach().requiresGrad_()],
    );
    expect(() => new BesselBasis(0)).toThrow(/BesselBasis: argument 'rMax' expected a positive finite number, got 0/);
  });

  it("Gaussian smearing follows SchNet", () => {
    const gs = new GaussianSmearing({ start: 0, stop: 2, numGaussians: 5 });
    const y = gs.forward(tensor([0.5], { dtype: "float64" })).toFlatArray();
    expect(y[1]).toBeCloseTo(1, 12);
    expect(y[0]).toBeCloseTo(Math.exp(-0.5), 12);
    gradcheck((x) => gs.forward(x), [tensor([0.3, 1.7], { dtype: "float64" }).requiresGrad_()]);
  });

  it("soft one-hot bases follow e3nn", () => {
    const x = tensor([0.33, 1.2, 2.7], { dtype: "float64" });
    const gauss = softOneHotLinspace(x, 0, 3, 4, "gaussian", true).toFlatArray();
    expect(gauss[0]).toBeCloseTo(Math.exp(-(0.33 ** 2)) / 1.12, 12);
    const cos = softOneHotLinspace(tensor([1.0], { dtype: "float64" }), 0, 3, 4, "cosine", true).toFlatArray();
    expect(cos).toEqual([0, 1, 0, 0].map((v) => expect.closeTo(v, 12)));
    const four = softOneHotLinspace(tensor([1.5], { dtype: "float64" }), 0, 3, 3, "fourier", false).toFlatArray();
    expect(four[1]).toBeCloseTo(Math.cos(Math.PI * 0.5) / Math.sqrt(0.25 + 1.5), 12);
    const bes = softOneHotLinspace(tensor([3.5], { dtype: "float64" }), 0, 3, 3, "bessel", true).toFlatArray();
    expect(bes.map((v) => v + 0)).toEqual([0, 0, 0]);
    const sf = softOneHotLinspace(tensor([0, 5], { dtype: "float64" }), 0, 3, 4, "smooth_finite", true).toFlatArray();
    expect(sf[0]).toBeCloseTo(1.14136 * Math.exp(2) * Math.exp(-1) * Math.exp(-1), 10);
    expect(sf.slice(4).map((v) => v + 0)).toEqual([0, 0, 0, 0]);
    for (const basis of ["gaussian", "cosine", "smooth_finite", "fourier", "bessel"] as const) {
      for (const cutoff of [true, false]) {
        gradcheck(
          (v) => softOneHotLinspace(v, 0, 3, 4, basis, cutoff),
          [tensor([0.4, 1.3, 2.2], { dtype: "float64" }).requiresGrad_()],
        );
      }
    }
    expect(() => softOneHotLinspace(x, 0, 3, 4, "nope" as never)).toThrow(/argument 'basis'/);
  });

  it("cutoffs are smooth and vanish at r_c", () => {
    const r = tensor([0, 2.5, 5, 6], { dtype: "float64" });
    expect(
      cosineCutoff(r, 5)
        .toFlatArray()
        .map((v) => v + 0),
    ).toEqual([1, expect.closeTo(0.5, 12), expect.closeTo(0, 12), 0]);
    const p = polynomialCutoff(r, 5).toFlatArray();
    expect(p[0]).toBe(1);
    expect(p[2]).toBeCloseTo(0, 12);
    expect(p[3]! + 0).toBe(0);
    // u = 1/2, p = 6: 1 − 28/64 + 48/128 − 21/256
    expect(p[1]).toBeCloseTo(1 - 28 / 64 + 48 / 128 - 21 / 256, 12);
    // first derivative vanishes at r_max
    const near = tensor([4.999999], { dtype: "float64" }).requiresGrad_();
    polynomialCutoff(near, 5).sum().backward();
    expect(Math.abs(near.grad!.data[0]!)).toBeLessThan(1e-6);
    gradcheck((v) => polynomialCutoff(v, 5), [tensor([0.5, 2.0, 4.5], { dtype: "float64" }).requiresGrad_()]);
    gradcheck((v) => cosineCutoff(v, 5), [tensor([0.5, 2.0, 4.5], { dtype: "float64" }).requiresGrad_()]);
    expect(new CosineCutoff(2).forward(tensor([1])).item()).toBeCloseTo(0.5, 6);
    expect(new PolynomialCutoff(2).forward(tensor([3])).item() + 0).toBe(0);
    expect(() => cosineCutoff(r, -1)).toThrow(
      /cosineCutoff: argument 'cutoff' expected a positive finite number, got -1/,
    );
    expect(() => polynomialCutoff(tensor([Number.NaN]), 1)).toThrow(/contains NaN/);
  });
});
