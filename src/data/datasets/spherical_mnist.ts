/**
 * Spherical MNIST (Cohen, Geiger, Köhler & Welling, ICLR 2018, §5.1; s2cnn's `gendata.py`): each 28×28
 * digit is projected onto the sphere, sampled on the 2b × 2b Driscoll–Healy grid, optionally after a
 * uniformly random rotation of the sphere.
 *
 * The projection (s2cnn's recipe, in s2cnn's frame (X, Y, Z) with polar axis Z; in the library's frame
 * X = z, Y = x, Z = y, so a grid point at colatitude θ and longitude φ has the same angles in both):
 * the unit sphere is moved to touch the image plane Z = 0 at its south pole, and each grid point p is
 * projected from the point (0, 0, 2 + ε) just above the north pole onto that plane (a stereographic
 * projection from the north pole, ε = 10⁻³):
 *
 *   (u, v) = (X, Y) · (2 + ε) / (1 + ε − Z),
 *
 * the square [−1.5, 1.5]² of the plane holding the image (rows along u, columns along v). The digit so
 * covers a cap of about 110° around the south pole (−y in the library's frame: the bottom rows of the
 * latitude–longitude picture); grid points projecting outside the image get 0. In the rotated setting
 * every grid point is first moved by the digit's rotation Q (p ↦ Q p, as s2cnn rotates its grid), so
 * the digit's signal is the unrotated one composed with Q. Each signal is then rescaled to [0, 1] by
 * its minimum and maximum (as s2cnn). Differences from s2cnn's script, all deliberate: one random
 * rotation per digit (s2cnn draws one per chunk of 500 digits), plain bilinear interpolation between
 * the four nearest pixel centres (s2cnn interpolates between pixels two apart), the half-sample-shifted
 * grid θ_j = π(2j+1)/(4b) the transforms use (s2cnn projects onto θ_j = πj/(2b) and transforms as if
 * shifted), and float32 values (s2cnn stores bytes).
 */
import { driscollHealyGrid, type SphereGrid } from "../../domains/sphere/grid.js";
import { isht, sht, shtPlan } from "../../domains/sphere/sht.js";
import { randomRotationMatrix } from "../../symmetry/groups.js";
import { ErlangenError, opError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { ImageDataset } from "./mnist.js";

/** ε of the projection centre (0, 0, 2 + ε). */
const NORTHPOLE_EPSILON = 1e-3;
/** Half-width of the image square on the projection plane. */
const PLANE_HALF_WIDTH = 1.5;

/**
 * Projects one image (row-major H × W, values in any range) onto the points of `grid`, optionally
 * rotated by `R` (3×3 row-major, acting on the grid points), and writes the samples (before rescaling)
 * into `out` (length grid.npix). Bilinear interpolation, zero outside the image.
 */
export function projectImageOnSphere(
  image: ArrayLike<number>,
  H: number,
  W: number,
  grid: SphereGrid,
  R: ArrayLike<number> | null,
  out: Float32Array | Float64Array,
): void {
  const xyz = grid.xyz;
  const sz = 2 + NORTHPOLE_EPSILON;
  for (let p = 0; p < grid.npix; p++) {
    let x = xyz[3 * p]!;
    let y = xyz[3 * p + 1]!;
    let z = xyz[3 * p + 2]!;
    if (R !== null) {
      const rx = R[0]! * x + R[1]! * y + R[2]! * z;
      const ry = R[3]! * x + R[4]! * y + R[5]! * z;
      const rz = R[6]! * x + R[7]! * y + R[8]! * z;
      x = rx;
      y = ry;
      z = rz;
    }
    // s2cnn's frame: X = z, Y = x, Z = y
    const f = sz / (sz - 1 - y);
    const u = z * f;
    const v = x * f;
    // plane square [−1.5, 1.5]² → pixel coordinates (centres at i + 0.5)
    const r = ((u + PLANE_HALF_WIDTH) / (2 * PLANE_HALF_WIDTH)) * H - 0.5;
    const c = ((v + PLANE_HALF_WIDTH) / (2 * PLANE_HALF_WIDTH)) * W - 0.5;
    out[p] = bilinear(image, H, W, r, c);
  }
}

function bilinear(image: ArrayLike<number>, H: number, W: number, r: number, c: number): number {
  if (!(r > -1 && r < H && c > -1 && c < W)) return 0;
  const r0 = Math.floor(r);
  const c0 = Math.floor(c);
  const fr = r - r0;
  const fc = c - c0;
  const at = (i: number, j: number) => (i >= 0 && i < H && j >= 0 && j < W ? image[i * W + j]! : 0);
  return (
    (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1)) +
    fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1))
  );
}

