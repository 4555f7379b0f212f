/**
 * The recipe for signals on the sphere S² with the rotation group SO(3) (s2cnn: Cohen, Geiger, Köhler &
 * Welling, ICLR 2018): an `S2Convolution` lifts the scalar signals on the 2b × 2b Driscoll–Healy grid to
 * signals on SO(3) (degrees l < c₀), each further layer is an `SO3Convolution`; after every convolution
 * an `SO3BatchNorm` (quadrature statistics) and a ReLU on the grid, between layers a band-limit
 * reduction (`SO3BandLimitPool`: the spectral pooling that coarsens the grid), and at the end the
 * integral over SO(3) (`SO3Integrate`, invariant) and a linear head. The band limits halve layer by
 * layer, c_i = max(2, b / 2^(i+1)); each convolution synthesises its output on the twice finer grid
 * (resolution 2c_i), where the ReLU aliases less.
 *
 * Rotations about the pole (+y) by multiples of the coarsest grid's longitude step move every grid
 * point onto a grid point, so the model is exactly invariant to them on any input (checked layer by
 * layer with exact shifts of the longitude axes); random rotations of a band-limited input are checked
 * on the whole model and hold up to the ReLUs' aliasing (measured).
 */
import { driscollHealyGrid } from "../domains/sphere/grid.js";
import { SO3BatchNorm } from "../layers/spheres/batch_norm.js";
import { bandLimitedS2Signal, polarRotations, s2SignalAction } from "../layers/spheres/checks.js";
import { s2NearIdentityGrid, so3NearIdentityGrid } from "../layers/spheres/filters.js";
import { SO3BandLimitPool } from "../layers/spheres/pooling.js";
import { SO3Integrate } from "../layers/spheres/readout.js";
import { S2Convolution } from "../layers/spheres/s2_conv.js";
import { SO3Convolution } from "../layers/spheres/so3_conv.js";
import { ReLU } from "../nn/activation.js";
import { Linear } from "../nn/linear.js";
import { SO3 } from "../symmetry/groups.js";
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { roll } from "../tensor/ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { AnyAction, BlueprintCheck, OutputInfo, Stage } from "./model.js";
import { type BuildContext, checkInputTensor, invariant, stage } from "./parts.js";
import type { Recipe } from "./recipe.js";
import type { ResolvedSpec } from "./spec.js";

/** The band limit of layer i for input bandwidth b: c_i = max(2, b / 2^(i+1)) (at most b). */
export function sphereBandLimits(b: number, depth: number): number[] {
  return Array.from({ length: depth }, (_, i) => Math.min(b, Math.max(2, Math.floor(b / 2 ** (i + 1)))));
}

/**
 * The angle of a rotation about the pole (+y), as a number of steps of 2π/n, or an error when the
 * rotation is not one (these actions are exact shifts of a grid's longitude axis).
 */
function polarSteps(Q: ArrayLike<number>, n: number): number {
  // R_y(θ) = [[cos θ, 0, sin θ], [0, 1, 0], [−sin θ, 0, cos θ]]
  const theta = Math.atan2(Q[2]!, Q[0]!);
  const off = Math.abs(Q[1]!) + Math.abs(Q[3]!) + Math.abs(Q[5]!) + Math.abs(Q[7]!) + Math.abs(Q[4]! - 1);
  const k = (theta * n) / (2 * Math.PI);
  const r = Math.round(k);
  if (off > 1e-9 || Math.abs(k - r) > 1e-6)
    throw new ErlangenError(
      `sphere blueprint: the polar action expected a rotation about +y by a multiple of 2π/${n}, got one by ${theta}`,
    );
  return r;
}

/** Rotation about the pole on S² signals [..., 2b (θ), 2b (φ)]: (Q·f)(x) = f(Q⁻¹x), a shift of φ. */
function polarS2Action(b: number): AnyAction {
  return (Q, x) => roll(x as Tensor, polarSteps(Q as ArrayLike<number>, 2 * b), -1);
}

