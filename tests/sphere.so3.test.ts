import { describe, expect, it } from "vitest";
import {
  driscollHealyGrid,
  Generator,
  gradcheck,
  o3,
  randn,
  sampleOnGrid,
  sht,
  shtPlan,
  so3CoeffCount,
  so3Fft,
  so3Grid,
  so3Ifft,
  so3Index,
  so3Plan,
  Tensor,
  tensor,
} from "../src/index.js";

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
};

const matmul3 = (A: ArrayLike<number>, B: ArrayLike<number>): Float64Array => {
  const C = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) C[i * 3 + j]! += A[i * 3 + k]! * B[k * 3 + j]!;
  return C;
};

describe("Wigner-D of every degree (wignerDBlocks)", () => {
  it("matches the library's wignerD for l ≤ 8 (from the matrix and from the angles)", () => {
    const gen = new Generator(0);
    for (let t = 0; t < 3; t++) {
      const R = o3.randRotation(gen);
      const D = o3.wignerDBlocks(9, R);
      for (let l = 0; l <= 8; l++) expect(maxAbs(D[l]!, o3.wignerDFromMatrix(l, R))).toBeLessThan(1e-13);
      const [a, b, g] = o3.matrixToAngles(R);
      const D2 = o3.wignerDBlocksFromAngles(9, a, b, g);
      for (let l = 0; l <= 8; l++) expect(maxAbs(D2[l]!, D[l]!)).toBeLessThan(1e-13);
    }
    expect(maxAbs(o3.wignerDBlocks(2, o3.rotX(0.4))[1]!, o3.rotX(0.4))).toBeLessThan(1e-15);
  });

  it("is an orthogonal representation at high degree: D(R₁R₂) = D(R₁)D(R₂), DDᵀ = I at l = 64", () => {
    const gen = new Generator(1);
    const R1 = o3.randRotation(gen);
    const R2 = o3.randRotation(gen);
    const L = 65;
    const A = o3.wignerDBlocks(L, R1);
    const B = o3.wignerDBlocks(L, R2);
    const C = o3.wignerDBlocks(L, matmul3(R1, R2));
    for (const l of [20, 64]) {
      const d = 2 * l + 1;
      let eHom = 0;
      let eOrt = 0;
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          let s = 0;
          let o = 0;
          for (let k = 0; k < d; k++) {
            s += A[l]![i * d + k]! * B[l]![k * d + j]!;
            o += A[l]![i * d + k]! * A[l]![j * d + k]!;
          }
          eHom = Math.max(eHom, Math.abs(s - C[l]![i * d + j]!));
          eOrt = Math.max(eOrt, Math.abs(o - (i === j ? 1 : 0)));
        }
      expect(eHom).toBeLessThan(1e-12);
      expect(eOrt).toBeLessThan(1e-12);
    }
  });
});

