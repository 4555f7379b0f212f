/**
 * Signals on S²: sampling a function on a grid, and rotating a signal through the harmonic domain.
 *
 * A rotation R acts on a signal by (R·f)(x) = f(R⁻¹x). With f = Σ c_lm Y_lm and Y^l(R x) = D^l(R) Y^l(x)
 * (the library's Wigner-D convention), the rotated signal has coefficients c'^l = D^l(R) c^l, so
 * {@link rotateSignal} is exact (to round-off) for a band-limited signal on a grid with an exact
 * quadrature: the SHT, one (2l+1)×(2l+1) matrix per degree, the inverse SHT.
 */
import { wignerDBlocks } from "../../symmetry/o3/wigner_blocks.js";
import { record } from "../../tensor/autograd.js";
import { allocate, type FloatDType } from "../../tensor/dtype.js";
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import type { SphereGrid } from "./grid.js";
import { isht, sht, shtPlan } from "./sht.js";

/** Options of {@link sampleOnGrid}. */
export interface SampleOnGridOptions {
  /** How `f` takes a point: `cartesian` f(x, y, z) on the unit sphere (default) or `spherical` f(θ, φ). */
  coordinates?: "cartesian" | "spherical";
  /** Tensor dtype (default float64). */
  dtype?: FloatDType;
}

/**
 * Samples `f` at every pixel of `grid`: a tensor of shape grid.shape ([nlat, nlon] or [npix]).
 * `f(x, y, z)` gets unit vectors (default) or, with `coordinates: "spherical"`, `f(θ, φ)` gets the
 * colatitude from +y and the longitude from +z towards +x (see {@link SphereGrid}).
 */
export function sampleOnGrid(
  grid: SphereGrid,
  f: (x: number, y: number, z: number) => number,
  opts?: SampleOnGridOptions & { coordinates?: "cartesian" },
): Tensor;
export function sampleOnGrid(
  grid: SphereGrid,
  f: (theta: number, phi: number) => number,
  opts: SampleOnGridOptions & { coordinates: "spherical" },
): Tensor;
export function sampleOnGrid(
  grid: SphereGrid,
  f: ((x: number, y: number, z: number) => number) | ((theta: number, phi: number) => number),
  opts: SampleOnGridOptions = {},
): Tensor {
  const coords = opts.coordinates ?? "cartesian";
  if (coords !== "cartesian" && coords !== "spherical")
    throw new ErlangenError(
      `sampleOnGrid: argument 'coordinates' expected "cartesian" or "spherical", got ${String(coords)}`,
    );
  const dtype = opts.dtype ?? "float64";
  const out = allocate(dtype, grid.npix) as Float32Array | Float64Array;
  const g = f as (a: number, b: number, c?: number) => number;
  if (coords === "cartesian") {
    const xyz = grid.xyz;
    for (let p = 0; p < grid.npix; p++) out[p] = g(xyz[3 * p]!, xyz[3 * p + 1]!, xyz[3 * p + 2]!);
  } else {
    const th = grid.theta;
    const ph = grid.phi;
    for (let p = 0; p < grid.npix; p++) out[p] = g(th[p]!, ph[p]!);
  }
  for (let p = 0; p < grid.npix; p++)
    if (!Number.isFinite(out[p]!))
      throw new ErlangenError(
        `sampleOnGrid: argument 'f' returned ${out[p]} at pixel ${p} (θ = ${grid.theta[p]}, φ = ${grid.phi[p]})`,
      );
  return new Tensor(out, grid.shape, dtype);
}

/** The band limit L of a coefficient vector of length L², or an error naming the op. */
function bandLimitOf(op: string, c: Tensor): number {
  const n = c.shape[c.ndim - 1] ?? 0;
  const L = Math.round(Math.sqrt(n));
  if (c.ndim < 1 || L * L !== n || L < 1)
    throw new ErlangenError(
      `${op}: argument 'c' expected shape [..., L²] (spherical harmonic coefficients), got ${fmtShape(c.shape)}`,
    );
  return L;
}

/**
 * Rotates spherical harmonic coefficients `c` [..., L²] (layout l² + l + m, any normalisation) by the
 * rotation matrix `R` (3×3 row-major): c'^l = D^l(R) c^l, the coefficients of x ↦ f(R⁻¹x).
 * Differentiable in `c` (the backward pass applies D^l(R)ᵀ).
 */
export function rotateCoefficients(c: Tensor, R: ArrayLike<number>): Tensor {
  if (!(c instanceof Tensor) || (c.dtype !== "float32" && c.dtype !== "float64"))
    throw new ErlangenError(
      `rotateCoefficients: argument 'c' expected a float tensor, got ${c instanceof Tensor ? c.dtype : typeof c}`,
    );
  const L = bandLimitOf("rotateCoefficients", c);
  const D = wignerDBlocks(L, R);
  const nc = L * L;
  const batch = c.size / nc;
  const apply = (src: ArrayLike<number>, dst: Float32Array | Float64Array, transpose: boolean) => {
    for (let b = 0; b < batch; b++)
      for (let l = 0; l < L; l++) {
        const d = 2 * l + 1;
        const Dl = D[l]!;
        const o = b * nc + l * l;
        for (let i = 0; i < d; i++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += (transpose ? Dl[j * d + i]! : Dl[i * d + j]!) * src[o + j]!;
          dst[o + i] = s;
        }
      }
  };
  const out = allocate(c.dtype, c.size) as Float32Array | Float64Array;
  apply(c.data as Float32Array | Float64Array, out, false);
  return record("rotateCoefficients", [c], new Tensor(out, c.shape, c.dtype), (g) => {
    const gc = allocate(c.dtype, c.size) as Float32Array | Float64Array;
    apply(g.data as Float32Array | Float64Array, gc, true);
    return [new Tensor(gc, c.shape, c.dtype)];
  });
}

/**
 * Rotates signals `signal` [..., *grid.shape] by the rotation matrix `R`: (R·f)(x) = f(R⁻¹x), through
 * the harmonic domain up to band limit `L` (default grid.bandLimit): exact for band-limited signals on
 * Gauss–Legendre and Driscoll–Healy grids; the part of the signal above L is dropped. Differentiable.
 */
export function rotateSignal(grid: SphereGrid, signal: Tensor, R: ArrayLike<number>, L = grid.bandLimit): Tensor {
  if (R.length !== 9)
    throw new ErlangenError(`rotateSignal: argument 'R' expected a 3×3 rotation matrix (9 numbers), got ${R.length}`);
  const plan = shtPlan(grid, L);
  return isht(rotateCoefficients(sht(signal, plan), R), plan);
}
