/**
 * A seeded simulator of charged particles in 3-D, the N-body benchmark of the EGNN paper (Satorras
 * et al. 2021, after Kipf et al.'s NRI "charged" system): `numParticles` unit-mass particles with
 * charges ±1 (equal odds) interact through Coulomb-like forces
 *
 *   F_i = k Σ_{j≠i} q_i q_j (x_i − x_j) / ‖x_i − x_j‖³       (like charges repel),
 *
 * each component clipped to ±maxForce, integrated with the leapfrog (kick-drift-kick) scheme at step
 * dt. Initial positions are N(0, locStd²), initial velocities point in uniform random directions with
 * norm velNorm. The task: from the state after `burnIn` steps, predict the positions `steps` steps
 * later (defaults 3000 and 1000: frames 30 and 40 of trajectories sampled every 100 steps, as the
 * paper). Without walls (the default) the dynamics are E(3)-equivariant.
 *
 * Each sample is a {@link Graph}: `pos` (input positions `[n, 3]`), `vel` (`[n, 3]`), `charges` (`[n]`),
 * `y` (target positions `[n, 3]`) and a fully connected `edgeIndex` without self-loops.
 */
import { Graph } from "../../domains/graph/graph.js";
import { opError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";

/** Options of {@link simulateNBody}. */
export interface NBodyOptions {
  /** Number of trajectories (samples). */
  numTrajectories: number;
  /** Particles per system (default 5). */
  numParticles?: number;
  /** Integrator steps before the input state (default 3000). */
  burnIn?: number;
  /** Integrator steps from the input to the target state (default 1000). */
  steps?: number;
  /** Time step (default 0.001). */
  dt?: number;
  /** Std of the initial positions (default 1). */
  locStd?: number;
  /** Norm of the initial velocities (default 0.5). */
  velNorm?: number;
  /** Coupling constant k (default 1). */
  interactionStrength?: number;
  /** Clip of each force component (default 0.1/dt, as NRI). */
  maxForce?: number;
  /** Reflecting walls at ±boxSize on each axis (default none). */
  boxSize?: number | null;
  /** Seed of the generator (default 0). */
  seed?: number;
  /** Or an explicit generator. */
  generator?: Generator;
}

/** One trajectory's input and target states as plain arrays. */
export interface NBodyState {
  loc: Float64Array;
  vel: Float64Array;
  charges: Float64Array;
  target: Float64Array;
}

function forces(x: Float64Array, q: Float64Array, n: number, k: number, maxF: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = x[3 * i]! - x[3 * j]!;
      const dy = x[3 * i + 1]! - x[3 * j + 1]!;
      const dz = x[3 * i + 2]! - x[3 * j + 2]!;
      const r2 = dx * dx + dy * dy + dz * dz;
      const s = (k * q[i]! * q[j]!) / (r2 * Math.sqrt(r2));
      out[3 * i]! += s * dx;
      out[3 * i + 1]! += s * dy;
      out[3 * i + 2]! += s * dz;
      out[3 * j]! -= s * dx;
      out[3 * j + 1]! -= s * dy;
      out[3 * j + 2]! -= s * dz;
    }
  }
  for (let c = 0; c < 3 * n; c++) {
    const f = out[c]!;
    if (f > maxF) out[c] = maxF;
    else if (f < -maxF) out[c] = -maxF;
    else if (Number.isNaN(f)) out[c] = 0;
  }
}

/** Integrates one system in place for `steps` leapfrog steps. */
function integrate(
  x: Float64Array,
  v: Float64Array,
  q: Float64Array,
  n: number,
  steps: number,
  dt: number,
  k: number,
  maxF: number,
  box: number | null,
): void {
  const f = new Float64Array(3 * n);
  forces(x, q, n, k, maxF, f);
  for (let s = 0; s < steps; s++) {
    for (let c = 0; c < 3 * n; c++) v[c]! += 0.5 * dt * f[c]!;
    for (let c = 0; c < 3 * n; c++) x[c]! += dt * v[c]!;
    if (box !== null) {
      for (let c = 0; c < 3 * n; c++) {
        if (x[c]! > box) {
          x[c] = 2 * box - x[c]!;
          v[c] = -Math.abs(v[c]!);
        } else if (x[c]! < -box) {
          x[c] = -2 * box - x[c]!;
          v[c] = Math.abs(v[c]!);
        }
      }
    }
    forces(x, q, n, k, maxF, f);
    for (let c = 0; c < 3 * n; c++) v[c]! += 0.5 * dt * f[c]!;
  }
}

/**
 * Advances one system by `steps` leapfrog steps from positions `loc` and velocities `vel` (`[n·3]`,
 * copied) with charges `charges` (`[n]`); returns the new positions and velocities.
 */
