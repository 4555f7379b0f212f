/**
 * Equivariance checks of the atomistic models, ready for the library's checker (and for a future
 * `erlangen check` command): each check names the group, says how it acts on the model's input and
 * output, and carries a small sample input.
 *
 * ```ts
 * for (const c of schnetChecks(model)) assertEquivariant(c.fn, { group: c.group, inputAction: c.inputAction, outputAction: c.outputAction, inputs: [c.input] });
 * ```
 */
import { type Action, graphPermutationAction, pointAction, vectorAction } from "../../../symmetry/actions.js";
import { checkEquivariance, type EquivarianceReport } from "../../../symmetry/checker.js";
import type { Group } from "../../../symmetry/group.js";
import { En, Sn } from "../../../symmetry/groups.js";
import { Generator } from "../../../tensor/rng.js";
import { Tensor } from "../../../tensor/tensor.js";
import type { CoulombMLP } from "./cm_mlp.js";
import type { EGNNNBody, EGNNRegressor } from "./egnn.js";
import type { NequIPLike } from "./nequip.js";
import type { SchNet } from "./schnet.js";

/** One equivariance check of a model. */
export interface ModelCheck<I = unknown, O = unknown> {
  /** e.g. `E(3) invariance of the energy`. */
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: checks over different groups share one list.
  group: Group<any>;
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  inputAction: Action<any, I>;
  /** Omitted for invariance. */
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  outputAction?: Action<any, O>;
  input: I;
  fn: (x: I) => O;
}

/** A batch of atoms as the molecular models take it. */
export interface AtomsInput {
  z: Tensor;
  pos: Tensor;
  batch: Tensor;
}

/** The N-body model's input. */
export interface NBodyInput {
  loc: Tensor;
  vel: Tensor;
  charges: Tensor;
  edgeIndex: Tensor;
}

/** Options of the sample inputs. */
export interface SampleOptions {
  dtype?: "float32" | "float64";
  seed?: number;
  /** Atoms per molecule (default [5, 4]). */
  sizes?: number[];
  /** Atomic numbers to draw from (default H, C, N, O). */
  species?: number[];
}

/** A small random batch of molecules (positions spread over ~1.5 Å, so every atom has neighbours). */
export function sampleAtoms(opts: SampleOptions = {}): AtomsInput {
  const g = new Generator(opts.seed ?? 0);
  const sizes = opts.sizes ?? [5, 4];
  const species = opts.species ?? [1, 6, 7, 8];
  const N = sizes.reduce((a, b) => a + b, 0);
  const z = new Int32Array(N);
  const batch = new Int32Array(N);
  const pos = opts.dtype === "float32" ? new Float32Array(3 * N) : new Float64Array(3 * N);
  let k = 0;
  sizes.forEach((n, m) => {
    for (let i = 0; i < n; i++, k++) {
      z[k] = species[g.randint(0, species.length)]!;
      batch[k] = m;
      for (let c = 0; c < 3; c++) pos[3 * k + c] = g.normal(0, 0.9);
    }
  });
  return { z: new Tensor(z, [N], "int32"), pos: new Tensor(pos, [N, 3]), batch: new Tensor(batch, [N], "int32") };
}

/** A small charged-particle system with a fully connected graph. */
export function sampleNBody(opts: { n?: number; dtype?: "float32" | "float64"; seed?: number } = {}): NBodyInput {
  const g = new Generator(opts.seed ?? 0);
  const n = opts.n ?? 5;
  const f = opts.dtype === "float32" ? Float32Array : Float64Array;
  const loc = new f(3 * n).map(() => g.normal());
  const vel = new f(3 * n).map(() => g.normal(0, 0.5));
  const q = new f(n).map(() => (g.randint(0, 2) === 0 ? -1 : 1));
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      src.push(j);
      dst.push(i);
    }
  }
  return {
    loc: new Tensor(loc, [n, 3]),
    vel: new Tensor(vel, [n, 3]),
    charges: new Tensor(q, [n]),
    edgeIndex: new Tensor(Int32Array.from([...src, ...dst]), [2, src.length], "int32"),
  };
}

