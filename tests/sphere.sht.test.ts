import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  cartesianToSpherical,
  driscollHealyGrid,
  ErlangenError,
  equirectangularImage,
  Generator,
  gaussLegendreGrid,
  gradcheck,
  healpixGrid,
  isht,
  o3,
  randn,
  rotateCoefficients,
  rotateSignal,
  SphereGrid,
  sampleOnGrid,
  sht,
  shtPlan,
  sphericalToCartesian,
  Tensor,
  tensor,
} from "../src/index.js";
import { fftPlan } from "../src/kernels/index.js";

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
};

/** The library's harmonics l ≤ lmax at the grid's pixels, as signals [(lmax+1)², npix]. */
function sampledHarmonics(grid: SphereGrid, lmax: number, normalization: o3.SHNormalization): Float64Array {
  const Y = o3.sphericalHarmonics(lmax, tensor(grid.xyz, { shape: [grid.npix, 3], dtype: "float64" }), {
    normalization,
  });
  const n = (lmax + 1) ** 2;
  const out = new Float64Array(n * grid.npix);
  for (let p = 0; p < grid.npix; p++) for (let i = 0; i < n; i++) out[i * grid.npix + p] = Y.data[p * n + i]!;
  return out;
}

/** ∫_{S²} x^a y^b z^c dΩ. */
function monomialIntegral(a: number, b: number, c: number): number {
  if (a % 2 || b % 2 || c % 2) return 0;
  // 2 Γ((a+1)/2) Γ((b+1)/2) Γ((c+1)/2) / Γ((a+b+c+3)/2), with half-integer Γ by recursion
  const g = (x: number): number => (x === 0.5 ? Math.sqrt(Math.PI) : x === 1 ? 1 : (x - 1) * g(x - 1));
  return (2 * g((a + 1) / 2) * g((b + 1) / 2) * g((c + 1) / 2)) / g((a + b + c + 3) / 2);
}

describe("FFT of any length", () => {
  it("matches the direct DFT (radix-2, mixed radix and Bluestein), forward and inverse", () => {
    const gen = new Generator(0);
    for (const n of [1, 2, 3, 5, 6, 7, 8, 12, 17, 20, 31, 45, 60, 64, 98, 100, 143]) {
      const re = Float64Array.from({ length: n }, () => gen.normal());
      const im = Float64Array.from({ length: n }, () => gen.normal());
      for (const inverse of [false, true]) {
        const r = re.slice();
        const i = im.slice();
        fftPlan(n).transform(r, i, inverse);
        const s = inverse ? 1 : -1;
        for (let k = 0; k < n; k++) {
          let ar = 0;
          let ai = 0;
          for (let j = 0; j < n; j++) {
            const t = (s * 2 * Math.PI * j * k) / n;
            ar += re[j]! * Math.cos(t) - im[j]! * Math.sin(t);
            ai += re[j]! * Math.sin(t) + im[j]! * Math.cos(t);
          }
          expect(Math.abs(r[k]! - ar)).toBeLessThan(1e-12 * n);
          expect(Math.abs(i[k]! - ai)).toBeLessThan(1e-12 * n);
        }
      }
    }
  });
});

