/**
 * Subnormal float32 values are kept out of the hot paths: every x86 multiply with a subnormal operand
 * takes a microcode assist (WASM has no flush-to-zero mode), which made SchNet's filter GEMMs 3–10×
 * slower. The radial bases flush their float32 outputs below 2^-126 to zero, the Gaussian basis below
 * 2^-64 (whose products with weights or gradients would be subnormal); nothing else changes.
 */
import { describe, expect, it } from "vitest";
import { radialForward } from "../src/kernels/index.js";
import { radialBasis } from "../src/tensor/ops/radial.js";
import { Tensor } from "../src/tensor/tensor.js";
import "../src/tensor/index.js";

const GAUSSIAN_FLOOR = 2 ** -64;

describe("radial bases without subnormals", () => {
  it("a float32 Gaussian basis: the kernel's numbers with those below 2^-64 set to zero", () => {
    const n = 400;
    const d = Float32Array.from({ length: n }, (_, i) => (5 * i) / n);
    const centers = Array.from({ length: 25 }, (_, k) => (5 * k) / 24);
    const spec = { kind: "gaussian" as const, centers, coeff: -11.52 };
    const cut = { kind: "cosine" as const, rc: 5 };
    const y = radialBasis(new Tensor(d, [n]), spec, cut).data as Float32Array;
    const raw = new Float32Array(n * 25);
    radialForward(spec, null, cut, d, n, raw);
    let sub = 0;
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i]!;
      const flushed = r !== 0 && Math.abs(r) < GAUSSIAN_FLOOR;
      if (flushed) sub++;
      expect(y[i], `entry ${i}`).toBe(flushed ? 0 : r);
    }
    // the case is real: about 4 % of this basis falls in the subnormal range, 21 % below the floor
    expect(sub).toBeGreaterThan(1000);
    // each distance keeps its nearest centres (≥ e^{-1/8} times the cutoff)
    for (let i = 0; i < n; i++) expect(Math.max(...y.subarray(25 * i, 25 * i + 25))).toBeGreaterThan(0);
  });

  it("the gradient in the distances is unchanged where the values are normal", () => {
    const d = new Tensor(Float32Array.from([0.3, 1.1, 2.9, 4.2]), [4]).requiresGrad_();
    const spec = { kind: "gaussian" as const, centers: [0, 1, 2, 3, 4, 5], coeff: -11.52 };
    const y = radialBasis(d, spec);
    y.sum().backward();
    const d64 = new Tensor(Float64Array.from(d.data), [4], "float64").requiresGrad_();
    radialBasis(d64, spec).sum().backward();
    const g32 = d.grad!.data;
    const g64 = d64.grad!.data;
    for (let i = 0; i < 4; i++) expect(Math.abs(g32[i]! - g64[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(g64[i]!)));
  });
});