/** Options of {@link SphericalMNIST}. */
export interface SphericalMNISTOptions {
  /** Grid resolution b: signals on the 2b × 2b Driscoll–Healy grid (default 16; s2cnn used 30). */
  bandwidth?: number;
  /** Rotate every digit by its own uniformly random rotation (the R setting; default false: NR). */
  rotate?: boolean;
  /** Seed of the shuffle and the rotations (default 0); or pass `generator`. */
  seed?: number;
  generator?: Generator;
  /** Shuffle before cutting to `limit` (MNIST's shipped training digits are grouped by class). */
  shuffle?: boolean;
  /** Keep the first `limit` digits (after shuffling). */
  limit?: number;
  /**
   * Anti-aliased projection (default 1: off, s2cnn's recipe). With k > 1 each digit is projected on the
   * finer grid of resolution k·b, low-passed to the degrees l < b by an SHT there, and synthesised on the
   * 2b × 2b grid, so the signal is band-limited and its transforms on that grid are exact; the samples are
   * rescaled by the image's own minimum and maximum (not the sphere samples', which depend on the
   * rotation). A rotated digit then equals the unrotated one rotated through the harmonic domain to
   * 8e-4 (degrees l < 8, relative; 5e-3 with k = 1), which a rotation-invariant model needs on real data.
   */
  antialias?: number;
}

/**
 * Spherical MNIST: the digits of `base` ([N, 1, 28, 28]) projected onto the sphere (see the file
 * header), as an {@link ImageDataset} of signals [N, 1, 2b, 2b] on {@link SphericalMNIST.grid} (rows
 * θ from the +y pole, columns φ), which is also the latitude–longitude picture a planar CNN sees.
 * Same seed, same data.
 */
export class SphericalMNIST extends ImageDataset {
  readonly grid: SphereGrid;
  readonly bandwidth: number;
  /** The rotation of each digit (row-major 3×3 each, [N·9]), or null in the unrotated setting. */
  readonly rotations: Float64Array | null;

  constructor(base: ImageDataset, opts: SphericalMNISTOptions = {}) {
    if (opts.seed !== undefined && opts.generator !== undefined)
      throw new ErlangenError("SphericalMNIST: argument 'opts' expected a seed or a generator, got both");
    const b = opts.bandwidth ?? 16;
    if (!Number.isInteger(b) || b < 2) opError("SphericalMNIST", "bandwidth", "an integer ≥ 2", String(b));
    const gen = opts.generator ?? new Generator(opts.seed ?? 0);
    let src = opts.shuffle ? base.shuffle(gen) : base;
    if (opts.limit !== undefined) {
      if (!Number.isInteger(opts.limit) || opts.limit < 0)
        opError("SphericalMNIST", "limit", "a non-negative integer", String(opts.limit));
      src = src.subset(Array.from({ length: Math.min(opts.limit, src.length) }, (_, i) => i));
    }
    const [N, C, H, W] = src.images.shape as [number, number, number, number];
    if (C !== 1) opError("SphericalMNIST", "base", "single-channel images [N, 1, H, W]", `${C} channels`);
    const k = opts.antialias ?? 1;
    if (!Number.isInteger(k) || k < 1) opError("SphericalMNIST", "antialias", "an integer ≥ 1", String(k));
    const grid = driscollHealyGrid(b);
    const npix = grid.npix;
    const out = new Float32Array(N * npix);
    const rotations = opts.rotate ? new Float64Array(N * 9) : null;
    const data = src.images.data as Float32Array;
    if (k > 1) SphericalMNIST._antialiased(data, N, H, W, grid, driscollHealyGrid(k * b), gen, rotations, out);
    else SphericalMNIST._direct(data, N, H, W, grid, gen, rotations, out);
    super(new Tensor(out, [N, 1, ...grid.shape], "float32"), src.labels, src.classes);
    this.grid = grid;
    this.bandwidth = b;
    this.rotations = rotations;
  }

