/**
 * `blueprint(spec)`: the constructive procedure of Geometric Deep Learning as a function. Given the
 * domain, the group, the task and the size, it picks the recipe of the domain (which G-equivariant
 * linear layer, which nonlinearity, which pooling, which invariant or equivariant readout), chooses
 * the widths (a parameter budget is met within 10 %), builds the model from the library's layers and
 * returns it with its {@link Plan}.
 *
 * ```ts
 * const { model, plan } = blueprint({ domain: "grid2d", group: "p4", task: "graph-classification", size: { params: 25_000 } });
 * console.log(planToText(plan));
 * const logits = model.forward(images);            // [B, 10], invariant to 90° rotations
 * ```
 */
import { ErlangenError } from "../tensor/errors.js";
import { Generator } from "../tensor/rng.js";
import { graphRecipe, setRecipe } from "./graph.js";
import { gridRecipe } from "./grid.js";
import { cohenWellingRecipe } from "./grid_skeleton.js";
import { meshRecipe } from "./mesh.js";
import { BlueprintModel, countParams } from "./model.js";
import type { BuildContext } from "./parts.js";
import { explain, type Plan } from "./plan.js";
import { pointsRecipe } from "./points.js";
import type { Recipe, RecipeFn } from "./recipe.js";
import { type BlueprintSpec, type ResolvedSpec, resolveSpec } from "./spec.js";

/** The recipe of each domain. */
export function recipeOf(spec: ResolvedSpec): RecipeFn {
  switch (spec.domain) {
    case "grid2d":
      return spec.options.layout === "cohen-welling" ? cohenWellingRecipe : gridRecipe;
    case "grid1d":
    case "grid3d":
      return gridRecipe;
    case "set":
      return setRecipe;
    case "graph":
      return graphRecipe;
    case "pointcloud":
    case "molecule":
      return pointsRecipe;
    case "mesh":
      return meshRecipe;
  }
}

function paramsOf(r: Recipe): number {
  let n = 0;
  for (const s of r.stages) n += countParams(s.module);
  return n;
}

/**
 * The widths of the equivariant layers: the given width, or the default, or — for a budget — the
 * largest uniform width w under the budget with the last k layers at w + 1, k chosen so the count
 * lands closest to the budget. Throws when no choice is within 10 %.
 */
export function chooseWidths(spec: ResolvedSpec, recipe: RecipeFn): number[] {
  const D = spec.depth;
  if (spec.width !== null) return new Array<number>(D).fill(spec.width);
  if (spec.params === null) return new Array<number>(D).fill(spec.defaultWidth);
  const B = spec.params;
  const memo = new Map<string, number>();
  const count = (ws: number[]) => {
    const key = ws.join(",");
    let n = memo.get(key);
    if (n === undefined) {
      // a scratch generator, so sizing never draws from the user's random stream
      const ctx: BuildContext = { dtype: spec.dtype, generator: new Generator(0) };
      n = paramsOf(recipe(spec, ws, ctx));
      memo.set(key, n);
    }
    return n;
  };
  const uniform = (w: number) => count(new Array<number>(D).fill(w));
  const MAX_W = 4096;
  if (uniform(1) > B) {
    const p1 = uniform(1);
    if (p1 <= 1.1 * B) return new Array<number>(D).fill(1);
    throw new ErlangenError(
      `blueprint: argument 'size.params' (${B}) is below the smallest model of depth ${D} (width 1: ${p1} parameters); lower the depth or raise the budget`,
    );
  }
  let lo = 1;
  let hi = 2;
  while (hi < MAX_W && uniform(hi) <= B) {
    lo = hi;
    hi *= 2;
  }
  hi = Math.min(hi, MAX_W);
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (uniform(mid) <= B) lo = mid;
    else hi = mid;
  }
  let best = new Array<number>(D).fill(lo);
  let bestErr = Math.abs(uniform(lo) - B);
  for (let k = 1; k <= D; k++) {
    const ws = Array.from({ length: D }, (_, i) => (i >= D - k ? lo + 1 : lo));
    const e = Math.abs(count(ws) - B);
    if (e < bestErr) {
      best = ws;
      bestErr = e;
    }
  }
  if (bestErr > 0.1 * B)
    throw new ErlangenError(
      `blueprint: no widths of depth ${D} meet the budget of ${B} parameters within 10 % (closest: ${count(best)} with widths [${best.join(", ")}]); change the depth or the budget`,
    );
  return best;
}

/** A built model and its plan. */
export interface Blueprint {
  model: BlueprintModel;
  plan: Plan;
}

/**
 * Builds the model a spec asks for, from the library's own layers, with its plan (see the module
 * docs and {@link BlueprintSpec}). The model starts in training mode, like every `Module`.
 */
export function blueprint(spec: BlueprintSpec): Blueprint {
  const t0 = performance.now();
  const s = resolveSpec(spec);
  const widths = chooseWidths(s, recipeOf(s));
  const model = buildResolved(s, widths);
  model.buildMs = performance.now() - t0;
  return { model, plan: explain(model) };
}

/** Builds the model of a resolved spec with the given widths (no size search). */
export function buildResolved(s: ResolvedSpec, widths: readonly number[]): BlueprintModel {
  const ctx: BuildContext = { dtype: s.dtype, generator: s.seed === null ? undefined : new Generator(s.seed) };
  const r = recipeOf(s)(s, widths, ctx);
  const model = new BlueprintModel(s, widths, r.stages, r.output, r.checks, r.prepare);
  // layers without a dtype option (o3) are built in float32; cast the whole model once
  if (s.dtype === "float64") model.to("float64");
  return model;
}

/**
 * A float64 copy of a built model (same widths, the same weights and batch-norm statistics cast up):
 * what `verifyBlueprint` checks by default, so that float32 round-off does not blur the claims.
 */
export function float64Twin(model: BlueprintModel): BlueprintModel {
  const twin = buildResolved({ ...model.spec, dtype: "float64", seed: 0 }, model.widths);
  twin.loadStateDict(model.stateDict());
  twin.train(model.training);
  return twin;
}