/** Rotation about the pole on SO(3) signals [..., β, α, γ]: (Q·F)(R) = F(Q⁻¹R), a shift of α. */
function polarSO3Action(r: number): AnyAction {
  return (Q, x) => roll(x as Tensor, polarSteps(Q as ArrayLike<number>, 2 * r), -2);
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The sphere recipe (see the module docs). */
export function sphereRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const b = spec.options.bandwidth;
  const C = spec.scalars;
  const bands = sphereBandLimits(b, widths.length);
  const res = bands.map((c) => 2 * c);
  // every grid of the model (input, convolution outputs, pooled) shifts by whole samples under these turns
  const polarN = 2 * [b, ...bands, ...res].reduce(gcd);
  const stages: Stage[] = [];
  const polar = (r: number) => ({ polar: polarSO3Action(r), rotation: invariant });
  let cPrev = C;
  let rPrev = b;
  widths.forEach((w, i) => {
    const c = bands[i]!;
    const r = res[i]!;
    if (i > 0 && c < bands[i - 1]!) {
      const pool = new SO3BandLimitPool(rPrev, c);
      const from = rPrev;
      stages.push(
        stage({
          name: "SO3BandLimitPool",
          step: "local pooling",
          module: pool,
          inType: `${cPrev} SO(3) signals on the ${2 * from}³ grid`,
          outType: `${cPrev} SO(3) signals, degrees l < ${c}, on the ${2 * c}³ grid`,
          note:
            i === 1
              ? "spectral pooling: keep the degrees below the next band limit (commutes with rotations) and resample on the coarser grid"
              : undefined,
          run: (s) => pool.forward(s as Tensor),
          actions: polar(c),
        }),
      );
      rPrev = c;
    }
    const conv =
      i === 0
        ? new S2Convolution(cPrev, w, rPrev, c, {
            kernelGrid: s2NearIdentityGrid({ maxBeta: Math.PI / 4, nBeta: 2, nAlpha: 6 }),
            bias: false,
            resolution: r,
            generator: ctx.generator,
          })
        : new SO3Convolution(cPrev, w, rPrev, c, {
            kernelGrid: so3NearIdentityGrid({ maxBeta: Math.PI / 4, nBeta: 1, nAlpha: 6, nGamma: 4 }),
            bias: false,
            resolution: r,
            generator: ctx.generator,
          });
    stages.push(
      stage({
        name: i === 0 ? "S2Convolution" : "SO3Convolution",
        step: "equivariant linear",
        module: conv,
        inType: i === 0 ? `${cPrev} scalar signals on S² (${2 * b} × ${2 * b} grid)` : `${cPrev} SO(3) signals`,
        outType: `${w} SO(3) signals, degrees l < ${c}, on the ${2 * r}³ grid`,
        note:
          i === 0
            ? "spherical correlation with filters near the pole: a signal on SO(3) (one value per rotation of the filter), computed as products of harmonic coefficients"
            : i === 1
              ? "group correlation on SO(3) with filters near the identity, by Wigner-D coefficients"
              : undefined,
        run: (s) => conv.forward(s as Tensor),
        actions: polar(r),
      }),
    );
    const bn = new SO3BatchNorm(w, r);
    stages.push(
      stage({
        name: "SO3BatchNorm",
        step: "normalisation",
        module: bn,
        inType: `${w} SO(3) signals`,
        outType: `${w} SO(3) signals`,
        note: i === 0 ? "per-channel mean and variance as integrals over SO(3): invariant statistics" : undefined,
        run: (s) => bn.forward(s as Tensor),
        actions: polar(r),
      }),
    );
    const relu = new ReLU();
    stages.push(
      stage({
        name: "ReLU",
        step: "nonlinearity",
        inType: `${w} SO(3) signals`,
        outType: `${w} SO(3) signals (grid values)`,
        note:
          i === 0
            ? `pointwise on the ${2 * r}³ grid, twice as fine as the band limit needs, so the aliasing of the ReLU stays small`
            : undefined,
        run: (s) => relu.forward(s as Tensor),
        actions: polar(r),
      }),
    );
    cPrev = w;
    rPrev = r;
  });
  const last = widths[widths.length - 1]!;
  const integrate = new SO3Integrate(rPrev);
  stages.push(
    stage({
      name: "SO3Integrate",
      step: "invariant pooling",
      inType: `${last} SO(3) signals`,
      outType: `${last} invariant scalars`,
      note: "the integral over SO(3) by the grid's quadrature (s2cnn's so3_integrate)",
      run: (s) => integrate.forward(s as Tensor),
      actions: { polar: invariant, rotation: invariant },
    }),
  );
  const head = new Linear(last, spec.outputs, { dtype: ctx.dtype, generator: ctx.generator });
  stages.push(
    stage({
      name: "Linear",
      step: "invariant readout",
      module: head,
      inType: `${last} invariant scalars`,
      outType: `${spec.outputs} invariant ${spec.kind === "classification" ? "logits" : "targets"}`,
      run: (s) => head.forward(s as Tensor),
      actions: { polar: invariant, rotation: invariant },
    }),
  );
  const output: OutputInfo = {
    shape: `[B, ${spec.outputs}]`,
    symmetry: "invariant",
    transforms: "unchanged by rotations of the sphere (exactly for grid-aligned turns about the pole)",
  };
  const grid = driscollHealyGrid(b);
  const prepare = (input: unknown): Tensor => {
    const x = checkInputTensor("blueprint model", input, 4, C, `[B, ${C}, ${2 * b}, ${2 * b}]`);
    if (x.shape[2] !== 2 * b || x.shape[3] !== 2 * b)
      throw new ErlangenError(
        `blueprint model: argument 'input' expected signals [B, ${C}, ${2 * b}, ${2 * b}] on the Driscoll–Healy grid of bandwidth ${b} (options.bandwidth), got ${fmtShape(x.shape)}`,
      );
    return x.dtype === ctx.dtype ? x : x.cast(ctx.dtype);
  };
  const checks = (seed: number): BlueprintCheck[] => {
    let sample: Tensor | null = null;
    const input = () => {
      sample ??= bandLimitedS2Signal(grid, { batch: 2, channels: C, seed: seed + 1, dtype: ctx.dtype });
      return sample;
    };
    return [
      {
        id: "polar",
        name: `invariance to rotations about the pole by multiples of 2π/${polarN} (every grid onto itself: exact)`,
        group: new SO3(),
        elements: polarRotations(polarN).slice(1),
        inputAction: polarS2Action(b),
        get input() {
          return input();
        },
        exact: true,
        rtol: 1e-4,
      },
      {
        id: "rotation",
        name: "invariance to random rotations of a band-limited input (the ReLUs alias: approximate, measured)",
        group: new SO3(),
        samples: 3,
        inputAction: s2SignalAction(grid) as AnyAction,
        get input() {
          return input();
        },
        exact: false,
        rtol: 0.05,
        layers: false,
      },
    ];
  };
  return { stages, output, checks, prepare };
}