  /** s2cnn's projection: sampled on `grid` directly, each signal rescaled by its samples' minimum and maximum. */
  private static _direct(
    data: Float32Array,
    N: number,
    H: number,
    W: number,
    grid: SphereGrid,
    gen: Generator,
    rotations: Float64Array | null,
    out: Float32Array,
  ): void {
    const npix = grid.npix;
    const sample = new Float64Array(npix);
    for (let i = 0; i < N; i++) {
      let R: Float64Array | null = null;
      if (rotations !== null) {
        R = randomRotationMatrix(3, gen);
        rotations.set(R, i * 9);
      }
      projectImageOnSphere(data.subarray(i * H * W, (i + 1) * H * W), H, W, grid, R, sample);
      let lo = Infinity;
      let hi = -Infinity;
      for (let p = 0; p < npix; p++) {
        lo = Math.min(lo, sample[p]!);
        hi = Math.max(hi, sample[p]!);
      }
      const scale = hi > lo ? 1 / (hi - lo) : 0;
      for (let p = 0; p < npix; p++) out[i * npix + p] = (sample[p]! - lo) * scale;
    }
  }

  /** The anti-aliased projection (see `antialias`): fine grid, SHT cut at b, synthesis on `grid`, in chunks. */
  private static _antialiased(
    data: Float32Array,
    N: number,
    H: number,
    W: number,
    grid: SphereGrid,
    fine: SphereGrid,
    gen: Generator,
    rotations: Float64Array | null,
    out: Float32Array,
  ): void {
    const L = grid.bandLimit;
    const analysis = shtPlan(fine, L);
    const synthesis = shtPlan(grid, L);
    const chunk = 128;
    const samples = new Float64Array(chunk * fine.npix);
    for (let i0 = 0; i0 < N; i0 += chunk) {
      const n = Math.min(chunk, N - i0);
      for (let j = 0; j < n; j++) {
        const i = i0 + j;
        let R: Float64Array | null = null;
        if (rotations !== null) {
          R = randomRotationMatrix(3, gen);
          rotations.set(R, i * 9);
        }
        const image = data.subarray(i * H * W, (i + 1) * H * W);
        projectImageOnSphere(image, H, W, fine, R, samples.subarray(j * fine.npix, (j + 1) * fine.npix));
      }
      const x = new Tensor(samples.subarray(0, n * fine.npix), [n, ...fine.shape], "float64");
      const y = isht(sht(x, analysis), synthesis).data;
      for (let j = 0; j < n; j++) {
        const image = data.subarray((i0 + j) * H * W, (i0 + j + 1) * H * W);
        let lo = Infinity;
        let hi = -Infinity;
        for (let p = 0; p < H * W; p++) {
          lo = Math.min(lo, image[p]!);
          hi = Math.max(hi, image[p]!);
        }
        const scale = hi > lo ? 1 / (hi - lo) : 0;
        const o = (i0 + j) * grid.npix;
        for (let p = 0; p < grid.npix; p++) out[o + p] = (y[j * grid.npix + p]! - lo) * scale;
      }
    }
  }
}