export function integrateNBody(
  loc: ArrayLike<number>,
  vel: ArrayLike<number>,
  charges: ArrayLike<number>,
  steps: number,
  opts: Pick<NBodyOptions, "dt" | "interactionStrength" | "maxForce" | "boxSize"> = {},
): { loc: Float64Array; vel: Float64Array } {
  const n = charges.length;
  if (loc.length !== 3 * n || vel.length !== 3 * n)
    opError("integrateNBody", "loc", `${3 * n} coordinates (3 per charge)`, String(loc.length));
  const dt = opts.dt ?? 0.001;
  const x = Float64Array.from(loc);
  const v = Float64Array.from(vel);
  integrate(
    x,
    v,
    Float64Array.from(charges),
    n,
    steps,
    dt,
    opts.interactionStrength ?? 1,
    opts.maxForce ?? 0.1 / dt,
    opts.boxSize ?? null,
  );
  return { loc: x, vel: v };
}

/** Simulates trajectories and returns their input/target states (see the module docs). */
export function simulateNBodyStates(opts: NBodyOptions): NBodyState[] {
  const op = "simulateNBody";
  const T = opts.numTrajectories;
  if (!Number.isInteger(T) || T < 0) opError(op, "numTrajectories", "a non-negative integer", String(T));
  const n = opts.numParticles ?? 5;
  if (!Number.isInteger(n) || n < 2) opError(op, "numParticles", "an integer >= 2", String(n));
  const burnIn = opts.burnIn ?? 3000;
  const steps = opts.steps ?? 1000;
  for (const [name, v] of [
    ["burnIn", burnIn],
    ["steps", steps],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) opError(op, name, "a non-negative integer", String(v));
  }
  const dt = opts.dt ?? 0.001;
  if (!(dt > 0)) opError(op, "dt", "a positive time step", String(dt));
  const k = opts.interactionStrength ?? 1;
  const maxF = opts.maxForce ?? 0.1 / dt;
  const box = opts.boxSize ?? null;
  if (box !== null && !(box > 0)) opError(op, "boxSize", "a positive number or null", String(box));
  const locStd = opts.locStd ?? 1;
  const velNorm = opts.velNorm ?? 0.5;
  const g = opts.generator ?? new Generator(opts.seed ?? 0);
  const out: NBodyState[] = [];
  for (let t = 0; t < T; t++) {
    const q = new Float64Array(n);
    for (let i = 0; i < n; i++) q[i] = g.randint(0, 2) === 0 ? -1 : 1;
    const x = new Float64Array(3 * n);
    const v = new Float64Array(3 * n);
    for (let c = 0; c < 3 * n; c++) x[c] = g.normal(0, locStd);
    for (let i = 0; i < n; i++) {
      const a = g.normal();
      const b = g.normal();
      const c = g.normal();
      const r = Math.hypot(a, b, c) || 1;
      v[3 * i] = (velNorm * a) / r;
      v[3 * i + 1] = (velNorm * b) / r;
      v[3 * i + 2] = (velNorm * c) / r;
    }
    if (box !== null) for (let c = 0; c < 3 * n; c++) x[c] = Math.max(-box, Math.min(box, x[c]!));
    integrate(x, v, q, n, burnIn, dt, k, maxF, box);
    const loc = x.slice();
    const vel = v.slice();
    integrate(x, v, q, n, steps, dt, k, maxF, box);
    out.push({ loc, vel, charges: q, target: x.slice() });
  }
  return out;
}

/** The fully connected edge index of `n` nodes without self-loops (sources j, targets i). */
export function fullyConnectedEdges(n: number): Tensor {
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      src.push(j);
      dst.push(i);
    }
  }
  return new Tensor(Int32Array.from([...src, ...dst]), [2, src.length], "int32");
}

/** Simulated samples as graphs (float32 tensors): `pos`, `vel`, `charges`, `y` (target positions), `edgeIndex`. */
export function simulateNBody(opts: NBodyOptions): Graph[] {
  const n = opts.numParticles ?? 5;
  const ei = fullyConnectedEdges(n);
  return simulateNBodyStates(opts).map((s) => {
    const g = new Graph({
      pos: new Tensor(Float32Array.from(s.loc), [n, 3], "float32"),
      edgeIndex: ei,
    });
    g.set("vel", new Tensor(Float32Array.from(s.vel), [n, 3], "float32"), "node");
    g.set("charges", new Tensor(Float32Array.from(s.charges), [n], "float32"), "node");
    g.set("y", new Tensor(Float32Array.from(s.target), [n, 3], "float32"), "node");
    return g;
  });
}

/** The EGNN paper's sizes: 3000 training, 2000 validation and 2000 test trajectories (seeds seed, seed+1, seed+2). */
export function nbodySplits(
  opts: Omit<NBodyOptions, "numTrajectories"> & { numTrain?: number; numVal?: number; numTest?: number } = {},
): { train: Graph[]; val: Graph[]; test: Graph[] } {
  const seed = opts.seed ?? 0;
  return {
    train: simulateNBody({ ...opts, numTrajectories: opts.numTrain ?? 3000, seed, generator: undefined }),
    val: simulateNBody({ ...opts, numTrajectories: opts.numVal ?? 2000, seed: seed + 1, generator: undefined }),
    test: simulateNBody({ ...opts, numTrajectories: opts.numTest ?? 2000, seed: seed + 2, generator: undefined }),
  };
}
