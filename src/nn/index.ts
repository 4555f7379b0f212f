/**
 * Neural-network building blocks: `Module`, `Parameter`, containers, layers and loss modules.
 * Initialisers are under the `init` namespace and functional forms under `F` (from the package root).
 */

export * from "./activation.js";
export * from "./embedding.js";
export * from "./linear.js";
export {
  BCELoss,
  type BCEOptions,
  BCEWithLogitsLoss,
  type ClassLossOptions,
  CrossEntropyLoss,
  type CrossEntropyOptions,
  HuberLoss,
  type HuberOptions,
  L1Loss,
  type LossOptions,
  MSELoss,
  NLLLoss,
  type Reduction,
  SmoothL1Loss,
  type SmoothL1Options,
} from "./losses.js";
export * from "./mlp.js";
export * from "./module.js";
export * from "./normalization.js";
export * from "./rnn.js";