describe("grids on S²", () => {
  it("coordinates: (x, y, z) = (sin θ sin φ, cos θ, sin θ cos φ), polar axis +y", () => {
    const grid = gaussLegendreGrid(5);
    const { theta, phi, xyz } = grid;
    for (let p = 0; p < grid.npix; p++) {
      const [x, y, z] = sphericalToCartesian(theta[p]!, phi[p]!);
      expect(maxAbs([x, y, z], xyz.subarray(3 * p, 3 * p + 3))).toBeLessThan(1e-15);
      const [t, f] = cartesianToSpherical(x, y, z);
      expect(Math.abs(t - theta[p]!)).toBeLessThan(1e-12);
      expect(Math.abs(f - phi[p]!)).toBeLessThan(1e-12);
    }
    expect(grid.shape).toEqual([5, 10]);
    // e3nn: angles_to_xyz(α, β) = (sin β sin α, cos β, sin β cos α)
    expect(
      maxAbs(sphericalToCartesian(0.3, 1.1), [
        Math.sin(0.3) * Math.sin(1.1),
        Math.cos(0.3),
        Math.sin(0.3) * Math.cos(1.1),
      ]),
    ).toBe(0);
  });

  it("HEALPix: 12·nside² equal-area pixels on 4·nside − 1 rings", () => {
    const g1 = healpixGrid(1);
    expect(g1.npix).toBe(12);
    expect(Array.from(g1.rings.count)).toEqual([4, 4, 4]);
    expect(maxAbs(Array.from(g1.rings.theta, Math.cos), [2 / 3, 0, -2 / 3])).toBeLessThan(1e-15);
    const g = healpixGrid(4);
    expect(g.npix).toBe(192);
    expect(g.nrings).toBe(15);
    expect(Array.from(g.rings.count).slice(0, 5)).toEqual([4, 8, 12, 16, 16]);
    expect(Math.abs(g.weights.reduce((a, b) => a + b, 0) - 4 * Math.PI)).toBeLessThan(1e-12);
    expect(g.exact).toBe(false);
  });

  it("quadrature: weights sum to 4π; GL and DH integrate every monomial of degree ≤ 2L − 1 exactly", () => {
    const L = 6;
    for (const grid of [gaussLegendreGrid(L), driscollHealyGrid(L)]) {
      expect(Math.abs(grid.weights.reduce((a, b) => a + b, 0) - 4 * Math.PI)).toBeLessThan(1e-13);
      const xyz = grid.xyz;
      let err = 0;
      for (let a = 0; a <= 2 * L - 1; a++)
        for (let b = 0; a + b <= 2 * L - 1; b++)
          for (let c = 0; a + b + c <= 2 * L - 1; c++) {
            const f = new Float64Array(grid.npix);
            for (let p = 0; p < grid.npix; p++) f[p] = xyz[3 * p]! ** a * xyz[3 * p + 1]! ** b * xyz[3 * p + 2]! ** c;
            err = Math.max(err, Math.abs(grid.integrate(f) - monomialIntegral(a, b, c)));
          }
      expect(err).toBeLessThan(1e-13);
    }
  });

  it("sampleOnGrid in Cartesian and spherical coordinates agree; bad input is named", () => {
    const grid = driscollHealyGrid(4);
    const a = sampleOnGrid(grid, (x, y, z) => x * y + z);
    const b = sampleOnGrid(
      grid,
      (t, p) => {
        const [x, y, z] = sphericalToCartesian(t, p);
        return x * y + z;
      },
      { coordinates: "spherical" },
    );
    expect(a.shape).toEqual([8, 8]);
    expect(maxAbs(a.data, b.data)).toBeLessThan(1e-15);
    expect(() => sampleOnGrid(grid, () => Number.NaN)).toThrow(/sampleOnGrid: argument 'f' returned NaN/);
    expect(() => driscollHealyGrid(0)).toThrow(ErlangenError);
  });
});