function atomsChecks(
  name: string,
  run: (x: AtomsInput) => Tensor,
  input: AtomsInput,
  output: "invariant" | "vector",
): ModelCheck<AtomsInput, Tensor>[] {
  const e3 = En(3);
  const onPos = pointAction(e3);
  const inputAction: Action<unknown, AtomsInput> = (g, x) => ({ ...x, pos: onPos(g as never, x.pos) });
  const N = input.z.shape[0]!;
  const perm = graphPermutationAction<AtomsInput>({ nodeKeys: ["z", "pos", "batch"] });
  return [
    {
      name: `${name}: E(3) ${output === "invariant" ? "invariance (rotations, reflections, translations)" : "equivariance of the vector output (rotations, reflections; translation-invariant)"}`,
      group: e3,
      inputAction,
      outputAction: output === "vector" ? (vectorAction(e3) as Action<unknown, Tensor>) : undefined,
      input,
      fn: run,
    },
    {
      name: `${name}: invariance to atom permutations`,
      group: Sn(N),
      inputAction: perm as Action<unknown, AtomsInput>,
      input,
      fn: run,
    },
  ];
}

/** Checks of a {@link SchNet} model (E(3) and permutation invariance of the output). */
export function schnetChecks(model: SchNet, input: AtomsInput = sampleAtoms()): ModelCheck<AtomsInput, Tensor>[] {
  return atomsChecks("SchNet", (x) => model.forward(x.z, x.pos, x.batch), input, "invariant");
}

/** Checks of an {@link EGNNRegressor} (invariant for scalar output, equivariant for vector output). */
export function egnnRegressorChecks(
  model: EGNNRegressor,
  input: AtomsInput = sampleAtoms(),
): ModelCheck<AtomsInput, Tensor>[] {
  return atomsChecks(
    "EGNN",
    (x) => model.forward(x.z, x.pos, x.batch),
    input,
    model.output === "vector" ? "vector" : "invariant",
  );
}

/** Checks of a {@link NequIPLike} model (energy invariant, vector output equivariant). */
export function nequipChecks(model: NequIPLike, input: AtomsInput = sampleAtoms()): ModelCheck<AtomsInput, Tensor>[] {
  return atomsChecks(
    "NequIP-like",
    (x) => model.forward(x.z, x.pos, x.batch),
    input,
    model.output === "vector" ? "vector" : "invariant",
  );
}

/** Checks of a {@link CoulombMLP} (E(3) and permutation invariance). Run in eval mode. */
export function coulombMlpChecks(
  model: CoulombMLP,
  input: AtomsInput = sampleAtoms(),
): ModelCheck<AtomsInput, Tensor>[] {
  return atomsChecks("CM-MLP", (x) => model.forward(x.z, x.pos, x.batch), input, "invariant");
}

/**
 * Checks of an {@link EGNNNBody}: E(3) equivariance (positions move by g, velocities rotate, the
 * predicted positions move by g) and permutation equivariance (rows permute, edges relabel).
 */
export function egnnNBodyChecks(model: EGNNNBody, input: NBodyInput = sampleNBody()): ModelCheck<NBodyInput, Tensor>[] {
  const e3 = En(3);
  const onPos = pointAction(e3);
  const onVec = vectorAction(e3);
  const run = (x: NBodyInput) => model.forward(x.loc, x.vel, x.charges, x.edgeIndex);
  const n = input.loc.shape[0]!;
  const perm = graphPermutationAction<NBodyInput>({ nodeKeys: ["loc", "vel", "charges"] });
  const permOut: Action<Int32Array, Tensor> = (s, y) =>
    graphPermutationAction<{ y: Tensor }>({ nodeKeys: ["y"] })(s, { y }).y;
  return [
    {
      name: "EGNN N-body: E(3) equivariance of the predicted positions",
      group: e3,
      inputAction: ((g: never, x: NBodyInput) => ({ ...x, loc: onPos(g, x.loc), vel: onVec(g, x.vel) })) as Action<
        unknown,
        NBodyInput
      >,
      outputAction: onPos as Action<unknown, Tensor>,
      input,
      fn: run,
    },
    {
      name: "EGNN N-body: permutation equivariance",
      group: Sn(n),
      inputAction: perm as Action<unknown, NBodyInput>,
      outputAction: permOut as Action<unknown, Tensor>,
      input,
      fn: run,
    },
  ];
}

/** Runs checks through {@link checkEquivariance}; returns one report per check. */
export function runModelChecks<I, O>(
  checks: ModelCheck<I, O>[],
  opts: { samples?: number; atol?: number; rtol?: number; seed?: number } = {},
): (EquivarianceReport & { name: string })[] {
  return checks.map((c) => ({
    name: c.name,
    ...checkEquivariance(c.fn, {
      group: c.group,
      inputAction: c.inputAction,
      outputAction: c.outputAction,
      inputs: [c.input],
      samples: opts.samples ?? 4,
      atol: opts.atol ?? 0,
      rtol: opts.rtol ?? 1e-4,
      seed: opts.seed,
    }),
  }));
}
