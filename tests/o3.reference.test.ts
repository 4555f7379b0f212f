import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Generator, gradcheck, o3, randn, tensor } from "../src/index.js";

const load = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/e3nn/${name}.json`, import.meta.url), "utf8"));
const shRef = load("spherical_harmonics");
const dRef = load("wigner_D");
const w3jRef = load("wigner_3j");

describe("spherical harmonics vs e3nn", () => {
  for (const norm of ["component", "norm", "integral"] as const) {
    it(`match e3nn for l ≤ 8, normalization=${norm}`, () => {
      let maxErr = 0;
      for (const v of shRef.vectors) {
        const y = o3
          .sphericalHarmonics(8, tensor([v.input], { dtype: "float64" }), { normalization: norm })
          .toFlatArray();
        const ref = (shRef.values[norm][v.id] as number[][]).flat();
        expect(y.length).toBe(ref.length);
        for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(y[i]! - ref[i]!));
      }
      expect(maxErr).toBeLessThan(1e-11);
    });
  }

  it("match e3nn's raw polynomials (normalize=false)", () => {
    for (const norm of ["component", "norm", "integral"] as const) {
      shRef.non_unit_vector_ids.forEach((id: number, row: number) => {
        const v = shRef.vectors[id];
        const y = o3
          .sphericalHarmonics(8, tensor([v.input], { dtype: "float64" }), { normalization: norm, normalize: false })
          .toFlatArray();
        const ref = (shRef.values_normalize_false[norm][row] as number[][]).flat();
        for (let i = 0; i < ref.length; i++)
          expect(Math.abs(y[i]! - ref[i]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref[i]!)));
      });
    }
  });

  it("has exact gradients (gradcheck, float64)", () => {
    const x = randn([4, 3], { dtype: "float64", generator: new Generator(1) }).requiresGrad_();
    gradcheck((a) => o3.sphericalHarmonics(4, a, { normalization: "component" }), [x]);
    gradcheck((a) => o3.sphericalHarmonics([1, 3], a, { normalize: false }), [x]);
  });

  it("rejects bad input", () => {
    expect(() => o3.sphericalHarmonics(9, tensor([[1, 0, 0]]))).toThrow(/argument 'ls' expected degrees in \[0, 8\]/);
    expect(() => o3.sphericalHarmonics(2, tensor([[1, 0]]))).toThrow(/expected shape \[..., 3\]/);
    expect(() => o3.sphericalHarmonics(2, tensor([[1, Number.NaN, 0]]))).toThrow(/NaN/);
  });
});

describe("rotations and Wigner-D vs e3nn", () => {
  it("angles_to_matrix and wigner_D match for l ≤ 8", () => {
    let maxErr = 0;
    for (const e of dRef.entries) {
      const R = o3.anglesToMatrix(e.alpha, e.beta, e.gamma);
      const Rref = (e.rotation_matrix as number[][]).flat();
      for (let i = 0; i < 9; i++) expect(Math.abs(R[i]! - Rref[i]!)).toBeLessThan(1e-14);
      for (let l = 0; l <= 8; l++) {
        const D = o3.wignerD(l, e.alpha, e.beta, e.gamma);
        const ref = (e.D[String(l)] as number[][]).flat();
        for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(D[i]! - ref[i]!));
      }
    }
    expect(maxErr).toBeLessThan(1e-10);
  });

  it("conversions round-trip", () => {
    const g = new Generator(3);
    for (let k = 0; k < 20; k++) {
      const R = o3.randRotation(g);
      const [a, b, c] = o3.matrixToAngles(R);
      const R2 = o3.anglesToMatrix(a, b, c);
      const q = o3.matrixToQuaternion(R);
      const R3 = o3.quaternionToMatrix(q);
      const { axis, angle } = o3.matrixToAxisAngle(R);
      const R4 = o3.axisAngleToMatrix(axis, angle);
      for (let i = 0; i < 9; i++) {
        expect(R2[i]).toBeCloseTo(R[i]!, 10);
        expect(R3[i]).toBeCloseTo(R[i]!, 10);
        expect(R4[i]).toBeCloseTo(R[i]!, 10);
      }
    }
  });
});

describe("Wigner-3j vs e3nn", () => {
  it("match all 44 reference tensors for l ≤ 3", () => {
    let maxErr = 0;
    for (const e of w3jRef.entries) {
      const C = o3.wigner3j(e.l1, e.l2, e.l3);
      const ref = (e.C as number[][][]).flat(2);
      for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(C[i]! - ref[i]!));
    }
    expect(maxErr).toBeLessThan(1e-12);
  });

  it("are invariant for higher l", () => {
    const R = o3.randRotation(new Generator(5));
    for (const [l1, l2, l3] of [
      [4, 3, 5],
      [2, 6, 8],
      [8, 8, 0],
    ] as const) {
      const C = o3.wigner3j(l1, l2, l3);
      const [D1, D2, D3] = [l1, l2, l3].map((l) => o3.wignerDFromMatrix(l, R));
      const [d1, d2, d3] = [2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1];
      let err = 0;
      for (let i = 0; i < d1; i++)
        for (let j = 0; j < d2; j++)
          for (let k = 0; k < d3; k++) {
            let s = 0;
            for (let a = 0; a < d1; a++)
              for (let b = 0; b < d2; b++)
                for (let c = 0; c < d3; c++)
                  s += D1![i * d1 + a]! * D2![j * d2 + b]! * D3![k * d3 + c]! * C[(a * d2 + b) * d3 + c]!;
            err = Math.max(err, Math.abs(s - C[(i * d2 + j) * d3 + k]!));
          }
      expect(err).toBeLessThan(1e-10);
    }
  });
});

describe("Irreps", () => {
  it("parses, prints and measures", () => {
    const ir = new o3.Irreps("8x0e + 4x1o + 2x2e");
    expect(ir.dim).toBe(8 + 12 + 10);
    expect(ir.numIrreps).toBe(14);
    expect(ir.toString()).toBe("8x0e+4x1o+2x2e");
    expect(ir.slices()).toEqual([
      [0, 8],
      [8, 20],
      [20, 30],
    ]);
    expect(new o3.Irreps("1o + 1o + 0e").simplify().toString()).toBe("2x1o+1x0e");
    expect(new o3.Irreps("1e + 0e + 1o").sort().irreps.toString()).toBe("1x0e+1x1o+1x1e");
    expect(o3.Irreps.sphericalHarmonics(2).toString()).toBe("1x0e+1x1o+1x2e");
    expect(() => new o3.Irreps("8x0q")).toThrow(/could not parse '8x0q'/);
  });

  it("D is a representation of O(3) and parity flips odd irreps", () => {
    const ir = new o3.Irreps("2x0e + 1x1o + 1x2e + 0o");
    const g = new Generator(9);
    const R = o3.randRotation(g);
    const inv = [-1, 0, 0, 0, -1, 0, 0, 0, -1];
    const D = ir.D(inv);
    const n = ir.dim;
    const diag = Array.from({ length: n }, (_, i) => Math.round(D[i * n + i]! * 1e9) / 1e9);
    expect(diag).toEqual([1, 1, -1, -1, -1, 1, 1, 1, 1, 1, -1]);
    // Y(Rx) = D(R) Y(x) for the spherical-harmonics irreps
    const x = [0.3, -0.5, 0.8];
    const Rx = [0, 1, 2].map((i) => R[i * 3]! * x[0]! + R[i * 3 + 1]! * x[1]! + R[i * 3 + 2]! * x[2]!);
    const Y = o3.sphericalHarmonics(3, tensor([x], { dtype: "float64" })).toFlatArray();
    const YR = o3.sphericalHarmonics(3, tensor([Rx], { dtype: "float64" })).toFlatArray();
    const DR = o3.Irreps.sphericalHarmonics(3).D(R);
    for (let i = 0; i < 16; i++) {
      let s = 0;
      for (let j = 0; j < 16; j++) s += DR[i * 16 + j]! * Y[j]!;
      expect(s).toBeCloseTo(YR[i]!, 12);
    }
  });
});
