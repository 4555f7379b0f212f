/** Edge-structure transforms: self-loops, symmetrisation, GCN normalisation, neighbour graphs. */
import type { Graph } from "../../domains/graph/graph.js";
import { knnGraph, radiusGraph } from "../../domains/graph/nearest.js";
import { gcnNorm } from "../../domains/graph/normalization.js";
import {
  addRemainingSelfLoops,
  addSelfLoops,
  type EdgeReduce,
  type LoopFill,
  toUndirected,
} from "../../domains/graph/utils.js";
import { opError } from "../../tensor/errors.js";
import { BaseTransform } from "./base.js";

/** Names of the edge-level attributes of `g` other than `edgeIndex`. */
function edgeKeys(g: Graph): string[] {
  return g.keys().filter((k) => k !== "edgeIndex" && g.levelOf(k) === "edge");
}

/**
 * Appends a self-loop to every node (PyG's `AddSelfLoops`). Every edge-level attribute gets rows for
 * the new loops, filled with `fillValue` (default 1; a tensor row, or `'mean'`/`'sum'`/`'max'`/`'min'`
 * of the node's incoming edges).
 */
export class AddSelfLoops extends BaseTransform {
  constructor(readonly fillValue: LoopFill = 1) {
    super();
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    const N = g.numNodes;
    const ei = g.edgeIndex;
    for (const k of edgeKeys(g))
      g.set(
        k,
        addSelfLoops(ei, { edgeAttr: g.get(k), fillValue: this.fillValue, numNodes: N }).edgeAttr,
        g.explicitLevel(k),
      );
    g.edgeIndex = addSelfLoops(ei, { numNodes: N }).edgeIndex;
    return g;
  }
}

/**
 * Makes the graph undirected (PyG's `ToUndirected`): adds reverse edges, sorts, and merges duplicates;
 * edge-level attributes of merged edges combine with `reduce` (default `'sum'`).
 */
export class ToUndirected extends BaseTransform {
  constructor(readonly reduce: EdgeReduce = "sum") {
    super();
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    const N = g.numNodes;
    const ei = g.edgeIndex;
    for (const k of edgeKeys(g))
      g.set(k, toUndirected(ei, { edgeAttr: g.get(k), numNodes: N, reduce: this.reduce }).edgeAttr, g.explicitLevel(k));
    g.edgeIndex = toUndirected(ei, { numNodes: N }).edgeIndex;
    return g;
  }
}

/**
 * GCN normalisation as a transform (PyG's `GCNNorm`): adds the missing self-loops and stores
 * `edgeWeight = w_uv / sqrt(deg(u) deg(v))` (from the existing `edgeWeight` if any). Other edge-level
 * attributes get rows for the new loops filled with 0.
 */
export class GCNNorm extends BaseTransform {
  constructor(readonly opts: { addSelfLoops?: boolean; improved?: boolean } = {}) {
    super();
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    const N = g.numNodes;
    const ei = g.edgeIndex;
    const loops = this.opts.addSelfLoops ?? true;
    const r = gcnNorm(ei, {
      edgeWeight: g.edgeWeight,
      numNodes: N,
      addSelfLoops: loops,
      improved: this.opts.improved ?? false,
    });
    if (loops) {
      for (const k of edgeKeys(g)) {
        if (k === "edgeWeight") continue;
        g.set(
          k,
          addRemainingSelfLoops(ei, { edgeAttr: g.get(k), fillValue: 0, numNodes: N }).edgeAttr,
          g.explicitLevel(k),
        );
      }
    }
    g.edgeIndex = r.edgeIndex;
    g.edgeWeight = r.edgeWeight;
    return g;
  }
}

function dropEdgeAttrs(g: Graph): void {
  for (const k of g.keys()) if (k !== "edgeIndex" && g.levelOf(k) === "edge") g.delete(k);
}

/**
 * Replaces the edges by a k-nearest-neighbour graph on `pos` (PyG's `KNNGraph`): each node receives
 * edges from its `k` nearest nodes (within its own graph when `batch` is present). Existing edge
 * attributes are dropped. `forceUndirected` adds the reverse edges.
 */
export class KNNGraph extends BaseTransform {
  constructor(
    readonly k = 6,
    readonly opts: {
      loop?: boolean;
      forceUndirected?: boolean;
      flow?: "source_to_target" | "target_to_source";
      cosine?: boolean;
    } = {},
  ) {
    super();
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    const pos = g.pos;
    if (pos === null) opError("KNNGraph", "graph.pos", "node positions [N, d]", "none");
    let ei = knnGraph(pos, this.k, {
      batch: g.get("batch"),
      loop: this.opts.loop ?? false,
      flow: this.opts.flow ?? "source_to_target",
      cosine: this.opts.cosine ?? false,
    });
    if (this.opts.forceUndirected) ei = toUndirected(ei, { numNodes: g.numNodes }).edgeIndex;
    dropEdgeAttrs(g);
    g.edgeIndex = ei;
    return g;
  }

  override toString(): string {
    return `KNNGraph(k=${this.k})`;
  }
}

/**
 * Replaces the edges by all pairs of nodes closer than `r` on `pos` (PyG's `RadiusGraph`), at most
 * `maxNumNeighbors` (default 32, nearest first) per node. Existing edge attributes are dropped.
 */
export class RadiusGraph extends BaseTransform {
  constructor(
    readonly r: number,
    readonly opts: { loop?: boolean; maxNumNeighbors?: number; flow?: "source_to_target" | "target_to_source" } = {},
  ) {
    super();
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    const pos = g.pos;
    if (pos === null) opError("RadiusGraph", "graph.pos", "node positions [N, d]", "none");
    const ei = radiusGraph(pos, this.r, {
      batch: g.get("batch"),
      loop: this.opts.loop ?? false,
      maxNumNeighbors: this.opts.maxNumNeighbors ?? 32,
      flow: this.opts.flow ?? "source_to_target",
    });
    dropEdgeAttrs(g);
    g.edgeIndex = ei;
    return g;
  }

  override toString(): string {
    return `RadiusGraph(r=${this.r})`;
  }
}