describe("spherical harmonic transform", () => {
  const grids = (): SphereGrid[] => [gaussLegendreGrid(9), driscollHealyGrid(9), gaussLegendreGrid(9, { nlon: 17 })];

  it("the SHT of a sampled Y_lm is the unit vector at (l, m), and the inverse gives Y_lm back (all normalisations)", () => {
    for (const grid of grids())
      for (const normalization of ["integral", "component", "norm"] as const) {
        const plan = shtPlan(grid, 9, { normalization });
        const Y = sampledHarmonics(grid, 8, normalization);
        const x = new Tensor(Y, [81, ...grid.shape], "float64");
        const c = sht(x, plan);
        expect(c.shape).toEqual([81, 81]);
        const eye = new Float64Array(81 * 81);
        for (let i = 0; i < 81; i++) eye[i * 82] = 1;
        expect(maxAbs(c.data, eye)).toBeLessThan(1e-13);
        expect(maxAbs(isht(new Tensor(eye, [81, 81], "float64"), plan).data, Y)).toBeLessThan(1e-13);
      }
  });

  it("round trip of band-limited signals is exact on GL (L = 33, 32 with odd nlon) and DH (L = 24) grids; Parseval holds", () => {
    const gen = new Generator(1);
    for (const grid of [gaussLegendreGrid(33), gaussLegendreGrid(32, { nlon: 63 }), driscollHealyGrid(24)]) {
      const L = grid.bandLimit;
      const plan = shtPlan(grid, L);
      const c = randn([2, L * L], { generator: gen, dtype: "float64" });
      const f = isht(c, plan);
      expect(f.shape).toEqual([2, ...grid.shape]);
      const c2 = sht(f, plan);
      expect(maxAbs(c2.data, c.data)).toBeLessThan(1e-12);
      const f2 = isht(c2, plan);
      expect(maxAbs(f2.data, f.data)).toBeLessThan(1e-12);
      // Parseval: ∫ f² dΩ = Σ c²
      const one = f.data.subarray(0, grid.npix);
      const sq = Float64Array.from(one, (v) => v * v);
      let s = 0;
      for (let i = 0; i < L * L; i++) s += c.data[i]! ** 2;
      expect(Math.abs(grid.integrate(sq) - s) / s).toBeLessThan(1e-12);
    }
  });

  it("HEALPix is approximate: band-limited round trip error at nside = 16, L = 2·nside, reduced by refinement steps", () => {
    const grid = healpixGrid(16);
    const L = 32;
    const c = randn([L * L], { generator: new Generator(2), dtype: "float64" });
    const relErr = (iterations: number): number => {
      const plan = shtPlan(grid, L, { iterations });
      const c2 = sht(isht(c, plan), plan);
      let num = 0;
      let den = 0;
      for (let i = 0; i < L * L; i++) {
        num += (c2.data[i]! - c.data[i]!) ** 2;
        den += c.data[i]! ** 2;
      }
      return Math.sqrt(num / den);
    };
    const e0 = relErr(0);
    const e3 = relErr(3);
    // the equal-weight quadrature of HEALPix is not exact: about 1 % at L = 2·nside
    expect(e0).toBeGreaterThan(1e-3);
    expect(e0).toBeLessThan(0.05);
    expect(e3).toBeLessThan(e0 / 10);
  });

  it("float32 signals give float32 coefficients close to the float64 ones", () => {
    const grid = gaussLegendreGrid(8);
    const plan = shtPlan(grid, 8);
    const x64 = randn(grid.shape as number[], { generator: new Generator(3), dtype: "float64" });
    const x32 = new Tensor(Float32Array.from(x64.data), grid.shape, "float32");
    const c32 = sht(x32, plan);
    expect(c32.dtype).toBe("float32");
    expect(maxAbs(c32.data, sht(x64, plan).data)).toBeLessThan(1e-5);
  });

  it("gradients are the adjoint transforms (float64 gradcheck; GL, DH and HEALPix, all normalisations)", () => {
    const gen = new Generator(4);
    for (const [grid, L] of [
      [gaussLegendreGrid(4, { nlon: 7 }), 4],
      [driscollHealyGrid(3), 3],
      [healpixGrid(1), 4],
    ] as [SphereGrid, number][])
      for (const normalization of ["integral", "component", "norm"] as const) {
        const plan = shtPlan(grid, L, { normalization });
        const x = randn([2, ...grid.shape], { generator: gen, dtype: "float64" }).requiresGrad_();
        gradcheck((x) => sht(x!, plan), [x]);
        const c = randn([2, L * L], { generator: gen, dtype: "float64" }).requiresGrad_();
        gradcheck((c) => isht(c!, plan), [c]);
      }
    const refined = shtPlan(healpixGrid(1), 4, { iterations: 2 });
    gradcheck((x) => sht(x!, refined), [randn([12], { generator: gen, dtype: "float64" }).requiresGrad_()]);
  });

  it("errors name the op, the argument and the shapes", () => {
    const grid = gaussLegendreGrid(4);
    const plan = shtPlan(grid, 4);
    expect(() => sht(randn([4, 7], { dtype: "float64" }), plan)).toThrow(
      /sht: argument 'x' expected shape \[\.\.\., 4, 8\]/,
    );
    expect(() => isht(randn([15]), plan)).toThrow(/isht: argument 'c' expected shape \[\.\.\., 16\]/);
    const bad = new Tensor(new Float64Array(32).fill(Number.NaN), [4, 8], "float64");
    expect(() => sht(bad, plan)).toThrow(/contains NaN/);
    expect(() => shtPlan(grid, 0)).toThrow(/shtPlan: argument 'L'/);
  });
});

