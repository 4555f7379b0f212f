/**
 * Symmetry checks of the spherical layers and models, in the `ModelCheck` form the checker and
 * `erlangen check` take. The group is SO(3) (3×3 matrices); it acts
 *
 * - on S² signals [..., *grid.shape] by (Q·f)(x) = f(Q⁻¹x), through the harmonic domain (`rotateSignal`);
 * - on SO(3) signals [..., 2b, 2b, 2b] by (Q·F)(R) = F(Q⁻¹R), through the Fourier domain
 *   (`rotateSO3Signal`: each coefficient block multiplied by D^l(Q) on the left);
 * - on coefficients directly (`rotateCoefficients`, `rotateSO3Coefficients`).
 *
 * These actions are exact on band-limited signals, so a linear spherical layer (convolution, pooling,
 * readout) passes at round-off on band-limited inputs. A pointwise nonlinearity on a grid is not
 * band-limited: its error is the aliasing of the grid, reported rather than asserted. Rotations about
 * the pole by a multiple of the coarsest grid spacing move every grid point onto a grid point, so the
 * models (ReLUs included) are exactly invariant to them on any input.
 */
import { driscollHealyGrid, type SphereGrid } from "../../domains/sphere/grid.js";
import { isht, shtPlan } from "../../domains/sphere/sht.js";
import { rotateCoefficients, rotateSignal } from "../../domains/sphere/signal.js";
import { so3CoeffCount, so3Ifft, so3Plan } from "../../domains/sphere/so3.js";
import { rotateSO3Coefficients, rotateSO3Signal } from "../../domains/sphere/so3_rotation.js";
import type { Module } from "../../nn/module.js";
import type { Action } from "../../symmetry/actions.js";
import { SO3 } from "../../symmetry/groups.js";
import { rotY } from "../../symmetry/o3/rotations.js";
import { randn } from "../../tensor/creation.js";
import { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { GridModelCheck } from "../groups/gcnn/checks.js";
import { S2Activation, SO3Activation } from "./activation.js";
import { S2BatchNorm, SO3BatchNorm } from "./batch_norm.js";
import { type PlanarCNN, S2CNN, ZonalCNN } from "./models.js";
import { S2BandLimitPool, SO3BandLimitPool } from "./pooling.js";
import { S2Integrate, SO3Integrate } from "./readout.js";
import { S2Convolution } from "./s2_conv.js";
import { SO3Convolution } from "./so3_conv.js";
import { ZonalConv } from "./zonal_conv.js";

/** SO(3) acting on S² signals on `grid` through the harmonic domain up to band limit L (default the grid's). */
export function s2SignalAction(grid: SphereGrid, L = grid.bandLimit): Action<Float64Array, Tensor> {
  return (Q, x) => rotateSignal(grid, x, Q, L);
}

/** SO(3) acting on SO(3) signals on the 2b × 2b × 2b grid by left translation, through degrees l < L (default b). */
export function so3SignalAction(b: number, L = b): Action<Float64Array, Tensor> {
  const plan = so3Plan(b, L);
  return (Q, x) => rotateSO3Signal(x, Q, plan);
}

/** SO(3) acting on SH coefficients [..., L²]: c^l ↦ D^l(Q) c^l. */
export function s2CoefficientAction(): Action<Float64Array, Tensor> {
  return (Q, c) => rotateCoefficients(c, Q);
}

/** SO(3) acting on SO(3) Fourier coefficients [..., L(4L²−1)/3]: F^l ↦ D^l(Q) F^l. */
export function so3CoefficientAction(): Action<Float64Array, Tensor> {
  return (Q, c) => rotateSO3Coefficients(c, Q);
}

/** Options of the band-limited sample signals. */
export interface SampleSignalOptions {
  batch?: number;
  channels?: number;
  /** Band limit of the signal (default the grid's). */
  L?: number;
  seed?: number;
  dtype?: "float32" | "float64";
}

/** A band-limited random signal on `grid`: N(0, 1) coefficients of degree < L, synthesised: [batch, channels, ...grid.shape]. */
export function bandLimitedS2Signal(grid: SphereGrid, opts: SampleSignalOptions = {}): Tensor {
  const L = opts.L ?? grid.bandLimit;
  const c = randn([opts.batch ?? 2, opts.channels ?? 1, L * L], {
    generator: new Generator(opts.seed ?? 0),
    dtype: opts.dtype ?? "float64",
  });
  return isht(c, shtPlan(grid, L));
}

/** A band-limited random signal on the SO(3) grid of resolution b: [batch, channels, 2b, 2b, 2b]. */
export function bandLimitedSO3Signal(b: number, opts: SampleSignalOptions = {}): Tensor {
  const L = opts.L ?? b;
  const c = randn([opts.batch ?? 2, opts.channels ?? 1, so3CoeffCount(L)], {
    generator: new Generator(opts.seed ?? 0),
    dtype: opts.dtype ?? "float64",
  });
  return so3Ifft(c, so3Plan(b, L));
}

/** Random N(0, 1) SH coefficients [batch, channels, L²]. */
function s2Coefficients(L: number, seed: number): Tensor {
  return randn([2, 2, L * L], { generator: new Generator(seed), dtype: "float64" });
}

/** Rotations about the pole (+y) by the multiples of 2π/k. */
export function polarRotations(k: number): Float64Array[] {
  return Array.from({ length: k }, (_, j) => rotY((2 * Math.PI * j) / k));
}

/**
 * The equivariance check of every spherical layer on small float64 layers and band-limited inputs
 * (the linear layers exact to round-off: `expected` true with rtol 1e-9; the grid nonlinearities
 * reported with their aliasing error: `expected` false).
 */
export function sphericalLayerChecks(seed = 0): GridModelCheck[] {
  const group = new SO3();
  const gIn = driscollHealyGrid(6);
  const gOut = driscollHealyGrid(4);
  const x = bandLimitedS2Signal(gIn, { channels: 2, seed: seed + 1 });
  const X = bandLimitedSO3Signal(4, { channels: 2, seed: seed + 2 });
  const exact = { rtol: 1e-9, expected: true };
  const s2 = new S2Convolution(2, 3, 6, 4).double();
  const so3 = new SO3Convolution(2, 3, 4, 2).double();
  // outputs synthesised on grids finer than their band limits (where the models' ReLUs act)
  const s2Fine = new S2Convolution(2, 3, 6, 4, { resolution: 6 }).double();
  const so3Fine = new SO3Convolution(2, 3, 4, 2, { resolution: 4 }).double();
  const zonal = new ZonalConv(2, 3, { gridIn: gIn, gridOut: gOut, L: 4 }).double();
  const s2Pool = new S2BandLimitPool(gIn, gOut);
  const so3Pool = new SO3BandLimitPool(4, 2);
  const s2Int = new S2Integrate(gIn);
  const so3Int = new SO3Integrate(4);
  const s2Bn = new S2BatchNorm(2, gIn).double();
  const so3Bn = new SO3BatchNorm(2, 4).double();
  const s2Act = new S2Activation(driscollHealyGrid(16), 4);
  const so3Act = new SO3Activation(8, 3);
  return [
    {
      name: "S2Convolution (S² b 6 → SO(3) b 4), band-limited input",
      group,
      inputAction: s2SignalAction(gIn),
      outputAction: so3SignalAction(4),
      input: x,
      fn: (v: Tensor) => s2.forward(v),
      ...exact,
    },
    {
      name: "SO3Convolution (SO(3) b 4 → b 2), band-limited input",
      group,
      inputAction: so3SignalAction(4),
      outputAction: so3SignalAction(2),
      input: X,
      fn: (v: Tensor) => so3.forward(v),
      ...exact,
    },
    {
      name: "S2Convolution (S² b 6 → SO(3) l < 4 on the 12³ grid), band-limited input",
      group,
      inputAction: s2SignalAction(gIn),
      outputAction: so3SignalAction(6, 4),
      input: x,
      fn: (v: Tensor) => s2Fine.forward(v),
      ...exact,
    },
    {
      name: "SO3Convolution (SO(3) b 4 → l < 2 on the 8³ grid), band-limited input",
      group,
      inputAction: so3SignalAction(4),
      outputAction: so3SignalAction(4, 2),
      input: X,
      fn: (v: Tensor) => so3Fine.forward(v),
      ...exact,
    },
    {
      name: "ZonalConv (S² b 6 → b 4), band-limited input",
      group,
      inputAction: s2SignalAction(gIn),
      outputAction: s2SignalAction(gOut),
      input: x,
      fn: (v: Tensor) => zonal.forward(v),
      ...exact,
    },
    {
      name: "S2BandLimitPool (b 6 → 4)",
      group,
      inputAction: s2SignalAction(gIn),
      outputAction: s2SignalAction(gOut),
      input: x,
      fn: (v: Tensor) => s2Pool.forward(v),
      ...exact,
    },
    {
      name: "SO3BandLimitPool (b 4 → 2)",
      group,
      inputAction: so3SignalAction(4),
      outputAction: so3SignalAction(2),
      input: X,
      fn: (v: Tensor) => so3Pool.forward(v),
      ...exact,
    },
    {
      name: "S2Integrate (invariant)",
      group,
      inputAction: s2SignalAction(gIn),
      input: x,
      fn: (v: Tensor) => s2Int.forward(v),
      ...exact,
    },
    {
      name: "SO3Integrate (invariant)",
      group,
      inputAction: so3SignalAction(4),
      input: X,
      fn: (v: Tensor) => so3Int.forward(v),
      ...exact,
    },
    {
      name: "S2BatchNorm (batch statistics by quadrature)",
      group,
      inputAction: s2SignalAction(gIn),
      outputAction: s2SignalAction(gIn),
      input: x,
      fn: (v: Tensor) => s2Bn.forward(v),
      ...exact,
    },
    {
      name: "SO3BatchNorm (batch statistics by quadrature)",
      group,
      inputAction: so3SignalAction(4),
      outputAction: so3SignalAction(4),
      input: X,
      fn: (v: Tensor) => so3Bn.forward(v),
      ...exact,
    },
    {
      name: "S2Activation (ReLU, L 4, 32 × 32 grid): aliasing",
      group,
      inputAction: s2CoefficientAction(),
      outputAction: s2CoefficientAction(),
      input: s2Coefficients(4, seed + 3),
      fn: (v: Tensor) => s2Act.forward(v),
      rtol: 1e-2,
      expected: false,
    },
    {
      name: "SO3Activation (ReLU, L 3, 16³ grid): aliasing",
      group,
      inputAction: so3CoefficientAction(),
      outputAction: so3CoefficientAction(),
      input: randn([2, 2, so3CoeffCount(3)], { generator: new Generator(seed + 4), dtype: "float64" }),
      fn: (v: Tensor) => so3Act.forward(v),
      rtol: 1e-2,
      expected: false,
    },
  ];
}

/**
 * Checks of a spherical-MNIST classifier (logits [B, classes]; run the model in eval mode) on a
 * band-limited sample input on its 2bIn × 2bIn grid: exact invariance to rotations about the pole that
 * map every grid onto itself (`polarSteps` of them: the coarsest grid's longitudes), and invariance to
 * random rotations up to the ReLUs' aliasing (rtol 0.02; for the planar baseline reported only).
 */
export function sphericalModelChecks(
  name: string,
  model: Module,
  opts: { bIn: number; polarSteps: number; expected?: boolean; seed?: number },
): GridModelCheck[] {
  const grid = driscollHealyGrid(opts.bIn);
  const dtype = (model.parameters()[0]?.dtype ?? "float32") as "float32" | "float64";
  const input = bandLimitedS2Signal(grid, { batch: 2, channels: 1, seed: opts.seed ?? 0, dtype });
  const fn = (x: Tensor) => model.forward(x) as Tensor;
  const expected = opts.expected ?? true;
  const group = new SO3();
  return [
    {
      name: `${name}: invariance to rotations about the pole by 2π/${opts.polarSteps} (grid onto grid${expected ? ": exact" : ""})`,
      group,
      inputAction: s2SignalAction(grid),
      input,
      fn,
      rtol: 1e-4,
      elements: polarRotations(opts.polarSteps),
      expected,
    },
    {
      name: `${name}: invariance to random rotations (band-limited input${expected ? "; ReLU aliasing" : ""})`,
      group,
      inputAction: s2SignalAction(grid),
      input,
      fn,
      rtol: 0.02,
      expected,
    },
  ];
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The number k of rotations about the pole by 2π/k that map every grid of a model onto itself:
 * 2·gcd of its resolutions (each 2b-point ring then shifts by whole samples).
 */
export function modelPolarSteps(model: S2CNN | ZonalCNN | PlanarCNN): number {
  const bs =
    model instanceof S2CNN
      ? [model.bIn, ...model.resolutions]
      : model instanceof ZonalCNN
        ? [model.bIn, ...model.grids.map((g) => g.bandLimit)]
        : [model.size / 2];
  return 2 * bs.reduce(gcd);
}
