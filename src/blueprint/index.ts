/**
 * The blueprint as a tool: "domain + group → architecture". `blueprint(spec)` builds a model from the
 * library's layers with its plan; `explain(model)` recovers the plan; `verifyBlueprint(model)` runs the
 * checker on every claim of the plan, layer by layer.
 */
export { type Blueprint, blueprint, buildResolved, chooseWidths, float64Twin } from "./builder.js";
export {
  type AnyAction,
  type BlueprintCheck,
  BlueprintModel,
  type BlueprintStep,
  type OutputInfo,
  STEP_FAMILY,
  type Stage,
} from "./model.js";
export { explain, type Plan, type PlanClaim, type PlanLayer, planToJSON, planToSvg, planToText } from "./plan.js";
export {
  type BlueprintOptions,
  type BlueprintSpec,
  DOMAIN_NAMES,
  DOMAINS,
  type DomainInfo,
  type DomainName,
  GRID_LAYOUTS,
  type GridLayout,
  type GroupFamily,
  groupsOf,
  parseGroup,
  parseTask,
  type ResolvedSpec,
  resolveSpec,
  type TaskKind,
  type TaskLevel,
  type TaskName,
  tasksOf,
  validCombinations,
} from "./spec.js";
export {
  type ClaimResult,
  formatVerifyReport,
  type VerifyOptions,
  type VerifyReport,
  verifyBlueprint,
} from "./verify.js";
