/** The shape of a domain recipe: stages for given widths, the output, the checks and the input conversion. */
import type { BlueprintCheck, OutputInfo, Stage } from "./model.js";
import type { BuildContext } from "./parts.js";
import type { ResolvedSpec } from "./spec.js";

/** What a recipe returns for one choice of widths. */
export interface Recipe {
  stages: Stage[];
  output: OutputInfo;
  /** The model's equivariance claims with seeded sample inputs. */
  checks: (seed: number) => BlueprintCheck[];
  /** Validates a user input and converts it to the first stage's state. */
  prepare: (input: unknown) => unknown;
}

/** A recipe: the spec, one width per equivariant layer, and the layers' dtype and generator. */
export type RecipeFn = (spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext) => Recipe;