describe("rotating signals", () => {
  it("rotateSignal of a band-limited signal equals sampling the rotated function (GL and DH)", () => {
    const gen = new Generator(5);
    const R = o3.randRotation(gen);
    const coef = randn([81], { generator: gen, dtype: "float64" }).data;
    // f(x) = Σ c_lm Y_lm(x), l ≤ 8, evaluated with the library's harmonics
    const f = (pts: Float64Array, n: number): Float64Array => {
      const Y = o3.sphericalHarmonics(8, tensor(pts, { shape: [n, 3], dtype: "float64" }));
      const out = new Float64Array(n);
      for (let p = 0; p < n; p++) for (let i = 0; i < 81; i++) out[p]! += coef[i]! * Y.data[p * 81 + i]!;
      return out;
    };
    for (const grid of [gaussLegendreGrid(9), driscollHealyGrid(9)]) {
      const xyz = grid.xyz;
      const signal = new Tensor(f(xyz, grid.npix), grid.shape, "float64");
      // (R·f)(x) = f(Rᵀ x)
      const back = new Float64Array(grid.npix * 3);
      for (let p = 0; p < grid.npix; p++)
        for (let i = 0; i < 3; i++)
          back[3 * p + i] = R[i]! * xyz[3 * p]! + R[3 + i]! * xyz[3 * p + 1]! + R[6 + i]! * xyz[3 * p + 2]!;
      const expected = f(back, grid.npix);
      expect(maxAbs(rotateSignal(grid, signal, R).data, expected)).toBeLessThan(1e-12);
    }
  });

  it("rotating by R then Rᵀ returns a band-limited signal at L = 64; gradients of rotateCoefficients and rotateSignal", () => {
    const gen = new Generator(6);
    const grid = gaussLegendreGrid(64);
    const plan = shtPlan(grid, 64);
    const f = isht(randn([64 * 64], { generator: gen, dtype: "float64" }), plan);
    const R = o3.randRotation(gen);
    const Rt = Float64Array.from({ length: 9 }, (_, k) => R[(k % 3) * 3 + Math.floor(k / 3)]!);
    const g = rotateSignal(grid, rotateSignal(grid, f, R), Rt);
    expect(maxAbs(g.data, f.data)).toBeLessThan(1e-10);
    const c = randn([2, 16], { generator: gen, dtype: "float64" }).requiresGrad_();
    gradcheck((c) => rotateCoefficients(c!, R), [c]);
    const small = driscollHealyGrid(3);
    const x = randn([...small.shape], { generator: gen, dtype: "float64" }).requiresGrad_();
    gradcheck((x) => rotateSignal(small, x!, R), [x]);
  });
});

describe("equirectangular pictures", () => {
  it("writes a PNG whose pixels follow the signal (north = top row) and a PPM", () => {
    const grid = healpixGrid(4);
    const signal = sampleOnGrid(grid, (_x, y) => y);
    const png = equirectangularImage(grid, signal, { width: 64 });
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const dv = new DataView(png.buffer, png.byteOffset);
    expect(dv.getUint32(16)).toBe(64);
    expect(dv.getUint32(20)).toBe(32);
    // IDAT starts after the 8-byte signature and the 25-byte IHDR chunk
    const idatLen = dv.getUint32(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe(32 * (64 * 3 + 1));
    const top = Array.from(raw.subarray(1, 4));
    const bottom = Array.from(raw.subarray(31 * 193 + 1, 31 * 193 + 4));
    // viridis: high values yellow (top, +y), low values purple (bottom)
    expect(top[0]!).toBeGreaterThan(200);
    expect(bottom[2]!).toBeGreaterThan(top[2]!);
    const ppm = equirectangularImage(grid, signal.data, { width: 8, format: "ppm", colormap: "gray" });
    expect(new TextDecoder().decode(ppm.subarray(0, 11))).toBe("P6\n8 4\n255\n");
    expect(() => equirectangularImage(grid, new Float64Array(3))).toThrow(/expected 192 values/);
  });
});

describe("SHT on any iso-latitude grid", () => {
  it("is the exact quadrature sum Σ_p w_p f_p Y_lm(p) and its transpose, also with aliasing and unpaired rings", () => {
    const gen = new Generator(7);
    // an asymmetric custom grid: rings of 3, 5, 8, 6 and 1 pixels with offsets and arbitrary weights
    const theta = Float64Array.from([0.3, 0.9, 1.4, 2.2, 2.9]);
    const count = Int32Array.from([3, 5, 8, 6, 1]);
    const start = Int32Array.from([0, 3, 8, 16, 22]);
    const phi0 = Float64Array.from([0.1, 0, 0.5, 1.3, 2]);
    const weight = Float64Array.from([0.4, 0.7, 0.9, 0.6, 0.2]);
    const custom = new SphereGrid("healpix", [23], { theta, count, start, phi0, weight }, 9, false);
    for (const grid of [custom, healpixGrid(2)]) {
      const plan = shtPlan(grid, 9);
      const Y = sampledHarmonics(grid, 8, "integral");
      const w = grid.weights;
      const x = randn([2, grid.npix], { generator: gen, dtype: "float64" });
      const c = randn([2, 81], { generator: gen, dtype: "float64" });
      const wantC = new Float64Array(2 * 81);
      const wantX = new Float64Array(2 * grid.npix);
      for (let b = 0; b < 2; b++)
        for (let i = 0; i < 81; i++)
          for (let p = 0; p < grid.npix; p++) {
            wantC[b * 81 + i]! += w[p]! * x.data[b * grid.npix + p]! * Y[i * grid.npix + p]!;
            wantX[b * grid.npix + p]! += c.data[b * 81 + i]! * Y[i * grid.npix + p]!;
          }
      expect(maxAbs(sht(x, plan).data, wantC)).toBeLessThan(1e-13);
      expect(maxAbs(isht(c, plan).data, wantX)).toBeLessThan(1e-13);
    }
  });
});
