/**
 * What the builder returns: a {@link BlueprintModel}, a `Module` made of the library's own layers run in
 * order as {@link Stage}s, each tagged with the blueprint step it fills (G-equivariant linear layer,
 * pointwise nonlinearity, local pooling, G-invariant pooling and readout), its input and output
 * representation, and how every checked group acts on its output. That last part is what lets
 * {@link verifyBlueprint} run the equivariance checker layer by layer, and `explain(model)` print the
 * same plan for a model built earlier.
 */
import { Module } from "../nn/module.js";
import type { Action } from "../symmetry/actions.js";
import type { Group } from "../symmetry/group.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ResolvedSpec } from "./spec.js";

/** The step of the blueprint a stage fills (Bronstein et al. 2021, §4.5 and §5). */
export type BlueprintStep =
  | "equivariant linear"
  | "nonlinearity"
  | "equivariant layer"
  | "normalisation"
  | "local pooling"
  | "invariant pooling"
  | "invariant readout"
  | "equivariant readout"
  | "embedding";

/** The four steps of the blueprint each {@link BlueprintStep} belongs to (embeddings and norms are equivariant linear maps). */
export const STEP_FAMILY: Record<BlueprintStep, string> = {
  "equivariant linear": "1. G-equivariant linear layer",
  embedding: "1. G-equivariant linear layer",
  "equivariant layer": "1.+2. G-equivariant layer (linear part and nonlinearity fused)",
  normalisation: "1. G-equivariant linear layer (normalisation)",
  nonlinearity: "2. pointwise (G-equivariant) nonlinearity",
  "local pooling": "3. local pooling (coarsening)",
  "invariant pooling": "4. G-invariant global pooling",
  "invariant readout": "4. G-invariant readout (MLP on invariants)",
  "equivariant readout": "4'. G-equivariant readout (equivariant output)",
};

/** An action on any value (stage outputs of different types share one list). */
// biome-ignore lint/suspicious/noExplicitAny: actions of different groups share one record.
export type AnyAction = Action<any, unknown>;

/** One stage of a built model: a layer (or a parameter-free step) with its place in the blueprint. */
export interface Stage {
  /** Layer name, e.g. `LiftingConv2d`, `GINConv`, `global mean pool`. */
  name: string;
  step: BlueprintStep;
  /** The module holding this stage's parameters (null for parameter-free steps such as global pooling). */
  module: Module | null;
  /** Input representation, e.g. `1 × trivial (scalar image)`. */
  inType: string;
  /** Output representation, e.g. `10 × regular of p4 (40 channels)`. */
  outType: string;
  /** A line on why this layer is there (shown in the plan). */
  note?: string;
  /** Runs the stage on the state the previous stage returned. */
  run(state: unknown): unknown;
  /** How each check's group acts on this stage's output, by check id (see {@link BlueprintCheck}). */
  actions: Record<string, AnyAction>;
}

/** One equivariance claim of a built model, with what the checker needs to test it. */
export interface BlueprintCheck {
  /** Key into {@link Stage.actions}. */
  id: string;
  /** What is claimed, e.g. `invariance to 90° rotations about the grid centre (exact)`. */
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: checks over different groups share one list.
  group: Group<any>;
  /** Elements to test (default: sampled / enumerated by the checker). */
  elements?: unknown[];
  /** Sampled elements for infinite groups. */
  samples?: number;
  inputAction: AnyAction;
  /** Omitted for invariance. */
  outputAction?: AnyAction;
  /** A sample input (in the model's input format). */
  input: unknown;
  /** How to run the model on the check's input (default: `model.forward`). */
  fn?: (x: unknown) => unknown;
  /** True when the model is built to have this symmetry exactly (a failure fails the build's verification). */
  exact: boolean;
  /** Relative tolerance (1e-4 exact in float32; larger for measured approximate symmetries). */
  rtol: number;
  /** Absolute tolerance on the error norm (default 0: relative only). */
  atol?: number;
  /** Run the per-layer check too (default true). */
  layers?: boolean;
}

/** The output of a built model: invariant or equivariant, and what its rows are. */
export interface OutputInfo {
  /** e.g. `[B, 10] logits`, `[N, 3] vectors`. */
  shape: string;
  /** `invariant` or `equivariant`. */
  symmetry: "invariant" | "equivariant";
  /** How the output transforms, e.g. `rows follow the nodes`, `rotates with the input`. */
  transforms: string;
}

/** A model the builder made. `forward(input)` takes the domain's input (see `docs/blueprint.md`). */
export class BlueprintModel extends Module<[unknown], Tensor> {
  /** The stage modules, registered as `layers.0`, `layers.1`, … (parameter-free stages have none). */
  layers: Module[];
  /** The resolved spec the model was built from. */
  readonly spec: ResolvedSpec;
  /** The hidden widths chosen (one per equivariant layer). */
  readonly widths: readonly number[];
  /** What the output is. */
  readonly output: OutputInfo;
  /** Wall time of the build in ms (layers and bases; 0 when unknown). */
  buildMs = 0;
  private readonly _stages: Stage[];
  private readonly _checks: (seed: number) => BlueprintCheck[];
  private readonly _prepare: (input: unknown) => unknown;

  constructor(
    spec: ResolvedSpec,
    widths: readonly number[],
    stages: Stage[],
    output: OutputInfo,
    checks: (seed: number) => BlueprintCheck[],
    prepare: (input: unknown) => unknown = (x) => x,
  ) {
    super();
    this.spec = spec;
    this.widths = widths;
    this.output = output;
    this._stages = stages;
    this._checks = checks;
    this._prepare = prepare;
    this.layers = stages.map((s) => s.module).filter((m): m is Module => m !== null);
  }

  /** The stages in order. */
  get stages(): readonly Stage[] {
    return this._stages;
  }

  /** The equivariance claims of this model with sample inputs (seeded). */
  checks(seed = 0): BlueprintCheck[] {
    return this._checks(seed);
  }

  /** Converts a user input to the first stage's state (validates it). */
  prepare(input: unknown): unknown {
    return this._prepare(input);
  }

  forward(input: unknown): Tensor {
    let s = this._prepare(input);
    for (const st of this._stages) s = st.run(s);
    return s as Tensor;
  }

  /** Runs the stages and returns every stage's output (for feature-map views); the last one is the output. */
  forwardStages(input: unknown): unknown[] {
    const out: unknown[] = [];
    let s = this._prepare(input);
    for (const st of this._stages) {
      s = st.run(s);
      out.push(s);
    }
    return out;
  }

  override extraRepr(): string {
    return `${this.spec.domain}, ${this.spec.group.name}, ${this.spec.task}, widths=[${this.widths.join(", ")}]`;
  }
}

/** Number of parameters of a module (0 for null). */
export function countParams(m: Module | null): number {
  if (m === null) return 0;
  let n = 0;
  for (const p of m.parameters()) n += p.size;
  return n;
}
