/**
 * The loaders' worker tasks: sample one subgraph from a graph store and gather its node attributes
 * from a feature store. They run on pool workers (or on the calling thread with one thread) and
 * depend on their arguments only, so a batch is the same whichever thread builds it.
 */
import { registerTaskModule } from "../../kernels/pool.js";
import { opError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";
import type { FeatureArray, FeatureStore, GraphStore, StoreHandle } from "../stores/store.js";
import { openStore } from "../stores/store.js";
import {
  inducedSubgraph,
  type NeighborSamplingOptions,
  randomWalkNodes,
  type SampledSubgraph,
  sampleNeighbors,
} from "./sampler.js";

/** URL of this module (the `module` of the loaders' pool tasks). */
export const SAMPLING_TASKS = import.meta.url;

/** How a batch's nodes are found. */
export type SubgraphRequest =
  | ({ kind: "neighbor"; seeds: Int32Array } & Required<NeighborSamplingOptions>)
  | { kind: "induced"; nodes: Int32Array }
  | { kind: "walk"; roots: Int32Array; walkLength: number };

/** One batch to build. */
export interface SubgraphTask {
  graph: StoreHandle;
  /** Where node attributes come from (null: none gathered). */
  features: StoreHandle | null;
  /** Attributes to gather for every node of the subgraph. */
  attrs: readonly string[];
  /** Seed of the batch's random stream. */
  seed: number;
  request: SubgraphRequest;
}

/** A built batch: the subgraph, its node attributes and where the time went. */
export interface SubgraphTaskResult {
  sub: SampledSubgraph;
  features: Record<string, FeatureArray>;
  /** Milliseconds sampling (store look-ups included) and gathering attributes. */
  sampleMs: number;
  gatherMs: number;
}

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

/** Builds one batch (the loaders' pool task). */
export async function buildSubgraph(task: SubgraphTask): Promise<SubgraphTaskResult> {
  const t0 = now();
  const graph = await openStore<GraphStore>(task.graph);
  const g = new Generator(task.seed);
  const r = task.request;
  let sub: SampledSubgraph;
  if (r.kind === "neighbor") {
    sub = await sampleNeighbors(graph, r.seeds, r, g);
  } else if (r.kind === "induced") {
    sub = await inducedSubgraph(graph, r.nodes);
  } else if (r.kind === "walk") {
    sub = await inducedSubgraph(graph, await randomWalkNodes(graph, r.roots, r.walkLength, g));
  } else {
    return opError(
      "buildSubgraph",
      "request.kind",
      "'neighbor', 'induced' or 'walk'",
      String((r as { kind: unknown }).kind),
    );
  }
  const t1 = now();
  let features: Record<string, FeatureArray> = {};
  if (task.features !== null && task.attrs.length > 0) {
    const fs = await openStore<FeatureStore>(task.features);
    features = await fs.get(task.attrs, sub.nId);
  }
  return { sub, features, sampleMs: t1 - t0, gatherMs: now() - t1 };
}

registerTaskModule(SAMPLING_TASKS, { buildSubgraph });