describe("SO(3) Fourier transform", () => {
  it("grid: SOFT angles, Haar weights summing to 1, R(α, β, γ) = Ry(α)Rx(β)Ry(γ)", () => {
    const g = so3Grid(3);
    expect(g.shape).toEqual([6, 6, 6]);
    expect(Math.abs(g.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-14);
    expect(
      maxAbs(
        g.beta,
        Array.from({ length: 6 }, (_, k) => (Math.PI * (2 * k + 1)) / 12),
      ),
    ).toBe(0);
    expect(maxAbs(g.rotation(1, 2, 3), o3.anglesToMatrix(g.alpha[2]!, g.beta[1]!, g.gamma[3]!))).toBe(0);
  });

  it("a sampled D^l_mn(R) (the library's wignerD) transforms to the unit coefficient at (l, m, n), and back (B = L = 4)", () => {
    const B = 4;
    const plan = so3Plan(B);
    const grid = plan.grid;
    const N = 2 * B;
    const nc = so3CoeffCount(B);
    expect(nc).toBe(84);
    // signal i = the i-th entry of the flattened D blocks, sampled at every grid point
    const x = new Float64Array(nc * grid.size);
    for (let k = 0; k < N; k++)
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++) {
          // the library's least-squares Wigner-D (e3nn's), l ≤ 3
          let c = 0;
          for (let l = 0; l < B; l++)
            for (const v of o3.wignerD(l, grid.alpha[i]!, grid.beta[k]!, grid.gamma[j]!))
              x[c++ * grid.size + (k * N + i) * N + j] = v;
        }
    const signals = new Tensor(x, [nc, N, N, N], "float64");
    const F = so3Fft(signals, plan);
    const eye = new Float64Array(nc * nc);
    for (let i = 0; i < nc; i++) eye[i * (nc + 1)] = 1;
    expect(maxAbs(F.data, eye)).toBeLessThan(1e-13);
    expect(so3Index(2, -1, 1)).toBe(1 + 9 + 1 * 5 + 3);
    expect(maxAbs(so3Ifft(new Tensor(eye, [nc, nc], "float64"), plan).data, x)).toBeLessThan(1e-13);
  });

  it("round trip and Parseval for band-limited coefficients (B = 6, L = 6 and L = 4)", () => {
    const gen = new Generator(2);
    for (const L of [6, 4]) {
      const plan = so3Plan(6, L);
      const c = randn([2, so3CoeffCount(L)], { generator: gen, dtype: "float64" });
      const f = so3Ifft(c, plan);
      expect(f.shape).toEqual([2, 12, 12, 12]);
      expect(maxAbs(so3Fft(f, plan).data, c.data)).toBeLessThan(1e-12);
      // ∫ f² dR = Σ_l |F^l|² / (2l+1)
      const w = plan.grid.weights;
      let lhs = 0;
      for (let p = 0; p < w.length; p++) lhs += w[p]! * f.data[p]! ** 2;
      let rhs = 0;
      for (let l = 0; l < L; l++)
        for (let i = so3Index(l, -l, -l); i <= so3Index(l, l, l); i++) rhs += c.data[i]! ** 2 / (2 * l + 1);
      expect(Math.abs(lhs - rhs) / rhs).toBeLessThan(1e-12);
    }
  });

  it("lifting an S² signal g to f(R) = g(R ŷ) gives F^l_m0 = c_lm √((2l+1)/4π) (S² and SO(3) conventions agree)", () => {
    const B = 5;
    const s2 = driscollHealyGrid(B);
    const gen = new Generator(3);
    const cS2 = randn([B * B], { generator: gen, dtype: "float64" });
    const g = (x: number, y: number, z: number): number => {
      const Y = o3.sphericalHarmonics(B - 1, tensor([[x, y, z]], { dtype: "float64" }));
      let s = 0;
      for (let i = 0; i < B * B; i++) s += cS2.data[i]! * Y.data[i]!;
      return s;
    };
    // the S² grid (θ_k, φ_i) is the SO(3) grid's (β_k, α_i): f does not depend on γ
    const gs = sampleOnGrid(s2, g);
    expect(maxAbs(sht(gs, shtPlan(s2, B)).data, cS2.data)).toBeLessThan(1e-12);
    const N = 2 * B;
    const f = new Float64Array(N * N * N);
    for (let k = 0; k < N; k++)
      for (let i = 0; i < N; i++) f.fill(gs.data[k * N + i]!, (k * N + i) * N, (k * N + i + 1) * N);
    const F = so3Fft(new Tensor(f, [N, N, N], "float64"), so3Plan(B));
    let err = 0;
    for (let l = 0; l < B; l++)
      for (let m = -l; m <= l; m++)
        for (let n = -l; n <= l; n++) {
          const want = n === 0 ? cS2.data[l * l + l + m]! * Math.sqrt((2 * l + 1) / (4 * Math.PI)) : 0;
          err = Math.max(err, Math.abs(F.data[so3Index(l, m, n)]! - want));
        }
    expect(err).toBeLessThan(1e-12);
  });

  it("gradients are the adjoint transforms (float64 gradcheck)", () => {
    const gen = new Generator(4);
    for (const [B, L] of [
      [2, 2],
      [3, 2],
    ] as const) {
      const plan = so3Plan(B, L);
      const x = randn([2, 2 * B, 2 * B, 2 * B], { generator: gen, dtype: "float64" }).requiresGrad_();
      gradcheck((x) => so3Fft(x!, plan), [x]);
      const c = randn([2, so3CoeffCount(L)], { generator: gen, dtype: "float64" }).requiresGrad_();
      gradcheck((c) => so3Ifft(c!, plan), [c], { atol: 1e-6 });
    }
  });

  it("errors name the op and the argument", () => {
    expect(() => so3Plan(3, 4)).toThrow(/so3Plan: argument 'L' expected an integer band limit in \[1, B = 3\]/);
    expect(() => so3Fft(randn([6, 6, 5], { dtype: "float64" }), so3Plan(3))).toThrow(
      /so3Fft: argument 'x' expected shape \[\.\.\., 6, 6, 6\]/,
    );
    expect(() => so3Ifft(randn([3]), so3Plan(3))).toThrow(/so3Ifft: argument 'c' expected shape \[\.\.\., 35\]/);
  });
});
