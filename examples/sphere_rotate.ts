/**
 * Spheres: sample a function on S², transform it to spherical harmonic coefficients, rotate it through
 * the harmonic domain (c^l ↦ D^l(R) c^l), and write both signals as equirectangular pictures. The
 * function is band-limited (three lobes (1 + x·u)^8 / 2^8, polynomials of degree 8), so on the
 * Driscoll–Healy grid the transform round trip and the rotation are exact to round-off: the rotated
 * signal equals the function sampled at Rᵀx. The same rotation then checks the spherical convolutions:
 * a zonal S² → S² convolution commutes with it, and an S² → SO(3) correlation turns it into a
 * translation on SO(3).
 *
 * Run: `npm run build && node dist/examples/sphere_rotate.js` (writes sphere_original.png and
 * sphere_rotated.png in the working directory; add `--small` for a quick run).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkEquivariance,
  driscollHealyGrid,
  equirectangularImage,
  isht,
  manualSeed,
  o3,
  rotateSignal,
  S2Convolution,
  SO3,
  s2SignalAction,
  sampleOnGrid,
  sht,
  shtPlan,
  so3SignalAction,
  type Tensor,
  ZonalConv,
} from "../src/index.js";
import { type ExampleOptions, logger, runIfMain } from "./common.js";

/** Options of {@link main}: the shared ones, and where to write the pictures (none: not written). */
export interface SphereRotateOptions extends ExampleOptions {
  outDir?: string;
}

/** What {@link main} returns. */
export interface SphereRotateSummary {
  /** Grid resolution b (2b × 2b Driscoll–Healy grid) and the transform's band limit. */
  b: number;
  L: number;
  /** Power Σ_m c_lm² per degree l < L (zero above the function's degree 8 to round-off). */
  power: number[];
  /** max |isht(sht(f)) − f|. */
  roundTripError: number;
  /** max |rotateSignal(f, R) − f(Rᵀ·)| over the grid. */
  rotationError: number;
  /** Relative equivariance errors (float64, random rotations) of a ZonalConv and an S2Convolution on f. */
  zonalConvError: number;
  s2ConvolutionError: number;
  /** PNG sizes in bytes, and the files written (if `outDir`). */
  pictureBytes: [number, number];
  files: string[];
}

/** The lobe directions u_k and weights a_k of the sampled function. */
const LOBES: [number, [number, number, number]][] = [
  [1, [0, 1, 0]],
  [0.7, [0.8, -0.2, 0.57]],
  [0.5, [-0.3, -0.5, -0.81]],
];

/** f(x) = Σ_k a_k ((1 + x·u_k)/2)^8: a band-limited signal of degree 8. */
function lobes(x: number, y: number, z: number): number {
  let f = 0;
  for (const [a, u] of LOBES) {
    const n = Math.hypot(...u);
    f += a * ((1 + (x * u[0] + y * u[1] + z * u[2]) / n) / 2) ** 8;
  }
  return f;
}

export function main(opts: SphereRotateOptions = {}): SphereRotateSummary {
  const log = logger(opts);
  const b = opts.small ? 12 : 32;
  const grid = driscollHealyGrid(b); // 2b × 2b, exact for degrees < b
  const f = sampleOnGrid(grid, lobes); // Tensor [2b, 2b], float64
  log(`sampled f on ${grid}`);

  // the harmonic transform: coefficients [L²] at l² + l + m, orthonormal real basis
  const L = grid.bandLimit;
  const plan = shtPlan(grid, L);
  const c = sht(f, plan);
  const power = Array.from({ length: L }, (_, l) => {
    let s = 0;
    for (let i = l * l; i < (l + 1) * (l + 1); i++) s += c.data[i]! ** 2;
    return s;
  });
  const roundTripError = maxAbsDiff(isht(c, plan), f);
  log(`power per degree: ${power.map((p) => p.toExponential(1)).join(" ")}`);
  log(`round trip: max error ${roundTripError.toExponential(2)}`);

  // rotate through the harmonic domain and compare with sampling the rotated function
  const R = o3.anglesToMatrix(0.7, 1.1, -0.4);
  const rotated = rotateSignal(grid, f, R);
  const direct = sampleOnGrid(grid, (x, y, z) =>
    lobes(
      R[0]! * x + R[3]! * y + R[6]! * z, // Rᵀ·(x, y, z)
      R[1]! * x + R[4]! * y + R[7]! * z,
      R[2]! * x + R[5]! * y + R[8]! * z,
    ),
  );
  const rotationError = maxAbsDiff(rotated, direct);
  log(`rotation: max error against the rotated function ${rotationError.toExponential(2)}`);

  // spherical convolutions commute with rotations (checked on f, band-limited, in float64)
  manualSeed(0);
  const group = new SO3();
  const x = f.reshape([1, 1, ...grid.shape]);
  const coarse = driscollHealyGrid(opts.small ? 6 : 8);
  const zonal = new ZonalConv(1, 4, { gridIn: grid, gridOut: coarse }).double();
  const zonalConvError = checkEquivariance((v: Tensor) => zonal.forward(v), {
    group,
    inputAction: s2SignalAction(grid),
    outputAction: s2SignalAction(coarse),
    inputs: [x],
    samples: opts.small ? 2 : 4,
  }).maxRelError;
  const bOut = opts.small ? 4 : 6;
  const s2conv = new S2Convolution(1, 2, b, bOut).double();
  const s2ConvolutionError = checkEquivariance((v: Tensor) => s2conv.forward(v), {
    group,
    inputAction: s2SignalAction(grid),
    outputAction: so3SignalAction(bOut),
    inputs: [x],
    samples: opts.small ? 2 : 4,
  }).maxRelError;
  log(
    `equivariance: ZonalConv ${zonalConvError.toExponential(2)}, S2Convolution ${s2ConvolutionError.toExponential(2)}`,
  );

  // pictures on a common colour range
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of [...f.data, ...rotated.data]) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const pics = [f, rotated].map((s) => equirectangularImage(grid, s, { width: 512, range: [lo, hi] }));
  const files: string[] = [];
  if (opts.outDir !== undefined) {
    for (const [i, name] of ["sphere_original.png", "sphere_rotated.png"].entries()) {
      const path = join(opts.outDir, name);
      writeFileSync(path, pics[i]!);
      files.push(path);
      log(`wrote ${path}`);
    }
  }
  return {
    b,
    L,
    power,
    roundTripError,
    rotationError,
    zonalConvError,
    s2ConvolutionError,
    pictureBytes: [pics[0]!.length, pics[1]!.length],
    files,
  };
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let e = 0;
  for (let i = 0; i < a.size; i++) e = Math.max(e, Math.abs(a.data[i]! - b.data[i]!));
  return e;
}

runIfMain(import.meta.url, (o) => main({ ...o, outDir: "." }));
